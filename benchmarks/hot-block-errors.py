#!/usr/bin/env python3
"""What a block's per-frame energy errors go with (benchmarks/RESULTS.md, "Energy targets instead of a hand-raised
weight"): the correlation of each frame's energy error (model - DFT, meV/atom) with simple descriptors of the frame
(its DFT energy per atom, shortest distance, neighbours within 3.3 A per atom, RMS DFT force, DFT pressure), the
RMS error left after a straight-line fit on each, and the lag-1 autocorrelation of the errors in file order.

    mosaic evaluate --model P.json --data data/nb/Nb_AIMD.json --no-plots --per-structure errors.csv
    python3 benchmarks/hot-block-errors.py errors.csv data/nb/Nb_AIMD.json Nb_AIMD/Md/3000K

Prints; asserts nothing.
"""
import csv
import json
import sys

import numpy as np


def descriptors(entry):
    structure = entry["structure"]
    lattice = np.array(structure["lattice"]["matrix"])
    positions = np.array([site["xyz"] for site in structure["sites"]])
    fractional = positions @ np.linalg.inv(lattice)
    shortest, close = np.inf, 0
    for i in range(len(positions)):
        delta = fractional - fractional[i]
        delta -= np.round(delta)
        distances = np.linalg.norm(delta @ lattice, axis=1)
        distances = distances[distances > 0.1]
        shortest = min(shortest, distances.min())
        close += np.count_nonzero(distances < 3.3)
    n = len(positions)
    forces = np.array(entry["outputs"]["forces"])
    stress = np.array(entry["outputs"]["stress"], dtype=float)  # Voigt, kBar as VASP writes it
    return [entry["outputs"]["energy"] / n, shortest, close / n, np.sqrt((forces**2).mean()), -stress[:3].mean() / 10]


def main(errors_csv, data_file, group):
    rows = list(csv.DictReader(open(errors_csv)))
    entries = json.load(open(data_file))
    if len(rows) != len(entries):
        sys.exit(f"{errors_csv} has {len(rows)} rows, {data_file} {len(entries)} entries: evaluate that file alone")
    picked = [(float(r["energy_error_eV_per_atom"]) * 1000, descriptors(e)) for r, e in zip(rows, entries)
              if r["group"] == group]
    if len(picked) < 3:
        sys.exit(f"{group}: fewer than 3 frames in {errors_csv}")
    error = np.array([p[0] for p in picked])
    features = np.array([p[1] for p in picked])
    names = ["DFT energy per atom", "shortest distance", "neighbours < 3.3 A", "RMS DFT force", "DFT pressure (GPa)"]
    print(f"{group}: {len(error)} frames, energy error RMS {np.sqrt((error**2).mean()):.2f} meV/atom, "
          f"mean {error.mean():+.2f}")
    print(f"{'descriptor':24} {'corr':>6} {'RMS left':>9}")
    for k, name in enumerate(names):
        x = features[:, k]
        corr = np.corrcoef(x, error)[0, 1] if x.std() > 0 else float("nan")
        slope, intercept = np.polyfit(x, error, 1) if x.std() > 0 else (0.0, error.mean())
        left = np.sqrt(((error - slope * x - intercept) ** 2).mean())
        print(f"{name:24} {corr:6.2f} {left:9.2f}")
    centred = error - error.mean()
    lag1 = (centred[1:] * centred[:-1]).sum() / (centred**2).sum()
    print(f"lag-1 autocorrelation of the errors in file order: {lag1:.2f} "
          f"(standard error for independent errors 1/sqrt(n) = {1 / np.sqrt(len(error)):.2f})")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
