//! Which pods a ReplicaSet deletes first, and how it batches pod creation.
//!
//! Mirrors `ActivePodsWithRanks.Less` of `pkg/controller/controller_utils.go` (with the
//! `PodDeletionCost` and `LogarithmicScaleDown` features on, as in current Kubernetes) and
//! `getPodsToDelete` / `getPodsRankedByRelatedPodsOnSameNode` / `slowStartBatch` of
//! `pkg/controller/replicaset/replica_set.go` (fidelity SPEC §3).
//!
//! Pure functions only: no I/O, no clock (the reference time `now_ns` is an argument), no
//! hash-map iteration, integer arithmetic only (`floor(log2(d))` is computed with `ilog2`).
//! Sorting uses a hand-written stable merge sort, because the upstream order is not a strict
//! total order in corner cases (logarithmic buckets with UID tie-breaks) and the standard
//! library sorts may panic on such comparators.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Pod phase as ordered for deletion: `Pending < Unknown < Running` (upstream
/// `podPhaseToOrdinal`; Succeeded/Failed pods are not active and never ranked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RankPhase {
    /// `Pending` (also upstream's ordinal for any phase not listed).
    Pending,
    /// `Unknown` (node unreachable).
    Unknown,
    /// `Running`.
    Running,
}

/// What the deletion ranking needs to know about one active pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRankView {
    /// True when the pod has a `spec.nodeName`.
    pub assigned: bool,
    /// Pod phase.
    pub phase: RankPhase,
    /// True when the pod's `Ready` condition is `True`.
    pub ready: bool,
    /// `lastTransitionTime` of the `Ready` condition (ns); `None` = zero time. Only read when
    /// `ready`.
    pub ready_since_ns: Option<u64>,
    /// `controller.kubernetes.io/pod-deletion-cost` annotation (0 when missing or invalid).
    pub deletion_cost: i64,
    /// Number of related active pods on the same node (see
    /// [`ranks_by_related_pods_on_same_node`]); higher is deleted first.
    pub rank: i64,
    /// Highest restart count over the pod's regular containers.
    pub max_restarts: i64,
    /// `creationTimestamp` (ns); `None` = zero time.
    pub created_ns: Option<u64>,
    /// `metadata.uid`; breaks ties between equal logarithmic buckets (lower first).
    pub uid: String,
}

/// `afterOrZero(t1, t2)`: a zero time sorts first; otherwise the later time first.
fn after_or_zero(t1: Option<u64>, t2: Option<u64>) -> bool {
    match (t1, t2) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) => a > b,
    }
}

/// `floor(log2(now - t))` in ns, or -1 when `t` is not strictly before `now`.
fn log_bucket(t: u64, now_ns: u64) -> i64 {
    let d = i128::from(now_ns) - i128::from(t);
    if d > 0 { i64::from(d.ilog2()) } else { -1 }
}

/// Compares two timestamps the LogarithmicScaleDown way: `Some(true)` when `a`'s time sorts
/// first, `Some(false)` when it does not, `None` when the times are equal (fall through).
fn compare_times_logarithmic(
    t1: Option<u64>,
    t2: Option<u64>,
    uid1: &str,
    uid2: &str,
    now_ns: u64,
) -> Option<bool> {
    if t1 == t2 {
        return None;
    }
    let (Some(a), Some(b)) = (t1, t2) else {
        return Some(after_or_zero(t1, t2));
    };
    let diff = log_bucket(a, now_ns) - log_bucket(b, now_ns);
    if diff == 0 {
        Some(uid1 < uid2)
    } else {
        Some(diff < 0)
    }
}

/// `ActivePodsWithRanks.Less(a, b)`: true when `a` should be deleted before `b`.
fn less(a: &PodRankView, b: &PodRankView, now_ns: u64) -> bool {
    // 1. Unassigned < assigned.
    if a.assigned != b.assigned {
        return !a.assigned;
    }
    // 2. Pending < Unknown < Running.
    if a.phase != b.phase {
        return a.phase < b.phase;
    }
    // 3. Not ready < ready.
    if a.ready != b.ready {
        return !a.ready;
    }
    // 4. Lower pod-deletion-cost < higher.
    if a.deletion_cost != b.deletion_cost {
        return a.deletion_cost < b.deletion_cost;
    }
    // 5. More co-located related pods < fewer.
    if a.rank != b.rank {
        return a.rank > b.rank;
    }
    // 6. Both ready: more recently ready first (zero first), logarithmic buckets, UID ties.
    if a.ready
        && b.ready
        && let Some(result) =
            compare_times_logarithmic(a.ready_since_ns, b.ready_since_ns, &a.uid, &b.uid, now_ns)
    {
        return result;
    }
    // 7. Higher restart count first.
    if a.max_restarts != b.max_restarts {
        return a.max_restarts > b.max_restarts;
    }
    // 8. Newer creation first (zero first), logarithmic buckets, UID ties.
    compare_times_logarithmic(a.created_ns, b.created_ns, &a.uid, &b.uid, now_ns).unwrap_or(false)
}

/// `ActivePodsWithRanks.Less` as an [`Ordering`]: `Less` means `a` is deleted before `b`.
///
/// Rules, first difference wins: unassigned before assigned; phase Pending < Unknown < Running;
/// not ready before ready; lower deletion cost first; higher `rank` first; when both are ready,
/// more recently ready first (zero time first), comparing `floor(log2(now_ns - t))` buckets and
/// breaking equal buckets by lower UID; higher `max_restarts` first; newer creation first with
/// the same bucketing. `now_ns` is always treated as a set reference time; a time not strictly
/// before it falls in bucket -1. Equal pods compare `Equal`.
pub fn compare_for_deletion(a: &PodRankView, b: &PodRankView, now_ns: u64) -> Ordering {
    if less(a, b, now_ns) {
        Ordering::Less
    } else if less(b, a, now_ns) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Stable bottom-up merge sort of `indices` by `cmp`; never panics, whatever `cmp` returns.
fn stable_sort_by(indices: &mut Vec<usize>, mut cmp: impl FnMut(usize, usize) -> Ordering) {
    let len = indices.len();
    let mut src = std::mem::take(indices);
    let mut dst = vec![0usize; len];
    let mut width = 1;
    while width < len {
        let mut start = 0;
        while start < len {
            let mid = (start + width).min(len);
            let end = (start + 2 * width).min(len);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                // Take from the right run only when strictly smaller: keeps the sort stable.
                if cmp(src[j], src[i]) == Ordering::Less {
                    dst[k] = src[j];
                    j += 1;
                } else {
                    dst[k] = src[i];
                    i += 1;
                }
                k += 1;
            }
            dst[k..k + (mid - i)].copy_from_slice(&src[i..mid]);
            k += mid - i;
            dst[k..k + (end - j)].copy_from_slice(&src[j..end]);
            start = end;
        }
        std::mem::swap(&mut src, &mut dst);
        width *= 2;
    }
    *indices = src;
}

/// All indices of `pods`, stably sorted by [`compare_for_deletion`] (first = deleted first).
pub fn deletion_order(pods: &[PodRankView], now_ns: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..pods.len()).collect();
    stable_sort_by(&mut order, |a, b| {
        compare_for_deletion(&pods[a], &pods[b], now_ns)
    });
    order
}

/// `getPodsToDelete`: indices of the `diff` pods to delete. When `diff >= pods.len()` every pod
/// is returned in input order (no sorting); otherwise the first `diff` of [`deletion_order`].
/// Upstream uses an unstable sort; a stable one is used here so equal pods keep input order.
pub fn pods_to_delete(pods: &[PodRankView], diff: usize, now_ns: u64) -> Vec<usize> {
    if diff >= pods.len() {
        return (0..pods.len()).collect();
    }
    let mut order = deletion_order(pods, now_ns);
    order.truncate(diff);
    order
}

/// `getPodsRankedByRelatedPodsOnSameNode`: for each pod (given by its node name, `""` when
/// unassigned), the number of *active* related pods (all pods of the owner's replica sets, given
/// by their node names) on the same node. Unassigned pods count the unassigned related pods,
/// as upstream does.
pub fn ranks_by_related_pods_on_same_node(
    pod_nodes: &[&str],
    related_active_nodes: &[&str],
) -> Vec<i64> {
    let mut on_node: BTreeMap<&str, i64> = BTreeMap::new();
    for &node in related_active_nodes {
        *on_node.entry(node).or_insert(0) += 1;
    }
    pod_nodes
        .iter()
        .map(|node| on_node.get(node).copied().unwrap_or(0))
        .collect()
}

/// `slowStartBatch(count, initialBatchSize, fn)`: calls `call` up to `count` times in batches of
/// `min(initial_batch_size, count)`, then each batch `min(2 × previous, remaining)`. Every call of
/// a batch is made (upstream runs them in parallel); after a batch with any failure (`call`
/// returned false) no further batch starts. Returns `(successes, calls made)`.
pub fn slow_start_batch(
    count: usize,
    initial_batch_size: usize,
    mut call: impl FnMut() -> bool,
) -> (usize, usize) {
    let mut remaining = count;
    let mut successes = 0;
    let mut calls = 0;
    let mut batch = remaining.min(initial_batch_size);
    while batch > 0 {
        let mut failures = 0;
        for _ in 0..batch {
            calls += 1;
            if !call() {
                failures += 1;
            }
        }
        successes += batch - failures;
        if failures > 0 {
            break;
        }
        remaining -= batch;
        batch = batch.saturating_mul(2).min(remaining);
    }
    (successes, calls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RankPhase::{Pending, Running, Unknown};

    const SECOND: u64 = 1_000_000_000;
    const HOUR: u64 = 3600 * SECOND;
    /// A fixed reference "now" (2023-11-14T22:13:20Z).
    const NOW: u64 = 1_700_000_000 * SECOND;
    /// `now.AddDate(0, -1, 0)`: 30 days earlier (any month length gives log2 bucket 51).
    const THEN_1_MONTH: u64 = NOW - 30 * 24 * HOUR;

    fn pod(assigned: bool, phase: RankPhase, ready: bool) -> PodRankView {
        PodRankView {
            assigned,
            phase,
            ready,
            ready_since_ns: None,
            deletion_cost: 0,
            rank: 0,
            max_restarts: 0,
            created_ns: None,
            uid: String::new(),
        }
    }

    /// The `pod(name, node, phase, ready, restarts, readySince, created, annotations)` helper of
    /// `TestSortingActivePodsWithRanks` (UIDs are empty upstream).
    fn ranked(
        assigned: bool,
        phase: RankPhase,
        ready: bool,
        restarts: i64,
        ready_since: Option<u64>,
        created: Option<u64>,
        cost: i64,
    ) -> PodRankView {
        PodRankView {
            ready_since_ns: ready.then_some(ready_since).flatten(),
            max_restarts: if ready { restarts } else { 0 },
            created_ns: created,
            deletion_cost: cost,
            ..pod(assigned, phase, ready)
        }
    }

    fn with_rank(p: &PodRankView, rank: i64) -> PodRankView {
        PodRankView { rank, ..p.clone() }
    }

    /// SPEC §3.b `TestSlowStartBatch`: the call fails once the counter exceeds `callLimit`.
    #[test]
    fn test_slow_start_batch() {
        // (count, callLimit, successes, error, calls); row 3 is the upstream table's third row.
        let rows = [
            (10, 0, 0, true, 1),
            (10, 10, 10, false, 10),
            (10, 5, 5, true, 7),
        ];
        for (n, (count, limit, want_ok, want_err, want_calls)) in rows.into_iter().enumerate() {
            let mut counter = 0;
            let (ok, calls) = slow_start_batch(count, 1, || {
                counter += 1;
                counter <= limit
            });
            assert_eq!(
                (ok, ok < calls, calls),
                (want_ok, want_err, want_calls),
                "row {}",
                n + 1
            );
        }
        // Derived: zero count and zero initial batch make no calls; batches are 1,2,4,3.
        assert_eq!(slow_start_batch(0, 1, || true), (0, 0));
        assert_eq!(slow_start_batch(5, 0, || true), (0, 0));
        let mut sizes = Vec::new();
        let mut made = 0;
        slow_start_batch(10, 1, || {
            made += 1;
            if [1, 3, 7, 10].contains(&made) {
                sizes.push(made);
            }
            true
        });
        assert_eq!(sizes, [1, 3, 7, 10]);
    }

    /// SPEC §3.b `TestGetPodsToDelete`, plus the further rows of the upstream table.
    #[test]
    fn test_get_pods_to_delete() {
        // (label, node, pod)
        let u = ("U", "", pod(false, Pending, false));
        let sp = ("SP", "fake-node", pod(true, Pending, false));
        let nr = ("NR", "fake-node", pod(true, Running, false));
        let r1 = ("R1", "fake-node-1", pod(true, Running, true));
        let r2 = ("R2", "fake-node-2", pod(true, Running, true));
        type Pod = (&'static str, &'static str, PodRankView);
        type Row<'a> = (Vec<&'a Pod>, Option<Vec<&'a Pod>>, usize, Vec<&'static str>);
        let rows: Vec<Row> = vec![
            // SPEC rows 1-7.
            (vec![], None, 0, vec![]),
            (vec![&nr, &r1], None, 2, vec!["NR", "R1"]),
            (vec![&r1, &nr], None, 1, vec!["NR"]),
            (
                vec![&r1, &r1, &r2, &nr, &sp, &u],
                None,
                6,
                vec!["R1", "R1", "R2", "NR", "SP", "U"],
            ),
            (
                vec![&r1, &r1, &r2, &nr, &sp, &u],
                Some(vec![]),
                6,
                vec!["R1", "R1", "R2", "NR", "SP", "U"],
            ),
            (vec![&sp, &u], None, 1, vec!["U"]),
            (vec![&sp, &nr], None, 1, vec!["SP"]),
            // Further upstream rows.
            (vec![&r1, &nr, &nr], None, 2, vec!["NR", "NR"]),
            (vec![&r1, &r2], Some(vec![&r1, &r2, &r2]), 1, vec!["R2"]),
            (vec![&r1, &r2, &nr, &sp, &u], None, 3, vec!["U", "SP", "NR"]),
        ];
        for (n, (pods, related, diff, want)) in rows.into_iter().enumerate() {
            let related = related.unwrap_or_else(|| pods.clone());
            let nodes: Vec<&str> = pods.iter().map(|p| p.1).collect();
            let related_nodes: Vec<&str> = related.iter().map(|p| p.1).collect();
            let ranks = ranks_by_related_pods_on_same_node(&nodes, &related_nodes);
            let views: Vec<PodRankView> = pods
                .iter()
                .zip(&ranks)
                .map(|(p, &rank)| with_rank(&p.2, rank))
                .collect();
            let got: Vec<&str> = pods_to_delete(&views, diff, NOW)
                .into_iter()
                .map(|i| pods[i].0)
                .collect();
            assert_eq!(got, want, "row {}", n + 1);
        }
    }

    /// Derived: equal logarithmic ready-time buckets fall back to the lower UID.
    #[test]
    fn ready_time_bucket_tie_sorts_by_uid() {
        let mut newer = pod(true, Running, true);
        newer.ready_since_ns = Some(NOW - 100);
        newer.uid = "z".into();
        let mut older = pod(true, Running, true);
        older.ready_since_ns = Some(NOW - 120);
        older.uid = "a".into();
        assert_eq!(pods_to_delete(&[newer, older], 1, NOW), [1]);
    }

    #[test]
    fn ranks_count_active_related_pods_per_node() {
        assert_eq!(
            ranks_by_related_pods_on_same_node(&["a", "b", "", "c"], &["a", "a", "b", "", ""]),
            [2, 1, 2, 0]
        );
    }

    /// SPEC §3.b `TestSortingActivePods`: nine pods in any input order sort to one order.
    #[test]
    fn test_sorting_active_pods() {
        let ready = |since: Option<u64>, restarts: i64, created: Option<u64>| PodRankView {
            ready_since_ns: since,
            max_restarts: restarts,
            created_ns: created,
            ..pod(true, Running, true)
        };
        let want = [
            ("unscheduled", pod(false, Pending, false)),
            ("scheduledButPending", pod(true, Pending, false)),
            ("unknownPhase", pod(true, Unknown, false)),
            ("runningButNotReady", pod(true, Running, false)),
            ("runningNoLastTransitionTime", ready(None, 3, None)),
            ("runningWithLastTransitionTime", ready(Some(NOW), 3, None)),
            ("runningLongerTime", ready(Some(THEN_1_MONTH), 3, None)),
            (
                "lowerContainerRestartCount",
                ready(Some(THEN_1_MONTH), 2, Some(NOW)),
            ),
            ("oldest", ready(Some(THEN_1_MONTH), 2, Some(THEN_1_MONTH))),
        ];
        let names: Vec<&str> = want.iter().map(|w| w.0).collect();
        // Deterministic permutations: identity, reversed, and 20 LCG shuffles.
        let mut perms: Vec<Vec<usize>> = vec![(0..9).collect(), (0..9).rev().collect()];
        let mut seed: u64 = 42;
        for _ in 0..20 {
            let mut perm: Vec<usize> = (0..9).collect();
            for i in (1..perm.len()).rev() {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                perm.swap(i, (seed >> 33) as usize % (i + 1));
            }
            perms.push(perm);
        }
        for perm in perms {
            let pods: Vec<PodRankView> = perm.iter().map(|&i| want[i].1.clone()).collect();
            let got: Vec<&str> = deletion_order(&pods, NOW)
                .into_iter()
                .map(|i| want[perm[i]].0)
                .collect();
            assert_eq!(got, names, "permutation {perm:?}");
        }
    }

    /// SPEC §3.b `TestSortingActivePodsWithRanks` (both features on; upstream's extra row with
    /// PodDeletionCost disabled cannot be expressed).
    #[test]
    fn test_sorting_active_pods_with_ranks() {
        let then_2h = Some(NOW - 2 * HOUR);
        let then_5h = Some(NOW - 5 * HOUR);
        let then_8h = Some(NOW - 8 * HOUR);
        let now = Some(NOW);
        let then = Some(THEN_1_MONTH);
        let unscheduled = ranked(false, Pending, false, 0, None, None, 0);
        let pending = ranked(true, Pending, false, 0, None, None, 0);
        let unknown_phase = ranked(true, Unknown, false, 0, None, None, 0);
        let not_ready = ranked(true, Running, false, 0, None, None, 0);
        let ready_no_ltt = ranked(true, Running, true, 0, None, None, 0);
        let ready_now = ranked(true, Running, true, 0, now, now, 0);
        let ready_then = ranked(true, Running, true, 0, then, then, 0);
        let ready_high_restarts = ranked(true, Running, true, 9001, now, now, 0);
        let ready_now_created_then = ranked(true, Running, true, 0, now, then, 0);
        let low_cost = ranked(true, Running, true, 0, now, then, 10);
        let high_cost = ranked(true, Running, true, 0, now, then, 100);
        let unscheduled_5h = ranked(false, Pending, false, 0, then_5h, then_5h, 0);
        let unscheduled_8h = ranked(false, Pending, false, 0, then_8h, then_8h, 0);
        let ready_2h = ranked(false, Running, true, 0, then_2h, then, 0);
        let ready_5h = ranked(false, Running, true, 0, then_5h, then, 0);
        let ready_8h = ranked(false, Running, true, 0, then_8h, then, 0);

        // Equality pairs, rank 1 each: SPEC's 9 self-comparisons plus upstream's two
        // same-bucket pairs (5 h vs 8 h both fall in bucket 44, UIDs equal).
        let equal: [(&str, &PodRankView, &PodRankView); 11] = [
            ("unscheduled", &unscheduled, &unscheduled),
            ("pending", &pending, &pending),
            ("unknown-phase", &unknown_phase, &unknown_phase),
            ("not-ready", &not_ready, &not_ready),
            (
                "ready-now-created-then",
                &ready_now_created_then,
                &ready_now_created_then,
            ),
            ("ready-now", &ready_now, &ready_now),
            ("ready-then", &ready_then, &ready_then),
            (
                "ready-high-restarts",
                &ready_high_restarts,
                &ready_high_restarts,
            ),
            (
                "ready-now-created-then",
                &ready_now_created_then,
                &ready_now_created_then,
            ),
            ("unscheduled 5h/8h", &unscheduled_5h, &unscheduled_8h),
            ("ready 5h/8h", &ready_5h, &ready_8h),
        ];
        for (name, a, b) in equal {
            let (a, b) = (with_rank(a, 1), with_rank(b, 1));
            assert_eq!(compare_for_deletion(&a, &b, NOW), Ordering::Equal, "{name}");
            assert_eq!(compare_for_deletion(&b, &a, NOW), Ordering::Equal, "{name}");
        }

        // Strict orderings (lesser, rank) < (greater, rank). SPEC rows 1-11 are marked; the
        // others are the remaining rows of the upstream table.
        let strict: [(&str, &PodRankView, i64, &PodRankView, i64); 15] = [
            ("1", &unscheduled, 1, &pending, 2),
            ("2", &unscheduled, 2, &pending, 1),
            ("3", &pending, 1, &unknown_phase, 2),
            ("4", &unknown_phase, 1, &not_ready, 2),
            ("5", &not_ready, 1, &ready_no_ltt, 1),
            ("6", &ready_no_ltt, 1, &ready_now, 1),
            ("upstream", &ready_now, 2, &ready_no_ltt, 1),
            ("7", &ready_now, 1, &ready_then, 1),
            ("upstream", &ready_now, 2, &ready_then, 1),
            ("8", &ready_high_restarts, 1, &ready_now, 1),
            ("upstream", &ready_now, 2, &ready_high_restarts, 1),
            ("9", &ready_now, 1, &ready_now_created_then, 1),
            ("upstream", &ready_now_created_then, 2, &ready_now, 1),
            ("10", &low_cost, 2, &high_cost, 1),
            ("11", &ready_2h, 1, &ready_5h, 1),
        ];
        for (n, (row, lesser, lesser_rank, greater, greater_rank)) in strict.into_iter().enumerate()
        {
            let a = with_rank(lesser, lesser_rank);
            let b = with_rank(greater, greater_rank);
            assert_eq!(
                compare_for_deletion(&a, &b, NOW),
                Ordering::Less,
                "entry {n} (SPEC row {row})"
            );
            assert_eq!(
                compare_for_deletion(&b, &a, NOW),
                Ordering::Greater,
                "entry {n} (SPEC row {row})"
            );
        }
    }

    /// Derived: `floor(log2)` buckets at exact powers of two, and times at/after `now`.
    #[test]
    fn logarithmic_buckets() {
        assert_eq!(log_bucket(NOW, NOW), -1);
        assert_eq!(log_bucket(NOW + 5, NOW), -1);
        assert_eq!(log_bucket(NOW - 1, NOW), 0);
        assert_eq!(log_bucket(NOW - 1023, NOW), 9);
        assert_eq!(log_bucket(NOW - 1024, NOW), 10);
        assert_eq!(log_bucket(NOW - 2 * HOUR, NOW), 42);
        assert_eq!(log_bucket(NOW - 5 * HOUR, NOW), 44);
        assert_eq!(log_bucket(NOW - 8 * HOUR, NOW), 44);
        assert_eq!(log_bucket(THEN_1_MONTH, NOW), 51);
    }

    /// Derived: the merge sort is stable and handles non-transitive comparators without panic.
    #[test]
    fn stable_sort_properties() {
        let keys = [3, 1, 2, 1, 3, 0, 2, 1];
        let mut order: Vec<usize> = (0..keys.len()).collect();
        stable_sort_by(&mut order, |a, b| keys[a].cmp(&keys[b]));
        assert_eq!(order, [5, 1, 3, 7, 2, 6, 0, 4]);
        // Rock-paper-scissors comparator: must terminate and keep a permutation.
        let mut order: Vec<usize> = (0..30).collect();
        stable_sort_by(&mut order, |a, b| match (a % 3 + 3 - b % 3) % 3 {
            0 => Ordering::Equal,
            1 => Ordering::Less,
            _ => Ordering::Greater,
        });
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..30).collect::<Vec<_>>());
    }
}
