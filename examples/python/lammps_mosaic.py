#!/usr/bin/python3
"""Use a Mosaic potential from Python through the LAMMPS Python module (Debian: python3-lammps).

The LAMMPS instance is created through the LAMMPS C library API; mosaic_lammps_register()
from libmosaic_lammps.so adds `pair_style mosaic` and `compute mosaic/grade`, `mosaic/sigma` to it. ASE's LAMMPS calculators that wrap
`lammps.lammps` (e.g. ase.calculators.lammpslib) can do the same before their first command.

    /usr/bin/python3 examples/python/lammps_mosaic.py [potentials/Nb.json] [build/lammps/libmosaic_lammps.so]

Debian's /usr/bin/python3 has the `lammps` module (python3-lammps); another python3 on PATH may not.
"""
import ctypes
import os
import sys

from lammps import lammps

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
potential = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "potentials", "Nb.json")
plugin = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "build", "lammps", "libmosaic_lammps.so")


def mosaic_lammps(*args):
    """A LAMMPS instance with pair_style mosaic and compute mosaic/grade, mosaic/sigma registered."""
    lmp = lammps(cmdargs=["-log", "none", "-screen", "none", *args])
    library = ctypes.CDLL(plugin, mode=ctypes.RTLD_GLOBAL)
    library.mosaic_lammps_register.argtypes = [ctypes.c_void_p]
    if library.mosaic_lammps_register(lmp.lmp) != 0:
        raise RuntimeError("could not register pair_style mosaic")
    return lmp


def main():
    lmp = mosaic_lammps()
    lmp.commands_string(f"""
    units metal
    atom_style atomic
    lattice bcc 3.3226
    region box block 0 3 0 3 0 3
    create_box 1 box
    create_atoms 1 box
    pair_style mosaic
    pair_coeff * * {potential} Nb
    compute grade all mosaic/grade
    compute sigma all mosaic/sigma
    thermo_style custom step pe press c_grade c_sigma
    run 0
    """)
    energy = lmp.get_thermo("pe") / lmp.get_natoms()
    pressure = lmp.get_thermo("press") / 1e4  # bar -> GPa
    print(f"bcc Nb, a = 3.3226 A, {lmp.get_natoms()} atoms: E = {energy:.6f} eV/atom, P = {pressure:.4f} GPa")
    grade = lmp.extract_compute("grade", 0, 0)  # global scalar: the largest extrapolation grade
    sigma = lmp.extract_compute("sigma", 0, 0)  # global scalar: sigma of the total energy (eV)
    print(f"largest extrapolation grade {grade:.4f}, sigma of the energy {sigma:.6f} eV")


if __name__ == "__main__":
    main()
