//! Label selectors (`matchLabels` + `matchExpressions`) and node selector terms (node affinity).

use std::collections::BTreeMap;

/// Operator of a label selector requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelectorOp {
    /// Label value is one of the values.
    In,
    /// Label is absent or its value is none of the values.
    NotIn,
    /// Label key is present.
    Exists,
    /// Label key is absent.
    DoesNotExist,
    /// Label value, as an integer, is greater than the single value (node selectors only).
    Gt,
    /// Label value, as an integer, is less than the single value (node selectors only).
    Lt,
}

/// One requirement `key op values`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// Label key.
    pub key: String,
    /// Operator.
    pub op: SelectorOp,
    /// Values (empty for Exists / DoesNotExist).
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether `labels` satisfy this requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.op {
            SelectorOp::In => value.is_some_and(|v| self.values.contains(v)),
            SelectorOp::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            SelectorOp::Exists => value.is_some(),
            SelectorOp::DoesNotExist => value.is_none(),
            SelectorOp::Gt | SelectorOp::Lt => {
                let (Some(value), Some(bound)) = (value, self.values.first()) else {
                    return false;
                };
                let (Ok(value), Ok(bound)) = (value.parse::<i64>(), bound.parse::<i64>()) else {
                    return false;
                };
                if self.op == SelectorOp::Gt {
                    value > bound
                } else {
                    value < bound
                }
            }
        }
    }
}

/// A `metav1.LabelSelector`: all requirements must hold. An empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    /// `matchLabels` and `matchExpressions`, as requirements.
    pub requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// A selector from `matchLabels` only.
    pub fn from_labels(labels: &BTreeMap<String, String>) -> Self {
        LabelSelector {
            requirements: labels
                .iter()
                .map(|(k, v)| Requirement {
                    key: k.clone(),
                    op: SelectorOp::In,
                    values: vec![v.clone()],
                })
                .collect(),
        }
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// True when the selector has no requirement (matches everything).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }
}

/// One `nodeSelectorTerms` entry: all its label expressions and field expressions must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NodeSelectorTerm {
    /// `matchExpressions` over node labels.
    pub match_expressions: Vec<Requirement>,
    /// `matchFields` (only `metadata.name` exists upstream), as requirements on the node name.
    pub match_fields: Vec<Requirement>,
}

impl NodeSelectorTerm {
    /// Whether a node with these labels and this name satisfies the term. A term with no
    /// requirement matches nothing (upstream rule).
    pub fn matches(&self, labels: &BTreeMap<String, String>, node_name: &str) -> bool {
        if self.match_expressions.is_empty() && self.match_fields.is_empty() {
            return false;
        }
        if !self.match_expressions.iter().all(|r| r.matches(labels)) {
            return false;
        }
        if self.match_fields.is_empty() {
            return true;
        }
        let mut fields = BTreeMap::new();
        fields.insert("metadata.name".to_string(), node_name.to_string());
        self.match_fields.iter().all(|r| r.matches(&fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn requirement_table() {
        let l = labels(&[("app", "web"), ("gen", "3")]);
        let req = |key: &str, op, values: &[&str]| Requirement {
            key: key.into(),
            op,
            values: values.iter().map(|s| s.to_string()).collect(),
        };
        let cases = [
            (req("app", SelectorOp::In, &["web", "db"]), true),
            (req("app", SelectorOp::In, &["db"]), false),
            (req("app", SelectorOp::NotIn, &["db"]), true),
            (req("zone", SelectorOp::NotIn, &["a"]), true),
            (req("app", SelectorOp::Exists, &[]), true),
            (req("zone", SelectorOp::DoesNotExist, &[]), true),
            (req("gen", SelectorOp::Gt, &["2"]), true),
            (req("gen", SelectorOp::Lt, &["2"]), false),
            (req("app", SelectorOp::Gt, &["2"]), false),
        ];
        for (r, want) in cases {
            assert_eq!(r.matches(&l), want, "{r:?}");
        }
    }

    #[test]
    fn empty_term_matches_nothing() {
        assert!(!NodeSelectorTerm::default().matches(&labels(&[]), "n"));
        assert!(LabelSelector::default().matches(&labels(&[("a", "b")])));
    }
}
