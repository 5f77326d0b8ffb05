//! The step loop: pop the next event, hand it to the model, repeat until the calendar is empty,
//! the time limit is reached, or the event budget is spent.
//!
//! A run ends normally at `until` (events stamped at or after it are not processed). Spending
//! `max_events` is a typed error, so that a model that keeps scheduling events can never hang the
//! program.

use std::hash::Hash;

use thiserror::Error;

use super::queue::{EventId, EventQueue};
use super::time::SimTime;
use super::trace::TraceHasher;

/// Limits that bound every run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The run stops before the first event stamped at or after this time.
    pub until: SimTime,
    /// The most events one run may process.
    pub max_events: u64,
}

/// Why a run stopped early.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SimError {
    /// The event budget was spent before `until`.
    #[error(
        "event limit reached: {processed} events processed by simulated time {at_ms} ms (limit {limit}); raise it with --max-events or shorten the run"
    )]
    EventLimit {
        /// Events processed.
        processed: u64,
        /// The limit.
        limit: u64,
        /// Simulated time when it was reached, in ms.
        at_ms: u64,
    },
}

/// Counters of a finished run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStats {
    /// Events handed to the model.
    pub events_processed: u64,
    /// Simulated time at which the run ended.
    pub end: SimTime,
    /// The trace hash of the processed events.
    pub trace_hash: u64,
}

/// What a model sees while it handles one event: the clock and the calendar.
pub struct Ctx<'a, E> {
    now: SimTime,
    queue: &'a mut EventQueue<E>,
}

/// Queue phases order events that share a timestamp; models name their own phases.
pub type Phase = u8;

impl<E> Ctx<'_, E> {
    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time` (clamped to now: the past cannot be scheduled).
    pub fn schedule_at(&mut self, time: SimTime, phase: Phase, event: E) -> EventId {
        self.queue.push(time.max(self.now), phase, event)
    }

    /// Schedules `event` `delay_ns` after now.
    pub fn schedule_in(&mut self, delay_ns: u64, phase: Phase, event: E) -> EventId {
        self.queue.push(self.now + delay_ns, phase, event)
    }

    /// Cancels a scheduled event.
    pub fn cancel(&mut self, id: EventId) {
        self.queue.cancel(id);
    }
}

/// A model driven by the engine.
pub trait Model {
    /// The closed set of events this model handles.
    type Event: Hash;

    /// Handles one event at `ctx.now()`.
    fn handle(&mut self, ctx: &mut Ctx<'_, Self::Event>, event: Self::Event);

    /// Called after each event (for invariant checks); the default does nothing.
    fn after_event(&mut self, _now: SimTime) {}
}

/// One simulation: a model, its calendar and its clock.
pub struct Simulation<M: Model> {
    /// The model being simulated.
    pub model: M,
    queue: EventQueue<M::Event>,
    now: SimTime,
    processed: u64,
    trace: TraceHasher,
}

impl<M: Model> Simulation<M> {
    /// A simulation of `model` at time zero with an empty calendar.
    pub fn new(model: M) -> Self {
        Simulation {
            model,
            queue: EventQueue::new(),
            now: SimTime::ZERO,
            processed: 0,
            trace: TraceHasher::default(),
        }
    }

    /// Schedules an initial event.
    pub fn schedule(&mut self, time: SimTime, phase: Phase, event: M::Event) -> EventId {
        self.queue.push(time, phase, event)
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Time of the next pending event (cancelled events skipped), if any. Calling [`Self::run`]
    /// again with a later `until` continues exactly where it stopped, so a caller can run up to
    /// each distinct event time in turn and look at the model in between.
    pub fn next_event_time(&mut self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Runs until the calendar empties, `limits.until` is reached, or the budget is spent.
    pub fn run(&mut self, limits: Limits) -> Result<RunStats, SimError> {
        while let Some(next) = self.queue.peek_time() {
            if next >= limits.until {
                break;
            }
            if self.processed >= limits.max_events {
                return Err(SimError::EventLimit {
                    processed: self.processed,
                    limit: limits.max_events,
                    at_ms: self.now.as_millis(),
                });
            }
            let Some((time, phase, _, event)) = self.queue.pop() else {
                break;
            };
            debug_assert!(time >= self.now, "time went backwards");
            self.now = time;
            self.trace.record(time.as_nanos(), phase, &event);
            self.processed += 1;
            let mut ctx = Ctx {
                now: time,
                queue: &mut self.queue,
            };
            self.model.handle(&mut ctx, event);
            self.model.after_event(time);
        }
        Ok(RunStats {
            events_processed: self.processed,
            end: self.now,
            trace_hash: self.trace.finish_hash(),
        })
    }
}

impl TraceHasher {
    fn finish_hash(&self) -> u64 {
        std::hash::Hasher::finish(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model that reschedules itself forever: the event limit must stop it.
    struct Forever;
    impl Model for Forever {
        type Event = u32;
        fn handle(&mut self, ctx: &mut Ctx<'_, u32>, event: u32) {
            ctx.schedule_in(0, 0, event + 1);
        }
    }

    #[test]
    fn event_limit_is_a_typed_error() {
        let mut sim = Simulation::new(Forever);
        sim.schedule(SimTime::ZERO, 0, 0);
        let err = sim
            .run(Limits {
                until: SimTime::MAX,
                max_events: 100,
            })
            .unwrap_err();
        assert!(matches!(err, SimError::EventLimit { processed: 100, .. }));
    }

    /// A model that ticks every second: `until` ends the run cleanly.
    struct Ticker(Vec<u64>);
    impl Model for Ticker {
        type Event = ();
        fn handle(&mut self, ctx: &mut Ctx<'_, ()>, _: ()) {
            self.0.push(ctx.now().as_millis());
            ctx.schedule_in(1_000_000_000, 0, ());
        }
    }

    #[test]
    fn until_stops_before_the_limit() {
        let mut sim = Simulation::new(Ticker(Vec::new()));
        sim.schedule(SimTime::ZERO, 0, ());
        let stats = sim
            .run(Limits {
                until: SimTime::from_secs(3),
                max_events: 1000,
            })
            .unwrap();
        assert_eq!(sim.model.0, vec![0, 1000, 2000]);
        assert_eq!(stats.events_processed, 3);
    }
}
