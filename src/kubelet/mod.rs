//! The kubelet: per-pod lifecycle on a node — image pulls (with the image cache and pull
//! back-off), container start, readiness (probe-aligned), exits and crash-loop back-off, and
//! graceful termination capped by `terminationGracePeriodSeconds`.
//!
//! Each function advances one pod by one step and returns what happened: events to record and
//! timers to set. The world applies them.

use crate::cluster::effects::EventType;
use crate::cluster::events::KubeletStep;
use crate::cluster::state::{KubeletPhase, NodeState, PodPhase, PodState};
use crate::model::behavior::{DurationDist, ImageBehavior};
use crate::model::pod::{Container, Probe, PullPolicy};
use crate::scenario::spec::ImageCatalog;
use crate::sim::rng::SimRng;
use crate::sim::time::{NANOS_PER_SEC, SimTime};

/// Initial image-pull and container-restart back-off.
pub const BACKOFF_INITIAL_NS: u64 = 10 * NANOS_PER_SEC;
/// Cap of both back-offs (`MaxContainerBackOff`).
pub const BACKOFF_MAX_NS: u64 = 300 * NANOS_PER_SEC;
/// A container that ran this long without failing resets its back-off (2 × cap).
pub const BACKOFF_RESET_NS: u64 = 600 * NANOS_PER_SEC;

/// What a kubelet step produced.
#[derive(Debug, Default)]
pub struct Output {
    /// Events on the pod: (type, reason, message).
    pub events: Vec<(EventType, &'static str, String)>,
    /// Timers: (delay in ns, step).
    pub timers: Vec<(u64, KubeletStep)>,
    /// The pod's readiness or phase changed (controllers and endpoints must look again).
    pub status_changed: bool,
    /// A container terminated: its reason (`OOMKilled`, `Error`, `Completed`) and exit code.
    pub terminated: Option<(&'static str, i64)>,
}

/// Draws one duration.
pub fn sample(dist: &DurationDist, rng: &mut SimRng) -> u64 {
    match *dist {
        DurationDist::Fixed(ns) => ns,
        DurationDist::Exponential { mean_ns } => clamp_ns(rng.exponential(mean_ns as f64)),
        DurationDist::LogNormal { median_ns, sigma } => {
            clamp_ns(rng.lognormal(median_ns as f64, sigma))
        }
        DurationDist::Uniform { min_ns, max_ns } => min_ns + rng.below(max_ns - min_ns + 1),
    }
}

fn clamp_ns(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 {
        value.min(1e18) as u64
    } else {
        0
    }
}

/// All containers in start order: init containers, then app containers.
fn container(pod: &PodState, index: usize) -> &Container {
    let inits = pod.spec.init_containers.len();
    if index < inits {
        &pod.spec.init_containers[index]
    } else {
        &pod.spec.containers[index - inits]
    }
}

fn container_count(pod: &PodState) -> usize {
    pod.spec.init_containers.len() + pod.spec.containers.len()
}

fn behavior<'a>(images: &'a ImageCatalog, pod: &PodState, index: usize) -> &'a ImageBehavior {
    images.get(&container(pod, index).image)
}

/// The pod was bound to `node`: begin with the first container.
pub fn on_bound(
    pod: &mut PodState,
    node: &mut NodeState,
    images: &ImageCatalog,
    rng: &mut SimRng,
) -> Output {
    let n_app = pod.spec.containers.len();
    pod.container_running = vec![false; n_app];
    pod.container_ready = vec![false; n_app];
    pod.container_restarts = vec![0; n_app];
    pod.container_started_at = vec![SimTime::ZERO; n_app];
    let mut out = Output::default();
    begin_container(pod, node, images, rng, 0, &mut out);
    out
}

/// The node crashed: every container of the pod died with it. The API status is left as it was
/// (nobody reports the crash); timers already set are stale (the world bumps the generation).
pub fn on_node_crash(pod: &mut PodState) {
    pod.container_running.iter_mut().for_each(|r| *r = false);
    pod.container_ready.iter_mut().for_each(|r| *r = false);
    pod.app_ready = false;
}

/// The node's kubelet started again after a crash: the pod's containers are created again from
/// the first one (init containers included, the sandbox is new), each app container counting
/// one restart; the pod is not ready until they pass readiness again.
pub fn on_node_restart(
    pod: &mut PodState,
    node: &mut NodeState,
    images: &ImageCatalog,
    rng: &mut SimRng,
) -> Output {
    let mut out = Output::default();
    if pod.kubelet == KubeletPhase::Unbound
        || matches!(pod.phase, PodPhase::Succeeded | PodPhase::Failed)
    {
        return out;
    }
    let n_app = pod.spec.containers.len();
    pod.container_running = vec![false; n_app];
    pod.container_ready = vec![false; n_app];
    if pod.container_restarts.len() != n_app {
        pod.container_restarts = vec![0; n_app];
    }
    if pod.started.is_some() {
        pod.container_restarts.iter_mut().for_each(|r| *r += 1);
        pod.restarts += n_app as i64;
    }
    if pod.ready {
        pod.ready = false;
        pod.ready_since = None;
    }
    pod.app_ready = false;
    out.status_changed = true;
    begin_container(pod, node, images, rng, 0, &mut out);
    out
}

/// Pull (if needed) then create container `index`.
fn begin_container(
    pod: &mut PodState,
    node: &mut NodeState,
    images: &ImageCatalog,
    rng: &mut SimRng,
    index: usize,
    out: &mut Output,
) {
    if index >= container_count(pod) {
        pod.kubelet = KubeletPhase::Running;
        return;
    }
    let c = container(pod, index).clone();
    let b = behavior(images, pod, index);
    let present = node.images.contains(&c.image);
    let must_pull = match c.pull_policy {
        PullPolicy::Always => true,
        PullPolicy::IfNotPresent => !present,
        PullPolicy::Never => false,
    };
    if c.pull_policy == PullPolicy::Never && !present {
        pod.kubelet = KubeletPhase::PullBackOff(index);
        out.events.push((
            EventType::Warning,
            "ErrImageNeverPull",
            format!(
                "Container image \"{}\" is not present with pull policy of Never",
                c.image
            ),
        ));
        return;
    }
    if must_pull || b.pull_error.is_some() {
        pod.kubelet = KubeletPhase::Pulling(index);
        out.events.push((
            EventType::Normal,
            "Pulling",
            format!("Pulling image \"{}\"", c.image),
        ));
        let delay = if b.pull_error.is_some() {
            sample(&b.pull, rng).min(NANOS_PER_SEC)
        } else {
            sample(&b.pull, rng)
        };
        out.timers.push((delay, KubeletStep::PullDone(index)));
    } else {
        out.events.push((
            EventType::Normal,
            "Pulled",
            format!("Container image \"{}\" already present on machine", c.image),
        ));
        create_container(pod, images, rng, index, out);
    }
}

fn create_container(
    pod: &mut PodState,
    images: &ImageCatalog,
    rng: &mut SimRng,
    index: usize,
    out: &mut Output,
) {
    let c = container(pod, index);
    let name = c.name.clone();
    pod.kubelet = KubeletPhase::Starting(index);
    out.events.push((
        EventType::Normal,
        "Created",
        format!("Created container: {name}"),
    ));
    let delay = sample(&behavior(images, pod, index).start, rng);
    out.timers.push((delay, KubeletStep::Started(index)));
}

fn format_secs(ns: u64) -> String {
    let ms = ns / 1_000_000;
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{}.{:03}s", ms / 1000, ms % 1000)
            .trim_end_matches('0')
            .to_string()
    }
}

/// Handles one kubelet timer.
pub fn on_step(
    pod: &mut PodState,
    node: &mut NodeState,
    images: &ImageCatalog,
    rng: &mut SimRng,
    now: SimTime,
    step: KubeletStep,
) -> Output {
    let mut out = Output::default();
    let inits = pod.spec.init_containers.len();
    match step {
        KubeletStep::PullDone(index) => {
            let c = container(pod, index).clone();
            let b = behavior(images, pod, index);
            if let Some(reason) = &b.pull_error {
                pod.pull_failures += 1;
                out.events.push((EventType::Warning, "Failed", format!("Failed to pull image \"{}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{}\": {reason}", c.image, c.image)));
                out.events
                    .push((EventType::Warning, "Failed", format!("Error: {reason}")));
                let backoff =
                    (BACKOFF_INITIAL_NS << (pod.pull_failures - 1).min(20)).min(BACKOFF_MAX_NS);
                pod.kubelet = KubeletPhase::PullBackOff(index);
                out.events.push((
                    EventType::Normal,
                    "BackOff",
                    format!("Back-off pulling image \"{}\"", c.image),
                ));
                out.events.push((
                    EventType::Warning,
                    "Failed",
                    "Error: ImagePullBackOff".to_string(),
                ));
                out.timers.push((backoff, KubeletStep::PullRetry(index)));
            } else {
                let took = now.nanos_since(pod.scheduled.unwrap_or(now));
                node.images.insert(c.image.clone());
                pod.pull_failures = 0;
                out.events.push((
                    EventType::Normal,
                    "Pulled",
                    format!(
                        "Successfully pulled image \"{}\" in {} ({} including waiting)",
                        c.image,
                        format_secs(took.min(sample_mean(&b.pull))),
                        format_secs(took)
                    ),
                ));
                create_container(pod, images, rng, index, &mut out);
            }
        }
        KubeletStep::PullRetry(index) => begin_container(pod, node, images, rng, index, &mut out),
        KubeletStep::Started(index) => {
            let c = container(pod, index).clone();
            let b = behavior(images, pod, index).clone();
            out.events.push((
                EventType::Normal,
                "Started",
                format!("Started container {}", c.name),
            ));
            if index < inits {
                pod.kubelet = KubeletPhase::RunningInit(index);
                let run = b.run_for.as_ref().map_or(0, |d| sample(d, rng));
                out.timers.push((
                    run,
                    KubeletStep::Exited {
                        index,
                        code: b.exit_code,
                        incarnation: pod.restarts as u32,
                    },
                ));
                return out;
            }
            let app = index - inits;
            let incarnation = pod.container_restarts[app];
            pod.container_running[app] = true;
            pod.container_started_at[app] = now;
            if pod.phase == PodPhase::Pending {
                pod.phase = PodPhase::Running;
                out.status_changed = true;
            }
            let plan = probe_plan(&c, &b, rng);
            match plan.startup_kill_ns {
                Some(kill) => out.timers.push((
                    kill,
                    KubeletStep::ProbeKill {
                        index,
                        incarnation,
                        liveness: false,
                    },
                )),
                None => {
                    out.timers.push((
                        plan.ready_ns,
                        KubeletStep::ContainerReady { app, incarnation },
                    ));
                    if plan.answering_ns > 0 {
                        out.timers.push((
                            plan.answering_ns,
                            KubeletStep::AppAnswering { app, incarnation },
                        ));
                    }
                    if let Some(hang) = plan.hang_ns {
                        out.timers
                            .push((hang, KubeletStep::AppHung { app, incarnation }));
                    }
                    if let Some(unready) = plan.unready_ns {
                        out.timers
                            .push((unready, KubeletStep::Unready { app, incarnation }));
                    }
                    if let Some(kill) = plan.liveness_kill_ns {
                        out.timers.push((
                            kill,
                            KubeletStep::ProbeKill {
                                index,
                                incarnation,
                                liveness: true,
                            },
                        ));
                    }
                }
            }
            if let Some(run) = &b.run_for {
                out.timers.push((
                    sample(run, rng),
                    KubeletStep::Exited {
                        index,
                        code: b.exit_code,
                        incarnation,
                    },
                ));
            } else if let Some(crash) = &b.crash_after {
                out.timers.push((
                    sample(crash, rng),
                    KubeletStep::Exited {
                        index,
                        code: 1,
                        incarnation,
                    },
                ));
            }
            // The memory model: above its limit the kernel's OOM killer kills the container.
            if let Some(memory) = &b.memory
                && c.limits.has_memory
                && let Some(after) = memory.exceeds_after_ns(c.limits.memory_bytes)
            {
                out.timers
                    .push((after, KubeletStep::OomKilled { index, incarnation }));
            }
            // Whether the application answers requests right now (it may before Ready, with a
            // readiness probe, or after it, without one).
            pod.app_ready = plan.answering_ns == 0 && plan.startup_kill_ns.is_none();
            begin_container(pod, node, images, rng, index + 1, &mut out);
            if pod.container_running.iter().all(|r| *r) && pod.started.is_none() {
                pod.started = Some(now);
            }
        }
        KubeletStep::AppAnswering { app, incarnation } => {
            if current(pod, app, incarnation) {
                pod.app_ready = true;
                out.status_changed = true;
            }
        }
        KubeletStep::AppHung { app, incarnation } => {
            // Requests fail from now on; the probes notice later (readiness drops the pod from
            // the endpoints, liveness restarts it).
            if current(pod, app, incarnation) && pod.app_ready {
                pod.app_ready = false;
                out.status_changed = true;
            }
        }
        KubeletStep::ContainerReady { app, incarnation } => {
            if current(pod, app, incarnation) && !pod.container_ready[app] {
                pod.container_ready[app] = true;
                if pod.container_ready.iter().all(|r| *r) && !pod.ready {
                    pod.ready = true;
                    pod.ready_since = Some(now);
                    pod.first_ready.get_or_insert(now);
                    out.status_changed = true;
                }
            }
        }
        KubeletStep::Unready { app, incarnation } => {
            if current(pod, app, incarnation) {
                let c = &pod.spec.containers[app];
                let timeout = c.readiness_probe.map_or(1, |p| p.timeout_s);
                out.events.push((
                    EventType::Warning,
                    "Unhealthy",
                    format!("Readiness probe failed: probe timed out after {timeout}s"),
                ));
                pod.container_ready[app] = false;
                pod.ready = false;
                pod.ready_since = None;
                pod.app_ready = false;
                out.status_changed = true;
            }
        }
        KubeletStep::ProbeKill {
            index,
            incarnation,
            liveness,
        } => {
            let app = index.saturating_sub(inits);
            if index < inits || !current(pod, app, incarnation) {
                return out;
            }
            let c = container(pod, index).clone();
            let probe = if liveness {
                c.liveness_probe
            } else {
                c.startup_probe
            };
            let timeout = probe.map_or(1, |p| p.timeout_s);
            let (kind, word) = if liveness {
                ("Liveness", "liveness")
            } else {
                ("Startup", "startup")
            };
            out.events.push((
                EventType::Warning,
                "Unhealthy",
                format!("{kind} probe failed: probe timed out after {timeout}s"),
            ));
            out.events.push((
                EventType::Normal,
                "Killing",
                format!(
                    "Container {} failed {word} probe, will be restarted",
                    c.name
                ),
            ));
            pod.container_ready[app] = false;
            if pod.ready {
                pod.ready = false;
                pod.ready_since = None;
                out.status_changed = true;
            }
            pod.app_ready = false;
            // SIGTERM, then SIGKILL at the grace period: exit code 137 when killed.
            let grace_ns = pod.spec.termination_grace_period_s.max(0) as u64 * NANOS_PER_SEC;
            let stop = sample(&behavior(images, pod, index).stop, rng).min(grace_ns);
            out.timers.push((
                stop,
                KubeletStep::Exited {
                    index,
                    code: 137,
                    incarnation,
                },
            ));
        }
        KubeletStep::Exited {
            index,
            code,
            incarnation,
        } => {
            if index < inits {
                if incarnation != pod.restarts as u32 {
                    return out;
                }
                if code == 0 {
                    begin_container(pod, node, images, rng, index + 1, &mut out);
                } else {
                    restart_or_fail(pod, now, index, code, &mut out);
                }
                return out;
            }
            let app = index - inits;
            if current(pod, app, incarnation) {
                let reason = if code == 0 { "Completed" } else { "Error" };
                app_exited(pod, now, index, code, reason, &mut out);
            }
        }
        KubeletStep::OomKilled { index, incarnation } => {
            // No event: the kubelet records `SystemOOM` only for node-level OOMs; a container
            // killed at its cgroup limit shows as `OOMKilled` (exit 137) in its last state.
            let app = index.saturating_sub(inits);
            if index >= inits && current(pod, app, incarnation) {
                app_exited(pod, now, index, 137, "OOMKilled", &mut out);
            }
        }
        KubeletStep::SigTerm => {
            // preStop hooks finished: SIGTERM reaches the app, which stops accepting requests.
            if pod.app_ready {
                pod.app_ready = false;
                out.status_changed = true;
            }
        }
        KubeletStep::Restart(index) => {
            pod.restarts += 1;
            if index >= inits {
                pod.container_restarts[index - inits] += 1;
            }
            // The restart count is part of the pod status (the Job controller reads it).
            out.status_changed = true;
            create_container(pod, images, rng, index, &mut out);
        }
        KubeletStep::Stopped => {}
    }
    out
}

/// Memory (bytes) the app containers of `pod` use now by their images' memory model, a
/// container without a model counting its request; `None` when no container has a model.
pub fn memory_usage_bytes(pod: &PodState, images: &ImageCatalog, now: SimTime) -> Option<i64> {
    let mut modelled = false;
    let mut total = 0i64;
    for (app, c) in pod.spec.containers.iter().enumerate() {
        let running = pod.container_running.get(app).copied().unwrap_or(false);
        match (&images.get(&c.image).memory, running) {
            (Some(memory), true) => {
                modelled = true;
                let since = pod.container_started_at.get(app).copied().unwrap_or(now);
                total = total.saturating_add(memory.at(now.nanos_since(since)));
            }
            (Some(_), false) => modelled = true,
            (None, _) => total = total.saturating_add(c.requests.memory_bytes),
        }
    }
    modelled.then_some(total)
}

/// App container `index` (init containers first) exited with `code` for `reason`.
fn app_exited(
    pod: &mut PodState,
    now: SimTime,
    index: usize,
    code: i64,
    reason: &'static str,
    out: &mut Output,
) {
    let app = index - pod.spec.init_containers.len();
    pod.container_running[app] = false;
    pod.container_ready[app] = false;
    if pod.ready {
        pod.ready = false;
        pod.ready_since = None;
    }
    pod.app_ready = false;
    pod.last_termination = Some((reason, code));
    out.terminated = Some((reason, code));
    out.status_changed = true;
    restart_or_fail(pod, now, index, code, out);
}

/// True when a timer set for the `incarnation`-th run of app container `app` still applies.
fn current(pod: &PodState, app: usize, incarnation: u32) -> bool {
    app < pod.container_running.len()
        && pod.container_running[app]
        && pod.container_restarts[app] == incarnation
}

/// When, after a container starts, each probe outcome happens (all delays from the start, ns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbePlan {
    /// The container turns Ready.
    pub ready_ns: u64,
    /// The application answers requests.
    pub answering_ns: u64,
    /// The readiness probe turns it unready again (the app hung).
    pub unready_ns: Option<u64>,
    /// The liveness probe kills it (the app hung).
    pub liveness_kill_ns: Option<u64>,
    /// The startup probe kills it (the app never became ready in time).
    pub startup_kill_ns: Option<u64>,
    /// The application hangs: it stops answering requests (`hangAfter`).
    pub hang_ns: Option<u64>,
}

/// The probe times `initialDelaySeconds + k × periodSeconds`: the first at or after `at_ns`.
fn first_probe_at_or_after(probe: &Probe, at_ns: u64) -> u64 {
    let initial = probe.initial_delay_s.max(0) as u64 * NANOS_PER_SEC;
    let period = probe.period_s.max(1) as u64 * NANOS_PER_SEC;
    if at_ns <= initial {
        initial
    } else {
        initial + (at_ns - initial).div_ceil(period) * period
    }
}

fn period_ns(probe: &Probe) -> u64 {
    probe.period_s.max(1) as u64 * NANOS_PER_SEC
}

/// Works out the probes' verdicts for one run of a container, from the app's behaviour: it
/// answers `ready` after start and, with `hangAfter`, stops answering later. Probes run every
/// `periodSeconds` from `initialDelaySeconds`; liveness and readiness start once the startup
/// probe succeeded; a probe flips after `successThreshold` / `failureThreshold` consecutive
/// results. Without a readiness probe the container is Ready as soon as it started.
pub fn probe_plan(c: &Container, b: &ImageBehavior, rng: &mut SimRng) -> ProbePlan {
    let answering_ns = sample(&b.ready, rng);
    let hang_ns = b
        .hang_after
        .as_ref()
        .map(|d| sample(d, rng).max(answering_ns));
    let mut plan = ProbePlan {
        ready_ns: 0,
        answering_ns,
        unready_ns: None,
        liveness_kill_ns: None,
        startup_kill_ns: None,
        hang_ns,
    };
    // Startup probe: failing while the app does not answer; failureThreshold failures kill it.
    let started_ns = match c.startup_probe {
        None => 0,
        Some(p) => {
            let success = first_probe_at_or_after(&p, answering_ns);
            let failures_before =
                (success.saturating_sub(first_probe_at_or_after(&p, 0))) / period_ns(&p);
            if failures_before >= p.failure_threshold.max(1) as u64 {
                plan.startup_kill_ns = Some(
                    first_probe_at_or_after(&p, 0)
                        + (p.failure_threshold.max(1) as u64 - 1) * period_ns(&p),
                );
                return plan;
            }
            success
        }
    };
    plan.ready_ns = match c.readiness_probe {
        None => started_ns,
        Some(p) => {
            first_probe_at_or_after(&p, answering_ns.max(started_ns))
                + (p.success_threshold.max(1) as u64 - 1) * period_ns(&p)
        }
    };
    if let Some(hang) = hang_ns {
        if let Some(p) = c.readiness_probe {
            let unready = first_probe_at_or_after(&p, hang.max(plan.ready_ns))
                + (p.failure_threshold.max(1) as u64 - 1) * period_ns(&p);
            plan.unready_ns = Some(unready);
        }
        if let Some(p) = c.liveness_probe {
            plan.liveness_kill_ns = Some(
                first_probe_at_or_after(&p, hang.max(started_ns))
                    + (p.failure_threshold.max(1) as u64 - 1) * period_ns(&p),
            );
        }
    }
    plan
}

fn sample_mean(dist: &DurationDist) -> u64 {
    dist.mean_ns().max(0.0) as u64
}

/// After an exit: restart per `restartPolicy` with the crash-loop back-off, or finish the pod.
fn restart_or_fail(pod: &mut PodState, now: SimTime, index: usize, code: i64, out: &mut Output) {
    let policy = pod.spec.restart_policy.as_str();
    let restart = policy == "Always" || (policy == "OnFailure" && code != 0);
    if !restart {
        let all_done = pod.container_running.iter().all(|r| !*r);
        if all_done {
            pod.phase = if code == 0 {
                PodPhase::Succeeded
            } else {
                PodPhase::Failed
            };
            let inits = pod.spec.init_containers.len();
            let app = if index < inits {
                usize::MAX
            } else {
                index - inits
            };
            pod.exit_code = Some((app, code));
            pod.finished_at = Some(now);
            pod.kubelet = KubeletPhase::Finished;
            out.status_changed = true;
        }
        return;
    }
    // client-go back-off: an absent or expired entry (quiet > 600 s) restarts at once and sets
    // 10 s; otherwise wait the entry, then double it (cap 300 s). SPEC §9.
    let (entry, updated) = pod.crash_backoff;
    let delay = if entry == 0 || now.nanos_since(updated) > BACKOFF_RESET_NS {
        pod.crash_backoff = (BACKOFF_INITIAL_NS, now);
        0
    } else {
        pod.crash_backoff = ((entry * 2).min(BACKOFF_MAX_NS), now.plus_nanos(entry));
        entry
    };
    let name = container(pod, index).name.clone();
    if delay > 0 {
        pod.kubelet = KubeletPhase::CrashBackOff;
        out.events.push((
            EventType::Warning,
            "BackOff",
            format!(
                "Back-off restarting failed container {name} in pod {}_{}",
                pod.name, pod.namespace
            ),
        ));
    }
    out.timers.push((delay, KubeletStep::Restart(index)));
}

/// Graceful deletion with a grace period of `grace_period_s` (the pod's
/// `terminationGracePeriodSeconds` unless the deletion overrides it): stop every running
/// container; returns the delay until the pod is gone.
pub fn on_delete(
    pod: &mut PodState,
    grace_period_s: i64,
    images: &ImageCatalog,
    rng: &mut SimRng,
) -> (u64, Output) {
    let mut out = Output::default();
    let grace_ns = grace_period_s.max(0) as u64 * NANOS_PER_SEC;
    let mut longest = 0u64;
    let inits = pod.spec.init_containers.len();
    let running: Vec<usize> = pod
        .container_running
        .iter()
        .enumerate()
        .filter(|(_, r)| **r)
        .map(|(i, _)| i)
        .collect();
    let mut first_sigterm_ns = u64::MAX;
    for app in running {
        let name = pod.spec.containers[app].name.clone();
        out.events.push((
            EventType::Normal,
            "Killing",
            format!("Stopping container {name}"),
        ));
        let c = &pod.spec.containers[app];
        let image = behavior(images, pod, inits + app);
        let hook_ns = c.pre_stop_ns
            + if c.pre_stop_handler {
                sample(&image.pre_stop, rng)
            } else {
                0
            };
        let (sigterm_ns, done_ns) = stop_timing_ns(hook_ns, sample(&image.stop, rng), grace_ns);
        first_sigterm_ns = first_sigterm_ns.min(sigterm_ns);
        longest = longest.max(done_ns);
    }
    pod.kubelet = KubeletPhase::Stopping;
    pod.ready = false;
    // The app answers requests until SIGTERM, which follows the preStop hook: requests that
    // kube-proxy still routes here meanwhile are served (the point of a `preStop: sleep`).
    let sigterm_ns = if first_sigterm_ns == u64::MAX {
        0
    } else {
        first_sigterm_ns
    };
    if sigterm_ns == 0 {
        pod.app_ready = false;
    } else if pod.app_ready {
        out.timers.push((sigterm_ns, KubeletStep::SigTerm));
    }
    // A zero grace period (a forced deletion) leaves at once.
    (if grace_ns == 0 { 0 } else { longest }, out)
}

/// `minimumGracePeriodInSeconds` of the kubelet: a container always gets this long between
/// SIGTERM and SIGKILL, even when its preStop hook used up the grace period.
pub const MINIMUM_GRACE_PERIOD_NS: u64 = 2 * NANOS_PER_SEC;

/// One container's stop, as the kubelet's `killContainer` runs it: the preStop hook (cut at the
/// grace period), then SIGTERM with what is left of the grace period in whole seconds (the hook's
/// run time is truncated to seconds, as upstream measures it), at least
/// [`MINIMUM_GRACE_PERIOD_NS`], then SIGKILL. Returns (SIGTERM time, exit time) from the start
/// of the deletion, ns.
pub fn stop_timing_ns(hook_ns: u64, exit_after_sigterm_ns: u64, grace_ns: u64) -> (u64, u64) {
    let hook_ns = if grace_ns > 0 {
        hook_ns.min(grace_ns)
    } else {
        0
    };
    let hook_s = hook_ns / NANOS_PER_SEC;
    let remaining_ns = (grace_ns / NANOS_PER_SEC)
        .saturating_sub(hook_s)
        .saturating_mul(NANOS_PER_SEC)
        .max(MINIMUM_GRACE_PERIOD_NS);
    (hook_ns, hook_ns + exit_after_sigterm_ns.min(remaining_ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_stop_timing_follows_kill_container() {
        const S: u64 = NANOS_PER_SEC;
        // (hook, exit after SIGTERM, grace) → (SIGTERM at, exit at)
        let cases = [
            // No hook: SIGTERM at once, exit after `stop`, SIGKILL at the grace period.
            ((0, S, 30 * S), (0, S)),
            ((0, 60 * S, 30 * S), (0, 30 * S)),
            // A 10 s sleep hook, then 1 s to exit.
            ((10 * S, S, 30 * S), (10 * S, 11 * S)),
            // The hook uses the whole grace period: cut at 30 s, then 2 s more at least.
            ((60 * S, S, 30 * S), (30 * S, 31 * S)),
            ((60 * S, 10 * S, 30 * S), (30 * S, 32 * S)),
            // 29.5 s of hook counts as 29 s: 1 s left, raised to the 2 s minimum.
            (
                (29 * S + S / 2, 10 * S, 30 * S),
                (29 * S + S / 2, 31 * S + S / 2),
            ),
            // Grace 0: no hook, the 2 s minimum still applies to the container.
            ((10 * S, 5 * S, 0), (0, 2 * S)),
        ];
        for ((hook, exit, grace), expected) in cases {
            assert_eq!(
                stop_timing_ns(hook, exit, grace),
                expected,
                "hook {hook} exit {exit} grace {grace}"
            );
        }
    }
}
