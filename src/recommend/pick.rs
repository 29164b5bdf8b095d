//! Which strategy fits best, and what set it apart from the runner-up.

use std::cmp::Ordering;

use super::StrategyVerdict;
use super::checks::{Item, Status, Value};

/// The chosen strategy and how it was chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pick {
    /// Index of the best strategy in the recommendation's strategies.
    pub best: usize,
    pub basis: Basis,
    /// The strategy that came second, if there was another candidate.
    pub runner_up: Option<RunnerUp>,
}

/// Among which strategies the best was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// Among the `count` strategies that break no constraint.
    MeetsAll { count: usize },
    /// Every strategy breaks something: the one that breaks least.
    Closest,
    /// The scenario sets no constraints: the least error budget burnt by a
    /// bad release, among the strategies that deploy.
    LeastBurn,
}

/// The second-best candidate and what set the best apart from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunnerUp {
    /// Index in the recommendation's strategies.
    pub index: usize,
    /// The first criterion on which they differ; `None`: they tie on every
    /// one and the best comes first in the scenario.
    pub by: Option<Criterion>,
}

/// One criterion of the ranking; lower is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Criterion {
    /// [`Needs::complexity`](super::Needs::complexity).
    Complexity,
    /// Failed requests given a bad release, p95.
    FailedRequests,
    /// Extra pod-hours, p95.
    ExtraPodHours,
    /// Error budget burn given a bad release, p95.
    Burn,
    /// Broken constraints, then how many of them are a missing capability.
    Breaks,
    /// The worst measured/limit ratio of the broken limits.
    WorstRatio,
}

/// The criteria, in order, for the strategies that break nothing.
const MEETING: [Criterion; 3] = [
    Criterion::Complexity,
    Criterion::FailedRequests,
    Criterion::ExtraPodHours,
];
/// The criteria when every strategy breaks something.
const CLOSEST: [Criterion; 3] = [
    Criterion::Breaks,
    Criterion::WorstRatio,
    Criterion::Complexity,
];
/// The criteria without constraints.
const LEAST_BURN: [Criterion; 2] = [Criterion::Burn, Criterion::Complexity];

/// The best fit among `strategies` (see [`recommend`](super::recommend)
/// for the order of preference); `None` only without strategies.
pub fn pick(strategies: &[StrategyVerdict], constrained: bool) -> Option<Pick> {
    let deploying: Vec<usize> = (0..strategies.len())
        .filter(|&i| strategies[i].breaks_nothing())
        .collect();
    let (basis, candidates, criteria): (Basis, Vec<usize>, &[Criterion]) =
        match (constrained, deploying.is_empty()) {
            (true, false) => (
                Basis::MeetsAll {
                    count: deploying.len(),
                },
                deploying,
                &MEETING,
            ),
            (true, true) => (Basis::Closest, (0..strategies.len()).collect(), &CLOSEST),
            // A strategy that rarely deploys is no answer, whatever it burns.
            (false, false) => (Basis::LeastBurn, deploying, &LEAST_BURN),
            (false, true) => (
                Basis::LeastBurn,
                (0..strategies.len()).collect(),
                &LEAST_BURN,
            ),
        };
    let (best, runner_up) = rank(strategies, &candidates, criteria)?;
    Some(Pick {
        best,
        basis,
        runner_up,
    })
}

/// Sorts `candidates` by `criteria`; returns the first and, if there is
/// one, the second with what set them apart. Equals keep the scenario's order.
fn rank(
    s: &[StrategyVerdict],
    candidates: &[usize],
    criteria: &[Criterion],
) -> Option<(usize, Option<RunnerUp>)> {
    let compare = |a: usize, b: usize, c: Criterion| compare(c, &s[a], &s[b]);
    let mut order = candidates.to_vec();
    order.sort_by(|&a, &b| {
        criteria
            .iter()
            .map(|&c| compare(a, b, c))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    let best = *order.first()?;
    let runner_up = order.get(1).map(|&index| RunnerUp {
        index,
        by: criteria
            .iter()
            .copied()
            .find(|&c| compare(best, index, c).is_ne()),
    });
    Some((best, runner_up))
}

/// `a` against `b` on one criterion.
fn compare(c: Criterion, a: &StrategyVerdict, b: &StrategyVerdict) -> Ordering {
    let figure = |item: Item| by_figure(a.figure(item), b.figure(item));
    match c {
        Criterion::Complexity => a.complexity.cmp(&b.complexity),
        Criterion::FailedRequests => figure(Item::MaxFailedRequests),
        Criterion::ExtraPodHours => figure(Item::MaxExtraPodHours),
        Criterion::Burn => figure(Item::MaxErrorBudgetBurn),
        Criterion::Breaks => {
            (a.broken().count(), missing(a)).cmp(&(b.broken().count(), missing(b)))
        }
        Criterion::WorstRatio => worst_ratio(a).total_cmp(&worst_ratio(b)),
    }
}

/// Lower is better; a missing figure is worst.
fn by_figure(a: Option<f64>, b: Option<f64>) -> Ordering {
    a.unwrap_or(f64::INFINITY)
        .total_cmp(&b.unwrap_or(f64::INFINITY))
}

/// The worst measured/limit ratio of the broken limits (∞ for a limit of 0
/// or a figure beyond the horizon), or 0 when only capabilities break.
pub fn worst_ratio(s: &StrategyVerdict) -> f64 {
    s.broken()
        .filter(|c| matches!(c.limit, Some(Value::Number(_))))
        .map(|c| c.ratio.unwrap_or(f64::INFINITY))
        .fold(0.0, f64::max)
}

/// Capabilities (router, metrics, room) the strategy needs and the team lacks.
fn missing(s: &StrategyVerdict) -> usize {
    s.checks
        .iter()
        .filter(|c| c.status == Status::Broken && matches!(c.limit, Some(Value::Flag(_))))
        .count()
}
