//! The world's side of namespace admission policy: storing LimitRanges and ResourceQuotas,
//! running the admission chain (LimitRanger, Priority, ResourceQuota) for every pod created,
//! and the ReplicaSet controller's rate-limited retry after a refused creation.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::World;
use crate::cluster::admission::{check_quotas, limit_ranger, pod_usage, total_usage};
use crate::cluster::effects::{Effect, EventType, SyncTarget};
use crate::cluster::events::Event;
use crate::cluster::state::{ObjKey, PodPhase};
use crate::model::PodSpec;
use crate::model::admission::{Amounts, LimitRange, ResourceQuota};
use crate::sim::engine::Ctx;
use crate::sim::time::SimTime;

/// First retry delay of the controller work queue's per-item exponential rate limiter.
const RETRY_BASE_NS: u64 = 5_000_000;
/// The rate limiter's cap (1000 s).
const RETRY_MAX_NS: u64 = 1_000 * 1_000_000_000;

/// Namespace policy objects and the ReplicaSet creation back-off.
#[derive(Debug, Default)]
pub(super) struct AdmissionState {
    /// LimitRanges by namespace/name.
    limit_ranges: BTreeMap<ObjKey, LimitRange>,
    /// ResourceQuotas by namespace/name.
    quotas: BTreeMap<ObjKey, ResourceQuota>,
    /// Per ReplicaSet: consecutive refused creations and the instant of the last one.
    rs_failures: BTreeMap<ObjKey, (u32, SimTime)>,
}

impl World {
    /// Stores (or replaces) a LimitRange.
    pub(super) fn apply_limit_range(&mut self, range: LimitRange) {
        let key = ObjKey::new(&range.meta.namespace, &range.meta.name);
        self.state.namespaces.insert(key.namespace.clone());
        self.admission.limit_ranges.insert(key, range);
    }

    /// Stores (or replaces) a ResourceQuota.
    pub(super) fn apply_resource_quota(&mut self, quota: ResourceQuota) {
        let key = ObjKey::new(&quota.meta.namespace, &quota.meta.name);
        self.state.namespaces.insert(key.namespace.clone());
        self.admission.quotas.insert(key, quota);
    }

    /// Deletes a LimitRange or ResourceQuota (`kind` lowercase); false when there is none.
    pub(super) fn delete_policy(&mut self, kind: &str, key: &ObjKey) -> bool {
        match kind {
            "limitrange" => self.admission.limit_ranges.remove(key).is_some(),
            "resourcequota" => self.admission.quotas.remove(key).is_some(),
            _ => false,
        }
    }

    /// The pod evaluator's usage summed over the namespace's pods: compute resources and
    /// `pods` of the non-terminal ones, `count/pods` of every pod still stored.
    pub fn quota_used(&self, namespace: &str) -> Amounts {
        let usages: Vec<Amounts> = self
            .state
            .pods
            .iter()
            .filter(|p| p.namespace == namespace && p.gone.is_none())
            .map(|p| {
                if matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) {
                    [("count/pods".to_string(), 1)].into_iter().collect()
                } else {
                    pod_usage(&p.spec)
                }
            })
            .collect();
        total_usage(&usages)
    }

    /// `status.used` of every ResourceQuota, by namespace/name, restricted to its `hard` names.
    pub fn quota_status(&self) -> Vec<(ObjKey, Amounts)> {
        self.admission
            .quotas
            .iter()
            .map(|(key, quota)| {
                let used = self.quota_used(&key.namespace);
                let shown = quota
                    .hard
                    .keys()
                    .map(|name| (name.clone(), used.get(name).copied().unwrap_or(0)))
                    .collect();
                (key.clone(), shown)
            })
            .collect()
    }

    /// The pod admission chain: LimitRanger (defaults and constraints), Priority, then
    /// ResourceQuota. `Err` is the reason after `pods "NAME" is forbidden: `.
    pub(super) fn admit(
        &self,
        namespace: &str,
        spec: &Arc<PodSpec>,
    ) -> Result<Arc<PodSpec>, String> {
        let ranges: Vec<&LimitRange> = self
            .admission
            .limit_ranges
            .range(ObjKey::new(namespace, "")..)
            .take_while(|(key, _)| key.namespace == namespace)
            .map(|(_, range)| range)
            .collect();
        let spec = match limit_ranger(&ranges, spec)? {
            Some(defaulted) => Arc::new(defaulted),
            None => spec.clone(),
        };
        let spec = self.admit_priority(&spec)?;
        let quotas: Vec<&ResourceQuota> = self
            .admission
            .quotas
            .range(ObjKey::new(namespace, "")..)
            .take_while(|(key, _)| key.namespace == namespace)
            .map(|(_, quota)| quota)
            .collect();
        if !quotas.is_empty() {
            check_quotas(&quotas, &self.quota_used(namespace), &spec)?;
        }
        Ok(spec)
    }

    /// True when a creation for ReplicaSet `rs` was already refused at this instant: the
    /// controller's slow-start batch stops at the first failure, so the rest of the sync's
    /// creations are skipped.
    pub(super) fn rs_create_stopped(&self, rs: &ObjKey, now: SimTime) -> bool {
        self.admission
            .rs_failures
            .get(rs)
            .is_some_and(|(_, at)| *at == now)
    }

    /// A pod of ReplicaSet `rs` was created: its retry back-off is forgotten.
    pub(super) fn rs_create_succeeded(&mut self, rs: &ObjKey) {
        self.admission.rs_failures.remove(rs);
    }

    /// A pod creation for ReplicaSet `rs` was refused: records `FailedCreate` and requeues the
    /// ReplicaSet with the work queue's exponential back-off (5 ms doubling, 1000 s cap).
    pub(super) fn rs_create_refused(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        rs: &ObjKey,
        name: &str,
        reason: &str,
    ) {
        let now = ctx.now();
        self.record(
            now,
            &rs.namespace,
            format!("replicaset/{}", rs.name),
            EventType::Warning,
            "FailedCreate",
            format!("Error creating: pods \"{name}\" is forbidden: {reason}"),
        );
        let entry = self
            .admission
            .rs_failures
            .entry(rs.clone())
            .or_insert((0, now));
        entry.0 = entry.0.saturating_add(1);
        entry.1 = now;
        let delay_ns = (RETRY_BASE_NS << (entry.0 - 1).min(40)).min(RETRY_MAX_NS);
        self.apply(
            ctx,
            Effect::Requeue {
                target: SyncTarget::ReplicaSet(rs.clone()),
                at: now.plus_nanos(delay_ns),
            },
        );
    }
}
