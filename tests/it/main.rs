//! Integration tests of timonel, by behaviour. They drive the real binary (as a user does) or the
//! library's pipeline, and check outputs against Kubernetes' documented behaviour.

mod behaviour;
mod determinism;
mod disruption;
mod explain;
mod hpa;
mod malformed;
mod placement;
mod preemption;
mod probes;
mod real_data;
mod scenarios;
mod scheduler_config;
mod storage;
mod support;
mod tidy;
mod traffic;
