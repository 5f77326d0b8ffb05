//! The kubectl-style terminal summary printed after `run`: UPPERCASE headers, no borders, AGE in
//! simulated time.

use comfy_table::{Table, presets};

use crate::metrics::RunResults;
use crate::sim::time::SimTime;

/// A table with kubectl's look: the given headers, no borders, three spaces between columns.
pub(crate) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING);
    t.set_header(header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    for column in t.column_iter_mut() {
        column.set_padding((0, 3));
    }
    t
}

/// The table's lines without trailing spaces (no final newline).
pub(crate) fn render(t: &Table) -> String {
    t.lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Renders the summary tables.
pub fn render_summary(results: &RunResults) -> String {
    let world = &results.world;
    let end = results.duration;
    let age = |created: SimTime| SimTime(end.nanos_since(created)).to_string();
    let mut out = String::new();
    if !world.state.deployments.is_empty() {
        let mut t = table(&["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
        for d in world.state.deployments.values() {
            let created = d.rollouts.first().map_or(SimTime::ZERO, |r| r.start);
            t.add_row(vec![
                format!("deployment/{}", d.key.name),
                format!("{}/{}", d.status.ready, d.spec.replicas),
                d.status.updated.to_string(),
                d.status.available.to_string(),
                age(created),
            ]);
        }
        out.push_str(&render(&t));
        out.push_str("\n\n");
    }
    if !world.state.daemonsets.is_empty() {
        let mut t = table(&[
            "NAME",
            "DESIRED",
            "CURRENT",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "AGE",
        ]);
        for ds in world.state.daemonsets.values() {
            let status = &ds.status;
            t.add_row(vec![
                format!("daemonset/{}", ds.key.name),
                status.desired.to_string(),
                status.current.to_string(),
                status.ready.to_string(),
                status.updated.to_string(),
                status.available.to_string(),
                age(ds.created),
            ]);
        }
        out.push_str(&render(&t));
        out.push_str("\n\n");
    }
    if !world.state.replicasets.is_empty() {
        let mut t = table(&["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
        for rs in world.state.replicasets.values() {
            t.add_row(vec![
                format!("replicaset/{}", rs.key.name),
                rs.spec.replicas.to_string(),
                rs.status.replicas.to_string(),
                rs.status.ready.to_string(),
                age(rs.created),
            ]);
        }
        out.push_str(&render(&t));
        out.push_str("\n\n");
    }
    if !world.state.statefulsets.is_empty() {
        let mut t = table(&["NAME", "READY", "AGE"]);
        for set in world.state.statefulsets.values() {
            t.add_row(vec![
                format!("statefulset/{}", set.key.name),
                format!("{}/{}", set.status.ready, set.spec.replicas),
                age(set.created),
            ]);
        }
        out.push_str(&render(&t));
        out.push_str("\n\n");
    }
    if !world.state.jobs.is_empty() {
        out.push_str(&render(&jobs_table(results)));
        out.push_str("\n\n");
    }
    if !world.state.cronjobs.is_empty() {
        out.push_str(&render(&cronjobs_table(results)));
        out.push_str("\n\n");
    }
    if !world.hpas.is_empty() {
        out.push_str(&render(&hpa_table(results)));
        out.push_str("\n\n");
    }
    if !world.endpoints.is_empty() {
        let summary = crate::metrics::summary::build(results);
        let mut t = table(&[
            "SERVICE",
            "READY-ENDPOINTS",
            "AVAILABILITY",
            "DOWNTIME",
            "OUTAGES",
            "SERVED",
        ]);
        for (key, endpoints) in &world.endpoints {
            let stats = &summary["services"][format!("{}/{}", key.namespace, key.name)];
            let pct = |v: &serde_json::Value| {
                v.as_f64()
                    .map_or("-".to_string(), |v| format!("{:.3}%", v * 100.0))
            };
            let downtime = stats["downtime_ms"]
                .as_u64()
                .map_or("-".to_string(), |ms| SimTime::from_millis(ms).to_string());
            t.add_row(vec![
                format!("service/{}", key.name),
                endpoints.ready.to_string(),
                pct(&stats["availability"]),
                downtime,
                stats["outage_count"]
                    .as_u64()
                    .map_or("-".to_string(), |n| n.to_string()),
                pct(&stats["served_fraction"]),
            ]);
        }
        out.push_str(&render(&t));
        out.push_str("\n\n");
    }
    let mut t = table(&["NODE", "STATUS", "PODS", "CPU(REQ)", "MEMORY(REQ)"]);
    let shown = world.node_infos.len().min(20);
    for info in world.node_infos.iter().take(shown) {
        let alloc = &info.node.allocatable;
        let pct = |used: i64, total: i64| {
            if total > 0 {
                format!("{}%", used * 100 / total)
            } else {
                "-".into()
            }
        };
        let status = match (info.node.ready, info.node.unschedulable) {
            (true, false) => "Ready",
            (true, true) => "Ready,SchedulingDisabled",
            (false, _) => "NotReady",
        };
        t.add_row(vec![
            info.node.name.clone(),
            status.to_string(),
            info.pod_count.to_string(),
            format!(
                "{}m ({})",
                info.requested.cpu_millis,
                pct(info.requested.cpu_millis, alloc.cpu_millis)
            ),
            format!(
                "{} ({})",
                crate::scenario::quantity::format_bytes(info.requested.memory_bytes),
                pct(info.requested.memory_bytes, alloc.memory_bytes)
            ),
        ]);
    }
    out.push_str(&render(&t));
    if world.node_infos.len() > shown {
        out.push_str(&format!(
            "\n... and {} more nodes",
            world.node_infos.len() - shown
        ));
    }
    out.push('\n');
    if !results.expectations.is_empty() {
        out.push('\n');
        let mut t = table(&["EXPECTATION", "RESULT", "OBSERVED", "MIN", "MAX"]);
        for e in &results.expectations {
            let num = |v: Option<f64>| v.map_or("-".to_string(), super::format_value);
            t.add_row(vec![
                e.name.clone(),
                if e.passed {
                    "PASS".into()
                } else {
                    "FAIL".into()
                },
                num(e.observed),
                num(e.min),
                num(e.max),
            ]);
        }
        out.push_str(&render(&t));
        out.push('\n');
    }
    out
}

/// `kubectl get jobs`: NAME STATUS COMPLETIONS DURATION AGE.
fn jobs_table(results: &RunResults) -> Table {
    let end = results.duration;
    let mut t = table(&["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]);
    for job in results.world.state.jobs.values() {
        let status = &job.status;
        let phase = if status.condition("Complete").is_some() {
            "Complete"
        } else if status.condition("Failed").is_some() {
            "Failed"
        } else if status.condition("FailureTarget").is_some() {
            "FailureTarget"
        } else if status.condition("SuccessCriteriaMet").is_some() {
            "SuccessCriteriaMet"
        } else if job.spec.suspend {
            "Suspended"
        } else {
            "Running"
        };
        let completions = match job.spec.completions {
            Some(c) => format!("{}/{c}", status.succeeded),
            None => format!("{}/1 of {}", status.succeeded, job.spec.parallelism),
        };
        let duration = status.start_time.map_or("-".to_string(), |start| {
            let until = status.completion_time.unwrap_or(end);
            SimTime(until.nanos_since(start)).to_string()
        });
        t.add_row(vec![
            format!("job/{}", job.key.name),
            phase.to_string(),
            completions,
            duration,
            SimTime(end.nanos_since(job.created)).to_string(),
        ]);
    }
    t
}

/// `kubectl get cronjobs`: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE.
fn cronjobs_table(results: &RunResults) -> Table {
    let end = results.duration;
    let mut t = table(&[
        "NAME",
        "SCHEDULE",
        "TIMEZONE",
        "SUSPEND",
        "ACTIVE",
        "LAST SCHEDULE",
        "AGE",
    ]);
    for cj in results.world.state.cronjobs.values() {
        t.add_row(vec![
            format!("cronjob/{}", cj.key.name),
            cj.spec.schedule_text.clone(),
            cj.spec
                .time_zone_name
                .clone()
                .unwrap_or_else(|| "<none>".into()),
            if cj.spec.suspend { "True" } else { "False" }.to_string(),
            cj.active.len().to_string(),
            cj.last_schedule.map_or("<none>".to_string(), |at| {
                SimTime(end.nanos_since(at)).to_string()
            }),
            SimTime(end.nanos_since(cj.created)).to_string(),
        ]);
    }
    t
}

/// `kubectl get hpa`: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE.
fn hpa_table(results: &RunResults) -> Table {
    let end = results.duration;
    let mut t = table(&[
        "NAME",
        "REFERENCE",
        "TARGETS",
        "MINPODS",
        "MAXPODS",
        "REPLICAS",
        "AGE",
    ]);
    for (key, hpa) in &results.world.hpas {
        let object = &hpa.object;
        let kind = match object.target.kind.as_str() {
            "deployment" => "Deployment".to_string(),
            "replicaset" => "ReplicaSet".to_string(),
            "statefulset" => "StatefulSet".to_string(),
            other => other.to_string(),
        };
        t.add_row(vec![
            format!("horizontalpodautoscaler/{}", key.name),
            format!("{kind}/{}", object.target.name),
            hpa_targets(hpa),
            object.min_replicas.to_string(),
            object.max_replicas.to_string(),
            hpa.current_replicas.to_string(),
            SimTime(end.nanos_since(hpa.created)).to_string(),
        ]);
    }
    t
}

/// kubectl's TARGETS column: `cpu: 45%/50%` per metric (`<unknown>` before a measurement; only
/// CPU utilisation is measured), at most two then `+ N more...`, `<none>` without metrics.
fn hpa_targets(hpa: &crate::cluster::state::HpaRecord) -> String {
    let metrics = &hpa.object.metrics;
    if metrics.is_empty() {
        return "<none>".into();
    }
    let mut parts: Vec<String> = metrics
        .iter()
        .take(2)
        .map(|m| match (m.utilization, m.average_millis) {
            (Some(target), _) => {
                let current = hpa
                    .current_utilization
                    .filter(|_| m.resource == "cpu")
                    .map_or("<unknown>".to_string(), |u| format!("{u}%"));
                format!("{}: {current}/{target}%", m.resource)
            }
            (None, Some(millis)) => {
                let target = if m.resource == "cpu" {
                    crate::scenario::quantity::format_millis(millis)
                } else {
                    crate::scenario::quantity::format_bytes(millis / 1000)
                };
                format!("{}: <unknown>/{target}", m.resource)
            }
            (None, None) => format!("{}: <unknown>", m.resource),
        })
        .collect();
    if metrics.len() > 2 {
        parts.push(format!("+ {} more...", metrics.len() - 2));
    }
    parts.join(", ")
}

/// Renders the statistics table of `run --runs N` from the aggregate summary.
pub fn render_runs(top: &serde_json::Value) -> String {
    let mut out = String::new();
    let stat = |v: &serde_json::Value| -> String {
        match (v["mean"].as_f64(), v["stddev"].as_f64()) {
            (Some(mean), Some(sd)) => format!(
                "{} ± {}",
                super::format_value(mean),
                super::format_value(sd)
            ),
            _ => "-".into(),
        }
    };
    if let Some(expectations) = top["expectations"].as_array() {
        let mut t = table(&["EXPECTATION", "PASSED", "OBSERVED (MEAN ± SD)", "MIN … MAX"]);
        for e in expectations {
            let name = e["name"].as_str().unwrap_or("-").to_string();
            let passed = e["passed"]["mean"]
                .as_f64()
                .map_or("-".into(), |r| format!("{:.0}%", r * 100.0));
            let range = format!(
                "{} … {}",
                e["observed"]["min"]
                    .as_f64()
                    .map_or("-".into(), super::format_value),
                e["observed"]["max"]
                    .as_f64()
                    .map_or("-".into(), super::format_value)
            );
            t.add_row(vec![name, passed, stat(&e["observed"]), range]);
        }
        out.push_str(&render(&t));
        out.push_str("\n\n");
    }
    if let Some(services) = top["services"].as_object() {
        let mut t = table(&[
            "SERVICE",
            "AVAILABILITY (MEAN ± SD)",
            "DOWNTIME MS (MEAN ± SD)",
            "SERVED (MEAN ± SD)",
        ]);
        for (name, stats) in services {
            t.add_row(vec![
                format!("service/{name}"),
                stat(&stats["availability"]),
                stat(&stats["downtime_ms"]),
                stat(&stats["served_fraction"]),
            ]);
        }
        out.push_str(&render(&t));
        out.push_str("\n\n");
    }
    out.push_str(&format!("{} runs, seeds {}\n", top["runs"], top["seeds"]));
    out
}
