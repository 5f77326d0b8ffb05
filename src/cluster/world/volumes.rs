//! Volumes over time: the simulated provisioner (`spec.storage.*.provision`), the attach/detach
//! controller for network (CSI) volumes, the kubelet waiting for its pods' volumes, and the
//! bookkeeping of whose data was lost.
//!
//! The attach/detach controller (`pkg/controller/volume/attachdetach`) is event-driven here:
//! its reconciler runs whenever a pod, node or attachment changes. A volume is attached to a
//! node while a scheduled pod there uses it; a ReadWriteOnce volume attached elsewhere blocks
//! the attach (`FailedAttachVolume`, Multi-Attach error, reported once per volume and node).
//! A volume no pod on its node uses any more is detached at once when the node's kubelet is
//! connected (it unmounted), or when the node has the `node.kubernetes.io/out-of-service` taint;
//! otherwise (crashed, partitioned or deleted node) only once `maxWaitForUnmountDuration`
//! (6 min) has passed since the detach was first requested — the reconciler checks
//! `elapsed > 6 min` every 100 ms, so the forced detach starts 6 min 100 ms after the request.
//!
//! Data: an `emptyDir` is gone when its pod is deleted; `hostPath` data and local
//! PersistentVolumes stay with their node and are gone when the node is deleted; network
//! volumes survive node loss.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::World;
use crate::cluster::effects::EventType;
use crate::cluster::events::{Event, phase};
use crate::cluster::state::{NodeId, PodId};
use crate::kubelet;
use crate::model::pod::DataVolumeKind;
use crate::scheduler::queue::ClusterEvent;
use crate::sim::engine::Ctx;
use crate::sim::time::{NANOS_PER_SEC, SimTime};

/// `maxWaitForUnmountDuration` of the attach/detach reconciler: how long a volume still mounted
/// on an unreachable node waits before it is force-detached.
pub const MAX_WAIT_FOR_UNMOUNT_NS: u64 = 6 * 60 * NANOS_PER_SEC;
/// `reconcilerLoopPeriod` of the attach/detach controller.
pub const RECONCILER_LOOP_PERIOD_NS: u64 = 100_000_000;
/// The taint of non-graceful node shutdown: volumes of such a node detach at once.
pub const TAINT_NODE_OUT_OF_SERVICE: &str = "node.kubernetes.io/out-of-service";

/// Phase of one attachment of a volume to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachPhase {
    /// The attach operation runs.
    Attaching,
    /// Attached: pods on the node can mount it.
    Attached,
    /// The detach operation runs.
    Detaching,
}

/// One volume attached (or being attached or detached) to one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its phase.
    pub phase: AttachPhase,
    /// When the detach was first requested (no pod on the node uses the volume any more).
    pub detach_requested: Option<SimTime>,
    /// Bumped at every phase change (stale timers carry an older one).
    pub epoch: u32,
}

/// What happened to the data of one claim (or of one pod's `emptyDir`/`hostPath` volumes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataRecord {
    /// The PersistentVolume provisioned for it (claims with a dynamically provisioned volume).
    pub volume: Option<String>,
    /// When its volume was provisioned (dynamic provisioning only).
    pub provisioned: Option<SimTime>,
    /// Completed attaches of its volume to a node.
    pub attach_count: u32,
    /// Completed detaches (forced ones included).
    pub detach_count: u32,
    /// Of those, detaches forced after `maxWaitForUnmountDuration`.
    pub forced_detach_count: u32,
    /// When the data was lost, if it was.
    pub lost: Option<SimTime>,
    /// Why: `pod deleted` (emptyDir), `node deleted` (local volume, hostPath).
    pub lost_reason: Option<&'static str>,
}

/// The world's volume bookkeeping.
#[derive(Debug, Default)]
pub struct VolumeState {
    /// The attach/detach controller's actual state of the world, by (volume, node).
    pub attachments: BTreeMap<(String, NodeId), Attachment>,
    /// (volume, node) pairs whose Multi-Attach error was reported.
    multi_attach_reported: BTreeSet<(String, NodeId)>,
    /// Live pods that mount at least one claim (the controller's pod informer).
    claim_pods: BTreeSet<PodId>,
    /// Pods bound to a node whose kubelet waits for their volumes to be attached.
    waiting: BTreeSet<PodId>,
    /// Claims a WaitForFirstConsumer pod waits on while their volumes are provisioned.
    pre_bind_provisioning: BTreeMap<PodId, Vec<(String, String)>>,
    /// Per claim `(namespace, name)`: its data.
    pub claims: BTreeMap<(String, String), DataRecord>,
    /// Per pod `(namespace, name)` with `emptyDir` or `hostPath` volumes: its data.
    pub pods: BTreeMap<(String, String), DataRecord>,
}

impl World {
    /// A pod that mounts claims was created: the attach/detach controller watches it.
    pub(super) fn watch_pod_volumes(&mut self, pod: PodId) {
        let p = &self.state.pods[pod.0];
        if !p.spec.claims.is_empty() {
            self.volumes.claim_pods.insert(pod);
        }
        if !p.spec.data_volumes.is_empty() {
            self.volumes
                .pods
                .entry((p.namespace.clone(), p.name.clone()))
                .or_default();
        }
    }

    /// The network volumes of `pod`'s bound claims, by PersistentVolume name.
    fn attachable_volumes(&self, pod: PodId) -> Vec<String> {
        let p = &self.state.pods[pod.0];
        let storage = &self.state.storage;
        p.spec
            .claims
            .iter()
            .filter_map(|c| storage.claim(&p.namespace, c))
            .filter(|c| c.bound)
            .filter_map(|c| c.volume_name.as_ref())
            .filter(|v| storage.volumes.get(*v).is_some_and(|pv| pv.attachable()))
            .cloned()
            .collect()
    }

    /// Whether every network volume of `pod` is attached to `node`.
    fn volumes_attached(&self, pod: PodId, node: NodeId) -> bool {
        self.attachable_volumes(pod).into_iter().all(|v| {
            self.volumes
                .attachments
                .get(&(v, node))
                .is_some_and(|a| a.phase == AttachPhase::Attached)
        })
    }

    /// The kubelet of `node` (connected) takes up the pod bound to it: it starts the
    /// containers once the pod's volumes are attached, else waits for them.
    pub(super) fn kubelet_start_pod(&mut self, ctx: &mut Ctx<'_, Event>, pod: PodId, node: NodeId) {
        if !self.volumes_attached(pod, node) {
            self.volumes.waiting.insert(pod);
            return;
        }
        self.volumes.waiting.remove(&pod);
        let out = {
            let (pods, nodes) = (&mut self.state.pods, &mut self.state.nodes);
            kubelet::on_bound(
                &mut pods[pod.0],
                &mut nodes[node.0],
                &self.images,
                &mut self.kubelet_rng,
            )
        };
        self.apply_kubelet(ctx, pod, out);
    }

    /// Draws a storage time of `class` with the storage stream.
    fn storage_time_ns(
        &mut self,
        class: &str,
        pick: fn(&crate::model::storage::StorageTiming) -> crate::model::behavior::DurationDist,
    ) -> u64 {
        let dist = pick(self.storage_timing.get(class));
        kubelet::sample(&dist, &mut self.storage_rng)
    }

    /// The attach/detach controller's reconciler: detaches what no pod needs, attaches what
    /// scheduled pods need, and lets the kubelets start pods whose volumes are ready.
    pub(super) fn reconcile_volumes(&mut self, ctx: &mut Ctx<'_, Event>) {
        if self.volumes.claim_pods.is_empty() && self.volumes.attachments.is_empty() {
            return;
        }
        let now = ctx.now();
        // Desired state of the world: (volume, node) → pods scheduled there that use it.
        let mut desired: BTreeMap<(String, NodeId), Vec<PodId>> = BTreeMap::new();
        let pods: Vec<PodId> = self.volumes.claim_pods.iter().copied().collect();
        for pod in pods {
            let p = &self.state.pods[pod.0];
            if p.gone.is_some() {
                self.volumes.claim_pods.remove(&pod);
                self.volumes.waiting.remove(&pod);
                continue;
            }
            let Some(node) = p.node.filter(|_| p.scheduled.is_some()) else {
                continue;
            };
            if !self.state.nodes[node.0].exists {
                continue;
            }
            for volume in self.attachable_volumes(pod) {
                desired.entry((volume, node)).or_default().push(pod);
            }
        }
        // Detach.
        let keys: Vec<(String, NodeId)> = self.volumes.attachments.keys().cloned().collect();
        for key in keys {
            let node = key.1;
            let exists = self.state.nodes[node.0].exists;
            let unmounted = exists && self.kubelet_connected(node);
            let out_of_service = exists
                && self.state.nodes[node.0]
                    .node
                    .taints
                    .iter()
                    .any(|t| t.key == TAINT_NODE_OUT_OF_SERVICE);
            let Some(a) = self.volumes.attachments.get_mut(&key) else {
                continue;
            };
            if desired.contains_key(&key) {
                a.detach_requested = None;
                continue;
            }
            if a.phase != AttachPhase::Attached {
                continue;
            }
            let requested = *a.detach_requested.get_or_insert(now);
            let deadline = requested + MAX_WAIT_FOR_UNMOUNT_NS + RECONCILER_LOOP_PERIOD_NS;
            let forced = !unmounted && !out_of_service;
            if forced && now < deadline {
                if requested == now {
                    let epoch = a.epoch;
                    ctx.schedule_at(
                        deadline,
                        phase::CONTROLLER,
                        Event::AttachDetach {
                            volume: key.0.clone(),
                            node,
                            epoch,
                        },
                    );
                }
                continue;
            }
            a.phase = AttachPhase::Detaching;
            a.epoch += 1;
            let epoch = a.epoch;
            if forced {
                let claim = self.claim_of_volume(&key.0);
                if let Some(record) = claim.and_then(|c| self.volumes.claims.get_mut(&c)) {
                    record.forced_detach_count += 1;
                }
                self.notes.push(format!(
                    "Info: at {} ms the attach/detach controller force-detaches volume \"{}\" from node \"{}\" (detach requested at {} ms; maxWaitForUnmountDuration 6m0s expired)",
                    now.as_millis(),
                    key.0,
                    self.state.nodes[node.0].node.name,
                    requested.as_millis()
                ));
            }
            let class = self.volume_class(&key.0);
            let delay = self.storage_time_ns(&class, |t| t.detach);
            ctx.schedule_in(
                delay,
                phase::CONTROLLER,
                Event::AttachDetach {
                    volume: key.0,
                    node,
                    epoch,
                },
            );
        }
        // Attach.
        self.volumes
            .multi_attach_reported
            .retain(|k| desired.contains_key(k));
        for (key, pods) in &desired {
            if self.volumes.attachments.contains_key(key) {
                continue;
            }
            let exclusive = self
                .state
                .storage
                .volumes
                .get(&key.0)
                .is_some_and(|pv| !pv.multi_attach_allowed());
            let elsewhere = self
                .volumes
                .attachments
                .keys()
                .any(|(v, n)| *v == key.0 && *n != key.1);
            if exclusive && elsewhere {
                if self.volumes.multi_attach_reported.insert(key.clone()) {
                    for &pod in pods {
                        let p = &self.state.pods[pod.0];
                        let (ns, name) = (p.namespace.clone(), p.name.clone());
                        self.record(
                            now,
                            &ns,
                            format!("pod/{name}"),
                            EventType::Warning,
                            "FailedAttachVolume",
                            format!(
                                "Multi-Attach error for volume \"{}\" Volume is already exclusively attached to one node and can't be attached to another",
                                key.0
                            ),
                        );
                    }
                }
                continue;
            }
            let class = self.volume_class(&key.0);
            let delay = self.storage_time_ns(&class, |t| t.attach);
            self.volumes.attachments.insert(
                key.clone(),
                Attachment {
                    phase: AttachPhase::Attaching,
                    detach_requested: None,
                    epoch: 0,
                },
            );
            if delay == 0 {
                self.attach_done(now, key, pods);
            } else {
                ctx.schedule_in(
                    delay,
                    phase::CONTROLLER,
                    Event::AttachDetach {
                        volume: key.0.clone(),
                        node: key.1,
                        epoch: 0,
                    },
                );
            }
        }
        self.start_waiting_pods(ctx);
    }

    /// The attach of `key` finished: `SuccessfulAttachVolume` on the pods scheduled there.
    fn attach_done(&mut self, now: SimTime, key: &(String, NodeId), pods: &[PodId]) {
        if let Some(a) = self.volumes.attachments.get_mut(key) {
            a.phase = AttachPhase::Attached;
            a.epoch += 1;
        }
        if let Some(claim) = self.claim_of_volume(&key.0) {
            self.volumes.claims.entry(claim).or_default().attach_count += 1;
        }
        for &pod in pods {
            let p = &self.state.pods[pod.0];
            let (ns, name) = (p.namespace.clone(), p.name.clone());
            self.record(
                now,
                &ns,
                format!("pod/{name}"),
                EventType::Normal,
                "SuccessfulAttachVolume",
                format!("AttachVolume.Attach succeeded for volume \"{}\"", key.0),
            );
        }
    }

    /// Pods waiting for their volumes whose volumes are now attached start (when their
    /// kubelet is connected).
    fn start_waiting_pods(&mut self, ctx: &mut Ctx<'_, Event>) {
        let waiting: Vec<PodId> = self.volumes.waiting.iter().copied().collect();
        for pod in waiting {
            let p = &self.state.pods[pod.0];
            if p.gone.is_some() || p.deletion.is_some() {
                self.volumes.waiting.remove(&pod);
                continue;
            }
            let Some(node) = p.node else { continue };
            if self.kubelet_connected(node) && self.volumes_attached(pod, node) {
                self.kubelet_start_pod(ctx, pod, node);
            }
        }
    }

    /// An attach or detach operation finished, or a forced-detach deadline came.
    pub(super) fn attach_detach_timer(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        volume: String,
        node: NodeId,
        epoch: u32,
    ) {
        let now = ctx.now();
        let key = (volume, node);
        let Some(a) = self.volumes.attachments.get(&key) else {
            return;
        };
        if a.epoch == epoch {
            match a.phase {
                AttachPhase::Attaching => {
                    let pods: Vec<PodId> = self
                        .volumes
                        .claim_pods
                        .iter()
                        .copied()
                        .filter(|&p| {
                            let pod = &self.state.pods[p.0];
                            pod.gone.is_none()
                                && pod.node == Some(node)
                                && pod.scheduled.is_some()
                                && self.attachable_volumes(p).contains(&key.0)
                        })
                        .collect();
                    self.attach_done(now, &key, &pods);
                }
                AttachPhase::Detaching => {
                    self.volumes.attachments.remove(&key);
                    if let Some(claim) = self.claim_of_volume(&key.0) {
                        self.volumes.claims.entry(claim).or_default().detach_count += 1;
                    }
                }
                AttachPhase::Attached => {}
            }
        }
        self.reconcile_volumes(ctx);
    }

    /// The claim a volume is bound to, as `(namespace, name)`.
    fn claim_of_volume(&self, volume: &str) -> Option<(String, String)> {
        self.state
            .storage
            .volumes
            .get(volume)
            .and_then(|pv| pv.claim_ref.clone())
    }

    /// The StorageClass name of a volume (empty: none or unknown).
    fn volume_class(&self, volume: &str) -> String {
        self.state
            .storage
            .volumes
            .get(volume)
            .map(|pv| pv.storage_class.clone())
            .unwrap_or_default()
    }

    /// Starts provisioning every Immediate claim that needs a new volume: `Provisioning` now,
    /// the volume after the class's provisioning time.
    pub(super) fn provision_immediate_claims(&mut self, ctx: &mut Ctx<'_, Event>) {
        for (namespace, claim) in self.state.storage.claims_to_provision() {
            self.start_provisioning(ctx, &namespace, &claim);
            let class = self
                .state
                .storage
                .claim(&namespace, &claim)
                .map(|c| c.class_name().to_string())
                .unwrap_or_default();
            let delay = self.storage_time_ns(&class, |t| t.provision);
            if delay == 0 {
                self.finish_immediate_provisioning(ctx, namespace, claim);
            } else {
                ctx.schedule_in(
                    delay,
                    phase::CONTROLLER,
                    Event::Provisioned { namespace, claim },
                );
            }
        }
    }

    /// The provisioner takes up a claim: `Provisioning` on it.
    fn start_provisioning(&mut self, ctx: &mut Ctx<'_, Event>, namespace: &str, claim: &str) {
        Arc::make_mut(&mut self.state.storage)
            .provisioning
            .insert((namespace.to_string(), claim.to_string()));
        self.record(
            ctx.now(),
            namespace,
            format!("persistentvolumeclaim/{claim}"),
            EventType::Normal,
            "Provisioning",
            format!(
                "External provisioner is provisioning volume for claim \"{namespace}/{claim}\""
            ),
        );
    }

    /// The volume of an Immediate claim exists: it is bound, pods waiting for it may schedule.
    pub(super) fn finish_immediate_provisioning(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        namespace: String,
        claim: String,
    ) {
        let storage = Arc::make_mut(&mut self.state.storage);
        storage
            .provisioning
            .remove(&(namespace.clone(), claim.clone()));
        let Some(topology) = storage
            .claim(&namespace, &claim)
            .filter(|c| !c.bound)
            .and_then(|c| storage.class_of(c))
            .map(|c| c.allowed_topologies.clone())
        else {
            return;
        };
        match storage.provision(&namespace, &claim, topology, BTreeMap::new()) {
            Ok(volume) => {
                self.provisioned(ctx.now(), &namespace, &claim, &volume);
                self.cluster_event(ctx, ClusterEvent::VolumeAdd);
            }
            Err(error) => self.notes.push(format!("Warning: {error}")),
        }
    }

    /// `ProvisioningSucceeded` on a claim whose volume was created and bound.
    pub(super) fn provisioned(&mut self, now: SimTime, namespace: &str, claim: &str, volume: &str) {
        let record = self
            .volumes
            .claims
            .entry((namespace.to_string(), claim.to_string()))
            .or_default();
        record.provisioned = Some(now);
        record.volume = Some(volume.to_string());
        self.notes.push(format!(
            "Info: PersistentVolumeClaim {namespace}/{claim} bound to PersistentVolume {volume}"
        ));
        self.record(
            now,
            namespace,
            format!("persistentvolumeclaim/{claim}"),
            EventType::Normal,
            "ProvisioningSucceeded",
            format!("Successfully provisioned volume {volume}"),
        );
    }

    /// The scheduler chose `node` for `pod`: the WaitForFirstConsumer claims its PreBind will
    /// provision start now; returns how long the binding waits for them (the longest
    /// provisioning time; 0 when none).
    pub(super) fn pre_bind_provisioning_ns(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        pod: PodId,
        node: NodeId,
    ) -> u64 {
        let p = &self.state.pods[pod.0];
        let storage = &self.state.storage;
        let node_obj = &self.state.nodes[node.0].node;
        let claims: Vec<(String, String)> = p
            .spec
            .claims
            .iter()
            .filter_map(|c| storage.claim(&p.namespace, c))
            .filter(|c| {
                !c.bound
                    && c.volume_name.is_none()
                    && storage.binding_mode(c)
                        == Ok(crate::model::storage::VolumeBindingMode::WaitForFirstConsumer)
                    && storage
                        .class_of(c)
                        .is_some_and(|k| k.provisioner != crate::model::storage::NO_PROVISIONER)
                    && storage.matching_volume(c, Some(node_obj), &[]).is_none()
                    && !storage
                        .provisioning
                        .contains(&(c.namespace.clone(), c.name.clone()))
            })
            .map(|c| (c.namespace.clone(), c.name.clone()))
            .collect();
        let mut wait = 0;
        for (namespace, claim) in &claims {
            self.start_provisioning(ctx, namespace, claim);
            let class = self
                .state
                .storage
                .claim(namespace, claim)
                .map(|c| c.class_name().to_string())
                .unwrap_or_default();
            wait = wait.max(self.storage_time_ns(&class, |t| t.provision));
        }
        if !claims.is_empty() {
            self.volumes.pre_bind_provisioning.insert(pod, claims);
        }
        wait
    }

    /// The binding cycle of `pod` ran (or was dropped): its claims are no longer being
    /// provisioned; those now bound get `ProvisioningSucceeded`.
    pub(super) fn pre_bind_done(&mut self, now: SimTime, pod: PodId) {
        let Some(claims) = self.volumes.pre_bind_provisioning.remove(&pod) else {
            return;
        };
        for (namespace, claim) in claims {
            let storage = Arc::make_mut(&mut self.state.storage);
            storage
                .provisioning
                .remove(&(namespace.clone(), claim.clone()));
            let volume = storage
                .claim(&namespace, &claim)
                .filter(|c| c.bound)
                .and_then(|c| c.volume_name.clone());
            if let Some(volume) = volume {
                self.provisioned(now, &namespace, &claim, &volume);
            }
        }
    }

    /// A pod object is gone: its `emptyDir` data goes with it.
    pub(super) fn pod_data_gone(&mut self, now: SimTime, pod: PodId) {
        let p = &self.state.pods[pod.0];
        if p.spec
            .data_volumes
            .iter()
            .any(|v| v.kind == DataVolumeKind::EmptyDir)
            && let Some(record) = self
                .volumes
                .pods
                .get_mut(&(p.namespace.clone(), p.name.clone()))
            && record.lost.is_none()
        {
            record.lost = Some(now);
            record.lost_reason = Some("pod deleted");
        }
    }

    /// A node is deleted: the local volumes pinned to it and the `hostPath` data of its pods
    /// are gone (the PersistentVolume objects stay).
    pub(super) fn node_data_gone(&mut self, now: SimTime, node: NodeId) {
        let n = self.state.nodes[node.0].node.clone();
        let lost_claims: Vec<(String, String)> = self
            .state
            .storage
            .volumes
            .values()
            .filter(|pv| pv.node_bound() && pv.reachable_from(&n))
            .filter_map(|pv| pv.claim_ref.clone())
            .collect();
        for claim in lost_claims {
            let record = self.volumes.claims.entry(claim.clone()).or_default();
            if record.lost.is_none() {
                record.lost = Some(now);
                record.lost_reason = Some("node deleted");
            }
        }
        let pods: Vec<PodId> = self.state.nodes[node.0].pods.iter().copied().collect();
        for pod in pods {
            let p = &self.state.pods[pod.0];
            if p.spec
                .data_volumes
                .iter()
                .any(|v| v.kind == DataVolumeKind::HostPath)
                && let Some(record) = self
                    .volumes
                    .pods
                    .get_mut(&(p.namespace.clone(), p.name.clone()))
                && record.lost.is_none()
            {
                record.lost = Some(now);
                record.lost_reason = Some("node deleted");
            }
        }
    }
}
