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

/// A Flagger canary whose checks almost never get data (0.01 rps, a check
/// every 10 s, `onNoData: inconclusive`): it holds its first weight for
/// the whole trial, two horizons of 100 days, 1,728,000 checks.
const NO_DATA_FOR_100_DAYS: &str = "name: no-data\n\
    service: { replicas: 4, pod: { cpu: 200m, memory: 512Mi, capacityRps: 50 } }\n\
    cluster: { nodes: 3, nodeAllocatable: { cpu: 4, memory: 16Gi } }\n\
    traffic: { rps: 0.01 }\n\
    release: { defectProbability: 0% }\n\
    observability:\n  metrics: true\n  \
    analysis: { interval: 10s, errorRateThreshold: 2%, minRequests: 50, onNoData: inconclusive }\n\
    strategies:\n  - name: flagger\n    type: Canary\n    trafficRouting: true\n    \
    analysis: { interval: 10s, threshold: 5, maxWeight: 50, stepWeight: 10 }\n\
    monteCarlo: { runs: 2, seed: 1, horizon: 100d }\n";

#[test]
fn checks_that_never_get_data_make_a_short_trace_and_a_quick_run() {
    // The trace printed every check (2.18 GB at 100 days); lines alike in
    // a row are now shown ten times, then summed up in one.
    let dir = Scratch::new("no-data");
    fs::create_dir_all(dir.path()).expect("scratch");
    let file = dir.path().join("no-data.yaml");
    fs::write(&file, NO_DATA_FOR_100_DAYS).expect("write");
    let file = file.to_str().expect("UTF-8");
    let start = Instant::now();
    let out = deploysim(&["trace", file, "--strategy", "flagger", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.len() < 100_000, "{} bytes", out.stdout.len());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let events = doc["events"].as_array().expect("events");
    assert!(events.len() < 200, "{} lines", events.len());
    let summed: u64 = events
        .iter()
        .filter(|e| e["event"] == "repeated")
        .map(|e| {
            let d = e["detail"].as_str().expect("detail");
            d.split(' ')
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .expect("a count")
        })
        .sum();
    let shown = events
        .iter()
        .filter(|e| e["event"] == "measurement")
        .count() as u64;
    assert_eq!(summed + shown, 1_728_001, "checks at 0, 10 s, …, 200 days");
    let out = deploysim(&["run", file, "--quiet", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
}

/// The files under `dir`, sorted, each with its bytes.
fn contents(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("list") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .expect("inside")
                    .display()
                    .to_string();
                out.push((name, fs::read(&path).expect("read")));
            }
        }
    }
    out.sort();
    out
}

/// What beside `out` is not `out` itself: staging folders left behind.
fn beside(parent: &std::path::Path) -> Vec<String> {
    fs::read_dir(parent)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "out")
        .collect()
}

#[test]
fn a_run_stopped_at_any_moment_leaves_the_old_set_whole_and_no_partial_file() {
    // A long run is stopped at moments from its start to its trials being
    // written (trials.csv grows 38 MB in 4 s): SIGINT, SIGTERM and SIGHUP
    // remove its staging folder and exit 128 + the signal; SIGKILL leaves
    // it, and the next run beside it removes it. Each time `out` holds the
    // first run's set, byte for byte.
    let dir = Scratch::new("killed");
    fs::create_dir_all(dir.path()).expect("scratch");
    let out = dir.path().join("out");
    let out_arg = out.to_str().expect("UTF-8");
    let first = deploysim(&[
        "run",
        "scenarios/internal-api.yaml",
        "--runs",
        "50",
        "--quiet",
        "--out",
        out_arg,
    ]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = contents(&out);
    assert!(before.iter().any(|(n, _)| n == "trials.csv"));
    let bin = assert_cmd::cargo::cargo_bin("deploysim");
    let cases = [
        (libc::SIGINT, 150),
        (libc::SIGTERM, 400),
        (libc::SIGHUP, 900),
        (libc::SIGKILL, 300),
        (libc::SIGKILL, 1200),
    ];
    for (signal, after_ms) in cases {
        let mut child = std::process::Command::new(&bin)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "run",
                "scenarios/checkout-api.yaml",
                "--runs",
                "2000000",
                "--quiet",
                "--out",
                out_arg,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(after_ms));
        let pid = i32::try_from(child.id()).expect("pid");
        // SAFETY: sends a signal to the child just spawned, which has not
        // been waited for, so its PID is still its own.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let status = child.wait().expect("wait");
        if signal == libc::SIGKILL {
            assert_eq!(status.code(), None, "killed");
        } else {
            assert_eq!(status.code(), Some(128 + signal), "signal {signal}");
            assert_eq!(beside(dir.path()), Vec::<String>::new(), "signal {signal}");
        }
        assert!(
            contents(&out) == before,
            "signal {signal} at {after_ms} ms: the set changed"
        );
    }
    assert!(
        !beside(dir.path()).is_empty(),
        "SIGKILL left its staging folder"
    );
    let next = deploysim(&[
        "run",
        "scenarios/internal-api.yaml",
        "--runs",
        "60",
        "--quiet",
        "--out",
        out_arg,
    ]);
    assert!(
        next.status.success(),
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
    assert_eq!(
        beside(dir.path()),
        Vec::<String>::new(),
        "the next run removed it"
    );
    assert!(contents(&out) != before, "the new set is in");
}

#[test]
fn out_mistakes_are_refused_with_exit_2_and_nothing_written() {
    let dir = Scratch::new("out-mistakes");
    fs::create_dir_all(dir.path()).expect("scratch");
    let file = dir.path().join("a-file");
    fs::write(&file, "x").expect("write");
    let run = |out: &std::path::Path| {
        deploysim(&[
            "run",
            "scenarios/internal-api.yaml",
            "--runs",
            "20",
            "--quiet",
            "--out",
            out.to_str().expect("UTF-8"),
        ])
    };
    // An existing file, a path below a file, a folder of the user's own.
    for (out, says) in [
        (file.clone(), "expected a folder, found a file"),
        (file.join("below"), "cannot write"),
        (
            dir.path().to_path_buf(),
            "the folder holds a-file, which is not of an output set",
        ),
    ] {
        let o = run(&out);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {stderr}", out.display());
        assert!(stderr.contains(says), "{}: {stderr}", out.display());
    }
    assert_eq!(fs::read_to_string(&file).expect("kept"), "x");
    assert_eq!(beside(dir.path()), vec!["a-file".to_owned()]);
}

#[test]
fn manifests_with_old_mac_or_windows_line_breaks_read_as_with_unix_ones() {
    // A lone CR breaks a line in YAML; a manifest so written was split into
    // documents by `\n` only, and read as "several documents".
    let shipped = deploysim::scenario::load(std::path::Path::new(
        "scenarios/checkout-api-manifests.yaml",
    ))
    .expect("shipped");
    for (name, brk) in [("cr", "\r"), ("crlf", "\r\n")] {
        let dir = Scratch::new(&format!("line-breaks-{name}"));
        fs::create_dir_all(dir.path().join("k8s")).expect("scratch");
        for entry in fs::read_dir("scenarios/k8s").expect("k8s") {
            let path = entry.expect("entry").path();
            let text = fs::read_to_string(&path)
                .expect("manifest")
                .replace('\n', brk);
            fs::write(
                dir.path().join("k8s").join(path.file_name().expect("name")),
                text,
            )
            .expect("write");
        }
        let scenario = dir.path().join("checkout-api-manifests.yaml");
        fs::copy("scenarios/checkout-api-manifests.yaml", &scenario).expect("copy");
        let read = deploysim::scenario::load(&scenario).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(read.strategies, shipped.strategies, "{name}");
    }
}

#[test]
fn a_scenario_can_come_from_standard_input_and_a_pipe_is_read_once() {
    // `-` read a file named "-"; `sweep /dev/stdin` read the pipe twice and
    // found it empty the second time.
    let text = fs::read_to_string("scenarios/internal-api.yaml").expect("shipped");
    let piped = |args: &[&str]| {
        Command::cargo_bin("deploysim")
            .expect("binary built")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .write_stdin(text.clone())
            .timeout(Duration::from_secs(60))
            .output()
            .expect("runs")
    };
    let file = deploysim(&[
        "run",
        "scenarios/internal-api.yaml",
        "--runs",
        "30",
        "--format",
        "json",
    ]);
    for args in [
        &["run", "-", "--runs", "30", "--format", "json"][..],
        &["run", "/dev/stdin", "--runs", "30", "--format", "json"][..],
    ] {
        let out = piped(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, file.stdout, "{args:?}");
    }
    let sweep = piped(&[
        "sweep",
        "/dev/stdin",
        "--set",
        "service.replicas=3,4",
        "--runs",
        "20",
        "--format",
        "json",
    ]);
    assert!(
        sweep.status.success(),
        "{}",
        String::from_utf8_lossy(&sweep.stderr)
    );
    let bad = Command::cargo_bin("deploysim")
        .expect("binary built")
        .args(["validate", "-"])
        .write_stdin("service: 3\n")
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("standard input:1:10: service: expected a mapping")
    );
}

#[test]
fn a_thread_count_past_1024_is_refused_before_any_thread_starts() {
    // 100,000 threads were spawned for 20 s before any work.
    refused_within(
        &[
            "run",
            "scenarios/internal-api.yaml",
            "--runs",
            "10",
            "--threads",
            "100000",
        ],
        "--threads must be at most 1024, found 100000",
        Duration::from_secs(5),
    );
}
