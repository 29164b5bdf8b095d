//! The commands behind the CLI: each reads a scenario, runs the library and
//! writes its output. `main.rs` only parses arguments and maps errors to
//! exit codes.

use std::io::Write;
use std::path::PathBuf;

use crate::error::Error;
use crate::montecarlo::{
    self, Plan, PrecisionReached, RowSink, RunSummary, Shard, Strata, StrategyId, StrategyStats,
};
use crate::recommend::Stability;
use crate::report::{self, OutputDir, precision, trace::Trace, view::Report};
use crate::scenario::{self, Precision, Scenario};
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
    /// A precision target (relative half-width, 0.05 for 5%).
    pub precision: Option<f64>,
    /// The most runs a precision target may take.
    pub max_runs: Option<u64>,
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
    let job = job(&sc, opts)?;
    let pool = thread_pool(opts.threads)?;
    let mut out = opts
        .out
        .as_deref()
        .map(|d| OutputDir::new(d, "run"))
        .transpose()?;
    let shard = opts.shard.unwrap_or(Shard::WHOLE);
    let bar = progress_bar(
        shard.trials(job.plan.runs) * job.plan.strategies.len() as u64,
        opts.quiet,
    );
    let sim = pool.install(|| match out.as_mut() {
        Some(dir) if !opts.no_trials => with_trials(&sc, dir, |rows| {
            simulate(&sc, &job, shard, Some(rows), &bar, false)
        }),
        _ => Ok(simulate(&sc, &job, shard, None, &bar, false)),
    })?;
    bar.finish_and_clear();
    if let Some(shard) = opts.shard
        && let Some(dir) = out.take()
    {
        return write_run_shard(&sc, &job.plan, shard, &sim.stats, dir, stdout);
    }
    let summary = &sim.summary;
    let report = Report::new(&sc, summary);
    if let Some(mut dir) = out {
        add_summary(&mut dir, summary, &report)?;
        let command = reproduce(opts, summary);
        add_report(&mut dir, &sc, &report, summary, &sim.stats, &command)?;
        dir.commit()?;
    }
    let table = || report::table::render(summary, &report, opts.color);
    print_summary(summary, &report, opts.format, table, stdout)
}

/// The summary `run` makes of `opts` (its precision target included),
/// without files or a table: for tools and tests that read the figures.
pub fn run_summary(opts: &RunOptions) -> Result<(Scenario, RunSummary), Error> {
    let sc = scenario::load(&opts.scenario)?;
    let job = job(&sc, opts)?;
    let pool = thread_pool(opts.threads)?;
    let bar = indicatif::ProgressBar::hidden();
    let sim = pool.install(|| simulate(&sc, &job, Shard::WHOLE, None, &bar, false));
    Ok((sc, sim.summary))
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

fn add_summary(dir: &mut OutputDir, summary: &RunSummary, report: &Report) -> Result<(), Error> {
    dir.add(
        "summary.json",
        report::json::summary(summary, report)?.as_bytes(),
    )?;
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
    // No stability here: it needs the trials batch by batch, which merged
    // shards do not have, and a report must not depend on the split.
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

/// The command that writes this run's report again: `--runs` as many as
/// it took (a precision target's last batch included), so the same
/// statistics come out without the target.
fn reproduce(opts: &RunOptions, summary: &RunSummary) -> String {
    let mut cmd = format!(
        "deploysim run {} --runs {} --seed {}",
        opts.scenario.display(),
        summary.runs,
        summary.seed
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
    report: &Report,
    format: Format,
    table: impl FnOnce() -> String,
    stdout: &mut dyn Write,
) -> Result<(), Error> {
    let text = match format {
        Format::Table => table(),
        Format::Json => report::json::summary(summary, report)?,
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

/// Runs `go` with a sink that streams its rows to `trials.csv` in `dir`.
fn with_trials<R>(
    sc: &Scenario,
    dir: &mut OutputDir,
    go: impl FnOnce(RowSink<'_>) -> R,
) -> Result<R, Error> {
    let (tmp, file) = dir.add_streamed("trials.csv")?;
    let io = |e: csv::Error| Error::Write {
        path: tmp.clone(),
        source: std::io::Error::other(e),
    };
    let mut writer = report::csv::TrialsWriter::new(file).map_err(io)?;
    let mut failure = None;
    let result = go(&mut |rows| {
        if failure.is_none() {
            failure = writer.write(sc, rows).err();
        }
    });
    if let Some(e) = failure {
        return Err(io(e));
    }
    let mut file = writer.finish()?;
    file.flush().map_err(|source| Error::Write {
        path: tmp.clone(),
        source,
    })?;
    Ok(result)
}

/// What to run: the plan (its `runs` the batch, with a target) and the
/// precision target, if there is one.
struct Job {
    plan: Plan,
    precision: Option<Precision>,
}

/// What a run gives: the statistics, their summary, and how often the
/// pick wins on batches of the trials.
struct Simulated {
    stats: Vec<StrategyStats>,
    summary: RunSummary,
    stability: Option<Stability>,
}

/// Batches per `runs` that `recommend`'s pick is weighed on.
const PICK_BATCHES: u64 = 10;

/// Runs `job`'s trials of `shard` and summarizes them; with a precision
/// target, batch after batch of `runs` until every deciding figure
/// ([`precision::deciding`]) is within it or `max_runs` have run. With
/// `weigh`, a whole run goes in tenths of `runs`, each recommended on
/// alone, for the pick's [`Stability`].
fn simulate(
    sc: &Scenario,
    job: &Job,
    shard: Shard,
    rows: Option<RowSink<'_>>,
    bar: &indicatif::ProgressBar,
    weigh: bool,
) -> Simulated {
    let tick = |n: u64| bar.inc(n);
    let plan = &job.plan;
    let at = |runs: u64| Plan {
        runs,
        ..plan.clone()
    };
    if shard != Shard::WHOLE || (job.precision.is_none() && !weigh) {
        let stats = montecarlo::run_shard_with_progress(sc, plan, shard, rows, &tick);
        let summary = montecarlo::summarize(sc, plan, &stats);
        return Simulated {
            stats,
            summary,
            stability: None,
        };
    }
    let batch = if weigh {
        plan.runs.div_ceil(PICK_BATCHES)
    } else {
        plan.runs
    };
    let max_runs = job.precision.map_or(plan.runs, |p| p.max_runs);
    let judge = |runs: u64, stats: &[StrategyStats]| {
        let summary = montecarlo::summarize(sc, &at(runs), stats);
        let rec = crate::recommend::recommend(sc, &summary);
        (summary, rec)
    };
    let mut picks: Vec<Option<String>> = Vec::new();
    let mut widest = f64::INFINITY;
    // The target is checked each time another `runs` trials are in, and at
    // the last batch.
    let mut check_at = plan.runs;
    let (stats, runs) = montecarlo::run_batches(sc, plan, batch, max_runs, rows, &tick, &mut |b| {
        if weigh {
            let (_, rec) = judge(b.runs - picks.len() as u64 * batch, b.part);
            picks.push(rec.best().map(|s| s.name.clone()));
        }
        let due = b.runs >= check_at || b.runs >= max_runs;
        let Some(target) = job.precision.filter(|_| due) else {
            return false;
        };
        check_at += plan.runs;
        let (summary, rec) = judge(b.runs, b.total);
        widest = precision::widest(&precision::deciding(sc.service.replicas, &summary, &rec));
        let settled = widest <= target.target;
        if !settled {
            bar.inc_length(plan.runs * plan.strategies.len() as u64);
        }
        settled
    });
    let mut summary = montecarlo::summarize(sc, &at(runs), &stats);
    summary.precision = job.precision.map(|target| PrecisionReached {
        target: target.target,
        max_runs: target.max_runs,
        reached: widest <= target.target,
        widest,
    });
    let stability = weigh.then(|| {
        let rec = crate::recommend::recommend(sc, &summary);
        Stability::of(rec.best().map(|s| s.name.as_str()), &picks, batch)
    });
    Simulated {
        stats,
        summary,
        stability: stability.flatten(),
    }
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
    let mut out = opts
        .out
        .as_deref()
        .map(|d| OutputDir::new(d, "merge"))
        .transpose()?;
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
                add_summary(&mut dir, summary, &report)?;
                let command = "deploysim merge SHARD_DIR... --out DIR";
                add_report(&mut dir, &sc, &report, summary, &point.stats, command)?;
                dir.commit()?;
            }
            let table = || report::table::render(summary, &report, opts.color);
            print_summary(summary, &report, opts.format, table, stdout)
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
    // Read once: standard input or a pipe has nothing left for a second read.
    let file = crate::input::name(&opts.scenario);
    let text = scenario::read(&opts.scenario)?;
    let base = scenario::parse(&text, &file)?;
    let grid = sweep::grid(&text, &file, &sets)?;
    let job = job(&base, opts)?;
    check_same_strategies(&base, &grid, &job.plan)?;
    let pool = thread_pool(opts.threads)?;
    let shard = opts.shard.unwrap_or(Shard::WHOLE);
    let per_point = shard.trials(job.plan.runs) * job.plan.strategies.len() as u64;
    let bar = progress_bar(per_point * grid.points.len() as u64, opts.quiet);
    let (stats, summaries): (Vec<Vec<StrategyStats>>, Vec<RunSummary>) = pool.install(|| {
        grid.points
            .iter()
            .map(|p| {
                let sim = simulate(&p.scenario, &job, shard, None, &bar, false);
                (sim.stats, sim.summary)
            })
            .unzip()
    });
    bar.finish_and_clear();
    let mut out = opts
        .out
        .as_deref()
        .map(|d| OutputDir::new(d, "sweep"))
        .transpose()?;
    if let Some(shard) = opts.shard
        && let Some(dir) = out.take()
    {
        return write_sweep_shard(&base, &grid, &job.plan, shard, &stats, dir, stdout);
    }
    let points: Vec<(Vec<String>, RunSummary)> = grid
        .points
        .iter()
        .map(|p| p.set.clone())
        .zip(summaries)
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

/// The plan and precision target of `opts` on `sc`. `--runs` alone runs
/// exactly that many, whatever the scenario's `monteCarlo.precision`;
/// `--precision` (or the scenario's target, without `--runs`) runs batches
/// of `--runs` (or `monteCarlo.runs`) up to `--max-runs` (or
/// `monteCarlo.maxRuns`).
fn job(sc: &Scenario, opts: &RunOptions) -> Result<Job, Error> {
    let runs = opts.runs.unwrap_or(sc.monte_carlo.runs);
    if runs == 0 {
        return Err(Error::Usage("--runs must be at least 1".into()));
    }
    if let Some(s) = opts.shard.filter(|s| s.count() > runs) {
        return Err(Error::Usage(format!(
            "--shard {s}: {} shards of {runs} runs would leave shards without a trial; use at most {runs}",
            s.count()
        )));
    }
    let scenario_max = sc.monte_carlo.precision.map(|p| p.max_runs);
    let precision = match (opts.precision, opts.runs, sc.monte_carlo.precision) {
        (Some(target), ..) => Some(Precision {
            target,
            max_runs: opts
                .max_runs
                .or(scenario_max)
                .unwrap_or(scenario::defaults::MAX_RUNS.max(runs)),
        }),
        (None, None, Some(p)) => Some(Precision {
            max_runs: opts.max_runs.unwrap_or(p.max_runs),
            ..p
        }),
        _ => None,
    };
    match (precision, opts.max_runs) {
        (None, Some(_)) => {
            return Err(Error::Usage(
                "--max-runs applies with a precision target: give --precision, or drop --runs to use the scenario's monteCarlo.precision".into(),
            ));
        }
        (Some(p), _) if p.max_runs < runs => {
            return Err(Error::Usage(format!(
                "--max-runs {} is below the batch of {runs} runs",
                p.max_runs
            )));
        }
        (Some(_), _) if opts.shard.is_some() => {
            return Err(Error::Usage(
                "a precision target stops when the whole run's figures are precise, which no shard can see: give --runs N to shard a run of N trials".into(),
            ));
        }
        _ => {}
    }
    Ok(Job {
        plan: Plan {
            runs,
            seed: opts.seed.unwrap_or(sc.monte_carlo.seed),
            strategies: select(sc, &opts.strategies)?,
        },
        precision,
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

/// The most worker threads `--threads` may ask for: more only costs the
/// time to start them (100,000 took 20 s before any work).
const MAX_THREADS: usize = 1024;

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    if threads == Some(0) {
        return Err(Error::Usage("--threads must be at least 1".into()));
    }
    if let Some(t) = threads.filter(|&t| t > MAX_THREADS) {
        return Err(Error::Usage(format!(
            "--threads must be at most {MAX_THREADS}, found {t}"
        )));
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
        let mut dir = OutputDir::new(dir, "trace")?;
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
    /// A precision target, as for `run`.
    pub precision: Option<f64>,
    pub max_runs: Option<u64>,
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
        precision: opts.precision,
        max_runs: opts.max_runs,
        ..RunOptions::default()
    };
    let job = job(&sc, &run)?;
    let pool = thread_pool(opts.threads)?;
    let bar = progress_bar(job.plan.runs * job.plan.strategies.len() as u64, false);
    let sim = pool.install(|| simulate(&sc, &job, Shard::WHOLE, None, &bar, true));
    bar.finish_and_clear();
    let mut rec = crate::recommend::recommend(&sc, &sim.summary);
    rec.stability = sim.stability;
    let text = if opts.json {
        report::recommend::json(&rec)?
    } else {
        report::recommend::text(&rec)
    };
    stdout.write_all(text.as_bytes()).map_err(Error::Stdout)
}
