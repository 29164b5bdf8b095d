//! Properties of the simulator on generated scenarios: whatever the service,
//! cluster, traffic, defects and strategy parameters, a scenario either
//! fails to load with one clean error or every trial of it runs without a
//! panic and measures numbers that make sense (DESIGN §3). And the Monte
//! Carlo summary does not depend on the number of threads.

use deploysim::montecarlo::{self, Plan, TrialRow};
use deploysim::scenario::{self, Scenario};
use deploysim::trial::{Metric, Outcome, ReleaseDraw, TrialResult, World};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Trials run per strategy of each generated scenario.
const TRIALS: u64 = 4;
/// The file name generated scenarios are parsed under.
const FILE: &str = "generated.yaml";

// ---------------------------------------------------------------------------
// Scenario text from random parameters.

/// A percent with one decimal from tenths of a percent: 125 → `12.5%`.
fn pct(tenths: u32) -> String {
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// Start-up time (image pull, boot): fixed or lognormal.
fn startup_dist() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..=120_000).prop_map(|ms| format!("{{ fixed: {ms}ms }}")),
        (100u32..=60_000, 11u32..=100).prop_map(|(m, f)| format!(
            "{{ lognormal: {{ median: {m}ms, p95: {}ms }} }}",
            m * f / 10 + 1
        )),
    ]
}

/// A share (error rate, affected share) in every distribution form.
fn fraction_dist() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..=1000).prop_map(pct),
        (0u32..=1000).prop_map(|p| format!("{{ fixed: {} }}", pct(p))),
        (0u32..=1000, 0u32..=1000).prop_map(|(a, b)| format!(
            "{{ uniform: {{ min: {}, max: {} }} }}",
            pct(a.min(b)),
            pct(a.max(b))
        )),
        (1u32..=999, any::<u32>()).prop_map(|(m, k)| format!(
            "{{ lognormal: {{ median: {}, p95: {} }} }}",
            pct(m),
            pct(m + 1 + k % (1000 - m))
        )),
        (1u32..=1000).prop_map(|m| format!("{{ exponential: {{ mean: {} }} }}", pct(m))),
        vec(0u32..=1000, 1..5).prop_map(|v| format!(
            "{{ empirical: [{}] }}",
            v.into_iter().map(pct).collect::<Vec<_>>().join(", ")
        )),
    ]
}

/// Added latency: plain ms or durations.
fn added_ms_dist() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..=5_000).prop_map(|ms| ms.to_string()),
        (0u32..=5_000).prop_map(|ms| format!("{{ fixed: {ms}ms }}")),
        (1u32..=2_000, 11u32..=100).prop_map(|(m, f)| format!(
            "{{ lognormal: {{ median: {m}, p95: {} }} }}",
            m * f / 10 + 1
        )),
        (1u32..=3_000).prop_map(|m| format!("{{ exponential: {{ mean: {m}ms }} }}")),
        vec(0u32..=5_000, 1..4).prop_map(|v| format!(
            "{{ empirical: [{}] }}",
            v.iter()
                .map(|ms| format!("{ms}ms"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    ]
}

/// Time until a delayed crash.
fn after_dist() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..=7_200).prop_map(|s| format!("{s}s")),
        (1u32..=120).prop_map(|m| format!("{{ exponential: {{ mean: {m}m }} }}")),
        (1u32..=3_600, 11u32..=100).prop_map(|(m, f)| format!(
            "{{ lognormal: {{ median: {m}s, p95: {}s }} }}",
            m * f / 10 + 1
        )),
        (0u32..=3_600, 0u32..=3_600).prop_map(|(a, b)| format!(
            "{{ uniform: {{ min: {}s, max: {}s }} }}",
            a.min(b),
            a.max(b)
        )),
    ]
}

/// One defect of any kind, with a weight from 0.1 to 10.
fn defect() -> impl Strategy<Value = String> {
    let weight = (1u32..=100).prop_map(|w| format!("{}.{}", w / 10, w % 10));
    let kind = prop_oneof![
        Just("kind: crashOnStart".to_owned()),
        fraction_dist().prop_map(|d| format!("kind: errorRate, errorRate: {d}")),
        added_ms_dist().prop_map(|d| format!("kind: latency, addedMs: {d}")),
        after_dist().prop_map(|d| format!("kind: delayedCrash, after: {d}")),
        (fraction_dist(), proptest::option::of(fraction_dist())).prop_map(|(share, e)| {
            let e = e.map(|e| format!(", errorRate: {e}")).unwrap_or_default();
            format!("kind: segment, affectedShare: {share}{e}")
        }),
    ];
    (kind, weight).prop_map(|(k, w)| format!("    - {{ {k}, weight: {w} }}\n"))
}

/// Kubernetes int-or-percent: `3` or `"25%"`.
fn int_or_percent() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..=10).prop_map(|n| n.to_string()),
        (0u32..=100).prop_map(|p| format!("\"{p}%\"")),
    ]
}

/// One strategy (its name is set later): Recreate or RollingUpdate.
fn strategy() -> impl Strategy<Value = String> {
    let min_ready = 0u32..=30;
    prop_oneof![
        min_ready
            .clone()
            .prop_map(|m| format!("type: Recreate, minReadySeconds: {m}")),
        (int_or_percent(), int_or_percent(), min_ready).prop_map(|(surge, unavailable, m)| {
            let zero = |v: &str| v == "0" || v == "\"0%\"";
            // Both zero is refused by Kubernetes and by the loader.
            let unavailable = if zero(&surge) && zero(&unavailable) {
                "1".to_owned()
            } else {
                unavailable
            };
            format!(
                "type: RollingUpdate, maxSurge: {surge}, maxUnavailable: {unavailable}, minReadySeconds: {m}"
            )
        }),
    ]
}

/// A probe, or none.
fn probe(with_success: bool) -> impl Strategy<Value = Option<String>> {
    proptest::option::of((0u32..=30, 1u32..=30, 1u32..=3, 1u32..=5).prop_map(
        move |(delay, period, success, failure)| {
            let success = if with_success {
                format!(", successThreshold: {success}")
            } else {
                String::new()
            };
            format!(
                "{{ initialDelaySeconds: {delay}, periodSeconds: {period}{success}, failureThreshold: {failure} }}"
            )
        },
    ))
}

prop_compose! {
    fn service()(
        replicas in 1u32..=60,
        cpu in 100u32..=2000,
        memory in 64u32..=2048,
        capacity in 1u32..=500,
        image_pull in startup_dist(),
        boot in startup_dist(),
        readiness in probe(true),
        liveness in probe(false),
        grace in 0u32..=60,
    ) -> String {
        let mut s = format!(
            "service:\n  replicas: {replicas}\n  pod: {{ cpu: {cpu}m, memory: {memory}Mi, capacityRps: {capacity} }}\n  startup: {{ imagePull: {image_pull}, boot: {boot} }}\n  terminationGracePeriodSeconds: {grace}\n"
        );
        if let Some(p) = readiness {
            s += &format!("  readinessProbe: {p}\n");
        }
        if let Some(p) = liveness {
            s += &format!("  livenessProbe: {p}\n");
        }
        s
    }
}

prop_compose! {
    fn cluster()(
        nodes in 1u32..=20,
        cores in 1u32..=16,
        other in proptest::option::of(0u32..=105),
        autoscaler in proptest::option::of((0u32..=10, startup_dist())),
    ) -> String {
        let mut s = format!(
            "cluster:\n  nodes: {nodes}\n  nodeAllocatable: {{ cpu: {cores}, memory: 64Gi }}\n"
        );
        if let Some(share) = other {
            // Up to 105% of the cluster: above 100% the loader must refuse it.
            let cpu = u64::from(nodes * cores) * 1000 * u64::from(share) / 100;
            s += &format!("  otherWorkloads: {{ cpu: {cpu}m, memory: 1Gi }}\n");
        }
        if let Some((extra, provision)) = autoscaler {
            s += &format!(
                "  autoscaler: {{ maxNodes: {}, provisionTime: {provision} }}\n",
                nodes + extra
            );
        }
        s
    }
}

prop_compose! {
    fn traffic()(
        rps in prop_oneof![Just(0u32), 0u32..=20_000],
        users in 1u32..=1_000_000,
        diurnal in proptest::option::of((1u32..=10, 0u32..=23)),
        sticky in any::<bool>(),
    ) -> String {
        let pattern = match diurnal {
            None => "constant".to_owned(),
            Some((k, h)) => format!("{{ diurnal: {{ peakToTrough: {k}, peakAt: {h}h }} }}"),
        };
        format!(
            "traffic:\n  rps: {rps}\n  users: {users}\n  pattern: {pattern}\n  stickySessions: {sticky}\n"
        )
    }
}

prop_compose! {
    fn release()(
        probability in prop_oneof![Just(0u32), Just(1000u32), 0u32..=1000],
        defects in vec(defect(), 1..=5),
        start in 0u32..=23,
    ) -> String {
        format!(
            "release:\n  defectProbability: {}\n  startAt: {start}h\n  defects:\n{}",
            pct(probability),
            defects.concat()
        )
    }
}

prop_compose! {
    /// A whole scenario file whose simulated horizon is at most `max_hours`
    /// (the default, 24h, when `max_hours` is 24 and the key is left out).
    fn scenario_within(max_hours: u32)(
        service in service(),
        cluster in cluster(),
        traffic in traffic(),
        release in release(),
        metrics in any::<bool>(),
        strategies in vec(strategy(), 1..=3),
        runs in 1u32..=50,
        seed in any::<u64>(),
        horizon in proptest::option::of(1..=max_hours),
    ) -> String {
        let strategies: String = strategies
            .iter()
            .enumerate()
            .map(|(i, s)| format!("  - {{ name: s{i}, {s} }}\n"))
            .collect();
        let horizon = horizon.or((max_hours < 24).then_some(max_hours));
        let horizon = horizon.map(|h| format!(", horizon: {h}h")).unwrap_or_default();
        format!(
            "name: generated\n{service}{cluster}{traffic}{release}observability:\n  metrics: {metrics}\nstrategies:\n{strategies}monteCarlo: {{ runs: {runs}, seed: {seed}{horizon} }}\n"
        )
    }
}

/// Any scenario file.
fn scenario_yaml() -> impl Strategy<Value = String> {
    scenario_within(24)
}

/// The generated scenario, or a rejection after checking that the loader
/// refused it with one clean, located line naming the file.
fn load(yaml: &str) -> Result<Scenario, TestCaseError> {
    match scenario::parse(yaml, FILE) {
        Ok(sc) => Ok(sc),
        Err(e) => {
            let shown = e.to_string();
            prop_assert!(
                shown.starts_with(&format!("{FILE}:")),
                "{}\n{}",
                shown,
                yaml
            );
            prop_assert!(!shown.contains('\n'), "one line: {}", shown);
            prop_assert!(e.line.is_some() && e.column.is_some(), "located: {}", shown);
            prop_assert!(!e.message.is_empty(), "{}", shown);
            Err(TestCaseError::reject(format!("invalid scenario: {shown}")))
        }
    }
}

/// `cases` cases; failures are reported, not saved to a regressions file.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// What every trial must satisfy.

fn check_trial(sc: &Scenario, release: &ReleaseDraw, r: &TrialResult) -> Result<(), String> {
    let fail = |what: &str| Err(format!("{what}: {r:?}"));
    let numbers = [
        r.failed_requests,
        r.affected_users,
        r.error_budget_burn,
        r.peak_bad_traffic_share,
        r.peak_pods,
        r.extra_pod_hours,
        r.cost,
        r.capacity_shortfall_s,
        r.requests,
    ];
    let times = [
        r.time_to_detect_s,
        r.rollback_time_s,
        r.time_to_recover_s,
        r.deploy_duration_s,
    ];
    let all = numbers.into_iter().chain(times.into_iter().flatten());
    if !all.into_iter().all(|x| x.is_finite() && x >= 0.0) {
        return fail("a number is negative or not finite");
    }
    if r.failed_requests > r.requests * (1.0 + 1e-6) {
        return fail("more failed requests than requests");
    }
    if r.peak_pods < f64::from(sc.service.replicas) {
        return fail(&format!(
            "peak_pods below replicas ({})",
            sc.service.replicas
        ));
    }
    if r.peak_bad_traffic_share > 1.0 {
        return fail("peak_bad_traffic_share above 1");
    }
    if r.affected_users > sc.traffic.users * (1.0 + 1e-9) {
        return fail(&format!(
            "affected_users above users ({})",
            sc.traffic.users
        ));
    }
    if r.bad != release.is_bad() {
        return fail(&format!("`bad` disagrees with the release {release:?}"));
    }
    // What `merge` checks a shard's strata against.
    if !r.outcome.possible_for(r.bad) {
        return fail("an outcome its release cannot end in");
    }
    for m in Metric::ALL {
        let has = r.get(m).is_some();
        if m.in_every_trial() && !has {
            return fail(&format!("no {}", m.name()));
        }
        if m.bad_releases_only() && !r.bad && has {
            return fail(&format!("a good release has {}", m.name()));
        }
    }
    if r.bad { Ok(()) } else { check_good_trial(r) }
}

/// DESIGN §3: `time_to_recover_s` = `time_to_detect_s` + decision +
/// `rollback_time_s`, so it is never shorter than the rollback.
fn check_recovery(r: &TrialResult) -> Result<(), String> {
    if let (true, Some(recover), Some(rollback)) = (r.bad, r.time_to_recover_s, r.rollback_time_s)
        && recover < rollback
    {
        return Err(format!("time_to_recover_s < rollback_time_s: {r:?}"));
    }
    Ok(())
}

fn check_good_trial(r: &TrialResult) -> Result<(), String> {
    if matches!(r.outcome, Outcome::RolledBack | Outcome::Incident) {
        return Err(format!("a good release ended {:?}: {r:?}", r.outcome));
    }
    if r.time_to_detect_s.is_some() {
        return Err(format!("a good release has time_to_detect_s: {r:?}"));
    }
    if r.peak_bad_traffic_share != 0.0 {
        return Err(format!("a good release served bad traffic: {r:?}"));
    }
    Ok(())
}

/// Runs trials `first..first + TRIALS` of every strategy of `yaml` on one
/// reused world (as a Monte Carlo worker does) and applies `check` to each;
/// also checks that a fresh world gives the very same result, so results
/// cannot depend on which trials a worker ran before. A failure names the
/// strategy, seed and trial.
fn each_trial(
    yaml: &str,
    seed: u64,
    first: u64,
    check: impl Fn(&Scenario, &ReleaseDraw, &TrialResult) -> Result<(), String>,
) -> Result<(), TestCaseError> {
    let sc = load(yaml)?;
    for (k, strategy) in sc.strategies.iter().enumerate() {
        let mut world = World::new(&sc, strategy);
        for trial in first..first + TRIALS {
            let (release, result) = montecarlo::run_trial(&mut world, &sc, seed, trial);
            let fresh = montecarlo::run_trial(&mut World::new(&sc, strategy), &sc, seed, trial).1;
            let reused = if fresh == result {
                Ok(())
            } else {
                Err(format!(
                    "a reused world gives {result:?}, a fresh one {fresh:?}"
                ))
            };
            reused.and_then(|()| check(&sc, &release, &result)).map_err(|e| {
                TestCaseError::fail(format!(
                    "strategy {} ({k}), seed {seed}, trial {trial}: {e}\n--- scenario ---\n{yaml}",
                    strategy.name
                ))
            })?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(128))]

    /// Every trial of every strategy of a generated scenario runs without a
    /// panic and keeps the invariants of `check_trial`.
    #[test]
    fn generated_scenarios_keep_trial_invariants(
        yaml in scenario_yaml(),
        seed in any::<u64>(),
        first in 0u64..10_000,
    ) {
        each_trial(&yaml, seed, first, check_trial)?;
    }
}

/// A scenario that breaks `check_recovery` in every trial (every draw is
/// fixed). Four pods cannot carry the traffic (8 rps on capacityRps 1), so
/// the burn-rate alert fires at 120s on overload, before the defect shows; the
/// human undoes the release at 720s; the first new pod hangs at 780s, in the
/// middle of the rollback; recovery at 810s. time_to_detect_s is 0 (onset
/// clamped to detection), rollback_time_s 90, but time_to_recover_s 30: it is
/// measured from the hang, which came after the undo.
const RECOVERY_REPRODUCER: &str = "\
name: overloaded
service:
  replicas: 4
  pod: { cpu: 100m, memory: 64Mi, capacityRps: 1 }
  startup: { imagePull: 0s, boot: 0s }
  terminationGracePeriodSeconds: 0
cluster:
  nodes: 1
  nodeAllocatable: { cpu: 1, memory: 1Gi }
traffic:
  rps: 8
release:
  defectProbability: 100%
  defects:
    - { kind: delayedCrash, after: 13m }
observability:
  humanResponse: { ack: 5m, decide: 5m }
strategies:
  - { name: rolling, type: RollingUpdate, maxSurge: 0, maxUnavailable: 1, minReadySeconds: 30 }
";

/// `check_recovery` on the reproducer, then on generated scenarios.
#[test]
fn time_to_recover_covers_rollback() {
    let recovery = |_: &Scenario, _: &ReleaseDraw, r: &TrialResult| check_recovery(r);
    if let Err(e) = each_trial(RECOVERY_REPRODUCER, 42, 0, recovery) {
        panic!("{e}");
    }
    let mut runner = proptest::test_runner::TestRunner::new(config(128));
    let inputs = (scenario_yaml(), any::<u64>(), 0u64..10_000);
    let outcome = runner.run(&inputs, |(yaml, seed, first)| {
        each_trial(&yaml, seed, first, recovery)
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------
// Thread count.

/// Every strategy of every ready scenario (Blue-Green and Canary included):
/// a world that ran other trials before gives what a fresh world gives, for
/// good and bad releases. Monte Carlo workers reuse worlds across trials, so
/// this is what makes results independent of the thread count.
#[test]
fn ready_scenarios_give_the_same_trial_on_reused_and_fresh_worlds() {
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .expect("scenarios/")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for path in files {
        let sc = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let seed = sc.monte_carlo.seed;
        let bad = (0..).filter(|&i| montecarlo::release_of(&sc, seed, i).is_bad());
        let mut trials: Vec<u64> = bad.take(3).chain(0..3).collect();
        trials.sort_unstable();
        trials.dedup();
        for strategy in &sc.strategies {
            let mut world = World::new(&sc, strategy);
            for &trial in &trials {
                let reused = montecarlo::run_trial(&mut world, &sc, seed, trial).1;
                let fresh =
                    montecarlo::run_trial(&mut World::new(&sc, strategy), &sc, seed, trial).1;
                assert_eq!(
                    reused,
                    fresh,
                    "{}: strategy {}, trial {trial}",
                    path.display(),
                    strategy.name
                );
            }
        }
    }
}

/// `montecarlo::run` in a pool of `threads`, summarized as JSON; with
/// `rows`, the per-trial rows are collected too.
fn summary_json(
    sc: &Scenario,
    plan: &Plan,
    threads: usize,
    rows: Option<&mut Vec<TrialRow>>,
) -> String {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let stats = pool.install(|| match rows {
        Some(rows) => montecarlo::run(
            sc,
            plan,
            Some(&mut |batch: &[TrialRow]| {
                rows.extend_from_slice(batch);
            }),
        ),
        None => montecarlo::run(sc, plan, None),
    });
    serde_json::to_string(&montecarlo::summarize(sc, plan, &stats)).expect("summary as JSON")
}

proptest! {
    #![proptest_config(config(3))]

    /// More than one chunk of trials (512), so two threads split the work;
    /// the summary is the same, with or without per-trial rows, and the rows
    /// come in trial order, strategies in plan order within a trial.
    #[test]
    fn montecarlo_summary_does_not_depend_on_threads(
        // Two hours at most: a crash loop nobody notices is simulated until
        // the horizon, and a thousand of those are slow in a debug build.
        yaml in scenario_within(2),
        seed in any::<u64>(),
        runs in 513u64..=530,
    ) {
        let sc = load(&yaml)?;
        // At most two strategies, in reverse order: plan order is not file order.
        let strategies: Vec<usize> = (0..sc.strategies.len().min(2)).rev().collect();
        let plan = Plan { runs, seed, strategies: strategies.clone() };
        let one = summary_json(&sc, &plan, 1, None);
        let two = summary_json(&sc, &plan, 2, None);
        prop_assert_eq!(&one, &two, "1 vs 2 threads\n{}", yaml);
        let mut rows = Vec::new();
        let with_rows = summary_json(&sc, &plan, 2, Some(&mut rows));
        prop_assert_eq!(&one, &with_rows, "with rows\n{}", yaml);
        let order: Vec<(u64, usize)> = rows.iter().map(|r| (r.trial, r.strategy)).collect();
        let want: Vec<(u64, usize)> = (0..runs)
            .flat_map(|t| strategies.iter().map(move |&k| (t, k)))
            .collect();
        prop_assert_eq!(order, want);
    }
}
