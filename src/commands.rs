//! The commands behind the CLI: each reads a scenario, runs the library and
//! writes its output. `main.rs` only parses arguments and maps errors to
//! exit codes.

use std::io::Write;
use std::path::PathBuf;

use crate::error::Error;
use crate::montecarlo::{self, Plan, RunSummary, Shard, Strata, StrategyId, StrategyStats};
use crate::report::{self, OutputDir, trace::Trace, view::Report};
use crate::scenario::{self, Scenario};
use crate::shard::{self, Kind, PointStats};
use crate::sweep::{self, SweepSummary};
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
    /// Run only this shard's trials and write `shard.json` (and
    /// `trials.csv`) to `out` instead of a summary.
    pub shard: Option<Shard>,
    /// Colour the table's grades (stdout is a terminal).
    pub color: bool,
    /// No progress bar.
    pub quiet: bool,
    /// With `out`, leave out `trials.csv`.
    pub no_trials: bool,
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
    check_shard_args(opts.shard, opts.out.as_deref(), opts.format)?;
    let sc = scenario::load(&opts.scenario)?;
    let plan = plan(&sc, opts)?;
    let pool = thread_pool(opts.threads)?;
    let mut out = opts.out.as_deref().map(OutputDir::new).transpose()?;
    let shard = opts.shard.unwrap_or(Shard::WHOLE);
    let bar = progress_bar(
        shard.trials(plan.runs) * plan.strategies.len() as u64,
        opts.quiet,
    );
    let tick = |n: u64| bar.inc(n);
    let stats = pool.install(|| match out.as_mut() {
        Some(dir) if !opts.no_trials => run_with_trials(&sc, &plan, shard, dir, &tick),
        _ => Ok(montecarlo::run_shard_with_progress(
            &sc, &plan, shard, None, &tick,
        )),
    })?;
    bar.finish_and_clear();
    if let Some(shard) = opts.shard
        && let Some(dir) = out.take()
    {
        return write_run_shard(&sc, &plan, shard, &stats, dir, stdout);
    }
    let summary = montecarlo::summarize(&sc, &plan, &stats);
    let report = Report::new(&sc, &summary);
    if let Some(mut dir) = out {
        add_summary(&mut dir, &summary)?;
        add_report(
            &mut dir,
            &sc,
            &report,
            &summary,
            &stats,
            &reproduce(opts, &plan),
        )?;
        dir.commit()?;
    }
    let table = || report::table::render(&summary, &report, opts.color);
    print_summary(&summary, opts.format, table, stdout)
}

/// Trials (× strategies) below which a run is too short for a progress bar.
const PROGRESS_FROM: u64 = 50_000;

/// A progress bar on stderr — only on a terminal, and only for runs long
/// enough to want one; hidden otherwise.
fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || total < PROGRESS_FROM || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} trials, {eta} left")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// `--shard` writes partial results: it needs `--out`, and prints no summary.
fn check_shard_args(
    shard: Option<Shard>,
    out: Option<&std::path::Path>,
    format: Format,
) -> Result<(), Error> {
    match shard {
        Some(s) if out.is_none() => Err(Error::Usage(format!(
            "--shard {s} needs --out DIR: a shard writes its partial results there for `deploysim merge`"
        ))),
        Some(s) if format != Format::Table => Err(Error::Usage(format!(
            "--shard {s} prints no summary, so --format does not apply; `deploysim merge` prints it"
        ))),
        _ => Ok(()),
    }
}

fn add_summary(dir: &mut OutputDir, summary: &RunSummary) -> Result<(), Error> {
    dir.add("summary.json", report::json::summary(summary)?.as_bytes())?;
    dir.add("summary.csv", report::csv::summary(summary)?.as_bytes())
}

/// Writes `report.md`, `report.html` and `plots/` (SVG and PNG).
fn add_report(
    dir: &mut OutputDir,
    sc: &Scenario,
    report: &Report,
    summary: &RunSummary,
    stats: &[StrategyStats],
    command: &str,
) -> Result<(), Error> {
    let figures = report::figures::run(summary, stats)?;
    add_figures(dir, &figures)?;
    let rec = crate::recommend::recommend(sc, summary);
    let doc = report::document::build(report, summary, &rec, command);
    dir.add("report.md", report::markdown::render(&doc).as_bytes())?;
    let svg = |name: &str| {
        figures
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.svg.clone())
    };
    dir.add("report.html", report::html::render(&doc, &svg).as_bytes())
}

/// Stages `plots/{name}.svg` and `plots/{name}.png` of each figure.
fn add_figures(dir: &mut OutputDir, figures: &[report::plots::Figure]) -> Result<(), Error> {
    for f in figures {
        dir.add(&format!("plots/{}.svg", f.name), f.svg.as_bytes())?;
        dir.add(&format!("plots/{}.png", f.name), &f.png)?;
    }
    Ok(())
}

/// The command that writes this run's report again.
fn reproduce(opts: &RunOptions, plan: &Plan) -> String {
    let mut cmd = format!(
        "deploysim run {} --runs {} --seed {}",
        opts.scenario.display(),
        plan.runs,
        plan.seed
    );
    for name in &opts.strategies {
        cmd.push_str(&format!(" --strategy {name}"));
    }
    // The folder is left as DIR: the same report written anywhere is the
    // same bytes.
    cmd.push_str(" --out DIR");
    cmd
}

fn print_summary(
    summary: &RunSummary,
    format: Format,
    table: impl FnOnce() -> String,
    stdout: &mut dyn Write,
) -> Result<(), Error> {
    let text = match format {
        Format::Table => table(),
        Format::Json => report::json::summary(summary)?,
        Format::Csv => report::csv::summary(summary)?,
    };
    stdout.write_all(text.as_bytes()).map_err(Error::Stdout)
}

/// Writes `shard.json` beside the shard's `trials.csv` and says so.
fn write_run_shard(
    sc: &Scenario,
    plan: &Plan,
    shard: Shard,
    stats: &[StrategyStats],
    mut dir: OutputDir,
    stdout: &mut dyn Write,
) -> Result<(), Error> {
    let resolved = scenario::render(sc);
    let header = shard::Header {
        kind: Kind::Run,
        scenario: sc.name.clone(),
        fingerprint: shard::fingerprint(&resolved),
        scenario_yaml: Some(resolved),
        seed: plan.seed,
        runs: plan.runs,
        shard,
        strategies: strategy_names(sc, plan),
        keys: Vec::new(),
    };
    let ids = strategy_ids(sc, plan);
    let point = PointStats {
        set: &[],
        bad_weight: Strata::of(sc).bad_weight(),
        ids: &ids,
        stats,
    };
    dir.add(
        shard::FILE_NAME,
        shard::to_json(&header, &[point])?.as_bytes(),
    )?;
    let written = dir.commit()?;
    report_shard(&header, &written, stdout)
}

/// One line about a written shard.
fn report_shard(
    header: &shard::Header,
    written: &[PathBuf],
    stdout: &mut dyn Write,
) -> Result<(), Error> {
    let files: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    writeln!(
        stdout,
        "{}: shard {} ran {} of {} trials per strategy; wrote {}",
        header.scenario,
        header.shard,
        header.shard.trials(header.runs),
        header.runs,
        files.join(", ")
    )
    .map_err(Error::Stdout)
}

fn strategy_ids(sc: &Scenario, plan: &Plan) -> Vec<StrategyId> {
    plan.strategies
        .iter()
        .map(|&i| StrategyId {
            name: sc.strategies[i].name.clone(),
            kind: sc.strategies[i].kind.type_name().to_owned(),
        })
        .collect()
}

fn strategy_names(sc: &Scenario, plan: &Plan) -> Vec<String> {
    plan.strategies
        .iter()
        .map(|&i| sc.strategies[i].name.clone())
        .collect()
}

fn run_with_trials(
    sc: &Scenario,
    plan: &Plan,
    shard: Shard,
    dir: &mut OutputDir,
    progress: montecarlo::Progress<'_>,
) -> Result<Vec<montecarlo::StrategyStats>, Error> {
    let (tmp, file) = dir.add_streamed("trials.csv")?;
    let io = |e: csv::Error| Error::Write {
        path: tmp.clone(),
        source: std::io::Error::other(e),
    };
    let mut writer = report::csv::TrialsWriter::new(file).map_err(io)?;
    let mut failure = None;
    let stats = montecarlo::run_shard_with_progress(
        sc,
        plan,
        shard,
        Some(&mut |rows| {
            if failure.is_none() {
                failure = writer.write(sc, rows).err();
            }
        }),
        progress,
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

/// Options of `deploysim merge`.
#[derive(Clone, Debug, Default)]
pub struct MergeOptions {
    /// Shard directories (or their `shard.json` files).
    pub shards: Vec<PathBuf>,
    pub format: Format,
    pub out: Option<PathBuf>,
    /// Colour the table's grades (stdout is a terminal).
    pub color: bool,
}

/// `deploysim merge`: the shards of a run (or sweep) into the summary one
/// machine would have written.
pub fn merge(opts: &MergeOptions, stdout: &mut dyn Write) -> Result<(), Error> {
    let loaded = opts
        .shards
        .iter()
        .map(|p| shard::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    // Checked after the shards are known to belong together.
    let trials = shard::trials_files(&loaded);
    let merged = shard::merge(loaded)?;
    let trials = trials?;
    let mut out = opts.out.as_deref().map(OutputDir::new).transpose()?;
    match merged.kind {
        Kind::Run => {
            let point = &merged.points[0];
            let summary = &point.summary;
            if let Some(dir) = out.as_mut()
                && !trials.is_empty()
            {
                let (tmp, mut file) = dir.add_streamed("trials.csv")?;
                shard::join_trials(&trials, merged.runs, summary.strategies.len(), &mut file)?;
                file.flush()
                    .map_err(|source| Error::Write { path: tmp, source })?;
            }
            let yaml = merged.scenario_yaml.as_deref().unwrap_or_default();
            let origin = format!("{} (as carried by its shards)", merged.scenario);
            let sc = scenario::parse(yaml, &origin)?;
            let report = Report::new(&sc, summary);
            if let Some(mut dir) = out.take() {
                add_summary(&mut dir, summary)?;
                let command = "deploysim merge SHARD_DIR... --out DIR";
                add_report(&mut dir, &sc, &report, summary, &point.stats, command)?;
                dir.commit()?;
            }
            let table = || report::table::render(summary, &report, opts.color);
            print_summary(summary, opts.format, table, stdout)
        }
        Kind::Sweep => {
            let points: Vec<(Vec<String>, RunSummary)> = merged
                .points
                .into_iter()
                .map(|p| (p.set, p.summary))
                .collect();
            let summary = sweep::summarize(&merged.scenario, &merged.keys, &points);
            finish_sweep(&summary, opts.format, out, stdout)
        }
    }
}

/// Options of `deploysim sweep`.
#[derive(Clone, Debug, Default)]
pub struct SweepOptions {
    /// `KEY=V1,V2,...`, as given.
    pub sets: Vec<String>,
    /// Everything else is as for `run`, applied at every point.
    pub run: RunOptions,
}

/// `deploysim sweep`: a normal run at every point of a grid of scenario
/// values, every point checked before any runs.
pub fn sweep(sweep_opts: &SweepOptions, stdout: &mut dyn Write) -> Result<(), Error> {
    let opts = &sweep_opts.run;
    check_shard_args(opts.shard, opts.out.as_deref(), opts.format)?;
    let sets = sweep_opts
        .sets
        .iter()
        .map(|s| sweep::parse_set(s))
        .collect::<Result<Vec<_>, _>>()?;
    let base = scenario::load(&opts.scenario)?;
    let file = opts.scenario.display().to_string();
    let text = std::fs::read_to_string(&opts.scenario)
        .map_err(|e| Error::Usage(format!("{file}: cannot read the file: {e}")))?;
    let grid = sweep::grid(&text, &file, &sets)?;
    let plan = plan(&base, opts)?;
    check_same_strategies(&base, &grid, &plan)?;
    let pool = thread_pool(opts.threads)?;
    let shard = opts.shard.unwrap_or(Shard::WHOLE);
    let per_point = shard.trials(plan.runs) * plan.strategies.len() as u64;
    let bar = progress_bar(per_point * grid.points.len() as u64, opts.quiet);
    let tick = |n: u64| bar.inc(n);
    let stats: Vec<Vec<StrategyStats>> = pool.install(|| {
        grid.points
            .iter()
            .map(|p| montecarlo::run_shard_with_progress(&p.scenario, &plan, shard, None, &tick))
            .collect()
    });
    bar.finish_and_clear();
    let mut out = opts.out.as_deref().map(OutputDir::new).transpose()?;
    if let Some(shard) = opts.shard
        && let Some(dir) = out.take()
    {
        return write_sweep_shard(&base, &grid, &plan, shard, &stats, dir, stdout);
    }
    let points: Vec<(Vec<String>, RunSummary)> = grid
        .points
        .iter()
        .zip(&stats)
        .map(|(p, s)| (p.set.clone(), montecarlo::summarize(&p.scenario, &plan, s)))
        .collect();
    let summary = sweep::summarize(&base.name, &grid.keys, &points);
    finish_sweep(&summary, opts.format, out, stdout)
}

/// A sweep may change anything but which strategies there are.
fn check_same_strategies(base: &Scenario, grid: &sweep::Grid, plan: &Plan) -> Result<(), Error> {
    let names = strategy_names(base, plan);
    for p in &grid.points {
        let same = p.scenario.strategies.len() == base.strategies.len()
            && strategy_names(&p.scenario, plan) == names;
        if !same {
            let set: Vec<String> = grid
                .keys
                .iter()
                .zip(&p.set)
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            return Err(Error::Usage(format!(
                "--set {}: a sweep cannot change the strategies' names or number",
                set.join(" --set ")
            )));
        }
    }
    Ok(())
}

fn write_sweep_shard(
    base: &Scenario,
    grid: &sweep::Grid,
    plan: &Plan,
    shard: Shard,
    stats: &[Vec<StrategyStats>],
    mut dir: OutputDir,
    stdout: &mut dyn Write,
) -> Result<(), Error> {
    let header = shard::Header {
        kind: Kind::Sweep,
        scenario: base.name.clone(),
        fingerprint: grid.fingerprint(),
        seed: plan.seed,
        runs: plan.runs,
        shard,
        strategies: strategy_names(base, plan),
        keys: grid.keys.clone(),
        scenario_yaml: None,
    };
    let ids: Vec<Vec<StrategyId>> = grid
        .points
        .iter()
        .map(|p| strategy_ids(&p.scenario, plan))
        .collect();
    let points: Vec<PointStats<'_>> = grid
        .points
        .iter()
        .zip(&ids)
        .zip(stats)
        .map(|((p, ids), stats)| PointStats {
            set: &p.set,
            bad_weight: Strata::of(&p.scenario).bad_weight(),
            ids,
            stats,
        })
        .collect();
    dir.add(
        shard::FILE_NAME,
        shard::to_json(&header, &points)?.as_bytes(),
    )?;
    let written = dir.commit()?;
    report_shard(&header, &written, stdout)
}

/// Writes `sweep.csv` and `sweep.json` (with `out`) and prints the sweep.
fn finish_sweep(
    summary: &SweepSummary,
    format: Format,
    out: Option<OutputDir>,
    stdout: &mut dyn Write,
) -> Result<(), Error> {
    let csv = report::csv::sweep(summary)?;
    let json = report::json::sweep(summary)?;
    if let Some(mut dir) = out {
        dir.add("sweep.csv", csv.as_bytes())?;
        dir.add("sweep.json", json.as_bytes())?;
        add_figures(&mut dir, &report::figures::sweep(summary)?)?;
        dir.commit()?;
    }
    let text = match format {
        Format::Table => sweep::table(summary),
        Format::Json => json,
        Format::Csv => csv,
    };
    stdout.write_all(text.as_bytes()).map_err(Error::Stdout)
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
    /// Also write `trace.json` and `plots/timeline.{svg,png}` here.
    pub out: Option<PathBuf>,
}

/// `deploysim trace`: one rollout, event by event.
pub fn trace(opts: &TraceOptions, stdout: &mut dyn Write) -> Result<(), Error> {
    let sc = scenario::load(&opts.scenario)?;
    let t = build_trace(&sc, opts)?;
    let mut json = serde_json::to_string_pretty(&t).map_err(anyhow::Error::from)?;
    json.push('\n');
    if let Some(dir) = &opts.out {
        let mut dir = OutputDir::new(dir)?;
        dir.add("trace.json", json.as_bytes())?;
        add_figures(&mut dir, &[report::plots::timeline(&t)?])?;
        dir.commit()?;
    }
    let text = if opts.json {
        json
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

/// Options of `deploysim recommend`.
#[derive(Clone, Debug, Default)]
pub struct RecommendOptions {
    pub scenario: PathBuf,
    /// Trials per strategy (default: the scenario's `monteCarlo.runs`).
    pub runs: Option<u64>,
    /// Master seed (default: the scenario's `monteCarlo.seed`).
    pub seed: Option<u64>,
    /// Worker threads (default: all cores); results do not depend on it.
    pub threads: Option<usize>,
    /// Print the recommendation as JSON instead of text.
    pub json: bool,
}

/// `deploysim recommend`: runs every strategy as `run` does, then checks
/// each against the scenario's `constraints` and names the best fit.
pub fn recommend(opts: &RecommendOptions, stdout: &mut dyn Write) -> Result<(), Error> {
    let sc = scenario::load(&opts.scenario)?;
    let run = RunOptions {
        scenario: opts.scenario.clone(),
        runs: opts.runs,
        seed: opts.seed,
        threads: opts.threads,
        ..RunOptions::default()
    };
    let plan = plan(&sc, &run)?;
    let pool = thread_pool(opts.threads)?;
    let bar = progress_bar(plan.runs * plan.strategies.len() as u64, false);
    let tick = |n: u64| bar.inc(n);
    let stats =
        pool.install(|| montecarlo::run_shard_with_progress(&sc, &plan, Shard::WHOLE, None, &tick));
    bar.finish_and_clear();
    let summary = montecarlo::summarize(&sc, &plan, &stats);
    let rec = crate::recommend::recommend(&sc, &summary);
    let text = if opts.json {
        report::recommend::json(&rec)?
    } else {
        report::recommend::text(&rec)
    };
    stdout.write_all(text.as_bytes()).map_err(Error::Stdout)
}
