//! One scheduling attempt (`pkg/scheduler/schedule_one.go`): `schedulePod` → PreFilter →
//! Filter (round-robin, stops after [`num_feasible_nodes_to_find`]) → PostFilter on failure, or
//! PreScore → Score → NormalizeScore → weights → [`select_host`].
//!
//! Filtering is sequential here where upstream runs it on 16 goroutines: upstream may examine a
//! few nodes past the one that completed the quota; this simulator examines exactly the nodes up
//! to it, which is the deterministic limit of the same algorithm.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::storage::Storage;
use crate::scheduler::framework::{
    ClusterClient, ClusterLister, CycleState, Diagnosis, FitError, NoCluster, NodeInfo,
    NodeToStatus, NominatedPods, Plugin, PodInfo, PostFilterContext, PostFilterResult, STORAGE_KEY,
    Status,
};
use crate::scheduler::profile::{ConfigError, DEFAULT_SCHEDULER_NAME, Profile};
use crate::scheduler::runtime::{Framework, go_list};
use crate::scheduler::snapshot::{SNAPSHOT_INDEX_KEY, SnapshotIndex};
use crate::sim::rng::SimRng;

/// Message when the cluster has no node (`ErrNoNodesAvailable`).
pub const NO_NODES_AVAILABLE: &str = "no nodes available to schedule pods";

/// Minimum number of feasible nodes to find when there are at least this many nodes
/// (`minFeasibleNodesToFind`).
pub const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;

/// Floor of the adaptive percentage (`minFeasibleNodesPercentageToFind`).
pub const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: i64 = 5;

/// `numFeasibleNodesToFind` (SPEC §7.2): all nodes below 100; otherwise `percentage` (or, when
/// unset or ≤ 0, the adaptive `50 − all_nodes/125` floored at 5) percent of the nodes, at least
/// 100.
pub fn num_feasible_nodes_to_find(percentage: Option<i64>, all_nodes: usize) -> usize {
    if all_nodes < MIN_FEASIBLE_NODES_TO_FIND {
        return all_nodes;
    }
    let all = i64::try_from(all_nodes).unwrap_or(i64::MAX);
    let mut p = percentage.unwrap_or(0);
    if p <= 0 {
        p = (50 - all / 125).max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
    }
    let n = usize::try_from(all.saturating_mul(p) / 100).unwrap_or(0);
    n.max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// `selectHost`: the position of the highest score, ties broken uniformly by reservoir
/// sampling — scanning in order, the k-th node tied with the running maximum replaces the
/// choice with probability 1/k (one `rng.below(k)` draw per tie; none without ties).
/// `None` for an empty list.
pub fn select_host(scores: &[i64], rng: &mut SimRng) -> Option<usize> {
    let (&first, rest) = scores.split_first()?;
    let (mut max, mut selected, mut count_of_max) = (first, 0, 1_u64);
    for (offset, &score) in rest.iter().enumerate() {
        let position = offset + 1;
        if score > max {
            max = score;
            selected = position;
            count_of_max = 1;
        } else if score == max {
            count_of_max += 1;
            if rng.below(count_of_max) == 0 {
                selected = position;
            }
        }
    }
    Some(selected)
}

/// Result of [`Scheduler::schedule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleOutcome {
    /// Bind the pod to `nodes[node_index]`.
    Scheduled {
        /// Index of the chosen node in the slice given to [`Scheduler::schedule`].
        node_index: usize,
        /// Number of feasible nodes found (and scored when more than one).
        feasible: usize,
        /// Number of nodes examined by Filter (feasible + failed).
        evaluated: usize,
    },
    /// No node fits: emit `FailedScheduling` with `message` and back off.
    Unschedulable {
        /// The FailedScheduling message, exactly as upstream `FitError.Error()`.
        message: String,
        /// What PostFilter decided about the pod's nomination: `None` keeps it as it is; a
        /// result sets it (preemption chose a node and victims) or clears it.
        nomination: Option<PostFilterResult>,
        /// Why each node was rejected (input of preemption).
        per_node: NodeToStatus,
        /// Plugins that rejected the pod on some node, sorted (for queueing hints).
        unschedulable_plugins: Vec<&'static str>,
    },
    /// A plugin failed (`SchedulerError`): emit `FailedScheduling` with `message` and back off.
    Error {
        /// The error text.
        message: String,
    },
}

/// What a cycle may know beyond the node snapshot: the nominated pods, the cluster's other
/// objects (for preemption) and the pod's own nomination.
pub struct SchedulingEnv<'a> {
    /// Pods nominated to nodes by earlier preemptions.
    pub nominated: NominatedPods<'a>,
    /// Start times, preemption marks and PodDisruptionBudgets.
    pub lister: &'a dyn ClusterLister,
    /// The node (index) the pod being scheduled is nominated to.
    pub nominated_node: Option<usize>,
}

impl SchedulingEnv<'_> {
    /// No nominations, no cluster objects.
    pub fn empty() -> Self {
        SchedulingEnv {
            nominated: NominatedPods::default(),
            lister: &NoCluster,
            nominated_node: None,
        }
    }
}

/// The scheduler: one [`Framework`] per profile and the round-robin start index shared by all
/// profiles, as upstream's `nextStartNodeIndex`.
#[derive(Debug)]
pub struct Scheduler {
    frameworks: Vec<Framework>,
    /// Where the next Filter pass starts in the node list; advanced by the number of nodes
    /// examined, modulo the number of nodes.
    pub next_start_node_index: usize,
    feasible: Vec<usize>,
    totals: Vec<i64>,
    scratch: Vec<i64>,
    index: Arc<SnapshotIndex>,
    /// The state of the last successful cycle: `(framework, pod uid, state)`, taken by
    /// [`Scheduler::reserve`].
    last_cycle: Option<(usize, u64, CycleState)>,
    /// Reserved pods waiting for their binding cycle, by uid: `(framework, state, node)`.
    in_flight: BTreeMap<u64, (usize, CycleState, String)>,
    /// The storage objects of the snapshot (see [`Scheduler::set_storage`]).
    storage: Arc<Storage>,
}

impl Scheduler {
    /// A scheduler with these profiles (at least one; scheduler names unique).
    pub fn new(profiles: &[Profile]) -> Result<Self, ConfigError> {
        if profiles.is_empty() {
            return Err(ConfigError::NoProfiles);
        }
        let mut frameworks: Vec<Framework> = Vec::with_capacity(profiles.len());
        for profile in profiles {
            if frameworks
                .iter()
                .any(|f| f.profile_name() == profile.scheduler_name)
            {
                return Err(ConfigError::DuplicateProfile(
                    profile.scheduler_name.clone(),
                ));
            }
            let fw = Framework::new(profile)?;
            if let Some(first) = frameworks.first() {
                fw.check_same_queue_sort(first)?;
            }
            frameworks.push(fw);
        }
        Ok(Scheduler {
            frameworks,
            next_start_node_index: 0,
            feasible: Vec::new(),
            totals: Vec::new(),
            scratch: Vec::new(),
            index: Arc::new(SnapshotIndex::default()),
            last_cycle: None,
            in_flight: BTreeMap::new(),
            storage: Arc::new(Storage::default()),
        })
    }

    /// The storage objects (PVCs, PVs, StorageClasses) the next cycles see.
    pub fn set_storage(&mut self, storage: &Arc<Storage>) {
        self.storage = Arc::clone(storage);
    }

    /// The QueueSort plugin every profile shares: the scheduling queue's order.
    pub fn queue_sort(&self) -> Arc<dyn Plugin> {
        self.frameworks[0].queue_sort_plugin()
    }

    /// Reserve (`RunReservePluginsReserve`) for the pod the last [`Self::schedule`] placed on
    /// `node_name`, with that cycle's state. On failure the Reserve plugins are unreserved and
    /// the status is returned (FailedScheduling, back off); on success the pod waits for
    /// [`Self::bind`].
    pub fn reserve(&mut self, pod: &PodInfo<'_>, node_name: &str) -> Status {
        let (fw_index, mut state) = match self.last_cycle.take() {
            Some((fw_index, uid, state)) if uid == pod.uid => (fw_index, state),
            _ => return Status::error(format!("no scheduling cycle for pod {:?}", pod.name)),
        };
        let fw = &self.frameworks[fw_index];
        let status = fw.run_reserve_plugins_reserve(&mut state, pod, node_name);
        if !status.is_success() {
            fw.run_reserve_plugins_unreserve(&mut state, pod, node_name);
            return status;
        }
        self.in_flight
            .insert(pod.uid, (fw_index, state, node_name.to_string()));
        Status::success()
    }

    /// The binding cycle of a reserved pod: PreBind, then Bind, through `client`. On failure
    /// the Reserve plugins are unreserved and the status is returned; `Skip` (no binder took
    /// the pod) is a failure too.
    pub fn bind(&mut self, pod: &PodInfo<'_>, client: &mut dyn ClusterClient) -> Status {
        let Some((fw_index, mut state, node_name)) = self.in_flight.remove(&pod.uid) else {
            return Status::error(format!("pod {:?} is not reserved", pod.name));
        };
        let fw = &self.frameworks[fw_index];
        let mut status = fw.run_pre_bind_plugins(&mut state, pod, &node_name, client);
        if status.is_success() {
            status = fw.run_bind_plugins(&mut state, pod, &node_name, client);
            if status.is_skip() {
                status = Status::error(format!(
                    "no bind plugin bound pod \"{}/{}\"",
                    pod.namespace, pod.name
                ));
            }
        }
        if !status.is_success() {
            fw.run_reserve_plugins_unreserve(&mut state, pod, &node_name);
        }
        status
    }

    /// A reserved pod went away before its binding: Unreserve and drop its state.
    pub fn forget(&mut self, pod: &PodInfo<'_>) {
        if let Some((fw_index, mut state, node_name)) = self.in_flight.remove(&pod.uid) {
            self.frameworks[fw_index].run_reserve_plugins_unreserve(&mut state, pod, &node_name);
        }
    }

    /// A scheduler with [`Profile::default_profile`] only.
    pub fn with_default_profile() -> Self {
        Scheduler::new(&[Profile::default_profile()])
            .unwrap_or_else(|e| unreachable!("the built-in default profile is valid: {e}"))
    }

    /// The instantiated profiles.
    pub fn frameworks(&self) -> &[Framework] {
        &self.frameworks
    }

    /// The profile scheduling pods with `schedulerName` = `scheduler_name` (empty = default).
    pub fn framework_for(&self, scheduler_name: &str) -> Option<&Framework> {
        let name = if scheduler_name.is_empty() {
            DEFAULT_SCHEDULER_NAME
        } else {
            scheduler_name
        };
        self.frameworks.iter().find(|f| f.profile_name() == name)
    }

    /// [`Self::schedule_with`] without nominations or other cluster objects.
    pub fn schedule(
        &mut self,
        pod: &PodInfo<'_>,
        nodes: &[NodeInfo],
        rng: &mut SimRng,
    ) -> ScheduleOutcome {
        self.schedule_with(pod, nodes, &SchedulingEnv::empty(), rng)
    }

    /// One scheduling cycle for `pod` over `nodes` (the snapshot, in a stable order). Draws from
    /// `rng` to break ties between equally scored nodes and to pick where preemption starts.
    pub fn schedule_with(
        &mut self,
        pod: &PodInfo<'_>,
        nodes: &[NodeInfo],
        env: &SchedulingEnv<'_>,
        rng: &mut SimRng,
    ) -> ScheduleOutcome {
        let name = if pod.spec.scheduler_name.is_empty() {
            DEFAULT_SCHEDULER_NAME
        } else {
            pod.spec.scheduler_name.as_str()
        };
        let Scheduler {
            frameworks,
            next_start_node_index,
            feasible,
            totals,
            scratch,
            index,
            last_cycle,
            storage,
            ..
        } = self;
        *last_cycle = None;
        let Some(fw_index) = frameworks.iter().position(|f| f.profile_name() == name) else {
            return ScheduleOutcome::Error {
                message: format!("profile not found for scheduler name {name:?}"),
            };
        };
        let fw = &frameworks[fw_index];
        if nodes.is_empty() {
            return ScheduleOutcome::Unschedulable {
                message: NO_NODES_AVAILABLE.to_string(),
                nomination: None,
                per_node: NodeToStatus::default(),
                unschedulable_plugins: Vec::new(),
            };
        }

        // The node index, refreshed for the nodes that changed since the last cycle (the
        // previous cycle's state is gone, so the index is not shared and is updated in place).
        Arc::make_mut(index).sync(nodes);
        let mut state = CycleState::new();
        state.write(SNAPSHOT_INDEX_KEY, Arc::clone(index));
        state.write(STORAGE_KEY, Arc::clone(storage));

        // PreFilter.
        let mut diagnosis = Diagnosis::default();
        let pre = fw.run_pre_filter_plugins(&mut state, pod, nodes);
        diagnosis.unschedulable_plugins = pre.plugins_with_nodes.clone();
        if !pre.status.is_success() {
            if !pre.status.is_rejected() {
                return ScheduleOutcome::Error {
                    message: pre.status.message(),
                };
            }
            diagnosis.pre_filter_msg = pre.status.message();
            diagnosis.add_plugin_status(&pre.status);
            diagnosis.node_to_status.absent = pre.status;
            return fail(fw, &state, pod, nodes, env, rng, diagnosis);
        }
        let subset: Option<Vec<usize>> = pre.result.and_then(|r| r.node_names).map(|names| {
            (0..nodes.len())
                .filter(|&i| names.contains(nodes[i].node.name.as_str()))
                .collect()
        });
        if subset.is_some() {
            diagnosis.node_to_status.absent = Status::unresolvable(format!(
                "node(s) didn't satisfy plugin(s) {}",
                go_list(&pre.plugins_with_nodes)
            ));
        }

        // A nominated node (from an earlier preemption) is tried first, alone.
        let active = fw.active_filter_plugins(&state);
        if let Some(nominated) = env.nominated_node.filter(|&i| i < nodes.len()) {
            let status = fw.run_filter_plugins_with_nominated_pods(
                &active,
                &state,
                pod,
                &nodes[nominated],
                env.nominated.for_node(nominated),
            );
            if status.is_success() {
                *last_cycle = Some((fw_index, pod.uid, state));
                return ScheduleOutcome::Scheduled {
                    node_index: nominated,
                    feasible: 1,
                    evaluated: 1,
                };
            }
        }

        // Filter, round-robin from the shared start index.
        let candidates = subset.as_ref().map_or(nodes.len(), Vec::len);
        let num_to_find = if fw.has_score_plugins() {
            num_feasible_nodes_to_find(fw.percentage_of_nodes_to_score(), candidates)
        } else {
            1
        };
        feasible.clear();
        let mut failed: Vec<(usize, Status)> = Vec::new();
        let start = *next_start_node_index;
        let mut processed = 0;
        let mut error = None;
        for i in 0..candidates {
            if feasible.len() >= num_to_find {
                break;
            }
            let position = (start + i) % candidates;
            let index = subset.as_ref().map_or(position, |s| s[position]);
            let status = if env.nominated.is_empty() {
                fw.run_filter_plugins_with(&active, &state, pod, &nodes[index])
            } else {
                fw.run_filter_plugins_with_nominated_pods(
                    &active,
                    &state,
                    pod,
                    &nodes[index],
                    env.nominated.for_node(index),
                )
            };
            if status.is_error() {
                error = Some(status);
                break;
            }
            processed += 1;
            if status.is_success() {
                feasible.push(index);
            } else {
                diagnosis.add_plugin_status(&status);
                failed.push((index, status));
            }
        }
        *next_start_node_index = (start + processed) % nodes.len();
        if let Some(status) = error {
            return ScheduleOutcome::Error {
                message: status.message(),
            };
        }
        diagnosis.node_to_status.explicit = failed;
        if feasible.is_empty() {
            return fail(fw, &state, pod, nodes, env, rng, diagnosis);
        }
        let evaluated = feasible.len() + diagnosis.node_to_status.len();
        if feasible.len() == 1 {
            *last_cycle = Some((fw_index, pod.uid, state));
            return ScheduleOutcome::Scheduled {
                node_index: feasible[0],
                feasible: 1,
                evaluated,
            };
        }

        // PreScore, Score, NormalizeScore, weights.
        let scored: Vec<&NodeInfo> = feasible.iter().map(|&i| &nodes[i]).collect();
        if fw.has_score_plugins() {
            let status = fw.run_pre_score_plugins(&mut state, pod, &scored, nodes);
            if !status.is_success() {
                return ScheduleOutcome::Error {
                    message: status.message(),
                };
            }
            let status = fw.run_score_plugins(&state, pod, &scored, totals, scratch);
            if !status.is_success() {
                return ScheduleOutcome::Error {
                    message: status.message(),
                };
            }
        } else {
            totals.clear();
            totals.resize(scored.len(), 1);
        }
        match select_host(totals, rng) {
            Some(position) => {
                *last_cycle = Some((fw_index, pod.uid, state));
                ScheduleOutcome::Scheduled {
                    node_index: feasible[position],
                    feasible: feasible.len(),
                    evaluated,
                }
            }
            None => ScheduleOutcome::Error {
                message: "empty priorityList".to_string(),
            },
        }
    }
}

/// PostFilter, then the FitError message.
fn fail(
    fw: &Framework,
    state: &CycleState,
    pod: &PodInfo<'_>,
    nodes: &[NodeInfo],
    env: &SchedulingEnv<'_>,
    rng: &mut SimRng,
    mut diagnosis: Diagnosis,
) -> ScheduleOutcome {
    // Without PostFilter plugins upstream clears the nomination.
    let mut nomination = Some(PostFilterResult::default());
    if fw.has_post_filter_plugins() {
        let mut ctx = PostFilterContext {
            framework: fw,
            lister: env.lister,
            nominated: &env.nominated,
            nominated_node: env.nominated_node,
            rng,
        };
        let (result, status) =
            fw.run_post_filter_plugins(&mut ctx, state, pod, nodes, &diagnosis.node_to_status);
        diagnosis.post_filter_msg = status.message();
        nomination = result;
    }
    let unschedulable_plugins = diagnosis.unschedulable_plugins.iter().copied().collect();
    let error = FitError {
        num_all_nodes: nodes.len(),
        diagnosis,
    };
    ScheduleOutcome::Unschedulable {
        message: error.to_string(),
        nomination,
        unschedulable_plugins,
        per_node: error.diagnosis.node_to_status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::node::TaintEffect;
    use crate::model::pod::PodSpec;
    use crate::scheduler::framework::Code;
    use crate::scheduler::plugins::ScoringStrategyType;
    use crate::scheduler::testing::{NodeBuilder, PodBuilder, name_term, pod};
    use crate::sim::rng::RngStreams;

    const GIB: i64 = 1 << 30;

    fn rng(seed: u64) -> SimRng {
        RngStreams::new(seed).stream("scheduler")
    }

    fn nodes(count: usize, cpu_millis: i64) -> Vec<NodeInfo> {
        (0..count)
            .map(|i| {
                NodeBuilder::new(&format!("n{i}"))
                    .alloc(cpu_millis, 16 * GIB)
                    .info()
            })
            .collect()
    }

    /// SPEC §7.2 `TestNumFeasibleNodesToFind`.
    #[test]
    fn spec_7_2_num_feasible_nodes_to_find() {
        assert_eq!(num_feasible_nodes_to_find(None, 10), 10, "row 1");
        assert_eq!(num_feasible_nodes_to_find(Some(40), 10), 10, "row 2");
        assert_eq!(num_feasible_nodes_to_find(None, 1000), 420, "row 3");
        assert_eq!(num_feasible_nodes_to_find(Some(40), 6000), 2400, "row 4");
        // Derived: the 5 % floor, the 100-node floor, and 0 meaning adaptive.
        assert_eq!(num_feasible_nodes_to_find(None, 10_000), 500);
        assert_eq!(num_feasible_nodes_to_find(Some(1), 1000), 100);
        assert_eq!(num_feasible_nodes_to_find(Some(0), 1000), 420);
        assert_eq!(num_feasible_nodes_to_find(None, 0), 0);
    }

    #[test]
    fn select_host_draws_once_per_tie() {
        let mut r = rng(1);
        let mut replay = rng(1);
        assert_eq!(select_host(&[], &mut r), None);
        assert_eq!(select_host(&[3, 9, 1], &mut r), Some(1));
        assert_eq!(r.next_u64(), replay.next_u64(), "no tie, no draw");

        let mut r = rng(2);
        let mut replay = rng(2);
        let chosen = select_host(&[5, 7, 7, 2, 7], &mut r).expect("non-empty");
        // Ties with the running maximum 7 at positions 2 and 4: draws below(2), below(3).
        let mut expected = 1;
        if replay.below(2) == 0 {
            expected = 2;
        }
        if replay.below(3) == 0 {
            expected = 4;
        }
        assert_eq!(chosen, expected);
        assert_eq!(r.next_u64(), replay.next_u64(), "exactly two draws");
    }

    /// Same seed, same nodes, same pods ⇒ same choices (the cluster state follows the choices).
    #[test]
    fn determinism_same_seed_same_choices() {
        let run = |seed: u64| {
            let mut scheduler = Scheduler::with_default_profile();
            let mut cluster = nodes(7, 4000);
            let mut r = rng(seed);
            let spec = PodBuilder::new().req(100, 128 << 20).build();
            let mut choices = Vec::new();
            for _ in 0..60 {
                match scheduler.schedule(&pod(&spec), &cluster, &mut r) {
                    ScheduleOutcome::Scheduled { node_index, .. } => {
                        cluster[node_index].add_pod(&pod(&spec));
                        choices.push(node_index);
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
            choices
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43), "different seeds break ties differently");
    }

    /// Identical nodes tie; over many cycles each is chosen about equally often.
    #[test]
    fn tie_break_spreads_over_tied_nodes() {
        let mut scheduler = Scheduler::with_default_profile();
        let cluster = nodes(4, 4000);
        let spec = PodBuilder::new().req(100, 128 << 20).build();
        let mut r = rng(7);
        let mut counts = [0_u32; 4];
        for _ in 0..4000 {
            match scheduler.schedule(&pod(&spec), &cluster, &mut r) {
                ScheduleOutcome::Scheduled {
                    node_index,
                    feasible,
                    evaluated,
                } => {
                    assert_eq!((feasible, evaluated), (4, 4));
                    counts[node_index] += 1;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        for (i, c) in counts.iter().enumerate() {
            assert!(
                (850..=1150).contains(c),
                "node {i} chosen {c} times of 4000: {counts:?}"
            );
        }
    }

    /// The start index advances by the number of nodes examined, as upstream.
    #[test]
    fn round_robin_start_index() {
        let mut scheduler = Scheduler::with_default_profile();
        let spec = PodBuilder::new().req(100, 0).build();
        let mut r = rng(3);

        // 200 feasible nodes: 100 to find, so the index moves by 100 and wraps.
        let cluster = nodes(200, 4000);
        for expected_next in [100, 0, 100] {
            let out = scheduler.schedule(&pod(&spec), &cluster, &mut r);
            assert!(
                matches!(
                    out,
                    ScheduleOutcome::Scheduled {
                        feasible: 100,
                        evaluated: 100,
                        ..
                    }
                ),
                "{out:?}"
            );
            assert_eq!(scheduler.next_start_node_index, expected_next);
        }

        // 150 nodes, the first 10 too small: the pass also counts the failed nodes.
        let mut cluster = nodes(150, 4000);
        for node in cluster.iter_mut().take(10) {
            *node = NodeBuilder::new(&node.node.name).alloc(50, GIB).info();
        }
        scheduler.next_start_node_index = 0;
        let out = scheduler.schedule(&pod(&spec), &cluster, &mut r);
        assert!(
            matches!(
                out,
                ScheduleOutcome::Scheduled {
                    feasible: 100,
                    evaluated: 110,
                    ..
                }
            ),
            "{out:?}"
        );
        assert_eq!(scheduler.next_start_node_index, 110);
        // From 110: 40 feasible, wrap over the 10 small ones, then 60 more → 110 examined.
        let out = scheduler.schedule(&pod(&spec), &cluster, &mut r);
        match out {
            ScheduleOutcome::Scheduled {
                node_index,
                feasible: 100,
                evaluated: 110,
            } => {
                assert!(node_index >= 10, "a small node was chosen: {node_index}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(scheduler.next_start_node_index, 70);
    }

    /// The FailedScheduling message with mixed reasons, exactly as the CONTRACT example.
    #[test]
    fn failed_scheduling_message_mixed_reasons() {
        let cluster = vec![
            NodeBuilder::new("a")
                .alloc(4000, GIB)
                .taint("dedicated", "db", TaintEffect::NoSchedule)
                .info(),
            NodeBuilder::new("b")
                .alloc(1500, GIB)
                .with_pods(&[&PodBuilder::new().req(1000, 0).build()]),
            NodeBuilder::new("c").alloc(500, GIB).info(),
        ];
        let spec = PodBuilder::new().req(1000, 0).build();
        let mut scheduler = Scheduler::with_default_profile();
        match scheduler.schedule(&pod(&spec), &cluster, &mut rng(1)) {
            ScheduleOutcome::Unschedulable {
                message,
                per_node,
                unschedulable_plugins,
                ..
            } => {
                // Node b fails Unschedulable, so preemption dry-runs it, but its pod has the
                // same priority: no victim.
                assert_eq!(
                    message,
                    "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, \
                     2 Insufficient cpu. preemption: 0/3 nodes are available: 1 No preemption \
                     victims found for incoming pod, 2 Preemption is not helpful for scheduling."
                );
                assert_eq!(per_node.len(), 3);
                assert_eq!(per_node.get(0).plugin, "TaintToleration");
                assert_eq!(
                    per_node.get(1).code,
                    Code::Unschedulable,
                    "preemption could free 1000m"
                );
                assert_eq!(
                    per_node.get(2).code,
                    Code::UnschedulableAndUnresolvable,
                    "1000m > 500m"
                );
                assert_eq!(
                    unschedulable_plugins,
                    ["NodeResourcesFit", "TaintToleration"]
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(scheduler.next_start_node_index, 0, "3 examined, 3 nodes");
    }

    #[test]
    fn message_counts_every_reason_of_a_node() {
        let cluster = vec![
            NodeBuilder::new("a").alloc(500, GIB).info(),
            NodeBuilder::new("b").alloc(500, GIB).unschedulable().info(),
            NodeBuilder::new("c")
                .alloc(500, 1 << 20)
                .label("disk", "hdd")
                .info(),
            NodeBuilder::new("d").alloc(4000, 1 << 20).info(),
        ];
        // The first failing filter speaks for a node: NodeUnschedulable before NodeAffinity.
        let spec = PodBuilder::new()
            .req(1000, 2 << 20)
            .node_selector("disk", "ssd")
            .build();
        let out = Scheduler::with_default_profile().schedule(&pod(&spec), &cluster, &mut rng(1));
        let ScheduleOutcome::Unschedulable { message, .. } = out else {
            panic!("{out:?}")
        };
        assert_eq!(
            message,
            "0/4 nodes are available: 1 node(s) were unschedulable, 3 node(s) didn't match Pod's \
             node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not \
             helpful for scheduling."
        );
        // NodeResourcesFit reports every missing resource; each is counted.
        let spec = PodBuilder::new().req(1000, 2 << 20).build();
        let out = Scheduler::with_default_profile().schedule(&pod(&spec), &cluster, &mut rng(1));
        let ScheduleOutcome::Unschedulable {
            message, per_node, ..
        } = out
        else {
            panic!("{out:?}")
        };
        assert_eq!(
            message,
            "0/4 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu, \
             2 Insufficient memory. preemption: 0/4 nodes are available: 4 Preemption is not \
             helpful for scheduling."
        );
        assert_eq!(
            per_node.get(2).code,
            Code::UnschedulableAndUnresolvable,
            "2 MiB > 1 MiB allocatable"
        );
        assert_eq!(
            per_node.get(0).code,
            Code::UnschedulableAndUnresolvable,
            "1000m > 500m allocatable"
        );
    }

    #[test]
    fn single_feasible_node_skips_scoring_and_rng() {
        let cluster = vec![
            NodeBuilder::new("a").alloc(500, GIB).info(),
            NodeBuilder::new("b").alloc(4000, GIB).info(),
        ];
        let spec = PodBuilder::new().req(1000, 0).build();
        let mut r = rng(9);
        let mut replay = rng(9);
        let out = Scheduler::with_default_profile().schedule(&pod(&spec), &cluster, &mut r);
        assert_eq!(
            out,
            ScheduleOutcome::Scheduled {
                node_index: 1,
                feasible: 1,
                evaluated: 2
            }
        );
        assert_eq!(r.next_u64(), replay.next_u64());
    }

    #[test]
    fn scoring_prefers_emptier_or_fuller_nodes_by_strategy() {
        let half_full = PodBuilder::new().req(2000, GIB).build();
        let cluster = vec![
            NodeBuilder::new("busy")
                .alloc(4000, 8 * GIB)
                .with_pods(&[&half_full]),
            NodeBuilder::new("idle").alloc(4000, 8 * GIB).info(),
        ];
        let spec = PodBuilder::new().req(500, GIB).build();
        let out = Scheduler::with_default_profile().schedule(&pod(&spec), &cluster, &mut rng(1));
        assert!(
            matches!(
                out,
                ScheduleOutcome::Scheduled {
                    node_index: 1,
                    feasible: 2,
                    ..
                }
            ),
            "{out:?}"
        );

        let mut profile = Profile::default_profile();
        assert!(profile.set_fit_strategy(ScoringStrategyType::MostAllocated));
        profile.disable("NodeResourcesBalancedAllocation");
        let mut packer = Scheduler::new(&[profile]).expect("valid profile");
        let out = packer.schedule(&pod(&spec), &cluster, &mut rng(1));
        assert!(
            matches!(out, ScheduleOutcome::Scheduled { node_index: 0, .. }),
            "{out:?}"
        );
    }

    #[test]
    fn prefer_no_schedule_taint_steers_the_choice() {
        let cluster = vec![
            NodeBuilder::new("a")
                .alloc(4000, GIB)
                .taint("spot", "", TaintEffect::PreferNoSchedule)
                .info(),
            NodeBuilder::new("b").alloc(4000, GIB).info(),
        ];
        let spec = PodBuilder::new().req(100, 0).build();
        for seed in 0..20 {
            let out =
                Scheduler::with_default_profile().schedule(&pod(&spec), &cluster, &mut rng(seed));
            assert!(
                matches!(out, ScheduleOutcome::Scheduled { node_index: 1, .. }),
                "{out:?}"
            );
        }
    }

    #[test]
    fn node_affinity_pre_filter_restricts_candidates() {
        let cluster = nodes(3, 4000);
        let mut scheduler = Scheduler::with_default_profile();
        let pinned = PodBuilder::new().required(name_term(&["n2"])).build();
        let out = scheduler.schedule(&pod(&pinned), &cluster, &mut rng(1));
        assert_eq!(
            out,
            ScheduleOutcome::Scheduled {
                node_index: 2,
                feasible: 1,
                evaluated: 1
            }
        );

        let missing = PodBuilder::new().required(name_term(&["zzz"])).build();
        let out = scheduler.schedule(&pod(&missing), &cluster, &mut rng(1));
        let ScheduleOutcome::Unschedulable {
            message,
            unschedulable_plugins,
            ..
        } = out
        else {
            panic!("{out:?}")
        };
        assert_eq!(
            message,
            "0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeAffinity]. \
             preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        );
        assert_eq!(unschedulable_plugins, ["NodeAffinity"]);

        let mut conflicting = name_term(&["n0"]);
        conflicting
            .match_fields
            .extend(name_term(&["n1"]).match_fields);
        let conflict = PodBuilder::new().required(conflicting).build();
        let out = scheduler.schedule(&pod(&conflict), &cluster, &mut rng(1));
        let ScheduleOutcome::Unschedulable {
            message, per_node, ..
        } = out
        else {
            panic!("{out:?}")
        };
        assert_eq!(
            message,
            "0/3 nodes are available: pod affinity terms conflict. preemption: 0/3 nodes are \
             available: 3 Preemption is not helpful for scheduling."
        );
        assert_eq!(per_node.absent.plugin, "NodeAffinity");
    }

    #[test]
    fn no_nodes_unknown_profile_and_no_post_filter() {
        let spec = PodBuilder::new().build();
        let mut scheduler = Scheduler::with_default_profile();
        let out = scheduler.schedule(&pod(&spec), &[], &mut rng(1));
        assert!(
            matches!(out, ScheduleOutcome::Unschedulable { ref message, .. } if message == NO_NODES_AVAILABLE)
        );

        let other = PodSpec {
            scheduler_name: "my-scheduler".into(),
            ..PodSpec::default()
        };
        let out = scheduler.schedule(&pod(&other), &nodes(1, 1000), &mut rng(1));
        assert_eq!(
            out,
            ScheduleOutcome::Error {
                message: "profile not found for scheduler name \"my-scheduler\"".into()
            }
        );

        let mut profile = Profile::default_profile();
        profile.disable("DefaultPreemption");
        let mut scheduler = Scheduler::new(&[profile]).expect("valid");
        let cordoned = vec![NodeBuilder::new("a").unschedulable().info()];
        let out = scheduler.schedule(&pod(&spec), &cordoned, &mut rng(1));
        let ScheduleOutcome::Unschedulable { message, .. } = out else {
            panic!("{out:?}")
        };
        assert_eq!(
            message,
            "0/1 nodes are available: 1 node(s) were unschedulable."
        );
    }

    #[test]
    fn profiles_are_selected_by_scheduler_name() {
        let mut second = Profile::default_profile();
        second.scheduler_name = "batch".into();
        assert!(second.set_fit_strategy(ScoringStrategyType::MostAllocated));
        assert!(matches!(
            Scheduler::new(&[Profile::default_profile(), Profile::default_profile()]),
            Err(ConfigError::DuplicateProfile(_))
        ));
        assert!(matches!(Scheduler::new(&[]), Err(ConfigError::NoProfiles)));
        let scheduler = Scheduler::new(&[Profile::default_profile(), second]).expect("valid");
        assert_eq!(
            scheduler.framework_for("").map(Framework::profile_name),
            Some("default-scheduler")
        );
        assert_eq!(
            scheduler
                .framework_for("batch")
                .map(Framework::profile_name),
            Some("batch")
        );
        assert!(scheduler.framework_for("nope").is_none());
    }

    /// Reserve then the binding cycle with the default profile: DefaultBinder binds through the
    /// client; a failed bind is reported with upstream's wording.
    #[test]
    fn reserve_and_bind_through_the_client() {
        use crate::scheduler::testing::RecordingClient;
        let cluster = nodes(1, 4000);
        let spec = PodBuilder::new().req(100, 0).build();
        let mut scheduler = Scheduler::with_default_profile();
        let mut client = RecordingClient::default();
        assert!(
            scheduler.bind(&pod(&spec), &mut client).is_error(),
            "not reserved"
        );
        assert!(scheduler.reserve(&pod(&spec), "n0").is_error(), "no cycle");
        let out = scheduler.schedule(&pod(&spec), &cluster, &mut rng(1));
        assert!(matches!(
            out,
            ScheduleOutcome::Scheduled { node_index: 0, .. }
        ));
        assert!(scheduler.reserve(&pod(&spec), "n0").is_success());
        assert!(scheduler.bind(&pod(&spec), &mut client).is_success());
        assert_eq!(client.calls, ["bind default/p to n0"]);

        scheduler.schedule(&pod(&spec), &cluster, &mut rng(1));
        assert!(scheduler.reserve(&pod(&spec), "n0").is_success());
        client.fail = Some("etcd is down".into());
        let status = scheduler.bind(&pod(&spec), &mut client);
        assert_eq!(
            status.message(),
            "bind plugin \"DefaultBinder\" failed to bind pod \"default/p\": etcd is down"
        );
    }
}
