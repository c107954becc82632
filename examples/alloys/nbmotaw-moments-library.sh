#!/usr/bin/env bash
# Makes examples/models/nbmotaw-library-moments.json, the start of the NbMoTaW design with a moment-tensor term
# (benchmarks/RESULTS.md, "NbMoTaW with four-body moments"): the model of the 190-parameter NbMoTaW potential shipped
# until 7 Dec 2026 (examples/models/nbmotaw-190.json, its fitted values; the whole file is in git history) plus a
# moment-tensor term (two Gaussian channels at 2.75 and 3.2 Å, every invariant up to rank 3, coefficients per centre
# element, channels weighted per neighbour element), fitted in two steps on every 4th entry of each training file
# with the design's untouched test held out:
#   1. the new term's channels and weights held (their Jacobian columns are zero while its coefficients are: fitted
#      together from zero, the channels' centres ran off to negative distances), 20 Levenberg–Marquardt steps;
#   2. everything free, 20 more steps.
# About 8 minutes on 2 cores. Writes build/alloy/moments-library/ on the way.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/alloy/moments-library
mkdir -p "$out/data"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
files = [f"data/{e.lower()}/{e}_{k}.json" for e in ("Nb", "Mo", "Ta", "W") for k in ("AIMD", "Elastic", "Surface")]
files += [f"data/binaries/{b}_SS.json" for b in ("NbMo", "NbTa", "NbW", "MoTa", "MoW", "TaW")]
for path in files:
    json.dump(json.load(open(path))[::4], open(f"{out}/data/{path.split('/')[-1]}", "w"))
model = json.load(open("examples/models/nbmotaw-190.json"))
elements = model["elements"]
moments = {"type": "moment-tensor", "name": "moments", "cutoff": 4.5, "width": 1.0,
           "channels": [{"family": "gaussian", "values": [2.75, 0.5]}, {"family": "gaussian", "values": [3.2, 0.5]}],
           "body-order": 4, "rank": 3, "species": {e: [0.0] * 48 for e in elements},
           "neighbours": {e: [1.0, 1.0] for e in elements}}
model["terms"].insert(len(model["terms"]) - 1, moments)
held = ["moments.g0.center", "moments.g0.width", "moments.g1.center", "moments.g1.width"]
held += [f"moments.{e}.w{n}" for e in elements for n in range(2)]
first = dict(model, fixed=model.get("fixed", []) + held)
json.dump(first, open(f"{out}/step1-model.json", "w"), indent=1)
PY
data=()
for e in Nb Mo Ta W; do for k in AIMD Elastic Surface; do data+=("$out/data/${e}_$k.json"); done; done
for b in NbMo NbTa NbW MoTa MoW TaW; do data+=("$out/data/${b}_SS.json"); done
test=(--hold-out Nb_AIMD/Md/1000K --hold-out Mo_AIMD/Md/1000K --hold-out Ta_AIMD/Md/2000K --hold-out W_AIMD/Md/2000K)
for b in NbMo_SS@Nb NbTa_SS@Nb NbW_SS@Nb MoTa_SS@Mo MoW_SS@Mo TaW_SS@Ta; do test+=(--hold-out "$b=0.4-0.6"); done
fit() { .build/release/mosaic fit --data "${data[@]}" "${test[@]}" --energy-tolerance 0.002 --no-stages --no-plots \
  --max-iterations 20 "$@"; }
fit --model "$out/step1-model.json" --output "$out/step1.json"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
model = json.load(open(f"{out}/step1.json"))["model"]
model["fixed"] = [name for name in model["fixed"] if not name.startswith("moments.")]
json.dump(model, open(f"{out}/step2-model.json", "w"), indent=1)
PY
fit --model "$out/step2-model.json" --output "$out/step2.json"
python3 -c "import json, sys; json.dump(json.load(open(sys.argv[1]))['model'], open(sys.argv[2], 'w'), indent=1, \
sort_keys=True)" "$out/step2.json" examples/models/nbmotaw-library-moments.json
echo "wrote examples/models/nbmotaw-library-moments.json"
