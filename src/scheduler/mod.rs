//! The kube-scheduler, as a framework: small plugins, one trait per extension point, one registry
//! table, profiles with weights. "Did not fit" is data ([`Status`]), not an error.
//!
//! One scheduling cycle ([`Scheduler::schedule`], upstream `schedulePod`):
//!
//! ```text
//!  pod ──► PreFilter (all plugins; Skip ⇒ that plugin's Filter is off; may narrow the nodes)
//!            │ rejected ─────────────────────────────────────────────┐
//!            ▼                                                       │
//!          Filter: nodes visited round-robin from next_start_node_index,
//!          first failing plugin speaks for a node; stop after
//!          num_feasible_nodes_to_find feasible nodes; start += examined
//!            │ 0 feasible ───────────────────────────────────────────┤
//!            │ 1 feasible ──► Scheduled (no scoring, no RNG draw)    ▼
//!            ▼                                        PostFilter (DefaultPreemption:
//!          PreScore (Skip ⇒ that plugin's Score is off)  victims + nominated node)
//!          Score ─► NormalizeScore ─► × weight ─► Σ per node         ▼
//!            ▼                                        Unschedulable { FitError message }
//!          select_host: highest total, ties by reservoir sampling (SimRng)
//!            ▼
//!          Scheduled { node_index }
//!            ▼
//!          Reserve (Scheduler::reserve; failure ⇒ Unreserve in reverse, FailedScheduling)
//!            ▼  … binding latency …
//!          PreBind ─► Bind (Scheduler::bind; Skip ⇒ next binder; failure ⇒ Unreserve)
//! ```
//!
//! A pod nominated to a node by an earlier preemption tries that node first; pods nominated to a
//! node count there for every pod of lower or equal priority (`RunFilterPluginsWithNominatedPods`).
//!
//! The active queue's order is the profiles' QueueSort plugin (all profiles share it). Permit
//! is not modelled (no in-tree plugin uses it).
//!
//! Files: [`framework`] (types and traits), [`runtime`] (the `Run*Plugins` loops),
//! [`registry`] (names → constructors), [`profile`] (enabled plugins, weights, arguments),
//! [`schedule_one`] (the cycle), [`preemption`] (DefaultPreemption's evaluator), [`explain`]
//! (every plugin's verdict and score, for `timonel explain pod/NAME`), [`snapshot`] (the
//! per-cycle node index the topology plugins
//! use), [`plugins`] (one file per plugin). Rules and vectors: SPEC §6–7.

pub mod config;
pub mod explain;
pub mod framework;
pub mod plugins;
pub mod preemption;
pub mod profile;
pub mod queue;
pub mod registry;
pub mod runtime;
pub mod schedule_one;
pub mod snapshot;

#[cfg(test)]
pub(crate) mod testing;

pub use explain::{NodeRow, SchedulingRecord, ScoreColumn, Verdict};
pub use framework::{
    BindPlugin, ClusterClient, ClusterLister, Code, CycleState, Diagnosis, FilterPlugin, FitError,
    MAX_NODE_SCORE, MIN_NODE_SCORE, NoCluster, NodeInfo, NodeToStatus, NominatedPods, PdbView,
    Plugin, PodInfo, PostFilterPlugin, PostFilterResult, PreBindPlugin, PreFilterPlugin,
    PreFilterResult, PreScorePlugin, QueueSortPlugin, QueuedPodInfo, Reason, ReservePlugin,
    ScorePlugin, StateData, Status,
};
pub use profile::{ConfigError, DEFAULT_SCHEDULER_NAME, PluginArgs, PluginEntry, Profile};
pub use registry::{REGISTRY, RegistryEntry, lookup};
pub use runtime::{Framework, PluginScores, PreFilterOutcome};
pub use schedule_one::{
    NO_NODES_AVAILABLE, ScheduleOutcome, Scheduler, SchedulingEnv, num_feasible_nodes_to_find,
    select_host,
};
