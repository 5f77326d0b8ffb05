//! One run of one scenario: build the world, drive it with the engine under limits, record the
//! series, evaluate the expectations.

use thiserror::Error;

use crate::cluster::World;
use crate::metrics::expect;
use crate::metrics::{Observed, Recorder, RunResults};
use crate::scenario::Scenario;
use crate::sim::engine::{Limits, SimError, Simulation};
use crate::sim::time::SimTime;

/// Default budget of events per run.
pub const DEFAULT_MAX_EVENTS: u64 = 50_000_000;

/// Options of one run.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Seed (the scenario's unless overridden).
    pub seed: u64,
    /// Stop time (the scenario's duration unless overridden).
    pub until: SimTime,
    /// Event budget.
    pub max_events: u64,
    /// Check invariants after every event.
    pub check_invariants: bool,
    /// Explain every scheduling attempt (`run --record-scheduling`; see
    /// [`crate::cluster::scheduling_record`]).
    pub record_scheduling: bool,
}

/// Why a run failed.
#[derive(Debug, Error)]
pub enum RunError {
    /// The engine's limits were hit.
    #[error("{0}")]
    Limit(#[from] SimError),
    /// The scenario's scheduler configuration is invalid (a user error).
    #[error("{0}")]
    Config(String),
    /// An invariant broke: a bug in timonel.
    #[error("internal error: invariant violated: {0}")]
    Invariant(String),
}

/// Runs `scenario` once.
pub fn run(scenario: &Scenario, options: RunOptions) -> Result<RunResults, RunError> {
    run_watched(scenario, options, None)
}

/// A callback that looks at the world after the events of one simulated time.
pub type Watch<'a> = &'a mut dyn FnMut(SimTime, &World);

/// Runs `scenario` once; `watch`, when given, is called after the last event of every distinct
/// simulated time with that time and the world (to follow a run as it goes). Watching only
/// reads: the results are the same with or without it.
pub fn run_watched(
    scenario: &Scenario,
    options: RunOptions,
    mut watch: Option<Watch<'_>>,
) -> Result<RunResults, RunError> {
    let mut world = World::new(scenario, options.seed).map_err(RunError::Config)?;
    world.check_invariants = options.check_invariants;
    world.record_scheduling = options.record_scheduling;
    let initial = world.initial_events();
    let mut sim = Simulation::new(Observed::new(world, Recorder::default()));
    for (time, phase, event) in initial {
        sim.schedule(time, phase, event);
    }
    let limits = Limits {
        until: options.until,
        max_events: options.max_events,
    };
    if let Some(watch) = watch.as_mut() {
        while let Some(next) = sim.next_event_time().filter(|t| *t < options.until) {
            sim.run(Limits {
                until: SimTime(next.0 + 1),
                ..limits
            })?;
            watch(next, &sim.model.world);
        }
    }
    let stats = sim.run(limits)?;
    let mut observed = sim.model;
    observed.finish(stats.end);
    if let Some(violation) = observed.world.violation.take() {
        return Err(RunError::Invariant(violation));
    }
    if options.check_invariants {
        crate::check::invariants(&observed.world, stats.end, true).map_err(RunError::Invariant)?;
    }
    let expectations = expect::evaluate(
        &scenario.expectations,
        &observed.world,
        &observed.recorder,
        options.until,
    );
    Ok(RunResults {
        scenario: scenario.name.clone(),
        seed: options.seed,
        duration: options.until,
        events_processed: stats.events_processed,
        trace_hash: stats.trace_hash,
        world: observed.world,
        recorder: observed.recorder,
        expectations,
    })
}
