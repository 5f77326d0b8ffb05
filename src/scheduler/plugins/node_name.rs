//! NodeName (`plugins/nodename`): a pod with `spec.nodeName` fits only that node.

use crate::scheduler::framework::{CycleState, FilterPlugin, NodeInfo, Plugin, PodInfo, Status};

/// Registry name.
pub const NAME: &str = "NodeName";

/// Upstream reason `ErrReason`.
pub const ERR_REASON: &str = "node(s) didn't match the requested node name";

/// The NodeName filter plugin.
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeName;

/// Whether `node` is the one the pod names (`nodename.Fits`): true when the pod names none.
pub fn fits(pod: &PodInfo<'_>, node: &NodeInfo) -> bool {
    match pod.spec.node_name.as_deref() {
        None | Some("") => true,
        Some(name) => name == node.node.name,
    }
}

impl Plugin for NodeName {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_filter(&self) -> Option<&dyn FilterPlugin> {
        Some(self)
    }
}

impl FilterPlugin for NodeName {
    fn filter(&self, _state: &CycleState, pod: &PodInfo<'_>, node: &NodeInfo) -> Status {
        if fits(pod, node) {
            Status::success()
        } else {
            Status::unresolvable(ERR_REASON)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::framework::Code;
    use crate::scheduler::testing::{NodeBuilder, PodBuilder, pod};

    /// Rows of upstream `TestNodeName`.
    #[test]
    fn filter_table() {
        let node = NodeBuilder::new("foo").info();
        let cases = [
            (PodBuilder::new().build(), Code::Success),
            (PodBuilder::new().node_name("foo").build(), Code::Success),
            (
                PodBuilder::new().node_name("bar").build(),
                Code::UnschedulableAndUnresolvable,
            ),
        ];
        for (row, (spec, want)) in cases.iter().enumerate() {
            let status = NodeName.filter(&CycleState::new(), &pod(spec), &node);
            assert_eq!(status.code, *want, "row {row}");
            if *want != Code::Success {
                assert_eq!(status.message(), ERR_REASON);
            }
        }
    }
}
