//! Validation against closed form (issue 6 item 8): N replicas, one per node, on nodes that crash
//! and are repaired with exponential times (`spec.faults` `nodeCrash`), no detection delay
//! (a crashed node's pod stops answering at once), instant restart (pull, start and ready take
//! no time; endpoints propagate at once). The Service is up while at least K of the N answer
//! (`spec.availability` `minReadyEndpoints: K`), so its long-run availability must be the
//! k-of-N value `sum over j >= K of C(N, j) a^j (1 - a)^(N - j)`, `a = MTTF / (MTTF + MTTR)`.
//!
//! Each case runs several seeds and checks that the analytic value lies inside the measured
//! mean's confidence interval (4 standard errors: with fixed seeds the test is deterministic,
//! and the margin is what a 1-in-10,000 statistical miss would need), and that the interval is
//! narrow enough for the check to mean something.

use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

/// `C(n, k)` as a float (small n).
fn binomial(n: u32, k: u32) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * f64::from(n - i) / f64::from(i + 1))
}

/// Probability that at least `k` of `n` independent replicas, each up with probability `a`,
/// are up.
fn k_of_n(n: u32, k: u32, a: f64) -> f64 {
    (k..=n)
        .map(|j| binomial(n, j) * a.powi(j as i32) * (1.0 - a).powi((n - j) as i32))
        .sum()
}

/// N nodes, a DaemonSet (one pod per node, never evicted, restarted with its node) behind a
/// Service with a quorum of K, and a `nodeCrash` process on every node.
fn scenario(n: u32, k: u32, mttf_s: u64, mttr_s: u64, duration_s: u64) -> String {
    format!(
        "apiVersion: timonel/v1alpha1
kind: Scenario
metadata:
  name: k-of-n
spec:
  duration: {duration_s}s
  cluster:
    endpointPropagationDelay: 0s
    nodePools:
      - {{name: worker, count: {n}, capacity: {{cpu: \"4\", memory: 16Gi}}}}
  images:
    default: {{pull: 0s, start: 0s, ready: 0s}}
  availability:
    - {{service: app, minReadyEndpoints: {k}}}
  faults:
    - {{kind: nodeCrash, pool: worker, mttf: {mttf_s}s, mttr: {mttr_s}s}}
---
apiVersion: v1
kind: Service
metadata: {{name: app}}
spec:
  selector: {{app: replica}}
  ports: [{{port: 80}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: replica}}
spec:
  selector: {{matchLabels: {{app: replica}}}}
  template:
    metadata: {{labels: {{app: replica}}}}
    spec:
      containers:
      - {{name: app, image: \"app:1\", resources: {{requests: {{cpu: 100m, memory: 64Mi}}}}}}
"
    )
}

/// Measured availability of the Service over `seeds` runs: (mean, standard error).
fn measure(text: &str, seeds: std::ops::Range<u64>) -> (f64, f64) {
    let scenarios = scenario::load(
        &[Input {
            path: "k-of-n.yaml".into(),
            text: text.to_string(),
        }],
        LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let s = &scenarios[0];
    let values: Vec<f64> = seeds
        .map(|seed| {
            let r = pipeline::run(
                s,
                RunOptions {
                    seed,
                    until: s.duration,
                    max_events: 5_000_000,
                    check_invariants: true,
                    record_scheduling: false,
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                !r.world.fault_log.is_empty(),
                "seed {seed}: the fault process never fired"
            );
            timonel::metrics::summary::build(&r)["services"]["default/app"]["availability"]
                .as_f64()
                .expect("availability")
        })
        .collect();
    let count = values.len() as f64;
    let mean = values.iter().sum::<f64>() / count;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (count - 1.0);
    (mean, (variance / count).sqrt())
}

#[test]
fn analytic_k_of_n_values() {
    // Hand-checked values of the formula itself.
    let cases = [
        (1, 1, 0.9, 0.9),
        (2, 1, 0.9, 0.99),
        (3, 1, 0.9, 0.999),
        (3, 2, 0.9, 0.972),
        (3, 3, 0.9, 0.729),
        (5, 3, 0.8, 0.942_08),
    ];
    for (n, k, a, expected) in cases {
        let got = k_of_n(n, k, a);
        assert!((got - expected).abs() < 1e-9, "{k}-of-{n} at {a}: {got}");
    }
}

#[test]
fn measured_k_of_n_availability_matches_the_closed_form() {
    // (N, K, MTTF s, MTTR s): a = 0.9 and a = 0.8, single replica, any-of, majority, all-of.
    let cases = [
        (1, 1, 900, 100),
        (3, 1, 400, 100),
        (3, 2, 900, 100),
        (3, 3, 900, 100),
        (5, 3, 400, 100),
    ];
    // About 200 failure/repair cycles per node and run.
    let duration_s = 200_000;
    for (n, k, mttf_s, mttr_s) in cases {
        let a = mttf_s as f64 / (mttf_s + mttr_s) as f64;
        let expected = k_of_n(n, k, a);
        let (mean, standard_error) = measure(&scenario(n, k, mttf_s, mttr_s, duration_s), 1..7);
        let label = format!(
            "{k}-of-{n}, a = {a}: analytic {expected:.5}, measured {mean:.5} ± {standard_error:.5}"
        );
        assert!(standard_error < 0.01, "interval too wide to test: {label}");
        eprintln!("{label}");
        assert!(
            (mean - expected).abs() <= 4.0 * standard_error,
            "outside the confidence interval: {label}"
        );
    }
}
