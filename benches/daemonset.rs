//! End to end: one rolling update of a DaemonSet on 100 nodes.
//!
//! # What is measured
//!
//! The scenario is built in code (see [`scenario_yaml`]): a node pool of 100 nodes (cpu 32,
//! memory 128Gi), one DaemonSet (requests cpu 100m, memory 128Mi; strategy RollingUpdate with
//! maxUnavailable 10 %, so 10 nodes at a time; minReadySeconds 5), every image
//! `{pull: 2s, start: 1s, ready: 2s}`, a `setImage` at 2m and a duration of 15m. It is loaded
//! once, outside the timed section; each iteration times one `pipeline::run` (seed 1, until =
//! the duration, the default budget of events, invariant checks off): building the world, the
//! whole step loop — DaemonSet controller, scheduling, kubelet, metrics recording — expectation
//! evaluation, and dropping the results.
//!
//! Before measuring, one run is checked to end with the rollout complete (the DaemonSet's status
//! has `updated == available == 100`), so the bench cannot silently time a broken run. Criterion
//! also reports the run's events per second (throughput = events processed by one run).
//!
//! Run with `cargo bench --bench daemonset`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use timonel::pipeline::{self, DEFAULT_MAX_EVENTS, RunOptions};
use timonel::scenario::{self, Input, LoadOptions, Scenario};

/// Nodes in the pool (one daemon pod each).
const NODES: i64 = 100;

/// The scenario: a Scenario document and the DaemonSet.
fn scenario_yaml() -> String {
    format!(
        r#"apiVersion: timonel/v1alpha1
kind: Scenario
metadata:
  name: bench-daemonset
spec:
  seed: 1
  duration: 15m
  cluster:
    nodePools:
      - name: pool
        count: {NODES}
        capacity: {{cpu: "32", memory: 128Gi}}
  images:
    default: {{pull: 2s, start: 1s, ready: 2s}}
  timeline:
    - at: 2m
      action: setImage
      target: daemonset/agent
      container: agent
      image: "registry.example/agent:2"
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  labels:
    app: agent
spec:
  minReadySeconds: 5
  selector:
    matchLabels:
      app: agent
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 10%
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
        - name: agent
          image: "registry.example/agent:1"
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
"#
    )
}

fn load_scenario() -> Scenario {
    let inputs = [Input {
        path: "benches/daemonset.yaml".into(),
        text: scenario_yaml(),
    }];
    let mut scenarios = scenario::load(&inputs, LoadOptions::default())
        .unwrap_or_else(|e| panic!("the bench scenario does not load: {e}"));
    assert_eq!(scenarios.len(), 1, "expected exactly one scenario");
    scenarios.remove(0)
}

fn daemonset_rolling_update(c: &mut Criterion) {
    let scenario = load_scenario();
    let options = RunOptions {
        seed: 1,
        until: scenario.duration,
        max_events: DEFAULT_MAX_EVENTS,
        check_invariants: false,
        record_scheduling: false,
    };

    // Check once that the run does what the bench claims to measure.
    let results = pipeline::run(&scenario, options).expect("the bench scenario runs");
    let daemonsets: Vec<_> = results.world.state.daemonsets.values().collect();
    assert_eq!(daemonsets.len(), 1, "expected one DaemonSet");
    let status = &daemonsets[0].status;
    assert!(
        status.updated == NODES && status.available == NODES,
        "the rollout did not complete: updated {}, available {} (want {NODES} each)",
        status.updated,
        status.available
    );
    let events = results.events_processed;
    eprintln!("daemonset: {events} events per run, rollout complete");
    drop(results);

    let mut group = c.benchmark_group("daemonset");
    group
        .throughput(Throughput::Elements(events))
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    group.bench_function("rolling_update_100_nodes", |b| {
        b.iter(|| pipeline::run(black_box(&scenario), black_box(options)).expect("run"));
    });
    group.finish();
}

criterion_group!(benches, daemonset_rolling_update);
criterion_main!(benches);
