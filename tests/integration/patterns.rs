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
/// radius changes from service to service. 1,000 trials, 500 of them bad
/// releases (stratified sampling); winners are told apart by the 95%
/// intervals of their given-bad means.
#[test]
fn one_strategy_does_not_fit_every_service() {
    let bad_mean = |s: &Value, n: &str| {
        let ci = &crate::common::strategy(s, n)["given_bad"]["failed_requests"]["ci95"];
        let lo = ci[0].as_f64().expect("an interval");
        let hi = ci[1].as_f64().expect("an interval");
        (num(s, n, "given_bad", "failed_requests", "mean"), lo, hi)
    };
    // `a` beats `b` beyond the noise: their intervals do not meet.
    let beats = |s: &Value, a: &str, b: &str| bad_mean(s, a).2 < bad_mean(s, b).1;
    let storefront = summary("one-size/storefront-api.yaml", 1000);
    let ledger = summary("one-size/ledger.yaml", 1000);
    let batch = summary("one-size/batch-scheduler.yaml", 1000);
    // The busy API: canary and blue-green both see a bad release early and
    // tie (their intervals overlap); either beats rolling.
    for n in ["canary", "blue-green"] {
        assert!(beats(&storefront, n, "rolling"), "storefront {n}");
    }
    let (c, g) = (
        bad_mean(&storefront, "canary"),
        bad_mean(&storefront, "blue-green"),
    );
    assert!(c.1 <= g.2 && g.1 <= c.2, "storefront: {c:?} {g:?}");
    // The ledger: blue-green's instant switch back beats both.
    for n in ["canary", "rolling"] {
        assert!(beats(&ledger, "blue-green", n), "ledger {n}");
    }
    // The batch scheduler: no room for a second stack, so blue-green stalls
    // (no good release goes out) and the canary beats rolling.
    let stalled = crate::common::strategy(&batch, "blue-green")["outcome_shares"]["stalled"]
        .as_f64()
        .expect("a share");
    assert!(stalled > 0.9, "no room for a second stack: {stalled}");
    assert!(beats(&batch, "canary", "rolling"), "batch-scheduler");
}
