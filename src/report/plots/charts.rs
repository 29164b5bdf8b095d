//! The comparison figures of a run or sweep: CDFs, spreads, shares, bars
//! and sweep lines, one drawing type each.

use plotters::chart::MeshStyle;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{Slots, ValueAxis};
use super::theme::{
    Area, Entry, Fonts, INK, Swatch, TimeUnit, beside_legend, centred, fit, fmt_duration, fmt_num,
    fmt_pct, grid_bold, grid_light, ink_on, left, legend, part_color, series_color, text,
    text_width,
};
use super::{Draw, Series, Spread};

/// Space between a figure's body and its edges.
const MARGIN: u32 = 14;
/// Height of the x axis' tick labels and description.
const X_LABELS: u32 = 58;
/// Where legends start below the top of their column.
const LEGEND_TOP: i32 = 28;

/// A chart's mesh in the shared look: light grid, ink axes, the figure's
/// text sizes.
pub(super) fn styled_mesh<'a, 'b, X, Y, DB>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    fonts: &Fonts,
) -> MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged + ValueFormatter<<X as Ranged>::ValueType>,
    Y: Ranged + ValueFormatter<<Y as Ranged>::ValueType>,
    DB: DrawingBackend,
{
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(grid_bold())
        .light_line_style(grid_light())
        .axis_style(INK.stroke_width(1))
        .label_style(text(fonts.tick))
        .axis_desc_style(text(fonts.desc))
        .max_light_lines(4);
    mesh
}

/// Row labels (strategy names) cut to at most a quarter of `area`'s width,
/// and the width of the label area they need.
fn row_labels<DB: DrawingBackend>(
    area: &Area<DB>,
    names: impl Iterator<Item = String>,
    fonts: &Fonts,
) -> DrawResult<(Vec<String>, u32), DB> {
    let style = text(fonts.tick);
    let max = area.dim_in_pixel().0 / 4;
    let mut labels = Vec::new();
    let mut widest = 0;
    for name in names {
        let label = fit(area, &name, &style, max)?;
        widest = widest.max(text_width(area, &label, &style)?);
        labels.push(label);
    }
    Ok((labels, widest + 20))
}

/// The pixel row of slot `i`, relative to `area`.
fn row_y<DB, X>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Slots>>,
    area: &Area<DB>,
    i: usize,
) -> i32
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
{
    let x0 = chart.x_range().start;
    chart.backend_coord(&(x0, i as f64)).1 - area.get_base_pixel().1
}

// ---------------------------------------------------------------- CDF

/// Empirical CDFs, one step line per series.
pub(super) struct Cdf<'a> {
    pub x_label: &'a str,
    pub series: &'a [Series],
}

impl Draw for Cdf<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, fonts: &Fonts) -> DrawResult<(), DB> {
        let entries: Vec<Entry> = self.series.iter().enumerate().map(cdf_entry).collect();
        let (plot, key) = beside_legend(area, &entries, fonts)?;
        let scale = CdfScale::of(self.series);
        let mut chart = ChartBuilder::on(&plot)
            .margin(MARGIN)
            .margin_right(24)
            .x_label_area_size(X_LABELS)
            .y_label_area_size(84)
            .build_cartesian_2d(scale.axis.clone(), 0.0..1.0)?;
        styled_mesh(&mut chart, fonts)
            .x_desc(scale.describe(self.x_label))
            .y_desc("share of bad releases")
            .y_labels(6)
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .draw()?;
        for (i, s) in self.series.iter().enumerate() {
            if s.points.is_empty() {
                continue;
            }
            let line = steps(&s.points, scale.left, scale.right);
            chart.draw_series(LineSeries::new(line, series_color(i).stroke_width(3)))?;
        }
        legend(&key, &entries, fonts, LEGEND_TOP)
    }
}

/// The legend entry of CDF series `i`: "(none)" when it has no points.
fn cdf_entry((i, s): (usize, &Series)) -> Entry {
    let label = if s.points.is_empty() {
        format!("{} (none)", s.label)
    } else {
        s.label.clone()
    };
    Entry {
        label,
        swatch: Swatch::Line(series_color(i)),
    }
}

/// The x axis of a CDF figure and where its step lines start and end.
struct CdfScale {
    axis: ValueAxis,
    left: f64,
    right: f64,
    log: bool,
    zeros: bool,
}

impl CdfScale {
    /// Log10 when the positive values span more than two decades (zeros at
    /// the left edge, half a decade below the smallest positive value),
    /// linear otherwise.
    fn of(series: &[Series]) -> Self {
        let xs: Vec<f64> = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .filter(|x| x.is_finite())
            .collect();
        let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min_pos = xs
            .iter()
            .copied()
            .filter(|x| *x > 0.0)
            .fold(f64::INFINITY, f64::min);
        if min_pos.is_finite() && max / min_pos > 100.0 {
            let zeros = min <= 0.0;
            let lo = if zeros {
                min_pos / 10f64.sqrt()
            } else {
                10f64.powf(min_pos.log10().floor())
            };
            let hi = max * 1.5;
            return CdfScale {
                axis: ValueAxis::Log { lo, hi },
                left: lo,
                right: hi,
                log: true,
                zeros,
            };
        }
        let lo = if min.is_finite() { min.min(0.0) } else { 0.0 };
        let hi = if max.is_finite() && max > lo {
            lo + (max - lo) * 1.05
        } else {
            lo + 1.0
        };
        CdfScale {
            axis: ValueAxis::linear(lo..hi),
            left: lo,
            right: hi,
            log: false,
            zeros: false,
        }
    }

    /// The x axis' description: the caller's label and the scale.
    fn describe(&self, x_label: &str) -> String {
        match (self.log, self.zeros) {
            (true, true) => format!("{x_label} (log scale; 0 at left edge)"),
            (true, false) => format!("{x_label} (log scale)"),
            _ => x_label.to_string(),
        }
    }
}

/// The step line of an empirical CDF from `left` to `right`: flat at each
/// cumulative share until the next value.
fn steps(points: &[(f64, f64)], left: f64, right: f64) -> Vec<(f64, f64)> {
    let mut line = vec![(left, 0.0)];
    let mut level = 0.0;
    for &(x, f) in points.iter().filter(|p| p.0.is_finite() && p.1.is_finite()) {
        line.push((x, level));
        line.push((x, f));
        level = f;
    }
    line.push((right, level));
    line
}

// ---------------------------------------------------------------- spreads

/// p50–p95 bars with a p99 tick, one row per strategy.
pub(super) struct Spreads<'a> {
    pub x_label: &'a str,
    pub items: &'a [(String, Spread)],
}

impl Draw for Spreads<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, fonts: &Fonts) -> DrawResult<(), DB> {
        let notes: Vec<String> = self.items.iter().map(|(_, s)| spread_note(s)).collect();
        let note_style = left(text(fonts.note));
        let (plot, column) = beside_notes(area, &notes, &note_style)?;
        let (labels, label_w) = row_labels(area, self.items.iter().map(|i| i.0.clone()), fonts)?;
        let largest = self.largest();
        let unit = TimeUnit::for_max(largest);
        let x = ValueAxis::linear(0.0..largest / unit.secs() * 1.05);
        let mut chart = ChartBuilder::on(&plot)
            .margin(MARGIN)
            .margin_right(20)
            .x_label_area_size(X_LABELS)
            .y_label_area_size(label_w)
            .build_cartesian_2d(x, Slots::down(labels))?;
        let x_desc = format!(
            "{} ({}) · bar p50 to p95, tick p99",
            self.x_label,
            unit.name()
        );
        styled_mesh(&mut chart, fonts)
            .disable_y_mesh()
            .y_labels(self.items.len().max(1))
            .x_desc(x_desc)
            .draw()?;
        for (i, (_, s)) in self.items.iter().enumerate() {
            draw_spread(&mut chart, i, s, unit)?;
            let y = row_y(&chart, &column, i);
            column.draw_text(&notes[i], &note_style, (12, y))?;
        }
        Ok(())
    }
}

impl Spreads<'_> {
    /// The largest value of any strategy, in seconds (0 without values).
    fn largest(&self) -> f64 {
        (self.items.iter())
            .flat_map(|(_, s)| [s.p50, s.p95, s.p99])
            .flatten()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
    }
}

/// Splits `area` into a plot and, on its right, a column wide enough for
/// `notes` (at most a third of the area).
fn beside_notes<DB: DrawingBackend>(
    area: &Area<DB>,
    notes: &[String],
    style: &TextStyle,
) -> DrawResult<(Area<DB>, Area<DB>), DB> {
    let mut widest = 0;
    for n in notes {
        widest = widest.max(text_width(area, n, style)?);
    }
    let w = area.dim_in_pixel().0;
    Ok(area.split_horizontally(w - (widest + 24).min(w / 3)))
}

/// "p50 3.5 min · p95 12 min", or "—" without values.
fn spread_note(s: &Spread) -> String {
    match (s.p50, s.p95) {
        (Some(a), Some(b)) => format!("p50 {} · p95 {}", fmt_duration(a), fmt_duration(b)),
        (Some(a), None) => format!("p50 {}", fmt_duration(a)),
        _ => "—".to_string(),
    }
}

/// One row of a spread figure: the bar, the whisker and the p99 tick.
fn draw_spread<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<ValueAxis, Slots>>,
    i: usize,
    s: &Spread,
    unit: TimeUnit,
) -> DrawResult<(), DB> {
    let y = i as f64;
    let at = |v: f64| v / unit.secs();
    let color = series_color(i);
    if let (Some(a), Some(b)) = (s.p50, s.p95) {
        let bar = Rectangle::new([(at(a), y - 0.2), (at(b), y + 0.2)], color.filled());
        chart.draw_series([bar])?;
    } else if let Some(a) = s.p50 {
        chart.draw_series([Circle::new((at(a), y), 6, color.filled())])?;
    }
    if let (Some(from), Some(c)) = (s.p95.or(s.p50), s.p99) {
        let whisker = PathElement::new([(at(from), y), (at(c), y)], INK.stroke_width(2));
        let tick = PathElement::new([(at(c), y - 0.28), (at(c), y + 0.28)], INK.stroke_width(3));
        chart.draw_series([whisker, tick])?;
    }
    Ok(())
}

// ---------------------------------------------------------------- shares

/// Stacked bars of the parts of a whole, one row per strategy.
pub(super) struct Shares<'a> {
    pub parts: &'a [String],
    pub rows: &'a [(String, Vec<f64>)],
}

impl Draw for Shares<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, fonts: &Fonts) -> DrawResult<(), DB> {
        let entries: Vec<Entry> = (self.parts.iter().enumerate())
            .map(|(j, p)| Entry {
                label: p.clone(),
                swatch: Swatch::Block(part_color(j)),
            })
            .collect();
        let (plot, key) = beside_legend(area, &entries, fonts)?;
        let (labels, label_w) = row_labels(area, self.rows.iter().map(|r| r.0.clone()), fonts)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(MARGIN)
            .margin_right(24)
            .x_label_area_size(40)
            .y_label_area_size(label_w)
            .build_cartesian_2d(ValueAxis::linear(0.0..1.0), Slots::down(labels))?;
        styled_mesh(&mut chart, fonts)
            .disable_y_mesh()
            .y_labels(self.rows.len().max(1))
            .x_labels(6)
            .x_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .draw()?;
        for (i, (_, values)) in self.rows.iter().enumerate() {
            draw_stack(&mut chart, i, values, fonts)?;
        }
        legend(&key, &entries, fonts, LEGEND_TOP)
    }
}

/// One stacked row: a segment per part, its percentage written on it when
/// it is 4% or more and the text fits.
fn draw_stack<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<ValueAxis, Slots>>,
    i: usize,
    values: &[f64],
    fonts: &Fonts,
) -> DrawResult<(), DB> {
    let y = i as f64;
    let mut acc = 0.0;
    for (j, &v) in values.iter().enumerate() {
        let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
        let end = (acc + v).min(1.0);
        if end <= acc {
            continue;
        }
        let fill = part_color(j);
        let segment = [(acc, y - 0.32), (end, y + 0.32)];
        chart.draw_series([
            Rectangle::new(segment, fill.filled()),
            Rectangle::new(segment, WHITE.stroke_width(1)),
        ])?;
        let pct = fmt_pct(v);
        let room = chart.backend_coord(&(end, y)).0 - chart.backend_coord(&(acc, y)).0;
        let style = centred(text(fonts.note).color(ink_on(fill)));
        let wide = text_width(&chart.plotting_area().strip_coord_spec(), &pct, &style)?;
        if v >= 0.04 && (wide as i32) + 4 <= room {
            let mid = EmptyElement::at(((acc + end) / 2.0, y)) + Text::new(pct, (0, 0), style);
            chart.draw_series([mid])?;
        }
        acc = end;
    }
    Ok(())
}

// ---------------------------------------------------------------- bars

/// One panel per measure, side by side, sharing the strategy rows.
pub(super) struct Bars<'a> {
    pub measures: &'a [String],
    pub rows: &'a [(String, Vec<f64>)],
}

impl Draw for Bars<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, fonts: &Fonts) -> DrawResult<(), DB> {
        let (labels, label_w) = row_labels(area, self.rows.iter().map(|r| r.0.clone()), fonts)?;
        let w = area.dim_in_pixel().0;
        let n = self.measures.len().max(1) as u32;
        let panel_w = w.saturating_sub(label_w) / n;
        let cuts: Vec<u32> = (1..n).map(|k| label_w + k * panel_w).collect();
        let panels = area.split_by_breakpoints(cuts, Vec::<u32>::new());
        for (k, measure) in self.measures.iter().enumerate() {
            let labels_w = if k == 0 { label_w } else { 0 };
            let panel = Panel {
                measure,
                k,
                labels: &labels,
                labels_w,
            };
            panel.draw(&panels[k], self.rows, fonts)?;
        }
        Ok(())
    }
}

/// One measure's panel of a [`Bars`] figure.
struct Panel<'a> {
    measure: &'a str,
    /// The measure's index in each row's values.
    k: usize,
    labels: &'a [String],
    /// Width of the strategy labels: the first panel only.
    labels_w: u32,
}

impl Panel<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        rows: &[(String, Vec<f64>)],
        fonts: &Fonts,
    ) -> DrawResult<(), DB> {
        let values: Vec<Option<f64>> = (rows.iter())
            .map(|r| r.1.get(self.k).copied().filter(|v| v.is_finite()))
            .collect();
        let (caption, body) = area.split_vertically(34);
        self.caption(&caption, fonts)?;
        let mut chart = ChartBuilder::on(&body)
            .margin(MARGIN)
            .margin_right(20)
            .x_label_area_size(40)
            .y_label_area_size(self.labels_w)
            .build_cartesian_2d(bar_axis(&values), Slots::down(self.labels.to_vec()))?;
        styled_mesh(&mut chart, fonts)
            .disable_y_mesh()
            .y_labels(rows.len().max(1))
            .x_labels(5)
            .draw()?;
        for (i, v) in values.iter().enumerate() {
            draw_bar(&mut chart, i, *v, fonts)?;
        }
        Ok(())
    }

    /// The measure's name, centred over the panel's bars.
    fn caption<DB: DrawingBackend>(&self, area: &Area<DB>, fonts: &Fonts) -> DrawResult<(), DB> {
        let style = text(fonts.desc).pos(Pos::new(HPos::Center, VPos::Center));
        let inner = area.dim_in_pixel().0.saturating_sub(self.labels_w);
        let shown = fit(area, self.measure, &style, inner.saturating_sub(8))?;
        let centre = (self.labels_w + inner / 2) as i32;
        area.draw_text(&shown, &style, (centre, 20))
    }
}

/// A value axis from zero (or the lowest value) to past the highest, with
/// room for the value written at each bar's end.
fn bar_axis(values: &[Option<f64>]) -> ValueAxis {
    let lo = values.iter().flatten().copied().fold(0.0, f64::min);
    let hi = values.iter().flatten().copied().fold(0.0, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let lo = if lo < 0.0 { lo - 0.2 * span } else { 0.0 };
    ValueAxis::linear(lo..hi + 0.22 * span)
}

/// One bar from zero to `v`, its value written at its end; "—" without a
/// value.
fn draw_bar<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<ValueAxis, Slots>>,
    i: usize,
    v: Option<f64>,
    fonts: &Fonts,
) -> DrawResult<(), DB> {
    let y = i as f64;
    let v = match v {
        Some(v) => v,
        None => {
            let dash = EmptyElement::at((0.0, y)) + Text::new("—", (6, 0), left(text(fonts.note)));
            chart.draw_series([dash])?;
            return Ok(());
        }
    };
    let bar = Rectangle::new([(0.0, y - 0.3), (v, y + 0.3)], series_color(i).filled());
    chart.draw_series([bar])?;
    let (anchor, dx) = if v < 0.0 {
        (HPos::Right, -6)
    } else {
        (HPos::Left, 6)
    };
    let style = text(fonts.note).pos(Pos::new(anchor, VPos::Center));
    let label = EmptyElement::at((v, y)) + Text::new(fmt_num(v), (dx, 0), style);
    chart.draw_series([label])?;
    Ok(())
}

// ---------------------------------------------------------------- sweep

/// A metric against the values of a swept key, one line per strategy.
pub(super) struct Sweep<'a> {
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub x_values: &'a [String],
    pub series: &'a [Series],
}

impl Draw for Sweep<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, fonts: &Fonts) -> DrawResult<(), DB> {
        let entries: Vec<Entry> = (self.series.iter().enumerate())
            .map(|(i, s)| Entry {
                label: s.label.clone(),
                swatch: Swatch::Line(series_color(i)),
            })
            .collect();
        let (plot, key) = beside_legend(area, &entries, fonts)?;
        let n_labels = self.fitting_labels(&plot, fonts)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(MARGIN)
            .margin_right(24)
            .x_label_area_size(X_LABELS)
            .y_label_area_size(84)
            .build_cartesian_2d(Slots::across(self.x_values.to_vec()), self.y_axis())?;
        styled_mesh(&mut chart, fonts)
            .x_labels(n_labels)
            .y_labels(6)
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .draw()?;
        for (i, s) in self.series.iter().enumerate() {
            self.draw_line(&mut chart, i, s)?;
        }
        legend(&key, &entries, fonts, LEGEND_TOP)
    }
}

impl Sweep<'_> {
    /// Series `i` as a line through dots, leaving out points off the axis.
    fn draw_line<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<Slots, ValueAxis>>,
        i: usize,
        s: &Series,
    ) -> DrawResult<(), DB> {
        let slots = -0.5..self.x_values.len() as f64 - 0.5;
        let points: Vec<(f64, f64)> = (s.points.iter().copied())
            .filter(|p| slots.contains(&p.0) && p.1.is_finite())
            .collect();
        let color = series_color(i);
        chart.draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))?;
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 5, color.filled())))?;
        Ok(())
    }

    /// From zero (or the lowest value) to a tenth past the highest.
    fn y_axis(&self) -> ValueAxis {
        let ys = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1));
        let ys: Vec<f64> = ys.filter(|y| y.is_finite()).collect();
        let lo = ys.iter().copied().fold(0.0, f64::min);
        let hi = ys.iter().copied().fold(0.0, f64::max);
        ValueAxis::linear(lo..lo + (hi - lo) * 1.1)
    }

    /// How many x labels fit side by side in `plot` (at least one).
    fn fitting_labels<DB: DrawingBackend>(
        &self,
        plot: &Area<DB>,
        fonts: &Fonts,
    ) -> DrawResult<usize, DB> {
        let style = text(fonts.tick);
        let mut widest = 1;
        for v in self.x_values {
            widest = widest.max(text_width(plot, v, &style)?);
        }
        let room = plot.dim_in_pixel().0.saturating_sub(84 + 2 * MARGIN + 24);
        let fit = (room / (widest + 16)).max(1) as usize;
        Ok(fit.min(self.x_values.len().max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: &[(f64, f64)]) -> Series {
        Series {
            label: "s".into(),
            points: points.to_vec(),
        }
    }

    #[test]
    fn cdf_steps_hold_each_level_until_the_next_value() {
        let line = steps(&[(1.0, 0.5), (3.0, 1.0)], 0.0, 4.0);
        assert_eq!(
            line,
            vec![
                (0.0, 0.0),
                (1.0, 0.0),
                (1.0, 0.5),
                (3.0, 0.5),
                (3.0, 1.0),
                (4.0, 1.0)
            ]
        );
    }

    #[test]
    fn cdf_scale_is_log_past_two_decades_only() {
        let narrow = CdfScale::of(&[series(&[(1.0, 0.5), (100.0, 1.0)])]);
        assert!(!narrow.log);
        let wide = CdfScale::of(&[series(&[(0.0, 0.2), (2.0, 0.5), (5000.0, 1.0)])]);
        assert!(wide.log && wide.zeros);
        assert!(wide.left < 2.0 && wide.left > 0.2);
        assert_eq!(
            wide.describe("failed"),
            "failed (log scale; 0 at left edge)"
        );
        let no_zero = CdfScale::of(&[series(&[(3.0, 0.5), (5000.0, 1.0)])]);
        assert_eq!(no_zero.left, 1.0);
        assert_eq!(no_zero.describe("failed"), "failed (log scale)");
    }
}
