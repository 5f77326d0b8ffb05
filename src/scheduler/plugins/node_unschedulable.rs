//! NodeUnschedulable (`plugins/nodeunschedulable`): a cordoned node (`spec.unschedulable`) takes
//! only pods that tolerate the taint `node.kubernetes.io/unschedulable:NoSchedule`.

use crate::model::node::{Taint, TaintEffect};
use crate::scheduler::framework::{CycleState, FilterPlugin, NodeInfo, Plugin, PodInfo, Status};

/// Registry name.
pub const NAME: &str = "NodeUnschedulable";

/// Upstream reason `ErrReasonUnschedulable`.
pub const ERR_REASON_UNSCHEDULABLE: &str = "node(s) were unschedulable";

/// The taint a pod must tolerate to land on a cordoned node (`v1.TaintNodeUnschedulable`).
pub const TAINT_NODE_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// The NodeUnschedulable filter plugin.
#[derive(Debug, Clone)]
pub struct NodeUnschedulable {
    /// `node.kubernetes.io/unschedulable:NoSchedule`, built once.
    taint: Taint,
}

impl Default for NodeUnschedulable {
    fn default() -> Self {
        NodeUnschedulable {
            taint: Taint {
                key: TAINT_NODE_UNSCHEDULABLE.into(),
                value: String::new(),
                effect: TaintEffect::NoSchedule,
            },
        }
    }
}

impl Plugin for NodeUnschedulable {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_filter(&self) -> Option<&dyn FilterPlugin> {
        Some(self)
    }
}

impl FilterPlugin for NodeUnschedulable {
    fn filter(&self, _state: &CycleState, pod: &PodInfo<'_>, node: &NodeInfo) -> Status {
        if !node.node.unschedulable {
            return Status::success();
        }
        if pod
            .spec
            .tolerations
            .iter()
            .any(|t| t.tolerates(&self.taint))
        {
            return Status::success();
        }
        Status::unresolvable(ERR_REASON_UNSCHEDULABLE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::node::TaintEffect::*;
    use crate::scheduler::framework::Code;
    use crate::scheduler::testing::{NodeBuilder, PodBuilder, pod};

    /// Rows of upstream `TestNodeUnschedulable`.
    #[test]
    fn filter_table() {
        let cordoned = NodeBuilder::new("n").unschedulable().info();
        let open = NodeBuilder::new("n").info();
        let plain = PodBuilder::new().build();
        let tolerating = PodBuilder::new()
            .tolerate(TAINT_NODE_UNSCHEDULABLE, true, "", Some(NoSchedule))
            .build();
        let wrong_effect = PodBuilder::new()
            .tolerate(TAINT_NODE_UNSCHEDULABLE, true, "", Some(NoExecute))
            .build();
        let plugin = NodeUnschedulable::default();
        let state = CycleState::new();
        let cases = [
            (&plain, &open, Code::Success),
            (&plain, &cordoned, Code::UnschedulableAndUnresolvable),
            (&tolerating, &cordoned, Code::Success),
            (&wrong_effect, &cordoned, Code::UnschedulableAndUnresolvable),
        ];
        for (row, (spec, node, want)) in cases.into_iter().enumerate() {
            let status = plugin.filter(&state, &pod(spec), node);
            assert_eq!(status.code, want, "row {row}");
            if want != Code::Success {
                assert_eq!(status.message(), ERR_REASON_UNSCHEDULABLE);
            }
        }
    }
}
