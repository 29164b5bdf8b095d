//! The work bound: how many events one trial of a strategy can take at
//! most, estimated from the scenario before anything runs, and the limit
//! above which a scenario is refused.
//!
//! The event loop's cost grows with the events a trial handles, and two
//! kinds of event recur for as long as a trial lasts (at most two horizons:
//! a rollout still unsettled then is given up on):
//!
//! - **checks**: an analysis without a `count` (Flagger's ticks, Argo's
//!   background analysis, a blue-green post-promotion analysis) measures
//!   every `interval` until the rollout settles; one with a `count` takes
//!   that many;
//! - **restarts**: a release whose pods crash is restarted by the kubelet
//!   at least every five minutes (its back-off cap), for every new pod
//!   (never more than `replicas` at once).
//!
//! Everything else (scaling, steps, pages, reports) is a few events per
//! pod or step. A trial's memory does not grow with its events (the event
//! queue reuses its slots and the alert forgets what no window reads), so
//! the bound is one of time: [`MAX_EVENTS`] events are about a second of
//! one core.

use super::model::{CanaryPlan, CanaryStep, DefectKind, Scenario, Strategy, StrategyKind};
use crate::sim::Duration;

/// Events one trial may take at most, by the estimate below.
pub const MAX_EVENTS: u64 = 10_000_000;

/// The kubelet's restart back-off cap (5 minutes).
const BACK_OFF_CAP: Duration = Duration::from_secs(300);

/// A strategy whose trials can take more than [`MAX_EVENTS`] events.
#[derive(Clone, Debug, PartialEq)]
pub struct Beyond {
    /// The strategy's index in the scenario.
    pub strategy: usize,
    /// The estimate.
    pub events: u64,
    /// What makes it, in the scenario's keys, and what would bring it
    /// within the bound.
    pub why: String,
}

/// The first strategy of `sc` beyond the bound, if any.
pub fn beyond(sc: &Scenario) -> Option<Beyond> {
    sc.strategies.iter().enumerate().find_map(|(i, s)| {
        let (events, why) = estimate(sc, s);
        (events > MAX_EVENTS).then_some(Beyond {
            strategy: i,
            events,
            why,
        })
    })
}

/// The most events a trial of `s` can take, and the part that dominates it
/// in the scenario's keys.
pub fn estimate(sc: &Scenario, s: &Strategy) -> (u64, String) {
    let span = sc.monte_carlo.horizon.times(2);
    let horizon = super::units::format_duration(sc.monte_carlo.horizon.as_millis() as f64);
    let every = |interval: Duration| span.as_millis() / interval.as_millis().max(1);
    let mut checks: Vec<(u64, String)> = Vec::new();
    let mut open = |count: Option<u32>, interval: Duration, key: &str| {
        let n = count.map_or_else(|| every(interval), u64::from);
        let why = match count {
            Some(c) => format!("{key}.count {c}: take fewer measurements"),
            None => format!(
                "{key}.interval {} without a count, for up to two monteCarlo.horizon \
                 ({horizon}): shorten the horizon or lengthen the interval",
                super::units::format_duration(interval.as_millis() as f64)
            ),
        };
        checks.push((n, why));
    };
    match &s.kind {
        StrategyKind::Recreate | StrategyKind::RollingUpdate { .. } => {}
        StrategyKind::BlueGreen(b) => {
            if let Some(a) = &b.post_promotion_analysis {
                open(a.count, a.interval, "postPromotionAnalysis");
            }
        }
        StrategyKind::Canary(c) => {
            match &c.plan {
                CanaryPlan::Flagger(f) => open(None, f.interval, "analysis"),
                CanaryPlan::Steps(steps) => {
                    for (i, step) in steps.iter().enumerate() {
                        if let CanaryStep::Analysis(a) = step {
                            open(a.count, a.interval, &format!("steps[{i}].analysis"));
                        }
                    }
                }
            }
            if let Some(b) = &c.background_analysis {
                open(b.analysis.count, b.analysis.interval, "analysis");
            }
        }
    }
    let crashes = sc.release.defect_probability > 0.0
        && sc.release.defects.iter().any(|d| {
            matches!(
                d.kind,
                DefectKind::CrashOnStart | DefectKind::DelayedCrash { .. }
            )
        });
    let restarts = if crashes {
        u64::from(sc.service.replicas) * every(BACK_OFF_CAP)
    } else {
        0
    };
    let total_checks: u64 = checks.iter().map(|c| c.0).sum();
    let total = total_checks.saturating_add(restarts);
    let why = if restarts > total_checks {
        format!(
            "service.replicas {} crash-looping pods, each restarted every 5 minutes for up to \
             two monteCarlo.horizon ({horizon}): shorten the horizon or run fewer replicas",
            sc.service.replicas
        )
    } else {
        checks
            .into_iter()
            .max_by_key(|c| c.0)
            .map(|c| c.1)
            .unwrap_or_default()
    };
    (total, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scenario of `replicas` pods whose strategies are `strategies` and
    /// release is `release`, over `horizon`.
    fn scenario(replicas: u32, release: &str, strategies: &str, horizon: &str) -> Scenario {
        let text = format!(
            "name: w\nservice: {{ replicas: {replicas}, pod: {{ cpu: 100m, memory: 128Mi, capacityRps: 50 }} }}\n\
             cluster: {{ nodes: 3, nodeAllocatable: {{ cpu: 64, memory: 256Gi }} }}\n\
             traffic: {{ rps: 10 }}\nrelease: {release}\nstrategies:\n{strategies}\n\
             monteCarlo: {{ horizon: {horizon} }}\n"
        );
        crate::scenario::parse(&text, "w.yaml").expect("valid")
    }

    const NO_DEFECTS: &str = "{ defectProbability: 0% }";

    #[test]
    fn checks_without_a_count_run_for_two_horizons() {
        // Flagger every 10 s for 2 × 1 day: 172,800 s / 10 s = 17,280.
        let sc = scenario(
            4,
            NO_DEFECTS,
            "  - { name: f, type: Canary, trafficRouting: true, \
             analysis: { interval: 10s, threshold: 5, maxWeight: 50, stepWeight: 10 } }",
            "1d",
        );
        let (events, why) = estimate(&sc, &sc.strategies[0]);
        assert_eq!(events, 17_280);
        assert!(
            why.starts_with("analysis.interval 10s without a count"),
            "{why}"
        );
    }

    #[test]
    fn counted_checks_add_their_counts() {
        // Two step analyses of count 3 (6 checks) and a background analysis
        // every minute without one, for 2 × 1 day: 2,880. 6 + 2,880 = 2,886.
        let sc = scenario(
            4,
            NO_DEFECTS,
            "  - { name: c, type: Canary, trafficRouting: true, analysis: { startingStep: 1 }, \
             steps: [ { setWeight: 25 }, { analysis: { count: 3 } }, { setWeight: 50 }, \
             { analysis: { count: 3 } } ] }",
            "1d",
        );
        assert_eq!(estimate(&sc, &sc.strategies[0]).0, 2_886);
        assert_eq!(beyond(&sc), None);
    }

    #[test]
    fn crashing_pods_restart_every_five_minutes() {
        // 10 pods restarted every 300 s for 2 × 1 day: 10 × 576 = 5,760;
        // a rolling update runs no checks. Without a crashing defect, none.
        let crash = "{ defectProbability: 10%, defects: [ { kind: crashOnStart, weight: 1 } ] }";
        let rolling = "  - { name: r, type: RollingUpdate }";
        let sc = scenario(10, crash, rolling, "1d");
        let (events, why) = estimate(&sc, &sc.strategies[0]);
        assert_eq!(events, 5_760);
        assert!(
            why.starts_with("service.replicas 10 crash-looping pods"),
            "{why}"
        );
        let errors = "{ defectProbability: 10%, defects: [ { kind: errorRate, weight: 1, errorRate: 5% } ] }";
        let sc = scenario(10, errors, rolling, "1d");
        assert_eq!(estimate(&sc, &sc.strategies[0]).0, 0);
    }

    #[test]
    fn the_bound_is_met_at_ten_million_and_passed_above() {
        // A canary's background analysis every second without a count:
        // 2 × horizon / 1 s. 5,000,000 s gives exactly 10,000,000; a second
        // more, 10,000,002.
        let bg = "  - { name: b, type: Canary, trafficRouting: true, \
                  analysis: { interval: 1s }, steps: [ { setWeight: 50 }, { pause: {} } ] }";
        let sc = scenario(4, NO_DEFECTS, bg, "5000000s");
        assert_eq!(estimate(&sc, &sc.strategies[0]).0, MAX_EVENTS);
        assert_eq!(beyond(&sc), None);
        // Validation refuses it at the strategy's entry (the second).
        let mut sc = sc;
        sc.monte_carlo.horizon = Duration::from_secs(5_000_001);
        let b = beyond(&sc).expect("beyond");
        assert_eq!((b.strategy, b.events), (0, 10_000_002));
        assert!(b.why.starts_with("analysis.interval 1s"), "{}", b.why);
        let text = format!(
            "name: w\nservice: {{ replicas: 4, pod: {{ cpu: 100m, memory: 128Mi, capacityRps: 50 }} }}\n\
             cluster: {{ nodes: 3, nodeAllocatable: {{ cpu: 64, memory: 256Gi }} }}\n\
             traffic: {{ rps: 10 }}\nrelease: {NO_DEFECTS}\nstrategies:\n  \
             - {{ name: r, type: RollingUpdate }}\n{bg}\nmonteCarlo: {{ horizon: 5000001s }}\n"
        );
        let e = crate::scenario::parse(&text, "w.yaml").expect_err("beyond the bound");
        assert_eq!((e.line, e.key_path.as_str()), (Some(8), "strategies[1]"));
        assert!(
            e.message.contains("could take 10000002 events"),
            "{}",
            e.message
        );
    }
}
