//! The command line (CONTRACT §2). The only place that reads argv and the environment.
//!
//! `run` reads the stages in order: load → simulate → evaluate → export.

pub mod compare;
pub mod explain;
mod fields;
pub mod merge;
pub mod present;
pub mod runs;
pub mod sweep;
pub mod watch;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use thiserror::Error;

use crate::export;
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
    after_help = "Examples:\n  timonel run scenarios/nginx-rolling-update.yaml        # simulate, print a summary, write results/<name>/ (open its report.html)\n  timonel run my-scenario.yaml k8s/ --seed 7 --out out/  # add your own manifests from a folder\n  timonel run s.yaml --runs 20 --jobs 2 --no-charts      # Monte Carlo over seeds base..base+19, no charts\n  timonel validate scenarios/                            # check files without simulating\n  timonel run s.yaml --watch                             # rollout progress like kubectl rollout status\n  timonel compare a.yaml b.yaml --runs 10                # side by side, same seeds\n  timonel sweep s.yaml --param maxSurge=0,1,25%          # one run per value\n  timonel explain pod/NAME --run results/s/              # why a pod went where it went (run with --record-scheduling)",
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
    /// Run several scenarios, or one scenario and its variants, with the same seeds and compare
    /// their metrics side by side (hyperfine-style: mean ± σ, min … max, relative to a
    /// baseline); writes compare.csv, compare.json and compare.md (exit 3 when an expectation
    /// fails in some run).
    Compare(compare::CompareArgs),
    /// Run one scenario over the Cartesian product of parameter values (--param), optionally
    /// only one shard of it (--shard I/N); writes sweep.csv and sweep.json.
    Sweep(sweep::SweepArgs),
    /// Merge the output folders of a sweep's shards into the files an unsharded sweep writes.
    Merge(merge::MergeArgs),
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
    /// Print rollout progress on stderr as the run goes, worded like `kubectl rollout status`
    /// and prefixed with the simulated time (`[00:01:05] deployment "web" successfully rolled
    /// out`); one line each time a workload's status line changes.
    #[arg(long)]
    pub watch: bool,
}

/// Writes data to stdout. A closed pipe (`timonel run … | head`) ends the output quietly, as
/// command-line tools do, instead of failing the command.
pub fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
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

/// Reads the input paths (files, directories, stdin).
fn read(input: &InputArgs) -> Result<Vec<scenario::Input>, CliError> {
    let mut paths = input.files.clone();
    paths.extend(input.paths.iter().cloned());
    if paths.is_empty() {
        return Err(CliError::Usage(
            "no input: give a scenario file, a directory or - (stdin); see --help".into(),
        ));
    }
    Ok(scenario::read_inputs(&paths)?)
}

fn load(input: &InputArgs) -> Result<Vec<Scenario>, CliError> {
    let inputs = read(input)?;
    Ok(scenario::load(
        &inputs,
        LoadOptions {
            strict: input.strict,
        },
    )?)
}

/// Loads edited inputs that must hold exactly one scenario; `context` (`variant fast`, `sweep
/// point 3 (maxSurge=0)`) prefixes any error.
fn load_edited(
    editable: &scenario::patch::Editable,
    strict: bool,
    context: &str,
) -> Result<Scenario, CliError> {
    // Positions in messages name the lines of the user's files, not of the edited text.
    let mut scenarios =
        scenario::load(&editable.inputs(), LoadOptions { strict }).map_err(|e| {
            CliError::Usage(format!(
                "{context}: {}",
                editable.map_positions(&e.to_string())
            ))
        })?;
    match scenarios.len() {
        1 => {
            let mut s = scenarios.remove(0);
            for note in &mut s.notes {
                *note = editable.map_positions(note);
            }
            Ok(s)
        }
        n => Err(CliError::Usage(format!(
            "{context}: the inputs hold {n} scenarios; give exactly one"
        ))),
    }
}

/// Checks a name used as a folder name (a variant name).
fn check_folder_name(what: &str, name: &str) -> Result<(), CliError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "{what} {name:?}: must consist of letters, digits, '-', '_' or '.' (it names a folder)"
        )))
    }
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
                out(&format!(
                    "scenario {} is valid ({} nodes, {} objects, {} timeline actions, {} expectations)\n",
                    s.name,
                    s.nodes.len(),
                    s.objects.len(),
                    s.timeline.len(),
                    s.expectations.len()
                ));
            }
            Ok(())
        }
        Command::Run(args) => run_command(&args),
        Command::Compare(args) => compare::compare(&args),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Merge(args) => merge::merge(&args),
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

/// Prints notes on stderr (`Info:` lines only when not `quiet`).
fn print_notes(notes: &[String], quiet: bool) {
    for note in notes {
        if !(quiet && note.starts_with("Info:")) {
            eprintln!("{note}");
        }
    }
}

/// Parses `--until`.
fn parse_until(until: Option<&str>) -> Result<Option<SimTime>, CliError> {
    let Some(text) = until else { return Ok(None) };
    let ns = parse_duration(text).map_err(|e| CliError::Usage(format!("--until: {e}")))?;
    if ns <= 0 {
        return Err(CliError::Usage(format!(
            "--until: must be positive: {text:?}"
        )));
    }
    Ok(Some(SimTime(ns as u64)))
}

fn run_command(args: &RunArgs) -> Result<(), CliError> {
    if args.watch && args.runs > 1 {
        return Err(CliError::Usage(
            "--watch follows one run; it cannot be combined with --runs".into(),
        ));
    }
    let scenarios = load(&args.input)?;
    let until = parse_until(args.until.as_deref())?;
    let several = scenarios.len() > 1;
    let mut failed = 0;
    let mut index = Vec::new();
    for s in &scenarios {
        let seed = args.seed.unwrap_or(s.seed);
        eprintln!(
            "timonel: scenario {} seed {seed} sha256 {}",
            s.name, s.sha256
        );
        print_notes(&s.notes, args.quiet);
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
        let results = if args.watch {
            let mut watcher = watch::Watcher::default();
            let mut print = |t: SimTime, world: &crate::cluster::World| {
                for line in watcher.observe(t, world) {
                    eprintln!("{line}");
                }
            };
            pipeline::run_watched(s, options, Some(&mut print))
        } else {
            pipeline::run(s, options)
        }
        .map_err(|e| runs::run_error(s, seed, e))?;
        print_notes(&results.world.notes, args.quiet);
        let out_dir = match (&args.out, several) {
            (Some(dir), false) => dir.clone(),
            (Some(dir), true) => dir.join(&s.name),
            (None, _) => Path::new("results").join(&s.name),
        };
        let presentation = if args.no_charts {
            runs::Presentation::ReportOnly
        } else {
            runs::Presentation::Full
        };
        let summary_json = runs::write_outputs(s, &results, &out_dir, presentation)?;
        index.push(export::index::Entry {
            name: s.name.clone(),
            description: s.description.clone(),
            report: format!("{}/report.html", s.name),
            failed: results.expectations.iter().filter(|e| !e.passed).count(),
            checked: results.expectations.len(),
        });
        match args.output {
            OutputFormat::Table if !args.quiet => out(&export::table::render_summary(&results)),
            OutputFormat::Json => out(&format!("{summary_json}\n")),
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

/// `run --runs N`: seeds base+k on `--jobs` threads, each run into `run-<k>/`, then statistics.
/// Only run-0 gets charts and report.html. Returns the failed and the checked expectations over
/// all runs.
fn run_many(
    s: &Scenario,
    args: &RunArgs,
    base: RunOptions,
    out_dir: &Path,
) -> Result<(usize, usize), CliError> {
    let seeds: Vec<u64> = (0..args.runs).map(|k| base.seed.wrapping_add(k)).collect();
    let units: Vec<runs::Unit> = seeds
        .iter()
        .enumerate()
        .map(|(k, &seed)| runs::Unit {
            scenario: s,
            options: RunOptions { seed, ..base },
            dir: out_dir.join(format!("run-{k}")),
            presentation: runs::Presentation::first_run_only(k, args.no_charts),
        })
        .collect();
    let outcomes = runs::run_units(&units, args.jobs, args.quiet)?;
    let mut failed = 0;
    for (k, outcome) in outcomes.iter().enumerate() {
        if k == 0 {
            print_notes(&outcome.notes, args.quiet);
        }
        for name in &outcome.failures {
            failed += 1;
            eprintln!("FAIL: {} (run {k}, seed {}): {name}", s.name, seeds[k]);
        }
    }
    let summaries: Vec<&serde_json::Value> = outcomes.iter().map(|o| &o.summary).collect();
    let top = runs::aggregate(&s.name, &summaries, &seeds);
    let text = runs::write_aggregate(s, base.seed, &top, out_dir)?;
    match args.output {
        OutputFormat::Table if !args.quiet => out(&export::table::render_runs(&top)),
        OutputFormat::Json => out(&format!("{}\n", text.trim_end())),
        _ => {}
    }
    Ok((failed, s.expectations.len() * args.runs as usize))
}
