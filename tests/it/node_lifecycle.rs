//! Node failures: the node lifecycle controller's timing chain (heartbeats every 10 s, monitor
//! ticks every 5 s, grace period 50 s from v1.32 and 40 s before, unreachable taints, 300 s
//! default tolerations), per-zone eviction rate limits, the node and zone fault actions, the
//! random fault processes and the fault log. SPEC §0, §8, §14 pitfall 8; CONTRACT §1.

use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

use crate::support::{stderr, temp_dir, timonel};

/// A Deployment of `replicas` pods, one per node (hard hostname spread), plain nginx.
fn deployment(replicas: usize) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      topologySpreadConstraints:\n      - {{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {{matchLabels: {{app: web}}}}}}\n      containers:\n      - name: nginx\n        image: nginx:1.25\n        resources:\n          requests: {{cpu: 100m, memory: 64Mi}}\n"
    )
}

/// A scenario: `spec_tail` holds the `cluster:` block and anything after it (indented 2).
fn text(version: &str, duration: &str, spec_tail: &str, manifests: &str) -> String {
    format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: nodes\nspec:\n  duration: {duration}\n  kubernetesVersion: \"{version}\"\n  images:\n    default: {{pull: 2s, start: 1s, ready: 0s}}\n{spec_tail}---\n{manifests}"
    )
}

fn pool(count: usize, zones: &str) -> String {
    format!(
        "  cluster:\n    nodePools:\n      - {{name: worker, count: {count}, zones: [{zones}], capacity: {{cpu: \"8\", memory: 32Gi}}}}\n"
    )
}

fn run_seed(text: &str, seed: Option<u64>) -> RunResults {
    let scenarios = scenario::load(
        &[Input {
            path: "nodes.yaml".into(),
            text: text.to_string(),
        }],
        LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let s = &scenarios[0];
    pipeline::run(
        s,
        RunOptions {
            seed: seed.unwrap_or(s.seed),
            until: s.duration,
            max_events: 5_000_000,
            check_invariants: true,
            record_scheduling: false,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn run(text: &str) -> RunResults {
    run_seed(text, None)
}

fn load_error(text: &str) -> String {
    scenario::load(
        &[Input {
            path: "nodes.yaml".into(),
            text: text.to_string(),
        }],
        LoadOptions::default(),
    )
    .map(|_| ())
    .expect_err("must be rejected")
    .to_string()
}

/// Times (ms) of the events with `reason`.
fn times(r: &RunResults, reason: &str) -> Vec<u64> {
    r.world
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| e.time.as_millis())
        .collect()
}

/// The points of one series of the run.
fn series(r: &RunResults, object: &str, metric: &str) -> Vec<(u64, f64)> {
    let id = r.recorder.series_id(object, metric).expect("series");
    r.recorder.points(id)
}

fn timeline(actions: &[&str]) -> String {
    let mut out = String::from("  timeline:\n");
    for a in actions {
        out.push_str(&format!("    - {a}\n"));
    }
    out
}

#[test]
fn failure_to_replacement_timing_chain_for_both_grace_periods() {
    // (version, failNode at, NodeNotReady, TaintManagerEviction = replacement created,
    //  replacement ready). Leases every 10 s from 0, so the last heartbeat before a failure at
    // 120 s is at 110 s; Unknown at the first 5 s tick strictly after 110 s + grace; the
    // NoExecute taint one tick later; eviction 300 s after the taint; the replacement starts in
    // 1 s on a node that has the image.
    let cases = [
        ("1.33", "2m", 165_000, 470_000, 471_000),
        ("1.32", "2m", 165_000, 470_000, 471_000),
        ("1.31", "2m", 155_000, 460_000, 461_000),
        ("1.33", "123s", 175_000, 480_000, 481_000),
        ("1.31", "123s", 165_000, 470_000, 471_000),
    ];
    for (version, fail_at, not_ready_ms, evicted_ms, ready_ms) in cases {
        let r = run(&text(
            version,
            "15m",
            &format!(
                "{}{}",
                pool(3, "zone-a, zone-b, zone-c"),
                timeline(&[
                    &format!("{{at: {fail_at}, action: failNode, node: worker-1}}"),
                    "{at: 12m, action: recoverNode, node: worker-1}",
                ])
            ),
            &deployment(3),
        ));
        let label = format!("v{version} failNode at {fail_at}");
        assert_eq!(times(&r, "NodeNotReady"), vec![not_ready_ms], "{label}");
        assert_eq!(
            times(&r, "TaintManagerEviction"),
            vec![evicted_ms],
            "{label}"
        );
        let state = &r.world.state;
        let evicted: Vec<_> = state
            .pods
            .iter()
            .filter(|p| p.end_reason.as_deref() == Some("DeletionByTaintManager"))
            .collect();
        assert_eq!(evicted.len(), 1, "{label}");
        let old = evicted[0];
        assert_eq!(state.nodes[old.node.unwrap().0].node.name, "worker-1");
        assert_eq!(old.deletion.map(|t| t.as_millis()), Some(evicted_ms));
        // Terminating on the dead node until it is back (12m), then killed at once.
        assert_eq!(old.gone.map(|t| t.as_millis()), Some(720_000), "{label}");
        let replacement = state
            .pods
            .iter()
            .find(|p| p.created.as_millis() == evicted_ms)
            .expect("replacement");
        assert_ne!(
            state.nodes[replacement.node.unwrap().0].node.name,
            "worker-1"
        );
        assert_eq!(
            replacement.first_ready.map(|t| t.as_millis()),
            Some(ready_ms),
            "{label}"
        );
        assert_eq!(times(&r, "NodeReady"), vec![720_000], "{label}");
        let faults = &r.world.fault_log;
        assert_eq!(faults.len(), 1);
        assert_eq!(faults[0].kind, "failNode");
        assert_eq!(faults[0].target, "node/worker-1");
        assert_eq!(
            faults[0].detected.map(|t| t.as_millis()),
            Some(not_ready_ms)
        );
        assert_eq!(faults[0].recovered.map(|t| t.as_millis()), Some(720_000));
    }
}

#[test]
fn a_crashed_node_stops_serving_at_once_a_partitioned_one_does_not() {
    let service = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n---\n";
    for (action, lost) in [("failNode", true), ("partitionNode", false)] {
        let r = run(&text(
            "1.33",
            "10m",
            &format!(
                "{}  traffic:\n    - {{service: web, rps: 300, perPodRps: 100}}\n{}",
                pool(3, "zone-a"),
                timeline(&[&format!("{{at: 2m, action: {action}, node: worker-1}}")])
            ),
            &format!("{service}{}", deployment(3)),
        ));
        let summary = timonel::metrics::summary::build(&r);
        let served = summary["services"]["default/web"]["served_fraction"]
            .as_f64()
            .unwrap();
        // With a crash, the dead pod's third of the 300 rps is lost from 2m, while it is still
        // an endpoint; with a partition it answers until it leaves the endpoints one propagation
        // delay after NodeNotReady (2m45s + 1s). From then on both lose the capacity of one pod.
        let pod = r
            .world
            .state
            .pods
            .iter()
            .find(|p| p.end_reason.as_deref() == Some("DeletionByTaintManager"))
            .expect("evicted pod");
        assert!(pod.gone.is_none(), "{action}: still Terminating at the end");
        assert_eq!(
            pod.container_running.iter().all(|r| *r),
            !lost,
            "{action}: containers running on the node"
        );
        let ready_endpoints = series(&r, "service/web", "ready_endpoints")
            .into_iter()
            .find(|(t, v)| *t > 120_000 && *v < 3.0)
            .map(|(t, _)| t);
        // kube-proxy follows NodeNotReady (165 s) one propagation delay (1 s) later.
        assert_eq!(ready_endpoints, Some(166_000), "{action}");
        let served_rps = series(&r, "service/web", "served_rps")
            .into_iter()
            .find(|(t, v)| *t >= 120_000 && *v < 300.0)
            .map(|(t, _)| t);
        assert_eq!(
            served_rps,
            Some(if lost { 120_000 } else { 166_000 }),
            "{action}: when served traffic first drops"
        );
        assert!(served < 1.0, "{action}: {served}");
    }
}

#[test]
fn a_healed_partition_posts_at_the_next_heartbeat_and_the_deleted_pod_is_killed() {
    // Partitioned at 2m: evicted at 470 s but still running; healed at 12m5s: the kubelet's
    // watch learns of the deletion at once and, the grace period long over, kills the pod at
    // once; its node status goes out at its next heartbeat (every 10 s from 0): 730 s.
    let r = run(&text(
        "1.33",
        "15m",
        &format!(
            "{}{}",
            pool(3, "zone-a"),
            timeline(&[
                "{at: 2m, action: partitionNode, node: worker-1}",
                "{at: 725s, action: healPartition, node: worker-1}",
            ])
        ),
        &deployment(3),
    ));
    assert_eq!(times(&r, "NodeNotReady"), vec![165_000]);
    assert_eq!(times(&r, "TaintManagerEviction"), vec![470_000]);
    assert_eq!(times(&r, "NodeReady"), vec![730_000]);
    let old = r
        .world
        .state
        .pods
        .iter()
        .find(|p| p.end_reason.as_deref() == Some("DeletionByTaintManager"))
        .expect("evicted pod");
    assert_eq!(old.gone.map(|t| t.as_millis()), Some(725_000));
    assert_eq!(old.restarts, 0, "its container never stopped before");
    let fault = &r.world.fault_log[0];
    assert_eq!(fault.kind, "partitionNode");
    assert_eq!(fault.repaired.map(|t| t.as_millis()), Some(725_000));
    assert_eq!(fault.recovered.map(|t| t.as_millis()), Some(730_000));
}

#[test]
fn recover_before_detection_restarts_the_containers_without_any_eviction() {
    let r = run(&text(
        "1.33",
        "5m",
        &format!(
            "{}{}",
            pool(3, "zone-a"),
            timeline(&[
                "{at: 60s, action: failNode, node: worker-1}",
                "{at: 90s, action: recoverNode, node: worker-1}",
            ])
        ),
        &deployment(3),
    ));
    assert!(times(&r, "NodeNotReady").is_empty());
    assert!(times(&r, "TaintManagerEviction").is_empty());
    let state = &r.world.state;
    let on_node: Vec<_> = state
        .pods
        .iter()
        .filter(|p| {
            p.node
                .is_some_and(|n| state.nodes[n.0].node.name == "worker-1")
        })
        .collect();
    assert_eq!(on_node.len(), 1);
    let pod = on_node[0];
    assert_eq!(pod.restarts, 1, "its container restarted");
    assert!(pod.ready && pod.gone.is_none());
    assert_eq!(pod.ready_since.map(|t| t.as_millis()), Some(91_000));
    assert_eq!(r.world.fault_log[0].detected, None);
    assert_eq!(
        r.world.fault_log[0].recovered.map(|t| t.as_millis()),
        Some(90_000)
    );
}

#[test]
fn recovery_before_the_toleration_expires_cancels_the_eviction() {
    // Down at 60s: NotReady at 105 s, unreachable:NoExecute at 110 s (eviction due at 410 s);
    // back at 241 s: Ready at once, the NoExecute taint goes at the next tick (245 s).
    let r = run(&text(
        "1.33",
        "10m",
        &format!(
            "{}{}",
            pool(3, "zone-a"),
            timeline(&[
                "{at: 60s, action: failNode, node: worker-1}",
                "{at: 241s, action: recoverNode, node: worker-1}",
            ])
        ),
        &deployment(3),
    ));
    let evictions: Vec<(u64, String)> = r
        .world
        .events
        .iter()
        .filter(|e| e.reason == "TaintManagerEviction")
        .map(|e| (e.time.as_millis(), e.message.clone()))
        .collect();
    assert_eq!(evictions.len(), 1, "{evictions:?}");
    assert_eq!(evictions[0].0, 245_000);
    assert!(
        evictions[0]
            .1
            .starts_with("Cancelling deletion of Pod default/web-")
    );
    assert_eq!(times(&r, "NodeReady"), vec![241_000]);
    assert_eq!(r.world.state.pods.len(), 3, "no pod replaced");
    assert!(
        r.world
            .state
            .pods
            .iter()
            .all(|p| p.ready && p.deletion.is_none())
    );
}

/// Eviction times in a 60-node zone-a (plus 3 nodes in zone-b) when `failed` of its nodes fail
/// at 60 s.
fn zone_evictions(failed: usize, duration: &str) -> Vec<u64> {
    let actions: Vec<String> = (0..failed)
        .map(|i| format!("{{at: 60s, action: failNode, node: a-{i}}}"))
        .collect();
    let refs: Vec<&str> = actions.iter().map(String::as_str).collect();
    let cluster = "  cluster:\n    nodePools:\n      - {name: a, count: 60, zones: [zone-a], capacity: {cpu: \"8\", memory: 32Gi}}\n      - {name: b, count: 3, zones: [zone-b], capacity: {cpu: \"8\", memory: 32Gi}}\n";
    let r = run(&text(
        "1.33",
        duration,
        &format!("{cluster}{}", timeline(&refs)),
        &deployment(63),
    ));
    assert_eq!(times(&r, "NodeNotReady").len(), failed);
    times(&r, "TaintManagerEviction")
}

#[test]
fn evictions_in_a_zone_are_rate_limited() {
    // 10 of 60 nodes (< 55 %): Normal, 0.1 node/s: one node's pods every ~10 s.
    let t = zone_evictions(10, "10m");
    assert_eq!(t.len(), 10, "{t:?}");
    assert_eq!(t[0], 410_000);
    for pair in t.windows(2) {
        assert!((9_900..=10_100).contains(&(pair[1] - pair[0])), "{t:?}");
    }
    // 40 of 60 (≥ 55 %, more than 50 nodes): PartialDisruption, 0.01 node/s: ~100 s apart.
    let t = zone_evictions(40, "12m");
    assert!(t.len() >= 3, "{t:?}");
    for pair in t.windows(2) {
        assert!((99_900..=100_100).contains(&(pair[1] - pair[0])), "{t:?}");
    }
}

#[test]
fn small_partially_disrupted_zone_and_full_disruption_stop_evictions() {
    // 3 of 4 nodes of zone-a (≤ 50 nodes): no eviction at all in zone-a.
    let cluster = "  cluster:\n    nodePools:\n      - {name: a, count: 4, zones: [zone-a], capacity: {cpu: \"8\", memory: 32Gi}}\n      - {name: b, count: 2, zones: [zone-b], capacity: {cpu: \"8\", memory: 32Gi}}\n";
    let r = run(&text(
        "1.33",
        "20m",
        &format!(
            "{cluster}{}",
            timeline(&[
                "{at: 60s, action: failNode, node: a-0}",
                "{at: 60s, action: failNode, node: a-1}",
                "{at: 60s, action: failNode, node: a-2}",
            ])
        ),
        &deployment(6),
    ));
    assert_eq!(times(&r, "NodeNotReady").len(), 3);
    assert!(times(&r, "TaintManagerEviction").is_empty());
    // Every zone fully disrupted (the only zone fails): the controller assumes a control-plane
    // problem and evicts nothing.
    let r = run(&text(
        "1.33",
        "20m",
        &format!(
            "{}{}",
            pool(3, "zone-a"),
            timeline(&["{at: 60s, action: failZone, zone: zone-a}"])
        ),
        &deployment(3),
    ));
    assert_eq!(times(&r, "NodeNotReady").len(), 3);
    assert!(times(&r, "TaintManagerEviction").is_empty());
    assert!(r.world.state.nodes.iter().all(|n| {
        n.node
            .taints
            .iter()
            .all(|t| t.effect != timonel::model::node::TaintEffect::NoExecute)
    }));
}

#[test]
fn delete_node_removes_its_pods_at_once_and_the_scheduler_forgets_it() {
    let r = run(&text(
        "1.33",
        "5m",
        &format!(
            "{}{}",
            pool(3, "zone-a"),
            timeline(&[
                "{at: 60s, action: failNode, node: worker-1}",
                "{at: 2m, action: deleteNode, node: worker-1}",
            ])
        ),
        &deployment(3),
    ));
    let state = &r.world.state;
    let worker1 = state
        .nodes
        .iter()
        .position(|n| n.node.name == "worker-1")
        .unwrap();
    assert!(!state.nodes[worker1].exists);
    let old: Vec<_> = state
        .pods
        .iter()
        .filter(|p| p.node.map(|n| n.0) == Some(worker1))
        .collect();
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].gone.map(|t| t.as_millis()), Some(120_000));
    let live = state.pods.iter().filter(|p| p.gone.is_none()).count();
    assert_eq!(live, 3);
    assert!(
        state
            .pods
            .iter()
            .filter(|p| p.gone.is_none())
            .all(|p| p.node.is_some_and(|n| n.0 != worker1) && p.ready)
    );
    assert_eq!(times(&r, "RemovingNode"), vec![120_000]);
}

#[test]
fn add_nodes_continue_the_pool_numbering_and_take_the_pending_pods() {
    let r = run(&text(
        "1.33",
        "5m",
        &format!(
            "  cluster:\n    nodePools:\n      - {{name: worker, count: 2, zones: [zone-a, zone-b], capacity: {{cpu: \"1\", memory: 4Gi}}}}\n{}",
            timeline(&[
                "{at: 60s, action: addNodes, pool: worker, count: 2}",
                // A later action may name an added node.
                "{at: 290s, action: failNode, node: worker-3}",
            ])
        ),
        &deployment(4).replace("cpu: 100m", "cpu: 600m"),
    ));
    let state = &r.world.state;
    let names: Vec<&str> = state.nodes.iter().map(|n| n.node.name.as_str()).collect();
    assert_eq!(names, ["worker-0", "worker-1", "worker-2", "worker-3"]);
    assert_eq!(state.nodes[2].node.zone(), Some("zone-a"));
    assert_eq!(state.nodes[3].node.zone(), Some("zone-b"));
    let late: Vec<_> = state
        .pods
        .iter()
        .filter(|p| p.scheduled.is_some_and(|t| t.as_millis() >= 60_000))
        .collect();
    assert_eq!(
        late.len(),
        2,
        "the two pending pods found room on the new nodes"
    );
    assert!(
        late.iter()
            .all(|p| p.node.is_some_and(|n| n.0 >= 2) && p.ready)
    );
}

#[test]
fn a_node_added_in_a_zone_that_is_down_gets_the_startup_grace_period() {
    // zone-b fails at 30 s (worker-1: heartbeat at 20 s, NotReady at 75 s); worker-3 is added
    // in zone-b at 60 s and never posts: Unknown strictly after 60 s + 60 s startup grace (tick
    // at 125 s), without NodeNotReady (it never was Ready). Both are Ready when the zone is back.
    let r = run(&text(
        "1.33",
        "5m",
        &format!(
            "{}{}",
            pool(2, "zone-a, zone-b"),
            timeline(&[
                "{at: 30s, action: failZone, zone: zone-b}",
                "{at: 60s, action: addNodes, pool: worker, count: 2}",
                "{at: 200s, action: recoverZone, zone: zone-b}",
            ])
        ),
        &deployment(2),
    ));
    assert_eq!(times(&r, "NodeNotReady"), vec![75_000]);
    assert_eq!(times(&r, "NodeReady"), vec![200_000, 200_000]);
    assert_eq!(
        series(&r, "node/worker-3", "ready"),
        vec![(0, 0.0), (200_000, 1.0)]
    );
    assert_eq!(
        series(&r, "node/worker-2", "ready"),
        vec![(0, 0.0), (60_000, 1.0)]
    );
    let fault = &r.world.fault_log[0];
    assert_eq!(fault.target, "zone/zone-b");
    assert_eq!(fault.detected.map(|t| t.as_millis()), Some(75_000));
    assert_eq!(fault.recovered.map(|t| t.as_millis()), Some(200_000));
    assert_eq!(
        r.world.node_lifecycle.nodes[3].probe_ns, 200_000_000_000,
        "the kubelet's first post"
    );
}

fn random_scenario() -> String {
    text(
        "1.33",
        "6h",
        &format!(
            "{}  faults:\n    - {{kind: nodeCrash, pool: worker, mttf: 1h, mttr: 10m}}\n    - {{kind: zoneOutage, zones: [zone-b], mttf: {{dist: exponential, mean: 3h}}, mttr: 20m}}\n",
            pool(4, "zone-a, zone-b")
        ),
        &deployment(4),
    )
}

#[test]
fn random_faults_depend_only_on_seed_and_scenario() {
    let a = run_seed(&random_scenario(), Some(1));
    let b = run_seed(&random_scenario(), Some(1));
    let c = run_seed(&random_scenario(), Some(2));
    let log = &a.world.fault_log;
    assert!(log.len() >= 4, "{log:?}");
    assert!(log.iter().any(|f| f.kind == "nodeCrash"));
    assert!(log.iter().any(|f| f.kind == "zoneOutage"));
    assert_eq!(log, &b.world.fault_log);
    assert_ne!(log, &c.world.fault_log);
    assert_eq!(
        timonel::metrics::summary::build(&a)["faults"],
        timonel::metrics::summary::build(&b)["faults"]
    );
    // Every crash longer than the grace period was noticed; every repaired one recovered.
    for f in &a.world.fault_log {
        if let (Some(repaired), Some(_)) = (f.repaired, f.detected) {
            assert!(f.recovered.is_some_and(|r| r >= repaired), "{f:?}");
        }
    }
}

#[test]
fn container_crash_restarts_containers_per_the_restart_policy() {
    let r = run(&text(
        "1.33",
        "1h",
        &format!(
            "{}  faults:\n    - {{kind: containerCrash, selector: {{app: web}}, mttf: 10m}}\n",
            pool(3, "zone-a")
        ),
        &deployment(3),
    ));
    let restarts: i64 = r.world.state.pods.iter().map(|p| p.restarts).sum();
    assert!(restarts >= 6, "about 3 pods × 6 crashes/h, got {restarts}");
    assert_eq!(
        r.world.state.pods.len(),
        3,
        "restarted in place, never replaced"
    );
}

#[test]
fn fault_targets_are_resolved_at_load_time() {
    use timonel::model::behavior::DurationDist;
    use timonel::scenario::spec::FaultKind;
    let cluster = "  cluster:\n    nodePools:\n      - {name: a, count: 2, zones: [z1, z2], capacity: {cpu: \"8\", memory: 32Gi}}\n      - {name: b, count: 1, zones: [z3], capacity: {cpu: \"8\", memory: 32Gi}}\n";
    let nodes = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let cases: [(&str, FaultKind); 6] = [
        (
            "{kind: nodeCrash, mttf: 1h, mttr: 5m}",
            FaultKind::NodeCrash {
                nodes: nodes(&["a-0", "a-1", "b-0"]),
                mttr: DurationDist::Exponential {
                    mean_ns: 300_000_000_000,
                },
            },
        ),
        (
            "{kind: nodeCrash, pool: b, mttf: 1h, mttr: {dist: exponential, mean: 5m}}",
            FaultKind::NodeCrash {
                nodes: nodes(&["b-0"]),
                mttr: DurationDist::Exponential {
                    mean_ns: 300_000_000_000,
                },
            },
        ),
        (
            "{kind: nodeCrash, nodes: [a-1], mttf: 1h, mttr: 5m}",
            FaultKind::NodeCrash {
                nodes: nodes(&["a-1"]),
                mttr: DurationDist::Exponential {
                    mean_ns: 300_000_000_000,
                },
            },
        ),
        (
            "{kind: zoneOutage, zone: z2, mttf: 1h, mttr: 5m}",
            FaultKind::ZoneOutage {
                zones: nodes(&["z2"]),
                mttr: DurationDist::Exponential {
                    mean_ns: 300_000_000_000,
                },
            },
        ),
        (
            "{kind: zoneOutage, zone: z2, mttf: 1h, mttr: {dist: constant, mean: 5m}}",
            FaultKind::ZoneOutage {
                zones: nodes(&["z2"]),
                mttr: DurationDist::Fixed(300_000_000_000),
            },
        ),
        (
            "{kind: zoneOutage, mttf: 1h, mttr: 5m}",
            FaultKind::ZoneOutage {
                zones: nodes(&["z1", "z2", "z3"]),
                mttr: DurationDist::Exponential {
                    mean_ns: 300_000_000_000,
                },
            },
        ),
    ];
    for (fault, expected) in cases {
        let scenarios = scenario::load(
            &[Input {
                path: "nodes.yaml".into(),
                text: text(
                    "1.33",
                    "5m",
                    &format!("{cluster}  faults:\n    - {fault}\n"),
                    &deployment(1),
                ),
            }],
            LoadOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{fault}: {e}"));
        let faults = &scenarios[0].faults;
        assert_eq!(faults.len(), 1);
        assert_eq!(faults[0].kind, expected, "{fault}");
        // A plain MTTF is the mean of an exponential.
        assert_eq!(
            faults[0].mttf,
            DurationDist::Exponential {
                mean_ns: 3_600_000_000_000
            }
        );
    }
}

#[test]
fn unknown_nodes_zones_pools_and_bad_faults_are_validation_errors() {
    let base = |tail: &str| {
        text(
            "1.33",
            "5m",
            &format!("{}{tail}", pool(2, "zone-a")),
            &deployment(1),
        )
    };
    let cases = [
        (
            timeline(&["{at: 1m, action: failNode, node: worker-9}"]),
            "nodes.yaml:14:",
            "spec.timeline[0].node: Not found: \"worker-9\"",
        ),
        (
            timeline(&["{at: 1m, action: failZone, zone: zone-x}"]),
            "nodes.yaml:14:",
            "spec.timeline[0].zone: Not found: \"zone-x\"",
        ),
        (
            timeline(&["{at: 1m, action: addNodes, pool: gpu, count: 1}"]),
            "nodes.yaml:14:",
            "spec.timeline[0].pool: Not found: \"gpu\"",
        ),
        (
            timeline(&["{at: 1m, action: addNodes, pool: worker}"]),
            "nodes.yaml:14:",
            "spec.timeline[0].count: Required value",
        ),
        (
            "  faults:\n    - {kind: diskFull, mttf: 1h}\n".to_string(),
            "nodes.yaml:14:",
            "spec.faults[0].kind: Unsupported value: \"diskFull\"",
        ),
        (
            "  faults:\n    - {kind: nodeCrash, mttr: 1h}\n".to_string(),
            "nodes.yaml:14:",
            "spec.faults[0].mttf: Required value",
        ),
        (
            "  faults:\n    - {kind: zoneOutage, zones: [nowhere], mttf: 1h, mttr: 1m}\n"
                .to_string(),
            "nodes.yaml:14:",
            "spec.faults[0].zones: Not found: \"nowhere\"",
        ),
    ];
    for (tail, position, message) in cases {
        let error = load_error(&base(&tail));
        assert!(error.starts_with(position), "{error}");
        assert!(error.contains(message), "{error}");
    }
    // Through the binary: exit 2 with the position.
    let dir = temp_dir("node-validation");
    let file = dir.join("bad.yaml");
    std::fs::write(
        &file,
        base(&timeline(&["{at: 1m, action: partitionNode, node: nope}"])),
    )
    .unwrap();
    let out = timonel(&["validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("bad.yaml:14:"), "{}", stderr(&out));
}
