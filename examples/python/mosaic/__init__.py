"""Mosaic potentials in Python, without LAMMPS: `import mosaic`.

    import mosaic
    from ase.build import bulk
    atoms = bulk("Nb", "bcc", a=3.32, cubic=True) * (3, 3, 3)
    atoms.calc = mosaic.MosaicCalculator("potentials/Nb.json", uncertainty=True)
    atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress()
    atoms.calc.results["grades"]        # per-atom extrapolation grade (<= 1: inside the training span)

The library is libMosaicCAPI.so (the C ABI of include/mosaic_capi.h), found through $MOSAIC_LIBRARY,
this checkout's .build/release, or /usr/local/lib/mosaic (make install). `make install` (and `make python`)
also puts this package on the path of Debian's /usr/bin/python3 and of the python3 first on PATH; for any
other interpreter add examples/python to PYTHONPATH.
Needs numpy; `MosaicCalculator` needs ASE.
"""
import ctypes
import os

import numpy as np

__all__ = ["MosaicError", "Potential", "MosaicCalculator", "library_path"]

_OK = 0


class MosaicError(RuntimeError):
    """An error reported by the Mosaic library (the message names the file, the entry and the fix)."""


def library_path():
    """Where libMosaicCAPI.so is: $MOSAIC_LIBRARY, this checkout's build, or the installed copy."""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    candidates = [os.environ.get("MOSAIC_LIBRARY", ""),
                  os.path.join(root, ".build", "release", "libMosaicCAPI.so"),
                  "/usr/local/lib/mosaic/libMosaicCAPI.so"]
    for path in candidates:
        if path and os.path.isfile(path):
            return path
    raise MosaicError("libMosaicCAPI.so not found (fix: run make in the Mosaic checkout, or set MOSAIC_LIBRARY)")


_library = None


def _lib():
    global _library
    if _library is None:
        lib = ctypes.CDLL(library_path())
        d = ctypes.POINTER(ctypes.c_double)
        i = ctypes.POINTER(ctypes.c_int)
        lib.mosaic_potential_open.argtypes = [ctypes.c_char_p, ctypes.c_long, ctypes.c_char_p,
                                              ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_int]
        lib.mosaic_potential_destroy.argtypes = [ctypes.c_void_p]
        lib.mosaic_potential_cutoff.argtypes = [ctypes.c_void_p]
        lib.mosaic_potential_cutoff.restype = ctypes.c_double
        lib.mosaic_potential_element_count.argtypes = [ctypes.c_void_p]
        lib.mosaic_potential_element_symbol.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.mosaic_potential_element_symbol.restype = ctypes.c_char_p
        lib.mosaic_potential_uncertainty_size.argtypes = [ctypes.c_void_p]
        lib.mosaic_compute_structure.argtypes = [ctypes.c_void_p, ctypes.c_int, d, i, d, i, d, d, d, d, d, d, d,
                                                 ctypes.c_char_p, ctypes.c_int]
        _library = lib
    return _library


def _pointer(array, kind=ctypes.c_double):
    return None if array is None else array.ctypes.data_as(ctypes.POINTER(kind))


class Potential:
    """A Mosaic potential file, evaluated by the Swift core (energies, forces, virial, grades)."""

    def __init__(self, path):
        self.path = str(path)
        with open(self.path, "rb") as handle:
            data = handle.read()
        lib = _lib()
        self._handle = ctypes.c_void_p()
        message = ctypes.create_string_buffer(4096)
        status = lib.mosaic_potential_open(data, len(data), self.path.encode(), ctypes.byref(self._handle),
                                           message, len(message))
        if status != _OK:
            raise MosaicError(message.value.decode())
        count = lib.mosaic_potential_element_count(self._handle)
        self.elements = [lib.mosaic_potential_element_symbol(self._handle, k).decode() for k in range(count)]
        self.cutoff = lib.mosaic_potential_cutoff(self._handle)
        self.has_uncertainty = lib.mosaic_potential_uncertainty_size(self._handle) > 0

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle:
            _lib().mosaic_potential_destroy(handle)
            self._handle = None

    def compute(self, cell, pbc, positions, symbols, uncertainty=False):
        """Energy (eV), forces (eV/A), virial (eV, Voigt xx yy zz yz xz xy), per-atom energies and, with
        uncertainty=True, per-atom grades and sigmas and the sigma of the energy. cell: 3x3 rows a, b, c."""
        index = {symbol: k for k, symbol in enumerate(self.elements)}
        missing = sorted(set(symbols) - set(index))
        if missing:
            raise MosaicError(f"{self.path}: elements {', '.join(missing)} are not in the potential "
                              f"({' '.join(self.elements)}) (fix: use a potential fitted for them)")
        n = len(symbols)
        cell = np.ascontiguousarray(cell, dtype=np.float64).reshape(3, 3)
        flags = np.ascontiguousarray([1 if p else 0 for p in pbc], dtype=np.intc)
        positions = np.ascontiguousarray(positions, dtype=np.float64).reshape(n, 3)
        species = np.ascontiguousarray([index[s] for s in symbols], dtype=np.intc)
        energy = np.zeros(1)
        forces = np.zeros((n, 3))
        virial = np.zeros(6)
        energies = np.zeros(n)
        grades = np.zeros(n) if uncertainty else None
        sigmas = np.zeros(n) if uncertainty else None
        sigma_energy = np.zeros(1) if uncertainty else None
        message = ctypes.create_string_buffer(4096)
        status = _lib().mosaic_compute_structure(
            self._handle, n, _pointer(cell), _pointer(flags, ctypes.c_int), _pointer(positions),
            _pointer(species, ctypes.c_int), _pointer(energy), _pointer(forces), _pointer(virial),
            _pointer(energies), _pointer(grades), _pointer(sigmas), _pointer(sigma_energy), message, len(message))
        if status != _OK:
            raise MosaicError(message.value.decode())
        result = {"energy": float(energy[0]), "forces": forces, "virial": virial, "energies": energies}
        if uncertainty:
            result.update(grades=grades, sigmas=sigmas, energy_sigma=float(sigma_energy[0]))
        return result


try:
    from ase.calculators.calculator import Calculator, PropertyNotImplementedError, all_changes
except ImportError:  # ASE is optional: Potential works without it.
    Calculator = None

if Calculator is not None:
    class MosaicCalculator(Calculator):
        """ASE calculator for a Mosaic potential file. Results: energy, free_energy, energies, forces,
        stress (periodic cells; ASE's sign, Voigt order); with uncertainty=True also results["grades"],
        results["sigmas"] (per atom) and results["energy_sigma"] (eV)."""

        implemented_properties = ["energy", "free_energy", "energies", "forces", "stress"]

        def __init__(self, potential, uncertainty=False, **kwargs):
            Calculator.__init__(self, **kwargs)
            self.potential = potential if isinstance(potential, Potential) else Potential(potential)
            self.uncertainty = uncertainty

        def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
            Calculator.calculate(self, atoms, properties, system_changes)
            result = self.potential.compute(self.atoms.cell.array, self.atoms.pbc, self.atoms.positions,
                                            self.atoms.get_chemical_symbols(), uncertainty=self.uncertainty)
            self.results = {"energy": result["energy"], "free_energy": result["energy"],
                            "energies": result["energies"], "forces": result["forces"]}
            if all(self.atoms.pbc):
                self.results["stress"] = -result["virial"] / self.atoms.get_volume()
            elif "stress" in properties:
                raise PropertyNotImplementedError("stress needs a periodic cell")
            if self.uncertainty:
                for key in ("grades", "sigmas", "energy_sigma"):
                    self.results[key] = result[key]
else:
    class MosaicCalculator:
        def __init__(self, *args, **kwargs):
            raise MosaicError("MosaicCalculator needs ASE (Debian: apt-get install python3-ase)")
