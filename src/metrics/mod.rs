//! Metrics only observe: the recorder wraps the world as an engine model and, each time
//! simulated time advances, writes the series whose value changed. Summaries and expectations
//! are computed afterwards from those rows; turning metrics off cannot change the trace.

pub mod expect;
pub mod recorder;
pub mod statistics;
pub mod summary;

pub use recorder::{Observed, Recorder, RunResults};
