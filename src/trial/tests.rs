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
        },
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
        },
    }
}

pub(crate) fn strategy(name: &str, kind: StrategyKind) -> Strategy {
    Strategy {
        name: name.into(),
        kind,
        min_ready: Duration::ZERO,
        progress_deadline: Duration::from_secs(600),
    }
}

fn bad(sc: &mut Scenario, kind: DefectKind) {
    sc.release.defect_probability = 1.0;
    sc.release.defects = vec![DefectSpec { weight: 1.0, kind }];
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
    bad(
        &mut sc,
        DefectKind::ErrorRate {
            error_rate: Dist::Fixed(1.0),
        },
    );
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
fn without_metrics_users_report_it() {
    let mut sc = base();
    sc.observability.metrics = false;
    bad(
        &mut sc,
        DefectKind::ErrorRate {
            error_rate: Dist::Fixed(0.5),
        },
    );
    let r = run(&sc, 1);
    assert_eq!(r.time_to_detect_s, Some(1800.0));
    assert_eq!(r.outcome, Outcome::Incident);
}

#[test]
fn sticky_sessions_confine_a_segment_of_users() {
    // 10 pods, one of them bad for long: per-request routing spreads the
    // failures over everyone; sticky routing keeps them in a 10% cohort.
    let mut sc = base();
    sc.observability.metrics = false;
    sc.observability.user_reports.delay = Dist::Fixed(3_600_000.0);
    sc.strategies = vec![strategy(
        "rolling",
        StrategyKind::RollingUpdate {
            max_surge: IntOrPercent::Int(1),
            max_unavailable: IntOrPercent::Int(0),
        },
    )];
    sc.service.startup.boot = Dist::Fixed(30_000.0);
    bad(
        &mut sc,
        DefectKind::ErrorRate {
            error_rate: Dist::Fixed(1.0),
        },
    );
    let spread = run(&sc, 0);
    sc.traffic.sticky_sessions = true;
    let sticky = run(&sc, 0);
    assert!((spread.failed_requests - sticky.failed_requests).abs() < 1e-6);
    assert!(sticky.affected_users < spread.affected_users);
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
