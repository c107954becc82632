#!/usr/bin/env bash
# Jacobian speed of the fitter (prints, asserts nothing): the full Jacobian + JᵀJ on all cores with the columns of
# linear parameters (moment invariants, three-body Legendre coefficients, pair-spline coefficients) from the terms'
# basis functions, as every fit computes them, against dual numbers for every column in the same run, and the ratio;
# `mosaic benchmark` fails if the two JᵀJ differ beyond 1e-9 of their largest entry.
#   the shipped alloy potential (375 parameters) on NbMo_SS, TaW_SS and Nb_AIMD (106,180 rows)
#   the shipped Nb potential (51 parameters) on the shipped Nb data
# Issue 12, point 7: the alloy design under 60 minutes, the chosen model's fit under 15 (benchmarks/RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
swift build -c release --product mosaic >/dev/null
echo "== mosaic benchmark (potentials/NbMoTaW.json on NbMo_SS, TaW_SS, Nb_AIMD)"
.build/release/mosaic benchmark --model potentials/NbMoTaW.json --repeats 1 \
  --data data/binaries/NbMo_SS.json data/binaries/TaW_SS.json data/nb/Nb_AIMD.json
echo "== mosaic benchmark (potentials/Nb.json on data/nb)"
.build/release/mosaic benchmark --model potentials/Nb.json --repeats 1
