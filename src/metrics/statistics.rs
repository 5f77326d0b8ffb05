//! Statistics over several runs (`run --runs N`): for every numeric value of `summary.json`,
//! the mean, sample standard deviation, minimum, maximum and a 95 % confidence interval of the
//! mean (Student's t).

use serde_json::{Map, Value, json};

/// Two-sided 97.5 % quantiles of Student's t for 1..=30 degrees of freedom.
const T_975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

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
