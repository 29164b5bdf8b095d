//! The summary of a stratified sample: strata simulated in shares other
//! than their weight among all releases, combined with their true weights.
//!
//! The mean is the weighted mean of the strata's means, exact; its
//! variance and skewness are the strata's, weighted (var = Σ ωₛ²σₛ²/nₛ,
//! third cumulant Σ ωₛ³μ₃ₛ/nₛ²), and its interval is the skew-corrected one
//! a single sample gets. A quantile is read from the weighted mixture of
//! the strata's distributions, F(x) = Σ ωₛ Fₛ(x): the smallest bucket where
//! F reaches p. Its interval is Woodruff's (1952), the standard one for
//! quantiles of stratified samples: the variance of F̂ at the quantile,
//! Σ ωₛ² Fₛ(1 − Fₛ)/nₛ, turned into levels p ± 1.96·σ and read back
//! through F̂.

use super::interval::{Z95, mean95, wilson95_of};
use super::{Stat, Summary, sig6};

/// One stratum as the mixture reads it.
#[derive(Clone, Copy, Debug)]
pub struct Stratum<'a> {
    pub stat: &'a Stat,
    /// The share of all releases that are this stratum's and have the
    /// value: the stratum's weight times the share of its trials with it.
    pub weight: f64,
}

/// The summary of the mixture of `strata` (see the module documentation).
/// With one stratum holding values it is that stratum's own summary;
/// `count` is every stratum's values, as simulated.
pub fn mixture_summary(strata: &[Stratum<'_>]) -> Summary {
    let count = strata.iter().map(|s| s.stat.count).sum();
    let live: Vec<&Stratum<'_>> = strata
        .iter()
        .filter(|s| s.stat.count > 0 && s.weight > 0.0)
        .collect();
    let Some(first) = live.first() else {
        return Summary {
            count,
            ..Summary::default()
        };
    };
    if live.len() == 1 {
        return Summary {
            count,
            ..first.stat.summary()
        };
    }
    let total: f64 = live.iter().map(|s| s.weight).sum();
    let w: Vec<f64> = live.iter().map(|s| s.weight / total).collect();
    let mut union = Stat::new(first.stat.scale).whole_numbers(first.stat.whole);
    for s in &live {
        union.merge(s.stat);
    }
    let (mut mean, mut var, mut k3) = (0.0, 0.0, 0.0);
    for (s, &w) in live.iter().zip(&w) {
        let n = s.stat.count as f64;
        let (m, v, mu3) = s.stat.moments();
        mean += w * m;
        var += w * w * v / n;
        k3 += w * w * w * mu3 / (n * n);
    }
    let cdf = Cdf::of(&union, &live, w);
    let [p50, p95, p99] = [500, 950, 990].map(|pm| cdf.quantile(pm as f64 / 1000.0));
    Summary {
        count,
        mean: Some(sig6(mean / union.scale)),
        p50: Some(p50.0),
        p95: Some(p95.0),
        p99: Some(p99.0),
        max: Some(sig6(union.max as f64 / union.scale)),
        ci95: Some(union.mean_ci95(mean95(mean, var, k3))),
        p50_ci95: Some(p50.1),
        p95_ci95: Some(p95.1),
        p99_ci95: Some(p99.1),
    }
}

/// A share of all releases from strata of `(weight, k, n)`: k of the
/// stratum's n trials had it. The share is Σ ωₛ kₛ/nₛ over the strata with
/// trials (their weights made to add up to 1); its interval is Wilson's at
/// the effective sample size p(1 − p)/var, var = Σ ωₛ² pₛ(1 − pₛ)/nₛ
/// (Korn and Graubard, 1998, without their cap at the trials simulated:
/// strata that follow the outcome make a share surer than as many trials
/// drawn at random would); a share whose
/// strata show no spread (each none or all) takes the weighting's own
/// effective size, 1 / Σ ωₛ²/nₛ (Kish).
pub fn mixture_share(strata: &[(f64, u64, u64)]) -> (f64, [f64; 2]) {
    let live: Vec<(f64, f64, f64)> = strata
        .iter()
        .filter(|&&(w, _, n)| w > 0.0 && n > 0)
        .map(|&(w, k, n)| (w, k.min(n) as f64 / n as f64, n as f64))
        .collect();
    let total: f64 = live.iter().map(|s| s.0).sum();
    if live.is_empty() || total <= 0.0 {
        return (0.0, [0.0, 1.0]);
    }
    let share: f64 = live.iter().map(|&(w, p, _)| w / total * p).sum();
    let var: f64 = live
        .iter()
        .map(|&(w, p, n)| (w / total).powi(2) * p * (1.0 - p) / n)
        .sum();
    let n_eff = if var > 0.0 {
        share * (1.0 - share) / var
    } else {
        1.0 / live
            .iter()
            .map(|&(w, _, n)| (w / total).powi(2) / n)
            .sum::<f64>()
    };
    (share, wilson95_of(share, n_eff))
}

/// The mixture's CDF at every bucket any stratum holds values in.
struct Cdf<'a> {
    union: &'a Stat,
    /// The buckets, by their top (scaled units), ascending.
    tops: Vec<u64>,
    /// Per stratum: its weight, its values, and its own CDF at each top.
    strata: Vec<(f64, f64, Vec<f64>)>,
}

impl<'a> Cdf<'a> {
    fn of(union: &'a Stat, live: &[&Stratum<'_>], w: Vec<f64>) -> Self {
        let tops: Vec<u64> = union
            .hist
            .iter_recorded()
            .map(|v| v.value_iterated_to())
            .collect();
        let strata = live
            .iter()
            .zip(w)
            .map(|(s, w)| (w, s.stat.count as f64, own_cdf(s.stat, &tops)))
            .collect();
        Cdf {
            union,
            tops,
            strata,
        }
    }

    /// F at the `i`-th top.
    fn at(&self, i: usize) -> f64 {
        self.strata.iter().map(|(w, _, f)| w * f[i]).sum()
    }

    /// The first top where F reaches `level`, if any.
    fn index_of(&self, level: f64) -> Option<usize> {
        (0..self.tops.len()).find(|&i| self.at(i) >= level - 1e-12)
    }

    /// The figure at `level` (the max when F never reaches it).
    fn value(&self, level: f64) -> f64 {
        let top = self
            .index_of(level)
            .map_or(self.union.max, |i| self.tops[i]);
        self.union.reported(top)
    }

    /// The p-quantile and its Woodruff interval.
    fn quantile(&self, p: f64) -> (f64, [f64; 2]) {
        let Some(i) = self.index_of(p) else {
            let max = self.union.reported(self.union.max);
            return (max, [max, max]);
        };
        let var: f64 = self
            .strata
            .iter()
            .map(|(w, n, f)| w * w * f[i] * (1.0 - f[i]) / n)
            .sum();
        let half = Z95 * var.sqrt();
        let point = self.union.reported(self.tops[i]);
        (point, [self.value(p - half), self.value(p + half)])
    }
}

/// `stat`'s own CDF at each of `tops` (ascending, a superset of its buckets).
fn own_cdf(stat: &Stat, tops: &[u64]) -> Vec<f64> {
    let n = stat.count as f64;
    let mut buckets = stat.hist.iter_recorded().peekable();
    let mut seen = 0u64;
    tops.iter()
        .map(|&top| {
            while let Some(v) = buckets.next_if(|v| v.value_iterated_to() <= top) {
                seen += v.count_since_last_iteration();
            }
            seen as f64 / n
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(values: impl IntoIterator<Item = f64>) -> Stat {
        let mut s = Stat::new(1.0);
        values.into_iter().for_each(|v| s.add(v));
        s
    }

    #[test]
    fn equal_weights_at_equal_sizes_are_the_pooled_sample() {
        // Two strata of 100 each, weighted as sampled (½, ½): the mixture's
        // mean and quantiles are those of the 200 values pooled.
        let a = stat((0..100).map(f64::from));
        let b = stat((100..200).map(f64::from));
        let m = mixture_summary(&[
            Stratum {
                stat: &a,
                weight: 0.5,
            },
            Stratum {
                stat: &b,
                weight: 0.5,
            },
        ]);
        let mut pooled = a.clone();
        pooled.merge(&b);
        let p = pooled.summary();
        assert_eq!((m.count, m.mean, m.max), (p.count, p.mean, p.max));
        assert_eq!((m.p50, m.p95, m.p99), (p.p50, p.p95, p.p99));
    }

    #[test]
    fn weights_not_sample_sizes_decide() {
        // 100 zeros stand for 92% of releases, 100 values 1..=100 for 8%.
        // Mean = 0.08 · 50.5 = 4.04. F(0) = 0.92, and each value k of the
        // bad stratum adds 0.08/100: F(k) = 0.92 + 0.0008·k, so the p95 is
        // the first k with 0.0008·k ≥ 0.03, k = 37.5 → 38; the p99 k = 87.5
        // → 88; the median is 0.
        let good = stat(std::iter::repeat_n(0.0, 100));
        let bad = stat((1..=100).map(f64::from));
        let m = mixture_summary(&[
            Stratum {
                stat: &good,
                weight: 0.92,
            },
            Stratum {
                stat: &bad,
                weight: 0.08,
            },
        ]);
        assert_eq!(m.count, 200);
        assert_eq!(m.mean, Some(4.04));
        assert_eq!((m.p50, m.p95, m.p99), (Some(0.0), Some(38.0), Some(88.0)));
        // Woodruff at the p95: F_bad(38) = 0.38, σ² = 0.08²·0.38·0.62/100
        // = 1.508e-5, σ = 0.003883, levels 0.95 ∓ 0.007611: k from
        // (0.03 − 0.007611)/0.0008 = 27.99 → 28 to 47.01 → 48.
        assert_eq!(m.p95_ci95, Some([28.0, 48.0]));
        // The mean's interval: only the bad stratum varies, and 1..=100 is
        // not skewed, so it is the normal one. Its variance 100·101/12 =
        // 841.67, the estimate's 0.08²·841.67/100 = 0.053867, se 0.23209:
        // 4.04 ± 1.96·0.23209 = 3.58511 to 4.49489.
        assert_eq!(m.ci95, Some([3.58511, 4.49489]));
    }

    #[test]
    fn a_weighted_share_by_hand() {
        // 46 of 5,000 good releases (weight 0.92) and 2,500 of 5,000 bad
        // ones (0.08): share = 0.92·0.0092 + 0.08·0.5 = 0.048464.
        // var = 0.92²·0.0092·0.9908/5000 + 0.08²·0.25/5000
        //     = 1.5430e-6 + 3.2e-7 = 1.8630e-6;
        // n_eff = 0.048464·0.951536/1.8630e-6 = 24,753 (more than the
        // 10,000 simulated: the strata follow the outcome).
        let (share, ci) = mixture_share(&[(0.92, 46, 5000), (0.08, 2500, 5000)]);
        assert!((share - 0.048464).abs() < 1e-9, "{share}");
        let expected = wilson95_of(0.048464, 24_752.6);
        assert!(
            (ci[0] - expected[0]).abs() < 1e-7 && (ci[1] - expected[1]).abs() < 1e-7,
            "{ci:?}"
        );
        // None of either: Kish's size, 1/(0.92²/5000 + 0.08²/5000) = 5,863.
        let (share, ci) = mixture_share(&[(0.92, 0, 5000), (0.08, 0, 5000)]);
        assert_eq!(share, 0.0);
        assert!((ci[1] - wilson95_of(0.0, 5862.9)[1]).abs() < 1e-7, "{ci:?}");
        // With one stratum simulated, it is that stratum's share.
        assert_eq!(mixture_share(&[(0.92, 3, 10), (0.08, 0, 0)]).0, 0.3);
    }

    #[test]
    fn one_stratum_with_values_is_its_own_summary() {
        let none = Stat::new(1.0);
        let bad = stat([3.0, 4.0, 5.0]);
        let m = mixture_summary(&[
            Stratum {
                stat: &none,
                weight: 0.0,
            },
            Stratum {
                stat: &bad,
                weight: 0.08,
            },
        ]);
        assert_eq!(m, bad.summary());
        assert_eq!(mixture_summary(&[]), Summary::default());
    }
}
