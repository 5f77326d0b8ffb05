//! Services: a selector over pods in one namespace; availability is measured on their ready
//! endpoints.

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
}
