//! Demand of a Service over time (`spec.traffic[].rps`, `setTraffic`): a constant, a pattern
//! (`diurnal`, `step`, `ramp`) or a CSV trace, always turned into a piecewise-constant series of
//! change points so that every change is one simulation event.
//!
//! | form | meaning |
//! |---|---|
//! | `200` | constant 200 requests/s |
//! | `{pattern: diurnal, min, max, period, resolution}` | `min + (max-min)·(1-cos(2πt/period))/2`: minimum at t=0, maximum at period/2; held constant for `resolution` (default 1m) |
//! | `{pattern: step, steps: [{at, rps}, …]}` | 0 until the first step, then each step's value from its `at` |
//! | `{pattern: ramp, from, to, start, end, resolution}` | `from` until `start`, linear to `to` at `end`, then `to`; held for `resolution` (default 1m) |
//! | `{trace: FILE, timeColumn, valueColumn, scale}` | CSV of time → requests/s, held until the next row; time in seconds (a number) or a duration (`90s`), or a timestamp `YYYY-MM-DD HH:MM:SS[.frac]` (relative to the first row) |
//! | `{trace: FILE, timeColumn, aggregate: count, bucket, scale}` | CSV of request arrivals (one row each, like the Azure LLM inference traces): rows counted per `bucket` (default 1m), divided by its length in seconds |
//! | `{trace: FILE, timeColumn, valueColumn, aggregate: sum, bucket, scale}` | CSV of per-source rates (like the Alibaba GenAI `qps.csv`: each container's requests/s, reported about once a minute): the values of each `bucket` (default 1m) summed, i.e. the total when every source reports once per bucket |
//!
//! `startAtFirstRow: true` makes numeric times (e.g. Unix seconds) relative to the first row, as
//! timestamps always are. `FILE` may be a CSV, gzip-compressed (`.gz`) or the first CSV of a
//! gzip-compressed tar archive (`.tar.gz`, `.tgz`). `scale` (default 1) multiplies every value. Evaluation is in simulated time from the start
//! of the run (for `setTraffic`, from the action's time).

use std::path::Path;
use std::sync::Arc;

use super::duration::parse_duration;
use crate::sim::time::NANOS_PER_SEC;

/// Most change points of one demand (after discretisation).
pub const MAX_CHANGE_POINTS: usize = 100_000;
/// Most rows read from one demand trace.
pub const MAX_TRACE_ROWS: usize = 1_000_000;
/// Default hold time of the continuous patterns.
pub const DEFAULT_RESOLUTION_NS: u64 = 60 * NANOS_PER_SEC;

/// A piecewise-constant demand in requests/s.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    /// `(from ns, rps)`, strictly increasing times, the first at 0, neighbours differ.
    points: Arc<Vec<(u64, f64)>>,
}

impl Demand {
    /// A constant demand.
    pub fn constant(rps: f64) -> Demand {
        Demand::from_points(vec![(0, rps)])
    }

    /// A demand from change points (sorted by time; 0 before the first one; later duplicates
    /// of a time win; repeated values merged).
    pub fn from_points(points: Vec<(u64, f64)>) -> Demand {
        let mut out: Vec<(u64, f64)> = Vec::with_capacity(points.len() + 1);
        if points.first().is_none_or(|p| p.0 > 0) {
            out.push((0, 0.0));
        }
        for (t, v) in points {
            if let Some(last) = out.last_mut()
                && last.0 == t
            {
                last.1 = v;
            } else {
                out.push((t, v));
            }
        }
        out.dedup_by(|b, a| a.1 == b.1);
        Demand {
            points: Arc::new(out),
        }
    }

    /// The same demand started at `start` (its t=0 moved there).
    pub fn shifted(&self, start: u64) -> Demand {
        Demand::from_points(
            self.points
                .iter()
                .map(|&(t, v)| (t.saturating_add(start), v))
                .collect(),
        )
    }

    /// Requests/s at `t_ns`.
    pub fn at(&self, t_ns: u64) -> f64 {
        let i = self.points.partition_point(|p| p.0 <= t_ns);
        self.points[i.saturating_sub(1)].1
    }

    /// The first change strictly after `t_ns`.
    pub fn next_change_after(&self, t_ns: u64) -> Option<u64> {
        let i = self.points.partition_point(|p| p.0 <= t_ns);
        self.points.get(i).map(|p| p.0)
    }

    /// Number of change points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Never true (there is always the value at t=0); for symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// Why a demand could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum DemandError {
    /// A scenario field is wrong: its path and the apiserver-style detail.
    Field(String, String),
    /// A trace file is wrong: file, line, column, message.
    File(String, usize, usize, String),
}

fn field(path: &str, sub: &str, detail: String) -> DemandError {
    DemandError::Field(format!("{path}.{sub}"), detail)
}

fn number(
    obj: &serde_json::Map<String, serde_json::Value>,
    path: &str,
    key: &str,
) -> Result<Option<f64>, DemandError> {
    match obj.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => match n.as_f64() {
            Some(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
            _ => Err(field(
                path,
                key,
                format!("Invalid value: {n}: must be a non-negative number"),
            )),
        },
        Some(other) => Err(field(
            path,
            key,
            format!("Invalid value: {other}: must be a non-negative number"),
        )),
    }
}

fn required(
    obj: &serde_json::Map<String, serde_json::Value>,
    path: &str,
    key: &str,
) -> Result<f64, DemandError> {
    number(obj, path, key)?.ok_or_else(|| field(path, key, "Required value".into()))
}

fn duration(
    obj: &serde_json::Map<String, serde_json::Value>,
    path: &str,
    key: &str,
) -> Result<Option<u64>, DemandError> {
    match obj.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => match parse_duration(s) {
            Ok(ns) if ns >= 0 => Ok(Some(ns as u64)),
            Ok(_) => Err(field(
                path,
                key,
                format!("Invalid value: \"{s}\": must not be negative"),
            )),
            Err(e) => Err(field(path, key, format!("Invalid value: \"{s}\": {e}"))),
        },
        Some(other) => Err(field(
            path,
            key,
            format!("Invalid value: {other}: must be a duration such as \"5m\""),
        )),
    }
}

fn string<'a>(
    obj: &'a serde_json::Map<String, serde_json::Value>,
    path: &str,
    key: &str,
) -> Result<Option<&'a str>, DemandError> {
    match obj.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(field(
            path,
            key,
            format!("Invalid value: {other}: must be a string"),
        )),
    }
}

/// Samples `f` every `resolution` over `[0, horizon)`.
fn sampled(
    path: &str,
    horizon: u64,
    resolution: u64,
    f: impl Fn(u64) -> f64,
) -> Result<Demand, DemandError> {
    if resolution == 0 {
        return Err(field(
            path,
            "resolution",
            "Invalid value: \"0s\": must be greater than 0".into(),
        ));
    }
    let count = horizon.div_ceil(resolution).max(1);
    if count > MAX_CHANGE_POINTS as u64 {
        return Err(field(
            path,
            "resolution",
            format!(
                "Invalid value: {count} change points over the run: at most {MAX_CHANGE_POINTS} (use a longer resolution)"
            ),
        ));
    }
    Ok(Demand::from_points(
        (0..count)
            .map(|k| (k * resolution, f(k * resolution)))
            .collect(),
    ))
}

/// Reads the demand written at `path` (`spec.traffic[i].rps` …). `horizon` is the run length
/// (patterns are discretised up to it); `read` returns a trace file's text (relative to
/// `base_dir`) or an error message.
pub fn parse(
    value: Option<&serde_json::Value>,
    path: &str,
    base_dir: &Path,
    horizon: u64,
    read: &dyn Fn(&Path) -> Result<String, String>,
) -> Result<Demand, DemandError> {
    let obj = match value {
        None | Some(serde_json::Value::Null) => return Ok(Demand::constant(0.0)),
        Some(serde_json::Value::Number(n)) => {
            return match n.as_f64() {
                Some(v) if v.is_finite() && v >= 0.0 => Ok(Demand::constant(v)),
                _ => Err(DemandError::Field(
                    path.into(),
                    format!("Invalid value: {n}: must be a non-negative number"),
                )),
            };
        }
        Some(serde_json::Value::Object(obj)) => obj,
        Some(other) => {
            return Err(DemandError::Field(
                path.into(),
                format!(
                    "Invalid value: {other}: must be a number, {{pattern: ...}} or {{trace: ...}}"
                ),
            ));
        }
    };
    let resolution = duration(obj, path, "resolution")?.unwrap_or(DEFAULT_RESOLUTION_NS);
    match (string(obj, path, "pattern")?, string(obj, path, "trace")?) {
        (Some(_), Some(_)) => Err(field(
            path,
            "trace",
            "Forbidden: may not be set together with pattern".into(),
        )),
        (None, None) => Err(field(
            path,
            "pattern",
            "Required value: pattern or trace".into(),
        )),
        (Some("diurnal"), None) => {
            let (min, max) = (required(obj, path, "min")?, required(obj, path, "max")?);
            if max < min {
                return Err(field(
                    path,
                    "max",
                    format!("Invalid value: {max}: must be greater than or equal to min"),
                ));
            }
            let period = duration(obj, path, "period")?.unwrap_or(24 * 3600 * NANOS_PER_SEC);
            if period == 0 {
                return Err(field(
                    path,
                    "period",
                    "Invalid value: \"0s\": must be greater than 0".into(),
                ));
            }
            sampled(path, horizon, resolution, |t| {
                let phase = (t % period) as f64 / period as f64;
                min + (max - min) * (1.0 - (2.0 * std::f64::consts::PI * phase).cos()) / 2.0
            })
        }
        (Some("ramp"), None) => {
            let from = number(obj, path, "from")?.unwrap_or(0.0);
            let to = required(obj, path, "to")?;
            let start = duration(obj, path, "start")?.unwrap_or(0);
            let end = duration(obj, path, "end")?
                .ok_or_else(|| field(path, "end", "Required value".into()))?;
            if end <= start {
                return Err(field(
                    path,
                    "end",
                    "Invalid value: must be later than start".into(),
                ));
            }
            sampled(path, horizon.min(end.saturating_add(1)), resolution, |t| {
                if t <= start {
                    from
                } else if t >= end {
                    to
                } else {
                    from + (to - from) * (t - start) as f64 / (end - start) as f64
                }
            })
            .map(|d| {
                let mut points = d.points.as_ref().clone();
                if end < horizon {
                    points.push((end, to));
                }
                Demand::from_points(points)
            })
        }
        (Some("step"), None) => {
            let steps = match obj.get("steps") {
                Some(serde_json::Value::Array(items)) if !items.is_empty() => items,
                Some(serde_json::Value::Array(_)) | None => {
                    return Err(field(path, "steps", "Required value".into()));
                }
                Some(other) => {
                    return Err(field(
                        path,
                        "steps",
                        format!("Invalid value: {other}: must be a list of {{at, rps}}"),
                    ));
                }
            };
            if steps.len() > MAX_CHANGE_POINTS {
                return Err(field(
                    path,
                    "steps",
                    format!(
                        "Too many: {}: must have at most {MAX_CHANGE_POINTS} items",
                        steps.len()
                    ),
                ));
            }
            let mut points = Vec::with_capacity(steps.len());
            for (i, step) in steps.iter().enumerate() {
                let sub = format!("{path}.steps[{i}]");
                let Some(step) = step.as_object() else {
                    return Err(DemandError::Field(
                        sub,
                        "Invalid value: must be an object {at, rps}".into(),
                    ));
                };
                let at = duration(step, &sub, "at")?
                    .ok_or_else(|| field(&sub, "at", "Required value".into()))?;
                if points.last().is_some_and(|&(t, _)| t > at) {
                    return Err(field(
                        &sub,
                        "at",
                        "Invalid value: steps must be in time order".into(),
                    ));
                }
                points.push((at, required(step, &sub, "rps")?));
            }
            Ok(Demand::from_points(points))
        }
        (Some(other), None) => Err(field(
            path,
            "pattern",
            format!(
                "Unsupported value: \"{other}\": supported values: \"diurnal\", \"ramp\", \"step\""
            ),
        )),
        (None, Some(file)) => {
            let full = base_dir.join(file);
            let text = read(&full)
                .map_err(|e| field(path, "trace", format!("Invalid value: \"{file}\": {e}")))?;
            let time_column = string(obj, path, "timeColumn")?
                .ok_or_else(|| field(path, "timeColumn", "Required value".into()))?;
            let scale = number(obj, path, "scale")?.unwrap_or(1.0);
            let aggregate = string(obj, path, "aggregate")?;
            let value_column = string(obj, path, "valueColumn")?;
            let bucket = duration(obj, path, "bucket")?.unwrap_or(60 * NANOS_PER_SEC);
            let from_first_row = match obj.get("startAtFirstRow") {
                None | Some(serde_json::Value::Null) => false,
                Some(serde_json::Value::Bool(b)) => *b,
                Some(other) => {
                    return Err(field(
                        path,
                        "startAtFirstRow",
                        format!("Invalid value: {other}: must be true or false"),
                    ));
                }
            };
            let shown = full.to_string_lossy().to_string();
            let read_rows = |value_column: Option<&str>| {
                read_rows(&text, &shown, time_column, value_column, from_first_row)
            };
            match (aggregate, value_column) {
                (Some("count"), None) => {
                    if bucket == 0 {
                        return Err(field(
                            path,
                            "bucket",
                            "Invalid value: \"0s\": must be greater than 0".into(),
                        ));
                    }
                    let rows = read_rows(None)?;
                    bucketed(&rows, bucket, scale, Aggregate::Count)
                        .map_err(|m| field(path, "bucket", m))
                }
                (Some("sum"), Some(value_column)) => {
                    if bucket == 0 {
                        return Err(field(
                            path,
                            "bucket",
                            "Invalid value: \"0s\": must be greater than 0".into(),
                        ));
                    }
                    let rows = read_rows(Some(value_column))?;
                    bucketed(&rows, bucket, scale, Aggregate::Sum)
                        .map_err(|m| field(path, "bucket", m))
                }
                (Some("sum"), None) => Err(field(
                    path,
                    "valueColumn",
                    "Required value: aggregate: sum adds up a value column".into(),
                )),
                (Some("count"), Some(_)) => Err(field(
                    path,
                    "valueColumn",
                    "Forbidden: may not be set with aggregate: count".into(),
                )),
                (Some(other), _) => Err(field(
                    path,
                    "aggregate",
                    format!("Unsupported value: \"{other}\": supported values: \"count\", \"sum\""),
                )),
                (None, None) => Err(field(path, "valueColumn", "Required value".into())),
                (None, Some(value_column)) => {
                    let rows = read_rows(Some(value_column))?;
                    if rows.len() > MAX_CHANGE_POINTS {
                        return Err(field(
                            path,
                            "trace",
                            format!(
                                "Invalid value: \"{file}\": {} rows: at most {MAX_CHANGE_POINTS} change points",
                                rows.len()
                            ),
                        ));
                    }
                    Ok(Demand::from_points(
                        rows.into_iter().map(|(t, v)| (t, v * scale)).collect(),
                    ))
                }
            }
        }
    }
}

/// How the rows of one bucket become its requests/s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    /// One request per row: the count divided by the bucket's length in seconds.
    Count,
    /// Each row a rate: their sum.
    Sum,
}

fn bucketed(
    rows: &[(u64, f64)],
    bucket: u64,
    scale: f64,
    aggregate: Aggregate,
) -> Result<Demand, String> {
    let Some(last) = rows.last() else {
        return Ok(Demand::constant(0.0));
    };
    let buckets = last.0 / bucket + 1;
    if buckets > MAX_CHANGE_POINTS as u64 {
        return Err(format!(
            "Invalid value: {buckets} buckets: at most {MAX_CHANGE_POINTS} (use a longer bucket)"
        ));
    }
    let mut totals = vec![0.0f64; buckets as usize];
    for &(t, value) in rows {
        totals[(t / bucket) as usize] += match aggregate {
            Aggregate::Count => 1.0,
            Aggregate::Sum => value,
        };
    }
    let per_second = match aggregate {
        Aggregate::Count => NANOS_PER_SEC as f64 / bucket as f64,
        Aggregate::Sum => 1.0,
    };
    let mut points: Vec<(u64, f64)> = totals
        .iter()
        .enumerate()
        .map(|(i, &total)| (i as u64 * bucket, total * per_second * scale))
        .collect();
    points.push((buckets * bucket, 0.0));
    Ok(Demand::from_points(points))
}

/// Reads `(time ns, value)` rows; times relative to the first row when they are timestamps.
fn read_rows(
    text: &str,
    file: &str,
    time_column: &str,
    value_column: Option<&str>,
    from_first_row: bool,
) -> Result<Vec<(u64, f64)>, DemandError> {
    let err = |line: usize, col: usize, m: String| DemandError::File(file.into(), line, col, m);
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(err(1, 1, "empty file: a header row is expected".into()));
    };
    let headers: Vec<&str> = header.split(',').map(str::trim).collect();
    let find = |name: &str| {
        headers.iter().position(|h| *h == name).ok_or_else(|| {
            err(
                1,
                1,
                format!("no column \"{name}\" (columns: {})", headers.join(", ")),
            )
        })
    };
    let time_index = find(time_column)?;
    let value_index = value_column.map(find).transpose()?;
    let mut rows = Vec::new();
    let mut origin: Option<f64> = None;
    let mut previous = 0u64;
    for (i, line) in lines {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        if rows.len() >= MAX_TRACE_ROWS {
            return Err(err(line_no, 1, format!("more than {MAX_TRACE_ROWS} rows")));
        }
        let cells: Vec<&str> = line.split(',').collect();
        let col_of = |index: usize| 1 + cells[..index].iter().map(|c| c.len() + 1).sum::<usize>();
        let cell = |index: usize| {
            cells.get(index).map(|c| c.trim()).ok_or_else(|| {
                err(
                    line_no,
                    line.len() + 1,
                    format!("missing column {} of {}", index + 1, headers.len()),
                )
            })
        };
        let time_text = cell(time_index)?;
        let seconds = match time_text.parse::<f64>() {
            Ok(s) if s.is_finite() && s >= 0.0 && from_first_row => s - *origin.get_or_insert(s),
            Ok(s) if s.is_finite() && s >= 0.0 => s,
            Ok(_) => {
                return Err(err(
                    line_no,
                    col_of(time_index),
                    format!("invalid time \"{time_text}\": must not be negative"),
                ));
            }
            Err(_) => match parse_duration(time_text) {
                Ok(ns) if ns >= 0 => ns as f64 / NANOS_PER_SEC as f64,
                _ => match timestamp_seconds(time_text) {
                    Some(abs) => abs - *origin.get_or_insert(abs),
                    None => {
                        return Err(err(
                            line_no,
                            col_of(time_index),
                            format!(
                                "invalid time \"{time_text}\": expected seconds, a duration (\"90s\") or YYYY-MM-DD HH:MM:SS"
                            ),
                        ));
                    }
                },
            },
        };
        if !(0.0..=1e9).contains(&seconds) {
            return Err(err(
                line_no,
                col_of(time_index),
                format!("invalid time \"{time_text}\": before the first row or too large"),
            ));
        }
        let t = (seconds * NANOS_PER_SEC as f64).round() as u64;
        if t < previous {
            return Err(err(
                line_no,
                col_of(time_index),
                format!("invalid time \"{time_text}\": rows must be in time order"),
            ));
        }
        previous = t;
        let value = match value_index {
            None => 1.0,
            Some(index) => {
                let text = cell(index)?;
                match text.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => v,
                    _ => {
                        return Err(err(
                            line_no,
                            col_of(index),
                            format!("invalid value \"{text}\": must be a non-negative number"),
                        ));
                    }
                }
            }
        };
        rows.push((t, value));
    }
    Ok(rows)
}

/// Seconds since 1970 of `YYYY-MM-DD HH:MM:SS[.frac]` (or with a `T`), UTC.
fn timestamp_seconds(text: &str) -> Option<f64> {
    let (date, time) = text.split_once([' ', 'T'])?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let time = time.trim_end_matches('Z');
    let mut t = time.splitn(3, ':');
    let (h, min) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    let s = t.next()?.parse::<f64>().ok()?;
    if !(0..24).contains(&h) || !(0..60).contains(&min) || !(0.0..61.0).contains(&s) {
        return None;
    }
    // Days from civil (proleptic Gregorian).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + min * 60) as f64 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60 * NANOS_PER_SEC;

    fn no_files(_: &Path) -> Result<String, String> {
        Err("no such file".into())
    }

    fn demand(yaml: serde_json::Value, horizon: u64) -> Result<Demand, DemandError> {
        parse(
            Some(&yaml),
            "spec.traffic[0].rps",
            Path::new(""),
            horizon,
            &no_files,
        )
    }

    #[test]
    fn constant_and_step() {
        let d = demand(serde_json::json!(200), MIN).unwrap();
        assert_eq!(
            (d.at(0), d.at(MIN * 99), d.next_change_after(0)),
            (200.0, 200.0, None)
        );
        let d = demand(
            serde_json::json!({"pattern": "step", "steps": [{"at": "1m", "rps": 10}, {"at": "5m", "rps": 100}]}),
            60 * MIN,
        )
        .unwrap();
        assert_eq!(d.at(0), 0.0);
        assert_eq!(d.at(MIN), 10.0);
        assert_eq!(d.at(5 * MIN - 1), 10.0);
        assert_eq!(d.at(5 * MIN), 100.0);
        assert_eq!(d.next_change_after(MIN), Some(5 * MIN));
        assert_eq!(d.shifted(MIN).at(6 * MIN), 100.0);
    }

    #[test]
    fn diurnal_has_its_minimum_at_zero_and_maximum_at_half_period() {
        let d = demand(
            serde_json::json!({"pattern": "diurnal", "min": 50, "max": 400, "period": "24h"}),
            24 * 60 * MIN,
        )
        .unwrap();
        assert_eq!(d.at(0), 50.0);
        assert!((d.at(12 * 60 * MIN) - 400.0).abs() < 1e-9);
        assert!((d.at(6 * 60 * MIN) - 225.0).abs() < 1e-9);
        assert_eq!(d.at(6 * 60 * MIN + 30 * NANOS_PER_SEC), d.at(6 * 60 * MIN));
        assert_eq!(d.len(), 24 * 60);
    }

    #[test]
    fn ramp() {
        let d = demand(
            serde_json::json!({"pattern": "ramp", "from": 0, "to": 100, "start": "10m", "end": "20m"}),
            60 * MIN,
        )
        .unwrap();
        assert_eq!(d.at(5 * MIN), 0.0);
        assert_eq!(d.at(15 * MIN), 50.0);
        assert_eq!(d.at(40 * MIN), 100.0);
    }

    #[test]
    fn bad_patterns_name_the_field() {
        let e = demand(
            serde_json::json!({"pattern": "diurnal", "min": 5, "max": 1}),
            MIN,
        );
        assert!(matches!(e, Err(DemandError::Field(p, _)) if p == "spec.traffic[0].rps.max"));
        let e = demand(serde_json::json!({"pattern": "sawtooth"}), MIN);
        assert!(
            matches!(e, Err(DemandError::Field(p, m)) if p.ends_with(".pattern") && m.contains("Unsupported"))
        );
        let e = demand(
            serde_json::json!({"pattern": "diurnal", "min": 1, "max": 2, "resolution": "1ms"}),
            24 * 60 * MIN,
        );
        assert!(matches!(e, Err(DemandError::Field(p, _)) if p.ends_with(".resolution")));
        let e = demand(serde_json::json!(-3), MIN);
        assert!(matches!(e, Err(DemandError::Field(p, _)) if p == "spec.traffic[0].rps"));
    }

    fn with_file(text: &'static str, spec: serde_json::Value) -> Result<Demand, DemandError> {
        let read = move |_: &Path| Ok(text.to_string());
        parse(
            Some(&spec),
            "spec.traffic[0].rps",
            Path::new("dir"),
            MIN,
            &read,
        )
    }

    #[test]
    fn value_traces_hold_each_row() {
        let d = with_file(
            "t,rps\n0,10\n60,20\n2m,5\n",
            serde_json::json!({"trace": "t.csv", "timeColumn": "t", "valueColumn": "rps", "scale": 2}),
        )
        .unwrap();
        assert_eq!((d.at(0), d.at(MIN), d.at(3 * MIN)), (20.0, 40.0, 10.0));
    }

    #[test]
    fn arrival_traces_are_counted_per_bucket() {
        let d = with_file(
            "TIMESTAMP,ContextTokens\n2023-11-16 18:15:46.5,1\n2023-11-16 18:15:50,2\n2023-11-16 18:16:47,3\n",
            serde_json::json!({"trace": "a.csv", "timeColumn": "TIMESTAMP", "aggregate": "count", "bucket": "1m"}),
        )
        .unwrap();
        assert_eq!(d.at(0), 2.0 / 60.0);
        assert_eq!(d.at(MIN), 1.0 / 60.0);
        assert_eq!(d.at(2 * MIN), 0.0);
    }

    #[test]
    fn csv_errors_have_line_and_column() {
        let e = with_file(
            "t,rps\n0,10\n60,x\n",
            serde_json::json!({"trace": "t.csv", "timeColumn": "t", "valueColumn": "rps"}),
        );
        assert_eq!(
            e,
            Err(DemandError::File(
                "dir/t.csv".into(),
                3,
                4,
                "invalid value \"x\": must be a non-negative number".into()
            ))
        );
        let e = with_file(
            "t,rps\n60,1\n0,10\n",
            serde_json::json!({"trace": "t.csv", "timeColumn": "t", "valueColumn": "rps"}),
        );
        assert!(matches!(e, Err(DemandError::File(_, 3, 1, m)) if m.contains("time order")));
        let e = with_file(
            "t,rps\n",
            serde_json::json!({"trace": "t.csv", "timeColumn": "time", "valueColumn": "rps"}),
        );
        assert!(matches!(e, Err(DemandError::File(_, 1, 1, m)) if m.contains("no column")));
        let e = parse(
            Some(&serde_json::json!({"trace": "t.csv", "timeColumn": "t", "valueColumn": "v"})),
            "p",
            Path::new(""),
            MIN,
            &no_files,
        );
        assert!(
            matches!(e, Err(DemandError::Field(p, m)) if p == "p.trace" && m.contains("no such file"))
        );
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp_seconds("1970-01-01 00:00:01"), Some(1.0));
        assert_eq!(
            timestamp_seconds("2000-03-01T00:00:00Z"),
            Some(951_868_800.0)
        );
        assert_eq!(timestamp_seconds("2000-13-01 00:00:00"), None);
    }
}
