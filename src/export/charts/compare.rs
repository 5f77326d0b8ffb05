//! Charts comparing variants (scenarios of `compare`, parameter values of `sweep`): one bar per
//! variant with its confidence interval, a heatmap of a metric over two parameters, and one line
//! per variant over time. Each returns a [`Chart`] (SVG and PNG) ready to be written and
//! inlined into a report.

use super::figure::{Bar, BarFigure, HeatColumns, Heatmap, Panel, Series, TimeFigure};
use super::{Chart, ChartError, render};

/// A variant's statistic of one metric over its runs.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantStat {
    /// Variant name (scenario name, or `param=value`).
    pub variant: String,
    /// Mean over the runs.
    pub mean: f64,
    /// 95% confidence interval `(low, high)` of the mean (`None` with a single run).
    pub ci95: Option<(f64, f64)>,
}

/// A bar chart of one metric: one bar per variant (its mean) with a whisker for its 95%
/// confidence interval, in the order given. `metric` names the y axis and should carry its unit
/// (`"availability (fraction)"`, `"rollout duration (s)"`); `runs` is written in the legend.
///
/// The chart is written as `<name>.svg` / `<name>.png`.
pub fn comparison_bars(
    name: &str,
    title: &str,
    metric: &str,
    runs: u64,
    variants: &[VariantStat],
) -> Result<Chart, ChartError> {
    bars(name, title, "variant", metric, runs, variants)
}

/// A bar chart of one metric over the values of one swept parameter: one bar per value (its
/// mean over the runs) with a whisker for its 95% confidence interval, the x axis named after
/// `param`. Otherwise as [`comparison_bars`].
pub fn parameter_bars(
    name: &str,
    title: &str,
    param: &str,
    metric: &str,
    runs: u64,
    values: &[VariantStat],
) -> Result<Chart, ChartError> {
    bars(name, title, param, metric, runs, values)
}

fn bars(
    name: &str,
    title: &str,
    x_label: &str,
    metric: &str,
    runs: u64,
    variants: &[VariantStat],
) -> Result<Chart, ChartError> {
    let figure = BarFigure {
        title: title.to_string(),
        x_label: x_label.to_string(),
        y_label: metric.to_string(),
        ci_label: format!("95% CI over {runs} runs"),
        bars: variants
            .iter()
            .map(|v| Bar {
                label: v.variant.clone(),
                mean: v.mean,
                ci: v.ci95,
            })
            .collect(),
    };
    render(name, &figure)
}

/// A metric over a grid of two parameters (a sweep).
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterGrid {
    /// Name of the parameter along x (columns).
    pub x_param: String,
    /// Its values, left to right.
    pub x_values: Vec<String>,
    /// Name of the parameter along y (rows).
    pub y_param: String,
    /// Its values, top to bottom.
    pub y_values: Vec<String>,
    /// `values[y][x]`: the metric (e.g. its mean over runs); `None` where the cell was not run.
    pub values: Vec<Vec<Option<f64>>>,
}

/// A heatmap of a metric over two parameters, each cell labelled with its value; the colour
/// scale spans the values' minimum to maximum. `metric` names the colour bar, with its unit.
pub fn parameter_heatmap(
    name: &str,
    title: &str,
    metric: &str,
    grid: &ParameterGrid,
) -> Result<Chart, ChartError> {
    let present = grid.values.iter().flatten().flatten().copied();
    let (lo, hi) = present
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let range = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let figure = Heatmap {
        title: title.to_string(),
        x_label: grid.x_param.clone(),
        y_label: grid.y_param.clone(),
        value_label: metric.to_string(),
        columns: HeatColumns::Labels(grid.x_values.clone()),
        rows: grid.y_values.clone(),
        values: grid.values.clone(),
        range,
        annotate: true,
    };
    render(name, &figure)
}

/// One variant's series over time (e.g. a Service's served fraction, or ready replicas).
#[derive(Debug, Clone, PartialEq)]
pub struct VariantSeries {
    /// Variant name (legend).
    pub variant: String,
    /// Change points `(t_ms, value)` in time order, as recorded (a step function).
    pub points: Vec<(u64, f64)>,
}

/// An overlay line chart: one step line per variant over simulated time `[0, end_ms]`, in
/// minutes. `y_label` names the y axis, with its unit.
pub fn overlay_lines(
    name: &str,
    title: &str,
    y_label: &str,
    end_ms: u64,
    variants: &[VariantSeries],
) -> Result<Chart, ChartError> {
    let minutes = |t: u64| t as f64 / 60_000.0;
    let figure = TimeFigure {
        title: title.to_string(),
        x_label: "simulated time (min)".into(),
        x_range: (0.0, minutes(end_ms)),
        panels: vec![Panel {
            title: String::new(),
            y_label: y_label.to_string(),
            lines: variants
                .iter()
                .map(|v| Series {
                    label: v.variant.clone(),
                    points: v.points.iter().map(|(t, y)| (minutes(*t), *y)).collect(),
                    step: true,
                })
                .collect(),
            ..Panel::default()
        }],
    };
    render(name, &figure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::charts::svg_texts;

    fn stats() -> Vec<VariantStat> {
        vec![
            VariantStat {
                variant: "canary".into(),
                mean: 0.995,
                ci95: Some((0.99, 0.999)),
            },
            VariantStat {
                variant: "blue-green".into(),
                mean: 0.999,
                ci95: None,
            },
        ]
    }

    #[test]
    fn comparison_bars_draw_each_variant_and_are_byte_stable() {
        let a = comparison_bars(
            "cmp",
            "Availability",
            "availability (fraction)",
            5,
            &stats(),
        )
        .expect("draw");
        let b = comparison_bars(
            "cmp",
            "Availability",
            "availability (fraction)",
            5,
            &stats(),
        )
        .expect("draw");
        assert_eq!(a, b);
        assert!(a.svg.starts_with("<svg"));
        let texts = svg_texts(&a.svg);
        for text in [
            "canary",
            "blue-green",
            "95% CI over 5 runs",
            "availability (fraction)",
        ] {
            assert!(texts.iter().any(|t| t == text), "{text} missing: {texts:?}");
        }
        assert_eq!(&a.png[1..4], b"PNG");
    }

    #[test]
    fn parameter_heatmap_labels_cells_and_marks_missing_ones() {
        let grid = ParameterGrid {
            x_param: "maxSurge".into(),
            x_values: vec!["0".into(), "1".into(), "25%".into()],
            y_param: "replicas".into(),
            y_values: vec!["3".into(), "10".into()],
            values: vec![
                vec![Some(12.5), Some(20.0), None],
                vec![Some(40.0), Some(33.0), Some(8.0)],
            ],
        };
        let chart = parameter_heatmap("sweep", "Rollout duration", "rollout duration (s)", &grid)
            .expect("draw");
        let texts = svg_texts(&chart.svg);
        for text in [
            "12.5",
            "40",
            "25%",
            "maxSurge",
            "replicas",
            "rollout duration (s)",
        ] {
            assert!(texts.iter().any(|t| t == text), "{text} missing: {texts:?}");
        }
        // The missing cell is grey.
        assert!(chart.svg.contains("#E1E1E1"));
    }

    #[test]
    fn overlay_lines_draw_one_line_per_variant_with_a_legend() {
        let variants = vec![
            VariantSeries {
                variant: "rolling".into(),
                points: vec![(0, 3.0), (60_000, 2.0), (120_000, 3.0)],
            },
            VariantSeries {
                variant: "recreate".into(),
                points: vec![(0, 3.0), (60_000, 0.0), (150_000, 3.0)],
            },
        ];
        let chart = overlay_lines(
            "ready",
            "Ready replicas",
            "ready replicas (pods)",
            300_000,
            &variants,
        )
        .expect("draw");
        // Each variant's colour: its line and its legend mark.
        for colour in ["#0072B2", "#E69F00"] {
            assert!(chart.svg.matches(colour).count() >= 2, "{colour}");
        }
        let texts = svg_texts(&chart.svg);
        for text in [
            "rolling",
            "recreate",
            "simulated time (min)",
            "ready replicas (pods)",
        ] {
            assert!(texts.iter().any(|t| t == text), "{text} missing: {texts:?}");
        }
    }
}
