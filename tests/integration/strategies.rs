//! Blue-Green and Canary on the shipped scenarios: the measured direction
//! and rough size of each strategy's advantage, at fixed seeds.

use std::path::Path;

use deploysim::commands::{self, TraceOptions};
use serde_json::Value;

use crate::common::{outcome, strategy, summary};

fn mean_failed_given_bad(s: &Value, name: &str) -> f64 {
    crate::common::num(s, name, "given_bad", "failed_requests", "mean")
}

/// With metrics a routed canary catches bad releases on a small share of
/// traffic: at least 10× fewer failed requests than a rolling update.
/// Without metrics its analysis is blind and users report the defect after
/// the same exposure either way: it keeps at least half of rolling's harm
/// (the rest is what keeping stable at full size saves: no maxUnavailable
/// overload, no stalled rollout holding capacity).
#[test]
fn a_canary_helps_only_with_metrics() {
    let with = summary("checkout-api.yaml", 3000, &["rolling", "canary"]);
    let (r, c) = (
        mean_failed_given_bad(&with, "rolling"),
        mean_failed_given_bad(&with, "canary"),
    );
    assert!(c * 10.0 < r, "with metrics: canary {c} vs rolling {r}");
    let without = summary("checkout-api-no-metrics.yaml", 3000, &["rolling", "canary"]);
    let (r, c) = (
        mean_failed_given_bad(&without, "rolling"),
        mean_failed_given_bad(&without, "canary"),
    );
    assert!(c >= 0.5 * r, "without metrics: canary {c} vs rolling {r}");
    assert_eq!(
        outcome(&without, "canary", "false_rollback"),
        0,
        "blind analysis never objects"
    );
}

/// Strict checks on noisy metrics roll good releases back; Flagger's
/// threshold of 5 failed checks almost never does.
#[test]
fn noisy_checks_cost_false_rollbacks() {
    let s = summary(
        "checkout-api.yaml",
        3000,
        &["canary", "canary-flagger", "rolling"],
    );
    assert!(outcome(&s, "canary", "false_rollback") > 0);
    assert_eq!(outcome(&s, "rolling", "false_rollback"), 0);
    assert!(
        outcome(&s, "canary-flagger", "false_rollback") < outcome(&s, "canary", "false_rollback")
    );
}

/// A low-traffic canary has no data at each check: `inconclusive` waits for
/// a person every time (slow, never rolls back on noise); `pass` goes on.
#[test]
fn a_low_traffic_canary_follows_on_no_data() {
    let s = summary(
        "admin-console.yaml",
        1000,
        &["canary", "canary-pass-on-no-data"],
    );
    let dur = |n| {
        strategy(&s, n)["all"]["deploy_duration_s"]["p50"]
            .as_f64()
            .unwrap()
    };
    assert!(
        dur("canary") > dur("canary-pass-on-no-data") + 600.0,
        "people in the loop take minutes"
    );
    let opts = TraceOptions {
        scenario: Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/admin-console.yaml"),
        strategy: "canary".into(),
        ..TraceOptions::default()
    };
    let sc = deploysim::scenario::load(&opts.scenario).unwrap();
    let t = commands::build_trace(&sc, &opts).unwrap();
    assert!(t.events.iter().any(|e| e.event == "human_answers"));
    assert!(t.events.iter().any(|e| e.detail.ends_with("Inconclusive")));
}

/// Blue-Green keeps a second stack: its extra pod-hours are about
/// replicas × (time to Ready + scaleDownDelay) per rollout, and its bad
/// releases mostly never reach users.
#[test]
fn blue_green_pays_in_pods_for_a_fast_way_back() {
    let s = summary("checkout-api.yaml", 2000, &["blue-green", "rolling"]);
    let bg = strategy(&s, "blue-green");
    let extra = bg["all"]["extra_pod_hours"]["p50"].as_f64().unwrap();
    // 40 pods × (≈ 1 min to Ready + 5 min auto-promotion + 30 min scale-down delay).
    assert!((20.0..30.0).contains(&extra), "{extra}");
    assert!(bg["given_bad"]["rollback_time_s"]["p50"].as_f64().unwrap() < 5.0);
    assert!(mean_failed_given_bad(&s, "blue-green") * 5.0 < mean_failed_given_bad(&s, "rolling"));
}
