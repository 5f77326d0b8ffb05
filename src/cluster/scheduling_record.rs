//! Recording of scheduling attempts for `timonel explain pod/NAME` (`run --record-scheduling`):
//! after each real cycle, the world keeps the latest attempt of each pod with the scheduler's
//! explanation of it ([`Scheduler::explain`]), which reads the scheduler only, so recording
//! changes no choice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::state::ObjKey;
use crate::scheduler::{NodeInfo, PodInfo, ScheduleOutcome, Scheduler, SchedulingRecord};
use crate::sim::time::SimTime;

/// The latest scheduling attempt of one pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodSchedulingRecord {
    /// Pod namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// Pod uid (a pod created again under the same name starts a new count of attempts).
    pub uid: u64,
    /// When the attempt ran, milliseconds of simulated time.
    pub t_ms: u64,
    /// How many attempts the pod has had (this one included).
    pub attempts: u64,
    /// The node the cycle chose (`None`: not scheduled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The FailedScheduling message when the cycle did not schedule the pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Every plugin's verdict and score for this attempt.
    pub explanation: SchedulingRecord,
}

/// Records the attempt that just gave `outcome` for `pod` over `nodes` (the node list the
/// cycle saw, before the outcome is applied), replacing the pod's previous one.
pub fn record(
    records: &mut BTreeMap<ObjKey, PodSchedulingRecord>,
    scheduler: &Scheduler,
    pod: &PodInfo<'_>,
    nodes: &[NodeInfo],
    outcome: &ScheduleOutcome,
    now: SimTime,
) {
    let (node, message) = match outcome {
        ScheduleOutcome::Scheduled { node_index, .. } => {
            (nodes.get(*node_index).map(|n| n.node.name.clone()), None)
        }
        ScheduleOutcome::Unschedulable { message, .. } | ScheduleOutcome::Error { message } => {
            (None, Some(message.clone()))
        }
    };
    let key = ObjKey::new(pod.namespace, pod.name);
    let attempts = records
        .get(&key)
        .filter(|r| r.uid == pod.uid)
        .map_or(0, |r| r.attempts)
        + 1;
    let entry = PodSchedulingRecord {
        namespace: pod.namespace.to_string(),
        name: pod.name.to_string(),
        uid: pod.uid,
        t_ms: now.as_millis(),
        attempts,
        node,
        message,
        explanation: scheduler.explain(pod, nodes),
    };
    records.insert(key, entry);
}
