//! The timeline of one traced rollout: pods, traffic and failed requests
//! over time in three panels sharing the time axis, with the events that
//! tell the story marked across all three and labelled in a band above.

use plotters::coord::cartesian::Cartesian2d;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::ValueAxis;
use super::charts::styled_mesh;
use super::theme::{Area, Entry, Fonts, GREY, Swatch, fmt_num, legend, text, text_width};
use super::{Draw, Trace};
use crate::trial::TraceEvent;

/// The old version's colour (Okabe–Ito blue).
const OLD: RGBColor = RGBColor(0, 114, 178);
/// The new version's colour (Okabe–Ito orange).
const NEW: RGBColor = RGBColor(230, 159, 0);
/// Failed requests and trouble markers (Okabe–Ito vermillion).
const FAILED: RGBColor = RGBColor(213, 94, 0);
/// Response markers (Okabe–Ito reddish purple).
const RESPONSE: RGBColor = RGBColor(204, 121, 167);
/// Width of the legend column on the right.
const KEY_W: u32 = 230;
/// Rows of marker labels above the panels.
const LANES: usize = 4;
/// Width of the panels' value labels.
const Y_LABELS: u32 = 76;
/// Space left of the panels' value labels.
const PANEL_LEFT: i32 = 12;
/// How many `set_weight` markers get a label.
const LABELLED_WEIGHTS: usize = 3;
/// Markers closer than this (pixels) share one label.
const SAME_PLACE_PX: i32 = 6;

/// A line of the pods panel.
struct PodLine {
    value: fn(&TraceEvent) -> u32,
    color: RGBColor,
    width: u32,
    dashed: bool,
}

/// Pods (solid) and Ready pods (dashed) of each version. The old version's
/// pods line is wider, so that where both versions have the same count it
/// still shows on either side of the new one's.
const POD_LINES: [PodLine; 4] = [
    PodLine {
        value: |e| e.old_pods,
        color: OLD,
        width: 6,
        dashed: false,
    },
    PodLine {
        value: |e| e.old_ready,
        color: OLD,
        width: 3,
        dashed: true,
    },
    PodLine {
        value: |e| e.new_pods,
        color: NEW,
        width: 3,
        dashed: false,
    },
    PodLine {
        value: |e| e.new_ready,
        color: NEW,
        width: 3,
        dashed: true,
    },
];

/// One traced rollout, drawn.
pub(super) struct Timeline<'a> {
    pub trace: &'a Trace,
}

/// The panels' charts: minutes across, a value up.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<ValueAxis, ValueAxis>>;

impl Draw for Timeline<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, fonts: &Fonts) -> DrawResult<(), DB> {
        let events = &self.trace.events;
        let view = View::of(events);
        let markers = markers(events, view.end_s);
        let (w, _) = area.dim_in_pixel();
        let (body, key) = area.split_horizontally(w.saturating_sub(KEY_W));
        let lane_h = (fonts.note * 1.5).round() as u32;
        let (band, panels) = body.split_vertically(lane_h * LANES as u32 + 10);
        let h = panels.dim_in_pixel().1;
        let parts =
            panels.split_by_breakpoints(Vec::<u32>::new(), vec![h * 38 / 100, h * 63 / 100]);
        let xs = self.pods(&parts[0], &view, &markers, fonts)?;
        self.traffic(&parts[1], &view, &markers, fonts)?;
        let total = self.failures(&parts[2], &view, &markers, fonts)?;
        label_markers(&band, &markers, &xs, lane_h, fonts)?;
        let down_key = |a: &Area<DB>| a.get_base_pixel().1 - key.get_base_pixel().1;
        let tops = [down_key(&parts[0]), down_key(&parts[2])];
        self.key(&key, &markers, tops, total, fonts)
    }
}

impl Timeline<'_> {
    /// Panel 1: pods and Ready pods per version. Returns the markers' pixel
    /// x positions.
    fn pods<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        view: &View,
        markers: &[Marker],
        fonts: &Fonts,
    ) -> DrawResult<Vec<i32>, DB> {
        let events = &self.trace.events;
        let most = (events.iter())
            .map(|e| e.old_pods.max(e.new_pods))
            .max()
            .unwrap_or(0)
            .max(1);
        let y = ValueAxis::linear(0.0..f64::from(most) * 1.12);
        let mut chart = panel(area, view, y, "pods per version", false, fonts)?;
        for line in POD_LINES {
            let points = view.steps(events, |e| f64::from((line.value)(e)));
            if line.dashed {
                let style = line.color.mix(0.75).stroke_width(line.width);
                chart.draw_series(DashedLineSeries::new(points, 9, 6, style))?;
            } else {
                chart.draw_series(LineSeries::new(points, line.color.stroke_width(line.width)))?;
            }
        }
        draw_marker_lines(&mut chart, markers)?;
        let y0 = chart.y_range().start;
        Ok(markers
            .iter()
            .map(|m| chart.backend_coord(&(m.t_s / 60.0, y0)).0)
            .collect())
    }

    /// Panel 2: the new version's share of traffic, in percent.
    fn traffic<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        view: &View,
        markers: &[Marker],
        fonts: &Fonts,
    ) -> DrawResult<(), DB> {
        let y = ValueAxis::linear(0.0..105.0);
        let mut chart = panel(
            area,
            view,
            y,
            "the new version's share of traffic (%)",
            false,
            fonts,
        )?;
        let line = view.steps(&self.trace.events, |e| e.new_traffic_share * 100.0);
        let mut fill = line.clone();
        if let (Some(first), Some(last)) = (line.first(), line.last()) {
            fill.extend([(last.0, 0.0), (first.0, 0.0)]);
        }
        chart.draw_series([Polygon::new(fill, NEW.mix(0.2).filled())])?;
        chart.draw_series(LineSeries::new(line, NEW.stroke_width(3)))?;
        draw_marker_lines(&mut chart, markers)
    }

    /// Panel 3: failed requests per minute, with the time axis. Returns
    /// the trace's total of failed requests.
    fn failures<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        view: &View,
        markers: &[Marker],
        fonts: &Fonts,
    ) -> DrawResult<f64, DB> {
        let events = &self.trace.events;
        let minutes = failed_per_minute(events, view.end_s);
        let most = minutes.iter().copied().fold(0.0, f64::max);
        let y = ValueAxis::linear(0.0..if most > 0.0 { most * 1.15 } else { 1.0 });
        let mut chart = panel(area, view, y, "failed requests per minute", true, fonts)?;
        let gap = if minutes.len() <= 90 { 0.1 } else { 0.0 };
        let x_end = view.end_s / 60.0;
        let bars = (minutes.iter().enumerate())
            .filter(|(_, n)| **n > 0.0)
            .map(|(m, &n)| {
                let (a, b) = (m as f64 + gap, (m as f64 + 1.0 - gap).min(x_end));
                Rectangle::new([(a, 0.0), (b, n)], FAILED.filled())
            });
        chart.draw_series(bars)?;
        draw_marker_lines(&mut chart, markers)?;
        Ok(events.last().map_or(0.0, |e| e.failed_requests))
    }

    /// The legend column: the pods panel's lines and the marker colours
    /// from `tops[0]`, the failed-request total from `tops[1]` (pixels down
    /// `key`).
    fn key<DB: DrawingBackend>(
        &self,
        key: &Area<DB>,
        markers: &[Marker],
        tops: [i32; 2],
        total: f64,
        fonts: &Fonts,
    ) -> DrawResult<(), DB> {
        let mut entries = vec![
            entry("old pods", Swatch::Line(OLD)),
            entry("old Ready", Swatch::Dashed(OLD)),
            entry("new pods", Swatch::Line(NEW)),
            entry("new Ready", Swatch::Dashed(NEW)),
        ];
        for kind in [Kind::Trouble, Kind::Response, Kind::Step] {
            if markers.iter().any(|m| m.kind == kind) {
                entries.push(entry(kind.meaning(), Swatch::Dashed(*kind.color())));
            }
        }
        legend(key, &entries, fonts, tops[0] + 24)?;
        let style = text(fonts.tick).pos(Pos::new(HPos::Left, VPos::Top));
        let row = (fonts.tick * 1.4) as i32;
        key.draw_text("failed requests", &style, (10, tops[1] + 16))?;
        key.draw_text(
            &format!("in all: {}", fmt_num(total)),
            &style,
            (10, tops[1] + 16 + row),
        )
    }
}

/// A legend entry.
fn entry(label: &str, swatch: Swatch) -> Entry {
    Entry {
        label: label.to_string(),
        swatch,
    }
}

/// One panel's chart with its mesh drawn and `caption` above it; only the
/// `last` panel shows the time axis' labels.
fn panel<'a, DB: DrawingBackend>(
    area: &'a Area<DB>,
    view: &View,
    y: ValueAxis,
    caption: &str,
    last: bool,
    fonts: &Fonts,
) -> DrawResult<Chart<'a, DB>, DB> {
    let caption_h = (fonts.desc * 1.25).round() as u32;
    let style = text(fonts.desc).pos(Pos::new(HPos::Left, VPos::Center));
    area.draw_text(
        caption,
        &style,
        (PANEL_LEFT + Y_LABELS as i32, caption_h as i32 / 2 + 4),
    )?;
    let x = ValueAxis::linear(0.0..view.end_s / 60.0);
    let mut chart = ChartBuilder::on(area)
        .margin_left(PANEL_LEFT)
        .margin_right(20)
        .margin_top(caption_h + 6)
        .margin_bottom(if last { 8 } else { 2 })
        .x_label_area_size(if last { 70 } else { 0 })
        .y_label_area_size(Y_LABELS)
        .build_cartesian_2d(x, y)?;
    let mut mesh = styled_mesh(&mut chart, fonts);
    mesh.y_labels(5).x_labels(12);
    if last {
        mesh.x_desc("minutes since the rollout started");
    } else {
        mesh.x_label_formatter(&|_| String::new());
    }
    mesh.draw()?;
    Ok(chart)
}

/// The dashed vertical line of every marker, across the panel.
fn draw_marker_lines<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    markers: &[Marker],
) -> DrawResult<(), DB> {
    let y = chart.y_range();
    for m in markers {
        let t = m.t_s / 60.0;
        let width = if m.kind == Kind::Step { 1 } else { 2 };
        let style = m.kind.color().mix(0.85).stroke_width(width);
        chart.draw_series(DashedLineSeries::new(
            [(t, y.start), (t, y.end)],
            6,
            5,
            style,
        ))?;
    }
    Ok(())
}

/// The span of time the timeline shows.
struct View {
    /// The right edge, seconds after the rollout started.
    end_s: f64,
}

impl View {
    /// Up to the last event that changes pods, readiness or traffic, or
    /// is marked, plus a margin: a trace that runs quietly on to its
    /// horizon is cut where nothing more happens.
    fn of(events: &[TraceEvent]) -> Self {
        let mut last: f64 = 0.0;
        for (i, e) in events.iter().enumerate() {
            let changed = i == 0 || state(e) != state(&events[i - 1]);
            if changed || marker_kind(e.event).is_some() {
                last = last.max(e.t_s);
            }
        }
        View {
            end_s: last + (last * 0.05).max(30.0),
        }
    }

    /// The step line (minutes, value) of `value` over the events in view:
    /// each value holds until the next event, the last one to the edge.
    fn steps(&self, events: &[TraceEvent], value: impl Fn(&TraceEvent) -> f64) -> Vec<(f64, f64)> {
        let mut line: Vec<(f64, f64)> = Vec::new();
        for e in events.iter().take_while(|e| e.t_s <= self.end_s) {
            let t = e.t_s / 60.0;
            if let Some(&(_, held)) = line.last() {
                line.push((t, held));
            }
            line.push((t, value(e)));
        }
        if let Some(&(_, held)) = line.last() {
            line.push((self.end_s / 60.0, held));
        }
        line
    }
}

/// What the pods and traffic panels show of an event.
fn state(e: &TraceEvent) -> (u32, u32, u32, u32, f64) {
    (
        e.old_pods,
        e.new_pods,
        e.old_ready,
        e.new_ready,
        e.new_traffic_share,
    )
}

/// Failed requests in each minute [m·60 s, (m+1)·60 s) up to `end_s`, from
/// the events' cumulative counts: a count that grows between two events
/// grows evenly over the time between them (from zero at t = 0 before the
/// first event); a jump between two events at the same time falls in that
/// instant's minute.
pub(super) fn failed_per_minute(events: &[TraceEvent], end_s: f64) -> Vec<f64> {
    let n = (end_s / 60.0).ceil().max(1.0) as usize;
    let mut minutes = vec![0.0; n];
    let mut prev = (0.0, 0.0);
    for e in events {
        spread(&mut minutes, prev, (e.t_s, e.failed_requests));
        prev = (e.t_s, e.failed_requests);
    }
    minutes
}

/// Adds the growth from `a` to `b` (time in seconds, cumulative count) to
/// the minutes it falls in.
fn spread(minutes: &mut [f64], a: (f64, f64), b: (f64, f64)) {
    let ((t0, c0), (t1, c1)) = (a, b);
    let grown = c1 - c0;
    if !grown.is_finite() || grown <= 0.0 || !t0.is_finite() || !t1.is_finite() {
        return;
    }
    if t1 <= t0 {
        if let Some(m) = minutes.get_mut((t0 / 60.0).floor().max(0.0) as usize) {
            *m += grown;
        }
        return;
    }
    let rate = grown / (t1 - t0);
    let first = (t0 / 60.0).floor().max(0.0) as usize;
    let last = ((t1 / 60.0).floor() as usize).min(minutes.len().saturating_sub(1));
    for (m, count) in minutes.iter_mut().enumerate().take(last + 1).skip(first) {
        let from = t0.max(m as f64 * 60.0);
        let to = t1.min((m + 1) as f64 * 60.0);
        if to > from {
            *count += rate * (to - from);
        }
    }
}

/// What a marker means, in order of importance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A step of the rollout (weights, promotion, completion, migrations).
    Step,
    /// The team's response (undo, rollback done, standing down).
    Response,
    /// Something went wrong or was noticed.
    Trouble,
}

impl Kind {
    fn color(self) -> &'static RGBColor {
        match self {
            Kind::Step => &GREY,
            Kind::Response => &RESPONSE,
            Kind::Trouble => &FAILED,
        }
    }

    fn meaning(self) -> &'static str {
        match self {
            Kind::Step => "rollout step",
            Kind::Response => "response",
            Kind::Trouble => "problem / signal",
        }
    }
}

/// A marked event: its time, kind and label (none for set_weight after
/// the first few).
#[derive(Clone, Debug, PartialEq)]
struct Marker {
    t_s: f64,
    kind: Kind,
    label: Option<String>,
}

/// The kind of marker an event gets, if any.
fn marker_kind(event: &str) -> Option<Kind> {
    match event {
        "defect_visible"
        | "detected"
        | "alert_fired"
        | "user_report"
        | "progress_deadline_exceeded"
        | "smoke_test_failed"
        | "analysis_failed"
        | "rollback_blocked" => Some(Kind::Trouble),
        "rollout_undo" | "rollback_complete" | "stand_down" | "schema_revert"
        | "schema_reverted" => Some(Kind::Response),
        "rollout_complete" | "migration_start" | "migration_done" | "contract" | "set_weight" => {
            Some(Kind::Step)
        }
        e if e.contains("abort") => Some(Kind::Trouble),
        e if e.contains("promot") => Some(Kind::Step),
        _ => None,
    }
}

/// A short label for a marked event.
fn marker_label(e: &TraceEvent) -> String {
    let short = match e.event {
        "defect_visible" => "defect visible",
        "alert_fired" => "alert",
        "user_report" => "user report",
        "progress_deadline_exceeded" => "deadline exceeded",
        "smoke_test_failed" => "smoke test failed",
        "analysis_failed" => "analysis failed",
        "rollout_undo" => "undo",
        "rollback_complete" => "rolled back",
        "stand_down" => "stand down",
        "rollback_blocked" => "rollback blocked",
        "schema_revert" => "restore from backup",
        "schema_reverted" => "schema restored",
        "rollout_complete" => "complete",
        "migration_start" => "migration",
        "migration_done" => "migrated",
        "set_weight" => return weight_label(&e.detail),
        other => return other.replace('_', " "),
    };
    short.to_string()
}

/// "weight 25%" from a set_weight detail such as "canary weight 25%".
fn weight_label(detail: &str) -> String {
    match detail.split_whitespace().last() {
        Some(w) if w.ends_with('%') => format!("weight {w}"),
        _ => "weight".to_string(),
    }
}

/// The marked events up to `end_s`, in time order.
fn markers(events: &[TraceEvent], end_s: f64) -> Vec<Marker> {
    let mut weights = 0;
    let mut out = Vec::new();
    for e in events.iter().filter(|e| e.t_s <= end_s) {
        let Some(kind) = marker_kind(e.event) else {
            continue;
        };
        let labelled = e.event != "set_weight" || weights < LABELLED_WEIGHTS;
        weights += usize::from(e.event == "set_weight");
        out.push(Marker {
            t_s: e.t_s,
            kind,
            label: labelled.then(|| marker_label(e)),
        });
    }
    out
}

/// Labels of markers at (nearly) the same place joined into one: (pixel
/// x, text, kind) in order.
fn label_groups(markers: &[Marker], xs: &[i32]) -> Vec<(i32, String, Kind)> {
    let mut groups: Vec<(i32, String, Kind)> = Vec::new();
    for (m, &x) in markers.iter().zip(xs) {
        let Some(label) = &m.label else { continue };
        match groups.last_mut() {
            Some(g) if (x - g.0).abs() < SAME_PLACE_PX => {
                if !g.1.split(" + ").any(|l| l == label) {
                    g.1 = format!("{} + {label}", g.1);
                }
                g.2 = g.2.max(m.kind);
            }
            _ => groups.push((x, label.clone(), m.kind)),
        }
    }
    groups
}

/// Where each label goes: for a label of `width` pixels at marker `x`, the
/// lowest lane (0 nearest the panels) where it overlaps no other label,
/// and its left edge: right of the marker, or left of it near the right
/// end. `None` when no lane has room.
fn place_labels(labels: &[(i32, u32)], right_end: i32, lanes: usize) -> Vec<Option<(usize, i32)>> {
    let mut taken: Vec<Vec<(i32, i32)>> = vec![Vec::new(); lanes];
    let mut out = Vec::new();
    for &(x, width) in labels {
        let w = width as i32;
        let left = if x + 6 + w <= right_end {
            x + 6
        } else {
            x - 6 - w
        };
        let span = (left - 8, left + w + 8);
        let lane = (0..lanes).find(|&l| taken[l].iter().all(|s| span.1 <= s.0 || span.0 >= s.1));
        if let Some(l) = lane {
            taken[l].push(span);
        }
        out.push(lane.map(|l| (l, left)));
    }
    out
}

/// The marker labels in the band above the panels, each beside a flag
/// that runs down from it at its marker's x. Flags are drawn first and
/// labels on white boxes over them, so a flag passes behind lower labels.
fn label_markers<DB: DrawingBackend>(
    band: &Area<DB>,
    markers: &[Marker],
    xs: &[i32],
    lane_h: u32,
    fonts: &Fonts,
) -> DrawResult<(), DB> {
    let groups = label_groups(markers, xs);
    let base = band.get_base_pixel().0;
    let (band_w, band_h) = band.dim_in_pixel();
    let style = text(fonts.note).pos(Pos::new(HPos::Left, VPos::Center));
    let mut sized = Vec::new();
    for (x, label, _) in &groups {
        sized.push((x - base, text_width(band, label, &style)?));
    }
    let places = place_labels(&sized, band_w as i32 - 4, LANES);
    let (lane_h, bottom) = (lane_h as i32, band_h as i32);
    let mid = |lane: usize| bottom - 6 - lane as i32 * lane_h - lane_h / 2;
    for ((x, _, kind), place) in groups.iter().zip(&places) {
        if let Some((lane, _)) = place {
            let top = mid(*lane) - lane_h / 2 + 2;
            band.draw(&PathElement::new(
                [(x - base, top), (x - base, bottom)],
                kind.color().stroke_width(2),
            ))?;
        }
    }
    for (((_, label, kind), place), (_, w)) in groups.iter().zip(&places).zip(&sized) {
        let Some((lane, left)) = *place else { continue };
        let (y, half) = (mid(lane), lane_h / 2 - 1);
        let paper = [(left - 3, y - half), (left + *w as i32 + 3, y + half)];
        band.draw(&Rectangle::new(paper, WHITE.filled()))?;
        band.draw_text(label, &style.color(kind.color()), (left, y))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(t_s: f64, event: &'static str, failed: f64) -> TraceEvent {
        TraceEvent {
            t_s,
            event,
            detail: String::new(),
            old_pods: 4,
            new_pods: 0,
            old_ready: 4,
            new_ready: 0,
            new_traffic_share: 0.0,
            failed_requests: failed,
        }
    }

    #[test]
    fn failures_spread_evenly_across_minute_boundaries() {
        let events = [event(30.0, "scale", 0.0), event(150.0, "scale", 120.0)];
        let minutes = failed_per_minute(&events, 180.0);
        assert_eq!(minutes.len(), 3);
        for (got, want) in minutes.iter().zip([30.0, 60.0, 30.0]) {
            assert!((got - want).abs() < 1e-9, "{minutes:?}");
        }
    }

    #[test]
    fn failures_at_one_instant_fall_in_its_minute_and_past_the_view_are_dropped() {
        let events = [
            event(0.0, "a", 0.0),
            event(61.0, "b", 0.0),
            event(61.0, "c", 7.0),
            event(3600.0, "d", 7.0 + 3539.0),
        ];
        let minutes = failed_per_minute(&events, 120.0);
        assert_eq!(minutes.len(), 2);
        assert!((minutes[1] - (7.0 + 59.0)).abs() < 1e-9, "{minutes:?}");
        assert_eq!(minutes[0], 0.0);
    }

    #[test]
    fn the_view_ends_after_the_last_change_not_at_the_horizon() {
        let mut events = vec![
            event(0.0, "rollout_start", 0.0),
            event(600.0, "detected", 5.0),
        ];
        let mut moved = event(900.0, "scale", 9.0);
        moved.new_pods = 2;
        events.push(moved.clone());
        let mut quiet = moved;
        quiet.t_s = 86_400.0;
        quiet.event = "horizon";
        quiet.failed_requests = 99.0;
        events.push(quiet);
        let view = View::of(&events);
        assert!(view.end_s > 900.0 && view.end_s < 1000.0, "{}", view.end_s);
    }

    #[test]
    fn only_the_first_weights_are_labelled() {
        let mut events: Vec<TraceEvent> = (0..5)
            .map(|i| event(f64::from(i) * 60.0, "set_weight", 0.0))
            .collect();
        events[0].detail = "canary weight 5%".into();
        events.push(event(400.0, "abort_rollout", 0.0));
        let ms = markers(&events, 1000.0);
        let labels: Vec<Option<&str>> = ms.iter().map(|m| m.label.as_deref()).collect();
        assert_eq!(
            labels,
            [
                Some("weight 5%"),
                Some("weight"),
                Some("weight"),
                None,
                None,
                Some("abort rollout")
            ]
        );
        assert_eq!(ms[5].kind, Kind::Trouble);
    }

    #[test]
    fn labels_at_one_place_join_and_crowded_labels_take_higher_lanes() {
        let ms = [
            Marker {
                t_s: 0.0,
                kind: Kind::Trouble,
                label: Some("detected".into()),
            },
            Marker {
                t_s: 0.0,
                kind: Kind::Response,
                label: Some("undo".into()),
            },
            Marker {
                t_s: 1.0,
                kind: Kind::Step,
                label: Some("complete".into()),
            },
        ];
        let groups = label_groups(&ms, &[100, 102, 130]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].1, "detected + undo");
        assert_eq!(groups[0].2, Kind::Trouble);
        let places = place_labels(&[(100, 80), (130, 60), (400, 50), (990, 50)], 1000, 2);
        assert_eq!(places[0], Some((0, 106)));
        assert_eq!(places[1], Some((1, 136)));
        assert_eq!(places[2], Some((0, 406)));
        assert_eq!(places[3], Some((0, 934)));
        let full = place_labels(&[(100, 80), (110, 80), (120, 80)], 1000, 2);
        assert_eq!(full[2], None);
    }
}
