//! Scaling past one machine (DESIGN §6) and sweeps: `run --shard I/N` and
//! `merge` give byte for byte the summary of one run, `merge` refuses shard
//! sets that do not fit together, `sweep` runs every grid point and checks
//! every key and value before anything runs, and the Kubernetes manifests
//! and Dockerfile agree with the CLI and with each other.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use deploysim::montecarlo::{self, Plan, Shard, StrategyStats};
use deploysim::scenario;
use proptest::prelude::*;
use serde_json::Value;

use crate::common::{Scratch, bad_input, bad_input_with, deploysim, ok};

const INTERNAL: &str = "scenarios/internal-api.yaml";
/// More than two chunks of 512 trials, so shards split chunks unevenly.
const RUNS: &str = "1100";

fn read(path: &str) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `run` of `scenario` with `args`, as shard `i` of `n`, into `dir`.
fn run_shard(scenario: &str, args: &[&str], i: u64, n: u64, dir: &str) {
    let shard = format!("{i}/{n}");
    let mut all = vec!["run", scenario, "--shard", &shard, "--out", dir];
    all.extend_from_slice(args);
    let line = ok(&all);
    assert!(line.contains(&format!("shard {i}/{n}")), "{line}");
}

/// The data rows of a trials.csv (header left out).
fn trial_rows(path: &str) -> Vec<String> {
    let text = String::from_utf8(read(path)).expect("UTF-8 trials.csv");
    text.lines().skip(1).map(str::to_owned).collect()
}

// ---------------------------------------------------------------------------
// 1. Shards merge into the single run, byte for byte.

#[test]
fn shards_merge_into_the_single_run_byte_for_byte() {
    let args = [
        "--runs",
        RUNS,
        "--strategy",
        "rolling",
        "--strategy",
        "recreate",
    ];
    let whole = Scratch::new("whole");
    let mut run = vec!["run", INTERNAL, "--format", "json", "--out", whole.arg()];
    run.extend_from_slice(&args);
    let printed = ok(&run);
    let whole_trials = trial_rows(&whole.join("trials.csv"));
    for n in [1u64, 2, 3, 7] {
        let dir = Scratch::new(&format!("shards-{n}"));
        let shards: Vec<String> = (0..n).map(|i| dir.join(&format!("shard-{i}"))).collect();
        for (i, s) in shards.iter().enumerate() {
            run_shard(INTERNAL, &args, i as u64, n, s);
        }
        // Any order of the shard directories.
        let merged = dir.join("merged");
        let mut merge = vec!["merge", "--format", "json", "--out", &merged];
        merge.extend(shards.iter().rev().map(String::as_str));
        assert_eq!(ok(&merge), printed, "stdout of merge, N = {n}");
        // The merge joins the shards' trials.csv into the whole run's.
        for file in ["summary.json", "summary.csv", "trials.csv"] {
            assert!(
                read(&format!("{merged}/{file}")) == read(&whole.join(file)),
                "{file} differs for N = {n}"
            );
        }
        // The shards' trials.csv hold every trial once, each as in the whole run.
        let mut rows: Vec<String> = shards
            .iter()
            .flat_map(|s| trial_rows(&format!("{s}/trials.csv")))
            .collect();
        let trial = |r: &String| r.split(',').next().and_then(|t| t.parse::<u64>().ok());
        rows.sort_by_key(trial);
        assert_eq!(rows, whole_trials, "trials.csv rows, N = {n}");
        // The same report, but for how to reproduce it.
        let lines = |dir: &str| -> Vec<String> {
            let text = String::from_utf8(read(&format!("{dir}/report.md"))).expect("UTF-8");
            text.lines()
                .filter(|l| !l.starts_with("Reproduce"))
                .map(String::from)
                .collect()
        };
        assert_eq!(lines(&merged), lines(whole.arg()), "report.md, N = {n}");
        for plot in ["failed_requests_cdf.svg", "outcomes.png"] {
            assert!(
                read(&format!("{merged}/plots/{plot}"))
                    == read(&whole.join(&format!("plots/{plot}"))),
                "{plot} differs for N = {n}"
            );
        }
    }
}

#[test]
fn merge_refuses_a_shard_without_its_trials_when_the_others_have_them() {
    let dir = Scratch::new("trials-missing");
    let args = ["--runs", "60", "--strategy", "recreate"];
    let shards: Vec<String> = (0..2).map(|i| dir.join(&format!("shard-{i}"))).collect();
    for (i, s) in shards.iter().enumerate() {
        run_shard(INTERNAL, &args, i as u64, 2, s);
    }
    fs::remove_file(format!("{}/trials.csv", shards[1])).expect("remove");
    let out = dir.join("merged");
    let e = bad_input(&["merge", "--out", &out, &shards[0], &shards[1]]);
    assert!(e.contains("trials.csv") && e.contains("shard 1"), "{e}");
    assert!(!Path::new(&out).exists(), "merge wrote output: {e}");
}

#[test]
fn shard_index_defaults_to_the_job_completion_index() {
    let dir = Scratch::new("job-index");
    let out = dir.join("s");
    let args = [
        "run", INTERNAL, "--runs", "20", "--shard", "4", "--out", &out,
    ];
    let line = String::from_utf8(
        deploysim()
            .args(args)
            .env("JOB_COMPLETION_INDEX", "3")
            .output()
            .expect("runs")
            .stdout,
    )
    .expect("UTF-8");
    assert!(line.contains("shard 3/4 ran 5 of 20 trials"), "{line}");
    let shard: Value = serde_json::from_slice(&read(&format!("{out}/shard.json"))).expect("JSON");
    assert_eq!(shard["shard"], serde_json::json!({"index": 3, "count": 4}));
    assert_eq!(shard["format"], "deploysim-shard");
    // An explicit index wins over the variable.
    let e = bad_input_with(
        deploysim()
            .args(["run", INTERNAL, "--shard", "4/4", "--out", &out])
            .env("JOB_COMPLETION_INDEX", "0"),
        &["--shard 4/4"],
    );
    assert!(e.contains("I = 4 is not below N = 4"), "{e}");
    let e = bad_input_with(
        deploysim()
            .args(["run", INTERNAL, "--shard", "4", "--out", &out])
            .env("JOB_COMPLETION_INDEX", "x"),
        &["JOB_COMPLETION_INDEX=x"],
    );
    assert!(e.contains("JOB_COMPLETION_INDEX=\"x\""), "{e}");
}

#[test]
fn bad_shard_arguments_are_bad_input() {
    let dir = Scratch::new("bad-args");
    let out = dir.join("s");
    for (shard, says) in [
        ("2/2", "I = 2 is not below N = 2"),
        ("0/0", "N must be at least 1"),
        ("x/2", "is not a whole number"),
        ("1/", "is not a whole number"),
    ] {
        let e = bad_input(&["run", INTERNAL, "--shard", shard, "--out", &out]);
        assert!(
            e.contains(&format!("--shard {shard}")) && e.contains(says),
            "{e}"
        );
    }
    let e = bad_input_with(
        deploysim()
            .args(["run", INTERNAL, "--shard", "2", "--out", &out])
            .env_remove("JOB_COMPLETION_INDEX"),
        &["--shard 2"],
    );
    assert!(e.contains("JOB_COMPLETION_INDEX is not set"), "{e}");
    let e = bad_input(&["run", INTERNAL, "--shard", "0/2"]);
    assert!(e.contains("needs --out"), "{e}");
    let e = bad_input(&[
        "run", INTERNAL, "--shard", "0/2", "--out", &out, "--format", "json",
    ]);
    assert!(e.contains("--format"), "{e}");
    assert!(!Path::new(&out).exists(), "nothing written");
}

// ---------------------------------------------------------------------------
// 2. merge refuses shards that do not fit together.

/// Shards 0..3 of a small run, plus shards that belong to other runs.
struct Shards {
    _dir: Scratch,
    good: Vec<String>,
    other_seed: String,
    other_runs: String,
    other_scenario: String,
    edited_scenario: String,
    other_strategies: String,
    other_count: String,
    out: String,
}

fn shard_set() -> Shards {
    let dir = Scratch::new("refuse");
    let good: Vec<String> = (0..3).map(|i| dir.join(&format!("good-{i}"))).collect();
    let args = ["--runs", "600", "--strategy", "recreate"];
    for (i, s) in good.iter().enumerate() {
        run_shard(INTERNAL, &args, i as u64, 3, s);
    }
    let other = |name: &str, scenario: &str, args: &[&str], n: u64| {
        let path = dir.join(name);
        run_shard(scenario, args, 2, n, &path);
        path
    };
    // The same scenario name with one value changed: only the fingerprint tells.
    fs::create_dir_all(dir.path()).expect("scratch dir");
    let edited = dir.join("internal-api.yaml");
    let text = String::from_utf8(read(INTERNAL)).expect("UTF-8");
    fs::write(&edited, text.replace("rps: 40", "rps: 41")).expect("write");
    let rolling = ["--runs", "600", "--strategy", "rolling"];
    Shards {
        other_seed: other("seed", INTERNAL, &[&args[..], &["--seed", "8"]].concat(), 3),
        other_runs: other(
            "runs",
            INTERNAL,
            &["--runs", "601", "--strategy", "recreate"],
            3,
        ),
        other_scenario: other("scenario", "scenarios/admin-console.yaml", &rolling, 3),
        edited_scenario: other("edited", &edited, &args, 3),
        other_strategies: other("strategies", INTERNAL, &rolling, 3),
        other_count: other("count", INTERNAL, &args, 4),
        out: dir.join("merged"),
        good,
        _dir: dir,
    }
}

#[test]
fn merge_refuses_missing_duplicated_and_foreign_shards() {
    let s = shard_set();
    let merge = |shards: &[&str]| {
        let mut args = vec!["merge", "--out", &s.out];
        args.extend_from_slice(shards);
        let e = bad_input(&args);
        assert!(!Path::new(&s.out).exists(), "merge wrote output: {e}");
        e
    };
    let [g0, g1, g2] = [&s.good[0], &s.good[1], &s.good[2]].map(String::as_str);

    let e = merge(&[g0, g2]);
    assert!(
        e.contains("missing shard 1/3") && e.contains(g0) && e.contains(g2),
        "{e}"
    );
    let e = merge(&[g0, g1, g1, g2]);
    assert!(
        e.contains("shard 1/3 is given twice") && e.contains(g1),
        "{e}"
    );
    for (foreign, says) in [
        (&s.other_seed, "its seed is 8, not 7"),
        (&s.other_runs, "its runs are 601, not 600"),
        (
            &s.other_scenario,
            "its scenario is admin-console, not internal-api",
        ),
        (&s.edited_scenario, "its resolved scenario differs"),
        (
            &s.other_strategies,
            "its strategies are rolling, not recreate",
        ),
        (&s.other_count, "it is one of 4 shards, not 3"),
    ] {
        let e = merge(&[g0, g1, foreign]);
        assert!(
            e.contains(says) && e.contains(foreign.as_str()),
            "{says}: {e}"
        );
    }
    let e = merge(&[g0, g1, &format!("{g2}-nonexistent")]);
    assert!(e.contains("cannot read"), "{e}");

    // A damaged file: one outcome count changed.
    let damaged = format!("{g2}/shard.json");
    let text = String::from_utf8(read(&damaged)).expect("UTF-8");
    let mut json: Value = serde_json::from_str(&text).expect("JSON");
    let outcomes = &mut json["points"][0]["strategies"][0]["good"]["outcomes"]["succeeded"];
    *outcomes = Value::from(outcomes.as_u64().expect("a count") + 1);
    fs::write(&damaged, serde_json::to_string(&json).expect("JSON")).expect("write");
    let e = merge(&[g0, g1, g2]);
    assert!(e.contains("damaged") && e.contains(&damaged), "{e}");
    fs::write(&damaged, "{}").expect("write");
    let e = merge(&[g0, g1, g2]);
    assert!(e.contains("not a deploysim-shard file"), "{e}");
}

// ---------------------------------------------------------------------------
// 3. sweep.

const GRID: [&str; 4] = [
    "--set",
    "service.replicas=3,6",
    "--set",
    "traffic.rps=40,80",
];

#[test]
fn sweep_runs_every_point_of_the_grid_as_a_normal_run() {
    let dir = Scratch::new("sweep");
    let out = dir.join("out");
    let mut args = vec!["sweep", INTERNAL, "--runs", "300", "--strategy", "rolling"];
    args.extend(GRID);
    args.extend(["--strategy", "recreate", "--out", &out]);
    let table = ok(&args);
    let json: Value = serde_json::from_slice(&read(&format!("{out}/sweep.json"))).expect("JSON");
    assert_eq!(
        json["keys"],
        serde_json::json!(["service.replicas", "traffic.rps"])
    );
    assert_eq!(
        (json["runs"].as_u64(), json["seed"].as_u64()),
        (Some(300), Some(7))
    );
    let rows = json["rows"].as_array().expect("rows");
    let points: BTreeSet<(u64, u64, &str)> = rows
        .iter()
        .map(|r| {
            let set = &r["set"];
            (
                set["service.replicas"].as_u64().expect("a number"),
                set["traffic.rps"].as_u64().expect("a number"),
                r["strategy"].as_str().expect("strategy"),
            )
        })
        .collect();
    let mut want = BTreeSet::new();
    for replicas in [3, 6] {
        for rps in [40, 80] {
            for strategy in ["rolling", "recreate"] {
                want.insert((replicas, rps, strategy));
            }
        }
    }
    assert_eq!(points, want);
    assert_eq!(rows.len(), 8);

    let csv = String::from_utf8(read(&format!("{out}/sweep.csv"))).expect("UTF-8");
    let mut lines = csv.lines();
    let header = lines.next().expect("header");
    assert!(header.starts_with("service.replicas,traffic.rps,strategy,type,bad_trials,failed_requests_bad_mean,failed_requests_bad_p50,failed_requests_bad_p95,time_to_recover_s_bad_mean"), "{header}");
    assert!(
        header.ends_with("share_incident,share_data_loss"),
        "{header}"
    );
    assert_eq!(lines.count(), 8);
    assert_eq!(
        table.lines().filter(|l| l.contains("rolling")).count(),
        4,
        "{table}"
    );

    // The point (6, 80) is the run of the scenario with those values.
    let edited = dir.join("internal-api-6-80.yaml");
    let text = String::from_utf8(read(INTERNAL)).expect("UTF-8");
    let text = text
        .replace("replicas: 3", "replicas: 6")
        .replace("rps: 40", "rps: 80");
    fs::write(&edited, text).expect("write");
    let run: Value = serde_json::from_str(&ok(&[
        "run",
        &edited,
        "--runs",
        "300",
        "--strategy",
        "rolling",
        "--format",
        "json",
    ]))
    .expect("JSON");
    let point = rows
        .iter()
        .find(|r| r["set"]["service.replicas"] == 6 && r["set"]["traffic.rps"] == 80)
        .expect("the point");
    let given_bad = &run["strategies"][0]["given_bad"];
    for (sweep_key, metric) in [
        ("failed_requests_given_bad", "failed_requests"),
        ("time_to_recover_s_given_bad", "time_to_recover_s"),
    ] {
        for q in ["mean", "p50", "p95"] {
            assert_eq!(point[sweep_key][q], given_bad[metric][q], "{sweep_key}.{q}");
        }
    }
    let all = &run["strategies"][0]["all"];
    assert_eq!(
        point["extra_pod_hours_mean"],
        all["extra_pod_hours"]["mean"]
    );
    assert_eq!(point["cost_mean"], all["cost"]["mean"]);
    assert_eq!(
        point["outcome_shares"],
        run["strategies"][0]["outcome_shares"]
    );
    assert!(point["outcome_shares"]["succeeded"].as_f64() > Some(0.5));
}

#[test]
fn sweep_shards_merge_into_the_sweep() {
    let dir = Scratch::new("sweep-shards");
    let whole = dir.join("whole");
    let mut args = vec!["sweep", INTERNAL, "--runs", "200", "--strategy", "rolling"];
    args.extend(GRID);
    let mut one = args.clone();
    one.extend(["--out", &whole, "--format", "csv"]);
    let printed = ok(&one);
    let shards: Vec<String> = (0..2).map(|i| dir.join(&format!("s{i}"))).collect();
    for (i, s) in shards.iter().enumerate() {
        let shard = format!("{i}/2");
        let mut a = args.clone();
        a.extend(["--shard", &shard, "--out", s]);
        ok(&a);
    }
    let merged = dir.join("merged");
    let out = ok(&[
        "merge", &shards[1], &shards[0], "--out", &merged, "--format", "csv",
    ]);
    assert_eq!(out, printed);
    for file in ["sweep.csv", "sweep.json"] {
        assert!(
            read(&format!("{merged}/{file}")) == read(&format!("{whole}/{file}")),
            "{file}"
        );
    }
    // A sweep's shards do not merge with a run's.
    let run = dir.join("run");
    run_shard(
        INTERNAL,
        &["--runs", "200", "--strategy", "rolling"],
        1,
        2,
        &run,
    );
    let e = bad_input(&["merge", &shards[0], &run]);
    assert!(
        e.contains("it comes from deploysim run, not deploysim sweep"),
        "{e}"
    );
}

/// Expects `sweep` with `set` to be refused with a message containing
/// `says`, quickly and without writing anything: a hundred million trials
/// per point would take minutes if anything ran.
fn sweep_refuses(set: &[&str], says: &str) {
    let dir = Scratch::new("sweep-refused");
    let mut args = vec!["sweep", INTERNAL, "--runs", "100000000", "--out", dir.arg()];
    args.extend_from_slice(set);
    let start = Instant::now();
    let e = bad_input(&args);
    assert!(start.elapsed() < Duration::from_secs(5), "{args:?} ran");
    assert!(e.contains(says), "{args:?}: {e}");
    assert!(!dir.path().exists(), "{args:?} wrote output");
}

#[test]
fn sweep_checks_every_key_and_value_before_running() {
    sweep_refuses(
        &[
            "--set",
            "service.replicas=3,6",
            "--set",
            "service.replicaz=1,2",
        ],
        "--set service.replicaz=1: service.replicaz: unknown key",
    );
    sweep_refuses(
        &[
            "--set",
            "service.replicas=3,-1",
            "--set",
            "traffic.rps=40,80",
        ],
        "--set service.replicas=-1: service.replicas:",
    );
    sweep_refuses(
        &["--set", "strategies.rolling.maxSurge=1,lots"],
        "--set strategies.rolling.maxSurge=lots: strategies[1].maxSurge: expected an integer or a percent",
    );
    sweep_refuses(
        &["--set", "service.readinessProbe.http.port=80"],
        "service.readinessProbe.http is not in the file",
    );
    sweep_refuses(
        &["--set", "strategies.canary.steps[0].setWeight=5"],
        "strategies has no item named \"canary\" (it has: recreate, rolling, rolling-surge-only)",
    );
    sweep_refuses(
        &["--set", "release.defects[0].weight=1"],
        "release.defects is not in the file",
    );
    sweep_refuses(&["--set", "service.replicas"], "expected KEY=V1,V2");
    sweep_refuses(&["--set", "monteCarlo.runs=10,20"], "use --runs");
    // A combination can be invalid where each value alone is not.
    sweep_refuses(
        &[
            "--set",
            "cluster.otherWorkloads.cpu=9,11",
            "--set",
            "cluster.nodeAllocatable.cpu=4,3500m",
        ],
        "with --set cluster.otherWorkloads.cpu=11 --set cluster.nodeAllocatable.cpu=3500m: cluster.otherWorkloads.cpu: exceeds the whole cluster",
    );
}

#[test]
fn sweep_reaches_list_items_by_name_and_index() {
    let out = ok(&[
        "sweep",
        INTERNAL,
        "--runs",
        "20",
        "--strategy",
        "rolling-surge-only",
        "--set",
        "strategies.rolling-surge-only.maxSurge=1,2",
        "--set",
        "strategies[1].maxUnavailable=0,50%",
        "--format",
        "json",
    ]);
    let json: Value = serde_json::from_str(&out).expect("JSON");
    let sets: Vec<&Value> = json["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| &r["set"])
        .collect();
    assert_eq!(sets.len(), 4);
    assert_eq!(sets[1]["strategies[1].maxUnavailable"], "50%");
    assert_eq!(sets[3]["strategies.rolling-surge-only.maxSurge"], 2);
}

// ---------------------------------------------------------------------------
// 4. Library: any split into shards gives the same statistics.

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, failure_persistence: None, ..ProptestConfig::default() })]

    /// Shards 0..N, merged in any order, summarize exactly as the whole run.
    #[test]
    fn any_sharding_gives_the_same_summary(
        runs in 1u64..1100,
        n in 1u64..9,
        seed in any::<u64>(),
        order in any::<u64>(),
    ) {
        let sc = scenario::load(Path::new(INTERNAL)).expect("valid scenario");
        let plan = Plan { runs, seed, strategies: vec![1, 0] };
        let whole = montecarlo::run(&sc, &plan, None);
        let mut shards: Vec<Vec<StrategyStats>> = (0..n)
            .map(|i| montecarlo::run_shard(&sc, &plan, Shard::new(i, n).expect("i < n"), None))
            .collect();
        // A deterministic shuffle from `order`.
        let len = shards.len();
        for k in (1..len).rev() {
            shards.swap(k, (order.rotate_left(k as u32) % (k as u64 + 1)) as usize);
        }
        let mut merged = vec![StrategyStats::new(), StrategyStats::new()];
        for s in &shards {
            for (m, part) in merged.iter_mut().zip(s) {
                m.merge(part);
            }
        }
        let trials: u64 = shards.iter().map(|s| s[0].trials()).sum();
        prop_assert_eq!(trials, runs);
        let json = |stats: &[StrategyStats]| {
            serde_json::to_string(&montecarlo::summarize(&sc, &plan, stats)).expect("JSON")
        };
        prop_assert_eq!(json(&merged), json(&whole));
    }
}

// ---------------------------------------------------------------------------
// 5. The Kubernetes manifests and the Dockerfile.

/// The YAML documents of a manifest file.
fn documents(path: &str) -> Vec<Value> {
    let text = String::from_utf8(read(path)).expect("UTF-8");
    serde_saphyr::from_multiple::<Value>(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn job(docs: &[Value]) -> &Value {
    let jobs: Vec<&Value> = docs.iter().filter(|d| d["kind"] == "Job").collect();
    assert_eq!(jobs.len(), 1, "one Job");
    assert_eq!(jobs[0]["apiVersion"], "batch/v1");
    jobs[0]
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|s| s.as_str().expect("a string").to_owned())
        .collect()
}

/// The Indexed Job and the merge Job agree with each other, with the
/// Dockerfile, and with the CLI: their commands, run here with the index
/// filled in and the paths moved to a scratch directory, work.
#[test]
fn kubernetes_jobs_run_shards_and_merge_them() {
    let docs = documents("deploy/kubernetes/sweep-job.yaml");
    let shard_job = job(&docs);
    let spec = &shard_job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let n = spec["completions"].as_u64().expect("completions");
    assert_eq!(spec["parallelism"].as_u64(), Some(n));
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    let container = &pod["containers"][0];
    let command = strings(&container["command"]);
    let at = |flag: &str| {
        let i = command
            .iter()
            .position(|a| a == flag)
            .unwrap_or_else(|| panic!("{flag}"));
        command[i + 1].clone()
    };
    assert_eq!(&command[..2], ["deploysim", "run"]);
    assert_eq!(at("--shard"), format!("$(JOB_COMPLETION_INDEX)/{n}"));
    assert_eq!(at("--out"), "/results/shard-$(JOB_COMPLETION_INDEX)");
    let requests = &container["resources"]["requests"];
    assert_eq!(
        Some(at("--threads").as_str()),
        requests["cpu"].as_str(),
        "a thread per CPU"
    );
    let scenario = &command[2];
    assert!(scenario.starts_with("/scenarios/"), "{scenario}");
    let mounts: Vec<&str> = container["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .map(|m| m["mountPath"].as_str().expect("path"))
        .collect();
    assert_eq!(mounts, ["/scenarios", "/results"]);
    let volumes = &pod["volumes"];
    assert!(volumes[0]["configMap"]["name"].is_string());
    let claim = volumes[1]["persistentVolumeClaim"]["claimName"].clone();
    let pvc = docs
        .iter()
        .find(|d| d["kind"] == "PersistentVolumeClaim")
        .expect("a PVC");
    assert_eq!(pvc["metadata"]["name"], claim);
    assert_eq!(pvc["spec"]["accessModes"][0], "ReadWriteMany");

    let merge_docs = documents("deploy/kubernetes/merge-job.yaml");
    let merge_pod = &job(&merge_docs)["spec"]["template"]["spec"];
    let merge_container = &merge_pod["containers"][0];
    assert_eq!(merge_container["image"], container["image"]);
    assert_eq!(
        merge_pod["volumes"][0]["persistentVolumeClaim"]["claimName"],
        claim
    );
    let merge_command = strings(&merge_container["command"]);
    assert_eq!(&merge_command[..2], ["/bin/sh", "-c"]);
    assert_eq!(
        merge_command[2],
        "exec deploysim merge /results/shard-* --out /results/merged"
    );

    // The image runs as the user the Jobs ask for.
    let dockerfile = String::from_utf8(read("Dockerfile")).expect("UTF-8");
    let uid = pod["securityContext"]["runAsUser"]
        .as_u64()
        .expect("runAsUser");
    assert_eq!(
        merge_pod["securityContext"]["runAsUser"].as_u64(),
        Some(uid)
    );
    assert!(
        dockerfile.contains(&format!("USER {uid}:")),
        "Dockerfile USER"
    );
    assert!(dockerfile.contains("FROM rust:1.95"), "builder");
    assert!(
        dockerfile.contains("ENTRYPOINT [\"deploysim\"]"),
        "entrypoint"
    );
    assert!(dockerfile.contains("/usr/local/bin/deploysim"), "on PATH");

    // Every shard's command, as the kubelet expands it, then the merge.
    let dir = Scratch::new("k8s");
    let results = dir.join("results");
    let local_scenario = format!("scenarios/{}", scenario.trim_start_matches("/scenarios/"));
    for i in 0..n {
        let args: Vec<String> = command[1..]
            .iter()
            .map(|a| {
                a.replace("$(JOB_COMPLETION_INDEX)", &i.to_string())
                    .replace("/results", &results)
                    .replace(scenario.as_str(), &local_scenario)
            })
            .collect();
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        // Few trials of one strategy: the manifest's --runs is replaced.
        match args.iter().position(|&a| a == "--runs") {
            Some(i) => args[i + 1] = "24",
            None => args.extend(["--runs", "24"]),
        }
        args.extend(["--strategy", "recreate"]);
        ok(&args);
    }
    let mut shards: Vec<String> = fs::read_dir(&results)
        .expect("results")
        .map(|e| e.expect("entry").path().to_str().expect("UTF-8").to_owned())
        .filter(|p| p.contains("/shard-"))
        .collect();
    shards.sort();
    assert_eq!(shards.len() as u64, n);
    let merged = format!("{results}/merged");
    let mut merge = vec!["merge"];
    merge.extend(shards.iter().map(String::as_str));
    merge.extend(["--out", &merged]);
    ok(&merge);
    let summary: Value =
        serde_json::from_slice(&read(&format!("{merged}/summary.json"))).expect("JSON");
    assert_eq!(summary["runs"], 24);
}
