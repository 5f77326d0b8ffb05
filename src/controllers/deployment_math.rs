//! Pure arithmetic of the Deployment controller.
//!
//! Mirrors the integer rules of `pkg/controller/deployment/util/deployment_util.go`,
//! `pkg/controller/deployment/rolling.go`, `sync.go` and `progress.go` in kubernetes/kubernetes
//! (newest behaviour; see fidelity SPEC §1 and §2):
//!
//! * surge / unavailability fenceposts ([`resolve_fenceposts`], [`max_unavailable`],
//!   [`min_available`], [`max_surge`]);
//! * the two halves of one rolling-update sync ([`reconcile_new_replica_set`] using
//!   [`new_rs_new_replicas`], then [`reconcile_old_replica_sets`] which runs
//!   [`cleanup_unhealthy_replicas`] followed by [`scale_down_old_replica_sets_for_rolling_update`]);
//! * proportional scaling of a resized deployment ([`proportional_scale`], using
//!   [`get_replica_set_fraction`] and [`is_saturated`]);
//! * status predicates ([`deployment_complete`], [`deployment_progressing`],
//!   [`deployment_timed_out`]) and revision-history clean-up ([`old_rss_to_cleanup`]).
//!
//! Everything is a pure function of its arguments: no I/O, no clock, no hash-map iteration, and
//! only integer arithmetic. Where upstream divides in `float64` and rounds with `RoundToInt32`
//! (round half away from zero) the exact rational is rounded with integers instead, which gives
//! the same result for every realistic size and never overflows (upstream multiplies in `int32`
//! first).
//!
//! Replica sets are described by [`RsView`]; "oldest" means smallest `created_seq`, ties broken
//! by `name` (`ReplicaSetsByCreationTimestamp`).

use std::cmp::Ordering;

use crate::model::intstr::IntOrPercent;

/// `Progressing` condition reason set once the new replica set is fully available
/// (`NewRSAvailableReason`); a deployment in this state never times out.
pub const NEW_RS_AVAILABLE_REASON: &str = "NewReplicaSetAvailable";

/// `Progressing` condition reason recorded once the progress deadline was exceeded
/// (`TimedOutReason`); a deployment in this state stays timed out.
pub const TIMED_OUT_REASON: &str = "ProgressDeadlineExceeded";

/// `progressDeadlineSeconds` value that means "no deadline" (`math.MaxInt32`).
pub const NO_PROGRESS_DEADLINE: i64 = i32::MAX as i64;

/// Deployment strategy type (`spec.strategy.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StrategyKind {
    /// Replace pods gradually, bounded by `maxSurge` / `maxUnavailable`.
    RollingUpdate,
    /// Scale every old replica set to zero, then create the new one at full size.
    Recreate,
}

/// What the deployment arithmetic needs to know about one ReplicaSet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RsView {
    /// ReplicaSet name; breaks ties between equal creation sequence numbers.
    pub name: String,
    /// Creation order: smaller is older (stands in for `creationTimestamp`).
    pub created_seq: u64,
    /// `spec.replicas`.
    pub spec_replicas: i64,
    /// `status.replicas` (pods that currently exist for this RS).
    pub status_replicas: i64,
    /// `status.availableReplicas`.
    pub available: i64,
    /// `deployment.kubernetes.io/desired-replicas` annotation; `None` when missing or unparsable.
    pub desired_annotation: Option<i64>,
    /// `deployment.kubernetes.io/max-replicas` annotation; `None` when missing or unparsable.
    pub max_replicas_annotation: Option<i64>,
}

/// Deployment status counters used by the progress and completion predicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusCounts {
    /// `status.replicas`.
    pub replicas: i64,
    /// `status.updatedReplicas`.
    pub updated: i64,
    /// `status.readyReplicas`.
    pub ready: i64,
    /// `status.availableReplicas`.
    pub available: i64,
}

/// Result of [`cleanup_unhealthy_replicas`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CleanupOutcome {
    /// `(index into old_rss, new spec.replicas)` for every replica set scaled, oldest first.
    pub scaled: Vec<(usize, i64)>,
    /// Total number of replicas removed.
    pub cleaned: i64,
    /// True when upstream would have returned an error (a replica set reporting more available
    /// than desired replicas, which would mean scaling *up*); the scaling done before that point
    /// stands, and `reconcileOldReplicaSets` then skips the scale-down step.
    pub aborted: bool,
}

/// `ResolveFenceposts(maxSurge, maxUnavailable, desired)`: returns `(surge, unavailable)`.
///
/// A missing value counts as `0`; surge rounds **up**, unavailable rounds **down** against
/// `desired`; when both come out as 0, unavailable becomes 1. (Unparsable strings are rejected
/// earlier by [`IntOrPercent::parse`].)
pub fn resolve_fenceposts(
    max_surge: Option<IntOrPercent>,
    max_unavailable: Option<IntOrPercent>,
    desired: i64,
) -> (i64, i64) {
    let surge = max_surge
        .unwrap_or(IntOrPercent::Int(0))
        .scaled_value(desired, true);
    let mut unavailable = max_unavailable
        .unwrap_or(IntOrPercent::Int(0))
        .scaled_value(desired, false);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable)
}

/// `MaxUnavailable(d)`: 0 unless RollingUpdate with `replicas > 0`; otherwise the resolved
/// unavailability, capped at `replicas`.
pub fn max_unavailable(
    strategy: StrategyKind,
    replicas: i64,
    max_surge: Option<IntOrPercent>,
    max_unavailable: Option<IntOrPercent>,
) -> i64 {
    if strategy != StrategyKind::RollingUpdate || replicas == 0 {
        return 0;
    }
    let (_, unavailable) = resolve_fenceposts(max_surge, max_unavailable, replicas);
    unavailable.min(replicas)
}

/// `MinAvailable(d)`: `replicas - MaxUnavailable(d)` for RollingUpdate, 0 otherwise.
pub fn min_available(
    strategy: StrategyKind,
    replicas: i64,
    max_surge: Option<IntOrPercent>,
    max_unavailable_value: Option<IntOrPercent>,
) -> i64 {
    if strategy != StrategyKind::RollingUpdate {
        return 0;
    }
    replicas - max_unavailable(strategy, replicas, max_surge, max_unavailable_value)
}

/// `MaxSurge(d)`: the resolved surge for RollingUpdate (not capped), 0 otherwise.
pub fn max_surge(
    strategy: StrategyKind,
    replicas: i64,
    max_surge_value: Option<IntOrPercent>,
    max_unavailable_value: Option<IntOrPercent>,
) -> i64 {
    if strategy != StrategyKind::RollingUpdate {
        return 0;
    }
    resolve_fenceposts(max_surge_value, max_unavailable_value, replicas).0
}

/// `NewRSNewReplicas`: the size the new replica set may have now.
///
/// Recreate: `spec_replicas`. RollingUpdate: with `maxTotal = spec_replicas + surge_resolved`
/// (surge rounded up against `spec_replicas`) and `current = all_rs_spec_replicas_sum` (every
/// RS, new one included), keep `new_rs_spec_replicas` when `current >= maxTotal`, otherwise add
/// `min(maxTotal - current, spec_replicas - new_rs_spec_replicas)`.
pub fn new_rs_new_replicas(
    strategy: StrategyKind,
    spec_replicas: i64,
    surge_resolved: i64,
    all_rs_spec_replicas_sum: i64,
    new_rs_spec_replicas: i64,
) -> i64 {
    match strategy {
        StrategyKind::Recreate => spec_replicas,
        StrategyKind::RollingUpdate => {
            let max_total = spec_replicas + surge_resolved;
            if all_rs_spec_replicas_sum >= max_total {
                return new_rs_spec_replicas;
            }
            let scale_up =
                (max_total - all_rs_spec_replicas_sum).min(spec_replicas - new_rs_spec_replicas);
            new_rs_spec_replicas + scale_up
        }
    }
}

/// `reconcileNewReplicaSet` (RollingUpdate): the new size of the new replica set when it must
/// change, `None` when it stays.
///
/// Equal to `spec_replicas` → `None`; larger → scale down to `spec_replicas`; smaller → the
/// [`new_rs_new_replicas`] size (`None` if that equals the current size). When this returns
/// `Some`, upstream ends the sync there (scale-down waits for the next sync).
pub fn reconcile_new_replica_set(
    spec_replicas: i64,
    surge: i64,
    all_rs_sum: i64,
    new_rs_replicas: i64,
) -> Option<i64> {
    if new_rs_replicas == spec_replicas {
        return None;
    }
    if new_rs_replicas > spec_replicas {
        return Some(spec_replicas);
    }
    let size = new_rs_new_replicas(
        StrategyKind::RollingUpdate,
        spec_replicas,
        surge,
        all_rs_sum,
        new_rs_replicas,
    );
    (size != new_rs_replicas).then_some(size)
}

/// `ReplicaSetsByCreationTimestamp.Less`: older first, ties by name.
fn cmp_by_creation(a: &RsView, b: &RsView) -> Ordering {
    a.created_seq
        .cmp(&b.created_seq)
        .then_with(|| a.name.cmp(&b.name))
}

/// Indices of `rss` (restricted to `keep`) sorted oldest first.
fn oldest_first(rss: &[RsView], keep: impl Fn(&RsView) -> bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rss.len()).filter(|&i| keep(&rss[i])).collect();
    order.sort_by(|&a, &b| cmp_by_creation(&rss[a], &rss[b]));
    order
}

/// Core of `cleanupUnhealthyReplicas` over `order` (already oldest first) and the working
/// sizes `specs`. Returns `(total cleaned, aborted)`.
fn cleanup_unhealthy_in_place(
    order: &[usize],
    rss: &[RsView],
    specs: &mut [i64],
    max_cleanup_count: i64,
) -> (i64, bool) {
    let mut total = 0;
    for &i in order {
        if total >= max_cleanup_count {
            break;
        }
        let spec = specs[i];
        if spec == 0 {
            continue;
        }
        let available = rss[i].available;
        if spec == available {
            continue;
        }
        let count = (max_cleanup_count - total).min(spec - available);
        let new_count = spec - count;
        if new_count > spec {
            // Upstream: "got invalid request to scale down" error.
            return (total, true);
        }
        specs[i] = new_count;
        total += count;
    }
    (total, false)
}

/// Core of `scaleDownOldReplicaSetsForRollingUpdate` over `order` (already oldest first) and
/// the working sizes `specs`. Returns the number of replicas removed.
fn scale_down_in_place(
    order: &[usize],
    specs: &mut [i64],
    available_pod_count: i64,
    min_available: i64,
) -> i64 {
    if available_pod_count <= min_available {
        return 0;
    }
    let to_remove = available_pod_count - min_available;
    let mut total = 0;
    for &i in order {
        if total >= to_remove {
            break;
        }
        let spec = specs[i];
        if spec == 0 {
            continue;
        }
        let count = spec.min(to_remove - total);
        specs[i] = spec - count;
        total += count;
    }
    total
}

/// Lists `(index, new size)` for every entry of `order` whose working size changed.
fn changed(order: &[usize], rss: &[RsView], specs: &[i64]) -> Vec<(usize, i64)> {
    order
        .iter()
        .filter(|&&i| specs[i] != rss[i].spec_replicas)
        .map(|&i| (i, specs[i]))
        .collect()
}

/// `cleanupUnhealthyReplicas`: visiting `old_rss` oldest first (skipping those at 0 replicas or
/// without unhealthy replicas), remove `min(budget left, spec - available)` from each until
/// `max_cleanup_count` replicas were removed.
pub fn cleanup_unhealthy_replicas(old_rss: &[RsView], max_cleanup_count: i64) -> CleanupOutcome {
    let order = oldest_first(old_rss, |_| true);
    let mut specs: Vec<i64> = old_rss.iter().map(|rs| rs.spec_replicas).collect();
    let (cleaned, aborted) =
        cleanup_unhealthy_in_place(&order, old_rss, &mut specs, max_cleanup_count);
    CleanupOutcome {
        scaled: changed(&order, old_rss, &specs),
        cleaned,
        aborted,
    }
}

/// `scaleDownOldReplicaSetsForRollingUpdate`: with `minAvailable = spec_replicas -
/// max_unavailable_resolved` and `available` = Σ `available` over `old_rss` plus `new_rs`
/// (upstream's `allRSs`), remove `available - minAvailable` replicas from `old_rss`, oldest
/// first, skipping replica sets already at 0. Returns `(index into old_rss, new size)`.
pub fn scale_down_old_replica_sets_for_rolling_update(
    spec_replicas: i64,
    max_unavailable_resolved: i64,
    new_rs: Option<&RsView>,
    old_rss: &[RsView],
) -> Vec<(usize, i64)> {
    let min_available = spec_replicas - max_unavailable_resolved;
    let available =
        old_rss.iter().map(|rs| rs.available).sum::<i64>() + new_rs.map_or(0, |rs| rs.available);
    let order = oldest_first(old_rss, |_| true);
    let mut specs: Vec<i64> = old_rss.iter().map(|rs| rs.spec_replicas).collect();
    scale_down_in_place(&order, &mut specs, available, min_available);
    changed(&order, old_rss, &specs)
}

/// `reconcileOldReplicaSets` (RollingUpdate scale-down half of a sync).
///
/// Only old replica sets with `spec_replicas > 0` take part. Let
/// `minAvailable = spec_replicas - max_unavailable_resolved` (pass [`max_unavailable`]),
/// `newRSUnavailable = new.spec - new.available` and
/// `maxScaledDown = Σ spec(all RSs incl. new) - minAvailable - newRSUnavailable`.
/// Nothing happens when `maxScaledDown <= 0`; otherwise
/// [`cleanup_unhealthy_replicas`] runs with that budget, then (unless it aborted)
/// [`scale_down_old_replica_sets_for_rolling_update`] on the cleaned sizes, counting available
/// pods of the active old RSs and the new RS. Returns the final `(index into old_rss, new size)`
/// of every old RS that changed, oldest first. A missing `new_rs` counts as 0 replicas.
pub fn reconcile_old_replica_sets(
    spec_replicas: i64,
    max_unavailable_resolved: i64,
    new_rs: Option<&RsView>,
    old_rss: &[RsView],
) -> Vec<(usize, i64)> {
    let active = oldest_first(old_rss, |rs| rs.spec_replicas > 0);
    let old_pods: i64 = active.iter().map(|&i| old_rss[i].spec_replicas).sum();
    if old_pods == 0 {
        return Vec::new();
    }
    let new_spec = new_rs.map_or(0, |rs| rs.spec_replicas);
    let new_available = new_rs.map_or(0, |rs| rs.available);
    let all_pods: i64 = old_rss.iter().map(|rs| rs.spec_replicas).sum::<i64>() + new_spec;
    let min_available = spec_replicas - max_unavailable_resolved;
    let new_unavailable = new_spec - new_available;
    let max_scaled_down = all_pods - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return Vec::new();
    }
    let mut specs: Vec<i64> = old_rss.iter().map(|rs| rs.spec_replicas).collect();
    let (_, aborted) = cleanup_unhealthy_in_place(&active, old_rss, &mut specs, max_scaled_down);
    if !aborted {
        let available: i64 =
            active.iter().map(|&i| old_rss[i].available).sum::<i64>() + new_available;
        scale_down_in_place(&active, &mut specs, available, min_available);
    }
    changed(&active, old_rss, &specs)
}

/// Rounds `num / den` to the nearest integer, halves away from zero (`integer.RoundToInt32`
/// applied to the exact quotient). `den` must not be 0.
fn round_half_away_from_zero(num: i128, den: i128) -> i64 {
    let (num, den) = if den < 0 { (-num, -den) } else { (num, den) };
    let magnitude = (2 * num.abs() + den) / (2 * den);
    let signed = if num < 0 { -magnitude } else { magnitude };
    signed as i64
}

/// `getReplicaSetFraction` (newest version): how many replicas `rs` gains (positive) or loses
/// (negative) when the deployment is resized.
///
/// * `spec_replicas == 0` → `-rs.spec_replicas`;
/// * otherwise `RoundToInt32(rs.spec * (spec_replicas + max_surge_resolved) / before) - rs.spec`,
///   where `before` is the max-replicas annotation, or — when it is missing or 0 —
///   `deployment_status_replicas`; if that is 0 too the fraction is 0.
///
/// `max_surge_resolved` is `MaxSurge(d)` (see [`max_surge`]).
pub fn get_replica_set_fraction(
    rs: &RsView,
    spec_replicas: i64,
    deployment_status_replicas: i64,
    max_surge_resolved: i64,
) -> i64 {
    if spec_replicas == 0 {
        return -rs.spec_replicas;
    }
    let max_replicas = spec_replicas + max_surge_resolved;
    let before = match rs.max_replicas_annotation {
        Some(value) if value != 0 => value,
        _ => {
            if deployment_status_replicas == 0 {
                return 0;
            }
            deployment_status_replicas
        }
    };
    let scaled = round_half_away_from_zero(
        i128::from(rs.spec_replicas) * i128::from(max_replicas),
        i128::from(before),
    );
    scaled - rs.spec_replicas
}

/// `IsSaturated(d, newRS)`: the new RS is at `spec_replicas`, its desired-replicas annotation
/// equals `spec_replicas`, and all `spec_replicas` of its pods are available.
pub fn is_saturated(spec_replicas: i64, new_rs: &RsView) -> bool {
    new_rs.spec_replicas == spec_replicas
        && new_rs.desired_annotation == Some(spec_replicas)
        && new_rs.available == spec_replicas
}

/// `GetReplicaSetProportion`: the fraction clamped to what is still left to add (scale up,
/// `min`) or remove (scale down, `max`); 0 for an RS at 0 replicas or when nothing is left.
fn replica_set_proportion(
    rs: &RsView,
    spec_replicas: i64,
    deployment_status_replicas: i64,
    max_surge_resolved: i64,
    to_add: i64,
    added: i64,
) -> i64 {
    if rs.spec_replicas == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = get_replica_set_fraction(
        rs,
        spec_replicas,
        deployment_status_replicas,
        max_surge_resolved,
    );
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

/// `scale()` of `sync.go`: proportional scaling when the deployment is resized mid-rollout or
/// while paused. Returns the new `spec.replicas` of every entry of `rss`, in the same order
/// (unchanged entries keep their size). `new_rs` indexes the new replica set inside `rss`, if
/// any; every other entry is an old replica set. `max_surge_resolved` is `MaxSurge(d)`.
///
/// 1. If at most one RS is active (`spec_replicas > 0`), that one — or, with none active, the
///    new RS or else the newest old RS — is set to `spec_replicas`.
/// 2. Else, if the new RS [`is_saturated`], every active old RS goes to 0.
/// 3. Else, for RollingUpdate only: `allowed = spec_replicas + max_surge_resolved` (0 when
///    `spec_replicas` is 0), `toAdd = allowed - Σ active sizes`; active RSs are sorted larger
///    first, ties newer first when adding (`ReplicaSetsBySizeNewer`) or older first when removing
///    (`ReplicaSetsBySizeOlder`); each gets its clamped [`get_replica_set_fraction`]; the leftover
///    `toAdd - added` goes to the first RS in that order, floored at 0.
pub fn proportional_scale(
    spec_replicas: i64,
    deployment_status_replicas: i64,
    max_surge_resolved: i64,
    strategy: StrategyKind,
    new_rs: Option<usize>,
    rss: &[RsView],
) -> Vec<i64> {
    let mut sizes: Vec<i64> = rss.iter().map(|rs| rs.spec_replicas).collect();
    let new_rs = new_rs.filter(|&i| i < rss.len());
    if rss.is_empty() {
        return sizes;
    }

    // FindActiveOrLatest: old RSs newest first, then the new RS.
    let mut olds: Vec<usize> = (0..rss.len()).filter(|&i| Some(i) != new_rs).collect();
    olds.sort_by(|&a, &b| cmp_by_creation(&rss[b], &rss[a]));
    let mut candidates = olds.clone();
    candidates.extend(new_rs);
    let active: Vec<usize> = candidates
        .into_iter()
        .filter(|&i| rss[i].spec_replicas > 0)
        .collect();
    let active_or_latest = match active.len() {
        0 => new_rs.or_else(|| olds.first().copied()),
        1 => Some(active[0]),
        _ => None,
    };
    if let Some(i) = active_or_latest {
        sizes[i] = spec_replicas;
        return sizes;
    }

    if let Some(n) = new_rs
        && is_saturated(spec_replicas, &rss[n])
    {
        for &i in &olds {
            if rss[i].spec_replicas > 0 {
                sizes[i] = 0;
            }
        }
        return sizes;
    }

    if strategy != StrategyKind::RollingUpdate {
        return sizes;
    }

    let mut all = active;
    let total: i64 = all.iter().map(|&i| rss[i].spec_replicas).sum();
    let allowed = if spec_replicas > 0 {
        spec_replicas + max_surge_resolved
    } else {
        0
    };
    let to_add = allowed - total;
    match to_add.cmp(&0) {
        Ordering::Greater => all.sort_by(|&a, &b| {
            rss[b]
                .spec_replicas
                .cmp(&rss[a].spec_replicas)
                .then_with(|| cmp_by_creation(&rss[b], &rss[a]))
        }),
        Ordering::Less => all.sort_by(|&a, &b| {
            rss[b]
                .spec_replicas
                .cmp(&rss[a].spec_replicas)
                .then_with(|| cmp_by_creation(&rss[a], &rss[b]))
        }),
        Ordering::Equal => return sizes,
    }

    let mut added = 0;
    for &i in &all {
        let proportion = replica_set_proportion(
            &rss[i],
            spec_replicas,
            deployment_status_replicas,
            max_surge_resolved,
            to_add,
            added,
        );
        sizes[i] = rss[i].spec_replicas + proportion;
        added += proportion;
    }
    // Leftover to the first (largest) replica set in the sorted order, floored at 0.
    if let Some(&first) = all.first() {
        sizes[first] = (sizes[first] + to_add - added).max(0);
    }
    sizes
}

/// `DeploymentComplete`: updated, total and available replicas all equal `spec_replicas` and
/// the controller has observed the latest generation.
pub fn deployment_complete(
    spec_replicas: i64,
    observed_up_to_date: bool,
    status: &StatusCounts,
) -> bool {
    status.updated == spec_replicas
        && status.replicas == spec_replicas
        && status.available == spec_replicas
        && observed_up_to_date
}

/// `DeploymentProgressing`: `new` shows progress over `old` when updated replicas increased,
/// old replicas (`replicas - updated`) decreased, or ready or available replicas increased.
pub fn deployment_progressing(old: &StatusCounts, new: &StatusCounts) -> bool {
    let old_old_replicas = old.replicas - old.updated;
    let new_old_replicas = new.replicas - new.updated;
    new.updated > old.updated
        || new_old_replicas < old_old_replicas
        || new.ready > old.ready
        || new.available > old.available
}

/// `DeploymentTimedOut`: false without a deadline (`None` or [`NO_PROGRESS_DEADLINE`]), without
/// a Progressing condition (`progressing_reason` `None`) or with reason
/// [`NEW_RS_AVAILABLE_REASON`]; true with reason [`TIMED_OUT_REASON`]; otherwise true iff
/// `last_update_ns + deadline` is strictly before `now_ns`.
///
/// The API stores `lastUpdateTime` with one-second precision; callers wanting that effect pass
/// a truncated `last_update_ns`.
pub fn deployment_timed_out(
    progress_deadline_seconds: Option<i64>,
    progressing_reason: Option<&str>,
    last_update_ns: u64,
    now_ns: u64,
) -> bool {
    let Some(deadline) = progress_deadline_seconds else {
        return false;
    };
    if deadline == NO_PROGRESS_DEADLINE {
        return false;
    }
    let Some(reason) = progressing_reason else {
        return false;
    };
    if reason == NEW_RS_AVAILABLE_REASON {
        return false;
    }
    if reason == TIMED_OUT_REASON {
        return true;
    }
    let deadline_at = i128::from(last_update_ns) + i128::from(deadline) * 1_000_000_000;
    deadline_at < i128::from(now_ns)
}

/// `cleanupDeployment`: indices of the old replica sets to delete, in deletion order.
///
/// Replica sets already being deleted are ignored (they neither count nor get deleted). With
/// `diff = remaining count - revision_history_limit`, the `diff` oldest are visited and those
/// with `spec_replicas == 0` and `status_replicas == 0` are returned. A limit of `MaxInt32`
/// means "no limit" (`HasRevisionHistoryLimit` is false). Upstream (newest) orders by
/// revision; this uses creation order, which is the same unless a rollback re-used an old RS —
/// see [`old_rss_to_cleanup_by_revision`]. Upstream also skips an RS whose
/// `metadata.generation > status.observedGeneration`; callers modelling generations must filter
/// those out of the result.
pub fn old_rss_to_cleanup(
    old_rss: &[RsView],
    revision_history_limit: i64,
    already_deleting: &[bool],
) -> Vec<usize> {
    let revisions = vec![0; old_rss.len()];
    old_rss_to_cleanup_by_revision(
        old_rss,
        &revisions,
        revision_history_limit,
        already_deleting,
    )
}

/// [`old_rss_to_cleanup`] with upstream's newest order (`ReplicaSetsByRevision`): ascending
/// `deployment.kubernetes.io/revision` (`revisions[i]`, 0 when the annotation is missing), ties
/// by creation order. Missing entries of `revisions` / `already_deleting` count as 0 / false.
pub fn old_rss_to_cleanup_by_revision(
    old_rss: &[RsView],
    revisions: &[i64],
    revision_history_limit: i64,
    already_deleting: &[bool],
) -> Vec<usize> {
    if revision_history_limit == i64::from(i32::MAX) {
        return Vec::new();
    }
    let deleting = |i: usize| already_deleting.get(i).copied().unwrap_or(false);
    let revision = |i: usize| revisions.get(i).copied().unwrap_or(0);
    let mut cleanable: Vec<usize> = (0..old_rss.len()).filter(|&i| !deleting(i)).collect();
    let diff = cleanable.len() as i64 - revision_history_limit;
    if diff <= 0 {
        return Vec::new();
    }
    cleanable.sort_by(|&a, &b| {
        revision(a)
            .cmp(&revision(b))
            .then_with(|| cmp_by_creation(&old_rss[a], &old_rss[b]))
    });
    cleanable
        .into_iter()
        .take(diff as usize)
        .filter(|&i| old_rss[i].spec_replicas == 0 && old_rss[i].status_replicas == 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use StrategyKind::{Recreate, RollingUpdate};

    fn p(text: &str) -> Option<IntOrPercent> {
        Some(IntOrPercent::parse(text).unwrap())
    }

    fn int(value: i64) -> Option<IntOrPercent> {
        Some(IntOrPercent::Int(value))
    }

    fn rs(name: &str, seq: u64, spec: i64) -> RsView {
        RsView {
            name: name.to_string(),
            created_seq: seq,
            spec_replicas: spec,
            status_replicas: spec,
            available: spec,
            desired_annotation: None,
            max_replicas_annotation: None,
        }
    }

    fn rs_avail(name: &str, seq: u64, spec: i64, available: i64) -> RsView {
        RsView {
            available,
            ..rs(name, seq, spec)
        }
    }

    /// SPEC §1.b `TestResolveFenceposts`.
    #[test]
    fn test_resolve_fenceposts() {
        type Row = (Option<&'static str>, Option<&'static str>, i64, (i64, i64));
        let rows: [Row; 4] = [
            (Some("39%"), Some("39%"), 10, (4, 3)),
            (None, Some("39%"), 10, (0, 3)),
            (Some("39%"), None, 10, (4, 0)),
            (None, None, 10, (0, 1)),
        ];
        for (surge, unavailable, desired, want) in rows {
            let got = resolve_fenceposts(surge.and_then(p), unavailable.and_then(p), desired);
            assert_eq!(got, want, "{surge:?} {unavailable:?} {desired}");
        }
        // Row 2 ("oops"): the error surfaces when parsing the string.
        assert!(IntOrPercent::parse("oops").is_err());
    }

    /// SPEC §1.b `TestMaxUnavailable` (maxSurge = 1 everywhere).
    #[test]
    fn test_max_unavailable() {
        let rows = [
            (RollingUpdate, 10, int(5), 5),
            (RollingUpdate, 10, int(10), 10),
            (RollingUpdate, 0, int(10), 0),
            (Recreate, 1, None, 0),
            (RollingUpdate, 10, p("50%"), 5),
            (RollingUpdate, 10, p("100%"), 10),
        ];
        for (n, (strategy, replicas, unavailable, want)) in rows.into_iter().enumerate() {
            assert_eq!(
                max_unavailable(strategy, replicas, int(1), unavailable),
                want,
                "row {}",
                n + 1
            );
        }
        // Capped at replicas (derived).
        assert_eq!(max_unavailable(RollingUpdate, 3, int(1), int(5)), 3);
    }

    /// SPEC §1.b `TestMinAvailable` (maxSurge = 1 everywhere).
    #[test]
    fn test_min_available() {
        let rows = [
            (RollingUpdate, 10, int(5), 5),
            (RollingUpdate, 10, int(10), 0),
            (RollingUpdate, 0, int(10), 0),
            (Recreate, 10, None, 0),
            (RollingUpdate, 10, p("100%"), 0),
            (RollingUpdate, 5, p("100%"), 0),
        ];
        for (n, (strategy, replicas, unavailable, want)) in rows.into_iter().enumerate() {
            assert_eq!(
                min_available(strategy, replicas, int(1), unavailable),
                want,
                "row {}",
                n + 1
            );
        }
    }

    /// Derived from the §1.a rule: surge is rounded up and not capped; 0 for Recreate.
    #[test]
    fn test_max_surge() {
        assert_eq!(max_surge(RollingUpdate, 10, p("25%"), p("25%")), 3);
        assert_eq!(max_surge(RollingUpdate, 2, int(5), None), 5);
        assert_eq!(max_surge(Recreate, 10, p("25%"), p("25%")), 0);
        assert_eq!(max_surge(RollingUpdate, 10, None, None), 0);
    }

    /// SPEC §2.b `TestNewRSNewReplicas` (the other RS has 5 replicas, so the sum is 5).
    #[test]
    fn test_new_rs_new_replicas() {
        let rows = [
            (RollingUpdate, 1, 5, int(1), 5),
            (Recreate, 3, 1, int(1), 3),
        ];
        for (n, (strategy, spec, new_rs, surge, want)) in rows.into_iter().enumerate() {
            let surge = max_surge(strategy, spec, surge, int(1));
            assert_eq!(
                new_rs_new_replicas(strategy, spec, surge, 5, new_rs),
                want,
                "row {}",
                n + 1
            );
        }
    }

    /// SPEC §2.b `TestDeploymentComplete`.
    #[test]
    fn test_deployment_complete() {
        let rows = [
            (5, 5, 5, 4, false),
            (5, 5, 5, 5, true),
            (5, 5, 4, 5, false),
            (1, 1, 1, 0, false),
        ];
        for (n, (desired, current, updated, available, want)) in rows.into_iter().enumerate() {
            let status = StatusCounts {
                replicas: current,
                updated,
                ready: available,
                available,
            };
            assert_eq!(
                deployment_complete(desired, true, &status),
                want,
                "row {}",
                n + 1
            );
        }
        let done = StatusCounts {
            replicas: 5,
            updated: 5,
            ready: 5,
            available: 5,
        };
        assert!(!deployment_complete(5, false, &done));
    }

    /// SPEC §2.b `TestDeploymentProgressing`.
    #[test]
    fn test_deployment_progressing() {
        let s = |replicas, updated, ready, available| StatusCounts {
            replicas,
            updated,
            ready,
            available,
        };
        let rows = [
            (s(10, 4, 4, 4), s(10, 6, 4, 4), true),
            (s(10, 4, 4, 4), s(10, 4, 4, 4), false),
            (s(10, 4, 6, 6), s(8, 4, 6, 6), true),
            (s(10, 4, 7, 7), s(8, 8, 5, 5), true),
            (s(10, 10, 10, 9), s(10, 10, 10, 10), true),
        ];
        for (n, (old, new, want)) in rows.into_iter().enumerate() {
            assert_eq!(deployment_progressing(&old, &new), want, "row {}", n + 1);
        }
    }

    /// SPEC §2.b `TestDeploymentTimedOut` (times are 2016-01-01 00:mm:ss UTC).
    #[test]
    fn test_deployment_timed_out() {
        const S: u64 = 1_000_000_000;
        let base = 1_451_606_400 * S; // 2016-01-01T00:00:00Z
        let at = |m: u64, s: u64| base + (m * 60 + s) * S;
        let rows = [
            (None, Some(""), at(1, 9), at(1, 20), false),
            (
                Some(NO_PROGRESS_DEADLINE),
                Some(""),
                at(1, 9),
                at(1, 20),
                false,
            ),
            (Some(10), Some(""), at(1, 9), at(1, 20), true),
            (None, Some(NEW_RS_AVAILABLE_REASON), 0, at(1, 20), false),
        ];
        for (n, (deadline, reason, last, now, want)) in rows.into_iter().enumerate() {
            assert_eq!(
                deployment_timed_out(deadline, reason, last, now),
                want,
                "row {}",
                n + 1
            );
        }
        // Derived: strictly-before boundary, missing condition, sticky timed-out reason.
        assert!(!deployment_timed_out(
            Some(11),
            Some(""),
            at(1, 9),
            at(1, 20)
        ));
        assert!(!deployment_timed_out(Some(10), None, at(1, 9), at(1, 20)));
        assert!(deployment_timed_out(
            Some(600),
            Some(TIMED_OUT_REASON),
            at(1, 9),
            at(1, 10)
        ));
        assert!(!deployment_timed_out(
            Some(10),
            Some(NEW_RS_AVAILABLE_REASON),
            at(1, 9),
            at(9, 0)
        ));
    }

    /// SPEC §2.b `TestGetReplicaSetFraction` (newest version); maxSurge 0.
    #[test]
    fn test_get_replica_set_fraction() {
        let rows = [
            (0, 0, 10, None, -10),
            (10, 0, 5, None, 0),
            (10, 0, 5, Some(0), 0),
            (120, 100, 50, None, 10),
            (120, 100, 50, Some(0), 10),
            (120, 0, 50, Some(100), 10),
            (10, 0, 6, Some(12), -1),
        ];
        for (n, (spec, status, replicas, annotation, want)) in rows.into_iter().enumerate() {
            let view = RsView {
                max_replicas_annotation: annotation,
                ..rs("foo", 1, replicas)
            };
            assert_eq!(
                get_replica_set_fraction(&view, spec, status, 0),
                want,
                "row {}",
                n + 1
            );
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_half_away_from_zero(5, 2), 3);
        assert_eq!(round_half_away_from_zero(-5, 2), -3);
        assert_eq!(round_half_away_from_zero(7, 3), 2);
        assert_eq!(round_half_away_from_zero(8, 3), 3);
        assert_eq!(round_half_away_from_zero(-8, 3), -3);
        assert_eq!(round_half_away_from_zero(4, -3), -1);
        assert_eq!(round_half_away_from_zero(0, 7), 0);
    }

    #[test]
    fn test_is_saturated() {
        let new = RsView {
            desired_annotation: Some(5),
            ..rs("new", 2, 5)
        };
        assert!(is_saturated(5, &new));
        assert!(!is_saturated(6, &new));
        let broken = RsView {
            available: 4,
            ..new.clone()
        };
        assert!(!is_saturated(5, &broken));
        let no_annotation = RsView {
            desired_annotation: None,
            ..new
        };
        assert!(!is_saturated(5, &no_annotation));
    }

    /// One `TestScale` row: RS `(name, created_seq, size)` with the new RS (if any) first.
    struct ScaleRow {
        name: &'static str,
        old_size: i64,
        new_size: i64,
        surge: i64,
        unavailable: i64,
        has_new: bool,
        rss: Vec<(&'static str, u64, i64)>,
        want: Vec<i64>,
    }

    /// SPEC §2.b `TestScale` (`sync_test.go`), all 13 rows.
    #[test]
    fn test_scale() {
        let row = |name, old_size, new_size, has_new, rss: Vec<_>, want: Vec<_>| ScaleRow {
            name,
            old_size,
            new_size,
            surge: 0,
            unavailable: 0,
            has_new,
            rss,
            want,
        };
        let rows = vec![
            row("normal 10→12", 10, 12, true, vec![("v1", 1, 10)], vec![12]),
            row("normal 10→5", 10, 5, true, vec![("v1", 1, 10)], vec![5]),
            row(
                "proportional 5→10",
                5,
                10,
                true,
                vec![("v2", 2, 2), ("v1", 1, 3)],
                vec![4, 6],
            ),
            row(
                "proportional 5→3",
                5,
                3,
                true,
                vec![("v2", 2, 2), ("v1", 1, 3)],
                vec![1, 2],
            ),
            row(
                "proportional 9→4",
                9,
                4,
                true,
                vec![("v2", 2, 8), ("v1", 1, 1)],
                vec![4, 0],
            ),
            row(
                "proportional 7→10",
                7,
                10,
                true,
                vec![("v3", 3, 2), ("v2", 2, 3), ("v1", 1, 2)],
                vec![3, 4, 3],
            ),
            row(
                "leftover 3→4",
                3,
                4,
                true,
                vec![("v3", 3, 1), ("v2", 2, 1), ("v1", 1, 1)],
                vec![2, 1, 1],
            ),
            row(
                "no new RS 4→5",
                4,
                5,
                false,
                vec![("v2", 2, 2), ("v1", 1, 2)],
                vec![3, 2],
            ),
            row(
                "to zero 6→0",
                6,
                0,
                true,
                vec![("v3", 3, 3), ("v2", 2, 2), ("v1", 1, 1)],
                vec![0, 0, 0],
            ),
            row(
                "failed rs update",
                5,
                5,
                true,
                vec![("v3", 3, 2), ("v2", 2, 1), ("v1", 1, 1)],
                vec![2, 2, 1],
            ),
            ScaleRow {
                surge: 2,
                ..row(
                    "with surge 10→20",
                    10,
                    20,
                    true,
                    vec![("v2", 2, 6), ("v1", 1, 6)],
                    vec![11, 11],
                )
            },
            row(
                "change size and template",
                10,
                14,
                false,
                vec![("v2", 2, 7), ("v1", 1, 3)],
                vec![10, 4],
            ),
            ScaleRow {
                surge: 1,
                unavailable: 1,
                ..row(
                    "saturated but broken new RS",
                    2,
                    2,
                    true,
                    vec![("v2", 2, 2), ("v1", 1, 1)],
                    vec![2, 1],
                )
            },
        ];
        assert_eq!(rows.len(), 13);
        for row in rows {
            let surge = int(row.surge);
            let unavailable = int(row.unavailable);
            let old_surge = max_surge(RollingUpdate, row.old_size, surge, unavailable);
            let mut views: Vec<RsView> = row
                .rss
                .iter()
                .map(|&(name, seq, size)| RsView {
                    desired_annotation: Some(row.old_size),
                    max_replicas_annotation: Some(row.old_size + old_surge),
                    ..rs(name, seq, size)
                })
                .collect();
            if row.name == "failed rs update" {
                views[1].desired_annotation = Some(3);
                views[1].max_replicas_annotation = Some(3);
            }
            if row.name == "saturated but broken new RS" {
                views[0].available = 0;
            }
            let new_surge = max_surge(RollingUpdate, row.new_size, surge, unavailable);
            let got = proportional_scale(
                row.new_size,
                row.old_size,
                new_surge,
                RollingUpdate,
                row.has_new.then_some(0),
                &views,
            );
            assert_eq!(got, row.want, "{}", row.name);
        }
    }

    /// Derived (§2.a rules 1–2): no active RS scales the newest; a saturated new RS zeroes the
    /// old ones; Recreate never scales proportionally.
    #[test]
    fn scale_special_cases() {
        let idle = [rs("old", 1, 0), rs("older", 0, 0)];
        assert_eq!(
            proportional_scale(3, 0, 0, RollingUpdate, None, &idle),
            [3, 0]
        );
        let saturated = [
            RsView {
                desired_annotation: Some(4),
                ..rs("new", 3, 4)
            },
            rs("old", 1, 2),
            rs("idle", 0, 0),
        ];
        assert_eq!(
            proportional_scale(4, 6, 1, RollingUpdate, Some(0), &saturated),
            [4, 0, 0]
        );
        let busy = [rs("new", 2, 2), rs("old", 1, 2)];
        assert_eq!(
            proportional_scale(8, 4, 0, Recreate, Some(0), &busy),
            [2, 2]
        );
        assert!(proportional_scale(3, 0, 0, RollingUpdate, None, &[]).is_empty());
    }

    /// SPEC §2.b `TestDeploymentController_reconcileNewReplicaSet` (maxUnavailable 0).
    #[test]
    fn test_reconcile_new_replica_set() {
        let rows = [
            (10, 0, 10, 0, None),
            (10, 2, 10, 0, Some(2)),
            (10, 2, 10, 2, None),
            (10, 2, 2, 11, Some(10)),
        ];
        for (n, (spec, surge, old, new, want)) in rows.into_iter().enumerate() {
            let surge = max_surge(RollingUpdate, spec, int(surge), int(0));
            assert_eq!(
                reconcile_new_replica_set(spec, surge, old + new, new),
                want,
                "row {}",
                n + 1
            );
        }
    }

    /// SPEC §2.b `TestDeploymentController_reconcileOldReplicaSets` (maxSurge 0).
    #[test]
    fn test_reconcile_old_replica_sets() {
        let rows = [
            (10, 0, 10, 0, 10, 0, vec![(0, 9)]),
            (10, 2, 10, 0, 10, 0, vec![(0, 8)]),
            (10, 2, 10, 0, 8, 0, vec![(0, 8)]),
            (10, 2, 8, 2, 8, 0, vec![]),
        ];
        for (n, (spec, unav, old, new, old_avail, new_avail, want)) in rows.into_iter().enumerate()
        {
            let unavailable = max_unavailable(RollingUpdate, spec, int(0), int(unav));
            let new_rs = rs_avail("new", 2, new, new_avail);
            let old_rss = [rs_avail("old", 1, old, old_avail)];
            assert_eq!(
                reconcile_old_replica_sets(spec, unavailable, Some(&new_rs), &old_rss),
                want,
                "row {}",
                n + 1
            );
        }
    }

    /// SPEC §2.b `TestDeploymentController_cleanupUnhealthyReplicas` (deployment 10, surge 2,
    /// unavailable 2, one old RS).
    #[test]
    fn test_cleanup_unhealthy_replicas() {
        let rows = [(10, 8, 1, 1), (10, 8, 0, 0), (10, 10, 3, 0)];
        for (n, (old, available, max_cleanup, want)) in rows.into_iter().enumerate() {
            let outcome =
                cleanup_unhealthy_replicas(&[rs_avail("old", 1, old, available)], max_cleanup);
            assert_eq!(outcome.cleaned, want, "row {}", n + 1);
            assert!(!outcome.aborted);
            let expected: Vec<(usize, i64)> = if want > 0 {
                vec![(0, old - want)]
            } else {
                vec![]
            };
            assert_eq!(outcome.scaled, expected, "row {}", n + 1);
        }
        // Derived: more available than desired aborts (upstream returns an error).
        let outcome = cleanup_unhealthy_replicas(
            &[
                rs_avail("a", 1, 3, 1),
                rs_avail("b", 2, 2, 5),
                rs_avail("c", 3, 4, 0),
            ],
            10,
        );
        assert_eq!(outcome.scaled, vec![(0, 1)]);
        assert_eq!(outcome.cleaned, 2);
        assert!(outcome.aborted);
    }

    /// SPEC §2.b `TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate`
    /// (maxSurge 0; allRSs = the old RS only).
    #[test]
    fn test_scale_down_old_replica_sets_for_rolling_update() {
        let rows = [
            (10, 0, 10, 10, vec![(0, 9)]),
            (10, 2, 10, 10, vec![(0, 8)]),
            (10, 2, 8, 10, vec![]),
            (10, 2, 10, 0, vec![]),
        ];
        for (n, (spec, unav, available, old, want)) in rows.into_iter().enumerate() {
            let unavailable = max_unavailable(RollingUpdate, spec, int(0), int(unav));
            let old_rss = [rs_avail("old", 1, old, available)];
            assert_eq!(
                scale_down_old_replica_sets_for_rolling_update(spec, unavailable, None, &old_rss),
                want,
                "row {}",
                n + 1
            );
        }
    }

    /// Derived: several old RSs are scaled oldest first; inactive ones are skipped and their
    /// available pods are not counted.
    #[test]
    fn reconcile_old_oldest_first() {
        let old_rss = [
            rs_avail("b", 2, 4, 4),
            rs_avail("a", 1, 3, 2),
            rs_avail("idle", 0, 0, 3),
        ];
        let new_rs = rs_avail("new", 3, 3, 3);
        // spec 10, maxUnavailable 2: all=10, minAvailable 8, newUnavailable 0 → budget 2.
        // Cleanup takes 1 unhealthy from "a" (3→2); available 4+2+3 = 9 > 8 → remove 1 more,
        // oldest first: "a" 2→1.
        assert_eq!(
            reconcile_old_replica_sets(10, 2, Some(&new_rs), &old_rss),
            vec![(1, 1)]
        );
        // Nothing to do without active old RSs.
        assert!(reconcile_old_replica_sets(10, 2, Some(&new_rs), &old_rss[2..]).is_empty());
    }

    /// SPEC §2.b *derived* rollout trace: 10 replicas, 25%/25%.
    #[test]
    fn derived_rollout_trace() {
        let (surge_v, unav_v) = (p("25%"), p("25%"));
        let surge = max_surge(RollingUpdate, 10, surge_v, unav_v);
        let unavailable = max_unavailable(RollingUpdate, 10, surge_v, unav_v);
        assert_eq!((surge, unavailable), (3, 2));
        assert_eq!(min_available(RollingUpdate, 10, surge_v, unav_v), 8);
        // Sync 1: the new RS is created with NewRSNewReplicas = 3.
        let created = new_rs_new_replicas(RollingUpdate, 10, surge, 10, 0);
        assert_eq!(created, 3);
        assert_eq!(reconcile_new_replica_set(10, surge, 13, created), None);
        let new_rs = rs_avail("new", 2, created, 0);
        let old = [rs_avail("old", 1, 10, 10)];
        assert_eq!(
            reconcile_old_replica_sets(10, unavailable, Some(&new_rs), &old),
            vec![(0, 8)]
        );
    }

    /// SPEC §2.b `TestDeploymentController_cleanupDeployment`; RSs as (spec, status).
    #[test]
    fn test_cleanup_deployment() {
        let make = |sizes: &[(i64, i64)]| -> Vec<RsView> {
            sizes
                .iter()
                .enumerate()
                .map(|(i, &(spec, status))| RsView {
                    status_replicas: status,
                    ..rs(&format!("rs{i}"), i as u64, spec)
                })
                .collect()
        };
        type Row = (&'static [(i64, i64)], i64, &'static [bool], usize);
        let rows: [Row; 4] = [
            (&[(0, 0), (0, 0), (0, 0)], 1, &[], 2),
            (&[(0, 0), (0, 0)], 0, &[], 2),
            (&[(1, 1), (1, 1)], 0, &[], 0),
            (&[(0, 0)], 0, &[true], 0),
        ];
        for (n, (sizes, limit, deleting, want)) in rows.into_iter().enumerate() {
            let got = old_rss_to_cleanup(&make(sizes), limit, deleting);
            assert_eq!(got.len(), want, "row {}", n + 1);
        }
        // Oldest first (derived).
        assert_eq!(
            old_rss_to_cleanup(&make(&[(0, 0), (0, 0), (0, 0)]), 1, &[]),
            vec![0, 1]
        );
        // Only the `diff` oldest are candidates; busy ones are skipped, not replaced.
        assert_eq!(
            old_rss_to_cleanup(&make(&[(0, 1), (0, 0), (0, 0)]), 1, &[]),
            vec![1]
        );
        // Revision order (newest upstream) can differ from creation order.
        assert_eq!(
            old_rss_to_cleanup_by_revision(&make(&[(0, 0), (0, 0), (0, 0)]), &[5, 2, 3], 2, &[]),
            vec![1]
        );
        // MaxInt32 keeps everything.
        assert!(old_rss_to_cleanup(&make(&[(0, 0), (0, 0)]), i64::from(i32::MAX), &[]).is_empty());
    }
}
