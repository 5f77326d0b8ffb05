//! The command line (CONTRACT §2). The only place that reads argv and the environment.
//!
//! `run` reads the stages in order: load → simulate → evaluate → export.

pub mod explain;
mod fields;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use thiserror::Error;

use crate::export;
use crate::metrics::{RunResults, summary};
use crate::pipeline::{self, DEFAULT_MAX_EVENTS, RunOptions};
use crate::scenario::duration::parse_duration;
use crate::scenario::{self, LoadOptions, Scenario, ScenarioError};
use crate::sim::time::SimTime;

/// timonel: a deterministic simulator of a Kubernetes cluster.
#[derive(Debug, Parser)]
#[command(
    name = "timonel",
    version,
    about,
    after_help = "Examples:\n  timonel run scenarios/nginx-rolling-update.yaml        # simulate, print a summary, write results/<name>/ (open its report.html)\n  timonel run my-scenario.yaml k8s/ --seed 7 --out out/  # add your own manifests from a folder\n  timonel run s.yaml --runs 20 --jobs 2 --no-charts      # Monte Carlo over seeds base..base+19, no charts\n  timonel validate scenarios/                            # check files without simulating\n  timonel explain pod/NAME --run results/s/              # why a pod went where it went (run with --record-scheduling)",
    long_about = "timonel replays hours of a Kubernetes cluster's life in seconds, deterministically from a seed: \
real manifests, the kube-scheduler, the Deployment and ReplicaSet controllers, kubelets pulling images and probing. \
It writes Kubernetes-style events, availability and resource series, and a summary."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate scenarios and write their outputs: CSV and JSON data, charts (SVG and PNG) and
    /// report.html; index.html with several scenarios (exit 3 when an expectation fails).
    Run(RunArgs),
    /// Parse and validate scenarios without simulating.
    Validate(InputArgs),
    /// Explain a scenario, a Scenario field, or an object of a run (for a pod: why the scheduler
    /// put it where it did; needs `run --record-scheduling`).
    #[command(
        after_help = "Examples:\n  timonel explain scenario -f scenarios/zone-spread.yaml    # what a scenario holds\n  timonel explain spec.timeline                               # documentation of a Scenario field\n  timonel run s.yaml --out out/ --record-scheduling\n  timonel explain pod/web-7c9d-x2k --run out/                 # every plugin's verdict and score\n  timonel explain deployment/web --run out/                   # an object's events and series"
    )]
    Explain(explain::ExplainArgs),
}

/// Input paths.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Scenario files, directories (every *.yaml/*.yml, sorted) or - for stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Same as a positional PATH; repeatable.
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub files: Vec<String>,
    /// Unknown fields are errors instead of warnings.
    #[arg(long)]
    pub strict: bool,
}

/// Output format of the terminal summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// kubectl-style tables.
    Table,
    /// summary.json on stdout.
    Json,
    /// Nothing on stdout.
    None,
}

/// `timonel run` arguments.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder (default results/<scenario name>/; with several scenarios, DIR/<name>/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Master seed (overrides spec.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulated time to stop at (Go duration; overrides spec.duration).
    #[arg(long, value_name = "DURATION")]
    pub until: Option<String>,
    /// Terminal summary format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,
    /// Print no Info lines and no summary table.
    #[arg(long)]
    pub quiet: bool,
    /// Monte Carlo: run each scenario N times with seeds base, base+1, … into run-<k>/, and
    /// write statistics over the runs to the top summary.json.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub runs: u64,
    /// Threads for --runs (default: the number of cores); outputs do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub jobs: Option<u64>,
    /// Most events one run may process before it stops with an error.
    #[arg(long, default_value_t = DEFAULT_MAX_EVENTS)]
    pub max_events: u64,
    /// Write no charts (*.svg, *.png); report.html is still written, without them. With --runs,
    /// charts and report.html are drawn for run-0 only.
    #[arg(long)]
    pub no_charts: bool,
    /// Also write scheduling.jsonl: every plugin's verdict and score at each pod's last
    /// scheduling attempt, for `timonel explain pod/NAME --run DIR` (slower; other files are
    /// unchanged).
    #[arg(long)]
    pub record_scheduling: bool,
}

/// A failure of a command, mapped to an exit code.
#[derive(Debug, Error)]
pub enum CliError {
    /// Bad input (exit 2).
    #[error("{0}")]
    Input(#[from] ScenarioError),
    /// Bad usage (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Environment failure, e.g. cannot write (exit 1).
    #[error("{0}")]
    Runtime(String),
    /// A bug (exit 4).
    #[error("{0}")]
    Internal(String),
    /// Some expectation failed (exit 3).
    #[error("{0} expectation(s) failed")]
    ExpectationsFailed(usize),
}

impl CliError {
    /// The exit code of CONTRACT §4.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Runtime(_) => 1,
            CliError::Input(_) | CliError::Usage(_) => 2,
            CliError::ExpectationsFailed(_) => 3,
            CliError::Internal(_) => 4,
        }
    }
}

fn load(input: &InputArgs) -> Result<Vec<Scenario>, CliError> {
    let mut paths = input.files.clone();
    paths.extend(input.paths.iter().cloned());
    if paths.is_empty() {
        return Err(CliError::Usage(
            "no input: give a scenario file, a directory or - (stdin); see --help".into(),
        ));
    }
    let inputs = scenario::read_inputs(&paths)?;
    Ok(scenario::load(
        &inputs,
        LoadOptions {
            strict: input.strict,
        },
    )?)
}

/// Runs the parsed command line; returns the process exit code's cause.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Validate(input) => {
            let scenarios = load(&input)?;
            for s in &scenarios {
                for note in &s.notes {
                    eprintln!("{note}");
                }
                let profiles = crate::scheduler::config::profiles_from_config(&s.scheduler)
                    .map_err(|e| {
                        CliError::Usage(format!(
                            "scenario {}: The KubeSchedulerConfiguration is invalid: {e}",
                            s.name
                        ))
                    })?;
                crate::scheduler::Scheduler::new(&profiles).map_err(|e| {
                    CliError::Usage(format!(
                        "scenario {}: The KubeSchedulerConfiguration is invalid: {e}",
                        s.name
                    ))
                })?;
                println!(
                    "scenario {} is valid ({} nodes, {} objects, {} timeline actions, {} expectations)",
                    s.name,
                    s.nodes.len(),
                    s.objects.len(),
                    s.timeline.len(),
                    s.expectations.len()
                );
            }
            Ok(())
        }
        Command::Run(args) => run_command(&args),
        Command::Explain(args) => {
            use std::io::Write;
            let text = explain::explain(&args)?;
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // A closed pipe (`| head`) is the reader's choice, not an error.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Runtime(
                    format!("cannot write to standard output: {e}"),
                )),
                _ => Ok(()),
            }
        }
    }
}

fn run_command(args: &RunArgs) -> Result<(), CliError> {
    let scenarios = load(&args.input)?;
    let until = match &args.until {
        Some(text) => {
            let ns = parse_duration(text).map_err(|e| CliError::Usage(format!("--until: {e}")))?;
            if ns <= 0 {
                return Err(CliError::Usage(format!(
                    "--until: must be positive: {text:?}"
                )));
            }
            Some(SimTime(ns as u64))
        }
        None => None,
    };
    let several = scenarios.len() > 1;
    let mut failed = 0;
    let mut index = Vec::new();
    for s in &scenarios {
        let seed = args.seed.unwrap_or(s.seed);
        eprintln!(
            "timonel: scenario {} seed {seed} sha256 {}",
            s.name, s.sha256
        );
        for note in &s.notes {
            if !(args.quiet && note.starts_with("Info:")) {
                eprintln!("{note}");
            }
        }
        let options = RunOptions {
            seed,
            until: until.unwrap_or(s.duration),
            max_events: args.max_events,
            check_invariants: cfg!(debug_assertions),
            record_scheduling: args.record_scheduling,
        };
        if args.runs > 1 {
            let out_dir = match (&args.out, several) {
                (Some(dir), false) => dir.clone(),
                (Some(dir), true) => dir.join(&s.name),
                (None, _) => Path::new("results").join(&s.name),
            };
            let (scenario_failed, checked) = run_many(s, args, options, &out_dir)?;
            failed += scenario_failed;
            index.push(export::index::Entry {
                name: s.name.clone(),
                description: s.description.clone(),
                report: format!("{}/run-0/report.html", s.name),
                failed: scenario_failed,
                checked,
            });
            eprintln!("timonel: wrote {}", out_dir.display());
            continue;
        }
        let results = pipeline::run(s, options).map_err(|e| match e {
            pipeline::RunError::Limit(e) => CliError::Runtime(format!("scenario {}: {e}", s.name)),
            pipeline::RunError::Config(m) => CliError::Usage(format!("scenario {}: {m}", s.name)),
            pipeline::RunError::Invariant(m) => CliError::Internal(format!(
                "scenario {} (seed {seed}): invariant violated: {m}",
                s.name
            )),
        })?;
        for note in &results.world.notes {
            if !(args.quiet && note.starts_with("Info:")) {
                eprintln!("{note}");
            }
        }
        let out_dir = match (&args.out, several) {
            (Some(dir), false) => dir.clone(),
            (Some(dir), true) => dir.join(&s.name),
            (None, _) => Path::new("results").join(&s.name),
        };
        let presentation = if args.no_charts {
            Presentation::ReportOnly
        } else {
            Presentation::Full
        };
        let summary_json = write_outputs(s, &results, &out_dir, presentation)?;
        index.push(export::index::Entry {
            name: s.name.clone(),
            description: s.description.clone(),
            report: format!("{}/report.html", s.name),
            failed: results.expectations.iter().filter(|e| !e.passed).count(),
            checked: results.expectations.len(),
        });
        match args.output {
            OutputFormat::Table if !args.quiet => {
                print!("{}", export::table::render_summary(&results))
            }
            OutputFormat::Json => println!("{summary_json}"),
            _ => {}
        }
        for e in results.expectations.iter().filter(|e| !e.passed) {
            failed += 1;
            let observed = e
                .observed
                .map_or("no value".to_string(), export::format_value);
            let bounds = match (e.min, e.max) {
                (Some(lo), Some(hi)) => format!(
                    "expected between {} and {}",
                    export::format_value(lo),
                    export::format_value(hi)
                ),
                (Some(lo), None) => format!("expected at least {}", export::format_value(lo)),
                (None, Some(hi)) => format!("expected at most {}", export::format_value(hi)),
                (None, None) => String::new(),
            };
            eprintln!(
                "FAIL: {}: {}: observed {observed}, {bounds}",
                s.name, e.name
            );
        }
        eprintln!("timonel: wrote {}", out_dir.display());
    }
    if several {
        let dir = args.out.clone().unwrap_or_else(|| PathBuf::from("results"));
        let path = dir.join("index.html");
        export::write_atomic(&path, export::index::build(&index).as_bytes())
            .map_err(|e| CliError::Runtime(format!("cannot write {}: {e}", path.display())))?;
        eprintln!("timonel: wrote {}", path.display());
    }
    if failed > 0 {
        return Err(CliError::ExpectationsFailed(failed));
    }
    Ok(())
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

/// Writes every output file of one run into `dir`; returns summary.json's text.
pub fn write_outputs(
    s: &Scenario,
    results: &RunResults,
    dir: &Path,
    presentation: Presentation,
) -> Result<String, CliError> {
    let summary_value = summary::build(results);
    let summary_text = serde_json::to_string_pretty(&summary_value)
        .map_err(|e| CliError::Internal(e.to_string()))?
        + "\n";
    let events = export::csv_files::events(results);
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
    let manifest = serde_json::to_string_pretty(&export::manifest::build(s, results.seed, &files))
        .map_err(|e| CliError::Internal(e.to_string()))?
        + "\n";
    for (name, bytes) in files
        .iter()
        .chain(std::iter::once(&("manifest.json", manifest.as_bytes())))
    {
        let path = dir.join(name);
        export::write_atomic(&path, bytes)
            .map_err(|e| CliError::Runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(summary_text.trim_end().to_string())
}

/// Runs one simulation and writes its files; returns its summary and failed expectations.
fn run_once(
    s: &Scenario,
    options: RunOptions,
    dir: &Path,
    presentation: Presentation,
) -> Result<(serde_json::Value, Vec<String>, Vec<String>), CliError> {
    let results = pipeline::run(s, options).map_err(|e| match e {
        pipeline::RunError::Limit(e) => {
            CliError::Runtime(format!("scenario {} (seed {}): {e}", s.name, options.seed))
        }
        pipeline::RunError::Invariant(m) => CliError::Internal(format!(
            "scenario {} (seed {}): invariant violated: {m}",
            s.name, options.seed
        )),
        pipeline::RunError::Config(m) => CliError::Usage(format!("scenario {}: {m}", s.name)),
    })?;
    let text = write_outputs(s, &results, dir, presentation)?;
    let summary: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| CliError::Internal(e.to_string()))?;
    let failures = results
        .expectations
        .iter()
        .filter(|e| !e.passed)
        .map(|e| e.name.clone())
        .collect();
    Ok((summary, failures, results.world.notes))
}

/// `run --runs N`: seeds base+k on `--jobs` threads, each run into `run-<k>/`, then statistics.
/// Only run-0 gets charts and report.html. Returns the failed and the checked expectations over
/// all runs.
fn run_many(
    s: &Scenario,
    args: &RunArgs,
    base: RunOptions,
    out_dir: &Path,
) -> Result<(usize, usize), CliError> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};
    type Outcome = Result<(serde_json::Value, Vec<String>, Vec<String>), CliError>;
    let runs = args.runs;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u64))
        .min(runs)
        .max(1);
    let next = AtomicU64::new(0);
    let outcomes: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..runs).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    if k >= runs {
                        break;
                    }
                    let options = RunOptions {
                        seed: base.seed.wrapping_add(k),
                        ..base
                    };
                    let presentation = match (k, args.no_charts) {
                        (0, false) => Presentation::Full,
                        (0, true) => Presentation::ReportOnly,
                        _ => Presentation::None,
                    };
                    let outcome =
                        run_once(s, options, &out_dir.join(format!("run-{k}")), presentation);
                    if let Ok(mut slots) = outcomes.lock() {
                        slots[k as usize] = Some(outcome);
                    }
                }
            });
        }
    });
    let outcomes = outcomes
        .into_inner()
        .map_err(|_| CliError::Internal("a run thread panicked".into()))?;
    let mut summaries = Vec::new();
    let mut failed = 0;
    for (k, outcome) in outcomes.into_iter().enumerate() {
        let (summary, failures, notes) =
            outcome.ok_or_else(|| CliError::Internal(format!("run {k} did not finish")))??;
        if k == 0 {
            for note in notes {
                if !(args.quiet && note.starts_with("Info:")) {
                    eprintln!("{note}");
                }
            }
        }
        for name in failures {
            failed += 1;
            eprintln!(
                "FAIL: {} (run {k}, seed {}): {name}",
                s.name,
                base.seed.wrapping_add(k as u64)
            );
        }
        summaries.push(summary);
    }
    let refs: Vec<&serde_json::Value> = summaries.iter().collect();
    let mut top = summary::aggregate_runs(&refs);
    top["scenario"] = serde_json::json!(s.name);
    top["runs"] = serde_json::json!(runs);
    top["seeds"] = serde_json::json!(
        (0..runs)
            .map(|k| base.seed.wrapping_add(k))
            .collect::<Vec<_>>()
    );
    let text =
        serde_json::to_string_pretty(&top).map_err(|e| CliError::Internal(e.to_string()))? + "\n";
    let manifest = export::manifest::build(s, base.seed, &[("summary.json", text.as_bytes())]);
    let manifest_text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| CliError::Internal(e.to_string()))?
        + "\n";
    for (name, bytes) in [
        ("summary.json", text.as_bytes()),
        ("manifest.json", manifest_text.as_bytes()),
    ] {
        let path = out_dir.join(name);
        export::write_atomic(&path, bytes)
            .map_err(|e| CliError::Runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    match args.output {
        OutputFormat::Table if !args.quiet => print!("{}", export::table::render_runs(&top)),
        OutputFormat::Json => println!("{}", text.trim_end()),
        _ => {}
    }
    Ok((failed, s.expectations.len() * runs as usize))
}
