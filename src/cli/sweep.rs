//! `timonel sweep`: the Cartesian product of `--param` values over one scenario, each point run
//! `--runs` times; `--shard I/N` runs only the work units `u` (point × runs + run) with
//! `u % N == I`, and [`super::merge`] puts shards together into exactly the files an unsharded
//! sweep writes.
//!
//! Layout of the output folder: `point-<i>/run-<k>/` (the files of one run), `point-<i>/summary.json`
//! and `manifest.json` (statistics over the point's runs, its parameters), `sweep.json` and
//! `sweep.csv` (every numeric metric's statistics per point), the charts
//! (`sweep-<metric>.svg/png`) and `report.html`. A shard writes its runs and `shard.json` (the
//! plan and which shard it is) instead of the statistics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::present;
use super::runs::{self, Unit};
use super::{CliError, InputArgs, OutputFormat};
use crate::export;
use crate::metrics::statistics::{self, Stats};
use crate::pipeline::{DEFAULT_MAX_EVENTS, RunOptions};
use crate::scenario::patch::{self, Editable};
use crate::scenario::yaml::Node;
use crate::scenario::{self, Scenario};

/// Most points one sweep may have.
pub const MAX_POINTS: usize = 100_000;

/// `timonel sweep` arguments.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  timonel sweep web.yaml --param maxSurge=0,1,25% --param replicas=2..10:2 --runs 5\n  timonel sweep web.yaml --param deployment/web.spec.strategy.rollingUpdate.maxSurge=1,2\n  timonel sweep web.yaml --param scenario.spec.cluster.nodePools[0].count=2..4 --shard 0/3 --out shard-0\n  timonel merge shard-0 shard-1 shard-2 --out sweep/       # the same files as without --shard\n\nNAME is a field written in the scenario's documents: a bare key (maxSurge) when exactly one\nfield has that name, kind/name.path for a manifest (deployment/web.spec.replicas), or\nscenario.path for the Scenario document. Values are YAML scalars (25% is a string, 3 an\ninteger, \"3\" a string); A..B or A..B:STEP is an inclusive integer range."
)]
pub struct SweepArgs {
    /// Inputs: exactly one scenario (plus manifest files or folders).
    #[command(flatten)]
    pub input: InputArgs,
    /// NAME=V1,V2,… or NAME=A..B or NAME=A..B:STEP (repeatable; points are the Cartesian product, the
    /// first parameter varying slowest).
    #[arg(long = "param", value_name = "NAME=VALUES", required = true)]
    pub params: Vec<String>,
    /// Runs per point, with seeds base, base+1, … (the same for every point).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub runs: u64,
    /// Base seed (default: the scenario's spec.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run only shard I of N (0-based): the work units u = point × runs + run with u % N = I.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Output folder (default results/sweep-NAME/, NAME the scenario's).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Threads (default: the number of cores); outputs do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub jobs: Option<u64>,
    /// Simulated time to stop at (Go duration; overrides spec.duration).
    #[arg(long, value_name = "DURATION")]
    pub until: Option<String>,
    /// Terminal output: the tables, sweep.json, or nothing.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,
    /// Print no Info lines, no progress bar and no table.
    #[arg(long)]
    pub quiet: bool,
    /// Most events one run may process before it stops with an error.
    #[arg(long, default_value_t = DEFAULT_MAX_EVENTS)]
    pub max_events: u64,
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// As given on the command line (`maxSurge`).
    pub name: String,
    /// The field it resolved to (`deployment/web.spec.strategy.rollingUpdate.maxSurge`).
    pub field: String,
    /// Its values, as written (`25%`, `3`).
    pub values: Vec<String>,
}

/// One point of the sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Index in the Cartesian product.
    pub index: usize,
    /// Its folder, `point-<index>`.
    pub dir: String,
    /// One value per parameter, in parameter order.
    pub values: Vec<String>,
    /// Its `manifest.json` without outputs (scenario, SHA-256 of the edited inputs, seed).
    pub manifest: Value,
}

/// Everything needed to finish a sweep from its run folders: written by every shard in
/// `shard.json`, so that `merge` needs no inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Version of this layout.
    pub schema_version: u32,
    /// The scenario's `metadata.name`.
    pub scenario: String,
    /// Runs per point.
    pub runs: u64,
    /// The seeds of runs 0..runs.
    pub seeds: Vec<u64>,
    /// The parameters.
    pub parameters: Vec<Param>,
    /// The points, in index order.
    pub points: Vec<Point>,
}

/// `shard.json`: which shard a folder holds and the plan of the whole sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// This shard's index, from 0.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
    /// The sweep.
    pub plan: Plan,
}

/// The name of a shard's description file.
pub const SHARD_FILE: &str = "shard.json";

/// Parses `I/N`.
pub fn parse_shard(text: &str) -> Result<(u64, u64), CliError> {
    let bad = |why: &str| CliError::Usage(format!("--shard {text:?}: {why}"));
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| bad("expected I/N, e.g. 0/3"))?;
    let i: u64 = i.trim().parse().map_err(|_| bad("I is not a number"))?;
    let n: u64 = n.trim().parse().map_err(|_| bad("N is not a number"))?;
    if n == 0 {
        return Err(bad("N must be at least 1"));
    }
    if i >= n {
        return Err(bad(&format!("I must be between 0 and {} (N - 1)", n - 1)));
    }
    Ok((i, n))
}

/// Splits `a,b,{x: 1, y: 2},"c,d"` at the commas outside brackets and quotes.
fn split_values(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0usize);
    for (i, c) in text.char_indices() {
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            (_, Some(_)) => {}
            ('[' | '{', None) => depth += 1,
            (']' | '}', None) => depth -= 1,
            (',', None) if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// `A..B` or `A..B:STEP` (inclusive, integers); `None` when `text` is not a range (`../a.csv`).
fn parse_range(name: &str, text: &str) -> Result<Option<Vec<i64>>, CliError> {
    let Some((from, rest)) = text.split_once("..") else {
        return Ok(None);
    };
    let bad = |why: String| CliError::Usage(format!("--param {name}: range {text:?}: {why}"));
    let (to, step) = match rest.split_once(':') {
        Some((to, step)) => (to, step),
        None => (rest, "1"),
    };
    if from.trim().parse::<i64>().is_err() || to.trim().parse::<i64>().is_err() {
        return Ok(None);
    }
    let number = |s: &str, what: &str| {
        s.trim().parse::<i64>().map_err(|_| {
            bad(format!(
                "{what} {s:?} is not an integer (ranges are A..B or A..B:STEP)"
            ))
        })
    };
    let (from, to, step) = (
        number(from, "start")?,
        number(to, "end")?,
        number(step, "step")?,
    );
    if step <= 0 {
        return Err(bad("the step must be positive".into()));
    }
    if from > to {
        return Err(bad(format!("the start {from} is after the end {to}")));
    }
    let count = (to - from) / step + 1;
    if count as usize > MAX_POINTS {
        return Err(bad(format!("more than {MAX_POINTS} values")));
    }
    Ok(Some((0..count).map(|i| from + i * step).collect()))
}

/// Fields a bare parameter name may mean even when the manifest leaves them to their defaults,
/// per lowercase kind.
const DEFAULTED_FIELDS: [(&str, &[&str]); 6] = [
    (
        "deployment",
        &[
            "spec.replicas",
            "spec.minReadySeconds",
            "spec.progressDeadlineSeconds",
            "spec.strategy.rollingUpdate.maxSurge",
            "spec.strategy.rollingUpdate.maxUnavailable",
        ],
    ),
    (
        "statefulset",
        &[
            "spec.replicas",
            "spec.minReadySeconds",
            "spec.updateStrategy.rollingUpdate.partition",
            "spec.updateStrategy.rollingUpdate.maxUnavailable",
        ],
    ),
    (
        "daemonset",
        &[
            "spec.minReadySeconds",
            "spec.updateStrategy.rollingUpdate.maxSurge",
            "spec.updateStrategy.rollingUpdate.maxUnavailable",
        ],
    ),
    ("replicaset", &["spec.replicas"]),
    (
        "job",
        &["spec.parallelism", "spec.completions", "spec.backoffLimit"],
    ),
    (
        "horizontalpodautoscaler",
        &["spec.minReplicas", "spec.maxReplicas"],
    ),
];

/// The full field names a bare parameter name can mean: every written field with that key, and
/// the well-known defaulted fields of that name ([`DEFAULTED_FIELDS`]).
fn candidates(editable: &Editable, key: &str) -> Vec<String> {
    let mut out = editable.fields_named(key);
    for target in editable.targets() {
        let kind = target.split('/').next().unwrap_or("");
        for (k, paths) in DEFAULTED_FIELDS {
            if k != kind {
                continue;
            }
            for path in paths.iter().filter(|p| p.rsplit('.').next() == Some(key)) {
                let field = format!("{target}.{path}");
                if !out.contains(&field) {
                    out.push(field);
                }
            }
        }
    }
    out
}

/// A parameter resolved against the scenario: its document, path and values.
struct Resolved {
    param: Param,
    target: String,
    path: String,
    nodes: Vec<Node>,
}

fn resolve(editable: &Editable, spec: &str) -> Result<Resolved, CliError> {
    let Some((name, values_text)) = spec.split_once('=') else {
        return Err(CliError::Usage(format!(
            "--param {spec:?}: expected NAME=V1,V2,… or NAME=A..B[:STEP]"
        )));
    };
    let name = name.trim();
    let field = if name.contains('.') || name.contains('/') {
        name.to_string()
    } else {
        match candidates(editable, name).as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(CliError::Usage(format!(
                    "--param {name}: no field named {name:?} is written in the scenario or its manifests; give a full path such as deployment/NAME.spec.strategy.rollingUpdate.maxSurge or scenario.spec.duration"
                )));
            }
            several => {
                return Err(CliError::Usage(format!(
                    "--param {name}: {} fields are named {name:?}; give one of them in full:\n  {}",
                    several.len(),
                    several.join("\n  ")
                )));
            }
        }
    };
    let (target, path) = editable.split_field(&field).map(|(t, p)| (t, p.to_string())).ok_or_else(|| {
        CliError::Usage(format!(
            "--param {name}: {field:?} does not start with a document of the scenario followed by a field path (documents: {})",
            editable.targets().join(", ")
        ))
    })?;
    let mut values = Vec::new();
    let mut nodes = Vec::new();
    for item in split_values(values_text) {
        let item = item.trim();
        if item.is_empty() {
            return Err(CliError::Usage(format!(
                "--param {name}: empty value in {values_text:?}"
            )));
        }
        match parse_range(name, item)? {
            Some(range) => {
                for v in range {
                    values.push(v.to_string());
                    nodes.push(patch::parse_value(&v.to_string()).map_err(CliError::Internal)?);
                }
            }
            None => {
                values.push(item.to_string());
                nodes.push(
                    patch::parse_value(item)
                        .map_err(|e| CliError::Usage(format!("--param {name}: {e}")))?,
                );
            }
        }
    }
    // Check the path once, before any run.
    let mut trial = editable.clone();
    trial
        .set(&target, &path, &nodes[0])
        .map_err(|e| CliError::Usage(format!("--param {name}: {e}")))?;
    Ok(Resolved {
        param: Param {
            name: name.to_string(),
            field,
            values,
        },
        path,
        target,
        nodes,
    })
}

/// The value indexes of point `index` (the first parameter varies slowest).
fn coordinates(index: usize, sizes: &[usize]) -> Vec<usize> {
    let mut rest = index;
    let mut out = vec![0; sizes.len()];
    for (slot, size) in out.iter_mut().zip(sizes).rev() {
        *slot = rest % size;
        rest /= size;
    }
    out
}

/// Runs `timonel sweep`.
pub fn sweep(args: &SweepArgs) -> Result<(), CliError> {
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let until = super::parse_until(args.until.as_deref())?;
    let inputs = super::read(&args.input)?;
    let scenarios = scenario::load(
        &inputs,
        scenario::LoadOptions {
            strict: args.input.strict,
        },
    )?;
    let [base] = <[Scenario; 1]>::try_from(scenarios).map_err(|s| {
        CliError::Usage(format!(
            "sweep varies one scenario; the inputs hold {}",
            s.len()
        ))
    })?;
    let editable = Editable::parse(&inputs)?;
    let mut resolved: Vec<Resolved> = Vec::new();
    for spec in &args.params {
        let r = resolve(&editable, spec)?;
        if resolved.iter().any(|o| o.param.field == r.param.field) {
            return Err(CliError::Usage(format!(
                "--param {}: {} is swept twice",
                r.param.name, r.param.field
            )));
        }
        resolved.push(r);
    }
    let sizes: Vec<usize> = resolved.iter().map(|r| r.nodes.len()).collect();
    let total = sizes
        .iter()
        .try_fold(1usize, |acc, n| acc.checked_mul(*n))
        .filter(|n| *n <= MAX_POINTS)
        .ok_or_else(|| CliError::Usage(format!("the sweep has more than {MAX_POINTS} points")))?;
    let base_seed = args.seed.unwrap_or(base.seed);
    let seeds: Vec<u64> = (0..args.runs).map(|k| base_seed.wrapping_add(k)).collect();
    let mut scenarios = Vec::with_capacity(total);
    let mut points = Vec::with_capacity(total);
    for index in 0..total {
        let coords = coordinates(index, &sizes);
        let mut edited = editable.clone();
        let mut values = Vec::new();
        for (r, &c) in resolved.iter().zip(&coords) {
            edited
                .set(&r.target, &r.path, &r.nodes[c])
                .map_err(|e| CliError::Usage(format!("--param {}: {e}", r.param.name)))?;
            values.push(r.param.values[c].clone());
        }
        let label = resolved
            .iter()
            .zip(&values)
            .map(|(r, v)| format!("{}={v}", r.param.name))
            .collect::<Vec<_>>()
            .join(", ");
        let s = super::load_edited(
            &edited,
            args.input.strict,
            &format!("sweep point {index} ({label})"),
        )?;
        points.push(Point {
            index,
            dir: format!("point-{index}"),
            values,
            manifest: export::manifest::build(&s, base_seed, &[]),
        });
        scenarios.push(s);
    }
    let plan = Plan {
        schema_version: export::manifest::SCHEMA_VERSION,
        scenario: base.name.clone(),
        runs: args.runs,
        seeds: seeds.clone(),
        parameters: resolved.into_iter().map(|r| r.param).collect(),
        points,
    };
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(format!("sweep-{}", base.name)));
    eprintln!(
        "timonel: sweep of scenario {} sha256 {}: {total} point(s) × {} run(s), seeds {}..{}{}",
        base.name,
        base.sha256,
        args.runs,
        seeds[0],
        seeds[seeds.len() - 1],
        shard.map_or(String::new(), |(i, n)| format!(", shard {i}/{n}"))
    );
    // Every point's loader notes (an edited field the loader does not know gives a Warning),
    // each once.
    let mut notes: Vec<String> = Vec::new();
    for note in scenarios.iter().flat_map(|s| &s.notes) {
        if !notes.contains(note) {
            notes.push(note.clone());
        }
    }
    super::print_notes(&notes, args.quiet);
    let runs = args.runs as usize;
    let mut units = Vec::new();
    let mut labels = Vec::new();
    for (index, s) in scenarios.iter().enumerate() {
        for (k, &seed) in seeds.iter().enumerate() {
            let unit = (index * runs + k) as u64;
            if shard.is_some_and(|(i, n)| unit % n != i) {
                continue;
            }
            units.push(Unit {
                scenario: s,
                options: RunOptions {
                    seed,
                    until: until.unwrap_or(s.duration),
                    max_events: args.max_events,
                    check_invariants: cfg!(debug_assertions),
                    record_scheduling: false,
                },
                dir: out_dir
                    .join(format!("point-{index}"))
                    .join(format!("run-{k}")),
                // A sweep writes data only: its points are many, their charts would cost more
                // than the runs.
                presentation: runs::Presentation::None,
            });
            labels.push((index, k, seed));
        }
    }
    let outcomes = runs::run_units(&units, args.jobs, args.quiet)?;
    let mut failed = 0;
    for (outcome, (index, k, seed)) in outcomes.iter().zip(&labels) {
        for name in &outcome.failures {
            failed += 1;
            eprintln!(
                "FAIL: {} (point {index}, run {k}, seed {seed}): {name}",
                base.name
            );
        }
    }
    if let Some(first) = outcomes.first() {
        super::print_notes(&first.notes, args.quiet);
    }
    match shard {
        Some((index, count)) => {
            let file = ShardFile { index, count, plan };
            let text = runs::json_text(
                &serde_json::to_value(&file).map_err(|e| CliError::Internal(e.to_string()))?,
            )?;
            let path = out_dir.join(SHARD_FILE);
            export::write_atomic(&path, text.as_bytes())
                .map_err(|e| CliError::Runtime(format!("cannot write {}: {e}", path.display())))?;
            eprintln!(
                "timonel: shard {index}/{count}: {} of {} run(s); merge the shards with `timonel merge`",
                units.len(),
                total * runs
            );
        }
        None => {
            let report = finish(&out_dir, &plan)?;
            print_report(&report, args.output, args.quiet);
        }
    }
    eprintln!("timonel: wrote {}", out_dir.display());
    if failed > 0 {
        return Err(CliError::ExpectationsFailed(failed));
    }
    Ok(())
}

/// Prints a finished sweep (`sweep.json` on `-o json`).
pub fn print_report(report: &Report, output: OutputFormat, quiet: bool) {
    match output {
        OutputFormat::Table if !quiet => super::out(&table(report)),
        OutputFormat::Json => super::out(&report.json),
        _ => {}
    }
}

/// One point's statistics in `sweep.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointStats {
    /// Index in the Cartesian product.
    pub index: usize,
    /// Its folder.
    pub dir: String,
    /// Parameter name → value.
    pub parameters: BTreeMap<String, String>,
    /// Expectation failures over its runs.
    pub expectations_failed: usize,
    /// Every numeric metric's statistics over its runs.
    pub metrics: BTreeMap<String, Stats>,
}

/// A finished sweep: `sweep.json`'s data and text.
#[derive(Debug, Clone)]
pub struct Report {
    /// The plan.
    pub plan: Plan,
    /// Per point.
    pub points: Vec<PointStats>,
    /// `sweep.json` as written.
    pub json: String,
    /// Expectation failures over all runs.
    pub failed: usize,
}

fn read_json(path: &Path) -> Result<Value, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Runtime(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| CliError::Runtime(format!("{}: not valid JSON: {e}", path.display())))
}

/// Writes every point's `summary.json` and `manifest.json`, then `sweep.json`, `sweep.csv`, the
/// charts and `report.html` ([`present::sweep_files`]), from the run folders under `dir` (the
/// same code after a sweep and after a merge, so both write the same bytes).
pub fn finish(dir: &Path, plan: &Plan) -> Result<Report, CliError> {
    let mut points = Vec::new();
    let mut failed_total = 0;
    for point in &plan.points {
        let point_dir = dir.join(&point.dir);
        let mut summaries = Vec::new();
        for k in 0..plan.runs {
            let path = point_dir.join(format!("run-{k}")).join("summary.json");
            if !path.is_file() {
                return Err(CliError::Usage(format!(
                    "{} is missing: did every shard finish? (a sweep's runs are point-<i>/run-<k>/)",
                    path.display()
                )));
            }
            summaries.push(read_json(&path)?);
        }
        let refs: Vec<&Value> = summaries.iter().collect();
        let parameters: BTreeMap<String, String> = plan
            .parameters
            .iter()
            .zip(&point.values)
            .map(|(p, v)| (p.name.clone(), v.clone()))
            .collect();
        let mut top = runs::aggregate(&plan.scenario, &refs, &plan.seeds);
        top["parameters"] = json!(parameters);
        top["point"] = json!(point.index);
        runs::write_aggregate_text(&point.manifest, &runs::json_text(&top)?, &point_dir)?;
        let failed: usize = summaries
            .iter()
            .map(|s| {
                s["expectations"].as_array().map_or(0, |l| {
                    l.iter().filter(|e| e["passed"] == json!(false)).count()
                })
            })
            .sum();
        failed_total += failed;
        points.push(PointStats {
            index: point.index,
            dir: point.dir.clone(),
            parameters,
            expectations_failed: failed,
            metrics: statistics::samples_by_metric(&refs)
                .into_iter()
                .map(|(name, values)| (name, statistics::stats(&values)))
                .collect(),
        });
    }
    let json = runs::json_text(&json!({
        "schema_version": plan.schema_version,
        "scenario": plan.scenario,
        "runs": plan.runs,
        "seeds": plan.seeds,
        "parameters": plan.parameters,
        "points": points,
    }))?;
    let mut files = vec![
        ("sweep.json".to_string(), json.clone().into_bytes()),
        ("sweep.csv".to_string(), csv(plan, &points)),
    ];
    files.extend(present::sweep_files(plan, &points)?);
    for (name, bytes) in files {
        let path = dir.join(name);
        export::write_atomic(&path, &bytes)
            .map_err(|e| CliError::Runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(Report {
        plan: plan.clone(),
        points,
        json,
        failed: failed_total,
    })
}

/// `sweep.csv`: one row per point and metric: `point`, the parameters, `metric`, statistics.
fn csv(plan: &Plan, points: &[PointStats]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(plan.parameters.iter().map(|p| p.name.clone()));
    header.extend(
        [
            "metric",
            "mean",
            "stddev",
            "min",
            "max",
            "ci95_low",
            "ci95_high",
            "n",
        ]
        .map(String::from),
    );
    let _ = w.write_record(&header);
    for (point, stats) in plan.points.iter().zip(points) {
        for (name, s) in &stats.metrics {
            let mut row = vec![point.index.to_string()];
            row.extend(point.values.iter().cloned());
            row.push(name.clone());
            row.extend(
                [s.mean, s.stddev, s.min, s.max, s.ci95_low, s.ci95_high].map(export::format_value),
            );
            row.push(s.n.to_string());
            let _ = w.write_record(&row);
        }
    }
    w.into_inner().unwrap_or_default()
}

/// The terminal tables: the points, then one table per key metric.
pub fn table(report: &Report) -> String {
    let plan = &report.plan;
    let fig = |v: f64| export::format_value((v * 1e4).round() / 1e4);
    let mut header: Vec<String> = vec!["POINT".into()];
    header.extend(plan.parameters.iter().map(|p| {
        let last = yaml_last_key(&p.name);
        last.to_uppercase()
    }));
    let mut names: Vec<&String> = report
        .points
        .iter()
        .flat_map(|p| p.metrics.keys())
        .filter(|n| statistics::key_rank(n).is_some())
        .collect();
    names.sort_by_key(|n| (statistics::key_rank(n), *n));
    names.dedup();
    let mut out = format!(
        "sweep of {}: {} point(s) × {} run(s)\n",
        plan.scenario,
        plan.points.len(),
        plan.runs
    );
    for name in names {
        let mut h: Vec<&str> = header.iter().map(String::as_str).collect();
        h.extend(["MEAN ± SD", "MIN … MAX", "95% CI"]);
        let mut t = export::table::table(&h);
        for (point, stats) in plan.points.iter().zip(&report.points) {
            let mut row = vec![point.index.to_string()];
            row.extend(point.values.iter().cloned());
            match stats.metrics.get(name) {
                Some(s) => row.extend([
                    format!("{} ± {}", fig(s.mean), fig(s.stddev)),
                    format!("{} … {}", fig(s.min), fig(s.max)),
                    format!("[{}, {}]", fig(s.ci95_low), fig(s.ci95_high)),
                ]),
                None => row.extend(["-".into(), "-".into(), "-".into()]),
            }
            t.add_row(row);
        }
        out.push_str(&format!("\n{name}\n{}\n", export::table::render(&t)));
    }
    out
}

/// The last key of a parameter name (`maxSurge` of `deployment/web.spec…maxSurge`).
fn yaml_last_key(name: &str) -> &str {
    name.rsplit(['.', '/']).next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_ranges_and_shards() {
        assert_eq!(split_values("0,1,25%"), ["0", "1", "25%"]);
        assert_eq!(
            split_values("{a: 1, b: 2},\"x,y\""),
            ["{a: 1, b: 2}", "\"x,y\""]
        );
        assert_eq!(
            parse_range("r", "2..10:2").unwrap(),
            Some(vec![2, 4, 6, 8, 10])
        );
        assert_eq!(parse_range("r", "3..3").unwrap(), Some(vec![3]));
        assert_eq!(parse_range("r", "25%").unwrap(), None);
        assert!(parse_range("r", "5..1").is_err());
        assert!(parse_range("r", "1..5:0").is_err());
        assert_eq!(parse_range("r", "../a.csv").unwrap(), None);
        assert!(parse_range("r", "1..5:x").is_err());
        assert_eq!(parse_shard("2/3").unwrap(), (2, 3));
        assert!(parse_shard("3/3").is_err());
        assert!(parse_shard("0/0").is_err());
        assert!(parse_shard("1").is_err());
        assert_eq!(coordinates(5, &[3, 2]), [2, 1]);
        assert_eq!(coordinates(1, &[3, 2]), [0, 1]);
    }
}
