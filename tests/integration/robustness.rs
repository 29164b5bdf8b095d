//! Bounded and whole under hostile input: each case is refused with exit 2
//! and a message saying what was expected, quickly, or runs.

use std::fs;
use std::time::{Duration, Instant};

use assert_cmd::Command;

use crate::common::Scratch;

fn deploysim(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("deploysim")
        .expect("binary built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs")
}

/// Exit 2 within `within`, the message holding `says`.
fn refused_within(args: &[&str], says: &str, within: Duration) {
    let start = Instant::now();
    let out = deploysim(args);
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(says), "{args:?}: {stderr}");
    assert!(took < within, "{args:?} took {took:?}");
}

/// A small scenario whose one strategy is called `name`.
fn named(dir: &Scratch, name: &str) -> String {
    fs::create_dir_all(dir.path()).expect("scratch");
    let path = dir.path().join("named.yaml");
    let text = format!(
        "name: named\nservice: {{ replicas: 4, pod: {{ cpu: 250m, memory: 256Mi, capacityRps: 50 }} }}\n\
         cluster: {{ nodes: 2, nodeAllocatable: {{ cpu: 4, memory: 16Gi }} }}\n\
         traffic: {{ rps: 100 }}\nstrategies:\n  - {{ name: {name}, type: RollingUpdate }}\n"
    );
    fs::write(&path, text).expect("write");
    path.to_str().expect("UTF-8").to_owned()
}

#[test]
fn a_name_of_64_kib_is_refused_where_it_stands() {
    // It passed validation and made `run` panic in the table's formatting
    // (a width past 65,535); `run --out` grew quadratic in its length.
    let dir = Scratch::new("long-name");
    let file = named(&dir, &"x".repeat(65_536));
    refused_within(
        &["validate", &file],
        "strategies[0].name: expected a name of at most 253 characters",
        Duration::from_secs(5),
    );
    refused_within(
        &["run", &file, "--runs", "10"],
        "at most 253",
        Duration::from_secs(5),
    );
}

#[test]
fn the_longest_name_allowed_runs_and_reports() {
    let dir = Scratch::new("longest-name");
    let file = named(&dir, &"y".repeat(253));
    let out_dir = dir.path().join("out");
    let start = Instant::now();
    let out = deploysim(&[
        "run",
        &file,
        "--runs",
        "40",
        "--quiet",
        "--out",
        out_dir.to_str().expect("UTF-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert!(out_dir.join("report.html").is_file());
}

#[test]
fn an_endless_device_is_refused_at_the_size_limit() {
    // The limit was checked on the metadata's size (0 for a device), and
    // the read grew about 1 GB/s until killed.
    refused_within(
        &["validate", "/dev/zero"],
        "/dev/zero: the file is larger than the limit of 1048576 bytes",
        Duration::from_secs(5),
    );
}

#[test]
fn a_shard_count_past_the_runs_is_refused_and_merge_does_not_allocate_for_it() {
    let scenario = "scenarios/internal-api.yaml";
    refused_within(
        &[
            "run",
            scenario,
            "--runs",
            "100",
            "--shard",
            "0/18446744073709551615",
            "--out",
            "/tmp/never",
        ],
        "shards of 100 runs would leave shards without a trial",
        Duration::from_secs(5),
    );
    assert!(!std::path::Path::new("/tmp/never").exists());
    // A shard file whose count was tampered with: merge used to allocate
    // for every index (killed at 24 GB).
    let dir = Scratch::new("shard-count");
    let shard_dir = dir.path().join("s0");
    let out = deploysim(&[
        "run",
        scenario,
        "--runs",
        "40",
        "--shard",
        "0/2",
        "--out",
        shard_dir.to_str().expect("UTF-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = shard_dir.join("shard.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).expect("shard.json")).expect("JSON");
    doc["shard"]["count"] = u64::MAX.into();
    fs::write(&path, doc.to_string()).expect("write");
    refused_within(
        &["merge", shard_dir.to_str().expect("UTF-8")],
        "damaged shard file: 18446744073709551615 shards of 40 runs",
        Duration::from_secs(5),
    );
}
