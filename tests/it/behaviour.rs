//! Controller, scheduler and kubelet behaviour as the Kubernetes documentation describes it,
//! checked on the library's pipeline with invariants on.

use timonel::cluster::state::ObjKey;
use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

fn run(text: &str) -> RunResults {
    let scenarios = scenario::load(
        &[Input {
            path: "test.yaml".into(),
            text: text.into(),
        }],
        LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
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

fn events(results: &RunResults, reason: &str) -> Vec<(u64, String, String)> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.as_millis(), e.object.clone(), e.message.clone()))
        .collect()
}

fn scenario(spec: &str, manifests: &str) -> String {
    format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: t\nspec:\n{spec}\n---\n{manifests}"
    )
}

fn deployment(name: &str, replicas: u32, image: &str, extra_spec: &str, pod_extra: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n{extra_spec}  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n{pod_extra}      containers:\n      - name: app\n        image: \"{image}\"\n        resources:\n          requests: {{cpu: 100m, memory: 64Mi}}\n"
    )
}

const CLUSTER: &str = "  duration: 30m\n  cluster:\n    nodePools:\n      - {name: worker, count: 3, capacity: {cpu: \"4\", memory: 16Gi}}\n";

#[test]
fn documentation_rolling_update_sequence() {
    let text =
        std::fs::read_to_string(crate::support::root().join("scenarios/nginx-rolling-update.yaml"))
            .unwrap();
    let results = run(&text);
    let scaling: Vec<String> = events(&results, "ScalingReplicaSet")
        .into_iter()
        .skip(1)
        .map(|(_, _, m)| m)
        .collect();
    let kinds: Vec<(String, String)> = scaling
        .iter()
        .map(|m| {
            // "Scaled up replica set NAME to N from M"
            let words: Vec<&str> = m.split(' ').collect();
            (words[1].to_string(), format!("{} {}", words[6], words[8]))
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("up".into(), "1 0".into()),
            ("down".into(), "2 3".into()),
            ("up".into(), "2 1".into()),
            ("down".into(), "1 2".into()),
            ("up".into(), "3 2".into()),
            ("down".into(), "0 1".into()),
        ]
    );
    let key = ObjKey::new("default", "nginx-deployment");
    let d = &results.world.state.deployments[&key];
    assert_eq!(d.rollouts.len(), 2);
    assert_eq!(d.rollouts[1].outcome, "complete");
    assert_eq!(
        d.status.progressing.as_ref().unwrap().reason,
        "NewReplicaSetAvailable"
    );
    assert_eq!(
        d.status.available_condition.as_ref().unwrap().reason,
        "MinimumReplicasAvailable"
    );
}

#[test]
fn stuck_rollout_reports_progress_deadline_exceeded() {
    let text = std::fs::read_to_string(
        crate::support::root().join("scenarios/nginx-bad-image-stuck.yaml"),
    )
    .unwrap();
    let results = run(&text);
    let d = &results.world.state.deployments[&ObjKey::new("default", "nginx-deployment")];
    assert_eq!(
        (
            d.status.replicas,
            d.status.updated,
            d.status.available,
            d.status.unavailable
        ),
        (4, 1, 3, 1)
    );
    let progressing = d.status.progressing.as_ref().unwrap();
    assert_eq!(progressing.reason, "ProgressDeadlineExceeded");
    assert_eq!(progressing.status, "False");
    // Timed out strictly after lastUpdate + 600 s, noticed by the requeue one second later.
    let last = d.rollouts.last().unwrap();
    assert_eq!(last.outcome, "progressDeadlineExceeded");
    let end = last.end.unwrap().as_millis();
    assert!(
        end > last.start.as_millis() + 600_000 && end <= last.start.as_millis() + 602_000,
        "{end}"
    );
    let failed = events(&results, "Failed");
    assert!(
        failed
            .iter()
            .any(|(_, _, m)| m.starts_with("Failed to pull image \"nginx:1.161\""))
    );
    assert!(failed.iter().any(|(_, _, m)| m == "Error: ErrImagePull"));
    assert!(
        failed
            .iter()
            .any(|(_, _, m)| m == "Error: ImagePullBackOff")
    );
    // Pull back-off doubles from 10 s: retries 10, 20, 40 s after each failure.
    let backoffs: Vec<u64> = events(&results, "BackOff")
        .iter()
        .map(|(t, _, _)| *t)
        .collect();
    assert!(backoffs.len() >= 4);
    let gaps: Vec<u64> = backoffs.windows(2).map(|w| w[1] - w[0]).take(3).collect();
    assert_eq!(
        gaps,
        vec![11_000, 21_000, 41_000],
        "pull attempt (1 s) + back-off 10, 20, 40 s"
    );
}

#[test]
fn proportional_scaling_gives_new_7_old_11() {
    let text =
        std::fs::read_to_string(crate::support::root().join("scenarios/proportional-scaling.yaml"))
            .unwrap();
    let results = run(&text);
    let mut sizes: Vec<i64> = results
        .world
        .state
        .replicasets
        .values()
        .map(|rs| rs.spec.replicas)
        .collect();
    sizes.sort();
    assert_eq!(sizes, vec![7, 11]);
}

#[test]
fn rollout_undo_returns_to_the_previous_template() {
    let spec = format!(
        "{CLUSTER}  timeline:\n    - {{at: 1m, action: setImage, target: deployment/web, image: \"app:v2\"}}\n    - {{at: 5m, action: rolloutUndo, target: deployment/web}}\n"
    );
    let results = run(&scenario(&spec, &deployment("web", 3, "app:v1", "", "")));
    let rollbacks = events(&results, "DeploymentRollback");
    assert_eq!(rollbacks.len(), 1);
    assert_eq!(
        rollbacks[0].2,
        "Rolled back deployment \"web\" to revision 1"
    );
    let key = ObjKey::new("default", "web");
    let sets = results.world.state.replicasets_of(&key);
    assert_eq!(sets.len(), 2, "undo reuses the first ReplicaSet");
    let first = sets[0];
    assert_eq!(first.spec.replicas, 3);
    assert_eq!(
        first.revision(),
        3,
        "the reused ReplicaSet takes the next revision"
    );
    assert_eq!(sets[1].spec.replicas, 0);
    let revisions: Vec<i64> = results.world.state.deployments[&key]
        .rollouts
        .iter()
        .map(|r| r.revision)
        .collect();
    assert_eq!(revisions, vec![1, 2, 3]);
}

#[test]
fn paused_deployment_does_not_roll_until_resumed() {
    let spec = format!(
        "{CLUSTER}  timeline:\n    - {{at: 1m, action: rolloutPause, target: deployment/web}}\n    - {{at: 2m, action: setImage, target: deployment/web, image: \"app:v2\"}}\n    - {{at: 3m, action: scale, target: deployment/web, replicas: 5}}\n    - {{at: 10m, action: rolloutResume, target: deployment/web}}\n"
    );
    let results = run(&scenario(&spec, &deployment("web", 3, "app:v1", "", "")));
    let creates: Vec<u64> = events(&results, "ScalingReplicaSet")
        .iter()
        .filter(|(_, _, m)| m.ends_with("from 0"))
        .map(|(t, _, _)| *t)
        .collect();
    assert_eq!(
        creates,
        vec![0, 600_000],
        "the new ReplicaSet appears only on resume"
    );
    assert!(
        events(&results, "ScalingReplicaSet")
            .iter()
            .any(|(t, _, m)| *t == 180_000 && m.contains("to 5 from 3")),
        "scaling works while paused"
    );
    assert_eq!(events(&results, "DeploymentPaused").len(), 1);
    assert_eq!(events(&results, "DeploymentResumed").len(), 1);
    let d = &results.world.state.deployments[&ObjKey::new("default", "web")];
    assert_eq!((d.status.updated, d.status.available), (5, 5));
}

#[test]
fn revision_history_limit_deletes_old_replicasets() {
    let spec = format!(
        "{CLUSTER}  timeline:\n    - {{at: 1m, action: setImage, target: deployment/web, image: \"app:v2\"}}\n    - {{at: 3m, action: setImage, target: deployment/web, image: \"app:v3\"}}\n    - {{at: 5m, action: setImage, target: deployment/web, image: \"app:v4\"}}\n"
    );
    let results = run(&scenario(
        &spec,
        &deployment("web", 2, "app:v1", "  revisionHistoryLimit: 1\n", ""),
    ));
    let sets = results
        .world
        .state
        .replicasets_of(&ObjKey::new("default", "web"));
    let revisions: Vec<i64> = sets.iter().map(|rs| rs.revision()).collect();
    assert_eq!(
        revisions,
        vec![3, 4],
        "one old ReplicaSet kept besides the current one"
    );
}

#[test]
fn min_ready_seconds_delays_availability() {
    let spec = format!("{CLUSTER}  images:\n    default: {{pull: 1s, start: 1s}}\n");
    let results = run(&scenario(
        &spec,
        &deployment("web", 2, "app:v1", "  minReadySeconds: 30\n", ""),
    ));
    let series = results
        .recorder
        .series_id("deployment/web", "available_replicas")
        .unwrap();
    let points = results.recorder.points(series);
    let ready = results.recorder.points(
        results
            .recorder
            .series_id("deployment/web", "ready_replicas")
            .unwrap(),
    );
    let first_ready = ready.iter().find(|(_, v)| *v == 2.0).unwrap().0;
    let first_available = points.iter().find(|(_, v)| *v == 2.0).unwrap().0;
    assert_eq!(first_ready, 2_000);
    assert_eq!(first_available, 32_000);
}

#[test]
fn failed_scheduling_message_matches_upstream() {
    let spec = "  duration: 2m\n  cluster:\n    nodePools:\n      - {name: small, count: 2, capacity: {cpu: \"1\", memory: 4Gi}}\n      - {name: db, count: 1, capacity: {cpu: \"8\", memory: 32Gi}, taints: [{key: dedicated, value: db, effect: NoSchedule}]}\n";
    let big = deployment("web", 1, "app:v1", "", "").replace("cpu: 100m", "cpu: \"2\"");
    let results = run(&scenario(spec, &big));
    let failed = events(&results, "FailedScheduling");
    assert!(!failed.is_empty());
    assert_eq!(
        failed[0].2,
        "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
    // The scheduler backs off 1 s, 2 s, 4 s … but an unschedulable pod only retries on a cluster
    // event or after 5 minutes: within 2 minutes there is exactly one attempt.
    assert_eq!(failed.len(), 1);
    let pending = results.recorder.points(
        results
            .recorder
            .series_id("cluster", "pending_pods")
            .unwrap(),
    );
    assert_eq!(pending.last().unwrap().1, 1.0);
}

#[test]
fn pending_pod_is_scheduled_when_capacity_frees_up() {
    let spec = "  duration: 5m\n  cluster:\n    nodePools:\n      - {name: worker, count: 1, capacity: {cpu: \"1\", memory: 4Gi}}\n  timeline:\n    - {at: 1m, action: delete, target: deployment/first}\n";
    let first = deployment("first", 1, "app:v1", "", "").replace("cpu: 100m", "cpu: 800m");
    let second = deployment("second", 1, "app:v1", "", "").replace("cpu: 100m", "cpu: 800m");
    let results = run(&scenario(spec, &format!("{first}---\n{second}")));
    let scheduled = events(&results, "Scheduled");
    assert_eq!(scheduled.len(), 2);
    let second_at = scheduled
        .iter()
        .find(|(_, o, _)| o.contains("second"))
        .unwrap()
        .0;
    // Deleted at 60 s; the old pod stops within 1 s (stop time), then the pending pod binds.
    assert_eq!(second_at, 61_000);
}

#[test]
fn node_selector_and_taints_steer_placement() {
    let spec = "  duration: 2m\n  cluster:\n    nodePools:\n      - {name: ssd, count: 2, capacity: {cpu: \"4\", memory: 16Gi}, labels: {disktype: ssd}}\n      - {name: hdd, count: 2, capacity: {cpu: \"4\", memory: 16Gi}}\n";
    let pinned = deployment(
        "web",
        6,
        "app:v1",
        "",
        "      nodeSelector: {disktype: ssd}\n",
    );
    let results = run(&scenario(spec, &pinned));
    for pod in &results.world.state.pods {
        let node = &results.world.state.nodes[pod.node.unwrap().0].node.name;
        assert!(node.starts_with("ssd-"), "{} on {node}", pod.name);
    }
    // LeastAllocated + BalancedAllocation spread the six pods evenly over the two ssd nodes.
    let per_node: Vec<i64> = results
        .world
        .node_infos
        .iter()
        .map(|n| n.pod_count)
        .collect();
    assert_eq!(per_node, vec![3, 3, 0, 0]);
}

#[test]
fn termination_is_capped_by_the_grace_period() {
    let spec = format!(
        "{CLUSTER}  images:\n    default: {{pull: 1s, start: 1s, stop: 2m}}\n  timeline:\n    - {{at: 1m, action: scale, target: deployment/web, replicas: 0}}\n"
    );
    let results = run(&scenario(
        &spec,
        &deployment(
            "web",
            1,
            "app:v1",
            "",
            "      terminationGracePeriodSeconds: 10\n",
        ),
    ));
    let pod = &results.world.state.pods[0];
    assert_eq!(pod.deletion.unwrap().as_millis(), 60_000);
    assert_eq!(
        pod.gone.unwrap().as_millis(),
        70_000,
        "SIGKILL at the grace period"
    );
    let killing = events(&results, "Killing");
    assert_eq!(killing[0].2, "Stopping container app");
}

#[test]
fn recreate_never_overlaps_old_and_new_pods() {
    let spec = format!(
        "{CLUSTER}  images:\n    default: {{pull: 1s, start: 1s, stop: 5s}}\n  timeline:\n    - {{at: 1m, action: setImage, target: deployment/web, image: \"app:v2\"}}\n"
    );
    let results = run(&scenario(
        &spec,
        &deployment("web", 3, "app:v1", "  strategy: {type: Recreate}\n", ""),
    ));
    let pods = &results.world.state.pods;
    let old_gone = pods
        .iter()
        .filter(|p| p.spec.containers[0].image == "app:v1")
        .map(|p| p.gone.unwrap())
        .max()
        .unwrap();
    let new_created = pods
        .iter()
        .filter(|p| p.spec.containers[0].image == "app:v2")
        .map(|p| p.created)
        .min()
        .unwrap();
    assert!(
        new_created >= old_gone,
        "new pods at {new_created}, last old pod gone at {old_gone}"
    );
    assert_eq!(new_created.as_millis(), 65_000);
}

#[test]
fn scale_down_deletes_unready_pods_first() {
    // Scale 3 → 5, then back to 3 before the two new pods are ready: those two go, not the
    // three ready ones (ActivePodsWithRanks: not ready before ready).
    let spec = format!(
        "{CLUSTER}  images:\n    default: {{pull: 10s, start: 1s}}\n  timeline:\n    - {{at: 1m, action: scale, target: deployment/web, replicas: 5}}\n    - {{at: 65s, action: scale, target: deployment/web, replicas: 3}}\n"
    );
    let results = run(&scenario(&spec, &deployment("web", 3, "app:v1", "", "")));
    let deleted: Vec<&timonel::cluster::state::PodState> = results
        .world
        .state
        .pods
        .iter()
        .filter(|p| p.deletion.is_some())
        .collect();
    assert_eq!(deleted.len(), 2);
    assert!(
        deleted.iter().all(|p| p.created.as_millis() == 60_000),
        "the new, unready pods are deleted"
    );
}

#[test]
fn scale_down_prefers_pods_on_crowded_nodes() {
    // Three pods on two nodes (2 + 1): scaling to 2 deletes one of the co-located pair.
    let spec = "  duration: 3m\n  cluster:\n    nodePools:\n      - {name: worker, count: 2, capacity: {cpu: \"4\", memory: 16Gi}}\n  timeline:\n    - {at: 1m, action: scale, target: deployment/web, replicas: 2}\n";
    let results = run(&scenario(spec, &deployment("web", 3, "app:v1", "", "")));
    let live: Vec<usize> = results
        .world
        .state
        .pods
        .iter()
        .filter(|p| p.deletion.is_none())
        .map(|p| p.node.unwrap().0)
        .collect();
    let mut nodes = live.clone();
    nodes.sort();
    assert_eq!(nodes, vec![0, 1], "one pod left on each node");
}

#[test]
fn patch_merges_containers_by_name_and_starts_a_rollout() {
    let spec = format!(
        "{CLUSTER}  timeline:\n    - at: 1m\n      action: patch\n      target: deployment/web\n      patch:\n        spec:\n          strategy: {{rollingUpdate: {{maxSurge: 0, maxUnavailable: 1}}}}\n          template:\n            spec:\n              containers:\n              - {{name: app, image: \"app:v2\"}}\n"
    );
    let results = run(&scenario(&spec, &deployment("web", 3, "app:v1", "", "")));
    let d = &results.world.state.deployments[&ObjKey::new("default", "web")];
    let container = &d.spec.template.spec.containers[0];
    assert_eq!(container.image, "app:v2");
    assert_eq!(
        container.requests.cpu_millis, 100,
        "the merge keeps the container's other fields"
    );
    // maxSurge 0 / maxUnavailable 1: the old set shrinks first, never more than 3 pods.
    let scaling: Vec<String> = events(&results, "ScalingReplicaSet")
        .into_iter()
        .skip(1)
        .map(|(_, _, m)| m)
        .collect();
    assert!(
        scaling[0].starts_with("Scaled down replica set web-"),
        "{scaling:?}"
    );
    assert_eq!((d.status.updated, d.status.available), (3, 3));
}

#[test]
fn apply_updates_an_existing_deployment_and_delete_removes_its_pods() {
    let v2 = deployment("web", 3, "app:v2", "", "");
    let inline: String = v2.lines().map(|l| format!("        {l}\n")).collect();
    let spec = format!(
        "{CLUSTER}  timeline:\n    - at: 1m\n      action: apply\n      manifest:\n{inline}    - {{at: 5m, action: delete, target: deployment/web}}\n"
    );
    let results = run(&scenario(&spec, &deployment("web", 3, "app:v1", "", "")));
    assert_eq!(results.world.state.deployments.len(), 0);
    assert_eq!(results.world.state.replicasets.len(), 0);
    let v2_pods = results
        .world
        .state
        .pods
        .iter()
        .filter(|p| p.spec.containers[0].image == "app:v2")
        .count();
    assert_eq!(v2_pods, 3, "apply rolled the Deployment to v2");
    assert!(
        results.world.state.pods.iter().all(|p| p.gone.is_some()),
        "deleting the Deployment deletes its pods"
    );
}

#[test]
fn readiness_probe_gates_the_endpoint_until_the_app_is_ready() {
    // App ready 12 s after start; probe from 5 s every 5 s → Ready at the 15 s probe.
    let spec = format!("{CLUSTER}  images:\n    default: {{pull: 1s, start: 1s, ready: 12s}}\n");
    let probe = "        readinessProbe:\n          httpGet: {path: /, port: 80}\n          initialDelaySeconds: 5\n          periodSeconds: 5\n";
    let with_probe = deployment("web", 1, "app:v1", "", "")
        .replace("        resources:", &format!("{probe}        resources:"));
    let results = run(&scenario(&spec, &with_probe));
    let pod = &results.world.state.pods[0];
    assert_eq!(pod.started.unwrap().as_millis(), 2_000);
    assert_eq!(pod.first_ready.unwrap().as_millis(), 17_000);
    // Without a probe the pod is Ready as soon as it starts, before the app answers.
    let results = run(&scenario(&spec, &deployment("web", 1, "app:v1", "", "")));
    assert_eq!(
        results.world.state.pods[0].first_ready.unwrap().as_millis(),
        2_000
    );
}

#[test]
fn crashing_container_restarts_with_crash_loop_back_off() {
    // crashAfter 5 s: crash 1 restarts at once, then waits 10, 20, 40 s (SPEC §9).
    let spec =
        format!("{CLUSTER}  images:\n    default: {{pull: 1s, start: 1s, crashAfter: 5s}}\n");
    let results = run(&scenario(&spec, &deployment("web", 1, "app:v1", "", "")));
    let starts: Vec<u64> = events(&results, "Started")
        .iter()
        .map(|(t, _, _)| *t)
        .collect();
    let gaps: Vec<u64> = starts.windows(2).map(|w| w[1] - w[0]).take(4).collect();
    // Each gap = 5 s running + back-off + 1 s start.
    assert_eq!(gaps, vec![6_000, 16_000, 26_000, 46_000]);
    assert!(
        events(&results, "BackOff")
            .iter()
            .all(|(_, _, m)| m.starts_with("Back-off restarting failed container app in pod web-"))
    );
}

#[test]
fn distributions_are_seeded_and_reproducible() {
    let spec = format!(
        "{CLUSTER}  images:\n    default: {{pull: {{dist: exponential, mean: 10s}}, start: {{dist: uniform, min: 1s, max: 3s}}, ready: {{dist: lognormal, median: 2s, p99: 10s}}}}\n"
    );
    let text = scenario(&spec, &deployment("web", 10, "app:v1", "", ""));
    let a: Vec<Option<u64>> = run(&text)
        .world
        .state
        .pods
        .iter()
        .map(|p| p.first_ready.map(|t| t.as_millis()))
        .collect();
    let b: Vec<Option<u64>> = run(&text)
        .world
        .state
        .pods
        .iter()
        .map(|p| p.first_ready.map(|t| t.as_millis()))
        .collect();
    assert_eq!(a, b);
    let distinct: std::collections::BTreeSet<_> = a.iter().collect();
    assert!(distinct.len() > 5, "draws differ between pods: {a:?}");
}

/// `timonel run … | head -1`: the reader goes away early; the run still writes its files and
/// exits 0 instead of panicking on the closed pipe.
#[test]
fn a_closed_stdout_pipe_ends_the_output_quietly() {
    let out = crate::support::temp_dir("closed-pipe");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_timonel"))
        .args([
            "run",
            "scenarios/nginx-rolling-update.yaml",
            "--no-charts",
            "--out",
            out.to_str().unwrap(),
        ])
        .current_dir(crate::support::root())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn timonel");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait for timonel");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.join("summary.json").exists());
}
