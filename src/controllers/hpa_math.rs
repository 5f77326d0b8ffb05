//! Pure arithmetic of the HorizontalPodAutoscaler controller.
//!
//! Mirrors `pkg/controller/podautoscaler/replica_calculator.go`, `metrics/utilization.go` and
//! the normalisation half of `horizontal.go` in kubernetes/kubernetes (newest behaviour;
//! fidelity SPEC §11 and pitfall 10):
//!
//! * the replica calculator: pod grouping ([`group_pod`]: ignored / unready / missing / ready),
//!   resource utilisation ([`resource_utilization_replicas`]), plain per-pod metrics
//!   ([`plain_metric_replicas`]), object and external metrics ([`object_metric_replicas`],
//!   [`object_per_pod_metric_replicas`], [`external_metric_replicas`],
//!   [`external_per_pod_metric_replicas`]). No change while the usage ratio is within the
//!   tolerance, **inclusive** (`1 − down ≤ ratio ≤ 1 + up`, 0.1 each by default); on a scale-up
//!   missing and unready pods count as using 0, on a scale-down missing pods count as using
//!   100 % of their request (or the target when that is higher) and unready pods are left out; a
//!   recomputation that flips direction means no change;
//! * normalisation without `behavior` ([`normalize_desired_replicas`]): the maximum
//!   recommendation of the last 5 minutes ([`stabilize_recommendation`]), then clamping to
//!   `[minReplicas, min(maxReplicas, max(2 × current, 4))]`
//!   ([`convert_desired_replicas_with_rules`]);
//! * normalisation with `behavior` ([`normalize_desired_replicas_with_behaviors`]): stabilisation
//!   windows (minimum over the scale-up window, maximum over the scale-down window), scaling
//!   policies per period (Pods / Percent, selectPolicy Max / Min / Disabled) over the recorded
//!   scale events ([`record_scale_event`]), and min/max clamping; default rules in
//!   [`ScalingRules::default_scale_up`] and [`ScalingRules::default_scale_down`];
//! * the guards that run before any metric ([`reconcile_start`]).
//!
//! No I/O, no clock (the reference time `now` is an argument), no hash-map iteration. Counts,
//! sums, averages and the utilisation percentage are integers, truncated where upstream
//! truncates. **Floating point is used exactly where upstream uses `float64`**: the usage ratio
//! (`float64(utilization) / float64(target)`), the tolerance comparison, `ceil(ratio × pods)`,
//! and the Percent policies (`ceil(start × (1 + p/100))`, `int(start × (1 − p/100))`). The
//! operations are the same IEEE-754 double operations in the same order (one division, one
//! addition or subtraction, one multiplication, then `ceil` or truncation; no fused
//! multiply-add), so the results are deterministic and bit-for-bit those of upstream on amd64,
//! including its rounding artefacts (e.g. 25 replicas with a 12 % scale-up policy give
//! `ceil(28.000000000000004) = 29`, not 28).

use std::fmt;

use crate::sim::time::{NANOS_PER_SEC, SimTime};

/// Default controller tolerance (`--horizontal-pod-autoscaler-tolerance`).
pub const DEFAULT_TOLERANCE: f64 = 0.1;
/// Default HPA sync period (15 s).
pub const DEFAULT_SYNC_PERIOD_NS: u64 = 15 * NANOS_PER_SEC;
/// Default downscale stabilisation window (5 min).
pub const DEFAULT_DOWNSCALE_STABILIZATION_NS: u64 = 300 * NANOS_PER_SEC;
/// Default CPU initialisation period (5 min).
pub const DEFAULT_CPU_INITIALIZATION_PERIOD_NS: u64 = 300 * NANOS_PER_SEC;
/// Default initial readiness delay (30 s).
pub const DEFAULT_INITIAL_READINESS_DELAY_NS: u64 = 30 * NANOS_PER_SEC;
/// Default CPU target utilisation when an HPA lists no metric (80 %).
pub const DEFAULT_CPU_UTILIZATION: i64 = 80;
/// Default `spec.minReplicas`.
pub const DEFAULT_MIN_REPLICAS: i64 = 1;
/// `scaleUpLimitFactor`: without `behavior`, one step may at most double the replicas…
pub const SCALE_UP_LIMIT_FACTOR: i64 = 2;
/// `scaleUpLimitMinimum`: …or go up to 4, whichever is larger.
pub const SCALE_UP_LIMIT_MINIMUM: i64 = 4;

/// Why a replica count could not be computed (`ScalingActive=False`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HpaError {
    /// "no pods returned by selector while calculating replica count".
    NoPods,
    /// "did not receive metrics for targeted pods (pods might be unready)".
    NoMetricsForTargetedPods,
    /// "missing request for `<resource>`" on the pod at this index of the input.
    MissingRequest(usize),
    /// "no metrics returned matched known pods" (the requests of the measured pods sum to 0).
    NoRequestsForMetrics,
}

impl fmt::Display for HpaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HpaError::NoPods => {
                write!(
                    f,
                    "no pods returned by selector while calculating replica count"
                )
            }
            HpaError::NoMetricsForTargetedPods => write!(
                f,
                "did not receive metrics for targeted pods (pods might be unready)"
            ),
            HpaError::MissingRequest(index) => write!(f, "missing request in pod #{index}"),
            HpaError::NoRequestsForMetrics => write!(f, "no metrics returned matched known pods"),
        }
    }
}

impl std::error::Error for HpaError {}

/// Scale-up and scale-down tolerances of the usage ratio (`Tolerances`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// No scale-down while `ratio >= 1 − scale_down`.
    pub scale_down: f64,
    /// No scale-up while `ratio <= 1 + scale_up`.
    pub scale_up: f64,
}

impl Default for Tolerances {
    /// 0.1 in both directions.
    fn default() -> Self {
        Tolerances::uniform(DEFAULT_TOLERANCE)
    }
}

impl Tolerances {
    /// The same tolerance in both directions.
    pub const fn uniform(tolerance: f64) -> Self {
        Tolerances {
            scale_down: tolerance,
            scale_up: tolerance,
        }
    }

    /// `isWithin`: `1 − scale_down <= ratio <= 1 + scale_up` (both bounds inclusive).
    pub fn is_within(&self, ratio: f64) -> bool {
        (1.0 - self.scale_down) <= ratio && ratio <= (1.0 + self.scale_up)
    }
}

/// Controller timing used by [`group_pod`] for CPU metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HpaTiming {
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` (5 min).
    pub cpu_initialization_period_ns: u64,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` (30 s).
    pub initial_readiness_delay_ns: u64,
}

impl Default for HpaTiming {
    fn default() -> Self {
        HpaTiming {
            cpu_initialization_period_ns: DEFAULT_CPU_INITIALIZATION_PERIOD_NS,
            initial_readiness_delay_ns: DEFAULT_INITIAL_READINESS_DELAY_NS,
        }
    }
}

/// Pod phase as the replica calculator distinguishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HpaPodPhase {
    /// Not all containers started; counted as unready.
    #[default]
    Pending,
    /// Running.
    Running,
    /// Completed successfully (treated like a running pod, as upstream does).
    Succeeded,
    /// Failed; ignored.
    Failed,
    /// Unknown (treated like a running pod).
    Unknown,
}

/// The pod's Ready condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyCondition {
    /// Status True.
    pub ready: bool,
    /// `lastTransitionTime`.
    pub last_transition: SimTime,
}

/// One metric sample of a pod (metrics API `PodMetric`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodSample {
    /// Value in milli-units (CPU: millicores summed over the containers).
    pub value: i64,
    /// End of the sample window.
    pub timestamp: SimTime,
    /// Length of the sample window.
    pub window_ns: u64,
}

/// What the replica calculator needs to know about one pod selected by the HPA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HpaPodView {
    /// `status.phase`.
    pub phase: HpaPodPhase,
    /// `metadata.deletionTimestamp` is set (ignored).
    pub deleting: bool,
    /// The Ready condition, if the pod has one.
    pub ready: Option<ReadyCondition>,
    /// `status.startTime`.
    pub start_time: Option<SimTime>,
    /// Request of the measured resource in milli-units summed over the containers (and sidecars);
    /// `None` when some container has no request (an error for resource metrics).
    pub request: Option<i64>,
    /// The metric sample of this pod, if the metrics API returned one.
    pub sample: Option<PodSample>,
}

/// How [`group_pod`] classifies a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PodGroup {
    /// Being deleted or Failed: left out entirely.
    Ignored,
    /// Pending, or (CPU only) still initialising: left out on scale-down, 0 on scale-up.
    Unready,
    /// No metric: 100 % of the request (or the target) on scale-down, 0 on scale-up.
    Missing,
    /// Counted with its metric.
    Ready,
}

/// A replica-count proposal of one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricProposal {
    /// Proposed replicas.
    pub replicas: i64,
    /// Current value reported in status: utilisation percent (resource utilisation targets) or
    /// average value (value targets).
    pub usage: i64,
    /// Average raw value per measured pod (resource utilisation only; else equals `usage`).
    pub raw_usage: i64,
}

/// `groupPods` for one pod. `cpu` enables the CPU start-up rules: no Ready condition or no
/// start time → unready; within `cpu_initialization_period` of the start → unready when not
/// Ready or when the sample window started before the last readiness change; later → unready
/// only when not Ready and it never became ready (the last transition is within
/// `initial_readiness_delay` of the start).
pub fn group_pod(pod: &HpaPodView, cpu: bool, now: SimTime, timing: &HpaTiming) -> PodGroup {
    if pod.deleting || pod.phase == HpaPodPhase::Failed {
        return PodGroup::Ignored;
    }
    if pod.phase == HpaPodPhase::Pending {
        return PodGroup::Unready;
    }
    let Some(sample) = pod.sample else {
        return PodGroup::Missing;
    };
    if cpu {
        let unready = match (pod.ready, pod.start_time) {
            (Some(condition), Some(start)) => {
                if start.plus_nanos(timing.cpu_initialization_period_ns) > now {
                    !condition.ready
                        || sample.timestamp < condition.last_transition.plus_nanos(sample.window_ns)
                } else {
                    !condition.ready
                        && start.plus_nanos(timing.initial_readiness_delay_ns)
                            > condition.last_transition
                }
            }
            _ => true,
        };
        if unready {
            return PodGroup::Unready;
        }
    }
    PodGroup::Ready
}

/// `getReadyPodsCount`: pods in phase Running with Ready=True (deleting pods included, as
/// upstream); an error when there is no pod at all.
pub fn ready_pod_count(pods: &[HpaPodView]) -> Result<i64, HpaError> {
    if pods.is_empty() {
        return Err(HpaError::NoPods);
    }
    Ok(pods
        .iter()
        .filter(|pod| pod.phase == HpaPodPhase::Running && pod.ready.is_some_and(|c| c.ready))
        .count() as i64)
}

/// `int32(math.Ceil(x))`, saturating.
fn ceil_i64(x: f64) -> i64 {
    x.ceil() as i64
}

/// `GetResourceUtilizationRatio` over `(pod index, value)` entries: utilisation
/// `Σ value × 100 / Σ request` (integer, truncated), ratio `utilisation / target` (float), raw
/// average `Σ value / entries`.
fn utilization_ratio(
    metrics: &[(usize, i64)],
    requests: &[i64],
    target: i64,
) -> Result<(f64, i64, i64), HpaError> {
    let total: i64 = metrics.iter().map(|&(_, value)| value).sum();
    let requested: i64 = metrics.iter().map(|&(i, _)| requests[i]).sum();
    if requested == 0 {
        return Err(HpaError::NoRequestsForMetrics);
    }
    let utilization = i64::from((total * 100 / requested) as i32);
    let ratio = utilization as f64 / target as f64;
    Ok((ratio, utilization, total / metrics.len() as i64))
}

/// `GetMetricUsageRatio`: average `Σ value / entries` (integer, truncated), ratio
/// `average / target` (float).
fn usage_ratio(metrics: &[(usize, i64)], target: i64) -> (f64, i64) {
    let total: i64 = metrics.iter().map(|&(_, value)| value).sum();
    let usage = total / metrics.len() as i64;
    (usage as f64 / target as f64, usage)
}

/// The shared second half of the per-pod calculators: fill in missing and unready pods,
/// recompute, and apply the tolerance / direction rules.
struct Recompute<'a> {
    current: i64,
    ratio: f64,
    tolerances: &'a Tolerances,
}

impl Recompute<'_> {
    fn decide(&self, new_ratio: f64, counted: usize) -> i64 {
        let (ratio, current) = (self.ratio, self.current);
        if self.tolerances.is_within(new_ratio)
            || (ratio < 1.0 && new_ratio > 1.0)
            || (ratio > 1.0 && new_ratio < 1.0)
        {
            return current;
        }
        let replicas = ceil_i64(new_ratio * counted as f64);
        if (new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current) {
            return current;
        }
        replicas
    }
}

/// The pods of one calculation, grouped.
struct Grouped {
    /// [`group_pod`] of every pod.
    groups: Vec<PodGroup>,
    /// Number of ready pods with a sample.
    ready: usize,
    /// `(pod index, value)` of the ready pods.
    metrics: Vec<(usize, i64)>,
}

/// Groups every pod; errors when there is no pod or no ready pod with a sample.
fn grouped(
    pods: &[HpaPodView],
    cpu: bool,
    now: SimTime,
    timing: &HpaTiming,
) -> Result<Grouped, HpaError> {
    if pods.is_empty() {
        return Err(HpaError::NoPods);
    }
    let groups: Vec<PodGroup> = pods
        .iter()
        .map(|p| group_pod(p, cpu, now, timing))
        .collect();
    let metrics: Vec<(usize, i64)> = pods
        .iter()
        .enumerate()
        .filter(|&(i, _)| groups[i] == PodGroup::Ready)
        .filter_map(|(i, pod)| pod.sample.map(|s| (i, s.value)))
        .collect();
    if metrics.is_empty() {
        return Err(HpaError::NoMetricsForTargetedPods);
    }
    let ready = metrics.len();
    Ok(Grouped {
        groups,
        ready,
        metrics,
    })
}

fn indexes_of(groups: &[PodGroup], group: PodGroup) -> Vec<usize> {
    (0..groups.len()).filter(|&i| groups[i] == group).collect()
}

/// `GetResourceReplicas`: replicas for a resource `averageUtilization` target (percent of the
/// request). `cpu` turns on the CPU start-up rules of [`group_pod`].
///
/// 1. Group the pods; the measured set is the ready pods with a sample (error if empty). Every
///    pod must have a request (error otherwise).
/// 2. `utilisation = Σ usage × 100 / Σ request` (truncated), `ratio = utilisation / target`.
/// 3. Without missing pods and unless scaling up with unready pods: the current count when
///    [`Tolerances::is_within`], else `ceil(ratio × ready pods)`.
/// 4. Otherwise missing pods count as `request × max(100, target) / 100` on a scale-down
///    (ratio < 1) and 0 on a scale-up (ratio > 1); on a scale-up unready pods count as 0. The
///    ratio is recomputed; the current count is kept when the new ratio is within tolerance,
///    when it crossed 1 in the other direction, or when `ceil(new ratio × counted pods)` moves
///    against the new ratio's direction.
#[allow(clippy::too_many_arguments)]
pub fn resource_utilization_replicas(
    current: i64,
    target_utilization: i64,
    pods: &[HpaPodView],
    cpu: bool,
    tolerances: &Tolerances,
    now: SimTime,
    timing: &HpaTiming,
) -> Result<MetricProposal, HpaError> {
    let Grouped {
        groups,
        ready,
        mut metrics,
    } = grouped(pods, cpu, now, timing)?;
    let requests: Vec<i64> = pods
        .iter()
        .enumerate()
        .map(|(i, pod)| pod.request.ok_or(HpaError::MissingRequest(i)))
        .collect::<Result<_, _>>()?;
    let (ratio, utilization, raw) = utilization_ratio(&metrics, &requests, target_utilization)?;
    let proposal = |replicas| MetricProposal {
        replicas,
        usage: utilization,
        raw_usage: raw,
    };
    let unready = indexes_of(&groups, PodGroup::Unready);
    let missing = indexes_of(&groups, PodGroup::Missing);
    let scale_up_with_unready = !unready.is_empty() && ratio > 1.0;
    if !scale_up_with_unready && missing.is_empty() {
        if tolerances.is_within(ratio) {
            return Ok(proposal(current));
        }
        return Ok(proposal(ceil_i64(ratio * ready as f64)));
    }
    if ratio < 1.0 {
        let fallback = target_utilization.max(100);
        metrics.extend(missing.iter().map(|&i| (i, requests[i] * fallback / 100)));
    } else if ratio > 1.0 {
        metrics.extend(missing.iter().map(|&i| (i, 0)));
    }
    if scale_up_with_unready {
        metrics.extend(unready.iter().map(|&i| (i, 0)));
    }
    let (new_ratio, _, _) = utilization_ratio(&metrics, &requests, target_utilization)?;
    let decision = Recompute {
        current,
        ratio,
        tolerances,
    };
    Ok(proposal(decision.decide(new_ratio, metrics.len())))
}

/// `calcPlainMetricReplicas`: replicas for an `averageValue` target over per-pod values (Pods
/// metrics, or a resource with an average-value target; pass `cpu` for the CPU resource).
///
/// As [`resource_utilization_replicas`] with `average = Σ value / pods` (truncated) and
/// `ratio = average / target`; on a scale-down missing pods count as exactly the target.
#[allow(clippy::too_many_arguments)]
pub fn plain_metric_replicas(
    current: i64,
    target_value: i64,
    pods: &[HpaPodView],
    cpu: bool,
    tolerances: &Tolerances,
    now: SimTime,
    timing: &HpaTiming,
) -> Result<MetricProposal, HpaError> {
    let Grouped {
        groups,
        ready,
        mut metrics,
    } = grouped(pods, cpu, now, timing)?;
    let (ratio, usage) = usage_ratio(&metrics, target_value);
    let proposal = |replicas| MetricProposal {
        replicas,
        usage,
        raw_usage: usage,
    };
    let unready = indexes_of(&groups, PodGroup::Unready);
    let missing = indexes_of(&groups, PodGroup::Missing);
    let scale_up_with_unready = !unready.is_empty() && ratio > 1.0;
    if !scale_up_with_unready && missing.is_empty() {
        if tolerances.is_within(ratio) {
            return Ok(proposal(current));
        }
        return Ok(proposal(ceil_i64(ratio * ready as f64)));
    }
    if ratio < 1.0 {
        metrics.extend(missing.iter().map(|&i| (i, target_value)));
    } else if ratio > 1.0 {
        metrics.extend(missing.iter().map(|&i| (i, 0)));
    }
    if scale_up_with_unready {
        metrics.extend(unready.iter().map(|&i| (i, 0)));
    }
    let (new_ratio, _) = usage_ratio(&metrics, target_value);
    let decision = Recompute {
        current,
        ratio,
        tolerances,
    };
    Ok(proposal(decision.decide(new_ratio, metrics.len())))
}

/// `getUsageRatioReplicaCount`: with `current > 0`, the current count within tolerance, else
/// `ceil(ratio × ready pods)` (capped at `i32::MAX`); with `current == 0`, `ceil(ratio)`.
pub fn usage_ratio_replica_count(
    current: i64,
    ratio: f64,
    ready_pods: i64,
    tolerances: &Tolerances,
) -> i64 {
    if current == 0 {
        return ceil_i64(ratio);
    }
    if tolerances.is_within(ratio) {
        return current;
    }
    let replicas = ratio * ready_pods as f64;
    if replicas > f64::from(i32::MAX) {
        i64::from(i32::MAX)
    } else {
        ceil_i64(replicas)
    }
}

/// `GetObjectMetricReplicas` (Object metric, `value` target): `ratio = value / target`, then
/// [`usage_ratio_replica_count`] with the Running-and-Ready pod count ([`ready_pod_count`]).
pub fn object_metric_replicas(
    current: i64,
    value: i64,
    target: i64,
    ready_pods: i64,
    tolerances: &Tolerances,
) -> i64 {
    usage_ratio_replica_count(
        current,
        value as f64 / target as f64,
        ready_pods,
        tolerances,
    )
}

/// The per-pod (`averageValue`) variant shared by Object and External metrics: with
/// `ratio = total / (target × status_replicas)` outside tolerance, `ceil(total / target)`
/// (capped at `i32::MAX`), else `status_replicas`. Returns `(replicas, ceil(total /
/// status_replicas))`.
fn per_pod_replicas(
    status_replicas: i64,
    total: i64,
    target_per_pod: i64,
    tolerances: &Tolerances,
) -> (i64, i64) {
    let mut replicas = status_replicas;
    let ratio = total as f64 / (target_per_pod as f64 * status_replicas as f64);
    if !tolerances.is_within(ratio) {
        let wanted = (total as f64 / target_per_pod as f64).ceil();
        replicas = if wanted > f64::from(i32::MAX) {
            i64::from(i32::MAX)
        } else {
            wanted as i64
        };
    }
    let usage = if total as f64 >= i64::MAX as f64 {
        i64::MAX
    } else {
        ceil_i64(total as f64 / status_replicas as f64)
    };
    (replicas, usage)
}

/// `GetObjectPerPodMetricReplicas` (Object metric, `averageValue` target). Returns
/// `(replicas, average value per current replica)`.
pub fn object_per_pod_metric_replicas(
    status_replicas: i64,
    value: i64,
    target_per_pod: i64,
    tolerances: &Tolerances,
) -> (i64, i64) {
    per_pod_replicas(status_replicas, value, target_per_pod, tolerances)
}

/// Σ of external metric values, saturating at `i64::MAX` on overflow.
fn external_total(values: &[i64]) -> i64 {
    values.iter().fold(0i64, |acc, &v| acc.saturating_add(v))
}

/// `GetExternalMetricReplicas` (External metric, `value` target): the values are summed, then
/// as [`object_metric_replicas`]. Returns `(replicas, sum)`.
pub fn external_metric_replicas(
    current: i64,
    values: &[i64],
    target: i64,
    ready_pods: i64,
    tolerances: &Tolerances,
) -> (i64, i64) {
    let total = external_total(values);
    let replicas = usage_ratio_replica_count(
        current,
        total as f64 / target as f64,
        ready_pods,
        tolerances,
    );
    (replicas, total)
}

/// `GetExternalPerPodMetricReplicas` (External metric, `averageValue` target): the values are
/// summed, then as [`object_per_pod_metric_replicas`].
pub fn external_per_pod_metric_replicas(
    status_replicas: i64,
    values: &[i64],
    target_per_pod: i64,
    tolerances: &Tolerances,
) -> (i64, i64) {
    per_pod_replicas(
        status_replicas,
        external_total(values),
        target_per_pod,
        tolerances,
    )
}

/// `HPAScalingPolicyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalingPolicyKind {
    /// Add / remove at most `value` pods per period.
    Pods,
    /// Add / remove at most `value` percent of the replicas at the start of the period.
    Percent,
}

/// One `HPAScalingPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScalingPolicy {
    /// Pods or Percent.
    pub kind: ScalingPolicyKind,
    /// Number of pods or percentage.
    pub value: i64,
    /// `periodSeconds`.
    pub period_s: i64,
}

/// `selectPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SelectPolicy {
    /// The policy allowing the largest change (default).
    #[default]
    Max,
    /// The policy allowing the smallest change.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// `HPAScalingRules` for one direction.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingRules {
    /// `stabilizationWindowSeconds`; `None` on scale-down means the controller's window
    /// (5 min).
    pub stabilization_window_s: Option<i64>,
    /// `selectPolicy`.
    pub select_policy: SelectPolicy,
    /// `policies`.
    pub policies: Vec<ScalingPolicy>,
    /// `tolerance` (per-direction tolerance, newer releases); `None` = controller default.
    pub tolerance: Option<f64>,
}

impl ScalingRules {
    /// API default scale-up rules: window 0 s, selectPolicy Max, policies Pods 4 / 15 s and
    /// Percent 100 / 15 s.
    pub fn default_scale_up() -> Self {
        ScalingRules {
            stabilization_window_s: Some(0),
            select_policy: SelectPolicy::Max,
            policies: vec![
                ScalingPolicy {
                    kind: ScalingPolicyKind::Pods,
                    value: 4,
                    period_s: 15,
                },
                ScalingPolicy {
                    kind: ScalingPolicyKind::Percent,
                    value: 100,
                    period_s: 15,
                },
            ],
            tolerance: None,
        }
    }

    /// API default scale-down rules: window unset (the controller's 300 s), selectPolicy Max,
    /// policy Percent 100 / 15 s.
    pub fn default_scale_down() -> Self {
        ScalingRules {
            stabilization_window_s: None,
            select_policy: SelectPolicy::Max,
            policies: vec![ScalingPolicy {
                kind: ScalingPolicyKind::Percent,
                value: 100,
                period_s: 15,
            }],
            tolerance: None,
        }
    }

    /// `getLongestPolicyPeriod` in seconds.
    pub fn longest_policy_period_s(&self) -> i64 {
        self.policies
            .iter()
            .map(|p| p.period_s)
            .max()
            .unwrap_or(0)
            .max(0)
    }
}

/// `spec.behavior` after API defaulting.
#[derive(Debug, Clone, PartialEq)]
pub struct HpaBehavior {
    /// `scaleUp`.
    pub scale_up: ScalingRules,
    /// `scaleDown`.
    pub scale_down: ScalingRules,
}

impl Default for HpaBehavior {
    /// [`ScalingRules::default_scale_up`] and [`ScalingRules::default_scale_down`].
    fn default() -> Self {
        HpaBehavior {
            scale_up: ScalingRules::default_scale_up(),
            scale_down: ScalingRules::default_scale_down(),
        }
    }
}

/// The tolerances in effect: per-direction `behavior` tolerances where set, else `default`.
pub fn tolerances_for(behavior: Option<&HpaBehavior>, default: f64) -> Tolerances {
    let pick = |rules: Option<&ScalingRules>| rules.and_then(|r| r.tolerance).unwrap_or(default);
    Tolerances {
        scale_down: pick(behavior.map(|b| &b.scale_down)),
        scale_up: pick(behavior.map(|b| &b.scale_up)),
    }
}

/// One stored recommendation (`timestampedRecommendation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampedRecommendation {
    /// Recommended replicas (before normalisation).
    pub recommendation: i64,
    /// When it was recorded.
    pub at: SimTime,
}

/// One stored scale event (`timestampedScaleEvent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleEvent {
    /// Replicas added (scale-up list) or removed (scale-down list), positive.
    pub change: i64,
    /// When the scale happened.
    pub at: SimTime,
    /// Older than the longest policy period when last checked; the slot may be reused.
    pub outdated: bool,
}

/// Reason of the `ScalingLimited` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitReason {
    /// Not limited.
    DesiredWithinRange,
    /// Limited by the scale-up rate.
    ScaleUpLimit,
    /// Limited by the scale-down rate.
    ScaleDownLimit,
    /// Limited by `maxReplicas`.
    TooManyReplicas,
    /// Limited by `minReplicas`.
    TooFewReplicas,
}

impl LimitReason {
    /// The condition reason string.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitReason::DesiredWithinRange => "DesiredWithinRange",
            LimitReason::ScaleUpLimit => "ScaleUpLimit",
            LimitReason::ScaleDownLimit => "ScaleDownLimit",
            LimitReason::TooManyReplicas => "TooManyReplicas",
            LimitReason::TooFewReplicas => "TooFewReplicas",
        }
    }
}

/// Reason of the `AbleToScale` condition after stabilisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StabilizationReason {
    /// The stabilised value equals the recommendation.
    ReadyForNewScale,
    /// A lower recent recommendation held a scale-up back.
    ScaleUpStabilized,
    /// A higher recent recommendation held a scale-down back.
    ScaleDownStabilized,
}

impl StabilizationReason {
    /// The condition reason string.
    pub fn as_str(self) -> &'static str {
        match self {
            StabilizationReason::ReadyForNewScale => "ReadyForNewScale",
            StabilizationReason::ScaleUpStabilized => "ScaleUpStabilized",
            StabilizationReason::ScaleDownStabilized => "ScaleDownStabilized",
        }
    }
}

/// Result of the normalisation functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Normalized {
    /// Final desired replicas.
    pub replicas: i64,
    /// The stabilised recommendation (before rate and min/max limits).
    pub stabilized: i64,
    /// `AbleToScale` reason.
    pub stabilization: StabilizationReason,
    /// `ScalingLimited` reason (limited when `replicas != stabilized`).
    pub limit: LimitReason,
}

/// What `reconcileAutoscaler` does before looking at metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconcileStart {
    /// `spec.replicas` of the target is 0 while `minReplicas != 0`: autoscaling is disabled
    /// (desired 0, no rescale).
    Disabled,
    /// More replicas than `maxReplicas`: scale to `maxReplicas` without metrics.
    AboveMax(i64),
    /// Fewer replicas than `minReplicas`: scale to `minReplicas` without metrics.
    BelowMin(i64),
    /// Compute the metric proposals and normalise them.
    Compute,
}

/// The guards of `reconcileAutoscaler`, in upstream order.
pub fn reconcile_start(
    spec_replicas: i64,
    current: i64,
    min_replicas: i64,
    max_replicas: i64,
) -> ReconcileStart {
    if spec_replicas == 0 && min_replicas != 0 {
        ReconcileStart::Disabled
    } else if current > max_replicas {
        ReconcileStart::AboveMax(max_replicas)
    } else if current < min_replicas {
        ReconcileStart::BelowMin(min_replicas)
    } else {
        ReconcileStart::Compute
    }
}

/// `calculateScaleUpLimit`: `max(2 × current, 4)`.
pub fn scale_up_limit(current: i64) -> i64 {
    (SCALE_UP_LIMIT_FACTOR * current).max(SCALE_UP_LIMIT_MINIMUM)
}

/// `convertDesiredReplicasWithRules` (no `behavior`): clamp `desired` to
/// `[min, min(max, scale_up_limit(current))]`.
pub fn convert_desired_replicas_with_rules(
    current: i64,
    desired: i64,
    min: i64,
    max: i64,
) -> (i64, LimitReason) {
    let limit = scale_up_limit(current);
    let (maximum, reason) = if max > limit {
        (limit, LimitReason::ScaleUpLimit)
    } else {
        (max, LimitReason::TooManyReplicas)
    };
    if desired < min {
        (min, LimitReason::TooFewReplicas)
    } else if desired > maximum {
        (maximum, reason)
    } else {
        (desired, LimitReason::DesiredWithinRange)
    }
}

/// `t + window < now`: recorded before `now − window` (`Before(cutoff)`).
fn before_cutoff(at: SimTime, window_ns: u64, now: SimTime) -> bool {
    at.plus_nanos(window_ns) < now
}

/// `t + window > now`: recorded after `now − window` (`After(cutoff)`).
fn after_cutoff(at: SimTime, window_ns: u64, now: SimTime) -> bool {
    at.plus_nanos(window_ns) > now
}

/// Stores `value` in `log`, reusing the last stale slot when there is one.
fn store_recommendation(
    log: &mut Vec<TimestampedRecommendation>,
    stale: Option<usize>,
    value: i64,
    now: SimTime,
) {
    let entry = TimestampedRecommendation {
        recommendation: value,
        at: now,
    };
    match stale {
        Some(i) => log[i] = entry,
        None => log.push(entry),
    }
}

/// `stabilizeRecommendation` (no `behavior`): the maximum of `desired` and every stored
/// recommendation not older than `window_ns`; `desired` is then stored, replacing the last
/// entry older than the window (or appended).
pub fn stabilize_recommendation(
    log: &mut Vec<TimestampedRecommendation>,
    desired: i64,
    now: SimTime,
    window_ns: u64,
) -> i64 {
    let mut max = desired;
    let mut stale = None;
    for (i, rec) in log.iter().enumerate() {
        if before_cutoff(rec.at, window_ns, now) {
            stale = Some(i);
        } else if rec.recommendation > max {
            max = rec.recommendation;
        }
    }
    store_recommendation(log, stale, desired, now);
    max
}

/// `normalizeDesiredReplicas` (no `behavior`): [`stabilize_recommendation`] over `window_ns`
/// (5 min by default), then [`convert_desired_replicas_with_rules`].
pub fn normalize_desired_replicas(
    log: &mut Vec<TimestampedRecommendation>,
    current: i64,
    desired: i64,
    min: i64,
    max: i64,
    now: SimTime,
    window_ns: u64,
) -> Normalized {
    let stabilized = stabilize_recommendation(log, desired, now, window_ns);
    let stabilization = if stabilized != desired {
        StabilizationReason::ScaleDownStabilized
    } else {
        StabilizationReason::ReadyForNewScale
    };
    let (replicas, limit) = convert_desired_replicas_with_rules(current, stabilized, min, max);
    Normalized {
        replicas,
        stabilized,
        stabilization,
        limit,
    }
}

/// `getReplicasChangePerPeriod`: Σ change of the events recorded after `now − period`.
pub fn replicas_change_per_period(period_s: i64, events: &[ScaleEvent], now: SimTime) -> i64 {
    let period_ns = (period_s.max(0) as u64).saturating_mul(NANOS_PER_SEC);
    events
        .iter()
        .filter(|event| after_cutoff(event.at, period_ns, now))
        .map(|event| event.change)
        .sum()
}

/// The replica count at the start of `period_s`: `current − added + removed` in that period.
fn period_start(
    current: i64,
    period_s: i64,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
    now: SimTime,
) -> i64 {
    current - replicas_change_per_period(period_s, up, now)
        + replicas_change_per_period(period_s, down, now)
}

/// `calculateScaleUpLimitWithScalingRules`: Disabled → `current`; otherwise per policy
/// Pods → `start + value`, Percent → `ceil(start × (1 + value/100))` (float, as upstream), with
/// `start` the replicas at the start of the policy's period; Max keeps the largest proposal, Min
/// the smallest.
pub fn scale_up_limit_with_rules(
    current: i64,
    up_events: &[ScaleEvent],
    down_events: &[ScaleEvent],
    rules: &ScalingRules,
    now: SimTime,
) -> i64 {
    let proposals = rules.policies.iter().map(|policy| {
        let start = period_start(current, policy.period_s, up_events, down_events, now);
        match policy.kind {
            ScalingPolicyKind::Pods => start + policy.value,
            ScalingPolicyKind::Percent => {
                ceil_i64(start as f64 * (1.0 + policy.value as f64 / 100.0))
            }
        }
    });
    match rules.select_policy {
        SelectPolicy::Disabled => current,
        SelectPolicy::Min => proposals.fold(i64::from(i32::MAX), i64::min),
        SelectPolicy::Max => proposals.fold(i64::from(i32::MIN), i64::max),
    }
}

/// `calculateScaleDownLimitWithBehaviors`: Disabled → `current`; otherwise per policy
/// Pods → `start − value`, Percent → `int(start × (1 − value/100))` (float, truncated, as
/// upstream); Max (largest change) keeps the smallest proposal, Min the largest.
pub fn scale_down_limit_with_rules(
    current: i64,
    up_events: &[ScaleEvent],
    down_events: &[ScaleEvent],
    rules: &ScalingRules,
    now: SimTime,
) -> i64 {
    let proposals = rules.policies.iter().map(|policy| {
        let start = period_start(current, policy.period_s, up_events, down_events, now);
        match policy.kind {
            ScalingPolicyKind::Pods => start - policy.value,
            ScalingPolicyKind::Percent => {
                (start as f64 * (1.0 - policy.value as f64 / 100.0)) as i64
            }
        }
    });
    match rules.select_policy {
        SelectPolicy::Disabled => current,
        SelectPolicy::Min => proposals.fold(i64::from(i32::MIN), i64::max),
        SelectPolicy::Max => proposals.fold(i64::from(i32::MAX), i64::min),
    }
}

/// `stabilizeRecommendationWithBehaviors`: the lowest recommendation recorded after
/// `now − up_window` and the highest recorded after `now − down_window` (both including
/// `desired`) bound `current`: the result is `current` raised to the former and lowered to the
/// latter. `desired` is then stored, replacing the last entry older than both windows.
pub fn stabilize_recommendation_with_behaviors(
    log: &mut Vec<TimestampedRecommendation>,
    current: i64,
    desired: i64,
    up_window_ns: u64,
    down_window_ns: u64,
    now: SimTime,
) -> (i64, StabilizationReason) {
    let mut up = desired;
    let mut down = desired;
    let mut stale = None;
    for (i, rec) in log.iter().enumerate() {
        if after_cutoff(rec.at, up_window_ns, now) {
            up = up.min(rec.recommendation);
        }
        if after_cutoff(rec.at, down_window_ns, now) {
            down = down.max(rec.recommendation);
        }
        if before_cutoff(rec.at, up_window_ns, now) && before_cutoff(rec.at, down_window_ns, now) {
            stale = Some(i);
        }
    }
    let recommendation = current.max(up).min(down);
    store_recommendation(log, stale, desired, now);
    let reason = if recommendation == desired {
        StabilizationReason::ReadyForNewScale
    } else if desired >= current {
        StabilizationReason::ScaleUpStabilized
    } else {
        StabilizationReason::ScaleDownStabilized
    };
    (recommendation, reason)
}

/// `convertDesiredReplicasWithBehaviorRate`: a scale-up is capped at
/// `min(max, scale-up limit)` (the limit never below `current`), a scale-down floored at
/// `max(min, scale-down limit)` (the limit never above `current`); `desired == current` passes.
#[allow(clippy::too_many_arguments)]
pub fn convert_desired_replicas_with_behavior_rate(
    current: i64,
    desired: i64,
    min: i64,
    max: i64,
    up_events: &[ScaleEvent],
    down_events: &[ScaleEvent],
    behavior: &HpaBehavior,
    now: SimTime,
) -> (i64, LimitReason) {
    if desired > current {
        let limit =
            scale_up_limit_with_rules(current, up_events, down_events, &behavior.scale_up, now)
                .max(current);
        let (maximum, reason) = if max > limit {
            (limit, LimitReason::ScaleUpLimit)
        } else {
            (max, LimitReason::TooManyReplicas)
        };
        if desired > maximum {
            return (maximum, reason);
        }
    } else if desired < current {
        let limit =
            scale_down_limit_with_rules(current, up_events, down_events, &behavior.scale_down, now)
                .min(current);
        let (minimum, reason) = if min < limit {
            (limit, LimitReason::ScaleDownLimit)
        } else {
            (min, LimitReason::TooFewReplicas)
        };
        if desired < minimum {
            return (minimum, reason);
        }
    }
    (desired, LimitReason::DesiredWithinRange)
}

fn seconds_to_ns(seconds: i64) -> u64 {
    (seconds.max(0) as u64).saturating_mul(NANOS_PER_SEC)
}

/// `normalizeDesiredReplicasWithBehaviors`: [`stabilize_recommendation_with_behaviors`] with the
/// scale-up window and the scale-down window (`default_down_window_ns` — the controller's 5 min —
/// when unset), then [`convert_desired_replicas_with_behavior_rate`].
#[allow(clippy::too_many_arguments)]
pub fn normalize_desired_replicas_with_behaviors(
    log: &mut Vec<TimestampedRecommendation>,
    up_events: &[ScaleEvent],
    down_events: &[ScaleEvent],
    behavior: &HpaBehavior,
    current: i64,
    desired: i64,
    min: i64,
    max: i64,
    now: SimTime,
    default_down_window_ns: u64,
) -> Normalized {
    let up_window = seconds_to_ns(behavior.scale_up.stabilization_window_s.unwrap_or(0));
    let down_window = behavior
        .scale_down
        .stabilization_window_s
        .map_or(default_down_window_ns, seconds_to_ns);
    let (stabilized, stabilization) =
        stabilize_recommendation_with_behaviors(log, current, desired, up_window, down_window, now);
    let (replicas, limit) = convert_desired_replicas_with_behavior_rate(
        current,
        stabilized,
        min,
        max,
        up_events,
        down_events,
        behavior,
        now,
    );
    Normalized {
        replicas,
        stabilized,
        stabilization,
        limit,
    }
}

/// `storeScaleEvent`: after a rescale from `prev` to `new`, record the change in the scale-up
/// or scale-down list (nothing without `behavior`). Events of that list older than its longest
/// policy period are marked outdated and the last outdated slot is reused; otherwise the event
/// is appended.
pub fn record_scale_event(
    up_events: &mut Vec<ScaleEvent>,
    down_events: &mut Vec<ScaleEvent>,
    behavior: Option<&HpaBehavior>,
    prev: i64,
    new: i64,
    now: SimTime,
) {
    let Some(behavior) = behavior else {
        return;
    };
    let (events, rules, change) = if new > prev {
        (up_events, &behavior.scale_up, new - prev)
    } else {
        (down_events, &behavior.scale_down, prev - new)
    };
    let period_ns = seconds_to_ns(rules.longest_policy_period_s());
    let mut slot = None;
    for (i, event) in events.iter_mut().enumerate() {
        if before_cutoff(event.at, period_ns, now) {
            event.outdated = true;
        }
        if event.outdated {
            slot = Some(i);
        }
    }
    let event = ScaleEvent {
        change,
        at: now,
        outdated: false,
    };
    match slot {
        Some(i) => events[i] = event,
        None => events.push(event),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = NANOS_PER_SEC;

    fn now() -> SimTime {
        SimTime::from_secs(3600)
    }

    fn ago(secs: u64) -> SimTime {
        SimTime(now().0 - secs * SEC)
    }

    /// A pod as `prepareTestClientSet` builds it: Running, Ready=`ready` since its start, started
    /// 10 min ago ("cool") or 30 s ago ("hot", inside the CPU initialisation window), request
    /// 1000 m, and a sample taken now over 60 s when `usage` is given.
    fn pod(ready: bool, hot: bool, usage: Option<i64>) -> HpaPodView {
        let start = if hot { ago(30) } else { ago(600) };
        HpaPodView {
            phase: HpaPodPhase::Running,
            deleting: false,
            ready: Some(ReadyCondition {
                ready,
                last_transition: start,
            }),
            start_time: Some(start),
            request: Some(1000),
            sample: usage.map(|value| PodSample {
                value,
                timestamp: now(),
                window_ns: 60 * SEC,
            }),
        }
    }

    fn ready(usage: i64) -> HpaPodView {
        pod(true, false, Some(usage))
    }

    fn with_phase(phase: HpaPodPhase, p: HpaPodView) -> HpaPodView {
        HpaPodView { phase, ..p }
    }

    fn deleting(p: HpaPodView) -> HpaPodView {
        HpaPodView {
            deleting: true,
            ..p
        }
    }

    fn resource(current: i64, target: i64, pods: &[HpaPodView]) -> (i64, i64) {
        let got = resource_utilization_replicas(
            current,
            target,
            pods,
            true,
            &Tolerances::default(),
            now(),
            &HpaTiming::default(),
        )
        .unwrap();
        (got.replicas, got.usage)
    }

    /// SPEC §11.b replica calculator (resource utilisation), all 19 rows:
    /// (current, pods, target) → (desired, utilisation).
    #[test]
    fn test_replica_calc_resource() {
        use HpaPodPhase::*;
        type Row = (&'static str, i64, Vec<HpaPodView>, i64, (i64, i64));
        let rows: Vec<Row> = vec![
            (
                "ScaleUp",
                3,
                vec![ready(300), ready(500), ready(700)],
                30,
                (5, 50),
            ),
            (
                "ScaleUpUnreadyLessScale",
                3,
                vec![pod(false, false, Some(300)), ready(500), ready(700)],
                30,
                (4, 60),
            ),
            (
                "ScaleUpUnreadyNoScale",
                3,
                vec![
                    ready(400),
                    pod(false, false, Some(500)),
                    pod(false, false, Some(700)),
                ],
                30,
                (3, 40),
            ),
            (
                "ScaleHotCpuNoScale",
                3,
                vec![
                    ready(400),
                    pod(false, true, Some(500)),
                    pod(false, true, Some(700)),
                ],
                30,
                (3, 40),
            ),
            (
                "ScaleUpIgnoresFailedPods",
                2,
                vec![
                    ready(500),
                    ready(700),
                    with_phase(Failed, pod(false, false, None)),
                    with_phase(Failed, pod(false, false, None)),
                ],
                30,
                (4, 60),
            ),
            (
                "ScaleUpIgnoresDeletionPods",
                2,
                vec![
                    ready(500),
                    ready(700),
                    deleting(pod(false, false, None)),
                    deleting(pod(false, false, None)),
                ],
                30,
                (4, 60),
            ),
            (
                "ScaleDown",
                5,
                vec![ready(100), ready(300), ready(500), ready(250), ready(250)],
                50,
                (3, 28),
            ),
            (
                "ScaleDownExcludeUnscheduledPods",
                5,
                vec![
                    ready(100),
                    with_phase(Pending, pod(false, false, None)),
                    with_phase(Pending, pod(false, false, None)),
                    with_phase(Pending, pod(false, false, None)),
                    with_phase(Pending, pod(false, false, None)),
                ],
                50,
                (1, 10),
            ),
            (
                "ScaleDownIgnoreHotCpuPods",
                5,
                vec![
                    ready(100),
                    ready(300),
                    ready(500),
                    pod(true, true, Some(250)),
                    pod(true, true, Some(250)),
                ],
                50,
                (2, 30),
            ),
            (
                "ScaleDownIgnoresFailedPods",
                5,
                vec![
                    ready(100),
                    ready(300),
                    ready(500),
                    ready(250),
                    ready(250),
                    with_phase(Failed, pod(false, false, None)),
                    with_phase(Failed, pod(false, false, None)),
                ],
                50,
                (3, 28),
            ),
            (
                "ScaleDownIgnoresDeletionPods",
                5,
                vec![
                    ready(100),
                    ready(300),
                    ready(500),
                    ready(250),
                    ready(250),
                    deleting(pod(false, false, None)),
                    deleting(pod(false, false, None)),
                ],
                50,
                (3, 28),
            ),
            (
                // Metrics 3200 and 2000 belong to no listed pod: nothing to attach them to.
                "SuperfluousMetrics",
                4,
                vec![ready(4000), ready(9500), ready(3000), ready(7000)],
                100,
                (24, 587),
            ),
            (
                "MissingMetrics",
                4,
                vec![
                    ready(400),
                    ready(95),
                    pod(true, false, None),
                    pod(true, false, None),
                ],
                100,
                (3, 24),
            ),
            (
                "MissingMetricsNoChangeEq",
                2,
                vec![ready(1000), pod(true, false, None)],
                100,
                (2, 100),
            ),
            (
                "MissingMetricsNoChangeLt",
                2,
                vec![ready(600), pod(true, false, None)],
                100,
                (2, 60),
            ),
            (
                "MissingMetricsUnreadyChange",
                3,
                vec![
                    pod(false, false, Some(100)),
                    ready(450),
                    pod(true, false, None),
                ],
                50,
                (3, 45),
            ),
            (
                "MissingMetricsHotCpuNoChange",
                3,
                vec![
                    pod(true, true, Some(100)),
                    ready(450),
                    pod(true, false, None),
                ],
                50,
                (3, 45),
            ),
            (
                "MissingMetricsHotCpuScaleUp",
                3,
                vec![
                    pod(false, true, Some(100)),
                    ready(2000),
                    pod(true, false, None),
                ],
                50,
                (4, 200),
            ),
            (
                "MissingMetricsUnreadyScaleDown",
                4,
                vec![
                    pod(false, false, Some(100)),
                    ready(100),
                    ready(100),
                    pod(true, false, None),
                ],
                50,
                (3, 10),
            ),
        ];
        assert_eq!(rows.len(), 19);
        for (name, current, pods, target, want) in rows {
            assert_eq!(resource(current, target, &pods), want, "{name}");
        }
    }

    fn plain(current: i64, target: i64, pods: &[HpaPodView]) -> i64 {
        plain_metric_replicas(
            current,
            target,
            pods,
            false,
            &Tolerances::default(),
            now(),
            &HpaTiming::default(),
        )
        .unwrap()
        .replicas
    }

    /// SPEC §11.b custom / object / external metrics, all 14 rows.
    #[test]
    fn test_replica_calc_custom_metrics() {
        let tol = Tolerances::default();
        let ready_count = |pods: &[HpaPodView]| ready_pod_count(pods).unwrap();
        let three = [ready(0), ready(0), ready(0)];
        let five = [ready(0), ready(0), ready(0), ready(0), ready(0)];
        let unready_mix = [
            pod(false, false, None),
            pod(true, false, None),
            pod(false, false, None),
        ];
        let rows: Vec<(&str, i64, i64)> = vec![
            (
                "ScaleUpCM",
                plain(3, 15000, &[ready(20000), ready(10000), ready(30000)]),
                4,
            ),
            (
                "ScaleUpCMUnreadyHotCpuNoLessScale",
                plain(
                    3,
                    15000,
                    &[ready(50000), ready(10000), pod(false, true, Some(30000))],
                ),
                6,
            ),
            (
                "ScaleUpCMObject",
                object_metric_replicas(3, 20000, 15000, ready_count(&three), &tol),
                4,
            ),
            (
                "ScaleUpCMObjectIgnoresUnreadyPods",
                object_metric_replicas(3, 50000, 10000, ready_count(&unready_mix), &tol),
                5,
            ),
            (
                "ScaleUpCMExternal",
                external_metric_replicas(1, &[8600], 4400, ready_count(&[ready(0)]), &tol).0,
                2,
            ),
            (
                "ScaleUpPerPodCMExternal",
                external_per_pod_metric_replicas(3, &[8600], 2150, &tol).0,
                4,
            ),
            ("ScaleDownCM", plain(5, 20000, &[ready(12000); 5]), 3),
            (
                "ScaleDownPerPodCMObject",
                object_per_pod_metric_replicas(5, 6000, 2000, &tol).0,
                3,
            ),
            (
                "ScaleDownCMObject",
                object_metric_replicas(5, 12000, 20000, ready_count(&five), &tol),
                3,
            ),
            (
                "ScaleDownPerPodCMExternal",
                external_per_pod_metric_replicas(5, &[8600], 2867, &tol).0,
                3,
            ),
            (
                "ToleranceCM",
                plain(3, 20000, &[ready(20000), ready(21000), ready(21000)]),
                3,
            ),
            (
                "ToleranceCMObject",
                object_metric_replicas(3, 20666, 20000, ready_count(&three), &tol),
                3,
            ),
            (
                "ToleranceCMExternal",
                external_metric_replicas(3, &[8600], 8888, ready_count(&three), &tol).0,
                3,
            ),
            (
                "TolerancePerPodCMExternal",
                external_per_pod_metric_replicas(3, &[8600], 2900, &tol).0,
                3,
            ),
        ];
        assert_eq!(rows.len(), 14);
        for (name, got, want) in rows {
            assert_eq!(got, want, "{name}");
        }
    }

    /// SPEC §11.b `TestConvertDesiredReplicasWithRules`, all 3 rows.
    #[test]
    fn test_convert_desired_replicas_with_rules() {
        let rows = [
            (5, 7, 3, 8, 7, LimitReason::DesiredWithinRange),
            (3, 1, 2, 8, 2, LimitReason::TooFewReplicas),
            (20, 1000, 1, 10, 10, LimitReason::TooManyReplicas),
        ];
        for (n, (current, desired, min, max, want, reason)) in rows.into_iter().enumerate() {
            assert_eq!(
                convert_desired_replicas_with_rules(current, desired, min, max),
                (want, reason),
                "row {}",
                n + 1
            );
        }
        // The scale-up limit max(2 × current, 4).
        assert_eq!(
            convert_desired_replicas_with_rules(1, 100, 1, 100),
            (4, LimitReason::ScaleUpLimit)
        );
        assert_eq!(
            convert_desired_replicas_with_rules(10, 100, 1, 100),
            (20, LimitReason::ScaleUpLimit)
        );
    }

    /// SPEC §11.b `TestNormalizeDesiredReplicas` (window 5 min), all 4 rows:
    /// recommendations as (value, age in s) → (stabilised, log length after).
    #[test]
    fn test_normalize_desired_replicas() {
        type Row = (Vec<(i64, u64)>, i64, (i64, usize));
        let rows: Vec<Row> = vec![
            (vec![], 5, (5, 1)),
            (vec![(4, 120), (5, 60)], 3, (5, 3)),
            (vec![(1, 120), (2, 60)], 3, (3, 3)),
            (vec![(10, 600), (4, 60), (5, 120), (9, 540)], 3, (5, 4)),
        ];
        for (n, (stored, desired, want)) in rows.into_iter().enumerate() {
            let mut log: Vec<TimestampedRecommendation> = stored
                .iter()
                .map(|&(recommendation, age)| TimestampedRecommendation {
                    recommendation,
                    at: ago(age),
                })
                .collect();
            let got = stabilize_recommendation(
                &mut log,
                desired,
                now(),
                DEFAULT_DOWNSCALE_STABILIZATION_NS,
            );
            assert_eq!((got, log.len()), want, "row {}", n + 1);
        }
        // Through the full normalisation: stabilised, then clamped.
        let mut log = vec![TimestampedRecommendation {
            recommendation: 9,
            at: ago(60),
        }];
        let got = normalize_desired_replicas(
            &mut log,
            5,
            2,
            1,
            8,
            now(),
            DEFAULT_DOWNSCALE_STABILIZATION_NS,
        );
        assert_eq!(
            got,
            Normalized {
                replicas: 8,
                stabilized: 9,
                stabilization: StabilizationReason::ScaleDownStabilized,
                limit: LimitReason::TooManyReplicas,
            }
        );
    }

    /// Derived (§11.a, pitfall 10): the tolerance is inclusive on both sides.
    #[test]
    fn tolerance_is_inclusive() {
        let tol = Tolerances::default();
        assert!(tol.is_within(110.0 / 100.0));
        assert!(tol.is_within(90.0 / 100.0));
        assert!(!tol.is_within(111.0 / 100.0));
        assert!(!tol.is_within(89.0 / 100.0));
        // 110 % of a 100 % target on 10 pods: no change.
        let pods = vec![ready(1100); 10];
        assert_eq!(resource(10, 100, &pods), (10, 110));
        let pods = vec![ready(1110); 10];
        assert_eq!(resource(10, 100, &pods), (12, 111));
        let asymmetric = Tolerances {
            scale_down: 0.0,
            scale_up: 0.5,
        };
        assert!(asymmetric.is_within(1.5));
        assert!(!asymmetric.is_within(0.99));
    }

    #[test]
    fn calculator_errors() {
        let tol = Tolerances::default();
        let timing = HpaTiming::default();
        let run = |pods: &[HpaPodView]| {
            resource_utilization_replicas(3, 50, pods, true, &tol, now(), &timing)
        };
        assert_eq!(run(&[]), Err(HpaError::NoPods));
        assert_eq!(
            run(&[pod(true, false, None)]),
            Err(HpaError::NoMetricsForTargetedPods)
        );
        let no_request = HpaPodView {
            request: None,
            ..ready(100)
        };
        assert_eq!(
            run(&[ready(100), no_request]),
            Err(HpaError::MissingRequest(1))
        );
        assert_eq!(ready_pod_count(&[]), Err(HpaError::NoPods));
        // Scale from zero: ceil(ratio) without tolerance.
        assert_eq!(object_metric_replicas(0, 100, 1000, 0, &tol), 1);
        assert_eq!(object_metric_replicas(0, 0, 1000, 0, &tol), 0);
    }

    fn pods_policy(value: i64, period_s: i64) -> ScalingPolicy {
        ScalingPolicy {
            kind: ScalingPolicyKind::Pods,
            value,
            period_s,
        }
    }

    fn percent_policy(value: i64, period_s: i64) -> ScalingPolicy {
        ScalingPolicy {
            kind: ScalingPolicyKind::Percent,
            value,
            period_s,
        }
    }

    fn rules(select: SelectPolicy, policies: Vec<ScalingPolicy>) -> ScalingRules {
        ScalingRules {
            stabilization_window_s: Some(0),
            select_policy: select,
            policies,
            tolerance: None,
        }
    }

    /// Derived (§0 defaults, §11.a): default scale-up is max(+4 pods, ×2) per 15 s; default
    /// scale-down removes up to 100 % per 15 s.
    #[test]
    fn default_behavior_limits() {
        let b = HpaBehavior::default();
        let up = |current| scale_up_limit_with_rules(current, &[], &[], &b.scale_up, now());
        assert_eq!((up(1), up(2), up(4), up(10)), (5, 6, 8, 20));
        assert_eq!(
            scale_down_limit_with_rules(10, &[], &[], &b.scale_down, now()),
            0
        );
        // Events within the period shrink the budget: 6 added 10 s ago from 4 → start 4.
        let events = [ScaleEvent {
            change: 6,
            at: ago(10),
            outdated: false,
        }];
        assert_eq!(
            scale_up_limit_with_rules(10, &events, &[], &b.scale_up, now()),
            8
        );
        // …but not once the period has passed.
        let old = [ScaleEvent {
            change: 6,
            at: ago(15),
            outdated: false,
        }];
        assert_eq!(
            scale_up_limit_with_rules(10, &old, &[], &b.scale_up, now()),
            20
        );
    }

    /// Derived (§11.a, pitfall 1): Percent up uses ceil, down truncates; Min/Max/Disabled.
    #[test]
    fn policy_selection_and_rounding() {
        let up = |current, r: &ScalingRules| scale_up_limit_with_rules(current, &[], &[], r, now());
        let down =
            |current, r: &ScalingRules| scale_down_limit_with_rules(current, &[], &[], r, now());
        let pct10 = rules(SelectPolicy::Max, vec![percent_policy(10, 60)]);
        assert_eq!(up(3, &pct10), 4); // ceil(3.3000000000000003)
        assert_eq!(
            down(7, &rules(SelectPolicy::Max, vec![percent_policy(30, 60)])),
            4
        ); // int(4.8999999999999995)
        assert_eq!(down(5, &pct10), 4); // int(4.5)
        // Float artefact kept from upstream: ceil(25 × 1.12) = ceil(28.000000000000004) = 29.
        assert_eq!(
            up(25, &rules(SelectPolicy::Max, vec![percent_policy(12, 60)])),
            29
        );
        let both = vec![pods_policy(2, 60), percent_policy(50, 60)];
        assert_eq!(up(10, &rules(SelectPolicy::Max, both.clone())), 15);
        assert_eq!(up(10, &rules(SelectPolicy::Min, both.clone())), 12);
        assert_eq!(down(10, &rules(SelectPolicy::Max, both.clone())), 5);
        assert_eq!(down(10, &rules(SelectPolicy::Min, both.clone())), 8);
        assert_eq!(up(10, &rules(SelectPolicy::Disabled, both.clone())), 10);
        assert_eq!(down(10, &rules(SelectPolicy::Disabled, both)), 10);
    }

    /// Derived (§11.a): stabilisation with behaviors (min over the up window, max over the down
    /// window) and the rate limits, clamped to min/max.
    #[test]
    fn normalize_with_behaviors() {
        let behavior = HpaBehavior::default();
        let window = DEFAULT_DOWNSCALE_STABILIZATION_NS;
        // Scale-down held by a higher recommendation within 300 s.
        let mut log = vec![TimestampedRecommendation {
            recommendation: 8,
            at: ago(100),
        }];
        let got = normalize_desired_replicas_with_behaviors(
            &mut log,
            &[],
            &[],
            &behavior,
            10,
            3,
            1,
            20,
            now(),
            window,
        );
        assert_eq!((got.stabilized, got.replicas), (8, 8));
        assert_eq!(got.stabilization, StabilizationReason::ScaleDownStabilized);
        assert_eq!(log.len(), 2);
        // Scale-up is not stabilised (window 0) but rate-limited: 2 → max(6, 4) = 6.
        let mut log = Vec::new();
        let got = normalize_desired_replicas_with_behaviors(
            &mut log,
            &[],
            &[],
            &behavior,
            2,
            50,
            1,
            100,
            now(),
            window,
        );
        assert_eq!((got.replicas, got.limit), (6, LimitReason::ScaleUpLimit));
        // maxReplicas binds before the rate.
        let mut log = Vec::new();
        let got = normalize_desired_replicas_with_behaviors(
            &mut log,
            &[],
            &[],
            &behavior,
            2,
            50,
            1,
            5,
            now(),
            window,
        );
        assert_eq!((got.replicas, got.limit), (5, LimitReason::TooManyReplicas));
        // Scale-down rate: 1 pod per 60 s, one removed 30 s ago → limit stays at current.
        let slow = HpaBehavior {
            scale_down: ScalingRules {
                stabilization_window_s: Some(0),
                ..rules(SelectPolicy::Max, vec![pods_policy(1, 60)])
            },
            ..HpaBehavior::default()
        };
        let removed = [ScaleEvent {
            change: 1,
            at: ago(30),
            outdated: false,
        }];
        let mut log = Vec::new();
        let got = normalize_desired_replicas_with_behaviors(
            &mut log,
            &[],
            &removed,
            &slow,
            9,
            2,
            1,
            20,
            now(),
            window,
        );
        assert_eq!((got.replicas, got.limit), (9, LimitReason::ScaleDownLimit));
        let mut log = Vec::new();
        let got = normalize_desired_replicas_with_behaviors(
            &mut log,
            &[],
            &[],
            &slow,
            9,
            2,
            1,
            20,
            now(),
            window,
        );
        assert_eq!((got.replicas, got.limit), (8, LimitReason::ScaleDownLimit));
        // minReplicas binds.
        let mut log = Vec::new();
        let got = normalize_desired_replicas_with_behaviors(
            &mut log,
            &[],
            &[],
            &behavior,
            9,
            2,
            4,
            20,
            now(),
            window,
        );
        assert_eq!((got.replicas, got.limit), (4, LimitReason::TooFewReplicas));
    }

    #[test]
    fn scale_event_recording() {
        let behavior = HpaBehavior::default();
        let (mut up, mut down) = (Vec::new(), Vec::new());
        record_scale_event(&mut up, &mut down, None, 2, 4, ago(100));
        assert!(up.is_empty());
        record_scale_event(&mut up, &mut down, Some(&behavior), 2, 4, ago(100));
        record_scale_event(&mut up, &mut down, Some(&behavior), 4, 6, ago(95));
        assert_eq!(up.len(), 2);
        // 100 s and 95 s ago are older than the 15 s period: the last outdated slot is reused.
        record_scale_event(&mut up, &mut down, Some(&behavior), 6, 9, now());
        assert_eq!(up.len(), 2);
        assert!(up[0].outdated);
        assert_eq!(
            up[1],
            ScaleEvent {
                change: 3,
                at: now(),
                outdated: false
            }
        );
        record_scale_event(&mut up, &mut down, Some(&behavior), 9, 7, now());
        assert_eq!(
            down,
            vec![ScaleEvent {
                change: 2,
                at: now(),
                outdated: false
            }]
        );
        assert_eq!(
            replicas_change_per_period(15, &up, now().plus_nanos(SEC)),
            3
        );
    }

    #[test]
    fn reconcile_guards_and_tolerances() {
        assert_eq!(reconcile_start(0, 0, 1, 10), ReconcileStart::Disabled);
        assert_eq!(reconcile_start(12, 12, 1, 10), ReconcileStart::AboveMax(10));
        assert_eq!(reconcile_start(1, 1, 2, 10), ReconcileStart::BelowMin(2));
        assert_eq!(reconcile_start(5, 5, 1, 10), ReconcileStart::Compute);
        assert_eq!(reconcile_start(0, 0, 0, 10), ReconcileStart::Compute);
        let mut b = HpaBehavior::default();
        b.scale_up.tolerance = Some(0.05);
        let t = tolerances_for(Some(&b), DEFAULT_TOLERANCE);
        assert_eq!((t.scale_up, t.scale_down), (0.05, 0.1));
        assert_eq!(tolerances_for(None, 0.2), Tolerances::uniform(0.2));
    }
}
