//! Storage end to end: PersistentVolumeClaims, PersistentVolumes and StorageClasses loaded from
//! manifests, bound by the minimal PV controller, and the scheduler's volume plugins
//! (VolumeBinding, VolumeZone, NodeVolumeLimits) placing the pods that mount them; then storage
//! over time: provisioning delays (`spec.storage`), attach and detach of network volumes,
//! Multi-Attach errors, the attach/detach controller's 6-minute forced detach, and the data-loss
//! rules of emptyDir, hostPath, local and network volumes.

use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

fn run(manifests: &[&str]) -> Result<RunResults, String> {
    run_with("  duration: 1m\n", manifests)
}

/// Runs a scenario whose `spec` holds `spec` (indented lines) with these manifests.
fn run_with(spec: &str, manifests: &[&str]) -> Result<RunResults, String> {
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: storage\nspec:\n{spec}---\n{}",
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

const IMMEDIATE_CSI: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\nprovisioner: pd.csi.storage.gke.io\n";

/// A static CSI volume (a network disk) of class `fast` with these access modes.
fn csi_volume(name: &str, modes: &str) -> String {
    format!(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: {name}\nspec:\n  capacity: {{storage: 10Gi}}\n  accessModes: [{modes}]\n  storageClassName: fast\n  csi: {{driver: pd.csi.storage.gke.io, volumeHandle: {name}}}\n"
    )
}

/// A claim of class `fast` for the volume `volume` with these access modes.
fn claim_for(name: &str, volume: &str, modes: &str) -> String {
    format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {name}\nspec:\n  storageClassName: fast\n  volumeName: {volume}\n  accessModes: [{modes}]\n  resources:\n    requests: {{storage: 5Gi}}\n"
    )
}

/// A pod on node `node` (no scheduler) mounting `claim`, tolerating every taint.
fn pod_on(name: &str, node: &str, claim: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  nodeName: {node}\n  tolerations:\n  - {{operator: Exists}}\n  containers:\n  - name: db\n    image: db:v1\n  volumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: {claim}\n"
    )
}

/// Times (ms) of the events with `reason` on `object`.
fn times(results: &RunResults, object: &str, reason: &str) -> Vec<u64> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.object == object && e.reason == reason)
        .map(|e| e.time.as_millis())
        .collect()
}

/// The pod named `name` created last.
fn last_pod<'a>(results: &'a RunResults, name: &str) -> &'a timonel::cluster::state::PodState {
    results
        .world
        .state
        .pods
        .iter()
        .rev()
        .find(|p| p.name == name)
        .expect("pod exists")
}

const IMAGES: &str = "  images:\n    default: {pull: 2s, start: 1s, ready: 0s}\n";

#[test]
fn immediate_claims_wait_for_the_provisioner_and_their_pods_for_the_claim() {
    let spec = format!("  duration: 1m\n{IMAGES}  storage:\n    fast: {{provision: 7s}}\n");
    let mut docs = nodes();
    docs.extend([
        IMMEDIATE_CSI.to_string(),
        claim("data", "fast"),
        pod("db", "data"),
    ]);
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let results = run_with(&spec, &refs).unwrap();
    let claim = "persistentvolumeclaim/data";
    assert_eq!(times(&results, claim, "Provisioning"), [0]);
    assert_eq!(times(&results, claim, "ProvisioningSucceeded"), [7000]);
    let message = results
        .world
        .events
        .iter()
        .find(|e| e.reason == "ProvisioningSucceeded")
        .map(|e| e.message.clone());
    assert_eq!(
        message.as_deref(),
        Some("Successfully provisioned volume pvc-default-data")
    );
    // Unschedulable until then (unbound immediate claim), scheduled when the volume appears.
    assert!(failed_scheduling(&results, "db")[0].contains("unbound immediate"));
    let db = last_pod(&results, "db");
    assert_eq!(db.scheduled.map(|t| t.as_millis()), Some(7000));
    // A network volume: attached (instantly by default) before the containers start.
    assert_eq!(times(&results, "pod/db", "SuccessfulAttachVolume"), [7000]);
    assert_eq!(db.started.map(|t| t.as_millis()), Some(10_000));
}

#[test]
fn wait_for_first_consumer_binding_waits_for_the_volume_then_the_attach() {
    let spec = format!(
        "  duration: 1m\n{IMAGES}  storage:\n    default: {{provision: 4s, attach: 9s}}\n    gp3: {{provision: 5s}}\n"
    );
    let mut docs = nodes();
    docs.extend([
        ZONAL_CSI.to_string(),
        claim("data", "gp3"),
        pod("db", "data"),
    ]);
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let results = run_with(&spec, &refs).unwrap();
    let claim = "persistentvolumeclaim/data";
    // PreBind starts provisioning at the scheduling decision and the binding waits for it;
    // gp3 overrides the default provisioning time and inherits its attach time.
    assert_eq!(times(&results, claim, "Provisioning"), [0]);
    assert_eq!(times(&results, claim, "ProvisioningSucceeded"), [5000]);
    assert_eq!(times(&results, "pod/db", "Scheduled"), [5000]);
    assert_eq!(
        times(&results, "pod/db", "SuccessfulAttachVolume"),
        [14_000]
    );
    assert_eq!(times(&results, "pod/db", "Pulling"), [14_000]);
    let db = last_pod(&results, "db");
    assert_eq!(db.started.map(|t| t.as_millis()), Some(17_000));
}

#[test]
fn a_read_write_once_volume_attached_elsewhere_blocks_until_detached() {
    let spec = format!(
        "  duration: 2m\n{IMAGES}  storage:\n    fast: {{attach: 10s, detach: 4s}}\n  timeline:\n    - {{at: 30s, action: delete, target: pod/a}}\n"
    );
    for (modes, blocked) in [("ReadWriteOnce", true), ("ReadWriteMany", false)] {
        let mut docs = nodes();
        docs.extend([
            IMMEDIATE_CSI.to_string(),
            csi_volume("disk", modes),
            claim_for("data", "disk", modes),
            pod_on("a", "n1", "data"),
            pod_on("b", "n2", "data"),
        ]);
        let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
        let results = run_with(&spec, &refs).unwrap();
        assert_eq!(times(&results, "pod/a", "SuccessfulAttachVolume"), [10_000]);
        let attach_b = times(&results, "pod/b", "SuccessfulAttachVolume");
        let failed = results
            .world
            .events
            .iter()
            .filter(|e| e.reason == "FailedAttachVolume")
            .map(|e| (e.time.as_millis(), e.object.clone(), e.message.clone()))
            .collect::<Vec<_>>();
        if blocked {
            assert_eq!(
                failed,
                [(
                    0,
                    "pod/b".to_string(),
                    "Multi-Attach error for volume \"disk\" Volume is already exclusively \
                     attached to one node and can't be attached to another"
                        .to_string()
                )]
            );
            // a is deleted at 30 s and gone 1 s later (stop time); detach 4 s; attach 10 s.
            assert_eq!(attach_b, [45_000]);
        } else {
            assert!(failed.is_empty(), "{failed:?}");
            assert_eq!(attach_b, [10_000]);
        }
    }
}

#[test]
fn a_volume_on_a_dead_node_is_force_detached_six_minutes_after_the_pod_is_deleted() {
    // Node n1 dies at 10 s; its pod is force-deleted at 60 s and a new pod on n2 wants the
    // disk. Forced detach at 60 s + 6 min + one 100 ms reconciler period, detach 5 s, attach
    // 10 s. With the out-of-service taint (non-graceful shutdown) the detach starts at once.
    for (taint, attach_ms) in [(false, 435_100), (true, 75_000)] {
        let spec = format!(
            "  duration: 10m\n{IMAGES}  storage:\n    fast: {{attach: 10s, detach: 5s}}\n  timeline:\n    - {{at: 10s, action: failNode, node: n1}}\n    - {{at: 60s, action: forceDeletePod, target: pod/a}}\n    - at: 60s\n      action: apply\n      manifest:\n        apiVersion: v1\n        kind: Pod\n        metadata: {{name: b}}\n        spec:\n          nodeName: n2\n          containers: [{{name: db, image: \"db:v1\"}}]\n          volumes: [{{name: data, persistentVolumeClaim: {{claimName: data}}}}]\n"
        );
        let mut n1 = node("n1", "a");
        if taint {
            n1 = n1.replace(
                "status:\n",
                "spec:\n  taints:\n  - {key: node.kubernetes.io/out-of-service, value: nodeshutdown, effect: NoExecute}\nstatus:\n",
            );
        }
        let docs = [
            n1,
            node("n2", "a"),
            IMMEDIATE_CSI.to_string(),
            csi_volume("disk", "ReadWriteOnce"),
            claim_for("data", "disk", "ReadWriteOnce"),
            pod_on("a", "n1", "data"),
        ];
        let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
        let results = run_with(&spec, &refs).unwrap();
        assert_eq!(times(&results, "pod/b", "FailedAttachVolume"), [60_000]);
        assert_eq!(
            times(&results, "pod/b", "SuccessfulAttachVolume"),
            [attach_ms],
            "out-of-service taint: {taint}"
        );
        let b = last_pod(&results, "b");
        assert_eq!(b.started.map(|t| t.as_millis()), Some(attach_ms + 3000));
        let record = &results.world.volumes.claims[&("default".to_string(), "data".to_string())];
        assert_eq!(record.forced_detach_count, u32::from(!taint));
        let forced_note = results.world.notes.iter().any(|n| {
            n.contains("at 420100 ms the attach/detach controller force-detaches volume \"disk\" from node \"n1\" (detach requested at 60000 ms")
        });
        assert_eq!(forced_note, !taint);
        assert_eq!((record.attach_count, record.detach_count), (2, 1));
        assert_eq!(record.lost, None, "a network disk survives its node");
    }
}

#[test]
fn data_loss_follows_where_the_data_lives() {
    // (volume source of pod `a` on n1, action at 30 s, data lost at)
    let local = local_volume("ssd", "n1", "manual");
    let host_path = "  - name: logs\n    hostPath: {path: /var/log/app}\n";
    let empty_dir = "  - name: cache\n    emptyDir: {}\n";
    let rows: [(&str, &str, Option<u64>, &str); 6] = [
        (
            "local",
            "deleteNode",
            Some(30_000),
            "persistentvolumeclaim/data",
        ),
        ("local", "failNode", None, "persistentvolumeclaim/data"),
        ("network", "deleteNode", None, "persistentvolumeclaim/data"),
        ("emptyDir", "forceDeletePod", Some(30_000), "pod/a"),
        ("hostPath", "forceDeletePod", None, "pod/a"),
        ("hostPath", "deleteNode", Some(30_000), "pod/a"),
    ];
    for (source, action, lost_ms, target) in rows {
        let step = match action {
            "forceDeletePod" => "{at: 30s, action: forceDeletePod, target: pod/a}".to_string(),
            _ => format!("{{at: 30s, action: {action}, node: n1}}"),
        };
        let spec = format!(
            "  duration: 1m\n{IMAGES}  timeline:\n    - {step}\n  expect:\n    - {{name: lost, metric: dataLoss, target: {target}, max: 0}}\n"
        );
        let mut docs = vec![node("n1", "a"), node("n2", "a"), IMMEDIATE.to_string()];
        docs.push(IMMEDIATE_CSI.to_string());
        let mut a = pod_on("a", "n1", "data");
        match source {
            "local" => docs.extend([local.clone(), claim("data", "manual")]),
            "network" => docs.extend([
                csi_volume("disk", "ReadWriteOnce"),
                claim_for("data", "disk", "ReadWriteOnce"),
            ]),
            "emptyDir" => a.push_str(empty_dir),
            _ => a.push_str(host_path),
        }
        docs.push(a);
        let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
        let results = run_with(&spec, &refs).unwrap();
        let key = (
            "default".to_string(),
            if target.starts_with("pod/") {
                "a"
            } else {
                "data"
            }
            .to_string(),
        );
        let records = if target.starts_with("pod/") {
            &results.world.volumes.pods
        } else {
            &results.world.volumes.claims
        };
        let lost = records
            .get(&key)
            .and_then(|r| r.lost)
            .map(|t| t.as_millis());
        assert_eq!(lost, lost_ms, "{source} + {action}");
        // The dataLoss expectation (max 0) fails exactly when the data was lost.
        assert_eq!(
            results.expectations[0].observed,
            Some(if lost_ms.is_some() { 1.0 } else { 0.0 }),
            "{source} + {action}"
        );
        assert_eq!(results.expectations[0].passed, lost_ms.is_none());
    }
}

#[test]
fn storage_settings_and_data_loss_targets_are_validated() {
    let dir = crate::support::temp_dir("storage-validation");
    let cases = [
        (
            "  storage:\n    gp3: {attach: soon}\n",
            "attach: soon",
            "spec.storage.gp3.attach",
        ),
        (
            "  storage:\n    default: {provision: {dist: uniform, min: 5s, max: 1s}}\n",
            "provision:",
            "spec.storage.default.provision",
        ),
        (
            "  expect:\n    - {name: x, metric: dataLoss, target: deployment/web, max: 0}\n",
            "target: deployment/web",
            "spec.expect[0].target",
        ),
        (
            "  expect:\n    - {name: x, metric: dataLoss, max: 0}\n",
            "name: x",
            "spec.expect[0].target",
        ),
    ];
    for (spec, at, field) in cases {
        let text = format!(
            "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: storage\nspec:\n  duration: 1m\n{spec}"
        );
        let path = dir.join("s.yaml");
        std::fs::write(&path, &text).unwrap();
        let out = crate::support::timonel_in(&dir, &["validate", "s.yaml"], None);
        let err = crate::support::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{spec}: {err}");
        let line = text.lines().position(|l| l.contains(at)).unwrap() + 1;
        assert!(err.contains(&format!("s.yaml:{line}:")), "{spec}: {err}");
        assert!(err.contains(field), "{spec}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A class no manifest defines: a warning naming the entry, not an error.
    let text = "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: storage\nspec:\n  duration: 1m\n  storage:\n    gp2: {attach: 1s}\n";
    std::fs::write(dir.join("w.yaml"), text).unwrap();
    let out = crate::support::timonel_in(&dir, &["validate", "w.yaml"], None);
    let err = crate::support::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "Warning: w.yaml:8:5: spec.storage.gp2: no StorageClass \"gp2\" in the scenario"
        ),
        "{err}"
    );
}
