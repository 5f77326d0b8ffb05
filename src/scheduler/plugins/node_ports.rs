//! NodePorts (`plugins/nodeports`): a pod's host ports must be free on the node.
//!
//! PreFilter returns `Skip` when the pod asks for no host port, so the Filter costs nothing for
//! ordinary pods. Host IPs are not modelled: every host port binds `0.0.0.0`, which conflicts with
//! any use of the same protocol and port (upstream `HostPortInfo.CheckConflict`). An empty
//! protocol means TCP, as the API defaults it.

use crate::model::pod::PodSpec;
use crate::scheduler::framework::{
    CycleState, FilterPlugin, NodeInfo, Plugin, PodInfo, PreFilterPlugin, PreFilterResult, Status,
};

/// Registry name.
pub const NAME: &str = "NodePorts";

/// Upstream reason `ErrReason`.
pub const ERR_REASON: &str = "node(s) didn't have free ports for the requested pod ports";

/// The NodePorts plugin (PreFilter, Filter).
#[derive(Debug, Clone, Copy, Default)]
pub struct NodePorts;

fn protocol_or_tcp(protocol: &str) -> &str {
    if protocol.is_empty() { "TCP" } else { protocol }
}

/// The `(protocol, port)` pairs the pod's containers bind on the host (ports > 0).
fn wanted_ports(spec: &PodSpec) -> impl Iterator<Item = (&str, i32)> {
    spec.containers
        .iter()
        .flat_map(|c| c.host_ports.iter())
        .filter(|(_, port)| *port > 0)
        .map(|(protocol, port)| (protocol_or_tcp(protocol), *port))
}

/// Whether every wanted host port is free on `node` (`fitsPorts`).
pub fn fits_ports(spec: &PodSpec, node: &NodeInfo) -> bool {
    wanted_ports(spec).all(|(protocol, port)| {
        !node
            .used_host_ports
            .iter()
            .any(|(used_protocol, used_port)| {
                *used_port == port && protocol_or_tcp(used_protocol) == protocol
            })
    })
}

impl Plugin for NodePorts {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_pre_filter(&self) -> Option<&dyn PreFilterPlugin> {
        Some(self)
    }

    fn as_filter(&self) -> Option<&dyn FilterPlugin> {
        Some(self)
    }
}

impl PreFilterPlugin for NodePorts {
    fn pre_filter(
        &self,
        _state: &mut CycleState,
        pod: &PodInfo<'_>,
        _nodes: &[NodeInfo],
    ) -> (Option<PreFilterResult>, Status) {
        if wanted_ports(pod.spec).next().is_none() {
            (None, Status::skip())
        } else {
            (None, Status::success())
        }
    }
}

impl FilterPlugin for NodePorts {
    fn filter(&self, _state: &CycleState, pod: &PodInfo<'_>, node: &NodeInfo) -> Status {
        if fits_ports(pod.spec, node) {
            Status::success()
        } else {
            Status::unschedulable(ERR_REASON)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::framework::Code;
    use crate::scheduler::testing::{NodeBuilder, PodBuilder, pod};

    /// Rows in the spirit of upstream `TestNodePorts` (without host IPs).
    #[test]
    fn filter_table() {
        let existing = PodBuilder::new()
            .host_port("TCP", 8080)
            .host_port("UDP", 9090)
            .build();
        let node = NodeBuilder::new("n").with_pods(&[&existing]);
        let rows = [
            (
                "free port",
                PodBuilder::new().host_port("TCP", 8081).build(),
                true,
            ),
            (
                "same port other protocol",
                PodBuilder::new().host_port("UDP", 8080).build(),
                true,
            ),
            (
                "conflict",
                PodBuilder::new().host_port("TCP", 8080).build(),
                false,
            ),
            (
                "empty protocol is TCP",
                PodBuilder::new().host_port("", 8080).build(),
                false,
            ),
            (
                "second port conflicts",
                PodBuilder::new()
                    .host_port("TCP", 1)
                    .host_port("UDP", 9090)
                    .build(),
                false,
            ),
        ];
        for (what, spec, pass) in rows {
            let status = NodePorts.filter(&CycleState::new(), &pod(&spec), &node);
            assert_eq!(status.is_success(), pass, "{what}");
            if !pass {
                assert_eq!(status.code, Code::Unschedulable);
                assert_eq!(status.message(), ERR_REASON);
            }
        }
    }

    #[test]
    fn pre_filter_skips_pods_without_host_ports() {
        let plain = PodBuilder::new().req(1, 1).build();
        let (_, s) = NodePorts.pre_filter(&mut CycleState::new(), &pod(&plain), &[]);
        assert!(s.is_skip());
        let ported = PodBuilder::new().host_port("TCP", 80).build();
        let (_, s) = NodePorts.pre_filter(&mut CycleState::new(), &pod(&ported), &[]);
        assert!(s.is_success());
    }

    #[test]
    fn remove_pod_frees_its_ports() {
        let existing = PodBuilder::new().host_port("TCP", 8080).build();
        let mut node = NodeBuilder::new("n").with_pods(&[&existing]);
        assert!(node.remove_pod(0));
        assert!(!node.remove_pod(0), "already gone");
        assert!(node.used_host_ports.is_empty());
        assert_eq!(node.pod_count, 0);
    }
}
