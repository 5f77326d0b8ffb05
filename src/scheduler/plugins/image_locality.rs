//! ImageLocality (`plugins/imagelocality`, newest rule), SPEC §7.10.
//!
//! Score: for each init and app container whose image (normalized: `:latest` added when
//! untagged) is on the node, add `size × nodesWithImage / totalNodes` (truncated); clamp the sum
//! to `[23 MiB, 1000 MiB × containers]`; score = `100 × (sum − 23 MiB) / (max − 23 MiB)`. No
//! NormalizeScore.
//!
//! Upstream has no PreScore: its Score reads the image spread from the scheduler cache. Here a
//! PreScore counts, once per cycle, how many nodes hold each of the pod's images, and returns
//! `Skip` when no candidate node holds any of them (every score would be 0, which adds nothing).
//!
//! Image sizes: the node's image list ([`NodeInfo::images`]) is fed by the world when the kubelet
//! finishes a pull; the scenario format has no image sizes, so every image weighs
//! [`DEFAULT_IMAGE_SIZE_BYTES`] (100 MiB).

use crate::scheduler::framework::{
    CycleState, MAX_NODE_SCORE, NodeInfo, Plugin, PodInfo, PreScorePlugin, ScorePlugin, Status,
    normalized_image_name,
};
use crate::scheduler::snapshot;

/// Registry name.
pub const NAME: &str = "ImageLocality";

const MB: i64 = 1024 * 1024;
/// `minThreshold`: 23 MiB.
pub const MIN_THRESHOLD: i64 = 23 * MB;
/// `maxContainerThreshold`: 1000 MiB per container.
pub const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;
/// Size recorded for a pulled image (the scenario has no image sizes).
pub const DEFAULT_IMAGE_SIZE_BYTES: i64 = 100 * MB;

const PRE_SCORE_STATE_KEY: &str = "PreScoreImageLocality";

/// The ImageLocality plugin (PreScore, Score).
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageLocality;

/// Per container (init then app) of the incoming pod: its normalized image and on how many
/// nodes it is; plus the number of nodes.
#[derive(Debug, Clone)]
struct PreScoreState {
    images: Vec<(String, i64)>,
    total_nodes: i64,
}

impl Plugin for ImageLocality {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_pre_score(&self) -> Option<&dyn PreScorePlugin> {
        Some(self)
    }

    fn as_score(&self) -> Option<&dyn ScorePlugin> {
        Some(self)
    }
}

impl PreScorePlugin for ImageLocality {
    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        nodes: &[&NodeInfo],
        all_nodes: &[NodeInfo],
    ) -> Status {
        let names: Vec<String> = pod
            .spec
            .init_containers
            .iter()
            .chain(&pod.spec.containers)
            .map(|c| normalized_image_name(&c.image).into_owned())
            .collect();
        let on_candidates = nodes
            .iter()
            .any(|n| names.iter().any(|name| n.images.contains_key(name)));
        if !on_candidates {
            return Status::skip();
        }
        let index = snapshot::index_for(state, all_nodes);
        let images = names
            .into_iter()
            .map(|name| {
                let count = match &index {
                    Some(index) => index.image_node_count(&name),
                    None => {
                        let n = all_nodes
                            .iter()
                            .filter(|n| n.images.contains_key(&name))
                            .count();
                        i64::try_from(n).unwrap_or(i64::MAX)
                    }
                };
                (name, count)
            })
            .collect();
        state.write(
            PRE_SCORE_STATE_KEY,
            PreScoreState {
                images,
                total_nodes: i64::try_from(all_nodes.len()).unwrap_or(i64::MAX),
            },
        );
        Status::success()
    }
}

/// `calculatePriority`.
pub fn calculate_priority(sum_scores: i64, num_containers: usize) -> i64 {
    let max_threshold = MAX_CONTAINER_THRESHOLD * i64::try_from(num_containers).unwrap_or(0);
    let sum = if sum_scores < MIN_THRESHOLD {
        MIN_THRESHOLD
    } else if sum_scores > max_threshold {
        max_threshold
    } else {
        sum_scores
    };
    MAX_NODE_SCORE * (sum - MIN_THRESHOLD) / (max_threshold - MIN_THRESHOLD)
}

/// `scaledImageScore`: `size × nodesWithImage / totalNodes`, truncated.
pub fn scaled_image_score(size: i64, num_nodes: i64, total_nodes: i64) -> i64 {
    let spread = num_nodes as f64 / total_nodes as f64;
    (size as f64 * spread) as i64
}

impl ScorePlugin for ImageLocality {
    fn score(
        &self,
        state: &CycleState,
        _pod: &PodInfo<'_>,
        node: &NodeInfo,
    ) -> Result<i64, Status> {
        let Some(s) = state.read::<PreScoreState>(PRE_SCORE_STATE_KEY) else {
            return Err(Status::error(format!(
                "reading {PRE_SCORE_STATE_KEY:?} from cycleState: not found"
            )));
        };
        let sum: i64 = s
            .images
            .iter()
            .filter_map(|(name, num_nodes)| {
                node.images
                    .get(name)
                    .map(|&size| scaled_image_score(size, *num_nodes, s.total_nodes))
            })
            .sum();
        Ok(calculate_priority(sum, s.images.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pod::PodSpec;
    use crate::scheduler::testing::{NodeBuilder, PodBuilder, both_states, pod};

    fn spec(images: &[&str], init: &[&str]) -> PodSpec {
        let mut spec = PodBuilder::new().build();
        for (i, image) in images.iter().enumerate() {
            let mut b = PodBuilder::new().best_effort().build();
            b.containers[0].image = image.to_string();
            b.containers[0].name = format!("c{i}");
            spec.containers.push(b.containers.remove(0));
        }
        for image in init {
            let mut b = PodBuilder::new().best_effort().build();
            b.containers[0].image = image.to_string();
            spec.init_containers.push(b.containers.remove(0));
        }
        spec
    }

    fn node(name: &str, images: &[(&str, i64)]) -> NodeInfo {
        let mut info = NodeBuilder::new(name).info();
        for (image, size) in images {
            info.add_image(image, *size);
        }
        info
    }

    fn run(spec: &PodSpec, nodes: &[NodeInfo], candidates: usize) -> Option<Vec<i64>> {
        let p = pod(spec);
        let refs: Vec<&NodeInfo> = nodes.iter().take(candidates).collect();
        let runs: Vec<Option<Vec<i64>>> = both_states(nodes)
            .into_iter()
            .map(|mut state| {
                let status = ImageLocality.pre_score(&mut state, &p, &refs, nodes);
                if status.is_skip() {
                    return None;
                }
                Some(
                    refs.iter()
                        .map(|n| ImageLocality.score(&state, &p, n).expect("score"))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(runs[0], runs[1], "with and without the snapshot index");
        runs[0].clone()
    }

    /// Derived from the newest rule (SPEC §7.10): per-container ceiling, spread scaling,
    /// 23 MiB floor.
    #[test]
    fn scores_follow_the_newest_rule() {
        // Two containers: 250 MiB image on node1 only, 500 MiB image on both (of 2 nodes).
        let nodes = [
            node(
                "node1",
                &[
                    ("gcr.io/250:latest", 250 * MB),
                    ("gcr.io/500:latest", 500 * MB),
                ],
            ),
            node("node2", &[("gcr.io/500:latest", 500 * MB)]),
        ];
        let s = spec(&["gcr.io/250", "gcr.io/500:latest"], &[]);
        // node1: 250 × 1/2 + 500 × 2/2 = 625 MiB → 100 × (625 − 23) / (2000 − 23) = 30.
        // node2: 500 MiB → 100 × 477 / 1977 = 24.
        assert_eq!(run(&s, &nodes, 2), Some(vec![30, 24]));
        // Below the floor: 20 MiB → 0; above the ceiling: 3000 MiB, one container → 100.
        let nodes = [
            node("a", &[("small:1", 20 * MB)]),
            node("b", &[("big:1", 3000 * MB)]),
        ];
        assert_eq!(run(&spec(&["small:1"], &[]), &nodes, 2), Some(vec![0, 0]));
        let nodes = [
            node("a", &[("small:1", 20 * MB)]),
            node("b", &[("big:1", 3000 * MB)]),
        ];
        // 3000 MiB × 1/2 = 1500 MiB, clamped to 1000 MiB.
        assert_eq!(run(&spec(&["big:1"], &[]), &nodes, 2), Some(vec![0, 100]));
        let one = [node("b", &[("mid:1", 600 * MB)])];
        assert_eq!(run(&spec(&["mid:1"], &[]), &one, 1), Some(vec![59]));
        // Init containers count too (and raise the ceiling).
        let nodes = [node("a", &[("init:1", 600 * MB), ("app:1", 600 * MB)])];
        assert_eq!(
            run(&spec(&["app:1"], &["init:1"]), &nodes, 1),
            Some(vec![59])
        );
    }

    #[test]
    fn skip_when_no_candidate_has_the_images() {
        let nodes = [node("a", &[]), node("b", &[("img:1", 300 * MB)])];
        assert_eq!(
            run(&spec(&["img:1"], &[]), &nodes, 1),
            None,
            "only non-candidates have it"
        );
        assert!(run(&spec(&["img:1"], &[]), &nodes, 2).is_some());
        assert_eq!(
            calculate_priority(0, 0),
            0,
            "no container: no division by zero"
        );
        assert_eq!(normalized_image_name("nginx"), "nginx:latest");
        assert_eq!(
            normalized_image_name("localhost:5000/nginx"),
            "localhost:5000/nginx:latest"
        );
        assert_eq!(normalized_image_name("nginx:1.25"), "nginx:1.25");
    }
}
