//! `v1 LimitRange` and `v1 ResourceQuota` manifests: API defaulting and the validation the
//! simulated admission plugins rely on.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;

use super::{ManifestError, Notes, invalid, meta, read, unknown_fields};
use crate::model::admission::{
    Amounts, LimitRange, LimitRangeItem, LimitType, ResourceQuota, is_cpu,
};
use crate::scenario::quantity::Quantity;
use crate::scenario::yaml::Node;

const LIMIT_RANGE: &str = "LimitRange";
const RESOURCE_QUOTA: &str = "ResourceQuota";

/// The resources a ResourceQuota may name that the simulated pod evaluator counts.
const QUOTA_RESOURCES: [&str; 11] = [
    "pods",
    "count/pods",
    "cpu",
    "requests.cpu",
    "limits.cpu",
    "memory",
    "requests.memory",
    "limits.memory",
    "ephemeral-storage",
    "requests.ephemeral-storage",
    "limits.ephemeral-storage",
];

/// Parses a resource map into [`Amounts`] (`millis`: every value in thousandths, as for
/// `maxLimitRequestRatio`; otherwise CPU in millicores and the rest in units).
fn parse_amounts(
    map: Option<&BTreeMap<String, ApiQuantity>>,
    kind: &str,
    name: &str,
    path: &str,
    millis: bool,
) -> Result<Amounts, ManifestError> {
    let mut out = Amounts::new();
    for (resource, quantity) in map.into_iter().flatten() {
        let field = format!("{path}[{resource}]");
        let bad = |detail: String| {
            invalid(
                kind,
                name,
                &field,
                format!("Invalid value: \"{}\": {detail}", quantity.0),
            )
        };
        let parsed = Quantity::parse(&quantity.0).map_err(|e| bad(e.to_string()))?;
        if parsed.is_negative() {
            return Err(bad("must be greater than or equal to 0".into()));
        }
        let amount = if millis || is_cpu(resource) {
            parsed.to_millis()
        } else {
            parsed.to_units()
        }
        .map_err(|e| bad(e.to_string()))?;
        out.insert(resource.clone(), amount);
    }
    Ok(out)
}

/// Converts a `v1 LimitRange`.
pub(super) fn limit_range(node: &Node, notes: &mut Notes) -> Result<LimitRange, ManifestError> {
    let lr: core::LimitRange = read(node)?;
    unknown_fields(node, &lr, notes);
    let meta = meta(&lr.metadata, LIMIT_RANGE)?;
    let name = meta.name.clone();
    let mut limits = Vec::new();
    let items = lr.spec.map(|s| s.limits).unwrap_or_default();
    for (i, item) in items.iter().enumerate() {
        let path = format!("spec.limits[{i}]");
        let limit_type = match item.type_.as_str() {
            "Container" => LimitType::Container,
            "Pod" => LimitType::Pod,
            "PersistentVolumeClaim" => {
                notes.infos.push(format!(
                    "LimitRange \"{name}\": {path} (type PersistentVolumeClaim) is accepted but not simulated"
                ));
                continue;
            }
            other => {
                return Err(invalid(
                    LIMIT_RANGE,
                    &name,
                    &format!("{path}.type"),
                    format!(
                        "Unsupported value: \"{other}\": supported values: \"Container\", \"Pod\", \"PersistentVolumeClaim\""
                    ),
                ));
            }
        };
        let field = |f: &str| format!("{path}.{f}");
        let min = parse_amounts(item.min.as_ref(), LIMIT_RANGE, &name, &field("min"), false)?;
        let max = parse_amounts(item.max.as_ref(), LIMIT_RANGE, &name, &field("max"), false)?;
        let mut default = parse_amounts(
            item.default.as_ref(),
            LIMIT_RANGE,
            &name,
            &field("default"),
            false,
        )?;
        let mut default_request = parse_amounts(
            item.default_request.as_ref(),
            LIMIT_RANGE,
            &name,
            &field("defaultRequest"),
            false,
        )?;
        let max_limit_request_ratio = parse_amounts(
            item.max_limit_request_ratio.as_ref(),
            LIMIT_RANGE,
            &name,
            &field("maxLimitRequestRatio"),
            true,
        )?;
        if limit_type == LimitType::Pod && !(default.is_empty() && default_request.is_empty()) {
            let which = if default.is_empty() {
                "defaultRequest"
            } else {
                "default"
            };
            return Err(invalid(
                LIMIT_RANGE,
                &name,
                &field(which),
                "Forbidden: may not be specified when `type` is 'Pod'".into(),
            ));
        }
        for (resource, &low) in &min {
            if let Some(&high) = max.get(resource)
                && low > high
            {
                return Err(invalid(
                    LIMIT_RANGE,
                    &name,
                    &format!("{path}.min[{resource}]"),
                    format!(
                        "Invalid value: \"{}\": min value {} is greater than max value {}",
                        item.min
                            .as_ref()
                            .and_then(|m| m.get(resource))
                            .map_or("", |q| q.0.as_str()),
                        item.min
                            .as_ref()
                            .and_then(|m| m.get(resource))
                            .map_or("", |q| q.0.as_str()),
                        item.max
                            .as_ref()
                            .and_then(|m| m.get(resource))
                            .map_or("", |q| q.0.as_str()),
                    ),
                ));
            }
        }
        for (resource, &ratio) in &max_limit_request_ratio {
            if ratio < 1000 {
                return Err(invalid(
                    LIMIT_RANGE,
                    &name,
                    &format!("{path}.maxLimitRequestRatio[{resource}]"),
                    format!(
                        "Invalid value: \"{}\": ratio must be greater than or equal to 1",
                        item.max_limit_request_ratio
                            .as_ref()
                            .and_then(|m| m.get(resource))
                            .map_or("", |q| q.0.as_str())
                    ),
                ));
            }
        }
        if limit_type == LimitType::Container {
            // SetDefaults_LimitRangeItem: default ← max, defaultRequest ← default, then min.
            for (resource, amount) in &max {
                default.entry(resource.clone()).or_insert(*amount);
            }
            for (resource, amount) in default.iter().chain(&min) {
                default_request.entry(resource.clone()).or_insert(*amount);
            }
        }
        limits.push(LimitRangeItem {
            limit_type,
            default,
            default_request,
            min,
            max,
            max_limit_request_ratio,
        });
    }
    Ok(LimitRange { meta, limits })
}

/// Converts a `v1 ResourceQuota`; resources the pod evaluator does not count are noted and
/// dropped, as are scopes (not simulated).
pub(super) fn resource_quota(
    node: &Node,
    notes: &mut Notes,
) -> Result<ResourceQuota, ManifestError> {
    let quota: core::ResourceQuota = read(node)?;
    unknown_fields(node, &quota, notes);
    let meta = meta(&quota.metadata, RESOURCE_QUOTA)?;
    let name = meta.name.clone();
    let spec = quota.spec.unwrap_or_default();
    if spec.scopes.as_ref().is_some_and(|s| !s.is_empty()) || spec.scope_selector.is_some() {
        notes.infos.push(format!(
            "ResourceQuota \"{name}\": spec.scopes and spec.scopeSelector are accepted but not simulated; the quota applies to every pod"
        ));
    }
    let mut hard = parse_amounts(
        spec.hard.as_ref(),
        RESOURCE_QUOTA,
        &name,
        "spec.hard",
        false,
    )?;
    hard.retain(|resource, _| {
        let counted = QUOTA_RESOURCES.contains(&resource.as_str());
        if !counted {
            notes.infos.push(format!(
                "ResourceQuota \"{name}\": spec.hard[{resource}] is accepted but not simulated"
            ));
        }
        counted
    });
    Ok(ResourceQuota { meta, hard })
}
