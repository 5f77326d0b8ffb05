//! The garbage collector's part in `delete` (`pkg/controller/garbagecollector`): the
//! `propagationPolicy` of a Deployment or ReplicaSet deletion. Background deletes the owner at
//! once and its dependents after; Foreground keeps the owner (`deletionTimestamp` set, its
//! controller idle) until its dependents are gone; Orphan removes the owner references and
//! leaves the dependents running.

use super::World;
use crate::cluster::effects::SyncTarget;
use crate::cluster::events::Event;
use crate::cluster::state::ObjKey;
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
