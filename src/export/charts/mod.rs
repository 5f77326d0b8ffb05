//! Charts: figures drawn with plotters into SVG text and PNG bytes, in memory.
//!
//! Text is laid out with the bundled Noto Sans (the `notosans` crate, registered with plotters'
//! `ab_glyph` backend under the family `sans-serif`), so no system font is read and the same
//! figure gives byte-identical SVG and PNG on every machine. PNGs are encoded here (no
//! timestamp or other metadata chunk), at the fixed size of the figure.
//!
//! `figure` draws the three kinds of figure (time panels, heatmaps, bars); `run` builds the
//! charts of one run from its recorded series; `compare` is the entry point for comparisons
//! of several variants (compare and sweep).

pub mod compare;
pub mod figure;
pub mod run;

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use thiserror::Error;

/// Font family every chart uses (registered from the bundled Noto Sans).
pub const FONT: &str = "sans-serif";

/// Why a chart could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChartError {
    /// The bundled font could not be read (a broken build).
    #[error("the bundled chart font cannot be loaded")]
    Font,
    /// Plotters reported an error while drawing.
    #[error("cannot draw chart {chart}: {message}")]
    Draw {
        /// Chart file stem.
        chart: String,
        /// Plotters' message.
        message: String,
    },
    /// The PNG encoder failed.
    #[error("cannot encode chart {chart} as PNG: {message}")]
    Encode {
        /// Chart file stem.
        chart: String,
        /// The encoder's message.
        message: String,
    },
}

/// One drawn chart: written as `<name>.svg` and `<name>.png`, and inlined into the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// File stem (`rollout`, `availability`, …).
    pub name: String,
    /// Title, as drawn at the top of the chart.
    pub title: String,
    /// The SVG document.
    pub svg: String,
    /// The PNG file.
    pub png: Vec<u8>,
}

impl Chart {
    /// The two files of this chart: `(<name>.svg, bytes)` and `(<name>.png, bytes)`.
    pub fn files(&self) -> [(String, &[u8]); 2] {
        [
            (format!("{}.svg", self.name), self.svg.as_bytes()),
            (format!("{}.png", self.name), &self.png),
        ]
    }
}

/// A figure that can draw itself on any plotters backend.
pub trait Figure {
    /// Title drawn at the top.
    fn title(&self) -> &str;
    /// Size in pixels (width, height).
    fn size(&self) -> (u32, u32);
    /// Draws the figure on `root` (already filled white). Errors are plotters' messages.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Registers the bundled font once per process.
fn register_fonts() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, notosans::REGULAR_TTF).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, notosans::BOLD_TTF).is_ok()
    });
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

/// Draws `figure` as SVG and PNG under the file stem `name`.
pub fn render(name: &str, figure: &impl Figure) -> Result<Chart, ChartError> {
    register_fonts()?;
    let draw_error = |message: String| ChartError::Draw {
        chart: name.to_string(),
        message,
    };
    let (width, height) = figure.size();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_error(e.to_string()))?;
        figure.draw(&root).map_err(draw_error)?;
        root.present().map_err(|e| draw_error(e.to_string()))?;
    }
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_error(e.to_string()))?;
        figure.draw(&root).map_err(draw_error)?;
        root.present().map_err(|e| draw_error(e.to_string()))?;
    }
    let png = encode_png(&pixels, width, height).map_err(|message| ChartError::Encode {
        chart: name.to_string(),
        message,
    })?;
    Ok(Chart {
        name: name.to_string(),
        title: figure.title().to_string(),
        svg,
        png,
    })
}

/// Encodes 8-bit RGB pixels as a PNG with no ancillary chunks (no time, no text).
fn encode_png(pixels: &[u8], width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(pixels).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// A colour of the series palette (colour-blind friendly, Okabe–Ito order), cycling.
pub fn palette(index: usize) -> RGBColor {
    const COLOURS: [RGBColor; 8] = [
        RGBColor(0, 114, 178),
        RGBColor(230, 159, 0),
        RGBColor(0, 158, 115),
        RGBColor(204, 121, 167),
        RGBColor(86, 180, 233),
        RGBColor(213, 94, 0),
        RGBColor(240, 228, 66),
        RGBColor(0, 0, 0),
    ];
    COLOURS[index % COLOURS.len()]
}

/// Formats an axis tick or value label: integers plainly, others with at most three
/// significant decimals, so labels are short and identical on every machine.
pub fn tick(value: f64) -> String {
    if !value.is_finite() {
        return String::new();
    }
    let rounded = (value * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        format!("{}", rounded as i64)
    } else {
        let text = format!("{rounded:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The text content of every `<text>` element of an SVG document, trimmed (for tests).
#[cfg(test)]
pub(crate) fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|part| {
            let body = &part[part.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_short_and_stable() {
        assert_eq!(tick(3.0), "3");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(1.0 / 3.0), "0.333");
        assert_eq!(tick(-0.0001), "0");
        assert_eq!(tick(f64::NAN), "");
    }

    #[test]
    fn png_has_no_time_or_text_chunk() {
        let png = encode_png(&[255; 4 * 3 * 2], 4, 2).expect("encode");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        for chunk in [b"tIME", b"tEXt", b"iTXt", b"zTXt"] {
            assert!(!png.windows(4).any(|w| w == chunk));
        }
    }
}
