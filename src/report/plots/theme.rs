//! The look every figure shares: text sizes, colours, number and duration
//! formatting, the page frame (background and title) and legends.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A drawing area in pixels, as figures receive it.
pub(super) type Area<DB> = DrawingArea<DB, Shift>;

/// Text sizes for one size of figure, in plotters' units: the em is
/// size / 1.24 pixels (plotters' SVG `font-size`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Fonts {
    /// The figure's title.
    pub title: f64,
    /// Axis descriptions and panel captions.
    pub desc: f64,
    /// Tick labels and legend entries.
    pub tick: f64,
    /// Values written on or beside marks.
    pub note: f64,
}

/// Text sizes of the 960×540 figures.
pub(super) const ORDINARY: Fonts = Fonts {
    title: 27.0,
    desc: 20.0,
    tick: 18.0,
    note: 17.0,
};

/// Text sizes of the 1280×900 timeline, made to be projected.
pub(super) const LARGE: Fonts = Fonts {
    title: 32.0,
    desc: 24.0,
    tick: 21.0,
    note: 21.0,
};

/// Text and axis colour: a near-black that prints well.
pub(super) const INK: RGBColor = RGBColor(34, 34, 34);
/// A mid grey for secondary marks.
pub(super) const GREY: RGBColor = RGBColor(110, 110, 110);

/// Okabe–Ito colours, ordered for series drawn as lines on white: every
/// strategy keeps the colour of its index in every figure.
const SERIES: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(240, 228, 66),  // yellow: faint on white, so last
];

/// Okabe–Ito colours for the parts of a whole, ordered so that outcomes in
/// report order read from good to bad: succeeded green, rolled back sky
/// blue, false rollback yellow, stalled orange, incident vermillion, data
/// loss purple.
const PARTS: [RGBColor; 8] = [
    RGBColor(0, 158, 115),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(230, 159, 0),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(0, 114, 178),
    GREY,
];

/// The colour of series `i`.
pub(super) fn series_color(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

/// The colour of part `i` of a whole.
pub(super) fn part_color(i: usize) -> RGBColor {
    PARTS[i % PARTS.len()]
}

/// Ink or white, whichever reads better on `fill`.
pub(super) fn ink_on(fill: RGBColor) -> &'static RGBColor {
    let RGBColor(r, g, b) = fill;
    let luma = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luma > 140.0 { &INK } else { &WHITE }
}

/// Grid lines at labelled ticks.
pub(super) fn grid_bold() -> ShapeStyle {
    BLACK.mix(0.16).stroke_width(1)
}

/// Grid lines between labelled ticks.
pub(super) fn grid_light() -> ShapeStyle {
    BLACK.mix(0.06).stroke_width(1)
}

/// Text of `size` pixels in ink, in the bundled sans-serif.
pub(super) fn text(size: f64) -> TextStyle<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal).color(&INK)
}

/// `style` anchored at its left end, centred vertically.
pub(super) fn left(style: TextStyle<'static>) -> TextStyle<'static> {
    style.pos(Pos::new(HPos::Left, VPos::Center))
}

/// `style` anchored at its centre.
pub(super) fn centred(style: TextStyle<'static>) -> TextStyle<'static> {
    style.pos(Pos::new(HPos::Center, VPos::Center))
}

/// The width in pixels of `s` drawn with `style`.
pub(super) fn text_width<DB: DrawingBackend>(
    area: &Area<DB>,
    s: &str,
    style: &TextStyle,
) -> DrawResult<u32, DB> {
    Ok(area.estimate_text_size(s, style)?.0)
}

/// `s`, cut short with "…" if it is wider than `max` pixels.
pub(super) fn fit<DB: DrawingBackend>(
    area: &Area<DB>,
    s: &str,
    style: &TextStyle,
    max: u32,
) -> DrawResult<String, DB> {
    if text_width(area, s, style)? <= max {
        return Ok(s.to_string());
    }
    let mut chars: Vec<char> = s.chars().collect();
    while chars.pop().is_some() {
        let cut = format!("{}…", chars.iter().collect::<String>().trim_end());
        if text_width(area, &cut, style)? <= max {
            return Ok(cut);
        }
    }
    Ok("…".to_string())
}

/// Fills the page white, writes `title` across its top and returns the
/// area below the title.
pub(super) fn frame<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    fonts: &Fonts,
) -> DrawResult<Area<DB>, DB> {
    root.fill(&WHITE)?;
    let style = text(fonts.title).pos(Pos::new(HPos::Center, VPos::Top));
    let (w, _) = root.dim_in_pixel();
    let shown = fit(root, title, &style, w.saturating_sub(24))?;
    root.draw_text(&shown, &style, (w as i32 / 2, 12))?;
    let (_, h) = root.estimate_text_size(&shown, &style)?;
    Ok(root.split_vertically(h as i32 + 24).1)
}

/// How a legend entry shows its series.
#[derive(Clone, Copy, Debug)]
pub(super) enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled block (bars and parts).
    Block(RGBColor),
}

/// One row of a legend.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub label: String,
    pub swatch: Swatch,
}

/// Left of a legend's text: room for the swatch.
const SWATCH_ROOM: i32 = 44;

/// The width a legend of `entries` needs, at most `max` pixels.
pub(super) fn legend_width<DB: DrawingBackend>(
    area: &Area<DB>,
    entries: &[Entry],
    fonts: &Fonts,
    max: u32,
) -> DrawResult<u32, DB> {
    let style = text(fonts.tick);
    let mut widest = 0;
    for e in entries {
        widest = widest.max(text_width(area, &e.label, &style)?);
    }
    Ok((widest + SWATCH_ROOM as u32 + 16).min(max))
}

/// Draws `entries` one per row from `top` pixels down `area`; labels too
/// wide for the area are cut short.
pub(super) fn legend<DB: DrawingBackend>(
    area: &Area<DB>,
    entries: &[Entry],
    fonts: &Fonts,
    top: i32,
) -> DrawResult<(), DB> {
    let style = left(text(fonts.tick));
    let room = area.dim_in_pixel().0.saturating_sub(SWATCH_ROOM as u32 + 4);
    let row = (fonts.tick * 1.7).round() as i32;
    for (i, e) in entries.iter().enumerate() {
        let y = top + i as i32 * row;
        swatch(area, e.swatch, y)?;
        let label = fit(area, &e.label, &style, room)?;
        area.draw_text(&label, &style, (SWATCH_ROOM, y))?;
    }
    Ok(())
}

/// One swatch, centred vertically on `y`.
fn swatch<DB: DrawingBackend>(area: &Area<DB>, s: Swatch, y: i32) -> DrawResult<(), DB> {
    match s {
        Swatch::Line(c) => area.draw(&PathElement::new([(8, y), (36, y)], c.stroke_width(3))),
        Swatch::Dashed(c) => {
            for x in [8, 19, 30] {
                area.draw(&PathElement::new([(x, y), (x + 6, y)], c.stroke_width(3)))?;
            }
            Ok(())
        }
        Swatch::Block(c) => area.draw(&Rectangle::new([(10, y - 7), (34, y + 7)], c.filled())),
    }
}

/// Splits `area` into a plot on the left and a column on the right, wide
/// enough for a legend of `entries` (at most a third of the area).
pub(super) fn beside_legend<DB: DrawingBackend>(
    area: &Area<DB>,
    entries: &[Entry],
    fonts: &Fonts,
) -> DrawResult<(Area<DB>, Area<DB>), DB> {
    let w = area.dim_in_pixel().0;
    let lw = legend_width(area, entries, fonts, w / 3)?;
    Ok(area.split_horizontally(w - lw))
}

/// `v` with at most three significant digits and a k/M/G suffix:
/// 0.0123, 3.27, 44, 1.23k, 12.3k, 123k, 4.5M.
pub(super) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "—".to_string();
    }
    let a = round_sig(v.abs(), 3);
    if a < 1e-9 {
        return "0".to_string();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let (scaled, suffix) = match a {
        a if a >= 1e9 => (a / 1e9, "G"),
        a if a >= 1e6 => (a / 1e6, "M"),
        a if a >= 1e3 => (a / 1e3, "k"),
        a => (a, ""),
    };
    format!("{sign}{}{suffix}", sig3(scaled))
}

/// `a` (> 0) rounded to `digits` significant digits.
fn round_sig(a: f64, digits: i32) -> f64 {
    if a == 0.0 || !a.is_finite() {
        return a;
    }
    let unit = 10f64.powi(a.log10().floor() as i32 - digits + 1);
    (a / unit).round() * unit
}

/// A non-negative `a` below 1000 with three significant digits, trailing
/// zeros dropped.
fn sig3(a: f64) -> String {
    let decimals = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        ((2.0 - a.log10().floor()) as usize).min(9)
    };
    trim_zeros(format!("{a:.decimals$}"))
}

/// "12.50" → "12.5", "3.00" → "3".
fn trim_zeros(s: String) -> String {
    if !s.contains('.') {
        return s;
    }
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A share (0..=1) as a whole percentage; never rounds a part to 0% or a
/// share short of the whole to 100%.
pub(super) fn fmt_pct(share: f64) -> String {
    let p = share * 100.0;
    match p.round() {
        r if r >= 100.0 && p < 100.0 => ">99%".to_string(),
        r if r <= 0.0 && p > 0.0 => "<1%".to_string(),
        r => format!("{r:.0}%"),
    }
}

/// The unit a set of durations reads best in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
}

impl TimeUnit {
    /// The unit for durations up to `secs` seconds.
    pub fn for_max(secs: f64) -> Self {
        if secs < 120.0 {
            TimeUnit::Seconds
        } else if secs < 7200.0 {
            TimeUnit::Minutes
        } else {
            TimeUnit::Hours
        }
    }

    /// Seconds in one unit.
    pub fn secs(self) -> f64 {
        match self {
            TimeUnit::Seconds => 1.0,
            TimeUnit::Minutes => 60.0,
            TimeUnit::Hours => 3600.0,
        }
    }

    /// The unit's symbol: s, min, h.
    pub fn symbol(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "min",
            TimeUnit::Hours => "h",
        }
    }

    /// The unit's name for axis labels.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "seconds",
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
        }
    }
}

/// A duration in seconds, in the unit that reads best for it: "45 s",
/// "3.5 min", "1.2 h".
pub(super) fn fmt_duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "—".to_string();
    }
    let unit = TimeUnit::for_max(secs.abs());
    format!("{} {}", fmt_num(secs / unit.secs()), unit.symbol())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_significant_digits() {
        let cases = [
            (0.0, "0"),
            (0.0123, "0.0123"),
            (0.5, "0.5"),
            (3.27, "3.27"),
            (44.0, "44"),
            (999.6, "1k"),
            (1234.0, "1.23k"),
            (12_345.0, "12.3k"),
            (123_456.0, "123k"),
            (4_500_000.0, "4.5M"),
            (-2500.0, "-2.5k"),
            (0.30000000000000004, "0.3"),
            (f64::NAN, "—"),
        ];
        for (v, want) in cases {
            assert_eq!(fmt_num(v), want, "{v}");
        }
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(fmt_duration(45.0), "45 s");
        assert_eq!(fmt_duration(210.0), "3.5 min");
        assert_eq!(fmt_duration(5400.0), "90 min");
        assert_eq!(fmt_duration(9000.0), "2.5 h");
    }

    #[test]
    fn percentages_never_round_away_a_part() {
        assert_eq!(fmt_pct(0.4567), "46%");
        assert_eq!(fmt_pct(0.998), ">99%");
        assert_eq!(fmt_pct(0.003), "<1%");
        assert_eq!(fmt_pct(1.0), "100%");
        assert_eq!(fmt_pct(0.0), "0%");
    }
}
