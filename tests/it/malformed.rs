//! Bad input is a validation error (exit 2) with an apiserver-style message that names
//! `file:line:col` and the field path; it is never a panic (exit 4). CONTRACT §1, §2, §4.
//!
//! Every case runs through both `timonel validate` and `timonel run -o none --out DIR`.

use std::path::Path;
use std::process::Output;

use crate::support::{root, stderr, temp_dir, timonel_in};

/// A small valid scenario: one Scenario document and the Deployment it updates.
const SCENARIO: &str = "\
apiVersion: timonel/v1alpha1
kind: Scenario
metadata:
  name: web
spec:
  duration: 10m
  cluster:
    nodePools:
      - name: worker
        count: 2
        capacity: {cpu: \"4\", memory: 16Gi}
  timeline:
    - at: 1m
      action: setImage
      target: deployment/web
      container: nginx
      image: \"nginx:1.16.1\"
  expect:
    - metric: availableReplicas
      target: deployment/web
      min: 1
";

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        resources:
          requests:
            cpu: 100m
";

/// An autoscaling/v2 HorizontalPodAutoscaler on deployment/web with the given replica bounds.
fn hpa(bounds: &str) -> String {
    format!(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}\n{bounds}  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target: {{type: Utilization, averageUtilization: 50}}\n"
    )
}

/// The valid two-document file every case starts from.
fn base() -> String {
    format!("{SCENARIO}---\n{DEPLOYMENT}")
}

/// The base file with the first `from` replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    let text = base();
    assert!(
        text.contains(from),
        "the base file does not contain {from:?}"
    );
    text.replacen(from, to, 1)
}

/// Where the message must point.
enum At {
    /// At the `n`th (from 0) occurrence of this text in the file.
    Text(&'static str, usize),
    /// Some `line:col` of the file (the parser decides exactly where).
    Somewhere,
    /// The problem concerns the whole file (`file: message`, no position).
    File,
    /// No file is involved (a flag).
    Nowhere,
}

/// Where the input comes from.
enum Source {
    /// Written to `<name>.yaml`.
    Text(String),
    /// Written to `<name>.yaml` as raw bytes.
    Bytes(Vec<u8>),
    /// Not written: the path does not exist.
    Missing,
}

struct Case {
    name: &'static str,
    source: Source,
    /// Extra arguments for `run` (also for `validate` unless `run_only`).
    args: &'static [&'static str],
    run_only: bool,
    at: At,
    /// Fragments the message must contain.
    want: &'static [&'static str],
}

fn case(name: &'static str, text: String, at: At, want: &'static [&'static str]) -> Case {
    Case {
        name,
        source: Source::Text(text),
        args: &[],
        run_only: false,
        at,
        want,
    }
}

/// 1-based line and column of the `n`th occurrence of `needle` in `text`.
fn position(text: &str, needle: &str, n: usize) -> (usize, usize) {
    let offset = text
        .match_indices(needle)
        .nth(n)
        .unwrap_or_else(|| panic!("{needle:?} occurs fewer than {} times", n + 1))
        .0;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = offset - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// `name: &a [...]` nested ten levels deep: 10^10 nodes once expanded.
fn billion_laughs() -> String {
    let mut text = format!(
        "{SCENARIO}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    );
    let mut previous = 'a';
    for name in 'b'..='k' {
        let items = vec![format!("*{previous}"); 10].join(", ");
        text.push_str(&format!("  {name}: &{name} [{items}]\n"));
        previous = name;
    }
    text
}

fn cases() -> Vec<Case> {
    let second_scenario = "apiVersion: timonel/v1alpha1\nkind: Scenario\nmetadata:\n  name: again\n---\napiVersion: apps/v1";
    let with_strategy = |strategy: &str| {
        edit(
            "  replicas: 3\n",
            &format!("  replicas: 3\n  strategy:\n    rollingUpdate:\n{strategy}"),
        )
    };
    vec![
        // YAML syntax.
        case(
            "bad-indentation",
            edit(
                "  labels:\n    app: web\nspec:",
                "  labels:\n     app: web\n   tier: x\nspec:",
            ),
            At::Text("tier: x", 0),
            &[
                "error converting YAML to JSON: yaml:",
                "did not find expected key",
            ],
        ),
        case(
            "unclosed-quote",
            edit("image: nginx:1.14.2", "image: \"nginx:1.14.2"),
            At::Text("\"nginx:1.14.2", 0),
            &["error converting YAML to JSON: yaml:", "quote"],
        ),
        case(
            "tab-indentation",
            edit("  replicas: 3", "\treplicas: 3"),
            At::Somewhere,
            &["error converting YAML to JSON: yaml:"],
        ),
        case(
            "duplicate-key",
            edit("  replicas: 3\n", "  replicas: 3\n  replicas: 4\n"),
            At::Text("replicas: 4", 0),
            &["duplicate key \"replicas\""],
        ),
        case(
            "alias-bomb",
            billion_laughs(),
            At::Somewhere,
            &["alias expansion exceeds the limit", "alias bomb"],
        ),
        case(
            "deep-nesting",
            format!(
                "{}---\nkey: {}{}\n",
                SCENARIO,
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
            At::Somewhere,
            &["error converting YAML to JSON: yaml:"],
        ),
        // Document shape.
        case(
            "document-is-a-list",
            edit("apiVersion: apps/v1", "- a\n- b\n---\napiVersion: apps/v1"),
            At::Text("- a\n", 0),
            &["error validating data: a document must be a mapping with apiVersion and kind"],
        ),
        case(
            "document-is-a-string",
            edit(
                "apiVersion: apps/v1",
                "just some words\n---\napiVersion: apps/v1",
            ),
            At::Text("just some words", 0),
            &["a document must be a mapping"],
        ),
        case(
            "missing-apiversion",
            edit("apiVersion: apps/v1\n", ""),
            At::Text("kind: Deployment", 0),
            &["error validating data: [apiVersion not set]"],
        ),
        case(
            "missing-kind",
            edit("kind: Deployment\n", ""),
            At::Text("apiVersion: apps/v1", 0),
            &["error validating data: [kind not set]"],
        ),
        case(
            "unknown-kind",
            edit(
                "apiVersion: apps/v1\nkind: Deployment",
                "apiVersion: example.com/v1\nkind: Widget",
            ),
            At::Text("kind: Widget", 0),
            &["no matches for kind \"Widget\" in version \"example.com/v1\""],
        ),
        case(
            "removed-apiversion",
            edit("apiVersion: apps/v1\n", "apiVersion: extensions/v1beta1\n"),
            At::Text("kind: Deployment", 0),
            &["no matches for kind \"Deployment\" in version \"extensions/v1beta1\""],
        ),
        case(
            "no-scenario",
            DEPLOYMENT.to_string(),
            At::File,
            &["no Scenario document (apiVersion: timonel/v1alpha1, kind: Scenario)"],
        ),
        case(
            "empty-file",
            String::new(),
            At::File,
            &["no Scenario document"],
        ),
        case(
            "two-scenarios",
            edit("apiVersion: apps/v1", second_scenario),
            At::Text("apiVersion: timonel/v1alpha1", 1),
            &["a file may hold only one Scenario document; this is the second"],
        ),
        // Types.
        case(
            "replicas-list",
            edit("replicas: 3", "replicas: [1]"),
            At::Text("[1]", 0),
            &[
                "The Deployment \"web\" is invalid: spec.replicas: invalid type: sequence, expected i32",
            ],
        ),
        case(
            "replicas-string",
            edit("replicas: 3", "replicas: \"three\""),
            At::Text("\"three\"", 0),
            &["The Deployment \"web\" is invalid: spec.replicas: invalid type: string \"three\""],
        ),
        case(
            "replicas-huge",
            edit("replicas: 3", "replicas: 99999999999999999999"),
            At::Text("99999999999999999999", 0),
            &["The Deployment \"web\" is invalid: spec.replicas: invalid type: floating point"],
        ),
        case(
            "container-image-list",
            edit("image: nginx:1.14.2", "image: [nginx]"),
            At::Text("[nginx]", 0),
            &["spec.template.spec.containers[0].image: invalid type: sequence, expected a string"],
        ),
        case(
            "pool-count-fraction",
            edit("count: 2", "count: 1.5"),
            At::Text("1.5", 0),
            &[
                "The Scenario \"web\" is invalid: spec.cluster.nodePools[0].count: invalid type: floating point `1.5`",
            ],
        ),
        case(
            "scenario-spec-scalar",
            edit(
                "spec:\n  duration: 10m\n",
                "spec: 5\nrest:\n  duration: 10m\n",
            ),
            At::Text("5\nrest", 0),
            &[
                "The Scenario \"web\" is invalid: spec: invalid type: string \"5\", expected a mapping",
            ],
        ),
        // Deployment validation (apiserver wording).
        case(
            "negative-replicas",
            edit("replicas: 3", "replicas: -1"),
            At::Text("replicas: -1", 0),
            &[
                "The Deployment \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            ],
        ),
        case(
            "surge-and-unavailable-zero",
            with_strategy("      maxSurge: 0\n      maxUnavailable: 0\n"),
            At::Text("maxUnavailable", 0),
            &[
                "The Deployment \"web\" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0",
            ],
        ),
        case(
            "unavailable-over-100-percent",
            with_strategy("      maxUnavailable: 120%\n"),
            At::Text("maxUnavailable", 0),
            &[
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"120%\": must not be greater than 100%",
            ],
        ),
        case(
            "surge-not-a-percent",
            with_strategy("      maxSurge: \"abc\"\n"),
            At::Text("maxSurge", 0),
            &[
                "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"abc\": a valid percent string must be a numeric string followed by an ending '%'",
            ],
        ),
        case(
            "bad-quantity",
            edit("cpu: 100m", "cpu: 1.2.3"),
            At::Text("cpu: 1.2.3", 0),
            &[
                "spec.template.spec.containers[0].resources.requests[cpu]: Invalid value: \"1.2.3\": quantities must match the regular expression",
            ],
        ),
        case(
            "quantity-overflows-f64",
            edit("cpu: 100m", "cpu: 1e1000"),
            At::Text("cpu: 1e1000", 0),
            &["resources.requests[cpu]: Invalid value: \"1e1000\""],
        ),
        case(
            "fractional-extended-resource",
            edit("cpu: 100m", "example.com/gpu: 1.5"),
            At::Text("example.com/gpu", 0),
            &["resources.requests[example.com/gpu]: Invalid value: \"1.5\": must be an integer"],
        ),
        case(
            "container-without-image",
            edit("        image: nginx:1.14.2\n", ""),
            At::Text("name: nginx", 0),
            &[
                "The Deployment \"web\" is invalid: spec.template.spec.containers[0].image: Required value",
            ],
        ),
        case(
            "selector-does-not-match-labels",
            edit(
                "        app: web\n    spec:",
                "        app: other\n    spec:",
            ),
            At::Text("labels:\n        app: other", 0),
            &[
                "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`",
            ],
        ),
        // Scenario document.
        case(
            "duration-with-words",
            edit("duration: 10m", "duration: 5 minutes"),
            At::Text("duration: 5 minutes", 0),
            &[
                "The Scenario \"web\" is invalid: spec.duration: Invalid value: \"5 minutes\": time: unknown unit \" minutes\" in duration \"5 minutes\"",
            ],
        ),
        case(
            "at-without-unit",
            edit("at: 1m", "at: 10"),
            At::Text("at: 10", 0),
            &["spec.timeline[0].at: Invalid value: \"10\": time: missing unit in duration \"10\""],
        ),
        case(
            "negative-at",
            edit("at: 1m", "at: -1m"),
            At::Text("at: -1m", 0),
            &["spec.timeline[0].at: Invalid value: \"-1m\": must not be negative"],
        ),
        case(
            "unknown-action",
            edit("action: setImage", "action: explode"),
            At::Text("action: explode", 0),
            &[
                "spec.timeline[0].action: Unsupported value: \"explode\": supported values: apply, delete, setImage",
            ],
        ),
        case(
            "set-image-without-image",
            edit("      image: \"nginx:1.16.1\"\n", ""),
            At::Text("at: 1m", 0),
            &["The Scenario \"web\" is invalid: spec.timeline[0].image: Required value"],
        ),
        case(
            "switch-service-without-selector",
            edit(
                "      action: setImage\n      target: deployment/web\n",
                "      action: switchService\n      target: service/web\n",
            ),
            At::Text("at: 1m", 0),
            &["The Scenario \"web\" is invalid: spec.timeline[0].selector: Required value"],
        ),
        case(
            "switch-service-of-a-deployment",
            edit(
                "      action: setImage\n",
                "      action: switchService\n      selector: {app: green}\n",
            ),
            At::Text("target: deployment/web", 0),
            &[
                "spec.timeline[0].target: Invalid value: \"deployment/web\": switchService needs a service/NAME target",
            ],
        ),
        case(
            "drain-with-a-bad-grace-period",
            edit(
                "      action: setImage\n      target: deployment/web\n",
                "      action: drain\n      node: worker-0\n      gracePeriod: \"-5\"\n",
            ),
            At::Text("gracePeriod", 0),
            &[
                "spec.timeline[0].gracePeriod: Invalid value: -5: must be -1 (the pod's own) or greater than or equal to 0",
            ],
        ),
        case(
            "traffic-split-over-100",
            edit(
                "  timeline:\n",
                "  traffic:\n    - service: web\n      rps: 10\n      split:\n        - {selector: {track: b}, percent: 120}\n  timeline:\n",
            ),
            At::Text("percent: 120", 0),
            &["spec.traffic[0].split[0].percent: Invalid value: 120: must be between 0 and 100"],
        ),
        case(
            "unknown-metric",
            edit("metric: availableReplicas", "metric: happiness"),
            At::Text("metric: happiness", 0),
            &[
                "spec.expect[0].metric: Unsupported value: \"happiness\": supported values: availability",
            ],
        ),
        case(
            "expectation-min-nan",
            edit("      min: 1\n", "      min: .nan\n"),
            At::Text("min: .nan", 0),
            &["spec.expect[0].min: Invalid value: .nan: must be a number"],
        ),
        case(
            "image-duration-without-unit",
            edit(
                "  timeline:",
                "  images:\n    default: {pull: 5}\n  timeline:",
            ),
            At::Text("pull: 5", 0),
            &["spec.images.default.pull: Invalid value: 5: a duration needs a unit"],
        ),
        case(
            "image-duration-list",
            edit(
                "  timeline:",
                "  images:\n    default: {pull: [5s]}\n  timeline:",
            ),
            At::Text("[5s]", 0),
            &[
                "spec.images.default.pull: invalid type: sequence, expected a duration such as \"5s\" or a distribution",
            ],
        ),
        // HorizontalPodAutoscaler validation.
        case(
            "hpa-min-replicas-zero",
            format!(
                "{}---\n{}",
                base(),
                hpa("  minReplicas: 0\n  maxReplicas: 10\n")
            ),
            At::Text("minReplicas: 0", 0),
            &[
                "The HorizontalPodAutoscaler \"web\" is invalid: spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
            ],
        ),
        case(
            "hpa-max-below-min",
            format!(
                "{}---\n{}",
                base(),
                hpa("  minReplicas: 5\n  maxReplicas: 3\n")
            ),
            At::Text("maxReplicas: 3", 0),
            &["spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`"],
        ),
        case(
            "hpa-missing-scale-target-ref",
            format!(
                "{}---\n{}",
                base(),
                hpa("  maxReplicas: 3\n").replace(
                    "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n",
                    ""
                )
            ),
            At::Somewhere,
            &[
                "The HorizontalPodAutoscaler \"web\" is invalid: spec.scaleTargetRef.kind: Required value",
            ],
        ),
        // Availability rules, endpoint delay, memory model.
        case(
            "quorum-below-one",
            edit(
                "  duration: 10m\n",
                "  duration: 10m\n  availability:\n    - service: web\n      minReadyEndpoints: 0\n",
            ),
            At::Text("minReadyEndpoints: 0", 0),
            &[
                "The Scenario \"web\" is invalid: spec.availability[0].minReadyEndpoints: Invalid value: 0: must be greater than or equal to 1",
            ],
        ),
        case(
            "quorum-without-service",
            edit(
                "  duration: 10m\n",
                "  duration: 10m\n  availability:\n    - minReadyEndpoints: 2\n",
            ),
            At::Somewhere,
            &["spec.availability[0].service: Required value"],
        ),
        Case {
            name: "quorum-unknown-field-strict",
            source: Source::Text(edit(
                "  duration: 10m\n",
                "  duration: 10m\n  availability:\n    - service: web\n      minReady: 2\n",
            )),
            args: &["--strict"],
            run_only: false,
            at: At::Text("minReady: 2", 0),
            want: &["strict decoding error: unknown field \"spec.availability[0].minReady\""],
        },
        case(
            "endpoint-delay-not-a-duration",
            edit(
                "  cluster:\n",
                "  cluster:\n    endpointPropagationDelay: soon\n",
            ),
            At::Text("endpointPropagationDelay", 0),
            &["spec.cluster.endpointPropagationDelay: Invalid value: \"soon\""],
        ),
        case(
            "memory-not-a-quantity",
            edit(
                "  cluster:\n",
                "  images:\n    default:\n      memory: lots\n  cluster:\n",
            ),
            At::Text("memory: lots", 0),
            &["spec.images.default.memory: Invalid value: \"lots\""],
        ),
        case(
            "memory-growth-every-zero",
            edit(
                "  cluster:\n",
                "  images:\n    default:\n      memory:\n        growth: 10Mi\n        every: 0s\n  cluster:\n",
            ),
            At::Text("every: 0s", 0),
            &["spec.images.default.memory.every: Invalid value: \"0s\": must be greater than 0"],
        ),
        // Files and flags.
        Case {
            name: "unknown-field-strict",
            source: Source::Text(edit("  replicas: 3\n", "  replicas: 3\n  replicaz: 4\n")),
            args: &["--strict"],
            run_only: false,
            at: At::Text("replicaz", 0),
            want: &["strict decoding error: unknown field \"spec.replicaz\""],
        },
        Case {
            name: "not-utf8",
            source: Source::Bytes(b"apiVersion: v1\nkind: \xff\xfe\n".to_vec()),
            args: &[],
            run_only: false,
            at: At::File,
            want: &["file is not valid UTF-8"],
        },
        Case {
            name: "does-not-exist",
            source: Source::Missing,
            args: &[],
            run_only: false,
            at: At::File,
            want: &["cannot read"],
        },
        Case {
            name: "until-not-a-duration",
            source: Source::Text(base()),
            args: &["--until", "abc"],
            run_only: true,
            at: At::Nowhere,
            want: &["--until: time: invalid duration \"abc\""],
        },
    ]
}

/// Checks one invocation; returns a description of what is wrong, if anything.
fn check(
    case: &Case,
    file: &str,
    text: Option<&str>,
    command: &str,
    out: &Output,
    out_dir: &Path,
) -> Option<String> {
    let err = stderr(out);
    let mut problems = Vec::new();
    if out.status.code() != Some(2) {
        problems.push(format!("exit code {:?}, want 2", out.status.code()));
    }
    if err.contains("panicked") || err.contains("internal error") {
        problems.push("panicked".into());
    }
    let prefix = match case.at {
        At::Text(needle, n) => {
            let (line, col) = position(text.expect("a text"), needle, n);
            Some(format!("error: {file}:{line}:{col}: "))
        }
        At::Somewhere => {
            let rest = err.split_once(&format!("error: {file}:")).map(|(_, r)| r);
            let positioned = rest.is_some_and(|r| {
                let mut parts = r.splitn(3, ':');
                let (line, col) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                !line.is_empty()
                    && line.bytes().all(|b| b.is_ascii_digit())
                    && !col.is_empty()
                    && col.bytes().all(|b| b.is_ascii_digit())
            });
            if !positioned {
                problems.push(format!("no {file}:line:col in the message"));
            }
            None
        }
        At::File => Some(format!("error: {file}: ")),
        At::Nowhere => Some("error: ".into()),
    };
    if let Some(prefix) = prefix
        && !err.contains(&prefix)
    {
        problems.push(format!("no {prefix:?} in the message"));
    }
    for fragment in case.want {
        if !err.contains(fragment) {
            problems.push(format!("no {fragment:?} in the message"));
        }
    }
    if command == "run" && out_dir.join("summary.json").exists() {
        problems.push("wrote outputs".into());
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!(
            "{} ({command}): {}\n--- stderr:\n{err}",
            case.name,
            problems.join("; ")
        ))
    }
}

#[test]
fn malformed_inputs_are_validation_errors_with_positions() {
    let dir = temp_dir("malformed");
    let cases = cases();
    assert!(cases.len() >= 16);
    let mut failures = Vec::new();
    for case in &cases {
        let file = format!("{}.yaml", case.name);
        let text = match &case.source {
            Source::Text(text) => {
                std::fs::write(dir.join(&file), text).expect("write case");
                Some(text.as_str())
            }
            Source::Bytes(bytes) => {
                std::fs::write(dir.join(&file), bytes).expect("write case");
                None
            }
            Source::Missing => None,
        };
        let out_dir = dir.join(format!("out-{}", case.name));
        let out_arg = out_dir.to_string_lossy().to_string();
        let mut run_args = vec!["run", "-o", "none", "--out", &out_arg, &file];
        run_args.extend_from_slice(case.args);
        let mut runs = vec![("run", timonel_in(&dir, &run_args, None))];
        if !case.run_only {
            let mut validate_args = vec!["validate", &file];
            validate_args.extend_from_slice(case.args);
            runs.push(("validate", timonel_in(&dir, &validate_args, None)));
        }
        for (command, out) in &runs {
            failures.extend(check(case, &file, text, command, out, &out_dir));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn stdin_errors_name_the_dash() {
    let dir = temp_dir("malformed-stdin");
    let text = edit("replicas: 3", "replicas: -1");
    let out = timonel_in(&dir, &["validate", "-"], Some(&text));
    let (line, col) = position(&text, "replicas: -1", 0);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "error: -:{line}:{col}: The Deployment \"web\" is invalid: spec.replicas"
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_fields_warn_and_unsimulated_kinds_inform() {
    let dir = temp_dir("malformed-notes");
    let text = format!(
        "{}---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n",
        edit("  replicas: 3\n", "  replicas: 3\n  replicaz: 4\n")
    );
    std::fs::write(dir.join("notes.yaml"), &text).expect("write");
    let out = timonel_in(&dir, &["validate", "notes.yaml"], None);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let (line, col) = position(&text, "replicaz", 0);
    assert!(
        err.contains(&format!(
            "Warning: notes.yaml:{line}:{col}: unknown field \"spec.replicaz\""
        )),
        "{err}"
    );
    assert!(
        err.lines().any(|l| l.starts_with("Info: Ingress \"web\"")),
        "{err}"
    );
}

#[test]
fn later_definition_of_an_object_replaces_the_earlier_with_a_warning() {
    // `kubectl apply -f DIR` semantics: the docs ship nginx-deployment.yaml and
    // deployment-update.yaml, two versions of the same Deployment, side by side.
    let dir = temp_dir("malformed-redefined");
    std::fs::write(dir.join("s.yaml"), base()).expect("write");
    std::fs::write(
        dir.join("again.yaml"),
        DEPLOYMENT.replace("replicas: 3", "replicas: 5"),
    )
    .expect("write");
    let out = timonel_in(&dir, &["validate", "s.yaml", "again.yaml"], None);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("Warning: again.yaml:4:3: deployments \"web\" is defined again; this definition replaces the one at s.yaml:"),
        "{err}"
    );
    assert!(
        crate::support::stdout(&out).contains("1 objects"),
        "{}",
        crate::support::stdout(&out)
    );
}

/// A fixed-seed linear congruential generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One random mutation of `text`: a byte changed to a YAML-significant or random character, a
/// truncation, a deleted, duplicated or re-indented line, or two lines swapped.
fn mutate(text: &str, rng: &mut Lcg) -> Vec<u8> {
    const SPECIAL: &[u8] = b":-[]{}\"'&*!|>%@#,?\t\n 0123456789.eEa~";
    let mut bytes = text.as_bytes().to_vec();
    let mut lines: Vec<&str> = text.lines().collect();
    for _ in 0..=rng.below(3) {
        match rng.below(6) {
            0 => {
                let i = rng.below(bytes.len());
                bytes[i] = SPECIAL[rng.below(SPECIAL.len())];
            }
            1 => {
                let i = rng.below(bytes.len());
                bytes[i] = (rng.next() & 0x7f) as u8;
            }
            2 => {
                let keep = rng.below(bytes.len());
                bytes.truncate(keep);
                return bytes;
            }
            3 => {
                let i = rng.below(lines.len());
                lines.remove(i);
                bytes = (lines.join("\n") + "\n").into_bytes();
            }
            4 => {
                let i = rng.below(lines.len());
                let line = lines[i];
                lines.insert(rng.below(lines.len()), line);
                bytes = (lines.join("\n") + "\n").into_bytes();
            }
            _ => {
                let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
                lines.swap(i, j);
                let indented = format!("{}{}", " ".repeat(rng.below(4)), lines[i]);
                let mut owned: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                owned[i] = indented;
                bytes = (owned.join("\n") + "\n").into_bytes();
            }
        }
    }
    bytes
}

#[test]
fn random_mutations_never_panic() {
    let source = std::fs::read_to_string(root().join("scenarios/nginx-rolling-update.yaml"))
        .expect("read scenario");
    let dir = temp_dir("malformed-mutations");
    let mut rng = Lcg(0x7173_6f6e_656c);
    let inputs: Vec<(usize, Vec<u8>)> = (0..200).map(|i| (i, mutate(&source, &mut rng))).collect();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .chunks(50)
            .map(|chunk| {
                let dir = &dir;
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for (i, bytes) in chunk {
                        let file = format!("mutation-{i:03}.yaml");
                        std::fs::write(dir.join(&file), bytes).expect("write mutation");
                        let out = timonel_in(dir, &["validate", &file], None);
                        let err = stderr(&out);
                        let ok =
                            matches!(out.status.code(), Some(0 | 2)) && !err.contains("panicked");
                        if !ok {
                            failures.push(format!(
                                "{file}: exit {:?}\n{err}\n--- input:\n{}",
                                out.status.code(),
                                String::from_utf8_lossy(bytes)
                            ));
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("mutation thread"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} mutation(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
