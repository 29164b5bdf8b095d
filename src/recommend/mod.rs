//! `deploysim recommend`: the checklist of choosing a rollout strategy,
//! answered with measured numbers.
//!
//! For each strategy of a run: what it needs from the team ([`needs`]), how
//! much that is to run ([`Grade`]), and each item of the checklist — the
//! blast radius a bad release may have, the time to recover, a traffic
//! router, metrics, resource headroom — with the measured figure beside the
//! scenario's limit (its `constraints` section, see
//! [`Constraints`](crate::scenario::Constraints)). Then the strategy that
//! fits best, and for every other one what it breaks and by how much.
//!
//! Everything here is a pure function of the scenario and the run summary,
//! and computes only typed verdicts: [`Recommendation`] holds numbers,
//! flags and enums, no words. `report::recommend` says them for people (the
//! text and the JSON); nothing here imports `report`.

mod checks;
mod deploys;
mod needs;
mod pick;

pub use checks::{Check, Item, Scope, Status, UNRECOVERED_P95, Unrecovered, Value};
pub use deploys::{DeployVerdict, Deploys, MAX_NOT_DEPLOYED, NEAR_LINE, band, deploys};
pub use needs::{Grade, Needs, needs};
pub use pick::{Basis, Criterion, Measured, Pick, RunnerUp, measured, worst_ratio};

use crate::montecarlo::{Capacity, RunSummary, StrategySummary};
use crate::scenario::{Scenario, SchemaChange};
use crate::trial::{Metric, Outcome};

/// The checklist of one strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct StrategyVerdict {
    /// The strategy's `name`.
    pub name: String,
    /// The strategy's `type`.
    pub kind: String,
    pub needs: Needs,
    pub complexity: Grade,
    /// Every item of [`Item::ALL`], in that order.
    pub checks: Vec<Check>,
    /// What it takes of the cluster at the 95th percentile.
    pub capacity: Capacity,
    /// Trials that ended `data_loss` (an irreversible schema change restored).
    pub data_loss: u64,
    /// What it does over all releases, good and bad.
    pub harm: Harm,
}

/// Harm over all releases, good and bad, weighted as they come (the
/// checklist's blast radius is over bad releases only).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Harm {
    /// The share of releases that end in data loss, and its 95% interval.
    pub data_loss_share: f64,
    pub data_loss_ci95: [f64; 2],
    /// Failed requests per release, the mean, and its 95% interval.
    pub mean_failed_requests: Option<f64>,
    pub mean_failed_requests_ci95: Option<[f64; 2]>,
}

impl StrategyVerdict {
    /// The checks it breaks, in checklist order.
    pub fn broken(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == Status::Broken)
    }

    /// It breaks no check.
    pub fn breaks_nothing(&self) -> bool {
        self.broken().next().is_none()
    }

    /// The measured number of `item` (`None`: not measured, or a flag).
    pub fn figure(&self, item: Item) -> Option<f64> {
        match self.checks.iter().find(|c| c.item == item)?.measured {
            Some(Value::Number(x)) => Some(x),
            _ => None,
        }
    }
}

/// Caveats about the figures of a recommendation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// The scenario has no `constraints` section: nothing is checked.
    NoConstraints,
    /// The constraints say there are metrics, but the scenario ran without
    /// them (`observability.metrics: false`).
    MeasuredWithoutMetrics,
    /// The constraints say there are no metrics, but the scenario ran with
    /// them.
    MeasuredWithMetrics,
    /// No trial had a bad release: blast radius and recovery are not measured.
    NoBadRelease,
    /// Fewer than [`FEW_BAD`] trials had a bad release: the p95s are rough.
    FewBadReleases,
    /// Fewer than [`MIN_BAD`] trials had a bad release: no winner is named.
    TooFewToPick,
    /// The schema change ended in data loss under the best strategy.
    BestLosesData,
    /// A verdict of the best strategy is borderline: the p95's 95%
    /// interval holds the limit, so more runs may turn it.
    BestBorderline,
}

/// Fewer bad releases than this make a p95 rough.
pub const FEW_BAD: u64 = 200;
/// Fewer bad releases than this behind the blast-radius figures, and no
/// winner is named: a p95 of fewer than 30 values is hardly more than their
/// largest.
pub const MIN_BAD: u64 = 30;

/// How often the pick wins on batches of the trials: each batch is
/// recommended on alone, and `same` of `batches` name the run's pick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stability {
    pub batches: u64,
    /// Trials per strategy in a batch (the last may have fewer).
    pub batch_runs: u64,
    pub same: u64,
}

impl Stability {
    /// The stability of `best` (the run's pick) over `picks`, the pick of
    /// each batch of `batch_runs` trials (`None`: that batch named none).
    pub fn of(best: Option<&str>, picks: &[Option<String>], batch_runs: u64) -> Option<Self> {
        let best = best?;
        (picks.len() > 1).then(|| Stability {
            batches: picks.len() as u64,
            batch_runs,
            same: picks.iter().filter(|p| p.as_deref() == Some(best)).count() as u64,
        })
    }

    /// The share of batches that name the same pick.
    pub fn share(&self) -> f64 {
        self.same as f64 / self.batches.max(1) as f64
    }
}

/// The answer of `deploysim recommend`.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    /// The scenario's `name`.
    pub scenario: String,
    /// Trials per strategy.
    pub runs: u64,
    /// The master seed.
    pub seed: u64,
    /// Trials whose release was bad: blast radius and recovery are over these.
    pub bad_trials: u64,
    /// The scenario has a `constraints` section.
    pub constrained: bool,
    /// The strategy that fits best (`None` for a run without strategies, or
    /// with fewer than [`MIN_BAD`] bad releases).
    pub pick: Option<Pick>,
    /// How often the pick wins on batches of the trials (`None`: not
    /// measured, e.g. for merged shards).
    pub stability: Option<Stability>,
    /// The schema change the release ships (`None`: none).
    pub schema_change: Option<SchemaChange>,
    /// Caveats, in the order to say them.
    pub notes: Vec<Note>,
    /// Every strategy of the run, in the run's order.
    pub strategies: Vec<StrategyVerdict>,
}

impl Recommendation {
    /// The strategy that fits best.
    pub fn best(&self) -> Option<&StrategyVerdict> {
        self.pick.map(|p| &self.strategies[p.best])
    }

    /// Whether `s` is the best fit.
    pub fn is_best(&self, s: &StrategyVerdict) -> bool {
        self.best().is_some_and(|b| b.name == s.name)
    }

    /// The best strategy breaks no constraint (true when there are none).
    pub fn meets_all(&self) -> bool {
        self.best().is_some_and(StrategyVerdict::breaks_nothing)
    }
}

/// Checks every strategy of `summary` against the constraints of `sc` and
/// picks the best fit.
///
/// Best fit: among the strategies that break nothing, the least data loss
/// over all releases, then the lowest complexity, then the fewest failed
/// requests given a bad release (p95), then the fewest failed requests per
/// release (the mean over all), then the fewest extra pod-hours (p95). If
/// each breaks something: the fewest broken constraints, then the fewest
/// missing capabilities (router, metrics), then the least data loss, then
/// the smallest worst measured/limit ratio, then complexity. Without a
/// `constraints` section: the least data loss, then the lowest error-budget
/// burn given a bad release (p95), then the fewest failed requests per
/// release, ties by complexity. Either way a strategy that does not deploy
/// (the `deploys` check) counts as broken. The first two are then weighed
/// with their intervals ([`pick`]); [`Pick`] says which criterion decided.
/// With fewer than [`MIN_BAD`] bad releases there is no pick.
pub fn recommend(sc: &Scenario, summary: &RunSummary) -> Recommendation {
    let strategies: Vec<StrategyVerdict> = summary
        .strategies
        .iter()
        .map(|st| verdict(sc, st))
        .collect();
    let constrained = sc.constraints.is_some();
    let bad_trials = bad_trials(summary);
    let pick = if too_few_to_pick(sc, bad_trials) {
        None
    } else {
        pick::pick(&strategies, constrained)
    };
    let mut notes = notes(sc, bad_trials);
    if pick.is_some_and(|p| strategies[p.best].data_loss > 0) {
        notes.push(Note::BestLosesData);
    }
    if pick.is_some_and(|p| strategies[p.best].checks.iter().any(|c| c.borderline)) {
        notes.push(Note::BestBorderline);
    }
    Recommendation {
        scenario: summary.scenario.clone(),
        runs: summary.runs,
        seed: summary.seed,
        bad_trials,
        constrained,
        pick,
        stability: None,
        schema_change: sc.schema_change.clone(),
        notes,
        strategies,
    }
}

/// Releases can be bad, but fewer than [`MIN_BAD`] of the trials had one.
fn too_few_to_pick(sc: &Scenario, bad_trials: u64) -> bool {
    let bad_possible = sc.release.defect_probability > 0.0 && !sc.release.defects.is_empty();
    bad_possible && bad_trials < MIN_BAD
}

/// Trials with a bad release (the count of a figure every trial has).
fn bad_trials(summary: &RunSummary) -> u64 {
    summary
        .strategies
        .first()
        .map_or(0, |s| s.given_bad[Metric::FailedRequests].count)
}

fn verdict(sc: &Scenario, st: &StrategySummary) -> StrategyVerdict {
    let needs = sc
        .strategies
        .iter()
        .find(|s| s.name == st.name)
        .map_or_else(Needs::default, |s| needs(sc, s));
    StrategyVerdict {
        name: st.name.clone(),
        kind: st.kind.clone(),
        needs,
        complexity: needs.complexity(),
        checks: checks::checklist(sc, st, &needs),
        capacity: st.capacity.clone(),
        data_loss: st.outcomes[Outcome::DataLoss],
        harm: Harm {
            data_loss_share: st.outcome_shares[Outcome::DataLoss],
            data_loss_ci95: st.outcome_shares_ci95[Outcome::DataLoss],
            mean_failed_requests: st.all[Metric::FailedRequests].mean,
            mean_failed_requests_ci95: st.all[Metric::FailedRequests].ci95,
        },
    }
}

/// Caveats about the figures: the constraints against what was simulated,
/// and the number of bad releases.
fn notes(sc: &Scenario, bad_trials: u64) -> Vec<Note> {
    let mut notes = Vec::new();
    match &sc.constraints {
        None => notes.push(Note::NoConstraints),
        Some(c) if c.metrics && !sc.observability.metrics => {
            notes.push(Note::MeasuredWithoutMetrics);
        }
        Some(c) if !c.metrics && sc.observability.metrics => {
            notes.push(Note::MeasuredWithMetrics);
        }
        Some(_) => {}
    }
    if too_few_to_pick(sc, bad_trials) {
        notes.push(Note::TooFewToPick);
    } else if bad_trials == 0 {
        notes.push(Note::NoBadRelease);
    } else if bad_trials < FEW_BAD {
        notes.push(Note::FewBadReleases);
    }
    notes
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
