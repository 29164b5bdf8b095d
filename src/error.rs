//! The library's errors, and which of them are the user's to fix.

use std::path::PathBuf;

use crate::scenario::ScenarioError;

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario file is unreadable or invalid (exit code 2).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// An argument does not fit the scenario, e.g. an unknown strategy (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// Shard files that cannot be merged: unreadable, damaged, not of one
    /// run, or an index missing or given twice (exit code 2).
    #[error("{0}")]
    Merge(String),
    /// Writing an output failed: a folder that cannot be written, a full
    /// disk (exit code 2: the user's to fix).
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing to stdout failed (a closed pipe is not an error: see `main`).
    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] std::io::Error),
    /// Anything else: a fault of deploysim itself (exit code 1).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// 2 for bad input (scenario, arguments, an output that cannot be
    /// written), 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_) | Error::Usage(_) | Error::Merge(_) | Error::Write { .. } => 2,
            _ => 1,
        }
    }

    /// True when stdout was closed by the reader (e.g. `| head`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Stdout(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
