//! Every scenario shipped in `scenarios/` runs as a user would run it, and its expectations hold.
//! The teaching library (`scenarios/teaching/`) has its own test, `teaching.rs`.

use crate::support::{root, stderr, temp_dir, timonel};

fn scenario_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![root().join("scenarios")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("scenarios folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n == "teaching") {
                    continue;
                }
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_shipped_scenario_passes_its_expectations() {
    let files = scenario_files();
    assert!(
        files.len() >= 4,
        "expected the example scenarios, found {files:?}"
    );
    let out = temp_dir("scenarios");
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let dir = out.join(&name);
        let output = timonel(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
            "-o",
            "none",
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{name} failed:\n{}",
            stderr(&output)
        );
        for f in [
            "manifest.json",
            "summary.json",
            "events.csv",
            "timeseries.csv",
            "pods.csv",
        ] {
            assert!(dir.join(f).is_file(), "{name}: {f} missing");
        }
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
        let expectations = summary["expectations"].as_array().unwrap();
        assert!(!expectations.is_empty(), "{name} has no expect: block");
        assert!(
            expectations.iter().all(|e| e["passed"] == true),
            "{name}: {expectations:?}"
        );
    }
}

#[test]
fn a_failing_expectation_exits_3_and_lists_it() {
    let dir = temp_dir("failing-expectation");
    let scenario =
        std::fs::read_to_string(root().join("scenarios/nginx-rolling-update.yaml")).unwrap();
    let scenario = scenario.replace(
        "      during: [30s, 10m]\n      min: 3",
        "      during: [30s, 10m]\n      min: 4",
    );
    std::fs::write(dir.join("s.yaml"), scenario).unwrap();
    let output =
        crate::support::timonel_in(&dir, &["run", "s.yaml", "-o", "none", "--out", "out"], None);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("FAIL: nginx-rolling-update: never fewer than 3 available during the update: observed 3, expected at least 4"), "{}", stderr(&output));
}

#[test]
fn json_output_prints_the_summary_and_table_output_looks_like_kubectl() {
    let dir = temp_dir("output-formats");
    let scenario = root().join("scenarios/nginx-rolling-update.yaml");
    let json = timonel(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        dir.join("a").to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(json.status.code(), Some(0));
    let printed: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("stdout is summary.json");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("a/summary.json")).unwrap()).unwrap();
    assert_eq!(printed, written);
    let table = timonel(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        dir.join("b").to_str().unwrap(),
    ]);
    let text = crate::support::stdout(&table);
    assert!(text.starts_with("NAME"), "{text}");
    assert!(
        text.contains("deployment/nginx-deployment   3/3     3            3           10m"),
        "{text}"
    );
    let none = timonel(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        dir.join("c").to_str().unwrap(),
        "-o",
        "none",
    ]);
    assert!(none.stdout.is_empty());
    let err = stderr(&none);
    assert!(
        err.starts_with("timonel: scenario nginx-rolling-update seed 1 sha256 "),
        "seed and hash come first: {err}"
    );
}

#[test]
fn stdin_and_shared_manifest_directories() {
    let dir = temp_dir("stdin");
    let text = std::fs::read_to_string(root().join("scenarios/nginx-rolling-update.yaml")).unwrap();
    // The Scenario document alone from stdin, the Deployment from a directory of plain manifests.
    let (scenario, manifest) = text.split_once("\n---\n").unwrap();
    std::fs::create_dir_all(dir.join("manifests")).unwrap();
    std::fs::write(dir.join("manifests/deploy.yaml"), manifest).unwrap();
    let output = crate::support::timonel_in(
        &dir,
        &["run", "-f", "-", "manifests/", "-o", "none", "--out", "out"],
        Some(scenario),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let events = std::fs::read_to_string(dir.join("out/events.csv")).unwrap();
    assert!(events.contains("Scaled up replica set nginx-deployment-"));
}

#[test]
fn several_scenarios_go_to_their_own_folders() {
    let dir = temp_dir("several");
    std::fs::create_dir_all(dir.join("in")).unwrap();
    for name in ["nginx-rolling-update", "rolling-vs-recreate"] {
        std::fs::copy(
            root().join(format!("scenarios/{name}.yaml")),
            dir.join(format!("in/{name}.yaml")),
        )
        .unwrap();
    }
    let output =
        crate::support::timonel_in(&dir, &["run", "in", "-o", "none", "--out", "out"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(dir.join("out/nginx-rolling-update/summary.json").is_file());
    assert!(dir.join("out/rolling-vs-recreate/summary.json").is_file());
}
