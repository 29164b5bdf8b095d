//! Sampling the scenario's distributions.

use rand::{Rng, RngExt};

use super::model::Dist;

/// z of the 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

impl Dist {
    /// A lognormal given its median and 95th percentile (`p95 > median > 0`).
    pub fn lognormal(median: f64, p95: f64) -> Dist {
        let mu = median.ln();
        let sigma = (p95.ln() - mu) / Z95;
        Dist::LogNormal {
            median,
            p95,
            mu,
            sigma,
        }
    }

    /// One draw. Always consumes exactly one `u64`-pair worth of the stream per
    /// call shape, so common random numbers stay aligned between strategies.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Dist::Exponential { mean } => -mean * (1.0 - rng.random::<f64>()).ln(),
            Dist::LogNormal { mu, sigma, .. } => (mu + sigma * standard_normal(rng)).exp(),
            Dist::Empirical(samples) => samples[rng.random_range(0..samples.len())],
        }
    }

    /// The distribution's mean (used for documentation and sanity tests).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Exponential { mean } => *mean,
            Dist::LogNormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Empirical(s) => s.iter().sum::<f64>() / s.len() as f64,
        }
    }

    /// The `q`-quantile (0 < q < 1).
    pub fn quantile(&self, q: f64) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => min + (max - min) * q,
            Dist::Exponential { mean } => -mean * (1.0 - q).ln(),
            Dist::LogNormal { mu, sigma, .. } => (mu + sigma * normal_quantile(q)).exp(),
            Dist::Empirical(s) => {
                let mut v = s.clone();
                v.sort_by(f64::total_cmp);
                v[((q * v.len() as f64) as usize).min(v.len() - 1)]
            }
        }
    }

    /// P(X ≤ x).
    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            Dist::Fixed(v) => f64::from(u8::from(x >= *v)),
            Dist::Uniform { min, max } => {
                if x < *min {
                    0.0
                } else if x >= *max {
                    1.0
                } else {
                    (x - min) / (max - min)
                }
            }
            Dist::Exponential { mean } => {
                if x <= 0.0 {
                    0.0
                } else {
                    1.0 - (-x / mean).exp()
                }
            }
            Dist::LogNormal { mu, sigma, .. } => {
                if x <= 0.0 {
                    0.0
                } else {
                    normal_cdf((x.ln() - mu) / sigma)
                }
            }
            Dist::Empirical(s) => s.iter().filter(|&&v| v <= x).count() as f64 / s.len() as f64,
        }
    }
}

/// Standard normal draw (Ziggurat, rand_distr's `StandardNormal`): fast, and
/// fixed for a given locked version of rand_distr.
fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    rng.sample(rand_distr::StandardNormal)
}

/// Φ⁻¹(q), the standard normal quantile.
pub fn normal_quantile(q: f64) -> f64 {
    -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * q)
}

/// Φ(z), the standard normal CDF.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
        v.sort_by(f64::total_cmp);
        v[((v.len() as f64) * q) as usize]
    }

    #[test]
    fn lognormal_hits_its_median_and_p95() {
        // 200k draws: the empirical quantiles sit within 2% of the targets.
        let d = Dist::lognormal(20_000.0, 60_000.0);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let v: Vec<f64> = (0..200_000).map(|_| d.sample(&mut rng)).collect();
        assert!((quantile(v.clone(), 0.5) / 20_000.0 - 1.0).abs() < 0.02);
        assert!((quantile(v, 0.95) / 60_000.0 - 1.0).abs() < 0.02);
        assert!((d.cdf(60_000.0) - 0.95).abs() < 1e-9);
    }

    #[test]
    fn exponential_and_uniform_means() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let e = Dist::Exponential { mean: 1200.0 };
        let m: f64 = (0..100_000).map(|_| e.sample(&mut rng)).sum::<f64>() / 100_000.0;
        assert!((m / 1200.0 - 1.0).abs() < 0.02, "mean {m}");
        let u = Dist::Uniform { min: 2.0, max: 4.0 };
        let m: f64 = (0..100_000).map(|_| u.sample(&mut rng)).sum::<f64>() / 100_000.0;
        assert!((m - 3.0).abs() < 0.01, "mean {m}");
    }

    #[test]
    fn fixed_and_empirical() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        assert_eq!(Dist::Fixed(5.0).sample(&mut rng), 5.0);
        let e = Dist::Empirical(vec![1.0, 2.0, 3.0]);
        for _ in 0..100 {
            assert!([1.0, 2.0, 3.0].contains(&e.sample(&mut rng)));
        }
        assert_eq!(e.cdf(2.0), 2.0 / 3.0);
    }
}
