# ---
# jupyter:
#   jupytext:
#     formats: py:percent,ipynb
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How many nines does this design give?
#
# `nines.yaml` (next to this notebook) runs one Deployment behind a Service on three nodes that
# crash at random: `spec.faults: [{kind: nodeCrash, pool: worker, mttf: …, mttr: …}]`, with
# exponential times to failure (mean 4h) and to repair (mean 30m), drawn per node.
# Each replica has its own node (required pod anti-affinity) and is never moved off it (it
# tolerates an unreachable node forever), so replicas fail independently.
#
# A node is up a fraction a = MTTF / (MTTF + MTTR) of the time. With n independent replicas
# the Service is down only when all n are, so the textbook answer is
#
# $$A(n) = 1 - (1 - a)^n.$$
#
# We sweep `replicas` over 1, 2, 3 with `timonel sweep`, several seeds per point, and compare.

# %%
import math

import matplotlib.pyplot as plt
import pandas as pd

from _timonel import RESULTS, ROOT, timonel

plt.rcParams.update({"figure.figsize": (6, 3.2), "figure.dpi": 72})
MTTF_H, MTTR_H = 4.0, 0.5
RUNS = 8
out = RESULTS / "nines"
timonel(
    "sweep", ROOT / "notebooks" / "nines.yaml", "--param", "replicas=1,2,3",
    "--runs", RUNS, "--out", out, "-o", "none",
);

# %% [markdown]
# `sweep.csv` has one row per point and metric: the mean over the runs, its standard deviation,
# extremes and 95 % confidence interval.

# %%
sweep = pd.read_csv(out / "sweep.csv")
measured = sweep[sweep.metric == "services.default/web.availability"].set_index("replicas")
a = MTTF_H / (MTTF_H + MTTR_H)
table = measured[["mean", "ci95_low", "ci95_high", "n"]].rename(columns={"mean": "measured"})
table["closed_form"] = [1 - (1 - a) ** n for n in table.index]
nines = lambda x: -math.log10(1 - x) if x < 1 else float("inf")
table["measured_nines"] = table.measured.map(nines)
table["closed_form_nines"] = table.closed_form.map(nines)
table.round(6)

# %%
fig, ax = plt.subplots()
ax.errorbar(
    table.index, table.measured_nines,
    yerr=[
        table.measured_nines - table.ci95_low.map(nines),
        table.ci95_high.clip(upper=1 - 1e-9).map(nines) - table.measured_nines,
    ],
    fmt="o", capsize=4, label=f"timonel (mean, 95% CI over {RUNS} runs of 30 days)",
)
ax.plot(table.index, table.closed_form_nines, "s--", label="1 - (1 - a)^n")
ax.set_xticks(table.index)
ax.set_xlabel("replicas (one per node)")
ax.set_ylabel("nines of availability")
ax.legend();

# %% [markdown]
# ## Where the simulation and the closed form differ
#
# The closed form counts a replica as up whenever its node is, with the long-run fraction a.
# In a 30-day run the nodes' own up-time differs from a by chance (a few hundred failures), and
# a replica is down a little longer than its node: after the repair its container starts again
# and must become ready. The faults of every run are listed in its `summary.json`
# (`start_ms`, `detected_ms`, `repaired_ms`, `recovered_ms`); the nodes' measured up-time gives
# the a of that run:

# %%
import json

run = json.loads((out / "point-0" / "run-0" / "summary.json").read_text())
faults = pd.DataFrame(run["faults"])
faults[["start_ms", "detected_ms", "repaired_ms", "recovered_ms"]].head()

# %%
down_h = ((faults.repaired_ms.fillna(run["duration_ms"]) - faults.start_ms) / 3.6e6).sum() / 3
print(f"node availability: closed form {a:.4f}, measured in run 0 {1 - down_h / (run['duration_ms'] / 3.6e6):.4f}")
