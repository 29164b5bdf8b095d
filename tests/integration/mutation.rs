//! Structured mutation of the shipped scenarios: a value replaced by a
//! hostile one, a line deleted or doubled. Whatever the mutant, the contract
//! holds: it is refused with an error that names the file and a line and
//! says what was expected in a short message, or it runs (two trials of
//! every strategy, summarised, recommended on and reported as text) without
//! a panic and quickly. Deterministic: a fixed seed, the same mutants on
//! every run.

use std::time::{Duration, Instant};

use deploysim::montecarlo::{self, Plan};
use deploysim::report::{document, json, markdown, table, view::Report};
use deploysim::{recommend, scenario};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Every scenario shipped in `scenarios/`.
const SHIPPED: &[&str] = &[
    "scenarios/admin-console.yaml",
    "scenarios/checkout-api.yaml",
    "scenarios/checkout-api-manifests.yaml",
    "scenarios/checkout-api-no-metrics.yaml",
    "scenarios/internal-api.yaml",
    "scenarios/storefront.yaml",
    "scenarios/patterns/breaking-migration-first.yaml",
    "scenarios/patterns/canary-with-observability.yaml",
    "scenarios/patterns/canary-without-observability.yaml",
    "scenarios/patterns/expand-contract.yaml",
    "scenarios/patterns/fast-rollback-path.yaml",
    "scenarios/patterns/no-rollback-path.yaml",
    "scenarios/patterns/one-size/batch-scheduler.yaml",
    "scenarios/patterns/one-size/ledger.yaml",
    "scenarios/patterns/one-size/storefront-api.yaml",
];

/// Values put in place of another: out of range, of the wrong type, past
/// what a type holds, not numbers, empty, huge.
const HOSTILE: &[&str] = &[
    "0",
    "-1",
    "-0.4",
    "1e309",
    ".nan",
    "-.inf",
    "4294967296",
    "18446744073709551616",
    "''",
    "[]",
    "{}",
    "~",
    "true",
    "0%",
    "100%",
    "250%",
    "-5%",
    "0s",
    "1ms",
    "-5m",
    "100000d",
    "36500d",
    "x",
    "0x10",
    "1_000",
    "\"\\u0000\"",
    "*a",
    "!!binary aGk=",
];

/// A value that is long: its message must not echo it whole.
fn long_value() -> String {
    "9".repeat(100_000)
}

/// Where in `text` a value starts: just past every `: ` (block and flow
/// mappings alike), and the end of that value (the next `,`, `}`, `]` or
/// line end).
fn value_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = text[i..].find(": ") {
        let start = i + k + 2;
        let end = (start..bytes.len())
            .find(|&j| matches!(bytes[j], b',' | b'}' | b']' | b'\n'))
            .unwrap_or(bytes.len());
        if end > start {
            out.push((start, end));
        }
        i = start;
    }
    out
}

/// One change to a scenario's text.
#[derive(Clone, Debug)]
enum Mutation {
    /// The value at this index of [`value_spans`] becomes this one.
    Replace(prop::sample::Index, String),
    /// A line deleted.
    Delete(prop::sample::Index),
    /// A line written twice.
    Double(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let value = prop_oneof![
        8 => prop::sample::select(HOSTILE).prop_map(str::to_owned),
        1 => Just(long_value()),
    ];
    prop_oneof![
        6 => (any::<prop::sample::Index>(), value).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Delete),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Double),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let lines: Vec<&str> = text.lines().collect();
    match m {
        Mutation::Replace(at, value) => {
            let spans = value_spans(text);
            let (start, end) = spans[at.index(spans.len())];
            format!("{}{value}{}", &text[..start], &text[end..])
        }
        Mutation::Delete(at) => {
            let k = at.index(lines.len());
            let kept: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != k)
                .map(|(_, l)| *l)
                .collect();
            kept.join("\n") + "\n"
        }
        Mutation::Double(at) => {
            let k = at.index(lines.len());
            let mut out: Vec<&str> = lines.clone();
            out.insert(k, lines[k]);
            out.join("\n") + "\n"
        }
    }
}

/// The contract on one mutant of the scenario at `path`.
fn holds(path: &str, text: &str) -> Result<(), TestCaseError> {
    let start = Instant::now();
    match scenario::parse(text, path) {
        Err(e) => {
            prop_assert_eq!(&e.file, path);
            prop_assert!(e.line.is_some() && e.column.is_some(), "not located: {e}");
            prop_assert!(!e.message.is_empty());
            prop_assert!(
                e.to_string().len() < 1_000,
                "{} bytes: {:.200}",
                e.to_string().len(),
                e.to_string()
            );
            prop_assert!(
                !e.message.contains("Aliases {") && !e.message.contains("Error {"),
                "debug text: {e}"
            );
        }
        Ok(sc) => {
            let plan = Plan {
                runs: 2,
                seed: sc.monte_carlo.seed,
                strategies: (0..sc.strategies.len()).collect(),
            };
            let stats = montecarlo::run(&sc, &plan, None);
            let summary = montecarlo::summarize(&sc, &plan, &stats);
            let report = Report::new(&sc, &summary);
            let rec = recommend::recommend(&sc, &summary);
            prop_assert!(!table::render(&summary, &report, false).is_empty());
            prop_assert!(json::summary(&summary, &report).is_ok());
            let doc = document::build(&report, &summary, &rec, "deploysim run");
            prop_assert!(!markdown::render(&doc).is_empty());
        }
    }
    let took = start.elapsed();
    prop_assert!(took < Duration::from_secs(20), "{path}: {took:?}");
    Ok(())
}

#[test]
fn every_mutant_of_a_shipped_scenario_is_refused_where_it_is_wrong_or_runs() {
    let texts: Vec<(&str, String)> = SHIPPED
        .iter()
        .map(|p| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(p);
            (*p, std::fs::read_to_string(path).expect("shipped scenario"))
        })
        .collect();
    // Tests run in the crate's folder, so fromManifest finds its files
    // beside each scenario's relative path.
    let config = Config {
        cases: 500,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(19),
        ..Config::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let strategy = (0..texts.len(), mutation());
    runner
        .run(&strategy, |(k, m)| {
            let (path, text) = &texts[k];
            holds(path, &apply(text, &m))
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
