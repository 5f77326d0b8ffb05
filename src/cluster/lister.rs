//! The scheduler's view of the cluster beyond its node snapshot (upstream's listers): pod start
//! times, preemption marks, and PodDisruptionBudgets with the status the disruption controller
//! would publish at this instant (SPEC §12, computed on demand).

use std::collections::BTreeMap;

use super::state::{ClusterState, ObjKey, PodState};
use crate::controllers::disruption_math::{self, PdbBudget, PdbPodView, PdbStatus};
use crate::model::objects::PdbObject;
use crate::scheduler::{ClusterLister, PdbView};
use crate::sim::time::SimTime;

/// [`ClusterLister`] over the cluster state at `now`.
pub struct WorldLister<'a> {
    /// The cluster.
    pub state: &'a ClusterState,
    /// The current simulated time.
    pub now: SimTime,
}

impl WorldLister<'_> {
    fn pod(&self, uid: u64) -> Option<&PodState> {
        self.state.pod_by_uid(uid).map(|id| self.state.pod(id))
    }

    /// The scale owner of a pod (`getExpectedScale`'s finders): the Deployment of a
    /// Deployment's ReplicaSet, else the ReplicaSet, or the StatefulSet; with its scale. Other
    /// controllers (DaemonSet, Job, …) have no `/scale`: they are returned without a scale, and a
    /// budget that needs it cannot be computed (upstream: "found no controllers for pod").
    fn scale_owner(&self, pod: &PodState) -> Option<(String, Option<i64>)> {
        let owner = pod.owner.as_ref()?;
        let key = ObjKey::new(&pod.namespace, &owner.name);
        match owner.kind.as_str() {
            "replicaset" => {
                let Some(rs) = self.state.replicasets.get(&key) else {
                    return Some((format!("replicaset/{}/{}", pod.namespace, owner.name), None));
                };
                if let Some(deployment) = &rs.owner
                    && rs.owner_kind == crate::cluster::state::RsOwnerKind::Deployment
                    && let Some(d) = self
                        .state
                        .deployments
                        .get(&ObjKey::new(&pod.namespace, deployment))
                {
                    return Some((
                        format!("deployment/{}/{}", pod.namespace, deployment),
                        Some(d.spec.replicas),
                    ));
                }
                Some((
                    format!("replicaset/{}/{}", pod.namespace, owner.name),
                    Some(rs.spec.replicas),
                ))
            }
            "statefulset" => Some((
                format!("statefulset/{}/{}", pod.namespace, owner.name),
                self.state.statefulsets.get(&key).map(|s| s.spec.replicas),
            )),
            other => Some((format!("{other}/{}/{}", pod.namespace, owner.name), None)),
        }
    }
}

impl ClusterLister for WorldLister<'_> {
    fn pod_start_time_ns(&self, uid: u64) -> Option<u64> {
        self.pod(uid)?.scheduled.map(SimTime::as_nanos)
    }

    fn terminating_by_preemption(&self, uid: u64) -> bool {
        self.pod(uid)
            .is_some_and(|p| p.preempted && p.deletion.is_some() && p.gone.is_none())
    }

    fn pod_disruption_budgets(&self) -> Vec<PdbView> {
        let mut out = Vec::new();
        for (key, pdb) in &self.state.pdbs {
            // A missing or empty selector matches nothing for preemption.
            let Some(selector) = pdb.selector.as_ref().filter(|s| !s.is_empty()) else {
                continue;
            };
            out.push(PdbView {
                namespace: key.namespace.clone(),
                selector: selector.clone(),
                disruptions_allowed: budget_status(self.state, key, self.now).disruptions_allowed,
            });
        }
        out
    }
}

/// The budget of a PodDisruptionBudget, if it has one.
pub fn budget_of(pdb: &PdbObject) -> Option<PdbBudget> {
    match (pdb.min_available, pdb.max_unavailable) {
        (_, Some(max)) => Some(PdbBudget::MaxUnavailable(max)),
        (Some(min), None) => Some(PdbBudget::MinAvailable(min)),
        (None, None) => None,
    }
}

/// One disruption-controller sync of a budget (`trySync`): the status it publishes and what it
/// reports in events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BudgetSync {
    /// The status (all 0 when it could not be computed: `failSafe`).
    pub status: PdbStatus,
    /// Number of pods the selector matches.
    pub pods: usize,
    /// Names of the selected pods without a controller, when the budget needs the controllers'
    /// scale (`UnmanagedPods`).
    pub unmanaged: Vec<String>,
    /// Why the expected count could not be computed (`CalculateExpectedPodCountFailed`).
    pub error: Option<String>,
}

impl BudgetSync {
    /// The `DisruptionAllowed` condition: its status and reason (`SufficientPods`,
    /// `InsufficientPods`, or `SyncFailed` when the sync failed).
    pub fn condition(&self) -> (bool, &'static str) {
        if self.error.is_some() {
            (false, "SyncFailed")
        } else if self.status.disruptions_allowed > 0 {
            (true, "SufficientPods")
        } else {
            (false, "InsufficientPods")
        }
    }
}

/// The disruption controller's sync of the budget `key` at `now` (SPEC §12): over the live pods
/// its selector matches (an empty `policy/v1` selector matches the whole namespace, a missing
/// one nothing), with evicted pods out of `currentHealthy` for 2 minutes. Without a budget
/// every count is 0; when a controller's scale is unknown the sync fails (upstream: "found no
/// controllers for pod") and `disruptionsAllowed` is 0. `None` when the budget does not exist.
pub fn budget_sync(state: &ClusterState, key: &ObjKey, now: SimTime) -> Option<BudgetSync> {
    let pdb = state.pdbs.get(key)?;
    let lister = WorldLister { state, now };
    let disrupted = state.pdb_disrupted.get(key);
    let mut views = Vec::new();
    let mut names = Vec::new();
    let mut scales = BTreeMap::new();
    if let Some(selector) = &pdb.selector {
        for id in state.pod_index.values() {
            let pod = state.pod(*id);
            if pod.namespace != key.namespace || !selector.matches(&pod.labels) {
                continue;
            }
            let controller = lister.scale_owner(pod).map(|(owner, scale)| {
                if let Some(scale) = scale {
                    scales.insert(owner.clone(), scale);
                }
                owner
            });
            views.push(PdbPodView {
                controller,
                ready: pod.ready,
                deleting: pod.deletion.is_some(),
                disrupted_at: disrupted.and_then(|d| d.get(&pod.name).copied()),
            });
            names.push(pod.name.as_str());
        }
    }
    let mut sync = BudgetSync {
        pods: views.len(),
        ..BudgetSync::default()
    };
    let Some(budget) = budget_of(pdb) else {
        return Some(sync);
    };
    match disruption_math::expected_pod_count(budget, &views, &scales) {
        Ok(counts) => {
            sync.unmanaged = counts
                .unmanaged
                .iter()
                .map(|&i| names[i].to_string())
                .collect();
            if let Ok(status) = disruption_math::pdb_status(budget, &views, &scales, now) {
                sync.status = status;
            }
        }
        Err(disruption_math::PdbError::NoControllerScale(i)) => {
            sync.error = Some(format!("found no controllers for pod \"{}\"", names[i]));
        }
    }
    Some(sync)
}

/// The status the disruption controller would publish for the budget `key` at `now` (see
/// [`budget_sync`]); all 0 when the budget does not exist.
pub fn budget_status(state: &ClusterState, key: &ObjKey, now: SimTime) -> PdbStatus {
    budget_sync(state, key, now).map_or_else(PdbStatus::default, |s| s.status)
}
