//! The scheduling queue (`pkg/scheduler/internal/queue/scheduling_queue.go`): activeQ ordered by
//! the profiles' QueueSort plugin (default PrioritySort: higher priority first, then earlier
//! arrival; pods the plugin cannot tell apart go in arrival order), backoffQ (1 s doubling
//! to 10 s per pod, from the pod's last failed attempt), and the unschedulable pool, whose pods
//! move back when a cluster event that could make them schedulable happens (queueing hints by
//! the plugins that rejected them) or after 5 minutes.
//!
//! The queue holds keys only; the caller owns the pods. Time is integer nanoseconds.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::scheduler::framework::{Plugin, QueueSortPlugin, QueuedPodInfo};
use crate::scheduler::plugins::PrioritySort;

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
    /// A PersistentVolumeClaim, PersistentVolume or StorageClass was added (or a claim bound).
    VolumeAdd,
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
        "VolumeBinding" | "VolumeZone" => matches!(event, NodeAdd | NodeLabel | VolumeAdd),
        "NodeVolumeLimits" => matches!(event, NodeAdd | AssignedPodDelete | VolumeAdd),
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
pub struct SchedulingQueue<K: Ord + Copy> {
    entries: BTreeMap<K, (Entry, Location)>,
    /// activeQ: a binary heap ordered by [`Self::before`] (the first pod at index 0).
    active: Vec<(QueuedPodInfo, K)>,
    sort: Arc<dyn Plugin>,
    backoff: BTreeSet<(u64, u64, K)>,
    seq: u64,
    initial_backoff_ns: u64,
    max_backoff_ns: u64,
    /// How many entries are in the unschedulable pool (kept so the question is O(1)).
    unschedulable: usize,
}

impl<K: Ord + Copy + std::fmt::Debug> std::fmt::Debug for SchedulingQueue<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchedulingQueue")
            .field("queue_sort", &self.sort.name())
            .field("active", &self.active)
            .field("backoff", &self.backoff)
            .finish()
    }
}

impl<K: Ord + Copy> SchedulingQueue<K> {
    /// An empty queue sorted by PrioritySort, with these back-off bounds
    /// (`podInitialBackoffSeconds`, `podMaxBackoffSeconds`).
    pub fn new(initial_backoff_ns: u64, max_backoff_ns: u64) -> Self {
        SchedulingQueue {
            entries: BTreeMap::new(),
            active: Vec::new(),
            sort: Arc::new(PrioritySort),
            backoff: BTreeSet::new(),
            seq: 0,
            initial_backoff_ns,
            max_backoff_ns,
            unschedulable: 0,
        }
    }

    /// The same queue, sorted by `sort` (the profiles' QueueSort plugin, see
    /// [`Scheduler::queue_sort`](crate::scheduler::Scheduler::queue_sort)). A plugin that is not
    /// a QueueSort plugin leaves PrioritySort in place.
    #[must_use]
    pub fn with_queue_sort(mut self, sort: Arc<dyn Plugin>) -> Self {
        if sort.as_queue_sort().is_some() {
            self.sort = sort;
        }
        self
    }

    /// Whether `a` is popped before `b`: the QueueSort plugin's `less`, and arrival order among
    /// pods it ranks equal (so the order is total and deterministic).
    fn before(&self, a: &QueuedPodInfo, b: &QueuedPodInfo) -> bool {
        let sort: &dyn QueueSortPlugin = self.sort.as_queue_sort().unwrap_or(&PrioritySort);
        sort.less(a, b) || (!sort.less(b, a) && a.timestamp < b.timestamp)
    }

    fn sift_up(&mut self, mut at: usize) {
        while at > 0 {
            let parent = (at - 1) / 2;
            if !self.before(&self.active[at].0, &self.active[parent].0) {
                break;
            }
            self.active.swap(at, parent);
            at = parent;
        }
    }

    fn sift_down(&mut self, mut at: usize) {
        loop {
            let (left, right) = (2 * at + 1, 2 * at + 2);
            let mut first = at;
            if left < self.active.len() && self.before(&self.active[left].0, &self.active[first].0)
            {
                first = left;
            }
            if right < self.active.len()
                && self.before(&self.active[right].0, &self.active[first].0)
            {
                first = right;
            }
            if first == at {
                break;
            }
            self.active.swap(at, first);
            at = first;
        }
    }

    /// Removes the heap item at `at`, keeping the heap order.
    fn remove_active_at(&mut self, at: usize) -> (QueuedPodInfo, K) {
        let item = self.active.swap_remove(at);
        if at < self.active.len() {
            self.sift_down(at);
            self.sift_up(at);
        }
        item
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
            if *location == Location::Unschedulable {
                self.unschedulable -= 1;
            }
            *location = Location::Active;
            let info = QueuedPodInfo {
                priority: entry.priority,
                timestamp: seq,
            };
            self.active.push((info, key));
            self.sift_up(self.active.len() - 1);
        }
    }

    /// Pops the next pod to schedule (highest priority, then earliest), if any.
    pub fn pop(&mut self) -> Option<K> {
        if self.active.is_empty() {
            return None;
        }
        let (_, key) = self.remove_active_at(0);
        if let Some((entry, location)) = self.entries.get_mut(&key) {
            entry.attempts += 1;
            *location = Location::InFlight;
        }
        Some(key)
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
            if *location != Location::Unschedulable {
                self.unschedulable += 1;
            }
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
                    if let Some(at) = self.active.iter().position(|(_, k)| *k == key) {
                        self.remove_active_at(at);
                    }
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
                Location::Unschedulable => self.unschedulable -= 1,
                Location::InFlight => {}
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
                if *location == Location::Unschedulable {
                    self.unschedulable -= 1;
                }
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
        debug_assert_eq!(
            self.unschedulable,
            self.entries
                .values()
                .filter(|(_, l)| *l == Location::Unschedulable)
                .count()
        );
        self.unschedulable > 0
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

    /// A QueueSort plugin that ignores priority (arrival order only).
    struct Fifo;

    impl Plugin for Fifo {
        fn name(&self) -> &'static str {
            "Fifo"
        }

        fn as_queue_sort(&self) -> Option<&dyn QueueSortPlugin> {
            Some(self)
        }
    }

    impl QueueSortPlugin for Fifo {
        fn less(&self, a: &QueuedPodInfo, b: &QueuedPodInfo) -> bool {
            a.timestamp < b.timestamp
        }
    }

    #[test]
    fn the_order_comes_from_the_queue_sort_plugin() {
        let mut q = SchedulingQueue::new(S, 10 * S).with_queue_sort(Arc::new(Fifo));
        q.add(1u32, 0);
        q.add(2, 100);
        q.add(3, 0);
        assert_eq!(
            (q.pop(), q.pop(), q.pop(), q.pop()),
            (Some(1), Some(2), Some(3), None)
        );
    }

    /// The heap pops exactly as the former ordered set did: priority, then arrival; removals
    /// from the middle keep the order.
    #[test]
    fn heap_matches_priority_then_arrival_with_removals() {
        let mut q = SchedulingQueue::new(S, 10 * S);
        let priorities = [5_i64, 1, 9, 5, 0, 9, 3, 5, 7, 1, 9, 2];
        for (key, &p) in priorities.iter().enumerate() {
            q.add(key as u32, p);
        }
        q.remove(3);
        q.remove(10);
        let mut expected: Vec<(i64, u32)> = priorities
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != 3 && *k != 10)
            .map(|(k, &p)| (-p, k as u32))
            .collect();
        expected.sort();
        let popped: Vec<u32> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(popped, expected.iter().map(|&(_, k)| k).collect::<Vec<_>>());
    }
}
