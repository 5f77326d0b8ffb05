//! Expectations: turn a scenario into a test (CONTRACT §1 `expect`).
//!
//! Windows: `during: [from, to]` and `at: t` as written. Without either, rates and counts
//! (`availability`, `servedFraction`, `downtime`, `outageCount`, `badRequestFraction`,
//! `eventCount`, `timeBelowDesired`) cover the whole run — availability from the moment the
//! Service first had enough serving endpoints, time below desired from the moment the workload
//! first had all its replicas ready, so the initial rollout counts as neither — and gauges (replica counts, `pendingPods`,
//! `podsOnNode`) are checked on their final value. `rolloutDuration` looks at the last rollout.
//! With `min`, the observed value is the window's minimum; with only `max`, its maximum.

use super::recorder::{Recorder, object_name};
use super::summary::{integrate_service, rollouts_of, time_below_desired_ms};
use crate::cluster::World;
use crate::cluster::state::ObjKey;
use crate::scenario::spec::{Expectation, Metric, Window};
use crate::sim::time::SimTime;

/// The outcome of one expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Name.
    pub name: String,
    /// Passed?
    pub passed: bool,
    /// Observed value (`None`: the metric never had a value).
    pub observed: Option<f64>,
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
}

/// Value of a step series at `t_ms` given its change points.
fn value_at(points: &[(u64, f64)], t_ms: u64) -> Option<f64> {
    points
        .iter()
        .take_while(|(t, _)| *t <= t_ms)
        .last()
        .map(|(_, v)| *v)
}

/// Minimum and maximum of a step series over `[from, to]`.
fn range_over(points: &[(u64, f64)], from_ms: u64, to_ms: u64) -> Option<(f64, f64)> {
    let mut values: Vec<f64> = value_at(points, from_ms).into_iter().collect();
    values.extend(
        points
            .iter()
            .filter(|(t, _)| *t > from_ms && *t <= to_ms)
            .map(|(_, v)| *v),
    );
    if values.is_empty() {
        return None;
    }
    Some(
        values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            }),
    )
}

/// Evaluates every expectation of a finished run.
pub fn evaluate(
    expectations: &[Expectation],
    world: &World,
    recorder: &Recorder,
    end: SimTime,
) -> Vec<Outcome> {
    expectations
        .iter()
        .map(|e| evaluate_one(e, world, recorder, end))
        .collect()
}

fn evaluate_one(e: &Expectation, world: &World, recorder: &Recorder, end: SimTime) -> Outcome {
    let end_ms = end.as_millis();
    let (from_ms, to_ms) = match e.window {
        Window::During(from, to) => (from.as_millis(), to.as_millis().min(end_ms)),
        Window::At(t) => (t.as_millis(), t.as_millis()),
        Window::Default => (0, end_ms),
    };
    let target_key = e
        .target
        .as_ref()
        .map(|t| ObjKey::new(&e.namespace, &t.name));
    let gauge = |object: String, metric: &str| -> Option<f64> {
        let id = recorder.series_id(&object, metric)?;
        let points = recorder.points(id);
        match e.window {
            Window::Default => value_at(&points, end_ms),
            Window::At(t) => value_at(&points, t.as_millis()),
            Window::During(..) => range_over(&points, from_ms, to_ms)
                .map(|(lo, hi)| if e.min.is_some() { lo } else { hi }),
        }
    };
    let observed = match e.metric {
        Metric::ReadyReplicas
        | Metric::AvailableReplicas
        | Metric::UpdatedReplicas
        | Metric::Replicas => {
            let metric = match e.metric {
                Metric::ReadyReplicas => "ready_replicas",
                Metric::AvailableReplicas => "available_replicas",
                Metric::UpdatedReplicas => "updated_replicas",
                _ => "replicas",
            };
            let t = e.target.as_ref().expect("validated: target required");
            let key = target_key.clone().expect("validated");
            gauge(object_name(&t.kind, &key), metric)
        }
        Metric::Succeeded | Metric::Failed | Metric::Active => {
            let metric = match e.metric {
                Metric::Succeeded => "succeeded",
                Metric::Failed => "failed",
                _ => "active",
            };
            let t = e.target.as_ref().expect("validated: target required");
            let key = target_key.clone().expect("validated");
            gauge(object_name(&t.kind, &key), metric)
        }
        Metric::PendingPods => match (&e.target, &target_key) {
            (Some(t), Some(key)) => gauge(object_name(&t.kind, key), "pending_pods"),
            _ => gauge("cluster".into(), "pending_pods"),
        },
        Metric::PodsOnNode => gauge(
            format!("node/{}", e.target.as_ref().map_or("", |t| t.name.as_str())),
            "pods",
        ),
        Metric::EventCount => {
            let object = e.target.as_ref().map(|t| t.to_string());
            let count = world
                .events
                .iter()
                .filter(|ev| {
                    let t = ev.time.as_millis();
                    t >= from_ms
                        && t <= to_ms
                        && e.reason.as_deref().is_none_or(|r| r == ev.reason)
                        && object.as_deref().is_none_or(|o| o == ev.object)
                })
                .count();
            Some(count as f64)
        }
        Metric::Availability
        | Metric::ServedFraction
        | Metric::Downtime
        | Metric::OutageCount
        | Metric::BadRequestFraction => {
            let key = target_key.clone().expect("validated");
            let window = match e.window {
                Window::Default => None,
                _ => Some((from_ms, to_ms.max(from_ms))),
            };
            let min_ready = world.endpoints.get(&key).map_or(1, |e| e.min_ready);
            integrate_service(
                recorder,
                &object_name("service", &key),
                min_ready,
                end_ms,
                window,
            )
            .map(|stats| match e.metric {
                Metric::Availability => stats.availability,
                Metric::ServedFraction => stats.served_fraction,
                Metric::Downtime => stats.downtime_ms as f64 / 1000.0,
                Metric::OutageCount => stats.outages.len() as f64,
                _ => stats.bad_request_fraction,
            })
        }
        Metric::TimeBelowDesired => {
            let t = e.target.as_ref().expect("validated: target required");
            let key = target_key.clone().expect("validated");
            time_below_desired_ms(
                recorder,
                &object_name(&t.kind, &key),
                from_ms,
                to_ms.max(from_ms),
            )
            .map(|ms| ms as f64 / 1000.0)
        }
        Metric::DataLoss => {
            let t = e.target.as_ref().expect("validated: target required");
            let key = (e.namespace.clone(), t.name.clone());
            let records = if t.kind == "pod" {
                &world.volumes.pods
            } else {
                &world.volumes.claims
            };
            let lost_ms = records
                .get(&key)
                .and_then(|r| r.lost)
                .map(SimTime::as_millis);
            let lost_by = |t_ms: u64| f64::from(u8::from(lost_ms.is_some_and(|l| l <= t_ms)));
            Some(match e.window {
                Window::Default => lost_by(end_ms),
                Window::At(t) => lost_by(t.as_millis()),
                Window::During(..) if e.min.is_some() => lost_by(from_ms),
                Window::During(..) => lost_by(to_ms),
            })
        }
        Metric::RolloutDuration => {
            let key = target_key.clone().expect("validated");
            let kind = e.target.as_ref().map_or("", |t| t.kind.as_str());
            let rollouts = rollouts_of(world, kind, &key);
            let chosen = match e.window {
                Window::Default => rollouts
                    .iter()
                    .rev()
                    .find(|r| r.revision > 1)
                    .or(rollouts.last()),
                _ => rollouts
                    .iter()
                    .rev()
                    .find(|r| r.start.as_millis() >= from_ms && r.start.as_millis() <= to_ms),
            };
            chosen.and_then(|r| r.end.map(|end| end.nanos_since(r.start) as f64 / 1e9))
        }
    };
    let passed = observed.is_some_and(|v| {
        e.min.is_none_or(|lo| v >= lo - 1e-12) && e.max.is_none_or(|hi| v <= hi + 1e-12)
    });
    Outcome {
        name: e.name.clone(),
        passed,
        observed,
        min: e.min,
        max: e.max,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_series_lookups() {
        let points = [(0, 0.0), (1000, 3.0), (5000, 2.0), (9000, 4.0)];
        assert_eq!(value_at(&points, 999), Some(0.0));
        assert_eq!(value_at(&points, 5000), Some(2.0));
        assert_eq!(range_over(&points, 1000, 8000), Some((2.0, 3.0)));
        assert_eq!(range_over(&points, 2000, 9500), Some((2.0, 4.0)));
    }
}
