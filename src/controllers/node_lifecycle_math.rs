//! Pure rules of the node lifecycle controller and of taint-based eviction.
//!
//! Mirrors `pkg/controller/nodelifecycle/node_lifecycle_controller.go`,
//! `pkg/controller/nodelifecycle/scheduler/rate_limited_queue.go` and
//! `pkg/controller/tainteviction/taint_eviction.go` in kubernetes/kubernetes, plus the token bucket
//! of `client-go/util/flowcontrol` (`golang.org/x/time/rate`), as fidelity SPEC §0, §8 and §14
//! pitfall 8 describe them:
//!
//! * defaults ([`NODE_MONITOR_PERIOD_NS`], [`monitor_grace_period_ns`],
//!   [`NODE_STARTUP_GRACE_PERIOD_NS`], [`NODE_EVICTION_RATE`], ... collected in
//!   [`NodeMonitorConfig`] and [`DisruptionConfig`]);
//! * the per-node health decision of one monitor tick ([`monitor_node_health`], i.e.
//!   `tryUpdateNodeHealth`): Ready turns `Unknown` once `now` is **strictly after** the last
//!   observed heartbeat plus the grace period, and the controller only looks every 5 s
//!   ([`first_stale_tick_ns`]);
//! * the taints a node should carry ([`ready_taints`], [`no_schedule_taints`],
//!   [`reconcile_no_schedule_taints`], [`apply_no_execute_taint`]);
//! * zone states and per-zone tainting rates ([`compute_zone_state`], [`zone_limiter_qps`],
//!   [`handle_disruption`]);
//! * the per-zone token bucket ([`TokenBucket`], `NewTokenBucketRateLimiter(qps, 1)` and
//!   `RateLimitedTimedQueue.SwapLimiter`) over simulated time;
//! * NoExecute eviction of one pod ([`min_toleration_time_ns`], [`matching_tolerations`],
//!   [`process_pod_on_node`], [`pod_eviction_time_ns`]).
//!
//! Everything is a pure function of its arguments: no I/O, no clock, no hash-map iteration. Time is
//! integer nanoseconds of simulated time. The only floating point is where upstream itself uses it
//! (`float32` rates and the zone threshold, the `float64` token count of the bucket); IEEE
//! arithmetic on those values is reproduced operation by operation so that results match upstream
//! to the nanosecond and are identical on every platform.
//!
//! Timing chain with the defaults (SPEC §14 pitfall 8), for a node whose kubelet stops at `t = 0`
//! with monitor ticks at multiples of 5 s: Ready becomes Unknown at the tick at 55 s (`> 50 s`);
//! `processTaintBaseEviction` looks at the Ready condition *observed before* the tick's update, so
//! the node is queued for the `unreachable:NoExecute` taint at the next tick (60 s); the tainting
//! pass (every [`NODE_EVICTION_PERIOD_NS`]) adds the taint as soon as the zone's bucket allows
//! (immediately for the first node of a healthy zone, then one node per ~10 s); pods with the
//! default 300 s tolerations are deleted 300 s after that, about 6 minutes after the failure.

use std::collections::BTreeMap;

use crate::model::node::{Taint, TaintEffect};
use crate::model::pod::Toleration;
use crate::sim::time::{NANOS_PER_MILLI, NANOS_PER_SEC};

// ------------------------------------------------------------------------------------------------
// Defaults and well-known names
// ------------------------------------------------------------------------------------------------

/// `--node-monitor-period`: how often the controller checks every node's health (5 s).
pub const NODE_MONITOR_PERIOD_NS: u64 = 5 * NANOS_PER_SEC;

/// `--node-monitor-grace-period` default since Kubernetes v1.32 (50 s, kubernetes#126287).
pub const NODE_MONITOR_GRACE_PERIOD_NS: u64 = 50 * NANOS_PER_SEC;

/// `--node-monitor-grace-period` default before Kubernetes v1.32 (40 s).
pub const LEGACY_NODE_MONITOR_GRACE_PERIOD_NS: u64 = 40 * NANOS_PER_SEC;

/// First `(major, minor)` Kubernetes version whose grace-period default is 50 s.
pub const MONITOR_GRACE_50S_SINCE: (u32, u32) = (1, 32);

/// `--node-startup-grace-period`: grace for a node whose kubelet never posted a Ready condition
/// (60 s).
pub const NODE_STARTUP_GRACE_PERIOD_NS: u64 = 60 * NANOS_PER_SEC;

/// `--node-eviction-rate`: nodes per second tainted NoExecute in a healthy zone (0.1). `float32`
/// as upstream (`0.1f32` is `0.100000001490116...`).
pub const NODE_EVICTION_RATE: f32 = 0.1;

/// `--secondary-node-eviction-rate`: nodes per second in a partially disrupted large zone (0.01).
pub const SECONDARY_NODE_EVICTION_RATE: f32 = 0.01;

/// `--large-cluster-size-threshold`: a partially disrupted zone with **more** nodes than this uses
/// the secondary rate, a smaller one stops tainting (50).
pub const LARGE_CLUSTER_SIZE_THRESHOLD: u32 = 50;

/// `--unhealthy-zone-threshold`: fraction of not-Ready nodes (with more than 2 of them) at which a
/// zone is partially disrupted (0.55, compared in `float32`).
pub const UNHEALTHY_ZONE_THRESHOLD: f32 = 0.55;

/// Default `tolerationSeconds` the DefaultTolerationSeconds admission plugin gives pods for
/// `not-ready:NoExecute` and `unreachable:NoExecute` (300 s).
pub const DEFAULT_TOLERATION_SECONDS: i64 = 300;

/// `scheduler.NodeEvictionPeriod`: period of the NoExecute tainting pass (100 ms).
pub const NODE_EVICTION_PERIOD_NS: u64 = 100 * NANOS_PER_MILLI;

/// `scheduler.EvictionRateLimiterBurst`: burst of every zone's token bucket (1).
pub const EVICTION_RATE_LIMITER_BURST: u32 = 1;

/// Taint key for Ready=False (`v1.TaintNodeNotReady`).
pub const TAINT_NODE_NOT_READY: &str = "node.kubernetes.io/not-ready";

/// Taint key for Ready=Unknown (`v1.TaintNodeUnreachable`).
pub const TAINT_NODE_UNREACHABLE: &str = "node.kubernetes.io/unreachable";

/// Taint key for MemoryPressure=True.
pub const TAINT_NODE_MEMORY_PRESSURE: &str = "node.kubernetes.io/memory-pressure";

/// Taint key for DiskPressure=True.
pub const TAINT_NODE_DISK_PRESSURE: &str = "node.kubernetes.io/disk-pressure";

/// Taint key for PIDPressure=True.
pub const TAINT_NODE_PID_PRESSURE: &str = "node.kubernetes.io/pid-pressure";

/// Taint key for NetworkUnavailable=True.
pub const TAINT_NODE_NETWORK_UNAVAILABLE: &str = "node.kubernetes.io/network-unavailable";

/// Taint key for `spec.unschedulable` (cordoned nodes).
pub const TAINT_NODE_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// Reason set on a condition the kubelet stopped refreshing.
pub const NODE_STATUS_UNKNOWN_REASON: &str = "NodeStatusUnknown";

/// Message set together with [`NODE_STATUS_UNKNOWN_REASON`].
pub const NODE_STATUS_UNKNOWN_MESSAGE: &str = "Kubelet stopped posting node status.";

/// Reason of a condition the controller creates because the kubelet never posted it.
pub const NODE_STATUS_NEVER_UPDATED_REASON: &str = "NodeStatusNeverUpdated";

/// Message set together with [`NODE_STATUS_NEVER_UPDATED_REASON`].
pub const NODE_STATUS_NEVER_UPDATED_MESSAGE: &str = "Kubelet never posted node status.";

/// Event reason recorded when the controller sees a node leave Ready (`RecordNodeStatusChange`).
pub const NODE_NOT_READY_EVENT_REASON: &str = "NodeNotReady";

/// Event reason of taint-manager pod deletions and their cancellations.
pub const TAINT_MANAGER_EVICTION_EVENT_REASON: &str = "TaintManagerEviction";

/// Reason of the `DisruptionTarget` pod condition set before a taint-manager deletion.
pub const DELETION_BY_TAINT_MANAGER_REASON: &str = "DeletionByTaintManager";

/// Node label that excludes a node from the zone-disruption counts (any value).
pub const LABEL_NODE_EXCLUDE_DISRUPTION: &str = "node.kubernetes.io/exclude-disruption";

/// `nodeMonitorGracePeriod` default of the given Kubernetes `(major, minor)` version: 50 s from
/// v1.32 on, 40 s before.
pub const fn monitor_grace_period_ns(kubernetes_version: (u32, u32)) -> u64 {
    let (major, minor) = kubernetes_version;
    let (since_major, since_minor) = MONITOR_GRACE_50S_SINCE;
    if major > since_major || (major == since_major && minor >= since_minor) {
        NODE_MONITOR_GRACE_PERIOD_NS
    } else {
        LEGACY_NODE_MONITOR_GRACE_PERIOD_NS
    }
}

/// Timing parameters of the health monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeMonitorConfig {
    /// `nodeMonitorPeriod`.
    pub monitor_period_ns: u64,
    /// `nodeMonitorGracePeriod` (node that has a Ready condition).
    pub monitor_grace_period_ns: u64,
    /// `nodeStartupGracePeriod` (node that never posted a Ready condition).
    pub startup_grace_period_ns: u64,
}

impl NodeMonitorConfig {
    /// The kube-controller-manager defaults of the given Kubernetes `(major, minor)` version.
    pub const fn for_version(kubernetes_version: (u32, u32)) -> Self {
        NodeMonitorConfig {
            monitor_period_ns: NODE_MONITOR_PERIOD_NS,
            monitor_grace_period_ns: monitor_grace_period_ns(kubernetes_version),
            startup_grace_period_ns: NODE_STARTUP_GRACE_PERIOD_NS,
        }
    }
}

impl Default for NodeMonitorConfig {
    /// The newest defaults (v1.32 and later).
    fn default() -> Self {
        NodeMonitorConfig::for_version(MONITOR_GRACE_50S_SINCE)
    }
}

// ------------------------------------------------------------------------------------------------
// Node health at a monitor tick
// ------------------------------------------------------------------------------------------------

/// Status of a node condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConditionStatus {
    /// `True`.
    True,
    /// `False`.
    False,
    /// `Unknown`.
    Unknown,
}

impl ConditionStatus {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        }
    }
}

/// A node condition (`Ready`, `MemoryPressure`, ...) as the controller reads and writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeCondition {
    /// `status`.
    pub status: ConditionStatus,
    /// `reason` (e.g. `KubeletReady`, [`NODE_STATUS_UNKNOWN_REASON`]).
    pub reason: String,
    /// `message`.
    pub message: String,
    /// `lastTransitionTime`, simulated nanoseconds.
    pub last_transition_ns: u64,
}

/// Outcome of [`monitor_node_health`] for one node at one tick.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeHealthDecision {
    /// Grace period the node was judged with (startup grace when it has no Ready condition).
    pub grace_period_ns: u64,
    /// Ready status observed **before** this tick's update (`Unknown` when the kubelet never
    /// posted one). `processTaintBaseEviction` decides on this value, so NoExecute tainting lags
    /// the Ready→Unknown flip by one monitor period.
    pub observed: ConditionStatus,
    /// Ready condition after the tick; `None` only while a node that never posted one is still
    /// within its startup grace period. Zone states are computed from this value.
    pub ready: Option<NodeCondition>,
    /// True when the controller writes the node status this tick (the Ready condition changed);
    /// the other conditions should then go through [`mark_condition_unknown`] too.
    pub status_updated: bool,
    /// True when Ready left `True` at this tick (`NodeNotReady` event, and the pods on the node
    /// are marked not Ready, which removes them from Service endpoints).
    pub became_not_ready: bool,
}

/// Grace period a node is entitled to: [`NodeMonitorConfig::startup_grace_period_ns`] when it has
/// no Ready condition yet, else [`NodeMonitorConfig::monitor_grace_period_ns`].
pub fn grace_period_ns(has_ready_condition: bool, config: &NodeMonitorConfig) -> u64 {
    if has_ready_condition {
        config.monitor_grace_period_ns
    } else {
        config.startup_grace_period_ns
    }
}

/// `now.After(probeTimestamp + gracePeriod)`: true only when **strictly more** than the grace
/// period has passed since the last observed heartbeat.
pub fn is_health_stale(probe_ns: u64, grace_ns: u64, now_ns: u64) -> bool {
    now_ns > probe_ns.saturating_add(grace_ns)
}

/// What a stale node's condition becomes: a missing condition is created as `Unknown` /
/// [`NODE_STATUS_NEVER_UPDATED_REASON`], a `True` or `False` one turns `Unknown` /
/// [`NODE_STATUS_UNKNOWN_REASON`] with transition time `now_ns`, an `Unknown` one is kept as is.
/// Applies to Ready, MemoryPressure, DiskPressure and PIDPressure (never NetworkUnavailable).
pub fn mark_condition_unknown(current: Option<&NodeCondition>, now_ns: u64) -> NodeCondition {
    match current {
        None => NodeCondition {
            status: ConditionStatus::Unknown,
            reason: NODE_STATUS_NEVER_UPDATED_REASON.to_string(),
            message: NODE_STATUS_NEVER_UPDATED_MESSAGE.to_string(),
            last_transition_ns: now_ns,
        },
        Some(c) if c.status == ConditionStatus::Unknown => c.clone(),
        Some(_) => NodeCondition {
            status: ConditionStatus::Unknown,
            reason: NODE_STATUS_UNKNOWN_REASON.to_string(),
            message: NODE_STATUS_UNKNOWN_MESSAGE.to_string(),
            last_transition_ns: now_ns,
        },
    }
}

/// `tryUpdateNodeHealth` for one node at monitor tick `now_ns`.
///
/// `ready` is the node's current Ready condition (`None` when the kubelet never posted one).
/// `probe_ns` is the controller's `probeTimestamp`: the time it last **observed** a new NodeStatus
/// heartbeat or Lease renewal (the node's creation time when it never saw one). When
/// `now_ns > probe_ns + grace` the Ready condition goes through [`mark_condition_unknown`].
pub fn monitor_node_health(
    ready: Option<&NodeCondition>,
    probe_ns: u64,
    now_ns: u64,
    config: &NodeMonitorConfig,
) -> NodeHealthDecision {
    let grace = grace_period_ns(ready.is_some(), config);
    let observed = ready.map_or(ConditionStatus::Unknown, |c| c.status);
    let (new_ready, status_updated) = if is_health_stale(probe_ns, grace, now_ns) {
        let updated = mark_condition_unknown(ready, now_ns);
        let changed = ready != Some(&updated);
        (Some(updated), changed)
    } else {
        (ready.cloned(), false)
    };
    let became_not_ready = observed == ConditionStatus::True
        && new_ready
            .as_ref()
            .is_some_and(|c| c.status != ConditionStatus::True);
    NodeHealthDecision {
        grace_period_ns: grace,
        observed,
        ready: new_ready,
        status_updated,
        became_not_ready,
    }
}

/// First monitor tick (ticks at `first_tick_ns + k * period_ns`, `k >= 0`) at which a node whose
/// last observed heartbeat is `probe_ns` is stale, i.e. the first tick strictly after
/// `probe_ns + grace_ns`. A zero period means continuous checking (`probe + grace + 1 ns`).
pub fn first_stale_tick_ns(
    probe_ns: u64,
    grace_ns: u64,
    first_tick_ns: u64,
    period_ns: u64,
) -> u64 {
    let deadline = probe_ns.saturating_add(grace_ns);
    if first_tick_ns > deadline {
        return first_tick_ns;
    }
    if period_ns == 0 {
        return deadline.saturating_add(1);
    }
    let k = (deadline - first_tick_ns) / period_ns + 1;
    first_tick_ns.saturating_add(k.saturating_mul(period_ns))
}

// ------------------------------------------------------------------------------------------------
// Taints
// ------------------------------------------------------------------------------------------------

fn controller_taint(key: &str, effect: TaintEffect) -> Taint {
    Taint {
        key: key.to_string(),
        value: String::new(),
        effect,
    }
}

/// `Taint.MatchTaint`: same key and effect (the value is ignored).
fn match_taint(a: &Taint, b: &Taint) -> bool {
    a.key == b.key && a.effect == b.effect
}

/// Key of the taint that mirrors a Ready status: `not-ready` for False, `unreachable` for Unknown,
/// none for True.
pub fn ready_taint_key(status: ConditionStatus) -> Option<&'static str> {
    match status {
        ConditionStatus::True => None,
        ConditionStatus::False => Some(TAINT_NODE_NOT_READY),
        ConditionStatus::Unknown => Some(TAINT_NODE_UNREACHABLE),
    }
}

/// The NoSchedule taint for a Ready status (added at once, without rate limit).
pub fn ready_no_schedule_taint(status: ConditionStatus) -> Option<Taint> {
    ready_taint_key(status).map(|key| controller_taint(key, TaintEffect::NoSchedule))
}

/// The NoExecute taint for a Ready status (`NotReadyTaintTemplate` / `UnreachableTaintTemplate`);
/// it is added through the zone's rate-limited queue, not at once.
pub fn ready_no_execute_taint(status: ConditionStatus) -> Option<Taint> {
    ready_taint_key(status).map(|key| controller_taint(key, TaintEffect::NoExecute))
}

/// Every taint the Ready status calls for, NoSchedule first then NoExecute: none for True, both
/// `not-ready` taints for False, both `unreachable` taints for Unknown.
pub fn ready_taints(status: ConditionStatus) -> Vec<Taint> {
    ready_no_schedule_taint(status)
        .into_iter()
        .chain(ready_no_execute_taint(status))
        .collect()
}

/// Statuses of the node conditions that map to taints (`None` = condition absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NodeConditionStatuses {
    /// `Ready`.
    pub ready: Option<ConditionStatus>,
    /// `MemoryPressure`.
    pub memory_pressure: Option<ConditionStatus>,
    /// `DiskPressure`.
    pub disk_pressure: Option<ConditionStatus>,
    /// `PIDPressure`.
    pub pid_pressure: Option<ConditionStatus>,
    /// `NetworkUnavailable`.
    pub network_unavailable: Option<ConditionStatus>,
}

/// The NoSchedule taints `doNoScheduleTaintingPass` wants on a node: Ready False → `not-ready`,
/// Unknown → `unreachable`; each pressure / NetworkUnavailable condition that is True → its taint;
/// `spec.unschedulable` → `unschedulable`. Listed in the kubelet's condition order
/// (MemoryPressure, DiskPressure, PIDPressure, Ready), then NetworkUnavailable, then unschedulable.
pub fn no_schedule_taints(conditions: &NodeConditionStatuses, unschedulable: bool) -> Vec<Taint> {
    let when_true = |status: Option<ConditionStatus>, key: &'static str| {
        (status == Some(ConditionStatus::True)).then_some(key)
    };
    let keys = [
        when_true(conditions.memory_pressure, TAINT_NODE_MEMORY_PRESSURE),
        when_true(conditions.disk_pressure, TAINT_NODE_DISK_PRESSURE),
        when_true(conditions.pid_pressure, TAINT_NODE_PID_PRESSURE),
        conditions.ready.and_then(ready_taint_key),
        when_true(
            conditions.network_unavailable,
            TAINT_NODE_NETWORK_UNAVAILABLE,
        ),
        unschedulable.then_some(TAINT_NODE_UNSCHEDULABLE),
    ];
    keys.into_iter()
        .flatten()
        .map(|key| controller_taint(key, TaintEffect::NoSchedule))
        .collect()
}

/// True for the NoSchedule taints the controller owns (condition taints and `unschedulable`);
/// only those are compared by [`reconcile_no_schedule_taints`].
pub fn is_controller_no_schedule_taint(taint: &Taint) -> bool {
    taint.effect == TaintEffect::NoSchedule
        && matches!(
            taint.key.as_str(),
            TAINT_NODE_NOT_READY
                | TAINT_NODE_UNREACHABLE
                | TAINT_NODE_MEMORY_PRESSURE
                | TAINT_NODE_DISK_PRESSURE
                | TAINT_NODE_PID_PRESSURE
                | TAINT_NODE_NETWORK_UNAVAILABLE
                | TAINT_NODE_UNSCHEDULABLE
        )
}

/// Applies `SwapNodeControllerTaint(add, remove)`: taints matching (key and effect) one in
/// `remove` are dropped, then every taint of `add` not already present is appended.
fn swap_taints(existing: &[Taint], add: &[Taint], remove: &[Taint]) -> Vec<Taint> {
    let mut out: Vec<Taint> = existing
        .iter()
        .filter(|t| !remove.iter().any(|r| match_taint(r, t)))
        .cloned()
        .collect();
    for taint in add {
        if let Some(slot) = out.iter_mut().find(|t| match_taint(t, taint)) {
            *slot = taint.clone();
        } else {
            out.push(taint.clone());
        }
    }
    out
}

/// `doNoScheduleTaintingPass`: the node's new taint list when its controller-owned NoSchedule
/// taints differ from `desired` (normally [`no_schedule_taints`]); `None` when nothing changes.
/// Missing taints are appended, surplus controller taints removed, other taints kept in place.
pub fn reconcile_no_schedule_taints(existing: &[Taint], desired: &[Taint]) -> Option<Vec<Taint>> {
    let owned: Vec<&Taint> = existing
        .iter()
        .filter(|t| is_controller_no_schedule_taint(t))
        .collect();
    let add: Vec<Taint> = desired
        .iter()
        .filter(|d| !owned.iter().any(|o| match_taint(o, d)))
        .cloned()
        .collect();
    let remove: Vec<Taint> = owned
        .iter()
        .filter(|o| !desired.iter().any(|d| match_taint(d, o)))
        .map(|o| (*o).clone())
        .collect();
    if add.is_empty() && remove.is_empty() {
        return None;
    }
    Some(swap_taints(existing, &add, &remove))
}

/// NoExecute taint update for a Ready status (`None` when nothing changes): False adds
/// `not-ready` and removes `unreachable`, Unknown the reverse (the tainting pass, or the instant
/// swap of `processTaintBaseEviction` when the opposite taint is already there); True removes both
/// (`markNodeAsReachable`, also applied to every node on entering full disruption).
pub fn apply_no_execute_taint(existing: &[Taint], status: ConditionStatus) -> Option<Vec<Taint>> {
    let not_ready = controller_taint(TAINT_NODE_NOT_READY, TaintEffect::NoExecute);
    let unreachable = controller_taint(TAINT_NODE_UNREACHABLE, TaintEffect::NoExecute);
    let (add, remove) = match status {
        ConditionStatus::True => (vec![], vec![not_ready, unreachable]),
        ConditionStatus::False => (vec![not_ready], vec![unreachable]),
        ConditionStatus::Unknown => (vec![unreachable], vec![not_ready]),
    };
    let next = swap_taints(existing, &add, &remove);
    (next != existing).then_some(next)
}

// ------------------------------------------------------------------------------------------------
// Zones and disruption
// ------------------------------------------------------------------------------------------------

/// Zone key of a node (`nodetopology.GetZoneKey`): `region + ":\0:" + zone` from the
/// `topology.kubernetes.io/{region,zone}` labels (falling back to the deprecated
/// `failure-domain.beta.kubernetes.io/*` ones); empty when both are empty.
pub fn zone_key(labels: &BTreeMap<String, String>) -> String {
    let pick = |stable: &str, beta: &str| {
        labels
            .get(stable)
            .or_else(|| labels.get(beta))
            .cloned()
            .unwrap_or_default()
    };
    let zone = pick(
        "topology.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/zone",
    );
    let region = pick(
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/region",
    );
    if region.is_empty() && zone.is_empty() {
        return String::new();
    }
    format!("{region}:\0:{zone}")
}

/// State of a zone (`ZoneState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ZoneState {
    /// Zone just seen; never the result of [`compute_zone_state`].
    Initial,
    /// Normal operation.
    Normal,
    /// No Ready node in the zone.
    FullDisruption,
    /// More than 2 and at least [`UNHEALTHY_ZONE_THRESHOLD`] of the nodes are not Ready.
    PartialDisruption,
}

impl ZoneState {
    /// The upstream spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneState::Initial => "Initial",
            ZoneState::Normal => "Normal",
            ZoneState::FullDisruption => "FullDisruption",
            ZoneState::PartialDisruption => "PartialDisruption",
        }
    }
}

/// Ready / not-Ready node counts of one zone (nodes labelled [`LABEL_NODE_EXCLUDE_DISRUPTION`]
/// are left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ZoneCounts {
    /// Nodes whose Ready condition is True.
    pub ready: u32,
    /// Every other node (Ready False, Unknown, or no Ready condition).
    pub not_ready: u32,
}

impl ZoneCounts {
    /// Counts Ready conditions after the tick (`None` = node without a Ready condition).
    pub fn from_statuses(statuses: &[Option<ConditionStatus>]) -> Self {
        let ready = statuses
            .iter()
            .filter(|s| **s == Some(ConditionStatus::True))
            .count();
        let ready = u32::try_from(ready).unwrap_or(u32::MAX);
        let total = u32::try_from(statuses.len()).unwrap_or(u32::MAX);
        ZoneCounts {
            ready,
            not_ready: total - ready,
        }
    }

    /// Number of nodes in the zone.
    pub fn size(&self) -> u32 {
        self.ready.saturating_add(self.not_ready)
    }
}

/// Eviction-rate configuration (`NodeLifecycleControllerConfiguration`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DisruptionConfig {
    /// `evictionLimiterQPS` ([`NODE_EVICTION_RATE`]).
    pub eviction_qps: f32,
    /// `secondaryEvictionLimiterQPS` ([`SECONDARY_NODE_EVICTION_RATE`]).
    pub secondary_eviction_qps: f32,
    /// `largeClusterThreshold` ([`LARGE_CLUSTER_SIZE_THRESHOLD`]).
    pub large_cluster_threshold: u32,
    /// `unhealthyZoneThreshold` ([`UNHEALTHY_ZONE_THRESHOLD`]).
    pub unhealthy_zone_threshold: f32,
}

impl Default for DisruptionConfig {
    /// The kube-controller-manager defaults.
    fn default() -> Self {
        DisruptionConfig {
            eviction_qps: NODE_EVICTION_RATE,
            secondary_eviction_qps: SECONDARY_NODE_EVICTION_RATE,
            large_cluster_threshold: LARGE_CLUSTER_SIZE_THRESHOLD,
            unhealthy_zone_threshold: UNHEALTHY_ZONE_THRESHOLD,
        }
    }
}

/// `ComputeZoneState`: FullDisruption when no node is Ready and at least one is not;
/// PartialDisruption when more than 2 are not Ready and `not_ready / total >= threshold` (in
/// `float32`, as upstream); Normal otherwise (including an empty zone).
pub fn compute_zone_state(counts: ZoneCounts, unhealthy_threshold: f32) -> ZoneState {
    let ZoneCounts { ready, not_ready } = counts;
    if ready == 0 && not_ready > 0 {
        return ZoneState::FullDisruption;
    }
    // Upstream: float32(notReady)/float32(notReady+ready) >= unhealthyZoneThreshold.
    #[allow(clippy::cast_precision_loss)]
    let fraction = not_ready as f32 / counts.size() as f32;
    if not_ready > 2 && fraction >= unhealthy_threshold {
        ZoneState::PartialDisruption
    } else {
        ZoneState::Normal
    }
}

/// `setLimiterInZone`: the tainting rate (nodes/s) for a zone entering `state` with `zone_size`
/// nodes. Normal and FullDisruption → `eviction_qps`; PartialDisruption → `secondary_eviction_qps`
/// when `zone_size > large_cluster_threshold`, else 0 (stopped); Initial → `None` (limiter left as
/// is). Upstream compares the **zone** size here (`ReducedQPSFunc(len(zone))`).
pub fn zone_limiter_qps(
    state: ZoneState,
    zone_size: u32,
    config: &DisruptionConfig,
) -> Option<f32> {
    match state {
        ZoneState::Initial => None,
        ZoneState::Normal | ZoneState::FullDisruption => Some(config.eviction_qps),
        ZoneState::PartialDisruption => Some(if zone_size > config.large_cluster_threshold {
            config.secondary_eviction_qps
        } else {
            0.0
        }),
    }
}

/// Cluster-wide transition found by [`handle_disruption`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisruptionTransition {
    /// No cluster-wide change (per-zone changes may still be listed).
    None,
    /// Every zone became fully disrupted: the controller assumes a control-plane or network
    /// problem, removes the NoExecute taints of **all** nodes (`markNodeAsReachable`, see
    /// [`apply_no_execute_taint`] with True) and sets every zone's rate to 0.
    EnteredFullDisruption,
    /// Leaving "all zones fully disrupted": every node's probe timestamp (and ready-transition
    /// timestamp) is reset to now, giving all nodes a fresh grace period, and every zone's rate is
    /// set for its new state.
    ExitedFullDisruption,
}

/// Result of [`handle_disruption`].
#[derive(Debug, Clone, PartialEq)]
pub struct DisruptionOutcome {
    /// The controller's zone states after this tick (`nc.zoneStates`).
    pub zone_states: BTreeMap<String, ZoneState>,
    /// `SwapLimiter(qps)` calls to make, in zone order (see [`TokenBucket::swap_limiter`]).
    pub limiter_swaps: Vec<(String, f32)>,
    /// Cluster-wide transition.
    pub transition: DisruptionTransition,
}

/// `handleDisruption` at the end of a monitor tick.
///
/// `previous` is the controller's zone map (`nc.zoneStates`, zones created by
/// `addPodEvictorForNewZone` are `Initial`); `observed` the per-zone counts of this tick (zones
/// with at least one non-excluded node). Zones of `observed` not yet in `previous` start as
/// `Initial`; zones of `previous` no longer observed are dropped. Upstream drops them while
/// iterating a Go map and stops at the first zone that is not fully disrupted, so which vanished
/// zones survive a tick is random there; here all of them are dropped before deciding.
pub fn handle_disruption(
    previous: &BTreeMap<String, ZoneState>,
    observed: &BTreeMap<String, ZoneCounts>,
    config: &DisruptionConfig,
) -> DisruptionOutcome {
    let new_states: BTreeMap<&String, (ZoneState, u32)> = observed
        .iter()
        .map(|(zone, counts)| {
            let state = compute_zone_state(*counts, config.unhealthy_zone_threshold);
            (zone, (state, counts.size()))
        })
        .collect();
    let all_are_fully_disrupted = new_states
        .values()
        .all(|(state, _)| *state == ZoneState::FullDisruption);

    let mut zone_states: BTreeMap<String, ZoneState> = observed
        .keys()
        .map(|zone| {
            let state = previous.get(zone).copied().unwrap_or(ZoneState::Initial);
            (zone.clone(), state)
        })
        .collect();
    let all_were_fully_disrupted = zone_states
        .values()
        .all(|state| *state == ZoneState::FullDisruption);

    let mut limiter_swaps = Vec::new();
    let mut transition = DisruptionTransition::None;
    if !all_are_fully_disrupted || !all_were_fully_disrupted {
        if all_are_fully_disrupted {
            transition = DisruptionTransition::EnteredFullDisruption;
            for (zone, state) in zone_states.iter_mut() {
                limiter_swaps.push((zone.clone(), 0.0));
                *state = ZoneState::FullDisruption;
            }
        } else {
            if all_were_fully_disrupted {
                transition = DisruptionTransition::ExitedFullDisruption;
            }
            for (zone, state) in zone_states.iter_mut() {
                let (new_state, size) = new_states[zone];
                if transition == DisruptionTransition::None && *state == new_state {
                    continue;
                }
                if let Some(qps) = zone_limiter_qps(new_state, size, config) {
                    limiter_swaps.push((zone.clone(), qps));
                }
                *state = new_state;
            }
        }
    }
    DisruptionOutcome {
        zone_states,
        limiter_swaps,
        transition,
    }
}

/// Steady-state tainting rate of a zone (nodes/s): [`zone_limiter_qps`] of its computed state,
/// or 0 when every zone of the cluster is fully disrupted.
pub fn zone_eviction_qps(
    counts: ZoneCounts,
    all_zones_fully_disrupted: bool,
    config: &DisruptionConfig,
) -> f32 {
    if all_zones_fully_disrupted {
        return 0.0;
    }
    let state = compute_zone_state(counts, config.unhealthy_zone_threshold);
    zone_limiter_qps(state, counts.size(), config).unwrap_or(config.eviction_qps)
}

// ------------------------------------------------------------------------------------------------
// Token bucket
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum LimiterKind {
    /// `flowcontrol.NewFakeNeverRateLimiter()`.
    Never,
    /// `rate.Limiter` with limit 0: allows `burst` events in total, then none.
    ZeroRate { burst_left: u32 },
    /// `rate.Limiter` with a positive limit.
    Rate {
        limit: f64,
        burst: u32,
        tokens: f64,
        /// `None` until the first successful accept: the bucket starts full.
        last_ns: Option<u64>,
    },
}

/// Per-zone tainting rate limiter: `flowcontrol.NewTokenBucketRateLimiter(qps, burst)` (a
/// `golang.org/x/time/rate` limiter driven by `TryAccept` = `AllowN(now, 1)`) over simulated time.
///
/// The bucket starts full; each accept takes one token; tokens refill at `qps` per second up to
/// `burst`. Arithmetic follows x/time/rate exactly: the `float32` rate is widened to `float64`,
/// `tokensFromDuration` is `Duration.Seconds() * limit`, and an event whose deficit is worth less
/// than 1 ns (`durationFromTokens` truncates) is accepted. With burst 1 and the default 0.1/s
/// this gives one accept every 9 999 999 850 ns (the `float32` rate is slightly above 0.1).
///
/// Upstream's tainting pass (every [`NODE_EVICTION_PERIOD_NS`]) calls `TryAccept` once per queue
/// head while the zone's queue is not empty, and a token is spent even when the head then turns
/// out not to need a taint (its node is Ready again).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBucket {
    qps: f32,
    kind: LimiterKind,
}

/// `Duration.Seconds()`: whole seconds plus the remaining nanoseconds / 1e9, in `float64`.
#[allow(clippy::cast_precision_loss)]
fn go_seconds(elapsed_ns: u64) -> f64 {
    let elapsed = elapsed_ns.min(i64::MAX as u64);
    (elapsed / NANOS_PER_SEC) as f64 + (elapsed % NANOS_PER_SEC) as f64 / 1e9
}

impl TokenBucket {
    /// `NewTokenBucketRateLimiter(qps, burst)`. A positive `qps` gives a full bucket; `qps == 0`
    /// allows `burst` events in total and then none (x/time/rate's zero limit); a negative or NaN
    /// `qps` never allows anything.
    pub fn new(qps: f32, burst: u32) -> Self {
        let kind = if qps > 0.0 {
            LimiterKind::Rate {
                limit: f64::from(qps),
                burst,
                tokens: 0.0,
                last_ns: None,
            }
        } else if qps == 0.0 {
            LimiterKind::ZeroRate { burst_left: burst }
        } else {
            LimiterKind::Never
        };
        TokenBucket { qps, kind }
    }

    /// `NewFakeNeverRateLimiter()`: what `SwapLimiter` installs for a rate `<= 0`.
    pub fn never() -> Self {
        TokenBucket {
            qps: 1.0,
            kind: LimiterKind::Never,
        }
    }

    /// A zone's initial limiter: `NewTokenBucketRateLimiter(qps, EvictionRateLimiterBurst)`.
    pub fn for_zone(qps: f32) -> Self {
        TokenBucket::new(qps, EVICTION_RATE_LIMITER_BURST)
    }

    /// `QPS()`: the configured rate; the never-limiter reports 1, as upstream's fake does.
    pub fn qps(&self) -> f32 {
        self.qps
    }

    /// True for the never-limiter.
    pub fn is_never(&self) -> bool {
        self.kind == LimiterKind::Never
    }

    /// Token count after the accept at `now_ns`, or `None` when it is refused.
    fn reserve(&self, now_ns: u64) -> Option<f64> {
        match self.kind {
            LimiterKind::Never => None,
            LimiterKind::ZeroRate { burst_left } => (burst_left >= 1).then_some(0.0),
            LimiterKind::Rate {
                limit,
                burst,
                tokens,
                last_ns,
            } => {
                let burst_f = f64::from(burst);
                let available = match last_ns {
                    // Zero `last`: the elapsed time saturates and the bucket is full.
                    None => burst_f,
                    Some(last) => {
                        let elapsed = now_ns.saturating_sub(last);
                        let refilled = tokens + go_seconds(elapsed) * limit;
                        if refilled > burst_f {
                            burst_f
                        } else {
                            refilled
                        }
                    }
                };
                let left = available - 1.0;
                // durationFromTokens: time.Duration((tokens / limit) * 1e9), truncated.
                #[allow(clippy::cast_possible_truncation)]
                let wait_ns = if left < 0.0 {
                    ((-left / limit) * 1e9) as i64
                } else {
                    0
                };
                (burst >= 1 && wait_ns <= 0).then_some(left)
            }
        }
    }

    /// Whether `try_accept(now_ns)` would succeed, without taking a token.
    pub fn would_accept(&self, now_ns: u64) -> bool {
        self.reserve(now_ns).is_some()
    }

    /// `TryAccept()` at `now_ns`: takes a token and returns true, or returns false and changes
    /// nothing.
    pub fn try_accept(&mut self, now_ns: u64) -> bool {
        let Some(left) = self.reserve(now_ns) else {
            return false;
        };
        match &mut self.kind {
            LimiterKind::Never => {}
            LimiterKind::ZeroRate { burst_left } => *burst_left -= 1,
            LimiterKind::Rate {
                tokens, last_ns, ..
            } => {
                *tokens = left;
                *last_ns = Some(now_ns);
            }
        }
        true
    }

    /// Earliest time `>= now_ns` at which [`Self::try_accept`] would succeed if nothing else
    /// takes a token first; `u64::MAX` when it never will.
    pub fn next_accept_ns(&self, now_ns: u64) -> u64 {
        if self.would_accept(now_ns) {
            return now_ns;
        }
        let LimiterKind::Rate {
            limit,
            burst,
            tokens,
            last_ns,
        } = self.kind
        else {
            return u64::MAX;
        };
        let Some(last) = last_ns else {
            return u64::MAX; // a full bucket refused: burst 0
        };
        if burst == 0 {
            return u64::MAX;
        }
        // Estimate, then pin down the exact nanosecond by bisection (acceptance is monotone in
        // time because the refill is).
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let estimate = last.saturating_add(((1.0 - tokens) / limit * 1e9).ceil() as u64);
        let mut lo = now_ns;
        let mut hi = estimate.max(now_ns.saturating_add(1));
        let mut step = 1u64;
        while !self.would_accept(hi) {
            if hi == u64::MAX {
                return u64::MAX;
            }
            lo = hi;
            hi = hi.saturating_add(step);
            step = step.saturating_mul(2);
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.would_accept(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }

    /// `RateLimitedTimedQueue.SwapLimiter(new_qps)` at `now_ns`: nothing when
    /// [`Self::qps`] already equals `new_qps`; the never-limiter for `new_qps <= 0`; otherwise a
    /// fresh full bucket of burst 1, drained at once when the old limiter had no token to give at
    /// `now_ns` (probing the old limiter takes its token when it has one, as upstream).
    pub fn swap_limiter(&mut self, new_qps: f32, now_ns: u64) {
        #[allow(clippy::float_cmp)]
        if self.qps == new_qps {
            return;
        }
        if new_qps <= 0.0 {
            *self = TokenBucket::never();
            return;
        }
        let mut fresh = TokenBucket::for_zone(new_qps);
        if !self.try_accept(now_ns) {
            fresh.try_accept(now_ns);
        }
        *self = fresh;
    }
}

// ------------------------------------------------------------------------------------------------
// Taint-based eviction of pods
// ------------------------------------------------------------------------------------------------

/// The node's NoExecute taints, in order (`getNoExecuteTaints`).
pub fn no_execute_taints(taints: &[Taint]) -> Vec<Taint> {
    taints
        .iter()
        .filter(|t| t.effect == TaintEffect::NoExecute)
        .cloned()
        .collect()
}

/// `GetMatchingTolerations(taints, tolerations)`: for each taint, the **first** toleration that
/// tolerates it; `None` when some taint is not tolerated. No taints → `Some(empty)`.
pub fn matching_tolerations<'a>(
    taints: &[Taint],
    tolerations: &'a [Toleration],
) -> Option<Vec<&'a Toleration>> {
    taints
        .iter()
        .map(|taint| tolerations.iter().find(|t| t.tolerates(taint)))
        .collect()
}

/// `getMinTolerationTime` over the `tolerationSeconds` of the tolerations in use: `Some(0)` when
/// there are none or any value is `<= 0`; `None` (tolerate forever) when every value is unset;
/// otherwise the smallest set value, in nanoseconds (saturating).
pub fn min_toleration_time_ns(toleration_seconds: &[Option<i64>]) -> Option<u64> {
    if toleration_seconds.is_empty() {
        return Some(0);
    }
    let mut min: Option<i64> = None;
    for seconds in toleration_seconds.iter().flatten() {
        if *seconds <= 0 {
            return Some(0);
        }
        min = Some(min.map_or(*seconds, |m| m.min(*seconds)));
    }
    min.map(|s| u64::try_from(s).unwrap_or(0).saturating_mul(NANOS_PER_SEC))
}

/// The tolerations the DaemonSet controller adds to every daemon pod for NoExecute taints
/// (`AddOrUpdateDaemonPodTolerations`): `not-ready` and `unreachable`, operator Exists, effect
/// NoExecute, no `tolerationSeconds` (forever). A pod toleration with the same key, operator,
/// value and effect is replaced in place; otherwise the new one is appended.
pub fn with_daemonset_no_execute_tolerations(tolerations: &[Toleration]) -> Vec<Toleration> {
    let mut out = tolerations.to_vec();
    for key in [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE] {
        let forever = Toleration {
            key: key.to_string(),
            exists: true,
            value: String::new(),
            effect: Some(TaintEffect::NoExecute),
            toleration_seconds: None,
        };
        let same = |t: &Toleration| {
            t.key == forever.key
                && t.exists == forever.exists
                && t.value == forever.value
                && t.effect == forever.effect
        };
        if let Some(slot) = out.iter_mut().find(|t| same(t)) {
            *slot = forever;
        } else {
            out.push(forever);
        }
    }
    out
}

/// A pending taint-manager deletion (`TimedWorker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScheduledEviction {
    /// `CreatedAt`: when the pod was first queued for eviction.
    pub created_at_ns: u64,
    /// When the deletion fires.
    pub fire_at_ns: u64,
}

/// What the taint manager does with one pod (`processPodOnNode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PodEvictionDecision {
    /// Cancel any scheduled deletion (no NoExecute taint, or all tolerated forever).
    Cancel,
    /// Keep the already scheduled deletion unchanged (an earlier one is not pushed back).
    Keep,
    /// Replace any scheduled deletion by this one.
    Schedule(ScheduledEviction),
}

/// `processPodOnNode` at `now_ns` for a pod on a node with the given taints (NoExecute ones are
/// picked out here), its tolerations and its currently scheduled deletion, if any.
///
/// * no NoExecute taint → [`PodEvictionDecision::Cancel`] (upstream never gets here: the node
///   update short-circuits and cancels);
/// * a taint not tolerated → delete now (`Schedule` at `now_ns`);
/// * all used tolerations forever → `Cancel`;
/// * otherwise the deletion is due [`min_toleration_time_ns`] after `now_ns`, unless a deletion
///   scheduled earlier (created before `now_ns`) exists, which is kept. When the existing one was
///   created at or after `now_ns` it is replaced, keeping its creation time; the timer then runs
///   for `now + min - created` from `now`, as upstream's `AddWork` does.
pub fn process_pod_on_node(
    taints: &[Taint],
    tolerations: &[Toleration],
    now_ns: u64,
    scheduled: Option<ScheduledEviction>,
) -> PodEvictionDecision {
    let taints = no_execute_taints(taints);
    if taints.is_empty() {
        return PodEvictionDecision::Cancel;
    }
    let Some(used) = matching_tolerations(&taints, tolerations) else {
        return PodEvictionDecision::Schedule(ScheduledEviction {
            created_at_ns: now_ns,
            fire_at_ns: now_ns,
        });
    };
    let seconds: Vec<Option<i64>> = used.iter().map(|t| t.toleration_seconds).collect();
    let Some(min_ns) = min_toleration_time_ns(&seconds) else {
        return PodEvictionDecision::Cancel;
    };
    let trigger = now_ns.saturating_add(min_ns);
    match scheduled {
        Some(existing) if existing.created_at_ns.saturating_add(min_ns) < trigger => {
            PodEvictionDecision::Keep
        }
        Some(existing) => PodEvictionDecision::Schedule(ScheduledEviction {
            created_at_ns: existing.created_at_ns,
            fire_at_ns: now_ns.saturating_add(trigger.saturating_sub(existing.created_at_ns)),
        }),
        None => PodEvictionDecision::Schedule(ScheduledEviction {
            created_at_ns: now_ns,
            fire_at_ns: trigger,
        }),
    }
}

/// When a pod is deleted because of the NoExecute taints on its node, the taint manager having
/// seen them at `taints_added_ns`: `None` = never (no NoExecute taint, tolerated forever, or a
/// DaemonSet pod), otherwise `taints_added_ns` plus the minimum `tolerationSeconds` of the
/// matching tolerations (immediately when a taint is not tolerated or a value is `<= 0`).
///
/// DaemonSet pods get [`with_daemonset_no_execute_tolerations`] first, so they are never evicted
/// for `not-ready` / `unreachable` (only for another NoExecute taint they do not tolerate).
pub fn pod_eviction_time_ns(
    node_taints: &[Taint],
    tolerations: &[Toleration],
    taints_added_ns: u64,
    is_daemonset_pod: bool,
) -> Option<u64> {
    let tolerations = if is_daemonset_pod {
        with_daemonset_no_execute_tolerations(tolerations)
    } else {
        tolerations.to_vec()
    };
    match process_pod_on_node(node_taints, &tolerations, taints_added_ns, None) {
        PodEvictionDecision::Schedule(eviction) => Some(eviction.fire_at_ns),
        PodEvictionDecision::Cancel | PodEvictionDecision::Keep => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = NANOS_PER_SEC;

    fn taint(key: &str, effect: TaintEffect) -> Taint {
        Taint {
            key: key.into(),
            value: String::new(),
            effect,
        }
    }

    fn tol(key: &str, effect: Option<TaintEffect>, seconds: Option<i64>) -> Toleration {
        Toleration {
            key: key.into(),
            exists: true,
            value: String::new(),
            effect,
            toleration_seconds: seconds,
        }
    }

    /// The tolerations DefaultTolerationSeconds gives a pod without its own (300 s each).
    fn default_tolerations() -> Vec<Toleration> {
        vec![
            tol(
                TAINT_NODE_NOT_READY,
                Some(TaintEffect::NoExecute),
                Some(DEFAULT_TOLERATION_SECONDS),
            ),
            tol(
                TAINT_NODE_UNREACHABLE,
                Some(TaintEffect::NoExecute),
                Some(DEFAULT_TOLERATION_SECONDS),
            ),
        ]
    }

    fn cond(status: ConditionStatus, reason: &str, at: u64) -> NodeCondition {
        NodeCondition {
            status,
            reason: reason.into(),
            message: String::new(),
            last_transition_ns: at,
        }
    }

    /// SPEC §8.b `TestGetMinTolerationTime` rows 1–4, plus upstream's fifth row ([1, nil]).
    #[test]
    fn spec_8b_get_min_toleration_time() {
        let rows: [(&[Option<i64>], Option<u64>); 5] = [
            (&[], Some(0)),                 // 1: none → 0 (evict immediately)
            (&[None], None),                // 2: [nil] → −1 (forever)
            (&[Some(1), Some(2)], Some(S)), // 3: [1, 2] → 1 s
            (&[None, Some(1)], Some(S)),    // 4: [nil, 1] → 1 s
            (&[Some(1), None], Some(S)),    // upstream extra row
        ];
        for (seconds, want) in rows {
            assert_eq!(min_toleration_time_ns(seconds), want, "{seconds:?}");
        }
        // A value <= 0 means immediately, even among forever ones.
        assert_eq!(min_toleration_time_ns(&[None, Some(0)]), Some(0));
        assert_eq!(min_toleration_time_ns(&[Some(5), Some(-3)]), Some(0));
    }

    /// SPEC §8.b defaults rows 1–2: Unknown strictly after the grace period, checked every 5 s;
    /// §0 defaults table.
    #[test]
    fn spec_8b_node_becomes_unknown_after_grace() {
        // (version, grace, last tick still Ready, first Unknown tick), heartbeat at 0, ticks 0,5,..
        let rows = [
            ((1, 32), 50 * S, 50 * S, 55 * S),
            ((1, 33), 50 * S, 50 * S, 55 * S),
            ((2, 0), 50 * S, 50 * S, 55 * S),
            ((1, 31), 40 * S, 40 * S, 45 * S),
            ((1, 20), 40 * S, 40 * S, 45 * S),
        ];
        for (version, grace, last_ready_tick, unknown_tick) in rows {
            assert_eq!(monitor_grace_period_ns(version), grace, "{version:?}");
            let config = NodeMonitorConfig::for_version(version);
            assert_eq!(config.monitor_period_ns, NODE_MONITOR_PERIOD_NS);
            assert_eq!(config.startup_grace_period_ns, 60 * S);
            let ready = cond(ConditionStatus::True, "KubeletReady", 0);
            let at_grace = monitor_node_health(Some(&ready), 0, last_ready_tick, &config);
            assert_eq!(
                at_grace.ready.as_ref(),
                Some(&ready),
                "{version:?} exactly at grace"
            );
            assert!(!at_grace.status_updated);
            let after = monitor_node_health(Some(&ready), 0, unknown_tick, &config);
            assert_eq!(after.observed, ConditionStatus::True);
            assert_eq!(
                after.ready,
                Some(NodeCondition {
                    status: ConditionStatus::Unknown,
                    reason: NODE_STATUS_UNKNOWN_REASON.into(),
                    message: NODE_STATUS_UNKNOWN_MESSAGE.into(),
                    last_transition_ns: unknown_tick,
                })
            );
            assert!(after.status_updated && after.became_not_ready);
            assert_eq!(
                first_stale_tick_ns(0, grace, 0, NODE_MONITOR_PERIOD_NS),
                unknown_tick
            );
            // 1 ns past the grace period would do, but the controller only looks every 5 s.
            assert!(is_health_stale(0, grace, grace + 1));
            assert!(!is_health_stale(0, grace, grace));
        }
        assert_eq!(NODE_MONITOR_PERIOD_NS, 5 * S);
        assert_eq!(NodeMonitorConfig::default().monitor_grace_period_ns, 50 * S);
    }

    /// SPEC §8.b defaults row 3 (300 s), and the §0 eviction-rate / threshold defaults.
    #[test]
    fn spec_8b_default_toleration_seconds_and_rates() {
        assert_eq!(DEFAULT_TOLERATION_SECONDS, 300);
        let taints = [taint(TAINT_NODE_UNREACHABLE, TaintEffect::NoExecute)];
        assert_eq!(
            pod_eviction_time_ns(&taints, &default_tolerations(), 60 * S, false),
            Some(360 * S)
        );
        let config = DisruptionConfig::default();
        assert_eq!(config.eviction_qps, 0.1);
        assert_eq!(config.secondary_eviction_qps, 0.01);
        assert_eq!(config.large_cluster_threshold, 50);
        assert_eq!(config.unhealthy_zone_threshold, 0.55);
    }

    /// Derived: per-tick health decisions for the cases of `tryUpdateNodeHealth`.
    #[test]
    fn health_decision_cases() {
        let config = NodeMonitorConfig::default();
        // Never posted: startup grace 60 s from creation (probe = creation = 0).
        let d = monitor_node_health(None, 0, 60 * S, &config);
        assert_eq!(d.grace_period_ns, 60 * S);
        assert_eq!((d.ready, d.status_updated), (None, false));
        let d = monitor_node_health(None, 0, 65 * S, &config);
        assert_eq!(d.observed, ConditionStatus::Unknown);
        assert_eq!(
            d.ready,
            Some(NodeCondition {
                status: ConditionStatus::Unknown,
                reason: NODE_STATUS_NEVER_UPDATED_REASON.into(),
                message: NODE_STATUS_NEVER_UPDATED_MESSAGE.into(),
                last_transition_ns: 65 * S,
            })
        );
        assert!(d.status_updated && !d.became_not_ready);
        // Already Unknown: unchanged, no write.
        let unknown = cond(ConditionStatus::Unknown, NODE_STATUS_UNKNOWN_REASON, 55 * S);
        let d = monitor_node_health(Some(&unknown), 0, 60 * S, &config);
        assert_eq!(d.ready.as_ref(), Some(&unknown));
        assert!(!d.status_updated && !d.became_not_ready);
        assert_eq!(d.observed, ConditionStatus::Unknown);
        // Kubelet-reported False goes Unknown too once stale.
        let not_ready = cond(ConditionStatus::False, "KubeletNotReady", 3 * S);
        let d = monitor_node_health(Some(&not_ready), 10 * S, 65 * S, &config);
        assert_eq!(d.ready.unwrap().status, ConditionStatus::Unknown);
        assert!(d.status_updated && !d.became_not_ready);
        // Fresh heartbeat: nothing changes.
        let ready = cond(ConditionStatus::True, "KubeletReady", 0);
        let d = monitor_node_health(Some(&ready), 100 * S, 120 * S, &config);
        assert_eq!(d.ready, Some(ready));
        // First stale tick with an offset tick origin and a tick before the heartbeat.
        assert_eq!(first_stale_tick_ns(7 * S, 50 * S, 2 * S, 5 * S), 62 * S);
        assert_eq!(first_stale_tick_ns(0, 50 * S, 80 * S, 5 * S), 80 * S);
    }

    /// Derived: taints per Ready status and the NoSchedule reconciliation.
    #[test]
    fn taints_follow_conditions() {
        use ConditionStatus::*;
        use TaintEffect::*;
        let rows = [
            (True, vec![]),
            (
                False,
                vec![
                    taint(TAINT_NODE_NOT_READY, NoSchedule),
                    taint(TAINT_NODE_NOT_READY, NoExecute),
                ],
            ),
            (
                Unknown,
                vec![
                    taint(TAINT_NODE_UNREACHABLE, NoSchedule),
                    taint(TAINT_NODE_UNREACHABLE, NoExecute),
                ],
            ),
        ];
        for (status, want) in rows {
            assert_eq!(ready_taints(status), want, "{status:?}");
        }

        let conditions = NodeConditionStatuses {
            ready: Some(Unknown),
            memory_pressure: Some(True),
            disk_pressure: Some(False),
            pid_pressure: None,
            network_unavailable: Some(True),
        };
        assert_eq!(
            no_schedule_taints(&conditions, true),
            vec![
                taint(TAINT_NODE_MEMORY_PRESSURE, NoSchedule),
                taint(TAINT_NODE_UNREACHABLE, NoSchedule),
                taint(TAINT_NODE_NETWORK_UNAVAILABLE, NoSchedule),
                taint(TAINT_NODE_UNSCHEDULABLE, NoSchedule),
            ]
        );

        let user = taint("dedicated", NoSchedule);
        let existing = vec![
            user.clone(),
            taint(TAINT_NODE_NOT_READY, NoSchedule),
            taint(TAINT_NODE_NOT_READY, NoExecute),
        ];
        let desired = vec![taint(TAINT_NODE_UNREACHABLE, NoSchedule)];
        assert_eq!(
            reconcile_no_schedule_taints(&existing, &desired),
            Some(vec![
                user.clone(),
                taint(TAINT_NODE_NOT_READY, NoExecute),
                taint(TAINT_NODE_UNREACHABLE, NoSchedule),
            ])
        );
        assert_eq!(
            reconcile_no_schedule_taints(std::slice::from_ref(&user), &[]),
            None
        );

        // NoExecute swap: not-ready → unreachable, then cleared when Ready.
        let swapped = apply_no_execute_taint(&existing, Unknown).unwrap();
        assert_eq!(
            swapped,
            vec![
                user.clone(),
                taint(TAINT_NODE_NOT_READY, NoSchedule),
                taint(TAINT_NODE_UNREACHABLE, NoExecute),
            ]
        );
        assert_eq!(apply_no_execute_taint(&swapped, Unknown), None);
        assert_eq!(
            apply_no_execute_taint(&swapped, True),
            Some(vec![user.clone(), taint(TAINT_NODE_NOT_READY, NoSchedule)])
        );
        assert_eq!(apply_no_execute_taint(&[user], True), None);
    }

    /// Derived: `ComputeZoneState` boundaries (threshold compared in float32).
    #[test]
    fn zone_state_table() {
        use ZoneState::*;
        let rows = [
            ((0, 0), Normal),
            ((0, 1), FullDisruption),
            ((0, 60), FullDisruption),
            ((5, 0), Normal),
            ((1, 2), Normal), // not more than 2 not Ready
            ((0, 2), FullDisruption),
            ((1, 3), PartialDisruption),
            ((2, 3), PartialDisruption),   // 0.6
            ((9, 11), PartialDisruption),  // exactly 0.55
            ((10, 10), Normal),            // 0.5
            ((46, 54), Normal),            // 0.54
            ((45, 55), PartialDisruption), // 0.55
        ];
        for ((ready, not_ready), want) in rows {
            let counts = ZoneCounts { ready, not_ready };
            assert_eq!(
                compute_zone_state(counts, UNHEALTHY_ZONE_THRESHOLD),
                want,
                "{ready} ready / {not_ready} not ready"
            );
        }
        use ConditionStatus::*;
        assert_eq!(
            ZoneCounts::from_statuses(&[Some(True), Some(False), None, Some(Unknown)]),
            ZoneCounts {
                ready: 1,
                not_ready: 3
            }
        );
    }

    /// Derived: per-zone rates (`setLimiterInZone`) and the all-zones-down rule.
    #[test]
    fn zone_rates() {
        let config = DisruptionConfig::default();
        let rows = [
            // (ready, not ready, all zones fully disrupted, qps)
            (10, 0, false, 0.1),
            (0, 10, false, 0.1),   // full disruption of one zone: normal rate
            (0, 10, true, 0.0),    // every zone down: stop
            (20, 40, false, 0.01), // partial, 60 nodes > 50
            (4, 6, false, 0.0),    // partial, small zone
            (20, 30, false, 0.0),  // partial, exactly 50 nodes: not more than 50
            (22, 29, false, 0.01), // partial, 51 nodes
        ];
        for (ready, not_ready, all_down, want) in rows {
            let counts = ZoneCounts { ready, not_ready };
            assert_eq!(
                zone_eviction_qps(counts, all_down, &config),
                want,
                "{ready}/{not_ready}/{all_down}"
            );
        }
        assert_eq!(zone_limiter_qps(ZoneState::Initial, 3, &config), None);
    }

    /// Derived: `handleDisruption` transitions.
    #[test]
    fn disruption_transitions() {
        let config = DisruptionConfig::default();
        let counts = |ready, not_ready| ZoneCounts { ready, not_ready };
        let map = |entries: &[(&str, ZoneState)]| -> BTreeMap<String, ZoneState> {
            entries.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        };
        let obs = |entries: &[(&str, ZoneCounts)]| -> BTreeMap<String, ZoneCounts> {
            entries.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        };
        use ZoneState::*;

        // New zone seen healthy: Initial → Normal, rate set to 0.1.
        let out = handle_disruption(&map(&[]), &obs(&[("a", counts(3, 0))]), &config);
        assert_eq!(out.zone_states, map(&[("a", Normal)]));
        assert_eq!(out.limiter_swaps, vec![("a".to_string(), 0.1)]);
        assert_eq!(out.transition, DisruptionTransition::None);

        // Unchanged state: no swap.
        let out = handle_disruption(
            &map(&[("a", Normal)]),
            &obs(&[("a", counts(2, 1))]),
            &config,
        );
        assert!(out.limiter_swaps.is_empty());

        // One of two zones fully down: it keeps tainting at the normal rate.
        let out = handle_disruption(
            &map(&[("a", Normal), ("b", Normal)]),
            &obs(&[("a", counts(0, 3)), ("b", counts(3, 0))]),
            &config,
        );
        assert_eq!(
            out.zone_states,
            map(&[("a", FullDisruption), ("b", Normal)])
        );
        assert_eq!(out.limiter_swaps, vec![("a".to_string(), 0.1)]);

        // Partial disruption: large zone slows down, small zone stops.
        let out = handle_disruption(
            &map(&[("big", Normal), ("small", Normal)]),
            &obs(&[("big", counts(20, 40)), ("small", counts(4, 6))]),
            &config,
        );
        assert_eq!(
            out.limiter_swaps,
            vec![("big".to_string(), 0.01), ("small".to_string(), 0.0)]
        );

        // Every zone down: enter full disruption, all rates 0, vanished zone dropped.
        let out = handle_disruption(
            &map(&[("a", FullDisruption), ("b", Normal), ("gone", Normal)]),
            &obs(&[("a", counts(0, 3)), ("b", counts(0, 2))]),
            &config,
        );
        assert_eq!(out.transition, DisruptionTransition::EnteredFullDisruption);
        assert_eq!(
            out.zone_states,
            map(&[("a", FullDisruption), ("b", FullDisruption)])
        );
        assert_eq!(
            out.limiter_swaps,
            vec![("a".to_string(), 0.0), ("b".to_string(), 0.0)]
        );

        // Staying all down: nothing happens.
        let all_down = map(&[("a", FullDisruption), ("b", FullDisruption)]);
        let out = handle_disruption(
            &all_down,
            &obs(&[("a", counts(0, 3)), ("b", counts(0, 2))]),
            &config,
        );
        assert_eq!(out.transition, DisruptionTransition::None);
        assert!(out.limiter_swaps.is_empty());
        assert_eq!(out.zone_states, all_down);

        // One zone back: exit, every zone's rate reset for its new state.
        let out = handle_disruption(
            &all_down,
            &obs(&[("a", counts(1, 2)), ("b", counts(0, 2))]),
            &config,
        );
        assert_eq!(out.transition, DisruptionTransition::ExitedFullDisruption);
        assert_eq!(
            out.zone_states,
            map(&[("a", Normal), ("b", FullDisruption)])
        );
        assert_eq!(
            out.limiter_swaps,
            vec![("a".to_string(), 0.1), ("b".to_string(), 0.1)]
        );

        // Cluster boot with nothing Ready yet (zones Initial): straight into full disruption.
        let out = handle_disruption(
            &map(&[("a", Initial)]),
            &obs(&[("a", counts(0, 4))]),
            &config,
        );
        assert_eq!(out.transition, DisruptionTransition::EnteredFullDisruption);
    }

    /// Derived: the bucket with the default rates (float32 0.1 and 0.01, burst 1).
    #[test]
    fn token_bucket_timing() {
        // Interval between accepts, derived from the float32 rate and x/time/rate arithmetic.
        let rows = [(0.1f32, 9_999_999_850u64), (0.01f32, 100_000_002_235u64)];
        for (qps, interval) in rows {
            let mut bucket = TokenBucket::for_zone(qps);
            assert_eq!(bucket.next_accept_ns(7 * S), 7 * S, "starts full");
            assert!(bucket.try_accept(7 * S));
            assert!(!bucket.try_accept(7 * S));
            assert_eq!(bucket.next_accept_ns(7 * S), 7 * S + interval, "{qps}");
            assert!(!bucket.try_accept(7 * S + interval - 1));
            assert!(bucket.try_accept(7 * S + interval));
            // Idle time does not bank more than one token (burst 1).
            let later = 7 * S + 10 * interval;
            assert!(bucket.try_accept(later));
            assert!(!bucket.try_accept(later + 1));
            assert_eq!(bucket.next_accept_ns(later + 1), later + interval);
        }
        // Tainting passes every 100 ms: five nodes queued at t=0 are tainted at 0, 10, 20, ... s.
        let mut bucket = TokenBucket::for_zone(NODE_EVICTION_RATE);
        let mut tainted = Vec::new();
        let mut now = 0;
        while tainted.len() < 5 {
            if bucket.try_accept(now) {
                tainted.push(now);
            }
            now += NODE_EVICTION_PERIOD_NS;
        }
        assert_eq!(tainted, vec![0, 10 * S, 20 * S, 30 * S, 40 * S]);
    }

    /// Derived: `SwapLimiter` semantics, and zero / negative rates.
    #[test]
    fn token_bucket_swap() {
        // Same rate: untouched.
        let mut bucket = TokenBucket::for_zone(0.1);
        assert!(bucket.try_accept(0));
        let before = bucket.clone();
        bucket.swap_limiter(0.1, S);
        assert_eq!(bucket, before);
        // Old limiter empty → new one drained at swap time.
        bucket.swap_limiter(0.01, S);
        assert_eq!(bucket.qps(), 0.01);
        assert!(!bucket.would_accept(S));
        assert_eq!(bucket.next_accept_ns(S), S + 100_000_002_235);
        // Stop: never accepts; reports QPS 1 like upstream's fake limiter.
        bucket.swap_limiter(0.0, 2 * S);
        assert!(bucket.is_never());
        assert_eq!(bucket.qps(), 1.0);
        assert!(!bucket.try_accept(1_000 * S));
        assert_eq!(bucket.next_accept_ns(0), u64::MAX);
        // Back to normal; the never-limiter has no token, so the new bucket starts drained.
        bucket.swap_limiter(0.1, 3 * S);
        assert!(!bucket.would_accept(3 * S));
        assert!(bucket.would_accept(3 * S + 9_999_999_850));
        // Old limiter with a token to spare: it is spent, the new bucket stays full.
        let mut full = TokenBucket::for_zone(0.1);
        full.swap_limiter(0.01, 0);
        assert!(full.try_accept(0));
        // Zero rate straight from the constructor allows `burst` events, then none.
        let mut zero = TokenBucket::new(0.0, 1);
        assert!(zero.try_accept(0));
        assert!(!zero.try_accept(1_000 * S));
        assert_eq!(zero.next_accept_ns(0), u64::MAX);
        assert!(!TokenBucket::new(-1.0, 1).would_accept(0));
        assert!(!TokenBucket::new(0.1, 0).would_accept(0));
    }

    /// Derived: `processPodOnNode` cases.
    #[test]
    fn pod_eviction_decisions() {
        use TaintEffect::*;
        let unreachable = taint(TAINT_NODE_UNREACHABLE, NoExecute);
        let not_ready = taint(TAINT_NODE_NOT_READY, NoExecute);
        let custom = taint("maintenance", NoExecute);
        let no_sched = taint(TAINT_NODE_UNREACHABLE, NoSchedule);
        let defaults = default_tolerations();
        let at = |created, fire| {
            PodEvictionDecision::Schedule(ScheduledEviction {
                created_at_ns: created,
                fire_at_ns: fire,
            })
        };

        // (taints, tolerations, now, scheduled, decision)
        let rows = vec![
            (
                vec![no_sched.clone()],
                defaults.clone(),
                10 * S,
                None,
                PodEvictionDecision::Cancel,
            ),
            (
                vec![unreachable.clone()],
                defaults.clone(),
                10 * S,
                None,
                at(10 * S, 310 * S),
            ),
            (
                vec![unreachable.clone()],
                vec![],
                10 * S,
                None,
                at(10 * S, 10 * S),
            ),
            (
                vec![custom.clone()],
                defaults.clone(),
                10 * S,
                None,
                at(10 * S, 10 * S),
            ),
            (
                vec![unreachable.clone()],
                vec![tol(TAINT_NODE_UNREACHABLE, Some(NoExecute), None)],
                10 * S,
                None,
                PodEvictionDecision::Cancel,
            ),
            // Tolerate-everything toleration (empty key, Exists) comes first: forever.
            (
                vec![unreachable.clone(), not_ready.clone()],
                [vec![tol("", None, None)], defaults.clone()].concat(),
                10 * S,
                None,
                PodEvictionDecision::Cancel,
            ),
            // Two taints, 60 s and 300 s tolerations: the minimum wins.
            (
                vec![unreachable.clone(), not_ready.clone()],
                vec![
                    tol(TAINT_NODE_NOT_READY, Some(NoExecute), Some(60)),
                    tol(TAINT_NODE_UNREACHABLE, Some(NoExecute), Some(300)),
                ],
                10 * S,
                None,
                at(10 * S, 70 * S),
            ),
            // An earlier scheduled deletion is kept, not pushed back.
            (
                vec![unreachable.clone()],
                defaults.clone(),
                20 * S,
                Some(ScheduledEviction {
                    created_at_ns: 10 * S,
                    fire_at_ns: 310 * S,
                }),
                PodEvictionDecision::Keep,
            ),
            // Same-instant re-processing replaces it, keeping the creation time.
            (
                vec![unreachable.clone()],
                vec![tol(TAINT_NODE_UNREACHABLE, Some(NoExecute), Some(30))],
                10 * S,
                Some(ScheduledEviction {
                    created_at_ns: 10 * S,
                    fire_at_ns: 310 * S,
                }),
                at(10 * S, 40 * S),
            ),
        ];
        for (taints, tolerations, now, scheduled, want) in rows {
            assert_eq!(
                process_pod_on_node(&taints, &tolerations, now, scheduled),
                want,
                "{taints:?} {tolerations:?}"
            );
        }

        // First matching toleration per taint is the one used (not the smallest overall).
        let tolerations = vec![
            tol(TAINT_NODE_UNREACHABLE, Some(NoExecute), Some(300)),
            tol(TAINT_NODE_UNREACHABLE, Some(NoExecute), Some(5)),
        ];
        let used = matching_tolerations(std::slice::from_ref(&unreachable), &tolerations).unwrap();
        assert_eq!(used, vec![&tolerations[0]]);
        assert_eq!(matching_tolerations(&[], &tolerations), Some(vec![]));
        assert_eq!(
            matching_tolerations(std::slice::from_ref(&custom), &tolerations),
            None
        );
    }

    /// Derived: DaemonSet pods and forever tolerations are never evicted by node failure.
    #[test]
    fn daemonset_and_forever_pods() {
        use TaintEffect::*;
        let taints = [
            taint(TAINT_NODE_UNREACHABLE, NoSchedule),
            taint(TAINT_NODE_UNREACHABLE, NoExecute),
        ];
        assert_eq!(
            pod_eviction_time_ns(&taints, &default_tolerations(), 0, true),
            None
        );
        assert_eq!(pod_eviction_time_ns(&taints, &[], 0, true), None);
        assert_eq!(
            pod_eviction_time_ns(&taints, &[], 5 * S, false),
            Some(5 * S)
        );
        let forever = [tol(TAINT_NODE_UNREACHABLE, Some(NoExecute), None)];
        assert_eq!(pod_eviction_time_ns(&taints, &forever, 0, false), None);
        // No NoExecute taint at all: nothing to do.
        assert_eq!(pod_eviction_time_ns(&taints[..1], &[], 0, false), None);
        // A DaemonSet pod still goes for a NoExecute taint it does not tolerate.
        let custom = [taint("maintenance", NoExecute)];
        assert_eq!(pod_eviction_time_ns(&custom, &[], 9 * S, true), Some(9 * S));
        // The DaemonSet tolerations replace a same-shaped one and are appended otherwise.
        let with = with_daemonset_no_execute_tolerations(&default_tolerations());
        assert_eq!(with.len(), 2);
        assert!(with.iter().all(|t| t.toleration_seconds.is_none()));
        assert_eq!(with_daemonset_no_execute_tolerations(&[]).len(), 2);
    }

    /// Derived: the whole chain of SPEC §14 pitfall 8 with the defaults, single healthy zone.
    #[test]
    fn failure_to_eviction_chain() {
        let config = NodeMonitorConfig::default();
        let ready = cond(ConditionStatus::True, "KubeletReady", 0);
        // Kubelet's last heartbeat observed at 3 s; ticks at 0, 5, 10, ...
        let unknown_at = first_stale_tick_ns(3 * S, config.monitor_grace_period_ns, 0, 5 * S);
        assert_eq!(unknown_at, 55 * S);
        let tick = monitor_node_health(Some(&ready), 3 * S, unknown_at, &config);
        assert_eq!(tick.observed, ConditionStatus::True); // no NoExecute queueing yet
        let now_unknown = tick.ready.unwrap();
        let next = monitor_node_health(Some(&now_unknown), 3 * S, unknown_at + 5 * S, &config);
        assert_eq!(next.observed, ConditionStatus::Unknown); // queued for tainting at 60 s
        let mut bucket = TokenBucket::for_zone(NODE_EVICTION_RATE);
        let taint_at = bucket.next_accept_ns(60 * S);
        assert!(bucket.try_accept(taint_at));
        let taints = ready_taints(ConditionStatus::Unknown);
        let evict_at = pod_eviction_time_ns(&taints, &default_tolerations(), taint_at, false);
        assert_eq!(evict_at, Some(360 * S)); // about 6 min after the failure
        assert_eq!(
            zone_key(&BTreeMap::from([(
                "topology.kubernetes.io/zone".to_string(),
                "z1".to_string()
            )])),
            ":\0:z1"
        );
        assert_eq!(zone_key(&BTreeMap::new()), "");
    }
}
