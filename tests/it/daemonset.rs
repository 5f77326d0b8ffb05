//! The DaemonSet controller end to end (SPEC §5): one daemon pod per eligible node, the
//! tolerations the controller adds, pods for nodes added later, RollingUpdate with
//! maxUnavailable and with maxSurge, OnDelete, and a `system-node-critical` daemon pod
//! preempting a lower-priority pod — through the pipeline, with invariants on.

use std::collections::BTreeMap;

use timonel::cluster::state::{ObjKey, PodState};
use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

fn run(text: &str) -> RunResults {
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

/// A scenario: `spec` (indented two spaces) and manifests.
fn scenario(spec: &str, manifests: &str) -> String {
    format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: t\nspec:\n{spec}\n---\n{manifests}"
    )
}

/// A DaemonSet `agent` (label `app: agent`) running `image`, with extra spec and pod-spec lines.
fn agent(image: &str, extra_spec: &str, pod_extra: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n{extra_spec}  selector:\n    matchLabels: {{app: agent}}\n  template:\n    metadata:\n      labels: {{app: agent}}\n    spec:\n{pod_extra}      containers:\n      - name: agent\n        image: \"{image}\"\n        resources:\n          requests: {{cpu: 100m, memory: 64Mi}}\n"
    )
}

/// Three plain worker nodes; images pull in 2 s, start in 1 s, stop in 1 s.
const CLUSTER: &str = "  duration: 10m\n  images:\n    default: {pull: 2s, start: 1s, ready: 0s}\n  cluster:\n    nodePools:\n      - {name: worker, count: 3, capacity: {cpu: \"4\", memory: 16Gi}}\n";

fn events(results: &RunResults, reason: &str) -> Vec<(u64, String, String)> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.as_millis(), e.object.clone(), e.message.clone()))
        .collect()
}

/// The agent's pods, in creation order.
fn agent_pods(results: &RunResults) -> Vec<&PodState> {
    results
        .world
        .state
        .pods
        .iter()
        .filter(|p| p.owner.as_ref().is_some_and(|o| o.kind == "daemonset"))
        .collect()
}

/// Node name of a pod.
fn node_of<'a>(results: &'a RunResults, pod: &PodState) -> Option<&'a str> {
    pod.node
        .map(|n| results.world.state.nodes[n.0].node.name.as_str())
}

/// Live agent pods by node at the end.
fn live_by_node(results: &RunResults) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pod in agent_pods(results) {
        if pod.gone.is_none() {
            out.entry(node_of(results, pod).unwrap_or("-").to_string())
                .or_default()
                .push(pod.name.clone());
        }
    }
    out
}

/// Values of one series as (t_ms, value) change points.
fn series(results: &RunResults, metric: &str) -> Vec<(u64, f64)> {
    let id = results
        .recorder
        .series_id("daemonset/agent", metric)
        .unwrap_or_else(|| panic!("no series {metric}"));
    results.recorder.points(id)
}

/// nodeSelector and an untolerated NoSchedule taint keep nodes out; every pod carries the
/// daemon tolerations (not-ready/unreachable NoExecute without seconds, unschedulable, the
/// pressures), the revision labels and a node-name affinity term. Cordoning a node changes
/// nothing.
#[test]
fn one_pod_per_eligible_node_with_the_daemon_tolerations() {
    let spec = "  duration: 5m\n  images:\n    default: {pull: 2s, start: 1s, ready: 0s}\n  cluster:\n    nodePools:\n      - {name: worker, count: 2, labels: {role: worker}, capacity: {cpu: \"4\", memory: 16Gi}}\n      - {name: edge, count: 1, labels: {role: edge}, capacity: {cpu: \"4\", memory: 16Gi}}\n      - {name: db, count: 1, labels: {role: worker}, taints: [{key: dedicated, value: db, effect: NoSchedule}], capacity: {cpu: \"4\", memory: 16Gi}}\n  timeline:\n    - {at: 1m, action: cordon, node: worker-1}";
    let results = run(&scenario(
        spec,
        &agent("agent:v1", "", "      nodeSelector: {role: worker}\n"),
    ));
    let by_node = live_by_node(&results);
    assert_eq!(
        by_node.keys().collect::<Vec<_>>(),
        ["worker-0", "worker-1"],
        "{by_node:?}"
    );
    assert!(by_node.values().all(|pods| pods.len() == 1));
    let ds = &results.world.state.daemonsets[&ObjKey::new("default", "agent")];
    assert_eq!(
        (
            ds.status.desired,
            ds.status.current,
            ds.status.ready,
            ds.status.available
        ),
        (2, 2, 2, 2)
    );
    for pod in agent_pods(&results) {
        let tolerations: Vec<(&str, Option<&str>, Option<i64>)> = pod
            .spec
            .tolerations
            .iter()
            .map(|t| {
                (
                    t.key.as_str(),
                    t.effect.map(|e| e.as_str()),
                    t.toleration_seconds,
                )
            })
            .collect();
        for (key, effect) in [
            ("node.kubernetes.io/not-ready", "NoExecute"),
            ("node.kubernetes.io/unreachable", "NoExecute"),
            ("node.kubernetes.io/disk-pressure", "NoSchedule"),
            ("node.kubernetes.io/memory-pressure", "NoSchedule"),
            ("node.kubernetes.io/pid-pressure", "NoSchedule"),
            ("node.kubernetes.io/unschedulable", "NoSchedule"),
        ] {
            assert!(
                tolerations.contains(&(key, Some(effect), None)),
                "{key}:{effect} missing or limited: {tolerations:?}"
            );
        }
        assert!(
            !tolerations
                .iter()
                .any(|(key, _, _)| *key == "node.kubernetes.io/network-unavailable"),
            "only host-network pods tolerate network-unavailable"
        );
        assert_eq!(pod.labels["pod-template-generation"], "1");
        assert_eq!(pod.labels["controller-revision-hash"], ds.hash);
        let node = node_of(&results, pod).unwrap();
        let term = &pod.spec.required_node_terms[0].match_fields[0];
        assert_eq!(
            (term.key.as_str(), term.values.as_slice()),
            ("metadata.name", [node.to_string()].as_slice())
        );
        assert!(pod.name.starts_with("agent-") && pod.name.len() == "agent-".len() + 5);
    }
    let created = events(&results, "SuccessfulCreate");
    assert_eq!(created.len(), 2, "{created:?}");
    assert!(created.iter().all(|(t, object, message)| *t == 0
        && object == "daemonset/agent"
        && message.starts_with("Created pod: agent-")));
}

/// A Node applied by the timeline gets its daemon pod.
#[test]
fn a_node_added_later_gets_a_pod() {
    let spec = format!(
        "{CLUSTER}  timeline:\n    - at: 2m\n      action: apply\n      manifest:\n        apiVersion: v1\n        kind: Node\n        metadata: {{name: late-0}}\n        status:\n          capacity: {{cpu: \"4\", memory: 16Gi}}"
    );
    let results = run(&scenario(&spec, &agent("agent:v1", "", "")));
    let by_node = live_by_node(&results);
    assert_eq!(by_node.len(), 4, "{by_node:?}");
    let late = agent_pods(&results)
        .into_iter()
        .find(|p| node_of(&results, p) == Some("late-0"))
        .expect("a pod on late-0");
    assert_eq!(late.created.as_millis(), 120_000);
    assert!(late.ready);
    assert_eq!(series(&results, "desired_replicas").last().unwrap().1, 4.0);
}

/// maxUnavailable 1 (the default): one node at a time, the old pod deleted first and the new
/// one created once the old is gone; never more than one node without an available agent.
#[test]
fn rolling_update_with_max_unavailable_one_goes_node_by_node() {
    let spec = format!(
        "{CLUSTER}  timeline:\n    - {{at: 1m, action: setImage, target: daemonset/agent, image: \"agent:v2\"}}"
    );
    let results = run(&scenario(
        &spec,
        &agent("agent:v1", "  minReadySeconds: 5\n", ""),
    ));
    let pods = agent_pods(&results);
    let deleted = events(&results, "SuccessfulDelete");
    assert_eq!(deleted.len(), 3, "{deleted:?}");
    // Node order: worker-0, worker-1, worker-2; each waits for the previous new pod to be
    // available (stop 1 s + pull 2 s + start 1 s + minReadySeconds 5 s).
    let victims: Vec<&str> = deleted
        .iter()
        .map(|(_, _, m)| m.trim_start_matches("Deleted pod: "))
        .collect();
    let victim_nodes: Vec<&str> = victims
        .iter()
        .map(|v| {
            let pod = pods.iter().find(|p| p.name == *v).unwrap();
            node_of(&results, pod).unwrap()
        })
        .collect();
    assert_eq!(victim_nodes, ["worker-0", "worker-1", "worker-2"]);
    let times: Vec<u64> = deleted.iter().map(|(t, _, _)| *t).collect();
    assert_eq!(times, [60_000, 69_000, 78_000]);
    for pod in pods.iter().filter(|p| p.created.as_millis() > 0) {
        assert_eq!(pod.labels["pod-template-generation"], "2");
        let node = node_of(&results, pod).unwrap();
        let old = pods
            .iter()
            .find(|p| p.created.as_millis() == 0 && node_of(&results, p) == Some(node))
            .unwrap();
        assert!(
            pod.created >= old.gone.unwrap(),
            "the new pod waits for the old one"
        );
    }
    let available = series(&results, "available_replicas");
    assert!(
        available
            .iter()
            .filter(|(t, _)| *t >= 30_000)
            .all(|(_, v)| *v >= 2.0),
        "{available:?}"
    );
    assert_eq!(series(&results, "updated_replicas").last().unwrap().1, 3.0);
    let ds = &results.world.state.daemonsets[&ObjKey::new("default", "agent")];
    let rollout = ds.rollouts.last().unwrap();
    assert_eq!((rollout.revision, rollout.outcome), (2, "complete"));
    assert_eq!(rollout.end.unwrap().as_millis(), 87_000);
}

/// maxSurge 1 / maxUnavailable 0: the new pod starts next to the old one, which goes once the
/// new one is available; all three agents stay available throughout.
#[test]
fn rolling_update_with_max_surge_starts_the_new_pod_first() {
    let spec = format!(
        "{CLUSTER}  timeline:\n    - {{at: 1m, action: setImage, target: daemonset/agent, image: \"agent:v2\"}}"
    );
    let strategy = "  updateStrategy:\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n";
    let results = run(&scenario(&spec, &agent("agent:v1", strategy, "")));
    let pods = agent_pods(&results);
    assert_eq!(pods.len(), 6);
    for node in ["worker-0", "worker-1", "worker-2"] {
        let on: Vec<&&PodState> = pods
            .iter()
            .filter(|p| node_of(&results, p) == Some(node))
            .collect();
        assert_eq!(on.len(), 2, "{node}");
        let (old, new) = (on[0], on[1]);
        assert!(
            new.first_ready.unwrap() <= old.deletion.unwrap(),
            "{node}: the old pod goes only once the new one is ready"
        );
    }
    // The status looks at the oldest pod of each node: while an old pod terminates (1 s) its
    // node counts as unavailable although the new pod already serves, as upstream reports it.
    let available = series(&results, "available_replicas");
    assert_eq!(
        available,
        [
            (0, 0.0),
            (3_000, 3.0),
            (63_000, 2.0),
            (64_000, 3.0),
            (66_000, 2.0),
            (67_000, 3.0),
            (69_000, 2.0),
            (70_000, 3.0)
        ]
    );
    // One node surges at a time: never more than four agent pods.
    let node_pods: Vec<f64> = ["worker-0", "worker-1", "worker-2"]
        .iter()
        .flat_map(|n| {
            let id = results
                .recorder
                .series_id(&format!("node/{n}"), "pods")
                .unwrap();
            results.recorder.points(id).into_iter().map(|(_, v)| v)
        })
        .collect();
    assert!(node_pods.iter().all(|v| *v <= 2.0));
    assert_eq!(series(&results, "updated_replicas").last().unwrap().1, 3.0);
}

/// OnDelete: a template change replaces nothing until the user deletes a pod; the
/// replacement runs the new template.
#[test]
fn on_delete_replaces_only_deleted_pods() {
    let strategy = "  updateStrategy: {type: OnDelete}\n";
    let update = "  timeline:\n    - {at: 1m, action: setImage, target: daemonset/agent, image: \"agent:v2\"}";
    let first = run(&scenario(
        &format!("{CLUSTER}{update}"),
        &agent("agent:v1", strategy, ""),
    ));
    assert!(events(&first, "SuccessfulDelete").is_empty());
    assert_eq!(series(&first, "updated_replicas").last().unwrap().1, 0.0);
    // The names come from the seeded names stream: the same run up to 2 m names them alike.
    let victim = agent_pods(&first)
        .into_iter()
        .find(|p| node_of(&first, p) == Some("worker-1"))
        .unwrap()
        .name
        .clone();
    let second = run(&scenario(
        &format!("{CLUSTER}{update}\n    - {{at: 2m, action: delete, target: pod/{victim}}}"),
        &agent("agent:v1", strategy, ""),
    ));
    let pods = agent_pods(&second);
    assert_eq!(pods.len(), 4);
    let replacement = pods[3];
    assert_eq!(node_of(&second, replacement), Some("worker-1"));
    assert_eq!(replacement.labels["pod-template-generation"], "2");
    assert_eq!(replacement.spec.containers[0].image, "agent:v2");
    assert_eq!(series(&second, "updated_replicas").last().unwrap().1, 1.0);
}

/// A daemon pod of class `system-node-critical` on a full node preempts a lower-priority pod
/// (DefaultPreemption) and binds there once the victim is gone.
#[test]
fn system_node_critical_daemon_pod_preempts_on_a_full_node() {
    let spec = "  duration: 3m\n  images:\n    default: {pull: 0s, start: 0s, ready: 0s, stop: 5s}\n  cluster:\n    nodePools:\n      - {name: w, count: 1, capacity: {cpu: \"2\", memory: 4Gi}}\n  timeline:\n    - at: 30s\n      action: apply\n      manifest:\n        apiVersion: apps/v1\n        kind: DaemonSet\n        metadata: {name: agent}\n        spec:\n          selector: {matchLabels: {app: agent}}\n          template:\n            metadata: {labels: {app: agent}}\n            spec:\n              priorityClassName: system-node-critical\n              containers:\n              - {name: agent, image: agent:v1, resources: {requests: {cpu: 500m, memory: 64Mi}}}";
    let filler = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: low}\nvalue: 10\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: batch}\nspec:\n  replicas: 4\n  selector: {matchLabels: {app: batch}}\n  template:\n    metadata: {labels: {app: batch}}\n    spec:\n      priorityClassName: low\n      containers:\n      - {name: app, image: app:v1, resources: {requests: {cpu: 500m, memory: 64Mi}}}\n";
    let results = run(&scenario(spec, filler));
    let preempted = events(&results, "Preempted");
    assert_eq!(preempted.len(), 1, "{preempted:?}");
    assert_eq!(preempted[0].0, 30_000);
    assert!(preempted[0].1.starts_with("pod/batch-"));
    let pods = agent_pods(&results);
    assert_eq!(pods.len(), 1);
    let daemon = pods[0];
    assert_eq!(daemon.spec.priority, 2_000_001_000);
    assert_eq!(node_of(&results, daemon), Some("w-0"));
    assert_eq!(daemon.scheduled.unwrap().as_millis(), 35_000);
    assert!(daemon.ready);
}

/// Deleting the DaemonSet deletes its pods; a `patch` of the template starts a rollout.
#[test]
fn patch_rolls_and_delete_removes_the_pods() {
    let spec = format!(
        "{CLUSTER}  timeline:\n    - at: 1m\n      action: patch\n      target: daemonset/agent\n      patch: {{spec: {{template: {{spec: {{containers: [{{name: agent, image: \"agent:v3\"}}]}}}}}}}}\n    - {{at: 3m, action: delete, target: daemonset/agent}}"
    );
    let results = run(&scenario(&spec, &agent("agent:v1", "", "")));
    let pods = agent_pods(&results);
    assert_eq!(pods.len(), 6);
    assert!(pods.iter().all(|p| p.gone.is_some()));
    assert!(
        pods[3..]
            .iter()
            .all(|p| p.spec.containers[0].image == "agent:v3")
    );
    assert!(results.world.state.daemonsets.is_empty());
}

/// A daemon pod naming a PriorityClass that does not exist is rejected at admission: one
/// `FailedCreate` per sync (slow start), retried with the work queue's back-off, and the pods
/// appear once the class is applied.
#[test]
fn failed_creation_is_retried_with_back_off() {
    let spec = format!(
        "{CLUSTER}  timeline:\n    - at: 1m\n      action: apply\n      manifest: {{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {{name: agent-critical}}, value: 1000}}"
    );
    let results = run(&scenario(
        &spec,
        &agent("agent:v1", "", "      priorityClassName: agent-critical\n"),
    ));
    let failed = events(&results, "FailedCreate");
    assert!(failed.len() > 5 && failed.len() < 20, "{failed:?}");
    assert!(failed.iter().all(|(t, object, message)| *t < 60_000
        && object == "daemonset/agent"
        && message.starts_with("Error creating: pods \"agent-")
        && message.ends_with("is forbidden: no PriorityClass with name agent-critical was found")));
    // The gaps double: 5 ms, 10 ms, 20 ms, …
    let gaps: Vec<u64> = failed.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert!(gaps.windows(2).all(|g| g[1] >= g[0]), "{gaps:?}");
    let pods = agent_pods(&results);
    assert_eq!(pods.len(), 3);
    assert!(
        pods.iter()
            .all(|p| p.created.as_millis() > 60_000 && p.ready)
    );
    assert!(pods.iter().all(|p| p.spec.priority == 1000));
}

/// A DaemonSet has no replica count: `scale` on it is a validation error, like kubectl's.
#[test]
fn scaling_a_daemonset_is_rejected() {
    let spec = format!(
        "{CLUSTER}  timeline:\n    - {{at: 1m, action: scale, target: daemonset/agent, replicas: 5}}"
    );
    let err = scenario::load(
        &[Input {
            path: "test.yaml".into(),
            text: scenario(&spec, &agent("agent:v1", "", "")),
        }],
        LoadOptions::default(),
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("spec.timeline[0].target") && err.contains("a DaemonSet cannot be scaled"),
        "{err}"
    );
}

#[test]
fn rollout_undo_goes_back_to_the_previous_revision() {
    let spec = format!(
        "{CLUSTER}  timeline:\n    - {{at: 1m, action: setImage, target: daemonset/agent, container: agent, image: \"agent:v2\"}}\n    - {{at: 3m, action: rolloutUndo, target: daemonset/agent}}\n    - {{at: 6m, action: rolloutUndo, target: daemonset/agent, toRevision: 3}}"
    );
    let results = run(&scenario(&spec, &agent("agent:v1", "", "")));
    let images: Vec<&str> = agent_pods(&results)
        .into_iter()
        .filter(|p| p.gone.is_none())
        .map(|p| p.spec.containers[0].image.as_str())
        .collect();
    assert_eq!(images, ["agent:v1"; 3]);
    // The old template is renumbered: revision 3 now, so undoing to it is a no-op.
    assert!(
        results.world.notes.iter().any(|n| n.ends_with(
            "rollout undo of daemonset/agent: skipped rollback (current template already matches revision 3)"
        )),
        "{:?}",
        results.world.notes
    );
}

#[test]
fn rollout_pause_of_a_daemonset_is_refused_as_kubectl_does() {
    let spec = format!(
        "{CLUSTER}  timeline:\n    - {{at: 1m, action: rolloutPause, target: daemonset/agent}}"
    );
    let error = match timonel::scenario::load(
        &[timonel::scenario::Input {
            path: "t.yaml".into(),
            text: scenario(&spec, &agent("agent:v1", "", "")),
        }],
        timonel::scenario::LoadOptions::default(),
    ) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        error.contains("t.yaml:")
            && error.contains("spec.timeline[0].target: Invalid value: \"daemonset/agent\": error: daemonsets.apps \"agent\" pausing is not supported"),
        "{error}"
    );
}
