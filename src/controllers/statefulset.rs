//! The StatefulSet controller (`pkg/controller/statefulset/stateful_set_control.go`
//! `updateStatefulSet`): stable identities `<set>-<ordinal>`, sticky claims
//! `<template>-<set>-<ordinal>`, ordered or parallel pod management, RollingUpdate with a
//! partition and maxUnavailable, OnDelete, and the claim retention policy. The decisions come
//! from [`statefulset_math::plan_sync`]; this module reads the state into its views and turns the
//! plan into effects.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::cluster::effects::{Effect, StatefulSetUpdate, SyncTarget};
use crate::cluster::state::{
    ClusterState, ObjKey, PodId, PodPhase, SetRevision, StsState, StsStatus,
};
use crate::controllers::deployment::pod_template_hash;
use crate::controllers::statefulset_math::{
    self as math, SetAction, SetPodPhase, SetPodView, SetSpecView, SetUpdateStrategy,
};
use crate::model::meta::ObjectMeta;
use crate::model::pod::PodTemplate;
use crate::model::storage::Storage;
use crate::model::workloads::MAX_UNAVAILABLE_STATEFULSET_SINCE;
use crate::sim::time::SimTime;

/// Label naming a pod's revision.
pub const REVISION_LABEL: &str = "controller-revision-hash";
/// Label carrying the pod's own name (lets a Service select one member).
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// Label carrying the pod's ordinal.
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

/// The revision of the set's current template: an existing ControllerRevision with the same
/// template, else a new one `<set>-<hash>` numbered after the newest.
fn update_revision(set: &StsState) -> SetRevision {
    let canonical = &set.spec.template.canonical;
    if let Some(existing) = set
        .revisions
        .iter()
        .find(|r| &r.template.canonical == canonical)
    {
        return existing.clone();
    }
    let number = set.revisions.iter().map(|r| r.number).max().unwrap_or(0) + 1;
    // A name taken by another template (hash collision) gets the number appended.
    let mut name = format!("{}-{}", set.key.name, pod_template_hash(canonical, 0));
    if set.revisions.iter().any(|r| r.name == name) {
        name = format!("{name}-{number}");
    }
    SetRevision {
        name,
        number,
        template: set.spec.template.clone(),
    }
}

/// The view of one pod the decision rules need.
fn pod_view(state: &ClusterState, id: PodId, min_ready_seconds: i64, now: SimTime) -> SetPodView {
    let pod = state.pod(id);
    SetPodView {
        ordinal: math::parent_name_and_ordinal(&pod.name).1,
        phase: match pod.phase {
            PodPhase::Pending => SetPodPhase::Pending,
            PodPhase::Running => SetPodPhase::Running,
            PodPhase::Succeeded => SetPodPhase::Succeeded,
            PodPhase::Failed => SetPodPhase::Failed,
        },
        ready: pod.ready,
        available: pod.is_available(min_ready_seconds, now),
        terminating: pod.deletion.is_some(),
        revision: pod.labels.get(REVISION_LABEL).cloned().unwrap_or_default(),
    }
}

/// Names of the claims the pod with `ordinal` mounts, one per volume claim template.
fn claim_names(set: &StsState, ordinal: i64) -> Vec<String> {
    set.spec
        .volume_claim_templates
        .iter()
        .map(|t| math::pvc_name(&t.name, &set.key.name, ordinal))
        .collect()
}

/// The claims of a StatefulSet that exist: `<template>-<set>-<ordinal>` for each of its
/// templates (what `whenDeleted: Delete` removes with the set).
pub fn claims_of_set(storage: &Storage, set: &StsState) -> Vec<String> {
    let namespace = &set.key.namespace;
    let mut out = Vec::new();
    for template in &set.spec.volume_claim_templates {
        let prefix = format!("{}-", template.name);
        for (ns, name) in storage.claims.keys() {
            if ns != namespace {
                continue;
            }
            if let Some(rest) = name.strip_prefix(&prefix) {
                let (parent, ordinal) = math::parent_name_and_ordinal(rest);
                if parent == set.key.name && ordinal >= 0 {
                    out.push(name.clone());
                }
            }
        }
    }
    out
}

/// `newVersionedStatefulSetPod`: the pod with `ordinal` from the template of `revision`.
fn new_pod(set: &StsState, template: &PodTemplate, revision: &str, ordinal: i64) -> Effect {
    let name = math::pod_name(&set.key.name, ordinal);
    let mut labels = template.labels.clone();
    labels.insert(REVISION_LABEL.into(), revision.into());
    labels.insert(POD_NAME_LABEL.into(), name.clone());
    labels.insert(POD_INDEX_LABEL.into(), ordinal.to_string());
    let claims = claim_names(set, ordinal);
    let spec = if claims.is_empty() {
        template.spec.clone()
    } else {
        let mut spec = (*template.spec).clone();
        for claim in claims {
            if !spec.claims.contains(&claim) {
                spec.claims.push(claim);
            }
        }
        Arc::new(spec)
    };
    Effect::CreateSetPod {
        set: set.key.clone(),
        meta: ObjectMeta {
            namespace: set.key.namespace.clone(),
            name,
            labels,
            annotations: template.annotations.clone(),
        },
        spec,
    }
}

/// kubectl's `rollout status` for a StatefulSet: every replica ready and, with a partition,
/// the ordinals from the partition on updated, else the current revision caught up. OnDelete
/// (which kubectl does not follow): every replica ready and updated.
fn rollout_complete(set: &StsState, status: &StsStatus) -> bool {
    let replicas = set.spec.replicas;
    if status.ready < replicas || status.replicas != replicas {
        return false;
    }
    match set.spec.update_strategy {
        SetUpdateStrategy::RollingUpdate { partition, .. } if partition > 0 => {
            status.updated >= replicas - partition
        }
        SetUpdateStrategy::RollingUpdate { .. } => {
            status.current_revision == status.update_revision
        }
        SetUpdateStrategy::OnDelete => status.updated == replicas,
    }
}

/// One sync of the StatefulSet `key` at `now`.
pub fn sync(state: &ClusterState, key: &ObjKey, now: SimTime) -> Vec<Effect> {
    let mut effects = Vec::new();
    let Some(set) = state.statefulsets.get(key) else {
        return effects;
    };
    let spec = &set.spec;
    let update = update_revision(set);
    let mut revisions = set.revisions.clone();
    if !revisions.iter().any(|r| r.name == update.name) {
        revisions.push(update.clone());
    }
    let current_revision = if revisions
        .iter()
        .any(|r| r.name == set.status.current_revision)
    {
        set.status.current_revision.clone()
    } else {
        update.name.clone()
    };

    let pods: Vec<PodId> = state
        .statefulset_pods(key)
        .into_iter()
        .filter(|id| math::parent_name_and_ordinal(&state.pod(*id).name).1 >= 0)
        .collect();
    let views: Vec<SetPodView> = pods
        .iter()
        .map(|id| pod_view(state, *id, spec.min_ready_seconds, now))
        .collect();
    let view = SetSpecView {
        replicas: spec.replicas,
        start_ordinal: spec.start_ordinal,
        policy: spec.pod_management_policy,
        strategy: spec.update_strategy,
        current_revision: current_revision.clone(),
        update_revision: update.name.clone(),
        max_unavailable_feature: state.kubernetes_version >= MAX_UNAVAILABLE_STATEFULSET_SINCE,
    };

    // Claim retention on scale-down: claims of condemned pods belong to those pods and go when
    // they are gone; pods back in range take their claims back.
    let mut owned = BTreeMap::new();
    let mut deleted_claims = BTreeSet::new();
    let live_uid = |uid: u64| {
        state
            .pod_by_uid(uid)
            .is_some_and(|id| state.pod(id).gone.is_none())
    };
    if spec.retention.delete_when_scaled {
        for (claim, uid) in &set.claims_owned_by_pods {
            if !live_uid(*uid) {
                effects.push(Effect::DeleteClaim {
                    namespace: key.namespace.clone(),
                    name: claim.clone(),
                });
                deleted_claims.insert(claim.clone());
            }
        }
        for (id, pod) in pods.iter().zip(&views) {
            if math::in_ordinal_range(pod.ordinal, spec.start_ordinal, spec.replicas) {
                continue;
            }
            for claim in claim_names(set, pod.ordinal) {
                if state.storage.claim(&key.namespace, &claim).is_some()
                    && !deleted_claims.contains(&claim)
                {
                    owned.insert(claim, state.pod(*id).uid);
                }
            }
        }
    }

    let plan = math::plan_sync(&view, &views);
    let template_of = |revision: &str| {
        revisions
            .iter()
            .find(|r| r.name == revision)
            .map_or(&spec.template, |r| &r.template)
    };
    for action in plan.actions {
        match action {
            SetAction::Create { ordinal, revision } => {
                let pod = math::pod_name(&key.name, ordinal);
                for (template, claim) in spec
                    .volume_claim_templates
                    .iter()
                    .zip(claim_names(set, ordinal))
                {
                    if state.storage.claim(&key.namespace, &claim).is_none()
                        || deleted_claims.contains(&claim)
                    {
                        let mut object = template.clone();
                        object.namespace = key.namespace.clone();
                        object.name = claim;
                        effects.push(Effect::CreateSetClaim {
                            set: key.clone(),
                            pod: pod.clone(),
                            claim: object,
                        });
                    }
                }
                effects.push(new_pod(set, template_of(&revision), &revision, ordinal));
            }
            SetAction::Delete { ordinal, .. } => {
                if let Some(index) = views.iter().position(|v| v.ordinal == ordinal) {
                    effects.push(Effect::DeleteSetPod {
                        set: key.clone(),
                        pod: pods[index],
                    });
                }
            }
        }
    }

    // Status from the pods seen at the start of the sync.
    let counts = math::compute_status(&views, &current_revision, &update.name);
    let mut status = StsStatus {
        replicas: counts.replicas,
        ready: counts.ready,
        available: counts.available,
        current: counts.current,
        updated: counts.updated,
        current_revision,
        update_revision: update.name.clone(),
        observed_generation: set.generation,
    };
    if math::rolling_update_complete(spec.update_strategy, counts.replicas, &counts) {
        status.current = status.updated;
        status.current_revision = status.update_revision.clone();
    }
    // Keep the revisions pods use, the current and update ones, and the newest others up to
    // revisionHistoryLimit.
    let in_use: BTreeSet<&str> = views.iter().map(|v| v.revision.as_str()).collect();
    let mut history: Vec<usize> = (0..revisions.len())
        .filter(|i| {
            let name = revisions[*i].name.as_str();
            !in_use.contains(name) && name != status.current_revision && name != update.name
        })
        .collect();
    let limit = usize::try_from(spec.revision_history_limit).unwrap_or(0);
    if history.len() > limit {
        history.truncate(history.len() - limit);
        let drop: BTreeSet<usize> = history.into_iter().collect();
        revisions = revisions
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !drop.contains(i))
            .map(|(_, r)| r)
            .collect();
    }
    let rollout_complete = rollout_complete(set, &status);
    let completes = rollout_complete
        && !set
            .rollouts
            .last()
            .is_some_and(|r| r.outcome == "complete" && r.revision == update.number);
    if status != set.status
        || revisions != set.revisions
        || owned != set.claims_owned_by_pods
        || completes
    {
        effects.push(Effect::StatefulSetStatus {
            key: key.clone(),
            update: Box::new(StatefulSetUpdate {
                status,
                revisions,
                claims_owned_by_pods: owned,
                rollout_complete,
            }),
        });
    }
    // minReadySeconds: sync again when the next ready pod becomes available.
    if spec.min_ready_seconds > 0 {
        let next = pods
            .iter()
            .filter_map(|id| {
                let pod = state.pod(*id);
                let since = pod.ready_since.filter(|_| pod.ready)?;
                let at = since.plus_nanos(spec.min_ready_seconds as u64 * 1_000_000_000);
                (at > now).then_some(at)
            })
            .min();
        if let Some(at) = next {
            effects.push(Effect::Requeue {
                target: SyncTarget::StatefulSet(key.clone()),
                at,
            });
        }
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::state::{KubeletPhase, RolloutRecord};
    use crate::model::meta::OwnerRef;
    use crate::model::pod::PodSpec;
    use crate::model::selector::LabelSelector;
    use crate::model::storage::PersistentVolumeClaim;
    use crate::model::workloads::{ClaimRetentionPolicy, PodManagementPolicy, StatefulSetSpec};

    fn template(image: &str) -> PodTemplate {
        PodTemplate {
            labels: [("app".to_string(), "nginx".to_string())].into(),
            annotations: BTreeMap::new(),
            spec: Arc::new(PodSpec::default()),
            canonical: image.to_string(),
        }
    }

    fn claim_template() -> PersistentVolumeClaim {
        PersistentVolumeClaim {
            namespace: "default".into(),
            name: "www".into(),
            storage_class: None,
            volume_name: None,
            request_bytes: 1 << 30,
            access_modes: vec!["ReadWriteOnce".into()],
            selector: None,
            bound: false,
        }
    }

    fn set(replicas: i64, policy: PodManagementPolicy, strategy: SetUpdateStrategy) -> StsState {
        StsState {
            key: ObjKey::new("default", "web"),
            labels: BTreeMap::new(),
            spec: StatefulSetSpec {
                replicas,
                selector: LabelSelector::default(),
                template: template("v1"),
                service_name: "nginx".into(),
                pod_management_policy: policy,
                update_strategy: strategy,
                volume_claim_templates: vec![claim_template()],
                retention: ClaimRetentionPolicy::default(),
                min_ready_seconds: 0,
                start_ordinal: 0,
                revision_history_limit: 10,
            },
            source: serde_json::Value::Null,
            generation: 1,
            created: SimTime::ZERO,
            status: StsStatus::default(),
            revisions: Vec::new(),
            claims_owned_by_pods: BTreeMap::new(),
            rollouts: Vec::new(),
        }
    }

    #[derive(Clone, Copy, PartialEq)]
    enum P {
        /// Running and ready.
        Ready,
        /// Pending (not running yet).
        Pending,
        /// Terminating.
        Terminating,
        /// Failed.
        Failed,
    }

    /// A cluster holding `set`, pods `(ordinal, state, revision)` and claims for `claims`.
    fn cluster(set: StsState, pods: &[(i64, P, &str)], claims: &[&str]) -> ClusterState {
        let mut state = ClusterState::default();
        for (index, (ordinal, p, revision)) in pods.iter().enumerate() {
            let name = math::pod_name("web", *ordinal);
            let running = matches!(p, P::Ready | P::Terminating);
            let mut labels = BTreeMap::new();
            labels.insert(REVISION_LABEL.to_string(), revision.to_string());
            state.pods.push(crate::cluster::state::PodState {
                namespace: "default".into(),
                name: name.clone(),
                uid: index as u64 + 1,
                labels,
                deletion_cost: 0,
                owner: Some(OwnerRef {
                    kind: "statefulset".into(),
                    name: "web".into(),
                }),
                spec: Arc::new(PodSpec::default()),
                created: SimTime::ZERO,
                node: None,
                scheduled: None,
                started: None,
                ready: running,
                ready_since: running.then_some(SimTime::ZERO),
                first_ready: None,
                phase: match p {
                    P::Ready | P::Terminating => PodPhase::Running,
                    P::Pending => PodPhase::Pending,
                    P::Failed => PodPhase::Failed,
                },
                deletion: (*p == P::Terminating).then_some(SimTime::ZERO),
                gone: None,
                end_reason: None,
                restarts: 0,
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
                exit_code: None,
                finished_at: None,
                last_termination: None,
            });
            state
                .pod_index
                .insert(ObjKey::new("default", &name), PodId(index));
        }
        let storage = Arc::make_mut(&mut state.storage);
        for claim in claims {
            let mut c = claim_template();
            c.name = claim.to_string();
            storage.claims.insert(("default".into(), c.name.clone()), c);
        }
        state.statefulsets.insert(set.key.clone(), set);
        state
    }

    /// The API operations of a sync, as short strings.
    fn ops(state: &ClusterState) -> Vec<String> {
        sync(state, &ObjKey::new("default", "web"), SimTime::ZERO)
            .into_iter()
            .filter_map(|e| match e {
                Effect::CreateSetClaim { claim, .. } => Some(format!("claim {}", claim.name)),
                Effect::CreateSetPod { meta, spec, .. } => Some(format!(
                    "create {} {} [{}]",
                    meta.name,
                    meta.labels[REVISION_LABEL],
                    spec.claims.join(",")
                )),
                Effect::DeleteSetPod { pod, .. } => Some(format!("delete {}", state.pod(pod).name)),
                Effect::DeleteClaim { name, .. } => Some(format!("delete claim {name}")),
                _ => None,
            })
            .collect()
    }

    /// A set whose revisions are `v1` (current) and `v2` (update, the template).
    fn updated(mut s: StsState) -> StsState {
        let v1 = update_revision(&s);
        s.status.current_revision = v1.name.clone();
        s.revisions.push(v1);
        s.spec.template = template("v2");
        s
    }

    #[test]
    fn reconcile_table() {
        use PodManagementPolicy::{OrderedReady, Parallel};
        let rolling = |partition| SetUpdateStrategy::RollingUpdate {
            partition,
            max_unavailable: None,
        };
        let base = set(3, OrderedReady, rolling(0));
        let v1 = update_revision(&base).name;
        let v2 = update_revision(&updated(base.clone())).name;
        assert_ne!(v1, v2);
        let (r1, r2) = (v1.as_str(), v2.as_str());
        let c0 = format!("create web-0 {r1} [www-web-0]");
        let c1 = format!("create web-1 {r1} [www-web-1]");
        let c2 = format!("create web-2 {r1} [www-web-2]");
        type Row<'a> = (
            &'a str,
            StsState,
            Vec<(i64, P, &'a str)>,
            Vec<&'a str>,
            Vec<String>,
        );
        let rows: Vec<Row> = vec![
            (
                "ordered: only web-0 first, with its claim",
                base.clone(),
                vec![],
                vec![],
                vec!["claim www-web-0".into(), c0.clone()],
            ),
            (
                "ordered: web-1 once web-0 is running and ready; its claim already exists",
                base.clone(),
                vec![(0, P::Ready, r1)],
                vec!["www-web-0", "www-web-1"],
                vec![c1.clone()],
            ),
            (
                "ordered: nothing while web-0 is pending",
                base.clone(),
                vec![(0, P::Pending, r1)],
                vec!["www-web-0"],
                vec![],
            ),
            (
                "parallel: every missing ordinal at once",
                set(3, Parallel, rolling(0)),
                vec![],
                vec![],
                vec![
                    "claim www-web-0".into(),
                    c0.clone(),
                    "claim www-web-1".into(),
                    c1.clone(),
                    "claim www-web-2".into(),
                    c2.clone(),
                ],
            ),
            (
                "ordered scale-down: highest ordinal first, one at a time",
                set(1, OrderedReady, rolling(0)),
                vec![(0, P::Ready, r1), (1, P::Ready, r1), (2, P::Ready, r1)],
                vec![],
                vec!["delete web-2".into()],
            ),
            (
                "parallel scale-down: all condemned pods",
                set(1, Parallel, rolling(0)),
                vec![(0, P::Ready, r1), (1, P::Ready, r1), (2, P::Ready, r1)],
                vec![],
                vec!["delete web-2".into(), "delete web-1".into()],
            ),
            (
                "one pod per identity: no replacement while web-1 terminates",
                set(3, Parallel, rolling(0)),
                vec![(0, P::Ready, r1), (1, P::Terminating, r1)],
                vec![],
                vec!["claim www-web-2".into(), c2.clone()],
            ),
            (
                "a failed pod is deleted to be recreated under its name",
                base.clone(),
                vec![(0, P::Failed, r1), (1, P::Ready, r1), (2, P::Ready, r1)],
                vec![],
                vec!["delete web-0".into()],
            ),
            (
                "rolling update from the highest ordinal",
                updated(base.clone()),
                vec![(0, P::Ready, r1), (1, P::Ready, r1), (2, P::Ready, r1)],
                vec![],
                vec!["delete web-2".into()],
            ),
            (
                "partition 2: web-2 updated, nothing else to do",
                updated(set(3, OrderedReady, rolling(2))),
                vec![(0, P::Ready, r1), (1, P::Ready, r1), (2, P::Ready, r2)],
                vec![],
                vec![],
            ),
            (
                "below the partition a missing pod comes back at the current revision",
                updated(set(3, OrderedReady, rolling(2))),
                vec![(1, P::Ready, r1), (2, P::Ready, r2)],
                vec!["www-web-0"],
                vec![c0.clone()],
            ),
            (
                "on delete: out-of-date pods stay; a missing one gets the new template",
                updated(set(3, OrderedReady, SetUpdateStrategy::OnDelete)),
                vec![(0, P::Ready, r1), (1, P::Ready, r1)],
                vec![],
                vec![
                    "claim www-web-2".into(),
                    format!("create web-2 {r2} [www-web-2]"),
                ],
            ),
        ];
        for (name, s, pods, claims, want) in rows {
            assert_eq!(ops(&cluster(s, &pods, &claims)), want, "{name}");
        }
    }

    #[test]
    fn pods_get_their_identity_labels() {
        let state = cluster(
            set(
                1,
                PodManagementPolicy::OrderedReady,
                SetUpdateStrategy::OnDelete,
            ),
            &[],
            &[],
        );
        let effects = sync(&state, &ObjKey::new("default", "web"), SimTime::ZERO);
        let labels = effects
            .iter()
            .find_map(|e| match e {
                Effect::CreateSetPod { meta, .. } => Some(meta.labels.clone()),
                _ => None,
            })
            .unwrap_or_default();
        assert_eq!(labels[POD_NAME_LABEL], "web-0");
        assert_eq!(labels[POD_INDEX_LABEL], "0");
        assert_eq!(labels["app"], "nginx");
        assert!(labels[REVISION_LABEL].starts_with("web-"));
    }

    #[test]
    fn scaled_down_claims_follow_their_pods_under_when_scaled_delete() {
        let mut s = set(
            1,
            PodManagementPolicy::Parallel,
            SetUpdateStrategy::default(),
        );
        s.spec.retention.delete_when_scaled = true;
        let r = update_revision(&s).name;
        // web-1 is condemned and terminating: its claim becomes the pod's (uid 2).
        let state = cluster(
            s.clone(),
            &[(0, P::Ready, &r), (1, P::Terminating, &r)],
            &["www-web-0", "www-web-1"],
        );
        let update = sync(&state, &s.key, SimTime::ZERO)
            .into_iter()
            .find_map(|e| match e {
                Effect::StatefulSetStatus { update, .. } => Some(update),
                _ => None,
            });
        let owned = update.map(|u| u.claims_owned_by_pods).unwrap_or_default();
        assert_eq!(owned, [("www-web-1".to_string(), 2)].into());
        // Once web-1 is gone, its claim is deleted; Retain keeps it.
        s.claims_owned_by_pods = owned;
        let state = cluster(s.clone(), &[(0, P::Ready, &r)], &["www-web-0", "www-web-1"]);
        assert_eq!(ops(&state), vec!["delete claim www-web-1".to_string()]);
        s.spec.retention.delete_when_scaled = false;
        let state = cluster(s, &[(0, P::Ready, &r)], &["www-web-0", "www-web-1"]);
        assert!(ops(&state).is_empty());
    }

    #[test]
    fn status_and_rollout_completion() {
        let mut s = set(
            2,
            PodManagementPolicy::OrderedReady,
            SetUpdateStrategy::default(),
        );
        let r = update_revision(&s);
        s.rollouts.push(RolloutRecord {
            revision: r.number,
            start: SimTime::ZERO,
            end: None,
            outcome: "inProgress",
        });
        let state = cluster(
            s.clone(),
            &[(0, P::Ready, &r.name), (1, P::Ready, &r.name)],
            &[],
        );
        let update = sync(&state, &s.key, SimTime::ZERO)
            .into_iter()
            .find_map(|e| match e {
                Effect::StatefulSetStatus { update, .. } => Some(update),
                _ => None,
            });
        let Some(update) = update else {
            panic!("no status update")
        };
        assert!(update.rollout_complete);
        assert_eq!(
            (
                update.status.replicas,
                update.status.ready,
                update.status.updated
            ),
            (2, 2, 2)
        );
        assert_eq!(update.status.current_revision, r.name);
        assert_eq!(update.revisions.len(), 1);
    }

    #[test]
    fn claims_of_a_set_are_found_by_name() {
        let s = set(
            1,
            PodManagementPolicy::OrderedReady,
            SetUpdateStrategy::default(),
        );
        let state = cluster(
            s.clone(),
            &[],
            &[
                "www-web-0",
                "www-web-7",
                "www-webx-0",
                "www-web-a",
                "data-web-0",
            ],
        );
        assert_eq!(
            claims_of_set(&state.storage, &s),
            ["www-web-0", "www-web-7"]
        );
    }
}
