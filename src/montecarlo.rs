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
//!
//! A [`Shard`] selects the trials whose index ≡ I (mod N); since a trial's
//! numbers depend only on (seed, trial, purpose) and statistics merge
//! exactly, merging the N shards' statistics gives the whole run's (DESIGN §6).

use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use crate::scenario::{Sampling, Scenario};
use crate::stats::{self, Stat, Summary, sig6};
use crate::trial::{
    Metric, Outcome, PerMetric, PerOutcome, ReleaseDraw, TrialResult, TrialStreams, World,
};

pub use crate::trial::streams::{Purpose, stream};

/// The release of trial `trial` (the same for every strategy), in the
/// stratum the sampling gives it.
pub fn release_of(sc: &Scenario, seed: u64, trial: u64) -> ReleaseDraw {
    let stratum = Strata::of(sc).stratum(trial);
    ReleaseDraw::draw(sc, stratum, &mut stream(seed, trial, Purpose::Release))
}

/// How a run's trials stand for all releases (`monteCarlo.sampling`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Strata {
    /// Each trial draws its release: every trial counts alike.
    Natural,
    /// Trials are good or bad by their index, `bad_share` of them bad; in
    /// `all` figures the bad ones weigh `bad_weight`, the true chance of a
    /// bad release, and the good ones the rest.
    Stratified { bad_share: f64, bad_weight: f64 },
}

/// Stratum shares are kept in millionths, so a trial's stratum is integer
/// arithmetic on its index.
const SHARE_UNIT: u128 = 1_000_000;

impl Strata {
    /// The scenario's strata. A scenario whose releases are all good or all
    /// bad (defectProbability 0 or 1, or no defects) has one stratum and
    /// runs as natural sampling does.
    pub fn of(sc: &Scenario) -> Strata {
        let p = if sc.release.defects.is_empty() {
            0.0
        } else {
            sc.release.defect_probability
        };
        match sc.monte_carlo.sampling {
            Sampling::Stratified { bad_share } if p > 0.0 && p < 1.0 => Strata::Stratified {
                bad_share,
                bad_weight: p,
            },
            _ => Strata::Natural,
        }
    }

    /// Whether trial `trial` carries a bad release, when the sampling fixes
    /// it: with k millionths bad, trial i is bad when ⌊(i+1)·k/10⁶⌋ passes
    /// ⌊i·k/10⁶⌋, so every run of trials holds its share to within one
    /// (a half: every other trial).
    pub fn stratum(&self, trial: u64) -> Option<bool> {
        let Strata::Stratified { bad_share, .. } = *self else {
            return None;
        };
        let k = ((bad_share * SHARE_UNIT as f64).round() as u128).clamp(1, SHARE_UNIT - 1);
        let i = u128::from(trial);
        Some((i + 1) * k / SHARE_UNIT > i * k / SHARE_UNIT)
    }

    /// How many of `shard`'s trials of a run of `runs` carry a bad release,
    /// when the sampling fixes it. A trial's stratum repeats every 10⁶
    /// trials (the share's unit), so along the shard's trials, every N-th,
    /// it repeats every 10⁶ / gcd(N, 10⁶): one period is counted, not
    /// every trial a (damaged) shard file may claim.
    pub fn bad_trials(&self, shard: Shard, runs: u64) -> Option<u64> {
        let Strata::Stratified { .. } = self else {
            return None;
        };
        let n = shard.trials(runs);
        let count = u128::from(shard.count);
        let period = (SHARE_UNIT / gcd(count % SHARE_UNIT, SHARE_UNIT)) as u64;
        let bad_among_first = |m: u64| {
            let trial = |j: u64| (u128::from(shard.index) + u128::from(j) * count) % SHARE_UNIT;
            (0..m)
                .filter(|&j| self.stratum(trial(j) as u64) == Some(true))
                .count() as u64
        };
        Some(n / period * bad_among_first(period.min(n)) + bad_among_first(n % period))
    }

    /// The weight of the bad stratum among all releases, when stratified.
    pub fn bad_weight(&self) -> Option<f64> {
        match *self {
            Strata::Stratified { bad_weight, .. } => Some(bad_weight),
            Strata::Natural => None,
        }
    }
}

/// The greatest common divisor (`gcd(0, b)` is `b`).
fn gcd(a: u128, b: u128) -> u128 {
    if a == 0 { b } else { gcd(b % a, a) }
}

/// The per-strategy streams of trial `trial`: fresh copies for each strategy,
/// which is what makes the numbers common.
pub fn streams_of(_sc: &Scenario, seed: u64, trial: u64) -> TrialStreams {
    TrialStreams::new(seed, trial)
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

/// Statistics of one strategy, one [`StratumStats`] for the trials whose
/// release was good and one for those whose release was bad: the summary
/// combines them (as they fell, or weighted, see [`Strata`]).
#[derive(Clone, Debug, Default)]
pub struct StrategyStats {
    good: StratumStats,
    bad: StratumStats,
}

/// The statistics of one stratum: each metric at its [`Metric::scale`], and
/// the count of each outcome.
#[derive(Clone, Debug)]
pub struct StratumStats {
    metrics: PerMetric<Stat>,
    outcomes: PerOutcome<u64>,
}

impl Default for StratumStats {
    fn default() -> Self {
        StratumStats {
            metrics: PerMetric::from_fn(|m| Stat::new(m.scale()).whole_numbers(m.whole())),
            outcomes: PerOutcome::default(),
        }
    }
}

impl StratumStats {
    /// Statistics from their parts, e.g. as a shard file stores them.
    pub fn from_parts(metrics: PerMetric<Stat>, outcomes: PerOutcome<u64>) -> Self {
        StratumStats { metrics, outcomes }
    }

    /// Each metric over the stratum's trials.
    pub fn metrics(&self) -> &PerMetric<Stat> {
        &self.metrics
    }

    /// How many of the stratum's trials ended in each outcome.
    pub fn outcomes(&self) -> &PerOutcome<u64> {
        &self.outcomes
    }

    /// Number of trials accumulated.
    pub fn trials(&self) -> u64 {
        self.outcomes.values().iter().sum()
    }

    /// Adds one trial. On the hot path: one array slot per metric, no lookup.
    fn add(&mut self, r: &TrialResult) {
        for m in Metric::ALL {
            if let Some(v) = r.get(m) {
                self.metrics[m].add(v);
            }
        }
        self.outcomes[r.outcome] += 1;
    }

    /// Adds everything `other` accumulated (exact, in any order).
    fn merge(&mut self, other: &StratumStats) {
        for m in Metric::ALL {
            self.metrics[m].merge(&other.metrics[m]);
        }
        for o in Outcome::ALL {
            self.outcomes[o] += other.outcomes[o];
        }
    }
}

impl StrategyStats {
    /// Empty statistics (every metric at its resolution).
    pub fn new() -> Self {
        Self::default()
    }

    /// Statistics from their strata.
    pub fn from_strata(good: StratumStats, bad: StratumStats) -> Self {
        StrategyStats { good, bad }
    }

    /// The trials whose release was good.
    pub fn good(&self) -> &StratumStats {
        &self.good
    }

    /// The trials whose release was bad.
    pub fn bad(&self) -> &StratumStats {
        &self.bad
    }

    /// Each metric over the trials whose release was bad.
    pub fn given_bad(&self) -> &PerMetric<Stat> {
        &self.bad.metrics
    }

    /// Number of trials accumulated.
    pub fn trials(&self) -> u64 {
        self.good.trials() + self.bad.trials()
    }

    /// How many trials of either stratum ended in each outcome.
    pub fn outcomes(&self) -> PerOutcome<u64> {
        PerOutcome::from_fn(|o| self.good.outcomes[o] + self.bad.outcomes[o])
    }

    /// Adds one trial, to its release's stratum.
    fn add(&mut self, r: &TrialResult) {
        if r.bad { &mut self.bad } else { &mut self.good }.add(r);
    }

    /// Adds everything `other` accumulated (exact, in any order).
    pub fn merge(&mut self, other: &StrategyStats) {
        self.good.merge(&other.good);
        self.bad.merge(&other.bad);
    }

    /// The figures over all releases: the strata pooled as they fell, or
    /// (stratified) weighted `1 − w` and `w` (see [`stats::mixture_summary`]).
    fn all(&self, bad_weight: Option<f64>) -> PerMetric<Summary> {
        let Some(w) = bad_weight else {
            return PerMetric::from_fn(|m| {
                let mut pooled = self.good.metrics[m].clone();
                pooled.merge(&self.bad.metrics[m]);
                pooled.summary()
            });
        };
        PerMetric::from_fn(|m| {
            let strata =
                [(&self.good, 1.0 - w), (&self.bad, w)].map(|(s, weight)| stats::Stratum {
                    stat: &s.metrics[m],
                    weight: weight * s.metrics[m].count() as f64 / s.trials().max(1) as f64,
                });
            stats::mixture_summary(&strata)
        })
    }

    /// Each outcome's share of all releases and its 95% interval: k of n
    /// (Wilson), or (stratified) weighted by stratum.
    fn shares(&self, bad_weight: Option<f64>) -> (PerOutcome<f64>, PerOutcome<[f64; 2]>) {
        let outcomes = self.outcomes();
        let by_outcome = PerOutcome::from_fn(|o| match bad_weight {
            None => {
                let n = self.trials();
                let share = outcomes[o] as f64 / n.max(1) as f64;
                (sig6(share), stats::wilson95(outcomes[o], n).map(sig6))
            }
            Some(w) => {
                let (share, ci) = stats::mixture_share(&[
                    (1.0 - w, self.good.outcomes[o], self.good.trials()),
                    (w, self.bad.outcomes[o], self.bad.trials()),
                ]);
                (sig6(share), ci.map(sig6))
            }
        });
        (by_outcome.map(|x| x.0), by_outcome.map(|x| x.1))
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

/// The trials of one shard of a run: those whose index ≡ `index` (mod `count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// Every trial.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count`; `None` unless `index < count`.
    pub fn new(index: u64, count: u64) -> Option<Shard> {
        (index < count).then_some(Shard { index, count })
    }

    /// I, from 0.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// N, the number of shards.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// How many of trials `0..runs` belong to this shard.
    pub fn trials(&self, runs: u64) -> u64 {
        runs.saturating_sub(self.index).div_ceil(self.count)
    }

    /// The index of this shard's `j`-th trial.
    fn trial(&self, j: u64) -> u64 {
        self.index + j * self.count
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Receives per-trial rows in trial order.
pub type RowSink<'a> = &'a mut dyn FnMut(&[TrialRow]);

/// Trials per chunk: the unit of parallel work and of exact merging.
const CHUNK: u64 = 512;
/// Chunks per batch handed to the row sink.
const BATCH: usize = 64;

/// Runs the plan; returns statistics per planned strategy. `rows`, if given,
/// receives every trial's row in trial order.
pub fn run(sc: &Scenario, plan: &Plan, rows: Option<RowSink<'_>>) -> Vec<StrategyStats> {
    run_shard(sc, plan, Shard::WHOLE, rows)
}

/// Runs only the plan's trials that belong to `shard`; `rows`, if given,
/// receives their rows in trial order. Merging the statistics of shards
/// 0..N gives exactly what [`run`] returns.
pub fn run_shard(
    sc: &Scenario,
    plan: &Plan,
    shard: Shard,
    rows: Option<RowSink<'_>>,
) -> Vec<StrategyStats> {
    run_shard_with_progress(sc, plan, shard, rows, &|_| {})
}

/// Called from worker threads with the number of trials (× strategies)
/// just finished, for a progress bar.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// [`run_shard`], reporting progress chunk by chunk.
pub fn run_shard_with_progress(
    sc: &Scenario,
    plan: &Plan,
    shard: Shard,
    rows: Option<RowSink<'_>>,
    progress: Progress<'_>,
) -> Vec<StrategyStats> {
    let mut total = new_stats(plan);
    let trials = Trials {
        shard,
        range: 0..shard.trials(plan.runs),
    };
    run_trials(sc, plan, trials, &mut total, rows, progress);
    total
}

/// What [`run_batches`] hands over after each batch.
pub struct Batch<'a> {
    /// Trials `0..runs` have run.
    pub runs: u64,
    /// The statistics of this batch's trials alone.
    pub part: &'a [StrategyStats],
    /// The statistics of trials `0..runs`.
    pub total: &'a [StrategyStats],
}

/// Runs the plan's trials in consecutive batches of `batch` until `stop`
/// says so after one, or `max_runs` trials have run. Returns the statistics
/// and the number of trials run per strategy.
///
/// `stop` sees each batch at a point fixed by the scenario, the seed and
/// `batch`, never by threads; and since statistics merge exactly, the
/// total of trials `0..n` is what `--runs n` gives.
pub fn run_batches(
    sc: &Scenario,
    plan: &Plan,
    batch: u64,
    max_runs: u64,
    mut rows: Option<RowSink<'_>>,
    progress: Progress<'_>,
    stop: &mut dyn FnMut(Batch<'_>) -> bool,
) -> (Vec<StrategyStats>, u64) {
    let mut total = new_stats(plan);
    let mut runs = 0;
    while runs < max_runs {
        let next = runs.saturating_add(batch.max(1)).min(max_runs);
        let trials = Trials {
            shard: Shard::WHOLE,
            range: runs..next,
        };
        let mut part = new_stats(plan);
        let sink = rows.as_mut().map(|r| &mut **r as RowSink<'_>);
        run_trials(sc, plan, trials, &mut part, sink, progress);
        merge_into(&mut total, &part);
        runs = next;
        let done = Batch {
            runs,
            part: &part,
            total: &total,
        };
        if stop(done) {
            break;
        }
    }
    (total, runs)
}

/// A stretch of a shard's own trials, numbered j = 0, 1, … within the shard.
#[derive(Clone)]
struct Trials {
    shard: Shard,
    range: std::ops::Range<u64>,
}

/// Runs `trials` into `total`, chunk by chunk; `rows`, if given, receives
/// their rows in trial order.
fn run_trials(
    sc: &Scenario,
    plan: &Plan,
    trials: Trials,
    total: &mut [StrategyStats],
    mut rows: Option<RowSink<'_>>,
    progress: Progress<'_>,
) {
    let chunks: Vec<Chunk> = trials
        .range
        .clone()
        .step_by(CHUNK as usize)
        .map(|first| Chunk {
            shard: trials.shard,
            trials: first..(first + CHUNK).min(trials.range.end),
            want_rows: rows.is_some(),
        })
        .collect();
    // Without rows, one parallel pass; with rows, batches keep memory bounded.
    let batch = if rows.is_some() {
        BATCH
    } else {
        chunks.len().max(1)
    };
    for group in chunks.chunks(batch) {
        let (stats, chunk_rows) = run_batch(sc, plan, group, progress);
        merge_into(total, &stats);
        if let Some(sink) = rows.as_mut() {
            for r in &chunk_rows {
                sink(r);
            }
        }
    }
}

/// What a thread works with: a world per strategy (reused from trial to
/// trial) and the statistics it has accumulated.
struct Worker<'a> {
    worlds: Vec<World<'a>>,
    stats: Vec<StrategyStats>,
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

/// Runs chunks in parallel; returns their statistics and, if wanted, each
/// chunk's rows in chunk order.
///
/// A chunk takes an idle worker from a shared pool (or makes one) and puts
/// it back when done, so there are never more workers than chunks running
/// at once, i.e. threads. That bounds memory: a worker's statistics hold an
/// HDR histogram per metric, scope and strategy (a few MiB per strategy),
/// and rayon's own fold would make one accumulator per split of the range.
/// Workers' statistics are merged exactly at the end, so which worker ran
/// which chunk does not show in the result.
fn run_batch(
    sc: &Scenario,
    plan: &Plan,
    chunks: &[Chunk],
    progress: Progress<'_>,
) -> (Vec<StrategyStats>, Vec<Vec<TrialRow>>) {
    let idle: Mutex<Vec<Worker<'_>>> = Mutex::new(Vec::new());
    let lock = || idle.lock().unwrap_or_else(PoisonError::into_inner);
    let rows = chunks
        .par_iter()
        .map(|chunk| {
            let popped = lock().pop();
            let mut w = popped.unwrap_or_else(|| Worker {
                worlds: plan
                    .strategies
                    .iter()
                    .map(|&i| World::new(sc, &sc.strategies[i]))
                    .collect(),
                stats: new_stats(plan),
            });
            let rows = run_chunk(sc, plan, &mut w.worlds, &mut w.stats, chunk);
            progress((chunk.trials.end - chunk.trials.start) * w.worlds.len() as u64);
            lock().push(w);
            rows
        })
        .collect();
    let mut total = new_stats(plan);
    for w in idle.into_inner().unwrap_or_else(PoisonError::into_inner) {
        merge_into(&mut total, &w.stats);
    }
    (total, rows)
}

/// One unit of work: at most [`CHUNK`] of a shard's trials.
#[derive(Clone)]
struct Chunk {
    shard: Shard,
    /// The shard's own trial numbers j (trial index `shard.trial(j)`).
    trials: std::ops::Range<u64>,
    want_rows: bool,
}

fn run_chunk(
    sc: &Scenario,
    plan: &Plan,
    worlds: &mut [World<'_>],
    stats: &mut [StrategyStats],
    chunk: &Chunk,
) -> Vec<TrialRow> {
    let want_rows = chunk.want_rows;
    let mut rows = Vec::new();
    for trial in chunk.trials.clone().map(|j| chunk.shard.trial(j)) {
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
    /// The strategy's `name`.
    pub name: String,
    /// The strategy's `type` (`Canary`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Each metric over every trial.
    pub all: PerMetric<Summary>,
    /// Each metric over the trials whose release was bad.
    pub given_bad: PerMetric<Summary>,
    /// How many of the trials simulated ended in each outcome.
    pub outcomes: PerOutcome<u64>,
    /// Each outcome's share of all releases (weighted by stratum when bad
    /// releases are oversampled) and its 95% interval.
    pub outcome_shares: PerOutcome<f64>,
    pub outcome_shares_ci95: PerOutcome<[f64; 2]>,
    /// What the strategy asks of the cluster.
    pub capacity: Capacity,
}

impl StrategySummary {
    /// The trials summarized (every trial ends in one outcome).
    pub fn trials(&self) -> u64 {
        self.outcomes.values().iter().sum()
    }
}

/// What a strategy asks of the cluster, at the 95th percentile of trials.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Capacity {
    /// CPU cores requested beyond the steady replicas: the headroom needed.
    pub cpu_headroom_p95: f64,
    /// Memory (GiB) requested beyond the steady replicas.
    pub memory_headroom_gib_p95: f64,
    /// Nodes the autoscaler had to add.
    pub nodes_added_p95: f64,
    /// True when at the 95th percentile no pod had to wait for room.
    pub fits_p95: bool,
}

impl Capacity {
    fn of(all: &PerMetric<Summary>) -> Self {
        let p95 = |m: Metric| all[m].p95.unwrap_or(0.0);
        Capacity {
            cpu_headroom_p95: p95(Metric::ExtraCpuRequested),
            memory_headroom_gib_p95: p95(Metric::ExtraMemoryRequestedGib),
            nodes_added_p95: p95(Metric::NodesAdded),
            fits_p95: p95(Metric::PodsWaitedForRoom) == 0.0,
        }
    }
}

/// The whole `summary.json`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunSummary {
    /// The scenario's `name`.
    pub scenario: String,
    /// Trials per strategy.
    pub runs: u64,
    /// The master seed.
    pub seed: u64,
    /// Each strategy run, in the plan's order.
    pub strategies: Vec<StrategySummary>,
    /// How a run with a precision target ended (absent without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionReached>,
}

/// How a run with a precision target ended: `runs` is where it stopped.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct PrecisionReached {
    /// The relative half-width aimed at (0.05: ± 5%).
    pub target: f64,
    /// The most runs it was allowed.
    pub max_runs: u64,
    /// Every deciding figure came within the target.
    pub reached: bool,
    /// The widest relative half-width among the deciding figures at the
    /// end (`null`: a figure still had no interval).
    pub widest: f64,
}

/// Builds the summary document from the statistics of [`run`].
pub fn summarize(sc: &Scenario, plan: &Plan, stats: &[StrategyStats]) -> RunSummary {
    let ids: Vec<StrategyId> = plan
        .strategies
        .iter()
        .map(|&i| StrategyId {
            name: sc.strategies[i].name.clone(),
            kind: sc.strategies[i].kind.type_name().to_string(),
        })
        .collect();
    summarize_named(
        &sc.name,
        plan.runs,
        plan.seed,
        &ids,
        stats,
        Strata::of(sc).bad_weight(),
    )
}

/// A strategy as the summary names it: its name and `type`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StrategyId {
    /// The strategy's `name`.
    pub name: String,
    /// The strategy's `type`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// Builds the summary document without the scenario (e.g. from merged
/// shards): `ids[k]` names the strategy of `stats[k]`; `bad_weight` is the
/// bad stratum's weight when the run was stratified
/// ([`Strata::bad_weight`]).
pub fn summarize_named(
    scenario: &str,
    runs: u64,
    seed: u64,
    ids: &[StrategyId],
    stats: &[StrategyStats],
    bad_weight: Option<f64>,
) -> RunSummary {
    let strategies = ids
        .iter()
        .zip(stats)
        .map(|(id, s)| {
            let all = s.all(bad_weight);
            let (outcome_shares, outcome_shares_ci95) = s.shares(bad_weight);
            StrategySummary {
                name: id.name.clone(),
                kind: id.kind.clone(),
                capacity: Capacity::of(&all),
                all,
                given_bad: s.bad.metrics.map(Stat::summary),
                outcomes: s.outcomes(),
                outcome_shares,
                outcome_shares_ci95,
            }
        })
        .collect();
    RunSummary {
        scenario: scenario.to_owned(),
        runs,
        seed,
        strategies,
        precision: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_trials_counts_each_shards_bad_stratum() {
        for bad_share in [0.5, 0.3, 0.123457] {
            let strata = Strata::Stratified {
                bad_share,
                bad_weight: 0.1,
            };
            for (runs, count) in [(40, 2), (1100, 7), (3_000_001, 1_000_000), (2_000_003, 3)] {
                for index in [0, count / 2, count - 1] {
                    let shard = Shard::new(index, count).expect("a shard");
                    let by_trial = (0..runs)
                        .filter(|&t| t % count == index && strata.stratum(t) == Some(true))
                        .count() as u64;
                    assert_eq!(
                        strata.bad_trials(shard, runs),
                        Some(by_trial),
                        "{bad_share}, shard {shard} of {runs}"
                    );
                }
            }
        }
        assert_eq!(Strata::Natural.bad_trials(Shard::WHOLE, 10), None);
    }
}
