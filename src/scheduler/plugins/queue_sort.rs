//! PrioritySort (`plugins/queuesort`): the default QueueSort plugin. Higher priority first; among
//! equal priorities, the pod added to the active queue earlier first.

use crate::scheduler::framework::{Plugin, QueueSortPlugin, QueuedPodInfo};

/// Registry name.
pub const NAME: &str = "PrioritySort";

/// The PrioritySort plugin.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrioritySort;

impl Plugin for PrioritySort {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_queue_sort(&self) -> Option<&dyn QueueSortPlugin> {
        Some(self)
    }
}

impl QueueSortPlugin for PrioritySort {
    fn less(&self, a: &QueuedPodInfo, b: &QueuedPodInfo) -> bool {
        a.priority > b.priority || (a.priority == b.priority && a.timestamp < b.timestamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Upstream `TestLess`: priority first, then the earlier timestamp.
    #[test]
    fn less() {
        let info = |priority, timestamp| QueuedPodInfo {
            priority,
            timestamp,
        };
        let rows = [
            (info(100, 2), info(50, 1), true, "higher priority first"),
            (info(50, 1), info(100, 2), false, "lower priority later"),
            (
                info(100, 1),
                info(100, 2),
                true,
                "equal priority: earlier first",
            ),
            (
                info(100, 2),
                info(100, 1),
                false,
                "equal priority: later last",
            ),
            (info(100, 1), info(100, 1), false, "equal: not less"),
        ];
        for (a, b, want, name) in rows {
            assert_eq!(PrioritySort.less(&a, &b), want, "{name}");
        }
    }
}
