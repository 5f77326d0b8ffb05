//! Controllers: each reads the cluster state and returns the effects a reconcile would issue
//! (API operations and events), as `pkg/controller/...` does upstream. The arithmetic lives in
//! `deployment_math` and `pod_ranking`, tested against the upstream unit-test vectors.

pub mod deployment;
pub mod deployment_math;
pub mod node_lifecycle_math;
pub mod pod_ranking;
pub mod replicaset;
