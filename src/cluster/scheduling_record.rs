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

/// A recorded attempt as the world keeps it: the pod's uid and attempt count, and the
/// [`PodSchedulingRecord`] already serialized as its `scheduling.jsonl` line (a tenth of the
/// memory of the structure: a record has a row per node, and big clusters have many pods).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAttempt {
    /// Pod uid.
    pub uid: u64,
    /// Attempts of this pod so far.
    pub attempts: u64,
    /// The record as one line of JSON (no newline).
    pub line: String,
}

/// Records the attempt that just gave `outcome` for `pod` over `nodes` (the node list the
/// cycle saw, before the outcome is applied), replacing the pod's previous one.
pub fn record(
    records: &mut BTreeMap<ObjKey, RecordedAttempt>,
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
    // Plain data (strings, integers, enums): serialization cannot fail.
    let line = serde_json::to_string(&entry).unwrap_or_default();
    records.insert(
        key,
        RecordedAttempt {
            uid: pod.uid,
            attempts,
            line,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::testing::{NodeBuilder, PodBuilder, pod};
    use crate::sim::rng::RngStreams;

    #[test]
    fn keeps_the_latest_attempt_per_pod_and_counts_attempts() {
        let nodes = vec![
            NodeBuilder::new("a").alloc(500, 1 << 30).info(),
            NodeBuilder::new("b").alloc(4000, 1 << 30).info(),
        ];
        let spec = PodBuilder::new().req(1000, 0).build();
        let mut scheduler = Scheduler::with_default_profile();
        let mut rng = RngStreams::new(1).stream("scheduler");
        let mut records = BTreeMap::new();
        let p = pod(&spec);
        // (nodes, uid, expected attempts, expected node)
        let table: [(&[NodeInfo], u64, u64, Option<&str>); 3] = [
            (&nodes[..1], 7, 1, None),
            (&nodes, 7, 2, Some("b")),
            (&nodes, 8, 1, Some("b")),
        ];
        for (i, (cluster, uid, attempts, node)) in table.into_iter().enumerate() {
            let p = PodInfo { uid, ..p.clone() };
            let outcome = scheduler.schedule(&p, cluster, &mut rng);
            record(
                &mut records,
                &scheduler,
                &p,
                cluster,
                &outcome,
                SimTime(i as u64),
            );
            assert_eq!(records.len(), 1);
            let kept = records.values().next().expect("one record");
            assert_eq!((kept.uid, kept.attempts), (uid, attempts));
            let back: PodSchedulingRecord = serde_json::from_str(&kept.line).expect("json");
            assert_eq!(back.attempts, attempts);
            assert_eq!(back.node.as_deref(), node);
            assert_eq!(back.message.is_some(), node.is_none());
            assert_eq!(back.explanation.nodes.len(), cluster.len());
        }
    }
}
