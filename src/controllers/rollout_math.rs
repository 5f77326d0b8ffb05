//! Argo Rollouts' replica arithmetic for a canary without a traffic router
//! (`utils/replicaset/canary.go`): the weight of a step is realised by the ratio of new to stable
//! replicas, within `maxSurge` and `maxUnavailable`.

/// A ReplicaSet as the arithmetic sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetCounts {
    /// `spec.replicas`.
    pub spec: i64,
    /// `status.availableReplicas`.
    pub available: i64,
}

/// What the current step asks of the canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanaryTarget {
    /// A weight in percent (`setWeight`).
    Weight(i64),
    /// A fixed number of canary replicas (`setCanaryScale.replicas`).
    Replicas(i64),
}

/// Inputs of [`replica_counts_for_canary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanaryInput {
    /// `spec.replicas`.
    pub replicas: i64,
    /// The step's target.
    pub target: CanaryTarget,
    /// `maxSurge`, resolved (rounded up).
    pub max_surge: i64,
    /// `maxUnavailable`, resolved (rounded down).
    pub max_unavailable: i64,
    /// A traffic router is configured (the stable set keeps full scale).
    pub traffic_routing: bool,
    /// The new (canary) set, if created.
    pub new: Option<SetCounts>,
    /// The stable set, if there is one distinct from the new set.
    pub stable: Option<SetCounts>,
    /// Older sets.
    pub older: Vec<SetCounts>,
}

fn ceil_percent(replicas: i64, weight: i64) -> i64 {
    (replicas * weight + 99).div_euclid(100)
}

/// `DesiredReplicaCountsForCanary`: the end state of the current step (new, stable).
pub fn desired_counts(input: &CanaryInput) -> (i64, i64) {
    let (mut new, mut stable) = match input.target {
        CanaryTarget::Replicas(r) => (r, input.replicas),
        CanaryTarget::Weight(w) => (
            ceil_percent(input.replicas, w),
            ceil_percent(input.replicas, 100 - w),
        ),
    };
    if input.stable.is_none() {
        new = input.replicas;
        stable = 0;
    }
    if input.traffic_routing {
        stable = input.replicas;
    }
    (new, stable)
}

/// `CalculateReplicaCountsForCanary`: the (new, stable) replica counts to set now.
pub fn replica_counts_for_canary(input: &CanaryInput) -> (i64, i64) {
    let n = input.replicas;
    let weight = match input.target {
        CanaryTarget::Replicas(r) => return (r, n),
        CanaryTarget::Weight(w) => w,
    };
    let mut desired_stable = ceil_percent(n, 100 - weight);
    let mut desired_new = ceil_percent(n, weight);
    if input.traffic_routing {
        return (desired_new, n);
    }
    let mut new_count = input.new.map_or(0, |s| s.spec);
    let mut stable_count = 0;
    match input.stable {
        Some(s) => stable_count = s.spec,
        None => {
            desired_new = n;
            desired_stable = 0;
        }
    }
    let mut max_surge = input.max_surge;
    if (n * weight) % 100 != 0 {
        max_surge += 1;
    }
    let total: i64 = input.older.iter().map(|s| s.spec).sum::<i64>()
        + input.new.map_or(0, |s| s.spec)
        + input.stable.map_or(0, |s| s.spec);
    let mut scale_up = n + max_surge - total;
    if let Some(s) = input.stable
        && s.spec < desired_stable
        && scale_up > 0
    {
        if s.spec + scale_up < desired_stable {
            stable_count = s.spec + scale_up;
            scale_up = 0;
        } else {
            stable_count = desired_stable;
            scale_up -= desired_stable - s.spec;
        }
    }
    if let Some(s) = input.new
        && s.spec < desired_new
        && scale_up > 0
    {
        new_count = (s.spec + scale_up).min(desired_new);
    }
    if input.older.iter().map(|s| s.spec).sum::<i64>() > 0 {
        return (new_count, stable_count);
    }
    let min_available = n - input.max_unavailable;
    let increasing = input.new.is_none_or(|s| desired_new >= s.spec);
    let to_scale_down =
        for_scale_down(input.new, !increasing) + for_scale_down(input.stable, increasing);
    if to_scale_down <= min_available {
        return (new_count, stable_count);
    }
    let mut scale_down = to_scale_down - min_available;
    if let Some(s) = input.new
        && s.spec > desired_new
    {
        if s.spec - scale_down < desired_new {
            new_count = desired_new;
            scale_down -= s.spec - desired_new;
        } else {
            new_count = s.spec - scale_down;
            scale_down = 0;
        }
    }
    if let Some(s) = input.stable
        && s.spec > desired_stable
    {
        stable_count = (s.spec - scale_down).max(desired_stable);
    }
    (new_count, stable_count)
}

/// `GetReplicasForScaleDown`.
fn for_scale_down(set: Option<SetCounts>, ignore_availability: bool) -> i64 {
    match set {
        None => 0,
        Some(s) if s.spec < s.available || ignore_availability => s.spec,
        Some(s) => s.available,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(spec: i64, available: i64) -> Option<SetCounts> {
        Some(SetCounts { spec, available })
    }

    /// Vectors from the comment of `CalculateReplicaCountsForCanary` and
    /// `TestCalculateReplicaCountsForCanary`.
    #[test]
    fn argo_vectors() {
        // (replicas, weight, maxSurge, maxUnavailable, new (spec, avail), stable, want)
        #[allow(clippy::type_complexity)]
        let cases: &[(
            i64,
            i64,
            i64,
            i64,
            Option<SetCounts>,
            Option<SetCounts>,
            (i64, i64),
        )] = &[
            (10, 10, 1, 1, set(0, 0), set(10, 10), (1, 9)),
            (10, 30, 3, 0, set(0, 0), set(10, 10), (3, 10)),
            (10, 30, 0, 5, set(0, 0), set(10, 10), (0, 7)),
            // The doc comment says (1, 9); the code rounds both sets up (9.5 → 10) and surges
            // by one more, so the stable keeps 10.
            (10, 5, 1, 1, set(0, 0), set(10, 10), (1, 10)),
            (1, 5, 1, 0, set(0, 0), set(1, 1), (1, 1)),
            (1, 95, 1, 0, set(0, 0), set(1, 1), (1, 1)),
            // Scale down the stable once the canary is available.
            (10, 30, 3, 0, set(3, 3), set(10, 10), (3, 7)),
            // No stable: the new set goes to full scale.
            (10, 20, 1, 1, set(0, 0), None, (10, 0)),
            // Weight 100 at the end of the steps.
            (5, 100, 1, 0, set(5, 5), set(5, 5), (5, 0)),
            // Abort (weight 0): the stable comes back first, then the canary goes.
            (5, 0, 1, 0, set(2, 2), set(4, 4), (1, 4)),
            (5, 0, 1, 0, set(2, 2), set(5, 5), (0, 5)),
        ];
        for (i, (n, w, surge, unavail, new, stable, want)) in cases.iter().enumerate() {
            let input = CanaryInput {
                replicas: *n,
                target: CanaryTarget::Weight(*w),
                max_surge: *surge,
                max_unavailable: *unavail,
                traffic_routing: false,
                new: *new,
                stable: *stable,
                older: Vec::new(),
            };
            assert_eq!(replica_counts_for_canary(&input), *want, "case {i}");
        }
    }

    #[test]
    fn older_sets_scale_down_first_and_fixed_replicas_and_routing() {
        let mut input = CanaryInput {
            replicas: 4,
            target: CanaryTarget::Weight(50),
            max_surge: 1,
            max_unavailable: 0,
            traffic_routing: false,
            new: set(0, 0),
            stable: set(4, 4),
            older: vec![SetCounts {
                spec: 1,
                available: 1,
            }],
        };
        assert_eq!(replica_counts_for_canary(&input), (0, 4));
        input.older.clear();
        assert_eq!(replica_counts_for_canary(&input), (1, 4));
        input.traffic_routing = true;
        assert_eq!(replica_counts_for_canary(&input), (2, 4));
        assert_eq!(desired_counts(&input), (2, 4));
        input.target = CanaryTarget::Replicas(3);
        assert_eq!(replica_counts_for_canary(&input), (3, 4));
        input.traffic_routing = false;
        input.target = CanaryTarget::Weight(30);
        assert_eq!(desired_counts(&input), (2, 3));
    }
}
