//! Builders for scheduler unit tests (compiled only for tests).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::node::{Node, Taint, TaintEffect};
use crate::model::pod::{Container, PodSpec, PullPolicy, Toleration};
use crate::model::resources::ResourceList;
use crate::model::selector::{NodeSelectorTerm, Requirement, SelectorOp};
use crate::model::storage::{
    PersistentVolume, PersistentVolumeClaim, Storage, StorageClass, VolumeBindingMode,
};
use crate::scheduler::framework::{ClusterClient, CycleState, NodeInfo, PodInfo, STORAGE_KEY};
use crate::scheduler::snapshot::{SNAPSHOT_INDEX_KEY, SnapshotIndex};

/// Labels shared by test pods.
pub static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();

/// A pod named `p` in `default` with `spec`.
pub fn pod(spec: &PodSpec) -> PodInfo<'_> {
    PodInfo::new("default", "p", &NO_LABELS, spec, 0)
}

/// A label map from pairs.
pub fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A pod in namespace `ns` with these labels, spec and uid.
pub fn pod_with<'a>(
    ns: &'a str,
    labels: &'a BTreeMap<String, String>,
    spec: &'a PodSpec,
    uid: u64,
) -> PodInfo<'a> {
    PodInfo::new(ns, "p", labels, spec, uid)
}

/// Two fresh cycle states for `nodes`: without and with the snapshot index the scheduler
/// provides (plugins must give the same answers either way).
pub fn both_states(nodes: &[NodeInfo]) -> [CycleState; 2] {
    let mut indexed = CycleState::new();
    indexed.write(SNAPSHOT_INDEX_KEY, Arc::new(SnapshotIndex::build(nodes)));
    [CycleState::new(), indexed]
}

/// A resource list with explicit CPU (millicores) and memory (bytes).
pub fn res(cpu_millis: i64, memory_bytes: i64) -> ResourceList {
    ResourceList {
        cpu_millis,
        memory_bytes,
        has_cpu: true,
        has_memory: true,
        ..Default::default()
    }
}

/// A container with the given requests.
pub fn container(requests: ResourceList) -> Container {
    Container {
        name: "c".into(),
        image: "img".into(),
        pull_policy: PullPolicy::IfNotPresent,
        requests,
        limits: ResourceList::default(),
        readiness_probe: None,
        liveness_probe: None,
        startup_probe: None,
        pre_stop_ns: 0,
        pre_stop_handler: false,
        host_ports: Vec::new(),
    }
}

/// Builds a [`PodSpec`].
#[derive(Default)]
pub struct PodBuilder {
    spec: PodSpec,
}

impl PodBuilder {
    /// An empty pod (no containers).
    pub fn new() -> Self {
        PodBuilder::default()
    }

    /// Adds a container requesting `cpu_millis` and `memory_bytes` (both explicit).
    pub fn req(mut self, cpu_millis: i64, memory_bytes: i64) -> Self {
        self.spec
            .containers
            .push(container(res(cpu_millis, memory_bytes)));
        self
    }

    /// Sets the (admitted) priority.
    pub fn priority(mut self, priority: i64) -> Self {
        self.spec.priority = priority;
        self
    }

    /// Adds a container with no request at all.
    pub fn best_effort(mut self) -> Self {
        self.spec
            .containers
            .push(container(ResourceList::default()));
        self
    }

    /// Adds a container requesting only a scalar resource.
    pub fn scalar(mut self, name: &str, amount: i64) -> Self {
        let mut r = ResourceList::default();
        r.scalars.insert(name.into(), amount);
        self.spec.containers.push(container(r));
        self
    }

    /// Adds a scalar request to the last container.
    pub fn with_scalar(mut self, name: &str, amount: i64) -> Self {
        if let Some(c) = self.spec.containers.last_mut() {
            c.requests.scalars.insert(name.into(), amount);
        }
        self
    }

    /// Mounts the PersistentVolumeClaim `name`.
    pub fn claim(mut self, name: &str) -> Self {
        self.spec.claims.push(name.into());
        self
    }

    /// Adds an init container with the given requests.
    pub fn init(mut self, cpu_millis: i64, memory_bytes: i64) -> Self {
        self.spec
            .init_containers
            .push(container(res(cpu_millis, memory_bytes)));
        self
    }

    /// Adds a host port to the last container (adding a container if there is none).
    pub fn host_port(mut self, protocol: &str, port: i32) -> Self {
        if self.spec.containers.is_empty() {
            self.spec
                .containers
                .push(container(ResourceList::default()));
        }
        if let Some(c) = self.spec.containers.last_mut() {
            c.host_ports.push((protocol.into(), port));
        }
        self
    }

    /// Adds a toleration.
    pub fn tolerate(
        mut self,
        key: &str,
        exists: bool,
        value: &str,
        effect: Option<TaintEffect>,
    ) -> Self {
        self.spec.tolerations.push(Toleration {
            key: key.into(),
            exists,
            value: value.into(),
            effect,
            toleration_seconds: None,
        });
        self
    }

    /// Adds a `nodeSelector` entry.
    pub fn node_selector(mut self, key: &str, value: &str) -> Self {
        self.spec.node_selector.insert(key.into(), value.into());
        self
    }

    /// Sets `spec.nodeName`.
    pub fn node_name(mut self, name: &str) -> Self {
        self.spec.node_name = Some(name.into());
        self
    }

    /// Adds a required node affinity term.
    pub fn required(mut self, term: NodeSelectorTerm) -> Self {
        self.spec.required_node_terms.push(term);
        self
    }

    /// Adds a preferred node affinity term.
    pub fn preferred(mut self, weight: i64, term: NodeSelectorTerm) -> Self {
        self.spec.preferred_node_terms.push((weight, term));
        self
    }

    /// The spec.
    pub fn build(self) -> PodSpec {
        self.spec
    }
}

/// A requirement `key op values`.
pub fn req(key: &str, op: SelectorOp, values: &[&str]) -> Requirement {
    Requirement {
        key: key.into(),
        op,
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

/// A node selector term with label expressions only.
pub fn term(expressions: Vec<Requirement>) -> NodeSelectorTerm {
    NodeSelectorTerm {
        match_expressions: expressions,
        match_fields: Vec::new(),
    }
}

/// A node selector term `metadata.name In names`.
pub fn name_term(names: &[&str]) -> NodeSelectorTerm {
    NodeSelectorTerm {
        match_expressions: Vec::new(),
        match_fields: vec![req("metadata.name", SelectorOp::In, names)],
    }
}

/// Builds a [`Node`] and its [`NodeInfo`].
pub struct NodeBuilder {
    node: Node,
}

impl NodeBuilder {
    /// A node named `name` with 110 pods allocatable and nothing else.
    pub fn new(name: &str) -> Self {
        let mut labels = BTreeMap::new();
        labels.insert("kubernetes.io/hostname".to_string(), name.to_string());
        let allocatable = ResourceList {
            pods: 110,
            ..Default::default()
        };
        NodeBuilder {
            node: Node {
                name: name.into(),
                labels,
                capacity: allocatable.clone(),
                allocatable,
                taints: Vec::new(),
                unschedulable: false,
                ready: true,
                pool: None,
            },
        }
    }

    /// Sets allocatable CPU and memory.
    pub fn alloc(mut self, cpu_millis: i64, memory_bytes: i64) -> Self {
        self.node.allocatable.cpu_millis = cpu_millis;
        self.node.allocatable.memory_bytes = memory_bytes;
        self
    }

    /// Sets an allocatable scalar resource.
    pub fn scalar(mut self, name: &str, amount: i64) -> Self {
        self.node.allocatable.scalars.insert(name.into(), amount);
        self
    }

    /// Sets allocatable pods.
    pub fn pods(mut self, pods: i64) -> Self {
        self.node.allocatable.pods = pods;
        self
    }

    /// Adds a label.
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.node.labels.insert(key.into(), value.into());
        self
    }

    /// Adds a taint.
    pub fn taint(mut self, key: &str, value: &str, effect: TaintEffect) -> Self {
        self.node.taints.push(Taint {
            key: key.into(),
            value: value.into(),
            effect,
        });
        self
    }

    /// Cordons the node.
    pub fn unschedulable(mut self) -> Self {
        self.node.unschedulable = true;
        self
    }

    /// The node info with no pod.
    pub fn info(self) -> NodeInfo {
        NodeInfo::new(Arc::new(self.node))
    }

    /// The node info with these pods bound.
    pub fn with_pods(self, pods: &[&PodSpec]) -> NodeInfo {
        let mut info = self.info();
        for (uid, p) in pods.iter().enumerate() {
            info.add_pod(&PodInfo::new("default", "p", &NO_LABELS, p, uid as u64));
        }
        info
    }
}

/// A [`ClusterClient`] that records the calls (and fails them all when `fail` is set).
#[derive(Debug, Default)]
pub struct RecordingClient {
    /// One line per call, in order.
    pub calls: Vec<String>,
    /// The error every call returns, when set.
    pub fail: Option<String>,
}

impl RecordingClient {
    fn result(&self) -> Result<(), String> {
        self.fail.clone().map_or(Ok(()), Err)
    }
}

impl ClusterClient for RecordingClient {
    fn bind_pod(&mut self, namespace: &str, name: &str, node_name: &str) -> Result<(), String> {
        self.calls
            .push(format!("bind {namespace}/{name} to {node_name}"));
        self.result()
    }

    fn bind_claim(&mut self, namespace: &str, claim: &str, volume: &str) -> Result<(), String> {
        self.calls
            .push(format!("bind claim {namespace}/{claim} to {volume}"));
        self.result()
    }

    fn provision_claim(
        &mut self,
        namespace: &str,
        claim: &str,
        node_name: &str,
    ) -> Result<(), String> {
        self.calls.push(format!(
            "provision claim {namespace}/{claim} on {node_name}"
        ));
        self.result()
    }
}

/// A 10 GiB ReadWriteOnce volume of `class`, pinned to host `host` when given, with `labels`.
pub fn volume(
    name: &str,
    class: &str,
    host: Option<&str>,
    labels: &[(&str, &str)],
) -> PersistentVolume {
    PersistentVolume {
        name: name.into(),
        labels: self::labels(labels),
        capacity_bytes: 10 << 30,
        access_modes: vec!["ReadWriteOnce".into()],
        storage_class: class.into(),
        node_affinity: host
            .map(|h| {
                vec![term(vec![req(
                    "kubernetes.io/hostname",
                    SelectorOp::In,
                    &[h],
                )])]
            })
            .unwrap_or_default(),
        claim_ref: None,
        csi_driver: None,
        volume_handle: name.into(),
    }
}

/// A 1 GiB ReadWriteOnce claim `default/name` of `class`, bound to `volume` when given.
pub fn claim(name: &str, class: &str, volume: Option<&str>) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        namespace: "default".into(),
        name: name.into(),
        storage_class: Some(class.into()),
        volume_name: volume.map(str::to_string),
        request_bytes: 1 << 30,
        access_modes: vec!["ReadWriteOnce".into()],
        selector: None,
        bound: volume.is_some(),
    }
}

/// A StorageClass.
pub fn storage_class(name: &str, mode: VolumeBindingMode, provisioner: &str) -> StorageClass {
    StorageClass {
        name: name.into(),
        provisioner: provisioner.into(),
        binding_mode: mode,
        allowed_topologies: Vec::new(),
        is_default: false,
    }
}

/// Storage holding these objects; bound claims mark their volumes as taken.
pub fn storage_of(
    classes: Vec<StorageClass>,
    volumes: Vec<PersistentVolume>,
    claims: Vec<PersistentVolumeClaim>,
) -> Storage {
    let mut s = Storage::default();
    for c in classes {
        s.classes.insert(c.name.clone(), c);
    }
    for v in volumes {
        s.volumes.insert(v.name.clone(), v);
    }
    for c in claims {
        if let Some(v) = c.volume_name.as_ref().and_then(|v| s.volumes.get_mut(v)) {
            v.claim_ref = Some((c.namespace.clone(), c.name.clone()));
        }
        s.claims.insert((c.namespace.clone(), c.name.clone()), c);
    }
    s
}

/// A cycle state holding `storage` as the scheduler would.
pub fn state_with(storage: Storage) -> CycleState {
    let mut state = CycleState::new();
    state.write(STORAGE_KEY, Arc::new(storage));
    state
}
