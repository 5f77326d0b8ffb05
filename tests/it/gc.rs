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

/// One owner of each other kind, with the live pods it has at the time of deletion.
const OWNERS: [(&str, &str, usize); 5] = [
    (
        "statefulset/db",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  replicas: 2\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers: [{name: db, image: nginx}]\n",
        2,
    ),
    (
        "daemonset/agent",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec:\n      containers: [{name: agent, image: nginx}]\n",
        2,
    ),
    (
        "job/batch",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: batch}\nspec:\n  parallelism: 2\n  completions: 4\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: work, image: \"work:1\"}]\n",
        2,
    ),
    (
        "cronjob/nightly",
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  schedule: \"* * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: work, image: \"work:1\"}]\n",
        1,
    ),
    (
        "rollout/web",
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: app, image: nginx}]\n  strategy:\n    canary: {}\n",
        3,
    ),
];

/// `owners` with deletion of `target` at 90 s (after the CronJob's first Job at 60 s).
fn run_owner(duration: &str, target: &str, policy: &str, manifest: &str, more: &str) -> RunResults {
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: gc\nspec:\n  duration: {duration}\n  images:\n    \"work:1\": {{runFor: 1h}}\n  cluster:\n    nodePools:\n    - {{name: worker, count: 2, capacity: {{cpu: \"8\", memory: 32Gi}}}}\n  timeline:\n    - {{at: 90s, action: delete, target: {target}, propagationPolicy: {policy}}}\n{more}---\n{manifest}"
    );
    let scenarios = scenario::load(
        &[Input {
            path: "gc.yaml".into(),
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

fn owner_exists(r: &RunResults, target: &str) -> bool {
    let (kind, name) = target.split_once('/').unwrap();
    let key = ObjKey::new("default", name);
    let s = &r.world.state;
    match kind {
        "statefulset" => s.statefulsets.contains_key(&key),
        "daemonset" => s.daemonsets.contains_key(&key),
        "job" => s.jobs.contains_key(&key),
        "cronjob" => s.cronjobs.contains_key(&key),
        _ => s.argo_rollouts.contains_key(&key),
    }
}

#[test]
fn foreground_deletion_of_every_owner_kind_waits_for_its_pods() {
    for (target, manifest, pods) in OWNERS {
        let early = run_owner("91s", target, "Foreground", manifest, "");
        assert!(owner_exists(&early, target), "{target} waits");
        let terminating = early
            .world
            .state
            .pods
            .iter()
            .filter(|p| p.gone.is_none() && p.deletion.is_some())
            .count();
        assert_eq!(terminating, pods, "{target}: its pods terminate");
        assert_eq!(live_pods(&early), 0, "{target}");
        let late = run_owner("3m", target, "Foreground", manifest, "");
        assert!(!owner_exists(&late, target), "{target} goes after its pods");
        assert!(late.world.state.jobs.is_empty() || !target.starts_with("cronjob"));
        assert_eq!(live_pods(&late), 0, "{target}: no replacement pods");
        assert_eq!(late.world.state.pods.len(), pods, "{target}");
    }
}

#[test]
fn orphan_deletion_of_every_owner_kind_leaves_pods_without_owner() {
    for (target, manifest, pods) in OWNERS {
        let r = run_owner("3m", target, "Orphan", manifest, "");
        assert!(!owner_exists(&r, target), "{target}");
        assert_eq!(live_pods(&r), pods, "{target}: the pods keep running");
        let orphans = r
            .world
            .state
            .pods
            .iter()
            .filter(|p| p.gone.is_none() && p.owner.is_none())
            .count();
        match target {
            // Their Job (kept, without owner) or ReplicaSet still owns them.
            "cronjob/nightly" => {
                assert_eq!(orphans, 0);
                assert!(r.world.state.jobs.values().all(|j| j.owner.is_none()));
            }
            "rollout/web" => {
                assert_eq!(orphans, 0);
                assert!(
                    r.world
                        .state
                        .replicasets
                        .values()
                        .all(|rs| rs.owner.is_none())
                );
            }
            _ => assert_eq!(orphans, pods, "{target}"),
        }
    }
}

#[test]
fn a_new_statefulset_or_replicaset_adopts_matching_orphans() {
    // The StatefulSet orphaned at 90 s is applied again at 2m: it adopts db-0 and db-1.
    let (_, sts, _) = OWNERS[0];
    let again = format!(
        "    - at: 2m\n      action: apply\n      manifest:\n{}",
        sts.lines()
            .map(|l| format!("        {l}\n"))
            .collect::<String>()
    );
    let r = run_owner("3m", "statefulset/db", "Orphan", sts, &again);
    assert_eq!(r.world.state.pods.len(), 2, "no new pods");
    assert!(r.world.state.pods.iter().all(|p| {
        p.owner
            .as_ref()
            .is_some_and(|o| o.kind == "statefulset" && o.name == "db")
    }));
    // A ReplicaSet with the same selector adopts the orphaned pods of another one.
    let other = REPLICASET.replace("name: rs\n", "name: rs2\n");
    let apply = format!(
        "    - at: 2m\n      action: apply\n      manifest:\n{}",
        other
            .lines()
            .map(|l| format!("        {l}\n"))
            .collect::<String>()
    );
    let r = run_owner("3m", "replicaset/rs", "Orphan", REPLICASET, &apply);
    assert_eq!(r.world.state.pods.len(), 2, "no new pods");
    let rs2 = &r.world.state.replicasets[&ObjKey::new("default", "rs2")];
    assert_eq!(rs2.pods.len(), 2);
}
