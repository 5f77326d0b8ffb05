//! The garbage collector's part in `delete` (`pkg/controller/garbagecollector`): the
//! `propagationPolicy` of a deletion, for every owner kind (Deployment → ReplicaSets → pods,
//! StatefulSet, DaemonSet and Job → pods, CronJob → Jobs → pods, Rollout → ReplicaSets → pods).
//! Background deletes the owner at once and its dependents after; Foreground keeps the owner
//! (`deletionTimestamp` set, its controller idle) until its dependents are gone; Orphan removes
//! the owner references and leaves the dependents running, for a matching ReplicaSet or
//! StatefulSet to adopt.

use super::World;
use crate::cluster::effects::SyncTarget;
use crate::cluster::events::Event;
use crate::cluster::state::{ObjKey, PodId, RsOwnerKind};
use crate::model::OwnerRef;
use crate::scenario::spec::PropagationPolicy;
use crate::sim::engine::Ctx;

impl World {
    /// Deletes Deployment `key` with `policy`; false when there is no such Deployment.
    pub(super) fn delete_deployment(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        key: &ObjKey,
        policy: PropagationPolicy,
    ) -> bool {
        if !self.state.deployments.contains_key(key) {
            return false;
        }
        let sets: Vec<ObjKey> = self
            .state
            .replicasets
            .values()
            .filter(|rs| {
                rs.key.namespace == key.namespace && rs.owner.as_deref() == Some(key.name.as_str())
            })
            .map(|rs| rs.key.clone())
            .collect();
        match policy {
            PropagationPolicy::Background => {
                self.state.deployments.remove(key);
                for rs in sets {
                    self.delete_replicaset(ctx, &rs);
                }
            }
            PropagationPolicy::Orphan => {
                self.state.deployments.remove(key);
                for rs in sets {
                    if let Some(set) = self.state.replicasets.get_mut(&rs) {
                        set.owner = None;
                    }
                    self.enqueue_sync(ctx, SyncTarget::ReplicaSet(rs));
                }
            }
            PropagationPolicy::Foreground => {
                if let Some(d) = self.state.deployments.get_mut(key) {
                    d.deleting = true;
                }
                for rs in sets {
                    self.delete_replicaset_with(ctx, &rs, PropagationPolicy::Foreground);
                }
                self.finish_foreground_deployment(key);
            }
        }
        true
    }

    /// Deletes ReplicaSet `key` with `policy`; false when there is no such ReplicaSet.
    pub(super) fn delete_replicaset_with(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        key: &ObjKey,
        policy: PropagationPolicy,
    ) -> bool {
        let Some(rs) = self.state.replicasets.get_mut(key) else {
            return false;
        };
        match policy {
            PropagationPolicy::Background => self.delete_replicaset(ctx, key),
            PropagationPolicy::Orphan => {
                let owner = rs.owner.clone();
                let pods = std::mem::take(&mut rs.pods);
                self.state.replicasets.remove(key);
                for pod in pods {
                    self.state.pods[pod.0].owner = None;
                }
                if let Some(owner) = owner {
                    self.enqueue_sync(
                        ctx,
                        SyncTarget::Deployment(ObjKey::new(&key.namespace, &owner)),
                    );
                }
            }
            PropagationPolicy::Foreground => {
                rs.deleting = true;
                let pods: Vec<_> = rs.pods.iter().copied().collect();
                for pod in pods {
                    if self.state.pods[pod.0].deletion.is_none() {
                        self.delete_pod(ctx, pod, "Deleted");
                    }
                }
                self.finish_foreground_replicaset(key);
            }
        }
        true
    }

    /// After a pod of ReplicaSet `rs` is gone: a Foreground deletion waiting for it completes.
    pub(super) fn foreground_pod_gone(&mut self, rs: &ObjKey) {
        self.finish_foreground_replicaset(rs);
    }

    /// Removes a Foreground-deleting ReplicaSet whose pods are all gone, then its owner if that
    /// was its last dependent.
    fn finish_foreground_replicaset(&mut self, key: &ObjKey) {
        let Some(rs) = self.state.replicasets.get(key) else {
            return;
        };
        if !rs.deleting || !rs.pods.is_empty() {
            return;
        }
        let owner = rs.owner.clone();
        self.state.replicasets.remove(key);
        if let Some(owner) = owner {
            self.finish_foreground_deployment(&ObjKey::new(&key.namespace, &owner));
        }
    }

    /// Removes a Foreground-deleting Deployment that has no ReplicaSet left.
    fn finish_foreground_deployment(&mut self, key: &ObjKey) {
        let deleting = self.state.deployments.get(key).is_some_and(|d| d.deleting);
        let has_sets = self.state.replicasets.values().any(|rs| {
            rs.key.namespace == key.namespace && rs.owner.as_deref() == Some(key.name.as_str())
        });
        if deleting && !has_sets {
            self.state.deployments.remove(key);
        }
    }
}

/// The owner kinds whose deletion the garbage collector cascades (besides Deployment and
/// ReplicaSet): StatefulSet, DaemonSet and Job own pods, CronJob owns Jobs, Rollout owns
/// ReplicaSets.
pub(super) const CASCADING_KINDS: [&str; 5] =
    ["statefulset", "daemonset", "job", "cronjob", "rollout"];

impl World {
    /// Whether `key` of `kind` exists.
    fn owner_exists(&self, kind: &str, key: &ObjKey) -> bool {
        match kind {
            "statefulset" => self.state.statefulsets.contains_key(key),
            "daemonset" => self.state.daemonsets.contains_key(key),
            "job" => self.state.jobs.contains_key(key),
            "cronjob" => self.state.cronjobs.contains_key(key),
            "rollout" => self.state.argo_rollouts.contains_key(key),
            _ => false,
        }
    }

    /// The live pods `kind`/`key` owns (StatefulSet, DaemonSet, Job).
    fn owned_pods(&self, kind: &str, key: &ObjKey) -> Vec<PodId> {
        let pods: Vec<PodId> = match kind {
            "statefulset" => self.state.statefulset_pods(key),
            "daemonset" => self
                .state
                .daemonsets
                .get(key)
                .map(|ds| ds.pods.iter().copied().collect())
                .unwrap_or_default(),
            "job" => self
                .state
                .jobs
                .get(key)
                .map(|j| j.pods.iter().copied().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        pods.into_iter()
            .filter(|p| self.state.pods[p.0].gone.is_none())
            .collect()
    }

    /// The dependents of `kind`/`key` that are objects: a CronJob's Jobs, a Rollout's
    /// ReplicaSets.
    fn owned_objects(&self, kind: &str, key: &ObjKey) -> Vec<ObjKey> {
        match kind {
            "cronjob" => self
                .state
                .jobs
                .values()
                .filter(|j| {
                    j.key.namespace == key.namespace && j.owner.as_deref() == Some(&key.name)
                })
                .map(|j| j.key.clone())
                .collect(),
            // Those being deleted in the foreground too (`replicasets_owned` leaves them out).
            "rollout" => self
                .state
                .replicasets
                .values()
                .filter(|rs| {
                    rs.key.namespace == key.namespace
                        && rs.owner_kind == RsOwnerKind::Rollout
                        && rs.owner.as_deref() == Some(key.name.as_str())
                })
                .map(|rs| rs.key.clone())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Deletes `kind`/`key` (one of [`CASCADING_KINDS`]) with `policy`; false when it does not
    /// exist. Background: the existing deletion (owner at once, dependents after). Foreground:
    /// the owner stays, its controller idle, until its dependents are gone. Orphan: the owner
    /// goes and its dependents lose their owner reference (a matching ReplicaSet or StatefulSet
    /// may adopt the pods later).
    pub(super) fn delete_with_policy(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        kind: &str,
        key: &ObjKey,
        policy: PropagationPolicy,
    ) -> bool {
        if !self.owner_exists(kind, key) {
            return false;
        }
        match policy {
            PropagationPolicy::Background => self.delete_at_once(ctx, kind, key),
            PropagationPolicy::Orphan => {
                for pod in self.owned_pods(kind, key) {
                    self.state.pods[pod.0].owner = None;
                }
                for dependent in self.owned_objects(kind, key) {
                    if kind == "cronjob" {
                        if let Some(job) = self.state.jobs.get_mut(&dependent) {
                            job.owner = None;
                        }
                    } else if let Some(rs) = self.state.replicasets.get_mut(&dependent) {
                        rs.owner = None;
                        self.enqueue_sync(ctx, SyncTarget::ReplicaSet(dependent));
                    }
                }
                match kind {
                    "daemonset" => {
                        if let Some(ds) = self.state.daemonsets.get_mut(key) {
                            ds.pods.clear();
                        }
                    }
                    "job" => {
                        if let Some(job) = self.state.jobs.get_mut(key) {
                            job.pods.clear();
                        }
                    }
                    _ => {}
                }
                // Nothing is left to cascade: the owner goes alone (a StatefulSet's claims lose
                // their owner reference too and stay, whatever the retention policy).
                if kind == "statefulset" {
                    self.state.statefulsets.remove(key);
                } else {
                    self.delete_at_once(ctx, kind, key);
                }
                self.adopt_orphans(ctx, &key.namespace);
            }
            PropagationPolicy::Foreground => {
                self.foreground.insert((kind.to_string(), key.clone()));
                for pod in self.owned_pods(kind, key) {
                    if self.state.pods[pod.0].deletion.is_none() {
                        self.delete_pod(ctx, pod, "Deleted");
                    }
                }
                for dependent in self.owned_objects(kind, key) {
                    if kind == "cronjob" {
                        self.delete_with_policy(ctx, "job", &dependent, policy);
                    } else {
                        self.delete_replicaset_with(ctx, &dependent, policy);
                    }
                }
                self.finish_foreground_owners(ctx);
            }
        }
        true
    }

    /// The Background deletion of each kind.
    fn delete_at_once(&mut self, ctx: &mut Ctx<'_, Event>, kind: &str, key: &ObjKey) {
        self.foreground.remove(&(kind.to_string(), key.clone()));
        match kind {
            "statefulset" => {
                self.delete_statefulset(ctx, key);
            }
            "daemonset" => {
                self.delete_daemonset(ctx, key);
            }
            "job" => self.delete_job(ctx, key),
            "cronjob" => {
                self.delete_cronjob(ctx, key);
            }
            _ => {
                self.delete_rollout(ctx, key);
            }
        }
    }

    /// Whether the controller of `target` is idle because its object is being deleted in the
    /// foreground (`deletionTimestamp` set).
    pub(super) fn foreground_deleting(&self, target: &SyncTarget) -> bool {
        let (kind, key) = match target {
            SyncTarget::StatefulSet(k) => ("statefulset", k),
            SyncTarget::DaemonSet(k) => ("daemonset", k),
            SyncTarget::Job(k) => ("job", k),
            SyncTarget::CronJob(k) => ("cronjob", k),
            SyncTarget::Rollout(k) => ("rollout", k),
            _ => return false,
        };
        self.foreground.contains(&(kind.to_string(), key.clone()))
    }

    /// Removes the Foreground-deleting owners whose dependents are all gone (a Job first, then
    /// the CronJob it kept).
    pub(super) fn finish_foreground_owners(&mut self, ctx: &mut Ctx<'_, Event>) {
        loop {
            let done: Vec<(String, ObjKey)> = self
                .foreground
                .iter()
                .filter(|(kind, key)| {
                    self.owned_pods(kind, key).is_empty()
                        && self.owned_objects(kind, key).is_empty()
                })
                .cloned()
                .collect();
            if done.is_empty() {
                return;
            }
            for (kind, key) in done {
                self.delete_at_once(ctx, &kind, &key);
            }
        }
    }

    /// Upstream's adoption (`ClaimPods`): a ReplicaSet or StatefulSet of `namespace` that is not
    /// being deleted takes the live pods without a controller that its selector matches (a
    /// StatefulSet only `<name>-<ordinal>` pods).
    pub(super) fn adopt_orphans(&mut self, ctx: &mut Ctx<'_, Event>, namespace: &str) {
        let orphans: Vec<PodId> = self
            .state
            .pod_index
            .range(ObjKey::new(namespace, "")..)
            .take_while(|(k, _)| k.namespace == namespace)
            .map(|(_, id)| *id)
            .filter(|id| {
                let p = &self.state.pods[id.0];
                p.owner.is_none() && p.deletion.is_none() && p.gone.is_none()
            })
            .collect();
        for pod in orphans {
            let p = &self.state.pods[pod.0];
            let rs = self
                .state
                .replicasets
                .values()
                .find(|rs| {
                    rs.key.namespace == namespace
                        && !rs.deleting
                        && !rs.spec.selector.is_empty()
                        && rs.spec.selector.matches(&p.labels)
                })
                .map(|rs| rs.key.clone());
            let set = self
                .state
                .statefulsets
                .values()
                .find(|set| {
                    set.key.namespace == namespace
                        && !self
                            .foreground
                            .contains(&("statefulset".to_string(), set.key.clone()))
                        && !set.spec.selector.is_empty()
                        && set.spec.selector.matches(&p.labels)
                        && p.name
                            .strip_prefix(&format!("{}-", set.key.name))
                            .is_some_and(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()))
                })
                .map(|set| set.key.clone());
            if let Some(rs) = rs {
                self.state.pods[pod.0].owner = Some(OwnerRef {
                    kind: "replicaset".into(),
                    name: rs.name.clone(),
                });
                if let Some(set) = self.state.replicasets.get_mut(&rs) {
                    set.pods.insert(pod);
                }
                self.enqueue_sync(ctx, SyncTarget::ReplicaSet(rs));
            } else if let Some(set) = set {
                self.state.pods[pod.0].owner = Some(OwnerRef {
                    kind: "statefulset".into(),
                    name: set.name.clone(),
                });
                self.enqueue_sync(ctx, SyncTarget::StatefulSet(set));
            }
        }
    }
}
