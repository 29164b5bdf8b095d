//! The `deploysim` binary, driven as a user drives it, on the real
//! `scenarios/` files: output shapes (DESIGN §3 and §5), reproducibility for
//! any thread count, exit codes, error messages for every bad file, atomic
//! output directories and a closed stdout pipe.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use assert_cmd::Command;
use serde_json::Value;

use crate::common::Scratch;

const CHECKOUT: &str = "scenarios/checkout-api.yaml";
const BAD: &str = "tests/data/bad";

/// The numeric keys of DESIGN §3, in order.
const METRICS: [&str; 17] = [
    "failed_requests",
    "affected_users",
    "error_budget_burn",
    "peak_bad_traffic_share",
    "time_to_detect_s",
    "rollback_time_s",
    "time_to_recover_s",
    "deploy_duration_s",
    "peak_pods",
    "extra_pod_hours",
    "cost",
    "capacity_shortfall_s",
    "nodes_added",
    "extra_cpu_requested",
    "extra_memory_requested_gib",
    "pods_waited_for_room",
    "peak_replicas",
];
const OUTCOMES: [&str; 6] = [
    "succeeded",
    "rolled_back",
    "false_rollback",
    "stalled",
    "incident",
    "data_loss",
];
const SUMMARY_CSV_HEADER: &str =
    "strategy,type,scope,metric,count,mean,p50,p95,p99,max,ci95_low,ci95_high";
const TRACE_EVENT_KEYS: [&str; 9] = [
    "t_s",
    "event",
    "detail",
    "old_pods",
    "new_pods",
    "old_ready",
    "new_ready",
    "new_traffic_share",
    "failed_requests",
];

fn deploysim() -> Command {
    Command::cargo_bin("deploysim").expect("the deploysim binary is built")
}

/// Runs `deploysim ARGS`, expects exit 0 and no panic; returns stdout.
fn ok(args: &[&str]) -> Vec<u8> {
    let out = deploysim().args(args).output().expect("deploysim runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    out.stdout
}

fn ok_text(args: &[&str]) -> String {
    String::from_utf8(ok(args)).expect("stdout is UTF-8")
}

fn ok_json(args: &[&str]) -> Value {
    serde_json::from_slice(&ok(args)).unwrap_or_else(|e| panic!("{args:?}: not JSON: {e}"))
}

/// Runs `deploysim ARGS`, expects exit 2 with nothing on stdout and one
/// panic-free line on stderr; returns that line (with its newline).
fn bad_input(args: &[&str]) -> String {
    let out: Output = deploysim().args(args).output().expect("deploysim runs");
    let stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: wrote to stdout");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?}: one line, got {stderr}"
    );
    assert!(stderr.ends_with('\n'), "{args:?}: {stderr:?}");
    stderr
}

/// Every ready scenario, `scenarios/*.yaml`, sorted.
fn scenarios() -> Vec<String> {
    let mut files: Vec<String> = fs::read_dir("scenarios")
        .expect("scenarios/")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.to_str().expect("UTF-8 path").to_owned())
        .collect();
    files.sort();
    assert!(files.len() >= 3, "ready scenarios: {files:?}");
    files
}

/// (name, type) of every strategy of a scenario, as the library reads it.
fn strategies_of(path: &str) -> Vec<(String, String)> {
    let sc = deploysim::scenario::load(Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
    sc.strategies
        .iter()
        .map(|s| (s.name.clone(), s.kind.type_name().to_owned()))
        .collect()
}

fn stem(path: &str) -> &str {
    Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("file stem")
}

fn strategy_names(summary: &Value) -> Vec<&str> {
    summary["strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect()
}

// ---------------------------------------------------------------------------
// 1. The same results for any thread count.

/// Runs `deploysim run SCENARIO --format json --out DIR ARGS` with 1 and with
/// 2 threads (both processes at once), and expects the same stdout and the
/// same output files, byte for byte.
fn same_for_one_and_two_threads(scenario: &str, args: &[&str]) {
    let tag = format!("{}-{}", stem(scenario), args.join("-"));
    let dirs = [1, 2].map(|t| Scratch::new(&format!("threads{t}-{tag}")));
    let children: Vec<_> = dirs
        .iter()
        .zip(["1", "2"])
        .map(|(dir, threads)| {
            std::process::Command::new(env!("CARGO_BIN_EXE_deploysim"))
                .args(["run", scenario, "--format", "json", "--threads", threads])
                .args(["--out", dir.arg()])
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn deploysim")
        })
        .collect();
    let stdout: Vec<Vec<u8>> = children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("deploysim runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{scenario} {args:?}: {stderr}");
            out.stdout
        })
        .collect();
    assert!(
        stdout[0] == stdout[1],
        "{scenario} {args:?}: stdout differs"
    );
    for file in ["summary.json", "summary.csv", "trials.csv"] {
        assert!(
            dirs[0].read(file) == dirs[1].read(file),
            "{scenario} {args:?}: {file} differs between 1 and 2 threads"
        );
    }
    assert!(
        dirs[0].read("summary.json") == stdout[0],
        "{scenario}: summary.json is what --format json prints"
    );
}

/// Every scenario, every strategy: fewer trials than one chunk (512).
#[test]
fn every_scenario_gives_the_same_output_for_one_and_two_threads() {
    for scenario in scenarios() {
        same_for_one_and_two_threads(&scenario, &["--runs", "24"]);
    }
}

/// Several chunks of 512 trials, so that two threads really split the work
/// (strategies whose debug-build trials are fast; `properties` checks that a
/// reused trial world of any strategy gives what a fresh one gives).
#[test]
fn multi_chunk_runs_give_the_same_output_for_one_and_two_threads() {
    same_for_one_and_two_threads("scenarios/internal-api.yaml", &["--runs", "1100"]);
    same_for_one_and_two_threads("scenarios/admin-console.yaml", &["--runs", "1100"]);
    same_for_one_and_two_threads(
        CHECKOUT,
        &[
            "--runs",
            "600",
            "--strategy",
            "rolling",
            "--strategy",
            "canary",
        ],
    );
}

// ---------------------------------------------------------------------------
// 2. The shape of summary.json, and seeds.

fn check_metric(where_: &str, m: &Value, runs: u64) {
    let obj = m.as_object().unwrap_or_else(|| panic!("{where_}: {m}"));
    for key in ["count", "mean", "p50", "p95", "p99", "max", "ci95"] {
        assert!(obj.contains_key(key), "{where_}: no `{key}` in {m}");
    }
    let count = m["count"].as_u64().expect("count");
    assert!(count <= runs, "{where_}: count {count} > runs {runs}");
    if count == 0 {
        return; // a time that never happened: no statistics
    }
    let num = |k: &str| m[k].as_f64().unwrap_or_else(|| panic!("{where_}.{k}: {m}"));
    let ci = m["ci95"].as_array().expect("ci95 is an array");
    assert_eq!(ci.len(), 2, "{where_}: ci95 {m}");
    let (lo, hi) = (
        ci[0].as_f64().expect("ci low"),
        ci[1].as_f64().expect("ci high"),
    );
    let (mean, p50, p95, p99, max) = (num("mean"), num("p50"), num("p95"), num("p99"), num("max"));
    for v in [lo, hi, mean, p50, p95, p99, max] {
        assert!(v.is_finite() && v >= 0.0, "{where_}: {m}");
    }
    assert!(
        p50 <= p95 && p95 <= p99 && p99 <= max,
        "{where_}: quantiles {m}"
    );
    assert!(
        lo <= mean && mean <= hi && mean <= max,
        "{where_}: mean {m}"
    );
}

/// Checks a summary against DESIGN §3; `strategies` are the expected
/// (name, type) pairs, in order.
fn check_summary_shape(s: &Value, scenario: &str, runs: u64, strategies: &[(String, String)]) {
    assert_eq!(s["scenario"], scenario);
    assert_eq!(s["runs"].as_u64(), Some(runs));
    assert!(s["seed"].is_u64(), "seed: {}", s["seed"]);
    let got = s["strategies"].as_array().expect("strategies");
    assert_eq!(got.len(), strategies.len(), "{scenario}: strategies");
    let mut bad_counts = Vec::new();
    for (st, (name, kind)) in got.iter().zip(strategies) {
        assert_eq!(st["name"], name.as_str());
        assert_eq!(st["type"], kind.as_str(), "{name}");
        for scope in ["all", "given_bad"] {
            for metric in METRICS {
                let where_ = format!("{name}.{scope}.{metric}");
                check_metric(&where_, &st[scope][metric], runs);
            }
        }
        // Every trial has the always-present metrics.
        for metric in ["failed_requests", "affected_users", "peak_pods", "cost"] {
            assert_eq!(
                st["all"][metric]["count"].as_u64(),
                Some(runs),
                "{name}.{metric}"
            );
        }
        let outcomes = st["outcomes"].as_object().expect("outcomes");
        let keys: Vec<&str> = outcomes.keys().map(String::as_str).collect();
        let mut want = OUTCOMES.to_vec();
        let mut got = keys.clone();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want, "{name}: outcome keys");
        let total: u64 = outcomes.values().map(|v| v.as_u64().expect("count")).sum();
        assert_eq!(total, runs, "{name}: outcomes sum to runs");
        bad_counts.push(st["given_bad"]["failed_requests"]["count"].as_u64());
    }
    // Common random numbers: trial i draws the same release for every strategy.
    assert!(
        bad_counts.windows(2).all(|w| w[0] == w[1]),
        "bad-release counts differ between strategies: {bad_counts:?}"
    );
}

#[test]
fn summary_json_has_the_documented_shape() {
    for scenario in scenarios() {
        let s = ok_json(&["run", &scenario, "--runs", "30", "--format", "json"]);
        let sc = deploysim::scenario::load(Path::new(&scenario)).expect("a good scenario");
        check_summary_shape(&s, &sc.name, 30, &strategies_of(&scenario));
        assert_eq!(
            s["seed"].as_u64(),
            Some(sc.monte_carlo.seed),
            "{scenario}: the scenario's monteCarlo.seed"
        );
    }
}

#[test]
fn seed_changes_the_numbers_and_reproduces_them() {
    let cheap = ["--strategy", "rolling", "--strategy", "canary"];
    let run = |seed: &str| {
        let args = ["run", CHECKOUT, "--runs", "300", "--format", "json"];
        ok(&[&args[..], &cheap, &["--seed", seed]].concat())
    };
    let (a, b, a_again) = (run("1"), run("2"), run("1"));
    assert!(a == a_again, "the same seed gives the same bytes");
    let (a, b): (Value, Value) = (
        serde_json::from_slice(&a).expect("json"),
        serde_json::from_slice(&b).expect("json"),
    );
    assert_eq!((a["seed"].as_u64(), b["seed"].as_u64()), (Some(1), Some(2)));
    assert_ne!(
        a["strategies"], b["strategies"],
        "another seed, other numbers"
    );
    // No --seed means the scenario's seed (42).
    let default = ok(&[
        &["run", CHECKOUT, "--runs", "300", "--format", "json"][..],
        &cheap,
    ]
    .concat());
    assert!(default == run("42"), "--seed 42 is the scenario's default");
}

// ---------------------------------------------------------------------------
// 3. Arguments.

#[test]
fn strategy_option_selects_strategies() {
    let alone = ok_json(&[
        "run",
        CHECKOUT,
        "--runs",
        "200",
        "--format",
        "json",
        "--strategy",
        "rolling",
    ]);
    let s = &alone;
    assert_eq!(strategy_names(s), ["rolling"]);
    let rolling = ("rolling".to_owned(), "RollingUpdate".to_owned());
    check_summary_shape(s, "checkout-api", 200, &[rolling]);
    let s = ok_json(&[
        "run",
        CHECKOUT,
        "--runs",
        "200",
        "--format",
        "json",
        "--strategy",
        "rolling",
        "--strategy",
        "recreate",
    ]);
    assert_eq!(strategy_names(&s), ["rolling", "recreate"]);
    // Alone or beside another, a strategy meets the same trials.
    assert_eq!(s["strategies"][0], alone["strategies"][0]);
}

#[test]
fn unknown_strategy_is_bad_input_naming_the_known_ones() {
    let msg = bad_input(&[
        "run",
        CHECKOUT,
        "--runs",
        "10",
        "--strategy",
        "no-such-strategy",
    ]);
    assert!(msg.contains("no-such-strategy"), "{msg}");
    for (name, _) in strategies_of(CHECKOUT) {
        assert!(msg.contains(&name), "{name} not named in {msg}");
    }
}

#[test]
fn zero_runs_or_threads_are_bad_input() {
    let msg = bad_input(&["run", CHECKOUT, "--runs", "0"]);
    assert!(msg.contains("--runs"), "{msg}");
    let msg = bad_input(&["run", CHECKOUT, "--runs", "10", "--threads", "0"]);
    assert!(msg.contains("--threads"), "{msg}");
}

#[test]
fn malformed_arguments_are_bad_input() {
    for args in [
        &["run", CHECKOUT, "--format", "xml"][..],
        &["run", CHECKOUT, "--runs", "many"],
        &["run"],
        &["trace", CHECKOUT],
        &["frobnicate"],
    ] {
        let out = deploysim().args(args).output().expect("deploysim runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn missing_scenario_is_bad_input_naming_the_path() {
    let path = "scenarios/no-such-scenario.yaml";
    for args in [
        &["run", path, "--runs", "10"][..],
        &["validate", path],
        &["trace", path, "--strategy", "rolling"],
    ] {
        let msg = bad_input(args);
        assert!(msg.contains(path), "{args:?}: {msg}");
    }
}

// ---------------------------------------------------------------------------
// 4. Every bad scenario file: exit 2, one located line, nothing written.

fn bad_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(BAD)
        .expect("tests/data/bad")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// The one line the CLI prints for a bad file: the library's error, which
/// names `FILE:LINE:COLUMN` (every file of the library's table has a location).
fn expected_error_line(path: &Path) -> String {
    let err = deploysim::scenario::load(path).expect_err("a bad file");
    let file = path.display().to_string();
    let (line, col) = (err.line, err.column);
    let (Some(line), Some(col)) = (line, col) else {
        panic!("{file}: the library gives no location: {err}");
    };
    let shown = format!("deploysim: {err}\n");
    assert!(
        shown.starts_with(&format!("deploysim: {file}:{line}:{col}: ")),
        "{shown}"
    );
    shown
}

#[test]
fn every_bad_file_fails_validate_and_run_with_its_location() {
    let files = bad_files();
    assert!(files.len() >= 46, "only {} bad files", files.len());
    for path in &files {
        let want = expected_error_line(path);
        let file = path.to_str().expect("UTF-8 path");
        let shown = bad_input(&["validate", file]);
        assert_eq!(shown, want, "validate {file}");
        let dir = Scratch::new(&format!("bad-{}", stem(file)));
        let shown = bad_input(&[
            "run",
            file,
            "--runs",
            "10",
            "--format",
            "json",
            "--out",
            dir.arg(),
        ]);
        assert_eq!(shown, want, "run {file}");
        assert_eq!(
            dir.listing(),
            Vec::<String>::new(),
            "run {file} wrote files"
        );
        let shown = bad_input(&["trace", file, "--strategy", "rolling"]);
        assert_eq!(shown, want, "trace {file}");
    }
}

// ---------------------------------------------------------------------------
// 5. CSV output.

#[test]
fn csv_summary_has_the_documented_header_and_one_row_per_metric() {
    let text = ok_text(&["run", CHECKOUT, "--runs", "20", "--format", "csv"]);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(SUMMARY_CSV_HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let strategies = strategies_of(CHECKOUT);
    assert_eq!(
        rows.len(),
        strategies.len() * 2 * METRICS.len(),
        "strategies × scopes × metrics"
    );
    let columns = SUMMARY_CSV_HEADER.split(',').count();
    let scopes = ["all", "given_bad"];
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), columns, "{row:?}");
        let (name, kind) = &strategies[i / (2 * METRICS.len())];
        assert_eq!((row[0], row[1]), (name.as_str(), kind.as_str()), "{row:?}");
        assert_eq!(row[2], scopes[i / METRICS.len() % 2], "{row:?}");
        assert_eq!(row[3], METRICS[i % METRICS.len()], "{row:?}");
        assert!(row[4].parse::<u64>().is_ok(), "{row:?}");
        for cell in &row[5..] {
            assert!(cell.is_empty() || cell.parse::<f64>().is_ok(), "{row:?}");
        }
    }
    let json = ok_json(&["run", CHECKOUT, "--runs", "20", "--format", "json"]);
    for (i, row) in rows.iter().enumerate() {
        let st = &json["strategies"][i / (2 * METRICS.len())];
        let m = &st[row[2]][row[3]];
        assert_eq!(row[4].parse::<u64>().ok(), m["count"].as_u64(), "{row:?}");
        assert_eq!(row[5].parse::<f64>().ok(), m["mean"].as_f64(), "{row:?}");
        assert_eq!(row[9].parse::<f64>().ok(), m["max"].as_f64(), "{row:?}");
    }
}

/// `trials.csv` parsed: header and rows split on commas (no field is quoted).
fn read_trials(dir: &Scratch) -> (Vec<String>, Vec<Vec<String>>) {
    let text = dir.text("trials.csv");
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn trials_csv_has_one_row_per_trial_and_strategy() {
    let dir = Scratch::new("trials-csv");
    let runs = 24;
    let json = ok_json(&[
        "run",
        CHECKOUT,
        "--runs",
        &runs.to_string(),
        "--format",
        "json",
        "--out",
        dir.arg(),
    ]);
    assert_eq!(
        dir.listing(),
        [
            ".deploysim-set",
            "plots",
            "report.html",
            "report.md",
            "summary.csv",
            "summary.json",
            "trials.csv"
        ]
    );
    let (header, rows) = read_trials(&dir);
    let mut want = vec!["trial", "strategy", "bad", "defect", "outcome"];
    want.extend(METRICS);
    assert_eq!(header, want);
    let names: Vec<String> = strategies_of(CHECKOUT).into_iter().map(|s| s.0).collect();
    let n = names.len();
    assert_eq!(rows.len(), runs * n, "runs × strategies");
    let mut outcomes: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), header.len(), "{row:?}");
        // In trial order, strategies in plan order within a trial.
        assert_eq!(row[0], (i / n).to_string(), "{row:?}");
        assert_eq!(row[1], names[i % n], "{row:?}");
        assert!(["true", "false"].contains(&row[2].as_str()), "{row:?}");
        assert_eq!(
            row[2] == "true",
            !row[3].is_empty(),
            "bad iff defect: {row:?}"
        );
        let outcome = OUTCOMES
            .iter()
            .find(|o| **o == row[4])
            .unwrap_or_else(|| panic!("outcome {row:?}"));
        *outcomes.entry((&names[i % n], outcome)).or_default() += 1;
        for cell in &row[5..] {
            assert!(
                cell.is_empty() || cell.parse::<f64>().is_ok_and(|x| x.is_finite() && x >= 0.0),
                "{row:?}"
            );
        }
    }
    // Every strategy of a trial meets the same release.
    for trial in rows.chunks(n) {
        assert!(trial.iter().all(|r| r[2..4] == trial[0][2..4]), "{trial:?}");
    }
    for (k, name) in names.iter().enumerate() {
        for outcome in OUTCOMES {
            let count = outcomes
                .get(&(name.as_str(), outcome))
                .copied()
                .unwrap_or(0);
            assert_eq!(
                json["strategies"][k]["outcomes"][outcome].as_u64(),
                Some(count),
                "{name} {outcome}: summary vs trials.csv"
            );
        }
    }
    assert_eq!(
        dir.read("summary.csv"),
        ok(&[
            "run",
            CHECKOUT,
            "--runs",
            &runs.to_string(),
            "--format",
            "csv"
        ]),
        "summary.csv is what --format csv prints"
    );
}

// ---------------------------------------------------------------------------
// 6. A closed stdout pipe is not an error.

/// Spawns deploysim with stdout piped, reads `lines` lines, closes the pipe
/// and expects exit 0 with no complaint on stderr.
fn closed_pipe(args: &[&str], lines: usize) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_deploysim"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn deploysim");
    {
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        for _ in 0..lines {
            let mut line = String::new();
            let n = reader.read_line(&mut line).expect("read a line");
            assert!(n > 0, "{args:?}: output ended early");
        }
    } // the reader, and with it the pipe, is dropped here
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
    assert!(stderr.is_empty(), "{args:?}: {stderr}");
}

#[test]
fn closed_stdout_pipe_is_not_an_error() {
    // Traces of 200 pods are far larger than a pipe's buffer (64 KiB): the
    // writer is blocked in the middle of its output when the pipe closes.
    let trace = [
        "trace",
        "scenarios/storefront.yaml",
        "--strategy",
        "rolling-default",
        "--bad",
    ];
    closed_pipe(&trace, 1);
    closed_pipe(&[&trace[..], &["--format", "json"]].concat(), 3);
    // Closed before a single byte is written.
    closed_pipe(
        &[
            "run",
            "scenarios/storefront.yaml",
            "--runs",
            "100",
            "--format",
            "csv",
        ],
        0,
    );
    closed_pipe(&["validate", CHECKOUT], 0);
}

// ---------------------------------------------------------------------------
// 7. trace.

#[test]
fn json_trace_has_the_documented_shape() {
    let t = ok_json(&[
        "trace",
        CHECKOUT,
        "--strategy",
        "rolling",
        "--bad",
        "--format",
        "json",
    ]);
    for key in ["strategy", "trial", "bad", "defect", "outcome", "events"] {
        assert!(t.get(key).is_some(), "no `{key}` in the trace");
    }
    assert_eq!(t["strategy"], "rolling");
    assert_eq!(t["bad"], true);
    assert!(t["trial"].is_u64());
    assert!(t["defect"].is_string(), "a bad release has a defect");
    let outcome = t["outcome"].as_str().expect("outcome");
    assert!(OUTCOMES.contains(&outcome), "{outcome}");
    let events = t["events"].as_array().expect("events");
    assert!(events.len() > 1);
    assert_eq!(events[0]["event"], "rollout_start");
    let (mut last_t, mut last_failed) = (0.0, 0.0);
    for e in events {
        for key in TRACE_EVENT_KEYS {
            assert!(e.get(key).is_some(), "no `{key}` in {e}");
        }
        let n = |k: &str| e[k].as_f64().unwrap_or_else(|| panic!("{k} in {e}"));
        let (t_s, failed, share) = (n("t_s"), n("failed_requests"), n("new_traffic_share"));
        assert!(t_s >= last_t, "time goes backwards at {e}");
        assert!(failed >= last_failed, "failed_requests decreases at {e}");
        assert!((0.0..=1.0).contains(&share), "{e}");
        assert!(
            n("old_ready") <= n("old_pods") && n("new_ready") <= n("new_pods"),
            "{e}"
        );
        assert!(e["event"].as_str().is_some_and(|s| !s.is_empty()), "{e}");
        assert!(e["detail"].is_string(), "{e}");
        (last_t, last_failed) = (t_s, failed);
    }
}

#[test]
fn trace_follows_the_same_trial_as_run() {
    let t = ok_json(&[
        "trace",
        CHECKOUT,
        "--strategy",
        "rolling",
        "--bad",
        "--format",
        "json",
    ]);
    let trial = t["trial"].as_u64().expect("trial");
    let dir = Scratch::new("trace-vs-run");
    let runs = (trial + 1).to_string();
    ok(&[
        "run",
        CHECKOUT,
        "--runs",
        &runs,
        "--strategy",
        "rolling",
        "--out",
        dir.arg(),
    ]);
    let (_, rows) = read_trials(&dir);
    let row = rows.last().expect("a row");
    assert_eq!(row[0], trial.to_string());
    assert_eq!(row[2], "true", "{row:?}");
    // Every trial before the first bad one is good.
    assert!(rows[..rows.len() - 1].iter().all(|r| r[2] == "false"));
    let defect = t["defect"].as_str().expect("defect");
    assert!(
        defect.starts_with(&format!("{} ", row[3])),
        "{defect} vs {row:?}"
    );
    assert_eq!(t["outcome"], row[4].as_str(), "{row:?}");
    let events = t["events"].as_array().expect("events");
    let traced = events.last().expect("event")["failed_requests"]
        .as_f64()
        .expect("failed");
    let total: f64 = row[5].parse().expect("failed_requests");
    assert!(
        traced <= total * (1.0 + 1e-5),
        "the trace's failed_requests so far ({traced}) exceed the trial's ({total})"
    );
}

#[test]
fn text_trace_prints_a_header_line() {
    let text = ok_text(&["trace", CHECKOUT, "--strategy", "rolling", "--bad"]);
    let first = text.lines().next().expect("a line");
    assert!(first.starts_with("strategy rolling · trial "), "{first}");
    assert!(first.contains("outcome: "), "{first}");
    assert!(text.contains("rollout_start"), "{text}");
    let good = ok_text(&["trace", CHECKOUT, "--strategy", "recreate", "--trial", "0"]);
    assert!(good.starts_with("strategy recreate · trial 0 · "), "{good}");
}

#[test]
fn trace_of_an_unknown_strategy_is_bad_input() {
    let msg = bad_input(&["trace", CHECKOUT, "--strategy", "no-such-strategy"]);
    assert!(msg.contains("no-such-strategy"), "{msg}");
    for (name, _) in strategies_of(CHECKOUT) {
        assert!(msg.contains(&name), "{name} not named in {msg}");
    }
}

// ---------------------------------------------------------------------------
// 8. validate.

#[test]
fn validate_prints_a_scenario_that_validates_again() {
    for scenario in scenarios() {
        let scenario = scenario.as_str();
        let printed = ok(&["validate", scenario]);
        assert!(!printed.is_empty(), "{scenario}");
        let dir = Scratch::new(&format!("validate-{}", stem(scenario)));
        fs::create_dir_all(dir.path()).expect("temp dir");
        let copy = dir.path().join("resolved.yaml");
        fs::write(&copy, &printed).expect("write the printed scenario");
        let again = ok(&["validate", copy.to_str().expect("UTF-8 path")]);
        assert!(
            again == printed,
            "{scenario}: validate of the printed scenario differs:\n{}\n---\n{}",
            String::from_utf8_lossy(&printed),
            String::from_utf8_lossy(&again)
        );
        // The resolved scenario simulates exactly like the original.
        let copy = copy.to_str().expect("UTF-8 path");
        let run = |file: &str| ok(&["run", file, "--runs", "10", "--format", "json"]);
        assert!(
            run(scenario) == run(copy),
            "{scenario}: resolved copy runs differently"
        );
    }
}
