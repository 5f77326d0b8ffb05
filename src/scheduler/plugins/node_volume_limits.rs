//! NodeVolumeLimits (`plugins/nodevolumelimits`, the CSI limits): a node takes at most the
//! number of volumes of a CSI driver its allocatable `attachable-volumes-csi-<driver>` allows;
//! volumes already used by its pods count once (`node(s) exceed max volume count`).
//!
//! A bound claim counts as its volume (`driver/volumeHandle`); an unbound one as a volume of its
//! class's provisioner. Drivers without a limit on the node are unlimited. Upstream reads the
//! limits from CSINode objects; here they come from the node's allocatable.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::storage::Storage;
use crate::scheduler::framework::{
    CycleState, FilterPlugin, NodeInfo, Plugin, PodInfo, PreFilterPlugin, PreFilterResult, Status,
    storage,
};

/// Registry name.
pub const NAME: &str = "NodeVolumeLimits";

/// `ErrReasonMaxVolumeCountExceeded`.
pub const ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED: &str = "node(s) exceed max volume count";

/// Prefix of the allocatable resource holding a driver's limit.
pub const CSI_LIMIT_PREFIX: &str = "attachable-volumes-csi-";

/// The NodeVolumeLimits plugin (PreFilter, Filter).
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeVolumeLimits;

/// Adds the CSI volumes of the claims `claims` in `namespace` to `out` (driver → unique ids).
fn csi_volumes(
    s: &Storage,
    namespace: &str,
    claims: &[String],
    out: &mut BTreeMap<String, BTreeSet<String>>,
) {
    for name in claims {
        let Some(claim) = s.claim(namespace, name) else {
            continue;
        };
        let bound = claim
            .volume_name
            .as_ref()
            .filter(|_| claim.bound)
            .and_then(|v| s.volumes.get(v));
        let (driver, id) = match bound {
            Some(pv) => match &pv.csi_driver {
                Some(driver) => (driver.clone(), format!("{driver}/{}", pv.volume_handle)),
                None => continue,
            },
            None => match s.class_of(claim) {
                Some(class) => (
                    class.provisioner.clone(),
                    format!("{}-{namespace}/{name}", class.provisioner),
                ),
                None => continue,
            },
        };
        out.entry(driver).or_default().insert(id);
    }
}

impl Plugin for NodeVolumeLimits {
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

impl PreFilterPlugin for NodeVolumeLimits {
    fn pre_filter(
        &self,
        _state: &mut CycleState,
        pod: &PodInfo<'_>,
        _nodes: &[NodeInfo],
    ) -> (Option<PreFilterResult>, Status) {
        if pod.spec.claims.is_empty() {
            return (None, Status::skip());
        }
        (None, Status::success())
    }
}

impl FilterPlugin for NodeVolumeLimits {
    fn filter(&self, state: &CycleState, pod: &PodInfo<'_>, node: &NodeInfo) -> Status {
        let s = storage(state);
        let mut new = BTreeMap::new();
        csi_volumes(s, pod.namespace, &pod.spec.claims, &mut new);
        if new.is_empty() {
            return Status::success();
        }
        let limits = &node.node.allocatable.scalars;
        if !new
            .keys()
            .any(|d| limits.contains_key(&format!("{CSI_LIMIT_PREFIX}{d}")))
        {
            return Status::success();
        }
        let mut attached = BTreeMap::new();
        for p in &node.pods {
            csi_volumes(s, &p.namespace, &p.claims, &mut attached);
        }
        for (driver, ids) in &new {
            let Some(&limit) = limits.get(&format!("{CSI_LIMIT_PREFIX}{driver}")) else {
                continue;
            };
            let in_use = attached.get(driver);
            let count = in_use.map_or(0, BTreeSet::len);
            let added = ids
                .iter()
                .filter(|id| in_use.is_none_or(|u| !u.contains(*id)))
                .count();
            if i64::try_from(count + added).unwrap_or(i64::MAX) > limit {
                return Status::unschedulable(ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED);
            }
        }
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::storage::VolumeBindingMode;
    use crate::scheduler::framework::Code;
    use crate::scheduler::testing::{
        NO_LABELS, NodeBuilder, PodBuilder, claim, pod, state_with, storage_class, storage_of,
        volume,
    };

    const EBS: &str = "ebs.csi.aws.com";

    fn csi(name: &str) -> crate::model::storage::PersistentVolume {
        let mut v = volume(name, "csi", None, &[]);
        v.csi_driver = Some(EBS.into());
        v.volume_handle = format!("vol-{name}");
        v
    }

    /// Upstream `TestCSILimits`-style rows: existing pods' claims on the node, the new pod's
    /// claims, the node's limit, and whether it fits.
    #[test]
    fn csi_limits() {
        type Claims<'a> = &'a [&'a [&'a str]];
        type Row<'a> = (&'a str, Claims<'a>, &'a [&'a str], Option<i64>, bool);
        let rows: [Row; 6] = [
            ("under the limit", &[&["a"]], &["b"], Some(2), true),
            ("over the limit", &[&["a"], &["b"]], &["c"], Some(2), false),
            (
                "same volume counts once",
                &[&["a"], &["b"]],
                &["a"],
                Some(2),
                true,
            ),
            ("no limit: unlimited", &[&["a"], &["b"]], &["c"], None, true),
            (
                "unbound claim counts against its provisioner",
                &[&["a"]],
                &["new"],
                Some(1),
                false,
            ),
            (
                "non-CSI volume does not count",
                &[&["a"]],
                &["plain"],
                Some(1),
                true,
            ),
        ];
        for (name, existing, new, limit, fits) in rows {
            let storage = storage_of(
                vec![storage_class(
                    "csi",
                    VolumeBindingMode::WaitForFirstConsumer,
                    EBS,
                )],
                vec![csi("a"), csi("b"), csi("c"), volume("plain", "", None, &[])],
                vec![
                    claim("a", "csi", Some("a")),
                    claim("b", "csi", Some("b")),
                    claim("c", "csi", Some("c")),
                    claim("new", "csi", None),
                    claim("plain", "", Some("plain")),
                ],
            );
            let mut node = NodeBuilder::new("n");
            if let Some(l) = limit {
                node = node.scalar(&format!("{CSI_LIMIT_PREFIX}{EBS}"), l);
            }
            let specs: Vec<_> = existing
                .iter()
                .map(|claims| {
                    let mut b = PodBuilder::new();
                    for c in *claims {
                        b = b.claim(c);
                    }
                    b.build()
                })
                .collect();
            let mut info = node.info();
            for (uid, s) in specs.iter().enumerate() {
                info.add_pod(&PodInfo::new("default", "e", &NO_LABELS, s, uid as u64 + 1));
            }
            let mut b = PodBuilder::new();
            for c in new {
                b = b.claim(c);
            }
            let spec = b.build();
            let mut state = state_with(storage);
            assert!(
                NodeVolumeLimits
                    .pre_filter(&mut state, &pod(&spec), &[])
                    .1
                    .is_success()
            );
            let status = NodeVolumeLimits.filter(&state, &pod(&spec), &info);
            if fits {
                assert!(status.is_success(), "{name}: {status:?}");
            } else {
                assert_eq!(status.code, Code::Unschedulable, "{name}");
                assert_eq!(
                    status.message(),
                    ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED,
                    "{name}"
                );
            }
        }
        let empty = PodBuilder::new().build();
        assert!(
            NodeVolumeLimits
                .pre_filter(&mut CycleState::new(), &pod(&empty), &[])
                .1
                .is_skip()
        );
    }
}
