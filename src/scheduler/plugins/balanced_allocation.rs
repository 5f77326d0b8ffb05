//! NodeResourcesBalancedAllocation (`noderesources/balanced_allocation.go`), SPEC §7.7.
//!
//! Score = `int64((1 − std) × 100)` where `std` is the standard deviation of the fractions
//! `min(1, requested / allocatable)` of the configured resources with allocatable > 0, using the
//! **actual** requests (node's pods + incoming pod). No NormalizeScore. PreScore returns `Skip`
//! for a best-effort pod (no request for any configured resource), so such pods are not scored
//! by this plugin at all (newest upstream; older releases scored them).

use crate::scheduler::framework::{
    CycleState, NodeInfo, Plugin, PodInfo, PreScorePlugin, ScorePlugin, Status,
};
use crate::scheduler::plugins::resource_allocation::{
    ResourceAllocationScorer, ResourceSpec, Scorer, default_resources,
};
use crate::scheduler::profile::ConfigError;

/// Registry name.
pub const NAME: &str = "NodeResourcesBalancedAllocation";

/// Cycle-state key of the pod's per-resource requests.
const PRE_SCORE_STATE_KEY: &str = "PreScoreNodeResourcesBalancedAllocation";

/// `config.NodeResourcesBalancedAllocationArgs`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BalancedAllocationArgs {
    /// Resources to balance (default `cpu` 1, `memory` 1; weights are validated, not used).
    pub resources: Vec<ResourceSpec>,
}

impl Default for BalancedAllocationArgs {
    fn default() -> Self {
        BalancedAllocationArgs {
            resources: default_resources(),
        }
    }
}

/// The NodeResourcesBalancedAllocation plugin (PreScore, Score).
#[derive(Debug, Clone)]
pub struct BalancedAllocation {
    scorer: ResourceAllocationScorer,
}

#[derive(Debug, Clone)]
struct PreScoreState(Vec<i64>);

impl BalancedAllocation {
    /// A plugin configured by `args`; fails on invalid resource weights.
    pub fn new(args: &BalancedAllocationArgs) -> Result<Self, ConfigError> {
        Ok(BalancedAllocation {
            scorer: ResourceAllocationScorer::new(NAME, &args.resources, Scorer::Balanced)?,
        })
    }
}

impl Plugin for BalancedAllocation {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_pre_score(&self) -> Option<&dyn PreScorePlugin> {
        Some(self)
    }

    fn as_score(&self) -> Option<&dyn ScorePlugin> {
        Some(self)
    }
}

impl PreScorePlugin for BalancedAllocation {
    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        _nodes: &[&NodeInfo],
        _all_nodes: &[NodeInfo],
    ) -> Status {
        let requests = self.scorer.pod_requests(pod.spec);
        if requests.iter().all(|&r| r == 0) {
            return Status::skip();
        }
        state.write(PRE_SCORE_STATE_KEY, PreScoreState(requests));
        Status::success()
    }
}

impl ScorePlugin for BalancedAllocation {
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

    const GPU: &str = "nvidia.com/gpu";

    fn cpu_and_memory() -> PodSpec {
        PodBuilder::new().req(1000, 2000).req(2000, 3000).build()
    }

    fn cpu_only() -> PodSpec {
        PodBuilder::new().req(1000, 0).req(2000, 0).build()
    }

    fn run(
        plugin: &BalancedAllocation,
        spec: &PodSpec,
        nodes: &[NodeInfo],
        pre_score: bool,
    ) -> Option<Vec<i64>> {
        let mut state = CycleState::new();
        let p = pod(spec);
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        if pre_score && plugin.pre_score(&mut state, &p, &refs, nodes).is_skip() {
            return None;
        }
        Some(
            nodes
                .iter()
                .map(|n| plugin.score(&state, &p, n).unwrap_or(-1))
                .collect(),
        )
    }

    /// SPEC §7.7 `TestNodeResourcesBalancedAllocation`.
    #[test]
    fn spec_7_7_vectors() {
        let plugin = BalancedAllocation::new(&BalancedAllocationArgs::default()).expect("valid");
        let n = |cpu, mem| NodeBuilder::new("n").alloc(cpu, mem);
        let best_effort = PodBuilder::new().best_effort().build();
        assert_eq!(
            run(
                &plugin,
                &best_effort,
                &[n(4000, 10000).info(), n(4000, 10000).info()],
                true
            ),
            None,
            "row 1: Skip"
        );
        assert_eq!(
            run(
                &plugin,
                &cpu_and_memory(),
                &[n(4000, 10000).info(), n(6000, 10000).info()],
                true
            ),
            Some(vec![87, 100]),
            "row 2"
        );
        let loaded = [
            n(10000, 20000).with_pods(&[&cpu_only()]),
            n(10000, 20000).with_pods(&[&cpu_and_memory()]),
        ];
        assert_eq!(
            run(&plugin, &cpu_and_memory(), &loaded, true),
            Some(vec![82, 95]),
            "row 3"
        );
        let loaded6 = [
            n(6000, 10000).with_pods(&[&cpu_only()]),
            n(6000, 10000).with_pods(&[&cpu_and_memory()]),
        ];
        assert_eq!(
            run(&plugin, &cpu_only(), &loaded6, true),
            Some(vec![50, 75]),
            "row 4"
        );
        let with_gpu = BalancedAllocation::new(&BalancedAllocationArgs {
            resources: vec![
                ResourceSpec::new("cpu", 1),
                ResourceSpec::new("memory", 1),
                ResourceSpec::new(GPU, 1),
            ],
        })
        .expect("valid");
        let gpu_nodes = [n(3500, 40000).scalar(GPU, 8).info(), n(3500, 40000).info()];
        assert_eq!(
            run(&with_gpu, &cpu_and_memory(), &gpu_nodes, true),
            Some(vec![63, 63]),
            "row 5"
        );
        assert_eq!(
            run(&plugin, &cpu_and_memory(), &loaded, false),
            Some(vec![82, 95]),
            "row 6: no PreScore"
        );
    }

    #[test]
    fn three_resources_use_population_std() {
        let plugin = BalancedAllocation::new(&BalancedAllocationArgs {
            resources: vec![
                ResourceSpec::new("cpu", 1),
                ResourceSpec::new("memory", 1),
                ResourceSpec::new(GPU, 1),
            ],
        })
        .expect("valid");
        // Fractions 0.5, 0.5, 1.0: mean 2/3, std = sqrt(((1/6)^2 * 2 + (1/3)^2) / 3) ≈ 0.2357 → 76.
        let spec = PodBuilder::new()
            .req(1000, 1000)
            .with_scalar(GPU, 2)
            .build();
        let node = NodeBuilder::new("n")
            .alloc(2000, 2000)
            .scalar(GPU, 2)
            .info();
        assert_eq!(run(&plugin, &spec, &[node], true), Some(vec![76]));
    }
}
