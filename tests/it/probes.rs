//! Kubelet probes against the application's behaviour (`spec.images`): startup, readiness and
//! liveness probes, hung applications, and preStop hooks.

use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

fn run(images: &str, container_extra: &str, extra_spec: &str) -> RunResults {
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: probes\nspec:\n  duration: 10m\n  cluster:\n    nodePools:\n      - {{name: worker, count: 1, capacity: {{cpu: \"4\", memory: 16Gi}}}}\n  images:\n{images}{extra_spec}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: app\n        image: \"app:v1\"\n{container_extra}"
    );
    let scenarios = scenario::load(
        &[Input {
            path: "probes.yaml".into(),
            text,
        }],
        LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let s = &scenarios[0];
    pipeline::run(
        s,
        RunOptions {
            seed: 1,
            until: s.duration,
            max_events: 1_000_000,
            check_invariants: true,
            record_scheduling: false,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn events(results: &RunResults, reason: &str) -> Vec<(u64, String)> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.as_millis(), e.message.clone()))
        .collect()
}

#[test]
fn liveness_probe_restarts_a_hung_app() {
    // Started at 2 s; hangs 30 s later (32 s). Liveness every 10 s from 10 s after start: probes
    // at 12, 22, 32, 42, 52 s → failures at 32, 42, 52 → killed at 52 s (3rd failure).
    let liveness = "        livenessProbe:\n          httpGet: {path: /healthz, port: 8080}\n          initialDelaySeconds: 10\n          periodSeconds: 10\n";
    let results = run(
        "    default: {pull: 1s, start: 1s, stop: 2s, hangAfter: 30s}\n",
        liveness,
        "",
    );
    let killing = events(&results, "Killing");
    assert_eq!(
        killing[0],
        (
            52_000,
            "Container app failed liveness probe, will be restarted".to_string()
        )
    );
    assert!(
        events(&results, "Unhealthy")
            .iter()
            .any(|(t, m)| *t == 52_000 && m.starts_with("Liveness probe failed"))
    );
    // The container stops 2 s later and restarts at once (first restart), then hangs again.
    let starts: Vec<u64> = events(&results, "Started")
        .iter()
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(
        &starts[..2],
        &[2_000, 55_000],
        "restart: exit at 54 s, create, start 1 s later"
    );
    assert!(results.world.state.pods[0].restarts >= 2);
}

#[test]
fn readiness_probe_drops_a_hung_app_from_endpoints() {
    let readiness = "        readinessProbe:\n          httpGet: {path: /ready, port: 8080}\n          periodSeconds: 5\n          failureThreshold: 2\n";
    let results = run(
        "    default: {pull: 1s, start: 1s, hangAfter: 20s}\n",
        readiness,
        "",
    );
    let pod = &results.world.state.pods[0];
    // Probes at 2, 7, 12 … s after… the first probe (t = 2 s) finds the app ready.
    assert_eq!(pod.first_ready.unwrap().as_millis(), 2_000);
    assert!(!pod.ready, "hung: not ready at the end");
    let unhealthy = events(&results, "Unhealthy");
    // Hang at 22 s: failing probes at 22 and 27 s → unready at 27 s.
    assert_eq!(unhealthy[0].0, 27_000);
    assert!(unhealthy[0].1.starts_with("Readiness probe failed"));
}

#[test]
fn startup_probe_kills_an_app_that_starts_too_slowly() {
    // The app needs 60 s; the startup probe allows 3 × 10 s.
    let startup = "        startupProbe:\n          httpGet: {path: /, port: 8080}\n          periodSeconds: 10\n          failureThreshold: 3\n";
    let results = run(
        "    default: {pull: 1s, start: 1s, ready: 60s}\n",
        startup,
        "",
    );
    let killing = events(&results, "Killing");
    assert_eq!(
        killing[0],
        (
            22_000,
            "Container app failed startup probe, will be restarted".to_string()
        )
    );
    assert!(
        results.world.state.pods[0].first_ready.is_none(),
        "never ready"
    );
    // With room for the start-up, the same app becomes ready at the first successful probe.
    let patient = startup.replace("failureThreshold: 3", "failureThreshold: 10");
    let results = run(
        "    default: {pull: 1s, start: 1s, ready: 60s}\n",
        &patient,
        "",
    );
    assert_eq!(
        results.world.state.pods[0].first_ready.unwrap().as_millis(),
        62_000
    );
}

#[test]
fn pre_stop_sleep_delays_termination_within_the_grace_period() {
    let hook = "        lifecycle:\n          preStop:\n            sleep: {seconds: 15}\n";
    let spec = "  timeline:\n    - {at: 1m, action: scale, target: deployment/web, replicas: 0}\n";
    let results = run("    default: {pull: 1s, start: 1s, stop: 2s}\n", hook, spec);
    let pod = &results.world.state.pods[0];
    assert_eq!(
        pod.gone.unwrap().as_millis(),
        77_000,
        "preStop 15 s + stop 2 s"
    );
    let long_hook = hook.replace("seconds: 15", "seconds: 45");
    let results = run(
        "    default: {pull: 1s, start: 1s, stop: 2s}\n",
        &long_hook,
        spec,
    );
    // The hook is cut at the 30 s grace period; the kubelet still gives the container its
    // minimum 2 s between SIGTERM and SIGKILL (`minimumGracePeriodInSeconds`).
    assert_eq!(
        results.world.state.pods[0].gone.unwrap().as_millis(),
        92_000,
        "hook cut at the 30 s grace period, then the 2 s minimum"
    );
}

#[test]
fn exec_and_http_pre_stop_hooks_take_their_sleep_and_the_images_handler_time() {
    let spec = "  timeline:\n    - {at: 1m, action: scale, target: deployment/web, replicas: 0}\n";
    let cases = [
        // The usual exec hook: a shell sleep before the app's own shutdown.
        (
            "        lifecycle:\n          preStop:\n            exec:\n              command: [\"/bin/sh\", \"-c\", \"sleep 10\"]\n",
            "    default: {pull: 1s, start: 1s, stop: 2s}\n",
            72_000,
        ),
        // The same, plus 3 s the image's handler takes.
        (
            "        lifecycle:\n          preStop:\n            exec:\n              command: [\"/bin/sh\", \"-c\", \"sleep 10; nginx -s quit\"]\n",
            "    default: {pull: 1s, start: 1s, stop: 2s, preStop: 3s}\n",
            75_000,
        ),
        // An httpGet hook takes the image's handler time only.
        (
            "        lifecycle:\n          preStop:\n            httpGet: {path: /shutdown, port: 8080}\n",
            "    default: {pull: 1s, start: 1s, stop: 2s, preStop: 4s}\n",
            66_000,
        ),
        // Without a handler time, an httpGet hook is instant.
        (
            "        lifecycle:\n          preStop:\n            httpGet: {path: /shutdown, port: 8080}\n",
            "    default: {pull: 1s, start: 1s, stop: 2s}\n",
            62_000,
        ),
    ];
    for (hook, images, gone_ms) in cases {
        let results = run(images, hook, spec);
        assert_eq!(
            results.world.state.pods[0].gone.unwrap().as_millis(),
            gone_ms,
            "{hook}"
        );
    }
}
