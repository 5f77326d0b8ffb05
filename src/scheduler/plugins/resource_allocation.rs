//! Shared scoring input of NodeResourcesFit and NodeResourcesBalancedAllocation
//! (`noderesources/resource_allocation.go`, SPEC §7.4–7.7).
//!
//! For each configured resource `r` with weight `w`: `allocatable_r` is the node's allocatable
//! and `requested_r` is Σ over the node's pods + the incoming pod's request. LeastAllocated and
//! MostAllocated use the **non-zero** CPU / memory requests (100m / 200 MiB per container without
//! a request); BalancedAllocation uses the actual requests. An extended (scalar) resource the pod
//! does not request is skipped, and so is any resource whose allocatable is 0 (its weight is not
//! counted).

use crate::model::pod::PodSpec;
use crate::scheduler::framework::{MAX_NODE_SCORE, NodeInfo, Status};
use crate::scheduler::plugins::requested_to_capacity_ratio::ShapeScorer;
use crate::scheduler::profile::ConfigError;

/// One resource a scoring strategy looks at, with its weight (`config.ResourceSpec`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceSpec {
    /// Resource name: `cpu`, `memory`, `ephemeral-storage` or a scalar such as `nvidia.com/gpu`.
    pub name: String,
    /// Weight, 1..=100.
    pub weight: i64,
}

impl ResourceSpec {
    /// A resource spec.
    pub fn new(name: &str, weight: i64) -> Self {
        ResourceSpec {
            name: name.into(),
            weight,
        }
    }
}

/// The default scoring resources: `cpu` weight 1, `memory` weight 1 (SPEC §0).
pub fn default_resources() -> Vec<ResourceSpec> {
    vec![ResourceSpec::new("cpu", 1), ResourceSpec::new("memory", 1)]
}

/// A resource name resolved once at construction, so scoring does not compare strings.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ResourceKind {
    Cpu,
    Memory,
    EphemeralStorage,
    Scalar(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Resolved {
    kind: ResourceKind,
    weight: i64,
}

/// The per-resource scoring function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scorer {
    /// The broken-linear function of the utilization (RequestedToCapacityRatio).
    RequestedToCapacityRatio(ShapeScorer),
    /// `(alloc − req) × 100 / alloc`, 0 when over-committed.
    LeastAllocated,
    /// `min(req, alloc) × 100 / alloc`.
    MostAllocated,
    /// `(1 − std of the fractions) × 100`, truncated.
    Balanced,
}

/// A configured resource-allocation scorer (`resourceAllocationScorer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceAllocationScorer {
    resources: Vec<Resolved>,
    /// True for BalancedAllocation: actual requests instead of the non-zero ones.
    use_requested: bool,
    scorer: Scorer,
}

/// Largest number of resources whose fractions are kept on the stack while scoring.
const STACK_RESOURCES: usize = 16;

impl ResourceAllocationScorer {
    /// Validates the weights (1..=100, as upstream `validateResources`) and resolves the names.
    /// An empty list is accepted here and reported by [`Self::score`] (upstream behaviour).
    pub(crate) fn new(
        plugin: &'static str,
        resources: &[ResourceSpec],
        scorer: Scorer,
    ) -> Result<Self, ConfigError> {
        let mut resolved = Vec::with_capacity(resources.len());
        for spec in resources {
            if !(1..=MAX_NODE_SCORE).contains(&spec.weight) {
                return Err(ConfigError::InvalidResourceWeight {
                    plugin,
                    resource: spec.name.clone(),
                    weight: spec.weight,
                });
            }
            let kind = match spec.name.as_str() {
                "cpu" => ResourceKind::Cpu,
                "memory" => ResourceKind::Memory,
                "ephemeral-storage" => ResourceKind::EphemeralStorage,
                other => ResourceKind::Scalar(other.to_string()),
            };
            resolved.push(Resolved {
                kind,
                weight: spec.weight,
            });
        }
        Ok(ResourceAllocationScorer {
            resources: resolved,
            use_requested: matches!(scorer, Scorer::Balanced),
            scorer,
        })
    }

    /// The incoming pod's request for each configured resource, in order
    /// (`calculatePodResourceRequestList`).
    pub(crate) fn pod_requests(&self, spec: &PodSpec) -> Vec<i64> {
        let effective = spec.effective_requests();
        let (non_zero_cpu_millis, non_zero_memory_bytes) = spec.non_zero_requests();
        self.resources
            .iter()
            .map(|r| match &r.kind {
                ResourceKind::Cpu if self.use_requested => effective.cpu_millis,
                ResourceKind::Cpu => non_zero_cpu_millis,
                ResourceKind::Memory if self.use_requested => effective.memory_bytes,
                ResourceKind::Memory => non_zero_memory_bytes,
                ResourceKind::EphemeralStorage => effective.ephemeral_storage_bytes,
                ResourceKind::Scalar(name) => effective.scalar(name),
            })
            .collect()
    }

    /// `(allocatable, requested including the pod)` of one resource on one node; `(0, 0)` means
    /// "skip this resource" (`calculateResourceAllocatableRequest`).
    fn allocatable_requested(&self, node: &NodeInfo, r: &Resolved, pod_request: i64) -> (i64, i64) {
        let alloc = &node.node.allocatable;
        match &r.kind {
            ResourceKind::Cpu => {
                let used = if self.use_requested {
                    node.requested.cpu_millis
                } else {
                    node.non_zero_cpu_millis
                };
                (alloc.cpu_millis, used + pod_request)
            }
            ResourceKind::Memory => {
                let used = if self.use_requested {
                    node.requested.memory_bytes
                } else {
                    node.non_zero_memory_bytes
                };
                (alloc.memory_bytes, used + pod_request)
            }
            ResourceKind::EphemeralStorage => (
                alloc.ephemeral_storage_bytes,
                node.requested.ephemeral_storage_bytes + pod_request,
            ),
            ResourceKind::Scalar(_) if pod_request == 0 => (0, 0),
            ResourceKind::Scalar(name) => (
                alloc.scalar(name),
                node.requested.scalar(name) + pod_request,
            ),
        }
    }

    /// The node's score for a pod whose per-resource requests are `pod_requests`.
    pub(crate) fn score(&self, node: &NodeInfo, pod_requests: &[i64]) -> Result<i64, Status> {
        if self.resources.is_empty() {
            return Err(Status::error("resources not found"));
        }
        let pairs = self.resources.iter().zip(pod_requests.iter().copied());
        match &self.scorer {
            Scorer::RequestedToCapacityRatio(shape) => {
                Ok(shape.node_score(pairs.map(|(r, pod_request)| {
                    let (alloc, req) = self.allocatable_requested(node, r, pod_request);
                    (req, alloc, r.weight)
                })))
            }
            Scorer::LeastAllocated | Scorer::MostAllocated => {
                let (mut node_score, mut weight_sum) = (0_i64, 0_i64);
                for (r, pod_request) in pairs {
                    let (alloc, req) = self.allocatable_requested(node, r, pod_request);
                    if alloc == 0 {
                        continue;
                    }
                    let resource_score = if matches!(self.scorer, Scorer::LeastAllocated) {
                        least_requested_score(req, alloc)
                    } else {
                        most_requested_score(req, alloc)
                    };
                    node_score += resource_score * r.weight;
                    weight_sum += r.weight;
                }
                Ok(if weight_sum == 0 {
                    0
                } else {
                    node_score / weight_sum
                })
            }
            Scorer::Balanced => {
                let mut stack = [0.0_f64; STACK_RESOURCES];
                let mut heap = Vec::new();
                let fractions: &mut [f64] = if self.resources.len() <= STACK_RESOURCES {
                    &mut stack
                } else {
                    heap.resize(self.resources.len(), 0.0);
                    &mut heap
                };
                let mut count = 0;
                for (r, pod_request) in pairs {
                    let (alloc, req) = self.allocatable_requested(node, r, pod_request);
                    if alloc == 0 {
                        continue;
                    }
                    fractions[count] = (req as f64 / alloc as f64).min(1.0);
                    count += 1;
                }
                Ok(balanced_score(&fractions[..count]))
            }
        }
    }
}

/// `leastRequestedScore`: `(capacity − requested) × 100 / capacity`, 0 when capacity is 0 or
/// the node is over-committed.
pub fn least_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

/// `mostRequestedScore`: `min(requested, capacity) × 100 / capacity`, 0 when capacity is 0.
pub fn most_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 {
        return 0;
    }
    requested.min(capacity) * MAX_NODE_SCORE / capacity
}

/// `balancedResourceScorer` on the fractions of the resources with allocatable > 0: standard
/// deviation `|f0 − f1| / 2` for two fractions, population standard deviation for more, 0 for
/// fewer; score `int64((1 − std) × 100)` (truncation).
pub fn balanced_score(fractions: &[f64]) -> i64 {
    let std = match fractions.len() {
        0 | 1 => 0.0,
        2 => ((fractions[0] - fractions[1]) / 2.0).abs(),
        n => {
            let mean = fractions.iter().sum::<f64>() / n as f64;
            let sum: f64 = fractions.iter().map(|f| (f - mean) * (f - mean)).sum();
            libm::sqrt(sum / n as f64)
        }
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_resource_formulas() {
        assert_eq!(least_requested_score(3000, 4000), 25);
        assert_eq!(least_requested_score(5000, 4000), 0, "over-committed");
        assert_eq!(least_requested_score(1, 0), 0);
        assert_eq!(most_requested_score(3000, 4000), 75);
        assert_eq!(
            most_requested_score(5000, 4000),
            100,
            "over-committed counts as full"
        );
        assert_eq!(most_requested_score(1, 0), 0);
        assert_eq!(balanced_score(&[0.75, 0.5]), 87);
        assert_eq!(balanced_score(&[0.5]), 100);
        assert_eq!(balanced_score(&[]), 100);
        // Population std of (0, 0.5, 1) = sqrt(1/6) ≈ 0.408 → 59.
        assert_eq!(balanced_score(&[0.0, 0.5, 1.0]), 59);
    }

    #[test]
    fn weights_are_validated() {
        for weight in [-1, 0, 101] {
            let err = ResourceAllocationScorer::new(
                "P",
                &[ResourceSpec::new("cpu", weight)],
                Scorer::LeastAllocated,
            );
            assert!(
                matches!(err, Err(ConfigError::InvalidResourceWeight { weight: w, .. }) if w == weight)
            );
        }
        assert!(ResourceAllocationScorer::new("P", &default_resources(), Scorer::Balanced).is_ok());
    }
}
