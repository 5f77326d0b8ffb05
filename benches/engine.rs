//! The event calendar under the classic *hold model*.
//!
//! # What is measured
//!
//! The calendar is pre-filled with `N` pending events (`N` = 1,000 / 100,000 / 1,000,000) at
//! random times. One *hold operation* then pops the earliest event and schedules a new one at
//! `now + increment`, so the number of pending events stays `N`. Times and increments are uniform
//! on `[0, 2^20)` ns (about 1 ms) and come from an inline SplitMix64 with a fixed seed, so every
//! variant sees exactly the same sequence of events (checked once before measuring: all three end
//! at the same simulated time). One iteration is [`HOLDS`] = 100,000 hold operations; criterion
//! reports throughput in hold operations (events) per second.
//!
//! Three variants share the `hold` group so that they compare side by side:
//!
//! * `std_binary_heap` — a bare `BinaryHeap<Reverse<(time, seq)>>` loop: the floor of what any
//!   heap-based calendar with FIFO tie-breaking can cost;
//! * `priority_queue` — the `priority-queue` crate used as a calendar (item = seq, priority =
//!   `Reverse((time, seq))`);
//! * `timonel` — timonel's own engine: a [`Simulation`] whose tiny [`Model`] schedules one new
//!   event through [`Ctx::schedule_in`] per event handled, so the whole step loop is measured
//!   (`peek_time`, the `until` and `max_events` checks, `pop`, the trace hash, dispatch to the
//!   model, `after_event`). The event type is `()`, so the trace hash only folds in time and phase
//!   — the cheapest possible trace.
//!
//! Pre-filling is done in the setup of `iter_batched_ref` for every variant, so only the hold
//! loop is timed. The engine's run is bounded by `max_events = HOLDS` (the pre-filled events are
//! scheduled, not processed, so they do not count against the budget): it ends with
//! `SimError::EventLimit { processed: HOLDS, .. }`, which is checked.
//!
//! # Goal
//!
//! timonel's step loop reaches at least 50 % of the bare `BinaryHeap` loop's events/s at 100,000
//! pending events: the engine's bookkeeping must not dominate the calendar.
//!
//! Run with `cargo bench --bench engine`; it takes a couple of minutes on two cores (the 1M
//! variants use few samples).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use priority_queue::PriorityQueue;
use timonel::sim::{Ctx, Limits, Model, SimError, SimTime, Simulation};

/// Pending-event counts.
const PENDING: [usize; 3] = [1_000, 100_000, 1_000_000];
/// Hold operations per measured iteration.
const HOLDS: u64 = 100_000;
/// Seed of the generator (any fixed value).
const SEED: u64 = 0x7131_0e1e_5eed_0001;
/// Times and increments are uniform on `[0, 2^TIME_BITS)` ns.
const TIME_BITS: u32 = 20;

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast and good enough for event times.
#[derive(Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A random time increment in ns.
    fn increment(&mut self) -> u64 {
        self.next_u64() >> (64 - TIME_BITS)
    }
}

/// The pre-filled event times and the generator state right after drawing them; every variant
/// starts from these.
struct Prefill {
    times: Vec<u64>,
    rng: SplitMix64,
}

impl Prefill {
    fn new(pending: usize) -> Self {
        let mut rng = SplitMix64(SEED);
        let times = (0..pending).map(|_| rng.increment()).collect();
        Prefill { times, rng }
    }
}

// --- (a) bare std BinaryHeap --------------------------------------------------------------------

#[derive(Clone)]
struct BareHeap {
    heap: BinaryHeap<Reverse<(u64, u64)>>,
    next_seq: u64,
    rng: SplitMix64,
}

impl BareHeap {
    fn new(prefill: &Prefill) -> Self {
        let heap: BinaryHeap<_> = prefill
            .times
            .iter()
            .zip(0u64..)
            .map(|(&time, seq)| Reverse((time, seq)))
            .collect();
        BareHeap {
            heap,
            next_seq: prefill.times.len() as u64,
            rng: prefill.rng.clone(),
        }
    }

    /// `holds` hold operations; returns the time of the last event popped.
    fn hold(&mut self, holds: u64) -> u64 {
        let mut now = 0;
        for _ in 0..holds {
            let Reverse((time, _)) = self.heap.pop().expect("the calendar never empties");
            now = time;
            let seq = self.next_seq;
            self.next_seq += 1;
            self.heap.push(Reverse((now + self.rng.increment(), seq)));
        }
        now
    }
}

// --- (b) priority-queue crate -------------------------------------------------------------------

#[derive(Clone)]
struct CratePq {
    queue: PriorityQueue<u64, Reverse<(u64, u64)>>,
    next_seq: u64,
    rng: SplitMix64,
}

impl CratePq {
    fn new(prefill: &Prefill) -> Self {
        let mut queue = PriorityQueue::with_capacity(prefill.times.len());
        for (&time, seq) in prefill.times.iter().zip(0u64..) {
            queue.push(seq, Reverse((time, seq)));
        }
        CratePq {
            queue,
            next_seq: prefill.times.len() as u64,
            rng: prefill.rng.clone(),
        }
    }

    /// `holds` hold operations; returns the time of the last event popped.
    fn hold(&mut self, holds: u64) -> u64 {
        let mut now = 0;
        for _ in 0..holds {
            let (_, Reverse((time, _))) = self.queue.pop().expect("the calendar never empties");
            now = time;
            let seq = self.next_seq;
            self.next_seq += 1;
            self.queue
                .push(seq, Reverse((now + self.rng.increment(), seq)));
        }
        now
    }
}

// --- (c) timonel's engine -----------------------------------------------------------------------

/// Every event schedules one successor at now + a random increment.
struct Hold {
    rng: SplitMix64,
}

impl Model for Hold {
    type Event = ();

    fn handle(&mut self, ctx: &mut Ctx<'_, ()>, _event: ()) {
        ctx.schedule_in(self.rng.increment(), 0, ());
    }
}

fn timonel_sim(prefill: &Prefill) -> Simulation<Hold> {
    let mut sim = Simulation::new(Hold {
        rng: prefill.rng.clone(),
    });
    for &time in &prefill.times {
        sim.schedule(SimTime(time), 0, ());
    }
    sim
}

/// `holds` hold operations through the step loop; returns the time of the last event handled.
fn timonel_hold(sim: &mut Simulation<Hold>, holds: u64) -> u64 {
    let outcome = sim.run(Limits {
        until: SimTime::MAX,
        max_events: holds,
    });
    match outcome {
        Err(SimError::EventLimit { processed, .. }) if processed == holds => {}
        other => panic!("expected the event limit after {holds} events, got {other:?}"),
    }
    sim.now().as_nanos()
}

// --- the benchmark ------------------------------------------------------------------------------

fn hold_model(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    group.throughput(Throughput::Elements(HOLDS));
    for pending in PENDING {
        if pending >= 1_000_000 {
            group
                .sample_size(10)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(8));
        } else {
            group
                .sample_size(20)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(5));
        }

        let prefill = Prefill::new(pending);
        let bare = BareHeap::new(&prefill);
        let crate_pq = CratePq::new(&prefill);

        // The three variants must process the same events, or the comparison means nothing.
        let expected = bare.clone().hold(HOLDS);
        assert_eq!(
            crate_pq.clone().hold(HOLDS),
            expected,
            "priority-queue diverged"
        );
        assert_eq!(
            timonel_hold(&mut timonel_sim(&prefill), HOLDS),
            expected,
            "timonel diverged"
        );

        group.bench_with_input(
            BenchmarkId::new("std_binary_heap", pending),
            &bare,
            |b, bare| {
                b.iter_batched_ref(
                    || bare.clone(),
                    |state| state.hold(black_box(HOLDS)),
                    BatchSize::PerIteration,
                );
            },
        );
        group.bench_with_input(
            BenchmarkId::new("priority_queue", pending),
            &crate_pq,
            |b, crate_pq| {
                b.iter_batched_ref(
                    || crate_pq.clone(),
                    |state| state.hold(black_box(HOLDS)),
                    BatchSize::PerIteration,
                );
            },
        );
        group.bench_with_input(
            BenchmarkId::new("timonel", pending),
            &prefill,
            |b, prefill| {
                b.iter_batched_ref(
                    || timonel_sim(prefill),
                    |sim| timonel_hold(sim, black_box(HOLDS)),
                    BatchSize::PerIteration,
                );
            },
        );
    }
    group.finish();
}

criterion_group!(benches, hold_model);
criterion_main!(benches);
