//! Simulated time: integer nanoseconds since the start of the run. Never `f64`, never the wall
//! clock.

use std::fmt;
use std::ops::{Add, Sub};

/// A point in simulated time, in nanoseconds since the run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// Nanoseconds in one millisecond.
pub const NANOS_PER_MILLI: u64 = 1_000_000;
/// Nanoseconds in one second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable time (used as "never").
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// A time `secs` seconds after the start.
    pub const fn from_secs(secs: u64) -> SimTime {
        SimTime(secs.saturating_mul(NANOS_PER_SEC))
    }

    /// A time `millis` milliseconds after the start.
    pub const fn from_millis(millis: u64) -> SimTime {
        SimTime(millis.saturating_mul(NANOS_PER_MILLI))
    }

    /// Nanoseconds since the start.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Whole milliseconds since the start (truncated), the unit of every output file.
    pub const fn as_millis(self) -> u64 {
        self.0 / NANOS_PER_MILLI
    }

    /// This time plus `delay_ns`, saturating at [`SimTime::MAX`].
    pub const fn plus_nanos(self, delay_ns: u64) -> SimTime {
        SimTime(self.0.saturating_add(delay_ns))
    }

    /// Nanoseconds from `earlier` to `self` (0 if `earlier` is later).
    pub const fn nanos_since(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl Add<u64> for SimTime {
    type Output = SimTime;
    fn add(self, delay_ns: u64) -> SimTime {
        self.plus_nanos(delay_ns)
    }
}

impl Sub for SimTime {
    type Output = u64;
    fn sub(self, earlier: SimTime) -> u64 {
        self.nanos_since(earlier)
    }
}

impl fmt::Display for SimTime {
    /// Formats as kubectl's AGE column does: `45s`, `3m12s`, `2h5m`, `3d4h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0 / NANOS_PER_SEC;
        let (minutes, hours) = (secs / 60, secs / 3600);
        if self.0 > 0 && secs == 0 {
            write!(f, "{}ms", self.as_millis())
        } else if secs < 120 {
            write!(f, "{secs}s")
        } else if minutes < 10 {
            if secs.is_multiple_of(60) {
                write!(f, "{minutes}m")
            } else {
                write!(f, "{minutes}m{}s", secs % 60)
            }
        } else if hours < 3 {
            write!(f, "{minutes}m")
        } else if hours < 8 {
            if minutes.is_multiple_of(60) {
                write!(f, "{hours}h")
            } else {
                write!(f, "{hours}h{}m", minutes % 60)
            }
        } else if hours < 48 {
            write!(f, "{hours}h")
        } else if hours < 24 * 8 {
            if hours.is_multiple_of(24) {
                write!(f, "{}d", hours / 24)
            } else {
                write!(f, "{}d{}h", hours / 24, hours % 24)
            }
        } else {
            write!(f, "{}d", hours / 24)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(SimTime::from_secs(2).as_millis(), 2000);
        assert_eq!(SimTime::from_millis(1500).as_nanos(), 1_500_000_000);
        assert_eq!(SimTime::from_secs(5) - SimTime::from_secs(7), 0);
        assert_eq!(SimTime::MAX + 5, SimTime::MAX);
    }

    #[test]
    fn age_format() {
        let cases = [
            (0, "0s"),
            (59, "59s"),
            (150, "2m30s"),
            (480, "8m"),
            (3600, "60m"),
            (4 * 3600 + 60, "4h1m"),
            (86400 * 3, "3d"),
            (86400 * 3 + 7200, "3d2h"),
            (86400 * 9, "9d"),
        ];
        for (secs, want) in cases {
            assert_eq!(SimTime::from_secs(secs).to_string(), want);
        }
    }
}
