//! The node lifecycle controller over simulated time: kubelet heartbeats, monitor ticks, the
//! per-zone NoExecute tainting queues with their token buckets, zone states and full disruption
//! (`pkg/controller/nodelifecycle/node_lifecycle_controller.go`), built on the pure rules of
//! [`super::node_lifecycle_math`].
//!
//! Cost: nothing happens while every node is healthy. A node whose kubelet stops posting, or
//! whose Ready condition is not True, or which carries a NoExecute taint, is *watched*; monitor
//! ticks (multiples of 5 s) are only needed while some watched node has something to do, and a
//! silent node needs no tick before the one at which it turns stale
//! ([`first_stale_tick_ns`]). Zone counts are kept incrementally. A tick costs the number of
//! watched nodes plus the number of zones, not the number of nodes.
//!
//! Heartbeats are not events: a running kubelet renews its Lease every
//! [`LEASE_RENEW_INTERVAL_NS`] from the time it (re)started, so the last renewal before it
//! stopped is computed; the controller observes a renewal at its first tick at or after it
//! (that is its `probeTimestamp`).

use std::collections::{BTreeMap, BTreeSet};

use super::node_lifecycle_math::{
    ConditionStatus, DisruptionConfig, DisruptionTransition, NODE_EVICTION_PERIOD_NS,
    NodeMonitorConfig, TokenBucket, ZoneCounts, ZoneState, first_stale_tick_ns, grace_period_ns,
    handle_disruption, is_health_stale,
};
use crate::cluster::state::NodeId;
use crate::sim::time::NANOS_PER_SEC;

/// The kubelet renews its Lease every 10 s (`renewInterval` = 0.25 × the 40 s lease duration).
pub const LEASE_RENEW_INTERVAL_NS: u64 = 10 * NANOS_PER_SEC;

/// What the controller knows of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeHealth {
    /// Zone key ([`super::node_lifecycle_math::zone_key`]).
    pub zone: String,
    /// Counted in its zone's state (no `node.kubernetes.io/exclude-disruption` label).
    pub counted: bool,
    /// The Ready condition as the API shows it (`None`: never posted).
    pub ready: Option<ConditionStatus>,
    /// `probeTimestamp`: when the controller last observed a heartbeat (ns).
    pub probe_ns: u64,
    /// The kubelet's heartbeats reach the API.
    pub posting: bool,
    /// When the kubelet's Lease renewals started (its last start), ns.
    pub heartbeat_origin_ns: u64,
    /// The controller's NoExecute taint on the node: `not-ready` (False) or `unreachable`
    /// (Unknown); `None` without one.
    pub no_execute: Option<ConditionStatus>,
    /// False once the Node object was deleted.
    pub exists: bool,
}

/// A change the world must apply to the node object and its pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeChange {
    /// The controller set Ready to Unknown (the kubelet stopped posting). `was_ready`: it was
    /// True before, so `NodeNotReady` is recorded and the node's pods are marked not ready
    /// (`MarkPodsNotReady`).
    Unknown {
        /// The node.
        node: NodeId,
        /// Ready was True before.
        was_ready: bool,
    },
    /// The node's NoExecute taint is now the one for this status (`None`: removed).
    NoExecute {
        /// The node.
        node: NodeId,
        /// `Some(False)`: `not-ready`; `Some(Unknown)`: `unreachable`; `None`: no taint.
        taint: Option<ConditionStatus>,
    },
}

/// One zone's tainting queue (`RateLimitedTimedQueue`): waiting nodes, and the set of nodes
/// added and not explicitly removed (a processed node stays in it, so it is not queued again).
#[derive(Debug, Clone)]
struct Tainter {
    limiter: TokenBucket,
    waiting: BTreeSet<NodeId>,
    set: BTreeSet<NodeId>,
}

/// The node lifecycle controller.
#[derive(Debug, Clone)]
pub struct NodeLifecycle {
    monitor: NodeMonitorConfig,
    disruption: DisruptionConfig,
    /// Per node, by [`NodeId`].
    pub nodes: Vec<NodeHealth>,
    zone_states: BTreeMap<String, ZoneState>,
    zone_counts: BTreeMap<String, ZoneCounts>,
    zones_dirty: bool,
    tainters: BTreeMap<String, Tainter>,
    watched: BTreeSet<NodeId>,
    last_tick_ns: Option<u64>,
}

/// `t` rounded up to a multiple of `period`.
fn round_up(t: u64, period: u64) -> u64 {
    t.div_ceil(period).saturating_mul(period)
}

impl NodeLifecycle {
    /// A controller with the defaults of Kubernetes `kubernetes_version`.
    pub fn new(kubernetes_version: (u32, u32)) -> Self {
        NodeLifecycle {
            monitor: NodeMonitorConfig::for_version(kubernetes_version),
            disruption: DisruptionConfig::default(),
            nodes: Vec::new(),
            zone_states: BTreeMap::new(),
            zone_counts: BTreeMap::new(),
            zones_dirty: false,
            tainters: BTreeMap::new(),
            watched: BTreeSet::new(),
            last_tick_ns: None,
        }
    }

    /// The monitor configuration in use.
    pub fn monitor(&self) -> &NodeMonitorConfig {
        &self.monitor
    }

    fn count(&mut self, id: NodeId, sign: i64) {
        let h = &self.nodes[id.0];
        if !h.counted || !h.exists {
            return;
        }
        let ready = h.ready == Some(ConditionStatus::True);
        let counts = self.zone_counts.entry(h.zone.clone()).or_default();
        let slot = if ready {
            &mut counts.ready
        } else {
            &mut counts.not_ready
        };
        if sign > 0 {
            *slot += 1;
        } else {
            *slot = slot.saturating_sub(1);
        }
        if counts.size() == 0 {
            let zone = h.zone.clone();
            self.zone_counts.remove(&zone);
        }
        self.zones_dirty = true;
    }

    /// A node appears at `now_ns` (`id` must be the next index). `ready`: its kubelet posted
    /// Ready at once; otherwise it never posts until [`Self::kubelet_posted_ready`] (the startup
    /// grace period applies).
    pub fn add_node(&mut self, id: NodeId, zone: String, counted: bool, now_ns: u64, ready: bool) {
        debug_assert_eq!(id.0, self.nodes.len());
        self.tainters
            .entry(zone.clone())
            .or_insert_with(|| Tainter {
                limiter: TokenBucket::for_zone(self.disruption.eviction_qps),
                waiting: BTreeSet::new(),
                set: BTreeSet::new(),
            });
        self.nodes.push(NodeHealth {
            zone,
            counted,
            ready: ready.then_some(ConditionStatus::True),
            probe_ns: now_ns,
            posting: ready,
            heartbeat_origin_ns: now_ns,
            no_execute: None,
            exists: true,
        });
        self.count(id, 1);
        if !ready {
            self.watched.insert(id);
        }
    }

    /// The Node object is deleted.
    pub fn delete_node(&mut self, id: NodeId) {
        self.count(id, -1);
        let h = &mut self.nodes[id.0];
        h.exists = false;
        let zone = h.zone.clone();
        if let Some(t) = self.tainters.get_mut(&zone) {
            t.waiting.remove(&id);
            t.set.remove(&id);
        }
        self.watched.remove(&id);
    }

    /// The kubelet stops reaching the API at `now_ns` (crash or partition). Its last Lease
    /// renewal is the last one of its 10 s cadence strictly before `now_ns`, observed at the
    /// controller's first tick at or after it.
    pub fn kubelet_stopped(&mut self, id: NodeId, now_ns: u64) {
        let period = self.monitor.monitor_period_ns.max(1);
        let h = &mut self.nodes[id.0];
        if !h.posting {
            return;
        }
        h.posting = false;
        let origin = h.heartbeat_origin_ns;
        let last = if now_ns > origin {
            origin + (now_ns - origin - 1) / LEASE_RENEW_INTERVAL_NS * LEASE_RENEW_INTERVAL_NS
        } else {
            origin
        };
        h.probe_ns = h.probe_ns.max(round_up(last, period));
        self.watched.insert(id);
    }

    /// When the kubelet of a node whose connection is back at `now_ns` posts next: its next
    /// heartbeat (every 10 s from `heartbeat_origin_ns`).
    pub fn next_heartbeat_ns(&self, id: NodeId, now_ns: u64) -> u64 {
        let origin = self.nodes[id.0].heartbeat_origin_ns;
        if now_ns <= origin {
            return origin;
        }
        origin + round_up(now_ns - origin, LEASE_RENEW_INTERVAL_NS)
    }

    /// The kubelet (re)starts at `now_ns`: its heartbeats count from now.
    pub fn kubelet_restarted(&mut self, id: NodeId, now_ns: u64) {
        self.nodes[id.0].heartbeat_origin_ns = now_ns;
    }

    /// The kubelet posts Ready at `now_ns`. Returns true when the Ready condition changed (the
    /// world records `NodeReady` and lifts the NoSchedule taint; the NoExecute taint goes at the
    /// controller's next tick).
    pub fn kubelet_posted_ready(&mut self, id: NodeId, now_ns: u64) -> bool {
        let changed = self.nodes[id.0].ready != Some(ConditionStatus::True);
        if changed {
            self.count(id, -1);
        }
        let h = &mut self.nodes[id.0];
        h.posting = true;
        h.probe_ns = now_ns;
        h.ready = Some(ConditionStatus::True);
        if changed {
            self.count(id, 1);
        }
        self.watched.insert(id);
        changed
    }

    /// The status the controller acts on at a tick: a node that never posted is seen as
    /// Unknown (upstream builds a fake Unknown condition for it).
    fn observed(h: &NodeHealth) -> ConditionStatus {
        h.ready.unwrap_or(ConditionStatus::Unknown)
    }

    fn in_set(&self, id: NodeId) -> bool {
        self.tainters
            .get(&self.nodes[id.0].zone)
            .is_some_and(|t| t.set.contains(&id))
    }

    /// Whether the next tick has something to do for `id` (taint queueing or removal).
    fn needs_tick(&self, id: NodeId) -> bool {
        let h = &self.nodes[id.0];
        match Self::observed(h) {
            ConditionStatus::True => h.no_execute.is_some() || self.in_set(id),
            status => {
                let opposite = if status == ConditionStatus::False {
                    ConditionStatus::Unknown
                } else {
                    ConditionStatus::False
                };
                !self.in_set(id) || h.no_execute == Some(opposite)
            }
        }
    }

    /// The next monitor tick needed at or after `now_ns` (ticks are multiples of 5 s and one
    /// runs at most once), or `None` when nothing can change without a new event.
    pub fn next_tick_ns(&self, now_ns: u64) -> Option<u64> {
        let period = self.monitor.monitor_period_ns.max(1);
        let mut grid = round_up(now_ns, period);
        if self.last_tick_ns.is_some_and(|last| last >= grid) {
            grid = self.last_tick_ns.unwrap_or(grid) + period;
        }
        if self.zones_dirty {
            return Some(grid);
        }
        let mut best: Option<u64> = None;
        for &id in &self.watched {
            let h = &self.nodes[id.0];
            if self.needs_tick(id) {
                return Some(grid);
            }
            if !h.posting && h.ready != Some(ConditionStatus::Unknown) {
                let grace = grace_period_ns(h.ready.is_some(), &self.monitor);
                let stale = first_stale_tick_ns(h.probe_ns, grace, 0, period).max(grid);
                best = Some(best.map_or(stale, |b| b.min(stale)));
            }
        }
        best
    }

    /// One monitor tick at `now_ns` (`monitorNodeHealth`): stale nodes turn Unknown, NoExecute
    /// taints are queued (or swapped, or removed) from the Ready status seen *before* this
    /// tick's update (`processTaintBaseEviction`), then zone states and limiters are updated
    /// (`handleDisruption`).
    pub fn tick(&mut self, now_ns: u64) -> Vec<NodeChange> {
        self.last_tick_ns = Some(now_ns);
        let mut changes = Vec::new();
        let watched: Vec<NodeId> = self.watched.iter().copied().collect();
        for id in watched {
            if !self.nodes[id.0].exists {
                self.watched.remove(&id);
                continue;
            }
            let observed = Self::observed(&self.nodes[id.0]);
            let h = &self.nodes[id.0];
            if !h.posting && h.ready != Some(ConditionStatus::Unknown) {
                let grace = grace_period_ns(h.ready.is_some(), &self.monitor);
                if is_health_stale(h.probe_ns, grace, now_ns) {
                    let was_ready = h.ready == Some(ConditionStatus::True);
                    self.count(id, -1);
                    self.nodes[id.0].ready = Some(ConditionStatus::Unknown);
                    self.count(id, 1);
                    changes.push(NodeChange::Unknown {
                        node: id,
                        was_ready,
                    });
                }
            }
            let zone = self.nodes[id.0].zone.clone();
            let Some(tainter) = self.tainters.get_mut(&zone) else {
                continue;
            };
            let h = &mut self.nodes[id.0];
            match observed {
                ConditionStatus::True => {
                    // markNodeAsReachable.
                    if h.no_execute.take().is_some() {
                        changes.push(NodeChange::NoExecute {
                            node: id,
                            taint: None,
                        });
                    }
                    tainter.waiting.remove(&id);
                    tainter.set.remove(&id);
                }
                status => {
                    let opposite = if status == ConditionStatus::False {
                        ConditionStatus::Unknown
                    } else {
                        ConditionStatus::False
                    };
                    if h.no_execute == Some(opposite) {
                        h.no_execute = Some(status);
                        changes.push(NodeChange::NoExecute {
                            node: id,
                            taint: Some(status),
                        });
                    } else {
                        // markNodeForTainting.
                        if h.no_execute != Some(status) {
                            tainter.set.remove(&id);
                            tainter.waiting.remove(&id);
                        }
                        if tainter.set.insert(id) {
                            tainter.waiting.insert(id);
                        }
                    }
                }
            }
            let h = &self.nodes[id.0];
            if h.posting
                && h.ready == Some(ConditionStatus::True)
                && h.no_execute.is_none()
                && !self.in_set(id)
            {
                self.watched.remove(&id);
            }
        }
        self.handle_disruption(now_ns, &mut changes);
        changes
    }

    fn handle_disruption(&mut self, now_ns: u64, changes: &mut Vec<NodeChange>) {
        self.zones_dirty = false;
        let outcome = handle_disruption(&self.zone_states, &self.zone_counts, &self.disruption);
        for (zone, qps) in &outcome.limiter_swaps {
            if let Some(t) = self.tainters.get_mut(zone) {
                t.limiter.swap_limiter(*qps, now_ns);
            }
        }
        match outcome.transition {
            DisruptionTransition::None => {}
            DisruptionTransition::EnteredFullDisruption => {
                // Every node is marked reachable: NoExecute taints go, queues are emptied.
                for (index, h) in self.nodes.iter_mut().enumerate() {
                    if h.no_execute.take().is_some() {
                        changes.push(NodeChange::NoExecute {
                            node: NodeId(index),
                            taint: None,
                        });
                    }
                }
                for t in self.tainters.values_mut() {
                    t.waiting.clear();
                    t.set.clear();
                }
            }
            DisruptionTransition::ExitedFullDisruption => {
                // Every node gets a fresh grace period.
                for h in self.nodes.iter_mut() {
                    h.probe_ns = now_ns;
                }
            }
        }
        self.zone_states = outcome.zone_states;
    }

    /// The zone states after the last tick (zone key → state).
    pub fn zone_states(&self) -> &BTreeMap<String, ZoneState> {
        &self.zone_states
    }

    /// One NoExecute tainting pass at `now_ns` (`doNoExecuteTaintingPass`): in every zone,
    /// while the queue is not empty and the zone's bucket gives a token, the head node gets the
    /// taint of its current Ready status (none when it is Ready again; the token is spent
    /// anyway).
    pub fn taint_pass(&mut self, now_ns: u64) -> Vec<NodeChange> {
        let mut changes = Vec::new();
        for t in self.tainters.values_mut() {
            while let Some(&id) = t.waiting.first() {
                if !t.limiter.try_accept(now_ns) {
                    break;
                }
                t.waiting.remove(&id);
                let h = &mut self.nodes[id.0];
                if !h.exists {
                    continue;
                }
                let taint = match h.ready {
                    Some(ConditionStatus::False) => Some(ConditionStatus::False),
                    Some(ConditionStatus::Unknown) => Some(ConditionStatus::Unknown),
                    _ => None,
                };
                if taint.is_some() && h.no_execute != taint {
                    h.no_execute = taint;
                    changes.push(NodeChange::NoExecute { node: id, taint });
                }
            }
        }
        changes
    }

    /// When the next tainting pass can taint something (passes run every 100 ms), or `None`
    /// when no queue can make progress.
    pub fn next_taint_pass_ns(&self, now_ns: u64) -> Option<u64> {
        self.tainters
            .values()
            .filter(|t| !t.waiting.is_empty())
            .map(|t| t.limiter.next_accept_ns(now_ns))
            .filter(|&t| t != u64::MAX)
            .min()
            .map(|t| round_up(t.max(now_ns), NODE_EVICTION_PERIOD_NS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = NANOS_PER_SEC;

    fn cluster(zones: &[(&str, usize)]) -> NodeLifecycle {
        let mut c = NodeLifecycle::new((1, 33));
        for (zone, count) in zones {
            for _ in 0..*count {
                let id = NodeId(c.nodes.len());
                c.add_node(id, (*zone).to_string(), true, 0, true);
            }
        }
        // The first tick sees the zones (they start Initial).
        assert_eq!(c.next_tick_ns(0), Some(0));
        assert!(c.tick(0).is_empty());
        c
    }

    /// Runs ticks and tainting passes in time order until `until_ns`; returns the times at
    /// which each node got its NoExecute taint.
    fn run(c: &mut NodeLifecycle, until_ns: u64) -> BTreeMap<usize, u64> {
        let mut tainted = BTreeMap::new();
        let mut now = 0;
        loop {
            let tick = c.next_tick_ns(now);
            let pass = c.next_taint_pass_ns(now);
            let next = match (tick, pass) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => break,
                },
            };
            if next > until_ns {
                break;
            }
            now = next;
            let changes = if tick == Some(next) {
                c.tick(now)
            } else {
                c.taint_pass(now)
            };
            for change in changes {
                if let NodeChange::NoExecute {
                    node,
                    taint: Some(_),
                } = change
                {
                    tainted.entry(node.0).or_insert(now);
                }
            }
        }
        tainted
    }

    #[test]
    fn healthy_cluster_needs_no_tick() {
        let c = cluster(&[("a", 5000)]);
        assert_eq!(c.next_tick_ns(0), None);
        assert_eq!(c.next_taint_pass_ns(0), None);
    }

    #[test]
    fn silent_node_turns_unknown_after_the_grace_period_and_is_tainted_one_tick_later() {
        // (version, failure time, Unknown at, tainted at)
        let cases: [((u32, u32), u64, u64, u64); 4] = [
            ((1, 33), 60 * S, 105 * S, 110 * S),
            ((1, 31), 60 * S, 95 * S, 100 * S),
            ((1, 33), 63 * S, 115 * S, 120 * S),
            ((1, 33), 0, 55 * S, 60 * S),
        ];
        for (version, fail_at, unknown_at, tainted_at) in cases {
            let mut c = NodeLifecycle::new(version);
            c.add_node(NodeId(0), "a".into(), true, 0, true);
            c.add_node(NodeId(1), "a".into(), true, 0, true);
            let _ = c.tick(0);
            c.kubelet_stopped(NodeId(0), fail_at);
            assert_eq!(
                c.next_tick_ns(fail_at),
                Some(unknown_at),
                "{version:?} {fail_at}"
            );
            let changes = c.tick(unknown_at);
            assert_eq!(
                changes,
                vec![NodeChange::Unknown {
                    node: NodeId(0),
                    was_ready: true
                }]
            );
            let tainted = run(&mut c, 10_000 * S);
            assert_eq!(tainted.get(&0), Some(&tainted_at), "{version:?} {fail_at}");
        }
    }

    #[test]
    fn zone_rate_limits_tainting() {
        // (zone size, failed nodes, expected gap between taints in seconds)
        // 10 of 60: Normal, 0.1 node/s → ~10 s apart; 40 of 60 (≥ 55 %): PartialDisruption of
        // a large zone, 0.01 node/s → ~100 s apart.
        for (size, failed, gap_s) in [(60usize, 10usize, 10u64), (60, 40, 100)] {
            let mut c = cluster(&[("a", size), ("b", 3)]);
            for i in 0..failed {
                c.kubelet_stopped(NodeId(i), 60 * S);
            }
            let tainted = run(&mut c, 6_000 * S);
            let times: Vec<u64> = tainted.values().copied().collect();
            assert!(times.len() >= 3, "{size}/{failed}: {times:?}");
            for pair in times.windows(2).take(3) {
                let gap = pair[1] - pair[0];
                assert!(
                    gap.abs_diff(gap_s * S) <= S / 10 + 1,
                    "{size}/{failed}: gap {gap} in {times:?}"
                );
            }
        }
    }

    #[test]
    fn small_partially_disrupted_zone_stops_tainting() {
        // 3 of 4 nodes silent: PartialDisruption of a zone of ≤ 50 nodes: rate 0. The first
        // node may be tainted before the zone state changes at the tick after; no more after.
        let mut c = cluster(&[("a", 4), ("b", 2)]);
        for i in 0..3 {
            c.kubelet_stopped(NodeId(i), 60 * S);
        }
        let tainted = run(&mut c, 3_600 * S);
        assert!(tainted.len() <= 1, "{tainted:?}");
        assert_eq!(
            c.zone_states().get("a"),
            Some(&ZoneState::PartialDisruption)
        );
    }

    #[test]
    fn full_disruption_of_every_zone_stops_evictions() {
        let mut c = cluster(&[("a", 2), ("b", 2)]);
        for i in 0..4 {
            c.kubelet_stopped(NodeId(i), 60 * S);
        }
        let tainted = run(&mut c, 3_600 * S);
        // Whatever was tainted before both zones were seen fully disrupted was lifted again.
        assert!(
            c.nodes.iter().all(|h| h.no_execute.is_none()),
            "{tainted:?}"
        );
        assert!(
            c.zone_states()
                .values()
                .all(|s| *s == ZoneState::FullDisruption)
        );
    }

    #[test]
    fn a_node_back_to_ready_loses_its_taint_at_the_next_tick() {
        let mut c = cluster(&[("a", 3)]);
        c.kubelet_stopped(NodeId(0), 60 * S);
        let tainted = run(&mut c, 200 * S);
        assert_eq!(tainted.get(&0), Some(&(110 * S)));
        assert!(c.kubelet_posted_ready(NodeId(0), 301 * S));
        assert_eq!(c.next_tick_ns(301 * S), Some(305 * S));
        let changes = c.tick(305 * S);
        assert!(changes.contains(&NodeChange::NoExecute {
            node: NodeId(0),
            taint: None
        }));
        assert_eq!(c.next_tick_ns(305 * S), None);
    }

    #[test]
    fn a_node_that_never_posted_gets_the_startup_grace_period() {
        let mut c = cluster(&[("a", 2)]);
        c.add_node(NodeId(2), "a".into(), true, 100 * S, false);
        // Grace 60 s: stale strictly after 160 s → tick at 165 s; no NodeNotReady (never Ready).
        assert_eq!(c.next_tick_ns(100 * S), Some(100 * S));
        let _ = c.tick(100 * S);
        assert_eq!(c.next_tick_ns(100 * S), Some(165 * S));
        let changes = c.tick(165 * S);
        assert!(changes.contains(&NodeChange::Unknown {
            node: NodeId(2),
            was_ready: false
        }));
    }

    #[test]
    fn heartbeats_follow_the_kubelet_start() {
        let mut c = cluster(&[("a", 1)]);
        c.kubelet_restarted(NodeId(0), 7 * S);
        assert_eq!(c.next_heartbeat_ns(NodeId(0), 7 * S), 7 * S);
        assert_eq!(c.next_heartbeat_ns(NodeId(0), 8 * S), 17 * S);
        assert_eq!(c.next_heartbeat_ns(NodeId(0), 27 * S), 27 * S);
    }
}
