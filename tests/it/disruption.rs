//! The eviction API and `drain`: PodDisruptionBudgets decide which evictions go through, kubectl
//! retries refused ones every 5 s, `timeout` and `gracePeriod` behave as kubectl's flags.

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

/// Two nodes, four replicas (two per node), a budget, and a drain of `w-0` at 1m.
fn scenario(drain: &str, budget: &str, stop: &str) -> String {
    format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {{name: t}}\nspec:\n  duration: 3m\n  images:\n    default: {{pull: 2s, start: 1s, stop: {stop}}}\n  cluster:\n    nodePools:\n      - {{name: w, count: 2, capacity: {{cpu: \"4\", memory: 8Gi}}}}\n  timeline:\n    - {{at: 1m, action: drain, node: w-0{drain}}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 4\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n      - {{name: web, image: web:v1, resources: {{requests: {{cpu: 500m, memory: 128Mi}}}}}}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: web}}\nspec:\n  {budget}\n  selector: {{matchLabels: {{app: web}}}}\n"
    )
}

fn evicted(results: &RunResults) -> Vec<(u64, u64)> {
    results
        .world
        .state
        .pods
        .iter()
        .filter(|p| p.end_reason.as_deref() == Some("Evicted"))
        .map(|p| {
            (
                p.deletion.map_or(0, |t| t.as_millis()),
                p.gone.map_or(0, |t| t.as_millis()),
            )
        })
        .collect()
}

/// maxUnavailable 1: the first eviction goes through at once; the second is refused until the
/// replacement is Ready (61 s), and kubectl's next retry (65 s) evicts it.
#[test]
fn drain_waits_for_the_budget_and_retries_every_five_seconds() {
    let results = run(&scenario("", "maxUnavailable: 1", "2s"));
    assert_eq!(evicted(&results), [(60_000, 62_000), (65_000, 67_000)]);
    let w0 = &results.world.state.nodes[0];
    assert!(w0.node.unschedulable, "drain cordons the node");
    assert!(w0.pods.is_empty());
    let refusals: Vec<_> = results
        .world
        .notes
        .iter()
        .filter(|n| n.contains("Cannot evict pod as it would violate the pod's disruption budget."))
        .collect();
    assert_eq!(
        refusals.len(),
        1,
        "each refused pod is reported once: {refusals:?}"
    );
    assert!(
        results
            .world
            .notes
            .iter()
            .any(|n| n == "Info: drain node/w-0: 2 pod(s) evicted by t=65.000s"),
        "{:?}",
        results.world.notes
    );
    // The budget's status series: 1 disruption allowed once all four are Ready, spent by each
    // eviction, back when the replacement is Ready.
    let series = results
        .recorder
        .series_id("poddisruptionbudget/web", "disruptions_allowed")
        .expect("series");
    assert_eq!(
        results.recorder.points(series),
        [
            (0, 0.0),
            (3_000, 1.0),
            (60_000, 0.0),
            (61_000, 1.0),
            (65_000, 0.0),
            (66_000, 1.0)
        ]
    );
}

/// A budget that never allows a disruption: the drain gives up at its timeout.
#[test]
fn drain_times_out_when_the_budget_never_allows() {
    let results = run(&scenario(", timeout: 30s", "minAvailable: 4", "2s"));
    assert!(evicted(&results).is_empty());
    assert_eq!(results.world.state.nodes[0].pods.len(), 2);
    assert!(
        results
            .world
            .notes
            .iter()
            .any(|n| n.starts_with("Warning: drain node/w-0: timed out with 2 pod(s) left")),
        "{:?}",
        results.world.notes
    );
}

/// `gracePeriod` overrides the pods' own: an app that needs 20 s to stop is killed after 5 s.
#[test]
fn drain_grace_period_overrides_the_pods() {
    let results = run(&scenario(", gracePeriod: 5", "maxUnavailable: 2", "20s"));
    assert_eq!(evicted(&results), [(60_000, 65_000), (60_000, 65_000)]);
    let results = run(&scenario("", "maxUnavailable: 2", "20s"));
    assert_eq!(evicted(&results), [(60_000, 80_000), (60_000, 80_000)]);
}

#[test]
fn drain_needs_a_node_and_a_valid_grace_period() {
    let text = scenario("", "maxUnavailable: 1", "2s")
        .replace(", action: drain, node: w-0", ", action: drain");
    assert!(
        load(&text)
            .unwrap_err()
            .contains("spec.timeline[0].node: Required value")
    );
    let text = scenario(", gracePeriod: -2", "maxUnavailable: 1", "2s");
    assert!(
        load(&text)
            .unwrap_err()
            .contains("gracePeriod: Invalid value: -2")
    );
}

/// The final value of one series of `object`.
fn last(results: &RunResults, object: &str, metric: &str) -> f64 {
    let id = results
        .recorder
        .series_id(object, metric)
        .unwrap_or_else(|| panic!("no series {object} {metric}"));
    results.recorder.points(id).last().map_or(f64::NAN, |p| p.1)
}

/// SPEC §12 vector 15 (`TestStatefulSetController`) end to end: minAvailable "34%" over a
/// StatefulSet of 3 with 3 ready pods → (disruptionsAllowed, currentHealthy, desiredHealthy,
/// expectedPods) = (1, 3, 2, 3); and a budget over DaemonSet pods (no `/scale`) allows nothing.
#[test]
fn budget_status_over_statefulset_and_daemonset_pods() {
    let text = "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  duration: 1m\n  cluster:\n    nodePools:\n      - {name: w, count: 3, capacity: {cpu: \"4\", memory: 8Gi}}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  replicas: 3\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers:\n      - {name: db, image: db:v1}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: db}\nspec:\n  minAvailable: 34%\n  selector: {matchLabels: {app: db}}\n---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec:\n      containers:\n      - {name: agent, image: agent:v1}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: agent}\nspec:\n  maxUnavailable: 1\n  selector: {matchLabels: {app: agent}}\n";
    let results = run(text);
    let status = |name: &str| {
        let object = format!("poddisruptionbudget/{name}");
        [
            "disruptions_allowed",
            "current_healthy",
            "desired_healthy",
            "expected_pods",
        ]
        .map(|m| last(&results, &object, m))
    };
    assert_eq!(status("db"), [1.0, 3.0, 2.0, 3.0]);
    assert_eq!(status("agent"), [0.0, 0.0, 0.0, 0.0]);
}

/// The documentation's PodDisruptionBudget status example ("Specifying a Disruption Budget for
/// your Application"): `zk-pdb` with minAvailable 2 over a 3-member ZooKeeper StatefulSet shows
/// `currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3`.
#[test]
fn docs_pdb_status_example() {
    let text = "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  duration: 2m\n  cluster:\n    nodePools:\n      - {name: w, count: 3, capacity: {cpu: \"4\", memory: 8Gi}}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: zk}\nspec:\n  serviceName: zk-hs\n  replicas: 3\n  selector: {matchLabels: {app: zookeeper}}\n  template:\n    metadata: {labels: {app: zookeeper}}\n    spec:\n      containers:\n      - {name: kubernetes-zookeeper, image: \"registry.k8s.io/kubernetes-zookeeper:1.0-3.4.10\"}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: zk-pdb\nspec:\n  minAvailable: 2\n  selector:\n    matchLabels:\n      app: zookeeper\n";
    let results = run(text);
    let object = "poddisruptionbudget/zk-pdb";
    let status = [
        "disruptions_allowed",
        "current_healthy",
        "desired_healthy",
        "expected_pods",
    ]
    .map(|m| last(&results, object, m));
    assert_eq!(status, [1.0, 3.0, 2.0, 3.0]);
    let summary = timonel::metrics::summary::build(&results);
    let budget = &summary["pod_disruption_budgets"]["default/zk-pdb"];
    assert_eq!(budget["conditions"][0]["type"], "DisruptionAllowed");
    assert_eq!(budget["conditions"][0]["status"], "True");
    assert_eq!(budget["conditions"][0]["reason"], "SufficientPods");
}

fn web(timeline: &str) -> String {
    format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {{name: t}}\nspec:\n  duration: 3m\n  images:\n    default: {{pull: 0s, start: 1s, stop: 20s}}\n  cluster:\n    nodePools:\n      - {{name: w, count: 1, capacity: {{cpu: \"4\", memory: 8Gi}}}}\n  timeline:\n{timeline}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n      - {{name: web, image: web:v1}}\n"
    )
}

/// `killPod` by selector: every matching pod's container exits and the kubelet restarts it in
/// place (restartPolicy Always); no pod is replaced.
#[test]
fn kill_pod_restarts_containers_in_place() {
    let results = run(&web(
        "    - {at: 1m, action: killPod, selector: {app: web}, exitCode: 137}\n",
    ));
    let pods: Vec<_> = results.world.state.pods.iter().collect();
    assert_eq!(pods.len(), 2, "no replacement pods");
    assert!(pods.iter().all(|p| p.restarts == 1 && p.gone.is_none()));
}

/// `forceDeletePod`: the object is gone at once (no 20 s graceful stop), the ReplicaSet
/// replaces it at the same instant.
#[test]
fn force_delete_removes_the_pod_at_once() {
    let text = web("    - {at: 1m, action: forceDeletePod, target: pod/PLACEHOLDER}\n");
    // Learn the first pod's name from a run without the action.
    let names: Vec<String> = run(&web("    - {at: 2m, action: cordon, node: w-0}\n"))
        .world
        .state
        .pods
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let results = run(&text.replace("PLACEHOLDER", &names[0]));
    let victim = &results.world.state.pods[0];
    assert_eq!(victim.name, names[0]);
    assert_eq!(victim.deletion.map(|t| t.as_millis()), Some(60_000));
    assert_eq!(victim.gone.map(|t| t.as_millis()), Some(60_000));
    assert_eq!(results.world.state.pods.len(), 3);
    assert_eq!(results.world.state.pods[2].created.as_millis(), 60_000);
}

/// (reason, type, message) of the events of `object`.
fn events_of(results: &RunResults, object: &str) -> Vec<(String, String, String)> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.object == object)
        .map(|e| {
            (
                e.reason.to_string(),
                format!("{:?}", e.event_type),
                e.message.clone(),
            )
        })
        .collect()
}

/// The disruption controller's events (`trySync`): `NoPods` while a budget selects nothing,
/// `CalculateExpectedPodCountFailed` for pods whose controller has no `/scale` (DaemonSet),
/// `UnmanagedPods` for bare pods under a percentage budget; each recorded once when it starts.
/// The final `DisruptionAllowed` condition is in summary.json.
#[test]
fn disruption_controller_events_and_condition() {
    let text = "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  duration: 2m\n  cluster:\n    nodePools:\n      - {name: w, count: 2, capacity: {cpu: \"4\", memory: 8Gi}}\n  timeline:\n    - {at: 1m, action: apply, manifest: {apiVersion: apps/v1, kind: Deployment, metadata: {name: late}, spec: {replicas: 2, selector: {matchLabels: {app: late}}, template: {metadata: {labels: {app: late}}, spec: {containers: [{name: c, image: late:v1}]}}}}}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: late}\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: late}}\n---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec:\n      containers:\n      - {name: agent, image: agent:v1}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: agent}\nspec:\n  maxUnavailable: 1\n  selector: {matchLabels: {app: agent}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: bare, labels: {app: bare}}\nspec:\n  containers:\n  - {name: c, image: bare:v1}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: bare}\nspec:\n  minAvailable: 50%\n  selector: {matchLabels: {app: bare}}\n";
    let results = run(text);
    assert_eq!(
        events_of(&results, "poddisruptionbudget/late"),
        [(
            "NoPods".into(),
            "Normal".into(),
            "No matching pods found".into()
        )]
    );
    // The budget is synced when it is created, before the DaemonSet's pods exist.
    let agent = events_of(&results, "poddisruptionbudget/agent");
    assert_eq!(agent.len(), 2, "{agent:?}");
    assert_eq!(agent[0].0, "NoPods");
    assert_eq!(agent[1].0, "CalculateExpectedPodCountFailed");
    assert_eq!(agent[1].1, "Warning");
    assert!(
        agent[1].2.starts_with(
            "Failed to calculate the number of expected pods: found no controllers for pod \"agent-"
        ),
        "{agent:?}"
    );
    let bare = events_of(&results, "poddisruptionbudget/bare");
    assert_eq!(
        bare,
        [(
            "UnmanagedPods".into(),
            "Warning".into(),
            "Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: bare,},MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.".into()
        )]
    );
    let summary = timonel::metrics::summary::build(&results);
    let condition = |name: &str| {
        let c = &summary["pod_disruption_budgets"][format!("default/{name}")]["conditions"][0];
        (
            c["status"].as_str().unwrap().to_string(),
            c["reason"].as_str().unwrap().to_string(),
        )
    };
    // Two ready pods of `late` against minAvailable 1: one disruption allowed.
    assert_eq!(condition("late"), ("True".into(), "SufficientPods".into()));
    assert_eq!(condition("agent"), ("False".into(), "SyncFailed".into()));
    assert_eq!(
        condition("bare"),
        ("False".into(), "InsufficientPods".into())
    );
}
