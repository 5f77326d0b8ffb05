//! The validated scenario: everything a run needs, valid by construction.

use std::collections::BTreeMap;

use crate::model::ObjectRef;
use crate::model::behavior::{DurationDist, ImageBehavior};
use crate::model::node::{Node, Taint};
use crate::model::objects::ApiObject;
use crate::model::resources::ResourceList;
use crate::model::scheduler_config::SchedulerConfig;
use crate::model::storage::StorageCatalog;
use crate::sim::time::SimTime;

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.description`.
    pub description: String,
    /// Master seed.
    pub seed: u64,
    /// Simulated duration.
    pub duration: SimTime,
    /// `spec.kubernetesVersion` as (major, minor).
    pub kubernetes_version: (u32, u32),
    /// Input files that make up this scenario, with their SHA-256.
    pub inputs: Vec<InputFile>,
    /// SHA-256 over the inputs (each file's path and bytes, in order).
    pub sha256: String,
    /// Node pools (kept for `addNodes`).
    pub pools: Vec<NodePool>,
    /// Initial nodes: pools expanded, then Node manifests.
    pub nodes: Vec<Node>,
    /// Image behaviour.
    pub images: ImageCatalog,
    /// Storage timing by StorageClass (`spec.storage`).
    pub storage: StorageCatalog,
    /// Initial objects in input order (Node objects excluded: see `nodes`).
    pub objects: Vec<ApiObject>,
    /// Timeline actions, sorted by time (stable).
    pub timeline: Vec<TimedAction>,
    /// Traffic per Service.
    pub traffic: Vec<Traffic>,
    /// Expectations.
    pub expectations: Vec<Expectation>,
    /// `Warning:` and `Info:` lines for the user, deduplicated, in input order.
    pub notes: Vec<String>,
    /// Scheduler configuration (profiles, back-off, latencies).
    pub scheduler: SchedulerConfig,
    /// Random failure processes (`spec.faults`).
    pub faults: Vec<Fault>,
    /// `spec.cluster.endpointPropagationDelay`: time from a pod's readiness change (or its
    /// deletion) until kube-proxy routes accordingly (endpoint controller + kube-proxy), ns.
    pub endpoint_propagation_delay_ns: u64,
    /// `spec.availability`: per-Service quorum rules.
    pub availability: Vec<ServiceQuorum>,
}

/// Default `spec.cluster.endpointPropagationDelay`: 1 s.
pub const DEFAULT_ENDPOINT_PROPAGATION_DELAY_NS: u64 = 1_000_000_000;

/// One `spec.availability` entry: the Service is up only while at least
/// `min_ready_endpoints` of its endpoints serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceQuorum {
    /// Namespace of the Service.
    pub namespace: String,
    /// Service name.
    pub service: String,
    /// Serving endpoints needed (≥ 1).
    pub min_ready_endpoints: i64,
}

/// One random failure process of `spec.faults`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// What fails.
    pub kind: FaultKind,
    /// Time to failure, drawn afresh after every start or repair.
    pub mttf: DurationDist,
}

/// The kinds of random failures.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// `nodeCrash`: each of these nodes crashes (like `failNode`) and is repaired after `mttr`
    /// (like `recoverNode`), independently.
    NodeCrash {
        /// Node names, in the scenario's node order.
        nodes: Vec<String>,
        /// Time to repair.
        mttr: DurationDist,
    },
    /// `zoneOutage`: each of these zones fails as a whole (like `failZone`) and is repaired
    /// after `mttr` (like `recoverZone`), independently.
    ZoneOutage {
        /// Zone names, sorted.
        zones: Vec<String>,
        /// Time to repair.
        mttr: DurationDist,
    },
    /// `containerCrash`: every running app container of the selected pods exits with code 1
    /// after a time drawn from `mttf` (from each start); the kubelet restarts it per the pod's
    /// restart policy and back-off.
    ContainerCrash {
        /// Namespace of the selected pods.
        namespace: String,
        /// Only the pod with this name (`target: pod/NAME`).
        pod: Option<String>,
        /// Pod label selector (`None` and no `pod`: every pod of the namespace).
        selector: Option<BTreeMap<String, String>>,
    },
}

impl FaultKind {
    /// The `kind:` spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            FaultKind::NodeCrash { .. } => "nodeCrash",
            FaultKind::ZoneOutage { .. } => "zoneOutage",
            FaultKind::ContainerCrash { .. } => "containerCrash",
        }
    }
}

/// Node and zone faults of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeFaultAction {
    /// `failNode` / `failZone`: the machine crashes (containers dead, kubelet silent).
    Fail,
    /// `recoverNode` / `recoverZone`: the machine is back (kubelet restarts, containers restart).
    Recover,
    /// `partitionNode`: the node cannot reach the control plane; its containers keep running.
    Partition,
    /// `healPartition`: the node reaches the control plane again.
    Heal,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Path as given (or `-` for stdin).
    pub path: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
}

/// A node pool of the Scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct NodePool {
    /// Pool name.
    pub name: String,
    /// Initial count.
    pub count: usize,
    /// Zones, round-robin.
    pub zones: Vec<String>,
    /// Capacity.
    pub capacity: ResourceList,
    /// Allocatable.
    pub allocatable: ResourceList,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Taints.
    pub taints: Vec<Taint>,
}

impl NodePool {
    /// The node at `index` of this pool (`<pool>-<index>`, zone round-robin).
    pub fn node(&self, index: usize) -> Node {
        let name = format!("{}-{index}", self.name);
        let mut labels = self.labels.clone();
        labels.insert("kubernetes.io/hostname".into(), name.clone());
        // The labels a kubelet registers (the beta ones are still set, and real manifests such
        // as sock-shop's select on `beta.kubernetes.io/os`).
        labels.insert("kubernetes.io/os".into(), "linux".into());
        labels.insert("kubernetes.io/arch".into(), "amd64".into());
        labels.insert("beta.kubernetes.io/os".into(), "linux".into());
        labels.insert("beta.kubernetes.io/arch".into(), "amd64".into());
        labels.insert("node.kubernetes.io/pool".into(), self.name.clone());
        if !self.zones.is_empty() {
            labels.insert(
                "topology.kubernetes.io/zone".into(),
                self.zones[index % self.zones.len()].clone(),
            );
        }
        Node {
            name,
            labels,
            capacity: self.capacity.clone(),
            allocatable: self.allocatable.clone(),
            taints: self.taints.clone(),
            unschedulable: false,
            ready: true,
            pool: Some(self.name.clone()),
        }
    }
}

/// Image behaviour by reference, with a default.
#[derive(Debug, Clone, Default)]
pub struct ImageCatalog {
    /// Behaviour for images not listed.
    pub default: ImageBehavior,
    /// Behaviour per image reference.
    pub by_image: BTreeMap<String, ImageBehavior>,
}

impl ImageCatalog {
    /// The behaviour of `image`.
    pub fn get(&self, image: &str) -> &ImageBehavior {
        self.by_image.get(image).unwrap_or(&self.default)
    }
}

/// Demand on one Service.
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    /// Namespace of the Service.
    pub namespace: String,
    /// Service name.
    pub service: String,
    /// Demand over time, requests/s.
    pub demand: super::demand::Demand,
    /// Capacity of one ready pod, requests/s (`None`: unlimited).
    pub per_pod_rps: Option<f64>,
    /// CPU a pod uses per request/s it serves, millicores.
    pub cpu_per_request_millis: f64,
    /// CPU a running pod of the Service uses without requests, millicores.
    pub idle_cpu_millis: f64,
    /// Fixed shares (A/B testing): `(selector, fraction 0..1)`; the rest of the requests go to
    /// the endpoints no selector matches. Empty: requests spread over all ready endpoints.
    pub split: Vec<(BTreeMap<String, String>, f64)>,
}

/// A timeline action at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedAction {
    /// When.
    pub at: SimTime,
    /// Namespace it applies to.
    pub namespace: String,
    /// What.
    pub action: Action,
    /// Index in the scenario's `timeline` list (for messages).
    pub index: usize,
    /// Short description for outage causes: the action name and its object
    /// (`setImage deployment/web`, `cordon worker-1`).
    pub label: String,
}

/// A scripted action (CONTRACT §1).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Create or replace an object.
    Apply(Box<ApiObject>),
    /// Delete an object, with `propagationPolicy` for its dependents.
    Delete(ObjectRef, PropagationPolicy),
    /// `kubectl set image`.
    SetImage {
        /// Workload.
        target: ObjectRef,
        /// Container name (`None`: the only container).
        container: Option<String>,
        /// New image.
        image: String,
    },
    /// `kubectl scale`.
    Scale {
        /// Workload.
        target: ObjectRef,
        /// New replica count.
        replicas: i64,
    },
    /// Strategic-merge-style patch.
    Patch {
        /// Object.
        target: ObjectRef,
        /// Patch body.
        patch: serde_json::Value,
    },
    /// `kubectl rollout pause`.
    RolloutPause(ObjectRef),
    /// `kubectl rollout resume`.
    RolloutResume(ObjectRef),
    /// `kubectl rollout undo`.
    RolloutUndo {
        /// Workload.
        target: ObjectRef,
        /// Revision (`None`: the previous one).
        to_revision: Option<i64>,
    },
    /// Blue/green by hand: the Service's `spec.selector` becomes `selector` (kube-proxy
    /// follows one endpoint propagation delay later).
    SwitchService {
        /// The Service.
        target: ObjectRef,
        /// The new selector.
        selector: BTreeMap<String, String>,
    },
    /// The demand on a Service changes from now on (its patterns and traces start now).
    SetTraffic(Box<Traffic>),
    /// A container of the pod (or of every pod the selector matches) exits with `exit_code`;
    /// the kubelet restarts it per the pod's `restartPolicy` and back-off.
    KillPod {
        /// `pod/NAME`.
        target: Option<ObjectRef>,
        /// Label selector over the namespace's pods.
        selector: Option<BTreeMap<String, String>>,
        /// Exit code (default 1).
        exit_code: i64,
        /// Container name (`None`: every running app container).
        container: Option<String>,
    },
    /// `kubectl delete pod --force --grace-period=0`: the pod object goes at once.
    ForceDeletePod(ObjectRef),
    /// `kubectl cordon`.
    Cordon(String),
    /// `kubectl uncordon`.
    Uncordon(String),
    /// `kubectl drain --ignore-daemonsets --delete-emptydir-data --force`: cordon, then evict
    /// every pod of the node through the eviction API (PodDisruptionBudgets honoured), retrying
    /// refused evictions every 5 s.
    Drain {
        /// The node.
        node: String,
        /// Give up after this long (`--timeout`; `None`: never).
        timeout_ns: Option<u64>,
        /// `--grace-period` in seconds (`None`: each pod's own).
        grace_period_s: Option<i64>,
    },
    /// A node fault (`failNode`, `recoverNode`, `partitionNode`, `healPartition`) on one node.
    NodeFault(NodeFaultAction, String),
    /// `failZone` / `recoverZone`: the fault on every node labelled with the zone.
    ZoneFault(NodeFaultAction, String),
    /// `deleteNode`: the Node object is removed; its pods are deleted at once (pod GC).
    DeleteNode(String),
    /// `addNodes`: `count` new nodes of pool `pool`, named after the pool's last node.
    AddNodes {
        /// Pool name.
        pool: String,
        /// How many nodes.
        count: usize,
    },
    /// `kubectl argo rollouts promote`.
    Promote(ObjectRef),
    /// `kubectl argo rollouts abort`.
    Abort(ObjectRef),
    /// An action that is accepted but not simulated by this version (announced with `Info:`).
    NotSimulated(String),
}

impl Action {
    /// `(action name as written in YAML, details)`, for listings of the timeline.
    pub fn describe(&self) -> (String, String) {
        match self {
            Action::Apply(object) => (
                "apply".into(),
                format!("{}/{}", object.kind(), object.name()),
            ),
            Action::Delete(r, _) => ("delete".into(), r.to_string()),
            Action::SetImage {
                target,
                container,
                image,
            } => (
                "setImage".into(),
                match container {
                    Some(c) => format!("{target} {c}={image}"),
                    None => format!("{target} {image}"),
                },
            ),
            Action::Scale { target, replicas } => {
                ("scale".into(), format!("{target} replicas={replicas}"))
            }
            Action::Patch { target, patch } => ("patch".into(), format!("{target} {patch}")),
            Action::KillPod {
                target,
                selector,
                exit_code,
                container,
            } => {
                let mut details = match (target, selector) {
                    (Some(t), _) => t.to_string(),
                    (None, Some(sel)) => format!(
                        "selector={}",
                        sel.iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                    (None, None) => String::new(),
                };
                if let Some(c) = container {
                    details.push_str(&format!(" container={c}"));
                }
                details.push_str(&format!(" exitCode={exit_code}"));
                ("killPod".into(), details)
            }
            Action::ForceDeletePod(r) => ("forceDeletePod".into(), r.to_string()),
            Action::SwitchService { target, selector } => (
                "switchService".into(),
                format!(
                    "{target} selector={}",
                    selector
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            ),
            Action::Drain {
                node,
                timeout_ns,
                grace_period_s,
            } => {
                let mut details = format!("node/{node}");
                if let Some(t) = timeout_ns {
                    details.push_str(&format!(" timeout={}s", t / 1_000_000_000));
                }
                if let Some(g) = grace_period_s {
                    details.push_str(&format!(" gracePeriod={g}"));
                }
                ("drain".into(), details)
            }
            Action::SetTraffic(t) => (
                "setTraffic".into(),
                format!("service/{} {} change points", t.service, t.demand.len()),
            ),
            Action::RolloutPause(r) => ("rolloutPause".into(), r.to_string()),
            Action::Promote(r) => ("promote".into(), r.to_string()),
            Action::Abort(r) => ("abort".into(), r.to_string()),
            Action::RolloutResume(r) => ("rolloutResume".into(), r.to_string()),
            Action::RolloutUndo {
                target,
                to_revision,
            } => (
                "rolloutUndo".into(),
                match to_revision {
                    Some(rev) => format!("{target} toRevision={rev}"),
                    None => target.to_string(),
                },
            ),
            Action::Cordon(node) => ("cordon".into(), format!("node/{node}")),
            Action::NodeFault(fault, node) => (
                match fault {
                    NodeFaultAction::Fail => "failNode",
                    NodeFaultAction::Recover => "recoverNode",
                    NodeFaultAction::Partition => "partitionNode",
                    NodeFaultAction::Heal => "healPartition",
                }
                .into(),
                format!("node/{node}"),
            ),
            Action::ZoneFault(fault, zone) => (
                if *fault == NodeFaultAction::Fail {
                    "failZone"
                } else {
                    "recoverZone"
                }
                .into(),
                format!("zone {zone}"),
            ),
            Action::DeleteNode(node) => ("deleteNode".into(), format!("node/{node}")),
            Action::AddNodes { pool, count } => {
                ("addNodes".into(), format!("pool {pool} count={count}"))
            }
            Action::Uncordon(node) => ("uncordon".into(), format!("node/{node}")),
            Action::NotSimulated(what) => (what.clone(), "(accepted, not simulated)".into()),
        }
    }
}

/// Metrics an expectation can check (CONTRACT §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Share of time a Service had at least one serving endpoint (its `minReadyEndpoints` with
    /// a `spec.availability` rule).
    Availability,
    /// Share of demanded requests served.
    ServedFraction,
    /// Seconds without a ready endpoint.
    Downtime,
    /// Workload ready replicas.
    ReadyReplicas,
    /// Workload available replicas.
    AvailableReplicas,
    /// Workload updated replicas.
    UpdatedReplicas,
    /// Workload replicas.
    Replicas,
    /// Seconds from an update to its completion.
    RolloutDuration,
    /// Pending pods (cluster or workload).
    PendingPods,
    /// Pods on a node.
    PodsOnNode,
    /// Number of events (optionally with a reason and object).
    EventCount,
    /// Share of requests served by pods of images with an error rate.
    BadRequestFraction,
    /// Job `status.succeeded`.
    Succeeded,
    /// Job `status.failed`.
    Failed,
    /// Job `status.active`, or the number of active Jobs of a CronJob.
    Active,
    /// Seconds a workload had fewer ready replicas than desired, after it first had them all.
    TimeBelowDesired,
    /// Number of outages of a Service (stretches with fewer serving endpoints than needed).
    OutageCount,
    /// 1 once the data of a claim (`persistentvolumeclaim/NAME`: its local volume's node was
    /// deleted) or of a pod (`pod/NAME`: its `emptyDir` went with the pod, its `hostPath` with
    /// the node) was lost, else 0.
    DataLoss,
}

impl Metric {
    /// Parses the contract's metric name.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "availability" => Metric::Availability,
            "servedFraction" => Metric::ServedFraction,
            "downtime" => Metric::Downtime,
            "readyReplicas" => Metric::ReadyReplicas,
            "availableReplicas" => Metric::AvailableReplicas,
            "updatedReplicas" => Metric::UpdatedReplicas,
            "replicas" => Metric::Replicas,
            "rolloutDuration" => Metric::RolloutDuration,
            "pendingPods" => Metric::PendingPods,
            "podsOnNode" => Metric::PodsOnNode,
            "eventCount" => Metric::EventCount,
            "badRequestFraction" => Metric::BadRequestFraction,
            "succeeded" => Metric::Succeeded,
            "failed" => Metric::Failed,
            "active" => Metric::Active,
            "timeBelowDesired" => Metric::TimeBelowDesired,
            "outageCount" => Metric::OutageCount,
            "dataLoss" => Metric::DataLoss,
            _ => return None,
        })
    }

    /// All names, for messages.
    pub const NAMES: &'static str = "availability, servedFraction, downtime, readyReplicas, availableReplicas, updatedReplicas, replicas, rolloutDuration, pendingPods, podsOnNode, eventCount, badRequestFraction, succeeded, failed, active, timeBelowDesired, outageCount, dataLoss";
}

/// The time window an expectation looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The whole run for rates and counts; the final value for gauges.
    Default,
    /// `during: [from, to]`.
    During(SimTime, SimTime),
    /// `at: t`.
    At(SimTime),
}

/// One expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// Display name.
    pub name: String,
    /// Metric.
    pub metric: Metric,
    /// Target object (`None`: cluster-wide).
    pub target: Option<ObjectRef>,
    /// Namespace of the target.
    pub namespace: String,
    /// Event reason filter for `eventCount`.
    pub reason: Option<String>,
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
    /// Window.
    pub window: Window,
}

/// `DeleteOptions.propagationPolicy`: what the garbage collector does with the dependents of
/// a deleted object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PropagationPolicy {
    /// The object goes at once; its dependents are deleted afterwards (the default).
    #[default]
    Background,
    /// The dependents are deleted first; the object goes when they are gone.
    Foreground,
    /// The dependents stay, without owner.
    Orphan,
}
