//! Service endpoints as the data plane sees them: the EndpointSlice controller's view of each
//! pod, and kube-proxy's routing table, which follows that view after a propagation delay.
//!
//! Model (what a request sent to a Service meets):
//!
//! - The endpoint controller publishes a pod as a *ready* endpoint while it is Ready and not
//!   terminating; with `publishNotReadyAddresses` every pod that has an address (bound) and has
//!   not finished is published, ready or not, terminating or not (`ShouldPodBeInEndpoints`).
//! - kube-proxy routes to the published endpoints `spec.cluster.endpointPropagationDelay`
//!   (default 1 s) after the controller's view changed: a pod joins that long after it became
//!   ready and leaves that long after it stopped being ready, was deleted or disappeared.
//!   Every change travels separately and in order (a constant delay keeps the order).
//! - A routed request succeeds when the pod's application *answers*: it is running, passed its
//!   start-up, has not hung, and has not received SIGTERM. A terminating pod keeps answering
//!   during its preStop hook, so requests kube-proxy still sends it are served; without a
//!   preStop hook SIGTERM comes at once and they fail until kube-proxy catches up. A pod whose
//!   node crashed does not answer (whoever stops it clears its readiness and answering); a
//!   partitioned node's pods keep answering.
//! - kube-proxy's fallback to serving-but-terminating endpoints when a Service has no ready
//!   endpoint at all is not modelled.
//!
//! A Service is *up* while at least `minReadyEndpoints` (`spec.availability`, default 1) of its
//! routed endpoints answer.

use std::collections::BTreeSet;

use super::state::PodId;
use crate::sim::time::SimTime;

/// Something that may have started an outage: a timeline action, a container failure, a kill
/// or an eviction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disruption {
    /// When it happened.
    pub time: SimTime,
    /// The pod it hit (`None`: cluster-wide, such as a timeline action).
    pub pod: Option<PodId>,
    /// What happened: `setImage deployment/web`, `OOMKilled pod/web-0`, `Killing pod/web-1`.
    pub what: String,
}

/// What the endpoint controller publishes about one pod.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct EndpointView {
    /// Ready and not terminating: a ready endpoint of every Service selecting the pod.
    pub ready: bool,
    /// Has an address and has not finished: an endpoint of Services with
    /// `publishNotReadyAddresses`.
    pub published: bool,
}

/// One pod as the data plane sees it now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PodServing {
    /// The endpoint controller's current view (kube-proxy learns it later).
    pub view: EndpointView,
    /// The application answers requests now.
    pub answering: bool,
    /// It runs an image with an error rate (a bad release).
    pub bad: bool,
}

/// The endpoints of one Service: the pods it selects and those kube-proxy routes to.
#[derive(Debug, Default, Clone)]
pub struct ServiceEndpoints {
    /// Live pods the selector matches.
    pub pods: BTreeSet<PodId>,
    /// Pods kube-proxy routes requests to (the published view, delayed).
    pub proxied: BTreeSet<PodId>,
    /// Routed endpoints (`ready_endpoints`: what kube-proxy sees).
    pub ready: i64,
    /// Of those, the ones whose application answers (`serving_endpoints`).
    pub app_ready: i64,
    /// Of those, the ones running an image with an error rate.
    pub bad_app_ready: i64,
    /// `spec.publishNotReadyAddresses`.
    pub publish_not_ready: bool,
    /// Serving endpoints the Service needs to be up (`spec.availability`; default 1).
    pub min_ready: i64,
    /// Every pod the Service ever selected (for outage causes).
    pub ever_selected: BTreeSet<PodId>,
}

impl ServiceEndpoints {
    /// No endpoints yet.
    pub fn new(publish_not_ready: bool, min_ready: i64) -> Self {
        ServiceEndpoints {
            publish_not_ready,
            min_ready: min_ready.max(1),
            ..ServiceEndpoints::default()
        }
    }

    /// The selector matches `pod` from now on.
    pub fn select(&mut self, pod: PodId) {
        self.pods.insert(pod);
        self.ever_selected.insert(pod);
    }

    /// Whether kube-proxy, knowing `view`, routes to `pod`.
    pub fn wants(&self, pod: PodId, view: EndpointView) -> bool {
        self.pods.contains(&pod)
            && if self.publish_not_ready {
                view.published
            } else {
                view.ready
            }
    }

    /// kube-proxy learned `view` for `pod` (whose state now is `now`): it starts or stops
    /// routing to it. Returns true when the routing changed.
    pub fn learn(&mut self, pod: PodId, view: EndpointView, now: PodServing) -> bool {
        let want = self.wants(pod, view);
        if want == self.proxied.contains(&pod) {
            return false;
        }
        let sign = if want {
            self.proxied.insert(pod);
            1
        } else {
            self.proxied.remove(&pod);
            -1
        };
        self.ready += sign;
        if now.answering {
            self.app_ready += sign;
            if now.bad {
                self.bad_app_ready += sign;
            }
        }
        true
    }

    /// The application of `pod` started or stopped answering (`before` → `after`).
    pub fn answering_changed(&mut self, pod: PodId, before: PodServing, after: PodServing) {
        if !self.proxied.contains(&pod) {
            return;
        }
        let count = |s: PodServing| (i64::from(s.answering), i64::from(s.answering && s.bad));
        let (a0, b0) = count(before);
        let (a1, b1) = count(after);
        self.app_ready += a1 - a0;
        self.bad_app_ready += b1 - b0;
    }

    /// The counters recomputed from the routed pods and their state (`serving(pod)`), for the
    /// invariant checker: (`ready`, `app_ready`, `bad_app_ready`).
    pub fn recount(&self, serving: impl Fn(PodId) -> PodServing) -> (i64, i64, i64) {
        let mut counts = (self.proxied.len() as i64, 0, 0);
        for &pod in &self.proxied {
            let s = serving(pod);
            counts.1 += i64::from(s.answering);
            counts.2 += i64::from(s.answering && s.bad);
        }
        counts
    }

    /// Up: at least `min_ready` routed endpoints answer.
    pub fn is_up(&self) -> bool {
        self.app_ready >= self.min_ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READY: EndpointView = EndpointView {
        ready: true,
        published: true,
    };
    const NOT_READY: EndpointView = EndpointView {
        ready: false,
        published: true,
    };
    const GONE: EndpointView = EndpointView {
        ready: false,
        published: false,
    };

    fn serving(answering: bool, bad: bool) -> PodServing {
        PodServing {
            view: READY,
            answering,
            bad,
        }
    }

    #[test]
    fn routing_follows_the_learned_view() {
        // (publishNotReadyAddresses, selected, views learned in order) → (ready, app_ready).
        type Row = (bool, bool, Vec<EndpointView>, (i64, i64));
        let rows: Vec<Row> = vec![
            (false, true, vec![READY], (1, 1)),
            (false, true, vec![READY, NOT_READY], (0, 0)),
            (false, true, vec![NOT_READY], (0, 0)),
            (true, true, vec![NOT_READY], (1, 1)),
            (true, true, vec![READY, GONE], (0, 0)),
            (false, false, vec![READY], (0, 0)),
            (false, true, vec![READY, READY], (1, 1)),
        ];
        for (publish, selected, views, want) in rows {
            let mut e = ServiceEndpoints::new(publish, 1);
            if selected {
                e.select(PodId(0));
            }
            for view in &views {
                e.learn(PodId(0), *view, serving(true, false));
            }
            assert_eq!(
                (e.ready, e.app_ready),
                want,
                "{publish} {selected} {views:?}"
            );
        }
    }

    #[test]
    fn answering_counts_only_routed_pods() {
        let mut e = ServiceEndpoints::new(false, 2);
        e.select(PodId(0));
        e.select(PodId(1));
        e.learn(PodId(0), READY, serving(true, true));
        e.learn(PodId(1), READY, serving(false, false));
        assert_eq!((e.ready, e.app_ready, e.bad_app_ready), (2, 1, 1));
        assert!(!e.is_up(), "quorum 2 with one answering endpoint");
        e.answering_changed(PodId(1), serving(false, false), serving(true, false));
        assert!(e.is_up());
        let state = [
            serving(true, true),
            serving(true, false),
            serving(true, true),
        ];
        assert_eq!(e.recount(|p| state[p.0]), (2, 2, 1));
        // A pod kube-proxy does not route to changes nothing.
        e.select(PodId(2));
        e.answering_changed(PodId(2), serving(false, false), serving(true, true));
        assert_eq!((e.ready, e.app_ready, e.bad_app_ready), (2, 2, 1));
        // Dropped while still answering (terminating during preStop).
        e.learn(PodId(0), NOT_READY, serving(true, true));
        assert_eq!((e.ready, e.app_ready, e.bad_app_ready), (1, 1, 0));
    }
}
