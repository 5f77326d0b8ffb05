//! The RequestedToCapacityRatio scoring strategy of NodeResourcesFit
//! (`noderesources/requested_to_capacity_ratio.go`, `helper/shape_score.go`).
//!
//! The user gives a shape: points `(utilization %, score 0..=10)` sorted by utilization. Scores
//! are scaled ×10 (`MaxNodeScore / MaxCustomPriorityScore`) and joined by straight segments (the
//! broken-linear function, flat before the first and after the last point). Per resource the
//! utilization is `requested × 100 / allocatable` (100 when over-committed); a resource whose
//! score is 0 is left out of the weighted mean, which is rounded to the nearest integer.

use crate::scheduler::framework::MAX_NODE_SCORE;
use crate::scheduler::profile::ConfigError;

/// Highest score of a shape point (`config.MaxCustomPriorityScore`).
pub const MAX_CUSTOM_PRIORITY_SCORE: i64 = 10;

/// Highest utilization of a shape point, in percent.
pub const MAX_UTILIZATION: i64 = 100;

/// One point of the shape (`config.UtilizationShapePoint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UtilizationShapePoint {
    /// Utilization in percent, 0..=100.
    pub utilization: i64,
    /// Score at that utilization, 0..=10.
    pub score: i64,
}

impl UtilizationShapePoint {
    /// A point.
    pub const fn new(utilization: i64, score: i64) -> Self {
        UtilizationShapePoint { utilization, score }
    }
}

/// `validateFunctionShape`: at least one point, utilizations strictly increasing (reported once,
/// at the first offender), each utilization in 0..=100 and each score in 0..=10. `path` is the
/// field path of the shape; the errors are joined as an apiserver aggregate.
pub fn validate_shape(shape: &[UtilizationShapePoint], path: &str) -> Result<(), String> {
    if shape.is_empty() {
        return Err(format!(
            "{path}: Required value: at least one point must be specified"
        ));
    }
    let mut errors = Vec::new();
    if let Some(i) = (1..shape.len()).find(|&i| shape[i - 1].utilization >= shape[i].utilization) {
        errors.push(format!(
            "{path}[{i}].utilization: Invalid value: {}: utilization values must be sorted in increasing order",
            shape[i].utilization
        ));
    }
    for (i, point) in shape.iter().enumerate() {
        if !(0..=MAX_UTILIZATION).contains(&point.utilization) {
            errors.push(format!(
                "{path}[{i}].utilization: Invalid value: {}: not in valid range [0, {MAX_UTILIZATION}]",
                point.utilization
            ));
        }
        if !(0..=MAX_CUSTOM_PRIORITY_SCORE).contains(&point.score) {
            errors.push(format!(
                "{path}[{i}].score: Invalid value: {}: not in valid range [0, {MAX_CUSTOM_PRIORITY_SCORE}]",
                point.score
            ));
        }
    }
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.remove(0)),
        _ => Err(format!("[{}]", errors.join(", "))),
    }
}

/// The scoring function of a validated shape, on the 0..=100 node-score scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeScorer {
    /// `(utilization, score × 10)`.
    points: Vec<(i64, i64)>,
}

impl ShapeScorer {
    /// Validates `shape` (see [`validate_shape`]) and scales its scores.
    pub fn new(
        plugin: &'static str,
        shape: &[UtilizationShapePoint],
        path: &str,
    ) -> Result<Self, ConfigError> {
        validate_shape(shape, path)
            .map_err(|message| ConfigError::InvalidPluginArgs { plugin, message })?;
        Ok(ShapeScorer {
            points: shape
                .iter()
                .map(|p| {
                    (
                        p.utilization,
                        p.score * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE),
                    )
                })
                .collect(),
        })
    }

    /// `BuildBrokenLinearFunction` at utilization `p`.
    pub fn at(&self, p: i64) -> i64 {
        broken_linear(&self.points, p)
    }

    /// The score of one resource: `requested` of `capacity` (`resourceScoringFunction`).
    pub fn resource_score(&self, requested: i64, capacity: i64) -> i64 {
        if capacity == 0 || requested > capacity {
            return self.at(MAX_UTILIZATION);
        }
        self.at(scaled_utilization(requested, capacity, MAX_UTILIZATION))
    }

    /// The node score from `(requested, allocatable, weight)` per resource: the weighted mean of
    /// the non-zero resource scores, rounded; resources with allocatable 0 are skipped.
    pub fn node_score(&self, resources: impl Iterator<Item = (i64, i64, i64)>) -> i64 {
        let (mut node_score, mut weight_sum) = (0_i64, 0_i64);
        for (requested, allocatable, weight) in resources {
            if allocatable == 0 {
                continue;
            }
            let score = self.resource_score(requested, allocatable);
            if score > 0 {
                node_score += score * weight;
                weight_sum += weight;
            }
        }
        if weight_sum == 0 {
            return 0;
        }
        // math.Round of a non-negative quotient: half away from zero.
        (2 * node_score + weight_sum) / (2 * weight_sum)
    }
}

/// `BuildBrokenLinearFunction` over `(utilization, score)` points sorted by utilization.
pub fn broken_linear(points: &[(i64, i64)], p: i64) -> i64 {
    for (i, &(utilization, score)) in points.iter().enumerate() {
        if p <= utilization {
            if i == 0 {
                return score;
            }
            let (u0, s0) = points[i - 1];
            return s0 + (score - s0) * (p - u0) / (utilization - u0);
        }
    }
    points.last().map_or(0, |&(_, score)| score)
}

/// `scaledUtilization`: `requested × max / capacity`, exact, with `requested` clamped to
/// `[0, capacity]`.
pub fn scaled_utilization(requested: i64, capacity: i64, max: i64) -> i64 {
    if capacity <= 0 || requested <= 0 {
        return 0;
    }
    if requested >= capacity {
        return max;
    }
    let q = i128::from(requested) * i128::from(max) / i128::from(capacity);
    i64::try_from(q).unwrap_or(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Upstream `TestBrokenLinearFunction` (scores unscaled).
    #[test]
    fn broken_linear_function() {
        type Points<'a> = &'a [(i64, i64)];
        let cases: [(Points, Points); 3] = [
            (
                &[(10, 1), (90, 9)],
                &[
                    (-10, 1),
                    (0, 1),
                    (9, 1),
                    (10, 1),
                    (15, 1),
                    (19, 1),
                    (20, 2),
                    (89, 8),
                    (90, 9),
                    (99, 9),
                    (100, 9),
                    (110, 9),
                ],
            ),
            (
                &[(0, 2), (40, 10), (100, 0)],
                &[
                    (-10, 2),
                    (0, 2),
                    (20, 6),
                    (30, 8),
                    (40, 10),
                    (70, 5),
                    (100, 0),
                    (110, 0),
                ],
            ),
            (
                &[(0, 2), (40, 2), (100, 2)],
                &[
                    (-10, 2),
                    (0, 2),
                    (20, 2),
                    (30, 2),
                    (40, 2),
                    (70, 2),
                    (100, 2),
                    (110, 2),
                ],
            ),
        ];
        for (i, (points, assertions)) in cases.iter().enumerate() {
            for &(p, expected) in *assertions {
                assert_eq!(broken_linear(points, p), expected, "case {i}, p = {p}");
            }
        }
    }

    #[test]
    fn scaled_utilization_is_exact_and_clamped() {
        assert_eq!(scaled_utilization(1, 3, 100), 33);
        assert_eq!(scaled_utilization(0, 3, 100), 0);
        assert_eq!(scaled_utilization(5, 3, 100), 100);
        assert_eq!(scaled_utilization(1, 0, 100), 0);
        assert_eq!(
            scaled_utilization(i64::MAX / 2, i64::MAX, 100),
            49,
            "no overflow"
        );
    }

    /// Upstream `validateFunctionShape` cases (`TestValidateNodeResourcesFitArgs`).
    #[test]
    fn shape_validation() {
        let p = UtilizationShapePoint::new;
        let path = "scoringStrategy.requestedToCapacityRatio.shape";
        assert_eq!(validate_shape(&[p(0, 10), p(100, 0)], path), Ok(()));
        assert_eq!(validate_shape(&[p(50, 3)], path), Ok(()));
        assert_eq!(
            validate_shape(&[], path),
            Err(format!(
                "{path}: Required value: at least one point must be specified"
            ))
        );
        assert_eq!(
            validate_shape(&[p(3, 3), p(1, 1)], path),
            Err(format!(
                "{path}[1].utilization: Invalid value: 1: utilization values must be sorted in increasing order"
            ))
        );
        assert_eq!(
            validate_shape(&[p(10, 1), p(10, 2)], path).map_err(|e| e.contains("sorted")),
            Err(true),
            "equal utilizations are not increasing"
        );
        let err = validate_shape(&[p(-1, 1), p(10, -1), p(20, 11), p(101, 1)], path)
            .expect_err("four errors");
        assert_eq!(
            err,
            format!(
                "[{path}[0].utilization: Invalid value: -1: not in valid range [0, 100], \
                 {path}[1].score: Invalid value: -1: not in valid range [0, 10], \
                 {path}[2].score: Invalid value: 11: not in valid range [0, 10], \
                 {path}[3].utilization: Invalid value: 101: not in valid range [0, 100]]"
            )
        );
    }

    #[test]
    fn node_score_rounds_and_skips_zero_scores() {
        let scorer = ShapeScorer::new("P", &[p(0, 0), p(100, 1)], "shape").expect("valid");
        // Upstream "resources requested, pods scheduled with less resources": foo 2/8, bar 2/4
        // with weights 3, 5 → scores 2 and 5 → (6 + 25) / 8 = 3.875 → 4.
        assert_eq!(scorer.node_score([(2, 8, 3), (2, 4, 5)].into_iter()), 4);
        assert_eq!(scorer.node_score([(2, 4, 3), (2, 8, 5)].into_iter()), 3);
        // A zero score drops its weight: only bar counts.
        assert_eq!(scorer.node_score([(0, 8, 3), (2, 4, 5)].into_iter()), 5);
        assert_eq!(scorer.node_score([(1, 0, 3)].into_iter()), 0);
    }

    fn p(utilization: i64, score: i64) -> UtilizationShapePoint {
        UtilizationShapePoint::new(utilization, score)
    }
}
