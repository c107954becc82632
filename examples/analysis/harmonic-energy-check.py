#!/usr/bin/env python3
"""Are the AIMD energies consistent with their own forces and the static cells? (no model involved)

For a harmonic crystal, E(frame) - E_static = -1/2 sum_i u_i . F_i, with u_i the displacement of atom i
from its bcc site (centre-of-mass drift removed). Anharmonicity adds a term growing like T^2; a constant
difference at low temperature is an energy offset between the AIMD cells and the static 2-atom cell.
At 3000 K the harmonic picture (and the site assignment) breaks down; read the 300 K and 1000 K rows.

Usage: python3 examples/analysis/harmonic-energy-check.py [data/nb]
"""
import json
import sys

import numpy as np

folder = sys.argv[1] if len(sys.argv) > 1 else "data/nb"
aimd = json.load(open(f"{folder}/Nb_AIMD.json"))
elastic = json.load(open(f"{folder}/Nb_Elastic.json"))


def is_unstrained_cubic(m):
    m = np.array(m)
    return np.allclose(m - np.diag(np.diag(m)), 0) and np.allclose(np.diag(m), m[0, 0])


static = next(x for x in elastic if is_unstrained_cubic(x["structure"]["lattice"]["matrix"]))
e_static = static["outputs"]["energy"] / static["num_atoms"]

rows = {}
for frame in aimd:
    tag = frame["tags"][0]
    temperature = list(frame["notes"].values())[0].split("-")[0]
    if tag != "Md":  # the V0 blocks only (same volume as the static cell)
        continue
    lattice = np.array(frame["structure"]["lattice"]["matrix"])
    positions = np.array([site["xyz"] for site in frame["structure"]["sites"]])
    forces = np.array(frame["outputs"]["forces"])
    cells = round((len(positions) / 2) ** (1 / 3))  # 54 atoms: 3 x 3 x 3 conventional cells
    scaled = np.linalg.solve(lattice.T, positions.T).T * cells  # conventional-cell units
    corner, centre = np.round(scaled), np.floor(scaled) + 0.5
    use_corner = np.linalg.norm(scaled - corner, axis=1) < np.linalg.norm(scaled - centre, axis=1)
    sites = np.where(use_corner[:, None], corner, centre)
    u = (scaled - sites) / cells @ lattice
    u -= u.mean(axis=0)
    n = len(positions)
    rows.setdefault(int(temperature), []).append(
        (frame["outputs"]["energy"] / n - e_static, -0.5 * np.sum(u * forces) / n))

print(f"static cell: {e_static:.6f} eV/atom ({static['num_atoms']} atoms)")
print("block      E - E_static   -1/2 u.F   difference (meV/atom, mean ± sd over frames)")
for temperature in sorted(rows):
    v = np.array(rows[temperature]) * 1000
    diff = v[:, 0] - v[:, 1]
    print(f"V0/{temperature:>4} K   {v[:, 0].mean():10.1f}  {v[:, 1].mean():9.1f}   {diff.mean():+7.1f} ± {diff.std():.1f}")
