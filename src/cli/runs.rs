//! Running many simulations: a local rayon pool of `--jobs` threads, results collected in the
//! order of the work list (so no output depends on the thread count), a progress bar on a
//! terminal, and the files of each run.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use super::CliError;
use crate::export;
use crate::metrics::{RunResults, summary};
use crate::pipeline::{self, RunOptions};
use crate::scenario::Scenario;

/// One simulation to run: a scenario, its options (seed included) and its output folder.
#[derive(Debug)]
pub struct Unit<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Seed, stop time, limits.
    pub options: RunOptions,
    /// Where its files go.
    pub dir: PathBuf,
    /// Charts and report, or not.
    pub presentation: Presentation,
}

/// Which presentation files a run gets besides its data files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presentation {
    /// Charts (`*.svg`, `*.png`) and `report.html` with them inline.
    Full,
    /// `report.html` without charts (`--no-charts`).
    ReportOnly,
    /// Neither (Monte Carlo runs after the first).
    None,
}

impl Presentation {
    /// Of several runs of one scenario, only run 0 gets a report (with charts unless
    /// `no_charts`).
    pub fn first_run_only(k: usize, no_charts: bool) -> Presentation {
        match (k, no_charts) {
            (0, false) => Presentation::Full,
            (0, true) => Presentation::ReportOnly,
            _ => Presentation::None,
        }
    }
}

/// What one finished run leaves for the statistics.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Its `summary.json`, as written.
    pub summary: Value,
    /// Names of the expectations that failed.
    pub failures: Vec<String>,
    /// Notes of the run (`Info:`/`Warning:` lines).
    pub notes: Vec<String>,
}

/// Maps a pipeline failure to the CLI's error (and exit code).
pub fn run_error(s: &Scenario, seed: u64, e: pipeline::RunError) -> CliError {
    match e {
        pipeline::RunError::Limit(e) => {
            CliError::Runtime(format!("scenario {} (seed {seed}): {e}", s.name))
        }
        pipeline::RunError::Invariant(m) => CliError::Internal(format!(
            "scenario {} (seed {seed}): invariant violated: {m}",
            s.name
        )),
        pipeline::RunError::Config(m) => CliError::Usage(format!("scenario {}: {m}", s.name)),
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    export::write_atomic(path, bytes)
        .map_err(|e| CliError::Runtime(format!("cannot write {}: {e}", path.display())))
}

/// Pretty JSON with a final newline, as every JSON output is written.
pub fn json_text(value: &Value) -> Result<String, CliError> {
    Ok(serde_json::to_string_pretty(value).map_err(|e| CliError::Internal(e.to_string()))? + "\n")
}

/// Writes every output file of one run into `dir`; returns summary.json's text.
pub fn write_outputs(
    s: &Scenario,
    results: &RunResults,
    dir: &Path,
    presentation: Presentation,
) -> Result<String, CliError> {
    let summary_value = summary::build(results);
    let summary_text = json_text(&summary_value)?;
    let events = export::csv_files::events(results);
    let events_jsonl = export::jsonl::events(results);
    let timeseries = export::csv_files::timeseries(results);
    let pods = export::csv_files::pods(results);
    let scheduling = export::scheduling::jsonl(results);
    let charts = match presentation {
        Presentation::Full => export::charts::run::run_charts(s, results)
            .map_err(|e| CliError::Internal(format!("scenario {}: {e}", s.name)))?,
        Presentation::ReportOnly | Presentation::None => Vec::new(),
    };
    let report = match presentation {
        Presentation::Full => Some(export::report::build(
            s,
            results,
            &summary_value,
            export::report::Charts::Drawn(&charts),
        )),
        Presentation::ReportOnly => Some(export::report::build(
            s,
            results,
            &summary_value,
            export::report::Charts::Skipped,
        )),
        Presentation::None => None,
    };
    let chart_files: Vec<(String, &[u8])> = charts.iter().flat_map(|c| c.files()).collect();
    let mut files: Vec<(&str, &[u8])> = vec![
        ("summary.json", summary_text.as_bytes()),
        ("events.csv", &events),
        (export::jsonl::EVENTS_FILE, &events_jsonl),
        ("timeseries.csv", &timeseries),
        ("pods.csv", &pods),
    ];
    if let Some(bytes) = &scheduling {
        files.push((export::scheduling::FILE_NAME, bytes));
    }
    files.extend(
        chart_files
            .iter()
            .map(|(name, bytes)| (name.as_str(), *bytes)),
    );
    if let Some(report) = &report {
        files.push(("report.html", report.as_bytes()));
    }
    let manifest = json_text(&export::manifest::build(s, results.seed, &files))?;
    for (name, bytes) in files
        .iter()
        .chain(std::iter::once(&("manifest.json", manifest.as_bytes())))
    {
        write_file(&dir.join(name), bytes)?;
    }
    Ok(summary_text.trim_end().to_string())
}

/// Runs one unit and writes its files.
fn run_unit(unit: &Unit) -> Result<Outcome, CliError> {
    let s = unit.scenario;
    let results = pipeline::run(s, unit.options).map_err(|e| run_error(s, unit.options.seed, e))?;
    let text = write_outputs(s, &results, &unit.dir, unit.presentation)?;
    let summary: Value =
        serde_json::from_str(&text).map_err(|e| CliError::Internal(e.to_string()))?;
    let failures = results
        .expectations
        .iter()
        .filter(|e| !e.passed)
        .map(|e| e.name.clone())
        .collect();
    Ok(Outcome {
        summary,
        failures,
        notes: results.world.notes,
    })
}

/// Whether terminal colours are wanted: not when `NO_COLOR` is set to anything non-empty
/// (<https://no-color.org>). The one place that reads it.
fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A progress bar on standard error when it is a terminal and `quiet` is off; hidden otherwise.
fn progress_bar(len: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || len < 2 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let template = if color_enabled() {
        "{spinner:.green} [{elapsed_precise}] {bar:40.cyan/blue} {pos}/{len} runs ({eta} left)"
    } else {
        "[{elapsed_precise}] {bar:40} {pos}/{len} runs ({eta} left)"
    };
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Runs every unit on a pool of `jobs` threads (default: the number of cores), with a progress
/// bar unless `quiet`; the outcomes come back in the order of `units`. The first failure (in
/// that order) is returned as the error.
pub fn run_units(units: &[Unit], jobs: Option<u64>, quiet: bool) -> Result<Vec<Outcome>, CliError> {
    let threads = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u64))
        .clamp(1, units.len().max(1) as u64) as usize;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::Runtime(format!("cannot start {threads} threads: {e}")))?;
    let bar = progress_bar(units.len() as u64, quiet);
    let outcomes: Vec<Result<Outcome, CliError>> = pool.install(|| {
        units
            .par_iter()
            .map(|unit| {
                let outcome = run_unit(unit);
                bar.inc(1);
                outcome
            })
            .collect()
    });
    bar.finish_and_clear();
    outcomes.into_iter().collect()
}

/// The statistics of one scenario's runs (`run --runs N`, a compare variant, a sweep point):
/// [`summary::aggregate_runs`] plus the scenario name, the run count and the seeds.
pub fn aggregate(name: &str, outcomes: &[&Value], seeds: &[u64]) -> Value {
    let mut top = summary::aggregate_runs(outcomes);
    top["scenario"] = serde_json::json!(name);
    top["runs"] = serde_json::json!(seeds.len());
    top["seeds"] = serde_json::json!(seeds);
    top
}

/// Writes the top `summary.json` and `manifest.json` of several runs into `dir`; returns the
/// summary's text.
pub fn write_aggregate(
    s: &Scenario,
    seed: u64,
    top: &Value,
    dir: &Path,
) -> Result<String, CliError> {
    let text = json_text(top)?;
    write_aggregate_text(&export::manifest::build(s, seed, &[]), &text, dir)?;
    Ok(text)
}

/// Writes `summary_text` and a `manifest.json` made of `header` (a manifest without outputs)
/// plus the summary's checksum.
pub fn write_aggregate_text(
    header: &Value,
    summary_text: &str,
    dir: &Path,
) -> Result<(), CliError> {
    let mut manifest = header.clone();
    manifest["outputs"] = serde_json::json!({
        "summary.json": crate::scenario::load::sha256_hex(summary_text.as_bytes())
    });
    write_file(&dir.join("summary.json"), summary_text.as_bytes())?;
    write_file(&dir.join("manifest.json"), json_text(&manifest)?.as_bytes())
}
