//! How precise a run is where it matters: the figures a grade or a
//! constraint reads (the *deciding* figures), each with its 95% interval and
//! that interval's relative half-width — what a precision target
//! (`monteCarlo.precision`, `--precision`) holds them to.
//!
//! The deciding figures of a strategy are its three measured grades (risk,
//! rollback speed, cost; not when it does not deploy, as its grades are then
//! withheld) and every numeric constraint with a limit. A figure without an
//! interval (too few trials for its order statistics) is not yet precise; an
//! interval of width 0 (every trial agrees) is exact.

use super::format::{percent, seconds};
use super::grade::{self, Column, Graded};
use crate::montecarlo::RunSummary;
use crate::recommend::{DeployVerdict, Item, Recommendation, Value, band, deploys};
use crate::stats::{Z99, wilson_of};

/// What reads a deciding figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// A whiteboard grade.
    Grade(Column),
    /// A constraint of the checklist.
    Constraint(Item),
    /// Whether it deploys: the share of good releases that do not go out.
    Deploys,
}

impl Reader {
    /// What it reads, in words: "risk: budget burn, bad release, p95".
    pub fn words(self) -> String {
        match self {
            Reader::Grade(Column::Risk) => "risk: budget burn, bad release, p95".to_owned(),
            Reader::Grade(Column::Rollback) => "rollback speed: undo → healthy, p50".to_owned(),
            Reader::Grade(c) => format!("{}: pods asked for over replicas, p95", c.heading()),
            Reader::Constraint(item) => {
                format!("{}: {}", item.key(), super::recommend::measure(item))
            }
            Reader::Deploys => "deploys: good releases that do not go out".to_owned(),
        }
    }

    /// A figure it reads, written in its unit.
    pub fn show(self, x: f64) -> String {
        match self {
            Reader::Grade(Column::Risk) => percent(x),
            Reader::Grade(Column::Rollback) => seconds(x),
            Reader::Grade(_) => format!("{x:.2}×"),
            Reader::Constraint(item) => super::recommend::show(item, x),
            Reader::Deploys => percent(x),
        }
    }
}

/// One deciding figure of one strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct Deciding {
    pub strategy: String,
    pub reads: Reader,
    /// The figure, in the unit its grade or limit reads it.
    pub value: f64,
    pub ci95: Option<[f64; 2]>,
    /// Half the interval's width over the figure: 0.05 is "± 5%". Infinite
    /// without an interval, or for a figure of 0 with an interval above it.
    pub half_width: f64,
    /// The interval reaches past a grade's bound, or holds the limit.
    pub borderline: bool,
    /// Its verdict cannot turn, however wide its interval: the deploys
    /// check, once its 99% interval is clear of the band around the 5% line
    /// ([`crate::recommend::NEAR_LINE`]). Such a figure is precise enough
    /// for any target.
    pub clear: bool,
}

/// Every deciding figure of a run of a service of `replicas`, strategy by
/// strategy in the run's order.
pub fn deciding(replicas: u32, summary: &RunSummary, rec: &Recommendation) -> Vec<Deciding> {
    let mut out = Vec::new();
    for (s, verdict) in summary.strategies.iter().zip(&rec.strategies) {
        let figure =
            |reads: Reader, value: f64, ci95: Option<[f64; 2]>, borderline: bool| Deciding {
                strategy: s.name.clone(),
                reads,
                value,
                ci95,
                half_width: half_width(value, ci95),
                borderline,
                clear: false,
            };
        // The deploys verdict decides whether the grades stand at all. It
        // is settled once its 99% interval is clear of the band around the
        // line (4.75–5.25%): stricter than 95%, since a run may stop on it at
        // its first batch. Inside the band, by the half-width like any figure.
        let d = deploys(s);
        let band = band();
        let [lo, hi] = wilson_of(d.share, d.good as f64, Z99);
        out.push(Deciding {
            clear: hi < band[0] || lo > band[1],
            ..figure(
                Reader::Deploys,
                d.share,
                Some(d.ci95),
                d.verdict == DeployVerdict::Unsure,
            )
        });
        if d.verdict != DeployVerdict::DoesNotDeploy {
            let grades: [(Column, Option<Graded>); 3] = [
                (Column::Risk, grade::risk(s)),
                (Column::Rollback, grade::rollback(s)),
                (Column::Cost, grade::cost(s, replicas)),
            ];
            for (column, g) in grades {
                if let Some(g) = g {
                    out.push(figure(
                        Reader::Grade(column),
                        g.value,
                        g.ci95,
                        !g.also().is_empty(),
                    ));
                }
            }
        }
        // The deploys check has a limit too, but on a share of good releases
        // with its own verdict for doubt (`unsure`): it is not a p95.
        for c in verdict.checks.iter().filter(|c| c.item.figure().is_some()) {
            if let (Some(Value::Number(x)), Some(Value::Number(_))) = (c.measured, c.limit) {
                let reads = Reader::Constraint(c.item);
                out.push(figure(reads, x, c.ci95, c.borderline));
            }
        }
    }
    out
}

/// The relative half-width of `ci95` around `value`.
pub fn half_width(value: f64, ci95: Option<[f64; 2]>) -> f64 {
    match ci95 {
        None => f64::INFINITY,
        Some([lo, hi]) if hi <= lo => 0.0,
        Some([lo, hi]) => (hi - lo) / 2.0 / value.abs(),
    }
}

/// The widest relative half-width among `figures` whose verdict is not
/// [`clear`](Deciding::clear) (0 when there are none).
pub fn widest(figures: &[Deciding]) -> f64 {
    figures
        .iter()
        .filter(|f| !f.clear)
        .map(|f| f.half_width)
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deploys_verdict_settles_once_clear_of_the_band() {
        use crate::recommend::fixtures::{FIGURES, run, sc, with};
        use crate::recommend::recommend;
        // 900 good releases (the fixture's 100 bad ones stall too).
        let deploys_figure = |stalled: u64| {
            let summary = run([with(|f| f.stalled = stalled), FIGURES, FIGURES, FIGURES]);
            let rec = recommend(&sc(""), &summary);
            deciding(10, &summary, &rec)
                .into_iter()
                .find(|f| f.reads == Reader::Deploys)
                .expect("a deploys figure")
        };
        // 100 of 900 = 11.1%: 99% Wilson from 8.6%, clear of 5.25%.
        let f = deploys_figure(200);
        assert!(f.clear && !f.borderline, "{f:?}");
        // 45 of 900 = 5%: inside the band, and its 95% interval holds the
        // line: borderline, and only its half-width (± 28%) can settle it.
        let f = deploys_figure(145);
        assert!(!f.clear && f.borderline, "{f:?}");
        assert!(f.half_width > 0.25, "{f:?}");
        // Nothing stalls: 0 of 900, clear below.
        assert!(deploys_figure(100).clear);
    }

    #[test]
    fn half_width_is_relative_to_the_figure() {
        // 100 with 90–110: ± 10%.
        assert_eq!(half_width(100.0, Some([90.0, 110.0])), 0.1);
        // Asymmetric 80–100 around 90: the width over two, 10 of 90.
        assert!((half_width(90.0, Some([80.0, 100.0])) - 1.0 / 9.0).abs() < 1e-12);
        // Every trial agreed: exact, even at 0.
        assert_eq!(half_width(0.0, Some([0.0, 0.0])), 0.0);
        assert_eq!(half_width(7.0, Some([7.0, 7.0])), 0.0);
        // A figure of 0 that could be more, or no interval: not precise.
        assert_eq!(half_width(0.0, Some([0.0, 1.0])), f64::INFINITY);
        assert_eq!(half_width(5.0, None), f64::INFINITY);
    }
}
