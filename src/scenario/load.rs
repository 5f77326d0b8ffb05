//! From paths to validated [`Scenario`]s: read files, directories and stdin; split documents;
//! find the Scenario documents; convert manifests; validate the Scenario document.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::de::from_node;
use super::duration::parse_duration;
use super::manifests::{self, Converted, ManifestError, Notes};
use super::raw::{RawDuration, RawImage, RawMemory, RawScalar, RawScenario, RawStorageTiming};
use super::scheduler_config;
use super::spec::{
    Action, DEFAULT_ENDPOINT_PROPAGATION_DELAY_NS, Expectation, Fault, FaultKind, ImageCatalog,
    InputFile, Metric, NodeFaultAction, NodePool, PropagationPolicy, Scenario, ServiceQuorum,
    TimedAction, Traffic, Window,
};
use super::yaml::{self, Node, Pos};
use crate::model::ObjectRef;
use crate::model::behavior::{DurationDist, ImageBehavior, MemoryUse};
use crate::model::node::{Node as ModelNode, Taint, TaintEffect};
use crate::model::objects::ApiObject;
use crate::model::storage::{StorageCatalog, StorageTiming};
use crate::sim::time::SimTime;

/// Largest input file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Longest simulated duration accepted (30 days).
pub const MAX_DURATION_NS: u64 = 30 * 24 * 3600 * 1_000_000_000;
/// Most nodes a scenario may declare.
pub const MAX_NODES: usize = 100_000;
/// Most replicas any workload may ask for.
pub const MAX_REPLICAS: i64 = 1_000_000;

/// A user-input error: where, and what.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    /// File path (`-` for stdin), empty when the error concerns no file.
    pub file: String,
    /// Position in the file.
    pub pos: Option<Pos>,
    /// The message, apiserver style.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.pos) {
            (file, Some(pos)) if !file.is_empty() => {
                write!(f, "{file}:{}:{}: {}", pos.line, pos.col, self.message)
            }
            (file, None) if !file.is_empty() => write!(f, "{file}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// One input's text.
#[derive(Debug, Clone)]
pub struct Input {
    /// Path as given, or `-`.
    pub path: String,
    /// Contents.
    pub text: String,
}

/// Loader options.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Unknown fields are errors instead of warnings.
    pub strict: bool,
}

fn io_error(path: &str, err: impl fmt::Display) -> ScenarioError {
    ScenarioError {
        file: path.to_string(),
        pos: None,
        message: format!("cannot read: {err}"),
    }
}

/// Reads every path: a file, a directory (its `*.yaml`/`*.yml`, sorted by name), or `-` (stdin).
pub fn read_inputs(paths: &[String]) -> Result<Vec<Input>, ScenarioError> {
    let mut inputs = Vec::new();
    for path in paths {
        if path == "-" {
            let mut text = String::new();
            std::io::stdin()
                .take(MAX_FILE_BYTES as u64 + 1)
                .read_to_string(&mut text)
                .map_err(|e| io_error("-", e))?;
            check_size("-", text.len())?;
            inputs.push(Input {
                path: "-".into(),
                text,
            });
            continue;
        }
        let p = Path::new(path);
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| io_error(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            files.sort();
            for file in files {
                inputs.push(read_file(&file.to_string_lossy())?);
            }
        } else {
            inputs.push(read_file(path)?);
        }
    }
    Ok(inputs)
}

fn check_size(path: &str, len: usize) -> Result<(), ScenarioError> {
    if len > MAX_FILE_BYTES {
        return Err(ScenarioError {
            file: path.into(),
            pos: None,
            message: format!("file is larger than the limit of {MAX_FILE_BYTES} bytes"),
        });
    }
    Ok(())
}

fn read_file(path: &str) -> Result<Input, ScenarioError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    check_size(path, meta.len() as usize)?;
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    let text = String::from_utf8(bytes).map_err(|_| ScenarioError {
        file: path.into(),
        pos: None,
        message: "file is not valid UTF-8".into(),
    })?;
    Ok(Input {
        path: path.into(),
        text,
    })
}

/// A traffic trace's text: plain, `.gz` or the first CSV of a `.tar.gz`, within the input limit.
fn read_trace_text(path: &str) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e).message)?;
    check_size(path, meta.len() as usize).map_err(|e| e.message)?;
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e).message)?;
    super::compressed::text(path, bytes, MAX_FILE_BYTES)
}

/// Hex of a SHA-256 digest.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One parsed document with where it came from.
struct Doc<'a> {
    file: &'a str,
    root: Node,
    api_version: String,
    kind: String,
}

/// Loads every scenario found in `inputs` (CONTRACT §1 grouping rules).
pub fn load(inputs: &[Input], options: LoadOptions) -> Result<Vec<Scenario>, ScenarioError> {
    let mut scenario_docs: Vec<(usize, Doc)> = Vec::new();
    let mut per_file: Vec<Vec<Doc>> = Vec::new();
    for (file_index, input) in inputs.iter().enumerate() {
        let documents = yaml::parse_stream(&input.text).map_err(|e| ScenarioError {
            file: input.path.clone(),
            pos: Some(e.pos),
            message: format!("error converting YAML to JSON: yaml: {}", e.message),
        })?;
        let mut docs = Vec::new();
        for document in documents {
            let Some(root) = document.root else { continue };
            let (api_version, kind) = type_meta(&input.path, &root)?;
            let doc = Doc {
                file: &input.path,
                root,
                api_version,
                kind,
            };
            if doc.kind == "Scenario" {
                if doc.api_version != "timonel/v1alpha1" {
                    return Err(ScenarioError {
                        file: input.path.clone(),
                        pos: Some(doc.root.locate("apiVersion")),
                        message: format!(
                            "no matches for kind \"Scenario\" in version \"{}\" (expected timonel/v1alpha1)",
                            doc.api_version
                        ),
                    });
                }
                if scenario_docs.iter().any(|(f, _)| *f == file_index) {
                    return Err(ScenarioError {
                        file: input.path.clone(),
                        pos: Some(doc.root.pos),
                        message: "a file may hold only one Scenario document; this is the second"
                            .into(),
                    });
                }
                scenario_docs.push((file_index, doc));
            } else {
                docs.push(doc);
            }
        }
        per_file.push(docs);
    }
    if scenario_docs.is_empty() {
        let files: Vec<&str> = inputs.iter().map(|i| i.path.as_str()).collect();
        return Err(ScenarioError {
            file: files.first().copied().unwrap_or("").to_string(),
            pos: None,
            message:
                "no Scenario document (apiVersion: timonel/v1alpha1, kind: Scenario) in the input"
                    .into(),
        });
    }
    let shared: Vec<usize> = (0..inputs.len())
        .filter(|i| !scenario_docs.iter().any(|(f, _)| f == i))
        .collect();
    let mut scenarios = Vec::new();
    for scenario_doc in &scenario_docs {
        let file_index = &scenario_doc.0;
        let mut files = vec![*file_index];
        files.extend(shared.iter().copied());
        scenarios.push(build(inputs, &per_file, &files, scenario_doc, options)?);
    }
    Ok(scenarios)
}

fn type_meta(file: &str, root: &Node) -> Result<(String, String), ScenarioError> {
    let get = |key: &str| {
        root.get(key)
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (api_version, kind) = (get("apiVersion"), get("kind"));
    if !matches!(root.value, yaml::Value::Map(_)) {
        return Err(ScenarioError {
            file: file.into(),
            pos: Some(root.pos),
            message: "error validating data: a document must be a mapping with apiVersion and kind"
                .into(),
        });
    }
    let mut missing = Vec::new();
    if api_version.is_empty() {
        missing.push("apiVersion not set");
    }
    if kind.is_empty() {
        missing.push("kind not set");
    }
    if !missing.is_empty() {
        return Err(ScenarioError {
            file: file.into(),
            pos: Some(root.pos),
            message: format!("error validating data: [{}]", missing.join(", ")),
        });
    }
    Ok((api_version, kind))
}

fn manifest_error(doc: &Doc, err: ManifestError) -> ScenarioError {
    let pos = err.pos.unwrap_or_else(|| doc.root.locate(&err.path));
    let message = if err.message.starts_with("The ") || err.message.starts_with("no matches") {
        err.message
    } else {
        let name = doc
            .root
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .unwrap_or("");
        format!("The {} \"{name}\" is invalid: {}", doc.kind, err.message)
    };
    ScenarioError {
        file: doc.file.to_string(),
        pos: Some(pos),
        message,
    }
}

/// Accumulates user notes, deduplicated, in order.
#[derive(Default)]
struct NoteSink {
    lines: Vec<String>,
    seen: BTreeSet<String>,
}

impl NoteSink {
    fn push(&mut self, line: String) {
        if self.seen.insert(line.clone()) {
            self.lines.push(line);
        }
    }
}

fn build(
    inputs: &[Input],
    per_file: &[Vec<Doc>],
    files: &[usize],
    scenario_doc: &(usize, Doc),
    options: LoadOptions,
) -> Result<Scenario, ScenarioError> {
    let (scenario_file_index, doc) = scenario_doc;
    let file = doc.file;
    let err_at = |path: &str, message: String| ScenarioError {
        file: file.to_string(),
        pos: Some(doc.root.locate(path)),
        message,
    };
    let raw: RawScenario = from_node(&doc.root).map_err(|e| {
        let name = doc
            .root
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .unwrap_or("");
        let field = if e.path.is_empty() {
            String::new()
        } else {
            format!("{}: ", e.path)
        };
        ScenarioError {
            file: file.to_string(),
            pos: e.pos.or(Some(doc.root.pos)),
            message: format!(
                "The Scenario \"{name}\" is invalid: {field}{}",
                scenario_type_message(&e.message)
            ),
        }
    })?;
    let mut notes = NoteSink::default();
    let mut scenario_notes = Notes::default();
    manifests::unknown_fields(&doc.root, &raw, &mut scenario_notes);
    for (path, message) in &scenario_notes.warnings {
        if options.strict {
            return Err(err_at(path, format!("strict decoding error: {message}")));
        }
        let pos = doc.root.locate(path);
        notes.push(format!(
            "Warning: {file}:{}:{}: {message}",
            pos.line, pos.col
        ));
    }

    // Metadata.
    let name = raw.metadata.name.clone();
    if name.is_empty() {
        return Err(err_at(
            "metadata",
            "The Scenario \"\" is invalid: metadata.name: Required value".into(),
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        || name.starts_with('.')
    {
        return Err(err_at(
            "metadata.name",
            format!(
                "The Scenario \"{name}\" is invalid: metadata.name: Invalid value: \"{name}\": must consist of letters, digits, '-', '_' or '.' (it names the output folder)"
            ),
        ));
    }
    let invalid = |path: &str, detail: String| {
        err_at(
            path,
            format!("The Scenario \"{name}\" is invalid: {path}: {detail}"),
        )
    };
    let spec = &raw.spec;
    let duration = match &spec.duration {
        Some(text) => parse_duration_field(text, "spec.duration", &invalid)?,
        None => 3_600_000_000_000,
    };
    if duration == 0 || duration > MAX_DURATION_NS {
        return Err(invalid(
            "spec.duration",
            format!(
                "Invalid value: \"{}\": must be greater than 0 and at most 720h",
                spec.duration.clone().unwrap_or_default()
            ),
        ));
    }
    let kubernetes_version = match &spec.kubernetes_version {
        None => (1, 33),
        Some(v) => parse_version(v).ok_or_else(|| {
            invalid(
                "spec.kubernetesVersion",
                format!("Invalid value: \"{v}\": must look like \"1.33\""),
            )
        })?,
    };

    // Cluster.
    let mut pools = Vec::new();
    let mut nodes = Vec::new();
    let mut pool_names = BTreeSet::new();
    for (index, pool) in spec.cluster.node_pools.iter().enumerate() {
        let path = format!("spec.cluster.nodePools[{index}]");
        if pool.name.is_empty()
            || !pool
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(invalid(
                &format!("{path}.name"),
                format!(
                    "Invalid value: \"{}\": must be a lowercase RFC 1123 label",
                    pool.name
                ),
            ));
        }
        if !pool_names.insert(pool.name.clone()) {
            return Err(invalid(
                &format!("{path}.name"),
                format!("Duplicate value: \"{}\"", pool.name),
            ));
        }
        if pool.count < 0 || pool.count as usize > MAX_NODES {
            return Err(invalid(
                &format!("{path}.count"),
                format!(
                    "Invalid value: {}: must be between 0 and {MAX_NODES}",
                    pool.count
                ),
            ));
        }
        let text: BTreeMap<String, String> = pool
            .capacity
            .iter()
            .map(|(k, v)| (k.clone(), v.text()))
            .collect();
        let mut capacity = manifests::resource_list_from_text(&text)
            .map_err(|(field, msg)| invalid(&format!("{path}.capacity.{field}"), msg))?;
        if !text.contains_key("pods") {
            capacity.pods = 110;
        }
        let mut allocatable = match &pool.allocatable {
            Some(a) => {
                let text: BTreeMap<String, String> =
                    a.iter().map(|(k, v)| (k.clone(), v.text())).collect();
                manifests::resource_list_from_text(&text)
                    .map_err(|(field, msg)| invalid(&format!("{path}.allocatable.{field}"), msg))?
            }
            None => capacity.clone(),
        };
        if !pool
            .allocatable
            .as_ref()
            .is_some_and(|a| a.contains_key("pods"))
        {
            allocatable.pods = capacity.pods;
        }
        let mut taints = Vec::new();
        for (t_index, t) in pool.taints.iter().enumerate() {
            let effect = TaintEffect::parse(&t.effect).ok_or_else(|| invalid(&format!("{path}.taints[{t_index}].effect"), format!("Unsupported value: \"{}\": supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\"", t.effect)))?;
            if t.key.is_empty() {
                return Err(invalid(
                    &format!("{path}.taints[{t_index}].key"),
                    "Required value".into(),
                ));
            }
            taints.push(Taint {
                key: t.key.clone(),
                value: t.value.clone(),
                effect,
            });
        }
        let node_pool = NodePool {
            name: pool.name.clone(),
            count: pool.count as usize,
            zones: pool.zones.clone(),
            capacity,
            allocatable,
            labels: pool.labels.clone(),
            taints,
        };
        for i in 0..node_pool.count {
            nodes.push(node_pool.node(i));
        }
        pools.push(node_pool);
    }

    // Images.
    let mut images = ImageCatalog::default();
    if let Some(default) = spec.images.get("default") {
        images.default = image_behavior(
            default,
            &ImageBehavior::default(),
            "spec.images.default",
            &invalid,
        )?;
    }
    for (image, raw_image) in &spec.images {
        if image != "default" {
            let behavior = image_behavior(
                raw_image,
                &images.default,
                &format!("spec.images.{image}"),
                &invalid,
            )?;
            images.by_image.insert(image.clone(), behavior);
        }
    }

    // Storage timing.
    let mut storage = StorageCatalog::default();
    if let Some(default) = spec.storage.get("default") {
        storage.default = storage_timing(
            default,
            &StorageTiming::default(),
            "spec.storage.default",
            &invalid,
        )?;
    }
    for (class, raw_timing) in &spec.storage {
        if class != "default" {
            let timing = storage_timing(
                raw_timing,
                &storage.default,
                &format!("spec.storage.{class}"),
                &invalid,
            )?;
            storage.by_class.insert(class.clone(), timing);
        }
    }

    // Manifests.
    let mut scheduler: Option<crate::model::scheduler_config::SchedulerConfig> = match doc
        .root
        .get("spec")
        .and_then(|n| n.get("scheduler"))
        .and_then(|n| n.get("configuration"))
    {
        Some(node) => {
            let mut config_notes = Notes::default();
            let config =
                scheduler_config::parse(node, &mut config_notes).map_err(|e| ScenarioError {
                    file: file.to_string(),
                    pos: e.pos.or_else(|| Some(node.locate(&e.path))),
                    message: e.message,
                })?;
            for info in config_notes.infos {
                notes.push(format!("Info: {info}"));
            }
            Some(config)
        }
        None => None,
    };
    let mut objects = Vec::new();
    let mut origins: Vec<String> = Vec::new();
    let mut input_files = Vec::new();
    let mut hasher = Sha256::new();
    for &file_index in files {
        let input = &inputs[file_index];
        input_files.push(InputFile {
            path: input.path.clone(),
            sha256: sha256_hex(input.text.as_bytes()),
        });
        hasher.update(input.path.as_bytes());
        hasher.update([0]);
        hasher.update(input.text.as_bytes());
        for d in &per_file[file_index] {
            let mut doc_notes = Notes::default();
            let converted = if d.api_version == scheduler_config::API_VERSION
                && d.kind == "KubeSchedulerConfiguration"
            {
                if scheduler.is_some() {
                    return Err(ScenarioError { file: d.file.to_string(), pos: Some(d.root.pos), message: "a scenario takes one KubeSchedulerConfiguration (or spec.scheduler.configuration); this is the second".into() });
                }
                scheduler = Some(
                    scheduler_config::parse(&d.root, &mut doc_notes)
                        .map_err(|e| manifest_error(d, e))?,
                );
                Converted::NotSimulated
            } else {
                manifests::convert(&d.api_version, &d.kind, &d.root, &mut doc_notes)
                    .map_err(|e| manifest_error(d, e))?
            };
            for (path, message) in doc_notes.warnings {
                let pos = d.root.locate(&path);
                if options.strict {
                    return Err(ScenarioError {
                        file: d.file.to_string(),
                        pos: Some(pos),
                        message: format!("strict decoding error: {message}"),
                    });
                }
                notes.push(format!(
                    "Warning: {}:{}:{}: {message}",
                    d.file, pos.line, pos.col
                ));
            }
            for info in doc_notes.infos {
                notes.push(format!("Info: {info}"));
            }
            if let Converted::Objects(list) = converted {
                for object in list {
                    if let ApiObject::Node(node) = object {
                        if nodes.iter().any(|n| n.name == node.name) {
                            return Err(ScenarioError {
                                file: d.file.to_string(),
                                pos: Some(d.root.locate("metadata.name")),
                                message: format!("nodes \"{}\" already exists", node.name),
                            });
                        }
                        nodes.push(node);
                    } else {
                        check_object_limits(&object).map_err(|message| ScenarioError {
                            file: d.file.to_string(),
                            pos: Some(d.root.locate("spec.replicas")),
                            message,
                        })?;
                        let pos = d.root.locate("metadata.name");
                        let origin = format!("{}:{}:{}", d.file, pos.line, pos.col);
                        // Like `kubectl apply -f DIR`: a later definition of the same object
                        // (e.g. the docs' nginx-deployment.yaml and deployment-update.yaml)
                        // updates the earlier one, never silently.
                        match objects.iter().position(|o: &ApiObject| {
                            o.kind() == object.kind()
                                && o.name() == object.name()
                                && namespace_of(o) == namespace_of(&object)
                        }) {
                            Some(index) => {
                                notes.push(format!(
                                    "Warning: {origin}: {}s \"{}\" is defined again; this definition replaces the one at {} (as kubectl apply would)",
                                    object.kind(),
                                    object.name(),
                                    origins[index]
                                ));
                                objects[index] = object;
                                origins[index] = origin;
                            }
                            None => {
                                objects.push(object);
                                origins.push(origin);
                            }
                        }
                    }
                }
            }
        }
    }
    let base_dir = Path::new(file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    if let Some(trace) = &spec.cluster.node_trace {
        let text = read_trace(trace, "spec.cluster.nodeTrace", &base_dir, &invalid)?;
        let limit = trace_limit(trace, "spec.cluster.nodeTrace", &invalid)?;
        let traced = super::trace::openb_nodes(&text, limit).map_err(|e| {
            invalid(
                "spec.cluster.nodeTrace.file",
                format!("Invalid value: \"{}\": {e}", trace.file),
            )
        })?;
        for node in traced {
            if nodes.iter().any(|n| n.name == node.name) {
                return Err(invalid(
                    "spec.cluster.nodeTrace",
                    format!("Duplicate value: node \"{}\" already exists", node.name),
                ));
            }
            nodes.push(node);
        }
    }
    if nodes.len() > MAX_NODES {
        return Err(invalid(
            "spec.cluster.nodePools",
            format!("Invalid value: {}: at most {MAX_NODES} nodes", nodes.len()),
        ));
    }
    let _ = scenario_file_index;

    let endpoint_propagation_delay_ns = match &spec.cluster.endpoint_propagation_delay {
        Some(text) => {
            parse_duration_field(text, "spec.cluster.endpointPropagationDelay", &invalid)?
        }
        None => DEFAULT_ENDPOINT_PROPAGATION_DELAY_NS,
    };

    // Availability rules.
    let mut availability: Vec<ServiceQuorum> = Vec::new();
    for (index, rule) in spec.availability.iter().enumerate() {
        let path = format!("spec.availability[{index}]");
        if rule.service.is_empty() {
            return Err(invalid(&format!("{path}.service"), "Required value".into()));
        }
        let namespace = rule.namespace.clone().unwrap_or_else(|| "default".into());
        let min_ready_endpoints = rule.min_ready_endpoints.unwrap_or(1);
        if min_ready_endpoints < 1 {
            return Err(invalid(
                &format!("{path}.minReadyEndpoints"),
                format!("Invalid value: {min_ready_endpoints}: must be greater than or equal to 1"),
            ));
        }
        if availability
            .iter()
            .any(|o| o.namespace == namespace && o.service == rule.service)
        {
            return Err(invalid(
                &format!("{path}.service"),
                format!("Duplicate value: \"{}\"", rule.service),
            ));
        }
        availability.push(ServiceQuorum {
            namespace,
            service: rule.service.clone(),
            min_ready_endpoints,
        });
    }

    // Traffic.
    let mut traffic: Vec<Traffic> = Vec::new();
    for (index, t) in spec.traffic.iter().enumerate() {
        let path = format!("spec.traffic[{index}]");
        let fields = TrafficFields {
            service: Some(&t.service),
            namespace: t.namespace.clone().unwrap_or_else(|| "default".into()),
            rps: t.rps.as_ref(),
            per_pod_rps: t.per_pod_rps,
            cpu_per_request: t.cpu_per_request.as_ref(),
            idle_cpu: t.idle_cpu.as_ref(),
            split: t.split.as_deref(),
        };
        let entry = traffic_of(fields, &path, &base_dir, duration, 0, &invalid)?;
        if traffic
            .iter()
            .any(|o| o.namespace == entry.namespace && o.service == entry.service)
        {
            return Err(invalid(
                &format!("{path}.service"),
                format!("Duplicate value: \"{}\"", entry.service),
            ));
        }
        traffic.push(entry);
    }

    // Timeline.
    let mut timeline = Vec::new();
    for (index, a) in spec.timeline.iter().enumerate() {
        let path = format!("spec.timeline[{index}]");
        let at = parse_duration_field(&a.at, &format!("{path}.at"), &invalid)?;
        let namespace = a.namespace.clone().unwrap_or_else(|| "default".into());
        let action = if a.action == "setTraffic" {
            let fields = TrafficFields {
                service: a.service.as_ref(),
                namespace: namespace.clone(),
                rps: a.rps.as_ref(),
                per_pod_rps: a.per_pod_rps,
                cpu_per_request: a.cpu_per_request.as_ref(),
                idle_cpu: a.idle_cpu.as_ref(),
                split: a.split.as_deref(),
            };
            let traffic = traffic_of(fields, &path, &base_dir, duration, at, &invalid)?;
            Action::SetTraffic(Box::new(traffic))
        } else {
            action(a, &path, &base_dir, doc, &invalid, &mut notes, options)?
        };
        let object = a
            .target
            .as_ref()
            .or(a.node.as_ref())
            .or(a.service.as_ref())
            .or(a.zone.as_ref())
            .or(a.pool.as_ref());
        let label = match object {
            Some(object) => format!("{} {object}", a.action),
            None => a.action.clone(),
        };
        timeline.push(TimedAction {
            at: SimTime(at),
            namespace,
            action,
            index,
            label,
        });
    }
    // Node actions may name the nodes that `addNodes` creates.
    let mut known_nodes = nodes.clone();
    for t in &timeline {
        if let Action::AddNodes { pool, count } = &t.action
            && let Some(p) = pools.iter().find(|p| &p.name == pool)
        {
            let mut next = p.count;
            for _ in 0..*count {
                while known_nodes
                    .iter()
                    .any(|n| n.name == format!("{}-{next}", p.name))
                {
                    next += 1;
                }
                known_nodes.push(p.node(next));
                next += 1;
            }
        }
    }
    for t in &timeline {
        let node_field = if spec.timeline[t.index].node.is_some() {
            "node"
        } else {
            "target"
        };
        let path = format!("spec.timeline[{}]", t.index);
        check_node_targets(&t.action, &path, node_field, &known_nodes, &pools, &invalid)?;
    }
    let mut shared_gpu = 0;
    for (index, trace) in spec.arrivals.iter().enumerate() {
        let path = format!("spec.arrivals[{index}]");
        let text = read_trace(trace, &path, &base_dir, &invalid)?;
        let limit = trace_limit(trace, &path, &invalid)?;
        let mode = match trace.mode.as_deref() {
            None | Some("timed") => super::trace::ReplayMode::Timed,
            Some("bulk") => super::trace::ReplayMode::Bulk,
            Some(other) => {
                return Err(invalid(
                    &format!("{path}.mode"),
                    format!(
                        "Unsupported value: \"{other}\": supported values: \"timed\", \"bulk\""
                    ),
                ));
            }
        };
        let image = trace.image.clone().unwrap_or_else(|| "openb-task".into());
        let pods = super::trace::openb_pods(&text, mode, limit, &image).map_err(|e| {
            invalid(
                &format!("{path}.file"),
                format!("Invalid value: \"{}\": {e}", trace.file),
            )
        })?;
        for pod in pods {
            shared_gpu += usize::from(pod.shared_gpu);
            let pod_label = super::trace::pod_ref(&pod).to_string();
            if let Some(delete_at) = pod.delete_at {
                timeline.push(TimedAction {
                    label: format!("delete {pod_label}"),
                    at: delete_at,
                    namespace: "default".into(),
                    action: Action::Delete(
                        super::trace::pod_ref(&pod),
                        PropagationPolicy::Background,
                    ),
                    index,
                });
            }
            timeline.push(TimedAction {
                label: format!("apply {pod_label}"),
                at: pod.at,
                namespace: "default".into(),
                action: Action::Apply(Box::new(pod.object)),
                index,
            });
        }
    }
    // A `spec.storage` entry for a class no manifest of the scenario defines is most likely a
    // typo: say so (it still applies if the class is applied later).
    for class in storage.by_class.keys() {
        let defined = objects
            .iter()
            .any(|o| matches!(o, ApiObject::StorageClass(c) if c.name == *class))
            || timeline.iter().any(|t| {
                matches!(&t.action, Action::Apply(o)
                    if matches!(o.as_ref(), ApiObject::StorageClass(c) if c.name == *class))
            });
        if !defined {
            let pos = doc.root.locate(&format!("spec.storage.{class}"));
            notes.push(format!(
                "Warning: {file}:{}:{}: spec.storage.{class}: no StorageClass \"{class}\" in the scenario",
                pos.line, pos.col
            ));
        }
    }
    if shared_gpu > 0 {
        notes.push(format!("Info: {shared_gpu} trace pod(s) ask for a fraction of one GPU (gpu_milli < 1000); GPU sharing is not simulated, each counts as one whole nvidia.com/gpu"));
    }
    timeline.sort_by_key(|t| t.at);

    let mut faults = Vec::new();
    for (index, raw_fault) in spec.faults.iter().enumerate() {
        faults.push(fault(
            raw_fault,
            &format!("spec.faults[{index}]"),
            &nodes,
            &invalid,
        )?);
    }

    // Expectations.
    let mut expectations = Vec::new();
    for (index, e) in spec.expect.iter().enumerate() {
        let path = format!("spec.expect[{index}]");
        let metric = Metric::parse(&e.metric).ok_or_else(|| {
            invalid(
                &format!("{path}.metric"),
                format!(
                    "Unsupported value: \"{}\": supported values: {}",
                    e.metric,
                    Metric::NAMES
                ),
            )
        })?;
        let target = match &e.target {
            Some(t) => Some(ObjectRef::parse(t).ok_or_else(|| {
                invalid(
                    &format!("{path}.target"),
                    format!("Invalid value: \"{t}\": must be kind/name, e.g. deployment/web"),
                )
            })?),
            None => None,
        };
        let needs_target = matches!(
            metric,
            Metric::Availability
                | Metric::ServedFraction
                | Metric::Downtime
                | Metric::ReadyReplicas
                | Metric::AvailableReplicas
                | Metric::UpdatedReplicas
                | Metric::Replicas
                | Metric::RolloutDuration
                | Metric::PodsOnNode
                | Metric::BadRequestFraction
                | Metric::Succeeded
                | Metric::Failed
                | Metric::Active
                | Metric::TimeBelowDesired
                | Metric::OutageCount
                | Metric::DataLoss
        );
        if needs_target && target.is_none() {
            return Err(invalid(
                &format!("{path}.target"),
                format!("Required value: metric {} needs a target", e.metric),
            ));
        }
        if metric == Metric::DataLoss
            && let Some(t) = &target
            && t.kind != "persistentvolumeclaim"
            && t.kind != "pod"
        {
            return Err(invalid(
                &format!("{path}.target"),
                format!(
                    "Invalid value: \"{t}\": metric dataLoss needs persistentvolumeclaim/NAME or pod/NAME"
                ),
            ));
        }
        for (field, bound) in [("min", e.min), ("max", e.max)] {
            if bound.is_some_and(f64::is_nan) {
                return Err(invalid(
                    &format!("{path}.{field}"),
                    "Invalid value: .nan: must be a number".into(),
                ));
            }
        }
        if e.min.is_none() && e.max.is_none() {
            return Err(invalid(&path, "Required value: min or max".into()));
        }
        if let (Some(lo), Some(hi)) = (e.min, e.max)
            && lo > hi
        {
            return Err(invalid(
                &format!("{path}.min"),
                format!("Invalid value: {lo}: must not be greater than max ({hi})"),
            ));
        }
        let window = match (&e.during, &e.at) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    &format!("{path}.at"),
                    "Forbidden: may not be combined with during".into(),
                ));
            }
            (Some(during), None) => {
                if during.len() != 2 {
                    return Err(invalid(
                        &format!("{path}.during"),
                        "Invalid value: must be [from, to]".into(),
                    ));
                }
                let from =
                    parse_duration_field(&during[0], &format!("{path}.during[0]"), &invalid)?;
                let to = parse_duration_field(&during[1], &format!("{path}.during[1]"), &invalid)?;
                if from > to {
                    return Err(invalid(
                        &format!("{path}.during"),
                        "Invalid value: from must not be after to".into(),
                    ));
                }
                Window::During(SimTime(from), SimTime(to))
            }
            (None, Some(at)) => Window::At(SimTime(parse_duration_field(
                at,
                &format!("{path}.at"),
                &invalid,
            )?)),
            (None, None) => Window::Default,
        };
        let default_name = format!(
            "{} {}",
            e.metric,
            e.target.clone().unwrap_or_else(|| "cluster".into())
        );
        expectations.push(Expectation {
            name: e.name.clone().unwrap_or(default_name),
            metric,
            target,
            namespace: e.namespace.clone().unwrap_or_else(|| "default".into()),
            reason: e.reason.clone(),
            min: e.min,
            max: e.max,
            window,
        });
    }

    // An availability rule for a Service no input creates would silently measure nothing.
    for (index, rule) in availability.iter().enumerate() {
        let names_it = |object: &ApiObject| {
            matches!(object, ApiObject::Service(s)
                if s.name == rule.service && s.namespace == rule.namespace)
        };
        let created = objects.iter().any(names_it)
            || timeline
                .iter()
                .any(|t| matches!(&t.action, Action::Apply(object) if names_it(object)));
        if !created {
            let path = format!("spec.availability[{index}].service");
            let pos = doc.root.locate(&path);
            notes.push(format!(
                "Warning: {file}:{}:{}: {path}: no Service \"{}\" in namespace \"{}\" is created by the inputs; the rule has no effect",
                pos.line, pos.col, rule.service, rule.namespace
            ));
        }
    }

    // Feature gates that follow kubernetesVersion and drop a field when off.
    if kubernetes_version < crate::model::workloads::MAX_UNAVAILABLE_STATEFULSET_SINCE {
        let applied = timeline.iter().filter_map(|t| match &t.action {
            Action::Apply(object) => Some(object.as_ref()),
            _ => None,
        });
        for object in objects.iter().chain(applied) {
            if let ApiObject::StatefulSet(set) = object
                && let crate::model::workloads::SetUpdateStrategy::RollingUpdate {
                    max_unavailable: Some(_),
                    ..
                } = set.spec.update_strategy
            {
                notes.push(format!(
                    "Info: StatefulSet \"{}\": spec.updateStrategy.rollingUpdate.maxUnavailable is ignored: the MaxUnavailableStatefulSet feature gate is off by default before Kubernetes 1.35 (kubernetesVersion {}.{}), so pods are updated one at a time",
                    set.meta.name, kubernetes_version.0, kubernetes_version.1
                ));
            }
        }
    }

    let mut scheduler_settings = scheduler.unwrap_or_default();
    if let Some(settings) = &spec.scheduler {
        if let Some(text) = &settings.scheduling_latency {
            scheduler_settings.scheduling_latency_ns =
                parse_duration_field(text, "spec.scheduler.schedulingLatency", &invalid)?;
        }
        if let Some(text) = &settings.binding_latency {
            scheduler_settings.binding_latency_ns =
                parse_duration_field(text, "spec.scheduler.bindingLatency", &invalid)?;
        }
    }
    Ok(Scenario {
        name,
        description: raw.metadata.description.clone().unwrap_or_default(),
        seed: spec.seed.unwrap_or(1),
        duration: SimTime(duration),
        kubernetes_version,
        inputs: input_files,
        sha256: hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        pools,
        nodes,
        images,
        storage,
        objects,
        timeline,
        traffic,
        expectations,
        notes: notes.lines,
        scheduler: scheduler_settings,
        faults,
        endpoint_propagation_delay_ns,
        availability,
    })
}

/// The zones of the nodes (`topology.kubernetes.io/zone`), sorted.
fn zones_of(nodes: &[ModelNode]) -> BTreeSet<String> {
    nodes
        .iter()
        .filter_map(|n| n.zone().map(str::to_string))
        .collect()
}

/// Node, zone and pool names of the node actions must exist.
fn check_node_targets(
    action: &Action,
    path: &str,
    node_field: &str,
    nodes: &[ModelNode],
    pools: &[NodePool],
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    match action {
        Action::NodeFault(_, node) | Action::DeleteNode(node)
            if !nodes.iter().any(|n| &n.name == node) =>
        {
            return Err(invalid(
                &format!("{path}.{node_field}"),
                format!("Not found: \"{node}\": no such node in spec.cluster"),
            ));
        }
        Action::ZoneFault(_, zone) => {
            let zones = zones_of(nodes);
            if !zones.contains(zone) {
                let known: Vec<String> = zones.iter().map(|z| format!("\"{z}\"")).collect();
                return Err(invalid(
                    &format!("{path}.zone"),
                    format!(
                        "Not found: \"{zone}\": no node has this topology.kubernetes.io/zone (zones: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
        Action::AddNodes { pool, .. } if !pools.iter().any(|p| &p.name == pool) => {
            let known: Vec<String> = pools.iter().map(|p| format!("\"{}\"", p.name)).collect();
            return Err(invalid(
                &format!("{path}.pool"),
                format!(
                    "Not found: \"{pool}\": no such node pool in spec.cluster.nodePools (pools: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// One `spec.faults` entry.
fn fault(
    raw: &BTreeMap<String, serde_json::Value>,
    path: &str,
    nodes: &[ModelNode],
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<Fault, ScenarioError> {
    const KINDS: &str = "\"nodeCrash\", \"zoneOutage\", \"containerCrash\"";
    let kind = match raw.get("kind") {
        None => return Err(invalid(&format!("{path}.kind"), "Required value".into())),
        Some(serde_json::Value::String(k)) => k.as_str(),
        Some(other) => {
            return Err(invalid(
                &format!("{path}.kind"),
                format!("Invalid value: {other}: must be a string ({KINDS})"),
            ));
        }
    };
    let allowed: &[&str] = match kind {
        "nodeCrash" => &["kind", "mttf", "mttr", "pool", "nodes", "node"],
        "zoneOutage" => &["kind", "mttf", "mttr", "zones", "zone"],
        "containerCrash" => &["kind", "mttf", "selector", "namespace", "target"],
        other => {
            return Err(invalid(
                &format!("{path}.kind"),
                format!("Unsupported value: \"{other}\": supported values: {KINDS}"),
            ));
        }
    };
    if let Some(field) = raw.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid(
            &format!("{path}.{field}"),
            format!(
                "Invalid value: unknown field \"{field}\" for kind {kind} (fields: {})",
                allowed.join(", ")
            ),
        ));
    }
    let dist = |field: &str| -> Result<DurationDist, ScenarioError> {
        let field_path = format!("{path}.{field}");
        let value = raw
            .get(field)
            .ok_or_else(|| invalid(&field_path, "Required value".into()))?;
        let parsed: RawDuration = serde_json::from_value(value.clone())
            .map_err(|e| invalid(&field_path, format!("Invalid value: {value}: {e}")))?;
        // MTTF and MTTR are means: a plain duration is an exponential with that mean (the
        // memoryless failure process of reliability theory); `{dist: constant, mean: …}` asks
        // for a fixed time.
        Ok(match duration_dist(&parsed, &field_path, invalid)? {
            DurationDist::Fixed(mean_ns) if matches!(parsed, RawDuration::Fixed(_)) => {
                DurationDist::Exponential { mean_ns }
            }
            other => other,
        })
    };
    let strings = |field: &str| -> Result<Option<Vec<String>>, ScenarioError> {
        match raw.get(field) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(vec![s.clone()])),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_string).ok_or_else(|| {
                        invalid(
                            &format!("{path}.{field}"),
                            format!("Invalid value: {item}: must be a string"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(invalid(
                &format!("{path}.{field}"),
                format!("Invalid value: {other}: must be a string or a list of strings"),
            )),
        }
    };
    let mttf = dist("mttf")?;
    if mttf.mean_ns() <= 0.0 {
        return Err(invalid(
            &format!("{path}.mttf"),
            "Invalid value: must be greater than 0".into(),
        ));
    }
    let kind = match kind {
        "nodeCrash" => {
            let mttr = dist("mttr")?;
            let pool = strings("pool")?;
            let named = match (strings("nodes")?, strings("node")?) {
                (Some(mut a), Some(b)) => {
                    a.extend(b);
                    Some(a)
                }
                (a, b) => a.or(b),
            };
            let mut selected = Vec::new();
            if let Some(named) = &named {
                for name in named {
                    if !nodes.iter().any(|n| &n.name == name) {
                        return Err(invalid(
                            &format!("{path}.nodes"),
                            format!("Not found: \"{name}\": no such node in spec.cluster"),
                        ));
                    }
                }
            }
            if let Some(pools) = &pool {
                for p in pools {
                    if !nodes.iter().any(|n| n.pool.as_deref() == Some(p.as_str())) {
                        return Err(invalid(
                            &format!("{path}.pool"),
                            format!(
                                "Not found: \"{p}\": no such node pool in spec.cluster.nodePools"
                            ),
                        ));
                    }
                }
            }
            for n in nodes {
                let by_pool = pool
                    .as_ref()
                    .is_some_and(|p| n.pool.as_ref().is_some_and(|np| p.contains(np)));
                let by_name = named.as_ref().is_some_and(|names| names.contains(&n.name));
                if (pool.is_none() && named.is_none()) || by_pool || by_name {
                    selected.push(n.name.clone());
                }
            }
            FaultKind::NodeCrash {
                nodes: selected,
                mttr,
            }
        }
        "zoneOutage" => {
            let mttr = dist("mttr")?;
            let known = zones_of(nodes);
            let named = match (strings("zones")?, strings("zone")?) {
                (Some(mut a), Some(b)) => {
                    a.extend(b);
                    Some(a)
                }
                (a, b) => a.or(b),
            };
            let zones: Vec<String> = match named {
                Some(list) => {
                    for z in &list {
                        if !known.contains(z) {
                            return Err(invalid(
                                &format!("{path}.zones"),
                                format!(
                                    "Not found: \"{z}\": no node has this topology.kubernetes.io/zone"
                                ),
                            ));
                        }
                    }
                    list.into_iter()
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect()
                }
                None => known.into_iter().collect(),
            };
            if zones.is_empty() {
                return Err(invalid(
                    &format!("{path}.zones"),
                    "Required value: no node has a topology.kubernetes.io/zone label".into(),
                ));
            }
            FaultKind::ZoneOutage { zones, mttr }
        }
        _ => {
            let namespace = match raw.get("namespace") {
                None => "default".to_string(),
                Some(serde_json::Value::String(ns)) => ns.clone(),
                Some(other) => {
                    return Err(invalid(
                        &format!("{path}.namespace"),
                        format!("Invalid value: {other}: must be a string"),
                    ));
                }
            };
            let selector: Option<BTreeMap<String, String>> = match raw.get("selector") {
                None => None,
                Some(serde_json::Value::Object(map)) => Some(
                    map.iter()
                        .map(|(k, v)| match v {
                            serde_json::Value::String(s) => Ok((k.clone(), s.clone())),
                            other => Err(invalid(
                                &format!("{path}.selector.{k}"),
                                format!("Invalid value: {other}: must be a string"),
                            )),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                Some(other) => {
                    return Err(invalid(
                        &format!("{path}.selector"),
                        format!("Invalid value: {other}: must be a map of labels"),
                    ));
                }
            };
            let pod = match raw.get("target") {
                None => None,
                Some(target) => match target.as_str().and_then(ObjectRef::parse) {
                    Some(r) if r.kind == "pod" => Some(r.name),
                    _ => {
                        return Err(invalid(
                            &format!("{path}.target"),
                            format!(
                                "Invalid value: {target}: containerCrash takes a pod/NAME target or a selector"
                            ),
                        ));
                    }
                },
            };
            FaultKind::ContainerCrash {
                namespace,
                pod,
                selector,
            }
        }
    };
    Ok(Fault { kind, mttf })
}

/// Serde's message without the names of the mirror types (`expected struct RawSpec`).
fn scenario_type_message(message: &str) -> String {
    const NAMES: &[(&str, &str)] = &[(
        "data did not match any variant of untagged enum RawScalar",
        "expected a number or a string",
    )];
    if let Some((_, text)) = NAMES.iter().find(|(from, _)| message.contains(from)) {
        return (*text).to_string();
    }
    match message.find("struct Raw") {
        Some(start) => {
            let rest = &message[start + "struct Raw".len()..];
            let end = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            format!("{}a mapping{}", &message[..start], &rest[end..])
        }
        None => message.to_string(),
    }
}

fn namespace_of(object: &ApiObject) -> &str {
    match object {
        ApiObject::Deployment(d) => &d.meta.namespace,
        ApiObject::ReplicaSet(r) => &r.meta.namespace,
        ApiObject::StatefulSet(s) => &s.meta.namespace,
        ApiObject::DaemonSet(d) => &d.meta.namespace,
        ApiObject::Pod(p) => &p.meta.namespace,
        ApiObject::Service(s) => &s.namespace,
        ApiObject::PodDisruptionBudget(p) => &p.meta.namespace,
        ApiObject::HorizontalPodAutoscaler(h) => &h.meta.namespace,
        ApiObject::PersistentVolumeClaim(c) => &c.namespace,
        ApiObject::Job(j) => &j.meta.namespace,
        ApiObject::CronJob(c) => &c.meta.namespace,
        ApiObject::Rollout(r) => &r.meta.namespace,
        ApiObject::AnalysisTemplate(t) => &t.meta.namespace,
        ApiObject::LimitRange(l) => &l.meta.namespace,
        ApiObject::ResourceQuota(q) => &q.meta.namespace,
        ApiObject::Node(_)
        | ApiObject::Namespace(_)
        | ApiObject::PriorityClass(_)
        | ApiObject::PersistentVolume(_)
        | ApiObject::StorageClass(_) => "",
    }
}

fn check_object_limits(object: &ApiObject) -> Result<(), String> {
    let replicas = match object {
        ApiObject::Deployment(d) => d.spec.replicas,
        ApiObject::ReplicaSet(r) => r.spec.replicas,
        ApiObject::StatefulSet(s) => s.spec.replicas,
        ApiObject::Rollout(r) => r.spec.replicas,
        _ => 0,
    };
    if replicas > MAX_REPLICAS {
        let kind = match object {
            ApiObject::ReplicaSet(_) => "ReplicaSet",
            ApiObject::StatefulSet(_) => "StatefulSet",
            _ => "Deployment",
        };
        return Err(format!(
            "The {kind} \"{}\" is invalid: spec.replicas: Invalid value: {replicas}: timonel simulates at most {MAX_REPLICAS} replicas per workload",
            object.name()
        ));
    }
    Ok(())
}

fn parse_version(text: &str) -> Option<(u32, u32)> {
    let trimmed = text.trim_start_matches('v');
    let mut parts = trimmed.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

fn parse_duration_field(
    text: &str,
    path: &str,
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<u64, ScenarioError> {
    let ns = parse_duration(text)
        .map_err(|e| invalid(path, format!("Invalid value: \"{text}\": {e}")))?;
    if ns < 0 {
        return Err(invalid(
            path,
            format!("Invalid value: \"{text}\": must not be negative"),
        ));
    }
    Ok(ns as u64)
}

fn dist_field(
    text: &Option<String>,
    path: &str,
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<Option<u64>, ScenarioError> {
    match text {
        Some(t) => parse_duration_field(t, path, invalid).map(Some),
        None => Ok(None),
    }
}

fn duration_dist(
    raw: &RawDuration,
    path: &str,
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<DurationDist, ScenarioError> {
    match raw {
        RawDuration::Fixed(text) => Ok(DurationDist::Fixed(parse_duration_field(
            text, path, invalid,
        )?)),
        RawDuration::Number(n) => Err(invalid(
            path,
            format!("Invalid value: {n}: a duration needs a unit, e.g. \"{n}s\""),
        )),
        RawDuration::Dist(d) => {
            let mean = dist_field(&d.mean, &format!("{path}.mean"), invalid)?;
            let median = dist_field(&d.median, &format!("{path}.median"), invalid)?;
            let min = dist_field(&d.min, &format!("{path}.min"), invalid)?;
            let max = dist_field(&d.max, &format!("{path}.max"), invalid)?;
            let p99 = dist_field(&d.p99, &format!("{path}.p99"), invalid)?;
            match d.dist.as_str() {
                "constant" | "fixed" => {
                    Ok(DurationDist::Fixed(mean.or(median).ok_or_else(|| {
                        invalid(&format!("{path}.mean"), "Required value".into())
                    })?))
                }
                "exponential" => Ok(DurationDist::Exponential {
                    mean_ns: mean.ok_or_else(|| {
                        invalid(
                            &format!("{path}.mean"),
                            "Required value: exponential needs mean".into(),
                        )
                    })?,
                }),
                "uniform" => {
                    let (lo, hi) = (
                        min.ok_or_else(|| {
                            invalid(&format!("{path}.min"), "Required value".into())
                        })?,
                        max.ok_or_else(|| {
                            invalid(&format!("{path}.max"), "Required value".into())
                        })?,
                    );
                    if lo > hi {
                        return Err(invalid(
                            &format!("{path}.min"),
                            "Invalid value: min must not exceed max".into(),
                        ));
                    }
                    Ok(DurationDist::Uniform {
                        min_ns: lo,
                        max_ns: hi,
                    })
                }
                "lognormal" => {
                    // median and p99 → sigma = ln(p99/median)/z99; or median and mean → sigma = sqrt(2 ln(mean/median)).
                    const Z99: f64 = 2.326_347_874_040_841;
                    let median = median.ok_or_else(|| {
                        invalid(
                            &format!("{path}.median"),
                            "Required value: lognormal needs median (and p99 or mean)".into(),
                        )
                    })?;
                    if median == 0 {
                        return Err(invalid(
                            &format!("{path}.median"),
                            "Invalid value: must be greater than 0".into(),
                        ));
                    }
                    let sigma = match (p99, mean) {
                        (Some(p), _) if p >= median => libm::log(p as f64 / median as f64) / Z99,
                        (None, Some(m)) if m >= median => {
                            libm::sqrt(2.0 * libm::log(m as f64 / median as f64))
                        }
                        _ => {
                            return Err(invalid(
                                &format!("{path}.p99"),
                                "Required value: lognormal needs p99 ≥ median (or mean ≥ median)"
                                    .into(),
                            ));
                        }
                    };
                    Ok(DurationDist::LogNormal {
                        median_ns: median,
                        sigma,
                    })
                }
                other => Err(invalid(
                    &format!("{path}.dist"),
                    format!(
                        "Unsupported value: \"{other}\": supported values: \"exponential\", \"lognormal\", \"uniform\", \"constant\""
                    ),
                )),
            }
        }
    }
}

fn image_behavior(
    raw: &RawImage,
    base: &ImageBehavior,
    path: &str,
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<ImageBehavior, ScenarioError> {
    let mut b = base.clone();
    let field = |name: &str| format!("{path}.{name}");
    if let Some(d) = &raw.pull {
        b.pull = duration_dist(d, &field("pull"), invalid)?;
    }
    if let Some(d) = &raw.start {
        b.start = duration_dist(d, &field("start"), invalid)?;
    }
    if let Some(d) = &raw.ready {
        b.ready = duration_dist(d, &field("ready"), invalid)?;
    }
    if let Some(d) = &raw.stop {
        b.stop = duration_dist(d, &field("stop"), invalid)?;
    }
    if let Some(d) = &raw.run_for {
        b.run_for = Some(duration_dist(d, &field("runFor"), invalid)?);
    }
    if let Some(d) = &raw.hang_after {
        b.hang_after = Some(duration_dist(d, &field("hangAfter"), invalid)?);
    }
    if let Some(d) = &raw.crash_after {
        b.crash_after = Some(duration_dist(d, &field("crashAfter"), invalid)?);
    }
    if let Some(d) = &raw.pre_stop {
        b.pre_stop = duration_dist(d, &field("preStop"), invalid)?;
    }
    if let Some(code) = raw.exit_code {
        if !(0..=255).contains(&code) {
            return Err(invalid(
                &field("exitCode"),
                format!("Invalid value: {code}: must be between 0 and 255"),
            ));
        }
        b.exit_code = code;
    }
    if let Some(reason) = &raw.pull_error {
        b.pull_error = Some(reason.clone());
    }
    if let Some(rate) = raw.error_rate {
        if !(0.0..=1.0).contains(&rate) {
            return Err(invalid(
                &field("errorRate"),
                format!("Invalid value: {rate}: must be between 0 and 1"),
            ));
        }
        b.error_rate = rate;
    }
    if let Some(memory) = &raw.memory {
        b.memory = Some(memory_use(memory, &field("memory"), invalid)?);
    }
    Ok(b)
}

/// `spec.images.<image>.memory`: a quantity, or `{start, growth, every}`.
fn memory_use(
    raw: &RawMemory,
    path: &str,
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<MemoryUse, ScenarioError> {
    let bytes = |scalar: &RawScalar, path: &str| -> Result<i64, ScenarioError> {
        let text = scalar.text();
        let value = super::quantity::Quantity::parse(&text)
            .and_then(|q| q.to_units())
            .map_err(|e| invalid(path, format!("Invalid value: \"{text}\": {e}")))?;
        if value < 0 {
            return Err(invalid(
                path,
                format!("Invalid value: \"{text}\": must not be negative"),
            ));
        }
        Ok(value)
    };
    match raw {
        RawMemory::Constant(scalar) => Ok(MemoryUse::constant(bytes(scalar, path)?)),
        RawMemory::Growth(g) => {
            let start_bytes = match &g.start {
                Some(s) => bytes(s, &format!("{path}.start"))?,
                None => 0,
            };
            let growth_bytes = match &g.growth {
                Some(s) => bytes(s, &format!("{path}.growth"))?,
                None => return Err(invalid(&format!("{path}.growth"), "Required value".into())),
            };
            let every_ns = match &g.every {
                Some(text) => parse_duration_field(text, &format!("{path}.every"), invalid)?,
                None => 60 * 1_000_000_000,
            };
            if every_ns == 0 {
                return Err(invalid(
                    &format!("{path}.every"),
                    format!(
                        "Invalid value: \"{}\": must be greater than 0",
                        g.every.clone().unwrap_or_default()
                    ),
                ));
            }
            Ok(MemoryUse {
                start_bytes,
                growth_bytes,
                every_ns,
            })
        }
    }
}

/// One `spec.storage` entry over `base` (the default entry, or instant).
fn storage_timing(
    raw: &RawStorageTiming,
    base: &StorageTiming,
    path: &str,
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<StorageTiming, ScenarioError> {
    let mut t = *base;
    let field = |name: &str| format!("{path}.{name}");
    if let Some(d) = &raw.provision {
        t.provision = duration_dist(d, &field("provision"), invalid)?;
    }
    if let Some(d) = &raw.attach {
        t.attach = duration_dist(d, &field("attach"), invalid)?;
    }
    if let Some(d) = &raw.detach {
        t.detach = duration_dist(d, &field("detach"), invalid)?;
    }
    Ok(t)
}

fn target_ref(
    a: &super::raw::RawAction,
    path: &str,
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<ObjectRef, ScenarioError> {
    let text = a.target.as_deref().ok_or_else(|| {
        invalid(
            &format!("{path}.target"),
            format!("Required value: {} needs a target (kind/name)", a.action),
        )
    })?;
    ObjectRef::parse(text).ok_or_else(|| {
        invalid(
            &format!("{path}.target"),
            format!("Invalid value: \"{text}\": must be kind/name, e.g. deployment/web"),
        )
    })
}

fn action(
    a: &super::raw::RawAction,
    path: &str,
    base_dir: &Path,
    doc: &Doc,
    invalid: &dyn Fn(&str, String) -> ScenarioError,
    notes: &mut NoteSink,
    options: LoadOptions,
) -> Result<Action, ScenarioError> {
    let workload = |t: &ObjectRef| -> Result<(), ScenarioError> {
        if !["deployment", "replicaset", "statefulset", "rollout"].contains(&t.kind.as_str()) {
            notes_kind_error(t, path, invalid)?;
        }
        Ok(())
    };
    Ok(match a.action.as_str() {
        "apply" => {
            let (node, file_label) = match (&a.manifest, &a.file) {
                (Some(_), None) => (
                    doc.root
                        .get("spec")
                        .and_then(|s| s.get("timeline"))
                        .and_then(|t| match &t.value {
                            yaml::Value::Seq(items) => items.get(path_index(path)),
                            _ => None,
                        })
                        .and_then(|item| item.get("manifest"))
                        .cloned(),
                    doc.file.to_string(),
                ),
                (None, Some(file)) => {
                    let full = base_dir.join(file);
                    let input = read_file(&full.to_string_lossy())
                        .map_err(|e| invalid(&format!("{path}.file"), e.message))?;
                    let docs = yaml::parse_stream(&input.text).map_err(|e| {
                        invalid(
                            &format!("{path}.file"),
                            format!("{}:{}:{}: {}", input.path, e.pos.line, e.pos.col, e.message),
                        )
                    })?;
                    (docs.into_iter().find_map(|d| d.root), input.path)
                }
                _ => {
                    return Err(invalid(
                        path,
                        "Invalid value: apply needs exactly one of manifest or file".into(),
                    ));
                }
            };
            let node =
                node.ok_or_else(|| invalid(&format!("{path}.manifest"), "Required value".into()))?;
            let (api_version, kind) = type_meta(&file_label, &node)?;
            let mut doc_notes = Notes::default();
            let converted = manifests::convert(&api_version, &kind, &node, &mut doc_notes)
                .map_err(|e| {
                    let d = Doc {
                        file: &file_label,
                        root: node.clone(),
                        api_version: api_version.clone(),
                        kind: kind.clone(),
                    };
                    manifest_error(&d, e)
                })?;
            for (_, message) in doc_notes.warnings {
                if options.strict {
                    return Err(invalid(
                        &format!("{path}.manifest"),
                        format!("strict decoding error: {message}"),
                    ));
                }
                notes.push(format!("Warning: {file_label}: {path}.manifest: {message}"));
            }
            for info in doc_notes.infos {
                notes.push(format!("Info: {info}"));
            }
            match converted {
                Converted::Objects(mut list) if list.len() == 1 => {
                    Action::Apply(Box::new(list.remove(0)))
                }
                Converted::Objects(_) => {
                    return Err(invalid(
                        &format!("{path}.manifest"),
                        "Invalid value: apply takes one object".into(),
                    ));
                }
                Converted::NotSimulated => Action::NotSimulated(format!("apply {kind}")),
            }
        }
        "delete" => {
            let propagation = match a.propagation_policy.as_deref() {
                None | Some("Background") => PropagationPolicy::Background,
                Some("Foreground") => PropagationPolicy::Foreground,
                Some("Orphan") => PropagationPolicy::Orphan,
                Some(other) => {
                    return Err(invalid(
                        &format!("{path}.propagationPolicy"),
                        format!(
                            "Unsupported value: \"{other}\": supported values: \"Background\", \"Foreground\", \"Orphan\""
                        ),
                    ));
                }
            };
            Action::Delete(target_ref(a, path, invalid)?, propagation)
        }
        "setImage" => {
            let target = target_ref(a, path, invalid)?;
            if target.kind != "daemonset" {
                workload(&target)?;
            }
            let image = a
                .image
                .clone()
                .filter(|i| !i.is_empty())
                .ok_or_else(|| invalid(&format!("{path}.image"), "Required value".into()))?;
            Action::SetImage {
                target,
                container: a.container.clone(),
                image,
            }
        }
        "scale" => {
            let target = target_ref(a, path, invalid)?;
            if target.kind == "daemonset" {
                // kubectl: no scaler for DaemonSets; their size is the number of eligible nodes.
                return Err(invalid(
                    &format!("{path}.target"),
                    format!(
                        "Invalid value: \"{target}\": a DaemonSet cannot be scaled (it runs one pod on each eligible node)"
                    ),
                ));
            }
            workload(&target)?;
            let replicas = a
                .replicas
                .ok_or_else(|| invalid(&format!("{path}.replicas"), "Required value".into()))?;
            if !(0..=MAX_REPLICAS).contains(&replicas) {
                return Err(invalid(
                    &format!("{path}.replicas"),
                    format!("Invalid value: {replicas}: must be between 0 and {MAX_REPLICAS}"),
                ));
            }
            Action::Scale { target, replicas }
        }
        "patch" => {
            let target = target_ref(a, path, invalid)?;
            let patch = a
                .patch
                .clone()
                .filter(serde_json::Value::is_object)
                .ok_or_else(|| {
                    invalid(
                        &format!("{path}.patch"),
                        "Required value: an object to merge".into(),
                    )
                })?;
            Action::Patch { target, patch }
        }
        "rolloutPause" | "rolloutResume" | "rolloutUndo" => {
            let target = target_ref(a, path, invalid)?;
            // kubectl's resource names and API groups, for its refusals.
            let (resource, group, kind) = match target.kind.as_str() {
                "statefulset" => ("statefulsets.apps", "apps", "StatefulSet"),
                "daemonset" => ("daemonsets.apps", "apps", "DaemonSet"),
                "replicaset" => ("replicasets.apps", "apps", "ReplicaSet"),
                "job" => ("jobs.batch", "batch", "Job"),
                "cronjob" => ("cronjobs.batch", "batch", "CronJob"),
                "pod" => ("pods", "", "Pod"),
                "service" => ("services", "", "Service"),
                _ => ("", "", ""),
            };
            let undo = a.action == "rolloutUndo";
            let supported = match target.kind.as_str() {
                "deployment" | "rollout" => true,
                "statefulset" | "daemonset" => undo,
                _ => false,
            };
            if !supported {
                if resource.is_empty() {
                    notes.push(format!(
                        "Info: {} of {target} is accepted but not simulated",
                        a.action
                    ));
                    return Ok(Action::NotSimulated(a.action.clone()));
                }
                let detail = if undo {
                    format!(
                        "error: no rollbacker has been implemented for {{\"{group}\" \"{kind}\"}}"
                    )
                } else {
                    let verb = if a.action == "rolloutPause" {
                        "pausing"
                    } else {
                        "resuming"
                    };
                    format!(
                        "error: {resource} \"{}\" {verb} is not supported",
                        target.name
                    )
                };
                return Err(invalid(
                    &format!("{path}.target"),
                    format!("Invalid value: \"{target}\": {detail}"),
                ));
            }
            match a.action.as_str() {
                "rolloutPause" => Action::RolloutPause(target),
                "rolloutResume" => Action::RolloutResume(target),
                _ => {
                    if let Some(r) = a.to_revision
                        && r < 0
                    {
                        return Err(invalid(
                            &format!("{path}.toRevision"),
                            format!("Invalid value: {r}: must be greater than or equal to 0"),
                        ));
                    }
                    Action::RolloutUndo {
                        target,
                        to_revision: a.to_revision.filter(|r| *r > 0),
                    }
                }
            }
        }
        "cordon" | "uncordon" => {
            let node = a
                .node
                .clone()
                .or_else(|| {
                    a.target
                        .as_deref()
                        .and_then(ObjectRef::parse)
                        .map(|r| r.name)
                })
                .ok_or_else(|| invalid(&format!("{path}.node"), "Required value".into()))?;
            if a.action == "cordon" {
                Action::Cordon(node)
            } else {
                Action::Uncordon(node)
            }
        }
        "drain" => {
            let node = a
                .node
                .clone()
                .or_else(|| {
                    a.target
                        .as_deref()
                        .and_then(ObjectRef::parse)
                        .map(|r| r.name)
                })
                .ok_or_else(|| invalid(&format!("{path}.node"), "Required value".into()))?;
            let timeout_ns = a
                .timeout
                .as_deref()
                .map(|t| parse_duration_field(t, &format!("{path}.timeout"), &invalid))
                .transpose()?;
            let grace_period_s = match a.grace_period.as_deref() {
                None => None,
                Some(text) => {
                    // kubectl takes seconds; a duration ("30s") is accepted too. -1 = the pod's.
                    let seconds = match text.trim().parse::<i64>() {
                        Ok(s) => s,
                        Err(_) => {
                            let ns = parse_duration_field(
                                text,
                                &format!("{path}.gracePeriod"),
                                &invalid,
                            )?;
                            i64::try_from(ns / 1_000_000_000).unwrap_or(i64::MAX)
                        }
                    };
                    if seconds < -1 {
                        return Err(invalid(
                            &format!("{path}.gracePeriod"),
                            format!(
                                "Invalid value: {seconds}: must be -1 (the pod's own) or greater than or equal to 0"
                            ),
                        ));
                    }
                    (seconds >= 0).then_some(seconds)
                }
            };
            Action::Drain {
                node,
                timeout_ns,
                grace_period_s,
            }
        }
        "switchService" => {
            let target = match (&a.target, &a.service) {
                (Some(_), _) => target_ref(a, path, invalid)?,
                (None, Some(name)) => ObjectRef {
                    kind: "service".into(),
                    name: name.clone(),
                },
                (None, None) => {
                    return Err(invalid(&format!("{path}.target"), "Required value".into()));
                }
            };
            if target.kind != "service" {
                return Err(invalid(
                    &format!("{path}.target"),
                    format!(
                        "Invalid value: \"{target}\": switchService needs a service/NAME target"
                    ),
                ));
            }
            let selector = a.selector.clone().unwrap_or_default();
            if selector.is_empty() {
                return Err(invalid(
                    &format!("{path}.selector"),
                    "Required value".into(),
                ));
            }
            Action::SwitchService { target, selector }
        }
        "promote" | "abort" => {
            let target = target_ref(a, path, invalid)?;
            if target.kind != "rollout" {
                return Err(invalid(
                    &format!("{path}.target"),
                    format!(
                        "Invalid value: \"{target}\": {} needs a rollout/NAME target",
                        a.action
                    ),
                ));
            }
            if a.action == "promote" {
                Action::Promote(target)
            } else {
                Action::Abort(target)
            }
        }
        "killPod" => {
            let target = match &a.target {
                Some(_) => {
                    let t = target_ref(a, path, invalid)?;
                    if t.kind != "pod" {
                        return Err(invalid(
                            &format!("{path}.target"),
                            format!("Invalid value: \"{t}\": killPod needs a pod/NAME target"),
                        ));
                    }
                    Some(t)
                }
                None => None,
            };
            let selector = a.selector.clone().filter(|s| !s.is_empty());
            if target.is_none() && selector.is_none() {
                return Err(invalid(
                    &format!("{path}.target"),
                    "Required value: a pod/NAME target or a selector".into(),
                ));
            }
            let exit_code = a.exit_code.unwrap_or(1);
            if !(0..=255).contains(&exit_code) {
                return Err(invalid(
                    &format!("{path}.exitCode"),
                    format!("Invalid value: {exit_code}: must be between 0 and 255"),
                ));
            }
            Action::KillPod {
                target,
                selector,
                exit_code,
                container: a.container.clone(),
            }
        }
        "forceDeletePod" => {
            let target = target_ref(a, path, invalid)?;
            if target.kind != "pod" {
                return Err(invalid(
                    &format!("{path}.target"),
                    format!("Invalid value: \"{target}\": forceDeletePod needs a pod/NAME target"),
                ));
            }
            Action::ForceDeletePod(target)
        }
        "failNode" | "recoverNode" | "deleteNode" | "partitionNode" | "healPartition" => {
            let node = a
                .node
                .clone()
                .or_else(|| {
                    a.target
                        .as_deref()
                        .and_then(ObjectRef::parse)
                        .map(|r| r.name)
                })
                .filter(|n| !n.is_empty())
                .ok_or_else(|| invalid(&format!("{path}.node"), "Required value".into()))?;
            match a.action.as_str() {
                "failNode" => Action::NodeFault(NodeFaultAction::Fail, node),
                "recoverNode" => Action::NodeFault(NodeFaultAction::Recover, node),
                "partitionNode" => Action::NodeFault(NodeFaultAction::Partition, node),
                "healPartition" => Action::NodeFault(NodeFaultAction::Heal, node),
                _ => Action::DeleteNode(node),
            }
        }
        "failZone" | "recoverZone" => {
            let zone = a
                .zone
                .clone()
                .filter(|z| !z.is_empty())
                .ok_or_else(|| invalid(&format!("{path}.zone"), "Required value".into()))?;
            let fault = if a.action == "failZone" {
                NodeFaultAction::Fail
            } else {
                NodeFaultAction::Recover
            };
            Action::ZoneFault(fault, zone)
        }
        "addNodes" => {
            let pool = a
                .pool
                .clone()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| invalid(&format!("{path}.pool"), "Required value".into()))?;
            let count = a
                .count
                .ok_or_else(|| invalid(&format!("{path}.count"), "Required value".into()))?;
            if !(1..=MAX_NODES as i64).contains(&count) {
                return Err(invalid(
                    &format!("{path}.count"),
                    format!("Invalid value: {count}: must be between 1 and {MAX_NODES}"),
                ));
            }
            Action::AddNodes {
                pool,
                count: count as usize,
            }
        }
        "" => return Err(invalid(&format!("{path}.action"), "Required value".into())),
        other => {
            return Err(invalid(
                &format!("{path}.action"),
                format!(
                    "Unsupported value: \"{other}\": supported values: apply, delete, setImage, scale, patch, rolloutPause, rolloutResume, rolloutUndo, promote, abort, switchService, cordon, uncordon, drain, failNode, recoverNode, deleteNode, addNodes, failZone, recoverZone, partitionNode, healPartition, killPod, forceDeletePod, setTraffic"
                ),
            ));
        }
    })
}

fn notes_kind_error(
    t: &ObjectRef,
    path: &str,
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    if ["job", "cronjob"].contains(&t.kind.as_str()) {
        return Err(invalid(
            &format!("{path}.target"),
            format!(
                "Invalid value: \"{t}\": this action is not simulated for {}s; apply the changed manifest instead",
                t.kind
            ),
        ));
    }
    if ["daemonset"].contains(&t.kind.as_str()) {
        return Err(invalid(
            &format!("{path}.target"),
            format!(
                "Invalid value: \"{t}\": {}s are not simulated in this version",
                t.kind
            ),
        ));
    }
    Err(invalid(
        &format!("{path}.target"),
        format!("Invalid value: \"{t}\": must be a deployment, replicaset or statefulset"),
    ))
}

/// The demand fields shared by `spec.traffic[]` and `setTraffic`.
struct TrafficFields<'a> {
    service: Option<&'a String>,
    namespace: String,
    rps: Option<&'a serde_json::Value>,
    per_pod_rps: Option<f64>,
    cpu_per_request: Option<&'a super::raw::RawScalar>,
    idle_cpu: Option<&'a super::raw::RawScalar>,
    split: Option<&'a [super::raw::RawSplit]>,
}

/// Validates demand fields at `path`; patterns and traces start at `start` (ns) and are
/// discretised up to `horizon`.
fn traffic_of(
    fields: TrafficFields<'_>,
    path: &str,
    base_dir: &Path,
    horizon: u64,
    start: u64,
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<Traffic, ScenarioError> {
    let service = match fields.service {
        Some(s) if !s.is_empty() => s.clone(),
        _ => return Err(invalid(&format!("{path}.service"), "Required value".into())),
    };
    let read = |p: &Path| read_trace_text(&p.to_string_lossy());
    let demand = super::demand::parse(
        fields.rps,
        &format!("{path}.rps"),
        base_dir,
        horizon.saturating_sub(start),
        &read,
    )
    .map_err(|e| match e {
        super::demand::DemandError::Field(field, detail) => invalid(&field, detail),
        super::demand::DemandError::File(file, line, col, message) => ScenarioError {
            file,
            pos: Some(Pos { line, col }),
            message: format!("{path}.rps.trace: {message}"),
        },
    })?;
    if let Some(per_pod) = fields.per_pod_rps
        && !(per_pod.is_finite() && per_pod > 0.0)
    {
        return Err(invalid(
            &format!("{path}.perPodRps"),
            format!("Invalid value: {per_pod}: must be greater than 0"),
        ));
    }
    let cpu = |value: Option<&super::raw::RawScalar>, name: &str| {
        let Some(value) = value else {
            return Ok(0.0);
        };
        let text = value.text();
        match super::quantity::Quantity::parse(&text) {
            Ok(q) if !q.is_negative() && q.nanos() <= 1_000_000_000_000_000_000 => {
                Ok(q.nanos() as f64 / 1e6)
            }
            Ok(_) => Err(invalid(
                &format!("{path}.{name}"),
                format!("Invalid value: \"{text}\": must be a non-negative CPU quantity"),
            )),
            Err(e) => Err(invalid(
                &format!("{path}.{name}"),
                format!("Invalid value: \"{text}\": {e}"),
            )),
        }
    };
    let mut split = Vec::new();
    let mut total = 0.0;
    for (i, s) in fields.split.unwrap_or(&[]).iter().enumerate() {
        let at = format!("{path}.split[{i}]");
        if s.selector.is_empty() {
            return Err(invalid(&format!("{at}.selector"), "Required value".into()));
        }
        if !(s.percent.is_finite() && (0.0..=100.0).contains(&s.percent)) {
            return Err(invalid(
                &format!("{at}.percent"),
                format!("Invalid value: {}: must be between 0 and 100", s.percent),
            ));
        }
        total += s.percent;
        split.push((s.selector.clone(), s.percent / 100.0));
    }
    if total > 100.0 + 1e-9 {
        return Err(invalid(
            &format!("{path}.split"),
            format!("Invalid value: {total}: the percents must add up to at most 100"),
        ));
    }
    Ok(Traffic {
        split,
        namespace: fields.namespace,
        service,
        demand: if start > 0 {
            demand.shifted(start)
        } else {
            demand
        },
        per_pod_rps: fields.per_pod_rps,
        cpu_per_request_millis: cpu(fields.cpu_per_request, "cpuPerRequest")?,
        idle_cpu_millis: cpu(fields.idle_cpu, "idleCpu")?,
    })
}

fn path_index(path: &str) -> usize {
    path.rsplit('[')
        .next()
        .and_then(|s| s.trim_end_matches(']').parse().ok())
        .unwrap_or(0)
}

fn read_trace(
    trace: &super::raw::RawTrace,
    path: &str,
    base_dir: &Path,
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<String, ScenarioError> {
    if trace.format != "openb" {
        return Err(invalid(
            &format!("{path}.format"),
            format!(
                "Unsupported value: \"{}\": supported values: \"openb\"",
                trace.format
            ),
        ));
    }
    if trace.file.is_empty() {
        return Err(invalid(&format!("{path}.file"), "Required value".into()));
    }
    let full = base_dir.join(&trace.file);
    read_file(&full.to_string_lossy())
        .map(|input| input.text)
        .map_err(|e| invalid(&format!("{path}.file"), e.message))
}

fn trace_limit(
    trace: &super::raw::RawTrace,
    path: &str,
    invalid: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<Option<usize>, ScenarioError> {
    match trace.limit {
        Some(l) if l < 0 => Err(invalid(
            &format!("{path}.limit"),
            format!("Invalid value: {l}: must be greater than or equal to 0"),
        )),
        other => Ok(other.map(|l| l as usize)),
    }
}
