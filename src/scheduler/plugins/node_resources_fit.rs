//! NodeResourcesFit (`noderesources/fit.go`), SPEC §7.3 (filter) and §7.5–7.6 (score).
//!
//! * PreFilter stores the pod's effective request ([`PodSpec::effective_requests`]: max(Σ
//!   containers, max init container), **no** non-zero defaults).
//! * Filter: `Too many pods` when pod count + 1 > allocatable pods; a pod requesting nothing
//!   fits otherwise; each requested resource must satisfy `request ≤ allocatable − requested`
//!   (`Insufficient cpu`, `Insufficient memory`, `Insufficient ephemeral-storage`,
//!   `Insufficient <scalar>`). All failing resources are reported. The status is
//!   `UnschedulableAndUnresolvable` when some request exceeds the node's whole allocatable (no
//!   preemption can help), else `Unschedulable`.
//! * Score (weight 1 in the default profile): LeastAllocated (default), MostAllocated or
//!   RequestedToCapacityRatio (a broken-linear function of the utilization, see
//!   [`requested_to_capacity_ratio`](super::requested_to_capacity_ratio)) over the configured
//!   resources, non-zero requests; no NormalizeScore.
//!
//! [`PodSpec::effective_requests`]: crate::model::pod::PodSpec::effective_requests

use crate::model::resources::ResourceList;
use crate::scheduler::framework::Code;
use crate::scheduler::framework::{
    CycleState, FilterPlugin, NodeInfo, Plugin, PodInfo, PreFilterPlugin, PreFilterResult,
    PreScorePlugin, Reason, ScorePlugin, Status,
};
use crate::scheduler::plugins::requested_to_capacity_ratio::{ShapeScorer, UtilizationShapePoint};
use crate::scheduler::plugins::resource_allocation::{
    ResourceAllocationScorer, ResourceSpec, Scorer, default_resources,
};
use crate::scheduler::profile::ConfigError;

/// Registry name.
pub const NAME: &str = "NodeResourcesFit";

/// Cycle-state key of the pod's effective request.
const PRE_FILTER_STATE_KEY: &str = "PreFilterNodeResourcesFit";

/// Cycle-state key of the pod's per-resource scoring requests.
const PRE_SCORE_STATE_KEY: &str = "PreScoreNodeResourcesFit";

/// Scoring strategy of NodeResourcesFit (`config.ScoringStrategyType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ScoringStrategyType {
    /// Prefer the emptiest nodes (spreading). Default.
    #[default]
    LeastAllocated,
    /// Prefer the fullest nodes (bin packing).
    MostAllocated,
    /// A user-given function of the utilization ([`ScoringStrategy::shape`]).
    RequestedToCapacityRatio,
}

/// `config.ScoringStrategy`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScoringStrategy {
    /// Which scorer.
    pub kind: ScoringStrategyType,
    /// Resources and weights (default `cpu` 1, `memory` 1).
    pub resources: Vec<ResourceSpec>,
    /// `requestedToCapacityRatio.shape` (RequestedToCapacityRatio only; required there).
    pub shape: Vec<UtilizationShapePoint>,
}

impl Default for ScoringStrategy {
    fn default() -> Self {
        ScoringStrategy {
            kind: ScoringStrategyType::LeastAllocated,
            resources: default_resources(),
            shape: Vec::new(),
        }
    }
}

/// Field path of the shape in `NodeResourcesFitArgs`, for validation errors.
pub const SHAPE_PATH: &str = "scoringStrategy.requestedToCapacityRatio.shape";

/// `config.NodeResourcesFitArgs`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NodeResourcesFitArgs {
    /// The scoring strategy.
    pub scoring_strategy: ScoringStrategy,
    /// Extended resources the filter ignores, by full name.
    pub ignored_resources: Vec<String>,
    /// Extended resource groups (the part before `/`) the filter ignores.
    pub ignored_resource_groups: Vec<String>,
}

/// The NodeResourcesFit plugin (PreFilter, Filter, PreScore, Score).
#[derive(Debug, Clone)]
pub struct NodeResourcesFit {
    ignored_resources: Vec<String>,
    ignored_resource_groups: Vec<String>,
    scorer: ResourceAllocationScorer,
}

/// The pod's effective request, stored by PreFilter, with its extended resources that Filter
/// checks (non-zero, not ignored) listed once so the per-node check does no string work.
#[derive(Debug, Clone)]
struct PreFilterState(ResourceList, Vec<(String, i64)>);

/// The pod's request per scoring resource, stored by PreScore.
#[derive(Debug, Clone)]
struct PreScoreState(Vec<i64>);

/// One resource the node lacks for the pod (`InsufficientResource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsufficientResource {
    /// Upstream reason, e.g. `Insufficient cpu`.
    pub reason: Reason,
    /// True when the request exceeds the node's whole allocatable (preemption cannot help).
    pub unresolvable: bool,
}

/// Whether `name` is an extended resource (`v1helper.IsExtendedResourceName`): a qualified name
/// (with a `/`) that is not prefixed-native (`kubernetes.io/`) and not a quota `requests.` name.
fn is_extended_resource_name(name: &str) -> bool {
    name.contains('/') && !name.contains("kubernetes.io/") && !name.starts_with("requests.")
}

impl NodeResourcesFit {
    /// A plugin configured by `args`; fails on invalid resource weights (SPEC §7.5 rows 9–10,
    /// §7.6 rows 7–9).
    pub fn new(args: &NodeResourcesFitArgs) -> Result<Self, ConfigError> {
        let scorer = match args.scoring_strategy.kind {
            ScoringStrategyType::LeastAllocated => Scorer::LeastAllocated,
            ScoringStrategyType::MostAllocated => Scorer::MostAllocated,
            ScoringStrategyType::RequestedToCapacityRatio => Scorer::RequestedToCapacityRatio(
                ShapeScorer::new(NAME, &args.scoring_strategy.shape, SHAPE_PATH)?,
            ),
        };
        Ok(NodeResourcesFit {
            ignored_resources: args.ignored_resources.clone(),
            ignored_resource_groups: args.ignored_resource_groups.clone(),
            scorer: ResourceAllocationScorer::new(NAME, &args.scoring_strategy.resources, scorer)?,
        })
    }

    fn ignores(&self, name: &str) -> bool {
        if !is_extended_resource_name(name) {
            return false;
        }
        let group = name.split_once('/').map_or(name, |(group, _)| group);
        self.ignored_resources.iter().any(|r| r == name)
            || self.ignored_resource_groups.iter().any(|g| g == group)
    }

    /// The resources `node` lacks for a pod whose effective request is `request` (`fitsRequest`).
    /// Empty when the pod fits. Allocates only when something is missing.
    pub fn fits_request(
        &self,
        request: &ResourceList,
        node: &NodeInfo,
    ) -> Vec<InsufficientResource> {
        let scalars: Vec<(String, i64)> = request
            .scalars
            .iter()
            .filter(|(name, want)| **want != 0 && !self.ignores(name))
            .map(|(name, want)| (name.clone(), *want))
            .collect();
        fits_request_checked(request, &scalars, node)
    }
}

impl Default for NodeResourcesFit {
    fn default() -> Self {
        NodeResourcesFit {
            ignored_resources: Vec::new(),
            ignored_resource_groups: Vec::new(),
            scorer: ResourceAllocationScorer::new(
                NAME,
                &default_resources(),
                Scorer::LeastAllocated,
            )
            .unwrap_or_else(|_| unreachable!("default resources have valid weights")),
        }
    }
}

impl Plugin for NodeResourcesFit {
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

/// `fitsRequest` with the extended resources to check already chosen (`scalars`: non-zero,
/// not ignored, from `request`).
fn fits_request_checked(
    request: &ResourceList,
    scalars: &[(String, i64)],
    node: &NodeInfo,
) -> Vec<InsufficientResource> {
    let mut out = Vec::new();
    let alloc = &node.node.allocatable;
    let used = &node.requested;
    if node.pod_count + 1 > alloc.pods {
        out.push(InsufficientResource {
            reason: "Too many pods".into(),
            unresolvable: false,
        });
    }
    if request.cpu_millis == 0
        && request.memory_bytes == 0
        && request.ephemeral_storage_bytes == 0
        && request.scalars.is_empty()
    {
        return out;
    }
    let mut check = |want: i64, allocatable: i64, in_use: i64, reason: Reason| {
        if want > 0 && want > allocatable - in_use {
            out.push(InsufficientResource {
                reason,
                unresolvable: want > allocatable,
            });
        }
    };
    check(
        request.cpu_millis,
        alloc.cpu_millis,
        used.cpu_millis,
        "Insufficient cpu".into(),
    );
    check(
        request.memory_bytes,
        alloc.memory_bytes,
        used.memory_bytes,
        "Insufficient memory".into(),
    );
    check(
        request.ephemeral_storage_bytes,
        alloc.ephemeral_storage_bytes,
        used.ephemeral_storage_bytes,
        "Insufficient ephemeral-storage".into(),
    );
    for (name, want) in scalars {
        let want = *want;
        let allocatable = alloc.scalar(name);
        if want > allocatable - used.scalar(name) {
            out.push(InsufficientResource {
                reason: format!("Insufficient {name}").into(),
                unresolvable: want > allocatable,
            });
        }
    }
    out
}

impl PreFilterPlugin for NodeResourcesFit {
    fn pre_filter(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        _nodes: &[NodeInfo],
    ) -> (Option<PreFilterResult>, Status) {
        state.write(PRE_FILTER_STATE_KEY, {
            let request = pod.spec.effective_requests();
            let scalars = request
                .scalars
                .iter()
                .filter(|(name, want)| **want != 0 && !self.ignores(name))
                .map(|(name, want)| (name.clone(), *want))
                .collect();
            PreFilterState(request, scalars)
        });
        (None, Status::success())
    }
}

impl FilterPlugin for NodeResourcesFit {
    fn filter(&self, state: &CycleState, _pod: &PodInfo<'_>, node: &NodeInfo) -> Status {
        let Some(PreFilterState(request, scalars)) =
            state.read::<PreFilterState>(PRE_FILTER_STATE_KEY)
        else {
            return Status::error(format!(
                "error reading {PRE_FILTER_STATE_KEY:?} from cycleState: not found"
            ));
        };
        let insufficient = fits_request_checked(request, scalars, node);
        if insufficient.is_empty() {
            return Status::success();
        }
        let code = if insufficient.iter().any(|r| r.unresolvable) {
            Code::UnschedulableAndUnresolvable
        } else {
            Code::Unschedulable
        };
        Status::with_reasons(code, insufficient.into_iter().map(|r| r.reason).collect())
    }
}

impl PreScorePlugin for NodeResourcesFit {
    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        _nodes: &[&NodeInfo],
        _all_nodes: &[NodeInfo],
    ) -> Status {
        state.write(
            PRE_SCORE_STATE_KEY,
            PreScoreState(self.scorer.pod_requests(pod.spec)),
        );
        Status::success()
    }
}

impl ScorePlugin for NodeResourcesFit {
    fn score(&self, state: &CycleState, pod: &PodInfo<'_>, node: &NodeInfo) -> Result<i64, Status> {
        match state.read::<PreScoreState>(PRE_SCORE_STATE_KEY) {
            Some(PreScoreState(requests)) => self.scorer.score(node, requests),
            None => self.scorer.score(node, &self.scorer.pod_requests(pod.spec)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pod::PodSpec;
    use crate::scheduler::testing::{NodeBuilder, PodBuilder, pod};

    const EXT_A: &str = "example.com/aaa";
    const EXT_B: &str = "example.com/bbb";

    /// SPEC §7.3 `TestEnoughRequests`: node allocatable 10 mCPU, 20 memory, ext-A 5, 32 pods.
    #[test]
    fn spec_7_3_enough_requests() {
        use Code::*;
        let node_with = |used_cpu: i64, used_mem: i64, used_a: i64| {
            let mut used = PodBuilder::new().req(used_cpu, used_mem);
            if used_a > 0 {
                used = used.with_scalar(EXT_A, used_a);
            }
            NodeBuilder::new("n")
                .alloc(10, 20)
                .scalar(EXT_A, 5)
                .pods(32)
                .with_pods(&[&used.build()])
        };
        let p = PodBuilder::new;
        let rows: Vec<(PodSpec, NodeInfo, Code, Vec<&str>)> = vec![
            (p().build(), node_with(10, 20, 0), Success, vec![]),
            (
                p().req(1, 1).build(),
                node_with(10, 20, 0),
                Unschedulable,
                vec!["Insufficient cpu", "Insufficient memory"],
            ),
            (
                p().req(1, 1).init(3, 1).build(),
                node_with(8, 19, 0),
                Unschedulable,
                vec!["Insufficient cpu"],
            ),
            (
                p().req(1, 1).init(3, 1).init(2, 1).build(),
                node_with(8, 19, 0),
                Unschedulable,
                vec!["Insufficient cpu"],
            ),
            (
                p().req(1, 1).init(1, 3).build(),
                node_with(9, 19, 0),
                Unschedulable,
                vec!["Insufficient memory"],
            ),
            (
                p().req(1, 1).init(1, 1).build(),
                node_with(9, 19, 0),
                Success,
                vec![],
            ),
            (
                p().req(1, 1).init(1, 1).init(1, 1).build(),
                node_with(9, 19, 0),
                Success,
                vec![],
            ),
            (p().req(1, 1).build(), node_with(5, 5, 0), Success, vec![]),
            (
                p().req(2, 1).build(),
                node_with(9, 5, 0),
                Unschedulable,
                vec!["Insufficient cpu"],
            ),
            (p().req(5, 1).build(), node_with(5, 19, 0), Success, vec![]),
            (
                p().req(1, 1).with_scalar(EXT_A, 10).build(),
                node_with(0, 0, 0),
                UnschedulableAndUnresolvable,
                vec!["Insufficient example.com/aaa"],
            ),
            (
                p().scalar(EXT_A, 3).scalar(EXT_A, 3).build(),
                node_with(0, 0, 2),
                UnschedulableAndUnresolvable,
                vec!["Insufficient example.com/aaa"],
            ),
            (
                p().req(1, 1).with_scalar(EXT_B, 1).build(),
                node_with(0, 0, 0),
                UnschedulableAndUnresolvable,
                vec!["Insufficient example.com/bbb"],
            ),
        ];
        let plugin = NodeResourcesFit::default();
        for (row, (spec, node, code, reasons)) in rows.iter().enumerate() {
            let mut state = CycleState::new();
            let p = pod(spec);
            assert!(plugin.pre_filter(&mut state, &p, &[]).1.is_success());
            let status = plugin.filter(&state, &p, node);
            assert_eq!(status.code, *code, "row {}", row + 1);
            assert_eq!(status.reasons, *reasons, "row {}", row + 1);
        }
    }

    #[test]
    fn too_many_pods_and_ignored_resources() {
        let existing = PodBuilder::new().build();
        let full = NodeBuilder::new("n")
            .alloc(10, 20)
            .pods(1)
            .with_pods(&[&existing]);
        let plugin = NodeResourcesFit::default();
        let spec = PodBuilder::new().build();
        let mut state = CycleState::new();
        plugin.pre_filter(&mut state, &pod(&spec), &[]);
        let status = plugin.filter(&state, &pod(&spec), &full);
        assert_eq!(
            (status.code, status.message().as_str()),
            (Code::Unschedulable, "Too many pods")
        );

        let gpu_pod = PodBuilder::new().scalar(EXT_A, 1).build();
        let node = NodeBuilder::new("n").info();
        for args in [
            NodeResourcesFitArgs {
                ignored_resources: vec![EXT_A.into()],
                ..Default::default()
            },
            NodeResourcesFitArgs {
                ignored_resource_groups: vec!["example.com".into()],
                ..Default::default()
            },
        ] {
            let plugin = NodeResourcesFit::new(&args).expect("valid args");
            let mut state = CycleState::new();
            plugin.pre_filter(&mut state, &pod(&gpu_pod), &[]);
            assert!(plugin.filter(&state, &pod(&gpu_pod), &node).is_success());
        }
    }

    #[test]
    fn filter_without_pre_filter_is_an_error() {
        let spec = PodBuilder::new().build();
        let status = NodeResourcesFit::default().filter(
            &CycleState::new(),
            &pod(&spec),
            &NodeBuilder::new("n").info(),
        );
        assert!(status.is_error());
    }

    fn fit(
        kind: ScoringStrategyType,
        resources: Vec<ResourceSpec>,
    ) -> Result<NodeResourcesFit, ConfigError> {
        NodeResourcesFit::new(&NodeResourcesFitArgs {
            scoring_strategy: ScoringStrategy {
                kind,
                resources,
                shape: Vec::new(),
            },
            ..Default::default()
        })
    }

    /// PreScore then Score on each node; `None` for an error status.
    fn scores(plugin: &NodeResourcesFit, spec: &PodSpec, nodes: &[NodeInfo]) -> Vec<Option<i64>> {
        let mut state = CycleState::new();
        let p = pod(spec);
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        assert!(plugin.pre_score(&mut state, &p, &refs, nodes).is_success());
        nodes
            .iter()
            .map(|n| plugin.score(&state, &p, n).ok())
            .collect()
    }

    fn big_pod() -> PodSpec {
        PodBuilder::new().req(1000, 2000).req(2000, 3000).build()
    }

    fn cpu_mem(cpu: i64, mem: i64) -> Vec<ResourceSpec> {
        vec![
            ResourceSpec::new("memory", mem),
            ResourceSpec::new("cpu", cpu),
        ]
    }

    /// SPEC §7.5 `TestLeastAllocatedScoringStrategy`.
    #[test]
    fn spec_7_5_least_allocated() {
        use ScoringStrategyType::LeastAllocated as L;
        let none = PodBuilder::new().build();
        let empty_pod = PodBuilder::new().build();
        let cpu_only = PodBuilder::new().req(3000, 0).build();
        let cpu_mem_pod = PodBuilder::new().req(3000, 5000).build();
        let n = |cpu, mem| NodeBuilder::new("n").alloc(cpu, mem);
        let default = fit(L, default_resources()).expect("valid");

        assert_eq!(
            scores(
                &default,
                &none,
                &[n(4000, 10000).info(), n(4000, 10000).info()]
            ),
            [Some(100), Some(100)],
            "row 1"
        );
        let two = [n(4000, 10000).info(), n(6000, 10000).info()];
        assert_eq!(
            scores(&default, &big_pod(), &two),
            [Some(37), Some(50)],
            "row 2"
        );
        let nil = fit(L, vec![]).expect("nil resources are accepted at construction");
        assert_eq!(scores(&nil, &big_pod(), &two), [None, None], "row 3");
        let empties = [
            n(4000, 10000).with_pods(&[&empty_pod, &empty_pod]),
            n(4000, 10000).with_pods(&[&empty_pod, &empty_pod]),
        ];
        assert_eq!(
            scores(&default, &none, &empties),
            [Some(100), Some(100)],
            "row 4"
        );
        let loaded = [
            n(10000, 20000).with_pods(&[&cpu_only, &cpu_only]),
            n(10000, 20000).with_pods(&[&cpu_only, &cpu_mem_pod]),
        ];
        assert_eq!(
            scores(&default, &none, &loaded),
            [Some(70), Some(57)],
            "row 5"
        );
        let loaded = [
            n(10000, 20000).with_pods(&[&cpu_only]),
            n(10000, 20000).with_pods(&[&cpu_mem_pod]),
        ];
        assert_eq!(
            scores(&default, &big_pod(), &loaded),
            [Some(57), Some(45)],
            "row 6"
        );
        let no_alloc = [
            n(0, 0).with_pods(&[&cpu_only]),
            n(0, 0).with_pods(&[&cpu_mem_pod]),
        ];
        assert_eq!(
            scores(&default, &none, &no_alloc),
            [Some(0), Some(0)],
            "row 7"
        );
        let weighted = fit(L, cpu_mem(1, 2)).expect("valid");
        assert_eq!(
            scores(&weighted, &big_pod(), &two),
            [Some(41), Some(50)],
            "row 8"
        );
        assert!(
            matches!(
                fit(L, cpu_mem(1, -1)),
                Err(ConfigError::InvalidResourceWeight { .. })
            ),
            "row 9"
        );
        assert!(
            matches!(
                fit(L, cpu_mem(0, 1)),
                Err(ConfigError::InvalidResourceWeight { .. })
            ),
            "row 10"
        );
        let with_ext = fit(
            L,
            vec![
                ResourceSpec::new("cpu", 1),
                ResourceSpec::new("memory", 1),
                ResourceSpec::new(EXT_A, 1),
            ],
        )
        .expect("valid");
        let ext_nodes = [
            n(6000, 10000).info(),
            n(6000, 10000).scalar(EXT_A, 4).info(),
        ];
        assert_eq!(
            scores(&with_ext, &big_pod(), &ext_nodes),
            [Some(50), Some(50)],
            "row 11"
        );
    }

    /// SPEC §7.6 `TestMostAllocatedScoringStrategy`.
    #[test]
    fn spec_7_6_most_allocated() {
        use ScoringStrategyType::MostAllocated as M;
        let none = PodBuilder::new().build();
        let cpu_only = PodBuilder::new().req(3000, 0).build();
        let cpu_mem_pod = PodBuilder::new().req(3000, 5000).build();
        let n = |cpu, mem| NodeBuilder::new("n").alloc(cpu, mem);
        let default = fit(M, default_resources()).expect("valid");
        let two = [n(4000, 10000).info(), n(6000, 10000).info()];

        assert_eq!(
            scores(
                &default,
                &none,
                &[n(4000, 10000).info(), n(4000, 10000).info()]
            ),
            [Some(0), Some(0)],
            "row 1"
        );
        assert_eq!(
            scores(&default, &big_pod(), &two),
            [Some(62), Some(50)],
            "row 2"
        );
        assert_eq!(
            scores(&fit(M, vec![]).expect("accepted"), &big_pod(), &two),
            [None, None],
            "row 3"
        );
        let loaded = [
            n(10000, 20000).with_pods(&[&cpu_only, &cpu_only]),
            n(10000, 20000).with_pods(&[&cpu_only, &cpu_mem_pod]),
        ];
        assert_eq!(
            scores(&default, &none, &loaded),
            [Some(30), Some(42)],
            "row 4"
        );
        assert_eq!(
            scores(&fit(M, cpu_mem(1, 2)).expect("valid"), &big_pod(), &two),
            [Some(58), Some(50)],
            "row 5"
        );
        const MIB: i64 = 1024 * 1024;
        let no_req = PodBuilder::new().best_effort().build();
        let small = [
            NodeBuilder::new("n1")
                .alloc(250, 1000 * MIB)
                .with_pods(&[&no_req, &no_req]),
            NodeBuilder::new("n2").alloc(250, 1000 * MIB).info(),
        ];
        assert_eq!(
            scores(&default, &no_req, &small),
            [Some(80), Some(30)],
            "row 6 (non-zero defaults)"
        );
        assert!(
            matches!(
                fit(M, cpu_mem(1, -1)),
                Err(ConfigError::InvalidResourceWeight { .. })
            ),
            "row 7"
        );
        assert!(
            matches!(
                fit(M, cpu_mem(0, 1)),
                Err(ConfigError::InvalidResourceWeight { .. })
            ),
            "row 8"
        );
        assert!(
            matches!(
                fit(M, cpu_mem(1, 101)),
                Err(ConfigError::InvalidResourceWeight { .. })
            ),
            "row 9"
        );
        let with_ext = fit(
            M,
            vec![
                ResourceSpec::new("cpu", 1),
                ResourceSpec::new("memory", 1),
                ResourceSpec::new(EXT_A, 1),
            ],
        )
        .expect("valid");
        let ext_nodes = [
            n(6000, 10000).info(),
            n(6000, 10000).scalar(EXT_A, 4).info(),
        ];
        assert_eq!(
            scores(&with_ext, &big_pod(), &ext_nodes),
            [Some(50), Some(50)],
            "row 10"
        );
    }

    #[test]
    fn score_without_pre_score_recomputes() {
        let plugin = NodeResourcesFit::default();
        let spec = big_pod();
        let node = NodeBuilder::new("n").alloc(4000, 10000).info();
        assert_eq!(plugin.score(&CycleState::new(), &pod(&spec), &node), Ok(37));
    }

    fn ratio(resources: Vec<ResourceSpec>, shape: &[(i64, i64)]) -> NodeResourcesFit {
        NodeResourcesFit::new(&NodeResourcesFitArgs {
            scoring_strategy: ScoringStrategy {
                kind: ScoringStrategyType::RequestedToCapacityRatio,
                resources,
                shape: shape
                    .iter()
                    .map(|&(u, s)| UtilizationShapePoint::new(u, s))
                    .collect(),
            },
            ..Default::default()
        })
        .expect("valid shape")
    }

    /// Upstream `TestRequestedToCapacityRatioScoringStrategy` (cpu "4000" is 4000 cores).
    #[test]
    fn requested_to_capacity_ratio_scoring_strategy() {
        const CORES: i64 = 1000;
        let plugin = ratio(cpu_mem(1, 1), &[(0, 10), (100, 0)]);
        let empty = PodBuilder::new().build();
        let node = |name: &str, cores: i64, pods: &[&PodSpec]| {
            NodeBuilder::new(name)
                .alloc(cores * CORES, 10000)
                .with_pods(pods)
        };
        // Nothing scheduled, nothing requested: both nodes at utilization 0 → 100.
        let nodes = [
            node("node1", 4000, &[&empty, &empty]),
            node("node2", 4000, &[]),
        ];
        assert_eq!(scores(&plugin, &empty, &nodes), [Some(100), Some(100)]);
        // Nothing scheduled, resources requested, differently sized nodes.
        let wanted = PodBuilder::new()
            .req(1000 * CORES, 2000)
            .req(2000 * CORES, 3000)
            .build();
        let nodes = [
            node("node1", 4000, &[&empty, &empty]),
            node("node2", 6000, &[]),
        ];
        assert_eq!(scores(&plugin, &wanted, &nodes), [Some(38), Some(50)]);
        // No resources requested, pods scheduled with resources.
        let used = PodBuilder::new().req(3000 * CORES, 5000).build();
        let nodes = [node("node1", 4000, &[&used]), node("node2", 6000, &[&used])];
        assert_eq!(scores(&plugin, &empty, &nodes), [Some(38), Some(50)]);
    }

    const FOO: &str = "intel.com/foo";
    const BAR: &str = "intel.com/bar";

    fn ext_node(name: &str, extended: &[(&str, i64)], pods: &[&PodSpec]) -> NodeInfo {
        let mut b = NodeBuilder::new(name).alloc(4000, 10000 << 20);
        for &(r, n) in extended {
            b = b.scalar(r, n);
        }
        b.with_pods(pods)
    }

    fn ext_pod(extended: &[(&str, i64)]) -> PodSpec {
        let mut b = PodBuilder::new().best_effort();
        for &(r, n) in extended {
            b = b.with_scalar(r, n);
        }
        b.build()
    }

    /// Upstream `TestResourceBinPackingSingleExtended`.
    #[test]
    fn requested_to_capacity_ratio_single_extended() {
        let plugin = ratio(vec![ResourceSpec::new(FOO, 1)], &[(0, 0), (100, 1)]);
        let empty = PodBuilder::new().build();
        let nodes = |pods2: &[&PodSpec]| {
            [
                ext_node("node1", &[(FOO, 8)], &[]),
                ext_node("node2", &[(FOO, 4)], pods2),
            ]
        };
        let rows: [(PodSpec, Vec<&PodSpec>, [i64; 2]); 4] = [
            (empty.clone(), vec![], [0, 0]),
            (ext_pod(&[(FOO, 2)]), vec![&empty], [2, 5]),
            (ext_pod(&[(FOO, 2)]), vec![], [2, 10]),
            (ext_pod(&[(FOO, 4)]), vec![&empty], [5, 10]),
        ];
        let on_node2 = ext_pod(&[(FOO, 2)]);
        for (i, (spec, pods, want)) in rows.iter().enumerate() {
            // Row 3 has a pod requesting 2 on node2.
            let pods2: Vec<&PodSpec> = if i == 2 {
                vec![&on_node2]
            } else {
                pods.clone()
            };
            let got = scores(&plugin, spec, &nodes(&pods2));
            assert_eq!(got, want.map(Some), "row {i}");
        }
    }

    /// Upstream `TestResourceBinPackingMultipleExtended` (weights foo 3, bar 5).
    #[test]
    fn requested_to_capacity_ratio_multiple_extended() {
        let plugin = ratio(
            vec![ResourceSpec::new(FOO, 3), ResourceSpec::new(BAR, 5)],
            &[(0, 0), (100, 1)],
        );
        let empty = PodBuilder::new().build();
        let pod1 = ext_pod(&[(FOO, 2), (BAR, 2)]);
        let pod2 = ext_pod(&[(FOO, 4), (BAR, 2)]);
        let nodes = |pods2: &[&PodSpec]| {
            [
                ext_node("node1", &[(FOO, 8), (BAR, 4)], &[]),
                ext_node("node2", &[(FOO, 4), (BAR, 8)], pods2),
            ]
        };
        assert_eq!(
            scores(&plugin, &empty, &nodes(&[&empty])),
            [Some(0), Some(0)]
        );
        assert_eq!(
            scores(&plugin, &pod1, &nodes(&[&empty])),
            [Some(4), Some(3)]
        );
        assert_eq!(scores(&plugin, &pod1, &nodes(&[&pod2])), [Some(4), Some(7)]);
        assert_eq!(
            scores(&plugin, &pod2, &nodes(&[&empty])),
            [Some(5), Some(5)]
        );
    }

    #[test]
    fn requested_to_capacity_ratio_shape_is_validated() {
        let err = NodeResourcesFit::new(&NodeResourcesFitArgs {
            scoring_strategy: ScoringStrategy {
                kind: ScoringStrategyType::RequestedToCapacityRatio,
                ..Default::default()
            },
            ..Default::default()
        })
        .expect_err("a shape is required");
        assert_eq!(
            err.to_string(),
            "plugin \"NodeResourcesFit\": scoringStrategy.requestedToCapacityRatio.shape: \
             Required value: at least one point must be specified"
        );
    }

    /// Extended resources such as `nvidia.com/gpu` are filtered like any scalar.
    #[test]
    fn gpu_requests_are_filtered() {
        const GPU: &str = "nvidia.com/gpu";
        let plugin = NodeResourcesFit::default();
        let gpu_pod = PodBuilder::new().scalar(GPU, 2).build();
        let check = |node: &NodeInfo| {
            let mut state = CycleState::new();
            plugin.pre_filter(&mut state, &pod(&gpu_pod), &[]);
            plugin.filter(&state, &pod(&gpu_pod), node)
        };
        assert!(check(&NodeBuilder::new("gpu").scalar(GPU, 4).info()).is_success());
        let busy = NodeBuilder::new("busy")
            .scalar(GPU, 2)
            .with_pods(&[&PodBuilder::new().scalar(GPU, 1).build()]);
        let status = check(&busy);
        assert_eq!(status.code, Code::Unschedulable);
        assert_eq!(status.reasons, ["Insufficient nvidia.com/gpu"]);
        let status = check(&NodeBuilder::new("cpu-only").info());
        assert_eq!(status.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(status.reasons, ["Insufficient nvidia.com/gpu"]);
    }
}
