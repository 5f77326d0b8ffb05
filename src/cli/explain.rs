//! `timonel explain`: what a scenario holds, what a Scenario field means, and, from a run's
//! output folder, what happened to an object — for a pod, why the scheduler put it where it did
//! (from `scheduling.jsonl`, written by `run --record-scheduling`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{CliError, InputArgs, fields};
use crate::cluster::scheduling_record::PodSchedulingRecord;
use crate::export::format_value;
use crate::export::scheduling::FILE_NAME as SCHEDULING_FILE;
use crate::export::table::{render, table};
use crate::model::ObjectRef;
use crate::scenario::duration::format_duration;
use crate::scenario::quantity::{format_bytes, format_millis};
use crate::scenario::spec::{Expectation, Window};
use crate::scenario::{Scenario, ScenarioError};

/// `timonel explain` arguments.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// `scenario`, a Scenario field (`spec.timeline`, `spec.images.pull`), or TYPE/NAME
    /// (`pod/web-7c9d-x2k`, `deployment/web`, `node/worker-1`; needs --run).
    #[arg(value_name = "WHAT")]
    pub what: String,
    /// Scenario files or directories for `explain scenario` (same as -f).
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Scenario file or directory for `explain scenario`; repeatable.
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub files: Vec<String>,
    /// A run's output folder (with --runs: one of its run-<k>/ folders).
    #[arg(long, value_name = "DIR")]
    pub run: Option<PathBuf>,
    /// Namespace of TYPE/NAME.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
}

/// Runs `explain`; returns the text for stdout.
pub fn explain(args: &ExplainArgs) -> Result<String, CliError> {
    let what = args.what.trim();
    let has_paths = !args.paths.is_empty() || !args.files.is_empty();
    if what == "scenario" || what == "scenarios" {
        return explain_scenario(args);
    }
    if has_paths {
        return Err(CliError::Usage(format!(
            "explain {what}: scenario files are only read by `timonel explain scenario -f PATH`"
        )));
    }
    if let Some((kind, name)) = what.split_once('/') {
        return explain_object(args, kind, name);
    }
    if args.run.is_some() {
        return Err(CliError::Usage(format!(
            "explain {what}: --run goes with `scenario` or TYPE/NAME (e.g. pod/NAME), not with a \
             field"
        )));
    }
    fields::explain_field(what).ok_or_else(|| {
        CliError::Usage(format!(
            "field {what:?} does not exist in the Scenario document; try `timonel explain \
             scenario` for its top-level fields, or TYPE/NAME (e.g. pod/NAME) with --run DIR"
        ))
    })
}

/// Canonical lowercase kind of a kubectl resource name, plural or short name; `None` when
/// unknown. Cluster-scoped kinds are marked.
fn canonical_kind(kind: &str) -> Option<(&'static str, bool)> {
    const KINDS: [(&str, &[&str], bool); 17] = [
        ("pod", &["po", "pods"], false),
        ("deployment", &["deploy", "deployments"], false),
        ("replicaset", &["rs", "replicasets"], false),
        ("statefulset", &["sts", "statefulsets"], false),
        ("daemonset", &["ds", "daemonsets"], false),
        ("job", &["jobs"], false),
        ("cronjob", &["cj", "cronjobs"], false),
        ("service", &["svc", "services"], false),
        ("node", &["no", "nodes"], true),
        ("namespace", &["ns", "namespaces"], true),
        (
            "horizontalpodautoscaler",
            &["hpa", "horizontalpodautoscalers"],
            false,
        ),
        (
            "poddisruptionbudget",
            &["pdb", "poddisruptionbudgets"],
            false,
        ),
        (
            "persistentvolumeclaim",
            &["pvc", "persistentvolumeclaims"],
            false,
        ),
        ("persistentvolume", &["pv", "persistentvolumes"], true),
        ("priorityclass", &["pc", "priorityclasses"], true),
        ("rollout", &["ro", "rollouts"], false),
        ("storageclass", &["sc", "storageclasses"], true),
    ];
    let lower = kind.to_ascii_lowercase();
    KINDS
        .iter()
        .find(|(canonical, aliases, _)| *canonical == lower || aliases.contains(&lower.as_str()))
        .map(|&(canonical, _, cluster)| (canonical, cluster))
}

/// A run's output folder, checked.
fn run_dir(args: &ExplainArgs, what: &str) -> Result<PathBuf, CliError> {
    let Some(dir) = &args.run else {
        return Err(CliError::Usage(format!(
            "explain {what} needs --run DIR, the output folder of a run (e.g. results/<scenario>/)"
        )));
    };
    if !dir.is_dir() {
        return Err(CliError::Usage(format!(
            "--run {}: no such folder",
            dir.display()
        )));
    }
    if dir.join("run-0").is_dir() && !dir.join("events.csv").is_file() {
        return Err(CliError::Usage(format!(
            "--run {}: this folder holds the runs of --runs; give one of them, e.g. --run {}",
            dir.display(),
            dir.join("run-0").display()
        )));
    }
    if let Some(missing) = ["manifest.json", "events.csv", "pods.csv", "timeseries.csv"]
        .into_iter()
        .find(|f| !dir.join(f).is_file())
    {
        return Err(CliError::Usage(format!(
            "--run {}: not the output folder of a run (no {missing})",
            dir.display()
        )));
    }
    Ok(dir.clone())
}

fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::Runtime(format!("cannot read {}: {e}", path.display())))
}

/// A CSV output file as rows of named cells.
fn read_csv(path: &Path) -> Result<Vec<BTreeMap<String, String>>, CliError> {
    let text = read_text(path)?;
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?
        .clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
        rows.push(
            headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect(),
        );
    }
    Ok(rows)
}

fn cell<'a>(row: &'a BTreeMap<String, String>, column: &str) -> &'a str {
    row.get(column).map_or("", String::as_str)
}

/// `t_ms` as a Go duration since the start (`1m30s`); the text itself when not a number.
fn at(ms: &str) -> String {
    ms.parse::<i64>()
        .ok()
        .and_then(|ms| ms.checked_mul(1_000_000))
        .map_or_else(|| ms.to_string(), format_duration)
}

/// The `Events:` block of `kubectl describe` for `object` (`kind/name`).
fn events_block(
    dir: &Path,
    namespace: Option<&str>,
    object: &str,
) -> Result<(String, usize), CliError> {
    let rows = read_csv(&dir.join("events.csv"))?;
    let mut t = table(&["TYPE", "REASON", "AT", "MESSAGE"]);
    let mut count = 0;
    for row in &rows {
        if cell(row, "object") != object || namespace.is_some_and(|ns| cell(row, "namespace") != ns)
        {
            continue;
        }
        count += 1;
        t.add_row(vec![
            cell(row, "type").to_string(),
            cell(row, "reason").to_string(),
            at(cell(row, "t_ms")),
            cell(row, "message").to_string(),
        ]);
    }
    let text = if count == 0 {
        "Events:  <none>\n".to_string()
    } else {
        let body: Vec<String> = render(&t).lines().map(|l| format!("  {l}")).collect();
        format!("Events:\n{}\n", body.join("\n"))
    };
    Ok((text, count))
}

fn explain_object(args: &ExplainArgs, kind: &str, name: &str) -> Result<String, CliError> {
    let what = format!("{kind}/{name}");
    let Some((kind, cluster_scoped)) = canonical_kind(kind) else {
        return Err(CliError::Usage(format!(
            "the server doesn't have a resource type {kind:?} (explain TYPE/NAME: pod/NAME, \
             deployment/NAME, replicaset/NAME, service/NAME, node/NAME, …)"
        )));
    };
    if name.is_empty() || name.contains('/') {
        return Err(CliError::Usage(format!(
            "explain {what}: give TYPE/NAME, e.g. {kind}/web (the namespace goes in -n)"
        )));
    }
    let dir = run_dir(args, &what)?;
    let namespace = (!cluster_scoped).then_some(args.namespace.as_str());
    if kind == "pod" {
        return explain_pod(&dir, &args.namespace, name);
    }
    let object = format!("{kind}/{name}");
    let (events, count) = events_block(&dir, namespace, &object)?;
    // The latest value of each series of the object.
    let mut series: BTreeMap<String, (String, String)> = BTreeMap::new();
    for row in read_csv(&dir.join("timeseries.csv"))? {
        if cell(&row, "object") == object {
            series.insert(
                cell(&row, "metric").to_string(),
                (
                    cell(&row, "value").to_string(),
                    cell(&row, "t_ms").to_string(),
                ),
            );
        }
    }
    if count == 0 && series.is_empty() {
        let scope = namespace.map_or(String::new(), |ns| format!(" in namespace {ns:?}"));
        return Err(CliError::Usage(format!(
            "{kind}s {name:?} not found{scope} in run {}: no event and no series names {object}",
            dir.display()
        )));
    }
    let mut out = format!("{:<16}{name}\n", "Name:");
    if let Some(ns) = namespace {
        out.push_str(&format!("{:<16}{ns}\n", "Namespace:"));
    }
    out.push_str(&format!("{:<16}{kind}\n", "Kind:"));
    if !series.is_empty() {
        let mut t = table(&["SERIES", "LAST VALUE", "SINCE"]);
        for (metric, (value, t_ms)) in &series {
            t.add_row(vec![metric.clone(), value.clone(), at(t_ms)]);
        }
        out.push('\n');
        out.push_str(&render(&t));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&events);
    Ok(out)
}

/// The pod's line of `scheduling.jsonl`, if any.
fn find_pod_record(
    dir: &Path,
    namespace: &str,
    name: &str,
) -> Result<Option<PodSchedulingRecord>, CliError> {
    let path = dir.join(SCHEDULING_FILE);
    if !path.is_file() {
        return Err(CliError::Usage(format!(
            "run {} has no scheduling record ({SCHEDULING_FILE}): run the scenario again with \
             --record-scheduling",
            dir.display()
        )));
    }
    let text = read_text(&path)?;
    // Lines start with the namespace and the name (field order is fixed): parse only the
    // candidates, as the file can be large.
    let prefix = format!(
        "{{\"namespace\":{},\"name\":{},",
        serde_json::Value::from(namespace),
        serde_json::Value::from(name)
    );
    let mut found = None;
    for (number, line) in text.lines().enumerate() {
        if !line.starts_with(&prefix) {
            continue;
        }
        let record: PodSchedulingRecord = serde_json::from_str(line).map_err(|e| {
            CliError::Usage(format!(
                "{}:{}: not a scheduling record: {e}",
                path.display(),
                number + 1
            ))
        })?;
        found = Some(record);
    }
    Ok(found)
}

fn explain_pod(dir: &Path, namespace: &str, name: &str) -> Result<String, CliError> {
    let row = read_csv(&dir.join("pods.csv"))?
        .into_iter()
        .rfind(|r| cell(r, "namespace") == namespace && cell(r, "name") == name);
    let record = find_pod_record(dir, namespace, name)?;
    let Some(record) = record else {
        return Err(CliError::Usage(if row.is_some() {
            format!(
                "pod {namespace}/{name} has no scheduling attempt in {}: it never went \
                 through the scheduler",
                dir.join(SCHEDULING_FILE).display()
            )
        } else {
            format!(
                "pods {name:?} not found in namespace {namespace:?} of run {}",
                dir.display()
            )
        }));
    };
    let mut out = format!("{:<16}{name}\n{:<16}{namespace}\n", "Name:", "Namespace:");
    if let Some(row) = &row {
        let or_none = |v: &str| {
            if v.is_empty() {
                "<none>".to_string()
            } else {
                v.to_string()
            }
        };
        let time = |column: &str| {
            let v = cell(row, column);
            if v.is_empty() {
                "<none>".to_string()
            } else {
                at(v)
            }
        };
        out.push_str(&format!("{:<16}{}\n", "Node:", or_none(cell(row, "node"))));
        out.push_str(&format!(
            "{:<16}{}\n",
            "Controlled By:",
            or_none(cell(row, "owner"))
        ));
        for (label, column) in [
            ("Created:", "created_ms"),
            ("Scheduled:", "scheduled_ms"),
            ("Started:", "started_ms"),
            ("Ready:", "ready_ms"),
            ("Deleted:", "deleted_ms"),
        ] {
            out.push_str(&format!("{label:<16}{}\n", time(column)));
        }
        let reason = cell(row, "end_reason");
        if !reason.is_empty() {
            out.push_str(&format!("{:<16}{reason}\n", "End Reason:"));
        }
        let nominated = cell(row, "nominated_node");
        if !nominated.is_empty() {
            out.push_str(&format!("{:<16}{nominated}\n", "Nominated Node:"));
        }
    }
    out.push('\n');
    out.push_str(&render_scheduling(&record));
    out.push('\n');
    let (events, _) = events_block(dir, Some(namespace), &format!("pod/{name}"))?;
    out.push_str(&events);
    Ok(out)
}

/// The scheduling section of `explain pod/NAME`: the attempt, the node table, the result.
pub fn render_scheduling(record: &PodSchedulingRecord) -> String {
    let x = &record.explanation;
    let feasible = x.feasible_count();
    let mut out = format!(
        "Last scheduling attempt: #{} at {} (profile {}): {feasible}/{} nodes feasible\n",
        record.attempts,
        format_duration(i64::try_from(record.t_ms).unwrap_or(i64::MAX / 1_000_000) * 1_000_000),
        x.profile,
        x.nodes.len()
    );
    if let Some(reason) = &x.pre_filter {
        out.push_str(&format!(
            "PreFilter rejected the pod before any node was filtered: {reason}\n"
        ));
    }
    if !x.nodes.is_empty() {
        let excluded = x.nodes.iter().any(|n| n.excluded.is_some());
        let mut header = vec!["NODE".to_string()];
        if excluded {
            header.push("PreFilter".to_string());
        }
        header.extend(x.filter_plugins.iter().cloned());
        header.extend(
            x.score_plugins
                .iter()
                .map(|c| format!("{}×{}", c.plugin, c.weight)),
        );
        header.push("FINAL".to_string());
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut t = table(&header);
        for row in &x.nodes {
            let mut cells = vec![row.node.clone()];
            if excluded {
                cells.push(row.excluded.clone().unwrap_or_else(|| "pass".into()));
            }
            for i in 0..x.filter_plugins.len() {
                cells.push(row.filters.get(i).map_or("-".into(), |v| v.cell()));
            }
            for (i, column) in x.score_plugins.iter().enumerate() {
                cells.push(match row.scores.get(i) {
                    None => "-".into(),
                    Some(_) if column.skipped => "skip".into(),
                    Some(s) => s.to_string(),
                });
            }
            cells.push(row.total.map_or("-".into(), |t| t.to_string()));
            t.add_row(cells);
        }
        out.push('\n');
        out.push_str(&render(&t));
        out.push_str("\n\n");
        out.push_str(
            "Filter columns: pass, skip (PreFilter found nothing to check) or the plugin's \
             reason; score columns: normalised score × weight; FINAL: their sum.\n",
        );
    } else if x.pre_filter.is_none() && x.error.is_none() {
        out.push_str("The cluster had no nodes.\n");
    }
    if let Some(error) = &x.error {
        out.push_str(&format!("Error: {error}\n"));
    }
    let best = x.best_nodes();
    match (&record.node, &record.message) {
        (Some(node), _) => {
            out.push_str(&format!("Chosen node: {node}"));
            if feasible == 1 {
                out.push_str(" (the only feasible node: the scheduler does not score)");
            } else if best.len() > 1 && best.contains(&node.as_str()) {
                out.push_str(&format!(
                    " (highest FINAL shared by {}: the scheduler breaks the tie with its seeded \
                     random stream)",
                    best.join(", ")
                ));
            }
            out.push('\n');
        }
        (None, Some(message)) => out.push_str(&format!("FailedScheduling: {message}\n")),
        (None, None) => {}
    }
    if feasible > x.feasible_to_find {
        out.push_str(&format!(
            "Note: the scheduler stops filtering after {} feasible nodes \
             (percentageOfNodesToScore) and scores only those; this table scores all {feasible}.\n",
            x.feasible_to_find
        ));
    }
    out
}

/// `explain scenario`: the overview of the scenarios given with -f, of the run given with
/// --run, or, with neither, the Scenario document's top-level fields.
fn explain_scenario(args: &ExplainArgs) -> Result<String, CliError> {
    let has_paths = !args.paths.is_empty() || !args.files.is_empty();
    if has_paths {
        let scenarios = super::load(&InputArgs {
            paths: args.paths.clone(),
            files: args.files.clone(),
            strict: false,
        })?;
        let texts: Vec<String> = scenarios.iter().map(overview).collect();
        return Ok(texts.join("\n---\n\n"));
    }
    let Some(_) = &args.run else {
        return fields::explain_field("").ok_or_else(|| {
            CliError::Internal("the Scenario document has no documentation".into())
        });
    };
    let dir = run_dir(args, "scenario")?;
    let manifest_path = dir.join("manifest.json");
    let manifest: serde_json::Value = serde_json::from_str(&read_text(&manifest_path)?)
        .map_err(|e| CliError::Usage(format!("{}: {e}", manifest_path.display())))?;
    let inputs: Vec<String> = manifest["inputs"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|i| i["path"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut out = format!(
        "Run:          {}\nSeed:         {}\nScenario SHA: {}\n",
        dir.display(),
        manifest["seed"],
        manifest["scenario_sha256"].as_str().unwrap_or("-")
    );
    out.push_str(&format!(
        "Scheduling:   {}\n\n",
        if dir.join(SCHEDULING_FILE).is_file() {
            "recorded (explain pod/NAME --run DIR)"
        } else {
            "not recorded (run with --record-scheduling for explain pod/NAME)"
        }
    ));
    let name = manifest["scenario"].as_str().unwrap_or_default();
    let loaded = if inputs.is_empty() || inputs.iter().any(|p| p == "-") {
        Err("the run read standard input".to_string())
    } else {
        load_quietly(&inputs).map_err(|e| e.to_string())
    };
    match loaded.map(|list| list.into_iter().find(|s| s.name == name)) {
        Ok(Some(s)) => {
            if manifest["scenario_sha256"].as_str() != Some(s.sha256.as_str()) {
                out.push_str(
                    "Warning: the scenario files changed since this run; below is what they \
                     hold now.\n\n",
                );
            }
            out.push_str(&overview(&s));
        }
        Ok(None) | Err(_) => {
            out.push_str(&format!(
                "Name:         {name}\nInputs:       {}\n(the scenario files cannot be read again \
                 from here: give them with -f for the full overview)\n",
                inputs.join(", ")
            ));
        }
    }
    Ok(out)
}

fn load_quietly(paths: &[String]) -> Result<Vec<Scenario>, ScenarioError> {
    let inputs = crate::scenario::read_inputs(paths)?;
    crate::scenario::load(&inputs, crate::scenario::LoadOptions { strict: false })
}

fn window(e: &Expectation) -> String {
    let t = |t: crate::sim::time::SimTime| {
        format_duration(i64::try_from(t.as_nanos()).unwrap_or(i64::MAX))
    };
    match e.window {
        Window::Default => "whole run".into(),
        Window::During(from, to) => format!("[{}, {}]", t(from), t(to)),
        Window::At(at) => format!("at {}", t(at)),
    }
}

const MAX_ROWS: usize = 20;

fn more(out: &mut String, total: usize) {
    if total > MAX_ROWS {
        out.push_str(&format!("... and {} more\n", total - MAX_ROWS));
    }
}

/// The overview of one scenario: name, description, nodes, objects, timeline, expectations.
pub fn overview(s: &Scenario) -> String {
    let mut out = format!("Name:         {}\n", s.name);
    let description = if s.description.trim().is_empty() {
        "<none>".to_string()
    } else {
        s.description.trim().to_string()
    };
    out.push_str(&format!("Description:  {description}\n"));
    out.push_str(&format!("Seed:         {}\n", s.seed));
    out.push_str(&format!(
        "Duration:     {}\n",
        format_duration(i64::try_from(s.duration.as_nanos()).unwrap_or(i64::MAX))
    ));
    out.push_str(&format!(
        "Kubernetes:   {}.{}\n",
        s.kubernetes_version.0, s.kubernetes_version.1
    ));
    let inputs: Vec<&str> = s.inputs.iter().map(|i| i.path.as_str()).collect();
    out.push_str(&format!("Inputs:       {}\n", inputs.join(", ")));

    // Nodes, by pool (nodes from manifests or traces one by one).
    out.push_str(&format!("\nNodes ({}):\n", s.nodes.len()));
    let mut groups: Vec<(String, usize, Vec<String>, &crate::model::node::Node)> = Vec::new();
    for node in &s.nodes {
        let zone = node
            .labels
            .get("topology.kubernetes.io/zone")
            .cloned()
            .unwrap_or_default();
        match (&node.pool, groups.last_mut()) {
            (Some(pool), Some(last)) if last.0 == format!("pool {pool}") => {
                last.1 += 1;
                if !zone.is_empty() && !last.2.contains(&zone) {
                    last.2.push(zone);
                }
            }
            (pool, _) => groups.push((
                pool.as_ref().map_or_else(
                    || format!("node/{}", node.name),
                    |pool| format!("pool {pool}"),
                ),
                1,
                if zone.is_empty() { vec![] } else { vec![zone] },
                node,
            )),
        }
    }
    let mut t = table(&["NODES", "COUNT", "ZONES", "CPU", "MEMORY", "TAINTS"]);
    for (name, count, zones, node) in groups.iter().take(MAX_ROWS) {
        let taints: Vec<String> = node
            .taints
            .iter()
            .map(|t| format!("{}={}:{:?}", t.key, t.value, t.effect))
            .collect();
        t.add_row(vec![
            name.clone(),
            count.to_string(),
            if zones.is_empty() {
                "-".into()
            } else {
                zones.join(",")
            },
            format_millis(node.allocatable.cpu_millis),
            format_bytes(node.allocatable.memory_bytes),
            if taints.is_empty() {
                "-".into()
            } else {
                taints.join(",")
            },
        ]);
    }
    out.push_str(&render(&t));
    out.push('\n');
    more(&mut out, groups.len());

    out.push_str(&format!("\nObjects ({}):\n", s.objects.len()));
    if !s.objects.is_empty() {
        let mut t = table(&["KIND", "NAME"]);
        for object in s.objects.iter().take(MAX_ROWS) {
            t.add_row(vec![object.kind().to_string(), object.name().to_string()]);
        }
        out.push_str(&render(&t));
        out.push('\n');
        more(&mut out, s.objects.len());
    }

    out.push_str(&format!("\nTimeline ({}):\n", s.timeline.len()));
    if !s.timeline.is_empty() {
        let mut t = table(&["AT", "ACTION", "DETAILS"]);
        for action in s.timeline.iter().take(MAX_ROWS) {
            let (name, details) = action.action.describe();
            t.add_row(vec![
                format_duration(i64::try_from(action.at.as_nanos()).unwrap_or(i64::MAX)),
                name,
                details,
            ]);
        }
        out.push_str(&render(&t));
        out.push('\n');
        more(&mut out, s.timeline.len());
    }

    out.push_str(&format!("\nExpectations ({}):\n", s.expectations.len()));
    if !s.expectations.is_empty() {
        let mut t = table(&["NAME", "TARGET", "WINDOW", "MIN", "MAX"]);
        let bound = |v: Option<f64>| v.map_or("-".to_string(), format_value);
        for e in s.expectations.iter().take(MAX_ROWS) {
            t.add_row(vec![
                e.name.clone(),
                e.target
                    .as_ref()
                    .map_or("cluster".into(), ObjectRef::to_string),
                window(e),
                bound(e.min),
                bound(e.max),
            ]);
        }
        out.push_str(&render(&t));
        out.push('\n');
        more(&mut out, s.expectations.len());
    }
    out
}
