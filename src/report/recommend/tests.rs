//! `recommend`'s answers in words: each check's sentence, the headline and
//! the reason, the notes, the text and the JSON.

use super::*;
use crate::recommend::fixtures::{BASE, FIGURES, check, run, sc, shipped, stat, with};
use crate::recommend::{Item, needs, recommend};
use crate::scenario::parse;
use crate::stats::Summary;
use crate::trial::{Metric, PerMetric};

/// The words of the check of `item` for `strategy`.
fn said(rec: &Recommendation, strategy: &str, item: Item) -> String {
    let s = rec.strategies.iter().find(|s| s.name == strategy).unwrap();
    check_words(check(rec, strategy, item), &s.capacity)
}

#[test]
fn a_figure_equal_to_its_limit_meets_it() {
    let rec = recommend(&sc("{ maxFailedRequests: 1000 }"), &run([FIGURES; 4]));
    assert_eq!(
        said(&rec, "rolling", Item::MaxFailedRequests),
        "1,000 ≤ 1,000"
    );
}

#[test]
fn a_borderline_verdict_gives_the_interval_and_is_noted() {
    let mut summary = run([FIGURES; 4]);
    summary.strategies[0].given_bad[Metric::FailedRequests].p95_ci95 = Some([800.0, 1300.0]);
    let rec = recommend(&sc("{ maxFailedRequests: 1000 }"), &summary);
    assert_eq!(
        said(&rec, "recreate", Item::MaxFailedRequests),
        "1,000 ≤ 1,000; borderline: the p95's 95% CI 800–1,300 holds the limit"
    );
    assert!(
        notes(&rec)
            .iter()
            .any(|n| n.starts_with("Under recreate the verdict on maxFailedRequests is borderline")),
        "{:?}",
        notes(&rec)
    );
}

#[test]
fn a_broken_limit_says_by_how_much() {
    let double = with(|f| f.failed = 2000.0);
    let rec = recommend(
        &sc("{ maxFailedRequests: 1000 }"),
        &run([double, FIGURES, FIGURES, FIGURES]),
    );
    assert_eq!(
        said(&rec, "recreate", Item::MaxFailedRequests),
        "2,000 > 1,000 (2×, +1,000)"
    );
    let text = text(&rec);
    assert!(
        text.contains("recreate (Recreate) — breaks maxFailedRequests (2×)"),
        "{text}"
    );
    let slow = with(|f| f.recover_s = 5400.0);
    let rec = recommend(&sc("{ maxTimeToRecover: 15m }"), &run([slow; 4]));
    assert_eq!(
        said(&rec, "rolling", Item::MaxTimeToRecover),
        "1.5 h > 15 min (6×, +1.2 h)"
    );
    let burn = with(|f| f.burn = 0.33);
    let rec = recommend(&sc("{ maxErrorBudgetBurn: 10% }"), &run([burn; 4]));
    assert_eq!(
        said(&rec, "rolling", Item::MaxErrorBudgetBurn),
        "33% > 10% (3.3×, +23%)"
    );
}

#[test]
fn a_limit_of_zero_has_an_excess_but_no_ratio() {
    let rec = recommend(&sc("{ maxFailedRequests: 0 }"), &run([FIGURES; 4]));
    assert_eq!(
        said(&rec, "rolling", Item::MaxFailedRequests),
        "1,000 > 0 (+1,000)"
    );
}

#[test]
fn capabilities_say_who_needs_what() {
    let rec = recommend(
        &sc("{ trafficRouter: false, metrics: false }"),
        &run([FIGURES; 4]),
    );
    assert_eq!(
        said(&rec, "canary", Item::TrafficRouter),
        "needs a traffic router; constraints say there is none"
    );
    assert_eq!(said(&rec, "rolling", Item::TrafficRouter), "needs none");
    assert_eq!(
        said(&rec, "rolling", Item::Metrics),
        "no metric analysis in the rollout"
    );
    let rec = recommend(&sc("{ trafficRouter: true }"), &run([FIGURES; 4]));
    assert_eq!(
        said(&rec, "canary", Item::TrafficRouter),
        "needs a traffic router: there is one"
    );
    let rec = recommend(&sc("{ maxCost: 5 }"), &run([FIGURES; 4]));
    assert_eq!(
        said(&rec, "canary", Item::TrafficRouter),
        "needs a traffic router"
    );
}

#[test]
fn fit_cluster_says_the_headroom() {
    let tight = with(|f| f.fits = false);
    let rec = recommend(&sc("{ fitCluster: true }"), &run([tight; 4]));
    let words = said(&rec, "rolling", Item::FitCluster);
    assert!(
        words.starts_with("pods wait for room: +5 CPU, +10 GiB"),
        "{words}"
    );
    assert!(words.ends_with("; constraints say it must fit"), "{words}");
    let rec = recommend(&sc("{ maxCost: 5 }"), &run([FIGURES; 4]));
    assert_eq!(
        said(&rec, "rolling", Item::FitCluster),
        "fits: +5 CPU, +10 GiB at the peak"
    );
}

#[test]
fn the_headline_and_reason_name_what_decided() {
    let c = "{ maxFailedRequests: 5000 }";
    let safer = with(|f| f.failed = 10.0);
    let rec = recommend(&sc(c), &run([FIGURES, FIGURES, FIGURES, safer]));
    assert!(headline(&rec).starts_with("Recommended: recreate (Recreate)"));
    let worse = with(|f| f.failed = 3000.0);
    let rec = recommend(&sc(c), &run([worse, FIGURES, FIGURES, FIGURES]));
    let why = reason(&rec);
    assert!(why.contains("p95 1,000 against 3,000"), "{why}");
    let dear = with(|f| f.pod_hours = 4.0);
    let rec = recommend(&sc(c), &run([FIGURES, dear, FIGURES, FIGURES]));
    let why = reason(&rec);
    assert!(why.contains("pod-hours"), "{why}");
    let bad = with(|f| f.failed = 9000.0);
    let rec = recommend(&sc(c), &run([bad, bad, FIGURES, FIGURES]));
    let why = reason(&rec);
    assert!(why.contains("canary is high"), "{why}");
}

#[test]
fn when_all_break_the_closest_is_named_plainly() {
    let c = "{ maxFailedRequests: 1000, maxTimeToRecover: 10m }";
    let one = with(|f| f.failed = 3000.0);
    let one_less = with(|f| f.failed = 1500.0);
    let two = with(|f| {
        f.failed = 1100.0;
        f.recover_s = 700.0;
    });
    let rec = recommend(&sc(c), &run([two, one, one_less, two]));
    assert_eq!(
        headline(&rec),
        "No strategy meets every constraint. Closest: blue-green (BlueGreen), which breaks \
         maxFailedRequests (1.5×)."
    );
    assert!(reason(&rec).contains("by less: at worst 1.5× the limit, against 3×"));
    let rec = recommend(&sc(c), &run([two, two, one, two]));
    assert!(reason(&rec).starts_with("It breaks the fewest constraints: 1, against 2"));
}

#[test]
fn without_constraints_it_says_how_to_add_them() {
    let low = with(|f| f.burn = 0.001);
    let rec = recommend(&sc(""), &run([FIGURES, FIGURES, low, FIGURES]));
    assert!(headline(&rec).contains("sets no constraints"));
    assert!(notes(&rec)[0].contains("no `constraints` section"));
    let stuck = with(|f| {
        f.burn = 0.0;
        f.stalled = 990;
    });
    let rec = recommend(&sc(""), &run([FIGURES, FIGURES, stuck, FIGURES]));
    assert!(
        text(&rec).contains("breaks deploys (99% of good releases stay out)"),
        "{}",
        text(&rec)
    );
    // 890 of 900: Wilson 97.97–99.40%.
    assert_eq!(
        said(&rec, "blue-green", Item::Deploys),
        "98.9% (95% CI 98–99.4%) of good releases do not go out: it does not deploy"
    );
    // Alone in deploying, it is not alone in the run.
    let rec = recommend(&sc(""), &run([FIGURES, stuck, stuck, stuck]));
    assert!(
        text(&rec).contains("It is the only strategy that deploys."),
        "{}",
        text(&rec)
    );
}

#[test]
fn recovery_beyond_the_horizon_is_said() {
    let mut summary = run([FIGURES; 4]);
    let mut missing = PerMetric::<Summary>::default();
    missing[Metric::FailedRequests] = stat(100, 10.0);
    missing[Metric::TimeToRecover] = stat(60, 600.0);
    summary.strategies[0].given_bad = missing;
    let rec = recommend(&sc("{ maxTimeToRecover: 1h }"), &summary);
    assert_eq!(
        said(&rec, "recreate", Item::MaxTimeToRecover),
        "beyond the 24 h horizon: 40% of bad releases not recovered within it"
    );
    // A few unrecovered: the figure, and how many.
    missing = PerMetric::<Summary>::default();
    missing[Metric::FailedRequests] = stat(100, 10.0);
    missing[Metric::TimeToRecover] = stat(97, 600.0);
    summary.strategies[0].given_bad = missing;
    let rec = recommend(&sc("{ maxTimeToRecover: 1h }"), &summary);
    assert_eq!(
        said(&rec, "recreate", Item::MaxTimeToRecover),
        "10 min ≤ 1 h (3 of 100 bad releases not recovered within 24 h)"
    );
}

#[test]
fn text_leads_with_the_recommendation() {
    let rec = recommend(&sc("{ maxFailedRequests: 5000 }"), &run([FIGURES; 4]));
    let text = text(&rec);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "t — 1,000 trials per strategy, seed 1, 100 with a bad release"
    );
    assert_eq!(
        lines[2],
        "Recommended: recreate (Recreate) — it meets every constraint."
    );
    assert!(text.contains("recreate (Recreate) — best fit: meets every constraint"));
    assert!(
        text.contains("  met     failed requests, bad release, p95"),
        "{text}"
    );
}

#[test]
fn json_carries_the_verdicts_and_their_words() {
    let rec = recommend(&sc("{ maxFailedRequests: 5000 }"), &run([FIGURES; 4]));
    let json: serde_json::Value =
        serde_json::from_str(&json(&rec).expect("serializes")).expect("JSON");
    assert_eq!(json["best"], "recreate");
    assert_eq!(json["meets_all"], true);
    assert_eq!(json["strategies"][3]["complexity"], "high");
    let first = &json["strategies"][0]["checks"][0];
    assert_eq!(first["key"], "maxFailedRequests");
    assert_eq!(first["status"], "met");
    assert_eq!(first["text"], "1,000 ≤ 5,000");
    assert_eq!(json["strategies"][0]["broken"], serde_json::json!([]));
}

#[test]
fn schema_changes_are_described() {
    let text = format!("{BASE}schemaChange: {{ kind: breaking }}\n");
    let s = parse(&text, "t.yaml").expect("parses");
    let rec = recommend(&s, &run([FIGURES; 4]));
    let said = rec
        .schema_change
        .as_ref()
        .map(schema_words)
        .expect("a schema change");
    assert!(said.starts_with(
        "breaking change before the rollout: every request still reaching the old version fails"
    ));
    assert!(said.contains("not reversible"), "{said}");
}

#[test]
fn needs_in_words() {
    let s = sc("");
    let n: Vec<Needs> = s.strategies.iter().map(|st| needs(&s, st)).collect();
    assert_eq!(needs_words(&n[1]), "nothing beyond a Deployment");
    assert_eq!(needs_words(&n[2]), "metrics, 2× capacity");
    assert_eq!(
        needs_words(&n[3]),
        "traffic router, metrics, 2× capacity, 1 human step"
    );
    assert_eq!(
        needs_words(&shipped("checkout-api.yaml", "canary-no-router")),
        "metrics"
    );
    let controller_only = Needs {
        rollout_controller: true,
        ..Needs::default()
    };
    assert_eq!(
        needs_words(&controller_only),
        "a rollout controller, nothing else"
    );
}

#[test]
fn a_tie_within_the_noise_is_called_a_tie_and_stability_is_said() {
    // Recreate's p95 of failed requests 900 (95% CI 800–1,100) against
    // rolling's 1,000 (850–1,200), and nothing else apart.
    let mut summary = run([with(|f| f.failed = 900.0), FIGURES, FIGURES, FIGURES]);
    summary.strategies[0].given_bad[Metric::FailedRequests].p95_ci95 = Some([800.0, 1100.0]);
    summary.strategies[1].given_bad[Metric::FailedRequests].p95_ci95 = Some([850.0, 1200.0]);
    let mut rec = recommend(&sc("{ maxFailedRequests: 5000 }"), &summary);
    rec.stability = crate::recommend::Stability::of(
        Some("recreate"),
        &[Some("recreate".to_owned()), Some("rolling".to_owned())],
        500,
    );
    let why = reason(&rec);
    assert!(
        why.starts_with(
            "Of the 4 strategies that break no constraint, it and rolling tie: no figure sets \
             them apart beyond the noise"
        ),
        "{why}"
    );
    assert!(
        why.contains(
            "named first on its estimate of failed requests given a bad release (p95 900 \
             (95% CI 800–1,100) against 1,000 (850–1,200) under rolling)"
        ),
        "{why}"
    );
    assert!(
        why.ends_with("The same pick wins 1 of 2 batches of 500 trials (50%)."),
        "{why}"
    );
    let json: serde_json::Value = serde_json::from_str(&json(&rec).expect("json")).expect("parse");
    assert_eq!(json["tie"], true);
    assert_eq!(
        json["margin"]["within_noise"],
        "failed_requests_given_bad_p95"
    );
    assert_eq!(
        json["margin"]["best_ci95"],
        serde_json::json!([800.0, 1100.0])
    );
    assert_eq!(json["stability"]["same"], 1);
}

#[test]
fn too_few_bad_releases_say_so_instead_of_a_pick() {
    let mut summary = run([FIGURES; 4]);
    for s in &mut summary.strategies {
        s.given_bad[Metric::FailedRequests].count = 12;
    }
    let rec = recommend(&sc(""), &summary);
    assert!(headline(&rec).starts_with("No pick: only 12 trials had a bad release"));
    assert_eq!(reason(&rec), "");
    assert!(
        notes(&rec)
            .iter()
            .any(|n| n.contains("too rough to name a winner"))
    );
}

#[test]
fn a_tie_on_every_estimate_names_the_scenario_order() {
    let rec = recommend(&sc("{ maxFailedRequests: 5000 }"), &run([FIGURES; 4]));
    assert_eq!(
        reason(&rec),
        "Of the 4 strategies that break no constraint, it and rolling tie: no figure sets them \
         apart beyond the noise (95% intervals); it comes first in the scenario; more runs may \
         part them."
    );
}
