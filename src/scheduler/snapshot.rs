//! A scheduler-side index over the node infos of the snapshot (upstream keeps the same
//! information in its cache and `Snapshot`: `havePodsWithAffinityNodeInfoList`,
//! `havePodsWithRequiredAntiAffinityNodeInfoList`, `imageStates`), plus an inverted index from
//! pod labels to the nodes whose pods carry them.
//!
//! The [`Scheduler`](crate::scheduler::Scheduler) refreshes it at the start of every cycle —
//! only the nodes whose [`NodeInfo::generation`] changed since the last cycle are re-read — and
//! hands it to the plugins through the cycle state under [`SNAPSHOT_INDEX_KEY`]. Plugins use it
//! to visit only the nodes that can matter (e.g. the nodes holding a pod labeled `app=web` when
//! counting such pods per zone) instead of every node; without it (plugin unit tests) they visit
//! every node, with the same result.
//!
//! The index describes the node infos as they were when the cycle started. Code that adds pods
//! to node infos during a cycle (preemption's "what if" evaluation) must not rely on it for the
//! added pods.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::scheduler::framework::{CycleState, NodeInfo, key_hash, label_hash};

/// Cycle-state key of the `Arc<SnapshotIndex>` written by the scheduler.
pub const SNAPSHOT_INDEX_KEY: &str = "SnapshotIndex";

/// The index (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct SnapshotIndex {
    /// Per node: its generation when last read (0: never).
    generations: Vec<u64>,
    /// Per node: the label hashes of its pods when last read, sorted.
    labels: Vec<Vec<u64>>,
    /// Per node: anchors of its pods' required anti-affinity terms when last read, sorted.
    anti_anchors: Vec<Vec<u64>>,
    /// Per node: anchors of its pods' scoring affinity terms when last read, sorted.
    scoring_anchors: Vec<Vec<u64>>,
    /// Anchor hash → nodes with a pod whose required anti-affinity term has it.
    nodes_with_anti_anchor: BTreeMap<u64, BTreeSet<usize>>,
    /// Nodes with a pod whose required anti-affinity term has no anchor.
    anti_unanchored: BTreeSet<usize>,
    /// Anchor hash → nodes with a pod whose scoring affinity term has it.
    nodes_with_scoring_anchor: BTreeMap<u64, BTreeSet<usize>>,
    /// Nodes with a pod whose scoring affinity term has no anchor.
    scoring_unanchored: BTreeSet<usize>,
    /// Per node: its images when last read, sorted.
    images: Vec<Vec<String>>,
    /// Label hash → nodes with a pod carrying that label.
    nodes_with_label: BTreeMap<u64, BTreeSet<usize>>,
    /// Nodes with a pod that has inter-pod (anti-)affinity terms.
    with_affinity: BTreeSet<usize>,
    /// Nodes with a pod that has required anti-affinity terms.
    with_required_anti_affinity: BTreeSet<usize>,
    /// Normalized image name → number of nodes holding it (`ImageStateSummary.NumNodes`).
    image_nodes: BTreeMap<String, i64>,
    /// Per node: address of its `Node` when its labels were last read.
    node_ptrs: Vec<usize>,
    /// Per node: `(key_hash(key), label_hash(key, value))` of its labels, sorted.
    node_labels: Vec<Vec<(u64, u64)>>,
    /// Node label key hash → value hash → number of nodes with that label.
    label_domains: BTreeMap<u64, BTreeMap<u64, usize>>,
}

impl SnapshotIndex {
    /// The index of `nodes`.
    pub fn build(nodes: &[NodeInfo]) -> Self {
        let mut index = SnapshotIndex::default();
        index.sync(nodes);
        index
    }

    /// Brings the index up to date with `nodes` (the same node list as last time, possibly
    /// longer): re-reads only the nodes whose generation changed.
    pub fn sync(&mut self, nodes: &[NodeInfo]) {
        if nodes.len() < self.generations.len() {
            *self = SnapshotIndex::default();
        }
        while self.generations.len() < nodes.len() {
            self.generations.push(0);
            self.labels.push(Vec::new());
            self.anti_anchors.push(Vec::new());
            self.scoring_anchors.push(Vec::new());
            self.images.push(Vec::new());
            self.node_ptrs.push(0);
            self.node_labels.push(Vec::new());
        }
        for (i, node) in nodes.iter().enumerate() {
            if self.generations[i] != node.generation() {
                self.refresh(i, node);
            }
            let ptr = Arc::as_ptr(&node.node) as usize;
            if self.node_ptrs[i] != ptr {
                let mut labels: Vec<(u64, u64)> = node
                    .node
                    .labels
                    .iter()
                    .map(|(k, v)| (key_hash(k), label_hash(k, v)))
                    .collect();
                labels.sort_unstable();
                for &(k, v) in &self.node_labels[i] {
                    if let Some(values) = self.label_domains.get_mut(&k) {
                        if let Some(n) = values.get_mut(&v) {
                            *n -= 1;
                            if *n == 0 {
                                values.remove(&v);
                            }
                        }
                        if values.is_empty() {
                            self.label_domains.remove(&k);
                        }
                    }
                }
                for &(k, v) in &labels {
                    *self
                        .label_domains
                        .entry(k)
                        .or_default()
                        .entry(v)
                        .or_insert(0) += 1;
                }
                self.node_labels[i] = labels;
                self.node_ptrs[i] = ptr;
            }
        }
    }

    /// `label_hash(key, value)` of node `i`'s label `key` (given as `key_hash(key)`), `None`
    /// when the node does not have it.
    pub fn node_label(&self, i: usize, key_hash: u64) -> Option<u64> {
        let labels = &self.node_labels[i];
        labels
            .binary_search_by_key(&key_hash, |&(k, _)| k)
            .ok()
            .map(|at| labels[at].1)
    }

    fn refresh(&mut self, i: usize, node: &NodeInfo) {
        let anchors = &node.term_anchors;
        reindex(
            &mut self.labels[i],
            node.label_hashes(),
            &mut self.nodes_with_label,
            i,
        );
        reindex(
            &mut self.anti_anchors[i],
            &anchors.anti_required,
            &mut self.nodes_with_anti_anchor,
            i,
        );
        reindex(
            &mut self.scoring_anchors[i],
            &anchors.scoring,
            &mut self.nodes_with_scoring_anchor,
            i,
        );
        set_member(
            &mut self.anti_unanchored,
            i,
            anchors.anti_required_unanchored > 0,
        );
        set_member(
            &mut self.scoring_unanchored,
            i,
            anchors.scoring_unanchored > 0,
        );

        let new_images: Vec<String> = node.images.keys().cloned().collect();
        let old_images = std::mem::take(&mut self.images[i]);
        for name in sorted_difference(&old_images, &new_images) {
            if let Some(count) = self.image_nodes.get_mut(&name) {
                *count -= 1;
                if *count <= 0 {
                    self.image_nodes.remove(&name);
                }
            }
        }
        for name in sorted_difference(&new_images, &old_images) {
            *self.image_nodes.entry(name).or_insert(0) += 1;
        }
        self.images[i] = new_images;

        set_member(&mut self.with_affinity, i, node.pods_with_affinity > 0);
        set_member(
            &mut self.with_required_anti_affinity,
            i,
            node.pods_with_required_anti_affinity > 0,
        );
        self.generations[i] = node.generation();
    }

    /// The distinct value hashes of node label `key_hash` over all nodes, ascending.
    pub fn label_domains(&self, key_hash: u64) -> impl Iterator<Item = u64> + '_ {
        self.label_domains
            .get(&key_hash)
            .into_iter()
            .flat_map(|values| values.keys().copied())
    }

    /// Number of nodes that have node label `key_hash`.
    pub fn nodes_with_key(&self, key_hash: u64) -> usize {
        self.label_domains
            .get(&key_hash)
            .map_or(0, |values| values.values().sum())
    }

    /// True when the index was synced with a node list of this length (the plugins' check
    /// that it describes the nodes they were given).
    pub fn covers(&self, nodes: &[NodeInfo]) -> bool {
        self.generations.len() == nodes.len()
    }

    /// Indices of the nodes with a pod carrying one of these label hashes, ascending.
    pub fn nodes_with_any_label(&self, hashes: &[u64]) -> Vec<usize> {
        let mut out: Vec<usize> = hashes
            .iter()
            .filter_map(|h| self.nodes_with_label.get(h))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Indices of the nodes hosting a pod whose required anti-affinity terms may match a pod
    /// with these label hashes, ascending.
    pub fn nodes_with_anti_affinity_reaching(&self, pod_labels: &[u64]) -> Vec<usize> {
        reaching(
            &self.nodes_with_anti_anchor,
            &self.anti_unanchored,
            pod_labels,
        )
    }

    /// Indices of the nodes hosting a pod whose scoring affinity terms (required and preferred
    /// affinity, preferred anti-affinity) may match a pod with these label hashes, ascending.
    pub fn nodes_with_scoring_terms_reaching(&self, pod_labels: &[u64]) -> Vec<usize> {
        reaching(
            &self.nodes_with_scoring_anchor,
            &self.scoring_unanchored,
            pod_labels,
        )
    }

    /// Indices of the nodes hosting a pod with inter-pod (anti-)affinity terms, ascending.
    pub fn nodes_with_affinity(&self) -> impl Iterator<Item = usize> + '_ {
        self.with_affinity.iter().copied()
    }

    /// Indices of the nodes hosting a pod with required anti-affinity terms, ascending.
    pub fn nodes_with_required_anti_affinity(&self) -> impl Iterator<Item = usize> + '_ {
        self.with_required_anti_affinity.iter().copied()
    }

    /// Number of nodes holding the image (normalized name).
    pub fn image_node_count(&self, name: &str) -> i64 {
        self.image_nodes.get(name).copied().unwrap_or(0)
    }
}

/// Replaces node `i`'s hash list `old` by the hashes of `new` in the inverted map `nodes_with`.
fn reindex(
    old: &mut Vec<u64>,
    new: &[(u64, u32)],
    nodes_with: &mut BTreeMap<u64, BTreeSet<usize>>,
    i: usize,
) {
    let new: Vec<u64> = new.iter().map(|&(h, _)| h).collect();
    for h in sorted_difference(old, &new) {
        if let Some(set) = nodes_with.get_mut(&h) {
            set.remove(&i);
            if set.is_empty() {
                nodes_with.remove(&h);
            }
        }
    }
    for h in sorted_difference(&new, old) {
        nodes_with.entry(h).or_default().insert(i);
    }
    *old = new;
}

fn set_member(set: &mut BTreeSet<usize>, i: usize, member: bool) {
    if member {
        set.insert(i);
    } else {
        set.remove(&i);
    }
}

fn reaching(
    nodes_with: &BTreeMap<u64, BTreeSet<usize>>,
    unanchored: &BTreeSet<usize>,
    pod_labels: &[u64],
) -> Vec<usize> {
    let mut out: Vec<usize> = pod_labels
        .iter()
        .filter_map(|h| nodes_with.get(h))
        .flatten()
        .chain(unanchored)
        .copied()
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Elements of sorted `a` not in sorted `b`.
fn sorted_difference<T: Ord + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = Vec::new();
    let mut j = 0;
    for x in a {
        while j < b.len() && b[j] < *x {
            j += 1;
        }
        if j >= b.len() || b[j] != *x {
            out.push(x.clone());
        }
    }
    out
}

/// The index in the cycle state, when it describes `nodes`.
pub fn index_for(state: &CycleState, nodes: &[NodeInfo]) -> Option<Arc<SnapshotIndex>> {
    state
        .read::<Arc<SnapshotIndex>>(SNAPSHOT_INDEX_KEY)
        .filter(|index| index.covers(nodes))
        .cloned()
}

/// Calls `visit(position, node)` on every node of `nodes` that may hold a pod carrying one of
/// the `anchor` label hashes — the index's list when there is an index and an anchor, else every
/// node.
pub fn for_each_candidate<'n>(
    index: Option<&SnapshotIndex>,
    nodes: &'n [NodeInfo],
    anchor: Option<&[u64]>,
    mut visit: impl FnMut(usize, &'n NodeInfo),
) {
    match (index, anchor) {
        (Some(index), Some(anchor)) => {
            for i in index.nodes_with_any_label(anchor) {
                visit(i, &nodes[i]);
            }
        }
        _ => nodes.iter().enumerate().for_each(|(i, n)| visit(i, n)),
    }
}

/// The position of `node` in `nodes` when it is one of its elements (by address).
pub fn position_in(nodes: &[NodeInfo], node: &NodeInfo) -> Option<usize> {
    let size = std::mem::size_of::<NodeInfo>();
    let offset = (node as *const NodeInfo as usize).wrapping_sub(nodes.as_ptr() as usize);
    let i = offset / size;
    (offset.is_multiple_of(size) && i < nodes.len() && std::ptr::eq(&nodes[i], node)).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pod::{PodAffinity, PodAffinityTerm, PodSpec};
    use crate::scheduler::framework::label_hash;
    use crate::scheduler::testing::{NodeBuilder, labels, pod_with};

    #[test]
    fn follows_changes_by_generation() {
        let plain = PodSpec::default();
        let anti = PodSpec {
            pod_anti_affinity: PodAffinity {
                required: vec![PodAffinityTerm {
                    topology_key: "zone".into(),
                    ..Default::default()
                }],
                preferred: Vec::new(),
            },
            ..Default::default()
        };
        let web = labels(&[("app", "web")]);
        let db = labels(&[("app", "db")]);
        let mut nodes = vec![NodeBuilder::new("a").info(), NodeBuilder::new("b").info()];
        nodes[0].add_pod(&pod_with("default", &web, &plain, 1));
        nodes[1].add_pod(&pod_with("default", &db, &anti, 2));
        nodes[1].add_image("img", 5);
        let mut index = SnapshotIndex::build(&nodes);
        let h_web = label_hash("app", "web");
        let h_db = label_hash("app", "db");
        assert_eq!(index.nodes_with_any_label(&[h_web]), [0]);
        assert_eq!(index.nodes_with_any_label(&[h_web, h_db]), [0, 1]);
        assert_eq!(index.nodes_with_affinity().collect::<Vec<_>>(), [1]);
        assert_eq!(
            index
                .nodes_with_required_anti_affinity()
                .collect::<Vec<_>>(),
            [1]
        );
        // The anti-affinity term has no selector: it reaches no pod.
        assert!(index.nodes_with_anti_affinity_reaching(&[h_web]).is_empty());
        assert_eq!(index.image_node_count("img:latest"), 1);

        nodes[1].remove_pod(2);
        nodes[1].add_pod(&pod_with("default", &web, &plain, 3));
        nodes[0].add_image("img:latest", 5);
        nodes.push(NodeBuilder::new("c").info());
        index.sync(&nodes);
        assert!(index.covers(&nodes));
        assert_eq!(index.nodes_with_any_label(&[h_web]), [0, 1]);
        assert!(index.nodes_with_any_label(&[h_db]).is_empty());
        assert_eq!(index.nodes_with_affinity().count(), 0);
        assert_eq!(index.image_node_count("img:latest"), 2);

        // Another node list of the same length: every node differs by generation.
        let other = vec![
            NodeBuilder::new("x").info(),
            NodeBuilder::new("y").info(),
            NodeBuilder::new("z").info(),
        ];
        index.sync(&other);
        assert!(index.nodes_with_any_label(&[h_web]).is_empty());
        assert_eq!(index.image_node_count("img:latest"), 0);
        // A clone keeps its generation and its content.
        let clone = nodes.clone();
        index.sync(&clone);
        assert_eq!(index.nodes_with_any_label(&[h_web]), [0, 1]);
    }

    #[test]
    fn node_labels_and_positions() {
        let mut nodes = vec![
            NodeBuilder::new("a").label("zone", "z1").info(),
            NodeBuilder::new("b").info(),
        ];
        let mut index = SnapshotIndex::build(&nodes);
        assert_eq!(
            index.node_label(0, key_hash("zone")),
            Some(label_hash("zone", "z1"))
        );
        assert_eq!(index.node_label(1, key_hash("zone")), None);
        assert_eq!(index.nodes_with_key(key_hash("zone")), 1);
        // A relabelled node (new `Node` object) is re-read.
        nodes[1].node = NodeBuilder::new("b").label("zone", "z2").info().node;
        index.sync(&nodes);
        assert_eq!(
            index.node_label(1, key_hash("zone")),
            Some(label_hash("zone", "z2"))
        );
        assert_eq!(index.nodes_with_key(key_hash("zone")), 2);
        assert_eq!(index.label_domains(key_hash("zone")).count(), 2);
        nodes[0].node = NodeBuilder::new("a").label("zone", "z2").info().node;
        index.sync(&nodes);
        assert_eq!(
            index.label_domains(key_hash("zone")).collect::<Vec<_>>(),
            [label_hash("zone", "z2")]
        );
        assert_eq!(position_in(&nodes, &nodes[1]), Some(1));
        let outside = NodeBuilder::new("c").info();
        assert_eq!(position_in(&nodes, &outside), None);
    }

    #[test]
    fn sorted_difference_works() {
        assert_eq!(sorted_difference(&[1, 2, 4, 7], &[2, 3, 7]), [1, 4]);
        assert!(sorted_difference::<u64>(&[], &[1]).is_empty());
    }
}
