//! Namespace policy objects read by the admission plugins: `v1 LimitRange` (LimitRanger) and
//! `v1 ResourceQuota` (ResourceQuota).

use std::collections::BTreeMap;

use super::meta::ObjectMeta;

/// Resource amounts by resource name: CPU-like names (`cpu`, `requests.cpu`, `limits.cpu`) in
/// millicores, everything else in whole units (bytes, counts). Presence matters: a missing name
/// and an amount of 0 differ.
pub type Amounts = BTreeMap<String, i64>;

/// `spec.limits[].type` of a LimitRange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitType {
    /// `Container`: per container, with defaults.
    Container,
    /// `Pod`: the sum over the pod's containers.
    Pod,
}

impl LimitType {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitType::Container => "Container",
            LimitType::Pod => "Pod",
        }
    }
}

/// One `spec.limits[]` item (after API defaulting: for Container items `default` falls back to
/// `max` and `defaultRequest` to `default`, then `min`).
#[derive(Debug, Clone, PartialEq)]
pub struct LimitRangeItem {
    /// `type`.
    pub limit_type: LimitType,
    /// `default`: limits given to containers that set none.
    pub default: Amounts,
    /// `defaultRequest`: requests given to containers that set none.
    pub default_request: Amounts,
    /// `min`.
    pub min: Amounts,
    /// `max`.
    pub max: Amounts,
    /// `maxLimitRequestRatio`, in thousandths.
    pub max_limit_request_ratio: Amounts,
}

/// A `v1 LimitRange`.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitRange {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.limits` of type Container or Pod (PersistentVolumeClaim items are dropped).
    pub limits: Vec<LimitRangeItem>,
}

/// A `v1 ResourceQuota`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceQuota {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.hard`, restricted to the resources the pod evaluator counts.
    pub hard: Amounts,
}

/// True when `name` is measured in millicores (CPU).
pub fn is_cpu(name: &str) -> bool {
    name == "cpu" || name.ends_with(".cpu")
}
