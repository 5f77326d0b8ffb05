//! `events.jsonl`: the events of `events.csv` as JSON Lines, one object per event with the same
//! fields in the same order, so two runs can be compared with line-oriented tools (`diff`, `jq`).

use crate::metrics::RunResults;

/// The file name.
pub const EVENTS_FILE: &str = "events.jsonl";

/// `{"t_ms":…,"namespace":…,"object":…,"type":…,"reason":…,"message":…}`, one line per event in
/// time order.
pub fn events(results: &RunResults) -> Vec<u8> {
    let mut out = String::new();
    let quote = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    for e in &results.world.events {
        out.push_str(&format!(
            "{{\"t_ms\":{},\"namespace\":{},\"object\":{},\"type\":{},\"reason\":{},\"message\":{}}}\n",
            e.time.as_millis(),
            quote(&e.namespace),
            quote(&e.object),
            quote(e.event_type.as_str()),
            quote(e.reason),
            quote(&e.message),
        ));
    }
    out.into_bytes()
}
