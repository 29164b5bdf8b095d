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
    /// The scenario sets no constraints: the least harm (data loss, then the
    /// error budget burnt by a bad release), among the strategies that deploy.
    LeastBurn,
}

/// The second-best candidate and what set the best apart from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunnerUp {
    /// Index in the recommendation's strategies.
    pub index: usize,
    /// The first criterion on which they differ beyond the noise (their 95%
    /// intervals apart); `None`: on none, and the pick is a tie.
    pub by: Option<Criterion>,
    /// The first criterion before `by` on which their estimates differ but
    /// their intervals overlap: a difference within the noise.
    pub within_noise: Option<Criterion>,
}

impl RunnerUp {
    /// Nothing sets the two apart beyond the noise.
    pub fn tie(&self) -> bool {
        self.by.is_none()
    }
}

/// One criterion of the ranking; lower is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Criterion {
    /// The share of all releases that end in data loss.
    DataLoss,
    /// Failed requests over all releases, good and bad: the mean.
    MeanFailedRequests,
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

/// The criteria, in order, for the strategies that break nothing. Data
/// loss comes first everywhere: no limit of the checklist weighs it.
const MEETING: [Criterion; 5] = [
    Criterion::DataLoss,
    Criterion::Complexity,
    Criterion::FailedRequests,
    Criterion::MeanFailedRequests,
    Criterion::ExtraPodHours,
];
/// The criteria when every strategy breaks something.
const CLOSEST: [Criterion; 4] = [
    Criterion::Breaks,
    Criterion::DataLoss,
    Criterion::WorstRatio,
    Criterion::Complexity,
];
/// The criteria without constraints.
const LEAST_BURN: [Criterion; 4] = [
    Criterion::DataLoss,
    Criterion::Burn,
    Criterion::MeanFailedRequests,
    Criterion::Complexity,
];

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

/// Sorts `candidates` by `criteria` on their estimates; returns the first
/// and, if there is one, the second with what set them apart. Equals keep
/// the scenario's order.
///
/// The first two are then weighed again with the noise in view: the first
/// criterion on which their 95% intervals are apart decides between them
/// (the second goes first if it is the better one there), and a criterion
/// on which only their estimates differ is passed over as within the
/// noise. If no criterion sets them apart, the pick is a tie
/// ([`RunnerUp::tie`]) and the first keeps its place.
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
    let (mut best, Some(&second)) = (*order.first()?, order.get(1)) else {
        return Some((*order.first()?, None));
    };
    let mut runner = RunnerUp {
        index: second,
        by: None,
        within_noise: None,
    };
    for &c in criteria {
        match apart(c, &s[best], &s[runner.index]) {
            Ordering::Less => {}
            Ordering::Greater => std::mem::swap(&mut best, &mut runner.index),
            Ordering::Equal => {
                if runner.within_noise.is_none() && compare(best, runner.index, c).is_ne() {
                    runner.within_noise = Some(c);
                }
                continue;
            }
        }
        runner.by = Some(c);
        break;
    }
    Some((best, Some(runner)))
}

/// `a` against `b` on one criterion, by their estimates.
fn compare(c: Criterion, a: &StrategyVerdict, b: &StrategyVerdict) -> Ordering {
    match c {
        Criterion::Complexity => a.complexity.cmp(&b.complexity),
        Criterion::Breaks => {
            (a.broken().count(), missing(a)).cmp(&(b.broken().count(), missing(b)))
        }
        Criterion::WorstRatio => worst_ratio(a).total_cmp(&worst_ratio(b)),
        _ => by_figure(measured(c, a), measured(c, b)),
    }
}

/// `a` against `b` on one criterion beyond the noise: `Equal` when the
/// figures' 95% intervals overlap. A criterion without intervals
/// (complexity, broken constraints, the worst ratio) compares as
/// [`compare`] does.
fn apart(c: Criterion, a: &StrategyVerdict, b: &StrategyVerdict) -> Ordering {
    match (measured(c, a), measured(c, b)) {
        (Some(x), Some(y)) => match (x.ci95, y.ci95) {
            (Some([_, x_hi]), Some([y_lo, _])) if x_hi < y_lo => Ordering::Less,
            (Some([x_lo, _]), Some([_, y_hi])) if y_hi < x_lo => Ordering::Greater,
            // Overlapping, or a figure without an interval (too few
            // trials for one): nothing is known beyond the noise.
            _ => Ordering::Equal,
        },
        _ => compare(c, a, b),
    }
}

/// A figure a criterion reads, with its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    pub value: f64,
    pub ci95: Option<[f64; 2]>,
}

/// The figure criterion `c` reads of `s` (`None` for complexity, broken
/// constraints and the worst ratio, which are not measured figures, or
/// when no trial measured it).
pub fn measured(c: Criterion, s: &StrategyVerdict) -> Option<Measured> {
    let check = |item: Item| {
        let k = s.checks.iter().find(|k| k.item == item)?;
        match k.measured {
            Some(Value::Number(value)) => Some(Measured {
                value,
                ci95: k.ci95,
            }),
            _ => None,
        }
    };
    match c {
        Criterion::DataLoss => Some(Measured {
            value: s.harm.data_loss_share,
            ci95: Some(s.harm.data_loss_ci95),
        }),
        Criterion::MeanFailedRequests => s.harm.mean_failed_requests.map(|value| Measured {
            value,
            ci95: s.harm.mean_failed_requests_ci95,
        }),
        Criterion::FailedRequests => check(Item::MaxFailedRequests),
        Criterion::ExtraPodHours => check(Item::MaxExtraPodHours),
        Criterion::Burn => check(Item::MaxErrorBudgetBurn),
        Criterion::Complexity | Criterion::Breaks | Criterion::WorstRatio => None,
    }
}

/// Lower is better; a missing figure is worst.
fn by_figure(a: Option<Measured>, b: Option<Measured>) -> Ordering {
    let v = |m: Option<Measured>| m.map_or(f64::INFINITY, |m| m.value);
    v(a).total_cmp(&v(b))
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
