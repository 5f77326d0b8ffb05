//! Charts and `report.html` of a comparison (`compare`) and of a sweep (`sweep`, `merge`).
//!
//! Both are drawn from the statistics alone (plus, for a comparison's lines over time, each
//! variant's `run-0/timeseries.csv`), so a merged sweep draws exactly the files of an unsharded
//! one: [`sweep_files`] is called by the one function that finishes both.

use std::collections::BTreeMap;
use std::path::Path;

use super::CliError;
use super::compare::{figure, mean_sd, range, relative};
use super::sweep::{Plan, PointStats};
use crate::export::charts::Chart;
use crate::export::charts::compare::{
    ParameterGrid, VariantSeries, VariantStat, comparison_bars, overlay_lines, parameter_bars,
    parameter_heatmap,
};
use crate::export::html::{escape, page, table};
use crate::export::report;
use crate::metrics::statistics::{self, Comparison, Stats};

/// Most lines-over-time charts of one comparison (objects beyond are left out).
pub const MAX_OVERLAYS: usize = 12;

/// An output file: name relative to the output folder, and its bytes.
pub type File = (String, Vec<u8>);

/// How a charted key metric is labelled: what it is, its axis label (with unit), and the
/// factor from its recorded unit to the axis' unit.
struct Charted {
    what: &'static str,
    axis: &'static str,
    scale: f64,
}

/// The key metrics that get a chart (by [`statistics::key_rank`]).
fn charted(name: &str) -> Option<Charted> {
    let (what, axis, scale) = match statistics::key_rank(name)? {
        1 => ("Availability", "availability (fraction of time)", 1.0),
        2 => ("Served fraction", "served fraction (of requests)", 1.0),
        3 => ("Bad-request fraction", "bad-request fraction", 1.0),
        4 => ("Downtime", "downtime (s)", 0.001),
        10 => ("Rollout duration", "rollout duration (s)", 0.001),
        11 => ("Surge pods", "max surge pods (pods)", 1.0),
        20 => ("Pending pods", "max pending pods (pods)", 1.0),
        _ => return None,
    };
    Some(Charted { what, axis, scale })
}

/// The object a flat metric name is about: `service default/web` of
/// `services.default/web.availability`, `deployment/default/web` of
/// `workloads.deployment/default/web.rollout_duration_ms`, `cluster` of `cluster.…`.
fn object_of(name: &str) -> String {
    let Some(cut) = name.find(['.', '[']) else {
        return name.to_string();
    };
    let (group, rest) = (&name[..cut], name[cut..].trim_start_matches('.'));
    let object = rest
        .rfind('.')
        .map_or("", |i| &rest[..i])
        .trim_start_matches('[')
        .trim_end_matches(']');
    match group {
        "services" => format!("service {object}"),
        "cluster" => "cluster".into(),
        _ => object.to_string(),
    }
}

/// A file stem from free text: lowercase letters, digits and single dashes.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// `stem`, or `stem-2`, `stem-3`… when taken; records the result in `taken`.
fn unique(stem: String, taken: &mut Vec<String>) -> String {
    let mut name = stem.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{stem}-{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// A mean and its confidence interval in the chart's unit (no whisker with one run).
fn stat(label: &str, s: &Stats, scale: f64) -> VariantStat {
    VariantStat {
        variant: label.to_string(),
        mean: s.mean * scale,
        ci95: (s.n > 1).then_some((s.ci95_low * scale, s.ci95_high * scale)),
    }
}

fn chart_error(e: impl std::fmt::Display) -> CliError {
    CliError::Internal(format!("cannot draw a chart: {e}"))
}

/// The chart files and `report.html` of `charts`, in order.
fn with_files(charts: &[Chart], html: String) -> Vec<File> {
    let mut files: Vec<File> = charts
        .iter()
        .flat_map(|c| c.files().map(|(name, bytes)| (name, bytes.to_vec())))
        .collect();
    files.push(("report.html".into(), html.into_bytes()));
    files
}

fn charts_section(charts: &[Chart], none: &str) -> String {
    let mut out = String::from("<h2 id=\"charts\">Charts</h2>\n");
    if charts.is_empty() {
        out.push_str(&format!("<p>{}</p>\n", escape(none)));
    }
    for chart in charts {
        out.push_str(&report::figure(chart));
    }
    out
}

/// The series drawn over time for a comparison, per kind of object: metric, axis label, what.
const OVERLAY_SERIES: [(&str, &str, &str); 3] = [
    ("ready_endpoints", "ready endpoints", "Ready endpoints"),
    ("served_rps", "served requests (req/s)", "Served requests"),
    (
        "available_replicas",
        "available replicas (pods)",
        "Available replicas",
    ),
];

/// Whether `object` (a `timeseries.csv` object) carries `metric` in an overlay chart.
fn overlaid(object: &str, metric: &str) -> bool {
    let workload = ["deployment/", "statefulset/", "daemonset/", "rollout/"]
        .iter()
        .any(|p| object.starts_with(p));
    match metric {
        "ready_endpoints" | "served_rps" => object.starts_with("service/"),
        "available_replicas" => workload,
        _ => false,
    }
}

/// Series by (object, metric): their change points `(t_ms, value)`.
type SeriesMap = BTreeMap<(String, String), Vec<(u64, f64)>>;

/// One run's overlay series from its `timeseries.csv`.
fn read_series(path: &Path) -> Result<SeriesMap, CliError> {
    let bad = |e: String| CliError::Runtime(format!("cannot read {}: {e}", path.display()));
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let mut out = SeriesMap::new();
    for row in reader.records() {
        let row = row.map_err(|e| bad(e.to_string()))?;
        let (Some(t), Some(object), Some(metric), Some(value)) =
            (row.get(0), row.get(1), row.get(2), row.get(3))
        else {
            return Err(bad("a row has fewer than 4 fields".into()));
        };
        if !overlaid(object, metric) {
            continue;
        }
        let t: u64 = t.parse().map_err(|_| bad(format!("t_ms {t:?}")))?;
        let value: f64 = value.parse().map_err(|_| bad(format!("value {value:?}")))?;
        out.entry((object.to_string(), metric.to_string()))
            .or_default()
            .push((t, value));
    }
    Ok(out)
}

/// A run's simulated duration from its `summary.json`.
fn duration_ms(path: &Path) -> Result<u64, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Runtime(format!("cannot read {}: {e}", path.display())))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| CliError::Runtime(format!("{}: not valid JSON: {e}", path.display())))?;
    Ok(value["duration_ms"].as_u64().unwrap_or(0))
}

/// Lines over time, one per variant (its run 0): ready endpoints and served requests per
/// Service, available replicas per workload.
fn overlays(dir: &Path, c: &Comparison, taken: &mut Vec<String>) -> Result<Vec<Chart>, CliError> {
    let mut end_ms = 0;
    // (rank of the metric, object) → each variant's series.
    let mut by_chart: BTreeMap<(usize, String), Vec<VariantSeries>> = BTreeMap::new();
    for v in &c.variants {
        let Some(run) = v.runs.first() else {
            continue;
        };
        let run_dir = dir.join(run);
        end_ms = end_ms.max(duration_ms(&run_dir.join("summary.json"))?);
        for ((object, metric), points) in read_series(&run_dir.join("timeseries.csv"))? {
            let Some(rank) = OVERLAY_SERIES.iter().position(|(m, _, _)| *m == metric) else {
                continue;
            };
            by_chart
                .entry((rank, object))
                .or_default()
                .push(VariantSeries {
                    variant: v.name.clone(),
                    points,
                });
        }
    }
    let mut charts = Vec::new();
    for ((rank, object), series) in by_chart.into_iter().take(MAX_OVERLAYS) {
        let (metric, axis, what) = OVERLAY_SERIES[rank];
        let name = unique(format!("compare-{}-{}", slug(&object), slug(metric)), taken);
        let title = format!("{what} of {object} (run 0 of each variant)");
        charts.push(overlay_lines(&name, &title, axis, end_ms, &series).map_err(chart_error)?);
    }
    Ok(charts)
}

/// The charts and `report.html` of a comparison whose runs are under `dir`: a bar chart with
/// 95 % CI whiskers per charted key metric (`compare-<metric>`), lines over time of each
/// variant's run 0, and the page with the tables of `compare.md` and links to each variant's
/// run-0 report.
pub fn compare_files(dir: &Path, c: &Comparison) -> Result<Vec<File>, CliError> {
    let runs = c.seeds.len() as u64;
    let mut taken = Vec::new();
    let mut charts = Vec::new();
    for m in &c.metrics {
        let Some(how) = charted(&m.name) else {
            continue;
        };
        let bars: Vec<VariantStat> = m
            .variants
            .iter()
            .map(|v| stat(&v.variant, &v.stats, how.scale))
            .collect();
        let name = unique(format!("compare-{}", slug(&m.name)), &mut taken);
        let title = format!("{} of {}", how.what, object_of(&m.name));
        charts.push(comparison_bars(&name, &title, how.axis, runs, &bars).map_err(chart_error)?);
    }
    charts.extend(overlays(dir, c, &mut taken)?);

    let names: Vec<&str> = c.variants.iter().map(|v| v.name.as_str()).collect();
    let mut body = format!(
        "<h1>Comparison: {}</h1>\n<p class=\"meta\">{} run(s) per variant · seeds {} · \
         baseline <code>{}</code> · timonel {} · data in <a href=\"compare.csv\">compare.csv</a>, \
         <a href=\"compare.json\">compare.json</a>, <a href=\"compare.md\">compare.md</a></p>\n\
         <nav><a href=\"#variants\">Variants</a> · <a href=\"#metrics\">Key metrics</a> · \
         <a href=\"#charts\">Charts</a></nav>\n",
        escape(&names.join(" vs ")),
        runs,
        escape(&format!("{:?}", c.seeds)),
        escape(&c.baseline),
        env!("CARGO_PKG_VERSION"),
    );
    body.push_str("<h2 id=\"variants\">Variants</h2>\n");
    let rows: Vec<Vec<String>> = c
        .variants
        .iter()
        .map(|v| {
            let run0 = v.runs.first().map_or(String::new(), |r| {
                format!("<a href=\"{0}/report.html\">{0}/report.html</a>", escape(r))
            });
            vec![
                escape(&v.name),
                escape(&v.scenario),
                escape(v.patch.as_deref().unwrap_or("")),
                format!("<span class=\"num\">{}</span>", v.expectations_failed),
                run0,
                format!(
                    "<a href=\"{0}/summary.json\">{0}/summary.json</a>",
                    escape(&v.name)
                ),
            ]
        })
        .collect();
    body.push_str(&table(
        "variant-table",
        &[
            "variant",
            "scenario",
            "patch",
            "expectations failed",
            "run 0 report",
            "statistics",
        ],
        &rows,
    ));
    body.push_str("<h2 id=\"metrics\">Key metrics</h2>\n");
    for (i, m) in c.metrics.iter().filter(|m| m.key).enumerate() {
        body.push_str(&format!("<h3><code>{}</code></h3>\n", escape(&m.name)));
        let rows: Vec<Vec<String>> = m
            .variants
            .iter()
            .map(|v| {
                vec![
                    format!("<code>{}</code>", escape(&v.variant)),
                    num(&mean_sd(&v.stats)),
                    num(&range(&v.stats)),
                    num(&relative(v, &c.baseline)),
                ]
            })
            .collect();
        body.push_str(&table(
            &format!("metric-{i}"),
            &["Variant", "Mean ± σ", "Min … Max", "Relative"],
            &rows,
        ));
    }
    body.push_str(&charts_section(&charts, "No key metric to chart."));
    let html = page(&format!("timonel: compare {}", names.join(" vs ")), &body);
    Ok(with_files(&charts, html))
}

fn num(text: &str) -> String {
    format!("<span class=\"num\">{}</span>", escape(text))
}

/// The key metrics of a sweep, in table order.
fn sweep_metrics(points: &[PointStats]) -> Vec<&String> {
    let mut names: Vec<&String> = points
        .iter()
        .flat_map(|p| p.metrics.keys())
        .filter(|n| statistics::key_rank(n).is_some())
        .collect();
    names.sort_by_key(|n| (statistics::key_rank(n), *n));
    names.dedup();
    names
}

/// The charts of a sweep: with one parameter a bar per value (95 % CI whiskers), with two a
/// heatmap of the mean over the grid, per charted key metric (`sweep-<metric>`); none with
/// more parameters.
fn sweep_charts(plan: &Plan, points: &[PointStats]) -> Result<Vec<Chart>, CliError> {
    let mut taken = Vec::new();
    let mut charts = Vec::new();
    for name in sweep_metrics(points) {
        let Some(how) = charted(name) else {
            continue;
        };
        let stem = unique(format!("sweep-{}", slug(name)), &mut taken);
        let title = format!("{} of {}", how.what, object_of(name));
        let chart = match plan.parameters.as_slice() {
            [param] => {
                let bars: Vec<VariantStat> = plan
                    .points
                    .iter()
                    .zip(points)
                    .filter_map(|(p, s)| {
                        let label = p.values.first()?;
                        Some(stat(label, s.metrics.get(name)?, how.scale))
                    })
                    .collect();
                parameter_bars(&stem, &title, &param.name, how.axis, plan.runs, &bars)
            }
            [y, x] => {
                let width = x.values.len();
                let values = (0..y.values.len())
                    .map(|row| {
                        (0..width)
                            .map(|col| {
                                points
                                    .get(row * width + col)
                                    .and_then(|p| p.metrics.get(name))
                                    .map(|s| s.mean * how.scale)
                            })
                            .collect()
                    })
                    .collect();
                let grid = ParameterGrid {
                    x_param: x.name.clone(),
                    x_values: x.values.clone(),
                    y_param: y.name.clone(),
                    y_values: y.values.clone(),
                    values,
                };
                let title = format!("{title} (mean over {} run(s))", plan.runs);
                parameter_heatmap(&stem, &title, how.axis, &grid)
            }
            _ => return Ok(Vec::new()),
        };
        charts.push(chart.map_err(chart_error)?);
    }
    Ok(charts)
}

/// The charts and `report.html` of a finished sweep, from its statistics only (so a merge
/// writes the same bytes): the parameters, one table per key metric (the terminal's), and the
/// charts inline.
pub fn sweep_files(plan: &Plan, points: &[PointStats]) -> Result<Vec<File>, CliError> {
    let charts = sweep_charts(plan, points)?;
    let mut body = format!(
        "<h1>Sweep of {}</h1>\n<p class=\"meta\">{} point(s) × {} run(s) · seeds {} · timonel {} · \
         data in <a href=\"sweep.csv\">sweep.csv</a>, <a href=\"sweep.json\">sweep.json</a></p>\n\
         <nav><a href=\"#parameters\">Parameters</a> · <a href=\"#metrics\">Key metrics</a> · \
         <a href=\"#charts\">Charts</a></nav>\n<h2 id=\"parameters\">Parameters</h2>\n",
        escape(&plan.scenario),
        plan.points.len(),
        plan.runs,
        escape(&format!("{:?}", plan.seeds)),
        env!("CARGO_PKG_VERSION"),
    );
    let rows: Vec<Vec<String>> = plan
        .parameters
        .iter()
        .map(|p| {
            vec![
                format!("<code>{}</code>", escape(&p.name)),
                format!("<code>{}</code>", escape(&p.field)),
                escape(&p.values.join(", ")),
            ]
        })
        .collect();
    body.push_str(&table(
        "parameter-table",
        &["parameter", "field", "values"],
        &rows,
    ));
    body.push_str("<h2 id=\"metrics\">Key metrics</h2>\n");
    let mut header: Vec<&str> = vec!["point"];
    header.extend(plan.parameters.iter().map(|p| p.name.as_str()));
    header.extend(["Mean ± σ", "Min … Max", "95% CI"]);
    for (i, name) in sweep_metrics(points).into_iter().enumerate() {
        body.push_str(&format!("<h3><code>{}</code></h3>\n", escape(name)));
        let rows: Vec<Vec<String>> = plan
            .points
            .iter()
            .zip(points)
            .map(|(p, s)| {
                let mut row = vec![format!(
                    "<a href=\"{0}/summary.json\">{1}</a>",
                    escape(&p.dir),
                    p.index
                )];
                row.extend(p.values.iter().map(|v| escape(v)));
                match s.metrics.get(name) {
                    Some(st) => row.extend([
                        num(&mean_sd(st)),
                        num(&range(st)),
                        num(&format!(
                            "[{}, {}]",
                            figure(st.ci95_low),
                            figure(st.ci95_high)
                        )),
                    ]),
                    None => row.extend(["-".into(), "-".into(), "-".into()]),
                }
                row
            })
            .collect();
        body.push_str(&table(&format!("metric-{i}"), &header, &rows));
    }
    let none = if plan.parameters.len() > 2 {
        "Charts are drawn for sweeps of one or two parameters."
    } else {
        "No key metric to chart."
    };
    body.push_str(&charts_section(&charts, none));
    let html = page(&format!("timonel: sweep of {}", plan.scenario), &body);
    Ok(with_files(&charts, html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_and_slugs_of_flat_names() {
        assert_eq!(
            object_of("services.default/web.availability"),
            "service default/web"
        );
        assert_eq!(object_of("services[my.svc].availability"), "service my.svc");
        assert_eq!(
            object_of("workloads.deployment/default/web.rollout_duration_ms"),
            "deployment/default/web"
        );
        assert_eq!(object_of("cluster.pods_pending_max"), "cluster");
        assert_eq!(
            slug("services.default/web.served_fraction"),
            "services-default-web-served-fraction"
        );
        let mut taken = Vec::new();
        assert_eq!(unique("a".into(), &mut taken), "a");
        assert_eq!(unique("a".into(), &mut taken), "a-2");
        assert!(charted("expectations_failed").is_none());
        assert_eq!(
            charted("workloads.deployment/default/web.rollout_duration_ms").map(|c| c.scale),
            Some(0.001)
        );
    }
}
