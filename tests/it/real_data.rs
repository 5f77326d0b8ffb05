//! Real, unmodified upstream manifests (../shared/real-data/manifests: Kubernetes docs and
//! examples, online-boutique, sock-shop, DeathStarBench) load and run (CONTRACT §1: files without a
//! Scenario are added to every scenario of the command).

use std::path::{Path, PathBuf};

use crate::support::{root, stderr, stdout, temp_dir, timonel_in};

/// Manifests that are genuinely invalid for the Kubernetes version timonel models, with the
/// reason: validating their folder must exit 2 naming them. None so far: every file is real
/// upstream YAML that a current apiserver accepts (sock-shop's `autoscaling/v1` HPAs point at
/// `apps/v1beta1`, which is only a reference inside them; the archived cockroachdb example's
/// `policy/v1beta1` PodDisruptionBudget is a known, not-simulated kind).
const KNOWN_INVALID: &[(&str, &str)] = &[];

/// Warnings that real folders rightly give: (folder, fragment).
const EXPECTED_WARNINGS: &[(&str, &str)] = &[
    // The docs' "Updating a Deployment" ships the same Deployment twice (nginx-deployment.yaml and
    // deployment-update.yaml); like `kubectl apply -f k8s-website/`, the later file wins, and says so.
    (
        "k8s-website",
        "deployments \"nginx-deployment\" is defined again; this definition replaces the one at",
    ),
    // The docs ship the fluentd-elasticsearch DaemonSet twice (daemonset.yaml and
    // fluentd-daemonset.yaml, the update example); the later file wins, and says so.
    (
        "k8s-website",
        "daemonsets \"fluentd-elasticsearch\" is defined again; this definition replaces the one at",
    ),
    // The ZooKeeper tutorial ships its PodDisruptionBudget both alone and inside zookeeper.yaml.
    (
        "k8s-website",
        "poddisruptionbudgets \"zk-pdb\" is defined again; this definition replaces the one at",
    ),
];

fn manifests_root() -> Option<PathBuf> {
    let dir = root().join("../shared/real-data/manifests");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "note: {} is absent; skipping the real-data tests",
            dir.display()
        );
        None
    }
}

/// A minimal Scenario: one pool of 20 nodes with 32 CPUs and 128Gi each.
fn write_scenario(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(format!("{name}.yaml"));
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: {name}\nspec:\n  duration: 5m\n  cluster:\n    nodePools:\n      - name: worker\n        count: 20\n        capacity: {{cpu: \"32\", memory: 128Gi}}\n"
    );
    std::fs::write(&path, text).expect("write scenario");
    path
}

fn is_manifest(path: &Path) -> bool {
    path.is_file()
        && path
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
}

/// Every folder under `dir` (itself included) that directly holds manifest files, sorted.
fn manifest_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read manifests folder")
        .map(|e| e.expect("folder entry").path())
        .collect();
    entries.sort();
    if entries.iter().any(|p| is_manifest(p)) {
        out.push(dir.to_path_buf());
    }
    for entry in entries.iter().filter(|p| p.is_dir()) {
        manifest_dirs(entry, out);
    }
}

#[test]
fn every_real_manifest_validates() {
    let Some(manifests) = manifests_root() else {
        return;
    };
    let tmp = temp_dir("real-data-validate");
    let scenario = write_scenario(&tmp, "real-data");
    let scenario = scenario.to_string_lossy().to_string();
    let mut dirs = Vec::new();
    manifest_dirs(&manifests, &mut dirs);
    assert!(
        !dirs.is_empty(),
        "no manifests under {}",
        manifests.display()
    );
    let mut failures = Vec::new();
    let mut files = 0;
    for dir in &dirs {
        let dir_arg = dir.to_string_lossy().to_string();
        // A folder argument means its *.yaml/*.yml (CONTRACT §1); JSON manifests are given by name.
        let json: Vec<String> = std::fs::read_dir(dir)
            .expect("read folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
            .map(|p| p.to_string_lossy().to_string())
            .collect();
        files += std::fs::read_dir(dir)
            .expect("read folder")
            .filter(|e| is_manifest(&e.as_ref().expect("entry").path()))
            .count();
        let mut args = vec!["validate", scenario.as_str(), dir_arg.as_str()];
        args.extend(json.iter().map(String::as_str));
        let out = timonel_in(&root(), &args, None);
        let err = stderr(&out);
        let relative = dir
            .strip_prefix(&manifests)
            .unwrap_or(dir)
            .to_string_lossy()
            .to_string();
        let expected_invalid: Vec<&(&str, &str)> = KNOWN_INVALID
            .iter()
            .filter(|(file, _)| Path::new(file).parent() == Some(Path::new(&relative)))
            .collect();
        match out.status.code() {
            Some(0) if expected_invalid.is_empty() => {
                assert!(
                    stdout(&out).contains("scenario real-data is valid"),
                    "{}",
                    stdout(&out)
                );
                for warning in err.lines().filter(|l| l.starts_with("Warning:")) {
                    assert!(
                        EXPECTED_WARNINGS
                            .iter()
                            .any(|(folder, text)| *folder == relative && warning.contains(text)),
                        "{relative}: unexpected warning (an unknown field in upstream YAML is a gap in the model):\n{warning}"
                    );
                }
            }
            Some(2) if !expected_invalid.is_empty() => {
                assert!(
                    expected_invalid.iter().any(|(file, _)| err.contains(file)),
                    "{relative}: the error does not name a known-invalid file:\n{err}"
                );
            }
            code => failures.push(format!("{relative}: exit {code:?}\n{err}")),
        }
    }
    eprintln!("validated {files} manifest files in {} folders", dirs.len());
    assert!(
        failures.is_empty(),
        "{} folder(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Reads `summary.json` of a run.
fn summary(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

#[test]
fn online_boutique_and_sock_shop_run_for_five_minutes() {
    let Some(manifests) = manifests_root() else {
        return;
    };
    let tmp = temp_dir("real-data-run");
    for app in ["online-boutique", "sock-shop"] {
        let app_dir = manifests.join(app);
        if !app_dir.is_dir() {
            eprintln!("note: {} is absent; skipping it", app_dir.display());
            continue;
        }
        let scenario = write_scenario(&tmp, app);
        let out_dir = tmp.join(format!("out-{app}"));
        let args = [
            "run",
            &scenario.to_string_lossy(),
            &app_dir.to_string_lossy(),
            "--until",
            "5m",
            "-o",
            "none",
            "--out",
            &out_dir.to_string_lossy(),
        ]
        .map(|a| a.to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = timonel_in(&root(), &args, None);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{app}:\n{err}");
        let s = summary(&out_dir);
        let created = s["cluster"]["pods_created"].as_u64().unwrap_or(0);
        assert!(created > 0, "{app}: no pods created: {s}");
        assert_eq!(s["duration_ms"].as_u64(), Some(300_000), "{app}: {s}");
        // The pods must get somewhere: sock-shop selects nodes on `beta.kubernetes.io/os`,
        // a label every kubelet still registers.
        let pods = std::fs::read_to_string(out_dir.join("pods.csv")).expect("pods.csv");
        let mut rows = pods.lines();
        let header: Vec<&str> = rows.next().expect("header").split(',').collect();
        let scheduled = header
            .iter()
            .position(|c| *c == "scheduled_ms")
            .expect("scheduled_ms column");
        let placed = rows
            .filter(|r| r.split(',').nth(scheduled).is_some_and(|v| !v.is_empty()))
            .count();
        assert!(
            placed > 0,
            "{app}: none of {created} pods was scheduled:\n{err}"
        );
        assert_eq!(
            s["cluster"]["pods_pending_max"]
                .as_u64()
                .map(|p| p < created),
            Some(true),
            "{app}: {s}"
        );
    }
}
