//! Argo's AnalysisRun controller (`analysis/analysis.go`): a run takes each metric's
//! measurements on time (`initialDelay`, then every `interval`, 10 s after an error), counts
//! them, and assesses every metric (`failureLimit`, `inconclusiveLimit`,
//! `consecutiveErrorLimit`, `count`) and the run (the worst completed metric). A measurement is
//! the simulated success rate of the new version's pods; with none available it is an error
//! (no data), as an empty query result is upstream.

use crate::model::analysis::{AnalysisPhase, DEFAULT_ERROR_RETRY_INTERVAL_NS, Measured, Metric};
use crate::sim::time::SimTime;

/// Which part of a Rollout created a run (Argo's `rollout-type` label values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// A canary `analysis` step (its index).
    Step(usize),
    /// `strategy.canary.analysis`.
    Background,
    /// `blueGreen.prePromotionAnalysis`.
    PrePromotion,
    /// `blueGreen.postPromotionAnalysis`.
    PostPromotion,
}

impl RunKind {
    /// Argo's label (`Step`, `Background`, `PrePromotion`, `PostPromotion`).
    pub fn label(self) -> &'static str {
        match self {
            RunKind::Step(_) => "Step",
            RunKind::Background => "Background",
            RunKind::PrePromotion => "PrePromotion",
            RunKind::PostPromotion => "PostPromotion",
        }
    }
}

/// One metric's `status.metricResults` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricRun {
    /// Completed measurements that were not errors.
    pub count: i64,
    /// Successful measurements.
    pub successful: i64,
    /// Failed measurements.
    pub failed: i64,
    /// Inconclusive measurements.
    pub inconclusive: i64,
    /// Measurement errors.
    pub error: i64,
    /// Errors in a row.
    pub consecutive_error: i64,
    /// When the last measurement finished, and its phase.
    pub last: Option<(SimTime, AnalysisPhase)>,
    /// The metric's phase (Pending until the first measurement).
    pub phase: Option<AnalysisPhase>,
    /// The last measurement's message (errors only).
    pub message: String,
}

/// An AnalysisRun.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisRunState {
    /// `metadata.name`.
    pub name: String,
    /// What created it.
    pub kind: RunKind,
    /// `status.startedAt`.
    pub started: SimTime,
    /// The metrics of its templates, in order.
    pub metrics: Vec<Metric>,
    /// One result per metric.
    pub results: Vec<MetricRun>,
    /// `status.phase`.
    pub phase: AnalysisPhase,
    /// `status.message`.
    pub message: String,
    /// The phase last reported on the Rollout (its `AnalysisRun<Phase>` events).
    pub reported: Option<AnalysisPhase>,
}

/// An event the analysis controller records on the AnalysisRun.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEvent {
    /// Warning (Failed, Error) or Normal.
    pub warning: bool,
    /// `Metric<Phase>` or `AnalysisRun<Phase>`.
    pub reason: &'static str,
    /// The message.
    pub message: String,
}

/// `Metric<Phase>` reasons.
fn metric_reason(phase: AnalysisPhase) -> &'static str {
    match phase {
        AnalysisPhase::Pending => "MetricPending",
        AnalysisPhase::Running => "MetricRunning",
        AnalysisPhase::Successful => "MetricSuccessful",
        AnalysisPhase::Inconclusive => "MetricInconclusive",
        AnalysisPhase::Error => "MetricError",
        AnalysisPhase::Failed => "MetricFailed",
    }
}

/// `AnalysisRun<Phase>` reasons (on the AnalysisRun and on its Rollout).
pub fn run_reason(phase: AnalysisPhase) -> &'static str {
    match phase {
        AnalysisPhase::Pending => "AnalysisRunPending",
        AnalysisPhase::Running => "AnalysisRunRunning",
        AnalysisPhase::Successful => "AnalysisRunSuccessful",
        AnalysisPhase::Inconclusive => "AnalysisRunInconclusive",
        AnalysisPhase::Error => "AnalysisRunError",
        AnalysisPhase::Failed => "AnalysisRunFailed",
    }
}

fn is_warning(phase: AnalysisPhase) -> bool {
    matches!(phase, AnalysisPhase::Failed | AnalysisPhase::Error)
}

/// The message when no pod of the new version is available to measure.
pub const NO_DATA: &str = "no available pod of the new version to measure";

impl AnalysisRunState {
    /// A new run started at `now`.
    pub fn new(name: String, kind: RunKind, metrics: Vec<Metric>, now: SimTime) -> Self {
        let results = vec![MetricRun::default(); metrics.len()];
        AnalysisRunState {
            name,
            kind,
            started: now,
            metrics,
            results,
            phase: AnalysisPhase::Running,
            message: String::new(),
            reported: None,
        }
    }

    /// When metric `i` takes its next measurement (`None`: never again).
    fn due(&self, i: usize) -> Option<SimTime> {
        let (metric, result) = (&self.metrics[i], &self.results[i]);
        if result.phase.is_some_and(AnalysisPhase::completed) {
            return None;
        }
        let Some((finished, phase)) = result.last else {
            return Some(self.started.plus_nanos(metric.initial_delay_ns));
        };
        if metric
            .effective_count()
            .is_some_and(|count| result.count >= count)
        {
            return None;
        }
        let interval = if phase == AnalysisPhase::Error {
            DEFAULT_ERROR_RETRY_INTERVAL_NS
        } else {
            metric
                .interval_ns
                .unwrap_or(DEFAULT_ERROR_RETRY_INTERVAL_NS)
        };
        Some(finished.plus_nanos(interval))
    }

    /// One reconcile at `now`: takes the due measurements of `measured` (`None`: no data),
    /// assesses the metrics and the run. Returns the events and the time of the next due
    /// measurement.
    pub fn reconcile(
        &mut self,
        now: SimTime,
        measured: Option<Measured>,
    ) -> (Vec<RunEvent>, Option<SimTime>) {
        if self.phase.completed() {
            return (Vec::new(), None);
        }
        for i in 0..self.metrics.len() {
            if self.due(i).is_some_and(|at| at <= now) {
                let phase = match &measured {
                    Some(m) => self.metrics[i].evaluate(m),
                    None => AnalysisPhase::Error,
                };
                let r = &mut self.results[i];
                match phase {
                    AnalysisPhase::Error => {
                        r.error += 1;
                        r.consecutive_error += 1;
                        r.message = NO_DATA.to_string();
                    }
                    other => {
                        r.count += 1;
                        r.consecutive_error = 0;
                        r.message.clear();
                        match other {
                            AnalysisPhase::Successful => r.successful += 1,
                            AnalysisPhase::Failed => r.failed += 1,
                            _ => r.inconclusive += 1,
                        }
                    }
                }
                r.last = Some((now, phase));
            }
        }
        let mut events = self.assess(false);
        // Argo's `IsTerminating`: a metric that failed, errored or was inconclusive ends the
        // run; the metrics still running end Successful and the run takes the worst phase.
        if !self.phase.completed()
            && self.results.iter().any(|r| {
                matches!(
                    r.phase,
                    Some(
                        AnalysisPhase::Failed | AnalysisPhase::Error | AnalysisPhase::Inconclusive
                    )
                )
            })
        {
            events.extend(self.assess(true));
        }
        let next = if self.phase.completed() {
            None
        } else {
            (0..self.metrics.len()).filter_map(|i| self.due(i)).min()
        };
        (events, next)
    }

    /// Terminates the run (the Rollout no longer needs it): metrics still running end
    /// Successful, as Argo's `assessMetricStatus` does for a terminating run.
    pub fn terminate(&mut self) -> Vec<RunEvent> {
        if self.phase.completed() {
            return Vec::new();
        }
        self.assess(true)
    }

    fn assess(&mut self, terminating: bool) -> Vec<RunEvent> {
        let mut events = Vec::new();
        let mut everything_completed = true;
        let mut worst: Option<(AnalysisPhase, String)> = None;
        for (metric, result) in self.metrics.iter().zip(self.results.iter_mut()) {
            let phase = assess_metric(metric, result, terminating);
            if result.phase != Some(phase) && phase.completed() {
                events.push(RunEvent {
                    warning: is_warning(phase),
                    reason: metric_reason(phase),
                    message: format!(
                        "Metric '{}' Completed. Result: {}",
                        metric.name,
                        phase.as_str()
                    ),
                });
            }
            result.phase = (phase != AnalysisPhase::Pending).then_some(phase);
            if !phase.completed() {
                everything_completed = false;
                continue;
            }
            if worst.as_ref().is_none_or(|(w, _)| phase.is_worse_than(*w)) {
                let mut text = String::new();
                if let Some((_, message)) = limit_exceeded(metric, result) {
                    text = format!(
                        "Metric \"{}\" assessed {} due to {message}",
                        metric.name,
                        phase.as_str()
                    );
                    if !result.message.is_empty() {
                        text.push_str(&format!(": \"Error Message: {}\"", result.message));
                    }
                }
                worst = Some((phase, text));
            }
        }
        let (phase, message) = match worst {
            Some((w, m)) if everything_completed || terminating => (w, m),
            _ if terminating => (AnalysisPhase::Successful, String::new()),
            _ => (AnalysisPhase::Running, String::new()),
        };
        if phase != self.phase && phase.completed() {
            events.push(RunEvent {
                warning: is_warning(phase),
                reason: run_reason(phase),
                message: format!("Analysis Completed. Result: {}", phase.as_str()),
            });
        }
        self.phase = phase;
        self.message = message;
        events
    }
}

/// Argo's `assessMetricStatus`: the phase of one metric.
fn assess_metric(metric: &Metric, result: &MetricRun, terminating: bool) -> AnalysisPhase {
    if let Some(phase) = result.phase.filter(|p| p.completed()) {
        return phase;
    }
    if result.last.is_none() {
        return if terminating {
            AnalysisPhase::Successful
        } else {
            AnalysisPhase::Pending
        };
    }
    if let Some((phase, _)) = limit_exceeded(metric, result) {
        return phase;
    }
    if terminating
        || metric
            .effective_count()
            .is_some_and(|count| result.count >= count)
    {
        return AnalysisPhase::Successful;
    }
    AnalysisPhase::Running
}

/// Argo's `assessMetricFailureInconclusiveOrError`: Failed, Inconclusive or Error (the last that
/// applies) with the reason, when a limit is exceeded.
fn limit_exceeded(metric: &Metric, result: &MetricRun) -> Option<(AnalysisPhase, String)> {
    let mut verdict = None;
    if result.failed > metric.failure_limit {
        verdict = Some((
            AnalysisPhase::Failed,
            format!(
                "failed ({}) > failureLimit ({})",
                result.failed, metric.failure_limit
            ),
        ));
    }
    if result.inconclusive > metric.inconclusive_limit {
        verdict = Some((
            AnalysisPhase::Inconclusive,
            format!(
                "inconclusive ({}) > inconclusiveLimit ({})",
                result.inconclusive, metric.inconclusive_limit
            ),
        ));
    }
    if result.consecutive_error > metric.consecutive_error_limit {
        verdict = Some((
            AnalysisPhase::Error,
            format!(
                "consecutiveErrors ({}) > consecutiveErrorLimit ({})",
                result.consecutive_error, metric.consecutive_error_limit
            ),
        ));
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::analysis::Condition;

    const S: u64 = 1_000_000_000;

    fn metric(interval_s: Option<u64>, count: Option<i64>, failure_limit: i64) -> Metric {
        Metric {
            name: "success-rate".into(),
            interval_ns: interval_s.map(|s| s * S),
            initial_delay_ns: 0,
            count,
            success_condition: Some(Condition::parse("result[0] >= 0.95").unwrap()),
            failure_condition: None,
            failure_limit,
            inconclusive_limit: 0,
            consecutive_error_limit: 4,
            provider: "prometheus".into(),
        }
    }

    /// Reconciles at every due time until the run completes or `until_s`; returns the final
    /// phase, the message, the completion time (s) and the reasons recorded.
    fn drive(
        mut run: AnalysisRunState,
        error_rate_at: impl Fn(u64) -> Option<f64>,
        until_s: u64,
    ) -> (AnalysisPhase, String, Option<u64>, Vec<&'static str>) {
        let mut now = SimTime::ZERO;
        let mut reasons = Vec::new();
        loop {
            let s = now.as_nanos() / S;
            let measured = error_rate_at(s).map(|error_rate| Measured { error_rate });
            let (events, next) = run.reconcile(now, measured);
            reasons.extend(events.iter().map(|e| e.reason));
            if run.phase.completed() {
                return (run.phase, run.message, Some(s), reasons);
            }
            match next {
                Some(at) if at.as_nanos() / S <= until_s => now = at,
                _ => return (run.phase, run.message, None, reasons),
            }
        }
    }

    #[test]
    fn runs_follow_argo_limits_and_timing() {
        use AnalysisPhase::*;
        // (metric, error rate over time, expected phase, message part, completion second)
        type Case = (
            Metric,
            fn(u64) -> Option<f64>,
            AnalysisPhase,
            &'static str,
            Option<u64>,
        );
        let cases: Vec<Case> = vec![
            // One measurement (no interval, no count): pass or fail at once.
            (
                metric(None, None, 0),
                |_| Some(0.0),
                Successful,
                "",
                Some(0),
            ),
            (
                metric(None, None, 0),
                |_| Some(0.2),
                Failed,
                "Metric \"success-rate\" assessed Failed due to failed (1) > failureLimit (0)",
                Some(0),
            ),
            // Every 30 s, 3 times: the third measurement completes it.
            (
                metric(Some(30), Some(3), 0),
                |_| Some(0.0),
                Successful,
                "",
                Some(60),
            ),
            // failureLimit 1: the second failure fails it.
            (
                metric(Some(30), Some(5), 1),
                |_| Some(0.5),
                Failed,
                "failed (2) > failureLimit (1)",
                Some(30),
            ),
            // Goes bad at 45 s: the measurement at 60 s fails an indefinite metric.
            (
                metric(Some(30), None, 0),
                |s| Some(if s >= 45 { 0.5 } else { 0.0 }),
                Failed,
                "failed (1)",
                Some(60),
            ),
            // No data: an error every 10 s; the fifth exceeds consecutiveErrorLimit 4.
            (
                metric(Some(60), None, 0),
                |_| None,
                Error,
                "consecutiveErrors (5) > consecutiveErrorLimit (4): \"Error Message: no available pod",
                Some(40),
            ),
            // Errors then data: the errors reset.
            (
                metric(Some(60), Some(1), 0),
                |s| (s >= 20).then_some(0.0),
                Successful,
                "",
                Some(20),
            ),
            // Indefinite and healthy: still running.
            (metric(Some(30), None, 0), |_| Some(0.0), Running, "", None),
        ];
        for (i, (m, rate, phase, message, at)) in cases.into_iter().enumerate() {
            let run =
                AnalysisRunState::new("r".into(), RunKind::Background, vec![m], SimTime::ZERO);
            let (got, msg, when, _) = drive(run, rate, 600);
            assert_eq!(got, phase, "case {i}");
            assert!(msg.contains(message), "case {i}: {msg}");
            assert_eq!(when, at, "case {i}");
        }
    }

    #[test]
    fn inconclusive_and_initial_delay() {
        let mut m = metric(Some(10), Some(2), 0);
        m.failure_condition = Some(Condition::parse("result < 0.5").unwrap());
        m.initial_delay_ns = 20 * S;
        let run = AnalysisRunState::new("r".into(), RunKind::Step(1), vec![m], SimTime::ZERO);
        let (phase, message, at, reasons) = drive(run, |_| Some(0.2), 600);
        assert_eq!(phase, AnalysisPhase::Inconclusive);
        assert_eq!(at, Some(20));
        assert!(message.contains("inconclusive (1) > inconclusiveLimit (0)"));
        assert_eq!(reasons, ["MetricInconclusive", "AnalysisRunInconclusive"]);
    }

    #[test]
    fn worst_metric_decides_and_terminate_ends_running_metrics() {
        let good = metric(Some(30), None, 0);
        let mut bad = metric(None, None, 0);
        bad.name = "latency".into();
        bad.success_condition = Some(Condition::parse("errorRate < 0.01").unwrap());
        let mut run = AnalysisRunState::new(
            "r".into(),
            RunKind::Background,
            vec![good, bad],
            SimTime::ZERO,
        );
        let (events, next) = run.reconcile(SimTime::ZERO, Some(Measured { error_rate: 0.02 }));
        // The failed metric terminates the run: the running one ends Successful, the run
        // takes the worst phase.
        assert_eq!(run.phase, AnalysisPhase::Failed);
        assert_eq!(next, None);
        assert!(
            run.message
                .starts_with("Metric \"latency\" assessed Failed")
        );
        assert_eq!(
            events.iter().map(|e| e.reason).collect::<Vec<_>>(),
            ["MetricFailed", "MetricSuccessful", "AnalysisRunFailed"]
        );
        assert_eq!(
            events[0].message,
            "Metric 'latency' Completed. Result: Failed"
        );
        let mut healthy = AnalysisRunState::new(
            "h".into(),
            RunKind::Background,
            vec![metric(Some(30), None, 0)],
            SimTime::ZERO,
        );
        healthy.reconcile(SimTime::ZERO, Some(Measured { error_rate: 0.0 }));
        healthy.terminate();
        assert_eq!(healthy.phase, AnalysisPhase::Successful);
    }
}
