//! Storage end to end: PersistentVolumeClaims, PersistentVolumes and StorageClasses loaded from
//! manifests, bound by the minimal PV controller, and the scheduler's volume plugins
//! (VolumeBinding, VolumeZone, NodeVolumeLimits) placing the pods that mount them.

use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

fn run(manifests: &[&str]) -> Result<RunResults, String> {
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: storage\nspec:\n  duration: 1m\n---\n{}",
        manifests.join("---\n")
    );
    let scenarios = scenario::load(
        &[Input {
            path: "storage.yaml".into(),
            text,
        }],
        LoadOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let s = &scenarios[0];
    pipeline::run(
        s,
        RunOptions {
            seed: 1,
            until: s.duration,
            max_events: 1_000_000,
            check_invariants: true,
            record_scheduling: false,
        },
    )
    .map_err(|e| e.to_string())
}

fn node(name: &str, zone: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: {name}\n  labels: {{topology.kubernetes.io/zone: {zone}}}\nstatus:\n  capacity: {{cpu: \"4\", memory: 16Gi, pods: \"110\"}}\n"
    )
}

fn pod(name: &str, claim: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - name: db\n    image: db:v1\n  volumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: {claim}\n"
    )
}

fn claim(name: &str, class: &str) -> String {
    format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {name}\nspec:\n  storageClassName: {class}\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests: {{storage: 5Gi}}\n"
    )
}

fn local_volume(name: &str, node: &str, class: &str) -> String {
    format!(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: {name}\nspec:\n  capacity: {{storage: 10Gi}}\n  accessModes: [ReadWriteOnce]\n  storageClassName: {class}\n  local: {{path: /mnt/disks/ssd1}}\n  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n      - matchExpressions:\n        - {{key: kubernetes.io/hostname, operator: In, values: [{node}]}}\n"
    )
}

const LOCAL_WAIT: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: local\nprovisioner: kubernetes.io/no-provisioner\nvolumeBindingMode: WaitForFirstConsumer\n";

const IMMEDIATE: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: manual\nprovisioner: kubernetes.io/no-provisioner\n";

const ZONAL_CSI: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: gp3\nprovisioner: ebs.csi.aws.com\nvolumeBindingMode: WaitForFirstConsumer\n";

fn node_of(results: &RunResults, pod: &str) -> Option<String> {
    let state = &results.world.state;
    state
        .pods
        .iter()
        .find(|p| p.name == pod)
        .and_then(|p| p.node)
        .map(|n| state.nodes[n.0].node.name.clone())
}

fn failed_scheduling(results: &RunResults, pod: &str) -> Vec<String> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.reason == "FailedScheduling" && e.object == format!("pod/{pod}"))
        .map(|e| e.message.clone())
        .collect()
}

fn nodes() -> Vec<String> {
    vec![node("n1", "a"), node("n2", "a"), node("n3", "b")]
}

#[test]
fn a_claim_bound_to_a_local_volume_takes_its_pod_to_that_node() {
    let mut docs = nodes();
    docs.extend([
        IMMEDIATE.to_string(),
        local_volume("ssd-n2", "n2", "manual"),
        claim("data", "manual"),
        pod("db", "data"),
    ]);
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let results = run(&refs).unwrap();
    assert_eq!(node_of(&results, "db").as_deref(), Some("n2"));
    let claim = &results.world.state.storage.claims[&("default".to_string(), "data".to_string())];
    assert_eq!(claim.volume_name.as_deref(), Some("ssd-n2"));
    assert!(failed_scheduling(&results, "db").is_empty());
}

#[test]
fn a_missing_claim_leaves_the_pod_pending_with_the_upstream_message() {
    let mut docs = nodes();
    docs.push(pod("db", "x"));
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let results = run(&refs).unwrap();
    assert_eq!(node_of(&results, "db"), None);
    let messages = failed_scheduling(&results, "db");
    assert_eq!(
        messages.first().map(String::as_str),
        Some(
            "0/3 nodes are available: persistentvolumeclaim \"x\" not found. preemption: 0/3 \
             nodes are available: 3 Preemption is not helpful for scheduling."
        ),
        "{messages:?}"
    );
}

#[test]
fn wait_for_first_consumer_binds_at_pre_bind_to_a_volume_of_the_chosen_node() {
    let mut docs = nodes();
    docs.extend([
        LOCAL_WAIT.to_string(),
        local_volume("ssd-n3", "n3", "local"),
        claim("data", "local"),
        pod("db", "data"),
        claim("more", "local"),
        pod("db2", "more"),
    ]);
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let results = run(&refs).unwrap();
    assert_eq!(node_of(&results, "db").as_deref(), Some("n3"));
    let storage = &results.world.state.storage;
    assert_eq!(
        storage.claims[&("default".to_string(), "data".to_string())]
            .volume_name
            .as_deref(),
        Some("ssd-n3")
    );
    // The only local volume is taken: the second pod cannot find one.
    assert_eq!(node_of(&results, "db2"), None);
    assert!(
        failed_scheduling(&results, "db2")[0].starts_with(
            "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind."
        ),
        "{:?}",
        failed_scheduling(&results, "db2")
    );
}

#[test]
fn provisioned_volumes_follow_the_node_zone_and_pin_later_pods() {
    let mut docs = nodes();
    docs.extend([
        ZONAL_CSI.to_string(),
        claim("data", "gp3"),
        pod("db", "data"),
    ]);
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let results = run(&refs).unwrap();
    let node = node_of(&results, "db").expect("scheduled");
    let storage = &results.world.state.storage;
    let volume = storage.claims[&("default".to_string(), "data".to_string())]
        .volume_name
        .clone()
        .expect("provisioned");
    let zone = if node == "n3" { "b" } else { "a" };
    assert_eq!(
        storage.volumes[&volume]
            .labels
            .get("topology.kubernetes.io/zone")
            .map(String::as_str),
        Some(zone)
    );
}

#[test]
fn an_unbound_immediate_claim_is_unresolvable() {
    let mut docs = nodes();
    docs.extend([
        IMMEDIATE.to_string(),
        claim("data", "manual"),
        pod("db", "data"),
    ]);
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let results = run(&refs).unwrap();
    assert_eq!(node_of(&results, "db"), None);
    assert!(
        failed_scheduling(&results, "db")[0].starts_with(
            "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims."
        ),
        "{:?}",
        failed_scheduling(&results, "db")
    );
}

#[test]
fn storage_manifests_are_validated_and_notes_are_given() {
    let bad = claim("data", "local").replace("  accessModes: [ReadWriteOnce]\n", "");
    let err = run(&[&bad]).err().expect("rejected");
    assert!(
        err.contains(
            "The PersistentVolumeClaim \"data\" is invalid: spec.accessModes: Required value"
        ),
        "{err}"
    );
    let bad = LOCAL_WAIT.replace("WaitForFirstConsumer", "Later");
    let err = run(&[&bad]).err().expect("rejected");
    assert!(
        err.contains("volumeBindingMode: Unsupported value: \"Later\""),
        "{err}"
    );
    let bad = local_volume("v", "n1", "local").replace("  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n      - matchExpressions:\n        - {key: kubernetes.io/hostname, operator: In, values: [n1]}\n", "");
    let err = run(&[&bad]).err().expect("rejected");
    assert!(err.contains("Local volume requires node affinity"), "{err}");
}
