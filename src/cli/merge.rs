//! `timonel merge`: puts the shards of a sweep (`sweep --shard I/N`) together. Every shard's
//! runs are copied byte for byte, then the statistics are computed by the same code as an
//! unsharded sweep, so the merged folder holds exactly the files the unsharded sweep writes.

use std::path::{Path, PathBuf};

use clap::Args;

use super::sweep::{self, SHARD_FILE, ShardFile};
use super::{CliError, OutputFormat};
use crate::export;

/// `timonel merge` arguments.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  timonel sweep s.yaml --param maxSurge=0,1,2 --shard 0/2 --out shard-0\n  timonel sweep s.yaml --param maxSurge=0,1,2 --shard 1/2 --out shard-1\n  timonel merge shard-0 shard-1 --out sweep/"
)]
pub struct MergeArgs {
    /// The shards' output folders (each holds shard.json), every shard of one sweep.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// The merged output folder.
    #[arg(long, value_name = "DIR", required = true)]
    pub out: PathBuf,
    /// Terminal output: the tables, sweep.json, or nothing.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,
    /// Print no table.
    #[arg(long)]
    pub quiet: bool,
}

fn read_shard(dir: &Path) -> Result<ShardFile, CliError> {
    let path = dir.join(SHARD_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CliError::Usage(format!(
            "{}: cannot read {SHARD_FILE} ({e}): not the output of `timonel sweep --shard`",
            dir.display()
        ))
    })?;
    serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{}: invalid {SHARD_FILE}: {e}", path.display())))
}

/// Copies every file under `from` into `to`, in name order.
fn copy_tree(from: &Path, to: &Path) -> Result<(), CliError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(from)
        .map_err(|e| CliError::Runtime(format!("cannot read {}: {e}", from.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let Some(name) = path.file_name() else {
            continue;
        };
        if path.is_dir() {
            copy_tree(&path, &to.join(name))?;
        } else {
            let bytes = std::fs::read(&path)
                .map_err(|e| CliError::Runtime(format!("cannot read {}: {e}", path.display())))?;
            let target = to.join(name);
            export::write_atomic(&target, &bytes).map_err(|e| {
                CliError::Runtime(format!("cannot write {}: {e}", target.display()))
            })?;
        }
    }
    Ok(())
}

/// Runs `timonel merge`.
pub fn merge(args: &MergeArgs) -> Result<(), CliError> {
    let out_canonical = args.out.canonicalize().ok();
    let mut shards = Vec::new();
    for dir in &args.dirs {
        if out_canonical.is_some() && dir.canonicalize().ok() == out_canonical {
            return Err(CliError::Usage(format!(
                "--out {} is one of the shards; merge into a new folder",
                args.out.display()
            )));
        }
        shards.push((dir, read_shard(dir)?));
    }
    let (first_dir, first) = &shards[0];
    let count = first.count;
    let mut seen = vec![None::<&PathBuf>; count as usize];
    for (dir, shard) in &shards {
        if shard.plan != first.plan || shard.count != count {
            return Err(CliError::Usage(format!(
                "{} and {} are shards of different sweeps (other inputs, parameters, runs or shard count)",
                first_dir.display(),
                dir.display()
            )));
        }
        match seen.get_mut(shard.index as usize) {
            Some(Some(other)) => {
                return Err(CliError::Usage(format!(
                    "{} and {} are both shard {}/{count}",
                    other.display(),
                    dir.display(),
                    shard.index
                )));
            }
            Some(slot) => *slot = Some(dir),
            None => {
                return Err(CliError::Usage(format!(
                    "{}: shard {}/{count} is out of range",
                    dir.display(),
                    shard.index
                )));
            }
        }
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_none())
        .map(|(i, _)| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(CliError::Usage(format!(
            "missing shard(s) {}: give the output folder of every shard",
            missing.join(", ")
        )));
    }
    let plan = &first.plan;
    let runs = plan.runs as usize;
    for (dir, shard) in &shards {
        for point in &plan.points {
            for k in 0..runs {
                let unit = (point.index * runs + k) as u64;
                if unit % count != shard.index {
                    continue;
                }
                let run = Path::new(&point.dir).join(format!("run-{k}"));
                let from = dir.join(&run);
                if !from.is_dir() {
                    return Err(CliError::Usage(format!(
                        "{} is missing: did shard {}/{count} finish?",
                        from.display(),
                        shard.index
                    )));
                }
                copy_tree(&from, &args.out.join(&run))?;
            }
        }
    }
    let report = sweep::finish(&args.out, plan)?;
    sweep::print_report(&report, args.output, args.quiet);
    eprintln!(
        "timonel: merged {count} shard(s) into {}",
        args.out.display()
    );
    if report.failed > 0 {
        for point in report.points.iter().filter(|p| p.expectations_failed > 0) {
            eprintln!(
                "FAIL: {} (point {}): {} expectation failure(s) over its runs",
                plan.scenario, point.index, point.expectations_failed
            );
        }
        return Err(CliError::ExpectationsFailed(report.failed));
    }
    Ok(())
}
