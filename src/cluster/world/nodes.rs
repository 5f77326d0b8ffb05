//! Nodes that fail: the node lifecycle controller ([`NodeLifecycle`]) and the taint manager
//! wired into the world, the node and zone faults of the timeline (`failNode`, `recoverNode`,
//! `partitionNode`, `healPartition`, `failZone`, `recoverZone`), the random `nodeCrash` and
//! `zoneOutage` processes of `spec.faults`, and the fault log of `summary.json`.
//!
//! A node is *crashed* (its containers are dead, its kubelet silent) and/or *partitioned* (its
//! kubelet cannot reach the API; its containers keep running and answering). While either holds
//! its kubelet is disconnected: it learns of no binding or deletion, and the API keeps the pods'
//! last reported status until the controller marks them not ready. Pods deleted meanwhile
//! (taint-based eviction after their `tolerationSeconds`) stay Terminating until the kubelet is
//! back and kills them.

use std::sync::Arc;

use super::World;
use crate::cluster::effects::EventType;
use crate::cluster::events::{Event, KubeletStep, phase};
use crate::cluster::state::{KubeletPhase, NodeId, PodId};
use crate::controllers::node_lifecycle::{NodeChange, NodeLifecycle};
use crate::controllers::node_lifecycle_math::{
    ConditionStatus, DELETION_BY_TAINT_MANAGER_REASON, LABEL_NODE_EXCLUDE_DISRUPTION,
    NODE_NOT_READY_EVENT_REASON, PodEvictionDecision, ScheduledEviction,
    TAINT_MANAGER_EVICTION_EVENT_REASON, TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE,
    apply_no_execute_taint, process_pod_on_node, ready_no_schedule_taint, zone_key,
};
use crate::kubelet;
use crate::model::node::{Node, TaintEffect};
use crate::scenario::spec::{FaultKind, NodeFaultAction};
use crate::scheduler::queue::ClusterEvent;
use crate::sim::engine::Ctx;
use crate::sim::rng::{RngStreams, SimRng};
use crate::sim::time::SimTime;

/// `end_reason` of the pods of a deleted node (the pod garbage collector's `DeletionByPodGC`).
const DELETION_BY_POD_GC: &str = "DeletionByPodGC";

/// What is wrong with a node's machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeRuntime {
    /// The machine is down: containers dead, kubelet silent.
    pub crashed: bool,
    /// The kubelet cannot reach the control plane (containers keep running).
    pub partitioned: bool,
    /// Bumped on every fault change (stale `NodeStatusPost` events carry an older one).
    pub epoch: u32,
}

impl NodeRuntime {
    /// The kubelet talks to the API.
    pub fn connected(&self) -> bool {
        !self.crashed && !self.partitioned
    }
}

/// One fault, from the timeline or a random process, as `summary.json` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRecord {
    /// When it started.
    pub start: SimTime,
    /// `failNode`, `partitionNode`, `failZone`, `nodeCrash`, `zoneOutage`.
    pub kind: &'static str,
    /// `node/NAME` or `zone/NAME`.
    pub target: String,
    /// When the control plane noticed (the first `NodeNotReady` of its nodes).
    pub detected: Option<SimTime>,
    /// When the repair happened (recover/heal action or random repair).
    pub repaired: Option<SimTime>,
    /// When every node of it was Ready again.
    pub recovered: Option<SimTime>,
    /// Nodes of the fault.
    nodes: Vec<NodeId>,
    /// Nodes not Ready again yet (after the repair).
    awaiting: Vec<NodeId>,
}

/// One random failure process: a fault entry applied to one target.
#[derive(Debug)]
pub struct RandomFaultProcess {
    /// Index in `spec.faults`.
    fault: usize,
    /// The nodes it takes down together (one node, or a zone's nodes).
    target: RandomTarget,
    /// Its own stream (`faults/<index>/<target>`).
    rng: SimRng,
    /// Currently failed.
    down: bool,
    /// Open record in the fault log.
    record: Option<usize>,
}

/// Target of a random process.
#[derive(Debug, Clone)]
enum RandomTarget {
    Node(String),
    Zone(String),
}

impl World {
    /// Sets up the controller for the initial nodes and the random fault processes.
    pub(super) fn init_node_lifecycle(&mut self, streams: &RngStreams) {
        self.node_lifecycle = NodeLifecycle::new(self.state.kubernetes_version);
        for index in 0..self.state.nodes.len() {
            self.register_node(NodeId(index), 0, true);
        }
        let faults = self.faults.clone();
        for (index, fault) in faults.iter().enumerate() {
            let targets: Vec<RandomTarget> = match &fault.kind {
                FaultKind::NodeCrash { nodes, .. } => {
                    nodes.iter().cloned().map(RandomTarget::Node).collect()
                }
                FaultKind::ZoneOutage { zones, .. } => {
                    zones.iter().cloned().map(RandomTarget::Zone).collect()
                }
                FaultKind::ContainerCrash { .. } => Vec::new(),
            };
            for target in targets {
                let name = match &target {
                    RandomTarget::Node(n) => format!("faults/{index}/node/{n}"),
                    RandomTarget::Zone(z) => format!("faults/{index}/zone/{z}"),
                };
                self.random_faults.push(RandomFaultProcess {
                    fault: index,
                    target,
                    rng: streams.stream(&name),
                    down: false,
                    record: None,
                });
            }
        }
    }

    /// The first failure of every random process (drawn in process order).
    pub(super) fn draw_initial_faults(&mut self) -> Vec<(SimTime, u8, Event)> {
        let mut out = Vec::new();
        for process in 0..self.random_faults.len() {
            let delay = self.draw_fault_delay(process);
            out.push((
                SimTime(delay),
                phase::DRIVER,
                Event::RandomFault { process },
            ));
        }
        out
    }

    /// Time to the next transition of random process `process`: MTTF while up, MTTR while down.
    fn draw_fault_delay(&mut self, process: usize) -> u64 {
        let p = &mut self.random_faults[process];
        let fault = &self.faults[p.fault];
        let dist = match (&fault.kind, p.down) {
            (FaultKind::NodeCrash { mttr, .. } | FaultKind::ZoneOutage { mttr, .. }, true) => mttr,
            _ => &fault.mttf,
        };
        kubelet::sample(dist, &mut p.rng).max(1)
    }

    /// A random process fails or repairs its target now, and draws its next transition.
    pub(super) fn random_fault(&mut self, ctx: &mut Ctx<'_, Event>, process: usize) {
        let down = !self.random_faults[process].down;
        self.random_faults[process].down = down;
        let kind = self.faults[self.random_faults[process].fault].kind.as_str();
        let nodes = match &self.random_faults[process].target {
            RandomTarget::Node(name) => self
                .state
                .node_index
                .get(name)
                .copied()
                .into_iter()
                .collect(),
            RandomTarget::Zone(zone) => self.zone_nodes(zone),
        };
        let target = match &self.random_faults[process].target {
            RandomTarget::Node(name) => format!("node/{name}"),
            RandomTarget::Zone(zone) => format!("zone/{zone}"),
        };
        if let RandomTarget::Zone(zone) = &self.random_faults[process].target {
            let zone = zone.clone();
            if down {
                self.failed_zones.insert(zone);
            } else {
                self.failed_zones.remove(&zone);
            }
        }
        if down {
            // An outage that starts now is caused by this fault (shown as `nodeCrash node/…`).
            self.note_disruption(ctx.now(), None, format!("{kind} {target}"));
            let record = self.open_fault(ctx.now(), kind, target, &nodes);
            self.random_faults[process].record = Some(record);
            for node in nodes {
                self.crash_node(ctx, node);
            }
        } else {
            if let Some(record) = self.random_faults[process].record.take() {
                self.close_fault(ctx.now(), record);
            }
            for node in nodes {
                self.restart_node(ctx, node);
            }
        }
        let delay = self.draw_fault_delay(process);
        ctx.schedule_in(delay, phase::DRIVER, Event::RandomFault { process });
    }

    /// The existing nodes labelled with `zone`.
    pub(super) fn zone_nodes(&self, zone: &str) -> Vec<NodeId> {
        self.state
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.exists && n.node.zone() == Some(zone))
            .map(|(i, _)| NodeId(i))
            .collect()
    }

    /// Tells the controller about node `id` (new at `now_ns`; `ready`: its kubelet posted).
    fn register_node(&mut self, id: NodeId, now_ns: u64, ready: bool) {
        let node = &self.state.nodes[id.0].node;
        let counted = !node.labels.contains_key(LABEL_NODE_EXCLUDE_DISRUPTION);
        let zone = zone_key(&node.labels);
        self.node_lifecycle
            .add_node(id, zone, counted, now_ns, ready);
        self.node_runtime.push(NodeRuntime::default());
    }

    /// Whether the kubelet of `node` talks to the API.
    pub(super) fn kubelet_connected(&self, node: NodeId) -> bool {
        self.node_runtime
            .get(node.0)
            .is_none_or(NodeRuntime::connected)
    }

    /// A timeline node or zone fault.
    pub(super) fn node_fault_action(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        action: NodeFaultAction,
        nodes: Vec<NodeId>,
        kind: &'static str,
        target: String,
    ) {
        let now = ctx.now();
        match action {
            NodeFaultAction::Fail | NodeFaultAction::Partition => {
                let affected: Vec<NodeId> = nodes
                    .iter()
                    .copied()
                    .filter(|n| {
                        let r = self.node_runtime[n.0];
                        if action == NodeFaultAction::Fail {
                            !r.crashed
                        } else {
                            !r.partitioned
                        }
                    })
                    .collect();
                if affected.is_empty() {
                    self.notes.push(format!(
                        "Info: {kind} at {now}: {target} is already {}",
                        if action == NodeFaultAction::Fail {
                            "down"
                        } else {
                            "partitioned"
                        }
                    ));
                    return;
                }
                self.open_fault(now, kind, target, &affected);
                for node in affected {
                    if action == NodeFaultAction::Fail {
                        self.crash_node(ctx, node);
                    } else {
                        self.partition_node(ctx, node);
                    }
                }
            }
            NodeFaultAction::Recover | NodeFaultAction::Heal => {
                let open_kinds: &[&str] = if action == NodeFaultAction::Recover {
                    &["failNode", "failZone", "nodeCrash", "zoneOutage"]
                } else {
                    &["partitionNode"]
                };
                let records: Vec<usize> = (0..self.fault_log.len())
                    .filter(|&r| {
                        let rec = &self.fault_log[r];
                        rec.repaired.is_none()
                            && open_kinds.contains(&rec.kind)
                            && rec.nodes.iter().any(|n| nodes.contains(n))
                    })
                    .collect();
                for record in records {
                    self.close_fault(now, record);
                }
                for node in nodes {
                    if action == NodeFaultAction::Recover {
                        self.restart_node(ctx, node);
                    } else {
                        self.heal_node(ctx, node);
                    }
                }
            }
        }
    }

    fn open_fault(
        &mut self,
        now: SimTime,
        kind: &'static str,
        target: String,
        nodes: &[NodeId],
    ) -> usize {
        self.fault_log.push(FaultRecord {
            start: now,
            kind,
            target,
            detected: None,
            repaired: None,
            recovered: None,
            nodes: nodes.to_vec(),
            awaiting: Vec::new(),
        });
        self.fault_log.len() - 1
    }

    fn close_fault(&mut self, now: SimTime, record: usize) {
        let rec = &mut self.fault_log[record];
        rec.repaired = Some(now);
        let awaiting: Vec<NodeId> = rec
            .nodes
            .iter()
            .copied()
            .filter(|n| self.node_lifecycle.nodes[n.0].ready != Some(ConditionStatus::True))
            .collect();
        if awaiting.is_empty() {
            rec.recovered = Some(now);
        }
        rec.awaiting = awaiting;
    }

    /// The machine of `node` crashes: containers dead, kubelet silent.
    pub(super) fn crash_node(&mut self, ctx: &mut Ctx<'_, Event>, node: NodeId) {
        if self.node_runtime[node.0].crashed || !self.state.nodes[node.0].exists {
            return;
        }
        let runtime = &mut self.node_runtime[node.0];
        runtime.crashed = true;
        runtime.epoch += 1;
        self.node_lifecycle
            .kubelet_stopped(node, ctx.now().as_nanos());
        let pods: Vec<PodId> = self.state.nodes[node.0].pods.iter().copied().collect();
        for pod in pods {
            let p = &mut self.state.pods[pod.0];
            p.kubelet_generation += 1;
            kubelet::on_node_crash(p);
            self.touched.push(pod);
        }
        self.ensure_node_timers(ctx);
        self.reconcile_volumes(ctx);
    }

    /// The kubelet of `node` cannot reach the control plane any more.
    fn partition_node(&mut self, ctx: &mut Ctx<'_, Event>, node: NodeId) {
        if self.node_runtime[node.0].partitioned || !self.state.nodes[node.0].exists {
            return;
        }
        let runtime = &mut self.node_runtime[node.0];
        runtime.partitioned = true;
        runtime.epoch += 1;
        self.node_lifecycle
            .kubelet_stopped(node, ctx.now().as_nanos());
        self.ensure_node_timers(ctx);
        self.reconcile_volumes(ctx);
    }

    /// The machine of `node` is back: the kubelet starts, restarts the pods' containers and, if
    /// it can reach the API, posts Ready at once.
    pub(super) fn restart_node(&mut self, ctx: &mut Ctx<'_, Event>, node: NodeId) {
        if !self.node_runtime[node.0].crashed || !self.state.nodes[node.0].exists {
            return;
        }
        let now = ctx.now();
        let runtime = &mut self.node_runtime[node.0];
        runtime.crashed = false;
        runtime.epoch += 1;
        let connected = runtime.connected();
        self.node_lifecycle.kubelet_restarted(node, now.as_nanos());
        let pods: Vec<PodId> = self.state.nodes[node.0].pods.iter().copied().collect();
        for pod in pods {
            if self.state.pods[pod.0].deletion.is_some() {
                continue;
            }
            let out = {
                let (pods, nodes) = (&mut self.state.pods, &mut self.state.nodes);
                kubelet::on_node_restart(
                    &mut pods[pod.0],
                    &mut nodes[node.0],
                    &self.images,
                    &mut self.kubelet_rng,
                )
            };
            self.apply_kubelet(ctx, pod, out);
        }
        if connected {
            self.reconnect(ctx, node);
        }
    }

    /// The partition of `node` heals: its kubelet posts at its next heartbeat.
    fn heal_node(&mut self, ctx: &mut Ctx<'_, Event>, node: NodeId) {
        if !self.node_runtime[node.0].partitioned || !self.state.nodes[node.0].exists {
            return;
        }
        let runtime = &mut self.node_runtime[node.0];
        runtime.partitioned = false;
        runtime.epoch += 1;
        if runtime.connected() {
            self.reconnect(ctx, node);
        }
    }

    /// The kubelet of `node` talks to the API again: it kills the pods deleted meanwhile,
    /// starts the pods bound meanwhile, and posts the node's status at its next heartbeat.
    fn reconnect(&mut self, ctx: &mut Ctx<'_, Event>, node: NodeId) {
        let pods: Vec<PodId> = self.state.nodes[node.0].pods.iter().copied().collect();
        for pod in pods {
            let p = &self.state.pods[pod.0];
            if p.gone.is_some() {
                continue;
            }
            if let Some(deleted) = p.deletion {
                // The grace period ran from the deletion; what is left of it, if anything.
                let elapsed_s = ctx.now().nanos_since(deleted) / 1_000_000_000;
                let grace_s = p.spec.termination_grace_period_s.max(0) as u64;
                let left_s = i64::try_from(grace_s.saturating_sub(elapsed_s)).unwrap_or(0);
                self.kubelet_kill(ctx, pod, Some(left_s));
            } else if p.kubelet == KubeletPhase::Unbound {
                self.kubelet_start_pod(ctx, pod, node);
            }
        }
        self.reconcile_volumes(ctx);
        let at = self
            .node_lifecycle
            .next_heartbeat_ns(node, ctx.now().as_nanos());
        let epoch = self.node_runtime[node.0].epoch;
        ctx.schedule_at(
            SimTime(at),
            phase::KUBELET,
            Event::NodeStatusPost { node, epoch },
        );
    }

    /// The kubelet posts its node's status: Ready, and the pods' real readiness.
    pub(super) fn node_status_post(&mut self, ctx: &mut Ctx<'_, Event>, node: NodeId, epoch: u32) {
        let runtime = self.node_runtime[node.0];
        if runtime.epoch != epoch || !runtime.connected() || !self.state.nodes[node.0].exists {
            return;
        }
        let now = ctx.now();
        let pods: Vec<PodId> = self.state.nodes[node.0].pods.iter().copied().collect();
        for pod in pods {
            let p = &mut self.state.pods[pod.0];
            if p.gone.is_some() || p.deletion.is_some() {
                continue;
            }
            let ready = !p.container_ready.is_empty() && p.container_ready.iter().all(|r| *r);
            if ready != p.ready {
                p.ready = ready;
                p.ready_since = ready.then_some(now);
                self.touched.push(pod);
                self.enqueue_owner_syncs(ctx, pod);
            }
        }
        if self
            .node_lifecycle
            .kubelet_posted_ready(node, now.as_nanos())
        {
            let name = self.state.nodes[node.0].node.name.clone();
            self.record(
                now,
                "",
                format!("node/{name}"),
                EventType::Normal,
                "NodeReady",
                format!("Node {name} status is now: NodeReady"),
            );
            self.set_ready_condition(ctx, node, ConditionStatus::True);
            for rec in self.fault_log.iter_mut() {
                if rec.repaired.is_some() && rec.recovered.is_none() {
                    rec.awaiting.retain(|n| *n != node);
                    if rec.awaiting.is_empty() {
                        rec.recovered = Some(now);
                    }
                }
            }
        }
        self.ensure_node_timers(ctx);
    }

    /// Replaces node `id`'s object (API and scheduler cache) by `f` applied to a copy.
    fn update_node(&mut self, id: NodeId, f: impl FnOnce(&mut Node)) {
        let mut updated = (*self.state.nodes[id.0].node).clone();
        f(&mut updated);
        let updated = Arc::new(updated);
        self.state.nodes[id.0].node = updated.clone();
        self.node_infos[id.0].node = updated;
    }

    /// The Ready condition of node `id` becomes `status`: `ready` flag and NoSchedule taint
    /// (added and removed at once, without rate limit).
    fn set_ready_condition(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        id: NodeId,
        status: ConditionStatus,
    ) {
        self.update_node(id, |node| {
            node.ready = status == ConditionStatus::True;
            node.taints.retain(|t| {
                !(t.effect == TaintEffect::NoSchedule
                    && (t.key == TAINT_NODE_NOT_READY || t.key == TAINT_NODE_UNREACHABLE))
            });
            if let Some(taint) = ready_no_schedule_taint(status) {
                node.taints.push(taint);
            }
        });
        if status == ConditionStatus::True {
            self.cluster_event(ctx, ClusterEvent::NodeTaint);
        }
        // Whether a node should run daemon pods depends on its NoSchedule taints.
        self.sync_daemonsets(ctx);
    }

    /// Keeps one monitor tick and one tainting pass pending when the controller needs them.
    pub(super) fn ensure_node_timers(&mut self, ctx: &mut Ctx<'_, Event>) {
        let now = ctx.now().as_nanos();
        if let Some(at) = self.node_lifecycle.next_tick_ns(now)
            && self.monitor_at.is_none_or(|t| t.as_nanos() > at)
        {
            self.monitor_at = Some(SimTime(at));
            ctx.schedule_at(SimTime(at), phase::CONTROLLER, Event::NodeMonitor);
        }
        if let Some(at) = self.node_lifecycle.next_taint_pass_ns(now)
            && self.taint_pass_at.is_none_or(|t| t.as_nanos() > at)
        {
            self.taint_pass_at = Some(SimTime(at));
            ctx.schedule_at(SimTime(at), phase::CONTROLLER, Event::NodeTaintPass);
        }
    }

    /// A monitor tick (stale events, superseded by an earlier one, are ignored).
    pub(super) fn node_monitor(&mut self, ctx: &mut Ctx<'_, Event>) {
        if self.monitor_at != Some(ctx.now()) {
            return;
        }
        self.monitor_at = None;
        let changes = self.node_lifecycle.tick(ctx.now().as_nanos());
        self.apply_node_changes(ctx, changes);
        self.ensure_node_timers(ctx);
    }

    /// A tainting pass.
    pub(super) fn node_taint_pass(&mut self, ctx: &mut Ctx<'_, Event>) {
        if self.taint_pass_at != Some(ctx.now()) {
            return;
        }
        self.taint_pass_at = None;
        let changes = self.node_lifecycle.taint_pass(ctx.now().as_nanos());
        self.apply_node_changes(ctx, changes);
        self.ensure_node_timers(ctx);
    }

    fn apply_node_changes(&mut self, ctx: &mut Ctx<'_, Event>, changes: Vec<NodeChange>) {
        let now = ctx.now();
        for change in changes {
            match change {
                NodeChange::Unknown { node, was_ready } => {
                    self.set_ready_condition(ctx, node, ConditionStatus::Unknown);
                    if was_ready {
                        let name = self.state.nodes[node.0].node.name.clone();
                        self.record(
                            now,
                            "",
                            format!("node/{name}"),
                            EventType::Normal,
                            NODE_NOT_READY_EVENT_REASON,
                            format!("Node {name} status is now: NodeNotReady"),
                        );
                        self.mark_pods_not_ready(ctx, node);
                        for rec in self.fault_log.iter_mut() {
                            if rec.detected.is_none()
                                && rec.repaired.is_none()
                                && rec.nodes.contains(&node)
                            {
                                rec.detected = Some(now);
                            }
                        }
                    }
                }
                NodeChange::NoExecute { node, taint } => {
                    let existing = self.state.nodes[node.0].node.taints.clone();
                    let status = taint.unwrap_or(ConditionStatus::True);
                    if let Some(next) = apply_no_execute_taint(&existing, status) {
                        self.update_node(node, |n| n.taints = next);
                        if taint.is_none() {
                            self.cluster_event(ctx, ClusterEvent::NodeTaint);
                        }
                    }
                    let pods: Vec<PodId> = self.state.nodes[node.0].pods.iter().copied().collect();
                    for pod in pods {
                        self.taint_manager_pod(ctx, pod);
                    }
                }
            }
        }
    }

    /// `MarkPodsNotReady`: the pods of a node that went Unknown lose their Ready condition.
    fn mark_pods_not_ready(&mut self, ctx: &mut Ctx<'_, Event>, node: NodeId) {
        let pods: Vec<PodId> = self.state.nodes[node.0].pods.iter().copied().collect();
        for pod in pods {
            let p = &mut self.state.pods[pod.0];
            if p.gone.is_some() || !p.ready {
                continue;
            }
            p.ready = false;
            p.ready_since = None;
            self.touched.push(pod);
            self.enqueue_owner_syncs(ctx, pod);
        }
    }

    /// The taint manager looks at `pod` (`processPodOnNode`): schedules, keeps or cancels its
    /// NoExecute deletion from its node's taints and its tolerations.
    pub(super) fn taint_manager_pod(&mut self, ctx: &mut Ctx<'_, Event>, pod: PodId) {
        let p = &self.state.pods[pod.0];
        let Some(node) = p.node else { return };
        if p.gone.is_some() || p.deletion.is_some() {
            self.taint_evictions.remove(&pod);
            return;
        }
        let now = ctx.now().as_nanos();
        let decision = process_pod_on_node(
            &self.state.nodes[node.0].node.taints,
            &p.spec.tolerations,
            now,
            self.taint_evictions.get(&pod).copied(),
        );
        match decision {
            PodEvictionDecision::Cancel => {
                if self.taint_evictions.remove(&pod).is_some() {
                    let p = &self.state.pods[pod.0];
                    let (ns, name) = (p.namespace.clone(), p.name.clone());
                    self.record(
                        ctx.now(),
                        &ns,
                        format!("pod/{name}"),
                        EventType::Normal,
                        TAINT_MANAGER_EVICTION_EVENT_REASON,
                        format!("Cancelling deletion of Pod {ns}/{name}"),
                    );
                }
            }
            PodEvictionDecision::Keep => {}
            PodEvictionDecision::Schedule(eviction) => {
                self.taint_evictions.insert(pod, eviction);
                ctx.schedule_at(
                    SimTime(eviction.fire_at_ns),
                    phase::CONTROLLER,
                    Event::TaintEviction { pod },
                );
            }
        }
    }

    /// A NoExecute deletion is due: `TaintManagerEviction`, then a normal deletion (the pod
    /// stays Terminating while its kubelet is away).
    pub(super) fn taint_eviction(&mut self, ctx: &mut Ctx<'_, Event>, pod: PodId) {
        let now = ctx.now();
        match self.taint_evictions.get(&pod) {
            Some(ScheduledEviction { fire_at_ns, .. }) if *fire_at_ns == now.as_nanos() => {}
            _ => return,
        }
        self.taint_evictions.remove(&pod);
        let p = &self.state.pods[pod.0];
        if p.gone.is_some() || p.deletion.is_some() {
            return;
        }
        let (ns, name) = (p.namespace.clone(), p.name.clone());
        self.record(
            now,
            &ns,
            format!("pod/{name}"),
            EventType::Normal,
            TAINT_MANAGER_EVICTION_EVENT_REASON,
            format!("Marking for deletion Pod {ns}/{name}"),
        );
        self.delete_pod(ctx, pod, DELETION_BY_TAINT_MANAGER_REASON);
    }

    /// The kubelet kills a deleted pod (graceful stop, `grace_period_s` overriding the pod's
    /// own); the pod object goes once its containers stopped.
    pub(super) fn kubelet_kill(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        pod: PodId,
        grace_period_s: Option<i64>,
    ) {
        self.state.pods[pod.0].kubelet_generation += 1;
        let grace =
            grace_period_s.unwrap_or(self.state.pods[pod.0].spec.termination_grace_period_s);
        let (delay, out) = kubelet::on_delete(
            &mut self.state.pods[pod.0],
            grace,
            &self.images,
            &mut self.kubelet_rng,
        );
        self.apply_kubelet(ctx, pod, out);
        let generation = self.state.pods[pod.0].kubelet_generation;
        ctx.schedule_in(
            delay,
            phase::KUBELET,
            Event::Kubelet {
                pod,
                generation,
                step: KubeletStep::Stopped,
            },
        );
    }

    /// `deleteNode`: the Node object goes; the pod garbage collector deletes its pods at once
    /// (they are gone, wherever their containers are); the scheduler and the DaemonSets stop
    /// seeing it.
    pub(super) fn delete_node(&mut self, ctx: &mut Ctx<'_, Event>, id: NodeId) {
        self.node_data_gone(ctx.now(), id);
        let pods: Vec<PodId> = self.state.nodes[id.0].pods.iter().copied().collect();
        for pod in pods {
            self.delete_pod_with_grace(ctx, pod, DELETION_BY_POD_GC, Some(0));
            self.pod_gone(ctx, pod);
            self.taint_evictions.remove(&pod);
        }
        self.state.nodes[id.0].exists = false;
        let name = self.state.nodes[id.0].node.name.clone();
        self.state.node_index.remove(&name);
        self.node_lifecycle.delete_node(id);
        for rec in self.fault_log.iter_mut() {
            rec.awaiting.retain(|n| *n != id);
        }
        let to_world: Vec<usize> = (0..self.state.nodes.len())
            .filter(|&i| self.state.nodes[i].exists)
            .collect();
        let mut to_live = vec![None; self.state.nodes.len()];
        for (live, &world) in to_world.iter().enumerate() {
            to_live[world] = Some(live);
        }
        self.live_nodes = Some((to_world, to_live));
        self.record(
            ctx.now(),
            "",
            format!("node/{name}"),
            EventType::Normal,
            "RemovingNode",
            format!("Node {name} event: Removing Node {name} from Controller"),
        );
        self.sync_daemonsets(ctx);
        self.ensure_node_timers(ctx);
        self.reconcile_volumes(ctx);
    }

    /// `addNodes`: `count` nodes of `pool`, named after its last node; they register Ready at
    /// once (or never, in a zone that is down: they keep the not-ready NoSchedule taint and the
    /// startup grace period applies).
    pub(super) fn add_nodes(&mut self, ctx: &mut Ctx<'_, Event>, pool: &str, count: usize) {
        let now = ctx.now();
        let Some(slot) = self.pools.iter().position(|(p, _)| p.name == pool) else {
            self.missing(now, &format!("pool {pool}"), "");
            return;
        };
        for _ in 0..count {
            let (template, next) = &mut self.pools[slot];
            let mut node = template.node(*next);
            *next += 1;
            while self.state.node_index.contains_key(&node.name) {
                node = template.node(*next);
                *next += 1;
            }
            let down = node
                .zone()
                .is_some_and(|zone| self.failed_zones.contains(zone));
            if down {
                // The NodeTaint admission plugin's not-ready:NoSchedule taint stays until the
                // kubelet posts Ready, which a node of a zone that is down never does.
                node.ready = false;
                node.taints
                    .extend(ready_no_schedule_taint(ConditionStatus::False));
            }
            let id = self.add_node(node);
            if let Some((to_world, to_live)) = &mut self.live_nodes {
                to_live.push(Some(to_world.len()));
                to_world.push(id.0);
            }
            self.register_node(id, now.as_nanos(), !down);
            if down {
                let runtime = &mut self.node_runtime[id.0];
                runtime.crashed = true;
                runtime.epoch += 1;
                let open: Vec<usize> = (0..self.fault_log.len())
                    .filter(|&r| {
                        let rec = &self.fault_log[r];
                        rec.repaired.is_none()
                            && rec.kind != "failNode"
                            && rec.kind != "partitionNode"
                            && rec.kind != "nodeCrash"
                            && self.state.nodes[id.0]
                                .node
                                .zone()
                                .is_some_and(|z| rec.target == format!("zone/{z}"))
                    })
                    .collect();
                for r in open {
                    self.fault_log[r].nodes.push(id);
                }
            }
        }
        self.cluster_event(ctx, ClusterEvent::NodeAdd);
        self.sync_daemonsets(ctx);
        self.ensure_node_timers(ctx);
    }

    /// `containerCrash`: when an app container of a selected pod starts, its next crash is
    /// drawn (MTTF from the start); the kubelet handles the exit with code 1 as any other.
    pub(super) fn crash_after_start(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        pod: PodId,
        step: KubeletStep,
        out: &kubelet::Output,
    ) {
        let KubeletStep::Started(index) = step else {
            return;
        };
        let p = &self.state.pods[pod.0];
        let inits = p.spec.init_containers.len();
        if index < inits || !out.events.iter().any(|(_, reason, _)| *reason == "Started") {
            return;
        }
        let app = index - inits;
        for fault in &self.faults {
            let FaultKind::ContainerCrash {
                namespace,
                pod: name,
                selector,
            } = &fault.kind
            else {
                continue;
            };
            let selected = p.namespace == *namespace
                && name.as_ref().is_none_or(|n| *n == p.name)
                && selector
                    .as_ref()
                    .is_none_or(|sel| sel.iter().all(|(k, v)| p.labels.get(k) == Some(v)));
            if !selected {
                continue;
            }
            let delay = kubelet::sample(&fault.mttf, &mut self.container_faults_rng).max(1);
            ctx.schedule_in(
                delay,
                phase::KUBELET,
                Event::Kubelet {
                    pod,
                    generation: p.kubelet_generation,
                    step: KubeletStep::Exited {
                        index,
                        code: 1,
                        incarnation: p.container_restarts[app],
                    },
                },
            );
        }
    }
}
