#!/usr/bin/env python3
"""DFT energies of the competing lattices (fcc, hcp, A15) against bcc, for `mosaic properties --phases`.

The MVL data hold bcc cells only, so nothing in them says that bcc is the lowest lattice. This script computes
E(phase) - E(bcc) with an independent DFT code, GPAW (Debian's `gpaw` and `gpaw-data` packages: PBE, plane waves),
each lattice at its own energy minimum (a Birch-Murnaghan fit over five lattice constants; hcp at the ideal c/a,
as `mosaic properties` computes it). Energy differences between lattices transfer between PAW codes to about
0.01 eV/atom; total energies do not, so the references are differences. Each lattice's points (GPAW's total energy
per atom at each volume, GPAW's own zero) are kept too: examples/dft/phase-cells.py aligns them to the data's bcc
energy to make training cells.

Usage (run by /usr/bin/python3, where Debian installs GPAW; about 15 minutes per element on one core):
    apt-get install gpaw gpaw-data
    OMP_NUM_THREADS=1 /usr/bin/python3 examples/dft/phase-references.py Nb Mo Ta W > data/phases/NbMoTaW-gpaw.json
Progress goes to standard error; the JSON to standard output.
"""
import json
import sys
import time

import numpy as np
from ase.build import bulk
from ase.eos import EquationOfState
from ase.lattice.cubic import SimpleCubicFactory
from gpaw import GPAW, PW, FermiDirac, __version__ as gpaw_version

from lattices import A15_BASIS

# Starting lattice constants, within 0.03% of the data's (the unstrained cells of data/<el>/<El>_Elastic.json: Nb
# 3.32257, Mo 3.16900, Ta 3.32229, W 3.18998 Å); the scans are centred on them.
BCC_A = {"Nb": 3.3225, "Mo": 3.1699, "Ta": 3.3215, "W": 3.1896}
CUTOFF_EV = 500
SMEARING_EV = 0.1
KPOINTS = {"bcc": (16, 16, 16), "fcc": (16, 16, 16), "hcp": (14, 14, 9), "A15": (6, 6, 6)}
ATOMS_PER_CELL = {"bcc": 1, "fcc": 1, "hcp": 2, "A15": 8}


class A15Factory(SimpleCubicFactory):
    """Cr3Si (A15) lattice of one element: 8 atoms in the cubic cell."""

    bravais_basis = A15_BASIS


def structure(element, phase, a):
    if phase == "bcc":
        return bulk(element, "bcc", a=a)
    if phase == "fcc":
        return bulk(element, "fcc", a=a)
    if phase == "hcp":
        return bulk(element, "hcp", a=a, c=a * np.sqrt(8 / 3))
    return A15Factory()(symbol=element, latticeconstant=a, size=(1, 1, 1))


def guess(element, phase):
    """Lattice constant of `phase` at the bcc atomic volume."""
    volume = BCC_A[element] ** 3 / 2
    cell_volume_per_a3 = {"bcc": 0.5, "fcc": 0.25, "hcp": np.sqrt(3) / 2 * np.sqrt(8 / 3), "A15": 1.0}[phase]
    return (ATOMS_PER_CELL[phase] * volume / cell_volume_per_a3) ** (1 / 3)


def minimum(element, phase):
    """(lowest energy per atom, its volume per atom, the [volume, energy] points) from a Birch-Murnaghan fit over
    five lattice constants."""
    volumes, energies = [], []
    for scale in (0.97, 0.985, 1.0, 1.015, 1.03):
        atoms = structure(element, phase, guess(element, phase) * scale)
        atoms.calc = GPAW(mode=PW(CUTOFF_EV), xc="PBE", kpts=KPOINTS[phase], occupations=FermiDirac(SMEARING_EV),
                          convergence={"energy": 1e-6}, txt=None)
        start = time.time()
        energies.append(atoms.get_potential_energy() / len(atoms))
        volumes.append(atoms.get_volume() / len(atoms))
        print(f"{element} {phase} V={volumes[-1]:.3f} A^3/atom E={energies[-1]:.6f} eV/atom "
              f"({time.time() - start:.0f} s)", file=sys.stderr, flush=True)
    eos = EquationOfState(volumes, energies, eos="birchmurnaghan")
    v0, e0, _ = eos.fit()
    if not min(volumes) < v0 < max(volumes):
        sys.exit(f"{element} {phase}: minimum at {v0:.3f} A^3/atom outside the scanned volumes")
    return e0, v0, [[round(v, 4), round(e, 6)] for v, e in zip(volumes, energies)]


def main():
    elements = sys.argv[1:] or list(BCC_A)
    result = {
        "format": 1,
        "description": "E(phase) - E(bcc) in eV/atom, each lattice at its own energy minimum (hcp at ideal c/a)",
        "method": f"GPAW {gpaw_version}, PBE, plane waves {CUTOFF_EV} eV, Fermi-Dirac {SMEARING_EV} eV (energies "
                  f"extrapolated to zero width), k-points {KPOINTS}, Birch-Murnaghan fit over five lattice constants "
                  "(0.97-1.03 of the lattice constant at the data's bcc atomic volume); points: GPAW's total energy "
                  "per atom (eV, its own zero) at each volume (A^3/atom); examples/dft/phase-references.py",
        "elements": {},
    }
    for element in elements:
        bcc, bcc_volume, bcc_points = minimum(element, "bcc")
        entry = {"bcc volume": round(bcc_volume, 4), "points": {"bcc": bcc_points}}
        for phase in ("fcc", "hcp", "A15"):
            energy, volume, points = minimum(element, phase)
            entry[phase] = round(energy - bcc, 4)
            entry[f"{phase} volume"] = round(volume, 4)
            entry["points"][phase] = points
        result["elements"][element] = entry
        print(element, entry, file=sys.stderr, flush=True)
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
