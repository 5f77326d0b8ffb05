//! Scheduler configuration: `KubeSchedulerConfiguration` profiles chosen by `schedulerName`,
//! plugin arguments, per-extension-point disabling, back-off settings and latencies.

use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

const CONFIG: &str = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: default-scheduler\n- schedulerName: bin-packing\n  plugins:\n    score:\n      disabled:\n      - name: NodeResourcesBalancedAllocation\n      - name: PodTopologySpread\n  pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy:\n        type: MostAllocated\n";

fn deployment(name: &str, scheduler: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 4\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      schedulerName: {scheduler}\n      containers:\n      - name: app\n        image: app:v1\n        resources:\n          requests: {{cpu: 500m, memory: 512Mi}}\n"
    )
}

fn run(spec_extra: &str, docs: &[String]) -> Result<RunResults, String> {
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: sched\nspec:\n  duration: 2m\n  cluster:\n    nodePools:\n      - {{name: worker, count: 4, capacity: {{cpu: \"4\", memory: 16Gi}}}}\n{spec_extra}---\n{}",
        docs.join("---\n")
    );
    let scenarios = scenario::load(
        &[Input {
            path: "sched.yaml".into(),
            text,
        }],
        LoadOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let s = &scenarios[0];
    pipeline::run(
        s,
        RunOptions {
            seed: 3,
            until: s.duration,
            max_events: 1_000_000,
            check_invariants: true,
            record_scheduling: false,
        },
    )
    .map_err(|e| e.to_string())
}

fn nodes_used(results: &RunResults, prefix: &str) -> usize {
    let nodes: std::collections::BTreeSet<_> = results
        .world
        .state
        .pods
        .iter()
        .filter(|p| p.name.starts_with(prefix))
        .filter_map(|p| p.node)
        .collect();
    nodes.len()
}

#[test]
fn profiles_are_chosen_by_scheduler_name() {
    let results = run(
        "",
        &[
            CONFIG.to_string(),
            deployment("packed", "bin-packing"),
            deployment("spread", "default-scheduler"),
        ],
    )
    .unwrap();
    assert_eq!(
        nodes_used(&results, "packed-"),
        1,
        "MostAllocated packs the four pods on one node"
    );
    assert_eq!(
        nodes_used(&results, "spread-"),
        4,
        "the default profile spreads them"
    );
}

#[test]
fn unknown_scheduler_name_leaves_pods_pending() {
    let results = run("", &[deployment("lost", "no-such-scheduler")]).unwrap();
    assert!(results.world.state.pods.iter().all(|p| p.node.is_none()));
    assert!(
        results
            .world
            .notes
            .iter()
            .any(|n| n.contains("no-such-scheduler"))
    );
}

#[test]
fn invalid_plugin_configuration_is_a_user_error() {
    let bad = CONFIG
        .replace("NodeResourcesBalancedAllocation", "NoSuchPlugin")
        .replace(
            "    score:\n      disabled:",
            "    multiPoint:\n      enabled:",
        );
    let err = run("", &[bad, deployment("x", "bin-packing")])
        .err()
        .expect("rejected");
    assert!(
        err.contains("The KubeSchedulerConfiguration is invalid") && err.contains("NoSuchPlugin"),
        "{err}"
    );
}

#[test]
fn scheduling_and_binding_latency_space_out_bindings() {
    let spec = "  scheduler:\n    schedulingLatency: 100ms\n    bindingLatency: 50ms\n";
    let results = run(spec, &[deployment("web", "default-scheduler")]).unwrap();
    let scheduled: Vec<u64> = results
        .world
        .events
        .iter()
        .filter(|e| e.reason == "Scheduled")
        .map(|e| e.time.as_millis())
        .collect();
    assert_eq!(scheduled, vec![50, 150, 250, 350]);
}

#[test]
fn inline_configuration_sets_the_percentage_to_score() {
    let spec = "  scheduler:\n    configuration:\n      apiVersion: kubescheduler.config.k8s.io/v1\n      kind: KubeSchedulerConfiguration\n      percentageOfNodesToScore: 150\n";
    let err = run(spec, &[deployment("web", "default-scheduler")])
        .err()
        .expect("rejected");
    assert!(
        err.contains("sched.yaml:") && err.contains("percentageOfNodesToScore: Invalid value: 150"),
        "{err}"
    );
}

#[test]
fn priority_classes_order_the_scheduling_queue() {
    // One 1-CPU node holds one pod at a time; when the first pod goes, the high-priority pod
    // pending behind it binds before the low-priority one that was created first.
    let class = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: high\nvalue: 1000\n".to_string();
    let pod = |name: &str, extra: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n{extra}  containers:\n  - name: c\n    image: app:v1\n    resources:\n      requests: {{cpu: 800m}}\n"
        )
    };
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: prio\nspec:\n  duration: 3m\n  cluster:\n    nodePools:\n      - {{name: worker, count: 1, capacity: {{cpu: \"1\", memory: 4Gi}}}}\n  timeline:\n    - {{at: 10s, action: apply, file: low.yaml}}\n    - {{at: 20s, action: apply, file: high.yaml}}\n    - {{at: 1m, action: delete, target: pod/first}}\n---\n{class}---\n{}",
        pod("first", "")
    );
    let dir = crate::support::temp_dir("priority");
    std::fs::write(dir.join("low.yaml"), pod("low", "")).unwrap();
    std::fs::write(
        dir.join("high.yaml"),
        pod("high", "  priorityClassName: high\n"),
    )
    .unwrap();
    std::fs::write(dir.join("s.yaml"), &text).unwrap();
    let path = dir.join("s.yaml").to_string_lossy().to_string();
    let inputs = scenario::read_inputs(&[path]).unwrap();
    let scenarios =
        scenario::load(&inputs, LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let s = &scenarios[0];
    let results = pipeline::run(
        s,
        RunOptions {
            seed: 1,
            until: s.duration,
            max_events: 1_000_000,
            check_invariants: true,
            record_scheduling: false,
        },
    )
    .unwrap();
    let bound: Vec<&str> = results
        .world
        .state
        .pods
        .iter()
        .filter(|p| p.node.is_some())
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        bound,
        vec!["first", "high"],
        "high priority jumps the queue"
    );
    let high = results
        .world
        .state
        .pods
        .iter()
        .find(|p| p.name == "high")
        .unwrap();
    assert_eq!(high.spec.priority, 1000);
}

#[test]
fn a_missing_priority_class_rejects_the_pods() {
    let d = deployment("web", "default-scheduler").replace(
        "      schedulerName: default-scheduler\n",
        "      priorityClassName: nope\n",
    );
    let results = run("", &[d]).unwrap();
    assert!(results.world.state.pods.is_empty());
    let failed: Vec<&str> = results
        .world
        .events
        .iter()
        .filter(|e| e.reason == "FailedCreate")
        .map(|e| e.message.as_str())
        .collect();
    assert!(
        failed[0].contains("is forbidden: no PriorityClass with name nope was found"),
        "{failed:?}"
    );
}

#[test]
fn queue_sort_reserve_pre_bind_and_bind_points_are_validated() {
    let base = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: default-scheduler\n  plugins:\n";
    let cases = [
        (
            "    queueSort:\n      disabled: [{name: \"*\"}]\n",
            "no queue sort plugin is enabled",
        ),
        (
            "    queueSort:\n      enabled: [{name: NodeName}]\n",
            "plugin \"NodeName\" does not extend QueueSortPlugin plugin",
        ),
        (
            "    bind:\n      enabled: [{name: NodeName}]\n      disabled: [{name: DefaultBinder}]\n",
            "plugin \"NodeName\" does not extend BindPlugin plugin",
        ),
        (
            "    bind:\n      disabled: [{name: DefaultBinder}]\n",
            "at least one bind plugin is needed",
        ),
        (
            "    reserve:\n      enabled: [{name: NoSuchReserve}]\n",
            "plugin \"NoSuchReserve\" does not exist",
        ),
        (
            "    preBind:\n      enabled: [{name: ImageLocality}]\n",
            "plugin \"ImageLocality\" does not extend PreBindPlugin plugin",
        ),
        (
            "    permit:\n      enabled: [{name: ImageLocality}]\n",
            "plugin \"ImageLocality\" does not extend PermitPlugin plugin",
        ),
    ];
    for (plugins, want) in cases {
        let err = run(
            "",
            &[
                format!("{base}{plugins}"),
                deployment("x", "default-scheduler"),
            ],
        )
        .err()
        .unwrap_or_else(|| panic!("{plugins} accepted"));
        assert!(
            err.contains("The KubeSchedulerConfiguration is invalid") && err.contains(want),
            "{plugins}: {err}"
        );
    }
    // Re-enabling the defaults at their own points is fine.
    let ok = format!(
        "{base}    queueSort:\n      enabled: [{{name: PrioritySort}}]\n    bind:\n      enabled: [{{name: DefaultBinder}}]\n"
    );
    let results = run("", &[ok, deployment("y", "default-scheduler")]).unwrap();
    assert_eq!(nodes_used(&results, "y-"), 4);
}

#[test]
fn requested_to_capacity_ratio_packs_by_its_shape() {
    let config = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: ratio\n  plugins:\n    score:\n      disabled:\n      - name: NodeResourcesBalancedAllocation\n      - name: PodTopologySpread\n  pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy:\n        type: RequestedToCapacityRatio\n        resources:\n        - {name: cpu, weight: 1}\n        - {name: memory, weight: 1}\n        requestedToCapacityRatio:\n          shape:\n          - {utilization: 0, score: 0}\n          - {utilization: 100, score: 10}\n";
    let results = run("", &[config.to_string(), deployment("packed", "ratio")]).unwrap();
    assert_eq!(nodes_used(&results, "packed-"), 1, "a rising shape packs");

    let bad = config.replace("utilization: 100", "utilization: 0");
    let err = run("", &[bad, deployment("packed", "ratio")])
        .err()
        .expect("rejected");
    assert!(
        err.contains("scoringStrategy.requestedToCapacityRatio.shape[1].utilization: Invalid value: 0: utilization values must be sorted in increasing order"),
        "{err}"
    );
}

#[test]
fn extended_resources_limit_placement() {
    let pod = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - name: train\n    image: train:v1\n    resources:\n      limits: {{nvidia.com/gpu: 1}}\n"
        )
    };
    let node = "apiVersion: v1\nkind: Node\nmetadata:\n  name: gpu-0\nstatus:\n  capacity: {cpu: \"8\", memory: 32Gi, pods: \"110\", nvidia.com/gpu: \"2\"}\n";
    let results = run("", &[node.to_string(), pod("a"), pod("b"), pod("c")]).unwrap();
    let on_gpu: Vec<&str> = results
        .world
        .state
        .pods
        .iter()
        .filter(|p| {
            p.node
                .is_some_and(|n| results.world.state.nodes[n.0].node.name == "gpu-0")
        })
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(on_gpu.len(), 2, "two GPUs, two pods: {on_gpu:?}");
    let pending = results
        .world
        .state
        .pods
        .iter()
        .find(|p| p.node.is_none())
        .expect("one pod waits");
    let message = results
        .world
        .events
        .iter()
        .rev()
        .find(|e| e.object == format!("pod/{}", pending.name) && e.reason == "FailedScheduling")
        .map(|e| e.message.clone())
        .expect("FailedScheduling");
    assert!(
        message.starts_with("0/5 nodes are available: 5 Insufficient nvidia.com/gpu."),
        "{message}"
    );
}
