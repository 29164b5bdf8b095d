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
//!   restore, a canary's steps run again). The p95 beside it shows the tail
//!   (e.g. blue-green after blue was scaled down); the time to recover
//!   (onset → healthy, detection and response included) is shown beside
//!   the grade, not graded.
//! - **cost**: the most pods the ReplicaSets own at once (`peak_replicas`:
//!   terminating pods left out, they are shutting down, not asked for), at
//!   p95, over the steady replicas. Up to 1.3× is low (a surge), up to 1.75×
//!   medium, more is high (a second environment).
//! - **complexity**: what the strategy needs beyond a Deployment, as
//!   [`crate::recommend::Needs::complexity`] grades it.
//!
//! Before any of them: does it deploy ([`crate::recommend::deploys`], the
//! rule `recommend` picks by too)? A strategy that does not is graded on
//! that alone: a small blast radius means nothing when the release never
//! ships.

use serde::Serialize;

use crate::montecarlo::StrategySummary;
use crate::recommend::DeployVerdict;
use crate::trial::Metric;

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

/// The deploy verdict in a word, and as a mark.
pub fn deploy_word(v: DeployVerdict) -> (&'static str, Mark) {
    match v {
        DeployVerdict::Deploys => ("yes", Mark::Good),
        DeployVerdict::Unsure => ("unsure", Mark::Fair),
        DeployVerdict::DoesNotDeploy => ("no", Mark::Poor),
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
