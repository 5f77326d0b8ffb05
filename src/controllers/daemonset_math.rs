//! Pure arithmetic and decision rules of the DaemonSet controller.
//!
//! Mirrors `pkg/controller/daemon/update.go`, `daemon_controller.go` (`NodeShouldRunDaemonPod`,
//! `predicates`) and `daemon/util/daemonset_util.go` in kubernetes/kubernetes (newest behaviour;
//! fidelity SPEC §5):
//!
//! * the rolling-update budgets ([`max_surge_unavailable`], [`desired_node_counts`]): surge and
//!   unavailability are both percentages of the desired node count rounded **up**; when both
//!   come out 0 on a non-empty set, unavailability becomes 1;
//! * the tolerations the controller adds to every daemon pod ([`daemon_pod_tolerations`],
//!   [`with_daemon_tolerations`]) and the node-name affinity it places pods with
//!   ([`node_name_affinity`]);
//! * node eligibility ([`node_should_run_daemon_pod`]): template `nodeName`, `nodeSelector`,
//!   required node affinity and NoSchedule/NoExecute taints;
//! * which old pods to delete and where to start new pods during a rolling update
//!   ([`rolling_update`]).
//!
//! Pure functions: no I/O, no clock, no hash-map iteration, integer arithmetic only. Upstream
//! walks `nodeToDaemonPods`, a Go map, in random order; here nodes are visited in the order of
//! the input slice (callers should pass them sorted by name).

use crate::model::intstr::IntOrPercent;
use crate::model::node::{Node, TaintEffect};
use crate::model::pod::{PodSpec, Toleration};
use crate::model::selector::{NodeSelectorTerm, Requirement, SelectorOp};

/// Taint key of a node whose Ready condition is False (`node.kubernetes.io/not-ready`).
pub const TAINT_NODE_NOT_READY: &str = "node.kubernetes.io/not-ready";
/// Taint key of a node whose Ready condition is Unknown (`node.kubernetes.io/unreachable`).
pub const TAINT_NODE_UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// Taint key of a node under disk pressure.
pub const TAINT_NODE_DISK_PRESSURE: &str = "node.kubernetes.io/disk-pressure";
/// Taint key of a node under memory pressure.
pub const TAINT_NODE_MEMORY_PRESSURE: &str = "node.kubernetes.io/memory-pressure";
/// Taint key of a node under PID pressure.
pub const TAINT_NODE_PID_PRESSURE: &str = "node.kubernetes.io/pid-pressure";
/// Taint key of a cordoned node (`spec.unschedulable`).
pub const TAINT_NODE_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
/// Taint key of a node whose network is not configured.
pub const TAINT_NODE_NETWORK_UNAVAILABLE: &str = "node.kubernetes.io/network-unavailable";

/// Field key used in `matchFields` to select a node by name.
pub const NODE_NAME_FIELD: &str = "metadata.name";

/// Result of [`max_surge_unavailable`] / [`desired_node_counts`] (`updatedDesiredNodeCounts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DesiredNodeCounts {
    /// `maxSurge` resolved against `desired` (rounded up).
    pub max_surge: i64,
    /// `maxUnavailable` resolved against `desired` (rounded up; forced to 1 when both are 0).
    pub max_unavailable: i64,
    /// `desiredNumberScheduled`: nodes that should run the daemon pod.
    pub desired: i64,
    /// Nodes that should run the pod and have no daemon pod at all (terminating pods count as
    /// present).
    pub empty_nodes: i64,
}

/// Result of [`node_should_run_daemon_pod`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShouldRun {
    /// A daemon pod should be created on (or kept on) the node.
    pub should_run: bool,
    /// An already-running daemon pod may keep running (true when only NoSchedule taints are
    /// untolerated).
    pub should_continue_running: bool,
}

/// What the rolling update needs to know about one daemon pod on a node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DaemonPodView {
    /// Pod name (returned in [`RollingUpdatePlan::delete`]).
    pub name: String,
    /// `IsPodUpdated`: its `controller-revision-hash` (or legacy template generation) matches
    /// the current template.
    pub updated: bool,
    /// `IsPodAvailable(pod, minReadySeconds, now)`.
    pub available: bool,
    /// `metadata.deletionTimestamp` is set (ignored by the rolling update).
    pub terminating: bool,
}

/// A node together with the daemon pods bound to it.
///
/// Pass every node that should run the daemon pod and every node that has daemon pods (deleted
/// pods in a terminal phase excluded, as `getNodesToDaemonPods(includeDeletedTerminal=false)`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DaemonNodeView {
    /// Node name (returned in [`RollingUpdatePlan::create_on`]).
    pub name: String,
    /// [`ShouldRun::should_run`] for this node.
    pub should_run: bool,
    /// Daemon pods on the node.
    pub pods: Vec<DaemonPodView>,
}

/// Operations decided by [`rolling_update`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RollingUpdatePlan {
    /// Names of old pods to delete.
    pub delete: Vec<String>,
    /// Names of nodes that get a new (updated) pod next to their old one (surge only).
    pub create_on: Vec<String>,
}

/// `SurgeCount` and `UnavailableCount` against `desired` nodes, both rounded **up**, with the
/// `updatedDesiredNodeCounts` fallback: when `desired > 0` and both are 0, unavailability is 1.
/// `max_surge` unset counts as 0; `max_unavailable` unset takes the API default 1.
/// Returns `(max_surge, max_unavailable)`.
pub fn max_surge_unavailable(
    max_surge: Option<IntOrPercent>,
    max_unavailable: Option<IntOrPercent>,
    desired: i64,
) -> (i64, i64) {
    let surge = max_surge.map_or(0, |value| value.scaled_value(desired, true));
    let mut unavailable = max_unavailable
        .unwrap_or(IntOrPercent::Int(1))
        .scaled_value(desired, true);
    if desired > 0 && surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable)
}

/// `updatedDesiredNodeCounts` over the node views: `desired` = nodes that should run the pod,
/// budgets from [`max_surge_unavailable`], plus the number of such nodes without any pod.
pub fn desired_node_counts(
    nodes: &[DaemonNodeView],
    max_surge: Option<IntOrPercent>,
    max_unavailable: Option<IntOrPercent>,
) -> DesiredNodeCounts {
    let desired = nodes.iter().filter(|node| node.should_run).count() as i64;
    let empty_nodes = nodes
        .iter()
        .filter(|node| node.should_run && node.pods.is_empty())
        .count() as i64;
    let (max_surge, max_unavailable) = max_surge_unavailable(max_surge, max_unavailable, desired);
    DesiredNodeCounts {
        max_surge,
        max_unavailable,
        desired,
        empty_nodes,
    }
}

fn exists_toleration(key: &str, effect: TaintEffect) -> Toleration {
    Toleration {
        key: key.to_string(),
        exists: true,
        value: String::new(),
        effect: Some(effect),
        toleration_seconds: None,
    }
}

/// The tolerations `AddOrUpdateDaemonPodTolerations` gives every daemon pod, in upstream order:
/// `not-ready` and `unreachable` NoExecute **without** `tolerationSeconds` (node failure never
/// evicts daemon pods), then disk-, memory-, PID-pressure and `unschedulable` NoSchedule, and
/// `network-unavailable` NoSchedule for host-network pods. All use operator Exists.
pub fn daemon_pod_tolerations(host_network: bool) -> Vec<Toleration> {
    let mut tolerations = vec![
        exists_toleration(TAINT_NODE_NOT_READY, TaintEffect::NoExecute),
        exists_toleration(TAINT_NODE_UNREACHABLE, TaintEffect::NoExecute),
        exists_toleration(TAINT_NODE_DISK_PRESSURE, TaintEffect::NoSchedule),
        exists_toleration(TAINT_NODE_MEMORY_PRESSURE, TaintEffect::NoSchedule),
        exists_toleration(TAINT_NODE_PID_PRESSURE, TaintEffect::NoSchedule),
        exists_toleration(TAINT_NODE_UNSCHEDULABLE, TaintEffect::NoSchedule),
    ];
    if host_network {
        tolerations.push(exists_toleration(
            TAINT_NODE_NETWORK_UNAVAILABLE,
            TaintEffect::NoSchedule,
        ));
    }
    tolerations
}

/// `Toleration.MatchToleration`: same key, operator, value and effect.
fn same_toleration(a: &Toleration, b: &Toleration) -> bool {
    a.key == b.key && a.exists == b.exists && a.value == b.value && a.effect == b.effect
}

/// `AddOrUpdateDaemonPodTolerations` applied to a template's tolerations: each daemon
/// toleration replaces every matching one (same key, operator, value, effect; e.g. a user's
/// `not-ready` toleration with `tolerationSeconds: 300` loses its seconds) or is appended.
pub fn with_daemon_tolerations(existing: &[Toleration], host_network: bool) -> Vec<Toleration> {
    let mut result = existing.to_vec();
    for toleration in daemon_pod_tolerations(host_network) {
        let mut replaced = false;
        for slot in result.iter_mut() {
            if same_toleration(slot, &toleration) {
                *slot = toleration.clone();
                replaced = true;
            }
        }
        if !replaced {
            result.push(toleration);
        }
    }
    result
}

/// `ReplaceDaemonSetPodNodeNameNodeAffinity`: the required node-affinity terms of a daemon pod
/// bound for `node_name` — a single term `metadata.name In [node_name]` replacing any others.
pub fn node_name_affinity(node_name: &str) -> Vec<NodeSelectorTerm> {
    vec![NodeSelectorTerm {
        match_expressions: Vec::new(),
        match_fields: vec![Requirement {
            key: NODE_NAME_FIELD.to_string(),
            op: SelectorOp::In,
            values: vec![node_name.to_string()],
        }],
    }]
}

/// `GetRequiredNodeAffinity(pod).Match(node)`: the `nodeSelector` labels all match and, when
/// required terms exist, at least one term matches.
fn fits_node_affinity(template: &PodSpec, node: &Node) -> bool {
    let selector_ok = template
        .node_selector
        .iter()
        .all(|(key, value)| node.labels.get(key) == Some(value));
    let terms_ok = template.required_node_terms.is_empty()
        || template
            .required_node_terms
            .iter()
            .any(|term| term.matches(&node.labels, &node.name));
    selector_ok && terms_ok
}

/// `NodeShouldRunDaemonPod(node, ds)`.
///
/// The template's `nodeName`, if set, must be the node; the pod (template tolerations plus
/// [`with_daemon_tolerations`]) must fit the node's `nodeSelector`/required affinity. If some
/// NoSchedule or NoExecute taint is not tolerated the pod should not run; it may keep running
/// when no NoExecute taint is untolerated. `spec.unschedulable` is not checked here (daemon pods
/// tolerate the `unschedulable` taint).
pub fn node_should_run_daemon_pod(
    node: &Node,
    template: &PodSpec,
    host_network: bool,
) -> ShouldRun {
    const NO: ShouldRun = ShouldRun {
        should_run: false,
        should_continue_running: false,
    };
    if let Some(name) = &template.node_name
        && !name.is_empty()
        && name != &node.name
    {
        return NO;
    }
    if !fits_node_affinity(template, node) {
        return NO;
    }
    let tolerations = with_daemon_tolerations(&template.tolerations, host_network);
    let untolerated = |effects: &[TaintEffect]| {
        node.taints.iter().any(|taint| {
            effects.contains(&taint.effect) && !tolerations.iter().any(|t| t.tolerates(taint))
        })
    };
    if untolerated(&[TaintEffect::NoSchedule, TaintEffect::NoExecute]) {
        return ShouldRun {
            should_run: false,
            should_continue_running: !untolerated(&[TaintEffect::NoExecute]),
        };
    }
    ShouldRun {
        should_run: true,
        should_continue_running: true,
    }
}

/// `findUpdatedPodsOnNode`: the (new, old) non-terminating pods, or `None` when the node has
/// more than one of either (the manage loop cleans it up first).
fn updated_pods_on_node(
    node: &DaemonNodeView,
) -> Option<(Option<&DaemonPodView>, Option<&DaemonPodView>)> {
    let (mut new_pod, mut old_pod) = (None, None);
    for pod in node.pods.iter().filter(|pod| !pod.terminating) {
        let slot = if pod.updated {
            &mut new_pod
        } else {
            &mut old_pod
        };
        if slot.is_some() {
            return None;
        }
        *slot = Some(pod);
    }
    Some((new_pod, old_pod))
}

/// `rollingUpdate`: which old pods to delete and on which nodes to start a new pod, given the
/// budgets of [`desired_node_counts`] (`counts.desired` is the number of nodes that should run
/// the pod).
///
/// Without surge: a node with more than one old or new pod, with no pod, or with both an old
/// and a new pod counts as unavailable, as does an unavailable new pod. Old pods that are
/// unavailable are always deleted (and counted); available old pods are candidates, and the
/// first `max_unavailable − unavailable` candidates (in node order) are deleted. Nodes are
/// visited in input order and candidates stop being collected once `unavailable` reaches
/// `max_unavailable`, as upstream does.
///
/// With surge: a node with duplicates counts as surging; an old pod that is unavailable gets a
/// new pod next to it at once (or is deleted when the node should no longer run the pod); an
/// available old pod is a surge candidate (or, on a node that should no longer run the pod, a
/// deletion candidate) while fewer than `max_surge` nodes surge; a node whose new pod is
/// available loses its old pod, one whose new pod is not yet available counts as surging. Old
/// pods on nodes that should no longer run the pod are deleted only while more pods are
/// available than `desired`. At most `max_surge − surging` candidates get a new pod.
pub fn rolling_update(nodes: &[DaemonNodeView], counts: &DesiredNodeCounts) -> RollingUpdatePlan {
    if counts.max_surge == 0 {
        rolling_update_without_surge(nodes, counts.max_unavailable)
    } else {
        rolling_update_with_surge(nodes, counts)
    }
}

fn rolling_update_without_surge(
    nodes: &[DaemonNodeView],
    max_unavailable: i64,
) -> RollingUpdatePlan {
    let mut unavailable = 0;
    let mut replacements: Vec<String> = Vec::new();
    let mut candidates: Vec<String> = Vec::new();
    for node in nodes {
        let Some((new_pod, old_pod)) = updated_pods_on_node(node) else {
            unavailable += 1;
            continue;
        };
        match (new_pod, old_pod) {
            (None, None) | (Some(_), Some(_)) => unavailable += 1,
            (Some(new_pod), None) => {
                if !new_pod.available {
                    unavailable += 1;
                }
            }
            (None, Some(old_pod)) => {
                if !old_pod.available {
                    replacements.push(old_pod.name.clone());
                    unavailable += 1;
                } else if unavailable < max_unavailable {
                    candidates.push(old_pod.name.clone());
                }
            }
        }
    }
    let remaining = (max_unavailable - unavailable).clamp(0, candidates.len() as i64) as usize;
    replacements.extend(candidates.into_iter().take(remaining));
    RollingUpdatePlan {
        delete: replacements,
        create_on: Vec::new(),
    }
}

fn rolling_update_with_surge(
    nodes: &[DaemonNodeView],
    counts: &DesiredNodeCounts,
) -> RollingUpdatePlan {
    let mut delete: Vec<String> = Vec::new();
    let mut should_not_run_delete: Vec<String> = Vec::new();
    let mut candidate_nodes: Vec<String> = Vec::new();
    let mut allowed_nodes: Vec<String> = Vec::new();
    let mut surging = 0;
    let mut available = 0;
    for node in nodes {
        let Some((new_pod, old_pod)) = updated_pods_on_node(node) else {
            surging += 1;
            continue;
        };
        match (old_pod, new_pod) {
            (Some(old), _) if old.available => available += 1,
            (None, Some(new)) if new.available => available += 1,
            _ => {}
        }
        match (old_pod, new_pod) {
            (None, _) => {}
            (Some(old), None) => {
                if !old.available {
                    if node.should_run {
                        allowed_nodes.push(node.name.clone());
                    } else {
                        delete.push(old.name.clone());
                    }
                } else if !node.should_run {
                    should_not_run_delete.push(old.name.clone());
                } else if surging < counts.max_surge {
                    candidate_nodes.push(node.name.clone());
                }
            }
            (Some(old), Some(new)) => {
                if new.available {
                    delete.push(old.name.clone());
                } else {
                    surging += 1;
                }
            }
        }
    }
    let deletable = (available - counts.desired).min(should_not_run_delete.len() as i64);
    if deletable > 0 {
        delete.extend(should_not_run_delete.into_iter().take(deletable as usize));
    }
    let remaining = (counts.max_surge - surging).clamp(0, candidate_nodes.len() as i64) as usize;
    allowed_nodes.extend(candidate_nodes.into_iter().take(remaining));
    RollingUpdatePlan {
        delete,
        create_on: allowed_nodes,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::node::Taint;
    use crate::model::resources::ResourceList;

    fn pct(p: i64) -> Option<IntOrPercent> {
        Some(IntOrPercent::Percent(p))
    }

    fn int(v: i64) -> Option<IntOrPercent> {
        Some(IntOrPercent::Int(v))
    }

    fn pod(name: &str, updated: bool, available: bool) -> DaemonPodView {
        DaemonPodView {
            name: name.into(),
            updated,
            available,
            terminating: false,
        }
    }

    fn node(name: &str, pods: Vec<DaemonPodView>) -> DaemonNodeView {
        DaemonNodeView {
            name: name.into(),
            should_run: true,
            pods,
        }
    }

    /// SPEC §5.b `TestGetUnavailableNumbers`, all 6 rows: (maxSurge, maxUnavailable, desired,
    /// empty nodes).
    #[test]
    fn test_get_unavailable_numbers() {
        let ready = |n: &str| node(n, vec![pod(&format!("{n}-pod"), true, true)]);
        let terminating = DaemonPodView {
            terminating: true,
            ..pod("node-1-pod", true, false)
        };
        type Row = (
            Vec<DaemonNodeView>,
            Option<IntOrPercent>,
            Option<IntOrPercent>,
            (i64, i64, i64, i64),
        );
        let rows: Vec<Row> = vec![
            (vec![], None, int(0), (0, 0, 0, 0)),
            (
                vec![ready("node-0"), ready("node-1")],
                None,
                int(1),
                (0, 1, 2, 0),
            ),
            (
                vec![ready("node-0"), node("node-1", vec![])],
                None,
                int(0),
                (0, 1, 2, 1),
            ),
            (
                vec![ready("node-0"), ready("node-1")],
                None,
                pct(50),
                (0, 1, 2, 0),
            ),
            (
                vec![ready("node-0"), ready("node-1")],
                pct(100),
                int(0),
                (2, 0, 2, 0),
            ),
            (
                vec![
                    ready("node-0"),
                    node("node-1", vec![terminating]),
                    node("node-2", vec![]),
                ],
                None,
                pct(50),
                (0, 2, 3, 1),
            ),
        ];
        for (n, (nodes, surge, unavailable, want)) in rows.into_iter().enumerate() {
            let got = desired_node_counts(&nodes, surge, unavailable);
            assert_eq!(
                (
                    got.max_surge,
                    got.max_unavailable,
                    got.desired,
                    got.empty_nodes
                ),
                want,
                "row {}",
                n + 1
            );
        }
    }

    #[test]
    fn rounding_is_up_for_both() {
        assert_eq!(max_surge_unavailable(pct(25), pct(25), 3), (1, 1));
        assert_eq!(max_surge_unavailable(pct(10), pct(10), 10), (1, 1));
        assert_eq!(max_surge_unavailable(None, pct(1), 150), (0, 2));
        // Defaults: unavailable 1, surge 0.
        assert_eq!(max_surge_unavailable(None, None, 7), (0, 1));
        assert_eq!(max_surge_unavailable(None, pct(0), 0), (0, 0));
    }

    #[test]
    fn daemon_tolerations_as_data() {
        let base = daemon_pod_tolerations(false);
        let keys: Vec<(&str, Option<TaintEffect>)> =
            base.iter().map(|t| (t.key.as_str(), t.effect)).collect();
        assert_eq!(
            keys,
            vec![
                (TAINT_NODE_NOT_READY, Some(TaintEffect::NoExecute)),
                (TAINT_NODE_UNREACHABLE, Some(TaintEffect::NoExecute)),
                (TAINT_NODE_DISK_PRESSURE, Some(TaintEffect::NoSchedule)),
                (TAINT_NODE_MEMORY_PRESSURE, Some(TaintEffect::NoSchedule)),
                (TAINT_NODE_PID_PRESSURE, Some(TaintEffect::NoSchedule)),
                (TAINT_NODE_UNSCHEDULABLE, Some(TaintEffect::NoSchedule)),
            ]
        );
        assert!(
            base.iter()
                .all(|t| t.exists && t.toleration_seconds.is_none())
        );
        assert_eq!(daemon_pod_tolerations(true).len(), 7);

        // A user toleration with seconds is replaced (seconds dropped); others are kept.
        let user = vec![
            Toleration {
                toleration_seconds: Some(300),
                ..exists_toleration(TAINT_NODE_NOT_READY, TaintEffect::NoExecute)
            },
            exists_toleration("gpu", TaintEffect::NoSchedule),
        ];
        let merged = with_daemon_tolerations(&user, false);
        assert_eq!(merged.len(), 7);
        assert_eq!(merged[0].toleration_seconds, None);
        assert_eq!(merged[1].key, "gpu");
    }

    fn test_node(name: &str, labels: &[(&str, &str)], taints: Vec<Taint>) -> Node {
        Node {
            name: name.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            capacity: ResourceList::default(),
            allocatable: ResourceList::default(),
            taints,
            unschedulable: false,
            ready: true,
            pool: None,
        }
    }

    fn taint(key: &str, effect: TaintEffect) -> Taint {
        Taint {
            key: key.into(),
            value: String::new(),
            effect,
        }
    }

    /// Derived (§5.a, `TestNodeShouldRunDaemonPod` cases): selector, affinity, nodeName, taints.
    #[test]
    fn node_eligibility() {
        let run = ShouldRun {
            should_run: true,
            should_continue_running: true,
        };
        let no = ShouldRun {
            should_run: false,
            should_continue_running: false,
        };
        let plain = test_node("n1", &[("disk", "ssd")], vec![]);
        let spec = PodSpec::default();
        assert_eq!(node_should_run_daemon_pod(&plain, &spec, false), run);

        let mut selector = BTreeMap::new();
        selector.insert("disk".to_string(), "hdd".to_string());
        let picky = PodSpec {
            node_selector: selector,
            ..PodSpec::default()
        };
        assert_eq!(node_should_run_daemon_pod(&plain, &picky, false), no);

        let named = PodSpec {
            node_name: Some("n2".into()),
            ..PodSpec::default()
        };
        assert_eq!(node_should_run_daemon_pod(&plain, &named, false), no);

        let affinity = PodSpec {
            required_node_terms: node_name_affinity("n1"),
            ..PodSpec::default()
        };
        assert_eq!(node_should_run_daemon_pod(&plain, &affinity, false), run);
        let other = test_node("n2", &[], vec![]);
        assert_eq!(node_should_run_daemon_pod(&other, &affinity, false), no);

        // Untolerated NoSchedule: do not start, but keep running.
        let tainted = test_node("n1", &[], vec![taint("dedicated", TaintEffect::NoSchedule)]);
        assert_eq!(
            node_should_run_daemon_pod(&tainted, &spec, false),
            ShouldRun {
                should_run: false,
                should_continue_running: true
            }
        );
        // Untolerated NoExecute: neither.
        let evicting = test_node("n1", &[], vec![taint("dedicated", TaintEffect::NoExecute)]);
        assert_eq!(node_should_run_daemon_pod(&evicting, &spec, false), no);
        // PreferNoSchedule is ignored.
        let soft = test_node("n1", &[], vec![taint("x", TaintEffect::PreferNoSchedule)]);
        assert_eq!(node_should_run_daemon_pod(&soft, &spec, false), run);
        // Node-condition taints are tolerated automatically.
        let failing = test_node(
            "n1",
            &[],
            vec![
                taint(TAINT_NODE_UNREACHABLE, TaintEffect::NoExecute),
                taint(TAINT_NODE_NOT_READY, TaintEffect::NoExecute),
                taint(TAINT_NODE_UNSCHEDULABLE, TaintEffect::NoSchedule),
                taint(TAINT_NODE_MEMORY_PRESSURE, TaintEffect::NoSchedule),
            ],
        );
        assert_eq!(node_should_run_daemon_pod(&failing, &spec, false), run);
        let network = test_node(
            "n1",
            &[],
            vec![taint(
                TAINT_NODE_NETWORK_UNAVAILABLE,
                TaintEffect::NoSchedule,
            )],
        );
        assert!(!node_should_run_daemon_pod(&network, &spec, false).should_run);
        assert!(node_should_run_daemon_pod(&network, &spec, true).should_run);
    }

    /// Derived (§5.a, maxSurge 0): unavailable old pods are replaced at once, available ones
    /// only within the unavailability budget.
    #[test]
    fn rolling_update_without_surge_budget() {
        let nodes = vec![
            node("a", vec![pod("a-old", false, true)]),
            node("b", vec![pod("b-old", false, true)]),
            node("c", vec![pod("c-old", false, false)]),
            node("d", vec![pod("d-old", false, true)]),
        ];
        let counts = desired_node_counts(&nodes, None, int(2));
        assert_eq!(counts.max_unavailable, 2);
        let plan = rolling_update(&nodes, &counts);
        // a, b and d are candidates; c's unavailable old pod is replaced at once and counted,
        // so only 2 − 1 = 1 candidate (the first, a) is used.
        assert_eq!(plan.delete, vec!["c-old".to_string(), "a-old".to_string()]);
        assert!(plan.create_on.is_empty());

        // A new pod still unavailable and an empty node use up the budget.
        let busy = vec![
            node("a", vec![pod("a-new", true, false)]),
            node("b", vec![]),
            node("c", vec![pod("c-old", false, true)]),
        ];
        let counts = desired_node_counts(&busy, None, int(2));
        assert!(rolling_update(&busy, &counts).delete.is_empty());

        // A node with an old and a new pod counts as unavailable; terminating pods are ignored.
        let mixed = vec![
            node(
                "a",
                vec![pod("a-old", false, true), pod("a-new", true, true)],
            ),
            node(
                "b",
                vec![
                    DaemonPodView {
                        terminating: true,
                        ..pod("b-dying", false, true)
                    },
                    pod("b-old", false, true),
                ],
            ),
        ];
        let counts = desired_node_counts(&mixed, None, int(2));
        assert_eq!(
            rolling_update(&mixed, &counts).delete,
            vec!["b-old".to_string()]
        );
    }

    /// Derived (§5.a, maxSurge > 0): new pods next to old ones on up to maxSurge nodes; the old
    /// pod goes once the new one is available.
    #[test]
    fn rolling_update_with_surge_budget() {
        let nodes = vec![
            node(
                "a",
                vec![pod("a-old", false, true), pod("a-new", true, true)],
            ),
            node(
                "b",
                vec![pod("b-old", false, true), pod("b-new", true, false)],
            ),
            node("c", vec![pod("c-old", false, true)]),
            node("d", vec![pod("d-old", false, false)]),
            node("e", vec![pod("e-old", false, true)]),
        ];
        let counts = desired_node_counts(&nodes, int(2), int(0));
        assert_eq!((counts.max_surge, counts.max_unavailable), (2, 0));
        let plan = rolling_update(&nodes, &counts);
        assert_eq!(plan.delete, vec!["a-old".to_string()]);
        // b surges (1 of 2); d's unavailable old pod gets a new pod at once; one candidate (c).
        assert_eq!(plan.create_on, vec!["d".to_string(), "c".to_string()]);

        // A node that should no longer run the pod: its old pod is deleted only while more pods
        // are available than desired.
        let moved = vec![
            DaemonNodeView {
                should_run: false,
                ..node("old-home", vec![pod("x-old", false, true)])
            },
            node("new-home", vec![pod("y-new", true, true)]),
        ];
        let counts = DesiredNodeCounts {
            max_surge: 1,
            max_unavailable: 0,
            desired: 1,
            empty_nodes: 0,
        };
        assert_eq!(
            rolling_update(&moved, &counts).delete,
            vec!["x-old".to_string()]
        );
        let not_yet = vec![
            moved[0].clone(),
            node("new-home", vec![pod("y-new", true, false)]),
        ];
        assert!(rolling_update(&not_yet, &counts).delete.is_empty());
    }
}
