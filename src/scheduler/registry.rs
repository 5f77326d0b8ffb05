//! The plugin registry (`plugins/registry.go`): the **one** table mapping plugin names to
//! constructors. Adding a plugin = one file under `plugins/` + one row here (+ its place in
//! [`Profile::default_profile`](crate::scheduler::profile::Profile::default_profile)).

use crate::scheduler::framework::Plugin;
use crate::scheduler::plugins::{
    BalancedAllocation, BalancedAllocationArgs, DefaultBinder, DefaultPreemption, ImageLocality,
    InterPodAffinity, InterPodAffinityArgs, NodeAffinity, NodeName, NodePorts, NodeResourcesFit,
    NodeResourcesFitArgs, NodeUnschedulable, PodTopologySpread, PodTopologySpreadArgs,
    PrioritySort, TaintToleration, balanced_allocation, default_binder, default_preemption,
    image_locality, inter_pod_affinity, node_affinity, node_name, node_ports, node_resources_fit,
    node_unschedulable, pod_topology_spread, queue_sort, taint_toleration,
};
use crate::scheduler::plugins::{
    NodeVolumeLimits, VolumeBinding, VolumeZone, node_volume_limits, volume_binding, volume_zone,
};
use crate::scheduler::profile::{ConfigError, PluginArgs};

/// Builds a plugin from its arguments.
pub type PluginFactory = fn(&PluginArgs) -> Result<Box<dyn Plugin>, ConfigError>;

/// One registry row.
#[derive(Debug, Clone, Copy)]
pub struct RegistryEntry {
    /// Plugin name.
    pub name: &'static str,
    /// Constructor.
    pub factory: PluginFactory,
}

/// For plugins without arguments: accepts only [`PluginArgs::Default`].
fn no_args(name: &'static str, args: &PluginArgs) -> Result<(), ConfigError> {
    match args {
        PluginArgs::Default => Ok(()),
        _ => Err(ConfigError::ArgsMismatch { plugin: name }),
    }
}

/// Every in-tree plugin, by name.
pub static REGISTRY: &[RegistryEntry] = &[
    RegistryEntry {
        name: queue_sort::NAME,
        factory: |args| {
            no_args(queue_sort::NAME, args)?;
            Ok(Box::new(PrioritySort))
        },
    },
    RegistryEntry {
        name: node_unschedulable::NAME,
        factory: |args| {
            no_args(node_unschedulable::NAME, args)?;
            Ok(Box::new(NodeUnschedulable::default()))
        },
    },
    RegistryEntry {
        name: node_name::NAME,
        factory: |args| {
            no_args(node_name::NAME, args)?;
            Ok(Box::new(NodeName))
        },
    },
    RegistryEntry {
        name: taint_toleration::NAME,
        factory: |args| {
            no_args(taint_toleration::NAME, args)?;
            Ok(Box::new(TaintToleration))
        },
    },
    RegistryEntry {
        name: node_affinity::NAME,
        factory: |args| {
            no_args(node_affinity::NAME, args)?;
            Ok(Box::new(NodeAffinity))
        },
    },
    RegistryEntry {
        name: node_ports::NAME,
        factory: |args| {
            no_args(node_ports::NAME, args)?;
            Ok(Box::new(NodePorts))
        },
    },
    RegistryEntry {
        name: node_resources_fit::NAME,
        factory: |args| match args {
            PluginArgs::Default => Ok(Box::new(NodeResourcesFit::new(
                &NodeResourcesFitArgs::default(),
            )?)),
            PluginArgs::NodeResourcesFit(a) => Ok(Box::new(NodeResourcesFit::new(a)?)),
            _ => Err(ConfigError::ArgsMismatch {
                plugin: node_resources_fit::NAME,
            }),
        },
    },
    RegistryEntry {
        name: node_volume_limits::NAME,
        factory: |args| {
            no_args(node_volume_limits::NAME, args)?;
            Ok(Box::new(NodeVolumeLimits))
        },
    },
    RegistryEntry {
        name: volume_binding::NAME,
        factory: |args| {
            no_args(volume_binding::NAME, args)?;
            Ok(Box::new(VolumeBinding))
        },
    },
    RegistryEntry {
        name: volume_zone::NAME,
        factory: |args| {
            no_args(volume_zone::NAME, args)?;
            Ok(Box::new(VolumeZone))
        },
    },
    RegistryEntry {
        name: pod_topology_spread::NAME,
        factory: |args| match args {
            PluginArgs::Default => Ok(Box::new(PodTopologySpread::new(
                &PodTopologySpreadArgs::default(),
            )?)),
            PluginArgs::PodTopologySpread(a) => Ok(Box::new(PodTopologySpread::new(a)?)),
            _ => Err(ConfigError::ArgsMismatch {
                plugin: pod_topology_spread::NAME,
            }),
        },
    },
    RegistryEntry {
        name: inter_pod_affinity::NAME,
        factory: |args| match args {
            PluginArgs::Default => Ok(Box::new(InterPodAffinity::new(
                &InterPodAffinityArgs::default(),
            )?)),
            PluginArgs::InterPodAffinity(a) => Ok(Box::new(InterPodAffinity::new(a)?)),
            _ => Err(ConfigError::ArgsMismatch {
                plugin: inter_pod_affinity::NAME,
            }),
        },
    },
    RegistryEntry {
        name: default_preemption::NAME,
        factory: |args| match args {
            PluginArgs::Default => Ok(Box::new(DefaultPreemption::default())),
            PluginArgs::DefaultPreemption(a) => Ok(Box::new(DefaultPreemption::new(*a))),
            _ => Err(ConfigError::ArgsMismatch {
                plugin: default_preemption::NAME,
            }),
        },
    },
    RegistryEntry {
        name: balanced_allocation::NAME,
        factory: |args| match args {
            PluginArgs::Default => Ok(Box::new(BalancedAllocation::new(
                &BalancedAllocationArgs::default(),
            )?)),
            PluginArgs::BalancedAllocation(a) => Ok(Box::new(BalancedAllocation::new(a)?)),
            _ => Err(ConfigError::ArgsMismatch {
                plugin: balanced_allocation::NAME,
            }),
        },
    },
    RegistryEntry {
        name: image_locality::NAME,
        factory: |args| {
            no_args(image_locality::NAME, args)?;
            Ok(Box::new(ImageLocality))
        },
    },
    RegistryEntry {
        name: default_binder::NAME,
        factory: |args| {
            no_args(default_binder::NAME, args)?;
            Ok(Box::new(DefaultBinder))
        },
    },
];

/// The registry row for `name`.
pub fn lookup(name: &str) -> Option<&'static RegistryEntry> {
    REGISTRY.iter().find(|entry| entry.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_builds_a_plugin_with_its_own_name() {
        for entry in REGISTRY {
            let plugin = (entry.factory)(&PluginArgs::Default).expect("defaults are valid");
            assert_eq!(plugin.name(), entry.name);
            assert!(std::ptr::eq(lookup(entry.name).expect("listed"), entry));
        }
        assert!(lookup("VolumeRestrictions").is_none());
    }

    #[test]
    fn wrong_args_are_rejected() {
        let fit_args = PluginArgs::NodeResourcesFit(NodeResourcesFitArgs::default());
        let err = (lookup("NodeName").expect("listed").factory)(&fit_args).err();
        assert_eq!(err, Some(ConfigError::ArgsMismatch { plugin: "NodeName" }));
        let err = (lookup("NodeResourcesBalancedAllocation")
            .expect("listed")
            .factory)(&fit_args)
        .err();
        assert_eq!(
            err,
            Some(ConfigError::ArgsMismatch {
                plugin: "NodeResourcesBalancedAllocation"
            })
        );
    }
}
