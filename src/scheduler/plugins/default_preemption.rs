//! DefaultPreemption (`plugins/defaultpreemption`): the PostFilter plugin that preempts pods
//! of lower priority when no node fits. The evaluation itself lives in
//! [`crate::scheduler::preemption`]; this file is the plugin's face and its arguments.

use crate::scheduler::framework::{
    CycleState, NodeInfo, NodeToStatus, Plugin, PodInfo, PostFilterContext, PostFilterPlugin,
    PostFilterResult, Status,
};
use crate::scheduler::preemption::{self, DefaultPreemptionArgs};

/// Registry name.
pub const NAME: &str = "DefaultPreemption";

/// The DefaultPreemption PostFilter plugin.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultPreemption {
    args: DefaultPreemptionArgs,
}

impl DefaultPreemption {
    /// The plugin with these arguments.
    pub fn new(args: DefaultPreemptionArgs) -> Self {
        DefaultPreemption { args }
    }
}

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
        ctx: &mut PostFilterContext<'_>,
        state: &CycleState,
        pod: &PodInfo<'_>,
        nodes: &[NodeInfo],
        statuses: &NodeToStatus,
    ) -> (Option<PostFilterResult>, Status) {
        preemption::preempt(ctx, &self.args, state, pod, nodes, statuses)
    }
}
