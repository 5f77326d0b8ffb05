//! The endpoint controller and kube-proxy in the world: after every event the pods it touched
//! are looked at again; a change of the controller's view travels to kube-proxy as one
//! [`Event::Endpoints`] timer (`spec.cluster.endpointPropagationDelay` later, or at once with
//! a zero delay), and a change of whether the application answers applies at once. See
//! [`crate::cluster::endpoints`] for the model.

use super::World;
use crate::cluster::endpoints::{Disruption, EndpointView, PodServing, ServiceEndpoints};
use crate::cluster::events::{Event, phase};
use crate::cluster::state::{ObjKey, PodId, PodPhase};
use crate::model::service::Service;
use crate::sim::engine::Ctx;
use crate::sim::time::SimTime;

impl World {
    /// A Service is created or replaced (a new selector): the selected pods are recomputed at
    /// once; kube-proxy keeps routing to the old endpoints until it learns about the pods that
    /// joined or left, one propagation delay later.
    pub(super) fn apply_service(&mut self, ctx: &mut Ctx<'_, Event>, service: Service) {
        let key = ObjKey::new(&service.namespace, &service.name);
        let min_ready = self.quorum.get(&key).copied().unwrap_or(1);
        let mut endpoints = self
            .endpoints
            .remove(&key)
            .unwrap_or_else(|| ServiceEndpoints::new(false, min_ready));
        endpoints.publish_not_ready = service.publish_not_ready_addresses;
        let before = std::mem::take(&mut endpoints.pods);
        if let Some(selector) = &service.selector {
            for (index, pod) in self.state.pods.iter().enumerate() {
                if pod.gone.is_none()
                    && pod.namespace == service.namespace
                    && selector.iter().all(|(k, v)| pod.labels.get(k) == Some(v))
                {
                    endpoints.select(PodId(index));
                }
            }
        }
        let flag_changed = self.state.services.get(&key).is_some_and(|old| {
            old.publish_not_ready_addresses != service.publish_not_ready_addresses
        });
        let changed: Vec<PodId> = if flag_changed {
            before.union(&endpoints.pods).copied().collect()
        } else {
            before
                .symmetric_difference(&endpoints.pods)
                .copied()
                .collect()
        };
        self.endpoints.insert(key.clone(), endpoints);
        self.state.services.insert(key, service);
        for pod in changed {
            let view = self.serving[pod.0].view;
            self.propagate(ctx, pod, view);
        }
    }

    /// Sends the controller's `view` of `pod` to kube-proxy.
    fn propagate(&mut self, ctx: &mut Ctx<'_, Event>, pod: PodId, view: EndpointView) {
        if self.endpoint_delay_ns == 0 {
            self.learn(pod, view);
        } else {
            ctx.schedule_in(
                self.endpoint_delay_ns,
                phase::CONTROLLER,
                Event::Endpoints {
                    pod,
                    ready: view.ready,
                    published: view.published,
                },
            );
        }
    }

    /// kube-proxy learned `view` of `pod`: every Service that selects it (or still routes to
    /// it) updates its routing.
    pub(super) fn learn(&mut self, pod: PodId, view: EndpointView) {
        let now = self.serving[pod.0];
        for endpoints in self.endpoints.values_mut() {
            if endpoints.pods.contains(&pod) || endpoints.proxied.contains(&pod) {
                endpoints.learn(pod, view, now);
            }
        }
    }

    /// Looks again at the pods the current event touched: readiness changes go to kube-proxy
    /// (delayed), answering changes apply at once, pods that disappeared leave every selector.
    pub(super) fn refresh_serving(&mut self, ctx: &mut Ctx<'_, Event>) {
        let touched = std::mem::take(&mut self.touched);
        for &pod in &touched {
            let p = &self.state.pods[pod.0];
            let gone = p.gone.is_some();
            let view = EndpointView {
                ready: p.is_serving(),
                published: !gone
                    && p.scheduled.is_some()
                    && !matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed),
            };
            let before = self.serving[pod.0];
            let after = PodServing {
                view,
                answering: p.app_ready && !gone,
                bad: before.bad,
            };
            if gone {
                for endpoints in self.endpoints.values_mut() {
                    endpoints.pods.remove(&pod);
                }
            }
            if after == before {
                continue;
            }
            self.serving[pod.0] = after;
            if after.answering != before.answering {
                for endpoints in self.endpoints.values_mut() {
                    endpoints.answering_changed(pod, before, after);
                }
            }
            if after.view != before.view {
                self.propagate(ctx, pod, view);
            }
        }
        self.last_touched = touched;
    }

    /// What the data plane knows about `pod` now.
    pub fn pod_serving(&self, pod: PodId) -> PodServing {
        self.serving[pod.0]
    }

    /// Notes something that may start an outage (`what` names it: `setImage deployment/web`,
    /// `OOMKilled pod/web-0`); `pod` ties it to the Services that select that pod.
    pub fn note_disruption(&mut self, time: SimTime, pod: Option<PodId>, what: String) {
        self.disruptions.push(Disruption { time, pod, what });
    }
}
