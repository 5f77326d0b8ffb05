//! `scheduling.jsonl` (only with `run --record-scheduling`): one JSON object per pod, the latest
//! scheduling attempt of each pod with every plugin's verdict and score
//! ([`crate::cluster::scheduling_record::PodSchedulingRecord`]), sorted by namespace and name.
//! `timonel explain pod/NAME --run DIR` reads it back.

use crate::metrics::RunResults;

/// File name of the recording in a run's output folder.
pub const FILE_NAME: &str = "scheduling.jsonl";

/// The file's bytes, or `None` when the run did not record scheduling.
pub fn jsonl(results: &RunResults) -> Option<Vec<u8>> {
    let world = &results.world;
    if !world.record_scheduling {
        return None;
    }
    let mut out = Vec::new();
    for record in world.scheduling_records.values() {
        out.extend_from_slice(record.line.as_bytes());
        out.push(b'\n');
    }
    Some(out)
}
