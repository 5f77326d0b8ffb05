//! # timonel
//!
//! A deterministic discrete-event simulator of a Kubernetes cluster.
#![warn(missing_docs)]

pub mod model;
pub mod scenario;
pub mod sim;
