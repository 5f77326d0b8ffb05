//! End to end: a HorizontalPodAutoscaler-driven Deployment following one hour of the Azure LLM
//! inference *conversation* trace.
//!
//! # What is measured
//!
//! The scenario is built in code ([`scenario_yaml`]): 10 nodes (8 CPU, 32Gi), a Deployment
//! `chat` (requests 250m CPU, 256Mi; 2 replicas at start) behind a Service, and an
//! `autoscaling/v2` HPA targeting 50 % CPU between 2 and 40 replicas. Demand is the trace
//! `../shared/real-data/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv`: request
//! timestamps counted per minute (`aggregate: count, bucket: 1m`) and scaled ×20 so that the
//! autoscaler has work to do; each request/s costs 10m CPU on the pod that serves it, plus 5m
//! idle. It is loaded once, outside the timed section; each iteration times one
//! `pipeline::run` for the trace's first hour (seed 1, invariant checks off): HPA syncs every
//! 15 s, rescales, scheduling, kubelets, metrics. Before measuring, one run is checked to have
//! rescaled at least twice. Skipped when the shared trace is absent.
//!
//! Run with `cargo bench --bench hpa`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use timonel::pipeline::{self, DEFAULT_MAX_EVENTS, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

/// The scenario, with the trace at `trace`.
fn scenario_yaml(trace: &str) -> String {
    format!(
        r#"apiVersion: timonel/v1alpha1
kind: Scenario
metadata:
  name: bench-hpa-azure
spec:
  seed: 1
  duration: 1h
  cluster:
    nodePools:
      - {{name: worker, count: 10, capacity: {{cpu: "8", memory: 32Gi}}}}
  images:
    default: {{pull: 5s, start: 2s, ready: 3s}}
  traffic:
    - service: chat
      rps: {{trace: "{trace}", timeColumn: TIMESTAMP, aggregate: count, bucket: 1m, scale: 20}}
      cpuPerRequest: 10m
      idleCpu: 5m
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: chat}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: chat}}}}
  template:
    metadata: {{labels: {{app: chat}}}}
    spec:
      containers:
      - name: app
        image: chat:v1
        resources: {{requests: {{cpu: 250m, memory: 256Mi}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: chat}}
spec:
  selector: {{app: chat}}
  ports: [{{port: 80}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: chat}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: chat}}
  minReplicas: 2
  maxReplicas: 40
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {{type: Utilization, averageUtilization: 50}}
"#
    )
}

fn hpa_azure(c: &mut Criterion) {
    let root = env!("CARGO_MANIFEST_DIR");
    let trace =
        format!("{root}/../shared/real-data/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv");
    if !std::path::Path::new(&trace).is_file() {
        eprintln!("Azure trace absent: skipping hpa/azure-conv-1h");
        return;
    }
    let text = scenario_yaml(&trace);
    let scenarios = scenario::load(
        &[Input {
            path: format!("{root}/bench-hpa.yaml"),
            text,
        }],
        LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let s = &scenarios[0];
    let options = RunOptions {
        seed: s.seed,
        until: s.duration,
        max_events: DEFAULT_MAX_EVENTS,
        check_invariants: false,
        record_scheduling: false,
    };
    let check = pipeline::run(s, options).expect("run");
    let rescales = check
        .world
        .events
        .iter()
        .filter(|e| e.reason == "SuccessfulRescale")
        .count();
    assert!(
        rescales >= 2,
        "the HPA should follow the trace ({rescales} rescales)"
    );
    eprintln!(
        "hpa: {} events per run, {rescales} rescales",
        check.events_processed
    );
    let mut group = c.benchmark_group("hpa");
    group.throughput(Throughput::Elements(check.events_processed));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("azure-conv-1h", |b| {
        b.iter(|| black_box(pipeline::run(s, options).expect("run")))
    });
    group.finish();
}

criterion_group!(benches, hpa_azure);
criterion_main!(benches);
