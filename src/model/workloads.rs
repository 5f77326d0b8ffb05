//! Workload specs: Deployment, ReplicaSet and DaemonSet.

use super::intstr::IntOrPercent;
use super::pod::PodTemplate;
use super::selector::LabelSelector;

/// `spec.strategy` of a Deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentStrategy {
    /// Kill all old pods before creating new ones.
    Recreate,
    /// Replace pods progressively within the surge and unavailability budgets.
    RollingUpdate {
        /// `rollingUpdate.maxSurge` (default 25%).
        max_surge: IntOrPercent,
        /// `rollingUpdate.maxUnavailable` (default 25%).
        max_unavailable: IntOrPercent,
    },
}

/// A Deployment's spec after API defaulting.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentSpec {
    /// `spec.replicas` (default 1).
    pub replicas: i64,
    /// `spec.selector`.
    pub selector: LabelSelector,
    /// `spec.template`.
    pub template: PodTemplate,
    /// `spec.strategy`.
    pub strategy: DeploymentStrategy,
    /// `spec.minReadySeconds` (default 0).
    pub min_ready_seconds: i64,
    /// `spec.revisionHistoryLimit` (default 10).
    pub revision_history_limit: i64,
    /// `spec.progressDeadlineSeconds` (default 600).
    pub progress_deadline_seconds: Option<i64>,
    /// `spec.paused`.
    pub paused: bool,
}

/// A ReplicaSet's spec.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaSetSpec {
    /// `spec.replicas` (default 1).
    pub replicas: i64,
    /// `spec.selector`.
    pub selector: LabelSelector,
    /// `spec.template`.
    pub template: PodTemplate,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: i64,
}

/// `spec.updateStrategy` of a DaemonSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaemonSetStrategy {
    /// Replace pods node by node within the surge and unavailability budgets.
    RollingUpdate {
        /// `rollingUpdate.maxSurge` (default 0).
        max_surge: IntOrPercent,
        /// `rollingUpdate.maxUnavailable` (default 1).
        max_unavailable: IntOrPercent,
    },
    /// Replace a pod only when the user deletes it.
    OnDelete,
}

/// A DaemonSet's spec after API defaulting.
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonSetSpec {
    /// `spec.selector`.
    pub selector: LabelSelector,
    /// `spec.template`.
    pub template: PodTemplate,
    /// `spec.template.spec.hostNetwork` (the daemon pods then also tolerate
    /// `node.kubernetes.io/network-unavailable`).
    pub host_network: bool,
    /// `spec.updateStrategy`.
    pub strategy: DaemonSetStrategy,
    /// `spec.minReadySeconds` (default 0).
    pub min_ready_seconds: i64,
    /// `spec.revisionHistoryLimit` (default 10).
    pub revision_history_limit: i64,
}
