//! Kubernetes' own unit-test tables for the Deployment controller's replica
//! arithmetic (kubernetes/kubernetes pkg/controller/deployment:
//! util/deployment_util_test.go and rolling_test.go), kept as data in
//! tests/data/peer/k8s_deployment_cases.json, run against our functions.
//!
//! Not covered: the invalid-string cases of ResolveFenceposts (our scenario
//! parser rejects such strings; see the bad-input tests) and proportional
//! scaling / GetReplicaCount (the simulator never changes `replicas`
//! mid-rollout).

use deploysim::cluster::Counts;
use deploysim::scenario::IntOrPercent;
use deploysim::strategy::complete;
use deploysim::strategy::rolling::*;
use serde_json::Value;

fn table(function: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/peer/k8s_deployment_cases.json"
    ))
    .expect("fixture present");
    let all: Vec<Value> = serde_json::from_str(&text).expect("fixture is JSON");
    let t = all
        .iter()
        .find(|t| t["function"] == function)
        .expect("table present");
    t["cases"].as_array().expect("cases").clone()
}

fn int_or_percent(v: &Value) -> IntOrPercent {
    match v {
        Value::Null => IntOrPercent::Int(0),
        Value::Number(n) => IntOrPercent::Int(n.as_u64().expect("non-negative") as u32),
        Value::String(s) => {
            IntOrPercent::Percent(s.trim_end_matches('%').parse().expect("percent"))
        }
        other => panic!("unexpected {other}"),
    }
}

fn u(v: &Value) -> u32 {
    v.as_u64().expect("count") as u32
}

fn fence(c: &Value, replicas: u32) -> Fenceposts {
    resolve_fenceposts(
        int_or_percent(&c["maxSurge"]),
        int_or_percent(&c["maxUnavailable"]),
        replicas,
    )
}

#[test]
fn resolve_fenceposts_table() {
    let mut n = 0;
    for c in table("ResolveFenceposts") {
        let (i, e) = (&c["inputs"], &c["expected"]);
        if e["expectError"] == true {
            continue;
        }
        let f = fence(i, u(&i["desired"]));
        assert_eq!(f.surge, u(&e["expectSurge"]), "{}", c["name"]);
        assert_eq!(f.unavailable, u(&e["expectUnavailable"]), "{}", c["name"]);
        n += 1;
    }
    assert_eq!(n, 5);
}

#[test]
fn max_unavailable_and_min_available_tables() {
    for (function, min) in [("MaxUnavailable", false), ("MinAvailable", true)] {
        for c in table(function) {
            let (i, e) = (&c["inputs"], u(&c["expected"]["expected"]));
            if i["strategyType"] == "Recreate" {
                // Recreate has no fenceposts: both are 0 by definition.
                assert_eq!(e, 0, "{}", c["name"]);
                continue;
            }
            let r = u(&i["replicas"]);
            let f = fence(i, r);
            let got = if min {
                min_available(f, r)
            } else {
                max_unavailable(f, r)
            };
            assert_eq!(got, e, "{function}: {}", c["name"]);
        }
    }
}

#[test]
fn new_rs_new_replicas_table() {
    for c in table("NewRSNewReplicas") {
        let (i, e) = (&c["inputs"], u(&c["expected"]["expected"]));
        let r = u(&i["depReplicas"]);
        if i["strategyType"] == "Recreate" {
            assert_eq!(
                e, r,
                "Recreate scales the new ReplicaSet straight to replicas"
            );
            continue;
        }
        let all: u32 = i["allRSsReplicas"].as_array().unwrap().iter().map(u).sum();
        let surge = u(&i["maxSurge"]);
        assert_eq!(
            new_rs_new_replicas(r, surge, u(&i["newRSReplicas"]), all),
            e,
            "{}",
            c["name"]
        );
    }
}

#[test]
fn deployment_complete_table() {
    for c in table("DeploymentComplete") {
        let (i, e) = (&c["inputs"], c["expected"]["expected"].as_bool().unwrap());
        let (desired, current, updated) = (u(&i["desired"]), u(&i["current"]), u(&i["updated"]));
        let new = Counts {
            active: updated,
            available: u(&i["available"]),
            ..Counts::default()
        };
        let old = Counts {
            active: current - updated,
            ..Counts::default()
        };
        let spec = [current - updated, updated];
        assert_eq!(
            complete(
                desired,
                deploysim::cluster::Version::New,
                &spec,
                &[old, new]
            ),
            e,
            "{}",
            c["name"]
        );
    }
}

#[test]
fn reconcile_new_replica_set_table() {
    for c in table("DeploymentController.reconcileNewReplicaSet") {
        let (i, e) = (&c["inputs"], &c["expected"]);
        let r = u(&i["deploymentReplicas"]);
        let f = fence(i, r);
        let new = u(&i["newReplicas"]);
        let got = reconcile_new(r, f.surge, new, u(&i["oldReplicas"]));
        assert_eq!(got != new, e["scaleExpected"] == true, "{}", c["name"]);
        if let Some(want) = e["expectedNewReplicas"].as_u64() {
            assert_eq!(got, want as u32, "{}", c["name"]);
        }
    }
}

#[test]
fn reconcile_old_replica_sets_table() {
    for c in table("DeploymentController.reconcileOldReplicaSets") {
        let (i, e) = (&c["inputs"], &c["expected"]);
        let r = u(&i["deploymentReplicas"]);
        let f = fence(i, r);
        let old = u(&i["oldReplicas"]);
        let got = reconcile_old(
            r,
            max_unavailable(f, r),
            u(&i["newReplicas"]),
            u(&i["readyPodsFromNewRS"]),
            old,
            u(&i["readyPodsFromOldRS"]),
        );
        assert_eq!(got != old, e["scaleExpected"] == true, "{}", c["name"]);
        // Upstream never checks expectedOldReplicas; we do.
        if let Some(want) = e["expectedOldReplicas"].as_u64() {
            assert_eq!(got, want as u32, "{}", c["name"]);
        }
    }
}

#[test]
fn cleanup_unhealthy_replicas_table() {
    for c in table("DeploymentController.cleanupUnhealthyReplicas") {
        let (i, e) = (&c["inputs"], u(&c["expected"]["cleanupCountExpected"]));
        let got = cleanup_unhealthy(
            u(&i["oldReplicas"]),
            u(&i["readyPods"]),
            u(&i["maxCleanupCount"]),
        );
        assert_eq!(got, e, "{}", c["name"]);
    }
}

#[test]
fn scale_down_old_replica_sets_for_rolling_update_table() {
    for c in table("DeploymentController.scaleDownOldReplicaSetsForRollingUpdate") {
        let (i, e) = (&c["inputs"], &c["expected"]);
        let r = u(&i["deploymentReplicas"]);
        let f = fence(i, r);
        let old = u(&i["oldReplicas"]);
        let got = scale_down_old(min_available(f, r), u(&i["readyPods"]), old);
        assert_eq!(got != old, e["scaleExpected"] == true, "{}", c["name"]);
        if let Some(want) = e["expectedOldReplicas"].as_u64() {
            assert_eq!(got, want as u32, "{}", c["name"]);
        }
    }
}
