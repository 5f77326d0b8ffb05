//! `delete` with `propagationPolicy`, as the garbage collector applies it: Background (the
//! default) removes the owner at once and its dependents after, Foreground keeps the owner until
//! its dependents are gone, Orphan leaves the dependents running without owner.

use timonel::cluster::state::ObjKey;
use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: app\n        image: nginx\n";

const REPLICASET: &str = "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: rs\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: rs}\n  template:\n    metadata:\n      labels: {app: rs}\n    spec:\n      containers:\n      - name: app\n        image: nginx\n";

fn text(duration: &str, action: &str, manifest: &str) -> String {
    format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: gc\nspec:\n  duration: {duration}\n  cluster:\n    nodePools:\n    - {{name: worker, count: 2, capacity: {{cpu: \"8\", memory: 32Gi}}}}\n  timeline:\n    - {{at: 1m, action: delete, {action}}}\n---\n{manifest}"
    )
}

fn run(duration: &str, action: &str, manifest: &str) -> RunResults {
    let scenarios = scenario::load(
        &[Input {
            path: "gc.yaml".into(),
            text: text(duration, action, manifest),
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

fn web() -> ObjKey {
    ObjKey::new("default", "web")
}

/// Pods neither gone nor terminating.
fn live_pods(r: &RunResults) -> usize {
    r.world
        .state
        .pods
        .iter()
        .filter(|p| p.gone.is_none() && p.deletion.is_none())
        .count()
}

#[test]
fn background_is_the_default_and_removes_the_deployment_at_once() {
    for action in [
        "target: deployment/web",
        "target: deployment/web, propagationPolicy: Background",
    ] {
        let r = run("61s", action, DEPLOYMENT);
        assert!(!r.world.state.deployments.contains_key(&web()));
        assert!(r.world.state.replicasets.is_empty());
        assert_eq!(live_pods(&r), 0);
    }
}

#[test]
fn foreground_keeps_the_owner_until_its_dependents_are_gone() {
    let action = "target: deployment/web, propagationPolicy: Foreground";
    let early = run("61s", action, DEPLOYMENT);
    let d = &early.world.state.deployments[&web()];
    assert!(
        d.deleting,
        "the Deployment waits with its deletionTimestamp set"
    );
    assert_eq!(early.world.state.replicasets.len(), 1);
    assert!(early.world.state.replicasets.values().all(|rs| rs.deleting));
    assert_eq!(live_pods(&early), 0, "the pods are terminating");
    let late = run("3m", action, DEPLOYMENT);
    assert!(late.world.state.deployments.is_empty());
    assert!(late.world.state.replicasets.is_empty());
    assert!(late.world.state.pods.iter().all(|p| p.gone.is_some()));
    // No replacement pods were created while the owner waited.
    assert_eq!(late.world.state.pods.len(), 3);
}

#[test]
fn orphan_leaves_the_replicaset_and_its_pods_running() {
    let r = run(
        "3m",
        "target: deployment/web, propagationPolicy: Orphan",
        DEPLOYMENT,
    );
    assert!(r.world.state.deployments.is_empty());
    assert_eq!(r.world.state.replicasets.len(), 1);
    let rs = r.world.state.replicasets.values().next().unwrap();
    assert_eq!(rs.owner, None);
    assert_eq!(rs.pods.len(), 3);
    assert_eq!(live_pods(&r), 3);
    assert_eq!(r.world.state.pods.len(), 3);
}

#[test]
fn orphaned_pods_of_a_replicaset_keep_running_without_owner() {
    let r = run(
        "3m",
        "target: replicaset/rs, propagationPolicy: Orphan",
        REPLICASET,
    );
    assert!(r.world.state.replicasets.is_empty());
    assert_eq!(live_pods(&r), 2);
    assert!(r.world.state.pods.iter().all(|p| p.owner.is_none()));
}

#[test]
fn foreground_replicaset_deletion_waits_for_its_pods() {
    let action = "target: replicaset/rs, propagationPolicy: Foreground";
    let early = run("61s", action, REPLICASET);
    assert!(early.world.state.replicasets[&ObjKey::new("default", "rs")].deleting);
    let late = run("3m", action, REPLICASET);
    assert!(late.world.state.replicasets.is_empty());
    assert_eq!(late.world.state.pods.len(), 2);
}

#[test]
fn unknown_propagation_policy_is_a_validation_error() {
    let error = scenario::load(
        &[Input {
            path: "gc.yaml".into(),
            text: text(
                "2m",
                "target: deployment/web, propagationPolicy: Cascade",
                DEPLOYMENT,
            ),
        }],
        LoadOptions::default(),
    )
    .err()
    .unwrap_or_else(|| panic!("accepted"))
    .to_string();
    assert!(
        error.contains(
            "spec.timeline[0].propagationPolicy: Unsupported value: \"Cascade\": supported values: \"Background\", \"Foreground\", \"Orphan\""
        ),
        "{error}"
    );
}
