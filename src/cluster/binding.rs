//! The API calls of the scheduler's binding cycle ([`ClusterClient`]) applied to the cluster
//! state, and the PV controller's part of storage: new claims and volumes are bound as soon as
//! they can be (Immediate mode), claims of WaitForFirstConsumer classes wait for the
//! scheduler's PreBind, which binds them to a volume reachable from the chosen node or
//! provisions one in the node's topology. When provisioning takes time, the world starts it
//! (Immediate claims: [`Storage::claims_to_provision`]) and delays the binding cycle
//! (WaitForFirstConsumer); attach and detach are the world's attach/detach controller's.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::state::{NodeId, NodeState};
use crate::model::objects::ApiObject;
use crate::model::selector::{NodeSelectorTerm, Requirement, SelectorOp};
use crate::model::storage::Storage;
use crate::scheduler::framework::ClusterClient;

/// Zone label of nodes and provisioned volumes.
const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
/// Region label of nodes and provisioned volumes.
const REGION_LABEL: &str = "topology.kubernetes.io/region";
/// Hostname label of nodes.
const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";

/// Adds a PersistentVolumeClaim, PersistentVolume or StorageClass (a claim without a class gets
/// the default class, as the DefaultStorageClass admission plugin does), then binds what the PV
/// controller would bind. Returns the claims bound, as `(namespace/name, volume)`, or an
/// `Info:` note when the object already exists (updates are not simulated).
pub fn add_storage_object(
    storage: &mut Arc<Storage>,
    object: ApiObject,
) -> Result<Vec<(String, String)>, String> {
    let exists = |kind: &str, name: &str| {
        format!("Info: {kind} {name} already exists; updating it is not simulated")
    };
    let s = Arc::make_mut(storage);
    match object {
        ApiObject::PersistentVolumeClaim(mut claim) => {
            let key = (claim.namespace.clone(), claim.name.clone());
            if s.claims.contains_key(&key) {
                return Err(exists(
                    "PersistentVolumeClaim",
                    &format!("{}/{}", key.0, key.1),
                ));
            }
            if claim.storage_class.is_none() {
                claim.storage_class = s.default_class().map(|c| c.name.clone());
            }
            s.claims.insert(key, claim);
        }
        ApiObject::PersistentVolume(volume) => {
            if s.volumes.contains_key(&volume.name) {
                return Err(exists("PersistentVolume", &volume.name));
            }
            s.volumes.insert(volume.name.clone(), volume);
        }
        ApiObject::StorageClass(class) => {
            if s.classes.contains_key(&class.name) {
                return Err(exists("StorageClass", &class.name));
            }
            s.classes.insert(class.name.clone(), class);
        }
        _ => return Ok(Vec::new()),
    }
    Ok(s.bind_immediate_claims())
}

/// The client one binding cycle uses.
pub struct ApiClient<'a> {
    /// Node ids by name.
    pub node_index: &'a BTreeMap<String, NodeId>,
    /// The nodes (their labels place provisioned volumes).
    pub nodes: &'a [NodeState],
    /// The storage objects claims are bound in.
    pub storage: &'a mut Arc<Storage>,
    /// The node the pod was bound to by a Bind plugin, if any.
    pub bound_to: Option<String>,
}

impl<'a> ApiClient<'a> {
    /// A client over the cluster's stores that has bound nothing yet.
    pub fn new(
        node_index: &'a BTreeMap<String, NodeId>,
        nodes: &'a [NodeState],
        storage: &'a mut Arc<Storage>,
    ) -> Self {
        ApiClient {
            node_index,
            nodes,
            storage,
            bound_to: None,
        }
    }
}

impl ClusterClient for ApiClient<'_> {
    fn bind_pod(&mut self, _namespace: &str, name: &str, node_name: &str) -> Result<(), String> {
        if !self.node_index.contains_key(node_name) {
            return Err(format!("nodes \"{node_name}\" not found"));
        }
        if let Some(bound) = &self.bound_to {
            return Err(format!(
                "Operation cannot be fulfilled on pods/binding \"{name}\": pod {name} is already assigned to node \"{bound}\""
            ));
        }
        self.bound_to = Some(node_name.to_string());
        Ok(())
    }

    fn bind_claim(&mut self, namespace: &str, claim: &str, volume: &str) -> Result<(), String> {
        Arc::make_mut(self.storage).bind(namespace, claim, volume)
    }

    /// The volume is reachable from the node's zone when the node has one (labelled with the
    /// zone and region), else from the node alone.
    fn provision_claim(
        &mut self,
        namespace: &str,
        claim: &str,
        node_name: &str,
    ) -> Result<(), String> {
        let Some(&id) = self.node_index.get(node_name) else {
            return Err(format!("nodes \"{node_name}\" not found"));
        };
        let node = &self.nodes[id.0].node;
        let mut labels = BTreeMap::new();
        let term = |key: &str, value: &str| NodeSelectorTerm {
            match_expressions: vec![Requirement {
                key: key.to_string(),
                op: SelectorOp::In,
                values: vec![value.to_string()],
            }],
            match_fields: Vec::new(),
        };
        let affinity = match node.labels.get(ZONE_LABEL) {
            Some(zone) => {
                labels.insert(ZONE_LABEL.to_string(), zone.clone());
                if let Some(region) = node.labels.get(REGION_LABEL) {
                    labels.insert(REGION_LABEL.to_string(), region.clone());
                }
                term(ZONE_LABEL, zone)
            }
            None => term(
                HOSTNAME_LABEL,
                node.labels.get(HOSTNAME_LABEL).unwrap_or(&node.name),
            ),
        };
        Arc::make_mut(self.storage)
            .provision(namespace, claim, vec![affinity], labels)
            .map(|_| ())
    }
}
