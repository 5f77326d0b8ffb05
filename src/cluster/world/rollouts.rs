//! The world's side of the Argo Rollouts controller: Rollouts created, changed (`apply`, `patch`,
//! `setImage`), promoted, aborted and deleted; their status and rollouts recorded; Services
//! pointed at a version by the `rollouts-pod-template-hash` selector label.

use super::World;
use crate::cluster::effects::{Effect, EventType, SyncTarget};
use crate::cluster::events::Event;
use crate::cluster::state::{
    ArgoPhase, ArgoRolloutState, ArgoStatus, ObjKey, RolloutRecord, RsOwnerKind,
};
use crate::controllers;
use crate::model::analysis::{AnalysisPhase, AnalysisTemplateObject};
use crate::model::objects::ApiObject;
use crate::model::rollout::{HASH_LABEL, RolloutObject};
use crate::sim::engine::Ctx;
use crate::sim::time::SimTime;

impl World {
    /// Creates or updates a Rollout (`kubectl apply`); a new template starts a new rollout.
    pub(super) fn upsert_rollout(&mut self, ctx: &mut Ctx<'_, Event>, object: RolloutObject) {
        let key = ObjKey::new(&object.meta.namespace, &object.meta.name);
        self.state.namespaces.insert(key.namespace.clone());
        let error_rate = object
            .spec
            .template
            .spec
            .containers
            .iter()
            .map(|c| self.images.get(&c.image).error_rate)
            .fold(0.0, f64::max);
        match self.state.argo_rollouts.get_mut(&key) {
            Some(existing) => {
                existing.object = object;
                existing.error_rate = error_rate;
            }
            None => {
                self.state.argo_rollouts.insert(
                    key.clone(),
                    ArgoRolloutState {
                        key: key.clone(),
                        object,
                        status: ArgoStatus::default(),
                        error_rate,
                        rollouts: Vec::new(),
                    },
                );
            }
        }
        self.enqueue_sync(ctx, SyncTarget::Rollout(key));
    }

    /// Stores an AnalysisTemplate or ClusterAnalysisTemplate; the Rollouts that may use it sync.
    pub(super) fn upsert_analysis_template(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        template: AnalysisTemplateObject,
    ) {
        let key = ObjKey::new(&template.meta.namespace, &template.meta.name);
        let users: Vec<ObjKey> = self
            .state
            .argo_rollouts
            .keys()
            .filter(|k| template.cluster_scope || k.namespace == key.namespace)
            .cloned()
            .collect();
        self.state.analysis_templates.insert(key, template);
        for rollout in users {
            if let Some(r) = self.state.argo_rollouts.get_mut(&rollout) {
                r.status.invalid_spec = false;
            }
            self.enqueue_sync(ctx, SyncTarget::Rollout(rollout));
        }
    }

    /// The effects of one sync of a Rollout.
    pub(super) fn rollout_effects(&self, key: &ObjKey, now: SimTime) -> Vec<Effect> {
        controllers::rollout::sync(&self.state, key, now)
    }

    /// Applies a Rollout effect (status, Service selector).
    pub(super) fn apply_rollout(&mut self, ctx: &mut Ctx<'_, Event>, effect: Effect) {
        let now = ctx.now();
        match effect {
            Effect::RolloutStatus { key, status } => {
                let Some(r) = self.state.argo_rollouts.get_mut(&key) else {
                    return;
                };
                if status.current_hash != r.status.current_hash {
                    if let Some(last) = r.rollouts.last_mut()
                        && last.outcome == "inProgress"
                    {
                        last.outcome = "superseded";
                        last.end = Some(now);
                    }
                    let revision = r.rollouts.len() as i64 + 1;
                    r.rollouts.push(RolloutRecord {
                        revision,
                        start: now,
                        end: None,
                        outcome: "inProgress",
                    });
                }
                if let Some(last) = r.rollouts.last_mut()
                    && last.outcome == "inProgress"
                {
                    if status.abort {
                        last.outcome = "aborted";
                        last.end = Some(now);
                    } else if status.phase == ArgoPhase::Healthy
                        && status.stable_hash == status.current_hash
                    {
                        last.outcome = "complete";
                        last.end = Some(now);
                    }
                }
                r.status = *status;
            }
            Effect::ServiceHash { key, hash } => {
                let Some(service) = self.state.services.get(&key) else {
                    return;
                };
                let mut selector = service.selector.clone().unwrap_or_default();
                if selector.get(HASH_LABEL) == Some(&hash) {
                    return;
                }
                selector.insert(HASH_LABEL.to_string(), hash);
                let mut updated = service.clone();
                updated.selector = Some(selector);
                self.apply_object(ctx, ApiObject::Service(updated));
            }
            _ => {}
        }
    }

    /// Deletes a Rollout and its ReplicaSets; false when it does not exist.
    pub(super) fn delete_rollout(&mut self, ctx: &mut Ctx<'_, Event>, key: &ObjKey) -> bool {
        if self.state.argo_rollouts.remove(key).is_none() {
            return false;
        }
        let sets: Vec<ObjKey> = self
            .state
            .replicasets_owned(key, RsOwnerKind::Rollout)
            .iter()
            .map(|rs| rs.key.clone())
            .collect();
        for rs in sets {
            self.delete_replicaset(ctx, &rs);
        }
        true
    }

    /// `kubectl argo rollouts promote`: ends the current pause (a canary moves to its next step;
    /// a blue/green rollout switches its active Service), or retries an aborted rollout.
    pub(super) fn promote_rollout(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        namespace: &str,
        name: &str,
    ) {
        let now = ctx.now();
        let key = ObjKey::new(namespace, name);
        let Some(r) = self.state.argo_rollouts.get_mut(&key) else {
            self.missing(now, &format!("rollout/{name}"), namespace);
            return;
        };
        if r.status.abort {
            // A retry: the analysis starts again with new runs.
            r.status.abort = false;
            r.status.step = 0;
            r.status.step_run = None;
            r.status.background_run = None;
            r.status.pre_run = None;
            r.status.post_run = None;
        } else if r.status.inconclusive {
            // Past an inconclusive analysis: a step's run counts as done, a background run
            // starts again, a blue/green run lets the promotion go on.
            r.status.inconclusive = false;
            let inconclusive = |run: &Option<crate::controllers::analysis::AnalysisRunState>| {
                run.as_ref()
                    .is_some_and(|run| run.phase == AnalysisPhase::Inconclusive)
            };
            if inconclusive(&r.status.step_run) {
                r.status.step_run = None;
                r.status.step += 1;
            }
            if inconclusive(&r.status.background_run) {
                r.status.background_run = None;
            }
        } else if r.status.pause_start.is_some() {
            r.status.pause_start = None;
            r.status.step += 1;
        } else {
            r.status.promote = true;
        }
        if let Some(last) = r.rollouts.last_mut()
            && last.outcome == "aborted"
        {
            last.outcome = "inProgress";
            last.end = None;
        }
        self.record(
            now,
            namespace,
            format!("rollout/{name}"),
            EventType::Normal,
            "RolloutResumed",
            "Rollout is resumed".into(),
        );
        self.enqueue_sync(ctx, SyncTarget::Rollout(key));
    }

    /// `kubectl argo rollouts abort`: back to the stable version.
    pub(super) fn abort_rollout(&mut self, ctx: &mut Ctx<'_, Event>, namespace: &str, name: &str) {
        let now = ctx.now();
        let key = ObjKey::new(namespace, name);
        let Some(r) = self.state.argo_rollouts.get_mut(&key) else {
            self.missing(now, &format!("rollout/{name}"), namespace);
            return;
        };
        if r.status.stable_hash == r.status.current_hash || r.status.abort {
            return;
        }
        r.status.abort = true;
        r.status.pause_start = None;
        if let Some(last) = r.rollouts.last_mut()
            && last.outcome == "inProgress"
        {
            last.outcome = "aborted";
            last.end = Some(now);
        }
        self.record(
            now,
            namespace,
            format!("rollout/{name}"),
            EventType::Warning,
            "RolloutAborted",
            "Rollout aborted update to revision: aborted by the user".into(),
        );
        self.enqueue_sync(ctx, SyncTarget::Rollout(key));
    }
}
