//! Charts, `report.html` and `index.html`: files exist, parse as SVG and PNG, are byte-stable,
//! are listed in manifest.json, and the report shows what the run did (in a headless browser
//! when one is installed).

use std::path::{Path, PathBuf};

use timonel::export::charts::run::run_charts;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, LoadOptions};

use crate::support::{root, stderr, temp_dir, timonel};

fn load(path: &str) -> timonel::scenario::Scenario {
    let inputs = scenario::read_inputs(&[root().join(path).to_string_lossy().to_string()])
        .unwrap_or_else(|e| panic!("{e}"));
    scenario::load(&inputs, LoadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .remove(0)
}

fn charts_of(s: &timonel::scenario::Scenario) -> Vec<timonel::export::charts::Chart> {
    let results = pipeline::run(
        s,
        RunOptions {
            seed: s.seed,
            until: s.duration,
            max_events: 5_000_000,
            check_invariants: false,
            record_scheduling: false,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    run_charts(s, &results).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks that `svg` is one well-formed `<svg>` element: every tag closed in order.
pub fn assert_well_formed_svg(name: &str, svg: &str) {
    assert!(
        svg.starts_with("<svg"),
        "{name}: {}",
        &svg[..40.min(svg.len())]
    );
    let mut open: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .unwrap_or_else(|| panic!("{name}: unterminated tag"))
            + start;
        let tag = &rest[start + 1..end];
        if let Some(closing) = tag.strip_prefix('/') {
            let expected = open
                .pop()
                .unwrap_or_else(|| panic!("{name}: stray </{closing}>"));
            assert_eq!(expected, closing.trim(), "{name}: mismatched close tag");
        } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
            open.push(tag.split_whitespace().next().unwrap_or(""));
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "{name}: unclosed {open:?}");
}

/// Decodes a PNG fully; returns its size.
pub fn decode_png(name: &str, bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buffer)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        buffer.iter().any(|b| *b != 255),
        "{name}: the image is blank"
    );
    (info.width, info.height)
}

#[test]
fn run_charts_parse_and_are_byte_identical_run_to_run() {
    let s = load("scenarios/hpa-diurnal.yaml");
    let first = charts_of(&s);
    let second = charts_of(&s);
    let names: Vec<&str> = first.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["rollout", "availability", "utilisation", "hpa"]);
    assert!(first == second, "charts differ between two runs");
    for chart in &first {
        assert_well_formed_svg(&chart.name, &chart.svg);
        let (width, height) = decode_png(&chart.name, &chart.png);
        assert!(
            chart
                .svg
                .contains(&format!("width=\"{width}\" height=\"{height}\"")),
            "{}: the PNG and the SVG have the same size",
            chart.name
        );
        // A title, axis descriptions with units and a legend.
        assert!(chart.svg.contains(&chart.title), "{}", chart.name);
        assert!(chart.svg.contains("simulated time (min)"), "{}", chart.name);
    }
    let hpa = &first[3];
    for text in [
        "replicas (pods)",
        "demand (requests/s)",
        "desired (HPA)",
        "actual (deployment/web)",
    ] {
        assert!(hpa.svg.contains(text), "hpa chart lacks {text}");
    }
    assert!(first[2].svg.contains("CPU requested / allocatable (%)"));
}

#[test]
fn pending_chart_appears_only_when_pods_wait() {
    let stuck = charts_of(&load("scenarios/priority-preemption.yaml"));
    let calm = charts_of(&load("scenarios/nginx-rolling-update.yaml"));
    let names = |charts: &[timonel::export::charts::Chart]| -> Vec<String> {
        charts.iter().map(|c| c.name.clone()).collect()
    };
    assert!(
        names(&stuck).contains(&"pending".to_string()),
        "{:?}",
        names(&stuck)
    );
    assert_eq!(names(&calm), ["rollout", "utilisation"]);
}

const FAILING: &str = "apiVersion: timonel/v1alpha1
kind: Scenario
metadata:
  name: failing
  description: \"A <script>alert('x')</script> & friends\"
spec:
  duration: 2m
  cluster:
    nodePools:
      - {name: worker, count: 2, zones: [zone-a], capacity: {cpu: \"2\", memory: 4Gi, pods: \"110\"}}
  timeline:
    - {at: 30s, action: scale, target: deployment/web, replicas: 3}
  expect:
    - {name: impossible, metric: replicas, target: deployment/web, min: 99}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: web:1, resources: {requests: {cpu: 100m}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
";

/// Two scenarios in one folder: one passing (a copy of a shipped one), one failing.
fn two_scenarios(base: &Path) -> PathBuf {
    let input = base.join("input");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(
        root().join("scenarios/nginx-rolling-update.yaml"),
        input.join("a-nginx.yaml"),
    )
    .unwrap();
    std::fs::write(input.join("b-failing.yaml"), FAILING).unwrap();
    input
}

fn run_dir(input: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-o",
        "none",
    ];
    args.extend(extra);
    let output = timonel(&args);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
}

#[test]
fn report_index_and_manifest_for_several_scenarios() {
    let base = temp_dir("report");
    let input = two_scenarios(&base);
    let out = base.join("out");
    run_dir(&input, &out, &[]);
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains("<a href=\"nginx-rolling-update/report.html\">nginx-rolling-update</a>")
    );
    assert!(index.contains("<a href=\"failing/report.html\">failing</a>"));
    assert!(index.contains("1 passed, 1 failed"), "{index}");

    let dir = out.join("failing");
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(report.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; friends"));
    assert!(!report.contains("<script>alert"), "user text is escaped");
    assert!(report.contains("<span class=\"badge fail\">FAIL</span>"));
    assert!(report.contains("<td>scale</td>"), "the timeline is listed");
    assert!(
        report.contains("Scaled up replica set"),
        "the events are listed"
    );
    for external in ["src=\"http", "href=\"http", "<link", "url(http", "@import"] {
        assert!(!report.contains(external), "the report loads {external}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    for file in [
        "report.html",
        "rollout.svg",
        "rollout.png",
        "availability.svg",
        "availability.png",
        "utilisation.svg",
        "utilisation.png",
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            manifest["outputs"][file],
            timonel::scenario::load::sha256_hex(&bytes),
            "{file}"
        );
        if let Some(name) = file.strip_suffix(".svg") {
            assert!(
                report.contains(&format!("<figure id=\"chart-{name}\"")),
                "{name} is inlined"
            );
        }
    }
    assert!(!dir.join("hpa.svg").exists(), "no HPA, no HPA chart");
}

#[test]
fn no_charts_skips_the_images_but_keeps_the_report() {
    let base = temp_dir("no-charts");
    let out = base.join("out");
    let input = two_scenarios(&base);
    run_dir(&input, &out, &["--no-charts"]);
    let dir = out.join("failing");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.ends_with(".svg") || n.ends_with(".png")),
        "{names:?}"
    );
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(report.contains("Charts were not drawn for this run."));
    assert!(!report.contains("<svg"));
}

#[test]
fn monte_carlo_draws_charts_for_the_first_run_only() {
    let base = temp_dir("runs-charts");
    let out = base.join("out");
    let output = timonel(&[
        "run",
        root()
            .join("scenarios/nginx-rolling-update.yaml")
            .to_str()
            .unwrap(),
        "--runs",
        "2",
        "--out",
        out.to_str().unwrap(),
        "-o",
        "none",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(out.join("run-0/rollout.png").exists());
    assert!(out.join("run-0/report.html").exists());
    assert!(!out.join("run-1/rollout.png").exists());
    assert!(!out.join("run-1/report.html").exists());
    assert!(out.join("run-1/events.csv").exists());
}

/// The first Chromium-family browser on PATH.
fn browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Loads `page` in headless `browser`; returns (DOM after scripts ran, console lines logged).
/// Output goes to files, not pipes, so that a large DOM cannot block the browser.
fn headless(browser: &Path, page: &Path, work: &Path) -> (String, Vec<String>) {
    use std::process::{Command, Stdio};
    std::fs::create_dir_all(work).unwrap();
    let (out, err) = (work.join("dom.html"), work.join("stderr.txt"));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join("profile").display()
        ))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("start the browser");
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait for the browser").is_none() {
        if started.elapsed() > std::time::Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the browser did not finish within 90 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let console = std::fs::read_to_string(&err)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (std::fs::read_to_string(&out).unwrap_or_default(), console)
}

#[test]
fn report_loads_in_a_headless_browser_without_console_errors() {
    let Some(browser) = browser() else {
        println!(
            "SKIPPED: no chromium, chromium-browser or google-chrome on PATH; \
             report.html was not checked in a browser"
        );
        return;
    };
    let base = temp_dir("browser");
    let out = base.join("out");
    let output = timonel(&[
        "run",
        root().join("scenarios/hpa-diurnal.yaml").to_str().unwrap(),
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
    // The console capture works: a page that logs an error is caught.
    let probe = base.join("probe.html");
    std::fs::write(
        &probe,
        "<!DOCTYPE html><html><body><script>console.error('timonel-probe')</script></body></html>",
    )
    .unwrap();
    let (_, console) = headless(&browser, &probe, &base.join("probe"));
    assert!(
        console.iter().any(|l| l.contains("timonel-probe")),
        "the browser's console is not captured: {console:?}"
    );
    let report = out.join("report.html").canonicalize().unwrap();
    let (dom, console) = headless(&browser, &report, &base.join("report"));
    assert!(console.is_empty(), "console messages: {console:?}");
    for chart in ["rollout", "availability", "utilisation", "hpa"] {
        assert!(
            dom.contains(&format!("id=\"chart-{chart}\"")),
            "{chart} missing from the DOM"
        );
    }
    assert_eq!(dom.matches("<svg").count(), 4, "four inline charts");
    assert!(dom.contains("id=\"events-table\""));
    println!("checked report.html in {}", browser.display());
}
