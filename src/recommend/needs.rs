//! What a strategy asks of the team and the cluster beyond a Deployment, and
//! the complexity grade that follows from it: a pure reading of the
//! strategy's spec (and, for an analysis that may starve, of the demand the
//! trial runs on).

use serde::Serialize;

use crate::scenario::{
    Analysis, BlueGreen, Canary, CanaryPlan, CanaryStep, OnNoData, Scenario, Strategy, StrategyKind,
};
use crate::sim::SimTime;
use crate::strategy::canary::routing_at_step;
use crate::traffic::Demand;

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
    /// The grade as JSON spells it: `low`, `medium`, `high`.
    pub fn name(self) -> &'static str {
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
}

/// What `strategy` needs in `sc` (see [`Needs`] for each field's rule).
pub fn needs(sc: &Scenario, strategy: &Strategy) -> Needs {
    match &strategy.kind {
        StrategyKind::Recreate | StrategyKind::RollingUpdate { .. } => Needs::default(),
        StrategyKind::BlueGreen(b) => blue_green_needs(&Starving::of(sc), b),
        StrategyKind::Canary(c) => canary_needs(&Starving::of(sc), c),
    }
}

fn blue_green_needs(starving: &Starving, b: &BlueGreen) -> Needs {
    let post = b.post_promotion_analysis.as_ref();
    // After the switch the new version takes all traffic.
    let starved = post.is_some_and(|a| starving.starves(a, 1.0));
    Needs {
        traffic_router: false,
        metrics: post.is_some(),
        second_environment: true,
        human_steps: u32::from(!b.auto_promotion_enabled) + u32::from(starved),
        rollout_controller: true,
    }
}

fn canary_needs(starving: &Starving, c: &Canary) -> Needs {
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
        human_steps: pauses + decides + inconclusive_pauses(starving, c),
        rollout_controller: true,
    }
}

/// Argo analyses likely to pause as inconclusive for lack of data. Flagger
/// checks without data only hold the weight (no person is asked).
fn inconclusive_pauses(starving: &Starving, c: &Canary) -> u32 {
    let CanaryPlan::Steps(steps) = &c.plan else {
        return 0;
    };
    let shares: Vec<f64> = (0..steps.len()).map(|i| canary_share(steps, i)).collect();
    let with_share = || steps.iter().zip(shares.iter().copied());
    let in_steps = with_share()
        .filter(|(s, x)| matches!(s, CanaryStep::Analysis(a) if starving.starves(a, *x)))
        .count();
    let background = c.background_analysis.as_ref().is_some_and(|b| {
        // The lowest share the canary holds while time passes from the
        // starting step on (the last one if no step holds).
        let held = with_share()
            .skip(b.starting_step as usize)
            .filter(|(s, _)| matches!(s, CanaryStep::Pause(_) | CanaryStep::Analysis(_)))
            .map(|(_, x)| x);
        let share = held.reduce(f64::min).or(shares.last().copied());
        starving.starves(&b.analysis, share.unwrap_or(0.0))
    });
    u32::try_from(in_steps).unwrap_or(u32::MAX) + u32::from(background)
}

/// The share of traffic the canary's analysis sees once `steps[..=i]` have
/// run: the larger of the routed weight and the mirrored share, as the
/// canary controller routes them.
fn canary_share(steps: &[CanaryStep], i: usize) -> f64 {
    let route = routing_at_step(steps, i);
    route.weight.unwrap_or(0.0).max(route.mirror)
}

/// Whether an analysis can expect enough requests per interval.
struct Starving {
    /// `observability.metrics`: without metrics an analysis is blind, never
    /// inconclusive.
    metrics: bool,
    /// Requests per second when the rollout starts, from the demand curve
    /// the trial itself runs on.
    rps: f64,
}

impl Starving {
    fn of(sc: &Scenario) -> Self {
        let demand = Demand::new(&sc.traffic, sc.release.start_at);
        Starving {
            metrics: sc.observability.metrics,
            rps: demand.rate_at(SimTime::ZERO),
        }
    }

    /// An analysis that, at `share` of traffic, expects fewer than
    /// `minRequests` per interval and counts that as inconclusive (which
    /// pauses the rollout).
    fn starves(&self, a: &Analysis, share: f64) -> bool {
        let expected = self.rps * share * a.interval.as_secs_f64();
        self.metrics && a.on_no_data == OnNoData::Inconclusive && expected < a.min_requests as f64
    }
}
