//! Argo Rollouts' `argoproj.io/v1alpha1 Rollout`: the fields timonel simulates (canary steps
//! realised by replica ratio, blue/green with active and preview Services, and analysis by
//! AnalysisTemplates measured on the simulated error rate of the new pods).

use super::intstr::IntOrPercent;
use super::meta::ObjectMeta;
use super::pod::PodTemplate;
use super::selector::LabelSelector;

/// The label Argo adds to the pods, ReplicaSets and Service selectors of a Rollout.
pub const HASH_LABEL: &str = "rollouts-pod-template-hash";

/// `scaleDownDelaySeconds` when not set.
pub const DEFAULT_SCALE_DOWN_DELAY_SECONDS: i64 = 30;

/// A Rollout as applied.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutObject {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Spec.
    pub spec: RolloutSpec,
    /// The object as JSON (for `setImage` and `patch`).
    pub source: serde_json::Value,
}

/// `spec` of a Rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutSpec {
    /// `spec.replicas` (default 1).
    pub replicas: i64,
    /// `spec.selector`.
    pub selector: LabelSelector,
    /// `spec.template`.
    pub template: PodTemplate,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: i64,
    /// `spec.strategy`.
    pub strategy: RolloutStrategy,
    /// `spec.paused` (`kubectl argo rollouts pause`): the steps and the promotion wait.
    pub paused: bool,
}

/// `spec.strategy`: exactly one of `canary` and `blueGreen`.
#[derive(Debug, Clone, PartialEq)]
pub enum RolloutStrategy {
    /// `canary`.
    Canary(CanaryStrategy),
    /// `blueGreen`.
    BlueGreen(BlueGreenStrategy),
}

/// `spec.strategy.canary`.
#[derive(Debug, Clone, PartialEq)]
pub struct CanaryStrategy {
    /// `steps`.
    pub steps: Vec<CanaryStep>,
    /// `maxSurge` (default 25%).
    pub max_surge: IntOrPercent,
    /// `maxUnavailable` (default 25%).
    pub max_unavailable: IntOrPercent,
    /// `trafficRouting` is set (accepted, not simulated: the stable set stays at full scale as
    /// Argo does, and `setCanaryScale` applies).
    pub traffic_routing: bool,
    /// Background analysis.
    pub analysis: Option<BackgroundAnalysis>,
}

/// One canary step.
#[derive(Debug, Clone, PartialEq)]
pub enum CanaryStep {
    /// `setWeight`: percent of the replicas on the new version.
    SetWeight(i64),
    /// `pause`: for a duration (ns), or until `promote` (`None`).
    Pause(Option<u64>),
    /// `setCanaryScale` (used only with `trafficRouting`, as Argo).
    SetCanaryScale(CanaryScale),
    /// `analysis`: an AnalysisRun that must succeed before the next step.
    Analysis(RolloutAnalysis),
}

/// `setCanaryScale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanaryScale {
    /// `replicas`: an absolute count.
    Replicas(i64),
    /// `weight`: percent of `spec.replicas`.
    Weight(i64),
    /// `matchTrafficWeight: true`.
    MatchTrafficWeight,
}

/// A reference to the templates of an analysis (`templates: [{templateName: X}]`, or
/// `clusterScope: true` for a ClusterAnalysisTemplate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRef {
    /// `templateName`.
    pub name: String,
    /// `clusterScope`.
    pub cluster_scope: bool,
}

/// A `RolloutAnalysis`: the templates whose metrics one AnalysisRun measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutAnalysis {
    /// `templates`, in order (their metrics are concatenated).
    pub templates: Vec<TemplateRef>,
}

/// `strategy.canary.analysis`: background analysis from `startingStep` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackgroundAnalysis {
    /// The templates.
    pub analysis: RolloutAnalysis,
    /// `startingStep` (default 0).
    pub starting_step: usize,
}

/// `spec.strategy.blueGreen`.
#[derive(Debug, Clone, PartialEq)]
pub struct BlueGreenStrategy {
    /// `activeService`.
    pub active_service: String,
    /// `previewService`.
    pub preview_service: Option<String>,
    /// `autoPromotionEnabled` (default true).
    pub auto_promotion_enabled: bool,
    /// `autoPromotionSeconds`.
    pub auto_promotion_seconds: Option<i64>,
    /// `scaleDownDelaySeconds` (default 30).
    pub scale_down_delay_seconds: i64,
    /// `prePromotionAnalysis`: must succeed before the active Service switches.
    pub pre_promotion_analysis: Option<RolloutAnalysis>,
    /// `postPromotionAnalysis`: must succeed after the switch before the new version is
    /// stable; a failure switches back.
    pub post_promotion_analysis: Option<RolloutAnalysis>,
}
