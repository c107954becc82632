#!/usr/bin/env bash
# Designs potentials/NbMoTaW.json from the shipped elemental and binary DFT data (`make nbmotaw` runs this).
#
# Data: for Nb, Mo, Ta and W the AIMD, strained-cell and slab files; the six binary solid-solution sets.
# Untouched test (never trained on, never chosen on; evaluated once at the end):
#   each element's middle-temperature AIMD block at V0 (Nb, Mo 1000 K; Ta, W 2000 K), and of each binary
#   the cells with 0.4 <= x <= 0.6 of its first element (whole compositions, relaxed and unrelaxed).
# Choice: 6-fold cross-validation, each fold whole blocks of all elements or whole compositions of all
#   binaries: the 300 K blocks; the hottest blocks (3000 K, or 4000 K for Ta, W); the 0.9 V0 blocks; the
#   1.1 V0 blocks; compositions x < 0.34; compositions x > 0.66. The folds are combined by their geometric mean
#   (as for niobium, `make demo`), so that the hottest blocks, which every model misses most when they are left
#   out, do not decide alone. Each element's lattice constant, elastic constants and surface energies (its own
#   strained cells and slabs) are in the score.
# Start: examples/models/nbmotaw-library-moments.json, the 190-parameter potential shipped until 7 Dec 2026 plus a
#   moment-tensor term, fitted by examples/alloys/nbmotaw-moments-library.sh. Budget 420 parameters, 9 candidates,
#   each candidate's fit starting from its parent's parameters (`--warm-start`).
# Candidates are screened on every 4th structure of each group; the chosen one is refitted on all.
# SKIP lists kinds of change the loop does not propose (default none; e.g. SKIP="weigh-neighbours fuse-blocks" with
#   FOLD_MEAN=rms repeats the design of the potential shipped until 28 Nov 2026, benchmarks/RESULTS.md).
# HOLD_REPULSION=yes (default) holds every fit to the repulsion check (`--hold-repulsion`), so that candidates whose
#   dimers would be pulled down at the core's edge are fitted to repel rather than discarded; HOLD_REPULSION=no
#   repeats the design of the 87-parameter potential shipped before those (benchmarks/RESULTS.md).
# PHASES=<weight> (default: none) adds each element's fcc, hcp and A15 cells (examples/dft/phase-cells.py, from the
#   GPAW energies of data/phases/NbMoTaW-gpaw.json) to the training data with that group weight, and scores their
#   energies against GPAW's as properties (`--phases`); the cells are in every fold's training, in no fold or test.
# Extra options are passed on to `mosaic design`. Environment: LIBRARY=<model file> starts from another library,
# BUDGET and CANDIDATES set the parameter budget (420) and the candidate limit (9), WARM_START=no fits every candidate
# from the library's values, FOLD_MEAN the fold mean (geometric), OUTPUT and STATE the potential and state files.
# LIBRARY=examples/models/nbmotaw-library.yaml BUDGET=200 CANDIDATES=36 WARM_START=no repeats the design of the
# 190-parameter potential shipped until 7 Dec 2026 (every term shared by all species at the start).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/alloy
elements=(Nb Mo Ta W)
binaries=(NbMo_SS@Nb NbTa_SS@Nb NbW_SS@Nb MoTa_SS@Mo MoW_SS@Mo TaW_SS@Ta)
data=()
for e in "${elements[@]}"; do
  for kind in AIMD Elastic Surface; do data+=("data/${e,,}/${e}_${kind}.json"); done
done
for b in "${binaries[@]}"; do data+=("data/binaries/${b%@*}.json"); done
phases=()
if [[ -n ${PHASES-} ]]; then
  python3 examples/dft/phase-cells.py data/phases/NbMoTaW-gpaw.json build/alloy
  for e in "${elements[@]}"; do
    data+=("build/alloy/${e}_Phases.xyz")
    phases+=(--group-weight "${e}_Phases=$PHASES")
  done
  phases+=(--phases data/phases/NbMoTaW-gpaw.json)
fi
# Comma-separated patterns of one fold: every element's block $1, or every binary's compositions $1.
blocks() { local IFS=,; local list=(); for e in "${elements[@]}"; do list+=("${e}_AIMD/$1"); done; echo "${list[*]}"; }
compositions() { local IFS=,; local list=(); for b in "${binaries[@]}"; do list+=("$b=$1"); done; echo "${list[*]}"; }
skip=${SKIP-}
skips=()
for kind in $skip; do skips+=(--skip-change "$kind"); done
hold=()
if [[ ${HOLD_REPULSION-yes} == yes ]]; then hold=(--hold-repulsion); fi
warm=()
if [[ ${WARM_START-yes} == yes ]]; then warm=(--warm-start); fi
test=(--test Nb_AIMD/Md/1000K --test Mo_AIMD/Md/1000K --test Ta_AIMD/Md/2000K --test W_AIMD/Md/2000K)
for b in "${binaries[@]}"; do test+=(--test "$b=0.4-0.6"); done
exec .build/release/mosaic design --start "${LIBRARY:-examples/models/nbmotaw-library-moments.json}" \
  --data "${data[@]}" "${test[@]}" "${phases[@]}" \
  --fold "$(blocks Md/300K)" --fold "Nb_AIMD/Md/3000K,Mo_AIMD/Md/3000K,Ta_AIMD/Md/4000K,W_AIMD/Md/4000K" \
  --fold "$(blocks Md_90)" --fold "$(blocks Md_110)" --fold "$(compositions 0-0.34)" --fold "$(compositions 0.66-1)" \
  --fold-mean "${FOLD_MEAN:-geometric}" --screen-every 4 "${skips[@]}" "${hold[@]}" "${warm[@]}" \
  --budget-params "${BUDGET:-420}" --max-candidates "${CANDIDATES:-9}" \
  --output "${OUTPUT:-potentials/NbMoTaW.json}" --state "${STATE:-build/alloy/NbMoTaW-design-state.json}" "$@"
