//! Every figure renders to well-formed SVG and a decodable PNG of its size,
//! shows its title and labels, and renders the same bytes twice.

use super::*;
use crate::trial::{Outcome, TraceEvent};

/// Checks one figure: SVG well formed and holding `texts`, PNG of `size`
/// with more than one colour.
fn check(fig: &Figure, size: (u32, u32), texts: &[&str]) {
    let svg = fig.svg.trim_end();
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
    assert!(svg.ends_with("</svg>"));
    well_formed(svg);
    for t in texts.iter().chain([&fig.title.as_str()]) {
        let escaped = t
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(
            svg.contains(&format!(">\n{escaped}\n</text>")),
            "{} lacks text {t:?}",
            fig.name
        );
    }
    assert!(fig.png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let img = image::load_from_memory_with_format(&fig.png, image::ImageFormat::Png)
        .expect("the PNG decodes")
        .to_rgb8();
    assert_eq!(img.dimensions(), size);
    let first = img.get_pixel(0, 0);
    assert!(
        img.pixels().any(|p| p != first),
        "{} is a single colour",
        fig.name
    );
}

/// Tags open and close in order; text holds no bare `<`.
fn well_formed(xml: &str) {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("every tag closes") + start;
        let tag = &rest[start + 1..end];
        assert!(!tag.contains('<'), "a `<` inside tag {tag:?}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name.trim()), "closing {name}");
        } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
            open.push(tag.split_whitespace().next().unwrap_or(""));
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "unclosed: {open:?}");
}

fn series(label: &str, points: &[(f64, f64)]) -> Series {
    Series {
        label: label.to_string(),
        points: points.to_vec(),
    }
}

fn strategies() -> Vec<String> {
    ["recreate", "rolling", "blue-green", "canary"]
        .map(String::from)
        .to_vec()
}

fn cdf_figure() -> Figure {
    let s = [
        series(
            "rolling",
            &[(0.0, 0.2), (40.0, 0.5), (2500.0, 0.9), (9000.0, 1.0)],
        ),
        series("canary", &[(0.0, 0.6), (3.0, 0.8), (120.0, 1.0)]),
        series("blue-green", &[]),
    ];
    cdf(
        "failed_requests_cdf",
        "Failed requests per bad release",
        "failed requests",
        &s,
    )
    .unwrap()
}

fn spreads_figure() -> Figure {
    let p = |a: f64, b: f64, c: f64| Spread {
        p50: Some(a),
        p95: Some(b),
        p99: Some(c),
    };
    let items: Vec<(String, Spread)> = strategies()
        .into_iter()
        .zip([
            p(40.0, 95.0, 110.0),
            p(300.0, 900.0, 1500.0),
            Spread::default(),
            p(200.0, 600.0, 640.0),
        ])
        .collect();
    spreads(
        "rollback_time",
        "Time to roll back",
        "rollback time",
        &items,
    )
    .unwrap()
}

fn shares_figure() -> Figure {
    let parts = [
        "succeeded",
        "rolled_back",
        "false_rollback",
        "stalled",
        "incident",
        "data_loss",
    ]
    .map(String::from);
    let rows: Vec<(String, Vec<f64>)> = strategies()
        .into_iter()
        .zip([
            vec![0.7, 0.0, 0.0, 0.0, 0.3, 0.0],
            vec![0.7, 0.1, 0.02, 0.03, 0.15, 0.0],
            vec![0.7, 0.25, 0.05, 0.0, 0.0, 0.0],
            vec![0.68, 0.28, 0.01, 0.0, 0.02, 0.01],
        ])
        .collect();
    shares("outcomes", "Outcomes per strategy", &parts, &rows).unwrap()
}

fn bars_figure() -> Figure {
    let measures = ["peak pods", "extra pod-hours"].map(String::from);
    let rows: Vec<(String, Vec<f64>)> = strategies()
        .into_iter()
        .zip([
            vec![40.0, 0.0],
            vec![50.0, 1.25],
            vec![80.0, 6.5],
            vec![44.0, f64::NAN],
        ])
        .collect();
    bars("cost", "Cost of a release", &measures, &rows).unwrap()
}

fn sweep_figure() -> Figure {
    let xs = ["10", "40", "160"].map(String::from);
    let s = [
        series("rolling", &[(0.0, 120.0), (1.0, 480.0), (2.0, 1900.0)]),
        series("canary", &[(0.0, 10.0), (1.0, 12.0), (2.0, 30.0)]),
    ];
    sweep(
        "sweep_failed",
        "Failed requests by replicas",
        "service.replicas",
        "p95 failed requests",
        &xs,
        &s,
    )
    .unwrap()
}

fn step(t_s: f64, event: &'static str, pods: [u32; 4], share: f64, failed: f64) -> TraceEvent {
    TraceEvent {
        t_s,
        event,
        detail: String::new(),
        old_pods: pods[0],
        new_pods: pods[1],
        old_ready: pods[2],
        new_ready: pods[3],
        new_traffic_share: share,
        failed_requests: failed,
    }
}

/// A canary that goes to 25%, is caught by a user report and rolled back,
/// then sits quietly until a 24 h horizon.
fn canary_trace() -> Trace {
    let mut weight = step(90.0, "set_weight", [10, 1, 10, 1], 0.1, 0.0);
    weight.detail = "canary weight 10%".into();
    let mut weight_25 = step(470.0, "set_weight", [10, 3, 10, 3], 0.25, 370.0);
    weight_25.detail = "canary weight 25%".into();
    let mut events = vec![
        step(0.0, "rollout_start", [10, 0, 10, 0], 0.0, 0.0),
        step(0.0, "scale", [10, 1, 10, 0], 0.0, 0.0),
        step(60.0, "pod_ready", [10, 1, 10, 1], 0.0, 0.0),
        weight,
        step(90.0, "defect_visible", [10, 1, 10, 1], 0.1, 0.0),
        step(400.0, "scale", [10, 3, 10, 1], 0.1, 300.0),
        step(470.0, "pod_ready", [10, 3, 10, 3], 0.1, 370.0),
        weight_25,
        step(700.0, "detected", [10, 3, 10, 3], 0.25, 900.0),
        step(700.0, "user_report", [10, 3, 10, 3], 0.25, 900.0),
        step(1000.0, "rollout_undo", [10, 3, 10, 3], 0.0, 1500.0),
        step(1000.0, "abort", [10, 3, 10, 3], 0.0, 1500.0),
        step(1030.0, "rollback_complete", [10, 0, 10, 0], 0.0, 1500.0),
    ];
    events.push(step(86_400.0, "horizon", [10, 0, 10, 0], 0.0, 1500.0));
    Trace {
        strategy: "canary".into(),
        trial: 7,
        bad: true,
        defect: Some("errors (severity 0.08)".into()),
        outcome: Outcome::RolledBack,
        events,
    }
}

#[test]
fn cdf_draws_steps_with_a_legend() {
    let fig = cdf_figure();
    check(
        &fig,
        (960, 540),
        &[
            "rolling",
            "canary",
            "blue-green (none)",
            "failed requests (log scale; 0 at left edge)",
        ],
    );
    assert_eq!(fig.name, "failed_requests_cdf");
}

#[test]
fn spreads_show_values_in_readable_units() {
    let fig = spreads_figure();
    check(
        &fig,
        (960, 540),
        &[
            "canary",
            "blue-green",
            "—",
            "p50 40 s · p95 95 s",
            "p50 5 min · p95 15 min",
        ],
    );
}

#[test]
fn shares_stack_parts_with_percentages() {
    let fig = shares_figure();
    check(
        &fig,
        (960, 540),
        &["rolling", "succeeded", "data_loss", "70%", "30%"],
    );
}

#[test]
fn bars_give_each_measure_a_panel() {
    let fig = bars_figure();
    check(
        &fig,
        (960, 540),
        &["peak pods", "extra pod-hours", "canary", "6.5", "1.25", "—"],
    );
}

#[test]
fn sweep_labels_the_swept_values() {
    let fig = sweep_figure();
    check(
        &fig,
        (960, 540),
        &["service.replicas", "160", "rolling", "canary"],
    );
}

#[test]
fn timeline_marks_the_story_and_ignores_the_quiet_horizon() {
    let fig = timeline(&canary_trace()).unwrap();
    assert_eq!(
        fig.title,
        "canary · trial 7 · errors (severity 0.08) · rolled_back"
    );
    check(
        &fig,
        (1280, 900),
        &[
            "weight 10% + defect visible",
            "weight 25%",
            "detected + user report",
            "undo + abort",
            "rolled back",
        ],
    );
    assert!(
        !fig.svg.contains(">\n1440\n</text>"),
        "the axis runs to the horizon"
    );
}

#[test]
fn an_empty_trace_still_draws() {
    let mut trace = canary_trace();
    trace.events.clear();
    trace.defect = None;
    let fig = timeline(&trace).unwrap();
    check(
        &fig,
        (1280, 900),
        &["canary · trial 7 · good release · rolled_back"],
    );
}

#[test]
fn empty_inputs_still_draw() {
    check(&cdf("c", "Nothing", "x", &[]).unwrap(), (960, 540), &[]);
    check(&spreads("s", "Nothing", "x", &[]).unwrap(), (960, 540), &[]);
    check(&shares("h", "Nothing", &[], &[]).unwrap(), (960, 540), &[]);
    check(&bars("b", "Nothing", &[], &[]).unwrap(), (960, 540), &[]);
    check(
        &sweep("w", "Nothing", "x", "y", &[], &[]).unwrap(),
        (960, 540),
        &[],
    );
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let figures: [fn() -> Figure; 6] = [
        cdf_figure,
        spreads_figure,
        shares_figure,
        bars_figure,
        sweep_figure,
        || timeline(&canary_trace()).unwrap(),
    ];
    for make in figures {
        let (a, b) = (make(), make());
        assert!(a.svg == b.svg, "{}: SVG differs", a.name);
        assert!(a.png == b.png, "{}: PNG differs", a.name);
    }
}

#[test]
fn text_in_labels_is_escaped() {
    let s = [series("a<b & c", &[(1.0, 1.0)])];
    let fig = cdf("esc", "x < y & z", "v", &s).unwrap();
    check(&fig, (960, 540), &["a<b & c"]);
}
