//! # timonel
//!
//! A deterministic discrete-event simulator of a Kubernetes cluster: real manifests in, the
//! cluster's life out — every pod created, scheduled, started, made ready and killed, the
//! Kubernetes events, Service availability, and series for charts.
//!
//! ```text
//! scenario YAML + Kubernetes manifests          --seed
//!         │                                        │
//! scenario::load ─ yaml tree ─► de (typed) ─► validate ─► Scenario (valid by construction)
//!         │                                        │
//! cluster::World::new(&Scenario)          sim::Simulation::new(metrics::Observed(world), seed)
//!                  ┌──────────── step loop ──────────────────────────────────────────┐
//!                  │ pop (time, phase, seq) → World::handle(event, &mut Ctx)         │
//!                  │   → scheduler / controllers / kubelet / timeline                │
//!                  │   → Effects (API operations + new events), applied in order     │
//!                  │   → check::invariants (tests and debug builds)                  │
//!                  │   → metrics::Recorder::observe when time advances (read-only)   │
//!                  └─────────────────────────────────────────────────────────────────┘
//!                                          │
//!                      metrics::RunResults ─► export::{csv, json, table, manifest}
//! ```
//!
//! ## Determinism contract
//!
//! Simulated time is an integer number of nanoseconds ([`sim::SimTime`]). Events are processed
//! in the total order `(time, phase, seq)`. All randomness comes from named streams derived from
//! one seed ([`sim::RngStreams`]). No hash-map iteration order, wall clock or thread timing
//! reaches events or outputs: the same inputs and seed give byte-identical output files.
#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod cluster;
pub mod controllers;
pub mod export;
pub mod kubelet;
pub mod metrics;
pub mod model;
pub mod pipeline;
pub mod scenario;
pub mod scheduler;
pub mod sim;
