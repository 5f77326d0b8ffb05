//! Same inputs and seed give byte-identical files, across separate processes; another seed gives
//! other random choices (pod names).

use crate::support::{root, stderr, temp_dir, timonel};

const FILES: [&str; 7] = [
    "manifest.json",
    "summary.json",
    "events.csv",
    "events.jsonl",
    "timeseries.csv",
    "pods.csv",
    "report.html",
];

/// The names of the files in `dir`, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("output folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

fn run_into(scenario: &str, dir: &std::path::Path, seed: Option<&str>) {
    let path = root().join(scenario);
    let mut args = vec![
        "run",
        path.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "-o",
        "none",
    ];
    if let Some(seed) = seed {
        args.extend(["--seed", seed]);
    }
    let output = timonel(&args);
    assert!(
        matches!(output.status.code(), Some(0) | Some(3)),
        "{}",
        stderr(&output)
    );
}

#[test]
fn two_processes_write_identical_files() {
    let base = temp_dir("determinism");
    // Every shipped scenario but the trace replay (slow in a debug build; the scheduler's
    // determinism is covered by the others).
    let mut scenarios: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .filter(|name| name.ends_with(".yaml") && !name.starts_with("openb-"))
        .map(|name| format!("scenarios/{name}"))
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 10, "{scenarios:?}");
    for scenario in &scenarios {
        let scenario = scenario.as_str();
        let (a, b) = (base.join("a"), base.join("b"));
        let _ = std::fs::remove_dir_all(&a);
        let _ = std::fs::remove_dir_all(&b);
        run_into(scenario, &a, None);
        run_into(scenario, &b, None);
        let files = listing(&a);
        assert_eq!(files, listing(&b), "{scenario}: other files");
        for file in FILES {
            assert!(files.iter().any(|f| f == file), "{scenario}: no {file}");
        }
        assert!(
            files.iter().any(|f| f.ends_with(".png")) && files.iter().any(|f| f.ends_with(".svg")),
            "{scenario}: no chart in {files:?}"
        );
        // Every file, charts included.
        for file in &files {
            let left = std::fs::read(a.join(file)).unwrap();
            let right = std::fs::read(b.join(file)).unwrap();
            assert!(
                left == right,
                "{scenario}: {file} differs between two processes"
            );
        }
    }
}

#[test]
fn another_seed_gives_other_pod_names() {
    let base = temp_dir("seeds");
    run_into(
        "scenarios/nginx-rolling-update.yaml",
        &base.join("s1"),
        Some("1"),
    );
    run_into(
        "scenarios/nginx-rolling-update.yaml",
        &base.join("s2"),
        Some("2"),
    );
    let names = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(dir.join("pods.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().to_string())
            .collect()
    };
    let (one, two) = (names(&base.join("s1")), names(&base.join("s2")));
    assert_eq!(one.len(), two.len());
    assert_ne!(one, two, "pod name suffixes must come from the seeded RNG");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(base.join("s2/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 2);
}

#[test]
fn outputs_record_their_checksums() {
    let base = temp_dir("checksums");
    run_into("scenarios/nginx-rolling-update.yaml", &base, None);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(base.join("manifest.json")).unwrap()).unwrap();
    for file in ["summary.json", "events.csv", "timeseries.csv", "pods.csv"] {
        let bytes = std::fs::read(base.join(file)).unwrap();
        assert_eq!(
            manifest["outputs"][file],
            timonel::scenario::load::sha256_hex(&bytes),
            "{file}"
        );
    }
    assert_eq!(manifest["schema_version"], 1);
    assert_eq!(manifest["kubernetes_version"], "1.33");
}

#[test]
fn monte_carlo_outputs_do_not_depend_on_the_thread_count() {
    let base = temp_dir("monte-carlo");
    let scenario = root().join("scenarios/nginx-rolling-update.yaml");
    for (dir, jobs) in [("one", "1"), ("two", "2")] {
        let out = base.join(dir);
        let output = timonel(&[
            "run",
            scenario.to_str().unwrap(),
            "--runs",
            "3",
            "--jobs",
            jobs,
            "--out",
            out.to_str().unwrap(),
            "-o",
            "none",
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    // Every file of the two trees, byte for byte.
    crate::compare::assert_same_tree(&base.join("one"), &base.join("two"));
    let top: serde_json::Value =
        serde_json::from_slice(&std::fs::read(base.join("one/summary.json")).unwrap()).unwrap();
    assert_eq!(top["runs"], 3);
    assert_eq!(top["seeds"], serde_json::json!([1, 2, 3]));
    let min_available = &top["workloads"]["deployment/default/nginx-deployment"]["min_available"];
    for key in ["mean", "stddev", "min", "max", "ci95_low", "ci95_high"] {
        assert!(
            min_available[key].is_number(),
            "{key} missing: {min_available}"
        );
    }
    let run1: serde_json::Value =
        serde_json::from_slice(&std::fs::read(base.join("one/run-1/summary.json")).unwrap())
            .unwrap();
    assert_eq!(run1["seed"], 2, "run k uses seed base + k");
}
