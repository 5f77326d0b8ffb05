//! The API calls of the scheduler's binding cycle ([`ClusterClient`]), applied to the cluster
//! state: `pods/binding` is recorded (the world then completes the binding it assumed).

use std::collections::BTreeMap;

use super::state::NodeId;
use crate::scheduler::framework::ClusterClient;

/// The client one binding cycle uses.
pub struct ApiClient<'a> {
    /// Node ids by name.
    pub node_index: &'a BTreeMap<String, NodeId>,
    /// The node the pod was bound to by a Bind plugin, if any.
    pub bound_to: Option<String>,
}

impl<'a> ApiClient<'a> {
    /// A client over the cluster's stores that has bound nothing yet.
    pub fn new(node_index: &'a BTreeMap<String, NodeId>) -> Self {
        ApiClient {
            node_index,
            bound_to: None,
        }
    }
}

impl ClusterClient for ApiClient<'_> {
    fn bind_pod(&mut self, namespace: &str, name: &str, node_name: &str) -> Result<(), String> {
        if !self.node_index.contains_key(node_name) {
            return Err(format!("nodes \"{node_name}\" not found"));
        }
        if self.bound_to.is_some() {
            return Err(format!(
                "Operation cannot be fulfilled on pods/binding \"{name}\": pod {name} is already assigned to node \"{}\"",
                self.bound_to.as_deref().unwrap_or_default()
            ));
        }
        let _ = namespace;
        self.bound_to = Some(node_name.to_string());
        Ok(())
    }

    fn bind_claim(&mut self, namespace: &str, claim: &str, _volume: &str) -> Result<(), String> {
        Err(format!(
            "persistentvolumeclaims \"{claim}\" not found in namespace \"{namespace}\""
        ))
    }

    fn provision_claim(
        &mut self,
        namespace: &str,
        claim: &str,
        _node_name: &str,
    ) -> Result<(), String> {
        Err(format!(
            "persistentvolumeclaims \"{claim}\" not found in namespace \"{namespace}\""
        ))
    }
}
