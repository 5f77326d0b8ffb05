//! Plain data: the typed objects the simulation works on. The scenario loader builds them from
//! real Kubernetes manifests (after API defaulting and validation), so everything here is valid by
//! construction. Only `sim::time` is imported.

pub mod admission;
pub mod analysis;
pub mod batch;
pub mod behavior;
pub mod cron;
pub mod intstr;
pub mod meta;
pub mod node;
pub mod objects;
pub mod pod;
pub mod resources;
pub mod rollout;
pub mod scheduler_config;
pub mod selector;
pub mod service;
pub mod storage;
pub mod workloads;

pub use intstr::IntOrPercent;
pub use meta::{ObjectMeta, ObjectRef, OwnerRef};
pub use node::{Node, Taint, TaintEffect};
pub use pod::{Container, PodSpec, PodTemplate, Probe, Toleration};
pub use resources::ResourceList;
pub use selector::{LabelSelector, NodeSelectorTerm};
pub use service::Service;
pub use workloads::{DeploymentSpec, DeploymentStrategy, ReplicaSetSpec};
