//! `fromManifest`: a strategy read from a Deployment or Argo Rollout manifest
//! is the very strategy written by hand, and a bad manifest fails like a bad
//! scenario: its file, line, column and key path, exit code 2.
//!
//! Good manifests are under `tests/data/manifests`; every file under
//! `tests/data/bad-manifests` is one problem, read through a scenario whose
//! only strategy is `{ fromManifest: FILE }`.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use deploysim::commands::{self, Format, RunOptions};
use deploysim::scenario::{self, Scenario};

use crate::common::{Scratch, bad_input, ok};

const GOOD: &str = "tests/data/manifests";
const BAD: &str = "tests/data/bad-manifests";

/// (file stem, line, key path, message fragment), one problem per file.
#[rustfmt::skip]
const BAD_MANIFESTS: &[(&str, u64, &str, &str)] = &[
    ("alias_bomb", 12, "", "alias bomb"),
    ("anti_affinity", 10, "spec.strategy.blueGreen.antiAffinity", "`antiAffinity` is not modelled by deploysim"),
    ("bad_yaml", 14, "", "invalid YAML"),
    ("both_zero", 9, "spec.strategy.rollingUpdate.maxUnavailable", "maxSurge and maxUnavailable cannot both be 0"),
    ("canary_without_steps", 8, "spec.strategy.canary.steps", "a canary without steps is not modelled"),
    ("deep_nesting", 5, "", "nests deeper than 32 levels"),
    ("dry_run", 10, "spec.strategy.canary.analysis.dryRun", "`dryRun` is not modelled"),
    ("dynamic_stable_scale_without_router", 8, "spec.strategy.canary.dynamicStableScale", "needs `trafficRouting: true`"),
    ("empty", 1, "", "found none: the file holds no object"),
    ("experiment_step", 13, "spec.strategy.canary.steps[2].experiment", "`experiment` is not modelled by deploysim"),
    ("header_route_step", 13, "spec.strategy.canary.steps[0].setHeaderRoute", "`setHeaderRoute` is not modelled"),
    ("max_surge_float", 8, "spec.strategy.rollingUpdate.maxSurge", r#"expected an integer or a string like "25%", found 2.5"#),
    ("max_surge_no_percent", 10, "spec.strategy.rollingUpdate.maxSurge", r#"expected an integer or a percent like "25%", found "25""#),
    ("mirror_with_match", 16, "spec.strategy.canary.steps[0].setMirrorRoute.match", "mirroring only the requests that match is not modelled"),
    ("old_api_version", 1, "apiVersion", r#"expected apiVersion apps/v1 for a Deployment, found "extensions/v1beta1""#),
    ("pause_bad_duration", 10, "spec.strategy.canary.steps[1].pause.duration", r#"found "ten minutes""#),
    ("progress_deadline_abort", 6, "spec.progressDeadlineAbort", "`progressDeadlineAbort` is not modelled"),
    ("recreate_with_rolling_update", 9, "spec.strategy.rollingUpdate", "may not be set when type is Recreate"),
    ("replica_mismatch", 7, "spec.replicas", "the manifest runs 3 replicas, but service.replicas is 10"),
    ("set_weight_120", 11, "spec.strategy.canary.steps[2].setWeight", "expected a percent from 0 to 100, found 120"),
    ("two_rollouts", 11, "kind", "found 2: Rollout web-canary (line 2), Rollout web-blue-green (line 11)"),
    ("unknown_key", 9, "spec.strategy.rollingUpdate.maxSurg", "unknown key `maxSurg`; expected one of maxSurge, maxUnavailable (did you mean `maxSurge`?)"),
    ("wrong_kind", 2, "kind", "found none: the file holds Service web (line 2), StatefulSet web (line 9)"),
];

/// Hostile files must be refused quickly.
const HOSTILE: &[&str] = &["alias_bomb", "deep_nesting"];

/// The minimal good scenario (10 replicas) with `strategies`.
fn minimal_with(strategies: &str) -> String {
    let text = fs::read_to_string("tests/data/good/minimal.yaml").expect("minimal");
    let head = &text[..text.find("strategies:").expect("strategies")];
    format!("{head}strategies:\n{strategies}")
}

/// Reads `strategies` as if the scenario were a file in `dir`.
fn parse_in(dir: &str, strategies: &str) -> Result<Scenario, scenario::ScenarioError> {
    scenario::parse(&minimal_with(strategies), &format!("{dir}/scenario.yaml"))
}

#[test]
fn every_bad_manifest_names_file_location_key_and_problem() {
    for &(stem, line, key_path, fragment) in BAD_MANIFESTS {
        let started = Instant::now();
        let entry = format!("  - {{ fromManifest: {stem}.yaml }}\n");
        let err = parse_in(BAD, &entry).expect_err(stem);
        let elapsed = started.elapsed();
        let shown = err.to_string();
        let file = format!("{BAD}/{stem}.yaml");
        let col = err.column.unwrap_or(0);
        assert!(
            col >= 1 && shown.starts_with(&format!("{file}:{line}:{col}: ")),
            "{stem}: want {file}:{line}:..., got {shown}"
        );
        assert_eq!(err.key_path, key_path, "{stem}: {shown}");
        if !key_path.is_empty() {
            assert!(
                shown.contains(&format!(": {key_path}: ")),
                "{stem}: {shown}"
            );
        }
        assert!(
            shown.contains(fragment),
            "{stem}: want {fragment:?} in {shown}"
        );
        assert!(!shown.contains('\n'), "{stem}: one line, got {shown}");
        if HOSTILE.contains(&stem) {
            assert!(elapsed < Duration::from_secs(1), "{stem} took {elapsed:?}");
        }
    }
}

#[test]
fn every_bad_manifest_is_in_the_table() {
    let mut stems: Vec<String> = fs::read_dir(BAD)
        .expect("tests/data/bad-manifests")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned))
        .collect();
    stems.sort();
    let table: Vec<&str> = BAD_MANIFESTS.iter().map(|row| row.0).collect();
    assert_eq!(
        stems, table,
        "{BAD} and BAD_MANIFESTS must list the same files"
    );
}

/// A scenario in `dir` whose only strategy reads `manifest` (an absolute path).
fn scenario_file(dir: &Scratch, manifest: &Path) -> String {
    fs::create_dir_all(dir.path()).expect("scratch dir");
    let absolute = fs::canonicalize(manifest).unwrap_or_else(|_| manifest.to_path_buf());
    let entry = format!("  - {{ fromManifest: {} }}\n", absolute.display());
    let path = dir.join("scenario.yaml");
    fs::write(&path, minimal_with(&entry)).expect("scenario written");
    path
}

/// The binary: exit 2, nothing on stdout, the library's error on stderr, for
/// `validate` and for `run`.
#[test]
fn bad_manifests_exit_2_with_the_error_and_no_output() {
    let dir = Scratch::new("bad-manifests");
    for &(stem, line, ..) in BAD_MANIFESTS {
        let manifest = Path::new(BAD).join(format!("{stem}.yaml"));
        let scenario = scenario_file(&dir, &manifest);
        let want = scenario::load(Path::new(&scenario))
            .expect_err(stem)
            .to_string();
        assert!(want.contains(&format!(".yaml:{line}:")), "{stem}: {want}");
        let out = dir.join("out");
        for args in [
            vec!["validate", scenario.as_str()],
            vec![
                "run",
                &scenario,
                "--runs",
                "5",
                "--no-trials",
                "--out",
                &out,
            ],
        ] {
            let stderr = bad_input(&args);
            assert!(stderr.contains(&want), "{stem} {args:?}: {stderr}");
            assert!(!dir.path().join("out").exists(), "{stem}: wrote output");
        }
    }
}

#[test]
fn a_missing_manifest_names_the_path_as_resolved() {
    let err = parse_in(BAD, "  - { name: web, fromManifest: k8s/nope.yaml }\n")
        .expect_err("no such file");
    assert_eq!(err.file, format!("{BAD}/scenario.yaml"));
    assert_eq!((err.line, err.column), (Some(12), Some(32)));
    assert_eq!(err.key_path, "strategies[0].fromManifest");
    let resolved = format!("cannot read the manifest {BAD}/k8s/nope.yaml: ");
    assert!(err.message.starts_with(&resolved), "{err}");
    assert!(err.message.contains("os error"), "{err}");
    let dir = Scratch::new("missing-manifest");
    let scenario = scenario_file(&dir, &dir.path().join("nope.yaml"));
    let stderr = bad_input(&["validate", &scenario]);
    assert!(stderr.contains(&dir.join("nope.yaml")), "{stderr}");
}

#[test]
fn only_a_name_may_stand_beside_from_manifest() {
    let err = parse_in(
        GOOD,
        "  - { fromManifest: blue-green.yaml, name: bg, maxSurge: 1 }\n",
    )
    .expect_err("a key beside fromManifest");
    assert_eq!(err.key_path, "strategies[0].maxSurge");
    assert!(
        err.message.contains("cannot be set beside `fromManifest`"),
        "{err}"
    );
    let err = parse_in(GOOD, "  - { name: x }\n").expect_err("neither type nor fromManifest");
    assert_eq!(err.key_path, "strategies[0].type");
    assert!(err.message.contains("missing required key `type`"), "{err}");
}

#[test]
fn what_no_manifest_says_may_stand_beside_it() {
    // The catch rate of the tests a prePromotionAnalysis runs, the switch's
    // delay and whether a failed canary analysis aborts: the manifest's
    // strategy with them is the strategy written by hand with them.
    let cases = [
        (
            "{ fromManifest: blue-green.yaml, switchDelay: 5s,
               prePromotionAnalysis: { smokeTestCatchRate: 80%, duration: 1m } }",
            "{ name: web, type: BlueGreen, previewReplicaCount: 5, autoPromotionEnabled: false,
               prePromotionAnalysis: { smokeTestCatchRate: 80%, duration: 1m },
               postPromotionAnalysis: true, switchDelay: 5s,
               scaleDownDelaySeconds: 600, abortScaleDownDelaySeconds: 60 }",
        ),
        (
            "{ fromManifest: canary-basic.yaml, autoRollback: false }",
            "{ name: web, type: Canary, maxSurge: 1, maxUnavailable: 0, analysis: {},
               autoRollback: false,
               steps: [ { setWeight: 10 }, { pause: { duration: 90s } }, { setWeight: 50 },
                        { pause: { duration: 1h30m } } ] }",
        ),
    ];
    for (beside, by_hand) in cases {
        let read = parse_in(GOOD, &format!("  - {beside}\n")).unwrap_or_else(|e| panic!("{e}"));
        let written = parse_in(GOOD, &format!("  - {by_hand}\n")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.strategies, written.strategies, "{beside}");
    }
}

#[test]
fn what_no_manifest_says_is_checked_in_the_scenario() {
    let scenario = format!("{GOOD}/scenario.yaml");
    // (beside fromManifest, key path, message fragment): each error is the
    // scenario's, at the line of the entry.
    let cases = [
        (
            "{ fromManifest: canary-basic.yaml, switchDelay: 5s }",
            "strategies[0].switchDelay",
            "`switchDelay` applies to BlueGreen, but the manifest's strategy is Canary",
        ),
        (
            "{ fromManifest: deployment-defaults.yaml, autoRollback: false }",
            "strategies[0].autoRollback",
            "`autoRollback` applies to Canary, but the manifest's strategy is RollingUpdate",
        ),
        (
            "{ fromManifest: blue-green.yaml, prePromotionAnalysis: { smokeTestCatchRate: 150% } }",
            "strategies[0].prePromotionAnalysis.smokeTestCatchRate",
            "150%",
        ),
    ];
    for (beside, key_path, fragment) in cases {
        let text = minimal_with(&format!("  - {beside}\n"));
        let line = text.lines().count() as u64;
        let err = scenario::parse(&text, &scenario).expect_err(beside);
        assert_eq!(err.file, scenario, "{err}");
        assert_eq!(err.line, Some(line), "{err}");
        assert_eq!(err.key_path, key_path, "{err}");
        assert!(err.message.contains(fragment), "{err}");
    }
    // Tests described where the manifest runs none.
    let dir = Scratch::new("no-pre-promotion");
    fs::create_dir_all(dir.path()).expect("scratch dir");
    let manifest = fs::read_to_string(format!("{GOOD}/blue-green.yaml")).expect("manifest");
    let cut = manifest
        .find("      prePromotionAnalysis:")
        .expect("has one");
    let without = format!(
        "{}{}",
        &manifest[..cut],
        &manifest[manifest.find("      postPromotionAnalysis:").expect("post")..]
    );
    fs::write(dir.path().join("bg.yaml"), without).expect("written");
    let err = parse_in(
        dir.arg(),
        "  - { fromManifest: bg.yaml, prePromotionAnalysis: { smokeTestCatchRate: 60% } }\n",
    )
    .expect_err("no tests to describe");
    assert_eq!(err.key_path, "strategies[0].prePromotionAnalysis");
    assert!(
        err.message.contains("runs no prePromotionAnalysis"),
        "{err}"
    );
}

#[test]
fn names_default_to_metadata_name_and_must_differ() {
    let s = parse_in(GOOD, "  - { fromManifest: deployment-defaults.yaml }\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.strategies[0].name, "web");
    let twice =
        "  - { fromManifest: deployment-defaults.yaml }\n  - { fromManifest: blue-green.yaml }\n";
    let err = parse_in(GOOD, twice).expect_err("both are named web");
    assert_eq!(err.key_path, "strategies[1].fromManifest");
    assert!(
        err.message.contains(r#"duplicate strategy name "web""#),
        "{err}"
    );
    assert!(err.message.contains("give this entry a `name`"), "{err}");
}

/// Each good manifest, and the same strategy written by hand.
const SAME_AS: &[(&str, &str)] = &[
    (
        "deployment-defaults",
        "{ name: web, type: RollingUpdate, maxSurge: 25%, maxUnavailable: 25%, progressDeadlineSeconds: 600 }",
    ),
    (
        "deployment-recreate",
        "{ name: web, type: Recreate, minReadySeconds: 5, progressDeadlineSeconds: 120, revisionHistoryLimit: 0 }",
    ),
    (
        "blue-green",
        "{ name: web, type: BlueGreen, previewReplicaCount: 5, autoPromotionEnabled: false,
           prePromotionAnalysis: { smokeTestCatchRate: 50% }, postPromotionAnalysis: true,
           scaleDownDelaySeconds: 600, abortScaleDownDelaySeconds: 60 }",
    ),
    (
        "canary-basic",
        "{ name: web, type: Canary, maxSurge: 1, maxUnavailable: 0, analysis: {},
           steps: [ { setWeight: 10 }, { pause: { duration: 90s } }, { setWeight: 50 },
                    { pause: { duration: 1h30m } } ] }",
    ),
    (
        "canary-every-step",
        "{ name: web, type: Canary, trafficRouting: true, maxSurge: 50%, maxUnavailable: 0,
           minReadySeconds: 10, progressDeadlineSeconds: 900, revisionHistoryLimit: 3,
           dynamicStableScale: true, scaleDownDelaySeconds: 60, abortScaleDownDelaySeconds: 10,
           analysis: { startingStep: 4 },
           steps: [ { setCanaryScale: { replicas: 2 } }, { setMirrorRoute: { percentage: 20 } },
                    { pause: { duration: 5m } }, { setWeight: 5 }, { pause: { duration: 10m } },
                    { analysis: {} }, { setCanaryScale: { weight: 50 } }, { setWeight: 25 },
                    { pause: {} }, { setCanaryScale: { matchTrafficWeight: true } },
                    { setMirrorRoute: { percentage: 0 } }, { setWeight: 50 }, { analysis: {} } ] }",
    ),
];

#[test]
fn every_good_manifest_is_its_strategy_written_by_hand() {
    let mut stems: Vec<String> = fs::read_dir(GOOD)
        .expect("tests/data/manifests")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned))
        .collect();
    stems.sort();
    let mut listed: Vec<&str> = SAME_AS.iter().map(|row| row.0).collect();
    listed.sort();
    assert_eq!(stems, listed, "{GOOD} and SAME_AS must list the same files");
    for (stem, by_hand) in SAME_AS {
        let read = parse_in(GOOD, &format!("  - {{ fromManifest: {stem}.yaml }}\n"))
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        let written = parse_in(GOOD, &format!("  - {by_hand}\n"))
            .unwrap_or_else(|e| panic!("{stem} by hand: {e}"));
        assert_eq!(read.strategies, written.strategies, "{stem}");
    }
}

const SHIPPED: &str = "scenarios/checkout-api-manifests.yaml";

/// The shipped scenario's strategies as written by hand: checkout-api.yaml's.
const SHIPPED_BY_HAND: &str = "strategies:
  - { name: recreate, type: Recreate }
  - { name: rolling, type: RollingUpdate, maxSurge: 25%, maxUnavailable: 25%, minReadySeconds: 0, progressDeadlineSeconds: 600, revisionHistoryLimit: 10 }
  - name: blue-green
    type: BlueGreen
    autoPromotionSeconds: 300
    prePromotionAnalysis: { smokeTestCatchRate: 60% }
    postPromotionAnalysis: true
    scaleDownDelaySeconds: 1800
  - name: canary
    type: Canary
    trafficRouting: true
    steps: [ { setWeight: 5 }, { pause: { duration: 10m } }, { setWeight: 25 }, { pause: { duration: 10m } }, { setWeight: 50 }, { pause: { duration: 10m } } ]
    analysis: { startingStep: 1 }
    autoRollback: true
";

/// `run --format json` at a fixed seed and number of runs.
fn run_json(scenario: &Path) -> Vec<u8> {
    let opts = RunOptions {
        scenario: scenario.to_path_buf(),
        runs: Some(300),
        seed: Some(7),
        format: Format::Json,
        ..RunOptions::default()
    };
    let mut out = Vec::new();
    commands::run(&opts, &mut out).unwrap_or_else(|e| panic!("{}: {e}", scenario.display()));
    out
}

#[test]
fn the_shipped_manifests_run_exactly_as_their_strategies_written_by_hand() {
    let text = fs::read_to_string(SHIPPED).expect("the shipped scenario");
    let start = text.find("strategies:").expect("strategies");
    let end = text.find("monteCarlo:").expect("monteCarlo");
    let by_hand = format!("{}{SHIPPED_BY_HAND}{}", &text[..start], &text[end..]);
    let dir = Scratch::new("manifests-by-hand");
    fs::create_dir_all(dir.path()).expect("scratch dir");
    let by_hand_path = dir.path().join("checkout-api-manifests.yaml");
    fs::write(&by_hand_path, &by_hand).expect("written");
    let read = scenario::load(Path::new(SHIPPED)).unwrap_or_else(|e| panic!("{e}"));
    let written = scenario::load(&by_hand_path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read, written);
    let (a, b) = (run_json(Path::new(SHIPPED)), run_json(&by_hand_path));
    assert!(a == b, "the summaries differ");
    // Every strategy is checkout-api.yaml's own.
    let checkout = scenario::load(Path::new("scenarios/checkout-api.yaml")).expect("checkout-api");
    for name in ["recreate", "rolling", "blue-green", "canary"] {
        let find = |s: &Scenario| s.strategies.iter().find(|x| x.name == name).cloned();
        assert_eq!(find(&read), find(&checkout), "{name}");
    }
}

#[test]
fn validate_shows_the_shipped_manifests_resolved() {
    let shown = ok(&["validate", SHIPPED]);
    assert!(!shown.contains("fromManifest"), "{shown}");
    let again = scenario::parse(&shown, "rendered.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(Ok(again), scenario::load(Path::new(SHIPPED)));
}
