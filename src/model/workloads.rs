//! Workload specs: Deployment, ReplicaSet, StatefulSet and DaemonSet.

use super::intstr::IntOrPercent;
use super::pod::PodTemplate;
use super::selector::LabelSelector;
use super::storage::PersistentVolumeClaim;

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

/// `spec.podManagementPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PodManagementPolicy {
    /// Default ("monotonic"): one pod at a time, in ordinal order, waiting for each to be healthy.
    #[default]
    OrderedReady,
    /// Create and delete every needed pod in the same sync, without waiting ("burst").
    Parallel,
}

/// First Kubernetes version in which the `MaxUnavailableStatefulSet` feature gate is on by
/// default (alpha, off, from 1.24; beta, on, from 1.35). Before it, the API server drops
/// `rollingUpdate.maxUnavailable` and the update replaces one pod at a time.
pub const MAX_UNAVAILABLE_STATEFULSET_SINCE: (u32, u32) = (1, 35);

/// `spec.updateStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetUpdateStrategy {
    /// Replace out-of-date pods automatically, highest ordinal first.
    RollingUpdate {
        /// `rollingUpdate.partition` (default 0): only ordinals `>= start + partition` are updated.
        partition: i64,
        /// `rollingUpdate.maxUnavailable`; `None` means 1 (`getStatefulSetMaxUnavailable`).
        max_unavailable: Option<IntOrPercent>,
    },
    /// Never replace pods on its own; pods are updated when someone deletes them.
    OnDelete,
}

impl Default for SetUpdateStrategy {
    /// The API default: RollingUpdate, partition 0, maxUnavailable unset.
    fn default() -> Self {
        SetUpdateStrategy::RollingUpdate {
            partition: 0,
            max_unavailable: None,
        }
    }
}

/// `spec.persistentVolumeClaimRetentionPolicy` (`Retain` is false, `Delete` true).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ClaimRetentionPolicy {
    /// `whenDeleted: Delete`: the claims go with the StatefulSet.
    pub delete_when_deleted: bool,
    /// `whenScaled: Delete`: the claims of scaled-down ordinals go with their pods.
    pub delete_when_scaled: bool,
}

/// A StatefulSet's spec after API defaulting.
#[derive(Debug, Clone, PartialEq)]
pub struct StatefulSetSpec {
    /// `spec.replicas` (default 1).
    pub replicas: i64,
    /// `spec.selector`.
    pub selector: LabelSelector,
    /// `spec.template`.
    pub template: PodTemplate,
    /// `spec.serviceName` (the governing Service; empty when unset).
    pub service_name: String,
    /// `spec.podManagementPolicy` (default OrderedReady).
    pub pod_management_policy: PodManagementPolicy,
    /// `spec.updateStrategy` (default RollingUpdate, partition 0).
    pub update_strategy: SetUpdateStrategy,
    /// `spec.volumeClaimTemplates`: one claim `<template>-<set>-<ordinal>` per template and pod
    /// (the template's namespace is the set's).
    pub volume_claim_templates: Vec<PersistentVolumeClaim>,
    /// `spec.persistentVolumeClaimRetentionPolicy` (default Retain / Retain).
    pub retention: ClaimRetentionPolicy,
    /// `spec.minReadySeconds` (default 0).
    pub min_ready_seconds: i64,
    /// `spec.ordinals.start` (default 0).
    pub start_ordinal: i64,
    /// `spec.revisionHistoryLimit` (default 10).
    pub revision_history_limit: i64,
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
