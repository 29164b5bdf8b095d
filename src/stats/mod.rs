//! Mergeable summary statistics.
//!
//! Each metric is accumulated as integers (values scaled to a fixed
//! resolution): exact count, sum, sum of squares, min and max, plus an HDR
//! histogram (3 significant digits) for quantiles. Merging two accumulators
//! is exact and order-independent, so any split of the trials — across
//! threads or machines — gives the same summary, byte for byte, and memory
//! stays flat in the number of trials.
//!
//! A quantile is the ⌈p·n⌉-th smallest value, read from its histogram
//! bucket: the bucket's top (within 0.1% above the value), or, for a metric
//! of whole numbers, the one whole number in the bucket (exact up to 1,048:
//! above, a bucket is wider than one). Beside each quantile is its
//! distribution-free 95% interval: the order statistics whose ranks the
//! binomial distribution of "values below the true quantile" puts 2.5% and
//! 97.5% of its mass outside of.

use hdrhistogram::Histogram;
use serde::Serialize;

mod interval;
mod mixture;

pub use interval::{Z99, wilson_of, wilson95, wilson95_of};
use interval::{mean95, quantile_ranks95};
pub use mixture::{Stratum, mixture_share, mixture_summary};

/// Largest scaled value kept (HDR histograms resize up to i64::MAX / 2).
const MAX_VALUE: u64 = (i64::MAX / 4) as u64;

/// Accumulator for one metric.
#[derive(Clone, Debug)]
pub struct Stat {
    scale: f64,
    /// Values are whole numbers: each is a multiple of `scale`.
    whole: bool,
    count: u64,
    sum: u128,
    sum_sq: u128,
    min: u64,
    max: u64,
    hist: Histogram<u64>,
}

/// The exact state of a [`Stat`]: integer sums of values scaled by `scale`,
/// and the HDR histogram of the scaled values.
#[derive(Clone, Debug)]
pub struct StatParts {
    pub scale: f64,
    pub count: u64,
    pub sum: u128,
    pub sum_sq: u128,
    /// `u64::MAX` when `count` is 0.
    pub min: u64,
    pub max: u64,
    pub hist: Histogram<u64>,
    /// Values are whole numbers (not stored: the metric says it).
    pub whole: bool,
}

/// The summary of one metric (DESIGN §3). Statistics are `None` when no
/// trial had the value (the default: no value at all).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub count: u64,
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// Distribution-free 95% intervals of the quantiles.
    pub p50_ci95: Option<[f64; 2]>,
    pub p95_ci95: Option<[f64; 2]>,
    pub p99_ci95: Option<[f64; 2]>,
}

impl Stat {
    /// An empty accumulator that resolves values to `1 / scale`.
    pub fn new(scale: f64) -> Self {
        Stat {
            scale,
            whole: false,
            count: 0,
            sum: 0,
            sum_sq: 0,
            min: u64::MAX,
            max: 0,
            hist: Histogram::new(3).expect("3 significant digits is a valid precision"),
        }
    }

    /// The same accumulator for a metric whose values are whole numbers
    /// (pods, nodes): its quantiles are whole numbers too.
    pub fn whole_numbers(mut self, whole: bool) -> Self {
        self.whole = whole;
        self
    }

    /// Adds one value (negative and NaN count as 0; values are never negative here).
    pub fn add(&mut self, v: f64) {
        let q = if v.is_nan() || v <= 0.0 {
            0
        } else {
            (v * self.scale + 0.5).min(MAX_VALUE as f64) as u64
        };
        self.count += 1;
        self.sum += u128::from(q);
        self.sum_sq += u128::from(q) * u128::from(q);
        self.min = self.min.min(q);
        self.max = self.max.max(q);
        if self.hist.record(q).is_err() {
            self.hist.saturating_record(q);
        }
    }

    /// Adds everything `other` accumulated.
    pub fn merge(&mut self, other: &Stat) {
        self.count += other.count;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.hist
            .add(&other.hist)
            .expect("auto-resizing histograms always merge");
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Values are kept to a resolution of `1 / scale`.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The exact state, e.g. to write a shard file.
    pub fn to_parts(&self) -> StatParts {
        StatParts {
            scale: self.scale,
            count: self.count,
            sum: self.sum,
            sum_sq: self.sum_sq,
            min: self.min,
            max: self.max,
            hist: self.hist.clone(),
            whole: self.whole,
        }
    }

    /// Rebuilds an accumulator from [`Stat::to_parts`], checking that the
    /// parts agree with each other (a damaged shard file must not merge).
    pub fn from_parts(p: StatParts) -> Result<Stat, String> {
        let mut s = Stat::new(p.scale);
        if (p.hist.sigfig(), p.hist.low()) != (s.hist.sigfig(), s.hist.low()) {
            return Err(format!(
                "histogram of {} significant digits from {}; expected {} from {}",
                p.hist.sigfig(),
                p.hist.low(),
                s.hist.sigfig(),
                s.hist.low()
            ));
        }
        s.hist
            .add(&p.hist)
            .map_err(|e| format!("histogram: {e:?}"))?;
        let empty = p.count == 0 && p.sum == 0 && p.min == u64::MAX && p.max == 0;
        let consistent = s.hist.len() == p.count
            && (empty
                || (p.min <= p.max
                    && s.hist.equivalent(s.hist.min(), p.min)
                    && s.hist.equivalent(s.hist.max(), p.max)));
        if !consistent {
            return Err(format!(
                "count {}, min {}, max {} disagree with the histogram ({} values from {} to {})",
                p.count,
                p.min,
                p.max,
                s.hist.len(),
                s.hist.min(),
                s.hist.max()
            ));
        }
        s.whole = p.whole;
        s.count = p.count;
        s.sum = p.sum;
        s.sum_sq = p.sum_sq;
        s.min = p.min;
        s.max = p.max;
        Ok(s)
    }

    /// Mean, p50/p95/p99 with their 95% intervals (order statistics,
    /// clamped to the exact min and max), max and the skewness-corrected
    /// 95% interval of the mean (see [`interval::mean95`]).
    pub fn summary(&self) -> Summary {
        if self.count == 0 {
            return Summary::default();
        }
        let n = self.count as f64;
        let (mean_q, var_q, mu3_q) = self.moments();
        // p50, p95, p99, each with its interval's bounds, read in one pass.
        let ranks = [500, 950, 990].map(|pm| {
            let [lo, hi] = quantile_ranks95(self.count, pm);
            [rank_of(self.count, pm), lo, hi]
        });
        let v = self.values_at_ranks(ranks.as_flattened());
        let q = |i: usize| Some(v[3 * i]);
        let ci = |i: usize| Some([v[3 * i + 1], v[3 * i + 2]]);
        Summary {
            count: self.count,
            mean: Some(sig6(mean_q / self.scale)),
            p50: q(0),
            p95: q(1),
            p99: q(2),
            max: Some(sig6(self.max as f64 / self.scale)),
            ci95: Some(self.mean_ci95(mean95(mean_q, var_q / n, mu3_q / (n * n)))),
            p50_ci95: ci(0),
            p95_ci95: ci(1),
            p99_ci95: ci(2),
        }
    }

    /// Mean, sample variance and third central moment, in scaled units:
    /// the first two exact from the sums, the third from the histogram
    /// (each bucket at its middle; it only shapes the mean's interval).
    fn moments(&self) -> (f64, f64, f64) {
        let n = self.count as f64;
        let mean = self.sum as f64 / n;
        let var = if self.count > 1 {
            ((self.sum_sq as f64 - n * mean * mean) / (n - 1.0)).max(0.0)
        } else {
            0.0
        };
        let mu3 = self
            .hist
            .iter_recorded()
            .map(|v| {
                let d = self.hist.median_equivalent(v.value_iterated_to()) as f64 - mean;
                v.count_at_value() as f64 * d * d * d
            })
            .sum::<f64>()
            / n;
        (mean, var, mu3)
    }

    /// A mean's interval in scaled units as figures (values are never
    /// negative, so neither is the lower bound).
    fn mean_ci95(&self, [lo, hi]: [f64; 2]) -> [f64; 2] {
        [sig6(lo.max(0.0) / self.scale), sig6(hi / self.scale)]
    }

    /// The `k`-th smallest value for each `k` of `ranks` (1-based, each in
    /// 1..=count, in any order), as its bucket gives it (see
    /// [`Stat::reported`]), in one pass over the histogram.
    fn values_at_ranks(&self, ranks: &[u64]) -> Vec<f64> {
        let mut order: Vec<usize> = (0..ranks.len()).collect();
        order.sort_by_key(|&i| ranks[i]);
        // Ranks past the count (none are asked for) read as the max.
        let mut out = vec![self.reported(self.max); ranks.len()];
        let mut next = order.into_iter().peekable();
        let mut seen = 0u64;
        for v in self.hist.iter_recorded() {
            seen += v.count_since_last_iteration();
            while let Some(i) = next.next_if(|&i| ranks[i] <= seen) {
                out[i] = self.reported(v.value_iterated_to());
            }
        }
        out
    }

    /// A bucket's value as a figure: the bucket's top, or for whole numbers
    /// the one multiple of `scale` it holds; clamped to the exact min and max.
    fn reported(&self, top: u64) -> f64 {
        let q = if self.whole {
            let step = self.scale as u64;
            self.hist.lowest_equivalent(top).div_ceil(step) * step
        } else {
            top
        };
        sig6(q.clamp(self.min, self.max) as f64 / self.scale)
    }
}

/// The rank of the p-quantile of `n` values, p in thousandths: ⌈p·n⌉
/// (at least 1).
fn rank_of(n: u64, per_mille: u64) -> u64 {
    (u128::from(n) * u128::from(per_mille))
        .div_ceil(1000)
        .max(1) as u64
}

impl Stat {
    /// The empirical CDF as (value, share of values ≤ value) steps, one per
    /// histogram bucket holding values, thinned to at most `max_points`
    /// (the last step, share 1, is always kept). Empty when no values.
    pub fn cdf(&self, max_points: usize) -> Vec<(f64, f64)> {
        if self.count == 0 || max_points == 0 {
            return Vec::new();
        }
        let n = self.count as f64;
        let mut steps = Vec::new();
        let mut seen = 0u64;
        for v in self.hist.iter_recorded() {
            seen += v.count_since_last_iteration();
            let at = v.value_iterated_to().clamp(self.min, self.max) as f64 / self.scale;
            steps.push((sig6(at), seen as f64 / n));
        }
        thin(steps, max_points)
    }
}

/// Keeps the steps where the cumulative share first reaches each of
/// `max_points` even levels, and the last step.
fn thin(steps: Vec<(f64, f64)>, max_points: usize) -> Vec<(f64, f64)> {
    if steps.len() <= max_points {
        return steps;
    }
    let last = steps.len() - 1;
    let mut kept = Vec::with_capacity(max_points + 1);
    let mut next_level = 0.0;
    for (i, &(x, share)) in steps.iter().enumerate() {
        if share >= next_level || i == last {
            kept.push((x, share));
            next_level =
                (share * max_points as f64).floor() / max_points as f64 + 1.0 / max_points as f64;
        }
    }
    kept
}

/// Rounds to 6 significant digits: more than any estimate here supports,
/// and it keeps the JSON readable.
pub fn sig6(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 5 - x.abs().log10().floor() as i32;
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_for_constant_values() {
        let mut s = Stat::new(1000.0);
        for _ in 0..10 {
            s.add(30.0);
        }
        let m = s.summary();
        assert_eq!(m.mean, Some(30.0));
        assert_eq!(m.p50, Some(30.0));
        assert_eq!(m.p99, Some(30.0));
        assert_eq!(m.ci95, Some([30.0, 30.0]));
    }

    #[test]
    fn quantiles_within_hdr_precision() {
        let mut s = Stat::new(1000.0);
        for i in 1..=10_000 {
            s.add(f64::from(i));
        }
        let m = s.summary();
        assert!((m.p50.unwrap() / 5000.0 - 1.0).abs() < 2e-3, "{m:?}");
        assert!((m.p95.unwrap() / 9500.0 - 1.0).abs() < 2e-3);
        assert_eq!(m.max, Some(10_000.0));
        assert_eq!(m.mean, Some(5000.5));
        // σ = 2886.9, n = 10⁴: half-width ≈ 1.96·28.87 = 56.6
        let [lo, hi] = m.ci95.unwrap();
        assert!(((hi - lo) / 2.0 - 56.58).abs() < 0.1);
        assert_eq!(sig6(1234.56789), 1234.57);
        assert_eq!(sig6(0.000123456789), 0.000123457);
    }

    #[test]
    fn whole_numbers_are_read_exactly() {
        // 7 pods kept at a thousandth is 7,000, in the histogram bucket
        // 7,000–7,003: its top read 7.003. A whole-number metric reads the
        // one multiple of 1,000 in the bucket: 7.
        // 19 sevens and an 8: the p95 is the 19th value, 7.
        let mut s = Stat::new(1000.0).whole_numbers(true);
        let mut top = Stat::new(1000.0);
        for v in std::iter::repeat_n(7.0, 19).chain([8.0]) {
            s.add(v);
            top.add(v);
        }
        assert_eq!(s.summary().p95, Some(7.0));
        assert_eq!(top.summary().p95, Some(7.003));
        // Exact up to 1,048: 1,048 pods and 1,047 are told apart.
        let mut big = Stat::new(1000.0).whole_numbers(true);
        for v in [1047.0, 1048.0] {
            big.add(v);
        }
        assert_eq!(big.summary().p50, Some(1047.0));
        assert_eq!(big.summary().p95, Some(1048.0));
    }

    #[test]
    fn the_rank_of_a_quantile_by_hand() {
        // ⌈p·n⌉, at least 1: the p95 of 20 is the 19th value.
        assert_eq!(rank_of(20, 950), 19);
        assert_eq!(rank_of(1, 990), 1);
        assert_eq!(rank_of(1000, 950), 950);
    }

    #[test]
    fn quantile_intervals_cover_the_true_quantile() {
        // Exponential values (mean 100 s, heavy enough a right tail),
        // n = 400, 1,000 seeds: the p95 interval must hold the true p95,
        // 100·ln 20 = 299.57 s, in 95% of samples or a little more (the
        // bounds are order statistics: at least 95%). Allowed 94–98%:
        // 1,000 draws of a 95% event have a standard error of 0.7%.
        use rand::SeedableRng;
        use rand::rngs::ChaCha8Rng;
        use rand_distr::{Distribution, Exp};
        let truth = [100.0 * 2f64.ln(), 100.0 * 20f64.ln(), 100.0 * 100f64.ln()];
        let exp = Exp::new(0.01).expect("a rate");
        let mut covered = [0u32; 3];
        for seed in 0..1000 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut s = Stat::new(1000.0);
            for _ in 0..400 {
                s.add(exp.sample(&mut rng));
            }
            let m = s.summary();
            for (i, ci) in [m.p50_ci95, m.p95_ci95, m.p99_ci95].iter().enumerate() {
                let [lo, hi] = ci.expect("values");
                covered[i] += u32::from(lo <= truth[i] && truth[i] <= hi);
            }
        }
        for (i, c) in covered.iter().enumerate() {
            assert!((940..=980).contains(c), "quantile {i}: {c} of 1000");
        }
    }

    #[test]
    fn parts_round_trip_and_damage_is_refused() {
        let mut s = Stat::new(1000.0);
        for v in [0.0, 1.5, 30.0, 7e6] {
            s.add(v);
        }
        let back = Stat::from_parts(s.to_parts()).expect("own parts");
        assert_eq!(back.summary(), s.summary());
        assert!(Stat::from_parts(Stat::new(1e3).to_parts()).is_ok());
        let mut damaged = s.to_parts();
        damaged.count += 1;
        assert!(Stat::from_parts(damaged).is_err());
    }

    #[test]
    fn cdf_steps_reach_one_at_the_max() {
        let mut s = Stat::new(1.0);
        for v in [0.0, 0.0, 10.0, 20.0] {
            s.add(v);
        }
        assert_eq!(s.cdf(100), vec![(0.0, 0.5), (10.0, 0.75), (20.0, 1.0)]);
        let mut wide = Stat::new(1.0);
        for v in 0..10_000 {
            wide.add(f64::from(v));
        }
        let thin = wide.cdf(50);
        assert!(thin.len() <= 51, "{}", thin.len());
        assert_eq!(thin.last(), Some(&(9999.0, 1.0)));
        assert!(thin.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
        assert!(Stat::new(1.0).cdf(10).is_empty());
    }

    proptest! {
        /// Splitting the values anywhere and merging gives the same summary.
        #[test]
        fn merge_is_split_invariant(v in proptest::collection::vec(0.0f64..1e7, 1..300), cut in 0usize..300) {
            let cut = cut.min(v.len());
            let mut whole = Stat::new(1000.0);
            v.iter().for_each(|&x| whole.add(x));
            let (mut a, mut b) = (Stat::new(1000.0), Stat::new(1000.0));
            v[..cut].iter().for_each(|&x| a.add(x));
            v[cut..].iter().for_each(|&x| b.add(x));
            b.merge(&a);
            prop_assert_eq!(whole.summary(), b.summary());
        }
    }
}
