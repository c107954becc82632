#!/usr/bin/env bash
# Does `make nbmotaw` reproduce the shipped potentials/NbMoTaW.json? Runs its design script into build/ (about
# an hour on 2 cores; STATE resumes an interrupted run), prints its wall time, and compares the new file with the
# shipped one: the candidates tried (change, parameter count, score), the chosen one, the untouched-test errors,
# and every parameter of the model. Exits 1 if the path or the choice differs or the untouched-test errors differ
# by more than 1e-5 relative. The parameters agree bit for bit only with the code and the CPU that made the file:
# another summation order (another CPU's OpenBLAS kernels, README "Reproducibility", or the Jacobian's linear
# columns since 7 Dec 2026) moves the sloppy coefficients (by up to 1.8e-4 relative, benchmarks/RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUTPUT:-build/alloy/NbMoTaW-reproduced.json}
state=${STATE:-build/alloy/NbMoTaW-reproduced-state.json}
start=$(date +%s)
OUTPUT=$out STATE=$state examples/alloys/nbmotaw-design.sh
echo "design script: $(( $(date +%s) - start )) s wall"
python3 - potentials/NbMoTaW.json "$out" <<'EOF'
import json, sys

shipped, new = (json.load(open(path)) for path in sys.argv[1:3])
a, b = shipped["provenance"], new["provenance"]
same_path = True
for x, y in zip(a["design"], b["design"]):
    if (x["change"], x["parameters"]) != (y["change"], y["parameters"]):
        print(f"candidate #{x['id']}: shipped '{x['change']}' ({x['parameters']}), now '{y['change']}' ({y['parameters']})")
        same_path = False
        break
    if abs(x["score"] - y["score"]) > 1e-3 * abs(x["score"]):
        print(f"candidate #{x['id']} '{x['change']}': score {x['score']:.4f} shipped, {y['score']:.4f} now")
if len(a["design"]) != len(b["design"]):
    print(f"candidates: {len(a['design'])} shipped, {len(b['design'])} now")
    same_path = False
print(f"chosen: #{a['chosen']} shipped, #{b['chosen']} now")


def numbers(value):
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, list):
        return [n for v in value for n in numbers(v)]
    if isinstance(value, dict):
        return [n for k in sorted(value) for n in numbers(value[k])]
    return []


p, q = numbers(shipped["model"]), numbers(new["model"])
if len(p) != len(q):
    print(f"models differ in size: {len(p)} numbers shipped, {len(q)} now")
    sys.exit(1)
worst = max((abs(x - y) / max(abs(x), abs(y), 1e-300) for x, y in zip(p, q)), default=0.0)
print(f"model: {len(p)} numbers, largest relative difference {worst:.3g}" + (" (bit for bit)" if p == q else ""))
same_test = True
for key in ("energyRMSE", "forceRMSE", "stressRMSE"):
    x, y = a["testErrors"][key], b["testErrors"][key]
    difference = abs(x - y) / max(abs(x), 1e-300)
    print(f"untouched test {key}: {x:.6g} shipped, {y:.6g} now (relative difference {difference:.2g})")
    same_test = same_test and difference < 1e-5
sys.exit(0 if same_path and a["chosen"] == b["chosen"] and same_test else 1)
EOF
