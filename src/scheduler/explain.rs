//! Why a pod went where it went (`timonel explain pod/NAME`): a side computation that replays one
//! scheduling cycle for a pod over the same nodes, but shows everything the cycle hides.
//!
//! [`Scheduler::explain`] runs PreFilter once, then **every** Filter plugin on **every** node
//! (the cycle stops at a node's first failing plugin and after enough feasible nodes; here each
//! plugin gives its own verdict), then PreScore, Score, NormalizeScore and the weights over all
//! the feasible nodes, one column per Score plugin, and the weighted sum. It takes the scheduler
//! by shared reference and no random stream: it cannot move `next_start_node_index` or draw a
//! tie-break, so a run that records explanations makes the same choices as one that does not.
//!
//! With fewer than 100 candidate nodes (`numFeasibleNodesToFind`, SPEC §7.2) the cycle scores
//! every feasible node and the totals here are exactly the ones it compared; with more, the
//! cycle stops after [`SchedulingRecord::feasible_to_find`] feasible nodes and may normalise
//! over fewer nodes than shown here.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::scheduler::framework::{CycleState, NodeInfo, PodInfo, Status};
use crate::scheduler::profile::DEFAULT_SCHEDULER_NAME;
use crate::scheduler::runtime::go_list;
use crate::scheduler::schedule_one::{Scheduler, num_feasible_nodes_to_find};
use crate::scheduler::snapshot::{SNAPSHOT_INDEX_KEY, SnapshotIndex};

/// One Filter plugin's verdict on one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The plugin lets the pod on the node.
    Pass,
    /// PreFilter returned `Skip`: the plugin has nothing to check for this pod.
    Skip,
    /// The plugin rejects the node, with its reasons (upstream wording, joined by `, `).
    Reject(String),
    /// The plugin failed (the real cycle would end with this error).
    Error(String),
}

impl Verdict {
    fn of(status: Option<&Status>) -> Verdict {
        match status {
            None => Verdict::Skip,
            Some(s) if s.is_success() => Verdict::Pass,
            Some(s) if s.is_rejected() => Verdict::Reject(s.message()),
            Some(s) => Verdict::Error(s.message()),
        }
    }

    /// True when the node stays feasible as far as this plugin is concerned.
    pub fn passes(&self) -> bool {
        matches!(self, Verdict::Pass | Verdict::Skip)
    }

    /// The text of a table cell: `pass`, `skip`, the reason, or `error: …`.
    pub fn cell(&self) -> String {
        match self {
            Verdict::Pass => "pass".into(),
            Verdict::Skip => "skip".into(),
            Verdict::Reject(reason) => reason.clone(),
            Verdict::Error(message) => format!("error: {message}"),
        }
    }
}

/// A Score plugin column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreColumn {
    /// Plugin name.
    pub plugin: String,
    /// Its weight in the profile.
    pub weight: i64,
    /// PreScore returned `Skip` for this pod: the plugin adds nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
}

/// One node's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRow {
    /// Node name.
    pub node: String,
    /// Set when PreFilter restricted the candidate nodes and this one is not among them (its
    /// Filter plugins did not run); the text is the cycle's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<String>,
    /// One verdict per Filter plugin, aligned with [`SchedulingRecord::filter_plugins`] (empty
    /// when excluded).
    #[serde(default)]
    pub filters: Vec<Verdict>,
    /// Normalised score × weight per Score plugin, aligned with
    /// [`SchedulingRecord::score_plugins`]; empty when the node is infeasible or nothing was
    /// scored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<i64>,
    /// Weighted sum of the scores (`None` when not scored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

impl NodeRow {
    /// True when every Filter plugin lets the pod on this node.
    pub fn feasible(&self) -> bool {
        self.excluded.is_none() && self.filters.iter().all(Verdict::passes)
    }
}

/// The explanation of one scheduling attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedulingRecord {
    /// The profile (scheduler name) that schedules the pod.
    pub profile: String,
    /// Filter plugins in execution order (the columns of [`NodeRow::filters`]).
    pub filter_plugins: Vec<String>,
    /// Score plugins in order, with weights (the columns of [`NodeRow::scores`]).
    pub score_plugins: Vec<ScoreColumn>,
    /// PreFilter rejected the pod before any node was filtered: `plugin: reason`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_filter: Option<String>,
    /// The cycle fails with this error (unknown profile, a plugin error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How many feasible nodes the real cycle looks for before it stops filtering
    /// (`numFeasibleNodesToFind`).
    pub feasible_to_find: usize,
    /// One row per node, in the snapshot's order.
    pub nodes: Vec<NodeRow>,
}

impl SchedulingRecord {
    /// Number of feasible nodes.
    pub fn feasible_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.feasible()).count()
    }

    /// The nodes with the highest total, in order (several: a tie the scheduler breaks with its
    /// seeded random stream).
    pub fn best_nodes(&self) -> Vec<&str> {
        let Some(best) = self.nodes.iter().filter_map(|n| n.total).max() else {
            return Vec::new();
        };
        self.nodes
            .iter()
            .filter(|n| n.total == Some(best))
            .map(|n| n.node.as_str())
            .collect()
    }
}

/// `plugin: message`, or the message alone when no plugin is named.
fn with_plugin_prefix(status: &Status) -> String {
    if status.plugin.is_empty() {
        status.message()
    } else {
        format!("{}: {}", status.plugin, status.message())
    }
}

impl Scheduler {
    /// Explains how `pod` would be scheduled over `nodes` now (see the module documentation).
    /// Reads the scheduler only: no random draw, no change to `next_start_node_index`.
    pub fn explain(&self, pod: &PodInfo<'_>, nodes: &[NodeInfo]) -> SchedulingRecord {
        let name = if pod.spec.scheduler_name.is_empty() {
            DEFAULT_SCHEDULER_NAME
        } else {
            pod.spec.scheduler_name.as_str()
        };
        let mut record = SchedulingRecord {
            profile: name.to_string(),
            ..SchedulingRecord::default()
        };
        let Some(fw) = self.framework_for(name) else {
            record.error = Some(format!("profile not found for scheduler name {name:?}"));
            return record;
        };
        for (point, plugin) in fw.plugin_names() {
            match point {
                "Filter" => record.filter_plugins.push(plugin.to_string()),
                "Score" => record.score_plugins.push(ScoreColumn {
                    plugin: plugin.to_string(),
                    weight: fw.score_weight(plugin).unwrap_or(1),
                    skipped: false,
                }),
                _ => {}
            }
        }
        if nodes.is_empty() {
            return record;
        }

        let mut state = CycleState::new();
        state.write(SNAPSHOT_INDEX_KEY, Arc::new(SnapshotIndex::build(nodes)));
        let pre = fw.run_pre_filter_plugins(&mut state, pod, nodes);
        if !pre.status.is_success() {
            let text = with_plugin_prefix(&pre.status);
            if pre.status.is_rejected() {
                record.pre_filter = Some(text);
            } else {
                record.error = Some(text);
            }
            return record;
        }
        let allowed = pre.result.and_then(|r| r.node_names);
        let excluded = format!(
            "node(s) didn't satisfy plugin(s) {}",
            go_list(&pre.plugins_with_nodes)
        );
        let candidates = allowed.as_ref().map_or(nodes.len(), |names| {
            nodes
                .iter()
                .filter(|n| names.contains(n.node.name.as_str()))
                .count()
        });
        record.feasible_to_find = if fw.has_score_plugins() {
            num_feasible_nodes_to_find(fw.percentage_of_nodes_to_score(), candidates)
        } else {
            1
        };

        for node in nodes {
            let row = if allowed
                .as_ref()
                .is_some_and(|names| !names.contains(node.node.name.as_str()))
            {
                NodeRow {
                    node: node.node.name.clone(),
                    excluded: Some(excluded.clone()),
                    filters: Vec::new(),
                    scores: Vec::new(),
                    total: None,
                }
            } else {
                NodeRow {
                    node: node.node.name.clone(),
                    excluded: None,
                    filters: fw
                        .run_each_filter_plugin(&state, pod, node)
                        .iter()
                        .map(|(_, status)| Verdict::of(status.as_ref()))
                        .collect(),
                    scores: Vec::new(),
                    total: None,
                }
            };
            record.nodes.push(row);
        }

        let feasible: Vec<usize> = (0..nodes.len())
            .filter(|&i| record.nodes[i].feasible())
            .collect();
        if feasible.is_empty() {
            return record;
        }
        let scored: Vec<&NodeInfo> = feasible.iter().map(|&i| &nodes[i]).collect();
        let status = fw.run_pre_score_plugins(&mut state, pod, &scored, nodes);
        if !status.is_success() {
            record.error = Some(status.message());
            return record;
        }
        let columns = match fw.run_each_score_plugin(&state, pod, &scored) {
            Ok(columns) => columns,
            Err(status) => {
                record.error = Some(status.message());
                return record;
            }
        };
        for (k, &i) in feasible.iter().enumerate() {
            let row = &mut record.nodes[i];
            row.scores = columns
                .iter()
                .map(|c| c.weighted.as_ref().map_or(0, |w| w[k]))
                .collect();
            row.total = Some(row.scores.iter().sum());
        }
        for column in &mut record.score_plugins {
            column.skipped = columns
                .iter()
                .any(|c| c.plugin == column.plugin && c.weighted.is_none());
        }
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::node::TaintEffect;
    use crate::scheduler::ScheduleOutcome;
    use crate::scheduler::testing::{NodeBuilder, PodBuilder, name_term, pod};
    use crate::sim::rng::{RngStreams, SimRng};

    const GIB: i64 = 1 << 30;

    fn rng(seed: u64) -> SimRng {
        RngStreams::new(seed).stream("scheduler")
    }

    fn column(record: &SchedulingRecord, plugin: &str) -> usize {
        record
            .filter_plugins
            .iter()
            .position(|p| p == plugin)
            .unwrap_or_else(|| panic!("no filter column {plugin}"))
    }

    /// Each plugin speaks for itself: a node rejected by two plugins shows both reasons, each in
    /// its own column, and the other plugins pass.
    #[test]
    fn every_filter_plugin_gives_its_own_verdict() {
        let cluster = vec![
            NodeBuilder::new("tainted")
                .alloc(4000, GIB)
                .taint("dedicated", "db", TaintEffect::NoSchedule)
                .info(),
            NodeBuilder::new("small").alloc(500, GIB).info(),
            NodeBuilder::new("both")
                .alloc(500, GIB)
                .taint("dedicated", "db", TaintEffect::NoSchedule)
                .info(),
            NodeBuilder::new("ok").alloc(4000, GIB).info(),
        ];
        let spec = PodBuilder::new().req(1000, 0).build();
        let record = Scheduler::with_default_profile().explain(&pod(&spec), &cluster);
        let taint = "node(s) had untolerated taint {dedicated: db}";
        let cpu = "Insufficient cpu";
        // (node, TaintToleration, NodeResourcesFit, feasible)
        let table: [(&str, &str, &str, bool); 4] = [
            ("tainted", taint, "pass", false),
            ("small", "pass", cpu, false),
            ("both", taint, cpu, false),
            ("ok", "pass", "pass", true),
        ];
        let (tt, fit) = (
            column(&record, "TaintToleration"),
            column(&record, "NodeResourcesFit"),
        );
        assert_eq!(record.nodes.len(), table.len());
        for (row, (node, taint_cell, fit_cell, feasible)) in record.nodes.iter().zip(table) {
            assert_eq!(row.node, node);
            assert_eq!(row.filters.len(), record.filter_plugins.len());
            assert_eq!(row.filters[tt].cell(), taint_cell, "{node}");
            assert_eq!(row.filters[fit].cell(), fit_cell, "{node}");
            assert_eq!(row.feasible(), feasible, "{node}");
            let others_pass = row
                .filters
                .iter()
                .enumerate()
                .filter(|&(c, _)| c != tt && c != fit)
                .all(|(_, v)| v == &Verdict::Pass || v == &Verdict::Skip);
            assert!(others_pass, "{node}: {:?}", row.filters);
            assert_eq!(row.total.is_some(), feasible, "{node}");
        }
        assert_eq!(record.best_nodes(), ["ok"]);
        assert_eq!(record.pre_filter, None);
        assert_eq!(record.error, None);
        assert_eq!(record.feasible_to_find, 4);
    }

    /// The totals are the sums the cycle compares: the node `schedule` picks is a best node, for
    /// several cluster shapes and seeds.
    #[test]
    fn best_total_is_the_schedulers_choice() {
        let half_full = PodBuilder::new().req(2000, 4 * GIB).build();
        let quarter = PodBuilder::new().req(1000, GIB).build();
        let shapes: Vec<Vec<NodeInfo>> = vec![
            vec![
                NodeBuilder::new("busy")
                    .alloc(4000, 8 * GIB)
                    .with_pods(&[&half_full]),
                NodeBuilder::new("idle").alloc(4000, 8 * GIB).info(),
            ],
            vec![
                NodeBuilder::new("a")
                    .alloc(4000, GIB)
                    .taint("spot", "", TaintEffect::PreferNoSchedule)
                    .info(),
                NodeBuilder::new("b")
                    .alloc(4000, GIB)
                    .with_pods(&[&quarter]),
                NodeBuilder::new("c").alloc(8000, 16 * GIB).info(),
            ],
            (0..5)
                .map(|i| {
                    NodeBuilder::new(&format!("n{i}"))
                        .alloc(4000, 8 * GIB)
                        .info()
                })
                .collect(),
        ];
        let spec = PodBuilder::new().req(500, GIB).build();
        for (shape, cluster) in shapes.iter().enumerate() {
            for seed in 0..5 {
                let mut scheduler = Scheduler::with_default_profile();
                let record = scheduler.explain(&pod(&spec), cluster);
                let out = scheduler.schedule(&pod(&spec), cluster, &mut rng(seed));
                let ScheduleOutcome::Scheduled { node_index, .. } = out else {
                    panic!("shape {shape}: {out:?}")
                };
                let chosen = cluster[node_index].node.name.as_str();
                assert!(
                    record.best_nodes().contains(&chosen),
                    "shape {shape} seed {seed}: chose {chosen}, best {:?}",
                    record.best_nodes()
                );
                for row in &record.nodes {
                    if row.feasible() {
                        assert_eq!(row.scores.len(), record.score_plugins.len());
                        assert_eq!(row.total, Some(row.scores.iter().sum()));
                    } else {
                        assert!(row.scores.is_empty() && row.total.is_none());
                    }
                }
            }
        }
    }

    /// Explaining between cycles changes nothing the cycles use: the same choices, the same
    /// start index and the same random stream afterwards.
    #[test]
    fn explain_leaves_the_cycle_untouched() {
        let cluster: Vec<NodeInfo> = (0..6)
            .map(|i| {
                NodeBuilder::new(&format!("n{i}"))
                    .alloc(4000, 8 * GIB)
                    .info()
            })
            .chain(std::iter::once(
                NodeBuilder::new("small").alloc(100, GIB).info(),
            ))
            .collect();
        let spec = PodBuilder::new().req(200, 0).build();
        let run = |explain: bool| {
            let mut scheduler = Scheduler::with_default_profile();
            let mut cluster = cluster.clone();
            let mut r = rng(3);
            let mut choices = Vec::new();
            for _ in 0..20 {
                if explain {
                    let record = scheduler.explain(&pod(&spec), &cluster);
                    assert_eq!(record.feasible_count(), 6);
                }
                let start = scheduler.next_start_node_index;
                if explain {
                    scheduler.explain(&pod(&spec), &cluster);
                    assert_eq!(scheduler.next_start_node_index, start);
                }
                match scheduler.schedule(&pod(&spec), &cluster, &mut r) {
                    ScheduleOutcome::Scheduled { node_index, .. } => {
                        cluster[node_index].add_pod(&pod(&spec));
                        choices.push((node_index, scheduler.next_start_node_index));
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
            (choices, r.next_u64())
        };
        assert_eq!(run(true), run(false));
    }

    #[test]
    fn pre_filter_outcomes() {
        let cluster: Vec<NodeInfo> = (0..3)
            .map(|i| NodeBuilder::new(&format!("n{i}")).alloc(4000, GIB).info())
            .collect();
        let scheduler = Scheduler::with_default_profile();

        // A restriction to one node: the others are excluded, with the cycle's reason.
        let pinned = PodBuilder::new().required(name_term(&["n2"])).build();
        let record = scheduler.explain(&pod(&pinned), &cluster);
        let excluded: Vec<Option<&str>> =
            record.nodes.iter().map(|n| n.excluded.as_deref()).collect();
        let reason = "node(s) didn't satisfy plugin(s) [NodeAffinity]";
        assert_eq!(excluded, [Some(reason), Some(reason), None]);
        assert!(record.nodes[0].filters.is_empty());
        assert_eq!(record.best_nodes(), ["n2"]);

        // Conflicting terms: PreFilter rejects the pod outright.
        let mut conflicting = name_term(&["n0"]);
        conflicting
            .match_fields
            .extend(name_term(&["n1"]).match_fields);
        let conflict = PodBuilder::new().required(conflicting).build();
        let record = scheduler.explain(&pod(&conflict), &cluster);
        assert_eq!(
            record.pre_filter.as_deref(),
            Some("NodeAffinity: pod affinity terms conflict")
        );
        assert!(record.nodes.is_empty());

        // No nodes, unknown profile.
        let plain = PodBuilder::new().build();
        let record = scheduler.explain(&pod(&plain), &[]);
        assert!(record.nodes.is_empty() && record.error.is_none());
        let mut other = PodBuilder::new().build();
        other.scheduler_name = "nope".into();
        let record = scheduler.explain(&pod(&other), &cluster);
        assert_eq!(
            record.error.as_deref(),
            Some("profile not found for scheduler name \"nope\"")
        );
    }

    #[test]
    fn record_round_trips_through_json() {
        let cluster = vec![
            NodeBuilder::new("a").alloc(500, GIB).info(),
            NodeBuilder::new("b").alloc(4000, GIB).info(),
            NodeBuilder::new("c").alloc(4000, GIB).info(),
        ];
        let spec = PodBuilder::new().req(1000, 0).build();
        let record = Scheduler::with_default_profile().explain(&pod(&spec), &cluster);
        let text = serde_json::to_string(&record).expect("serializable");
        let back: SchedulingRecord = serde_json::from_str(&text).expect("readable");
        assert_eq!(back, record);
        assert!(text.contains(r#"{"reject":"Insufficient cpu"}"#), "{text}");
    }
}
