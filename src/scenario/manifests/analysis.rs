//! `argoproj.io/v1alpha1` AnalysisTemplate and ClusterAnalysisTemplate: metrics, their timing,
//! limits and conditions. The provider (`prometheus`, `job`, `web`, …) is not queried: a
//! measurement is the simulated success rate of the new version's pods, announced with an
//! `Info:` line per metric.

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};

use super::{ManifestError, Notes, invalid, meta, read, unknown_fields};
use crate::model::analysis::{
    AnalysisTemplateObject, Condition, DEFAULT_CONSECUTIVE_ERROR_LIMIT, Metric,
};
use crate::scenario::duration::parse_nonnegative_duration;
use crate::scenario::yaml::Node;

type Extra = Option<serde_json::Value>;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    #[serde(skip_serializing_if = "Option::is_none")]
    api_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default)]
    metadata: metav1::ObjectMeta,
    #[serde(default)]
    spec: Spec,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    #[serde(default)]
    metrics: Vec<MetricManifest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    args: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    dry_run: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    measurement_retention: Extra,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetricManifest {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    initial_delay: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    success_condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_limit: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inconclusive_limit: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consecutive_error_limit: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consecutive_success_limit: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Reads an AnalysisTemplate (`cluster_scope` false) or ClusterAnalysisTemplate document.
pub(super) fn analysis_template(
    node: &Node,
    cluster_scope: bool,
    notes: &mut Notes,
) -> Result<AnalysisTemplateObject, ManifestError> {
    let kind = if cluster_scope {
        "ClusterAnalysisTemplate"
    } else {
        "AnalysisTemplate"
    };
    let m: Manifest = read(node)?;
    unknown_fields(node, &m, notes);
    let mut meta = meta(&m.metadata, kind)?;
    if cluster_scope {
        meta.namespace = String::new();
    }
    let name = meta.name.clone();
    for (field, set) in [
        ("spec.dryRun", m.spec.dry_run.is_some()),
        (
            "spec.measurementRetention",
            m.spec.measurement_retention.is_some(),
        ),
    ] {
        if set {
            notes.infos.push(format!(
                "{kind} \"{name}\": {field} is accepted but not simulated"
            ));
        }
    }
    if m.spec.metrics.is_empty() {
        return Err(invalid(
            kind,
            &name,
            "spec.metrics",
            "Required value: at least one metric is required".into(),
        ));
    }
    let mut metrics: Vec<Metric> = Vec::new();
    for (i, mm) in m.spec.metrics.into_iter().enumerate() {
        let path = format!("spec.metrics[{i}]");
        let metric = metric(mm, &path, kind, &name, notes)?;
        if metrics.iter().any(|other| other.name == metric.name) {
            return Err(invalid(
                kind,
                &name,
                &format!("{path}.name"),
                format!("Duplicate value: \"{}\"", metric.name),
            ));
        }
        metrics.push(metric);
    }
    Ok(AnalysisTemplateObject {
        meta,
        cluster_scope,
        metrics,
    })
}

fn metric(
    m: MetricManifest,
    path: &str,
    kind: &str,
    name: &str,
    notes: &mut Notes,
) -> Result<Metric, ManifestError> {
    let bad = |field: &str, detail: String| invalid(kind, name, &format!("{path}.{field}"), detail);
    let metric_name = m
        .name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| bad("name", "Required value".into()))?;
    let duration = |field: &str, text: &Option<String>| -> Result<Option<u64>, ManifestError> {
        match text {
            None => Ok(None),
            Some(t) => parse_nonnegative_duration(t).map(Some).map_err(|_| {
                bad(
                    field,
                    format!("Invalid value: \"{t}\": must be a duration (\"30s\", \"5m\")"),
                )
            }),
        }
    };
    let interval_ns = duration("interval", &m.interval)?;
    let initial_delay_ns = duration("initialDelay", &m.initial_delay)?.unwrap_or(0);
    let integer = |field: &str, v: &Option<IntOrString>| -> Result<Option<i64>, ManifestError> {
        let value = match v {
            None => return Ok(None),
            Some(IntOrString::Int(i)) => i64::from(*i),
            Some(IntOrString::String(s)) => s.trim().parse::<i64>().map_err(|_| {
                bad(
                    field,
                    format!(
                        "Invalid value: \"{s}\": must be an integer (arguments are not resolved)"
                    ),
                )
            })?,
        };
        if value < 0 {
            return Err(bad(
                field,
                format!("Invalid value: {value}: must be greater than or equal to 0"),
            ));
        }
        Ok(Some(value))
    };
    let count = integer("count", &m.count)?;
    let failure_limit = integer("failureLimit", &m.failure_limit)?.unwrap_or(0);
    let inconclusive_limit = integer("inconclusiveLimit", &m.inconclusive_limit)?.unwrap_or(0);
    let consecutive_error_limit = integer("consecutiveErrorLimit", &m.consecutive_error_limit)?
        .unwrap_or(DEFAULT_CONSECUTIVE_ERROR_LIMIT);
    // Argo's ValidateMetric.
    if let Some(c) = count
        && c > 1
        && interval_ns.is_none()
    {
        return Err(bad(
            "interval",
            "Required value: interval must be specified when count > 1".into(),
        ));
    }
    if let Some(c) = count
        && c > 0
        && c <= failure_limit
    {
        return Err(bad(
            "count",
            format!("Invalid value: {c}: count must be >= failureLimit"),
        ));
    }
    let condition =
        |field: &str, text: Option<String>| -> Result<Option<Condition>, ManifestError> {
            match text {
                None => Ok(None),
                Some(t) => Condition::parse(&t).map(Some).map_err(|e| {
                    bad(
                        field,
                        format!("Invalid value: \"{t}\": unsupported expression: {e}"),
                    )
                }),
            }
        };
    let success_condition = condition("successCondition", m.success_condition)?;
    let failure_condition = condition("failureCondition", m.failure_condition)?;
    if m.consecutive_success_limit.is_some() {
        notes.infos.push(format!(
            "{kind} \"{name}\": {path}.consecutiveSuccessLimit is accepted but not simulated"
        ));
    }
    let provider = m
        .provider
        .as_ref()
        .and_then(|p| p.keys().next().cloned())
        .ok_or_else(|| {
            bad(
                "provider",
                "Required value: one provider must be set".into(),
            )
        })?;
    notes.infos.push(format!(
        "{kind} \"{name}\": metric \"{metric_name}\" ({provider} provider): the query is not run; each measurement is the simulated success rate of the new version's pods (result and result[0]: 1 - errorRate of their image; errorRate; len(result) = 1)"
    ));
    Ok(Metric {
        name: metric_name,
        interval_ns,
        initial_delay_ns,
        count,
        success_condition,
        failure_condition,
        failure_limit,
        inconclusive_limit,
        consecutive_error_limit,
        provider,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::yaml;

    fn load(text: &str) -> Result<AnalysisTemplateObject, ManifestError> {
        let docs = yaml::parse_stream(text).unwrap();
        analysis_template(docs[0].root.as_ref().unwrap(), false, &mut Notes::default())
    }

    const HEAD: &str = "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: success-rate}\nspec:\n  metrics:\n";

    #[test]
    fn the_argo_docs_example_loads() {
        let t = load(&format!(
            "{HEAD}  - name: success-rate\n    interval: 5m\n    successCondition: result[0] >= 0.95\n    failureLimit: 3\n    provider:\n      prometheus:\n        address: http://prometheus.example.com:9090\n        query: sum(rate(x[5m]))\n"
        ))
        .unwrap();
        let m = &t.metrics[0];
        assert_eq!(m.interval_ns, Some(300_000_000_000));
        assert_eq!(m.failure_limit, 3);
        assert_eq!(m.consecutive_error_limit, 4);
        assert_eq!(m.count, None);
        assert_eq!(m.provider, "prometheus");
        assert_eq!(t.meta.namespace, "default");
    }

    #[test]
    fn validation_messages() {
        let cases: [(&str, &str); 6] = [
            (
                "  - name: a\n    successCondition: result * 2\n    provider: {web: {}}\n",
                "spec.metrics[0].successCondition: Invalid value: \"result * 2\": unsupported expression",
            ),
            (
                "  - name: a\n    count: 3\n    provider: {web: {}}\n",
                "interval must be specified when count > 1",
            ),
            (
                "  - name: a\n    interval: 1m\n    count: 2\n    failureLimit: 2\n    provider: {web: {}}\n",
                "count must be >= failureLimit",
            ),
            ("  - name: a\n", "spec.metrics[0].provider: Required value"),
            (
                "  - name: a\n    interval: soon\n    provider: {web: {}}\n",
                "spec.metrics[0].interval: Invalid value: \"soon\"",
            ),
            (
                "  - name: a\n    provider: {web: {}}\n  - name: a\n    provider: {web: {}}\n",
                "spec.metrics[1].name: Duplicate value",
            ),
        ];
        for (metrics, want) in cases {
            let e = load(&format!("{HEAD}{metrics}")).expect_err(metrics);
            assert!(e.message.contains(want), "{metrics}: {}", e.message);
        }
    }
}
