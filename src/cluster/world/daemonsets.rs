//! The world's side of the DaemonSet controller: DaemonSets created, changed (`apply`, `patch`,
//! `setImage`) and deleted, their pods created, their status and rollouts recorded.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::World;
use crate::cluster::effects::{Effect, EventType, SyncTarget};
use crate::cluster::events::Event;
use crate::cluster::state::{DsState, DsStatus, ObjKey, RolloutRecord};
use crate::controllers::daemonset::{daemon_pod_labels, daemon_pod_spec, revision_hash};
use crate::model::meta::{ObjectMeta, OwnerRef};
use crate::model::objects::DaemonSetObject;
use crate::sim::engine::Ctx;
use crate::sim::time::SimTime;

/// First retry delay of a failed sync (`workqueue.DefaultControllerRateLimiter`: 5 ms).
const RETRY_BASE_NS: u64 = 5_000_000;
/// Longest retry delay (1,000 s).
const RETRY_MAX_NS: u64 = 1_000 * 1_000_000_000;

impl World {
    /// Creates or updates a DaemonSet (`kubectl apply`). A template change bumps the template
    /// generation and the revision and starts a rollout; the selector is immutable.
    pub(super) fn upsert_daemonset(&mut self, ctx: &mut Ctx<'_, Event>, d: DaemonSetObject) {
        let now = ctx.now();
        let key = ObjKey::new(&d.meta.namespace, &d.meta.name);
        self.state.namespaces.insert(key.namespace.clone());
        let hash = revision_hash(&d.spec.template);
        let canonical = d.spec.template.canonical.clone();
        match self.state.daemonsets.get_mut(&key) {
            Some(existing) => {
                if existing.spec.selector != d.spec.selector {
                    let selector = d
                        .source
                        .pointer("/spec/selector")
                        .map_or_else(|| "null".to_string(), serde_json::Value::to_string);
                    self.notes.push(format!(
                        "Warning: at {now} the change to daemonset/{} was rejected: The DaemonSet \"{}\" is invalid: spec.selector: Invalid value: {selector}: field is immutable",
                        key.name, key.name
                    ));
                    return;
                }
                if existing.spec != d.spec {
                    existing.generation += 1;
                }
                if existing.spec.template.canonical != d.spec.template.canonical {
                    existing.template_generation = existing.generation;
                    existing.revision += 1;
                    existing.hash = hash;
                    // Upstream keeps one ControllerRevision per template: going back to an old
                    // template renumbers its revision.
                    existing.history.retain(|_, t| *t != canonical);
                    existing.history.insert(existing.revision, canonical);
                    if let Some(last) = existing.rollouts.last_mut()
                        && last.outcome == "inProgress"
                    {
                        last.outcome = "superseded";
                        last.end = Some(now);
                    }
                    existing.rollouts.push(RolloutRecord {
                        revision: existing.revision,
                        start: now,
                        end: None,
                        outcome: "inProgress",
                    });
                }
                existing.spec = d.spec;
                existing.source = d.source;
                existing.labels = d.meta.labels;
            }
            None => {
                self.state.daemonsets.insert(
                    key.clone(),
                    DsState {
                        key: key.clone(),
                        labels: d.meta.labels,
                        spec: d.spec,
                        source: d.source,
                        generation: 1,
                        template_generation: 1,
                        hash,
                        revision: 1,
                        created: now,
                        status: DsStatus::default(),
                        rollouts: vec![RolloutRecord {
                            revision: 1,
                            start: now,
                            end: None,
                            outcome: "inProgress",
                        }],
                        pods: BTreeSet::new(),
                        create_failures: 0,
                        history: [(1, canonical)].into_iter().collect(),
                    },
                );
            }
        }
        self.enqueue_sync(ctx, SyncTarget::DaemonSet(key));
    }

    /// Creates the daemon pods of `key` on `nodes`, in slow-start batches (1, 2, 4, …) as
    /// upstream's `syncNodes`: a batch with a failure ends the creations. Admission is the same
    /// for every pod of a template, so only the first pod can fail, and one `FailedCreate` is
    /// recorded. The failed sync is retried with the work queue's per-item back-off (5 ms
    /// doubling to 1,000 s).
    pub(super) fn create_daemon_pods(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        key: ObjKey,
        nodes: Vec<String>,
    ) {
        let now = ctx.now();
        let Some(ds) = self.state.daemonsets.get(&key) else {
            return;
        };
        let labels = daemon_pod_labels(ds);
        let annotations = ds.spec.template.annotations.clone();
        let specs: Vec<_> = nodes
            .iter()
            .map(|node| Arc::new(daemon_pod_spec(ds, node)))
            .collect();
        let object = format!("daemonset/{}", key.name);
        for spec in specs {
            let name = loop {
                let candidate = format!("{}-{}", key.name, self.names_rng.name_suffix(5));
                if !self
                    .state
                    .pod_index
                    .contains_key(&ObjKey::new(&key.namespace, &candidate))
                {
                    break candidate;
                }
            };
            let spec = match self.admit(&key.namespace, &spec) {
                Ok(spec) => spec,
                Err(reason) => {
                    self.record(
                        now,
                        &key.namespace,
                        object,
                        EventType::Warning,
                        "FailedCreate",
                        format!("Error creating: pods \"{name}\" is forbidden: {reason}"),
                    );
                    let failures = self.state.daemonsets.get_mut(&key).map_or(1, |ds| {
                        ds.create_failures = ds.create_failures.saturating_add(1);
                        ds.create_failures
                    });
                    let delay_ns = (RETRY_BASE_NS << (failures - 1).min(40)).min(RETRY_MAX_NS);
                    self.apply(
                        ctx,
                        Effect::Requeue {
                            target: SyncTarget::DaemonSet(key),
                            at: now.plus_nanos(delay_ns),
                        },
                    );
                    return;
                }
            };
            let meta = ObjectMeta {
                namespace: key.namespace.clone(),
                name: name.clone(),
                labels: labels.clone(),
                annotations: annotations.clone(),
            };
            let owner = OwnerRef {
                kind: "daemonset".into(),
                name: key.name.clone(),
            };
            if let Some(ds) = self.state.daemonsets.get_mut(&key) {
                ds.create_failures = 0;
            }
            self.create_pod(ctx, meta, spec, Some(owner));
            self.record(
                now,
                &key.namespace,
                object.clone(),
                EventType::Normal,
                "SuccessfulCreate",
                format!("Created pod: {name}"),
            );
        }
    }

    /// Writes a DaemonSet's status; the current rollout completes when every node that should
    /// run the pod runs an updated, available one (`kubectl rollout status`).
    pub(super) fn set_daemonset_status(&mut self, key: &ObjKey, status: DsStatus, now: SimTime) {
        let Some(ds) = self.state.daemonsets.get_mut(key) else {
            return;
        };
        ds.status = status;
        let done = status.observed_generation == ds.generation
            && status.updated == status.desired
            && status.available == status.desired;
        if done
            && let Some(last) = ds.rollouts.last_mut()
            && last.outcome == "inProgress"
        {
            last.outcome = "complete";
            last.end = Some(now);
        }
    }

    /// Deletes a DaemonSet and, by garbage collection, its pods. False when it does not exist.
    pub(super) fn delete_daemonset(&mut self, ctx: &mut Ctx<'_, Event>, key: &ObjKey) -> bool {
        let Some(ds) = self.state.daemonsets.remove(key) else {
            return false;
        };
        for pod in ds.pods {
            self.delete_pod(ctx, pod, "Deleted");
        }
        true
    }

    /// Every DaemonSet looks again (a node was added).
    pub(super) fn sync_daemonsets(&mut self, ctx: &mut Ctx<'_, Event>) {
        let keys: Vec<ObjKey> = self.state.daemonsets.keys().cloned().collect();
        for key in keys {
            self.enqueue_sync(ctx, SyncTarget::DaemonSet(key));
        }
    }
}
