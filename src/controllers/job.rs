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

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Arc;

    use super::*;
    use crate::cluster::state::KubeletPhase;
    use crate::controllers::job_math::BackoffRecord;
    use crate::model::batch::JobSpec;
    use crate::model::meta::OwnerRef;
    use crate::model::pod::{PodSpec, PodTemplate};

    const SEC: u64 = NANOS_PER_SEC;

    fn spec(completions: Option<i64>, parallelism: i64, restart: &str) -> JobSpec {
        JobSpec {
            parallelism,
            completions,
            completion_mode: CompletionMode::NonIndexed,
            backoff_limit: 2,
            active_deadline_seconds: None,
            ttl_seconds_after_finished: None,
            suspend: false,
            pod_failure_policy: None,
            replace_failed_only: false,
            template: PodTemplate {
                labels: BTreeMap::new(),
                annotations: BTreeMap::new(),
                spec: Arc::new(PodSpec {
                    restart_policy: restart.into(),
                    ..PodSpec::default()
                }),
                canonical: String::new(),
            },
        }
    }

    /// A pod of job `j` in `phase`, finished at `finished_s` when terminal.
    fn pod(uid: u64, phase: PodPhase, finished_s: u64, restarts: i64) -> PodState {
        let terminal = matches!(phase, PodPhase::Succeeded | PodPhase::Failed);
        PodState {
            namespace: "default".into(),
            name: format!("j-{uid}"),
            uid,
            labels: BTreeMap::new(),
            deletion_cost: 0,
            owner: Some(OwnerRef {
                kind: "job".into(),
                name: "j".into(),
            }),
            spec: Arc::new(PodSpec::default()),
            created: SimTime::ZERO,
            node: None,
            scheduled: None,
            started: None,
            ready: false,
            ready_since: None,
            first_ready: None,
            phase,
            deletion: None,
            gone: None,
            end_reason: None,
            restarts,
            kubelet: KubeletPhase::Unbound,
            pull_failures: 0,
            crash_backoff: (0, SimTime::ZERO),
            kubelet_generation: 0,
            container_running: Vec::new(),
            container_ready: Vec::new(),
            container_restarts: Vec::new(),
            container_started_at: Vec::new(),
            app_ready: false,
            nominated: None,
            last_nominated: None,
            preempted: false,
            exit_code: terminal.then_some((0, i64::from(phase == PodPhase::Failed))),
            finished_at: terminal.then_some(SimTime::from_secs(finished_s)),
            last_termination: None,
        }
    }

    fn state(spec: JobSpec, pods: Vec<PodState>, backoff: BackoffRecord) -> ClusterState {
        let mut state = ClusterState::default();
        let key = ObjKey::new("default", "j");
        let ids: BTreeSet<PodId> = (0..pods.len()).map(PodId).collect();
        // Failures up to the record's last failure were counted by earlier syncs.
        let counted: BTreeSet<PodId> = pods
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.phase == PodPhase::Failed
                    && backoff
                        .last_failure
                        .is_some_and(|l| p.finished_at <= Some(l))
            })
            .map(|(i, _)| PodId(i))
            .collect();
        state.pods = pods;
        state.jobs.insert(
            key.clone(),
            JobState {
                key,
                labels: BTreeMap::new(),
                annotations: BTreeMap::new(),
                spec,
                created: SimTime::ZERO,
                owner: None,
                status: JobStatus {
                    start_time: Some(SimTime::ZERO),
                    failed: counted.len() as i64,
                    ..JobStatus::default()
                },
                pods: ids,
                counted,
                backoff,
            },
        );
        state
    }

    /// What a sync did, summarized: (pods created, pods deleted, requeue s, failed, succeeded,
    /// finished condition, event reasons).
    type Summary = (
        usize,
        usize,
        Option<u64>,
        i64,
        i64,
        Option<&'static str>,
        Vec<&'static str>,
    );

    fn summarize(effects: &[Effect], before: &JobStatus) -> Summary {
        let mut out: Summary = (
            0,
            0,
            None,
            before.failed,
            before.succeeded,
            None,
            Vec::new(),
        );
        for e in effects {
            match e {
                Effect::CreateJobPod { .. } => out.0 += 1,
                Effect::DeletePod { .. } => out.1 += 1,
                Effect::Requeue { at, .. } => out.2 = Some(at.as_nanos() / SEC),
                Effect::JobStatus { status, .. } => {
                    out.3 = status.failed;
                    out.4 = status.succeeded;
                    out.5 = status.finished().map(|(k, _)| k);
                }
                Effect::Event { reason, .. } => out.6.push(*reason),
                _ => {}
            }
        }
        out
    }

    /// (name, spec, pods, back-off record, now s, expected summary).
    type Row = (
        &'static str,
        JobSpec,
        Vec<PodState>,
        BackoffRecord,
        u64,
        Summary,
    );

    /// Table: the pods a Job sees at a time, and what one sync does.
    #[test]
    fn sync_table() {
        use PodPhase::*;
        let failed_once = BackoffRecord {
            failures_after_last_success: 1,
            last_failure: Some(SimTime::from_secs(8)),
        };
        let rows: Vec<Row> = vec![
            (
                "new job creates parallelism pods",
                spec(Some(5), 2, "Never"),
                vec![],
                BackoffRecord::default(),
                0,
                (2, 0, None, 0, 0, None, vec![]),
            ),
            (
                "first failure: replacement waits 10 s",
                spec(Some(1), 1, "Never"),
                vec![pod(1, Failed, 8, 0)],
                BackoffRecord::default(),
                8,
                (0, 0, Some(18), 1, 0, None, vec![]),
            ),
            (
                "back-off over: replacement created",
                spec(Some(1), 1, "Never"),
                vec![pod(1, Failed, 8, 0)],
                failed_once,
                18,
                (1, 0, None, 1, 0, None, vec![]),
            ),
            (
                "third failure exceeds backoffLimit 2",
                spec(Some(1), 1, "Never"),
                vec![
                    pod(1, Failed, 8, 0),
                    pod(2, Failed, 24, 0),
                    pod(3, Failed, 50, 0),
                ],
                BackoffRecord::default(),
                50,
                (
                    0,
                    0,
                    None,
                    3,
                    0,
                    Some("Failed"),
                    vec!["BackoffLimitExceeded"],
                ),
            ),
            (
                "OnFailure: restarts reach backoffLimit",
                spec(Some(1), 1, "OnFailure"),
                vec![pod(1, Running, 0, 2)],
                BackoffRecord::default(),
                24,
                (0, 1, None, 0, 0, None, vec![]),
            ),
            (
                "OnFailure: one restart is below the limit",
                spec(Some(1), 1, "OnFailure"),
                vec![pod(1, Running, 0, 1)],
                BackoffRecord::default(),
                9,
                (0, 0, None, 0, 0, None, vec![]),
            ),
            (
                "all completions succeeded",
                spec(Some(2), 2, "Never"),
                vec![pod(1, Succeeded, 30, 0), pod(2, Succeeded, 31, 0)],
                BackoffRecord::default(),
                31,
                (0, 0, None, 0, 2, Some("Complete"), vec!["Completed"]),
            ),
            (
                "work queue: one success and nothing active completes",
                spec(None, 3, "Never"),
                vec![pod(1, Succeeded, 30, 0)],
                BackoffRecord::default(),
                30,
                (0, 0, None, 0, 1, Some("Complete"), vec!["Completed"]),
            ),
            (
                "success resets the back-off",
                spec(Some(3), 1, "Never"),
                vec![pod(1, Failed, 8, 0), pod(2, Succeeded, 40, 0)],
                failed_once,
                40,
                (1, 0, None, 1, 1, None, vec![]),
            ),
        ];
        for (name, spec, pods, backoff, now, want) in rows {
            let state = state(spec, pods, backoff);
            let key = ObjKey::new("default", "j");
            let got = summarize(
                &sync(&state, &key, SimTime::from_secs(now)),
                &state.jobs[&key].status,
            );
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn deadline_requeues_then_fails() {
        let mut s = spec(Some(1), 1, "Never");
        s.active_deadline_seconds = Some(30);
        let st = state(
            s,
            vec![pod(1, PodPhase::Running, 0, 0)],
            BackoffRecord::default(),
        );
        let key = ObjKey::new("default", "j");
        let before = st.jobs[&key].status.clone();
        let early = summarize(&sync(&st, &key, SimTime::from_secs(10)), &before);
        assert_eq!(early.2, Some(30));
        let late = summarize(&sync(&st, &key, SimTime::from_secs(30)), &before);
        assert_eq!(late.1, 1, "the active pod is deleted");
        // FailureTarget now; Failed waits for the pod to terminate.
        assert_eq!(late.5, None);
    }
}
