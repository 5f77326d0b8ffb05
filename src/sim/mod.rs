//! The domain-free discrete-event engine: integer time, the event calendar, named random
//! streams, the step loop with its limits, and the running trace hash.
//!
//! Nothing here knows about Kubernetes: a model implements [`engine::Model`] and the engine
//! feeds it events in the total order `(time, phase, seq)`.

pub mod engine;
pub mod queue;
pub mod rng;
pub mod time;
pub mod trace;

pub use engine::{Ctx, Limits, Model, RunStats, SimError, Simulation};
pub use queue::{EventId, EventQueue};
pub use rng::{RngStreams, SimRng};
pub use time::SimTime;
pub use trace::TraceHasher;
