//! `deploysim recommend` on the real scenarios: the recommendation names a
//! strategy, the JSON has its documented fields, results do not depend on
//! the thread count, and bad input exits 2 with the location.

use std::path::Path;

use deploysim::commands::{self, RecommendOptions};
use serde_json::Value;

use crate::common::{bad_input, deploysim, ok};

const CHECKOUT: &str = "scenarios/checkout-api.yaml";

const STRATEGIES: [&str; 6] = [
    "recreate",
    "rolling",
    "blue-green",
    "canary",
    "canary-no-router",
    "canary-flagger",
];

#[test]
fn text_names_the_best_strategy_and_every_other() {
    let text = ok(&["recommend", CHECKOUT, "--runs", "300", "--seed", "7"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("checkout-api — 300 trials per strategy, seed 7"));
    let verdict = lines[2];
    let named = STRATEGIES.iter().any(|s| {
        verdict.contains(&format!(": {s} (")) || verdict.contains(&format!("Closest: {s} ("))
    });
    assert!(named, "no strategy named in {verdict:?}");
    for s in STRATEGIES {
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("{s} ("))),
            "no block for {s}:\n{text}"
        );
    }
    assert!(
        text.contains("needs a traffic router: there is one"),
        "{text}"
    );
    assert!(text.contains("Schema change: none."), "{text}");
}

#[test]
fn json_has_the_documented_fields() {
    let out = ok(&[
        "recommend",
        CHECKOUT,
        "--runs",
        "300",
        "--seed",
        "7",
        "--format",
        "json",
    ]);
    let rec: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(rec["scenario"], "checkout-api");
    assert_eq!(
        (rec["runs"].as_u64(), rec["seed"].as_u64()),
        (Some(300), Some(7))
    );
    assert_eq!(rec["constrained"], true);
    assert!(rec["bad_trials"].as_u64().is_some());
    assert!(rec["meets_all"].is_boolean());
    assert!(rec["headline"].as_str().is_some_and(|h| !h.is_empty()));
    assert!(rec["reason"].is_string() && rec["notes"].is_array());
    assert!(rec["schema_change"].is_null());
    let best = rec["best"].as_str().expect("a best strategy");
    assert!(STRATEGIES.contains(&best), "{best}");
    let strategies = rec["strategies"].as_array().expect("strategies");
    let names: Vec<&str> = strategies
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, STRATEGIES);
    for s in strategies {
        for key in [
            "traffic_router",
            "metrics",
            "second_environment",
            "rollout_controller",
        ] {
            assert!(s["needs"][key].is_boolean(), "{key}: {s}");
        }
        assert!(s["needs"]["human_steps"].is_u64());
        assert!(["low", "medium", "high"].contains(&s["complexity"].as_str().unwrap()));
        assert!(s["capacity"]["fits_p95"].is_boolean());
        assert!(s["broken"].is_array() && s["data_loss"].is_u64());
        let checks = s["checks"].as_array().expect("checks");
        let keys: Vec<&str> = checks.iter().filter_map(|c| c["key"].as_str()).collect();
        assert_eq!(
            keys,
            [
                "maxFailedRequests",
                "maxAffectedUsers",
                "maxErrorBudgetBurn",
                "maxTimeToRecover",
                "trafficRouter",
                "metrics",
                "maxExtraPodHours",
                "maxCost",
                "fitCluster",
                "deploys",
            ]
        );
        for c in checks {
            let status = c["status"].as_str().unwrap();
            assert!(["met", "broken", "no_limit", "not_measured"].contains(&status));
            assert!(c["text"].as_str().is_some_and(|t| !t.is_empty()));
            assert!(c["measure"].is_string());
        }
    }
    // The canary needs the router the constraints say exists.
    let canary = &strategies[3];
    assert_eq!(canary["complexity"], "high");
    assert_eq!(canary["checks"][4]["status"], "met");
    assert_eq!(canary["checks"][4]["limit"], true);
}

#[test]
fn results_do_not_depend_on_threads() {
    let args = |t: &'static str| ["recommend", CHECKOUT, "--runs", "200", "--threads", t];
    assert_eq!(ok(&args("1")), ok(&args("2")));
}

#[test]
fn bad_constraints_and_arguments_exit_2() {
    let file = "tests/data/bad/constraints_negative_failed_requests.yaml";
    let line = bad_input(&["recommend", file]);
    assert!(
        line.starts_with(&format!("deploysim: {file}:12:")),
        "{line}"
    );
    assert!(line.contains("constraints.maxFailedRequests: expected a number of at least 0"));
    let line = bad_input(&["recommend", CHECKOUT, "--runs", "0"]);
    assert!(line.contains("--runs must be at least 1"), "{line}");
    let clap = deploysim()
        .args(["recommend", CHECKOUT, "--format", "csv"])
        .output()
        .expect("deploysim runs");
    assert_eq!(clap.status.code(), Some(2));
}

/// Every shipped scenario gets a recommendation that names one of its strategies.
#[test]
fn every_shipped_scenario_gets_an_answer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = Vec::new();
    for dir in [
        root.clone(),
        root.join("patterns"),
        root.join("patterns/one-size"),
    ] {
        for e in std::fs::read_dir(&dir).expect("scenarios/") {
            let path = e.expect("entry").path();
            if path.extension().is_some_and(|x| x == "yaml") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 14, "{files:?}");
    for path in files {
        let opts = RecommendOptions {
            scenario: path.clone(),
            runs: Some(64),
            json: true,
            ..RecommendOptions::default()
        };
        let mut out = Vec::new();
        commands::recommend(&opts, &mut out).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let rec: Value = serde_json::from_slice(&out).expect("JSON");
        let best = rec["best"].as_str().expect("a best strategy");
        let names: Vec<&str> = rec["strategies"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["name"].as_str())
            .collect();
        assert!(names.contains(&best), "{}: {best}", path.display());
    }
}

/// `recommend` computes and `report` words it: no file of the study
/// imports the renderers (they import its types, never the reverse).
#[test]
fn recommend_never_imports_report() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/recommend");
    let mut files = 0;
    for e in std::fs::read_dir(&dir).expect("src/recommend/") {
        let path = e.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("readable");
        for line in text.lines().filter(|l| l.trim_start().starts_with("use ")) {
            assert!(!line.contains("report"), "{}: {line}", path.display());
        }
        assert!(!text.contains("crate::report::"), "{}", path.display());
        files += 1;
    }
    assert!(files >= 4, "{files} files in src/recommend");
}
