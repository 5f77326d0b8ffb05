//! VolumeZone (`plugins/volumezone`): a pod's bound volumes labelled with a zone or region only
//! fit nodes in that zone or region (`node(s) had no available volume zone`).
//!
//! PreFilter collects the topology labels of the pod's bound volumes (`Skip` without claims or
//! topology); unbound claims of WaitForFirstConsumer classes are skipped. A node without any
//! zone / region label passes.

use std::collections::BTreeSet;

use crate::model::storage::VolumeBindingMode;
use crate::scheduler::framework::{
    CycleState, FilterPlugin, NodeInfo, Plugin, PodInfo, PreFilterPlugin, PreFilterResult, Status,
    storage,
};

/// Registry name.
pub const NAME: &str = "VolumeZone";

/// `ErrReasonConflict`.
pub const ERR_REASON_CONFLICT: &str = "node(s) had no available volume zone";

const STATE_KEY: &str = "PreFilterVolumeZone";

/// The labels compared (`topologyLabels`): beta and GA zone and region.
pub const TOPOLOGY_LABELS: [&str; 4] = [
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
];

/// One volume's topology: a label key and the values it allows (`pvTopology`).
#[derive(Debug, Clone)]
struct PvTopology {
    key: &'static str,
    values: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct PreFilterState(Vec<PvTopology>);

/// The VolumeZone plugin (PreFilter, Filter).
#[derive(Debug, Clone, Copy, Default)]
pub struct VolumeZone;

impl Plugin for VolumeZone {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_pre_filter(&self) -> Option<&dyn PreFilterPlugin> {
        Some(self)
    }

    fn as_filter(&self) -> Option<&dyn FilterPlugin> {
        Some(self)
    }
}

impl PreFilterPlugin for VolumeZone {
    fn pre_filter(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        _nodes: &[NodeInfo],
    ) -> (Option<PreFilterResult>, Status) {
        if pod.spec.claims.is_empty() {
            return (None, Status::skip());
        }
        let s = storage(state);
        let mut topologies = Vec::new();
        for name in &pod.spec.claims {
            let Some(claim) = s.claim(pod.namespace, name) else {
                return (
                    None,
                    Status::unresolvable(format!("persistentvolumeclaim \"{name}\" not found")),
                );
            };
            let volume = match (&claim.volume_name, claim.bound) {
                (Some(v), true) => v,
                _ => {
                    let class = claim.class_name();
                    if class.is_empty() {
                        return (
                            None,
                            Status::unresolvable(
                                "PersistentVolumeClaim had no pv name and storageClass name",
                            ),
                        );
                    }
                    match s.binding_mode(claim) {
                        Ok(VolumeBindingMode::WaitForFirstConsumer) => continue,
                        Ok(VolumeBindingMode::Immediate) => {
                            return (None, Status::unresolvable("PersistentVolume had no name"));
                        }
                        Err(message) => return (None, Status::unresolvable(message)),
                    }
                }
            };
            let Some(pv) = s.volumes.get(volume) else {
                return (
                    None,
                    Status::unresolvable(format!("persistentvolume \"{volume}\" not found")),
                );
            };
            for key in TOPOLOGY_LABELS {
                if let Some(value) = pv.labels.get(key) {
                    topologies.push(PvTopology {
                        key,
                        values: value.split("__").map(str::to_string).collect(),
                    });
                }
            }
        }
        if topologies.is_empty() {
            return (None, Status::skip());
        }
        state.write(STATE_KEY, PreFilterState(topologies));
        (None, Status::success())
    }
}

impl FilterPlugin for VolumeZone {
    fn filter(&self, state: &CycleState, _pod: &PodInfo<'_>, node: &NodeInfo) -> Status {
        let Some(PreFilterState(topologies)) = state.read::<PreFilterState>(STATE_KEY) else {
            return Status::error(format!(
                "error reading {STATE_KEY:?} from cycleState: not found"
            ));
        };
        let labels = &node.node.labels;
        if !TOPOLOGY_LABELS.iter().any(|k| labels.contains_key(*k)) {
            return Status::success();
        }
        for t in topologies {
            if !labels.get(t.key).is_some_and(|v| t.values.contains(v)) {
                return Status::unresolvable(ERR_REASON_CONFLICT);
            }
        }
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::storage::{NO_PROVISIONER, VolumeBindingMode};
    use crate::scheduler::framework::Code;
    use crate::scheduler::testing::{
        NodeBuilder, PodBuilder, claim, pod, state_with, storage_class, storage_of, volume,
    };

    const ZONE: &str = "topology.kubernetes.io/zone";
    const BETA_ZONE: &str = "failure-domain.beta.kubernetes.io/zone";
    const REGION: &str = "topology.kubernetes.io/region";

    /// Upstream `TestSingleZone` / `TestMultiZone`-style rows: the bound volume's labels, the
    /// node's labels, and whether the node fits.
    #[test]
    fn zone_and_region_labels() {
        type Labels<'a> = &'a [(&'a str, &'a str)];
        let rows: [(&str, Labels, Labels, bool); 8] = [
            (
                "node without zone labels fits",
                &[(ZONE, "us-a")],
                &[],
                true,
            ),
            ("same zone", &[(ZONE, "us-a")], &[(ZONE, "us-a")], true),
            ("other zone", &[(ZONE, "us-a")], &[(ZONE, "us-b")], false),
            (
                "multi-zone volume",
                &[(ZONE, "us-a__us-b")],
                &[(ZONE, "us-b")],
                true,
            ),
            (
                "beta label",
                &[(BETA_ZONE, "us-a")],
                &[(BETA_ZONE, "us-b")],
                false,
            ),
            (
                "node lacks the volume's key",
                &[(BETA_ZONE, "us-a")],
                &[(ZONE, "us-a")],
                false,
            ),
            (
                "zone and region both match",
                &[(ZONE, "us-a"), (REGION, "us")],
                &[(ZONE, "us-a"), (REGION, "us")],
                true,
            ),
            (
                "region differs",
                &[(ZONE, "us-a"), (REGION, "us")],
                &[(ZONE, "us-a"), (REGION, "eu")],
                false,
            ),
        ];
        let spec = PodBuilder::new().claim("data").build();
        for (name, pv_labels, node_labels, fits) in rows {
            let storage = storage_of(
                vec![],
                vec![volume("pv", "", None, pv_labels)],
                vec![claim("data", "", Some("pv"))],
            );
            let mut state = state_with(storage);
            let (_, status) = VolumeZone.pre_filter(&mut state, &pod(&spec), &[]);
            assert!(status.is_success(), "{name}: {status:?}");
            let mut node = NodeBuilder::new("n");
            for (k, v) in node_labels {
                node = node.label(k, v);
            }
            let status = VolumeZone.filter(&state, &pod(&spec), &node.info());
            if fits {
                assert!(status.is_success(), "{name}: {status:?}");
            } else {
                assert_eq!(status.code, Code::UnschedulableAndUnresolvable, "{name}");
                assert_eq!(status.message(), ERR_REASON_CONFLICT, "{name}");
            }
        }
    }

    #[test]
    fn pre_filter_skips_and_rejects() {
        let wait = storage_class(
            "wait",
            VolumeBindingMode::WaitForFirstConsumer,
            NO_PROVISIONER,
        );
        let now = storage_class("now", VolumeBindingMode::Immediate, NO_PROVISIONER);
        let rows: [(&str, Vec<&str>, Code, &str); 5] = [
            ("no claims", vec![], Code::Skip, ""),
            (
                "missing claim",
                vec!["missing"],
                Code::UnschedulableAndUnresolvable,
                "persistentvolumeclaim \"missing\" not found",
            ),
            (
                "unbound, wait for first consumer",
                vec!["later"],
                Code::Skip,
                "",
            ),
            (
                "unbound, immediate",
                vec!["pending"],
                Code::UnschedulableAndUnresolvable,
                "PersistentVolume had no name",
            ),
            (
                "unbound without class",
                vec!["classless"],
                Code::UnschedulableAndUnresolvable,
                "PersistentVolumeClaim had no pv name and storageClass name",
            ),
        ];
        for (name, claims, code, message) in rows {
            let storage = storage_of(
                vec![wait.clone(), now.clone()],
                vec![],
                vec![
                    claim("later", "wait", None),
                    claim("pending", "now", None),
                    claim("classless", "", None),
                ],
            );
            let mut b = PodBuilder::new();
            for c in claims {
                b = b.claim(c);
            }
            let spec = b.build();
            let (_, status) = VolumeZone.pre_filter(&mut state_with(storage), &pod(&spec), &[]);
            assert_eq!(
                (status.code, status.message().as_str()),
                (code, message),
                "{name}"
            );
        }
    }
}
