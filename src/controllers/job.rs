//! The Job controller (`pkg/controller/job/job_controller.go` `syncJob`) and the TTL-after-
//! finished controller: run pods until `completions` succeed (NonIndexed or Indexed), replace
//! failed pods after the pod-failure back-off, fail the Job past `backoffLimit` (or the
//! restart count with `restartPolicy: OnFailure`), `activeDeadlineSeconds` or a `FailJob`
//! pod-failure-policy rule, and delete finished Jobs after `ttlSecondsAfterFinished`.
//!
//! As in current releases, a failing Job first gets `FailureTarget` and its active pods are
//! deleted; `Failed` (and its event) follows once no pod is terminating. A succeeding Job gets
//! `SuccessCriteriaMet`, then `Complete` with `completionTime`. The arithmetic is in
//! [`super::job_math`].

use crate::cluster::effects::{Effect, EventType, SyncTarget};
use crate::cluster::state::{ClusterState, Condition, JobState, JobStatus, ObjKey, PodId};
use crate::cluster::state::{PodPhase, PodState};
use crate::controllers::job_math::{self, ContainerEnd, FinishedPodView, JobCounts, ManageAction};
use crate::controllers::pod_ranking::{PodRankView, RankPhase, deletion_order};
use crate::model::batch::{CompletionMode, FailurePolicyAction, FailurePolicyMatch};
use crate::sim::time::{NANOS_PER_SEC, SimTime};

/// Label and annotation carrying an Indexed Job pod's completion index.
pub const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";

/// The completion index of a pod (from its label), if valid.
pub fn pod_index(pod: &PodState) -> Option<i64> {
    pod.labels
        .get(COMPLETION_INDEX)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|i| *i >= 0)
}

/// When the pod finished, for the back-off record (`getFinishedTime`).
fn finished_at(pod: &PodState) -> SimTime {
    job_math::finished_time(&FinishedPodView {
        containers: vec![match pod.finished_at {
            Some(at) => ContainerEnd::Terminated(Some(at)),
            None => ContainerEnd::Running,
        }],
        ready_false_at: None,
        deletion_timestamp: pod.deletion,
        deletion_grace_s: 0,
        created: pod.created,
    })
}

/// `isPodFailed`: Failed, or (unless only failed pods are replaced) deleted before succeeding.
fn is_failed(pod: &PodState, replace_failed_only: bool) -> bool {
    pod.phase == PodPhase::Failed
        || (!replace_failed_only && pod.deletion.is_some() && pod.phase != PodPhase::Succeeded)
}

/// Terminating: deleted, not gone, not finished.
fn is_terminating(pod: &PodState) -> bool {
    pod.deletion.is_some()
        && pod.gone.is_none()
        && !matches!(pod.phase, PodPhase::Succeeded | PodPhase::Failed)
}

/// `matchPodFailurePolicy` on a Failed pod: the first matching rule's action and index.
fn match_failure_policy(job: &JobState, pod: &PodState) -> Option<(FailurePolicyAction, usize)> {
    let rules = job.spec.pod_failure_policy.as_ref()?;
    if pod.phase != PodPhase::Failed {
        return None;
    }
    rules.iter().enumerate().find_map(|(index, rule)| {
        let hit = match &rule.matches {
            FailurePolicyMatch::DisruptionTarget => pod.preempted,
            FailurePolicyMatch::ExitCodes {
                container,
                in_values,
                values,
            } => pod.exit_code.is_some_and(|(c, code)| {
                let name_ok = container
                    .as_ref()
                    .is_none_or(|name| pod.spec.containers.get(c).is_some_and(|x| &x.name == name));
                name_ok
                    && if *in_values {
                        values.contains(&code)
                    } else {
                        code != 0 && !values.contains(&code)
                    }
            }),
        };
        hit.then_some((rule.action, index))
    })
}

/// The `FailJob` message for a pod (`getFailJobMessage`).
fn fail_job_message(job: &JobState, pod: &PodState, rule: usize) -> String {
    match pod.exit_code {
        Some((c, code)) if !pod.preempted => format!(
            "Container {} for pod {}/{} failed with exit code {code} matching FailJob rule at index {rule}",
            pod.spec.containers.get(c).map_or("", |x| x.name.as_str()),
            job.key.namespace,
            pod.name
        ),
        _ => format!(
            "Pod {}/{} has condition DisruptionTarget matching FailJob rule at index {rule}",
            job.key.namespace, pod.name
        ),
    }
}

fn condition(reason: &str, message: &str, now: SimTime) -> Condition {
    Condition {
        status: "True",
        reason: reason.to_string(),
        message: message.to_string(),
        last_update: now,
        last_transition: now,
    }
}

/// Sets (or replaces) a condition of this type.
fn set_condition(status: &mut JobStatus, kind: &'static str, c: Condition) {
    match status.conditions.iter_mut().find(|(t, _)| *t == kind) {
        Some(existing) => existing.1 = c,
        None => status.conditions.push((kind, c)),
    }
}

fn rank_view(pod: &PodState) -> PodRankView {
    PodRankView {
        assigned: pod.node.is_some(),
        phase: match pod.phase {
            PodPhase::Pending => RankPhase::Pending,
            PodPhase::Running => RankPhase::Running,
            _ => RankPhase::Unknown,
        },
        ready: pod.ready,
        ready_since_ns: pod.ready_since.map(SimTime::as_nanos),
        deletion_cost: pod.deletion_cost,
        rank: 0,
        max_restarts: pod.restarts,
        created_ns: Some(pod.created.as_nanos()),
        uid: format!("{:016x}", pod.uid),
    }
}

/// One sync of the Job `key` at `now`.
pub fn sync(state: &ClusterState, key: &ObjKey, now: SimTime) -> Vec<Effect> {
    let mut effects = Vec::new();
    let Some(job) = state.jobs.get(key) else {
        return effects;
    };
    let object = format!("job/{}", key.name);
    let event = |effects: &mut Vec<Effect>, t: EventType, reason: &'static str, msg: String| {
        effects.push(Effect::event(
            &key.namespace,
            object.clone(),
            t,
            reason,
            msg,
        ));
    };
    // Finished: only the TTL-after-finished controller acts.
    if let Some((_, at)) = job.status.finished() {
        if let Some(ttl) = job.spec.ttl_seconds_after_finished {
            let expire = at.plus_nanos(ttl.saturating_mul(NANOS_PER_SEC));
            if now >= expire {
                effects.push(Effect::DeleteJob { key: key.clone() });
            } else {
                effects.push(Effect::Requeue {
                    target: SyncTarget::Job(key.clone()),
                    at: expire,
                });
            }
        }
        return effects;
    }
    let spec = &job.spec;
    let indexed = spec.completion_mode == CompletionMode::Indexed;
    let completions = spec.completions.unwrap_or(0);
    let pods: Vec<(PodId, &PodState)> = job.pods.iter().map(|id| (*id, state.pod(*id))).collect();
    let mut active: Vec<PodId> = pods
        .iter()
        .filter(|(_, p)| p.is_active())
        .map(|(id, _)| *id)
        .collect();
    let mut terminating = pods.iter().filter(|(_, p)| is_terminating(p)).count() as i64;
    let mut status = job.status.clone();
    // Newly finished pods (still carrying the tracking finalizer).
    let mut counted = Vec::new();
    let (mut new_succeeded, mut new_failed) = (Vec::new(), Vec::new());
    let mut fail_job: Option<String> = None;
    for (id, pod) in &pods {
        if job.counted.contains(id) {
            continue;
        }
        if pod.phase == PodPhase::Succeeded {
            counted.push(*id);
            new_succeeded.push(finished_at(pod));
            status.succeeded += 1;
            if indexed && let Some(ix) = pod_index(pod).filter(|ix| *ix < completions) {
                status.completed_indexes.insert(ix);
            }
        } else if is_failed(pod, spec.replace_failed_only) {
            counted.push(*id);
            match match_failure_policy(job, pod) {
                Some((FailurePolicyAction::Ignore, _)) => continue,
                Some((FailurePolicyAction::FailJob, rule)) => {
                    fail_job.get_or_insert_with(|| fail_job_message(job, pod, rule));
                }
                _ => {}
            }
            new_failed.push(finished_at(pod));
            status.failed += 1;
        }
    }
    if indexed {
        status.succeeded = status.completed_indexes.len() as i64;
    }
    if status.start_time.is_none() && !spec.suspend {
        status.start_time = Some(now);
    }
    let backoff = job_math::new_backoff_record(&job.backoff, &new_succeeded, &new_failed);

    // Is the Job failing?
    let mut failing = status
        .condition("FailureTarget")
        .map(|c| (c.reason.clone(), c.message.clone()));
    let mut requeue: Option<SimTime> = None;
    if failing.is_none() && status.condition("SuccessCriteriaMet").is_none() {
        let restarts_on_failure: i64 = if spec.template.spec.restart_policy == "OnFailure" {
            pods.iter()
                .filter(|(_, p)| {
                    p.gone.is_none() && matches!(p.phase, PodPhase::Running | PodPhase::Pending)
                })
                .map(|(_, p)| p.restarts)
                .sum()
        } else {
            0
        };
        let past_on_failure = spec.template.spec.restart_policy == "OnFailure"
            && if spec.backoff_limit == 0 {
                restarts_on_failure > 0
            } else {
                restarts_on_failure >= spec.backoff_limit
            };
        failing = if let Some(message) = fail_job {
            Some(("PodFailurePolicy".into(), message))
        } else if job_math::exceeds_backoff_limit(status.failed, spec.backoff_limit)
            || past_on_failure
        {
            Some((
                "BackoffLimitExceeded".into(),
                "Job has reached the specified backoff limit".into(),
            ))
        } else if job_math::past_active_deadline(
            status.start_time,
            spec.active_deadline_seconds,
            spec.suspend,
            now,
        ) {
            Some((
                "DeadlineExceeded".into(),
                "Job was active longer than specified deadline".into(),
            ))
        } else {
            if let (Some(start), Some(deadline), false) = (
                status.start_time,
                spec.active_deadline_seconds,
                spec.suspend,
            ) {
                requeue = Some(start.plus_nanos(deadline.saturating_mul(NANOS_PER_SEC)));
            }
            None
        };
        if let Some((reason, message)) = &failing {
            set_condition(
                &mut status,
                "FailureTarget",
                condition(reason, message, now),
            );
        }
    }

    if let Some((reason, message)) = failing {
        for id in active.drain(..) {
            effects.push(Effect::DeletePod { pod: id });
            terminating += 1;
        }
        if terminating == 0 {
            set_condition(&mut status, "Failed", condition(&reason, &message, now));
            event(
                &mut effects,
                EventType::Warning,
                failure_reason(&reason),
                message,
            );
        }
    } else {
        let complete = match spec.completions {
            None => status.succeeded > 0 && active.is_empty(),
            Some(c) => status.succeeded >= c && active.is_empty(),
        };
        if complete {
            if status.condition("SuccessCriteriaMet").is_none() {
                set_condition(
                    &mut status,
                    "SuccessCriteriaMet",
                    condition(
                        "CompletionsReached",
                        "Reached expected number of succeeded pods",
                        now,
                    ),
                );
            }
            if terminating == 0 {
                set_condition(
                    &mut status,
                    "Complete",
                    condition(
                        "CompletionsReached",
                        "Reached expected number of succeeded pods",
                        now,
                    ),
                );
                status.completion_time = Some(now);
                event(
                    &mut effects,
                    EventType::Normal,
                    "Completed",
                    "Job completed".into(),
                );
                if let Some(ttl) = spec.ttl_seconds_after_finished {
                    requeue = Some(now.plus_nanos(ttl.saturating_mul(NANOS_PER_SEC)));
                }
            }
        } else if status.condition("SuccessCriteriaMet").is_none() {
            manage(
                state,
                job,
                &mut status,
                &mut active,
                terminating,
                &backoff,
                now,
                &mut effects,
                &mut requeue,
            );
        }
    }
    // A Failed Job with a TTL is collected later.
    if let (Some(("Failed", at)), Some(ttl)) = (status.finished(), spec.ttl_seconds_after_finished)
    {
        requeue = Some(at.plus_nanos(ttl.saturating_mul(NANOS_PER_SEC)));
    }
    status.active = active.len() as i64;
    status.ready = active.iter().filter(|id| state.pod(**id).ready).count() as i64;
    status.terminating = terminating;
    let forget: Vec<PodId> = pods
        .iter()
        .filter(|(id, p)| p.gone.is_some() && (job.counted.contains(id) || counted.contains(id)))
        .map(|(id, _)| *id)
        .collect();
    if status != job.status || !counted.is_empty() || !forget.is_empty() || backoff != job.backoff {
        effects.push(Effect::JobStatus {
            key: key.clone(),
            status,
            counted,
            forget,
            backoff,
        });
    }
    if let Some(at) = requeue {
        effects.push(Effect::Requeue {
            target: SyncTarget::Job(key.clone()),
            at,
        });
    }
    effects
}

/// Event reasons are static strings: the failure reasons the controller uses.
fn failure_reason(reason: &str) -> &'static str {
    match reason {
        "BackoffLimitExceeded" => "BackoffLimitExceeded",
        "DeadlineExceeded" => "DeadlineExceeded",
        _ => "PodFailurePolicy",
    }
}

/// `manageJob`: suspend, delete excess pods, or create missing ones after the back-off.
#[allow(clippy::too_many_arguments)]
fn manage(
    state: &ClusterState,
    job: &JobState,
    status: &mut JobStatus,
    active: &mut Vec<PodId>,
    terminating: i64,
    backoff: &job_math::BackoffRecord,
    now: SimTime,
    effects: &mut Vec<Effect>,
    requeue: &mut Option<SimTime>,
) {
    let spec = &job.spec;
    let key = &job.key;
    let object = format!("job/{}", key.name);
    // Suspended / Resumed conditions and events.
    let suspended_now = status.condition("Suspended").is_some();
    if spec.suspend && !suspended_now {
        set_condition(
            status,
            "Suspended",
            condition("JobSuspended", "Job suspended", now),
        );
        effects.push(Effect::event(
            &key.namespace,
            object.clone(),
            EventType::Normal,
            "Suspended",
            "Job suspended".into(),
        ));
    } else if !spec.suspend && suspended_now {
        set_condition(
            status,
            "Suspended",
            Condition {
                status: "False",
                ..condition("JobResumed", "Job resumed", now)
            },
        );
        effects.push(Effect::event(
            &key.namespace,
            object,
            EventType::Normal,
            "Resumed",
            "Job resumed".into(),
        ));
        status.start_time = Some(now);
    }
    let counts = JobCounts {
        parallelism: spec.parallelism,
        completions: spec.completions,
        succeeded: status.succeeded,
        active: active.len() as i64,
        terminating: if spec.replace_failed_only {
            terminating
        } else {
            0
        },
        suspended: spec.suspend,
    };
    let remaining = job_math::remaining_backoff(
        backoff,
        now,
        job_math::DEFAULT_POD_FAILURE_BACKOFF_NS,
        job_math::MAX_POD_FAILURE_BACKOFF_NS,
    );
    let indexed = spec.completion_mode == CompletionMode::Indexed;
    let completions = spec.completions.unwrap_or(0);
    let action = job_math::manage_job(&counts, remaining);
    // Indexed: pods with an invalid or duplicate index go first, whatever the counts say.
    let order = |ids: &[PodId]| -> Vec<PodId> {
        let views: Vec<PodRankView> = ids.iter().map(|id| rank_view(state.pod(*id))).collect();
        deletion_order(&views, now.as_nanos())
            .into_iter()
            .map(|i| ids[i])
            .collect()
    };
    if indexed && !spec.suspend {
        let ordered = order(active);
        let indexes: Vec<Option<i64>> =
            ordered.iter().map(|id| pod_index(state.pod(*id))).collect();
        let at_least = match action {
            ManageAction::Delete(n) => n as usize,
            _ => 0,
        };
        let remove = job_math::indexed_pods_for_removal(&indexes, completions, at_least);
        if !remove.is_empty() {
            let victims: Vec<PodId> = remove.iter().map(|i| ordered[*i]).collect();
            for id in &victims {
                effects.push(Effect::DeletePod { pod: *id });
            }
            active.retain(|id| !victims.contains(id));
            return;
        }
    }
    match action {
        ManageAction::Nothing => {}
        ManageAction::Delete(n) => {
            let victims: Vec<PodId> = order(active).into_iter().take(n as usize).collect();
            for id in &victims {
                effects.push(Effect::DeletePod { pod: *id });
            }
            active.retain(|id| !victims.contains(id));
        }
        ManageAction::WaitBackoff(ns) => {
            let at = now.plus_nanos(ns);
            *requeue = Some(requeue.map_or(at, |r| r.min(at)));
        }
        ManageAction::Create(n) => {
            if indexed {
                let active_ix: Vec<i64> = active
                    .iter()
                    .filter_map(|id| pod_index(state.pod(*id)))
                    .collect();
                let done: Vec<i64> = status.completed_indexes.iter().copied().collect();
                let terminating_ix: Vec<i64> = if spec.replace_failed_only {
                    job.pods
                        .iter()
                        .map(|id| state.pod(*id))
                        .filter(|p| is_terminating(p))
                        .filter_map(pod_index)
                        .collect()
                } else {
                    Vec::new()
                };
                for ix in job_math::first_pending_indexes(
                    &active_ix,
                    &done,
                    &terminating_ix,
                    n as usize,
                    completions,
                ) {
                    effects.push(Effect::CreateJobPod {
                        job: key.clone(),
                        index: Some(ix),
                    });
                }
            } else {
                for _ in 0..n {
                    effects.push(Effect::CreateJobPod {
                        job: key.clone(),
                        index: None,
                    });
                }
            }
            if n >= job_math::MAX_POD_CREATE_DELETE_PER_SYNC {
                *requeue = Some(now);
            }
        }
    }
}
