//! Serde mirror of the `kind: Scenario` document (CONTRACT §1). No logic: validation turns it
//! into [`super::Scenario`]. `Serialize` is derived only so that unknown fields can be found by
//! comparing the typed value with the YAML the author wrote.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The whole Scenario document.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawScenario {
    /// `timonel/v1alpha1`.
    #[serde(default)]
    pub api_version: String,
    /// `Scenario`.
    #[serde(default)]
    pub kind: String,
    /// Name and description.
    #[serde(default)]
    pub metadata: RawMeta,
    /// Everything else.
    #[serde(default)]
    pub spec: RawSpec,
}

/// `metadata` of the Scenario.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawMeta {
    /// Scenario name (default output folder `results/<name>/`).
    #[serde(default)]
    pub name: String,
    /// One paragraph describing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `spec` of the Scenario.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawSpec {
    /// Master seed (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Simulated duration, Go style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// Kubernetes version whose defaults apply (default "1.33").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    /// Node pools.
    #[serde(default)]
    pub cluster: RawCluster,
    /// Image behaviour by image reference (`default` for all others).
    #[serde(default)]
    pub images: BTreeMap<String, RawImage>,
    /// Storage timing by StorageClass name (`default` for all others).
    #[serde(default)]
    pub storage: BTreeMap<String, RawStorageTiming>,
    /// Demand per Service.
    #[serde(default)]
    pub traffic: Vec<RawTraffic>,
    /// Scripted actions.
    #[serde(default)]
    pub timeline: Vec<RawAction>,
    /// Random failure processes.
    #[serde(default)]
    pub faults: Vec<BTreeMap<String, serde_json::Value>>,
    /// Expectations.
    #[serde(default)]
    pub expect: Vec<RawExpect>,
    /// Pods replayed from traces.
    #[serde(default)]
    pub arrivals: Vec<RawTrace>,
    /// Scheduler settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<RawSchedulerSpec>,
    /// Per-Service availability rules (quorum).
    #[serde(default)]
    pub availability: Vec<RawAvailability>,
}

/// One `spec.availability` entry: a Service counts as up only with at least
/// `minReadyEndpoints` serving endpoints.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawAvailability {
    /// Service name.
    #[serde(default)]
    pub service: String,
    /// Namespace of the Service (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Quorum: serving endpoints needed for the Service to be up (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ready_endpoints: Option<i64>,
}

/// `spec.scheduler`: latencies and an inline `KubeSchedulerConfiguration`.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawSchedulerSpec {
    /// Time one scheduling cycle takes (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling_latency: Option<String>,
    /// Time from decision to binding (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding_latency: Option<String>,
    /// An inline `KubeSchedulerConfiguration` (read separately, with positions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<serde_json::Value>,
}

/// `spec.cluster`.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawCluster {
    /// Node pools.
    #[serde(default)]
    pub node_pools: Vec<RawNodePool>,
    /// Nodes read from a trace's node list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_trace: Option<RawTrace>,
    /// Time from a pod's readiness change until kube-proxy routes accordingly (default 1s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_propagation_delay: Option<String>,
}

/// A trace file to replay (`spec.cluster.nodeTrace`, `spec.arrivals[]`).
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawTrace {
    /// Trace format (`openb`).
    #[serde(default)]
    pub format: String,
    /// CSV file, relative to the scenario file.
    #[serde(default)]
    pub file: String,
    /// At most this many rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// `timed` (the trace's times) or `bulk` (all at t=0, file order); pods only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Image of the replayed pods (behaviour from `spec.images`); default `openb-task`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// One node pool.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawNodePool {
    /// Pool name; nodes are `<name>-<index>`.
    #[serde(default)]
    pub name: String,
    /// Number of nodes.
    #[serde(default)]
    pub count: i64,
    /// Zones, assigned round-robin.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Capacity (`cpu`, `memory`, `pods`, extended resources).
    #[serde(default)]
    pub capacity: BTreeMap<String, RawScalar>,
    /// Allocatable (defaults to capacity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocatable: Option<BTreeMap<String, RawScalar>>,
    /// Extra labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Taints.
    #[serde(default)]
    pub taints: Vec<RawTaint>,
}

/// A quantity or other scalar written as a number or a string.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RawScalar {
    /// An integer.
    Int(i64),
    /// A float (kept for its text).
    Float(f64),
    /// A string.
    Text(String),
}

impl RawScalar {
    /// The text form (`4`, `1.5`, `16Gi`).
    pub fn text(&self) -> String {
        match self {
            RawScalar::Int(v) => v.to_string(),
            RawScalar::Float(v) => v.to_string(),
            RawScalar::Text(t) => t.clone(),
        }
    }
}

/// A node pool taint.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawTaint {
    /// Key.
    #[serde(default)]
    pub key: String,
    /// Value.
    #[serde(default)]
    pub value: String,
    /// Effect.
    #[serde(default)]
    pub effect: String,
}

/// A duration: Go-style text, or a distribution.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum RawDuration {
    /// `2s`, `1m30s`.
    Fixed(String),
    /// A plain number is rejected with a helpful message (Go durations need a unit).
    Number(f64),
    /// `{dist: exponential, mean: 5s}` and friends.
    Dist(RawDist),
}

/// By hand rather than `untagged`: serde's untagged enums read a struct from a sequence too
/// (`pull: [5s]` would become `dist: 5s`) and fail with a message that names no expected form.
impl<'de> Deserialize<'de> for RawDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawDuration;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a duration such as \"5s\" or a distribution such as {dist: exponential, mean: 5s}",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawDuration, E> {
                Ok(RawDuration::Fixed(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawDuration, E> {
                Ok(RawDuration::Number(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawDuration, E> {
                Ok(RawDuration::Number(v as f64))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawDuration, E> {
                Ok(RawDuration::Number(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawDuration, A::Error> {
                RawDist::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawDuration::Dist)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A duration distribution.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawDist {
    /// `exponential`, `lognormal`, `uniform`, `constant`.
    #[serde(default)]
    pub dist: String,
    /// Mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<String>,
    /// Median.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<String>,
    /// Minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<String>,
    /// Maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
    /// 99th percentile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99: Option<String>,
}

/// How containers running one image behave.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawImage {
    /// Pull time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull: Option<RawDuration>,
    /// Process start time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<RawDuration>,
    /// Time from start until the app is ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<RawDuration>,
    /// Time to exit after SIGTERM (default 1s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<RawDuration>,
    /// Batch run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_for: Option<RawDuration>,
    /// Exit code after `runFor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Crash (exit 1) this long after every start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crash_after: Option<RawDuration>,
    /// The app hangs (stops answering probes and requests) this long after every start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hang_after: Option<RawDuration>,
    /// Pull failure reason (`ErrImagePull`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_error: Option<String>,
    /// Share of requests failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<f64>,
    /// Memory the container uses: a quantity (constant) or `{start, growth, every}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<RawMemory>,
    /// Time an `exec` or `httpGet` preStop handler takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_stop: Option<RawDuration>,
}

/// `spec.images.<image>.memory`: constant use, or use that grows in steps.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum RawMemory {
    /// `300Mi`: constant use.
    Constant(RawScalar),
    /// `{start: 100Mi, growth: 10Mi, every: 1m}`.
    Growth(RawMemoryGrowth),
}

/// By hand rather than `untagged`, as for [`RawDuration`]: the message names both forms.
impl<'de> Deserialize<'de> for RawMemory {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawMemory;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a quantity such as \"300Mi\" or {start: 100Mi, growth: 10Mi, every: 1m}",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawMemory, E> {
                Ok(RawMemory::Constant(RawScalar::Text(v.to_string())))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawMemory, E> {
                Ok(RawMemory::Constant(RawScalar::Text(v.to_string())))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawMemory, E> {
                Ok(RawMemory::Constant(RawScalar::Text(v.to_string())))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawMemory, E> {
                Ok(RawMemory::Constant(RawScalar::Text(v.to_string())))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawMemory, A::Error> {
                RawMemoryGrowth::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawMemory::Growth)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Memory use that starts at `start` and grows by `growth` every `every`.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawMemoryGrowth {
    /// Use right after the start (a quantity; default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<RawScalar>,
    /// Added every `every` (a quantity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth: Option<RawScalar>,
    /// Step of the growth (Go duration; default 1m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
}

/// How the simulated storage backend of one StorageClass behaves.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawStorageTiming {
    /// Provisioning time of a volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provision: Option<RawDuration>,
    /// Attach time of a network volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<RawDuration>,
    /// Detach time of a network volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detach: Option<RawDuration>,
}

/// One `spec.traffic` entry.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawTraffic {
    /// Service name.
    #[serde(default)]
    pub service: String,
    /// Namespace (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Constant demand (requests/s) or a pattern/trace object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rps: Option<serde_json::Value>,
    /// Capacity of one ready pod (requests/s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_pod_rps: Option<f64>,
    /// CPU used per request/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_per_request: Option<RawScalar>,
    /// Idle CPU per pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_cpu: Option<RawScalar>,
    /// Fixed traffic shares for pod subsets (A/B testing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<Vec<RawSplit>>,
}

/// One `split` entry: `percent` of a Service's requests go to its ready endpoints matching
/// `selector`.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawSplit {
    /// Pod labels of the subset.
    #[serde(default)]
    pub selector: BTreeMap<String, String>,
    /// Share of the requests, 0–100.
    #[serde(default)]
    pub percent: f64,
}

/// One timeline action: the union of every action's parameters.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawAction {
    /// When (Go duration).
    #[serde(default)]
    pub at: String,
    /// Action name.
    #[serde(default)]
    pub action: String,
    /// Namespace (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `kind/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Image for setImage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Container for setImage / killPod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Replicas for scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    /// Patch object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<serde_json::Value>,
    /// Inline manifest for apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<serde_json::Value>,
    /// File for apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Revision for rolloutUndo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_revision: Option<i64>,
    /// Node for node actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Pool for addNodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// Count for addNodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// Zone for zone actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Selector for switchService / killPod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<BTreeMap<String, String>>,
    /// Exit code for killPod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Timeout for drain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Grace period for drain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period: Option<String>,
    /// Service for setTraffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Demand for setTraffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rps: Option<serde_json::Value>,
    /// Per-pod capacity for setTraffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_pod_rps: Option<f64>,
    /// CPU per request/s for setTraffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_per_request: Option<RawScalar>,
    /// Idle CPU per pod for setTraffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_cpu: Option<RawScalar>,
    /// Fixed traffic shares for setTraffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<Vec<RawSplit>>,
    /// `propagationPolicy` for delete: Background (default), Foreground or Orphan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagation_policy: Option<String>,
}

/// One expectation.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawExpect {
    /// Display name (default: derived from metric and target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Metric name.
    #[serde(default)]
    pub metric: String,
    /// `kind/name`, or absent for cluster-wide metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Namespace (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Event reason for eventCount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Window `[from, to]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub during: Option<Vec<String>>,
    /// Instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}
