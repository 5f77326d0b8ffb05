//! `events.csv`, `timeseries.csv` and `pods.csv`.

use crate::metrics::RunResults;

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> Vec<u8> {
    w.into_inner().unwrap_or_default()
}

/// `t_ms,namespace,object,type,reason,message`, one row per event in time order.
pub fn events(results: &RunResults) -> Vec<u8> {
    let mut w = writer();
    let _ = w.write_record(["t_ms", "namespace", "object", "type", "reason", "message"]);
    for e in &results.world.events {
        let _ = w.write_record([
            e.time.as_millis().to_string().as_str(),
            &e.namespace,
            &e.object,
            e.event_type.as_str(),
            e.reason,
            &e.message,
        ]);
    }
    finish(w)
}

/// `t_ms,object,metric,value`, one row per change, in time order.
pub fn timeseries(results: &RunResults) -> Vec<u8> {
    let mut rows = results.recorder.rows.clone();
    rows.sort_by_key(|r| r.t_ms);
    let mut w = writer();
    let _ = w.write_record(["t_ms", "object", "metric", "value"]);
    for row in rows {
        let series = &results.recorder.series[row.series];
        let _ = w.write_record([
            row.t_ms.to_string().as_str(),
            &series.object,
            series.metric,
            &super::format_value(row.value),
        ]);
    }
    finish(w)
}

/// `namespace,name,owner,node,created_ms,scheduled_ms,started_ms,ready_ms,deleted_ms,end_reason`,
/// plus `gone_ms` (the object disappeared), `restarts`, `nominated_node` (the last
/// `status.nominatedNodeName` a preemption gave the pod), and the last container termination
/// (`lastState.terminated`): `last_termination_reason` (`OOMKilled`, `Error`, `Completed`) and
/// `last_exit_code`.
pub fn pods(results: &RunResults) -> Vec<u8> {
    let world = &results.world;
    let mut w = writer();
    let _ = w.write_record([
        "namespace",
        "name",
        "owner",
        "node",
        "created_ms",
        "scheduled_ms",
        "started_ms",
        "ready_ms",
        "deleted_ms",
        "end_reason",
        "gone_ms",
        "restarts",
        "nominated_node",
        "last_termination_reason",
        "last_exit_code",
    ]);
    let ms = |t: Option<crate::sim::time::SimTime>| {
        t.map(|t| t.as_millis().to_string()).unwrap_or_default()
    };
    for pod in &world.state.pods {
        let owner = pod
            .owner
            .as_ref()
            .map(|o| format!("{}/{}", o.kind, o.name))
            .unwrap_or_default();
        let node = pod
            .node
            .map(|n| world.state.nodes[n.0].node.name.clone())
            .unwrap_or_default();
        let _ = w.write_record([
            pod.namespace.as_str(),
            &pod.name,
            &owner,
            &node,
            &pod.created.as_millis().to_string(),
            &ms(pod.scheduled),
            &ms(pod.started),
            &ms(pod.first_ready),
            &ms(pod.deletion),
            pod.end_reason.as_deref().unwrap_or(""),
            &ms(pod.gone),
            &pod.restarts.to_string(),
            &pod.last_nominated
                .map(|n| world.state.nodes[n.0].node.name.clone())
                .unwrap_or_default(),
            pod.last_termination.map_or("", |(reason, _)| reason),
            &pod.last_termination
                .map(|(_, code)| code.to_string())
                .unwrap_or_default(),
        ]);
    }
    finish(w)
}
