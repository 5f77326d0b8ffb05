//! The world's side of the batch controllers: applying Job and CronJob effects, creating Job
//! pods, deleting Jobs with their pods, and freeing a node's resources when a pod finishes.

use std::collections::BTreeSet;

use super::World;
use crate::cluster::effects::{Effect, EventType, SyncTarget};
use crate::cluster::events::Event;
use crate::cluster::state::{CronJobState, JobState, JobStatus, ObjKey, PodId, PodPhase};
use crate::controllers::job::COMPLETION_INDEX;
use crate::controllers::job_math::BackoffRecord;
use crate::model::batch::{CronJobObject, JobObject, JobSpec};
use crate::model::meta::{ObjectMeta, OwnerRef};
use crate::scheduler::queue::ClusterEvent;
use crate::sim::engine::Ctx;

impl World {
    /// Applies a Job or CronJob effect.
    pub(super) fn apply_batch(&mut self, ctx: &mut Ctx<'_, Event>, effect: Effect) {
        match effect {
            Effect::CreateJobPod { job, index } => self.create_job_pod(ctx, &job, index),
            Effect::JobStatus {
                key,
                status,
                counted,
                forget,
                backoff,
            } => {
                let Some(job) = self.state.jobs.get_mut(&key) else {
                    return;
                };
                let was_finished = job.status.finished().is_some();
                job.status = status;
                job.backoff = backoff;
                job.counted.extend(counted);
                for pod in forget {
                    job.pods.remove(&pod);
                    job.counted.remove(&pod);
                }
                if !was_finished
                    && job.status.finished().is_some()
                    && let Some(owner) = job.owner.clone()
                {
                    self.enqueue_sync(
                        ctx,
                        SyncTarget::CronJob(ObjKey::new(&key.namespace, &owner)),
                    );
                }
            }
            Effect::DeleteJob { key } => self.delete_job(ctx, &key),
            Effect::CreateJob {
                key,
                cronjob,
                labels,
                annotations,
                spec,
            } => {
                if self.state.jobs.contains_key(&key) {
                    return;
                }
                self.insert_job(ctx, key, labels, annotations, spec, Some(cronjob));
            }
            Effect::CronJobStatus {
                key,
                active,
                last_schedule,
                last_successful,
            } => {
                if let Some(cj) = self.state.cronjobs.get_mut(&key) {
                    cj.active = active;
                    cj.last_schedule = last_schedule;
                    cj.last_successful = last_successful;
                }
            }
            _ => {}
        }
    }

    fn insert_job(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        key: ObjKey,
        labels: std::collections::BTreeMap<String, String>,
        annotations: std::collections::BTreeMap<String, String>,
        spec: JobSpec,
        owner: Option<String>,
    ) {
        self.state.namespaces.insert(key.namespace.clone());
        let mut spec = spec;
        // The Job's own name in the pod labels (a CronJob's template names no Job).
        let template_labels = &mut spec.template.labels;
        template_labels.insert("batch.kubernetes.io/job-name".into(), key.name.clone());
        template_labels.insert("job-name".into(), key.name.clone());
        self.state.jobs.insert(
            key.clone(),
            JobState {
                key: key.clone(),
                labels,
                annotations,
                spec,
                created: ctx.now(),
                owner,
                status: JobStatus::default(),
                pods: BTreeSet::new(),
                counted: BTreeSet::new(),
                backoff: BackoffRecord::default(),
            },
        );
        self.enqueue_sync(ctx, SyncTarget::Job(key));
    }

    /// `kubectl apply` of a Job: created, or its spec replaced (suspend, parallelism …).
    pub(super) fn upsert_job(&mut self, ctx: &mut Ctx<'_, Event>, j: JobObject) {
        let key = ObjKey::new(&j.meta.namespace, &j.meta.name);
        match self.state.jobs.get_mut(&key) {
            Some(existing) => {
                existing.spec = j.spec;
                existing.labels = j.meta.labels;
                self.enqueue_sync(ctx, SyncTarget::Job(key));
            }
            None => self.insert_job(ctx, key, j.meta.labels, j.meta.annotations, j.spec, None),
        }
    }

    /// `kubectl apply` of a CronJob.
    pub(super) fn upsert_cronjob(&mut self, ctx: &mut Ctx<'_, Event>, c: CronJobObject) {
        let key = ObjKey::new(&c.meta.namespace, &c.meta.name);
        self.state.namespaces.insert(key.namespace.clone());
        match self.state.cronjobs.get_mut(&key) {
            Some(existing) => {
                existing.spec = c.spec;
                existing.labels = c.meta.labels;
            }
            None => {
                self.state.cronjobs.insert(
                    key.clone(),
                    CronJobState {
                        key: key.clone(),
                        labels: c.meta.labels,
                        spec: c.spec,
                        created: ctx.now(),
                        active: BTreeSet::new(),
                        last_schedule: None,
                        last_successful: None,
                    },
                );
            }
        }
        self.enqueue_sync(ctx, SyncTarget::CronJob(key));
    }

    /// Deletes a Job; its pods go by garbage collection (background propagation).
    pub(super) fn delete_job(&mut self, ctx: &mut Ctx<'_, Event>, key: &ObjKey) {
        let Some(job) = self.state.jobs.remove(key) else {
            return;
        };
        for pod in job.pods {
            self.delete_pod(ctx, pod, "Deleted");
        }
        if let Some(owner) = job.owner {
            self.enqueue_sync(
                ctx,
                SyncTarget::CronJob(ObjKey::new(&key.namespace, &owner)),
            );
        }
    }

    /// Deletes a CronJob and the Jobs it owns.
    pub(super) fn delete_cronjob(&mut self, ctx: &mut Ctx<'_, Event>, key: &ObjKey) -> bool {
        if self.state.cronjobs.remove(key).is_none() {
            return false;
        }
        let owned: Vec<ObjKey> = self
            .state
            .jobs
            .values()
            .filter(|j| j.key.namespace == key.namespace && j.owner.as_deref() == Some(&key.name))
            .map(|j| j.key.clone())
            .collect();
        for job in owned {
            self.delete_job(ctx, &job);
        }
        true
    }

    fn create_job_pod(&mut self, ctx: &mut Ctx<'_, Event>, key: &ObjKey, index: Option<i64>) {
        let Some(job) = self.state.jobs.get(key) else {
            return;
        };
        let prefix = match index {
            Some(ix) => format!("{}-{ix}", key.name),
            None => key.name.clone(),
        };
        let name = loop {
            let candidate = format!("{prefix}-{}", self.names_rng.name_suffix(5));
            if !self
                .state
                .pod_index
                .contains_key(&ObjKey::new(&key.namespace, &candidate))
            {
                break candidate;
            }
        };
        let template = job.spec.template.clone();
        let mut labels = template.labels.clone();
        let mut annotations = template.annotations.clone();
        if let Some(ix) = index {
            labels.insert(COMPLETION_INDEX.into(), ix.to_string());
            annotations.insert(COMPLETION_INDEX.into(), ix.to_string());
        }
        let meta = ObjectMeta {
            namespace: key.namespace.clone(),
            name: name.clone(),
            labels,
            annotations,
        };
        let now = ctx.now();
        let object = format!("job/{}", key.name);
        let spec = match self.admit(&key.namespace, &template.spec) {
            Ok(spec) => spec,
            Err(reason) => {
                self.record(
                    now,
                    &key.namespace,
                    object,
                    EventType::Warning,
                    "FailedCreate",
                    format!("Error creating: pods \"{name}\" is forbidden: {reason}"),
                );
                return;
            }
        };
        let owner = OwnerRef {
            kind: "job".into(),
            name: key.name.clone(),
        };
        self.create_pod(ctx, meta, spec, Some(owner));
        self.record(
            now,
            &key.namespace,
            object,
            EventType::Normal,
            "SuccessfulCreate",
            format!("Created pod: {name}"),
        );
    }

    /// A new pod owned by a Job joins the Job's pod list.
    pub(super) fn adopt_job_pod(&mut self, pod: PodId) {
        let p = &self.state.pods[pod.0];
        if let Some(owner) = &p.owner
            && owner.kind == "job"
            && let Some(job) = self
                .state
                .jobs
                .get_mut(&ObjKey::new(&p.namespace, &owner.name))
        {
            job.pods.insert(pod);
        }
    }

    /// A pod reached Succeeded or Failed: like the scheduler (whose pod informer ignores
    /// terminal pods) and the kubelet, the node no longer counts it.
    pub(super) fn release_finished_pod(&mut self, ctx: &mut Ctx<'_, Event>, pod: PodId) {
        let p = &self.state.pods[pod.0];
        if !matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) || p.gone.is_some() {
            return;
        }
        let Some(node) = p.node else {
            return;
        };
        if self.state.nodes[node.0].pods.remove(&pod) {
            let uid = self.state.pods[pod.0].uid;
            self.node_infos[node.0].remove_pod(uid);
            self.cluster_event(ctx, ClusterEvent::AssignedPodDelete);
        }
    }
}
