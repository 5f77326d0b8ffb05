//! Batch workloads (`batch/v1`): Job and CronJob specs after API defaulting.

use super::cron::{CronSchedule, TimeZone};
use super::meta::ObjectMeta;
use super::pod::PodTemplate;

/// `spec.completionMode` of a Job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionMode {
    /// Pods are interchangeable; the Job completes after `completions` successes.
    NonIndexed,
    /// Each pod gets a completion index in `0..completions`; each index must succeed once.
    Indexed,
}

/// What a matching `podFailurePolicy` rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicyAction {
    /// Fail the whole Job at once.
    FailJob,
    /// Do not count the failure toward `backoffLimit`.
    Ignore,
    /// Count the failure as usual.
    Count,
}

impl FailurePolicyAction {
    /// API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FailurePolicyAction::FailJob => "FailJob",
            FailurePolicyAction::Ignore => "Ignore",
            FailurePolicyAction::Count => "Count",
        }
    }
}

/// What a `podFailurePolicy` rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailurePolicyMatch {
    /// `onExitCodes`: a container (optionally the named one) terminated with a code in (`In`)
    /// or not in (`NotIn`) the list; code 0 never matches `NotIn`.
    ExitCodes {
        /// `containerName`.
        container: Option<String>,
        /// `operator` is `In` (else `NotIn`).
        in_values: bool,
        /// `values`.
        values: Vec<i64>,
    },
    /// `onPodConditions` with `type: DisruptionTarget` and `status: True` (the only condition
    /// the simulated pods carry).
    DisruptionTarget,
}

/// One `podFailurePolicy` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailurePolicyRule {
    /// `action`.
    pub action: FailurePolicyAction,
    /// What it matches.
    pub matches: FailurePolicyMatch,
}

/// A Job's spec after API defaulting.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    /// `spec.parallelism` (default 1).
    pub parallelism: i64,
    /// `spec.completions`; `None` for a work-queue Job (default 1 when parallelism is unset).
    pub completions: Option<i64>,
    /// `spec.completionMode` (default NonIndexed).
    pub completion_mode: CompletionMode,
    /// `spec.backoffLimit` (default 6).
    pub backoff_limit: i64,
    /// `spec.activeDeadlineSeconds`.
    pub active_deadline_seconds: Option<u64>,
    /// `spec.ttlSecondsAfterFinished`.
    pub ttl_seconds_after_finished: Option<u64>,
    /// `spec.suspend`.
    pub suspend: bool,
    /// `spec.podFailurePolicy.rules` (`None` without a policy).
    pub pod_failure_policy: Option<Vec<FailurePolicyRule>>,
    /// `spec.podReplacementPolicy` is `Failed` (the default with a podFailurePolicy): terminating
    /// pods are replaced only once they have failed.
    pub replace_failed_only: bool,
    /// `spec.template` (labels include `batch.kubernetes.io/job-name` and `job-name`).
    pub template: PodTemplate,
}

/// A Job manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct JobObject {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Defaulted spec.
    pub spec: JobSpec,
}

/// `spec.concurrencyPolicy` of a CronJob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcurrencyPolicy {
    /// Jobs may overlap (default).
    Allow,
    /// Skip a run while the previous one is active.
    Forbid,
    /// Delete the active Jobs and start the new one.
    Replace,
}

/// A CronJob's spec after API defaulting.
#[derive(Debug, Clone, PartialEq)]
pub struct CronJobSpec {
    /// `spec.schedule`, parsed.
    pub schedule: CronSchedule,
    /// `spec.schedule` as written.
    pub schedule_text: String,
    /// `spec.timeZone` as written.
    pub time_zone_name: Option<String>,
    /// The zone's offset used for the schedule.
    pub time_zone: TimeZone,
    /// `spec.concurrencyPolicy` (default Allow).
    pub concurrency_policy: ConcurrencyPolicy,
    /// `spec.startingDeadlineSeconds`.
    pub starting_deadline_seconds: Option<u64>,
    /// `spec.successfulJobsHistoryLimit` (default 3).
    pub successful_jobs_history_limit: i64,
    /// `spec.failedJobsHistoryLimit` (default 1).
    pub failed_jobs_history_limit: i64,
    /// `spec.suspend`.
    pub suspend: bool,
    /// Labels of `spec.jobTemplate.metadata`.
    pub job_labels: std::collections::BTreeMap<String, String>,
    /// Annotations of `spec.jobTemplate.metadata`.
    pub job_annotations: std::collections::BTreeMap<String, String>,
    /// `spec.jobTemplate.spec`.
    pub job: JobSpec,
}

/// A CronJob manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct CronJobObject {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Defaulted spec.
    pub spec: CronJobSpec,
}
