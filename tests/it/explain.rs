//! `timonel explain`: a pod's last scheduling attempt plugin by plugin (from `run
//! --record-scheduling`), objects' events, scenarios and Scenario fields; recording changes no
//! other output.

use std::path::{Path, PathBuf};

use crate::support::{stderr, stdout, temp_dir, timonel};

/// One tainted node, one small node, two roomy ones; `web` (1 CPU) fits the roomy nodes, `big`
/// (3 CPU) fits nowhere.
const SCENARIO: &str = r#"apiVersion: timonel/v1alpha1
kind: Scenario
metadata:
  name: explain-demo
  description: A tainted node, a small node and two roomy ones; one pod fits, one does not.
spec:
  duration: 1m
  cluster:
    nodePools:
      - {name: tainted, count: 1, capacity: {cpu: "4", memory: 8Gi}, taints: [{key: dedicated, value: db, effect: NoSchedule}]}
      - {name: small, count: 1, capacity: {cpu: 500m, memory: 8Gi}}
      - {name: roomy, count: 2, capacity: {cpu: "2", memory: 8Gi}}
  timeline:
    - {at: 30s, action: cordon, node: small-0}
  expect:
    - {name: one pod pending, metric: pendingPods, max: 1}
---
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx:1.25
    resources:
      requests: {cpu: "1", memory: 1Gi}
---
apiVersion: v1
kind: Pod
metadata:
  name: big
spec:
  containers:
  - name: big
    image: nginx:1.25
    resources:
      requests: {cpu: "3", memory: 1Gi}
"#;

/// Writes the scenario into `dir` and runs it into `dir/out` (with or without the recording).
fn run(dir: &Path, record: bool) -> PathBuf {
    let file = dir.join("demo.yaml");
    std::fs::write(&file, SCENARIO).expect("write scenario");
    let out = dir.join("out");
    let mut args = vec![
        "run",
        file.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
        "-o",
        "none",
    ];
    if record {
        args.push("--record-scheduling");
    }
    let output = timonel(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    out
}

fn explain(args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    let output = timonel(&all);
    (output.status.code(), stdout(&output), stderr(&output))
}

/// The table after the attempt line: header and rows split into cells (columns are separated by
/// at least three spaces; cells hold single spaces at most).
fn node_table(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip_while(|l| !l.starts_with("NODE "))
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            l.split("   ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}

fn cell<'a>(table: &'a [Vec<String>], node: &str, column: &str) -> &'a str {
    let header = &table[0];
    let c = header
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    let row = table
        .iter()
        .find(|r| r[0] == node)
        .unwrap_or_else(|| panic!("no row {node}"));
    assert_eq!(row.len(), header.len(), "row {row:?} vs header {header:?}");
    &row[c]
}

#[test]
fn explain_pod_shows_each_plugins_verdict_scores_and_outcome() {
    let dir = temp_dir("explain-pod");
    let out = run(&dir, true);
    let run_dir = out.to_str().expect("utf-8");

    let (code, text, err) = explain(&["pod/big", "--run", run_dir]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        text.contains(
            "Last scheduling attempt: #1 at 0s (profile default-scheduler): 0/4 nodes feasible"
        ),
        "{text}"
    );
    let table = node_table(&text);
    assert_eq!(table.len(), 5, "{text}");
    let taint = "node(s) had untolerated taint {dedicated: db}";
    // (node, TaintToleration, NodeResourcesFit)
    for (node, tt, fit) in [
        ("tainted-0", taint, "pass"),
        ("small-0", "pass", "Insufficient cpu"),
        ("roomy-0", "pass", "Insufficient cpu"),
        ("roomy-1", "pass", "Insufficient cpu"),
    ] {
        assert_eq!(cell(&table, node, "TaintToleration"), tt, "{node}");
        assert_eq!(cell(&table, node, "NodeResourcesFit"), fit, "{node}");
        assert_eq!(cell(&table, node, "NodeUnschedulable"), "pass", "{node}");
        assert_eq!(cell(&table, node, "TaintToleration×3"), "-", "{node}");
        assert_eq!(cell(&table, node, "FINAL"), "-", "{node}");
    }
    assert!(
        text.contains(
            "FailedScheduling: 0/4 nodes are available: 1 node(s) had untolerated taint \
             {dedicated: db}, 3 Insufficient cpu."
        ),
        "{text}"
    );
    assert!(text.contains("Warning   FailedScheduling"), "{text}");

    let (code, text, err) = explain(&["po/web", "-n", "default", "--run", run_dir]);
    assert_eq!(code, Some(0), "{err}");
    let table = node_table(&text);
    let chosen = text
        .lines()
        .find_map(|l| l.strip_prefix("Chosen node: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no chosen node in {text}"));
    assert!(chosen.starts_with("roomy-"), "{text}");
    assert!(
        text.contains(&format!("Successfully assigned default/web to {chosen}")),
        "{text}"
    );
    // The chosen node has the highest FINAL, and FINAL is the sum of the score columns.
    let finals: Vec<(String, i64)> = table[1..]
        .iter()
        .filter_map(|r| Some((r[0].clone(), r.last()?.parse().ok()?)))
        .collect();
    assert_eq!(finals.len(), 2, "two feasible nodes: {finals:?}");
    let best = finals.iter().map(|f| f.1).max().expect("scores");
    assert!(finals.iter().any(|(n, s)| n == chosen && *s == best));
    let header = &table[0];
    for row in &table[1..] {
        let Ok(total) = row[row.len() - 1].parse::<i64>() else {
            continue;
        };
        let sum: i64 = header
            .iter()
            .zip(row)
            .filter(|(h, _)| h.contains('×'))
            .filter_map(|(_, c)| c.parse::<i64>().ok())
            .sum();
        assert_eq!(sum, total, "{row:?}");
    }
    assert_eq!(cell(&table, "roomy-0", "TaintToleration×3"), "300");
}

#[test]
fn recording_changes_no_other_output_and_is_deterministic() {
    let plain = run(&temp_dir("explain-plain"), false);
    let recorded = run(&temp_dir("explain-recorded"), true);
    let again = run(&temp_dir("explain-recorded-again"), true);
    assert!(!plain.join("scheduling.jsonl").exists());
    for file in ["events.csv", "pods.csv", "timeseries.csv", "summary.json"] {
        let a = std::fs::read(plain.join(file)).expect("plain output");
        let b = std::fs::read(recorded.join(file)).expect("recorded output");
        assert!(a == b, "{file} differs with --record-scheduling");
    }
    let recording = std::fs::read(recorded.join("scheduling.jsonl")).expect("recording");
    assert_eq!(
        recording,
        std::fs::read(again.join("scheduling.jsonl")).expect("recording"),
        "same seed, same recording"
    );
    let manifest = |dir: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest"))
            .expect("json")
    };
    let (plain_manifest, mut recorded_manifest) = (manifest(&plain), manifest(&recorded));
    let hash = recorded_manifest["outputs"]
        .as_object_mut()
        .and_then(|o| o.remove("scheduling.jsonl"))
        .expect("scheduling.jsonl listed in the manifest");
    use sha2::Digest;
    let digest = sha2::Sha256::digest(&recording);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hash, serde_json::Value::String(hex));
    // The inputs (and so the scenario hash, which report.html shows) name different folders:
    // compare the rest.
    let mut plain_manifest = plain_manifest;
    for m in [&mut plain_manifest, &mut recorded_manifest] {
        m["outputs"]
            .as_object_mut()
            .and_then(|o| o.remove("report.html"))
            .expect("report.html listed in the manifest");
    }
    for key in ["outputs", "seed", "scenario", "schema_version"] {
        assert_eq!(plain_manifest[key], recorded_manifest[key], "{key}");
    }
    // Two pods, one line each, sorted by namespace and name.
    let text = String::from_utf8(recording).expect("utf-8");
    let names: Vec<&str> = text
        .lines()
        .map(|l| {
            if l.contains("\"name\":\"big\"") {
                "big"
            } else {
                "web"
            }
        })
        .collect();
    assert_eq!(names, ["big", "web"]);
}

#[test]
fn explain_errors_exit_2() {
    let dir = temp_dir("explain-errors");
    let plain = run(&dir, false);
    let plain = plain.to_str().expect("utf-8");
    let missing = dir.join("nope");
    let missing = missing.to_str().expect("utf-8");
    let runs = dir.join("many");
    let output = timonel(&[
        "run",
        dir.join("demo.yaml").to_str().expect("utf-8"),
        "--runs",
        "2",
        "--jobs",
        "1",
        "--record-scheduling",
        "--out",
        runs.to_str().expect("utf-8"),
        "-o",
        "none",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(runs.join("run-1").join("scheduling.jsonl").is_file());
    let runs = runs.to_str().expect("utf-8");
    let run_0 = format!("{runs}/run-0");

    // (arguments, expected text on stderr)
    let cases: [(&[&str], &str); 10] = [
        (&["pod/big", "--run", plain], "--record-scheduling"),
        (&["pod/nope", "--run", &run_0], "pods \"nope\" not found"),
        (&["pod/big", "-n", "other", "--run", &run_0], "not found"),
        (&["pod/big"], "needs --run DIR"),
        (&["pod/big", "--run", missing], "no such folder"),
        (&["pod/big", "--run", runs], "run-0"),
        (&["frobs/x", "--run", plain], "doesn't have a resource type"),
        (&["deployment/none", "--run", plain], "not found"),
        (&["spec.nope"], "does not exist in the Scenario document"),
        (&["scenario", "-f", missing], ""),
    ];
    for (args, message) in cases {
        let (code, _, err) = explain(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let (code, text, err) = explain(&["pod/web", "--run", &run_0]);
    assert_eq!(code, Some(0), "{err}");
    assert!(text.contains("Chosen node: roomy-"), "{text}");
}

#[test]
fn explain_scenario_fields_and_other_objects() {
    let dir = temp_dir("explain-misc");
    let out = run(&dir, false);
    let file = dir.join("demo.yaml");
    let file = file.to_str().expect("utf-8");
    let out = out.to_str().expect("utf-8");

    let (code, text, err) = explain(&["scenario", "-f", file]);
    assert_eq!(code, Some(0), "{err}");
    for part in [
        "Name:         explain-demo",
        "Description:  A tainted node, a small node and two roomy ones",
        "Nodes (4):",
        "pool roomy",
        "dedicated=db:NoSchedule",
        "Objects (2):",
        "Timeline (1):",
        "30s   cordon   node/small-0",
        "Expectations (1):",
        "one pod pending",
    ] {
        assert!(text.contains(part), "missing {part:?} in\n{text}");
    }

    let (code, from_run, err) = explain(&["scenario", "--run", out]);
    assert_eq!(code, Some(0), "{err}");
    assert!(from_run.contains("Seed:         1"), "{from_run}");
    assert!(from_run.contains("not recorded"), "{from_run}");
    assert!(from_run.contains("Timeline (1):"), "{from_run}");

    let (code, text, err) = explain(&["spec.timeline"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(text.contains("FIELD:    timeline <[]Object>"), "{text}");
    assert!(text.contains("   action\t<string> -required-"), "{text}");
    let (code, text, _) = explain(&["scenario"]);
    assert_eq!(code, Some(0));
    assert!(text.contains("   spec\t<Object>"), "{text}");

    let (code, text, err) = explain(&["node/small-0", "--run", out]);
    assert_eq!(code, Some(0), "{err}");
    assert!(text.contains("NodeNotSchedulable"), "{text}");
    assert!(text.contains("cpu_requested_millis"), "{text}");
    assert!(
        !text.contains("Namespace:"),
        "nodes are cluster-scoped: {text}"
    );
}
