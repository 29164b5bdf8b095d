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
//! Everything here is a pure function of the scenario and the run summary;
//! the command runs the Monte Carlo and prints [`render`] or the JSON of
//! [`Recommendation`].

use std::cmp::Ordering;
use std::fmt::Write;

use serde::Serialize;

use crate::report::format::{number, percent, seconds, times};

use crate::montecarlo::{Capacity, RunSummary, StrategySummary};
use crate::scenario::{
    Analysis, BlueGreen, Canary, CanaryPlan, CanaryStep, Constraints, OnNoData, Scenario,
    SchemaApply, SchemaChange, SchemaKind, Strategy, StrategyKind,
};
use crate::sim::SimTime;
use crate::traffic::Demand;
use crate::trial::{Metric, Outcome};

/// What a strategy asks of the team and the cluster beyond a Deployment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Needs {
    /// A mesh or ingress that splits traffic by weight: a Canary with
    /// `trafficRouting: true` (every Flagger-form canary and every canary
    /// with `setMirrorRoute` or `setCanaryScale` has it).
    pub traffic_router: bool,
    /// Metric analysis drives promotion or rollback: a canary's analysis
    /// steps, background analysis or Flagger checks; a blue-green's
    /// post-promotion analysis. (Pre-promotion smoke tests run against the
    /// preview and need no metrics.)
    pub metrics: bool,
    /// About twice the pods at some point: every blue-green (the preview is
    /// scaled to full size beside blue before the switch), and a routed
    /// canary without `dynamicStableScale` (the stable set stays at full size
    /// while the canary grows, and up to full size on promotion).
    pub second_environment: bool,
    /// Places where a person must act in a normal rollout: `pause: {}`
    /// steps; manual promotion (`autoPromotionEnabled: false`); a decision on
    /// every failed analysis (`autoRollback: false`); and an analysis likely
    /// to pause as inconclusive for lack of data (`onNoData: inconclusive`,
    /// with metrics, and fewer than `minRequests` expected per interval at
    /// the weight it runs at, from the request rate at `release.startAt`).
    pub human_steps: u32,
    /// Argo Rollouts (or Flagger) must run in the cluster: every BlueGreen
    /// and Canary. Not one of the needs [`Needs::complexity`] counts, but it
    /// keeps such a strategy from [`Grade::Low`].
    pub rollout_controller: bool,
}

/// How much a strategy is to run: the whiteboard's complexity column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Low,
    Medium,
    High,
}

impl Grade {
    /// The grade as a word: `low`, `medium`, `high`.
    pub fn word(&self) -> &'static str {
        match self {
            Grade::Low => "low",
            Grade::Medium => "medium",
            Grade::High => "high",
        }
    }
}

impl Needs {
    /// How many of {traffic router, metric analysis, 2× capacity, human
    /// steps} the strategy needs.
    pub fn count(&self) -> usize {
        [
            self.traffic_router,
            self.metrics,
            self.second_environment,
            self.human_steps > 0,
        ]
        .into_iter()
        .filter(|n| *n)
        .count()
    }

    /// Low: a Deployment (Recreate, RollingUpdate) that needs none of a
    /// traffic router, metric analysis, 2× capacity or human steps; Medium:
    /// one or two of them (or none, under a rollout controller); High: three
    /// or four.
    pub fn complexity(&self) -> Grade {
        match self.count() {
            0 if !self.rollout_controller => Grade::Low,
            0..=2 => Grade::Medium,
            _ => Grade::High,
        }
    }

    /// The needs in words: "traffic router, metrics, 2× capacity, 1 human step".
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let flags = [
            (self.traffic_router, "traffic router"),
            (self.metrics, "metrics"),
            (self.second_environment, "2× capacity"),
        ];
        parts.extend(flags.iter().filter(|f| f.0).map(|f| f.1.to_owned()));
        match self.human_steps {
            0 => {}
            1 => parts.push("1 human step".to_owned()),
            n => parts.push(format!("{n} human steps")),
        }
        match (parts.is_empty(), self.rollout_controller) {
            (false, _) => parts.join(", "),
            (true, true) => "a rollout controller, nothing else".to_owned(),
            (true, false) => "nothing beyond a Deployment".to_owned(),
        }
    }
}

/// What `strategy` needs in `sc` (see [`Needs`] for each field's rule).
pub fn needs(sc: &Scenario, strategy: &Strategy) -> Needs {
    match &strategy.kind {
        StrategyKind::Recreate | StrategyKind::RollingUpdate { .. } => Needs::default(),
        StrategyKind::BlueGreen(b) => blue_green_needs(sc, b),
        StrategyKind::Canary(c) => canary_needs(sc, c),
    }
}

fn blue_green_needs(sc: &Scenario, b: &BlueGreen) -> Needs {
    let post = b.post_promotion_analysis.as_ref();
    // After the switch the new version takes all traffic.
    let starved = post.is_some_and(|a| starved(sc, a, 1.0));
    Needs {
        traffic_router: false,
        metrics: post.is_some(),
        second_environment: true,
        human_steps: u32::from(!b.auto_promotion_enabled) + u32::from(starved),
        rollout_controller: true,
    }
}

fn canary_needs(sc: &Scenario, c: &Canary) -> Needs {
    let (metrics, pauses) = match &c.plan {
        CanaryPlan::Flagger(_) => (true, 0),
        CanaryPlan::Steps(steps) => {
            let analysis = steps.iter().any(|s| matches!(s, CanaryStep::Analysis(_)));
            let pauses = steps
                .iter()
                .filter(|s| matches!(s, CanaryStep::Pause(None)))
                .count();
            (
                analysis || c.background_analysis.is_some(),
                u32::try_from(pauses).unwrap_or(u32::MAX),
            )
        }
    };
    let decides = u32::from(metrics && !c.auto_rollback);
    Needs {
        traffic_router: c.traffic_routing,
        metrics,
        second_environment: c.traffic_routing && !c.dynamic_stable_scale,
        human_steps: pauses + decides + inconclusive_pauses(sc, c),
        rollout_controller: true,
    }
}

/// Argo analyses likely to pause as inconclusive for lack of data. Flagger
/// checks without data only hold the weight (no person is asked).
fn inconclusive_pauses(sc: &Scenario, c: &Canary) -> u32 {
    let CanaryPlan::Steps(steps) = &c.plan else {
        return 0;
    };
    let shares = canary_shares(steps);
    let with_share = || steps.iter().zip(shares.iter().copied());
    let in_steps = with_share()
        .filter(|(s, x)| matches!(s, CanaryStep::Analysis(a) if starved(sc, a, *x)))
        .count();
    let background = c.background_analysis.as_ref().is_some_and(|b| {
        // The lowest share the canary holds while time passes from the
        // starting step on (the last one if no step holds).
        let held = with_share()
            .skip(b.starting_step as usize)
            .filter(|(s, _)| matches!(s, CanaryStep::Pause(_) | CanaryStep::Analysis(_)))
            .map(|(_, x)| x);
        let share = held.reduce(f64::min).or(shares.last().copied());
        starved(sc, &b.analysis, share.unwrap_or(0.0))
    });
    u32::try_from(in_steps).unwrap_or(u32::MAX) + u32::from(background)
}

/// The share of traffic the canary sees (weight or mirror) after each step.
fn canary_shares(steps: &[CanaryStep]) -> Vec<f64> {
    let (mut weight, mut mirror) = (0u32, 0u32);
    steps
        .iter()
        .map(|s| {
            match s {
                CanaryStep::SetWeight(w) => weight = *w,
                CanaryStep::SetMirror(p) => mirror = *p,
                _ => {}
            }
            f64::from(weight.max(mirror)) / 100.0
        })
        .collect()
}

/// An analysis that, at `share` of traffic, expects fewer than `minRequests`
/// per interval and counts that as inconclusive (which pauses the rollout).
fn starved(sc: &Scenario, a: &Analysis, share: f64) -> bool {
    let rps = Demand::new(&sc.traffic, sc.release.start_at).rate_at(SimTime::ZERO);
    let expected = rps * share * a.interval.as_secs_f64();
    sc.observability.metrics
        && a.on_no_data == OnNoData::Inconclusive
        && expected < a.min_requests as f64
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
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    /// The `constraints` key the item is checked against, or
    /// `progressDeadline` for the one check that always applies: a strategy
    /// whose rollouts stall more than [`MAX_STALLED`] of the time does not
    /// deploy.
    pub key: &'static str,
    /// What is measured, in words.
    pub measure: &'static str,
    /// The figure (`failed_requests`, seconds, a fraction for a share, the
    /// pricing's currency), or for a capability whether the strategy needs
    /// it; `None` when no trial had the figure.
    pub measured: Option<Value>,
    /// The limit, or for a capability whether the team has it; `None`: no limit.
    pub limit: Option<Value>,
    pub status: Status,
    /// measured / limit, when a numeric limit above 0 is broken.
    pub ratio: Option<f64>,
    /// measured − limit, when a numeric limit is broken.
    pub excess: Option<f64>,
    /// The figure and the verdict in words.
    pub text: String,
}

/// The checklist of one strategy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StrategyReport {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub needs: Needs,
    pub complexity: Grade,
    pub checks: Vec<Check>,
    /// The keys of the constraints it breaks, in checklist order.
    pub broken: Vec<&'static str>,
    /// What it takes of the cluster at the 95th percentile.
    pub capacity: Capacity,
    /// Trials that ended `data_loss` (an irreversible schema change restored).
    pub data_loss: u64,
}

/// The answer of `deploysim recommend`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recommendation {
    pub scenario: String,
    pub runs: u64,
    pub seed: u64,
    /// Trials whose release was bad: blast radius and recovery are over these.
    pub bad_trials: u64,
    /// The scenario has a `constraints` section.
    pub constrained: bool,
    /// The strategy that fits best (`None` only for a run without strategies).
    pub best: Option<String>,
    /// The best strategy breaks no constraint (true when there are none).
    pub meets_all: bool,
    /// The recommendation in one line.
    pub headline: String,
    /// Why, in one sentence.
    pub reason: String,
    /// The schema change the release ships, in words (`None`: none).
    pub schema_change: Option<String>,
    /// Caveats: figures measured under other assumptions than the
    /// constraints state, too few bad releases, no constraints.
    pub notes: Vec<String>,
    /// Every strategy of the run, in the run's order.
    pub strategies: Vec<StrategyReport>,
}

/// Checks every strategy of `summary` against the constraints of `sc` and
/// picks the best fit.
///
/// Best fit: among the strategies that break nothing, the lowest
/// complexity, then the fewest failed requests given a bad release (p95),
/// then the fewest extra pod-hours (p95). If each breaks something: the
/// fewest broken constraints, then the fewest missing capabilities (router,
/// metrics), then the smallest worst measured/limit ratio, then complexity.
/// Without a `constraints` section: the lowest error-budget burn given a bad
/// release (p95), ties by complexity. Either way a strategy that mostly
/// stalls (the `progressDeadline` check) counts as broken.
pub fn recommend(sc: &Scenario, summary: &RunSummary) -> Recommendation {
    let reports: Vec<StrategyReport> = summary.strategies.iter().map(|st| report(sc, st)).collect();
    let pick = match &sc.constraints {
        Some(_) => best_constrained(&reports, summary),
        None => best_unconstrained(&reports, summary),
    };
    let bad_trials = bad_trials(summary);
    let mut notes = notes(sc, bad_trials);
    if let Some(r) = pick.as_ref().map(|p| &reports[p.index])
        && r.data_loss > 0
    {
        let good_too = if r.data_loss > bad_trials {
            format!(
                ", more than the {} bad releases: good releases were rolled back over it too",
                number(bad_trials as f64)
            )
        } else {
            String::new()
        };
        notes.push(format!(
            "Under {} the schema change ended in data loss (a restore from backup) in {} of {} \
             rollouts{good_too}.",
            r.name,
            number(r.data_loss as f64),
            number(summary.runs as f64)
        ));
    }
    Recommendation {
        scenario: summary.scenario.clone(),
        runs: summary.runs,
        seed: summary.seed,
        bad_trials,
        constrained: sc.constraints.is_some(),
        meets_all: pick
            .as_ref()
            .is_some_and(|p| reports[p.index].broken.is_empty()),
        best: pick.as_ref().map(|p| reports[p.index].name.clone()),
        headline: pick.as_ref().map_or_else(
            || "No strategies were run.".to_owned(),
            |p| p.headline.clone(),
        ),
        reason: pick.map(|p| p.reason).unwrap_or_default(),
        schema_change: sc.schema_change.as_ref().map(schema_text),
        notes,
        strategies: reports,
    }
}

/// Trials with a bad release (the count of a figure every trial has).
fn bad_trials(summary: &RunSummary) -> u64 {
    summary
        .strategies
        .first()
        .map_or(0, |s| s.given_bad[Metric::FailedRequests].count)
}

fn report(sc: &Scenario, st: &StrategySummary) -> StrategyReport {
    let needs = sc
        .strategies
        .iter()
        .find(|s| s.name == st.name)
        .map_or_else(Needs::default, |s| needs(sc, s));
    let checks = checklist(sc, st, &needs);
    StrategyReport {
        name: st.name.clone(),
        kind: st.kind.clone(),
        needs,
        complexity: needs.complexity(),
        broken: checks
            .iter()
            .filter(|c| c.status == Status::Broken)
            .map(|c| c.key)
            .collect(),
        checks,
        capacity: st.capacity.clone(),
        data_loss: st.outcomes[Outcome::DataLoss],
    }
}

/// How a numeric figure is written.
#[derive(Clone, Copy)]
enum Unit {
    Count,
    Share,
    Seconds,
}

impl Unit {
    fn show(self, x: f64) -> String {
        match self {
            Unit::Count => number(x),
            Unit::Share => percent(x),
            Unit::Seconds => seconds(x),
        }
    }
}

/// A numeric checklist item: its key, words, unit, scope, metric and
/// limit (times in seconds).
struct Item {
    key: &'static str,
    measure: &'static str,
    unit: Unit,
    bad_only: bool,
    metric: Metric,
    limit: fn(&Constraints) -> Option<f64>,
}

const BLAST_RADIUS: [Item; 3] = [
    Item {
        key: "maxFailedRequests",
        measure: "failed requests, bad release, p95",
        unit: Unit::Count,
        bad_only: true,
        metric: Metric::FailedRequests,
        limit: |c| c.max_failed_requests,
    },
    Item {
        key: "maxAffectedUsers",
        measure: "affected users, bad release, p95",
        unit: Unit::Count,
        bad_only: true,
        metric: Metric::AffectedUsers,
        limit: |c| c.max_affected_users,
    },
    Item {
        key: "maxErrorBudgetBurn",
        measure: "error budget burn, bad release, p95",
        unit: Unit::Share,
        bad_only: true,
        metric: Metric::ErrorBudgetBurn,
        limit: |c| c.max_error_budget_burn,
    },
];

const RESOURCES: [Item; 2] = [
    Item {
        key: "maxExtraPodHours",
        measure: "extra pod-hours, p95",
        unit: Unit::Count,
        bad_only: false,
        metric: Metric::ExtraPodHours,
        limit: |c| c.max_extra_pod_hours,
    },
    Item {
        key: "maxCost",
        measure: "cost, p95",
        unit: Unit::Count,
        bad_only: false,
        metric: Metric::Cost,
        limit: |c| c.max_cost,
    },
];

/// The checklist in order: blast radius, recovery, capabilities, resources.
fn checklist(sc: &Scenario, st: &StrategySummary, needs: &Needs) -> Vec<Check> {
    let c = sc.constraints.as_ref();
    let numeric_item = |item: &Item| {
        let scope = if item.bad_only {
            &st.given_bad
        } else {
            &st.all
        };
        let measured = scope[item.metric].p95;
        numeric(item, measured, c.and_then(item.limit))
    };
    let mut checks: Vec<Check> = BLAST_RADIUS.iter().map(numeric_item).collect();
    checks.push(recovery(sc, st));
    checks.push(router(
        needs.traffic_router,
        c.and_then(|c| c.traffic_router),
    ));
    checks.push(metrics(needs.metrics, c.map(|c| c.metrics)));
    checks.extend(RESOURCES.iter().map(numeric_item));
    checks.push(fits(&st.capacity, c.is_some_and(|c| c.fit_cluster)));
    checks.push(stalls(st));
    checks
}

/// Above this share of stalled rollouts a strategy rarely deploys at all.
pub const MAX_STALLED: f64 = 0.5;

/// The one item checked without a constraint: a strategy whose rollouts
/// mostly stall at the progress deadline (e.g. no room for a second stack)
/// does not deploy, however small its blast radius looks.
fn stalls(st: &StrategySummary) -> Check {
    let trials = st.trials();
    let stalled = st.outcomes[Outcome::Stalled];
    let share = stalled as f64 / trials.max(1) as f64;
    let broken = share > MAX_STALLED;
    let text = if broken {
        format!(
            "{} of rollouts stall: it rarely deploys at all",
            percent(share)
        )
    } else {
        format!("{} of rollouts stall", percent(share))
    };
    Check {
        key: "progressDeadline",
        measure: "rollouts stalled (progress deadline)",
        measured: Some(Value::Number(share)),
        limit: Some(Value::Number(MAX_STALLED)),
        status: if broken { Status::Broken } else { Status::Met },
        ratio: None,
        excess: None,
        text,
    }
}

/// A figure against an optional limit; equal to the limit is met.
fn numeric(item: &Item, measured: Option<f64>, limit: Option<f64>) -> Check {
    let show = |x| item.unit.show(x);
    let (status, ratio, excess, text) = match (measured, limit) {
        (None, l) => {
            let status = l.map_or(Status::NoLimit, |_| Status::NotMeasured);
            (
                status,
                None,
                None,
                "not measured: no trial had it".to_owned(),
            )
        }
        (Some(m), None) => (Status::NoLimit, None, None, show(m)),
        (Some(m), Some(l)) if m <= l => (
            Status::Met,
            None,
            None,
            format!("{} ≤ {}", show(m), show(l)),
        ),
        (Some(m), Some(l)) => {
            let ratio = (l > 0.0).then(|| m / l);
            let by = match ratio {
                Some(r) => format!("{}, +{}", times(r), show(m - l)),
                None => format!("+{}", show(m - l)),
            };
            let text = format!("{} > {} ({by})", show(m), show(l));
            (Status::Broken, ratio, Some(m - l), text)
        }
    };
    Check {
        key: item.key,
        measure: item.measure,
        measured: measured.map(Value::Number),
        limit: limit.map(Value::Number),
        status,
        ratio,
        excess,
        text,
    }
}

/// Bad releases not recovered within the horizon above this share put the
/// 95th percentile of time to recover beyond the horizon.
const UNRECOVERED_P95: f64 = 0.05;

/// Time to recover, given a bad release. A bad release that is never
/// undone within `monteCarlo.horizon` has no time to recover; if more than
/// 5% of them are like that, the 95th percentile is beyond the horizon.
fn recovery(sc: &Scenario, st: &StrategySummary) -> Check {
    let item = Item {
        key: "maxTimeToRecover",
        measure: "time to recover, bad release, p95",
        unit: Unit::Seconds,
        bad_only: true,
        metric: Metric::TimeToRecover,
        limit: |c| c.max_time_to_recover.map(|d| d.as_secs_f64()),
    };
    let limit = sc.constraints.as_ref().and_then(item.limit);
    let bad = st.given_bad[Metric::FailedRequests].count;
    let unrecovered = bad.saturating_sub(st.given_bad[item.metric].count);
    let measured = st.given_bad[item.metric].p95;
    let horizon = seconds(sc.monte_carlo.horizon.as_secs_f64());
    let share = unrecovered as f64 / bad.max(1) as f64;
    if share <= UNRECOVERED_P95 {
        let mut check = numeric(&item, measured, limit);
        if unrecovered > 0 {
            let _ = write!(
                check.text,
                " ({unrecovered} of {bad} bad releases not recovered within {horizon})"
            );
        }
        return check;
    }
    Check {
        key: item.key,
        measure: item.measure,
        measured: None,
        limit: limit.map(Value::Number),
        status: limit.map_or(Status::NoLimit, |_| Status::Broken),
        ratio: None,
        excess: None,
        text: format!(
            "beyond the {horizon} horizon: {} of bad releases not recovered within it",
            percent(share)
        ),
    }
}

/// A capability check: the strategy `needed` it; the team has it (`None`: not said).
struct Capability {
    key: &'static str,
    measure: &'static str,
    needed: &'static str,
    has: &'static str,
    lacks: &'static str,
    not_needed: &'static str,
}

fn capability(cap: &Capability, needed: bool, has: Option<bool>) -> Check {
    let (status, text) = match (needed, has) {
        (false, h) => (met_or_no_limit(h), cap.not_needed.to_owned()),
        (true, None) => (Status::NoLimit, cap.needed.to_owned()),
        (true, Some(true)) => (Status::Met, format!("{}: {}", cap.needed, cap.has)),
        (true, Some(false)) => (Status::Broken, format!("{}; {}", cap.needed, cap.lacks)),
    };
    Check {
        key: cap.key,
        measure: cap.measure,
        measured: Some(Value::Flag(needed)),
        limit: has.map(Value::Flag),
        status,
        ratio: None,
        excess: None,
        text,
    }
}

fn met_or_no_limit<T>(limit: Option<T>) -> Status {
    limit.map_or(Status::NoLimit, |_| Status::Met)
}

fn router(needed: bool, has: Option<bool>) -> Check {
    let cap = Capability {
        key: "trafficRouter",
        measure: "traffic router",
        needed: "needs a traffic router",
        has: "there is one",
        lacks: "constraints say there is none",
        not_needed: "needs none",
    };
    capability(&cap, needed, has)
}

fn metrics(needed: bool, has: Option<bool>) -> Check {
    let cap = Capability {
        key: "metrics",
        measure: "metrics",
        needed: "metric analysis decides promotion or rollback",
        has: "there are metrics",
        lacks: "constraints say there are no metrics",
        not_needed: "no metric analysis in the rollout",
    };
    capability(&cap, needed, has)
}

/// Resource headroom at p95, and whether the rollout fits (a limit only
/// with `fitCluster: true`).
fn fits(cap: &Capacity, required: bool) -> Check {
    let headroom = format!(
        "+{} CPU, +{} GiB",
        number(cap.cpu_headroom_p95),
        number(cap.memory_headroom_gib_p95)
    );
    let none = cap.cpu_headroom_p95 == 0.0 && cap.memory_headroom_gib_p95 == 0.0;
    let mut text = if cap.fits_p95 && none {
        "fits: no headroom needed".to_owned()
    } else if cap.fits_p95 {
        format!("fits: {headroom} at the peak")
    } else {
        let nodes = match cap.nodes_added_p95 {
            n if n > 0.0 => format!(", {} nodes added", number(n)),
            _ => String::new(),
        };
        format!("pods wait for room: {headroom} at the peak{nodes}")
    };
    let status = match (required, cap.fits_p95) {
        (false, _) => Status::NoLimit,
        (true, true) => Status::Met,
        (true, false) => {
            text += "; constraints say it must fit";
            Status::Broken
        }
    };
    Check {
        key: "fitCluster",
        measure: "resource headroom, p95",
        measured: Some(Value::Flag(cap.fits_p95)),
        limit: required.then_some(Value::Flag(true)),
        status,
        ratio: None,
        excess: None,
        text,
    }
}

/// The chosen strategy and how it was chosen.
struct Pick {
    index: usize,
    headline: String,
    reason: String,
}

/// A figure of a strategy's summary (`None` sorts last).
fn p95(s: &StrategySummary, given_bad: bool, metric: Metric) -> Option<f64> {
    let scope = if given_bad { &s.given_bad } else { &s.all };
    scope[metric].p95
}

/// Lower is better; a missing figure is worst.
fn by_figure(a: Option<f64>, b: Option<f64>) -> Ordering {
    a.unwrap_or(f64::INFINITY)
        .total_cmp(&b.unwrap_or(f64::INFINITY))
}

/// What set the best apart from the runner-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decided {
    /// The tie-breaker at this index.
    By(usize),
    /// Nothing: the scenario's order.
    Order,
}

/// Tie-breakers comparing two strategies by index, in order.
type Keys<'a> = &'a dyn Fn(usize, usize) -> [Ordering; 3];

/// Sorts `candidates` by `keys`; returns the first and, if there is one,
/// the second with what set them apart. Equals keep the scenario's order.
fn rank(candidates: &[usize], keys: Keys<'_>) -> Option<(usize, Option<(usize, Decided)>)> {
    let mut order = candidates.to_vec();
    let first_difference = |a: usize, b: usize| keys(a, b).into_iter().position(|o| o.is_ne());
    order.sort_by(|&a, &b| {
        let by = keys(a, b);
        by.into_iter()
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    let best = *order.first()?;
    let runner = order.get(1).map(|&runner| {
        let decided = first_difference(best, runner).map_or(Decided::Order, Decided::By);
        (runner, decided)
    });
    Some((best, runner))
}

fn best_constrained(reports: &[StrategyReport], summary: &RunSummary) -> Option<Pick> {
    let meeting: Vec<usize> = (0..reports.len())
        .filter(|&i| reports[i].broken.is_empty())
        .collect();
    if meeting.is_empty() {
        return closest(reports);
    }
    let stats = &summary.strategies;
    let figure = |i: usize, bad: bool, metric: Metric| p95(&stats[i], bad, metric);
    let keys = |a: usize, b: usize| {
        [
            reports[a].complexity.cmp(&reports[b].complexity),
            by_figure(
                figure(a, true, Metric::FailedRequests),
                figure(b, true, Metric::FailedRequests),
            ),
            by_figure(
                figure(a, false, Metric::ExtraPodHours),
                figure(b, false, Metric::ExtraPodHours),
            ),
        ]
    };
    let (best, runner) = rank(&meeting, &keys)?;
    let r = &reports[best];
    let headline = format!(
        "Recommended: {} ({}) — it meets every constraint.",
        r.name, r.kind
    );
    let reason = meeting_reason(reports, summary, (best, runner), meeting.len());
    Some(Pick {
        index: best,
        headline,
        reason,
    })
}

/// Why the best of the `count` strategies that break nothing won over the runner-up.
fn meeting_reason(
    reports: &[StrategyReport],
    summary: &RunSummary,
    (best, runner): (usize, Option<(usize, Decided)>),
    count: usize,
) -> String {
    let shown = |i: usize, bad: bool, metric: Metric| {
        p95(&summary.strategies[i], bad, metric).map_or_else(|| "—".to_owned(), number)
    };
    let r = &reports[best];
    let grade = r.complexity.word();
    match runner {
        None => format!(
            "It is the only one of the {} strategies that breaks no constraint.",
            reports.len()
        ),
        Some((o, Decided::By(0))) => format!(
            "Of the {count} strategies that break no constraint it is the simplest to run \
             ({grade} complexity: {}; {} is {}).",
            r.needs.describe(),
            reports[o].name,
            reports[o].complexity.word()
        ),
        Some((o, Decided::By(1))) => format!(
            "Of the {count} strategies that break no constraint, it and {} are the simplest \
             ({grade} complexity), and it fails fewer requests when a release is bad \
             (p95 {} against {}).",
            reports[o].name,
            shown(best, true, Metric::FailedRequests),
            shown(o, true, Metric::FailedRequests)
        ),
        Some((o, Decided::By(_))) => format!(
            "Of the {count} strategies that break no constraint, it and {} are as simple \
             ({grade} complexity) and as safe, and it takes fewer extra pod-hours \
             (p95 {} against {}).",
            reports[o].name,
            shown(best, false, Metric::ExtraPodHours),
            shown(o, false, Metric::ExtraPodHours)
        ),
        Some((o, Decided::Order)) => format!(
            "Of the {count} strategies that break no constraint, it and {} tie on complexity, \
             failed requests and pod-hours; it comes first in the scenario.",
            reports[o].name
        ),
    }
}

/// The worst measured/limit ratio of the broken limits (∞ for a limit of 0
/// or a figure beyond the horizon), or 0 when only capabilities break.
fn worst_ratio(r: &StrategyReport) -> f64 {
    r.checks
        .iter()
        .filter(|c| c.status == Status::Broken && matches!(c.limit, Some(Value::Number(_))))
        .map(|c| c.ratio.unwrap_or(f64::INFINITY))
        .fold(0.0, f64::max)
}

/// Capabilities (router, metrics, room) the strategy needs and the team lacks.
fn missing(r: &StrategyReport) -> usize {
    r.checks
        .iter()
        .filter(|c| c.status == Status::Broken && matches!(c.limit, Some(Value::Flag(_))))
        .count()
}

/// Every strategy breaks something: the one that breaks least.
fn closest(reports: &[StrategyReport]) -> Option<Pick> {
    let all: Vec<usize> = (0..reports.len()).collect();
    let keys = |a: usize, b: usize| {
        let (x, y) = (&reports[a], &reports[b]);
        [
            (x.broken.len(), missing(x)).cmp(&(y.broken.len(), missing(y))),
            worst_ratio(x).total_cmp(&worst_ratio(y)),
            x.complexity.cmp(&y.complexity),
        ]
    };
    let (best, runner) = rank(&all, &keys)?;
    let r = &reports[best];
    let headline = format!(
        "No strategy meets every constraint. Closest: {} ({}), which breaks {}.",
        r.name,
        r.kind,
        broken_list(r)
    );
    let n = r.broken.len();
    let reason = match runner.map(|(o, d)| (&reports[o], d)) {
        None => "It is the only strategy in the run.".to_owned(),
        Some((o, Decided::By(0))) if n < o.broken.len() => format!(
            "It breaks the fewest constraints: {n}, against {} for {}.",
            o.broken.len(),
            o.name
        ),
        Some((o, Decided::By(0))) => format!(
            "Like {} it breaks {n}, but fewer of them are a missing capability.",
            o.name
        ),
        Some((o, Decided::By(1))) => format!(
            "Like {} it breaks {n}, but by less: at worst {} the limit, against {}.",
            o.name,
            ratio_words(worst_ratio(r)),
            ratio_words(worst_ratio(o))
        ),
        Some((o, _)) => format!(
            "It breaks as much as {} and is no harder to run ({} complexity).",
            o.name,
            r.complexity.word()
        ),
    };
    Some(Pick {
        index: best,
        headline,
        reason,
    })
}

/// `maxTimeToRecover (2.4×) and trafficRouter`.
fn broken_list(r: &StrategyReport) -> String {
    let items: Vec<String> = r
        .checks
        .iter()
        .filter(|c| c.status == Status::Broken)
        .map(|c| match (c.ratio, c.measured) {
            (Some(x), _) => format!("{} ({})", c.key, times(x)),
            (None, Some(Value::Number(share))) if c.key == "progressDeadline" => {
                format!("{} ({} of rollouts)", c.key, percent(share))
            }
            (None, None) if c.key == "maxTimeToRecover" => {
                format!("{} (beyond the horizon)", c.key)
            }
            _ => c.key.to_owned(),
        })
        .collect();
    match items.split_last() {
        None => "nothing".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A worst ratio in words (`beyond` for an unbounded one).
fn ratio_words(r: f64) -> String {
    if r.is_finite() {
        times(r)
    } else {
        "far beyond".to_owned()
    }
}

/// No constraints: the least error budget burnt by a bad release.
fn best_unconstrained(reports: &[StrategyReport], summary: &RunSummary) -> Option<Pick> {
    let stats = &summary.strategies;
    let burn = |i: usize| p95(&stats[i], true, Metric::ErrorBudgetBurn);
    // A strategy that rarely deploys is no answer, whatever it burns.
    let deploys: Vec<usize> = (0..reports.len())
        .filter(|&i| reports[i].broken.is_empty())
        .collect();
    let all = if deploys.is_empty() {
        (0..reports.len()).collect()
    } else {
        deploys
    };
    let keys = |a: usize, b: usize| {
        [
            by_figure(burn(a), burn(b)),
            reports[a].complexity.cmp(&reports[b].complexity),
            Ordering::Equal,
        ]
    };
    let (best, runner) = rank(&all, &keys)?;
    let r = &reports[best];
    let shown = |i: usize| burn(i).map_or_else(|| "not measured".to_owned(), percent);
    let headline = format!(
        "Recommended: {} ({}) — it burns the least error budget when a release is bad \
         (the scenario sets no constraints).",
        r.name, r.kind
    );
    let reason = match runner {
        None => "It is the only strategy in the run.".to_owned(),
        Some((o, Decided::By(0))) => format!(
            "A bad release burns p95 {} of the error budget under it, against {} under {}.",
            shown(best),
            shown(o),
            reports[o].name
        ),
        Some((o, _)) => format!(
            "A bad release burns as much under it as under {} (p95 {}), and it is no harder to \
             run ({} complexity).",
            reports[o].name,
            shown(best),
            r.complexity.word()
        ),
    };
    Some(Pick {
        index: best,
        headline,
        reason,
    })
}

/// Caveats about the figures.
fn notes(sc: &Scenario, bad_trials: u64) -> Vec<String> {
    let mut notes = Vec::new();
    match &sc.constraints {
        None => notes.push(
            "The scenario has no `constraints` section. Add one to check the strategies against \
             your own limits, e.g. `constraints: { maxFailedRequests: 50000, maxTimeToRecover: 15m, \
             maxErrorBudgetBurn: 10%, trafficRouter: true, metrics: true }`."
                .to_owned(),
        ),
        Some(c) if c.metrics && !sc.observability.metrics => notes.push(
            "The constraints say there are metrics, but observability.metrics is false: the \
             figures were measured without them (blind analysis, no alerts)."
                .to_owned(),
        ),
        Some(c) if !c.metrics && sc.observability.metrics => notes.push(
            "The constraints say there are no metrics, but observability.metrics is true: the \
             figures assume alerts and analysis; set observability.metrics: false to measure \
             without them."
                .to_owned(),
        ),
        Some(_) => {}
    }
    if bad_trials == 0 {
        notes.push(
            "No trial had a bad release: blast radius and recovery are not measured.".to_owned(),
        );
    } else if bad_trials < FEW_BAD {
        notes.push(format!(
            "Only {} trials had a bad release: blast radius and recovery at p95 are rough; \
             run more (--runs).",
            number(bad_trials as f64)
        ));
    }
    notes
}

/// Fewer bad releases than this make a p95 rough.
const FEW_BAD: u64 = 200;

/// The schema change in words: kind, timing and what it does to each version.
fn schema_text(c: &SchemaChange) -> String {
    let mut text = match (c.kind, c.apply) {
        (SchemaKind::Breaking, SchemaApply::BeforeRollout) => {
            "breaking change before the rollout: every request still reaching the old version \
             fails"
                .to_owned()
        }
        (SchemaKind::Breaking, SchemaApply::AfterRollout) => {
            "breaking change after the rollout: the new version, which needs it, fails until it \
             is applied"
                .to_owned()
        }
        (SchemaKind::Additive, SchemaApply::BeforeRollout) => {
            "additive change before the rollout: old and new versions both work on it".to_owned()
        }
        (SchemaKind::Additive, SchemaApply::AfterRollout) => {
            "additive change after the rollout: the new version, which needs it, fails until it \
             is applied"
                .to_owned()
        }
        (SchemaKind::ExpandContract, _) => format!(
            "expand/contract: an additive expand before the rollout, the breaking contract {} \
             after it is complete, so no version meets a schema it cannot use",
            seconds(c.contract_delay.as_secs_f64())
        ),
    };
    if let Some(l) = c.lock {
        let _ = write!(
            text,
            "; while it runs its lock fails {} of requests and adds {} ms",
            percent(l.error_rate),
            number(l.added_ms)
        );
    }
    let breaks_old = c.kind == SchemaKind::Breaking;
    match (breaks_old, c.reversible) {
        (true, false) => {
            text += "; not reversible: rolling back means a restore from backup (data loss)"
        }
        (true, true) => text += "; reversible: rolling back runs the down-migration first",
        (false, _) => {}
    }
    text
}

/// Plain text for a team lead: the recommendation, then each strategy.
pub fn render(rec: &Recommendation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} trials per strategy, seed {}, {} with a bad release\n",
        rec.scenario,
        number(rec.runs as f64),
        rec.seed,
        number(rec.bad_trials as f64)
    );
    let _ = writeln!(out, "{}", rec.headline);
    if !rec.reason.is_empty() {
        let _ = writeln!(out, "{}", rec.reason);
    }
    let schema = rec.schema_change.as_deref().unwrap_or("none");
    let _ = writeln!(out, "Schema change: {schema}.");
    let best = rec
        .strategies
        .iter()
        .filter(|s| Some(&s.name) == rec.best.as_ref());
    let others = rec
        .strategies
        .iter()
        .filter(|s| Some(&s.name) != rec.best.as_ref());
    let width = rec
        .strategies
        .iter()
        .flat_map(|s| s.checks.iter().map(|c| c.measure.chars().count()))
        .max()
        .unwrap_or(0);
    for s in best.chain(others) {
        out.push('\n');
        block(&mut out, s, rec, width);
    }
    if !rec.notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in &rec.notes {
            let _ = writeln!(out, "- {n}");
        }
    }
    out
}

/// One strategy: its verdict, needs and checklist.
/// One line on how `s` fares: best fit, meets everything, or what it breaks.
pub fn verdict(s: &StrategyReport, rec: &Recommendation) -> String {
    match (
        Some(&s.name) == rec.best.as_ref(),
        s.broken.is_empty(),
        rec.constrained,
    ) {
        (true, true, true) => "best fit: meets every constraint".to_owned(),
        (true, false, _) => format!("closest fit: breaks {}", broken_list(s)),
        (true, true, false) => "best fit: least error budget burnt".to_owned(),
        (false, true, true) => "meets every constraint".to_owned(),
        (false, true, false) => "breaks nothing (no constraints set)".to_owned(),
        (false, false, _) => format!("breaks {}", broken_list(s)),
    }
}

fn block(out: &mut String, s: &StrategyReport, rec: &Recommendation, width: usize) {
    let marks = rec.constrained || rec.strategies.iter().any(|s| !s.broken.is_empty());
    let _ = writeln!(out, "{} ({}) — {}", s.name, s.kind, verdict(s, rec));
    let _ = writeln!(
        out,
        "  complexity {}: {}",
        s.complexity.word(),
        s.needs.describe()
    );
    for c in &s.checks {
        let mark = match c.status {
            Status::Met => "met",
            Status::Broken => "BROKEN",
            Status::NoLimit => "",
            Status::NotMeasured => "n/a",
        };
        // Without any limit there is no verdict to show.
        let mark = if marks {
            format!("{mark:<6}  ")
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {mark}{:<width$}  {}", c.measure, c.text);
    }
    if rec.schema_change.is_some() && s.data_loss > 0 {
        let _ = writeln!(
            out,
            "  data loss (restore from backup) in {} of {} trials",
            number(s.data_loss as f64),
            number(rec.runs as f64)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{self, parse};
    use crate::stats::Summary;
    use crate::trial::{PerMetric, PerOutcome};

    const BASE: &str = r#"
name: t
service: { replicas: 10, pod: { cpu: 500m, memory: 1Gi, capacityRps: 100 } }
cluster: { nodes: 4, nodeAllocatable: { cpu: 8, memory: 32Gi } }
traffic: { rps: 500 }
strategies:
  - { name: recreate, type: Recreate }
  - { name: rolling, type: RollingUpdate }
  - { name: blue-green, type: BlueGreen, postPromotionAnalysis: true }
  - name: canary
    type: Canary
    trafficRouting: true
    steps: [ { setWeight: 10 }, { pause: { duration: 5m } }, { setWeight: 50 }, { pause: {} } ]
    analysis: { startingStep: 1 }
"#;

    /// The scenario above with `constraints` (none when empty).
    fn sc(constraints: &str) -> Scenario {
        let text = match constraints {
            "" => BASE.to_owned(),
            c => format!("{BASE}constraints: {c}\n"),
        };
        parse(&text, "t.yaml").unwrap_or_else(|e| panic!("{e}"))
    }

    /// What a hand-built strategy measured, at p95.
    #[derive(Clone, Copy)]
    struct Figures {
        failed: f64,
        burn: f64,
        recover_s: f64,
        pod_hours: f64,
        fits: bool,
        stalled: u64,
    }

    const FIGURES: Figures = Figures {
        failed: 1000.0,
        burn: 0.01,
        recover_s: 600.0,
        pod_hours: 1.0,
        fits: true,
        stalled: 0,
    };

    fn stat(count: u64, v: f64) -> Summary {
        Summary {
            count,
            mean: Some(v),
            p50: Some(v),
            p95: Some(v),
            p99: Some(v),
            max: Some(v),
            ci95: None,
        }
    }

    /// 1000 trials, 100 of them bad.
    fn strategy(name: &str, kind: &str, f: Figures) -> StrategySummary {
        let mut given_bad = PerMetric::<Summary>::default();
        given_bad[Metric::FailedRequests] = stat(100, f.failed);
        given_bad[Metric::AffectedUsers] = stat(100, f.failed / 2.0);
        given_bad[Metric::ErrorBudgetBurn] = stat(100, f.burn);
        given_bad[Metric::TimeToRecover] = stat(100, f.recover_s);
        let mut all = PerMetric::<Summary>::default();
        all[Metric::ExtraPodHours] = stat(1000, f.pod_hours);
        all[Metric::Cost] = stat(1000, f.pod_hours / 10.0);
        let mut outcomes = PerOutcome::<u64>::default();
        outcomes[Outcome::Succeeded] = 1000 - f.stalled;
        outcomes[Outcome::Stalled] = f.stalled;
        StrategySummary {
            name: name.to_owned(),
            kind: kind.to_owned(),
            all,
            given_bad,
            outcomes,
            capacity: Capacity {
                cpu_headroom_p95: 5.0,
                memory_headroom_gib_p95: 10.0,
                nodes_added_p95: 0.0,
                fits_p95: f.fits,
            },
        }
    }

    /// A run of the four strategies of `BASE` with these figures.
    fn run(figures: [Figures; 4]) -> RunSummary {
        let kinds = [
            ("recreate", "Recreate"),
            ("rolling", "RollingUpdate"),
            ("blue-green", "BlueGreen"),
            ("canary", "Canary"),
        ];
        RunSummary {
            scenario: "t".into(),
            runs: 1000,
            seed: 1,
            strategies: kinds
                .iter()
                .zip(figures)
                .map(|((n, k), f)| strategy(n, k, f))
                .collect(),
        }
    }

    fn check<'a>(rec: &'a Recommendation, strategy: &str, key: &str) -> &'a Check {
        let s = rec.strategies.iter().find(|s| s.name == strategy).unwrap();
        s.checks.iter().find(|c| c.key == key).unwrap()
    }

    fn with(f: impl Fn(&mut Figures)) -> Figures {
        let mut figures = FIGURES;
        f(&mut figures);
        figures
    }

    #[test]
    fn a_figure_equal_to_its_limit_meets_it() {
        let rec = recommend(&sc("{ maxFailedRequests: 1000 }"), &run([FIGURES; 4]));
        let c = check(&rec, "rolling", "maxFailedRequests");
        assert_eq!(c.status, Status::Met);
        assert_eq!(c.text, "1,000 ≤ 1,000");
        assert!(rec.meets_all);
    }

    #[test]
    fn a_broken_limit_says_by_how_much() {
        let double = with(|f| f.failed = 2000.0);
        let rec = recommend(
            &sc("{ maxFailedRequests: 1000 }"),
            &run([double, FIGURES, FIGURES, FIGURES]),
        );
        let c = check(&rec, "recreate", "maxFailedRequests");
        assert_eq!(c.status, Status::Broken);
        assert_eq!((c.ratio, c.excess), (Some(2.0), Some(1000.0)));
        assert_eq!(c.text, "2,000 > 1,000 (2×, +1,000)");
        let text = render(&rec);
        assert!(
            text.contains("recreate (Recreate) — breaks maxFailedRequests (2×)"),
            "{text}"
        );
        let slow = with(|f| f.recover_s = 5400.0);
        let rec = recommend(&sc("{ maxTimeToRecover: 15m }"), &run([slow; 4]));
        let c = check(&rec, "rolling", "maxTimeToRecover");
        assert_eq!(c.text, "1.5 h > 15 min (6×, +1.2 h)");
        let burn = with(|f| f.burn = 0.33);
        let rec = recommend(&sc("{ maxErrorBudgetBurn: 10% }"), &run([burn; 4]));
        let c = check(&rec, "rolling", "maxErrorBudgetBurn");
        assert_eq!(c.text, "33% > 10% (3.3×, +23%)");
    }

    #[test]
    fn a_limit_of_zero_has_an_excess_but_no_ratio() {
        let rec = recommend(&sc("{ maxFailedRequests: 0 }"), &run([FIGURES; 4]));
        let c = check(&rec, "rolling", "maxFailedRequests");
        assert_eq!((c.status, c.ratio), (Status::Broken, None));
        assert_eq!(c.text, "1,000 > 0 (+1,000)");
    }

    #[test]
    fn capabilities_break_when_needed_and_missing() {
        let rec = recommend(
            &sc("{ trafficRouter: false, metrics: false }"),
            &run([FIGURES; 4]),
        );
        let c = check(&rec, "canary", "trafficRouter");
        assert_eq!(c.status, Status::Broken);
        assert_eq!(
            c.text,
            "needs a traffic router; constraints say there is none"
        );
        assert_eq!(
            check(&rec, "blue-green", "trafficRouter").status,
            Status::Met
        );
        assert_eq!(check(&rec, "blue-green", "metrics").status, Status::Broken);
        assert_eq!(check(&rec, "rolling", "metrics").status, Status::Met);
        let canary = &rec.strategies[3];
        assert_eq!(canary.broken, ["trafficRouter", "metrics"]);
        // With both, nothing breaks; unsaid, nothing is checked.
        let rec = recommend(&sc("{ trafficRouter: true }"), &run([FIGURES; 4]));
        assert_eq!(check(&rec, "canary", "trafficRouter").status, Status::Met);
        let rec = recommend(&sc("{ maxCost: 5 }"), &run([FIGURES; 4]));
        assert_eq!(
            check(&rec, "canary", "trafficRouter").status,
            Status::NoLimit
        );
    }

    #[test]
    fn fit_cluster_is_a_limit_only_when_asked() {
        let tight = with(|f| f.fits = false);
        let rec = recommend(&sc("{ fitCluster: true }"), &run([tight; 4]));
        let c = check(&rec, "rolling", "fitCluster");
        assert_eq!(c.status, Status::Broken);
        assert!(
            c.text.starts_with("pods wait for room: +5 CPU, +10 GiB"),
            "{}",
            c.text
        );
        let rec = recommend(&sc("{ maxCost: 5 }"), &run([tight; 4]));
        assert_eq!(check(&rec, "rolling", "fitCluster").status, Status::NoLimit);
    }

    #[test]
    fn best_fit_is_the_simplest_then_the_safest_then_the_cheapest() {
        let c = "{ maxFailedRequests: 5000 }";
        // All meet: the simplest (Low) wins over a safer canary.
        let safer = with(|f| f.failed = 10.0);
        let rec = recommend(&sc(c), &run([FIGURES, FIGURES, FIGURES, safer]));
        assert_eq!(rec.best.as_deref(), Some("recreate"));
        assert!(rec.headline.starts_with("Recommended: recreate (Recreate)"));
        // Recreate and rolling are both Low: fewer failed requests decides.
        let worse = with(|f| f.failed = 3000.0);
        let rec = recommend(&sc(c), &run([worse, FIGURES, FIGURES, FIGURES]));
        assert_eq!(rec.best.as_deref(), Some("rolling"));
        assert!(
            rec.reason.contains("p95 1,000 against 3,000"),
            "{}",
            rec.reason
        );
        // Equally safe: fewer extra pod-hours decides.
        let dear = with(|f| f.pod_hours = 4.0);
        let rec = recommend(&sc(c), &run([FIGURES, dear, FIGURES, FIGURES]));
        assert_eq!(rec.best.as_deref(), Some("recreate"));
        assert!(rec.reason.contains("pod-hours"), "{}", rec.reason);
        // The simple ones break the limit: the medium blue-green is next.
        let bad = with(|f| f.failed = 9000.0);
        let rec = recommend(&sc(c), &run([bad, bad, FIGURES, FIGURES]));
        assert_eq!(rec.best.as_deref(), Some("blue-green"));
        assert!(rec.reason.contains("canary is high"), "{}", rec.reason);
    }

    #[test]
    fn when_all_break_the_closest_is_named_plainly() {
        let c = "{ maxFailedRequests: 1000, maxTimeToRecover: 10m }";
        let one = with(|f| f.failed = 3000.0);
        let one_less = with(|f| f.failed = 1500.0);
        let two = with(|f| {
            f.failed = 1100.0;
            f.recover_s = 700.0;
        });
        let rec = recommend(&sc(c), &run([two, one, one_less, two]));
        assert!(!rec.meets_all);
        assert_eq!(rec.best.as_deref(), Some("blue-green"));
        assert_eq!(
            rec.headline,
            "No strategy meets every constraint. Closest: blue-green (BlueGreen), which breaks \
             maxFailedRequests (1.5×)."
        );
        assert!(
            rec.reason
                .contains("by less: at worst 1.5× the limit, against 3×")
        );
        // Fewer broken beats a smaller excess.
        let rec = recommend(&sc(c), &run([two, two, one, two]));
        assert_eq!(rec.best.as_deref(), Some("blue-green"));
        assert!(
            rec.reason
                .starts_with("It breaks the fewest constraints: 1, against 2")
        );
    }

    #[test]
    fn without_constraints_the_least_burn_wins_and_says_how_to_add_them() {
        let low = with(|f| f.burn = 0.001);
        let rec = recommend(&sc(""), &run([FIGURES, FIGURES, low, FIGURES]));
        assert!(!rec.constrained);
        assert_eq!(rec.best.as_deref(), Some("blue-green"));
        assert!(rec.headline.contains("sets no constraints"));
        assert!(rec.notes[0].contains("no `constraints` section"));
        // Equal burn: the simplest.
        let rec = recommend(&sc(""), &run([FIGURES; 4]));
        assert_eq!(rec.best.as_deref(), Some("recreate"));
        // A strategy that never deploys is no answer.
        let stuck = with(|f| {
            f.burn = 0.0;
            f.stalled = 990;
        });
        let rec = recommend(&sc(""), &run([FIGURES, FIGURES, stuck, FIGURES]));
        assert_eq!(rec.best.as_deref(), Some("recreate"));
        assert_eq!(rec.strategies[2].broken, ["progressDeadline"]);
        assert!(render(&rec).contains("breaks progressDeadline (99% of rollouts)"));
    }

    #[test]
    fn recovery_beyond_the_horizon_breaks_the_limit() {
        let mut summary = run([FIGURES; 4]);
        let mut missing = PerMetric::<Summary>::default();
        missing[Metric::FailedRequests] = stat(100, 10.0);
        missing[Metric::TimeToRecover] = stat(60, 600.0);
        summary.strategies[0].given_bad = missing;
        let rec = recommend(&sc("{ maxTimeToRecover: 1h }"), &summary);
        let c = check(&rec, "recreate", "maxTimeToRecover");
        assert_eq!((c.status, c.measured), (Status::Broken, None));
        assert_eq!(
            c.text,
            "beyond the 24 h horizon: 40% of bad releases not recovered within it"
        );
    }

    #[test]
    fn render_leads_with_the_recommendation() {
        let rec = recommend(&sc("{ maxFailedRequests: 5000 }"), &run([FIGURES; 4]));
        let text = render(&rec);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "t — 1,000 trials per strategy, seed 1, 100 with a bad release"
        );
        assert_eq!(
            lines[2],
            "Recommended: recreate (Recreate) — it meets every constraint."
        );
        assert!(text.contains("recreate (Recreate) — best fit: meets every constraint"));
        assert!(
            text.contains("  met     failed requests, bad release, p95"),
            "{text}"
        );
        let json = serde_json::to_value(&rec).expect("serializes");
        assert_eq!(json["best"], "recreate");
        assert_eq!(json["strategies"][3]["complexity"], "high");
        assert_eq!(json["strategies"][0]["checks"][0]["status"], "met");
    }

    #[test]
    fn schema_changes_are_described() {
        let text = format!("{BASE}schemaChange: {{ kind: breaking }}\n");
        let s = parse(&text, "t.yaml").expect("parses");
        let rec = recommend(&s, &run([FIGURES; 4]));
        let said = rec.schema_change.expect("a schema change");
        assert!(said.starts_with(
            "breaking change before the rollout: every request still reaching the old version fails"
        ));
        assert!(said.contains("not reversible"), "{said}");
    }

    #[test]
    fn needs_and_grades_of_the_base_strategies() {
        let s = sc("");
        let n: Vec<Needs> = s.strategies.iter().map(|st| needs(&s, st)).collect();
        assert_eq!(n[0], Needs::default());
        assert_eq!(n[0].complexity(), Grade::Low);
        assert_eq!(n[1].describe(), "nothing beyond a Deployment");
        assert_eq!(n[2].describe(), "metrics, 2× capacity");
        assert_eq!(n[2].complexity(), Grade::Medium);
        assert_eq!(
            n[3].describe(),
            "traffic router, metrics, 2× capacity, 1 human step"
        );
        assert_eq!(n[3].complexity(), Grade::High);
        assert_eq!(Grade::High.word(), "high");
    }

    /// `needs` of the strategy `name` in the shipped scenario `file`.
    fn shipped(file: &str, name: &str) -> Needs {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(file);
        let s = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let st = s.strategies.iter().find(|st| st.name == name).unwrap();
        needs(&s, st)
    }

    #[test]
    fn needs_of_every_strategy_type_in_the_scenarios() {
        let grade = |file, name| shipped(file, name).complexity();
        let checkout = "checkout-api.yaml";
        assert_eq!(grade(checkout, "recreate"), Grade::Low);
        assert_eq!(grade(checkout, "rolling"), Grade::Low);
        let bg = shipped(checkout, "blue-green");
        assert!(bg.metrics && bg.second_environment && !bg.traffic_router);
        assert_eq!(bg.complexity(), Grade::Medium);
        let canary = shipped(checkout, "canary");
        assert!(canary.traffic_router && canary.metrics && canary.second_environment);
        assert_eq!((canary.human_steps, canary.complexity()), (0, Grade::High));
        let basic = shipped(checkout, "canary-no-router");
        assert_eq!(basic.describe(), "metrics");
        assert_eq!(basic.complexity(), Grade::Medium);
        let flagger = shipped(checkout, "canary-flagger");
        assert!(flagger.traffic_router && flagger.metrics && flagger.second_environment);
        // 0.4 rps at 25%: a minute holds 6 requests, below minRequests, and
        // no data is inconclusive: each analysis step waits for a person.
        assert_eq!(shipped("admin-console.yaml", "canary").human_steps, 2);
        assert_eq!(
            shipped("admin-console.yaml", "canary-pass-on-no-data").human_steps,
            0
        );
        let batch = shipped("patterns/one-size/batch-scheduler.yaml", "canary");
        assert_eq!((batch.human_steps, batch.traffic_router), (2, false));
        // Without metrics the analysis is blind: it never waits for anyone.
        let blind = shipped("checkout-api-no-metrics.yaml", "canary");
        assert_eq!(blind.human_steps, 0);
    }
}
