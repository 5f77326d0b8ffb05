//! The closed set of simulation events. Each variant names who schedules it and who handles it.

use super::effects::SyncTarget;
use super::state::{NodeId, PodId};

/// Kubelet steps for one pod, in the order they usually happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KubeletStep {
    /// kubelet → kubelet: the image pull of container `index` finished (or failed).
    PullDone(usize),
    /// kubelet → kubelet: the pull back-off of container `index` expired; pull again.
    PullRetry(usize),
    /// kubelet → kubelet: container `index` started.
    Started(usize),
    /// kubelet → kubelet: app container `app` passed readiness (its `incarnation`-th run).
    ContainerReady {
        /// App container index.
        app: usize,
        /// Restart count of the container when the timer was set (older ones are stale).
        incarnation: u32,
    },
    /// kubelet → kubelet: the application of container `app` answers requests (it may lag Ready
    /// when there is no readiness probe).
    AppAnswering {
        /// App container index.
        app: usize,
        /// Restart count when the timer was set.
        incarnation: u32,
    },
    /// kubelet → kubelet: the application of `app` hangs (`hangAfter`): it stops answering
    /// requests; the probes notice later.
    AppHung {
        /// App container index.
        app: usize,
        /// Restart count when the timer was set.
        incarnation: u32,
    },
    /// kubelet → kubelet: the readiness probe of `app` failed `failureThreshold` times (hung app).
    Unready {
        /// App container index.
        app: usize,
        /// Restart count when the timer was set.
        incarnation: u32,
    },
    /// kubelet → kubelet: a liveness (or startup) probe failed `failureThreshold` times; the
    /// container is killed and restarted per the restart policy.
    ProbeKill {
        /// Container index (init containers first).
        index: usize,
        /// Restart count when the timer was set.
        incarnation: u32,
        /// True for the liveness probe, false for the startup probe.
        liveness: bool,
    },
    /// kubelet → kubelet: container `index` exited with `code`.
    Exited {
        /// Container index (init containers first).
        index: usize,
        /// Exit code.
        code: i64,
        /// Restart count when the timer was set.
        incarnation: u32,
    },
    /// kubelet → kubelet: app container `index` used more memory than its limit (image memory
    /// model): the OOM killer ends it with exit code 137, reason `OOMKilled`.
    OomKilled {
        /// Container index (init containers first).
        index: usize,
        /// Restart count when the timer was set.
        incarnation: u32,
    },
    /// kubelet → kubelet: a terminating pod's preStop hooks finished; SIGTERM stops the app
    /// answering requests.
    SigTerm,
    /// kubelet → kubelet: the crash-loop back-off of container `index` expired; restart it.
    Restart(usize),
    /// kubelet → world: graceful termination finished; the pod object goes away.
    Stopped,
}

/// One simulation event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Event {
    /// scenario timeline → world: run action `index` of the timeline.
    Timeline(usize),
    /// world → controller: reconcile this object.
    Sync(SyncTarget),
    /// world → scheduler: run one scheduling cycle.
    ScheduleOne,
    /// scheduler → scheduler: back-offs expired; those pods move to the active queue.
    FlushBackoff,
    /// scheduler → world: a binding decided earlier lands (with a binding latency).
    Bind {
        /// The pod.
        pod: PodId,
        /// Its node.
        node: NodeId,
    },
    /// scheduler → scheduler: periodic flush of pods unschedulable for more than 5 minutes.
    FlushUnschedulable,
    /// timeline → world: the `drain` of timeline action `index` tries its refused evictions
    /// again (kubectl retries every 5 s).
    DrainRetry(usize),
    /// traffic → world: the demand on a Service changes now (one pending per Service).
    Traffic {
        /// The Service.
        service: super::state::ObjKey,
        /// The demand's generation when scheduled (an older one is stale).
        generation: u32,
    },
    /// node lifecycle controller → itself: a monitor tick (`monitorNodeHealth`).
    NodeMonitor,
    /// node lifecycle controller → itself: a NoExecute tainting pass.
    NodeTaintPass,
    /// kubelet → node lifecycle controller: the node's kubelet posts its status (Ready) after
    /// it restarted or its connection came back; `epoch` is the node's fault epoch when set.
    NodeStatusPost {
        /// The node.
        node: NodeId,
        /// Fault epoch of the node when scheduled (an older one is stale).
        epoch: u32,
    },
    /// taint manager → world: the NoExecute eviction of a pod is due.
    TaintEviction {
        /// The pod.
        pod: PodId,
    },
    /// random faults → world: the next failure or repair of random fault process `process`.
    RandomFault {
        /// Index of the process (one per fault entry and target).
        process: usize,
    },
    /// endpoint controller → kube-proxy: the controller's view of `pod` (changed one
    /// propagation delay ago) reaches the routing tables of the Services selecting it.
    Endpoints {
        /// The pod.
        pod: PodId,
        /// Ready and not terminating.
        ready: bool,
        /// Has an address and has not finished (for `publishNotReadyAddresses`).
        published: bool,
    },
    /// attach/detach controller → itself: an attach or detach of `volume` to `node` finished,
    /// or a forced-detach deadline came (`epoch`: the attachment's when set).
    AttachDetach {
        /// The PersistentVolume.
        volume: String,
        /// The node.
        node: NodeId,
        /// Attachment epoch when scheduled (an older one is stale).
        epoch: u32,
    },
    /// provisioner → PV controller: the volume of an Immediate claim was created.
    Provisioned {
        /// Namespace of the claim.
        namespace: String,
        /// The claim.
        claim: String,
    },
    /// kubelet timers for a pod; `generation` lets a deleted pod ignore stale timers.
    Kubelet {
        /// The pod.
        pod: PodId,
        /// Timer generation.
        generation: u32,
        /// The step.
        step: KubeletStep,
    },
}

/// Queue phases: at equal time, external actions first, then kubelets, controllers, scheduler.
pub mod phase {
    /// Timeline actions.
    pub const DRIVER: u8 = 0;
    /// Kubelet steps.
    pub const KUBELET: u8 = 1;
    /// Controller syncs.
    pub const CONTROLLER: u8 = 2;
    /// Scheduling cycles.
    pub const SCHEDULER: u8 = 3;
}
