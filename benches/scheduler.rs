//! The scheduler alone, and a trace replay end to end.
//!
//! # What is measured
//!
//! * `cycle/5000-nodes/*`: one `Scheduler::schedule` call (PreFilter → Filter → PreScore →
//!   Score → select_host) for a pod requesting 500m CPU and 512Mi memory, against 5,000 nodes
//!   (16 CPU, 64Gi, 110 pods; each already running between 0 and 9 pods of assorted sizes, so
//!   scores differ), with the default profile and its default percentageOfNodesToScore (adaptive:
//!   10 % of 5,000 = 500 feasible nodes are searched, then scored). The pod is not bound, so
//!   every iteration sees the same cluster (the round-robin start index still advances, as it
//!   does between real cycles). `plain`: the pod has no Service or controller selecting it;
//!   `default-spread`: a Service selects it, so PodTopologySpread's system default constraints
//!   apply (hostname and zone), as for any Deployment behind a Service.
//! * `cycle/5000-nodes/bare-loop`: the yardstick — a hand-written loop over **all** 5,000 nodes
//!   doing only the NodeResourcesFit filter (CPU, memory, pod count) and the LeastAllocated
//!   score, keeping the best node. No framework, no sampling, no other plugin.
//! * `openb/bulk-default`: the shipped scenario `scenarios/openb-bulk-placement.yaml` (the
//!   Alibaba openb node list, 1,523 nodes, and its `default` pod list, 8,152 pods, submitted at
//!   t=0 in file order), loaded once outside the timed section; each iteration is one
//!   `pipeline::run` to the end (scheduling every pod, kubelets, metrics), invariant checks off.
//!   Skipped when the shared real-data folder is absent.
//!
//! # Goals (issue: the kube-scheduler, faithfully)
//!
//! One cycle at 5,000 nodes ≤ 10 µs with sampling; the openb bulk placement under 1 s.
//!
//! Run with `cargo bench --bench scheduler`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use timonel::model::node::Node;
use timonel::model::pod::{Container, PodSpec, PullPolicy};
use timonel::model::resources::ResourceList;
use timonel::model::selector::LabelSelector;
use timonel::pipeline::{self, DEFAULT_MAX_EVENTS, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};
use timonel::scheduler::{NodeInfo, PodInfo, ScheduleOutcome, Scheduler};
use timonel::sim::rng::RngStreams;

const NODES: usize = 5_000;
const GIB: i64 = 1 << 30;
const MIB: i64 = 1 << 20;

fn resources(cpu_millis: i64, memory_bytes: i64) -> ResourceList {
    ResourceList {
        cpu_millis,
        memory_bytes,
        has_cpu: true,
        has_memory: true,
        ..Default::default()
    }
}

fn spec(cpu_millis: i64, memory_bytes: i64) -> PodSpec {
    PodSpec {
        containers: vec![Container {
            name: "app".into(),
            image: "app:v1".into(),
            pull_policy: PullPolicy::IfNotPresent,
            requests: resources(cpu_millis, memory_bytes),
            limits: ResourceList::default(),
            readiness_probe: None,
            liveness_probe: None,
            startup_probe: None,
            pre_stop_ns: 0,
            pre_stop_handler: false,
            host_ports: Vec::new(),
        }],
        scheduler_name: "default-scheduler".into(),
        ..PodSpec::default()
    }
}

/// 5,000 nodes over 3 zones, each running `i % 10` pods of assorted sizes.
fn cluster() -> Vec<NodeInfo> {
    let sizes = [
        (250, 256 * MIB),
        (500, 512 * MIB),
        (1000, GIB),
        (2000, 4 * GIB),
    ];
    let mut uid = 0;
    (0..NODES)
        .map(|i| {
            let name = format!("node-{i}");
            let mut labels = BTreeMap::new();
            labels.insert("kubernetes.io/hostname".to_string(), name.clone());
            labels.insert(
                "topology.kubernetes.io/zone".to_string(),
                format!("zone-{}", i % 3),
            );
            let mut allocatable = resources(16_000, 64 * GIB);
            allocatable.pods = 110;
            let mut info = NodeInfo::new(Arc::new(Node {
                name,
                labels,
                capacity: allocatable.clone(),
                allocatable,
                taints: Vec::new(),
                unschedulable: false,
                ready: true,
                pool: None,
            }));
            let pod_labels: BTreeMap<String, String> =
                [("app".to_string(), format!("svc-{}", i % 7))].into();
            for k in 0..(i % 10) {
                let (cpu, memory) = sizes[(i + k) % sizes.len()];
                uid += 1;
                let s = spec(cpu, memory);
                info.add_pod(&PodInfo::new("default", "existing", &pod_labels, &s, uid));
            }
            info
        })
        .collect()
}

/// The yardstick: Fit (CPU, memory, pods) + LeastAllocated over every node, best node kept.
fn bare_loop(nodes: &[NodeInfo], cpu_millis: i64, memory_bytes: i64) -> Option<usize> {
    let mut best: Option<(i64, usize)> = None;
    for (i, n) in nodes.iter().enumerate() {
        let a = &n.node.allocatable;
        let free_cpu = a.cpu_millis - n.requested.cpu_millis;
        let free_memory = a.memory_bytes - n.requested.memory_bytes;
        if free_cpu < cpu_millis || free_memory < memory_bytes || n.pod_count + 1 > a.pods {
            continue;
        }
        let cpu_score = (free_cpu - cpu_millis) * 100 / a.cpu_millis;
        let memory_score = (free_memory - memory_bytes) * 100 / a.memory_bytes;
        let score = (cpu_score + memory_score) / 2;
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, i));
        }
    }
    best.map(|(_, i)| i)
}

fn cycle(c: &mut Criterion) {
    let nodes = cluster();
    let pod_spec = spec(500, 512 * MIB);
    let pod_labels: BTreeMap<String, String> = [("app".to_string(), "bench".to_string())].into();
    let mut group = c.benchmark_group("cycle/5000-nodes");
    group.measurement_time(Duration::from_secs(5));

    let mut scheduler = Scheduler::with_default_profile();
    let mut rng = RngStreams::new(1).stream("scheduler");
    let plain = PodInfo::new("default", "bench", &pod_labels, &pod_spec, u64::MAX);
    assert!(matches!(
        scheduler.schedule(&plain, &nodes, &mut rng),
        ScheduleOutcome::Scheduled { .. }
    ));
    group.bench_function("plain", |b| {
        b.iter(|| black_box(scheduler.schedule(black_box(&plain), &nodes, &mut rng)))
    });

    let spread = PodInfo {
        default_spread_selector: Some(LabelSelector::from_labels(&pod_labels)),
        ..plain.clone()
    };
    group.bench_function("default-spread", |b| {
        b.iter(|| black_box(scheduler.schedule(black_box(&spread), &nodes, &mut rng)))
    });

    assert!(bare_loop(&nodes, 500, 512 * MIB).is_some());
    group.bench_function("bare-loop", |b| {
        b.iter(|| black_box(bare_loop(black_box(&nodes), 500, 512 * MIB)))
    });
    group.finish();
}

fn openb(c: &mut Criterion) {
    let root = env!("CARGO_MANIFEST_DIR");
    let path = format!("{root}/scenarios/openb-bulk-placement.yaml");
    let trace =
        format!("{root}/../shared/real-data/traces/alibaba-openb-v2023/openb_pod_list_default.csv");
    if !std::path::Path::new(&trace).is_file() {
        eprintln!("openb trace absent: skipping openb/bulk-default");
        return;
    }
    let text = std::fs::read_to_string(&path).expect("shipped scenario");
    let scenarios = scenario::load(&[Input { path, text }], LoadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let s = &scenarios[0];
    let options = RunOptions {
        seed: s.seed,
        until: s.duration,
        max_events: DEFAULT_MAX_EVENTS,
        check_invariants: false,
        record_scheduling: false,
    };
    let mut group = c.benchmark_group("openb");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("bulk-default", |b| {
        b.iter(|| black_box(pipeline::run(s, options).expect("run")))
    });
    group.finish();
}

criterion_group!(benches, cycle, openb);
criterion_main!(benches);
