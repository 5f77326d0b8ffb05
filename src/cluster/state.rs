//! The cluster's stores: what the API server would hold, plus each node's kubelet view. Read by
//! controllers, the scheduler and the metrics recorder; written only by the world when it applies
//! effects.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::model::meta::OwnerRef;
use crate::model::node::Node;
use crate::model::pod::PodSpec;
use crate::model::service::Service;
use crate::model::storage::Storage;
use crate::model::workloads::{DeploymentSpec, ReplicaSetSpec};
use crate::sim::time::SimTime;

/// `(namespace, name)` of a namespaced object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjKey {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjKey {
    /// A key.
    pub fn new(namespace: &str, name: &str) -> Self {
        ObjKey {
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
}

/// Dense index of a pod in [`ClusterState::pods`] (pods are never removed from the vector, so
/// every pod ever created stays for `pods.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodId(pub usize);

/// Dense index of a node in [`ClusterState::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub usize);

/// Pod phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PodPhase {
    /// Accepted, not all containers running.
    Pending,
    /// Bound and at least one container started.
    Running,
    /// All containers exited 0 and will not restart.
    Succeeded,
    /// Some container failed and will not restart.
    Failed,
}

impl PodPhase {
    /// API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PodPhase::Pending => "Pending",
            PodPhase::Running => "Running",
            PodPhase::Succeeded => "Succeeded",
            PodPhase::Failed => "Failed",
        }
    }
}

/// Where the kubelet is with a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KubeletPhase {
    /// Not bound yet.
    Unbound,
    /// Pulling the image of container `index` (init containers first, then app containers).
    Pulling(usize),
    /// Waiting for the image pull back-off of container `index`.
    PullBackOff(usize),
    /// Creating/starting container `index`.
    Starting(usize),
    /// Init container `index` running to completion.
    RunningInit(usize),
    /// All app containers started.
    Running,
    /// Waiting in crash-loop back-off before restarting.
    CrashBackOff,
    /// Graceful termination in progress.
    Stopping,
    /// Containers exited; pod finished.
    Finished,
}

/// A pod and everything the simulation tracks about it.
#[derive(Debug, Clone)]
pub struct PodState {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Unique id in creation order (the deletion ranking's tie-break).
    pub uid: u64,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// `controller.kubernetes.io/pod-deletion-cost`.
    pub deletion_cost: i64,
    /// Controller owner.
    pub owner: Option<OwnerRef>,
    /// Spec (shared with the template).
    pub spec: Arc<PodSpec>,
    /// Creation time.
    pub created: SimTime,
    /// Bound node.
    pub node: Option<NodeId>,
    /// Binding time.
    pub scheduled: Option<SimTime>,
    /// First time all app containers were running.
    pub started: Option<SimTime>,
    /// Ready condition.
    pub ready: bool,
    /// Last transition of Ready to true (`None`: not ready).
    pub ready_since: Option<SimTime>,
    /// First time it became ready.
    pub first_ready: Option<SimTime>,
    /// Phase.
    pub phase: PodPhase,
    /// `deletionTimestamp`.
    pub deletion: Option<SimTime>,
    /// When the object disappeared from the API.
    pub gone: Option<SimTime>,
    /// Why it ended (`Deleted`, `Evicted`, `Completed`, …).
    pub end_reason: Option<String>,
    /// Total container restarts.
    pub restarts: i64,
    /// Kubelet progress.
    pub kubelet: KubeletPhase,
    /// Consecutive image pull failures (for the pull back-off).
    pub pull_failures: u32,
    /// Last crash-loop back-off delay and when the last failure happened.
    pub crash_backoff: (u64, SimTime),
    /// Generation of kubelet timers: a timer carrying an older generation is stale.
    pub kubelet_generation: u32,
    /// Per app container: running.
    pub container_running: Vec<bool>,
    /// Per app container: passed readiness.
    pub container_ready: Vec<bool>,
    /// Per app container: restart count (drives the crash-loop back-off).
    pub container_restarts: Vec<u32>,
    /// The application itself answers requests (it may lag Ready when there is no readiness probe).
    pub app_ready: bool,
    /// `status.nominatedNodeName`: where a preemption made room for this pod.
    pub nominated: Option<NodeId>,
    /// The last node this pod was ever nominated to (kept for the outputs).
    pub last_nominated: Option<NodeId>,
    /// Terminating because the scheduler preempted it (`DisruptionTarget` condition with reason
    /// `PreemptionByScheduler`).
    pub preempted: bool,
}

impl PodState {
    /// Active in the ReplicaSet sense: not terminating and not finished.
    pub fn is_active(&self) -> bool {
        self.deletion.is_none()
            && self.gone.is_none()
            && !matches!(self.phase, PodPhase::Succeeded | PodPhase::Failed)
    }

    /// Ready and not terminating: serves traffic behind a Service.
    pub fn is_serving(&self) -> bool {
        self.ready && self.deletion.is_none() && self.gone.is_none()
    }

    /// `IsPodAvailable` (newer rule: available at exactly ready + minReadySeconds).
    pub fn is_available(&self, min_ready_seconds: i64, now: SimTime) -> bool {
        match self.ready_since {
            Some(since) if self.ready => {
                min_ready_seconds == 0
                    || since.plus_nanos(min_ready_seconds as u64 * 1_000_000_000) <= now
            }
            _ => false,
        }
    }
}

/// A node with its scheduler and kubelet bookkeeping.
#[derive(Debug, Clone)]
pub struct NodeState {
    /// The node object.
    pub node: Arc<Node>,
    /// Pods bound here and not yet gone.
    pub pods: BTreeSet<PodId>,
    /// Images present on the node.
    pub images: BTreeSet<String>,
    /// False once the node was deleted.
    pub exists: bool,
}

/// ReplicaSet status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RsStatus {
    /// Active pods.
    pub replicas: i64,
    /// Ready active pods.
    pub ready: i64,
    /// Available active pods.
    pub available: i64,
}

/// A ReplicaSet.
#[derive(Debug, Clone)]
pub struct RsState {
    /// Key.
    pub key: ObjKey,
    /// Labels (includes `pod-template-hash` for Deployment-owned sets).
    pub labels: BTreeMap<String, String>,
    /// Annotations (`deployment.kubernetes.io/revision`, `desired-replicas`, `max-replicas`).
    pub annotations: BTreeMap<String, String>,
    /// Owning Deployment name.
    pub owner: Option<String>,
    /// Spec.
    pub spec: ReplicaSetSpec,
    /// Creation order.
    pub created_seq: u64,
    /// Creation time.
    pub created: SimTime,
    /// Status.
    pub status: RsStatus,
    /// Being deleted.
    pub deleting: bool,
    /// Live pods it owns.
    pub pods: BTreeSet<PodId>,
}

impl RsState {
    /// The revision annotation as a number (0 when absent).
    pub fn revision(&self) -> i64 {
        self.annotations
            .get("deployment.kubernetes.io/revision")
            .and_then(|r| r.parse().ok())
            .unwrap_or(0)
    }

    /// An integer annotation.
    pub fn annotation_i64(&self, key: &str) -> Option<i64> {
        self.annotations.get(key).and_then(|v| v.parse().ok())
    }
}

/// Deployment status with its conditions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeploymentStatus {
    /// Σ RS status replicas.
    pub replicas: i64,
    /// New RS status replicas.
    pub updated: i64,
    /// Σ ready.
    pub ready: i64,
    /// Σ available.
    pub available: i64,
    /// max(0, Σ spec − available).
    pub unavailable: i64,
    /// `observedGeneration`.
    pub observed_generation: i64,
    /// Progressing condition: (status, reason, message, lastUpdate, lastTransition).
    pub progressing: Option<Condition>,
    /// Available condition.
    pub available_condition: Option<Condition>,
}

/// A status condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// `True`, `False` or `Unknown`.
    pub status: &'static str,
    /// Reason.
    pub reason: String,
    /// Message.
    pub message: String,
    /// Last update.
    pub last_update: SimTime,
    /// Last transition.
    pub last_transition: SimTime,
}

/// One rollout of a Deployment (a revision becoming the new ReplicaSet).
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutRecord {
    /// Revision number.
    pub revision: i64,
    /// When it started.
    pub start: SimTime,
    /// When it completed or failed.
    pub end: Option<SimTime>,
    /// `complete`, `progressDeadlineExceeded`, `superseded` or `inProgress`.
    pub outcome: &'static str,
}

/// A Deployment.
#[derive(Debug, Clone)]
pub struct DeploymentState {
    /// Key.
    pub key: ObjKey,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Spec.
    pub spec: DeploymentSpec,
    /// The object as JSON (for patches).
    pub source: serde_json::Value,
    /// `metadata.generation`.
    pub generation: i64,
    /// Status.
    pub status: DeploymentStatus,
    /// `status.collisionCount`.
    pub collision_count: u32,
    /// Rollouts so far.
    pub rollouts: Vec<RolloutRecord>,
    /// Being deleted.
    pub deleting: bool,
}

/// Everything the API server holds, plus per-node bookkeeping.
#[derive(Debug, Default)]
pub struct ClusterState {
    /// Nodes by id.
    pub nodes: Vec<NodeState>,
    /// Node ids by name.
    pub node_index: BTreeMap<String, NodeId>,
    /// Every pod ever created.
    pub pods: Vec<PodState>,
    /// Live pods by key.
    pub pod_index: BTreeMap<ObjKey, PodId>,
    /// ReplicaSets.
    pub replicasets: BTreeMap<ObjKey, RsState>,
    /// Deployments.
    pub deployments: BTreeMap<ObjKey, DeploymentState>,
    /// Services.
    pub services: BTreeMap<ObjKey, Service>,
    /// Namespaces.
    pub namespaces: BTreeSet<String>,
    /// PodDisruptionBudgets.
    pub pdbs: BTreeMap<ObjKey, crate::model::objects::PdbObject>,
    /// Per budget, `status.disruptedPods`: pods the eviction API let go (name → when), not
    /// counted as healthy for 2 minutes.
    pub pdb_disrupted: BTreeMap<ObjKey, BTreeMap<String, SimTime>>,
    /// PersistentVolumeClaims, PersistentVolumes and StorageClasses (shared with the
    /// scheduler's snapshot; copied on write).
    pub storage: Arc<Storage>,
}

impl ClusterState {
    /// The pod with this id.
    pub fn pod(&self, id: PodId) -> &PodState {
        &self.pods[id.0]
    }

    /// The pod with this uid (uids are handed out in creation order from 1, so the pod with
    /// uid `u` is the `u`-th one; checked).
    pub fn pod_by_uid(&self, uid: u64) -> Option<PodId> {
        let index = usize::try_from(uid.checked_sub(1)?).ok()?;
        self.pods
            .get(index)
            .filter(|p| p.uid == uid)
            .map(|_| PodId(index))
    }

    /// ReplicaSets owned by the Deployment `key`, oldest first (creation order, then name).
    pub fn replicasets_of(&self, key: &ObjKey) -> Vec<&RsState> {
        let mut sets: Vec<&RsState> = self
            .replicasets
            .values()
            .filter(|rs| {
                rs.key.namespace == key.namespace
                    && rs.owner.as_deref() == Some(key.name.as_str())
                    && !rs.deleting
            })
            .collect();
        sets.sort_by(|a, b| {
            a.created_seq
                .cmp(&b.created_seq)
                .then_with(|| a.key.name.cmp(&b.key.name))
        });
        sets
    }
}

/// A HorizontalPodAutoscaler with its status and the controller's memory of it.
#[derive(Debug, Clone)]
pub struct HpaRecord {
    /// The object.
    pub object: crate::model::objects::HpaObject,
    /// When it was created.
    pub created: SimTime,
    /// `status.desiredReplicas`.
    pub desired_replicas: i64,
    /// `status.currentReplicas`.
    pub current_replicas: i64,
    /// CPU utilisation (percent of request) at the last sync, when measured.
    pub current_utilization: Option<i64>,
    /// Recommendations of the last syncs (stabilisation).
    pub recommendations: Vec<crate::controllers::hpa_math::TimestampedRecommendation>,
    /// Scale-up events (behavior policies).
    pub up_events: Vec<crate::controllers::hpa_math::ScaleEvent>,
    /// Scale-down events (behavior policies).
    pub down_events: Vec<crate::controllers::hpa_math::ScaleEvent>,
}
