//! Demand on Services at the current time and what it costs the pods serving it: requests are
//! spread evenly over the ready endpoints; those whose application answers serve up to
//! `perPodRps` each; each running pod of the Service uses `idleCpu` plus `cpuPerRequest` times
//! the requests/s it serves.

use super::endpoints::ServiceEndpoints;
use crate::scenario::spec::Traffic;

/// The demand on one Service as the run goes on.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceTraffic {
    /// The demand in force (replaced by `setTraffic`).
    pub spec: Traffic,
    /// Requests/s now.
    pub rps: f64,
    /// Bumped by `setTraffic`; change events of an older demand are ignored.
    pub generation: u32,
    /// Serving endpoints the Service needs to answer at all (`spec.availability`
    /// `minReadyEndpoints`; 1 without a rule): below it every request fails, as a replicated
    /// database without quorum serves nothing.
    pub min_serving: i64,
}

/// Requests/s demanded, served, and served by pods of a bad image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceLoad {
    /// Demanded.
    pub demand: f64,
    /// Served (answered by an application).
    pub served: f64,
    /// Served by pods whose image has an error rate.
    pub bad: f64,
}

/// Ready, answering and bad-answering endpoints of one subset of a Service's endpoints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointCounts {
    /// Ready endpoints (they receive requests).
    pub ready: i64,
    /// Of those, the ones whose application answers.
    pub app_ready: i64,
    /// Of those, the ones running an image with an error rate.
    pub bad_app_ready: i64,
}

impl From<&ServiceEndpoints> for EndpointCounts {
    fn from(e: &ServiceEndpoints) -> Self {
        EndpointCounts {
            ready: e.ready,
            app_ready: e.app_ready,
            bad_app_ready: e.bad_app_ready,
        }
    }
}

impl ServiceTraffic {
    /// The share of the requests each group receives: one per `split` entry, then the rest
    /// (the endpoints no split selector matches); a single group of 1 without a split.
    pub fn shares(&self) -> Vec<f64> {
        let mut shares: Vec<f64> = self.spec.split.iter().map(|(_, f)| *f).collect();
        let rest = 1.0 - shares.iter().sum::<f64>();
        shares.push(rest.max(0.0));
        shares
    }

    /// The index of the group a pod with `labels` belongs to (see [`Self::shares`]).
    pub fn group_of(&self, labels: &std::collections::BTreeMap<String, String>) -> usize {
        self.spec
            .split
            .iter()
            .position(|(selector, _)| selector.iter().all(|(k, v)| labels.get(k) == Some(v)))
            .unwrap_or(self.spec.split.len())
    }

    /// The load of the Service given its endpoints (no split).
    pub fn load(&self, endpoints: &ServiceEndpoints) -> ServiceLoad {
        self.load_groups(&[EndpointCounts::from(endpoints)]).0
    }

    /// The load of the Service given the endpoint counts of each group (aligned with
    /// [`Self::shares`]), and the requests/s each group serves. Within a group requests spread
    /// evenly over its ready endpoints; those whose app does not answer fail, and so do a
    /// group's requests when it has no ready endpoint (its share is fixed).
    pub fn load_groups(&self, groups: &[EndpointCounts]) -> (ServiceLoad, Vec<f64>) {
        let demand = self.rps;
        let shares = self.shares();
        let mut total = ServiceLoad {
            demand,
            served: 0.0,
            bad: 0.0,
        };
        let mut served_per_group = Vec::with_capacity(groups.len());
        let serving: i64 = groups.iter().map(|g| g.app_ready).sum();
        if serving < self.min_serving {
            served_per_group.resize(groups.len(), 0.0);
            return (total, served_per_group);
        }
        for (i, g) in groups.iter().enumerate() {
            let share = if groups.len() == 1 {
                1.0
            } else {
                shares.get(i).copied().unwrap_or(0.0)
            };
            let group_demand = demand * share;
            let answering = if g.ready > 0 {
                group_demand * g.app_ready as f64 / g.ready as f64
            } else {
                0.0
            };
            let served = match self.spec.per_pod_rps {
                Some(per_pod) => answering.min(per_pod * g.app_ready as f64),
                None => answering,
            };
            let bad = if g.app_ready > 0 {
                served * g.bad_app_ready as f64 / g.app_ready as f64
            } else {
                0.0
            };
            total.served += served;
            total.bad += bad;
            served_per_group.push(served);
        }
        (total, served_per_group)
    }

    /// CPU (millicores) one pod uses: `running` pods idle at `idleCpu`; those whose application
    /// answers add their share of the requests their group serves (`group` of `groups`).
    pub fn pod_cpu_millis(
        &self,
        groups: &[EndpointCounts],
        group: usize,
        running: bool,
        answering: bool,
    ) -> f64 {
        if !running {
            return 0.0;
        }
        let mut cpu = self.spec.idle_cpu_millis;
        if answering
            && let Some(g) = groups.get(group)
            && g.app_ready > 0
        {
            let (_, served) = self.load_groups(groups);
            cpu += self.spec.cpu_per_request_millis * served[group] / g.app_ready as f64;
        }
        cpu
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::demand::Demand;

    fn traffic(split: &[(&str, f64)], per_pod_rps: Option<f64>) -> ServiceTraffic {
        ServiceTraffic {
            spec: Traffic {
                namespace: "default".into(),
                service: "web".into(),
                demand: Demand::constant(100.0),
                per_pod_rps,
                cpu_per_request_millis: 1.0,
                idle_cpu_millis: 10.0,
                split: split
                    .iter()
                    .map(|(track, f)| ([("track".to_string(), track.to_string())].into(), *f))
                    .collect(),
            },
            rps: 100.0,
            generation: 0,
            min_serving: 1,
        }
    }

    fn counts(ready: i64, app_ready: i64, bad: i64) -> EndpointCounts {
        EndpointCounts {
            ready,
            app_ready,
            bad_app_ready: bad,
        }
    }

    /// (split, groups, per-pod capacity) → (served, bad, served per group).
    type Row = (
        Vec<(&'static str, f64)>,
        Vec<EndpointCounts>,
        Option<f64>,
        f64,
        f64,
        Vec<f64>,
    );

    #[test]
    fn load_by_groups() {
        let rows: Vec<Row> = vec![
            // No split: by endpoint count, 1 bad of 4.
            (
                vec![],
                vec![counts(4, 4, 1)],
                None,
                100.0,
                25.0,
                vec![100.0],
            ),
            // 10 % to track b (1 bad pod), 90 % to the 3 others.
            (
                vec![("b", 0.1)],
                vec![counts(1, 1, 1), counts(3, 3, 0)],
                None,
                100.0,
                10.0,
                vec![10.0, 90.0],
            ),
            // Track b has no ready endpoint: its 10 % fail.
            (
                vec![("b", 0.1)],
                vec![counts(0, 0, 0), counts(3, 3, 0)],
                None,
                90.0,
                0.0,
                vec![0.0, 90.0],
            ),
            // Capacity caps each group separately.
            (
                vec![("b", 0.5)],
                vec![counts(1, 1, 0), counts(3, 3, 0)],
                Some(20.0),
                70.0,
                0.0,
                vec![20.0, 50.0],
            ),
            // Ready but not answering: requests to it fail.
            (
                vec![("b", 0.2)],
                vec![counts(2, 1, 0), counts(2, 2, 0)],
                None,
                90.0,
                0.0,
                vec![10.0, 80.0],
            ),
        ];
        for (i, (split, groups, cap, served, bad, per_group)) in rows.into_iter().enumerate() {
            let t = traffic(&split, cap);
            let (load, by_group) = t.load_groups(&groups);
            assert!((load.served - served).abs() < 1e-9, "row {i}: {load:?}");
            assert!((load.bad - bad).abs() < 1e-9, "row {i}: {load:?}");
            assert_eq!(by_group.len(), per_group.len(), "row {i}");
            for (got, want) in by_group.iter().zip(&per_group) {
                assert!((got - want).abs() < 1e-9, "row {i}: {by_group:?}");
            }
        }
    }

    #[test]
    fn pods_use_their_groups_share() {
        let t = traffic(&[("b", 0.1)], None);
        let groups = [counts(1, 1, 0), counts(3, 3, 0)];
        assert!((t.pod_cpu_millis(&groups, 0, true, true) - 20.0).abs() < 1e-9);
        assert!((t.pod_cpu_millis(&groups, 1, true, true) - 40.0).abs() < 1e-9);
        assert!((t.pod_cpu_millis(&groups, 1, true, false) - 10.0).abs() < 1e-9);
        assert_eq!(t.pod_cpu_millis(&groups, 1, false, true), 0.0);
        let labels = [("track".to_string(), "b".to_string())].into();
        assert_eq!(t.group_of(&labels), 0);
        assert_eq!(t.group_of(&Default::default()), 1);
    }

    #[test]
    fn below_the_quorum_nothing_is_served() {
        // (serving endpoints per group, quorum) → served requests/s of 100 demanded.
        let rows: [(Vec<EndpointCounts>, i64, f64); 5] = [
            (vec![counts(3, 3, 0)], 2, 100.0),
            (vec![counts(3, 2, 0)], 2, 100.0 * 2.0 / 3.0),
            (vec![counts(3, 1, 0)], 2, 0.0),
            (vec![counts(0, 0, 0)], 1, 0.0),
            // The quorum counts serving endpoints over every group of a split.
            (vec![counts(1, 1, 0), counts(1, 1, 0)], 2, 100.0),
        ];
        for (groups, quorum, want) in rows {
            let split = if groups.len() > 1 {
                vec![("b", 0.5)]
            } else {
                vec![]
            };
            let mut t = traffic(&split, None);
            t.min_serving = quorum;
            let (load, per_group) = t.load_groups(&groups);
            assert!(
                (load.served - want).abs() < 1e-9,
                "{groups:?} {quorum}: {}",
                load.served
            );
            assert_eq!(per_group.len(), groups.len());
        }
    }
}
