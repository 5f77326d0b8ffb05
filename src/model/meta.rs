//! Object metadata and references between objects.

use std::collections::BTreeMap;
use std::fmt;

/// The subset of `metadata` the simulation uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectMeta {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` (defaulted to `default` for namespaced kinds).
    pub namespace: String,
    /// `metadata.labels`, sorted.
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`, sorted.
    pub annotations: BTreeMap<String, String>,
}

/// A controller reference from a dependent to its owner (`ownerReferences[controller=true]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OwnerRef {
    /// Lowercase kind of the owner, e.g. `replicaset`.
    pub kind: String,
    /// Name of the owner (same namespace as the dependent).
    pub name: String,
}

/// `kind/name` with the lowercase kind, as the contract names objects (`deployment/web`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    /// Lowercase kind.
    pub kind: String,
    /// Object name.
    pub name: String,
}

impl ObjectRef {
    /// A reference to `kind/name`.
    pub fn new(kind: &str, name: &str) -> Self {
        ObjectRef {
            kind: kind.to_ascii_lowercase(),
            name: name.to_string(),
        }
    }

    /// Parses `kind/name` (the kind is lowercased); `None` without a slash or with an empty part.
    pub fn parse(text: &str) -> Option<Self> {
        let (kind, name) = text.split_once('/')?;
        if kind.is_empty() || name.is_empty() {
            return None;
        }
        Some(ObjectRef::new(kind, name))
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}
