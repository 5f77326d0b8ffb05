//! Statistics over several runs (`run --runs N`): for every numeric value of `summary.json`,
//! the mean, sample standard deviation, minimum, maximum and a 95 % confidence interval of the
//! mean (Student's t); the flat metric names and ratios that `compare` and `sweep` report, and
//! the data of `compare.json` (what comparison charts draw).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Two-sided 97.5 % quantiles of Student's t for 1..=30 degrees of freedom.
const T_975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// Statistics of one metric over runs, every figure rounded to six decimals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (0 for one run).
    pub stddev: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Lower end of the 95 % confidence interval of the mean.
    pub ci95_low: f64,
    /// Upper end of the 95 % confidence interval of the mean.
    pub ci95_high: f64,
    /// Number of runs that had a value.
    pub n: usize,
}

/// Rounds to six decimals, as every statistic is written.
pub fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// [`Stats`] of `values` (at least one).
pub fn stats(values: &[f64]) -> Stats {
    let d = describe(values);
    let get = |k: &str| d[k].as_f64().unwrap_or(f64::NAN);
    Stats {
        mean: get("mean"),
        stddev: get("stddev"),
        min: get("min"),
        max: get("max"),
        ci95_low: get("ci95_low"),
        ci95_high: get("ci95_high"),
        n: values.len(),
    }
}

/// `a / b` with the standard deviation propagated from both (hyperfine's "relative"):
/// `r · √((σa/a)² + (σb/b)²)`. `None` when `b`'s mean is 0 (1 ± 0 when both are 0).
pub fn ratio(a: &Stats, b: &Stats) -> Option<(f64, f64)> {
    if b.mean == 0.0 {
        return (a.mean == 0.0).then_some((1.0, 0.0));
    }
    let r = a.mean / b.mean;
    let rel = |s: &Stats| {
        if s.mean == 0.0 {
            0.0
        } else {
            s.stddev / s.mean
        }
    };
    let sd = (r * libm::sqrt(rel(a) * rel(a) + rel(b) * rel(b))).abs();
    Some((round6(r), round6(sd)))
}

/// Every number of one run's `summary.json` (booleans as 0/1) by flat name: object keys joined
/// with `.`, list items as `[i]`, a key holding `.` or brackets written `[key]`
/// (`services.default/web.availability`, `expectations[0].observed`). `seed` is left out. Two
/// derived values are added: `expectations_failed` (how many expectations failed) and, per
/// workload with a finished rollout, `workloads.<key>.rollout_duration_ms` (the last rollout
/// past the first revision, as the `rolloutDuration` expectation measures it).
pub fn numeric_fields(summary: &Value) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    if let Value::Object(map) = summary {
        for (key, value) in map {
            if key != "seed" {
                flatten(value, &flat_key("", key), &mut out);
            }
        }
    }
    if let Some(list) = summary["expectations"].as_array() {
        let failed = list.iter().filter(|e| e["passed"] == json!(false)).count();
        out.insert("expectations_failed".into(), failed as f64);
    }
    if let Some(workloads) = summary["workloads"].as_object() {
        for (key, w) in workloads {
            let rollouts = w["rollouts"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            let chosen = rollouts
                .iter()
                .rev()
                .find(|r| r["revision"].as_i64().is_some_and(|v| v > 1))
                .or(rollouts.last());
            if let Some(r) = chosen
                && let (Some(start), Some(end)) = (r["start_ms"].as_f64(), r["end_ms"].as_f64())
            {
                out.insert(
                    format!("{}.rollout_duration_ms", flat_key("workloads", key)),
                    end - start,
                );
            }
        }
    }
    out
}

fn flat_key(prefix: &str, key: &str) -> String {
    if key.contains(['.', '[', ']']) {
        format!("{prefix}[{key}]")
    } else if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn flatten(value: &Value, name: &str, out: &mut BTreeMap<String, f64>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                flatten(child, &flat_key(name, key), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                flatten(child, &format!("{name}[{i}]"), out);
            }
        }
        other => {
            if let Some(v) = as_number(other) {
                out.insert(name.to_string(), v);
            }
        }
    }
}

/// Per metric name, the values of the runs in run order (a run without the metric adds none).
pub fn samples_by_metric(summaries: &[&Value]) -> BTreeMap<String, Vec<f64>> {
    let mut out: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for summary in summaries {
        for (name, v) in numeric_fields(summary) {
            out.entry(name).or_default().push(v);
        }
    }
    out
}

/// One variant's figures for one metric in `compare.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantStats {
    /// Variant name.
    pub variant: String,
    /// Statistics over its runs.
    #[serde(flatten)]
    pub stats: Stats,
    /// The value of every run, in run order (seed base+k), for dot or strip plots.
    pub samples: Vec<f64>,
    /// Mean relative to the baseline's (1 for the baseline; `None` when undefined).
    pub relative: Option<f64>,
    /// Standard deviation of `relative`.
    pub relative_stddev: Option<f64>,
}

/// One metric across the variants (a bar chart with 95 % CI whiskers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    /// Flat metric name ([`numeric_fields`]).
    pub name: String,
    /// A key metric (shown in the terminal table and `compare.md`).
    pub key: bool,
    /// One entry per variant that has the metric, in variant order.
    pub variants: Vec<VariantStats>,
}

/// One compared variant and where its runs are (overlay charts read each run's
/// `timeseries.csv` there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantInfo {
    /// Variant name (its folder under the output folder).
    pub name: String,
    /// The scenario's `metadata.name`.
    pub scenario: String,
    /// The scenario's SHA-256 (over the patched inputs for a `--variant`).
    pub scenario_sha256: String,
    /// The patch file of a `--variant`, `None` for a scenario file.
    pub patch: Option<String>,
    /// Run folders relative to the output folder (`<variant>/run-<k>`), in seed order.
    pub runs: Vec<String>,
    /// Expectation failures over all its runs.
    pub expectations_failed: usize,
}

/// `compare.json`: every numeric metric of every variant, relative to the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Version of this layout.
    pub schema_version: u32,
    /// Name of the baseline variant.
    pub baseline: String,
    /// The seeds every variant ran with (base+k).
    pub seeds: Vec<u64>,
    /// The variants, in command-line order.
    pub variants: Vec<VariantInfo>,
    /// Every metric, key ones first, then by name.
    pub metrics: Vec<MetricComparison>,
}

/// Whether a flat metric name is a key metric, and its rank among them (the table's order).
pub fn key_rank(name: &str) -> Option<usize> {
    let ends = |suffix: &str| name.ends_with(suffix);
    if name == "expectations_failed" {
        return Some(0);
    }
    if name.starts_with("services.") || name.starts_with("services[") {
        for (i, s) in [
            ".availability",
            ".served_fraction",
            ".bad_request_fraction",
            ".downtime_ms",
        ]
        .iter()
        .enumerate()
        {
            if ends(s) {
                return Some(1 + i);
            }
        }
    }
    if name.starts_with("workloads.") || name.starts_with("workloads[") {
        for (i, s) in [".rollout_duration_ms", ".max_surge_pods", ".min_available"]
            .iter()
            .enumerate()
        {
            if ends(s) {
                return Some(10 + i);
            }
        }
    }
    match name {
        "cluster.pods_pending_max" => Some(20),
        "cluster.cpu_requested_peak_millis" => Some(21),
        _ => None,
    }
}

/// Mean, standard deviation, extremes and the 95 % confidence interval of `values`.
pub fn describe(values: &[f64]) -> Value {
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n.max(1) as f64;
    let variance = if n > 1 {
        values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64
    } else {
        0.0
    };
    let stddev = libm::sqrt(variance);
    let t = if n > 1 {
        T_975.get(n - 2).copied().unwrap_or(1.96)
    } else {
        0.0
    };
    let half = t * stddev / libm::sqrt(n.max(1) as f64);
    let round = |v: f64| (v * 1e6).round() / 1e6;
    json!({
        "mean": round(mean),
        "stddev": round(stddev),
        "min": round(values.iter().copied().fold(f64::INFINITY, f64::min)),
        "max": round(values.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        "ci95_low": round(mean - half),
        "ci95_high": round(mean + half),
        "n": n,
    })
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// Aggregates the same-shaped summaries of several runs. Numbers and booleans become
/// [`describe`] objects (booleans as 0/1, so `mean` is a rate); identical strings stay; differing
/// strings become counts per value; objects and arrays are aggregated element by element.
pub fn aggregate(values: &[&Value]) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    if values.iter().all(|v| v.is_object()) {
        let mut keys: Vec<&String> = values
            .iter()
            .flat_map(|v| v.as_object().into_iter().flat_map(|o| o.keys()))
            .collect();
        keys.sort();
        keys.dedup();
        let mut out = Map::new();
        for key in keys {
            let children: Vec<&Value> = values.iter().filter_map(|v| v.get(key.as_str())).collect();
            out.insert(key.clone(), aggregate(&children));
        }
        return Value::Object(out);
    }
    if values.iter().all(|v| v.is_array()) {
        let longest = values
            .iter()
            .filter_map(|v| v.as_array().map(Vec::len))
            .max()
            .unwrap_or(0);
        return Value::Array(
            (0..longest)
                .map(|i| aggregate(&values.iter().filter_map(|v| v.get(i)).collect::<Vec<_>>()))
                .collect(),
        );
    }
    let numbers: Vec<f64> = values.iter().filter_map(|v| as_number(v)).collect();
    if numbers.len() == values.len() {
        return describe(&numbers);
    }
    if values.iter().all(|v| *v == values[0]) {
        return values[0].clone();
    }
    let mut counts = Map::new();
    for v in values {
        let key = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let entry = counts.entry(key).or_insert(json!(0));
        *entry = json!(entry.as_u64().unwrap_or(0) + 1);
    }
    json!({ "values": counts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_known_values() {
        let d = describe(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(d["mean"], 5.0);
        assert_eq!(d["stddev"], 2.13809);
        assert_eq!(d["min"], 2.0);
        assert_eq!(d["max"], 9.0);
        // 5 ± 2.365 × 2.13809 / √8
        assert_eq!(d["ci95_low"], 3.212228);
        let single = describe(&[3.0]);
        assert_eq!(
            (single["stddev"].clone(), single["ci95_low"].clone()),
            (json!(0.0), json!(3.0))
        );
    }

    #[test]
    fn flat_names_and_ratios() {
        let summary = json!({"seed": 3, "services": {"default/web": {"availability": 0.5}},
            "workloads": {"deployment/default/web.v2": {"rollouts": [{"revision": 1, "start_ms": 0, "end_ms": 5},
                {"revision": 2, "start_ms": 100, "end_ms": 160}]}},
            "expectations": [{"passed": true, "observed": 2}, {"passed": false, "observed": null}]});
        let fields = numeric_fields(&summary);
        assert_eq!(fields["services.default/web.availability"], 0.5);
        assert_eq!(
            fields["workloads[deployment/default/web.v2].rollout_duration_ms"],
            60.0
        );
        assert_eq!(
            fields["workloads[deployment/default/web.v2].rollouts[1].end_ms"],
            160.0
        );
        assert_eq!(fields["expectations[1].passed"], 0.0);
        assert_eq!(fields["expectations_failed"], 1.0);
        assert!(!fields.contains_key("seed"));
        let (a, b) = (stats(&[2.0, 2.0]), stats(&[1.0, 1.0]));
        assert_eq!(ratio(&a, &b), Some((2.0, 0.0)));
        let (a, b) = (stats(&[9.0, 11.0]), stats(&[4.0, 6.0]));
        // 2 · √((1.414214/10)² + (1.414214/5)²) = 0.632456
        assert_eq!(ratio(&a, &b), Some((2.0, 0.632456)));
        assert_eq!(ratio(&a, &stats(&[0.0])), None);
        assert_eq!(ratio(&stats(&[0.0]), &stats(&[0.0])), Some((1.0, 0.0)));
        assert_eq!(key_rank("services.default/web.downtime_ms"), Some(4));
        assert_eq!(key_rank("services.default/web.ready_endpoints_final"), None);
    }

    #[test]
    fn aggregate_shapes() {
        let a = json!({"x": 1, "ok": true, "name": "s", "list": [{"v": 1}], "mode": "a"});
        let b = json!({"x": 3, "ok": false, "name": "s", "list": [{"v": 5}], "mode": "b"});
        let out = aggregate(&[&a, &b]);
        assert_eq!(out["x"]["mean"], 2.0);
        assert_eq!(out["ok"]["mean"], 0.5);
        assert_eq!(out["name"], "s");
        assert_eq!(out["list"][0]["v"]["max"], 5.0);
        assert_eq!(out["mode"]["values"]["a"], 1);
    }
}
