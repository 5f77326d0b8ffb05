//! Selectors the scheduler derives from the cluster for one pod.

use std::collections::BTreeMap;

use super::state::{ClusterState, ObjKey, PodState};
use crate::model::selector::{LabelSelector, Requirement, SelectorOp};

/// The selector PodTopologySpread's default constraints use for `pod` (upstream
/// `helper.DefaultSelector`): the merged selectors of the Services of the pod's namespace that
/// select it, ANDed with the selector of its controlling ReplicaSet or StatefulSet. `None` when
/// nothing selects the pod (no default spreading then).
///
/// A Service without a selector selects nothing; one with an empty selector selects every pod
/// but adds no requirement. Requirements are sorted by key, as `labels.Selector` keeps them.
pub fn default_spread_selector(state: &ClusterState, pod: &PodState) -> Option<LabelSelector> {
    let mut merged: BTreeMap<&str, &str> = BTreeMap::new();
    let from = ObjKey::new(&pod.namespace, "");
    for (key, service) in state.services.range(from..) {
        if key.namespace != pod.namespace {
            break;
        }
        let Some(selector) = &service.selector else {
            continue;
        };
        if selector
            .iter()
            .all(|(k, v)| pod.labels.get(k).is_some_and(|l| l == v))
        {
            merged.extend(selector.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
    }
    let mut requirements: Vec<Requirement> = merged
        .into_iter()
        .map(|(k, v)| Requirement {
            key: k.to_string(),
            op: SelectorOp::In,
            values: vec![v.to_string()],
        })
        .collect();
    let owner_selector = pod.owner.as_ref().and_then(|owner| {
        let key = ObjKey::new(&pod.namespace, &owner.name);
        match owner.kind.as_str() {
            "replicaset" => state.replicasets.get(&key).map(|rs| &rs.spec.selector),
            "statefulset" => state.statefulsets.get(&key).map(|s| &s.spec.selector),
            _ => None,
        }
    });
    if let Some(selector) = owner_selector {
        for r in &selector.requirements {
            if !requirements.contains(r) {
                requirements.push(r.clone());
            }
        }
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
    }
    (!requirements.is_empty()).then_some(LabelSelector { requirements })
}
