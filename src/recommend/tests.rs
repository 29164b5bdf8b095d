//! The verdicts: statuses, ratios, the pick and why, and the needs — as
//! numbers and enums (their words are tested in `report::recommend`).

use super::fixtures::{BASE, FIGURES, Figures, best, check, run, sc, shipped, stat, with};
use super::*;
use crate::montecarlo::RunSummary;
use crate::scenario::{CanaryStep, parse};
use crate::stats::Summary;
use crate::strategy::canary::routing_at_step;
use crate::trial::PerMetric;
use crate::trial::{Metric, Outcome};

fn keys(s: &StrategyVerdict) -> Vec<&'static str> {
    s.broken().map(|c| c.item.key()).collect()
}

#[test]
fn a_figure_equal_to_its_limit_meets_it() {
    let rec = recommend(&sc("{ maxFailedRequests: 1000 }"), &run([FIGURES; 4]));
    let c = check(&rec, "rolling", Item::MaxFailedRequests);
    assert_eq!(c.status, Status::Met);
    assert_eq!(c.measured, Some(Value::Number(1000.0)));
    assert!(rec.meets_all());
}

#[test]
fn a_broken_limit_says_by_how_much() {
    let double = with(|f| f.failed = 2000.0);
    let rec = recommend(
        &sc("{ maxFailedRequests: 1000 }"),
        &run([double, FIGURES, FIGURES, FIGURES]),
    );
    let c = check(&rec, "recreate", Item::MaxFailedRequests);
    assert_eq!(c.status, Status::Broken);
    assert_eq!((c.ratio, c.excess), (Some(2.0), Some(1000.0)));
    assert_eq!(keys(&rec.strategies[0]), ["maxFailedRequests"]);
    let slow = with(|f| f.recover_s = 5400.0);
    let rec = recommend(&sc("{ maxTimeToRecover: 15m }"), &run([slow; 4]));
    let c = check(&rec, "rolling", Item::MaxTimeToRecover);
    assert_eq!((c.ratio, c.excess), (Some(6.0), Some(4500.0)));
    assert_eq!(c.limit, Some(Value::Number(900.0)));
}

#[test]
fn a_limit_inside_the_p95s_interval_is_borderline() {
    // Recreate's p95 failed requests is 1,000 against a limit of 1,000: met.
    // With its interval 800–1,300 the limit is inside it: borderline. A
    // point interval, or one wholly below, is clear.
    let cases = [
        (1000.0, [800.0, 1300.0], Status::Met, true),
        (1000.0, [1000.0, 1000.0], Status::Met, false),
        (900.0, [700.0, 1000.0], Status::Met, false),
        (2000.0, [1000.0, 2500.0], Status::Broken, true),
        (2000.0, [1001.0, 2500.0], Status::Broken, false),
    ];
    for (p95, ci, status, borderline) in cases {
        let mut summary = run([FIGURES; 4]);
        let s = &mut summary.strategies[0].given_bad[Metric::FailedRequests];
        s.p95 = Some(p95);
        s.p95_ci95 = Some(ci);
        let rec = recommend(&sc("{ maxFailedRequests: 1000 }"), &summary);
        let c = check(&rec, "recreate", Item::MaxFailedRequests);
        assert_eq!(
            (c.status, c.borderline),
            (status, borderline),
            "{p95} {ci:?}"
        );
        assert_eq!(c.ci95, Some(ci));
        // Recreate is the pick when it meets every limit (the simplest of
        // equals); then its borderline verdict is noted.
        if status == Status::Met {
            assert_eq!(best(&rec), Some("recreate"));
            let noted = rec.notes.contains(&Note::BestBorderline);
            assert_eq!(noted, borderline);
        }
    }
}

#[test]
fn a_limit_of_zero_has_an_excess_but_no_ratio() {
    let rec = recommend(&sc("{ maxFailedRequests: 0 }"), &run([FIGURES; 4]));
    let c = check(&rec, "rolling", Item::MaxFailedRequests);
    assert_eq!((c.status, c.ratio), (Status::Broken, None));
    assert_eq!(c.excess, Some(1000.0));
}

#[test]
fn capabilities_break_when_needed_and_missing() {
    let rec = recommend(
        &sc("{ trafficRouter: false, metrics: false }"),
        &run([FIGURES; 4]),
    );
    let c = check(&rec, "canary", Item::TrafficRouter);
    assert_eq!(c.status, Status::Broken);
    assert_eq!(
        (c.measured, c.limit),
        (Some(Value::Flag(true)), Some(Value::Flag(false)))
    );
    let status = |s, item| check(&rec, s, item).status;
    assert_eq!(status("blue-green", Item::TrafficRouter), Status::Met);
    assert_eq!(status("blue-green", Item::Metrics), Status::Broken);
    assert_eq!(status("rolling", Item::Metrics), Status::Met);
    assert_eq!(keys(&rec.strategies[3]), ["trafficRouter", "metrics"]);
    // With both, nothing breaks; unsaid, nothing is checked.
    let rec = recommend(&sc("{ trafficRouter: true }"), &run([FIGURES; 4]));
    let c = check(&rec, "canary", Item::TrafficRouter);
    assert_eq!(c.status, Status::Met);
    let rec = recommend(&sc("{ maxCost: 5 }"), &run([FIGURES; 4]));
    let c = check(&rec, "canary", Item::TrafficRouter);
    assert_eq!(c.status, Status::NoLimit);
}

#[test]
fn fit_cluster_is_a_limit_only_when_asked() {
    let tight = with(|f| f.fits = false);
    let rec = recommend(&sc("{ fitCluster: true }"), &run([tight; 4]));
    let c = check(&rec, "rolling", Item::FitCluster);
    assert_eq!(c.status, Status::Broken);
    assert_eq!(c.measured, Some(Value::Flag(false)));
    let rec = recommend(&sc("{ maxCost: 5 }"), &run([tight; 4]));
    let c = check(&rec, "rolling", Item::FitCluster);
    assert_eq!((c.status, c.limit), (Status::NoLimit, None));
}

/// The pick's basis and what set the best apart from the runner-up.
fn decided(rec: &Recommendation) -> (Basis, Option<Option<Criterion>>) {
    let p = rec.pick.expect("a pick");
    (p.basis, p.runner_up.map(|r| r.by))
}

#[test]
fn best_fit_is_the_simplest_then_the_safest_then_the_cheapest() {
    let c = "{ maxFailedRequests: 5000 }";
    let meets = |count| Basis::MeetsAll { count };
    // All meet: the simplest (Low) wins over a safer canary.
    let safer = with(|f| f.failed = 10.0);
    let rec = recommend(&sc(c), &run([FIGURES, FIGURES, FIGURES, safer]));
    assert_eq!(best(&rec), Some("recreate"));
    // Recreate and rolling are both Low: fewer failed requests decides.
    let worse = with(|f| f.failed = 3000.0);
    let rec = recommend(&sc(c), &run([worse, FIGURES, FIGURES, FIGURES]));
    assert_eq!(best(&rec), Some("rolling"));
    assert_eq!(
        decided(&rec),
        (meets(4), Some(Some(Criterion::FailedRequests)))
    );
    // Equally safe: fewer extra pod-hours decides.
    let dear = with(|f| f.pod_hours = 4.0);
    let rec = recommend(&sc(c), &run([FIGURES, dear, FIGURES, FIGURES]));
    assert_eq!(best(&rec), Some("recreate"));
    assert_eq!(
        decided(&rec),
        (meets(4), Some(Some(Criterion::ExtraPodHours)))
    );
    // Equal on everything: the scenario's order.
    let rec = recommend(&sc(c), &run([FIGURES; 4]));
    assert_eq!(decided(&rec), (meets(4), Some(None)));
    // The simple ones break the limit: the medium blue-green is next.
    let bad = with(|f| f.failed = 9000.0);
    let rec = recommend(&sc(c), &run([bad, bad, FIGURES, FIGURES]));
    assert_eq!(best(&rec), Some("blue-green"));
    assert_eq!(decided(&rec), (meets(2), Some(Some(Criterion::Complexity))));
    assert_eq!(rec.pick.and_then(|p| p.runner_up).map(|r| r.index), Some(3));
}

#[test]
fn when_all_break_the_closest_is_picked() {
    let c = "{ maxFailedRequests: 1000, maxTimeToRecover: 10m }";
    let one = with(|f| f.failed = 3000.0);
    let one_less = with(|f| f.failed = 1500.0);
    let two = with(|f| {
        f.failed = 1100.0;
        f.recover_s = 700.0;
    });
    let rec = recommend(&sc(c), &run([two, one, one_less, two]));
    assert!(!rec.meets_all());
    assert_eq!(best(&rec), Some("blue-green"));
    assert_eq!(
        decided(&rec),
        (Basis::Closest, Some(Some(Criterion::WorstRatio)))
    );
    assert_eq!(worst_ratio(&rec.strategies[2]), 1.5);
    // Fewer broken beats a smaller excess.
    let rec = recommend(&sc(c), &run([two, two, one, two]));
    assert_eq!(best(&rec), Some("blue-green"));
    assert_eq!(
        decided(&rec),
        (Basis::Closest, Some(Some(Criterion::Breaks)))
    );
}

#[test]
fn without_constraints_the_least_burn_wins() {
    let low = with(|f| f.burn = 0.001);
    let rec = recommend(&sc(""), &run([FIGURES, FIGURES, low, FIGURES]));
    assert!(!rec.constrained);
    assert_eq!(best(&rec), Some("blue-green"));
    assert_eq!(
        decided(&rec),
        (Basis::LeastBurn, Some(Some(Criterion::Burn)))
    );
    assert_eq!(rec.notes[0], Note::NoConstraints);
    // Equal burn: the simplest.
    let rec = recommend(&sc(""), &run([FIGURES; 4]));
    assert_eq!(best(&rec), Some("recreate"));
    // Blue-green burns nothing, but `stalled` of its trials stall.
    let burnless = |stalled: u64| {
        let bg = with(|f| {
            f.burn = 0.0;
            f.stalled = stalled;
        });
        recommend(&sc(""), &run([FIGURES, FIGURES, bg, FIGURES]))
    };
    // A strategy that never deploys is no answer.
    let rec = burnless(990);
    assert_eq!(best(&rec), Some("recreate"));
    assert_eq!(keys(&rec.strategies[2]), ["deploys"]);
    // The fixture's 1,000 − 990 succeeded are its 100 bad releases' share
    // of 1,000: 890 of 900 good releases stay out.
    let c = check(&rec, "blue-green", Item::Deploys);
    assert_eq!(c.measured, Some(Value::Number(890.0 / 900.0)));
    // Nor one in ten: 90 of 900 (95% CI 8.2–12.1%) is wholly over one in
    // twenty, though far from the "mostly stalls" it once took.
    let rec = burnless(190);
    assert_eq!(best(&rec), Some("recreate"));
    assert_eq!(keys(&rec.strategies[2]), ["deploys"]);
    // One in fifty goes out as a pick: 18 of 900 (1.3–3.1%).
    assert_eq!(best(&burnless(118)), Some("blue-green"));
}

#[test]
fn recovery_beyond_the_horizon_breaks_the_limit() {
    let mut summary = run([FIGURES; 4]);
    let mut missing = PerMetric::<Summary>::default();
    missing[Metric::FailedRequests] = stat(100, 10.0);
    missing[Metric::TimeToRecover] = stat(60, 600.0);
    summary.strategies[0].given_bad = missing;
    let rec = recommend(&sc("{ maxTimeToRecover: 1h }"), &summary);
    let c = check(&rec, "recreate", Item::MaxTimeToRecover);
    assert_eq!((c.status, c.measured), (Status::Broken, None));
    let u = c.unrecovered.expect("unrecovered bad releases");
    assert_eq!((u.trials, u.bad, u.share()), (40, 100, 0.4));
    assert!(u.beyond_p95());
    // Every bad release recovered: nothing to say about the horizon.
    let c = check(&rec, "rolling", Item::MaxTimeToRecover);
    assert_eq!((c.status, c.unrecovered), (Status::Met, None));
}

#[test]
fn notes_follow_the_constraints_and_the_bad_releases() {
    let rec = recommend(&sc("{ metrics: false }"), &run([FIGURES; 4]));
    // BASE has metrics: the figures assume them; 100 bad releases are few.
    assert_eq!(rec.notes, [Note::MeasuredWithMetrics, Note::FewBadReleases]);
    let text = format!("{BASE}schemaChange: {{ kind: breaking }}\n");
    let s = parse(&text, "t.yaml").expect("parses");
    let mut summary = run([FIGURES; 4]);
    summary.strategies[0].outcomes[Outcome::DataLoss] = 3;
    let rec = recommend(&s, &summary);
    assert_eq!(best(&rec), Some("recreate"));
    assert_eq!(rec.notes.last(), Some(&Note::BestLosesData));
    assert!(rec.schema_change.is_some());
}

#[test]
fn needs_and_grades_of_the_base_strategies() {
    let s = sc("");
    let n: Vec<Needs> = s.strategies.iter().map(|st| needs(&s, st)).collect();
    assert_eq!(n[0], Needs::default());
    assert_eq!(n[0].complexity(), Grade::Low);
    assert!(n[2].metrics && n[2].second_environment && !n[2].traffic_router);
    assert_eq!(n[2].complexity(), Grade::Medium);
    assert_eq!(n[3].count(), 4);
    assert_eq!(n[3].human_steps, 1);
    assert_eq!(n[3].complexity(), Grade::High);
    assert_eq!(Grade::High.name(), "high");
}

#[test]
fn needs_of_every_strategy_type_in_the_scenarios() {
    let grade = |file, name| shipped(file, name).complexity();
    let checkout = "checkout-api.yaml";
    assert_eq!(grade(checkout, "recreate"), Grade::Low);
    assert_eq!(grade(checkout, "rolling"), Grade::Low);
    let bg = shipped(checkout, "blue-green");
    assert!(bg.metrics && bg.second_environment && !bg.traffic_router);
    assert_eq!(bg.complexity(), Grade::Medium);
    let canary = shipped(checkout, "canary");
    assert!(canary.traffic_router && canary.metrics && canary.second_environment);
    assert_eq!((canary.human_steps, canary.complexity()), (0, Grade::High));
    let basic = shipped(checkout, "canary-no-router");
    assert_eq!((basic.count(), basic.metrics), (1, true));
    assert_eq!(basic.complexity(), Grade::Medium);
    let flagger = shipped(checkout, "canary-flagger");
    assert!(flagger.traffic_router && flagger.metrics && flagger.second_environment);
    // 0.4 rps at 25%: a minute holds 6 requests, below minRequests, and
    // no data is inconclusive: each analysis step waits for a person.
    assert_eq!(shipped("admin-console.yaml", "canary").human_steps, 2);
    assert_eq!(
        shipped("admin-console.yaml", "canary-pass-on-no-data").human_steps,
        0
    );
    let batch = shipped("patterns/one-size/batch-scheduler.yaml", "canary");
    assert_eq!((batch.human_steps, batch.traffic_router), (2, false));
    // Without metrics the analysis is blind: it never waits for anyone.
    let blind = shipped("checkout-api-no-metrics.yaml", "canary");
    assert_eq!(blind.human_steps, 0);
}

#[test]
fn an_analysis_sees_the_weight_or_the_mirror_the_steps_have_set() {
    let steps = [
        CanaryStep::SetMirror(30),
        CanaryStep::SetWeight(10),
        CanaryStep::SetWeight(50),
    ];
    let at = |i| {
        let r = routing_at_step(&steps, i);
        (r.weight, r.mirror)
    };
    assert_eq!(at(0), (Some(0.0), 0.3));
    assert_eq!(at(1), (Some(0.1), 0.3));
    assert_eq!(at(2), (Some(0.5), 0.3));
    // Promoted past the last step: all the weight, no mirror.
    assert_eq!(at(3), (Some(1.0), 0.0));
}

/// Rolling and recreate with their failed requests (given a bad release,
/// p95) 900 for recreate and 1,000 for rolling, each with a 95% interval
/// that holds the other's: 800–1,100 and 850–1,200.
fn close_on_failed_requests(rolling: Figures) -> RunSummary {
    let mut summary = run([with(|f| f.failed = 900.0), rolling, FIGURES, FIGURES]);
    summary.strategies[0].given_bad[Metric::FailedRequests].p95_ci95 = Some([800.0, 1100.0]);
    summary.strategies[1].given_bad[Metric::FailedRequests].p95_ci95 = Some([850.0, 1200.0]);
    summary
}

#[test]
fn a_difference_within_the_intervals_does_not_decide() {
    let c = "{ maxFailedRequests: 5000 }";
    // Both are low complexity; recreate's estimate of failed requests is
    // lower, but within the noise. Rolling takes 0.5 extra pod-hours
    // against 1 (exact figures): that decides, and rolling goes first.
    let rec = recommend(
        &sc(c),
        &close_on_failed_requests(with(|f| f.pod_hours = 0.5)),
    );
    assert_eq!(best(&rec), Some("rolling"));
    let r = rec.pick.and_then(|p| p.runner_up).expect("a runner-up");
    assert_eq!(
        (r.index, r.by, r.within_noise),
        (
            0,
            Some(Criterion::ExtraPodHours),
            Some(Criterion::FailedRequests)
        )
    );
    // Equal pod-hours too: nothing parts them. A tie, recreate first on
    // its estimate.
    let rec = recommend(&sc(c), &close_on_failed_requests(FIGURES));
    assert_eq!(best(&rec), Some("recreate"));
    let r = rec.pick.and_then(|p| p.runner_up).expect("a runner-up");
    assert!(r.tie());
    assert_eq!(
        (r.index, r.within_noise),
        (1, Some(Criterion::FailedRequests))
    );
    // Intervals apart (800–950 against 960–1,200): the estimate decides.
    let mut summary = close_on_failed_requests(FIGURES);
    summary.strategies[0].given_bad[Metric::FailedRequests].p95_ci95 = Some([800.0, 950.0]);
    summary.strategies[1].given_bad[Metric::FailedRequests].p95_ci95 = Some([960.0, 1200.0]);
    let rec = recommend(&sc(c), &summary);
    assert_eq!(
        decided(&rec),
        (
            Basis::MeetsAll { count: 4 },
            Some(Some(Criterion::FailedRequests))
        )
    );
}

#[test]
fn data_loss_over_all_releases_ranks_before_the_burn() {
    // No constraints. Blue-green burns least (0.1% against 1%), but 50 of
    // 1,000 releases end in data loss under it (Wilson 3.8–6.5%), against
    // none under the others (0–0.38%): it is not the pick.
    let low = with(|f| f.burn = 0.001);
    let mut summary = run([FIGURES, FIGURES, low, FIGURES]);
    let bg = &mut summary.strategies[2];
    bg.outcomes[Outcome::DataLoss] = 50;
    bg.outcome_shares[Outcome::DataLoss] = 0.05;
    bg.outcome_shares_ci95[Outcome::DataLoss] = crate::stats::wilson95(50, 1000);
    let rec = recommend(&sc(""), &summary);
    assert_eq!(best(&rec), Some("recreate"));
    assert!(!rec.notes.contains(&Note::BestLosesData));
    // Without the data loss it wins on the burn.
    let rec = recommend(&sc(""), &run([FIGURES, FIGURES, low, FIGURES]));
    assert_eq!(best(&rec), Some("blue-green"));
}

#[test]
fn fewer_than_30_bad_releases_name_no_winner() {
    let mut summary = run([FIGURES; 4]);
    let set_bad = |summary: &mut RunSummary, n: u64| {
        for s in &mut summary.strategies {
            s.given_bad[Metric::FailedRequests].count = n;
        }
    };
    set_bad(&mut summary, 29);
    let rec = recommend(&sc(""), &summary);
    assert_eq!((rec.pick, rec.bad_trials), (None, 29));
    assert!(rec.notes.contains(&Note::TooFewToPick));
    set_bad(&mut summary, 30);
    let rec = recommend(&sc(""), &summary);
    assert!(rec.pick.is_some());
    assert!(rec.notes.contains(&Note::FewBadReleases));
}

#[test]
fn stability_counts_the_batches_that_name_the_pick() {
    let picks =
        [Some("canary"), Some("rolling"), None, Some("canary")].map(|p| p.map(str::to_owned));
    let st = Stability::of(Some("canary"), &picks, 500).expect("batches");
    assert_eq!((st.batches, st.batch_runs, st.same), (4, 500, 2));
    assert_eq!(st.share(), 0.5);
    // One batch says nothing; no pick, nothing to weigh.
    assert_eq!(Stability::of(Some("canary"), &picks[..1], 500), None);
    assert_eq!(Stability::of(None, &picks, 500), None);
}
