//! The `deploysim` command line: parse arguments, call the library, map
//! errors to exit codes (0 ok, 2 bad input, 1 internal error). A closed pipe
//! on stdout (`deploysim run … | head`) is not an error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use deploysim::Error;
use deploysim::commands::{
    self, Format, MergeOptions, RecommendOptions, RunOptions, SweepOptions, TraceOptions,
};
use deploysim::montecarlo::Shard;

#[derive(Parser)]
#[command(
    name = "deploysim",
    version,
    about = "Monte Carlo simulator of Kubernetes rollout strategies"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every strategy of a scenario many times and compare them.
    Run(RunArgs),
    /// Combine the shard.json files of `run --shard` (or `sweep --shard`)
    /// into the summary one machine would have written.
    Merge {
        /// Shard output directories (or their shard.json files).
        #[arg(required = true, value_name = "DIR")]
        shards: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// Write summary.json and summary.csv (sweep.json and sweep.csv for a sweep) here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Run the scenario at every point of a grid of key values.
    Sweep {
        /// A key path and its values, e.g. service.replicas=3,6 or
        /// strategies.canary.steps[0].setWeight=5,20 (repeatable: a grid).
        #[arg(long = "set", value_name = "KEY=V1,V2,...", required = true)]
        sets: Vec<String>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Follow one rollout event by event.
    Trace {
        scenario: PathBuf,
        #[arg(long, value_name = "NAME")]
        strategy: String,
        /// Trial index (its release, start-up times and delays).
        #[arg(long, default_value_t = 0)]
        trial: u64,
        /// Use the first trial from --trial on whose release is bad.
        #[arg(long)]
        bad: bool,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, value_enum, default_value_t = TraceFormat::Text)]
        format: TraceFormat,
        /// Also write trace.json and the timeline plot
        /// (plots/timeline.svg, plots/timeline.png) here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Parse and check a scenario; print it with every default filled in.
    Validate { scenario: PathBuf },
    /// Run every strategy, then check each against the scenario's
    /// `constraints` and name the one that fits best.
    Recommend {
        scenario: PathBuf,
        #[command(flatten)]
        trials: TrialArgs,
        #[arg(long, value_enum, default_value_t = TraceFormat::Text)]
        format: TraceFormat,
    },
}

/// How many trials, from which seed, on how many threads.
#[derive(Args)]
struct TrialArgs {
    /// Trials per strategy (default: the scenario's monteCarlo.runs).
    #[arg(long)]
    runs: Option<u64>,
    /// Master seed (default: the scenario's monteCarlo.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Run batches of --runs (default: monteCarlo.runs) until every figure a
    /// grade or constraint reads has a 95% interval within ± this share of
    /// it, e.g. 5% (default: the scenario's monteCarlo.precision, unless
    /// --runs is given).
    #[arg(long, value_name = "PERCENT", value_parser = parse_precision)]
    precision: Option<f64>,
    /// With a precision target: the most trials per strategy (default:
    /// monteCarlo.maxRuns).
    #[arg(long, value_name = "N")]
    max_runs: Option<u64>,
}

/// `5%` or `0.05`: a relative half-width above 0 and below 1.
fn parse_precision(s: &str) -> Result<f64, String> {
    let v = match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => s.trim().parse::<f64>(),
    };
    match v {
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        _ => Err(format!(
            "expected a share above 0% and below 100% like 5% (or 0.05), found {s:?}"
        )),
    }
}

/// What `run` and `sweep` share.
#[derive(Args)]
struct RunArgs {
    scenario: PathBuf,
    #[command(flatten)]
    trials: TrialArgs,
    /// Run only this strategy (repeatable).
    #[arg(long = "strategy", value_name = "NAME")]
    strategies: Vec<String>,
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    format: FormatArg,
    /// Also write the results here (run: summary.json, summary.csv,
    /// trials.csv, report.md, report.html, plots/; sweep: sweep.csv,
    /// sweep.json, plots/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run only trials with index ≡ I (mod N) and write shard.json (and
    /// trials.csv) to --out, for `deploysim merge`. `--shard N` takes I from
    /// JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// With --out, do not write trials.csv (one row per trial).
    #[arg(long)]
    no_trials: bool,
}

impl RunArgs {
    fn into_options(self) -> Result<RunOptions, Error> {
        Ok(RunOptions {
            scenario: self.scenario,
            runs: self.trials.runs,
            seed: self.trials.seed,
            threads: self.trials.threads,
            precision: self.trials.precision,
            max_runs: self.trials.max_runs,
            strategies: self.strategies,
            format: self.format.into(),
            out: self.out,
            shard: shard(self.shard)?,
            color: colour_stdout(),
            quiet: self.quiet,
            no_trials: self.no_trials,
        })
    }
}

/// Colours only on a terminal, and never with `NO_COLOR` set (no-color.org).
fn colour_stdout() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Csv,
}

/// The output of `trace` and `recommend`.
#[derive(Clone, Copy, ValueEnum)]
enum TraceFormat {
    Text,
    Json,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Csv => Format::Csv,
        }
    }
}

/// `--shard`, with I defaulting to the Indexed Job's `JOB_COMPLETION_INDEX`.
fn shard(arg: Option<String>) -> Result<Option<Shard>, Error> {
    let env = std::env::var(deploysim::shard::INDEX_VAR).ok();
    arg.map(|a| deploysim::shard::parse_arg(&a, env.as_deref()))
        .transpose()
}

fn dispatch(command: Command, out: &mut dyn Write) -> Result<(), Error> {
    match command {
        Command::Run(args) => commands::run(&args.into_options()?, out),
        Command::Merge {
            shards,
            format,
            out: dir,
        } => {
            let opts = MergeOptions {
                shards,
                format: format.into(),
                out: dir,
                color: colour_stdout(),
            };
            commands::merge(&opts, out)
        }
        Command::Sweep { sets, run } => {
            let opts = SweepOptions {
                sets,
                run: run.into_options()?,
            };
            commands::sweep(&opts, out)
        }
        Command::Trace {
            scenario,
            strategy,
            trial,
            bad,
            seed,
            format,
            out: dir,
        } => {
            let json = matches!(format, TraceFormat::Json);
            let opts = TraceOptions {
                scenario,
                strategy,
                trial,
                bad,
                seed,
                json,
                out: dir,
            };
            commands::trace(&opts, out)
        }
        Command::Validate { scenario } => commands::validate(&scenario, out),
        Command::Recommend {
            scenario,
            trials,
            format,
        } => {
            let opts = RecommendOptions {
                scenario,
                runs: trials.runs,
                seed: trials.seed,
                threads: trials.threads,
                precision: trials.precision,
                max_runs: trials.max_runs,
                json: matches!(format, TraceFormat::Json),
            };
            commands::recommend(&opts, out)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = dispatch(cli.command, &mut out);
    let flushed = out.flush();
    match result {
        Ok(())
            if flushed.is_ok()
                || flushed
                    .as_ref()
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Ok(()) => {
            eprintln!("deploysim: cannot write to standard output");
            ExitCode::from(1)
        }
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("deploysim: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
