//! `kubescheduler.config.k8s.io/v1` `KubeSchedulerConfiguration`: read and validated (upstream
//! `pkg/scheduler/apis/config/validation`) into [`SchedulerConfig`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::de::from_node;
use super::manifests::{ManifestError, Notes, unknown_fields};
use super::yaml::Node;
use crate::model::scheduler_config::{PluginRef, PluginSet, ProfileConfig, SchedulerConfig};

/// The API version served.
pub const API_VERSION: &str = "kubescheduler.config.k8s.io/v1";

/// Extension points a profile may configure.
pub const EXTENSION_POINTS: [&str; 13] = [
    "multiPoint",
    "queueSort",
    "preEnqueue",
    "preFilter",
    "filter",
    "postFilter",
    "preScore",
    "score",
    "reserve",
    "permit",
    "preBind",
    "bind",
    "postBind",
];

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    percentage_of_nodes_to_score: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pod_initial_backoff_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pod_max_backoff_seconds: Option<i64>,
    #[serde(default)]
    profiles: Vec<RawProfile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parallelism: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    leader_election: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_connection: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    extenders: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delay_cache_until_active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    enable_profiling: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    enable_contention_profiling: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    health_z_bind_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metrics_bind_address: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scheduler_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    percentage_of_nodes_to_score: Option<i64>,
    #[serde(default)]
    plugins: BTreeMap<String, RawPluginSet>,
    #[serde(default)]
    plugin_config: Vec<RawPluginConfig>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPluginSet {
    #[serde(default)]
    enabled: Vec<RawPlugin>,
    #[serde(default)]
    disabled: Vec<RawPlugin>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPlugin {
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weight: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPluginConfig {
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    args: Option<serde_json::Value>,
}

fn invalid(path: &str, detail: String) -> ManifestError {
    ManifestError {
        path: path.to_string(),
        pos: None,
        message: format!("The KubeSchedulerConfiguration is invalid: {path}: {detail}"),
    }
}

/// Reads and validates a `KubeSchedulerConfiguration` document.
pub fn parse(node: &Node, notes: &mut Notes) -> Result<SchedulerConfig, ManifestError> {
    let raw: RawConfig = from_node(node).map_err(|e| ManifestError {
        path: String::new(),
        pos: e.pos,
        message: format!("The KubeSchedulerConfiguration is invalid: {}", e.message),
    })?;
    unknown_fields(node, &raw, notes);
    let mut config = SchedulerConfig::default();
    if let Some(p) = raw.percentage_of_nodes_to_score {
        if !(0..=100).contains(&p) {
            return Err(invalid(
                "percentageOfNodesToScore",
                format!("Invalid value: {p}: not in valid range [0-100]"),
            ));
        }
        config.percentage_of_nodes_to_score = Some(p);
    }
    if let Some(b) = raw.pod_initial_backoff_seconds {
        if b <= 0 {
            return Err(invalid(
                "podInitialBackoffSeconds",
                format!("Invalid value: {b}: must be greater than 0"),
            ));
        }
        config.pod_initial_backoff_s = b;
    }
    if let Some(b) = raw.pod_max_backoff_seconds {
        if b < config.pod_initial_backoff_s {
            return Err(invalid(
                "podMaxBackoffSeconds",
                format!(
                    "Invalid value: {b}: must be greater than or equal to PodInitialBackoffSeconds"
                ),
            ));
        }
        config.pod_max_backoff_s = b;
    }
    for (field, present) in [
        ("extenders", raw.extenders.is_some()),
        ("leaderElection", raw.leader_election.is_some()),
        ("clientConnection", raw.client_connection.is_some()),
        ("parallelism", raw.parallelism.is_some()),
    ] {
        if present {
            notes.infos.push(format!(
                "field \"KubeSchedulerConfiguration.{field}\" is accepted but not simulated"
            ));
        }
    }
    if !raw.profiles.is_empty() {
        config.profiles.clear();
    }
    let mut names = BTreeSet::new();
    for (index, p) in raw.profiles.iter().enumerate() {
        let path = format!("profiles[{index}]");
        let scheduler_name = p
            .scheduler_name
            .clone()
            .unwrap_or_else(|| "default-scheduler".into());
        if scheduler_name.is_empty() {
            return Err(invalid(
                &format!("{path}.schedulerName"),
                "Required value".into(),
            ));
        }
        if !names.insert(scheduler_name.clone()) {
            return Err(invalid(
                &format!("{path}.schedulerName"),
                format!("Duplicate value: \"{scheduler_name}\""),
            ));
        }
        if let Some(pct) = p.percentage_of_nodes_to_score
            && !(0..=100).contains(&pct)
        {
            return Err(invalid(
                &format!("{path}.percentageOfNodesToScore"),
                format!("Invalid value: {pct}: not in valid range [0-100]"),
            ));
        }
        let mut plugins = BTreeMap::new();
        for (point, set) in &p.plugins {
            if !EXTENSION_POINTS.contains(&point.as_str()) {
                return Err(invalid(
                    &format!("{path}.plugins.{point}"),
                    format!(
                        "Unsupported value: \"{point}\": supported values: {}",
                        EXTENSION_POINTS.join(", ")
                    ),
                ));
            }
            let convert =
                |list: &[RawPlugin], what: &str| -> Result<Vec<PluginRef>, ManifestError> {
                    let mut out = Vec::new();
                    for (i, plugin) in list.iter().enumerate() {
                        if plugin.name.is_empty() {
                            return Err(invalid(
                                &format!("{path}.plugins.{point}.{what}[{i}].name"),
                                "Required value".into(),
                            ));
                        }
                        if let Some(w) = plugin.weight
                            && !(0..=100).contains(&w)
                        {
                            return Err(invalid(
                                &format!("{path}.plugins.{point}.{what}[{i}].weight"),
                                format!("Invalid value: {w}: must be in the range 0-100"),
                            ));
                        }
                        out.push(PluginRef {
                            name: plugin.name.clone(),
                            weight: plugin.weight,
                        });
                    }
                    Ok(out)
                };
            plugins.insert(
                point.clone(),
                PluginSet {
                    enabled: convert(&set.enabled, "enabled")?,
                    disabled: convert(&set.disabled, "disabled")?,
                },
            );
        }
        let mut plugin_args = BTreeMap::new();
        for (i, pc) in p.plugin_config.iter().enumerate() {
            if pc.name.is_empty() {
                return Err(invalid(
                    &format!("{path}.pluginConfig[{i}].name"),
                    "Required value".into(),
                ));
            }
            if plugin_args
                .insert(
                    pc.name.clone(),
                    pc.args.clone().unwrap_or(serde_json::Value::Null),
                )
                .is_some()
            {
                return Err(invalid(
                    &format!("{path}.pluginConfig[{i}].name"),
                    format!("Duplicate value: \"{}\"", pc.name),
                ));
            }
        }
        config.profiles.push(ProfileConfig {
            scheduler_name,
            percentage_of_nodes_to_score: p.percentage_of_nodes_to_score,
            plugins,
            plugin_args,
        });
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::yaml::parse_stream;

    fn parse_text(text: &str) -> Result<SchedulerConfig, ManifestError> {
        let docs = parse_stream(text).unwrap();
        parse(docs[0].root.as_ref().unwrap(), &mut Notes::default())
    }

    #[test]
    fn profiles_and_plugins() {
        let config = parse_text(
            "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\npercentageOfNodesToScore: 50\nprofiles:\n- schedulerName: default-scheduler\n- schedulerName: bin-packing\n  plugins:\n    score:\n      disabled: [{name: NodeResourcesBalancedAllocation}]\n      enabled: [{name: NodeResourcesFit, weight: 5}]\n  pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy:\n        type: MostAllocated\n",
        )
        .unwrap();
        assert_eq!(config.percentage_of_nodes_to_score, Some(50));
        assert_eq!(config.profiles.len(), 2);
        let packing = &config.profiles[1];
        assert_eq!(
            packing.plugins["score"].disabled[0].name,
            "NodeResourcesBalancedAllocation"
        );
        assert_eq!(packing.plugins["score"].enabled[0].weight, Some(5));
        assert_eq!(
            packing.plugin_args["NodeResourcesFit"]["scoringStrategy"]["type"],
            "MostAllocated"
        );
    }

    #[test]
    fn validation_errors() {
        let base = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n";
        let cases = [
            (
                "percentageOfNodesToScore: 120\n",
                "percentageOfNodesToScore: Invalid value: 120",
            ),
            (
                "podInitialBackoffSeconds: 0\n",
                "podInitialBackoffSeconds: Invalid value: 0",
            ),
            (
                "profiles:\n- schedulerName: a\n- schedulerName: a\n",
                "profiles[1].schedulerName: Duplicate value",
            ),
            (
                "profiles:\n- plugins:\n    scoring: {}\n",
                "Unsupported value: \"scoring\"",
            ),
        ];
        for (extra, want) in cases {
            let err = parse_text(&format!("{base}{extra}")).unwrap_err();
            assert!(err.message.contains(want), "{} vs {want}", err.message);
        }
    }
}
