//! Trace replay: the Alibaba `openb` GPU-cluster traces (ATC'23, "Beware of Fragmentation")
//! turned into Nodes and Pods.
//!
//! Units and mapping (the traps are in the units):
//!
//! | trace column | becomes |
//! |---|---|
//! | node `sn` | Node name |
//! | node `cpu_milli` (milli-CPU) | capacity `cpu: <cpu_milli>m` |
//! | node `memory_mib` (MiB) | capacity `memory: <memory_mib>Mi` |
//! | node `gpu` (whole GPUs) | capacity `nvidia.com/gpu: <gpu>` |
//! | node `model` | label `alibaba.com/gpu-model` (absent on CPU-only nodes) |
//! | pod `cpu_milli`, `memory_mib` | requests = limits, same units as nodes |
//! | pod `num_gpu` | requests = limits `nvidia.com/gpu` |
//! | pod `gpu_milli` < 1000 with `num_gpu` 1 (a shared GPU) | counted as one whole GPU (an approximation, announced) |
//! | pod `gpu_spec` (`A|B`) | required node affinity `alibaba.com/gpu-model In [A, B]` |
//! | pod `qos` | label `alibaba.com/qos` |
//! | pod `creation_time`, `deletion_time` (s from trace start) | timed mode: created and deleted then |
//!
//! Bulk mode submits every pod at t=0 in file order and never deletes them (the trace is a pod
//! mix, not a literal timeline). Files without the time columns (`multigpu50`) replay in bulk.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::meta::ObjectMeta;
use crate::model::node::Node;
use crate::model::objects::{ApiObject, PodObject};
use crate::model::pod::{Container, PodSpec, PullPolicy, Toleration};
use crate::model::resources::ResourceList;
use crate::model::selector::{NodeSelectorTerm, Requirement, SelectorOp};
use crate::model::{ObjectRef, TaintEffect};
use crate::sim::time::{NANOS_PER_SEC, SimTime};

/// The node label carrying the GPU model.
pub const GPU_MODEL_LABEL: &str = "alibaba.com/gpu-model";
/// The extended resource for whole GPUs.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";
/// Most rows read from one trace file.
pub const MAX_ROWS: usize = 1_000_000;

/// How pods of a trace arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayMode {
    /// At the trace's creation times, deleted at its deletion times.
    Timed,
    /// All at t=0, in file order, never deleted.
    Bulk,
}

/// A pod of a trace with its arrival and departure.
#[derive(Debug, Clone)]
pub struct TracePod {
    /// When it is created.
    pub at: SimTime,
    /// When it is deleted (timed mode only).
    pub delete_at: Option<SimTime>,
    /// The pod.
    pub object: ApiObject,
    /// It asked for a fraction of one GPU, counted as a whole GPU.
    pub shared_gpu: bool,
}

fn column<'a>(
    record: &'a csv::StringRecord,
    headers: &csv::StringRecord,
    name: &str,
) -> Option<&'a str> {
    headers
        .iter()
        .position(|h| h == name)
        .and_then(|i| record.get(i))
        .map(str::trim)
}

fn number(
    record: &csv::StringRecord,
    headers: &csv::StringRecord,
    name: &str,
    row: usize,
) -> Result<i64, String> {
    let text = column(record, headers, name)
        .ok_or_else(|| format!("row {row}: missing column {name:?}"))?;
    if text.is_empty() {
        return Ok(0);
    }
    text.parse::<f64>()
        .map(|v| v as i64)
        .map_err(|_| format!("row {row}: column {name:?}: {text:?} is not a number"))
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// Reads an openb node list into Nodes (at most `limit`).
pub fn openb_nodes(text: &str, limit: Option<usize>) -> Result<Vec<Node>, String> {
    let mut rdr = reader(text);
    let headers = rdr.headers().map_err(|e| e.to_string())?.clone();
    let mut nodes = Vec::new();
    for (index, record) in rdr.records().enumerate() {
        if limit.is_some_and(|l| nodes.len() >= l) || index >= MAX_ROWS {
            break;
        }
        let row = index + 2;
        let record = record.map_err(|e| format!("row {row}: {e}"))?;
        let name = column(&record, &headers, "sn")
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("row {row}: missing node name (sn)"))?
            .to_string();
        let mut capacity = ResourceList {
            cpu_millis: number(&record, &headers, "cpu_milli", row)?,
            memory_bytes: number(&record, &headers, "memory_mib", row)? * 1024 * 1024,
            pods: 110,
            has_cpu: true,
            has_memory: true,
            ..ResourceList::default()
        };
        let gpus = number(&record, &headers, "gpu", row)?;
        if gpus > 0 {
            capacity.scalars.insert(GPU_RESOURCE.into(), gpus);
        }
        let mut labels = BTreeMap::new();
        labels.insert("kubernetes.io/hostname".to_string(), name.clone());
        labels.insert("kubernetes.io/os".to_string(), "linux".to_string());
        if let Some(model) = column(&record, &headers, "model").filter(|m| !m.is_empty()) {
            labels.insert(GPU_MODEL_LABEL.to_string(), model.to_string());
        }
        nodes.push(Node {
            name,
            labels,
            allocatable: capacity.clone(),
            capacity,
            taints: Vec::new(),
            unschedulable: false,
            ready: true,
            pool: Some("openb".into()),
        });
    }
    Ok(nodes)
}

/// Reads an openb pod list (at most `limit` pods).
pub fn openb_pods(
    text: &str,
    mode: ReplayMode,
    limit: Option<usize>,
    image: &str,
) -> Result<Vec<TracePod>, String> {
    let mut rdr = reader(text);
    let headers = rdr.headers().map_err(|e| e.to_string())?.clone();
    let timed = mode == ReplayMode::Timed && headers.iter().any(|h| h == "creation_time");
    let mut pods = Vec::new();
    for (index, record) in rdr.records().enumerate() {
        if limit.is_some_and(|l| pods.len() >= l) || index >= MAX_ROWS {
            break;
        }
        let row = index + 2;
        let record = record.map_err(|e| format!("row {row}: {e}"))?;
        let name = column(&record, &headers, "name")
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("row {row}: missing pod name"))?
            .to_string();
        let num_gpu = number(&record, &headers, "num_gpu", row)?;
        let gpu_milli = number(&record, &headers, "gpu_milli", row)?;
        let mut requests = ResourceList {
            cpu_millis: number(&record, &headers, "cpu_milli", row)?,
            memory_bytes: number(&record, &headers, "memory_mib", row)? * 1024 * 1024,
            has_cpu: true,
            has_memory: true,
            ..ResourceList::default()
        };
        if num_gpu > 0 {
            requests.scalars.insert(GPU_RESOURCE.into(), num_gpu);
        }
        let shared_gpu = num_gpu == 1 && gpu_milli > 0 && gpu_milli < 1000;
        let mut required_node_terms = Vec::new();
        if let Some(spec) = column(&record, &headers, "gpu_spec").filter(|s| !s.is_empty()) {
            let values: Vec<String> = spec
                .split('|')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            required_node_terms.push(NodeSelectorTerm {
                match_expressions: vec![Requirement {
                    key: GPU_MODEL_LABEL.into(),
                    op: SelectorOp::In,
                    values,
                }],
                match_fields: Vec::new(),
            });
        }
        let mut labels = BTreeMap::new();
        labels.insert("trace".to_string(), "openb".to_string());
        if let Some(qos) = column(&record, &headers, "qos").filter(|q| !q.is_empty()) {
            labels.insert("alibaba.com/qos".to_string(), qos.to_string());
        }
        let tolerations = [
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
        ]
        .iter()
        .map(|key| Toleration {
            key: (*key).into(),
            exists: true,
            value: String::new(),
            effect: Some(TaintEffect::NoExecute),
            toleration_seconds: Some(300),
        })
        .collect();
        let spec = PodSpec {
            containers: vec![Container {
                name: "task".into(),
                image: image.to_string(),
                pull_policy: PullPolicy::IfNotPresent,
                requests: requests.clone(),
                limits: requests,
                readiness_probe: None,
                liveness_probe: None,
                startup_probe: None,
                pre_stop_ns: 0,
                pre_stop_handler: false,
                host_ports: Vec::new(),
            }],
            required_node_terms,
            tolerations,
            termination_grace_period_s: 30,
            restart_policy: "Always".into(),
            scheduler_name: "default-scheduler".into(),
            ..PodSpec::default()
        };
        let (at, delete_at) = if timed {
            let created = number(&record, &headers, "creation_time", row)?.max(0) as u64;
            let deleted = column(&record, &headers, "deletion_time")
                .filter(|t| !t.is_empty())
                .map(|_| number(&record, &headers, "deletion_time", row))
                .transpose()?;
            (
                SimTime(created * NANOS_PER_SEC),
                deleted
                    .filter(|d| *d as u64 > created)
                    .map(|d| SimTime(d as u64 * NANOS_PER_SEC)),
            )
        } else {
            (SimTime::ZERO, None)
        };
        let meta = ObjectMeta {
            name,
            namespace: "default".into(),
            labels,
            annotations: BTreeMap::new(),
        };
        pods.push(TracePod {
            at,
            delete_at,
            object: ApiObject::Pod(PodObject {
                meta,
                spec: Arc::new(spec),
                owner: None,
            }),
            shared_gpu,
        });
    }
    Ok(pods)
}

/// The reference to a trace pod, for its deletion.
pub fn pod_ref(pod: &TracePod) -> ObjectRef {
    ObjectRef::new("pod", pod.object.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_units() {
        let nodes = openb_nodes(
            "sn,cpu_milli,memory_mib,gpu,model\nn0,32000,262144,0,\nn1,96000,786432,8,V100M16\n",
            None,
        )
        .unwrap();
        assert_eq!(nodes[0].capacity.cpu_millis, 32_000);
        assert_eq!(nodes[0].capacity.memory_bytes, 262_144 * 1024 * 1024);
        assert!(nodes[0].capacity.scalars.is_empty());
        assert!(!nodes[0].labels.contains_key(GPU_MODEL_LABEL));
        assert_eq!(nodes[1].capacity.scalar(GPU_RESOURCE), 8);
        assert_eq!(nodes[1].labels[GPU_MODEL_LABEL], "V100M16");
    }

    #[test]
    fn pod_mapping_and_modes() {
        let text = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\np0,12000,16384,1,1000,,LS,Running,0,12537496,0\np1,6000,12288,1,460,G2|T4,LS,Running,427061,12902960,427061\np2,1000,1024,0,0,,BE,Pending,500,,\n";
        let pods = openb_pods(text, ReplayMode::Timed, None, "openb").unwrap();
        assert_eq!(pods.len(), 3);
        assert_eq!(pods[1].at, SimTime::from_secs(427_061));
        assert_eq!(pods[1].delete_at, Some(SimTime::from_secs(12_902_960)));
        assert_eq!(pods[2].delete_at, None);
        assert!(pods[1].shared_gpu && !pods[0].shared_gpu);
        let ApiObject::Pod(p) = &pods[1].object else {
            panic!()
        };
        assert_eq!(p.spec.containers[0].requests.cpu_millis, 6000);
        assert_eq!(
            p.spec.containers[0].requests.memory_bytes,
            12288 * 1024 * 1024
        );
        assert_eq!(p.spec.containers[0].requests.scalar(GPU_RESOURCE), 1);
        assert_eq!(
            p.spec.required_node_terms[0].match_expressions[0].values,
            vec!["G2", "T4"]
        );
        let bulk = openb_pods(text, ReplayMode::Bulk, Some(2), "openb").unwrap();
        assert_eq!(bulk.len(), 2);
        assert!(
            bulk.iter()
                .all(|p| p.at == SimTime::ZERO && p.delete_at.is_none())
        );
    }

    #[test]
    fn five_column_files_replay_in_bulk() {
        let pods = openb_pods(
            "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np0,1000,1024,2,1000\n",
            ReplayMode::Timed,
            None,
            "openb",
        )
        .unwrap();
        assert_eq!(pods[0].at, SimTime::ZERO);
        assert_eq!(pods[0].object.name(), "p0");
    }

    #[test]
    fn bad_numbers_are_errors() {
        assert!(
            openb_nodes("sn,cpu_milli,memory_mib,gpu,model\nn0,lots,1,0,\n", None)
                .unwrap_err()
                .contains("row 2")
        );
    }
}
