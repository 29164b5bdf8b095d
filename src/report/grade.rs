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
//! Each measured figure carries its 95% interval (a quantile's order
//! statistics, [`crate::stats`]); a grade whose interval reaches past a
//! bound is borderline, and says which other grades the interval admits.
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

/// A measured figure graded: the mark of its estimate, and the marks of
/// its 95% interval's ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Graded {
    pub mark: Mark,
    /// The figure graded (lower is better).
    pub value: f64,
    pub ci95: Option<[f64; 2]>,
    /// The marks of the interval's low and high ends (both `mark` when
    /// there is no interval).
    reach: [Mark; 2],
}

impl Graded {
    /// `value` with its interval `ci95`, against `bounds`.
    pub fn new(value: f64, ci95: Option<[f64; 2]>, bounds: [f64; 2]) -> Self {
        let m = mark(value, bounds);
        let reach = ci95.map_or([m, m], |[lo, hi]| {
            [mark(lo, bounds).min(m), mark(hi, bounds).max(m)]
        });
        Graded {
            mark: m,
            value,
            ci95,
            reach,
        }
    }

    /// The other marks the interval admits: empty when the grade is clear
    /// of its bounds.
    pub fn also(&self) -> Vec<Mark> {
        [Mark::Good, Mark::Fair, Mark::Poor]
            .into_iter()
            .filter(|&m| m != self.mark && self.reach[0] <= m && m <= self.reach[1])
            .collect()
    }
}

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
pub fn risk(s: &StrategySummary) -> Option<Graded> {
    let burn = &s.given_bad[Metric::ErrorBudgetBurn];
    Some(Graded::new(burn.p95?, burn.p95_ci95, RISK_BUDGET_BURN))
}

/// Rollback speed: the median rollback time (`None`: nothing was rolled back).
pub fn rollback(s: &StrategySummary) -> Option<Graded> {
    let t = &s.all[Metric::RollbackTime];
    Some(Graded::new(t.p50?, t.p50_ci95, ROLLBACK_SECONDS))
}

/// Cost: the p95 of the most pods the ReplicaSets owned at once, as a
/// multiple of the steady `replicas`.
pub fn cost(s: &StrategySummary, replicas: u32) -> Option<Graded> {
    let peak = &s.all[Metric::PeakReplicas];
    let per = |pods: f64| pods / f64::from(replicas.max(1));
    Some(Graded::new(
        per(peak.p95?),
        peak.p95_ci95.map(|ci| ci.map(per)),
        PEAK_PODS_RATIO,
    ))
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
        let graded = cost(&s, 10).expect("graded");
        assert_eq!((graded.mark, graded.value), (Mark::Good, 1.2));
        // Blue-green's second stack is asked for: 20 of them, high.
        s.all[Metric::PeakReplicas] = stat(1000, 20.0);
        let graded = cost(&s, 10).expect("graded");
        assert_eq!((graded.mark, graded.value), (Mark::Poor, 2.0));
    }

    #[test]
    fn an_interval_across_a_bound_makes_the_grade_borderline() {
        // p95 burn 13.4%, high (> 10%); its interval 9.8–16% reaches medium.
        let g = Graded::new(0.134, Some([0.098, 0.16]), RISK_BUDGET_BURN);
        assert_eq!((g.mark, g.also()), (Mark::Poor, vec![Mark::Fair]));
        // 8.8%, medium, with 7–9.5%: clear of both bounds.
        let g = Graded::new(0.088, Some([0.07, 0.095]), RISK_BUDGET_BURN);
        assert_eq!(g.also(), vec![]);
        // Wide enough to reach both other grades.
        let g = Graded::new(0.05, Some([0.01, 0.2]), RISK_BUDGET_BURN);
        assert_eq!(g.also(), vec![Mark::Good, Mark::Poor]);
        // An end on a bound is graded as the bound is (inclusive): 2% is
        // low, 10% medium.
        let g = Graded::new(0.05, Some([0.02, 0.10]), RISK_BUDGET_BURN);
        assert_eq!(g.also(), vec![Mark::Good]);
        let g = Graded::new(0.05, Some([0.021, 0.10]), RISK_BUDGET_BURN);
        assert_eq!(g.also(), vec![]);
        // No interval: nothing to say.
        assert_eq!(Graded::new(0.5, None, RISK_BUDGET_BURN).also(), vec![]);
    }

    #[test]
    fn words_follow_the_column() {
        assert_eq!(Column::Risk.word(Mark::Good), "low");
        assert_eq!(Column::Rollback.word(Mark::Good), "fast");
        assert_eq!(Column::Rollback.word(Mark::Poor), "slow");
        assert_eq!(Column::Complexity.word(Mark::Poor), "high");
    }
}
