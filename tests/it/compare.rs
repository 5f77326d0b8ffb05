//! `timonel compare`, `run --watch` and `events.jsonl`: golden tables, the files compare
//! writes, exit codes (the thread-count independence of `--runs` is in `determinism`).

use std::path::Path;

use timonel::metrics::statistics::Comparison;

use crate::support::{root, stderr, stdout, temp_dir, timonel};

const SCENARIO: &str = "scenarios/nginx-rolling-update.yaml";

/// Compares `actual` with the golden file `tests/golden/<name>`.
pub fn assert_golden(name: &str, actual: &str) {
    let path = root().join("tests").join("golden").join(name);
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert!(
        expected == actual,
        "{name} differs from the golden file\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

/// Every file under `dir`, relative path → bytes, in path order.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Asserts two output folders hold the same files with the same bytes.
pub fn assert_same_tree(a: &Path, b: &Path) {
    let (left, right) = (tree(a), tree(b));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&left), names(&right), "different file lists");
    for ((name, l), (_, r)) in left.iter().zip(&right) {
        assert!(
            l == r,
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().to_string()
}

#[test]
fn compare_prints_a_golden_table_and_writes_csv_json_markdown() {
    let dir = temp_dir("compare-golden");
    let surge = write(
        &dir,
        "surge3.yaml",
        "# three extra pods at once\nmanifests:\n  deployment/nginx-deployment:\n    spec:\n      strategy:\n        rollingUpdate: {maxSurge: 3, maxUnavailable: 0}\n",
    );
    let fast = write(
        &dir,
        "fast-pull.yaml",
        "scenario:\n  spec:\n    images:\n      default: {pull: 500ms}\n",
    );
    let out = dir.join("out");
    let output = timonel(&[
        "compare",
        SCENARIO,
        "--variant",
        &format!("surge3={surge}"),
        "--variant",
        &format!("fast-pull={fast}"),
        "--runs",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    // surge3 breaks "never more than 4 pods" in every run.
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains(
            "FAIL: nginx-rolling-update (variant surge3, run 0, seed 1): never more than 4 pods"
        ),
        "{err}"
    );
    assert!(!err.contains("variant fast-pull, run"), "{err}");
    assert_golden("compare-table.txt", &stdout(&output));
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let key_rows: String = csv
        .lines()
        .take(1)
        .chain(csv.lines().filter(|l| {
            l.starts_with("expectations_failed,") || l.contains(".rollout_duration_ms,")
        }))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_golden("compare-key-rows.csv", &key_rows);
    let json: Comparison =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(json.baseline, "nginx-rolling-update");
    assert_eq!(json.seeds, [1, 2]);
    let names: Vec<&str> = json.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["nginx-rolling-update", "surge3", "fast-pull"]);
    assert_eq!(json.variants[1].expectations_failed, 4);
    for v in &json.variants {
        for run in &v.runs {
            assert!(out.join(run).join("timeseries.csv").is_file(), "{run}");
        }
        assert!(out.join(&v.name).join("summary.json").is_file());
    }
    let surge_pods = json
        .metrics
        .iter()
        .find(|m| m.name.ends_with("nginx-deployment.max_surge_pods"))
        .unwrap();
    assert!(surge_pods.key);
    assert_eq!(surge_pods.variants[1].samples, [3.0, 3.0]);
    assert_eq!(surge_pods.variants[1].relative, Some(3.0));
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(
        md.contains("| `surge3` | 3 ± 0 | 3 … 3 | 3.00 ± 0.00 |"),
        "{md}"
    );
}

#[test]
fn compare_of_two_files_passes_and_bad_usage_exits_2() {
    let dir = temp_dir("compare-usage");
    let text = std::fs::read_to_string(root().join(SCENARIO)).unwrap();
    let other = write(
        &dir,
        "other.yaml",
        &text.replace("name: nginx-rolling-update", "name: nginx-again"),
    );
    let out = dir.join("two");
    let output = timonel(&[
        "compare",
        SCENARIO,
        &other,
        "--runs",
        "1",
        "--baseline",
        "nginx-again",
        "--out",
        out.to_str().unwrap(),
        "-o",
        "none",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: Comparison =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(json.baseline, "nginx-again");
    // The same scenario under two names: every ratio is exactly 1.
    for m in &json.metrics {
        for v in &m.variants {
            assert!(v.relative.is_none_or(|r| r == 1.0), "{}: {v:?}", m.name);
        }
    }

    let bad_target = write(
        &dir,
        "bad.yaml",
        "manifests:\n  deployment/nope:\n    spec: {replicas: 2}\n",
    );
    let cases: [(&[&str], &str); 4] = [
        (&["compare", SCENARIO], "at least two scenarios"),
        (
            &["compare", SCENARIO, &other, "--baseline", "x"],
            "--baseline \"x\": no such variant",
        ),
        (
            &["compare", SCENARIO, "--variant", &format!("v={bad_target}")],
            "bad.yaml:2:3: no document \"deployment/nope\"",
        ),
        (
            &["compare", SCENARIO, "--variant", "no-equals-sign"],
            "expected NAME=PATCH.yaml",
        ),
    ];
    for (args, message) in cases {
        let output = timonel(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn watch_prints_kubectl_rollout_status_lines_and_changes_no_file() {
    let dir = temp_dir("watch");
    let (plain, watched) = (dir.join("plain"), dir.join("watched"));
    for (out, watch) in [(&plain, false), (&watched, true)] {
        let mut args = vec![
            "run",
            SCENARIO,
            "--out",
            out.to_str().unwrap(),
            "-o",
            "none",
        ];
        if watch {
            args.push("--watch");
        }
        let output = timonel(&args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        if watch {
            let lines: String = stderr(&output)
                .lines()
                .filter(|l| l.starts_with('['))
                .map(|l| format!("{l}\n"))
                .collect();
            assert_golden("watch-nginx.txt", &lines);
        }
    }
    assert_same_tree(&plain, &watched);
    let output = timonel(&["run", SCENARIO, "--watch", "--runs", "2"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn watch_wording_for_statefulsets_and_daemonsets() {
    for (scenario, expected) in [
        (
            "scenarios/statefulset-ordered.yaml",
            [
                "Waiting for 3 pods to be ready...",
                "partitioned roll out complete: 3 new pods have been updated...",
            ],
        ),
        (
            "scenarios/daemonset-rolling-update.yaml",
            [
                "rollout to finish: 0 out of 3 new pods have been updated...",
                "successfully rolled out",
            ],
        ),
    ] {
        let dir = temp_dir("watch-kinds");
        let output = timonel(&[
            "run",
            scenario,
            "--watch",
            "-o",
            "none",
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(
            matches!(output.status.code(), Some(0)),
            "{}",
            stderr(&output)
        );
        let err = stderr(&output);
        for line in expected {
            assert!(err.contains(line), "{scenario}: {line:?} not in\n{err}");
        }
    }
}

#[test]
fn events_jsonl_mirrors_events_csv_and_is_checksummed() {
    let dir = temp_dir("events-jsonl");
    let output = timonel(&[
        "run",
        SCENARIO,
        "--out",
        dir.to_str().unwrap(),
        "-o",
        "none",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let jsonl = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let mut csv = csv::Reader::from_path(dir.join("events.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let lines: Vec<&str> = jsonl.lines().collect();
    assert_eq!(lines.len(), rows.len());
    assert!(lines.len() > 20);
    for (line, row) in lines.iter().zip(&rows) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 6);
        assert_eq!(v["t_ms"].as_u64().unwrap().to_string(), &row[0]);
        for (i, field) in ["namespace", "object", "type", "reason", "message"]
            .iter()
            .enumerate()
        {
            assert_eq!(v[field].as_str().unwrap(), &row[i + 1], "{line}");
        }
    }
    assert!(lines[0].starts_with("{\"t_ms\":0,\"namespace\":\"default\",\"object\":"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["outputs"]["events.jsonl"].as_str().unwrap(),
        timonel::scenario::load::sha256_hex(jsonl.as_bytes())
    );
}

/// The chart stems `<prefix>*.svg` in `dir`, each checked: well-formed SVG and a PNG that
/// decodes, side by side.
pub fn checked_charts(dir: &Path, prefix: &str) -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            let stem = name.strip_suffix(".svg")?;
            stem.starts_with(prefix).then(|| stem.to_string())
        })
        .collect();
    stems.sort();
    for stem in &stems {
        let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
        crate::report::assert_well_formed_svg(stem, &svg);
        let png = std::fs::read(dir.join(format!("{stem}.png"))).unwrap();
        crate::report::decode_png(stem, &png);
    }
    stems
}

#[test]
fn compare_draws_bars_lines_and_a_report_whatever_the_thread_count() {
    let dir = temp_dir("compare-charts");
    let fast = write(
        &dir,
        "fast-pull.yaml",
        "scenario:\n  spec:\n    images:\n      default: {pull: 500ms}\n",
    );
    for jobs in ["1", "2"] {
        let out = dir.join(format!("jobs-{jobs}"));
        let output = timonel(&[
            "compare",
            "scenarios/rolling-vs-recreate.yaml",
            "--variant",
            &format!("fast-pull={fast}"),
            "--runs",
            "2",
            "--jobs",
            jobs,
            "--out",
            out.to_str().unwrap(),
            "-o",
            "none",
        ]);
        assert!(
            matches!(output.status.code(), Some(0) | Some(3)),
            "{}",
            stderr(&output)
        );
    }
    assert_same_tree(&dir.join("jobs-1"), &dir.join("jobs-2"));
    let out = dir.join("jobs-1");
    let stems = checked_charts(&out, "compare-");
    for stem in [
        "compare-services-default-web-recreate-availability",
        "compare-services-default-web-recreate-downtime-ms",
        "compare-workloads-deployment-default-web-rolling-rollout-duration-ms",
        "compare-workloads-deployment-default-web-rolling-max-surge-pods",
        "compare-service-web-recreate-ready-endpoints",
        "compare-deployment-web-rolling-available-replicas",
    ] {
        assert!(stems.iter().any(|s| s == stem), "{stem} not in {stems:?}");
    }
    let bars =
        std::fs::read_to_string(out.join("compare-services-default-web-recreate-availability.svg"))
            .unwrap();
    for text in ["rolling-vs-recreate", "fast-pull", "95% CI over 2 runs"] {
        assert!(bars.contains(text), "{text}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // Every chart inline, and every row of compare.md's tables with the same figures.
    assert_eq!(html.matches("<svg").count(), stems.len());
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    let mut rows = 0;
    for line in md.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let row = format!(
            "<tr><td><code>{}</code></td><td><span class=\"num\">{}</span></td><td><span class=\"num\">{}</span></td><td><span class=\"num\">{}</span></td></tr>",
            cells[0].trim_matches('`'),
            cells[1],
            cells[2],
            cells[3]
        );
        assert!(html.contains(&row), "{row} not in report.html");
        rows += 1;
    }
    assert!(rows >= 10, "{md}");
    for variant in ["rolling-vs-recreate", "fast-pull"] {
        let link = format!("{variant}/run-0/report.html");
        assert!(html.contains(&format!("href=\"{link}\"")), "{link}");
        assert!(out.join(&link).is_file(), "{link}");
    }
}
