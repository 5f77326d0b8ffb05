//! Preemption (`pkg/scheduler/framework/preemption/preemption.go` and the DefaultPreemption
//! plugin's `SelectVictimsOnNode`, `PodEligibleToPreemptOthers`, `filterPodsWithPDBViolation`).
//!
//! When no node fits a pod, [`preempt`] looks for nodes where removing pods of lower priority
//! would let it fit:
//!
//! 1. the pod must be eligible: `preemptionPolicy: Never` is not, nor is a pod whose nominated
//!    node still holds a lower-priority pod terminating because of an earlier preemption;
//! 2. the potential nodes are those that failed Filter with `Unschedulable` (not
//!    `UnschedulableAndUnresolvable`); starting at a random offset (drawn from the scheduler's
//!    stream), each is dry-run: every lower-priority pod is removed, the pod must then fit, and
//!    victims are reprieved one by one, most important first — budget-violating ones before the
//!    others — as long as the pod still fits. The dry run stops once
//!    `max(10 % of the potential nodes, 100)` candidates are known and one of them violates no
//!    PodDisruptionBudget;
//! 3. the best candidate has the fewest budget violations, then the lowest highest victim
//!    priority, the lowest sum of priorities, the fewest victims, the latest start of its most
//!    important victims, then comes first in dry-run order (upstream: map order, i.e. random;
//!    here the order that began at the random offset).
//!
//! The chosen node and victims go back to the caller, which nominates the pod there and deletes
//! the victims gracefully. Dry runs work on copies of the node and of the cycle state, kept
//! consistent through the PreFilter extensions, exactly as upstream.

use std::cmp::Ordering;

use crate::model::pod::PreemptionPolicy;
use crate::scheduler::framework::{
    Code, CycleState, Diagnosis, FitError, NodeInfo, NodeToStatus, PdbView, PodInfo,
    PostFilterContext, PostFilterResult, RemovedPod, Status,
};

/// Reason of a node without lower-priority pods.
pub const NO_VICTIMS: &str = "No preemption victims found for incoming pod";

/// Reason of a node where preemption cannot help (its filters failed for good).
pub const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";

/// Message of a pod with `preemptionPolicy: Never`.
pub const NOT_ELIGIBLE_POLICY: &str = "not eligible due to preemptionPolicy=Never.";

/// Message of a pod still waiting for the victims of its previous preemption.
pub const NOT_ELIGIBLE_TERMINATING: &str =
    "not eligible due to a terminating pod on the nominated node.";

/// `DefaultPreemptionArgs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DefaultPreemptionArgs {
    /// `minCandidateNodesPercentage` (default 10).
    pub min_candidate_nodes_percentage: i64,
    /// `minCandidateNodesAbsolute` (default 100).
    pub min_candidate_nodes_absolute: i64,
}

impl Default for DefaultPreemptionArgs {
    fn default() -> Self {
        DefaultPreemptionArgs {
            min_candidate_nodes_percentage: 10,
            min_candidate_nodes_absolute: 100,
        }
    }
}

impl DefaultPreemptionArgs {
    /// `ValidateDefaultPreemptionArgs`: the percentage in [0, 100], the absolute number ≥ 0,
    /// not both zero. The message is the upstream one.
    pub fn validate(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        let (p, a) = (
            self.min_candidate_nodes_percentage,
            self.min_candidate_nodes_absolute,
        );
        if !(0..=100).contains(&p) {
            errors.push(format!(
                "minCandidateNodesPercentage: Invalid value: {p}: not in valid range [0, 100]"
            ));
        }
        if a < 0 {
            errors.push(format!(
                "minCandidateNodesAbsolute: Invalid value: {a}: not in valid range [0, inf)"
            ));
        }
        if p == 0 && a == 0 {
            errors.push(
                "minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute"
                    .to_string(),
            );
            errors.push(
                "minCandidateNodesAbsolute: Invalid value: 0: cannot be zero at the same time as minCandidateNodesPercentage"
                    .to_string(),
            );
        }
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(format!("[{}]", errors.join(", "))),
        }
    }

    /// `calculateNumCandidates`: `nodes × percentage / 100`, at least the absolute minimum, at
    /// most `nodes`.
    pub fn num_candidates(&self, nodes: usize) -> usize {
        let n = i64::try_from(nodes).unwrap_or(i64::MAX);
        let wanted = (n.saturating_mul(self.min_candidate_nodes_percentage) / 100)
            .max(self.min_candidate_nodes_absolute)
            .min(n);
        usize::try_from(wanted).unwrap_or(0)
    }
}

/// A node where preemption would let the pod fit, with the pods to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Index of the node in the snapshot.
    pub node_index: usize,
    /// The victims, most important first.
    pub victims: Vec<Victim>,
    /// How many victims violate a PodDisruptionBudget.
    pub num_pdb_violations: usize,
}

/// A pod preemption would remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Victim {
    /// The pod's uid.
    pub uid: u64,
    /// Its priority.
    pub priority: i64,
    /// Its start time (`u64::MAX` when unknown: upstream uses "now").
    pub start_ns: u64,
}

/// A potential victim taken off the trial node.
type Removed = (Victim, RemovedPod);

/// `util.MoreImportantPod`: higher priority first, then the one that started earlier.
fn more_important(a: &Victim, b: &Victim) -> Ordering {
    b.priority
        .cmp(&a.priority)
        .then_with(|| a.start_ns.cmp(&b.start_ns))
}

/// `Evaluator.Preempt` followed by DefaultPreemption's `preemption: ` prefix.
pub fn preempt(
    ctx: &mut PostFilterContext<'_>,
    args: &DefaultPreemptionArgs,
    state: &CycleState,
    pod: &PodInfo<'_>,
    nodes: &[NodeInfo],
    statuses: &NodeToStatus,
) -> (Option<PostFilterResult>, Status) {
    let prefixed = |status: Status| {
        let message = status.message();
        if message.is_empty() {
            status
        } else {
            Status::new(status.code, format!("preemption: {message}"))
        }
    };
    // 1) Eligibility.
    if let Err(message) = eligible(ctx, pod, nodes, statuses) {
        return (None, prefixed(Status::unschedulable(message)));
    }
    // 2) Candidates.
    let potential = nodes_with_code(statuses, nodes.len(), Code::Unschedulable);
    let (candidates, dry_run_statuses) = if potential.is_empty() {
        (Vec::new(), NodeToStatus::default())
    } else {
        let pdbs = ctx.lister.pod_disruption_budgets();
        let offset = ctx.rng.below(potential.len() as u64) as usize;
        let wanted = args.num_candidates(potential.len());
        dry_run_preemption(ctx, state, pod, nodes, &potential, &pdbs, offset, wanted)
    };
    if candidates.is_empty() {
        let mut node_to_status = dry_run_statuses;
        node_to_status.absent = Status::unresolvable(NOT_HELPFUL);
        let error = FitError {
            num_all_nodes: nodes.len(),
            diagnosis: Diagnosis {
                node_to_status,
                ..Diagnosis::default()
            },
        };
        return (
            Some(PostFilterResult::default()),
            prefixed(Status::unschedulable(error.to_string())),
        );
    }
    // 4) The best candidate.
    let Some(best) = select_candidate(&candidates) else {
        return (
            None,
            prefixed(Status::unschedulable("no candidate node for preemption")),
        );
    };
    (
        Some(PostFilterResult {
            nominated_node_index: Some(best.node_index),
            victims: best.victims.iter().map(|v| v.uid).collect(),
        }),
        Status::success(),
    )
}

/// `NodeToStatus.NodesForStatusCode`: the nodes (in snapshot order) whose status has `code`,
/// the absent ones included when the absent status has it. Linear in the number of nodes.
fn nodes_with_code(statuses: &NodeToStatus, num_nodes: usize, code: Code) -> Vec<usize> {
    let absent = statuses.absent.code == code;
    let mut explicit: Vec<Option<Code>> = vec![None; num_nodes];
    for (i, status) in &statuses.explicit {
        if let Some(slot) = explicit.get_mut(*i) {
            *slot = Some(status.code);
        }
    }
    explicit
        .iter()
        .enumerate()
        .filter(|(_, c)| c.map_or(absent, |c| c == code))
        .map(|(i, _)| i)
        .collect()
}

/// `PodEligibleToPreemptOthers`.
fn eligible(
    ctx: &PostFilterContext<'_>,
    pod: &PodInfo<'_>,
    nodes: &[NodeInfo],
    statuses: &NodeToStatus,
) -> Result<(), &'static str> {
    if pod.spec.preemption_policy == Some(PreemptionPolicy::Never) {
        return Err(NOT_ELIGIBLE_POLICY);
    }
    if let Some(nominated) = ctx.nominated_node.filter(|&i| i < nodes.len()) {
        if statuses.get(nominated).code == Code::UnschedulableAndUnresolvable {
            return Ok(());
        }
        let blocked = nodes[nominated].pods.iter().any(|p| {
            p.priority < pod.spec.priority
                && p.terminating
                && ctx.lister.terminating_by_preemption(p.uid)
        });
        if blocked {
            return Err(NOT_ELIGIBLE_TERMINATING);
        }
    }
    Ok(())
}

/// `DryRunPreemption`, sequential from `offset`: the candidates (budget-respecting ones first)
/// and the statuses of the nodes that cannot be candidates.
#[allow(clippy::too_many_arguments)]
fn dry_run_preemption(
    ctx: &PostFilterContext<'_>,
    state: &CycleState,
    pod: &PodInfo<'_>,
    nodes: &[NodeInfo],
    potential: &[usize],
    pdbs: &[PdbView],
    offset: usize,
    wanted: usize,
) -> (Vec<Candidate>, NodeToStatus) {
    let mut non_violating: Vec<Candidate> = Vec::new();
    let mut violating: Vec<Candidate> = Vec::new();
    let mut statuses = NodeToStatus::default();
    for i in 0..potential.len() {
        let node_index = potential[(offset + i) % potential.len()];
        match select_victims_on_node(ctx, state, pod, nodes, node_index, pdbs) {
            Ok(candidate) if candidate.victims.is_empty() => {
                let name = nodes[node_index].name();
                statuses.explicit.push((
                    node_index,
                    Status::error(format!("expected at least one victim pod on node {name:?}")),
                ));
            }
            Ok(candidate) => {
                let list = if candidate.num_pdb_violations == 0 {
                    &mut non_violating
                } else {
                    &mut violating
                };
                if list.len() < wanted {
                    list.push(candidate);
                }
                if !non_violating.is_empty() && non_violating.len() + violating.len() >= wanted {
                    break;
                }
            }
            Err(status) => statuses.explicit.push((node_index, status)),
        }
    }
    non_violating.extend(violating);
    (non_violating, statuses)
}

/// `SelectVictimsOnNode`: the fewest lower-priority pods whose removal lets the pod fit on
/// `nodes[node_index]`, or the status saying why no removal helps.
pub fn select_victims_on_node(
    ctx: &PostFilterContext<'_>,
    state: &CycleState,
    pod: &PodInfo<'_>,
    nodes: &[NodeInfo],
    node_index: usize,
    pdbs: &[PdbView],
) -> Result<Candidate, Status> {
    let fw = ctx.framework;
    let uids: Vec<u64> = nodes[node_index]
        .pods
        .iter()
        .filter(|p| p.priority < pod.spec.priority)
        .map(|p| p.uid)
        .collect();
    // Nothing to remove: the node cannot change (checked before copying anything).
    if uids.is_empty() {
        return Err(Status::unresolvable(NO_VICTIMS));
    }
    let mut node = nodes[node_index].clone();
    let mut state = state.clone();
    let nominated = ctx.nominated.for_node(node_index);
    let mut removed: Vec<Removed> = Vec::with_capacity(uids.len());
    for uid in uids {
        let Some(taken) = node.take_pod(uid) else {
            continue;
        };
        let status = fw.run_pre_filter_extension(false, &mut state, pod, &taken.entry, &node);
        if !status.is_success() {
            return Err(status);
        }
        let victim = Victim {
            uid,
            priority: taken.entry.priority,
            start_ns: ctx.lister.pod_start_time_ns(uid).unwrap_or(u64::MAX),
        };
        removed.push((victim, taken));
    }
    let active = fw.active_filter_plugins(&state);
    let status = fw.run_filter_plugins_with_nominated_pods(&active, &state, pod, &node, nominated);
    if !status.is_success() {
        return Err(status);
    }
    removed.sort_by(|a, b| more_important(&a.0, &b.0));
    let (violating, non_violating) = split_by_pdb_violation(removed, pdbs);
    let mixed = !violating.is_empty() && !non_violating.is_empty();
    let mut victims = Vec::new();
    let mut num_pdb_violations = 0;
    for (is_violating, list) in [(true, violating), (false, non_violating)] {
        for (victim, taken) in list {
            let entry = taken.entry.clone();
            node.restore_pod(taken);
            let status = fw.run_pre_filter_extension(true, &mut state, pod, &entry, &node);
            if !status.is_success() {
                return Err(status);
            }
            let fits = fw
                .run_filter_plugins_with_nominated_pods(&active, &state, pod, &node, nominated)
                .is_success();
            if !fits {
                if let Some(again) = node.take_pod(victim.uid) {
                    let status =
                        fw.run_pre_filter_extension(false, &mut state, pod, &again.entry, &node);
                    if !status.is_success() {
                        return Err(status);
                    }
                }
                victims.push(victim);
                if is_violating {
                    num_pdb_violations += 1;
                }
            }
        }
    }
    if mixed {
        victims.sort_by(more_important);
    }
    Ok(Candidate {
        node_index,
        victims,
        num_pdb_violations,
    })
}

/// `filterPodsWithPDBViolation`: splits the (sorted) pods, keeping their order, into those
/// whose removal would take some budget below zero and the others. Each matching budget's
/// allowance is consumed pod by pod.
fn split_by_pdb_violation(pods: Vec<Removed>, pdbs: &[PdbView]) -> (Vec<Removed>, Vec<Removed>) {
    let mut allowed: Vec<i64> = pdbs.iter().map(|p| p.disruptions_allowed).collect();
    let mut violating = Vec::new();
    let mut non_violating = Vec::new();
    for (victim, taken) in pods {
        let mut violated = false;
        if !taken.entry.labels.is_empty() {
            for (i, pdb) in pdbs.iter().enumerate() {
                if pdb.namespace != taken.entry.namespace
                    || pdb.selector.is_empty()
                    || !pdb.selector.matches(&taken.entry.labels)
                {
                    continue;
                }
                allowed[i] -= 1;
                if allowed[i] < 0 {
                    violated = true;
                }
            }
        }
        if violated {
            violating.push((victim, taken));
        } else {
            non_violating.push((victim, taken));
        }
    }
    (violating, non_violating)
}

/// `SelectCandidate` / `pickOneNodeForPreemption`: each criterion keeps the best-scoring
/// candidates; the first survivor wins (`None` without candidates).
pub fn select_candidate(candidates: &[Candidate]) -> Option<&Candidate> {
    type Score = fn(&Candidate) -> i64;
    let criteria: [Score; 5] = [
        // Fewest PodDisruptionBudget violations.
        |c| -(c.num_pdb_violations as i64),
        // Lowest highest victim priority.
        |c| c.victims.first().map_or(0, |v| -v.priority),
        // Lowest sum of priorities (each shifted by MaxInt32 + 1 to be positive).
        |c| {
            -c.victims
                .iter()
                .map(|v| v.priority.saturating_add(i64::from(i32::MAX) + 1))
                .fold(0_i64, i64::saturating_add)
        },
        // Fewest victims.
        |c| -(c.victims.len() as i64),
        // Latest start among the highest-priority victims.
        |c| {
            let Some(top) = c.victims.first() else {
                return i64::MIN;
            };
            c.victims
                .iter()
                .filter(|v| v.priority == top.priority)
                .map(|v| i64::try_from(v.start_ns).unwrap_or(i64::MAX))
                .min()
                .unwrap_or(i64::MIN)
        },
    ];
    let mut survivors: Vec<&Candidate> = candidates.iter().collect();
    for score in criteria {
        if survivors.len() <= 1 {
            break;
        }
        let best = survivors.iter().map(|c| score(c)).max().unwrap_or(i64::MIN);
        survivors.retain(|c| score(c) == best);
    }
    survivors.first().copied()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::node::TaintEffect;
    use crate::model::pod::{PodAffinityTerm, PodSpec};
    use crate::model::selector::SelectorOp;
    use crate::scheduler::framework::{ClusterLister, NominatedPods, PodInfo};
    use crate::scheduler::schedule_one::{ScheduleOutcome, Scheduler, SchedulingEnv};
    use crate::scheduler::testing::{NO_LABELS, NodeBuilder, PodBuilder, labels, req};
    use crate::sim::rng::{RngStreams, SimRng};

    const GIB: i64 = 1 << 30;

    fn rng() -> SimRng {
        RngStreams::new(7).stream("scheduler")
    }

    /// Start times and budgets for the tests.
    #[derive(Default)]
    struct Lister {
        start_ns: BTreeMap<u64, u64>,
        preempted: Vec<u64>,
        pdbs: Vec<PdbView>,
    }

    impl ClusterLister for Lister {
        fn pod_start_time_ns(&self, uid: u64) -> Option<u64> {
            self.start_ns.get(&uid).copied()
        }
        fn terminating_by_preemption(&self, uid: u64) -> bool {
            self.preempted.contains(&uid)
        }
        fn pod_disruption_budgets(&self) -> Vec<PdbView> {
            self.pdbs.clone()
        }
    }

    /// One pod bound to a node: uid, priority, CPU request, labels.
    struct Bound {
        uid: u64,
        spec: PodSpec,
        labels: BTreeMap<String, String>,
    }

    fn bound(uid: u64, priority: i64, cpu_millis: i64, app: &str) -> Bound {
        Bound {
            uid,
            spec: PodBuilder::new()
                .req(cpu_millis, GIB / 4)
                .priority(priority)
                .build(),
            labels: labels(&[("app", app)]),
        }
    }

    fn node(name: &str, cpu_millis: i64, pods: &[Bound]) -> NodeInfo {
        let mut info = NodeBuilder::new(name).alloc(cpu_millis, 16 * GIB).info();
        for b in pods {
            info.add_pod(&PodInfo::new("default", "x", &b.labels, &b.spec, b.uid));
        }
        info
    }

    fn run(
        spec: &PodSpec,
        nodes: &[NodeInfo],
        lister: &Lister,
        nominated_node: Option<usize>,
    ) -> ScheduleOutcome {
        let mut scheduler = Scheduler::with_default_profile();
        let env = SchedulingEnv {
            nominated: NominatedPods::default(),
            lister,
            nominated_node,
        };
        let pod = PodInfo::new("default", "preemptor", &NO_LABELS, spec, 1000);
        scheduler.schedule_with(&pod, nodes, &env, &mut rng())
    }

    fn nomination(outcome: &ScheduleOutcome) -> (Option<usize>, Vec<u64>) {
        match outcome {
            ScheduleOutcome::Unschedulable {
                nomination: Some(r),
                ..
            } => (r.nominated_node_index, r.victims.clone()),
            other => panic!("expected a nomination, got {other:?}"),
        }
    }

    fn message(outcome: &ScheduleOutcome) -> &str {
        match outcome {
            ScheduleOutcome::Unschedulable { message, .. } => message,
            other => panic!("expected Unschedulable, got {other:?}"),
        }
    }

    #[test]
    fn args_validation_table() {
        let rows = [
            (10, 100, None),
            (0, 1, None),
            (100, 0, None),
            (
                101,
                100,
                Some(
                    "minCandidateNodesPercentage: Invalid value: 101: not in valid range [0, 100]",
                ),
            ),
            (
                10,
                -1,
                Some("minCandidateNodesAbsolute: Invalid value: -1: not in valid range [0, inf)"),
            ),
            (
                0,
                0,
                Some(
                    "[minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute, minCandidateNodesAbsolute: Invalid value: 0: cannot be zero at the same time as minCandidateNodesPercentage]",
                ),
            ),
        ];
        for (p, a, want) in rows {
            let args = DefaultPreemptionArgs {
                min_candidate_nodes_percentage: p,
                min_candidate_nodes_absolute: a,
            };
            assert_eq!(args.validate().err().as_deref(), want, "{p} {a}");
        }
    }

    #[test]
    fn num_candidates_follows_the_percentage_and_the_floor() {
        let args = DefaultPreemptionArgs::default();
        for (nodes, want) in [
            (0, 0),
            (10, 10),
            (100, 100),
            (1000, 100),
            (2000, 200),
            (5000, 500),
        ] {
            assert_eq!(args.num_candidates(nodes), want, "{nodes} nodes");
        }
    }

    fn candidate(index: usize, violations: usize, victims: &[(i64, u64)]) -> Candidate {
        Candidate {
            node_index: index,
            victims: victims
                .iter()
                .map(|&(priority, start_ns)| Victim {
                    uid: 0,
                    priority,
                    start_ns,
                })
                .collect(),
            num_pdb_violations: violations,
        }
    }

    /// `TestPickOneNodeForPreemption`-style rows: each criterion decides when the earlier ones tie.
    #[test]
    fn pick_one_node_criteria_in_order() {
        let rows: Vec<(&str, Vec<Candidate>, usize)> = vec![
            (
                "fewest PDB violations",
                vec![
                    candidate(0, 1, &[(1, 0)]),
                    candidate(1, 0, &[(5, 0), (5, 0)]),
                ],
                1,
            ),
            (
                "lowest highest priority",
                vec![
                    candidate(0, 0, &[(10, 0)]),
                    candidate(1, 0, &[(5, 0), (5, 0)]),
                ],
                1,
            ),
            (
                "lowest sum of priorities",
                vec![
                    candidate(0, 0, &[(10, 0), (10, 0)]),
                    candidate(1, 0, &[(10, 0), (-5, 0)]),
                ],
                1,
            ),
            (
                "negative priorities do not favour more victims",
                vec![
                    candidate(0, 0, &[(-10, 0), (-10, 0)]),
                    candidate(1, 0, &[(-10, 0)]),
                ],
                1,
            ),
            (
                "fewest victims",
                vec![
                    candidate(0, 0, &[(10, 0), (0, 0), (0, 0)]),
                    candidate(1, 0, &[(10, 0), (0, 0), (0, 0)]),
                    candidate(2, 0, &[(10, 0), (0, 0), (0, 0)]),
                ],
                0,
            ),
            (
                "latest start of the highest-priority victims",
                vec![
                    candidate(0, 0, &[(10, 100), (10, 300)]),
                    candidate(1, 0, &[(10, 200), (10, 250)]),
                ],
                1,
            ),
            (
                "ties: first in dry-run order",
                vec![candidate(3, 0, &[(1, 5)]), candidate(1, 0, &[(1, 5)])],
                3,
            ),
        ];
        for (name, candidates, want) in rows {
            let picked = select_candidate(&candidates).expect("candidates");
            assert_eq!(picked.node_index, want, "{name}");
        }
        assert!(select_candidate(&[]).is_none());
    }

    /// The lowest-priority, most recently started pod goes first; no more pods than needed.
    #[test]
    fn minimal_victims_least_important_first() {
        let nodes = [node(
            "n1",
            3000,
            &[
                bound(1, 10, 1000, "a"),
                bound(2, 20, 1000, "b"),
                bound(3, 10, 1000, "c"),
            ],
        )];
        let lister = Lister {
            start_ns: [(1, 100), (2, 50), (3, 200)].into_iter().collect(),
            ..Lister::default()
        };
        let spec = PodBuilder::new().req(1000, GIB / 4).priority(100).build();
        let outcome = run(&spec, &nodes, &lister, None);
        assert_eq!(nomination(&outcome), (Some(0), vec![3]));
        assert_eq!(
            message(&outcome),
            "0/1 nodes are available: 1 Insufficient cpu."
        );

        // Two pods' room: both priority-10 pods, most important (earliest) first.
        let spec = PodBuilder::new().req(2000, GIB / 4).priority(100).build();
        assert_eq!(
            nomination(&run(&spec, &nodes, &lister, None)),
            (Some(0), vec![1, 3])
        );
    }

    /// Victims whose budget is exhausted are reprieved first, and nodes without violations win.
    #[test]
    fn pod_disruption_budgets_steer_victims_and_nodes() {
        let pdb = |app: &str, allowed: i64| PdbView {
            namespace: "default".into(),
            selector: crate::model::LabelSelector {
                requirements: vec![req("app", SelectorOp::In, &[app])],
            },
            disruptions_allowed: allowed,
        };
        let nodes = [node(
            "n1",
            2000,
            &[bound(1, 0, 1000, "db"), bound(2, 0, 1000, "web")],
        )];
        let spec = PodBuilder::new().req(1000, GIB / 4).priority(100).build();
        let lister = Lister {
            pdbs: vec![pdb("db", 0)],
            ..Lister::default()
        };
        assert_eq!(
            nomination(&run(&spec, &nodes, &lister, None)),
            (Some(0), vec![2])
        );

        // Every way violates on n1; n2's victim is covered by a budget with room.
        let nodes = [
            node("n1", 1000, &[bound(1, 0, 1000, "db")]),
            node("n2", 1000, &[bound(2, 0, 1000, "web")]),
        ];
        let lister = Lister {
            pdbs: vec![pdb("db", 0), pdb("web", 1)],
            ..Lister::default()
        };
        for _ in 0..4 {
            assert_eq!(
                nomination(&run(&spec, &nodes, &lister, None)),
                (Some(1), vec![2])
            );
        }
    }

    #[test]
    fn messages_when_preemption_cannot_help() {
        let nodes = [
            node("n1", 1000, &[bound(1, 500, 1000, "a")]),
            NodeBuilder::new("n2")
                .alloc(4000, 16 * GIB)
                .taint("dedicated", "db", TaintEffect::NoSchedule)
                .info(),
        ];
        let lister = Lister::default();
        let spec = PodBuilder::new().req(1000, GIB / 4).priority(100).build();
        let outcome = run(&spec, &nodes, &lister, None);
        assert_eq!(
            message(&outcome),
            "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: db}. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."
        );
        assert_eq!(
            nomination(&outcome),
            (None, vec![]),
            "the nomination is cleared"
        );

        let mut never = PodBuilder::new().req(1000, GIB / 4).priority(1000).build();
        never.preemption_policy = Some(PreemptionPolicy::Never);
        let outcome = run(&never, &nodes, &lister, None);
        assert_eq!(
            message(&outcome),
            "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: db}. preemption: not eligible due to preemptionPolicy=Never."
        );
        assert!(matches!(
            outcome,
            ScheduleOutcome::Unschedulable {
                nomination: None,
                ..
            }
        ));
    }

    /// While the victims of its last preemption terminate, the pod does not preempt again.
    #[test]
    fn terminating_victim_on_the_nominated_node_blocks_a_new_preemption() {
        let mut n1 = node("n1", 1000, &[bound(1, 0, 1000, "a")]);
        n1.set_terminating(1);
        let nodes = [n1];
        let lister = Lister {
            preempted: vec![1],
            ..Lister::default()
        };
        let spec = PodBuilder::new().req(1000, GIB / 4).priority(100).build();
        let outcome = run(&spec, &nodes, &lister, Some(0));
        assert_eq!(
            message(&outcome),
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node."
        );
        // Without the nomination the pod may preempt (the terminating pod is a victim again).
        let outcome = run(&spec, &nodes, &lister, None);
        assert_eq!(nomination(&outcome), (Some(0), vec![1]));
    }

    /// A nominated pod holds its room against pods of lower or equal priority only.
    #[test]
    fn nominated_pods_hold_room_for_equal_or_lower_priority() {
        let nodes = [node("n1", 2000, &[])];
        let waiting = PodBuilder::new().req(1500, GIB / 4).priority(100).build();
        let lister = Lister::default();
        let try_with = |priority: i64| {
            let mut nominated = NominatedPods::default();
            nominated.add(0, PodInfo::new("default", "w", &NO_LABELS, &waiting, 77));
            let env = SchedulingEnv {
                nominated,
                lister: &lister,
                nominated_node: None,
            };
            let spec = PodBuilder::new()
                .req(1000, GIB / 4)
                .priority(priority)
                .build();
            let pod = PodInfo::new("default", "q", &NO_LABELS, &spec, 5);
            Scheduler::with_default_profile().schedule_with(&pod, &nodes, &env, &mut rng())
        };
        assert!(matches!(
            try_with(100),
            ScheduleOutcome::Unschedulable { .. }
        ));
        assert!(matches!(try_with(0), ScheduleOutcome::Unschedulable { .. }));
        assert!(matches!(try_with(101), ScheduleOutcome::Scheduled { .. }));
    }

    /// The nominated node is tried first, even when another node scores higher.
    #[test]
    fn nominated_node_first() {
        let nodes = [
            node("n1", 8000, &[]),
            node("n2", 2000, &[bound(1, 0, 1000, "a")]),
        ];
        let spec = PodBuilder::new().req(500, GIB / 4).build();
        let lister = Lister::default();
        let outcome = run(&spec, &nodes, &lister, Some(1));
        assert!(matches!(
            outcome,
            ScheduleOutcome::Scheduled { node_index: 1, .. }
        ));
        let outcome = run(&spec, &nodes, &lister, None);
        assert!(matches!(
            outcome,
            ScheduleOutcome::Scheduled { node_index: 0, .. }
        ));
    }

    /// Removing a victim updates InterPodAffinity's PreFilter state: a pod with required
    /// anti-affinity to a lower-priority pod preempts it.
    #[test]
    fn anti_affinity_to_a_victim_is_resolved_by_preempting_it() {
        let nodes = [node(
            "n1",
            4000,
            &[bound(1, 0, 100, "noisy"), bound(2, 0, 100, "calm")],
        )];
        let mut spec = PodBuilder::new().req(100, GIB / 4).priority(100).build();
        spec.pod_anti_affinity.required.push(PodAffinityTerm {
            label_selector: Some(crate::model::LabelSelector {
                requirements: vec![req("app", SelectorOp::In, &["noisy"])],
            }),
            namespaces: Vec::new(),
            namespace_selector: None,
            topology_key: "kubernetes.io/hostname".into(),
            match_label_keys: Vec::new(),
            mismatch_label_keys: Vec::new(),
        });
        let outcome = run(&spec, &nodes, &Lister::default(), None);
        assert_eq!(nomination(&outcome), (Some(0), vec![1]));
    }
}
