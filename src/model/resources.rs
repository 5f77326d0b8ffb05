//! Resource amounts in integer units: CPU in millicores, memory and storage in bytes, extended
//! resources (e.g. `nvidia.com/gpu`) in whole units.

use std::collections::BTreeMap;

/// A set of resource amounts (`requests`, `limits`, `capacity`, `allocatable`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ResourceList {
    /// CPU in millicores.
    pub cpu_millis: i64,
    /// Memory in bytes.
    pub memory_bytes: i64,
    /// Ephemeral storage in bytes.
    pub ephemeral_storage_bytes: i64,
    /// Maximum pod count (only meaningful on nodes).
    pub pods: i64,
    /// Extended and other scalar resources by name, in units.
    pub scalars: BTreeMap<String, i64>,
    /// Which of cpu / memory / ephemeral-storage were written explicitly (a request of 0 and no
    /// request differ for scoring defaults).
    pub has_cpu: bool,
    /// True when memory was given explicitly.
    pub has_memory: bool,
}

impl ResourceList {
    /// Adds `other` to `self`, field by field.
    pub fn add(&mut self, other: &ResourceList) {
        self.cpu_millis += other.cpu_millis;
        self.memory_bytes += other.memory_bytes;
        self.ephemeral_storage_bytes += other.ephemeral_storage_bytes;
        self.pods += other.pods;
        for (name, amount) in &other.scalars {
            *self.scalars.entry(name.clone()).or_insert(0) += amount;
        }
    }

    /// Subtracts `other` from `self`, field by field.
    pub fn sub(&mut self, other: &ResourceList) {
        self.cpu_millis -= other.cpu_millis;
        self.memory_bytes -= other.memory_bytes;
        self.ephemeral_storage_bytes -= other.ephemeral_storage_bytes;
        self.pods -= other.pods;
        for (name, amount) in &other.scalars {
            *self.scalars.entry(name.clone()).or_insert(0) -= amount;
        }
    }

    /// Field-by-field maximum (the init-container rule of the effective pod request).
    pub fn max_with(&mut self, other: &ResourceList) {
        self.cpu_millis = self.cpu_millis.max(other.cpu_millis);
        self.memory_bytes = self.memory_bytes.max(other.memory_bytes);
        self.ephemeral_storage_bytes = self
            .ephemeral_storage_bytes
            .max(other.ephemeral_storage_bytes);
        for (name, amount) in &other.scalars {
            let entry = self.scalars.entry(name.clone()).or_insert(0);
            *entry = (*entry).max(*amount);
        }
        self.has_cpu |= other.has_cpu;
        self.has_memory |= other.has_memory;
    }

    /// The amount of a scalar resource (0 when absent).
    pub fn scalar(&self, name: &str) -> i64 {
        self.scalars.get(name).copied().unwrap_or(0)
    }
}
