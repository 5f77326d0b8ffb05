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
# # Rollout strategies compared
#
# Two shipped scenarios put strategies side by side in one cluster:
#
# - `scenarios/rolling-vs-recreate.yaml`: the same four-replica app updated with
#   `RollingUpdate` (maxSurge 1, maxUnavailable 0) and with `Recreate`;
# - `scenarios/canary-vs-bluegreen.yaml`: the same bad release (20 % of its requests fail)
#   shipped by an Argo canary with analysis and by an Argo blue/green rollout.
#
# Then `timonel compare` runs one scenario against variants of its Deployment strategy, several
# seeds each, and we read `compare.csv`.

# %%
import json

import matplotlib.pyplot as plt
import pandas as pd

from _timonel import RESULTS, rel, timonel

plt.rcParams.update({"figure.figsize": (7, 3.2), "figure.dpi": 72})
RUNS = 3

# %%
for name in ["rolling-vs-recreate", "canary-vs-bluegreen"]:
    timonel("run", f"scenarios/{name}.yaml", "--runs", RUNS, "--out", RESULTS / name, "-o", "none");

# %% [markdown]
# ## Availability, bad requests and rollout duration per strategy
#
# Each run's `summary.json` has, per Service, its availability and the fractions of requests
# served and served badly, and per workload its rollouts (start and end, in ms of simulated time).

# %%
rows = []
for name in ["rolling-vs-recreate", "canary-vs-bluegreen"]:
    for k in range(RUNS):
        summary = json.loads((RESULTS / name / f"run-{k}" / "summary.json").read_text())
        for service, s in summary["services"].items():
            rows.append(
                {
                    "scenario": name,
                    "run": k,
                    "service": service.split("/")[-1],
                    "availability": s["availability"],
                    "downtime_s": s["downtime_ms"] / 1000,
                    "bad_request_fraction": s.get("bad_request_fraction", 0.0),
                }
            )
services = pd.DataFrame(rows)
services.groupby(["scenario", "service"])[["availability", "downtime_s", "bad_request_fraction"]].mean()

# %%
rows = []
for name in ["rolling-vs-recreate", "canary-vs-bluegreen"]:
    for k in range(RUNS):
        summary = json.loads((RESULTS / name / f"run-{k}" / "summary.json").read_text())
        for workload, w in summary["workloads"].items():
            for r in w.get("rollouts", []):
                if r["revision"] > 1 and r.get("end_ms") is not None:
                    rows.append(
                        {
                            "workload": workload.split("/")[-1],
                            "run": k,
                            "outcome": r["outcome"],
                            "duration_s": (r["end_ms"] - r["start_ms"]) / 1000,
                        }
                    )
rollouts = pd.DataFrame(rows)
rollouts.groupby(["workload", "outcome"])["duration_s"].mean()

# %%
fig, axes = plt.subplots(1, 3, figsize=(10, 3))
means = services.groupby("service")[["availability", "downtime_s", "bad_request_fraction"]].mean()
for ax, column in zip(axes, means.columns):
    means[column].plot.bar(ax=ax, color="#0072B2")
    ax.set_title(column)
    ax.set_xlabel("")
fig.tight_layout()

# %% [markdown]
# ## Ready endpoints over time (run 0)
#
# `timeseries.csv` holds one row each time a series changes (a step function): pivot, then
# forward-fill.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
for ax, name in zip(axes, ["rolling-vs-recreate", "canary-vs-bluegreen"]):
    ts = pd.read_csv(RESULTS / name / "run-0" / "timeseries.csv")
    ready = ts[ts.metric == "ready_endpoints"].pivot_table(
        index="t_ms", columns="object", values="value"
    ).ffill()
    ready.index = ready.index / 60_000
    ready.plot(ax=ax, drawstyle="steps-post")
    ax.set_title(name)
    ax.set_xlabel("simulated time (min)")
    ax.set_ylabel("ready endpoints")
fig.tight_layout()

# %% [markdown]
# ## `timonel compare`: one Deployment, three strategies
#
# The variants are merge patches of `scenarios/nginx-rolling-update.yaml`: a faster rolling update
# (three pods at a time) and `Recreate`. `compare.csv` has one row per metric and variant; its
# `relative` column is the mean relative to the baseline (the unpatched scenario).

# %%
patches = RESULTS / "patches"
patches.mkdir(parents=True, exist_ok=True)
(patches / "surge3.yaml").write_text(
    "manifests:\n  deployment/nginx-deployment:\n    spec:\n      strategy:\n"
    "        rollingUpdate: {maxSurge: 3, maxUnavailable: 0}\n"
)
(patches / "recreate.yaml").write_text(
    "manifests:\n  deployment/nginx-deployment:\n    spec:\n"
    "      strategy: {type: Recreate, rollingUpdate: null}\n"
)
out = RESULTS / "compare-strategies"
timonel(
    "compare", "scenarios/nginx-rolling-update.yaml",
    "--variant", f"surge3={rel(patches / 'surge3.yaml')}",
    "--variant", f"recreate={rel(patches / 'recreate.yaml')}",
    "--runs", RUNS, "--out", out, "-o", "none",
);
compare = pd.read_csv(out / "compare.csv")
key = compare[
    compare.metric.str.endswith(".rollout_duration_ms")
    | compare.metric.str.endswith(".min_available")
    | (compare.metric == "expectations_failed")
]
key.pivot_table(index="variant", columns="metric", values="mean", sort=False)

# %%
duration = compare[compare.metric.str.endswith(".rollout_duration_ms")].set_index("variant")
ax = (duration["mean"] / 1000).plot.bar(
    yerr=[(duration["mean"] - duration["ci95_low"]) / 1000, (duration["ci95_high"] - duration["mean"]) / 1000],
    color="#E69F00", figsize=(5, 3), rot=0,
)
ax.set_ylabel("rollout duration (s)")
ax.set_title(f"Rollout duration, mean and 95% CI over {RUNS} runs");

# %% [markdown]
# `timonel compare` also drew these charts itself: `compare-*.svg`/`.png` and
# `report.html` in the output folder.

# %%
sorted(p.name for p in out.glob("compare-*.svg"))
