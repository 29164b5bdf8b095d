//! Closed-form checks of the trial model: fixed start-up times, constant
//! traffic and certain defects, whose answers can be computed by hand.

use super::*;
use crate::montecarlo;
use crate::scenario::*;
use crate::sim::Duration;

/// 10 replicas, constant 100 rps, pods boot in exactly 30 s with no pull,
/// readiness probe every second, instant termination, plenty of room.
pub(crate) fn base() -> Scenario {
    let secs = |s: f64| Dist::Fixed(s * 1000.0);
    Scenario {
        name: "closed-form".into(),
        description: String::new(),
        service: Service {
            replicas: 10,
            baseline_error_rate: 0.0,
            pod: PodSpec {
                cpu_millis: 500,
                memory_bytes: 1 << 30,
                capacity_rps: 1000.0,
            },
            startup: Startup {
                image_pull: secs(0.0),
                boot: secs(30.0),
            },
            readiness_probe: Some(Probe {
                initial_delay: Duration::ZERO,
                period: Duration::from_secs(1),
                success_threshold: 1,
                failure_threshold: 3,
            }),
            liveness_probe: None,
            termination_grace_period: Duration::ZERO,
            shutdown: Dist::Fixed(30_000.0),
            image: Image {
                tag: "v2".into(),
                mutable: false,
                old_image_cached: true,
            },
            latency: Dist::lognormal(50.0, 250.0),
        },
        cluster: Cluster {
            nodes: 10,
            node_allocatable: Resources {
                cpu_millis: 8000,
                memory_bytes: 32 << 30,
            },
            other_workloads: Resources::default(),
            autoscaler: None,
            pricing: Pricing {
                cpu_hour: 0.0316,
                memory_gib_hour: 0.00424,
            },
        },
        traffic: Traffic {
            rps: 100.0,
            users: 10_000.0,
            pattern: Pattern::Constant,
            sticky_sessions: false,
        },
        slo: Slo {
            availability: 0.999,
            window: Duration::from_secs(30 * 86_400),
            latency_threshold: Duration::from_secs(1),
        },
        release: Release {
            defect_probability: 0.0,
            defects: vec![],
            start_at: Duration::from_secs(10 * 3600),
            rebuild_time: secs(1800.0),
            redeploy_time: secs(900.0),
        },
        observability: Observability {
            metrics: true,
            alerting: Alerting {
                burn_rate_threshold: 14.4,
                window: Duration::from_secs(3600),
                short_window: Duration::from_secs(300),
                evaluation_interval: Duration::from_secs(60),
            },
            human_response: HumanResponse {
                ack: secs(60.0),
                decide: secs(60.0),
            },
            user_reports: UserReports {
                delay: secs(1800.0),
            },
            analysis: crate::scenario::defaults::analysis(),
        },
        schema_change: None,
        strategies: vec![
            strategy("recreate", StrategyKind::Recreate),
            strategy(
                "rolling",
                StrategyKind::RollingUpdate {
                    max_surge: IntOrPercent::Int(1),
                    max_unavailable: IntOrPercent::Int(0),
                },
            ),
        ],
        monte_carlo: MonteCarlo {
            runs: 100,
            seed: 42,
            horizon: Duration::from_secs(86_400),
            sampling: Sampling::Natural,
            precision: None,
        },
        constraints: None,
    }
}

pub(crate) fn strategy(name: &str, kind: StrategyKind) -> Strategy {
    Strategy {
        name: name.into(),
        kind,
        min_ready: Duration::ZERO,
        progress_deadline: Duration::from_secs(600),
        revision_history_limit: 10,
    }
}

fn bad(sc: &mut Scenario, kind: DefectKind) {
    sc.release.defect_probability = 1.0;
    sc.release.defects = vec![DefectSpec { weight: 1.0, kind }];
}

/// A bad release failing every request.
fn broken(sc: &mut Scenario) {
    bad(
        sc,
        DefectKind::ErrorRate {
            error_rate: Dist::Fixed(1.0),
        },
    );
}

fn run(sc: &Scenario, k: usize) -> TrialResult {
    let mut w = World::new(sc, &sc.strategies[k]);
    montecarlo::run_trial(&mut w, sc, sc.monte_carlo.seed, 0).1
}

fn trace(sc: &Scenario, k: usize) -> Vec<TraceEvent> {
    let mut w = World::new(sc, &sc.strategies[k]);
    w.enable_trace();
    montecarlo::run_trial(&mut w, sc, sc.monte_carlo.seed, 0);
    w.take_trace()
}

/// When each `name` event of a trace happened, in order.
fn times(events: &[TraceEvent], name: &str) -> Vec<f64> {
    events
        .iter()
        .filter(|e| e.event == name)
        .map(|e| e.t_s)
        .collect()
}

#[test]
fn recreate_fails_every_request_of_its_downtime() {
    // Old pods leave at t = 0 and take 30 s to terminate; new pods then boot
    // 30 s: 60 s with no endpoint at 100 rps.
    let mut sc = base();
    sc.service.termination_grace_period = Duration::from_secs(30);
    let r = run(&sc, 0);
    assert_eq!(r.failed_requests, 100.0 * 60.0);
    assert_eq!(r.capacity_shortfall_s, 60.0);
    assert_eq!(r.deploy_duration_s, Some(60.0));
    assert_eq!(r.peak_pods, 10.0);
    assert_eq!(r.peak_replicas, 10.0);
    assert_eq!(r.outcome, Outcome::Succeeded);
    // Every user sends 0.01 rps; 60 s of total failure: 1 − e^(−0.6) of them.
    let expect = 10_000.0 * (1.0 - (-0.6f64).exp());
    assert!(
        (r.affected_users - expect).abs() < 1e-6,
        "{}",
        r.affected_users
    );
}

#[test]
fn rolling_surge_one_takes_ten_waves_with_eleven_pods() {
    let sc = base();
    let r = run(&sc, 1);
    assert_eq!(r.deploy_duration_s, Some(300.0));
    assert_eq!(r.peak_pods, 11.0);
    assert_eq!(r.failed_requests, 0.0);
    // One extra pod for the whole 300 s.
    assert!((r.extra_pod_hours - 300.0 / 3600.0).abs() < 1e-12);
}

#[test]
fn terminating_pods_are_not_counted_by_the_controller() {
    // Kubernetes counts ReplicaSet specs, not terminating pods: with a 30 s
    // grace period an old pod is still there when the next new one starts.
    let mut sc = base();
    sc.service.termination_grace_period = Duration::from_secs(30);
    let r = run(&sc, 1);
    assert_eq!(r.peak_pods, 12.0);
    assert_eq!(r.deploy_duration_s, Some(300.0));
    // The ReplicaSets never own more than 10 + maxSurge 1: the twelfth pod
    // is shutting down, not asked for (cost is graded on 11, 1.1×).
    assert_eq!(r.peak_replicas, 11.0);
}

#[test]
fn max_unavailable_overloads_when_every_pod_is_needed() {
    // 4 pods of 100 rps serve exactly 400 rps; maxUnavailable 1 keeps 3
    // serving for four 30 s waves: 100 rps overload × 120 s.
    let mut sc = base();
    sc.service.replicas = 4;
    sc.service.pod.capacity_rps = 100.0;
    sc.traffic.rps = 400.0;
    sc.strategies = vec![strategy(
        "rolling",
        StrategyKind::RollingUpdate {
            max_surge: IntOrPercent::Int(0),
            max_unavailable: IntOrPercent::Percent(25),
        },
    )];
    let r = run(&sc, 0);
    assert!(
        (r.failed_requests - 12_000.0).abs() < 1e-6,
        "{}",
        r.failed_requests
    );
    assert_eq!(r.capacity_shortfall_s, 120.0);
    assert_eq!(r.deploy_duration_s, Some(120.0));
}

#[test]
fn without_readiness_probe_a_good_release_fails_while_booting() {
    // No probe: pods take traffic at container start and are "available"
    // at once, so the rollout races through and every new pod fails for its
    // 30 s boot.
    let mut sc = base();
    sc.service.readiness_probe = None;
    let r = run(&sc, 1);
    assert_eq!(r.outcome, Outcome::Succeeded);
    assert!(
        (r.failed_requests - 100.0 * 30.0).abs() < 1e-6,
        "{}",
        r.failed_requests
    );
    // With the probe, nothing fails.
    assert_eq!(run(&base(), 1).failed_requests, 0.0);
}

#[test]
fn crash_on_start_stalls_rolling_with_bounded_new_pods_then_undo() {
    // 25%/25% of 10: surge 3, unavailable 2 → at most 5 new pods, 8 old.
    let mut sc = base();
    sc.strategies = vec![strategy(
        "rolling",
        StrategyKind::RollingUpdate {
            max_surge: IntOrPercent::Percent(25),
            max_unavailable: IntOrPercent::Percent(25),
        },
    )];
    bad(&mut sc, DefectKind::CrashOnStart);
    let events = trace(&sc, 0);
    let max_new = events.iter().map(|e| e.new_pods).max().unwrap();
    assert_eq!(max_new, 5);
    assert!(events.iter().all(|e| e.new_ready == 0));
    let deadline = events
        .iter()
        .find(|e| e.event == "progress_deadline_exceeded")
        .unwrap();
    assert_eq!(deadline.t_s, 600.0);
    let undo = events.iter().find(|e| e.event == "rollout_undo").unwrap();
    assert!(events.iter().all(|e| e.event != "stand_down"));
    assert_eq!(undo.t_s, 600.0 + 120.0, "page, then 60 s ack + 60 s decide");
    let r = run(&sc, 0);
    assert_eq!(r.outcome, Outcome::Stalled);
    // Old pods come back (30 s boot): recovered at 750 s.
    assert_eq!(r.rollback_time_s, Some(30.0));
    // Two old pods were missing for the whole stall; no traffic failed
    // (capacity is ample), but 2 pods short of capacity is not a failure.
    assert_eq!(r.failed_requests, 0.0);
}

#[test]
fn error_rate_release_is_caught_by_the_burn_rate_alert() {
    // Recreate to a release failing 100%: 30 s of downtime, then the bad
    // version fails everything. The 1h window passes 1.44% after 51.84 s of
    // failures: the rule fires at the next evaluation, t = 60 s (30 s after
    // the defect showed). 120 s of human response, then the old pods boot
    // again for 30 s.
    let mut sc = base();
    broken(&mut sc);
    let r = run(&sc, 0);
    assert_eq!(
        r.outcome,
        Outcome::Incident,
        "recreate puts the bad version at 100% at once"
    );
    assert_eq!(r.time_to_detect_s, Some(30.0));
    assert_eq!(r.rollback_time_s, Some(30.0));
    assert_eq!(r.time_to_recover_s, Some(30.0 + 120.0 + 30.0));
    assert!(
        (r.failed_requests - 100.0 * 210.0).abs() < 1e-6,
        "{}",
        r.failed_requests
    );
}

#[test]
fn a_page_for_downtime_that_is_over_is_stood_down() {
    // Recreate's own downtime (30 s grace + 30 s boot at 100% errors) trips
    // the alert at 60 s, but by the time the human looks, errors are gone.
    let mut sc = base();
    sc.service.termination_grace_period = Duration::from_secs(30);
    let events = trace(&sc, 0);
    assert!(events.iter().any(|e| e.event == "stand_down"));
    let r = run(&sc, 0);
    assert_eq!(r.outcome, Outcome::Succeeded);
    assert_eq!(r.rollback_time_s, None);
}

#[test]
fn a_defect_behind_a_stood_down_page_is_still_reported_by_users() {
    // The page is for Recreate's downtime and is stood down at 180 s (alert
    // at 60 s, 60 s ack + 60 s decide); the release's 0.1% errors stay under
    // the alert. Users meet failures from 0 s (the downtime, then the
    // release) and report after 1800 s of full exposure: at 1800 s, 1740 s
    // after the defect became visible (pods Ready at 60 s).
    let mut sc = base();
    sc.service.termination_grace_period = Duration::from_secs(30);
    bad(
        &mut sc,
        DefectKind::ErrorRate {
            error_rate: Dist::Fixed(0.001),
        },
    );
    let events = trace(&sc, 0);
    assert!(
        events
            .iter()
            .any(|e| e.event == "stand_down" && e.t_s == 180.0)
    );
    let r = run(&sc, 0);
    assert_eq!(r.time_to_detect_s, Some(1740.0));
    assert_eq!(r.outcome, Outcome::Incident);
    assert!(r.time_to_recover_s.is_some());
}

#[test]
fn without_metrics_users_report_after_their_delay_of_full_exposure() {
    let mut sc = base();
    sc.observability.metrics = false;
    bad(
        &mut sc,
        DefectKind::ErrorRate {
            error_rate: Dist::Fixed(0.5),
        },
    );
    // Recreate: users meet failures from t = 0 (30 s of downtime, then the
    // release): 1800 s of full exposure at 1800 s, 1770 s after the onset.
    let r = run(&sc, 0);
    assert_eq!(r.time_to_detect_s, Some(1770.0));
    assert_eq!(r.outcome, Outcome::Incident);
    // Surge 1: the release's share is k/10 during wave k (k = 1..9, 30 s
    // each): 135 s of full exposure by 300 s, the remaining 1665 s after.
    let r = run(&sc, 1);
    assert_eq!(r.time_to_detect_s, Some(300.0 + 1665.0 - 30.0));
}

#[test]
fn sticky_sessions_confine_a_canary_to_its_cohort() {
    // A 10% routed canary failing everything, caught after one 600 s
    // interval: 6,000 failed requests either way. Per-request routing
    // spreads them over all 10,000 users (hazard 0.6 each); sticky routing
    // keeps them on the 1,000 users of the canary's cohort (hazard 6).
    let mut sc = broken_routed_canary(3600, 600);
    let spread = run(&sc, 0);
    sc.traffic.sticky_sessions = true;
    let sticky = run(&sc, 0);
    assert!((spread.failed_requests - 6000.0).abs() < 1e-6);
    assert!((sticky.failed_requests - 6000.0).abs() < 1e-6);
    assert!((spread.affected_users - 10_000.0 * (1.0 - (-0.6f64).exp())).abs() < 1e-6);
    assert!((sticky.affected_users - 1_000.0 * (1.0 - (-6.0f64).exp())).abs() < 1e-6);
}

#[test]
fn incremental_counts_match_a_recount_throughout() {
    let mut sc = base();
    sc.service.termination_grace_period = Duration::from_secs(30);
    sc.service.startup.boot = Dist::lognormal(20_000.0, 60_000.0);
    sc.service.startup.image_pull = Dist::lognormal(5_000.0, 15_000.0);
    sc.cluster.nodes = 2; // room for 32 pods
    sc.release.defect_probability = 0.5;
    sc.release.defects = vec![
        DefectSpec {
            weight: 1.0,
            kind: DefectKind::CrashOnStart,
        },
        DefectSpec {
            weight: 1.0,
            kind: DefectKind::DelayedCrash {
                after: Dist::Fixed(60_000.0),
            },
        },
    ];
    sc.service.liveness_probe = sc.service.readiness_probe.clone();
    for k in 0..2 {
        let mut w = World::new(&sc, &sc.strategies[k]);
        for trial in 0..50 {
            let (_, r) = montecarlo::run_trial(&mut w, &sc, 1, trial);
            assert!(r.failed_requests >= 0.0);
            w.assert_counts_consistent();
        }
    }
}

fn analysis(interval_s: u64) -> Analysis {
    Analysis {
        interval: Duration::from_secs(interval_s),
        count: None,
        error_rate_threshold: 0.01,
        latency_p99_threshold: Duration::from_secs(5),
        failure_limit: 0,
        inconclusive_limit: 0,
        consecutive_error_limit: 4,
        min_requests: 100,
        compare_to_baseline: false,
        on_no_data: OnNoData::Inconclusive,
    }
}

fn blue_green() -> BlueGreen {
    BlueGreen {
        preview_replica_count: None,
        auto_promotion_enabled: true,
        auto_promotion_seconds: None,
        pre_promotion_analysis: None,
        post_promotion_analysis: None,
        scale_down_delay: Duration::from_secs(30),
        abort_scale_down_delay: Duration::from_secs(30),
        switch_delay: Duration::ZERO,
    }
}

fn canary(steps: Vec<CanaryStep>, background: Option<BackgroundAnalysis>) -> Canary {
    Canary {
        traffic_routing: true,
        max_surge: IntOrPercent::Percent(25),
        max_unavailable: IntOrPercent::Percent(25),
        plan: CanaryPlan::Steps(steps),
        background_analysis: background,
        auto_rollback: true,
        dynamic_stable_scale: false,
        scale_down_delay: Duration::from_secs(30),
        abort_scale_down_delay: Duration::from_secs(30),
    }
}

fn with_strategy(kind: StrategyKind) -> Scenario {
    let mut sc = base();
    sc.service.shutdown = Dist::Fixed(0.0);
    sc.strategies = vec![strategy("s", kind)];
    sc
}

#[test]
fn blue_green_pays_a_second_stack_until_blue_is_scaled_down() {
    // Green ready at 30 s, switch at once (this service's switch delay is
    // 0), blue gone 30 s later: 10 extra pods for 60 s = replicas × (time to
    // Ready + scaleDownDelay) / 3600. The rollout is Healthy at the switch,
    // 30 s: the scale-down delay is not part of the deploy.
    let sc = with_strategy(StrategyKind::BlueGreen(blue_green()));
    let r = run(&sc, 0);
    assert!(
        (r.extra_pod_hours - 10.0 * 60.0 / 3600.0).abs() < 1e-12,
        "{}",
        r.extra_pod_hours
    );
    assert_eq!(r.peak_pods, 20.0);
    assert_eq!(r.failed_requests, 0.0);
    assert_eq!(r.deploy_duration_s, Some(30.0));
    assert_eq!(r.outcome, Outcome::Succeeded);
}

#[test]
fn blue_green_without_room_for_green_stalls() {
    // Room for 15 pods: green's 10 cannot all be placed next to blue's 10.
    let mut sc = with_strategy(StrategyKind::BlueGreen(blue_green()));
    sc.cluster.nodes = 1;
    sc.cluster.node_allocatable.cpu_millis = 7500;
    let r = run(&sc, 0);
    assert_eq!(r.outcome, Outcome::Stalled);
    assert_eq!(r.peak_bad_traffic_share, 0.0);
    assert_eq!(
        r.pods_waited_for_room, 5.0,
        "five green pods never found room"
    );
}

#[test]
fn blue_green_rollback_is_instant_while_blue_is_up_and_cold_after() {
    let mut bg = blue_green();
    bg.scale_down_delay = Duration::from_secs(3600);
    let mut sc = with_strategy(StrategyKind::BlueGreen(bg.clone()));
    broken(&mut sc);
    let warm = run(&sc, 0);
    assert_eq!(
        warm.rollback_time_s,
        Some(0.0),
        "blue still up: switch back at once"
    );
    bg.scale_down_delay = Duration::from_secs(30);
    sc.strategies[0].kind = StrategyKind::BlueGreen(bg);
    let cold = run(&sc, 0);
    assert_eq!(
        cold.rollback_time_s,
        Some(30.0),
        "blue gone: it boots again (30 s)"
    );
}

#[test]
fn an_undo_after_blue_is_gone_runs_blue_through_a_rollout_again() {
    // Complete (blue scaled down 30 s after the switch), an undo is a new
    // update back to blue's template (`kubectl argo rollouts undo`): blue's
    // preview boots from cold (30 s), passes the 60 s pre-promotion tests
    // (green passed them too: catch rate 0), waits the 300 s auto-promotion
    // delay, then takes the traffic: 30 + 60 + 300 = 390 s from the undo.
    // An abort while blue was still up would have switched at once.
    let mut bg = blue_green();
    bg.pre_promotion_analysis = Some(SmokeTest {
        catch_rate: 0.0,
        duration: Duration::from_secs(60),
    });
    bg.auto_promotion_seconds = Some(Duration::from_secs(300));
    let mut sc = with_strategy(StrategyKind::BlueGreen(bg.clone()));
    broken(&mut sc);
    let r = run(&sc, 0);
    assert_eq!(r.rollback_time_s, Some(390.0));
    assert_eq!(r.outcome, Outcome::Incident);
    let events = trace(&sc, 0);
    let at = |name: &str| times(&events, name);
    // Green: preview at 0, tests 30–90 s, promoted at 390 s; blue gone at
    // 420 s. The alert pages, the person undoes; blue repeats the steps.
    assert_eq!(at("smoke_test").len(), 2, "{events:#?}");
    let undo = at("rollout_undo")[0];
    assert!(undo > 420.0, "{undo}");
    assert_eq!(at("smoke_test")[1], undo + 30.0);
    assert_eq!(at("switch_back"), [undo + 390.0]);
    // The undo's own rollout is done when blue is back (Healthy); green's
    // 30 s scale-down delay after that is cost, not deploy time.
    assert_eq!(r.deploy_duration_s, Some(undo + 390.0));
    assert_eq!(at("rollback_complete"), [undo + 390.0]);
    // Without auto-promotion a person promotes blue: the on-call's 120 s
    // (ack 60 s + decide 60 s) after the tests, instead of the 300 s.
    bg.auto_promotion_enabled = false;
    bg.auto_promotion_seconds = None;
    sc.strategies[0].kind = StrategyKind::BlueGreen(bg);
    let events = trace(&sc, 0);
    let undo = events
        .iter()
        .find(|e| e.event == "rollout_undo")
        .map(|e| e.t_s)
        .unwrap();
    let back = events
        .iter()
        .find(|e| e.event == "switch_back")
        .map(|e| e.t_s)
        .unwrap();
    assert_eq!(back - undo, 30.0 + 60.0 + 120.0, "{events:#?}");
}

#[test]
fn an_undo_after_a_canary_is_promoted_runs_the_steps_again() {
    // Routed canary [setWeight 50, pause 60 s], no analysis, a release
    // failing every request. The canary's 5 pods are Ready at 30 s (50% of
    // traffic), the pause ends at 90 s, the other 5 pods at 120 s: promoted,
    // all traffic on the release; the old set goes at 150 s. The alert pages
    // and the person undoes at U > 150 s. The undo is a new update back to
    // the old template: the old version is the canary. Its 5 pods boot from
    // cold (U + 30 s, 50% back on old), the pause runs (U + 90 s), its other
    // 5 pods boot (U + 120 s) and it takes all traffic: rollback 120 s.
    // Failed requests: 50 rps × 90 s while the release had half (30–120 s),
    // 100 rps from 120 s to U + 30 s, 50 rps for the 90 s after.
    let steps = vec![
        CanaryStep::SetWeight(50),
        CanaryStep::Pause(Some(Duration::from_secs(60))),
    ];
    let mut sc = with_strategy(StrategyKind::Canary(canary(steps.clone(), None)));
    broken(&mut sc);
    let events = trace(&sc, 0);
    let at = |name: &str| times(&events, name);
    let undo = at("rollout_undo")[0];
    assert!(undo > 150.0, "{events:#?}");
    let r = run(&sc, 0);
    assert_eq!(r.rollback_time_s, Some(120.0), "{events:#?}");
    let failed = 50.0 * 90.0 + 100.0 * (undo + 30.0 - 120.0) + 50.0 * 90.0;
    assert!(
        (r.failed_requests - failed).abs() < 1e-6,
        "{} vs {failed}",
        r.failed_requests
    );
    // The undo's rollout is Healthy when the old version has all traffic;
    // the release goes 30 s later, as any old stable set does.
    assert_eq!(at("rollback_complete"), [undo + 120.0]);
    assert_eq!(r.deploy_duration_s, Some(undo + 120.0));
    // It had served all traffic before it was undone.
    assert_eq!(r.outcome, Outcome::Incident);

    // Undone in a 600 s pause, before promotion, the undo is an abort: all
    // traffic back to the stable set, whose pods are up, at once.
    let long = vec![
        CanaryStep::SetWeight(50),
        CanaryStep::Pause(Some(Duration::from_secs(600))),
    ];
    sc.strategies[0].kind = StrategyKind::Canary(canary(long, None));
    let r = run(&sc, 0);
    assert_eq!(r.rollback_time_s, Some(0.0));
}

#[test]
fn without_a_router_the_undo_after_completion_mirrors_the_rollout() {
    // Without a router the undo's rollout moves the pods back under the
    // same maxSurge / maxUnavailable arithmetic, with the versions' roles
    // swapped, from the same start (10 pods of one version, 0 of the
    // other) and the same 30 s boots: it takes exactly as long as the
    // rollout took to complete.
    let steps = vec![
        CanaryStep::SetWeight(50),
        CanaryStep::Pause(Some(Duration::from_secs(60))),
    ];
    let mut spec = canary(steps, None);
    spec.traffic_routing = false;
    let mut sc = with_strategy(StrategyKind::Canary(spec));
    bad(
        &mut sc,
        DefectKind::Latency {
            added_ms: Dist::Fixed(2000.0),
        },
    );
    let events = trace(&sc, 0);
    let at = |name: &str| events.iter().find(|e| e.event == name).map(|e| e.t_s);
    let (done, undo) = (at("rollout_complete").unwrap(), at("rollout_undo").unwrap());
    assert!(undo > done, "{events:#?}");
    let r = run(&sc, 0);
    assert_eq!(r.rollback_time_s, Some(done), "{events:#?}");
}

#[test]
fn a_failed_analysis_of_the_undos_rollout_aborts_it_until_a_person_promotes_it() {
    // The release adds 2 s to every request: slower than the SLO's 1 s,
    // inside the analysis' 5 s p99. An expand/contract change contracts as
    // the rollout completes (150 s): the old code fails from then on, and
    // only a restore from backup (3,600 s) brings the schema back. The alert
    // pages; the person undoes at U and starts the restore. In the undo's
    // rollout the old canary's 5 pods are Ready at U + 30 s; its background
    // analysis measures then (an empty window: an error) and at U + 60 s
    // finds every request failing on the schema: failed, so the rollout is
    // aborted back onto the release and its 5 pods go 30 s later. The
    // person, told, promotes it in full at U + 180 s: 10 old pods boot, and
    // at U + 210 s the old version has all traffic. It serves once the
    // schema is back: recovered at U + 3,600 s.
    let steps = vec![
        CanaryStep::SetWeight(50),
        CanaryStep::Pause(Some(Duration::from_secs(60))),
    ];
    let bg = BackgroundAnalysis {
        starting_step: 1,
        analysis: analysis(30),
    };
    let mut sc = with_strategy(StrategyKind::Canary(canary(steps, Some(bg))));
    bad(
        &mut sc,
        DefectKind::Latency {
            added_ms: Dist::Fixed(2000.0),
        },
    );
    let mut change = schema(SchemaKind::ExpandContract);
    change.contract_delay = Duration::ZERO;
    sc.schema_change = Some(change);
    let events = trace(&sc, 0);
    let at = |name: &str| times(&events, name);
    let undo = at("rollout_undo")[0];
    assert!(undo > 150.0, "{events:#?}");
    assert_eq!(at("analysis_failed"), [undo + 60.0], "{events:#?}");
    let back = events
        .iter()
        .find(|e| e.t_s == undo + 60.0 && e.event == "abort")
        .expect("the undo's rollout aborted");
    assert_eq!(back.new_traffic_share, 1.0);
    let promoted: Vec<f64> = events
        .iter()
        .filter(|e| e.event == "promote" && e.t_s > undo)
        .map(|e| e.t_s)
        .collect();
    assert_eq!(promoted, [undo + 180.0], "{events:#?}");
    let all_old = events
        .iter()
        .filter(|e| e.event == "set_weight" && e.t_s > undo + 60.0)
        .map(|e| (e.t_s, e.new_traffic_share))
        .collect::<Vec<_>>();
    assert_eq!(all_old, [(undo + 210.0, 0.0)]);
    let r = run(&sc, 0);
    assert_eq!(r.rollback_time_s, Some(3600.0));
    assert_eq!(r.outcome, Outcome::DataLoss);
}

#[test]
fn smoke_tests_catch_a_defect_before_users_see_it() {
    let mut bg = blue_green();
    bg.pre_promotion_analysis = Some(SmokeTest {
        catch_rate: 1.0,
        duration: Duration::from_secs(120),
    });
    let mut sc = with_strategy(StrategyKind::BlueGreen(bg));
    broken(&mut sc);
    let r = run(&sc, 0);
    assert_eq!(r.outcome, Outcome::RolledBack);
    assert_eq!(r.failed_requests, 0.0);
    assert_eq!(r.peak_bad_traffic_share, 0.0);
    assert_eq!(
        r.time_to_detect_s,
        Some(150.0),
        "pods start at 0, tests end at 30 + 120 s"
    );
}

/// A routed canary at 10% (one pod of ten) for `pause_s`, measured every
/// `interval_s` once the weight is set, on a release failing every request.
fn broken_routed_canary(pause_s: u64, interval_s: u64) -> Scenario {
    let steps = vec![
        CanaryStep::SetWeight(10),
        CanaryStep::Pause(Some(Duration::from_secs(pause_s))),
    ];
    let bg = BackgroundAnalysis {
        starting_step: 1,
        analysis: analysis(interval_s),
    };
    let mut sc = with_strategy(StrategyKind::Canary(canary(steps, Some(bg))));
    broken(&mut sc);
    sc
}

#[test]
fn routed_canary_with_a_broken_release_fails_its_share_for_one_interval() {
    // 10% canary (1 pod, ready at 30 s), every request to it failing; the
    // analysis starts once the weight is set and measures every 60 s with
    // failureLimit 0: 0.1 × rps × 60 s fail, then all traffic goes back.
    let sc = broken_routed_canary(600, 60);
    let r = run(&sc, 0);
    assert!(
        (r.failed_requests - 0.1 * 100.0 * 60.0).abs() < 1e-6,
        "{}",
        r.failed_requests
    );
    assert_eq!(r.outcome, Outcome::RolledBack);
    assert_eq!(r.peak_bad_traffic_share, 0.1);
    assert_eq!(r.time_to_detect_s, Some(60.0));
    assert_eq!(
        r.rollback_time_s,
        Some(0.0),
        "a router sends traffic back at once"
    );
    let events = trace(&sc, 0);
    let abort = events.iter().find(|e| e.event == "abort").unwrap();
    assert_eq!(abort.new_traffic_share, 0.0);
    assert_eq!(abort.t_s, 90.0);
}

#[test]
fn a_five_percent_canary_with_twenty_percent_errors_is_one_percent_overall() {
    // SRE Workbook: while exposed, 0.05 × 0.2 = 1% of all requests fail.
    let steps = vec![
        CanaryStep::SetWeight(5),
        CanaryStep::Pause(Some(Duration::from_secs(600))),
    ];
    let mut sc = with_strategy(StrategyKind::Canary(canary(steps, None)));
    sc.service.replicas = 20; // 5% = exactly one pod
    sc.observability.metrics = false;
    sc.observability.user_reports.delay = Dist::Fixed(3_600_000.0);
    bad(
        &mut sc,
        DefectKind::ErrorRate {
            error_rate: Dist::Fixed(0.2),
        },
    );
    let events = trace(&sc, 0);
    let set = events.iter().find(|e| e.event == "set_weight").unwrap();
    let promote = events.iter().find(|e| e.event == "promote").unwrap();
    let exposed_s = promote.t_s - set.t_s;
    assert_eq!(exposed_s, 600.0);
    let failed = promote.failed_requests - set.failed_requests;
    assert!(
        (failed / (100.0 * exposed_s) - 0.01).abs() < 1e-12,
        "{failed}"
    );
}

#[test]
fn low_traffic_canary_follows_on_no_data() {
    // 0.5 rps: a 10% canary sees ~3 requests a minute, below minRequests.
    let steps = vec![
        CanaryStep::SetWeight(10),
        CanaryStep::Analysis(Analysis {
            count: Some(3),
            ..analysis(60)
        }),
    ];
    let mut sc = with_strategy(StrategyKind::Canary(canary(steps, None)));
    sc.traffic.rps = 0.5;
    let outcome = |sc: &Scenario| run(sc, 0).outcome;
    sc.observability.analysis.on_no_data = OnNoData::Fail;
    for (mode, want) in [
        (OnNoData::Fail, Outcome::FalseRollback),
        (OnNoData::Pass, Outcome::Succeeded),
        (OnNoData::Inconclusive, Outcome::Succeeded), // a person looks, sees it healthy, resumes
    ] {
        let StrategyKind::Canary(c) = &mut sc.strategies[0].kind else {
            unreachable!()
        };
        let CanaryPlan::Steps(steps) = &mut c.plan else {
            unreachable!()
        };
        let CanaryStep::Analysis(a) = &mut steps[1] else {
            unreachable!()
        };
        a.on_no_data = mode;
        assert_eq!(outcome(&sc), want, "{mode:?}");
    }
    let StrategyKind::Canary(c) = &mut sc.strategies[0].kind else {
        unreachable!()
    };
    let CanaryPlan::Steps(steps) = &mut c.plan else {
        unreachable!()
    };
    let CanaryStep::Analysis(a) = &mut steps[1] else {
        unreachable!()
    };
    a.on_no_data = OnNoData::Inconclusive;
    let events = trace(&sc, 0);
    assert!(
        events.iter().any(|e| e.event == "human_answers"),
        "inconclusive waits for a person"
    );
}

#[test]
fn a_stood_down_alert_pages_again_when_errors_return() {
    // Recreate's downtime pages at 60 s and is stood down at 180 s. The
    // release's pods hang 600 s after starting (at 630 s), leave the
    // endpoints 3 s later, and the service fails everything: the alert,
    // resolved meanwhile (its 5m window cleared), fires again at the next
    // evaluation, 660 s — the 1h window still holds the downtime, so 27 s of
    // failures suffice. A completed rollout never hits the progress deadline.
    let mut sc = base();
    sc.service.termination_grace_period = Duration::from_secs(30);
    bad(
        &mut sc,
        DefectKind::DelayedCrash {
            after: Dist::Fixed(600_000.0),
        },
    );
    let events = trace(&sc, 0);
    let fired: Vec<f64> = events
        .iter()
        .filter(|e| e.event == "alert_fired")
        .map(|e| e.t_s)
        .collect();
    assert_eq!(fired, vec![60.0, 660.0]);
    assert!(
        events
            .iter()
            .any(|e| e.event == "stand_down" && e.t_s == 180.0)
    );
    assert!(
        events
            .iter()
            .all(|e| e.event != "progress_deadline_exceeded")
    );
    assert_eq!(run(&sc, 0).time_to_detect_s, Some(660.0 - 630.0));
}

#[test]
fn a_release_that_pages_twice_is_rolled_back() {
    // Recreate's downtime pages at 60 s; the person (400 s + 60 s) stands
    // it down at 520 s: the rollout had completed and nothing failed since.
    // The release's pods hang 1,200 s after starting; the liveness probe
    // restarts them and they are back about 35 s later. The outage pages
    // again; the person arrives 460 s later, when the last 5 minutes are
    // quiet — a first page would be stood down, a second is rolled back.
    let mut sc = base();
    sc.service.termination_grace_period = Duration::from_secs(30);
    sc.service.liveness_probe = sc.service.readiness_probe.clone();
    sc.observability.human_response.ack = Dist::Fixed(400_000.0);
    bad(
        &mut sc,
        DefectKind::DelayedCrash {
            after: Dist::Fixed(1_200_000.0),
        },
    );
    let events = trace(&sc, 0);
    let at = |name: &str| times(&events, name);
    // Pages at 60 s and 1,260 s (the outage from 1,230 s); undone at 1,720 s
    // with every pod Ready and nothing failed since about 1,265 s.
    assert_eq!(at("alert_fired"), vec![60.0, 1260.0]);
    assert_eq!(at("stand_down"), vec![520.0]);
    assert_eq!(at("rollout_undo"), vec![1720.0]);
}

#[test]
fn mirrored_traffic_shows_the_defect_to_analysis_but_not_to_users() {
    // The canary only receives a copy of 50% of traffic: its first
    // measurement sees 100% errors and aborts; no user request failed.
    let steps = vec![
        CanaryStep::SetCanaryScale(CanaryScale::Replicas(2)),
        CanaryStep::SetMirror(50),
        CanaryStep::Analysis(Analysis {
            count: Some(3),
            ..analysis(60)
        }),
        CanaryStep::SetWeight(10),
    ];
    let mut sc = with_strategy(StrategyKind::Canary(canary(steps, None)));
    broken(&mut sc);
    let r = run(&sc, 0);
    assert_eq!(r.failed_requests, 0.0);
    assert_eq!(r.affected_users, 0.0);
    assert_eq!(r.peak_bad_traffic_share, 0.0);
    assert_eq!(r.outcome, Outcome::RolledBack);
    // No user saw it, so detection counts from the first bad pod's start (0 s):
    // ready at 30 s, mirrored and measured at 90 s.
    assert_eq!(r.time_to_detect_s, Some(90.0));
}

fn schema(kind: SchemaKind) -> SchemaChange {
    SchemaChange {
        kind,
        apply: SchemaApply::BeforeRollout,
        duration: Dist::Fixed(0.0),
        lock: None,
        reversible: false,
        restore_from_backup: Dist::Fixed(3_600_000.0),
        contract_delay: Duration::from_secs(86_400),
    }
}

/// Nobody notices anything: the rollout runs its course.
fn unobserved(sc: &mut Scenario) {
    sc.observability.metrics = false;
    sc.observability.user_reports.delay = Dist::Fixed(1e9);
}

#[test]
fn a_breaking_change_run_first_fails_every_request_to_old_pods() {
    // maxSurge 1 / maxUnavailable 0, 10 pods booting 30 s: the old pods'
    // share of traffic is 10/10, 9/10, …, 1/10 for 30 s each.
    let mut sc = base();
    unobserved(&mut sc);
    sc.schema_change = Some(schema(SchemaKind::Breaking));
    let r = run(&sc, 1);
    assert!(
        (r.failed_requests - 100.0 * 30.0 * 55.0 / 10.0).abs() < 1e-6,
        "{}",
        r.failed_requests
    );
    assert_eq!(r.outcome, Outcome::Succeeded);
    // The expand/contract twin: the expand is additive, the contract comes
    // a day after the old pods are gone. Nothing fails.
    sc.schema_change = Some(schema(SchemaKind::ExpandContract));
    let r = run(&sc, 1);
    assert_eq!(r.failed_requests, 0.0);
    assert_eq!(r.outcome, Outcome::Succeeded);
}

#[test]
fn an_additive_change_applied_after_the_rollout_fails_the_new_code_meanwhile() {
    // New code needs the new column, which arrives only after the rollout:
    // Recreate is complete at 30 s (its downtime, all failing), then the
    // 60 s migration runs while the new code fails every request.
    let mut sc = base();
    unobserved(&mut sc);
    let mut c = schema(SchemaKind::Additive);
    c.apply = SchemaApply::AfterRollout;
    c.duration = Dist::Fixed(60_000.0);
    sc.schema_change = Some(c);
    let r = run(&sc, 0);
    assert!(
        (r.failed_requests - 100.0 * 90.0).abs() < 1e-6,
        "{}",
        r.failed_requests
    );
}

#[test]
fn rolling_back_over_an_irreversible_change_means_restoring_from_backup() {
    // Recreate to a release failing everything, after a breaking change.
    // The alert fires at 60 s, the human undoes at 180 s; old code fails on
    // the new schema until the one-hour restore is done, at 3780 s.
    let mut sc = base();
    sc.schema_change = Some(schema(SchemaKind::Breaking));
    broken(&mut sc);
    let r = run(&sc, 0);
    assert_eq!(r.outcome, Outcome::DataLoss);
    assert_eq!(r.rollback_time_s, Some(3600.0));
    assert_eq!(r.time_to_recover_s, Some(3780.0 - 30.0));
    assert!(
        (r.failed_requests - 100.0 * 3780.0).abs() < 1e-6,
        "{}",
        r.failed_requests
    );
    // A reversible change is undone by its down-migration instead (0 s here).
    sc.schema_change.as_mut().unwrap().reversible = true;
    let r = run(&sc, 0);
    assert_eq!(r.outcome, Outcome::Incident);
    assert_eq!(r.rollback_time_s, Some(30.0));
}

#[test]
fn an_automatic_rollback_onto_a_broken_schema_pages_for_a_restore() {
    // A breaking, irreversible change applied first (instantly, at 0 s):
    // old pods fail every request from then on. The 10% canary (ready at
    // 30 s) fails every request too; its analysis fails it at 90 s and
    // Argo sends all traffic back to the old pods — which still fail.
    // No alert can fire (threshold out of reach): the abort's page is the
    // only one. The on-call arrives 120 s later (ack 60 s + decide 60 s),
    // at 210 s, and restores the database (1 h): back at 3,810 s.
    let mut sc = broken_routed_canary(600, 60);
    sc.observability.alerting.burn_rate_threshold = 1e9;
    sc.schema_change = Some(schema(SchemaKind::Breaking));
    let r = run(&sc, 0);
    assert_eq!(r.outcome, Outcome::DataLoss);
    assert_eq!(r.time_to_detect_s, Some(60.0), "the analysis, at 90 s");
    // Undo (the abort, 90 s) → healthy: 3,810 − 90 s.
    assert_eq!(r.rollback_time_s, Some(3720.0));
    // Onset (the canary's first traffic, 30 s) → recovery.
    assert_eq!(r.time_to_recover_s, Some(3780.0));
    // Every request of 0–3,810 s at 100 rps fails.
    assert!(
        (r.failed_requests - 100.0 * 3810.0).abs() < 1e-6,
        "{}",
        r.failed_requests
    );
    let events = trace(&sc, 0);
    let at = |name: &str| events.iter().find(|e| e.event == name).map(|e| e.t_s);
    assert_eq!(at("rollback_broke_old"), Some(90.0));
    assert_eq!(at("schema_revert"), Some(210.0));
    assert_eq!(at("recovered"), Some(3810.0));
    // A reversible change goes back by its down-migration (0 s here): the
    // release was caught and undone, recovered when the person has acted.
    sc.schema_change.as_mut().unwrap().reversible = true;
    let r = run(&sc, 0);
    assert_eq!(r.outcome, Outcome::RolledBack);
    assert_eq!(r.time_to_recover_s, Some(210.0 - 30.0));
    assert!((r.failed_requests - 100.0 * 210.0).abs() < 1e-6);
}

#[test]
fn a_mutable_tag_makes_undo_wait_for_a_rebuild() {
    let mut sc = base();
    broken(&mut sc);
    let quick = run(&sc, 0);
    assert_eq!(quick.rollback_time_s, Some(30.0), "old pods boot again");
    sc.service.image.mutable = true;
    let slow = run(&sc, 0);
    assert_eq!(
        slow.rollback_time_s,
        Some(1800.0 + 30.0),
        "rebuild, then boot"
    );
    assert!(slow.failed_requests > quick.failed_requests + 100.0 * 1700.0);
}

#[test]
fn no_revision_history_means_a_pipeline_redeploy() {
    let mut sc = base();
    broken(&mut sc);
    sc.strategies[0].revision_history_limit = 0;
    assert_eq!(run(&sc, 0).rollback_time_s, Some(900.0 + 30.0));
}

#[test]
fn an_evicted_old_image_is_pulled_again_on_rollback() {
    let mut sc = base();
    broken(&mut sc);
    sc.service.startup.image_pull = Dist::Fixed(20_000.0);
    assert_eq!(run(&sc, 0).rollback_time_s, Some(30.0), "cached: boot only");
    sc.service.image.old_image_cached = false;
    assert_eq!(
        run(&sc, 0).rollback_time_s,
        Some(50.0),
        "pull 20 s, then boot"
    );
}

#[test]
fn the_autoscaler_adds_room_for_green_after_its_provisioning_time() {
    // Room for 15 pods: 5 of green's 10 wait. One new node (15 pods' worth)
    // joins after 120 s; green is ready at 150 s, switched at once, and blue
    // goes 30 s later.
    let mut sc = with_strategy(StrategyKind::BlueGreen(blue_green()));
    sc.cluster.nodes = 1;
    sc.cluster.node_allocatable.cpu_millis = 7500;
    sc.cluster.autoscaler = Some(Autoscaler {
        max_nodes: 3,
        provision_time: Dist::Fixed(120_000.0),
    });
    let r = run(&sc, 0);
    assert_eq!(r.outcome, Outcome::Succeeded);
    assert_eq!(r.nodes_added, 1.0);
    assert_eq!(r.pods_waited_for_room, 5.0);
    assert_eq!(
        r.extra_cpu_requested,
        10.0 * 0.5,
        "a second stack of 10 pods at 500m"
    );
    assert_eq!(r.extra_memory_requested_gib, 10.0);
    // Healthy at the switch, 150 s.
    assert_eq!(r.deploy_duration_s, Some(150.0));
    // The node is paid from 120 s to 10 minutes after the rollout: 660 s.
    let node_hour = 7.5 * 0.0316 + 32.0 * 0.00424;
    let pods = r.extra_pod_hours * (0.5 * 0.0316 + 1.0 * 0.00424);
    assert!(
        (r.cost - pods - node_hour * 660.0 / 3600.0).abs() < 1e-9,
        "{}",
        r.cost
    );
}

/// The shortcuts a trial takes after an event — no controller sync when the
/// counts it reads did not change, no route check after a pod gone or a
/// page, nothing after a measurement the controller let pass — change no
/// result: every strategy of every shipped scenario, 150 trials each, gives
/// the same trial results as when every event is followed by a sync and a
/// route check.
#[test]
fn shortcuts_after_events_change_no_result() {
    let mut files = vec![];
    for dir in ["scenarios", "scenarios/patterns"] {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for entry in std::fs::read_dir(root).expect("scenario folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 10, "{files:?}");
    let mut compared = 0;
    for path in files {
        let sc = load(&path).expect("shipped scenarios load");
        for strategy in &sc.strategies {
            let mut quick = World::new(&sc, strategy);
            let mut thorough = World::new(&sc, strategy);
            thorough.thorough = true;
            for trial in 0..150 {
                let release = montecarlo::release_of(&sc, 42, trial);
                let streams = || montecarlo::streams_of(&sc, 42, trial);
                let a = quick.run(&release, streams());
                let b = thorough.run(&release, streams());
                assert_eq!(a, b, "{} / {} trial {trial}", path.display(), strategy.name);
                compared += 1;
            }
        }
    }
    assert!(compared > 4_000, "{compared}");
}
