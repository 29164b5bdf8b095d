//! Controller rules against the real controllers, in closed form: one
//! trial of a small service with fixed start-up times, fixed error rates and
//! constant traffic, the answer worked out by hand in each test's comment.
//!
//! The service of every case (unless a case says otherwise): 10 replicas of
//! 100 rps each, 500 rps of constant demand, pods Ready 20 s after creation
//! (no image pull, a 20 s boot, readiness probed every 5 s from 0 s: the
//! probe at 20 s is the first after boot), gone at once when deleted.

use deploysim::scenario::{self, Scenario};
use deploysim::trial::{Defect, ReleaseDraw, TraceEvent, TrialResult, TrialStreams, World};

/// The service; `rest` adds `release`, `observability` and `strategies`.
fn scenario(rest: &str) -> Scenario {
    scenario_with("", rest)
}

/// The service with more `service` keys (`extra`, indented lines), then `rest`.
fn scenario_with(extra: &str, rest: &str) -> Scenario {
    let yaml = format!(
        "name: fidelity
service:
  replicas: 10
  pod: {{ cpu: 100m, memory: 128Mi, capacityRps: 100 }}
  startup: {{ imagePull: {{ fixed: 0s }}, boot: {{ fixed: 20s }} }}
  shutdown: {{ fixed: 0s }}
  readinessProbe: {{ periodSeconds: 5 }}
{extra}cluster:
  nodes: 4
  nodeAllocatable: {{ cpu: 4, memory: 16Gi }}
traffic: {{ rps: 500 }}
{rest}"
    );
    scenario::parse(&yaml, "fidelity.yaml").expect("the case's scenario is valid")
}

/// A release whose new pods fail `share` of their requests.
fn errors(share: f64) -> ReleaseDraw {
    ReleaseDraw {
        defect: Some(Defect {
            kind: "errorRate",
            fail_share: share,
            segment_share: 0.0,
            segment_fail: 0.0,
            crash_on_start: false,
            hang_after_ms: None,
            severity: share,
            added_ms: 0.0,
        }),
    }
}

fn good() -> ReleaseDraw {
    ReleaseDraw { defect: None }
}

/// One traced trial of strategy `name`.
fn trial(sc: &Scenario, name: &str, release: &ReleaseDraw) -> (TrialResult, Vec<TraceEvent>) {
    let s = sc
        .strategies
        .iter()
        .find(|s| s.name == name)
        .expect("the strategy exists");
    let mut world = World::new(sc, s);
    world.enable_trace();
    let result = world.run(release, TrialStreams::new(7, 0));
    (result, world.take_trace())
}

/// The first event named `event` (with `detail` containing `part`).
fn find<'a>(trace: &'a [TraceEvent], event: &str, part: &str) -> &'a TraceEvent {
    trace
        .iter()
        .find(|e| e.event == event && e.detail.contains(part))
        .unwrap_or_else(|| panic!("no {event} with {part:?} in {trace:#?}"))
}

const FINAL_100: &str = "release: { defectProbability: 0 }
strategies:
  - name: canary
    type: Canary
    trafficRouting: true
    steps: [ { setWeight: 50 }, { pause: { duration: 1m } }, { setWeight: 100 } ]
  - name: canary-dss
    type: Canary
    trafficRouting: true
    dynamicStableScale: true
    steps: [ { setWeight: 50 }, { pause: { duration: 1m } }, { setWeight: 100 } ]
";

/// A last explicit `setWeight: 100` completes like any last step (Argo's
/// `shouldFullPromote`: all steps done and the canary fully available).
/// 5 canary pods Ready at 20 s → weight 50; the pause ends at 80 s; 5 more
/// pods Ready at 100 s → weight 100, the step is done, the canary is
/// promoted; the old stable (10 pods, kept at full size) goes after
/// scaleDownDelaySeconds, at 130 s. Pods: 10 old + 5 new until 80 s, 10 + 10
/// from 80 s to 130 s: 5 × 80 + 10 × 50 = 900 extra pod-s = 0.25 pod-hours.
#[test]
fn a_final_set_weight_100_completes() {
    let sc = scenario(FINAL_100);
    let (r, trace) = trial(&sc, "canary", &good());
    assert_eq!(r.outcome.name(), "succeeded", "{trace:#?}");
    assert_eq!(find(&trace, "set_weight", "100%").t_s, 100.0);
    assert_eq!(find(&trace, "rollout_complete", "").t_s, 130.0);
    // The deploy ends when the rollout is Healthy, at the promotion.
    assert_eq!(r.deploy_duration_s, Some(100.0));
    assert_eq!(r.peak_pods, 20.0);
    assert!(
        (r.extra_pod_hours - 900.0 / 3600.0).abs() < 1e-9,
        "{}",
        r.extra_pod_hours
    );
}

/// With dynamicStableScale the stable set follows the weight down and is
/// never scaled back up: 5 stable pods from 20 s (weight 50), 0 once the
/// weight is 100 at 100 s, and the old ReplicaSet is gone at the promotion
/// (no scale-down delay). Pods: 15 over 0–20 s, 10 over 20–80 s, 15 over
/// 80–100 s (5 old + 10 new): 5 × 20 + 5 × 20 = 200 extra pod-s, peak 15.
#[test]
fn a_final_set_weight_100_with_dynamic_stable_scale_keeps_stable_down() {
    let sc = scenario(FINAL_100);
    let (r, trace) = trial(&sc, "canary-dss", &good());
    assert_eq!(r.outcome.name(), "succeeded", "{trace:#?}");
    assert_eq!(find(&trace, "rollout_complete", "").t_s, 100.0);
    assert_eq!(r.peak_pods, 15.0);
    assert!(
        (r.extra_pod_hours - 200.0 / 3600.0).abs() < 1e-9,
        "{}",
        r.extra_pod_hours
    );
    assert!(
        trace.iter().all(|e| !e.detail.contains("old 0→")),
        "the stable set is not scaled up again: {trace:#?}"
    );
}

const DSS_ABORT: &str = "release:
  defectProbability: 1
  defects: [ { kind: errorRate, weight: 1, errorRate: { fixed: 50% } } ]
observability:
  analysis: { interval: 1m, errorRateThreshold: 5%, count: 1 }
strategies:
  - name: canary-dss
    type: Canary
    trafficRouting: true
    dynamicStableScale: true
    steps: [ { setWeight: 20 }, { pause: { duration: 1m } }, { setWeight: 50 }, { pause: { duration: 1m } }, { setWeight: 80 }, { analysis: {} } ]
  - name: canary
    type: Canary
    trafficRouting: true
    steps: [ { setWeight: 20 }, { pause: { duration: 1m } }, { setWeight: 50 }, { pause: { duration: 1m } }, { setWeight: 80 }, { analysis: {} } ]
";

/// An abort under dynamicStableScale steps the weight back as stable pods
/// come up (Argo ≥ 1.9, `calculateDesiredWeightOnAbortOrStableRollback`
/// with `GetDesiredCanaryWeight`). The analysis fails as the weight
/// reaches 80% (its first measurement, taken as it starts, reads the last
/// minute, at 50%): canary 8, stable 2. The weight holds at 80 while stable grows to 5 (Ready 20 s
/// later), drops to 50 (canary shrinks to 5, stable grows to 8), to 20 20 s
/// later (canary 2, stable 10), then follows the stable's available share:
/// 10% with 9 of 10 up, 0% with all 10, 60 s after the abort. Failed
/// requests after the abort, at 50% errors on 500 rps: 80% for 20 s (4,000),
/// 50% for 20 s (2,500), 20% for 20 s (1,000): 7,500. Without dynamic
/// scaling the stable set is at full size and the weight is 0 at once.
#[test]
fn a_dynamic_stable_scale_abort_steps_traffic_back() {
    let sc = scenario(DSS_ABORT);
    let (_, trace) = trial(&sc, "canary-dss", &errors(0.5));
    let abort = find(&trace, "analysis_failed", "").clone();
    let at = trace
        .iter()
        .position(|e| e.event == "analysis_failed")
        .expect("an abort");
    // The 80% of the steps comes before the abort; the steps back after it.
    let back: Vec<(f64, String)> = trace[at..]
        .iter()
        .filter(|e| e.event == "set_weight")
        .map(|e| (e.t_s - abort.t_s, e.detail.clone()))
        .collect();
    let weights: Vec<&str> = back.iter().map(|(_, d)| d.as_str()).collect();
    assert_eq!(
        weights,
        [
            "canary weight 50%",
            "canary weight 20%",
            "canary weight 10%",
            "canary weight 0%"
        ],
        "{back:?}"
    );
    let times: Vec<f64> = back.iter().map(|(t, _)| *t).collect();
    assert_eq!(times, [20.0, 40.0, 60.0, 60.0]);
    let back_on_stable = find(&trace, "abort", "");
    assert!((back_on_stable.failed_requests - abort.failed_requests - 7_500.0).abs() < 1e-6);

    let (_, plain) = trial(&sc, "canary", &errors(0.5));
    let abort = find(&plain, "analysis_failed", "");
    let back = find(&plain, "abort", "");
    assert_eq!(back.t_s, abort.t_s);
    assert_eq!(back.failed_requests, abort.failed_requests);
}

/// `abortScaleDownDelaySeconds: 0` on a routed canary without
/// `setCanaryScale`: there is no scale-down deadline, and the canary is
/// sized by its weight, which an abort sets to 0 — it is scaled down at the
/// abort, not 30 s later (Argo: `shouldDelayScaleDownOnAbort` is false, and
/// `UseSetCanaryScale` has no step to keep).
#[test]
fn an_abort_scale_down_delay_of_0_scales_a_weighted_canary_down_at_once() {
    let sc = scenario(&DSS_ABORT.replace(
        "  - name: canary\n    type: Canary\n    trafficRouting: true\n",
        "  - name: canary\n    type: Canary\n    trafficRouting: true\n    abortScaleDownDelaySeconds: 0\n",
    ));
    let (_, trace) = trial(&sc, "canary", &errors(0.5));
    let abort = find(&trace, "analysis_failed", "");
    let done = find(&trace, "rollback_complete", "");
    assert_eq!(done.t_s, abort.t_s);
}

/// Blue-green with postPromotionAnalysis: blue stays the stable ReplicaSet
/// at full size until the analysis succeeds (Argo's `shouldFullPromote`),
/// so a release the analysis fails is switched back to a warm blue: the
/// rollback is the endpoint switch (2 s), not blue's cold start (20 s).
/// Green is Ready at 20 s and promoted at once; the switch ends at 22 s;
/// the analysis' failed measurement comes long after the 30 s scale-down
/// delay would have removed blue.
#[test]
fn post_promotion_analysis_keeps_blue_until_it_succeeds() {
    let sc = scenario(
        "release:
  defectProbability: 1
  defects: [ { kind: errorRate, weight: 1, errorRate: { fixed: 50% } } ]
observability:
  analysis: { interval: 1m, errorRateThreshold: 5%, count: 3 }
strategies:
  - { name: blue-green, type: BlueGreen, postPromotionAnalysis: true }
",
    );
    let (r, trace) = trial(&sc, "blue-green", &errors(0.5));
    assert_eq!(r.rollback_time_s, Some(2.0), "{trace:#?}");
    assert!(
        trace.iter().all(|e| e.old_pods == 10),
        "blue is never scaled down: {trace:#?}"
    );
}

/// `abortScaleDownDelaySeconds: 0` on blue-green: the controller never
/// scales the aborted preview down (Argo's abort delay is then nil), so its
/// pods stay, and cost, until the horizon, counted from the recovery.
/// Green is Ready at 20 s, the switch ends at 22 s, the first measurement
/// (at 82 s) fails and the switch back ends at 84 s; the trial ends 1 h
/// later, at 3,684 s. Green's 10 pods exist all that time beside blue's 10,
/// which the post-promotion analysis keeps at full size: 10 × 3,684 s =
/// 10.2333 extra pod-hours, and 20 pods still exist at the end.
#[test]
fn an_abort_scale_down_delay_of_0_keeps_the_preview_to_the_horizon() {
    let sc = scenario(
        "release:
  defectProbability: 1
  defects: [ { kind: errorRate, weight: 1, errorRate: { fixed: 50% } } ]
observability:
  analysis: { interval: 1m, errorRateThreshold: 5%, count: 3 }
strategies:
  - name: blue-green
    type: BlueGreen
    postPromotionAnalysis: true
    abortScaleDownDelaySeconds: 0
monteCarlo: { horizon: 1h }
",
    );
    let (r, trace) = trial(&sc, "blue-green", &errors(0.5));
    find(&trace, "analysis_failed", "");
    let last = trace.last().expect("a trace");
    assert_eq!((last.old_pods, last.new_pods), (10, 10), "{trace:#?}");
    assert_eq!(last.t_s, 3684.0);
    assert!(
        (r.extra_pod_hours - 10.0 * 3684.0 / 3600.0).abs() < 1e-9,
        "{}",
        r.extra_pod_hours
    );
}

fn crash_on_start() -> ReleaseDraw {
    ReleaseDraw {
        defect: Some(Defect {
            kind: "crashOnStart",
            fail_share: 0.0,
            segment_share: 0.0,
            segment_fail: 0.0,
            crash_on_start: true,
            hang_after_ms: None,
            severity: 1.0,
            added_ms: 0.0,
        }),
    }
}

const FLAGGER: &str = "release:
  defectProbability: 1
  defects: [ { kind: errorRate, weight: 1, errorRate: { fixed: 50% } } ]
strategies:
  - name: flagger
    type: Canary
    trafficRouting: true
    analysis: { interval: 1m, stepWeight: 50 }
  - name: flagger-2
    type: Canary
    trafficRouting: true
    analysis: { interval: 1m, stepWeight: 50, threshold: 2 }
";

/// Flagger's promotion, on its ticks (one a minute from the start; its
/// default maxWeight is 100): the canary's 10 pods are Ready at 20 s; the
/// tick at 60 s sets weight 50 (no analysis on the first), the one at 120 s
/// passes and sets 100, the one at 180 s passes at the max and copies the
/// spec to the primary, which rolls 25%/25% (surge 3, unavailable 2): at
/// 180 s 3 new, old down to 8 (8 available of 10 − 2), new up to 5 (13 in
/// all); at 200 s each new pod Ready lets an old one go and a new one come:
/// 10 new, 3 old; at 220 s the last 5 are Ready and the old are gone. The
/// tick at 240 s finds the primary done and routes all traffic to it (the
/// rollout is Healthy: the deploy took 240 s); the tick at 300 s scales the
/// canary to 0. Peak 10 canary + 13 primary = 23.
/// Extra pods: 10 over 0–180 s, 13 over 180–220, 10 over 220–300:
/// 1,800 + 520 + 800 = 3,120 pod-s.
#[test]
fn flagger_promotes_by_rolling_the_primary_then_routing_then_scaling_down() {
    let sc = scenario(FLAGGER);
    let (r, trace) = trial(&sc, "flagger", &good());
    assert_eq!(r.outcome.name(), "succeeded", "{trace:#?}");
    assert_eq!(find(&trace, "set_weight", "50%").t_s, 60.0);
    assert_eq!(find(&trace, "set_weight", "100%").t_s, 120.0);
    assert_eq!(find(&trace, "promote", "").t_s, 180.0);
    assert_eq!(find(&trace, "set_weight", "primary").t_s, 240.0);
    assert_eq!(find(&trace, "promoted", "").t_s, 300.0);
    assert_eq!(r.deploy_duration_s, Some(240.0));
    assert_eq!(r.peak_pods, 23.0);
    assert!(
        (r.extra_pod_hours - 3120.0 / 3600.0).abs() < 1e-9,
        "{}",
        r.extra_pod_hours
    );
}

/// Flagger rolls back at the tick after the threshold-th failed check (the
/// count is tested before that tick's analysis), routes all traffic to the
/// primary and scales the canary to 0 at once. Threshold 2: weight 50 at
/// 60 s, failed checks at 120 s and 180 s, rollback at 240 s. The canary's
/// share fails 50% of 250 rps from 60 s to 240 s: 22,500 failed requests
/// (plus the 0.1% baseline of 500 rps over those 180 s, 90).
#[test]
fn flagger_rolls_back_at_the_tick_after_the_threshold() {
    let sc = scenario(FLAGGER);
    let (r, trace) = trial(&sc, "flagger-2", &errors(0.5));
    let failed = find(&trace, "analysis_failed", "");
    assert_eq!(failed.t_s, 240.0, "{trace:#?}");
    let done = find(&trace, "rollback_complete", "");
    assert_eq!(done.t_s, 240.0);
    assert_eq!(r.rollback_time_s, Some(0.0));
    let start = find(&trace, "set_weight", "50%");
    let defect = failed.failed_requests - start.failed_requests;
    assert!((defect - 22_500.0).abs() < 150.0, "{defect}");
    // Flagger's default threshold is 1: the rollback is at 180 s.
    let (_, trace) = trial(&sc, "flagger", &errors(0.5));
    assert_eq!(find(&trace, "analysis_failed", "").t_s, 180.0);
}

/// A canary that never becomes ready: past the progress deadline Flagger
/// rolls back by itself at its next tick, and nobody is paged. Deadline
/// 90 s, ticks each minute: rolled back at 120 s, detected at 90 s.
#[test]
fn flagger_rolls_back_itself_past_the_progress_deadline() {
    let sc = scenario(
        "release: { defectProbability: 1, defects: [ { kind: crashOnStart, weight: 1 } ] }
strategies:
  - name: flagger
    type: Canary
    trafficRouting: true
    progressDeadlineSeconds: 90
    analysis: { interval: 1m, stepWeight: 50 }
",
    );
    let (r, trace) = trial(&sc, "flagger", &crash_on_start());
    assert_eq!(
        find(&trace, "rollback", "deadline").t_s,
        120.0,
        "{trace:#?}"
    );
    assert!(trace.iter().all(|e| e.event != "detected"), "{trace:#?}");
    assert_eq!(r.time_to_detect_s, Some(90.0));
    assert_eq!(r.outcome.name(), "stalled");
}

/// Flagger's shortest check interval is 10 s (`GetAnalysisInterval`).
#[test]
fn a_flagger_interval_below_10s_is_10s() {
    let sc = scenario(
        "strategies:
  - { name: f, type: Canary, trafficRouting: true, analysis: { interval: 5s, stepWeight: 50 } }
",
    );
    let deploysim::scenario::StrategyKind::Canary(c) = &sc.strategies[0].kind else {
        panic!("a canary")
    };
    let deploysim::scenario::CanaryPlan::Flagger(f) = &c.plan else {
        panic!("Flagger's form")
    };
    assert_eq!(f.interval.as_millis(), 10_000);
}

/// Detection is whoever acts first, and an automatic rollback does not
/// erase it. Blue-green with post-promotion analysis: green takes traffic at
/// 22 s and fails half of 500 rps. The burn-rate alert (evaluated each
/// minute) fires when the 1 h window's error ratio passes 14.4 × 0.1% =
/// 1.44%, i.e. 25,920 of the window's 1.8 M requests: 250·(t − 22) plus
/// the 0.1% baseline (≈ 0.5·(3600 − t)) passes it at t ≈ 119 s, so the
/// page is at 120 s. The analysis' one measurement fails at 22 + 300 =
/// 322 s and switches back. The on-call (11 minutes) arrives at 780 s to
/// find it rolled back: the page stands, detected 98 s after the defect
/// met users (it was dropped: the person "stood down" on the healthy ratio).
#[test]
fn an_automatic_rollback_before_the_on_call_keeps_the_detection() {
    let sc = scenario(
        "release:
  defectProbability: 1
  defects: [ { kind: errorRate, weight: 1, errorRate: { fixed: 50% } } ]
observability:
  analysis: { interval: 5m, errorRateThreshold: 5%, count: 1 }
  humanResponse: { ack: { fixed: 10m }, decide: { fixed: 1m } }
strategies:
  - { name: blue-green, type: BlueGreen, postPromotionAnalysis: true }
",
    );
    let (r, trace) = trial(&sc, "blue-green", &errors(0.5));
    assert_eq!(
        find(&trace, "detected", "burn-rate").t_s,
        120.0,
        "{trace:#?}"
    );
    assert_eq!(find(&trace, "analysis_failed", "").t_s, 322.0);
    assert_eq!(find(&trace, "already_rolled_back", "").t_s, 780.0);
    assert!(trace.iter().all(|e| e.event != "stand_down"));
    assert_eq!(r.time_to_detect_s, Some(98.0));
    // The switch put all traffic on green before anyone noticed.
    assert_eq!(r.outcome.name(), "incident");
    assert!(r.time_to_recover_s >= r.time_to_detect_s);
}

/// An inconclusive analysis asks a person, who finds the canary failing and
/// aborts: the analysis detected the release when it asked, and the
/// outcome is a rollback, not a stall (no deadline fired). Canary Ready at
/// 20 s, weight 20; the analysis (100,000 requests needed: no measurement
/// can have enough) is inconclusive at its first measurement, 80 s; the
/// person answers at 80 + 120 = 200 s. No alert or user report comes first.
#[test]
fn an_inconclusive_analysis_a_person_aborts_is_a_detected_rollback() {
    let sc = scenario(
        "release:
  defectProbability: 1
  defects: [ { kind: errorRate, weight: 1, errorRate: { fixed: 50% } } ]
observability:
  alerting: { burnRateThreshold: 1000000 }
  userReports: { delay: { fixed: 100h } }
  analysis: { interval: 1m, count: 1, minRequests: 100000, onNoData: inconclusive }
  humanResponse: { ack: { fixed: 60s }, decide: { fixed: 60s } }
strategies:
  - name: canary
    type: Canary
    trafficRouting: true
    steps: [ { setWeight: 20 }, { analysis: {} } ]
",
    );
    let (r, trace) = trial(&sc, "canary", &errors(0.5));
    assert_eq!(
        find(&trace, "measurement", "Inconclusive").t_s,
        80.0,
        "{trace:#?}"
    );
    assert_eq!(find(&trace, "human_answers", "Inconclusive").t_s, 200.0);
    assert_eq!(r.time_to_detect_s, Some(60.0));
    assert_eq!(r.outcome.name(), "rolled_back");
}

fn delayed_crash() -> ReleaseDraw {
    ReleaseDraw {
        defect: Some(Defect {
            kind: "delayedCrash",
            fail_share: 0.0,
            segment_share: 0.0,
            segment_fail: 0.0,
            crash_on_start: false,
            hang_after_ms: Some(300_000),
            severity: 1.0,
            added_ms: 0.0,
        }),
    }
}

/// A paged person judges the last minutes, not one instant. Recreate: the
/// release's pods are Ready at 20 s and hang 300 s after starting; they
/// leave the endpoints at 315 s (3 readiness failures, 5 s apart), the
/// liveness probe (3 failures, 10 s apart) restarts them at 330 s and they
/// are Ready again at 360 s: all of 500 rps fail for 60 s. The 1 h window
/// then holds 30,000 + 10,000 (Recreate's own 20 s at the start) errors of
/// 1.8 M requests, 2.2% > 1.44%: the alert pages at 360 s. The person
/// arrives at 480 s with every pod Ready and the error ratio at its
/// baseline; the last 5 minutes hold the outage (30,000 of 150,000
/// requests, 20%), so they roll back instead of standing down.
#[test]
fn a_page_is_judged_on_the_last_minutes() {
    let sc = scenario_with(
        "  livenessProbe: { periodSeconds: 10, failureThreshold: 3 }\n",
        "release:
  defectProbability: 1
  defects: [ { kind: delayedCrash, weight: 1, after: { fixed: 300s } } ]
observability:
  humanResponse: { ack: { fixed: 60s }, decide: { fixed: 60s } }
strategies:
  - { name: recreate, type: Recreate }
",
    );
    let (r, trace) = trial(&sc, "recreate", &delayed_crash());
    assert_eq!(find(&trace, "alert_fired", "").t_s, 360.0, "{trace:#?}");
    let undo = find(&trace, "rollout_undo", "");
    assert_eq!((undo.t_s, undo.new_ready), (480.0, 10));
    assert!(trace.iter().all(|e| e.event != "stand_down"));
    assert_eq!(r.rollback_time_s, Some(20.0));
    // Recreate served the release to all traffic before anyone noticed.
    assert_eq!(r.outcome.name(), "incident");
}

/// The deploy lasts until the rollout is Healthy (all traffic on the
/// release, fully available), as Argo reports it; the old version's
/// scale-down delay after that is cost, not deploy time. Blue-green with
/// scaleDownDelaySeconds 1800: green Ready at 20 s, the switch done at
/// 22 s; blue goes at 1,822 s. Extra pod-hours: 10 pods × 1,822 s.
#[test]
fn the_deploy_ends_when_the_rollout_is_healthy() {
    let sc = scenario(
        "release: { defectProbability: 0 }
strategies:
  - { name: blue-green, type: BlueGreen, scaleDownDelaySeconds: 1800 }
",
    );
    let (r, trace) = trial(&sc, "blue-green", &good());
    assert_eq!(find(&trace, "healthy", "").t_s, 22.0, "{trace:#?}");
    assert_eq!(find(&trace, "rollout_complete", "").t_s, 1822.0);
    assert_eq!(r.deploy_duration_s, Some(22.0));
    assert!((r.extra_pod_hours - 10.0 * 1822.0 / 3600.0).abs() < 1e-9);
}

/// An AnalysisRun takes its first measurement as it starts (Argo's
/// `runMeasurements`, no initialDelay), each reading the last interval.
/// Canary Ready at 20 s, weight 20; a 1 min pause; the analysis (3
/// measurements, 1 min apart) starts at 80 s and measures at 80, 140 and
/// 200 s: done at 200 s, two intervals, not three. Without the pause the
/// first measurement, at 20 s, finds no request in its window (a
/// measurement error, not counted), so the three come at 80, 140, 200 s.
#[test]
fn an_analysis_measures_as_it_starts() {
    let sc = scenario(
        "release: { defectProbability: 0 }
observability:
  analysis: { interval: 1m, count: 3 }
strategies:
  - name: paused
    type: Canary
    trafficRouting: true
    steps: [ { setWeight: 20 }, { pause: { duration: 1m } }, { analysis: {} } ]
  - name: at-once
    type: Canary
    trafficRouting: true
    steps: [ { setWeight: 20 }, { analysis: {} } ]
",
    );
    let times = |trace: &[TraceEvent]| -> Vec<(f64, bool)> {
        trace
            .iter()
            .filter(|e| e.event == "measurement")
            .map(|e| (e.t_s, e.detail.ends_with("Error")))
            .collect()
    };
    let (r, trace) = trial(&sc, "paused", &good());
    assert_eq!(
        times(&trace),
        [(80.0, false), (140.0, false), (200.0, false)]
    );
    assert_eq!(find(&trace, "promote", "").t_s, 200.0);
    assert_eq!(r.outcome.name(), "succeeded");
    let (_, trace) = trial(&sc, "at-once", &good());
    assert_eq!(
        times(&trace),
        [(20.0, true), (80.0, false), (140.0, false), (200.0, false)]
    );
    assert_eq!(find(&trace, "promote", "").t_s, 200.0);
}
