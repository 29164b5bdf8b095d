//! Reports people read: the terminal table, `report.md`, `summary.csv`
//! (pinned as snapshots from a fixed seed) and the committed `reports/`,
//! reproduced byte for byte from their scenarios.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use assert_cmd::Command;

use crate::common::Scratch;

/// A small scenario with two strategies: quick in a debug build.
const SCENARIO: &str = "scenarios/patterns/fast-rollback-path.yaml";

fn deploysim() -> Command {
    let mut cmd = Command::cargo_bin("deploysim").expect("binary built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove("NO_COLOR");
    cmd
}

fn stdout_of(args: &[&str]) -> String {
    let out = deploysim().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn table_snapshot() {
    let table = stdout_of(&["run", SCENARIO, "--runs", "400", "--quiet"]);
    assert!(!table.contains('\x1b'), "no colours when stdout is a pipe");
    for heading in ["risk", "rollback speed", "cost", "complexity", "fits when"] {
        assert!(table.contains(heading), "{heading}");
    }
    insta::assert_snapshot!("table", table);
}

#[test]
fn report_md_and_summary_csv_snapshots() {
    let dir = Scratch::new("report-snapshots");
    stdout_of(&[
        "run",
        SCENARIO,
        "--runs",
        "400",
        "--quiet",
        "--no-trials",
        "--out",
        dir.arg(),
    ]);
    assert!(!dir.path().join("trials.csv").exists(), "--no-trials");
    insta::assert_snapshot!("report_md", dir.text("report.md"));
    insta::assert_snapshot!("summary_csv", dir.text("summary.csv"));
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("entry").path();
            if path.is_dir() && path.file_name().is_some_and(|n| n == "k8s") {
                continue; // manifests that scenarios read, as scripts/reports skips them
            } else if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("inside")
                    .display()
                    .to_string();
                out.insert(rel, fs::read(&path).expect("readable"));
            }
        }
    }
    out
}

#[test]
fn committed_report_is_reproduced_byte_for_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = files(&root.join("reports/patterns/fast-rollback-path"));
    assert!(
        committed.contains_key("report.html"),
        "{:?}",
        committed.keys()
    );
    let dir = Scratch::new("report-repro");
    // The command scripts/reports runs for this scenario.
    stdout_of(&[
        "run",
        SCENARIO,
        "--quiet",
        "--no-trials",
        "--out",
        dir.arg(),
    ]);
    let fresh = files(dir.path());
    assert_eq!(
        fresh.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &committed {
        assert!(fresh[name] == *bytes, "{name} differs from reports/");
    }
}

#[test]
fn every_scenario_has_its_committed_report() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![root.join("scenarios")];
    let mut seen = 0;
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("scenarios/") {
            let path = entry.expect("entry").path();
            if path.is_dir() && path.file_name().is_some_and(|n| n == "k8s") {
                continue; // manifests that scenarios read, as scripts/reports skips them
            } else if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                let rel = path.strip_prefix(root.join("scenarios")).expect("inside");
                let report = root.join("reports").join(rel.with_extension(""));
                for file in ["report.md", "report.html", "summary.json"] {
                    assert!(report.join(file).is_file(), "{}/{file}", report.display());
                }
                seen += 1;
            }
        }
    }
    assert!(seen >= 10, "{seen} scenarios");
}

/// An SVG document with `texts` among its text.
fn assert_svg(path: &Path, texts: &[&str]) {
    let svg = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.display();
    assert!(svg.trim_start().starts_with("<svg"), "{name}");
    assert!(svg.trim_end().ends_with("</svg>"), "{name}");
    assert_eq!(
        svg.matches("<svg").count(),
        svg.matches("</svg>").count(),
        "{name}"
    );
    let nodes: Vec<&str> = svg
        .split('>')
        .filter_map(|chunk| chunk.split('<').next())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    for t in texts {
        assert!(
            nodes.iter().any(|n| n.contains(t)),
            "{name} lacks the text {t:?}"
        );
    }
}

/// A PNG of `size` that is not a single colour.
fn assert_png(path: &Path, size: (u32, u32)) {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let image = image::load_from_memory(&bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8();
    assert_eq!(image.dimensions(), size, "{}", path.display());
    let first = image.pixels().next().copied();
    assert!(
        image.pixels().any(|p| Some(*p) != first),
        "{} is blank",
        path.display()
    );
}

#[test]
fn every_plot_of_a_report_is_valid_svg_and_png_with_its_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let plots = root.join("reports/patterns/fast-rollback-path/plots");
    for (name, title) in deploysim::report::document::FIGURES {
        assert_svg(
            &plots.join(format!("{name}.svg")),
            &[title, "rolling", "blue-green"],
        );
        assert_png(&plots.join(format!("{name}.png")), (960, 540));
    }
}

#[test]
fn trace_out_writes_the_timeline_plot() {
    let dir = Scratch::new("trace-out");
    stdout_of(&[
        "trace",
        "scenarios/patterns/breaking-migration-first.yaml",
        "--strategy",
        "rolling",
        "--bad",
        "--out",
        dir.arg(),
    ]);
    let trace: serde_json::Value = serde_json::from_str(&dir.text("trace.json")).expect("JSON");
    assert_eq!(trace["strategy"], "rolling");
    let plots = dir.path().join("plots");
    assert_svg(
        &plots.join("timeline.svg"),
        &["pods per version", "failed requests per minute"],
    );
    assert_png(&plots.join("timeline.png"), (1280, 900));
}

#[test]
fn sweep_out_plots_each_headline_metric_against_the_grid() {
    let dir = Scratch::new("sweep-out");
    stdout_of(&[
        "sweep",
        SCENARIO,
        "--set",
        "service.replicas=6,12",
        "--runs",
        "60",
        "--quiet",
        "--out",
        dir.arg(),
    ]);
    let plots = dir.path().join("plots");
    for name in [
        "sweep_failed_requests_p95",
        "sweep_time_to_recover_p95",
        "sweep_incident_share",
        "sweep_extra_pod_hours",
        "sweep_cost",
    ] {
        assert_svg(
            &plots.join(format!("{name}.svg")),
            &["6", "12", "rolling", "blue-green", "service.replicas"],
        );
        assert_png(&plots.join(format!("{name}.png")), (960, 540));
    }
}
