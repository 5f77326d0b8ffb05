//! The scheduling framework's nouns: [`Status`] (as data), [`CycleState`], the cluster view given
//! to plugins ([`NodeInfo`], [`PodInfo`]) and one trait per extension point.
//!
//! Mirrors `pkg/scheduler/framework` (`interface.go`, `types.go`, `cycle_state.go`). A plugin is
//! one value implementing [`Plugin`]; each extension point it serves is announced by overriding
//! the matching `as_*` accessor (the Rust counterpart of Go's interface type assertion), so one
//! plugin instance can be PreFilter, Filter, PreScore and Score at once, as upstream.
//!
//! "Did not fit" is data, not an error: a Filter plugin returns a [`Status`] whose [`Code`] is
//! `Unschedulable` or `UnschedulableAndUnresolvable`, with reasons in upstream wording.

use std::any::Any;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::pod::{PodAffinity, PodAffinityTerm};
use crate::model::selector::{Requirement, SelectorOp};
use crate::model::storage::Storage;
use crate::model::{LabelSelector, Node, PodSpec, ResourceList};
use crate::scheduler::runtime::Framework;
use crate::sim::rng::SimRng;

/// Highest score a Score plugin may give a node after normalization (`framework.MaxNodeScore`).
pub const MAX_NODE_SCORE: i64 = 100;

/// Lowest score a Score plugin may give a node after normalization (`framework.MinNodeScore`).
pub const MIN_NODE_SCORE: i64 = 0;

/// Result code of a plugin call (`framework.Code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// The plugin ran and the pod passes (or the step succeeded).
    Success,
    /// Internal failure (bad configuration, missing cycle state): the cycle is aborted.
    Error,
    /// The pod does not fit this node now, but preemption might help.
    Unschedulable,
    /// The pod does not fit this node and preemption cannot help.
    UnschedulableAndUnresolvable,
    /// PreFilter / PreScore only: the plugin has nothing to do for this pod; its Filter / Score
    /// is skipped for the whole cycle.
    Skip,
}

impl Code {
    /// The upstream spelling (`Code.String()`).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Success => "Success",
            Code::Error => "Error",
            Code::Unschedulable => "Unschedulable",
            Code::UnschedulableAndUnresolvable => "UnschedulableAndUnresolvable",
            Code::Skip => "Skip",
        }
    }
}

/// A reason string: borrowed for the fixed upstream messages (no allocation on the per-node hot
/// path), owned for formatted ones such as `node(s) had untolerated taint {k: v}`.
pub type Reason = Cow<'static, str>;

/// Outcome of a plugin call (`framework.Status`): a code, the reasons in upstream wording, and the
/// plugin that produced it (set by the framework runner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Result code.
    pub code: Code,
    /// Human-readable reasons; each is counted separately in the FailedScheduling message.
    pub reasons: Vec<Reason>,
    /// Name of the plugin that returned this status (empty until the framework sets it).
    pub plugin: &'static str,
}

impl Default for Status {
    fn default() -> Self {
        Status::success()
    }
}

impl Status {
    /// A success status (no allocation).
    pub const fn success() -> Self {
        Status {
            code: Code::Success,
            reasons: Vec::new(),
            plugin: "",
        }
    }

    /// A status with no reason (e.g. `Skip`).
    pub const fn of(code: Code) -> Self {
        Status {
            code,
            reasons: Vec::new(),
            plugin: "",
        }
    }

    /// A `Skip` status (PreFilter / PreScore: nothing to do for this pod).
    pub const fn skip() -> Self {
        Status::of(Code::Skip)
    }

    /// A status with one reason.
    pub fn new(code: Code, reason: impl Into<Reason>) -> Self {
        Status {
            code,
            reasons: vec![reason.into()],
            plugin: "",
        }
    }

    /// A status with several reasons.
    pub fn with_reasons(code: Code, reasons: Vec<Reason>) -> Self {
        Status {
            code,
            reasons,
            plugin: "",
        }
    }

    /// An `Unschedulable` status with one reason.
    pub fn unschedulable(reason: impl Into<Reason>) -> Self {
        Status::new(Code::Unschedulable, reason)
    }

    /// An `UnschedulableAndUnresolvable` status with one reason.
    pub fn unresolvable(reason: impl Into<Reason>) -> Self {
        Status::new(Code::UnschedulableAndUnresolvable, reason)
    }

    /// An `Error` status with one message.
    pub fn error(message: impl Into<Reason>) -> Self {
        Status::new(Code::Error, message)
    }

    /// Sets the plugin that produced this status (`Status.WithPlugin`).
    #[must_use]
    pub fn with_plugin(mut self, plugin: &'static str) -> Self {
        self.plugin = plugin;
        self
    }

    /// True for `Success`.
    pub fn is_success(&self) -> bool {
        self.code == Code::Success
    }

    /// True for `Skip`.
    pub fn is_skip(&self) -> bool {
        self.code == Code::Skip
    }

    /// True for `Error`.
    pub fn is_error(&self) -> bool {
        self.code == Code::Error
    }

    /// True for `Unschedulable` or `UnschedulableAndUnresolvable` (`Status.IsRejected`).
    pub fn is_rejected(&self) -> bool {
        matches!(
            self.code,
            Code::Unschedulable | Code::UnschedulableAndUnresolvable
        )
    }

    /// The reasons joined with `", "` (`Status.Message`).
    pub fn message(&self) -> String {
        self.reasons.join(", ")
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reasons.is_empty() {
            f.write_str(self.code.as_str())
        } else {
            f.write_str(&self.message())
        }
    }
}

/// Data a plugin stores in the [`CycleState`] (`framework.StateData`): any `'static` value that
/// can be cloned (preemption clones the state to try victims).
pub trait StateData: Any + Send + Sync {
    /// A boxed copy of the value (`StateData.Clone`).
    fn clone_box(&self) -> Box<dyn StateData>;
}

impl<T: Any + Clone + Send + Sync> StateData for T {
    fn clone_box(&self) -> Box<dyn StateData> {
        Box::new(self.clone())
    }
}

/// Per-cycle store shared by the plugins of one scheduling attempt (`framework.CycleState`).
///
/// Keys are `&'static str` (by convention `"PreFilter" + plugin name`, as upstream); values are
/// typed: [`CycleState::read`] returns `None` for a missing key or a value of another type. A
/// small vector with linear search: a cycle holds a handful of entries, and lookups sit on the
/// per-node path.
#[derive(Default)]
pub struct CycleState {
    entries: Vec<(&'static str, Box<dyn StateData>)>,
    /// Plugins whose PreFilter returned `Skip`: their Filter is not run this cycle.
    pub skip_filter_plugins: BTreeSet<&'static str>,
    /// Plugins whose PreScore returned `Skip`: their Score is not run this cycle.
    pub skip_score_plugins: BTreeSet<&'static str>,
}

impl CycleState {
    /// An empty state.
    pub fn new() -> Self {
        CycleState::default()
    }

    /// Stores `value` under `key`, replacing any previous value.
    pub fn write<T: StateData>(&mut self, key: &'static str, value: T) {
        let boxed: Box<dyn StateData> = Box::new(value);
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = boxed,
            None => self.entries.push((key, boxed)),
        }
    }

    /// The value stored under `key`, if present and of type `T`.
    pub fn read<T: Any>(&self, key: &'static str) -> Option<&T> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, value)| {
                let any: &dyn Any = value.as_ref();
                any.downcast_ref::<T>()
            })
    }

    /// The value stored under `key`, mutably, if present and of type `T` (the PreFilter
    /// extensions update their state through it).
    pub fn read_mut<T: Any>(&mut self, key: &'static str) -> Option<&mut T> {
        self.entries
            .iter_mut()
            .find(|(k, _)| *k == key)
            .and_then(|(_, value)| {
                let any: &mut dyn Any = value.as_mut();
                any.downcast_mut::<T>()
            })
    }

    /// Removes the value stored under `key`; true if there was one.
    pub fn delete(&mut self, key: &'static str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(k, _)| *k != key);
        self.entries.len() != before
    }
}

impl Clone for CycleState {
    fn clone(&self) -> Self {
        CycleState {
            entries: self
                .entries
                .iter()
                .map(|(k, v)| (*k, v.as_ref().clone_box()))
                .collect(),
            skip_filter_plugins: self.skip_filter_plugins.clone(),
            skip_score_plugins: self.skip_score_plugins.clone(),
        }
    }
}

impl fmt::Debug for CycleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CycleState")
            .field(
                "keys",
                &self.entries.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            )
            .field("skip_filter_plugins", &self.skip_filter_plugins)
            .field("skip_score_plugins", &self.skip_score_plugins)
            .finish()
    }
}

/// Cycle-state key of the storage objects (`Arc<Storage>`) the scheduler's snapshot holds: the
/// PVC / PV / StorageClass listers of the volume plugins.
pub const STORAGE_KEY: &str = "StorageListers";

/// The storage objects of this cycle (empty when the scheduler was given none).
pub fn storage(state: &CycleState) -> &Storage {
    static EMPTY: std::sync::LazyLock<Storage> = std::sync::LazyLock::new(Storage::default);
    state
        .read::<Arc<Storage>>(STORAGE_KEY)
        .map_or(&*EMPTY, |s| s.as_ref())
}

/// Hash of one label `key=value` (FNV-1a over the key, a separator and the value), the key of
/// the per-node label index ([`NodeInfo::label_count`]). Fixed, so it is the same in every run.
pub fn label_hash(key: &str, value: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h = OFFSET;
    for &b in key.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(PRIME);
    }
    h = (h ^ 0xff).wrapping_mul(PRIME);
    for &b in value.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(PRIME);
    }
    // Finalizer (SplitMix64's): spreads every input bit over the whole hash.
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Source of [`NodeInfo::generation`] values (upstream's `nextGeneration`): every node info and
/// every change to one gets a number never used before, so an equal generation means an equal
/// node info (or a clone of it).
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

fn next_generation() -> u64 {
    NEXT_GENERATION.fetch_add(1, Ordering::Relaxed)
}

/// The label hashes of the most selective `In` requirement among `requirements` (fewest
/// values): a pod matching them all carries one of these labels. `None` when there is no `In`
/// requirement (nothing to prune with).
pub fn requirements_anchor<'a>(
    requirements: impl Iterator<Item = &'a Requirement>,
) -> Option<Vec<u64>> {
    requirements
        .filter(|r| r.op == SelectorOp::In)
        .min_by_key(|r| r.values.len())
        .map(|r| r.values.iter().map(|v| label_hash(&r.key, v)).collect())
}

/// The label hashes one of which every pod matched by `term` carries (`term` owned by a pod
/// with `owner_labels`: `matchLabelKeys` require the owner's values). `Some(empty)` for a term
/// without label selector (it matches no pod); `None` when no such set is known.
pub fn term_anchor(
    term: &PodAffinityTerm,
    owner_labels: &BTreeMap<String, String>,
) -> Option<Vec<u64>> {
    let Some(selector) = &term.label_selector else {
        return Some(Vec::new());
    };
    let keyed = term
        .match_label_keys
        .iter()
        .find_map(|k| owner_labels.get(k).map(|v| vec![label_hash(k, v)]));
    match (requirements_anchor(selector.requirements.iter()), keyed) {
        (Some(a), Some(b)) => Some(if b.len() < a.len() { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Adds (or, with `add` false, removes) one occurrence of each hash in a sorted counted list.
fn count_hashes(list: &mut Vec<(u64, u32)>, hashes: &[u64], add: bool) {
    for &h in hashes {
        match list.binary_search_by_key(&h, |&(k, _)| k) {
            Ok(i) if add => list[i].1 += 1,
            Ok(i) => {
                if list[i].1 <= 1 {
                    list.remove(i);
                } else {
                    list[i].1 -= 1;
                }
            }
            Err(i) if add => list.insert(i, (h, 1)),
            Err(_) => {}
        }
    }
}

/// Where the inter-pod affinity terms of a node's pods may reach: for each kind of term, the
/// anchor label hashes of the terms (counted) and how many terms have no anchor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermAnchors {
    /// Required anti-affinity terms (the Filter's symmetry check).
    pub anti_required: Vec<(u64, u32)>,
    /// Required anti-affinity terms without anchor.
    pub anti_required_unanchored: u32,
    /// Terms that score an incoming pod: required and preferred affinity, preferred
    /// anti-affinity.
    pub scoring: Vec<(u64, u32)>,
    /// Scoring terms without anchor.
    pub scoring_unanchored: u32,
}

impl TermAnchors {
    fn apply(&mut self, affinity: &ExistingAffinity, labels: &BTreeMap<String, String>, add: bool) {
        let step = |n: &mut u32| {
            if add {
                *n += 1;
            } else {
                *n = n.saturating_sub(1);
            }
        };
        for t in &affinity.anti_affinity.required {
            match term_anchor(t, labels) {
                Some(hashes) => count_hashes(&mut self.anti_required, &hashes, add),
                None => step(&mut self.anti_required_unanchored),
            }
        }
        let scoring = affinity
            .affinity
            .required
            .iter()
            .chain(affinity.affinity.preferred.iter().map(|w| &w.term))
            .chain(affinity.anti_affinity.preferred.iter().map(|w| &w.term));
        for t in scoring {
            match term_anchor(t, labels) {
                Some(hashes) => count_hashes(&mut self.scoring, &hashes, add),
                None => step(&mut self.scoring_unanchored),
            }
        }
    }
}

/// Hash of a label key alone (the lookup key of node labels in the snapshot index).
pub fn key_hash(key: &str) -> u64 {
    label_hash("\u{0}", key)
}

/// Hash of a namespace name (for [`PodKey::namespace_hash`]).
pub fn namespace_hash(namespace: &str) -> u64 {
    label_hash("", namespace)
}

/// The bit a label hash sets in [`PodKey::label_bits`].
pub fn label_bit(hash: u64) -> u64 {
    1 << (hash >> 58)
}

/// The union of [`label_bit`] over a pod's labels.
pub fn label_bits(labels: &BTreeMap<String, String>) -> u64 {
    labels
        .iter()
        .fold(0, |bits, (k, v)| bits | label_bit(label_hash(k, v)))
}

/// A compact summary of a pod on a node, stored contiguously so that scanning a node's pods for
/// a selector touches little memory: a pod whose key fails the test cannot match; one that
/// passes is checked for real.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodKey {
    /// [`namespace_hash`] of the pod's namespace.
    pub namespace_hash: u64,
    /// [`label_bits`] of the pod's labels (a 64-bit Bloom filter).
    pub label_bits: u64,
    /// The pod is terminating.
    pub terminating: bool,
    /// The pod has terms that score an incoming pod (required and preferred affinity,
    /// preferred anti-affinity).
    pub has_scoring_terms: bool,
    /// The [`term_required_bits`] common to all those terms: an incoming pod lacking one of
    /// them matches none.
    pub scoring_bits: u64,
    /// The pod has required anti-affinity terms.
    pub has_anti_terms: bool,
    /// The [`term_required_bits`] common to all its required anti-affinity terms.
    pub anti_bits: u64,
}

impl PodKey {
    /// False when none of the pod's scoring terms can match a pod with these label bits.
    pub fn scoring_terms_may_match(&self, bits: u64) -> bool {
        self.has_scoring_terms && bits & self.scoring_bits == self.scoring_bits
    }

    /// False when none of the pod's required anti-affinity terms can match a pod with these
    /// label bits.
    pub fn anti_terms_may_match(&self, bits: u64) -> bool {
        self.has_anti_terms && bits & self.anti_bits == self.anti_bits
    }
}

/// The inter-pod (anti-)affinity terms of a pod bound to a node (kept only for pods that have
/// some).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingAffinity {
    /// `spec.affinity.podAffinity`.
    pub affinity: PodAffinity,
    /// `spec.affinity.podAntiAffinity`.
    pub anti_affinity: PodAffinity,
    /// [`term_required_bits`] of each term, in the order required affinity, preferred
    /// affinity, required anti-affinity, preferred anti-affinity.
    pub required_bits: Vec<u64>,
}

impl ExistingAffinity {
    /// The terms of a pod with these labels.
    pub fn new(
        affinity: &PodAffinity,
        anti_affinity: &PodAffinity,
        labels: &BTreeMap<String, String>,
    ) -> Self {
        let required_bits = affinity
            .required
            .iter()
            .chain(affinity.preferred.iter().map(|w| &w.term))
            .chain(&anti_affinity.required)
            .chain(anti_affinity.preferred.iter().map(|w| &w.term))
            .map(|t| term_required_bits(t, labels))
            .collect();
        ExistingAffinity {
            affinity: affinity.clone(),
            anti_affinity: anti_affinity.clone(),
            required_bits,
        }
    }

    /// `(term, its required bits)` of the required affinity terms.
    pub fn affinity_required(&self) -> impl Iterator<Item = (&PodAffinityTerm, u64)> {
        self.affinity
            .required
            .iter()
            .zip(self.required_bits.iter().copied())
    }

    /// `(weight, term, its required bits)` of the preferred affinity terms.
    pub fn affinity_preferred(&self) -> impl Iterator<Item = (i64, &PodAffinityTerm, u64)> {
        let skip = self.affinity.required.len();
        self.affinity
            .preferred
            .iter()
            .zip(self.required_bits[skip..].iter().copied())
            .map(|(w, b)| (w.weight, &w.term, b))
    }

    /// `(term, its required bits)` of the required anti-affinity terms.
    pub fn anti_affinity_required(&self) -> impl Iterator<Item = (&PodAffinityTerm, u64)> {
        let skip = self.affinity.required.len() + self.affinity.preferred.len();
        self.anti_affinity
            .required
            .iter()
            .zip(self.required_bits[skip..].iter().copied())
    }

    /// `(weight, term, its required bits)` of the preferred anti-affinity terms.
    pub fn anti_affinity_preferred(&self) -> impl Iterator<Item = (i64, &PodAffinityTerm, u64)> {
        let skip = self.affinity.required.len()
            + self.affinity.preferred.len()
            + self.anti_affinity.required.len();
        self.anti_affinity
            .preferred
            .iter()
            .zip(self.required_bits[skip..].iter().copied())
            .map(|(w, b)| (w.weight, &w.term, b))
    }
}

/// The [`label_bit`]s every pod matched by `term` (owned by a pod with `owner_labels`) has:
/// one per single-value `In` requirement and per `matchLabelKeys` key the owner carries.
pub fn term_required_bits(term: &PodAffinityTerm, owner_labels: &BTreeMap<String, String>) -> u64 {
    let Some(selector) = &term.label_selector else {
        return 0;
    };
    let from_selector = selector
        .requirements
        .iter()
        .filter(|r| r.op == SelectorOp::In && r.values.len() == 1)
        .fold(0, |bits, r| {
            bits | label_bit(label_hash(&r.key, &r.values[0]))
        });
    term.match_label_keys
        .iter()
        .filter_map(|k| owner_labels.get(k).map(|v| label_bit(label_hash(k, v))))
        .fold(from_selector, |bits, b| bits | b)
}

/// A pod bound to a node, as the plugins see it (upstream's `framework.PodInfo` of an existing
/// pod): identity, labels, whether it is terminating, its inter-pod affinity terms, and what it
/// added to the node's aggregates (so that [`NodeInfo::remove_pod`] needs only the uid).
#[derive(Debug, Clone, PartialEq)]
pub struct NodePod {
    /// The pod's uid.
    pub uid: u64,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `metadata.deletionTimestamp` is set.
    pub terminating: bool,
    /// `spec.priority` (preemption removes only pods of lower priority).
    pub priority: i64,
    /// Inter-pod (anti-)affinity terms; `None` when the pod has none.
    pub affinity: Option<Arc<ExistingAffinity>>,
    /// Names of the PersistentVolumeClaims the pod mounts (in its namespace).
    pub claims: Vec<String>,
    requested: ResourceList,
    non_zero_cpu_millis: i64,
    non_zero_memory_bytes: i64,
    host_ports: Vec<(String, i32)>,
}

impl NodePod {
    /// True when the pod has required anti-affinity terms (`PodsWithRequiredAntiAffinity`).
    pub fn has_required_anti_affinity(&self) -> bool {
        self.affinity
            .as_ref()
            .is_some_and(|a| !a.anti_affinity.required.is_empty())
    }
}

/// A pod taken off a [`NodeInfo`] by [`NodeInfo::take_pod`], ready to be put back.
#[derive(Debug, Clone)]
pub struct RemovedPod {
    /// The pod as the node knew it.
    pub entry: NodePod,
    key: PodKey,
}

/// What the scheduler knows about one node (`framework.NodeInfo`): the node, the pods bound to it
/// and their aggregate (terminating pods included, as upstream: their resources are not free
/// until they are gone), and the images the node holds. Equality ignores the generation.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    /// The node.
    pub node: Arc<Node>,
    /// Σ effective requests ([`PodSpec::effective_requests`]) of the pods on the node.
    pub requested: ResourceList,
    /// Σ non-zero CPU requests ([`PodSpec::non_zero_requests`]), used for scoring only.
    pub non_zero_cpu_millis: i64,
    /// Σ non-zero memory requests ([`PodSpec::non_zero_requests`]), used for scoring only.
    pub non_zero_memory_bytes: i64,
    /// Number of pods on the node.
    pub pod_count: i64,
    /// Host ports in use, as `(protocol, port)`, one entry per container port.
    pub used_host_ports: Vec<(String, i32)>,
    /// The pods on the node (`NodeInfo.Pods`), in no particular order.
    pub pods: Vec<NodePod>,
    /// Per pod of [`Self::pods`] (same order): a compact key for quick rejection.
    pub pod_keys: Vec<PodKey>,
    /// How many of them have inter-pod affinity or anti-affinity terms (`PodsWithAffinity`).
    pub pods_with_affinity: usize,
    /// How many of them have required anti-affinity terms (`PodsWithRequiredAntiAffinity`).
    pub pods_with_required_anti_affinity: usize,
    /// Where the pods' inter-pod affinity terms may reach (for the snapshot index).
    pub term_anchors: TermAnchors,
    /// Images on the node (`NodeInfo.ImageStates`): normalized name → size in bytes.
    pub images: BTreeMap<String, i64>,
    /// `(label_hash(key, value), number of pods with that label)`, sorted by hash.
    label_index: Vec<(u64, u32)>,
    /// Changes whenever the pods or images of the node change (see [`NodeInfo::generation`]).
    generation: u64,
}

impl NodeInfo {
    /// A node with no pods.
    pub fn new(node: Arc<Node>) -> Self {
        NodeInfo {
            node,
            requested: ResourceList::default(),
            non_zero_cpu_millis: 0,
            non_zero_memory_bytes: 0,
            pod_count: 0,
            used_host_ports: Vec::new(),
            pods: Vec::new(),
            pod_keys: Vec::new(),
            pods_with_affinity: 0,
            pods_with_required_anti_affinity: 0,
            term_anchors: TermAnchors::default(),
            images: BTreeMap::new(),
            label_index: Vec::new(),
            generation: next_generation(),
        }
    }

    /// Accounts a pod bound to this node (`NodeInfo.AddPod`).
    pub fn add_pod(&mut self, pod: &PodInfo<'_>) {
        let spec = pod.spec;
        let requested = spec.effective_requests();
        self.requested.add(&requested);
        let (cpu_millis, memory_bytes) = spec.non_zero_requests();
        self.non_zero_cpu_millis += cpu_millis;
        self.non_zero_memory_bytes += memory_bytes;
        self.pod_count += 1;
        let mut host_ports = Vec::new();
        for container in &spec.containers {
            for (protocol, port) in &container.host_ports {
                if *port > 0 {
                    self.used_host_ports.push((protocol.clone(), *port));
                    host_ports.push((protocol.clone(), *port));
                }
            }
        }
        let affinity = if spec.pod_affinity.is_empty() && spec.pod_anti_affinity.is_empty() {
            None
        } else {
            Some(Arc::new(ExistingAffinity::new(
                &spec.pod_affinity,
                &spec.pod_anti_affinity,
                pod.labels,
            )))
        };
        let entry = NodePod {
            uid: pod.uid,
            namespace: pod.namespace.to_string(),
            labels: pod.labels.clone(),
            terminating: false,
            priority: spec.priority,
            affinity,
            claims: spec.claims.clone(),
            requested,
            non_zero_cpu_millis: cpu_millis,
            non_zero_memory_bytes: memory_bytes,
            host_ports,
        };
        let mut key = PodKey {
            namespace_hash: namespace_hash(&entry.namespace),
            label_bits: label_bits(&entry.labels),
            terminating: false,
            has_scoring_terms: false,
            scoring_bits: u64::MAX,
            has_anti_terms: false,
            anti_bits: u64::MAX,
        };
        if let Some(a) = &entry.affinity {
            let scoring = a
                .affinity_required()
                .map(|(_, b)| b)
                .chain(a.affinity_preferred().map(|(_, _, b)| b))
                .chain(a.anti_affinity_preferred().map(|(_, _, b)| b));
            for bits in scoring {
                key.has_scoring_terms = true;
                key.scoring_bits &= bits;
            }
            for (_, bits) in a.anti_affinity_required() {
                key.has_anti_terms = true;
                key.anti_bits &= bits;
            }
        }
        self.insert_entry(entry, key);
    }

    /// Puts back a pod taken with [`NodeInfo::take_pod`] (preemption's reprieve).
    pub fn restore_pod(&mut self, removed: RemovedPod) {
        self.requested.add(&removed.entry.requested);
        self.non_zero_cpu_millis += removed.entry.non_zero_cpu_millis;
        self.non_zero_memory_bytes += removed.entry.non_zero_memory_bytes;
        self.pod_count += 1;
        self.used_host_ports
            .extend(removed.entry.host_ports.iter().cloned());
        self.insert_entry(removed.entry, removed.key);
    }

    /// Adds the entry to the pod list and the indices (the aggregates are the caller's).
    fn insert_entry(&mut self, entry: NodePod, key: PodKey) {
        if let Some(affinity) = &entry.affinity {
            self.pods_with_affinity += 1;
            self.term_anchors.apply(affinity, &entry.labels, true);
        }
        if entry.has_required_anti_affinity() {
            self.pods_with_required_anti_affinity += 1;
        }
        for (key, value) in &entry.labels {
            let h = label_hash(key, value);
            match self.label_index.binary_search_by_key(&h, |&(k, _)| k) {
                Ok(i) => self.label_index[i].1 += 1,
                Err(i) => self.label_index.insert(i, (h, 1)),
            }
        }
        self.pod_keys.push(key);
        self.pods.push(entry);
        self.generation = next_generation();
    }

    /// Removes the pod with this uid (`NodeInfo.RemovePod`); false when it is not on the node.
    pub fn remove_pod(&mut self, uid: u64) -> bool {
        self.take_pod(uid).is_some()
    }

    /// Removes the pod with this uid and returns what [`NodeInfo::restore_pod`] needs to put
    /// it back; `None` when it is not on the node.
    pub fn take_pod(&mut self, uid: u64) -> Option<RemovedPod> {
        let at = self.pods.iter().position(|p| p.uid == uid)?;
        let entry = self.pods.swap_remove(at);
        let key = self.pod_keys.swap_remove(at);
        self.requested.sub(&entry.requested);
        self.non_zero_cpu_millis -= entry.non_zero_cpu_millis;
        self.non_zero_memory_bytes -= entry.non_zero_memory_bytes;
        self.pod_count -= 1;
        for port in &entry.host_ports {
            if let Some(i) = self.used_host_ports.iter().position(|p| p == port) {
                self.used_host_ports.swap_remove(i);
            }
        }
        if let Some(affinity) = &entry.affinity {
            self.pods_with_affinity -= 1;
            self.term_anchors.apply(affinity, &entry.labels, false);
        }
        if entry.has_required_anti_affinity() {
            self.pods_with_required_anti_affinity -= 1;
        }
        for (key, value) in &entry.labels {
            let h = label_hash(key, value);

            if let Ok(i) = self.label_index.binary_search_by_key(&h, |&(k, _)| k) {
                if self.label_index[i].1 <= 1 {
                    self.label_index.remove(i);
                } else {
                    self.label_index[i].1 -= 1;
                }
            }
        }
        self.generation = next_generation();
        Some(RemovedPod { entry, key })
    }

    /// Marks the pod with this uid as terminating (its `deletionTimestamp` was set); false when
    /// it is not on the node. PodTopologySpread stops counting it; everything else still does.
    pub fn set_terminating(&mut self, uid: u64) -> bool {
        match self.pods.iter().position(|p| p.uid == uid) {
            Some(at) => {
                if !self.pods[at].terminating {
                    self.pods[at].terminating = true;
                    self.pod_keys[at].terminating = true;
                    self.generation = next_generation();
                }
                true
            }
            None => false,
        }
    }

    /// Number of pods on the node (terminating ones included) carrying a label whose
    /// [`label_hash`] is `hash`. An upper bound of the pods with that exact label (hashes may
    /// collide), used to skip nodes where a selector cannot match anything.
    pub fn label_count(&self, hash: u64) -> u32 {
        match self.label_index.binary_search_by_key(&hash, |&(k, _)| k) {
            Ok(i) => self.label_index[i].1,
            Err(_) => 0,
        }
    }

    /// Records an image present on the node (`ImageStates`), by its normalized name.
    pub fn add_image(&mut self, name: &str, size_bytes: i64) {
        let name = normalized_image_name(name);
        if !self.images.contains_key(name.as_ref()) {
            self.images.insert(name.into_owned(), size_bytes);
            self.generation = next_generation();
        }
    }

    /// Records every image of `spec`'s containers that `pulled` (the kubelet's image list of
    /// this node) holds and this node info does not know yet, with size `size_bytes`.
    pub fn add_pulled_images(
        &mut self,
        spec: &PodSpec,
        pulled: &BTreeSet<String>,
        size_bytes: i64,
    ) {
        for c in spec.init_containers.iter().chain(&spec.containers) {
            if pulled.contains(&c.image) {
                self.add_image(&c.image, size_bytes);
            }
        }
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.node.name
    }

    /// A number that changes whenever the node's pods (or their terminating flag) or images
    /// change, unique across all node infos (a clone keeps it). Lets a scheduler-side index
    /// ([`SnapshotIndex`](crate::scheduler::snapshot::SnapshotIndex)) refresh only the nodes
    /// that changed.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The label hashes carried by the node's pods, sorted, with their pod counts.
    pub fn label_hashes(&self) -> &[(u64, u32)] {
        &self.label_index
    }
}

impl PartialEq for NodeInfo {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
            && self.requested == other.requested
            && self.non_zero_cpu_millis == other.non_zero_cpu_millis
            && self.non_zero_memory_bytes == other.non_zero_memory_bytes
            && self.pod_count == other.pod_count
            && self.used_host_ports == other.used_host_ports
            && self.pods == other.pods
            && self.images == other.images
    }
}

/// The CRI-compliant name of an image (`normalizedImageName`): `:latest` is appended when the
/// reference has no tag.
pub fn normalized_image_name(name: &str) -> Cow<'_, str> {
    let colon = name.rfind(':').map_or(-1, |i| i as i64);
    let slash = name.rfind('/').map_or(-1, |i| i as i64);
    if colon <= slash {
        Cow::Owned(format!("{name}:latest"))
    } else {
        Cow::Borrowed(name)
    }
}

/// The pod being scheduled (or being added to a node), as the plugins see it
/// (`framework.PodInfo`, borrowed).
#[derive(Debug, Clone)]
pub struct PodInfo<'a> {
    /// `metadata.namespace`.
    pub namespace: &'a str,
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.labels`.
    pub labels: &'a BTreeMap<String, String>,
    /// The pod's spec.
    pub spec: &'a PodSpec,
    /// The pod's uid (identifies it in [`NodeInfo::remove_pod`]).
    pub uid: u64,
    /// The selector PodTopologySpread's default constraints use for this pod: the union of the
    /// selectors of the Services and of the controlling ReplicaSet / StatefulSet that select it
    /// (upstream `helper.DefaultSelector`); `None` when nothing selects it.
    pub default_spread_selector: Option<LabelSelector>,
}

impl<'a> PodInfo<'a> {
    /// A pod with no default spread selector.
    pub fn new(
        namespace: &'a str,
        name: &'a str,
        labels: &'a BTreeMap<String, String>,
        spec: &'a PodSpec,
        uid: u64,
    ) -> Self {
        PodInfo {
            namespace,
            name,
            labels,
            spec,
            uid,
            default_spread_selector: None,
        }
    }
}

/// Restriction of the candidate nodes returned by a PreFilter plugin (`framework.PreFilterResult`).
/// `node_names: None` means every node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreFilterResult {
    /// The only nodes worth filtering, by name; `None` = all nodes.
    pub node_names: Option<BTreeSet<String>>,
}

impl PreFilterResult {
    /// True when the result does not restrict the nodes.
    pub fn all_nodes(&self) -> bool {
        self.node_names.is_none()
    }

    /// Intersection of two results (`PreFilterResult.Merge`).
    #[must_use]
    pub fn merge(self, other: PreFilterResult) -> PreFilterResult {
        match (self.node_names, other.node_names) {
            (None, None) => PreFilterResult { node_names: None },
            (Some(a), None) | (None, Some(a)) => PreFilterResult {
                node_names: Some(a),
            },
            (Some(a), Some(b)) => PreFilterResult {
                node_names: Some(a.intersection(&b).cloned().collect()),
            },
        }
    }
}

/// Per-node outcome of filtering (`framework.NodeToStatus`): the nodes that were filtered and
/// failed, by index into the node slice, plus the status of the nodes never examined because a
/// PreFilter rejected the pod or restricted the candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeToStatus {
    /// `(node index, status)` of each node that failed Filter, in visiting order.
    pub explicit: Vec<(usize, Status)>,
    /// Status of every node not in `explicit` (`AbsentNodesStatus`); upstream's default is
    /// `UnschedulableAndUnresolvable` with no reason.
    pub absent: Status,
}

impl Default for NodeToStatus {
    fn default() -> Self {
        NodeToStatus {
            explicit: Vec::new(),
            absent: Status::of(Code::UnschedulableAndUnresolvable),
        }
    }
}

impl NodeToStatus {
    /// Number of nodes with an explicit status (`NodeToStatus.Len`).
    pub fn len(&self) -> usize {
        self.explicit.len()
    }

    /// True when no node has an explicit status.
    pub fn is_empty(&self) -> bool {
        self.explicit.is_empty()
    }

    /// The status of node `index` (explicit, else the absent-nodes status). Nodes that passed
    /// Filter are not recorded, so asking for one returns the absent status.
    pub fn get(&self, index: usize) -> &Status {
        self.explicit
            .iter()
            .find(|(i, _)| *i == index)
            .map_or(&self.absent, |(_, s)| s)
    }
}

/// Why a pod did not fit (`framework.Diagnosis`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnosis {
    /// Per-node statuses.
    pub node_to_status: NodeToStatus,
    /// Plugins that rejected the pod on at least one node (used later for queueing hints).
    pub unschedulable_plugins: BTreeSet<&'static str>,
    /// Message of a PreFilter rejection (empty when PreFilter passed).
    pub pre_filter_msg: String,
    /// Message of the PostFilter plugins (preemption), empty when none ran or none spoke.
    pub post_filter_msg: String,
}

impl Diagnosis {
    /// Records a plugin that rejected the pod (`Diagnosis.AddPluginStatus`).
    pub fn add_plugin_status(&mut self, status: &Status) {
        if !status.plugin.is_empty() && status.is_rejected() {
            self.unschedulable_plugins.insert(status.plugin);
        }
    }
}

/// No node fits the pod (`framework.FitError`); [`fmt::Display`] renders the exact upstream
/// FailedScheduling message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitError {
    /// Number of nodes in the snapshot.
    pub num_all_nodes: usize,
    /// The per-node reasons.
    pub diagnosis: Diagnosis,
}

impl fmt::Display for FitError {
    /// `0/N nodes are available: <PreFilterMsg>. <counted filter reasons>. <PostFilterMsg>`:
    /// each reason is counted over nodes, rendered `"<count> <reason>"`, and the rendered strings
    /// are sorted as strings (so `"1 node(s)…"` < `"2 Insufficient cpu"` < `"3 Insufficient…"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.num_all_nodes;
        write!(f, "0/{n} nodes are available:")?;
        let d = &self.diagnosis;
        if !d.pre_filter_msg.is_empty() {
            write!(f, " {}.", d.pre_filter_msg)?;
        } else {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for (_, status) in &d.node_to_status.explicit {
                for reason in &status.reasons {
                    *counts.entry(reason.as_ref()).or_insert(0) += 1;
                }
            }
            let explicit = d.node_to_status.len();
            if explicit < n {
                for reason in &d.node_to_status.absent.reasons {
                    *counts.entry(reason.as_ref()).or_insert(0) += n - explicit;
                }
            }
            let mut rendered: Vec<String> = counts
                .iter()
                .map(|(reason, count)| format!("{count} {reason}"))
                .collect();
            rendered.sort_unstable();
            if !rendered.is_empty() {
                write!(f, " {}.", rendered.join(", "))?;
            }
        }
        if !d.post_filter_msg.is_empty() {
            write!(f, " {}", d.post_filter_msg)?;
        }
        Ok(())
    }
}

/// What a PostFilter plugin achieved (`framework.PostFilterResult`). A result replaces the
/// pod's nomination (`None` clears it); no result leaves the nomination as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostFilterResult {
    /// Node the pod is nominated to after preemption, by index; `None` clears the nomination.
    pub nominated_node_index: Option<usize>,
    /// Uids of the pods to preempt on that node, most important first (the caller deletes
    /// them gracefully, as upstream's `prepareCandidate`).
    pub victims: Vec<u64>,
}

/// Pods nominated to nodes by earlier preemptions (upstream's `PodNominator`), by node index.
/// Filter counts those of equal or higher priority as already on their node
/// (`RunFilterPluginsWithNominatedPods`).
#[derive(Debug, Clone, Default)]
pub struct NominatedPods<'a> {
    by_node: BTreeMap<usize, Vec<PodInfo<'a>>>,
}

impl<'a> NominatedPods<'a> {
    /// Records `pod` as nominated to node `node_index`.
    pub fn add(&mut self, node_index: usize, pod: PodInfo<'a>) {
        self.by_node.entry(node_index).or_default().push(pod);
    }

    /// The pods nominated to node `node_index`.
    pub fn for_node(&self, node_index: usize) -> &[PodInfo<'a>] {
        self.by_node.get(&node_index).map_or(&[], Vec::as_slice)
    }

    /// True when no pod is nominated anywhere.
    pub fn is_empty(&self) -> bool {
        self.by_node.is_empty()
    }
}

/// A PodDisruptionBudget as preemption sees it: where it applies and how many more pods it
/// lets go (`status.disruptionsAllowed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdbView {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `spec.selector`; an empty selector matches nothing.
    pub selector: LabelSelector,
    /// `status.disruptionsAllowed`.
    pub disruptions_allowed: i64,
}

/// What the plugins may read about the cluster beyond the node snapshot (upstream's listers).
pub trait ClusterLister {
    /// `status.startTime` of the bound pod with this uid, in simulated nanoseconds; `None` when
    /// it is not known (upstream then uses the current time).
    fn pod_start_time_ns(&self, uid: u64) -> Option<u64>;
    /// The pod with this uid is terminating because the scheduler preempted it (its
    /// `DisruptionTarget` condition says `PreemptionByScheduler`).
    fn terminating_by_preemption(&self, uid: u64) -> bool;
    /// Every PodDisruptionBudget with its current status.
    fn pod_disruption_budgets(&self) -> Vec<PdbView>;
}

/// A [`ClusterLister`] of an empty cluster (no start times, no budgets), for tests and tools.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCluster;

impl ClusterLister for NoCluster {
    fn pod_start_time_ns(&self, _uid: u64) -> Option<u64> {
        None
    }

    fn terminating_by_preemption(&self, _uid: u64) -> bool {
        false
    }

    fn pod_disruption_budgets(&self) -> Vec<PdbView> {
        Vec::new()
    }
}

/// What a PostFilter plugin may use besides the cycle's state (upstream's framework `Handle`).
pub struct PostFilterContext<'a> {
    /// The profile running the plugin (to re-run Filter on trial nodes).
    pub framework: &'a Framework,
    /// Cluster objects beyond the snapshot.
    pub lister: &'a dyn ClusterLister,
    /// Pods nominated to nodes.
    pub nominated: &'a NominatedPods<'a>,
    /// The node the pod is currently nominated to, by index.
    pub nominated_node: Option<usize>,
    /// The scheduler's random stream.
    pub rng: &'a mut SimRng,
}

/// A scheduler plugin (`framework.Plugin`). Override the `as_*` accessor of every extension point
/// the plugin implements; the framework calls only those.
pub trait Plugin: Send + Sync {
    /// The plugin's registry name (e.g. `"NodeResourcesFit"`).
    fn name(&self) -> &'static str;

    /// This plugin as a PreFilter plugin, if it is one.
    fn as_pre_filter(&self) -> Option<&dyn PreFilterPlugin> {
        None
    }

    /// This plugin as a Filter plugin, if it is one.
    fn as_filter(&self) -> Option<&dyn FilterPlugin> {
        None
    }

    /// This plugin as a PostFilter plugin, if it is one.
    fn as_post_filter(&self) -> Option<&dyn PostFilterPlugin> {
        None
    }

    /// This plugin as a PreScore plugin, if it is one.
    fn as_pre_score(&self) -> Option<&dyn PreScorePlugin> {
        None
    }

    /// This plugin as a Score plugin, if it is one.
    fn as_score(&self) -> Option<&dyn ScorePlugin> {
        None
    }

    /// This plugin as a QueueSort plugin, if it is one.
    fn as_queue_sort(&self) -> Option<&dyn QueueSortPlugin> {
        None
    }

    /// This plugin as a Reserve plugin, if it is one.
    fn as_reserve(&self) -> Option<&dyn ReservePlugin> {
        None
    }

    /// This plugin as a PreBind plugin, if it is one.
    fn as_pre_bind(&self) -> Option<&dyn PreBindPlugin> {
        None
    }

    /// This plugin as a Bind plugin, if it is one.
    fn as_bind(&self) -> Option<&dyn BindPlugin> {
        None
    }
}

/// What QueueSort compares (`framework.QueuedPodInfo`, the fields PrioritySort reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuedPodInfo {
    /// The pod's priority (`corev1helpers.PodPriority`).
    pub priority: i64,
    /// When the pod was last added to the active queue (`QueuedPodInfo.Timestamp`): a counter
    /// that only grows, so earlier means smaller.
    pub timestamp: u64,
}

/// QueueSort extension point: the order of the active queue. Exactly one per profile, and every
/// profile must use the same one.
pub trait QueueSortPlugin: Plugin {
    /// True when `a` must be popped before `b` (`QueueSortPlugin.Less`).
    fn less(&self, a: &QueuedPodInfo, b: &QueuedPodInfo) -> bool;
}

/// Reserve extension point: runs once a node is chosen, before binding; Unreserve undoes it when
/// a later step fails.
pub trait ReservePlugin: Plugin {
    /// Reserves resources for the pod on `node_name`; anything but `Success` fails the cycle.
    fn reserve(&self, state: &mut CycleState, pod: &PodInfo<'_>, node_name: &str) -> Status;

    /// Releases what [`Self::reserve`] took (must be idempotent: it may run without a Reserve).
    fn unreserve(&self, state: &mut CycleState, pod: &PodInfo<'_>, node_name: &str);
}

/// The API calls the binding cycle may make (upstream's clientset, reduced to what the in-tree
/// PreBind and Bind plugins write). Implemented by the cluster.
pub trait ClusterClient {
    /// `pods/binding`: binds the pod to the node.
    fn bind_pod(&mut self, namespace: &str, name: &str, node_name: &str) -> Result<(), String>;

    /// Binds the claim `namespace/claim` to the existing PersistentVolume `volume`.
    fn bind_claim(&mut self, namespace: &str, claim: &str, volume: &str) -> Result<(), String>;

    /// Provisions a PersistentVolume for the claim `namespace/claim` (its StorageClass has a
    /// provisioner) reachable from `node_name`, and binds the claim to it.
    fn provision_claim(
        &mut self,
        namespace: &str,
        claim: &str,
        node_name: &str,
    ) -> Result<(), String>;
}

/// PreBind extension point: runs before Bind (VolumeBinding binds the pod's claims here).
pub trait PreBindPlugin: Plugin {
    /// `Success`, or a status that fails the binding (the pod is unreserved and retried).
    fn pre_bind(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        node_name: &str,
        client: &mut dyn ClusterClient,
    ) -> Status;
}

/// Bind extension point: binds the pod to the node. `Skip` hands the pod to the next binder.
pub trait BindPlugin: Plugin {
    /// `Success` (bound), `Skip` (not this binder's pod), or a failure.
    fn bind(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        node_name: &str,
        client: &mut dyn ClusterClient,
    ) -> Status;
}

/// PreFilter extension point: runs once per cycle before any Filter.
pub trait PreFilterPlugin: Plugin {
    /// Pre-computes per-pod data into `state`. Returns an optional restriction of the candidate
    /// nodes and a status: `Success`, `Skip` (this plugin's Filter is not run this cycle), or a
    /// rejection / error that ends the cycle.
    fn pre_filter(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        nodes: &[NodeInfo],
    ) -> (Option<PreFilterResult>, Status);

    /// `PreFilterExtensions.AddPod`: `added` was put on `node` (a nominated pod, or a victim
    /// reprieved during preemption); update the state computed by PreFilter. Default: nothing
    /// to update.
    fn add_pod(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        added: &NodePod,
        node: &NodeInfo,
    ) -> Status {
        let _ = (state, pod, added, node);
        Status::success()
    }

    /// `PreFilterExtensions.RemovePod`: `removed` was taken off `node` (a preemption victim);
    /// update the state computed by PreFilter. Default: nothing to update.
    fn remove_pod(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        removed: &NodePod,
        node: &NodeInfo,
    ) -> Status {
        let _ = (state, pod, removed, node);
        Status::success()
    }
}

/// Filter extension point: may the pod run on this node?
pub trait FilterPlugin: Plugin {
    /// `Success`, or `Unschedulable` / `UnschedulableAndUnresolvable` with reasons; anything else
    /// is turned into an `Error` by the framework.
    fn filter(&self, state: &CycleState, pod: &PodInfo<'_>, node: &NodeInfo) -> Status;
}

/// PostFilter extension point: runs when no node fits (preemption lives here).
pub trait PostFilterPlugin: Plugin {
    /// Tries to make the pod schedulable; `Success` ends the PostFilter phase. The status's
    /// reasons become the PostFilter part of the FailedScheduling message.
    fn post_filter(
        &self,
        ctx: &mut PostFilterContext<'_>,
        state: &CycleState,
        pod: &PodInfo<'_>,
        nodes: &[NodeInfo],
        statuses: &NodeToStatus,
    ) -> (Option<PostFilterResult>, Status);
}

/// PreScore extension point: runs once per cycle on the feasible nodes before any Score.
pub trait PreScorePlugin: Plugin {
    /// Pre-computes per-pod data into `state`. `Skip` means this plugin's Score is not run this
    /// cycle (it contributes nothing to the totals).
    /// `nodes` are the feasible nodes about to be scored; `all_nodes` is the whole snapshot
    /// (upstream's `SnapshotSharedLister().NodeInfos().List()`).
    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        nodes: &[&NodeInfo],
        all_nodes: &[NodeInfo],
    ) -> Status;
}

/// Score extension point: ranks the feasible nodes.
pub trait ScorePlugin: Plugin {
    /// The raw score of one node. Any error status aborts the cycle.
    fn score(&self, state: &CycleState, pod: &PodInfo<'_>, node: &NodeInfo) -> Result<i64, Status>;

    /// Rewrites the raw scores (aligned with `nodes`) into `[MIN_NODE_SCORE, MAX_NODE_SCORE]`
    /// (`ScoreExtensions.NormalizeScore`). The default leaves them unchanged.
    fn normalize_score(
        &self,
        state: &CycleState,
        pod: &PodInfo<'_>,
        nodes: &[&NodeInfo],
        scores: &mut [i64],
    ) -> Status {
        let _ = (state, pod, nodes, scores);
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_state_is_typed_and_clonable() {
        let mut state = CycleState::new();
        state.write("a", 7_i64);
        state.write("b", String::from("x"));
        assert_eq!(state.read::<i64>("a"), Some(&7));
        assert_eq!(
            state.read::<String>("a"),
            None,
            "wrong type reads as absent"
        );
        assert_eq!(state.read::<i64>("missing"), None);
        state.write("a", 8_i64);
        let copy = state.clone();
        assert!(state.delete("a"));
        assert!(!state.delete("a"));
        assert_eq!(copy.read::<i64>("a"), Some(&8));
        assert_eq!(copy.read::<String>("b").map(String::as_str), Some("x"));
    }

    #[test]
    fn status_message_and_predicates() {
        let s = Status::with_reasons(
            Code::Unschedulable,
            vec!["Insufficient cpu".into(), "Insufficient memory".into()],
        );
        assert_eq!(s.message(), "Insufficient cpu, Insufficient memory");
        assert!(s.is_rejected());
        assert!(!Status::skip().is_rejected());
        assert!(Status::success().is_success());
        assert_eq!(Status::error("boom").with_plugin("P").plugin, "P");
    }

    #[test]
    fn pre_filter_result_merge_intersects() {
        let set = |names: &[&str]| PreFilterResult {
            node_names: Some(names.iter().map(|s| s.to_string()).collect()),
        };
        let all = PreFilterResult::default();
        assert!(all.clone().merge(all.clone()).all_nodes());
        assert_eq!(all.merge(set(&["a"])), set(&["a"]));
        assert_eq!(set(&["a", "b"]).merge(set(&["b", "c"])), set(&["b"]));
    }

    #[test]
    fn fit_error_counts_and_sorts_rendered_reasons() {
        let mut d = Diagnosis::default();
        d.node_to_status.explicit = vec![
            (
                0,
                Status::unresolvable("node(s) had untolerated taint {dedicated: db}"),
            ),
            (1, Status::unschedulable("Insufficient cpu")),
            (2, Status::unschedulable("Insufficient cpu")),
        ];
        d.post_filter_msg =
            "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
                .into();
        let e = FitError {
            num_all_nodes: 3,
            diagnosis: d,
        };
        assert_eq!(
            e.to_string(),
            "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, \
             2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not \
             helpful for scheduling."
        );
    }

    #[test]
    fn fit_error_with_pre_filter_message_and_absent_nodes() {
        let mut d = Diagnosis {
            pre_filter_msg: "pod affinity terms conflict".into(),
            ..Default::default()
        };
        let e = FitError {
            num_all_nodes: 2,
            diagnosis: d.clone(),
        };
        assert_eq!(
            e.to_string(),
            "0/2 nodes are available: pod affinity terms conflict."
        );
        d.pre_filter_msg.clear();
        d.node_to_status.absent =
            Status::unresolvable("node(s) didn't satisfy plugin(s) [NodeAffinity]");
        d.node_to_status.explicit = vec![(0, Status::unschedulable("Insufficient cpu"))];
        let e = FitError {
            num_all_nodes: 4,
            diagnosis: d,
        };
        assert_eq!(
            e.to_string(),
            "0/4 nodes are available: 1 Insufficient cpu, \
             3 node(s) didn't satisfy plugin(s) [NodeAffinity]."
        );
    }
}
