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
    /// Memory the container uses while it runs (`None`: not modelled; then nothing is
    /// OOM-killed and the HPA takes the memory request as the use).
    pub memory: Option<MemoryUse>,
    /// Time the app's own preStop handler takes (an `exec` command's work besides its `sleep`,
    /// or the endpoint an `httpGet` hook calls); `sleep` hooks do not use it.
    pub pre_stop: DurationDist,
}

/// Memory use of one container run: `start_bytes` right after the start, plus `growth_bytes`
/// at the end of every `every_ns` (a staircase, so the moment of an OOM kill is exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryUse {
    /// Use right after the start, bytes.
    pub start_bytes: i64,
    /// Added at the end of every step, bytes (0: constant use).
    pub growth_bytes: i64,
    /// Length of one step, ns (> 0).
    pub every_ns: u64,
}

impl MemoryUse {
    /// Constant use.
    pub fn constant(bytes: i64) -> Self {
        MemoryUse {
            start_bytes: bytes,
            growth_bytes: 0,
            every_ns: 60_000_000_000,
        }
    }

    /// Use `elapsed_ns` after the container started, bytes.
    pub fn at(&self, elapsed_ns: u64) -> i64 {
        let steps = i64::try_from(elapsed_ns / self.every_ns.max(1)).unwrap_or(i64::MAX);
        self.start_bytes
            .saturating_add(self.growth_bytes.saturating_mul(steps))
    }

    /// How long after the start the use first exceeds `limit_bytes` (the kernel's OOM killer
    /// then kills the container); `None` when it never does.
    pub fn exceeds_after_ns(&self, limit_bytes: i64) -> Option<u64> {
        if self.start_bytes > limit_bytes {
            return Some(0);
        }
        if self.growth_bytes <= 0 {
            return None;
        }
        let steps = (limit_bytes - self.start_bytes) / self.growth_bytes + 1;
        u64::try_from(steps).ok()?.checked_mul(self.every_ns.max(1))
    }
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
            memory: None,
            pre_stop: DurationDist::Fixed(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MI: i64 = 1 << 20;
    const MIN_NS: u64 = 60_000_000_000;

    #[test]
    fn memory_staircase_and_oom_time() {
        let growing = MemoryUse {
            start_bytes: 100 * MI,
            growth_bytes: 10 * MI,
            every_ns: MIN_NS,
        };
        // (use, limit) → first time above the limit.
        let rows: [(MemoryUse, i64, Option<u64>); 6] = [
            (growing, 200 * MI, Some(11 * MIN_NS)), // 100 + 11×10 = 210 > 200; 200 is not above
            (growing, 205 * MI, Some(11 * MIN_NS)),
            (growing, 99 * MI, Some(0)),
            (growing, 100 * MI, Some(MIN_NS)),
            (MemoryUse::constant(300 * MI), 256 * MI, Some(0)),
            (MemoryUse::constant(200 * MI), 256 * MI, None),
        ];
        for (use_, limit, want) in rows {
            assert_eq!(use_.exceeds_after_ns(limit), want, "{use_:?} limit {limit}");
        }
        assert_eq!(growing.at(0), 100 * MI);
        assert_eq!(growing.at(MIN_NS - 1), 100 * MI);
        assert_eq!(growing.at(3 * MIN_NS), 130 * MI);
    }
}
