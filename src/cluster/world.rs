//! The world: the cluster state plus the components that act on it. It implements the engine's
//! [`Model`]: each event is dispatched to the scheduler, a controller, a kubelet or the timeline,
//! whose effects the world applies in order, scheduling follow-up events.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::binding::{self, ApiClient};
use super::effects::{Effect, EventType, KubeEvent, StatefulSetUpdate, SyncTarget};
pub use super::endpoints::ServiceEndpoints;
use super::endpoints::{Disruption, PodServing};
use super::events::{Event, KubeletStep, phase};
use super::lister::WorldLister;
use super::selectors;
use super::state::*;
use super::traffic::{EndpointCounts, ServiceLoad, ServiceTraffic};
use crate::controllers;
use crate::controllers::disruption_math::{
    DELETION_TIMEOUT_NS, EvictionBudget, EvictionDecision, UnhealthyPodEvictionPolicy,
    eviction_decision,
};
use crate::kubelet;
use crate::model::meta::{ObjectMeta, OwnerRef};
use crate::model::node::Node;
use crate::model::objects::{ApiObject, DeploymentObject, PodObject, StatefulSetObject};
use crate::model::pod::{PodSpec, PreemptionPolicy};
use crate::scenario::manifests::{self, Notes};
use crate::scenario::spec::{
    Action, ImageCatalog, NodeFaultAction, PropagationPolicy, Scenario, TimedAction,
};
use crate::scheduler::plugins::image_locality::DEFAULT_IMAGE_SIZE_BYTES;
use crate::scheduler::queue::{ClusterEvent, SchedulingQueue, UNSCHEDULABLE_FLUSH_PERIOD_NS};
use crate::scheduler::{
    NodeInfo, NominatedPods, PodInfo, PostFilterResult, ScheduleOutcome, Scheduler, SchedulingEnv,
    Status,
};
use crate::sim::engine::{Ctx, Model};
use crate::sim::rng::{RngStreams, SimRng};
use crate::sim::time::{NANOS_PER_SEC, SimTime};

mod admission;
mod batch;
mod daemonsets;
mod disruption;
mod endpoints;
mod gc;
mod nodes;
mod rollouts;
mod undo;
mod volumes;

pub use nodes::{FaultRecord, NodeRuntime};
pub use volumes::{AttachPhase, Attachment, DataRecord, VolumeState};

/// Scheduling-queue timers of the world: one cycle, one back-off flush and one unschedulable
/// flush pending at most.
#[derive(Debug, Default)]
struct QueueTimers {
    cycle_pending: bool,
    backoff_flush_at: Option<SimTime>,
    unschedulable_flush_pending: bool,
}

/// A pod uid as Kubernetes prints it (a UUID): the simulator's sequential uid in UUID form.
pub fn uid_string(uid: u64) -> String {
    format!("00000000-0000-4000-8000-{:012x}", uid & 0xffff_ffff_ffff)
}

/// kubectl drain's pause between two rounds of refused evictions.
const DRAIN_RETRY_NS: u64 = 5 * NANOS_PER_SEC;

/// A `drain` in progress.
#[derive(Debug)]
struct DrainState {
    node: NodeId,
    deadline: Option<SimTime>,
    grace_period_s: Option<i64>,
    /// Pods whose eviction was refused at least once (noted once each).
    refused: BTreeSet<PodId>,
    evicted: usize,
}

/// The simulated cluster.
pub struct World {
    /// API objects and node bookkeeping.
    pub state: ClusterState,
    /// The scheduler's node cache.
    pub node_infos: Vec<NodeInfo>,
    /// Endpoints per Service.
    pub endpoints: BTreeMap<ObjKey, ServiceEndpoints>,
    /// HorizontalPodAutoscalers.
    pub hpas: BTreeMap<ObjKey, HpaRecord>,
    /// Demand per Service now.
    pub traffic: BTreeMap<ObjKey, ServiceTraffic>,
    /// Events recorded so far.
    pub events: Vec<KubeEvent>,
    /// Messages for the user produced while running (`Info:`/`Warning:` lines).
    pub notes: Vec<String>,
    /// What may have started an outage, in time order: timeline actions, container failures,
    /// kills and evictions.
    pub disruptions: Vec<Disruption>,
    /// `spec.cluster.endpointPropagationDelay`, ns.
    endpoint_delay_ns: u64,
    /// `spec.availability`: serving endpoints each Service needs (absent: 1).
    quorum: BTreeMap<ObjKey, i64>,
    scheduler: Scheduler,
    images: ImageCatalog,
    timeline: Vec<TimedAction>,
    names_rng: SimRng,
    kubelet_rng: SimRng,
    scheduler_rng: SimRng,
    pending_syncs: BTreeSet<SyncTarget>,
    timed_syncs: BTreeSet<(SyncTarget, SimTime)>,
    queue: SchedulingQueue<PodId>,
    queue_timers: QueueTimers,
    scheduling_latency_ns: u64,
    binding_latency_ns: u64,
    rs_seq: u64,
    uid_seq: u64,
    /// Per pod: what the data plane knows about it now.
    serving: Vec<PodServing>,
    /// Pods whose status may have changed during the current event.
    touched: Vec<PodId>,
    /// Pods touched by the last event (what the per-event invariant check looks at).
    pub last_touched: Vec<PodId>,
    /// PodDisruptionBudgets created or changed during the current event (synced after it).
    budgets_dirty: BTreeSet<ObjKey>,
    /// What each budget's last sync reported.
    budget_reports: BTreeMap<ObjKey, disruption::BudgetReport>,
    /// Owners (kind, key) being deleted in the foreground: they stay until their dependents
    /// are gone, their controllers idle.
    foreground: BTreeSet<(String, ObjKey)>,
    events_handled: u64,
    initial_objects: Vec<ApiObject>,
    /// PriorityClasses by name: (value, globalDefault, preemptionPolicy); the two system
    /// classes are built in.
    priority_classes: BTreeMap<String, (i64, bool, PreemptionPolicy)>,
    /// Pods with a nominated node (`status.nominatedNodeName`), the scheduler's nominator.
    nominated_pods: BTreeSet<PodId>,
    /// LimitRanges, ResourceQuotas and the ReplicaSet creation back-off.
    admission: admission::AdmissionState,
    /// `drain` actions in progress, by timeline index.
    drains: BTreeMap<usize, DrainState>,
    /// Run the invariant checkers after every event.
    pub check_invariants: bool,
    /// First invariant violation seen, if any.
    pub violation: Option<String>,
    /// Explain every scheduling attempt (`run --record-scheduling`) into `scheduling_records`.
    pub record_scheduling: bool,
    /// With `record_scheduling`: the latest scheduling attempt of each pod, explained.
    pub scheduling_records: BTreeMap<ObjKey, super::scheduling_record::RecordedAttempt>,
    /// The node lifecycle controller.
    pub node_lifecycle: controllers::node_lifecycle::NodeLifecycle,
    /// Per node: crashed / partitioned.
    pub node_runtime: Vec<NodeRuntime>,
    /// Every node or zone fault so far, in start order.
    pub fault_log: Vec<FaultRecord>,
    /// The pending monitor tick.
    monitor_at: Option<SimTime>,
    /// The pending tainting pass.
    taint_pass_at: Option<SimTime>,
    /// The taint manager's scheduled deletions.
    taint_evictions: BTreeMap<PodId, controllers::node_lifecycle_math::ScheduledEviction>,
    /// `spec.faults`.
    faults: Vec<crate::scenario::spec::Fault>,
    /// Random node and zone fault processes.
    random_faults: Vec<nodes::RandomFaultProcess>,
    /// Their first transitions, drawn when the world is built.
    initial_faults: Vec<(SimTime, u8, Event)>,
    /// The `containerCrash` draws.
    container_faults_rng: SimRng,
    /// Zones currently down (`failZone`, `zoneOutage`): nodes added there start down.
    failed_zones: BTreeSet<String>,
    /// Node pools and the index of the next node of each (`addNodes`).
    pools: Vec<(crate::scenario::spec::NodePool, usize)>,
    /// Once a node was deleted: the live nodes' ids in order, and per node id its index among
    /// them (what the scheduler sees).
    live_nodes: Option<(Vec<usize>, Vec<Option<usize>>)>,
    /// Attachments, provisioning in progress and the data of claims and pods.
    pub volumes: VolumeState,
    /// `spec.storage`.
    storage_timing: crate::model::storage::StorageCatalog,
    /// Provisioning, attach and detach times.
    storage_rng: SimRng,
}

impl World {
    /// Builds the world for a scenario. Fails when the scheduler configuration cannot be turned
    /// into profiles (unknown plugin, bad arguments …).
    pub fn new(scenario: &Scenario, seed: u64) -> Result<World, String> {
        let profiles = crate::scheduler::config::profiles_from_config(&scenario.scheduler)
            .map_err(|e| format!("The KubeSchedulerConfiguration is invalid: {e}"))?;
        let scheduler = Scheduler::new(&profiles)
            .map_err(|e| format!("The KubeSchedulerConfiguration is invalid: {e}"))?;
        let queue_sort = scheduler.queue_sort();
        let streams = RngStreams::new(seed);
        let mut world = World {
            state: ClusterState::default(),
            node_infos: Vec::new(),
            endpoints: BTreeMap::new(),
            hpas: BTreeMap::new(),
            traffic: BTreeMap::new(),
            events: Vec::new(),
            notes: Vec::new(),
            disruptions: Vec::new(),
            endpoint_delay_ns: scenario.endpoint_propagation_delay_ns,
            quorum: scenario
                .availability
                .iter()
                .map(|q| (ObjKey::new(&q.namespace, &q.service), q.min_ready_endpoints))
                .collect(),
            scheduler,
            images: scenario.images.clone(),
            timeline: scenario.timeline.clone(),
            names_rng: streams.stream("names"),
            kubelet_rng: streams.stream("kubelet"),
            scheduler_rng: streams.stream("scheduler"),
            pending_syncs: BTreeSet::new(),
            timed_syncs: BTreeSet::new(),
            queue: SchedulingQueue::new(
                scenario.scheduler.pod_initial_backoff_s.max(1) as u64 * NANOS_PER_SEC,
                scenario.scheduler.pod_max_backoff_s.max(1) as u64 * NANOS_PER_SEC,
            )
            .with_queue_sort(queue_sort),
            queue_timers: QueueTimers::default(),
            scheduling_latency_ns: scenario.scheduler.scheduling_latency_ns,
            binding_latency_ns: scenario.scheduler.binding_latency_ns,
            rs_seq: 0,
            uid_seq: 0,
            serving: Vec::new(),
            touched: Vec::new(),
            last_touched: Vec::new(),
            budgets_dirty: BTreeSet::new(),
            budget_reports: BTreeMap::new(),
            foreground: BTreeSet::new(),
            events_handled: 0,
            initial_objects: scenario.objects.clone(),
            priority_classes: [
                (
                    "system-node-critical".to_string(),
                    (2_000_001_000, false, PreemptionPolicy::PreemptLowerPriority),
                ),
                (
                    "system-cluster-critical".to_string(),
                    (2_000_000_000, false, PreemptionPolicy::PreemptLowerPriority),
                ),
            ]
            .into_iter()
            .collect(),
            nominated_pods: BTreeSet::new(),
            admission: admission::AdmissionState::default(),
            drains: BTreeMap::new(),
            check_invariants: cfg!(debug_assertions),
            violation: None,
            record_scheduling: false,
            scheduling_records: BTreeMap::new(),
            node_lifecycle: controllers::node_lifecycle::NodeLifecycle::new(
                scenario.kubernetes_version,
            ),
            node_runtime: Vec::new(),
            fault_log: Vec::new(),
            monitor_at: None,
            taint_pass_at: None,
            taint_evictions: BTreeMap::new(),
            faults: scenario.faults.clone(),
            random_faults: Vec::new(),
            initial_faults: Vec::new(),
            container_faults_rng: streams.stream("faults/containers"),
            failed_zones: BTreeSet::new(),
            pools: scenario
                .pools
                .iter()
                .map(|p| {
                    let next = scenario
                        .nodes
                        .iter()
                        .filter(|n| n.pool.as_deref() == Some(p.name.as_str()))
                        .count();
                    (p.clone(), next.max(p.count))
                })
                .collect(),
            live_nodes: None,
            volumes: VolumeState::default(),
            storage_timing: scenario.storage.clone(),
            storage_rng: streams.stream("storage"),
        };
        world.state.namespaces.insert("default".into());
        world.state.kubernetes_version = scenario.kubernetes_version;
        for t in &scenario.traffic {
            let key = ObjKey::new(&t.namespace, &t.service);
            let min_serving = world.quorum.get(&key).copied().unwrap_or(1);
            world.traffic.insert(
                key,
                ServiceTraffic {
                    rps: t.demand.at(0),
                    spec: t.clone(),
                    generation: 0,
                    min_serving,
                },
            );
        }
        for node in &scenario.nodes {
            world.add_node(node.clone());
        }
        world.init_node_lifecycle(&streams);
        world.initial_faults = world.draw_initial_faults();
        Ok(world)
    }

    /// Events to schedule before the run: the initial objects' creation and the timeline.
    pub fn initial_events(&self) -> Vec<(SimTime, u8, Event)> {
        let mut out = vec![(SimTime::ZERO, phase::DRIVER, Event::Timeline(usize::MAX))];
        out.extend(self.initial_faults.iter().cloned());
        for (index, action) in self.timeline.iter().enumerate() {
            out.push((action.at, phase::DRIVER, Event::Timeline(index)));
        }
        for (service, t) in &self.traffic {
            if let Some(at) = t.spec.demand.next_change_after(0) {
                let (service, generation) = (service.clone(), t.generation);
                out.push((
                    SimTime(at),
                    phase::DRIVER,
                    Event::Traffic {
                        service,
                        generation,
                    },
                ));
            }
        }
        out
    }

    /// The scheduler's view of the node `id`.
    pub fn node_info(&self, id: NodeId) -> &NodeInfo {
        &self.node_infos[id.0]
    }

    fn add_node(&mut self, node: Node) -> NodeId {
        let id = NodeId(self.state.nodes.len());
        let node = Arc::new(node);
        self.state.node_index.insert(node.name.clone(), id);
        self.node_infos.push(NodeInfo::new(node.clone()));
        self.state.nodes.push(NodeState {
            node,
            pods: BTreeSet::new(),
            images: BTreeSet::new(),
            exists: true,
        });
        id
    }

    fn record(
        &mut self,
        now: SimTime,
        namespace: &str,
        object: String,
        event_type: EventType,
        reason: &'static str,
        message: String,
    ) {
        // Events that take a pod (or a node's pods) out of service may start an outage.
        if matches!(
            reason,
            "Killing" | "Evicted" | "Preempted" | "TaintManagerEviction" | "NodeNotReady"
        ) || (reason == "Unhealthy" && message.starts_with("Readiness"))
        {
            let pod = object
                .strip_prefix("pod/")
                .and_then(|name| self.state.pod_index.get(&ObjKey::new(namespace, name)))
                .copied();
            self.note_disruption(now, pod, format!("{reason} {object}"));
        }
        self.events.push(KubeEvent {
            time: now,
            namespace: namespace.to_string(),
            object,
            event_type,
            reason,
            message,
        });
    }

    fn enqueue_sync(&mut self, ctx: &mut Ctx<'_, Event>, target: SyncTarget) {
        if self.pending_syncs.insert(target.clone()) {
            ctx.schedule_in(0, phase::CONTROLLER, Event::Sync(target));
        }
    }

    fn enqueue_owner_syncs(&mut self, ctx: &mut Ctx<'_, Event>, pod: PodId) {
        let p = &self.state.pods[pod.0];
        if let Some(owner) = &p.owner {
            let key = ObjKey::new(&p.namespace, &owner.name);
            match owner.kind.as_str() {
                "replicaset" => self.enqueue_sync(ctx, SyncTarget::ReplicaSet(key)),
                "statefulset" => self.enqueue_sync(ctx, SyncTarget::StatefulSet(key)),
                "job" => self.enqueue_sync(ctx, SyncTarget::Job(key)),
                "daemonset" => self.enqueue_sync(ctx, SyncTarget::DaemonSet(key)),
                _ => {}
            }
        }
    }

    /// Keeps the scheduler's timers in step with its queue: a cycle when a pod is active, a
    /// flush when a back-off expires, a periodic look at the unschedulable pool.
    fn ensure_cycle(&mut self, ctx: &mut Ctx<'_, Event>) {
        if !self.queue_timers.cycle_pending && self.queue.has_active() {
            self.queue_timers.cycle_pending = true;
            ctx.schedule_in(0, phase::SCHEDULER, Event::ScheduleOne);
        }
        if let Some(expiry) = self.queue.next_backoff_expiry() {
            let expiry = SimTime(expiry).max(ctx.now());
            if self
                .queue_timers
                .backoff_flush_at
                .is_none_or(|at| at > expiry)
            {
                self.queue_timers.backoff_flush_at = Some(expiry);
                ctx.schedule_at(expiry, phase::SCHEDULER, Event::FlushBackoff);
            }
        }
        if !self.queue_timers.unschedulable_flush_pending && self.queue.has_unschedulable() {
            self.queue_timers.unschedulable_flush_pending = true;
            ctx.schedule_in(
                UNSCHEDULABLE_FLUSH_PERIOD_NS,
                phase::SCHEDULER,
                Event::FlushUnschedulable,
            );
        }
    }

    fn add_to_active(&mut self, ctx: &mut Ctx<'_, Event>, pod: PodId) {
        self.queue.add(pod, self.state.pods[pod.0].spec.priority);
        self.ensure_cycle(ctx);
    }

    /// A cluster event that may make parked pods schedulable (queueing hints decide which).
    fn cluster_event(&mut self, ctx: &mut Ctx<'_, Event>, event: ClusterEvent) {
        if self.queue.on_cluster_event(event, ctx.now().as_nanos()) > 0 {
            self.ensure_cycle(ctx);
        }
    }

    /// The Priority admission plugin: `priorityClassName` (or the global default class) sets
    /// the pod's priority and `preemptionPolicy`. `Err` is the reason the pod is rejected (a
    /// class that does not exist, or a `preemptionPolicy` contradicting the class).
    fn admit_priority(&self, spec: &Arc<PodSpec>) -> Result<Arc<PodSpec>, String> {
        let (value, policy) = match &spec.priority_class_name {
            Some(name) => match self.priority_classes.get(name) {
                Some((value, _, policy)) => (*value, *policy),
                None => return Err(format!("no PriorityClass with name {name} was found")),
            },
            None => match self
                .priority_classes
                .values()
                .find(|(_, default, _)| *default)
            {
                Some((value, _, policy)) => (*value, *policy),
                None => return Ok(spec.clone()),
            },
        };
        if let Some(own) = spec.preemption_policy
            && own != policy
        {
            return Err(format!(
                "the string value of PreemptionPolicy ({}) must not be provided in pod spec; priority admission controller computed {} from the given PriorityClass name",
                own.as_str(),
                policy.as_str()
            ));
        }
        if spec.priority == value && spec.preemption_policy == Some(policy) {
            return Ok(spec.clone());
        }
        let mut admitted = (**spec).clone();
        admitted.priority = value;
        admitted.preemption_policy = Some(policy);
        Ok(Arc::new(admitted))
    }

    /// Creates a pod object (from a ReplicaSet template or a manifest).
    fn create_pod(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        meta: ObjectMeta,
        spec: Arc<PodSpec>,
        owner: Option<OwnerRef>,
    ) -> PodId {
        let ObjectMeta {
            namespace,
            name,
            labels,
            annotations,
        } = meta;
        let namespace = namespace.as_str();
        let now = ctx.now();
        let id = PodId(self.state.pods.len());
        self.uid_seq += 1;
        let deletion_cost = annotations
            .get("controller.kubernetes.io/pod-deletion-cost")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let node_name = spec.node_name.clone();
        self.state.pods.push(PodState {
            namespace: namespace.to_string(),
            name: name.clone(),
            uid: self.uid_seq,
            labels,
            deletion_cost,
            owner: owner.clone(),
            spec,
            created: now,
            node: None,
            scheduled: None,
            started: None,
            ready: false,
            ready_since: None,
            first_ready: None,
            phase: PodPhase::Pending,
            deletion: None,
            gone: None,
            end_reason: None,
            restarts: 0,
            kubelet: KubeletPhase::Unbound,
            pull_failures: 0,
            crash_backoff: (0, SimTime::ZERO),
            kubelet_generation: 0,
            container_running: Vec::new(),
            container_ready: Vec::new(),
            container_restarts: Vec::new(),
            container_started_at: Vec::new(),
            app_ready: false,
            nominated: None,
            last_nominated: None,
            preempted: false,
            exit_code: None,
            finished_at: None,
            last_termination: None,
        });
        let bad = self.state.pods[id.0]
            .spec
            .containers
            .iter()
            .any(|c| self.images.get(&c.image).error_rate > 0.0);
        self.serving.push(PodServing {
            bad,
            ..PodServing::default()
        });
        self.watch_pod_volumes(id);
        self.state
            .pod_index
            .insert(ObjKey::new(namespace, &name), id);
        if let Some(owner) = &owner
            && owner.kind == "replicaset"
            && let Some(rs) = self
                .state
                .replicasets
                .get_mut(&ObjKey::new(namespace, &owner.name))
        {
            rs.pods.insert(id);
        }
        if let Some(owner) = &owner
            && owner.kind == "daemonset"
            && let Some(ds) = self
                .state
                .daemonsets
                .get_mut(&ObjKey::new(namespace, &owner.name))
        {
            ds.pods.insert(id);
        }
        self.adopt_job_pod(id);
        let pod_labels = self.state.pods[id.0].labels.clone();
        for (key, service) in &self.state.services {
            if key.namespace == namespace
                && service
                    .selector
                    .as_ref()
                    .is_some_and(|sel| sel.iter().all(|(k, v)| pod_labels.get(k) == Some(v)))
                && let Some(endpoints) = self.endpoints.get_mut(key)
            {
                endpoints.select(id);
            }
        }
        match node_name {
            Some(node) => match self.state.node_index.get(&node).copied() {
                Some(node_id) => self.bind(ctx, id, node_id, false),
                None => {
                    self.notes.push(format!("Warning: pod {namespace}/{name} names node \"{node}\", which does not exist; it stays Pending"));
                }
            },
            None if self
                .scheduler
                .framework_for(&self.state.pods[id.0].spec.scheduler_name)
                .is_none() =>
            {
                let scheduler = self.state.pods[id.0].spec.scheduler_name.clone();
                self.notes.push(format!("Info: pod {namespace}/{name} asks for scheduler \"{scheduler}\", which is not simulated; it stays Pending"));
            }
            None => self.add_to_active(ctx, id),
        }
        self.enqueue_owner_syncs(ctx, id);
        id
    }

    /// The scheduler's assumption: the pod counts on the node from now on.
    fn assume(&mut self, pod: PodId, node: NodeId, _now: SimTime) {
        self.state.pods[pod.0].node = Some(node);
        self.touched.push(pod);
        let p = &self.state.pods[pod.0];
        self.node_infos[node.0].add_pod(&PodInfo::new(
            &p.namespace,
            &p.name,
            &p.labels,
            &p.spec,
            p.uid,
        ));
        self.state.nodes[node.0].pods.insert(pod);
    }

    /// Assume and bind at once (no binding latency).
    fn bind(&mut self, ctx: &mut Ctx<'_, Event>, pod: PodId, node: NodeId, record: bool) {
        self.assume(pod, node, ctx.now());
        self.complete_binding(ctx, pod, node, record);
    }

    /// The binding lands: `Scheduled` is recorded and the node's kubelet starts the pod.
    fn complete_binding(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        pod: PodId,
        node: NodeId,
        record: bool,
    ) {
        let now = ctx.now();
        let node_name = self.state.nodes[node.0].node.name.clone();
        if record {
            // The scheduler's binding cycle: PreBind, then Bind.
            let p = &self.state.pods[pod.0];
            let info = PodInfo::new(&p.namespace, &p.name, &p.labels, &p.spec, p.uid);
            let mut client = ApiClient::new(
                &self.state.node_index,
                &self.state.nodes,
                &mut self.state.storage,
            );
            let mut status = self.scheduler.bind(&info, &mut client);
            if status.is_success() && client.bound_to.as_deref() != Some(node_name.as_str()) {
                status = Status::error(format!("pod was not bound to node {node_name:?}"));
            }
            self.pre_bind_done(now, pod);
            if !status.is_success() {
                self.forget_assumed(ctx, pod, node, status);
                return;
            }
            self.queue.done(pod);
        }
        self.state.pods[pod.0].scheduled = Some(now);
        self.touched.push(pod);
        if record {
            let p = &self.state.pods[pod.0];
            let (ns, name) = (p.namespace.clone(), p.name.clone());
            self.record(
                now,
                &ns,
                format!("pod/{name}"),
                EventType::Normal,
                "Scheduled",
                format!("Successfully assigned {ns}/{name} to {node_name}"),
            );
        }
        self.taint_manager_pod(ctx, pod);
        self.reconcile_volumes(ctx);
        if !self.kubelet_connected(node) {
            // The node's kubelet does not hear of the binding until it is back.
            return;
        }
        self.kubelet_start_pod(ctx, pod, node);
    }

    /// The binding cycle failed: the assumed pod leaves the node, FailedScheduling is recorded
    /// and the pod backs off (`handleBindingCycleError`).
    fn forget_assumed(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        pod: PodId,
        node: NodeId,
        status: Status,
    ) {
        self.state.pods[pod.0].node = None;
        self.touched.push(pod);
        self.node_infos[node.0].remove_pod(self.state.pods[pod.0].uid);
        self.state.nodes[node.0].pods.remove(&pod);
        let plugins = status.is_rejected().then_some(status.plugin);
        self.failed_scheduling(ctx, pod, status.message(), plugins.into_iter().collect());
        self.cluster_event(ctx, ClusterEvent::AssignedPodDelete);
        self.ensure_cycle(ctx);
    }

    fn apply_kubelet(&mut self, ctx: &mut Ctx<'_, Event>, pod: PodId, out: kubelet::Output) {
        let now = ctx.now();
        let (ns, name, generation) = {
            let p = &self.state.pods[pod.0];
            (p.namespace.clone(), p.name.clone(), p.kubelet_generation)
        };
        // Only a finished pull can add an image to the node.
        if let Some(node) = self.state.pods[pod.0].node
            && out.events.iter().any(|(_, reason, _)| *reason == "Pulled")
        {
            self.node_infos[node.0].add_pulled_images(
                &self.state.pods[pod.0].spec,
                &self.state.nodes[node.0].images,
                DEFAULT_IMAGE_SIZE_BYTES,
            );
        }
        for (event_type, reason, message) in out.events {
            self.record(now, &ns, format!("pod/{name}"), event_type, reason, message);
        }
        if let Some((reason, code)) = out.terminated
            && code != 0
        {
            self.note_disruption(now, Some(pod), format!("{reason} pod/{name}"));
        }
        for (delay, step) in out.timers {
            ctx.schedule_in(
                delay,
                phase::KUBELET,
                Event::Kubelet {
                    pod,
                    generation,
                    step,
                },
            );
        }
        if out.status_changed {
            self.touched.push(pod);
            self.release_finished_pod(ctx, pod);
            self.enqueue_owner_syncs(ctx, pod);
        }
    }

    /// Graceful deletion (`kubectl delete pod`, controller scale-down, garbage collection).
    fn delete_pod(&mut self, ctx: &mut Ctx<'_, Event>, pod: PodId, reason: &str) {
        self.delete_pod_with_grace(ctx, pod, reason, None);
    }

    /// Graceful deletion with `grace_period_s` overriding the pod's own grace period.
    fn delete_pod_with_grace(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        pod: PodId,
        reason: &str,
        grace_period_s: Option<i64>,
    ) {
        let now = ctx.now();
        let p = &mut self.state.pods[pod.0];
        if p.deletion.is_some() || p.gone.is_some() {
            return;
        }
        p.deletion = Some(now);
        p.end_reason = Some(reason.to_string());
        p.kubelet_generation += 1;
        self.touched.push(pod);
        self.queue.remove(pod);
        let bound = self.state.pods[pod.0].node.is_some();
        if !bound {
            self.pod_gone(ctx, pod);
            return;
        }
        if let Some(node) = self.state.pods[pod.0].node {
            self.node_infos[node.0].set_terminating(self.state.pods[pod.0].uid);
            if !self.kubelet_connected(node) {
                // The kubelet does not hear of it: the pod stays Terminating until it is back.
                self.enqueue_owner_syncs(ctx, pod);
                return;
            }
        }
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
        self.enqueue_owner_syncs(ctx, pod);
    }

    /// The pod object disappears: resources are freed and pending pods get another chance.
    fn pod_gone(&mut self, ctx: &mut Ctx<'_, Event>, pod: PodId) {
        let now = ctx.now();
        let (key, node, owner) = {
            let p = &mut self.state.pods[pod.0];
            if p.gone.is_some() {
                return;
            }
            p.gone = Some(now);
            p.ready = false;
            p.app_ready = false;
            if p.phase == PodPhase::Running || p.phase == PodPhase::Pending {
                p.phase = PodPhase::Failed;
            }
            p.container_running.iter_mut().for_each(|r| *r = false);
            (ObjKey::new(&p.namespace, &p.name), p.node, p.owner.clone())
        };
        self.touched.push(pod);
        self.set_nomination(pod, None);
        self.state.pod_index.remove(&key);
        if let Some(node) = node {
            self.node_infos[node.0].remove_pod(self.state.pods[pod.0].uid);
            self.state.nodes[node.0].pods.remove(&pod);
        }
        let mut deployment = None;
        if let Some(owner) = &owner
            && owner.kind == "replicaset"
            && let Some(rs) = self
                .state
                .replicasets
                .get_mut(&ObjKey::new(&key.namespace, &owner.name))
        {
            rs.pods.remove(&pod);
            deployment = rs.owner_target();
            let rs_key = ObjKey::new(&key.namespace, &owner.name);
            self.foreground_pod_gone(&rs_key);
        }
        if let Some(owner) = &owner
            && owner.kind == "daemonset"
            && let Some(ds) = self
                .state
                .daemonsets
                .get_mut(&ObjKey::new(&key.namespace, &owner.name))
        {
            ds.pods.remove(&pod);
        }
        self.enqueue_owner_syncs(ctx, pod);
        if !self.foreground.is_empty() {
            self.finish_foreground_owners(ctx);
        }
        // The Deployment controller watches pod deletions too (Recreate waits for old pods to go).
        if let Some(deployment) = deployment {
            self.enqueue_sync(ctx, deployment);
        }
        if node.is_some() {
            self.cluster_event(ctx, ClusterEvent::AssignedPodDelete);
        }
        self.pod_data_gone(now, pod);
        self.reconcile_volumes(ctx);
    }

    fn schedule_one(&mut self, ctx: &mut Ctx<'_, Event>) {
        self.queue_timers.cycle_pending = false;
        let Some(pod) = self.queue.pop() else { return };
        let now = ctx.now();
        let outcome = {
            let state = &self.state;
            let p = &state.pods[pod.0];
            let info = PodInfo {
                default_spread_selector: selectors::default_spread_selector(state, p),
                ..PodInfo::new(&p.namespace, &p.name, &p.labels, &p.spec, p.uid)
            };
            // Deleted nodes are not in the scheduler's snapshot: it then sees a copy of the
            // live nodes' infos, and its node indexes are mapped back to node ids.
            let live: Option<Vec<NodeInfo>> = self.live_nodes.as_ref().map(|(to_world, _)| {
                to_world
                    .iter()
                    .map(|&i| self.node_infos[i].clone())
                    .collect()
            });
            let to_live = |id: NodeId| match &self.live_nodes {
                Some((_, to_live)) => to_live[id.0],
                None => Some(id.0),
            };
            let mut nominated = NominatedPods::default();
            for &other in &self.nominated_pods {
                let q = &state.pods[other.0];
                if let Some(index) = q.nominated.and_then(to_live) {
                    nominated.add(
                        index,
                        PodInfo::new(&q.namespace, &q.name, &q.labels, &q.spec, q.uid),
                    );
                }
            }
            let lister = WorldLister { state, now };
            let env = SchedulingEnv {
                nominated,
                lister: &lister,
                nominated_node: p.nominated.and_then(to_live),
            };
            self.scheduler.set_storage(&self.state.storage);
            let infos = live.as_deref().unwrap_or(&self.node_infos);
            let mut outcome =
                self.scheduler
                    .schedule_with(&info, infos, &env, &mut self.scheduler_rng);
            if self.record_scheduling {
                super::scheduling_record::record(
                    &mut self.scheduling_records,
                    &self.scheduler,
                    &info,
                    infos,
                    &outcome,
                    now,
                );
            }
            if let Some((to_world, _)) = &self.live_nodes {
                match &mut outcome {
                    ScheduleOutcome::Scheduled { node_index, .. } => {
                        *node_index = to_world[*node_index];
                    }
                    ScheduleOutcome::Unschedulable {
                        nomination: Some(result),
                        ..
                    } => {
                        result.nominated_node_index =
                            result.nominated_node_index.map(|i| to_world[i]);
                    }
                    _ => {}
                }
            }
            outcome
        };
        match outcome {
            ScheduleOutcome::Scheduled { node_index, .. } => {
                self.set_nomination(pod, None);
                let status = {
                    let p = &self.state.pods[pod.0];
                    let info = PodInfo::new(&p.namespace, &p.name, &p.labels, &p.spec, p.uid);
                    let node_name = &self.state.nodes[node_index].node.name;
                    self.scheduler.reserve(&info, node_name)
                };
                if !status.is_success() {
                    let plugins = status.is_rejected().then_some(status.plugin);
                    self.failed_scheduling(
                        ctx,
                        pod,
                        status.message(),
                        plugins.into_iter().collect(),
                    );
                } else {
                    // PreBind waits for the volumes it provisions (WaitForFirstConsumer).
                    let provisioning_ns =
                        self.pre_bind_provisioning_ns(ctx, pod, NodeId(node_index));
                    if self.binding_latency_ns == 0 && provisioning_ns == 0 {
                        self.bind(ctx, pod, NodeId(node_index), true);
                        if self.state.pods[pod.0].node.is_some() {
                            self.cluster_event(ctx, ClusterEvent::AssignedPodAdd);
                        }
                    } else {
                        // The scheduler assumes the pod on the node now; the binding lands
                        // later.
                        self.assume(pod, NodeId(node_index), now);
                        ctx.schedule_in(
                            self.binding_latency_ns + provisioning_ns,
                            phase::SCHEDULER,
                            Event::Bind {
                                pod,
                                node: NodeId(node_index),
                            },
                        );
                        self.cluster_event(ctx, ClusterEvent::AssignedPodAdd);
                    }
                }
            }
            ScheduleOutcome::Unschedulable {
                message,
                nomination,
                unschedulable_plugins,
                ..
            } => {
                if let Some(result) = nomination {
                    self.nominate(ctx, pod, result);
                }
                self.failed_scheduling(ctx, pod, message, unschedulable_plugins)
            }
            ScheduleOutcome::Error { message } => {
                self.failed_scheduling(ctx, pod, message, Vec::new())
            }
        }
        // The next cycle starts when this one is over (scheduling latency, default 0).
        if self.queue.has_active() && !self.queue_timers.cycle_pending {
            self.queue_timers.cycle_pending = true;
            ctx.schedule_in(
                self.scheduling_latency_ns,
                phase::SCHEDULER,
                Event::ScheduleOne,
            );
        }
        self.ensure_cycle(ctx);
    }

    /// Sets (or clears) the pod's `nominatedNodeName`, keeping the nominator in step.
    fn set_nomination(&mut self, pod: PodId, node: Option<NodeId>) {
        let p = &mut self.state.pods[pod.0];
        if p.nominated == node {
            return;
        }
        p.nominated = node;
        match node {
            Some(node) => {
                p.last_nominated = Some(node);
                self.nominated_pods.insert(pod);
            }
            None => {
                self.nominated_pods.remove(&pod);
            }
        }
    }

    /// Applies a PostFilter result (`prepareCandidate` + nomination): the victims are deleted
    /// gracefully with a `Preempted` event, lower-priority pods nominated to the same node lose
    /// their nomination, and the pod is nominated. (Clearing a nomination is a status change,
    /// which upstream's queue does not treat as an update: those pods stay where they are.)
    fn nominate(&mut self, ctx: &mut Ctx<'_, Event>, pod: PodId, result: PostFilterResult) {
        let Some(node_index) = result.nominated_node_index else {
            self.set_nomination(pod, None);
            return;
        };
        let node = NodeId(node_index);
        let now = ctx.now();
        let node_name = self.state.nodes[node.0].node.name.clone();
        let (preemptor_uid, priority) = {
            let p = &self.state.pods[pod.0];
            (p.uid, p.spec.priority)
        };
        for uid in result.victims {
            let Some(victim) = self.state.pod_by_uid(uid) else {
                continue;
            };
            let v = &self.state.pods[victim.0];
            if v.deletion.is_some() || v.gone.is_some() {
                continue;
            }
            let (ns, name) = (v.namespace.clone(), v.name.clone());
            self.state.pods[victim.0].preempted = true;
            self.record(
                now,
                &ns,
                format!("pod/{name}"),
                EventType::Normal,
                "Preempted",
                format!(
                    "Preempted by pod {} on node {node_name}",
                    uid_string(preemptor_uid)
                ),
            );
            self.delete_pod(ctx, victim, "Preempted");
        }
        let lower: Vec<PodId> = self
            .nominated_pods
            .iter()
            .copied()
            .filter(|&q| {
                let q = &self.state.pods[q.0];
                q.nominated == Some(node) && q.spec.priority < priority
            })
            .collect();
        for q in lower {
            self.set_nomination(q, None);
        }
        self.set_nomination(pod, Some(node));
    }

    fn failed_scheduling(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        pod: PodId,
        message: String,
        plugins: Vec<&'static str>,
    ) {
        let now = ctx.now();
        let p = &self.state.pods[pod.0];
        let (ns, name) = (p.namespace.clone(), p.name.clone());
        self.record(
            now,
            &ns,
            format!("pod/{name}"),
            EventType::Warning,
            "FailedScheduling",
            message,
        );
        self.queue.add_unschedulable(pod, now.as_nanos(), plugins);
    }

    fn flush_unschedulable(&mut self, ctx: &mut Ctx<'_, Event>) {
        self.queue_timers.unschedulable_flush_pending = false;
        self.queue.flush_unschedulable(ctx.now().as_nanos());
        self.ensure_cycle(ctx);
    }

    fn sync(&mut self, ctx: &mut Ctx<'_, Event>, target: SyncTarget) {
        self.pending_syncs.remove(&target);
        if self.foreground_deleting(&target) {
            return;
        }
        let now = ctx.now();
        let effects = match &target {
            SyncTarget::Deployment(key) => controllers::deployment::sync(&self.state, key, now),
            SyncTarget::ReplicaSet(key) => controllers::replicaset::sync(&self.state, key, now),
            SyncTarget::DaemonSet(key) => controllers::daemonset::sync(&self.state, key, now),
            SyncTarget::StatefulSet(key) => controllers::statefulset::sync(&self.state, key, now),
            SyncTarget::Job(key) => controllers::job::sync(&self.state, key, now),
            SyncTarget::CronJob(key) => controllers::cronjob::sync(&self.state, key, now),
            SyncTarget::Hpa(key) => {
                self.sync_hpa(ctx, key);
                Vec::new()
            }
            SyncTarget::Rollout(key) => self.rollout_effects(key, now),
        };
        for effect in effects {
            self.apply(ctx, effect);
        }
    }

    /// Applies one controller effect.
    fn apply(&mut self, ctx: &mut Ctx<'_, Event>, effect: Effect) {
        let now = ctx.now();
        match effect {
            Effect::Event {
                namespace,
                object,
                event_type,
                reason,
                message,
            } => self.record(now, &namespace, object, event_type, reason, message),
            Effect::CreatePod { rs } => {
                let Some(set) = self.state.replicasets.get(&rs) else {
                    return;
                };
                if self.rs_create_stopped(&rs, now) {
                    return;
                }
                let name = loop {
                    let candidate = format!("{}-{}", rs.name, self.names_rng.name_suffix(5));
                    if !self
                        .state
                        .pod_index
                        .contains_key(&ObjKey::new(&rs.namespace, &candidate))
                    {
                        break candidate;
                    }
                };
                let template = set.spec.template.clone();
                let owner = OwnerRef {
                    kind: "replicaset".into(),
                    name: rs.name.clone(),
                };
                let meta = ObjectMeta {
                    namespace: rs.namespace.clone(),
                    name: name.clone(),
                    labels: template.labels.clone(),
                    annotations: template.annotations.clone(),
                };
                let spec = match self.admit(&rs.namespace, &template.spec) {
                    Ok(spec) => spec,
                    Err(reason) => {
                        self.rs_create_refused(ctx, &rs, &name, &reason);
                        return;
                    }
                };
                self.rs_create_succeeded(&rs);
                self.create_pod(ctx, meta, spec, Some(owner));
                self.record(
                    now,
                    &rs.namespace,
                    format!("replicaset/{}", rs.name),
                    EventType::Normal,
                    "SuccessfulCreate",
                    format!("Created pod: {name}"),
                );
            }
            Effect::CreateDaemonPods { ds, nodes } => self.create_daemon_pods(ctx, ds, nodes),
            Effect::DaemonSetStatus { key, status } => self.set_daemonset_status(&key, status, now),
            Effect::DeletePod { pod } => {
                let p = &self.state.pods[pod.0];
                let (ns, name, owner) = (p.namespace.clone(), p.name.clone(), p.owner.clone());
                self.delete_pod(ctx, pod, "Deleted");
                if let Some(owner) = owner {
                    self.record(
                        now,
                        &ns,
                        format!("{}/{}", owner.kind, owner.name),
                        EventType::Normal,
                        "SuccessfulDelete",
                        format!("Deleted pod: {name}"),
                    );
                }
            }
            Effect::CreateReplicaSet {
                key,
                deployment,
                owner_kind,
                labels,
                annotations,
                spec,
            } => {
                self.rs_seq += 1;
                let revision = annotations
                    .get(controllers::deployment::REVISION)
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(0);
                self.state.replicasets.insert(
                    key.clone(),
                    RsState {
                        key: key.clone(),
                        labels,
                        annotations,
                        owner: Some(deployment.clone()),
                        owner_kind,
                        spec,
                        created_seq: self.rs_seq,
                        created: now,
                        status: RsStatus::default(),
                        deleting: false,
                        pods: BTreeSet::new(),
                    },
                );
                if owner_kind == RsOwnerKind::Deployment {
                    self.start_rollout(&ObjKey::new(&key.namespace, &deployment), revision, now);
                }
                self.adopt_orphans(ctx, &key.namespace);
                self.enqueue_sync(ctx, SyncTarget::ReplicaSet(key));
            }
            Effect::UpdateReplicaSet {
                key,
                replicas,
                annotations,
            } => {
                let Some(rs) = self.state.replicasets.get_mut(&key) else {
                    return;
                };
                let old_revision = rs.revision();
                rs.spec.replicas = replicas;
                for (k, v) in annotations {
                    rs.annotations.insert(k, v);
                }
                let new_revision = rs.revision();
                let owner = rs.owner.clone();
                if new_revision > old_revision
                    && rs.owner_kind == RsOwnerKind::Deployment
                    && let Some(owner) = owner
                {
                    self.start_rollout(&ObjKey::new(&key.namespace, &owner), new_revision, now);
                }
                self.enqueue_sync(ctx, SyncTarget::ReplicaSet(key));
            }
            Effect::DeleteReplicaSet { key } => self.delete_replicaset(ctx, &key),
            Effect::CreateSetClaim { set, pod, claim } => {
                let name = claim.name.clone();
                let object = format!("statefulset/{}", set.name);
                match binding::add_storage_object(
                    &mut self.state.storage,
                    ApiObject::PersistentVolumeClaim(claim),
                ) {
                    Ok(_) => {
                        self.record(
                            now,
                            &set.namespace,
                            object,
                            EventType::Normal,
                            "SuccessfulCreate",
                            format!(
                                "create Claim {name} Pod {pod} in StatefulSet {} success",
                                set.name
                            ),
                        );
                        self.cluster_event(ctx, ClusterEvent::VolumeAdd);
                        self.provision_immediate_claims(ctx);
                    }
                    Err(error) => self.record(
                        now,
                        &set.namespace,
                        object,
                        EventType::Warning,
                        "FailedCreate",
                        format!(
                            "create Claim {name} for Pod {pod} in StatefulSet {} failed error: {error}",
                            set.name
                        ),
                    ),
                }
            }
            Effect::CreateSetPod { set, meta, spec } => {
                let name = meta.name.clone();
                let object = format!("statefulset/{}", set.name);
                match self.admit(&set.namespace, &spec) {
                    Ok(spec) => {
                        let owner = OwnerRef {
                            kind: "statefulset".into(),
                            name: set.name.clone(),
                        };
                        self.create_pod(ctx, meta, spec, Some(owner));
                        self.record(
                            now,
                            &set.namespace,
                            object,
                            EventType::Normal,
                            "SuccessfulCreate",
                            format!("create Pod {name} in StatefulSet {} successful", set.name),
                        );
                    }
                    Err(reason) => self.record(
                        now,
                        &set.namespace,
                        object,
                        EventType::Warning,
                        "FailedCreate",
                        format!(
                            "create Pod {name} in StatefulSet {} failed error: pods \"{name}\" is forbidden: {reason}",
                            set.name
                        ),
                    ),
                }
            }
            Effect::DeleteSetPod { set, pod } => {
                let name = self.state.pods[pod.0].name.clone();
                self.delete_pod(ctx, pod, "Deleted");
                self.record(
                    now,
                    &set.namespace,
                    format!("statefulset/{}", set.name),
                    EventType::Normal,
                    "SuccessfulDelete",
                    format!("delete Pod {name} in StatefulSet {} successful", set.name),
                );
            }
            Effect::DeleteClaim { namespace, name } => {
                Arc::make_mut(&mut self.state.storage).delete_claim(&namespace, &name);
            }
            Effect::StatefulSetStatus { key, update } => {
                if let Some(set) = self.state.statefulsets.get_mut(&key) {
                    apply_statefulset_update(set, *update, now);
                }
            }
            Effect::ReplicaSetStatus { key, status } => {
                let Some(rs) = self.state.replicasets.get_mut(&key) else {
                    return;
                };
                rs.status = status;
                if let Some(owner) = rs.owner_target() {
                    self.enqueue_sync(ctx, owner);
                }
            }
            Effect::DeploymentStatus { key, status } => {
                let Some(d) = self.state.deployments.get_mut(&key) else {
                    return;
                };
                let new_reason = status.progressing.as_ref().map(|c| c.reason.clone());
                let old_reason = d.status.progressing.as_ref().map(|c| c.reason.clone());
                d.status.replicas = status.replicas;
                d.status.updated = status.updated;
                d.status.ready = status.ready;
                d.status.available = status.available;
                d.status.unavailable = status.unavailable;
                d.status.progressing = status.progressing;
                d.status.available_condition = status.available_condition;
                d.status.observed_generation = d.generation;
                if new_reason != old_reason
                    && let Some(record) = d.rollouts.last_mut()
                {
                    match new_reason.as_deref() {
                        Some("NewReplicaSetAvailable") if record.outcome != "complete" => {
                            record.outcome = "complete";
                            record.end = Some(now);
                        }
                        Some("ProgressDeadlineExceeded") if record.outcome == "inProgress" => {
                            record.outcome = "progressDeadlineExceeded";
                            record.end = Some(now);
                        }
                        _ => {}
                    }
                }
            }
            effect @ (Effect::CreateJobPod { .. }
            | Effect::JobStatus { .. }
            | Effect::DeleteJob { .. }
            | Effect::CreateJob { .. }
            | Effect::CronJobStatus { .. }) => self.apply_batch(ctx, effect),
            effect @ (Effect::RolloutStatus { .. } | Effect::ServiceHash { .. }) => {
                self.apply_rollout(ctx, effect)
            }
            Effect::Requeue { target, at } => {
                let at = at.max(now);
                if self.timed_syncs.insert((target.clone(), at)) {
                    ctx.schedule_at(at, phase::CONTROLLER, Event::Sync(target));
                }
            }
        }
    }

    fn start_rollout(&mut self, deployment: &ObjKey, revision: i64, now: SimTime) {
        let Some(d) = self.state.deployments.get_mut(deployment) else {
            return;
        };
        if let Some(last) = d.rollouts.last_mut()
            && last.outcome == "inProgress"
        {
            last.outcome = "superseded";
            last.end = Some(now);
        }
        d.rollouts.push(RolloutRecord {
            revision,
            start: now,
            end: None,
            outcome: "inProgress",
        });
    }

    fn delete_replicaset(&mut self, ctx: &mut Ctx<'_, Event>, key: &ObjKey) {
        let Some(rs) = self.state.replicasets.remove(key) else {
            return;
        };
        let owner = rs.owner_target();
        for pod in rs.pods {
            self.delete_pod(ctx, pod, "Deleted");
        }
        if let Some(owner) = owner {
            self.enqueue_sync(ctx, owner);
        }
    }

    /// Creates or updates an object (`kubectl apply`).
    fn apply_object(&mut self, ctx: &mut Ctx<'_, Event>, object: ApiObject) {
        match object {
            ApiObject::Deployment(d) => self.upsert_deployment(ctx, d),
            ApiObject::DaemonSet(d) => self.upsert_daemonset(ctx, d),
            ApiObject::StatefulSet(set) => self.upsert_statefulset(ctx, set),
            ApiObject::Job(j) => self.upsert_job(ctx, j),
            ApiObject::CronJob(c) => self.upsert_cronjob(ctx, c),
            ApiObject::Rollout(r) => self.upsert_rollout(ctx, *r),
            ApiObject::AnalysisTemplate(t) => self.upsert_analysis_template(ctx, *t),
            ApiObject::ReplicaSet(r) => {
                let key = ObjKey::new(&r.meta.namespace, &r.meta.name);
                self.state.namespaces.insert(key.namespace.clone());
                match self.state.replicasets.get_mut(&key) {
                    Some(existing) => {
                        existing.spec = r.spec;
                        existing.labels = r.meta.labels;
                    }
                    None => {
                        self.rs_seq += 1;
                        self.state.replicasets.insert(
                            key.clone(),
                            RsState {
                                key: key.clone(),
                                labels: r.meta.labels,
                                annotations: r.meta.annotations,
                                owner: None,
                                owner_kind: RsOwnerKind::Deployment,
                                spec: r.spec,
                                created_seq: self.rs_seq,
                                created: ctx.now(),
                                status: RsStatus::default(),
                                deleting: false,
                                pods: BTreeSet::new(),
                            },
                        );
                    }
                }
                self.adopt_orphans(ctx, &key.namespace);
                self.enqueue_sync(ctx, SyncTarget::ReplicaSet(key));
            }
            ApiObject::Pod(PodObject { meta, spec, owner }) => {
                let key = ObjKey::new(&meta.namespace, &meta.name);
                if self.state.pod_index.contains_key(&key) {
                    self.notes.push(format!("Info: pod {}/{} already exists; apply of a running pod's spec is not simulated (pods are immutable)", meta.namespace, meta.name));
                    return;
                }
                self.state.namespaces.insert(meta.namespace.clone());
                match self.admit(&meta.namespace, &spec) {
                    Ok(spec) => {
                        self.create_pod(ctx, meta, spec, owner);
                    }
                    Err(reason) => self.notes.push(format!(
                        "Warning: pods \"{}\" is forbidden: {reason}",
                        meta.name
                    )),
                }
            }
            ApiObject::Service(service) => self.apply_service(ctx, service),
            ApiObject::Node(node) => {
                if self.state.node_index.contains_key(&node.name) {
                    self.notes.push(format!(
                        "Info: node {} already exists; updating nodes is not simulated",
                        node.name
                    ));
                    return;
                }
                self.add_node(node);
                self.cluster_event(ctx, ClusterEvent::NodeAdd);
                self.sync_daemonsets(ctx);
            }
            ApiObject::Namespace(name) => {
                self.state.namespaces.insert(name);
            }
            ApiObject::LimitRange(range) => self.apply_limit_range(range),
            ApiObject::ResourceQuota(quota) => self.apply_resource_quota(quota),
            ApiObject::HorizontalPodAutoscaler(hpa) => {
                let key = ObjKey::new(&hpa.meta.namespace, &hpa.meta.name);
                self.state.namespaces.insert(key.namespace.clone());
                let fresh = !self.hpas.contains_key(&key);
                let record = HpaRecord {
                    object: hpa,
                    created: ctx.now(),
                    desired_replicas: 0,
                    current_replicas: 0,
                    current_utilization: None,
                    recommendations: Vec::new(),
                    up_events: Vec::new(),
                    down_events: Vec::new(),
                };
                self.hpas.insert(key.clone(), record);
                if fresh {
                    ctx.schedule_in(0, phase::CONTROLLER, Event::Sync(SyncTarget::Hpa(key)));
                }
            }
            ApiObject::PodDisruptionBudget(pdb) => {
                let key = ObjKey::new(&pdb.meta.namespace, &pdb.meta.name);
                self.state.namespaces.insert(key.namespace.clone());
                self.state.pdbs.insert(key.clone(), pdb);
                self.budget_changed(key);
            }
            ApiObject::PriorityClass(class) => {
                if class.global_default {
                    for entry in self.priority_classes.values_mut() {
                        entry.1 = false;
                    }
                }
                self.priority_classes.insert(
                    class.name,
                    (class.value, class.global_default, class.preemption_policy),
                );
            }
            ApiObject::PersistentVolumeClaim(_)
            | ApiObject::PersistentVolume(_)
            | ApiObject::StorageClass(_) => {
                match binding::add_storage_object(&mut self.state.storage, object) {
                    Ok(bound) => {
                        for (claim, volume) in bound {
                            self.notes.push(format!(
                                "Info: PersistentVolumeClaim {claim} bound to PersistentVolume {volume}"
                            ));
                        }
                        self.cluster_event(ctx, ClusterEvent::VolumeAdd);
                        self.provision_immediate_claims(ctx);
                    }
                    Err(note) => self.notes.push(note),
                }
            }
        }
    }

    fn upsert_deployment(&mut self, ctx: &mut Ctx<'_, Event>, d: DeploymentObject) {
        let key = ObjKey::new(&d.meta.namespace, &d.meta.name);
        self.state.namespaces.insert(key.namespace.clone());
        match self.state.deployments.get_mut(&key) {
            Some(existing) => {
                if existing.spec != d.spec {
                    existing.generation += 1;
                }
                existing.spec = d.spec;
                existing.source = d.source;
                existing.labels = d.meta.labels;
            }
            None => {
                self.state.deployments.insert(
                    key.clone(),
                    DeploymentState {
                        key: key.clone(),
                        labels: d.meta.labels,
                        spec: d.spec,
                        source: d.source,
                        generation: 1,
                        status: DeploymentStatus::default(),
                        collision_count: 0,
                        rollouts: Vec::new(),
                        deleting: false,
                    },
                );
            }
        }
        self.enqueue_sync(ctx, SyncTarget::Deployment(key));
    }

    fn upsert_statefulset(&mut self, ctx: &mut Ctx<'_, Event>, set: StatefulSetObject) {
        let key = ObjKey::new(&set.meta.namespace, &set.meta.name);
        self.state.namespaces.insert(key.namespace.clone());
        match self.state.statefulsets.get_mut(&key) {
            Some(existing) => {
                if existing.spec != set.spec {
                    existing.generation += 1;
                }
                existing.spec = set.spec;
                existing.source = set.source;
                existing.labels = set.meta.labels;
            }
            None => {
                self.state.statefulsets.insert(
                    key.clone(),
                    StsState {
                        key: key.clone(),
                        labels: set.meta.labels,
                        spec: set.spec,
                        source: set.source,
                        generation: 1,
                        created: ctx.now(),
                        status: StsStatus::default(),
                        revisions: Vec::new(),
                        claims_owned_by_pods: BTreeMap::new(),
                        rollouts: Vec::new(),
                    },
                );
                self.adopt_orphans(ctx, &key.namespace);
            }
        }
        self.enqueue_sync(ctx, SyncTarget::StatefulSet(key));
    }

    /// Deletes a StatefulSet: its pods are garbage-collected, and its claims too under
    /// `whenDeleted: Delete`.
    fn delete_statefulset(&mut self, ctx: &mut Ctx<'_, Event>, key: &ObjKey) -> bool {
        let Some(set) = self.state.statefulsets.remove(key) else {
            return false;
        };
        for pod in self.state.statefulset_pods(key) {
            self.delete_pod(ctx, pod, "Deleted");
        }
        if set.spec.retention.delete_when_deleted {
            let claims = controllers::statefulset::claims_of_set(&self.state.storage, &set);
            let storage = Arc::make_mut(&mut self.state.storage);
            for claim in claims {
                storage.delete_claim(&key.namespace, &claim);
            }
        }
        true
    }

    fn run_action(&mut self, ctx: &mut Ctx<'_, Event>, index: usize) {
        if index == usize::MAX {
            for object in std::mem::take(&mut self.initial_objects) {
                self.apply_object(ctx, object);
            }
            return;
        }
        let TimedAction {
            namespace,
            action,
            label,
            ..
        } = self.timeline[index].clone();
        let now = ctx.now();
        self.note_disruption(now, None, label);
        match action {
            Action::Apply(object) => self.apply_object(ctx, *object),
            Action::Delete(target, propagation) => {
                let key = ObjKey::new(&namespace, &target.name);
                if propagation != PropagationPolicy::Background
                    && !["deployment", "replicaset"].contains(&target.kind.as_str())
                    && !gc::CASCADING_KINDS.contains(&target.kind.as_str())
                {
                    self.notes.push(format!("Info: propagationPolicy {propagation:?} is simulated for objects that own others (workloads, Jobs, CronJobs, Rollouts); {target} is deleted in the background"));
                }
                match target.kind.as_str() {
                    "deployment" => {
                        if !self.delete_deployment(ctx, &key, propagation) {
                            self.missing(now, &target.to_string(), &namespace);
                        }
                    }
                    "replicaset" => {
                        if !self.delete_replicaset_with(ctx, &key, propagation) {
                            self.missing(now, &target.to_string(), &namespace);
                        }
                    }
                    kind if gc::CASCADING_KINDS.contains(&kind) => {
                        if !self.delete_with_policy(ctx, kind, &key, propagation) {
                            self.missing(now, &target.to_string(), &namespace);
                        }
                    }
                    "pod" => match self.state.pod_index.get(&key).copied() {
                        Some(pod) => self.delete_pod(ctx, pod, "Deleted"),
                        None => self.missing(now, &target.to_string(), &namespace),
                    },
                    "service" => {
                        self.state.services.remove(&key);
                        self.endpoints.remove(&key);
                    }
                    "poddisruptionbudget" | "pdb" => {
                        if self.state.pdbs.remove(&key).is_none() {
                            self.missing(now, &target.to_string(), &namespace);
                        }
                        self.budget_reports.remove(&key);
                    }
                    kind @ ("limitrange" | "resourcequota") => {
                        if !self.delete_policy(kind, &key) {
                            self.missing(now, &target.to_string(), &namespace);
                        }
                    }
                    other => self.notes.push(format!(
                        "Info: delete of {other} objects is not simulated in this version"
                    )),
                }
            }
            Action::SetImage {
                target,
                container,
                image,
            } => {
                self.mutate_workload(ctx, &namespace, &target.kind, &target.name, |source| {
                    let containers = source
                        .pointer_mut("/spec/template/spec/containers")
                        .and_then(|c| c.as_array_mut())
                        .ok_or("the workload has no containers")?;
                    let chosen: Vec<&mut serde_json::Value> = match &container {
                        Some(name) => containers
                            .iter_mut()
                            .filter(|c| {
                                c.get("name").and_then(|n| n.as_str()) == Some(name.as_str())
                            })
                            .collect(),
                        None if containers.len() == 1 => containers.iter_mut().collect(),
                        None => {
                            return Err("container must be given: the pod has several containers");
                        }
                    };
                    if chosen.is_empty() {
                        return Err("no container of that name");
                    }
                    for c in chosen {
                        c["image"] = serde_json::Value::String(image.clone());
                    }
                    Ok(())
                });
            }
            Action::Scale { target, replicas } => {
                self.mutate_workload(ctx, &namespace, &target.kind, &target.name, |source| {
                    source["spec"]["replicas"] = serde_json::json!(replicas);
                    Ok(())
                });
            }
            Action::Patch { target, patch } => {
                self.mutate_workload(ctx, &namespace, &target.kind, &target.name, |source| {
                    merge_patch(source, &patch);
                    Ok(())
                });
            }
            Action::RolloutPause(target) | Action::RolloutResume(target) => {
                let pause = matches!(self.timeline[index].action, Action::RolloutPause(_));
                let changed =
                    self.mutate_workload(ctx, &namespace, &target.kind, &target.name, |source| {
                        source["spec"]["paused"] = serde_json::Value::Bool(pause);
                        Ok(())
                    });
                if changed {
                    let (reason, message) = match (target.kind.as_str(), pause) {
                        ("rollout", true) => ("RolloutPaused", "Rollout is paused"),
                        ("rollout", false) => ("RolloutResumed", "Rollout is resumed"),
                        (_, true) => ("DeploymentPaused", "Deployment is paused"),
                        (_, false) => ("DeploymentResumed", "Deployment is resumed"),
                    };
                    self.record(
                        now,
                        &namespace,
                        target.to_string(),
                        EventType::Normal,
                        reason,
                        message.to_string(),
                    );
                    let key = ObjKey::new(&namespace, &target.name);
                    if let Some(d) = self.state.deployments.get_mut(&key) {
                        d.status.progressing = Some(Condition {
                            status: "Unknown",
                            reason: reason.into(),
                            message: message.into(),
                            last_update: now,
                            last_transition: now,
                        });
                    }
                }
            }
            Action::RolloutUndo {
                target,
                to_revision,
            } => {
                if target.kind == "deployment" {
                    self.rollout_undo(ctx, &namespace, &target.name, to_revision);
                } else {
                    self.rollout_undo_history(
                        ctx,
                        &namespace,
                        &target.kind,
                        &target.name,
                        to_revision,
                    );
                }
            }
            Action::Cordon(node) | Action::Uncordon(node) => {
                let cordon = matches!(self.timeline[index].action, Action::Cordon(_));
                if self.set_unschedulable(ctx, &node, cordon).is_none() {
                    self.missing(now, &format!("node/{node}"), "");
                }
            }
            Action::KillPod {
                target,
                selector,
                exit_code,
                container,
            } => {
                let pods: Vec<PodId> = match (&target, &selector) {
                    (Some(t), _) => {
                        match self.state.pod_index.get(&ObjKey::new(&namespace, &t.name)) {
                            Some(id) => vec![*id],
                            None => {
                                self.missing(now, &t.to_string(), &namespace);
                                Vec::new()
                            }
                        }
                    }
                    (None, Some(sel)) => self
                        .state
                        .pod_index
                        .iter()
                        .filter(|(key, id)| {
                            key.namespace == namespace
                                && sel
                                    .iter()
                                    .all(|(k, v)| self.state.pods[id.0].labels.get(k) == Some(v))
                        })
                        .map(|(_, id)| *id)
                        .collect(),
                    (None, None) => Vec::new(),
                };
                for pod in pods {
                    self.kill_containers(ctx, pod, container.as_deref(), exit_code);
                }
            }
            Action::ForceDeletePod(target) => {
                match self
                    .state
                    .pod_index
                    .get(&ObjKey::new(&namespace, &target.name))
                    .copied()
                {
                    Some(pod) => {
                        self.delete_pod_with_grace(ctx, pod, "Deleted", Some(0));
                        self.pod_gone(ctx, pod);
                    }
                    None => self.missing(now, &target.to_string(), &namespace),
                }
            }
            Action::SwitchService { target, selector } => {
                let key = ObjKey::new(&namespace, &target.name);
                match self.state.services.get(&key) {
                    Some(service) => {
                        let mut updated = service.clone();
                        updated.selector = Some(selector);
                        self.apply_object(ctx, ApiObject::Service(updated));
                    }
                    None => self.missing(now, &target.to_string(), &namespace),
                }
            }
            Action::Drain {
                node,
                timeout_ns,
                grace_period_s,
            } => match self.set_unschedulable(ctx, &node, true) {
                Some(id) => {
                    self.drains.insert(
                        index,
                        DrainState {
                            node: id,
                            deadline: timeout_ns.map(|t| now.plus_nanos(t)),
                            grace_period_s,
                            refused: BTreeSet::new(),
                            evicted: 0,
                        },
                    );
                    self.drain_step(ctx, index);
                }
                None => self.missing(now, &format!("node/{node}"), ""),
            },
            Action::SetTraffic(traffic) => {
                let key = ObjKey::new(&traffic.namespace, &traffic.service);
                let generation = self.traffic.get(&key).map_or(0, |t| t.generation + 1);
                let entry = ServiceTraffic {
                    rps: traffic.demand.at(now.as_nanos()),
                    spec: (*traffic).clone(),
                    generation,
                    min_serving: self.quorum.get(&key).copied().unwrap_or(1),
                };
                self.traffic.insert(key.clone(), entry);
                self.traffic_changed(ctx, key);
            }
            Action::NodeFault(fault, node) => match self.state.node_index.get(&node).copied() {
                Some(id) if self.state.nodes[id.0].exists => {
                    let kind = match fault {
                        NodeFaultAction::Fail => "failNode",
                        NodeFaultAction::Recover => "recoverNode",
                        NodeFaultAction::Partition => "partitionNode",
                        NodeFaultAction::Heal => "healPartition",
                    };
                    self.node_fault_action(ctx, fault, vec![id], kind, format!("node/{node}"));
                }
                _ => self.missing(now, &format!("node/{node}"), ""),
            },
            Action::ZoneFault(fault, zone) => {
                let nodes = self.zone_nodes(&zone);
                let kind = if fault == NodeFaultAction::Fail {
                    self.failed_zones.insert(zone.clone());
                    "failZone"
                } else {
                    self.failed_zones.remove(&zone);
                    "recoverZone"
                };
                self.node_fault_action(ctx, fault, nodes, kind, format!("zone/{zone}"));
            }
            Action::DeleteNode(node) => match self.state.node_index.get(&node).copied() {
                Some(id) if self.state.nodes[id.0].exists => self.delete_node(ctx, id),
                _ => self.missing(now, &format!("node/{node}"), ""),
            },
            Action::AddNodes { pool, count } => self.add_nodes(ctx, &pool, count),
            Action::Promote(target) => self.promote_rollout(ctx, &namespace, &target.name),
            Action::Abort(target) => self.abort_rollout(ctx, &namespace, &target.name),
            Action::NotSimulated(_) => {}
        }
    }

    /// `killPod`: the running app containers of `pod` (only `container` when named) exit with
    /// `exit_code` now; the kubelet takes it from there (restart policy, back-off).
    fn kill_containers(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        pod: PodId,
        container: Option<&str>,
        exit_code: i64,
    ) {
        let p = &self.state.pods[pod.0];
        if p.gone.is_some() || p.deletion.is_some() {
            return;
        }
        let inits = p.spec.init_containers.len();
        let mut killed = 0;
        for (app, c) in p.spec.containers.iter().enumerate() {
            if container.is_some_and(|name| name != c.name)
                || !p.container_running.get(app).copied().unwrap_or(false)
            {
                continue;
            }
            ctx.schedule_in(
                0,
                phase::KUBELET,
                Event::Kubelet {
                    pod,
                    generation: p.kubelet_generation,
                    step: KubeletStep::Exited {
                        index: inits + app,
                        code: exit_code,
                        incarnation: p.container_restarts[app],
                    },
                },
            );
            killed += 1;
        }
        if killed == 0 {
            let (ns, name) = (p.namespace.clone(), p.name.clone());
            self.notes.push(format!(
                "Info: killPod at {}: pod {ns}/{name} has no running container{} to kill",
                ctx.now(),
                container.map(|c| format!(" named {c}")).unwrap_or_default()
            ));
        }
    }

    /// Cordons (`true`) or uncordons a node, with the node's event; `None` when it does not
    /// exist.
    fn set_unschedulable(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        node: &str,
        cordon: bool,
    ) -> Option<NodeId> {
        let id = self.state.node_index.get(node).copied()?;
        let now = ctx.now();
        if self.state.nodes[id.0].node.unschedulable != cordon {
            let mut updated = (*self.state.nodes[id.0].node).clone();
            updated.unschedulable = cordon;
            let updated = Arc::new(updated);
            self.state.nodes[id.0].node = updated.clone();
            self.node_infos[id.0].node = updated;
            let reason = if cordon {
                "NodeNotSchedulable"
            } else {
                "NodeSchedulable"
            };
            self.record(
                now,
                "",
                format!("node/{node}"),
                EventType::Normal,
                reason,
                format!("Node {node} status is now: {reason}"),
            );
            if !cordon {
                self.cluster_event(ctx, ClusterEvent::NodeSchedulable);
            }
        }
        Some(id)
    }

    /// One pass of a `drain`: every pod of the node that is not being deleted, not a DaemonSet
    /// pod, goes through the eviction API; refused ones are retried in 5 s until the timeout.
    fn drain_step(&mut self, ctx: &mut Ctx<'_, Event>, index: usize) {
        let now = ctx.now();
        let Some(drain) = self.drains.get(&index) else {
            return;
        };
        let (node, grace) = (drain.node, drain.grace_period_s);
        let node_name = self.state.nodes[node.0].node.name.clone();
        let candidates: Vec<PodId> = self.state.nodes[node.0]
            .pods
            .iter()
            .copied()
            .filter(|&p| {
                let pod = &self.state.pods[p.0];
                pod.gone.is_none()
                    && pod.deletion.is_none()
                    && pod.owner.as_ref().is_none_or(|o| o.kind != "daemonset")
            })
            .collect();
        let mut refused = Vec::new();
        for pod in candidates {
            match self.evict(pod, now) {
                Ok(()) => {
                    self.delete_pod_with_grace(ctx, pod, "Evicted", grace);
                    if let Some(d) = self.drains.get_mut(&index) {
                        d.evicted += 1;
                    }
                }
                Err(message) => refused.push((pod, message)),
            }
        }
        let Some(drain) = self.drains.get_mut(&index) else {
            return;
        };
        let mut notes = Vec::new();
        for (pod, message) in &refused {
            if drain.refused.insert(*pod) {
                let p = &self.state.pods[pod.0];
                // kubectl drain's line for a 429 from the eviction API (then it retries).
                notes.push(format!(
                    "Info: drain node/{node_name}: error when evicting pods/\"{}\" -n \"{}\" (will retry after 5s): {message}",
                    p.name, p.namespace
                ));
            }
        }
        if refused.is_empty() {
            let ms = now.as_millis();
            notes.push(format!(
                "Info: drain node/{node_name}: {} pod(s) evicted by t={}.{:03}s",
                drain.evicted,
                ms / 1000,
                ms % 1000
            ));
            self.drains.remove(&index);
        } else if drain
            .deadline
            .is_some_and(|d| now.plus_nanos(DRAIN_RETRY_NS) > d)
        {
            notes.push(format!(
                "Warning: drain node/{node_name}: timed out with {} pod(s) left whose eviction the PodDisruptionBudgets refuse",
                refused.len()
            ));
            self.drains.remove(&index);
        } else {
            ctx.schedule_in(DRAIN_RETRY_NS, phase::DRIVER, Event::DrainRetry(index));
        }
        self.notes.extend(notes);
    }

    /// The eviction API (`pods/eviction`) for one pod at `now`: `Ok` when it may go (the
    /// budget it uses is charged), `Err` with the API's message when a PodDisruptionBudget
    /// refuses.
    fn evict(&mut self, pod: PodId, now: SimTime) -> Result<(), &'static str> {
        let p = &self.state.pods[pod.0];
        let exempt = p.deletion.is_some()
            || matches!(
                p.phase,
                PodPhase::Pending | PodPhase::Succeeded | PodPhase::Failed
            );
        let covering: Vec<ObjKey> = self
            .state
            .pdbs
            .iter()
            .filter(|(key, pdb)| {
                key.namespace == p.namespace
                    && pdb
                        .selector
                        .as_ref()
                        .is_some_and(|s| !s.is_empty() && s.matches(&p.labels))
            })
            .map(|(key, _)| key.clone())
            .collect();
        let budgets: Vec<EvictionBudget> = covering
            .iter()
            .map(|key| {
                let pdb = &self.state.pdbs[key];
                let unconfirmed = self.state.pdb_disrupted.get(key).map_or(0, |d| {
                    d.values()
                        .filter(|at| at.plus_nanos(DELETION_TIMEOUT_NS) > now)
                        .count()
                });
                EvictionBudget {
                    status: super::lister::budget_status(&self.state, key, now),
                    policy: if pdb.always_allow_unhealthy {
                        UnhealthyPodEvictionPolicy::AlwaysAllow
                    } else {
                        UnhealthyPodEvictionPolicy::IfHealthyBudget
                    },
                    observed: true,
                    unconfirmed_evictions: unconfirmed,
                }
            })
            .collect();
        match eviction_decision(exempt, p.ready, &budgets) {
            EvictionDecision::AllowWithoutBudget => Ok(()),
            EvictionDecision::AllowAndDecrement => {
                let name = p.name.clone();
                if let Some(key) = covering.first() {
                    self.state
                        .pdb_disrupted
                        .entry(key.clone())
                        .or_default()
                        .insert(name, now);
                }
                Ok(())
            }
            EvictionDecision::Deny if covering.len() > 1 => Err(
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
            ),
            EvictionDecision::Deny => {
                Err("Cannot evict pod as it would violate the pod's disruption budget.")
            }
        }
    }

    fn missing(&mut self, now: SimTime, what: &str, namespace: &str) {
        self.notes.push(format!("Warning: at {} the timeline names {what} (namespace \"{namespace}\"), which does not exist; the action was skipped", now));
    }

    /// Edits a workload's JSON form, re-validates it and applies it. Returns whether it applied.
    fn mutate_workload(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        namespace: &str,
        kind: &str,
        name: &str,
        edit: impl FnOnce(&mut serde_json::Value) -> Result<(), &'static str>,
    ) -> bool {
        let now = ctx.now();
        let key = ObjKey::new(namespace, name);
        match kind {
            "deployment" => {
                let source = self.state.deployments.get(&key).map(|d| d.source.clone());
                self.edit_source(ctx, kind, &key, source, edit, |v, notes| {
                    manifests::deployment_from_json(v, notes).map(ApiObject::Deployment)
                })
            }
            "replicaset" => {
                let Some(rs) = self.state.replicasets.get_mut(&key) else {
                    self.missing(now, &format!("replicaset/{name}"), namespace);
                    return false;
                };
                let mut source = serde_json::json!({"spec": {"replicas": rs.spec.replicas}});
                if edit(&mut source).is_err() {
                    return false;
                }
                if let Some(replicas) = source.pointer("/spec/replicas").and_then(|r| r.as_i64()) {
                    rs.spec.replicas = replicas.max(0);
                }
                self.enqueue_sync(ctx, SyncTarget::ReplicaSet(key));
                true
            }
            "statefulset" => {
                let source = self.state.statefulsets.get(&key).map(|s| s.source.clone());
                self.edit_source(ctx, kind, &key, source, edit, |v, notes| {
                    manifests::stateful_set_from_json(v, notes).map(ApiObject::StatefulSet)
                })
            }
            "daemonset" => {
                let source = self.state.daemonsets.get(&key).map(|d| d.source.clone());
                self.edit_source(ctx, kind, &key, source, edit, |v, notes| {
                    manifests::daemon_set_from_json(v, notes).map(ApiObject::DaemonSet)
                })
            }
            "rollout" => {
                let source = self
                    .state
                    .argo_rollouts
                    .get(&key)
                    .map(|r| r.object.source.clone());
                self.edit_source(ctx, kind, &key, source, edit, |v, notes| {
                    manifests::rollout_from_json(v, notes).map(|r| ApiObject::Rollout(Box::new(r)))
                })
            }
            other => {
                self.notes.push(format!("Info: changing {other} objects from the timeline is not simulated in this version"));
                false
            }
        }
    }

    /// `setImage`, `patch` or `scale` on a workload kept as JSON (`source`, `None` when the
    /// object does not exist): `edit` a copy, validate it again as the apiserver would
    /// (`convert`), and apply the result like a manifest.
    fn edit_source(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        kind: &str,
        key: &ObjKey,
        source: Option<serde_json::Value>,
        edit: impl FnOnce(&mut serde_json::Value) -> Result<(), &'static str>,
        convert: impl FnOnce(&serde_json::Value, &mut Notes) -> Result<ApiObject, String>,
    ) -> bool {
        let now = ctx.now();
        let name = &key.name;
        let Some(mut source) = source else {
            self.missing(now, &format!("{kind}/{name}"), &key.namespace);
            return false;
        };
        if let Err(message) = edit(&mut source) {
            self.notes.push(format!(
                "Warning: at {now} {kind}/{name}: {message}; the action was skipped"
            ));
            return false;
        }
        match convert(&source, &mut Notes::default()) {
            Ok(object) => {
                self.apply_object(ctx, object);
                true
            }
            Err(message) => {
                self.notes.push(format!(
                    "Warning: at {now} the change to {kind}/{name} was rejected: {message}"
                ));
                false
            }
        }
    }

    /// `kubectl rollout undo`: copy the template of the chosen revision into the Deployment.
    fn rollout_undo(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        namespace: &str,
        name: &str,
        to_revision: Option<i64>,
    ) {
        let now = ctx.now();
        let key = ObjKey::new(namespace, name);
        let Some(d) = self.state.deployments.get(&key) else {
            self.missing(now, &format!("deployment/{name}"), namespace);
            return;
        };
        let sets = self.state.replicasets_of(&key);
        let mut revisions: Vec<(i64, &RsState)> =
            sets.iter().map(|rs| (rs.revision(), *rs)).collect();
        revisions.sort_by_key(|(r, _)| Reverse(*r));
        let current = revisions
            .iter()
            .find(|(_, rs)| rs.spec.template.canonical == d.spec.template.canonical)
            .map(|(r, _)| *r);
        let chosen = match to_revision {
            Some(revision) => revisions.iter().find(|(r, _)| *r == revision),
            None => revisions.iter().find(|(r, _)| Some(*r) != current),
        };
        let Some((revision, rs)) = chosen.copied() else {
            let what = to_revision.map_or("a previous revision".to_string(), |r| {
                format!("revision {r}")
            });
            self.notes.push(format!("Warning: at {now} rollout undo of deployment/{name}: unable to find {what}; skipped"));
            return;
        };
        let template_json: serde_json::Value =
            serde_json::from_str(&rs.spec.template.canonical).unwrap_or(serde_json::Value::Null);
        let mut source = d.source.clone();
        source["spec"]["template"] = template_json;
        if let Some(labels) = source
            .pointer_mut("/spec/template/metadata/labels")
            .and_then(|l| l.as_object_mut())
        {
            labels.remove("pod-template-hash");
        }
        let mut notes = Notes::default();
        match manifests::deployment_from_json(&source, &mut notes) {
            Ok(object) => {
                self.record(
                    now,
                    namespace,
                    format!("deployment/{name}"),
                    EventType::Normal,
                    "DeploymentRollback",
                    format!("Rolled back deployment \"{name}\" to revision {revision}"),
                );
                self.upsert_deployment(ctx, object);
            }
            Err(message) => self.notes.push(format!(
                "Warning: at {now} rollout undo of deployment/{name} failed: {message}"
            )),
        }
    }

    /// One HPA sync: rescale its Deployment when the desired count changes, then re-arm.
    fn sync_hpa(&mut self, ctx: &mut Ctx<'_, Event>, key: &ObjKey) {
        let now = ctx.now();
        let Some(mut record) = self.hpas.remove(key) else {
            return;
        };
        let rescale = {
            let cpu = |pod: PodId| self.pod_cpu_usage_millis(pod);
            let memory = |pod: PodId| {
                kubelet::memory_usage_bytes(&self.state.pods[pod.0], &self.images, now)
            };
            controllers::hpa::sync(&self.state, &mut record, &cpu, &memory, now)
        };
        let target = record.object.target.clone();
        self.hpas.insert(key.clone(), record);
        if let Some(rescale) = rescale {
            let replicas = rescale.replicas;
            let scaled =
                self.mutate_workload(ctx, &key.namespace, &target.kind, &target.name, |source| {
                    source["spec"]["replicas"] = serde_json::json!(replicas);
                    Ok(())
                });
            if scaled {
                self.record(
                    now,
                    &key.namespace,
                    format!("horizontalpodautoscaler/{}", key.name),
                    EventType::Normal,
                    "SuccessfulRescale",
                    format!("New size: {replicas}; reason: {}", rescale.reason),
                );
            }
        }
        ctx.schedule_in(
            controllers::hpa_math::DEFAULT_SYNC_PERIOD_NS,
            phase::CONTROLLER,
            Event::Sync(SyncTarget::Hpa(key.clone())),
        );
    }

    /// The demand on `service` took a new value: arm its next change.
    fn traffic_changed(&mut self, ctx: &mut Ctx<'_, Event>, service: ObjKey) {
        let Some(t) = self.traffic.get(&service) else {
            return;
        };
        if let Some(at) = t.spec.demand.next_change_after(ctx.now().as_nanos()) {
            let generation = t.generation;
            ctx.schedule_at(
                SimTime(at),
                phase::DRIVER,
                Event::Traffic {
                    service,
                    generation,
                },
            );
        }
    }

    /// The endpoint counts of each traffic group of Service `key` (one group without a split).
    fn endpoint_groups(&self, key: &ObjKey, traffic: &ServiceTraffic) -> Vec<EndpointCounts> {
        let Some(endpoints) = self.endpoints.get(key) else {
            return Vec::new();
        };
        if traffic.spec.split.is_empty() {
            return vec![EndpointCounts::from(endpoints)];
        }
        let mut groups = vec![EndpointCounts::default(); traffic.spec.split.len() + 1];
        for &pod in &endpoints.proxied {
            let serving = self.serving[pod.0];
            let p = &self.state.pods[pod.0];
            let g = &mut groups[traffic.group_of(&p.labels)];
            g.ready += 1;
            if serving.answering {
                g.app_ready += 1;
                if serving.bad {
                    g.bad_app_ready += 1;
                }
            }
        }
        groups
    }

    /// Requests/s demanded, served and served badly by Service `key` now (`None` without
    /// traffic).
    pub fn service_load(&self, key: &ObjKey) -> Option<ServiceLoad> {
        let traffic = self.traffic.get(key)?;
        let groups = self.endpoint_groups(key, traffic);
        if groups.is_empty() {
            return Some(traffic.load(&ServiceEndpoints::default()));
        }
        Some(traffic.load_groups(&groups).0)
    }

    /// CPU (millicores) `pod` uses now: the sum over the Services with traffic selecting it.
    pub fn pod_cpu_usage_millis(&self, pod: PodId) -> f64 {
        let p = &self.state.pods[pod.0];
        let running = p.phase == PodPhase::Running && p.gone.is_none();
        let answering = self.serving.get(pod.0).is_some_and(|s| s.answering);
        self.traffic
            .iter()
            .filter_map(|(key, t)| {
                let endpoints = self.endpoints.get(key)?;
                if !endpoints.pods.contains(&pod) {
                    return None;
                }
                let groups = self.endpoint_groups(key, t);
                let group = if t.spec.split.is_empty() {
                    0
                } else {
                    t.group_of(&p.labels)
                };
                Some(t.pod_cpu_millis(&groups, group, running, answering))
            })
            .sum()
    }
}

/// Writes a StatefulSet sync's result: status, revisions, claim bookkeeping, and the rollout
/// record of the update revision (started when the revision is new, completed when the
/// controller says so).
fn apply_statefulset_update(set: &mut StsState, update: StatefulSetUpdate, now: SimTime) {
    let number = update
        .revisions
        .iter()
        .find(|r| r.name == update.status.update_revision)
        .map_or(0, |r| r.number);
    if set.rollouts.last().is_none_or(|r| r.revision != number) {
        if let Some(last) = set.rollouts.last_mut()
            && last.outcome == "inProgress"
        {
            last.outcome = "superseded";
            last.end = Some(now);
        }
        set.rollouts.push(RolloutRecord {
            revision: number,
            start: now,
            end: None,
            outcome: "inProgress",
        });
    }
    if update.rollout_complete
        && let Some(last) = set.rollouts.last_mut()
        && last.outcome == "inProgress"
    {
        last.outcome = "complete";
        last.end = Some(now);
    }
    set.status = update.status;
    set.revisions = update.revisions;
    set.claims_owned_by_pods = update.claims_owned_by_pods;
}

/// Strategic-merge-style patch: objects merge key by key; lists of objects that all carry a
/// `name` merge element by name; anything else replaces. `null` deletes a key.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    use serde_json::Value;
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (key, value) in p {
                if value.is_null() {
                    t.remove(key);
                    continue;
                }
                match t.get_mut(key) {
                    Some(existing) => merge_patch(existing, value),
                    None => {
                        t.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(t), Value::Array(p))
            if p.iter().all(|v| v.get("name").is_some())
                && t.iter().all(|v| v.get("name").is_some()) =>
        {
            for item in p {
                let name = item.get("name").cloned();
                match t
                    .iter_mut()
                    .find(|existing| existing.get("name") == name.as_ref())
                {
                    Some(existing) => merge_patch(existing, item),
                    None => t.push(item.clone()),
                }
            }
        }
        (Value::String(t), Value::Number(n)) => *t = n.to_string(),
        (t, p) => *t = p.clone(),
    }
}

impl Model for World {
    type Event = Event;

    fn handle(&mut self, ctx: &mut Ctx<'_, Event>, event: Event) {
        match event {
            Event::Timeline(index) => self.run_action(ctx, index),
            Event::Sync(target) => {
                self.timed_syncs.remove(&(target.clone(), ctx.now()));
                self.sync(ctx, target);
            }
            Event::ScheduleOne => self.schedule_one(ctx),
            Event::FlushBackoff => {
                if self.queue_timers.backoff_flush_at == Some(ctx.now()) {
                    self.queue_timers.backoff_flush_at = None;
                }
                self.queue.flush_backoff(ctx.now().as_nanos());
                self.ensure_cycle(ctx);
            }
            Event::Bind { pod, node } => {
                if self.state.pods[pod.0].gone.is_none()
                    && self.state.pods[pod.0].deletion.is_none()
                {
                    self.complete_binding(ctx, pod, node, true);
                } else {
                    let p = &self.state.pods[pod.0];
                    let info = PodInfo::new(&p.namespace, &p.name, &p.labels, &p.spec, p.uid);
                    self.scheduler.forget(&info);
                    self.pre_bind_done(ctx.now(), pod);
                }
            }
            Event::AttachDetach {
                volume,
                node,
                epoch,
            } => self.attach_detach_timer(ctx, volume, node, epoch),
            Event::Provisioned { namespace, claim } => {
                self.finish_immediate_provisioning(ctx, namespace, claim)
            }
            Event::FlushUnschedulable => self.flush_unschedulable(ctx),
            Event::DrainRetry(index) => self.drain_step(ctx, index),
            Event::Traffic {
                service,
                generation,
            } => {
                let now = ctx.now().as_nanos();
                if let Some(t) = self.traffic.get_mut(&service)
                    && t.generation == generation
                {
                    t.rps = t.spec.demand.at(now);
                    self.traffic_changed(ctx, service);
                }
            }
            Event::Endpoints {
                pod,
                ready,
                published,
            } => self.learn(pod, super::endpoints::EndpointView { ready, published }),
            Event::Kubelet {
                pod,
                generation,
                step,
            } => {
                if self.state.pods[pod.0].kubelet_generation != generation
                    || self.state.pods[pod.0].gone.is_some()
                {
                    return;
                }
                let Some(node) = self.state.pods[pod.0].node else {
                    if step == KubeletStep::Stopped {
                        self.pod_gone(ctx, pod);
                    }
                    return;
                };
                let connected = self.kubelet_connected(node);
                if step == KubeletStep::Stopped {
                    // A disconnected kubelet cannot confirm the deletion; it kills the pod again
                    // when it is back.
                    if connected {
                        self.pod_gone(ctx, pod);
                    }
                    return;
                }
                let now = ctx.now();
                // While the kubelet cannot reach the API, the pod's Ready condition there stays
                // as it was (the kubelet's own view goes on).
                let api_ready = (
                    self.state.pods[pod.0].ready,
                    self.state.pods[pod.0].ready_since,
                );
                let out = {
                    let (pods, nodes) = (&mut self.state.pods, &mut self.state.nodes);
                    kubelet::on_step(
                        &mut pods[pod.0],
                        &mut nodes[node.0],
                        &self.images,
                        &mut self.kubelet_rng,
                        now,
                        step,
                    )
                };
                if !connected {
                    let p = &mut self.state.pods[pod.0];
                    (p.ready, p.ready_since) = api_ready;
                }
                self.crash_after_start(ctx, pod, step, &out);
                self.apply_kubelet(ctx, pod, out);
            }
            Event::NodeMonitor => self.node_monitor(ctx),
            Event::NodeTaintPass => self.node_taint_pass(ctx),
            Event::NodeStatusPost { node, epoch } => self.node_status_post(ctx, node, epoch),
            Event::TaintEviction { pod } => self.taint_eviction(ctx, pod),
            Event::RandomFault { process } => self.random_fault(ctx, process),
        }
        self.sync_budgets(ctx.now());
        self.refresh_serving(ctx);
    }

    fn after_event(&mut self, now: SimTime) {
        if self.check_invariants && self.violation.is_none() {
            // Every event: the pods it touched and their nodes; every 1,024 events: everything.
            self.events_handled += 1;
            let full = self.events_handled.is_multiple_of(1024);
            self.violation = crate::check::invariants(self, now, full).err();
        }
    }
}
