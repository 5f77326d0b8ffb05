//! The Argo Rollouts controller (`rollout/canary.go`, `rollout/bluegreen.go`), without a traffic
//! router: a Rollout owns ReplicaSets named `<rollout>-<hash>` like a Deployment. A canary walks
//! its steps (weights realised by the ratio of new to stable replicas, see `rollout_math`); a
//! blue/green rollout brings the new set up behind the preview Service and switches the active
//! Service on promotion. Analysis compares the simulated error rate of the new pods with its
//! AnalysisTemplates' metrics (AnalysisRuns, see `analysis`) on the simulated error rate of the
//! new pods: a canary `analysis` step, background analysis from `startingStep`, blue/green pre-
//! and post-promotion analysis. A failed or errored run aborts the rollout, an inconclusive one
//! pauses it until `promote`.

use std::collections::BTreeMap;

use crate::cluster::effects::{Effect, EventType, SyncTarget};
use crate::cluster::state::{
    ArgoPhase, ArgoRolloutState, ArgoStatus, ClusterState, ObjKey, RsOwnerKind, RsState,
};
use crate::controllers::analysis::{AnalysisRunState, RunKind, run_reason};
use crate::controllers::deployment::pod_template_hash;
use crate::controllers::rollout_math::{
    CanaryInput, CanaryTarget, SetCounts, desired_counts, replica_counts_for_canary,
};
use crate::model::IntOrPercent;
use crate::model::analysis::{AnalysisPhase, Measured, Metric};
use crate::model::rollout::{
    BlueGreenStrategy, CanaryScale, CanaryStep, CanaryStrategy, HASH_LABEL, RolloutAnalysis,
    RolloutStrategy,
};
use crate::model::selector::{Requirement, SelectorOp};
use crate::model::workloads::ReplicaSetSpec;
use crate::sim::time::SimTime;

struct Sync<'a> {
    state: &'a ClusterState,
    r: &'a ArgoRolloutState,
    status: ArgoStatus,
    effects: Vec<Effect>,
    now: SimTime,
}

impl Sync<'_> {
    fn event(&mut self, event_type: EventType, reason: &'static str, message: String) {
        self.effects.push(Effect::event(
            &self.r.key.namespace,
            format!("rollout/{}", self.r.key.name),
            event_type,
            reason,
            message,
        ));
    }

    fn requeue_at(&mut self, at: SimTime) {
        self.effects.push(Effect::Requeue {
            target: SyncTarget::Rollout(self.r.key.clone()),
            at,
        });
    }

    fn scale(&mut self, rs: &RsState, replicas: i64) {
        if rs.spec.replicas != replicas {
            self.effects.push(Effect::UpdateReplicaSet {
                key: rs.key.clone(),
                replicas,
                annotations: BTreeMap::new(),
            });
            let (verb, from) = if replicas > rs.spec.replicas {
                ("up", rs.spec.replicas)
            } else {
                ("down", rs.spec.replicas)
            };
            self.event(
                EventType::Normal,
                "ScalingReplicaSet",
                format!(
                    "Scaled {verb} ReplicaSet {} (revision {}) from {from} to {replicas}",
                    rs.key.name,
                    revision(rs)
                ),
            );
        }
    }
}

/// The revision annotation of a Rollout's ReplicaSets.
pub const REVISION: &str = "rollout.argoproj.io/revision";

fn revision(rs: &RsState) -> i64 {
    rs.annotation_i64(REVISION).unwrap_or(0)
}

fn resolve(value: IntOrPercent, total: i64, round_up: bool) -> i64 {
    match value {
        IntOrPercent::Int(v) => v,
        IntOrPercent::Percent(p) if round_up => (total * p + 99).div_euclid(100),
        IntOrPercent::Percent(p) => (total * p).div_euclid(100),
    }
}

fn counts(rs: &RsState) -> SetCounts {
    SetCounts {
        spec: rs.spec.replicas,
        available: rs.status.available,
    }
}

/// One sync of the Rollout `key` at `now`.
pub fn sync(state: &ClusterState, key: &ObjKey, now: SimTime) -> Vec<Effect> {
    let Some(r) = state.argo_rollouts.get(key) else {
        return Vec::new();
    };
    let spec = &r.object.spec;
    let hash = pod_template_hash(&r.object.spec.template.canonical, 0);
    let mut s = Sync {
        state,
        r,
        status: r.status.clone(),
        effects: Vec::new(),
        now,
    };
    let sets = state.replicasets_owned(key, RsOwnerKind::Rollout);
    let name = format!("{}-{hash}", key.name);
    if s.status.current_hash != hash {
        // A new template: a new rollout starts from the first step.
        s.status.current_hash = hash.clone();
        s.status.step = 0;
        s.status.pause_start = None;
        s.status.abort = false;
        s.status.promote = false;
        s.status.new_ready_at = None;
        s.status.step_run = None;
        s.status.background_run = None;
        s.status.pre_run = None;
        s.status.post_run = None;
        s.status.inconclusive = false;
        s.status.switched = false;
        s.status.invalid_spec = false;
        if !s.status.stable_hash.is_empty() {
            s.event(
                EventType::Normal,
                "RolloutUpdated",
                format!("Rollout updated to revision {}", sets.len() + 1),
            );
        }
    }
    let first = s.status.stable_hash.is_empty();
    let new = sets.iter().copied().find(|rs| rs.key.name == name);
    let Some(new) = new else {
        let mut template = spec.template.clone();
        template.labels.insert(HASH_LABEL.into(), hash.clone());
        let mut selector = spec.selector.clone();
        selector.requirements.push(Requirement {
            key: HASH_LABEL.into(),
            op: SelectorOp::In,
            values: vec![hash.clone()],
        });
        let revision = sets.iter().map(|rs| revision(rs)).max().unwrap_or(0) + 1;
        let replicas = match &spec.strategy {
            _ if first => spec.replicas,
            RolloutStrategy::BlueGreen(_) => spec.replicas,
            RolloutStrategy::Canary(_) => 0,
        };
        let mut annotations = BTreeMap::new();
        annotations.insert(REVISION.to_string(), revision.to_string());
        s.effects.push(Effect::CreateReplicaSet {
            key: ObjKey::new(&key.namespace, &name),
            deployment: key.name.clone(),
            owner_kind: RsOwnerKind::Rollout,
            labels: template.labels.clone(),
            annotations,
            spec: ReplicaSetSpec {
                replicas,
                selector,
                template,
                min_ready_seconds: spec.min_ready_seconds,
            },
        });
        s.event(
            EventType::Normal,
            "NewReplicaSetCreated",
            format!("Created ReplicaSet {name} (revision {revision}) with size {replicas}"),
        );
        s.requeue_at(now);
        return finish(s, &sets);
    };
    if first {
        s.status.stable_hash = hash.clone();
    }
    let stable = sets
        .iter()
        .copied()
        .find(|rs| rs.labels.get(HASH_LABEL) == Some(&s.status.stable_hash));
    let older: Vec<&RsState> = sets
        .iter()
        .copied()
        .filter(|rs| rs.key != new.key && stable.is_none_or(|st| st.key != rs.key))
        .collect();
    match &spec.strategy {
        RolloutStrategy::Canary(c) => canary(&mut s, c, new, stable, &older),
        RolloutStrategy::BlueGreen(b) => blue_green(&mut s, b, new, &older),
    }
    finish(s, &sets)
}

fn finish(mut s: Sync<'_>, sets: &[&RsState]) -> Vec<Effect> {
    let mut status = s.status.clone();
    status.replicas = sets.iter().map(|rs| rs.status.replicas).sum();
    status.ready = sets.iter().map(|rs| rs.status.ready).sum();
    status.available = sets.iter().map(|rs| rs.status.available).sum();
    status.updated = sets
        .iter()
        .find(|rs| rs.labels.get(HASH_LABEL) == Some(&status.current_hash))
        .map_or(0, |rs| rs.status.replicas);
    if status.phase == ArgoPhase::Healthy
        && s.r.status.phase != ArgoPhase::Healthy
        && let Some(new) = sets
            .iter()
            .find(|rs| rs.labels.get(HASH_LABEL) == Some(&status.current_hash))
    {
        s.event(
            EventType::Normal,
            "RolloutCompleted",
            format!(
                "Rollout completed update to revision {} ({}): Rollout is Healthy",
                revision(new),
                status.current_hash
            ),
        );
    }
    if status != s.r.status {
        s.effects.push(Effect::RolloutStatus {
            key: s.r.key.clone(),
            status: Box::new(status),
        });
    }
    s.effects
}

/// Which AnalysisRun of the Rollout's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Step,
    Background,
    Pre,
    Post,
}

impl Sync<'_> {
    fn slot(&mut self, slot: Slot) -> &mut Option<AnalysisRunState> {
        match slot {
            Slot::Step => &mut self.status.step_run,
            Slot::Background => &mut self.status.background_run,
            Slot::Pre => &mut self.status.pre_run,
            Slot::Post => &mut self.status.post_run,
        }
    }

    /// The metrics of the referenced templates; `None` (and one `InvalidSpec` warning) when
    /// one is missing.
    fn metrics(&mut self, a: &RolloutAnalysis, path: &str) -> Option<Vec<Metric>> {
        let mut metrics = Vec::new();
        for t in &a.templates {
            let namespace = if t.cluster_scope {
                ""
            } else {
                self.r.key.namespace.as_str()
            };
            match self
                .state
                .analysis_templates
                .get(&ObjKey::new(namespace, &t.name))
            {
                Some(template) => metrics.extend(template.metrics.iter().cloned()),
                None => {
                    if !self.status.invalid_spec {
                        self.status.invalid_spec = true;
                        let kind = if t.cluster_scope {
                            "ClusterAnalysisTemplate"
                        } else {
                            "AnalysisTemplate"
                        };
                        self.event(
                            EventType::Warning,
                            "InvalidSpec",
                            format!(
                                "The Rollout \"{}\" is invalid: {path}: Invalid value: \"{}\": {kind} '{}' not found",
                                self.r.key.name, t.name, t.name
                            ),
                        );
                    }
                    return None;
                }
            }
        }
        Some(metrics)
    }

    /// Argo's run name: `<rollout>-<hash>-<revision>[-<infix>]`, `.N` added on a collision.
    fn run_name(&mut self, kind: RunKind, new: &RsState) -> String {
        let mut base = format!(
            "{}-{}-{}",
            self.r.key.name,
            self.status.current_hash,
            revision(new)
        );
        match kind {
            RunKind::Step(i) => base.push_str(&format!("-{i}")),
            RunKind::Background => {}
            RunKind::PrePromotion => base.push_str("-pre"),
            RunKind::PostPromotion => base.push_str("-post"),
        }
        let mut name = base.clone();
        let mut n = 0;
        while self.status.run_names.contains(&name) {
            n += 1;
            name = format!("{base}.{n}");
        }
        self.status.run_names.insert(name.clone());
        name
    }

    /// Records the events of a run (on `analysisrun/NAME`) and, when its phase changed, the
    /// Rollout's `AnalysisRun<Phase>` event.
    fn report(
        &mut self,
        run: &mut AnalysisRunState,
        events: Vec<crate::controllers::analysis::RunEvent>,
    ) {
        for e in events {
            self.effects.push(Effect::event(
                &self.r.key.namespace,
                format!("analysisrun/{}", run.name),
                if e.warning {
                    EventType::Warning
                } else {
                    EventType::Normal
                },
                e.reason,
                e.message,
            ));
        }
        if run.reported != Some(run.phase) {
            let previous = run
                .reported
                .map_or("NoPreviousStatus", AnalysisPhase::as_str);
            let event_type = if matches!(run.phase, AnalysisPhase::Failed | AnalysisPhase::Error) {
                EventType::Warning
            } else {
                EventType::Normal
            };
            self.event(
                event_type,
                run_reason(run.phase),
                format!(
                    "{} Analysis Run '{}' Status New: '{}' Previous: '{previous}'",
                    run.kind.label(),
                    run.name,
                    run.phase.as_str()
                ),
            );
            run.reported = Some(run.phase);
        }
    }

    /// Creates the run in `slot` when missing and reconciles it; its phase, or `None` when a
    /// template is missing.
    fn analyse(
        &mut self,
        slot: Slot,
        kind: RunKind,
        a: &RolloutAnalysis,
        path: &str,
        new: &RsState,
    ) -> Option<AnalysisPhase> {
        let mut run = match self.slot(slot).take() {
            Some(run) => run,
            None => {
                let metrics = self.metrics(a, path)?;
                let name = self.run_name(kind, new);
                AnalysisRunState::new(name, kind, metrics, self.now)
            }
        };
        let measured = (new.status.available > 0).then_some(Measured {
            error_rate: self.r.error_rate,
        });
        let (events, next) = run.reconcile(self.now, measured);
        if let Some(at) = next {
            self.requeue_at(at);
        }
        self.report(&mut run, events);
        let phase = run.phase;
        *self.slot(slot) = Some(run);
        Some(phase)
    }

    /// Ends the run in `slot` if it still runs.
    fn terminate(&mut self, slot: Slot) {
        if let Some(mut run) = self.slot(slot).take() {
            let events = run.terminate();
            self.report(&mut run, events);
            *self.slot(slot) = Some(run);
        }
    }

    /// Acts on a completed run: a failure or an error aborts, an inconclusive result pauses.
    /// True when the rollout may go on.
    fn verdict(&mut self, slot: Slot, phase: AnalysisPhase, new: &RsState) -> bool {
        match phase {
            AnalysisPhase::Failed | AnalysisPhase::Error => {
                let message = self
                    .slot(slot)
                    .as_ref()
                    .map(|r| r.message.clone())
                    .unwrap_or_default();
                abort(
                    self,
                    format!(
                        "Rollout aborted update to revision {}: {message}",
                        revision(new)
                    ),
                );
                false
            }
            AnalysisPhase::Inconclusive => {
                if !self.status.inconclusive {
                    self.status.inconclusive = true;
                    self.event(
                        EventType::Normal,
                        "RolloutPaused",
                        "Rollout is paused (InconclusiveAnalysisRun)".into(),
                    );
                }
                self.status.phase = ArgoPhase::Paused;
                false
            }
            _ => true,
        }
    }
}

fn abort(s: &mut Sync<'_>, message: String) {
    s.status.abort = true;
    s.status.pause_start = None;
    s.status.inconclusive = false;
    s.event(EventType::Warning, "RolloutAborted", message);
    for slot in [Slot::Step, Slot::Background, Slot::Pre, Slot::Post] {
        s.terminate(slot);
    }
}

fn canary(
    s: &mut Sync<'_>,
    c: &CanaryStrategy,
    new: &RsState,
    stable: Option<&RsState>,
    older: &[&RsState],
) {
    let n = s.r.object.spec.replicas;
    let promoted = new.labels.get(HASH_LABEL) == Some(&s.status.stable_hash);
    if let Some(bg) = &c.analysis {
        let running = !promoted
            && !s.status.abort
            && stable.is_some_and(|st| st.key != new.key)
            && s.status.step >= bg.starting_step;
        if running {
            let paused_by_it = s.status.inconclusive
                && s.status
                    .background_run
                    .as_ref()
                    .is_some_and(|r| r.phase == AnalysisPhase::Inconclusive);
            if !paused_by_it
                && let Some(phase) = s.analyse(
                    Slot::Background,
                    RunKind::Background,
                    &bg.analysis,
                    "spec.strategy.canary.analysis.templates",
                    new,
                )
            {
                s.verdict(Slot::Background, phase, new);
            }
        } else if promoted {
            s.terminate(Slot::Background);
        }
    }
    let step = if promoted || s.status.abort {
        None
    } else {
        c.steps.get(s.status.step)
    };
    let target = if promoted {
        CanaryTarget::Weight(100)
    } else if s.status.abort {
        CanaryTarget::Weight(0)
    } else {
        let scale = c.traffic_routing.then(|| {
            c.steps[..=s.status.step.min(c.steps.len().saturating_sub(1))]
                .iter()
                .rev()
                .find_map(|st| match st {
                    CanaryStep::SetCanaryScale(scale) => Some(*scale),
                    _ => None,
                })
        });
        let weight = if s.status.step >= c.steps.len() {
            100
        } else {
            c.steps[..=s.status.step]
                .iter()
                .rev()
                .find_map(|st| match st {
                    CanaryStep::SetWeight(w) => Some(*w),
                    _ => None,
                })
                .unwrap_or(0)
        };
        match scale.flatten() {
            Some(CanaryScale::Replicas(r)) if s.status.step < c.steps.len() => {
                CanaryTarget::Replicas(r)
            }
            Some(CanaryScale::Weight(w)) if s.status.step < c.steps.len() => {
                CanaryTarget::Weight(w)
            }
            _ => CanaryTarget::Weight(weight),
        }
    };
    let stable_for_math = stable.filter(|st| st.key != new.key);
    let input = CanaryInput {
        replicas: n,
        target,
        max_surge: resolve(c.max_surge, n, true),
        max_unavailable: resolve(c.max_unavailable, n, false),
        traffic_routing: c.traffic_routing,
        new: Some(counts(new)),
        stable: stable_for_math.map(counts),
        older: older.iter().map(|rs| counts(rs)).collect(),
    };
    let (want_new, want_stable) = replica_counts_for_canary(&input);
    let (desired_new, desired_stable) = desired_counts(&input);
    // Older sets go first; Argo scales them down as availability allows (here: at once when the
    // new and stable sets have enough available pods).
    let available: i64 = new.status.available + stable_for_math.map_or(0, |st| st.status.available);
    for rs in older {
        if rs.spec.replicas > 0 && available >= n - input.max_unavailable {
            s.scale(rs, 0);
        }
    }
    s.scale(new, want_new);
    if let Some(st) = stable_for_math {
        s.scale(st, want_stable);
    }
    let at_desired = new.spec.replicas == desired_new
        && new.status.available == desired_new
        && stable_for_math.is_none_or(|st| {
            st.spec.replicas == desired_stable && st.status.available == desired_stable
        })
        && older.iter().all(|rs| rs.status.available == 0);
    if s.status.abort {
        s.status.phase = ArgoPhase::Degraded;
        return;
    }
    if promoted {
        s.status.phase = if at_desired {
            ArgoPhase::Healthy
        } else {
            ArgoPhase::Progressing
        };
        return;
    }
    if s.status.inconclusive || s.r.object.spec.paused {
        s.status.phase = ArgoPhase::Paused;
        return;
    }
    match step {
        None => {
            // All steps done: the new set becomes stable once fully available.
            if new.status.available >= n && new.spec.replicas == n {
                s.status.stable_hash = s.status.current_hash.clone();
                s.requeue_at(s.now);
            }
            s.status.phase = ArgoPhase::Progressing;
        }
        Some(CanaryStep::SetWeight(w)) => {
            s.status.phase = ArgoPhase::Progressing;
            if at_desired {
                step_completed(s, c, format!("setWeight: {w}"));
            }
        }
        Some(CanaryStep::SetCanaryScale(_)) => {
            step_completed(s, c, "setCanaryScale".into());
        }
        Some(CanaryStep::Analysis(a)) => {
            s.status.phase = ArgoPhase::Progressing;
            let index = s.status.step;
            let path = format!("spec.strategy.canary.steps[{index}].analysis.templates");
            if let Some(phase) = s.analyse(Slot::Step, RunKind::Step(index), a, &path, new)
                && s.verdict(Slot::Step, phase, new)
                && phase == AnalysisPhase::Successful
            {
                s.status.step_run = None;
                step_completed(s, c, "analysis".into());
            }
        }
        Some(CanaryStep::Pause(duration)) => {
            let start = match s.status.pause_start {
                Some(start) => start,
                None => {
                    s.status.pause_start = Some(s.now);
                    s.event(
                        EventType::Normal,
                        "RolloutPaused",
                        "Rollout is paused (CanaryPauseStep)".into(),
                    );
                    s.now
                }
            };
            s.status.phase = ArgoPhase::Paused;
            if let Some(d) = duration {
                let end = start.plus_nanos(*d);
                if s.now >= end {
                    step_completed(s, c, "pause".into());
                } else {
                    s.requeue_at(end);
                }
            }
        }
    }
}

fn step_completed(s: &mut Sync<'_>, c: &CanaryStrategy, what: String) {
    s.status.pause_start = None;
    s.status.step += 1;
    s.event(
        EventType::Normal,
        "RolloutStepCompleted",
        format!(
            "Rollout step {}/{} completed ({what})",
            s.status.step,
            c.steps.len()
        ),
    );
    s.status.phase = ArgoPhase::Progressing;
    s.requeue_at(s.now);
}

fn blue_green(s: &mut Sync<'_>, b: &BlueGreenStrategy, new: &RsState, older: &[&RsState]) {
    let n = s.r.object.spec.replicas;
    let ns = s.r.key.namespace.clone();
    let current = s.status.current_hash.clone();
    let promoted = current == s.status.stable_hash;
    // Old sets past their scale-down delay go to zero.
    let mut next = None::<SimTime>;
    for rs in older {
        let h = rs.labels.get(HASH_LABEL).cloned().unwrap_or_default();
        match s.status.scale_down_at.get(&h).copied() {
            Some(at) if at <= s.now => {
                s.scale(rs, 0);
                s.status.scale_down_at.remove(&h);
            }
            Some(at) => next = Some(next.map_or(at, |t: SimTime| t.min(at))),
            None if rs.spec.replicas > 0 => {
                let at = s
                    .now
                    .plus_nanos(b.scale_down_delay_seconds.max(0) as u64 * 1_000_000_000);
                s.status.scale_down_at.insert(h, at);
                next = Some(next.map_or(at, |t: SimTime| t.min(at)));
            }
            None => {}
        }
    }
    if let Some(at) = next {
        s.requeue_at(at);
    }
    if let Some(preview) = &b.preview_service {
        s.effects.push(Effect::ServiceHash {
            key: ObjKey::new(&ns, preview),
            hash: current.clone(),
        });
    }
    if s.status.abort {
        s.status.switched = false;
        s.scale(new, 0);
        s.effects.push(Effect::ServiceHash {
            key: ObjKey::new(&ns, &b.active_service),
            hash: s.status.stable_hash.clone(),
        });
        s.status.phase = ArgoPhase::Degraded;
        return;
    }
    s.scale(new, n);
    let ready = new.status.available >= n && new.spec.replicas == n;
    if promoted {
        s.effects.push(Effect::ServiceHash {
            key: ObjKey::new(&ns, &b.active_service),
            hash: current,
        });
        s.status.phase = if ready {
            ArgoPhase::Healthy
        } else {
            ArgoPhase::Progressing
        };
        return;
    }
    if s.status.switched {
        // Promoted: the active Service serves the new version while the post-promotion
        // analysis decides whether it becomes stable.
        s.effects.push(Effect::ServiceHash {
            key: ObjKey::new(&ns, &b.active_service),
            hash: current.clone(),
        });
        s.status.phase = ArgoPhase::Progressing;
        let passed = match &b.post_promotion_analysis {
            None => true,
            Some(a) => passed(
                s,
                Slot::Post,
                RunKind::PostPromotion,
                a,
                "spec.strategy.blueGreen.postPromotionAnalysis.templates",
                new,
            ),
        };
        if passed {
            s.status.switched = false;
            s.status.stable_hash = current;
            s.requeue_at(s.now);
        } else if s.status.abort {
            s.requeue_at(s.now);
        }
        return;
    }
    s.effects.push(Effect::ServiceHash {
        key: ObjKey::new(&ns, &b.active_service),
        hash: s.status.stable_hash.clone(),
    });
    if !ready {
        s.status.phase = ArgoPhase::Progressing;
        return;
    }
    if s.r.object.spec.paused {
        s.status.phase = ArgoPhase::Paused;
        return;
    }
    if let Some(a) = &b.pre_promotion_analysis
        && !passed(
            s,
            Slot::Pre,
            RunKind::PrePromotion,
            a,
            "spec.strategy.blueGreen.prePromotionAnalysis.templates",
            new,
        )
    {
        if s.status.abort {
            s.requeue_at(s.now);
        } else if !s.status.inconclusive {
            s.status.phase = ArgoPhase::Progressing;
        }
        return;
    }
    let ready_at = *s.status.new_ready_at.get_or_insert(s.now);
    if !s.status.promote && b.auto_promotion_enabled {
        match b.auto_promotion_seconds {
            None => s.status.promote = true,
            Some(secs) => {
                let at = ready_at.plus_nanos(secs.max(0) as u64 * 1_000_000_000);
                if s.now >= at {
                    s.status.promote = true;
                } else {
                    s.requeue_at(at);
                }
            }
        }
    }
    if s.status.promote {
        s.status.promote = false;
        if b.post_promotion_analysis.is_some() {
            s.status.switched = true;
        } else {
            s.status.stable_hash = current.clone();
        }
        s.effects.push(Effect::ServiceHash {
            key: ObjKey::new(&ns, &b.active_service),
            hash: current.clone(),
        });
        s.requeue_at(s.now);
    } else if s.status.phase != ArgoPhase::Paused {
        s.status.phase = ArgoPhase::Paused;
        s.event(
            EventType::Normal,
            "RolloutPaused",
            "Rollout is paused (BlueGreenPause)".into(),
        );
    }
}

/// Runs a blue/green analysis; true once it succeeded (or was inconclusive and then promoted
/// by hand).
fn passed(
    s: &mut Sync<'_>,
    slot: Slot,
    kind: RunKind,
    a: &RolloutAnalysis,
    path: &str,
    new: &RsState,
) -> bool {
    let promoted_over = !s.status.inconclusive
        && s.slot(slot)
            .as_ref()
            .is_some_and(|r| r.phase == AnalysisPhase::Inconclusive);
    if promoted_over {
        return true;
    }
    if s.status.inconclusive {
        return false;
    }
    match s.analyse(slot, kind, a, path, new) {
        Some(phase) => s.verdict(slot, phase, new) && phase == AnalysisPhase::Successful,
        None => false,
    }
}
