//! Jobs and CronJobs as the Kubernetes documentation and controllers describe them: completions
//! and parallelism, Indexed pod names, the pod-failure back-off (10 s, 20 s …) and backoffLimit
//! with both restart policies, activeDeadlineSeconds, ttlSecondsAfterFinished, and CronJob
//! schedules with their concurrency policies, history limits and suspend.

use timonel::cluster::state::ObjKey;
use timonel::metrics::RunResults;
use timonel::pipeline::{self, RunOptions};
use timonel::scenario::{self, Input, LoadOptions};

fn run(manifests: &str, duration: &str) -> RunResults {
    let text = format!(
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: t\nspec:\n  duration: {duration}\n  cluster:\n    nodePools:\n      - {{name: worker, count: 2, capacity: {{cpu: \"4\", memory: 16Gi}}}}\n  images:\n    \"work:1\": {{runFor: 30s}}\n    \"quick:1\": {{runFor: 10s}}\n    \"long:1\": {{runFor: 150s}}\n    \"bad:1\": {{runFor: 5s, exitCode: 1}}\n    \"bad42:1\": {{runFor: 5s, exitCode: 42}}\n---\n{manifests}"
    );
    let scenarios = scenario::load(
        &[Input {
            path: "jobs.yaml".into(),
            text,
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

fn job(name: &str, image: &str, restart: &str, extra: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\nspec:\n{extra}  template:\n    spec:\n      restartPolicy: {restart}\n      containers:\n      - name: main\n        image: \"{image}\"\n        resources:\n          requests: {{cpu: 100m}}\n"
    )
}

fn cronjob(name: &str, image: &str, extra: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}\nspec:\n  schedule: \"* * * * *\"\n{extra}  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: main\n            image: \"{image}\"\n"
    )
}

/// (t_ms, object, message) of the events with this reason.
fn events(results: &RunResults, reason: &str) -> Vec<(u64, String, String)> {
    results
        .world
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.as_millis(), e.object.clone(), e.message.clone()))
        .collect()
}

fn pods_of(results: &RunResults, owner: &str) -> Vec<String> {
    results
        .world
        .state
        .pods
        .iter()
        .filter(|p| p.owner.as_ref().is_some_and(|o| o.name == owner))
        .map(|p| p.name.clone())
        .collect()
}

fn times(results: &RunResults, reason: &str, object: &str) -> Vec<u64> {
    events(results, reason)
        .into_iter()
        .filter(|(_, o, _)| o == object)
        .map(|(t, _, _)| t)
        .collect()
}

#[test]
fn parallel_non_indexed_job_completes_with_completions_pods() {
    let r = run(
        &job(
            "par",
            "work:1",
            "Never",
            "  completions: 5\n  parallelism: 2\n",
        ),
        "10m",
    );
    assert_eq!(pods_of(&r, "par").len(), 5);
    let status = &r.world.state.jobs[&ObjKey::new("default", "par")].status;
    assert_eq!((status.succeeded, status.failed, status.active), (5, 0, 0));
    assert!(status.condition("Complete").is_some());
    assert!(status.condition("SuccessCriteriaMet").is_some());
    // Two at a time: 2 at 0 s, 2 when those finish (33 s), the last one at 64 s.
    assert_eq!(
        times(&r, "SuccessfulCreate", "job/par"),
        vec![0, 0, 33_000, 33_000, 64_000]
    );
    assert_eq!(
        events(&r, "Completed"),
        vec![(95_000, "job/par".into(), "Job completed".into())]
    );
    assert_eq!(status.completion_time.map(|t| t.as_millis()), Some(95_000));
    // Finished pods no longer count on their node.
    assert!(r.world.node_infos.iter().all(|n| n.pod_count == 0));
}

#[test]
fn indexed_job_pods_carry_their_completion_index() {
    let r = run(
        &job(
            "idx",
            "work:1",
            "Never",
            "  completions: 3\n  parallelism: 3\n  completionMode: Indexed\n",
        ),
        "5m",
    );
    let mut seen: Vec<i64> = Vec::new();
    for pod in r.world.state.pods.iter() {
        let index: i64 = pod.labels["batch.kubernetes.io/job-completion-index"]
            .parse()
            .unwrap();
        let suffix = pod.name.rsplit('-').next().unwrap();
        assert_eq!(pod.name, format!("idx-{index}-{suffix}"));
        assert_eq!(suffix.len(), 5);
        assert_eq!(pod.labels["batch.kubernetes.io/job-name"], "idx");
        seen.push(index);
    }
    seen.sort();
    assert_eq!(seen, vec![0, 1, 2]);
    let status = &r.world.state.jobs[&ObjKey::new("default", "idx")].status;
    assert_eq!(
        status.completed_indexes.iter().copied().collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert_eq!(status.succeeded, 3);
}

#[test]
fn failing_job_never_backs_off_10s_then_20s_and_fails_at_the_third_failure() {
    let r = run(&job("fail", "bad:1", "Never", "  backoffLimit: 2\n"), "5m");
    // Pod 1 runs 3–8 s; the replacement waits 10 s (18 s), runs 19–24 s; the next waits 20 s
    // (44 s) and fails at 50 s: 3 failures > backoffLimit 2.
    assert_eq!(
        times(&r, "SuccessfulCreate", "job/fail"),
        vec![0, 18_000, 44_000]
    );
    assert_eq!(pods_of(&r, "fail").len(), 3);
    assert_eq!(
        events(&r, "BackoffLimitExceeded"),
        vec![(
            50_000,
            "job/fail".into(),
            "Job has reached the specified backoff limit".into()
        )]
    );
    let status = &r.world.state.jobs[&ObjKey::new("default", "fail")].status;
    assert_eq!((status.failed, status.succeeded), (3, 0));
    assert!(status.condition("Failed").is_some());
    assert!(status.condition("FailureTarget").is_some());
    assert_eq!(status.completion_time, None);
}

#[test]
fn failing_job_on_failure_restarts_in_place_and_fails_on_restart_count() {
    let r = run(
        &job("fof", "bad:1", "OnFailure", "  backoffLimit: 2\n"),
        "5m",
    );
    // One pod: exits at 8 s (restarted at once), at 14 s (restarted after the kubelet's 10 s
    // back-off, restart count 2 at 24 s): restarts ≥ backoffLimit fails the Job.
    assert_eq!(pods_of(&r, "fof").len(), 1);
    assert_eq!(times(&r, "SuccessfulCreate", "job/fof"), vec![0]);
    assert_eq!(times(&r, "SuccessfulDelete", "job/fof"), vec![24_000]);
    assert_eq!(times(&r, "BackoffLimitExceeded", "job/fof"), vec![24_000]);
    let status = &r.world.state.jobs[&ObjKey::new("default", "fof")].status;
    assert_eq!(status.failed, 1);
}

#[test]
fn active_deadline_kills_active_pods_and_fails_the_job() {
    let r = run(
        &job(
            "dl",
            "long:1",
            "Never",
            "  parallelism: 2\n  completions: 2\n  activeDeadlineSeconds: 30\n",
        ),
        "5m",
    );
    assert_eq!(
        times(&r, "SuccessfulDelete", "job/dl"),
        vec![30_000, 30_000]
    );
    // Failed once the killed pods are gone (1 s to stop).
    assert_eq!(
        events(&r, "DeadlineExceeded"),
        vec![(
            31_000,
            "job/dl".into(),
            "Job was active longer than specified deadline".into()
        )]
    );
    let status = &r.world.state.jobs[&ObjKey::new("default", "dl")].status;
    assert_eq!((status.failed, status.active), (2, 0));
    assert!(r.world.state.pods.iter().all(|p| p.gone.is_some()));
}

#[test]
fn ttl_after_finished_deletes_the_job_and_its_pods() {
    let r = run(
        &job("ttl", "quick:1", "Never", "  ttlSecondsAfterFinished: 20\n"),
        "2m",
    );
    // Completes at 13 s; deleted 20 s later with its pod.
    assert_eq!(times(&r, "Completed", "job/ttl"), vec![13_000]);
    assert!(r.world.state.jobs.is_empty());
    let pod = &r.world.state.pods[0];
    assert_eq!(pod.deletion.map(|t| t.as_millis()), Some(33_000));
    assert!(pod.gone.is_some());
}

#[test]
fn pod_failure_policy_fail_job_and_ignore() {
    let policy = |action: &str| {
        format!(
            "  backoffLimit: 5\n  podFailurePolicy:\n    rules:\n    - action: {action}\n      onExitCodes: {{operator: In, values: [42]}}\n"
        )
    };
    let r = run(&job("pf", "bad42:1", "Never", &policy("FailJob")), "5m");
    let failed = events(&r, "PodFailurePolicy");
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]
            .2
            .contains("failed with exit code 42 matching FailJob rule at index 0"),
        "{failed:?}"
    );
    assert_eq!(pods_of(&r, "pf").len(), 1);
    // Ignore: failures are not counted and replacements are not delayed.
    let r = run(&job("pi", "bad42:1", "Never", &policy("Ignore")), "1m");
    let status = &r.world.state.jobs[&ObjKey::new("default", "pi")].status;
    assert_eq!(status.failed, 0);
    assert!(status.finished().is_none());
    let created = times(&r, "SuccessfulCreate", "job/pi");
    assert!(created.len() >= 5, "{created:?}");
    assert_eq!(created[1] - created[0], 8_000);
}

#[test]
fn cronjob_every_minute_creates_named_jobs_and_prunes_history() {
    let r = run(
        &cronjob("tick", "quick:1", "  successfulJobsHistoryLimit: 2\n"),
        "5m",
    );
    // Scheduled at each minute (2026-01-01T00:01Z = minute 29453761 since 1970), created 100 ms
    // later.
    assert_eq!(
        events(&r, "SuccessfulCreate")
            .into_iter()
            .filter(|(_, o, _)| o == "cronjob/tick")
            .map(|(t, _, m)| (t, m))
            .collect::<Vec<_>>(),
        vec![
            (60_100, "Created job tick-29453761".to_string()),
            (120_100, "Created job tick-29453762".to_string()),
            (180_100, "Created job tick-29453763".to_string()),
            (240_100, "Created job tick-29453764".to_string()),
        ]
    );
    let saw = events(&r, "SawCompletedJob");
    assert_eq!(
        saw[0],
        (
            73_100,
            "cronjob/tick".into(),
            "Saw completed job: tick-29453761, condition: Complete".into()
        )
    );
    let deleted: Vec<String> = events(&r, "SuccessfulDelete")
        .into_iter()
        .filter(|(_, o, _)| o == "cronjob/tick")
        .map(|(_, _, m)| m)
        .collect();
    assert_eq!(
        deleted,
        vec!["Deleted job tick-29453761", "Deleted job tick-29453762"]
    );
    let jobs: Vec<&str> = r.world.state.jobs.keys().map(|k| k.name.as_str()).collect();
    assert_eq!(jobs, vec!["tick-29453763", "tick-29453764"]);
}

#[test]
fn cronjob_forbid_skips_while_a_long_job_runs() {
    let r = run(
        &cronjob("fb", "long:1", "  concurrencyPolicy: Forbid\n"),
        "4m",
    );
    assert_eq!(
        events(&r, "JobAlreadyActive"),
        vec![
            (
                120_100,
                "cronjob/fb".into(),
                "Not starting job because prior execution is running and concurrency policy is Forbid".into()
            ),
            (
                180_100,
                "cronjob/fb".into(),
                "Not starting job because prior execution is running and concurrency policy is Forbid".into()
            ),
        ]
    );
    // The first Job runs 60.1–213.1 s; the most recent missed schedule (03:00) starts then.
    let created = events(&r, "SuccessfulCreate")
        .into_iter()
        .filter(|(_, o, _)| o == "cronjob/fb")
        .map(|(t, _, m)| (t, m))
        .collect::<Vec<_>>();
    assert_eq!(
        created,
        vec![
            (60_100, "Created job fb-29453761".to_string()),
            (213_100, "Created job fb-29453763".to_string()),
        ]
    );
}

#[test]
fn cronjob_replace_deletes_the_running_job() {
    let r = run(
        &cronjob("rp", "long:1", "  concurrencyPolicy: Replace\n"),
        "200s",
    );
    let deleted: Vec<(u64, String)> = events(&r, "SuccessfulDelete")
        .into_iter()
        .filter(|(_, o, _)| o == "cronjob/rp")
        .map(|(t, _, m)| (t, m))
        .collect();
    assert_eq!(
        deleted,
        vec![
            (120_100, "Deleted job rp-29453761".to_string()),
            (180_100, "Deleted job rp-29453762".to_string()),
        ]
    );
    let cj = &r.world.state.cronjobs[&ObjKey::new("default", "rp")];
    assert_eq!(
        cj.active.iter().cloned().collect::<Vec<_>>(),
        vec!["rp-29453763".to_string()]
    );
}

#[test]
fn suspended_cronjob_starts_nothing() {
    let r = run(&cronjob("off", "quick:1", "  suspend: true\n"), "5m");
    assert!(r.world.state.jobs.is_empty());
    assert!(events(&r, "SuccessfulCreate").is_empty());
}

#[test]
fn starting_deadline_skips_schedules_that_are_too_old() {
    // Forbid keeps the 02:00 and 03:00 runs waiting; when the first Job ends (213.1 s) they are
    // more than startingDeadlineSeconds old, so nothing starts until 04:00.
    let r = run(
        &cronjob(
            "late",
            "long:1",
            "  concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 10\n",
        ),
        "5m",
    );
    let created: Vec<(u64, String)> = events(&r, "SuccessfulCreate")
        .into_iter()
        .filter(|(_, o, _)| o == "cronjob/late")
        .map(|(t, _, m)| (t, m))
        .collect();
    assert_eq!(
        created,
        vec![
            (60_100, "Created job late-29453761".to_string()),
            (240_100, "Created job late-29453764".to_string()),
        ]
    );
}

#[test]
fn invalid_jobs_and_cronjobs_are_rejected_like_the_apiserver() {
    let load = |manifest: &str| {
        let text = format!(
            "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: t\nspec:\n  duration: 1m\n---\n{manifest}"
        );
        scenario::load(
            &[Input {
                path: "bad.yaml".into(),
                text,
            }],
            LoadOptions::default(),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
    };
    let always = load(&job("a", "work:1", "Always", ""));
    assert!(
        always.contains("The Job \"a\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""),
        "{always}"
    );
    let indexed = load(&job(
        "b",
        "work:1",
        "Never",
        "  parallelism: 2\n  completionMode: Indexed\n",
    ));
    assert!(
        indexed.contains("spec.completions: Required value: when completion mode is Indexed"),
        "{indexed}"
    );
    let schedule = load(&cronjob("c", "work:1", "").replace("* * * * *", "61 * * * *"));
    assert!(
        schedule.contains("The CronJob \"c\" is invalid: spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"),
        "{schedule}"
    );
    let zone = load(&cronjob("d", "work:1", "  timeZone: \"not a zone\"\n"));
    assert!(
        zone.contains("spec.timeZone: Invalid value: \"not a zone\": unknown time zone not a zone"),
        "{zone}"
    );
}
