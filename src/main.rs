//! The `deploysim` command line: parse arguments, call the library, map
//! errors to exit codes (0 ok, 2 bad input, 1 internal error). A closed pipe
//! on stdout (`deploysim run … | head`) is not an error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use deploysim::commands::{self, Format, RunOptions, TraceOptions};

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
    Run {
        scenario: PathBuf,
        /// Trials per strategy (default: the scenario's monteCarlo.runs).
        #[arg(long)]
        runs: Option<u64>,
        /// Master seed (default: the scenario's monteCarlo.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Run only this strategy (repeatable).
        #[arg(long = "strategy", value_name = "NAME")]
        strategies: Vec<String>,
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// Also write summary.json, summary.csv and trials.csv here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
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
    },
    /// Parse and check a scenario; print it with every default filled in.
    Validate { scenario: PathBuf },
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum TraceFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Run {
            scenario,
            runs,
            seed,
            threads,
            strategies,
            format,
            out: dir,
        } => {
            let format = match format {
                FormatArg::Table => Format::Table,
                FormatArg::Json => Format::Json,
                FormatArg::Csv => Format::Csv,
            };
            let opts = RunOptions {
                scenario,
                runs,
                seed,
                threads,
                strategies,
                format,
                out: dir,
            };
            commands::run(&opts, &mut out)
        }
        Command::Trace {
            scenario,
            strategy,
            trial,
            bad,
            seed,
            format,
        } => {
            let json = matches!(format, TraceFormat::Json);
            let opts = TraceOptions {
                scenario,
                strategy,
                trial,
                bad,
                seed,
                json,
            };
            commands::trace(&opts, &mut out)
        }
        Command::Validate { scenario } => commands::validate(&scenario, &mut out),
    };
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
