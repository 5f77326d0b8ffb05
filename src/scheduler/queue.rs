//! The scheduling queue (`pkg/scheduler/internal/queue/scheduling_queue.go`): activeQ ordered by
//! QueueSort (PrioritySort: higher priority first, then earlier arrival), backoffQ (1 s doubling
//! to 10 s per pod, from the pod's last failed attempt), and the unschedulable pool, whose pods
//! move back when a cluster event that could make them schedulable happens (queueing hints by
//! the plugins that rejected them) or after 5 minutes.
//!
//! The queue holds keys only; the caller owns the pods. Time is integer nanoseconds.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

/// Pods wait at most this long in the unschedulable pool (`podMaxInUnschedulablePodsDuration`).
pub const MAX_IN_UNSCHEDULABLE_NS: u64 = 300_000_000_000;
/// The pool is checked for that every 30 s (`flushUnschedulablePodsLeftover`).
pub const UNSCHEDULABLE_FLUSH_PERIOD_NS: u64 = 30_000_000_000;

/// A cluster change that may make unschedulable pods schedulable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterEvent {
    /// A node was added (or became ready).
    NodeAdd,
    /// A node became schedulable (uncordoned).
    NodeSchedulable,
    /// A node's labels changed.
    NodeLabel,
    /// A node's taints changed.
    NodeTaint,
    /// A node's allocatable resources grew.
    NodeAllocatable,
    /// A pod bound to a node was deleted (frees resources, ports, spread counts).
    AssignedPodDelete,
    /// A pod was bound or its labels changed (affinity and spread counts).
    AssignedPodAdd,
}

/// Whether a rejection by `plugin` could be lifted by `event` (the plugins' `EventsToRegister`).
pub fn event_may_help(plugin: &str, event: ClusterEvent) -> bool {
    use ClusterEvent::*;
    match plugin {
        "NodeResourcesFit" => matches!(event, NodeAdd | AssignedPodDelete | NodeAllocatable),
        "NodePorts" => matches!(event, NodeAdd | AssignedPodDelete),
        "NodeName" => matches!(event, NodeAdd),
        "NodeUnschedulable" => matches!(event, NodeAdd | NodeSchedulable),
        "TaintToleration" => matches!(event, NodeAdd | NodeTaint),
        "NodeAffinity" => matches!(event, NodeAdd | NodeLabel),
        "PodTopologySpread" | "InterPodAffinity" => matches!(
            event,
            NodeAdd | NodeLabel | AssignedPodDelete | AssignedPodAdd
        ),
        // Unknown plugins: be safe and retry on anything.
        _ => true,
    }
}

#[derive(Debug, Clone)]
struct Entry {
    priority: i64,
    /// When the pod was (re)added to the active queue: PrioritySort's tie-break.
    seq: u64,
    attempts: u32,
    last_failure_ns: u64,
    unschedulable_plugins: Vec<&'static str>,
    unschedulable_since_ns: u64,
}

/// Where a pod is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// Waiting to be popped.
    Active,
    /// Waiting out its back-off.
    Backoff,
    /// Parked until a useful cluster event or the flush.
    Unschedulable,
    /// Being scheduled (popped, not yet bound or requeued).
    InFlight,
}

/// The scheduling queue over pod keys `K`.
#[derive(Debug)]
pub struct SchedulingQueue<K: Ord + Copy> {
    entries: BTreeMap<K, (Entry, Location)>,
    active: BTreeSet<(Reverse<i64>, u64, K)>,
    backoff: BTreeSet<(u64, u64, K)>,
    seq: u64,
    initial_backoff_ns: u64,
    max_backoff_ns: u64,
}

impl<K: Ord + Copy> SchedulingQueue<K> {
    /// An empty queue with these back-off bounds (`podInitialBackoffSeconds`, `podMaxBackoffSeconds`).
    pub fn new(initial_backoff_ns: u64, max_backoff_ns: u64) -> Self {
        SchedulingQueue {
            entries: BTreeMap::new(),
            active: BTreeSet::new(),
            backoff: BTreeSet::new(),
            seq: 0,
            initial_backoff_ns,
            max_backoff_ns,
        }
    }

    /// Adds a new pending pod to the active queue.
    pub fn add(&mut self, key: K, priority: i64) {
        let entry = Entry {
            priority,
            seq: 0,
            attempts: 0,
            last_failure_ns: 0,
            unschedulable_plugins: Vec::new(),
            unschedulable_since_ns: 0,
        };
        self.entries.insert(key, (entry, Location::InFlight));
        self.activate(key);
    }

    fn activate(&mut self, key: K) {
        self.seq += 1;
        let seq = self.seq;
        if let Some((entry, location)) = self.entries.get_mut(&key) {
            entry.seq = seq;
            *location = Location::Active;
            self.active.insert((Reverse(entry.priority), seq, key));
        }
    }

    /// Pops the next pod to schedule (highest priority, then earliest), if any.
    pub fn pop(&mut self) -> Option<K> {
        let first = self.active.pop_first()?;
        if let Some((entry, location)) = self.entries.get_mut(&first.2) {
            entry.attempts += 1;
            *location = Location::InFlight;
        }
        Some(first.2)
    }

    /// True when a pod is waiting in the active queue.
    pub fn has_active(&self) -> bool {
        !self.active.is_empty()
    }

    /// The back-off of a pod after `attempts` failed attempts.
    pub fn backoff_ns(&self, attempts: u32) -> u64 {
        let doublings = attempts.saturating_sub(1).min(32);
        self.initial_backoff_ns
            .saturating_mul(1u64 << doublings)
            .min(self.max_backoff_ns)
    }

    /// The popped pod `key` failed at `now_ns`, rejected by `plugins`: it goes to the
    /// unschedulable pool.
    pub fn add_unschedulable(&mut self, key: K, now_ns: u64, plugins: Vec<&'static str>) {
        if let Some((entry, location)) = self.entries.get_mut(&key) {
            entry.last_failure_ns = now_ns;
            entry.unschedulable_plugins = plugins;
            entry.unschedulable_since_ns = now_ns;
            *location = Location::Unschedulable;
        }
    }

    /// The popped pod `key` was bound (or deleted): it leaves the queue.
    pub fn done(&mut self, key: K) {
        self.remove(key);
    }

    /// Removes a pod wherever it is (the pod was deleted).
    pub fn remove(&mut self, key: K) {
        if let Some((entry, location)) = self.entries.remove(&key) {
            match location {
                Location::Active => {
                    self.active
                        .remove(&(Reverse(entry.priority), entry.seq, key));
                }
                Location::Backoff => {
                    self.backoff.remove(&(
                        entry
                            .last_failure_ns
                            .saturating_add(self.backoff_ns(entry.attempts)),
                        entry.seq,
                        key,
                    ));
                }
                Location::Unschedulable | Location::InFlight => {}
            }
        }
    }

    /// Where a pod is, if queued.
    pub fn location(&self, key: K) -> Option<Location> {
        self.entries.get(&key).map(|(_, l)| *l)
    }

    /// Moves a parked pod to the active queue, or to the back-off queue while its back-off lasts.
    fn move_out_of_pool(&mut self, key: K, now_ns: u64) {
        let Some((entry, _)) = self.entries.get(&key) else {
            return;
        };
        let until = entry
            .last_failure_ns
            .saturating_add(self.backoff_ns(entry.attempts));
        if until > now_ns {
            self.seq += 1;
            let seq = self.seq;
            if let Some((entry, location)) = self.entries.get_mut(&key) {
                entry.seq = seq;
                *location = Location::Backoff;
            }
            self.backoff.insert((until, seq, key));
        } else {
            self.activate(key);
        }
    }

    /// `MoveAllToActiveOrBackoffQueue`: parked pods whose rejecting plugins care about `event`
    /// move on. Returns how many moved.
    pub fn on_cluster_event(&mut self, event: ClusterEvent, now_ns: u64) -> usize {
        let movers: Vec<K> = self
            .entries
            .iter()
            .filter(|(_, (entry, location))| {
                *location == Location::Unschedulable
                    && (entry.unschedulable_plugins.is_empty()
                        || entry
                            .unschedulable_plugins
                            .iter()
                            .any(|p| event_may_help(p, event)))
            })
            .map(|(k, _)| *k)
            .collect();
        for key in &movers {
            self.move_out_of_pool(*key, now_ns);
        }
        movers.len()
    }

    /// `flushBackoffQCompleted`: pods whose back-off expired by `now_ns` become active.
    pub fn flush_backoff(&mut self, now_ns: u64) {
        while let Some(first) = self.backoff.first().copied() {
            if first.0 > now_ns {
                break;
            }
            self.backoff.pop_first();
            self.activate(first.2);
        }
    }

    /// When the next back-off expires, if any pod is backing off.
    pub fn next_backoff_expiry(&self) -> Option<u64> {
        self.backoff.first().map(|(t, _, _)| *t)
    }

    /// `flushUnschedulablePodsLeftover`: pods parked for 5 minutes or more move on.
    pub fn flush_unschedulable(&mut self, now_ns: u64) {
        let stale: Vec<K> = self
            .entries
            .iter()
            .filter(|(_, (entry, location))| {
                *location == Location::Unschedulable
                    && now_ns.saturating_sub(entry.unschedulable_since_ns)
                        >= MAX_IN_UNSCHEDULABLE_NS
            })
            .map(|(k, _)| *k)
            .collect();
        for key in stale {
            self.move_out_of_pool(key, now_ns);
        }
    }

    /// True when some pod is parked in the unschedulable pool.
    pub fn has_unschedulable(&self) -> bool {
        self.entries
            .values()
            .any(|(_, l)| *l == Location::Unschedulable)
    }

    /// Failed attempts of a queued pod.
    pub fn attempts(&self, key: K) -> u32 {
        self.entries.get(&key).map_or(0, |(e, _)| e.attempts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    #[test]
    fn priority_then_arrival() {
        let mut q = SchedulingQueue::new(S, 10 * S);
        q.add(1u32, 0);
        q.add(2, 100);
        q.add(3, 0);
        assert_eq!(
            (q.pop(), q.pop(), q.pop(), q.pop()),
            (Some(2), Some(1), Some(3), None)
        );
    }

    #[test]
    fn backoff_doubles_to_the_cap() {
        let q: SchedulingQueue<u32> = SchedulingQueue::new(S, 10 * S);
        let table: Vec<u64> = (1..=6).map(|a| q.backoff_ns(a) / S).collect();
        assert_eq!(table, vec![1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn events_move_only_pods_they_can_help() {
        let mut q = SchedulingQueue::new(S, 10 * S);
        q.add(1u32, 0);
        q.add(2, 0);
        let (a, b) = (q.pop().unwrap(), q.pop().unwrap());
        q.add_unschedulable(a, 0, vec!["NodeResourcesFit"]);
        q.add_unschedulable(b, 0, vec!["TaintToleration"]);
        assert_eq!(
            q.on_cluster_event(ClusterEvent::AssignedPodDelete, 5 * S),
            1
        );
        assert_eq!(q.location(a), Some(Location::Active));
        assert_eq!(q.location(b), Some(Location::Unschedulable));
        // Within its back-off (1 s after one attempt) a moved pod waits in backoffQ.
        q.pop();
        q.add_unschedulable(a, 6 * S, vec!["NodeResourcesFit"]);
        q.on_cluster_event(ClusterEvent::NodeAdd, 6 * S + 1);
        assert_eq!(q.location(a), Some(Location::Backoff));
        assert_eq!(q.next_backoff_expiry(), Some(6 * S + 2 * S));
        q.flush_backoff(8 * S);
        assert_eq!(q.location(a), Some(Location::Active));
    }

    #[test]
    fn unschedulable_pods_are_flushed_after_five_minutes() {
        let mut q = SchedulingQueue::new(S, 10 * S);
        q.add(7u32, 0);
        let k = q.pop().unwrap();
        q.add_unschedulable(k, 0, vec!["TaintToleration"]);
        q.flush_unschedulable(299 * S);
        assert_eq!(q.location(k), Some(Location::Unschedulable));
        q.flush_unschedulable(300 * S);
        assert_eq!(q.location(k), Some(Location::Active));
        q.remove(k);
        assert_eq!(q.location(k), None);
        assert!(!q.has_active());
    }
}
