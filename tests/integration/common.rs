//! Helpers shared by the modules that run shipped scenarios through the library.

use std::path::Path;

use deploysim::commands::{self, Format, RunOptions};
use serde_json::Value;

/// `deploysim run SCENARIO --runs N [--strategy …] --format json`, parsed;
/// `scenario` is relative to `scenarios/`.
pub fn summary(scenario: &str, runs: u64, strategies: &[&str]) -> Value {
    let opts = RunOptions {
        scenario: Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(scenario),
        runs: Some(runs),
        strategies: strategies.iter().map(|s| s.to_string()).collect(),
        format: Format::Json,
        ..RunOptions::default()
    };
    let mut out = Vec::new();
    commands::run(&opts, &mut out).expect("run succeeds");
    serde_json::from_slice(&out).expect("summary is JSON")
}

/// The summary of strategy `name`.
pub fn strategy<'a>(s: &'a Value, name: &str) -> &'a Value {
    s["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
        .unwrap()
}

/// `strategies[name][scope][metric][stat]` (0 when the metric had no value).
pub fn num(s: &Value, name: &str, scope: &str, metric: &str, stat: &str) -> f64 {
    strategy(s, name)[scope][metric][stat]
        .as_f64()
        .unwrap_or(0.0)
}

/// The count of `outcome` for strategy `name`.
pub fn outcome(s: &Value, name: &str, key: &str) -> u64 {
    strategy(s, name)["outcomes"][key].as_u64().unwrap()
}
