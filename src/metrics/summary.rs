//! `summary.json` (CONTRACT §3): per-Service availability, per-workload rollouts, cluster peaks
//! and expectation outcomes, all computed from the recorded rows and the final state.

use serde_json::{Map, Value, json};

use super::expect::Outcome;
use super::recorder::{Recorder, RunResults, object_name};
use crate::cluster::World;
use crate::cluster::state::{ObjKey, RolloutRecord};

/// Availability figures of one Service over a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceStats {
    /// Share of the window with at least one ready endpoint.
    pub availability: f64,
    /// Time without a ready endpoint, ms.
    pub downtime_ms: u64,
    /// Longest stretch without a ready endpoint, ms.
    pub longest_outage_ms: u64,
    /// Served requests / demanded requests (availability when there is no traffic).
    pub served_fraction: f64,
    /// Requests served by pods of images with an error rate / demanded requests.
    pub bad_request_fraction: f64,
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

/// Integrates a Service's series. `window: None` measures from the first ready endpoint to `end_ms`.
pub fn integrate_service(
    recorder: &Recorder,
    object: &str,
    end_ms: u64,
    window: Option<(u64, u64)>,
) -> Option<ServiceStats> {
    let ready = step_points(recorder, object, "ready_endpoints");
    if ready.is_empty() {
        return None;
    }
    let (from, to) = window.unwrap_or_else(|| {
        (
            ready.iter().find(|(_, v)| *v > 0.0).map_or(0, |(t, _)| *t),
            end_ms,
        )
    });
    let span = to.saturating_sub(from);
    if span == 0 {
        let up = ready
            .iter()
            .take_while(|(t, _)| *t <= from)
            .last()
            .is_some_and(|(_, v)| *v > 0.0);
        let value = if up { 1.0 } else { 0.0 };
        return Some(ServiceStats {
            availability: value,
            downtime_ms: 0,
            longest_outage_ms: 0,
            served_fraction: value,
            bad_request_fraction: 0.0,
        });
    }
    let up_ms = integrate(&ready, from, to, |v| if v > 0.0 { 1.0 } else { 0.0 });
    let mut longest = 0u64;
    let mut outage_start: Option<u64> = None;
    for (i, (t, v)) in ready.iter().enumerate() {
        let next = ready.get(i + 1).map_or(to, |(t, _)| *t);
        let (a, b) = ((*t).max(from), next.min(to));
        if b <= a {
            continue;
        }
        if *v > 0.0 {
            if let Some(start) = outage_start.take() {
                longest = longest.max(a - start);
            }
        } else if outage_start.is_none() {
            outage_start = Some(a);
        }
    }
    if let Some(start) = outage_start {
        longest = longest.max(to - start);
    }
    let availability = up_ms / span as f64;
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
        downtime_ms: span - up_ms as u64,
        longest_outage_ms: longest,
        served_fraction,
        bad_request_fraction,
    })
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
    for key in world.endpoints.keys() {
        if let Some(stats) = integrate_service(recorder, &object_name("service", key), end_ms, None)
        {
            services.insert(
                format!("{}/{}", key.namespace, key.name),
                json!({
                    "availability": round6(stats.availability),
                    "downtime_ms": stats.downtime_ms,
                    "longest_outage_ms": stats.longest_outage_ms,
                    "served_fraction": round6(stats.served_fraction),
                    "bad_request_fraction": round6(stats.bad_request_fraction),
                    "ready_endpoints_final": world.endpoints[key].ready,
                }),
            );
        }
    }
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
    let mut summary = json!({
        "scenario": results.scenario,
        "seed": results.seed,
        "duration_ms": end_ms,
        "events_processed": results.events_processed,
        "trace_hash": format!("{:016x}", results.trace_hash),
        "expectations": results.expectations.iter().map(outcome_json).collect::<Vec<_>>(),
        "services": services,
        "workloads": workloads,
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
    fn integration_of_steps() {
        let points = [(0, 0.0), (10, 2.0), (30, 0.0), (40, 1.0)];
        assert_eq!(
            integrate(&points, 0, 50, |v| if v > 0.0 { 1.0 } else { 0.0 }),
            30.0
        );
        assert_eq!(integrate(&points, 15, 35, |v| v), 30.0);
    }
}
