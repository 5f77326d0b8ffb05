//! Reading scenarios: YAML streams in, validated [`Scenario`]s out (CONTRACT §1).
//!
//! `yaml` builds a positioned tree, `de` reads typed structs from it, `raw` mirrors the Scenario
//! document, `manifests` converts real Kubernetes objects, `load` groups files into scenarios and
//! validates them. Errors carry `file:line:col` and apiserver wording.

pub mod compressed;
pub mod de;
pub mod demand;
pub mod duration;
pub mod load;
pub mod manifests;
pub mod patch;
pub mod quantity;
pub mod raw;
pub mod scheduler_config;
pub mod spec;
pub mod trace;
pub mod yaml;

pub use load::{Input, LoadOptions, ScenarioError, load, read_inputs};
pub use spec::{Action, Expectation, Metric, Scenario, TimedAction, Window};
