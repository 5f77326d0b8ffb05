//! StatefulSets end to end (the Kubernetes documentation's "StatefulSet Basics" tutorial): stable
//! names `web-N` created in order, reverse-ordered scale-down, Parallel pod management, rolling
//! updates from the highest ordinal down to the partition, OnDelete, and sticky claims
//! `www-web-N` with their retention policy.

use timonel::cluster::state::PodState;
use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

const STORAGE_CLASS: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: standard\n  annotations: {storageclass.kubernetes.io/is-default-class: \"true\"}\nprovisioner: pd.csi.storage.gke.io\nvolumeBindingMode: WaitForFirstConsumer\n";

/// The tutorial's StatefulSet with `spec_extra` added to its spec (indented two spaces).
fn web(replicas: i64, spec_extra: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  serviceName: nginx\n  replicas: {replicas}\n{spec_extra}  selector:\n    matchLabels: {{app: nginx}}\n  template:\n    metadata:\n      labels: {{app: nginx}}\n    spec:\n      containers:\n      - name: nginx\n        image: registry.k8s.io/nginx-slim:0.21\n        volumeMounts:\n        - {{name: www, mountPath: /usr/share/nginx/html}}\n  volumeClaimTemplates:\n  - metadata: {{name: www}}\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources: {{requests: {{storage: 1Gi}}}}\n"
    )
}

/// Runs a 5-minute scenario on three nodes with `timeline` (YAML list items, indented four
/// spaces) and the objects `manifests`.
fn run(timeline: &str, manifests: &[&str]) -> RunResults {
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: sts\nspec:\n  duration: 5m\n  cluster:\n    nodePools:\n    - {{name: worker, count: 3, capacity: {{cpu: \"4\", memory: 16Gi}}}}\n  images:\n    default: {{pull: 2s, start: 1s, ready: 2s}}\n  timeline:\n{timeline}\n---\n{STORAGE_CLASS}---\n{}",
        manifests.join("---\n")
    );
    let text = text.replace("  timeline:\n\n", "  timeline: []\n");
    let scenarios = scenario::load(
        &[Input {
            path: "sts.yaml".into(),
            text,
        }],
        LoadOptions::default(),
    )
    .expect("scenario loads");
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
    .expect("run succeeds");
    assert_eq!(results.world.violation, None);
    results
}

/// Every pod ever named `name`, in creation order.
fn pods<'a>(results: &'a RunResults, name: &str) -> Vec<&'a PodState> {
    results
        .world
        .state
        .pods
        .iter()
        .filter(|p| p.name == name)
        .collect()
}

/// The live pod `name`.
fn live<'a>(results: &'a RunResults, name: &str) -> Option<&'a PodState> {
    pods(results, name).into_iter().find(|p| p.gone.is_none())
}

fn ms(t: Option<timonel::sim::time::SimTime>) -> u64 {
    t.map_or(u64::MAX, |t| t.as_millis())
}

fn image(pod: &PodState) -> &str {
    &pod.spec.containers[0].image
}

fn claims(results: &RunResults) -> Vec<String> {
    results
        .world
        .state
        .storage
        .claims
        .keys()
        .map(|(_, name)| name.clone())
        .collect()
}

fn events(results: &RunResults, reason: &str) -> Vec<String> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.object == "statefulset/web" && e.reason == reason)
        .map(|e| e.message.clone())
        .collect()
}

#[test]
fn ordered_ready_starts_each_pod_after_the_previous_is_running_and_ready() {
    let results = run("", &[&web(3, "")]);
    let names = ["web-0", "web-1", "web-2"];
    for pair in names.windows(2) {
        let before = live(&results, pair[0]).expect("pod exists");
        let after = live(&results, pair[1]).expect("pod exists");
        assert!(
            ms(Some(after.created)) >= ms(before.first_ready),
            "{} created at {} before {} was ready at {}",
            pair[1],
            ms(Some(after.created)),
            pair[0],
            ms(before.first_ready)
        );
        assert!(ms(before.first_ready) > 0);
    }
    let creates = events(&results, "SuccessfulCreate");
    assert_eq!(
        creates,
        [
            "create Claim www-web-0 Pod web-0 in StatefulSet web success",
            "create Pod web-0 in StatefulSet web successful",
            "create Claim www-web-1 Pod web-1 in StatefulSet web success",
            "create Pod web-1 in StatefulSet web successful",
            "create Claim www-web-2 Pod web-2 in StatefulSet web success",
            "create Pod web-2 in StatefulSet web successful",
        ]
    );
    let pod = live(&results, "web-1").expect("web-1");
    assert_eq!(pod.spec.claims, ["www-web-1"]);
    assert_eq!(pod.labels["statefulset.kubernetes.io/pod-name"], "web-1");
    assert_eq!(pod.labels["apps.kubernetes.io/pod-index"], "1");
    assert!(pod.labels["controller-revision-hash"].starts_with("web-"));
    let set = &results
        .world
        .state
        .statefulsets
        .values()
        .next()
        .expect("set");
    assert_eq!((set.status.replicas, set.status.ready), (3, 3));
    // Claims bound (WaitForFirstConsumer: provisioned when their pod was scheduled).
    assert!(results.world.state.storage.claims.values().all(|c| c.bound));
}

#[test]
fn scale_down_removes_pods_from_the_highest_ordinal_and_keeps_claims_by_default() {
    let timeline = "    - {at: 1m, action: scale, target: statefulset/web, replicas: 1}";
    let results = run(timeline, &[&web(3, "")]);
    let w1 = &pods(&results, "web-1")[0];
    let w2 = &pods(&results, "web-2")[0];
    assert!(w2.deletion.is_some() && w1.deletion.is_some());
    assert!(
        ms(w1.deletion) >= ms(w2.gone),
        "web-1 deleted before web-2 was gone"
    );
    assert_eq!(
        events(&results, "SuccessfulDelete"),
        [
            "delete Pod web-2 in StatefulSet web successful",
            "delete Pod web-1 in StatefulSet web successful"
        ]
    );
    assert!(live(&results, "web-0").is_some());
    // whenScaled: Retain (default): the claims stay for a later scale-up.
    assert_eq!(claims(&results), ["www-web-0", "www-web-1", "www-web-2"]);
}

#[test]
fn when_scaled_delete_removes_the_claims_of_removed_pods() {
    let timeline = "    - {at: 1m, action: scale, target: statefulset/web, replicas: 1}";
    let policy = "  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete}\n";
    let results = run(timeline, &[&web(3, policy)]);
    assert_eq!(claims(&results), ["www-web-0"]);
    // Their provisioned volumes go with them.
    assert_eq!(results.world.state.storage.volumes.len(), 1);
}

#[test]
fn deleting_the_set_deletes_claims_only_under_when_deleted_delete() {
    let timeline = "    - {at: 1m, action: delete, target: statefulset/web}";
    let results = run(timeline, &[&web(2, "")]);
    assert!(results.world.state.pods.iter().all(|p| p.gone.is_some()));
    assert_eq!(claims(&results), ["www-web-0", "www-web-1"]);
    let policy = "  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}\n";
    let results = run(timeline, &[&web(2, policy)]);
    assert!(claims(&results).is_empty());
    // Foreground: the same, once the pods are gone; Orphan: the claims stay with the pods.
    let foreground =
        "    - {at: 1m, action: delete, target: statefulset/web, propagationPolicy: Foreground}";
    let results = run(foreground, &[&web(2, policy)]);
    assert!(claims(&results).is_empty());
    assert!(results.world.state.statefulsets.is_empty());
    let orphan =
        "    - {at: 1m, action: delete, target: statefulset/web, propagationPolicy: Orphan}";
    let results = run(orphan, &[&web(2, policy)]);
    assert_eq!(claims(&results), ["www-web-0", "www-web-1"]);
    assert!(results.world.state.pods.iter().all(|p| p.gone.is_none()));
}

#[test]
fn parallel_creates_every_pod_at_once() {
    let results = run("", &[&web(3, "  podManagementPolicy: Parallel\n")]);
    for name in ["web-0", "web-1", "web-2"] {
        let pod = live(&results, name).expect("pod exists");
        assert_eq!(ms(Some(pod.created)), 0, "{name}");
    }
}

#[test]
fn rolling_update_goes_from_the_highest_ordinal_down_to_the_partition() {
    let timeline = "    - {at: 1m, action: setImage, target: statefulset/web, container: nginx, image: \"registry.k8s.io/nginx-slim:0.24\"}";
    let partition = "  updateStrategy:\n    rollingUpdate: {partition: 1}\n";
    let results = run(timeline, &[&web(3, partition)]);
    let new = "registry.k8s.io/nginx-slim:0.24";
    assert_eq!(
        image(live(&results, "web-0").expect("web-0")),
        "registry.k8s.io/nginx-slim:0.21"
    );
    assert_eq!(image(live(&results, "web-1").expect("web-1")), new);
    assert_eq!(image(live(&results, "web-2").expect("web-2")), new);
    assert_eq!(pods(&results, "web-0").len(), 1);
    assert_eq!(
        events(&results, "SuccessfulDelete"),
        [
            "delete Pod web-2 in StatefulSet web successful",
            "delete Pod web-1 in StatefulSet web successful"
        ]
    );
    // web-1 is replaced only once the new web-2 is Running and Ready.
    let new_w2 = live(&results, "web-2").expect("web-2");
    let old_w1 = &pods(&results, "web-1")[0];
    assert!(ms(old_w1.deletion) >= ms(new_w2.first_ready));
    // Claims are created once: the recreated pods reuse them.
    assert_eq!(
        events(&results, "SuccessfulCreate")
            .iter()
            .filter(|m| m.starts_with("create Claim"))
            .count(),
        3
    );
    let set = results
        .world
        .state
        .statefulsets
        .values()
        .next()
        .expect("set");
    assert_eq!(set.status.updated, 2);
    assert_ne!(set.status.current_revision, set.status.update_revision);
}

#[test]
fn rolling_update_without_partition_completes_and_records_the_rollout() {
    let timeline = "    - {at: 1m, action: setImage, target: statefulset/web, container: nginx, image: \"registry.k8s.io/nginx-slim:0.24\"}";
    let results = run(timeline, &[&web(3, "")]);
    let set = results
        .world
        .state
        .statefulsets
        .values()
        .next()
        .expect("set");
    assert_eq!(set.status.current_revision, set.status.update_revision);
    assert_eq!(set.status.updated, 3);
    let last = set.rollouts.last().expect("rollout");
    assert_eq!((last.revision, last.outcome), (2, "complete"));
    assert_eq!(last.start.as_millis(), 60_000);
}

#[test]
fn on_delete_updates_a_pod_only_when_it_is_deleted() {
    let timeline = "    - {at: 1m, action: setImage, target: statefulset/web, container: nginx, image: \"registry.k8s.io/nginx-slim:0.24\"}\n    - {at: 2m, action: delete, target: pod/web-1}";
    let results = run(timeline, &[&web(3, "  updateStrategy: {type: OnDelete}\n")]);
    let old = "registry.k8s.io/nginx-slim:0.21";
    assert_eq!(image(live(&results, "web-0").expect("web-0")), old);
    assert_eq!(image(live(&results, "web-2").expect("web-2")), old);
    assert_eq!(
        image(live(&results, "web-1").expect("web-1")),
        "registry.k8s.io/nginx-slim:0.24"
    );
    assert!(events(&results, "SuccessfulDelete").is_empty());
}

#[test]
fn a_deleted_pod_comes_back_with_the_same_name_and_claim() {
    let timeline = "    - {at: 1m, action: delete, target: pod/web-1}";
    let results = run(timeline, &[&web(3, "")]);
    let all = pods(&results, "web-1");
    assert_eq!(all.len(), 2);
    // The replacement is created only once the old pod is gone.
    assert!(ms(Some(all[1].created)) >= ms(all[0].gone));
    assert_eq!(all[1].spec.claims, ["www-web-1"]);
    assert!(all[1].ready);
    let claim = results
        .world
        .state
        .storage
        .claim("default", "www-web-1")
        .expect("claim kept");
    assert_eq!(claim.volume_name.as_deref(), Some("pvc-default-www-web-1"));
}

#[test]
fn statefulset_series_and_expectations() {
    let results = run("", &[&web(2, "")]);
    let id = results
        .recorder
        .series_id("statefulset/web", "ready_replicas")
        .expect("series");
    assert_eq!(results.recorder.points(id).last().map(|p| p.1), Some(2.0));
    for metric in ["replicas", "available_replicas", "updated_replicas"] {
        assert!(
            results
                .recorder
                .series_id("statefulset/web", metric)
                .is_some(),
            "{metric}"
        );
    }
    let table = timonel::export::table::render_summary(&results);
    assert!(table.contains("statefulset/web   2/2"), "{table}");
}

#[test]
fn rollout_undo_goes_back_to_the_previous_controller_revision() {
    let timeline = "    - {at: 30s, action: setImage, target: statefulset/web, container: nginx, image: \"registry.k8s.io/nginx-slim:0.24\"}\n    - {at: 2m, action: rolloutUndo, target: statefulset/web}\n    - {at: 4m, action: rolloutUndo, target: statefulset/web, toRevision: 9}";
    let results = run(timeline, &[&web(2, "")]);
    for name in ["web-0", "web-1"] {
        assert_eq!(
            image(live(&results, name).expect(name)),
            "registry.k8s.io/nginx-slim:0.21",
            "{name} is back on the first template"
        );
    }
    let notes = &results.world.notes;
    assert!(
        notes
            .iter()
            .any(|n| n.ends_with("rollout undo of statefulset/web: rolled back to revision 1")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.ends_with(
            "rollout undo of statefulset/web: error: unable to find specified revision 9 in history"
        )),
        "{notes:?}"
    );
}

#[test]
fn max_unavailable_follows_the_feature_gate_of_the_kubernetes_version() {
    let set = web(
        3,
        "  updateStrategy:\n    rollingUpdate: {maxUnavailable: 2}\n",
    );
    // (kubernetesVersion, the field is announced as ignored)
    for (version, ignored) in [
        ("1.24", true),
        ("1.34", true),
        ("1.35", false),
        ("1.36", false),
    ] {
        let text = format!(
            "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: sts\nspec:\n  duration: 1m\n  kubernetesVersion: \"{version}\"\n---\n{STORAGE_CLASS}---\n{set}"
        );
        let scenarios = timonel::scenario::load(
            &[timonel::scenario::Input {
                path: "t.yaml".into(),
                text,
            }],
            timonel::scenario::LoadOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let announced = scenarios[0].notes.iter().any(|n| {
            n == &format!("Info: StatefulSet \"web\": spec.updateStrategy.rollingUpdate.maxUnavailable is ignored: the MaxUnavailableStatefulSet feature gate is off by default before Kubernetes 1.35 (kubernetesVersion {version}), so pods are updated one at a time")
        });
        assert_eq!(announced, ignored, "{version}: {:?}", scenarios[0].notes);
    }
}
