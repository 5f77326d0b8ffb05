//! The HorizontalPodAutoscaler controller driven by the traffic model's CPU use.

use crate::traffic::{run_at, value_at, web};

const HPA: &str = "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 2\n  maxReplicas: 10\n  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target: {type: Utilization, averageUtilization: 50}\n";

#[test]
fn scales_out_on_a_traffic_step_and_in_after_the_stabilisation_window() {
    let text = web(
        "  duration: 40m\n  traffic:\n    - service: web\n      rps: {pattern: step, steps: [{at: 0s, rps: 100}, {at: 5m, rps: 300}, {at: 15m, rps: 100}]}\n      cpuPerRequest: 1m",
        2,
        HPA,
    );
    let r = run_at("test.yaml", &text);
    let rescales: Vec<(u64, String)> = r
        .world
        .events
        .iter()
        .filter(|e| e.reason == "SuccessfulRescale")
        .map(|e| (e.time.as_millis(), e.message.clone()))
        .collect();
    // 150 % of the request against a 50 % target: ratio 3, limited to max(2×2, 4) = 4 first.
    let (t, message) = &rescales[0];
    assert!((300_000..=315_000).contains(t), "{rescales:?}");
    assert_eq!(
        message,
        "New size: 4; reason: cpu resource utilization (percentage of request) above target"
    );
    assert_eq!(value_at(&r, "deployment/web", "replicas", 14 * 60_000), 6.0);
    let down = rescales
        .iter()
        .find(|(_, m)| m.contains("All metrics below target"))
        .expect("a scale-down");
    assert!(down.0 >= 20 * 60_000 - 15_000, "{rescales:?}");
    assert_eq!(value_at(&r, "deployment/web", "replicas", 40 * 60_000), 2.0);
    assert!(
        r.recorder
            .series_id("horizontalpodautoscaler/web", "current_utilization_percent")
            .is_some()
    );
}

/// An HPA on `deployment/web` (min 2, max `max`, 50 % CPU) with `behavior` lines (indented two
/// spaces under `spec`).
fn hpa(max: u32, behavior: &str) -> String {
    format!(
        "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}\n  minReplicas: 2\n  maxReplicas: {max}\n  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target: {{type: Utilization, averageUtilization: 50}}\n{behavior}"
    )
}

/// (t_ms, new size) of the SuccessfulRescale events.
fn rescales(r: &timonel::metrics::RunResults) -> Vec<(u64, i64)> {
    r.world
        .events
        .iter()
        .filter(|e| e.reason == "SuccessfulRescale")
        .filter_map(|e| {
            let size = e.message.strip_prefix("New size: ")?.split(';').next()?;
            Some((e.time.as_millis(), size.parse().ok()?))
        })
        .collect()
}

/// 500 rps at 1m CPU each is 500m: ten pods at 50 % of 100m; 100 rps from 10m is two.
const STEP_DOWN: &str = "  duration: 20m\n  traffic:\n    - service: web\n      rps: {pattern: step, steps: [{at: 0s, rps: 500}, {at: 10m, rps: 100}]}\n      cpuPerRequest: 1m";

#[test]
fn docs_scale_down_policy_percent_100_removes_all_surplus_replicas_at_once() {
    // The documentation's default scaleDown policy (100 % per 15 s), without the window.
    let behavior = "  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 0\n      policies:\n      - {type: Percent, value: 100, periodSeconds: 15}\n";
    let r = run_at("test.yaml", &web(STEP_DOWN, 2, &hpa(10, behavior)));
    let sizes = rescales(&r);
    assert_eq!(value_at(&r, "deployment/web", "replicas", 9 * 60_000), 10.0);
    let down: Vec<&(u64, i64)> = sizes.iter().filter(|(t, _)| *t >= 10 * 60_000).collect();
    assert_eq!(down.len(), 1, "{sizes:?}");
    assert_eq!(down[0].1, 2);
    assert!(down[0].0 <= 10 * 60_000 + 30_000, "{sizes:?}");
}

#[test]
fn docs_scale_down_policy_pods_4_per_minute_limits_the_rate() {
    // The documentation's example: at most 4 pods (or 10 %, whichever is more) per minute.
    let behavior = "  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 0\n      policies:\n      - {type: Pods, value: 4, periodSeconds: 60}\n      - {type: Percent, value: 10, periodSeconds: 60}\n";
    let r = run_at("test.yaml", &web(STEP_DOWN, 2, &hpa(10, behavior)));
    let down: Vec<(u64, i64)> = rescales(&r)
        .into_iter()
        .filter(|(t, _)| *t >= 10 * 60_000)
        .collect();
    // Demand wants 2 at once; the Pods policy allows 10 → 6 first.
    assert_eq!(down[0].1, 6, "{down:?}");
    // No 60 s period (upstream counts changes strictly after now − period) removes more than 4.
    let mut previous = 10;
    let mut removed: Vec<(u64, i64)> = Vec::new();
    for &(t, size) in &down {
        removed.push((t, previous - size));
        previous = size;
        let in_period: i64 = removed
            .iter()
            .filter(|(at, _)| *at + 60_000 > t)
            .map(|(_, n)| n)
            .sum();
        assert!(in_period <= 4, "{down:?}");
    }
    assert_eq!(value_at(&r, "deployment/web", "replicas", 20 * 60_000), 2.0);
}

#[test]
fn max_replicas_bounds_the_scale_out() {
    // 1000 rps wants 20 pods; maxReplicas is 6.
    let spec =
        "  duration: 10m\n  traffic:\n    - service: web\n      rps: 1000\n      cpuPerRequest: 1m";
    let r = run_at("test.yaml", &web(spec, 2, &hpa(6, "")));
    let sizes = rescales(&r);
    assert_eq!(sizes.last().map(|s| s.1), Some(6), "{sizes:?}");
    assert!(sizes.iter().all(|s| s.1 <= 6), "{sizes:?}");
    let desired = r
        .recorder
        .series_id("horizontalpodautoscaler/web", "desired_replicas")
        .expect("desired_replicas");
    assert!(r.recorder.points(desired).iter().all(|p| p.1 <= 6.0));
    assert_eq!(value_at(&r, "deployment/web", "replicas", 10 * 60_000), 6.0);
}

#[test]
fn summary_has_a_kubectl_style_hpa_table() {
    let spec =
        "  duration: 10m\n  traffic:\n    - service: web\n      rps: 1000\n      cpuPerRequest: 1m";
    let r = run_at("test.yaml", &web(spec, 2, &hpa(6, "")));
    let summary = timonel::export::table::render_summary(&r);
    let lines: Vec<&str> = summary
        .lines()
        .skip_while(|l| !l.starts_with("NAME") || !l.contains("REFERENCE"))
        .take(2)
        .collect();
    let words = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(
        words(lines[0]),
        [
            "NAME",
            "REFERENCE",
            "TARGETS",
            "MINPODS",
            "MAXPODS",
            "REPLICAS",
            "AGE"
        ]
    );
    let row = words(lines[1]);
    assert_eq!(row[0], "horizontalpodautoscaler/web");
    assert_eq!(row[1], "Deployment/web");
    // 1000m over 6 pods of 100m: 166 % of the request against a 50 % target.
    assert_eq!(row[2], "cpu:");
    assert!(
        row[3].ends_with("%/50%") && row[3] != "<unknown>/50%",
        "{row:?}"
    );
    assert_eq!(row[4..7], ["2", "6", "6"]);
    assert_eq!(row[7], "10m");
}

#[test]
fn every_scalable_target_kind_is_autoscaled_with_the_same_rules() {
    // (kind in the manifest, its apiVersion, extra spec lines, the series object)
    let kinds = [
        ("StatefulSet", "apps/v1", "", "statefulset/web"),
        ("ReplicaSet", "apps/v1", "", "replicaset/web"),
        (
            "Rollout",
            "argoproj.io/v1alpha1",
            "  strategy:\n    canary: {}\n",
            "rollout/web",
        ),
    ];
    for (kind, api_version, extra, object) in kinds {
        let hpa = HPA.replace(
            "{apiVersion: apps/v1, kind: Deployment, name: web}",
            &format!("{{apiVersion: {api_version}, kind: {kind}, name: web}}"),
        );
        let text = web(
            "  duration: 16m\n  traffic:\n    - service: web\n      rps: {pattern: step, steps: [{at: 0s, rps: 100}, {at: 5m, rps: 300}]}\n      cpuPerRequest: 1m",
            2,
            &hpa,
        )
        .replace(
            "apiVersion: apps/v1\nkind: Deployment",
            &format!("apiVersion: {api_version}\nkind: {kind}"),
        )
        .replace("  template:\n", &format!("{extra}  template:\n"));
        let r = run_at("test.yaml", &text);
        let sizes = rescales(&r);
        // The same arithmetic as for a Deployment: 4 first (ratio 3, limited to max(2×2, 4)),
        // then 6.
        assert_eq!(sizes.first().map(|s| s.1), Some(4), "{kind}: {sizes:?}");
        assert!(
            (300_000..=315_000).contains(&sizes[0].0),
            "{kind}: {sizes:?}"
        );
        assert_eq!(value_at(&r, object, "replicas", 15 * 60_000), 6.0, "{kind}");
    }
}

#[test]
fn a_target_without_scale_subresource_is_announced() {
    let hpa = HPA.replace(
        "{apiVersion: apps/v1, kind: Deployment, name: web}",
        "{apiVersion: apps/v1, kind: DaemonSet, name: web}",
    );
    let text = web("  duration: 1m", 2, &hpa);
    let scenarios = timonel::scenario::load(
        &[timonel::scenario::Input {
            path: "t.yaml".into(),
            text,
        }],
        timonel::scenario::LoadOptions::default(),
    )
    .unwrap();
    assert!(
        scenarios[0].notes.iter().any(|n| n
            == "Info: HorizontalPodAutoscaler \"web\": spec.scaleTargetRef kind \"DaemonSet\" has no scale subresource in the simulation (Deployment, StatefulSet, ReplicaSet and Rollout have): this autoscaler never scales"),
        "{:?}",
        scenarios[0].notes
    );
}
