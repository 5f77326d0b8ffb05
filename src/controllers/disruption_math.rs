//! Pure arithmetic of the disruption controller (PodDisruptionBudget status) and of the
//! eviction check that consumes it.
//!
//! Mirrors `pkg/controller/disruption/disruption.go` (`getExpectedPodCount`,
//! `getExpectedScale`, `countHealthyPods`, `updatePdbStatus`) and the budget check of
//! `pkg/registry/core/pod/storage/eviction.go` in kubernetes/kubernetes (newest behaviour;
//! fidelity SPEC §12 and the runner-up pitfall):
//!
//! * `expected` comes from the **scale of the pods' controllers** (each controller counted once)
//!   for a percentage `minAvailable` and for any `maxUnavailable`, but from the **number of
//!   selected pods** for an integer `minAvailable` ([`expected_pod_count`]);
//! * percentages round **up** (`maxUnavailable` and `minAvailable` alike);
//! * `currentHealthy` counts Ready pods that are neither being deleted nor recently evicted
//!   ([`count_healthy_pods`]);
//! * `disruptionsAllowed = currentHealthy − desiredHealthy`, 0 when that is negative or when
//!   `expected <= 0` ([`disruptions_allowed`], [`pdb_status`]);
//! * [`eviction_decision`]: whether the eviction API lets one more pod go.
//!
//! Pure functions: no I/O, no clock (`now` is an argument), integer arithmetic only; controller
//! scales are looked up in a `BTreeMap` and never iterated in hash order.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::model::intstr::IntOrPercent;
use crate::sim::time::{NANOS_PER_SEC, SimTime};

/// `DeletionTimeout`: an evicted pod stays out of `currentHealthy` for this long (2 min) while
/// its deletion is expected.
pub const DELETION_TIMEOUT_NS: u64 = 120 * NANOS_PER_SEC;

/// `MaxDisruptedPodSize`: evictions refused while this many evictions are unconfirmed.
pub const MAX_DISRUPTED_POD_SIZE: usize = 2000;

/// The budget of a PodDisruptionBudget (exactly one is set after validation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PdbBudget {
    /// `spec.minAvailable`.
    MinAvailable(IntOrPercent),
    /// `spec.maxUnavailable`.
    MaxUnavailable(IntOrPercent),
}

/// `spec.unhealthyPodEvictionPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum UnhealthyPodEvictionPolicy {
    /// Default: a not-ready pod may be evicted without using the budget only while the
    /// application is healthy (`currentHealthy >= desiredHealthy > 0`).
    #[default]
    IfHealthyBudget,
    /// Not-ready pods may always be evicted.
    AlwaysAllow,
}

/// What the disruption controller needs to know about one pod selected by the budget.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PdbPodView {
    /// UID (or any unique key) of the pod's **scale owner**: the Deployment for pods of a
    /// Deployment's ReplicaSet, else the ReplicaSet, ReplicationController, StatefulSet or other
    /// `/scale` resource named by the controller reference. `None` for a pod without a
    /// controller reference (unmanaged).
    pub controller: Option<String>,
    /// The Ready condition is True.
    pub ready: bool,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// When the eviction API recorded this pod in `status.disruptedPods`, if it did.
    pub disrupted_at: Option<SimTime>,
}

/// `status` of a PodDisruptionBudget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PdbStatus {
    /// `disruptionsAllowed`.
    pub disruptions_allowed: i64,
    /// `currentHealthy`.
    pub current_healthy: i64,
    /// `desiredHealthy`.
    pub desired_healthy: i64,
    /// `expectedPods`.
    pub expected_pods: i64,
}

/// Result of [`expected_pod_count`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExpectedCount {
    /// `expectedPods`.
    pub expected: i64,
    /// `desiredHealthy`.
    pub desired_healthy: i64,
    /// Indices (into the pod list) of pods without a controller; they add nothing to
    /// `expected`.
    pub unmanaged: Vec<usize>,
}

/// Why the status could not be computed (the controller sets `disruptionsAllowed` to 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdbError {
    /// "found no controllers for pod": the pod at this index names a controller whose scale is
    /// unknown.
    NoControllerScale(usize),
}

impl fmt::Display for PdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PdbError::NoControllerScale(index) => {
                write!(f, "found no controllers for pod #{index}")
            }
        }
    }
}

impl std::error::Error for PdbError {}

/// Outcome of [`eviction_decision`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvictionDecision {
    /// Evict without touching the budget (pod terminal, pending, unready under the policy, or
    /// not covered by a budget).
    AllowWithoutBudget,
    /// Evict and consume one disruption (`disruptionsAllowed − 1`, pod added to
    /// `disruptedPods`).
    AllowAndDecrement,
    /// Refuse with 429 Too Many Requests (budget exhausted, or status not yet observed).
    Deny,
}

/// `getExpectedScale`: Σ scale of the distinct controllers of `pods` (looked up in `scales` by
/// [`PdbPodView::controller`]); pods without a controller are listed as unmanaged.
pub fn expected_scale(
    pods: &[PdbPodView],
    scales: &BTreeMap<String, i64>,
) -> Result<(i64, Vec<usize>), PdbError> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut unmanaged = Vec::new();
    let mut expected = 0;
    for (i, pod) in pods.iter().enumerate() {
        let Some(controller) = pod.controller.as_deref() else {
            unmanaged.push(i);
            continue;
        };
        if !seen.insert(controller) {
            continue;
        }
        let scale = scales
            .get(controller)
            .ok_or(PdbError::NoControllerScale(i))?;
        expected += scale;
    }
    Ok((expected, unmanaged))
}

/// `getExpectedPodCount`.
///
/// * `maxUnavailable`: `expected` = [`expected_scale`]; `desiredHealthy = max(0, expected −
///   maxUnavailable)` with the percentage of `expected` rounded **up**.
/// * integer `minAvailable`: `desiredHealthy = minAvailable`, `expected` = number of pods.
/// * percentage `minAvailable`: `expected` = [`expected_scale`]; `desiredHealthy` = the
///   percentage of `expected` rounded **up**.
pub fn expected_pod_count(
    budget: PdbBudget,
    pods: &[PdbPodView],
    scales: &BTreeMap<String, i64>,
) -> Result<ExpectedCount, PdbError> {
    match budget {
        PdbBudget::MaxUnavailable(value) => {
            let (expected, unmanaged) = expected_scale(pods, scales)?;
            let max_unavailable = value.scaled_value(expected, true);
            Ok(ExpectedCount {
                expected,
                desired_healthy: (expected - max_unavailable).max(0),
                unmanaged,
            })
        }
        PdbBudget::MinAvailable(IntOrPercent::Int(min)) => Ok(ExpectedCount {
            expected: pods.len() as i64,
            desired_healthy: min,
            unmanaged: Vec::new(),
        }),
        PdbBudget::MinAvailable(value) => {
            let (expected, unmanaged) = expected_scale(pods, scales)?;
            Ok(ExpectedCount {
                expected,
                desired_healthy: value.scaled_value(expected, true),
                unmanaged,
            })
        }
    }
}

/// `countHealthyPods`: Ready pods that are not being deleted and were not evicted less than
/// [`DELETION_TIMEOUT_NS`] before `now`.
pub fn count_healthy_pods(pods: &[PdbPodView], now: SimTime) -> i64 {
    pods.iter()
        .filter(|pod| !pod.deleting)
        .filter(|pod| {
            pod.disrupted_at
                .is_none_or(|at| at.plus_nanos(DELETION_TIMEOUT_NS) <= now)
        })
        .filter(|pod| pod.ready)
        .count() as i64
}

/// `updatePdbStatus`: `currentHealthy − desiredHealthy`, or 0 when that is not positive or when
/// `expected <= 0`.
pub fn disruptions_allowed(current_healthy: i64, desired_healthy: i64, expected: i64) -> i64 {
    let allowed = current_healthy - desired_healthy;
    if expected <= 0 || allowed <= 0 {
        0
    } else {
        allowed
    }
}

/// The full status of a budget over the pods it selects.
pub fn pdb_status(
    budget: PdbBudget,
    pods: &[PdbPodView],
    scales: &BTreeMap<String, i64>,
    now: SimTime,
) -> Result<PdbStatus, PdbError> {
    let counts = expected_pod_count(budget, pods, scales)?;
    let current_healthy = count_healthy_pods(pods, now);
    Ok(PdbStatus {
        disruptions_allowed: disruptions_allowed(
            current_healthy,
            counts.desired_healthy,
            counts.expected,
        ),
        current_healthy,
        desired_healthy: counts.desired_healthy,
        expected_pods: counts.expected,
    })
}

/// A budget covering a pod, as the eviction API sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvictionBudget {
    /// The budget's status.
    pub status: PdbStatus,
    /// `spec.unhealthyPodEvictionPolicy`.
    pub policy: UnhealthyPodEvictionPolicy,
    /// `status.observedGeneration >= metadata.generation`.
    pub observed: bool,
    /// Entries in `status.disruptedPods` (evictions not yet confirmed by the controller).
    pub unconfirmed_evictions: usize,
}

/// The eviction API's budget check for one pod.
///
/// `budgets` are the budgets selecting the pod. No budget, or a pod that can ignore budgets
/// (`pod_exempt`: phase Succeeded, Failed or Pending, or already being deleted): allowed without
/// a budget. More than one budget: denied (upstream returns an error). A not-ready pod is
/// evicted without using the budget under AlwaysAllow, or under IfHealthyBudget while
/// `currentHealthy >= desiredHealthy > 0`. Otherwise the budget must be observed, have at most
/// [`MAX_DISRUPTED_POD_SIZE`] unconfirmed evictions, and `disruptionsAllowed > 0`.
pub fn eviction_decision(
    pod_exempt: bool,
    pod_ready: bool,
    budgets: &[EvictionBudget],
) -> EvictionDecision {
    if pod_exempt || budgets.is_empty() {
        return EvictionDecision::AllowWithoutBudget;
    }
    if budgets.len() > 1 {
        return EvictionDecision::Deny;
    }
    let budget = budgets[0];
    let status = budget.status;
    if !pod_ready {
        let unhealthy_ok = match budget.policy {
            UnhealthyPodEvictionPolicy::AlwaysAllow => true,
            UnhealthyPodEvictionPolicy::IfHealthyBudget => {
                status.current_healthy >= status.desired_healthy && status.desired_healthy > 0
            }
        };
        if unhealthy_ok {
            return EvictionDecision::AllowWithoutBudget;
        }
    }
    if !budget.observed
        || budget.unconfirmed_evictions > MAX_DISRUPTED_POD_SIZE
        || status.disruptions_allowed <= 0
    {
        return EvictionDecision::Deny;
    }
    EvictionDecision::AllowAndDecrement
}

#[cfg(test)]
mod tests {
    use super::*;

    fn min_int(v: i64) -> PdbBudget {
        PdbBudget::MinAvailable(IntOrPercent::Int(v))
    }

    fn min_pct(p: i64) -> PdbBudget {
        PdbBudget::MinAvailable(IntOrPercent::Percent(p))
    }

    fn max_int(v: i64) -> PdbBudget {
        PdbBudget::MaxUnavailable(IntOrPercent::Int(v))
    }

    fn max_pct(p: i64) -> PdbBudget {
        PdbBudget::MaxUnavailable(IntOrPercent::Percent(p))
    }

    fn ready_pod(controller: Option<&str>) -> PdbPodView {
        PdbPodView {
            controller: controller.map(str::to_string),
            ready: true,
            deleting: false,
            disrupted_at: None,
        }
    }

    fn unready_pod(controller: Option<&str>) -> PdbPodView {
        PdbPodView {
            ready: false,
            ..ready_pod(controller)
        }
    }

    fn scales(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn status(t: (i64, i64, i64, i64)) -> PdbStatus {
        PdbStatus {
            disruptions_allowed: t.0,
            current_healthy: t.1,
            desired_healthy: t.2,
            expected_pods: t.3,
        }
    }

    /// SPEC §12.b `disruption_test.go`, all 15 rows (row 13 has two situations):
    /// status tuple = (disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods).
    #[test]
    fn test_disruption_status() {
        let now = SimTime::from_secs(1000);
        let rs = |n: usize| vec![ready_pod(Some("rs")); n];
        let rc_pods = |ready: usize| {
            let mut pods = vec![ready_pod(Some("rc")); ready];
            pods.extend(vec![unready_pod(Some("rc")); 3 - ready]);
            pods
        };
        type Row = (
            &'static str,
            PdbBudget,
            Vec<PdbPodView>,
            BTreeMap<String, i64>,
            Option<(i64, i64, i64, i64)>,
            i64,
        );
        let rows: Vec<Row> = vec![
            (
                "TestNoSelector 0 pods",
                min_int(3),
                vec![],
                scales(&[]),
                Some((0, 0, 3, 0)),
                0,
            ),
            (
                "TestNoSelector 1 pod",
                min_int(3),
                vec![ready_pod(None)],
                scales(&[]),
                Some((0, 1, 3, 1)),
                0,
            ),
            (
                "TestUnavailable 1",
                min_int(3),
                rs(1),
                scales(&[]),
                Some((0, 1, 3, 1)),
                0,
            ),
            (
                "TestUnavailable 2",
                min_int(3),
                rs(2),
                scales(&[]),
                Some((0, 2, 3, 2)),
                0,
            ),
            (
                "TestUnavailable 3",
                min_int(3),
                rs(3),
                scales(&[]),
                Some((0, 3, 3, 3)),
                0,
            ),
            (
                "TestUnavailable 4",
                min_int(3),
                rs(4),
                scales(&[]),
                Some((1, 4, 3, 4)),
                1,
            ),
            (
                "TestIntegerMaxUnavailable 0 pods",
                max_int(1),
                vec![],
                scales(&[]),
                None,
                0,
            ),
            (
                "TestIntegerMaxUnavailable unmanaged",
                max_int(1),
                vec![ready_pod(None)],
                scales(&[]),
                None,
                0,
            ),
            (
                "TestIntegerMaxUnavailableWithScaling 7",
                max_int(2),
                rs(1),
                scales(&[("rs", 7)]),
                Some((0, 1, 5, 7)),
                0,
            ),
            (
                "TestIntegerMaxUnavailableWithScaling 5",
                max_int(2),
                rs(1),
                scales(&[("rs", 5)]),
                Some((0, 1, 3, 5)),
                0,
            ),
            (
                "TestPercentageMaxUnavailableWithScaling",
                max_pct(30),
                rs(1),
                scales(&[("rs", 3)]),
                Some((0, 1, 2, 3)),
                0,
            ),
            (
                "TestReplicaSet",
                min_pct(20),
                rs(1),
                scales(&[("rs", 10)]),
                Some((0, 1, 2, 10)),
                0,
            ),
            (
                "TestReplicationController 1 ready",
                min_pct(34),
                rc_pods(1),
                scales(&[("rc", 3)]),
                Some((0, 1, 2, 3)),
                0,
            ),
            (
                "TestReplicationController 2 ready",
                min_pct(34),
                rc_pods(2),
                scales(&[("rc", 3)]),
                Some((0, 2, 2, 3)),
                0,
            ),
            (
                "TestReplicationController 3 ready",
                min_pct(34),
                rc_pods(3),
                scales(&[("rc", 3)]),
                Some((1, 3, 2, 3)),
                1,
            ),
            (
                "TestStatefulSetController",
                min_pct(34),
                vec![ready_pod(Some("sts")); 3],
                scales(&[("sts", 3)]),
                Some((1, 3, 2, 3)),
                1,
            ),
        ];
        assert_eq!(rows.len(), 16);
        for (name, budget, pods, scales, want, allowed) in rows {
            let got = pdb_status(budget, &pods, &scales, now).unwrap();
            assert_eq!(got.disruptions_allowed, allowed, "{name}");
            if let Some(want) = want {
                assert_eq!(got, status(want), "{name}");
            }
        }
    }

    /// Runner-up pitfall: an integer minAvailable counts pods, a percentage counts controller
    /// scale; each controller is counted once.
    #[test]
    fn expected_count_sources() {
        let pods = vec![
            ready_pod(Some("a")),
            ready_pod(Some("a")),
            ready_pod(Some("b")),
            ready_pod(None),
        ];
        let s = scales(&[("a", 5), ("b", 2)]);
        let by_pods = expected_pod_count(min_int(2), &pods, &s).unwrap();
        assert_eq!((by_pods.expected, by_pods.desired_healthy), (4, 2));
        let by_scale = expected_pod_count(min_pct(50), &pods, &s).unwrap();
        assert_eq!(
            by_scale,
            ExpectedCount {
                expected: 7,
                desired_healthy: 4,
                unmanaged: vec![3]
            }
        );
        let max = expected_pod_count(max_pct(50), &pods, &s).unwrap();
        assert_eq!((max.expected, max.desired_healthy), (7, 3));
        let over = expected_pod_count(max_int(10), &pods, &s).unwrap();
        assert_eq!(over.desired_healthy, 0);
        assert_eq!(
            expected_pod_count(min_pct(50), &pods, &scales(&[("a", 5)])),
            Err(PdbError::NoControllerScale(2))
        );
        // Integer minAvailable needs no controller at all.
        assert!(expected_pod_count(min_int(1), &pods, &scales(&[])).is_ok());
    }

    #[test]
    fn healthy_pods() {
        let now = SimTime::from_secs(1000);
        let pods = vec![
            ready_pod(None),
            unready_pod(None),
            PdbPodView {
                deleting: true,
                ..ready_pod(None)
            },
            PdbPodView {
                disrupted_at: Some(SimTime::from_secs(950)),
                ..ready_pod(None)
            },
            PdbPodView {
                disrupted_at: Some(SimTime::from_secs(880)),
                ..ready_pod(None)
            },
        ];
        // The pod evicted 50 s ago is still expected to go; the one evicted 120 s ago counts.
        assert_eq!(count_healthy_pods(&pods, now), 2);
        assert_eq!(disruptions_allowed(5, 3, 0), 0);
        assert_eq!(disruptions_allowed(2, 3, 4), 0);
        assert_eq!(disruptions_allowed(5, 3, 4), 2);
    }

    #[test]
    fn eviction_checks() {
        use EvictionDecision::*;
        use UnhealthyPodEvictionPolicy::*;
        let budget = |t, policy| EvictionBudget {
            status: status(t),
            policy,
            observed: true,
            unconfirmed_evictions: 0,
        };
        let ok = budget((1, 3, 2, 3), IfHealthyBudget);
        let exhausted = budget((0, 2, 2, 3), IfHealthyBudget);
        let unhealthy = budget((0, 1, 2, 3), IfHealthyBudget);
        assert_eq!(eviction_decision(false, true, &[]), AllowWithoutBudget);
        assert_eq!(
            eviction_decision(true, true, &[exhausted]),
            AllowWithoutBudget
        );
        assert_eq!(eviction_decision(false, true, &[ok]), AllowAndDecrement);
        assert_eq!(eviction_decision(false, true, &[exhausted]), Deny);
        let stale = EvictionBudget {
            observed: false,
            ..ok
        };
        assert_eq!(eviction_decision(false, true, &[stale]), Deny);
        assert_eq!(eviction_decision(false, true, &[ok, ok]), Deny);
        let flooded = EvictionBudget {
            unconfirmed_evictions: MAX_DISRUPTED_POD_SIZE + 1,
            ..ok
        };
        assert_eq!(eviction_decision(false, true, &[flooded]), Deny);
        // Unready pods: free while the application is healthy, or always with AlwaysAllow.
        assert_eq!(
            eviction_decision(false, false, &[exhausted]),
            AllowWithoutBudget
        );
        assert_eq!(eviction_decision(false, false, &[unhealthy]), Deny);
        let always = EvictionBudget {
            policy: AlwaysAllow,
            ..unhealthy
        };
        assert_eq!(
            eviction_decision(false, false, &[always]),
            AllowWithoutBudget
        );
    }
}
