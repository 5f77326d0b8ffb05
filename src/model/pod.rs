//! Pod specs and templates (the desired state a workload stamps out).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::node::{Taint, TaintEffect};
use super::resources::ResourceList;
use super::selector::{LabelSelector, NodeSelectorTerm};

/// `imagePullPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PullPolicy {
    /// Pull on every container start.
    Always,
    /// Pull only when the node does not have the image.
    IfNotPresent,
    /// Never pull; fail when the image is absent.
    Never,
}

/// A probe's timing (`readinessProbe`, `livenessProbe`, `startupProbe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Probe {
    /// `initialDelaySeconds` (default 0).
    pub initial_delay_s: i64,
    /// `periodSeconds` (default 10).
    pub period_s: i64,
    /// `timeoutSeconds` (default 1).
    pub timeout_s: i64,
    /// `successThreshold` (default 1).
    pub success_threshold: i64,
    /// `failureThreshold` (default 3).
    pub failure_threshold: i64,
}

/// One container of a pod.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Container {
    /// Container name.
    pub name: String,
    /// Image reference.
    pub image: String,
    /// Effective `imagePullPolicy` (API default: Always for `:latest` or untagged, else IfNotPresent).
    pub pull_policy: PullPolicy,
    /// `resources.requests` (defaulted from limits when only limits are set, as the API does).
    pub requests: ResourceList,
    /// `resources.limits`.
    pub limits: ResourceList,
    /// `readinessProbe` timing, if any.
    pub readiness_probe: Option<Probe>,
    /// `livenessProbe` timing, if any.
    pub liveness_probe: Option<Probe>,
    /// `startupProbe` timing, if any.
    pub startup_probe: Option<Probe>,
    /// `lifecycle.preStop`: the known part of how long the hook runs before SIGTERM, ns
    /// (`sleep.seconds`, or the `sleep N` commands of an `exec` hook).
    pub pre_stop_ns: u64,
    /// The preStop hook is an `exec` or `httpGet` handler: it also takes the image's
    /// `preStop` time (`spec.images`).
    pub pre_stop_handler: bool,
    /// Host ports the container binds (`ports[].hostPort`).
    pub host_ports: Vec<(String, i32)>,
}

/// `spec.tolerations[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Toleration {
    /// Key; empty with operator Exists tolerates every taint.
    pub key: String,
    /// True for operator `Exists`, false for `Equal` (the default).
    pub exists: bool,
    /// Value (for `Equal`).
    pub value: String,
    /// Effect; `None` matches every effect.
    pub effect: Option<TaintEffect>,
    /// `tolerationSeconds` for NoExecute taints.
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// `ToleratesTaint`: keys equal (or empty key with Exists), operator matches, effect empty or equal.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if let Some(effect) = self.effect
            && effect != taint.effect
        {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        if self.exists {
            return true;
        }
        // Equal with an empty key is invalid in the API; treat it as matching nothing.
        !self.key.is_empty() && self.value == taint.value
    }
}

/// `whenUnsatisfiable` of a topology spread constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnsatisfiableAction {
    /// Hard constraint: the PodTopologySpread filter rejects nodes that would break `maxSkew`.
    DoNotSchedule,
    /// Soft constraint: only scoring prefers nodes with fewer matching pods.
    ScheduleAnyway,
}

impl UnsatisfiableAction {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UnsatisfiableAction::DoNotSchedule => "DoNotSchedule",
            UnsatisfiableAction::ScheduleAnyway => "ScheduleAnyway",
        }
    }
}

/// `nodeAffinityPolicy` / `nodeTaintsPolicy` of a topology spread constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeInclusionPolicy {
    /// Only nodes that pass the check count as spreading domains.
    Honor,
    /// Every node counts.
    Ignore,
}

/// One `spec.topologySpreadConstraints[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TopologySpreadConstraint {
    /// `maxSkew` (> 0).
    pub max_skew: i64,
    /// `topologyKey`: the node label whose values are the domains.
    pub topology_key: String,
    /// `whenUnsatisfiable`.
    pub when_unsatisfiable: UnsatisfiableAction,
    /// `labelSelector`; `None` (absent) matches no pod.
    pub label_selector: Option<LabelSelector>,
    /// `matchLabelKeys`: the incoming pod's values for these keys are ANDed into the selector.
    pub match_label_keys: Vec<String>,
    /// `minDomains` (only with DoNotSchedule); `None` means 1.
    pub min_domains: Option<i64>,
    /// `nodeAffinityPolicy`; `None` means Honor.
    pub node_affinity_policy: Option<NodeInclusionPolicy>,
    /// `nodeTaintsPolicy`; `None` means Ignore.
    pub node_taints_policy: Option<NodeInclusionPolicy>,
}

/// A `PodAffinityTerm`: the pods matched by `label_selector` in the chosen namespaces, and the
/// node label (`topology_key`) that defines "the same place".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PodAffinityTerm {
    /// `labelSelector`; `None` (absent) matches no pod.
    pub label_selector: Option<LabelSelector>,
    /// `namespaces`; with `namespace_selector` absent and this empty, the pod's own namespace.
    pub namespaces: Vec<String>,
    /// `namespaceSelector`; `None` matches no namespace, an empty selector every namespace.
    pub namespace_selector: Option<LabelSelector>,
    /// `topologyKey` (required).
    pub topology_key: String,
    /// `matchLabelKeys`: `key In (owner's value)` is ANDed into the selector.
    pub match_label_keys: Vec<String>,
    /// `mismatchLabelKeys`: `key NotIn (owner's value)` is ANDed into the selector.
    pub mismatch_label_keys: Vec<String>,
}

/// A `WeightedPodAffinityTerm` (preferred terms).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct WeightedPodAffinityTerm {
    /// `weight` (1..=100).
    pub weight: i64,
    /// `podAffinityTerm`.
    pub term: PodAffinityTerm,
}

/// `spec.affinity.podAffinity` or `spec.affinity.podAntiAffinity`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PodAffinity {
    /// `requiredDuringSchedulingIgnoredDuringExecution` (all must hold).
    pub required: Vec<PodAffinityTerm>,
    /// `preferredDuringSchedulingIgnoredDuringExecution`.
    pub preferred: Vec<WeightedPodAffinityTerm>,
}

impl PodAffinity {
    /// True when there is no term at all.
    pub fn is_empty(&self) -> bool {
        self.required.is_empty() && self.preferred.is_empty()
    }
}

/// `preemptionPolicy` of a pod or PriorityClass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PreemptionPolicy {
    /// `PreemptLowerPriority` (the default): the pod may preempt pods of lower priority.
    #[default]
    PreemptLowerPriority,
    /// `Never`: the pod waits instead of preempting.
    Never,
}

impl PreemptionPolicy {
    /// Parses the API value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "PreemptLowerPriority" => Some(PreemptionPolicy::PreemptLowerPriority),
            "Never" => Some(PreemptionPolicy::Never),
            _ => None,
        }
    }

    /// The API value.
    pub fn as_str(self) -> &'static str {
        match self {
            PreemptionPolicy::PreemptLowerPriority => "PreemptLowerPriority",
            PreemptionPolicy::Never => "Never",
        }
    }
}

/// The pod specification shared (behind an `Arc`) by every pod of a template.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PodSpec {
    /// Init containers, run in order before the app containers.
    pub init_containers: Vec<Container>,
    /// App containers.
    pub containers: Vec<Container>,
    /// `spec.nodeName` set by the user (bypasses scheduling filters except NodeName).
    pub node_name: Option<String>,
    /// `spec.nodeSelector`.
    pub node_selector: BTreeMap<String, String>,
    /// Required node affinity terms (ORed); empty means no requirement.
    pub required_node_terms: Vec<NodeSelectorTerm>,
    /// Preferred node affinity terms with their weights.
    pub preferred_node_terms: Vec<(i64, NodeSelectorTerm)>,
    /// `spec.tolerations`.
    pub tolerations: Vec<Toleration>,
    /// `spec.topologySpreadConstraints`.
    pub topology_spread_constraints: Vec<TopologySpreadConstraint>,
    /// `spec.affinity.podAffinity` (empty when absent).
    pub pod_affinity: PodAffinity,
    /// `spec.affinity.podAntiAffinity` (empty when absent).
    pub pod_anti_affinity: PodAffinity,
    /// `terminationGracePeriodSeconds` (default 30).
    pub termination_grace_period_s: i64,
    /// Resolved priority (from `priority` or `priorityClassName`; default 0).
    pub priority: i64,
    /// `priorityClassName`, resolved to `priority` when the pod is admitted.
    pub priority_class_name: Option<String>,
    /// `preemptionPolicy` (set from the PriorityClass at admission when the class has one).
    pub preemption_policy: Option<PreemptionPolicy>,
    /// `restartPolicy` (Always, OnFailure, Never).
    pub restart_policy: String,
    /// `schedulerName` (default `default-scheduler`).
    pub scheduler_name: String,
    /// Claim names of `volumes[].persistentVolumeClaim.claimName`, in volume order.
    pub claims: Vec<String>,
    /// `volumes[]` whose data lives with the pod or its node (`emptyDir`, `hostPath`), in
    /// volume order.
    pub data_volumes: Vec<DataVolume>,
}

/// A pod volume whose data is not in a PersistentVolume.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataVolume {
    /// `volumes[].name`.
    pub name: String,
    /// Where its data lives.
    pub kind: DataVolumeKind,
}

/// Where the data of a [`DataVolume`] lives, hence when it is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataVolumeKind {
    /// `emptyDir`: on the node, for the pod's lifetime; gone when the pod is deleted.
    EmptyDir,
    /// `hostPath`: on the node's disk; stays with the node, gone when the node is deleted.
    HostPath,
}

impl PodSpec {
    /// The effective request used by the Fit filter: max(Σ containers, max init container).
    pub fn effective_requests(&self) -> ResourceList {
        let mut sum = ResourceList::default();
        for container in &self.containers {
            sum.add(&container.requests);
            sum.has_cpu |= container.requests.has_cpu;
            sum.has_memory |= container.requests.has_memory;
        }
        for init in &self.init_containers {
            sum.max_with(&init.requests);
        }
        sum
    }

    /// The request used for scoring: like [`Self::effective_requests`] but with the scheduler's
    /// non-zero defaults (100m CPU, 200 MiB memory) for each container that sets none.
    pub fn non_zero_requests(&self) -> (i64, i64) {
        const DEFAULT_CPU_MILLIS: i64 = 100;
        const DEFAULT_MEMORY_BYTES: i64 = 200 * 1024 * 1024;
        let per = |c: &Container| {
            let cpu = if c.requests.has_cpu {
                c.requests.cpu_millis
            } else {
                DEFAULT_CPU_MILLIS
            };
            let mem = if c.requests.has_memory {
                c.requests.memory_bytes
            } else {
                DEFAULT_MEMORY_BYTES
            };
            (cpu, mem)
        };
        let (mut cpu, mut mem) = (0, 0);
        for c in &self.containers {
            let (c_cpu, c_mem) = per(c);
            cpu += c_cpu;
            mem += c_mem;
        }
        for c in &self.init_containers {
            let (c_cpu, c_mem) = per(c);
            cpu = cpu.max(c_cpu);
            mem = mem.max(c_mem);
        }
        (cpu, mem)
    }
}

/// A pod template: labels and annotations stamped on each pod, and the shared spec.
#[derive(Debug, Clone, PartialEq)]
pub struct PodTemplate {
    /// `template.metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `template.metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
    /// The spec, shared by all pods created from this template.
    pub spec: Arc<PodSpec>,
    /// Canonical JSON of the template without the `pod-template-hash` label: template equality
    /// and the pod-template-hash are computed from it.
    pub canonical: String,
}

/// Total time the `sleep` commands of an `exec` hook's command line take, ns: every `sleep N`
/// (also `/bin/sleep`, inside `sh -c "…"`, with GNU `s`/`m`/`h`/`d` suffixes or decimals),
/// summed since a shell runs them one after the other. Other commands count as instant.
pub fn command_sleep_ns(command: &[String]) -> u64 {
    let line = command.join(" ");
    let words: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '"' | '\'' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut total_ns = 0u64;
    for pair in words.windows(2) {
        if pair[0].rsplit('/').next() == Some("sleep") {
            total_ns = total_ns.saturating_add(sleep_argument_ns(pair[1]).unwrap_or(0));
        }
    }
    total_ns
}

/// `sleep`'s argument (`15`, `1.5`, `2m`), ns; `None` when it is not a number.
fn sleep_argument_ns(text: &str) -> Option<u64> {
    let (number, unit_s) = match text.char_indices().last()? {
        (i, 's') => (&text[..i], 1.0),
        (i, 'm') => (&text[..i], 60.0),
        (i, 'h') => (&text[..i], 3_600.0),
        (i, 'd') => (&text[..i], 86_400.0),
        _ => (text, 1.0),
    };
    let value: f64 = number.parse().ok()?;
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    Some((value * unit_s * 1e9).min(1e18).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str, value: &str, effect: TaintEffect) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect,
        }
    }

    fn tol(key: &str, exists: bool, value: &str, effect: Option<TaintEffect>) -> Toleration {
        Toleration {
            key: key.into(),
            exists,
            value: value.into(),
            effect,
            toleration_seconds: None,
        }
    }

    /// `TestTaintTolerationFilter` rows of SPEC §7.8 at the toleration level.
    #[test]
    fn toleration_matching() {
        use TaintEffect::*;
        let cases = [
            (
                tol("dedicated", false, "user1", Some(NoSchedule)),
                taint("dedicated", "user1", NoSchedule),
                true,
            ),
            (
                tol("dedicated", false, "user2", Some(NoSchedule)),
                taint("dedicated", "user1", NoSchedule),
                false,
            ),
            (
                tol("foo", true, "", Some(NoSchedule)),
                taint("foo", "bar", NoSchedule),
                true,
            ),
            (
                tol("foo", false, "bar", None),
                taint("foo", "bar", NoSchedule),
                true,
            ),
            (tol("", true, "", None), taint("any", "x", NoExecute), true),
            (
                tol("foo", false, "bar", Some(NoExecute)),
                taint("foo", "bar", NoSchedule),
                false,
            ),
        ];
        for (t, ta, want) in cases {
            assert_eq!(t.tolerates(&ta), want, "{t:?} vs {ta:?}");
        }
    }

    #[test]
    fn sleeps_of_a_prestop_command() {
        let cases: [(&[&str], u64); 8] = [
            (&["sleep", "15"], 15_000_000_000),
            (&["/bin/sleep", "5"], 5_000_000_000),
            (&["sh", "-c", "sleep 10"], 10_000_000_000),
            (
                &["/bin/sh", "-c", "sleep 5 && nginx -s quit; sleep 2"],
                7_000_000_000,
            ),
            (&["sleep", "1.5"], 1_500_000_000),
            (&["sleep", "2m"], 120_000_000_000),
            (&["nginx", "-s", "quit"], 0),
            (&["sleep", "forever"], 0),
        ];
        for (command, expected) in cases {
            let command: Vec<String> = command.iter().map(|s| s.to_string()).collect();
            assert_eq!(command_sleep_ns(&command), expected, "{command:?}");
        }
    }
}
