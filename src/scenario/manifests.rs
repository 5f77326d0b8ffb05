//! Real Kubernetes objects → the model. The only module that knows `k8s-openapi`.
//!
//! For each document: read it into the typed `k8s-openapi` struct, report fields the typed model
//! does not know (`Warning: unknown field`), announce fields that are accepted but not simulated
//! (`Info:`), apply API defaulting (SPEC §0) and validate with the apiserver's wording.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

mod admission;

use super::de::{DeError, from_node};
use super::quantity::Quantity;
use super::yaml::{Node, Value};
use crate::model::batch::{
    CompletionMode, ConcurrencyPolicy, CronJobObject, CronJobSpec, FailurePolicyAction,
    FailurePolicyMatch, FailurePolicyRule, JobObject, JobSpec,
};
use crate::model::cron::{TimeZone, ZoneLookup};
use crate::model::intstr::IntOrPercent;
use crate::model::node::{Node as ModelNode, Taint, TaintEffect};
use crate::model::objects::{
    ApiObject, DaemonSetObject, DeploymentObject, PdbObject, PodObject, ReplicaSetObject,
    StatefulSetObject,
};
use crate::model::objects::{HpaBehaviorSpec, HpaObject, HpaResourceMetric, HpaRulesSpec};
use crate::model::pod::{
    Container, DataVolume, DataVolumeKind, NodeInclusionPolicy, PodAffinity, PodAffinityTerm,
    PodSpec, PodTemplate, PreemptionPolicy, Probe, PullPolicy, Toleration,
    TopologySpreadConstraint, UnsatisfiableAction, WeightedPodAffinityTerm,
};
use crate::model::resources::ResourceList;
use crate::model::selector::{LabelSelector, NodeSelectorTerm, Requirement, SelectorOp};
use crate::model::service::Service;
use crate::model::storage::{
    DEFAULT_CLASS_ANNOTATION, PersistentVolume, PersistentVolumeClaim, StorageClass,
    VolumeBindingMode,
};
use crate::model::workloads::{
    ClaimRetentionPolicy, DaemonSetSpec, DaemonSetStrategy, DeploymentSpec, DeploymentStrategy,
    PodManagementPolicy, ReplicaSetSpec, SetUpdateStrategy, StatefulSetSpec,
};
use crate::model::{ObjectMeta, OwnerRef};

mod analysis;
mod rollout;
pub use rollout::rollout_from_json;

/// A problem in one manifest: the field path it concerns (for the position) and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestError {
    /// Field path within the document (`spec.replicas`), empty for the whole document.
    pub path: String,
    /// Position, when serde found it.
    pub pos: Option<super::yaml::Pos>,
    /// Full message, apiserver style.
    pub message: String,
}

/// Notes produced while converting: `Warning:` and `Info:` lines, without the prefix.
#[derive(Debug, Default, Clone)]
pub struct Notes {
    /// Unknown fields (warnings; errors under `--strict`), as (path, message).
    pub warnings: Vec<(String, String)>,
    /// Accepted-but-not-simulated fields and kinds.
    pub infos: Vec<String>,
}

/// What one document turned into.
#[derive(Debug)]
pub enum Converted {
    /// Simulated objects (a `List` gives several).
    Objects(Vec<ApiObject>),
    /// A known kind that is accepted but not simulated.
    NotSimulated,
}

/// Kinds that are part of Kubernetes (or Argo Rollouts) and accepted, but not simulated yet.
const NOT_SIMULATED: &[(&str, &str)] = &[
    ("apps/v1", "ControllerRevision"),
    ("policy/v1beta1", "PodDisruptionBudget"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "ServiceAccount"),
    ("v1", "Endpoints"),
    ("v1", "ReplicationController"),
    ("v1", "PodTemplate"),
    ("v1", "Event"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("discovery.k8s.io/v1", "EndpointSlice"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    ("coordination.k8s.io/v1", "Lease"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("gateway.networking.k8s.io/v1", "Gateway"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"),
];

/// Converts one document (`apiVersion`/`kind` already read) into model objects.
pub fn convert(
    api_version: &str,
    kind: &str,
    node: &Node,
    notes: &mut Notes,
) -> Result<Converted, ManifestError> {
    let objects = match (api_version, kind) {
        ("apps/v1", "Deployment") => vec![ApiObject::Deployment(deployment(node, notes)?)],
        ("apps/v1", "ReplicaSet") => vec![ApiObject::ReplicaSet(replica_set(node, notes)?)],
        ("apps/v1", "StatefulSet") => vec![ApiObject::StatefulSet(stateful_set(node, notes)?)],
        ("v1", "Pod") => vec![ApiObject::Pod(pod(node, notes)?)],
        ("apps/v1", "DaemonSet") => vec![ApiObject::DaemonSet(daemon_set(node, notes)?)],
        ("argoproj.io/v1alpha1", "Rollout") => {
            vec![ApiObject::Rollout(Box::new(rollout::rollout(node, notes)?))]
        }
        ("argoproj.io/v1alpha1", "AnalysisTemplate") => vec![ApiObject::AnalysisTemplate(
            Box::new(analysis::analysis_template(node, false, notes)?),
        )],
        ("argoproj.io/v1alpha1", "ClusterAnalysisTemplate") => vec![ApiObject::AnalysisTemplate(
            Box::new(analysis::analysis_template(node, true, notes)?),
        )],
        ("batch/v1", "Job") => vec![ApiObject::Job(job(node, notes)?)],
        ("batch/v1", "CronJob") => vec![ApiObject::CronJob(cron_job(node, notes)?)],
        ("policy/v1", "PodDisruptionBudget") => {
            vec![ApiObject::PodDisruptionBudget(pod_disruption_budget(
                node, notes,
            )?)]
        }
        ("v1", "LimitRange") => vec![ApiObject::LimitRange(admission::limit_range(node, notes)?)],
        ("v1", "ResourceQuota") => vec![ApiObject::ResourceQuota(admission::resource_quota(
            node, notes,
        )?)],
        ("autoscaling/v2", "HorizontalPodAutoscaler") => {
            vec![ApiObject::HorizontalPodAutoscaler(hpa_v2(node, notes)?)]
        }
        ("autoscaling/v1", "HorizontalPodAutoscaler") => {
            vec![ApiObject::HorizontalPodAutoscaler(hpa_v1(node, notes)?)]
        }
        ("scheduling.k8s.io/v1", "PriorityClass") => {
            let pc: k8s_openapi::api::scheduling::v1::PriorityClass = read(node)?;
            unknown_fields(node, &pc, notes);
            let name = required_name(pc.metadata.name.as_deref(), "PriorityClass")?;
            if name.starts_with("system-") {
                return Err(invalid(
                    "PriorityClass",
                    &name,
                    "metadata.name",
                    format!(
                        "Invalid value: \"{name}\": priority class names with 'system-' prefix are reserved"
                    ),
                ));
            }
            let value = pc
                .value
                .ok_or_else(|| invalid("PriorityClass", &name, "value", "Required value".into()))?;
            if value > 1_000_000_000 {
                return Err(invalid(
                    "PriorityClass",
                    &name,
                    "value",
                    format!(
                        "Invalid value: {value}: maximum allowed value of a user defined priority is 1000000000"
                    ),
                ));
            }
            let preemption_policy = match pc.preemption_policy.as_deref() {
                None => PreemptionPolicy::PreemptLowerPriority,
                Some(value) => PreemptionPolicy::parse(value).ok_or_else(|| {
                    invalid(
                        "PriorityClass",
                        &name,
                        "preemptionPolicy",
                        format!("Unsupported value: \"{value}\": supported values: \"Never\", \"PreemptLowerPriority\""),
                    )
                })?,
            };
            vec![ApiObject::PriorityClass(
                crate::model::objects::PriorityClass {
                    name,
                    value: i64::from(value),
                    global_default: pc.global_default.unwrap_or(false),
                    preemption_policy,
                },
            )]
        }
        ("v1", "Service") => vec![ApiObject::Service(service(node, notes)?)],
        ("v1", "PersistentVolumeClaim") => vec![ApiObject::PersistentVolumeClaim(
            persistent_volume_claim(node, notes)?,
        )],
        ("v1", "PersistentVolume") => {
            vec![ApiObject::PersistentVolume(persistent_volume(node, notes)?)]
        }
        ("storage.k8s.io/v1", "StorageClass") => {
            vec![ApiObject::StorageClass(storage_class(node, notes)?)]
        }
        ("v1", "Node") => vec![ApiObject::Node(node_object(node, notes)?)],
        ("v1", "Namespace") => {
            let ns: core::Namespace = read(node)?;
            unknown_fields(node, &ns, notes);
            vec![ApiObject::Namespace(required_name(
                ns.metadata.name.as_deref(),
                "Namespace",
            )?)]
        }
        ("v1", "List") => {
            let items = match node.get("items") {
                Some(Node {
                    value: Value::Seq(items),
                    ..
                }) => items,
                _ => return Ok(Converted::Objects(Vec::new())),
            };
            let mut out = Vec::new();
            for (index, item) in items.iter().enumerate() {
                let item_version = item.get("apiVersion").and_then(Node::as_str).unwrap_or("");
                let item_kind = item.get("kind").and_then(Node::as_str).unwrap_or("");
                match convert(item_version, item_kind, item, notes).map_err(|mut e| {
                    e.path = format!("items[{index}].{}", e.path);
                    e
                })? {
                    Converted::Objects(objects) => out.extend(objects),
                    Converted::NotSimulated => {}
                }
            }
            out
        }
        _ if NOT_SIMULATED
            .iter()
            .any(|(v, k)| *v == api_version && *k == kind) =>
        {
            let name = node
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Node::as_str)
                .unwrap_or("");
            notes.infos.push(format!(
                "{kind} \"{name}\" ({api_version}) is accepted but not simulated"
            ));
            return Ok(Converted::NotSimulated);
        }
        _ => {
            let message = if NOT_SIMULATED.iter().any(|(_, k)| *k == kind)
                || [
                    "Deployment",
                    "DaemonSet",
                    "ReplicaSet",
                    "StatefulSet",
                    "Pod",
                    "Job",
                    "CronJob",
                    "Service",
                    "Node",
                    "Namespace",
                    "PersistentVolumeClaim",
                    "PersistentVolume",
                    "StorageClass",
                ]
                .contains(&kind)
            {
                format!(
                    "no matches for kind \"{kind}\" in version \"{api_version}\" (this apiVersion is not served; use the current one)"
                )
            } else {
                format!("no matches for kind \"{kind}\" in version \"{api_version}\"")
            };
            return Err(ManifestError {
                path: "kind".into(),
                pos: None,
                message,
            });
        }
    };
    Ok(Converted::Objects(objects))
}

fn read<'a, T: serde::Deserialize<'a>>(node: &'a Node) -> Result<T, ManifestError> {
    from_node(node).map_err(|e: DeError| ManifestError {
        message: if e.path.is_empty() {
            e.message
        } else {
            format!("{}: {}", e.path, e.message)
        },
        path: e.path,
        pos: e.pos,
    })
}

/// Reports every key present in the YAML but absent from the typed value's serialization.
pub fn unknown_fields<T: serde::Serialize>(node: &Node, typed: &T, notes: &mut Notes) {
    if let Ok(json) = serde_json::to_value(typed) {
        diff_keys(node, &json, "", notes);
    }
}

fn diff_keys(node: &Node, json: &serde_json::Value, path: &str, notes: &mut Notes) {
    match (&node.value, json) {
        (Value::Map(entries), serde_json::Value::Object(object)) => {
            for (key, _, child) in entries {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match object.get(key) {
                    Some(value) => diff_keys(child, value, &child_path, notes),
                    None if child.is_null() => {}
                    None => notes.warnings.push((
                        child_path.clone(),
                        format!("unknown field \"{child_path}\""),
                    )),
                }
            }
        }
        (Value::Seq(items), serde_json::Value::Array(values)) => {
            for (index, (item, value)) in items.iter().zip(values).enumerate() {
                diff_keys(item, value, &format!("{path}[{index}]"), notes);
            }
        }
        _ => {}
    }
}

fn invalid(kind: &str, name: &str, path: &str, detail: String) -> ManifestError {
    ManifestError {
        path: path.to_string(),
        pos: None,
        message: format!("The {kind} \"{name}\" is invalid: {path}: {detail}"),
    }
}

fn required_name(name: Option<&str>, kind: &str) -> Result<String, ManifestError> {
    match name {
        Some(n) if !n.is_empty() => {
            if is_dns_subdomain(n) {
                Ok(n.to_string())
            } else {
                Err(invalid(
                    kind,
                    n,
                    "metadata.name",
                    format!(
                        "Invalid value: \"{n}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
                    ),
                ))
            }
        }
        _ => Err(ManifestError {
            path: "metadata".into(),
            pos: None,
            message: format!(
                "The {kind} \"\" is invalid: metadata.name: Required value: name or generateName is required"
            ),
        }),
    }
}

fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn meta(m: &metav1::ObjectMeta, kind: &str) -> Result<ObjectMeta, ManifestError> {
    Ok(ObjectMeta {
        name: required_name(m.name.as_deref(), kind)?,
        namespace: m
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".into()),
        labels: m.labels.clone().unwrap_or_default(),
        annotations: m.annotations.clone().unwrap_or_default(),
    })
}

fn label_selector(
    selector: &metav1::LabelSelector,
    path: &str,
    kind: &str,
    name: &str,
) -> Result<LabelSelector, ManifestError> {
    let mut requirements = Vec::new();
    for (key, value) in selector.match_labels.iter().flatten() {
        requirements.push(Requirement {
            key: key.clone(),
            op: SelectorOp::In,
            values: vec![value.clone()],
        });
    }
    for (index, expr) in selector.match_expressions.iter().flatten().enumerate() {
        let op = match expr.operator.as_str() {
            "In" => SelectorOp::In,
            "NotIn" => SelectorOp::NotIn,
            "Exists" => SelectorOp::Exists,
            "DoesNotExist" => SelectorOp::DoesNotExist,
            other => {
                return Err(invalid(
                    kind,
                    name,
                    &format!("{path}.matchExpressions[{index}].operator"),
                    format!("Invalid value: \"{other}\": not a valid selector operator"),
                ));
            }
        };
        requirements.push(Requirement {
            key: expr.key.clone(),
            op,
            values: expr.values.clone().unwrap_or_default(),
        });
    }
    Ok(LabelSelector { requirements })
}

fn node_term(
    term: &core::NodeSelectorTerm,
    path: &str,
    kind: &str,
    name: &str,
) -> Result<NodeSelectorTerm, ManifestError> {
    let convert = |reqs: &Option<Vec<core::NodeSelectorRequirement>>,
                   what: &str|
     -> Result<Vec<Requirement>, ManifestError> {
        let mut out = Vec::new();
        for (index, r) in reqs.iter().flatten().enumerate() {
            let op = match r.operator.as_str() {
                "In" => SelectorOp::In,
                "NotIn" => SelectorOp::NotIn,
                "Exists" => SelectorOp::Exists,
                "DoesNotExist" => SelectorOp::DoesNotExist,
                "Gt" => SelectorOp::Gt,
                "Lt" => SelectorOp::Lt,
                other => {
                    return Err(invalid(
                        kind,
                        name,
                        &format!("{path}.{what}[{index}].operator"),
                        format!(
                            "Unsupported value: \"{other}\": supported values: \"DoesNotExist\", \"Exists\", \"Gt\", \"In\", \"Lt\", \"NotIn\""
                        ),
                    ));
                }
            };
            out.push(Requirement {
                key: r.key.clone(),
                op,
                values: r.values.clone().unwrap_or_default(),
            });
        }
        Ok(out)
    };
    Ok(NodeSelectorTerm {
        match_expressions: convert(&term.match_expressions, "matchExpressions")?,
        match_fields: convert(&term.match_fields, "matchFields")?,
    })
}

/// Parses a resource map into a [`ResourceList`].
fn resource_list(
    map: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
    path: &str,
    kind: &str,
    name: &str,
) -> Result<ResourceList, ManifestError> {
    let mut list = ResourceList::default();
    for (resource, quantity) in map.into_iter().flatten() {
        let field = format!("{path}[{resource}]");
        let parsed = Quantity::parse(&quantity.0).map_err(|e| {
            invalid(
                kind,
                name,
                &field,
                format!("Invalid value: \"{}\": {e}", quantity.0),
            )
        })?;
        if parsed.is_negative() {
            return Err(invalid(
                kind,
                name,
                &field,
                format!(
                    "Invalid value: \"{}\": must be greater than or equal to 0",
                    quantity.0
                ),
            ));
        }
        let too_large = |e| {
            invalid(
                kind,
                name,
                &field,
                format!("Invalid value: \"{}\": {e}", quantity.0),
            )
        };
        match resource.as_str() {
            "cpu" => {
                list.cpu_millis = parsed.to_millis().map_err(too_large)?;
                list.has_cpu = true;
            }
            "memory" => {
                list.memory_bytes = parsed.to_units().map_err(too_large)?;
                list.has_memory = true;
            }
            "ephemeral-storage" => {
                list.ephemeral_storage_bytes = parsed.to_units().map_err(too_large)?
            }
            "pods" => list.pods = parsed.to_units().map_err(too_large)?,
            other => {
                // Extended resources (`nvidia.com/gpu`) come in whole units only.
                let extended = other.contains('/') && !other.contains("kubernetes.io/");
                if extended && parsed.nanos() % 1_000_000_000 != 0 {
                    return Err(invalid(
                        kind,
                        name,
                        &field,
                        format!("Invalid value: \"{}\": must be an integer", quantity.0),
                    ));
                }
                list.scalars
                    .insert(other.to_string(), parsed.to_units().map_err(too_large)?);
            }
        }
    }
    Ok(list)
}

/// Parses a node pool or Node capacity map given as text values.
pub fn resource_list_from_text(
    map: &BTreeMap<String, String>,
) -> Result<ResourceList, (String, String)> {
    let mut list = ResourceList::default();
    for (resource, text) in map {
        let parsed = Quantity::parse(text)
            .map_err(|e| (resource.clone(), format!("Invalid value: \"{text}\": {e}")))?;
        if parsed.is_negative() {
            return Err((
                resource.clone(),
                format!("Invalid value: \"{text}\": must be greater than or equal to 0"),
            ));
        }
        let wrap = |e: super::quantity::QuantityError| {
            (resource.clone(), format!("Invalid value: \"{text}\": {e}"))
        };
        match resource.as_str() {
            "cpu" => {
                list.cpu_millis = parsed.to_millis().map_err(wrap)?;
                list.has_cpu = true;
            }
            "memory" => {
                list.memory_bytes = parsed.to_units().map_err(wrap)?;
                list.has_memory = true;
            }
            "ephemeral-storage" => {
                list.ephemeral_storage_bytes = parsed.to_units().map_err(wrap)?
            }
            "pods" => list.pods = parsed.to_units().map_err(wrap)?,
            other => {
                list.scalars
                    .insert(other.to_string(), parsed.to_units().map_err(wrap)?);
            }
        }
    }
    Ok(list)
}

fn probe(p: &core::Probe) -> Probe {
    Probe {
        initial_delay_s: i64::from(p.initial_delay_seconds.unwrap_or(0)),
        period_s: i64::from(p.period_seconds.unwrap_or(10)),
        timeout_s: i64::from(p.timeout_seconds.unwrap_or(1)),
        success_threshold: i64::from(p.success_threshold.unwrap_or(1)),
        failure_threshold: i64::from(p.failure_threshold.unwrap_or(3)),
    }
}

fn container(
    c: &core::Container,
    path: &str,
    kind: &str,
    name: &str,
    notes: &mut Notes,
) -> Result<Container, ManifestError> {
    if c.name.is_empty() {
        return Err(invalid(
            kind,
            name,
            &format!("{path}.name"),
            "Required value".into(),
        ));
    }
    let image = match c.image.as_deref() {
        Some(i) if !i.trim().is_empty() => i.to_string(),
        _ => {
            return Err(invalid(
                kind,
                name,
                &format!("{path}.image"),
                "Required value".into(),
            ));
        }
    };
    let limits = resource_list(
        c.resources.as_ref().and_then(|r| r.limits.as_ref()),
        &format!("{path}.resources.limits"),
        kind,
        name,
    )?;
    let mut requests = resource_list(
        c.resources.as_ref().and_then(|r| r.requests.as_ref()),
        &format!("{path}.resources.requests"),
        kind,
        name,
    )?;
    // API defaulting: a resource with a limit and no request gets request = limit.
    if limits.has_cpu && !requests.has_cpu {
        requests.cpu_millis = limits.cpu_millis;
        requests.has_cpu = true;
    }
    if limits.has_memory && !requests.has_memory {
        requests.memory_bytes = limits.memory_bytes;
        requests.has_memory = true;
    }
    for (resource, amount) in &limits.scalars {
        requests.scalars.entry(resource.clone()).or_insert(*amount);
    }
    if limits.has_cpu && requests.cpu_millis > limits.cpu_millis {
        return Err(invalid(
            kind,
            name,
            &format!("{path}.resources.requests"),
            format!(
                "Invalid value: \"{}m\": must be less than or equal to cpu limit of {}m",
                requests.cpu_millis, limits.cpu_millis
            ),
        ));
    }
    if limits.has_memory && requests.memory_bytes > limits.memory_bytes {
        return Err(invalid(
            kind,
            name,
            &format!("{path}.resources.requests"),
            format!(
                "Invalid value: \"{}\": must be less than or equal to memory limit of {}",
                requests.memory_bytes, limits.memory_bytes
            ),
        ));
    }
    let pull_policy = match c.image_pull_policy.as_deref() {
        Some("Always") => PullPolicy::Always,
        Some("IfNotPresent") => PullPolicy::IfNotPresent,
        Some("Never") => PullPolicy::Never,
        Some(other) => {
            return Err(invalid(
                kind,
                name,
                &format!("{path}.imagePullPolicy"),
                format!(
                    "Unsupported value: \"{other}\": supported values: \"Always\", \"IfNotPresent\", \"Never\""
                ),
            ));
        }
        None => {
            let tag = image
                .rsplit('/')
                .next()
                .unwrap_or("")
                .split_once(':')
                .map(|(_, t)| t);
            if image.contains('@') || tag.is_some_and(|t| t != "latest") {
                PullPolicy::IfNotPresent
            } else {
                PullPolicy::Always
            }
        }
    };
    let mut pre_stop_ns = 0;
    let mut pre_stop_handler = false;
    if let Some(pre_stop) = c.lifecycle.as_ref().and_then(|l| l.pre_stop.as_ref()) {
        if let Some(sleep) = &pre_stop.sleep {
            if sleep.seconds < 0 {
                return Err(invalid(
                    kind,
                    name,
                    &format!("{path}.lifecycle.preStop.sleep.seconds"),
                    format!(
                        "Invalid value: {}: must be greater than or equal to 0",
                        sleep.seconds
                    ),
                ));
            }
            pre_stop_ns = sleep.seconds as u64 * 1_000_000_000;
        } else {
            // exec: the `sleep N` in its command (the usual "let kube-proxy catch up" hook) plus
            // the image's `preStop` time; httpGet: the image's `preStop` time.
            pre_stop_handler = true;
            if let Some(command) = pre_stop.exec.as_ref().and_then(|e| e.command.as_ref()) {
                pre_stop_ns = crate::model::pod::command_sleep_ns(command);
            }
        }
    }
    if c.lifecycle.as_ref().is_some_and(|l| l.post_start.is_some()) {
        notes.infos.push(format!(
            "field \"{path}.lifecycle.postStart\" is accepted but not simulated"
        ));
    }
    let host_ports = c
        .ports
        .iter()
        .flatten()
        .filter_map(|p| {
            p.host_port
                .filter(|hp| *hp > 0)
                .map(|hp| (p.protocol.clone().unwrap_or_else(|| "TCP".into()), hp))
        })
        .collect();
    Ok(Container {
        name: c.name.clone(),
        image,
        pull_policy,
        requests,
        limits,
        readiness_probe: c.readiness_probe.as_ref().map(probe),
        liveness_probe: c.liveness_probe.as_ref().map(probe),
        startup_probe: c.startup_probe.as_ref().map(probe),
        pre_stop_ns,
        pre_stop_handler,
        host_ports,
    })
}

/// Converts a pod spec, applying API defaults and the DefaultTolerationSeconds admission plugin.
fn pod_spec(
    spec: &core::PodSpec,
    path: &str,
    kind: &str,
    name: &str,
    notes: &mut Notes,
) -> Result<PodSpec, ManifestError> {
    if spec.containers.is_empty() {
        return Err(invalid(
            kind,
            name,
            &format!("{path}.containers"),
            "Required value".into(),
        ));
    }
    let mut containers = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, c) in spec.containers.iter().enumerate() {
        let cpath = format!("{path}.containers[{index}]");
        if !seen.insert(c.name.clone()) {
            return Err(invalid(
                kind,
                name,
                &format!("{cpath}.name"),
                format!("Duplicate value: \"{}\"", c.name),
            ));
        }
        containers.push(container(c, &cpath, kind, name, notes)?);
    }
    let mut init_containers = Vec::new();
    for (index, c) in spec.init_containers.iter().flatten().enumerate() {
        init_containers.push(container(
            c,
            &format!("{path}.initContainers[{index}]"),
            kind,
            name,
            notes,
        )?);
    }
    let mut tolerations = Vec::new();
    for (index, t) in spec.tolerations.iter().flatten().enumerate() {
        let effect = match t.effect.as_deref() {
            None | Some("") => None,
            Some(e) => Some(TaintEffect::parse(e).ok_or_else(|| {
                invalid(kind, name, &format!("{path}.tolerations[{index}].effect"), format!("Unsupported value: \"{e}\": supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\""))
            })?),
        };
        let exists = match t.operator.as_deref() {
            None | Some("") | Some("Equal") => false,
            Some("Exists") => true,
            Some(other) => {
                return Err(invalid(
                    kind,
                    name,
                    &format!("{path}.tolerations[{index}].operator"),
                    format!(
                        "Unsupported value: \"{other}\": supported values: \"Equal\", \"Exists\""
                    ),
                ));
            }
        };
        tolerations.push(Toleration {
            key: t.key.clone().unwrap_or_default(),
            exists,
            value: t.value.clone().unwrap_or_default(),
            effect,
            toleration_seconds: t.toleration_seconds,
        });
    }
    // DefaultTolerationSeconds admission: 300 s for not-ready and unreachable NoExecute.
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let covered = tolerations.iter().any(|t| {
            (t.key == key || (t.key.is_empty() && t.exists))
                && t.effect.is_none_or(|e| e == TaintEffect::NoExecute)
        });
        if !covered {
            tolerations.push(Toleration {
                key: key.into(),
                exists: true,
                value: String::new(),
                effect: Some(TaintEffect::NoExecute),
                toleration_seconds: Some(300),
            });
        }
    }
    let mut required_node_terms = Vec::new();
    let mut preferred_node_terms = Vec::new();
    if let Some(affinity) = &spec.affinity
        && let Some(node_affinity) = &affinity.node_affinity
    {
        if let Some(required) = &node_affinity.required_during_scheduling_ignored_during_execution {
            for (index, term) in required.node_selector_terms.iter().enumerate() {
                required_node_terms.push(node_term(term, &format!("{path}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[{index}]"), kind, name)?);
            }
        }
        for (index, pref) in node_affinity
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .flatten()
            .enumerate()
        {
            let ppath = format!(
                "{path}.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{index}]"
            );
            if !(1..=100).contains(&pref.weight) {
                return Err(invalid(
                    kind,
                    name,
                    &format!("{ppath}.weight"),
                    format!("Invalid value: {}: must be in the range 1-100", pref.weight),
                ));
            }
            preferred_node_terms.push((
                i64::from(pref.weight),
                node_term(&pref.preference, &format!("{ppath}.preference"), kind, name)?,
            ));
        }
    }
    // Inter-pod (anti-)affinity (`validatePodAffinity`, `validatePodAntiAffinity`).
    fn affinity_term(
        term: &core::PodAffinityTerm,
        tpath: &str,
        kind: &str,
        name: &str,
    ) -> Result<PodAffinityTerm, ManifestError> {
        let pods = term
            .label_selector
            .as_ref()
            .map(|s| label_selector(s, &format!("{tpath}.labelSelector"), kind, name))
            .transpose()?;
        let namespace_selector = term
            .namespace_selector
            .as_ref()
            .map(|s| label_selector(s, &format!("{tpath}.namespaceSelector"), kind, name))
            .transpose()?;
        let match_label_keys = term.match_label_keys.clone().unwrap_or_default();
        let mismatch_label_keys = term.mismatch_label_keys.clone().unwrap_or_default();
        if let Some((index, key)) = mismatch_label_keys
            .iter()
            .enumerate()
            .find(|(_, k)| match_label_keys.contains(k))
        {
            return Err(invalid(
                kind,
                name,
                &format!("{tpath}.mismatchLabelKeys[{index}]"),
                format!(
                    "Invalid value: \"{key}\": exists in both matchLabelKeys and mismatchLabelKeys"
                ),
            ));
        }
        if term.topology_key.is_empty() {
            return Err(invalid(
                kind,
                name,
                &format!("{tpath}.topologyKey"),
                "Required value: can not be empty".into(),
            ));
        }
        Ok(PodAffinityTerm {
            label_selector: pods,
            namespaces: term.namespaces.clone().unwrap_or_default(),
            namespace_selector,
            topology_key: term.topology_key.clone(),
            match_label_keys,
            mismatch_label_keys,
        })
    }
    fn pod_affinity(
        required: Option<&Vec<core::PodAffinityTerm>>,
        preferred: Option<&Vec<core::WeightedPodAffinityTerm>>,
        apath: &str,
        kind: &str,
        name: &str,
    ) -> Result<PodAffinity, ManifestError> {
        let mut out = PodAffinity::default();
        for (index, term) in required.into_iter().flatten().enumerate() {
            out.required.push(affinity_term(
                term,
                &format!("{apath}.requiredDuringSchedulingIgnoredDuringExecution[{index}]"),
                kind,
                name,
            )?);
        }
        for (index, weighted) in preferred.into_iter().flatten().enumerate() {
            let wpath = format!("{apath}.preferredDuringSchedulingIgnoredDuringExecution[{index}]");
            if !(1..=100).contains(&weighted.weight) {
                return Err(invalid(
                    kind,
                    name,
                    &format!("{wpath}.weight"),
                    format!(
                        "Invalid value: {}: must be in the range 1-100",
                        weighted.weight
                    ),
                ));
            }
            out.preferred.push(WeightedPodAffinityTerm {
                weight: i64::from(weighted.weight),
                term: affinity_term(
                    &weighted.pod_affinity_term,
                    &format!("{wpath}.podAffinityTerm"),
                    kind,
                    name,
                )?,
            });
        }
        Ok(out)
    }
    let mut pod_affinity_terms = PodAffinity::default();
    let mut pod_anti_affinity_terms = PodAffinity::default();
    if let Some(affinity) = &spec.affinity {
        if let Some(a) = &affinity.pod_affinity {
            pod_affinity_terms = pod_affinity(
                a.required_during_scheduling_ignored_during_execution
                    .as_ref(),
                a.preferred_during_scheduling_ignored_during_execution
                    .as_ref(),
                &format!("{path}.affinity.podAffinity"),
                kind,
                name,
            )?;
        }
        if let Some(a) = &affinity.pod_anti_affinity {
            pod_anti_affinity_terms = pod_affinity(
                a.required_during_scheduling_ignored_during_execution
                    .as_ref(),
                a.preferred_during_scheduling_ignored_during_execution
                    .as_ref(),
                &format!("{path}.affinity.podAntiAffinity"),
                kind,
                name,
            )?;
        }
    }
    // Topology spread constraints (`validateTopologySpreadConstraints`, first error wins).
    let raw_constraints = spec
        .topology_spread_constraints
        .as_deref()
        .unwrap_or_default();
    let mut topology_spread_constraints = Vec::new();
    for (index, c) in raw_constraints.iter().enumerate() {
        let cpath = format!("{path}.topologySpreadConstraints[{index}]");
        let fail = |field: &str, detail: String| {
            Err(invalid(kind, name, &format!("{cpath}.{field}"), detail))
        };
        if c.max_skew <= 0 {
            return fail(
                "maxSkew",
                format!("Invalid value: {}: must be greater than zero", c.max_skew),
            );
        }
        if c.topology_key.is_empty() {
            return fail("topologyKey", "Required value: can not be empty".into());
        }
        let when_unsatisfiable = match c.when_unsatisfiable.as_str() {
            "DoNotSchedule" => UnsatisfiableAction::DoNotSchedule,
            "ScheduleAnyway" => UnsatisfiableAction::ScheduleAnyway,
            other => {
                return fail(
                    "whenUnsatisfiable",
                    format!(
                        "Unsupported value: \"{other}\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\""
                    ),
                );
            }
        };
        if raw_constraints[index + 1..].iter().any(|o| {
            o.topology_key == c.topology_key && o.when_unsatisfiable == c.when_unsatisfiable
        }) {
            return fail(
                "{topologyKey, whenUnsatisfiable}",
                format!(
                    "Duplicate value: \"{{{}, {}}}\"",
                    c.topology_key, c.when_unsatisfiable
                ),
            );
        }
        if let Some(min_domains) = c.min_domains {
            if min_domains <= 0 {
                return fail(
                    "minDomains",
                    format!("Invalid value: {min_domains}: must be greater than zero"),
                );
            }
            if when_unsatisfiable != UnsatisfiableAction::DoNotSchedule {
                return fail(
                    "minDomains",
                    format!(
                        "Invalid value: {min_domains}: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {}",
                        c.when_unsatisfiable
                    ),
                );
            }
        }
        let mut policies = [None, None];
        for (slot, (field, value)) in policies.iter_mut().zip([
            ("nodeAffinityPolicy", &c.node_affinity_policy),
            ("nodeTaintsPolicy", &c.node_taints_policy),
        ]) {
            *slot = match value.as_deref() {
                None => None,
                Some("Honor") => Some(NodeInclusionPolicy::Honor),
                Some("Ignore") => Some(NodeInclusionPolicy::Ignore),
                Some(other) => {
                    return fail(
                        field,
                        format!(
                            "Unsupported value: \"{other}\": supported values: \"Honor\", \"Ignore\""
                        ),
                    );
                }
            };
        }
        let match_label_keys = c.match_label_keys.clone().unwrap_or_default();
        if !match_label_keys.is_empty() {
            let Some(selector) = &c.label_selector else {
                return fail(
                    "matchLabelKeys",
                    "Forbidden: must not be specified when labelSelector is not set".into(),
                );
            };
            let in_selector = |key: &String| {
                selector
                    .match_labels
                    .as_ref()
                    .is_some_and(|m| m.contains_key(key))
                    || selector
                        .match_expressions
                        .iter()
                        .flatten()
                        .any(|e| &e.key == key)
            };
            if let Some((i, key)) = match_label_keys
                .iter()
                .enumerate()
                .find(|(_, k)| in_selector(k))
            {
                return fail(
                    &format!("matchLabelKeys[{i}]"),
                    format!(
                        "Invalid value: \"{key}\": exists in both matchLabelKeys and labelSelector"
                    ),
                );
            }
        }
        let pods = c
            .label_selector
            .as_ref()
            .map(|s| label_selector(s, &format!("{cpath}.labelSelector"), kind, name))
            .transpose()?;
        topology_spread_constraints.push(TopologySpreadConstraint {
            max_skew: i64::from(c.max_skew),
            topology_key: c.topology_key.clone(),
            when_unsatisfiable,
            label_selector: pods,
            match_label_keys,
            min_domains: c.min_domains.map(i64::from),
            node_affinity_policy: policies[0],
            node_taints_policy: policies[1],
        });
    }
    for (field, present) in [
        ("schedulingGates", spec.scheduling_gates.is_some()),
        ("overhead", spec.overhead.is_some()),
        (
            "activeDeadlineSeconds",
            spec.active_deadline_seconds.is_some(),
        ),
        ("readinessGates", spec.readiness_gates.is_some()),
    ] {
        if present {
            notes.infos.push(format!(
                "field \"{path}.{field}\" is accepted but not simulated"
            ));
        }
    }
    let mut claims = Vec::new();
    let mut data_volumes = Vec::new();
    for (index, volume) in spec.volumes.iter().flatten().enumerate() {
        if volume.empty_dir.is_some() {
            data_volumes.push(DataVolume {
                name: volume.name.clone(),
                kind: DataVolumeKind::EmptyDir,
            });
        }
        if volume.host_path.is_some() {
            data_volumes.push(DataVolume {
                name: volume.name.clone(),
                kind: DataVolumeKind::HostPath,
            });
        }
        if let Some(pvc) = &volume.persistent_volume_claim {
            if pvc.claim_name.is_empty() {
                return Err(invalid(
                    kind,
                    name,
                    &format!("{path}.volumes[{index}].persistentVolumeClaim.claimName"),
                    "Required value".into(),
                ));
            }
            claims.push(pvc.claim_name.clone());
        }
        if volume.ephemeral.is_some() {
            notes.infos.push(format!(
                "field \"{path}.volumes[{index}].ephemeral\" is accepted but not simulated (generic ephemeral volumes get no claim)"
            ));
        }
    }
    let preemption_policy = match spec.preemption_policy.as_deref() {
        None => None,
        Some(value) => Some(PreemptionPolicy::parse(value).ok_or_else(|| {
            invalid(
                kind,
                name,
                &format!("{path}.preemptionPolicy"),
                format!(
                    "Unsupported value: \"{value}\": supported values: \"Never\", \"PreemptLowerPriority\""
                ),
            )
        })?),
    };
    let grace = spec.termination_grace_period_seconds.unwrap_or(30);
    if grace < 0 {
        return Err(invalid(
            kind,
            name,
            &format!("{path}.terminationGracePeriodSeconds"),
            format!("Invalid value: {grace}: must be greater than or equal to 0"),
        ));
    }
    let restart_policy = spec
        .restart_policy
        .clone()
        .unwrap_or_else(|| "Always".into());
    if !["Always", "OnFailure", "Never"].contains(&restart_policy.as_str()) {
        return Err(invalid(
            kind,
            name,
            &format!("{path}.restartPolicy"),
            format!(
                "Unsupported value: \"{restart_policy}\": supported values: \"Always\", \"OnFailure\", \"Never\""
            ),
        ));
    }
    Ok(PodSpec {
        init_containers,
        containers,
        node_name: spec.node_name.clone().filter(|n| !n.is_empty()),
        node_selector: spec.node_selector.clone().unwrap_or_default(),
        required_node_terms,
        preferred_node_terms,
        tolerations,
        topology_spread_constraints,
        pod_affinity: pod_affinity_terms,
        pod_anti_affinity: pod_anti_affinity_terms,
        termination_grace_period_s: grace,
        priority: i64::from(spec.priority.unwrap_or(0)),
        priority_class_name: spec.priority_class_name.clone().filter(|n| !n.is_empty()),
        preemption_policy,
        restart_policy,
        scheduler_name: spec
            .scheduler_name
            .clone()
            .unwrap_or_else(|| "default-scheduler".into()),
        claims,
        data_volumes,
    })
}

/// The selector and pod template every workload validates alike (`ValidateNonEmptySelector`,
/// the template's labels matching the selector and, with `always_restart`, `restartPolicy:
/// Always`); `selector_of` names the kind in the empty-selector message.
fn selector_and_template(
    selector: &metav1::LabelSelector,
    t: &core::PodTemplateSpec,
    selector_of: &str,
    always_restart: bool,
    kind: &str,
    name: &str,
    notes: &mut Notes,
) -> Result<(LabelSelector, PodTemplate), ManifestError> {
    let selector = label_selector(selector, "spec.selector", kind, name)?;
    if selector.is_empty() {
        return Err(invalid(
            kind,
            name,
            "spec.selector",
            format!("Invalid value: \"null\": empty selector is invalid for {selector_of}"),
        ));
    }
    let template = template(t, "spec.template", kind, name, notes)?;
    if !selector.matches(&template.labels) {
        return Err(invalid(
            kind,
            name,
            "spec.template.metadata.labels",
            format!(
                "Invalid value: {}: `selector` does not match template `labels`",
                format_labels(&template.labels)
            ),
        ));
    }
    if always_restart && template.spec.restart_policy != "Always" {
        return Err(invalid(
            kind,
            name,
            "spec.template.spec.restartPolicy",
            format!(
                "Unsupported value: \"{}\": supported values: \"Always\"",
                template.spec.restart_policy
            ),
        ));
    }
    Ok((selector, template))
}

fn template(
    t: &core::PodTemplateSpec,
    path: &str,
    kind: &str,
    name: &str,
    notes: &mut Notes,
) -> Result<PodTemplate, ManifestError> {
    let Some(spec) = &t.spec else {
        return Err(invalid(
            kind,
            name,
            &format!("{path}.spec.containers"),
            "Required value".into(),
        ));
    };
    let spec = pod_spec(spec, &format!("{path}.spec"), kind, name, notes)?;
    let labels = t
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let annotations = t
        .metadata
        .as_ref()
        .and_then(|m| m.annotations.clone())
        .unwrap_or_default();
    let mut canonical_source = t.clone();
    if let Some(m) = canonical_source.metadata.as_mut()
        && let Some(l) = m.labels.as_mut()
    {
        l.remove("pod-template-hash");
    }
    let canonical = serde_json::to_string(&canonical_source).unwrap_or_default();
    Ok(PodTemplate {
        labels,
        annotations,
        spec: Arc::new(spec),
        canonical,
    })
}

fn int_or_percent(
    value: &IntOrString,
    path: &str,
    kind: &str,
    name: &str,
) -> Result<IntOrPercent, ManifestError> {
    match value {
        IntOrString::Int(v) => Ok(IntOrPercent::Int(i64::from(*v))),
        IntOrString::String(s) => {
            if !s.ends_with('%') {
                return Err(invalid(
                    kind,
                    name,
                    path,
                    format!(
                        "Invalid value: \"{s}\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
                    ),
                ));
            }
            IntOrPercent::parse(s).map_err(|_| invalid(kind, name, path, format!("Invalid value: \"{s}\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")))
        }
    }
}

fn non_negative(value: i64, path: &str, kind: &str, name: &str) -> Result<(), ManifestError> {
    if value < 0 {
        Err(invalid(
            kind,
            name,
            path,
            format!("Invalid value: {value}: must be greater than or equal to 0"),
        ))
    } else {
        Ok(())
    }
}

fn validate_int_or_percent(
    value: IntOrPercent,
    path: &str,
    kind: &str,
    name: &str,
) -> Result<(), ManifestError> {
    match value {
        IntOrPercent::Int(v) if v < 0 => Err(invalid(
            kind,
            name,
            path,
            format!("Invalid value: {v}: must be greater than or equal to 0"),
        )),
        IntOrPercent::Percent(p) if p < 0 => Err(invalid(
            kind,
            name,
            path,
            format!("Invalid value: \"{p}%\": must be greater than or equal to 0"),
        )),
        _ => Ok(()),
    }
}

const HPA: &str = "HorizontalPodAutoscaler";

/// The checks shared by both HPA versions (`ValidateHorizontalPodAutoscalerSpec`).
fn hpa_common(
    name: &str,
    target: &k8s_openapi::api::autoscaling::v2::CrossVersionObjectReference,
    min: Option<i32>,
    max: i32,
    notes: &mut Notes,
) -> Result<(crate::model::ObjectRef, i64), ManifestError> {
    let min = i64::from(min.unwrap_or(1));
    if min < 1 {
        return Err(invalid(
            HPA,
            name,
            "spec.minReplicas",
            format!("Invalid value: {min}: must be greater than or equal to 1"),
        ));
    }
    if i64::from(max) < min {
        return Err(invalid(
            HPA,
            name,
            "spec.maxReplicas",
            format!("Invalid value: {max}: must be greater than or equal to `minReplicas`"),
        ));
    }
    if target.kind.is_empty() {
        return Err(invalid(
            HPA,
            name,
            "spec.scaleTargetRef.kind",
            "Required value".into(),
        ));
    }
    if target.name.is_empty() {
        return Err(invalid(
            HPA,
            name,
            "spec.scaleTargetRef.name",
            "Required value".into(),
        ));
    }
    if !crate::model::objects::HPA_SCALABLE_KINDS
        .contains(&target.kind.to_ascii_lowercase().as_str())
    {
        notes.infos.push(format!(
            "HorizontalPodAutoscaler \"{name}\": spec.scaleTargetRef kind \"{}\" has no scale subresource in the simulation (Deployment, StatefulSet, ReplicaSet and Rollout have): this autoscaler never scales",
            target.kind
        ));
    }
    Ok((
        crate::model::ObjectRef {
            kind: target.kind.to_ascii_lowercase(),
            name: target.name.clone(),
        },
        min,
    ))
}

/// Converts and validates an `autoscaling/v1` HorizontalPodAutoscaler (CPU utilisation only).
fn hpa_v1(node: &Node, notes: &mut Notes) -> Result<HpaObject, ManifestError> {
    let hpa: k8s_openapi::api::autoscaling::v1::HorizontalPodAutoscaler = read(node)?;
    unknown_fields(node, &hpa, notes);
    let meta = meta(&hpa.metadata, HPA)?;
    let spec = hpa.spec.clone();
    let target = k8s_openapi::api::autoscaling::v2::CrossVersionObjectReference {
        api_version: spec.scale_target_ref.api_version.clone(),
        kind: spec.scale_target_ref.kind.clone(),
        name: spec.scale_target_ref.name.clone(),
    };
    let (target, min_replicas) = hpa_common(
        &meta.name,
        &target,
        spec.min_replicas,
        spec.max_replicas,
        notes,
    )?;
    let utilization = i64::from(spec.target_cpu_utilization_percentage.unwrap_or(80));
    if utilization < 1 {
        return Err(invalid(
            HPA,
            &meta.name,
            "spec.targetCPUUtilizationPercentage",
            format!("Invalid value: {utilization}: must be greater than or equal to 1"),
        ));
    }
    Ok(HpaObject {
        meta,
        target,
        min_replicas,
        max_replicas: i64::from(spec.max_replicas),
        metrics: vec![HpaResourceMetric {
            resource: "cpu".into(),
            utilization: Some(utilization),
            average_millis: None,
        }],
        behavior: None,
    })
}

/// Converts and validates an `autoscaling/v2` HorizontalPodAutoscaler.
fn hpa_v2(node: &Node, notes: &mut Notes) -> Result<HpaObject, ManifestError> {
    let hpa: k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler = read(node)?;
    unknown_fields(node, &hpa, notes);
    let meta = meta(&hpa.metadata, HPA)?;
    let name = meta.name.clone();
    let spec = hpa.spec.clone();
    let (target, min_replicas) = hpa_common(
        &name,
        &spec.scale_target_ref,
        spec.min_replicas,
        spec.max_replicas,
        notes,
    )?;
    let mut metrics = Vec::new();
    let listed = spec.metrics.clone().unwrap_or_default();
    for (i, m) in listed.iter().enumerate() {
        let path = format!("spec.metrics[{i}]");
        let Some(resource) = m.resource.as_ref().filter(|_| m.type_ == "Resource") else {
            notes.infos.push(format!(
                "HorizontalPodAutoscaler \"{name}\": {path} (type {}) is accepted but not simulated; only Resource cpu/memory metrics are",
                m.type_
            ));
            continue;
        };
        if resource.name != "cpu" && resource.name != "memory" {
            notes.infos.push(format!(
                "HorizontalPodAutoscaler \"{name}\": {path} (resource {}) is accepted but not simulated",
                resource.name
            ));
            continue;
        }
        let t = &resource.target;
        let (utilization, average_millis) = match t.type_.as_str() {
            "Utilization" => match t.average_utilization {
                Some(u) if u >= 1 => (Some(i64::from(u)), None),
                Some(u) => {
                    return Err(invalid(
                        HPA,
                        &name,
                        &format!("{path}.resource.target.averageUtilization"),
                        format!("Invalid value: {u}: must be greater than 0"),
                    ));
                }
                None => {
                    return Err(invalid(
                        HPA,
                        &name,
                        &format!("{path}.resource.target.averageUtilization"),
                        "Required value: must set averageUtilization for a Utilization target"
                            .into(),
                    ));
                }
            },
            "AverageValue" => {
                let value = t.average_value.as_ref().map(|q| Quantity::parse(&q.0));
                match value {
                    Some(Ok(q)) if !q.is_negative() && q.nanos() > 0 => {
                        (None, Some(q.to_millis().unwrap_or(i64::MAX)))
                    }
                    _ => {
                        return Err(invalid(
                            HPA,
                            &name,
                            &format!("{path}.resource.target.averageValue"),
                            "Required value: must set a positive averageValue".into(),
                        ));
                    }
                }
            }
            other => {
                return Err(invalid(
                    HPA,
                    &name,
                    &format!("{path}.resource.target.type"),
                    format!(
                        "Unsupported value: \"{other}\": supported values: \"AverageValue\", \"Utilization\""
                    ),
                ));
            }
        };
        metrics.push(HpaResourceMetric {
            resource: resource.name.clone(),
            utilization,
            average_millis,
        });
    }
    if listed.is_empty() {
        metrics.push(HpaResourceMetric {
            resource: "cpu".into(),
            utilization: Some(80),
            average_millis: None,
        });
    }
    let rules = |r: &Option<k8s_openapi::api::autoscaling::v2::HPAScalingRules>,
                 path: &str|
     -> Result<Option<HpaRulesSpec>, ManifestError> {
        let Some(r) = r else {
            return Ok(None);
        };
        if let Some(w) = r.stabilization_window_seconds
            && !(0..=3600).contains(&w)
        {
            return Err(invalid(
                HPA,
                &name,
                &format!("{path}.stabilizationWindowSeconds"),
                format!("Invalid value: {w}: must be between 0 and 3600"),
            ));
        }
        if let Some(p) = &r.select_policy
            && !["Max", "Min", "Disabled"].contains(&p.as_str())
        {
            return Err(invalid(
                HPA,
                &name,
                &format!("{path}.selectPolicy"),
                format!(
                    "Unsupported value: \"{p}\": supported values: \"Disabled\", \"Max\", \"Min\""
                ),
            ));
        }
        let mut policies = None;
        if let Some(list) = &r.policies {
            let mut out = Vec::new();
            for (i, p) in list.iter().enumerate() {
                let at = format!("{path}.policies[{i}]");
                if p.type_ != "Pods" && p.type_ != "Percent" {
                    return Err(invalid(
                        HPA,
                        &name,
                        &format!("{at}.type"),
                        format!(
                            "Unsupported value: \"{}\": supported values: \"Percent\", \"Pods\"",
                            p.type_
                        ),
                    ));
                }
                if p.value <= 0 {
                    return Err(invalid(
                        HPA,
                        &name,
                        &format!("{at}.value"),
                        format!("Invalid value: {}: must be greater than zero", p.value),
                    ));
                }
                if !(1..=1800).contains(&p.period_seconds) {
                    return Err(invalid(
                        HPA,
                        &name,
                        &format!("{at}.periodSeconds"),
                        format!(
                            "Invalid value: {}: must be between 1 and 1800",
                            p.period_seconds
                        ),
                    ));
                }
                out.push((
                    p.type_.clone(),
                    i64::from(p.value),
                    i64::from(p.period_seconds),
                ));
            }
            policies = Some(out);
        }
        Ok(Some(HpaRulesSpec {
            stabilization_window_s: r.stabilization_window_seconds.map(i64::from),
            select_policy: r.select_policy.clone(),
            policies,
        }))
    };
    let behavior = match &spec.behavior {
        Some(b) => Some(HpaBehaviorSpec {
            scale_up: rules(&b.scale_up, "spec.behavior.scaleUp")?,
            scale_down: rules(&b.scale_down, "spec.behavior.scaleDown")?,
        }),
        None => None,
    };
    Ok(HpaObject {
        meta,
        target,
        min_replicas,
        max_replicas: i64::from(spec.max_replicas),
        metrics,
        behavior,
    })
}

/// Converts and validates a PodDisruptionBudget (`ValidatePodDisruptionBudget`).
fn pod_disruption_budget(node: &Node, notes: &mut Notes) -> Result<PdbObject, ManifestError> {
    const KIND: &str = "PodDisruptionBudget";
    let pdb: k8s_openapi::api::policy::v1::PodDisruptionBudget = read(node)?;
    unknown_fields(node, &pdb, notes);
    let meta = meta(&pdb.metadata, KIND)?;
    let name = meta.name.clone();
    let spec = pdb.spec.clone().unwrap_or_default();
    if spec.min_available.is_some() && spec.max_unavailable.is_some() {
        return Err(invalid(
            KIND,
            &name,
            "spec",
            "Invalid value: \"object\": minAvailable and maxUnavailable cannot be both set".into(),
        ));
    }
    let budget = |value: &Option<IntOrString>, field: &str| -> Result<_, ManifestError> {
        let Some(value) = value else {
            return Ok(None);
        };
        let path = format!("spec.{field}");
        let parsed = int_or_percent(value, &path, KIND, &name)?;
        validate_int_or_percent(parsed, &path, KIND, &name)?;
        if let IntOrPercent::Percent(p) = parsed
            && p > 100
        {
            return Err(invalid(
                KIND,
                &name,
                &path,
                format!("Invalid value: \"{p}%\": must not be greater than 100%"),
            ));
        }
        Ok(Some(parsed))
    };
    let min_available = budget(&spec.min_available, "minAvailable")?;
    let max_unavailable = budget(&spec.max_unavailable, "maxUnavailable")?;
    let selector = spec
        .selector
        .as_ref()
        .map(|s| label_selector(s, "spec.selector", KIND, &name))
        .transpose()?;
    let always_allow_unhealthy = match spec.unhealthy_pod_eviction_policy.as_deref() {
        None | Some("IfHealthyBudget") => false,
        Some("AlwaysAllow") => true,
        Some(other) => {
            return Err(invalid(
                KIND,
                &name,
                "spec.unhealthyPodEvictionPolicy",
                format!(
                    "Unsupported value: \"{other}\": supported values: \"AlwaysAllow\", \"IfHealthyBudget\""
                ),
            ));
        }
    };
    notes.infos.push(format!(
        "PodDisruptionBudget \"{name}\": honoured by scheduler preemption and by the eviction API (timeline drain), with its status computed as the disruption controller would (series disruptions_allowed, current_healthy, desired_healthy, expected_pods; the DisruptionAllowed condition in summary.json) and its events (NoPods, CalculateExpectedPodCountFailed, UnmanagedPods)"
    ));
    Ok(PdbObject {
        meta,
        selector,
        min_available,
        max_unavailable,
        always_allow_unhealthy,
    })
}

/// Most completions or parallelism a Job may ask for.
const MAX_JOB_PODS: i64 = 100_000;

fn job(node: &Node, notes: &mut Notes) -> Result<JobObject, ManifestError> {
    const KIND: &str = "Job";
    let j: k8s_openapi::api::batch::v1::Job = read(node)?;
    unknown_fields(node, &j, notes);
    let meta = meta(&j.metadata, KIND)?;
    let Some(spec) = &j.spec else {
        return Err(invalid(
            KIND,
            &meta.name,
            "spec.template",
            "Required value".into(),
        ));
    };
    let spec = job_spec(spec, "spec", KIND, &meta.name, notes)?;
    Ok(JobObject { meta, spec })
}

/// Converts and validates a Job spec (`ValidateJobSpec` and the defaulting of `SetDefaults_Job`)
/// at `path` (`spec` of a Job, `spec.jobTemplate.spec` of a CronJob).
fn job_spec(
    spec: &k8s_openapi::api::batch::v1::JobSpec,
    path: &str,
    kind: &str,
    name: &str,
    notes: &mut Notes,
) -> Result<JobSpec, ManifestError> {
    let field = |f: &str| format!("{path}.{f}");
    for (present, f) in [
        (
            spec.backoff_limit_per_index.is_some(),
            "backoffLimitPerIndex",
        ),
        (spec.max_failed_indexes.is_some(), "maxFailedIndexes"),
        (spec.success_policy.is_some(), "successPolicy"),
        (spec.managed_by.is_some(), "managedBy"),
        (spec.manual_selector.is_some(), "manualSelector"),
        (spec.selector.is_some(), "selector"),
    ] {
        if present {
            notes.infos.push(format!(
                "field \"{}\" is accepted but not simulated",
                field(f)
            ));
        }
    }
    let parallelism = i64::from(spec.parallelism.unwrap_or(1));
    non_negative(parallelism, &field("parallelism"), kind, name)?;
    let completions = match (spec.completions, spec.parallelism) {
        (Some(c), _) => Some(i64::from(c)),
        (None, None) => Some(1),
        (None, Some(_)) => None,
    };
    if let Some(c) = completions {
        non_negative(c, &field("completions"), kind, name)?;
    }
    for (value, f) in [
        (Some(parallelism), "parallelism"),
        (completions, "completions"),
    ] {
        if let Some(v) = value
            && v > MAX_JOB_PODS
        {
            return Err(invalid(
                kind,
                name,
                &field(f),
                format!(
                    "Invalid value: {v}: timonel simulates at most {MAX_JOB_PODS} pods per Job"
                ),
            ));
        }
    }
    let backoff_limit = i64::from(spec.backoff_limit.unwrap_or(6));
    non_negative(backoff_limit, &field("backoffLimit"), kind, name)?;
    let non_negative_u64 = |value: Option<i64>, f: &str| -> Result<Option<u64>, ManifestError> {
        match value {
            Some(v) => {
                non_negative(v, &field(f), kind, name)?;
                Ok(Some(v as u64))
            }
            None => Ok(None),
        }
    };
    let active_deadline_seconds =
        non_negative_u64(spec.active_deadline_seconds, "activeDeadlineSeconds")?;
    let ttl_seconds_after_finished = non_negative_u64(
        spec.ttl_seconds_after_finished.map(i64::from),
        "ttlSecondsAfterFinished",
    )?;
    let completion_mode = match spec.completion_mode.as_deref() {
        None | Some("NonIndexed") => CompletionMode::NonIndexed,
        Some("Indexed") => CompletionMode::Indexed,
        Some(other) => {
            return Err(invalid(
                kind,
                name,
                &field("completionMode"),
                format!(
                    "Unsupported value: \"{other}\": supported values: \"NonIndexed\", \"Indexed\""
                ),
            ));
        }
    };
    if completion_mode == CompletionMode::Indexed && spec.completions.is_none() {
        return Err(invalid(
            kind,
            name,
            &field("completions"),
            "Required value: when completion mode is Indexed".into(),
        ));
    }
    let restart_policy = spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.clone());
    match restart_policy.as_deref() {
        Some("OnFailure" | "Never") => {}
        None => {
            return Err(invalid(
                kind,
                name,
                &field("template.spec.restartPolicy"),
                "Required value: valid values: \"OnFailure\", \"Never\"".into(),
            ));
        }
        Some(other) => {
            return Err(invalid(
                kind,
                name,
                &field("template.spec.restartPolicy"),
                format!(
                    "Unsupported value: \"{other}\": supported values: \"OnFailure\", \"Never\""
                ),
            ));
        }
    }
    let pod_failure_policy = match &spec.pod_failure_policy {
        None => None,
        Some(policy) => {
            if restart_policy.as_deref() != Some("Never") {
                return Err(invalid(
                    kind,
                    name,
                    &field("template.spec.restartPolicy"),
                    format!(
                        "Invalid value: \"{}\": only \"Never\" is supported when podFailurePolicy is specified",
                        restart_policy.as_deref().unwrap_or("")
                    ),
                ));
            }
            let mut rules = Vec::new();
            for (index, rule) in policy.rules.iter().enumerate() {
                let rule_path = field(&format!("podFailurePolicy.rules[{index}]"));
                let action = match rule.action.as_str() {
                    "FailJob" => FailurePolicyAction::FailJob,
                    "Ignore" => FailurePolicyAction::Ignore,
                    "Count" => FailurePolicyAction::Count,
                    "FailIndex" => {
                        notes.infos.push(format!("field \"{rule_path}.action\" FailIndex is accepted but not simulated (it needs backoffLimitPerIndex); the rule counts the failure"));
                        FailurePolicyAction::Count
                    }
                    other => {
                        return Err(invalid(
                            kind,
                            name,
                            &format!("{rule_path}.action"),
                            format!(
                                "Unsupported value: \"{other}\": supported values: \"Count\", \"FailIndex\", \"FailJob\", \"Ignore\""
                            ),
                        ));
                    }
                };
                let matches = match (&rule.on_exit_codes, &rule.on_pod_conditions) {
                    (Some(codes), None) => {
                        let in_values = match codes.operator.as_str() {
                            "In" => true,
                            "NotIn" => false,
                            other => {
                                return Err(invalid(
                                    kind,
                                    name,
                                    &format!("{rule_path}.onExitCodes.operator"),
                                    format!(
                                        "Unsupported value: \"{other}\": supported values: \"In\", \"NotIn\""
                                    ),
                                ));
                            }
                        };
                        if codes.values.is_empty() {
                            return Err(invalid(
                                kind,
                                name,
                                &format!("{rule_path}.onExitCodes.values"),
                                "Required value: at least one value is required".into(),
                            ));
                        }
                        if in_values && codes.values.contains(&0) {
                            return Err(invalid(
                                kind,
                                name,
                                &format!("{rule_path}.onExitCodes.values"),
                                "Invalid value: 0: must not be 0 for the In operator".into(),
                            ));
                        }
                        FailurePolicyMatch::ExitCodes {
                            container: codes.container_name.clone(),
                            in_values,
                            values: codes.values.iter().map(|v| i64::from(*v)).collect(),
                        }
                    }
                    (None, Some(conditions)) => {
                        let disruption = conditions.iter().any(|c| {
                            c.type_ == "DisruptionTarget"
                                && c.status.as_deref().unwrap_or("True") == "True"
                        });
                        if !disruption {
                            notes.infos.push(format!("field \"{rule_path}.onPodConditions\": only the DisruptionTarget=True condition is simulated; the rule never matches"));
                        }
                        if disruption {
                            FailurePolicyMatch::DisruptionTarget
                        } else {
                            FailurePolicyMatch::ExitCodes {
                                container: None,
                                in_values: true,
                                values: Vec::new(),
                            }
                        }
                    }
                    _ => {
                        return Err(invalid(
                            kind,
                            name,
                            &rule_path,
                            "Invalid value: specifying one of OnExitCodes and OnPodConditions is required".into(),
                        ));
                    }
                };
                rules.push(FailurePolicyRule { action, matches });
            }
            Some(rules)
        }
    };
    let replace_failed_only = match spec.pod_replacement_policy.as_deref() {
        None => pod_failure_policy.is_some(),
        Some("Failed") => true,
        Some("TerminatingOrFailed") => {
            if pod_failure_policy.is_some() {
                return Err(invalid(
                    kind,
                    name,
                    &field("podReplacementPolicy"),
                    "Not supported: \"TerminatingOrFailed\": supported values: \"Failed\" when podFailurePolicy is specified".into(),
                ));
            }
            false
        }
        Some(other) => {
            return Err(invalid(
                kind,
                name,
                &field("podReplacementPolicy"),
                format!(
                    "Unsupported value: \"{other}\": supported values: \"Failed\", \"TerminatingOrFailed\""
                ),
            ));
        }
    };
    let mut template = template(&spec.template, &field("template"), kind, name, notes)?;
    template
        .labels
        .insert("batch.kubernetes.io/job-name".into(), name.to_string());
    template.labels.insert("job-name".into(), name.to_string());
    Ok(JobSpec {
        parallelism,
        completions,
        completion_mode,
        backoff_limit,
        active_deadline_seconds,
        ttl_seconds_after_finished,
        suspend: spec.suspend.unwrap_or(false),
        pod_failure_policy,
        replace_failed_only,
        template,
    })
}

fn cron_job(node: &Node, notes: &mut Notes) -> Result<CronJobObject, ManifestError> {
    const KIND: &str = "CronJob";
    let c: k8s_openapi::api::batch::v1::CronJob = read(node)?;
    unknown_fields(node, &c, notes);
    let meta = meta(&c.metadata, KIND)?;
    let name = meta.name.clone();
    if name.len() > 52 {
        return Err(invalid(
            KIND,
            &name,
            "metadata.name",
            format!("Invalid value: \"{name}\": must be no more than 52 characters"),
        ));
    }
    let spec = &c.spec;
    let text = spec.schedule.clone();
    if text.is_empty() {
        return Err(invalid(
            KIND,
            &name,
            "spec.schedule",
            "Required value".into(),
        ));
    }
    if text.contains("TZ") {
        return Err(invalid(
            KIND,
            &name,
            "spec.schedule",
            format!(
                "Invalid value: \"{text}\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
            ),
        ));
    }
    let schedule = crate::model::cron::parse_schedule(&text).map_err(|e| {
        invalid(
            KIND,
            &name,
            "spec.schedule",
            format!("Invalid value: \"{text}\": {e}"),
        )
    })?;
    let time_zone = match &spec.time_zone {
        None => TimeZone::default(),
        Some(zone) => match crate::model::cron::time_zone(zone) {
            ZoneLookup::Known(tz) => {
                if tz.ignores_dst {
                    notes.infos.push(format!("CronJob \"{name}\": time zone {zone} is simulated at its standard offset all year (daylight-saving time is not simulated)"));
                }
                tz
            }
            ZoneLookup::Unknown => {
                notes.infos.push(format!("CronJob \"{name}\": time zone {zone} is not in timonel's zone table; UTC is used"));
                TimeZone::default()
            }
            ZoneLookup::Invalid => {
                return Err(invalid(
                    KIND,
                    &name,
                    "spec.timeZone",
                    format!("Invalid value: \"{zone}\": unknown time zone {zone}"),
                ));
            }
        },
    };
    let concurrency_policy = match spec.concurrency_policy.as_deref() {
        None | Some("Allow") => ConcurrencyPolicy::Allow,
        Some("Forbid") => ConcurrencyPolicy::Forbid,
        Some("Replace") => ConcurrencyPolicy::Replace,
        Some(other) => {
            return Err(invalid(
                KIND,
                &name,
                "spec.concurrencyPolicy",
                format!(
                    "Unsupported value: \"{other}\": supported values: \"Allow\", \"Forbid\", \"Replace\""
                ),
            ));
        }
    };
    let starting_deadline_seconds = match spec.starting_deadline_seconds {
        Some(v) => {
            non_negative(v, "spec.startingDeadlineSeconds", KIND, &name)?;
            Some(v as u64)
        }
        None => None,
    };
    let successful = i64::from(spec.successful_jobs_history_limit.unwrap_or(3));
    non_negative(successful, "spec.successfulJobsHistoryLimit", KIND, &name)?;
    let failed = i64::from(spec.failed_jobs_history_limit.unwrap_or(1));
    non_negative(failed, "spec.failedJobsHistoryLimit", KIND, &name)?;
    let Some(job_template) = &spec.job_template.spec else {
        return Err(invalid(
            KIND,
            &name,
            "spec.jobTemplate.spec.template",
            "Required value".into(),
        ));
    };
    let job_meta = spec.job_template.metadata.clone().unwrap_or_default();
    let job = job_spec(job_template, "spec.jobTemplate.spec", KIND, &name, notes)?;
    Ok(CronJobObject {
        meta,
        spec: CronJobSpec {
            schedule,
            schedule_text: text,
            time_zone_name: spec.time_zone.clone(),
            time_zone,
            concurrency_policy,
            starting_deadline_seconds,
            successful_jobs_history_limit: successful,
            failed_jobs_history_limit: failed,
            suspend: spec.suspend.unwrap_or(false),
            job_labels: job_meta.labels.unwrap_or_default(),
            job_annotations: job_meta.annotations.unwrap_or_default(),
            job,
        },
    })
}

/// Converts and validates a Deployment (`ValidateDeployment`).
fn deployment(node: &Node, notes: &mut Notes) -> Result<DeploymentObject, ManifestError> {
    let d: apps::Deployment = read(node)?;
    unknown_fields(node, &d, notes);
    let meta = meta(&d.metadata, "Deployment")?;
    let spec = &d.spec;
    let spec = deployment_spec(spec, &meta.name, notes)?;
    let mut source = serde_json::to_value(&d).unwrap_or(serde_json::Value::Null);
    if let Some(object) = source.as_object_mut() {
        object.remove("status");
    }
    Ok(DeploymentObject { meta, spec, source })
}

/// Converts and validates a Deployment spec; also used after `patch` and `setImage`.
pub fn deployment_spec(
    spec: &apps::DeploymentSpec,
    name: &str,
    notes: &mut Notes,
) -> Result<DeploymentSpec, ManifestError> {
    const KIND: &str = "Deployment";
    let replicas = i64::from(spec.replicas.unwrap_or(1));
    non_negative(replicas, "spec.replicas", KIND, name)?;
    let (selector, template) = selector_and_template(
        &spec.selector,
        &spec.template,
        "deployment",
        true,
        KIND,
        name,
        notes,
    )?;
    let strategy_type = spec
        .strategy
        .as_ref()
        .and_then(|s| s.type_.clone())
        .unwrap_or_else(|| "RollingUpdate".into());
    let rolling = spec
        .strategy
        .as_ref()
        .and_then(|s| s.rolling_update.as_ref());
    let strategy = match strategy_type.as_str() {
        "Recreate" => {
            if rolling.is_some() {
                return Err(invalid(
                    KIND,
                    name,
                    "spec.strategy.rollingUpdate",
                    "Forbidden: may not be specified when strategy `type` is 'Recreate'".into(),
                ));
            }
            DeploymentStrategy::Recreate
        }
        "RollingUpdate" => {
            let default = IntOrPercent::Percent(25);
            let max_surge = match rolling.and_then(|r| r.max_surge.as_ref()) {
                Some(v) => int_or_percent(v, "spec.strategy.rollingUpdate.maxSurge", KIND, name)?,
                None => default,
            };
            let max_unavailable = match rolling.and_then(|r| r.max_unavailable.as_ref()) {
                Some(v) => {
                    int_or_percent(v, "spec.strategy.rollingUpdate.maxUnavailable", KIND, name)?
                }
                None => default,
            };
            validate_int_or_percent(
                max_surge,
                "spec.strategy.rollingUpdate.maxSurge",
                KIND,
                name,
            )?;
            validate_int_or_percent(
                max_unavailable,
                "spec.strategy.rollingUpdate.maxUnavailable",
                KIND,
                name,
            )?;
            if let IntOrPercent::Percent(p) = max_unavailable
                && p > 100
            {
                return Err(invalid(
                    KIND,
                    name,
                    "spec.strategy.rollingUpdate.maxUnavailable",
                    format!("Invalid value: \"{p}%\": must not be greater than 100%"),
                ));
            }
            if max_surge.is_zero() && max_unavailable.is_zero() {
                return Err(invalid(
                    KIND,
                    name,
                    "spec.strategy.rollingUpdate.maxUnavailable",
                    format!("Invalid value: {max_unavailable}: may not be 0 when `maxSurge` is 0"),
                ));
            }
            DeploymentStrategy::RollingUpdate {
                max_surge,
                max_unavailable,
            }
        }
        other => {
            return Err(invalid(
                KIND,
                name,
                "spec.strategy.type",
                format!(
                    "Unsupported value: \"{other}\": supported values: \"Recreate\", \"RollingUpdate\""
                ),
            ));
        }
    };
    let min_ready_seconds = i64::from(spec.min_ready_seconds.unwrap_or(0));
    non_negative(min_ready_seconds, "spec.minReadySeconds", KIND, name)?;
    let revision_history_limit = i64::from(spec.revision_history_limit.unwrap_or(10));
    non_negative(
        revision_history_limit,
        "spec.revisionHistoryLimit",
        KIND,
        name,
    )?;
    let progress_deadline_seconds = Some(i64::from(spec.progress_deadline_seconds.unwrap_or(600)));
    if let Some(deadline) = progress_deadline_seconds {
        non_negative(deadline, "spec.progressDeadlineSeconds", KIND, name)?;
        if deadline <= min_ready_seconds {
            return Err(invalid(
                KIND,
                name,
                "spec.progressDeadlineSeconds",
                format!("Invalid value: {deadline}: must be greater than minReadySeconds"),
            ));
        }
    }
    Ok(DeploymentSpec {
        replicas,
        selector,
        template,
        strategy,
        min_ready_seconds,
        revision_history_limit,
        progress_deadline_seconds,
        paused: spec.paused.unwrap_or(false),
    })
}

fn format_labels(labels: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("\"{k}\":\"{v}\""))
        .collect();
    format!("map[string]string{{{}}}", inner.join(", "))
}

fn owner(m: &metav1::ObjectMeta) -> Option<OwnerRef> {
    m.owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .map(|o| OwnerRef {
            kind: o.kind.to_ascii_lowercase(),
            name: o.name.clone(),
        })
}

fn replica_set(node: &Node, notes: &mut Notes) -> Result<ReplicaSetObject, ManifestError> {
    const KIND: &str = "ReplicaSet";
    let rs: apps::ReplicaSet = read(node)?;
    unknown_fields(node, &rs, notes);
    let meta = meta(&rs.metadata, KIND)?;
    let name = meta.name.clone();
    let spec = &rs.spec;
    let replicas = i64::from(spec.replicas.unwrap_or(1));
    non_negative(replicas, "spec.replicas", KIND, &name)?;
    let Some(t) = &spec.template else {
        return Err(invalid(
            KIND,
            &name,
            "spec.template",
            "Required value".into(),
        ));
    };
    let (selector, template) =
        selector_and_template(&spec.selector, t, "deployment", false, KIND, &name, notes)?;
    let min_ready_seconds = i64::from(spec.min_ready_seconds.unwrap_or(0));
    non_negative(min_ready_seconds, "spec.minReadySeconds", KIND, &name)?;
    let mut source = serde_json::to_value(&rs).unwrap_or(serde_json::Value::Null);
    if let Some(object) = source.as_object_mut() {
        object.remove("status");
    }
    Ok(ReplicaSetObject {
        meta,
        spec: ReplicaSetSpec {
            replicas,
            selector,
            template,
            min_ready_seconds,
        },
        source,
    })
}

/// Converts and validates a StatefulSet (`ValidateStatefulSet`).
fn stateful_set(node: &Node, notes: &mut Notes) -> Result<StatefulSetObject, ManifestError> {
    let set: apps::StatefulSet = read(node)?;
    unknown_fields(node, &set, notes);
    let meta = meta(&set.metadata, "StatefulSet")?;
    let spec = stateful_set_spec(&set.spec, &meta, notes)?;
    let mut source = serde_json::to_value(&set).unwrap_or(serde_json::Value::Null);
    if let Some(object) = source.as_object_mut() {
        object.remove("status");
    }
    Ok(StatefulSetObject { meta, spec, source })
}

/// Converts and validates a StatefulSet spec; also used after `patch`, `scale` and `setImage`.
fn stateful_set_spec(
    spec: &apps::StatefulSetSpec,
    meta: &ObjectMeta,
    notes: &mut Notes,
) -> Result<StatefulSetSpec, ManifestError> {
    const KIND: &str = "StatefulSet";
    let name = meta.name.as_str();
    let replicas = i64::from(spec.replicas.unwrap_or(1));
    non_negative(replicas, "spec.replicas", KIND, name)?;
    let (selector, template) = selector_and_template(
        &spec.selector,
        &spec.template,
        "statefulset",
        true,
        KIND,
        name,
        notes,
    )?;
    let pod_management_policy = match spec.pod_management_policy.as_deref() {
        None | Some("") | Some("OrderedReady") => PodManagementPolicy::OrderedReady,
        Some("Parallel") => PodManagementPolicy::Parallel,
        Some(other) => {
            return Err(invalid(
                KIND,
                name,
                "spec.podManagementPolicy",
                format!("Invalid value: \"{other}\": must be 'OrderedReady' or 'Parallel'"),
            ));
        }
    };
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    let rolling = strategy.rolling_update.as_ref();
    let update_strategy = match strategy.type_.as_deref() {
        None | Some("") | Some("RollingUpdate") => {
            let partition = i64::from(rolling.and_then(|r| r.partition).unwrap_or(0));
            non_negative(
                partition,
                "spec.updateStrategy.rollingUpdate.partition",
                KIND,
                name,
            )?;
            let max_unavailable = match rolling.and_then(|r| r.max_unavailable.as_ref()) {
                None => None,
                Some(value) => {
                    const PATH: &str = "spec.updateStrategy.rollingUpdate.maxUnavailable";
                    let parsed = int_or_percent(value, PATH, KIND, name)?;
                    validate_int_or_percent(parsed, PATH, KIND, name)?;
                    match parsed {
                        IntOrPercent::Percent(p) if p > 100 => {
                            return Err(invalid(
                                KIND,
                                name,
                                PATH,
                                format!("Invalid value: \"{p}%\": must not be greater than 100%"),
                            ));
                        }
                        _ if parsed.is_zero() => {
                            return Err(invalid(
                                KIND,
                                name,
                                PATH,
                                format!("Invalid value: {parsed}: must be greater than 0"),
                            ));
                        }
                        _ => {}
                    }
                    Some(parsed)
                }
            };
            SetUpdateStrategy::RollingUpdate {
                partition,
                max_unavailable,
            }
        }
        Some("OnDelete") => {
            if rolling.is_some() {
                return Err(invalid(
                    KIND,
                    name,
                    "spec.updateStrategy.rollingUpdate",
                    "Invalid value: \"object\": only allowed for updateStrategy 'RollingUpdate'"
                        .into(),
                ));
            }
            SetUpdateStrategy::OnDelete
        }
        Some(other) => {
            return Err(invalid(
                KIND,
                name,
                "spec.updateStrategy",
                format!("Invalid value: \"{other}\": must be 'RollingUpdate' or 'OnDelete'"),
            ));
        }
    };
    let policy = spec
        .persistent_volume_claim_retention_policy
        .clone()
        .unwrap_or_default();
    let delete = |value: Option<&str>, field: &str| -> Result<bool, ManifestError> {
        match value {
            None | Some("") | Some("Retain") => Ok(false),
            Some("Delete") => Ok(true),
            Some(other) => Err(invalid(
                KIND,
                name,
                &format!("spec.persistentVolumeClaimRetentionPolicy.{field}"),
                format!("Unsupported value: \"{other}\": supported values: \"Retain\", \"Delete\""),
            )),
        }
    };
    let retention = ClaimRetentionPolicy {
        delete_when_deleted: delete(policy.when_deleted.as_deref(), "whenDeleted")?,
        delete_when_scaled: delete(policy.when_scaled.as_deref(), "whenScaled")?,
    };
    let mut volume_claim_templates: Vec<PersistentVolumeClaim> = Vec::new();
    for (index, claim) in spec.volume_claim_templates.iter().flatten().enumerate() {
        let prefix = format!("spec.volumeClaimTemplates[{index}].");
        let claim_name = match claim.metadata.name.as_deref() {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => {
                return Err(invalid(
                    KIND,
                    name,
                    &format!("{prefix}metadata.name"),
                    "Required value".into(),
                ));
            }
        };
        if volume_claim_templates.iter().any(|c| c.name == claim_name) {
            return Err(invalid(
                KIND,
                name,
                &format!("{prefix}metadata.name"),
                format!("Duplicate value: \"{claim_name}\""),
            ));
        }
        volume_claim_templates.push(claim_spec(
            claim,
            meta.namespace.clone(),
            claim_name,
            &prefix,
            (KIND, name),
            notes,
        )?);
    }
    // `updateStorage`: a template volume named like a claim template mounts the pod's own claim
    // instead (the controller adds `<template>-<set>-<ordinal>`).
    let mut template = template;
    let overridden: Vec<bool> = spec
        .template
        .spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter(|v| v.persistent_volume_claim.is_some())
        .map(|v| volume_claim_templates.iter().any(|c| c.name == v.name))
        .collect();
    if overridden.contains(&true) {
        let mut pod_spec = (*template.spec).clone();
        pod_spec.claims = pod_spec
            .claims
            .into_iter()
            .zip(overridden)
            .filter(|(_, dropped)| !dropped)
            .map(|(claim, _)| claim)
            .collect();
        template.spec = Arc::new(pod_spec);
    }
    let min_ready_seconds = i64::from(spec.min_ready_seconds.unwrap_or(0));
    non_negative(min_ready_seconds, "spec.minReadySeconds", KIND, name)?;
    let start_ordinal = i64::from(spec.ordinals.as_ref().and_then(|o| o.start).unwrap_or(0));
    non_negative(start_ordinal, "spec.ordinals.start", KIND, name)?;
    let revision_history_limit = i64::from(spec.revision_history_limit.unwrap_or(10));
    non_negative(
        revision_history_limit,
        "spec.revisionHistoryLimit",
        KIND,
        name,
    )?;
    Ok(StatefulSetSpec {
        replicas,
        selector,
        template,
        service_name: spec.service_name.clone().unwrap_or_default(),
        pod_management_policy,
        update_strategy,
        volume_claim_templates,
        retention,
        min_ready_seconds,
        start_ordinal,
        revision_history_limit,
    })
}

/// Re-reads a StatefulSet from its JSON form (after `patch`, `scale` or `setImage`).
pub fn stateful_set_from_json(
    value: &serde_json::Value,
    notes: &mut Notes,
) -> Result<StatefulSetObject, String> {
    let set: apps::StatefulSet = serde_json::from_value(value.clone())
        .map_err(|e| format!("the patched StatefulSet is not valid: {e}"))?;
    let meta = meta(&set.metadata, "StatefulSet").map_err(|e| e.message)?;
    let spec = stateful_set_spec(&set.spec, &meta, notes).map_err(|e| e.message)?;
    Ok(StatefulSetObject {
        meta,
        spec,
        source: value.clone(),
    })
}

/// Converts and validates a DaemonSet (`ValidateDaemonSet`).
fn daemon_set(node: &Node, notes: &mut Notes) -> Result<DaemonSetObject, ManifestError> {
    let ds: apps::DaemonSet = read(node)?;
    unknown_fields(node, &ds, notes);
    let meta = meta(&ds.metadata, "DaemonSet")?;
    let spec = daemon_set_spec(&ds.spec, &meta.name, notes)?;
    let mut source = serde_json::to_value(&ds).unwrap_or(serde_json::Value::Null);
    if let Some(object) = source.as_object_mut() {
        object.remove("status");
    }
    Ok(DaemonSetObject { meta, spec, source })
}

/// The number in an `IntOrString` budget (`getIntOrPercentValue`): the integer, or the
/// percentage without its `%`.
fn int_or_percent_value(value: IntOrPercent) -> i64 {
    match value {
        IntOrPercent::Int(v) | IntOrPercent::Percent(v) => v,
    }
}

/// `IsNotMoreThan100Percent`.
fn not_more_than_100_percent(
    value: IntOrPercent,
    path: &str,
    kind: &str,
    name: &str,
) -> Result<(), ManifestError> {
    match value {
        IntOrPercent::Percent(p) if p > 100 => Err(invalid(
            kind,
            name,
            path,
            format!("Invalid value: \"{p}%\": must not be greater than 100%"),
        )),
        _ => Ok(()),
    }
}

/// Converts and validates a DaemonSet spec (`SetDefaults_DaemonSet`, `ValidateDaemonSetSpec`);
/// also used after `patch` and `setImage`.
pub fn daemon_set_spec(
    spec: &apps::DaemonSetSpec,
    name: &str,
    notes: &mut Notes,
) -> Result<DaemonSetSpec, ManifestError> {
    const KIND: &str = "DaemonSet";
    let (selector, template) = selector_and_template(
        &spec.selector,
        &spec.template,
        "daemonset",
        true,
        KIND,
        name,
        notes,
    )?;
    let host_network = spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.host_network)
        .unwrap_or(false);
    let strategy_type = spec
        .update_strategy
        .as_ref()
        .and_then(|s| s.type_.clone())
        .unwrap_or_else(|| "RollingUpdate".into());
    let rolling = spec
        .update_strategy
        .as_ref()
        .and_then(|s| s.rolling_update.as_ref());
    const SURGE: &str = "spec.updateStrategy.rollingUpdate.maxSurge";
    const UNAVAILABLE: &str = "spec.updateStrategy.rollingUpdate.maxUnavailable";
    let strategy = match strategy_type.as_str() {
        "OnDelete" => DaemonSetStrategy::OnDelete,
        "RollingUpdate" => {
            let max_unavailable = match rolling.and_then(|r| r.max_unavailable.as_ref()) {
                Some(v) => int_or_percent(v, UNAVAILABLE, KIND, name)?,
                None => IntOrPercent::Int(1),
            };
            let max_surge = match rolling.and_then(|r| r.max_surge.as_ref()) {
                Some(v) => int_or_percent(v, SURGE, KIND, name)?,
                None => IntOrPercent::Int(0),
            };
            validate_int_or_percent(max_unavailable, UNAVAILABLE, KIND, name)?;
            validate_int_or_percent(max_surge, SURGE, KIND, name)?;
            not_more_than_100_percent(max_unavailable, UNAVAILABLE, KIND, name)?;
            not_more_than_100_percent(max_surge, SURGE, KIND, name)?;
            let has_unavailable = int_or_percent_value(max_unavailable) != 0;
            let has_surge = int_or_percent_value(max_surge) != 0;
            if has_unavailable && has_surge {
                return Err(invalid(
                    KIND,
                    name,
                    SURGE,
                    format!(
                        "Invalid value: {}: may not be set when maxUnavailable is non-zero",
                        match max_surge {
                            IntOrPercent::Int(v) => v.to_string(),
                            IntOrPercent::Percent(p) => format!("\"{p}%\""),
                        }
                    ),
                ));
            }
            if !has_unavailable && !has_surge {
                return Err(invalid(
                    KIND,
                    name,
                    UNAVAILABLE,
                    "Required value: cannot be 0 when maxSurge is 0".into(),
                ));
            }
            DaemonSetStrategy::RollingUpdate {
                max_surge,
                max_unavailable,
            }
        }
        other => {
            return Err(invalid(
                KIND,
                name,
                "spec.updateStrategy",
                format!(
                    "Unsupported value: \"{other}\": supported values: \"OnDelete\", \"RollingUpdate\""
                ),
            ));
        }
    };
    let min_ready_seconds = i64::from(spec.min_ready_seconds.unwrap_or(0));
    non_negative(min_ready_seconds, "spec.minReadySeconds", KIND, name)?;
    let revision_history_limit = i64::from(spec.revision_history_limit.unwrap_or(10));
    non_negative(
        revision_history_limit,
        "spec.revisionHistoryLimit",
        KIND,
        name,
    )?;
    Ok(DaemonSetSpec {
        selector,
        template,
        host_network,
        strategy,
        min_ready_seconds,
        revision_history_limit,
    })
}

/// Re-reads a DaemonSet from its JSON form (after a patch or `setImage`) into the model.
pub fn daemon_set_from_json(
    value: &serde_json::Value,
    notes: &mut Notes,
) -> Result<DaemonSetObject, String> {
    let ds: apps::DaemonSet = serde_json::from_value(value.clone())
        .map_err(|e| format!("the patched DaemonSet is not valid: {e}"))?;
    let meta = meta(&ds.metadata, "DaemonSet").map_err(|e| e.message)?;
    let spec = daemon_set_spec(&ds.spec, &meta.name, notes).map_err(|e| e.message)?;
    Ok(DaemonSetObject {
        meta,
        spec,
        source: value.clone(),
    })
}

fn pod(node: &Node, notes: &mut Notes) -> Result<PodObject, ManifestError> {
    let p: core::Pod = read(node)?;
    unknown_fields(node, &p, notes);
    let meta = meta(&p.metadata, "Pod")?;
    let Some(spec) = &p.spec else {
        return Err(invalid(
            "Pod",
            &meta.name,
            "spec.containers",
            "Required value".into(),
        ));
    };
    let spec = pod_spec(spec, "spec", "Pod", &meta.name, notes)?;
    Ok(PodObject {
        owner: owner(&p.metadata),
        meta,
        spec: Arc::new(spec),
    })
}

fn service(node: &Node, notes: &mut Notes) -> Result<Service, ManifestError> {
    let s: core::Service = read(node)?;
    unknown_fields(node, &s, notes);
    let meta = meta(&s.metadata, "Service")?;
    let selector = s
        .spec
        .as_ref()
        .and_then(|spec| spec.selector.clone())
        .filter(|sel| !sel.is_empty());
    let spec = s.spec.as_ref();
    match spec.and_then(|spec| spec.type_.as_deref()) {
        Some("ExternalName") => notes.infos.push(format!(
            "Service \"{}\" of type ExternalName has no endpoints to simulate",
            meta.name
        )),
        Some(kind @ ("NodePort" | "LoadBalancer")) => notes.infos.push(format!(
            "Service type {kind} is simulated as ClusterIP: requests reach the same endpoints, so the type does not change availability"
        )),
        _ => {}
    }
    Ok(Service {
        namespace: meta.namespace,
        name: meta.name,
        selector,
        publish_not_ready_addresses: spec
            .and_then(|spec| spec.publish_not_ready_addresses)
            .unwrap_or(false),
    })
}

fn node_object(node: &Node, notes: &mut Notes) -> Result<ModelNode, ManifestError> {
    let n: core::Node = read(node)?;
    unknown_fields(node, &n, notes);
    let name = required_name(n.metadata.name.as_deref(), "Node")?;
    let text = |m: Option<
        &BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
    >|
     -> BTreeMap<String, String> {
        m.into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.0.clone()))
            .collect()
    };
    let status = n.status.as_ref();
    let capacity_text = text(status.and_then(|s| s.capacity.as_ref()));
    let capacity = resource_list_from_text(&capacity_text).map_err(|(field, msg)| {
        invalid("Node", &name, &format!("status.capacity[{field}]"), msg)
    })?;
    let allocatable = match status.and_then(|s| s.allocatable.as_ref()) {
        Some(a) => resource_list_from_text(&text(Some(a))).map_err(|(field, msg)| {
            invalid("Node", &name, &format!("status.allocatable[{field}]"), msg)
        })?,
        None => capacity.clone(),
    };
    let mut labels = n.metadata.labels.clone().unwrap_or_default();
    labels
        .entry("kubernetes.io/hostname".into())
        .or_insert_with(|| name.clone());
    let mut taints = Vec::new();
    for (index, t) in n
        .spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .into_iter()
        .flatten()
        .enumerate()
    {
        let effect = TaintEffect::parse(&t.effect).ok_or_else(|| {
            invalid("Node", &name, &format!("spec.taints[{index}].effect"), format!("Unsupported value: \"{}\": supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\"", t.effect))
        })?;
        taints.push(Taint {
            key: t.key.clone(),
            value: t.value.clone().unwrap_or_default(),
            effect,
        });
    }
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .is_none_or(|c| c.status == "True");
    let mut allocatable = allocatable;
    if !capacity_text.contains_key("pods")
        && status
            .and_then(|s| s.allocatable.as_ref())
            .is_none_or(|a| !a.contains_key("pods"))
    {
        allocatable.pods = 110;
    }
    Ok(ModelNode {
        name,
        labels,
        capacity,
        allocatable,
        taints,
        unschedulable: n
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false),
        ready,
        pool: None,
    })
}

/// Notes the fields of a storage object that are accepted but not simulated.
fn storage_infos(kind: &str, name: &str, fields: &[(&str, bool)], notes: &mut Notes) {
    for (field, present) in fields {
        if *present {
            notes.infos.push(format!(
                "{kind} \"{name}\": field \"{field}\" is accepted but not simulated"
            ));
        }
    }
}

/// `storage` of a resource map, in bytes (0 when absent).
fn storage_bytes(
    map: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
    path: &str,
    kind: &str,
    name: &str,
) -> Result<i64, ManifestError> {
    let Some(q) = map.and_then(|m| m.get("storage")) else {
        return Ok(0);
    };
    let text: BTreeMap<String, String> = [("storage".to_string(), q.0.clone())].into();
    let list = resource_list_from_text(&text)
        .map_err(|(_, msg)| invalid(kind, name, &format!("{path}[storage]"), msg))?;
    Ok(list.scalar("storage"))
}

/// Validates `accessModes` (at least one, each a known mode).
fn access_modes(
    modes: Option<&Vec<String>>,
    path: &str,
    kind: &str,
    name: &str,
) -> Result<Vec<String>, ManifestError> {
    const MODES: [&str; 4] = [
        "ReadWriteOnce",
        "ReadOnlyMany",
        "ReadWriteMany",
        "ReadWriteOncePod",
    ];
    let modes = modes.cloned().unwrap_or_default();
    if modes.is_empty() {
        return Err(invalid(kind, name, path, "Required value".into()));
    }
    for (i, mode) in modes.iter().enumerate() {
        if !MODES.contains(&mode.as_str()) {
            return Err(invalid(
                kind,
                name,
                &format!("{path}[{i}]"),
                format!(
                    "Unsupported value: \"{mode}\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""
                ),
            ));
        }
    }
    Ok(modes)
}

fn persistent_volume_claim(
    node: &Node,
    notes: &mut Notes,
) -> Result<PersistentVolumeClaim, ManifestError> {
    const KIND: &str = "PersistentVolumeClaim";
    let c: core::PersistentVolumeClaim = read(node)?;
    unknown_fields(node, &c, notes);
    let m = meta(&c.metadata, KIND)?;
    let name = m.name.clone();
    claim_spec(&c, m.namespace, name.clone(), "", (KIND, &name), notes)
}

/// The spec of a claim (a PersistentVolumeClaim or a StatefulSet's volume claim template,
/// whose fields are under `prefix`), validated for the object `owner` (kind, name).
fn claim_spec(
    c: &core::PersistentVolumeClaim,
    namespace: String,
    name: String,
    prefix: &str,
    owner: (&str, &str),
    notes: &mut Notes,
) -> Result<PersistentVolumeClaim, ManifestError> {
    let (kind, owner_name) = owner;
    let spec = c.spec.clone().unwrap_or_default();
    let access_modes = access_modes(
        spec.access_modes.as_ref(),
        &format!("{prefix}spec.accessModes"),
        kind,
        owner_name,
    )?;
    let requests = spec.resources.as_ref().and_then(|r| r.requests.as_ref());
    if requests.and_then(|r| r.get("storage")).is_none() {
        return Err(invalid(
            kind,
            owner_name,
            &format!("{prefix}spec.resources[storage]"),
            "Required value".into(),
        ));
    }
    let request_bytes = storage_bytes(
        requests,
        &format!("{prefix}spec.resources.requests"),
        kind,
        owner_name,
    )?;
    let selector = spec
        .selector
        .as_ref()
        .map(|s| label_selector(s, &format!("{prefix}spec.selector"), kind, owner_name))
        .transpose()?;
    storage_infos(
        kind,
        owner_name,
        &[
            (
                &format!("{prefix}spec.dataSource"),
                spec.data_source.is_some(),
            ),
            (
                &format!("{prefix}spec.dataSourceRef"),
                spec.data_source_ref.is_some(),
            ),
            (
                &format!("{prefix}spec.volumeAttributesClassName"),
                spec.volume_attributes_class_name.is_some(),
            ),
            (&format!("{prefix}status"), c.status.is_some()),
        ],
        notes,
    );
    if spec.volume_mode.as_deref() == Some("Block") {
        notes.infos.push(format!(
            "{kind} \"{owner_name}\": volumeMode Block is treated as Filesystem"
        ));
    }
    Ok(PersistentVolumeClaim {
        namespace,
        name,
        storage_class: spec.storage_class_name.clone(),
        volume_name: spec.volume_name.clone().filter(|v| !v.is_empty()),
        request_bytes,
        access_modes,
        selector,
        bound: false,
    })
}

fn persistent_volume(node: &Node, notes: &mut Notes) -> Result<PersistentVolume, ManifestError> {
    const KIND: &str = "PersistentVolume";
    let v: core::PersistentVolume = read(node)?;
    unknown_fields(node, &v, notes);
    let name = required_name(v.metadata.name.as_deref(), KIND)?;
    let spec = v.spec.clone().unwrap_or_default();
    let access_modes = access_modes(spec.access_modes.as_ref(), "spec.accessModes", KIND, &name)?;
    if spec
        .capacity
        .as_ref()
        .and_then(|c| c.get("storage"))
        .is_none()
    {
        return Err(invalid(
            KIND,
            &name,
            "spec.capacity",
            "Required value".into(),
        ));
    }
    let capacity_bytes = storage_bytes(spec.capacity.as_ref(), "spec.capacity", KIND, &name)?;
    let mut node_affinity = Vec::new();
    if let Some(affinity) = &spec.node_affinity {
        let terms = affinity
            .required
            .as_ref()
            .map(|r| r.node_selector_terms.clone())
            .unwrap_or_default();
        if affinity.required.is_some() && terms.is_empty() {
            return Err(invalid(
                KIND,
                &name,
                "spec.nodeAffinity.required.nodeSelectorTerms",
                "Required value: must have at least one node selector term".into(),
            ));
        }
        for (i, term) in terms.iter().enumerate() {
            node_affinity.push(node_term(
                term,
                &format!("spec.nodeAffinity.required.nodeSelectorTerms[{i}]"),
                KIND,
                &name,
            )?);
        }
    }
    if spec.local.is_some() && node_affinity.is_empty() {
        return Err(invalid(
            KIND,
            &name,
            "spec.nodeAffinity",
            "Required value: Local volume requires node affinity".into(),
        ));
    }
    let claim_ref = spec.claim_ref.as_ref().and_then(|r| {
        r.name
            .clone()
            .map(|n| (r.namespace.clone().unwrap_or_else(|| "default".into()), n))
    });
    storage_infos(
        KIND,
        &name,
        &[
            (
                "spec.persistentVolumeReclaimPolicy",
                spec.persistent_volume_reclaim_policy.is_some(),
            ),
            ("spec.mountOptions", spec.mount_options.is_some()),
            ("status", v.status.is_some()),
        ],
        notes,
    );
    Ok(PersistentVolume {
        labels: v.metadata.labels.clone().unwrap_or_default(),
        capacity_bytes,
        access_modes,
        storage_class: spec.storage_class_name.clone().unwrap_or_default(),
        node_affinity,
        claim_ref,
        csi_driver: spec.csi.as_ref().map(|c| c.driver.clone()),
        volume_handle: spec
            .csi
            .as_ref()
            .map_or_else(|| name.clone(), |c| c.volume_handle.clone()),
        name,
    })
}

fn storage_class(node: &Node, notes: &mut Notes) -> Result<StorageClass, ManifestError> {
    const KIND: &str = "StorageClass";
    let c: k8s_openapi::api::storage::v1::StorageClass = read(node)?;
    unknown_fields(node, &c, notes);
    let name = required_name(c.metadata.name.as_deref(), KIND)?;
    if c.provisioner.is_empty() {
        return Err(invalid(KIND, &name, "provisioner", "Required value".into()));
    }
    let binding_mode = match c.volume_binding_mode.as_deref() {
        None | Some("Immediate") => VolumeBindingMode::Immediate,
        Some("WaitForFirstConsumer") => VolumeBindingMode::WaitForFirstConsumer,
        Some(other) => {
            return Err(invalid(
                KIND,
                &name,
                "volumeBindingMode",
                format!(
                    "Unsupported value: \"{other}\": supported values: \"Immediate\", \"WaitForFirstConsumer\""
                ),
            ));
        }
    };
    let allowed_topologies = c
        .allowed_topologies
        .iter()
        .flatten()
        .map(|term| NodeSelectorTerm {
            match_expressions: term
                .match_label_expressions
                .iter()
                .flatten()
                .map(|r| Requirement {
                    key: r.key.clone(),
                    op: SelectorOp::In,
                    values: r.values.clone(),
                })
                .collect(),
            match_fields: Vec::new(),
        })
        .collect();
    storage_infos(
        KIND,
        &name,
        &[
            ("reclaimPolicy", c.reclaim_policy.is_some()),
            ("allowVolumeExpansion", c.allow_volume_expansion.is_some()),
            ("mountOptions", c.mount_options.is_some()),
            ("parameters", c.parameters.is_some()),
        ],
        notes,
    );
    let is_default = c
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CLASS_ANNOTATION))
        .is_some_and(|v| v == "true");
    Ok(StorageClass {
        name,
        provisioner: c.provisioner.clone(),
        binding_mode,
        allowed_topologies,
        is_default,
    })
}

/// Re-reads a Deployment from its JSON form (after a patch) into the model.
pub fn deployment_from_json(
    value: &serde_json::Value,
    notes: &mut Notes,
) -> Result<DeploymentObject, String> {
    let d: apps::Deployment = serde_json::from_value(value.clone())
        .map_err(|e| format!("the patched Deployment is not valid: {e}"))?;
    let meta = meta(&d.metadata, "Deployment").map_err(|e| e.message)?;
    let spec = &d.spec;
    let spec = deployment_spec(spec, &meta.name, notes).map_err(|e| e.message)?;
    Ok(DeploymentObject {
        meta,
        spec,
        source: value.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::yaml::parse_stream;

    fn convert_text(src: &str) -> (Result<Converted, ManifestError>, Notes) {
        let docs = parse_stream(src).unwrap();
        let root = docs[0].root.as_ref().unwrap();
        let mut notes = Notes::default();
        let v = root
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap()
            .to_string();
        let k = root.get("kind").and_then(Node::as_str).unwrap().to_string();
        (convert(&v, &k, root, &mut notes), notes)
    }

    const NGINX: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx-deployment\n  labels:\n    app: nginx\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: nginx\n  template:\n    metadata:\n      labels:\n        app: nginx\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.14.2\n        ports:\n        - containerPort: 80\n";

    const WEB: &str = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  serviceName: nginx\n  replicas: 3\n  selector:\n    matchLabels: {app: nginx}\n  template:\n    metadata:\n      labels: {app: nginx}\n    spec:\n      containers:\n      - name: nginx\n        image: registry.k8s.io/nginx-slim:0.21\n  volumeClaimTemplates:\n  - metadata: {name: www}\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources: {requests: {storage: 1Gi}}\n";

    #[test]
    fn stateful_set_defaults() {
        let (result, _) = convert_text(WEB);
        let Ok(Converted::Objects(objects)) = result else {
            panic!("{result:?}")
        };
        let ApiObject::StatefulSet(set) = &objects[0] else {
            panic!()
        };
        let spec = &set.spec;
        assert_eq!(spec.replicas, 3);
        assert_eq!(spec.service_name, "nginx");
        assert_eq!(
            spec.pod_management_policy,
            PodManagementPolicy::OrderedReady
        );
        assert_eq!(spec.update_strategy, SetUpdateStrategy::default());
        assert_eq!(spec.retention, ClaimRetentionPolicy::default());
        assert_eq!(spec.volume_claim_templates[0].name, "www");
        assert_eq!(spec.volume_claim_templates[0].request_bytes, 1 << 30);
        assert_eq!(
            (
                spec.start_ordinal,
                spec.min_ready_seconds,
                spec.revision_history_limit
            ),
            (0, 0, 10)
        );
    }

    #[test]
    fn stateful_set_fields_and_validation() {
        let with = |extra: &str| {
            WEB.replace(
                "  serviceName: nginx\n",
                &format!("  serviceName: nginx\n{extra}"),
            )
        };
        let ok = |extra: &str| match convert_text(&with(extra)).0 {
            Ok(Converted::Objects(mut objects)) => match objects.remove(0) {
                ApiObject::StatefulSet(set) => set.spec,
                other => panic!("{other:?}"),
            },
            other => panic!("{extra}: {other:?}"),
        };
        let spec = ok(
            "  podManagementPolicy: Parallel\n  updateStrategy:\n    rollingUpdate: {partition: 2, maxUnavailable: 50%}\n  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Retain}\n  ordinals: {start: 5}\n  minReadySeconds: 10\n  revisionHistoryLimit: 3\n",
        );
        assert_eq!(spec.pod_management_policy, PodManagementPolicy::Parallel);
        assert_eq!(
            spec.update_strategy,
            SetUpdateStrategy::RollingUpdate {
                partition: 2,
                max_unavailable: Some(IntOrPercent::Percent(50))
            }
        );
        assert!(spec.retention.delete_when_deleted && !spec.retention.delete_when_scaled);
        assert_eq!(
            (
                spec.start_ordinal,
                spec.min_ready_seconds,
                spec.revision_history_limit
            ),
            (5, 10, 3)
        );
        assert_eq!(
            ok("  updateStrategy: {type: OnDelete}\n").update_strategy,
            SetUpdateStrategy::OnDelete
        );
        let rows = [
            (
                "  podManagementPolicy: Burst\n",
                "spec.podManagementPolicy: Invalid value: \"Burst\": must be 'OrderedReady' or 'Parallel'",
            ),
            (
                "  updateStrategy: {type: Sometimes}\n",
                "spec.updateStrategy: Invalid value: \"Sometimes\": must be 'RollingUpdate' or 'OnDelete'",
            ),
            (
                "  updateStrategy: {type: OnDelete, rollingUpdate: {partition: 1}}\n",
                "spec.updateStrategy.rollingUpdate: Invalid value",
            ),
            (
                "  updateStrategy: {rollingUpdate: {partition: -1}}\n",
                "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0",
            ),
            (
                "  updateStrategy: {rollingUpdate: {maxUnavailable: 0}}\n",
                "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: must be greater than 0",
            ),
            (
                "  updateStrategy: {rollingUpdate: {maxUnavailable: 120%}}\n",
                "must not be greater than 100%",
            ),
            (
                "  persistentVolumeClaimRetentionPolicy: {whenScaled: Keep}\n",
                "spec.persistentVolumeClaimRetentionPolicy.whenScaled: Unsupported value: \"Keep\"",
            ),
            (
                "  ordinals: {start: -1}\n",
                "spec.ordinals.start: Invalid value: -1",
            ),
            (
                "  minReadySeconds: -5\n",
                "spec.minReadySeconds: Invalid value: -5",
            ),
            (
                "  revisionHistoryLimit: -1\n",
                "spec.revisionHistoryLimit: Invalid value: -1",
            ),
        ];
        for (extra, want) in rows {
            let err = convert_text(&with(extra))
                .0
                .err()
                .map(|e| e.message)
                .unwrap_or_default();
            assert!(err.contains(want), "{extra}: {err}");
            assert!(
                err.starts_with("The StatefulSet \"web\" is invalid: "),
                "{err}"
            );
        }
        let mismatch = WEB.replace("      labels: {app: nginx}", "      labels: {app: other}");
        let err = convert_text(&mismatch)
            .0
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(
            err.contains("`selector` does not match template `labels`"),
            "{err}"
        );
        // A template volume named like a claim template mounts the pod's own claim instead.
        let with_volume = WEB.replace(
            "        image: registry.k8s.io/nginx-slim:0.21\n",
            "        image: registry.k8s.io/nginx-slim:0.21\n      volumes:\n      - {name: www, persistentVolumeClaim: {claimName: www}}\n      - {name: shared, persistentVolumeClaim: {claimName: shared}}\n",
        );
        let Ok(Converted::Objects(objects)) = convert_text(&with_volume).0 else {
            panic!("does not load")
        };
        let ApiObject::StatefulSet(set) = &objects[0] else {
            panic!()
        };
        assert_eq!(set.spec.template.spec.claims, ["shared"]);
        let no_size = WEB.replace("      resources: {requests: {storage: 1Gi}}\n", "");
        let err = convert_text(&no_size)
            .0
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(
            err.contains("spec.volumeClaimTemplates[0].spec.resources[storage]: Required value"),
            "{err}"
        );
    }

    #[test]
    fn deployment_defaults() {
        let (result, notes) = convert_text(NGINX);
        let Converted::Objects(objects) = result.unwrap() else {
            panic!()
        };
        let ApiObject::Deployment(d) = &objects[0] else {
            panic!()
        };
        assert_eq!(d.spec.replicas, 3);
        assert_eq!(
            d.spec.strategy,
            DeploymentStrategy::RollingUpdate {
                max_surge: IntOrPercent::Percent(25),
                max_unavailable: IntOrPercent::Percent(25)
            }
        );
        assert_eq!(d.spec.revision_history_limit, 10);
        assert_eq!(d.spec.progress_deadline_seconds, Some(600));
        assert_eq!(d.spec.template.spec.termination_grace_period_s, 30);
        assert_eq!(
            d.spec.template.spec.containers[0].pull_policy,
            PullPolicy::IfNotPresent
        );
        assert_eq!(d.spec.template.spec.tolerations.len(), 2);
        assert!(notes.warnings.is_empty(), "{:?}", notes.warnings);
    }

    #[test]
    fn validation_messages() {
        let cases = [
            (
                "replicas: 3",
                "replicas: -1",
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            ),
            (
                "  template:",
                "  strategy:\n    rollingUpdate:\n      maxSurge: 0\n      maxUnavailable: 0\n  template:",
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0",
            ),
            (
                "image: nginx:1.14.2",
                "image: \"\"",
                "spec.template.spec.containers[0].image: Required value",
            ),
            (
                "        app: nginx\n    spec",
                "        app: other\n    spec",
                "`selector` does not match template `labels`",
            ),
        ];
        for (from, to, want) in cases {
            let (result, _) = convert_text(&NGINX.replacen(from, to, 1));
            let err = result.unwrap_err();
            assert!(
                err.message.contains(want),
                "{} does not contain {want}",
                err.message
            );
            assert!(
                err.message
                    .starts_with("The Deployment \"nginx-deployment\" is invalid: "),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn unknown_fields_warn() {
        let (result, notes) =
            convert_text(&NGINX.replace("  replicas: 3", "  replicas: 3\n  replicaz: 4"));
        assert!(result.is_ok());
        assert_eq!(notes.warnings[0].1, "unknown field \"spec.replicaz\"");
    }

    const AGENT: &str = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  selector:\n    matchLabels:\n      app: agent\n  template:\n    metadata:\n      labels:\n        app: agent\n    spec:\n      containers:\n      - name: agent\n        image: agent:v1\n";

    fn daemon_set_of(text: &str) -> Result<DaemonSetObject, ManifestError> {
        match convert_text(text).0? {
            Converted::Objects(mut objects) => match objects.remove(0) {
                ApiObject::DaemonSet(ds) => Ok(ds),
                other => panic!("{other:?}"),
            },
            Converted::NotSimulated => panic!("not simulated"),
        }
    }

    /// `SetDefaults_DaemonSet`: RollingUpdate, maxUnavailable 1, maxSurge 0, history 10.
    #[test]
    fn daemon_set_defaults() {
        let ds = daemon_set_of(AGENT).unwrap();
        assert_eq!(
            ds.spec.strategy,
            DaemonSetStrategy::RollingUpdate {
                max_surge: IntOrPercent::Int(0),
                max_unavailable: IntOrPercent::Int(1)
            }
        );
        assert_eq!(ds.spec.revision_history_limit, 10);
        assert_eq!(ds.spec.min_ready_seconds, 0);
        assert!(!ds.spec.host_network);
        let on_delete = AGENT.replace(
            "  template:",
            "  updateStrategy:\n    type: OnDelete\n  template:",
        );
        assert_eq!(
            daemon_set_of(&on_delete).unwrap().spec.strategy,
            DaemonSetStrategy::OnDelete
        );
        let surge = AGENT.replace(
            "  template:",
            "  updateStrategy:\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n  template:",
        );
        assert_eq!(
            daemon_set_of(&surge).unwrap().spec.strategy,
            DaemonSetStrategy::RollingUpdate {
                max_surge: IntOrPercent::Int(1),
                max_unavailable: IntOrPercent::Int(0)
            }
        );
        let host = AGENT.replace(
            "      containers:",
            "      hostNetwork: true\n      containers:",
        );
        assert!(daemon_set_of(&host).unwrap().spec.host_network);
    }

    /// `ValidateDaemonSetSpec` and `ValidateRollingUpdateDaemonSet` wording.
    #[test]
    fn daemon_set_validation_messages() {
        let strategy = |body: &str| {
            AGENT.replace(
                "  template:",
                &format!("  updateStrategy:\n{body}\n  template:"),
            )
        };
        let cases = [
            (
                strategy("    rollingUpdate: {maxSurge: 1}"),
                "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero",
            ),
            (
                strategy("    rollingUpdate: {maxUnavailable: 0}"),
                "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0",
            ),
            (
                strategy("    rollingUpdate: {maxUnavailable: \"150%\"}"),
                "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%",
            ),
            (
                strategy("    rollingUpdate: {maxUnavailable: -1}"),
                "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0",
            ),
            (
                strategy("    type: Sometimes"),
                "spec.updateStrategy: Unsupported value: \"Sometimes\": supported values: \"OnDelete\", \"RollingUpdate\"",
            ),
            (
                AGENT.replace(
                    "        app: agent\n    spec",
                    "        app: other\n    spec",
                ),
                "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`",
            ),
            (
                AGENT.replace(
                    "      containers:",
                    "      restartPolicy: Never\n      containers:",
                ),
                "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
            ),
            (
                AGENT.replace(
                    "spec:\n  selector:",
                    "spec:\n  minReadySeconds: -5\n  selector:",
                ),
                "spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0",
            ),
        ];
        for (text, want) in cases {
            let err = daemon_set_of(&text).unwrap_err();
            assert_eq!(
                err.message,
                format!("The DaemonSet \"agent\" is invalid: {want}")
            );
        }
    }

    /// A DaemonSet survives the JSON round trip used by `patch` and `setImage`.
    #[test]
    fn daemon_set_from_json_round_trip() {
        let ds = daemon_set_of(AGENT).unwrap();
        let mut notes = Notes::default();
        let again = daemon_set_from_json(&ds.source, &mut notes).unwrap();
        assert_eq!(again.spec, ds.spec);
        let mut broken = ds.source.clone();
        broken["spec"]["updateStrategy"] =
            serde_json::json!({"rollingUpdate": {"maxUnavailable": 0}});
        assert!(
            daemon_set_from_json(&broken, &mut notes)
                .unwrap_err()
                .contains("cannot be 0 when maxSurge is 0")
        );
    }

    #[test]
    fn unknown_kind_is_an_error() {
        let (result, _) =
            convert_text("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n");
        assert!(
            result
                .unwrap_err()
                .message
                .contains("no matches for kind \"Widget\"")
        );
        let (result, notes) =
            convert_text("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: w\n");
        assert!(matches!(result, Ok(Converted::NotSimulated)));
        assert_eq!(notes.infos.len(), 1);
    }

    #[test]
    fn storage_objects_load() {
        let (out, notes) = convert_text(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  namespace: db\nspec:\n  storageClassName: fast\n  accessModes: [ReadWriteOnce]\n  volumeName: pv-1\n  dataSource: {kind: VolumeSnapshot, name: snap}\n  resources:\n    requests: {storage: 5Gi}\n  selector:\n    matchLabels: {tier: gold}\n",
        );
        let Ok(Converted::Objects(objects)) = out else {
            panic!("{out:?}")
        };
        let ApiObject::PersistentVolumeClaim(c) = &objects[0] else {
            panic!("{objects:?}")
        };
        assert_eq!((c.namespace.as_str(), c.name.as_str()), ("db", "data"));
        assert_eq!(c.class_name(), "fast");
        assert_eq!(c.volume_name.as_deref(), Some("pv-1"));
        assert_eq!(c.request_bytes, 5 << 30);
        assert!(c.selector.is_some());
        assert!(
            notes
                .infos
                .iter()
                .any(|i| i.contains("\"spec.dataSource\" is accepted but not simulated")),
            "{:?}",
            notes.infos
        );

        let (out, notes) = convert_text(
            "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv-1\n  labels: {topology.kubernetes.io/zone: us-a}\nspec:\n  capacity: {storage: 100Gi}\n  accessModes: [ReadWriteOnce, ReadOnlyMany]\n  persistentVolumeReclaimPolicy: Retain\n  storageClassName: fast\n  csi: {driver: ebs.csi.aws.com, volumeHandle: vol-123}\n  claimRef: {namespace: db, name: data}\n",
        );
        let Ok(Converted::Objects(objects)) = out else {
            panic!("{out:?}")
        };
        let ApiObject::PersistentVolume(v) = &objects[0] else {
            panic!("{objects:?}")
        };
        assert_eq!(v.capacity_bytes, 100 << 30);
        assert_eq!(v.csi_driver.as_deref(), Some("ebs.csi.aws.com"));
        assert_eq!(v.volume_handle, "vol-123");
        assert_eq!(v.claim_ref, Some(("db".into(), "data".into())));
        assert_eq!(v.labels["topology.kubernetes.io/zone"], "us-a");
        assert!(
            notes
                .infos
                .iter()
                .any(|i| i.contains("persistentVolumeReclaimPolicy"))
        );

        let (out, notes) = convert_text(
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\n  annotations: {storageclass.kubernetes.io/is-default-class: \"true\"}\nprovisioner: ebs.csi.aws.com\nvolumeBindingMode: WaitForFirstConsumer\nallowedTopologies:\n- matchLabelExpressions:\n  - {key: topology.kubernetes.io/zone, values: [us-a, us-b]}\n",
        );
        let Ok(Converted::Objects(objects)) = out else {
            panic!("{out:?}")
        };
        let ApiObject::StorageClass(sc) = &objects[0] else {
            panic!("{objects:?}")
        };
        assert_eq!(sc.binding_mode, VolumeBindingMode::WaitForFirstConsumer);
        assert!(sc.is_default);
        assert_eq!(
            sc.allowed_topologies[0].match_expressions[0].values,
            ["us-a", "us-b"]
        );
        assert!(notes.infos.is_empty(), "{:?}", notes.infos);

        let (out, notes) = convert_text(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - {name: c, image: i}\n  volumes:\n  - name: a\n    persistentVolumeClaim: {claimName: data}\n  - name: b\n    emptyDir: {}\n",
        );
        let Ok(Converted::Objects(objects)) = out else {
            panic!("{out:?}")
        };
        let ApiObject::Pod(p) = &objects[0] else {
            panic!("{objects:?}")
        };
        assert_eq!(p.spec.claims, ["data"]);
        assert_eq!(
            p.spec.data_volumes,
            [DataVolume {
                name: "b".into(),
                kind: DataVolumeKind::EmptyDir
            }]
        );
        assert!(notes.infos.is_empty(), "{:?}", notes.infos);
    }
}
