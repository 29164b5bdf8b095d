//! Argo Rollouts' own unit-test tables for its replica arithmetic
//! (argoproj/argo-rollouts utils/replicaset: canary_test.go,
//! replicaset_test.go, bluegreen_test.go), kept as data in
//! tests/data/peer/argo_canary_cases.json, run against
//! `deploysim::strategy::argo`. Every case of every table runs, and each
//! table's case count is asserted so a table that goes missing or empty fails.
//!
//! Mapping the upstream inputs to our types:
//! - maxSurge / maxUnavailable: a number is an absolute count, `null` is
//!   unset; a string is a percent with or without "%" (Argo parses "1" as 1%).
//! - An upstream step may carry both `setWeight` and `setCanaryScale`; ours
//!   carry one each, so such a step becomes two consecutive steps and
//!   `currentStepIndex` points at the last of them (both are looked up
//!   backwards from the current step, so this is equivalent). A
//!   `setCanaryScale` with neither replicas, weight nor matchTrafficWeight
//!   (only in the AtDesiredReplicaCountsForCanary table, where it is ignored
//!   anyway for lack of a router) becomes no step.
//! - `status.stableRS` empty or equal to `status.currentPodHash` is
//!   `stable_is_current`; a stable and canary ReplicaSet of the same name is
//!   `stable_is_canary`; an unset `spec.replicas` is 1 (`GetReplicasOrDefault`).
//!
//! Cases our types cannot express are still counted and checked for the
//! outcome upstream expects: the two invalid-string cases of
//! resolveFenceposts ("oops", "urg" are not an `IntOrPercent`; our scenario
//! parser rejects them) and the "no strategy" cases of NewRSNewReplicas and
//! ReadyForPause (an error / false upstream; our blue-green functions always
//! have a strategy).

use deploysim::scenario::{CanaryScale, CanaryStep, IntOrPercent};
use deploysim::strategy::argo::*;
use serde_json::Value;

fn table(function: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/peer/argo_canary_cases.json"
    ))
    .expect("fixture present");
    let all: Vec<Value> = serde_json::from_str(&text).expect("fixture is JSON");
    let t = all
        .iter()
        .find(|t| t["function"] == function)
        .unwrap_or_else(|| panic!("table {function} present"));
    t["cases"].as_array().expect("cases").clone()
}

/// Runs `check` on every case of `function`'s table and asserts how many
/// there were.
fn run(function: &str, expected_cases: usize, mut check: impl FnMut(&str, &Value, &Value)) {
    let cases = table(function);
    for c in &cases {
        let name = format!("{function}: {}", c["name"].as_str().expect("name"));
        check(&name, &c["inputs"], &c["expected"]);
    }
    assert_eq!(cases.len(), expected_cases, "{function}: number of cases");
}

fn u(v: &Value) -> u32 {
    u32::try_from(v.as_u64().expect("count")).expect("fits u32")
}

fn opt_u(v: &Value) -> Option<u32> {
    (!v.is_null()).then(|| u(v))
}

fn flag(v: &Value) -> bool {
    v.as_bool().unwrap_or(false)
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// An upstream IntOrString: `Err` for a string Argo cannot parse.
fn int_or_percent(v: &Value) -> Result<Option<IntOrPercent>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(_) => Ok(Some(IntOrPercent::Int(u(v)))),
        Value::String(s) => s
            .trim_end_matches('%')
            .parse()
            .map(|p| Some(IntOrPercent::Percent(p)))
            .map_err(|e| format!("{s:?}: {e}")),
        other => panic!("unexpected {other}"),
    }
}

fn fence(v: &Value) -> Option<IntOrPercent> {
    int_or_percent(v).expect("valid IntOrString")
}

fn canary_scale(v: &Value) -> Option<CanaryScale> {
    if v.is_null() {
        None
    } else if flag(&v["matchTrafficWeight"]) {
        Some(CanaryScale::MatchTrafficWeight)
    } else if let Some(n) = opt_u(&v["replicas"]) {
        Some(CanaryScale::Replicas(n))
    } else {
        opt_u(&v["weight"]).map(CanaryScale::Weight)
    }
}

/// Upstream steps as ours, and the index of the step `current` (a JSON
/// index; past the end stays past the end) becomes.
fn steps(json: &Value, current: u32) -> (Vec<CanaryStep>, u32) {
    let mut out = Vec::new();
    let mut index = None;
    for (i, s) in json
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        if let Some(scale) = canary_scale(&s["setCanaryScale"]) {
            out.push(CanaryStep::SetCanaryScale(scale));
        }
        if let Some(w) = opt_u(&s["setWeight"]) {
            out.push(CanaryStep::SetWeight(w));
        }
        if i == current as usize {
            index = Some(out.len().saturating_sub(1));
        }
    }
    let index = index.unwrap_or(out.len());
    (out, u32::try_from(index).expect("small"))
}

fn rs(v: &Value) -> Option<ReplicaSetCounts> {
    (!v.is_null()).then(|| {
        let spec = opt_u(&v["specReplicas"]).unwrap_or(1);
        ReplicaSetCounts {
            spec,
            available: u(&v["availableReplicas"]),
            created: opt_u(&v["statusReplicas"]).unwrap_or(spec),
        }
    })
}

fn weights(v: &Value) -> Option<TrafficWeights> {
    (!v.is_null()).then(|| TrafficWeights {
        canary: u(&v["canary"]),
        stable: u(&v["stable"]),
    })
}

/// The rollout of a canary_test.go case (fields a table lacks keep
/// upstream's defaults).
fn rollout<'a>(i: &Value, steps: &'a [CanaryStep], current: u32) -> CanaryRollout<'a> {
    let stable_rs = text(&i["statusStableRS"]);
    let mut ro = CanaryRollout::new(opt_u(&i["rolloutSpecReplicas"]).unwrap_or(10), steps);
    ro.current_step_index = current;
    ro.max_surge = fence(&i["maxSurge"]);
    ro.max_unavailable = fence(&i["maxUnavailable"]);
    ro.traffic_routing = flag(&i["trafficRouting"]);
    ro.dynamic_stable_scale = flag(&i["dynamicStableScale"]);
    ro.min_pods_per_replica_set = opt_u(&i["minPodsPerReplicaSet"]);
    ro.abort_scale_down_delay_seconds = opt_u(&i["abortScaleDownDelaySeconds"]);
    ro.promote_full = flag(&i["promoteFull"]);
    ro.abort = flag(&i["statusAbort"]);
    ro.stable_is_current = stable_rs.is_empty() || text(&i["statusCurrentPodHash"]) == stable_rs;
    ro
}

/// Steps of a case given as `steps` (or as a lone `setWeight` /
/// `setCanaryScale`), with the current step mapped.
fn case_steps(i: &Value) -> (Vec<CanaryStep>, u32) {
    let current = opt_u(&i["currentStepIndex"]).unwrap_or(0);
    if i["steps"].is_null() && !i["setWeight"].is_null() {
        let step = serde_json::json!([{
            "setWeight": i["setWeight"],
            "setCanaryScale": i["setCanaryScale"],
        }]);
        return steps(&step, current);
    }
    steps(&i["steps"], current)
}

/// ReplicaSets of a CalculateReplicaCountsFor*Canary case.
fn calc_replica_sets(i: &Value) -> (Option<ReplicaSetCounts>, Option<ReplicaSetCounts>, bool) {
    let counts = |spec: &Value, avail: &Value| ReplicaSetCounts {
        spec: u(spec),
        available: u(avail),
        created: u(spec),
    };
    let canary = flag(&i["canaryRSPassed"])
        .then(|| counts(&i["canarySpecReplica"], &i["canaryAvailableReplica"]));
    let stable = flag(&i["stableRSPassed"])
        .then(|| counts(&i["stableSpecReplica"], &i["stableAvailableReplica"]));
    let same = text(&i["stableRSName"]) == text(&i["canaryRSName"]);
    (canary, stable, same)
}

fn older(i: &Value) -> Vec<ReplicaSetCounts> {
    match &i["olderRS"] {
        Value::Null => Vec::new(),
        v => vec![rs(v).expect("older RS")],
    }
}

fn assert_pair(name: &str, e: &Value, (canary, stable): (u32, u32)) {
    let mut asserted = 0;
    if let Some(want) = e["expectedCanaryReplicaCount"].as_u64() {
        assert_eq!(u64::from(canary), want, "{name}: canary");
        asserted += 1;
    }
    if let Some(want) = e["expectedStableReplicaCount"].as_u64() {
        assert_eq!(u64::from(stable), want, "{name}: stable");
        asserted += 1;
    }
    assert!(asserted > 0, "{name}: nothing to assert");
}

#[test]
fn calculate_replica_counts_for_basic_canary_table() {
    run("CalculateReplicaCountsForBasicCanary", 36, |name, i, e| {
        let (steps, current) = case_steps(i);
        let ro = rollout(i, &steps, current);
        assert!(!ro.traffic_routing, "{name}: basic canary");
        let (canary, stable, stable_is_canary) = calc_replica_sets(i);
        let older = older(i);
        let sets = CanaryReplicaSets {
            canary,
            stable,
            stable_is_canary,
            older: &older,
        };
        assert_pair(
            name,
            e,
            calculate_replica_counts_for_basic_canary(&ro, &sets),
        );
    });
}

#[test]
fn calculate_replica_counts_for_traffic_routed_canary_table() {
    run(
        "CalculateReplicaCountsForTrafficRoutedCanary",
        17,
        |name, i, e| {
            let (steps, current) = case_steps(i);
            let ro = rollout(i, &steps, current);
            assert!(ro.traffic_routing, "{name}: traffic routing");
            let (canary, stable, stable_is_canary) = calc_replica_sets(i);
            let sets = CanaryReplicaSets {
                canary,
                stable,
                stable_is_canary,
                older: &[],
            };
            let got = calculate_replica_counts_for_traffic_routed_canary(
                &ro,
                &sets,
                weights(&i["weights"]),
            );
            assert_pair(name, e, got);
        },
    );
}

#[test]
fn approximate_weighted_canary_stable_replica_counts_table() {
    run(
        "approximateWeightedCanaryStableReplicaCounts",
        57,
        |name, i, e| {
            let got = approximate_weighted_canary_stable_replica_counts(
                u(&i["replicas"]),
                u(&i["weight"]),
                u(&i["maxWeight"]),
                u(&i["maxSurge"]),
            );
            assert_eq!(got, (u(&e["expCanary"]), u(&e["expStable"])), "{name}");
        },
    );
}

#[test]
fn traffic_weight_to_replicas_table() {
    run("trafficWeightToReplicas", 7, |name, i, e| {
        let got =
            traffic_weight_to_replicas(u(&i["replicas"]), u(&i["weight"]), u(&i["maxWeight"]));
        assert_eq!(got, u(&e["replicas"]), "{name}");
    });
}

#[test]
fn get_replicas_for_scale_down_table() {
    run("GetReplicasForScaleDown", 4, |name, i, e| {
        let got = get_replicas_for_scale_down(rs(&i["rs"]), flag(&i["ignoreAvailability"]));
        assert_eq!(got, u(&e["want"]), "{name}");
    });
}

#[test]
fn get_desired_canary_weight_table() {
    run("GetDesiredCanaryWeight", 4, |name, i, e| {
        let (steps, current) = case_steps(i);
        let ro = rollout(i, &steps, current);
        assert!(
            ro.abort && ro.dynamic_stable_scale,
            "{name}: aborted, dynamic"
        );
        let sets = CanaryReplicaSets {
            canary: rs(&i["canaryRS"]),
            stable: rs(&i["stableRS"]),
            ..Default::default()
        };
        assert_eq!(
            get_desired_canary_weight(&ro, &sets),
            u(&e["expectedWeight"]),
            "{name}"
        );
    });
}

#[test]
fn get_canary_replicas_or_weight_table() {
    run("GetCanaryReplicasOrWeight", 4, |name, i, e| {
        let (steps, current) = case_steps(i);
        let ro = rollout(i, &steps, current);
        let got = get_canary_replicas_or_weight(&ro);
        assert_eq!(got, (opt_u(&e["replicas"]), u(&e["weight"])), "{name}");
    });
}

#[test]
fn get_current_set_weight_table() {
    run("GetCurrentSetWeight", 3, |name, i, e| {
        let (steps, current) = case_steps(i);
        let ro = rollout(i, &steps, current);
        assert_eq!(get_current_set_weight(&ro), u(&e["setWeight"]), "{name}");
    });
}

#[test]
fn at_desired_replica_counts_for_canary_table() {
    run("AtDesiredReplicaCountsForCanary", 5, |name, i, e| {
        let (steps, current) = case_steps(i);
        let ro = rollout(i, &steps, current);
        let older: Vec<_> = i["olderRSs"]
            .as_array()
            .expect("olderRSs")
            .iter()
            .filter_map(rs)
            .collect();
        let sets = CanaryReplicaSets {
            canary: rs(&i["newRS"]),
            stable: rs(&i["stableRS"]),
            stable_is_canary: false,
            older: &older,
        };
        let got = at_desired_replica_counts_for_canary(&ro, &sets, weights(&i["weights"]));
        assert_eq!(got, flag(&e["atDesiredReplicaCounts"]), "{name}");
    });
}

#[test]
fn replica_progress_threshold_met_table() {
    run("ReplicaProgressThresholdMet", 9, |name, i, e| {
        let t = &i["threshold"];
        let threshold = (!t.is_null()).then(|| {
            let value = i32::try_from(t["value"].as_i64().expect("value")).expect("i32");
            match text(&t["type"]) {
                "Pods" => ProgressThreshold::Pods(value),
                "Percentage" => ProgressThreshold::Percent(value),
                other => panic!("{name}: threshold type {other}"),
            }
        });
        let got = replica_progress_threshold_met(threshold, rs(&i["rs"]), u(&i["desired"]));
        assert_eq!(got, flag(&e["want"]), "{name}");
    });
}

#[test]
fn all_desired_are_available_table() {
    run("allDesiredAreAvailable", 5, |name, i, e| {
        let got = all_desired_are_available(rs(&i["rs"]), u(&i["desired"]));
        assert_eq!(got, flag(&e["want"]), "{name}");
    });
}

#[test]
fn resolve_fenceposts_table() {
    let mut invalid = 0;
    run("resolveFenceposts", 7, |name, i, e| {
        let parsed = int_or_percent(&i["maxSurge"])
            .and_then(|s| Ok((s, int_or_percent(&i["maxUnavailable"])?)));
        let Ok((surge, unavailable)) = parsed else {
            // Not an IntOrPercent: our scenario parser rejects the string.
            assert!(
                flag(&e["expectError"]),
                "{name}: unparsable but no error expected"
            );
            invalid += 1;
            return;
        };
        assert!(!flag(&e["expectError"]), "{name}: error expected");
        let f = resolve_fenceposts(surge, unavailable, u(&i["desired"]));
        assert_eq!(f.surge, u(&e["expectSurge"]), "{name}: surge");
        assert_eq!(
            f.unavailable,
            u(&e["expectUnavailable"]),
            "{name}: unavailable"
        );
    });
    assert_eq!(invalid, 2, "resolveFenceposts: invalid-string cases");
}

/// The strategy of a replicaset_test.go case, and its replicas (unset = 1).
fn strategy(i: &Value) -> (RolloutStrategy, u32) {
    let replicas = opt_u(&i["replicas"]).unwrap_or(1);
    let s = match text(&i["strategy"]) {
        "canary" => RolloutStrategy::Canary {
            max_surge: fence(&i["maxSurge"]),
            max_unavailable: fence(&i["maxUnavailable"]),
        },
        "blueGreen" => RolloutStrategy::BlueGreen {
            max_unavailable: fence(&i["maxUnavailable"]),
        },
        other => panic!("strategy {other:?}"),
    };
    (s, replicas)
}

#[test]
fn max_surge_table() {
    run("MaxSurge", 3, |name, i, e| {
        let (s, replicas) = strategy(i);
        assert_eq!(max_surge(&s, replicas), u(&e["expected"]), "{name}");
    });
}

#[test]
fn max_unavailable_table() {
    run("MaxUnavailable", 8, |name, i, e| {
        let (s, replicas) = strategy(i);
        assert_eq!(max_unavailable(&s, replicas), u(&e["expected"]), "{name}");
    });
}

/// A blue-green case: the rollout, which RS the active Service selects, and
/// whether the new RS's hash is already status.currentPodHash.
fn blue_green(i: &Value) -> (BlueGreenRollout, ActiveService, bool) {
    let ro = BlueGreenRollout {
        replicas: opt_u(&i["replicas"]).unwrap_or(1),
        preview_replica_count: opt_u(&i["previewReplicaCount"]),
        promote_full: flag(&i["promoteFull"]),
        paused: flag(&i["paused"]) || i["pauseConditions"].as_u64().unwrap_or(0) > 0,
        scale_up_preview_check_point: flag(&i["scaleUpPreviewCheckPoint"]),
    };
    let selector = text(&i["activeSelector"]);
    let known = i["allRSs"]
        .as_array()
        .is_some_and(|all| all.iter().any(|n| n.as_str() == Some(selector)));
    let new = text(&i["newRS"]);
    let active = if selector.is_empty() || !known {
        ActiveService::Unset
    } else if selector == new {
        ActiveService::NewRs
    } else {
        ActiveService::OtherRs
    };
    (ro, active, new == text(&i["statusCurrentPodHash"]))
}

#[test]
fn new_rs_new_replicas_table() {
    let mut no_strategy = 0;
    run("NewRSNewReplicas", 8, |name, i, e| {
        if i["strategy"].is_null() {
            // A rollout without a strategy: an error upstream, unrepresentable here.
            assert!(flag(&e["error"]), "{name}");
            no_strategy += 1;
            return;
        }
        assert_eq!(text(&i["strategy"]), "blueGreen", "{name}");
        let (ro, active, new_is_current) = blue_green(i);
        let got = new_rs_new_replicas(&ro, active, new_is_current);
        assert_eq!(got, u(&e["expectReplicaCount"]), "{name}");
    });
    assert_eq!(no_strategy, 1, "NewRSNewReplicas: no-strategy cases");
}

#[test]
fn ready_for_pause_table() {
    let mut no_strategy = 0;
    run("ReadyForPause", 3, |name, i, e| {
        if i["strategy"].is_null() {
            // No strategy and no new RS: never ready upstream, unrepresentable here.
            assert!(!flag(&e["ready"]), "{name}");
            no_strategy += 1;
            return;
        }
        let (ro, active, new_is_current) = blue_green(i);
        let new_rs = rs(&i["newRS"]).expect("new RS");
        let got = ready_for_pause(&ro, active, new_is_current, new_rs);
        assert_eq!(got, flag(&e["ready"]), "{name}");
    });
    assert_eq!(no_strategy, 1, "ReadyForPause: no-strategy cases");
}
