//! Demand on Services (`spec.traffic`, `setTraffic`): patterns, traces, and the CPU the serving
//! pods use.

use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

pub fn run_at(path: &str, text: &str) -> RunResults {
    let scenarios = scenario::load(
        &[Input {
            path: path.into(),
            text: text.into(),
        }],
        LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let s = &scenarios[0];
    pipeline::run(
        s,
        RunOptions {
            seed: s.seed,
            until: s.duration,
            max_events: 5_000_000,
            check_invariants: true,
            record_scheduling: false,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The value of `object`'s `metric` at `t_ms` (the last change at or before it).
pub fn value_at(results: &RunResults, object: &str, metric: &str, t_ms: u64) -> f64 {
    let id = results
        .recorder
        .series_id(object, metric)
        .unwrap_or_else(|| panic!("no series {object} {metric}"));
    results
        .recorder
        .points(id)
        .into_iter()
        .take_while(|(t, _)| *t <= t_ms)
        .last()
        .map_or(0.0, |(_, v)| v)
}

/// A scenario with `spec` lines after the cluster, a Deployment `web` of `replicas` pods
/// (requests 100m CPU) and a Service `web` in front of it.
pub fn web(spec: &str, replicas: u32, extra: &str) -> String {
    format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: t\nspec:\n  cluster:\n    nodePools:\n      - {{name: worker, count: 4, capacity: {{cpu: \"8\", memory: 32Gi}}}}\n{spec}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: app\n        image: nginx\n        resources:\n          requests: {{cpu: 100m, memory: 64Mi}}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {{app: web}}\n  ports:\n  - port: 80\n{extra}"
    )
}

const MIN: u64 = 60_000;

#[test]
fn demand_follows_a_step_pattern_and_set_traffic() {
    let text = web(
        "  duration: 20m\n  traffic:\n    - service: web\n      rps: {pattern: step, steps: [{at: 0s, rps: 10}, {at: 5m, rps: 40}]}\n  timeline:\n    - {at: 10m, action: setTraffic, service: web, rps: {pattern: ramp, from: 0, to: 100, start: 0s, end: 5m, resolution: 1m}}",
        2,
        "",
    );
    let r = run_at("test.yaml", &text);
    let demand = |t| value_at(&r, "service/web", "demand_rps", t);
    assert_eq!(demand(4 * MIN), 10.0);
    assert_eq!(demand(5 * MIN), 40.0);
    assert_eq!(demand(9 * MIN), 40.0);
    assert_eq!(demand(10 * MIN), 0.0);
    assert_eq!(demand(12 * MIN + 30_000), 40.0);
    assert_eq!(demand(16 * MIN), 100.0);
}

#[test]
fn diurnal_demand_peaks_at_half_period() {
    let text = web(
        "  duration: 2h\n  traffic:\n    - service: web\n      rps: {pattern: diurnal, min: 50, max: 400, period: 1h}",
        1,
        "",
    );
    let r = run_at("test.yaml", &text);
    let demand = |t| value_at(&r, "service/web", "demand_rps", t);
    assert_eq!(demand(0), 50.0);
    assert!((demand(30 * MIN) - 400.0).abs() < 1e-9);
    assert!((demand(60 * MIN) - 50.0).abs() < 1e-9);
    assert!((demand(15 * MIN) - 225.0).abs() < 1e-9);
}

#[test]
fn demand_follows_a_trace_relative_to_the_scenario() {
    let dir = crate::support::temp_dir("traffic-trace");
    std::fs::write(dir.join("load.csv"), "t,rps\n0,5\n120,50\n300,20\n").unwrap();
    let text = web(
        "  duration: 10m\n  traffic:\n    - service: web\n      rps: {trace: load.csv, timeColumn: t, valueColumn: rps}",
        1,
        "",
    );
    let path = dir.join("s.yaml").to_string_lossy().to_string();
    let r = run_at(&path, &text);
    let demand = |t| value_at(&r, "service/web", "demand_rps", t);
    assert_eq!(
        (demand(MIN), demand(3 * MIN), demand(6 * MIN)),
        (5.0, 50.0, 20.0)
    );
}

#[test]
fn azure_arrivals_become_a_request_rate() {
    let trace = crate::support::root()
        .join("..")
        .join("shared/real-data/traces/azure-llm-2023/AzureLLMInferenceTrace_code.csv");
    if !trace.exists() {
        return;
    }
    let text = web(
        &format!(
            "  duration: 1h\n  traffic:\n    - service: web\n      rps: {{trace: \"{}\", timeColumn: TIMESTAMP, aggregate: count, bucket: 1m}}",
            trace.to_string_lossy()
        ),
        1,
        "",
    );
    let r = run_at("test.yaml", &text);
    let id = r.recorder.series_id("service/web", "demand_rps").unwrap();
    let points = r.recorder.points(id);
    assert!(points.len() > 10, "{points:?}");
    assert!(points.iter().all(|(_, v)| *v >= 0.0 && *v < 1000.0));
}

#[test]
fn per_source_rates_are_summed_per_bucket_from_a_gzip_trace_with_epoch_times() {
    use std::io::Write;
    let dir = crate::support::temp_dir("traffic-sum");
    // Two containers report their rate about once a minute, in Unix seconds.
    let csv = "timestamp,value,container\n1662859176,2,a\n1662859200,3,b\n1662859240,4,a\n1662859290,1,b\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(csv.as_bytes()).unwrap();
    std::fs::write(dir.join("qps.csv.gz"), gz.finish().unwrap()).unwrap();
    let text = web(
        "  duration: 5m\n  traffic:\n    - service: web\n      rps: {trace: qps.csv.gz, timeColumn: timestamp, valueColumn: value, aggregate: sum, bucket: 1m, startAtFirstRow: true}",
        1,
        "",
    );
    let path = dir.join("s.yaml").to_string_lossy().to_string();
    let r = run_at(&path, &text);
    let demand = |t| value_at(&r, "service/web", "demand_rps", t);
    // Rows at 0 s and 24 s fall in the first minute (2 + 3), at 64 s and 114 s in the second.
    assert_eq!(
        (demand(30_000), demand(90_000), demand(150_000)),
        (5.0, 5.0, 0.0)
    );
}

#[test]
fn the_alibaba_genai_qps_trace_drives_demand_straight_from_its_archive() {
    let trace = crate::support::root()
        .join("..")
        .join("shared/real-data/traces/alibaba-genai-v2026/qps.tar.gz");
    if !trace.exists() {
        return;
    }
    let text = web(
        &format!(
            "  duration: 2h\n  traffic:\n    - service: web\n      rps: {{trace: \"{}\", timeColumn: timestamp_anon, valueColumn: value, aggregate: sum, bucket: 1m, startAtFirstRow: true}}",
            trace.to_string_lossy()
        ),
        1,
        "",
    );
    let r = run_at("test.yaml", &text);
    let id = r.recorder.series_id("service/web", "demand_rps").unwrap();
    let points = r.recorder.points(id);
    assert!(points.len() > 30, "{points:?}");
    assert!(points.iter().all(|(_, v)| v.is_finite() && *v >= 0.0));
    assert!(points.iter().any(|(_, v)| *v > 0.0), "{points:?}");
}

#[test]
fn serving_pods_use_idle_cpu_plus_their_share_of_requests() {
    let text = web(
        "  duration: 5m\n  traffic:\n    - {service: web, rps: 300, perPodRps: 200, cpuPerRequest: 2m, idleCpu: 10m}\n  timeline:\n    - {at: 3m, action: setTraffic, service: web, rps: 1000, perPodRps: 200, cpuPerRequest: 2m, idleCpu: 10m}",
        3,
        "",
    );
    let r = run_at("test.yaml", &text);
    // 3 pods share 300 rps: 100 each → 10m + 200m per pod.
    assert_eq!(
        value_at(&r, "deployment/web", "cpu_usage_millis", 2 * MIN),
        3.0 * 210.0
    );
    // 1000 rps capped at 200 per pod.
    assert_eq!(
        value_at(&r, "deployment/web", "cpu_usage_millis", 4 * MIN),
        3.0 * 410.0
    );
    assert_eq!(value_at(&r, "service/web", "served_rps", 4 * MIN), 600.0);
    let pod = r
        .world
        .state
        .pods
        .iter()
        .position(|p| p.gone.is_none())
        .unwrap();
    assert_eq!(
        r.world
            .pod_cpu_usage_millis(timonel::cluster::state::PodId(pod)),
        410.0
    );
}
