//! API objects as they enter the cluster: what a manifest or a timeline `apply` creates.

use std::sync::Arc;

use super::intstr::IntOrPercent;
use super::meta::{ObjectMeta, OwnerRef};
use super::node::Node;
use super::pod::PodSpec;
use super::selector::LabelSelector;
use super::service::Service;
use super::storage::{PersistentVolume, PersistentVolumeClaim, StorageClass};
use super::workloads::{DaemonSetSpec, DeploymentSpec, ReplicaSetSpec, StatefulSetSpec};

/// A Deployment manifest, typed, with its source object kept for patches.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentObject {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Defaulted spec.
    pub spec: DeploymentSpec,
    /// The full object as JSON (after defaulting), the base for `patch` and `setImage`.
    pub source: serde_json::Value,
}

/// A ReplicaSet manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaSetObject {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Defaulted spec.
    pub spec: ReplicaSetSpec,
    /// The full object as JSON.
    pub source: serde_json::Value,
}

/// A DaemonSet manifest, typed, with its source object kept for patches.
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonSetObject {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Defaulted spec.
    pub spec: DaemonSetSpec,
    /// The full object as JSON (after defaulting), the base for `patch` and `setImage`.
    pub source: serde_json::Value,
}

/// A StatefulSet manifest, typed, with its source object kept for patches.
#[derive(Debug, Clone, PartialEq)]
pub struct StatefulSetObject {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Defaulted spec.
    pub spec: StatefulSetSpec,
    /// The full object as JSON (after defaulting), the base for `patch`, `scale` and `setImage`.
    pub source: serde_json::Value,
}

/// A bare Pod manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct PodObject {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Spec.
    pub spec: Arc<PodSpec>,
    /// Controller owner, if the manifest names one.
    pub owner: Option<OwnerRef>,
}

/// One object the simulation acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiObject {
    /// `apps/v1 Deployment`.
    Deployment(DeploymentObject),
    /// `apps/v1 ReplicaSet`.
    ReplicaSet(ReplicaSetObject),
    /// `apps/v1 StatefulSet`.
    StatefulSet(StatefulSetObject),
    /// `apps/v1 DaemonSet`.
    DaemonSet(DaemonSetObject),
    /// `v1 Pod`.
    Pod(PodObject),
    /// `v1 Service`.
    Service(Service),
    /// `v1 Node`.
    Node(Node),
    /// `v1 Namespace`.
    Namespace(String),
    /// `scheduling.k8s.io/v1 PriorityClass`.
    PriorityClass(PriorityClass),
    /// `v1 PersistentVolumeClaim`.
    PersistentVolumeClaim(PersistentVolumeClaim),
    /// `v1 PersistentVolume`.
    PersistentVolume(PersistentVolume),
    /// `storage.k8s.io/v1 StorageClass`.
    StorageClass(StorageClass),
    /// `policy/v1 PodDisruptionBudget`.
    PodDisruptionBudget(PdbObject),
    /// `batch/v1 Job`.
    Job(super::batch::JobObject),
    /// `batch/v1 CronJob`.
    CronJob(super::batch::CronJobObject),
    /// `autoscaling/v2` (or `v1`) `HorizontalPodAutoscaler`.
    HorizontalPodAutoscaler(HpaObject),
    /// `argoproj.io/v1alpha1 Rollout`.
    Rollout(Box<super::rollout::RolloutObject>),
    /// `argoproj.io/v1alpha1 AnalysisTemplate` or `ClusterAnalysisTemplate`.
    AnalysisTemplate(Box<super::analysis::AnalysisTemplateObject>),
    /// `v1 LimitRange`.
    LimitRange(super::admission::LimitRange),
    /// `v1 ResourceQuota`.
    ResourceQuota(super::admission::ResourceQuota),
}

/// The `scaleTargetRef` kinds (lowercase) an HPA scales: those with a scale subresource in the
/// simulation.
pub const HPA_SCALABLE_KINDS: [&str; 4] = ["deployment", "statefulset", "replicaset", "rollout"];

/// A HorizontalPodAutoscaler (`autoscaling/v2`; `v1` converted).
#[derive(Debug, Clone, PartialEq)]
pub struct HpaObject {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.scaleTargetRef`: lowercase kind and name.
    pub target: crate::model::ObjectRef,
    /// `spec.minReplicas` (default 1).
    pub min_replicas: i64,
    /// `spec.maxReplicas`.
    pub max_replicas: i64,
    /// Resource metrics that are simulated (others are announced and left out).
    pub metrics: Vec<HpaResourceMetric>,
    /// `spec.behavior`, when set.
    pub behavior: Option<HpaBehaviorSpec>,
}

/// A `Resource` metric of an HPA.
#[derive(Debug, Clone, PartialEq)]
pub struct HpaResourceMetric {
    /// `cpu` or `memory`.
    pub resource: String,
    /// `averageUtilization` (percent of the request), for a `Utilization` target.
    pub utilization: Option<i64>,
    /// `averageValue` in milli-units, for an `AverageValue` target.
    pub average_millis: Option<i64>,
}

/// `spec.behavior` as written (defaults applied by the controller).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HpaBehaviorSpec {
    /// `scaleUp`.
    pub scale_up: Option<HpaRulesSpec>,
    /// `scaleDown`.
    pub scale_down: Option<HpaRulesSpec>,
}

/// One direction of `spec.behavior`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HpaRulesSpec {
    /// `stabilizationWindowSeconds`.
    pub stabilization_window_s: Option<i64>,
    /// `selectPolicy` (`Max`, `Min`, `Disabled`).
    pub select_policy: Option<String>,
    /// `policies`: (`Pods` or `Percent`, value, periodSeconds).
    pub policies: Option<Vec<(String, i64, i64)>>,
}

/// A PodDisruptionBudget (`policy/v1`).
#[derive(Debug, Clone, PartialEq)]
pub struct PdbObject {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.selector`; `None` when absent. In `policy/v1` an empty selector selects every pod
    /// of the namespace for the disruption controller, and nothing for scheduler preemption.
    pub selector: Option<LabelSelector>,
    /// `spec.minAvailable`.
    pub min_available: Option<IntOrPercent>,
    /// `spec.maxUnavailable`.
    pub max_unavailable: Option<IntOrPercent>,
    /// `spec.unhealthyPodEvictionPolicy` is `AlwaysAllow` (default `IfHealthyBudget`).
    pub always_allow_unhealthy: bool,
}

/// A PriorityClass: the priority pods naming it get at admission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityClass {
    /// Name.
    pub name: String,
    /// Priority value.
    pub value: i64,
    /// `globalDefault`: pods without a class get this one.
    pub global_default: bool,
    /// `preemptionPolicy`, copied to the pods of the class at admission.
    pub preemption_policy: crate::model::pod::PreemptionPolicy,
}

impl ApiObject {
    /// Lowercase kind, as used in `kind/name` references.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiObject::Deployment(_) => "deployment",
            ApiObject::ReplicaSet(_) => "replicaset",
            ApiObject::StatefulSet(_) => "statefulset",
            ApiObject::DaemonSet(_) => "daemonset",
            ApiObject::Pod(_) => "pod",
            ApiObject::Service(_) => "service",
            ApiObject::Node(_) => "node",
            ApiObject::Namespace(_) => "namespace",
            ApiObject::PriorityClass(_) => "priorityclass",
            ApiObject::PodDisruptionBudget(_) => "poddisruptionbudget",
            ApiObject::HorizontalPodAutoscaler(_) => "horizontalpodautoscaler",
            ApiObject::PersistentVolumeClaim(_) => "persistentvolumeclaim",
            ApiObject::PersistentVolume(_) => "persistentvolume",
            ApiObject::StorageClass(_) => "storageclass",
            ApiObject::Job(_) => "job",
            ApiObject::CronJob(_) => "cronjob",
            ApiObject::Rollout(_) => "rollout",
            ApiObject::AnalysisTemplate(t) if t.cluster_scope => "clusteranalysistemplate",
            ApiObject::AnalysisTemplate(_) => "analysistemplate",
            ApiObject::LimitRange(_) => "limitrange",
            ApiObject::ResourceQuota(_) => "resourcequota",
        }
    }

    /// Object name.
    pub fn name(&self) -> &str {
        match self {
            ApiObject::Deployment(d) => &d.meta.name,
            ApiObject::ReplicaSet(r) => &r.meta.name,
            ApiObject::StatefulSet(s) => &s.meta.name,
            ApiObject::DaemonSet(d) => &d.meta.name,
            ApiObject::Pod(p) => &p.meta.name,
            ApiObject::Service(s) => &s.name,
            ApiObject::Node(n) => &n.name,
            ApiObject::Namespace(n) => n,
            ApiObject::PriorityClass(p) => &p.name,
            ApiObject::PodDisruptionBudget(p) => &p.meta.name,
            ApiObject::HorizontalPodAutoscaler(h) => &h.meta.name,
            ApiObject::PersistentVolumeClaim(c) => &c.name,
            ApiObject::PersistentVolume(v) => &v.name,
            ApiObject::StorageClass(c) => &c.name,
            ApiObject::Job(j) => &j.meta.name,
            ApiObject::CronJob(c) => &c.meta.name,
            ApiObject::Rollout(r) => &r.meta.name,
            ApiObject::AnalysisTemplate(t) => &t.meta.name,
            ApiObject::LimitRange(l) => &l.meta.name,
            ApiObject::ResourceQuota(q) => &q.meta.name,
        }
    }
}
