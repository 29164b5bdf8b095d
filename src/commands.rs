//! The commands behind the CLI: each reads a scenario, runs the library and
//! writes its output. `main.rs` only parses arguments and maps errors to
//! exit codes.

use std::io::Write;
use std::path::PathBuf;

use crate::error::Error;
use crate::montecarlo::{self, Plan};
use crate::report::{self, OutputDir, trace::Trace};
use crate::scenario::{self, Scenario};
use crate::trial::World;

/// How `run` prints its summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
}

/// Options of `deploysim run`.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub scenario: PathBuf,
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    /// Strategy names to run (all when empty).
    pub strategies: Vec<String>,
    pub format: Format,
    pub out: Option<PathBuf>,
}

/// `deploysim validate`: the resolved scenario, every default filled in.
pub fn validate(path: &std::path::Path, stdout: &mut dyn Write) -> Result<(), Error> {
    let sc = scenario::load(path)?;
    stdout
        .write_all(scenario::render(&sc).as_bytes())
        .map_err(Error::Stdout)
}

/// `deploysim run`: the Monte Carlo comparison.
pub fn run(opts: &RunOptions, stdout: &mut dyn Write) -> Result<(), Error> {
    let sc = scenario::load(&opts.scenario)?;
    let plan = plan(&sc, opts)?;
    let pool = thread_pool(opts.threads)?;
    let mut out = opts.out.as_deref().map(OutputDir::new).transpose()?;
    let summary = pool.install(|| match out.as_mut() {
        Some(dir) => run_with_trials(&sc, &plan, dir),
        None => Ok(montecarlo::run(&sc, &plan, None)),
    })?;
    let summary = montecarlo::summarize(&sc, &plan, &summary);
    if let Some(mut dir) = out {
        dir.add("summary.json", report::json::summary(&summary)?.as_bytes())?;
        dir.add("summary.csv", report::csv::summary(&summary)?.as_bytes())?;
        dir.commit()?;
    }
    let text = match opts.format {
        Format::Table => report::table::render(&summary),
        Format::Json => report::json::summary(&summary)?,
        Format::Csv => report::csv::summary(&summary)?,
    };
    stdout.write_all(text.as_bytes()).map_err(Error::Stdout)
}

fn run_with_trials(
    sc: &Scenario,
    plan: &Plan,
    dir: &mut OutputDir,
) -> Result<Vec<montecarlo::StrategyStats>, Error> {
    let (tmp, file) = dir.add_streamed("trials.csv")?;
    let io = |e: csv::Error| Error::Write {
        path: tmp.clone(),
        source: std::io::Error::other(e),
    };
    let mut writer = report::csv::TrialsWriter::new(file).map_err(io)?;
    let mut failure = None;
    let stats = montecarlo::run(
        sc,
        plan,
        Some(&mut |rows| {
            if failure.is_none() {
                failure = writer.write(sc, rows).err();
            }
        }),
    );
    if let Some(e) = failure {
        return Err(io(e));
    }
    let mut file = writer.finish()?;
    file.flush().map_err(|source| Error::Write {
        path: tmp.clone(),
        source,
    })?;
    Ok(stats)
}

fn plan(sc: &Scenario, opts: &RunOptions) -> Result<Plan, Error> {
    let runs = opts.runs.unwrap_or(sc.monte_carlo.runs);
    if runs == 0 {
        return Err(Error::Usage("--runs must be at least 1".into()));
    }
    Ok(Plan {
        runs,
        seed: opts.seed.unwrap_or(sc.monte_carlo.seed),
        strategies: select(sc, &opts.strategies)?,
    })
}

/// Indices of the named strategies (all when `names` is empty).
fn select(sc: &Scenario, names: &[String]) -> Result<Vec<usize>, Error> {
    if names.is_empty() {
        return Ok((0..sc.strategies.len()).collect());
    }
    names.iter().map(|n| strategy_index(sc, n)).collect()
}

fn strategy_index(sc: &Scenario, name: &str) -> Result<usize, Error> {
    sc.strategies
        .iter()
        .position(|s| s.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = sc.strategies.iter().map(|s| s.name.as_str()).collect();
            Error::Usage(format!(
                "no strategy named {name:?} in scenario {:?}; it has: {}",
                sc.name,
                known.join(", ")
            ))
        })
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    if threads == Some(0) {
        return Err(Error::Usage("--threads must be at least 1".into()));
    }
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        b = b.num_threads(t);
    }
    b.build().map_err(|e| Error::Internal(e.into()))
}

/// Options of `deploysim trace`.
#[derive(Clone, Debug, Default)]
pub struct TraceOptions {
    pub scenario: PathBuf,
    pub strategy: String,
    pub trial: u64,
    /// Take the first trial from `trial` on whose release is bad.
    pub bad: bool,
    pub seed: Option<u64>,
    pub json: bool,
}

/// `deploysim trace`: one rollout, event by event.
pub fn trace(opts: &TraceOptions, stdout: &mut dyn Write) -> Result<(), Error> {
    let sc = scenario::load(&opts.scenario)?;
    let t = build_trace(&sc, opts)?;
    let text = if opts.json {
        let mut s = serde_json::to_string_pretty(&t).map_err(anyhow::Error::from)?;
        s.push('\n');
        s
    } else {
        report::trace::text(&t)
    };
    stdout.write_all(text.as_bytes()).map_err(Error::Stdout)
}

/// Simulates the trace of one trial of one strategy.
pub fn build_trace(sc: &Scenario, opts: &TraceOptions) -> Result<Trace, Error> {
    let k = strategy_index(sc, &opts.strategy)?;
    let seed = opts.seed.unwrap_or(sc.monte_carlo.seed);
    let trial = if opts.bad {
        first_bad(sc, seed, opts.trial)?
    } else {
        opts.trial
    };
    let mut world = World::new(sc, &sc.strategies[k]);
    world.enable_trace();
    let (release, result) = montecarlo::run_trial(&mut world, sc, seed, trial);
    Ok(Trace {
        strategy: sc.strategies[k].name.clone(),
        trial,
        bad: release.is_bad(),
        defect: release
            .defect
            .as_ref()
            .map(|d| format!("{} (severity {:.4})", d.kind, d.severity)),
        outcome: result.outcome,
        events: world.take_trace(),
    })
}

fn first_bad(sc: &Scenario, seed: u64, from: u64) -> Result<u64, Error> {
    const SEARCH: u64 = 1_000_000;
    (from..from.saturating_add(SEARCH))
        .find(|&i| montecarlo::release_of(sc, seed, i).is_bad())
        .ok_or_else(|| {
            Error::Usage(format!(
                "no bad release among trials {from}..{} (release.defectProbability is {})",
                from.saturating_add(SEARCH),
                sc.release.defect_probability
            ))
        })
}
