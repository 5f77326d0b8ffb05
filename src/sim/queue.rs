//! The event calendar.
//!
//! # Ordering contract
//!
//! Events leave the queue in the total order `(time, phase, seq)`: earlier time first; at equal
//! time, lower phase first; at equal time and phase, the event scheduled first (lower `seq`)
//! first — FIFO. `seq` is a counter the queue assigns at insertion, so the order never depends on
//! memory addresses, hashing or threads.
//!
//! # Why a `BinaryHeap`
//!
//! `benches/engine.rs` compares `std::collections::BinaryHeap` with the `priority-queue` crate as
//! the calendar in a hold-model loop. The binary heap is several times faster (the crate keeps a
//! hash index for change-priority, which a calendar never needs), so the calendar is a binary heap
//! with lazy cancellation: a cancelled id is remembered and its entry dropped when it surfaces.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use super::time::SimTime;

/// Identifies a scheduled event so that it can be cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub u64);

struct Entry<E> {
    time: SimTime,
    phase: u8,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed so that the max-heap pops the smallest `(time, phase, seq)`.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.phase, other.seq).cmp(&(self.time, self.phase, self.seq))
    }
}

/// A min-priority calendar of events with FIFO tie-breaking and cancellation.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    cancelled: HashSet<u64>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty calendar.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            cancelled: HashSet::new(),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time` in `phase`; returns its id.
    pub fn push(&mut self, time: SimTime, phase: u8, event: E) -> EventId {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry {
            time,
            phase,
            seq,
            event,
        });
        EventId(seq)
    }

    /// Cancels a scheduled event. Cancelling an event that already left the queue is a no-op.
    pub fn cancel(&mut self, id: EventId) {
        if id.0 < self.next_seq {
            self.cancelled.insert(id.0);
        }
    }

    /// Removes and returns the next live event as `(time, phase, id, event)`.
    pub fn pop(&mut self) -> Option<(SimTime, u8, EventId, E)> {
        while let Some(entry) = self.heap.pop() {
            if !self.cancelled.is_empty() && self.cancelled.remove(&entry.seq) {
                continue;
            }
            return Some((entry.time, entry.phase, EventId(entry.seq), entry.event));
        }
        None
    }

    /// The time of the next live event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        while let Some(entry) = self.heap.peek() {
            if self.cancelled.contains(&entry.seq) {
                let seq = entry.seq;
                self.heap.pop();
                self.cancelled.remove(&seq);
                continue;
            }
            return Some(entry.time);
        }
        None
    }

    /// Number of entries held, cancelled ones not yet dropped included.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_order_time_phase_seq() {
        let mut q = EventQueue::new();
        q.push(SimTime(10), 1, "t10p1a");
        q.push(SimTime(5), 2, "t5p2");
        q.push(SimTime(10), 0, "t10p0");
        q.push(SimTime(10), 1, "t10p1b");
        q.push(SimTime(5), 1, "t5p1");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|e| e.3)).collect();
        assert_eq!(order, ["t5p1", "t5p2", "t10p0", "t10p1a", "t10p1b"]);
    }

    #[test]
    fn cancellation() {
        let mut q = EventQueue::new();
        let a = q.push(SimTime(1), 0, 'a');
        q.push(SimTime(2), 0, 'b');
        q.cancel(a);
        assert_eq!(q.peek_time(), Some(SimTime(2)));
        assert_eq!(q.pop().map(|e| e.3), Some('b'));
        assert!(q.pop().is_none());
        q.cancel(EventId(99));
        assert!(q.pop().is_none());
    }
}
