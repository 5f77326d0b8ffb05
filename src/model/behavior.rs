//! How containers behave (`spec.images` of the Scenario): durations that may be random, exit
//! codes, pull failures, error rates.

/// A duration that is fixed or drawn from a distribution, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DurationDist {
    /// Always this long.
    Fixed(u64),
    /// Exponential with this mean.
    Exponential {
        /// Mean, ns.
        mean_ns: u64,
    },
    /// Log-normal with this median and log-space sigma.
    LogNormal {
        /// Median, ns.
        median_ns: u64,
        /// Standard deviation of the underlying normal.
        sigma: f64,
    },
    /// Uniform between two bounds.
    Uniform {
        /// Lower bound, ns.
        min_ns: u64,
        /// Upper bound, ns.
        max_ns: u64,
    },
}

impl DurationDist {
    /// The mean of the distribution in ns (for reports).
    pub fn mean_ns(&self) -> f64 {
        match *self {
            DurationDist::Fixed(ns) => ns as f64,
            DurationDist::Exponential { mean_ns } => mean_ns as f64,
            DurationDist::LogNormal { median_ns, sigma } => {
                median_ns as f64 * libm::exp(sigma * sigma / 2.0)
            }
            DurationDist::Uniform { min_ns, max_ns } => (min_ns as f64 + max_ns as f64) / 2.0,
        }
    }
}

/// The behaviour of containers running one image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageBehavior {
    /// Image pull time.
    pub pull: DurationDist,
    /// Process start time (Created → Started).
    pub start: DurationDist,
    /// Time from start until the application is ready.
    pub ready: DurationDist,
    /// Time to exit after SIGTERM.
    pub stop: DurationDist,
    /// Batch run time, after which the container exits with `exit_code`; `None` runs until stopped.
    pub run_for: Option<DurationDist>,
    /// Exit code after `run_for`.
    pub exit_code: i64,
    /// The container crashes (exit 1) this long after every start.
    pub crash_after: Option<DurationDist>,
    /// The application stops answering (hangs) this long after every start: liveness and
    /// readiness probes then fail.
    pub hang_after: Option<DurationDist>,
    /// The pull always fails with this reason (`ErrImagePull`).
    pub pull_error: Option<String>,
    /// Share of requests this image fails (0..1).
    pub error_rate: f64,
}

impl Default for ImageBehavior {
    /// The defaults of CONTRACT §1: pull 2s, start 1s, ready 0s, stop 1s.
    fn default() -> Self {
        const SEC: u64 = 1_000_000_000;
        ImageBehavior {
            pull: DurationDist::Fixed(2 * SEC),
            start: DurationDist::Fixed(SEC),
            ready: DurationDist::Fixed(0),
            stop: DurationDist::Fixed(SEC),
            run_for: None,
            exit_code: 0,
            crash_after: None,
            hang_after: None,
            pull_error: None,
            error_rate: 0.0,
        }
    }
}
