//! `argoproj.io/v1alpha1 Rollout`: there is no `k8s-openapi` type, so the fields timonel
//! supports are mirrored here; fields of the CRD that are accepted but not simulated are
//! announced with `Info:` lines, unknown ones with warnings.

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};

use super::{ManifestError, Notes, deployment_spec, int_or_percent, invalid, meta, read};
use crate::model::intstr::IntOrPercent;
use crate::model::rollout::{
    BackgroundAnalysis, BlueGreenStrategy, CanaryScale, CanaryStep, CanaryStrategy,
    DEFAULT_SCALE_DOWN_DELAY_SECONDS, RolloutAnalysis, RolloutObject, RolloutSpec, RolloutStrategy,
    TemplateRef,
};
use crate::scenario::duration::parse_nonnegative_duration;
use crate::scenario::yaml::Node;

const KIND: &str = "Rollout";

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
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Extra,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    #[serde(skip_serializing_if = "Option::is_none")]
    replicas: Option<i32>,
    #[serde(default)]
    selector: metav1::LabelSelector,
    #[serde(default)]
    template: core::PodTemplateSpec,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_ready_seconds: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision_history_limit: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    progress_deadline_seconds: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    paused: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    strategy: Option<Strategy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workload_ref: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    progress_deadline_abort: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    restart_at: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Extra,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Strategy {
    #[serde(skip_serializing_if = "Option::is_none")]
    canary: Option<Canary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blue_green: Option<BlueGreen>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Canary {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    steps: Vec<Step>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_surge: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_unavailable: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<AnalysisManifest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    traffic_routing: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    canary_service: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    stable_service: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    anti_affinity: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    canary_metadata: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    stable_metadata: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale_down_delay_seconds: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    abort_scale_down_delay_seconds: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    dynamic_stable_scale: Extra,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Step {
    #[serde(skip_serializing_if = "Option::is_none")]
    set_weight: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pause: Option<Pause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    set_canary_scale: Option<SetCanaryScale>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<AnalysisManifest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    experiment: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    set_header_route: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    set_mirror_route: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin: Extra,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pause {
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<IntOrString>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetCanaryScale {
    #[serde(skip_serializing_if = "Option::is_none")]
    replicas: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    match_traffic_weight: Option<bool>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AnalysisManifest {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    templates: Vec<TemplateManifest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    args: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    starting_step: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dry_run: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    measurement_retention: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis_run_metadata: Extra,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TemplateManifest {
    #[serde(skip_serializing_if = "Option::is_none")]
    template_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster_scope: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_ref: Extra,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BlueGreen {
    #[serde(skip_serializing_if = "Option::is_none")]
    active_service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview_service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_promotion_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_promotion_seconds: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale_down_delay_seconds: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pre_promotion_analysis: Option<AnalysisManifest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    post_promotion_analysis: Option<AnalysisManifest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview_replica_count: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    anti_affinity: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview_metadata: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    active_metadata: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    abort_scale_down_delay_seconds: Extra,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale_down_delay_revision_limit: Extra,
}

/// Reads a Rollout document.
pub(super) fn rollout(node: &Node, notes: &mut Notes) -> Result<RolloutObject, ManifestError> {
    let m: Manifest = read(node)?;
    super::unknown_fields(node, &m, notes);
    let mut source = serde_json::to_value(&m).unwrap_or(serde_json::Value::Null);
    if let Some(object) = source.as_object_mut() {
        object.remove("status");
    }
    convert(m, source, notes)
}

/// A Rollout from its JSON form (after `patch` or `setImage`).
pub fn rollout_from_json(
    value: &serde_json::Value,
    notes: &mut Notes,
) -> Result<RolloutObject, String> {
    let m: Manifest = serde_json::from_value(value.clone())
        .map_err(|e| format!("the patched Rollout is not valid: {e}"))?;
    convert(m, value.clone(), notes).map_err(|e| e.message)
}

fn convert(
    m: Manifest,
    source: serde_json::Value,
    notes: &mut Notes,
) -> Result<RolloutObject, ManifestError> {
    let meta = meta(&m.metadata, KIND)?;
    let name = meta.name.clone();
    let info = |notes: &mut Notes, field: &str| {
        notes.infos.push(format!(
            "rollout/{name}: {field} is accepted but not simulated"
        ));
    };
    let spec = m.spec;
    for (field, set) in [
        ("spec.workloadRef", spec.workload_ref.is_some()),
        (
            "spec.progressDeadlineAbort",
            spec.progress_deadline_abort.is_some(),
        ),
        ("spec.restartAt", spec.restart_at.is_some()),
        ("spec.analysis", spec.analysis.is_some()),
    ] {
        if set {
            info(notes, field);
        }
    }
    let paused = spec.paused.unwrap_or(false);
    let as_deployment = apps::DeploymentSpec {
        replicas: spec.replicas,
        selector: spec.selector,
        template: spec.template,
        min_ready_seconds: spec.min_ready_seconds,
        revision_history_limit: spec.revision_history_limit,
        progress_deadline_seconds: spec.progress_deadline_seconds,
        ..Default::default()
    };
    let d = deployment_spec(&as_deployment, &name, notes).map_err(|mut e| {
        e.message = e.message.replacen("The Deployment ", "The Rollout ", 1);
        e
    })?;
    let strategy = spec.strategy.unwrap_or_default();
    let strategy = match (strategy.canary, strategy.blue_green) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                KIND,
                &name,
                "spec.strategy",
                "Invalid value: \"canary\": only one of canary and blueGreen may be set".into(),
            ));
        }
        (None, None) => {
            return Err(invalid(
                KIND,
                &name,
                "spec.strategy",
                "Required value: one of canary and blueGreen".into(),
            ));
        }
        (Some(c), None) => RolloutStrategy::Canary(canary(c, &name, notes)?),
        (None, Some(b)) => RolloutStrategy::BlueGreen(blue_green(b, &name, notes)?),
    };
    Ok(RolloutObject {
        meta,
        spec: RolloutSpec {
            replicas: d.replicas,
            selector: d.selector,
            template: d.template,
            min_ready_seconds: d.min_ready_seconds,
            strategy,
            paused,
        },
        source,
    })
}

fn percent(value: i32, path: &str, name: &str) -> Result<i64, ManifestError> {
    if !(0..=100).contains(&value) {
        return Err(invalid(
            KIND,
            name,
            path,
            format!("Invalid value: {value}: must be between 0 and 100"),
        ));
    }
    Ok(i64::from(value))
}

fn canary(c: Canary, name: &str, notes: &mut Notes) -> Result<CanaryStrategy, ManifestError> {
    const P: &str = "spec.strategy.canary";
    for (field, set) in [
        (
            "trafficRouting (the weights are realised by replica ratio; the stable set stays at full scale as with a router)",
            c.traffic_routing.is_some(),
        ),
        ("canaryService", c.canary_service.is_some()),
        ("stableService", c.stable_service.is_some()),
        ("antiAffinity", c.anti_affinity.is_some()),
        ("canaryMetadata", c.canary_metadata.is_some()),
        ("stableMetadata", c.stable_metadata.is_some()),
        (
            "scaleDownDelaySeconds",
            c.scale_down_delay_seconds.is_some(),
        ),
        (
            "abortScaleDownDelaySeconds",
            c.abort_scale_down_delay_seconds.is_some(),
        ),
        ("dynamicStableScale", c.dynamic_stable_scale.is_some()),
    ] {
        if set {
            notes.infos.push(format!(
                "rollout/{name}: {P}.{field} is accepted but not simulated"
            ));
        }
    }
    let resolve = |v: Option<&IntOrString>, field: &str| -> Result<IntOrPercent, ManifestError> {
        match v {
            None => Ok(IntOrPercent::Percent(25)),
            Some(v) => int_or_percent(v, &format!("{P}.{field}"), KIND, name),
        }
    };
    let max_surge = resolve(c.max_surge.as_ref(), "maxSurge")?;
    let max_unavailable = resolve(c.max_unavailable.as_ref(), "maxUnavailable")?;
    if matches!(max_surge, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
        && matches!(
            max_unavailable,
            IntOrPercent::Int(0) | IntOrPercent::Percent(0)
        )
    {
        return Err(invalid(
            KIND,
            name,
            &format!("{P}.maxUnavailable"),
            "Invalid value: 0: MaxSurge and MaxUnavailable both can not be zero".into(),
        ));
    }
    let traffic_routing = c.traffic_routing.is_some();
    let mut steps = Vec::new();
    for (i, step) in c.steps.into_iter().enumerate() {
        let path = format!("{P}.steps[{i}]");
        for (field, set) in [
            ("experiment", step.experiment.is_some()),
            ("setHeaderRoute", step.set_header_route.is_some()),
            ("setMirrorRoute", step.set_mirror_route.is_some()),
            ("plugin", step.plugin.is_some()),
        ] {
            if set {
                notes.infos.push(format!(
                    "rollout/{name}: {path}.{field} is accepted but not simulated (the step completes at once)"
                ));
            }
        }
        let count = [
            step.set_weight.is_some(),
            step.pause.is_some(),
            step.set_canary_scale.is_some(),
            step.analysis.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if count > 1 {
            return Err(invalid(
                KIND,
                name,
                &path,
                "Invalid value: a step must have exactly one of setWeight, pause, setCanaryScale and analysis"
                    .into(),
            ));
        }
        if let Some(w) = step.set_weight {
            steps.push(CanaryStep::SetWeight(percent(
                w,
                &format!("{path}.setWeight"),
                name,
            )?));
        } else if let Some(p) = step.pause {
            let duration = match p.duration {
                None => None,
                Some(IntOrString::Int(s)) if s >= 0 => Some(s as u64 * 1_000_000_000),
                Some(IntOrString::String(text)) => Some(
                    parse_nonnegative_duration(&text).map_err(|_| {
                        invalid(
                            KIND,
                            name,
                            &format!("{path}.pause.duration"),
                            format!("Invalid value: \"{text}\": must be a duration (\"30s\", \"5m\") or seconds"),
                        )
                    })?,
                ),
                Some(IntOrString::Int(s)) => {
                    return Err(invalid(
                        KIND,
                        name,
                        &format!("{path}.pause.duration"),
                        format!("Invalid value: {s}: must be greater than or equal to 0"),
                    ));
                }
            };
            steps.push(CanaryStep::Pause(duration));
        } else if let Some(scale) = step.set_canary_scale {
            let scale = match (scale.replicas, scale.weight, scale.match_traffic_weight) {
                (Some(r), None, None | Some(false)) if r >= 0 => {
                    CanaryScale::Replicas(i64::from(r))
                }
                (None, Some(w), None | Some(false)) => {
                    CanaryScale::Weight(percent(w, &format!("{path}.setCanaryScale.weight"), name)?)
                }
                (None, None, Some(true)) => CanaryScale::MatchTrafficWeight,
                _ => {
                    return Err(invalid(
                        KIND,
                        name,
                        &format!("{path}.setCanaryScale"),
                        "Invalid value: exactly one of replicas (>= 0), weight and matchTrafficWeight must be set".into(),
                    ));
                }
            };
            if !traffic_routing {
                notes.infos.push(format!(
                    "rollout/{name}: {path}.setCanaryScale is ignored without trafficRouting, as in Argo Rollouts"
                ));
            }
            steps.push(CanaryStep::SetCanaryScale(scale));
        } else if let Some(a) = step.analysis {
            steps.push(CanaryStep::Analysis(rollout_analysis(
                a,
                &format!("{path}.analysis"),
                name,
                notes,
            )?));
        } else if count == 0
            && step.experiment.is_none()
            && step.set_header_route.is_none()
            && step.set_mirror_route.is_none()
            && step.plugin.is_none()
        {
            return Err(invalid(
                KIND,
                name,
                &path,
                "Required value: a step must have one of setWeight, pause, setCanaryScale and analysis"
                    .into(),
            ));
        }
    }
    let analysis = match c.analysis {
        None => None,
        Some(a) => {
            let starting_step = a.starting_step.unwrap_or(0);
            if starting_step < 0 || starting_step as usize > steps.len() {
                return Err(invalid(
                    KIND,
                    name,
                    &format!("{P}.analysis.startingStep"),
                    format!(
                        "Invalid value: {starting_step}: analysis can not start at a step outside of steps (0..{})",
                        steps.len()
                    ),
                ));
            }
            Some(BackgroundAnalysis {
                analysis: rollout_analysis(a, &format!("{P}.analysis"), name, notes)?,
                starting_step: starting_step as usize,
            })
        }
    };
    Ok(CanaryStrategy {
        steps,
        max_surge,
        max_unavailable,
        traffic_routing,
        analysis,
    })
}

fn rollout_analysis(
    a: AnalysisManifest,
    path: &str,
    name: &str,
    notes: &mut Notes,
) -> Result<RolloutAnalysis, ManifestError> {
    for (field, set) in [
        (
            "args (they only feed the provider queries, which are not run)",
            a.args.is_some(),
        ),
        ("dryRun", a.dry_run.is_some()),
        ("measurementRetention", a.measurement_retention.is_some()),
        ("analysisRunMetadata", a.analysis_run_metadata.is_some()),
    ] {
        if set {
            notes.infos.push(format!(
                "rollout/{name}: {path}.{field} is accepted but not simulated"
            ));
        }
    }
    if a.templates.is_empty() {
        return Err(invalid(
            KIND,
            name,
            &format!("{path}.templates"),
            "Required value: at least one template is required".into(),
        ));
    }
    let mut templates = Vec::new();
    for (i, t) in a.templates.into_iter().enumerate() {
        let field = format!("{path}.templates[{i}]");
        if t.template_ref.is_some() {
            notes.infos.push(format!(
                "rollout/{name}: {field}.templateRef is accepted but not simulated"
            ));
        }
        let template = t.template_name.filter(|n| !n.is_empty()).ok_or_else(|| {
            invalid(
                KIND,
                name,
                &format!("{field}.templateName"),
                "Required value".into(),
            )
        })?;
        templates.push(TemplateRef {
            name: template,
            cluster_scope: t.cluster_scope.unwrap_or(false),
        });
    }
    Ok(RolloutAnalysis { templates })
}

fn blue_green(
    b: BlueGreen,
    name: &str,
    notes: &mut Notes,
) -> Result<BlueGreenStrategy, ManifestError> {
    const P: &str = "spec.strategy.blueGreen";
    for (field, set) in [
        ("previewReplicaCount", b.preview_replica_count.is_some()),
        ("antiAffinity", b.anti_affinity.is_some()),
        ("previewMetadata", b.preview_metadata.is_some()),
        ("activeMetadata", b.active_metadata.is_some()),
        (
            "abortScaleDownDelaySeconds",
            b.abort_scale_down_delay_seconds.is_some(),
        ),
        (
            "scaleDownDelayRevisionLimit",
            b.scale_down_delay_revision_limit.is_some(),
        ),
    ] {
        if set {
            notes.infos.push(format!(
                "rollout/{name}: {P}.{field} is accepted but not simulated"
            ));
        }
    }
    let active_service = b.active_service.filter(|s| !s.is_empty()).ok_or_else(|| {
        invalid(
            KIND,
            name,
            &format!("{P}.activeService"),
            "Required value".into(),
        )
    })?;
    if b.preview_service.as_deref() == Some(active_service.as_str()) {
        return Err(invalid(
            KIND,
            name,
            &format!("{P}.previewService"),
            "Invalid value: Preview service and Active service cannot be the same".into(),
        ));
    }
    for (field, value) in [
        ("autoPromotionSeconds", b.auto_promotion_seconds),
        ("scaleDownDelaySeconds", b.scale_down_delay_seconds),
    ] {
        if let Some(v) = value
            && v < 0
        {
            return Err(invalid(
                KIND,
                name,
                &format!("{P}.{field}"),
                format!("Invalid value: {v}: must be greater than or equal to 0"),
            ));
        }
    }
    let pre_promotion_analysis = b
        .pre_promotion_analysis
        .map(|a| rollout_analysis(a, &format!("{P}.prePromotionAnalysis"), name, notes))
        .transpose()?;
    let post_promotion_analysis = b
        .post_promotion_analysis
        .map(|a| rollout_analysis(a, &format!("{P}.postPromotionAnalysis"), name, notes))
        .transpose()?;
    Ok(BlueGreenStrategy {
        active_service,
        preview_service: b.preview_service.filter(|s| !s.is_empty()),
        auto_promotion_enabled: b.auto_promotion_enabled.unwrap_or(true),
        auto_promotion_seconds: b.auto_promotion_seconds.map(i64::from),
        scale_down_delay_seconds: b
            .scale_down_delay_seconds
            .map_or(DEFAULT_SCALE_DOWN_DELAY_SECONDS, i64::from),
        pre_promotion_analysis,
        post_promotion_analysis,
    })
}
