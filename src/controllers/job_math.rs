//! Pure arithmetic and decision rules of the Job controller.
//!
//! Mirrors `pkg/controller/job/backoff_utils.go`, `job_controller.go` (`manageJob`,
//! `exceedsBackoffLimit`, `pastActiveDeadline`) and `indexed_job_utils.go` in
//! kubernetes/kubernetes (newest behaviour; fidelity SPEC §10):
//!
//! * the pod-failure back-off: a per-Job record of failures after the last success and the time
//!   of the last failure ([`new_backoff_record`], from pod finish times [`finished_time`]), and
//!   the delay before replacements may be created ([`remaining_backoff`]:
//!   `base × 2^(failures−1)` capped at the maximum, minus the time since the last failure;
//!   10 s / 10 min by default);
//! * failure and completion predicates ([`exceeds_backoff_limit`]: failed > backoffLimit;
//!   [`past_active_deadline`]; [`job_complete`]);
//! * how many pods to create or delete in one sync ([`want_active`], [`manage_job`]);
//! * Indexed completion bookkeeping: the `completedIndexes` interval format
//!   ([`format_indexes`], [`parse_indexes`]), the next indexes to start
//!   ([`first_pending_indexes`]) and which active pods to remove ([`indexed_pods_for_removal`]).
//!
//! Pure functions: no I/O, no clock (the reference time is an argument), no hash-map iteration,
//! integer arithmetic only. Times are [`SimTime`]; durations are nanoseconds.

use crate::sim::time::{NANOS_PER_SEC, SimTime};

/// `DefaultJobPodFailureBackOff`: delay after the first failure (10 s).
pub const DEFAULT_POD_FAILURE_BACKOFF_NS: u64 = 10 * NANOS_PER_SEC;
/// `MaxJobPodFailureBackOff`: cap of the failure back-off (10 min; 360 s in older releases).
pub const MAX_POD_FAILURE_BACKOFF_NS: u64 = 600 * NANOS_PER_SEC;
/// Default `spec.backoffLimit`.
pub const DEFAULT_BACKOFF_LIMIT: i64 = 6;
/// `MaxPodCreateDeletePerSync`: pods created or deleted per sync at most.
pub const MAX_POD_CREATE_DELETE_PER_SYNC: i64 = 500;

/// The back-off record the controller keeps per Job (`backoffRecord`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BackoffRecord {
    /// `failuresAfterLastSuccess`.
    pub failures_after_last_success: i64,
    /// `lastFailureTime`: finish time of the latest counted failure.
    pub last_failure: Option<SimTime>,
}

/// State of one container, for [`finished_time`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerEnd {
    /// Waiting or running (not terminated).
    Running,
    /// Terminated; the finish time when recorded (`None` = zero `finishedAt`).
    Terminated(Option<SimTime>),
}

/// What [`finished_time`] needs to know about a finished pod.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FinishedPodView {
    /// App containers followed by sidecar (restartable init) containers.
    pub containers: Vec<ContainerEnd>,
    /// Last transition time of a Ready=False condition, if the pod has one.
    pub ready_false_at: Option<SimTime>,
    /// `metadata.deletionTimestamp`.
    pub deletion_timestamp: Option<SimTime>,
    /// `metadata.deletionGracePeriodSeconds` (0 when unset).
    pub deletion_grace_s: u64,
    /// `metadata.creationTimestamp`.
    pub created: SimTime,
}

/// What one sync of [`manage_job`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManageAction {
    /// Nothing to create or delete.
    Nothing,
    /// Delete this many active pods (pick them with `pod_ranking` or
    /// [`indexed_pods_for_removal`]).
    Delete(i64),
    /// Create this many pods (in slow-start batches 1, 2, 4, …; Indexed Jobs use
    /// [`first_pending_indexes`]).
    Create(i64),
    /// Pods are missing but the failure back-off has this many nanoseconds left; sync again then.
    WaitBackoff(u64),
}

/// Counters [`manage_job`] works from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JobCounts {
    /// `spec.parallelism` (default 1).
    pub parallelism: i64,
    /// `spec.completions`; `None` for a work-queue Job.
    pub completions: Option<i64>,
    /// Succeeded pods (status plus not yet counted).
    pub succeeded: i64,
    /// Active pods (not finished, not terminating).
    pub active: i64,
    /// Terminating pods, counted only with `podReplacementPolicy: Failed` (pass 0 otherwise).
    pub terminating: i64,
    /// `spec.suspend`.
    pub suspended: bool,
}

/// `getFinishedTime`: the latest container termination time when every container (sidecars
/// included) terminated with a recorded time; else the Ready=False transition time; else
/// `deletionTimestamp − deletionGracePeriodSeconds`; else the creation time.
pub fn finished_time(pod: &FinishedPodView) -> SimTime {
    let mut latest: Option<SimTime> = None;
    let mut all_terminated = true;
    for container in &pod.containers {
        match container {
            ContainerEnd::Terminated(Some(at)) => {
                latest = Some(latest.map_or(*at, |l| l.max(*at)));
            }
            _ => {
                all_terminated = false;
                break;
            }
        }
    }
    if all_terminated && let Some(at) = latest {
        return at;
    }
    if let Some(at) = pod.ready_false_at {
        return at;
    }
    if let Some(at) = pod.deletion_timestamp {
        return SimTime(at.0.saturating_sub(pod.deletion_grace_s.saturating_mul(NANOS_PER_SEC)));
    }
    pod.created
}

/// `newBackoffRecord`: updates `old` with the finish times of pods that finished since the last
/// sync. Without new successes the new failures are added and the latest becomes the last
/// failure. With new successes the count restarts at 0 and only failures finished strictly
/// after the latest success are counted (the latest of them becomes the last failure).
pub fn new_backoff_record(
    old: &BackoffRecord,
    new_succeeded: &[SimTime],
    new_failed: &[SimTime],
) -> BackoffRecord {
    let mut failed = new_failed.to_vec();
    failed.sort();
    let Some(&last_success) = new_succeeded.iter().max() else {
        return match failed.last() {
            None => *old,
            Some(&latest) => BackoffRecord {
                failures_after_last_success: old.failures_after_last_success + failed.len() as i64,
                last_failure: Some(latest),
            },
        };
    };
    let after: Vec<SimTime> = failed.into_iter().filter(|&t| t > last_success).collect();
    BackoffRecord {
        failures_after_last_success: after.len() as i64,
        last_failure: after.last().copied(),
    }
}

/// The back-off after `failures` consecutive failures: 0 for none, else
/// `base × 2^(failures−1)`, capped at `max` (doubling stops at the cap).
pub fn backoff_duration(failures: i64, base_ns: u64, max_ns: u64) -> u64 {
    if failures <= 0 {
        return 0;
    }
    let mut duration = base_ns;
    for _ in 1..failures {
        duration = duration.saturating_mul(2);
        if duration >= max_ns {
            return max_ns;
        }
    }
    duration
}

/// `getRemainingTimeForFailuresCount`: [`backoff_duration`] minus the time elapsed since
/// `last_failure`, floored at 0 (0 once the elapsed time reaches the back-off). Without a
/// recorded last failure (upstream would not get here) the delay is 0.
pub fn remaining_backoff_for(
    failures: i64,
    last_failure: Option<SimTime>,
    now: SimTime,
    base_ns: u64,
    max_ns: u64,
) -> u64 {
    let Some(last) = last_failure else {
        return 0;
    };
    let duration = backoff_duration(failures, base_ns, max_ns);
    duration.saturating_sub(now.nanos_since(last))
}

/// `backoffRecord.getRemainingTime`: [`remaining_backoff_for`] on the record.
pub fn remaining_backoff(record: &BackoffRecord, now: SimTime, base_ns: u64, max_ns: u64) -> u64 {
    remaining_backoff_for(
        record.failures_after_last_success,
        record.last_failure,
        now,
        base_ns,
        max_ns,
    )
}

/// `exceedsBackoffLimit`: the Job fails (BackoffLimitExceeded) when `failed > backoff_limit`
/// (with the default 6, at the 7th failure).
pub fn exceeds_backoff_limit(failed: i64, backoff_limit: i64) -> bool {
    failed > backoff_limit
}

/// `pastActiveDeadline`: `now − start >= activeDeadlineSeconds`; false without a deadline, a
/// start time, or while suspended.
pub fn past_active_deadline(
    start: Option<SimTime>,
    active_deadline_s: Option<u64>,
    suspended: bool,
    now: SimTime,
) -> bool {
    match (start, active_deadline_s) {
        (Some(start), Some(deadline)) if !suspended => {
            now.nanos_since(start) >= deadline.saturating_mul(NANOS_PER_SEC)
        }
        _ => false,
    }
}

/// Whether the Job completed: with `completions`, `succeeded >= completions` and no active pod;
/// without, some pod succeeded and no pod is active.
pub fn job_complete(completions: Option<i64>, succeeded: i64, active: i64) -> bool {
    match completions {
        Some(completions) => succeeded >= completions && active == 0,
        None => succeeded > 0 && active == 0,
    }
}

/// `wantActive` of `manageJob`: without completions, `parallelism` until the first success and
/// then the pods already running; with completions, `min(completions − succeeded,
/// parallelism)`, at least 0.
pub fn want_active(parallelism: i64, completions: Option<i64>, succeeded: i64, active: i64) -> i64 {
    match completions {
        None if succeeded > 0 => active,
        None => parallelism,
        Some(completions) => (completions - succeeded).min(parallelism).max(0),
    }
}

/// `manageJob` on counts: a suspended Job deletes every active pod; otherwise, with
/// `want = `[`want_active`], `active − want` excess pods are deleted (deletion takes precedence,
/// at most [`MAX_POD_CREATE_DELETE_PER_SYNC`]); then `want − terminating − active` missing pods
/// are created (at most 500) unless the failure back-off (`remaining_backoff_ns`, from
/// [`remaining_backoff`]) has time left.
pub fn manage_job(counts: &JobCounts, remaining_backoff_ns: u64) -> ManageAction {
    if counts.suspended {
        return if counts.active > 0 {
            ManageAction::Delete(counts.active)
        } else {
            ManageAction::Nothing
        };
    }
    let want = want_active(
        counts.parallelism,
        counts.completions,
        counts.succeeded,
        counts.active,
    );
    let excess = counts.active - want;
    if excess > 0 {
        return ManageAction::Delete(excess.min(MAX_POD_CREATE_DELETE_PER_SYNC));
    }
    let missing = want - counts.terminating - counts.active;
    if missing <= 0 {
        return ManageAction::Nothing;
    }
    if remaining_backoff_ns > 0 {
        return ManageAction::WaitBackoff(remaining_backoff_ns);
    }
    ManageAction::Create(missing.min(MAX_POD_CREATE_DELETE_PER_SYNC))
}

/// Sorted, merged `(first, last)` intervals of a set of indexes.
fn to_intervals(indexes: &[i64]) -> Vec<(i64, i64)> {
    let mut sorted: Vec<i64> = indexes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut intervals: Vec<(i64, i64)> = Vec::new();
    for ix in sorted {
        match intervals.last_mut() {
            Some(last) if last.1 + 1 == ix => last.1 = ix,
            _ => intervals.push((ix, ix)),
        }
    }
    intervals
}

/// `orderedIntervals.String()`: the `status.completedIndexes` form, e.g. `"1,3-5,7,8"` (two
/// adjacent indexes are written with a comma, three or more as a range).
pub fn format_indexes(indexes: &[i64]) -> String {
    let mut out = String::new();
    for (first, last) in to_intervals(indexes) {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&first.to_string());
        if last > first {
            out.push(if last == first + 1 { ',' } else { '-' });
            out.push_str(&last.to_string());
        }
    }
    out
}

/// `parseIndexesFromString`: the indexes listed in a `completedIndexes` string, ascending.
/// Corrupted intervals are skipped; parsing stops at the first interval starting at or beyond
/// `completions`, and an interval running past it is cut at `completions − 1`.
pub fn parse_indexes(text: &str, completions: i64) -> Vec<i64> {
    let mut result = Vec::new();
    if text.is_empty() {
        return result;
    }
    for interval in text.split(',') {
        let mut limits = interval.split('-');
        let Ok(first) = limits.next().unwrap_or("").parse::<i64>() else {
            continue;
        };
        if first >= completions {
            break;
        }
        let last = match limits.next() {
            None => first,
            Some(text) => match text.parse::<i64>() {
                Ok(last) => last.min(completions - 1),
                Err(_) => continue,
            },
        };
        result.extend(first..=last);
    }
    result.sort_unstable();
    result.dedup();
    result
}

/// `firstPendingIndexes`: the `count` lowest indexes below `completions` that are neither
/// succeeded nor held by an active pod (nor, when given, failed or terminating — pass them in
/// `non_pending_extra`).
pub fn first_pending_indexes(
    active: &[i64],
    succeeded: &[i64],
    non_pending_extra: &[i64],
    count: usize,
    completions: i64,
) -> Vec<i64> {
    let mut taken: Vec<i64> = active.to_vec();
    taken.extend_from_slice(succeeded);
    taken.extend_from_slice(non_pending_extra);
    taken.sort_unstable();
    taken.dedup();
    let mut result = Vec::with_capacity(count);
    let mut candidate = 0;
    while candidate < completions && result.len() < count {
        if taken.binary_search(&candidate).is_err() {
            result.push(candidate);
        }
        candidate += 1;
    }
    result
}

/// `activePodsForRemoval` for an Indexed Job. `pods` lists the completion index of each active
/// pod (`None` when missing or unparsable) **in `controller.ActivePods` order** (the pod to
/// delete first comes first). Pods without a valid index or with index `>= completions` are
/// removed, and of several pods sharing an index all but the last in that order; if fewer than
/// `rm_at_least` were chosen, the first remaining pods follow. Returns indices into `pods`.
pub fn indexed_pods_for_removal(
    pods: &[Option<i64>],
    completions: i64,
    rm_at_least: usize,
) -> Vec<usize> {
    let mut by_index: Vec<usize> = (0..pods.len()).collect();
    // Stable: pods of one index keep their ActivePods order.
    by_index.sort_by_key(|&i| pods[i].unwrap_or(-1));
    let mut remove: Vec<usize> = Vec::new();
    let mut keep: Vec<usize> = Vec::new();
    let mut pos = 0;
    while pos < by_index.len() {
        let index = pods[by_index[pos]];
        let mut end = pos;
        while end < by_index.len() && pods[by_index[end]] == index {
            end += 1;
        }
        let group = &by_index[pos..end];
        match index {
            Some(ix) if ix >= 0 && ix < completions => {
                remove.extend_from_slice(&group[..group.len() - 1]);
                keep.push(group[group.len() - 1]);
            }
            _ => remove.extend_from_slice(group),
        }
        pos = end;
    }
    if remove.len() < rm_at_least {
        keep.sort_unstable();
        let more = (rm_at_least - remove.len()).min(keep.len());
        remove.extend_from_slice(&keep[..more]);
    }
    remove
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = NANOS_PER_SEC;

    /// The upstream tests' "defaultTestTime" (2009-11-10 23:00 UTC) as a simulated time.
    fn t() -> SimTime {
        SimTime::from_secs(1_000_000)
    }

    fn minus_ms(ms: u64) -> SimTime {
        SimTime(t().0 - ms * 1_000_000)
    }

    /// SPEC §10.b `TestGetRemainingBackoffTime` (base 5 s, max 700 s), 6 rows plus the two other
    /// upstream rows.
    #[test]
    fn test_get_remaining_backoff_time() {
        let rows: [(i64, Option<u64>, u64); 8] = [
            (0, None, 0),
            (1, Some(0), 5),
            (1, Some(1), 4),
            (1, Some(6), 0),
            (3, Some(0), 20),
            (8, Some(0), 640),
            // Upstream extras: exactly at the back-off, and beyond the cap.
            (1, Some(5), 0),
            (9, Some(0), 700),
        ];
        for (n, (failures, elapsed_s, want_s)) in rows.into_iter().enumerate() {
            let record = BackoffRecord {
                failures_after_last_success: failures,
                last_failure: elapsed_s.map(|_| t()),
            };
            let now = t() + elapsed_s.unwrap_or(0) * SEC;
            assert_eq!(
                remaining_backoff(&record, now, 5 * SEC, 700 * SEC),
                want_s * SEC,
                "row {}",
                n + 1
            );
        }
    }

    /// SPEC §10.b `TestNewBackoffRecord`, 6 rows plus the two other upstream rows.
    #[test]
    fn test_new_backoff_record() {
        let empty = BackoffRecord::default();
        let two = BackoffRecord {
            failures_after_last_success: 2,
            last_failure: None,
        };
        type Row = (
            BackoffRecord,
            Vec<SimTime>,
            Vec<SimTime>,
            (i64, Option<SimTime>),
        );
        let rows: Vec<Row> = vec![
            (empty, vec![], vec![t()], (1, Some(t()))),
            (empty, vec![], vec![t(), minus_ms(1)], (2, Some(t()))),
            (empty, vec![t()], vec![minus_ms(2), minus_ms(1)], (0, None)),
            (two, vec![], vec![t()], (3, Some(t()))),
            (empty, vec![], vec![], (0, None)),
            (empty, vec![t()], vec![], (0, None)),
            // Upstream extras: failures on both sides of a success; same timestamp.
            (
                empty,
                vec![minus_ms(2)],
                vec![t(), minus_ms(4), minus_ms(3), minus_ms(1)],
                (2, Some(t())),
            ),
            (empty, vec![t()], vec![t()], (0, None)),
        ];
        for (n, (old, succeeded, failed, (count, last))) in rows.into_iter().enumerate() {
            let got = new_backoff_record(&old, &succeeded, &failed);
            assert_eq!(
                (got.failures_after_last_success, got.last_failure),
                (count, last),
                "row {}",
                n + 1
            );
        }
    }

    /// SPEC §10.b `TestGetFinishedTime`, 6 rows plus the two other upstream rows.
    #[test]
    fn test_get_finished_time() {
        use ContainerEnd::*;
        let done = |s: u64| Terminated(Some(SimTime(t().0 - s * SEC)));
        let base = FinishedPodView {
            created: SimTime::ZERO,
            ..FinishedPodView::default()
        };
        let rows: Vec<(FinishedPodView, SimTime)> = vec![
            (
                FinishedPodView {
                    containers: vec![done(1), done(0), done(2)],
                    ..base.clone()
                },
                t(),
            ),
            (
                FinishedPodView {
                    containers: vec![done(1), Running, done(2)],
                    deletion_timestamp: Some(t()),
                    ..base.clone()
                },
                t(),
            ),
            (
                FinishedPodView {
                    containers: vec![Running],
                    deletion_timestamp: Some(t()),
                    ..base.clone()
                },
                t(),
            ),
            (
                FinishedPodView {
                    containers: vec![Terminated(None)],
                    ready_false_at: Some(t()),
                    ..base.clone()
                },
                t(),
            ),
            (
                FinishedPodView {
                    containers: vec![Terminated(None)],
                    created: t(),
                    ..base.clone()
                },
                t(),
            ),
            (
                FinishedPodView {
                    // Main container, then the sidecar init container.
                    containers: vec![done(1), done(0)],
                    ..base.clone()
                },
                t(),
            ),
            // Upstream extras: grace period subtracted; Ready=True is not a finish time.
            (
                FinishedPodView {
                    containers: vec![Running],
                    deletion_timestamp: Some(t()),
                    deletion_grace_s: 30,
                    ..base.clone()
                },
                SimTime(t().0 - 30 * SEC),
            ),
            (
                FinishedPodView {
                    containers: vec![Terminated(None)],
                    deletion_timestamp: Some(t()),
                    ..base.clone()
                },
                t(),
            ),
        ];
        for (n, (pod, want)) in rows.into_iter().enumerate() {
            assert_eq!(finished_time(&pod), want, "row {}", n + 1);
        }
    }

    /// SPEC §0 / §10.a defaults: 10 s doubling to the 10 min cap; the Job fails at the 7th
    /// failure with backoffLimit 6.
    #[test]
    fn default_backoff_and_limit() {
        let d = |f| {
            backoff_duration(
                f,
                DEFAULT_POD_FAILURE_BACKOFF_NS,
                MAX_POD_FAILURE_BACKOFF_NS,
            ) / SEC
        };
        assert_eq!(
            (1..=8).map(d).collect::<Vec<_>>(),
            vec![10, 20, 40, 80, 160, 320, 600, 600]
        );
        assert_eq!(d(0), 0);
        assert_eq!(d(1_000), 600);
        assert!(!exceeds_backoff_limit(6, DEFAULT_BACKOFF_LIMIT));
        assert!(exceeds_backoff_limit(7, DEFAULT_BACKOFF_LIMIT));
        assert!(exceeds_backoff_limit(1, 0));
    }

    #[test]
    fn deadline_and_completion() {
        let start = SimTime::from_secs(100);
        assert!(!past_active_deadline(
            Some(start),
            Some(10),
            false,
            SimTime::from_secs(109)
        ));
        assert!(past_active_deadline(
            Some(start),
            Some(10),
            false,
            SimTime::from_secs(110)
        ));
        assert!(!past_active_deadline(
            Some(start),
            Some(10),
            true,
            SimTime::from_secs(500)
        ));
        assert!(!past_active_deadline(
            None,
            Some(10),
            false,
            SimTime::from_secs(500)
        ));
        assert!(job_complete(Some(3), 3, 0));
        assert!(!job_complete(Some(3), 3, 1));
        assert!(!job_complete(Some(3), 2, 0));
        assert!(job_complete(None, 1, 0));
        assert!(!job_complete(None, 1, 2));
    }

    /// Derived (§10.a and `manageJob`): active pods to create or delete.
    #[test]
    fn manage_job_counts() {
        let counts = |parallelism, completions, succeeded, active| JobCounts {
            parallelism,
            completions,
            succeeded,
            active,
            terminating: 0,
            suspended: false,
        };
        use ManageAction::*;
        let rows = [
            // (parallelism, completions, succeeded, active, backoff) → action
            (counts(2, Some(5), 0, 0), 0, Create(2)),
            (counts(2, Some(5), 4, 0), 0, Create(1)),
            (counts(2, Some(5), 4, 2), 0, Delete(1)),
            (counts(2, Some(5), 5, 0), 0, Nothing),
            (counts(3, None, 0, 1), 0, Create(2)),
            (counts(3, None, 1, 2), 0, Nothing),
            (counts(1, Some(3), 0, 0), 7, WaitBackoff(7)),
            (counts(1000, Some(1000), 0, 0), 0, Create(500)),
            (counts(2, Some(10), 0, 5), 0, Delete(3)),
        ];
        for (n, (c, backoff, want)) in rows.into_iter().enumerate() {
            assert_eq!(manage_job(&c, backoff), want, "row {}", n + 1);
        }
        let suspended = JobCounts {
            suspended: true,
            ..counts(2, Some(5), 0, 2)
        };
        assert_eq!(manage_job(&suspended, 0), Delete(2));
        let replacing_failed_only = JobCounts {
            terminating: 1,
            ..counts(2, Some(5), 0, 1)
        };
        assert_eq!(manage_job(&replacing_failed_only, 0), Nothing);
        assert_eq!(want_active(4, Some(3), 5, 0), 0);
    }

    /// Derived from `TestCalculateSucceededIndexes` / `orderedIntervals.String()` forms.
    #[test]
    fn completed_indexes_format() {
        assert_eq!(format_indexes(&[]), "");
        assert_eq!(format_indexes(&[0]), "0");
        assert_eq!(format_indexes(&[1, 2]), "1,2");
        assert_eq!(format_indexes(&[7, 1, 3, 4, 5, 8, 3]), "1,3-5,7,8");
        assert_eq!(parse_indexes("1,3-5,7,8", 10), vec![1, 3, 4, 5, 7, 8]);
        assert_eq!(parse_indexes("1,3-5,7,8", 5), vec![1, 3, 4]);
        assert_eq!(parse_indexes("0,x,2-y,4", 10), vec![0, 4]);
        assert_eq!(parse_indexes("", 3), Vec::<i64>::new());
    }

    /// Derived from `TestFirstPendingIndexes`.
    #[test]
    fn pending_indexes() {
        assert_eq!(first_pending_indexes(&[], &[], &[], 3, 5), vec![0, 1, 2]);
        assert_eq!(
            first_pending_indexes(&[0, 2], &[1, 4], &[], 3, 6),
            vec![3, 5]
        );
        assert_eq!(
            first_pending_indexes(&[5], &[0, 1, 2], &[3], 10, 8),
            vec![4, 6, 7]
        );
        assert!(first_pending_indexes(&[0], &[], &[], 0, 5).is_empty());
    }

    /// Derived from `TestActivePodsForRemoval` (Indexed): invalid and duplicate indexes first.
    #[test]
    fn indexed_removal() {
        // ActivePods order: first = delete first.
        let pods = [Some(2), Some(0), None, Some(2), Some(7), Some(1)];
        // Duplicates of 2: the first one (position 0) goes, position 3 stays; None and 7 go.
        assert_eq!(indexed_pods_for_removal(&pods, 5, 0), vec![2, 0, 4]);
        // Two more requested: the first remaining pods in ActivePods order (1, then 3).
        assert_eq!(indexed_pods_for_removal(&pods, 5, 5), vec![2, 0, 4, 1, 3]);
        assert!(indexed_pods_for_removal(&[Some(0), Some(1)], 2, 0).is_empty());
    }
}
