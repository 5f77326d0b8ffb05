//! The teaching library (`scenarios/teaching/`): every lesson runs as a user would run the whole
//! folder (`timonel run scenarios/teaching/`: one run each and an index page), each one's
//! expectations hold, and the README's lesson table shows the numbers the runs produce.
//!
//! Regenerate the README table after changing a lesson with
//! `cargo test --test it teaching::regenerate_readme_lesson_table -- --ignored`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{root, stderr, temp_dir, timonel};

/// The lessons in the README's order: scenario file stem and the claim it demonstrates. The
/// table shows the Services' availability for the stems not in [`BY_EXPECTATIONS`].
const LESSONS: &[(&str, &str)] = &[
    (
        "nines",
        "How many nines 1, 2 and 3 replicas give under random node crashes",
    ),
    (
        "active-passive-vs-active-active",
        "Active/passive (one replica recreated elsewhere) vs active/active",
    ),
    (
        "node-2-dies-storage",
        "Node 2 dies: MariaDB on a host disk, on a network disk, as a 3-member quorum cluster",
    ),
    (
        "rollout-strategies",
        "One bad v2 through Recreate, three rolling settings, blue/green, canary with and without analysis, A/B",
    ),
    (
        "statefulset-identity",
        "Deleting `mongo-0`: same name and volume, a short outage of that member; a Deployment pod is anonymous",
    ),
    (
        "daemonset-log-collector",
        "A DaemonSet log collector: new node gets one, dead node keeps it, `system-node-critical` preempts",
    ),
    (
        "readiness-and-prestop",
        "Requests lost in a rolling update without a readiness probe and without a preStop hook",
    ),
    (
        "zone-outage",
        "A zone outage with and without a zone topology spread constraint",
    ),
    (
        "scalability-hpa",
        "100 → 1,000,000 → 10 → 2,000,000 users: one big pod vs an HPA from 3 to 17 pods, Pending when the cluster is full",
    ),
    (
        "statefulset-slow-shutdown",
        "A StatefulSet database with terminationGracePeriodSeconds 300 rolls slowly (one clean stop at a time)",
    ),
    (
        "jobs-and-cronjobs",
        "Job backoffLimit; a CronJob whose runs overlap under `Allow` but not under `Forbid`",
    ),
    (
        "requests-limits-quota",
        "Requests, limits, a LimitRange's defaults, a ResourceQuota refusing pods, an OOM kill",
    ),
    (
        "drain-and-pdb",
        "Draining two nodes at once with and without a PodDisruptionBudget (minAvailable 2)",
    ),
];

/// Lessons whose claim is not about Service availability: the table shows their expectations'
/// observed values instead.
const BY_EXPECTATIONS: &[&str] = &[
    "daemonset-log-collector",
    "scalability-hpa",
    "statefulset-slow-shutdown",
    "jobs-and-cronjobs",
    "requests-limits-quota",
    "drain-and-pdb",
];

const BEGIN: &str = "<!-- lessons:begin -->";
const END: &str = "<!-- lessons:end -->";

fn teaching_dir() -> PathBuf {
    root().join("scenarios").join("teaching")
}

/// Runs the whole folder once per test process and returns the output folder.
fn teaching_run() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let out = temp_dir("teaching");
        let output = timonel(&[
            "run",
            teaching_dir().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-o",
            "none",
            "--no-charts",
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "the teaching scenarios failed:\n{}",
            stderr(&output)
        );
        out
    })
}

fn summary(out: &Path, stem: &str) -> Value {
    let path = out.join(stem).join("summary.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}")))
        .unwrap()
}

fn scenario_stems() -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(teaching_dir())
        .expect("scenarios/teaching")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    stems.sort();
    stems
}

/// A duration in seconds as the table shows it.
fn duration(seconds: f64) -> String {
    if seconds < 600.0 {
        format!("{seconds:.0} s")
    } else {
        format!("{:.1} min", seconds / 60.0)
    }
}

/// The headline numbers of one run: per Service its availability, outages and downtime (and
/// the share of requests served by a bad release when there is one), or with `by_expectations`
/// (or without Services) its expectations' observed values.
fn headline(summary: &Value, by_expectations: bool) -> String {
    let services = summary["services"].as_object().expect("services");
    if by_expectations || services.is_empty() {
        return summary["expectations"]
            .as_array()
            .expect("expectations")
            .iter()
            .map(|e| {
                let observed = e["observed"].as_f64().unwrap();
                format!("{}: {observed}", e["name"].as_str().unwrap())
            })
            .collect::<Vec<_>>()
            .join("; ");
    }
    services
        .iter()
        .map(|(key, s)| {
            let name = key.rsplit('/').next().unwrap();
            let outages = s["outage_count"].as_i64().unwrap();
            let mut cell = format!(
                "`{name}` {:.3} %, {outages} outage{}",
                s["availability"].as_f64().unwrap() * 100.0,
                if outages == 1 { "" } else { "s" }
            );
            if outages > 0 {
                cell.push_str(&format!(
                    " ({})",
                    duration(s["downtime_ms"].as_f64().unwrap() / 1000.0)
                ));
            }
            let served = s["served_fraction"].as_f64().unwrap();
            if served < 1.0 {
                cell.push_str(&format!(", {:.1} % served", served * 100.0));
            }
            let bad = s["bad_request_fraction"].as_f64().unwrap();
            if bad > 0.0 {
                cell.push_str(&format!(", {:.1} % to the bad release", bad * 100.0));
            }
            cell
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The README's lesson table, from the summaries under `out`.
fn lesson_table(out: &Path) -> String {
    let mut table = String::from(
        "| lesson | scenario | measured (per Service: availability, outages, downtime; or the expectations' observed values) |\n|---|---|---|\n",
    );
    for (stem, lesson) in LESSONS {
        table.push_str(&format!(
            "| {lesson} | [`{stem}.yaml`](scenarios/teaching/{stem}.yaml) | {} |\n",
            headline(&summary(out, stem), BY_EXPECTATIONS.contains(stem))
        ));
    }
    table
}

fn readme_block() -> (String, usize, usize) {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find(BEGIN).expect("README lessons:begin marker") + BEGIN.len() + 1;
    let end = readme.find(END).expect("README lessons:end marker");
    (readme, start, end)
}

#[test]
fn every_teaching_scenario_passes_its_expectations_and_the_index_links_it() {
    let out = teaching_run();
    let stems = scenario_stems();
    let mut listed: Vec<String> = LESSONS.iter().map(|(s, _)| s.to_string()).collect();
    listed.sort();
    assert_eq!(stems, listed, "every teaching scenario is a listed lesson");
    let index = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    for stem in &stems {
        let summary = summary(out, stem);
        let expectations = summary["expectations"].as_array().unwrap();
        assert!(expectations.len() >= 3, "{stem}: too few expectations");
        assert!(
            expectations.iter().all(|e| e["passed"] == true),
            "{stem}: {expectations:?}"
        );
        assert!(out.join(stem).join("report.html").is_file(), "{stem}");
        assert!(
            index.contains(&format!("href=\"{stem}/report.html\"")),
            "index.html links {stem}"
        );
    }
}

#[test]
fn every_teaching_scenario_has_a_description() {
    for stem in scenario_stems() {
        let text = std::fs::read_to_string(teaching_dir().join(format!("{stem}.yaml"))).unwrap();
        let scenario = text.split("\n---\n").next().unwrap();
        assert!(
            scenario.contains("  description: >"),
            "{stem} explains what to look at"
        );
        assert!(
            scenario.contains("report.html") || scenario.contains("events.csv"),
            "{stem} says where to look"
        );
    }
}

#[test]
fn the_readme_lesson_table_matches_the_runs() {
    let (readme, start, end) = readme_block();
    let table = lesson_table(teaching_run());
    assert_eq!(
        &readme[start..end],
        table,
        "the README lesson table is stale: run `cargo test --test it \
         teaching::regenerate_readme_lesson_table -- --ignored`"
    );
}

/// Rewrites the README's lesson table from fresh runs.
#[test]
#[ignore = "rewrites README.md; run by hand after changing a lesson"]
fn regenerate_readme_lesson_table() {
    let (readme, start, end) = readme_block();
    let table = lesson_table(teaching_run());
    let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
    std::fs::write(root().join("README.md"), updated).unwrap();
}

/// The lessons' expectations are claims that can fail: weakening the set-up that makes a claim
/// true makes that expectation fail (exit 3, named on stderr).
#[test]
fn weakened_lessons_fail_their_claims() {
    let cases = [
        (
            "nines",
            "metadata: {name: two}\nspec:\n  replicas: 2",
            "metadata: {name: two}\nspec:\n  replicas: 1",
            "FAIL: nines: 2 replicas: at least four nines",
        ),
        (
            "readiness-and-prestop",
            "            sleep: {seconds: 5}",
            "            sleep: {seconds: 0}",
            "FAIL: readiness-and-prestop: probe and preStop sleep: no request lost",
        ),
        (
            "zone-outage",
            "        whenUnsatisfiable: DoNotSchedule",
            "        whenUnsatisfiable: ScheduleAnyway",
            "FAIL: zone-outage: with spread (DoNotSchedule): the lost replica waits for its zone",
        ),
    ];
    let dir = temp_dir("teaching-weakened");
    for (stem, from, to, failure) in cases {
        let text = std::fs::read_to_string(teaching_dir().join(format!("{stem}.yaml"))).unwrap();
        assert!(text.contains(from), "{stem}: {from:?} not found");
        let file = dir.join(format!("{stem}.yaml"));
        std::fs::write(&file, text.replace(from, to)).unwrap();
        let output = timonel(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            dir.join(stem).to_str().unwrap(),
            "-o",
            "none",
            "--no-charts",
        ]);
        assert_eq!(output.status.code(), Some(3), "{stem}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(failure),
            "{stem}: {}",
            stderr(&output)
        );
    }
}
