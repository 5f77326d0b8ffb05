//! Integration tests of timonel, by behaviour. They drive the real binary (as a user does) or the
//! library's pipeline, and check outputs against Kubernetes' documented behaviour.

mod admission;
mod availability;
mod behaviour;
mod closed_form;
mod compare;
mod daemonset;
mod determinism;
mod disruption;
mod explain;
mod gc;
mod hpa;
mod jobs;
mod malformed;
mod node_lifecycle;
mod notebooks;
mod placement;
mod preemption;
mod probes;
mod real_data;
mod report;
mod rollouts;
mod scenarios;
mod scheduler_config;
mod statefulset;
mod storage;
mod support;
mod sweep;
mod teaching;
mod tidy;
mod traffic;
