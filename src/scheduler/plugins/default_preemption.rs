//! DefaultPreemption (`plugins/defaultpreemption`) — **placeholder**.
//!
//! Preemption is not simulated yet: this PostFilter never finds victims and reports, for every
//! node, upstream's `Preemption is not helpful for scheduling`, which yields the upstream message
//! suffix ` preemption: 0/N nodes are available: N Preemption is not helpful for scheduling.`.
//! The real plugin (victim selection, nomination, PDB-aware ordering) replaces the body of
//! [`PostFilterPlugin::post_filter`] below; its place in the registry and the default profile
//! already exists.

use crate::scheduler::framework::{
    CycleState, NodeInfo, NodeToStatus, Plugin, PodInfo, PostFilterPlugin, PostFilterResult, Status,
};

/// Registry name.
pub const NAME: &str = "DefaultPreemption";

/// Upstream per-node reason when preemption cannot help.
pub const PREEMPTION_NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";

/// The DefaultPreemption PostFilter plugin (placeholder: never preempts).
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultPreemption;

impl Plugin for DefaultPreemption {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_post_filter(&self) -> Option<&dyn PostFilterPlugin> {
        Some(self)
    }
}

impl PostFilterPlugin for DefaultPreemption {
    fn post_filter(
        &self,
        _state: &CycleState,
        _pod: &PodInfo<'_>,
        nodes: &[NodeInfo],
        _statuses: &NodeToStatus,
    ) -> (Option<PostFilterResult>, Status) {
        let n = nodes.len();
        let message =
            format!("preemption: 0/{n} nodes are available: {n} {PREEMPTION_NOT_HELPFUL}.");
        (None, Status::unschedulable(message))
    }
}
