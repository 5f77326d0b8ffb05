//! NodeAffinity (`plugins/nodeaffinity`), SPEC §7.10.
//!
//! * PreFilter: `Skip` when the pod has neither `nodeSelector` nor required node affinity. When
//!   every required term pins `metadata.name In [...]` (matchFields), the candidates are
//!   restricted to the union of those names; an empty union rejects the pod with
//!   `pod affinity terms conflict`.
//! * Filter: all `nodeSelector` labels match **and** at least one required term matches
//!   (`UnschedulableAndUnresolvable`, `node(s) didn't match Pod's node affinity/selector`).
//! * PreScore: `Skip` when the pod has no preferred term. Score: Σ weights of the matching
//!   preferred terms; DefaultNormalizeScore (not reversed).
//!
//! Not modelled: the plugin's `addedAffinity` argument (scheduler-enforced affinity).

use std::collections::BTreeSet;

use crate::model::selector::SelectorOp;
use crate::scheduler::framework::{
    Code, CycleState, FilterPlugin, MAX_NODE_SCORE, NodeInfo, Plugin, PodInfo, PreFilterPlugin,
    PreFilterResult, PreScorePlugin, ScorePlugin, Status,
};
use crate::scheduler::plugins::normalize::default_normalize_score;

/// Registry name.
pub const NAME: &str = "NodeAffinity";

/// Upstream reason `ErrReasonPod`.
pub const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";

/// Upstream reason `errReasonConflict`.
pub const ERR_REASON_CONFLICT: &str = "pod affinity terms conflict";

/// The field key a matchFields requirement may use.
const OBJECT_NAME_FIELD: &str = "metadata.name";

/// The NodeAffinity plugin (PreFilter, Filter, PreScore, Score).
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeAffinity;

/// Whether `node` satisfies the pod's `nodeSelector` and required node affinity
/// (`RequiredNodeAffinity.Match`).
pub fn required_node_affinity_matches(pod: &PodInfo<'_>, node: &NodeInfo) -> bool {
    let labels = &node.node.labels;
    let selector_ok = pod
        .spec
        .node_selector
        .iter()
        .all(|(key, value)| labels.get(key) == Some(value));
    selector_ok
        && (pod.spec.required_node_terms.is_empty()
            || pod
                .spec
                .required_node_terms
                .iter()
                .any(|t| t.matches(labels, &node.node.name)))
}

impl Plugin for NodeAffinity {
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

impl PreFilterPlugin for NodeAffinity {
    fn pre_filter(
        &self,
        _state: &mut CycleState,
        pod: &PodInfo<'_>,
        _nodes: &[NodeInfo],
    ) -> (Option<PreFilterResult>, Status) {
        let terms = &pod.spec.required_node_terms;
        if terms.is_empty() && pod.spec.node_selector.is_empty() {
            return (None, Status::skip());
        }
        if terms.is_empty() {
            return (None, Status::success());
        }
        let mut node_names: BTreeSet<String> = BTreeSet::new();
        for term in terms {
            let mut term_names: Option<BTreeSet<String>> = None;
            for r in &term.match_fields {
                if r.key == OBJECT_NAME_FIELD && r.op == SelectorOp::In {
                    let values: BTreeSet<String> = r.values.iter().cloned().collect();
                    term_names = Some(match term_names {
                        None => values,
                        Some(prev) => prev.intersection(&values).cloned().collect(),
                    });
                }
            }
            match term_names {
                // A term without a node-name requirement admits every node (terms are ORed).
                None => return (None, Status::success()),
                Some(names) => node_names.extend(names),
            }
        }
        if node_names.is_empty() {
            return (
                None,
                Status::new(Code::UnschedulableAndUnresolvable, ERR_REASON_CONFLICT),
            );
        }
        (
            Some(PreFilterResult {
                node_names: Some(node_names),
            }),
            Status::success(),
        )
    }
}

impl FilterPlugin for NodeAffinity {
    fn filter(&self, _state: &CycleState, pod: &PodInfo<'_>, node: &NodeInfo) -> Status {
        if required_node_affinity_matches(pod, node) {
            Status::success()
        } else {
            Status::unresolvable(ERR_REASON_POD)
        }
    }
}

impl PreScorePlugin for NodeAffinity {
    fn pre_score(
        &self,
        _state: &mut CycleState,
        pod: &PodInfo<'_>,
        _nodes: &[&NodeInfo],
        _all_nodes: &[NodeInfo],
    ) -> Status {
        if pod.spec.preferred_node_terms.is_empty() {
            Status::skip()
        } else {
            Status::success()
        }
    }
}

impl ScorePlugin for NodeAffinity {
    fn score(
        &self,
        _state: &CycleState,
        pod: &PodInfo<'_>,
        node: &NodeInfo,
    ) -> Result<i64, Status> {
        let labels = &node.node.labels;
        Ok(pod
            .spec
            .preferred_node_terms
            .iter()
            .filter(|(weight, term)| *weight != 0 && term.matches(labels, &node.node.name))
            .map(|(weight, _)| *weight)
            .sum())
    }

    fn normalize_score(
        &self,
        _state: &CycleState,
        _pod: &PodInfo<'_>,
        _nodes: &[&NodeInfo],
        scores: &mut [i64],
    ) -> Status {
        default_normalize_score(MAX_NODE_SCORE, false, scores);
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::selector::SelectorOp::*;
    use crate::scheduler::testing::{NodeBuilder, PodBuilder, name_term, pod, req, term};

    /// Filter rows in the spirit of upstream `TestNodeAffinity` (derived from the rule).
    #[test]
    fn filter_table() {
        let node = NodeBuilder::new("n1")
            .label("foo", "bar")
            .label("gpu", "3")
            .info();
        let rows = [
            ("no constraint", PodBuilder::new().build(), true),
            (
                "selector matches",
                PodBuilder::new().node_selector("foo", "bar").build(),
                true,
            ),
            (
                "selector value differs",
                PodBuilder::new().node_selector("foo", "baz").build(),
                false,
            ),
            (
                "selector key missing",
                PodBuilder::new().node_selector("zone", "a").build(),
                false,
            ),
            (
                "In matches",
                PodBuilder::new()
                    .required(term(vec![req("foo", In, &["x", "bar"])]))
                    .build(),
                true,
            ),
            (
                "NotIn rejects",
                PodBuilder::new()
                    .required(term(vec![req("foo", NotIn, &["bar"])]))
                    .build(),
                false,
            ),
            (
                "Gt matches",
                PodBuilder::new()
                    .required(term(vec![req("gpu", Gt, &["2"])]))
                    .build(),
                true,
            ),
            (
                "terms are ORed",
                PodBuilder::new()
                    .required(term(vec![req("foo", In, &["nope"])]))
                    .required(term(vec![req("gpu", Exists, &[])]))
                    .build(),
                true,
            ),
            (
                "expressions are ANDed",
                PodBuilder::new()
                    .required(term(vec![
                        req("foo", In, &["bar"]),
                        req("gpu", DoesNotExist, &[]),
                    ]))
                    .build(),
                false,
            ),
            (
                "empty term matches nothing",
                PodBuilder::new().required(term(vec![])).build(),
                false,
            ),
            (
                "selector and affinity both needed",
                PodBuilder::new()
                    .node_selector("foo", "bar")
                    .required(term(vec![req("gpu", In, &["1"])]))
                    .build(),
                false,
            ),
            (
                "matchFields name",
                PodBuilder::new().required(name_term(&["n1"])).build(),
                true,
            ),
            (
                "matchFields other name",
                PodBuilder::new().required(name_term(&["n2"])).build(),
                false,
            ),
        ];
        for (what, spec, pass) in rows {
            let status = NodeAffinity.filter(&CycleState::new(), &pod(&spec), &node);
            assert_eq!(status.is_success(), pass, "{what}");
            if !pass {
                assert_eq!(status.code, Code::UnschedulableAndUnresolvable, "{what}");
                assert_eq!(status.message(), ERR_REASON_POD, "{what}");
            }
        }
    }

    /// PreFilter rows of upstream `TestNodeAffinity` (node-name restriction).
    #[test]
    fn pre_filter_table() {
        let run = |spec| NodeAffinity.pre_filter(&mut CycleState::new(), &pod(&spec), &[]);
        let names = |list: &[&str]| {
            Some(PreFilterResult {
                node_names: Some(list.iter().map(|s| s.to_string()).collect()),
            })
        };

        let (r, s) = run(PodBuilder::new().build());
        assert!(r.is_none() && s.is_skip(), "nothing to do → Skip");
        let (r, s) = run(PodBuilder::new().node_selector("a", "b").build());
        assert!(r.is_none() && s.is_success(), "selector only");
        let (r, s) = run(PodBuilder::new().required(name_term(&["n1", "n2"])).build());
        assert!(s.is_success());
        assert_eq!(r, names(&["n1", "n2"]));
        let (r, s) = run(PodBuilder::new()
            .required(name_term(&["n1"]))
            .required(name_term(&["n3"]))
            .build());
        assert!(s.is_success());
        assert_eq!(r, names(&["n1", "n3"]), "union over terms");
        let (r, s) = run(PodBuilder::new()
            .required(name_term(&["n1"]))
            .required(term(vec![req("foo", Exists, &[])]))
            .build());
        assert!(
            r.is_none() && s.is_success(),
            "a term without names admits all nodes"
        );
        let mut conflicting = name_term(&["n1"]);
        conflicting
            .match_fields
            .push(req("metadata.name", In, &["n2"]));
        let (r, s) = run(PodBuilder::new().required(conflicting).build());
        assert!(r.is_none());
        assert_eq!(s.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(s.message(), ERR_REASON_CONFLICT);
    }

    /// Score rows in the spirit of upstream `TestNodeAffinityPriority`.
    #[test]
    fn score_sums_weights_then_normalizes() {
        let spec = PodBuilder::new()
            .preferred(2, term(vec![req("foo", In, &["bar"])]))
            .preferred(5, term(vec![req("key", In, &["value"])]))
            .preferred(0, term(vec![req("foo", Exists, &[])]))
            .build();
        let nodes = [
            NodeBuilder::new("a").label("foo", "bar").info(),
            NodeBuilder::new("b")
                .label("foo", "bar")
                .label("key", "value")
                .info(),
            NodeBuilder::new("c").info(),
        ];
        let state = CycleState::new();
        let p = pod(&spec);
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        assert!(
            NodeAffinity
                .pre_score(&mut CycleState::new(), &p, &refs, &nodes)
                .is_success()
        );
        let mut raw: Vec<i64> = nodes
            .iter()
            .map(|n| NodeAffinity.score(&state, &p, n).unwrap_or(-1))
            .collect();
        assert_eq!(raw, [2, 7, 0]);
        assert!(
            NodeAffinity
                .normalize_score(&state, &p, &refs, &mut raw)
                .is_success()
        );
        assert_eq!(raw, [28, 100, 0]);
        let none = PodBuilder::new().build();
        assert!(
            NodeAffinity
                .pre_score(&mut CycleState::new(), &pod(&none), &refs, &nodes)
                .is_skip()
        );
    }
}
