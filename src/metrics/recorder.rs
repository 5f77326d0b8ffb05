//! The time-series recorder (CONTRACT §3 `timeseries.csv`).

use std::collections::BTreeMap;

use crate::cluster::World;
use crate::cluster::events::Event;
use crate::cluster::state::{ObjKey, PodPhase, RsOwnerKind};
use crate::sim::engine::{Ctx, Model};
use crate::sim::time::SimTime;

/// One series: object and metric.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeriesKey {
    /// `kind/name` (`kind/namespace/name` outside `default`), or `cluster`.
    pub object: String,
    /// Metric name.
    pub metric: &'static str,
}

/// One row: at `t_ms` series `series` took `value`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// Simulated time, ms.
    pub t_ms: u64,
    /// Index into [`Recorder::series`].
    pub series: usize,
    /// New value.
    pub value: f64,
}

/// A workload's counters, as its series record them.
struct WorkloadCounts {
    /// `status.replicas`.
    replicas: i64,
    /// `status.readyReplicas`.
    ready: i64,
    /// `status.availableReplicas`.
    available: i64,
    /// `status.updatedReplicas`.
    updated: i64,
    /// `spec.replicas`.
    desired: i64,
    /// Pods not yet bound to a node.
    pending: i64,
}

/// Records changes of every series.
#[derive(Debug, Default)]
pub struct Recorder {
    /// Series in first-seen order.
    pub series: Vec<SeriesKey>,
    index: BTreeMap<SeriesKey, usize>,
    last: Vec<f64>,
    /// Rows in time order.
    pub rows: Vec<Row>,
}

/// Names a namespaced object as the outputs do.
pub fn object_name(kind: &str, key: &ObjKey) -> String {
    if key.namespace == "default" {
        format!("{kind}/{}", key.name)
    } else {
        format!("{kind}/{}/{}", key.namespace, key.name)
    }
}

impl Recorder {
    fn put(&mut self, t_ms: u64, object: String, metric: &'static str, value: f64) {
        let key = SeriesKey { object, metric };
        let id = match self.index.get(&key) {
            Some(id) => *id,
            None => {
                let id = self.series.len();
                self.index.insert(key.clone(), id);
                self.series.push(key);
                self.last.push(0.0);
                // Every series starts at t=0; one that appears later was 0 until then.
                self.rows.push(Row {
                    t_ms: 0,
                    series: id,
                    value: 0.0,
                });
                if t_ms == 0 {
                    self.rows.pop();
                    self.last[id] = f64::NAN;
                }
                id
            }
        };
        if self.last[id] != value {
            self.last[id] = value;
            self.rows.push(Row {
                t_ms,
                series: id,
                value,
            });
        }
    }

    /// The series every workload has (CONTRACT §3).
    fn put_workload(&mut self, t_ms: u64, name: String, counts: WorkloadCounts) {
        self.put(t_ms, name.clone(), "replicas", counts.replicas as f64);
        self.put(t_ms, name.clone(), "ready_replicas", counts.ready as f64);
        self.put(
            t_ms,
            name.clone(),
            "available_replicas",
            counts.available as f64,
        );
        self.put(
            t_ms,
            name.clone(),
            "updated_replicas",
            counts.updated as f64,
        );
        self.put(
            t_ms,
            name.clone(),
            "desired_replicas",
            counts.desired as f64,
        );
        self.put(t_ms, name, "pending_pods", counts.pending as f64);
    }

    /// Records the state of `world` as of time `t`.
    pub fn observe(&mut self, t: SimTime, world: &World) {
        let t_ms = t.as_millis();
        let state = &world.state;
        for d in state.deployments.values() {
            let pending = state
                .replicasets_of(&d.key)
                .iter()
                .flat_map(|rs| rs.pods.iter())
                .filter(|p| {
                    let pod = state.pod(**p);
                    pod.node.is_none() && pod.deletion.is_none()
                })
                .count();
            self.put_workload(
                t_ms,
                object_name("deployment", &d.key),
                WorkloadCounts {
                    replicas: d.status.replicas,
                    ready: d.status.ready,
                    available: d.status.available,
                    updated: d.status.updated,
                    desired: d.spec.replicas,
                    pending: pending as i64,
                },
            );
            if !world.traffic.is_empty() {
                let cpu: f64 = state
                    .replicasets_of(&d.key)
                    .iter()
                    .flat_map(|rs| rs.pods.iter())
                    .map(|p| world.pod_cpu_usage_millis(*p))
                    .sum();
                self.put(
                    t_ms,
                    object_name("deployment", &d.key),
                    "cpu_usage_millis",
                    cpu,
                );
            }
        }
        for set in state.statefulsets.values() {
            let pending = state
                .statefulset_pods(&set.key)
                .iter()
                .filter(|p| {
                    let pod = state.pod(**p);
                    pod.node.is_none() && pod.deletion.is_none()
                })
                .count();
            self.put_workload(
                t_ms,
                object_name("statefulset", &set.key),
                WorkloadCounts {
                    replicas: set.status.replicas,
                    ready: set.status.ready,
                    available: set.status.available,
                    updated: set.status.updated,
                    desired: set.spec.replicas,
                    pending: pending as i64,
                },
            );
        }
        for r in state.argo_rollouts.values() {
            let pending = state
                .replicasets_owned(&r.key, RsOwnerKind::Rollout)
                .iter()
                .flat_map(|rs| rs.pods.iter())
                .filter(|p| {
                    let pod = state.pod(**p);
                    pod.node.is_none() && pod.deletion.is_none()
                })
                .count();
            self.put_workload(
                t_ms,
                object_name("rollout", &r.key),
                WorkloadCounts {
                    replicas: r.status.replicas,
                    ready: r.status.ready,
                    available: r.status.available,
                    updated: r.status.updated,
                    desired: r.object.spec.replicas,
                    pending: pending as i64,
                },
            );
        }
        for ds in state.daemonsets.values() {
            let name = object_name("daemonset", &ds.key);
            let status = &ds.status;
            self.put(t_ms, name.clone(), "replicas", status.current as f64);
            self.put(t_ms, name.clone(), "ready_replicas", status.ready as f64);
            self.put(
                t_ms,
                name.clone(),
                "available_replicas",
                status.available as f64,
            );
            self.put(
                t_ms,
                name.clone(),
                "updated_replicas",
                status.updated as f64,
            );
            self.put(
                t_ms,
                name.clone(),
                "desired_replicas",
                status.desired as f64,
            );
            self.put(
                t_ms,
                name.clone(),
                "misscheduled",
                status.misscheduled as f64,
            );
            let pending = ds
                .pods
                .iter()
                .filter(|p| {
                    let pod = state.pod(**p);
                    pod.node.is_none() && pod.deletion.is_none()
                })
                .count();
            self.put(t_ms, name, "pending_pods", pending as f64);
        }
        for rs in state.replicasets.values() {
            let name = object_name("replicaset", &rs.key);
            self.put(t_ms, name.clone(), "replicas", rs.spec.replicas as f64);
            self.put(t_ms, name.clone(), "ready_replicas", rs.status.ready as f64);
            self.put(
                t_ms,
                name.clone(),
                "current_replicas",
                rs.status.replicas as f64,
            );
            self.put(t_ms, name, "available_replicas", rs.status.available as f64);
        }
        for job in state.jobs.values() {
            let name = object_name("job", &job.key);
            let status = &job.status;
            self.put(t_ms, name.clone(), "active", status.active as f64);
            self.put(t_ms, name.clone(), "succeeded", status.succeeded as f64);
            self.put(t_ms, name.clone(), "failed", status.failed as f64);
            // The workload series of the contract: a Job's replicas are its active pods.
            self.put(t_ms, name.clone(), "replicas", status.active as f64);
            self.put(t_ms, name, "ready_replicas", status.ready as f64);
        }
        for cj in state.cronjobs.values() {
            let name = object_name("cronjob", &cj.key);
            self.put(t_ms, name, "active", cj.active.len() as f64);
        }
        for (key, endpoints) in &world.endpoints {
            let name = object_name("service", key);
            self.put(
                t_ms,
                name.clone(),
                "ready_endpoints",
                endpoints.ready as f64,
            );
            self.put(
                t_ms,
                name.clone(),
                "serving_endpoints",
                endpoints.app_ready as f64,
            );
            self.put(
                t_ms,
                name.clone(),
                "up",
                if endpoints.is_up() { 1.0 } else { 0.0 },
            );
            if let Some(load) = world.service_load(key) {
                self.put(t_ms, name.clone(), "demand_rps", load.demand);
                self.put(t_ms, name.clone(), "served_rps", load.served);
                self.put(t_ms, name, "bad_rps", load.bad);
            }
        }
        for (key, hpa) in &world.hpas {
            let name = object_name("horizontalpodautoscaler", key);
            self.put(
                t_ms,
                name.clone(),
                "desired_replicas",
                hpa.desired_replicas as f64,
            );
            if let Some(u) = hpa.current_utilization {
                self.put(t_ms, name, "current_utilization_percent", u as f64);
            }
        }
        // ResourceQuota `status.used`: CPU in millicores, everything else in units.
        for (key, used) in world.quota_status() {
            let name = object_name("resourcequota", &key);
            for (resource, amount) in used {
                if let Some(metric) = quota_metric(&resource) {
                    self.put(t_ms, name.clone(), metric, amount as f64);
                }
            }
        }
        for key in state.pdbs.keys() {
            let name = object_name("poddisruptionbudget", key);
            let status = crate::cluster::lister::budget_status(state, key, t);
            self.put(
                t_ms,
                name.clone(),
                "disruptions_allowed",
                status.disruptions_allowed as f64,
            );
            self.put(
                t_ms,
                name.clone(),
                "current_healthy",
                status.current_healthy as f64,
            );
            self.put(
                t_ms,
                name.clone(),
                "desired_healthy",
                status.desired_healthy as f64,
            );
            self.put(t_ms, name, "expected_pods", status.expected_pods as f64);
        }
        let mut nodes_ready = 0;
        for (index, info) in world.node_infos.iter().enumerate() {
            let node = &state.nodes[index];
            if !node.exists {
                continue;
            }
            let name = format!("node/{}", info.node.name);
            self.put(
                t_ms,
                name.clone(),
                "cpu_requested_millis",
                info.requested.cpu_millis as f64,
            );
            self.put(
                t_ms,
                name.clone(),
                "memory_requested_bytes",
                info.requested.memory_bytes as f64,
            );
            self.put(t_ms, name.clone(), "pods", info.pod_count as f64);
            let ready = info.node.ready;
            nodes_ready += i64::from(ready);
            self.put(t_ms, name, "ready", if ready { 1.0 } else { 0.0 });
        }
        let (mut pending, mut running) = (0, 0);
        for pod in &state.pods {
            if pod.gone.is_some() {
                continue;
            }
            if pod.node.is_none() && pod.deletion.is_none() {
                pending += 1;
            }
            if pod.phase == PodPhase::Running {
                running += 1;
            }
        }
        self.put(t_ms, "cluster".into(), "pending_pods", f64::from(pending));
        self.put(t_ms, "cluster".into(), "running_pods", f64::from(running));
        self.put(t_ms, "cluster".into(), "nodes_ready", nodes_ready as f64);
    }

    /// The series id of `(object, metric)`, if it was ever recorded.
    pub fn series_id(&self, object: &str, metric: &str) -> Option<usize> {
        self.series
            .iter()
            .position(|s| s.object == object && s.metric == metric)
    }

    /// The change points `(t_ms, value)` of one series.
    pub fn points(&self, series: usize) -> Vec<(u64, f64)> {
        self.rows
            .iter()
            .filter(|r| r.series == series)
            .map(|r| (r.t_ms, r.value))
            .collect()
    }
}

/// The world wrapped with its recorder: the engine drives this.
pub struct Observed {
    /// The world.
    pub world: World,
    /// The recorder.
    pub recorder: Recorder,
    last: SimTime,
    observed_any: bool,
}

impl Observed {
    /// Wraps a world.
    pub fn new(world: World, recorder: Recorder) -> Self {
        Observed {
            world,
            recorder,
            last: SimTime::ZERO,
            observed_any: false,
        }
    }

    /// Final observation at the end of the run.
    pub fn finish(&mut self, end: SimTime) {
        let at = if self.observed_any {
            self.last
        } else {
            end.min(self.last)
        };
        self.recorder.observe(at, &self.world);
    }
}

impl Model for Observed {
    type Event = Event;

    fn handle(&mut self, ctx: &mut Ctx<'_, Event>, event: Event) {
        if ctx.now() > self.last || !self.observed_any {
            if self.observed_any || ctx.now() > SimTime::ZERO {
                self.recorder.observe(self.last, &self.world);
            }
            self.observed_any = true;
            self.last = ctx.now();
        }
        self.world.handle(ctx, event);
    }

    fn after_event(&mut self, now: SimTime) {
        self.world.after_event(now);
    }
}

/// Everything a finished run produced, for the exporters.
pub struct RunResults {
    /// Scenario name.
    pub scenario: String,
    /// Seed used.
    pub seed: u64,
    /// Run length.
    pub duration: SimTime,
    /// Events processed by the engine.
    pub events_processed: u64,
    /// Trace hash.
    pub trace_hash: u64,
    /// The final world.
    pub world: World,
    /// The recorded series.
    pub recorder: Recorder,
    /// Expectation outcomes.
    pub expectations: Vec<super::expect::Outcome>,
}

/// The series name of a ResourceQuota's `status.used[resource]` (the resources the quota
/// loader keeps).
fn quota_metric(resource: &str) -> Option<&'static str> {
    Some(match resource {
        "pods" => "used_pods",
        "count/pods" => "used_count/pods",
        "cpu" => "used_cpu",
        "requests.cpu" => "used_requests.cpu",
        "limits.cpu" => "used_limits.cpu",
        "memory" => "used_memory",
        "requests.memory" => "used_requests.memory",
        "limits.memory" => "used_limits.memory",
        "ephemeral-storage" => "used_ephemeral-storage",
        "requests.ephemeral-storage" => "used_requests.ephemeral-storage",
        "limits.ephemeral-storage" => "used_limits.ephemeral-storage",
        _ => return None,
    })
}
