//! Storage objects: PersistentVolumeClaims, PersistentVolumes and StorageClasses, and the
//! minimum of the PV controller's binding rules the scheduler's volume plugins need
//! ([`Storage::matching_volume`], [`Storage::bind`], [`Storage::bind_immediate_claims`]).

use std::collections::{BTreeMap, BTreeSet};

use super::behavior::DurationDist;
use super::node::Node;
use super::selector::{LabelSelector, NodeSelectorTerm};

/// How long the simulated storage backend of one StorageClass takes (`spec.storage`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageTiming {
    /// Time the provisioner takes to create a volume (from `Provisioning` to
    /// `ProvisioningSucceeded`).
    pub provision: DurationDist,
    /// Time the attach/detach controller takes to attach a network volume to a node.
    pub attach: DurationDist,
    /// Time it takes to detach a network volume from a node.
    pub detach: DurationDist,
}

impl Default for StorageTiming {
    /// Everything instant (the behaviour without `spec.storage`).
    fn default() -> Self {
        StorageTiming {
            provision: DurationDist::Fixed(0),
            attach: DurationDist::Fixed(0),
            detach: DurationDist::Fixed(0),
        }
    }
}

/// Storage timing by StorageClass name, with a default for every other class (and for volumes
/// without a class).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StorageCatalog {
    /// Timing of classes not listed.
    pub default: StorageTiming,
    /// Timing per StorageClass name.
    pub by_class: BTreeMap<String, StorageTiming>,
}

impl StorageCatalog {
    /// The timing of volumes of `class` (empty: no class).
    pub fn get(&self, class: &str) -> &StorageTiming {
        self.by_class.get(class).unwrap_or(&self.default)
    }
}

/// The provisioner of classes that cannot provision (local volumes).
pub const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// The annotation marking the default StorageClass.
pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

/// `volumeBindingMode` of a StorageClass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VolumeBindingMode {
    /// Claims bind (or provision) as soon as they are created.
    Immediate,
    /// Claims wait for the scheduler to pick a node for the first pod using them.
    WaitForFirstConsumer,
}

/// A `storage.k8s.io/v1` StorageClass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageClass {
    /// Name.
    pub name: String,
    /// `provisioner` ([`NO_PROVISIONER`] for classes that cannot provision).
    pub provisioner: String,
    /// `volumeBindingMode` (default Immediate).
    pub binding_mode: VolumeBindingMode,
    /// `allowedTopologies`, as node selector terms (empty: anywhere).
    pub allowed_topologies: Vec<NodeSelectorTerm>,
    /// Annotated as the default class.
    pub is_default: bool,
}

/// A `v1` PersistentVolume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistentVolume {
    /// Name.
    pub name: String,
    /// Labels (zone / region labels are what VolumeZone reads).
    pub labels: BTreeMap<String, String>,
    /// `capacity.storage`, bytes.
    pub capacity_bytes: i64,
    /// `accessModes`.
    pub access_modes: Vec<String>,
    /// `storageClassName` (empty: no class).
    pub storage_class: String,
    /// `nodeAffinity.required.nodeSelectorTerms` (empty: reachable from every node).
    pub node_affinity: Vec<NodeSelectorTerm>,
    /// `claimRef` as `(namespace, name)`: the claim it is bound (or reserved) to.
    pub claim_ref: Option<(String, String)>,
    /// `csi.driver`, when the volume is a CSI volume.
    pub csi_driver: Option<String>,
    /// `csi.volumeHandle` (the volume name otherwise).
    pub volume_handle: String,
}

impl PersistentVolume {
    /// Whether the volume must be attached to a node before a pod there can mount it: CSI
    /// volumes are (network disks); local and hostPath volumes are not.
    pub fn attachable(&self) -> bool {
        self.csi_driver.is_some()
    }

    /// Whether the volume may be attached to several nodes at once (`IsMultiAttachAllowed`):
    /// when it lists no access mode, or ReadWriteMany or ReadOnlyMany among them.
    pub fn multi_attach_allowed(&self) -> bool {
        self.access_modes.is_empty()
            || self
                .access_modes
                .iter()
                .any(|m| m == "ReadWriteMany" || m == "ReadOnlyMany")
    }

    /// Whether the volume's data lives on one node's disk: a volume that needs no attach and
    /// whose node affinity pins it (local volumes, hostPath volumes with node affinity).
    pub fn node_bound(&self) -> bool {
        !self.attachable() && !self.node_affinity.is_empty()
    }

    /// Whether a node with these labels and this name can reach the volume
    /// (`CheckNodeAffinity`: any term matches; no terms means every node).
    pub fn reachable_from(&self, node: &Node) -> bool {
        self.node_affinity.is_empty()
            || self
                .node_affinity
                .iter()
                .any(|t| t.matches(&node.labels, &node.name))
    }
}

/// A `v1` PersistentVolumeClaim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistentVolumeClaim {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `storageClassName`: `None` when unset (the default class applies), `Some("")` for
    /// "no class".
    pub storage_class: Option<String>,
    /// `spec.volumeName`: the PersistentVolume it is bound to (or asks for); `None` = unbound.
    pub volume_name: Option<String>,
    /// `resources.requests.storage`, bytes.
    pub request_bytes: i64,
    /// `accessModes`.
    pub access_modes: Vec<String>,
    /// `selector` over PersistentVolume labels.
    pub selector: Option<LabelSelector>,
    /// True once the claim is bound to its volume (`status.phase: Bound`).
    pub bound: bool,
}

impl PersistentVolumeClaim {
    /// The class name the claim uses (`GetPersistentVolumeClaimClass`): empty for none.
    pub fn class_name(&self) -> &str {
        self.storage_class.as_deref().unwrap_or("")
    }
}

/// Every storage object of the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Storage {
    /// Claims by `(namespace, name)`.
    pub claims: BTreeMap<(String, String), PersistentVolumeClaim>,
    /// Volumes by name.
    pub volumes: BTreeMap<String, PersistentVolume>,
    /// Classes by name.
    pub classes: BTreeMap<String, StorageClass>,
    /// Claims the provisioner is creating a volume for, by `(namespace, name)`.
    pub provisioning: BTreeSet<(String, String)>,
}

impl Storage {
    /// The claim `namespace/name`.
    pub fn claim(&self, namespace: &str, name: &str) -> Option<&PersistentVolumeClaim> {
        self.claims.get(&(namespace.to_string(), name.to_string()))
    }

    /// The class a claim uses, if it names one that exists.
    pub fn class_of(&self, claim: &PersistentVolumeClaim) -> Option<&StorageClass> {
        self.classes.get(claim.class_name())
    }

    /// The binding mode of an unbound claim (`IsDelayBindingMode`): Immediate without a class;
    /// an error naming the class when it does not exist.
    pub fn binding_mode(&self, claim: &PersistentVolumeClaim) -> Result<VolumeBindingMode, String> {
        let class = claim.class_name();
        if class.is_empty() {
            return Ok(VolumeBindingMode::Immediate);
        }
        self.classes
            .get(class)
            .map(|c| c.binding_mode)
            .ok_or_else(|| format!("storageclass.storage.k8s.io \"{class}\" not found"))
    }

    /// The smallest available volume that satisfies `claim` (`FindMatchingVolume`): same class,
    /// every access mode of the claim, enough capacity, the claim's selector, reachable from
    /// `node` when one is given, and not in `excluded`; ties by name. A volume whose
    /// `claimRef` names this claim wins at once.
    pub fn matching_volume(
        &self,
        claim: &PersistentVolumeClaim,
        node: Option<&Node>,
        excluded: &[&str],
    ) -> Option<&PersistentVolume> {
        let mut best: Option<&PersistentVolume> = None;
        for pv in self.volumes.values() {
            if excluded.contains(&pv.name.as_str()) {
                continue;
            }
            let pre_bound = pv
                .claim_ref
                .as_ref()
                .is_some_and(|(ns, name)| *ns == claim.namespace && *name == claim.name);
            if pv.claim_ref.is_some() && !pre_bound {
                continue;
            }
            if pv.storage_class != claim.class_name()
                || pv.capacity_bytes < claim.request_bytes
                || !claim
                    .access_modes
                    .iter()
                    .all(|m| pv.access_modes.contains(m))
                || claim
                    .selector
                    .as_ref()
                    .is_some_and(|s| !s.matches(&pv.labels))
                || node.is_some_and(|n| !pv.reachable_from(n))
            {
                continue;
            }
            if pre_bound {
                return Some(pv);
            }
            if best.is_none_or(|b| pv.capacity_bytes < b.capacity_bytes) {
                best = Some(pv);
            }
        }
        best
    }

    /// Binds `namespace/claim` to `volume` (both ways). Fails when either does not exist or
    /// the volume is taken by another claim.
    pub fn bind(&mut self, namespace: &str, claim: &str, volume: &str) -> Result<(), String> {
        let key = (namespace.to_string(), claim.to_string());
        if !self.claims.contains_key(&key) {
            return Err(format!(
                "persistentvolumeclaims \"{claim}\" not found in namespace \"{namespace}\""
            ));
        }
        let Some(pv) = self.volumes.get_mut(volume) else {
            return Err(format!("persistentvolumes \"{volume}\" not found"));
        };
        if let Some((ns, name)) = &pv.claim_ref
            && (ns != namespace || name != claim)
        {
            return Err(format!(
                "volume \"{volume}\" is already bound to claim \"{ns}/{name}\""
            ));
        }
        pv.claim_ref = Some(key.clone());
        if let Some(c) = self.claims.get_mut(&key) {
            c.volume_name = Some(volume.to_string());
            c.bound = true;
        }
        Ok(())
    }

    /// What the PV controller does on its own: binds every unbound claim that names a volume
    /// (`spec.volumeName`) or whose binding mode is Immediate to a matching available volume.
    /// Claims of WaitForFirstConsumer classes wait for the scheduler; Immediate claims that
    /// need a new volume wait for the provisioner ([`Storage::claims_to_provision`]). Returns
    /// the claims bound, as `namespace/name → volume`.
    pub fn bind_immediate_claims(&mut self) -> Vec<(String, String)> {
        let mut decisions = Vec::new();
        for claim in self.claims.values() {
            if claim.bound {
                continue;
            }
            let volume = match &claim.volume_name {
                Some(name) if self.volumes.contains_key(name) => Some(name.clone()),
                Some(_) => None,
                None if self.binding_mode(claim) == Ok(VolumeBindingMode::Immediate) => self
                    .matching_volume(claim, None, &[])
                    .map(|pv| pv.name.clone()),
                None => None,
            };
            if let Some(volume) = volume {
                decisions.push((claim.namespace.clone(), claim.name.clone(), volume));
            }
        }
        let mut bound = Vec::new();
        for (namespace, claim, volume) in decisions {
            if self.bind(&namespace, &claim, &volume).is_ok() {
                bound.push((format!("{namespace}/{claim}"), volume));
            }
        }
        bound
    }

    /// Unbound Immediate claims no existing volume satisfies and whose class has a
    /// provisioner, not already being provisioned: what the provisioner starts on now, as
    /// `(namespace, name)`.
    pub fn claims_to_provision(&self) -> Vec<(String, String)> {
        self.claims
            .values()
            .filter(|claim| {
                !claim.bound
                    && claim.volume_name.is_none()
                    && !self
                        .provisioning
                        .contains(&(claim.namespace.clone(), claim.name.clone()))
                    && self.binding_mode(claim) == Ok(VolumeBindingMode::Immediate)
                    && self
                        .class_of(claim)
                        .is_some_and(|c| c.provisioner != NO_PROVISIONER)
                    && self.matching_volume(claim, None, &[]).is_none()
            })
            .map(|c| (c.namespace.clone(), c.name.clone()))
            .collect()
    }

    /// Dynamic provisioning: creates the volume `pvc-<namespace>-<claim>` of the claim's class
    /// and size, reachable where `node_affinity` says (empty: everywhere) and labelled
    /// `labels`, and binds the claim to it. Returns the volume's name.
    pub fn provision(
        &mut self,
        namespace: &str,
        claim: &str,
        node_affinity: Vec<NodeSelectorTerm>,
        labels: BTreeMap<String, String>,
    ) -> Result<String, String> {
        let Some(c) = self.claim(namespace, claim) else {
            return Err(format!(
                "persistentvolumeclaims \"{claim}\" not found in namespace \"{namespace}\""
            ));
        };
        let Some(class) = self.class_of(c) else {
            return Err(format!(
                "storageclass.storage.k8s.io \"{}\" not found",
                c.class_name()
            ));
        };
        if class.provisioner == NO_PROVISIONER {
            return Err(format!(
                "storageclass \"{}\" cannot provision volumes",
                class.name
            ));
        }
        let name = format!("pvc-{namespace}-{claim}");
        let pv = PersistentVolume {
            name: name.clone(),
            labels,
            capacity_bytes: c.request_bytes,
            access_modes: c.access_modes.clone(),
            storage_class: class.name.clone(),
            node_affinity,
            claim_ref: None,
            csi_driver: Some(class.provisioner.clone()),
            volume_handle: name.clone(),
        };
        self.volumes.insert(name.clone(), pv);
        self.bind(namespace, claim, &name)?;
        Ok(name)
    }

    /// Deletes the claim `namespace/name`; returns whether it existed. A volume provisioned for
    /// it goes too (the `Delete` reclaim policy of provisioned volumes); any other volume bound to
    /// it keeps its `claimRef` (Released: no other claim binds it, though a new claim of the
    /// same name would, as claim uids are not modelled).
    pub fn delete_claim(&mut self, namespace: &str, name: &str) -> bool {
        let key = (namespace.to_string(), name.to_string());
        if self.claims.remove(&key).is_none() {
            return false;
        }
        let provisioned = format!("pvc-{namespace}-{name}");
        if self
            .volumes
            .get(&provisioned)
            .is_some_and(|pv| pv.claim_ref.as_ref() == Some(&key))
        {
            self.volumes.remove(&provisioned);
        }
        true
    }

    /// The default class, if one is annotated (the newest by name wins, as the admission
    /// plugin picks the newest).
    pub fn default_class(&self) -> Option<&StorageClass> {
        self.classes.values().rev().find(|c| c.is_default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::ResourceList;
    use crate::model::selector::{Requirement, SelectorOp};

    fn node(name: &str) -> Node {
        let mut labels = BTreeMap::new();
        labels.insert("kubernetes.io/hostname".to_string(), name.to_string());
        Node {
            name: name.into(),
            labels,
            capacity: ResourceList::default(),
            allocatable: ResourceList::default(),
            taints: Vec::new(),
            unschedulable: false,
            ready: true,
            pool: None,
        }
    }

    fn pv(name: &str, gib: i64, class: &str, host: Option<&str>) -> PersistentVolume {
        PersistentVolume {
            name: name.into(),
            labels: BTreeMap::new(),
            capacity_bytes: gib << 30,
            access_modes: vec!["ReadWriteOnce".into()],
            storage_class: class.into(),
            node_affinity: host
                .map(|h| {
                    vec![NodeSelectorTerm {
                        match_expressions: vec![Requirement {
                            key: "kubernetes.io/hostname".into(),
                            op: SelectorOp::In,
                            values: vec![h.into()],
                        }],
                        match_fields: Vec::new(),
                    }]
                })
                .unwrap_or_default(),
            claim_ref: None,
            csi_driver: None,
            volume_handle: name.into(),
        }
    }

    fn pvc(name: &str, gib: i64, class: &str) -> PersistentVolumeClaim {
        PersistentVolumeClaim {
            namespace: "default".into(),
            name: name.into(),
            storage_class: Some(class.into()),
            volume_name: None,
            request_bytes: gib << 30,
            access_modes: vec!["ReadWriteOnce".into()],
            selector: None,
            bound: false,
        }
    }

    fn class(name: &str, mode: VolumeBindingMode) -> StorageClass {
        StorageClass {
            name: name.into(),
            provisioner: NO_PROVISIONER.into(),
            binding_mode: mode,
            allowed_topologies: Vec::new(),
            is_default: false,
        }
    }

    #[test]
    fn deleting_a_claim_deletes_its_provisioned_volume_only() {
        let mut s = Storage::default();
        s.classes
            .insert("fast".into(), class("fast", VolumeBindingMode::Immediate));
        if let Some(c) = s.classes.get_mut("fast") {
            c.provisioner = "csi.example.com".into();
        }
        s.claims
            .insert(("default".into(), "a".into()), pvc("a", 1, "fast"));
        s.claims
            .insert(("default".into(), "b".into()), pvc("b", 1, "fast"));
        s.volumes
            .insert("static".into(), pv("static", 1, "fast", None));
        s.bind("default", "a", "static").unwrap();
        s.provision("default", "b", Vec::new(), BTreeMap::new())
            .unwrap();
        assert!(s.delete_claim("default", "b"));
        assert!(!s.volumes.contains_key("pvc-default-b"));
        assert!(s.delete_claim("default", "a"));
        assert!(s.volumes["static"].claim_ref.is_some());
        assert!(!s.delete_claim("default", "a"));
    }

    #[test]
    fn smallest_matching_volume_reachable_from_the_node() {
        let mut s = Storage::default();
        for v in [
            pv("big", 100, "local", Some("a")),
            pv("small", 10, "local", Some("b")),
            pv("tiny", 1, "local", Some("a")),
            pv("other", 10, "fast", None),
        ] {
            s.volumes.insert(v.name.clone(), v);
        }
        let claim = pvc("data", 5, "local");
        assert_eq!(
            s.matching_volume(&claim, None, &[])
                .map(|v| v.name.as_str()),
            Some("small")
        );
        assert_eq!(
            s.matching_volume(&claim, Some(&node("a")), &[])
                .map(|v| v.name.as_str()),
            Some("big")
        );
        assert_eq!(
            s.matching_volume(&claim, Some(&node("a")), &["big"])
                .map(|v| v.name.as_str()),
            None
        );
        let mut rwx = claim.clone();
        rwx.access_modes = vec!["ReadWriteMany".into()];
        assert!(s.matching_volume(&rwx, None, &[]).is_none());
    }

    #[test]
    fn immediate_claims_bind_and_wait_for_first_consumer_claims_wait() {
        let mut s = Storage::default();
        s.classes
            .insert("now".into(), class("now", VolumeBindingMode::Immediate));
        s.classes.insert(
            "later".into(),
            class("later", VolumeBindingMode::WaitForFirstConsumer),
        );
        s.volumes
            .insert("pv-now".into(), pv("pv-now", 10, "now", None));
        s.volumes
            .insert("pv-later".into(), pv("pv-later", 10, "later", None));
        s.volumes
            .insert("named".into(), pv("named", 10, "later", None));
        let mut pinned = pvc("pinned", 1, "later");
        pinned.volume_name = Some("named".into());
        for c in [pvc("a", 1, "now"), pvc("b", 1, "later"), pinned] {
            s.claims.insert((c.namespace.clone(), c.name.clone()), c);
        }
        let bound = s.bind_immediate_claims();
        assert_eq!(
            bound,
            [
                ("default/a".to_string(), "pv-now".to_string()),
                ("default/pinned".to_string(), "named".to_string())
            ]
        );
        assert!(!s.claim("default", "b").expect("exists").bound);
        assert_eq!(
            s.bind("default", "b", "pv-now"),
            Err("volume \"pv-now\" is already bound to claim \"default/a\"".into())
        );
        assert_eq!(s.bind("default", "b", "pv-later"), Ok(()));
        assert_eq!(
            s.binding_mode(&pvc("x", 1, "missing")),
            Err("storageclass.storage.k8s.io \"missing\" not found".into())
        );
    }

    #[test]
    fn attach_and_data_placement_by_volume_source() {
        // (csi driver, access modes, pinned to a host) → (attachable, multi-attach, node-bound)
        type Row<'a> = (Option<&'a str>, &'a [&'a str], bool, (bool, bool, bool));
        let rows: [Row; 6] = [
            (
                Some("ebs.csi.aws.com"),
                &["ReadWriteOnce"],
                false,
                (true, false, false),
            ),
            (
                Some("ebs.csi.aws.com"),
                &["ReadWriteOncePod"],
                false,
                (true, false, false),
            ),
            (
                Some("efs.csi.aws.com"),
                &["ReadWriteMany"],
                false,
                (true, true, false),
            ),
            (
                Some("x.csi"),
                &["ReadWriteOnce", "ReadOnlyMany"],
                false,
                (true, true, false),
            ),
            (Some("x.csi"), &[], false, (true, true, false)),
            (None, &["ReadWriteOnce"], true, (false, false, true)),
        ];
        for (driver, modes, pinned, want) in rows {
            let mut v = pv("v", 1, "c", pinned.then_some("n1"));
            v.csi_driver = driver.map(str::to_string);
            v.access_modes = modes.iter().map(|m| m.to_string()).collect();
            assert_eq!(
                (v.attachable(), v.multi_attach_allowed(), v.node_bound()),
                want,
                "{driver:?} {modes:?}"
            );
        }
        // A volume without a CSI source and without node affinity (an NFS share) is neither.
        assert!(!pv("nfs", 1, "c", None).node_bound());
    }

    #[test]
    fn only_unbound_immediate_claims_of_provisioning_classes_need_the_provisioner() {
        let mut s = Storage::default();
        for (name, mode, provisioner) in [
            ("now", VolumeBindingMode::Immediate, "csi.example.com"),
            (
                "later",
                VolumeBindingMode::WaitForFirstConsumer,
                "csi.example.com",
            ),
            ("manual", VolumeBindingMode::Immediate, NO_PROVISIONER),
        ] {
            let mut c = class(name, mode);
            c.provisioner = provisioner.into();
            s.classes.insert(name.into(), c);
        }
        s.volumes
            .insert("static".into(), pv("static", 10, "now", None));
        for c in [
            pvc("a", 1, "now"),
            pvc("b", 20, "now"),
            pvc("c", 20, "now"),
            pvc("d", 1, "later"),
            pvc("e", 1, "manual"),
        ] {
            s.claims.insert((c.namespace.clone(), c.name.clone()), c);
        }
        s.provisioning.insert(("default".into(), "c".into()));
        // `a` fits the static volume, `c` is already being provisioned, `d` waits for its
        // consumer, `e`'s class cannot provision.
        assert_eq!(
            s.claims_to_provision(),
            [("default".to_string(), "b".to_string())]
        );
        assert_eq!(
            s.bind_immediate_claims(),
            [("default/a".to_string(), "static".to_string())]
        );
        assert!(
            s.claims_to_provision()
                .contains(&("default".into(), "b".into()))
        );
    }

    #[test]
    fn storage_timing_falls_back_to_the_default_class_entry() {
        let mut catalog = StorageCatalog::default();
        catalog.default.attach = DurationDist::Fixed(7);
        catalog.by_class.insert(
            "gp3".into(),
            StorageTiming {
                provision: DurationDist::Fixed(5),
                ..catalog.default
            },
        );
        assert_eq!(catalog.get("gp3").provision, DurationDist::Fixed(5));
        assert_eq!(catalog.get("gp3").attach, DurationDist::Fixed(7));
        assert_eq!(catalog.get("other").provision, DurationDist::Fixed(0));
        assert_eq!(catalog.get("").attach, DurationDist::Fixed(7));
    }
}
