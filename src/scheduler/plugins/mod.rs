//! In-tree plugins, one file each, plus the scoring helpers they share.
//!
//! | plugin | extension points | default weight |
//! |---|---|---|
//! | [`NodeUnschedulable`] | Filter | – |
//! | [`NodeName`] | Filter | – |
//! | [`TaintToleration`] | Filter, Score (normalize reversed) | 3 |
//! | [`NodeAffinity`] | PreFilter, Filter, PreScore, Score | 2 |
//! | [`NodePorts`] | PreFilter, Filter | – |
//! | [`NodeResourcesFit`] | PreFilter, Filter, PreScore, Score | 1 |
//! | [`PodTopologySpread`] | PreFilter, Filter, PreScore, Score | 2 |
//! | [`InterPodAffinity`] | PreFilter, Filter, PreScore, Score | 2 |
//! | [`DefaultPreemption`] | PostFilter | – |
//! | [`BalancedAllocation`] | PreScore, Score | 1 |
//! | [`ImageLocality`] | PreScore, Score | 1 |
//! | [`NodeVolumeLimits`] | PreFilter, Filter | – |
//! | [`VolumeBinding`] | PreFilter, Filter, Reserve, PreBind | – (score gated upstream) |
//! | [`VolumeZone`] | PreFilter, Filter | – |
//! | [`PrioritySort`] | QueueSort | – |
//! | [`DefaultBinder`] | Bind | – |
//!
//! [`pod_selector`] holds the label-selector and affinity-term semantics the topology plugins
//! share.

pub mod balanced_allocation;
pub mod default_binder;
pub mod default_preemption;
pub mod image_locality;
pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod node_volume_limits;
pub mod normalize;
pub mod pod_selector;
pub mod pod_topology_spread;
pub mod queue_sort;
pub mod requested_to_capacity_ratio;
pub mod resource_allocation;
pub mod taint_toleration;
pub mod volume_binding;
pub mod volume_zone;

pub use balanced_allocation::{BalancedAllocation, BalancedAllocationArgs};
pub use default_binder::DefaultBinder;
pub use default_preemption::DefaultPreemption;
pub use image_locality::ImageLocality;
pub use inter_pod_affinity::{InterPodAffinity, InterPodAffinityArgs};
pub use node_affinity::NodeAffinity;
pub use node_name::NodeName;
pub use node_ports::NodePorts;
pub use node_resources_fit::{
    NodeResourcesFit, NodeResourcesFitArgs, ScoringStrategy, ScoringStrategyType,
};
pub use node_unschedulable::NodeUnschedulable;
pub use node_volume_limits::NodeVolumeLimits;
pub use normalize::default_normalize_score;
pub use pod_topology_spread::{DefaultingType, PodTopologySpread, PodTopologySpreadArgs};
pub use queue_sort::PrioritySort;
pub use requested_to_capacity_ratio::UtilizationShapePoint;
pub use resource_allocation::{ResourceSpec, default_resources};
pub use taint_toleration::TaintToleration;
pub use volume_binding::VolumeBinding;
pub use volume_zone::VolumeZone;
