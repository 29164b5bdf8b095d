//! A precision target (`--precision`, `monteCarlo.precision`): batches until
//! every figure a grade or constraint reads is precise enough, stopping at
//! the same point for any thread count, with the statistics `--runs` gives
//! at that count; and recommend's pick weighed on batches of the trials.

use assert_cmd::Command;
use serde_json::Value;

const INTERNAL: &str = "scenarios/internal-api.yaml";

fn deploysim(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("deploysim")
        .expect("binary built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("runs")
}

fn stdout(args: &[&str]) -> String {
    let out = deploysim(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&stdout(args)).expect("JSON")
}

/// Exit code 2 and a message holding `says`.
fn refused(args: &[&str], says: &str) {
    let out = deploysim(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(says), "{args:?}: {stderr}");
}

/// `run` on internal-api to ± 10% in batches of 1,000, at most `max` runs.
fn at_ten_percent(max: &str, more: &[&str]) -> String {
    let mut args = vec![
        "run",
        INTERNAL,
        "--precision",
        "10%",
        "--runs",
        "1000",
        "--max-runs",
        max,
    ];
    args.extend_from_slice(more);
    stdout(&args)
}

#[test]
fn a_precision_target_stops_at_the_first_batch_that_meets_it() {
    let run =
        |threads: &str, max: &str| at_ten_percent(max, &["--threads", threads, "--format", "json"]);
    let text = run("2", "400000");
    let s: Value = serde_json::from_str(&text).expect("JSON");
    let runs = s["runs"].as_u64().expect("runs");
    let p = &s["precision"];
    assert_eq!(runs % 1000, 0, "whole batches: {runs}");
    assert_eq!(p["reached"], true);
    assert!(p["widest"].as_f64().expect("widest") <= 0.10, "{p}");
    assert!(
        runs > 1000,
        "one batch of 1,000 is not enough at 10%: {runs}"
    );
    // One batch fewer was not enough: capped there, it is not reached.
    let fewer: Value = serde_json::from_str(&run("2", &(runs - 1000).to_string())).expect("JSON");
    assert_eq!(fewer["precision"]["reached"], false);
    assert!(
        fewer["precision"]["widest"]
            .as_f64()
            .unwrap_or(f64::INFINITY)
            > 0.10
    );
    // Threads change nothing.
    assert_eq!(run("1", "400000"), text);
    // The statistics are those of --runs at the count it stopped.
    let mut fixed = json(&[
        "run",
        INTERNAL,
        "--runs",
        &runs.to_string(),
        "--format",
        "json",
    ]);
    let mut target = s.clone();
    target.as_object_mut().expect("object").remove("precision");
    assert!(
        fixed
            .as_object_mut()
            .expect("object")
            .remove("precision")
            .is_none()
    );
    assert_eq!(fixed, target);
}

#[test]
fn the_report_says_how_precise_its_figures_are() {
    let table = at_ten_percent("2000", &[]);
    assert!(
        table.contains("precision target ± 10%: not reached within maxRuns 2000 (widest ± "),
        "{table}"
    );
}

#[test]
fn precision_arguments_that_cannot_hold_are_refused() {
    refused(
        &["run", INTERNAL, "--runs", "100", "--max-runs", "500"],
        "--max-runs applies with a precision target",
    );
    refused(
        &[
            "run",
            INTERNAL,
            "--precision",
            "5%",
            "--runs",
            "1000",
            "--max-runs",
            "500",
        ],
        "--max-runs 500 is below the batch of 1000 runs",
    );
    refused(
        &[
            "run",
            INTERNAL,
            "--precision",
            "5%",
            "--shard",
            "0/2",
            "--out",
            "/tmp/never",
        ],
        "no shard can see",
    );
    // The scenario's own target applies without --runs: sharding needs a count.
    refused(
        &["run", INTERNAL, "--shard", "0/2", "--out", "/tmp/never"],
        "give --runs N",
    );
    refused(
        &["run", INTERNAL, "--precision", "0%"],
        "above 0% and below 100%",
    );
    refused(
        &["run", INTERNAL, "--precision", "150%"],
        "above 0% and below 100%",
    );
    assert!(!std::path::Path::new("/tmp/never").exists());
}

#[test]
fn recommend_weighs_its_pick_on_ten_batches() {
    let rec = json(&["recommend", INTERNAL, "--runs", "2000", "--format", "json"]);
    let st = &rec["stability"];
    assert_eq!(
        (st["batches"].as_u64(), st["batch_runs"].as_u64()),
        (Some(10), Some(200))
    );
    let same = st["same"].as_u64().expect("same");
    assert!(same <= 10);
    assert_eq!(st["share"].as_f64(), Some(same as f64 / 10.0));
    let reason = rec["reason"].as_str().expect("reason");
    assert!(
        reason.ends_with(&format!(
            "The same pick wins {same} of 10 batches of 200 trials ({}%).",
            same * 10
        )),
        "{reason}"
    );
}
