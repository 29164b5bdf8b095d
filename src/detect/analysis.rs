//! Canary analysis as metrics see it.
//!
//! Each interval the analysis reads the requests and errors that actually
//! reached the canary (and, to compare, the stable version). Those are noisy
//! counts: the number of requests is Poisson around what the traffic model
//! sent, the errors among them binomial around the true failure share
//! (baseline errors included, so a healthy canary fails some checks too).
//! The p99 latency is read from the same requests: the sample 99th
//! percentile of N requests is their ⌈0.99·N⌉-th smallest, whose quantile
//! level is Beta(k, N − k + 1) distributed (order statistics of uniforms);
//! from 1,000 requests on that level is drawn from its normal limit
//! N(0.99, 0.99·0.01/N).
//!
//! Judges: fixed thresholds on the error ratio and p99, and optionally a
//! comparison against the stable baseline. For the comparison we use a
//! one-sided two-proportion z-test per interval (α = 1%), not Kayenta's
//! Mann-Whitney U over per-interval samples: within one interval the canary
//! sees hundreds or thousands of requests, so the per-request test has power
//! at once, while a rank test over intervals needs many intervals (Kayenta
//! recommends ≥ 50 points) before it can reject anything.

use rand::{Rng, RngExt};
use rand_distr::{Beta, Binomial, Distribution, Poisson, StandardNormal};

use crate::scenario::{Analysis, Dist, OnNoData};

/// z for a one-sided test at α = 1%.
const Z_CRIT: f64 = 2.326_347_874_040_841;

/// What one measurement concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
    /// The query returned nothing: no request reached the canary in the
    /// window (Argo counts it as a measurement error, not a result).
    Error,
}

/// The true traffic of one interval, before measurement noise.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Window {
    /// Requests that reached the canary (served or mirrored).
    pub canary_requests: f64,
    /// Share of those that failed (defect, overload, baseline errors).
    pub canary_fail_share: f64,
    /// Milliseconds the canary adds to every request (latency defect).
    pub canary_added_ms: f64,
    pub stable_requests: f64,
    pub stable_fail_share: f64,
}

/// One noisy measurement and its verdict.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measurement {
    pub requests: u64,
    pub errors: u64,
    pub p99_ms: f64,
    pub verdict: Verdict,
}

/// Above this mean, counts are drawn from their normal approximation (the
/// error is far below the noise being modelled, and it is much cheaper).
const NORMAL_APPROX: f64 = 1000.0;

/// Draws a count around `mean` (Poisson).
fn poisson<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> u64 {
    if mean <= 0.0 || !mean.is_finite() {
        return 0;
    }
    if mean >= NORMAL_APPROX {
        return ((mean + mean.sqrt() * standard_normal(rng)).max(0.0) + 0.5) as u64;
    }
    match Poisson::new(mean) {
        Ok(d) => d.sample(rng) as u64,
        Err(_) => mean.round() as u64,
    }
}

/// Draws the successes of `n` trials with probability `p` (binomial).
fn binomial<R: Rng + ?Sized>(n: u64, p: f64, rng: &mut R) -> u64 {
    let p = p.clamp(0.0, 1.0);
    if p == 0.0 || n == 0 {
        return 0;
    }
    if p == 1.0 {
        return n;
    }
    let var = n as f64 * p * (1.0 - p);
    if var >= NORMAL_APPROX / 10.0 {
        let x = n as f64 * p + var.sqrt() * standard_normal(rng);
        return ((x.max(0.0) + 0.5) as u64).min(n);
    }
    match Binomial::new(n, p) {
        Ok(d) => d.sample(rng),
        Err(_) => 0,
    }
}

/// The healthy latency's 99th percentile and its slope dQ/dq there, so that
/// the sample p99 of many requests costs no quantile evaluation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct P99 {
    pub at: f64,
    pub slope: f64,
}

impl P99 {
    /// Computed once per scenario.
    pub fn of(latency: &Dist) -> Self {
        let h = 1e-4;
        let at = latency.quantile(0.99);
        P99 {
            at,
            slope: (latency.quantile(0.99 + h) - latency.quantile(0.99 - h)) / (2.0 * h),
        }
    }
}

/// Takes one measurement of `w` and judges it by `a`. `latency` is the
/// healthy request latency (ms).
pub fn measure<R: Rng + ?Sized>(
    a: &Analysis,
    w: &Window,
    latency: &Dist,
    p99: P99,
    rng: &mut R,
) -> Measurement {
    let n = poisson(w.canary_requests, rng);
    let errors = binomial(n, w.canary_fail_share, rng);
    let p99_ms = sample_p99(latency, p99, n, rng) + w.canary_added_ms;
    // The stable side is read only when the judge compares against it.
    let (stable_n, stable_errors) = if a.compare_to_baseline {
        let sn = poisson(w.stable_requests, rng);
        (sn, binomial(sn, w.stable_fail_share, rng))
    } else {
        (0, 0)
    };
    let verdict = judge(a, n, errors, p99_ms, stable_n, stable_errors);
    Measurement {
        requests: n,
        errors,
        p99_ms,
        verdict,
    }
}

/// The verdict on one interval's counts.
pub fn judge(
    a: &Analysis,
    n: u64,
    errors: u64,
    p99_ms: f64,
    stable_n: u64,
    stable_errors: u64,
) -> Verdict {
    if n == 0 {
        return Verdict::Error;
    }
    if n < a.min_requests.max(1) {
        return match a.on_no_data {
            OnNoData::Fail => Verdict::Fail,
            OnNoData::Inconclusive => Verdict::Inconclusive,
            OnNoData::Pass => Verdict::Pass,
        };
    }
    let rate = errors as f64 / n as f64;
    if rate > a.error_rate_threshold || p99_ms > a.latency_p99_threshold.as_millis() as f64 {
        return Verdict::Fail;
    }
    if a.compare_to_baseline && worse_than_baseline(n, errors, stable_n, stable_errors) {
        return Verdict::Fail;
    }
    Verdict::Pass
}

/// One-sided two-proportion z-test: is the canary's error ratio higher?
pub fn worse_than_baseline(n: u64, errors: u64, stable_n: u64, stable_errors: u64) -> bool {
    if n == 0 || stable_n == 0 {
        return false;
    }
    let (n1, n2) = (n as f64, stable_n as f64);
    let (p1, p2) = (errors as f64 / n1, stable_errors as f64 / n2);
    let pooled = (errors + stable_errors) as f64 / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 {
        return p1 > p2;
    }
    (p1 - p2) / se > Z_CRIT
}

/// The sample p99 of `n` requests from `latency`: the k = ⌈0.99·n⌉-th
/// smallest of n draws is the quantile at a level U ~ Beta(k, n − k + 1).
/// From 1,000 requests U is drawn from its normal limit 0.99 + z·√(0.99·0.01/n)
/// and the quantile linearised around 0.99 (the level then stays within a
/// few thousandths of it).
fn sample_p99<R: Rng + ?Sized>(latency: &Dist, p99: P99, n: u64, rng: &mut R) -> f64 {
    if n == 0 {
        return 0.0;
    }
    if n as f64 >= NORMAL_APPROX {
        let dq = standard_normal(rng) * (0.99 * 0.01 / n as f64).sqrt();
        return p99.at + p99.slope * dq;
    }
    latency.quantile(p99_level(n, rng))
}

/// The quantile level of the ⌈0.99·n⌉-th smallest of `n` uniform draws.
fn p99_level<R: Rng + ?Sized>(n: u64, rng: &mut R) -> f64 {
    let k = (0.99 * n as f64).ceil().max(1.0);
    match Beta::new(k, n as f64 - k + 1.0) {
        // A level of exactly 1 has no finite quantile; one just below it does.
        Ok(d) => d.sample(rng).min(1.0 - f64::EPSILON),
        Err(_) => 0.99,
    }
}

/// Ziggurat normal draws: measurement noise is drawn often, and the
/// algorithm is fixed by the locked rand_distr version.
fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    rng.sample(StandardNormal)
}

/// Where an analysis run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    Running,
    Successful,
    Failed,
    Inconclusive,
}

/// An Argo AnalysisRun: the first measurement when it starts, then one
/// every interval until `count` are taken (or forever, for background
/// analysis); failed when failed measurements exceed `failureLimit`,
/// inconclusive when inconclusive ones exceed `inconclusiveLimit`. A
/// measurement error is not counted among the `count`; more than
/// `consecutiveErrorLimit` in a row put the run in Error, which aborts the
/// rollout as a failure does.
#[derive(Clone, Debug, PartialEq)]
pub struct AnalysisRun {
    pub analysis: Analysis,
    pub taken: u32,
    pub failed: u32,
    pub inconclusive: u32,
    pub consecutive_errors: u32,
}

impl AnalysisRun {
    /// A run that has taken no measurement yet.
    pub fn new(analysis: Analysis) -> Self {
        AnalysisRun {
            analysis,
            taken: 0,
            failed: 0,
            inconclusive: 0,
            consecutive_errors: 0,
        }
    }

    /// Adds a verdict; returns the run's state after it.
    pub fn record(&mut self, v: Verdict) -> RunState {
        if v == Verdict::Error {
            self.consecutive_errors += 1;
            return self.state();
        }
        self.consecutive_errors = 0;
        self.taken += 1;
        match v {
            Verdict::Fail => self.failed += 1,
            Verdict::Inconclusive => self.inconclusive += 1,
            Verdict::Pass | Verdict::Error => {}
        }
        self.state()
    }

    /// The run's state.
    pub fn state(&self) -> RunState {
        let a = &self.analysis;
        if self.failed > a.failure_limit || self.consecutive_errors > a.consecutive_error_limit {
            RunState::Failed
        } else if self.inconclusive > a.inconclusive_limit {
            RunState::Inconclusive
        } else if a.count.is_some_and(|c| self.taken >= c) {
            RunState::Successful
        } else {
            RunState::Running
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    /// The defaults (1m interval, 1% errors, 500ms p99, 100 requests), five checks.
    fn analysis() -> Analysis {
        Analysis {
            count: Some(5),
            ..crate::scenario::defaults::analysis()
        }
    }

    /// P(X > k) for X ~ Binomial(n, p), summed directly.
    fn binomial_tail(n: u64, p: f64, k: u64) -> f64 {
        let mut log_pmf = (n as f64) * (1.0 - p).ln(); // P(X = 0)
        let mut cdf = 0.0;
        for i in 0..=k {
            cdf += log_pmf.exp();
            log_pmf += ((n - i) as f64).ln() - ((i + 1) as f64).ln() + p.ln() - (1.0 - p).ln();
        }
        1.0 - cdf
    }

    #[test]
    fn threshold_judge_false_failure_rate_is_the_binomial_tail() {
        // A healthy canary with 0.5% baseline errors, exactly 1000 requests an
        // interval (no Poisson noise on the count: judged directly), threshold
        // 1%: a measurement fails when errors > 10. 20,000 measurements at a
        // fixed seed; tolerance 4 standard errors.
        let a = analysis();
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let trials = 20_000;
        let fails = (0..trials)
            .filter(|_| {
                let e = binomial(1000, 0.005, &mut rng);
                judge(&a, 1000, e, 0.0, 0, 0) == Verdict::Fail
            })
            .count();
        let p = binomial_tail(1000, 0.005, 10);
        let got = fails as f64 / trials as f64;
        let se = (p * (1.0 - p) / trials as f64).sqrt();
        assert!((got - p).abs() < 4.0 * se, "simulated {got}, direct {p}");
        assert!(
            p > 0.01 && p < 0.05,
            "a strict check does fail healthy canaries: {p}"
        );
    }

    #[test]
    fn too_few_requests_follow_on_no_data() {
        let mut a = analysis();
        for (mode, want) in [
            (OnNoData::Fail, Verdict::Fail),
            (OnNoData::Inconclusive, Verdict::Inconclusive),
            (OnNoData::Pass, Verdict::Pass),
        ] {
            a.on_no_data = mode;
            assert_eq!(judge(&a, 99, 0, 0.0, 0, 0), want);
            assert_eq!(judge(&a, 1, 0, 0.0, 0, 0), want);
        }
    }

    #[test]
    fn baseline_comparison_catches_what_thresholds_miss() {
        let mut a = analysis();
        a.error_rate_threshold = 0.05;
        // 3% vs 0.5% on 5,000 / 50,000 requests: under the threshold, clearly worse.
        assert_eq!(judge(&a, 5000, 150, 0.0, 50_000, 250), Verdict::Pass);
        a.compare_to_baseline = true;
        assert_eq!(judge(&a, 5000, 150, 0.0, 50_000, 250), Verdict::Fail);
        // The same ratio on both sides passes.
        assert_eq!(judge(&a, 5000, 25, 0.0, 50_000, 250), Verdict::Pass);
    }

    #[test]
    fn latency_p99_is_read_from_the_healthy_distribution_plus_the_defect() {
        let lat = Dist::lognormal(50.0, 250.0);
        let a = analysis();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let w = Window {
            canary_requests: 1e6,
            canary_fail_share: 0.0,
            canary_added_ms: 0.0,
            ..Window::default()
        };
        let m = measure(&a, &w, &lat, P99::of(&lat), &mut rng);
        assert!((m.p99_ms / lat.quantile(0.99) - 1.0).abs() < 0.02);
        let slow = Window {
            canary_added_ms: 400.0,
            ..w
        };
        assert_eq!(
            measure(&a, &slow, &lat, P99::of(&lat), &mut rng).verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn sample_p99_of_few_requests_is_their_order_statistic() {
        // The ⌈0.99·n⌉-th smallest of n draws exceeds the quantile Q(p) when
        // fewer than k of the n fall below it: P = P(Binomial(n, p) < k).
        //  n = 50:  k = 50 (the largest), p = 0.999: 1 − 0.999⁵⁰ = 0.0488.
        //  n = 500: k = 495, p = 0.995: P(Binomial(500, 0.005) ≥ 6) = 0.042.
        // A level drawn as 0.99 + z·√(0.99·0.01/n) and clamped below 1 gives
        // 0.26 and 0.13 instead. 20,000 draws each at a fixed seed;
        // tolerance 4 standard errors.
        let lat = Dist::lognormal(50.0, 250.0);
        let p99 = P99::of(&lat);
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        let draws = 20_000;
        for (n, p, want) in [
            (50, 0.999, 1.0 - 0.999f64.powi(50)),
            (500, 0.995, binomial_tail(500, 0.005, 5)),
        ] {
            let x = lat.quantile(p);
            let over = (0..draws)
                .filter(|_| sample_p99(&lat, p99, n, &mut rng) > x)
                .count();
            let got = over as f64 / draws as f64;
            let se = (want * (1.0 - want) / draws as f64).sqrt();
            assert!((got - want).abs() < 4.0 * se, "n {n}: {got} vs {want}");
        }
        // Never an impossible figure: the largest of 10 requests stays finite.
        assert!((0..draws).all(|_| sample_p99(&lat, p99, 10, &mut rng).is_finite()));
    }

    #[test]
    fn an_empty_window_is_an_error_not_counted_and_five_in_a_row_fail() {
        let a = analysis();
        assert_eq!(judge(&a, 0, 0, 0.0, 0, 0), Verdict::Error);
        let mut run = AnalysisRun::new(a);
        // Errors do not count toward the 5 measurements...
        assert_eq!(run.record(Verdict::Error), RunState::Running);
        for _ in 0..4 {
            assert_eq!(run.record(Verdict::Pass), RunState::Running);
        }
        assert_eq!(run.record(Verdict::Pass), RunState::Successful);
        // ...and a result resets the streak; the fifth error in a row fails.
        let mut run = AnalysisRun::new(analysis());
        for _ in 0..4 {
            assert_eq!(run.record(Verdict::Error), RunState::Running);
        }
        assert_eq!(run.record(Verdict::Pass), RunState::Running);
        for _ in 0..4 {
            assert_eq!(run.record(Verdict::Error), RunState::Running);
        }
        assert_eq!(run.record(Verdict::Error), RunState::Failed);
    }

    #[test]
    fn runs_fail_past_the_failure_limit_and_succeed_at_count() {
        let mut a = analysis();
        a.failure_limit = 1;
        let mut run = AnalysisRun::new(a);
        assert_eq!(run.record(Verdict::Fail), RunState::Running);
        assert_eq!(run.record(Verdict::Fail), RunState::Failed);
        let mut run = AnalysisRun::new(analysis());
        for _ in 0..4 {
            assert_eq!(run.record(Verdict::Pass), RunState::Running);
        }
        assert_eq!(run.record(Verdict::Pass), RunState::Successful);
        let mut run = AnalysisRun::new(analysis());
        assert_eq!(run.record(Verdict::Inconclusive), RunState::Inconclusive);
    }
}
