//! VolumeBinding (`plugins/volumebinding`): a pod's PersistentVolumeClaims must be bound, or
//! bindable, on the node.
//!
//! * PreFilter: `Skip` for a pod without claims; a missing claim is
//!   `persistentvolumeclaim "NAME" not found` and an unbound claim of an Immediate class is
//!   `pod has unbound immediate PersistentVolumeClaims` (both UnschedulableAndUnresolvable).
//!   Bound local volumes whose node affinity names hosts restrict the candidate nodes
//!   (`GetEligibleNodes`).
//! * Filter: a bound claim's volume must be reachable from the node
//!   (`node(s) had volume node affinity conflict`); each WaitForFirstConsumer claim needs an
//!   available matching volume reachable from the node, or a class that can provision there
//!   (`node(s) didn't find available persistent volumes to bind`).
//! * Reserve: decides, for the chosen node, which volume each unbound claim takes (or that it is
//!   provisioned); Unreserve forgets the decisions. PreBind carries them out through the API.
//!
//! The Score part (StorageCapacityScoring) is behind a feature gate upstream and not here.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::model::node::Node;

use crate::model::storage::{NO_PROVISIONER, Storage, VolumeBindingMode};
use crate::scheduler::framework::{
    ClusterClient, Code, CycleState, FilterPlugin, NodeInfo, Plugin, PodInfo, PreBindPlugin,
    PreFilterPlugin, PreFilterResult, ReservePlugin, Status, storage,
};

/// Registry name.
pub const NAME: &str = "VolumeBinding";

/// `ErrReasonBindConflict`.
pub const ERR_REASON_BIND_CONFLICT: &str =
    "node(s) didn't find available persistent volumes to bind";
/// `ErrReasonNodeConflict`.
pub const ERR_REASON_NODE_CONFLICT: &str = "node(s) had volume node affinity conflict";
/// `ErrReasonPVNotExist`.
pub const ERR_REASON_PV_NOT_EXIST: &str =
    "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
/// The PreFilter rejection of unbound Immediate claims.
pub const ERR_UNBOUND_IMMEDIATE: &str = "pod has unbound immediate PersistentVolumeClaims";

const STATE_KEY: &str = "PreFilterVolumeBinding";
const DECISIONS_KEY: &str = "ReserveVolumeBinding";

/// The label the eligible-nodes shortcut reads (`v1.LabelHostname`).
const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";

/// The pod's claims, sorted by PreFilter (`PodVolumeClaims`).
#[derive(Debug, Clone, Default)]
struct PodVolumeClaims {
    /// `(claim, volume)` of the bound claims.
    bound: Vec<(String, String)>,
    /// Unbound claims of WaitForFirstConsumer classes.
    delayed: Vec<String>,
    /// The snapshot's nodes, kept when there are delayed claims (Reserve gets a node name).
    nodes: Vec<Arc<Node>>,
}

/// What Reserve decided for one delayed claim: a volume, or provisioning.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    Bind(String, String),
    Provision(String),
}

#[derive(Debug, Clone)]
struct Decisions(Vec<Decision>);

/// The VolumeBinding plugin (PreFilter, Filter, Reserve, PreBind).
#[derive(Debug, Clone, Copy, Default)]
pub struct VolumeBinding;

/// Hostnames a bound volume's node affinity pins it to (`GetLocalPersistentVolumeNodeNames`):
/// per term the intersection of its `hostname In` values, the union over terms.
fn local_node_names(s: &Storage, volume: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Some(pv) = s.volumes.get(volume) else {
        return out;
    };
    for term in &pv.node_affinity {
        let mut nodes: Option<BTreeSet<String>> = None;
        for r in &term.match_expressions {
            if r.key == HOSTNAME_LABEL && r.op == crate::model::selector::SelectorOp::In {
                let values: BTreeSet<String> = r.values.iter().cloned().collect();
                nodes = Some(match nodes {
                    None => values,
                    Some(n) => n.intersection(&values).cloned().collect(),
                });
            }
        }
        out.extend(nodes.unwrap_or_default());
    }
    out
}

/// Decides a volume (or provisioning) for every delayed claim on `node`; `None` when some claim
/// cannot be satisfied there. Claims of one pod never share a volume.
fn decide(s: &Storage, namespace: &str, delayed: &[String], node: &Node) -> Option<Vec<Decision>> {
    let mut taken: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for name in delayed {
        let claim = s.claim(namespace, name)?;
        if let Some(pv) = s.matching_volume(claim, Some(node), &taken) {
            taken.push(&pv.name);
            out.push(Decision::Bind(name.clone(), pv.name.clone()));
            continue;
        }
        let class = s.class_of(claim)?;
        let allowed = class.allowed_topologies.is_empty()
            || class
                .allowed_topologies
                .iter()
                .any(|t| t.matches(&node.labels, &node.name));
        if class.provisioner == NO_PROVISIONER || !allowed {
            return None;
        }
        out.push(Decision::Provision(name.clone()));
    }
    Some(out)
}

impl Plugin for VolumeBinding {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_pre_filter(&self) -> Option<&dyn PreFilterPlugin> {
        Some(self)
    }

    fn as_filter(&self) -> Option<&dyn FilterPlugin> {
        Some(self)
    }

    fn as_reserve(&self) -> Option<&dyn ReservePlugin> {
        Some(self)
    }

    fn as_pre_bind(&self) -> Option<&dyn PreBindPlugin> {
        Some(self)
    }
}

impl PreFilterPlugin for VolumeBinding {
    fn pre_filter(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        nodes: &[NodeInfo],
    ) -> (Option<PreFilterResult>, Status) {
        if pod.spec.claims.is_empty() {
            return (None, Status::skip());
        }
        let s = storage(state);
        let mut claims = PodVolumeClaims::default();
        let mut immediate = false;
        for name in &pod.spec.claims {
            let Some(claim) = s.claim(pod.namespace, name) else {
                return (
                    None,
                    Status::unresolvable(format!("persistentvolumeclaim \"{name}\" not found")),
                );
            };
            match (&claim.volume_name, claim.bound) {
                (Some(volume), true) => claims.bound.push((name.clone(), volume.clone())),
                _ => match s.binding_mode(claim) {
                    Ok(VolumeBindingMode::WaitForFirstConsumer) => {
                        claims.delayed.push(name.clone())
                    }
                    Ok(VolumeBindingMode::Immediate) => immediate = true,
                    Err(message) => return (None, Status::error(message)),
                },
            }
        }
        if immediate {
            return (None, Status::unresolvable(ERR_UNBOUND_IMMEDIATE));
        }
        let mut eligible: Option<BTreeSet<String>> = None;
        for (_, volume) in &claims.bound {
            let names = local_node_names(s, volume);
            if names.is_empty() {
                continue;
            }
            eligible = Some(match eligible {
                None => names,
                Some(e) => e.intersection(&names).cloned().collect(),
            });
        }
        if !claims.delayed.is_empty() {
            claims.nodes = nodes.iter().map(|n| Arc::clone(&n.node)).collect();
        }
        state.write(STATE_KEY, claims);
        (
            eligible.map(|node_names| PreFilterResult {
                node_names: Some(node_names),
            }),
            Status::success(),
        )
    }
}

impl FilterPlugin for VolumeBinding {
    fn filter(&self, state: &CycleState, pod: &PodInfo<'_>, node: &NodeInfo) -> Status {
        let Some(claims) = state.read::<PodVolumeClaims>(STATE_KEY) else {
            return Status::error(format!(
                "error reading {STATE_KEY:?} from cycleState: not found"
            ));
        };
        let s = storage(state);
        let mut reasons = Vec::new();
        for (_, volume) in &claims.bound {
            match s.volumes.get(volume) {
                None => return Status::unresolvable(ERR_REASON_PV_NOT_EXIST),
                Some(pv) if !pv.reachable_from(&node.node) => {
                    reasons.push(ERR_REASON_NODE_CONFLICT.into());
                    break;
                }
                Some(_) => {}
            }
        }
        if decide(s, pod.namespace, &claims.delayed, &node.node).is_none() {
            reasons.push(ERR_REASON_BIND_CONFLICT.into());
        }
        if reasons.is_empty() {
            Status::success()
        } else {
            Status::with_reasons(Code::UnschedulableAndUnresolvable, reasons)
        }
    }
}

impl ReservePlugin for VolumeBinding {
    fn reserve(&self, state: &mut CycleState, pod: &PodInfo<'_>, node_name: &str) -> Status {
        let Some(claims) = state.read::<PodVolumeClaims>(STATE_KEY) else {
            return Status::success();
        };
        if claims.delayed.is_empty() {
            return Status::success();
        }
        let s = storage(state);
        let Some(node) = claims.nodes.iter().find(|n| n.name == node_name) else {
            return Status::error(format!("node {node_name:?} not found"));
        };
        match decide(s, pod.namespace, &claims.delayed, node) {
            Some(decisions) => {
                state.write(DECISIONS_KEY, Decisions(decisions));
                Status::success()
            }
            None => Status::unschedulable(ERR_REASON_BIND_CONFLICT),
        }
    }

    fn unreserve(&self, state: &mut CycleState, _pod: &PodInfo<'_>, _node_name: &str) {
        state.delete(DECISIONS_KEY);
    }
}

impl PreBindPlugin for VolumeBinding {
    fn pre_bind(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        node_name: &str,
        client: &mut dyn ClusterClient,
    ) -> Status {
        let Some(Decisions(decisions)) = state.read::<Decisions>(DECISIONS_KEY) else {
            return Status::success();
        };
        for decision in decisions {
            let result = match decision {
                Decision::Bind(claim, volume) => client.bind_claim(pod.namespace, claim, volume),
                Decision::Provision(claim) => {
                    client.provision_claim(pod.namespace, claim, node_name)
                }
            };
            if let Err(message) = result {
                return Status::error(message);
            }
        }
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::testing::{
        NodeBuilder, PodBuilder, RecordingClient, claim, pod, state_with, storage_class,
        storage_of, volume,
    };

    const LOCAL: &str = "local";
    const WAIT: VolumeBindingMode = VolumeBindingMode::WaitForFirstConsumer;
    const NOW: VolumeBindingMode = VolumeBindingMode::Immediate;

    fn nodes() -> Vec<NodeInfo> {
        vec![
            NodeBuilder::new("node-a").info(),
            NodeBuilder::new("node-b").info(),
        ]
    }

    /// Upstream `TestVolumeBinding`-style rows: PreFilter outcome, then the Filter status on
    /// node-a and node-b.
    #[test]
    fn pre_filter_and_filter() {
        struct Row {
            name: &'static str,
            claims: &'static [&'static str],
            storage: Storage,
            pre_filter: (Code, &'static str),
            eligible: Option<&'static [&'static str]>,
            filter: [Option<&'static str>; 2],
        }
        let local_wait = || storage_class(LOCAL, WAIT, NO_PROVISIONER);
        let rows = vec![
            Row {
                name: "pod has no claims: skip",
                claims: &[],
                storage: Storage::default(),
                pre_filter: (Code::Skip, ""),
                eligible: None,
                filter: [None, None],
            },
            Row {
                name: "claim not found",
                claims: &["data"],
                storage: Storage::default(),
                pre_filter: (
                    Code::UnschedulableAndUnresolvable,
                    "persistentvolumeclaim \"data\" not found",
                ),
                eligible: None,
                filter: [None, None],
            },
            Row {
                name: "unbound immediate claim",
                claims: &["data"],
                storage: storage_of(
                    vec![storage_class("fast", NOW, NO_PROVISIONER)],
                    vec![],
                    vec![claim("data", "fast", None)],
                ),
                pre_filter: (Code::UnschedulableAndUnresolvable, ERR_UNBOUND_IMMEDIATE),
                eligible: None,
                filter: [None, None],
            },
            Row {
                name: "bound to a local volume on node-a: only node-a is eligible",
                claims: &["data"],
                storage: storage_of(
                    vec![local_wait()],
                    vec![volume("pv-a", LOCAL, Some("node-a"), &[])],
                    vec![claim("data", LOCAL, Some("pv-a"))],
                ),
                pre_filter: (Code::Success, ""),
                eligible: Some(&["node-a"]),
                filter: [None, Some(ERR_REASON_NODE_CONFLICT)],
            },
            Row {
                name: "bound to a missing volume",
                claims: &["data"],
                storage: storage_of(vec![], vec![], vec![claim("data", "", Some("gone"))]),
                pre_filter: (Code::Success, ""),
                eligible: None,
                filter: [Some(ERR_REASON_PV_NOT_EXIST), Some(ERR_REASON_PV_NOT_EXIST)],
            },
            Row {
                name: "wait for first consumer: only node-b has a volume",
                claims: &["data"],
                storage: storage_of(
                    vec![local_wait()],
                    vec![volume("pv-b", LOCAL, Some("node-b"), &[])],
                    vec![claim("data", LOCAL, None)],
                ),
                pre_filter: (Code::Success, ""),
                eligible: None,
                filter: [Some(ERR_REASON_BIND_CONFLICT), None],
            },
            Row {
                name: "two claims cannot share node-b's only volume",
                claims: &["data", "logs"],
                storage: storage_of(
                    vec![local_wait()],
                    vec![volume("pv-b", LOCAL, Some("node-b"), &[])],
                    vec![claim("data", LOCAL, None), claim("logs", LOCAL, None)],
                ),
                pre_filter: (Code::Success, ""),
                eligible: None,
                filter: [
                    Some(ERR_REASON_BIND_CONFLICT),
                    Some(ERR_REASON_BIND_CONFLICT),
                ],
            },
            Row {
                name: "wait for first consumer with a provisioner: every node",
                claims: &["data"],
                storage: storage_of(
                    vec![storage_class("csi", WAIT, "ebs.csi.aws.com")],
                    vec![],
                    vec![claim("data", "csi", None)],
                ),
                pre_filter: (Code::Success, ""),
                eligible: None,
                filter: [None, None],
            },
            Row {
                name: "missing class is an error",
                claims: &["data"],
                storage: storage_of(vec![], vec![], vec![claim("data", "nope", None)]),
                pre_filter: (
                    Code::Error,
                    "storageclass.storage.k8s.io \"nope\" not found",
                ),
                eligible: None,
                filter: [None, None],
            },
        ];
        for row in rows {
            let mut b = PodBuilder::new();
            for c in row.claims {
                b = b.claim(c);
            }
            let spec = b.build();
            let mut state = state_with(row.storage);
            let nodes = nodes();
            let (result, status) = VolumeBinding.pre_filter(&mut state, &pod(&spec), &nodes);
            assert_eq!(
                (status.code, status.message().as_str()),
                row.pre_filter,
                "{}",
                row.name
            );
            let eligible = result.and_then(|r| r.node_names);
            assert_eq!(
                eligible,
                row.eligible
                    .map(|e| e.iter().map(|n| n.to_string()).collect()),
                "{}",
                row.name
            );
            if status.code != Code::Success {
                continue;
            }
            for (node, want) in nodes.iter().zip(row.filter) {
                let status = VolumeBinding.filter(&state, &pod(&spec), node);
                match want {
                    None => assert!(status.is_success(), "{}: {status:?}", row.name),
                    Some(reason) => {
                        assert_eq!(
                            status.code,
                            Code::UnschedulableAndUnresolvable,
                            "{}",
                            row.name
                        );
                        assert_eq!(status.message(), reason, "{}", row.name);
                    }
                }
            }
        }
    }

    #[test]
    fn reserve_decides_and_pre_bind_binds_or_provisions() {
        let storage = storage_of(
            vec![
                storage_class(LOCAL, WAIT, NO_PROVISIONER),
                storage_class("csi", WAIT, "ebs.csi.aws.com"),
            ],
            vec![volume("pv-b", LOCAL, Some("node-b"), &[])],
            vec![claim("data", LOCAL, None), claim("scratch", "csi", None)],
        );
        let spec = PodBuilder::new().claim("data").claim("scratch").build();
        let mut state = state_with(storage);
        let nodes = nodes();
        assert!(
            VolumeBinding
                .pre_filter(&mut state, &pod(&spec), &nodes)
                .1
                .is_success()
        );
        assert_eq!(
            VolumeBinding
                .reserve(&mut state, &pod(&spec), "node-a")
                .message(),
            ERR_REASON_BIND_CONFLICT
        );
        assert!(
            VolumeBinding
                .reserve(&mut state, &pod(&spec), "node-b")
                .is_success()
        );
        let mut client = RecordingClient::default();
        assert!(
            VolumeBinding
                .pre_bind(&mut state, &pod(&spec), "node-b", &mut client)
                .is_success()
        );
        assert_eq!(
            client.calls,
            [
                "bind claim default/data to pv-b",
                "provision claim default/scratch on node-b"
            ]
        );
        VolumeBinding.unreserve(&mut state, &pod(&spec), "node-b");
        client.calls.clear();
        assert!(
            VolumeBinding
                .pre_bind(&mut state, &pod(&spec), "node-b", &mut client)
                .is_success()
        );
        assert!(client.calls.is_empty(), "unreserved: nothing to bind");
    }
}
