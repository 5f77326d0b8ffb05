//! `manifest.json`: what produced a run and the checksums of its outputs.

use serde_json::{Value, json};

use crate::scenario::Scenario;
use crate::scenario::load::sha256_hex;

/// Version of the output layout.
pub const SCHEMA_VERSION: u32 = 1;

/// Builds `manifest.json` for `scenario` run with `seed`, given the other output files.
pub fn build(scenario: &Scenario, seed: u64, outputs: &[(&str, &[u8])]) -> Value {
    let mut files = serde_json::Map::new();
    for (name, bytes) in outputs {
        files.insert((*name).to_string(), json!(sha256_hex(bytes)));
    }
    json!({
        "schema_version": SCHEMA_VERSION,
        "timonel_version": env!("CARGO_PKG_VERSION"),
        "seed": seed,
        "scenario": scenario.name,
        "scenario_sha256": scenario.sha256,
        "inputs": scenario.inputs.iter().map(|i| json!({"path": i.path, "sha256": i.sha256})).collect::<Vec<_>>(),
        "kubernetes_version": format!("{}.{}", scenario.kubernetes_version.0, scenario.kubernetes_version.1),
        "outputs": files,
    })
}
