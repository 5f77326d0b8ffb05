//! Pure arithmetic and decision rules of the StatefulSet controller.
//!
//! Mirrors `pkg/controller/statefulset/stateful_set_utils.go` and `stateful_set_control.go` in
//! kubernetes/kubernetes (newest behaviour; fidelity SPEC §4):
//!
//! * ordinal identity: [`pod_name`], [`pvc_name`], [`parent_name_and_ordinal`],
//!   [`in_ordinal_range`];
//! * [`max_unavailable`] (`getStatefulSetMaxUnavailable`: unset → 1, percentages round
//!   **down**, minimum 1);
//! * the revision a recreated pod gets ([`revision_for_new_pod`]);
//! * one reconcile pass ([`plan_sync`]): replace finished pods, create missing ordinals, delete
//!   condemned ordinals (OrderedReady one at a time, highest first; Parallel all at once), then the
//!   RollingUpdate step (highest ordinal first, only ordinals ≥ partition, bounded by
//!   maxUnavailable);
//! * status counters ([`compute_status`], [`rolling_update_complete`]).
//!
//! Everything is a pure function of its arguments: no I/O, no clock, no hash-map iteration and
//! only integer arithmetic. Pods are described by [`SetPodView`], the set by [`SetSpecView`].
//! Where upstream walks a Go map or runs goroutines, the order here is the ordinal order.

use crate::model::intstr::IntOrPercent;
pub use crate::model::workloads::{PodManagementPolicy, SetUpdateStrategy};

/// Pod phase, as far as the StatefulSet controller distinguishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SetPodPhase {
    /// Accepted but not all containers running yet.
    #[default]
    Pending,
    /// Bound and running.
    Running,
    /// Every container exited with success; the controller recreates the pod.
    Succeeded,
    /// A container failed; the controller recreates the pod.
    Failed,
    /// State unknown (node unreachable).
    Unknown,
}

/// What the StatefulSet controller needs to know about one existing pod of the set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetPodView {
    /// Ordinal parsed from the pod name ([`parent_name_and_ordinal`]); negative = not a member
    /// (ignored).
    pub ordinal: i64,
    /// `status.phase`.
    pub phase: SetPodPhase,
    /// The Ready condition is True.
    pub ready: bool,
    /// `IsPodAvailable(pod, minReadySeconds, now)`: Ready for at least `minReadySeconds`. Only
    /// counted together with `ready`.
    pub available: bool,
    /// `metadata.deletionTimestamp` is set.
    pub terminating: bool,
    /// The `controller-revision-hash` label (revision name).
    pub revision: String,
}

impl SetPodView {
    /// `isRunningAndReady`: phase Running and Ready.
    pub fn running_and_ready(&self) -> bool {
        self.phase == SetPodPhase::Running && self.ready
    }

    /// `isRunningAndAvailable`: running, ready and available (minReadySeconds elapsed).
    pub fn running_and_available(&self) -> bool {
        self.running_and_ready() && self.available
    }

    /// `isUnavailable`: not running-and-available, or terminating.
    pub fn unavailable(&self) -> bool {
        !self.running_and_available() || self.terminating
    }

    /// Phase Failed or Succeeded: the pod is deleted and recreated under the same name.
    pub fn finished(&self) -> bool {
        matches!(self.phase, SetPodPhase::Failed | SetPodPhase::Succeeded)
    }
}

/// The StatefulSet spec and revisions, as one reconcile pass uses them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetSpecView {
    /// `spec.replicas`.
    pub replicas: i64,
    /// `spec.ordinals.start` (default 0).
    pub start_ordinal: i64,
    /// `spec.podManagementPolicy`.
    pub policy: PodManagementPolicy,
    /// `spec.updateStrategy`.
    pub strategy: SetUpdateStrategy,
    /// `status.currentRevision` (the revision pods below the partition keep).
    pub current_revision: String,
    /// `status.updateRevision` (the revision of the current template).
    pub update_revision: String,
    /// Feature gate `MaxUnavailableStatefulSet`: when false, the rolling update replaces one pod
    /// at a time and waits for it to be healthy (maxUnavailable is ignored).
    pub max_unavailable_feature: bool,
}

/// Why a pod is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeleteReason {
    /// Phase Failed or Succeeded: deleted so that the next sync recreates it.
    Recreate,
    /// Ordinal outside `[start, start + replicas)` (scale down).
    ScaleDown,
    /// Out-of-date revision, replaced by the rolling update.
    Update,
}

/// One API operation decided by [`plan_sync`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetAction {
    /// Create pod `<set>-<ordinal>` at `revision`.
    Create {
        /// Ordinal of the new pod.
        ordinal: i64,
        /// Revision label the new pod gets ([`revision_for_new_pod`]).
        revision: String,
    },
    /// Delete the pod with this ordinal.
    Delete {
        /// Ordinal of the deleted pod.
        ordinal: i64,
        /// Why it is deleted.
        reason: DeleteReason,
    },
}

/// Result of one reconcile pass.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncPlan {
    /// Operations in the order upstream issues them.
    pub actions: Vec<SetAction>,
    /// The ordinal the pass stopped at (OrderedReady waiting for a pod to be created, become
    /// healthy or terminate; or the rolling update waiting for an updated pod), if any.
    pub waiting_on: Option<i64>,
}

/// Status counters of a StatefulSet (`computeReplicaStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetStatus {
    /// `status.replicas`: pods that exist.
    pub replicas: i64,
    /// `status.readyReplicas`: running and ready.
    pub ready: i64,
    /// `status.availableReplicas`: running, ready and available.
    pub available: i64,
    /// `status.currentReplicas`: not terminating, at the current revision.
    pub current: i64,
    /// `status.updatedReplicas`: not terminating, at the update revision.
    pub updated: i64,
}

/// `getPodName`: `<set>-<ordinal>`.
pub fn pod_name(set: &str, ordinal: i64) -> String {
    format!("{set}-{ordinal}")
}

/// `getPersistentVolumeClaimName`: `<claim>-<set>-<ordinal>`.
pub fn pvc_name(claim: &str, set: &str, ordinal: i64) -> String {
    format!("{claim}-{set}-{ordinal}")
}

/// `getParentNameAndOrdinal`: splits a pod name of the form `<parent>-<digits>` (regexp
/// `(.*)-([0-9]+)$`). A name that does not match gives `("", -1)`; a match whose digits do not
/// fit a 32-bit integer keeps the parent but gives ordinal −1.
pub fn parent_name_and_ordinal(pod_name: &str) -> (String, i64) {
    let Some((parent, digits)) = pod_name.rsplit_once('-') else {
        return (String::new(), -1);
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return (String::new(), -1);
    }
    let ordinal = digits.parse::<i32>().map_or(-1, i64::from);
    (parent.to_string(), ordinal)
}

/// `podInOrdinalRange`: `start <= ordinal <= start + replicas - 1`.
pub fn in_ordinal_range(ordinal: i64, start_ordinal: i64, replicas: i64) -> bool {
    ordinal >= start_ordinal && ordinal < start_ordinal + replicas
}

/// `getStatefulSetMaxUnavailable`: unset → 1; an integer as is; a percentage of `replicas`
/// rounded **down**; any result below 1 becomes 1.
pub fn max_unavailable(value: Option<IntOrPercent>, replicas: i64) -> i64 {
    value
        .unwrap_or(IntOrPercent::Int(1))
        .scaled_value(replicas, false)
        .max(1)
}

/// `newVersionedStatefulSetPod`: the revision a (re)created pod gets. RollingUpdate: the
/// current revision below `start + partition`, the update revision from there on. OnDelete: the
/// update revision.
pub fn revision_for_new_pod(spec: &SetSpecView, ordinal: i64) -> &str {
    match spec.strategy {
        SetUpdateStrategy::RollingUpdate { partition, .. }
            if ordinal < spec.start_ordinal + partition =>
        {
            &spec.current_revision
        }
        _ => &spec.update_revision,
    }
}

/// `computeReplicaStatus` over the pods of the set.
pub fn compute_status(
    pods: &[SetPodView],
    current_revision: &str,
    update_revision: &str,
) -> SetStatus {
    let mut status = SetStatus::default();
    for pod in pods {
        status.replicas += 1;
        if pod.running_and_ready() {
            status.ready += 1;
            if pod.available {
                status.available += 1;
            }
        }
        if !pod.terminating {
            if pod.revision == current_revision {
                status.current += 1;
            }
            if pod.revision == update_revision {
                status.updated += 1;
            }
        }
    }
    status
}

/// `completeRollingUpdate`: a RollingUpdate is complete (current revision := update revision)
/// when updated, ready and total replicas all equal `spec_replicas`.
pub fn rolling_update_complete(
    strategy: SetUpdateStrategy,
    spec_replicas: i64,
    status: &SetStatus,
) -> bool {
    matches!(strategy, SetUpdateStrategy::RollingUpdate { .. })
        && status.updated == spec_replicas
        && status.ready == spec_replicas
        && status.replicas == spec_replicas
}

/// Working state of one slot `[start, start + replicas)` during [`plan_sync`].
struct Slot<'a> {
    ordinal: i64,
    /// The existing pod; `None` when it was missing and is created in this pass.
    pod: Option<&'a SetPodView>,
    /// Revision label of the pod (of the new pod for a missing slot).
    revision: String,
}

impl Slot<'_> {
    /// `isUnavailable` on the slot's pod object (a pod created in this pass is unavailable).
    fn unavailable(&self) -> bool {
        self.pod.is_none_or(SetPodView::unavailable)
    }

    fn terminating(&self) -> bool {
        self.pod.is_some_and(|pod| pod.terminating)
    }
}

/// `updateStatefulSet`: one reconcile pass over the pods of the set (`pods`, any order; pods with
/// a negative ordinal are ignored, duplicates of an ordinal: the last one wins).
///
/// 1. Ordinals in `[start, start + replicas)` are processed ascending. A Failed/Succeeded pod is
///    deleted (unless already terminating) and recreated by a later pass; a missing ordinal is
///    created at [`revision_for_new_pod`]. OrderedReady stops after the first such action and
///    also stops at a pod that is terminating, not running-and-ready, or not available.
///    Parallel goes on.
/// 2. Condemned pods (ordinal ≥ start + replicas, or below start) are processed from the highest
///    ordinal down. OrderedReady waits for a terminating one, refuses to delete an unhealthy one
///    unless it is the first unhealthy pod of the set, and deletes one per pass; Parallel deletes
///    every one not already terminating.
/// 3. OnDelete stops here. RollingUpdate, with the MaxUnavailableStatefulSet feature: count the
///    unavailable pods of the whole range (pods just created or missing count); if more than
///    maxUnavailable, wait (reported in `waiting_on` only while out-of-date pods remain);
///    otherwise delete up to `maxUnavailable − unavailable` out-of-date,
///    non-terminating pods from the highest ordinal down to `start + partition`. Without the
///    feature: walking down from the highest ordinal to `start + partition`, delete the first
///    out-of-date non-terminating pod, or stop at the first unavailable pod.
pub fn plan_sync(spec: &SetSpecView, pods: &[SetPodView]) -> SyncPlan {
    let monotonic = spec.policy == PodManagementPolicy::OrderedReady;
    let count = usize::try_from(spec.replicas.max(0)).unwrap_or(0);
    let mut existing: Vec<Option<&SetPodView>> = vec![None; count];
    let mut condemned: Vec<&SetPodView> = Vec::new();
    for pod in pods {
        if in_ordinal_range(pod.ordinal, spec.start_ordinal, spec.replicas) {
            existing[(pod.ordinal - spec.start_ordinal) as usize] = Some(pod);
        } else if pod.ordinal >= 0 {
            condemned.push(pod);
        }
    }
    // Highest ordinal first (stable, so equal ordinals keep input order).
    condemned.sort_by_key(|pod| std::cmp::Reverse(pod.ordinal));

    let slots: Vec<Slot> = existing
        .iter()
        .enumerate()
        .map(|(i, pod)| {
            let ordinal = spec.start_ordinal + i as i64;
            let revision = match pod {
                Some(pod) => pod.revision.clone(),
                None => revision_for_new_pod(spec, ordinal).to_string(),
            };
            Slot {
                ordinal,
                pod: *pod,
                revision,
            }
        })
        .collect();

    // The first unavailable pod: lowest in-range slot, else lowest condemned pod.
    let first_unavailable = slots
        .iter()
        .find(|slot| slot.unavailable())
        .map(|slot| slot.ordinal)
        .or_else(|| {
            condemned
                .iter()
                .rev()
                .find(|pod| pod.unavailable())
                .map(|pod| pod.ordinal)
        });

    let mut plan = SyncPlan::default();
    let wait = |mut plan: SyncPlan, ordinal: Option<i64>| {
        plan.waiting_on = ordinal;
        plan
    };

    // 1. Living replicas.
    for slot in &slots {
        match slot.pod {
            Some(pod) if pod.finished() => {
                if !pod.terminating {
                    plan.actions.push(SetAction::Delete {
                        ordinal: slot.ordinal,
                        reason: DeleteReason::Recreate,
                    });
                }
                if monotonic {
                    return wait(plan, Some(slot.ordinal));
                }
            }
            None => {
                plan.actions.push(SetAction::Create {
                    ordinal: slot.ordinal,
                    revision: slot.revision.clone(),
                });
                if monotonic {
                    return wait(plan, Some(slot.ordinal));
                }
            }
            Some(pod) => {
                if monotonic
                    && (pod.terminating || !pod.running_and_ready() || !pod.running_and_available())
                {
                    return wait(plan, Some(slot.ordinal));
                }
            }
        }
    }

    // 2. Condemned pods, highest ordinal first.
    for pod in &condemned {
        if pod.terminating {
            if monotonic {
                return wait(plan, Some(pod.ordinal));
            }
            continue;
        }
        if monotonic && Some(pod.ordinal) != first_unavailable && !pod.running_and_available() {
            return wait(plan, first_unavailable);
        }
        plan.actions.push(SetAction::Delete {
            ordinal: pod.ordinal,
            reason: DeleteReason::ScaleDown,
        });
        if monotonic {
            return plan;
        }
    }

    // 3. Rolling update.
    let SetUpdateStrategy::RollingUpdate {
        partition,
        max_unavailable: max_unavailable_value,
    } = spec.strategy
    else {
        return plan;
    };
    let already_deleted = |plan: &SyncPlan, ordinal: i64| {
        plan.actions
            .iter()
            .any(|action| matches!(action, SetAction::Delete { ordinal: o, .. } if *o == ordinal))
    };
    let update_min = partition.max(0);
    let out_of_date = |slot: &Slot| slot.revision != spec.update_revision && !slot.terminating();

    if spec.max_unavailable_feature {
        let max_unav = max_unavailable(max_unavailable_value, spec.replicas);
        let unavailable = slots.iter().filter(|slot| slot.unavailable()).count() as i64;
        if unavailable > max_unav {
            let pending = slots
                .iter()
                .enumerate()
                .any(|(index, slot)| index as i64 >= update_min && out_of_date(slot));
            return if pending {
                wait(plan, first_unavailable)
            } else {
                plan
            };
        }
        let to_delete = max_unav - unavailable;
        let mut deleted = 0;
        for (index, slot) in slots.iter().enumerate().rev() {
            if (index as i64) < update_min || deleted >= to_delete {
                break;
            }
            if out_of_date(slot) {
                // Upstream deletes (and counts) a pod already deleted in this pass again; the
                // operation is not repeated here.
                if !already_deleted(&plan, slot.ordinal) {
                    plan.actions.push(SetAction::Delete {
                        ordinal: slot.ordinal,
                        reason: DeleteReason::Update,
                    });
                }
                deleted += 1;
            }
        }
        return plan;
    }

    for (index, slot) in slots.iter().enumerate().rev() {
        if (index as i64) < update_min {
            break;
        }
        if out_of_date(slot) {
            if !already_deleted(&plan, slot.ordinal) {
                plan.actions.push(SetAction::Delete {
                    ordinal: slot.ordinal,
                    reason: DeleteReason::Update,
                });
            }
            return plan;
        }
        if slot.unavailable() {
            return wait(plan, Some(slot.ordinal));
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(p: i64) -> Option<IntOrPercent> {
        Some(IntOrPercent::Percent(p))
    }

    fn int(v: i64) -> Option<IntOrPercent> {
        Some(IntOrPercent::Int(v))
    }

    /// A running, ready, available pod at `revision`.
    fn healthy(ordinal: i64, revision: &str) -> SetPodView {
        SetPodView {
            ordinal,
            phase: SetPodPhase::Running,
            ready: true,
            available: true,
            terminating: false,
            revision: revision.to_string(),
        }
    }

    fn spec(replicas: i64, policy: PodManagementPolicy) -> SetSpecView {
        SetSpecView {
            replicas,
            start_ordinal: 0,
            policy,
            strategy: SetUpdateStrategy::default(),
            current_revision: "v1".into(),
            update_revision: "v1".into(),
            max_unavailable_feature: true,
        }
    }

    fn create(ordinal: i64, revision: &str) -> SetAction {
        SetAction::Create {
            ordinal,
            revision: revision.into(),
        }
    }

    fn delete(ordinal: i64, reason: DeleteReason) -> SetAction {
        SetAction::Delete { ordinal, reason }
    }

    /// SPEC §4.b `TestGetStatefulSetMaxUnavailable`, all 7 rows.
    #[test]
    fn test_get_stateful_set_max_unavailable() {
        let rows = [
            (None, 10, 1),
            (int(3), 10, 3),
            (int(0), 0, 1),
            (pct(100), 5, 5),
            (pct(50), 5, 2),
            (pct(10), 5, 1),
            (pct(0), 0, 1),
        ];
        for (n, (value, replicas, want)) in rows.into_iter().enumerate() {
            assert_eq!(max_unavailable(value, replicas), want, "row {}", n + 1);
        }
    }

    /// SPEC §4.a/§4.b `TestGetParentNameAndOrdinal` (2 rows) plus derived edge cases.
    #[test]
    fn test_get_parent_name_and_ordinal() {
        let rows = [
            ("foo-1", "foo", 1),
            ("1-bar", "", -1),
            // Derived from the regexp `(.*)-([0-9]+)$`.
            ("web-app-12", "web-app", 12),
            ("web-007", "web", 7),
            ("web-", "", -1),
            ("web", "", -1),
            ("web-99999999999", "web", -1),
        ];
        for (name, parent, ordinal) in rows {
            assert_eq!(
                parent_name_and_ordinal(name),
                (parent.to_string(), ordinal),
                "{name}"
            );
        }
    }

    #[test]
    fn identity_names() {
        assert_eq!(pod_name("web", 3), "web-3");
        assert_eq!(pvc_name("data", "web", 3), "data-web-3");
        assert_eq!(
            parent_name_and_ordinal(&pod_name("web", 3)),
            ("web".into(), 3)
        );
        assert!(in_ordinal_range(2, 0, 3));
        assert!(!in_ordinal_range(3, 0, 3));
        assert!(in_ordinal_range(5, 5, 1));
        assert!(!in_ordinal_range(4, 5, 1));
    }

    /// Derived (§4.a OrderedReady): scale-up creates the first missing ordinal and stops; it does
    /// not go past an unready pod.
    #[test]
    fn ordered_ready_scale_up() {
        let s = spec(3, PodManagementPolicy::OrderedReady);
        let plan = plan_sync(&s, &[]);
        assert_eq!(plan.actions, vec![create(0, "v1")]);
        assert_eq!(plan.waiting_on, Some(0));

        let plan = plan_sync(&s, &[healthy(0, "v1")]);
        assert_eq!(plan.actions, vec![create(1, "v1")]);

        let not_ready = SetPodView {
            ready: false,
            ..healthy(0, "v1")
        };
        let plan = plan_sync(&s, &[not_ready]);
        assert!(plan.actions.is_empty());
        assert_eq!(plan.waiting_on, Some(0));

        // Ready but not yet available (minReadySeconds) blocks too.
        let not_available = SetPodView {
            available: false,
            ..healthy(0, "v1")
        };
        assert_eq!(plan_sync(&s, &[not_available]).waiting_on, Some(0));
    }

    /// Derived (§4.a Parallel): every missing ordinal is created in one pass.
    #[test]
    fn parallel_scale_up_and_down() {
        let s = spec(3, PodManagementPolicy::Parallel);
        let plan = plan_sync(&s, &[healthy(1, "v1")]);
        assert_eq!(plan.actions, vec![create(0, "v1"), create(2, "v1")]);
        assert_eq!(plan.waiting_on, None);

        let s = spec(1, PodManagementPolicy::Parallel);
        let terminating = SetPodView {
            terminating: true,
            ..healthy(2, "v1")
        };
        let plan = plan_sync(
            &s,
            &[
                healthy(0, "v1"),
                healthy(1, "v1"),
                terminating,
                healthy(3, "v1"),
            ],
        );
        assert_eq!(
            plan.actions,
            vec![
                delete(3, DeleteReason::ScaleDown),
                delete(1, DeleteReason::ScaleDown)
            ]
        );
    }

    /// Derived (§4.a OrderedReady scale-down): highest condemned ordinal first, one per pass,
    /// waiting for terminating pods and refusing to pass an unhealthy lower pod.
    #[test]
    fn ordered_ready_scale_down() {
        let s = spec(2, PodManagementPolicy::OrderedReady);
        let pods = [
            healthy(0, "v1"),
            healthy(1, "v1"),
            healthy(2, "v1"),
            healthy(3, "v1"),
        ];
        let plan = plan_sync(&s, &pods);
        assert_eq!(plan.actions, vec![delete(3, DeleteReason::ScaleDown)]);

        let mut waiting = pods.clone();
        waiting[3].terminating = true;
        let plan = plan_sync(&s, &waiting);
        assert!(plan.actions.is_empty());
        assert_eq!(plan.waiting_on, Some(3));

        // An unhealthy condemned pod is deleted only if it is the first unhealthy pod.
        let mut unhealthy = pods.clone();
        unhealthy[3].ready = false;
        assert_eq!(
            plan_sync(&s, &unhealthy).actions,
            vec![delete(3, DeleteReason::ScaleDown)]
        );
        // A healthy condemned pod is deleted even when a lower condemned pod is unhealthy…
        let mut lower_unhealthy = pods.clone();
        lower_unhealthy[2].ready = false;
        assert_eq!(
            plan_sync(&s, &lower_unhealthy).actions,
            vec![delete(3, DeleteReason::ScaleDown)]
        );
        // …but an unhealthy one waits for the first unhealthy pod.
        lower_unhealthy[3].ready = false;
        let plan = plan_sync(&s, &lower_unhealthy);
        assert!(plan.actions.is_empty());
        assert_eq!(plan.waiting_on, Some(2));
        // An unhealthy pod in range blocks every scale-down.
        let mut in_range = pods.clone();
        in_range[1].ready = false;
        let plan = plan_sync(&s, &in_range);
        assert!(plan.actions.is_empty());
        assert_eq!(plan.waiting_on, Some(1));
    }

    /// Derived (§4.a): Failed and Succeeded pods are deleted and recreated by a later pass.
    #[test]
    fn finished_pods_are_recreated() {
        let s = spec(2, PodManagementPolicy::OrderedReady);
        let failed = SetPodView {
            phase: SetPodPhase::Failed,
            ready: false,
            ..healthy(0, "v1")
        };
        let plan = plan_sync(&s, &[failed.clone(), healthy(1, "v1")]);
        assert_eq!(plan.actions, vec![delete(0, DeleteReason::Recreate)]);
        assert_eq!(plan.waiting_on, Some(0));
        let deleting = SetPodView {
            terminating: true,
            ..failed
        };
        assert!(
            plan_sync(&s, &[deleting, healthy(1, "v1")])
                .actions
                .is_empty()
        );
    }

    fn rolling(partition: i64, max_unav: Option<IntOrPercent>) -> SetSpecView {
        SetSpecView {
            strategy: SetUpdateStrategy::RollingUpdate {
                partition,
                max_unavailable: max_unav,
            },
            update_revision: "v2".into(),
            ..spec(5, PodManagementPolicy::OrderedReady)
        }
    }

    /// Derived (§4.a RollingUpdate): highest ordinal first, only ordinals ≥ partition, at most
    /// maxUnavailable unavailable at a time.
    #[test]
    fn rolling_update_with_partition_and_max_unavailable() {
        let pods: Vec<SetPodView> = (0..5).map(|i| healthy(i, "v1")).collect();
        // maxUnavailable 1 (unset): delete ordinal 4 only.
        let plan = plan_sync(&rolling(0, None), &pods);
        assert_eq!(plan.actions, vec![delete(4, DeleteReason::Update)]);
        // maxUnavailable 2: ordinals 4 and 3.
        let plan = plan_sync(&rolling(0, int(2)), &pods);
        assert_eq!(
            plan.actions,
            vec![
                delete(4, DeleteReason::Update),
                delete(3, DeleteReason::Update)
            ]
        );
        // Partition 4 with maxUnavailable 3: only ordinal 4 is eligible.
        let plan = plan_sync(&rolling(4, int(3)), &pods);
        assert_eq!(plan.actions, vec![delete(4, DeleteReason::Update)]);
        // One updated pod still unavailable, maxUnavailable 2: one more deletion.
        let mut mid = pods.clone();
        mid[4] = SetPodView {
            available: false,
            ..healthy(4, "v2")
        };
        // OrderedReady blocks on the unavailable pod first; Parallel reaches the update step.
        assert_eq!(plan_sync(&rolling(0, int(2)), &mid).waiting_on, Some(4));
        let parallel = SetSpecView {
            policy: PodManagementPolicy::Parallel,
            ..rolling(0, int(2))
        };
        assert_eq!(
            plan_sync(&parallel, &mid).actions,
            vec![delete(3, DeleteReason::Update)]
        );
        // Two unavailable with maxUnavailable 2: nothing to delete; three: wait.
        mid[3].available = false;
        assert!(plan_sync(&parallel, &mid).actions.is_empty());
        mid[2].available = false;
        let plan = plan_sync(&parallel, &mid);
        assert!(plan.actions.is_empty());
        assert_eq!(plan.waiting_on, Some(2));
    }

    /// Derived (§4.a): a recreated pod below the partition gets the current revision, above it
    /// the update revision; OnDelete never replaces pods itself.
    #[test]
    fn partition_revisions_and_on_delete() {
        let s = rolling(3, None);
        assert_eq!(revision_for_new_pod(&s, 2), "v1");
        assert_eq!(revision_for_new_pod(&s, 3), "v2");
        let pods: Vec<SetPodView> = (0..4).map(|i| healthy(i, "v1")).collect();
        assert_eq!(plan_sync(&s, &pods).actions, vec![create(4, "v2")]);

        let on_delete = SetSpecView {
            strategy: SetUpdateStrategy::OnDelete,
            ..s
        };
        let all: Vec<SetPodView> = (0..5).map(|i| healthy(i, "v1")).collect();
        assert!(plan_sync(&on_delete, &all).actions.is_empty());
        assert_eq!(revision_for_new_pod(&on_delete, 0), "v2");
    }

    /// Derived (§4.a): without MaxUnavailableStatefulSet, one pod at a time, waiting for each
    /// updated pod to be healthy.
    #[test]
    fn rolling_update_without_feature() {
        let s = SetSpecView {
            max_unavailable_feature: false,
            policy: PodManagementPolicy::Parallel,
            ..rolling(0, int(3))
        };
        let mut pods: Vec<SetPodView> = (0..5).map(|i| healthy(i, "v1")).collect();
        assert_eq!(
            plan_sync(&s, &pods).actions,
            vec![delete(4, DeleteReason::Update)]
        );
        pods[4] = SetPodView {
            ready: false,
            ..healthy(4, "v2")
        };
        let plan = plan_sync(&s, &pods);
        assert!(plan.actions.is_empty());
        assert_eq!(plan.waiting_on, Some(4));
        pods[4].ready = true;
        assert_eq!(
            plan_sync(&s, &pods).actions,
            vec![delete(3, DeleteReason::Update)]
        );
    }

    /// Derived: a non-zero `spec.ordinals.start`.
    #[test]
    fn start_ordinal() {
        let s = SetSpecView {
            start_ordinal: 5,
            ..spec(2, PodManagementPolicy::Parallel)
        };
        let plan = plan_sync(&s, &[healthy(0, "v1"), healthy(6, "v1")]);
        assert_eq!(
            plan.actions,
            vec![create(5, "v1"), delete(0, DeleteReason::ScaleDown)]
        );
    }

    #[test]
    fn status_counts() {
        let mut pods: Vec<SetPodView> = (0..3).map(|i| healthy(i, "v1")).collect();
        pods[2].revision = "v2".into();
        pods[1].available = false;
        pods[0].terminating = true;
        let status = compute_status(&pods, "v1", "v2");
        assert_eq!(
            status,
            SetStatus {
                replicas: 3,
                ready: 3,
                available: 2,
                current: 1,
                updated: 1
            }
        );
        let strategy = SetUpdateStrategy::default();
        assert!(!rolling_update_complete(strategy, 3, &status));
        let done = SetStatus {
            replicas: 3,
            ready: 3,
            available: 3,
            current: 0,
            updated: 3,
        };
        assert!(rolling_update_complete(strategy, 3, &done));
        assert!(!rolling_update_complete(
            SetUpdateStrategy::OnDelete,
            3,
            &done
        ));
    }
}
