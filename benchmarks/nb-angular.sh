#!/usr/bin/env bash
# Issue 14, point 2 (benchmarks/RESULTS.md, "Angular embeddings reach the training targets and break the physics"):
# benchmarks/nb-angular-75.yaml (the shipped Nb potential + three angular embeddings, 75 fitted parameters) fitted on
# the shipped split (V0/1000 K block untouched; balanced loss, 1 meV/atom, slabs x2), then refitted with the 3000 K
# block weighted x2; the errors and the properties of both (fcc, hcp and A15 against bcc, the surfaces, C44).
# `benchmarks/nb-angular.sh phases` (RESULTS "Other lattices in training") does the same with fcc, hcp and A15 cells
# in the training data (examples/dft/phase-cells.py from the GPAW energies of data/phases/NbMoTaW-gpaw.json, aligned
# to the data's bcc energy; weight 0.1, i.e. expected to 10 meV/atom, about how far two DFT codes' lattice energy
# differences agree), and prints the lattice energies against GPAW (`--phases`) and the property score with and
# without them (issue 14's 0.276 was measured without).
# `benchmarks/nb-angular.sh phases bounded` (RESULTS "A floor for the angular embedding") fits the same terms with
# Γ bounded (`gamma: bounded` in each angular embedding) and goes on with the 3000 K block weighted x3 and x4.
# `benchmarks/nb-angular.sh phases bounded targets` (RESULTS "Energy targets instead of a hand-raised weight") goes on
# from the balanced bounded fit with `--energy-target` (every AIMD block 2 meV/atom, the strained cells 1) in place of
# the hand-raised weights: one fit, then `make demo`'s design options from the balanced fit (`--warm-start`, budget 75,
# 12 candidates) with the same targets for the chosen model; 22 minutes on 2 cores (7 Dec 2026).
# `benchmarks/nb-angular.sh phases bounded probes` (RESULTS "What the 3000 K block's energies do not follow") goes on
# from the balanced bounded fit with capacity probes, 150 steps each: an embedding of a density at the third bcc
# shell (Gaussian at 4.67 A, width 0.4 A, held; cutoff 6 A; quadratic F, +2 parameters), a fourth coefficient of
# `embedding2` (+1), and the balanced fit's energy tolerance doubled (2 meV/atom, lattice cells weighted 0.2 so
# that they keep their 10 meV/atom) with the energy targets; then the 3000 K frames' errors against their local order
# (benchmarks/hot-block-errors.py). 13 minutes on 2 cores (8 Dec 2026).
# Prints; asserts nothing. About 10 minutes on 2 cores (`phases`: 5.6 minutes, 7 Dec 2026).
# shellcheck source=benchmarks/mosaic-setup.sh
source "$(dirname "$0")/mosaic-setup.sh"
fit=(.build/release/mosaic fit --hold-out Nb_AIMD/Md/1000K --energy-tolerance 0.001 --geodesic --no-stages
  --group-weight Nb_Surface=2 --no-plots)
properties=(.build/release/mosaic properties --no-uncertainty)
name=angular
model=benchmarks/nb-angular-75.yaml
lattices="(new terms at amplitude 0.05, weights 0)"
if [[ ${1-} == phases ]]; then
  phases=data/phases/NbMoTaW-gpaw.json
  python3 examples/dft/phase-cells.py "$phases" "$work" Nb
  fit+=(--group-weight Nb_Phases=0.1
    --data data/nb/Nb_AIMD.json data/nb/Nb_Elastic.json data/nb/Nb_Surface.json "$work/Nb_Phases.xyz")
  properties+=(--phases "$phases")
  name=phases
  lattices="+ fcc/hcp/A15 cells (new terms at amplitude 0.05, weights 0)"
fi
if [[ ${2-} == bounded ]]; then
  model=$work/bounded.json
  python3 -c '
import json, sys
text = open(sys.argv[1]).read()
model = json.loads(text[text.index("{"):])
for term in model["terms"]:
    if term["type"] == "angular-embedding":
        term["gamma"] = "bounded"
json.dump(model, open(sys.argv[2], "w"), indent=1)
' benchmarks/nb-angular-75.yaml "$model"
  lattices="$lattices, Γ bounded"
  hot_weights="2 3 4"
fi
targets=(--energy-target Nb_AIMD=0.002 --energy-target Nb_Elastic=0.001)
if [[ ${3-} == targets || ${3-} == probes ]]; then
  [[ -n ${phases-} ]] || { echo "usage: benchmarks/nb-angular.sh phases bounded targets|probes" >&2; exit 2; }
  hot_weights=none
fi
echo "== balanced loss, 400 steps from the shipped parameters $lattices"
# A fit whose model fails the short-range repulsion check is not written as a potential but kept as
# NAME.refused.json (the error says why); the steps below go on with it, since that is what is being studied.
fitted() {  # path without .json -> the written or the refused model
  if [ -f "$1.json" ]; then echo "$1.json"; else echo "$1.refused.json"; fi
}
"${fit[@]}" --model "$model" --max-iterations 400 --output "$work/$name.json" 2>&1 \
  | sed -n '/^error/,/^  /p;/^unified/p;/^training errors/,$p' || true
# Then the 3000 K block weighted x2 (bounded: x2, x3 and x4 in turn), 150 more steps each from the fit before.
previous=$name
fits=("$name")
for weight in ${hot_weights:-2}; do
  [[ $weight == none ]] && break
  echo "== the same, 3000 K block weighted x$weight, 150 more steps"
  "${fit[@]}" --model "$(fitted "$work/$previous")" --group-weight "Nb_AIMD/Md/3000K=$weight" --max-iterations 150 \
    --output "$work/$name-hot$weight.json" 2>&1 | sed -n '/^error/,/^  /p;/^unified/p;/^training errors/,$p' || true
  previous=$name-hot$weight
  fits+=("$previous")
done
if [[ ${3-} == targets ]]; then
  echo "== energy targets from the balanced fit: ${targets[*]}, 150 steps per refit"
  "${fit[@]}" --model "$(fitted "$work/$name")" "${targets[@]}" --max-iterations 150 --output "$work/$name-targets.json" \
    2>&1 | sed -n '/^error/,/^  /p;/^energy targets/p;/^every/p;/still misses/p;/^training errors/,$p' || true
  echo "== make demo's design options from the balanced fit (--warm-start, budget 75), the same targets for the chosen model"
  design=(.build/release/mosaic design --start "$(fitted "$work/$name")" --warm-start --test Nb_AIMD/Md/1000K
    --fold-mean geometric --geodesic --max-iterations 60 --max-candidates 12 --budget-params 75 --energy-tolerance 0.001
    --group-weight Nb_Surface=2 --group-weight Nb_Phases=0.1 --phases "$phases"
    --data data/nb/Nb_AIMD.json data/nb/Nb_Elastic.json data/nb/Nb_Surface.json "$work/Nb_Phases.xyz")
  "${design[@]}" "${targets[@]}" --output "$work/$name-design.json" --state "$work/$name-design-state.json" 2>&1 \
    | grep -vE '^(… |  iter)' || true
  fits+=("$name-targets" "$name-design")
fi
if [[ ${3-} == probes ]]; then
  python3 -c '
import json, sys
text = open(sys.argv[1]).read()
model = json.loads(text[text.index("{"):])["model"]
wide = json.loads(json.dumps(model))
wide["terms"].insert(-1, {"type": "embedding", "name": "embedding3", "form": "polynomial", "coefficients": [0.0, 0.0],
                          "cutoff": 6.0, "width": 1.0, "density": {"family": "gaussian", "values": [4.67, 0.4]}})
wide["fixed"] += ["embedding3.density.center", "embedding3.density.width"]
json.dump(wide, open(sys.argv[2] + "/third-shell-model.json", "w"), indent=1)
for term in model["terms"]:
    if term["name"] == "embedding2":
        term["coefficients"].append(0.0)
json.dump(model, open(sys.argv[2] + "/quartic-model.json", "w"), indent=1)
' "$(fitted "$work/$name")" "$work"
  for probe in third-shell quartic; do
    echo "== probe: the balanced fit + $probe, 150 steps"
    "${fit[@]}" --model "$work/$probe-model.json" --max-iterations 150 --output "$work/$probe.json" 2>&1 \
      | sed -n '/^error/,/^  /p;/^training errors/,$p' || true
  done
  echo "== probe: energy tolerance 2 meV/atom (lattice cells x0.2) with ${targets[*]}, 150 steps per refit"
  loose=("${fit[@]/#0.001/0.002}")
  "${loose[@]/#Nb_Phases=0.1/Nb_Phases=0.2}" \
    --model "$(fitted "$work/$name")" "${targets[@]}" --max-iterations 150 --output "$work/$name-loose.json" 2>&1 \
    | sed -n '/^error/,/^  /p;/^energy targets/p;/^every/p;/still misses/p;/^training errors/,$p' || true
  echo "== the 3000 K frames' energy errors of the balanced fit against frame descriptors"
  .build/release/mosaic evaluate --model "$(fitted "$work/$name")" --data data/nb/Nb_AIMD.json --no-plots \
    --per-structure "$work/errors.csv" >/dev/null
  python3 benchmarks/hot-block-errors.py "$work/errors.csv" data/nb/Nb_AIMD.json Nb_AIMD/Md/3000K
  fits+=("$name-loose")
fi
for f in "${fits[@]}"; do
  echo "== properties of $(basename "$(fitted "$work/$f")")"
  "${properties[@]}" "$(fitted "$work/$f")" --report "$work/$f.html" \
    | grep -E '^(lattice|C11|C12|C44|surface|E\(|property score)'
  if [[ -n ${phases-} ]]; then
    .build/release/mosaic properties "$(fitted "$work/$f")" --no-uncertainty --report "$work/$f-bcc.html" \
      | grep -E '^property score' | sed 's/^/without --phases: /'
  fi
done
