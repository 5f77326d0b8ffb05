//! Invariant checkers, run after every event in tests and debug builds. A violation is a bug in
//! timonel (exit code 4), never a user error.
//!
//! After each event the checker looks at the pods that event touched and at their nodes; every
//! 1,024 events (and at the end of tests) it checks everything, so large runs stay affordable.

use crate::cluster::World;
use crate::cluster::state::{NodeId, ObjKey, PodId, PodPhase};
use crate::sim::time::SimTime;

fn check_node(world: &World, index: usize, now: SimTime) -> Result<(), String> {
    let state = &world.state;
    let info = &world.node_infos[index];
    let node = &state.nodes[index];
    let alloc = &info.node.allocatable;
    // Pods placed by the scheduler never over-commit a node (pods naming their node bypass it).
    let scheduled_only = node
        .pods
        .iter()
        .all(|p| state.pod(*p).spec.node_name.is_none());
    if scheduled_only
        && (info.requested.cpu_millis > alloc.cpu_millis
            || info.requested.memory_bytes > alloc.memory_bytes
            || info.pod_count > alloc.pods)
    {
        return Err(format!(
            "node {} over-committed at {now}: requested {}m cpu / {} bytes / {} pods of {}m / {} / {}",
            info.node.name,
            info.requested.cpu_millis,
            info.requested.memory_bytes,
            info.pod_count,
            alloc.cpu_millis,
            alloc.memory_bytes,
            alloc.pods
        ));
    }
    if info.pod_count != node.pods.len() as i64 {
        return Err(format!(
            "node {} counts {} pods in the scheduler cache but {} bound",
            info.node.name,
            info.pod_count,
            node.pods.len()
        ));
    }
    for pod in &node.pods {
        let p = state.pod(*pod);
        if p.node != Some(NodeId(index)) || p.gone.is_some() {
            return Err(format!(
                "pod {}/{} listed on node {} but bound to {:?} (gone: {:?})",
                p.namespace, p.name, info.node.name, p.node, p.gone
            ));
        }
    }
    Ok(())
}

fn check_pod(world: &World, id: PodId) -> Result<(), String> {
    let pod = world.state.pod(id);
    if pod.ready && (pod.node.is_none() || pod.phase != PodPhase::Running) {
        return Err(format!(
            "pod {}/{} is Ready but not running on a node",
            pod.namespace, pod.name
        ));
    }
    // At most one pod per identity: a live pod is the one its name resolves to (a StatefulSet
    // never replaces a pod that still exists, even terminating).
    if pod.gone.is_none()
        && world
            .state
            .pod_index
            .get(&ObjKey::new(&pod.namespace, &pod.name))
            != Some(&id)
    {
        return Err(format!(
            "two live pods are named {}/{}",
            pod.namespace, pod.name
        ));
    }
    if pod.scheduled.is_some() && pod.node.is_none() {
        return Err(format!(
            "pod {}/{} has a binding time but no node",
            pod.namespace, pod.name
        ));
    }
    if let Some(node) = pod.node
        && pod.gone.is_none()
        && !matches!(pod.phase, PodPhase::Succeeded | PodPhase::Failed)
        && !world.state.nodes[node.0].pods.contains(&id)
    {
        return Err(format!(
            "pod {}/{} is bound to {} but the node does not list it",
            pod.namespace, pod.name, world.state.nodes[node.0].node.name
        ));
    }
    Ok(())
}

/// At most one DaemonSet pod per node and revision (a surging node holds one old and one new
/// pod), terminating pods aside.
fn check_daemon_pods(world: &World) -> Result<(), String> {
    let state = &world.state;
    for ds in state.daemonsets.values() {
        let mut seen = std::collections::BTreeSet::new();
        for id in &ds.pods {
            let pod = state.pod(*id);
            let Some(node) = pod.node else { continue };
            if pod.deletion.is_some() || pod.gone.is_some() || !pod.is_active() {
                continue;
            }
            let hash = pod
                .labels
                .get(crate::controllers::daemonset::CONTROLLER_REVISION_HASH);
            if !seen.insert((node, hash)) {
                return Err(format!(
                    "daemonset {}/{} runs two pods of one revision on node {}",
                    ds.key.namespace, ds.key.name, state.nodes[node.0].node.name
                ));
            }
        }
    }
    Ok(())
}

/// Checks the invariants; with `full`, over the whole cluster, otherwise over what the last
/// event touched. The first violation is returned as a message.
pub fn invariants(world: &World, now: SimTime, full: bool) -> Result<(), String> {
    let state = &world.state;
    if full {
        for index in 0..world.node_infos.len() {
            check_node(world, index, now)?;
        }
        for index in 0..state.pods.len() {
            check_pod(world, PodId(index))?;
        }
        for (key, endpoints) in &world.endpoints {
            let counted = (
                endpoints.ready,
                endpoints.app_ready,
                endpoints.bad_app_ready,
            );
            let recount = endpoints.recount(|pod| world.pod_serving(pod));
            if counted != recount {
                return Err(format!(
                    "service {}/{} counts (routed, serving, bad) {counted:?}, recount gives {recount:?}",
                    key.namespace, key.name
                ));
            }
            if let Some(gone) = endpoints
                .pods
                .iter()
                .find(|p| state.pod(**p).gone.is_some())
            {
                return Err(format!(
                    "service {}/{} selects pod {}, which is gone",
                    key.namespace,
                    key.name,
                    state.pod(*gone).name
                ));
            }
        }
        check_daemon_pods(world)?;
    } else {
        for pod in &world.last_touched {
            check_pod(world, *pod)?;
            if let Some(node) = state.pod(*pod).node {
                check_node(world, node.0, now)?;
            }
        }
    }
    for d in state.deployments.values() {
        let sets = state.replicasets_of(&d.key);
        let settled = sets.iter().all(|rs| {
            rs.spec.replicas == 0
                || rs.annotation_i64(crate::controllers::deployment::DESIRED_REPLICAS)
                    == Some(d.spec.replicas)
        });
        if let crate::model::workloads::DeploymentStrategy::RollingUpdate { max_surge, .. } =
            d.spec.strategy
            && settled
            && !d.spec.paused
        {
            let surge = max_surge.scaled_value(d.spec.replicas, true);
            let total: i64 = sets.iter().map(|rs| rs.spec.replicas).sum();
            if total > d.spec.replicas + surge {
                return Err(format!(
                    "deployment {}/{} has {total} replicas across its ReplicaSets, above {} + maxSurge {surge}",
                    d.key.namespace, d.key.name, d.spec.replicas
                ));
            }
        }
    }
    Ok(())
}
