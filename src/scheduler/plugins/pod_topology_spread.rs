//! PodTopologySpread (`plugins/podtopologyspread`: `common.go`, `filtering.go`, `scoring.go`),
//! SPEC §7.9.
//!
//! * Constraints: the pod's own `topologySpreadConstraints` of the matching kind
//!   (`DoNotSchedule` for filtering, `ScheduleAnyway` for scoring), `matchLabelKeys` merged into
//!   the selector with the pod's label values; when the pod has none, the default constraints
//!   (system defaults: hostname maxSkew 3 and zone maxSkew 5, both ScheduleAnyway) with the
//!   pod's [`PodInfo::default_spread_selector`], or none when nothing selects the pod.
//! * Counting: non-terminating pods in the pod's namespace matching the selector, on nodes
//!   that carry every constraint's topology key and pass the inclusion policies
//!   (`nodeAffinityPolicy` Honor by default: the pod's nodeSelector / required node affinity;
//!   `nodeTaintsPolicy` Ignore by default).
//! * PreFilter: `Skip` without hard constraints; otherwise the match count per domain over all
//!   nodes, the global minimum (0 when fewer domains than `minDomains`) and whether the pod
//!   matches its own selector. Filter: a node without a topology key is
//!   `UnschedulableAndUnresolvable`; `count(domain) + self − min > maxSkew` is `Unschedulable`.
//! * PreScore: `Skip` without soft constraints; otherwise the domains of the candidate nodes,
//!   their match counts over all nodes, and the weight `ln(domains + 2)` per constraint.
//!   Score: `round(Σ count × weight + maxSkew − 1)` (hostname: the node's own count).
//!   NormalizeScore: `100 × (max + min − s) / max`; nodes missing a key (non-default
//!   constraints only) get 0.
//!
//! Cost: domains are keyed by `label_hash(key, value)` (no string in the per-node work, a 64-bit
//! collision between two values of one key being the only way to merge two domains). Counting
//! visits only the nodes holding a pod that may match (the
//! [`SnapshotIndex`](crate::scheduler::snapshot::SnapshotIndex)); PreFilter takes the domains from
//! the index when every node is eligible and has the keys (no node affinity to honour, taints
//! ignored), and sweeps the nodes otherwise. PreScore computes every candidate's raw score once;
//! Score and NormalizeScore look it up.

use std::collections::BTreeMap;

use crate::model::pod::{NodeInclusionPolicy, TopologySpreadConstraint, UnsatisfiableAction};
use crate::scheduler::framework::{
    CycleState, FilterPlugin, MAX_NODE_SCORE, NodeInfo, NodePod, Plugin, PodInfo, PreFilterPlugin,
    PreFilterResult, PreScorePlugin, ScorePlugin, Status, key_hash, label_hash,
};
use crate::scheduler::plugins::node_affinity::required_node_affinity_matches;
use crate::scheduler::plugins::pod_selector::Selector;
use crate::scheduler::plugins::taint_toleration::find_untolerated_do_not_schedule_taint;
use crate::scheduler::profile::ConfigError;
use crate::scheduler::snapshot::{self, SnapshotIndex, for_each_candidate};

/// Registry name.
pub const NAME: &str = "PodTopologySpread";

/// Upstream reason `ErrReasonConstraintsNotMatch`.
pub const ERR_REASON_CONSTRAINTS_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints";

/// Upstream reason `ErrReasonNodeLabelNotMatch`.
pub const ERR_REASON_NODE_LABEL_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

/// `v1.LabelHostname`: constraints on this key count per node at Score time.
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";

/// `v1.LabelTopologyZone`.
pub const LABEL_TOPOLOGY_ZONE: &str = "topology.kubernetes.io/zone";

const PRE_FILTER_STATE_KEY: &str = "PreFilterPodTopologySpread";
const PRE_SCORE_STATE_KEY: &str = "PreScorePodTopologySpread";

/// `PodTopologySpreadArgs.defaultingType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DefaultingType {
    /// The system default constraints ([`system_default_constraints`]); `defaultConstraints`
    /// must be empty.
    #[default]
    System,
    /// `defaultConstraints` as given (possibly none).
    List,
}

/// `PodTopologySpreadArgs`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PodTopologySpreadArgs {
    /// `defaultConstraints` (no `labelSelector`: it is derived per pod).
    pub default_constraints: Vec<TopologySpreadConstraint>,
    /// `defaultingType`.
    pub defaulting_type: DefaultingType,
}

/// `systemDefaultConstraints`: hostname maxSkew 3 and zone maxSkew 5, both ScheduleAnyway.
pub fn system_default_constraints() -> Vec<TopologySpreadConstraint> {
    let soft = |key: &str, max_skew| TopologySpreadConstraint {
        max_skew,
        topology_key: key.into(),
        when_unsatisfiable: UnsatisfiableAction::ScheduleAnyway,
        label_selector: None,
        match_label_keys: Vec::new(),
        min_domains: None,
        node_affinity_policy: None,
        node_taints_policy: None,
    };
    vec![soft(LABEL_HOSTNAME, 3), soft(LABEL_TOPOLOGY_ZONE, 5)]
}

/// The PodTopologySpread plugin (PreFilter, Filter, PreScore, Score).
#[derive(Debug, Clone, PartialEq)]
pub struct PodTopologySpread {
    default_constraints: Vec<TopologySpreadConstraint>,
    system_defaulted: bool,
}

impl Default for PodTopologySpread {
    fn default() -> Self {
        PodTopologySpread {
            default_constraints: system_default_constraints(),
            system_defaulted: true,
        }
    }
}

impl PodTopologySpread {
    /// Builds the plugin, validating its arguments (`ValidatePodTopologySpreadArgs`).
    pub fn new(args: &PodTopologySpreadArgs) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::InvalidPluginArgs {
            plugin: NAME,
            message,
        };
        for (i, c) in args.default_constraints.iter().enumerate() {
            let path = format!("defaultConstraints[{i}]");
            if c.max_skew <= 0 {
                return Err(invalid(format!(
                    "{path}.maxSkew: Invalid value: {}: must be greater than zero",
                    c.max_skew
                )));
            }
            if c.topology_key.is_empty() {
                return Err(invalid(format!(
                    "{path}.topologyKey: Required value: can not be empty"
                )));
            }
            if c.label_selector.is_some() {
                return Err(invalid(format!(
                    "{path}.labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod"
                )));
            }
            if args.default_constraints[..i].iter().any(|o| {
                o.topology_key == c.topology_key && o.when_unsatisfiable == c.when_unsatisfiable
            }) {
                return Err(invalid(format!(
                    "{path}.{{topologyKey, whenUnsatisfiable}}: Duplicate value: \"{{{}, {}}}\"",
                    c.topology_key,
                    c.when_unsatisfiable.as_str()
                )));
            }
        }
        match args.defaulting_type {
            DefaultingType::System if !args.default_constraints.is_empty() => Err(invalid(
                "defaultConstraints: Invalid value: when .defaultingType is \"System\", \
                 .defaultConstraints must be empty"
                    .into(),
            )),
            DefaultingType::System => Ok(PodTopologySpread::default()),
            DefaultingType::List => Ok(PodTopologySpread {
                default_constraints: args.default_constraints.clone(),
                system_defaulted: false,
            }),
        }
    }

    /// `getConstraints` / `initPreScoreState`: the pod's constraints of kind `action`, or the
    /// default ones.
    fn constraints(&self, pod: &PodInfo<'_>, action: UnsatisfiableAction) -> Vec<Constraint> {
        if !pod.spec.topology_spread_constraints.is_empty() {
            return filter_constraints(&pod.spec.topology_spread_constraints, pod, action);
        }
        let Some(selector) = pod
            .default_spread_selector
            .as_ref()
            .filter(|s| !s.is_empty())
        else {
            return Vec::new();
        };
        let mut constraints = filter_constraints(&self.default_constraints, pod, action);
        for c in &mut constraints {
            c.selector = Selector::new(Some(selector));
        }
        constraints
    }
}

/// `topologySpreadConstraint`: a constraint compiled for one cycle.
#[derive(Debug, Clone, PartialEq)]
struct Constraint {
    max_skew: i64,
    topology_key: String,
    /// `key_hash(topology_key)`.
    key_hash: u64,
    selector: Selector,
    min_domains: i64,
    node_affinity_policy: NodeInclusionPolicy,
    node_taints_policy: NodeInclusionPolicy,
}

impl Constraint {
    fn is_hostname(&self) -> bool {
        self.topology_key == LABEL_HOSTNAME
    }

    /// The domain of a node with value hash `value` (`None`: no label): upstream reads a missing
    /// label as the empty value.
    fn domain(&self, value: Option<u64>) -> u64 {
        value.unwrap_or_else(|| label_hash(&self.topology_key, ""))
    }

    /// `matchNodeInclusionPolicies`; `affinity` memoizes the node affinity check per node.
    fn includes(&self, pod: &PodInfo<'_>, node: &NodeInfo, affinity: &mut Option<bool>) -> bool {
        if self.node_affinity_policy == NodeInclusionPolicy::Honor
            && !*affinity.get_or_insert_with(|| required_node_affinity_matches(pod, node))
        {
            return false;
        }
        !(self.node_taints_policy == NodeInclusionPolicy::Honor
            && find_untolerated_do_not_schedule_taint(&node.node.taints, &pod.spec.tolerations)
                .is_some())
    }
}

/// `filterTopologySpreadConstraints`.
fn filter_constraints(
    constraints: &[TopologySpreadConstraint],
    pod: &PodInfo<'_>,
    action: UnsatisfiableAction,
) -> Vec<Constraint> {
    constraints
        .iter()
        .filter(|c| c.when_unsatisfiable == action)
        .map(|c| {
            let keyed = c
                .match_label_keys
                .iter()
                .filter_map(|k| pod.labels.get_key_value(k))
                .map(|(k, v)| (k.as_str(), v.as_str()));
            Constraint {
                max_skew: c.max_skew,
                topology_key: c.topology_key.clone(),
                key_hash: key_hash(&c.topology_key),
                selector: Selector::new(c.label_selector.as_ref()).and_labels(keyed),
                min_domains: c.min_domains.unwrap_or(1),
                node_affinity_policy: c.node_affinity_policy.unwrap_or(NodeInclusionPolicy::Honor),
                node_taints_policy: c.node_taints_policy.unwrap_or(NodeInclusionPolicy::Ignore),
            }
        })
        .collect()
}

/// `nodeLabelsMatchSpreadConstraints`: the node carries every topology key.
fn has_all_keys(node: &NodeInfo, constraints: &[Constraint]) -> bool {
    constraints
        .iter()
        .all(|c| node.node.labels.contains_key(&c.topology_key))
}

/// Adds `count` to `map[value]`, allocating the key only for a new domain.
/// Cycle state of the filter (`preFilterState`).
#[derive(Debug, Clone)]
struct PreFilterState {
    constraints: Vec<Constraint>,
    /// Per constraint: matching pods per domain (every eligible domain, 0 included), by
    /// `label_hash(key, value)`.
    tp_value_to_match_num: Vec<BTreeMap<u64, i64>>,
    /// Per constraint: the global minimum used for the skew (`minMatchNum`).
    min_match_num: Vec<i64>,
    /// Per constraint: 1 when the incoming pod matches the selector.
    self_match_num: Vec<i64>,
}

/// Cycle state of the scoring (`preScoreState`). Domains are identified by
/// `label_hash(key, value)`.
#[derive(Debug, Clone)]
struct PreScoreState {
    constraints: Vec<Constraint>,
    /// Nodes missing a topology key are ignored (only for non-default constraints).
    require_all_topologies: bool,
    /// Per constraint (not hostname): matching pods per domain of the candidate nodes.
    topology_value_to_pod_counts: Vec<BTreeMap<u64, i64>>,
    /// Per constraint: `ln(domains + 2)`.
    topology_normalizing_weight: Vec<f64>,
    /// `(generation, raw score, ignored)` of each candidate node, sorted by generation,
    /// computed once in PreScore (`None` when generations repeat: Score computes them).
    by_node: Option<Vec<(u64, i64, bool)>>,
}

/// Reads a node's topology values: from the snapshot index's hashed labels when the node is in
/// the indexed node list, else from its labels.
struct TopologyReader<'a> {
    index: Option<&'a SnapshotIndex>,
    all_nodes: &'a [NodeInfo],
}

impl TopologyReader<'_> {
    fn position(&self, node: &NodeInfo) -> Option<usize> {
        self.index.and(snapshot::position_in(self.all_nodes, node))
    }

    /// `label_hash(key, value)` of the node's value for the constraint's key.
    fn value(&self, position: Option<usize>, node: &NodeInfo, c: &Constraint) -> Option<u64> {
        match (self.index, position) {
            (Some(index), Some(i)) => index.node_label(i, c.key_hash),
            _ => node_value(node, c),
        }
    }
}

/// `label_hash(key, value)` of the node's value for the constraint's key, from its labels.
fn node_value(node: &NodeInfo, c: &Constraint) -> Option<u64> {
    node.node
        .labels
        .get(&c.topology_key)
        .map(|v| label_hash(&c.topology_key, v))
}

impl PreScoreState {
    fn cached(&self, node: &NodeInfo) -> Option<(i64, bool)> {
        let by_node = self.by_node.as_ref()?;
        let at = by_node
            .binary_search_by_key(&node.generation(), |&(g, _, _)| g)
            .ok()?;
        Some((by_node[at].1, by_node[at].2))
    }

    fn ignored(&self, node: &NodeInfo) -> bool {
        match self.cached(node) {
            Some((_, ignored)) => ignored,
            None => self.require_all_topologies && !has_all_keys(node, &self.constraints),
        }
    }

    /// `Score`'s raw value from the node's topology values (one per constraint):
    /// `round(Σ count × weight + maxSkew − 1)` over the constraints whose key the node has.
    /// `hostname_count(i)` gives the node's own count for hostname constraint `i`.
    fn raw_score(
        &self,
        values: &[Option<u64>],
        mut hostname_count: impl FnMut(usize) -> i64,
    ) -> i64 {
        let mut score = 0.0_f64;
        for (i, c) in self.constraints.iter().enumerate() {
            let Some(value) = values[i] else {
                continue;
            };
            let count = if c.is_hostname() {
                hostname_count(i)
            } else {
                self.topology_value_to_pod_counts[i]
                    .get(&value)
                    .copied()
                    .unwrap_or(0)
            };
            // `scoreForCount`.
            score += count as f64 * self.topology_normalizing_weight[i] + (c.max_skew - 1) as f64;
        }
        score.round() as i64
    }
}

impl Plugin for PodTopologySpread {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_pre_filter(&self) -> Option<&dyn PreFilterPlugin> {
        Some(self)
    }

    fn as_filter(&self) -> Option<&dyn FilterPlugin> {
        Some(self)
    }

    fn as_pre_score(&self) -> Option<&dyn PreScorePlugin> {
        Some(self)
    }

    fn as_score(&self) -> Option<&dyn ScorePlugin> {
        Some(self)
    }
}

impl PreFilterPlugin for PodTopologySpread {
    fn pre_filter(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        nodes: &[NodeInfo],
    ) -> (Option<PreFilterResult>, Status) {
        let constraints = self.constraints(pod, UnsatisfiableAction::DoNotSchedule);
        if constraints.is_empty() {
            return (None, Status::skip());
        }
        let index = snapshot::index_for(state, nodes);
        let mut counts: Vec<BTreeMap<u64, i64>> = vec![BTreeMap::new(); constraints.len()];
        // Fast path: every node has every key and every node is eligible (no node affinity to
        // honour, taints ignored): the domains are the key's values on all nodes, known from the
        // index, and only the nodes holding a pod that may match need visiting.
        let trivial_inclusion = constraints.iter().all(|c| {
            (c.node_affinity_policy == NodeInclusionPolicy::Ignore
                || (pod.spec.node_selector.is_empty() && pod.spec.required_node_terms.is_empty()))
                && c.node_taints_policy == NodeInclusionPolicy::Ignore
        });
        let fast = index.as_deref().filter(|ix| {
            trivial_inclusion
                && constraints
                    .iter()
                    .all(|c| ix.nodes_with_key(c.key_hash) == nodes.len())
        });
        if let Some(ix) = fast {
            for (i, c) in constraints.iter().enumerate() {
                counts[i] = ix.label_domains(c.key_hash).map(|v| (v, 0)).collect();
                if !c.selector.can_match() || c.selector.is_empty() {
                    continue;
                }
                let domains = &mut counts[i];
                for_each_candidate(Some(ix), nodes, c.selector.anchor(), |at, node| {
                    let count = c.selector.count_on(node, pod.namespace);
                    if count > 0
                        && let Some(domain) = ix.node_label(at, c.key_hash)
                        && let Some(total) = domains.get_mut(&domain)
                    {
                        *total += count;
                    }
                });
            }
        } else {
            for node in nodes {
                if !has_all_keys(node, &constraints) {
                    continue;
                }
                let mut affinity = None;
                for (i, c) in constraints.iter().enumerate() {
                    if !c.includes(pod, node, &mut affinity) {
                        continue;
                    }
                    let domain = c.domain(node_value(node, c));
                    *counts[i].entry(domain).or_insert(0) +=
                        c.selector.count_on(node, pod.namespace);
                }
            }
        }
        let min_match_num = constraints
            .iter()
            .zip(&counts)
            .map(|(c, domains)| {
                let domains_num = i64::try_from(domains.len()).unwrap_or(i64::MAX);
                if domains_num < c.min_domains {
                    0
                } else {
                    domains.values().copied().min().unwrap_or(0)
                }
            })
            .collect();
        let self_match_num = constraints
            .iter()
            .map(|c| i64::from(c.selector.matches(pod.labels)))
            .collect();
        state.write(
            PRE_FILTER_STATE_KEY,
            PreFilterState {
                constraints,
                tp_value_to_match_num: counts,
                min_match_num,
                self_match_num,
            },
        );
        (None, Status::success())
    }

    fn add_pod(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        added: &NodePod,
        node: &NodeInfo,
    ) -> Status {
        update_with_pod(state, pod, added, node, 1);
        Status::success()
    }

    fn remove_pod(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        removed: &NodePod,
        node: &NodeInfo,
    ) -> Status {
        update_with_pod(state, pod, removed, node, -1);
        Status::success()
    }
}

/// `preFilterState.updateWithPod`: a pod of the incoming pod's namespace matching a
/// constraint's selector, on a node that carries every topology key and passes the
/// constraint's inclusion policies, changes its domain's count by `delta`; the minimum is then
/// recomputed (upstream keeps the two smallest domains; the minimum is the same).
fn update_with_pod(
    state: &mut CycleState,
    pod: &PodInfo<'_>,
    changed: &NodePod,
    node: &NodeInfo,
    delta: i64,
) {
    let Some(s) = state.read_mut::<PreFilterState>(PRE_FILTER_STATE_KEY) else {
        return;
    };
    if changed.namespace != pod.namespace || changed.terminating {
        return;
    }
    if !has_all_keys(node, &s.constraints) {
        return;
    }
    let mut affinity = None;
    for i in 0..s.constraints.len() {
        let c = &s.constraints[i];
        if !c.selector.matches(&changed.labels) || !c.includes(pod, node, &mut affinity) {
            continue;
        }
        let domain = c.domain(node_value(node, c));
        let min_domains = c.min_domains;
        let counts = &mut s.tp_value_to_match_num[i];
        *counts.entry(domain).or_insert(0) += delta;
        let domains_num = i64::try_from(counts.len()).unwrap_or(i64::MAX);
        s.min_match_num[i] = if domains_num < min_domains {
            0
        } else {
            counts.values().copied().min().unwrap_or(0)
        };
    }
}

impl FilterPlugin for PodTopologySpread {
    fn filter(&self, state: &CycleState, _pod: &PodInfo<'_>, node: &NodeInfo) -> Status {
        let Some(s) = state.read::<PreFilterState>(PRE_FILTER_STATE_KEY) else {
            return Status::error(format!(
                "reading {PRE_FILTER_STATE_KEY:?} from cycleState: not found"
            ));
        };
        for (i, c) in s.constraints.iter().enumerate() {
            let Some(value) = node_value(node, c) else {
                return Status::unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
            };
            let match_num = s.tp_value_to_match_num[i].get(&value).copied().unwrap_or(0);
            let skew = match_num + s.self_match_num[i] - s.min_match_num[i];
            if skew > c.max_skew {
                return Status::unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
            }
        }
        Status::success()
    }
}

impl PreScorePlugin for PodTopologySpread {
    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        nodes: &[&NodeInfo],
        all_nodes: &[NodeInfo],
    ) -> Status {
        if all_nodes.is_empty() {
            return Status::skip();
        }
        let constraints = self.constraints(pod, UnsatisfiableAction::ScheduleAnyway);
        if constraints.is_empty() {
            return Status::skip();
        }
        let require_all_topologies =
            !pod.spec.topology_spread_constraints.is_empty() || !self.system_defaulted;
        let index = snapshot::index_for(state, all_nodes);
        let reader = TopologyReader {
            index: index.as_deref(),
            all_nodes,
        };
        let k = constraints.len();

        // The candidate nodes' topology values, and their domains (`initPreScoreState`).
        let mut counts: Vec<BTreeMap<u64, i64>> = vec![BTreeMap::new(); k];
        let mut values: Vec<Option<u64>> = Vec::with_capacity(nodes.len() * k);
        let mut ignored: Vec<bool> = Vec::with_capacity(nodes.len());
        for node in nodes {
            let position = reader.position(node);
            let start = values.len();
            values.extend(constraints.iter().map(|c| reader.value(position, node, c)));
            let node_values = &values[start..];
            let skip = require_all_topologies && node_values.iter().any(Option::is_none);
            ignored.push(skip);
            if skip {
                continue;
            }
            for (i, c) in constraints.iter().enumerate() {
                if !c.is_hostname() {
                    counts[i].entry(c.domain(node_values[i])).or_insert(0);
                }
            }
        }
        let candidates = ignored.iter().filter(|&&i| !i).count();
        let weights = constraints
            .iter()
            .zip(&counts)
            .map(|(c, domains)| {
                let size = if c.is_hostname() {
                    candidates
                } else {
                    domains.len()
                };
                topology_normalizing_weight(size)
            })
            .collect();

        // Match counts per domain over all nodes, visiting only the nodes holding a pod that
        // may match (through the snapshot index). Hostname counts are per node, below.
        for (i, c) in constraints.iter().enumerate() {
            if c.is_hostname() || !c.selector.can_match() || c.selector.is_empty() {
                continue;
            }
            let domains = &mut counts[i];
            let reader = &reader;
            for_each_candidate(reader.index, all_nodes, c.selector.anchor(), |at, node| {
                if !c.selector.may_match_on(node) {
                    return;
                }
                if require_all_topologies
                    && constraints
                        .iter()
                        .any(|other| reader.value(Some(at), node, other).is_none())
                {
                    return;
                }
                let domain = c.domain(reader.value(Some(at), node, c));
                // Domains of no candidate node are not counted.
                if !domains.contains_key(&domain) || !c.includes(pod, node, &mut None) {
                    return;
                }
                let count = c.selector.count_on(node, pod.namespace);
                if let Some(total) = domains.get_mut(&domain) {
                    *total += count;
                }
            });
        }
        // Hostname counts of the nodes holding a pod that may match (others count 0), by node
        // generation, when the index can list those nodes.
        let hostname_counts: Vec<Option<BTreeMap<u64, i64>>> = constraints
            .iter()
            .map(|c| {
                let (true, Some(index), Some(anchor)) =
                    (c.is_hostname(), reader.index, c.selector.anchor())
                else {
                    return None;
                };
                let mut by_generation = BTreeMap::new();
                for i in index.nodes_with_any_label(anchor) {
                    let node = &all_nodes[i];
                    let count = c.selector.count_on(node, pod.namespace);
                    if count > 0 {
                        by_generation.insert(node.generation(), count);
                    }
                }
                Some(by_generation)
            })
            .collect();

        // Raw scores of the candidate nodes, once.
        let mut s = PreScoreState {
            constraints,
            require_all_topologies,
            topology_value_to_pod_counts: counts,
            topology_normalizing_weight: weights,
            by_node: None,
        };
        let mut by_node: Vec<(u64, i64, bool)> = Vec::with_capacity(nodes.len());
        for (j, node) in nodes.iter().enumerate() {
            let raw = if ignored[j] {
                0
            } else {
                s.raw_score(&values[j * k..(j + 1) * k], |i| {
                    match hostname_counts[i].as_ref() {
                        Some(by_generation) => {
                            by_generation.get(&node.generation()).copied().unwrap_or(0)
                        }
                        None => s.constraints[i].selector.count_on(node, pod.namespace),
                    }
                })
            };
            by_node.push((node.generation(), raw, ignored[j]));
        }
        by_node.sort_unstable_by_key(|&(g, _, _)| g);
        if by_node.windows(2).all(|w| w[0].0 != w[1].0) {
            s.by_node = Some(by_node);
        }
        state.write(PRE_SCORE_STATE_KEY, s);
        Status::success()
    }
}

/// `topologyNormalizingWeight`: `ln(size + 2)`.
fn topology_normalizing_weight(size: usize) -> f64 {
    libm::log(size as f64 + 2.0)
}

impl ScorePlugin for PodTopologySpread {
    fn score(&self, state: &CycleState, pod: &PodInfo<'_>, node: &NodeInfo) -> Result<i64, Status> {
        let Some(s) = state.read::<PreScoreState>(PRE_SCORE_STATE_KEY) else {
            return Err(Status::error(format!(
                "reading {PRE_SCORE_STATE_KEY:?} from cycleState: not found"
            )));
        };
        if let Some((raw, _)) = s.cached(node) {
            return Ok(raw);
        }
        if s.ignored(node) {
            return Ok(0);
        }
        let values: Vec<Option<u64>> = s.constraints.iter().map(|c| node_value(node, c)).collect();
        Ok(s.raw_score(&values, |i| {
            s.constraints[i].selector.count_on(node, pod.namespace)
        }))
    }

    fn normalize_score(
        &self,
        state: &CycleState,
        _pod: &PodInfo<'_>,
        nodes: &[&NodeInfo],
        scores: &mut [i64],
    ) -> Status {
        let Some(s) = state.read::<PreScoreState>(PRE_SCORE_STATE_KEY) else {
            return Status::success();
        };
        let mut min_score = i64::MAX;
        let mut max_score = 0_i64;
        for (node, &score) in nodes.iter().zip(scores.iter()) {
            if s.ignored(node) {
                continue;
            }
            min_score = min_score.min(score);
            max_score = max_score.max(score);
        }
        for (node, score) in nodes.iter().zip(scores.iter_mut()) {
            if s.ignored(node) {
                *score = 0;
            } else if max_score == 0 {
                *score = MAX_NODE_SCORE;
            } else {
                *score = MAX_NODE_SCORE * (max_score + min_score - *score) / max_score;
            }
        }
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::pod::PodSpec;
    use crate::model::selector::{LabelSelector, SelectorOp};
    use crate::scheduler::framework::Code;
    use crate::scheduler::testing::{
        NodeBuilder, PodBuilder, both_states, labels, name_term, pod_with, req,
    };

    fn foo_exists() -> Option<LabelSelector> {
        Some(LabelSelector {
            requirements: vec![req("foo", SelectorOp::Exists, &[])],
        })
    }

    fn constraint(
        key: &str,
        max_skew: i64,
        action: UnsatisfiableAction,
        selector: Option<LabelSelector>,
    ) -> TopologySpreadConstraint {
        TopologySpreadConstraint {
            max_skew,
            topology_key: key.into(),
            when_unsatisfiable: action,
            label_selector: selector,
            match_label_keys: Vec::new(),
            min_domains: None,
            node_affinity_policy: None,
            node_taints_policy: None,
        }
    }

    fn hard(key: &str, max_skew: i64) -> TopologySpreadConstraint {
        constraint(
            key,
            max_skew,
            UnsatisfiableAction::DoNotSchedule,
            foo_exists(),
        )
    }

    fn soft(key: &str, max_skew: i64) -> TopologySpreadConstraint {
        constraint(
            key,
            max_skew,
            UnsatisfiableAction::ScheduleAnyway,
            foo_exists(),
        )
    }

    fn spec_with(constraints: Vec<TopologySpreadConstraint>) -> PodSpec {
        let mut spec = PodBuilder::new().build();
        spec.topology_spread_constraints = constraints;
        spec
    }

    /// A node with `label=name`, `zone` (when given) and `count` pods labeled `pod_labels`.
    fn node(
        name: &str,
        extra: &[(&str, &str)],
        pods: &[(usize, &BTreeMap<String, String>)],
        uid: &mut u64,
    ) -> NodeInfo {
        let mut b = NodeBuilder::new(name);
        for (k, v) in extra {
            b = b.label(k, v);
        }
        let mut info = b.info();
        let empty = PodSpec::default();
        for (count, l) in pods {
            for _ in 0..*count {
                *uid += 1;
                info.add_pod(&pod_with("default", l, &empty, *uid));
            }
        }
        info
    }

    fn filter_all(
        spec: &PodSpec,
        pod_labels: &BTreeMap<String, String>,
        nodes: &[NodeInfo],
    ) -> Vec<Code> {
        let p = pod_with("default", pod_labels, spec, 999);
        let plugin = PodTopologySpread::default();
        let runs: Vec<Vec<Code>> = both_states(nodes)
            .into_iter()
            .map(|mut state| {
                let (_, status) = plugin.pre_filter(&mut state, &p, nodes);
                assert!(status.is_success(), "{status:?}");
                nodes
                    .iter()
                    .map(|n| plugin.filter(&state, &p, n).code)
                    .collect()
            })
            .collect();
        assert_eq!(runs[0], runs[1], "with and without the snapshot index");
        runs[0].clone()
    }

    /// Four nodes a, b (zone1) and x, y (zone2), each labeled `node=<name>`, with 2/1/0/3
    /// pods labeled foo.
    fn nodes_2103(foo: &BTreeMap<String, String>) -> Vec<NodeInfo> {
        let mut uid = 0;
        [
            ("a", "zone1", 2),
            ("b", "zone1", 1),
            ("x", "zone2", 0),
            ("y", "zone2", 3),
        ]
        .iter()
        .map(|(n, z, c)| node(n, &[("zone", z), ("node", n)], &[(*c, foo)], &mut uid))
        .collect()
    }

    /// SPEC §7.9 `TestSingleConstraint` (filter), rows 1–8.
    #[test]
    fn spec_7_9_filter_vectors() {
        use Code::{Success as P, Unschedulable as F, UnschedulableAndUnresolvable as U};
        let foo = labels(&[("foo", "")]);
        let bar = labels(&[("bar", "")]);
        let mut uid = 0;

        // Row 1: zone, no pods.
        let empty: Vec<NodeInfo> = nodes_2103(&foo)
            .into_iter()
            .map(|n| {
                NodeBuilder::new(n.name())
                    .label("zone", &n.node.labels["zone"])
                    .info()
            })
            .collect();
        assert_eq!(
            filter_all(&spec_with(vec![hard("zone", 1)]), &foo, &empty),
            [P, P, P, P],
            "row 1"
        );

        // Row 2: selector "bar exists", the pod (foo) does not match itself.
        let mut bar_constraint = hard("zone", 1);
        bar_constraint.label_selector = Some(LabelSelector {
            requirements: vec![req("bar", SelectorOp::Exists, &[])],
        });
        assert_eq!(
            filter_all(&spec_with(vec![bar_constraint]), &foo, &empty),
            [P, P, P, P],
            "row 2"
        );

        // Row 3: zone, 2/1/0/3 (3 and 3 per zone).
        let n2103 = nodes_2103(&foo);
        assert_eq!(
            filter_all(&spec_with(vec![hard("zone", 1)]), &foo, &n2103),
            [P, P, P, P],
            "row 3"
        );

        // Row 4: node b lacks the zone label, one matching pod per node.
        let row4 = vec![
            node("a", &[("zone", "zone1")], &[(1, &foo)], &mut uid),
            node("b", &[], &[(1, &foo)], &mut uid),
            node("x", &[("zone", "zone2")], &[(1, &foo)], &mut uid),
            node("y", &[("zone", "zone2")], &[(1, &foo)], &mut uid),
        ];
        assert_eq!(
            filter_all(&spec_with(vec![hard("zone", 1)]), &foo, &row4),
            [P, U, F, F],
            "row 4"
        );

        // Row 5: key absent on all nodes.
        let row5 = vec![
            node("a", &[("zone", "zone1")], &[], &mut uid),
            node("b", &[("zone", "zone2")], &[], &mut uid),
        ];
        assert_eq!(
            filter_all(&spec_with(vec![hard("rack", 1)]), &foo, &row5),
            [U, U],
            "row 5"
        );

        // Row 6: per node, 2/1/0/3.
        assert_eq!(
            filter_all(&spec_with(vec![hard("node", 1)]), &foo, &n2103),
            [F, F, P, F],
            "row 6"
        );

        // Row 7: the incoming pod is labeled bar (does not match itself).
        assert_eq!(
            filter_all(&spec_with(vec![hard("node", 1)]), &bar, &n2103),
            [F, P, P, F],
            "row 7"
        );

        // Row 8: node affinity to {a, y}: only a and y are eligible domains (min 2).
        let mut spec = spec_with(vec![hard("node", 1)]);
        spec.required_node_terms.push(name_term(&["a", "y"]));
        assert_eq!(filter_all(&spec, &foo, &n2103), [P, P, P, F], "row 8");
    }

    #[test]
    fn filter_min_domains_policies_and_reasons() {
        let foo = labels(&[("foo", "")]);
        let mut uid = 0;
        // Two zones with 1 and 0 pods; minDomains 3 makes the global minimum 0.
        let nodes = vec![
            node("a", &[("zone", "z1")], &[(1, &foo)], &mut uid),
            node("b", &[("zone", "z2")], &[], &mut uid),
        ];
        let mut c = hard("zone", 1);
        assert_eq!(
            filter_all(&spec_with(vec![c.clone()]), &foo, &nodes),
            [Code::Unschedulable, Code::Success]
        );
        c.min_domains = Some(3);
        c.max_skew = 2;
        // a: 1 + 1 − 0 = 2 ≤ 2.
        assert_eq!(
            filter_all(&spec_with(vec![c.clone()]), &foo, &nodes),
            [Code::Success, Code::Success]
        );
        c.max_skew = 1;
        assert_eq!(
            filter_all(&spec_with(vec![c]), &foo, &nodes),
            [Code::Unschedulable, Code::Success]
        );

        // nodeTaintsPolicy Honor: a tainted node's domain is not eligible.
        let tainted = vec![node("a", &[("zone", "z1")], &[(2, &foo)], &mut uid), {
            let mut n = node("b", &[("zone", "z2")], &[], &mut uid);
            let mut raw = (*n.node).clone();
            raw.taints.push(crate::model::node::Taint {
                key: "k".into(),
                value: "v".into(),
                effect: crate::model::node::TaintEffect::NoSchedule,
            });
            n.node = std::sync::Arc::new(raw);
            n
        }];
        let mut c = hard("zone", 1);
        // Ignore (default): min 0 → a: 2 + 1 − 0 = 3 > 1.
        assert_eq!(
            filter_all(&spec_with(vec![c.clone()]), &foo, &tainted),
            [Code::Unschedulable, Code::Success]
        );
        c.node_taints_policy = Some(NodeInclusionPolicy::Honor);
        // Honor: only z1 is a domain, min 2 → a: 2 + 1 − 2 = 1.
        assert_eq!(
            filter_all(&spec_with(vec![c]), &foo, &tainted),
            [Code::Success, Code::Success]
        );

        // Messages.
        let zone_spec = spec_with(vec![hard("zone", 1)]);
        let p = pod_with("default", &foo, &zone_spec, 1);
        let plugin = PodTopologySpread::default();
        let mut state = CycleState::new();
        plugin.pre_filter(&mut state, &p, &nodes);
        assert_eq!(
            plugin.filter(&state, &p, &nodes[0]).message(),
            ERR_REASON_CONSTRAINTS_NOT_MATCH
        );
        let bare = NodeBuilder::new("c").info();
        assert_eq!(
            plugin.filter(&state, &p, &bare).message(),
            ERR_REASON_NODE_LABEL_NOT_MATCH
        );
        assert!(plugin.filter(&CycleState::new(), &p, &bare).is_error());
    }

    #[test]
    fn terminating_and_other_namespace_pods_are_not_counted() {
        let foo = labels(&[("foo", "")]);
        let empty = PodSpec::default();
        let mut a = NodeBuilder::new("a").label("zone", "z1").info();
        let b = NodeBuilder::new("b").label("zone", "z2").info();
        a.add_pod(&pod_with("default", &foo, &empty, 1));
        a.add_pod(&pod_with("other", &foo, &empty, 2));
        let nodes = vec![a, b];
        let spec = spec_with(vec![hard("zone", 1)]);
        assert_eq!(
            filter_all(&spec, &foo, &nodes),
            [Code::Unschedulable, Code::Success]
        );
        let mut nodes = nodes;
        assert!(nodes[0].set_terminating(1));
        assert_eq!(
            filter_all(&spec, &foo, &nodes),
            [Code::Success, Code::Success]
        );
    }

    #[test]
    fn match_label_keys_narrow_the_selector() {
        let v1 = labels(&[("foo", ""), ("rev", "1")]);
        let v2 = labels(&[("foo", ""), ("rev", "2")]);
        let mut uid = 0;
        let nodes = vec![
            node("a", &[("zone", "z1")], &[(3, &v1)], &mut uid),
            node("b", &[("zone", "z2")], &[], &mut uid),
        ];
        let mut c = hard("zone", 1);
        assert_eq!(
            filter_all(&spec_with(vec![c.clone()]), &v2, &nodes),
            [Code::Unschedulable, Code::Success]
        );
        c.match_label_keys = vec!["rev".into()];
        assert_eq!(
            filter_all(&spec_with(vec![c]), &v2, &nodes),
            [Code::Success, Code::Success],
            "rev=1 pods are not counted for a rev=2 pod"
        );
    }

    /// PreScore, Score and NormalizeScore over `candidates` (indices into `all`).
    fn scores(
        plugin: &PodTopologySpread,
        p: &PodInfo<'_>,
        all: &[NodeInfo],
        candidates: &[usize],
    ) -> Vec<i64> {
        let refs: Vec<&NodeInfo> = candidates.iter().map(|&i| &all[i]).collect();
        let runs: Vec<Vec<i64>> = both_states(all)
            .into_iter()
            .map(|mut state| {
                let status = plugin.pre_score(&mut state, p, &refs, all);
                assert!(status.is_success(), "{status:?}");
                let mut out: Vec<i64> = refs
                    .iter()
                    .map(|n| plugin.score(&state, p, n).expect("score"))
                    .collect();
                let normalized = plugin.normalize_score(&state, p, &refs, &mut out);
                assert!(normalized.is_success());
                out
            })
            .collect();
        assert_eq!(runs[0], runs[1], "with and without the snapshot index");
        runs[0].clone()
    }

    /// Nodes a, b (zone1), c/x, d/y (zone2) with hostname labels and `counts` foo pods.
    fn hosts(names: &[&str], counts: &[usize], foo: &BTreeMap<String, String>) -> Vec<NodeInfo> {
        let mut uid = 0;
        names
            .iter()
            .zip(counts)
            .enumerate()
            .map(|(i, (n, c))| {
                let zone = if i < 2 { "zone1" } else { "zone2" };
                node(n, &[("zone", zone)], &[(*c, foo)], &mut uid)
            })
            .collect()
    }

    /// SPEC §7.9 `TestPodTopologySpreadScore`, rows 1–9.
    #[test]
    fn spec_7_9_score_vectors() {
        let plugin = PodTopologySpread::default();
        let foo = labels(&[("foo", "")]);
        let host = LABEL_HOSTNAME;

        // Row 1: maxSkew 1, 1/1.
        let spec = spec_with(vec![soft(host, 1)]);
        let p = pod_with("default", &foo, &spec, 0);
        let n = hosts(&["a", "b"], &[1, 1], &foo);
        assert_eq!(scores(&plugin, &p, &n, &[0, 1]), [100, 100], "row 1");

        // Row 2: maxSkew 1, 2/1/0/3.
        let n = hosts(&["a", "b", "c", "d"], &[2, 1, 0, 3], &foo);
        assert_eq!(
            scores(&plugin, &p, &n, &[0, 1, 2, 3]),
            [20, 60, 100, 0],
            "row 2"
        );

        // Row 3: null selector.
        let spec3 = spec_with(vec![constraint(
            host,
            1,
            UnsatisfiableAction::ScheduleAnyway,
            None,
        )]);
        let p3 = pod_with("default", &foo, &spec3, 0);
        assert_eq!(scores(&plugin, &p3, &n, &[0, 1, 2, 3]), [100; 4], "row 3");

        // Row 4: maxSkew 3, 4/3/2/1.
        let spec4 = spec_with(vec![soft(host, 3)]);
        let p4 = pod_with("default", &foo, &spec4, 0);
        let n4 = hosts(&["a", "b", "c", "d"], &[4, 3, 2, 1], &foo);
        assert_eq!(
            scores(&plugin, &p4, &n4, &[0, 1, 2, 3]),
            [44, 66, 77, 100],
            "row 4"
        );

        // Row 5: no constraints, selected by a Service (system defaults), no zone labels.
        let no_zone: Vec<NodeInfo> = {
            let mut uid = 0;
            ["a", "b", "c", "d"]
                .iter()
                .zip([4, 3, 2, 1])
                .map(|(name, c)| node(name, &[], &[(c, &foo)], &mut uid))
                .collect()
        };
        let plain = PodSpec::default();
        let mut p5 = pod_with("default", &foo, &plain, 0);
        p5.default_spread_selector = foo_exists();
        assert_eq!(
            scores(&plugin, &p5, &no_zone, &[0, 1, 2, 3]),
            [44, 66, 77, 100],
            "row 5"
        );

        // Row 6: maxSkew 1, 4/2/1/(3): y failed the filter.
        let n6 = hosts(&["a", "b", "x", "y"], &[4, 2, 1, 3], &foo);
        assert_eq!(scores(&plugin, &p, &n6, &[0, 1, 2]), [33, 83, 100], "row 6");

        // Row 7: zone key; zone1 = a(4) + b(2), zone2 = x(1) + y(3); y failed.
        let spec7 = spec_with(vec![soft("zone", 1)]);
        let p7 = pod_with("default", &foo, &spec7, 0);
        assert_eq!(
            scores(&plugin, &p7, &n6, &[0, 1, 2]),
            [75, 75, 100],
            "row 7"
        );

        // Row 8: zone + hostname; a 2, b 1, x 2, y 4; b and y failed.
        let spec8 = spec_with(vec![soft("zone", 1), soft(host, 1)]);
        let p8 = pod_with("default", &foo, &spec8, 0);
        let n8 = hosts(&["a", "b", "x", "y"], &[2, 1, 2, 4], &foo);
        assert_eq!(scores(&plugin, &p8, &n8, &[0, 2]), [100, 63], "row 8");

        // Row 9: pod labeled foo and bar; zone (foo) + hostname (bar);
        // a{foo}, b{foo,bar}, x none, y{foo},{bar}.
        let foobar = labels(&[("foo", ""), ("bar", "")]);
        let bar = labels(&[("bar", "")]);
        let mut uid = 0;
        let n9 = vec![
            node("a", &[("zone", "zone1")], &[(1, &foo)], &mut uid),
            node("b", &[("zone", "zone1")], &[(1, &foobar)], &mut uid),
            node("x", &[("zone", "zone2")], &[], &mut uid),
            node("y", &[("zone", "zone2")], &[(1, &foo), (1, &bar)], &mut uid),
        ];
        let mut by_bar = soft(host, 1);
        by_bar.label_selector = Some(LabelSelector {
            requirements: vec![req("bar", SelectorOp::Exists, &[])],
        });
        let spec9 = spec_with(vec![soft("zone", 1), by_bar]);
        let p9 = pod_with("default", &foobar, &spec9, 0);
        assert_eq!(
            scores(&plugin, &p9, &n9, &[0, 1, 2, 3]),
            [60, 20, 100, 60],
            "row 9"
        );
    }

    #[test]
    fn score_ignores_nodes_missing_keys_for_explicit_constraints() {
        let plugin = PodTopologySpread::default();
        let foo = labels(&[("foo", "")]);
        let mut uid = 0;
        let nodes = vec![
            node("a", &[("zone", "z1")], &[(1, &foo)], &mut uid),
            node("b", &[("zone", "z2")], &[], &mut uid),
            node("c", &[], &[], &mut uid),
        ];
        let spec = spec_with(vec![soft("zone", 1)]);
        let p = pod_with("default", &foo, &spec, 0);
        // Domains z1, z2 → ln 4; a: round(1.39) = 1, b: 0 → a 0, b 100; c ignored → 0.
        assert_eq!(scores(&plugin, &p, &nodes, &[0, 1, 2]), [0, 100, 0]);
    }

    #[test]
    fn skips_without_constraints() {
        let plugin = PodTopologySpread::default();
        let spec = PodSpec::default();
        let foo = labels(&[("foo", "")]);
        let p = pod_with("default", &foo, &spec, 0);
        let nodes = vec![NodeBuilder::new("a").info()];
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        let (_, s) = plugin.pre_filter(&mut CycleState::new(), &p, &nodes);
        assert!(s.is_skip(), "no constraints, no default selector");
        assert!(
            plugin
                .pre_score(&mut CycleState::new(), &p, &refs, &nodes)
                .is_skip()
        );
        // System defaults are ScheduleAnyway only: PreFilter still skips.
        let mut selected = p.clone();
        selected.default_spread_selector = foo_exists();
        let (_, s) = plugin.pre_filter(&mut CycleState::new(), &selected, &nodes);
        assert!(s.is_skip());
        assert!(
            plugin
                .pre_score(&mut CycleState::new(), &selected, &refs, &nodes)
                .is_success()
        );
        // Soft-only constraints: PreFilter skips, PreScore runs; hard-only: the reverse.
        let soft_spec = spec_with(vec![soft("zone", 1)]);
        let soft_pod = pod_with("default", &foo, &soft_spec, 0);
        assert!(
            plugin
                .pre_filter(&mut CycleState::new(), &soft_pod, &nodes)
                .1
                .is_skip()
        );
        let hard_spec = spec_with(vec![hard("zone", 1)]);
        let hard_pod = pod_with("default", &foo, &hard_spec, 0);
        assert!(
            plugin
                .pre_score(&mut CycleState::new(), &hard_pod, &refs, &nodes)
                .is_skip()
        );
    }

    #[test]
    fn list_defaulting_and_arg_validation() {
        let list = PodTopologySpread::new(&PodTopologySpreadArgs {
            default_constraints: vec![constraint(
                "zone",
                1,
                UnsatisfiableAction::DoNotSchedule,
                None,
            )],
            defaulting_type: DefaultingType::List,
        })
        .expect("valid");
        let foo = labels(&[("foo", "")]);
        let mut uid = 0;
        let nodes = vec![
            node("a", &[("zone", "z1")], &[(2, &foo)], &mut uid),
            node("b", &[("zone", "z2")], &[], &mut uid),
        ];
        let plain = PodSpec::default();
        let mut p = pod_with("default", &foo, &plain, 0);
        p.default_spread_selector = foo_exists();
        let mut state = CycleState::new();
        assert!(list.pre_filter(&mut state, &p, &nodes).1.is_success());
        assert_eq!(list.filter(&state, &p, &nodes[0]).code, Code::Unschedulable);
        assert!(list.filter(&state, &p, &nodes[1]).is_success());

        let bad = |c: TopologySpreadConstraint, t| {
            PodTopologySpread::new(&PodTopologySpreadArgs {
                default_constraints: vec![c],
                defaulting_type: t,
            })
            .is_err()
        };
        let ok = constraint("zone", 1, UnsatisfiableAction::ScheduleAnyway, None);
        assert!(bad(ok.clone(), DefaultingType::System));
        assert!(!bad(ok.clone(), DefaultingType::List));
        assert!(bad(
            constraint("zone", 0, UnsatisfiableAction::ScheduleAnyway, None),
            DefaultingType::List
        ));
        assert!(bad(
            constraint("", 1, UnsatisfiableAction::ScheduleAnyway, None),
            DefaultingType::List
        ));
        assert!(bad(soft("zone", 1), DefaultingType::List));
    }
}
