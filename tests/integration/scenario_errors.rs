//! Scenario loading: every bad file under `tests/data/bad` fails with its file
//! name, the line and column of the offending key or value, the key path and a
//! message saying what was expected; good files round-trip through `render`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use deploysim::scenario::{
    self, Analysis, BackgroundAnalysis, BlueGreen, Canary, CanaryPlan, CanaryScale, CanaryStep,
    DefectKind, Dist, Flagger, IntOrPercent, LockImpact, OnNoData, Pattern, Scenario, SchemaApply,
    SchemaChange, SchemaKind, SmokeTest, StrategyKind,
};
use deploysim::sim::time::Duration as SimDuration;

const BAD: &str = "tests/data/bad";
const GOOD: &str = "tests/data/good";
/// Every file under `tests/data/good`.
const GOOD_FILES: &[&str] = &[
    "full",
    "minimal",
    "blue-green",
    "canary-argo",
    "canary-flagger",
    "schema",
];

/// (file stem, line, key path, message fragment), one problem per file.
#[rustfmt::skip]
const BAD_FILES: &[(&str, u64, &str, &str)] = &[
    ("alias_bomb", 6, "", "alias bomb"),
    ("analysis_unknown_key", 12, "observability.analysis.errorRateTreshold", "did you mean `errorRateThreshold`?"),
    ("anchors_over_limit", 1004, "", "refusing to read the file: it has more than 1000 anchors (&name)"),
    ("auto_promotion_seconds_without_auto", 15, "strategies[0].autoPromotionSeconds", "contradicts autoPromotionEnabled: false"),
    ("autoscaler_below_nodes", 9, "cluster.autoscaler.maxNodes", "expected at least cluster.nodes (3), found 2"),
    ("availability_100", 13, "slo.availability", "strictly between 0% and 100%"),
    ("bad_cpu", 5, "service.pod.cpu", r#"expected a CPU quantity like "500m", "2" or 0.5, found "5 cores""#),
    ("bad_duration", 14, "slo.window", r#"expected a duration with a unit like "90s""#),
    ("bad_memory", 8, "cluster.nodeAllocatable.memory", r#"found "16GB""#),
    ("bad_share_100", 13, "monteCarlo.badShare", "above 0% and below 100% like \"50%\", found 100%"),
    ("bad_share_with_natural", 15, "monteCarlo.badShare", "applies to sampling: stratified only"),
    ("bare_number_duration", 14, "slo.window", "found 90"),
    ("both_zero", 12, "strategies[0].maxUnavailable", "maxSurge and maxUnavailable cannot both be 0"),
    ("canary_pause_bad_duration", 16, "strategies[0].steps[1].pause.duration", r#"expected a duration with a unit like "90s""#),
    ("canary_set_weight_120", 16, "strategies[0].steps[1].setWeight", "expected a percent from 0 to 100, found 120"),
    ("canary_starting_step_out_of_range", 18, "strategies[0].analysis.startingStep", "expected a step index from 0 to 2 (there are 3 steps), found 3"),
    ("canary_starting_step_without_steps", 17, "strategies[0].analysis.startingStep", "applies to Argo background analysis, which needs `steps`"),
    ("canary_step_weight_with_steps", 17, "strategies[0].analysis.stepWeight", "belongs to the Flagger form of `analysis`, which has no `steps`"),
    ("canary_two_step_kinds", 16, "strategies[0].steps[1]", "expected exactly one of setWeight, pause, analysis, setCanaryScale, setMirrorRoute in a step, found setWeight and pause"),
    ("canary_unknown_step", 17, "strategies[0].steps[2].setWieght", "unknown key `setWieght`; expected one of setWeight, pause"),
    ("canary_without_plan", 14, "strategies[1].steps", "a Canary needs `steps` or a Flagger `analysis` with stepWeight"),
    ("constraints_negative_failed_requests", 12, "constraints.maxFailedRequests", "expected a number of at least 0, found -100"),
    ("constraints_time_to_recover_not_duration", 13, "constraints.maxTimeToRecover", r#"expected a duration with a unit like "90s", "10m" or "1h30m", found 15"#),
    ("constraints_unknown_key", 13, "constraints.trafficRouters", "unknown key `trafficRouters`; expected one of maxFailedRequests, maxAffectedUsers, maxErrorBudgetBurn, maxTimeToRecover, maxExtraPodHours, maxCost, trafficRouter, metrics, fitCluster (did you mean `trafficRouter`?)"),
    ("deep_nesting", 2, "", "nests deeper than 32 levels"),
    ("dist_two_forms", 14, "release.rebuildTime", "exactly one of fixed, uniform"),
    ("dist_unknown_form", 14, "release.rebuildTime.lognormel", "did you mean `lognormal`?"),
    ("duplicate_keys", 5, "service.replicas", "duplicate key `replicas`"),
    ("duplicate_strategy_names", 13, "strategies[1].name", r#"duplicate strategy name "rolling""#),
    ("dynamic_stable_scale_without_router", 15, "strategies[0].dynamicStableScale", "needs `trafficRouting: true`"),
    ("empty", 1, "", "found an empty file"),
    ("empty_strategies", 11, "strategies", "expected at least one strategy"),
    ("flagger_mirror_weight_without_mirror", 15, "strategies[0].analysis.mirrorWeight", "needs `mirror: true`"),
    ("flagger_step_weight_and_weights", 17, "strategies[0].analysis.stepWeights", "expected one of stepWeight or stepWeights, found both"),
    ("flagger_step_weights_not_increasing", 16, "strategies[0].analysis.stepWeights[2]", "from 21 to 100 (stepWeights must increase), found 10"),
    ("flagger_without_traffic_routing", 15, "strategies[0].analysis", "needs `trafficRouting: true`"),
    ("horizon_over_100_years", 13, "monteCarlo.horizon", r#"expected a duration of at most 100 years (36500d), found "40000d""#),
    ("inf", 11, "traffic.users", "found .inf"),
    ("list", 2, "", "expected a mapping of scenario keys"),
    ("lognormal_missing_p95", 9, "service.startup.imagePull.lognormal.p95", "missing required key `p95`"),
    ("lognormal_p95_le_median", 7, "service.startup.boot.lognormal.p95", "lognormal p95 must be greater than median"),
    ("max_runs_below_runs", 16, "monteCarlo.maxRuns", "expected an integer of at least 1000, found 500"),
    ("max_runs_without_precision", 15, "monteCarlo.maxRuns", "applies with a precision target only"),
    ("max_surge_not_int", 12, "strategies[0].maxSurge", r#"expected an integer or a percent like "25%", found "abc""#),
    ("max_surge_on_blue_green", 14, "strategies[0].maxSurge", "applies only to type RollingUpdate or Canary, not BlueGreen"),
    ("max_surge_on_recreate", 12, "strategies[0].maxSurge", "applies only to type RollingUpdate or Canary, not Recreate"),
    ("max_unavailable_150", 12, "strategies[0].maxUnavailable", r#"at most 100%, found "150%""#),
    ("memory_negative", 5, "service.pod.memory", "found -0.4"),
    ("missing_defect_param", 15, "release.defects[0].addedMs", "missing required key `addedMs`"),
    ("missing_nested", 6, "service.pod.capacityRps", "missing required key `capacityRps`"),
    ("missing_required", 2, "traffic", "missing required key `traffic`"),
    ("name_control_character", 12, "strategies[0].name", "expected a name without control characters, found '\\u{1b}'"),
    ("name_too_long", 12, "strategies[0].name", "at most 253 characters (a Kubernetes object name's limit), found one of 254"),
    ("nan", 5, "service.pod.capacityRps", "found .nan"),
    ("nan_percent", 5, "service.baselineErrorRate", "expected a finite number, found .nan"),
    ("negative_percent", 5, "service.baselineErrorRate", r#"from 0% to 100% like "25%""#),
    ("negative_rps", 10, "traffic.rps", "expected a number of at least 0, found -5"),
    ("nodes_zero", 7, "cluster.nodes", "expected an integer of at least 1, found 0"),
    ("old_image_cached_maybe", 6, "service.image.oldImageCached", r#"expected true or false, found "maybe""#),
    ("on_no_data_bogus", 14, "observability.analysis.onNoData", r#"expected one of fail, inconclusive, pass, found "bogus""#),
    ("other_workloads_exceed", 9, "cluster.otherWorkloads.cpu", "exceeds the whole cluster"),
    ("param_not_of_kind", 15, "release.defects[0].addedMs", "does not apply to kind errorRate"),
    ("pattern_empty_mapping", 11, "traffic.pattern", "expected the name of one kind, as a word or as the one key of a mapping (like { diurnal: { peakToTrough: 3 } }), found a mapping"),
    ("peak_at_out_of_day", 11, "traffic.pattern.diurnal.peakAt", "below 24h"),
    ("post_promotion_analysis_yes", 14, "strategies[0].postPromotionAnalysis", r#"expected true, false or a mapping of analysis keys like { count: 5 }, found "yes""#),
    ("precision_100", 14, "monteCarlo.precision", "above 0% and below 100% like \"5%\", found 100%"),
    ("preview_replicas_over_replicas", 14, "strategies[0].previewReplicaCount", "expected an integer from 1 to service.replicas (10), found 12"),
    ("probability_over_100", 14, "release.defectProbability", r#"found "120%""#),
    ("progress_deadline_short", 12, "strategies[0].progressDeadlineSeconds", "more than minReadySeconds"),
    ("replicas_over_cluster_limit", 4, "service.replicas", "expected an integer from 1 to 150000 (a Kubernetes cluster's tested limit is 150,000 pods), found 200000"),
    ("replicas_past_u32", 4, "service.replicas", "expected a non-negative integer of at most 4294967295, found 4294967296"),
    ("replicas_zero", 4, "service.replicas", "expected an integer from 1 to 150000 (a Kubernetes cluster's tested limit is 150,000 pods), found 0"),
    ("revision_history_limit_negative", 12, "strategies[0].revisionHistoryLimit", "expected a non-negative integer of at most 4294967295, found -1"),
    ("runs_zero", 13, "monteCarlo.runs", "at least 1, found 0"),
    ("sampling_unknown", 13, "monteCarlo.sampling", r#"expected one of stratified, natural, found "importance""#),
    ("scalar", 2, "", r#"found "just some text""#),
    ("schema_apply_sometimes", 13, "schemaChange.apply", r#"expected one of beforeRollout, afterRollout, found "sometimes""#),
    ("schema_contract_delay_on_breaking", 14, "schemaChange.contractDelay", "applies only to kind expandContract, not breaking"),
    ("schema_expand_contract_after_rollout", 13, "schemaChange.apply", "expected beforeRollout for kind expandContract, found afterRollout"),
    ("schema_kind_unknown", 12, "schemaChange.kind", r#"expected one of none, additive, breaking, expandContract, found "destructive""#),
    ("schema_lock_error_rate_150", 13, "schemaChange.lock.errorRate", r#"from 0% to 100% like "25%" (or a fraction from 0 to 1 like 0.25), found "150%""#),
    ("schema_none_with_keys", 13, "schemaChange.reversible", "does not apply to kind none (no schema change)"),
    ("schema_restore_p95_le_median", 13, "schemaChange.restoreFromBackup.lognormal.p95", "lognormal p95 must be greater than median (2h)"),
    ("set_canary_scale_without_router", 15, "strategies[0].steps[0].setCanaryScale", "needs `trafficRouting: true`"),
    ("set_mirror_route_without_router", 16, "strategies[0].steps[0].setMirrorRoute", "needs `trafficRouting: true`"),
    ("short_window_too_long", 14, "observability.alerting.shortWindow", "at most window (1h)"),
    ("smoke_test_catch_rate_150", 14, "strategies[0].prePromotionAnalysis.smokeTestCatchRate", r#"found "150%""#),
    ("step_analysis_count_zero", 16, "strategies[0].steps[1].analysis.count", "expected an integer of at least 1, found 0"),
    ("steps_on_blue_green", 14, "strategies[0].steps", "`steps` applies only to type Canary, not BlueGreen"),
    ("strict_boolean", 11, "traffic.stickySessions", r#"expected true or false, found "yes""#),
    ("syntax_error", 11, "", "invalid YAML"),
    ("unknown_defect_kind", 16, "release.defects[1].kind", r#"expected one of crashOnStart, errorRate"#),
    ("unknown_key", 12, "strategies[0].maxSurg", "unknown key `maxSurg`"),
    ("unknown_pattern", 11, "traffic.pattern", r#"expected one of constant, diurnal, found "weekly""#),
    ("unknown_strategy_type", 12, "strategies[0].type", r#"expected one of Recreate, RollingUpdate, BlueGreen, Canary, found "Rolling""#),
    ("work_bound_checks", 14, "strategies[0]", "could take 11750400 events, beyond the bound of 10000000 per trial: analysis.interval 10s without a count, for up to two monteCarlo.horizon (600d): shorten the horizon or lengthen the interval"),
    ("work_bound_restarts", 16, "strategies[0]", "could take 576000000 events, beyond the bound of 10000000 per trial: service.replicas 100000 crash-looping pods"),
    ("wrong_type", 4, "service.replicas", r#"expected a non-negative integer of at most 4294967295, found "ten""#),
];

/// Hostile files must be refused quickly.
const HOSTILE: &[&str] = &["alias_bomb", "deep_nesting"];

fn bad(stem: &str) -> PathBuf {
    Path::new(BAD).join(format!("{stem}.yaml"))
}

#[test]
fn every_bad_file_names_file_location_key_and_problem() {
    for &(stem, line, key_path, fragment) in BAD_FILES {
        let path = bad(stem);
        let started = Instant::now();
        let err = scenario::load(&path).expect_err(stem);
        let elapsed = started.elapsed();
        let shown = err.to_string();
        let file = path.display().to_string();
        let prefix = format!("{file}:{line}:");
        assert!(
            shown.starts_with(&prefix),
            "{stem}: want {prefix}..., got {shown}"
        );
        let col = err.column.unwrap_or(0);
        assert!(
            col >= 1 && shown.contains(&format!(":{line}:{col}: ")),
            "{stem}: {shown}"
        );
        assert_eq!(err.key_path, key_path, "{stem}: {shown}");
        if !key_path.is_empty() {
            assert!(
                shown.contains(&format!(": {key_path}: ")),
                "{stem}: {shown}"
            );
        }
        assert!(
            shown.contains(fragment),
            "{stem}: want {fragment:?} in {shown}"
        );
        assert!(!shown.contains('\n'), "{stem}: one line, got {shown}");
        if HOSTILE.contains(&stem) {
            assert!(elapsed < Duration::from_secs(1), "{stem} took {elapsed:?}");
        }
    }
}

#[test]
fn every_bad_file_is_in_the_table() {
    let mut stems: Vec<String> = std::fs::read_dir(BAD)
        .expect("tests/data/bad")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned))
        .collect();
    stems.sort();
    let table: Vec<&str> = BAD_FILES.iter().map(|row| row.0).collect();
    assert_eq!(
        stems, table,
        "tests/data/bad and BAD_FILES must list the same files"
    );
    assert!(table.len() >= 25);
}

#[test]
fn every_good_file_is_listed() {
    let mut stems: Vec<String> = std::fs::read_dir(GOOD)
        .expect("tests/data/good")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned))
        .collect();
    stems.sort();
    let mut listed = GOOD_FILES.to_vec();
    listed.sort();
    assert_eq!(
        stems, listed,
        "tests/data/good and GOOD_FILES must list the same files"
    );
}

#[test]
fn missing_file_names_path_and_os_reason() {
    let path = bad("does_not_exist");
    let err = scenario::load(&path).expect_err("no such file");
    let shown = err.to_string();
    assert!(shown.starts_with(&path.display().to_string()), "{shown}");
    assert!(shown.contains("cannot read the file"), "{shown}");
    assert!(shown.contains("os error"), "{shown}");
    assert_eq!((err.line, err.column), (None, None));
}

#[test]
fn oversized_text_is_refused() {
    let text = format!("name: x\n# {}\n", "x".repeat(1 << 20));
    let err = scenario::parse(&text, "big.yaml").expect_err("too big");
    assert!(
        err.to_string().starts_with("big.yaml: the file is"),
        "{err}"
    );
}

#[test]
fn good_files_round_trip_through_render() {
    for stem in GOOD_FILES {
        let path = Path::new(GOOD).join(format!("{stem}.yaml"));
        let s = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let shown = scenario::render(&s);
        let again =
            scenario::parse(&shown, "rendered.yaml").unwrap_or_else(|e| panic!("{e}\n{shown}"));
        assert_eq!(
            again, s,
            "{stem}: render then parse changed the scenario:\n{shown}"
        );
        assert_eq!(
            scenario::render(&again),
            shown,
            "{stem}: render is not stable"
        );
    }
}

#[test]
fn full_file_reads_units_and_forms() {
    let s = scenario::load(&Path::new(GOOD).join("full.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.service.baseline_error_rate, 0.002);
    assert_eq!(s.service.pod.cpu_millis, 500);
    assert_eq!(s.service.pod.memory_bytes, 1 << 30);
    assert_eq!(s.service.latency, Dist::lognormal(40.0, 300.0));
    assert_eq!(s.service.startup.image_pull, Dist::lognormal(8e3, 40e3));
    assert_eq!(s.cluster.node_allocatable.cpu_millis, 8000);
    assert_eq!(s.cluster.other_workloads.memory_bytes, 250 << 30);
    assert_eq!(s.slo.window.as_millis(), 30 * 86_400_000);
    assert_eq!(s.release.defect_probability, 0.08);
    assert_eq!(s.release.start_at.as_millis(), 9 * 3_600_000 + 30 * 60_000);
    let Pattern::Diurnal { peak_at, .. } = s.traffic.pattern else {
        panic!("diurnal")
    };
    assert_eq!(peak_at.as_millis(), 14 * 3_600_000);
    let kinds: Vec<&DefectKind> = s.release.defects.iter().map(|d| &d.kind).collect();
    assert_eq!(kinds[0], &DefectKind::CrashOnStart);
    assert_eq!(
        kinds[4],
        &DefectKind::Segment {
            affected_share: Dist::Fixed(0.03),
            error_rate: Dist::Fixed(1.0)
        }
    );
    assert_eq!(
        kinds[5],
        &DefectKind::ErrorRate {
            error_rate: Dist::Uniform {
                min: 0.01,
                max: 0.05
            }
        }
    );
    assert_eq!(
        kinds[6],
        &DefectKind::Latency {
            added_ms: Dist::Empirical(vec![10.0, 20.0, 1000.0])
        }
    );
    assert_eq!(s.strategies[0].kind, StrategyKind::Recreate);
    assert_eq!(
        s.strategies[1].kind,
        StrategyKind::RollingUpdate {
            max_surge: IntOrPercent::Percent(25),
            max_unavailable: IntOrPercent::Int(0)
        }
    );
    assert_eq!(s.strategies[1].min_ready.as_millis(), 10_000);
}

#[test]
fn minimal_file_takes_the_documented_defaults() {
    let s = scenario::load(&Path::new(GOOD).join("minimal.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.description, "");
    assert_eq!(s.service.baseline_error_rate, 0.001);
    assert_eq!(s.service.readiness_probe, None);
    assert_eq!(s.service.termination_grace_period.as_millis(), 30_000);
    assert_eq!(s.service.image.tag, "v1");
    assert!(s.service.image.old_image_cached);
    assert_eq!(s.cluster.autoscaler, None);
    assert_eq!(s.cluster.pricing.cpu_hour, 0.0316);
    assert_eq!(s.traffic.users, 10_000.0);
    assert_eq!(s.traffic.pattern, Pattern::Constant);
    assert_eq!(s.slo.availability, 0.999);
    assert_eq!(s.release.defect_probability, 0.10);
    let weights: Vec<f64> = s.release.defects.iter().map(|d| d.weight).collect();
    assert_eq!(weights, [0.20, 0.40, 0.15, 0.10, 0.15]);
    assert_eq!(
        s.observability.alerting.short_window.as_millis(),
        5 * 60_000
    );
    assert_eq!(
        s.strategies[0].kind,
        StrategyKind::RollingUpdate {
            max_surge: IntOrPercent::Percent(25),
            max_unavailable: IntOrPercent::Percent(25)
        }
    );
    assert_eq!(s.strategies[0].progress_deadline.as_millis(), 600_000);
    assert_eq!(s.strategies[0].revision_history_limit, 10);
    assert_eq!(s.release.redeploy_time, Dist::lognormal(900e3, 2_700e3));
    assert_eq!(s.schema_change, None);
    assert_eq!((s.monte_carlo.runs, s.monte_carlo.seed), (10_000, 42));
    assert_eq!(s.monte_carlo.horizon.as_millis(), 86_400_000);
}

fn load_good(stem: &str) -> Scenario {
    let path = Path::new(GOOD).join(format!("{stem}.yaml"));
    scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn secs(s: u64) -> SimDuration {
    SimDuration::from_secs(s)
}

fn blue_green(s: &Scenario, i: usize) -> &BlueGreen {
    match &s.strategies[i].kind {
        StrategyKind::BlueGreen(b) => b,
        other => panic!("strategies[{i}] is {other:?}"),
    }
}

fn canary(s: &Scenario, i: usize) -> &Canary {
    match &s.strategies[i].kind {
        StrategyKind::Canary(c) => c,
        other => panic!("strategies[{i}] is {other:?}"),
    }
}

#[test]
fn blue_green_takes_argo_defaults_and_inherits_analysis() {
    let s = load_good("blue-green");
    let base = Analysis {
        interval: secs(30),
        count: None,
        error_rate_threshold: 0.02,
        latency_p99_threshold: SimDuration::from_millis(500),
        failure_limit: 1,
        inconclusive_limit: 0,
        consecutive_error_limit: 4,
        min_requests: 50,
        compare_to_baseline: true,
        on_no_data: OnNoData::Inconclusive,
    };
    assert_eq!(s.observability.analysis, base);
    assert_eq!(
        blue_green(&s, 0),
        &BlueGreen {
            preview_replica_count: Some(5),
            auto_promotion_enabled: true,
            auto_promotion_seconds: Some(secs(300)),
            pre_promotion_analysis: Some(SmokeTest {
                catch_rate: 0.6,
                duration: secs(120)
            }),
            // `true`: the inherited analysis, 5 measurements.
            post_promotion_analysis: Some(Analysis {
                count: Some(5),
                ..base.clone()
            }),
            scale_down_delay: secs(1800),
            abort_scale_down_delay: secs(60),
            switch_delay: secs(5),
        }
    );
    let manual = blue_green(&s, 1);
    assert!(!manual.auto_promotion_enabled);
    assert_eq!(
        manual.post_promotion_analysis,
        Some(Analysis {
            count: Some(3),
            latency_p99_threshold: SimDuration::from_millis(300),
            inconclusive_limit: 2,
            consecutive_error_limit: 4,
            on_no_data: OnNoData::Fail,
            ..base.clone()
        })
    );
    assert_eq!(
        blue_green(&s, 2),
        &BlueGreen {
            preview_replica_count: None,
            auto_promotion_enabled: true,
            auto_promotion_seconds: None,
            pre_promotion_analysis: None,
            post_promotion_analysis: None,
            scale_down_delay: secs(30),
            abort_scale_down_delay: secs(30),
            switch_delay: secs(2),
        }
    );
}

#[test]
fn argo_canary_reads_every_step_kind() {
    let s = load_good("canary-argo");
    let base = s.observability.analysis.clone();
    assert_eq!(base.on_no_data, OnNoData::Pass);
    let c = canary(&s, 0);
    assert!(c.traffic_routing && c.dynamic_stable_scale && c.auto_rollback);
    let CanaryPlan::Steps(steps) = &c.plan else {
        panic!("{:?}", c.plan)
    };
    let step_analysis = |a: Analysis| {
        CanaryStep::Analysis(Analysis {
            count: a.count.or(Some(5)),
            ..a
        })
    };
    assert_eq!(
        steps,
        &[
            CanaryStep::SetCanaryScale(CanaryScale::Replicas(2)),
            CanaryStep::SetMirror(20),
            CanaryStep::Pause(Some(secs(300))),
            CanaryStep::SetMirror(100),
            CanaryStep::SetWeight(5),
            CanaryStep::Pause(Some(secs(600))),
            step_analysis(Analysis {
                error_rate_threshold: 0.005,
                compare_to_baseline: true,
                ..base.clone()
            }),
            CanaryStep::SetCanaryScale(CanaryScale::Weight(50)),
            CanaryStep::SetWeight(25),
            CanaryStep::Pause(None),
            CanaryStep::SetCanaryScale(CanaryScale::MatchTrafficWeight),
            CanaryStep::SetWeight(50),
            step_analysis(Analysis {
                interval: secs(30),
                count: Some(10),
                failure_limit: 2,
                ..base.clone()
            }),
        ]
    );
    // Background analysis runs until the rollout ends unless given a count.
    assert_eq!(
        c.background_analysis,
        Some(BackgroundAnalysis {
            starting_step: 4,
            analysis: Analysis {
                error_rate_threshold: 0.05,
                min_requests: 20,
                ..base.clone()
            }
        })
    );
    assert_eq!(
        (c.scale_down_delay, c.abort_scale_down_delay),
        (secs(60), secs(10))
    );
    let basic = canary(&s, 1);
    assert!(!basic.traffic_routing && !basic.auto_rollback);
    assert_eq!(
        (basic.max_surge, basic.max_unavailable),
        (IntOrPercent::Int(1), IntOrPercent::Int(0))
    );
    let background = basic.background_analysis.as_ref().expect("background");
    assert_eq!(
        (background.starting_step, background.analysis.count),
        (0, Some(20))
    );
}

#[test]
fn flagger_canary_spells_out_its_weights() {
    let s = load_good("canary-flagger");
    let flagger = |i| match &canary(&s, i).plan {
        CanaryPlan::Flagger(f) => f.clone(),
        other => panic!("{other:?}"),
    };
    let base = s.observability.analysis.clone();
    assert_eq!(base.on_no_data, OnNoData::Inconclusive);
    // Flagger counts a check without data as failed, and has no floor of
    // requests: any data is judged.
    let checks = Analysis {
        on_no_data: OnNoData::Fail,
        min_requests: 1,
        ..base.clone()
    };
    assert_eq!(
        flagger(0),
        Flagger {
            interval: secs(30),
            threshold: 3,
            // stepWeight 20 below maxWeight 50: 20, 40, then 60, where it promotes.
            max_weight: 60,
            step_weights: vec![20, 40, 60],
            mirror_weight: Some(100),
            analysis: Analysis {
                interval: secs(30),
                latency_p99_threshold: SimDuration::from_millis(250),
                ..checks.clone()
            },
        }
    );
    let weights = flagger(1);
    assert_eq!(weights.step_weights, [1, 5, 10, 25, 50, 80]);
    assert_eq!(weights.max_weight, 80);
    assert_eq!(weights.mirror_weight, Some(30));
    assert_eq!(weights.analysis.on_no_data, OnNoData::Inconclusive);
    let defaults = flagger(2);
    // Flagger's defaults: maxWeight 100, threshold 1.
    assert_eq!(
        defaults.step_weights,
        [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    );
    assert_eq!((defaults.threshold, defaults.mirror_weight), (1, None));
    assert_eq!(defaults.analysis, checks);
    assert!(canary(&s, 2).background_analysis.is_none());
}

/// The minimal good file's keys before `strategies`, then `rest`.
fn minimal_with(rest: &str) -> String {
    let text = std::fs::read_to_string(Path::new(GOOD).join("minimal.yaml")).expect("minimal");
    let head = &text[..text.find("strategies:").expect("strategies")];
    format!("{head}{rest}")
}

#[test]
fn schema_file_reads_every_key() {
    let s = load_good("schema");
    assert_eq!(
        s.schema_change,
        Some(SchemaChange {
            kind: SchemaKind::ExpandContract,
            apply: SchemaApply::BeforeRollout,
            duration: Dist::lognormal(300e3, 2_400e3),
            lock: Some(LockImpact {
                error_rate: 0.005,
                added_ms: 120.0
            }),
            reversible: true,
            restore_from_backup: Dist::lognormal(2_700e3, 10_800e3),
            contract_delay: secs(48 * 3600),
        })
    );
    assert!(!s.service.image.old_image_cached);
    let limits: Vec<u32> = s
        .strategies
        .iter()
        .map(|s| s.revision_history_limit)
        .collect();
    assert_eq!(limits, [3, 0, 2, 10]);
    assert_eq!(
        s.release.redeploy_time,
        Dist::Uniform {
            min: 600e3,
            max: 2_400e3
        }
    );
}

#[test]
fn schema_change_defaults_follow_its_kind() {
    let with = |block: &str| {
        let text = minimal_with(&format!(
            "schemaChange: {block}\nstrategies:\n  - {{ name: rolling, type: RollingUpdate }}\n"
        ));
        let s = scenario::parse(&text, "schema.yaml").unwrap_or_else(|e| panic!("{e}"));
        s.schema_change
    };
    assert_eq!(with("{ kind: none }"), None);
    let additive = SchemaChange {
        kind: SchemaKind::Additive,
        apply: SchemaApply::BeforeRollout,
        duration: Dist::Fixed(2e3),
        lock: None,
        reversible: false,
        restore_from_backup: Dist::lognormal(3_600e3, 28_800e3),
        contract_delay: secs(24 * 3600),
    };
    assert_eq!(with("{ kind: additive }"), Some(additive.clone()));
    // A table rewrite: lognormal median 10m, p95 2h (CALIBRATION §7).
    let rewrite = Dist::lognormal(600e3, 7_200e3);
    for (kind, model) in [
        ("breaking", SchemaKind::Breaking),
        ("expandContract", SchemaKind::ExpandContract),
    ] {
        let change = with(&format!("{{ kind: {kind} }}"));
        assert_eq!(
            change,
            Some(SchemaChange {
                kind: model,
                duration: rewrite.clone(),
                ..additive.clone()
            })
        );
    }
    let locked = with("{ kind: breaking, apply: afterRollout, lock: {} }").expect("a change");
    assert_eq!(
        (locked.apply, locked.lock),
        (
            SchemaApply::AfterRollout,
            Some(LockImpact {
                error_rate: 0.0,
                added_ms: 0.0
            })
        )
    );
}

#[test]
fn analyses_inherit_count_and_on_no_data_when_set() {
    let text = minimal_with(
        "observability: { analysis: { count: 7, onNoData: pass, minRequests: 50 } }
strategies:
  - { name: bg, type: BlueGreen, postPromotionAnalysis: true }
  - { name: argo, type: Canary, steps: [{ analysis: {} }], analysis: {} }
  - { name: flagger, type: Canary, trafficRouting: true, analysis: { stepWeight: 30, maxWeight: 80 } }
",
    );
    let s = scenario::parse(&text, "inherit.yaml").unwrap_or_else(|e| panic!("{e}"));
    let post = blue_green(&s, 0).post_promotion_analysis.as_ref();
    assert_eq!(
        post.map(|a| (a.count, a.on_no_data)),
        Some((Some(7), OnNoData::Pass))
    );
    let argo = canary(&s, 1);
    let CanaryPlan::Steps(steps) = &argo.plan else {
        panic!("steps")
    };
    let CanaryStep::Analysis(step) = &steps[0] else {
        panic!("analysis step")
    };
    assert_eq!(step.count, Some(7));
    let background = argo.background_analysis.as_ref().map(|b| b.analysis.count);
    assert_eq!(background, Some(Some(7)));
    let CanaryPlan::Flagger(f) = &canary(&s, 2).plan else {
        panic!("flagger")
    };
    // An explicit team-wide onNoData wins over Flagger's own default (fail).
    assert_eq!(f.analysis.on_no_data, OnNoData::Pass);
    // So does an explicit minRequests (Flagger itself has no such floor).
    assert_eq!(f.analysis.min_requests, 50);
    // Flagger steps past maxWeight: 60 < 80, so 90 is next (and the last).
    assert_eq!(f.step_weights, [30, 60, 90]);
}

#[test]
fn flagger_max_weight_is_the_last_step_weight() {
    let rest = |max: &str| {
        minimal_with(&format!(
            "strategies:\n  - {{ name: f, type: Canary, trafficRouting: true, analysis: {{ stepWeights: [10, 40], {max} }} }}\n"
        ))
    };
    let s = scenario::parse(&rest("maxWeight: 40"), "ok.yaml").unwrap_or_else(|e| panic!("{e}"));
    let CanaryPlan::Flagger(f) = &canary(&s, 0).plan else {
        panic!("flagger")
    };
    assert_eq!(
        (f.max_weight, f.step_weights.as_slice()),
        (40, &[10, 40][..])
    );
    let err = scenario::parse(&rest("maxWeight: 50"), "bad.yaml").expect_err("50 is not 40");
    assert_eq!(err.key_path, "strategies[0].analysis.maxWeight");
    assert!(
        err.message.contains("the last of stepWeights (40)"),
        "{err}"
    );
}

#[test]
fn anchors_and_aliases_may_share_values() {
    let text = std::fs::read_to_string(Path::new(GOOD).join("minimal.yaml")).expect("minimal");
    let text = text
        + "observability:\n  humanResponse:\n    ack: &slow { lognormal: { median: 5m, p95: 30m } }\n    decide: *slow\n";
    let s = scenario::parse(&text, "aliases.yaml").unwrap_or_else(|e| panic!("{e}"));
    let h = &s.observability.human_response;
    assert_eq!(
        (&h.ack, &h.decide),
        (
            &Dist::lognormal(300e3, 1_800e3),
            &Dist::lognormal(300e3, 1_800e3)
        )
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

    /// A good file with a piece cut out and random YAML punctuation put in:
    /// never a panic, every error names the file, and whatever still parses
    /// survives render and parse unchanged.
    #[test]
    fn mangled_files_never_panic(
        stem in proptest::sample::select(GOOD_FILES),
        at in proptest::prelude::any::<proptest::sample::Index>(),
        cut in 0usize..12,
        insert in "[a-z0-9 \n\t:,.%&*!#'\"{}\\[\\]-]{0,6}",
    ) {
        let text = std::fs::read_to_string(Path::new(GOOD).join(format!("{stem}.yaml"))).expect("good file");
        let mut start = at.index(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let end = (start + cut).min(text.len());
        let end = (end..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
        let mangled = format!("{}{insert}{}", &text[..start], &text[end..]);
        match scenario::parse(&mangled, "m.yaml") {
            Ok(s) => {
                let again = scenario::parse(&scenario::render(&s), "r.yaml");
                proptest::prop_assert_eq!(again, Ok(s));
            }
            Err(e) => proptest::prop_assert!(e.to_string().starts_with("m.yaml"), "{}", e),
        }
    }
}
