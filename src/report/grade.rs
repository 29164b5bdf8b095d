//! The whiteboard's words — risk, rollback speed, cost, complexity — derived
//! from the measured numbers, each with the figure it rests on.
//!
//! The thresholds are fixed and documented (README, "Reading the report") so a
//! grade means the same in every scenario:
//!
//! - **risk**: the error budget a bad release burns, at p95. Below 2% is low —
//!   less than the SRE Workbook's fast-burn page (14.4× over 1 h) spends
//!   before it fires; up to 10% is medium — what its slowest, ticket-level
//!   alert (1× over 3 days) lets go; more is high.
//! - **rollback speed**: how fast the way back is once someone acts —
//!   `rollout undo` → healthy again (`rollback_time_s`), the median over the
//!   trials undone. Up to 1 min is fast (a switch of traffic), up to 10 min
//!   medium (pods must start), more is slow (a rebuild, a redeploy, a
//!   restore). The p95 beside it shows the tail (e.g. blue-green after blue
//!   was scaled down); the time to recover (onset → healthy, detection and
//!   response included) is shown beside the grade, not graded.
//! - **cost**: the most pods the ReplicaSets own at once (`peak_replicas`:
//!   terminating pods left out, they are shutting down, not asked for), at
//!   p95, over the steady replicas. Up to 1.3× is low (a surge), up to 1.75×
//!   medium, more is high (a second environment).
//! - **complexity**: what the strategy needs beyond a Deployment, as
//!   [`crate::recommend::Needs::complexity`] grades it.
//!
//! Before any of them: does it deploy? A strategy whose good releases do not
//! go out (rolled back by a noisy check, stalled at the progress deadline,
//! restored from backup) more than [`MAX_NOT_DEPLOYED`] of the time, by the
//! lower end of the share's 95% interval, is graded on that alone: a small
//! blast radius means nothing when the release never ships.

use serde::Serialize;

use crate::montecarlo::StrategySummary;
use crate::stats::wilson95;
use crate::trial::{Metric, Outcome};

/// A grade, from the reader's side: good, fair or poor. Each column says it
/// in its own words (risk "low", rollback "fast", …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Good,
    Fair,
    Poor,
}

/// One column of the whiteboard table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Risk,
    Rollback,
    Cost,
    Complexity,
}

impl Column {
    /// The word for `mark` in this column.
    pub fn word(self, mark: Mark) -> &'static str {
        match (self, mark) {
            (Column::Rollback, Mark::Good) => "fast",
            (Column::Rollback, Mark::Fair) => "medium",
            (Column::Rollback, Mark::Poor) => "slow",
            (_, Mark::Good) => "low",
            (_, Mark::Fair) => "medium",
            (_, Mark::Poor) => "high",
        }
    }

    /// The column's heading.
    pub fn heading(self) -> &'static str {
        match self {
            Column::Risk => "risk",
            Column::Rollback => "rollback speed",
            Column::Cost => "cost",
            Column::Complexity => "complexity",
        }
    }
}

/// Error budget burned by a bad release (p95): the bounds of low and medium.
pub const RISK_BUDGET_BURN: [f64; 2] = [0.02, 0.10];
/// Undo → healthy (p50), seconds: the bounds of fast and medium.
pub const ROLLBACK_SECONDS: [f64; 2] = [60.0, 600.0];
/// Peak ReplicaSet pods (p95) over the steady replicas: the bounds of low
/// and medium.
pub const PEAK_PODS_RATIO: [f64; 2] = [1.3, 1.75];

/// Grades `value` against `[good, fair]` upper bounds (inclusive).
pub fn mark(value: f64, bounds: [f64; 2]) -> Mark {
    if value <= bounds[0] {
        Mark::Good
    } else if value <= bounds[1] {
        Mark::Fair
    } else {
        Mark::Poor
    }
}

/// The share of good releases that may fail to go out before the other
/// grades stop meaning anything: one deploy in twenty.
pub const MAX_NOT_DEPLOYED: f64 = 0.05;

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
    /// The interval holds the line: too few trials to tell.
    Unsure,
    /// The whole interval is over the line: the other grades are withheld.
    DoesNotDeploy,
}

impl DeployVerdict {
    /// The verdict in a word, and as a mark.
    pub fn word(self) -> (&'static str, Mark) {
        match self {
            DeployVerdict::Deploys => ("yes", Mark::Good),
            DeployVerdict::Unsure => ("unsure", Mark::Fair),
            DeployVerdict::DoesNotDeploy => ("no", Mark::Poor),
        }
    }
}

/// Does the strategy deploy: the good releases (trials less the bad ones)
/// that did not succeed, against [`MAX_NOT_DEPLOYED`].
pub fn deploys(s: &StrategySummary) -> Deploys {
    let good = s
        .trials()
        .saturating_sub(s.given_bad[Metric::FailedRequests].count);
    let not_out = good.saturating_sub(s.outcomes[Outcome::Succeeded]);
    let ci95 = wilson95(not_out, good);
    let verdict = if ci95[0] > MAX_NOT_DEPLOYED {
        DeployVerdict::DoesNotDeploy
    } else if ci95[1] > MAX_NOT_DEPLOYED {
        DeployVerdict::Unsure
    } else {
        DeployVerdict::Deploys
    };
    Deploys {
        good,
        not_out,
        share: not_out as f64 / good.max(1) as f64,
        ci95,
        verdict,
    }
}

/// Risk: the p95 error budget burn given a bad release (`None`: no bad release).
pub fn risk(s: &StrategySummary) -> Option<(Mark, f64)> {
    let burn = s.given_bad[Metric::ErrorBudgetBurn].p95?;
    Some((mark(burn, RISK_BUDGET_BURN), burn))
}

/// Rollback speed: the median rollback time (`None`: nothing was rolled back).
pub fn rollback(s: &StrategySummary) -> Option<(Mark, f64)> {
    let t = s.all[Metric::RollbackTime].p50?;
    Some((mark(t, ROLLBACK_SECONDS), t))
}

/// Cost: the p95 of the most pods the ReplicaSets owned at once, as a
/// multiple of the steady `replicas`.
pub fn cost(s: &StrategySummary, replicas: u32) -> Option<(Mark, f64)> {
    let peak = s.all[Metric::PeakReplicas].p95?;
    let ratio = peak / f64::from(replicas.max(1));
    Some((mark(ratio, PEAK_PODS_RATIO), ratio))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_and_ordered() {
        assert_eq!(mark(0.02, RISK_BUDGET_BURN), Mark::Good);
        assert_eq!(mark(0.0200001, RISK_BUDGET_BURN), Mark::Fair);
        assert_eq!(mark(0.10, RISK_BUDGET_BURN), Mark::Fair);
        assert_eq!(mark(0.5, RISK_BUDGET_BURN), Mark::Poor);
        assert_eq!(mark(30.0, ROLLBACK_SECONDS), Mark::Good);
        assert_eq!(mark(601.0, ROLLBACK_SECONDS), Mark::Poor);
        // Surge 25% (1.25×) is low; blue-green's second stack (2×) is high.
        assert_eq!(mark(1.25, PEAK_PODS_RATIO), Mark::Good);
        assert_eq!(mark(2.0, PEAK_PODS_RATIO), Mark::Poor);
    }

    #[test]
    fn a_strategy_is_first_graded_on_whether_it_deploys() {
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
        // Nothing stalls: 0 of 900, 0–0.42%.
        assert_eq!(verdict(0).not_out, 0);
        assert_eq!(verdict(0).verdict, DeployVerdict::Deploys);
    }

    #[test]
    fn cost_is_the_pods_asked_for_not_the_pods_shutting_down() {
        use crate::recommend::fixtures::{FIGURES, run, stat};
        // 10 replicas. A rolling update asks for 12 at most (1.2×, low), but
        // with a long grace period old pods still shut down beside them: 20
        // exist at once, the 2.00× of a second environment.
        let mut s = run([FIGURES; 4]).strategies.remove(1);
        s.all[Metric::PeakReplicas] = stat(1000, 12.0);
        s.all[Metric::PeakPods] = stat(1000, 20.0);
        assert_eq!(cost(&s, 10), Some((Mark::Good, 1.2)));
        // Blue-green's second stack is asked for: 20 of them, high.
        s.all[Metric::PeakReplicas] = stat(1000, 20.0);
        assert_eq!(cost(&s, 10), Some((Mark::Poor, 2.0)));
    }

    #[test]
    fn words_follow_the_column() {
        assert_eq!(Column::Risk.word(Mark::Good), "low");
        assert_eq!(Column::Rollback.word(Mark::Good), "fast");
        assert_eq!(Column::Rollback.word(Mark::Poor), "slow");
        assert_eq!(Column::Complexity.word(Mark::Poor), "high");
    }
}
