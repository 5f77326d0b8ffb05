//! Priority and preemption end to end (DefaultPreemption): who is preempted, when the preemptor
//! binds, what the nomination protects, how PodDisruptionBudgets and `preemptionPolicy` change
//! the outcome — through the pipeline, as a user's scenario runs.

use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

fn run(text: &str) -> RunResults {
    // The manifest helpers end with a document separator; drop the last one.
    let text = text.trim_end().trim_end_matches("---");
    let scenarios = scenario::load(
        &[Input {
            path: "test.yaml".into(),
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

/// A Deployment `name` (label `app: name`) of `replicas` pods requesting `cpu`, in class
/// `class`.
fn deployment(name: &str, replicas: u32, cpu: &str, class: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      priorityClassName: {class}\n      containers:\n      - name: app\n        image: app:v1\n        resources: {{requests: {{cpu: \"{cpu}\", memory: 64Mi}}}}\n---\n"
    )
}

const CLASSES: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: low}\nvalue: 10\n---\napiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\n---\n";

fn events<'a>(results: &'a RunResults, reason: &str) -> Vec<(u64, &'a str, &'a str)> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.as_millis(), e.object.as_str(), e.message.as_str()))
        .collect()
}

fn pod<'a>(results: &'a RunResults, prefix: &str) -> &'a timonel::cluster::state::PodState {
    results
        .world
        .state
        .pods
        .iter()
        .find(|p| p.name.starts_with(prefix))
        .unwrap_or_else(|| panic!("no pod {prefix}"))
}

/// The victims terminate gracefully (the app takes 15 s to exit); the preemptor is nominated
/// at once and binds the moment the last victim is gone; the ReplicaSet's replacement cannot
/// take the freed room meanwhile.
#[test]
fn preemptor_binds_when_the_victims_are_gone_and_keeps_its_room() {
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {{name: t}}\nspec:\n  duration: 3m\n  images:\n    default: {{pull: 0s, start: 0s, ready: 0s, stop: 15s}}\n  cluster:\n    nodePools:\n      - {{name: w, count: 1, capacity: {{cpu: \"2\", memory: 4Gi}}}}\n  timeline:\n    - at: 30s\n      action: apply\n      manifest:\n        apiVersion: v1\n        kind: Pod\n        metadata: {{name: urgent}}\n        spec:\n          priorityClassName: high\n          containers:\n          - {{name: app, image: app:v1, resources: {{requests: {{cpu: \"1\", memory: 64Mi}}}}}}\n---\n{CLASSES}{}",
        deployment("batch", 4, "500m", "low")
    );
    let results = run(&text);
    let preempted = events(&results, "Preempted");
    assert_eq!(preempted.len(), 2, "{preempted:?}");
    let urgent = pod(&results, "urgent");
    for (at, _, message) in &preempted {
        assert_eq!(*at, 30_000);
        assert_eq!(
            *message,
            format!(
                "Preempted by pod 00000000-0000-4000-8000-{:012x} on node w-0",
                urgent.uid
            )
        );
    }
    // Victims: deleted at 30 s, gone 15 s later (their app's stop time).
    let victims: Vec<_> = results
        .world
        .state
        .pods
        .iter()
        .filter(|p| p.end_reason.as_deref() == Some("Preempted"))
        .collect();
    assert_eq!(victims.len(), 2);
    for v in &victims {
        assert_eq!(v.deletion.map(|t| t.as_millis()), Some(30_000));
        assert_eq!(v.gone.map(|t| t.as_millis()), Some(45_000));
    }
    assert_eq!(urgent.scheduled.map(|t| t.as_millis()), Some(45_000));
    assert_eq!(urgent.last_nominated.map(|n| n.0), Some(0));
    assert_eq!(
        urgent.nominated, None,
        "the nomination ends with the binding"
    );
    // The first attempt is the one that preempted: no "preemption:" part in its message.
    let failed = events(&results, "FailedScheduling");
    let urgent_failed: Vec<_> = failed.iter().filter(|e| e.1 == "pod/urgent").collect();
    assert_eq!(
        urgent_failed[0],
        &(
            30_000,
            "pod/urgent",
            "0/1 nodes are available: 1 Insufficient cpu."
        )
    );
    // Replacements never got the room, and could not preempt anyone.
    let replacements: Vec<_> = results
        .world
        .state
        .pods
        .iter()
        .filter(|p| p.name.starts_with("batch-") && p.created.as_millis() == 30_000)
        .collect();
    assert_eq!(replacements.len(), 2);
    assert!(replacements.iter().all(|p| p.node.is_none()));
    assert!(failed.iter().any(|e| e.2
        == "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."));
}

/// Victims covered by an exhausted PodDisruptionBudget are spared: with equal priorities, the
/// node whose victims violate no budget is chosen.
#[test]
fn pod_disruption_budgets_spare_protected_pods() {
    let pinned = |name: &str, node: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      priorityClassName: low\n      nodeSelector: {{kubernetes.io/hostname: {node}}}\n      containers:\n      - name: app\n        image: app:v1\n        resources: {{requests: {{cpu: \"1\", memory: 64Mi}}}}\n---\n"
        )
    };
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {{name: t}}\nspec:\n  duration: 2m\n  cluster:\n    nodePools:\n      - {{name: w, count: 2, capacity: {{cpu: \"2\", memory: 4Gi}}}}\n  timeline:\n    - at: 30s\n      action: apply\n      manifest:\n        apiVersion: v1\n        kind: Pod\n        metadata: {{name: urgent}}\n        spec:\n          priorityClassName: high\n          containers:\n          - {{name: app, image: app:v1, resources: {{requests: {{cpu: \"1\", memory: 64Mi}}}}}}\n---\n{CLASSES}{}{}apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: db}}\nspec:\n  minAvailable: 2\n  selector: {{matchLabels: {{app: db}}}}\n",
        pinned("db", "w-0"),
        pinned("web", "w-1"),
    );
    for seed_offset in 0..4 {
        let text = text.replace(
            "duration: 2m",
            &format!("duration: 2m\n  seed: {}", 11 + seed_offset),
        );
        let results = run(&text);
        let preempted = events(&results, "Preempted");
        assert_eq!(preempted.len(), 1, "{preempted:?}");
        assert!(preempted[0].1.starts_with("pod/web-"), "{preempted:?}");
        let urgent = pod(&results, "urgent");
        assert_eq!(urgent.node.map(|n| n.0), Some(1));
    }
}

/// `preemptionPolicy: Never` on the class: the pod waits at the head of the queue instead.
#[test]
fn never_preempting_pods_wait() {
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {{name: t}}\nspec:\n  duration: 2m\n  cluster:\n    nodePools:\n      - {{name: w, count: 1, capacity: {{cpu: \"1\", memory: 4Gi}}}}\n  timeline:\n    - at: 30s\n      action: apply\n      manifest:\n        apiVersion: v1\n        kind: Pod\n        metadata: {{name: polite}}\n        spec:\n          priorityClassName: patient\n          containers:\n          - {{name: app, image: app:v1, resources: {{requests: {{cpu: 500m, memory: 64Mi}}}}}}\n---\napiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {{name: patient}}\nvalue: 5000\npreemptionPolicy: Never\n---\n{CLASSES}{}",
        deployment("batch", 2, "500m", "low")
    );
    let results = run(&text);
    assert!(events(&results, "Preempted").is_empty());
    let polite = pod(&results, "polite");
    assert_eq!(polite.node, None);
    assert_eq!(polite.spec.priority, 5000);
    let failed = events(&results, "FailedScheduling");
    assert_eq!(
        failed[0].2,
        "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."
    );
}

/// A pod asking `preemptionPolicy: PreemptLowerPriority` while its class says Never is
/// rejected by the Priority admission plugin, as the apiserver does.
#[test]
fn preemption_policy_contradicting_the_class_is_forbidden() {
    let text = "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  duration: 1m\n  cluster:\n    nodePools:\n      - {name: w, count: 1, capacity: {cpu: \"1\", memory: 4Gi}}\n---\napiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: patient}\nvalue: 5000\npreemptionPolicy: Never\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: eager}\nspec:\n  priorityClassName: patient\n  preemptionPolicy: PreemptLowerPriority\n  containers:\n  - {name: app, image: app:v1}\n";
    let results = run(text);
    assert!(results.world.state.pods.is_empty());
    assert!(
        results.world.notes.iter().any(|n| n.contains(
            "pods \"eager\" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name"
        )),
        "{:?}",
        results.world.notes
    );
}

/// PodDisruptionBudgets are validated as the apiserver does.
#[test]
fn invalid_pod_disruption_budgets_are_rejected() {
    let head = "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  duration: 1m\n  cluster:\n    nodePools:\n      - {name: w, count: 1, capacity: {cpu: \"1\", memory: 4Gi}}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: bad}\nspec:\n  selector: {matchLabels: {app: x}}\n";
    for (spec, want) in [
        (
            "  minAvailable: 1\n  maxUnavailable: 1\n",
            "The PodDisruptionBudget \"bad\" is invalid: spec: Invalid value: \"object\": minAvailable and maxUnavailable cannot be both set",
        ),
        (
            "  maxUnavailable: 120%\n",
            "The PodDisruptionBudget \"bad\" is invalid: spec.maxUnavailable: Invalid value: \"120%\": must not be greater than 100%",
        ),
        (
            "  minAvailable: -1\n",
            "The PodDisruptionBudget \"bad\" is invalid: spec.minAvailable: Invalid value: -1: must be greater than or equal to 0",
        ),
    ] {
        let text = format!("{head}{spec}");
        let error = scenario::load(
            &[Input {
                path: "test.yaml".into(),
                text,
            }],
            LoadOptions::default(),
        )
        .expect_err("invalid budget");
        assert!(error.to_string().contains(want), "{error}");
    }
}
