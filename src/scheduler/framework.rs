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

use crate::model::{Node, PodSpec, ResourceList};

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

/// What the scheduler knows about one node (`framework.NodeInfo`): the node and the aggregate of
/// the pods bound to it (terminating pods included, as upstream: their resources are not free
/// until they are gone).
#[derive(Debug, Clone, PartialEq)]
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
        }
    }

    /// Accounts a pod bound to this node (`NodeInfo.AddPod`).
    pub fn add_pod(&mut self, spec: &PodSpec) {
        self.requested.add(&spec.effective_requests());
        let (cpu_millis, memory_bytes) = spec.non_zero_requests();
        self.non_zero_cpu_millis += cpu_millis;
        self.non_zero_memory_bytes += memory_bytes;
        self.pod_count += 1;
        for container in &spec.containers {
            for (protocol, port) in &container.host_ports {
                if *port > 0 {
                    self.used_host_ports.push((protocol.clone(), *port));
                }
            }
        }
    }

    /// Removes a pod previously added with [`NodeInfo::add_pod`] (`NodeInfo.RemovePod`).
    pub fn remove_pod(&mut self, spec: &PodSpec) {
        self.requested.sub(&spec.effective_requests());
        let (cpu_millis, memory_bytes) = spec.non_zero_requests();
        self.non_zero_cpu_millis -= cpu_millis;
        self.non_zero_memory_bytes -= memory_bytes;
        self.pod_count -= 1;
        for container in &spec.containers {
            for (protocol, port) in &container.host_ports {
                if let Some(at) = self
                    .used_host_ports
                    .iter()
                    .position(|(p, n)| p == protocol && n == port)
                {
                    self.used_host_ports.swap_remove(at);
                }
            }
        }
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.node.name
    }
}

/// The pod being scheduled, as the plugins see it (`framework.PodInfo`, borrowed).
#[derive(Debug, Clone, Copy)]
pub struct PodInfo<'a> {
    /// `metadata.namespace`.
    pub namespace: &'a str,
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.labels`.
    pub labels: &'a BTreeMap<String, String>,
    /// The pod's spec.
    pub spec: &'a PodSpec,
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

/// What a PostFilter plugin achieved (`framework.PostFilterResult`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostFilterResult {
    /// Node the pod is nominated to after preemption, by index.
    pub nominated_node_index: Option<usize>,
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
    fn pre_score(&self, state: &mut CycleState, pod: &PodInfo<'_>, nodes: &[&NodeInfo]) -> Status;
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
