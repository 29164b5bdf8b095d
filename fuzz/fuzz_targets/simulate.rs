//! A short simulation of any scenario that validates: two trials of every
//! strategy (the horizon held to a day, so that an input costs at most a
//! few hundred thousand events), summarised, recommended on and rendered as
//! the terminal table and the report's Markdown. Never a panic.
#![no_main]

use deploysim::montecarlo::{self, Plan};
use deploysim::report::{document, json, markdown, table, view::Report};
use deploysim::sim::time::Duration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut sc) = deploysim::scenario::parse(text, "fuzz.yaml") else {
        return;
    };
    let day = Duration::from_secs(86_400);
    if sc.monte_carlo.horizon > day {
        sc.monte_carlo.horizon = day;
    }
    let plan = Plan {
        runs: 2,
        seed: sc.monte_carlo.seed,
        strategies: (0..sc.strategies.len()).collect(),
    };
    let stats = montecarlo::run(&sc, &plan, None);
    let summary = montecarlo::summarize(&sc, &plan, &stats);
    let report = Report::new(&sc, &summary);
    let rec = deploysim::recommend::recommend(&sc, &summary);
    let _ = table::render(&summary, &report, false);
    let _ = json::summary(&summary, &report).expect("JSON of a summary");
    let doc = document::build(&report, &summary, &rec, "deploysim run");
    let _ = markdown::render(&doc);
});
