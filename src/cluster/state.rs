//! The cluster's stores: what the API server would hold, plus each node's kubelet view. Read by
//! controllers, the scheduler and the metrics recorder; written only by the world when it applies
//! effects.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::model::meta::OwnerRef;
use crate::model::node::Node;
use crate::model::pod::{PodSpec, PodTemplate};
use crate::model::service::Service;
use crate::model::storage::Storage;
use crate::model::workloads::{DaemonSetSpec, DeploymentSpec, ReplicaSetSpec, StatefulSetSpec};
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
    /// Per app container: when its current run started (its memory use grows from there).
    pub container_started_at: Vec<SimTime>,
    /// The application answers requests now: it may lag Ready (no readiness probe), lead it
    /// (a probe not yet passed) or outlive it (terminating, until SIGTERM after preStop).
    pub app_ready: bool,
    /// `status.nominatedNodeName`: where a preemption made room for this pod.
    pub nominated: Option<NodeId>,
    /// The last node this pod was ever nominated to (kept for the outputs).
    pub last_nominated: Option<NodeId>,
    /// Terminating because the scheduler preempted it (`DisruptionTarget` condition with reason
    /// `PreemptionByScheduler`).
    pub preempted: bool,
    /// Exit code of the container whose exit finished the pod (`None` while not finished or when
    /// it ended otherwise).
    pub exit_code: Option<(usize, i64)>,
    /// When the pod reached Succeeded or Failed through its containers exiting.
    pub finished_at: Option<SimTime>,
    /// The last container termination (`lastState.terminated`): reason (`OOMKilled`, `Error`,
    /// `Completed`) and exit code.
    pub last_termination: Option<(&'static str, i64)>,
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
    /// Owning Deployment or Rollout name.
    pub owner: Option<String>,
    /// The kind of the owner.
    pub owner_kind: RsOwnerKind,
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

/// What kind of object owns a ReplicaSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RsOwnerKind {
    /// An `apps/v1` Deployment (or no owner).
    #[default]
    Deployment,
    /// An Argo Rollout.
    Rollout,
}

impl RsState {
    /// The controller to sync when this set changes.
    pub fn owner_target(&self) -> Option<super::effects::SyncTarget> {
        let key = ObjKey::new(&self.key.namespace, self.owner.as_deref()?);
        Some(match self.owner_kind {
            RsOwnerKind::Deployment => super::effects::SyncTarget::Deployment(key),
            RsOwnerKind::Rollout => super::effects::SyncTarget::Rollout(key),
        })
    }

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

/// StatefulSet status (`status.*` of the object).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StsStatus {
    /// `replicas`: pods of the set that exist (terminating ones included).
    pub replicas: i64,
    /// `readyReplicas`: running and ready.
    pub ready: i64,
    /// `availableReplicas`: ready for at least `minReadySeconds`.
    pub available: i64,
    /// `currentReplicas`: not terminating, at the current revision.
    pub current: i64,
    /// `updatedReplicas`: not terminating, at the update revision.
    pub updated: i64,
    /// `currentRevision`: the revision pods below the partition keep (empty before the first sync).
    pub current_revision: String,
    /// `updateRevision`: the revision of the current template.
    pub update_revision: String,
    /// `observedGeneration`.
    pub observed_generation: i64,
}

/// A ControllerRevision of a StatefulSet: a template it had, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct SetRevision {
    /// Name `<set>-<hash>`: the pods' `controller-revision-hash` label.
    pub name: String,
    /// Revision number (1, 2, …).
    pub number: i64,
    /// The pod template of that revision.
    pub template: PodTemplate,
}

/// A StatefulSet.
#[derive(Debug, Clone)]
pub struct StsState {
    /// Key.
    pub key: ObjKey,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Spec.
    pub spec: StatefulSetSpec,
    /// The object as JSON (for patches).
    pub source: serde_json::Value,
    /// `metadata.generation`.
    pub generation: i64,
    /// Creation time.
    pub created: SimTime,
    /// Status.
    pub status: StsStatus,
    /// ControllerRevisions, oldest first.
    pub revisions: Vec<SetRevision>,
    /// Claims of scaled-down pods under `whenScaled: Delete`: claim name → uid of the pod that
    /// owns it (the claim is deleted once that pod is gone).
    pub claims_owned_by_pods: BTreeMap<String, u64>,
    /// Rollouts so far (one per update revision).
    pub rollouts: Vec<RolloutRecord>,
}

/// A Job's status (`batch/v1 JobStatus`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobStatus {
    /// Active pods.
    pub active: i64,
    /// Ready active pods.
    pub ready: i64,
    /// Terminating pods (tracked with `podReplacementPolicy: Failed`).
    pub terminating: i64,
    /// Succeeded pods counted.
    pub succeeded: i64,
    /// Failed pods counted.
    pub failed: i64,
    /// `completedIndexes` of an Indexed Job.
    pub completed_indexes: std::collections::BTreeSet<i64>,
    /// `startTime`.
    pub start_time: Option<SimTime>,
    /// `completionTime` (set with the Complete condition).
    pub completion_time: Option<SimTime>,
    /// Conditions in the order they were added: (type, condition).
    pub conditions: Vec<(&'static str, Condition)>,
}

impl JobStatus {
    /// The condition of this type with status True.
    pub fn condition(&self, kind: &str) -> Option<&Condition> {
        self.conditions
            .iter()
            .find(|(t, c)| *t == kind && c.status == "True")
            .map(|(_, c)| c)
    }

    /// `Complete` or `Failed` (the Job is finished), with the time.
    pub fn finished(&self) -> Option<(&'static str, SimTime)> {
        self.conditions
            .iter()
            .find(|(t, c)| (*t == "Complete" || *t == "Failed") && c.status == "True")
            .map(|(t, c)| (*t, c.last_transition))
    }
}

/// A Job.
#[derive(Debug, Clone)]
pub struct JobState {
    /// Key.
    pub key: ObjKey,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
    /// Spec.
    pub spec: crate::model::batch::JobSpec,
    /// Creation time.
    pub created: SimTime,
    /// Owning CronJob name.
    pub owner: Option<String>,
    /// Status.
    pub status: JobStatus,
    /// Pods it owns that still matter: live ones, and finished ones not yet counted.
    pub pods: BTreeSet<PodId>,
    /// Finished pods already counted in the status (the tracking finalizer was removed).
    pub counted: BTreeSet<PodId>,
    /// The controller's pod-failure back-off record.
    pub backoff: crate::controllers::job_math::BackoffRecord,
}

/// A CronJob.
#[derive(Debug, Clone)]
pub struct CronJobState {
    /// Key.
    pub key: ObjKey,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Spec.
    pub spec: crate::model::batch::CronJobSpec,
    /// Creation time.
    pub created: SimTime,
    /// `status.active`: names of the Jobs it runs.
    pub active: BTreeSet<String>,
    /// `status.lastScheduleTime`.
    pub last_schedule: Option<SimTime>,
    /// `status.lastSuccessfulTime`.
    pub last_successful: Option<SimTime>,
}

/// DaemonSet status (`status` of `apps/v1 DaemonSet`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DsStatus {
    /// `desiredNumberScheduled`: nodes that should run the daemon pod.
    pub desired: i64,
    /// `currentNumberScheduled`: of those, nodes running at least one daemon pod.
    pub current: i64,
    /// `numberMisscheduled`: nodes running a daemon pod that should not.
    pub misscheduled: i64,
    /// `numberReady`: nodes whose oldest daemon pod is ready.
    pub ready: i64,
    /// `updatedNumberScheduled`: nodes whose oldest daemon pod runs the current template.
    pub updated: i64,
    /// `numberAvailable`: nodes whose oldest daemon pod is available.
    pub available: i64,
    /// `numberUnavailable`: desired − available.
    pub unavailable: i64,
    /// `observedGeneration`.
    pub observed_generation: i64,
}

/// A DaemonSet.
#[derive(Debug, Clone)]
pub struct DsState {
    /// Key.
    pub key: ObjKey,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Spec.
    pub spec: DaemonSetSpec,
    /// The object as JSON (for patches).
    pub source: serde_json::Value,
    /// `metadata.generation`.
    pub generation: i64,
    /// `deprecated.daemonset.template.generation`: the generation of the last template change
    /// (pods carry it as label `pod-template-generation`).
    pub template_generation: i64,
    /// `controller-revision-hash` of the current template.
    pub hash: String,
    /// Revision number of the current template's ControllerRevision.
    pub revision: i64,
    /// Creation time.
    pub created: SimTime,
    /// Status.
    pub status: DsStatus,
    /// Rollouts so far (one per template revision).
    pub rollouts: Vec<RolloutRecord>,
    /// Live pods it owns.
    pub pods: BTreeSet<PodId>,
    /// Consecutive syncs whose pod creation failed (the work queue's per-item back-off).
    pub create_failures: u32,
    /// Its ControllerRevisions: revision → canonical JSON of that revision's pod template.
    pub history: BTreeMap<i64, String>,
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
    /// DaemonSets.
    pub daemonsets: BTreeMap<ObjKey, DsState>,
    /// StatefulSets.
    pub statefulsets: BTreeMap<ObjKey, StsState>,
    /// `spec.kubernetesVersion` of the scenario (major, minor): feature gates follow it.
    pub kubernetes_version: (u32, u32),
    /// Services.
    pub services: BTreeMap<ObjKey, Service>,
    /// Namespaces.
    pub namespaces: BTreeSet<String>,
    /// Jobs.
    pub jobs: BTreeMap<ObjKey, JobState>,
    /// CronJobs.
    pub cronjobs: BTreeMap<ObjKey, CronJobState>,
    /// PodDisruptionBudgets.
    pub pdbs: BTreeMap<ObjKey, crate::model::objects::PdbObject>,
    /// Per budget, `status.disruptedPods`: pods the eviction API let go (name → when), not
    /// counted as healthy for 2 minutes.
    pub pdb_disrupted: BTreeMap<ObjKey, BTreeMap<String, SimTime>>,
    /// Argo Rollouts.
    pub argo_rollouts: BTreeMap<ObjKey, ArgoRolloutState>,
    /// AnalysisTemplates (ClusterAnalysisTemplates under the empty namespace).
    pub analysis_templates: BTreeMap<ObjKey, crate::model::analysis::AnalysisTemplateObject>,
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

    /// Live pods controlled by the StatefulSet `key`, by name (the `<set>-<ordinal>` names are
    /// contiguous in the pod index).
    pub fn statefulset_pods(&self, key: &ObjKey) -> Vec<PodId> {
        let prefix = format!("{}-", key.name);
        self.pod_index
            .range(ObjKey::new(&key.namespace, &prefix)..)
            .take_while(|(k, _)| k.namespace == key.namespace && k.name.starts_with(&prefix))
            .map(|(_, id)| *id)
            .filter(|id| {
                self.pod(*id)
                    .owner
                    .as_ref()
                    .is_some_and(|o| o.kind == "statefulset" && o.name == key.name)
            })
            .collect()
    }

    /// ReplicaSets owned by the Deployment `key`, oldest first (creation order, then name).
    pub fn replicasets_of(&self, key: &ObjKey) -> Vec<&RsState> {
        self.replicasets_owned(key, RsOwnerKind::Deployment)
    }

    /// ReplicaSets owned by the `kind` object `key`, oldest first (creation order, then name).
    pub fn replicasets_owned(&self, key: &ObjKey, kind: RsOwnerKind) -> Vec<&RsState> {
        let mut sets: Vec<&RsState> = self
            .replicasets
            .values()
            .filter(|rs| {
                rs.key.namespace == key.namespace
                    && rs.owner.as_deref() == Some(key.name.as_str())
                    && rs.owner_kind == kind
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

/// Argo's `status.phase` of a Rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArgoPhase {
    /// Progressing towards the new version.
    #[default]
    Progressing,
    /// Paused at a step (or waiting for promotion).
    Paused,
    /// The stable version runs at full scale.
    Healthy,
    /// Aborted: back on the stable version.
    Degraded,
}

impl ArgoPhase {
    /// Argo's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ArgoPhase::Progressing => "Progressing",
            ArgoPhase::Paused => "Paused",
            ArgoPhase::Healthy => "Healthy",
            ArgoPhase::Degraded => "Degraded",
        }
    }
}

/// The status of an Argo Rollout (what the controller remembers between syncs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArgoStatus {
    /// `status.currentPodHash`: the hash of the current template.
    pub current_hash: String,
    /// `status.stableRS`: the hash of the stable version (empty before the first one).
    pub stable_hash: String,
    /// `status.currentStepIndex`.
    pub step: usize,
    /// When the current pause started.
    pub pause_start: Option<SimTime>,
    /// `status.abort`.
    pub abort: bool,
    /// Blue/green: promotion requested (by `promote` or auto-promotion).
    pub promote: bool,
    /// Blue/green: when the new set became fully available.
    pub new_ready_at: Option<SimTime>,
    /// Blue/green: old sets (hash) scaled down at the given time.
    pub scale_down_at: BTreeMap<String, SimTime>,
    /// `status.phase`.
    pub phase: ArgoPhase,
    /// Σ replicas of its sets.
    pub replicas: i64,
    /// Σ ready.
    pub ready: i64,
    /// Σ available.
    pub available: i64,
    /// Replicas of the current version.
    pub updated: i64,
    /// The current canary step's AnalysisRun.
    pub step_run: Option<crate::controllers::analysis::AnalysisRunState>,
    /// The background AnalysisRun (`strategy.canary.analysis`).
    pub background_run: Option<crate::controllers::analysis::AnalysisRunState>,
    /// The blue/green pre-promotion AnalysisRun.
    pub pre_run: Option<crate::controllers::analysis::AnalysisRunState>,
    /// The blue/green post-promotion AnalysisRun.
    pub post_run: Option<crate::controllers::analysis::AnalysisRunState>,
    /// Paused by an inconclusive AnalysisRun (`PauseReasonInconclusiveAnalysis`) until `promote`.
    pub inconclusive: bool,
    /// Blue/green: the active Service points at the new version while its post-promotion
    /// analysis runs (the new version is not stable yet).
    pub switched: bool,
    /// Names of the AnalysisRuns created so far (Argo adds `.N` on a name collision).
    pub run_names: std::collections::BTreeSet<String>,
    /// A referenced AnalysisTemplate is missing (reported once per template change).
    pub invalid_spec: bool,
}

/// An Argo Rollout.
#[derive(Debug, Clone)]
pub struct ArgoRolloutState {
    /// Key.
    pub key: ObjKey,
    /// The object.
    pub object: crate::model::rollout::RolloutObject,
    /// Status.
    pub status: ArgoStatus,
    /// The simulated error rate of the pods of the current template (the worst `errorRate` of
    /// its images), set by the world: what analysis measures.
    pub error_rate: f64,
    /// Rollouts so far (one per template).
    pub rollouts: Vec<RolloutRecord>,
}
