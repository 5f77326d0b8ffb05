//! Demand on Services at the current time and what it costs the pods serving it: requests are
//! spread evenly over the ready endpoints; those whose application answers serve up to
//! `perPodRps` each; each running pod of the Service uses `idleCpu` plus `cpuPerRequest` times
//! the requests/s it serves.

use super::world::ServiceEndpoints;
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

impl ServiceTraffic {
    /// The load of the Service given its endpoints.
    pub fn load(&self, endpoints: &ServiceEndpoints) -> ServiceLoad {
        let demand = self.rps;
        // Requests spread over ready endpoints; those whose app does not answer yet fail.
        let answering = if endpoints.ready > 0 {
            demand * endpoints.app_ready as f64 / endpoints.ready as f64
        } else {
            0.0
        };
        let served = match self.spec.per_pod_rps {
            Some(per_pod) => answering.min(per_pod * endpoints.app_ready as f64),
            None => answering,
        };
        let bad = if endpoints.app_ready > 0 {
            served * endpoints.bad_app_ready as f64 / endpoints.app_ready as f64
        } else {
            0.0
        };
        ServiceLoad {
            demand,
            served,
            bad,
        }
    }

    /// CPU (millicores) one pod of the Service uses: `running` pods idle at `idleCpu`, those
    /// whose application answers behind the Service add their share of the served requests.
    pub fn pod_cpu_millis(
        &self,
        endpoints: &ServiceEndpoints,
        running: bool,
        answering: bool,
    ) -> f64 {
        if !running {
            return 0.0;
        }
        let mut cpu = self.spec.idle_cpu_millis;
        if answering && endpoints.app_ready > 0 {
            cpu += self.spec.cpu_per_request_millis * self.load(endpoints).served
                / endpoints.app_ready as f64;
        }
        cpu
    }
}
