//! The charts of one run, drawn from its recorded series (CONTRACT §3): `rollout`,
//! `availability`, `utilisation`, `pending` and `hpa`. A chart is made only when it has data.

use std::collections::BTreeMap;

use super::figure::{HeatColumns, Heatmap, Markers, Panel, Secondary, Series, TimeFigure};
use super::{Chart, ChartError, render};
use crate::cluster::state::ObjKey;
use crate::metrics::recorder::object_name;
use crate::metrics::{Recorder, RunResults};
use crate::scenario::Scenario;

/// Most panels in one chart; the title says when some objects were left out.
pub const MAX_PANELS: usize = 6;
/// Most rows of the utilisation heatmap: bigger clusters are grouped into runs of consecutive
/// nodes (in creation order), each row showing the group's mean.
pub const MAX_HEATMAP_ROWS: usize = 100;
/// Time buckets of the utilisation heatmap.
pub const HEATMAP_COLUMNS: usize = 200;

/// The time axis: simulated ms to the unit shown.
#[derive(Debug, Clone, Copy)]
struct TimeAxis {
    ms_per_unit: f64,
    unit: &'static str,
    end_ms: u64,
}

impl TimeAxis {
    fn new(end_ms: u64) -> Self {
        let (ms_per_unit, unit) = match end_ms {
            0..=180_000 => (1_000.0, "s"),
            180_001..=10_800_000 => (60_000.0, "min"),
            _ => (3_600_000.0, "h"),
        };
        TimeAxis {
            ms_per_unit,
            unit,
            end_ms,
        }
    }

    fn x(&self, t_ms: u64) -> f64 {
        t_ms as f64 / self.ms_per_unit
    }

    fn label(&self) -> String {
        format!("simulated time ({})", self.unit)
    }

    fn range(&self) -> (f64, f64) {
        (0.0, self.x(self.end_ms))
    }

    /// A recorded series as a step series on this axis.
    fn series(&self, label: impl Into<String>, points: &[(u64, f64)]) -> Series {
        Series {
            label: label.into(),
            points: points
                .iter()
                .filter(|(t, _)| *t <= self.end_ms)
                .map(|(t, v)| (self.x(*t), *v))
                .collect(),
            step: true,
        }
    }
}

/// The recorded series grouped once (the recorder keeps all rows in one list, in time order).
struct Recorded<'r> {
    recorder: &'r Recorder,
    index: BTreeMap<(&'r str, &'r str), usize>,
    by_series: Vec<Vec<(u64, f64)>>,
}

impl<'r> Recorded<'r> {
    fn new(recorder: &'r Recorder) -> Self {
        let index = recorder
            .series
            .iter()
            .enumerate()
            .map(|(id, s)| ((s.object.as_str(), s.metric), id))
            .collect();
        let mut by_series = vec![Vec::new(); recorder.series.len()];
        for row in &recorder.rows {
            by_series[row.series].push((row.t_ms, row.value));
        }
        Recorded {
            recorder,
            index,
            by_series,
        }
    }
}

/// Change points of `(object, metric)`, empty when never recorded.
fn points(recorded: &Recorded<'_>, object: &str, metric: &str) -> Vec<(u64, f64)> {
    recorded
        .index
        .get(&(object, metric))
        .map(|id| recorded.by_series[*id].clone())
        .unwrap_or_default()
}

/// Objects that have `metric`, in first-seen order.
fn objects_with<'r>(recorded: &Recorded<'r>, prefix: &str, metric: &str) -> Vec<&'r str> {
    recorded
        .recorder
        .series
        .iter()
        .filter(|s| s.metric == metric && s.object.starts_with(prefix))
        .map(|s| s.object.as_str())
        .collect()
}

/// "Title (first 6 of 9 workloads)" when panels were left out.
fn titled(title: &str, shown: usize, total: usize, what: &str) -> String {
    if total > shown {
        format!("{title} (first {shown} of {total} {what})")
    } else {
        title.to_string()
    }
}

/// All charts of a run, in report order.
pub fn run_charts(scenario: &Scenario, results: &RunResults) -> Result<Vec<Chart>, ChartError> {
    let axis = TimeAxis::new(results.duration.as_millis());
    let markers = markers(scenario, axis);
    let recorded = Recorded::new(&results.recorder);
    let mut charts = Vec::new();
    if let Some(figure) = rollout(results, &recorded, axis, &markers) {
        charts.push(render("rollout", &figure)?);
    }
    if let Some(figure) = availability(&recorded, axis, &markers) {
        charts.push(render("availability", &figure)?);
    }
    if let Some(heatmap) = utilisation(results, &recorded, axis) {
        charts.push(render("utilisation", &heatmap)?);
    }
    if let Some(figure) = pending(&recorded, axis, &markers) {
        charts.push(render("pending", &figure)?);
    }
    if let Some(figure) = hpa(results, &recorded, axis, &markers) {
        charts.push(render("hpa", &figure)?);
    }
    Ok(charts)
}

/// Most labelled timeline markers; with more distinct action times, markers are drawn without
/// labels.
pub const MAX_MARKER_LABELS: usize = 30;

/// The label of actions at one time: names in order, repeats counted (`apply ×3, scale`).
fn marker_label(names: &[String]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < names.len() {
        let run = names[i..].iter().take_while(|n| **n == names[i]).count();
        parts.push(if run > 1 {
            format!("{} ×{run}", names[i])
        } else {
            names[i].clone()
        });
        i += run;
    }
    parts.join(", ")
}

/// Timeline actions as vertical markers: actions at the same time share one marker, labelled
/// with their names (`apply ×8152` for many of one kind).
fn markers(scenario: &Scenario, axis: TimeAxis) -> Markers {
    let mut at: Vec<(u64, Vec<String>)> = Vec::new();
    for action in &scenario.timeline {
        let t = action.at.as_millis();
        if t > axis.end_ms {
            continue;
        }
        let name = action.action.describe().0;
        match at.last_mut() {
            Some((last, names)) if *last == t => names.push(name),
            _ => at.push((t, vec![name])),
        }
    }
    let labelled = at.len() <= MAX_MARKER_LABELS;
    Markers {
        label: "timeline action".into(),
        at: at
            .iter()
            .map(|(t, names)| {
                let text = if labelled {
                    marker_label(names)
                } else {
                    String::new()
                };
                (axis.x(*t), text)
            })
            .collect(),
    }
}

/// A ReplicaSet series and what owns it.
struct OwnedSet {
    /// Series object (`replicaset/NAME`).
    object: String,
    /// `deployment/...` or `rollout/...` object of the owner.
    owner: String,
    /// `deployment.kubernetes.io/revision`, when still known.
    revision: Option<u64>,
}

/// ReplicaSet series with their owners: from the final state, or for sets already deleted by
/// name (`<owner>-<hash>` in the owner's namespace).
fn replica_sets(
    results: &RunResults,
    recorder: &Recorded<'_>,
    workloads: &[&str],
) -> Vec<OwnedSet> {
    let state = &results.world.state;
    let mut known: BTreeMap<String, (String, Option<u64>)> = BTreeMap::new();
    for rs in state.replicasets.values() {
        if let Some(owner) = &rs.owner {
            let kind = match rs.owner_kind {
                crate::cluster::state::RsOwnerKind::Deployment => "deployment",
                crate::cluster::state::RsOwnerKind::Rollout => "rollout",
            };
            let owner_key = ObjKey {
                namespace: rs.key.namespace.clone(),
                name: owner.clone(),
            };
            let revision = rs
                .annotations
                .get("deployment.kubernetes.io/revision")
                .or_else(|| rs.annotations.get("rollout.argoproj.io/revision"))
                .and_then(|r| r.parse().ok());
            known.insert(
                object_name("replicaset", &rs.key),
                (object_name(kind, &owner_key), revision),
            );
        }
    }
    objects_with(recorder, "replicaset/", "ready_replicas")
        .into_iter()
        .filter_map(|object| {
            let (owner, revision) = match known.get(object) {
                Some((owner, revision)) => (owner.clone(), *revision),
                None => {
                    let rs_name = object.trim_start_matches("replicaset/");
                    let owner = workloads.iter().find(|w| {
                        let (_, name) = w.split_once('/').unwrap_or(("", w));
                        rs_name.starts_with(&format!("{name}-"))
                    })?;
                    (owner.to_string(), None)
                }
            };
            Some(OwnedSet {
                object: object.to_string(),
                owner,
                revision,
            })
        })
        .collect()
}

/// Replicas per ReplicaSet (stacked, ready pods) with the workload's desired, available and
/// updated counts, one panel per Deployment, Argo Rollout, StatefulSet or DaemonSet.
fn rollout(
    results: &RunResults,
    recorder: &Recorded<'_>,
    axis: TimeAxis,
    markers: &Markers,
) -> Option<TimeFigure> {
    let workloads: Vec<&str> = ["deployment/", "rollout/", "statefulset/", "daemonset/"]
        .iter()
        .flat_map(|prefix| objects_with(recorder, prefix, "updated_replicas"))
        .collect();
    if workloads.is_empty() {
        return None;
    }
    let sets = replica_sets(results, recorder, &workloads);
    let panels = workloads
        .iter()
        .take(MAX_PANELS)
        .map(|workload| {
            let mut owned: Vec<&OwnedSet> = sets.iter().filter(|s| s.owner == *workload).collect();
            owned.sort_by_key(|s| s.revision.unwrap_or(u64::MAX));
            let stacked = owned
                .iter()
                .map(|s| {
                    let name = s.object.trim_start_matches("replicaset/");
                    let label = match s.revision {
                        Some(r) => format!("ready in {name} (rev {r})"),
                        None => format!("ready in {name}"),
                    };
                    axis.series(label, &points(recorder, &s.object, "ready_replicas"))
                })
                .collect();
            let mut lines = vec![axis.series(
                "desired (spec.replicas)",
                &points(recorder, workload, "desired_replicas"),
            )];
            if owned.is_empty() {
                lines.push(axis.series("ready", &points(recorder, workload, "ready_replicas")));
            }
            lines.push(axis.series(
                "available",
                &points(recorder, workload, "available_replicas"),
            ));
            lines.push(axis.series("updated", &points(recorder, workload, "updated_replicas")));
            Panel {
                title: workload.to_string(),
                y_label: "replicas (pods)".into(),
                stacked,
                lines,
                markers: markers.clone(),
                ..Panel::default()
            }
        })
        .collect::<Vec<_>>();
    Some(TimeFigure {
        title: titled(
            "Rollout timeline",
            panels.len(),
            workloads.len(),
            "workloads",
        ),
        x_label: axis.label(),
        x_range: axis.range(),
        panels,
    })
}

/// Intervals where a series is 0 (no ready endpoint, or the Service's `up` is 0), from its
/// first positive value on (as `summary.json` counts outages), in ms.
pub fn outages(ready: &[(u64, f64)], end_ms: u64) -> Vec<(u64, u64)> {
    let Some(first_up) = ready.iter().position(|(_, v)| *v > 0.0) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut start: Option<u64> = None;
    for (t, v) in &ready[first_up..] {
        if *t >= end_ms {
            break;
        }
        match (*v > 0.0, start) {
            (false, None) => start = Some(*t),
            (true, Some(s)) => {
                out.push((s, *t));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, end_ms));
    }
    out
}

/// `served / demand` at each change of either, as a step series (1 without demand).
fn served_fraction(demand: &[(u64, f64)], served: &[(u64, f64)]) -> Vec<(u64, f64)> {
    let mut times: Vec<u64> = demand.iter().chain(served).map(|(t, _)| *t).collect();
    times.sort_unstable();
    times.dedup();
    let (mut d, mut s) = (0, 0);
    let (mut demanded, mut served_now) = (0.0, 0.0);
    times
        .into_iter()
        .map(|t| {
            while d < demand.len() && demand[d].0 <= t {
                demanded = demand[d].1;
                d += 1;
            }
            while s < served.len() && served[s].0 <= t {
                served_now = served[s].1;
                s += 1;
            }
            (
                t,
                if demanded > 0.0 {
                    served_now / demanded
                } else {
                    1.0
                },
            )
        })
        .collect()
}

/// Ready endpoints per Service, with the served fraction on the right axis when the Service
/// has traffic, and outages shaded.
fn availability(recorder: &Recorded<'_>, axis: TimeAxis, markers: &Markers) -> Option<TimeFigure> {
    let services = objects_with(recorder, "service/", "ready_endpoints");
    if services.is_empty() {
        return None;
    }
    let panels = services
        .iter()
        .take(MAX_PANELS)
        .map(|service| {
            let ready = points(recorder, service, "ready_endpoints");
            let demand = points(recorder, service, "demand_rps");
            let secondary = (!demand.is_empty()).then(|| Secondary {
                y_label: "served / demanded requests (fraction)".into(),
                lines: vec![axis.series(
                    "served fraction",
                    &served_fraction(&demand, &points(recorder, service, "served_rps")),
                )],
            });
            Panel {
                title: service.to_string(),
                y_label: "ready endpoints (pods)".into(),
                lines: vec![axis.series("ready endpoints", &ready)],
                secondary,
                // The Service's `up` series (fewer answering endpoints than its quorum, as
                // summary.json counts outages); ready endpoints when a run has none.
                shaded: {
                    let up = points(recorder, service, "up");
                    outages(if up.is_empty() { &ready } else { &up }, axis.end_ms)
                        .into_iter()
                        .map(|(a, b)| (axis.x(a), axis.x(b)))
                        .collect()
                },
                shaded_label: "outage (Service down)".into(),
                markers: markers.clone(),
                ..Panel::default()
            }
        })
        .collect::<Vec<_>>();
    Some(TimeFigure {
        title: titled(
            "Service availability",
            panels.len(),
            services.len(),
            "Services",
        ),
        x_label: axis.label(),
        x_range: axis.range(),
        panels,
    })
}

/// Pending pods of the cluster and of each workload that had some; `None` when no pod was
/// ever seen pending.
fn pending(recorder: &Recorded<'_>, axis: TimeAxis, markers: &Markers) -> Option<TimeFigure> {
    let cluster = points(recorder, "cluster", "pending_pods");
    if !cluster.iter().any(|(_, v)| *v > 0.0) {
        return None;
    }
    let mut lines = vec![axis.series("cluster", &cluster)];
    let workloads: Vec<&str> = objects_with(recorder, "", "pending_pods")
        .into_iter()
        .filter(|o| *o != "cluster")
        .filter(|o| {
            points(recorder, o, "pending_pods")
                .iter()
                .any(|(_, v)| *v > 0.0)
        })
        .collect();
    let shown = workloads.len().min(MAX_PANELS);
    for workload in &workloads[..shown] {
        lines.push(axis.series(*workload, &points(recorder, workload, "pending_pods")));
    }
    Some(TimeFigure {
        title: titled("Pending pods", shown, workloads.len(), "workloads"),
        x_label: axis.label(),
        x_range: axis.range(),
        panels: vec![Panel {
            title: "pods not bound to a node".into(),
            y_label: "pending pods".into(),
            lines,
            markers: markers.clone(),
            ..Panel::default()
        }],
    })
}

/// The Service whose demand drives an HPA's target: in the target's namespace, one whose
/// selector matches the Deployment's pod template, else the namespace's only Service with
/// traffic.
fn demand_service(results: &RunResults, target: &ObjKey, kind: &str) -> Option<String> {
    let state = &results.world.state;
    let with_traffic: Vec<&ObjKey> = results
        .world
        .traffic
        .keys()
        .filter(|k| k.namespace == target.namespace)
        .collect();
    let template = (kind == "deployment")
        .then(|| state.deployments.get(target))
        .flatten()
        .map(|d| &d.spec.template.labels);
    let matching = with_traffic.iter().find(|key| {
        let selector = state.services.get(key).and_then(|s| s.selector.as_ref());
        match (selector, template) {
            (Some(selector), Some(labels)) => {
                !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
            }
            _ => false,
        }
    });
    match (matching, with_traffic.as_slice()) {
        (Some(key), _) | (None, [key]) => Some(object_name("service", key)),
        _ => None,
    }
}

/// Per HPA: desired replicas (HPA) and the target's replicas, with the demand on the right axis.
fn hpa(
    results: &RunResults,
    recorder: &Recorded<'_>,
    axis: TimeAxis,
    markers: &Markers,
) -> Option<TimeFigure> {
    let hpas: Vec<(&ObjKey, _)> = results.world.hpas.iter().collect();
    if hpas.is_empty() {
        return None;
    }
    let panels =
        hpas.iter()
            .take(MAX_PANELS)
            .map(|(key, record)| {
                let object = object_name("horizontalpodautoscaler", key);
                let target_key = ObjKey {
                    namespace: key.namespace.clone(),
                    name: record.object.target.name.clone(),
                };
                let target = object_name(&record.object.target.kind, &target_key);
                let secondary = demand_service(results, &target_key, &record.object.target.kind)
                    .map(|service| Secondary {
                        y_label: "demand (requests/s)".into(),
                        lines: vec![axis.series(
                            format!("demand on {service}"),
                            &points(recorder, &service, "demand_rps"),
                        )],
                    });
                Panel {
                    title: format!("{object} → {target}"),
                    y_label: "replicas (pods)".into(),
                    lines: vec![
                        axis.series(
                            "desired (HPA)",
                            &points(recorder, &object, "desired_replicas"),
                        ),
                        axis.series(
                            format!("actual ({target})"),
                            &points(recorder, &target, "replicas"),
                        ),
                    ],
                    secondary,
                    markers: markers.clone(),
                    ..Panel::default()
                }
            })
            .collect::<Vec<_>>();
    Some(TimeFigure {
        title: titled(
            "Horizontal Pod Autoscaler",
            panels.len(),
            hpas.len(),
            "HPAs",
        ),
        x_label: axis.label(),
        x_range: axis.range(),
        panels,
    })
}

/// Time-weighted mean of a step series over each of `columns` equal buckets of `[0, end_ms)`.
pub fn bucket_means(points: &[(u64, f64)], end_ms: u64, columns: usize) -> Vec<f64> {
    let mut sums = vec![0.0; columns];
    if end_ms == 0 || columns == 0 {
        return sums;
    }
    let width = end_ms as f64 / columns as f64;
    for (i, (t, v)) in points.iter().enumerate() {
        let next = points.get(i + 1).map_or(end_ms, |(t, _)| (*t).min(end_ms));
        let (a, b) = (*t as f64, next as f64);
        if b <= a {
            continue;
        }
        let first = ((a / width).floor() as usize).min(columns - 1);
        let last = (((b / width).ceil() as usize).max(1) - 1).min(columns - 1);
        for (c, sum) in sums.iter_mut().enumerate().take(last + 1).skip(first) {
            let (lo, hi) = (c as f64 * width, (c + 1) as f64 * width);
            let overlap = b.min(hi) - a.max(lo);
            if overlap > 0.0 {
                *sum += v * overlap;
            }
        }
    }
    sums.iter().map(|s| s / width).collect()
}

/// Nodes × time: CPU requested / allocatable, in percent.
fn utilisation(results: &RunResults, recorder: &Recorded<'_>, axis: TimeAxis) -> Option<Heatmap> {
    let allocatable: BTreeMap<String, i64> = results
        .world
        .node_infos
        .iter()
        .map(|info| {
            (
                format!("node/{}", info.node.name),
                info.node.allocatable.cpu_millis,
            )
        })
        .collect();
    let nodes: Vec<&str> = objects_with(recorder, "node/", "cpu_requested_millis")
        .into_iter()
        .filter(|n| allocatable.get(*n).is_some_and(|a| *a > 0))
        .collect();
    if nodes.is_empty() || axis.end_ms == 0 {
        return None;
    }
    let per_row = nodes.len().div_ceil(MAX_HEATMAP_ROWS);
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for group in nodes.chunks(per_row) {
        let mut sum = vec![0.0; HEATMAP_COLUMNS];
        for node in group {
            let share = 100.0 / allocatable[*node] as f64;
            let means = bucket_means(
                &points(recorder, node, "cpu_requested_millis"),
                axis.end_ms,
                HEATMAP_COLUMNS,
            );
            for (s, m) in sum.iter_mut().zip(means) {
                *s += m * share;
            }
        }
        let name = |n: &str| n.trim_start_matches("node/").to_string();
        rows.push(match group {
            [one] => name(one),
            [first, .., last] => format!("{} … {}", name(first), name(last)),
            [] => String::new(),
        });
        // Rounded to 0.1 percentage points so that runs of equal colour merge.
        values.push(
            sum.into_iter()
                .map(|s| Some((s / group.len() as f64 * 10.0).round() / 10.0))
                .collect(),
        );
    }
    let title = if per_row > 1 {
        format!(
            "Node CPU requested / allocatable ({} nodes, {per_row} per row)",
            nodes.len()
        )
    } else {
        "Node CPU requested / allocatable".to_string()
    };
    Some(Heatmap {
        title,
        x_label: axis.label(),
        y_label: if per_row > 1 { "nodes" } else { "node" }.into(),
        value_label: "CPU requested / allocatable (%)".into(),
        columns: HeatColumns::Range {
            from: 0.0,
            to: axis.x(axis.end_ms),
        },
        rows,
        values,
        range: (0.0, 100.0),
        annotate: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_start_after_the_first_ready_endpoint() {
        let ready = [
            (0, 0.0),
            (1_000, 2.0),
            (5_000, 0.0),
            (7_000, 1.0),
            (9_000, 0.0),
        ];
        assert_eq!(
            outages(&ready, 10_000),
            vec![(5_000, 7_000), (9_000, 10_000)]
        );
        assert!(outages(&[(0, 0.0)], 10_000).is_empty());
    }

    #[test]
    fn bucket_means_weigh_values_by_time() {
        // 0 for 25 ms, then 4: buckets of 50 ms.
        let means = bucket_means(&[(0, 0.0), (25, 4.0)], 100, 2);
        assert_eq!(means, vec![2.0, 4.0]);
        assert_eq!(bucket_means(&[(0, 3.0)], 100, 4), vec![3.0; 4]);
    }

    #[test]
    fn served_fraction_follows_both_series() {
        let demand = [(0, 100.0), (10, 200.0)];
        let served = [(0, 100.0), (5, 50.0)];
        assert_eq!(
            served_fraction(&demand, &served),
            vec![(0, 1.0), (5, 0.5), (10, 0.25)]
        );
    }

    #[test]
    fn actions_at_one_time_share_a_label() {
        let names: Vec<String> = ["apply", "apply", "apply", "scale"]
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(marker_label(&names), "apply ×3, scale");
        assert_eq!(marker_label(&names[3..]), "scale");
    }

    #[test]
    fn the_time_unit_follows_the_run_length() {
        assert_eq!(TimeAxis::new(120_000).unit, "s");
        assert_eq!(TimeAxis::new(1_800_000).unit, "min");
        assert_eq!(TimeAxis::new(86_400_000).unit, "h");
    }
}
