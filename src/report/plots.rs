//! Every figure deploysim draws, as SVG text and PNG bytes.
//!
//! Each public function lays out one kind of figure and renders it twice
//! from the same drawing code, once on plotters' SVG backend and once into
//! an RGB buffer encoded as PNG, so both files show the same picture. Text
//! uses the bundled DejaVu Sans, registered once as "sans-serif" (layout
//! and the PNG's glyphs, see `raster`): PNGs look the same on a machine
//! without fonts, and SVG text is drawn by the viewer's sans-serif. Nothing
//! here reads the clock or a random source or iterates a hash map, so the
//! same input gives the same bytes; and nothing writes files: callers stage
//! each [`Figure`] in an [`OutputDir`](super::OutputDir).
//!
//! Series keep the colour of their index (Okabe–Ito, safe for colour-blind
//! readers): pass strategies in the same order to every figure.

mod axes;
mod charts;
mod raster;
mod theme;
mod timeline;

use std::sync::OnceLock;

use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use plotters::prelude::*;

use crate::error::Error;
use crate::report::trace::Trace;
use theme::{Area, Fonts};

/// One drawn figure: `name` is the file stem (e.g. "failed_requests_cdf");
/// the caller writes `plots/{name}.svg` and `plots/{name}.png`.
#[derive(Clone, Debug)]
pub struct Figure {
    /// The file stem.
    pub name: String,
    /// The title drawn at the top, for captions and alt text.
    pub title: String,
    /// The figure as an SVG document.
    pub svg: String,
    /// The figure as PNG bytes.
    pub png: Vec<u8>,
}

/// A named series of (x, y) points; series keep a fixed colour by their
/// index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// The legend text, usually a strategy's name.
    pub label: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
}

/// The spread of one strategy's time metric, in seconds; `None` when the
/// strategy has no values (e.g. it never rolled back).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Spread {
    /// The median.
    pub p50: Option<f64>,
    /// The 95th percentile.
    pub p95: Option<f64>,
    /// The 99th percentile.
    pub p99: Option<f64>,
}

/// Width and height of ordinary figures, in pixels (PNG) and user units (SVG).
const ORDINARY_SIZE: (u32, u32) = (960, 540);
/// Width and height of the timeline, made to be projected.
const TIMELINE_SIZE: (u32, u32) = (1280, 900);

/// Empirical CDF per strategy: `points` are (value, cumulative fraction
/// 0..=1), ascending. Drawn as step lines; the x axis is log10-scaled when
/// the positive values span more than two decades (zeros then sit at the
/// axis' left edge, as the x label says), linear otherwise. The y axis is
/// the share of bad releases, 0–100%. A series with no points is listed in
/// the legend as "<label> (none)" and not drawn.
pub fn cdf(name: &str, title: &str, x_label: &str, series: &[Series]) -> Result<Figure, Error> {
    let plot = charts::Cdf { x_label, series };
    render(name, title, ORDINARY_SIZE, &theme::ORDINARY, &plot)
}

/// Per-strategy spread of a time metric (seconds): a horizontal bar from
/// p50 to p95, a whisker to a tick at p99, and the p50/p95 values written
/// beside each row in a readable unit (s, min, h). Strategies with no
/// values show "—".
pub fn spreads(
    name: &str,
    title: &str,
    x_label: &str,
    items: &[(String, Spread)],
) -> Result<Figure, Error> {
    let plot = charts::Spreads { x_label, items };
    render(name, title, ORDINARY_SIZE, &theme::ORDINARY, &plot)
}

/// Stacked horizontal bars of shares (each row sums to 1): one row per
/// strategy, one segment per part (e.g. outcomes succeeded / rolled_back /
/// false_rollback / stalled / incident / data_loss), parts coloured
/// consistently with a legend; segments of 4% or more carry their
/// percentage.
pub fn shares(
    name: &str,
    title: &str,
    parts: &[String],
    rows: &[(String, Vec<f64>)],
) -> Result<Figure, Error> {
    let plot = charts::Shares { parts, rows };
    render(name, title, ORDINARY_SIZE, &theme::ORDINARY, &plot)
}

/// Bars of several measures per strategy (e.g. "peak pods" and "extra
/// pod-hours"). Measures have different units, so each gets its own panel
/// and scale; the panels stand side by side and share the strategy axis,
/// which runs down the left (one row per strategy, bars drawn
/// horizontally in the strategy's colour, each with its value written at
/// its end). A value that is not finite is drawn as "—".
pub fn bars(
    name: &str,
    title: &str,
    measures: &[String],
    rows: &[(String, Vec<f64>)],
) -> Result<Figure, Error> {
    let plot = charts::Bars { measures, rows };
    render(name, title, ORDINARY_SIZE, &theme::ORDINARY, &plot)
}

/// Lines of a metric against a swept key: x is categorical (the swept
/// values as given, evenly spaced and labelled; `Series::points` use x =
/// index into `x_values`), one series per strategy with points and lines.
pub fn sweep(
    name: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    x_values: &[String],
    series: &[Series],
) -> Result<Figure, Error> {
    let plot = charts::Sweep {
        x_label,
        y_label,
        x_values,
        series,
    };
    render(name, title, ORDINARY_SIZE, &theme::ORDINARY, &plot)
}

/// The timeline of one traced rollout, for workshops to project: three
/// panels sharing the time axis (minutes): pods and Ready pods per version,
/// the new version's traffic share, and failed requests per minute; with
/// vertical markers labelled for the events that tell the story. The time
/// axis ends a little after the last event that changes something, so a
/// trace that runs on to its 24 h horizon is not squeezed. 1280×900, named
/// "timeline".
pub fn timeline(trace: &Trace) -> Result<Figure, Error> {
    let defect = trace.defect.as_deref().unwrap_or("good release");
    let title = format!(
        "{} · trial {} · {} · {}",
        trace.strategy,
        trace.trial,
        defect,
        trace.outcome.name()
    );
    let plot = timeline::Timeline { trace };
    render("timeline", &title, TIMELINE_SIZE, &theme::LARGE, &plot)
}

/// A figure's drawing code, generic over the backend so that SVG and PNG
/// come from the same code.
trait Draw {
    /// Draws into `area`, the page below the title.
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, fonts: &Fonts) -> DrawResult<(), DB>;
}

/// Renders `plot` under `title` as SVG and as PNG.
fn render(
    name: &str,
    title: &str,
    size: (u32, u32),
    fonts: &Fonts,
    plot: &impl Draw,
) -> Result<Figure, Error> {
    let fault = |e: String| Error::Internal(anyhow::anyhow!("cannot draw figure {name}: {e}"));
    register_font().map_err(fault)?;
    let svg = to_svg(size, title, fonts, plot).map_err(fault)?;
    let png = to_png(size, title, fonts, plot).map_err(fault)?;
    Ok(Figure {
        name: name.to_string(),
        title: title.to_string(),
        svg,
        png,
    })
}

/// The page: white, the title on top, the figure below.
fn page<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    fonts: &Fonts,
    plot: &impl Draw,
) -> Result<(), String> {
    let body = theme::frame(root, title, fonts).map_err(|e| e.to_string())?;
    plot.draw(&body, fonts).map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// The figure as an SVG document.
fn to_svg(
    size: (u32, u32),
    title: &str,
    fonts: &Fonts,
    plot: &impl Draw,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        page(&root, title, fonts, plot)?;
    }
    Ok(svg)
}

/// The figure drawn into an RGB buffer and encoded as PNG in memory.
fn to_png(
    size: (u32, u32),
    title: &str,
    fonts: &Fonts,
    plot: &impl Draw,
) -> Result<Vec<u8>, String> {
    let (w, h) = size;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = raster::Raster::new(&mut rgb, size).into_drawing_area();
        page(&root, title, fonts, plot)?;
    }
    let mut png = Vec::new();
    // Per-row adaptive filtering makes these flat-coloured figures about
    // 40% smaller than the default filter, at no visible cost in time.
    PngEncoder::new_with_quality(&mut png, CompressionType::Default, FilterType::Adaptive)
        .write_image(&rgb, w, h, image::ColorType::Rgb8)
        .map_err(|e| e.to_string())?;
    Ok(png)
}

/// DejaVu Sans, bundled so that text renders without system fonts
/// (license: assets/fonts/LICENSE-DejaVu.txt).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the bundled font as "sans-serif", once per process.
fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font("sans-serif", FontStyle::Normal, DEJAVU_SANS)
                .map_err(|_| "the bundled DejaVu Sans font does not parse".to_string())
        })
        .clone()
}

#[cfg(test)]
mod tests;
