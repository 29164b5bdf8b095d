//! Splitting a run across machines (DESIGN §6): the `--shard I/N` argument,
//! the `shard.json` file a shard writes, and the merge of a set of them.
//!
//! A shard runs the trials whose index ≡ I (mod N) and writes their exact
//! statistics, not summaries: integer counts, sums and extremes, and each
//! metric's HDR histogram. Merging adds them up, so the merged summary is
//! byte for byte the one a single machine writes.
//!
//! `shard.json` (`"format": "deploysim-shard"`, `"version"`: [`VERSION`],
//! now 4), keys in this order:
//!
//! ```text
//! { "format": "deploysim-shard", "version": 4,
//!   "kind": "run",                     // or "sweep"
//!   "scenario": "internal-api",        // the scenario's name
//!   "fingerprint": "fnv1a64:…",        // a run: FNV-1a 64 of `scenario_yaml`;
//!                                      // a sweep: of the keys, every point's values and resolved scenario
//!   "seed": 7, "runs": 1100,
//!   "shard": { "index": 0, "count": 3 },
//!   "trials": 367,                     // trials of this shard, per strategy
//!   "strategies": ["recreate", "rolling"],
//!   "keys": [],                        // the swept keys (a sweep)
//!   "scenario_yaml": "name: …",        // a run only (absent from a sweep's file): the resolved
//!                                      // scenario, `deploysim validate`'s output, so the merge
//!                                      // writes the same report.md a single run writes
//!   "points": [                        // one (a run) or one per grid point (a sweep)
//!     { "set": [],                     // the point's values, one per key, as given (a sweep)
//!       "bad_weight": 0.1,             // stratified: the bad releases' weight in `all`; natural: null
//!       "strategies": [
//!         { "name": "recreate", "type": "Recreate",
//!           "good": {                  // the trials whose release was good
//!             "outcomes": { "data_loss": 0, …, "succeeded": 180 },   // every outcome, keys sorted
//!             "metrics": [ { "metric": "failed_requests", "scale": 1000.0, "count": 184,
//!                            "sum": "…", "sum_sq": "…", "min": 0, "max": 41233,
//!                            "histogram": "HISTEw…" }, … ] },       // every metric, in report order
//!           "bad": { … } } ] } ] }     // the same for bad releases
//! ```
//!
//! Values are stored scaled to integers (`value × scale`, the metric's
//! [`Metric::scale`]); `sum` and `sum_sq` are decimal strings because they
//! are u128; `min` is 18446744073709551615 when `count` is 0. `histogram` is
//! the metric's HdrHistogram in the V2 encoding (uncompressed), base64. A
//! merge reads only files of this version, refuses metrics, scales or
//! outcomes other than this build's, and refuses a file whose numbers
//! contradict each other or its scenario (see `check_arithmetic`), or whose
//! sums would pass their integers' range when added to the other shards'.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::montecarlo::{
    RunSummary, Shard, Strata, StrategyId, StrategyStats, StratumStats, summarize_named,
};
use crate::scenario::{self, Scenario};
use crate::stats::{Stat, StatParts};
use crate::trial::{Metric, Outcome, PerMetric, PerOutcome};

mod check;
use check::{check_arithmetic, check_totals_fit};

/// The name of the file a shard writes in its output directory.
pub const FILE_NAME: &str = "shard.json";
/// The `format` of a shard file.
pub const FORMAT: &str = "deploysim-shard";
/// The `version` of the shard format this build writes and reads (4: the
/// statistics by stratum, good and bad releases, and each point's weight of
/// the bad one).
pub const VERSION: u32 = 4;
/// The environment variable a Kubernetes Indexed Job sets to the pod's index.
pub const INDEX_VAR: &str = "JOB_COMPLETION_INDEX";
/// The largest `shard.json` read (a sweep's shard holds every point's
/// histograms; a run's is a few MiB).
pub const MAX_FILE_BYTES: usize = 256 << 20;

/// Parses `--shard I/N`, or `--shard N` with I from `env_index` (the value
/// of [`INDEX_VAR`], when set).
pub fn parse_arg(arg: &str, env_index: Option<&str>) -> Result<Shard, Error> {
    let usage = |why: &str| {
        Error::Usage(format!(
            "--shard {arg}: {why}; expected I/N with 0 ≤ I < N (e.g. 0/4), or N with I in {INDEX_VAR}"
        ))
    };
    let number = |text: &str, what: &str| {
        text.trim()
            .parse::<u64>()
            .map_err(|_| usage(&format!("{what} {text:?} is not a whole number")))
    };
    let (index, count) = match arg.split_once('/') {
        Some((i, n)) => (number(i, "I")?, number(n, "N")?),
        None => {
            let count = number(arg, "N")?;
            let Some(env) = env_index else {
                return Err(usage(&format!("no I given and {INDEX_VAR} is not set")));
            };
            let index = env.trim().parse::<u64>().map_err(|_| {
                Error::Usage(format!(
                    "{INDEX_VAR}={env:?} is not a shard index (a whole number from 0)"
                ))
            })?;
            (index, count)
        }
    };
    if count == 0 {
        return Err(usage("N must be at least 1"));
    }
    Shard::new(index, count).ok_or_else(|| usage(&format!("I = {index} is not below N = {count}")))
}

/// FNV-1a, 64 bits: a stable hash (unlike std's randomized one) for
/// fingerprints that must agree across machines and builds.
#[derive(Clone, Copy, Debug)]
pub struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Self {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a64 {
    /// Adds `bytes` to the hash.
    pub fn write(&mut self, bytes: &[u8]) -> &mut Self {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self
    }

    /// The fingerprint text, `fnv1a64:` and 16 hex digits.
    pub fn fingerprint(&self) -> String {
        format!("fnv1a64:{:016x}", self.0)
    }
}

/// The fingerprint of a text (e.g. a resolved scenario from `scenario::render`).
pub fn fingerprint(text: &str) -> String {
    Fnv1a64::default().write(text.as_bytes()).fingerprint()
}

/// A shard file's index and shard count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardIndex {
    pub index: u64,
    pub count: u64,
}

/// What produced a shard file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Run,
    Sweep,
}

/// The contents of `shard.json` (see the module documentation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    pub format: String,
    pub version: u32,
    pub kind: Kind,
    pub scenario: String,
    pub fingerprint: String,
    pub seed: u64,
    pub runs: u64,
    pub shard: ShardIndex,
    pub trials: u64,
    pub strategies: Vec<String>,
    pub keys: Vec<String>,
    /// The resolved scenario (`deploysim validate` output) of a run, so the
    /// merge can write the same report a single run writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_yaml: Option<String>,
    pub points: Vec<PointRecord>,
}

/// One grid point's statistics (the only point of a run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointRecord {
    /// The point's value of each swept key, as given on the command line.
    pub set: Vec<String>,
    /// The bad stratum's weight among all releases when the point's trials
    /// were stratified (`monteCarlo.sampling`), else null.
    pub bad_weight: Option<f64>,
    pub strategies: Vec<StrategyRecord>,
}

/// One strategy's exact statistics, by stratum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategyRecord {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The trials whose release was good.
    pub good: StratumRecord,
    /// The trials whose release was bad.
    pub bad: StratumRecord,
}

/// One stratum's outcome counts and metric accumulators.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StratumRecord {
    pub outcomes: BTreeMap<String, u64>,
    pub metrics: Vec<StatRecord>,
}

/// One metric's exact accumulator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatRecord {
    pub metric: String,
    pub scale: f64,
    pub count: u64,
    pub sum: String,
    pub sum_sq: String,
    pub min: u64,
    pub max: u64,
    pub histogram: String,
}

/// What a shard file says about the run it belongs to, besides its statistics.
#[derive(Clone, Debug)]
pub struct Header {
    pub kind: Kind,
    pub scenario: String,
    pub fingerprint: String,
    pub seed: u64,
    pub runs: u64,
    pub shard: Shard,
    pub strategies: Vec<String>,
    pub keys: Vec<String>,
    /// The resolved scenario of a run (not of a sweep: its points differ).
    pub scenario_yaml: Option<String>,
}

/// One point's results, as a shard writes them.
pub struct PointStats<'a> {
    pub set: &'a [String],
    /// See [`PointRecord::bad_weight`].
    pub bad_weight: Option<f64>,
    pub ids: &'a [StrategyId],
    pub stats: &'a [StrategyStats],
}

/// The shard file of `header` with the statistics of `points`, as JSON text.
pub fn to_json(header: &Header, points: &[PointStats<'_>]) -> Result<String, Error> {
    let points = points
        .iter()
        .map(|p| {
            let strategies = p.ids.iter().zip(p.stats).map(strategy_record);
            Ok(PointRecord {
                set: p.set.to_vec(),
                bad_weight: p.bad_weight,
                strategies: strategies.collect::<Result<_, Error>>()?,
            })
        })
        .collect::<Result<_, Error>>()?;
    let file = ShardFile {
        format: FORMAT.to_owned(),
        version: VERSION,
        kind: header.kind,
        scenario: header.scenario.clone(),
        fingerprint: header.fingerprint.clone(),
        seed: header.seed,
        runs: header.runs,
        shard: ShardIndex {
            index: header.shard.index(),
            count: header.shard.count(),
        },
        trials: header.shard.trials(header.runs),
        strategies: header.strategies.clone(),
        keys: header.keys.clone(),
        scenario_yaml: header.scenario_yaml.clone(),
        points,
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(anyhow::Error::from)?;
    text.push('\n');
    Ok(text)
}

fn strategy_record((id, s): (&StrategyId, &StrategyStats)) -> Result<StrategyRecord, Error> {
    let stats = |v: &PerMetric<Stat>| {
        v.iter()
            .map(|(m, st)| stat_record(m.name(), st))
            .collect::<Result<Vec<_>, Error>>()
    };
    let stratum = |st: &StratumStats| {
        Ok::<_, Error>(StratumRecord {
            outcomes: st
                .outcomes()
                .iter()
                .map(|(o, &n)| (o.name().to_owned(), n))
                .collect(),
            metrics: stats(st.metrics())?,
        })
    };
    Ok(StrategyRecord {
        name: id.name.clone(),
        kind: id.kind.clone(),
        good: stratum(s.good())?,
        bad: stratum(s.bad())?,
    })
}

fn stat_record(metric: &str, st: &Stat) -> Result<StatRecord, Error> {
    let p = st.to_parts();
    let mut bytes = Vec::new();
    V2Serializer::new()
        .serialize(&p.hist, &mut bytes)
        .map_err(|e| anyhow::anyhow!("serializing the {metric} histogram: {e:?}"))?;
    Ok(StatRecord {
        metric: metric.to_owned(),
        scale: p.scale,
        count: p.count,
        sum: p.sum.to_string(),
        sum_sq: p.sum_sq.to_string(),
        min: p.min,
        max: p.max,
        histogram: base64::encode(&bytes),
    })
}

/// A shard file as read, with where it came from.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub path: PathBuf,
    pub file: ShardFile,
}

/// Reads the shard file at `path`, or `path/shard.json` when `path` is a
/// directory. Checks its format and version.
pub fn read(path: &Path) -> Result<Loaded, Error> {
    if path.is_dir() && !path.join(FILE_NAME).exists() {
        return Err(Error::Merge(format!(
            "{}: no {FILE_NAME} here; give each shard's --out directory (e.g. results/shard-*)",
            path.display()
        )));
    }
    let path = if path.is_dir() {
        path.join(FILE_NAME)
    } else {
        path.to_path_buf()
    };
    let text = crate::input::read_text(&path, MAX_FILE_BYTES)
        .map_err(|e| Error::Merge(format!("{}: {e}", path.display())))?;
    parse(&text, &path)
}

/// Reads the text of a shard file (from `path`, for messages): checks its
/// format and version.
pub fn parse(text: &str, path: &Path) -> Result<Loaded, Error> {
    let bad = |why: String| Error::Merge(format!("{}: {why}", path.display()));
    let head: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| bad(format!("not a {FORMAT} file (invalid JSON: {e})")))?;
    if head.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(bad(format!(
            "not a {FORMAT} file (no \"format\": \"{FORMAT}\")"
        )));
    }
    if head.get("version").and_then(|v| v.as_u64()) != Some(u64::from(VERSION)) {
        return Err(bad(format!(
            "{FORMAT} version {}; this deploysim reads version {VERSION}",
            head.get("version").unwrap_or(&serde_json::Value::Null)
        )));
    }
    let file: ShardFile =
        serde_json::from_value(head).map_err(|e| bad(format!("damaged shard file: {e}")))?;
    Ok(Loaded {
        path: path.to_path_buf(),
        file,
    })
}

/// Merged shards: the whole run's summary for each point.
#[derive(Clone, Debug)]
pub struct Merged {
    pub kind: Kind,
    pub scenario: String,
    pub runs: u64,
    pub seed: u64,
    pub keys: Vec<String>,
    /// The resolved scenario of a run, as its shards carry it.
    pub scenario_yaml: Option<String>,
    pub points: Vec<MergedPoint>,
}

/// One point of [`Merged`].
#[derive(Clone, Debug)]
pub struct MergedPoint {
    /// Values of the swept keys, as given on the command line.
    pub set: Vec<String>,
    pub summary: RunSummary,
    /// The merged statistics behind `summary` (for plots).
    pub stats: Vec<StrategyStats>,
}

/// Checks that `shards` are the shards 0..N of one run (or sweep), each
/// exactly once, and adds their statistics up.
pub fn merge(mut shards: Vec<Loaded>) -> Result<Merged, Error> {
    let Some(first) = shards.first() else {
        return Err(Error::Merge("no shard files given".into()));
    };
    let first = first.clone();
    for s in &shards {
        check_sound(s)?;
        check_arithmetic(s)?;
        check_fits(&first, s)?;
    }
    check_complete(&shards)?;
    shards.sort_by_key(|s| s.file.shard.index);
    check_totals_fit(&shards)?;
    let f = &first.file;
    let points = (0..f.points.len())
        .map(|p| merge_point(&shards, p))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Merged {
        kind: f.kind,
        scenario: f.scenario.clone(),
        runs: f.runs,
        seed: f.seed,
        keys: f.keys.clone(),
        scenario_yaml: f.scenario_yaml.clone(),
        points,
    })
}

fn kind_name(k: Kind) -> String {
    match k {
        Kind::Run => "deploysim run".into(),
        Kind::Sweep => "deploysim sweep".into(),
    }
}

/// The file agrees with itself: its index, trial count and point shapes.
fn check_sound(s: &Loaded) -> Result<(), Error> {
    let f = &s.file;
    let damaged =
        |why: String| Error::Merge(format!("{}: damaged shard file: {why}", s.path.display()));
    let Some(shard) = Shard::new(f.shard.index, f.shard.count) else {
        return Err(damaged(format!(
            "shard {}/{} is not a shard index",
            f.shard.index, f.shard.count
        )));
    };
    if f.shard.count > f.runs.max(1) {
        return Err(damaged(format!(
            "{} shards of {} runs: a shard without a trial",
            f.shard.count, f.runs
        )));
    }
    if f.trials != shard.trials(f.runs) {
        return Err(damaged(format!(
            "{} trials, but shard {shard} of {} runs has {}",
            f.trials,
            f.runs,
            shard.trials(f.runs)
        )));
    }
    match (&f.scenario_yaml, f.kind) {
        (None, Kind::Run) => return Err(damaged("a run's shard without its scenario".to_owned())),
        (Some(yaml), _) if fingerprint(yaml) != f.fingerprint => {
            return Err(damaged(
                "its scenario does not match its fingerprint".to_owned(),
            ));
        }
        _ => {}
    }
    let want_points = if f.kind == Kind::Run {
        1
    } else {
        f.points.len().max(1)
    };
    if f.points.len() != want_points {
        return Err(damaged(format!(
            "{} points from {}",
            f.points.len(),
            kind_name(f.kind)
        )));
    }
    for p in &f.points {
        if p.set.len() != f.keys.len() {
            return Err(damaged(format!(
                "a point with {} values for {} keys",
                p.set.len(),
                f.keys.len()
            )));
        }
        let names: Vec<&str> = p.strategies.iter().map(|s| s.name.as_str()).collect();
        if names != f.strategies {
            return Err(damaged(format!(
                "a point has strategies {names:?}, not {:?}",
                f.strategies
            )));
        }
    }
    Ok(())
}

/// `s` belongs to the same run as `first`.
fn check_fits(first: &Loaded, s: &Loaded) -> Result<(), Error> {
    let (a, b) = (&first.file, &s.file);
    let differs: Option<(&str, String, String)> = if a.kind != b.kind {
        Some(("it comes from", kind_name(b.kind), kind_name(a.kind)))
    } else if a.scenario != b.scenario {
        Some(("its scenario is", b.scenario.clone(), a.scenario.clone()))
    } else if a.seed != b.seed {
        Some(("its seed is", b.seed.to_string(), a.seed.to_string()))
    } else if a.runs != b.runs {
        Some(("its runs are", b.runs.to_string(), a.runs.to_string()))
    } else if a.strategies != b.strategies {
        Some((
            "its strategies are",
            b.strategies.join(", "),
            a.strategies.join(", "),
        ))
    } else if a.keys != b.keys {
        Some(("its swept keys are", b.keys.join(", "), a.keys.join(", ")))
    } else if a.shard.count != b.shard.count {
        Some((
            "it is one of",
            format!("{} shards", b.shard.count),
            format!("{}", a.shard.count),
        ))
    } else if a.fingerprint != b.fingerprint || a.points.len() != b.points.len() {
        Some((
            "its resolved scenario differs: fingerprint",
            b.fingerprint.clone(),
            a.fingerprint.clone(),
        ))
    } else {
        None
    };
    match differs {
        None => Ok(()),
        Some((what, theirs, ours)) => Err(Error::Merge(format!(
            "{} does not belong with {}: {what} {theirs}, not {ours}",
            s.path.display(),
            first.path.display()
        ))),
    }
}

/// Every index 0..N appears exactly once.
fn check_complete(shards: &[Loaded]) -> Result<(), Error> {
    let count = shards[0].file.shard.count;
    let mut seen: BTreeMap<u64, &Path> = BTreeMap::new();
    for s in shards {
        let i = s.file.shard.index;
        if let Some(other) = seen.insert(i, &s.path) {
            return Err(Error::Merge(format!(
                "shard {i}/{count} is given twice: {} and {}",
                other.display(),
                s.path.display()
            )));
        }
    }
    // Counted, not listed: a damaged count may be as large as u64::MAX.
    let missing = count - seen.len() as u64;
    if missing == 0 {
        return Ok(());
    }
    let mut list = String::new();
    let first = (0..count).filter(|i| !seen.contains_key(i)).take(10);
    for (k, i) in first.enumerate() {
        let sep = if k == 0 { "" } else { ", " };
        let _ = write!(list, "{sep}{i}/{count}");
    }
    if missing > 10 {
        let _ = write!(list, " and {} more", missing - 10);
    }
    let given: Vec<String> = seen
        .iter()
        .map(|(i, p)| format!("{i}/{count} in {}", p.display()))
        .collect();
    Err(Error::Merge(format!(
        "missing shard{} {list} (given: {})",
        if missing == 1 { "" } else { "s" },
        given.join(", ")
    )))
}

/// A decimal u128 of a stat record: `sum` or `sum_sq`.
fn decimal(what: &str, text: &str) -> Result<u128, String> {
    text.parse::<u128>()
        .map_err(|_| format!("{what} {text:?} is not a whole number"))
}

fn merge_point(shards: &[Loaded], p: usize) -> Result<MergedPoint, Error> {
    let first = &shards[0].file;
    let point = &first.points[p];
    let mut total: Vec<StrategyStats> = point
        .strategies
        .iter()
        .map(|_| StrategyStats::new())
        .collect();
    for s in shards {
        let theirs = &s.file.points[p];
        if theirs.set != point.set {
            return Err(Error::Merge(format!(
                "{} does not belong with {}: its point {p} is {:?}, not {:?}",
                s.path.display(),
                shards[0].path.display(),
                theirs.set,
                point.set
            )));
        }
        if theirs.bad_weight != point.bad_weight {
            return Err(Error::Merge(format!(
                "{} does not belong with {}: its point {p} weighs bad releases {:?}, not {:?}",
                s.path.display(),
                shards[0].path.display(),
                theirs.bad_weight,
                point.bad_weight
            )));
        }
        for (t, rec) in total.iter_mut().zip(&theirs.strategies) {
            let stats = decode_strategy(rec, s.file.trials).map_err(|why| {
                Error::Merge(format!(
                    "{}: damaged shard file: {}: {why}",
                    s.path.display(),
                    rec.name
                ))
            })?;
            t.merge(&stats);
        }
    }
    let ids: Vec<StrategyId> = point
        .strategies
        .iter()
        .map(|s| StrategyId {
            name: s.name.clone(),
            kind: s.kind.clone(),
        })
        .collect();
    Ok(MergedPoint {
        set: point.set.clone(),
        summary: summarize_named(
            &first.scenario,
            first.runs,
            first.seed,
            &ids,
            &total,
            point.bad_weight,
        ),
        stats: total,
    })
}

/// One strategy's statistics from its record, checked against the shard's
/// trial count and this build's metrics.
fn decode_strategy(rec: &StrategyRecord, trials: u64) -> Result<StrategyStats, String> {
    let good = decode_stratum(&rec.good).map_err(|why| format!("good releases: {why}"))?;
    let bad = decode_stratum(&rec.bad).map_err(|why| format!("bad releases: {why}"))?;
    let total = good.trials() + bad.trials();
    if total != trials {
        return Err(format!("outcomes add up to {total} trials, not {trials}"));
    }
    Ok(StrategyStats::from_strata(good, bad))
}

/// One stratum's statistics, its metrics counting no more values than it
/// has trials.
fn decode_stratum(rec: &StratumRecord) -> Result<StratumStats, String> {
    let outcomes = PerOutcome::try_from_fn(|o| {
        rec.outcomes
            .get(o.name())
            .copied()
            .ok_or_else(|| format!("no count of outcome {}", o.name()))
    })?;
    if rec.outcomes.len() != Outcome::COUNT {
        return Err(format!(
            "outcomes {:?} are not {:?}",
            rec.outcomes.keys(),
            Outcome::ALL.map(|o| o.name())
        ));
    }
    let trials: u64 = outcomes.values().iter().sum();
    let metrics = decode_stats(&rec.metrics)?;
    if let Some((m, st)) = metrics.iter().find(|(_, st)| st.count() > trials) {
        return Err(format!(
            "{}: {} values from {trials} trials",
            m.name(),
            st.count()
        ));
    }
    Ok(StratumStats::from_parts(metrics, outcomes))
}

/// Each metric's accumulator, from records that must name this build's
/// metrics in order, each at its scale.
fn decode_stats(recs: &[StatRecord]) -> Result<PerMetric<Stat>, String> {
    let names: Vec<&str> = recs.iter().map(|r| r.metric.as_str()).collect();
    let expected = Metric::ALL.map(Metric::name);
    if names != expected {
        return Err(format!("metrics {names:?}, expected {expected:?}"));
    }
    PerMetric::try_from_fn(|m| {
        let rec = &recs[m as usize];
        if rec.scale != m.scale() {
            return Err(format!(
                "{}: scale {}, expected {}",
                rec.metric,
                rec.scale,
                m.scale()
            ));
        }
        decode_stat(rec, m.whole()).map_err(|why| format!("{}: {why}", rec.metric))
    })
}

fn decode_stat(rec: &StatRecord, whole: bool) -> Result<Stat, String> {
    Stat::from_parts(StatParts {
        scale: rec.scale,
        count: rec.count,
        sum: decimal("sum", &rec.sum)?,
        sum_sq: decimal("sum_sq", &rec.sum_sq)?,
        min: rec.min,
        max: rec.max,
        hist: decode_histogram(&rec.histogram)?,
        whole,
    })
}

/// Length of the V2 header: cookie, payload length, offset, digits, low,
/// high, ratio.
const V2_HEADER: usize = 40;

fn decode_histogram(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::decode(text).ok_or("the histogram is not base64")?;
    // The payload length is checked first: the decoder would otherwise
    // allocate whatever a damaged file claims.
    let claimed = bytes
        .get(4..8)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    if bytes.len() < V2_HEADER || claimed != Some(bytes.len() - V2_HEADER) {
        return Err("the histogram is truncated".into());
    }
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("the histogram cannot be decoded: {e:?}"))
}

/// Standard base64 with padding (RFC 4648 §4), as HdrHistogram logs use.
mod base64 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for k in 0..4 {
                if k <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * k)) as usize & 63] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    pub fn decode(text: &str) -> Option<Vec<u8>> {
        let text = text.as_bytes();
        if !text.len().is_multiple_of(4) {
            return None;
        }
        let mut out = Vec::with_capacity(text.len() / 4 * 3);
        for (c, chunk) in text.chunks(4).enumerate() {
            let last = c + 1 == text.len() / 4;
            let pad = chunk.iter().rev().take_while(|&&b| b == b'=').count();
            if pad > 2 || (pad > 0 && !last) {
                return None;
            }
            let mut n = 0u32;
            for &b in &chunk[..4 - pad] {
                let v = ALPHABET.iter().position(|&a| a == b)?;
                n = (n << 6) | v as u32;
            }
            n <<= 6 * pad as u32;
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            out.extend_from_slice(&bytes[..3 - pad]);
        }
        Some(out)
    }
}

/// The `trials.csv` beside each shard file, by shard index: all of them,
/// none (e.g. a sweep), or an error naming the shard without one.
pub fn trials_files(shards: &[Loaded]) -> Result<Vec<PathBuf>, Error> {
    let mut by_index: Vec<(u64, PathBuf)> = shards
        .iter()
        .map(|s| {
            let dir = s.path.parent().unwrap_or(Path::new("."));
            (s.file.shard.index, dir.join("trials.csv"))
        })
        .collect();
    by_index.sort();
    let present = by_index.iter().filter(|(_, p)| p.is_file()).count();
    if present == 0 {
        return Ok(Vec::new());
    }
    if let Some((i, p)) = by_index.iter().find(|(_, p)| !p.is_file()) {
        return Err(Error::Merge(format!(
            "{}: missing, but the other shards wrote their trials.csv (shard {i})",
            p.display()
        )));
    }
    Ok(by_index.into_iter().map(|(_, p)| p).collect())
}

/// Joins the shards' `trials.csv` (`files[i]` of shard i of N) into the
/// file one machine writes: trial t's `strategies` rows come from shard
/// t mod N, in trial order. Streams line by line; the bytes are copied, so
/// the result is identical to a single run's.
pub fn join_trials(
    files: &[PathBuf],
    runs: u64,
    strategies: usize,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    use std::io::BufRead;
    let open = |p: &PathBuf| {
        std::fs::File::open(p)
            .map(std::io::BufReader::new)
            .map_err(|e| Error::Merge(format!("{}: cannot read it: {e}", p.display())))
    };
    let mut readers = files.iter().map(open).collect::<Result<Vec<_>, _>>()?;
    let damaged = |i: usize, why: String| {
        Error::Merge(format!("{}: damaged trials.csv: {why}", files[i].display()))
    };
    let write = |out: &mut dyn std::io::Write, line: &str| {
        out.write_all(line.as_bytes())
            .map_err(|e| Error::Internal(anyhow::anyhow!("writing trials.csv: {e}")))
    };
    let mut line = String::new();
    let mut header = None;
    for (i, r) in readers.iter_mut().enumerate() {
        line.clear();
        r.read_line(&mut line)
            .map_err(|e| damaged(i, e.to_string()))?;
        match &header {
            None => header = Some(line.clone()),
            Some(h) if *h != line => return Err(damaged(i, "its header differs".into())),
            Some(_) => {}
        }
    }
    write(out, header.as_deref().unwrap_or_default())?;
    let n = readers.len() as u64;
    for t in 0..runs {
        let i = (t % n) as usize;
        for _ in 0..strategies {
            line.clear();
            readers[i]
                .read_line(&mut line)
                .map_err(|e| damaged(i, e.to_string()))?;
            if line.split(',').next() != Some(t.to_string().as_str()) {
                return Err(damaged(i, format!("expected a row of trial {t}")));
            }
            write(out, &line)?;
        }
    }
    for (i, r) in readers.iter_mut().enumerate() {
        line.clear();
        if r.read_line(&mut line)
            .map_err(|e| damaged(i, e.to_string()))?
            > 0
        {
            return Err(damaged(i, "rows beyond the run's trials".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for n in 0..20u8 {
            let bytes: Vec<u8> = (0..n)
                .map(|i| i.wrapping_mul(37).wrapping_add(200))
                .collect();
            let text = base64::encode(&bytes);
            assert_eq!(base64::decode(&text), Some(bytes));
        }
        assert_eq!(base64::encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64::encode(b"fo"), "Zm8=");
        assert_eq!(base64::decode("Zm8"), None);
        assert_eq!(base64::decode("Z=8="), None);
    }

    #[test]
    fn fnv1a64_matches_the_reference_values() {
        assert_eq!(fingerprint(""), "fnv1a64:cbf29ce484222325");
        assert_eq!(fingerprint("a"), "fnv1a64:af63dc4c8601ec8c");
        assert_eq!(fingerprint("foobar"), "fnv1a64:85944171f73967e8");
    }

    #[test]
    fn shard_argument_forms() {
        let s = |i, n| Shard::new(i, n).expect("valid");
        assert_eq!(parse_arg("2/5", None).ok(), Some(s(2, 5)));
        assert_eq!(parse_arg("2/5", Some("4")).ok(), Some(s(2, 5)));
        assert_eq!(parse_arg("5", Some("4")).ok(), Some(s(4, 5)));
        assert_eq!(parse_arg("0/1", None).ok(), Some(Shard::WHOLE));
        for (arg, env, says) in [
            ("5/5", None, "I = 5 is not below N = 5"),
            ("0/0", None, "N must be at least 1"),
            ("5", None, "JOB_COMPLETION_INDEX is not set"),
            ("5", Some("5"), "I = 5 is not below N = 5"),
            ("5", Some("x"), "JOB_COMPLETION_INDEX=\"x\""),
            ("a/2", None, "I \"a\" is not a whole number"),
            ("-1/2", None, "not a whole number"),
            ("1/2/3", None, "not a whole number"),
        ] {
            let e = parse_arg(arg, env).expect_err(arg).to_string();
            assert!(e.contains(says), "{arg}: {e}");
            assert_eq!(Error::Usage(String::new()).exit_code(), 2);
        }
    }

    #[test]
    fn histograms_survive_encoding() {
        let mut st = Stat::new(1000.0);
        for v in [0.0, 0.25, 3.0, 1e6] {
            st.add(v);
        }
        let rec = stat_record("failed_requests", &st).expect("encodes");
        let back = decode_stat(&rec, false).expect("decodes");
        assert_eq!(back.summary(), st.summary());
        let mut cut = rec.clone();
        cut.histogram.truncate(cut.histogram.len() - 8);
        assert!(decode_stat(&cut, false).is_err());
    }
}
