//! The checklist of one strategy: each item's measured figure against the
//! scenario's limit (its `constraints` section), and the verdict. Only
//! numbers and flags: `report::recommend` says them in words.

use serde::Serialize;

use super::deploys::{DeployVerdict, Deploys, MAX_NOT_DEPLOYED, deploys};
use super::needs::Needs;
use crate::montecarlo::{Capacity, StrategySummary};
use crate::scenario::{Constraints, Scenario};
use crate::sim::Duration;
use crate::stats::Summary;
use crate::trial::{Metric, PerMetric};

/// One item of the checklist, named by the `constraints` key it is checked
/// against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Item {
    /// Failed requests given a bad release, p95.
    MaxFailedRequests,
    /// Affected users given a bad release, p95.
    MaxAffectedUsers,
    /// Error budget burn given a bad release, p95.
    MaxErrorBudgetBurn,
    /// Time to recover given a bad release, p95.
    MaxTimeToRecover,
    /// Whether the strategy needs a traffic router, against whether there is one.
    TrafficRouter,
    /// Whether metric analysis decides, against whether there are metrics.
    Metrics,
    /// Extra pod-hours, p95.
    MaxExtraPodHours,
    /// Cost, p95.
    MaxCost,
    /// Whether the rollout fits the cluster at p95 (a limit with `fitCluster: true`).
    FitCluster,
    /// The one check that always applies: a strategy whose good releases
    /// do not go out does not deploy ([`super::deploys`]).
    Deploys,
}

impl Item {
    /// Every item, in checklist order: blast radius, recovery,
    /// capabilities, resources, deploying at all.
    pub const ALL: [Item; 10] = [
        Item::MaxFailedRequests,
        Item::MaxAffectedUsers,
        Item::MaxErrorBudgetBurn,
        Item::MaxTimeToRecover,
        Item::TrafficRouter,
        Item::Metrics,
        Item::MaxExtraPodHours,
        Item::MaxCost,
        Item::FitCluster,
        Item::Deploys,
    ];

    /// The `constraints` key (`deploys` for the check that always applies).
    pub fn key(self) -> &'static str {
        match self {
            Item::MaxFailedRequests => "maxFailedRequests",
            Item::MaxAffectedUsers => "maxAffectedUsers",
            Item::MaxErrorBudgetBurn => "maxErrorBudgetBurn",
            Item::MaxTimeToRecover => "maxTimeToRecover",
            Item::TrafficRouter => "trafficRouter",
            Item::Metrics => "metrics",
            Item::MaxExtraPodHours => "maxExtraPodHours",
            Item::MaxCost => "maxCost",
            Item::FitCluster => "fitCluster",
            Item::Deploys => "deploys",
        }
    }

    /// The p95 a numeric item measures: its metric, and whether over bad
    /// releases only. `None` for capabilities, fit and deploying.
    pub fn figure(self) -> Option<(Metric, Scope)> {
        match self {
            Item::MaxFailedRequests => Some((Metric::FailedRequests, Scope::GivenBad)),
            Item::MaxAffectedUsers => Some((Metric::AffectedUsers, Scope::GivenBad)),
            Item::MaxErrorBudgetBurn => Some((Metric::ErrorBudgetBurn, Scope::GivenBad)),
            Item::MaxTimeToRecover => Some((Metric::TimeToRecover, Scope::GivenBad)),
            Item::MaxExtraPodHours => Some((Metric::ExtraPodHours, Scope::All)),
            Item::MaxCost => Some((Metric::Cost, Scope::All)),
            Item::TrafficRouter | Item::Metrics | Item::FitCluster | Item::Deploys => None,
        }
    }

    /// The numeric limit `c` sets for this item, in the metric's unit
    /// (times in seconds).
    fn limit(self, c: &Constraints) -> Option<f64> {
        match self {
            Item::MaxFailedRequests => c.max_failed_requests,
            Item::MaxAffectedUsers => c.max_affected_users,
            Item::MaxErrorBudgetBurn => c.max_error_budget_burn,
            Item::MaxTimeToRecover => c.max_time_to_recover.map(|d| d.as_secs_f64()),
            Item::MaxExtraPodHours => c.max_extra_pod_hours,
            Item::MaxCost => c.max_cost,
            Item::TrafficRouter | Item::Metrics | Item::FitCluster | Item::Deploys => None,
        }
    }
}

/// Which trials a figure is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    GivenBad,
}

impl Scope {
    /// The summaries of this scope.
    pub fn of(self, s: &StrategySummary) -> &PerMetric<Summary> {
        match self {
            Scope::All => &s.all,
            Scope::GivenBad => &s.given_bad,
        }
    }
}

/// Whether a checklist item holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Within its limit (a value equal to the limit is within it).
    Met,
    /// Beyond its limit.
    Broken,
    /// The constraints set no limit: the figure is shown for information.
    NoLimit,
    /// A limit is set but no trial measured the figure (e.g. no bad release).
    NotMeasured,
}

/// A measured figure or limit: a number in the item's unit, or a yes/no.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Flag(bool),
}

/// One item of the checklist for one strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub item: Item,
    /// The figure (`failed_requests`, seconds, a fraction for a share, the
    /// pricing's currency), or for a capability whether the strategy needs
    /// it, for the fit whether it fits; `None` when no trial had the figure.
    pub measured: Option<Value>,
    /// The limit, or for a capability whether the team has it; `None`: no limit.
    pub limit: Option<Value>,
    pub status: Status,
    /// The measured p95's 95% interval (order statistics), for a numeric item.
    pub ci95: Option<[f64; 2]>,
    /// The interval holds the limit: the verdict could go either way.
    pub borderline: bool,
    /// measured / limit, when a numeric limit above 0 is broken.
    pub ratio: Option<f64>,
    /// measured − limit, when a numeric limit is broken.
    pub excess: Option<f64>,
    /// Time to recover only: the bad releases not recovered within the
    /// horizon, when there are any.
    pub unrecovered: Option<Unrecovered>,
    /// The deploys check only: the good releases that did not go out.
    pub deploys: Option<Deploys>,
}

/// Bad releases that were never recovered from within `monteCarlo.horizon`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unrecovered {
    /// How many of them.
    pub trials: u64,
    /// Of how many bad releases.
    pub bad: u64,
    /// The horizon they ran to.
    pub horizon: Duration,
}

impl Unrecovered {
    /// Their share of the bad releases.
    pub fn share(&self) -> f64 {
        self.trials as f64 / self.bad.max(1) as f64
    }

    /// So many that the 95th percentile of time to recover is beyond the
    /// horizon (more than [`UNRECOVERED_P95`] of the bad releases).
    pub fn beyond_p95(&self) -> bool {
        self.share() > UNRECOVERED_P95
    }
}

/// Bad releases not recovered within the horizon above this share put the
/// 95th percentile of time to recover beyond the horizon.
pub const UNRECOVERED_P95: f64 = 0.05;

/// The checklist of `st` in order (see [`Item::ALL`]).
pub fn checklist(sc: &Scenario, st: &StrategySummary, needs: &Needs) -> Vec<Check> {
    let c = sc.constraints.as_ref();
    Item::ALL
        .into_iter()
        .map(|item| match item {
            Item::MaxTimeToRecover => recovery(sc, st),
            Item::TrafficRouter => {
                capability(item, needs.traffic_router, c.and_then(|c| c.traffic_router))
            }
            Item::Metrics => capability(item, needs.metrics, c.map(|c| c.metrics)),
            Item::FitCluster => fits(&st.capacity, c.is_some_and(|c| c.fit_cluster)),
            Item::Deploys => deploys_check(st),
            Item::MaxFailedRequests
            | Item::MaxAffectedUsers
            | Item::MaxErrorBudgetBurn
            | Item::MaxExtraPodHours
            | Item::MaxCost => numeric(item, p95(item, st), c.and_then(|c| item.limit(c))),
        })
        .collect()
}

/// The p95 a numeric item measures in `st`, with its 95% interval.
fn p95(item: Item, st: &StrategySummary) -> Option<(f64, Option<[f64; 2]>)> {
    let (metric, scope) = item.figure()?;
    let s = &scope.of(st)[metric];
    Some((s.p95?, s.p95_ci95))
}

/// A check with nothing measured, limited or broken yet.
fn blank(item: Item, status: Status) -> Check {
    Check {
        item,
        measured: None,
        limit: None,
        status,
        ci95: None,
        borderline: false,
        ratio: None,
        excess: None,
        unrecovered: None,
        deploys: None,
    }
}

/// The one item checked without a constraint: a strategy whose good
/// releases do not go out (e.g. no room for a second stack: they stall)
/// does not deploy, however small its blast radius looks.
fn deploys_check(st: &StrategySummary) -> Check {
    let d = deploys(st);
    let status = if d.verdict == DeployVerdict::DoesNotDeploy {
        Status::Broken
    } else {
        Status::Met
    };
    Check {
        measured: Some(Value::Number(d.share)),
        limit: Some(Value::Number(MAX_NOT_DEPLOYED)),
        deploys: Some(d),
        ..blank(Item::Deploys, status)
    }
}

/// A figure (with its interval) against an optional limit; equal to the
/// limit is met. The verdict is borderline when the interval reaches across
/// the limit: a met figure whose top is above it, a broken one whose bottom
/// is within it.
fn numeric(item: Item, figure: Option<(f64, Option<[f64; 2]>)>, limit: Option<f64>) -> Check {
    let measured = figure.map(|f| f.0);
    let ci95 = figure.and_then(|f| f.1);
    let borderline = match (ci95, limit) {
        (Some([lo, hi]), Some(l)) => lo <= l && l < hi,
        _ => false,
    };
    let (status, ratio, excess) = match (measured, limit) {
        (None, l) => (
            l.map_or(Status::NoLimit, |_| Status::NotMeasured),
            None,
            None,
        ),
        (Some(_), None) => (Status::NoLimit, None, None),
        (Some(m), Some(l)) if m <= l => (Status::Met, None, None),
        (Some(m), Some(l)) => (Status::Broken, (l > 0.0).then(|| m / l), Some(m - l)),
    };
    Check {
        measured: measured.map(Value::Number),
        limit: limit.map(Value::Number),
        ci95,
        borderline,
        ratio,
        excess,
        ..blank(item, status)
    }
}

/// Time to recover, given a bad release. A bad release that is never
/// undone within `monteCarlo.horizon` has no time to recover; if more than
/// [`UNRECOVERED_P95`] of them are like that, the 95th percentile is beyond
/// the horizon: not measured, and broken if limited.
fn recovery(sc: &Scenario, st: &StrategySummary) -> Check {
    let item = Item::MaxTimeToRecover;
    let limit = sc.constraints.as_ref().and_then(|c| item.limit(c));
    let bad = st.given_bad[Metric::FailedRequests].count;
    let unrecovered = Unrecovered {
        trials: bad.saturating_sub(st.given_bad[Metric::TimeToRecover].count),
        bad,
        horizon: sc.monte_carlo.horizon,
    };
    let unrecovered = (unrecovered.trials > 0).then_some(unrecovered);
    if unrecovered.is_some_and(|u| u.beyond_p95()) {
        return Check {
            limit: limit.map(Value::Number),
            unrecovered,
            ..blank(item, limit.map_or(Status::NoLimit, |_| Status::Broken))
        };
    }
    Check {
        unrecovered,
        ..numeric(item, p95(item, st), limit)
    }
}

/// A capability check: the strategy `needed` it; the team `has` it
/// (`None`: not said).
fn capability(item: Item, needed: bool, has: Option<bool>) -> Check {
    let status = match (needed, has) {
        (false, h) => h.map_or(Status::NoLimit, |_| Status::Met),
        (true, None) => Status::NoLimit,
        (true, Some(true)) => Status::Met,
        (true, Some(false)) => Status::Broken,
    };
    Check {
        measured: Some(Value::Flag(needed)),
        limit: has.map(Value::Flag),
        ..blank(item, status)
    }
}

/// Whether the rollout fits at p95 (a limit only with `fitCluster: true`).
fn fits(cap: &Capacity, required: bool) -> Check {
    let status = match (required, cap.fits_p95) {
        (false, _) => Status::NoLimit,
        (true, true) => Status::Met,
        (true, false) => Status::Broken,
    };
    Check {
        measured: Some(Value::Flag(cap.fits_p95)),
        limit: required.then_some(Value::Flag(true)),
        ..blank(Item::FitCluster, status)
    }
}
