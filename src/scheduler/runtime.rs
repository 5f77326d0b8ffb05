//! The framework runner (`framework/runtime/framework.go`): a profile instantiated through the
//! registry, with the per-extension-point plugin lists and the `Run*Plugins` loops.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::scheduler::framework::{
    ClusterClient, Code, CycleState, MAX_NODE_SCORE, MIN_NODE_SCORE, NodeInfo, NodePod,
    NodeToStatus, Plugin, PodInfo, PostFilterContext, PostFilterResult, PreFilterResult, Status,
};
use crate::scheduler::profile::{ConfigError, PluginArgs, Profile};
use crate::scheduler::registry;

/// Output of [`Framework::run_pre_filter_plugins`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreFilterOutcome {
    /// Merged node restriction (`None` = all nodes).
    pub result: Option<PreFilterResult>,
    /// `Success`, a rejection (the cycle ends) or an `Error`.
    pub status: Status,
    /// Plugins whose PreFilter restricted the nodes (upstream's third return value).
    pub plugins_with_nodes: BTreeSet<&'static str>,
}

/// One Score plugin's part of a cycle, from [`Framework::run_each_score_plugin`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginScores {
    /// Plugin name.
    pub plugin: &'static str,
    /// Its weight in this profile.
    pub weight: i64,
    /// Normalised score × weight per node (aligned with the nodes given); `None` when PreScore
    /// skipped the plugin this cycle (it adds nothing).
    pub weighted: Option<Vec<i64>>,
}

/// One profile, instantiated (`frameworkImpl`).
pub struct Framework {
    profile: Profile,
    plugins: Vec<Arc<dyn Plugin>>,
    /// The one QueueSort plugin.
    queue_sort: usize,
    pre_filter: Vec<usize>,
    filter: Vec<usize>,
    post_filter: Vec<usize>,
    pre_score: Vec<usize>,
    /// `(plugin index, weight)`.
    score: Vec<(usize, i64)>,
    reserve: Vec<usize>,
    pre_bind: Vec<usize>,
    bind: Vec<usize>,
}

/// Extension points a plugin can be enabled at alone, with the upstream interface name used in
/// "does not extend" errors and the accessor telling whether a plugin implements it.
/// Whether a plugin implements an extension point.
type Implements = fn(&dyn Plugin) -> bool;

const POINTS: [(&str, &str, Implements); 10] = [
    ("queueSort", "QueueSortPlugin", |p| {
        p.as_queue_sort().is_some()
    }),
    ("preFilter", "PreFilterPlugin", |p| {
        p.as_pre_filter().is_some()
    }),
    ("filter", "FilterPlugin", |p| p.as_filter().is_some()),
    ("postFilter", "PostFilterPlugin", |p| {
        p.as_post_filter().is_some()
    }),
    ("preScore", "PreScorePlugin", |p| p.as_pre_score().is_some()),
    ("score", "ScorePlugin", |p| p.as_score().is_some()),
    ("reserve", "ReservePlugin", |p| p.as_reserve().is_some()),
    ("permit", "PermitPlugin", |_| false),
    ("preBind", "PreBindPlugin", |p| p.as_pre_bind().is_some()),
    ("bind", "BindPlugin", |p| p.as_bind().is_some()),
];

impl std::fmt::Debug for Framework {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Framework")
            .field("profile", &self.profile.scheduler_name)
            .field(
                "plugins",
                &self.plugins.iter().map(|p| p.name()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Go's `%v` of a string slice: `[a b c]`.
pub(crate) fn go_list(names: &BTreeSet<&'static str>) -> String {
    let joined: Vec<&str> = names.iter().copied().collect();
    format!("[{}]", joined.join(" "))
}

impl Framework {
    /// Builds every plugin of `profile` through the registry and sorts them into extension
    /// points, keeping the profile's order.
    pub fn new(profile: &Profile) -> Result<Self, ConfigError> {
        let name = &profile.scheduler_name;
        if let Some(p) = profile.percentage_of_nodes_to_score
            && !(0..=100).contains(&p)
        {
            return Err(ConfigError::InvalidPercentage {
                profile: name.clone(),
                percentage: p,
            });
        }
        let mut fw = Framework {
            profile: profile.clone(),
            plugins: Vec::with_capacity(profile.plugins.len()),
            queue_sort: 0,
            pre_filter: Vec::new(),
            filter: Vec::new(),
            post_filter: Vec::new(),
            pre_score: Vec::new(),
            score: Vec::new(),
            reserve: Vec::new(),
            pre_bind: Vec::new(),
            bind: Vec::new(),
        };
        let mut queue_sort = Vec::new();
        for entry in &profile.plugins {
            if fw.plugins.iter().any(|p| p.name() == entry.name) {
                return Err(ConfigError::DuplicatePlugin {
                    profile: name.clone(),
                    plugin: entry.name.clone(),
                });
            }
            let Some(row) = registry::lookup(&entry.name) else {
                return Err(ConfigError::UnknownPlugin {
                    profile: name.clone(),
                    plugin: entry.name.clone(),
                });
            };
            let plugin: Arc<dyn Plugin> = Arc::from((row.factory)(&entry.args)?);
            for point in &entry.enabled_points {
                if let Some((_, interface, implements)) =
                    POINTS.iter().find(|(name, _, _)| name == point)
                    && !implements(plugin.as_ref())
                {
                    return Err(ConfigError::NotAnExtension {
                        profile: name.clone(),
                        plugin: entry.name.clone(),
                        interface,
                    });
                }
            }
            let index = fw.plugins.len();
            if plugin.as_queue_sort().is_some() && entry.active_at("queueSort") {
                queue_sort.push(index);
            }
            if plugin.as_pre_filter().is_some() && entry.active_at("preFilter") {
                fw.pre_filter.push(index);
            }
            if plugin.as_filter().is_some() && entry.active_at("filter") {
                fw.filter.push(index);
            }
            if plugin.as_post_filter().is_some() && entry.active_at("postFilter") {
                fw.post_filter.push(index);
            }
            if plugin.as_pre_score().is_some() && entry.active_at("preScore") {
                fw.pre_score.push(index);
            }
            if plugin.as_score().is_some() && entry.active_at("score") {
                if entry.weight < 0 {
                    return Err(ConfigError::NegativeWeight {
                        profile: name.clone(),
                        plugin: entry.name.clone(),
                        weight: entry.weight,
                    });
                }
                fw.score.push((index, entry.weight.max(1)));
            }
            if plugin.as_reserve().is_some() && entry.active_at("reserve") {
                fw.reserve.push(index);
            }
            if plugin.as_pre_bind().is_some() && entry.active_at("preBind") {
                fw.pre_bind.push(index);
            }
            if plugin.as_bind().is_some() && entry.active_at("bind") {
                fw.bind.push(index);
            }
            fw.plugins.push(plugin);
        }
        fw.queue_sort = match queue_sort[..] {
            [one] => one,
            [] => return Err(ConfigError::NoQueueSort(name.clone())),
            _ => return Err(ConfigError::ManyQueueSorts(name.clone())),
        };
        if fw.bind.is_empty() {
            return Err(ConfigError::NoBindPlugin(name.clone()));
        }
        Ok(fw)
    }

    /// The profile's QueueSort plugin (shared with the scheduling queue).
    pub fn queue_sort_plugin(&self) -> Arc<dyn Plugin> {
        Arc::clone(&self.plugins[self.queue_sort])
    }

    /// Arguments of the QueueSort plugin (profiles must agree on them too).
    fn queue_sort_args(&self) -> Option<&PluginArgs> {
        let name = self.plugins[self.queue_sort].name();
        self.profile
            .plugins
            .iter()
            .find(|e| e.name == name)
            .map(|e| &e.args)
    }

    /// Upstream's profile validation (`profile.NewMap`): every profile must use the same
    /// QueueSort plugin, with the same arguments, as the first one.
    pub fn check_same_queue_sort(&self, first: &Framework) -> Result<(), ConfigError> {
        let (mine, theirs) = (
            self.plugins[self.queue_sort].name(),
            first.plugins[first.queue_sort].name(),
        );
        if mine != theirs {
            return Err(ConfigError::DifferentQueueSort {
                profile: self.profile.scheduler_name.clone(),
                plugin: mine.to_string(),
                first: theirs.to_string(),
            });
        }
        if self.queue_sort_args() != first.queue_sort_args() {
            return Err(ConfigError::DifferentQueueSortArgs(
                self.profile.scheduler_name.clone(),
            ));
        }
        Ok(())
    }

    /// The profile this framework was built from.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The profile's scheduler name.
    pub fn profile_name(&self) -> &str {
        &self.profile.scheduler_name
    }

    /// `percentageOfNodesToScore` of the profile.
    pub fn percentage_of_nodes_to_score(&self) -> Option<i64> {
        self.profile.percentage_of_nodes_to_score
    }

    /// `(extension point, plugin name)` pairs in execution order, for diagnostics and tests.
    pub fn plugin_names(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = vec![("QueueSort", self.plugins[self.queue_sort].name())];
        let points: [(&'static str, &[usize]); 4] = [
            ("PreFilter", &self.pre_filter),
            ("Filter", &self.filter),
            ("PostFilter", &self.post_filter),
            ("PreScore", &self.pre_score),
        ];
        for (point, list) in points {
            out.extend(list.iter().map(|&i| (point, self.plugins[i].name())));
        }
        out.extend(
            self.score
                .iter()
                .map(|&(i, _)| ("Score", self.plugins[i].name())),
        );
        let points: [(&'static str, &[usize]); 3] = [
            ("Reserve", &self.reserve),
            ("PreBind", &self.pre_bind),
            ("Bind", &self.bind),
        ];
        for (point, list) in points {
            out.extend(list.iter().map(|&i| (point, self.plugins[i].name())));
        }
        out
    }

    /// The weight of a score plugin, if it scores in this profile.
    pub fn score_weight(&self, plugin: &str) -> Option<i64> {
        self.score
            .iter()
            .find(|(i, _)| self.plugins[*i].name() == plugin)
            .map(|&(_, w)| w)
    }

    /// True when some plugin filters.
    pub fn has_filter_plugins(&self) -> bool {
        !self.filter.is_empty()
    }

    /// True when some plugin scores.
    pub fn has_score_plugins(&self) -> bool {
        !self.score.is_empty()
    }

    /// True when some plugin runs at PostFilter.
    pub fn has_post_filter_plugins(&self) -> bool {
        !self.post_filter.is_empty()
    }

    /// `RunPreFilterPlugins`: runs every PreFilter in order. `Skip` adds the plugin to
    /// `state.skip_filter_plugins`; `UnschedulableAndUnresolvable` stops at once; `Unschedulable`
    /// is remembered and the others still run; results are intersected, and an empty
    /// intersection rejects the pod (`node(s) didn't satisfy plugin(s) …`).
    pub fn run_pre_filter_plugins(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        nodes: &[NodeInfo],
    ) -> PreFilterOutcome {
        let mut result: Option<PreFilterResult> = None;
        let mut plugins_with_nodes = BTreeSet::new();
        let mut return_status = Status::success();
        state.skip_filter_plugins.clear();
        for &i in &self.pre_filter {
            let plugin = &self.plugins[i];
            let Some(pre_filter) = plugin.as_pre_filter() else {
                continue;
            };
            let name = plugin.name();
            let (r, s) = pre_filter.pre_filter(state, pod, nodes);
            if s.is_skip() {
                state.skip_filter_plugins.insert(name);
                continue;
            }
            match s.code {
                Code::Success => {}
                Code::UnschedulableAndUnresolvable => {
                    return PreFilterOutcome {
                        result: None,
                        status: s.with_plugin(name),
                        plugins_with_nodes: BTreeSet::new(),
                    };
                }
                Code::Unschedulable => {
                    return_status = s.with_plugin(name);
                    continue;
                }
                Code::Error | Code::Skip => {
                    return PreFilterOutcome {
                        result: None,
                        status: Status::error(format!(
                            "running PreFilter plugin {name:?}: {}",
                            s.message()
                        ))
                        .with_plugin(name),
                        plugins_with_nodes: BTreeSet::new(),
                    };
                }
            }
            let Some(r) = r else { continue };
            if r.all_nodes() {
                continue;
            }
            plugins_with_nodes.insert(name);
            let merged = match result.take() {
                None => r,
                Some(prev) => prev.merge(r),
            };
            let empty = merged.node_names.as_ref().is_some_and(|n| n.is_empty());
            result = Some(merged);
            if empty {
                let message = if plugins_with_nodes.len() == 1 {
                    let only = plugins_with_nodes
                        .iter()
                        .next()
                        .copied()
                        .unwrap_or_default();
                    format!("node(s) didn't satisfy plugin {only}")
                } else {
                    format!(
                        "node(s) didn't satisfy plugin(s) {} simultaneously",
                        go_list(&plugins_with_nodes)
                    )
                };
                return PreFilterOutcome {
                    result,
                    status: Status::new(Code::UnschedulableAndUnresolvable, message),
                    plugins_with_nodes,
                };
            }
        }
        PreFilterOutcome {
            result,
            status: return_status,
            plugins_with_nodes,
        }
    }

    /// The Filter plugins not skipped by PreFilter this cycle, by plugin index (computed once per
    /// cycle, then passed to [`Self::run_filter_plugins_with`]).
    pub fn active_filter_plugins(&self, state: &CycleState) -> Vec<usize> {
        self.filter
            .iter()
            .copied()
            .filter(|&i| !state.skip_filter_plugins.contains(self.plugins[i].name()))
            .collect()
    }

    /// `RunFilterPlugins` over a precomputed active list: the first non-success status wins,
    /// tagged with its plugin; a status other than a rejection becomes an `Error`.
    pub fn run_filter_plugins_with(
        &self,
        active: &[usize],
        state: &CycleState,
        pod: &PodInfo<'_>,
        node: &NodeInfo,
    ) -> Status {
        for &i in active {
            let plugin = &self.plugins[i];
            let Some(filter) = plugin.as_filter() else {
                continue;
            };
            let status = filter.filter(state, pod, node);
            if status.is_success() {
                continue;
            }
            let name = plugin.name();
            if !status.is_rejected() {
                return Status::error(format!(
                    "running {name:?} filter plugin: {}",
                    status.message()
                ))
                .with_plugin(name);
            }
            return status.with_plugin(name);
        }
        Status::success()
    }

    /// `RunFilterPlugins` for one node (computes the active list; prefer
    /// [`Self::run_filter_plugins_with`] in loops).
    pub fn run_filter_plugins(
        &self,
        state: &CycleState,
        pod: &PodInfo<'_>,
        node: &NodeInfo,
    ) -> Status {
        let active = self.active_filter_plugins(state);
        self.run_filter_plugins_with(&active, state, pod, node)
    }

    /// `RunPreFilterExtensionAddPod` (`add` true) / `RemovePod` (`add` false): tells every
    /// PreFilter plugin not skipped this cycle that `changed` was added to / removed from `node`.
    pub fn run_pre_filter_extension(
        &self,
        add: bool,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        changed: &NodePod,
        node: &NodeInfo,
    ) -> Status {
        for &i in &self.pre_filter {
            let plugin = &self.plugins[i];
            let name = plugin.name();
            let Some(pre_filter) = plugin.as_pre_filter() else {
                continue;
            };
            if state.skip_filter_plugins.contains(name) {
                continue;
            }
            let status = if add {
                pre_filter.add_pod(state, pod, changed, node)
            } else {
                pre_filter.remove_pod(state, pod, changed, node)
            };
            if !status.is_success() {
                let verb = if add { "AddPod" } else { "RemovePod" };
                return Status::error(format!(
                    "running {verb} on PreFilter plugin {name:?}: {}",
                    status.message()
                ))
                .with_plugin(name);
            }
        }
        Status::success()
    }

    /// `RunFilterPluginsWithNominatedPods`: when pods of equal or higher priority (other than
    /// `pod`) are nominated to `node`, Filter runs first with them added to a copy of the node
    /// (and the state updated through the PreFilter extensions), then, if that passed, again
    /// without them, so that the pod fits whether or not they arrive.
    pub fn run_filter_plugins_with_nominated_pods(
        &self,
        active: &[usize],
        state: &CycleState,
        pod: &PodInfo<'_>,
        node: &NodeInfo,
        nominated: &[PodInfo<'_>],
    ) -> Status {
        let mut relevant = nominated
            .iter()
            .filter(|n| n.uid != pod.uid && n.spec.priority >= pod.spec.priority)
            .peekable();
        if relevant.peek().is_none() {
            return self.run_filter_plugins_with(active, state, pod, node);
        }
        let mut state_with = state.clone();
        let mut node_with = node.clone();
        for nominated_pod in relevant {
            node_with.add_pod(nominated_pod);
            let Some(added) = node_with.pods.last().cloned() else {
                continue;
            };
            let status =
                self.run_pre_filter_extension(true, &mut state_with, pod, &added, &node_with);
            if !status.is_success() {
                return status;
            }
        }
        let status = self.run_filter_plugins_with(active, &state_with, pod, &node_with);
        if !status.is_success() {
            return status;
        }
        self.run_filter_plugins_with(active, state, pod, node)
    }

    /// `RunPostFilterPlugins`: stops at the first `Success` or `UnschedulableAndUnresolvable`;
    /// an `Error` aborts; otherwise the reasons of all plugins are collected into one
    /// `Unschedulable` status.
    pub fn run_post_filter_plugins(
        &self,
        ctx: &mut PostFilterContext<'_>,
        state: &CycleState,
        pod: &PodInfo<'_>,
        nodes: &[NodeInfo],
        statuses: &NodeToStatus,
    ) -> (Option<PostFilterResult>, Status) {
        let mut result = None;
        let mut reasons = Vec::new();
        let mut rejector = "";
        for &i in &self.post_filter {
            let plugin = &self.plugins[i];
            let Some(post_filter) = plugin.as_post_filter() else {
                continue;
            };
            let name = plugin.name();
            let (r, s) = post_filter.post_filter(ctx, state, pod, nodes, statuses);
            match s.code {
                Code::Success => return (r, s),
                Code::UnschedulableAndUnresolvable => return (r, s.with_plugin(name)),
                Code::Unschedulable => {
                    if r.is_some() {
                        result = r;
                    }
                    reasons.extend(s.reasons);
                    if rejector.is_empty() {
                        rejector = name;
                    }
                }
                Code::Error | Code::Skip => {
                    return (
                        None,
                        Status::with_reasons(Code::Error, s.reasons).with_plugin(name),
                    );
                }
            }
        }
        (
            result,
            Status::with_reasons(Code::Unschedulable, reasons).with_plugin(rejector),
        )
    }

    /// `RunPreScorePlugins`: `Skip` adds the plugin to `state.skip_score_plugins`; any other
    /// non-success is an `Error`.
    pub fn run_pre_score_plugins(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        nodes: &[&NodeInfo],
        all_nodes: &[NodeInfo],
    ) -> Status {
        state.skip_score_plugins.clear();
        for &i in &self.pre_score {
            let plugin = &self.plugins[i];
            let Some(pre_score) = plugin.as_pre_score() else {
                continue;
            };
            let name = plugin.name();
            let status = pre_score.pre_score(state, pod, nodes, all_nodes);
            if status.is_skip() {
                state.skip_score_plugins.insert(name);
            } else if !status.is_success() {
                return Status::error(format!(
                    "running PreScore plugin {name:?}: {}",
                    status.message()
                ))
                .with_plugin(name);
            }
        }
        Status::success()
    }

    /// `RunScorePlugins`: for each score plugin not skipped, scores every node, normalizes,
    /// checks the range `[0, 100]`, multiplies by the weight and adds into `totals` (resized to
    /// `nodes.len()` and zeroed). `scratch` is a reusable buffer (no per-node allocation).
    pub fn run_score_plugins(
        &self,
        state: &CycleState,
        pod: &PodInfo<'_>,
        nodes: &[&NodeInfo],
        totals: &mut Vec<i64>,
        scratch: &mut Vec<i64>,
    ) -> Status {
        totals.clear();
        totals.resize(nodes.len(), 0);
        for &(i, weight) in &self.score {
            let plugin = &self.plugins[i];
            let name = plugin.name();
            if state.skip_score_plugins.contains(name) {
                continue;
            }
            let Some(score) = plugin.as_score() else {
                continue;
            };
            scratch.clear();
            for node in nodes {
                match score.score(state, pod, node) {
                    Ok(s) => scratch.push(s),
                    Err(status) => {
                        return Status::error(format!(
                            "running Score plugins: plugin {name:?} failed with: {}",
                            status.message()
                        ))
                        .with_plugin(name);
                    }
                }
            }
            let status = score.normalize_score(state, pod, nodes, scratch);
            if !status.is_success() {
                return Status::error(format!(
                    "running Normalize on Score plugins: plugin {name:?} failed with: {}",
                    status.message()
                ))
                .with_plugin(name);
            }
            for (total, &s) in totals.iter_mut().zip(scratch.iter()) {
                if !(MIN_NODE_SCORE..=MAX_NODE_SCORE).contains(&s) {
                    return Status::error(format!(
                        "plugin {name:?} returns an invalid score {s}, it should in the range of \
                         [{MIN_NODE_SCORE}, {MAX_NODE_SCORE}] after normalizing"
                    ))
                    .with_plugin(name);
                }
                *total += s * weight;
            }
        }
        Status::success()
    }

    /// Every Filter plugin's own verdict on `node`, in order, without stopping at the first
    /// rejection (explanations; the cycle itself uses [`Self::run_filter_plugins_with`]). `None`
    /// for a plugin whose PreFilter returned `Skip` this cycle; statuses are tagged with their
    /// plugin, and one that is neither a success nor a rejection becomes an `Error`, as in
    /// `RunFilterPlugins`.
    pub fn run_each_filter_plugin(
        &self,
        state: &CycleState,
        pod: &PodInfo<'_>,
        node: &NodeInfo,
    ) -> Vec<(&'static str, Option<Status>)> {
        let mut out = Vec::with_capacity(self.filter.len());
        for &i in &self.filter {
            let plugin = &self.plugins[i];
            let name = plugin.name();
            let Some(filter) = plugin.as_filter() else {
                continue;
            };
            if state.skip_filter_plugins.contains(name) {
                out.push((name, None));
                continue;
            }
            let status = filter.filter(state, pod, node);
            let status = if status.is_success() || status.is_rejected() {
                status
            } else {
                Status::error(format!(
                    "running {name:?} filter plugin: {}",
                    status.message()
                ))
            };
            out.push((name, Some(status.with_plugin(name))));
        }
        out
    }

    /// [`Self::run_score_plugins`] plugin by plugin: each Score plugin's normalised score ×
    /// weight on every node of `nodes`, in profile order, so that an explanation can show the
    /// columns whose sums the cycle compares. Fails as `run_score_plugins` does.
    pub fn run_each_score_plugin(
        &self,
        state: &CycleState,
        pod: &PodInfo<'_>,
        nodes: &[&NodeInfo],
    ) -> Result<Vec<PluginScores>, Status> {
        let mut out = Vec::with_capacity(self.score.len());
        for &(i, weight) in &self.score {
            let plugin = &self.plugins[i];
            let name = plugin.name();
            let Some(score) = plugin.as_score() else {
                continue;
            };
            if state.skip_score_plugins.contains(name) {
                out.push(PluginScores {
                    plugin: name,
                    weight,
                    weighted: None,
                });
                continue;
            }
            let mut scores = Vec::with_capacity(nodes.len());
            for node in nodes {
                let s = score.score(state, pod, node).map_err(|status| {
                    Status::error(format!(
                        "running Score plugins: plugin {name:?} failed with: {}",
                        status.message()
                    ))
                    .with_plugin(name)
                })?;
                scores.push(s);
            }
            let status = score.normalize_score(state, pod, nodes, &mut scores);
            if !status.is_success() {
                return Err(Status::error(format!(
                    "running Normalize on Score plugins: plugin {name:?} failed with: {}",
                    status.message()
                ))
                .with_plugin(name));
            }
            if let Some(&s) = scores
                .iter()
                .find(|s| !(MIN_NODE_SCORE..=MAX_NODE_SCORE).contains(*s))
            {
                return Err(Status::error(format!(
                    "plugin {name:?} returns an invalid score {s}, it should in the range of \
                     [{MIN_NODE_SCORE}, {MAX_NODE_SCORE}] after normalizing"
                ))
                .with_plugin(name));
            }
            out.push(PluginScores {
                plugin: name,
                weight,
                weighted: Some(scores.iter().map(|s| s * weight).collect()),
            });
        }
        Ok(out)
    }

    /// `RunReservePluginsReserve`: runs every Reserve plugin in order; the first failure stops
    /// (a rejection keeps its code and gains the plugin; anything else becomes an `Error`). The
    /// caller runs [`Self::run_reserve_plugins_unreserve`] on failure.
    pub fn run_reserve_plugins_reserve(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        node_name: &str,
    ) -> Status {
        for &i in &self.reserve {
            let plugin = &self.plugins[i];
            let Some(reserve) = plugin.as_reserve() else {
                continue;
            };
            let name = plugin.name();
            let status = reserve.reserve(state, pod, node_name);
            if status.is_success() {
                continue;
            }
            if status.is_rejected() {
                return status.with_plugin(name);
            }
            return Status::error(format!(
                "running Reserve plugin {name:?}: {}",
                status.message()
            ))
            .with_plugin(name);
        }
        Status::success()
    }

    /// `RunReservePluginsUnreserve`: runs every Reserve plugin's Unreserve, in reverse order.
    pub fn run_reserve_plugins_unreserve(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        node_name: &str,
    ) {
        for &i in self.reserve.iter().rev() {
            if let Some(reserve) = self.plugins[i].as_reserve() {
                reserve.unreserve(state, pod, node_name);
            }
        }
    }

    /// `RunPreBindPlugins`: runs every PreBind plugin in order; the first failure stops (a
    /// rejection keeps its code, anything else becomes an `Error`).
    pub fn run_pre_bind_plugins(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        node_name: &str,
        client: &mut dyn ClusterClient,
    ) -> Status {
        for &i in &self.pre_bind {
            let plugin = &self.plugins[i];
            let Some(pre_bind) = plugin.as_pre_bind() else {
                continue;
            };
            let name = plugin.name();
            let status = pre_bind.pre_bind(state, pod, node_name, client);
            if status.is_success() || status.is_skip() {
                continue;
            }
            if status.is_rejected() {
                return status.with_plugin(name);
            }
            return Status::error(format!(
                "running PreBind plugin {name:?}: {}",
                status.message()
            ))
            .with_plugin(name);
        }
        Status::success()
    }

    /// `RunBindPlugins`: asks each Bind plugin in order until one does not `Skip`; its status
    /// is the result (`Skip` when every binder skipped). A failure that is not a rejection
    /// becomes an `Error` naming the plugin and the pod.
    pub fn run_bind_plugins(
        &self,
        state: &mut CycleState,
        pod: &PodInfo<'_>,
        node_name: &str,
        client: &mut dyn ClusterClient,
    ) -> Status {
        for &i in &self.bind {
            let plugin = &self.plugins[i];
            let Some(bind) = plugin.as_bind() else {
                continue;
            };
            let name = plugin.name();
            let status = bind.bind(state, pod, node_name, client);
            if status.is_skip() {
                continue;
            }
            if status.is_success() {
                return status;
            }
            if status.is_rejected() {
                return status.with_plugin(name);
            }
            return Status::error(format!(
                "bind plugin {name:?} failed to bind pod \"{}/{}\": {}",
                pod.namespace,
                pod.name,
                status.message()
            ))
            .with_plugin(name);
        }
        Status::skip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::profile::{PluginArgs, PluginEntry};

    #[test]
    fn default_profile_extension_points_keep_profile_order() {
        let fw = Framework::new(&Profile::default_profile()).expect("default profile is valid");
        let at = |point: &str| -> Vec<&str> {
            fw.plugin_names()
                .into_iter()
                .filter(|(p, _)| *p == point)
                .map(|(_, n)| n)
                .collect()
        };
        assert_eq!(
            at("PreFilter"),
            [
                "NodeAffinity",
                "NodePorts",
                "NodeResourcesFit",
                "NodeVolumeLimits",
                "VolumeBinding",
                "VolumeZone",
                "PodTopologySpread",
                "InterPodAffinity"
            ]
        );
        assert_eq!(
            at("Filter"),
            [
                "NodeUnschedulable",
                "NodeName",
                "TaintToleration",
                "NodeAffinity",
                "NodePorts",
                "NodeResourcesFit",
                "NodeVolumeLimits",
                "VolumeBinding",
                "VolumeZone",
                "PodTopologySpread",
                "InterPodAffinity"
            ]
        );
        assert_eq!(at("PostFilter"), ["DefaultPreemption"]);
        assert_eq!(at("QueueSort"), ["PrioritySort"]);
        assert_eq!(at("Reserve"), ["VolumeBinding"]);
        assert_eq!(at("PreBind"), ["VolumeBinding"]);
        assert_eq!(at("Bind"), ["DefaultBinder"]);
        assert_eq!(
            at("PreScore"),
            [
                "NodeAffinity",
                "NodeResourcesFit",
                "PodTopologySpread",
                "InterPodAffinity",
                "NodeResourcesBalancedAllocation",
                "ImageLocality"
            ]
        );
        assert_eq!(
            at("Score"),
            [
                "TaintToleration",
                "NodeAffinity",
                "NodeResourcesFit",
                "PodTopologySpread",
                "InterPodAffinity",
                "NodeResourcesBalancedAllocation",
                "ImageLocality"
            ]
        );
        assert_eq!(fw.score_weight("PodTopologySpread"), Some(2));
        assert_eq!(fw.score_weight("InterPodAffinity"), Some(2));
        assert_eq!(fw.score_weight("ImageLocality"), Some(1));
        assert_eq!(fw.score_weight("TaintToleration"), Some(3));
        assert_eq!(fw.score_weight("NodeName"), None);
    }

    /// The per-plugin runners agree with the cycle's: the first rejection of
    /// `run_each_filter_plugin` is `run_filter_plugins`' status, and the weighted columns of
    /// `run_each_score_plugin` add up to `run_score_plugins`' totals.
    #[test]
    fn per_plugin_runners_agree_with_the_cycle_runners() {
        use crate::model::node::TaintEffect;
        use crate::scheduler::testing::{NodeBuilder, PodBuilder, pod};
        const GIB: i64 = 1 << 30;
        let fw = Framework::new(&Profile::default_profile()).expect("default profile is valid");
        let used = PodBuilder::new().req(1000, 2 * GIB).build();
        let nodes = vec![
            NodeBuilder::new("a")
                .alloc(500, GIB)
                .taint("k", "v", TaintEffect::NoSchedule)
                .info(),
            NodeBuilder::new("b")
                .alloc(4000, 8 * GIB)
                .with_pods(&[&used]),
            NodeBuilder::new("c").alloc(4000, 8 * GIB).info(),
            NodeBuilder::new("d")
                .alloc(8000, 4 * GIB)
                .taint("spot", "", TaintEffect::PreferNoSchedule)
                .info(),
        ];
        let spec = PodBuilder::new().req(1000, GIB).build();
        let p = pod(&spec);
        let mut state = CycleState::new();
        let pre = fw.run_pre_filter_plugins(&mut state, &p, &nodes);
        assert!(pre.status.is_success());
        let mut feasible = Vec::new();
        for node in &nodes {
            let each = fw.run_each_filter_plugin(&state, &p, node);
            // Every Filter plugin of the default profile (the three volume plugins included).
            assert_eq!(each.len(), 11);
            let first = each
                .iter()
                .find_map(|(_, s)| s.clone().filter(|s| !s.is_success()))
                .unwrap_or_default();
            assert_eq!(
                first,
                fw.run_filter_plugins(&state, &p, node),
                "{}",
                node.name()
            );
            if first.is_success() {
                feasible.push(node);
            }
        }
        assert_eq!(feasible.len(), 3, "a is tainted and too small");
        assert!(
            fw.run_pre_score_plugins(&mut state, &p, &feasible, &nodes)
                .is_success()
        );
        let (mut totals, mut scratch) = (Vec::new(), Vec::new());
        assert!(
            fw.run_score_plugins(&state, &p, &feasible, &mut totals, &mut scratch)
                .is_success()
        );
        let columns = fw
            .run_each_score_plugin(&state, &p, &feasible)
            .expect("scores");
        assert_eq!(columns.len(), 7);
        let sums: Vec<i64> = (0..feasible.len())
            .map(|k| {
                columns
                    .iter()
                    .filter_map(|c| c.weighted.as_ref().map(|w| w[k]))
                    .sum()
            })
            .collect();
        assert_eq!(sums, totals);
        let taint = columns
            .iter()
            .find(|c| c.plugin == "TaintToleration")
            .expect("TaintToleration scores");
        assert_eq!(taint.weight, 3);
        assert_eq!(
            taint.weighted,
            Some(vec![300, 300, 0]),
            "d has the soft taint"
        );
    }

    #[test]
    fn configuration_errors() {
        let mut p = Profile::default_profile();
        p.plugins.push(PluginEntry::new("VolumeRestrictions", 0));
        assert!(matches!(
            Framework::new(&p),
            Err(ConfigError::UnknownPlugin { .. })
        ));

        let mut p = Profile::default_profile();
        p.plugins.push(PluginEntry::new("NodeName", 0));
        assert!(matches!(
            Framework::new(&p),
            Err(ConfigError::DuplicatePlugin { .. })
        ));

        let mut p = Profile::default_profile();
        p.plugins[3].weight = -1;
        assert!(matches!(
            Framework::new(&p),
            Err(ConfigError::NegativeWeight { .. })
        ));

        let mut p = Profile::default_profile();
        p.percentage_of_nodes_to_score = Some(101);
        assert!(matches!(
            Framework::new(&p),
            Err(ConfigError::InvalidPercentage { .. })
        ));

        let mut p = Profile::default_profile();
        assert!(p.set_args(
            "NodeName",
            PluginArgs::BalancedAllocation(Default::default())
        ));
        assert!(matches!(
            Framework::new(&p),
            Err(ConfigError::ArgsMismatch { .. })
        ));

        let mut p = Profile::default_profile();
        p.plugins[3].weight = 0;
        let fw = Framework::new(&p).expect("weight 0 means 1");
        assert_eq!(fw.score_weight("TaintToleration"), Some(1));
    }

    fn only_at(name: &str, point: &str) -> PluginEntry {
        PluginEntry {
            only_point: Some(point.into()),
            enabled_points: vec![point.into()],
            ..PluginEntry::new(name, 0)
        }
    }

    #[test]
    fn queue_sort_and_bind_are_required_once() {
        let mut p = Profile::default_profile();
        assert!(p.disable("PrioritySort"));
        assert_eq!(
            Framework::new(&p).err(),
            Some(ConfigError::NoQueueSort("default-scheduler".into()))
        );
        let mut p = Profile::default_profile();
        assert!(p.disable("DefaultBinder"));
        let err = Framework::new(&p).expect_err("no binder");
        assert_eq!(
            err.to_string(),
            "profile \"default-scheduler\": at least one bind plugin is needed"
        );
        let mut p = Profile::default_profile();
        p.plugins.push(only_at("NodeName", "bind"));
        p.plugins
            .retain(|e| e.name != "NodeName" || e.only_point.is_some());
        let err = Framework::new(&p).expect_err("NodeName cannot bind");
        assert_eq!(
            err.to_string(),
            "profile \"default-scheduler\": plugin \"NodeName\" does not extend BindPlugin plugin"
        );
        let mut p = Profile::default_profile();
        p.plugins.retain(|e| e.name != "ImageLocality");
        p.plugins.push(only_at("ImageLocality", "permit"));
        assert!(matches!(
            Framework::new(&p),
            Err(ConfigError::NotAnExtension {
                interface: "PermitPlugin",
                ..
            })
        ));
    }

    /// A QueueSort plugin ordering by arrival only.
    struct Fifo;

    impl Plugin for Fifo {
        fn name(&self) -> &'static str {
            "Fifo"
        }

        fn as_queue_sort(&self) -> Option<&dyn crate::scheduler::framework::QueueSortPlugin> {
            Some(self)
        }
    }

    impl crate::scheduler::framework::QueueSortPlugin for Fifo {
        fn less(
            &self,
            a: &crate::scheduler::framework::QueuedPodInfo,
            b: &crate::scheduler::framework::QueuedPodInfo,
        ) -> bool {
            a.timestamp < b.timestamp
        }
    }

    #[test]
    fn profiles_must_share_the_queue_sort_plugin() {
        let first = Framework::new(&Profile::default_profile()).expect("valid");
        let mut second_profile = Profile::default_profile();
        second_profile.scheduler_name = "other".into();
        let mut second = Framework::new(&second_profile).expect("valid");
        assert_eq!(second.check_same_queue_sort(&first), Ok(()));
        second.plugins[second.queue_sort] = Arc::new(Fifo);
        let err = second.check_same_queue_sort(&first).expect_err("differs");
        assert_eq!(
            err.to_string(),
            "different queue sort plugins for profile \"other\": \"Fifo\", first: \"PrioritySort\""
        );
    }

    /// Records Reserve / Unreserve / PreBind calls into the cycle state.
    struct Recorder {
        name: &'static str,
        reserve: Code,
        pre_bind: Code,
        bind: Code,
    }

    #[derive(Clone, Default)]
    struct Log(Vec<String>);

    fn log(state: &mut CycleState, line: String) {
        let mut lines = state.read::<Log>("log").cloned().unwrap_or_default();
        lines.0.push(line);
        state.write("log", lines);
    }

    impl Plugin for Recorder {
        fn name(&self) -> &'static str {
            self.name
        }

        fn as_reserve(&self) -> Option<&dyn crate::scheduler::framework::ReservePlugin> {
            Some(self)
        }

        fn as_pre_bind(&self) -> Option<&dyn crate::scheduler::framework::PreBindPlugin> {
            Some(self)
        }

        fn as_bind(&self) -> Option<&dyn crate::scheduler::framework::BindPlugin> {
            Some(self)
        }
    }

    impl crate::scheduler::framework::ReservePlugin for Recorder {
        fn reserve(&self, state: &mut CycleState, _: &PodInfo<'_>, node: &str) -> Status {
            log(state, format!("reserve {} {node}", self.name));
            Status::new(self.reserve, "no room")
        }

        fn unreserve(&self, state: &mut CycleState, _: &PodInfo<'_>, node: &str) {
            log(state, format!("unreserve {} {node}", self.name));
        }
    }

    impl crate::scheduler::framework::PreBindPlugin for Recorder {
        fn pre_bind(
            &self,
            state: &mut CycleState,
            _: &PodInfo<'_>,
            _: &str,
            _: &mut dyn ClusterClient,
        ) -> Status {
            log(state, format!("preBind {}", self.name));
            Status::new(self.pre_bind, "volume busy")
        }
    }

    impl crate::scheduler::framework::BindPlugin for Recorder {
        fn bind(
            &self,
            state: &mut CycleState,
            _: &PodInfo<'_>,
            _: &str,
            _: &mut dyn ClusterClient,
        ) -> Status {
            log(state, format!("bind {}", self.name));
            Status::of(self.bind)
        }
    }

    fn recorders(list: Vec<Recorder>) -> Framework {
        let mut fw = Framework::new(&Profile::default_profile()).expect("valid");
        fw.bind.clear();
        for r in list {
            let index = fw.plugins.len();
            fw.plugins.push(Arc::new(r));
            fw.reserve.push(index);
            fw.pre_bind.push(index);
            fw.bind.push(index);
        }
        fw
    }

    fn rec(name: &'static str, reserve: Code, pre_bind: Code, bind: Code) -> Recorder {
        Recorder {
            name,
            reserve,
            pre_bind,
            bind,
        }
    }

    #[test]
    fn reserve_stops_at_the_first_failure_and_unreserve_runs_in_reverse() {
        use Code::*;
        let fw = recorders(vec![
            rec("A", Success, Success, Skip),
            rec("B", Unschedulable, Success, Success),
            rec("C", Success, Success, Success),
        ]);
        let spec = crate::scheduler::testing::PodBuilder::new().build();
        let pod = crate::scheduler::testing::pod(&spec);
        let mut state = CycleState::new();
        let status = fw.run_reserve_plugins_reserve(&mut state, &pod, "n1");
        assert_eq!(status.code, Unschedulable);
        assert_eq!(status.plugin, "B");
        fw.run_reserve_plugins_unreserve(&mut state, &pod, "n1");
        assert_eq!(
            state.read::<Log>("log").expect("logged").0,
            [
                "reserve A n1",
                "reserve B n1",
                "unreserve C n1",
                "unreserve B n1",
                "unreserve A n1"
            ]
        );

        let fw = recorders(vec![rec("A", Error, Success, Success)]);
        let status = fw.run_reserve_plugins_reserve(&mut CycleState::new(), &pod, "n1");
        assert_eq!(status.message(), "running Reserve plugin \"A\": no room");
        assert!(status.is_error());
    }

    #[test]
    fn pre_bind_then_bind_where_skip_means_next_binder() {
        use Code::*;
        let spec = crate::scheduler::testing::PodBuilder::new().build();
        let pod = crate::scheduler::testing::pod(&spec);
        let mut client = crate::scheduler::testing::RecordingClient::default();

        let fw = recorders(vec![
            rec("A", Success, Success, Skip),
            rec("B", Success, Success, Success),
            rec("C", Success, Success, Success),
        ]);
        let mut state = CycleState::new();
        assert!(
            fw.run_pre_bind_plugins(&mut state, &pod, "n1", &mut client)
                .is_success()
        );
        assert!(
            fw.run_bind_plugins(&mut state, &pod, "n1", &mut client)
                .is_success()
        );
        assert_eq!(
            state.read::<Log>("log").expect("logged").0,
            ["preBind A", "preBind B", "preBind C", "bind A", "bind B"]
        );

        let fw = recorders(vec![rec("A", Success, Error, Skip)]);
        let status = fw.run_pre_bind_plugins(&mut CycleState::new(), &pod, "n1", &mut client);
        assert_eq!(
            status.message(),
            "running PreBind plugin \"A\": volume busy"
        );
        assert!(
            fw.run_bind_plugins(&mut CycleState::new(), &pod, "n1", &mut client)
                .is_skip()
        );

        let fw = recorders(vec![rec("A", Success, Success, Error)]);
        let status = fw.run_bind_plugins(&mut CycleState::new(), &pod, "n1", &mut client);
        assert_eq!(
            status.message(),
            "bind plugin \"A\" failed to bind pod \"default/p\": "
        );
    }
}
