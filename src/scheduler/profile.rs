//! Scheduler profiles (`KubeSchedulerProfile`): which plugins run, in which order, with which
//! score weights and arguments, and how many nodes to score.

use thiserror::Error;

use crate::scheduler::plugins::{
    BalancedAllocationArgs, InterPodAffinityArgs, NodeResourcesFitArgs, PodTopologySpreadArgs,
    ScoringStrategyType, balanced_allocation, default_binder, default_preemption, image_locality,
    inter_pod_affinity, node_affinity, node_name, node_ports, node_resources_fit,
    node_unschedulable, node_volume_limits, pod_topology_spread, queue_sort, taint_toleration,
    volume_binding, volume_zone,
};

/// The scheduler name a pod gets when it names none (`v1.DefaultSchedulerName`).
pub const DEFAULT_SCHEDULER_NAME: &str = "default-scheduler";

/// An invalid scheduler configuration (user input: typed, never a panic).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// No profile was given.
    #[error("at least one scheduler profile is required")]
    NoProfiles,
    /// Two profiles share a scheduler name.
    #[error("duplicate profile with scheduler name {0:?}")]
    DuplicateProfile(String),
    /// A plugin name is not in the registry.
    #[error("profile {profile:?}: plugin {plugin:?} does not exist")]
    UnknownPlugin {
        /// The profile's scheduler name.
        profile: String,
        /// The unknown name.
        plugin: String,
    },
    /// A plugin is enabled twice in one profile.
    #[error("profile {profile:?}: plugin {plugin:?} is enabled twice")]
    DuplicatePlugin {
        /// The profile's scheduler name.
        profile: String,
        /// The repeated name.
        plugin: String,
    },
    /// A score weight is negative (0 means "default", i.e. 1).
    #[error("profile {profile:?}: plugin {plugin:?} has negative weight {weight}")]
    NegativeWeight {
        /// The profile's scheduler name.
        profile: String,
        /// The plugin.
        plugin: String,
        /// The weight given.
        weight: i64,
    },
    /// `percentageOfNodesToScore` outside 0..=100.
    #[error("profile {profile:?}: percentageOfNodesToScore {percentage} is not in 0..=100")]
    InvalidPercentage {
        /// The profile's scheduler name.
        profile: String,
        /// The value given.
        percentage: i64,
    },
    /// A plugin enabled at an extension point it does not implement.
    #[error("profile {profile:?}: plugin {plugin:?} does not extend {interface} plugin")]
    NotAnExtension {
        /// The profile's scheduler name.
        profile: String,
        /// The plugin.
        plugin: String,
        /// The upstream interface name of the extension point (`BindPlugin`).
        interface: &'static str,
    },
    /// No QueueSort plugin is enabled.
    #[error("profile {0:?}: no queue sort plugin is enabled")]
    NoQueueSort(String),
    /// More than one QueueSort plugin is enabled.
    #[error("profile {0:?}: only one queue sort plugin can be enabled")]
    ManyQueueSorts(String),
    /// No Bind plugin is enabled.
    #[error("profile {0:?}: at least one bind plugin is needed")]
    NoBindPlugin(String),
    /// Profiles disagree on the QueueSort plugin.
    #[error("different queue sort plugins for profile {profile:?}: {plugin:?}, first: {first:?}")]
    DifferentQueueSort {
        /// The profile's scheduler name.
        profile: String,
        /// Its QueueSort plugin.
        plugin: String,
        /// The first profile's QueueSort plugin.
        first: String,
    },
    /// Profiles disagree on the QueueSort plugin's arguments.
    #[error("different queue sort plugin args for profile {0:?}")]
    DifferentQueueSortArgs(String),
    /// Arguments of the wrong kind for a plugin.
    #[error("plugin {plugin:?} does not take these arguments")]
    ArgsMismatch {
        /// The plugin.
        plugin: &'static str,
    },
    /// A scoring resource weight outside 1..=100.
    #[error("plugin {plugin:?}: resource {resource:?} weight {weight} is not in 1..=100")]
    InvalidResourceWeight {
        /// The plugin.
        plugin: &'static str,
        /// The resource.
        resource: String,
        /// The weight given.
        weight: i64,
    },
    /// Plugin arguments that fail the plugin's own validation.
    #[error("plugin {plugin:?}: {message}")]
    InvalidPluginArgs {
        /// The plugin.
        plugin: &'static str,
        /// What is wrong, apiserver style (`field: Invalid value: …`).
        message: String,
    },
}

/// Plugin arguments (`pluginConfig[].args`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum PluginArgs {
    /// The plugin's defaults.
    #[default]
    Default,
    /// `NodeResourcesFitArgs`.
    NodeResourcesFit(NodeResourcesFitArgs),
    /// `NodeResourcesBalancedAllocationArgs`.
    BalancedAllocation(BalancedAllocationArgs),
    /// `PodTopologySpreadArgs`.
    PodTopologySpread(PodTopologySpreadArgs),
    /// `InterPodAffinityArgs`.
    InterPodAffinity(InterPodAffinityArgs),
    /// `DefaultPreemptionArgs`.
    DefaultPreemption(crate::scheduler::preemption::DefaultPreemptionArgs),
}

/// One enabled plugin (`plugins.multiPoint.enabled[]` + its `pluginConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PluginEntry {
    /// Registry name.
    pub name: String,
    /// Score weight (ignored unless the plugin scores); 0 means 1, as upstream.
    pub weight: i64,
    /// Arguments.
    pub args: PluginArgs,
    /// Extension points where the configuration disabled this plugin (`plugins.<point>.disabled`).
    pub disabled_points: Vec<String>,
    /// Set when the configuration enabled the plugin at one extension point only.
    pub only_point: Option<String>,
    /// Extension points the configuration named this plugin under (`plugins.<point>.enabled`):
    /// the plugin must implement each of them.
    pub enabled_points: Vec<String>,
}

impl PluginEntry {
    /// A plugin with default arguments, active at every extension point it implements.
    pub fn new(name: &str, weight: i64) -> Self {
        PluginEntry {
            name: name.into(),
            weight,
            args: PluginArgs::Default,
            disabled_points: Vec::new(),
            only_point: None,
            enabled_points: Vec::new(),
        }
    }

    /// Whether the plugin runs at `point` (`queueSort`, `preFilter`, `filter`, `postFilter`,
    /// `preScore`, `score`, `reserve`, `preBind`, `bind`).
    pub fn active_at(&self, point: &str) -> bool {
        !self.disabled_points.iter().any(|p| p == point)
            && self.only_point.as_deref().is_none_or(|p| p == point)
    }
}

/// A scheduling profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Profile {
    /// `schedulerName` of the pods this profile schedules.
    pub scheduler_name: String,
    /// Enabled plugins in execution order (each extension point runs them in this order).
    pub plugins: Vec<PluginEntry>,
    /// `percentageOfNodesToScore`; `None` or 0 = adaptive (SPEC §7.2).
    pub percentage_of_nodes_to_score: Option<i64>,
}

impl Profile {
    /// Upstream's default profile (`default_plugins.go`, MultiPoint order and weights) restricted
    /// to the plugins that exist here: PrioritySort, NodeUnschedulable, NodeName,
    /// TaintToleration (3), NodeAffinity (2), NodePorts, NodeResourcesFit (1), NodeVolumeLimits,
    /// VolumeBinding (filter only: its score is feature-gated upstream), VolumeZone,
    /// PodTopologySpread (2), InterPodAffinity (2), DefaultPreemption,
    /// NodeResourcesBalancedAllocation (1), ImageLocality (1), DefaultBinder.
    pub fn default_profile() -> Self {
        Profile {
            scheduler_name: DEFAULT_SCHEDULER_NAME.into(),
            plugins: vec![
                PluginEntry::new(queue_sort::NAME, 0),
                PluginEntry::new(node_unschedulable::NAME, 0),
                PluginEntry::new(node_name::NAME, 0),
                PluginEntry::new(taint_toleration::NAME, 3),
                PluginEntry::new(node_affinity::NAME, 2),
                PluginEntry::new(node_ports::NAME, 0),
                PluginEntry::new(node_resources_fit::NAME, 1),
                PluginEntry::new(node_volume_limits::NAME, 0),
                PluginEntry::new(volume_binding::NAME, 0),
                PluginEntry::new(volume_zone::NAME, 0),
                PluginEntry::new(pod_topology_spread::NAME, 2),
                PluginEntry::new(inter_pod_affinity::NAME, 2),
                PluginEntry::new(default_preemption::NAME, 0),
                PluginEntry::new(balanced_allocation::NAME, 1),
                PluginEntry::new(image_locality::NAME, 1),
                PluginEntry::new(default_binder::NAME, 0),
            ],
            percentage_of_nodes_to_score: None,
        }
    }

    /// Sets the arguments of an enabled plugin; false when the plugin is not enabled.
    pub fn set_args(&mut self, plugin: &str, args: PluginArgs) -> bool {
        match self.plugins.iter_mut().find(|p| p.name == plugin) {
            Some(entry) => {
                entry.args = args;
                true
            }
            None => false,
        }
    }

    /// Switches NodeResourcesFit's scoring strategy (keeping its resources); false when
    /// NodeResourcesFit is not enabled.
    pub fn set_fit_strategy(&mut self, kind: ScoringStrategyType) -> bool {
        let Some(entry) = self
            .plugins
            .iter_mut()
            .find(|p| p.name == node_resources_fit::NAME)
        else {
            return false;
        };
        let mut args = match &entry.args {
            PluginArgs::NodeResourcesFit(args) => args.clone(),
            _ => NodeResourcesFitArgs::default(),
        };
        args.scoring_strategy.kind = kind;
        entry.args = PluginArgs::NodeResourcesFit(args);
        true
    }

    /// Removes a plugin; false when it was not enabled.
    pub fn disable(&mut self, plugin: &str) -> bool {
        let before = self.plugins.len();
        self.plugins.retain(|p| p.name != plugin);
        self.plugins.len() != before
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile::default_profile()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPEC §6: the default weights of the plugins that exist.
    #[test]
    fn default_weights() {
        let p = Profile::default_profile();
        let weight = |name: &str| p.plugins.iter().find(|e| e.name == name).map(|e| e.weight);
        assert_eq!(weight("TaintToleration"), Some(3));
        assert_eq!(weight("NodeAffinity"), Some(2));
        assert_eq!(weight("NodeResourcesFit"), Some(1));
        assert_eq!(weight("NodeResourcesBalancedAllocation"), Some(1));
        assert_eq!(weight("PodTopologySpread"), Some(2));
        assert_eq!(weight("InterPodAffinity"), Some(2));
        assert_eq!(weight("ImageLocality"), Some(1));
        let order: Vec<&str> = p.plugins.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            order,
            [
                "PrioritySort",
                "NodeUnschedulable",
                "NodeName",
                "TaintToleration",
                "NodeAffinity",
                "NodePorts",
                "NodeResourcesFit",
                "NodeVolumeLimits",
                "VolumeBinding",
                "VolumeZone",
                "PodTopologySpread",
                "InterPodAffinity",
                "DefaultPreemption",
                "NodeResourcesBalancedAllocation",
                "ImageLocality",
                "DefaultBinder"
            ]
        );
    }

    #[test]
    fn editing() {
        let mut p = Profile::default_profile();
        assert!(p.set_fit_strategy(ScoringStrategyType::MostAllocated));
        assert!(matches!(
            &p.plugins[6].args,
            PluginArgs::NodeResourcesFit(a) if a.scoring_strategy.kind == ScoringStrategyType::MostAllocated
        ));
        assert!(p.disable("NodePorts"));
        assert!(!p.disable("NodePorts"));
        assert!(!p.set_args("NodePorts", PluginArgs::Default));
        assert!(p.disable("NodeResourcesFit"));
        assert!(!p.set_fit_strategy(ScoringStrategyType::LeastAllocated));
    }
}
