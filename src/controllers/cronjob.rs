//! The CronJob controller (`pkg/controller/cronjob/cronjob_controllerv2.go` `syncCronJob`,
//! `utils.go`): start a Job at each scheduled time (at most the most recent missed one),
//! honour `concurrencyPolicy`, `startingDeadlineSeconds` and `suspend`, note finished Jobs, and
//! prune the Job history to `successfulJobsHistoryLimit` / `failedJobsHistoryLimit`.
//!
//! Schedules are evaluated on the simulated calendar (`model::cron`, simulated time 0 =
//! 2026-01-01T00:00:00Z) in the CronJob's time zone. The controller syncs again 100 ms after
//! each scheduled time (`nextScheduleDelta`), so Jobs are created 100 ms after their schedule.

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::effects::{Effect, EventType, SyncTarget};
use crate::cluster::state::{ClusterState, CronJobState, JobState, ObjKey};
use crate::model::batch::ConcurrencyPolicy;
use crate::model::cron::{self, SIM_EPOCH_UNIX_S};
use crate::sim::time::{NANOS_PER_MILLI, NANOS_PER_SEC, SimTime};

/// `nextScheduleDelta`: the controller looks 100 ms after each scheduled time.
pub const NEXT_SCHEDULE_DELTA_NS: u64 = 100 * NANOS_PER_MILLI;
/// More missed schedules than this give `TooManyMissedTimes`.
pub const MANY_MISSED: i64 = 100;
/// Annotation with the scheduled time on the Jobs a CronJob creates.
pub const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/// Bound on the schedule steps one computation may take.
const MAX_STEPS: usize = 10_000;

/// Unix seconds of a simulated time (whole seconds, rounded down).
pub fn unix_of(t: SimTime) -> i64 {
    SIM_EPOCH_UNIX_S + (t.as_nanos() / NANOS_PER_SEC) as i64
}

/// The simulated time of Unix seconds (times before the epoch map to 0).
pub fn sim_of(unix_s: i64) -> SimTime {
    SimTime::from_secs(u64::try_from(unix_s - SIM_EPOCH_UNIX_S).unwrap_or(0))
}

/// `getJobName`: `<cronjob>-<scheduled time in minutes since the Unix epoch>`.
pub fn job_name(cronjob: &str, scheduled: SimTime) -> String {
    format!("{cronjob}-{}", unix_of(scheduled).div_euclid(60))
}

/// What [`most_recent_schedule_time`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recent {
    /// Where the search started (creation, last schedule, or now − startingDeadlineSeconds).
    pub earliest: SimTime,
    /// The latest scheduled time at or before now, if any.
    pub most_recent: Option<SimTime>,
    /// Estimated number of missed schedules (upstream's approximation).
    pub missed: i64,
}

/// `mostRecentScheduleTime`. `None` when the schedule never fires.
pub fn most_recent_schedule_time(
    cj: &CronJobState,
    now: SimTime,
    include_deadline: bool,
) -> Option<Recent> {
    let offset = cj.spec.time_zone.offset_s;
    let schedule = &cj.spec.schedule;
    let mut earliest = cj.last_schedule.unwrap_or(cj.created);
    if include_deadline && let Some(deadline) = cj.spec.starting_deadline_seconds {
        let limit = SimTime(
            now.as_nanos()
                .saturating_sub(deadline.saturating_mul(NANOS_PER_SEC)),
        );
        earliest = earliest.max(limit);
    }
    let t1 = schedule.next(unix_of(earliest), offset)?;
    let t2 = schedule.next(t1, offset)?;
    if now < sim_of(t1) {
        return Some(Recent {
            earliest,
            most_recent: None,
            missed: 0,
        });
    }
    if now < sim_of(t2) {
        return Some(Recent {
            earliest,
            most_recent: Some(sim_of(t1)),
            missed: 1,
        });
    }
    let between = (t2 - t1).max(1);
    let elapsed = unix_of(now) - t1;
    let missed = elapsed / between + 1;
    let potential_earliest = t1 + (missed - 2) * between;
    let mut most_recent = None;
    let mut t = schedule.next(potential_earliest, offset);
    let mut steps = 0;
    while let Some(at) = t {
        if sim_of(at) > now || steps >= MAX_STEPS {
            break;
        }
        most_recent = Some(sim_of(at));
        t = schedule.next(at, offset);
        steps += 1;
    }
    Some(Recent {
        earliest,
        most_recent,
        missed,
    })
}

/// `nextScheduleTimeDuration`: when to look again (the next scheduled time + 100 ms).
fn next_sync(cj: &CronJobState, now: SimTime) -> Option<SimTime> {
    let recent = most_recent_schedule_time(cj, now, false)?;
    let from = recent.most_recent.unwrap_or(recent.earliest);
    let next = cj
        .spec
        .schedule
        .next(unix_of(from), cj.spec.time_zone.offset_s)?;
    Some(sim_of(next).plus_nanos(NEXT_SCHEDULE_DELTA_NS).max(now))
}

fn finished_kind(job: &JobState) -> Option<&'static str> {
    job.status.finished().map(|(kind, _)| kind)
}

/// One sync of the CronJob `key` at `now`.
pub fn sync(state: &ClusterState, key: &ObjKey, now: SimTime) -> Vec<Effect> {
    let mut effects = Vec::new();
    let Some(cj) = state.cronjobs.get(key) else {
        return effects;
    };
    let object = format!("cronjob/{}", key.name);
    let event = |effects: &mut Vec<Effect>, t: EventType, reason: &'static str, msg: String| {
        effects.push(Effect::event(
            &key.namespace,
            object.clone(),
            t,
            reason,
            msg,
        ));
    };
    let owned: BTreeMap<&str, &JobState> = state
        .jobs
        .values()
        .filter(|j| j.key.namespace == key.namespace && j.owner.as_deref() == Some(&key.name))
        .map(|j| (j.key.name.as_str(), j))
        .collect();
    let mut active: BTreeSet<String> = cj.active.clone();
    let mut last_successful = cj.last_successful;
    let mut last_schedule = cj.last_schedule;
    for name in cj.active.iter() {
        match owned.get(name.as_str()) {
            None => {
                active.remove(name);
                event(
                    &mut effects,
                    EventType::Normal,
                    "MissingJob",
                    format!("Active job went missing: {name}"),
                );
            }
            Some(job) => {
                if let Some(kind) = finished_kind(job) {
                    active.remove(name);
                    event(
                        &mut effects,
                        EventType::Normal,
                        "SawCompletedJob",
                        format!("Saw completed job: {name}, condition: {kind}"),
                    );
                    if kind == "Complete"
                        && let Some(at) = job.status.completion_time
                        && last_successful.is_none_or(|l| l < at)
                    {
                        last_successful = Some(at);
                    }
                }
            }
        }
    }
    let mut deleted: BTreeSet<String> = BTreeSet::new();
    let mut requeue = None;
    if !cj.spec.suspend {
        let view = CronJobState {
            active: active.clone(),
            last_schedule,
            ..cj.clone()
        };
        requeue = schedule(
            &view,
            &owned,
            now,
            &mut active,
            &mut last_schedule,
            &mut deleted,
            &mut effects,
            &event,
        );
    }
    // History limits: delete the oldest finished Jobs beyond each limit.
    for (kind, limit) in [
        ("Complete", cj.spec.successful_jobs_history_limit),
        ("Failed", cj.spec.failed_jobs_history_limit),
    ] {
        let mut finished: Vec<&JobState> = owned
            .values()
            .filter(|j| finished_kind(j) == Some(kind) && !deleted.contains(&j.key.name))
            .copied()
            .collect();
        let excess = finished.len() as i64 - limit;
        if excess <= 0 {
            continue;
        }
        finished.sort_by(|a, b| {
            a.status
                .start_time
                .cmp(&b.status.start_time)
                .then_with(|| a.key.name.cmp(&b.key.name))
        });
        for job in finished.into_iter().take(excess as usize) {
            effects.push(Effect::DeleteJob {
                key: job.key.clone(),
            });
            event(
                &mut effects,
                EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted job {}", job.key.name),
            );
        }
    }
    if active != cj.active
        || last_schedule != cj.last_schedule
        || last_successful != cj.last_successful
    {
        effects.push(Effect::CronJobStatus {
            key: key.clone(),
            active,
            last_schedule,
            last_successful,
        });
    }
    if let Some(at) = requeue {
        effects.push(Effect::Requeue {
            target: SyncTarget::CronJob(key.clone()),
            at,
        });
    }
    effects
}

/// Records an event on the CronJob.
type EventFn<'a> = dyn Fn(&mut Vec<Effect>, EventType, &'static str, String) + 'a;

/// The scheduling half of `syncCronJob`; returns when to sync again.
#[allow(clippy::too_many_arguments)]
fn schedule(
    cj: &CronJobState,
    owned: &BTreeMap<&str, &JobState>,
    now: SimTime,
    active: &mut BTreeSet<String>,
    last_schedule: &mut Option<SimTime>,
    deleted: &mut BTreeSet<String>,
    effects: &mut Vec<Effect>,
    event: &EventFn<'_>,
) -> Option<SimTime> {
    let key = &cj.key;
    let recent = most_recent_schedule_time(cj, now, true)?;
    let Some(scheduled) = recent.most_recent else {
        return next_sync(cj, now);
    };
    if recent.missed > MANY_MISSED {
        event(
            effects,
            EventType::Warning,
            "TooManyMissedTimes",
            "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew".into(),
        );
    }
    if let Some(deadline) = cj.spec.starting_deadline_seconds
        && scheduled.plus_nanos(deadline.saturating_mul(NANOS_PER_SEC)) < now
    {
        event(
            effects,
            EventType::Warning,
            "MissSchedule",
            format!(
                "Missed scheduled time to start a job: {}",
                cron::format_rfc1123z(unix_of(scheduled))
            ),
        );
        return next_sync(cj, now);
    }
    let name = job_name(&key.name, scheduled);
    if active.contains(&name)
        || *last_schedule == Some(scheduled)
        || owned.contains_key(name.as_str())
    {
        return next_sync(cj, now);
    }
    match cj.spec.concurrency_policy {
        ConcurrencyPolicy::Forbid if !active.is_empty() => {
            event(
                effects,
                EventType::Normal,
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid".into(),
            );
            return next_sync(cj, now);
        }
        ConcurrencyPolicy::Replace => {
            for old in std::mem::take(active) {
                if owned.contains_key(old.as_str()) {
                    effects.push(Effect::DeleteJob {
                        key: ObjKey::new(&key.namespace, &old),
                    });
                    event(
                        effects,
                        EventType::Normal,
                        "SuccessfulDelete",
                        format!("Deleted job {old}"),
                    );
                    deleted.insert(old);
                }
            }
        }
        _ => {}
    }
    let mut annotations = cj.spec.job_annotations.clone();
    annotations.insert(
        SCHEDULED_TIMESTAMP.into(),
        cron::format_rfc3339(unix_of(scheduled), cj.spec.time_zone.offset_s),
    );
    effects.push(Effect::CreateJob {
        key: ObjKey::new(&key.namespace, &name),
        cronjob: key.name.clone(),
        labels: cj.spec.job_labels.clone(),
        annotations,
        spec: cj.spec.job.clone(),
    });
    event(
        effects,
        EventType::Normal,
        "SuccessfulCreate",
        format!("Created job {name}"),
    );
    active.insert(name);
    *last_schedule = Some(scheduled);
    let after = CronJobState {
        last_schedule: Some(scheduled),
        ..cj.clone()
    };
    next_sync(&after, now)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Arc;

    use super::*;
    use crate::model::batch::{CompletionMode, CronJobSpec, JobSpec};
    use crate::model::cron::{TimeZone, parse_schedule};
    use crate::model::pod::{PodSpec, PodTemplate};

    fn cronjob(schedule: &str, deadline: Option<u64>) -> CronJobState {
        CronJobState {
            key: ObjKey::new("default", "cj"),
            labels: BTreeMap::new(),
            spec: CronJobSpec {
                schedule: parse_schedule(schedule).unwrap(),
                schedule_text: schedule.into(),
                time_zone_name: None,
                time_zone: TimeZone::default(),
                concurrency_policy: ConcurrencyPolicy::Allow,
                starting_deadline_seconds: deadline,
                successful_jobs_history_limit: 3,
                failed_jobs_history_limit: 1,
                suspend: false,
                job_labels: BTreeMap::new(),
                job_annotations: BTreeMap::new(),
                job: JobSpec {
                    parallelism: 1,
                    completions: Some(1),
                    completion_mode: CompletionMode::NonIndexed,
                    backoff_limit: 6,
                    active_deadline_seconds: None,
                    ttl_seconds_after_finished: None,
                    suspend: false,
                    pod_failure_policy: None,
                    replace_failed_only: false,
                    template: PodTemplate {
                        labels: BTreeMap::new(),
                        annotations: BTreeMap::new(),
                        spec: Arc::new(PodSpec::default()),
                        canonical: String::new(),
                    },
                },
            },
            created: SimTime::ZERO,
            active: BTreeSet::new(),
            last_schedule: None,
            last_successful: None,
        }
    }

    /// (schedule, last schedule s, now s, starting deadline s, most recent s, missed).
    type Row = (
        &'static str,
        Option<u64>,
        u64,
        Option<u64>,
        Option<u64>,
        i64,
    );

    /// `TestMostRecentScheduleTime`-style table: (schedule, last schedule s, now s, deadline)
    /// → (most recent s, missed count).
    #[test]
    fn most_recent_schedule_table() {
        let rows: [Row; 8] = [
            ("* * * * *", None, 30, None, None, 0),
            ("* * * * *", None, 60, None, Some(60), 1),
            ("* * * * *", None, 150, None, Some(120), 2),
            ("* * * * *", Some(60), 90, None, None, 0),
            ("0 * * * *", None, 3 * 3600 + 5, None, Some(3 * 3600), 3),
            // Five hours of minutes: many missed; the most recent is still found.
            ("* * * * *", None, 5 * 3600, None, Some(5 * 3600), 300),
            // A starting deadline moves the search forward: nothing is missed.
            ("* * * * *", None, 5 * 3600 + 30, Some(20), None, 0),
            (
                "* * * * *",
                None,
                5 * 3600 + 30,
                Some(40),
                Some(5 * 3600),
                1,
            ),
        ];
        for (n, (schedule, last, now, deadline, want, missed)) in rows.into_iter().enumerate() {
            let mut cj = cronjob(schedule, deadline);
            cj.last_schedule = last.map(SimTime::from_secs);
            let got = most_recent_schedule_time(&cj, SimTime::from_secs(now), true).unwrap();
            assert_eq!(
                (
                    got.most_recent.map(|t| t.as_nanos() / NANOS_PER_SEC),
                    got.missed
                ),
                (want, missed),
                "row {}",
                n + 1
            );
        }
    }

    #[test]
    fn job_names_and_events() {
        assert_eq!(job_name("cj", SimTime::from_secs(60)), "cj-29453761");
        let mut state = ClusterState::default();
        let cj = cronjob("* * * * *", None);
        state.cronjobs.insert(cj.key.clone(), cj.clone());
        let effects = sync(&state, &cj.key, SimTime::from_secs(100 * 3600));
        let reasons: Vec<&str> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Event { reason, .. } => Some(*reason),
                _ => None,
            })
            .collect();
        assert_eq!(reasons, vec!["TooManyMissedTimes", "SuccessfulCreate"]);
        assert!(effects.iter().any(|e| matches!(e, Effect::CreateJob { key, .. } if key.name == job_name("cj", SimTime::from_secs(100 * 3600)))));
        // Suspended: nothing is scheduled.
        let mut suspended = cj.clone();
        suspended.spec.suspend = true;
        state.cronjobs.insert(cj.key.clone(), suspended);
        assert!(sync(&state, &cj.key, SimTime::from_secs(120)).is_empty());
    }
}
