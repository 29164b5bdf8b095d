//! Hand-built run summaries of a four-strategy scenario, for the tests of
//! the verdicts and of their words.

use super::{Check, Item, Needs, Recommendation, needs};
use crate::montecarlo::{Capacity, RunSummary, StrategySummary};
use crate::scenario::{self, Scenario, parse};
use crate::stats::Summary;
use crate::trial::{Metric, Outcome, PerMetric, PerOutcome};

pub const BASE: &str = r#"
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
pub fn sc(constraints: &str) -> Scenario {
    let text = match constraints {
        "" => BASE.to_owned(),
        c => format!("{BASE}constraints: {c}\n"),
    };
    parse(&text, "t.yaml").unwrap_or_else(|e| panic!("{e}"))
}

/// What a hand-built strategy measured, at p95.
#[derive(Clone, Copy)]
pub struct Figures {
    pub failed: f64,
    pub burn: f64,
    pub recover_s: f64,
    pub pod_hours: f64,
    pub fits: bool,
    pub stalled: u64,
}

pub const FIGURES: Figures = Figures {
    failed: 1000.0,
    burn: 0.01,
    recover_s: 600.0,
    pod_hours: 1.0,
    fits: true,
    stalled: 0,
};

/// [`FIGURES`] changed by `f`.
pub fn with(f: impl Fn(&mut Figures)) -> Figures {
    let mut figures = FIGURES;
    f(&mut figures);
    figures
}

/// `count` trials, every statistic `v`.
pub fn stat(count: u64, v: f64) -> Summary {
    Summary {
        count,
        mean: Some(v),
        p50: Some(v),
        p95: Some(v),
        p99: Some(v),
        max: Some(v),
        ci95: None,
        p50_ci95: Some([v, v]),
        p95_ci95: Some([v, v]),
        p99_ci95: Some([v, v]),
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
        outcome_shares: outcomes.map(|&n| n as f64 / 1000.0),
        outcome_shares_ci95: outcomes.map(|&n| crate::stats::wilson95(n, 1000)),
        outcomes,
        capacity: Capacity {
            cpu_headroom_p95: 5.0,
            memory_headroom_gib_p95: 10.0,
            nodes_added_p95: 0.0,
            fits_p95: f.fits,
        },
    }
}

/// A run of the four strategies of [`BASE`] with these figures.
pub fn run(figures: [Figures; 4]) -> RunSummary {
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
        precision: None,
    }
}

/// The check of `item` for `strategy`.
pub fn check<'a>(rec: &'a Recommendation, strategy: &str, item: Item) -> &'a Check {
    let s = rec.strategies.iter().find(|s| s.name == strategy).unwrap();
    s.checks.iter().find(|c| c.item == item).unwrap()
}

/// The name of the best strategy.
pub fn best(rec: &Recommendation) -> Option<&str> {
    rec.best().map(|s| s.name.as_str())
}

/// `needs` of the strategy `name` in the shipped scenario `file`.
pub fn shipped(file: &str, name: &str) -> Needs {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let s = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let st = s.strategies.iter().find(|st| st.name == name).unwrap();
    needs(&s, st)
}
