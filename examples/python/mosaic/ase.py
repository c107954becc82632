"""`from mosaic.ase import MosaicCalculator`: the ASE calculator of a Mosaic potential (see the package)."""
from mosaic import MosaicCalculator, MosaicError, Potential

__all__ = ["MosaicCalculator", "MosaicError", "Potential"]
