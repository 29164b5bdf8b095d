//! 95% intervals: of a share (Wilson), of a quantile (order statistics), of
//! a mean (Hall's skewness-corrected interval).

/// The two-sided 95% point of the standard normal.
pub(super) const Z95: f64 = 1.959_963_984_540_054;

/// The 95% Wilson score interval of a share: `k` of `n` trials. Unlike the
/// normal approximation it stays inside [0, 1] and is not zero-width at 0
/// or `n` (0 of 1,000 is 0–0.38%); `[0, 1]` when `n` is 0.
pub fn wilson95(k: u64, n: u64) -> [f64; 2] {
    if n == 0 {
        return [0.0, 1.0];
    }
    let k = k.min(n);
    wilson95_of(k as f64 / n as f64, n as f64)
}

/// The Wilson interval of a share `p` estimated as well as `n` independent
/// trials would (an effective sample size, for a weighted share); a share
/// of exactly 0 or 1 keeps that end.
pub fn wilson95_of(p: f64, n: f64) -> [f64; 2] {
    wilson_of(p, n, Z95)
}

/// The normal quantile of a two-sided 99% interval.
pub const Z99: f64 = 2.575_829;

/// [`wilson95_of`] at the confidence of the normal quantile `z`.
pub fn wilson_of(p: f64, n: f64, z: f64) -> [f64; 2] {
    if n <= 0.0 {
        return [0.0, 1.0];
    }
    let z2n = z * z / n;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt() / (1.0 + z2n);
    let lo = if p <= 0.0 { 0.0 } else { centre - half };
    let hi = if p >= 1.0 { 1.0 } else { centre + half };
    [lo.max(0.0), hi.min(1.0)]
}

/// Ranks `[l, u]` (1-based, within 1..=n) whose order statistics bound the
/// p-quantile with at least 95% confidence whatever the distribution. The
/// number B of values below the true quantile is Binomial(n, p), and
/// x₍l₎ ≤ q ≤ x₍u₎ unless B < l or B ≥ u: l is the smallest k with
/// P(B ≤ k) ≥ 2.5% (so P(B < l) < 2.5%), u − 1 the smallest k with
/// P(B ≤ k) ≥ 97.5%. Clamped to the sample when n is too small for that.
pub(super) fn quantile_ranks95(n: u64, per_mille: u64) -> [u64; 2] {
    use statrs::distribution::{Binomial, DiscreteCDF};
    let p = per_mille as f64 / 1000.0;
    let Ok(b) = Binomial::new(p, n) else {
        return [1, n];
    };
    let lo = b.inverse_cdf(0.025).clamp(1, n);
    let hi = (b.inverse_cdf(0.975) + 1).clamp(1, n);
    [lo, hi]
}

/// The 95% interval of a mean estimated as `mean`, with the estimate's
/// variance `var` and third cumulant `k3` (for n values: σ²/n and μ₃/n²).
///
/// The normal interval mean ± 1.96·√var errs low when a rare large value
/// carries the mean (right skew): the sample mean then sits below the true
/// mean more often than above it, and its spread is understated with it.
/// Hall's (1992) transformation of the studentized mean T removes the
/// skewness to order 1/n: with a = γ/3, γ = k3 / var^{3/2} the estimate's
/// skewness, g(t) = t + a·t² + a²·t³/3 + a/2 is close to normal and
/// monotone, and g⁻¹(x) = (∛(1 + 3a(x − a/2)) − 1)/a. The interval is
/// [mean − se·g⁻¹(z), mean − se·g⁻¹(−z)]: with right skew it reaches
/// further above the mean than below. With no skew it is the normal one.
pub(super) fn mean95(mean: f64, var: f64, k3: f64) -> [f64; 2] {
    let se = var.max(0.0).sqrt();
    if se == 0.0 || !se.is_finite() {
        return [mean, mean];
    }
    let a = (k3 / (se * se * se) / 3.0).clamp(-1e6, 1e6);
    let inv = |x: f64| {
        if a.abs() < 1e-9 {
            x
        } else {
            ((1.0 + 3.0 * a * (x - a / 2.0)).cbrt() - 1.0) / a
        }
    };
    [mean - se * inv(Z95), mean - se * inv(-Z95)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_by_hand() {
        // 194 of 3,678: p = 0.052746, z²/n = 3.8415/3678 = 0.0010444;
        // centre = (p + 0.0005222) / 1.0010444 = 0.053213;
        // half = 1.96·√(p(1−p)/n + z²/(4n²)) / 1.0010444
        //      = 1.96·√(1.35845e-5 + 7.099e-8) / 1.0010444 = 0.0072352.
        let [lo, hi] = wilson95(194, 3678);
        assert!((lo - 0.045978).abs() < 2e-6, "{lo}");
        assert!((hi - 0.060448).abs() < 2e-6, "{hi}");
        // 0 of 1,000: the upper bound is z²/(n + z²) = 3.8415/1003.84 = 0.0038268.
        let [lo, hi] = wilson95(0, 1000);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.0038268).abs() < 1e-6, "{hi}");
        // n of n mirrors it; nothing known without trials.
        let [lo, hi] = wilson95(1000, 1000);
        assert!(
            (lo - (1.0 - 0.0038268)).abs() < 1e-6 && hi == 1.0,
            "{lo} {hi}"
        );
        assert_eq!(wilson95(0, 0), [0.0, 1.0]);
        // A share given with its effective size is the same interval.
        assert_eq!(wilson95_of(194.0 / 3678.0, 3678.0), wilson95(194, 3678));
    }

    #[test]
    fn quantile_ranks_by_hand() {
        // n = 100, p = 0.5: B ~ Bin(100, 0.5); P(B ≤ 39) = 0.0176 and
        // P(B ≤ 40) = 0.0284, so l = 40; P(B ≤ 59) = 0.9716 and
        // P(B ≤ 60) = 0.9824, so u − 1 = 60 and u = 61. The textbook pair
        // (x₍40₎, x₍61₎) of the median of 100.
        assert_eq!(quantile_ranks95(100, 500), [40, 61]);
        // p95 of 20: P(B ≤ 16) = 0.0159, P(B ≤ 17) = 0.0755: l = 17; the
        // top reaches past n, clamped to the largest value.
        assert_eq!(quantile_ranks95(20, 950), [17, 20]);
    }

    #[test]
    fn the_mean_interval_by_hand() {
        // No skew: the normal interval, 10 ± 1.96·2.
        let [lo, hi] = mean95(10.0, 4.0, 0.0);
        assert!((lo - 6.08007).abs() < 1e-4 && (hi - 13.91993).abs() < 1e-4);
        // se = 2, k3 = 2.4: γ = 2.4/8 = 0.3, a = 0.1.
        // g⁻¹(1.96) = (∛(1 + 0.3·1.91) − 1)/0.1 = (∛1.573 − 1)/0.1 = 1.6299;
        // g⁻¹(−1.96) = (∛(1 − 0.3·2.01) − 1)/0.1 = (∛0.397 − 1)/0.1 = −2.6504.
        // So [10 − 3.2598, 10 + 5.3008]: longer above than below.
        let [lo, hi] = mean95(10.0, 4.0, 2.4);
        assert!((lo - 6.7402).abs() < 2e-3, "{lo}");
        assert!((hi - 15.3008).abs() < 2e-3, "{hi}");
        // No spread: a point.
        assert_eq!(mean95(3.0, 0.0, 0.0), [3.0, 3.0]);
    }
}
