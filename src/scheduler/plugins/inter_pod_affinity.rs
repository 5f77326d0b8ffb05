//! InterPodAffinity (`plugins/interpodaffinity`: `filtering.go`, `scoring.go`), SPEC §7.10.
//!
//! * PreFilter: counts, per topology pair `(key, value)`, (1) the existing pods whose required
//!   anti-affinity terms match the incoming pod (only nodes hosting such pods are visited),
//!   (2) the existing pods matching **all** the incoming pod's required affinity terms, and
//!   (3) the existing pods matching each of its required anti-affinity terms. `Skip` when the
//!   pod has no required term and no existing pod's anti-affinity matches it.
//! * Filter, in order: affinity (`UnschedulableAndUnresolvable`, `node(s) didn't match pod
//!   affinity rules`): the node has every term's key and each pair has a match — or no pod
//!   matches anywhere and the pod matches its own terms (the first pod of a group); the pod's
//!   anti-affinity (`Unschedulable`, `node(s) didn't match pod anti-affinity rules`); the
//!   existing pods' anti-affinity (`Unschedulable`, `node(s) didn't satisfy existing pods
//!   anti-affinity rules`).
//! * PreScore: Σ per topology pair of the weights of the incoming pod's preferred terms
//!   matched by existing pods (anti-affinity subtracts), plus the existing pods' preferred terms
//!   matched by the incoming pod, plus `hardPodAffinityWeight` (default 1) for each of their
//!   required affinity terms it matches. Without preferred terms of its own only nodes hosting
//!   pods with affinity are visited; `Skip` when nothing was counted. Score: Σ over the node's
//!   labels. NormalizeScore: `int(100 × (s − min) / (max − min))`, min and max starting at 0
//!   (SPEC §7.10), all 0 when max = min.
//!
//! Term semantics (namespaces, namespace selector, `matchLabelKeys`) are in
//! [`pod_selector`](crate::scheduler::plugins::pod_selector).
//!
//! Cost: upstream visits every pod of every node (or of every node hosting pods with affinity).
//! Here the [`SnapshotIndex`](crate::scheduler::snapshot::SnapshotIndex) lists the nodes whose
//! pods carry a label a term requires, and the nodes whose pods' terms require a label the
//! incoming pod carries; on those nodes, each pod's compact key
//! ([`PodKey`](crate::scheduler::framework::PodKey)) rejects most pods before their labels are
//! read. The counts are the same as visiting everything.

use std::collections::BTreeMap;

use crate::model::pod::{PodAffinityTerm, WeightedPodAffinityTerm};
use crate::scheduler::framework::{
    CycleState, FilterPlugin, MAX_NODE_SCORE, NodeInfo, NodePod, Plugin, PodInfo, PodKey,
    PreFilterPlugin, PreFilterResult, PreScorePlugin, ScorePlugin, Status, label_bits, label_hash,
};
use crate::scheduler::plugins::pod_selector::{IncomingTerm, term_matches};
use crate::scheduler::profile::ConfigError;
use crate::scheduler::snapshot::{self, for_each_candidate};

/// Registry name.
pub const NAME: &str = "InterPodAffinity";

/// Upstream reason `ErrReasonExistingAntiAffinityRulesNotMatch`.
pub const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";

/// Upstream reason `ErrReasonAffinityRulesNotMatch`.
pub const ERR_REASON_AFFINITY_RULES_NOT_MATCH: &str = "node(s) didn't match pod affinity rules";

/// Upstream reason `ErrReasonAntiAffinityRulesNotMatch`.
pub const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH: &str =
    "node(s) didn't match pod anti-affinity rules";

const PRE_FILTER_STATE_KEY: &str = "PreFilterInterPodAffinity";
const PRE_SCORE_STATE_KEY: &str = "PreScoreInterPodAffinity";

/// `InterPodAffinityArgs`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InterPodAffinityArgs {
    /// `hardPodAffinityWeight` (0..=100, default 1).
    pub hard_pod_affinity_weight: i64,
    /// `ignorePreferredTermsOfExistingPods` (default false).
    pub ignore_preferred_terms_of_existing_pods: bool,
}

impl Default for InterPodAffinityArgs {
    fn default() -> Self {
        InterPodAffinityArgs {
            hard_pod_affinity_weight: 1,
            ignore_preferred_terms_of_existing_pods: false,
        }
    }
}

/// How NormalizeScore picks its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Normalization {
    /// SPEC §7.10: min and max start at 0 (all-positive scores keep their ratio to the max).
    #[default]
    MinMaxFromZero,
    /// Newest upstream (`math.MaxInt64` / `math.MinInt64` start): the true range of the scores.
    MinMax,
}

/// The InterPodAffinity plugin (PreFilter, Filter, PreScore, Score).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterPodAffinity {
    hard_pod_affinity_weight: i64,
    ignore_preferred_terms_of_existing_pods: bool,
    /// The normalization rule (default [`Normalization::MinMaxFromZero`]).
    pub normalization: Normalization,
}

impl Default for InterPodAffinity {
    fn default() -> Self {
        InterPodAffinity {
            hard_pod_affinity_weight: 1,
            ignore_preferred_terms_of_existing_pods: false,
            normalization: Normalization::default(),
        }
    }
}

impl InterPodAffinity {
    /// Builds the plugin (`ValidateInterPodAffinityArgs`: weight in 0..=100).
    pub fn new(args: &InterPodAffinityArgs) -> Result<Self, ConfigError> {
        if !(0..=100).contains(&args.hard_pod_affinity_weight) {
            return Err(ConfigError::InvalidPluginArgs {
                plugin: NAME,
                message: format!(
                    "hardPodAffinityWeight: Invalid value: {}: not in valid range [0, 100]",
                    args.hard_pod_affinity_weight
                ),
            });
        }
        Ok(InterPodAffinity {
            hard_pod_affinity_weight: args.hard_pod_affinity_weight,
            ignore_preferred_terms_of_existing_pods: args.ignore_preferred_terms_of_existing_pods,
            normalization: Normalization::default(),
        })
    }
}

/// `topologyToMatchedTermCount`: topology key → value → count.
type TopologyCounts = BTreeMap<String, BTreeMap<String, i64>>;

/// Adds `delta` to the pair `(key, node's value of key)` when the node has the key.
fn update(counts: &mut TopologyCounts, node: &NodeInfo, key: &str, delta: i64) {
    let Some(value) = node.node.labels.get(key) else {
        return;
    };
    let values = match counts.get_mut(key) {
        Some(values) => values,
        None => counts.entry(key.to_string()).or_default(),
    };
    match values.get_mut(value.as_str()) {
        Some(total) => {
            *total += delta;
            // Upstream deletes a pair whose count is back to zero (it may go negative first).
            if *total == 0 {
                values.remove(value.as_str());
                if values.is_empty() {
                    counts.remove(key);
                }
            }
        }
        None => {
            values.insert(value.clone(), delta);
        }
    }
}

fn count_of(counts: &TopologyCounts, key: &str, value: &str) -> i64 {
    counts
        .get(key)
        .and_then(|values| values.get(value))
        .copied()
        .unwrap_or(0)
}

/// Cycle state of the filter (`preFilterState`).
#[derive(Debug, Clone, Default)]
struct PreFilterState {
    existing_anti_affinity_counts: TopologyCounts,
    affinity_counts: TopologyCounts,
    anti_affinity_counts: TopologyCounts,
    /// The incoming pod matches all its own required affinity terms.
    self_matches_affinity: bool,
}

/// Cycle state of the scoring (`preScoreState`).
#[derive(Debug, Clone, Default)]
struct PreScoreState {
    topology_score: TopologyCounts,
}

impl Plugin for InterPodAffinity {
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

fn incoming_terms<'a>(terms: &'a [PodAffinityTerm], pod: &PodInfo<'a>) -> Vec<IncomingTerm<'a>> {
    terms
        .iter()
        .map(|t| IncomingTerm::new(t, 0, pod.namespace, pod.labels))
        .collect()
}

fn weighted_terms<'a>(
    terms: &'a [WeightedPodAffinityTerm],
    pod: &PodInfo<'a>,
) -> Vec<IncomingTerm<'a>> {
    terms
        .iter()
        .map(|w| IncomingTerm::new(&w.term, w.weight, pod.namespace, pod.labels))
        .collect()
}

/// The label hashes of the pod's labels.
fn pod_label_hashes(pod: &PodInfo<'_>) -> Vec<u64> {
    pod.labels.iter().map(|(k, v)| label_hash(k, v)).collect()
}

/// `podMatchesAllAffinityTerms` (false for no term).
fn matches_all(
    terms: &[IncomingTerm<'_>],
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    !terms.is_empty() && terms.iter().all(|t| t.matches_labels(namespace, labels))
}

impl PreFilterPlugin for InterPodAffinity {
    fn pre_filter(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        nodes: &[NodeInfo],
    ) -> (Option<PreFilterResult>, Status) {
        let affinity = incoming_terms(&pod.spec.pod_affinity.required, pod);
        let anti_affinity = incoming_terms(&pod.spec.pod_anti_affinity.required, pod);
        let index = snapshot::index_for(state, nodes);
        let mut s = PreFilterState::default();

        // Existing pods' required anti-affinity against the incoming pod (only nodes hosting
        // such pods: `HavePodsWithRequiredAntiAffinityList`).
        let incoming_bits = label_bits(pod.labels);
        let mut visit_existing = |node: &NodeInfo| {
            for (key, existing) in node.pod_keys.iter().zip(&node.pods) {
                if !key.anti_terms_may_match(incoming_bits) {
                    continue;
                }
                let Some(terms) = &existing.affinity else {
                    continue;
                };
                for (t, bits) in terms.anti_affinity_required() {
                    if incoming_bits & bits == bits
                        && term_matches(
                            t,
                            &existing.namespace,
                            &existing.labels,
                            pod.namespace,
                            pod.labels,
                        )
                    {
                        update(
                            &mut s.existing_anti_affinity_counts,
                            node,
                            &t.topology_key,
                            1,
                        );
                    }
                }
            }
        };
        match &index {
            Some(index) => index
                .nodes_with_anti_affinity_reaching(&pod_label_hashes(pod))
                .into_iter()
                .for_each(|i| visit_existing(&nodes[i])),
            None => nodes
                .iter()
                .filter(|n| n.pods_with_required_anti_affinity > 0)
                .for_each(visit_existing),
        }
        if s.existing_anti_affinity_counts.is_empty()
            && affinity.is_empty()
            && anti_affinity.is_empty()
        {
            return (None, Status::skip());
        }

        // The incoming pod's required terms against the existing pods, visiting only the nodes
        // holding a pod that may match. Affinity: a pod must match every term.
        if affinity.iter().all(IncomingTerm::can_match) && !affinity.is_empty() {
            let anchor = affinity.iter().find_map(IncomingTerm::anchor);
            for_each_candidate(index.as_deref(), nodes, anchor, |_, node| {
                if !affinity.iter().all(|t| t.may_match_on(node)) {
                    return;
                }
                for (key, existing) in node.pod_keys.iter().zip(&node.pods) {
                    if affinity.iter().all(|t| t.matches(key, existing)) {
                        for t in &affinity {
                            update(&mut s.affinity_counts, node, &t.term.topology_key, 1);
                        }
                    }
                }
            });
        }
        for t in anti_affinity.iter().filter(|t| t.can_match()) {
            for_each_candidate(index.as_deref(), nodes, t.anchor(), |_, node| {
                if !t.may_match_on(node) {
                    return;
                }
                for (key, existing) in node.pod_keys.iter().zip(&node.pods) {
                    if t.matches(key, existing) {
                        update(&mut s.anti_affinity_counts, node, &t.term.topology_key, 1);
                    }
                }
            });
        }
        s.self_matches_affinity = matches_all(&affinity, pod.namespace, pod.labels);
        state.write(PRE_FILTER_STATE_KEY, s);
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

/// `preFilterState.updateWithPod`: the counts change by `delta` for the existing pod's
/// required anti-affinity terms matching the incoming pod, the incoming pod's affinity terms
/// (when the pod matches all of them) and its anti-affinity terms (each it matches).
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
    if let Some(terms) = &changed.affinity {
        for (t, _) in terms.anti_affinity_required() {
            if term_matches(
                t,
                &changed.namespace,
                &changed.labels,
                pod.namespace,
                pod.labels,
            ) {
                update(
                    &mut s.existing_anti_affinity_counts,
                    node,
                    &t.topology_key,
                    delta,
                );
            }
        }
    }
    let affinity = incoming_terms(&pod.spec.pod_affinity.required, pod);
    if matches_all(&affinity, &changed.namespace, &changed.labels) {
        for t in &affinity {
            update(&mut s.affinity_counts, node, &t.term.topology_key, delta);
        }
    }
    for t in incoming_terms(&pod.spec.pod_anti_affinity.required, pod) {
        if t.matches_labels(&changed.namespace, &changed.labels) {
            update(
                &mut s.anti_affinity_counts,
                node,
                &t.term.topology_key,
                delta,
            );
        }
    }
}

impl FilterPlugin for InterPodAffinity {
    fn filter(&self, state: &CycleState, pod: &PodInfo<'_>, node: &NodeInfo) -> Status {
        let Some(s) = state.read::<PreFilterState>(PRE_FILTER_STATE_KEY) else {
            return Status::error(format!(
                "reading {PRE_FILTER_STATE_KEY:?} from cycleState: not found"
            ));
        };
        let labels = &node.node.labels;

        // satisfyPodAffinity.
        let mut pods_exist = true;
        for t in &pod.spec.pod_affinity.required {
            match labels.get(&t.topology_key) {
                Some(value) => {
                    if count_of(&s.affinity_counts, &t.topology_key, value) <= 0 {
                        pods_exist = false;
                    }
                }
                None => return Status::unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH),
            }
        }
        // The first pod of a group with affinity to itself may go anywhere with the keys.
        let first_of_group = s.affinity_counts.is_empty() && s.self_matches_affinity;
        if !pods_exist && !first_of_group {
            return Status::unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH);
        }

        // satisfyPodAntiAffinity.
        if !s.anti_affinity_counts.is_empty() {
            for t in &pod.spec.pod_anti_affinity.required {
                if let Some(value) = labels.get(&t.topology_key)
                    && count_of(&s.anti_affinity_counts, &t.topology_key, value) > 0
                {
                    return Status::unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
                }
            }
        }

        // satisfyExistingPodsAntiAffinity.
        for (key, values) in &s.existing_anti_affinity_counts {
            if let Some(value) = labels.get(key)
                && values.get(value).is_some_and(|&c| c > 0)
            {
                return Status::unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);
            }
        }
        Status::success()
    }
}

/// What PreScore checks every existing pod against.
struct ScoreContext<'a, 'p> {
    pod: &'a PodInfo<'p>,
    /// [`label_bits`] of the incoming pod.
    bits: u64,
    preferred: &'a [IncomingTerm<'a>],
    preferred_anti: &'a [IncomingTerm<'a>],
}

impl InterPodAffinity {
    /// `processExistingPod`.
    fn process_existing_pod(
        &self,
        scores: &mut TopologyCounts,
        ctx: &ScoreContext<'_, '_>,
        key: &PodKey,
        existing: &NodePod,
        node: &NodeInfo,
    ) {
        for t in ctx.preferred {
            if t.matches(key, existing) {
                update(scores, node, &t.term.topology_key, t.weight);
            }
        }
        for t in ctx.preferred_anti {
            if t.matches(key, existing) {
                update(scores, node, &t.term.topology_key, -t.weight);
            }
        }
        let Some(terms) = &existing.affinity else {
            return;
        };
        let matches = |t: &PodAffinityTerm, bits: u64| {
            ctx.bits & bits == bits
                && term_matches(
                    t,
                    &existing.namespace,
                    &existing.labels,
                    ctx.pod.namespace,
                    ctx.pod.labels,
                )
        };
        if self.hard_pod_affinity_weight > 0 {
            for (t, bits) in terms.affinity_required() {
                if matches(t, bits) {
                    update(scores, node, &t.topology_key, self.hard_pod_affinity_weight);
                }
            }
        }
        for (weight, t, bits) in terms.affinity_preferred() {
            if matches(t, bits) {
                update(scores, node, &t.topology_key, weight);
            }
        }
        for (weight, t, bits) in terms.anti_affinity_preferred() {
            if matches(t, bits) {
                update(scores, node, &t.topology_key, -weight);
            }
        }
    }
}

impl PreScorePlugin for InterPodAffinity {
    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        nodes: &[&NodeInfo],
        all_nodes: &[NodeInfo],
    ) -> Status {
        if nodes.is_empty() {
            return Status::skip();
        }
        let preferred = weighted_terms(&pod.spec.pod_affinity.preferred, pod);
        let preferred_anti = weighted_terms(&pod.spec.pod_anti_affinity.preferred, pod);
        let has_constraints = !preferred.is_empty() || !preferred_anti.is_empty();
        if self.ignore_preferred_terms_of_existing_pods && !has_constraints {
            return Status::skip();
        }
        // Nodes to visit (upstream: all nodes with preferred terms of its own, else those hosting
        // pods with affinity): through the index, the nodes whose pods' terms may reach the
        // incoming pod, plus those holding a pod one of its own terms may match; every node
        // when one of its terms gives no anchor or there is no index.
        let index = snapshot::index_for(state, all_nodes);
        let own: Vec<&IncomingTerm<'_>> = preferred
            .iter()
            .chain(&preferred_anti)
            .filter(|t| t.can_match())
            .collect();
        let visit: Vec<usize> = match &index {
            Some(index) if own.iter().all(|t| t.anchor().is_some()) => {
                let mut v = index.nodes_with_scoring_terms_reaching(&pod_label_hashes(pod));
                for t in &own {
                    v.extend(index.nodes_with_any_label(t.anchor().unwrap_or_default()));
                }
                v.sort_unstable();
                v.dedup();
                v
            }
            _ => (0..all_nodes.len()).collect(),
        };
        let ctx = ScoreContext {
            pod,
            bits: label_bits(pod.labels),
            preferred: &preferred,
            preferred_anti: &preferred_anti,
        };
        let mut scores = TopologyCounts::new();
        for i in visit {
            let node = &all_nodes[i];
            let own_terms_possible = own.iter().any(|t| t.may_match_on(node));
            if node.pods_with_affinity == 0 && !own_terms_possible {
                continue;
            }
            if node.node.labels.is_empty() {
                continue;
            }
            for (key, existing) in node.pod_keys.iter().zip(&node.pods) {
                // Only pods an own term may match, or whose terms may match the incoming pod,
                // can contribute (decided from the compact keys, without reading the pod).
                let own_may = own_terms_possible && own.iter().any(|t| t.may_match_key(key));
                if !own_may && !key.scoring_terms_may_match(ctx.bits) {
                    continue;
                }
                self.process_existing_pod(&mut scores, &ctx, key, existing, node);
            }
        }
        if scores.is_empty() {
            return Status::skip();
        }
        state.write(
            PRE_SCORE_STATE_KEY,
            PreScoreState {
                topology_score: scores,
            },
        );
        Status::success()
    }
}

impl ScorePlugin for InterPodAffinity {
    fn score(
        &self,
        state: &CycleState,
        _pod: &PodInfo<'_>,
        node: &NodeInfo,
    ) -> Result<i64, Status> {
        let Some(s) = state.read::<PreScoreState>(PRE_SCORE_STATE_KEY) else {
            return Err(Status::error(format!(
                "reading {PRE_SCORE_STATE_KEY:?} from cycleState: not found"
            )));
        };
        let mut score = 0;
        for (key, values) in &s.topology_score {
            if let Some(value) = node.node.labels.get(key) {
                score += values.get(value).copied().unwrap_or(0);
            }
        }
        Ok(score)
    }

    fn normalize_score(
        &self,
        state: &CycleState,
        _pod: &PodInfo<'_>,
        _nodes: &[&NodeInfo],
        scores: &mut [i64],
    ) -> Status {
        let Some(s) = state.read::<PreScoreState>(PRE_SCORE_STATE_KEY) else {
            return Status::error(format!(
                "reading {PRE_SCORE_STATE_KEY:?} from cycleState: not found"
            ));
        };
        if s.topology_score.is_empty() {
            return Status::success();
        }
        normalize(self.normalization, scores);
        Status::success()
    }
}

/// InterPodAffinity's NormalizeScore on raw scores.
pub fn normalize(rule: Normalization, scores: &mut [i64]) {
    let (mut min, mut max) = match rule {
        Normalization::MinMaxFromZero => (0, 0),
        Normalization::MinMax => (i64::MAX, i64::MIN),
    };
    for &s in scores.iter() {
        max = max.max(s);
        min = min.min(s);
    }
    let diff = max.saturating_sub(min);
    for s in scores.iter_mut() {
        *s = if diff > 0 {
            (MAX_NODE_SCORE as f64 * ((*s - min) as f64 / diff as f64)) as i64
        } else {
            0
        };
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::pod::{PodAffinity, PodSpec};
    use crate::model::selector::{LabelSelector, SelectorOp};
    use crate::scheduler::framework::Code;
    use crate::scheduler::plugins::pod_selector::NAMESPACE_NAME_LABEL;
    use crate::scheduler::testing::{NodeBuilder, both_states, labels, pod_with, req};

    fn term(key: &str, values: &[&str], topology: &str) -> PodAffinityTerm {
        PodAffinityTerm {
            label_selector: Some(LabelSelector {
                requirements: vec![req(key, SelectorOp::In, values)],
            }),
            topology_key: topology.into(),
            ..Default::default()
        }
    }

    fn weighted(weight: i64, t: PodAffinityTerm) -> WeightedPodAffinityTerm {
        WeightedPodAffinityTerm { weight, term: t }
    }

    fn spec(affinity: PodAffinity, anti_affinity: PodAffinity) -> PodSpec {
        PodSpec {
            pod_affinity: affinity,
            pod_anti_affinity: anti_affinity,
            ..Default::default()
        }
    }

    fn required(terms: Vec<PodAffinityTerm>) -> PodAffinity {
        PodAffinity {
            required: terms,
            preferred: Vec::new(),
        }
    }

    fn preferred(terms: Vec<WeightedPodAffinityTerm>) -> PodAffinity {
        PodAffinity {
            required: Vec::new(),
            preferred: terms,
        }
    }

    /// An existing pod to place on a node.
    struct Existing {
        ns: &'static str,
        labels: BTreeMap<String, String>,
        spec: PodSpec,
    }

    fn existing(ns: &'static str, pairs: &[(&str, &str)], spec: PodSpec) -> Existing {
        Existing {
            ns,
            labels: labels(pairs),
            spec,
        }
    }

    /// A node: name, labels, pods.
    type NodeSpec<'a> = (&'a str, &'a [(&'a str, &'a str)], Vec<Existing>);

    /// Nodes with these labels and pods.
    fn cluster(nodes: Vec<NodeSpec<'_>>) -> Vec<NodeInfo> {
        let mut uid = 0;
        nodes
            .into_iter()
            .map(|(name, node_labels, pods)| {
                let mut b = NodeBuilder::new(name);
                for (k, v) in node_labels {
                    b = b.label(k, v);
                }
                let mut info = b.info();
                for p in &pods {
                    uid += 1;
                    info.add_pod(&pod_with(p.ns, &p.labels, &p.spec, uid));
                }
                info
            })
            .collect()
    }

    fn filter(
        ns: &str,
        pod_labels: &[(&str, &str)],
        spec: &PodSpec,
        nodes: &[NodeInfo],
    ) -> Vec<Status> {
        let l = labels(pod_labels);
        let p = pod_with(ns, &l, spec, 999);
        let plugin = InterPodAffinity::default();
        let runs: Vec<Vec<Status>> = both_states(nodes)
            .into_iter()
            .map(|mut state| {
                let (_, status) = plugin.pre_filter(&mut state, &p, nodes);
                if status.is_skip() {
                    return nodes.iter().map(|_| Status::skip()).collect();
                }
                assert!(status.is_success(), "{status:?}");
                nodes.iter().map(|n| plugin.filter(&state, &p, n)).collect()
            })
            .collect();
        assert_eq!(runs[0], runs[1], "with and without the snapshot index");
        runs[0].clone()
    }

    fn codes(statuses: &[Status]) -> Vec<Code> {
        statuses.iter().map(|s| s.code).collect()
    }

    const ZONE1: &[(&str, &str)] = &[("zone", "z1")];
    const ZONE2: &[(&str, &str)] = &[("zone", "z2")];

    #[test]
    fn required_affinity_filter() {
        use Code::{Success as P, UnschedulableAndUnresolvable as U};
        let nodes = cluster(vec![
            (
                "a",
                ZONE1,
                vec![existing("default", &[("app", "db")], PodSpec::default())],
            ),
            ("b", ZONE1, vec![]),
            ("c", ZONE2, vec![]),
            ("d", &[], vec![]),
        ]);
        let want_db = spec(
            required(vec![term("app", &["db"], "zone")]),
            PodAffinity::default(),
        );
        let s = filter("default", &[("app", "web")], &want_db, &nodes);
        assert_eq!(
            codes(&s),
            [P, P, U, U],
            "same zone as the db pod; d has no zone label"
        );
        assert_eq!(s[2].message(), ERR_REASON_AFFINITY_RULES_NOT_MATCH);

        // Per hostname: only a.
        let host = spec(
            required(vec![term("app", &["db"], "kubernetes.io/hostname")]),
            PodAffinity::default(),
        );
        assert_eq!(codes(&filter("default", &[], &host, &nodes)), [P, U, U, U]);

        // Another namespace's db pod does not count; listing it or selecting it does.
        assert_eq!(codes(&filter("other", &[], &want_db, &nodes)), [U, U, U, U]);
        let mut listed = want_db.clone();
        listed.pod_affinity.required[0].namespaces = vec!["default".into()];
        assert_eq!(codes(&filter("other", &[], &listed, &nodes)), [P, P, U, U]);
        let mut selected = want_db.clone();
        selected.pod_affinity.required[0].namespace_selector = Some(LabelSelector {
            requirements: vec![req(NAMESPACE_NAME_LABEL, SelectorOp::In, &["default"])],
        });
        assert_eq!(
            codes(&filter("other", &[], &selected, &nodes)),
            [P, P, U, U]
        );
        let mut everywhere = want_db.clone();
        everywhere.pod_affinity.required[0].namespace_selector = Some(LabelSelector::default());
        assert_eq!(
            codes(&filter("other", &[], &everywhere, &nodes)),
            [P, P, U, U]
        );

        // All terms must match the same pod.
        let two = spec(
            required(vec![
                term("app", &["db"], "zone"),
                term("tier", &["x"], "zone"),
            ]),
            PodAffinity::default(),
        );
        assert_eq!(codes(&filter("default", &[], &two, &nodes)), [U, U, U, U]);
    }

    #[test]
    fn first_pod_of_a_self_affine_group_may_go_anywhere_with_the_keys() {
        use Code::{Success as P, UnschedulableAndUnresolvable as U};
        let nodes = cluster(vec![
            (
                "a",
                ZONE1,
                vec![existing("default", &[("app", "other")], PodSpec::default())],
            ),
            ("b", ZONE2, vec![]),
            ("c", &[], vec![]),
        ]);
        let self_affine = spec(
            required(vec![term("app", &["web"], "zone")]),
            PodAffinity::default(),
        );
        assert_eq!(
            codes(&filter("default", &[("app", "web")], &self_affine, &nodes)),
            [P, P, U]
        );
        // A pod that does not match its own term stays out.
        assert_eq!(
            codes(&filter("default", &[("app", "x")], &self_affine, &nodes)),
            [U, U, U]
        );
        // Once a matching pod exists somewhere, only its zone qualifies.
        let nodes = cluster(vec![
            (
                "a",
                ZONE1,
                vec![existing("default", &[("app", "web")], PodSpec::default())],
            ),
            ("b", ZONE2, vec![]),
        ]);
        assert_eq!(
            codes(&filter("default", &[("app", "web")], &self_affine, &nodes)),
            [P, U]
        );
    }

    #[test]
    fn required_anti_affinity_filter_and_symmetry() {
        use Code::{Success as P, Unschedulable as F};
        let host = "kubernetes.io/hostname";
        let nodes = cluster(vec![
            (
                "a",
                ZONE1,
                vec![existing("default", &[("app", "web")], PodSpec::default())],
            ),
            ("b", ZONE1, vec![]),
            ("c", ZONE2, vec![]),
        ]);
        let away = spec(
            PodAffinity::default(),
            required(vec![term("app", &["web"], host)]),
        );
        let s = filter("default", &[("app", "web")], &away, &nodes);
        assert_eq!(codes(&s), [F, P, P]);
        assert_eq!(s[0].message(), ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
        let zone_away = spec(
            PodAffinity::default(),
            required(vec![term("app", &["web"], "zone")]),
        );
        assert_eq!(
            codes(&filter("default", &[], &zone_away, &nodes)),
            [F, F, P]
        );
        // Other namespace: no conflict.
        assert_eq!(codes(&filter("other", &[], &zone_away, &nodes)), [P, P, P]);

        // Symmetry: an existing pod's anti-affinity keeps matching pods out of its zone.
        let guarded = cluster(vec![
            (
                "a",
                ZONE1,
                vec![existing("default", &[("app", "db")], zone_away.clone())],
            ),
            ("b", ZONE1, vec![]),
            ("c", ZONE2, vec![]),
        ]);
        let plain = PodSpec::default();
        let s = filter("default", &[("app", "web")], &plain, &guarded);
        assert_eq!(codes(&s), [F, F, P]);
        assert_eq!(
            s[0].message(),
            ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH
        );
        // A pod it does not select, or in another namespace, is not affected (PreFilter skips).
        let s = filter("default", &[("app", "api")], &plain, &guarded);
        assert!(s.iter().all(Status::is_skip));
        let s = filter("other", &[("app", "web")], &plain, &guarded);
        assert!(s.iter().all(Status::is_skip));
        // The existing pod's namespace selector is matched against the incoming pod's namespace.
        let mut across = zone_away.clone();
        across.pod_anti_affinity.required[0].namespace_selector = Some(LabelSelector::default());
        let guarded = cluster(vec![
            (
                "a",
                ZONE1,
                vec![existing("default", &[("app", "db")], across)],
            ),
            ("c", ZONE2, vec![]),
        ]);
        assert_eq!(
            codes(&filter("other", &[("app", "web")], &plain, &guarded)),
            [F, P]
        );
    }

    /// Terms without an `In` requirement cannot be indexed by label: they must still apply.
    #[test]
    fn unanchored_terms_still_apply() {
        use Code::{Success as P, Unschedulable as F};
        let exists = |topology: &str| PodAffinityTerm {
            label_selector: Some(LabelSelector {
                requirements: vec![req("app", SelectorOp::Exists, &[])],
            }),
            topology_key: topology.into(),
            ..Default::default()
        };
        let guard = spec(PodAffinity::default(), required(vec![exists("zone")]));
        let nodes = cluster(vec![
            (
                "a",
                ZONE1,
                vec![existing("default", &[("tier", "x")], guard)],
            ),
            ("b", ZONE2, vec![]),
        ]);
        let plain = PodSpec::default();
        assert_eq!(
            codes(&filter("default", &[("app", "any")], &plain, &nodes)),
            [F, P]
        );
        let shy = spec(
            PodAffinity::default(),
            preferred(vec![weighted(3, exists("zone"))]),
        );
        let nodes = cluster(vec![
            ("a", ZONE1, vec![existing("default", &[("tier", "x")], shy)]),
            ("b", ZONE2, vec![]),
        ]);
        let plugin = InterPodAffinity::default();
        assert_eq!(
            scores(&plugin, "default", &[("app", "any")], &plain, &nodes),
            Some(vec![0, 100])
        );
        // The incoming pod's own unanchored preferred term visits every node.
        let seeker = spec(
            preferred(vec![weighted(4, exists("zone"))]),
            PodAffinity::default(),
        );
        let nodes = cluster(vec![
            ("a", ZONE1, vec![]),
            (
                "b",
                ZONE2,
                vec![existing("default", &[("app", "db")], PodSpec::default())],
            ),
        ]);
        assert_eq!(
            scores(&plugin, "default", &[], &seeker, &nodes),
            Some(vec![0, 100])
        );
    }

    #[test]
    fn pre_filter_skips_when_nothing_applies() {
        let nodes = cluster(vec![(
            "a",
            ZONE1,
            vec![existing("default", &[("app", "web")], PodSpec::default())],
        )]);
        let s = filter("default", &[("app", "web")], &PodSpec::default(), &nodes);
        assert!(s.iter().all(Status::is_skip));
        let plugin = InterPodAffinity::default();
        let l = labels(&[]);
        let plain = PodSpec::default();
        let p = pod_with("default", &l, &plain, 1);
        assert!(plugin.filter(&CycleState::new(), &p, &nodes[0]).is_error());
    }

    /// PreScore, Score and NormalizeScore on every node.
    fn scores(
        plugin: &InterPodAffinity,
        ns: &str,
        pod_labels: &[(&str, &str)],
        spec: &PodSpec,
        nodes: &[NodeInfo],
    ) -> Option<Vec<i64>> {
        let l = labels(pod_labels);
        let p = pod_with(ns, &l, spec, 999);
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        let runs: Vec<Option<Vec<i64>>> = both_states(nodes)
            .into_iter()
            .map(|mut state| {
                let status = plugin.pre_score(&mut state, &p, &refs, nodes);
                if status.is_skip() {
                    return None;
                }
                assert!(status.is_success(), "{status:?}");
                let mut out: Vec<i64> = nodes
                    .iter()
                    .map(|n| plugin.score(&state, &p, n).expect("score"))
                    .collect();
                let normalized = plugin.normalize_score(&state, &p, &refs, &mut out);
                assert!(normalized.is_success());
                Some(out)
            })
            .collect();
        assert_eq!(runs[0], runs[1], "with and without the snapshot index");
        runs[0].clone()
    }

    const CHINA: &[(&str, &str)] = &[("region", "China")];
    const INDIA: &[(&str, &str)] = &[("region", "India")];
    const AZ1: &[(&str, &str)] = &[("az", "az1")];

    fn s1() -> Existing {
        existing("default", &[("security", "S1")], PodSpec::default())
    }
    fn s2() -> Existing {
        existing("default", &[("security", "S2")], PodSpec::default())
    }

    /// Rows of upstream `TestPreferredAffinity` whose minimum raw score is 0 (where both
    /// normalization rules agree).
    #[test]
    fn preferred_affinity_upstream_rows() {
        let plugin = InterPodAffinity::default();
        // No affinity at all: Skip.
        let nodes = cluster(vec![
            ("node1", CHINA, vec![]),
            ("node2", INDIA, vec![]),
            ("node3", AZ1, vec![]),
        ]);
        assert_eq!(
            scores(
                &plugin,
                "default",
                &[("security", "S1")],
                &PodSpec::default(),
                &nodes
            ),
            None
        );

        // stayWithS1InRegion: node1 (China, S1) high; node2 (India, S2) and node3 (no region) 0.
        let stay_s1 = spec(
            preferred(vec![weighted(5, term("security", &["S1"], "region"))]),
            PodAffinity::default(),
        );
        let nodes = cluster(vec![
            ("node1", CHINA, vec![s1()]),
            ("node2", INDIA, vec![s2()]),
            ("node3", AZ1, vec![s1()]),
        ]);
        assert_eq!(
            scores(&plugin, "default", &[("security", "S1")], &stay_s1, &nodes),
            Some(vec![100, 0, 0])
        );

        // Same topology value, same score.
        let nodes = cluster(vec![
            ("node1", CHINA, vec![s1()]),
            ("node2", &[("region", "China"), ("az", "az1")], vec![]),
            ("node3", INDIA, vec![]),
        ]);
        assert_eq!(
            scores(&plugin, "default", &[], &stay_s1, &nodes),
            Some(vec![100, 100, 0])
        );

        // Anti-affinity: awayFromS1InAz — nodes in az1 with an S1 pod get the lowest score.
        let away_s1 = spec(
            PodAffinity::default(),
            preferred(vec![weighted(5, term("security", &["S1"], "az"))]),
        );
        let nodes = cluster(vec![
            ("node1", AZ1, vec![s1()]),
            ("node2", CHINA, vec![s2()]),
            ("node3", &[("az", "az2")], vec![]),
        ]);
        assert_eq!(
            scores(&plugin, "default", &[("security", "S1")], &away_s1, &nodes),
            Some(vec![0, 100, 100])
        );
    }

    /// The two normalization rules on a row where they differ: upstream's "nodes in one region
    /// have more matching pods" (China 4 × 6 = 24, India 2 × 6 = 12).
    #[test]
    fn preferred_affinity_normalization_from_zero() {
        let stay_s2 = spec(
            preferred(vec![weighted(6, term("security", &["S2"], "region"))]),
            PodAffinity::default(),
        );
        let nodes = cluster(vec![
            ("node1", CHINA, vec![s2(), s2()]),
            ("node2", INDIA, vec![s2()]),
            ("node3", CHINA, vec![s2()]),
            ("node4", CHINA, vec![s2()]),
            ("node5", INDIA, vec![s2()]),
        ]);
        let from_zero = InterPodAffinity::default();
        assert_eq!(
            scores(
                &from_zero,
                "default",
                &[("security", "S1")],
                &stay_s2,
                &nodes
            ),
            Some(vec![100, 50, 100, 100, 50]),
            "SPEC §7.10: min and max start at 0"
        );
        let min_max = InterPodAffinity {
            normalization: Normalization::MinMax,
            ..Default::default()
        };
        assert_eq!(
            scores(&min_max, "default", &[("security", "S1")], &stay_s2, &nodes),
            Some(vec![100, 0, 100, 100, 0]),
            "newest upstream TestPreferredAffinity row"
        );
        // All negative: the maximum is 0, so the least penalized node gets int(100 × 5 / 10).
        let mut v = vec![-10, -5];
        normalize(Normalization::MinMaxFromZero, &mut v);
        assert_eq!(v, [0, 50]);
        let mut v = vec![3, 3];
        normalize(Normalization::MinMaxFromZero, &mut v);
        assert_eq!(
            v,
            [100, 100],
            "from zero, equal positive scores are all the maximum"
        );
        let mut v = vec![0, 0];
        normalize(Normalization::MinMaxFromZero, &mut v);
        assert_eq!(v, [0, 0]);
    }

    #[test]
    fn existing_pods_terms_count_for_the_incoming_pod() {
        let region_s1 = term("security", &["S1"], "region");
        // Existing pod with hard affinity to S1 pods: an S1 pod prefers its region (weight 1).
        let hard = existing(
            "default",
            &[("security", "S2")],
            spec(required(vec![region_s1.clone()]), PodAffinity::default()),
        );
        let nodes = cluster(vec![("node1", CHINA, vec![hard]), ("node2", INDIA, vec![])]);
        let plain = PodSpec::default();
        assert_eq!(
            scores(
                &InterPodAffinity::default(),
                "default",
                &[("security", "S1")],
                &plain,
                &nodes
            ),
            Some(vec![100, 0])
        );
        // hardPodAffinityWeight 0 ignores it.
        let zero = InterPodAffinity::new(&InterPodAffinityArgs {
            hard_pod_affinity_weight: 0,
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(
            scores(&zero, "default", &[("security", "S1")], &plain, &nodes),
            None
        );
        // Existing pod's preferred anti-affinity pushes matching pods away.
        let shy = existing(
            "default",
            &[("security", "S2")],
            spec(
                PodAffinity::default(),
                preferred(vec![weighted(7, region_s1.clone())]),
            ),
        );
        let nodes = cluster(vec![("node1", CHINA, vec![shy]), ("node2", INDIA, vec![])]);
        assert_eq!(
            scores(
                &InterPodAffinity::default(),
                "default",
                &[("security", "S1")],
                &plain,
                &nodes
            ),
            Some(vec![0, 100])
        );
        // ignorePreferredTermsOfExistingPods skips a pod without preferred terms of its own.
        let ignoring = InterPodAffinity::new(&InterPodAffinityArgs {
            ignore_preferred_terms_of_existing_pods: true,
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(
            scores(&ignoring, "default", &[("security", "S1")], &plain, &nodes),
            None
        );
        assert!(
            InterPodAffinity::new(&InterPodAffinityArgs {
                hard_pod_affinity_weight: 101,
                ..Default::default()
            })
            .is_err()
        );
    }
}
