"""A peer code on the same split: a UF3 2+3-body linear fit (PyPI uf3 0.4.0) to data/nb with the V0/1000 K block
held out, trained on energies (per atom) and forces like `mosaic fit --hold-out Nb_AIMD/Md/1000K`; prints each
block's energy RMSE and mean signed error (meV/atom) and force RMSE (eV/A). benchmarks/RESULTS.md, "What 75
parameters reach", compares it with Mosaic's fits (issue 14: is the 3000 K floor or the 1000 K bias ours?).

    python3 -m venv build/uf3 && build/uf3/bin/pip install uf3==0.4.0
    build/uf3/bin/python benchmarks/uf3-nb.py . 20 4,4,8          # 2-body knots, 3-body knots [, energy weight]

Featurizing the 334 cells took about 35 minutes here (one core, sharing the machine)."""
import json, sys, numpy as np, pandas as pd
from ase import Atoms
from uf3.data import composition
from uf3.representation import bspline, process
from uf3.regression import least_squares

root = sys.argv[1]
resolution_2b, resolution_3b = int(sys.argv[2]), [int(x) for x in sys.argv[3].split(",")]
weight = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
rows = []
for stem in ["Nb_AIMD", "Nb_Elastic", "Nb_Surface"]:
    for k, e in enumerate(json.load(open(f"{root}/data/nb/{stem}.json"))):
        m = np.array(e["structure"]["lattice"]["matrix"])
        frac = np.array([s["abc"] for s in e["structure"]["sites"]])
        atoms = Atoms("Nb%d" % len(frac), scaled_positions=frac, cell=m, pbc=True)
        group = stem
        for key, value in (e.get("notes") or {}).items():
            if key.startswith("Md") and len(value.split("-")) == 2:
                group += "/%s/%sK" % (key, value.split("-")[0])
        f = np.array(e["outputs"]["forces"])
        rows.append(dict(name=f"{stem}_{k}", geometry=atoms, energy=e["outputs"]["energy"], fx=f[:, 0], fy=f[:, 1],
                         fz=f[:, 2], group=group, n=len(frac)))
df = pd.DataFrame(rows).set_index("name")
system = composition.ChemicalSystem(element_list=["Nb"], degree=3)
config = bspline.BSplineBasis(system, r_min_map={("Nb", "Nb"): 1.5, ("Nb", "Nb", "Nb"): [1.5, 1.5, 1.5]},
                              r_max_map={("Nb", "Nb"): 5.5, ("Nb", "Nb", "Nb"): [4.0, 4.0, 8.0]},
                              resolution_map={("Nb", "Nb"): resolution_2b, ("Nb", "Nb", "Nb"): resolution_3b})
handler = process.BasisFeaturizer(config)
features = handler.evaluate(df[["geometry", "energy", "fx", "fy", "fz"]], progress=None)
test = df.index[df.group == "Nb_AIMD/Md/1000K"]
train = df.index[df.group != "Nb_AIMD/Md/1000K"]
names = features.index.get_level_values(0)
x_e, y_e, x_f, y_f = least_squares.dataframe_to_tuples(features[names.isin(train)], n_elements=1)
model = least_squares.WeightedLinearModel(config, ridge_1b=1e-8, ridge_2b=1e-6, ridge_3b=1e-5, curvature_2b=1e-5,
                                          curvature_3b=1e-8)
model.fit(x_e, y_e, x_f, y_f, weight=weight)
print("coefficients:", int(np.sum(config.get_feature_partition_sizes())), "weight", weight)
print("%-22s %8s %8s %8s" % ("group", "E meV/at", "E bias", "F eV/A"))
for group in sorted(df.group.unique()):
    keys = df.index[df.group == group]
    sub = features[names.isin(keys)]
    xe, ye, xf, yf = least_squares.dataframe_to_tuples(sub, n_elements=1)
    pe, pf = model.predict(xe), model.predict(xf)
    err = (pe - ye) * 1000
    frms = np.sqrt(np.mean((pf - yf) ** 2)) if "Elastic" not in group else float("nan")
    print("%-22s %8.2f %+8.2f %8.4f%s" % (group, np.sqrt(np.mean(err ** 2)), np.mean(err), frms,
                                        "   (held out)" if group == "Nb_AIMD/Md/1000K" else ""))
