//! The figures every chart is made of: panels of series over time (stacked areas, lines, a
//! secondary axis, shaded intervals, vertical markers), heatmaps with a colour bar, and bars with
//! confidence whiskers. Each draws on any plotters backend; data in, pixels out, no decisions
//! about what the data means.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, Figure, palette, tick};

/// Converts any displayable plotters error into the message figures return.
fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

const GRID: RGBColor = RGBColor(246, 246, 246);
const AXIS_GRID: RGBColor = RGBColor(215, 215, 215);
const MARKER: RGBColor = RGBColor(110, 110, 110);
const SHADE: RGBColor = RGBColor(214, 39, 40);
const MISSING: RGBColor = RGBColor(225, 225, 225);
const WIDTH: u32 = 1000;

/// A series of points `(x, y)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points in increasing `x`.
    pub points: Vec<(f64, f64)>,
    /// `true`: a step function (each value holds until the next point, the last one until the
    /// end of the x range); `false`: straight segments between the points.
    pub step: bool,
}

/// A secondary y axis on the right of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Secondary {
    /// Axis description, with its unit.
    pub y_label: String,
    /// Lines drawn against it.
    pub lines: Vec<Series>,
}

/// Vertical markers at x positions (timeline actions).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Markers {
    /// Legend label of the markers.
    pub label: String,
    /// `(x, short label)`; an empty label draws the line alone.
    pub at: Vec<(f64, String)>,
}

/// One panel of a [`TimeFigure`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Panel {
    /// Caption above the panel.
    pub title: String,
    /// Left axis description, with its unit.
    pub y_label: String,
    /// Step series stacked on each other, bottom first, as filled areas.
    pub stacked: Vec<Series>,
    /// Series drawn as lines against the left axis.
    pub lines: Vec<Series>,
    /// An optional right axis with its own lines.
    pub secondary: Option<Secondary>,
    /// Shaded x intervals (e.g. outages) and their legend label.
    pub shaded: Vec<(f64, f64)>,
    /// Legend label of the shaded intervals.
    pub shaded_label: String,
    /// Vertical markers.
    pub markers: Markers,
}

/// Panels stacked vertically over a shared x range.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeFigure {
    /// Title.
    pub title: String,
    /// x axis description, with its unit.
    pub x_label: String,
    /// x range shown.
    pub x_range: (f64, f64),
    /// Panels, top first.
    pub panels: Vec<Panel>,
}

/// The polyline of a series over `[from, to]`: a step series gets its corners.
fn outline(series: &Series, to: f64) -> Vec<(f64, f64)> {
    if !series.step {
        return series.points.clone();
    }
    let mut out = Vec::with_capacity(series.points.len() * 2 + 1);
    for (i, (x, y)) in series.points.iter().enumerate() {
        if i > 0 {
            out.push((*x, series.points[i - 1].1));
        }
        out.push((*x, *y));
    }
    if let Some((x, y)) = series.points.last()
        && *x < to
    {
        out.push((to, *y));
    }
    out
}

/// Cumulative sums of step series on the union of their change points: `(xs, levels)` with
/// `levels[k][i]` = sum of series 0..=k at `xs[i]`.
fn stack(series: &[Series], from: f64) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut xs: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|(x, _)| *x))
        .chain(std::iter::once(from))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let mut levels = Vec::with_capacity(series.len());
    let mut below = vec![0.0; xs.len()];
    for s in series {
        // Walk the series along the grid: its value at x is its last point at or before x.
        let (mut next, mut value) = (0, 0.0);
        let level: Vec<f64> = xs
            .iter()
            .zip(&below)
            .map(|(x, b)| {
                while next < s.points.len() && s.points[next].0 <= *x {
                    value = s.points[next].1;
                    next += 1;
                }
                b + value
            })
            .collect();
        below = level.clone();
        levels.push(level);
    }
    (xs, levels)
}

/// The step outline of a level over the grid `xs`, up to `to`.
fn level_outline(xs: &[f64], level: &[f64], to: f64) -> Vec<(f64, f64)> {
    let series = Series {
        label: String::new(),
        points: xs.iter().copied().zip(level.iter().copied()).collect(),
        step: true,
    };
    outline(&series, to)
}

/// Upper end of an axis showing values up to `max`, with room at the top for a legend of
/// `entries` lines (the legend sits in the upper right corner of the plot).
fn headroom(max: f64, entries: usize) -> f64 {
    let factor = (1.25 + 0.1 * entries as f64).min(2.0);
    if max > 0.0 { max * factor } else { factor }
}

fn max_y(series: &[Series]) -> f64 {
    series
        .iter()
        .flat_map(|s| s.points.iter().map(|(_, y)| *y))
        .fold(0.0, f64::max)
}

impl TimeFigure {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &Panel,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let (x0, x1) = self.x_range;
        let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
        let (xs, levels) = stack(&panel.stacked, x0);
        let stacked_max = levels
            .last()
            .map_or(0.0, |l| l.iter().copied().fold(0.0, f64::max));
        let entries = panel.stacked.len()
            + panel.lines.len()
            + panel.secondary.as_ref().map_or(0, |s| s.lines.len())
            + usize::from(!panel.shaded.is_empty())
            + usize::from(!panel.markers.at.is_empty());
        let y_max = headroom(stacked_max.max(max_y(&panel.lines)), entries);
        let s_max = panel
            .secondary
            .as_ref()
            .map_or(1.0, |s| headroom(max_y(&s.lines), entries));
        let right = if panel.secondary.is_some() { 64 } else { 0 };
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, (FONT, 19))
            .margin(8)
            .margin_right(if right > 0 { 8 } else { 24 })
            .x_label_area_size(44)
            .y_label_area_size(64)
            .right_y_label_area_size(right)
            .build_cartesian_2d(x0..x1, 0f64..y_max)
            .map_err(err)?
            .set_secondary_coord(x0..x1, 0f64..s_max);
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(panel.y_label.as_str())
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .bold_line_style(AXIS_GRID)
            .light_line_style(GRID)
            .draw()
            .map_err(err)?;
        if let Some(secondary) = &panel.secondary {
            chart
                .configure_secondary_axes()
                .y_desc(secondary.y_label.as_str())
                .y_label_formatter(&|v| tick(*v))
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 16))
                .draw()
                .map_err(err)?;
        }
        let mut labelled = 0;
        if !panel.shaded.is_empty() {
            chart
                .draw_series(panel.shaded.iter().map(|(a, b)| {
                    Rectangle::new([(*a, 0.0), (*b, y_max)], SHADE.mix(0.18).filled())
                }))
                .map_err(err)?
                .label(panel.shaded_label.as_str())
                .legend(|(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], SHADE.mix(0.3).filled())
                });
            labelled += 1;
        }
        for (k, series) in panel.stacked.iter().enumerate() {
            let colour = palette(k);
            let mut points = level_outline(&xs, &levels[k], x1);
            let lower: Vec<(f64, f64)> = if k == 0 {
                vec![(x1, 0.0), (x0, 0.0)]
            } else {
                let mut l = level_outline(&xs, &levels[k - 1], x1);
                l.reverse();
                l
            };
            points.extend(lower);
            chart
                .draw_series(std::iter::once(Polygon::new(
                    points,
                    colour.mix(0.55).filled(),
                )))
                .map_err(err)?
                .label(series.label.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.mix(0.55).filled())
                });
            labelled += 1;
        }
        let offset = panel.stacked.len();
        for (k, series) in panel.lines.iter().enumerate() {
            let colour = palette(offset + k);
            // Earlier lines are wider, so that lines with equal values stay visible.
            let width = 2 + 2 * (panel.lines.len() - 1 - k).min(3) as u32;
            let style = colour.mix(0.9).stroke_width(width);
            chart
                .draw_series(LineSeries::new(outline(series, x1), style))
                .map_err(err)?
                .label(series.label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], style));
            labelled += 1;
        }
        if let Some(secondary) = &panel.secondary {
            let offset = offset + panel.lines.len();
            for (k, series) in secondary.lines.iter().enumerate() {
                let colour = palette(offset + k);
                let style = ShapeStyle::from(colour).stroke_width(2);
                chart
                    .draw_secondary_series(DashedLineSeries::new(outline(series, x1), 8, 4, style))
                    .map_err(err)?
                    .label(format!("{} (right axis)", series.label))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], style));
                labelled += 1;
            }
        }
        if !panel.markers.at.is_empty() {
            chart
                .draw_series(panel.markers.at.iter().map(|(x, _)| {
                    PathElement::new(vec![(*x, 0.0), (*x, y_max)], MARKER.stroke_width(1))
                }))
                .map_err(err)?
                .label(panel.markers.label.as_str())
                .legend(|(x, y)| PathElement::new(vec![(x + 7, y - 6), (x + 7, y + 6)], MARKER));
            labelled += 1;
            chart
                .draw_series(
                    panel
                        .markers
                        .at
                        .iter()
                        .filter(|(_, label)| !label.is_empty())
                        .enumerate()
                        .map(|(i, (x, label))| {
                            let y = y_max * (0.97 - 0.06 * (i % 3) as f64);
                            Text::new(
                                format!(" {label}"),
                                (*x, y),
                                (FONT, 14).into_font().color(&MARKER),
                            )
                        }),
                )
                .map_err(err)?;
        }
        if labelled > 0 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font((FONT, 14))
                .background_style(WHITE.mix(0.85))
                .border_style(AXIS_GRID)
                .draw()
                .map_err(err)?;
        }
        Ok(())
    }
}

impl Figure for TimeFigure {
    fn title(&self) -> &str {
        &self.title
    }

    fn size(&self) -> (u32, u32) {
        (WIDTH, 56 + 300 * self.panels.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .titled(&self.title, (FONT, 26).into_font().style(FontStyle::Bold))
            .map_err(err)?;
        let areas = root.split_evenly((self.panels.len().max(1), 1));
        for (panel, area) in self.panels.iter().zip(&areas) {
            self.draw_panel(panel, area)?;
        }
        Ok(())
    }
}

/// The x axis of a heatmap.
#[derive(Debug, Clone, PartialEq)]
pub enum HeatColumns {
    /// Columns split `[from, to)` evenly (time buckets).
    Range {
        /// Start.
        from: f64,
        /// End.
        to: f64,
    },
    /// One labelled column each (parameter values).
    Labels(Vec<String>),
}

/// A heatmap: rows × columns of values, coloured on a sequential scale with a colour bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Title.
    pub title: String,
    /// x axis description, with its unit.
    pub x_label: String,
    /// y axis description.
    pub y_label: String,
    /// Colour bar description, with its unit.
    pub value_label: String,
    /// The columns.
    pub columns: HeatColumns,
    /// Row labels, top row first.
    pub rows: Vec<String>,
    /// `values[row][column]`; `None`: no value (drawn grey).
    pub values: Vec<Vec<Option<f64>>>,
    /// Values mapped to the ends of the colour scale (values outside are clamped).
    pub range: (f64, f64),
    /// Write each cell's value in it (for small grids).
    pub annotate: bool,
}

/// The sequential colour scale (viridis anchors), `t` in `[0, 1]`.
pub fn scale_colour(t: f64) -> RGBColor {
    const ANCHORS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let position = t * (ANCHORS.len() - 1) as f64;
    let i = (position.floor() as usize).min(ANCHORS.len() - 2);
    let f = position - i as f64;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl Heatmap {
    fn columns(&self) -> usize {
        self.values.iter().map(Vec::len).max().unwrap_or(0)
    }

    fn colour(&self, value: Option<f64>) -> RGBColor {
        let (lo, hi) = self.range;
        match value {
            Some(v) if hi > lo => scale_colour((v - lo) / (hi - lo)),
            Some(_) => scale_colour(1.0),
            None => MISSING,
        }
    }

    /// x extent of column `c`.
    fn column_span(&self, c: usize) -> (f64, f64) {
        match &self.columns {
            HeatColumns::Range { from, to } => {
                let width = (to - from) / self.columns().max(1) as f64;
                (from + width * c as f64, from + width * (c + 1) as f64)
            }
            HeatColumns::Labels(_) => (c as f64 - 0.5, c as f64 + 0.5),
        }
    }

    fn x_range(&self) -> (f64, f64) {
        match &self.columns {
            HeatColumns::Range { from, to } if to > from => (*from, *to),
            HeatColumns::Range { from, .. } => (*from, from + 1.0),
            HeatColumns::Labels(labels) => (-0.5, labels.len().max(1) as f64 - 0.5),
        }
    }

    fn draw_bar<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (lo, hi) = self.range;
        let hi = if hi > lo { hi } else { lo + 1.0 };
        let mut bar = ChartBuilder::on(area)
            .margin_top(40)
            .margin_bottom(60)
            .margin_right(8)
            .right_y_label_area_size(64)
            .build_cartesian_2d(0f64..1f64, lo..hi)
            .map_err(err)?;
        bar.configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .x_labels(0)
            .y_desc(self.value_label.as_str())
            .y_label_formatter(&|v| tick(*v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(err)?;
        const STEPS: usize = 64;
        bar.draw_series((0..STEPS).map(|i| {
            let (a, b) = (i as f64 / STEPS as f64, (i + 1) as f64 / STEPS as f64);
            Rectangle::new(
                [(0.0, lo + (hi - lo) * a), (1.0, lo + (hi - lo) * b)],
                scale_colour((a + b) / 2.0).filled(),
            )
        }))
        .map_err(err)?;
        Ok(())
    }
}

impl Figure for Heatmap {
    fn title(&self) -> &str {
        &self.title
    }

    fn size(&self) -> (u32, u32) {
        let rows = self.rows.len().max(1) as u32;
        (WIDTH, (140 + rows * 22).clamp(360, 900))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .titled(&self.title, (FONT, 26).into_font().style(FontStyle::Bold))
            .map_err(err)?;
        let (width, _) = root.dim_in_pixel();
        let (main, bar) = root.split_horizontally(width.saturating_sub(110));
        let rows = self.rows.len();
        let (x0, x1) = self.x_range();
        let y_range = -0.5..(rows.max(1) as f64 - 0.5);
        let longest = self
            .rows
            .iter()
            .map(|r| r.chars().count())
            .max()
            .unwrap_or(0) as u32;
        let mut chart = ChartBuilder::on(&main)
            .margin(8)
            .x_label_area_size(48)
            .y_label_area_size((longest * 7 + 40).clamp(60, 220))
            .build_cartesian_2d(x0..x1, y_range)
            .map_err(err)?;
        let row_label = |v: &f64| -> String {
            let r = v.round();
            if (v - r).abs() > 1e-6 || r < 0.0 || r as usize >= rows {
                return String::new();
            }
            // Row 0 is drawn at the top.
            self.rows[rows - 1 - r as usize].clone()
        };
        let column_label = |v: &f64| -> String {
            match &self.columns {
                HeatColumns::Range { .. } => tick(*v),
                HeatColumns::Labels(labels) => {
                    let c = v.round();
                    if (v - c).abs() > 1e-6 || c < 0.0 || c as usize >= labels.len() {
                        String::new()
                    } else {
                        labels[c as usize].clone()
                    }
                }
            }
        };
        let x_labels = match &self.columns {
            HeatColumns::Range { .. } => 10,
            HeatColumns::Labels(labels) => labels.len().max(1),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_labels(x_labels)
            .y_labels(rows.clamp(1, 30))
            .x_label_formatter(&column_label)
            .y_label_formatter(&row_label)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(err)?;
        // Runs of equal colour in a row are drawn as one rectangle.
        let mut cells = Vec::new();
        for (r, row) in self.values.iter().enumerate() {
            let y = (rows - 1 - r) as f64;
            let mut c = 0;
            while c < row.len() {
                let colour = self.colour(row[c]);
                let mut end = c + 1;
                while end < row.len() && self.colour(row[end]) == colour {
                    end += 1;
                }
                let (a, _) = self.column_span(c);
                let (_, b) = self.column_span(end - 1);
                cells.push(Rectangle::new(
                    [(a, y - 0.5), (b, y + 0.5)],
                    colour.filled(),
                ));
                c = end;
            }
        }
        chart.draw_series(cells).map_err(err)?;
        if self.annotate {
            let mut labels = Vec::new();
            for (r, row) in self.values.iter().enumerate() {
                for (c, value) in row.iter().enumerate() {
                    if let Some(v) = value {
                        let (a, b) = self.column_span(c);
                        let light = self.colour(Some(*v)).1 > 150;
                        let colour = if light { BLACK } else { WHITE };
                        let style = (FONT, 15).into_font().color(&colour).pos(
                            plotters::style::text_anchor::Pos::new(
                                plotters::style::text_anchor::HPos::Center,
                                plotters::style::text_anchor::VPos::Center,
                            ),
                        );
                        labels.push(Text::new(
                            tick(*v),
                            ((a + b) / 2.0, (rows - 1 - r) as f64),
                            style,
                        ));
                    }
                }
            }
            chart.draw_series(labels).map_err(err)?;
        }
        self.draw_bar(&bar)
    }
}

/// One bar: a variant's mean with an optional confidence interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Variant name (x axis label).
    pub label: String,
    /// Mean.
    pub mean: f64,
    /// Confidence interval `(low, high)`, drawn as a whisker.
    pub ci: Option<(f64, f64)>,
}

/// Bars with confidence whiskers, one per variant.
#[derive(Debug, Clone, PartialEq)]
pub struct BarFigure {
    /// Title.
    pub title: String,
    /// x axis description.
    pub x_label: String,
    /// y axis description, with its unit.
    pub y_label: String,
    /// Legend label of the whiskers (e.g. `95% CI over 20 runs`).
    pub ci_label: String,
    /// The bars, left to right.
    pub bars: Vec<Bar>,
}

impl Figure for BarFigure {
    fn title(&self) -> &str {
        &self.title
    }

    fn size(&self) -> (u32, u32) {
        (WIDTH.max(160 + 90 * self.bars.len() as u32).min(2400), 480)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .titled(&self.title, (FONT, 26).into_font().style(FontStyle::Bold))
            .map_err(err)?;
        let values = self.bars.iter().flat_map(|b| {
            let (lo, hi) = b.ci.unwrap_or((b.mean, b.mean));
            [b.mean, lo, hi]
        });
        let (lo, hi) = values
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let (y0, y1) = (if lo < 0.0 { lo * 1.3 } else { 0.0 }, headroom(hi, 2));
        let n = self.bars.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), y0..y1)
            .map_err(err)?;
        let label = |v: &f64| -> String {
            let c = v.round();
            if (v - c).abs() > 1e-6 || c < 0.0 || c as usize >= self.bars.len() {
                String::new()
            } else {
                self.bars[c as usize].label.clone()
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_labels(n)
            .x_label_formatter(&label)
            .y_label_formatter(&|v| tick(*v))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .bold_line_style(AXIS_GRID)
            .light_line_style(GRID)
            .draw()
            .map_err(err)?;
        chart
            .draw_series(self.bars.iter().enumerate().map(|(i, b)| {
                let x = i as f64;
                Rectangle::new(
                    [(x - 0.35, 0.0), (x + 0.35, b.mean)],
                    palette(i).mix(0.75).filled(),
                )
            }))
            .map_err(err)?
            .label("mean")
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 6), (x + 14, y + 6)], palette(0).mix(0.75).filled())
            });
        let whiskers: Vec<PathElement<(f64, f64)>> = self
            .bars
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.ci.map(|ci| (i as f64, ci)))
            .flat_map(|(x, (lo, hi))| {
                [
                    PathElement::new(vec![(x, lo), (x, hi)], BLACK.stroke_width(2)),
                    PathElement::new(vec![(x - 0.12, lo), (x + 0.12, lo)], BLACK.stroke_width(2)),
                    PathElement::new(vec![(x - 0.12, hi), (x + 0.12, hi)], BLACK.stroke_width(2)),
                ]
            })
            .collect();
        if !whiskers.is_empty() {
            chart
                .draw_series(whiskers)
                .map_err(err)?
                .label(self.ci_label.as_str())
                .legend(|(x, y)| {
                    PathElement::new(vec![(x + 7, y - 6), (x + 7, y + 6)], BLACK.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.85))
            .border_style(AXIS_GRID)
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(points: &[(f64, f64)]) -> Series {
        Series {
            label: "s".into(),
            points: points.to_vec(),
            step: true,
        }
    }

    #[test]
    fn a_step_series_gets_its_corners_up_to_the_end() {
        let s = steps(&[(0.0, 1.0), (2.0, 3.0)]);
        assert_eq!(
            outline(&s, 5.0),
            vec![(0.0, 1.0), (2.0, 1.0), (2.0, 3.0), (5.0, 3.0)]
        );
    }

    #[test]
    fn stacking_adds_the_series_below_on_a_common_grid() {
        let (xs, levels) = stack(
            &[steps(&[(0.0, 1.0), (2.0, 0.0)]), steps(&[(1.0, 2.0)])],
            0.0,
        );
        assert_eq!(xs, vec![0.0, 1.0, 2.0]);
        assert_eq!(levels[0], vec![1.0, 1.0, 0.0]);
        assert_eq!(levels[1], vec![1.0, 3.0, 2.0]);
    }

    #[test]
    fn the_colour_scale_runs_from_purple_to_yellow_and_clamps() {
        assert_eq!(scale_colour(0.0), RGBColor(68, 1, 84));
        assert_eq!(scale_colour(1.0), RGBColor(253, 231, 37));
        assert_eq!(scale_colour(7.0), scale_colour(1.0));
        assert_eq!(scale_colour(f64::NAN), scale_colour(0.0));
    }
}
