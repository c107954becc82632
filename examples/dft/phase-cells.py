#!/usr/bin/env python3
"""Training cells of the competing lattices (fcc, hcp, A15), from examples/dft/phase-references.py's points.

The MVL data hold bcc cells only, so a fit can put another lattice below bcc (benchmarks/RESULTS.md, "Angular
embeddings reach the training targets and break the physics"). This writes, per element, an extxyz file of the
fcc, hcp (ideal c/a) and A15 cells at each volume GPAW computed, with energies aligned to the data: GPAW's energy
per atom minus GPAW's bcc energy at the data's bcc volume (a parabola through the three bcc points nearest to it;
the scan is centred within 0.1% of it) plus the energy per atom of the data's unstrained bcc cell. So the cells carry GPAW's
energy differences between lattices and volumes on the data's energy zero. Forces are zero by symmetry in all
three lattices; no stresses are written.

Usage: python3 examples/dft/phase-cells.py data/phases/NbMoTaW-gpaw.json OUTPUT-FOLDER [ELEMENT...]
Writes OUTPUT-FOLDER/<El>_Phases.xyz (groups <El>_Phases/fcc, /hcp, /A15).
"""
import json
import os
import sys

import numpy as np

from lattices import A15_BASIS

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")


def unstrained_energy(element):
    """Energy per atom of the cubic cell among data/<el>/<El>_Elastic.json, and its lattice constant."""
    for entry in json.load(open(os.path.join(DATA, element.lower(), f"{element}_Elastic.json"))):
        m = np.array(entry["structure"]["lattice"]["matrix"])
        if np.allclose(m, np.diag(np.diag(m)), atol=1e-9) and np.allclose(np.diag(m), m[0, 0], atol=1e-9):
            return entry["outputs"]["energy"] / entry["num_atoms"], m[0, 0]
    sys.exit(f"{element}: no unstrained cubic cell in its _Elastic data")


def cell(phase, volume):
    """(lattice vectors, fractional positions) of `phase` at `volume` Å³/atom (the cells GPAW computed)."""
    if phase == "fcc":
        a = (4 * volume) ** (1 / 3)
        return 0.5 * a * np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]]), [[0, 0, 0]]
    if phase == "hcp":
        a = (2 * volume / (np.sqrt(3) / 2 * np.sqrt(8 / 3))) ** (1 / 3)
        c = a * np.sqrt(8 / 3)
        return np.array([[a, 0, 0], [-a / 2, a * np.sqrt(3) / 2, 0], [0, 0, c]]), [[0, 0, 0], [1 / 3, 2 / 3, 0.5]]
    a = (8 * volume) ** (1 / 3)
    return a * np.eye(3), A15_BASIS


def main():
    references, folder = sys.argv[1], sys.argv[2]
    elements = json.load(open(references))["elements"]
    for element in sys.argv[3:] or sorted(elements):
        points = elements[element]["points"]
        data_energy, data_a = unstrained_energy(element)
        data_volume = data_a ** 3 / 2
        bcc = np.array(sorted(points["bcc"], key=lambda p: abs(p[0] - data_volume))[:3])
        if not bcc[:, 0].min() <= data_volume <= bcc[:, 0].max():
            sys.exit(f"{element}: the data's bcc volume {data_volume:.4f} A^3/atom is outside GPAW's bcc points")
        shift = data_energy - np.polyval(np.polyfit(bcc[:, 0], bcc[:, 1], 2), data_volume)
        lines = []
        cells = 0
        for phase in ("fcc", "hcp", "A15"):
            for volume, energy in points[phase]:
                vectors, fractions = cell(phase, volume)
                n = len(fractions)
                cells += 1
                lattice = " ".join(f"{x:.10f}" for x in vectors.flatten())
                lines.append(str(n))
                lines.append(f'Lattice="{lattice}" Properties=species:S:1:pos:R:3:forces:R:3 '
                             f'energy={(energy + shift) * n:.8f} config_type={phase} pbc="T T T"')
                for f in fractions:
                    x, y, z = np.array(f) @ vectors
                    lines.append(f"{element} {x:.10f} {y:.10f} {z:.10f} 0.0 0.0 0.0")
        path = os.path.join(folder, f"{element}_Phases.xyz")
        with open(path + ".tmp", "w") as out:
            out.write("\n".join(lines) + "\n")
        os.replace(path + ".tmp", path)
        print(f"{path}: {cells} cells, energies shifted by {shift:+.6f} eV/atom", file=sys.stderr)


if __name__ == "__main__":
    main()
