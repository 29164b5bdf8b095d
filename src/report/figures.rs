//! Which figures a report has and what goes into each: the run's six
//! (distributions given a bad release, times, outcomes, cost) from its
//! statistics, and a sweep's headline metrics against the swept values.
//! Drawing is `plots`' business.

use rayon::prelude::*;

use super::document::FIGURES;
use super::plots::{self, Figure, Series, Spread};
use crate::error::Error;
use crate::montecarlo::{RunSummary, StrategyStats};
use crate::stats::Summary;
use crate::sweep::{SweepRow, SweepSummary};
use crate::trial::{Metric, Outcome};

/// Steps kept of each CDF: finer than a figure can show.
const CDF_POINTS: usize = 400;

/// The run report's figures, in the order of [`FIGURES`]. `stats[k]` are
/// the statistics of `summary.strategies[k]`.
pub fn run(summary: &RunSummary, stats: &[StrategyStats]) -> Result<Vec<Figure>, Error> {
    FIGURES
        .par_iter()
        .map(|&(name, title)| run_figure(name, title, summary, stats))
        .collect()
}

fn run_figure(
    name: &str,
    title: &str,
    s: &RunSummary,
    stats: &[StrategyStats],
) -> Result<Figure, Error> {
    match name {
        "failed_requests_cdf" => {
            let series = cdfs(s, stats, Metric::FailedRequests);
            plots::cdf(name, title, "failed requests per bad release", &series)
        }
        "affected_users_cdf" => {
            let series = cdfs(s, stats, Metric::AffectedUsers);
            plots::cdf(name, title, "affected users per bad release", &series)
        }
        "time_to_detect" => {
            let items = spreads(s, Metric::TimeToDetect);
            plots::spreads(name, title, "defect visible → detected", &items)
        }
        "time_to_recover" => {
            let items = spreads(s, Metric::TimeToRecover);
            plots::spreads(name, title, "defect onset → healthy again", &items)
        }
        "outcomes" => plots::shares(name, title, &outcome_parts(), &outcome_rows(s)),
        _ => {
            let measures = ["peak pods (p95)", "extra pod-hours (mean)"].map(String::from);
            plots::bars(name, title, &measures, &cost_rows(s))
        }
    }
}

fn cdfs(s: &RunSummary, stats: &[StrategyStats], metric: Metric) -> Vec<Series> {
    s.strategies
        .iter()
        .zip(stats)
        .map(|(st, x)| Series {
            label: st.name.clone(),
            points: x.given_bad()[metric].cdf(CDF_POINTS),
        })
        .collect()
}

fn spreads(s: &RunSummary, metric: Metric) -> Vec<(String, Spread)> {
    s.strategies
        .iter()
        .map(|st| {
            let m = Some(&st.given_bad[metric]).filter(|m| m.count > 0);
            let q = |f: fn(&Summary) -> Option<f64>| m.and_then(f);
            let spread = Spread {
                p50: q(|m| m.p50),
                p95: q(|m| m.p95),
                p99: q(|m| m.p99),
            };
            (st.name.clone(), spread)
        })
        .collect()
}

fn outcome_parts() -> Vec<String> {
    Outcome::ALL
        .iter()
        .map(|o| o.name().replace('_', " "))
        .collect()
}

fn outcome_rows(s: &RunSummary) -> Vec<(String, Vec<f64>)> {
    s.strategies
        .iter()
        .map(|st| (st.name.clone(), st.outcome_shares.values().to_vec()))
        .collect()
}

fn cost_rows(s: &RunSummary) -> Vec<(String, Vec<f64>)> {
    s.strategies
        .iter()
        .map(|st| {
            let v = |m: Metric, f: fn(&Summary) -> Option<f64>| f(&st.all[m]).unwrap_or(f64::NAN);
            (
                st.name.clone(),
                vec![
                    v(Metric::PeakPods, |m| m.p95),
                    v(Metric::ExtraPodHours, |m| m.mean),
                ],
            )
        })
        .collect()
}

/// A sweep figure: file stem, title, y label and the value of a row.
type SweepMetric = (
    &'static str,
    &'static str,
    &'static str,
    fn(&SweepRow) -> Option<f64>,
);

/// The sweep's headline metrics, one figure each.
const SWEEP_METRICS: [SweepMetric; 5] = [
    (
        "sweep_failed_requests_p95",
        "Failed requests given a bad release, p95",
        "failed requests",
        |r| r.failed_requests_given_bad.p95,
    ),
    (
        "sweep_time_to_recover_p95",
        "Time to recover from a bad release, p95",
        "seconds",
        |r| r.time_to_recover_s_given_bad.p95,
    ),
    (
        "sweep_incident_share",
        "Share of trials ending in an incident",
        "share of trials",
        |r| Some(r.outcome_shares[Outcome::Incident]),
    ),
    (
        "sweep_extra_pod_hours",
        "Extra pod-hours per deploy, mean",
        "pod-hours",
        |r| r.extra_pod_hours_mean,
    ),
    (
        "sweep_cost",
        "Cost per deploy, mean",
        "pricing currency",
        |r| r.cost_mean,
    ),
];

/// A sweep's figures: each headline metric against the grid's points, one
/// line per strategy.
pub fn sweep(s: &SweepSummary) -> Result<Vec<Figure>, Error> {
    let points = grid_points(s);
    let x_values: Vec<String> = points.iter().map(|set| label_of(s, set)).collect();
    let x_label = s.keys.join(", ");
    let strategies = strategy_names(s);
    SWEEP_METRICS
        .par_iter()
        .map(|&(name, title, y_label, value)| {
            let series: Vec<Series> = strategies
                .iter()
                .map(|strategy| Series {
                    label: strategy.clone(),
                    points: s
                        .rows
                        .iter()
                        .filter(|r| &r.strategy == strategy)
                        .filter_map(|r| {
                            let x = points.iter().position(|p| *p == values(r))?;
                            Some((x as f64, value(r)?))
                        })
                        .collect(),
                })
                .collect();
            plots::sweep(name, title, &x_label, y_label, &x_values, &series)
        })
        .collect()
}

fn values(r: &SweepRow) -> Vec<String> {
    r.set.0.iter().map(|(_, v)| v.clone()).collect()
}

/// The grid's points in order (rows are point × strategy).
fn grid_points(s: &SweepSummary) -> Vec<Vec<String>> {
    let mut points: Vec<Vec<String>> = Vec::new();
    for r in &s.rows {
        let v = values(r);
        if !points.contains(&v) {
            points.push(v);
        }
    }
    points
}

fn label_of(s: &SweepSummary, set: &[String]) -> String {
    if s.keys.len() == 1 {
        return set.join("");
    }
    s.keys
        .iter()
        .zip(set)
        .map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn strategy_names(s: &SweepSummary) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in &s.rows {
        if !names.contains(&r.strategy) {
            names.push(r.strategy.clone());
        }
    }
    names
}
