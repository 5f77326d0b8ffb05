//! The DaemonSet controller (`pkg/controller/daemon/daemon_controller.go` `syncDaemonSet`,
//! `manage`, `podsShouldBeOnNode`, `updateDaemonSetStatus`, and `update.go` `rollingUpdate`): one
//! daemon pod on each node that should run it, placed by the default scheduler through a
//! node-name affinity term; pods removed from nodes that should not run them; duplicates pruned
//! (the oldest stays); RollingUpdate within the `maxUnavailable`/`maxSurge` budgets, OnDelete
//! replacing only pods the user deleted; and the status.
//!
//! The decision rules are in [`crate::controllers::daemonset_math`]; this module gathers the
//! per-node view from the cluster state and turns the decisions into effects. Nodes are visited
//! in name order (upstream walks Go maps in random order).
//!
//! Upstream's expectations are modelled by their effect: when `manage` creates or deletes pods,
//! the rolling update waits for the next sync (which the pod changes trigger), as upstream's
//! `SatisfiedExpectations` check does.

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::effects::{Effect, EventType, SyncTarget};
use crate::cluster::state::{ClusterState, DsState, DsStatus, ObjKey, PodId, PodPhase, PodState};
use crate::controllers::daemonset_math::{self as math, DaemonNodeView, DaemonPodView};
use crate::model::pod::{PodSpec, PodTemplate};
use crate::model::selector::SelectorOp;
use crate::model::workloads::DaemonSetStrategy;
use crate::sim::time::SimTime;

/// Most pods created or deleted in one sync (`BurstReplicas` of the DaemonSet controller).
pub const BURST_REPLICAS: usize = 250;

/// Label carrying the hash of the template a daemon pod was created from.
pub const CONTROLLER_REVISION_HASH: &str = "controller-revision-hash";

/// Label carrying the DaemonSet's template generation when the pod was created.
pub const POD_TEMPLATE_GENERATION: &str = "pod-template-generation";

/// The `controller-revision-hash` of a template (`ComputeHash(&template, collisionCount)`).
pub fn revision_hash(template: &PodTemplate) -> String {
    super::deployment::pod_template_hash(&template.canonical, 0)
}

/// `CreatePodTemplate`'s labels: the template's, plus `pod-template-generation` and
/// `controller-revision-hash`.
pub fn daemon_pod_labels(ds: &DsState) -> BTreeMap<String, String> {
    let mut labels = ds.spec.template.labels.clone();
    labels.insert(
        POD_TEMPLATE_GENERATION.to_string(),
        ds.template_generation.to_string(),
    );
    labels.insert(CONTROLLER_REVISION_HASH.to_string(), ds.hash.clone());
    labels
}

/// The spec of the daemon pod for `node`: the template with the daemon tolerations
/// (`AddOrUpdateDaemonPodTolerations`) and the required node affinity replaced by a single
/// `metadata.name In [node]` term (`ReplaceDaemonSetPodNodeNameNodeAffinity`).
pub fn daemon_pod_spec(ds: &DsState, node: &str) -> PodSpec {
    let mut spec = (*ds.spec.template.spec).clone();
    spec.tolerations = math::with_daemon_tolerations(&spec.tolerations, ds.spec.host_network);
    spec.required_node_terms = math::node_name_affinity(node);
    spec
}

/// `GetTargetNodeName`: the node a daemon pod is bound to, or the one its `nodeName` or
/// node-name affinity term points at.
fn target_node<'a>(state: &'a ClusterState, pod: &'a PodState) -> Option<&'a str> {
    if let Some(node) = pod.node {
        return Some(state.nodes[node.0].node.name.as_str());
    }
    if let Some(name) = pod.spec.node_name.as_deref().filter(|n| !n.is_empty()) {
        return Some(name);
    }
    pod.spec
        .required_node_terms
        .iter()
        .flat_map(|term| term.match_fields.iter())
        .find(|r| r.key == math::NODE_NAME_FIELD && r.op == SelectorOp::In && r.values.len() == 1)
        .map(|r| r.values[0].as_str())
}

/// `podByCreationTimestampAndPhase`: bound pods first, then by creation time, then by name.
fn sort_oldest_first(state: &ClusterState, pods: &mut [PodId]) {
    pods.sort_by(|a, b| {
        let (pa, pb) = (state.pod(*a), state.pod(*b));
        pb.node
            .is_some()
            .cmp(&pa.node.is_some())
            .then(pa.created.cmp(&pb.created))
            .then_with(|| pa.name.cmp(&pb.name))
    });
}

/// `IsPodUpdated`: the pod's revision hash or template generation matches the DaemonSet's.
fn is_updated(ds: &DsState, pod: &PodState) -> bool {
    pod.labels.get(CONTROLLER_REVISION_HASH) == Some(&ds.hash)
        || pod.labels.get(POD_TEMPLATE_GENERATION).map(String::as_str)
            == Some(ds.template_generation.to_string().as_str())
}

/// `getNodesToDaemonPods(includeDeletedTerminal=false)`: the DaemonSet's pods by target node,
/// each list oldest first; deleted pods in a terminal phase are left out.
fn nodes_to_daemon_pods<'a>(
    state: &'a ClusterState,
    ds: &DsState,
) -> BTreeMap<&'a str, Vec<PodId>> {
    let mut out: BTreeMap<&str, Vec<PodId>> = BTreeMap::new();
    for id in &ds.pods {
        let pod = state.pod(*id);
        let terminal = matches!(pod.phase, PodPhase::Succeeded | PodPhase::Failed);
        if pod.gone.is_some() || (pod.deletion.is_some() && terminal) {
            continue;
        }
        if let Some(node) = target_node(state, pod) {
            out.entry(node).or_default().push(*id);
        }
    }
    for pods in out.values_mut() {
        sort_oldest_first(state, pods);
    }
    out
}

/// The strategy's budgets, `None` for OnDelete.
fn rolling_budgets(
    ds: &DsState,
) -> Option<(
    crate::model::intstr::IntOrPercent,
    crate::model::intstr::IntOrPercent,
)> {
    match ds.spec.strategy {
        DaemonSetStrategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => Some((max_surge, max_unavailable)),
        DaemonSetStrategy::OnDelete => None,
    }
}

/// `util.AllowsSurge`: a rolling update whose maxSurge is not zero.
fn allows_surge(ds: &DsState) -> bool {
    rolling_budgets(ds).is_some_and(|(surge, _)| !surge.is_zero())
}

/// What `manage` decided: nodes needing a pod, pods to delete, and events.
#[derive(Default)]
struct Decisions {
    create: Vec<String>,
    delete: Vec<PodId>,
    events: Vec<Effect>,
}

/// `podsShouldBeOnNode` for one node.
fn pods_should_be_on_node(
    state: &ClusterState,
    ds: &DsState,
    node_name: &str,
    should: math::ShouldRun,
    pods: Option<&Vec<PodId>>,
    now: SimTime,
    out: &mut Decisions,
) {
    let object = format!("daemonset/{}", ds.key.name);
    match pods {
        None if should.should_run => out.create.push(node_name.to_string()),
        Some(pods) if should.should_continue_running => {
            let mut running = Vec::new();
            for id in pods {
                let pod = state.pod(*id);
                if pod.deletion.is_some() {
                    continue;
                }
                match pod.phase {
                    PodPhase::Failed => {
                        out.events.push(Effect::event(
                            &ds.key.namespace,
                            object.clone(),
                            EventType::Warning,
                            "FailedDaemonPod",
                            format!(
                                "Found failed daemon pod {}/{} on node {node_name}, will try to kill it",
                                pod.namespace, pod.name
                            ),
                        ));
                        out.delete.push(*id);
                    }
                    PodPhase::Succeeded => {
                        out.events.push(Effect::event(
                            &ds.key.namespace,
                            object.clone(),
                            EventType::Normal,
                            "SucceededDaemonPod",
                            format!(
                                "Found succeeded daemon pod {}/{} on node {node_name}, will try to delete it",
                                pod.namespace, pod.name
                            ),
                        ));
                        out.delete.push(*id);
                    }
                    _ => running.push(*id),
                }
            }
            if !allows_surge(ds) {
                // More than one running pod: keep the oldest (`pods` is sorted oldest first).
                out.delete.extend(running.iter().skip(1).copied());
                return;
            }
            if running.len() <= 1 {
                if running.is_empty() && should.should_run {
                    out.create.push(node_name.to_string());
                }
                return;
            }
            // Surging: keep the oldest new pod and the oldest old pod; the old one goes once it
            // is not ready or the new one is available. Every other pod goes.
            let (mut oldest_new, mut oldest_old) = (None, None);
            for id in running {
                let pod = state.pod(id);
                let slot = if pod.labels.get(CONTROLLER_REVISION_HASH) == Some(&ds.hash) {
                    &mut oldest_new
                } else {
                    &mut oldest_old
                };
                if slot.is_none() {
                    *slot = Some(id);
                } else {
                    out.delete.push(id);
                }
            }
            if let (Some(new), Some(old)) = (oldest_new, oldest_old)
                && (!state.pod(old).ready
                    || state.pod(new).is_available(ds.spec.min_ready_seconds, now))
            {
                out.delete.push(old);
            }
        }
        // The node should not run the pod (any more): delete every daemon pod on it.
        Some(pods) => {
            out.delete.extend(
                pods.iter()
                    .copied()
                    .filter(|id| state.pod(*id).deletion.is_none()),
            );
        }
        None => {}
    }
}

/// One sync of the DaemonSet `key` at `now` (`syncDaemonSet`).
pub fn sync(state: &ClusterState, key: &ObjKey, now: SimTime) -> Vec<Effect> {
    let mut effects = Vec::new();
    let Some(ds) = state.daemonsets.get(key) else {
        return effects;
    };
    let template = &ds.spec.template.spec;
    let host_network = ds.spec.host_network;
    // Existing nodes, sorted by name, with their eligibility.
    let nodes: Vec<(&str, math::ShouldRun)> = state
        .node_index
        .iter()
        .filter(|(_, id)| state.nodes[id.0].exists)
        .map(|(name, id)| {
            let node = &state.nodes[id.0].node;
            (
                name.as_str(),
                math::node_should_run_daemon_pod(node, template, host_network),
            )
        })
        .collect();
    let by_node = nodes_to_daemon_pods(state, ds);

    // manage
    let mut decisions = Decisions::default();
    for (name, should) in &nodes {
        pods_should_be_on_node(
            state,
            ds,
            name,
            *should,
            by_node.get(name),
            now,
            &mut decisions,
        );
    }
    // Unscheduled pods aimed at nodes that no longer exist (`getUnscheduledPodsWithoutNode`).
    let existing: BTreeSet<&str> = nodes.iter().map(|(name, _)| *name).collect();
    for (name, pods) in &by_node {
        if existing.contains(name) {
            continue;
        }
        decisions.delete.extend(pods.iter().copied().filter(|id| {
            let pod = state.pod(*id);
            pod.node.is_none() && pod.deletion.is_none()
        }));
    }
    let acted = !decisions.create.is_empty() || !decisions.delete.is_empty();
    effects.append(&mut decisions.events);
    let mut more = sync_nodes(key, decisions.create, decisions.delete, &mut effects);

    // rollingUpdate, once the manage step has nothing left to do (expectations satisfied).
    if !acted && let Some((max_surge, max_unavailable)) = rolling_budgets(ds) {
        let mut names: BTreeSet<&str> = by_node.keys().copied().collect();
        names.extend(
            nodes
                .iter()
                .filter(|(_, should)| should.should_run)
                .map(|(name, _)| *name),
        );
        let should_run: BTreeMap<&str, bool> = nodes
            .iter()
            .map(|(name, should)| (*name, should.should_run))
            .collect();
        let mut by_name: BTreeMap<&str, PodId> = BTreeMap::new();
        let views: Vec<DaemonNodeView> = names
            .iter()
            .map(|name| DaemonNodeView {
                name: name.to_string(),
                should_run: should_run.get(name).copied().unwrap_or(false),
                pods: by_node.get(name).map_or_else(Vec::new, |pods| {
                    pods.iter()
                        .map(|id| {
                            let pod = state.pod(*id);
                            by_name.insert(pod.name.as_str(), *id);
                            DaemonPodView {
                                name: pod.name.clone(),
                                updated: is_updated(ds, pod),
                                available: pod.is_available(ds.spec.min_ready_seconds, now),
                                terminating: pod.deletion.is_some(),
                            }
                        })
                        .collect()
                }),
            })
            .collect();
        let counts = math::desired_node_counts(&views, Some(max_surge), Some(max_unavailable));
        let plan = math::rolling_update(&views, &counts);
        let delete = plan
            .delete
            .iter()
            .filter_map(|name| by_name.get(name.as_str()).copied())
            .collect();
        more |= sync_nodes(key, plan.create_on, delete, &mut effects);
    }
    if more {
        effects.push(Effect::Requeue {
            target: SyncTarget::DaemonSet(key.clone()),
            at: now,
        });
    }

    // updateDaemonSetStatus, from the pods seen at the start of the sync.
    let mut status = DsStatus {
        observed_generation: ds.generation,
        ..DsStatus::default()
    };
    for (name, should) in &nodes {
        let oldest = by_node.get(name).and_then(|pods| pods.first());
        if should.should_run {
            status.desired += 1;
            let Some(oldest) = oldest else { continue };
            status.current += 1;
            let pod = state.pod(*oldest);
            if pod.ready {
                status.ready += 1;
                if pod.is_available(ds.spec.min_ready_seconds, now) {
                    status.available += 1;
                }
            }
            if is_updated(ds, pod) {
                status.updated += 1;
            }
        } else if oldest.is_some() {
            status.misscheduled += 1;
        }
    }
    status.unavailable = status.desired - status.available;
    if status != ds.status {
        effects.push(Effect::DaemonSetStatus {
            key: key.clone(),
            status,
        });
    }
    // Look again when a ready pod becomes available (minReadySeconds).
    let min_ready_ns = ds.spec.min_ready_seconds.max(0) as u64 * 1_000_000_000;
    let next_available = ds
        .pods
        .iter()
        .map(|id| state.pod(*id))
        .filter(|pod| pod.is_active() && !pod.is_available(ds.spec.min_ready_seconds, now))
        .filter_map(|pod| pod.ready_since.filter(|_| pod.ready))
        .map(|since| since.plus_nanos(min_ready_ns))
        .min();
    if let Some(at) = next_available {
        effects.push(Effect::Requeue {
            target: SyncTarget::DaemonSet(key.clone()),
            at,
        });
    }
    effects
}

/// `syncNodes`: creations and deletions, each capped at [`BURST_REPLICAS`]. Returns whether
/// some were left for the next sync.
fn sync_nodes(
    key: &ObjKey,
    mut create: Vec<String>,
    mut delete: Vec<PodId>,
    effects: &mut Vec<Effect>,
) -> bool {
    let more = create.len() > BURST_REPLICAS || delete.len() > BURST_REPLICAS;
    create.truncate(BURST_REPLICAS);
    delete.truncate(BURST_REPLICAS);
    if !create.is_empty() {
        effects.push(Effect::CreateDaemonPods {
            ds: key.clone(),
            nodes: create,
        });
    }
    effects.extend(delete.into_iter().map(|pod| Effect::DeletePod { pod }));
    more
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::cluster::state::{KubeletPhase, NodeId, NodeState};
    use crate::model::intstr::IntOrPercent;
    use crate::model::node::{Node, Taint, TaintEffect};
    use crate::model::resources::ResourceList;
    use crate::model::selector::{LabelSelector, Requirement};
    use crate::model::workloads::DaemonSetSpec;

    const HASH: &str = "new";

    /// A node `name`; `taint` is `key:Effect`, `role` a `role` label.
    struct N {
        name: &'static str,
        taint: Option<(&'static str, TaintEffect)>,
        role: &'static str,
        cordoned: bool,
    }

    fn n(name: &'static str) -> N {
        N {
            name,
            taint: None,
            role: "agent",
            cordoned: false,
        }
    }

    /// A daemon pod: its node (`None`: not scheduled yet, aimed at `aim`), template hash,
    /// creation second, ready-since second, terminating, phase.
    #[derive(Clone)]
    struct P {
        name: &'static str,
        node: Option<&'static str>,
        aim: &'static str,
        hash: &'static str,
        created_s: u64,
        ready_s: Option<u64>,
        terminating: bool,
        phase: PodPhase,
    }

    fn p(name: &'static str, node: &'static str, hash: &'static str) -> P {
        P {
            name,
            node: Some(node),
            aim: node,
            hash,
            created_s: 0,
            ready_s: Some(0),
            terminating: false,
            phase: PodPhase::Running,
        }
    }

    fn template() -> PodTemplate {
        let mut selector = BTreeMap::new();
        selector.insert("role".to_string(), "agent".to_string());
        PodTemplate {
            labels: [("app".to_string(), "agent".to_string())].into(),
            annotations: BTreeMap::new(),
            spec: Arc::new(PodSpec {
                node_selector: selector,
                restart_policy: "Always".into(),
                ..PodSpec::default()
            }),
            canonical: "agent-v2".into(),
        }
    }

    fn rolling(surge: i64, unavailable: i64) -> DaemonSetStrategy {
        DaemonSetStrategy::RollingUpdate {
            max_surge: IntOrPercent::Int(surge),
            max_unavailable: IntOrPercent::Int(unavailable),
        }
    }

    fn cluster(
        nodes: &[N],
        pods: &[P],
        strategy: DaemonSetStrategy,
        min_ready: i64,
    ) -> ClusterState {
        let mut state = ClusterState::default();
        for node in nodes {
            let id = NodeId(state.nodes.len());
            state.node_index.insert(node.name.to_string(), id);
            state.nodes.push(NodeState {
                node: Arc::new(Node {
                    name: node.name.into(),
                    labels: [("role".to_string(), node.role.to_string())].into(),
                    capacity: ResourceList::default(),
                    allocatable: ResourceList::default(),
                    taints: node
                        .taint
                        .iter()
                        .map(|(key, effect)| Taint {
                            key: key.to_string(),
                            value: String::new(),
                            effect: *effect,
                        })
                        .collect(),
                    unschedulable: node.cordoned,
                    ready: true,
                    pool: None,
                }),
                pods: BTreeSet::new(),
                images: BTreeSet::new(),
                exists: true,
            });
        }
        let key = ObjKey::new("default", "agent");
        let mut ds = DsState {
            key: key.clone(),
            labels: BTreeMap::new(),
            spec: DaemonSetSpec {
                selector: LabelSelector {
                    requirements: vec![Requirement {
                        key: "app".into(),
                        op: SelectorOp::In,
                        values: vec!["agent".into()],
                    }],
                },
                template: template(),
                host_network: false,
                strategy,
                min_ready_seconds: min_ready,
                revision_history_limit: 10,
            },
            source: serde_json::Value::Null,
            generation: 2,
            template_generation: 2,
            hash: HASH.into(),
            revision: 2,
            created: SimTime::ZERO,
            status: DsStatus::default(),
            rollouts: Vec::new(),
            pods: BTreeSet::new(),
            create_failures: 0,
            history: BTreeMap::new(),
        };
        for pod in pods {
            let id = PodId(state.pods.len());
            let node = pod.node.map(|n| state.node_index[n]);
            let mut spec = daemon_pod_spec(&ds, pod.aim);
            spec.tolerations.clear();
            let ready = pod.ready_s.is_some() && !pod.terminating;
            state.pods.push(PodState {
                namespace: "default".into(),
                name: pod.name.into(),
                uid: id.0 as u64 + 1,
                labels: [
                    ("app".to_string(), "agent".to_string()),
                    (CONTROLLER_REVISION_HASH.to_string(), pod.hash.to_string()),
                ]
                .into(),
                deletion_cost: 0,
                owner: None,
                spec: Arc::new(spec),
                created: SimTime::from_secs(pod.created_s),
                node,
                scheduled: node.map(|_| SimTime::from_secs(pod.created_s)),
                started: None,
                ready,
                ready_since: pod.ready_s.map(SimTime::from_secs).filter(|_| ready),
                first_ready: None,
                phase: pod.phase,
                deletion: pod.terminating.then_some(SimTime::from_secs(50)),
                gone: None,
                end_reason: None,
                restarts: 0,
                kubelet: KubeletPhase::Running,
                pull_failures: 0,
                crash_backoff: (0, SimTime::ZERO),
                kubelet_generation: 0,
                container_running: Vec::new(),
                container_ready: Vec::new(),
                container_restarts: Vec::new(),
                container_started_at: Vec::new(),
                app_ready: ready,
                nominated: None,
                last_nominated: None,
                preempted: false,
                exit_code: None,
                finished_at: None,
                last_termination: None,
            });
            if let Some(node) = node {
                state.nodes[node.0].pods.insert(id);
            }
            ds.pods.insert(id);
        }
        state.daemonsets.insert(key, ds);
        state
    }

    /// (nodes created on, pods deleted, event reasons) of one sync at t = 100 s.
    fn run(state: &ClusterState) -> (Vec<String>, Vec<String>, Vec<&'static str>) {
        let effects = sync(
            state,
            &ObjKey::new("default", "agent"),
            SimTime::from_secs(100),
        );
        let (mut created, mut deleted, mut reasons) = (Vec::new(), Vec::new(), Vec::new());
        for effect in effects {
            match effect {
                Effect::CreateDaemonPods { nodes, .. } => created.extend(nodes),
                Effect::DeletePod { pod } => deleted.push(state.pod(pod).name.clone()),
                Effect::Event { reason, .. } => reasons.push(reason),
                _ => {}
            }
        }
        (created, deleted, reasons)
    }

    fn status(state: &ClusterState) -> Option<DsStatus> {
        sync(
            state,
            &ObjKey::new("default", "agent"),
            SimTime::from_secs(100),
        )
        .into_iter()
        .find_map(|e| match e {
            Effect::DaemonSetStatus { status, .. } => Some(status),
            _ => None,
        })
    }

    /// One pod per eligible node: nodeSelector and untolerated NoSchedule/NoExecute taints
    /// exclude nodes; cordoned and not-ready nodes are tolerated.
    #[test]
    fn one_pod_per_eligible_node() {
        let nodes = [
            n("a"),
            N {
                taint: Some(("dedicated", TaintEffect::NoSchedule)),
                ..n("b")
            },
            N {
                role: "db",
                ..n("c")
            },
            N {
                cordoned: true,
                ..n("d")
            },
            N {
                taint: Some((math::TAINT_NODE_NOT_READY, TaintEffect::NoExecute)),
                ..n("e")
            },
            N {
                taint: Some((math::TAINT_NODE_UNSCHEDULABLE, TaintEffect::NoSchedule)),
                ..n("f")
            },
        ];
        let state = cluster(&nodes, &[], rolling(0, 1), 0);
        let (created, deleted, _) = run(&state);
        assert_eq!(created, ["a", "d", "e", "f"]);
        assert!(deleted.is_empty());
        let status = status(&state).unwrap();
        assert_eq!((status.desired, status.current), (4, 0));
        assert_eq!(status.observed_generation, 2);
    }

    /// `manage` (`podsShouldBeOnNode`), table-driven: (case, nodes, pods, strategy, created on,
    /// deleted, event reasons).
    #[test]
    fn manage_cases() {
        type Case = (
            &'static str,
            Vec<N>,
            Vec<P>,
            DaemonSetStrategy,
            Vec<&'static str>,
            Vec<&'static str>,
            Vec<&'static str>,
        );
        let cases: Vec<Case> = vec![
            (
                "a terminating pod still occupies its node",
                vec![n("a")],
                vec![P {
                    terminating: true,
                    ..p("a-1", "a", HASH)
                }],
                rolling(0, 1),
                vec![],
                vec![],
                vec![],
            ),
            (
                "a pending pod aimed at the node counts as its pod",
                vec![n("a")],
                vec![P {
                    node: None,
                    ready_s: None,
                    ..p("a-1", "a", HASH)
                }],
                rolling(0, 1),
                vec![],
                vec![],
                vec![],
            ),
            (
                "two pods on a node: the oldest stays",
                vec![n("a")],
                vec![
                    P {
                        created_s: 5,
                        ..p("a-young", "a", HASH)
                    },
                    p("a-old", "a", HASH),
                ],
                rolling(0, 1),
                vec![],
                vec!["a-young"],
                vec![],
            ),
            (
                "an untolerated NoExecute taint removes the pod",
                vec![N {
                    taint: Some(("dedicated", TaintEffect::NoExecute)),
                    ..n("a")
                }],
                vec![p("a-1", "a", HASH)],
                rolling(0, 1),
                vec![],
                vec!["a-1"],
                vec![],
            ),
            (
                "an untolerated NoSchedule taint lets the pod keep running",
                vec![N {
                    taint: Some(("dedicated", TaintEffect::NoSchedule)),
                    ..n("a")
                }],
                vec![p("a-1", "a", HASH)],
                rolling(0, 1),
                vec![],
                vec![],
                vec![],
            ),
            (
                "a node whose labels no longer match loses its pod",
                vec![N {
                    role: "db",
                    ..n("a")
                }],
                vec![p("a-1", "a", HASH)],
                rolling(0, 1),
                vec![],
                vec!["a-1"],
                vec![],
            ),
            (
                "an unscheduled pod aimed at a node that is gone is deleted",
                vec![n("a")],
                vec![
                    p("a-1", "a", HASH),
                    P {
                        node: None,
                        ready_s: None,
                        ..p("gone-1", "gone", HASH)
                    },
                ],
                rolling(0, 1),
                vec![],
                vec!["gone-1"],
                vec![],
            ),
            (
                "a failed pod is deleted with a warning",
                vec![n("a")],
                vec![P {
                    phase: PodPhase::Failed,
                    ready_s: None,
                    ..p("a-1", "a", HASH)
                }],
                rolling(0, 1),
                vec![],
                vec!["a-1"],
                vec!["FailedDaemonPod"],
            ),
            (
                "surge: the old pod goes once the new one is available",
                vec![n("a")],
                vec![
                    p("a-old", "a", "old"),
                    P {
                        created_s: 10,
                        ready_s: Some(20),
                        ..p("a-new", "a", HASH)
                    },
                ],
                rolling(1, 0),
                vec![],
                vec!["a-old"],
                vec![],
            ),
            (
                "surge: the old pod stays while the new one is not ready",
                vec![n("a")],
                vec![
                    p("a-old", "a", "old"),
                    P {
                        created_s: 10,
                        ready_s: None,
                        ..p("a-new", "a", HASH)
                    },
                ],
                rolling(1, 0),
                vec![],
                vec![],
                vec![],
            ),
            (
                "surge: a node with only a terminating pod gets a new one at once",
                vec![n("a")],
                vec![P {
                    terminating: true,
                    ..p("a-old", "a", "old")
                }],
                rolling(1, 0),
                vec!["a"],
                vec![],
                vec![],
            ),
        ];
        for (name, nodes, pods, strategy, created, deleted, reasons) in cases {
            let state = cluster(&nodes, &pods, strategy, 0);
            let got = run(&state);
            assert_eq!(
                (
                    got.0.iter().map(String::as_str).collect::<Vec<_>>(),
                    got.1.iter().map(String::as_str).collect::<Vec<_>>(),
                    got.2
                ),
                (created, deleted, reasons),
                "{name}"
            );
        }
    }

    /// `rollingUpdate`, table-driven: (case, pods on nodes a, b, c, strategy, min ready seconds,
    /// created on, deleted).
    #[test]
    fn rolling_update_cases() {
        type Case = (
            &'static str,
            Vec<P>,
            DaemonSetStrategy,
            i64,
            Vec<&'static str>,
            Vec<&'static str>,
        );
        let old = || {
            vec![
                p("a-1", "a", "old"),
                p("b-1", "b", "old"),
                p("c-1", "c", "old"),
            ]
        };
        let cases: Vec<Case> = vec![
            (
                "maxUnavailable 1: the first node's old pod goes",
                old(),
                rolling(0, 1),
                0,
                vec![],
                vec!["a-1"],
            ),
            (
                "maxUnavailable 2: two at a time",
                old(),
                rolling(0, 2),
                0,
                vec![],
                vec!["a-1", "b-1"],
            ),
            (
                "maxUnavailable 1: a new pod within minReadySeconds holds the next one back",
                vec![
                    P {
                        created_s: 90,
                        ready_s: Some(95),
                        ..p("a-2", "a", HASH)
                    },
                    p("b-1", "b", "old"),
                    p("c-1", "c", "old"),
                ],
                rolling(0, 1),
                10,
                vec![],
                vec![],
            ),
            (
                "maxUnavailable 1: an available new pod lets the next node go",
                vec![
                    P {
                        created_s: 80,
                        ready_s: Some(85),
                        ..p("a-2", "a", HASH)
                    },
                    p("b-1", "b", "old"),
                    p("c-1", "c", "old"),
                ],
                rolling(0, 1),
                10,
                vec![],
                vec!["b-1"],
            ),
            (
                "an unavailable old pod is replaced at once, beyond the budget",
                vec![
                    p("a-1", "a", "old"),
                    P {
                        ready_s: None,
                        ..p("b-1", "b", "old")
                    },
                    p("c-1", "c", "old"),
                ],
                rolling(0, 1),
                0,
                vec![],
                vec!["b-1"],
            ),
            (
                "maxSurge 1: a new pod starts next to the first old one",
                old(),
                rolling(1, 0),
                0,
                vec!["a"],
                vec![],
            ),
            (
                "OnDelete: nothing is replaced",
                old(),
                DaemonSetStrategy::OnDelete,
                0,
                vec![],
                vec![],
            ),
            (
                "every pod is updated: nothing to do",
                vec![
                    p("a-1", "a", HASH),
                    p("b-1", "b", HASH),
                    p("c-1", "c", HASH),
                ],
                rolling(0, 1),
                0,
                vec![],
                vec![],
            ),
        ];
        for (name, pods, strategy, min_ready, created, deleted) in cases {
            let state = cluster(&[n("a"), n("b"), n("c")], &pods, strategy, min_ready);
            let got = run(&state);
            assert_eq!(
                (
                    got.0.iter().map(String::as_str).collect::<Vec<_>>(),
                    got.1.iter().map(String::as_str).collect::<Vec<_>>()
                ),
                (created, deleted),
                "{name}"
            );
        }
    }

    /// The rolling update waits while `manage` still has work (upstream's expectations).
    #[test]
    fn rolling_update_waits_for_manage() {
        let pods = [p("a-1", "a", "old"), p("b-1", "b", "old")];
        let state = cluster(&[n("a"), n("b"), n("c")], &pods, rolling(0, 1), 0);
        let (created, deleted, _) = run(&state);
        assert_eq!(created, ["c"]);
        assert!(deleted.is_empty());
    }

    /// `updateDaemonSetStatus`: counts look at the oldest pod of each node.
    #[test]
    fn status_counts() {
        let nodes = [
            n("a"),
            n("b"),
            n("c"),
            n("d"),
            N {
                taint: Some(("dedicated", TaintEffect::NoExecute)),
                ..n("e")
            },
        ];
        let pods = [
            p("a-1", "a", "old"),
            P {
                created_s: 95,
                ready_s: Some(96),
                ..p("b-2", "b", HASH)
            },
            P {
                ready_s: None,
                ..p("c-2", "c", HASH)
            },
            P {
                terminating: true,
                ..p("e-1", "e", "old")
            },
        ];
        let state = cluster(&nodes, &pods, DaemonSetStrategy::OnDelete, 10);
        let effects = sync(
            &state,
            &ObjKey::new("default", "agent"),
            SimTime::from_secs(100),
        );
        let status = effects
            .iter()
            .find_map(|e| match e {
                Effect::DaemonSetStatus { status, .. } => Some(*status),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            status,
            DsStatus {
                desired: 4,
                current: 3,
                misscheduled: 1,
                ready: 2,
                updated: 2,
                available: 1,
                unavailable: 3,
                observed_generation: 2,
            }
        );
        // b-2 becomes available at 96 + 10 s: the controller looks again then.
        assert!(effects.contains(&Effect::Requeue {
            target: SyncTarget::DaemonSet(ObjKey::new("default", "agent")),
            at: SimTime::from_secs(106),
        }));
    }

    /// The daemon pod: template labels plus generation and hash; the daemon tolerations; a
    /// single node-name affinity term.
    #[test]
    fn daemon_pod_shape() {
        let state = cluster(&[n("a")], &[], rolling(0, 1), 0);
        let ds = &state.daemonsets[&ObjKey::new("default", "agent")];
        let labels = daemon_pod_labels(ds);
        assert_eq!(labels[CONTROLLER_REVISION_HASH], HASH);
        assert_eq!(labels[POD_TEMPLATE_GENERATION], "2");
        assert_eq!(labels["app"], "agent");
        let spec = daemon_pod_spec(ds, "a");
        assert_eq!(spec.required_node_terms, math::node_name_affinity("a"));
        assert_eq!(spec.tolerations, math::daemon_pod_tolerations(false));
        assert_eq!(spec.node_selector["role"], "agent");
        assert_eq!(revision_hash(&ds.spec.template).len(), 10);
    }
}
