//! Placement by PodTopologySpread and InterPodAffinity, end to end through the pipeline: where
//! the pods of a workload land, and the upstream FailedScheduling message when they cannot.

use std::collections::BTreeMap;

use timonel::cluster::state::PodPhase;
use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

fn load(text: &str) -> Result<Vec<timonel::scenario::spec::Scenario>, String> {
    scenario::load(
        &[Input {
            path: "test.yaml".into(),
            text: text.into(),
        }],
        LoadOptions::default(),
    )
    .map_err(|e| e.to_string())
}

fn run(text: &str) -> RunResults {
    let scenarios = load(text).unwrap_or_else(|e| panic!("{e}"));
    let s = &scenarios[0];
    pipeline::run(
        s,
        RunOptions {
            seed: s.seed,
            until: s.duration,
            max_events: 5_000_000,
            check_invariants: true,
            record_scheduling: false,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn scenario(spec: &str, manifests: &str) -> String {
    format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: t\nspec:\n{spec}\n---\n{manifests}"
    )
}

/// A Deployment `name` (label `app: name`) with `pod_extra` inserted in the pod spec.
fn deployment(name: &str, replicas: u32, pod_extra: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n{pod_extra}      containers:\n      - name: app\n        image: \"app:v1\"\n        resources:\n          requests: {{cpu: 100m, memory: 64Mi}}\n"
    )
}

/// Live pods whose name starts with `prefix`, counted per value of node label `label`.
fn per_node_label(results: &RunResults, prefix: &str, label: &str) -> BTreeMap<String, usize> {
    let state = &results.world.state;
    let mut out = BTreeMap::new();
    for pod in state
        .pods
        .iter()
        .filter(|p| p.name.starts_with(prefix) && p.gone.is_none())
    {
        if let Some(node) = pod.node {
            let value = state.nodes[node.0]
                .node
                .labels
                .get(label)
                .cloned()
                .unwrap_or_default();
            *out.entry(value).or_insert(0) += 1;
        }
    }
    out
}

fn failed_scheduling(results: &RunResults) -> Vec<String> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.reason == "FailedScheduling")
        .map(|e| e.message.clone())
        .collect()
}

/// Zone a has four nodes, zones b and c one each.
const UNEVEN_ZONES: &str = "  duration: 2m\n  cluster:\n    nodePools:\n      - {name: a, count: 4, zones: [zone-a], capacity: {cpu: \"4\", memory: 16Gi}}\n      - {name: b, count: 1, zones: [zone-b], capacity: {cpu: \"4\", memory: 16Gi}}\n      - {name: c, count: 1, zones: [zone-c], capacity: {cpu: \"4\", memory: 16Gi}}\n";

const ZONE: &str = "topology.kubernetes.io/zone";
const HOSTNAME: &str = "kubernetes.io/hostname";

#[test]
fn zone_spread_do_not_schedule_puts_two_pods_per_zone() {
    let constraint = "      topologySpreadConstraints:\n      - maxSkew: 1\n        topologyKey: topology.kubernetes.io/zone\n        whenUnsatisfiable: DoNotSchedule\n        labelSelector:\n          matchLabels: {app: web}\n";
    let results = run(&scenario(UNEVEN_ZONES, &deployment("web", 6, constraint)));
    let zones = per_node_label(&results, "web-", ZONE);
    assert_eq!(
        zones,
        BTreeMap::from([
            ("zone-a".to_string(), 2),
            ("zone-b".to_string(), 2),
            ("zone-c".to_string(), 2)
        ])
    );
    assert!(failed_scheduling(&results).is_empty());

    // Without it, only the soft system defaults apply (zone maxSkew 5): zone a, with four empty
    // nodes, takes three.
    let results = run(&scenario(UNEVEN_ZONES, &deployment("web", 6, "")));
    let zones = per_node_label(&results, "web-", ZONE);
    assert_eq!(zones.get("zone-a"), Some(&3), "{zones:?}");
}

#[test]
fn system_default_spreading_follows_the_service() {
    // One big node and two small ones: by resources alone every pod goes to the big node.
    let spec = "  duration: 2m\n  cluster:\n    nodePools:\n      - {name: big, count: 1, capacity: {cpu: \"64\", memory: 256Gi}}\n      - {name: small, count: 2, capacity: {cpu: \"4\", memory: 16Gi}}\n";
    let pods: Vec<String> = (0..6)
        .map(|i| format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-{i}\n  labels: {{app: web}}\nspec:\n  containers:\n  - name: app\n    image: \"app:v1\"\n    resources:\n      requests: {{cpu: 100m, memory: 64Mi}}\n"
        ))
        .collect();
    let bare = pods.join("---\n");
    let results = run(&scenario(spec, &bare));
    let hosts = per_node_label(&results, "web-", HOSTNAME);
    assert_eq!(
        hosts,
        BTreeMap::from([("big-0".to_string(), 6)]),
        "no Service: no spreading"
    );

    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n";
    let results = run(&scenario(spec, &format!("{service}---\n{bare}")));
    let hosts = per_node_label(&results, "web-", HOSTNAME);
    assert_eq!(
        hosts,
        BTreeMap::from([
            ("big-0".to_string(), 2),
            ("small-0".to_string(), 2),
            ("small-1".to_string(), 2)
        ]),
        "hostname maxSkew 3 ScheduleAnyway (weight 2) outweighs LeastAllocated"
    );
}

#[test]
fn required_anti_affinity_on_hostname_leaves_the_fourth_replica_pending() {
    let spec = "  duration: 2m\n  cluster:\n    nodePools:\n      - {name: worker, count: 3, capacity: {cpu: \"4\", memory: 16Gi}}\n";
    let anti = "      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n          - labelSelector:\n              matchLabels: {app: web}\n            topologyKey: kubernetes.io/hostname\n";
    let results = run(&scenario(spec, &deployment("web", 4, anti)));
    let state = &results.world.state;
    let live: Vec<_> = state
        .pods
        .iter()
        .filter(|p| p.name.starts_with("web-") && p.gone.is_none())
        .collect();
    assert_eq!(live.len(), 4);
    let running = live.iter().filter(|p| p.phase == PodPhase::Running).count();
    let pending: Vec<_> = live.iter().filter(|p| p.node.is_none()).collect();
    assert_eq!((running, pending.len()), (3, 1));
    assert_eq!(
        per_node_label(&results, "web-", HOSTNAME)
            .values()
            .copied()
            .collect::<Vec<_>>(),
        [1, 1, 1]
    );
    let failed = failed_scheduling(&results);
    assert!(!failed.is_empty());
    assert_eq!(
        failed[0],
        // The anti-affinity rejection is Unschedulable, so preemption dry-runs every node, but
        // the replicas share the pod's priority: no victim anywhere.
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    );
    // podAntiAffinity is simulated now: no "accepted but not simulated" note.
    assert!(
        !results
            .world
            .notes
            .iter()
            .any(|n| n.contains("podAntiAffinity")),
        "{:?}",
        results.world.notes
    );
}

#[test]
fn required_pod_affinity_co_locates_with_the_target() {
    let spec = "  duration: 3m\n  cluster:\n    nodePools:\n      - {name: worker, count: 4, capacity: {cpu: \"4\", memory: 16Gi}}\n  timeline:\n    - {at: 1m, action: scale, target: deployment/web, replicas: 3}\n";
    let affinity = "      affinity:\n        podAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n          - labelSelector:\n              matchLabels: {app: db}\n            topologyKey: kubernetes.io/hostname\n";
    let manifests = format!(
        "{}---\n{}",
        deployment("db", 1, ""),
        deployment("web", 0, affinity)
    );
    let results = run(&scenario(spec, &manifests));
    let db = per_node_label(&results, "db-", HOSTNAME);
    assert_eq!(db.len(), 1);
    let db_node = db.keys().next().cloned().unwrap_or_default();
    let web = per_node_label(&results, "web-", HOSTNAME);
    assert_eq!(web, BTreeMap::from([(db_node, 3)]));
    assert!(failed_scheduling(&results).is_empty());
}

#[test]
fn spread_and_affinity_fields_are_validated_in_apiserver_wording() {
    let spec = "  duration: 1m\n  cluster:\n    nodePools:\n      - {name: worker, count: 1, capacity: {cpu: \"4\", memory: 16Gi}}\n";
    let cases = [
        (
            "      topologySpreadConstraints:\n      - {maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}\n",
            "spec.template.spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
        ),
        (
            "      topologySpreadConstraints:\n      - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: Sometimes}\n",
            "spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: \"Sometimes\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"",
        ),
        (
            "      topologySpreadConstraints:\n      - {maxSkew: 1, topologyKey: \"\", whenUnsatisfiable: DoNotSchedule}\n",
            "spec.template.spec.topologySpreadConstraints[0].topologyKey: Required value: can not be empty",
        ),
        (
            "      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n          - labelSelector: {matchLabels: {app: web}}\n            topologyKey: \"\"\n",
            "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty",
        ),
        (
            "      affinity:\n        podAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n          - weight: 0\n            podAffinityTerm: {topologyKey: zone}\n",
            "spec.template.spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100",
        ),
    ];
    for (extra, want) in cases {
        let err = load(&scenario(spec, &deployment("web", 1, extra)))
            .err()
            .unwrap_or_else(|| panic!("accepted: {extra}"));
        assert!(err.contains(want), "{err}\nwanted: {want}");
    }
}

#[test]
fn pulled_images_are_known_to_the_scheduler() {
    let spec = "  duration: 1m\n  cluster:\n    nodePools:\n      - {name: worker, count: 3, capacity: {cpu: \"4\", memory: 16Gi}}\n";
    let results = run(&scenario(spec, &deployment("web", 2, "")));
    let world = &results.world;
    for (index, info) in world.node_infos.iter().enumerate() {
        let hosts_web = world.state.nodes[index]
            .pods
            .iter()
            .any(|p| world.state.pod(*p).name.starts_with("web-"));
        assert_eq!(
            info.images.contains_key("app:v1"),
            hosts_web,
            "{}: {:?}",
            info.name(),
            info.images
        );
        assert_eq!(info.pods.len() as i64, info.pod_count);
    }
}
