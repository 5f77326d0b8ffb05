//! `DefaultNormalizeScore` (`pkg/scheduler/framework/plugins/helper/normalize_score.go`).

/// Scales `scores` so that the highest becomes `max_priority`: `s' = max_priority × s / max`
/// (integer division), and with `reverse`, `s' = max_priority − s'`. When every score is 0 (the
/// running maximum starts at 0), scores stay 0, or all become `max_priority` with `reverse`.
pub fn default_normalize_score(max_priority: i64, reverse: bool, scores: &mut [i64]) {
    let max_count = scores.iter().copied().fold(0, i64::max);
    if max_count == 0 {
        if reverse {
            scores.fill(max_priority);
        }
        return;
    }
    for score in scores.iter_mut() {
        let scaled = max_priority * *score / max_count;
        *score = if reverse {
            max_priority - scaled
        } else {
            scaled
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::framework::MAX_NODE_SCORE;

    /// SPEC §7.1, `TestDefaultNormalizeScore`.
    #[test]
    fn spec_7_1_vectors() {
        let cases: [(bool, [i64; 4], [i64; 4]); 5] = [
            (false, [1, 2, 3, 4], [25, 50, 75, 100]),
            (true, [1, 2, 3, 4], [75, 50, 25, 0]),
            (false, [1000, 10, 20, 30], [100, 1, 2, 3]),
            (false, [1, 1, 1, 1], [100, 100, 100, 100]),
            (false, [1000, 1, 1, 1], [100, 0, 0, 0]),
        ];
        for (row, (reverse, input, want)) in cases.into_iter().enumerate() {
            let mut scores = input;
            default_normalize_score(MAX_NODE_SCORE, reverse, &mut scores);
            assert_eq!(scores, want, "row {}", row + 1);
        }
    }

    #[test]
    fn all_zero() {
        let mut scores = [0, 0];
        default_normalize_score(MAX_NODE_SCORE, false, &mut scores);
        assert_eq!(scores, [0, 0]);
        default_normalize_score(MAX_NODE_SCORE, true, &mut scores);
        assert_eq!(scores, [100, 100]);
    }
}
