//! `timonel compare`: several scenarios, or one scenario and its `--variant`s, each run with the
//! same seeds; a hyperfine-style table per key metric (mean ± σ, min … max, relative to the
//! baseline) and `compare.csv`, `compare.json`, `compare.md`, with the charts and `report.html`
//! of [`present::compare_files`].
//!
//! `compare.json` ([`Comparison`]) holds everything a comparison chart needs: per metric and
//! variant the statistics, the 95 % confidence interval and every run's value, and per variant
//! the folders of its runs (with their `timeseries.csv` for overlay lines).

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;

use super::present;
use super::runs::{self, Unit};
use super::{CliError, InputArgs, OutputFormat};
use crate::export;
use crate::metrics::statistics::{
    self, Comparison, MetricComparison, Stats, VariantInfo, VariantStats,
};
use crate::pipeline::{DEFAULT_MAX_EVENTS, RunOptions};
use crate::scenario::patch::{Editable, VariantPatch};
use crate::scenario::{self, Scenario};

/// `timonel compare` arguments.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  timonel compare rolling.yaml recreate.yaml --runs 10          # two scenario files\n  timonel compare web.yaml --variant surge2=surge2.yaml --runs 10  # one scenario and a variant\n\nA variant patch is one YAML document:\n  scenario:                 # merged into the Scenario document\n    spec: {images: {default: {pull: 500ms}}}\n  manifests:                # kind/name of a manifest -> merged into it\n    deployment/web:\n      spec: {strategy: {rollingUpdate: {maxSurge: 2}}}\nMaps merge, null deletes a key, lists of items with a name merge by name, other lists are replaced."
)]
pub struct CompareArgs {
    /// Inputs: each file holding a Scenario is one variant (named after metadata.name); other
    /// files are manifests added to every scenario.
    #[command(flatten)]
    pub input: InputArgs,
    /// A variant of the (single) scenario: NAME=PATCH.yaml (repeatable); the unpatched scenario
    /// is compared too, under its own name.
    #[arg(long = "variant", value_name = "NAME=PATCH")]
    pub variants: Vec<String>,
    /// Runs per variant, with seeds base, base+1, … (the same for every variant).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub runs: u64,
    /// Base seed (default: the first variant's spec.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The variant others are compared with (default: the first).
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Output folder (default results/compare-A-vs-B/, from the variant names).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Threads (default: the number of cores); outputs do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub jobs: Option<u64>,
    /// Simulated time to stop at (Go duration; overrides spec.duration).
    #[arg(long, value_name = "DURATION")]
    pub until: Option<String>,
    /// Terminal output: the tables, compare.json, or nothing.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,
    /// Print no Info lines, no progress bar and no table.
    #[arg(long)]
    pub quiet: bool,
    /// Most events one run may process before it stops with an error.
    #[arg(long, default_value_t = DEFAULT_MAX_EVENTS)]
    pub max_events: u64,
}

/// A variant to run.
struct Variant {
    name: String,
    scenario: Scenario,
    patch: Option<String>,
}

fn variants(args: &CompareArgs) -> Result<Vec<Variant>, CliError> {
    let inputs = super::read(&args.input)?;
    let options = scenario::LoadOptions {
        strict: args.input.strict,
    };
    let scenarios = scenario::load(&inputs, options)?;
    let mut out: Vec<Variant> = Vec::new();
    if args.variants.is_empty() {
        if scenarios.len() < 2 {
            return Err(CliError::Usage(
                "compare needs at least two scenarios, or one scenario and --variant NAME=PATCH.yaml"
                    .into(),
            ));
        }
        out.extend(scenarios.into_iter().map(|s| Variant {
            name: s.name.clone(),
            scenario: s,
            patch: None,
        }));
    } else {
        let [base] = <[Scenario; 1]>::try_from(scenarios).map_err(|s| {
            CliError::Usage(format!(
                "--variant patches one scenario; the inputs hold {}",
                s.len()
            ))
        })?;
        let editable = Editable::parse(&inputs)?;
        out.push(Variant {
            name: base.name.clone(),
            scenario: base,
            patch: None,
        });
        for spec in &args.variants {
            let Some((name, path)) = spec.split_once('=') else {
                return Err(CliError::Usage(format!(
                    "--variant {spec:?}: expected NAME=PATCH.yaml"
                )));
            };
            super::check_folder_name("--variant", name)?;
            let patch_input = scenario::read_inputs(&[path.to_string()])?;
            let patch = VariantPatch::parse(&patch_input[0])?;
            let mut edited = editable.clone();
            patch.apply(&mut edited)?;
            let scenario =
                super::load_edited(&edited, args.input.strict, &format!("variant {name}"))?;
            out.push(Variant {
                name: name.to_string(),
                scenario,
                patch: Some(path.to_string()),
            });
        }
    }
    for (i, v) in out.iter().enumerate() {
        if out[..i].iter().any(|o| o.name == v.name) {
            return Err(CliError::Usage(format!(
                "two variants are named {:?}; variant names must differ (they name folders)",
                v.name
            )));
        }
    }
    Ok(out)
}

/// Runs `timonel compare`.
pub fn compare(args: &CompareArgs) -> Result<(), CliError> {
    let variants = variants(args)?;
    let baseline = match &args.baseline {
        None => 0,
        Some(name) => variants
            .iter()
            .position(|v| &v.name == name)
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "--baseline {name:?}: no such variant (variants: {})",
                    variants
                        .iter()
                        .map(|v| v.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?,
    };
    let until = super::parse_until(args.until.as_deref())?;
    let base_seed = args.seed.unwrap_or(variants[0].scenario.seed);
    let seeds: Vec<u64> = (0..args.runs).map(|k| base_seed.wrapping_add(k)).collect();
    let out_dir = args.out.clone().unwrap_or_else(|| {
        let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
        Path::new("results").join(format!("compare-{}", names.join("-vs-")))
    });
    for v in &variants {
        eprintln!(
            "timonel: variant {} scenario {} seeds {}..{} sha256 {}",
            v.name,
            v.scenario.name,
            seeds[0],
            seeds[seeds.len() - 1],
            v.scenario.sha256
        );
    }
    // Variants of one scenario share most notes: print each once.
    let mut notes: Vec<&String> = Vec::new();
    for note in variants.iter().flat_map(|v| &v.scenario.notes) {
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    super::print_notes(&notes.into_iter().cloned().collect::<Vec<_>>(), args.quiet);
    let mut units = Vec::new();
    for v in &variants {
        for (k, &seed) in seeds.iter().enumerate() {
            units.push(Unit {
                scenario: &v.scenario,
                options: RunOptions {
                    seed,
                    until: until.unwrap_or(v.scenario.duration),
                    max_events: args.max_events,
                    check_invariants: cfg!(debug_assertions),
                    record_scheduling: false,
                },
                dir: out_dir.join(&v.name).join(format!("run-{k}")),
                presentation: runs::Presentation::first_run_only(k, false),
            });
        }
    }
    let outcomes = runs::run_units(&units, args.jobs, args.quiet)?;
    let runs = seeds.len();
    let mut failed = 0;
    let mut infos = Vec::new();
    let mut samples = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        let mine = &outcomes[i * runs..(i + 1) * runs];
        let fresh: Vec<String> = mine[0]
            .notes
            .iter()
            .filter(|n| {
                !outcomes[..i * runs]
                    .iter()
                    .step_by(runs)
                    .any(|o| o.notes.contains(n))
            })
            .cloned()
            .collect();
        super::print_notes(&fresh, args.quiet);
        let mut variant_failed = 0;
        for (k, outcome) in mine.iter().enumerate() {
            for name in &outcome.failures {
                variant_failed += 1;
                eprintln!(
                    "FAIL: {} (variant {}, run {k}, seed {}): {name}",
                    v.scenario.name, v.name, seeds[k]
                );
            }
        }
        failed += variant_failed;
        let summaries: Vec<&Value> = mine.iter().map(|o| &o.summary).collect();
        let top = runs::aggregate(&v.scenario.name, &summaries, &seeds);
        runs::write_aggregate(&v.scenario, base_seed, &top, &out_dir.join(&v.name))?;
        samples.push(statistics::samples_by_metric(&summaries));
        infos.push(VariantInfo {
            name: v.name.clone(),
            scenario: v.scenario.name.clone(),
            scenario_sha256: v.scenario.sha256.clone(),
            patch: v.patch.clone(),
            runs: (0..runs).map(|k| format!("{}/run-{k}", v.name)).collect(),
            expectations_failed: variant_failed,
        });
    }
    let comparison = build(infos, &samples, baseline, seeds);
    let json = runs::json_text(
        &serde_json::to_value(&comparison).map_err(|e| CliError::Internal(e.to_string()))?,
    )?;
    let mut files = vec![
        ("compare.json".to_string(), json.clone().into_bytes()),
        ("compare.csv".to_string(), csv(&comparison)),
        ("compare.md".to_string(), markdown(&comparison).into_bytes()),
    ];
    files.extend(present::compare_files(&out_dir, &comparison)?);
    for (name, bytes) in files {
        let path = out_dir.join(name);
        export::write_atomic(&path, &bytes)
            .map_err(|e| CliError::Runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    match args.output {
        OutputFormat::Table if !args.quiet => super::out(&table(&comparison)),
        OutputFormat::Json => super::out(&json),
        _ => {}
    }
    eprintln!("timonel: wrote {}", out_dir.display());
    if failed > 0 {
        return Err(CliError::ExpectationsFailed(failed));
    }
    Ok(())
}

/// Builds [`Comparison`] from each variant's per-metric samples.
fn build(
    variants: Vec<VariantInfo>,
    samples: &[std::collections::BTreeMap<String, Vec<f64>>],
    baseline: usize,
    seeds: Vec<u64>,
) -> Comparison {
    let mut names: Vec<&String> = samples.iter().flat_map(|m| m.keys()).collect();
    names.sort_by_key(|n| (statistics::key_rank(n).unwrap_or(usize::MAX), *n));
    names.dedup();
    let metrics = names
        .into_iter()
        .map(|name| {
            let base = samples[baseline]
                .get(name)
                .filter(|v| !v.is_empty())
                .map(|v| statistics::stats(v));
            let per_variant = variants
                .iter()
                .zip(samples)
                .filter_map(|(info, m)| {
                    let values = m.get(name).filter(|v| !v.is_empty())?;
                    let stats = statistics::stats(values);
                    let relative = base.as_ref().and_then(|b| statistics::ratio(&stats, b));
                    Some(VariantStats {
                        variant: info.name.clone(),
                        stats,
                        samples: values.clone(),
                        relative: relative.map(|r| r.0),
                        relative_stddev: relative.map(|r| r.1),
                    })
                })
                .collect();
            MetricComparison {
                name: name.clone(),
                key: statistics::key_rank(name).is_some(),
                variants: per_variant,
            }
        })
        .collect();
    Comparison {
        schema_version: export::manifest::SCHEMA_VERSION,
        baseline: variants[baseline].name.clone(),
        seeds,
        variants,
        metrics,
    }
}

/// A figure with at most four decimals (integers without a point).
pub(super) fn figure(v: f64) -> String {
    export::format_value((v * 1e4).round() / 1e4)
}

pub(super) fn mean_sd(s: &Stats) -> String {
    format!("{} ± {}", figure(s.mean), figure(s.stddev))
}

pub(super) fn range(s: &Stats) -> String {
    format!("{} … {}", figure(s.min), figure(s.max))
}

pub(super) fn relative(v: &VariantStats, baseline: &str) -> String {
    match (v.relative, v.relative_stddev) {
        _ if v.variant == baseline => "1.00".into(),
        (Some(r), Some(sd)) => format!("{r:.2} ± {sd:.2}"),
        _ => "-".into(),
    }
}

/// The terminal tables: one per key metric, kubectl-style.
pub fn table(c: &Comparison) -> String {
    let mut out = String::new();
    let runs = c.seeds.len();
    out.push_str(&format!(
        "{} variants, {runs} run(s) each (seeds {}..{}), baseline {}\n",
        c.variants.len(),
        c.seeds.first().copied().unwrap_or(0),
        c.seeds.last().copied().unwrap_or(0),
        c.baseline
    ));
    for m in c.metrics.iter().filter(|m| m.key) {
        let mut t = export::table::table(&["VARIANT", "MEAN ± SD", "MIN … MAX", "RELATIVE"]);
        for v in &m.variants {
            t.add_row(vec![
                v.variant.clone(),
                mean_sd(&v.stats),
                range(&v.stats),
                relative(v, &c.baseline),
            ]);
        }
        out.push_str(&format!("\n{}\n{}\n", m.name, export::table::render(&t)));
    }
    out
}

/// `compare.md`: the key metrics as Markdown tables (hyperfine's export layout).
fn markdown(c: &Comparison) -> String {
    let mut out = format!(
        "# Comparison\n\n{} run(s) per variant, seeds {:?}, baseline `{}`.\n",
        c.seeds.len(),
        c.seeds,
        c.baseline
    );
    for m in c.metrics.iter().filter(|m| m.key) {
        out.push_str(&format!(
            "\n## `{}`\n\n| Variant | Mean ± σ | Min … Max | Relative |\n|:---|---:|---:|---:|\n",
            m.name
        ));
        for v in &m.variants {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                v.variant,
                mean_sd(&v.stats),
                range(&v.stats),
                relative(v, &c.baseline)
            ));
        }
    }
    out
}

/// `compare.csv`: one row per metric and variant, every numeric metric.
fn csv(c: &Comparison) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record([
        "metric",
        "variant",
        "mean",
        "stddev",
        "min",
        "max",
        "ci95_low",
        "ci95_high",
        "n",
        "relative",
        "relative_stddev",
    ]);
    let opt = |v: Option<f64>| v.map(export::format_value).unwrap_or_default();
    for m in &c.metrics {
        for v in &m.variants {
            let s = &v.stats;
            let _ = w.write_record([
                m.name.as_str(),
                &v.variant,
                &export::format_value(s.mean),
                &export::format_value(s.stddev),
                &export::format_value(s.min),
                &export::format_value(s.max),
                &export::format_value(s.ci95_low),
                &export::format_value(s.ci95_high),
                &s.n.to_string(),
                &opt(v.relative),
                &opt(v.relative_stddev),
            ]);
        }
    }
    w.into_inner().unwrap_or_default()
}
