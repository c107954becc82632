#!/usr/bin/env bash
# Issue 14, point 2 (benchmarks/RESULTS.md, "Angular embeddings reach the training targets and break the physics"):
# benchmarks/nb-angular-75.yaml (the shipped Nb potential + three angular embeddings, 75 fitted parameters) fitted on
# the shipped split (V0/1000 K block untouched; balanced loss, 1 meV/atom, slabs x2), then refitted with the 3000 K
# block weighted x2; the errors and the properties of both (fcc, hcp and A15 against bcc, the surfaces, C44).
# Prints; asserts nothing. About 10 minutes on 2 cores.
# shellcheck source=benchmarks/mosaic-setup.sh
source "$(dirname "$0")/mosaic-setup.sh"
fit=(.build/release/mosaic fit --hold-out Nb_AIMD/Md/1000K --energy-tolerance 0.001 --geodesic --no-stages
  --group-weight Nb_Surface=2 --no-plots)
echo "== balanced loss, 400 steps from the shipped parameters (new terms at amplitude 0.05, weights 0)"
# A fit whose model fails the short-range repulsion check is not written as a potential but kept as
# NAME.refused.json (the error says why); the steps below go on with it, since that is what is being studied.
fitted() {  # path without .json -> the written or the refused model
  if [ -f "$1.json" ]; then echo "$1.json"; else echo "$1.refused.json"; fi
}
"${fit[@]}" --model benchmarks/nb-angular-75.yaml --max-iterations 400 --output "$work/angular.json" 2>&1 \
  | sed -n '/^error/,/^  /p;/^unified/p;/^training errors/,$p' || true
echo "== the same, 3000 K block weighted x2, 150 more steps"
"${fit[@]}" --model "$(fitted "$work/angular")" --group-weight Nb_AIMD/Md/3000K=2 --max-iterations 150 \
  --output "$work/angular-hot.json" 2>&1 | sed -n '/^error/,/^  /p;/^unified/p;/^training errors/,$p' || true
for f in angular angular-hot; do
  echo "== properties of $(basename "$(fitted "$work/$f")")"
  .build/release/mosaic properties "$(fitted "$work/$f")" --no-uncertainty --report "$work/$f.html" \
    | grep -E '^(lattice|C11|C12|C44|surface|E\(|property score)'
done
