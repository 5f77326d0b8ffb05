//! Service availability: endpoints that follow readiness after a propagation delay,
//! `publishNotReadyAddresses`, quorum (`spec.availability`), outages and their causes, the
//! kubelet's crash-loop back-off and OOM kills by the image memory model.

use timonel::metrics::RunResults;
use timonel::metrics::summary;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions, Scenario};

use crate::support::root;

fn load(path: &str, text: String) -> Scenario {
    let mut scenarios = scenario::load(
        &[Input {
            path: path.into(),
            text,
        }],
        LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    scenarios.remove(0)
}

fn run(s: &Scenario) -> RunResults {
    pipeline::run(
        s,
        RunOptions {
            seed: s.seed,
            until: s.duration,
            max_events: 1_000_000,
            check_invariants: true,
            record_scheduling: false,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn shipped(name: &str) -> String {
    std::fs::read_to_string(root().join("scenarios").join(name)).expect("shipped scenario")
}

/// Event times (s) of `reason` on `object`.
fn event_times_s(results: &RunResults, object: &str, reason: &str) -> Vec<u64> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.reason == reason && e.object == object)
        .map(|e| e.time.as_millis() / 1000)
        .collect()
}

/// Requests demanded but not served by `object` (`service/NAME`) from `from_ms` to the end.
fn lost_requests(results: &RunResults, object: &str, from_ms: u64) -> f64 {
    let points = |metric: &str| {
        let id = results
            .recorder
            .series_id(object, metric)
            .unwrap_or_else(|| panic!("no series {object} {metric}"));
        results.recorder.points(id)
    };
    let (demand, served) = (points("demand_rps"), points("served_rps"));
    let end = results.duration.as_millis();
    let integral = |p: &[(u64, f64)]| -> f64 {
        p.iter()
            .enumerate()
            .map(|(i, (t, v))| {
                let next = p.get(i + 1).map_or(end, |(t, _)| *t);
                v * next.saturating_sub((*t).max(from_ms)) as f64 / 1000.0
            })
            .sum()
    };
    integral(&demand) - integral(&served)
}

#[test]
fn crash_loop_restarts_wait_10_20_40_then_up_to_300_seconds() {
    let results = run(&load(
        "crashloop-restarts.yaml",
        shipped("crashloop-restarts.yaml"),
    ));
    let started = event_times_s(&results, "pod/crasher-0", "Started");
    assert_eq!(started, [3, 9, 25, 51, 97, 183, 349, 655, 961]);
    // Each run: crash 5 s after its start, then the back-off, then 1 s to start again.
    let waits: Vec<u64> = started.windows(2).map(|w| w[1] - w[0] - 5 - 1).collect();
    assert_eq!(waits, [0, 10, 20, 40, 80, 160, 300, 300]);
    let back_offs = event_times_s(&results, "pod/crasher-0", "BackOff");
    assert_eq!(back_offs, [14, 30, 56, 102, 188, 354, 660, 966]);
    let pod = &results.world.state.pods[0];
    assert_eq!(pod.restarts, 8);
    assert_eq!(pod.last_termination, Some(("Error", 1)));
}

#[test]
fn memory_growth_past_the_limit_is_oom_killed_and_backs_off() {
    let results = run(&load("oom-kill.yaml", shipped("oom-kill.yaml")));
    for pod in &results.world.state.pods {
        if pod.name == "unlimited" {
            assert_eq!(pod.restarts, 0, "no memory limit: never OOM-killed");
            assert_eq!(pod.last_termination, None);
        } else {
            assert_eq!(pod.restarts, 3, "{}", pod.name);
            assert_eq!(pod.last_termination, Some(("OOMKilled", 137)));
            let object = format!("pod/{}", pod.name);
            assert_eq!(
                event_times_s(&results, &object, "Started"),
                [3, 484, 975, 1476]
            );
            assert_eq!(event_times_s(&results, &object, "BackOff"), [964, 1455]);
        }
    }
    let json = summary::build(&results);
    let outages = json["services"]["default/leaky"]["outages"]
        .as_array()
        .expect("outages");
    let starts: Vec<u64> = outages
        .iter()
        .map(|o| o["start_ms"].as_u64().unwrap())
        .collect();
    assert_eq!(starts, [483_000, 964_000, 1_455_000]);
    for o in outages {
        let cause = o["cause"].as_str().expect("cause");
        assert!(cause.starts_with("OOMKilled pod/leaky-"), "{cause}");
    }
    assert_eq!(
        json["workloads"]["deployment/default/leaky"]["time_below_desired_ms"],
        33_000
    );
    let pods_csv = String::from_utf8(timonel::export::csv_files::pods(&results)).unwrap();
    assert!(pods_csv.contains(",OOMKilled,137\n"), "{pods_csv}");
}

#[test]
fn memory_model_drives_hpa_memory_utilisation() {
    let text = "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {name: hpa-memory}\nspec:\n  duration: 3m\n  cluster:\n    nodePools:\n      - {name: worker, count: 2, capacity: {cpu: \"8\", memory: 32Gi}}\n  images:\n    default: {pull: 1s, start: 1s, MEMORY}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: app, image: \"web:1\", resources: {requests: {cpu: 100m, memory: 200Mi}}}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 2\n  maxReplicas: 10\n  metrics:\n  - type: Resource\n    resource:\n      name: memory\n      target: {type: Utilization, averageUtilization: 120}\n";
    let replicas = |memory: &str| {
        let results = run(&load("hpa.yaml", text.replace("MEMORY", memory)));
        results
            .world
            .state
            .deployments
            .values()
            .next()
            .unwrap()
            .spec
            .replicas
    };
    // 300Mi of a 200Mi request is 150 %, above the 120 % target in every pod however many
    // there are: the HPA scales up to maxReplicas.
    assert_eq!(replicas("memory: 300Mi"), 10);
    // Without a model the use is the request (100 %): below the target, it stays at minReplicas.
    assert_eq!(replicas("ready: 0s"), 2);
}

#[test]
fn quorum_turns_two_lost_members_into_an_outage() {
    let text = shipped("quorum-database.yaml");
    let with_rule = run(&load("quorum-database.yaml", text.clone()));
    let json = summary::build(&with_rule);
    let db = &json["services"]["default/db"];
    assert_eq!(db["min_ready_endpoints"], 2);
    assert_eq!(db["outage_count"], 1);
    assert_eq!(db["downtime_ms"], 11_000);
    let outage = &db["outages"][0];
    assert_eq!(outage["start_ms"], 600_000);
    assert_eq!(outage["end_ms"], 611_000);
    assert_eq!(outage["duration_ms"], 11_000);
    assert_eq!(outage["cause"], "Error pod/db-2");
    assert_eq!(db["mean_time_to_recover_ms"], 11_000.0);
    // The same run without the rule: one answering member is enough, nothing is lost.
    let without = text.replace(
        "  availability:\n    - {service: db, minReadyEndpoints: 2}\n",
        "",
    );
    assert_ne!(without, text);
    let json = summary::build(&run(&load("quorum-database.yaml", without)));
    let db = &json["services"]["default/db"];
    assert_eq!(db["outage_count"], 0);
    assert_eq!(db["availability"], 1.0);
}

/// A three-replica rolling update under 300 requests/s, with `delay` and a container `extra`.
fn rolling_update(delay: &str, extra: &str) -> RunResults {
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {{name: delay}}\nspec:\n  duration: 3m\n  cluster:\n    endpointPropagationDelay: {delay}\n    nodePools:\n      - {{name: worker, count: 3, capacity: {{cpu: \"4\", memory: 16Gi}}}}\n  images:\n    default: {{pull: 2s, start: 1s, ready: 0s}}\n  traffic:\n    - {{service: web, rps: 300}}\n  timeline:\n    - {{at: 1m, action: setImage, target: deployment/web, image: \"web:2\"}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: web}}\nspec:\n  selector: {{app: web}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 3\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n      - name: app\n        image: \"web:1\"\n{extra}"
    );
    run(&load("delay.yaml", text))
}

#[test]
fn endpoint_delay_loses_requests_to_pods_that_stopped_answering() {
    // Instant endpoints: a deleted pod leaves the routing table the moment it stops answering.
    let instant = lost_requests(&rolling_update("0s", ""), "service/web", 60_000);
    assert_eq!(instant, 0.0);
    // 1 s: each of the three old pods still gets its third of 300 requests/s for 1 s after
    // SIGTERM (the new pod joins the routing table at the same moment).
    let delayed = rolling_update("1s", "");
    assert_eq!(lost_requests(&delayed, "service/web", 60_000), 300.0);
    let json = summary::build(&delayed);
    let web = &json["services"]["default/web"];
    assert_eq!(web["outage_count"], 0, "two pods keep answering");
    assert!(web["served_fraction"].as_f64().unwrap() < 1.0);
    // A preStop sleep longer than the delay keeps the old pod answering until it is unrouted.
    let pre_stop = rolling_update(
        "1s",
        "        lifecycle:\n          preStop:\n            sleep: {seconds: 5}\n",
    );
    assert_eq!(lost_requests(&pre_stop, "service/web", 60_000), 0.0);
    // Default (no field) is 1 s.
    let text = shipped("nginx-rolling-update.yaml");
    assert_eq!(
        load("n.yaml", text).endpoint_propagation_delay_ns,
        1_000_000_000
    );
}

/// A pod that is not ready for its first 60 s behind a Service, with or without
/// `publishNotReadyAddresses`; the series `ready_endpoints` and `serving_endpoints` at 30 s.
fn publish_not_ready(publish: bool) -> (f64, f64) {
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {{name: pnr}}\nspec:\n  duration: 2m\n  cluster:\n    nodePools:\n      - {{name: worker, count: 1, capacity: {{cpu: \"4\", memory: 16Gi}}}}\n  images:\n    default: {{pull: 1s, start: 1s, ready: 60s}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: db}}\nspec:\n  clusterIP: None\n  publishNotReadyAddresses: {publish}\n  selector: {{app: db}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: db-0, labels: {{app: db}}}}\nspec:\n  containers:\n  - name: db\n    image: db:1\n    readinessProbe:\n      tcpSocket: {{port: 5432}}\n      periodSeconds: 10\n"
    );
    let results = run(&load("pnr.yaml", text));
    let at_30s = |metric: &str| {
        let id = results.recorder.series_id("service/db", metric).unwrap();
        results
            .recorder
            .points(id)
            .iter()
            .take_while(|(t, _)| *t <= 30_000)
            .last()
            .map(|(_, v)| *v)
            .unwrap()
    };
    (at_30s("ready_endpoints"), at_30s("serving_endpoints"))
}

#[test]
fn publish_not_ready_addresses_routes_to_unready_pods() {
    assert_eq!(publish_not_ready(false), (0.0, 0.0));
    // Routed, but the app does not answer yet: still no serving endpoint.
    assert_eq!(publish_not_ready(true), (1.0, 0.0));
}

#[test]
fn service_type_gives_one_info_line() {
    let services: String = ["web", "api", "db"]
        .iter()
        .map(|name| {
            format!("---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  type: LoadBalancer\n  selector: {{app: {name}}}\n  ports: [{{port: 80}}]\n")
        })
        .collect();
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {{name: types}}\nspec:\n  duration: 1m\n{services}"
    );
    let s = load("types.yaml", text);
    let infos: Vec<&String> = s
        .notes
        .iter()
        .filter(|n| n.contains("does not change availability"))
        .collect();
    assert_eq!(infos.len(), 1, "{:?}", s.notes);
    assert!(infos[0].starts_with("Info: "), "{}", infos[0]);
    assert!(infos[0].contains("LoadBalancer"), "{}", infos[0]);
}

#[test]
fn a_hung_app_fails_requests_until_readiness_and_kube_proxy_drop_it() {
    // Started at 3 s, Ready at once (first probe at start), routed at 4 s; hangs 30 s after
    // the start (33 s); readiness probes at 30, 40, 50 s after the start fail, the third
    // (failureThreshold 3) makes it unready at 53 s; kube-proxy drops it at 54 s.
    let text = "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {name: hung}\nspec:\n  duration: 2m\n  cluster:\n    nodePools:\n      - {name: worker, count: 1, capacity: {cpu: \"4\", memory: 16Gi}}\n  images:\n    default: {pull: 2s, start: 1s, ready: 0s, hangAfter: 30s}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-0, labels: {app: web}}\nspec:\n  containers:\n  - name: web\n    image: web:1\n    readinessProbe:\n      httpGet: {path: /, port: 80}\n      periodSeconds: 10\n      failureThreshold: 3\n";
    let results = run(&load("hung.yaml", text.to_string()));
    let changes = |metric: &str| {
        let id = results.recorder.series_id("service/web", metric).unwrap();
        results.recorder.points(id)
    };
    assert_eq!(
        changes("ready_endpoints"),
        [(0, 0.0), (4_000, 1.0), (54_000, 0.0)]
    );
    assert_eq!(
        changes("serving_endpoints"),
        [(0, 0.0), (4_000, 1.0), (33_000, 0.0)]
    );
    let json = summary::build(&results);
    assert_eq!(
        json["services"]["default/web"]["outages"][0]["start_ms"],
        33_000
    );
}

#[test]
fn an_availability_rule_for_a_missing_service_is_a_warning() {
    let text = "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {name: rules}\nspec:\n  duration: 1m\n  availability:\n    - {service: db, minReadyEndpoints: 2}\n    - {service: dbx, minReadyEndpoints: 2}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  selector: {app: db}\n";
    let s = load("rules.yaml", text.to_string());
    let warnings: Vec<&String> = s
        .notes
        .iter()
        .filter(|n| n.starts_with("Warning: "))
        .collect();
    assert_eq!(
        warnings,
        [
            "Warning: rules.yaml:8:8: spec.availability[1].service: no Service \"dbx\" in namespace \"default\" is created by the inputs; the rule has no effect"
        ]
    );
    assert_eq!(s.availability.len(), 2);
    assert_eq!(s.availability[1].min_ready_endpoints, 2);
}
