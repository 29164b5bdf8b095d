//! Does a strategy deploy at all: the share of its good releases that do
//! not go out (rolled back by a noisy check, stalled at the progress
//! deadline, restored from backup), with its 95% Wilson interval, against
//! one deploy in twenty. The whiteboard withholds its other grades when it
//! does not (`report::grade`), and `recommend` picks no such strategy.

use serde::Serialize;

use crate::montecarlo::StrategySummary;
use crate::stats::wilson95;
use crate::trial::{Metric, Outcome};

/// The share of good releases that may fail to go out before the other
/// grades stop meaning anything: one deploy in twenty.
pub const MAX_NOT_DEPLOYED: f64 = 0.05;

/// A share within this much of the line, relative to it (± 5%: 4.75% to
/// 5.25%), is around the line however many runs there are: a precise
/// interval of 5.05–5.15% no more settles "does not deploy" than one of
/// 4.9–5.1% does, and which of the two a seed gives is chance.
pub const NEAR_LINE: f64 = 0.05;

/// The band around the line, `[low, high]`: [`MAX_NOT_DEPLOYED`] ±
/// [`NEAR_LINE`] of itself (4.75% to 5.25%).
pub fn band() -> [f64; 2] {
    [1.0 - NEAR_LINE, 1.0 + NEAR_LINE].map(|f| f * MAX_NOT_DEPLOYED)
}

/// Whether a strategy's good releases go out.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Deploys {
    /// Good releases simulated.
    pub good: u64,
    /// Those that did not end `succeeded`.
    pub not_out: u64,
    /// `not_out / good`.
    pub share: f64,
    /// The share's 95% Wilson interval.
    pub ci95: [f64; 2],
    pub verdict: DeployVerdict,
}

/// [`Deploys`] read against [`MAX_NOT_DEPLOYED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployVerdict {
    /// The whole interval is at or under the line.
    Deploys,
    /// The interval holds the line (too few trials to tell), or the share
    /// is within [`NEAR_LINE`] of it.
    Unsure,
    /// The whole interval is over the band around the line (above 5.25%):
    /// the other grades are withheld.
    DoesNotDeploy,
}

/// Does the strategy deploy: the good releases (trials less the bad ones)
/// that did not succeed, against [`MAX_NOT_DEPLOYED`].
pub fn deploys(s: &StrategySummary) -> Deploys {
    let good = s
        .trials()
        .saturating_sub(s.given_bad[Metric::FailedRequests].count);
    let not_out = good.saturating_sub(s.outcomes[Outcome::Succeeded]);
    let ci95 = wilson95(not_out, good);
    let share = not_out as f64 / good.max(1) as f64;
    let near = (share - MAX_NOT_DEPLOYED).abs() <= NEAR_LINE * MAX_NOT_DEPLOYED;
    // Withholding every grade takes the whole interval past the band, not
    // only past the line.
    let verdict = if near {
        DeployVerdict::Unsure
    } else if ci95[0] > band()[1] {
        DeployVerdict::DoesNotDeploy
    } else if ci95[1] > MAX_NOT_DEPLOYED {
        DeployVerdict::Unsure
    } else {
        DeployVerdict::Deploys
    };
    Deploys {
        good,
        not_out,
        share,
        ci95,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_strategy_deploys_unless_over_one_good_release_in_twenty_stays_out() {
        use crate::recommend::fixtures::{FIGURES, run, with};
        // 1,000 trials, 100 bad: 900 good releases. The fixture counts
        // 1,000 − stalled succeeded, its 100 bad releases among them, so
        // stalled − 100 good releases do not go out.
        let verdict = |stalled: u64| {
            let s = run([with(|f| f.stalled = stalled), FIGURES, FIGURES, FIGURES]);
            deploys(&s.strategies[0])
        };
        // 30 of 900 = 3.3%: Wilson 2.35–4.72%, all under 5%.
        let d = verdict(130);
        assert_eq!((d.good, d.not_out), (900, 30));
        assert!((d.ci95[0] - 0.0235).abs() < 5e-4 && (d.ci95[1] - 0.0472).abs() < 5e-4);
        assert_eq!(d.verdict, DeployVerdict::Deploys);
        // 45 of 900 = 5%: 3.76–6.62%, the line inside.
        assert_eq!(verdict(145).verdict, DeployVerdict::Unsure);
        // 65 of 900 = 7.2%: 5.71–9.11%, all over.
        let d = verdict(165);
        assert!((d.ci95[0] - 0.0571).abs() < 5e-4, "{:?}", d.ci95);
        assert_eq!(d.verdict, DeployVerdict::DoesNotDeploy);
        // Near the line with many trials: 51,000 of 1,000,000 good releases
        // do not go out, 5.1% (Wilson 5.06–5.14%, all over the line), but
        // within 4.75–5.25%: unsure. (The 100 bad releases stall too.)
        let many = |good: u64, not_out: u64| {
            let mut s = run([FIGURES; 4]).strategies.remove(0);
            s.outcomes[Outcome::Succeeded] = good - not_out;
            s.outcomes[Outcome::Stalled] = not_out + 100;
            deploys(&s)
        };
        let d = many(1_000_000, 51_000);
        assert_eq!((d.good, d.not_out), (1_000_000, 51_000));
        assert!(d.ci95[0] > MAX_NOT_DEPLOYED, "{:?}", d.ci95);
        assert_eq!(d.verdict, DeployVerdict::Unsure);
        // 5,300 of 100,000 (5.3%) is past the band, but its interval
        // (5.16–5.44%) reaches into it: unsure. 55,000 of 1,000,000 (5.5%,
        // 5.46–5.54%) is clear of it: it does not deploy.
        assert_eq!(many(100_000, 5_300).verdict, DeployVerdict::Unsure);
        assert_eq!(
            many(1_000_000, 55_000).verdict,
            DeployVerdict::DoesNotDeploy
        );
        // Nothing stalls: 0 of 900, 0–0.42%.
        assert_eq!(verdict(0).not_out, 0);
        assert_eq!(verdict(0).verdict, DeployVerdict::Deploys);
    }
}
