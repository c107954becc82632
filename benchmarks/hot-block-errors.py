#!/usr/bin/env python3
"""What a block's per-frame energy errors go with (benchmarks/RESULTS.md, "Energy targets instead of a hand-raised
weight" and "What the 3000 K block's energies do not follow"): the correlation of each frame's energy error (model -
DFT, meV/atom) with descriptors of the frame (its DFT energy per atom, shortest distance, neighbours within 3.3 A per
atom, RMS DFT force, DFT pressure; and the local order within 3.5 A: the mean Steinhardt q4, q6 and q8 of its atoms,
the mean cosine of its bond angles and the share of bond angles near 60 degrees, the close-packed and icosahedral
angle that bcc lacks), the RMS error left after a straight-line fit on each, and the lag-1 autocorrelation of the
errors in file order.

    mosaic evaluate --model P.json --data data/nb/Nb_AIMD.json --no-plots --per-structure errors.csv
    python3 benchmarks/hot-block-errors.py errors.csv data/nb/Nb_AIMD.json Nb_AIMD/Md/3000K

Prints; asserts nothing.
"""
import csv
import json
import sys

import numpy as np


ORDER_CUTOFF = 3.5  # A: the first two bcc shells of Nb (2.86 and 3.30 A)
NAMES = ["DFT energy per atom", "shortest distance", "neighbours < 3.3 A", "RMS DFT force", "DFT pressure (GPa)",
         "Steinhardt q4", "Steinhardt q6", "Steinhardt q8", "mean bond-angle cosine", "bond angles 53-66 deg"]


def local_order(bonds):
    """q4, q6, q8 (by the addition theorem, q_l^2 = sum_jk P_l(cos theta_jk) / N^2), the mean bond-angle cosine and
    the share of angles near 60 degrees (cosine 0.4-0.6) of one atom's bond vectors (N x 3, N >= 2)."""
    unit = bonds / np.linalg.norm(bonds, axis=1)[:, None]
    cosines = np.clip(unit @ unit.T, -1, 1)
    n = len(bonds)
    q = [np.sqrt(max(np.polynomial.legendre.legval(cosines, [0] * l + [1]).sum(), 0)) / n for l in (4, 6, 8)]
    pairs = cosines[np.triu_indices(n, 1)]
    return q + [pairs.mean(), np.count_nonzero((pairs > 0.4) & (pairs < 0.6)) / len(pairs)]


def descriptors(entry):
    structure = entry["structure"]
    lattice = np.array(structure["lattice"]["matrix"])
    positions = np.array([site["xyz"] for site in structure["sites"]])
    fractional = positions @ np.linalg.inv(lattice)
    shortest, close, order = np.inf, 0, []
    for i in range(len(positions)):
        delta = fractional - fractional[i]
        delta -= np.round(delta)
        vectors = delta @ lattice
        distances = np.linalg.norm(vectors, axis=1)
        keep = distances > 0.1
        shortest = min(shortest, distances[keep].min())
        close += np.count_nonzero(distances[keep] < 3.3)
        bonds = vectors[keep & (distances < ORDER_CUTOFF)]
        if len(bonds) >= 2:
            order.append(local_order(bonds))
    n = len(positions)
    forces = np.array(entry["outputs"]["forces"])
    stress = np.array(entry["outputs"]["stress"], dtype=float)  # Voigt, kBar as VASP writes it
    return [entry["outputs"]["energy"] / n, shortest, close / n, np.sqrt((forces**2).mean()),
            -stress[:3].mean() / 10] + list(np.mean(order, axis=0))


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
    print(f"{group}: {len(error)} frames, energy error RMS {np.sqrt((error**2).mean()):.2f} meV/atom, "
          f"mean {error.mean():+.2f}")
    print(f"{'descriptor':24} {'corr':>6} {'RMS left':>9}")
    for k, name in enumerate(NAMES):
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
