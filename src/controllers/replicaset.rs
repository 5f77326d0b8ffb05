//! The ReplicaSet controller (`pkg/controller/replicaset/replica_set.go`): keep `spec.replicas`
//! active pods, deleting the best-ranked ones first, and report status.

use std::collections::BTreeMap;

use crate::cluster::effects::{Effect, SyncTarget};
use crate::cluster::state::{ClusterState, NodeId, ObjKey, PodId, PodPhase, RsStatus};
use crate::controllers::pod_ranking::{PodRankView, RankPhase, pods_to_delete};
use crate::sim::time::SimTime;

/// Most pods created or deleted in one sync (`BurstReplicas`).
pub const BURST_REPLICAS: i64 = 500;

/// One sync of the ReplicaSet `key` at `now`.
pub fn sync(state: &ClusterState, key: &ObjKey, now: SimTime) -> Vec<Effect> {
    let mut effects = Vec::new();
    let Some(rs) = state.replicasets.get(key) else {
        return effects;
    };
    let active: Vec<PodId> = rs
        .pods
        .iter()
        .copied()
        .filter(|id| state.pod(*id).is_active())
        .collect();
    if !rs.deleting {
        let diff = active.len() as i64 - rs.spec.replicas;
        if diff < 0 {
            let create = (-diff).min(BURST_REPLICAS);
            for _ in 0..create {
                effects.push(Effect::CreatePod { rs: key.clone() });
            }
            if -diff > BURST_REPLICAS {
                effects.push(Effect::Requeue {
                    target: SyncTarget::ReplicaSet(key.clone()),
                    at: now,
                });
            }
        } else if diff > 0 {
            let delete = diff.min(BURST_REPLICAS) as usize;
            for id in choose_victims(state, key, &active, delete, now) {
                effects.push(Effect::DeletePod { pod: id });
            }
        }
    }
    // Status from the pods seen at the start of the sync, as upstream.
    let min_ready = rs.spec.min_ready_seconds;
    let mut status = RsStatus {
        replicas: active.len() as i64,
        ..RsStatus::default()
    };
    let mut next_available: Option<SimTime> = None;
    for id in &active {
        let pod = state.pod(*id);
        if pod.ready {
            status.ready += 1;
            if pod.is_available(min_ready, now) {
                status.available += 1;
            } else if let Some(since) = pod.ready_since {
                let at = since.plus_nanos(min_ready as u64 * 1_000_000_000);
                next_available = Some(next_available.map_or(at, |t| t.min(at)));
            }
        }
    }
    if status != rs.status {
        effects.push(Effect::ReplicaSetStatus {
            key: key.clone(),
            status,
        });
    }
    if let Some(at) = next_available {
        effects.push(Effect::Requeue {
            target: SyncTarget::ReplicaSet(key.clone()),
            at,
        });
    }
    effects
}

/// `getPodsToDelete` with ranks over the pods of every ReplicaSet of the same owner.
fn choose_victims(
    state: &ClusterState,
    key: &ObjKey,
    active: &[PodId],
    count: usize,
    now: SimTime,
) -> Vec<PodId> {
    let rs = &state.replicasets[key];
    let related: Vec<PodId> = match &rs.owner {
        Some(owner) => state
            .replicasets
            .values()
            .filter(|other| {
                other.key.namespace == key.namespace
                    && other.owner.as_deref() == Some(owner.as_str())
                    && other.owner_kind == rs.owner_kind
            })
            .flat_map(|other| other.pods.iter().copied())
            .filter(|id| state.pod(*id).is_active())
            .collect(),
        None => active.to_vec(),
    };
    // Rank = number of related active pods on the same node (upstream counts per node name).
    let mut per_node: BTreeMap<NodeId, i64> = BTreeMap::new();
    for id in &related {
        if let Some(node) = state.pod(*id).node {
            *per_node.entry(node).or_insert(0) += 1;
        }
    }
    let views: Vec<PodRankView> = active
        .iter()
        .map(|id| {
            let pod = state.pod(*id);
            let rank = pod
                .node
                .map_or(0, |node| per_node.get(&node).copied().unwrap_or(0));
            PodRankView {
                assigned: pod.node.is_some(),
                phase: match pod.phase {
                    PodPhase::Pending => RankPhase::Pending,
                    PodPhase::Running => RankPhase::Running,
                    _ => RankPhase::Unknown,
                },
                ready: pod.ready,
                ready_since_ns: pod.ready_since.map(SimTime::as_nanos),
                deletion_cost: pod.deletion_cost,
                rank,
                max_restarts: pod.restarts,
                created_ns: Some(pod.created.as_nanos()),
                uid: format!("{:016x}", pod.uid),
            }
        })
        .collect();
    pods_to_delete(&views, count, now.as_nanos())
        .into_iter()
        .map(|i| active[i])
        .collect()
}
