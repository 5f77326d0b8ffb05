//! Pod admission plugins over namespace policy: LimitRanger
//! (`plugin/pkg/admission/limitranger`) and ResourceQuota
//! (`plugin/pkg/admission/resourcequota` with the pod evaluator of
//! `pkg/quota/v1/evaluator/core/pods.go`). Pure functions; the world applies them in
//! `create_pod`'s callers next to the Priority plugin. Errors are the text after
//! `pods "NAME" is forbidden: `.

use crate::model::admission::{Amounts, LimitRange, LimitType, ResourceQuota, is_cpu};
use crate::model::{Container, PodSpec, ResourceList};
use crate::scenario::quantity::{format_bytes, format_millis};

/// A container's (or pod's) resource list as [`Amounts`]: only the resources it names.
pub fn amounts(list: &ResourceList) -> Amounts {
    let mut out = Amounts::new();
    if list.has_cpu {
        out.insert("cpu".into(), list.cpu_millis);
    }
    if list.has_memory {
        out.insert("memory".into(), list.memory_bytes);
    }
    if list.ephemeral_storage_bytes > 0 {
        out.insert("ephemeral-storage".into(), list.ephemeral_storage_bytes);
    }
    for (name, amount) in &list.scalars {
        out.insert(name.clone(), *amount);
    }
    out
}

/// Sets `name` to `amount` in a resource list.
fn set(list: &mut ResourceList, name: &str, amount: i64) {
    match name {
        "cpu" => {
            list.cpu_millis = amount;
            list.has_cpu = true;
        }
        "memory" => {
            list.memory_bytes = amount;
            list.has_memory = true;
        }
        "ephemeral-storage" => list.ephemeral_storage_bytes = amount,
        other => {
            list.scalars.insert(other.to_string(), amount);
        }
    }
}

/// `Quantity.String()` of an amount of resource `name`.
pub fn format_amount(name: &str, amount: i64) -> String {
    if is_cpu(name) {
        format_millis(amount)
    } else {
        format_bytes(amount)
    }
}

/// `mergePodResourceRequirements`: the Container items' `default` and `defaultRequest` fill
/// the limits and requests a container (or init container) does not name. `None` when
/// nothing changes.
fn apply_defaults(range: &LimitRange, spec: &PodSpec) -> Option<PodSpec> {
    let mut limits = Amounts::new();
    let mut requests = Amounts::new();
    for item in range
        .limits
        .iter()
        .filter(|i| i.limit_type == LimitType::Container)
    {
        limits.extend(item.default.iter().map(|(k, v)| (k.clone(), *v)));
        requests.extend(item.default_request.iter().map(|(k, v)| (k.clone(), *v)));
    }
    if limits.is_empty() && requests.is_empty() {
        return None;
    }
    let fill = |c: &mut Container, changed: &mut bool| {
        let have_limits = amounts(&c.limits);
        let have_requests = amounts(&c.requests);
        for (name, amount) in &limits {
            if !have_limits.contains_key(name) {
                set(&mut c.limits, name, *amount);
                *changed = true;
            }
        }
        for (name, amount) in &requests {
            if !have_requests.contains_key(name) {
                set(&mut c.requests, name, *amount);
                *changed = true;
            }
        }
    };
    let mut out = spec.clone();
    let mut changed = false;
    for c in out
        .containers
        .iter_mut()
        .chain(out.init_containers.iter_mut())
    {
        fill(c, &mut changed);
    }
    changed.then_some(out)
}

/// `minConstraint`, `maxConstraint` and `limitRequestRatioConstraint` of one item over one
/// request/limit pair, appending upstream's messages.
fn check(
    limit_type: LimitType,
    item: &crate::model::admission::LimitRangeItem,
    request: &Amounts,
    limit: &Amounts,
    errors: &mut Vec<String>,
) {
    let kind = limit_type.as_str();
    for (name, &enforced) in &item.min {
        let shown = format_amount(name, enforced);
        match (request.get(name), limit.get(name)) {
            (None, _) => errors.push(format!(
                "minimum {name} usage per {kind} is {shown}.  No request is specified"
            )),
            (Some(&req), _) if req < enforced => errors.push(format!(
                "minimum {name} usage per {kind} is {shown}, but request is {}",
                format_amount(name, req)
            )),
            (_, Some(&lim)) if lim < enforced => errors.push(format!(
                "minimum {name} usage per {kind} is {shown}, but limit is {}",
                format_amount(name, lim)
            )),
            _ => {}
        }
    }
    for (name, &enforced) in &item.max {
        let shown = format_amount(name, enforced);
        match (request.get(name), limit.get(name)) {
            (_, None) => errors.push(format!(
                "maximum {name} usage per {kind} is {shown}.  No limit is specified"
            )),
            (_, Some(&lim)) if lim > enforced => errors.push(format!(
                "maximum {name} usage per {kind} is {shown}, but limit is {}",
                format_amount(name, lim)
            )),
            (Some(&req), _) if req > enforced => errors.push(format!(
                "maximum {name} usage per {kind} is {shown}, but request is {}",
                format_amount(name, req)
            )),
            _ => {}
        }
    }
    for (name, &ratio_millis) in &item.max_limit_request_ratio {
        let shown = format_millis(ratio_millis);
        let req = request.get(name).copied().unwrap_or(0);
        let lim = limit.get(name).copied().unwrap_or(0);
        if req == 0 {
            errors.push(format!(
                "{name} max limit to request ratio per {kind} is {shown}, but no request is specified or request is 0"
            ));
        } else if lim == 0 {
            errors.push(format!(
                "{name} max limit to request ratio per {kind} is {shown}, but no limit is specified or limit is 0"
            ));
        } else {
            let observed = lim as f64 / req as f64;
            if observed * 1000.0 > ratio_millis as f64 {
                errors.push(format!(
                    "{name} max limit to request ratio per {kind} is {shown}, but provided ratio is {observed:.6}"
                ));
            }
        }
    }
}

/// Pod-level requests or limits (`resourcehelper.PodRequests` / `PodLimits`): the sum over the
/// containers, raised to any larger init container, naming a resource when any container does.
fn pod_total(spec: &PodSpec, of: fn(&Container) -> &ResourceList) -> Amounts {
    let mut total = Amounts::new();
    for c in &spec.containers {
        for (name, amount) in amounts(of(c)) {
            *total.entry(name).or_insert(0) += amount;
        }
    }
    for c in &spec.init_containers {
        for (name, amount) in amounts(of(c)) {
            let entry = total.entry(name).or_insert(0);
            *entry = (*entry).max(amount);
        }
    }
    total
}

/// `utilerrors.NewAggregate(errs).Error()`: one message bare, several in brackets.
fn aggregate(errors: &[String]) -> String {
    match errors {
        [one] => one.clone(),
        _ => format!("[{}]", errors.join(", ")),
    }
}

/// The LimitRanger plugin over the namespace's LimitRanges (in name order): defaults applied,
/// then each range's Container and Pod constraints checked. `Ok(None)`: admitted unchanged;
/// `Ok(Some(spec))`: admitted with defaults; `Err`: the aggregated reasons of the first range
/// the pod violates.
pub fn limit_ranger(ranges: &[&LimitRange], spec: &PodSpec) -> Result<Option<PodSpec>, String> {
    let mut current: Option<PodSpec> = None;
    for range in ranges {
        if let Some(defaulted) = apply_defaults(range, current.as_ref().unwrap_or(spec)) {
            current = Some(defaulted);
        }
        let pod = current.as_ref().unwrap_or(spec);
        let mut errors = Vec::new();
        for item in &range.limits {
            match item.limit_type {
                LimitType::Container => {
                    for c in pod.containers.iter().chain(&pod.init_containers) {
                        check(
                            item.limit_type,
                            item,
                            &amounts(&c.requests),
                            &amounts(&c.limits),
                            &mut errors,
                        );
                    }
                }
                LimitType::Pod => check(
                    item.limit_type,
                    item,
                    &pod_total(pod, |c| &c.requests),
                    &pod_total(pod, |c| &c.limits),
                    &mut errors,
                ),
            }
        }
        if !errors.is_empty() {
            return Err(aggregate(&errors));
        }
    }
    Ok(current)
}

/// The pod evaluator's usage of one pod (`podComputeUsageHelper`): `pods` and `count/pods` 1,
/// and each compute resource the pod requests or limits.
pub fn pod_usage(spec: &PodSpec) -> Amounts {
    let mut usage = Amounts::new();
    usage.insert("pods".into(), 1);
    usage.insert("count/pods".into(), 1);
    for (name, amount) in pod_total(spec, |c| &c.requests) {
        if matches!(name.as_str(), "cpu" | "memory" | "ephemeral-storage") {
            usage.insert(name.clone(), amount);
        }
        usage.insert(format!("requests.{name}"), amount);
    }
    for (name, amount) in pod_total(spec, |c| &c.limits) {
        usage.insert(format!("limits.{name}"), amount);
    }
    usage
}

/// `quota.Add` of many usages.
pub fn total_usage<'a>(usages: impl IntoIterator<Item = &'a Amounts>) -> Amounts {
    let mut total = Amounts::new();
    for usage in usages {
        for (name, amount) in usage {
            *total.entry(name.clone()).or_insert(0) += amount;
        }
    }
    total
}

/// `key=value` pairs in key order, comma-joined (`prettyPrint`).
fn pretty(list: &Amounts) -> String {
    list.iter()
        .map(|(name, amount)| format!("{name}={}", format_amount(name, *amount)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The pod evaluator's `Constraints`: a quota on cpu or memory requests or limits requires
/// every container to name that resource (`must specify requests.cpu for: app`).
fn constraints(quota: &ResourceQuota, spec: &PodSpec) -> Result<(), String> {
    let mut missing: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        std::collections::BTreeMap::new();
    for c in spec.containers.iter().chain(&spec.init_containers) {
        let (requests, limits) = (&c.requests, &c.limits);
        for name in quota.hard.keys() {
            let present = match name.as_str() {
                "cpu" | "requests.cpu" => requests.has_cpu,
                "memory" | "requests.memory" => requests.has_memory,
                "limits.cpu" => limits.has_cpu,
                "limits.memory" => limits.has_memory,
                _ => true,
            };
            if !present {
                missing.entry(name).or_default().insert(&c.name);
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let parts: Vec<String> = missing
        .iter()
        .map(|(resource, names)| {
            format!(
                "{resource} for: {}",
                names.iter().copied().collect::<Vec<_>>().join(",")
            )
        })
        .collect();
    Err(format!(
        "failed quota: {}: must specify {}",
        quota.meta.name,
        parts.join("; ")
    ))
}

/// The ResourceQuota plugin: each quota of the namespace (in name order) against the usage
/// `used` of its namespace's non-terminal pods plus this pod's. `Err`: upstream's
/// `failed quota` / `exceeded quota` reason.
pub fn check_quotas(
    quotas: &[&ResourceQuota],
    used: &Amounts,
    spec: &PodSpec,
) -> Result<(), String> {
    let delta = pod_usage(spec);
    for quota in quotas {
        constraints(quota, spec)?;
        let mut exceeded = Vec::new();
        for (name, &hard) in &quota.hard {
            let Some(&requested) = delta.get(name) else {
                continue;
            };
            let before = used.get(name).copied().unwrap_or(0);
            if before + requested > hard {
                exceeded.push(name.clone());
            }
        }
        if !exceeded.is_empty() {
            let mask = |list: &dyn Fn(&str) -> i64| -> Amounts {
                exceeded.iter().map(|n| (n.clone(), list(n))).collect()
            };
            return Err(format!(
                "exceeded quota: {}, requested: {}, used: {}, limited: {}",
                quota.meta.name,
                pretty(&mask(&|n| delta.get(n).copied().unwrap_or(0))),
                pretty(&mask(&|n| used.get(n).copied().unwrap_or(0))),
                pretty(&mask(&|n| quota.hard.get(n).copied().unwrap_or(0))),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ObjectMeta;
    use crate::model::admission::LimitRangeItem;

    fn amounts_of(pairs: &[(&str, i64)]) -> Amounts {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn container(name: &str, requests: &[(&str, i64)], limits: &[(&str, i64)]) -> Container {
        let mut c = Container {
            name: name.into(),
            image: "app".into(),
            pull_policy: crate::model::pod::PullPolicy::IfNotPresent,
            requests: ResourceList::default(),
            limits: ResourceList::default(),
            readiness_probe: None,
            liveness_probe: None,
            startup_probe: None,
            pre_stop_ns: 0,
            pre_stop_handler: false,
            host_ports: Vec::new(),
        };
        for (k, v) in requests {
            set(&mut c.requests, k, *v);
        }
        for (k, v) in limits {
            set(&mut c.limits, k, *v);
        }
        c
    }

    fn pod(containers: Vec<Container>) -> PodSpec {
        PodSpec {
            containers,
            ..PodSpec::default()
        }
    }

    fn range(items: Vec<LimitRangeItem>) -> LimitRange {
        LimitRange {
            meta: ObjectMeta {
                name: "lr".into(),
                ..ObjectMeta::default()
            },
            limits: items,
        }
    }

    fn item(limit_type: LimitType) -> LimitRangeItem {
        LimitRangeItem {
            limit_type,
            default: Amounts::new(),
            default_request: Amounts::new(),
            min: Amounts::new(),
            max: Amounts::new(),
            max_limit_request_ratio: Amounts::new(),
        }
    }

    #[test]
    fn limit_ranger_constraints_table() {
        const MI: i64 = 1 << 20;
        let cases: Vec<(LimitRangeItem, PodSpec, Result<(), &str>)> = vec![
            (
                LimitRangeItem {
                    min: amounts_of(&[("cpu", 100)]),
                    ..item(LimitType::Container)
                },
                pod(vec![container("a", &[("cpu", 50)], &[])]),
                Err("minimum cpu usage per Container is 100m, but request is 50m"),
            ),
            (
                LimitRangeItem {
                    min: amounts_of(&[("cpu", 100)]),
                    ..item(LimitType::Container)
                },
                pod(vec![container("a", &[], &[])]),
                Err("minimum cpu usage per Container is 100m.  No request is specified"),
            ),
            (
                LimitRangeItem {
                    min: amounts_of(&[("memory", 64 * MI)]),
                    ..item(LimitType::Container)
                },
                pod(vec![container(
                    "a",
                    &[("memory", 64 * MI)],
                    &[("memory", 32 * MI)],
                )]),
                Err("minimum memory usage per Container is 64Mi, but limit is 32Mi"),
            ),
            (
                LimitRangeItem {
                    max: amounts_of(&[("cpu", 1000)]),
                    ..item(LimitType::Container)
                },
                pod(vec![container("a", &[("cpu", 100)], &[])]),
                Err("maximum cpu usage per Container is 1.  No limit is specified"),
            ),
            (
                LimitRangeItem {
                    max: amounts_of(&[("cpu", 1000)]),
                    ..item(LimitType::Container)
                },
                pod(vec![container("a", &[("cpu", 100)], &[("cpu", 1000)])]),
                Ok(()),
            ),
            (
                LimitRangeItem {
                    max_limit_request_ratio: amounts_of(&[("cpu", 1500)]),
                    ..item(LimitType::Container)
                },
                pod(vec![container("a", &[("cpu", 100)], &[("cpu", 200)])]),
                Err(
                    "cpu max limit to request ratio per Container is 1500m, but provided ratio is 2.000000",
                ),
            ),
            (
                LimitRangeItem {
                    max_limit_request_ratio: amounts_of(&[("cpu", 2000)]),
                    ..item(LimitType::Container)
                },
                pod(vec![container("a", &[], &[("cpu", 200)])]),
                Err(
                    "cpu max limit to request ratio per Container is 2, but no request is specified or request is 0",
                ),
            ),
            (
                LimitRangeItem {
                    max: amounts_of(&[("cpu", 1000)]),
                    ..item(LimitType::Pod)
                },
                pod(vec![
                    container("a", &[], &[("cpu", 600)]),
                    container("b", &[], &[("cpu", 600)]),
                ]),
                Err("maximum cpu usage per Pod is 1, but limit is 1200m"),
            ),
            (
                LimitRangeItem {
                    min: amounts_of(&[("cpu", 100)]),
                    ..item(LimitType::Container)
                },
                pod(vec![
                    container("a", &[("cpu", 10)], &[]),
                    container("b", &[("cpu", 20)], &[]),
                ]),
                Err(
                    "[minimum cpu usage per Container is 100m, but request is 10m, minimum cpu usage per Container is 100m, but request is 20m]",
                ),
            ),
        ];
        for (i, (limit, spec, want)) in cases.into_iter().enumerate() {
            let lr = range(vec![limit]);
            let got = limit_ranger(&[&lr], &spec).map(|_| ());
            assert_eq!(got, want.map_err(str::to_string), "case {i}");
        }
    }

    #[test]
    fn limit_ranger_defaults_only_missing_resources() {
        let lr = range(vec![LimitRangeItem {
            default: amounts_of(&[("cpu", 500), ("memory", 256 << 20)]),
            default_request: amounts_of(&[("cpu", 250), ("memory", 256 << 20)]),
            ..item(LimitType::Container)
        }]);
        let spec = pod(vec![container("a", &[("cpu", 100)], &[("cpu", 100)])]);
        let out = limit_ranger(&[&lr], &spec).unwrap().unwrap();
        let c = &out.containers[0];
        assert_eq!((c.requests.cpu_millis, c.limits.cpu_millis), (100, 100));
        assert_eq!(c.requests.memory_bytes, 256 << 20);
        assert_eq!(c.limits.memory_bytes, 256 << 20);
        // Nothing to fill: unchanged.
        assert_eq!(limit_ranger(&[&lr], &out), Ok(None));
    }

    #[test]
    fn quota_table() {
        let quota = |hard: &[(&str, i64)]| ResourceQuota {
            meta: ObjectMeta {
                name: "q".into(),
                ..ObjectMeta::default()
            },
            hard: amounts_of(hard),
        };
        let web = pod(vec![container(
            "app",
            &[("cpu", 500), ("memory", 1 << 30)],
            &[("cpu", 1000)],
        )]);
        let cases: Vec<(ResourceQuota, Amounts, Result<(), &str>)> = vec![
            (
                quota(&[("requests.cpu", 2000)]),
                amounts_of(&[("requests.cpu", 1500)]),
                Ok(()),
            ),
            (
                quota(&[("requests.cpu", 2000)]),
                amounts_of(&[("requests.cpu", 1600)]),
                Err(
                    "exceeded quota: q, requested: requests.cpu=500m, used: requests.cpu=1600m, limited: requests.cpu=2",
                ),
            ),
            (
                quota(&[("cpu", 1000), ("pods", 1), ("memory", 4 << 30)]),
                amounts_of(&[("cpu", 600), ("pods", 1)]),
                Err(
                    "exceeded quota: q, requested: cpu=500m,pods=1, used: cpu=600m,pods=1, limited: cpu=1,pods=1",
                ),
            ),
            (
                quota(&[("limits.memory", 4 << 30)]),
                Amounts::new(),
                Err("failed quota: q: must specify limits.memory for: app"),
            ),
            (
                quota(&[("limits.cpu", 1000)]),
                amounts_of(&[("limits.cpu", 0)]),
                Ok(()),
            ),
        ];
        for (i, (q, used, want)) in cases.into_iter().enumerate() {
            assert_eq!(
                check_quotas(&[&q], &used, &web),
                want.map_err(str::to_string),
                "case {i}"
            );
        }
    }

    #[test]
    fn pod_usage_counts_init_containers_as_a_maximum() {
        let mut spec = pod(vec![
            container("a", &[("cpu", 100)], &[]),
            container("b", &[("cpu", 100)], &[]),
        ]);
        spec.init_containers = vec![container("init", &[("cpu", 500)], &[("cpu", 500)])];
        let usage = pod_usage(&spec);
        assert_eq!(usage["requests.cpu"], 500);
        assert_eq!(usage["cpu"], 500);
        assert_eq!(usage["limits.cpu"], 500);
        assert_eq!(usage["pods"], 1);
        assert!(!usage.contains_key("requests.memory"));
    }
}
