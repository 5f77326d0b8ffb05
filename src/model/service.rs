//! Services: a selector over pods in one namespace; availability is measured on their ready
//! endpoints. The type (ClusterIP, NodePort, LoadBalancer, headless) does not change which pods
//! receive requests, so it is not modelled.

use std::collections::BTreeMap;

/// A Service as the simulation sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `spec.selector`; a Service without a selector has no managed endpoints.
    pub selector: Option<BTreeMap<String, String>>,
    /// `spec.publishNotReadyAddresses`: every pod with an address is an endpoint, ready or
    /// not, terminating or not. Headless Services (`clusterIP: None`) behave like the others.
    pub publish_not_ready_addresses: bool,
}
