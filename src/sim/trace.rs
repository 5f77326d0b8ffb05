//! A running hash of the processed events: two runs with the same inputs and seed process the
//! same events in the same order, so their trace hashes are equal. Metrics and exports never feed
//! it, so turning them off cannot change it.

use std::hash::{Hash, Hasher};

/// FNV-1a over everything fed to it; a fixed algorithm, so hashes compare across processes.
#[derive(Debug, Clone)]
pub struct TraceHasher {
    state: u64,
}

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher {
            state: 0xcbf2_9ce4_8422_2325,
        }
    }
}

impl Hasher for TraceHasher {
    fn finish(&self) -> u64 {
        self.state
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.state ^= u64::from(*byte);
            self.state = self.state.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

impl TraceHasher {
    /// Folds one processed event into the trace.
    pub fn record<E: Hash>(&mut self, time_ns: u64, phase: u8, event: &E) {
        time_ns.hash(self);
        phase.hash(self);
        event.hash(self);
    }

    /// The hash so far, as 16 lowercase hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_matters() {
        let mut a = TraceHasher::default();
        a.record(1, 0, &"x");
        a.record(2, 0, &"y");
        let mut b = TraceHasher::default();
        b.record(2, 0, &"y");
        b.record(1, 0, &"x");
        assert_ne!(a.finish(), b.finish());
        assert_eq!(a.hex().len(), 16);
    }
}
