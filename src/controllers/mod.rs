//! Controllers: each reads the cluster state and returns the effects a reconcile would issue
//! (API operations and events), as `pkg/controller/...` does upstream. The arithmetic lives in the
//! `*_math` modules and `pod_ranking`, tested against the upstream unit-test vectors; the
//! HPA and PDB arithmetic is ready for the controllers that will use it; the node lifecycle
//! controller (`node_lifecycle`) uses `node_lifecycle_math`; the Job and CronJob controllers use
//! `job_math` and `model::cron`.

pub mod analysis;
pub mod cronjob;
pub mod daemonset;
pub mod daemonset_math;
pub mod deployment;
pub mod deployment_math;
pub mod disruption_math;
pub mod hpa;
pub mod hpa_math;
pub mod job;
pub mod job_math;
pub mod node_lifecycle;
pub mod node_lifecycle_math;
pub mod pod_ranking;
pub mod replicaset;
pub mod rollout;
pub mod rollout_math;
pub mod statefulset;
pub mod statefulset_math;
