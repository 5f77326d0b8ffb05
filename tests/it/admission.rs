//! Namespace admission policy as the apiserver applies it: LimitRange defaults and min/max
//! checks (LimitRanger), ResourceQuota usage checks with the ReplicaSet controller retrying
//! refused creations, and the DefaultTolerationSeconds tolerations.

use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

/// Runs a 5-minute scenario with `timeline` (YAML list items, four spaces) and `manifests`.
fn run(timeline: &str, manifests: &[&str]) -> RunResults {
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: adm\nspec:\n  duration: 5m\n  cluster:\n    nodePools:\n    - {{name: worker, count: 2, capacity: {{cpu: \"8\", memory: 32Gi}}}}\n  images:\n    \"quick:1\": {{runFor: 10s}}\n  timeline:\n{timeline}\n---\n{}",
        manifests.join("---\n")
    );
    let text = text.replace("  timeline:\n\n", "  timeline: []\n");
    let scenarios = scenario::load(
        &[Input {
            path: "adm.yaml".into(),
            text,
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

fn deployment(replicas: i64, resources: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: app\n        image: nginx\n{resources}"
    )
}

const LIMIT_RANGE: &str = "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: limits\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 500m, memory: 256Mi}\n    defaultRequest: {cpu: 250m}\n    min: {cpu: 100m}\n";

fn failed_create(results: &RunResults) -> Vec<(u64, String)> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.reason == "FailedCreate")
        .map(|e| (e.time.as_millis(), e.message.clone()))
        .collect()
}

/// Strips the random pod name from `Error creating: pods "web-…" is forbidden: REASON`.
fn reason(message: &str) -> &str {
    message
        .split_once(" is forbidden: ")
        .map_or(message, |(_, r)| r)
}

#[test]
fn limit_range_defaults_fill_missing_requests_and_limits() {
    let results = run("", &[LIMIT_RANGE, &deployment(2, "")]);
    let pods = &results.world.state.pods;
    assert_eq!(pods.len(), 2);
    for pod in pods {
        let c = &pod.spec.containers[0];
        assert_eq!(c.requests.cpu_millis, 250);
        assert!(c.requests.has_cpu);
        assert_eq!(c.limits.cpu_millis, 500);
        // defaultRequest memory falls back to the default limit (API defaulting).
        assert_eq!(c.requests.memory_bytes, 256 << 20);
        assert_eq!(c.limits.memory_bytes, 256 << 20);
        assert!(pod.started.is_some(), "{} did not start", pod.name);
    }
}

#[test]
fn limit_range_minimum_refuses_pods_with_the_upstream_message() {
    let resources =
        "        resources:\n          requests: {cpu: 50m}\n          limits: {cpu: 50m}\n";
    let results = run("", &[LIMIT_RANGE, &deployment(1, resources)]);
    assert!(results.world.state.pods.is_empty());
    let failures = failed_create(&results);
    assert!(!failures.is_empty());
    assert!(
        failures[0].1.starts_with("Error creating: pods \"web-"),
        "{}",
        failures[0].1
    );
    assert_eq!(
        reason(&failures[0].1),
        "minimum cpu usage per Container is 100m, but request is 50m"
    );
}

#[test]
fn limit_range_maximum_and_ratio_aggregate_in_brackets() {
    let range = "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: limits\nspec:\n  limits:\n  - type: Container\n    max: {memory: 1Gi}\n    maxLimitRequestRatio: {cpu: \"2\"}\n";
    let resources = "        resources:\n          requests: {cpu: 100m, memory: 128Mi}\n          limits: {cpu: 500m, memory: 2Gi}\n";
    let results = run("", &[range, &deployment(1, resources)]);
    let failures = failed_create(&results);
    assert_eq!(
        reason(&failures[0].1),
        "[maximum memory usage per Container is 1Gi, but limit is 2Gi, cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000]"
    );
}

#[test]
fn pod_type_limit_range_checks_the_pod_sum() {
    let range = "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: pod-max\nspec:\n  limits:\n  - type: Pod\n    max: {cpu: \"1\"}\n";
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\nspec:\n  containers:\n  - {name: a, image: nginx, resources: {limits: {cpu: 800m}}}\n  - {name: b, image: nginx, resources: {limits: {cpu: 800m}}}\n";
    let results = run("", &[range, pod]);
    assert!(results.world.state.pods.is_empty());
    assert!(
        results.world.notes.iter().any(|n| n
            == "Warning: pods \"big\" is forbidden: maximum cpu usage per Pod is 1, but limit is 1600m"),
        "{:?}",
        results.world.notes
    );
}

const QUOTA: &str = "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: compute\nspec:\n  hard: {requests.cpu: \"1\", pods: \"10\"}\n";

#[test]
fn resource_quota_refuses_the_pod_that_would_exceed_it_and_the_replicaset_retries() {
    let resources = "        resources:\n          requests: {cpu: 400m}\n";
    let timeline = "    - {at: 2m, action: delete, target: resourcequota/compute}";
    let results = run(timeline, &[QUOTA, &deployment(3, resources)]);
    let failures = failed_create(&results);
    assert!(!failures.is_empty());
    assert_eq!(
        reason(&failures[0].1),
        "exceeded quota: compute, requested: requests.cpu=400m, used: requests.cpu=800m, limited: requests.cpu=1"
    );
    // One refusal per sync (slow start stops at the first failure), retried with the work
    // queue's per-item back-off: 5 ms, 10 ms, 20 ms …
    assert!(failures.len() >= 5, "{failures:?}");
    assert!(failures.iter().all(|(t, _)| *t < 120_000));
    let gaps: Vec<u64> = failures.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert_eq!(gaps[..4], [5, 10, 20, 40], "{gaps:?}");
    // After the quota is deleted the retry creates the third pod.
    let pods = &results.world.state.pods;
    assert_eq!(pods.len(), 3);
    assert!(pods[2].created.as_millis() >= 120_000);
    assert!(
        pods[2].created.as_millis() < 120_000 + 1_000_000,
        "{}",
        pods[2].created.as_millis()
    );
}

#[test]
fn resource_quota_on_cpu_requires_every_container_to_request_it() {
    let results = run("", &[QUOTA, &deployment(1, "")]);
    let failures = failed_create(&results);
    assert_eq!(
        reason(&failures[0].1),
        "failed quota: compute: must specify requests.cpu for: app"
    );
}

#[test]
fn resource_quota_counts_pods_and_frees_usage_of_finished_pods() {
    let quota = "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: count\nspec:\n  hard: {pods: \"2\"}\n";
    let results = run("", &[quota, &deployment(3, "")]);
    assert_eq!(results.world.state.pods.len(), 2);
    let failures = failed_create(&results);
    assert_eq!(
        reason(&failures[0].1),
        "exceeded quota: count, requested: pods=1, used: pods=2, limited: pods=2"
    );
    let status = results.world.quota_status();
    assert_eq!(status.len(), 1);
    assert_eq!(status[0].1.get("pods"), Some(&2));
    let series = results
        .recorder
        .series_id("resourcequota/count", "used_pods")
        .expect("used_pods series");
    assert_eq!(
        results.recorder.points(series).last().map(|p| p.1),
        Some(2.0)
    );
}

#[test]
fn quotas_and_limit_ranges_apply_only_in_their_namespace() {
    let quota = "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: none\n  namespace: other\nspec:\n  hard: {pods: \"0\"}\n";
    let results = run("", &[quota, &deployment(2, "")]);
    assert_eq!(results.world.state.pods.len(), 2);
    assert!(failed_create(&results).is_empty());
}

#[test]
fn default_toleration_seconds_are_added_to_pods() {
    let results = run("", &[&deployment(1, "")]);
    let tolerations = &results.world.state.pods[0].spec.tolerations;
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        assert!(
            tolerations
                .iter()
                .any(|t| t.key == key && t.toleration_seconds == Some(300)),
            "{tolerations:?}"
        );
    }
}

#[test]
fn invalid_limit_ranges_are_rejected() {
    for (body, want) in [
        (
            "  - type: Container\n    min: {cpu: \"2\"}\n    max: {cpu: \"1\"}\n",
            "spec.limits[0].min[cpu]: Invalid value: \"2\": min value 2 is greater than max value 1",
        ),
        (
            "  - type: Node\n",
            "spec.limits[0].type: Unsupported value: \"Node\"",
        ),
        (
            "  - type: Pod\n    default: {cpu: \"1\"}\n",
            "spec.limits[0].default: Forbidden",
        ),
        (
            "  - type: Container\n    maxLimitRequestRatio: {cpu: 500m}\n",
            "ratio must be greater than or equal to 1",
        ),
    ] {
        let text = format!(
            "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: adm\nspec:\n  duration: 1m\n  cluster:\n    nodePools:\n    - {{name: worker, count: 1, capacity: {{cpu: \"8\", memory: 32Gi}}}}\n---\napiVersion: v1\nkind: LimitRange\nmetadata:\n  name: bad\nspec:\n  limits:\n{body}"
        );
        let error = scenario::load(
            &[Input {
                path: "adm.yaml".into(),
                text,
            }],
            LoadOptions::default(),
        )
        .err()
        .unwrap_or_else(|| panic!("accepted {body}"))
        .to_string();
        assert!(error.contains(want), "{error}\nwant {want}");
    }
}

#[test]
fn finished_pods_free_the_pods_quota_but_still_count_as_objects() {
    let quota = "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: jobs\nspec:\n  hard: {pods: \"1\", count/pods: \"5\"}\n";
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: work\nspec:\n  completions: 3\n  parallelism: 3\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - {name: main, image: \"quick:1\"}\n";
    let results = run("", &[quota, job]);
    // One pod at a time: each waits for the previous to finish (pods=1), and all three are
    // stored (count/pods=3 ≤ 5).
    let pods = &results.world.state.pods;
    assert_eq!(pods.len(), 3);
    let status = results.world.quota_status();
    assert_eq!(status[0].1.get("count/pods"), Some(&(pods.len() as i64)));
    assert!(status[0].1.get("pods").is_some_and(|n| *n <= 1));
}
