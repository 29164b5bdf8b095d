//! `merge` refuses shards whose numbers contradict themselves (issue 19,
//! item 6): each case edits real shards of `internal-api` the way a
//! damaged or hand-edited file would read, and expects exit 2 and one line
//! naming the file and the field. That valid shards still merge into the
//! single run's summary, byte for byte, is `scale.rs`'s first test.

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2Serializer};
use serde_json::Value;

use crate::common::{Scratch, bad_input, ok};

const INTERNAL: &str = "scenarios/internal-api.yaml";

/// The shards 0..n of `internal-api`, `runs` trials, in one scratch
/// directory. With half the trials bad (the scenario's stratified
/// sampling), trial i's release is bad when i is odd: of 2 shards, shard 0
/// holds only good releases and shard 1 only bad ones.
struct Shards {
    dir: Scratch,
    files: Vec<String>,
}

impl Shards {
    fn new(name: &str, runs: u64, n: u64) -> Shards {
        let dir = Scratch::new(name);
        let runs = runs.to_string();
        let files = (0..n)
            .map(|i| {
                let out = dir.join(&format!("s{i}"));
                let shard = format!("{i}/{n}");
                ok(&[
                    "run", INTERNAL, "--runs", &runs, "--shard", &shard, "--out", &out,
                ]);
                format!("{out}/shard.json")
            })
            .collect();
        Shards { dir, files }
    }

    /// Edits shard `i`'s file with `edit`.
    fn edit(&self, i: usize, edit: impl FnOnce(&mut Value)) {
        let path = &self.files[i];
        let text = std::fs::read_to_string(path).expect("shard.json");
        let mut json: Value = serde_json::from_str(&text).expect("JSON");
        edit(&mut json);
        std::fs::write(path, serde_json::to_string_pretty(&json).expect("JSON")).expect("write");
    }

    /// Edits every shard's file with `edit`.
    fn edit_all(&self, edit: impl Fn(&mut Value)) {
        for i in 0..self.files.len() {
            self.edit(i, &edit);
        }
    }

    /// `merge` of the shards is refused, naming shard `i`'s file, the field
    /// `at` and saying `says`; nothing is written.
    fn refused(&self, i: usize, at: &str, says: &str) {
        let out = self.dir.join("merged");
        let mut args = vec!["merge", "--out", &out];
        args.extend(self.files.iter().map(String::as_str));
        let e = bad_input(&args);
        let file = &self.files[i];
        assert!(
            e.contains(&format!("{file}: damaged shard file: {at}")) && e.contains(says),
            "expected {file}: … {at}: … {says}; got {e}"
        );
        assert!(!std::path::Path::new(&out).exists(), "merge wrote output");
    }
}

/// Strategy `k`'s record of its good or bad releases' trials.
fn stratum<'a>(json: &'a mut Value, k: usize, key: &str) -> &'a mut Value {
    &mut json["points"][0]["strategies"][k][key]
}

/// A decimal u128 field (`sum`, `sum_sq`).
fn big(v: &Value) -> u128 {
    v.as_str()
        .expect("a decimal string")
        .parse()
        .expect("a u128")
}

/// Every outcome count of `stratum` 0, and `n` trials of `outcome`.
fn only(stratum: &mut Value, outcome: &str, n: u64) {
    let outcomes = stratum["outcomes"].as_object_mut().expect("outcomes");
    for count in outcomes.values_mut() {
        *count = 0.into();
    }
    outcomes[outcome] = n.into();
}

/// Strategy `k`'s good and bad records, swapped: its trials moved from one
/// stratum to the other, with their outcomes first made `stalled` (an
/// outcome of either).
fn swap_strata(json: &mut Value, k: usize) {
    let rec = &mut json["points"][0]["strategies"][k];
    for key in ["good", "bad"] {
        let trials: u64 = rec[key]["outcomes"]
            .as_object()
            .expect("outcomes")
            .values()
            .map(|n| n.as_u64().expect("a count"))
            .sum();
        only(&mut rec[key], "stalled", trials);
    }
    let good = rec["good"].take();
    rec["good"] = rec["bad"].take();
    rec["bad"] = good;
}

#[test]
fn a_mean_outside_min_and_max_is_refused() {
    let s = Shards::new("mean-above", 40, 2);
    s.edit(1, |json| {
        let m = &mut stratum(json, 2, "bad")["metrics"][0];
        m["sum"] = (big(&m["sum"]) * 1_000_000).to_string().into();
    });
    s.refused(
        1,
        "points[0].strategies[2].bad.metrics[0] (failed_requests): mean ",
        "is above max",
    );

    let s = Shards::new("mean-below", 40, 2);
    s.edit(1, |json| {
        let m = &mut stratum(json, 0, "bad")["metrics"][1];
        assert!(m["min"].as_u64() > Some(0), "a metric whose min is above 0");
        m["sum"] = "0".into();
    });
    s.refused(
        1,
        "points[0].strategies[0].bad.metrics[1] (affected_users): mean 0 is below min",
        "",
    );
}

#[test]
fn a_sum_of_squares_its_values_cannot_have_is_refused() {
    let s = Shards::new("sum-sq-low", 40, 2);
    s.edit(1, |json| {
        stratum(json, 2, "bad")["metrics"][0]["sum_sq"] = "0".into()
    });
    s.refused(
        1,
        "points[0].strategies[2].bad.metrics[0] (failed_requests): sum_sq 0 is below sum²/count",
        "the least 20 values of sum",
    );

    let s = Shards::new("sum-sq-high", 40, 2);
    s.edit(0, |json| {
        let m = &mut stratum(json, 1, "good")["metrics"][9];
        assert_eq!(m["metric"], "extra_pod_hours");
        m["sum_sq"] = (big(&m["sum_sq"]) * 1000).to_string().into();
    });
    s.refused(
        0,
        "points[0].strategies[1].good.metrics[9] (extra_pod_hours): sum_sq ",
        "the most 20 values from",
    );

    // Shard 1 has no good release: its good metrics have no values.
    let s = Shards::new("sum-sq-empty", 40, 2);
    s.edit(1, |json| {
        let m = &mut stratum(json, 0, "good")["metrics"][0];
        assert_eq!(m["count"], 0);
        m["sum_sq"] = "5".into();
    });
    s.refused(
        1,
        "points[0].strategies[0].good.metrics[0] (failed_requests): no values, but sum 0 and sum_sq 5",
        "",
    );
}

#[test]
fn an_outcome_its_release_cannot_end_in_is_refused() {
    let s = Shards::new("outcome-bad", 40, 2);
    s.edit(1, |json| {
        let outcomes = &mut stratum(json, 0, "bad")["outcomes"];
        let incidents = outcomes["incident"].as_u64().expect("a count");
        assert!(incidents > 0, "an incident to move");
        outcomes["incident"] = (incidents - 1).into();
        outcomes["succeeded"] = 1.into();
    });
    s.refused(
        1,
        "points[0].strategies[0].bad.outcomes.succeeded: 1",
        "no trial of a bad release ends in succeeded",
    );

    let s = Shards::new("outcome-good", 40, 2);
    s.edit(0, |json| {
        let outcomes = &mut stratum(json, 1, "good")["outcomes"];
        let succeeded = outcomes["succeeded"].as_u64().expect("a count");
        outcomes["succeeded"] = (succeeded - 2).into();
        outcomes["rolled_back"] = 2.into();
    });
    s.refused(
        0,
        "points[0].strategies[1].good.outcomes.rolled_back: 2",
        "no trial of a good release ends in rolled_back",
    );
}

#[test]
fn a_metric_counting_other_than_its_trials_is_refused() {
    // Every trial has a failed_requests: here it has rollback_time_s's
    // values (at the same scale, its histogram with them), none of a good
    // release.
    let s = Shards::new("count-every", 40, 2);
    s.edit(0, |json| {
        let metrics = &mut stratum(json, 0, "good")["metrics"];
        let mut rollback = metrics[5].clone();
        assert_eq!(rollback["metric"], "rollback_time_s");
        rollback["metric"] = "failed_requests".into();
        metrics[0] = rollback;
    });
    s.refused(
        0,
        "points[0].strategies[0].good.metrics[0] (failed_requests): 0 values from 20 trials",
        "but every trial has one",
    );

    // Bad releases' trials moved to the good stratum, with their times to
    // detect.
    let s = Shards::new("count-good", 40, 2);
    s.edit(1, |json| {
        for k in 0..3 {
            swap_strata(json, k);
        }
        let detect = &stratum(json, 0, "good")["metrics"][4];
        assert!(detect["count"].as_u64() > Some(0), "{detect}");
    });
    s.refused(
        1,
        "points[0].strategies[0].good.metrics[4] (time_to_detect_s): ",
        "values, but only a trial of a bad release has one",
    );
}

#[test]
fn strata_other_than_the_releases_are_refused() {
    // One strategy's trials moved to the other stratum, outcomes and
    // metrics with them: it did not meet the releases the others met.
    let s = Shards::new("strata-one", 40, 2);
    s.edit(0, |json| swap_strata(json, 1));
    s.refused(
        0,
        "points[0].strategies[1].good.outcomes: 0 trials, but strategies[0].good has 20",
        "every strategy meets the same releases",
    );

    // Every strategy's: the scenario's sampling makes shard 0's releases good.
    let s = Shards::new("strata-all", 40, 2);
    s.edit(0, |json| {
        for k in 0..3 {
            swap_strata(json, k);
        }
    });
    s.refused(
        0,
        "points[0].strategies[0].bad.outcomes: 20 trials, but 0 of shard 0/2's trials of 40",
        "carry a bad release",
    );
}

/// `count` values of `value`, as a shard writes a histogram: V2,
/// uncompressed, in standard base64.
fn histogram(value: u64, count: u64) -> String {
    let mut h = Histogram::<u64>::new(3).expect("a histogram");
    h.record_n(value, count).expect("a value it holds");
    let mut bytes = Vec::new();
    V2Serializer::new()
        .serialize(&h, &mut bytes)
        .expect("serializes");
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for chunk in bytes.chunks(3) {
        let b = [0, 1, 2].map(|i| u32::from(chunk.get(i).copied().unwrap_or(0)));
        let n = (b[0] << 16) | (b[1] << 8) | b[2];
        for k in 0..4 {
            text.push(if k <= chunk.len() {
                ALPHABET[(n >> (18 - 6 * k)) as usize & 63] as char
            } else {
                '='
            });
        }
    }
    text
}

#[test]
fn sums_that_overflow_when_added_are_refused() {
    // Each of shards 0 and 1 sound on its own: 12 deploy durations of
    // 4·10¹⁸ (scaled), sum_sq 1.92·10³⁸ below 2^128 ≈ 3.4·10³⁸, the two
    // past it. Three shards of 120 trials: each has 20 good releases.
    let s = Shards::new("overflow", 120, 3);
    let (value, count) = (4_000_000_000_000_000_000u64, 12u64);
    for i in [0, 1] {
        s.edit(i, |json| {
            let m = &mut stratum(json, 0, "good")["metrics"][7];
            assert_eq!(m["metric"], "deploy_duration_s");
            let v = u128::from(value);
            m["count"] = count.into();
            m["sum"] = (v * u128::from(count)).to_string().into();
            m["sum_sq"] = (v * v * u128::from(count)).to_string().into();
            m["min"] = value.into();
            m["max"] = value.into();
            m["histogram"] = histogram(value, count).into();
        });
    }
    s.refused(
        1,
        "points[0].strategies[0].good.metrics[7] (deploy_duration_s): its sum_sq 192000000000000000000000000000000000000 and the earlier shards' 192000000000000000000000000000000000000",
        &format!("add up past {}", u128::MAX),
    );
}

#[test]
fn strategies_and_weights_other_than_the_scenarios_are_refused() {
    let s = Shards::new("strategy-type", 40, 2);
    s.edit(1, |json| {
        json["points"][0]["strategies"][0]["type"] = "Canary".into()
    });
    s.refused(
        1,
        "points[0].strategies[0] (recreate): type Canary",
        "its scenario's recreate is a Recreate",
    );

    // Renamed in every shard alike: they fit together, not their scenario.
    let s = Shards::new("strategy-name", 40, 2);
    s.edit_all(|json| {
        json["strategies"][1] = "blue-green".into();
        json["points"][0]["strategies"][1]["name"] = "blue-green".into();
    });
    s.refused(
        0,
        "points[0].strategies[1] (blue-green): no such strategy in its scenario",
        "which has: recreate, rolling, rolling-surge-only",
    );

    let s = Shards::new("bad-weight", 40, 2);
    s.edit_all(|json| json["points"][0]["bad_weight"] = 0.5.into());
    s.refused(
        0,
        "points[0].bad_weight: 0.5",
        "its scenario weighs bad releases 0.1",
    );

    let s = Shards::new("scenario-name", 40, 2);
    s.edit_all(|json| json["scenario"] = "checkout-api".into());
    s.refused(
        0,
        "scenario: \"checkout-api\", but its scenario_yaml is of \"internal-api\"",
        "",
    );
}
