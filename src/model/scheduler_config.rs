//! Scheduler configuration as plain data: what a `kubescheduler.config.k8s.io/v1`
//! `KubeSchedulerConfiguration` document (or `spec.scheduler` of the Scenario) asks for. The
//! scheduler turns it into profiles.

use std::collections::BTreeMap;

/// One plugin named under an extension point (`enabled: [{name, weight}]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRef {
    /// Plugin name (`*` in `disabled` means every default plugin of that point).
    pub name: String,
    /// Score weight, when given.
    pub weight: Option<i64>,
}

/// `enabled` and `disabled` lists of one extension point.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginSet {
    /// Plugins enabled (added to the defaults, or re-weighted).
    pub enabled: Vec<PluginRef>,
    /// Plugins disabled.
    pub disabled: Vec<PluginRef>,
}

/// One `profiles[]` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileConfig {
    /// `schedulerName` (default `default-scheduler`).
    pub scheduler_name: String,
    /// `percentageOfNodesToScore` of this profile.
    pub percentage_of_nodes_to_score: Option<i64>,
    /// Plugin sets by extension point (`multiPoint`, `filter`, `score`, …).
    pub plugins: BTreeMap<String, PluginSet>,
    /// `pluginConfig[]`: arguments by plugin name, as JSON.
    pub plugin_args: BTreeMap<String, serde_json::Value>,
}

/// The whole scheduler configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerConfig {
    /// Global `percentageOfNodesToScore`.
    pub percentage_of_nodes_to_score: Option<i64>,
    /// `podInitialBackoffSeconds` (default 1).
    pub pod_initial_backoff_s: i64,
    /// `podMaxBackoffSeconds` (default 10).
    pub pod_max_backoff_s: i64,
    /// Profiles (at least one).
    pub profiles: Vec<ProfileConfig>,
    /// Time one scheduling cycle takes, ns (default 0).
    pub scheduling_latency_ns: u64,
    /// Time from the decision to the binding, ns (default 0).
    pub binding_latency_ns: u64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            percentage_of_nodes_to_score: None,
            pod_initial_backoff_s: 1,
            pod_max_backoff_s: 10,
            profiles: vec![ProfileConfig {
                scheduler_name: "default-scheduler".into(),
                ..ProfileConfig::default()
            }],
            scheduling_latency_ns: 0,
            binding_latency_ns: 0,
        }
    }
}
