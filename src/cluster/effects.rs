//! What controllers ask the world to do: API operations and recorded events. Controllers read
//! the state and return a list of effects; the world applies them in order.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::state::{Condition, DsStatus, ObjKey, PodId, RsStatus, SetRevision, StsStatus};
use crate::model::meta::ObjectMeta;
use crate::model::pod::PodSpec;
use crate::model::storage::PersistentVolumeClaim;
use crate::model::workloads::ReplicaSetSpec;
use crate::sim::time::SimTime;

/// `Normal` or `Warning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Normal.
    Normal,
    /// Warning.
    Warning,
}

impl EventType {
    /// API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// A Kubernetes-style event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeEvent {
    /// When.
    pub time: SimTime,
    /// Namespace of the involved object (empty for nodes).
    pub namespace: String,
    /// `kind/name` with the lowercase kind.
    pub object: String,
    /// Type.
    pub event_type: EventType,
    /// Reason (upstream spelling).
    pub reason: &'static str,
    /// Message (upstream wording).
    pub message: String,
}

/// Something that can be (re)synced by a controller.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SyncTarget {
    /// A DaemonSet.
    DaemonSet(ObjKey),
    /// A Deployment.
    Deployment(ObjKey),
    /// A ReplicaSet.
    ReplicaSet(ObjKey),
    /// A StatefulSet.
    StatefulSet(ObjKey),
    /// A Job.
    Job(ObjKey),
    /// A CronJob.
    CronJob(ObjKey),
    /// An Argo Rollout.
    Rollout(ObjKey),
    /// A HorizontalPodAutoscaler (re-armed every 15 s while it exists).
    Hpa(ObjKey),
}

/// Deployment status fields a sync writes.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentStatusUpdate {
    /// Σ RS status replicas.
    pub replicas: i64,
    /// New RS replicas.
    pub updated: i64,
    /// Σ ready.
    pub ready: i64,
    /// Σ available.
    pub available: i64,
    /// Unavailable.
    pub unavailable: i64,
    /// Progressing condition.
    pub progressing: Option<Condition>,
    /// Available condition.
    pub available_condition: Option<Condition>,
}

/// What one StatefulSet sync writes back to the set (status and bookkeeping).
#[derive(Debug, Clone, PartialEq)]
pub struct StatefulSetUpdate {
    /// The new status.
    pub status: StsStatus,
    /// The ControllerRevisions after the sync (a new one for a changed template; old ones
    /// beyond `revisionHistoryLimit` dropped).
    pub revisions: Vec<SetRevision>,
    /// Claims owned by scaled-down pods (`whenScaled: Delete`), claim → pod uid.
    pub claims_owned_by_pods: BTreeMap<String, u64>,
    /// The rollout to the update revision is complete (`kubectl rollout status` would return).
    pub rollout_complete: bool,
}

/// One operation requested by a controller.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Record an event.
    Event {
        /// Namespace.
        namespace: String,
        /// `kind/name`.
        object: String,
        /// Type.
        event_type: EventType,
        /// Reason.
        reason: &'static str,
        /// Message.
        message: String,
    },
    /// Create a pod from a ReplicaSet's template (name `<rs>-<5 random chars>`).
    CreatePod {
        /// Owning ReplicaSet.
        rs: ObjKey,
    },
    /// Create daemon pods of a DaemonSet, one on each named node (name `<ds>-<5 random chars>`),
    /// in slow-start batches (1, 2, 4, …): after a failed batch the rest is skipped.
    CreateDaemonPods {
        /// Owning DaemonSet.
        ds: ObjKey,
        /// Target nodes, in order.
        nodes: Vec<String>,
    },
    /// Write a DaemonSet's status (and `observedGeneration`).
    DaemonSetStatus {
        /// Key.
        key: ObjKey,
        /// Status.
        status: DsStatus,
    },
    /// Gracefully delete a pod (deletionTimestamp now).
    DeletePod {
        /// Pod.
        pod: PodId,
    },
    /// Create a PersistentVolumeClaim for a StatefulSet pod (before the pod).
    CreateSetClaim {
        /// The StatefulSet.
        set: ObjKey,
        /// The pod the claim is for.
        pod: String,
        /// The claim.
        claim: PersistentVolumeClaim,
    },
    /// Create a StatefulSet pod with its identity (name, labels, claims) already stamped.
    CreateSetPod {
        /// The StatefulSet.
        set: ObjKey,
        /// Metadata of the pod.
        meta: ObjectMeta,
        /// Spec of the pod.
        spec: Arc<PodSpec>,
    },
    /// Gracefully delete a StatefulSet pod.
    DeleteSetPod {
        /// The StatefulSet.
        set: ObjKey,
        /// Pod.
        pod: PodId,
    },
    /// Delete a PersistentVolumeClaim (a provisioned volume bound to it goes too).
    DeleteClaim {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// Write a StatefulSet's status, revisions and claim bookkeeping.
    StatefulSetStatus {
        /// Key.
        key: ObjKey,
        /// What changes.
        update: Box<StatefulSetUpdate>,
    },
    /// Create a ReplicaSet owned by a Deployment or a Rollout.
    CreateReplicaSet {
        /// Key.
        key: ObjKey,
        /// Owner Deployment (or Rollout).
        deployment: String,
        /// The owner's kind.
        owner_kind: super::state::RsOwnerKind,
        /// Labels.
        labels: BTreeMap<String, String>,
        /// Annotations.
        annotations: BTreeMap<String, String>,
        /// Spec.
        spec: ReplicaSetSpec,
    },
    /// Set a ReplicaSet's replicas and annotations.
    UpdateReplicaSet {
        /// Key.
        key: ObjKey,
        /// New spec.replicas.
        replicas: i64,
        /// Annotations to set.
        annotations: BTreeMap<String, String>,
    },
    /// Delete a ReplicaSet (and, by garbage collection, its pods).
    DeleteReplicaSet {
        /// Key.
        key: ObjKey,
    },
    /// Write a ReplicaSet's status.
    ReplicaSetStatus {
        /// Key.
        key: ObjKey,
        /// Status.
        status: RsStatus,
    },
    /// Write a Deployment's status.
    DeploymentStatus {
        /// Key.
        key: ObjKey,
        /// Status.
        status: DeploymentStatusUpdate,
    },
    /// Create a pod from a Job's template (name `<job>-<5 random chars>`, or
    /// `<job>-<index>-<5 random chars>` with the completion index for an Indexed Job).
    CreateJobPod {
        /// Owning Job.
        job: ObjKey,
        /// Completion index (Indexed Jobs).
        index: Option<i64>,
    },
    /// Write a Job's status; `counted` finished pods join the counted set and `forget` pods
    /// (counted and gone) leave the Job's pod list.
    JobStatus {
        /// Key.
        key: ObjKey,
        /// New status.
        status: super::state::JobStatus,
        /// Newly counted finished pods.
        counted: Vec<PodId>,
        /// Pods the Job no longer needs to look at.
        forget: Vec<PodId>,
        /// New back-off record.
        backoff: crate::controllers::job_math::BackoffRecord,
    },
    /// Delete a Job and (background propagation) its pods.
    DeleteJob {
        /// Key.
        key: ObjKey,
    },
    /// Create a Job owned by a CronJob.
    CreateJob {
        /// Key.
        key: ObjKey,
        /// Owning CronJob.
        cronjob: String,
        /// Labels.
        labels: BTreeMap<String, String>,
        /// Annotations.
        annotations: BTreeMap<String, String>,
        /// Spec.
        spec: crate::model::batch::JobSpec,
    },
    /// Write a CronJob's status.
    CronJobStatus {
        /// Key.
        key: ObjKey,
        /// `status.active` (Job names).
        active: std::collections::BTreeSet<String>,
        /// `status.lastScheduleTime`.
        last_schedule: Option<SimTime>,
        /// `status.lastSuccessfulTime`.
        last_successful: Option<SimTime>,
    },
    /// Write an Argo Rollout's status.
    RolloutStatus {
        /// Key.
        key: ObjKey,
        /// New status.
        status: Box<super::state::ArgoStatus>,
    },
    /// Point a Service at one version of a Rollout: its selector gets
    /// `rollouts-pod-template-hash: hash`.
    ServiceHash {
        /// The Service.
        key: ObjKey,
        /// The hash.
        hash: String,
    },
    /// Sync this target again at a later time.
    Requeue {
        /// What.
        target: SyncTarget,
        /// When.
        at: SimTime,
    },
}

impl Effect {
    /// An event effect.
    pub fn event(
        namespace: &str,
        object: String,
        event_type: EventType,
        reason: &'static str,
        message: String,
    ) -> Effect {
        Effect::Event {
            namespace: namespace.to_string(),
            object,
            event_type,
            reason,
            message,
        }
    }
}
