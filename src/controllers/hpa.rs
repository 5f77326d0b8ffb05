//! The HorizontalPodAutoscaler controller (`pkg/controller/podautoscaler/horizontal.go`), synced
//! every 15 s: reads the pods of its target (a Deployment, StatefulSet, ReplicaSet or Argo
//! Rollout, through their scale subresource) and their CPU use (the traffic model's), asks
//! the replica calculator of [`super::hpa_math`] for a proposal per metric, keeps the largest,
//! normalises it (stabilisation, `behavior` policies, min/max) and returns the new scale when it
//! changes. Memory use comes from the images' memory model (`spec.images.<image>.memory`); a pod
//! without one is taken to use its request (then memory metrics never move the count).

use crate::cluster::state::{ClusterState, HpaRecord, ObjKey, PodId, PodPhase, RsOwnerKind};
use crate::controllers::hpa_math::{self as math, HpaBehavior, HpaPodView, HpaTiming};
use crate::model::objects::HpaRulesSpec;
use crate::sim::time::{NANOS_PER_SEC, SimTime};

/// Length of one CPU sample window (metrics-server resolution).
pub const SAMPLE_WINDOW_NS: u64 = 15 * NANOS_PER_SEC;

/// A rescale decided by a sync: the new size and the reason of `SuccessfulRescale`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rescale {
    /// New replica count of the target.
    pub replicas: i64,
    /// Upstream reason text.
    pub reason: String,
}

fn rules(spec: Option<&HpaRulesSpec>, default: math::ScalingRules) -> math::ScalingRules {
    let Some(spec) = spec else {
        return default;
    };
    math::ScalingRules {
        stabilization_window_s: spec
            .stabilization_window_s
            .or(default.stabilization_window_s),
        select_policy: match spec.select_policy.as_deref() {
            Some("Min") => math::SelectPolicy::Min,
            Some("Disabled") => math::SelectPolicy::Disabled,
            _ => math::SelectPolicy::Max,
        },
        policies: match &spec.policies {
            Some(list) => list
                .iter()
                .map(|(kind, value, period_s)| math::ScalingPolicy {
                    kind: if kind == "Pods" {
                        math::ScalingPolicyKind::Pods
                    } else {
                        math::ScalingPolicyKind::Percent
                    },
                    value: *value,
                    period_s: *period_s,
                })
                .collect(),
            None => default.policies,
        },
        tolerance: None,
    }
}

/// What the HPA reads through a target's scale subresource.
struct ScaleTarget {
    /// `spec.replicas`.
    spec_replicas: i64,
    /// `status.replicas`.
    status_replicas: i64,
    /// The pods its selector selects (the ones it owns).
    pods: Vec<PodId>,
}

/// The scale of the target `kind`/`key` (one of `HPA_SCALABLE_KINDS`); `None` when it does not
/// exist or the kind has no scale subresource.
fn scale_target(state: &ClusterState, kind: &str, key: &ObjKey) -> Option<ScaleTarget> {
    let from_sets = |sets: Vec<&crate::cluster::state::RsState>| -> Vec<PodId> {
        sets.iter().flat_map(|rs| rs.pods.iter().copied()).collect()
    };
    match kind {
        "deployment" => {
            let d = state.deployments.get(key)?;
            Some(ScaleTarget {
                spec_replicas: d.spec.replicas,
                status_replicas: d.status.replicas,
                pods: from_sets(state.replicasets_of(key)),
            })
        }
        "statefulset" => {
            let set = state.statefulsets.get(key)?;
            Some(ScaleTarget {
                spec_replicas: set.spec.replicas,
                status_replicas: set.status.replicas,
                pods: state.statefulset_pods(key),
            })
        }
        "replicaset" => {
            let rs = state.replicasets.get(key)?;
            Some(ScaleTarget {
                spec_replicas: rs.spec.replicas,
                status_replicas: rs.status.replicas,
                pods: rs.pods.iter().copied().collect(),
            })
        }
        "rollout" => {
            let r = state.argo_rollouts.get(key)?;
            Some(ScaleTarget {
                spec_replicas: r.object.spec.replicas,
                status_replicas: r.status.replicas,
                pods: from_sets(state.replicasets_owned(key, RsOwnerKind::Rollout)),
            })
        }
        _ => None,
    }
}

/// One sync of `record` at `now`; `cpu_millis` gives a pod's CPU use.
pub fn sync(
    state: &ClusterState,
    record: &mut HpaRecord,
    cpu_millis: &dyn Fn(PodId) -> f64,
    memory_bytes: &dyn Fn(PodId) -> Option<i64>,
    now: SimTime,
) -> Option<Rescale> {
    let hpa = &record.object;
    let key = ObjKey::new(&hpa.meta.namespace, &hpa.target.name);
    let target = scale_target(state, &hpa.target.kind, &key)?;
    let current = target.spec_replicas;
    record.current_replicas = target.status_replicas;
    let (min, max) = (hpa.min_replicas, hpa.max_replicas);
    let (desired, reason) = match math::reconcile_start(current, current, min, max) {
        math::ReconcileStart::Disabled => {
            record.desired_replicas = 0;
            return None;
        }
        math::ReconcileStart::AboveMax(n) => (
            n,
            "Current number of replicas above Spec.MaxReplicas".to_string(),
        ),
        math::ReconcileStart::BelowMin(n) => (
            n,
            "Current number of replicas below Spec.MinReplicas".to_string(),
        ),
        math::ReconcileStart::Compute => {
            let pods: Vec<PodId> = target
                .pods
                .into_iter()
                .filter(|p| state.pod(*p).gone.is_none())
                .collect();
            let behavior = hpa.behavior.as_ref().map(|b| HpaBehavior {
                scale_up: rules(b.scale_up.as_ref(), math::ScalingRules::default_scale_up()),
                scale_down: rules(
                    b.scale_down.as_ref(),
                    math::ScalingRules::default_scale_down(),
                ),
            });
            let tolerances = math::tolerances_for(behavior.as_ref(), math::DEFAULT_TOLERANCE);
            let timing = HpaTiming::default();
            let mut best: Option<(i64, String)> = None;
            for metric in &hpa.metrics {
                let cpu = metric.resource == "cpu";
                let views: Vec<HpaPodView> = pods
                    .iter()
                    .map(|&id| {
                        let p = state.pod(id);
                        let request = p.spec.containers.iter().try_fold(0i64, |sum, c| {
                            let r = if cpu {
                                c.requests.cpu_millis
                            } else {
                                c.requests.memory_bytes.saturating_mul(1000)
                            };
                            (r > 0).then_some(sum.saturating_add(r))
                        });
                        let running = p.phase == PodPhase::Running;
                        HpaPodView {
                            phase: match p.phase {
                                PodPhase::Pending => math::HpaPodPhase::Pending,
                                PodPhase::Running => math::HpaPodPhase::Running,
                                PodPhase::Succeeded => math::HpaPodPhase::Succeeded,
                                PodPhase::Failed => math::HpaPodPhase::Failed,
                            },
                            deleting: p.deletion.is_some(),
                            ready: Some(math::ReadyCondition {
                                ready: p.ready,
                                last_transition: p.ready_since.or(p.started).unwrap_or(p.created),
                            }),
                            start_time: p.started,
                            request,
                            sample: running.then(|| math::PodSample {
                                value: if cpu {
                                    cpu_millis(id).round() as i64
                                } else {
                                    memory_bytes(id).map_or(request.unwrap_or(0), |bytes| {
                                        bytes.saturating_mul(1000)
                                    })
                                },
                                timestamp: now,
                                window_ns: SAMPLE_WINDOW_NS,
                            }),
                        }
                    })
                    .collect();
                let result = match (metric.utilization, metric.average_millis) {
                    (Some(target), _) => {
                        let r = math::resource_utilization_replicas(
                            current,
                            target,
                            &views,
                            cpu,
                            &tolerances,
                            now,
                            &timing,
                        );
                        if cpu {
                            record.current_utilization = r.as_ref().ok().map(|p| p.usage);
                        }
                        r.map(|p| {
                            (
                                p.replicas,
                                format!(
                                    "{} resource utilization (percentage of request)",
                                    metric.resource
                                ),
                            )
                        })
                    }
                    (None, Some(target)) => math::plain_metric_replicas(
                        current,
                        target,
                        &views,
                        cpu,
                        &tolerances,
                        now,
                        &timing,
                    )
                    .map(|p| (p.replicas, format!("{} resource", metric.resource))),
                    (None, None) => continue,
                };
                if let Ok((replicas, name)) = result
                    && best.as_ref().is_none_or(|b| replicas > b.0)
                {
                    best = Some((replicas, name));
                }
            }
            let Some((proposal, metric)) = best else {
                record.desired_replicas = current;
                return None;
            };
            let normalized = match &behavior {
                Some(b) => math::normalize_desired_replicas_with_behaviors(
                    &mut record.recommendations,
                    &record.up_events,
                    &record.down_events,
                    b,
                    current,
                    proposal,
                    min,
                    max,
                    now,
                    math::DEFAULT_DOWNSCALE_STABILIZATION_NS,
                ),
                None => math::normalize_desired_replicas(
                    &mut record.recommendations,
                    current,
                    proposal,
                    min,
                    max,
                    now,
                    math::DEFAULT_DOWNSCALE_STABILIZATION_NS,
                ),
            };
            let reason = if normalized.replicas > current {
                format!("{metric} above target")
            } else {
                "All metrics below target".to_string()
            };
            if normalized.replicas != current {
                math::record_scale_event(
                    &mut record.up_events,
                    &mut record.down_events,
                    behavior.as_ref(),
                    current,
                    normalized.replicas,
                    now,
                );
            }
            (normalized.replicas, reason)
        }
    };
    record.desired_replicas = desired;
    (desired != current).then_some(Rescale {
        replicas: desired,
        reason,
    })
}
