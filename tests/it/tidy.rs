//! Tidy: banned APIs and module dependency rules (ARCHITECTURE "Dependency rules"), enforced by
//! reading the sources.

use crate::support::root;

fn sources(dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![root().join("src").join(dir)];
    while let Some(d) = dirs.pop() {
        if d.is_file() {
            out.push((
                d.strip_prefix(root())
                    .unwrap()
                    .to_string_lossy()
                    .to_string(),
                std::fs::read_to_string(&d).unwrap(),
            ));
            continue;
        }
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((
                    path.strip_prefix(root())
                        .unwrap()
                        .to_string_lossy()
                        .to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Code lines only (comments dropped), for grepping.
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_wall_clock_or_unseeded_randomness_in_the_model() {
    for (path, text) in sources("") {
        if path.starts_with("src/cli") || path == "src/main.rs" {
            continue;
        }
        let text = code(&text);
        for banned in [
            "thread_rng",
            "rand::rng()",
            "Instant::now",
            "SystemTime::now",
            "from_entropy",
            "OsRng",
        ] {
            assert!(
                !text.contains(banned),
                "{path} uses {banned}: all randomness comes from sim::rng, time from sim::time"
            );
        }
    }
}

#[test]
fn no_hash_map_iteration_reaches_outputs() {
    // Hash maps are allowed only where their iteration order can never be observed.
    const ALLOWED: [&str; 1] = ["src/sim/queue.rs"];
    for (path, text) in sources("") {
        if ALLOWED.contains(&path.as_str()) {
            continue;
        }
        let text = code(&text);
        assert!(
            !text.contains("HashMap") && !text.contains("HashSet"),
            "{path} uses a hash map: use BTreeMap/BTreeSet or dense ids"
        );
    }
}

#[test]
fn module_dependency_rules() {
    let rules: [(&str, &[&str]); 9] = [
        (
            "sim",
            &[
                "crate::model",
                "crate::scenario",
                "crate::cluster",
                "crate::scheduler",
                "crate::controllers",
                "crate::kubelet",
                "crate::metrics",
                "crate::export",
                "crate::cli",
                "crate::check",
                "crate::pipeline",
            ],
        ),
        (
            "model",
            &[
                "crate::scenario",
                "crate::cluster",
                "crate::scheduler",
                "crate::controllers",
                "crate::kubelet",
                "crate::metrics",
                "crate::export",
                "crate::cli",
                "crate::sim::engine",
                "crate::sim::rng",
            ],
        ),
        (
            "scenario",
            &[
                "crate::cluster",
                "crate::scheduler",
                "crate::controllers",
                "crate::kubelet",
                "crate::metrics",
                "crate::export",
                "crate::cli",
                "crate::pipeline",
            ],
        ),
        (
            "scheduler",
            &[
                "crate::cluster",
                "crate::controllers",
                "crate::kubelet",
                "crate::metrics",
                "crate::export",
                "crate::cli",
                "crate::scenario",
            ],
        ),
        (
            "controllers",
            &[
                "crate::scheduler",
                "crate::kubelet",
                "crate::metrics",
                "crate::export",
                "crate::cli",
                "crate::scenario",
            ],
        ),
        (
            "kubelet",
            &[
                "crate::scheduler",
                "crate::controllers",
                "crate::metrics",
                "crate::export",
                "crate::cli",
            ],
        ),
        (
            "metrics",
            &[
                "crate::export",
                "crate::cli",
                "crate::scheduler",
                "crate::controllers",
                "crate::kubelet",
            ],
        ),
        (
            "cluster",
            &[
                "crate::metrics",
                "crate::export",
                "crate::cli",
                "crate::pipeline",
            ],
        ),
        // Exporters (CSV, JSON, charts, HTML) read finished results: they never run the
        // simulation or reach into its components.
        (
            "export",
            &[
                "crate::cli",
                "crate::pipeline",
                "crate::sim::engine",
                "crate::scheduler",
                "crate::controllers",
                "crate::kubelet",
            ],
        ),
    ];
    for (module, banned) in rules {
        for (path, text) in sources(module) {
            let text = code(&text);
            for b in banned {
                assert!(
                    !text.contains(&format!("{b}::")) && !text.contains(&format!("{b};")),
                    "{path} must not depend on {b}"
                );
            }
        }
    }
    // Only the CLI touches argv, the environment and the process.
    for (path, text) in sources("") {
        if path.starts_with("src/cli") || path == "src/main.rs" {
            continue;
        }
        let text = code(&text);
        for banned in ["std::env::args", "std::env::var", "std::process::exit"] {
            assert!(!text.contains(banned), "{path} uses {banned}");
        }
    }
}

#[test]
fn every_module_is_documented() {
    for (path, text) in sources("") {
        assert!(
            text.trim_start().starts_with("//!"),
            "{path} has no module doc comment"
        );
    }
}

#[test]
fn charts_use_no_system_fonts() {
    // plotters' default features read fonts through fontconfig: outputs would depend on the
    // machine. The bundled Noto Sans is registered instead.
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let plotters = manifest
        .lines()
        .find(|l| l.starts_with("plotters "))
        .expect("plotters dependency");
    assert!(plotters.contains("default-features = false"), "{plotters}");
    assert!(
        root().join("LICENSES/OFL-NotoSans.txt").is_file(),
        "the font's licence ships with the sources"
    );
}
