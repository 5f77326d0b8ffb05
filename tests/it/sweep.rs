//! `timonel sweep` and `timonel merge`: the Cartesian product, parameter resolution and its
//! errors, shards merged into exactly the files of an unsharded sweep, and the Kubernetes Job
//! that runs a sweep on a cluster (deploy/sweep-job.yaml) loading in timonel itself.

use crate::compare::{assert_golden, assert_same_tree, checked_charts};
use crate::support::{root, stderr, stdout, temp_dir, timonel};

const SCENARIO: &str = "scenarios/nginx-rolling-update.yaml";

#[test]
fn sweep_runs_the_cartesian_product_times_runs() {
    let dir = temp_dir("sweep-product");
    let output = timonel(&[
        "sweep",
        SCENARIO,
        "--param",
        "maxSurge=0,1,25%",
        "--param",
        "deployment/nginx-deployment.spec.replicas=2..6:2",
        "--runs",
        "2",
        "--out",
        dir.to_str().unwrap(),
        "-o",
        "none",
    ]);
    // Some points break the scenario's expectations (2 replicas are fewer than 3 available).
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    for point in 0..9 {
        for run in 0..2 {
            let run_dir = dir
                .join(format!("point-{point}"))
                .join(format!("run-{run}"));
            assert!(
                run_dir.join("summary.json").is_file(),
                "{}",
                run_dir.display()
            );
        }
        assert!(
            dir.join(format!("point-{point}"))
                .join("summary.json")
                .is_file()
        );
    }
    assert!(!dir.join("point-9").exists());
    let sweep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(
        sweep["parameters"][0]["field"],
        "deployment/nginx-deployment.spec.strategy.rollingUpdate.maxSurge"
    );
    assert_eq!(
        sweep["parameters"][1]["values"],
        serde_json::json!(["2", "4", "6"])
    );
    // The first parameter varies slowest; 25% stays a string and is used as a percentage.
    let point = &sweep["points"][7];
    assert_eq!(point["parameters"]["maxSurge"], "25%");
    assert_eq!(
        point["parameters"]["deployment/nginx-deployment.spec.replicas"],
        "4"
    );
    let surge = |p: usize| {
        sweep["points"][p]["metrics"]["workloads.deployment/default/nginx-deployment.max_surge_pods"]["max"]
            .as_f64()
            .unwrap()
    };
    assert_eq!((surge(1), surge(4), surge(7)), (0.0, 1.0, 1.0));
    let point_summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("point-7").join("summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(point_summary["runs"], 2);
    assert_eq!(
        point_summary["workloads"]["deployment/default/nginx-deployment"]["replicas"]["mean"],
        4.0
    );
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "point,maxSurge,deployment/nginx-deployment.spec.replicas,metric,mean,stddev,min,max,ci95_low,ci95_high,n"
    );
    let rows: String = csv
        .lines()
        .filter(|l| l.contains(",expectations_failed,") || l.contains(".rollout_duration_ms,"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_golden("sweep-key-rows.csv", &format!("{header}\n{rows}"));
}

#[test]
fn parameter_errors_exit_2_with_a_clear_message() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["--param", "name=a,b"],
            "fields are named \"name\"; give one of them in full:\n  scenario.metadata.name\n",
        ),
        (&["--param", "nope=1"], "no field named \"nope\""),
        (
            &["--param", "deployment/web.spec.replicas=1"],
            "does not start with a document of the scenario",
        ),
        (
            &["--param", "scenario.spec.cluster.nodePools[4].count=1"],
            "scenario.spec.cluster.nodePools[4]: index out of range (the list has 1 items)",
        ),
        (
            &["--param", "replicas=5..1"],
            "the start 5 is after the end 1",
        ),
        (&["--param", "replicas=1..4:0"], "the step must be positive"),
        (
            &["--param", "replicas=2", "--shard", "3/3"],
            "I must be between 0 and 2",
        ),
        (
            &["--param", "replicas=0,-1"],
            "sweep point 1 (replicas=-1): ",
        ),
    ];
    // A point the loader rejects names the line of the user's file it came from.
    let line = std::fs::read_to_string(root().join(SCENARIO))
        .unwrap()
        .lines()
        .position(|l| l == "  replicas: 3")
        .unwrap()
        + 1;
    let output = timonel(&["sweep", SCENARIO, "--param", "replicas=-1", "-o", "none"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(&format!(
            "{SCENARIO}:{line}:3: The Deployment \"nginx-deployment\" is invalid: spec.replicas"
        )),
        "{}",
        stderr(&output)
    );
    for (extra, message) in cases {
        let mut args = vec!["sweep", SCENARIO, "-o", "none"];
        args.extend(extra);
        let output = timonel(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{extra:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(message),
            "{extra:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn three_shards_merge_into_the_unsharded_files() {
    let dir = temp_dir("sweep-shards");
    let base = [
        "sweep",
        SCENARIO,
        "--param",
        "maxSurge=1,2",
        "--param",
        "replicas=3..4",
        "--runs",
        "2",
        "-o",
        "none",
    ];
    let whole = dir.join("whole");
    let mut args = base.to_vec();
    args.extend(["--out", whole.to_str().unwrap()]);
    let output = timonel(&args);
    let code = output.status.code();
    assert!(matches!(code, Some(0) | Some(3)), "{}", stderr(&output));
    let mut shards = Vec::new();
    for i in 0..3 {
        let shard = dir.join(format!("shard-{i}"));
        let spec = format!("{i}/3");
        let mut args = base.to_vec();
        args.extend([
            "--shard",
            &spec,
            "--out",
            shard.to_str().unwrap(),
            "--jobs",
            "1",
        ]);
        let output = timonel(&args);
        assert!(
            matches!(output.status.code(), Some(0) | Some(3)),
            "{}",
            stderr(&output)
        );
        assert!(shard.join("shard.json").is_file());
        assert!(!shard.join("sweep.json").exists());
        shards.push(shard.to_string_lossy().to_string());
    }
    // Units 0..8 (point × 2 + run): shard 1 holds 1, 4, 7.
    assert!(dir.join("shard-1").join("point-0").join("run-1").is_dir());
    assert!(!dir.join("shard-1").join("point-0").join("run-0").exists());
    let merged = dir.join("merged");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap()]);
    let output = timonel(&args);
    assert_eq!(output.status.code(), code, "{}", stderr(&output));
    assert!(stdout(&output).contains("sweep of nginx-rolling-update: 4 point(s) × 2 run(s)"));
    assert_same_tree(&whole, &merged);
    // Two parameters: a heatmap per charted key metric, and the report, in both trees.
    let stems = checked_charts(&whole, "sweep-");
    assert!(
        stems
            .iter()
            .any(|s| s == "sweep-workloads-deployment-default-nginx-deployment-rollout-duration-ms"),
        "{stems:?}"
    );
    let html = std::fs::read_to_string(whole.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), stems.len());

    // A missing or doubled shard, or shards of another sweep, are refused.
    let output = timonel(&[
        "merge",
        &shards[0],
        &shards[1],
        "--out",
        dir.join("x").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("missing shard(s) 2/3"),
        "{}",
        stderr(&output)
    );
    let output = timonel(&[
        "merge",
        &shards[0],
        &shards[0],
        &shards[2],
        "--out",
        dir.join("y").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("are both shard 0/3"),
        "{}",
        stderr(&output)
    );
    let other = dir.join("other");
    let output = timonel(&[
        "sweep",
        SCENARIO,
        "--param",
        "maxSurge=1,3",
        "--param",
        "replicas=3..4",
        "--runs",
        "2",
        "--shard",
        "2/3",
        "--out",
        other.to_str().unwrap(),
        "-o",
        "none",
    ]);
    assert!(
        matches!(output.status.code(), Some(0) | Some(3)),
        "{}",
        stderr(&output)
    );
    let output = timonel(&[
        "merge",
        &shards[0],
        &shards[1],
        other.to_str().unwrap(),
        "--out",
        dir.join("z").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("shards of different sweeps"),
        "{}",
        stderr(&output)
    );
    let output = timonel(&[
        "merge",
        whole.to_str().unwrap(),
        "--out",
        dir.join("w").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not the output of `timonel sweep --shard`"));
}

#[test]
fn the_sweep_job_manifest_loads_in_timonel() {
    let dir = temp_dir("sweep-job");
    let scenario = dir.join("cluster.yaml");
    std::fs::write(
        &scenario,
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {name: sweep-job}\nspec:\n  duration: 10m\n  cluster:\n    nodePools:\n      - {name: worker, count: 4, capacity: {cpu: \"4\", memory: 16Gi}}\n",
    )
    .unwrap();
    let job = root().join("deploy").join("sweep-job.yaml");
    let output = timonel(&[
        "validate",
        "--strict",
        scenario.to_str().unwrap(),
        job.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("scenario sweep-job is valid (4 nodes, 3 objects"));
    // With a ReadWriteMany volume for the claim, timonel runs the Jobs to completion: four
    // shards (4 CPUs between two nodes), then the merge.
    let simulated = dir.join("simulated.yaml");
    std::fs::write(
        &simulated,
        "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata: {name: sweep-job-run}\nspec:\n  duration: 10m\n  cluster:\n    nodePools:\n      - {name: worker, count: 2, capacity: {cpu: \"4\", memory: 16Gi}}\n  images:\n    \"timonel:latest\": {runFor: 2m, exitCode: 0}\n    \"busybox:1.36\": {runFor: 5s, exitCode: 0}\n  expect:\n    - {name: four shards, metric: succeeded, target: job/timonel-sweep, min: 4, max: 4}\n    - {name: merged, metric: succeeded, target: job/timonel-sweep-merge, min: 1, max: 1}\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: shared}\nspec:\n  capacity: {storage: 100Gi}\n  accessModes: [ReadWriteMany]\n  nfs: {server: nfs.example, path: /exports}\n",
    )
    .unwrap();
    let out = dir.join("out");
    let output = timonel(&[
        "run",
        simulated.to_str().unwrap(),
        job.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-o",
        "none",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(&job).unwrap();
    for needle in [
        "completionMode: Indexed",
        "--shard=$(JOB_COMPLETION_INDEX)/4",
        "--out=/results/shard-$(JOB_COMPLETION_INDEX)",
        "- merge",
        "persistentVolumeClaim:",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
}

#[test]
fn one_parameter_sweeps_draw_bars_and_a_report_whatever_the_thread_count() {
    let dir = temp_dir("sweep-charts");
    for jobs in ["1", "2"] {
        let out = dir.join(format!("jobs-{jobs}"));
        let output = timonel(&[
            "sweep",
            SCENARIO,
            "--param",
            "maxSurge=1,3",
            "--runs",
            "2",
            "--jobs",
            jobs,
            "--out",
            out.to_str().unwrap(),
            "-o",
            "none",
        ]);
        assert!(
            matches!(output.status.code(), Some(0) | Some(3)),
            "{}",
            stderr(&output)
        );
    }
    assert_same_tree(&dir.join("jobs-1"), &dir.join("jobs-2"));
    let out = dir.join("jobs-1");
    let stems = checked_charts(&out, "sweep-");
    let duration = "sweep-workloads-deployment-default-nginx-deployment-rollout-duration-ms";
    assert!(stems.iter().any(|s| s == duration), "{stems:?}");
    let svg = std::fs::read_to_string(out.join(format!("{duration}.svg"))).unwrap();
    for text in ["maxSurge", "rollout duration (s)", "95% CI over 2 runs"] {
        assert!(svg.contains(text), "{text}");
    }
    // The report: the parameters, the key tables with the figures of sweep.json, the charts.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), stems.len());
    let sweep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    let metric = "workloads.deployment/default/nginx-deployment.rollout_duration_ms";
    assert!(html.contains(&format!("<h3><code>{metric}</code></h3>")));
    for point in sweep["points"].as_array().unwrap() {
        let s = &point["metrics"][metric];
        let fig = |v: &serde_json::Value| (v.as_f64().unwrap() * 1e4).round() / 1e4;
        let cell = format!(
            "<span class=\"num\">{} ± {}</span>",
            fig(&s["mean"]),
            fig(&s["stddev"])
        );
        assert!(html.contains(&cell), "{cell}");
    }
    assert!(html.contains("<td><code>maxSurge</code></td>"));

    // Three parameters: the report, no charts.
    let three = dir.join("three");
    let output = timonel(&[
        "sweep",
        SCENARIO,
        "--param",
        "maxSurge=1",
        "--param",
        "replicas=3",
        "--param",
        "minReadySeconds=0",
        "--out",
        three.to_str().unwrap(),
        "-o",
        "none",
    ]);
    assert!(
        matches!(output.status.code(), Some(0) | Some(3)),
        "{}",
        stderr(&output)
    );
    assert!(checked_charts(&three, "sweep-").is_empty());
    let html = std::fs::read_to_string(three.join("report.html")).unwrap();
    assert!(html.contains("Charts are drawn for sweeps of one or two parameters."));
}
