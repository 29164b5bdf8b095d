//! Trials in parallel with common random numbers.
//!
//! Trial i draws its release once; every strategy then meets that release
//! with the same start-up times (in pod-creation order), the same human
//! delays and the same user-report delay. Each purpose has its own ChaCha8
//! stream derived from (seed, trial, purpose), so a trial's numbers do not
//! depend on which thread runs it or in which order.
//!
//! Trials are grouped in fixed-size chunks; each chunk's statistics are
//! merged exactly (see `stats`), so the summary is identical for any number
//! of threads. Per-trial rows, when wanted, are handed to a sink in trial
//! order, a batch of chunks at a time: memory stays flat in the number of
//! trials.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::scenario::Scenario;
use crate::stats::{Stat, Summary};
use crate::trial::{METRIC_NAMES, Outcome, ReleaseDraw, TrialResult, TrialStreams, World};

/// Random-stream purposes (the low bits of a ChaCha stream id).
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub enum Purpose {
    Release = 0,
    Startup = 1,
    Human = 2,
    Reports = 3,
    Shutdown = 4,
    Analysis = 5,
    Checks = 6,
}

/// The stream for `purpose` of trial `trial`.
pub fn stream(seed: u64, trial: u64, purpose: Purpose) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream((trial << 8) | purpose as u64);
    rng
}

/// The release of trial `trial` (the same for every strategy).
pub fn release_of(sc: &Scenario, seed: u64, trial: u64) -> ReleaseDraw {
    ReleaseDraw::draw(sc, &mut stream(seed, trial, Purpose::Release))
}

/// The per-strategy streams of trial `trial`: fresh copies for each strategy,
/// which is what makes the numbers common.
pub fn streams_of(sc: &Scenario, seed: u64, trial: u64) -> TrialStreams {
    let mut reports = stream(seed, trial, Purpose::Reports);
    let delay = sc.observability.user_reports.delay.sample(&mut reports);
    TrialStreams {
        startup: stream(seed, trial, Purpose::Startup),
        human: stream(seed, trial, Purpose::Human),
        shutdown: stream(seed, trial, Purpose::Shutdown),
        analysis: stream(seed, trial, Purpose::Analysis),
        smoke_draw: stream(seed, trial, Purpose::Checks).random::<f64>(),
        report_delay_ms: crate::sim::Duration::from_millis_f64(delay).as_millis(),
    }
}

/// Runs trial `trial` of one strategy.
pub fn run_trial(
    world: &mut World<'_>,
    sc: &Scenario,
    seed: u64,
    trial: u64,
) -> (ReleaseDraw, TrialResult) {
    let release = release_of(sc, seed, trial);
    let result = world.run(&release, streams_of(sc, seed, trial));
    (release, result)
}

/// The numeric keys of a trial, with the resolution kept for each.
const METRIC_SCALES: [f64; 12] = [1e3, 1e3, 1e9, 1e6, 1e3, 1e3, 1e3, 1e3, 1e3, 1e6, 1e6, 1e3];

/// Statistics of one strategy: over all trials and over bad releases.
#[derive(Clone, Debug)]
pub struct StrategyStats {
    pub all: Vec<Stat>,
    pub given_bad: Vec<Stat>,
    pub outcomes: [u64; 6],
}

impl StrategyStats {
    fn new() -> Self {
        let stats = || METRIC_SCALES.iter().map(|&s| Stat::new(s)).collect();
        StrategyStats {
            all: stats(),
            given_bad: stats(),
            outcomes: [0; 6],
        }
    }

    fn add(&mut self, r: &TrialResult) {
        for (i, v) in r.metrics().into_iter().enumerate() {
            if let Some(v) = v {
                self.all[i].add(v);
                if r.bad {
                    self.given_bad[i].add(v);
                }
            }
        }
        let o = Outcome::ALL
            .iter()
            .position(|&o| o == r.outcome)
            .expect("known outcome");
        self.outcomes[o] += 1;
    }

    fn merge(&mut self, other: &StrategyStats) {
        for (a, b) in self.all.iter_mut().zip(&other.all) {
            a.merge(b);
        }
        for (a, b) in self.given_bad.iter_mut().zip(&other.given_bad) {
            a.merge(b);
        }
        for (a, b) in self.outcomes.iter_mut().zip(other.outcomes) {
            *a += b;
        }
    }
}

/// One per-trial row, for `trials.csv`.
#[derive(Clone, Debug)]
pub struct TrialRow {
    pub trial: u64,
    pub strategy: usize,
    pub defect: Option<&'static str>,
    pub result: TrialResult,
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub runs: u64,
    pub seed: u64,
    /// Indices into the scenario's strategies.
    pub strategies: Vec<usize>,
}

/// Receives per-trial rows in trial order.
pub type RowSink<'a> = &'a mut dyn FnMut(&[TrialRow]);

/// Trials per chunk: the unit of parallel work and of exact merging.
const CHUNK: u64 = 512;
/// Chunks per batch handed to the row sink.
const BATCH: u64 = 64;

/// Runs the plan; returns statistics per planned strategy. `rows`, if given,
/// receives every trial's row in trial order.
pub fn run(sc: &Scenario, plan: &Plan, mut rows: Option<RowSink<'_>>) -> Vec<StrategyStats> {
    let chunks = plan.runs.div_ceil(CHUNK);
    // Without rows, one parallel pass; with rows, batches keep memory bounded.
    let batch = if rows.is_some() { BATCH } else { chunks.max(1) };
    let mut total = new_stats(plan);
    let mut first = 0;
    while first < chunks {
        let last = (first + batch).min(chunks);
        let part = run_batch(sc, plan, first..last, rows.is_some());
        merge_into(&mut total, &part.stats);
        if let Some(sink) = rows.as_mut() {
            let mut chunk_rows = part.rows;
            chunk_rows.sort_unstable_by_key(|(c, _)| *c);
            for (_, r) in &chunk_rows {
                sink(r);
            }
        }
        first = last;
    }
    total
}

/// What a worker accumulates: statistics (merged exactly, in any order) and,
/// if wanted, each chunk's rows tagged with the chunk index.
struct Part {
    stats: Vec<StrategyStats>,
    rows: Vec<(u64, Vec<TrialRow>)>,
}

fn new_stats(plan: &Plan) -> Vec<StrategyStats> {
    plan.strategies
        .iter()
        .map(|_| StrategyStats::new())
        .collect()
}

fn merge_into(total: &mut [StrategyStats], part: &[StrategyStats]) {
    for (t, s) in total.iter_mut().zip(part) {
        t.merge(s);
    }
}

/// Runs chunks in parallel. Each worker folds into its own accumulator
/// (few allocations); accumulators are then merged exactly, so the split
/// rayon chooses does not show in the result.
fn run_batch(sc: &Scenario, plan: &Plan, chunks: std::ops::Range<u64>, want_rows: bool) -> Part {
    let empty = || Part {
        stats: new_stats(plan),
        rows: Vec::new(),
    };
    chunks
        .into_par_iter()
        .fold(
            || {
                let worlds: Vec<World<'_>> = plan
                    .strategies
                    .iter()
                    .map(|&i| World::new(sc, &sc.strategies[i]))
                    .collect();
                (worlds, empty())
            },
            |(mut worlds, mut part), c| {
                let rows = run_chunk(sc, plan, &mut worlds, &mut part.stats, c, want_rows);
                if want_rows {
                    part.rows.push((c, rows));
                }
                (worlds, part)
            },
        )
        .map(|(_, part)| part)
        .reduce(empty, |mut a, b| {
            merge_into(&mut a.stats, &b.stats);
            a.rows.extend(b.rows);
            a
        })
}

fn run_chunk(
    sc: &Scenario,
    plan: &Plan,
    worlds: &mut [World<'_>],
    stats: &mut [StrategyStats],
    chunk: u64,
    want_rows: bool,
) -> Vec<TrialRow> {
    let mut rows = Vec::new();
    let end = ((chunk + 1) * CHUNK).min(plan.runs);
    for trial in chunk * CHUNK..end {
        let release = release_of(sc, plan.seed, trial);
        for (k, world) in worlds.iter_mut().enumerate() {
            let result = world.run(&release, streams_of(sc, plan.seed, trial));
            stats[k].add(&result);
            if want_rows {
                rows.push(TrialRow {
                    trial,
                    strategy: plan.strategies[k],
                    defect: release.defect.as_ref().map(|d| d.kind),
                    result,
                });
            }
        }
    }
    rows
}

/// The summary of one strategy in the shape of `summary.json` (DESIGN §3).
#[derive(Clone, Debug, serde::Serialize)]
pub struct StrategySummary {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub all: indexmap_like::Ordered<Summary>,
    pub given_bad: indexmap_like::Ordered<Summary>,
    pub outcomes: indexmap_like::Ordered<u64>,
}

/// The whole `summary.json`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunSummary {
    pub scenario: String,
    pub runs: u64,
    pub seed: u64,
    pub strategies: Vec<StrategySummary>,
}

/// Builds the summary document from the statistics of [`run`].
pub fn summarize(sc: &Scenario, plan: &Plan, stats: &[StrategyStats]) -> RunSummary {
    let keys = METRIC_NAMES;
    let strategies = plan
        .strategies
        .iter()
        .zip(stats)
        .map(|(&i, s)| StrategySummary {
            name: sc.strategies[i].name.clone(),
            kind: sc.strategies[i].kind.type_name().to_string(),
            all: keys
                .iter()
                .zip(&s.all)
                .map(|(k, st)| (*k, st.summary()))
                .collect(),
            given_bad: keys
                .iter()
                .zip(&s.given_bad)
                .map(|(k, st)| (*k, st.summary()))
                .collect(),
            outcomes: Outcome::ALL
                .iter()
                .zip(s.outcomes)
                .map(|(o, n)| (o.name(), n))
                .collect(),
        })
        .collect();
    RunSummary {
        scenario: sc.name.clone(),
        runs: plan.runs,
        seed: plan.seed,
        strategies,
    }
}

/// A map that serializes its entries in insertion order (JSON keys in the
/// order of DESIGN §3).
pub mod indexmap_like {
    use serde::ser::{Serialize, SerializeMap, Serializer};

    /// Key/value pairs, serialized as a JSON object in this order.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Ordered<V>(pub Vec<(&'static str, V)>);

    impl<V> Ordered<V> {
        /// The value of `key`, if present.
        pub fn get(&self, key: &str) -> Option<&V> {
            self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
        }
    }

    impl<V> FromIterator<(&'static str, V)> for Ordered<V> {
        fn from_iter<I: IntoIterator<Item = (&'static str, V)>>(iter: I) -> Self {
            Ordered(iter.into_iter().collect())
        }
    }

    impl<V: Serialize> Serialize for Ordered<V> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(self.0.len()))?;
            for (k, v) in &self.0 {
                m.serialize_entry(k, v)?;
            }
            m.end()
        }
    }
}
