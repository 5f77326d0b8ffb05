//! `report.html` (CONTRACT §3): one self-contained page per run — the scenario, its cluster,
//! timeline and expectations, the charts inline as SVG, the summary tables and the events.

use serde_json::Value;

use super::charts::Chart;
use super::format_value;
use super::html::{badge, escape, page, table};
use crate::metrics::RunResults;
use crate::scenario::Scenario;
use crate::scenario::duration::format_duration;
use crate::scenario::quantity::{format_bytes, format_millis};
use crate::sim::time::SimTime;

/// Most events listed in the page; the rest are in `events.csv`.
pub const MAX_EVENT_ROWS: usize = 5_000;

/// Most timeline actions listed in the page.
pub const MAX_TIMELINE_ROWS: usize = 1_000;

/// What the report shows in place of the charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charts<'a> {
    /// The charts of the run, inlined.
    Drawn(&'a [Chart]),
    /// Charts were not drawn (`--no-charts`, or a Monte Carlo run other than the first).
    Skipped,
}

fn duration(t: SimTime) -> String {
    format_duration(i64::try_from(t.as_nanos()).unwrap_or(i64::MAX))
}

fn num(value: &str) -> String {
    format!("<span class=\"num\">{}</span>", escape(value))
}

/// A JSON scalar as table cell text.
fn cell(value: &Value) -> String {
    match value {
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), format_value),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A table of `{object: {key: scalar}}`: one row per object, one column per scalar key.
fn object_table(id: &str, first: &str, objects: &serde_json::Map<String, Value>) -> String {
    let mut keys: Vec<&str> = Vec::new();
    for fields in objects.values() {
        if let Value::Object(fields) = fields {
            for (k, v) in fields {
                if !v.is_object() && !v.is_array() && !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
        }
    }
    keys.sort_unstable();
    let mut header = vec![first];
    header.extend(&keys);
    let rows: Vec<Vec<String>> = objects
        .iter()
        .map(|(name, fields)| {
            let mut row = vec![escape(name)];
            row.extend(
                keys.iter()
                    .map(|k| escape(&fields.get(*k).map(cell).unwrap_or_default())),
            );
            row
        })
        .collect();
    table(id, &header, &rows)
}

fn overview(scenario: &Scenario, results: &RunResults, passed: bool) -> String {
    let mut out = format!("<h1>{} {}</h1>\n", escape(&scenario.name), badge(passed));
    if !scenario.description.is_empty() {
        out.push_str(&format!("<p>{}</p>\n", escape(&scenario.description)));
    }
    out.push_str(&format!(
        "<p class=\"meta\">seed {} · simulated {} · Kubernetes {}.{} · {} events processed · \
         scenario SHA-256 <code>{}</code> · timonel {}</p>\n",
        results.seed,
        escape(&duration(results.duration)),
        scenario.kubernetes_version.0,
        scenario.kubernetes_version.1,
        results.events_processed,
        escape(&scenario.sha256),
        env!("CARGO_PKG_VERSION"),
    ));
    out
}

fn cluster(scenario: &Scenario) -> String {
    let mut out = String::from("<h2 id=\"cluster\">Cluster</h2>\n");
    let pools: Vec<Vec<String>> = scenario
        .pools
        .iter()
        .map(|p| {
            vec![
                escape(&p.name),
                num(&p.count.to_string()),
                escape(&p.zones.join(", ")),
                num(&format_millis(p.capacity.cpu_millis)),
                num(&format_bytes(p.capacity.memory_bytes)),
                num(&p.capacity.pods.to_string()),
                num(&format_millis(p.allocatable.cpu_millis)),
                num(&format_bytes(p.allocatable.memory_bytes)),
                escape(
                    &p.taints
                        .iter()
                        .map(|t| format!("{}={}:{}", t.key, t.value, t.effect.as_str()))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ]
        })
        .collect();
    if !pools.is_empty() {
        out.push_str("<h3>Node pools</h3>\n");
        out.push_str(&table(
            "pools",
            &[
                "pool",
                "nodes",
                "zones",
                "cpu",
                "memory",
                "pods",
                "allocatable cpu",
                "allocatable memory",
                "taints",
            ],
            &pools,
        ));
    }
    let zone = |n: &crate::model::node::Node| {
        n.labels
            .get("topology.kubernetes.io/zone")
            .cloned()
            .unwrap_or_default()
    };
    let mut zones: Vec<String> = scenario.nodes.iter().map(zone).collect();
    zones.sort();
    zones.dedup();
    let rows: Vec<Vec<String>> = zones
        .iter()
        .map(|z| {
            let nodes: Vec<_> = scenario.nodes.iter().filter(|n| zone(n) == *z).collect();
            let cpu: i64 = nodes.iter().map(|n| n.allocatable.cpu_millis).sum();
            let memory: i64 = nodes.iter().map(|n| n.allocatable.memory_bytes).sum();
            let pods: i64 = nodes.iter().map(|n| n.allocatable.pods).sum();
            vec![
                escape(if z.is_empty() { "(no zone)" } else { z }),
                num(&nodes.len().to_string()),
                num(&format_millis(cpu)),
                num(&format_bytes(memory)),
                num(&pods.to_string()),
            ]
        })
        .collect();
    out.push_str("<h3>Allocatable capacity by zone (initial nodes)</h3>\n");
    out.push_str(&table(
        "capacity",
        &["zone", "nodes", "cpu", "memory", "pods"],
        &rows,
    ));
    out
}

fn timeline(scenario: &Scenario) -> String {
    let mut out = String::from("<h2 id=\"timeline\">Timeline</h2>\n");
    if scenario.timeline.is_empty() {
        out.push_str("<p>No scripted actions.</p>\n");
    } else {
        if scenario.timeline.len() > MAX_TIMELINE_ROWS {
            out.push_str(&format!(
                "<p>The first {MAX_TIMELINE_ROWS} of {} actions.</p>\n",
                scenario.timeline.len()
            ));
        }
        let rows: Vec<Vec<String>> = scenario
            .timeline
            .iter()
            .take(MAX_TIMELINE_ROWS)
            .map(|a| {
                let (action, details) = a.action.describe();
                vec![
                    num(&duration(a.at)),
                    escape(&action),
                    escape(&a.namespace),
                    escape(&details),
                ]
            })
            .collect();
        out.push_str(&table(
            "actions",
            &["at", "action", "namespace", "details"],
            &rows,
        ));
    }
    if !scenario.notes.is_empty() {
        out.push_str(
            "<h3>Notes from loading (faults and fields not simulated are listed here)</h3>\n<ul>\n",
        );
        for note in &scenario.notes {
            out.push_str(&format!("<li>{}</li>\n", escape(note)));
        }
        out.push_str("</ul>\n");
    }
    out
}

fn expectations(results: &RunResults) -> String {
    let mut out = String::from("<h2 id=\"expectations\">Expectations</h2>\n");
    if results.expectations.is_empty() {
        out.push_str("<p>The scenario has no expectations.</p>\n");
        return out;
    }
    let bound = |b: Option<f64>| b.map(format_value).unwrap_or_default();
    let rows: Vec<Vec<String>> = results
        .expectations
        .iter()
        .map(|e| {
            vec![
                badge(e.passed).to_string(),
                escape(&e.name),
                num(&e.observed.map_or("no value".into(), format_value)),
                num(&bound(e.min)),
                num(&bound(e.max)),
            ]
        })
        .collect();
    out.push_str(&table(
        "expectation-table",
        &["result", "expectation", "observed", "min", "max"],
        &rows,
    ));
    out
}

fn charts(charts: Charts<'_>) -> String {
    let mut out = String::from("<h2 id=\"charts\">Charts</h2>\n");
    match charts {
        Charts::Skipped => out.push_str("<p>Charts were not drawn for this run.</p>\n"),
        Charts::Drawn([]) => out.push_str("<p>No series to chart.</p>\n"),
        Charts::Drawn(list) => {
            for chart in list {
                out.push_str(&figure(chart));
            }
        }
    }
    out
}

/// A chart inlined as SVG in a `<figure>`, its caption linking its SVG and PNG files (which sit
/// next to the page).
pub fn figure(chart: &Chart) -> String {
    // The SVG document is inlined from its root element on.
    let svg = chart.svg.find("<svg").map_or("", |i| &chart.svg[i..]);
    format!(
        "<figure id=\"chart-{name}\" class=\"chart\">\n{svg}\n<figcaption>{title} \
         (<a href=\"{name}.svg\">SVG</a>, <a href=\"{name}.png\">PNG</a>)\
         </figcaption>\n</figure>\n",
        name = escape(&chart.name),
        title = escape(&chart.title),
    )
}

fn summary_tables(summary: &Value) -> String {
    let mut out = String::from("<h2 id=\"summary\">Summary</h2>\n");
    if let Some(services) = summary["services"].as_object().filter(|s| !s.is_empty()) {
        out.push_str("<h3>Services</h3>\n");
        out.push_str(&object_table("services", "service", services));
    }
    if let Some(workloads) = summary["workloads"].as_object().filter(|w| !w.is_empty()) {
        out.push_str("<h3>Workloads</h3>\n");
        out.push_str(&object_table("workloads", "workload", workloads));
        let rows: Vec<Vec<String>> = workloads
            .iter()
            .flat_map(|(name, w)| {
                w["rollouts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(move |r| {
                        vec![
                            escape(name),
                            num(&cell(&r["revision"])),
                            num(&cell(&r["start_ms"])),
                            num(&cell(&r["end_ms"])),
                            escape(&cell(&r["outcome"])),
                        ]
                    })
            })
            .collect();
        if !rows.is_empty() {
            out.push_str("<h3>Rollouts</h3>\n");
            out.push_str(&table(
                "rollouts",
                &["workload", "revision", "start (ms)", "end (ms)", "outcome"],
                &rows,
            ));
        }
    }
    if let Some(cluster) = summary["cluster"].as_object() {
        out.push_str("<h3>Cluster</h3>\n");
        let rows: Vec<Vec<String>> = cluster
            .iter()
            .map(|(k, v)| vec![escape(k), num(&cell(v))])
            .collect();
        out.push_str(&table("cluster-summary", &["figure", "value"], &rows));
    }
    out
}

fn events(results: &RunResults) -> String {
    let all = &results.world.events;
    let mut out = String::from(
        "<h2 id=\"events\">Events</h2>\n<input class=\"filter\" data-table=\"events-table\" \
         placeholder=\"filter events (object, reason, message…)\" aria-label=\"filter events\">\n",
    );
    if all.len() > MAX_EVENT_ROWS {
        out.push_str(&format!(
            "<p>The first {MAX_EVENT_ROWS} of {} events; all of them are in \
             <a href=\"events.csv\">events.csv</a>.</p>\n",
            all.len()
        ));
    }
    out.push_str(
        "<table id=\"events-table\">\n<thead><tr><th>t (ms)</th><th>namespace</th>\
         <th>object</th><th>type</th><th>reason</th><th>message</th></tr></thead>\n<tbody>\n",
    );
    for e in all.iter().take(MAX_EVENT_ROWS) {
        let kind = e.event_type.as_str();
        out.push_str(&format!(
            "<tr class=\"{kind}\"><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{kind}</td>\
             <td>{}</td><td>{}</td></tr>\n",
            e.time.as_millis(),
            escape(&e.namespace),
            escape(&e.object),
            escape(e.reason),
            escape(&e.message),
        ));
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// Builds `report.html` of one run. `summary` is the run's `summary.json` value.
pub fn build(
    scenario: &Scenario,
    results: &RunResults,
    summary: &Value,
    drawn: Charts<'_>,
) -> String {
    let passed = results.expectations.iter().all(|e| e.passed);
    let mut body = overview(scenario, results, passed);
    body.push_str(
        "<nav><a href=\"#cluster\">Cluster</a> · <a href=\"#timeline\">Timeline</a> · \
         <a href=\"#expectations\">Expectations</a> · <a href=\"#charts\">Charts</a> · \
         <a href=\"#summary\">Summary</a> · <a href=\"#events\">Events</a></nav>\n",
    );
    body.push_str(&cluster(scenario));
    body.push_str(&timeline(scenario));
    body.push_str(&expectations(results));
    body.push_str(&charts(drawn));
    body.push_str(&summary_tables(summary));
    body.push_str(&events(results));
    page(&format!("timonel: {}", scenario.name), &body)
}
