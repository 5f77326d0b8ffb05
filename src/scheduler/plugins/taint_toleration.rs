//! TaintToleration (`plugins/tainttoleration`), SPEC §7.8.
//!
//! * Filter: the first node taint with effect NoSchedule or NoExecute (in the node's order) that
//!   no toleration tolerates rejects the node, `UnschedulableAndUnresolvable`, with reason
//!   `node(s) had untolerated taint {key: value}`.
//! * Score: number of PreferNoSchedule taints not tolerated by the pod's tolerations whose effect
//!   is PreferNoSchedule or empty; normalized with DefaultNormalizeScore **reversed**.
//!
//! Upstream's PreScore only pre-selects the tolerations with effect PreferNoSchedule or empty.
//! [`Toleration::tolerates`] already requires the effect to be empty or equal to the taint's, so
//! checking a PreferNoSchedule taint against all tolerations gives the same count; this plugin
//! therefore has no PreScore and no cycle state.

use crate::model::node::{Taint, TaintEffect};
use crate::model::pod::Toleration;
use crate::scheduler::framework::{
    CycleState, FilterPlugin, MAX_NODE_SCORE, NodeInfo, Plugin, PodInfo, ScorePlugin, Status,
};
use crate::scheduler::plugins::normalize::default_normalize_score;

/// Registry name.
pub const NAME: &str = "TaintToleration";

/// The TaintToleration filter and score plugin.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaintToleration;

/// The first taint of `taints` with effect NoSchedule or NoExecute that no toleration tolerates
/// (`FindMatchingUntoleratedTaint` with `DoNotScheduleTaintsFilterFunc`).
pub fn find_untolerated_do_not_schedule_taint<'a>(
    taints: &'a [Taint],
    tolerations: &[Toleration],
) -> Option<&'a Taint> {
    taints.iter().find(|taint| {
        matches!(
            taint.effect,
            TaintEffect::NoSchedule | TaintEffect::NoExecute
        ) && !tolerations.iter().any(|t| t.tolerates(taint))
    })
}

/// Number of PreferNoSchedule taints not tolerated (`countIntolerableTaintsPreferNoSchedule`).
pub fn count_intolerable_prefer_no_schedule(taints: &[Taint], tolerations: &[Toleration]) -> i64 {
    let count = taints
        .iter()
        .filter(|taint| taint.effect == TaintEffect::PreferNoSchedule)
        .filter(|taint| !tolerations.iter().any(|t| t.tolerates(taint)))
        .count();
    i64::try_from(count).unwrap_or(i64::MAX)
}

impl Plugin for TaintToleration {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_filter(&self) -> Option<&dyn FilterPlugin> {
        Some(self)
    }

    fn as_score(&self) -> Option<&dyn ScorePlugin> {
        Some(self)
    }
}

impl FilterPlugin for TaintToleration {
    fn filter(&self, _state: &CycleState, pod: &PodInfo<'_>, node: &NodeInfo) -> Status {
        match find_untolerated_do_not_schedule_taint(&node.node.taints, &pod.spec.tolerations) {
            None => Status::success(),
            Some(taint) => Status::unresolvable(format!(
                "node(s) had untolerated taint {{{}: {}}}",
                taint.key, taint.value
            )),
        }
    }
}

impl ScorePlugin for TaintToleration {
    fn score(
        &self,
        _state: &CycleState,
        pod: &PodInfo<'_>,
        node: &NodeInfo,
    ) -> Result<i64, Status> {
        Ok(count_intolerable_prefer_no_schedule(
            &node.node.taints,
            &pod.spec.tolerations,
        ))
    }

    fn normalize_score(
        &self,
        _state: &CycleState,
        _pod: &PodInfo<'_>,
        _nodes: &[&NodeInfo],
        scores: &mut [i64],
    ) -> Status {
        default_normalize_score(MAX_NODE_SCORE, true, scores);
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::node::TaintEffect::*;
    use crate::model::pod::PodSpec;
    use crate::scheduler::framework::Code;
    use crate::scheduler::testing::{NodeBuilder, PodBuilder, pod};

    fn scores(spec: &PodSpec, nodes: &[NodeInfo]) -> Vec<i64> {
        let state = CycleState::new();
        let p = pod(spec);
        let mut raw: Vec<i64> = nodes
            .iter()
            .map(|n| TaintToleration.score(&state, &p, n).unwrap_or(-1))
            .collect();
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        assert!(
            TaintToleration
                .normalize_score(&state, &p, &refs, &mut raw)
                .is_success()
        );
        raw
    }

    /// SPEC §7.8 `TestTaintTolerationScore`.
    #[test]
    fn spec_7_8_score_vectors() {
        // 1: tolerates foo=bar PNS; A has foo=bar, B foo=blah.
        let p1 = PodBuilder::new()
            .tolerate("foo", false, "bar", Some(PreferNoSchedule))
            .build();
        let n1 = [
            NodeBuilder::new("a")
                .taint("foo", "bar", PreferNoSchedule)
                .info(),
            NodeBuilder::new("b")
                .taint("foo", "blah", PreferNoSchedule)
                .info(),
        ];
        assert_eq!(scores(&p1, &n1), [100, 0], "row 1");
        // 2: all taints tolerated.
        let p2 = PodBuilder::new()
            .tolerate("cpu-type", false, "arm64", Some(PreferNoSchedule))
            .tolerate("disk-type", false, "ssd", Some(PreferNoSchedule))
            .build();
        let n2 = [
            NodeBuilder::new("a").info(),
            NodeBuilder::new("b")
                .taint("cpu-type", "arm64", PreferNoSchedule)
                .info(),
            NodeBuilder::new("c")
                .taint("cpu-type", "arm64", PreferNoSchedule)
                .taint("disk-type", "ssd", PreferNoSchedule)
                .info(),
        ];
        assert_eq!(scores(&p2, &n2), [100, 100, 100], "row 2");
        // 3: none tolerated; 0, 1 and 2 intolerable taints.
        assert_eq!(scores(&p1, &n2), [100, 50, 0], "row 3");
        // 4: no toleration at all.
        let p4 = PodBuilder::new().build();
        let n4 = [
            NodeBuilder::new("a").info(),
            NodeBuilder::new("b")
                .taint("cpu-type", "arm64", PreferNoSchedule)
                .info(),
        ];
        assert_eq!(scores(&p4, &n4), [100, 0], "row 4");
    }

    /// SPEC §7.8 `TestTaintTolerationFilter`.
    #[test]
    fn spec_7_8_filter_vectors() {
        let rows: [(PodSpec, NodeInfo, bool); 7] = [
            (
                PodBuilder::new().build(),
                NodeBuilder::new("n")
                    .taint("dedicated", "user1", NoSchedule)
                    .info(),
                false,
            ),
            (
                PodBuilder::new()
                    .tolerate("dedicated", false, "user1", Some(NoSchedule))
                    .build(),
                NodeBuilder::new("n")
                    .taint("dedicated", "user1", NoSchedule)
                    .info(),
                true,
            ),
            (
                PodBuilder::new()
                    .tolerate("dedicated", false, "user2", Some(NoSchedule))
                    .build(),
                NodeBuilder::new("n")
                    .taint("dedicated", "user1", NoSchedule)
                    .info(),
                false,
            ),
            (
                PodBuilder::new()
                    .tolerate("foo", true, "", Some(NoSchedule))
                    .build(),
                NodeBuilder::new("n").taint("foo", "bar", NoSchedule).info(),
                true,
            ),
            (
                PodBuilder::new()
                    .tolerate("dedicated", false, "user2", Some(NoSchedule))
                    .tolerate("foo", true, "", Some(NoSchedule))
                    .build(),
                NodeBuilder::new("n")
                    .taint("dedicated", "user2", NoSchedule)
                    .taint("foo", "bar", NoSchedule)
                    .info(),
                true,
            ),
            (
                PodBuilder::new()
                    .tolerate("foo", false, "bar", None)
                    .build(),
                NodeBuilder::new("n").taint("foo", "bar", NoSchedule).info(),
                true,
            ),
            (
                PodBuilder::new().build(),
                NodeBuilder::new("n")
                    .taint("dedicated", "user1", PreferNoSchedule)
                    .info(),
                true,
            ),
        ];
        for (row, (spec, node, pass)) in rows.iter().enumerate() {
            let status = TaintToleration.filter(&CycleState::new(), &pod(spec), node);
            assert_eq!(status.is_success(), *pass, "row {}", row + 1);
            if !pass {
                assert_eq!(status.code, Code::UnschedulableAndUnresolvable);
            }
        }
    }

    #[test]
    fn filter_reason_names_the_first_untolerated_taint() {
        let node = NodeBuilder::new("n")
            .taint("soft", "x", PreferNoSchedule)
            .taint("dedicated", "db", NoSchedule)
            .taint("gone", "", NoExecute)
            .info();
        let status =
            TaintToleration.filter(&CycleState::new(), &pod(&PodBuilder::new().build()), &node);
        assert_eq!(
            status.message(),
            "node(s) had untolerated taint {dedicated: db}"
        );
    }
}
