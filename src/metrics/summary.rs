//! `summary.json` (CONTRACT §3): per-Service availability, per-workload rollouts, cluster peaks
//! and expectation outcomes, all computed from the recorded rows and the final state.

use serde_json::{Map, Value, json};

use super::expect::Outcome;
use super::recorder::{Recorder, RunResults, object_name};
use crate::cluster::World;
use crate::cluster::state::{ObjKey, RolloutRecord};

/// Availability figures of one Service over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceStats {
    /// Share of the window with at least `min_ready` serving endpoints.
    pub availability: f64,
    /// Time with fewer serving endpoints, ms.
    pub downtime_ms: u64,
    /// Longest outage, ms.
    pub longest_outage_ms: u64,
    /// Served requests / demanded requests (availability when there is no traffic).
    pub served_fraction: f64,
    /// Requests served by pods of images with an error rate / demanded requests.
    pub bad_request_fraction: f64,
    /// Outages in the window, in time order.
    pub outages: Vec<Outage>,
}

/// One stretch of time a Service was down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    /// Start, ms.
    pub start_ms: u64,
    /// End, ms (`None`: still down when the window ended).
    pub end_ms: Option<u64>,
    /// Length within the window, ms.
    pub duration_ms: u64,
}

impl ServiceStats {
    /// Mean length of the outages that ended, ms (`None` without any).
    pub fn mean_time_to_recover_ms(&self) -> Option<f64> {
        let ended: Vec<u64> = self
            .outages
            .iter()
            .filter(|o| o.end_ms.is_some())
            .map(|o| o.duration_ms)
            .collect();
        (!ended.is_empty()).then(|| ended.iter().sum::<u64>() as f64 / ended.len() as f64)
    }
}

fn step_points(recorder: &Recorder, object: &str, metric: &str) -> Vec<(u64, f64)> {
    recorder
        .series_id(object, metric)
        .map(|id| recorder.points(id))
        .unwrap_or_default()
}

/// ∫ f(value) dt over [from, to) of a step series.
fn integrate(points: &[(u64, f64)], from: u64, to: u64, f: impl Fn(f64) -> f64) -> f64 {
    let mut total = 0.0;
    for (i, (t, v)) in points.iter().enumerate() {
        let next = points.get(i + 1).map_or(u64::MAX, |(t, _)| *t);
        let (a, b) = ((*t).max(from), next.min(to));
        if b > a {
            total += f(*v) * (b - a) as f64;
        }
    }
    total
}

/// The stretches of [from, to) where the step series is below `threshold`.
pub fn stretches_below(points: &[(u64, f64)], from: u64, to: u64, threshold: f64) -> Vec<Outage> {
    let mut out = Vec::new();
    let mut start: Option<u64> = None;
    for (i, (t, v)) in points.iter().enumerate() {
        let next = points.get(i + 1).map_or(to, |(t, _)| *t);
        let (a, b) = ((*t).max(from), next.min(to));
        if b <= a {
            continue;
        }
        if *v >= threshold {
            if let Some(s) = start.take() {
                out.push(Outage {
                    start_ms: s,
                    end_ms: Some(a),
                    duration_ms: a - s,
                });
            }
        } else if start.is_none() {
            start = Some(a);
        }
    }
    if let Some(s) = start {
        out.push(Outage {
            start_ms: s,
            end_ms: None,
            duration_ms: to - s,
        });
    }
    out
}

/// Integrates a Service's series: it is up while at least `min_ready` routed endpoints serve.
/// `window: None` measures from the first time it was up to `end_ms`.
pub fn integrate_service(
    recorder: &Recorder,
    object: &str,
    min_ready: i64,
    end_ms: u64,
    window: Option<(u64, u64)>,
) -> Option<ServiceStats> {
    let serving = step_points(recorder, object, "serving_endpoints");
    if serving.is_empty() {
        return None;
    }
    let need = min_ready.max(1) as f64;
    let (from, to) = window.unwrap_or_else(|| {
        (
            serving
                .iter()
                .find(|(_, v)| *v >= need)
                .map_or(0, |(t, _)| *t),
            end_ms,
        )
    });
    let span = to.saturating_sub(from);
    if span == 0 {
        let up = serving
            .iter()
            .take_while(|(t, _)| *t <= from)
            .last()
            .is_some_and(|(_, v)| *v >= need);
        let value = if up { 1.0 } else { 0.0 };
        return Some(ServiceStats {
            availability: value,
            downtime_ms: 0,
            longest_outage_ms: 0,
            served_fraction: value,
            bad_request_fraction: 0.0,
            outages: Vec::new(),
        });
    }
    let outages = stretches_below(&serving, from, to, need);
    let downtime_ms: u64 = outages.iter().map(|o| o.duration_ms).sum();
    let longest = outages.iter().map(|o| o.duration_ms).max().unwrap_or(0);
    let availability = (span - downtime_ms) as f64 / span as f64;
    let demand = step_points(recorder, object, "demand_rps");
    let (served_fraction, bad_request_fraction) = if demand.is_empty() {
        (availability, 0.0)
    } else {
        let demanded = integrate(&demand, from, to, |v| v);
        let served = integrate(
            &step_points(recorder, object, "served_rps"),
            from,
            to,
            |v| v,
        );
        let bad = integrate(&step_points(recorder, object, "bad_rps"), from, to, |v| v);
        if demanded > 0.0 {
            (served / demanded, bad / demanded)
        } else {
            (1.0, 0.0)
        }
    };
    Some(ServiceStats {
        availability,
        downtime_ms,
        longest_outage_ms: longest,
        served_fraction,
        bad_request_fraction,
        outages,
    })
}

/// Time the workload `object` had fewer ready replicas than desired within [from, to], ms,
/// counted from the first time it had them all (`None` before it ever did, or without
/// series).
pub fn time_below_desired_ms(recorder: &Recorder, object: &str, from: u64, to: u64) -> Option<u64> {
    let ready = step_points(recorder, object, "ready_replicas");
    let desired = step_points(recorder, object, "desired_replicas");
    if ready.is_empty() || desired.is_empty() {
        return None;
    }
    // Merge the two step series into one of (ready − desired).
    let mut times: Vec<u64> = ready
        .iter()
        .chain(desired.iter())
        .map(|(t, _)| *t)
        .collect();
    times.sort_unstable();
    times.dedup();
    let at = |points: &[(u64, f64)], t: u64| {
        points
            .iter()
            .take_while(|(pt, _)| *pt <= t)
            .last()
            .map_or(0.0, |(_, v)| *v)
    };
    let margin: Vec<(u64, f64)> = times
        .iter()
        .map(|t| (*t, at(&ready, *t) - at(&desired, *t)))
        .collect();
    let steady = margin.iter().find(|(_, m)| *m >= 0.0)?.0;
    let below = stretches_below(&margin, from.max(steady), to, 0.0);
    Some(below.iter().map(|o| o.duration_ms).sum())
}

/// What started an outage at `start_ms` of Service `key`: the latest disruption at or before
/// it that is cluster-wide or hit a pod the Service selected.
pub fn outage_cause(world: &World, key: &ObjKey, start_ms: u64) -> Option<String> {
    let selected = world.endpoints.get(key).map(|e| &e.ever_selected);
    world
        .disruptions
        .iter()
        .rev()
        .filter(|d| d.time.as_millis() <= start_ms)
        .find(|d| {
            d.pod
                .is_none_or(|pod| selected.is_some_and(|s| s.contains(&pod)))
        })
        .map(|d| d.what.clone())
}

/// Rollouts of the workload `kind/key` (Deployments, StatefulSets, DaemonSets and Argo
/// Rollouts; empty for other kinds).
pub fn rollouts_of(world: &World, kind: &str, key: &ObjKey) -> Vec<RolloutRecord> {
    let state = &world.state;
    match kind {
        "deployment" => state.deployments.get(key).map(|d| d.rollouts.clone()),
        "statefulset" => state.statefulsets.get(key).map(|s| s.rollouts.clone()),
        "daemonset" => state.daemonsets.get(key).map(|d| d.rollouts.clone()),
        "rollout" => state.argo_rollouts.get(key).map(|r| r.rollouts.clone()),
        _ => None,
    }
    .unwrap_or_default()
}

fn round6(v: f64) -> Value {
    let rounded = (v * 1e6).round() / 1e6;
    json!(rounded)
}

/// Builds `summary.json`.
pub fn build(results: &RunResults) -> Value {
    let world = &results.world;
    let recorder = &results.recorder;
    let end_ms = results.duration.as_millis();
    let mut services = Map::new();
    for (key, endpoints) in &world.endpoints {
        let object = object_name("service", key);
        if let Some(stats) = integrate_service(recorder, &object, endpoints.min_ready, end_ms, None)
        {
            let outages: Vec<Value> = stats
                .outages
                .iter()
                .map(|o| {
                    json!({
                        "start_ms": o.start_ms,
                        "end_ms": o.end_ms,
                        "duration_ms": o.duration_ms,
                        "cause": outage_cause(world, key, o.start_ms),
                    })
                })
                .collect();
            services.insert(
                format!("{}/{}", key.namespace, key.name),
                json!({
                    "availability": round6(stats.availability),
                    "downtime_ms": stats.downtime_ms,
                    "longest_outage_ms": stats.longest_outage_ms,
                    "served_fraction": round6(stats.served_fraction),
                    "bad_request_fraction": round6(stats.bad_request_fraction),
                    "ready_endpoints_final": endpoints.ready,
                    "serving_endpoints_final": endpoints.app_ready,
                    "min_ready_endpoints": endpoints.min_ready,
                    "outage_count": stats.outages.len(),
                    "mean_time_to_recover_ms": stats.mean_time_to_recover_ms().map(round6),
                    "outages": outages,
                }),
            );
        }
    }
    let below = |object: &str| time_below_desired_ms(recorder, object, 0, end_ms);
    let mut workloads = Map::new();
    for d in world.state.deployments.values() {
        let object = object_name("deployment", &d.key);
        let available = step_points(recorder, &object, "available_replicas");
        let replicas = step_points(recorder, &object, "replicas");
        let desired = step_points(recorder, &object, "desired_replicas");
        let steady_from = available
            .iter()
            .zip(std::iter::repeat(d.spec.replicas))
            .find(|((_, v), want)| *v >= *want as f64)
            .map(|((t, _), _)| *t);
        let min_available = match steady_from {
            Some(from) => available
                .iter()
                .filter(|(t, _)| *t >= from)
                .map(|(_, v)| *v)
                .fold(f64::INFINITY, f64::min),
            None => available
                .iter()
                .map(|(_, v)| *v)
                .fold(f64::INFINITY, f64::min),
        };
        let mut times: Vec<u64> = replicas
            .iter()
            .chain(desired.iter())
            .map(|(t, _)| *t)
            .collect();
        times.sort_unstable();
        times.dedup();
        let at = |points: &[(u64, f64)], t: u64| {
            points
                .iter()
                .take_while(|(pt, _)| *pt <= t)
                .last()
                .map_or(0.0, |(_, v)| *v)
        };
        let max_surge = times
            .iter()
            .map(|t| (at(&replicas, *t) - at(&desired, *t)).max(0.0))
            .fold(0.0, f64::max);
        let rollouts: Vec<Value> = d
            .rollouts
            .iter()
            .map(|r| json!({"revision": r.revision, "start_ms": r.start.as_millis(), "end_ms": r.end.map(|e| e.as_millis()), "outcome": r.outcome}))
            .collect();
        workloads.insert(
            format!("deployment/{}/{}", d.key.namespace, d.key.name),
            json!({
                "rollouts": rollouts,
                "min_available": if min_available.is_finite() { min_available as i64 } else { 0 },
                "max_surge_pods": max_surge as i64,
                "replicas": d.status.replicas,
                "ready_replicas": d.status.ready,
                "available_replicas": d.status.available,
                "updated_replicas": d.status.updated,
                "progressing": d.status.progressing.as_ref().map(|c| c.reason.clone()),
                "time_below_desired_ms": below(&object_name("deployment", &d.key)),
            }),
        );
    }
    for set in world.state.statefulsets.values() {
        let rollouts: Vec<Value> = set
            .rollouts
            .iter()
            .map(|r| json!({"revision": r.revision, "start_ms": r.start.as_millis(), "end_ms": r.end.map(|e| e.as_millis()), "outcome": r.outcome}))
            .collect();
        workloads.insert(
            format!("statefulset/{}/{}", set.key.namespace, set.key.name),
            json!({
                "rollouts": rollouts,
                "replicas": set.status.replicas,
                "ready_replicas": set.status.ready,
                "available_replicas": set.status.available,
                "updated_replicas": set.status.updated,
                "current_revision": set.status.current_revision,
                "update_revision": set.status.update_revision,
                "time_below_desired_ms": below(&object_name("statefulset", &set.key)),
            }),
        );
    }
    for r in world.state.argo_rollouts.values() {
        let rollouts: Vec<Value> = r
            .rollouts
            .iter()
            .map(|r| json!({"revision": r.revision, "start_ms": r.start.as_millis(), "end_ms": r.end.map(|e| e.as_millis()), "outcome": r.outcome}))
            .collect();
        workloads.insert(
            format!("rollout/{}/{}", r.key.namespace, r.key.name),
            json!({
                "rollouts": rollouts,
                "replicas": r.status.replicas,
                "ready_replicas": r.status.ready,
                "available_replicas": r.status.available,
                "updated_replicas": r.status.updated,
                "phase": r.status.phase.as_str(),
                "current_pod_hash": r.status.current_hash,
                "stable_pod_hash": r.status.stable_hash,
                "time_below_desired_ms": below(&object_name("rollout", &r.key)),
            }),
        );
    }
    for ds in world.state.daemonsets.values() {
        let object = object_name("daemonset", &ds.key);
        let available = step_points(recorder, &object, "available_replicas");
        let desired = step_points(recorder, &object, "desired_replicas");
        let desired_at = |t: u64| {
            desired
                .iter()
                .take_while(|(pt, _)| *pt <= t)
                .last()
                .map_or(0.0, |(_, v)| *v)
        };
        // As for Deployments: from the first time every desired node had an available pod.
        let steady_from = available
            .iter()
            .find(|(t, v)| *v > 0.0 && *v >= desired_at(*t))
            .map(|(t, _)| *t);
        let min_available = available
            .iter()
            .filter(|(t, _)| steady_from.is_none_or(|from| *t >= from))
            .map(|(_, v)| *v)
            .fold(f64::INFINITY, f64::min);
        let rollouts: Vec<Value> = ds
            .rollouts
            .iter()
            .map(|r| json!({"revision": r.revision, "start_ms": r.start.as_millis(), "end_ms": r.end.map(|e| e.as_millis()), "outcome": r.outcome}))
            .collect();
        workloads.insert(
            format!("daemonset/{}/{}", ds.key.namespace, ds.key.name),
            json!({
                "rollouts": rollouts,
                "min_available": if min_available.is_finite() { min_available as i64 } else { 0 },
                "desired_number_scheduled": ds.status.desired,
                "replicas": ds.status.current,
                "ready_replicas": ds.status.ready,
                "available_replicas": ds.status.available,
                "updated_replicas": ds.status.updated,
                "number_misscheduled": ds.status.misscheduled,
                "time_below_desired_ms": below(&object_name("daemonset", &ds.key)),
            }),
        );
    }
    let pending = step_points(recorder, "cluster", "pending_pods");
    let pending_max = pending.iter().map(|(_, v)| *v as i64).max().unwrap_or(0);
    let mut cpu_by_node: Vec<f64> = Vec::new();
    let mut cpu_total = 0.0f64;
    let mut cpu_peak = 0.0f64;
    let node_series: Vec<usize> = recorder
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| s.metric == "cpu_requested_millis")
        .map(|(i, _)| i)
        .collect();
    cpu_by_node.resize(recorder.series.len(), 0.0);
    for row in &recorder.rows {
        if node_series.contains(&row.series) {
            cpu_total += row.value - cpu_by_node[row.series];
            cpu_by_node[row.series] = row.value;
            cpu_peak = cpu_peak.max(cpu_total);
        }
    }
    let mut reasons = Map::new();
    for event in &world.events {
        let entry = reasons.entry(event.reason.to_string()).or_insert(json!(0));
        *entry = json!(entry.as_i64().unwrap_or(0) + 1);
    }
    let mut budgets = Map::new();
    for key in world.state.pdbs.keys() {
        if let Some(sync) = crate::cluster::lister::budget_sync(&world.state, key, results.duration)
        {
            let (allowed, reason) = sync.condition();
            budgets.insert(
                format!("{}/{}", key.namespace, key.name),
                json!({
                    "disruptions_allowed": sync.status.disruptions_allowed,
                    "current_healthy": sync.status.current_healthy,
                    "desired_healthy": sync.status.desired_healthy,
                    "expected_pods": sync.status.expected_pods,
                    "conditions": [{
                        "type": "DisruptionAllowed",
                        "status": if allowed { "True" } else { "False" },
                        "reason": reason,
                        "message": sync.error.clone().unwrap_or_default(),
                    }],
                }),
            );
        }
    }
    let mut summary = json!({
        "scenario": results.scenario,
        "seed": results.seed,
        "duration_ms": end_ms,
        "events_processed": results.events_processed,
        "trace_hash": format!("{:016x}", results.trace_hash),
        "expectations": results.expectations.iter().map(outcome_json).collect::<Vec<_>>(),
        "services": services,
        "workloads": workloads,
        "pod_disruption_budgets": budgets,
        "cluster": {
            "nodes": world.state.nodes.iter().filter(|n| n.exists).count(),
            "pods_created": world.state.pods.len(),
            "pods_pending_max": pending_max,
            "cpu_requested_peak_millis": cpu_peak as i64,
        },
        "event_reasons": reasons,
        "faults": world.fault_log.iter().map(|f| json!({
            "start_ms": f.start.as_millis(),
            "kind": f.kind,
            "target": f.target,
            "detected_ms": f.detected.map(|t| t.as_millis()),
            "repaired_ms": f.repaired.map(|t| t.as_millis()),
            "recovered_ms": f.recovered.map(|t| t.as_millis()),
        })).collect::<Vec<_>>(),
    });
    let (claims, pod_data) = volume_sections(world);
    if !claims.is_empty() {
        summary["claims"] = Value::Object(claims);
    }
    if !pod_data.is_empty() {
        summary["pod_data"] = Value::Object(pod_data);
    }
    summary
}

/// The `claims` section (every claim that existed, `namespace/name` → its volume, binding,
/// provisioning, attaches and whether its data was lost) and the `pod_data` section (pods with
/// `emptyDir` or `hostPath` volumes, `namespace/name` → whether their data was lost).
fn volume_sections(world: &World) -> (Map<String, Value>, Map<String, Value>) {
    let storage = &world.state.storage;
    let mut keys: std::collections::BTreeSet<(String, String)> =
        storage.claims.keys().cloned().collect();
    keys.extend(world.volumes.claims.keys().cloned());
    let record_json = |r: Option<&crate::cluster::world::DataRecord>| {
        let r = r.cloned().unwrap_or_default();
        json!({
            "provisioned_ms": r.provisioned.map(|t| t.as_millis()),
            "attach_count": r.attach_count,
            "detach_count": r.detach_count,
            "forced_detach_count": r.forced_detach_count,
            "data_lost": r.lost.is_some(),
            "lost_at_ms": r.lost.map(|t| t.as_millis()),
            "lost_reason": r.lost_reason,
        })
    };
    let mut claims = Map::new();
    for key in keys {
        let claim = storage.claims.get(&key);
        let record = world.volumes.claims.get(&key);
        let mut entry = record_json(record);
        entry["bound"] = json!(claim.is_some_and(|c| c.bound));
        entry["volume"] = json!(
            claim
                .and_then(|c| c.volume_name.clone())
                .or_else(|| record.and_then(|r| r.volume.clone()))
        );
        entry["exists"] = json!(claim.is_some());
        claims.insert(format!("{}/{}", key.0, key.1), entry);
    }
    let mut pod_data = Map::new();
    for (key, record) in &world.volumes.pods {
        let r = record_json(Some(record));
        pod_data.insert(
            format!("{}/{}", key.0, key.1),
            json!({
                "data_lost": r["data_lost"],
                "lost_at_ms": r["lost_at_ms"],
                "lost_reason": r["lost_reason"],
            }),
        );
    }
    (claims, pod_data)
}

/// The top `summary.json` of `run --runs N`: every numeric value of the runs' summaries
/// replaced by its statistics over the runs.
pub fn aggregate_runs(summaries: &[&Value]) -> Value {
    super::statistics::aggregate(summaries)
}

fn outcome_json(o: &Outcome) -> Value {
    json!({"name": o.name, "passed": o.passed, "observed": o.observed.map(round6), "min": o.min, "max": o.max})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stretches_below_a_threshold() {
        let points = [(0, 0.0), (10, 2.0), (30, 1.0), (40, 3.0), (60, 0.0)];
        let o = |start_ms, end_ms: Option<u64>, duration_ms| Outage {
            start_ms,
            end_ms,
            duration_ms,
        };
        // (from, to, threshold) → stretches.
        let rows: [(u64, u64, f64, Vec<Outage>); 4] = [
            (0, 70, 1.0, vec![o(0, Some(10), 10), o(60, None, 10)]),
            (
                0,
                70,
                2.0,
                vec![o(0, Some(10), 10), o(30, Some(40), 10), o(60, None, 10)],
            ),
            (10, 60, 2.0, vec![o(30, Some(40), 10)]),
            (5, 35, 3.0, vec![o(5, None, 30)]),
        ];
        for (from, to, threshold, want) in rows {
            assert_eq!(
                stretches_below(&points, from, to, threshold),
                want,
                "{from} {to} {threshold}"
            );
        }
        let stats = ServiceStats {
            availability: 0.5,
            downtime_ms: 30,
            longest_outage_ms: 10,
            served_fraction: 0.5,
            bad_request_fraction: 0.0,
            outages: rows_outages(),
        };
        assert_eq!(stats.mean_time_to_recover_ms(), Some(15.0));
    }

    fn rows_outages() -> Vec<Outage> {
        vec![
            Outage {
                start_ms: 0,
                end_ms: Some(10),
                duration_ms: 10,
            },
            Outage {
                start_ms: 20,
                end_ms: Some(40),
                duration_ms: 20,
            },
            Outage {
                start_ms: 50,
                end_ms: None,
                duration_ms: 100,
            },
        ]
    }

    #[test]
    fn integration_of_steps() {
        let points = [(0, 0.0), (10, 2.0), (30, 0.0), (40, 1.0)];
        assert_eq!(
            integrate(&points, 0, 50, |v| if v > 0.0 { 1.0 } else { 0.0 }),
            30.0
        );
        assert_eq!(integrate(&points, 15, 35, |v| v), 30.0);
    }
}
