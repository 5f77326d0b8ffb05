//! Nodes: capacity, allocatable, labels, taints, readiness.

use std::collections::BTreeMap;

use super::resources::ResourceList;

/// Effect of a taint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaintEffect {
    /// New pods are not scheduled unless they tolerate it.
    NoSchedule,
    /// The scheduler tries to avoid the node.
    PreferNoSchedule,
    /// Running pods that do not tolerate it are evicted.
    NoExecute,
}

impl TaintEffect {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }

    /// Parses the API spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "NoSchedule" => Some(TaintEffect::NoSchedule),
            "PreferNoSchedule" => Some(TaintEffect::PreferNoSchedule),
            "NoExecute" => Some(TaintEffect::NoExecute),
            _ => None,
        }
    }
}

/// A node taint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Taint {
    /// Taint key.
    pub key: String,
    /// Taint value (may be empty).
    pub value: String,
    /// Taint effect.
    pub effect: TaintEffect,
}

/// A node as the simulation sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Node name (also the `kubernetes.io/hostname` label).
    pub name: String,
    /// Labels, including `kubernetes.io/hostname` and, when known, `topology.kubernetes.io/zone`.
    pub labels: BTreeMap<String, String>,
    /// `status.capacity`.
    pub capacity: ResourceList,
    /// `status.allocatable` (defaults to capacity).
    pub allocatable: ResourceList,
    /// `spec.taints`.
    pub taints: Vec<Taint>,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
    /// Ready condition.
    pub ready: bool,
    /// Node pool it came from, if any.
    pub pool: Option<String>,
}

impl Node {
    /// The zone label, if set.
    pub fn zone(&self) -> Option<&str> {
        self.labels
            .get("topology.kubernetes.io/zone")
            .map(String::as_str)
    }
}
