//! Stratified sampling and the intervals of what decides: a trial's
//! stratum, agreement with natural sampling, and coverage measured over
//! many seeds.

use std::path::Path;

use deploysim::montecarlo::{self, Plan, Strata, StrategySummary};
use deploysim::scenario::{self, Sampling, Scenario};
use deploysim::stats::Summary;
use deploysim::trial::{Metric, Outcome};

fn load(file: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The summary of strategy `name` of `sc` at `runs` trials and `seed`.
fn summary(sc: &Scenario, name: &str, runs: u64, seed: u64) -> StrategySummary {
    let index = sc.strategies.iter().position(|s| s.name == name);
    let plan = Plan {
        runs,
        seed,
        strategies: vec![index.expect("a strategy of the scenario")],
    };
    let stats = montecarlo::run(sc, &plan, None);
    montecarlo::summarize(sc, &plan, &stats)
        .strategies
        .remove(0)
}

#[test]
fn a_trial_stratum_holds_the_share_in_every_stretch_of_trials() {
    let sc = load("internal-api.yaml");
    let strata = Strata::of(&sc);
    assert_eq!(
        strata,
        Strata::Stratified {
            bad_share: 0.5,
            bad_weight: 0.1
        }
    );
    // A half: every other trial, from trial 1.
    let bad: Vec<bool> = (0..6).map(|i| strata.stratum(i) == Some(true)).collect();
    assert_eq!(bad, [false, true, false, true, false, true]);
    // 30%: any 10 trials in a row hold 3 bad ones, give or take one, and
    // 1,000 trials exactly 300.
    let thirty = Strata::Stratified {
        bad_share: 0.3,
        bad_weight: 0.1,
    };
    let is_bad = |i: u64| u64::from(thirty.stratum(i) == Some(true));
    assert_eq!((0..1000).map(is_bad).sum::<u64>(), 300);
    for start in 0..990 {
        let n: u64 = (start..start + 10).map(is_bad).sum();
        assert!((2..=4).contains(&n), "{n} bad from trial {start}");
    }
    // One stratum (all good, or natural asked for): the release decides.
    let mut all_good = sc.clone();
    all_good.release.defect_probability = 0.0;
    assert_eq!(Strata::of(&all_good), Strata::Natural);
    let mut natural = sc.clone();
    natural.monte_carlo.sampling = Sampling::Natural;
    assert_eq!(Strata::of(&natural).stratum(1), None);
    // The run holds the share: 2,000 trials, 1,000 of them bad.
    let s = summary(&sc, "rolling", 2000, 7);
    assert_eq!(s.trials(), 2000);
    assert_eq!(s.given_bad[Metric::FailedRequests].count, 1000);
}

/// The two intervals meet.
fn agree(what: &str, a: [f64; 2], b: [f64; 2]) {
    assert!(a[0] <= b[1] && b[0] <= a[1], "{what}: {a:?} against {b:?}");
}

fn mean_ci(m: &Summary) -> [f64; 2] {
    m.ci95.expect("values")
}

fn p95_ci(m: &Summary) -> [f64; 2] {
    m.p95_ci95.expect("values")
}

/// Stratified and natural sampling estimate the same figures: at 60,000
/// natural and 30,000 stratified trials of checkout-api's rolling update
/// (4,800 and 15,000 bad releases), every interval below meets its twin.
#[test]
fn stratified_and_natural_sampling_agree_within_their_intervals() {
    let stratified = load("checkout-api.yaml");
    let mut natural = stratified.clone();
    natural.monte_carlo.sampling = Sampling::Natural;
    let s = summary(&stratified, "rolling", 30_000, 11);
    let n = summary(&natural, "rolling", 60_000, 12);
    assert_eq!(s.given_bad[Metric::FailedRequests].count, 15_000);
    let n_bad = n.given_bad[Metric::FailedRequests].count;
    assert!((4_500..5_100).contains(&n_bad), "{n_bad} bad of 60,000");
    for m in [Metric::FailedRequests, Metric::TimeToRecover] {
        let (a, b) = (&s.given_bad[m], &n.given_bad[m]);
        agree(
            &format!("given bad {} mean", m.name()),
            mean_ci(a),
            mean_ci(b),
        );
        agree(&format!("given bad {} p95", m.name()), p95_ci(a), p95_ci(b));
    }
    for m in [
        Metric::FailedRequests,
        Metric::DeployDuration,
        Metric::ExtraPodHours,
    ] {
        let (a, b) = (&s.all[m], &n.all[m]);
        agree(&format!("all {} mean", m.name()), mean_ci(a), mean_ci(b));
        agree(&format!("all {} p95", m.name()), p95_ci(a), p95_ci(b));
    }
    for o in Outcome::ALL {
        agree(o.name(), s.outcome_shares_ci95[o], n.outcome_shares_ci95[o]);
    }
    // The stratified run is the surer one for what bad releases decide.
    let width = |m: &Summary| p95_ci(m)[1] - p95_ci(m)[0];
    let (ws, wn) = (
        width(&s.given_bad[Metric::FailedRequests]),
        width(&n.given_bad[Metric::FailedRequests]),
    );
    assert!(
        ws < wn,
        "given-bad p95 interval {ws} stratified, {wn} natural"
    );
}

/// The 95% intervals cover what a large run finds in 93–97% of seeds.
/// internal-api's rolling update at 2,000 trials (1,000 bad releases),
/// seeds 1 to 1,000, against 4,000,000 trials at another seed: the mean of
/// failed requests over all releases (right-skewed: nine releases in ten
/// fail next to nothing, and the mean rests on the tenth), its p95, the
/// given-bad p95, and the share of incidents. 1,000 seeds of a 95% event have a standard
/// error of 0.7%, so 93–97% is about ±3 of them.
#[test]
fn intervals_cover_a_large_run_in_95_of_100_seeds() {
    let sc = load("internal-api.yaml");
    let truth = summary(&sc, "rolling", 4_000_000, 1_000_000);
    let reference = (
        truth.all[Metric::FailedRequests].mean.expect("values"),
        truth.all[Metric::FailedRequests].p95.expect("values"),
        truth.given_bad[Metric::FailedRequests].p95.expect("values"),
        truth.outcome_shares[Outcome::Incident],
    );
    let holds = |[lo, hi]: [f64; 2], x: f64| u32::from(lo <= x && x <= hi);
    let mut covered = [0u32; 4];
    for seed in 1..=1000 {
        let s = summary(&sc, "rolling", 2000, seed);
        let all = &s.all[Metric::FailedRequests];
        covered[0] += holds(mean_ci(all), reference.0);
        covered[1] += holds(p95_ci(all), reference.1);
        covered[2] += holds(p95_ci(&s.given_bad[Metric::FailedRequests]), reference.2);
        covered[3] += holds(s.outcome_shares_ci95[Outcome::Incident], reference.3);
    }
    let names = ["all mean", "all p95", "given-bad p95", "incident share"];
    for (name, c) in names.iter().zip(covered) {
        eprintln!("coverage of the {name}: {c} of 1,000");
        assert!((930..=970).contains(&c), "{name}: {c} of 1,000");
    }
}
