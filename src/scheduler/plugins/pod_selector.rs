//! Label selectors over pods, as the scheduler's topology plugins use them (`labels.Selector`
//! semantics, `AffinityTerm.Matches`), plus a cheap "may anything on this node match?" test
//! backed by the node's label index ([`NodeInfo::label_count`]).
//!
//! Upstream distinguishes an absent selector (`labels.Nothing()`: matches no pod) from an empty
//! one (`labels.Everything()`); [`Selector`] keeps that distinction.
//!
//! Namespace labels: the model does not keep Namespace objects' labels, so a namespace is seen
//! with the one label every namespace carries since Kubernetes 1.22,
//! `kubernetes.io/metadata.name=<name>` ([`namespace_selector_matches`]).

use std::collections::BTreeMap;

use crate::model::pod::PodAffinityTerm;
use crate::model::selector::{LabelSelector, Requirement, SelectorOp};
use crate::scheduler::framework::{
    NodeInfo, NodePod, PodKey, label_bit, label_hash, namespace_hash, requirements_anchor,
};

/// The label every namespace carries (`v1.LabelMetadataName`).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Whether a requirement holds for a label whose value is `value` (`None`: label absent).
pub fn requirement_matches_value(r: &Requirement, value: Option<&str>) -> bool {
    match r.op {
        SelectorOp::In => value.is_some_and(|v| r.values.iter().any(|x| x == v)),
        SelectorOp::NotIn => value.is_none_or(|v| !r.values.iter().any(|x| x == v)),
        SelectorOp::Exists => value.is_some(),
        SelectorOp::DoesNotExist => value.is_none(),
        SelectorOp::Gt | SelectorOp::Lt => {
            let (Some(value), Some(bound)) = (value, r.values.first()) else {
                return false;
            };
            let (Ok(value), Ok(bound)) = (value.parse::<i64>(), bound.parse::<i64>()) else {
                return false;
            };
            if r.op == SelectorOp::Gt {
                value > bound
            } else {
                value < bound
            }
        }
    }
}

/// Whether namespace `namespace` (seen with its `kubernetes.io/metadata.name` label only)
/// matches a namespace selector. An empty selector matches every namespace.
pub fn namespace_selector_matches(selector: &LabelSelector, namespace: &str) -> bool {
    selector.requirements.iter().all(|r| {
        let value = (r.key == NAMESPACE_NAME_LABEL).then_some(namespace);
        requirement_matches_value(r, value)
    })
}

/// False only when no pod of `node` can carry any of the anchor labels.
fn anchor_may_match(anchor: Option<&[u64]>, node: &NodeInfo) -> bool {
    anchor.is_none_or(|hashes| hashes.iter().any(|&h| node.label_count(h) > 0))
}

/// The [`label_bit`]s every pod matching all `requirements` has: one per single-value `In`.
fn required_bits<'a>(requirements: impl Iterator<Item = &'a Requirement>) -> u64 {
    requirements
        .filter(|r| r.op == SelectorOp::In && r.values.len() == 1)
        .fold(0, |bits, r| {
            bits | label_bit(label_hash(&r.key, &r.values[0]))
        })
}

/// A compiled pod label selector, owned (it lives in the cycle state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// `None` = `labels.Nothing()`; `Some(empty)` = `labels.Everything()`.
    requirements: Option<Vec<Requirement>>,
    anchor: Option<Vec<u64>>,
    required_bits: u64,
}

impl Selector {
    /// `metav1.LabelSelectorAsSelector`: `None` becomes Nothing.
    pub fn new(selector: Option<&LabelSelector>) -> Self {
        let requirements = selector.map(|s| s.requirements.clone());
        let anchor = requirements
            .as_ref()
            .and_then(|r| requirements_anchor(r.iter()));
        let required_bits = requirements.as_ref().map_or(0, |r| required_bits(r.iter()));
        Selector {
            requirements,
            anchor,
            required_bits,
        }
    }

    /// ANDs `key In (value)` for each pair (`mergeLabelSetWithSelector`); Nothing stays Nothing.
    pub fn and_labels<'a>(mut self, pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        if let Some(requirements) = self.requirements.as_mut() {
            for (key, value) in pairs {
                requirements.push(Requirement {
                    key: key.to_string(),
                    op: SelectorOp::In,
                    values: vec![value.to_string()],
                });
            }
            self.anchor = requirements_anchor(requirements.iter());
            self.required_bits = required_bits(requirements.iter());
        }
        self
    }

    /// `Selector.Matches`.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements
            .as_ref()
            .is_some_and(|reqs| reqs.iter().all(|r| r.matches(labels)))
    }

    /// False for Nothing.
    pub fn can_match(&self) -> bool {
        self.requirements.is_some()
    }

    /// Label hashes one of which every matching pod carries (`None`: no such set known).
    pub fn anchor(&self) -> Option<&[u64]> {
        self.anchor.as_deref()
    }

    /// `Selector.Empty()`: true for Everything (no requirement), false for Nothing.
    pub fn is_empty(&self) -> bool {
        self.requirements.as_ref().is_some_and(Vec::is_empty)
    }

    /// False only when no pod of `node` can match (cheap, from the node's label index).
    pub fn may_match_on(&self, node: &NodeInfo) -> bool {
        self.requirements.is_some() && anchor_may_match(self.anchor.as_deref(), node)
    }

    /// `countPodsMatchSelector`: pods of `node` in `namespace`, not terminating, matching; 0 for
    /// an empty selector.
    pub fn count_on(&self, node: &NodeInfo, namespace: &str) -> i64 {
        if self.is_empty() || !self.may_match_on(node) {
            return 0;
        }
        let ns_hash = namespace_hash(namespace);
        let bits = self.required_bits;
        let count = node
            .pod_keys
            .iter()
            .zip(&node.pods)
            .filter(|(k, p)| {
                !k.terminating
                    && k.namespace_hash == ns_hash
                    && k.label_bits & bits == bits
                    && p.namespace == namespace
                    && self.matches(&p.labels)
            })
            .count();
        i64::try_from(count).unwrap_or(i64::MAX)
    }
}

/// `AffinityTerm.Matches` for a term owned by a pod in `owner_ns` with `owner_labels`, against
/// a pod in `target_ns` with `target_labels`. The term's namespaces default to the owner's when
/// both `namespaces` and `namespaceSelector` are absent; `matchLabelKeys` / `mismatchLabelKeys`
/// add `key In / NotIn (owner's value)` for the keys the owner carries (what the API server
/// merges into the selector at creation).
pub fn term_matches(
    term: &PodAffinityTerm,
    owner_ns: &str,
    owner_labels: &BTreeMap<String, String>,
    target_ns: &str,
    target_labels: &BTreeMap<String, String>,
) -> bool {
    let namespace_ok = if term.namespaces.is_empty() && term.namespace_selector.is_none() {
        target_ns == owner_ns
    } else {
        term.namespaces.iter().any(|n| n == target_ns)
            || term
                .namespace_selector
                .as_ref()
                .is_some_and(|s| namespace_selector_matches(s, target_ns))
    };
    if !namespace_ok {
        return false;
    }
    let Some(selector) = &term.label_selector else {
        return false;
    };
    selector.matches(target_labels)
        && term.match_label_keys.iter().all(|k| {
            owner_labels
                .get(k)
                .is_none_or(|v| target_labels.get(k) == Some(v))
        })
        && term.mismatch_label_keys.iter().all(|k| {
            owner_labels
                .get(k)
                .is_none_or(|v| target_labels.get(k) != Some(v))
        })
}

/// An affinity term of the incoming pod, with its owner and a pruning anchor (per cycle).
#[derive(Debug, Clone)]
pub struct IncomingTerm<'a> {
    /// The term.
    pub term: &'a PodAffinityTerm,
    /// Its weight (preferred terms), or 0.
    pub weight: i64,
    owner_ns: &'a str,
    owner_labels: &'a BTreeMap<String, String>,
    anchor: Option<Vec<u64>>,
    required_bits: u64,
}

impl<'a> IncomingTerm<'a> {
    /// The term of a pod in `owner_ns` with `owner_labels`.
    pub fn new(
        term: &'a PodAffinityTerm,
        weight: i64,
        owner_ns: &'a str,
        owner_labels: &'a BTreeMap<String, String>,
    ) -> Self {
        let keyed: Vec<Requirement> = term
            .match_label_keys
            .iter()
            .filter_map(|k| {
                owner_labels.get(k).map(|v| Requirement {
                    key: k.clone(),
                    op: SelectorOp::In,
                    values: vec![v.clone()],
                })
            })
            .collect();
        let anchor = term
            .label_selector
            .as_ref()
            .and_then(|s| requirements_anchor(s.requirements.iter().chain(keyed.iter())));
        let required_bits = term.label_selector.as_ref().map_or(0, |s| {
            required_bits(s.requirements.iter().chain(keyed.iter()))
        });
        IncomingTerm {
            term,
            weight,
            owner_ns,
            owner_labels,
            anchor,
            required_bits,
        }
    }

    /// False when the pod with this key cannot match (it lacks a required label).
    pub fn may_match_key(&self, key: &PodKey) -> bool {
        self.can_match() && key.label_bits & self.required_bits == self.required_bits
    }

    /// Whether the term matches an existing pod (`key` is the pod's [`PodKey`]: a pod lacking
    /// one of the term's required labels is rejected without reading its labels).
    pub fn matches(&self, key: &PodKey, pod: &NodePod) -> bool {
        key.label_bits & self.required_bits == self.required_bits
            && self.matches_labels(&pod.namespace, &pod.labels)
    }

    /// Whether the term matches a pod in `namespace` with `labels`.
    pub fn matches_labels(&self, namespace: &str, labels: &BTreeMap<String, String>) -> bool {
        term_matches(
            self.term,
            self.owner_ns,
            self.owner_labels,
            namespace,
            labels,
        )
    }

    /// False only when no pod of `node` can match.
    pub fn may_match_on(&self, node: &NodeInfo) -> bool {
        self.can_match() && anchor_may_match(self.anchor.as_deref(), node)
    }

    /// False when the term matches no pod at all (no label selector).
    pub fn can_match(&self) -> bool {
        self.term.label_selector.is_some()
    }

    /// Label hashes one of which every matching pod carries (`None`: no such set known).
    pub fn anchor(&self) -> Option<&[u64]> {
        self.anchor.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::selector::SelectorOp::*;
    use crate::scheduler::testing::{NodeBuilder, PodBuilder, labels, pod_with, req};

    fn sel(reqs: Vec<Requirement>) -> LabelSelector {
        LabelSelector { requirements: reqs }
    }

    #[test]
    fn nothing_everything_and_counts() {
        let spec = PodBuilder::new().build();
        let (foo, bar) = (labels(&[("app", "foo")]), labels(&[("app", "bar")]));
        let mut node = NodeBuilder::new("n").info();
        node.add_pod(&pod_with("default", &foo, &spec, 1));
        node.add_pod(&pod_with("default", &foo, &spec, 2));
        node.add_pod(&pod_with("other", &foo, &spec, 3));
        node.add_pod(&pod_with("default", &bar, &spec, 4));
        let nothing = Selector::new(None);
        let everything = Selector::new(Some(&LabelSelector::default()));
        let app_foo = Selector::new(Some(&sel(vec![req("app", In, &["foo"])])));
        assert!(!nothing.matches(&foo) && !nothing.is_empty());
        assert!(everything.matches(&foo) && everything.is_empty());
        assert_eq!(nothing.count_on(&node, "default"), 0);
        assert_eq!(everything.count_on(&node, "default"), 0, "Empty() counts 0");
        assert_eq!(app_foo.count_on(&node, "default"), 2);
        assert!(node.set_terminating(2));
        assert_eq!(app_foo.count_on(&node, "default"), 1, "terminating skipped");
        let app_baz = Selector::new(Some(&sel(vec![req("app", In, &["baz"])])));
        assert!(!app_baz.may_match_on(&node));
        assert!(app_foo.may_match_on(&node));
        assert!(node.remove_pod(1) && node.remove_pod(2) && node.remove_pod(3));
        assert!(!app_foo.may_match_on(&node), "index follows removals");
        let merged = Selector::new(Some(&sel(vec![req("app", Exists, &[])])))
            .and_labels([("app", "bar")].into_iter());
        assert!(merged.matches(&bar) && !merged.matches(&foo));
        assert_eq!(merged.count_on(&node, "default"), 1);
        assert_eq!(
            Selector::new(None).and_labels([("a", "b")].into_iter()),
            Selector::new(None),
            "Nothing stays Nothing"
        );
    }

    #[test]
    fn namespace_selectors() {
        let everything = LabelSelector::default();
        assert!(namespace_selector_matches(&everything, "x"));
        let named = sel(vec![req(NAMESPACE_NAME_LABEL, In, &["a", "b"])]);
        assert!(namespace_selector_matches(&named, "b"));
        assert!(!namespace_selector_matches(&named, "c"));
        let team = sel(vec![req("team", In, &["t1"])]);
        assert!(!namespace_selector_matches(&team, "a"), "no such label");
        let not_team = sel(vec![req("team", DoesNotExist, &[])]);
        assert!(namespace_selector_matches(&not_team, "a"));
    }

    #[test]
    fn affinity_term_namespaces_and_keys() {
        let term = |namespaces: &[&str], ns_sel: Option<LabelSelector>| PodAffinityTerm {
            label_selector: Some(sel(vec![req("app", In, &["web"])])),
            namespaces: namespaces.iter().map(|s| s.to_string()).collect(),
            namespace_selector: ns_sel,
            topology_key: "zone".into(),
            ..Default::default()
        };
        let web = labels(&[("app", "web"), ("rev", "1")]);
        let owner = labels(&[("rev", "1")]);
        // Defaults to the owner's namespace.
        assert!(term_matches(&term(&[], None), "a", &owner, "a", &web));
        assert!(!term_matches(&term(&[], None), "a", &owner, "b", &web));
        // Explicit list, then selector (ORed).
        assert!(term_matches(&term(&["b"], None), "a", &owner, "b", &web));
        assert!(!term_matches(&term(&["b"], None), "a", &owner, "a", &web));
        let all = Some(LabelSelector::default());
        assert!(term_matches(&term(&[], all), "a", &owner, "zz", &web));
        let named = Some(sel(vec![req(NAMESPACE_NAME_LABEL, In, &["c"])]));
        assert!(term_matches(
            &term(&["b"], named.clone()),
            "a",
            &owner,
            "c",
            &web
        ));
        assert!(!term_matches(&term(&[], named), "a", &owner, "a", &web));
        // No selector matches nothing.
        let mut none = term(&[], None);
        none.label_selector = None;
        assert!(!term_matches(&none, "a", &owner, "a", &web));
        // matchLabelKeys / mismatchLabelKeys use the owner's values.
        let mut keyed = term(&[], None);
        keyed.match_label_keys = vec!["rev".into(), "absent".into()];
        assert!(term_matches(&keyed, "a", &owner, "a", &web));
        let other_rev = labels(&[("app", "web"), ("rev", "2")]);
        assert!(!term_matches(&keyed, "a", &owner, "a", &other_rev));
        keyed.match_label_keys.clear();
        keyed.mismatch_label_keys = vec!["rev".into()];
        assert!(term_matches(&keyed, "a", &owner, "a", &other_rev));
        assert!(!term_matches(&keyed, "a", &owner, "a", &web));
    }
}
