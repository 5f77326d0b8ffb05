//! From a `KubeSchedulerConfiguration` ([`SchedulerConfig`], plain data read by the scenario
//! loader) to [`Profile`]s, merging with the default plugins as upstream's v1 defaulting does:
//! every profile starts from the default plugin set; `disabled` removes plugins (`*` removes every
//! default of that extension point); `enabled` adds plugins or changes a score weight; a plugin
//! disabled only at some extension points keeps the others. `pluginConfig` sets plugin arguments.

use super::plugins::{
    BalancedAllocationArgs, InterPodAffinityArgs, NodeResourcesFitArgs, ResourceSpec,
    ScoringStrategyType, UtilizationShapePoint,
};
use super::preemption::DefaultPreemptionArgs;
use super::profile::{ConfigError, PluginArgs, PluginEntry, Profile};
use crate::model::scheduler_config::{ProfileConfig, SchedulerConfig};

/// Why a configuration cannot be turned into profiles.
fn bad_args(plugin: &'static str) -> ConfigError {
    ConfigError::ArgsMismatch { plugin }
}

fn resources(
    value: &serde_json::Value,
    plugin: &'static str,
) -> Result<Option<Vec<ResourceSpec>>, ConfigError> {
    let Some(list) = value.get("resources") else {
        return Ok(None);
    };
    let list = list.as_array().ok_or_else(|| bad_args(plugin))?;
    let mut out = Vec::new();
    for item in list {
        let name = item
            .get("name")
            .and_then(|n| n.as_str())
            .ok_or_else(|| bad_args(plugin))?;
        let weight = item.get("weight").and_then(|w| w.as_i64()).unwrap_or(1);
        if !(1..=100).contains(&weight) {
            return Err(ConfigError::InvalidResourceWeight {
                plugin,
                resource: name.to_string(),
                weight,
            });
        }
        out.push(ResourceSpec {
            name: name.to_string(),
            weight,
        });
    }
    Ok(Some(out))
}

/// `requestedToCapacityRatio.shape`: a list of `{utilization, score}` integers (missing ones are
/// 0, as upstream's defaulting of int32 fields).
fn shape_points(value: &serde_json::Value) -> Result<Vec<UtilizationShapePoint>, ConfigError> {
    let list = value
        .as_array()
        .ok_or_else(|| bad_args("NodeResourcesFit"))?;
    let mut out = Vec::with_capacity(list.len());
    for item in list {
        let field = |key: &str| -> Result<i64, ConfigError> {
            match item.get(key) {
                None => Ok(0),
                Some(v) => v.as_i64().ok_or_else(|| bad_args("NodeResourcesFit")),
            }
        };
        out.push(UtilizationShapePoint::new(
            field("utilization")?,
            field("score")?,
        ));
    }
    Ok(out)
}

/// Reads `pluginConfig[].args` for the plugins that take arguments.
fn plugin_args(name: &str, args: &serde_json::Value) -> Result<Option<PluginArgs>, ConfigError> {
    Ok(match name {
        "NodeResourcesFit" => {
            let mut fit = NodeResourcesFitArgs::default();
            if let Some(strategy) = args.get("scoringStrategy") {
                match strategy.get("type").and_then(|t| t.as_str()) {
                    None | Some("LeastAllocated") => {
                        fit.scoring_strategy.kind = ScoringStrategyType::LeastAllocated
                    }
                    Some("MostAllocated") => {
                        fit.scoring_strategy.kind = ScoringStrategyType::MostAllocated
                    }
                    Some("RequestedToCapacityRatio") => {
                        fit.scoring_strategy.kind = ScoringStrategyType::RequestedToCapacityRatio
                    }
                    Some(_) => return Err(bad_args("NodeResourcesFit")),
                }
                if let Some(shape) = strategy
                    .get("requestedToCapacityRatio")
                    .and_then(|r| r.get("shape"))
                {
                    fit.scoring_strategy.shape = shape_points(shape)?;
                }
                if let Some(list) = resources(strategy, "NodeResourcesFit")? {
                    fit.scoring_strategy.resources = list;
                }
            }
            let strings = |key: &str| -> Vec<String> {
                args.get(key)
                    .and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            fit.ignored_resources = strings("ignoredResources");
            fit.ignored_resource_groups = strings("ignoredResourceGroups");
            Some(PluginArgs::NodeResourcesFit(fit))
        }
        "NodeResourcesBalancedAllocation" => {
            let mut balanced = BalancedAllocationArgs::default();
            if let Some(list) = resources(args, "NodeResourcesBalancedAllocation")? {
                balanced.resources = list;
            }
            Some(PluginArgs::BalancedAllocation(balanced))
        }
        "InterPodAffinity" => {
            let mut ipa = InterPodAffinityArgs::default();
            if let Some(w) = args.get("hardPodAffinityWeight").and_then(|w| w.as_i64()) {
                if !(0..=100).contains(&w) {
                    return Err(bad_args("InterPodAffinity"));
                }
                ipa.hard_pod_affinity_weight = w;
            }
            if let Some(b) = args
                .get("ignorePreferredTermsOfExistingPods")
                .and_then(|b| b.as_bool())
            {
                ipa.ignore_preferred_terms_of_existing_pods = b;
            }
            Some(PluginArgs::InterPodAffinity(ipa))
        }
        "DefaultPreemption" => {
            let mut dp = DefaultPreemptionArgs::default();
            let field = |key: &str| -> Result<Option<i64>, ConfigError> {
                match args.get(key) {
                    None => Ok(None),
                    Some(v) => v
                        .as_i64()
                        .map(Some)
                        .ok_or_else(|| bad_args("DefaultPreemption")),
                }
            };
            if let Some(p) = field("minCandidateNodesPercentage")? {
                dp.min_candidate_nodes_percentage = p;
            }
            if let Some(a) = field("minCandidateNodesAbsolute")? {
                dp.min_candidate_nodes_absolute = a;
            }
            dp.validate()
                .map_err(|message| ConfigError::InvalidPluginArgs {
                    plugin: "DefaultPreemption",
                    message,
                })?;
            Some(PluginArgs::DefaultPreemption(dp))
        }
        _ => None,
    })
}

/// One profile from its configuration.
pub fn profile_from_config(
    config: &ProfileConfig,
    global_percentage: Option<i64>,
) -> Result<Profile, ConfigError> {
    let mut profile = Profile::default_profile();
    profile.scheduler_name = config.scheduler_name.clone();
    profile.percentage_of_nodes_to_score =
        config.percentage_of_nodes_to_score.or(global_percentage);
    // multiPoint first, then the specific extension points, as upstream merges them.
    let mut points: Vec<(&String, &crate::model::scheduler_config::PluginSet)> =
        config.plugins.iter().collect();
    points.sort_by_key(|(point, _)| if point.as_str() == "multiPoint" { 0 } else { 1 });
    for (point, set) in points {
        let all_points = point == "multiPoint";
        for disabled in &set.disabled {
            if disabled.name == "*" {
                if all_points {
                    profile.plugins.clear();
                } else {
                    for entry in &mut profile.plugins {
                        entry.disabled_points.push(point.clone());
                    }
                }
            } else if all_points {
                profile.disable(&disabled.name);
            } else if let Some(entry) = profile.plugins.iter_mut().find(|e| e.name == disabled.name)
            {
                entry.disabled_points.push(point.clone());
            }
        }
        for enabled in &set.enabled {
            match profile.plugins.iter_mut().find(|e| e.name == enabled.name) {
                Some(entry) => {
                    entry.disabled_points.retain(|p| p != point);
                    if !all_points {
                        entry.enabled_points.push(point.clone());
                    }
                    if let Some(weight) = enabled.weight
                        && (all_points || point == "score")
                    {
                        entry.weight = weight;
                    }
                }
                None => {
                    let mut entry = PluginEntry::new(&enabled.name, enabled.weight.unwrap_or(0));
                    if !all_points {
                        // Enabled at one point only: every other point stays off.
                        entry.only_point = Some(point.clone());
                        entry.enabled_points.push(point.clone());
                    }
                    profile.plugins.push(entry);
                }
            }
        }
    }
    for (name, args) in &config.plugin_args {
        if let Some(parsed) = plugin_args(name, args)? {
            profile.set_args(name, parsed);
        }
    }
    Ok(profile)
}

/// Every profile of a configuration.
pub fn profiles_from_config(config: &SchedulerConfig) -> Result<Vec<Profile>, ConfigError> {
    config
        .profiles
        .iter()
        .map(|p| profile_from_config(p, config.percentage_of_nodes_to_score))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::scheduler_config::{PluginRef, PluginSet};

    fn set(enabled: &[(&str, Option<i64>)], disabled: &[&str]) -> PluginSet {
        PluginSet {
            enabled: enabled
                .iter()
                .map(|(n, w)| PluginRef {
                    name: (*n).into(),
                    weight: *w,
                })
                .collect(),
            disabled: disabled
                .iter()
                .map(|n| PluginRef {
                    name: (*n).into(),
                    weight: None,
                })
                .collect(),
        }
    }

    #[test]
    fn default_preemption_args() {
        let ok = plugin_args(
            "DefaultPreemption",
            &serde_json::json!({"minCandidateNodesPercentage": 20, "minCandidateNodesAbsolute": 5}),
        )
        .unwrap();
        assert_eq!(
            ok,
            Some(PluginArgs::DefaultPreemption(DefaultPreemptionArgs {
                min_candidate_nodes_percentage: 20,
                min_candidate_nodes_absolute: 5,
            }))
        );
        let bad = plugin_args(
            "DefaultPreemption",
            &serde_json::json!({"minCandidateNodesPercentage": 120}),
        )
        .unwrap_err();
        assert!(bad.to_string().contains(
            "minCandidateNodesPercentage: Invalid value: 120: not in valid range [0, 100]"
        ));
    }

    #[test]
    fn score_changes_keep_filters() {
        let mut plugins = BTreeMap::new();
        plugins.insert(
            "score".to_string(),
            set(
                &[("NodeResourcesFit", Some(5))],
                &["NodeResourcesBalancedAllocation", "TaintToleration"],
            ),
        );
        let config = ProfileConfig {
            scheduler_name: "packing".into(),
            plugins,
            ..ProfileConfig::default()
        };
        let profile = profile_from_config(&config, Some(30)).unwrap();
        assert_eq!(profile.percentage_of_nodes_to_score, Some(30));
        let fit = profile
            .plugins
            .iter()
            .find(|e| e.name == "NodeResourcesFit")
            .unwrap();
        assert_eq!(fit.weight, 5);
        let taints = profile
            .plugins
            .iter()
            .find(|e| e.name == "TaintToleration")
            .unwrap();
        assert_eq!(
            taints.disabled_points,
            vec!["score".to_string()],
            "TaintToleration still filters"
        );
        super::super::runtime::Framework::new(&profile).unwrap();
    }

    #[test]
    fn multipoint_star_and_args() {
        let mut plugins = BTreeMap::new();
        plugins.insert(
            "multiPoint".to_string(),
            set(&[("NodeResourcesFit", Some(1)), ("NodeName", None)], &["*"]),
        );
        let mut plugin_args = BTreeMap::new();
        plugin_args.insert("NodeResourcesFit".to_string(), serde_json::json!({"scoringStrategy": {"type": "MostAllocated", "resources": [{"name": "cpu", "weight": 2}]}}));
        let config = ProfileConfig {
            scheduler_name: "minimal".into(),
            plugins,
            plugin_args,
            ..ProfileConfig::default()
        };
        let profile = profile_from_config(&config, None).unwrap();
        let names: Vec<&str> = profile.plugins.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, vec!["NodeResourcesFit", "NodeName"]);
        match &profile.plugins[0].args {
            PluginArgs::NodeResourcesFit(args) => {
                assert_eq!(
                    args.scoring_strategy.kind,
                    ScoringStrategyType::MostAllocated
                );
                assert_eq!(args.scoring_strategy.resources[0].weight, 2);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_weights_are_errors() {
        let mut plugin_args = BTreeMap::new();
        plugin_args.insert(
            "NodeResourcesFit".to_string(),
            serde_json::json!({"scoringStrategy": {"resources": [{"name": "cpu", "weight": 0}]}}),
        );
        let config = ProfileConfig {
            scheduler_name: "x".into(),
            plugin_args,
            ..ProfileConfig::default()
        };
        assert!(profile_from_config(&config, None).is_err());
    }

    #[test]
    fn requested_to_capacity_ratio_args() {
        let config = |args: serde_json::Value| {
            let mut plugin_args = BTreeMap::new();
            plugin_args.insert("NodeResourcesFit".to_string(), args);
            let config = ProfileConfig {
                scheduler_name: "ratio".into(),
                plugin_args,
                ..ProfileConfig::default()
            };
            profile_from_config(&config, None)
                .and_then(|p| super::super::runtime::Framework::new(&p).map(|_| p))
        };
        let profile = config(serde_json::json!({"scoringStrategy": {
            "type": "RequestedToCapacityRatio",
            "resources": [{"name": "nvidia.com/gpu", "weight": 3}],
            "requestedToCapacityRatio": {"shape": [
                {"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}
            ]}
        }}))
        .expect("valid");
        let fit = profile
            .plugins
            .iter()
            .find(|e| e.name == "NodeResourcesFit")
            .expect("enabled");
        match &fit.args {
            PluginArgs::NodeResourcesFit(args) => {
                assert_eq!(
                    args.scoring_strategy.kind,
                    ScoringStrategyType::RequestedToCapacityRatio
                );
                assert_eq!(
                    args.scoring_strategy.shape,
                    [
                        UtilizationShapePoint::new(0, 0),
                        UtilizationShapePoint::new(100, 10)
                    ]
                );
                assert_eq!(args.scoring_strategy.resources[0].name, "nvidia.com/gpu");
            }
            other => panic!("{other:?}"),
        }
        let err = config(serde_json::json!({"scoringStrategy": {
            "type": "RequestedToCapacityRatio",
            "requestedToCapacityRatio": {"shape": [
                {"utilization": 50, "score": 5}, {"utilization": 20, "score": 11}
            ]}
        }}))
        .expect_err("unsorted, score too high");
        assert_eq!(
            err.to_string(),
            "plugin \"NodeResourcesFit\": [scoringStrategy.requestedToCapacityRatio.shape[1].utilization: \
             Invalid value: 20: utilization values must be sorted in increasing order, \
             scoringStrategy.requestedToCapacityRatio.shape[1].score: Invalid value: 11: not in valid range [0, 10]]"
        );
        let err =
            config(serde_json::json!({"scoringStrategy": {"type": "RequestedToCapacityRatio"}}))
                .expect_err("no shape");
        assert!(
            err.to_string()
                .contains("at least one point must be specified"),
            "{err}"
        );
    }
}
