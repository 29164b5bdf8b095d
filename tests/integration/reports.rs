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
            if path.is_dir() {
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
            if path.is_dir() {
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
