//! Documentation of the Scenario document's fields for `timonel explain FIELD`, in the manner of
//! `kubectl explain` (CONTRACT §1; the fields `scenario::raw` accepts).

/// One documented field: its path from the document's root (`spec.timeline.at`; list items and
/// map values add no segment), its type in kubectl's notation, and its description.
struct Field {
    path: &'static str,
    kind: &'static str,
    required: bool,
    doc: &'static str,
}

const fn f(path: &'static str, kind: &'static str, doc: &'static str) -> Field {
    Field {
        path,
        kind,
        required: false,
        doc,
    }
}

const fn required(path: &'static str, kind: &'static str, doc: &'static str) -> Field {
    Field {
        path,
        kind,
        required: true,
        doc,
    }
}

const FIELDS: &[Field] = &[
    f(
        "",
        "Object",
        "A timonel scenario: one `kind: Scenario` document plus any number of real, unmodified \
         Kubernetes manifests in the same YAML stream (or in other files of the same command). \
         It describes the cluster, how images behave, a timeline of actions and what must hold.",
    ),
    required("apiVersion", "string", "Always `timonel/v1alpha1`."),
    required("kind", "string", "Always `Scenario`."),
    required("metadata", "Object", "The scenario's name and description."),
    required(
        "metadata.name",
        "string",
        "Name of the scenario: letters, digits, '-', '_' or '.'. The default output folder is \
         results/<name>/.",
    ),
    f(
        "metadata.description",
        "string",
        "One paragraph shown by `timonel explain scenario` and in reports.",
    ),
    f("spec", "Object", "What to simulate."),
    f(
        "spec.seed",
        "integer",
        "Master seed of every random stream (default 1); --seed overrides it. Same inputs and \
         seed give byte-identical outputs.",
    ),
    f(
        "spec.duration",
        "string",
        "Simulated time (Go duration: 90s, 5m, 1h30m); the run stops before events stamped at \
         `duration`. --until overrides it.",
    ),
    f(
        "spec.kubernetesVersion",
        "string",
        "Kubernetes version whose defaults apply, \"MAJOR.MINOR\" (default \"1.33\"); e.g. \
         node-monitor-grace-period is 40s before 1.32 and 50s from 1.32.",
    ),
    f(
        "spec.cluster",
        "Object",
        "The nodes. Node manifests in the stream are added as they are.",
    ),
    f(
        "spec.cluster.nodePools",
        "[]Object",
        "Pools of identical nodes, expanded to Node objects named <pool>-<index> (index from 0), \
         e.g. worker-0.",
    ),
    required("spec.cluster.nodePools.name", "string", "Pool name."),
    f(
        "spec.cluster.nodePools.count",
        "integer",
        "Number of nodes at the start.",
    ),
    f(
        "spec.cluster.nodePools.zones",
        "[]string",
        "Zones assigned round-robin (label topology.kubernetes.io/zone).",
    ),
    f(
        "spec.cluster.nodePools.capacity",
        "map[string]string",
        "Capacity per resource: cpu, memory, pods, ephemeral-storage and extended resources; \
         Kubernetes quantities (\"4\", 16Gi, 500m).",
    ),
    f(
        "spec.cluster.nodePools.allocatable",
        "map[string]string",
        "Allocatable per resource (default: the capacity).",
    ),
    f(
        "spec.cluster.nodePools.labels",
        "map[string]string",
        "Extra node labels.",
    ),
    f(
        "spec.cluster.nodePools.taints",
        "[]Object",
        "Node taints, as in a Node's spec.taints.",
    ),
    f("spec.cluster.nodePools.taints.key", "string", "Taint key."),
    f(
        "spec.cluster.nodePools.taints.value",
        "string",
        "Taint value.",
    ),
    f(
        "spec.cluster.nodePools.taints.effect",
        "string",
        "NoSchedule, PreferNoSchedule or NoExecute.",
    ),
    f(
        "spec.cluster.nodeTrace",
        "Object",
        "Nodes read from a trace file instead of (or besides) pools.",
    ),
    f(
        "spec.cluster.nodeTrace.format",
        "string",
        "Trace format: `openb` (Alibaba cluster-trace-GPU-v2023).",
    ),
    f(
        "spec.cluster.nodeTrace.file",
        "string",
        "CSV file, relative to the scenario file.",
    ),
    f(
        "spec.cluster.nodeTrace.limit",
        "integer",
        "Read at most this many rows.",
    ),
    f(
        "spec.cluster.endpointPropagationDelay",
        "string",
        "Time from a pod's readiness change (ready, not ready, terminating, gone) until \
         kube-proxy routes accordingly: the endpoint controller plus kube-proxy (default 1s; 0s \
         for instant). Requests routed meanwhile to a pod that no longer answers fail; a \
         terminating pod still answers during its preStop hook.",
    ),
    f(
        "spec.images",
        "map[string]Object",
        "How containers behave, by image reference; the key `default` applies to every other \
         image. Any duration may be a distribution instead: {dist: exponential|lognormal|\
         uniform|constant, mean|median|min|max|p99: DURATION}.",
    ),
    f("spec.images.pull", "string", "Image pull time."),
    f(
        "spec.images.start",
        "string",
        "Time from container creation to process start.",
    ),
    f(
        "spec.images.ready",
        "string",
        "Time from start until the app is ready.",
    ),
    f(
        "spec.images.stop",
        "string",
        "Time to exit after SIGTERM (default 1s).",
    ),
    f(
        "spec.images.runFor",
        "string",
        "A batch container: it exits with exitCode after this time (default: runs until \
         stopped).",
    ),
    f(
        "spec.images.exitCode",
        "integer",
        "Exit code after runFor (default 0).",
    ),
    f(
        "spec.images.crashAfter",
        "string",
        "The container exits with code 1 this long after every start.",
    ),
    f(
        "spec.images.preStop",
        "string",
        "Time the app's own preStop handler takes (default 0s): added to an exec hook's \
         `sleep N` commands, and the whole run time of an httpGet hook. `sleep` hooks ignore it. \
         The hook is cut at terminationGracePeriodSeconds, after which the container still gets \
         2 s between SIGTERM and SIGKILL, as the kubelet does.",
    ),
    f(
        "spec.images.hangAfter",
        "string",
        "The app hangs (stops answering probes and requests) this long after every start.",
    ),
    f(
        "spec.images.pullError",
        "string",
        "The image never pulls: this reason (ErrImagePull), then ImagePullBackOff.",
    ),
    f(
        "spec.images.errorRate",
        "number",
        "Share of requests the app fails, 0..1 (a bad release).",
    ),
    f(
        "spec.images.memory",
        "string|Object",
        "Memory the container uses: a quantity (`300Mi`, constant) or {start: 100Mi, growth: \
         10Mi, every: 1m} (grows by `growth` at the end of every `every`, default 1m, from each \
         start). Above its resources.limits.memory the container is OOM-killed (exit 137, \
         reason OOMKilled) and restarted per restartPolicy with back-off; without a memory \
         limit it never is. The HPA's memory utilisation uses it (else the request).",
    ),
    f(
        "spec.images.memory.start",
        "string",
        "Use right after each start (a quantity; default 0).",
    ),
    f(
        "spec.images.memory.growth",
        "string",
        "Added at the end of every step (a quantity).",
    ),
    f(
        "spec.images.memory.every",
        "string",
        "Length of one growth step (Go duration; default 1m).",
    ),
    f(
        "spec.availability",
        "[]Object",
        "Availability rules per Service: with minReadyEndpoints K the Service is up (for \
         availability, downtime, outages) only while at least K of its routed endpoints \
         serve, and below K it serves no request at all (a replicated database without \
         quorum). Default K is 1.",
    ),
    required("spec.availability.service", "string", "Service name."),
    f(
        "spec.availability.namespace",
        "string",
        "Namespace of the Service (default `default`).",
    ),
    f(
        "spec.availability.minReadyEndpoints",
        "integer",
        "Serving endpoints needed (at least 1).",
    ),
    f(
        "spec.storage",
        "map[string]Object",
        "How the simulated storage backend behaves, by StorageClass name; the key `default` \
         applies to every other class and to volumes without one. Every time defaults to 0s; \
         any may be a distribution like in spec.images.",
    ),
    f(
        "spec.storage.provision",
        "string",
        "Time the provisioner takes to create a volume (Provisioning → ProvisioningSucceeded). \
         Pods wait: with Immediate binding they stay unschedulable until the claim is bound; \
         with WaitForFirstConsumer the scheduler's PreBind waits before the pod is bound.",
    ),
    f(
        "spec.storage.attach",
        "string",
        "Time the attach/detach controller takes to attach a network (CSI) volume to a node \
         (SuccessfulAttachVolume); the kubelet starts the pod's containers after it. Local and \
         hostPath volumes need no attach.",
    ),
    f(
        "spec.storage.detach",
        "string",
        "Time to detach a network volume from a node once no pod there uses it. A volume still \
         mounted on an unreachable or deleted node is force-detached only after \
         maxWaitForUnmountDuration (6 min) — at once with the node.kubernetes.io/out-of-service \
         taint; until then a ReadWriteOnce volume cannot attach elsewhere (Multi-Attach error).",
    ),
    f(
        "spec.traffic",
        "[]Object",
        "Demand per Service: drives availability, served fraction and CPU use.",
    ),
    required(
        "spec.traffic.service",
        "string",
        "Service name in the namespace.",
    ),
    f(
        "spec.traffic.namespace",
        "string",
        "Namespace of the Service (default `default`).",
    ),
    f(
        "spec.traffic.rps",
        "number|Object",
        "Requests per second: a number, {trace: path.csv, timeColumn: t, valueColumn: rps} or \
         {pattern: diurnal, min: 50, max: 400, period: 24h}. Traces may be .gz or .tar.gz; \
         aggregate: count (one request per row) or sum (values summed per bucket, default 1m); \
         startAtFirstRow: true makes numeric times relative to the first row.",
    ),
    f(
        "spec.traffic.perPodRps",
        "number",
        "Capacity of one ready pod, requests per second.",
    ),
    f(
        "spec.traffic.cpuPerRequest",
        "string",
        "CPU a pod uses per request per second (a quantity such as 5m).",
    ),
    f(
        "spec.traffic.idleCpu",
        "string",
        "CPU a pod uses when idle (default 0).",
    ),
    f(
        "spec.timeline",
        "[]Object",
        "Scripted actions, run in order of `at`. Actions: apply, delete, setImage, scale, patch, \
         rolloutPause, rolloutResume, rolloutUndo, cordon, uncordon, promote and abort (an Argo \
         Rollout: `target: rollout/NAME`); switchService, drain, failNode, recoverNode, deleteNode, addNodes, failZone, \
         recoverZone, partitionNode, healPartition, killPod, forceDeletePod and setTraffic are \
         accepted (with an Info: line when this version does not simulate them).",
    ),
    required(
        "spec.timeline.at",
        "string",
        "When the action runs (Go duration from the start).",
    ),
    required("spec.timeline.action", "string", "The action's name."),
    f(
        "spec.timeline.namespace",
        "string",
        "Namespace the action applies to (default `default`).",
    ),
    f(
        "spec.timeline.target",
        "string",
        "The object, `kind/name` with the lowercase kind: deployment/web, pod/web-0, \
         node/worker-1.",
    ),
    f("spec.timeline.image", "string", "setImage: the new image."),
    f(
        "spec.timeline.container",
        "string",
        "setImage, killPod: the container (may be omitted when the pod has one).",
    ),
    f(
        "spec.timeline.replicas",
        "integer",
        "scale: the new replica count.",
    ),
    f(
        "spec.timeline.patch",
        "Object",
        "patch: an object merged into the target, strategic-merge style.",
    ),
    f(
        "spec.timeline.manifest",
        "Object",
        "apply: an inline Kubernetes object.",
    ),
    f(
        "spec.timeline.file",
        "string",
        "apply: a manifest file, relative to the scenario file.",
    ),
    f(
        "spec.timeline.toRevision",
        "integer",
        "rolloutUndo: the revision to go back to (default: the previous one).",
    ),
    f(
        "spec.timeline.node",
        "string",
        "cordon, uncordon, drain, failNode, recoverNode, deleteNode, partitionNode, \
         healPartition: the node.",
    ),
    f("spec.timeline.pool", "string", "addNodes: the pool."),
    f(
        "spec.timeline.count",
        "integer",
        "addNodes: how many nodes (names continue the pool's numbering).",
    ),
    f(
        "spec.timeline.zone",
        "string",
        "failZone, recoverZone: the zone.",
    ),
    f(
        "spec.timeline.selector",
        "map[string]string",
        "switchService: the Service's new selector; killPod: which pods.",
    ),
    f(
        "spec.timeline.exitCode",
        "integer",
        "killPod: the container's exit code (default 1).",
    ),
    f(
        "spec.timeline.timeout",
        "string",
        "drain: give up after this long (default: never).",
    ),
    f(
        "spec.timeline.gracePeriod",
        "string",
        "drain: the pods' termination grace period.",
    ),
    f(
        "spec.timeline.service",
        "string",
        "setTraffic: the Service.",
    ),
    f(
        "spec.timeline.rps",
        "number|Object",
        "setTraffic: the new demand (as spec.traffic.rps).",
    ),
    f(
        "spec.timeline.perPodRps",
        "number",
        "setTraffic: the new capacity of one pod.",
    ),
    f(
        "spec.faults",
        "[]Object",
        "Random failure processes, each target with its own random stream (faults/...): \
         {kind: nodeCrash, pool | nodes (default all nodes), mttf, mttr} crashes and repairs \
         each node (like failNode / recoverNode); {kind: zoneOutage, zones (default all), mttf, \
         mttr} each zone (like failZone / recoverZone); {kind: containerCrash, selector | \
         target: pod/NAME, namespace, mttf} makes each running app container exit with code 1 \
         after a time drawn from mttf (from each start). mttf and mttr are means: a plain \
         duration is exponential with that mean; {dist: constant, mean: D} and the other \
         distributions of spec.images are also accepted. Listed under `faults` in summary.json.",
    ),
    f(
        "spec.expect",
        "[]Object",
        "Expectations: they turn the scenario into a test; a failure gives exit code 3.",
    ),
    f(
        "spec.expect.name",
        "string",
        "Display name (default: derived from the metric and target).",
    ),
    required(
        "spec.expect.metric",
        "string",
        "availability, servedFraction, downtime, outageCount (Service); readyReplicas, \
         availableReplicas, updatedReplicas, replicas, rolloutDuration, timeBelowDesired \
         (seconds with fewer ready replicas than desired, after first reaching it) \
         (workloads); pendingPods (cluster or workload); podsOnNode; eventCount (with reason); \
         badRequestFraction; succeeded, failed, active (Job status counts; active also counts \
         a CronJob's running Jobs); dataLoss (persistentvolumeclaim/NAME: 1 once its local \
         volume's node was deleted; pod/NAME: 1 once its emptyDir went with the pod or its \
         hostPath with the node; else 0).",
    ),
    f(
        "spec.expect.target",
        "string",
        "`kind/name` (service/web, deployment/web, node/worker-1); absent for cluster-wide \
         metrics.",
    ),
    f(
        "spec.expect.namespace",
        "string",
        "Namespace of the target (default `default`).",
    ),
    f(
        "spec.expect.reason",
        "string",
        "eventCount: count only events with this reason.",
    ),
    f("spec.expect.min", "number", "Lower bound (inclusive)."),
    f("spec.expect.max", "number", "Upper bound (inclusive)."),
    f(
        "spec.expect.during",
        "[]string",
        "Window [from, to] (Go durations) the metric is checked over.",
    ),
    f(
        "spec.expect.at",
        "string",
        "Check the metric's value at this instant.",
    ),
    f(
        "spec.arrivals",
        "[]Object",
        "Pods replayed from trace files.",
    ),
    f("spec.arrivals.format", "string", "Trace format: `openb`."),
    f(
        "spec.arrivals.file",
        "string",
        "CSV file, relative to the scenario file.",
    ),
    f(
        "spec.arrivals.limit",
        "integer",
        "Replay at most this many rows.",
    ),
    f(
        "spec.arrivals.mode",
        "string",
        "`timed` (the trace's creation times) or `bulk` (all at t=0, in file order).",
    ),
    f(
        "spec.arrivals.image",
        "string",
        "Image of the replayed pods (behaviour from spec.images; default `openb-task`).",
    ),
    f(
        "spec.scheduler",
        "Object",
        "Scheduler settings. A kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration \
         document in the stream works too.",
    ),
    f(
        "spec.scheduler.schedulingLatency",
        "string",
        "Time one scheduling cycle takes (default 0).",
    ),
    f(
        "spec.scheduler.bindingLatency",
        "string",
        "Time from the scheduler's decision to the binding (default 0).",
    ),
    f(
        "spec.scheduler.configuration",
        "Object",
        "An inline KubeSchedulerConfiguration: profiles (picked by schedulerName), plugins \
         enabled or disabled per extension point, weights, plugin arguments, \
         percentageOfNodesToScore, podInitialBackoffSeconds, podMaxBackoffSeconds.",
    ),
];

/// Wraps `text` at 80 columns with `indent` spaces.
fn wrap(text: &str, indent: usize) -> String {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.len() + 1 + word.len() > 80 {
            lines.push(format!("{}{line}", " ".repeat(indent)));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{}{line}", " ".repeat(indent)));
    }
    lines.join("\n")
}

/// `kubectl explain`-style documentation of the field at `path` (`spec.timeline`; a leading
/// `scenario.` is allowed, and `""` is the document itself); `None` for an unknown field.
pub fn explain_field(path: &str) -> Option<String> {
    let path = path.trim().trim_end_matches('.');
    let path = path
        .strip_prefix("scenario.")
        .or_else(|| path.strip_prefix("Scenario."))
        .unwrap_or(if path.eq_ignore_ascii_case("scenario") {
            ""
        } else {
            path
        });
    let field = FIELDS.iter().find(|f| f.path == path)?;
    let mut out = String::from("KIND:     Scenario\nVERSION:  timonel/v1alpha1\n\n");
    if !path.is_empty() {
        let name = path.rsplit('.').next().unwrap_or(path);
        out.push_str(&format!("FIELD:    {name} <{}>\n\n", field.kind));
    }
    out.push_str("DESCRIPTION:\n");
    out.push_str(&wrap(field.doc, 5));
    out.push('\n');
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}.")
    };
    let children: Vec<&Field> = FIELDS
        .iter()
        .filter(|f| {
            f.path
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('.'))
        })
        .collect();
    if !children.is_empty() {
        out.push_str("\nFIELDS:\n");
        for child in children {
            let name = &child.path[prefix.len()..];
            let flag = if child.required { " -required-" } else { "" };
            out.push_str(&format!("   {name}\t<{}>{flag}\n", child.kind));
            out.push_str(&wrap(child.doc, 5));
            out.push_str("\n\n");
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_its_parent_documented() {
        for field in FIELDS {
            if let Some((parent, _)) = field.path.rsplit_once('.') {
                assert!(
                    FIELDS.iter().any(|f| f.path == parent),
                    "{} has no parent",
                    field.path
                );
            }
            assert!(!field.doc.is_empty(), "{}", field.path);
        }
        let mut paths: Vec<&str> = FIELDS.iter().map(|f| f.path).collect();
        let count = paths.len();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), count, "a field is documented twice");
    }

    #[test]
    fn explain_lists_type_description_and_sub_fields() {
        // (query, must contain, must not contain)
        let table: [(&str, &[&str], &[&str]); 5] = [
            (
                "spec.timeline",
                &[
                    "FIELD:    timeline <[]Object>",
                    "   at\t<string> -required-",
                    "   replicas\t<integer>",
                ],
                &["   spec\t"],
            ),
            (
                "scenario.spec.images",
                &[
                    "FIELD:    images <map[string]Object>",
                    "   pull\t<string>",
                    "default",
                ],
                &[],
            ),
            (
                "spec.expect.min",
                &["FIELD:    min <number>", "Lower bound"],
                &["FIELDS:"],
            ),
            (
                "scenario",
                &[
                    "KIND:     Scenario",
                    "   apiVersion\t<string> -required-",
                    "   spec\t<Object>",
                ],
                &["FIELD: "],
            ),
            (
                "spec",
                &[
                    "   cluster\t<Object>",
                    "   expect\t<[]Object>",
                    "   scheduler\t<Object>",
                ],
                &["   nodePools"],
            ),
        ];
        for (query, present, absent) in table {
            let text = explain_field(query).unwrap_or_else(|| panic!("{query} undocumented"));
            for p in present {
                assert!(text.contains(p), "{query}: missing {p:?} in\n{text}");
            }
            for a in absent {
                assert!(!text.contains(a), "{query}: unexpected {a:?} in\n{text}");
            }
        }
        assert_eq!(explain_field("spec.nope"), None);
        assert_eq!(explain_field("spec.timeline.at.x"), None);
    }

    #[test]
    fn wrap_keeps_lines_short() {
        let text = wrap(FIELDS[0].doc, 5);
        assert!(
            text.lines()
                .all(|l| l.len() <= 80 && l.starts_with("     "))
        );
    }
}
