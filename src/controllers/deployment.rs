//! The Deployment controller (`pkg/controller/deployment`): find or create the new ReplicaSet,
//! scale it up and the old ones down within the surge/unavailability budgets (RollingUpdate), or
//! all old then all new (Recreate); proportional scaling while paused or resized; history
//! clean-up; status and the Progressing/Available conditions.

use std::collections::BTreeMap;

use crate::cluster::effects::{DeploymentStatusUpdate, Effect, EventType, SyncTarget};
use crate::cluster::state::{
    ClusterState, Condition, DeploymentState, ObjKey, PodPhase, RsOwnerKind, RsState,
};
use crate::controllers::deployment_math::{self as math, RsView, StatusCounts, StrategyKind};
use crate::model::intstr::IntOrPercent;
use crate::model::selector::{Requirement, SelectorOp};
use crate::model::workloads::{DeploymentStrategy, ReplicaSetSpec};
use crate::sim::time::{NANOS_PER_SEC, SimTime};

/// `deployment.kubernetes.io/revision`.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// `deployment.kubernetes.io/desired-replicas`.
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
/// `deployment.kubernetes.io/max-replicas`.
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";

/// The pod-template-hash of a template: FNV-32a over its canonical form and the collision
/// count, encoded with `rand.SafeEncodeString` as `ComputeHash` does.
pub fn pod_template_hash(canonical: &str, collision_count: u32) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u32::from(*byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    };
    feed(canonical.as_bytes());
    if collision_count > 0 {
        feed(&collision_count.to_le_bytes());
    }
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    hash.to_string()
        .bytes()
        .map(|b| ALPHANUMS[usize::from(b) % ALPHANUMS.len()] as char)
        .collect()
}

fn strategy_parts(
    d: &DeploymentState,
) -> (StrategyKind, Option<IntOrPercent>, Option<IntOrPercent>) {
    match d.spec.strategy {
        DeploymentStrategy::Recreate => (StrategyKind::Recreate, None, None),
        DeploymentStrategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => (
            StrategyKind::RollingUpdate,
            Some(max_surge),
            Some(max_unavailable),
        ),
    }
}

fn max_surge(d: &DeploymentState) -> i64 {
    let (kind, surge, unavailable) = strategy_parts(d);
    math::max_surge(kind, d.spec.replicas, surge, unavailable)
}

fn max_unavailable(d: &DeploymentState) -> i64 {
    let (kind, surge, unavailable) = strategy_parts(d);
    math::max_unavailable(kind, d.spec.replicas, surge, unavailable)
}

/// Working copy of one ReplicaSet during a sync.
struct Working<'a> {
    rs: Option<&'a RsState>,
    key: ObjKey,
    view: RsView,
    revision: i64,
}

fn view(rs: &RsState) -> RsView {
    RsView {
        name: rs.key.name.clone(),
        created_seq: rs.created_seq,
        spec_replicas: rs.spec.replicas,
        status_replicas: rs.status.replicas,
        available: rs.status.available,
        desired_annotation: rs.annotation_i64(DESIRED_REPLICAS),
        max_replicas_annotation: rs.annotation_i64(MAX_REPLICAS),
    }
}

/// Accumulates effects for one sync.
struct Sync<'a> {
    state: &'a ClusterState,
    d: &'a DeploymentState,
    now: SimTime,
    effects: Vec<Effect>,
    /// Old sets, oldest first.
    old: Vec<Working<'a>>,
    /// The new set, if any.
    new: Option<Working<'a>>,
}

impl<'a> Sync<'a> {
    fn object(&self) -> String {
        format!("deployment/{}", self.d.key.name)
    }

    fn event(&mut self, reason: &'static str, message: String) {
        let object = self.object();
        self.effects.push(Effect::event(
            &self.d.key.namespace,
            object,
            EventType::Normal,
            reason,
            message,
        ));
    }

    fn replica_annotations(&self) -> BTreeMap<String, String> {
        let mut annotations = BTreeMap::new();
        annotations.insert(
            DESIRED_REPLICAS.to_string(),
            self.d.spec.replicas.to_string(),
        );
        annotations.insert(
            MAX_REPLICAS.to_string(),
            (self.d.spec.replicas + max_surge(self.d)).to_string(),
        );
        annotations
    }

    /// `scaleReplicaSet`: writes size and replica annotations; records an event when the size changes.
    fn scale(&mut self, which: Which, new_size: i64, update_annotations: bool) -> bool {
        let annotations = self.replica_annotations();
        let (key, old_size, name, annotations_differ) = {
            let w = self.working(which);
            let differ = w.view.desired_annotation != Some(self.d.spec.replicas)
                || w.view.max_replicas_annotation != Some(self.d.spec.replicas + max_surge(self.d));
            (
                w.key.clone(),
                w.view.spec_replicas,
                w.view.name.clone(),
                differ,
            )
        };
        let size_changes = old_size != new_size;
        if !(size_changes || update_annotations && annotations_differ) {
            return false;
        }
        let (desired, max) = (
            self.d.spec.replicas,
            self.d.spec.replicas + max_surge(self.d),
        );
        let w = self.working_mut(which);
        w.view.spec_replicas = new_size;
        w.view.desired_annotation = Some(desired);
        w.view.max_replicas_annotation = Some(max);
        self.effects.push(Effect::UpdateReplicaSet {
            key,
            replicas: new_size,
            annotations,
        });
        if size_changes {
            let direction = if new_size > old_size { "up" } else { "down" };
            self.event(
                "ScalingReplicaSet",
                format!("Scaled {direction} replica set {name} to {new_size} from {old_size}"),
            );
        }
        size_changes
    }

    fn working(&self, which: Which) -> &Working<'a> {
        match which {
            Which::New => self.new.as_ref().expect("new replica set exists"),
            Which::Old(i) => &self.old[i],
        }
    }

    fn working_mut(&mut self, which: Which) -> &mut Working<'a> {
        match which {
            Which::New => self.new.as_mut().expect("new replica set exists"),
            Which::Old(i) => &mut self.old[i],
        }
    }

    fn max_old_revision(&self) -> i64 {
        self.old.iter().map(|w| w.revision).max().unwrap_or(0)
    }

    /// `getNewReplicaSet`: bump the revision of an existing new set, or create one.
    fn ensure_new(&mut self, create: bool, initial_size: impl Fn(&Self) -> i64) {
        let new_revision = self.max_old_revision() + 1;
        if let Some(new) = &mut self.new {
            if new.revision < new_revision {
                new.revision = new_revision;
                let mut annotations = BTreeMap::new();
                annotations.insert(REVISION.to_string(), new_revision.to_string());
                if let Some(rs) = new.rs {
                    for key in [DESIRED_REPLICAS, MAX_REPLICAS] {
                        if let Some(v) = rs.annotations.get(key) {
                            annotations.insert(key.to_string(), v.clone());
                        }
                    }
                }
                self.effects.push(Effect::UpdateReplicaSet {
                    key: new.key.clone(),
                    replicas: new.view.spec_replicas,
                    annotations,
                });
            }
            return;
        }
        if !create {
            return;
        }
        let d = self.d;
        let mut collision_count = d.collision_count;
        let (hash, name) = loop {
            let hash = pod_template_hash(&d.spec.template.canonical, collision_count);
            let name = format!("{}-{hash}", d.key.name);
            match self
                .state
                .replicasets
                .get(&ObjKey::new(&d.key.namespace, &name))
            {
                Some(existing)
                    if existing.spec.template.canonical != d.spec.template.canonical
                        || existing.owner.as_deref() != Some(d.key.name.as_str())
                        || existing.owner_kind != RsOwnerKind::Deployment =>
                {
                    collision_count += 1
                }
                _ => break (hash, name),
            }
        };
        let size = initial_size(self);
        let mut template = d.spec.template.clone();
        template
            .labels
            .insert("pod-template-hash".into(), hash.clone());
        let mut selector = d.spec.selector.clone();
        selector.requirements.push(Requirement {
            key: "pod-template-hash".into(),
            op: SelectorOp::In,
            values: vec![hash.clone()],
        });
        let mut labels = template.labels.clone();
        labels.insert("pod-template-hash".into(), hash);
        let mut annotations = self.replica_annotations();
        annotations.insert(REVISION.to_string(), new_revision.to_string());
        let key = ObjKey::new(&d.key.namespace, &name);
        self.effects.push(Effect::CreateReplicaSet {
            key: key.clone(),
            deployment: d.key.name.clone(),
            owner_kind: RsOwnerKind::Deployment,
            labels,
            annotations,
            spec: ReplicaSetSpec {
                replicas: size,
                selector,
                template,
                min_ready_seconds: d.spec.min_ready_seconds,
            },
        });
        if size > 0 {
            self.event(
                "ScalingReplicaSet",
                format!("Scaled up replica set {name} to {size} from 0"),
            );
        }
        self.new = Some(Working {
            rs: None,
            key,
            view: RsView {
                name,
                created_seq: u64::MAX,
                spec_replicas: size,
                status_replicas: 0,
                available: 0,
                desired_annotation: Some(d.spec.replicas),
                max_replicas_annotation: Some(d.spec.replicas + max_surge(d)),
            },
            revision: new_revision,
        });
    }

    fn all_views(&self) -> Vec<RsView> {
        let mut views: Vec<RsView> = self.old.iter().map(|w| w.view.clone()).collect();
        if let Some(new) = &self.new {
            views.push(new.view.clone());
        }
        views
    }

    fn all_spec_sum(&self) -> i64 {
        self.all_views().iter().map(|v| v.spec_replicas).sum()
    }

    /// `dc.scale`: proportional scaling of all active sets to the Deployment's size.
    fn proportional(&mut self) {
        let views = self.all_views();
        let new_index = self.new.as_ref().map(|_| views.len() - 1);
        let (kind, _, _) = strategy_parts(self.d);
        let sizes = math::proportional_scale(
            self.d.spec.replicas,
            self.d.status.replicas,
            max_surge(self.d),
            kind,
            new_index,
            &views,
        );
        for (i, size) in sizes.into_iter().enumerate() {
            let which = if Some(i) == new_index {
                Which::New
            } else {
                Which::Old(i)
            };
            let active = self.working(which).view.spec_replicas > 0 || size > 0;
            self.scale(which, size, active);
        }
    }

    /// `cleanupDeployment`: delete the oldest unused sets beyond `revisionHistoryLimit`.
    fn cleanup(&mut self) {
        let views: Vec<RsView> = self.old.iter().map(|w| w.view.clone()).collect();
        let revisions: Vec<i64> = self.old.iter().map(|w| w.revision).collect();
        let deleting = vec![false; views.len()];
        for i in math::old_rss_to_cleanup_by_revision(
            &views,
            &revisions,
            self.d.spec.revision_history_limit,
            &deleting,
        ) {
            self.effects.push(Effect::DeleteReplicaSet {
                key: self.old[i].key.clone(),
            });
        }
    }

    /// `calculateStatus` + `syncRolloutStatus` (conditions, progress deadline).
    fn rollout_status(&mut self, track_progress: bool) {
        let d = self.d;
        let sum = |f: fn(&RsState) -> i64| -> i64 {
            self.old
                .iter()
                .chain(self.new.iter())
                .filter_map(|w| w.rs)
                .map(f)
                .sum()
        };
        let replicas = sum(|rs| rs.status.replicas);
        let ready = sum(|rs| rs.status.ready);
        let available = sum(|rs| rs.status.available);
        let updated = self
            .new
            .as_ref()
            .and_then(|w| w.rs)
            .map_or(0, |rs| rs.status.replicas);
        let spec_total = self.all_spec_sum();
        let (kind, surge, unavail) = strategy_parts(d);
        let min_available = math::min_available(kind, d.spec.replicas, surge, unavail);
        let now = self.now;
        let available_condition = if available >= min_available {
            condition_with(
                &d.status.available_condition,
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.".into(),
                now,
            )
        } else {
            condition_with(
                &d.status.available_condition,
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.".into(),
                now,
            )
        };
        let mut status = DeploymentStatusUpdate {
            replicas,
            updated,
            ready,
            available,
            unavailable: (spec_total - available).max(0),
            progressing: d.status.progressing.clone(),
            available_condition: Some(available_condition),
        };
        let new_name = self.new.as_ref().map(|w| w.view.name.clone());
        if let Some(created) = self.effects.iter().find_map(|e| match e {
            Effect::CreateReplicaSet { key, .. } => Some(key.name.clone()),
            _ => None,
        }) {
            status.progressing = Some(Condition {
                status: "True",
                reason: "NewReplicaSetCreated".into(),
                message: format!("Created new replica set \"{created}\""),
                last_update: now,
                last_transition: now,
            });
        } else if self.new.is_some()
            && d.status.progressing.is_none()
            && d.spec.progress_deadline_seconds.is_some()
        {
            status.progressing = Some(Condition {
                status: "True",
                reason: "FoundNewReplicaSet".into(),
                message: format!(
                    "Found new replica set \"{}\"",
                    new_name.clone().unwrap_or_default()
                ),
                last_update: now,
                last_transition: now,
            });
        }
        let deadline = d.spec.progress_deadline_seconds;
        if track_progress && deadline.is_some() {
            let current_reason = status.progressing.as_ref().map(|c| c.reason.clone());
            let complete_already = replicas == updated
                && current_reason.as_deref() == Some(math::NEW_RS_AVAILABLE_REASON);
            if !complete_already {
                let new_counts = StatusCounts {
                    replicas,
                    updated,
                    ready,
                    available,
                };
                let old_counts = StatusCounts {
                    replicas: d.status.replicas,
                    updated: d.status.updated,
                    ready: d.status.ready,
                    available: d.status.available,
                };
                let name = new_name.clone().unwrap_or_default();
                if math::deployment_complete(d.spec.replicas, true, &new_counts) {
                    status.progressing = Some(set_condition(
                        &status.progressing,
                        "True",
                        math::NEW_RS_AVAILABLE_REASON,
                        format!("ReplicaSet \"{name}\" has successfully progressed."),
                        now,
                    ));
                } else if math::deployment_progressing(&old_counts, &new_counts) {
                    let transition = match &status.progressing {
                        Some(c) if c.status == "True" => c.last_transition,
                        _ => now,
                    };
                    status.progressing = Some(Condition {
                        status: "True",
                        reason: "ReplicaSetUpdated".into(),
                        message: format!("ReplicaSet \"{name}\" is progressing."),
                        last_update: now,
                        last_transition: transition,
                    });
                } else if let Some(c) = &status.progressing
                    && math::deployment_timed_out(
                        deadline,
                        Some(c.reason.as_str()),
                        c.last_update.as_nanos(),
                        now.as_nanos(),
                    )
                {
                    status.progressing = Some(set_condition(
                        &status.progressing,
                        "False",
                        math::TIMED_OUT_REASON,
                        format!("ReplicaSet \"{name}\" has timed out progressing."),
                        now,
                    ));
                }
            }
            // requeueStuckDeployment: look again one second after the deadline.
            if let (Some(c), Some(seconds)) = (&status.progressing, deadline)
                && c.status == "True"
                && c.reason != math::NEW_RS_AVAILABLE_REASON
                && !math::deployment_complete(
                    d.spec.replicas,
                    true,
                    &StatusCounts {
                        replicas,
                        updated,
                        ready,
                        available,
                    },
                )
            {
                let at = c
                    .last_update
                    .plus_nanos((seconds as u64 + 1) * NANOS_PER_SEC);
                self.effects.push(Effect::Requeue {
                    target: SyncTarget::Deployment(d.key.clone()),
                    at,
                });
            }
        }
        let unchanged = d.status.replicas == status.replicas
            && d.status.updated == status.updated
            && d.status.ready == status.ready
            && d.status.available == status.available
            && d.status.unavailable == status.unavailable
            && d.status.progressing == status.progressing
            && d.status.available_condition == status.available_condition;
        if !unchanged {
            self.effects.push(Effect::DeploymentStatus {
                key: d.key.clone(),
                status,
            });
        }
    }
}

#[derive(Clone, Copy)]
enum Which {
    New,
    Old(usize),
}

/// `SetDeploymentCondition`: same status and reason → unchanged; transition time kept when the
/// status does not change.
fn set_condition(
    current: &Option<Condition>,
    status: &'static str,
    reason: &str,
    message: String,
    now: SimTime,
) -> Condition {
    match current {
        Some(c) if c.status == status && c.reason == reason => c.clone(),
        Some(c) if c.status == status => Condition {
            status,
            reason: reason.into(),
            message,
            last_update: now,
            last_transition: c.last_transition,
        },
        _ => Condition {
            status,
            reason: reason.into(),
            message,
            last_update: now,
            last_transition: now,
        },
    }
}

fn condition_with(
    current: &Option<Condition>,
    status: &'static str,
    reason: &str,
    message: String,
    now: SimTime,
) -> Condition {
    set_condition(current, status, reason, message, now)
}

/// One sync of the Deployment `key` at `now`.
pub fn sync(state: &ClusterState, key: &ObjKey, now: SimTime) -> Vec<Effect> {
    let Some(d) = state.deployments.get(key) else {
        return Vec::new();
    };
    if d.deleting {
        return Vec::new();
    }
    let mut old = Vec::new();
    let mut new = None;
    for rs in state.replicasets_of(key) {
        let w = Working {
            rs: Some(rs),
            key: rs.key.clone(),
            view: view(rs),
            revision: rs.revision(),
        };
        if new.is_none() && rs.spec.template.canonical == d.spec.template.canonical {
            new = Some(w);
        } else {
            old.push(w);
        }
    }
    let mut s = Sync {
        state,
        d,
        now,
        effects: Vec::new(),
        old,
        new,
    };

    if d.spec.paused {
        s.ensure_new(false, |_| 0);
        s.proportional();
        s.cleanup();
        s.rollout_status(false);
        return s.effects;
    }
    // isScalingEvent: an active set whose desired-replicas annotation differs from spec.replicas.
    let scaling = s.old.iter().chain(s.new.iter()).any(|w| {
        w.view.spec_replicas > 0
            && w.view
                .desired_annotation
                .is_some_and(|v| v != d.spec.replicas)
    });
    if scaling {
        s.ensure_new(false, |_| 0);
        s.proportional();
        s.rollout_status(false);
        return s.effects;
    }
    match d.spec.strategy {
        DeploymentStrategy::RollingUpdate { .. } => rolling(&mut s),
        DeploymentStrategy::Recreate => recreate(&mut s),
    }
    s.effects
}

fn rolling(s: &mut Sync) {
    let d = s.d;
    s.ensure_new(true, |s| {
        let old_sum: i64 = s.old.iter().map(|w| w.view.spec_replicas).sum();
        math::new_rs_new_replicas(
            StrategyKind::RollingUpdate,
            d.spec.replicas,
            max_surge(d),
            old_sum,
            0,
        )
    });
    // reconcileNewReplicaSet
    let new_size = s.new.as_ref().map_or(0, |w| w.view.spec_replicas);
    if let Some(size) =
        math::reconcile_new_replica_set(d.spec.replicas, max_surge(d), s.all_spec_sum(), new_size)
        && s.scale(Which::New, size, true)
    {
        s.rollout_status(true);
        return;
    }
    // reconcileOldReplicaSets
    let old_views: Vec<RsView> = s.old.iter().map(|w| w.view.clone()).collect();
    let new_view = s.new.as_ref().map(|w| w.view.clone());
    let changes = math::reconcile_old_replica_sets(
        d.spec.replicas,
        max_unavailable(d),
        new_view.as_ref(),
        &old_views,
    );
    let mut scaled_down = false;
    for (index, size) in changes {
        scaled_down |= s.scale(Which::Old(index), size, true);
    }
    if scaled_down {
        s.rollout_status(true);
        return;
    }
    let previous = StatusCounts {
        replicas: d.status.replicas,
        updated: d.status.updated,
        ready: d.status.ready,
        available: d.status.available,
    };
    if math::deployment_complete(d.spec.replicas, true, &previous) {
        s.cleanup();
    }
    s.rollout_status(true);
}

fn recreate(s: &mut Sync) {
    let d = s.d;
    s.ensure_new(false, |_| 0);
    let mut scaled_down = false;
    for i in 0..s.old.len() {
        if s.old[i].view.spec_replicas > 0 {
            scaled_down |= s.scale(Which::Old(i), 0, true);
        }
    }
    if scaled_down {
        s.rollout_status(true);
        return;
    }
    // oldPodsRunning: old sets still report replicas, or any pod of theirs is not finished.
    let old_status: i64 = s.old.iter().map(|w| w.view.status_replicas).sum();
    let old_pods_running = old_status > 0
        || s.old.iter().filter_map(|w| w.rs).any(|rs| {
            rs.pods.iter().any(|id| {
                !matches!(
                    s.state.pod(*id).phase,
                    PodPhase::Succeeded | PodPhase::Failed
                )
            })
        });
    if old_pods_running {
        s.rollout_status(true);
        return;
    }
    s.ensure_new(true, |_| d.spec.replicas);
    let new_size = s.new.as_ref().map_or(0, |w| w.view.spec_replicas);
    if new_size != d.spec.replicas {
        s.scale(Which::New, d.spec.replicas, true);
    }
    let previous = StatusCounts {
        replicas: d.status.replicas,
        updated: d.status.updated,
        ready: d.status.ready,
        available: d.status.available,
    };
    if math::deployment_complete(d.spec.replicas, true, &previous) {
        s.cleanup();
    }
    s.rollout_status(true);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_hash_is_stable_and_safe() {
        let a = pod_template_hash("{\"spec\":1}", 0);
        assert_eq!(a, pod_template_hash("{\"spec\":1}", 0));
        assert_ne!(a, pod_template_hash("{\"spec\":1}", 1));
        assert!(a.len() <= 10 && a.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)));
    }
}
