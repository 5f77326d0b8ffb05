//! `run --watch`: rollout progress lines worded like `kubectl rollout status` (kubectl's
//! `pkg/polymorphichelpers/rollout_status.go`) for every Deployment, StatefulSet and DaemonSet,
//! each prefixed with the simulated time and printed only when it changes.

use std::collections::BTreeMap;

use crate::cluster::World;
use crate::controllers::deployment_math::TIMED_OUT_REASON;
use crate::model::workloads::{DaemonSetStrategy, SetUpdateStrategy};
use crate::sim::time::SimTime;

/// Follows the workloads of one run and reports each change of a status line.
#[derive(Debug, Default)]
pub struct Watcher {
    /// Last line per `kind/namespace/name`.
    last: BTreeMap<String, String>,
}

/// `[HH:MM:SS]` of simulated time (hours keep counting past 24).
pub fn stamp(t: SimTime) -> String {
    let secs = t.as_millis() / 1000;
    format!(
        "[{:02}:{:02}:{:02}]",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

impl Watcher {
    /// The lines that changed since the last call, prefixed with `t`, in object order
    /// (Deployments, StatefulSets, DaemonSets; each by namespace and name).
    pub fn observe(&mut self, t: SimTime, world: &World) -> Vec<String> {
        let mut out = Vec::new();
        for (key, line) in status_lines(world) {
            if self.last.get(&key) != Some(&line) {
                out.push(format!("{} {line}", stamp(t)));
                self.last.insert(key, line);
            }
        }
        out
    }
}

/// kubectl's rollout status message of every workload that has one.
fn status_lines(world: &World) -> Vec<(String, String)> {
    let state = &world.state;
    let mut lines = Vec::new();
    for d in state.deployments.values().filter(|d| !d.deleting) {
        let name = &d.key.name;
        let s = &d.status;
        let line = if d.generation > s.observed_generation {
            "Waiting for deployment spec update to be observed...".to_string()
        } else if s
            .progressing
            .as_ref()
            .is_some_and(|c| c.reason == TIMED_OUT_REASON)
        {
            format!("error: deployment {name:?} exceeded its progress deadline")
        } else if s.updated < d.spec.replicas {
            format!(
                "Waiting for deployment {name:?} rollout to finish: {} out of {} new replicas have been updated...",
                s.updated, d.spec.replicas
            )
        } else if s.replicas > s.updated {
            format!(
                "Waiting for deployment {name:?} rollout to finish: {} old replicas are pending termination...",
                s.replicas - s.updated
            )
        } else if s.available < s.updated {
            format!(
                "Waiting for deployment {name:?} rollout to finish: {} of {} updated replicas are available...",
                s.available, s.updated
            )
        } else {
            format!("deployment {name:?} successfully rolled out")
        };
        lines.push((format!("deployment/{}/{name}", d.key.namespace), line));
    }
    for set in state.statefulsets.values() {
        // kubectl: "rollout status is only available for RollingUpdate strategy type".
        let SetUpdateStrategy::RollingUpdate { partition, .. } = set.spec.update_strategy else {
            continue;
        };
        let s = &set.status;
        let replicas = set.spec.replicas;
        let line = if s.observed_generation == 0 || set.generation > s.observed_generation {
            "Waiting for statefulset spec update to be observed...".to_string()
        } else if s.ready < replicas {
            format!("Waiting for {} pods to be ready...", replicas - s.ready)
        } else if s.updated < replicas - partition {
            format!(
                "Waiting for partitioned roll out to finish: {} out of {} new pods have been updated...",
                s.updated,
                replicas - partition
            )
        } else {
            format!(
                "partitioned roll out complete: {} new pods have been updated...",
                s.updated
            )
        };
        lines.push((
            format!("statefulset/{}/{}", set.key.namespace, set.key.name),
            line,
        ));
    }
    for ds in state.daemonsets.values() {
        if matches!(ds.spec.strategy, DaemonSetStrategy::OnDelete) {
            continue;
        }
        let name = &ds.key.name;
        let s = &ds.status;
        let line = if ds.generation > s.observed_generation {
            "Waiting for daemon set spec update to be observed...".to_string()
        } else if s.updated < s.desired {
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {} out of {} new pods have been updated...",
                s.updated, s.desired
            )
        } else if s.available < s.desired {
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {} of {} updated pods are available...",
                s.available, s.desired
            )
        } else {
            format!("daemon set {name:?} successfully rolled out")
        };
        lines.push((format!("daemonset/{}/{name}", ds.key.namespace), line));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps() {
        assert_eq!(stamp(SimTime(65_000_000_000)), "[00:01:05]");
        assert_eq!(stamp(SimTime(90_061_500_000_000)), "[25:01:01]");
    }
}
