//! What controllers ask the world to do: API operations and recorded events. Controllers read
//! the state and return a list of effects; the world applies them in order.

use std::collections::BTreeMap;

use super::state::{Condition, ObjKey, PodId, RsStatus};
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
    /// A Deployment.
    Deployment(ObjKey),
    /// A ReplicaSet.
    ReplicaSet(ObjKey),
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
    /// Gracefully delete a pod (deletionTimestamp now).
    DeletePod {
        /// Pod.
        pod: PodId,
    },
    /// Create a ReplicaSet owned by a Deployment.
    CreateReplicaSet {
        /// Key.
        key: ObjKey,
        /// Owner Deployment.
        deployment: String,
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
