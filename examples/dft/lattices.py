"""Lattices shared by the DFT example scripts (no GPAW needed to import this)."""

# Cr3Si (A15) structure of one element: fractional positions of the 8 atoms in the cubic cell.
A15_BASIS = [[0, 0, 0], [0.5, 0.5, 0.5], [0.25, 0.5, 0], [0.75, 0.5, 0], [0, 0.25, 0.5], [0, 0.75, 0.5],
             [0.5, 0, 0.25], [0.5, 0, 0.75]]
