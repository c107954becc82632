#!/usr/bin/python3
"""A Mosaic potential as an ASE calculator, through ASE's LAMMPSlib (Debian: python3-ase, python3-lammps).

LAMMPSlib creates its LAMMPS instance with the LAMMPS Python module; this subclass registers
`pair_style mosaic` in that instance (mosaic_lammps_register from libmosaic_lammps.so) before
LAMMPSlib issues any command. Everything else is plain ASE; `keep_alive=True` keeps the LAMMPS
instance (and the registered style) between calculations, which ASE's optimizers and MD need.

    /usr/bin/python3 examples/python/ase_mosaic.py [output.xyz]

Debian's /usr/bin/python3 has the `lammps` and `ase` modules; another python3 on PATH may not.
Run as a script it writes the rattled bcc cell with the Mosaic energy, forces and stress as extended
XYZ; imported, it only defines `MosaicLAMMPSlib` and `mosaic_calculator`.
"""
import ctypes
import os
import sys

from ase.build import bulk
from ase.calculators.lammpslib import LAMMPSlib
import ase.io

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
potential = os.path.join(root, "potentials", "Nb.json")
plugin = os.path.join(root, "build", "lammps", "libmosaic_lammps.so")


class MosaicLAMMPSlib(LAMMPSlib):
    """LAMMPSlib whose LAMMPS instance knows pair_style mosaic."""

    def start_lammps(self):
        if self.lmp is None:
            from lammps import lammps
            self.lmp = lammps(self.parameters.lammps_name,
                              ["-echo", "log", "-log", "none", "-screen", "none", "-nocite"],
                              comm=self.parameters.comm)
            library = ctypes.CDLL(plugin, mode=ctypes.RTLD_GLOBAL)
            library.mosaic_lammps_register.argtypes = [ctypes.c_void_p]
            if library.mosaic_lammps_register(self.lmp.lmp) != 0:
                raise RuntimeError("could not register pair_style mosaic")
        super().start_lammps()


def mosaic_calculator(potential_file=potential, elements=("Nb",)):
    """An ASE calculator for a Mosaic potential (atom types numbered in the order of `elements`)."""
    return MosaicLAMMPSlib(
        lmpcmds=["pair_style mosaic", f"pair_coeff * * {potential_file} {' '.join(elements)}"],
        atom_types={symbol: k + 1 for k, symbol in enumerate(elements)}, log_file=None, keep_alive=True)


def main():
    output = sys.argv[1] if len(sys.argv) > 1 else "ase-mosaic.xyz"
    atoms = bulk("Nb", "bcc", a=3.3226, cubic=True).repeat((3, 3, 3))
    atoms.rattle(stdev=0.05, seed=42)
    atoms.calc = mosaic_calculator()
    energy = atoms.get_potential_energy()
    forces = atoms.get_forces()
    stress = atoms.get_stress()  # ASE: eV/A^3, positive = tensile, Voigt xx yy zz yz xz xy
    print(f"{len(atoms)} atoms: E = {energy:.10f} eV, max |F| = {abs(forces).max():.6f} eV/A, "
          f"P = {-stress[:3].mean() * 160.21766208:.5f} GPa")
    ase.io.write(output, atoms, format="extxyz")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
