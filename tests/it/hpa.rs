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
