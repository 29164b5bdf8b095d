//! The four failure patterns of `scenarios/patterns/`, each against its
//! companion: the direction and rough size of the harm, at fixed seeds.

use serde_json::Value;

use crate::common::{num, outcome};

fn summary(file: &str, runs: u64) -> Value {
    crate::common::summary(&format!("patterns/{file}"), runs, &[])
}

/// Breaking migration first fails at least 10× more requests than the same
/// change as expand/contract, and rolling back over it loses data.
#[test]
fn breaking_migration_first_vs_expand_contract() {
    let bad = summary("breaking-migration-first.yaml", 600);
    let good = summary("expand-contract.yaml", 600);
    for name in ["rolling", "canary"] {
        let (b, g) = (
            num(&bad, name, "all", "failed_requests", "mean"),
            num(&good, name, "all", "failed_requests", "mean"),
        );
        assert!(
            b >= 10.0 * g,
            "{name}: breaking-first {b} vs expand/contract {g}"
        );
        assert!(outcome(&bad, name, "data_loss") > 0, "{name}");
        assert_eq!(outcome(&good, name, "data_loss"), 0, "{name}");
    }
}

/// Without metrics a canary's bad releases hurt at least 5× more.
#[test]
fn canary_without_observability_vs_with() {
    let blind = summary("canary-without-observability.yaml", 1500);
    let seeing = summary("canary-with-observability.yaml", 1500);
    let (b, s) = (
        num(&blind, "canary", "given_bad", "failed_requests", "mean"),
        num(&seeing, "canary", "given_bad", "failed_requests", "mean"),
    );
    assert!(b >= 5.0 * s, "blind {b} vs seeing {s}");
}

/// No rollback path: a mutable tag, no history, an evicted image and blue
/// already gone make going back slower by a rebuild or a redeploy.
#[test]
fn no_rollback_path_vs_fast_rollback_path() {
    let slow = summary("no-rollback-path.yaml", 1500);
    let fast = summary("fast-rollback-path.yaml", 1500);
    let rb = |s: &Value, n| num(s, n, "given_bad", "rollback_time_s", "p50");
    assert!(
        rb(&slow, "rolling") >= rb(&fast, "rolling") + 600.0,
        "a rebuild or redeploy takes minutes"
    );
    // Blue stays at full size while the post-promotion analysis runs, so
    // the defects it catches switch back to a warm blue in both (p50 2 s);
    // those found later find blue gone in the slow scenario.
    let rb95 = |s: &Value, n| num(s, n, "given_bad", "rollback_time_s", "p95");
    assert!(
        rb95(&slow, "blue-green") >= rb95(&fast, "blue-green") + 600.0,
        "blue from cold"
    );
    let failed = |s: &Value, n| num(s, n, "given_bad", "failed_requests", "mean");
    assert!(failed(&slow, "rolling") > 1.5 * failed(&fast, "rolling"));
}

/// One strategy for every service: the strategy with the smallest blast
/// radius changes from service to service.
#[test]
fn one_strategy_does_not_fit_every_service() {
    let winner = |file: &str| {
        let s = summary(&format!("one-size/{file}"), 1000);
        let runs = s["runs"].as_u64().unwrap();
        let names = ["rolling", "blue-green", "canary"];
        let w = names
            .iter()
            .filter(|n| outcome(&s, n, "stalled") * 2 < runs)
            .min_by(|a, b| {
                let fa = num(&s, a, "given_bad", "failed_requests", "mean");
                let fb = num(&s, b, "given_bad", "failed_requests", "mean");
                fa.total_cmp(&fb)
            })
            .unwrap()
            .to_string();
        (w, s)
    };
    let (storefront, _) = winner("storefront-api.yaml");
    let (ledger, _) = winner("ledger.yaml");
    let (_, batch) = winner("batch-scheduler.yaml");
    assert_eq!(storefront, "canary");
    assert_eq!(ledger, "blue-green");
    let runs = batch["runs"].as_u64().unwrap();
    assert!(
        outcome(&batch, "blue-green", "stalled") * 10 > runs * 9,
        "no room for a second stack"
    );
}
