//! End to end: one rolling update of a 1,000-replica Deployment on 100 nodes.
//!
//! # What is measured
//!
//! The scenario is built in code (see [`scenario_yaml`]): a node pool of 100 nodes (cpu 32,
//! memory 128Gi), one Deployment of 1,000 replicas (requests cpu 100m, memory 128Mi; strategy
//! RollingUpdate with maxSurge 25 % and maxUnavailable 25 %), a Service selecting its pods, every
//! image `{pull: 2s, start: 1s, ready: 2s}`, a `setImage` at 2m and a duration of 15m. It is
//! loaded once, outside the timed section; each iteration times one `pipeline::run` (seed 1,
//! until = the duration, the default budget of 50,000,000 events, invariant checks off): building
//! the world, the whole step loop — scheduling, kubelet, controllers, endpoints, metrics recording
//! — expectation evaluation, and dropping the results.
//!
//! Before measuring, one run is checked to end with the rollout complete (the Deployment's status
//! has `updated == available == 1000`), so the bench cannot silently time a broken run. Criterion
//! also reports the run's events per second (throughput = events processed by one run).
//!
//! # Goal
//!
//! Under 50 ms per run in a release build.
//!
//! Run with `cargo bench --bench rolling_update`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use timonel::pipeline::{self, DEFAULT_MAX_EVENTS, RunOptions};
use timonel::scenario::{self, Input, LoadOptions, Scenario};

/// Nodes in the pool.
const NODES: u32 = 100;
/// Deployment replicas.
const REPLICAS: i64 = 1_000;

/// The scenario: a Scenario document, the Deployment and its Service.
fn scenario_yaml() -> String {
    format!(
        r#"apiVersion: timonel/v1alpha1
kind: Scenario
metadata:
  name: bench-rolling-update
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
      target: deployment/web
      container: web
      image: "registry.example/web:2"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: {REPLICAS}
  selector:
    matchLabels:
      app: web
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 25%
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: "registry.example/web:1"
          ports:
            - containerPort: 8080
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
"#
    )
}

fn load_scenario() -> Scenario {
    let inputs = [Input {
        path: "benches/rolling-update.yaml".into(),
        text: scenario_yaml(),
    }];
    let mut scenarios = scenario::load(&inputs, LoadOptions::default())
        .unwrap_or_else(|e| panic!("the bench scenario does not load: {e}"));
    assert_eq!(scenarios.len(), 1, "expected exactly one scenario");
    scenarios.remove(0)
}

fn rolling_update(c: &mut Criterion) {
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
    let deployments: Vec<_> = results.world.state.deployments.values().collect();
    assert_eq!(deployments.len(), 1, "expected one Deployment");
    let status = &deployments[0].status;
    assert!(
        status.updated == REPLICAS && status.available == REPLICAS,
        "the rollout did not complete: updated {}, available {} (want {REPLICAS} each)",
        status.updated,
        status.available
    );
    let events = results.events_processed;
    eprintln!("rolling_update: {events} events per run, rollout complete");
    drop(results);

    let mut group = c.benchmark_group("rolling_update");
    group
        .throughput(Throughput::Elements(events))
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    group.bench_function("1000_replicas_100_nodes", |b| {
        b.iter(|| pipeline::run(black_box(&scenario), black_box(options)).expect("run"));
    });
    group.finish();
}

criterion_group!(benches, rolling_update);
criterion_main!(benches);
