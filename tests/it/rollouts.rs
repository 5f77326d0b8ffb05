//! Argo Rollouts (`argoproj.io/v1alpha1 Rollout`): canary steps realised by replica ratio,
//! `promote` and `abort`, AnalysisTemplates measured on the simulated error rate (step,
//! background, pre- and post-promotion analysis), blue/green with preview and active Services.

use crate::traffic::{run_at, value_at};
use timonel::cluster::state::ObjKey;
use timonel::metrics::RunResults;

const SEC: u64 = 1000;

fn scenario(spec: &str, strategy: &str, replicas: u32) -> String {
    format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: t\nspec:\n  cluster:\n    nodePools:\n      - {{name: worker, count: 4, capacity: {{cpu: \"8\", memory: 32Gi}}}}\n  images:\n    default: {{pull: 1s, start: 1s, ready: 2s}}\n    \"shop:bad\": {{pull: 1s, start: 1s, ready: 2s, errorRate: 0.3}}\n{spec}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: app\n        image: shop:v1\n        resources:\n          requests: {{cpu: 100m, memory: 64Mi}}\n  strategy:\n{strategy}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {{app: web}}\n  ports:\n  - port: 80\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: preview\nspec:\n  selector: {{app: web}}\n  ports:\n  - port: 80\n"
    )
}

fn reasons(results: &RunResults, reason: &str) -> Vec<u64> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.reason == reason && e.object == "rollout/web")
        .map(|e| e.time.as_millis())
        .collect()
}

fn at(results: &RunResults, metric: &str, t: u64) -> f64 {
    value_at(results, "rollout/web", metric, t)
}

fn replicas_of_image(results: &RunResults, image: &str) -> i64 {
    results
        .world
        .state
        .replicasets
        .values()
        .filter(|rs| rs.spec.template.spec.containers[0].image == image)
        .map(|rs| rs.spec.replicas)
        .sum()
}

#[test]
fn canary_walks_its_steps_and_waits_for_promote() {
    let strategy = "    canary:\n      maxSurge: 1\n      maxUnavailable: 0\n      steps:\n      - setWeight: 20\n      - pause: {duration: 30s}\n      - setWeight: 40\n      - pause: {}\n      - setWeight: 100";
    let spec = "  duration: 10m\n  timeline:\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:v2\"}\n    - {at: 5m, action: promote, target: rollout/web}";
    let r = run_at("canary.yaml", &scenario(spec, strategy, 5));
    // Before promote: paused at 40 % (2 of 5 canary pods, 3 stable).
    let steps = reasons(&r, "RolloutStepCompleted");
    // The promote skips the indefinite pause: four steps complete on their own.
    assert_eq!(steps.len(), 4, "{steps:?}");
    assert!(
        steps[1] >= steps[0] + 30 * SEC,
        "the timed pause lasts 30 s"
    );
    assert!(steps[2] < 5 * 60 * SEC);
    assert!(
        steps[3] >= 5 * 60 * SEC,
        "the indefinite pause waits for promote"
    );
    assert_eq!(reasons(&r, "RolloutPaused").len(), 2);
    assert_eq!(reasons(&r, "RolloutCompleted").len(), 2);
    assert_eq!(at(&r, "updated_replicas", 4 * 60 * SEC), 2.0);
    assert_eq!(at(&r, "replicas", 4 * 60 * SEC), 5.0);
    assert_eq!(replicas_of_image(&r, "shop:v2"), 5);
    assert_eq!(replicas_of_image(&r, "shop:v1"), 0);
    let rollout = &r.world.state.argo_rollouts[&ObjKey::new("default", "web")];
    assert_eq!(rollout.status.phase.as_str(), "Healthy");
    let last = rollout.rollouts.last().unwrap();
    assert_eq!(last.outcome, "complete");
}

#[test]
fn abort_rolls_back_to_stable() {
    let strategy = "    canary:\n      steps:\n      - setWeight: 50\n      - pause: {}";
    let spec = "  duration: 6m\n  timeline:\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:v2\"}\n    - {at: 3m, action: abort, target: rollout/web}";
    let r = run_at("abort.yaml", &scenario(spec, strategy, 4));
    assert_eq!(at(&r, "updated_replicas", 170 * SEC), 2.0);
    assert_eq!(replicas_of_image(&r, "shop:v2"), 0);
    assert_eq!(replicas_of_image(&r, "shop:v1"), 4);
    let rollout = &r.world.state.argo_rollouts[&ObjKey::new("default", "web")];
    assert_eq!(rollout.status.phase.as_str(), "Degraded");
    assert_eq!(rollout.rollouts.last().unwrap().outcome, "aborted");
    assert_eq!(reasons(&r, "RolloutAborted").len(), 1);
}

/// The AnalysisTemplate of Argo's documentation, with its interval shrunk for the simulation.
const SUCCESS_RATE: &str = "\n---\napiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: success-rate\nspec:\n  args:\n  - name: service-name\n  metrics:\n  - name: success-rate\n    interval: 20s\n    successCondition: result[0] >= 0.95\n    failureLimit: 1\n    provider:\n      prometheus:\n        address: http://prometheus.example.com:9090\n        query: sum(irate(istio_requests_total{reporter=\"source\",destination_service=~\"{{args.service-name}}\",response_code!~\"5.*\"}[5m]))\n";

fn events_of<'a>(results: &'a RunResults, object_prefix: &str) -> Vec<(u64, &'a str, &'a str)> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.object.starts_with(object_prefix))
        .map(|e| (e.time.as_millis(), e.reason, e.message.as_str()))
        .collect()
}

#[test]
fn failed_background_analysis_aborts_the_canary() {
    let strategy = "    canary:\n      analysis:\n        templates: [{templateName: success-rate}]\n        startingStep: 1\n      steps:\n      - setWeight: 25\n      - pause: {duration: 5m}\n      - setWeight: 100";
    let spec = "  duration: 6m\n  traffic:\n    - {service: web, rps: 100}\n  timeline:\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:bad\"}";
    let r = run_at(
        "analysis.yaml",
        &(scenario(spec, strategy, 4) + SUCCESS_RATE),
    );
    let aborted = events_of(&r, "rollout/web")
        .into_iter()
        .filter(|e| e.1 == "RolloutAborted")
        .collect::<Vec<_>>();
    assert_eq!(aborted.len(), 1);
    assert_eq!(
        aborted[0].2,
        "Rollout aborted update to revision 2: Metric \"success-rate\" assessed Failed due to failed (2) > failureLimit (1)"
    );
    // failureLimit 1: the second measurement, 20 s after the first, fails the run.
    let started = reasons(&r, "AnalysisRunRunning");
    assert_eq!(started.len(), 1);
    assert_eq!(aborted[0].0, started[0] + 20 * SEC);
    assert_eq!(reasons(&r, "AnalysisRunFailed"), vec![aborted[0].0]);
    let run: Vec<_> = events_of(&r, "analysisrun/web-");
    assert_eq!(
        run.iter().map(|e| e.1).collect::<Vec<_>>(),
        ["MetricFailed", "AnalysisRunFailed"]
    );
    assert_eq!(run[1].2, "Analysis Completed. Result: Failed");
    assert_eq!(replicas_of_image(&r, "shop:bad"), 0);
    assert_eq!(replicas_of_image(&r, "shop:v1"), 4);
    assert_eq!(
        reasons(&r, "RolloutCompleted").len(),
        1,
        "only the first deploy"
    );
}

#[test]
fn successful_step_analysis_lets_the_canary_go_on() {
    let template = SUCCESS_RATE.replace("failureLimit: 1", "count: 3");
    let strategy = "    canary:\n      steps:\n      - setWeight: 50\n      - analysis:\n          templates: [{templateName: success-rate}]\n      - setWeight: 100";
    let spec = "  duration: 6m\n  timeline:\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:v2\"}";
    let r = run_at("step.yaml", &(scenario(spec, strategy, 4) + &template));
    let steps = reasons(&r, "RolloutStepCompleted");
    assert_eq!(steps.len(), 3, "{steps:?}");
    // Three measurements, 20 s apart: the analysis step completes 40 s after it started.
    assert_eq!(steps[1], steps[0] + 40 * SEC);
    let events = events_of(&r, "rollout/web");
    let messages: Vec<&str> = events
        .iter()
        .filter(|e| e.1.starts_with("AnalysisRun"))
        .map(|e| e.2)
        .collect();
    let hash = &r.world.state.argo_rollouts[&ObjKey::new("default", "web")]
        .status
        .current_hash;
    assert_eq!(
        messages,
        [
            format!(
                "Step Analysis Run 'web-{hash}-2-1' Status New: 'Running' Previous: 'NoPreviousStatus'"
            ),
            format!(
                "Step Analysis Run 'web-{hash}-2-1' Status New: 'Successful' Previous: 'Running'"
            ),
        ]
    );
    assert_eq!(replicas_of_image(&r, "shop:v2"), 4);
    assert_eq!(reasons(&r, "RolloutCompleted").len(), 2);
}

#[test]
fn inconclusive_analysis_pauses_until_promote() {
    // 0.9 is neither a success (>= 0.95) nor a failure (< 0.5): inconclusive.
    let template = SUCCESS_RATE.replace(
        "    failureLimit: 1\n",
        "    failureCondition: result[0] < 0.5\n",
    );
    let strategy = "    canary:\n      steps:\n      - setWeight: 50\n      - analysis:\n          templates: [{templateName: success-rate}]\n      - setWeight: 100";
    let spec = "  duration: 8m\n  images:\n    \"shop:meh\": {errorRate: 0.1}\n  timeline:\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:meh\"}\n    - {at: 5m, action: promote, target: rollout/web}";
    let text = scenario(spec, strategy, 4).replace("  images:\n    default", "    default");
    let r = run_at("inconclusive.yaml", &(text + &template));
    let paused: Vec<_> = events_of(&r, "rollout/web")
        .into_iter()
        .filter(|e| e.1 == "RolloutPaused")
        .collect();
    assert_eq!(paused.len(), 1);
    assert_eq!(paused[0].2, "Rollout is paused (InconclusiveAnalysisRun)");
    assert_eq!(reasons(&r, "AnalysisRunInconclusive").len(), 1);
    assert_eq!(at(&r, "updated_replicas", 4 * 60 * SEC), 2.0);
    let completed = reasons(&r, "RolloutCompleted");
    assert_eq!(completed.len(), 2);
    assert!(completed[1] >= 5 * 60 * SEC, "{completed:?}");
    assert_eq!(replicas_of_image(&r, "shop:meh"), 4);
}

#[test]
fn a_missing_template_is_reported_and_blocks_the_step() {
    let strategy = "    canary:\n      steps:\n      - setWeight: 50\n      - analysis:\n          templates: [{templateName: nowhere}]\n      - setWeight: 100";
    let spec = "  duration: 4m\n  timeline:\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:v2\"}";
    let r = run_at("missing.yaml", &scenario(spec, strategy, 2));
    let invalid: Vec<_> = events_of(&r, "rollout/web")
        .into_iter()
        .filter(|e| e.1 == "InvalidSpec")
        .collect();
    assert_eq!(invalid.len(), 1);
    assert!(
        invalid[0]
            .2
            .ends_with("spec.strategy.canary.steps[1].analysis.templates: Invalid value: \"nowhere\": AnalysisTemplate 'nowhere' not found"),
        "{}",
        invalid[0].2
    );
    assert_eq!(reasons(&r, "RolloutStepCompleted").len(), 1);
    assert_eq!(replicas_of_image(&r, "shop:v2"), 1);
}

#[test]
fn blue_green_switches_active_after_auto_promotion_and_scales_down_later() {
    let strategy = "    blueGreen:\n      activeService: web\n      previewService: preview\n      autoPromotionSeconds: 60\n      scaleDownDelaySeconds: 45";
    let spec = "  duration: 8m\n  timeline:\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:v2\"}";
    let r = run_at("bg.yaml", &scenario(spec, strategy, 3));
    let completed = reasons(&r, "RolloutCompleted");
    assert_eq!(completed.len(), 2);
    // New set ready a few seconds after 1m; promotion 60 s later.
    assert!(
        completed[1] >= 120 * SEC && completed[1] < 135 * SEC,
        "{completed:?}"
    );
    // Both versions run until the scale-down delay has passed.
    assert_eq!(at(&r, "replicas", completed[1] + 30 * SEC), 6.0);
    assert_eq!(at(&r, "replicas", completed[1] + 90 * SEC), 3.0);
    let services = &r.world.state.services;
    let hash = |s: &str| {
        services[&ObjKey::new("default", s)]
            .selector
            .as_ref()
            .unwrap()
            .get("rollouts-pod-template-hash")
            .cloned()
    };
    assert_eq!(hash("web"), hash("preview"));
    assert!(hash("web").is_some());
}

#[test]
fn blue_green_without_auto_promotion_waits_for_promote() {
    let strategy = "    blueGreen:\n      activeService: web\n      autoPromotionEnabled: false";
    let spec = "  duration: 6m\n  timeline:\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:v2\"}\n    - {at: 4m, action: promote, target: rollout/web}";
    let r = run_at("bgp.yaml", &scenario(spec, strategy, 2));
    let completed = reasons(&r, "RolloutCompleted");
    assert_eq!(completed.len(), 2);
    assert_eq!(completed[1], 4 * 60 * SEC);
}

fn load_error(text: &str) -> String {
    match timonel::scenario::load(
        &[timonel::scenario::Input {
            path: "bad.yaml".into(),
            text: text.into(),
        }],
        timonel::scenario::LoadOptions::default(),
    ) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn invalid_rollouts_are_rejected_with_positions() {
    let both = "    canary: {}\n    blueGreen: {activeService: web}";
    let e = load_error(&scenario("  duration: 1m", both, 1));
    assert!(
        e.contains("bad.yaml:") && e.contains("only one of canary and blueGreen"),
        "{e}"
    );
    let condition = SUCCESS_RATE.replace("result[0] >= 0.95", "result[0] * 100 >= 95");
    let e = load_error(&(scenario("  duration: 1m", "    canary: {}", 1) + &condition));
    assert!(
        e.contains("bad.yaml:63:5:") && e.contains("The AnalysisTemplate \"success-rate\" is invalid: spec.metrics[0].successCondition: Invalid value: \"result[0] * 100 >= 95\": unsupported expression: unsupported character '*'"),
        "{e}"
    );
    let no_templates = "    canary:\n      analysis: {startingStep: 0}";
    let e = load_error(&scenario("  duration: 1m", no_templates, 1));
    assert!(
        e.contains("spec.strategy.canary.analysis.templates: Required value"),
        "{e}"
    );
    let weight = "    canary:\n      steps: [{setWeight: 120}]";
    let e = load_error(&scenario("  duration: 1m", weight, 1));
    assert!(
        e.contains("setWeight") && e.contains("between 0 and 100"),
        "{e}"
    );
    let promote =
        "  duration: 1m\n  timeline:\n    - {at: 10s, action: promote, target: deployment/web}";
    let e = load_error(&scenario(promote, "    canary: {}", 1));
    assert!(e.contains("rollout/NAME"), "{e}");
}

#[test]
fn failed_pre_promotion_analysis_keeps_blue_green_on_the_old_version() {
    let strategy = "    blueGreen:\n      activeService: web\n      previewService: preview\n      prePromotionAnalysis:\n        templates: [{templateName: success-rate, clusterScope: true}]";
    let template = SUCCESS_RATE.replace("kind: AnalysisTemplate", "kind: ClusterAnalysisTemplate");
    let spec = "  duration: 4m\n  timeline:\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:bad\"}";
    let r = run_at("bga.yaml", &(scenario(spec, strategy, 2) + &template));
    assert_eq!(reasons(&r, "RolloutAborted").len(), 1);
    assert_eq!(reasons(&r, "AnalysisRunFailed").len(), 1);
    assert_eq!(replicas_of_image(&r, "shop:bad"), 0);
    assert_eq!(replicas_of_image(&r, "shop:v1"), 2);
    let rollout = &r.world.state.argo_rollouts[&ObjKey::new("default", "web")];
    let active = r.world.state.services[&ObjKey::new("default", "web")]
        .selector
        .as_ref()
        .and_then(|s| s.get("rollouts-pod-template-hash").cloned());
    assert_eq!(active.as_deref(), Some(rollout.status.stable_hash.as_str()));
    assert_ne!(rollout.status.stable_hash, rollout.status.current_hash);
    assert_eq!(rollout.status.phase.as_str(), "Degraded");
    let summary = timonel::metrics::summary::build(&r);
    assert_eq!(
        summary["workloads"]["rollout/default/web"]["phase"],
        "Degraded"
    );
}

#[test]
fn failed_post_promotion_analysis_switches_back() {
    let strategy = "    blueGreen:\n      activeService: web\n      scaleDownDelaySeconds: 120\n      postPromotionAnalysis:\n        templates: [{templateName: success-rate}]";
    let spec = "  duration: 5m\n  traffic:\n    - {service: web, rps: 100}\n  timeline:\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:bad\"}";
    let r = run_at("post.yaml", &(scenario(spec, strategy, 2) + SUCCESS_RATE));
    let post = reasons(&r, "AnalysisRunRunning");
    let aborted = reasons(&r, "RolloutAborted");
    assert_eq!(post.len(), 1);
    assert_eq!(aborted, vec![post[0] + 20 * SEC]);
    // While the post-promotion analysis ran, the active Service sent requests to the bad version.
    let rollout = &r.world.state.argo_rollouts[&ObjKey::new("default", "web")];
    let active = r.world.state.services[&ObjKey::new("default", "web")]
        .selector
        .as_ref()
        .and_then(|s| s.get("rollouts-pod-template-hash").cloned());
    assert_eq!(active.as_deref(), Some(rollout.status.stable_hash.as_str()));
    assert_eq!(replicas_of_image(&r, "shop:bad"), 0);
    assert_eq!(replicas_of_image(&r, "shop:v1"), 2);
    assert_eq!(reasons(&r, "RolloutCompleted").len(), 1);
}

#[test]
fn set_canary_scale_applies_with_traffic_routing() {
    let strategy = "    canary:\n      trafficRouting: {nginx: {stableIngress: web}}\n      steps:\n      - setCanaryScale: {replicas: 1}\n      - setWeight: 50\n      - pause: {}";
    let spec = "  duration: 3m\n  timeline:\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:v2\"}";
    let r = run_at("scs.yaml", &scenario(spec, strategy, 4));
    // The explicit scale stays in force through the later weight step; the stable keeps 4.
    assert_eq!(replicas_of_image(&r, "shop:v2"), 1);
    assert_eq!(replicas_of_image(&r, "shop:v1"), 4);
}

#[test]
fn pause_resume_and_undo_of_a_rollout() {
    let strategy = "    canary:\n      steps:\n      - setWeight: 50\n      - pause: {duration: 30s}\n      - setWeight: 100";
    let spec = "  duration: 8m\n  timeline:\n    - {at: 1m, action: rolloutPause, target: rollout/web}\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:v2\"}\n    - {at: 3m, action: rolloutResume, target: rollout/web}\n    - {at: 5m, action: rolloutUndo, target: rollout/web}";
    let r = run_at("pause.yaml", &scenario(spec, strategy, 4));
    // Paused: the first step's weight is reached, nothing more until the resume at 3m.
    assert_eq!(at(&r, "updated_replicas", 170 * SEC), 2.0);
    let steps = reasons(&r, "RolloutStepCompleted");
    assert!(steps.len() >= 3, "{steps:?}");
    assert!(steps[0] >= 3 * 60 * SEC, "{steps:?}");
    let paused: Vec<_> = events_of(&r, "rollout/web")
        .into_iter()
        .filter(|e| e.1 == "RolloutPaused" || e.1 == "RolloutResumed")
        .collect();
    assert_eq!(
        paused[..2],
        [
            (60 * SEC, "RolloutPaused", "Rollout is paused"),
            (3 * 60 * SEC, "RolloutResumed", "Rollout is resumed")
        ],
        "{paused:?}"
    );
    // The undo at 5m rolls out v1 again as revision 3.
    assert_eq!(replicas_of_image(&r, "shop:v1"), 4);
    assert_eq!(replicas_of_image(&r, "shop:v2"), 0);
    assert!(
        r.world
            .notes
            .iter()
            .any(|n| n.ends_with("rollout undo of rollout/web: rolled back to revision 1")),
        "{:?}",
        r.world.notes
    );
}

#[test]
fn undo_of_kinds_without_rollbacker_is_refused_as_kubectl_does() {
    let undo =
        "  duration: 1m\n  timeline:\n    - {at: 10s, action: rolloutUndo, target: replicaset/web}";
    let e = load_error(&scenario(undo, "    canary: {}", 1));
    assert!(
        e.contains("Invalid value: \"replicaset/web\": error: no rollbacker has been implemented for {\"apps\" \"ReplicaSet\"}"),
        "{e}"
    );
    let resume = "  duration: 1m\n  timeline:\n    - {at: 10s, action: rolloutResume, target: statefulset/db}";
    let e = load_error(&scenario(resume, "    canary: {}", 1));
    assert!(
        e.contains("error: statefulsets.apps \"db\" resuming is not supported"),
        "{e}"
    );
}

#[test]
fn a_retried_rollout_runs_its_analysis_again() {
    let strategy = "    canary:\n      analysis:\n        templates: [{templateName: success-rate}]\n      steps:\n      - setWeight: 25\n      - pause: {duration: 5m}";
    let spec = "  duration: 5m\n  timeline:\n    - {at: 1m, action: setImage, target: rollout/web, image: \"shop:bad\"}\n    - {at: 3m, action: promote, target: rollout/web}";
    let r = run_at("retry.yaml", &(scenario(spec, strategy, 4) + SUCCESS_RATE));
    // Each attempt gets its own run (the second named with Argo's collision suffix) and fails.
    let runs: Vec<&str> = events_of(&r, "rollout/web")
        .into_iter()
        .filter(|e| e.1 == "AnalysisRunRunning")
        .map(|e| e.2)
        .collect();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(runs[1].contains("-2.1' Status New"), "{runs:?}");
    assert_eq!(reasons(&r, "RolloutAborted").len(), 2);
}
