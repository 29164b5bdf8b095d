//! Turning results into bytes, and the one place that writes files.
//!
//! Exporters (`json`, `csv`, `table`, `markdown`, `html`, `plots`, `trace`,
//! `recommend`) only produce bytes: `view` says what a report says,
//! `document` lays it out once for Markdown and HTML, `recommend` words the
//! verdicts of `crate::recommend`. This is the only layer with words for
//! people; it reads the typed results of the layers below and none of them
//! reads it. [`OutputDir`]
//! writes every file of a command to a temporary name beside its target and
//! renames them all at the end: a failed or interrupted run leaves no partial
//! output file behind.

pub mod csv;
pub mod document;
pub mod figures;
pub mod format;
pub mod grade;
pub mod html;
pub mod json;
pub mod markdown;
pub mod plots;
pub mod precision;
pub mod recommend;
pub mod table;
pub mod trace;
pub mod view;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// A set of output files committed together.
pub struct OutputDir {
    dir: PathBuf,
    /// (temporary path, final path) of every file written so far.
    staged: Vec<(PathBuf, PathBuf)>,
}

impl OutputDir {
    /// Prepares `dir` (created if missing).
    pub fn new(dir: &Path) -> Result<Self, Error> {
        fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            staged: Vec::new(),
        })
    }

    /// `name` may have a folder (`plots/cost.svg`): it is created, and the
    /// temporary file sits beside the target so the rename stays in place.
    fn stage(&mut self, name: &str) -> Result<(PathBuf, File), Error> {
        let target = self.dir.join(name);
        let folder = target.parent().unwrap_or(&self.dir).to_path_buf();
        fs::create_dir_all(&folder).map_err(|source| Error::Write {
            path: folder.clone(),
            source,
        })?;
        let file_name = target
            .file_name()
            .map_or_else(|| name.to_owned(), |f| f.to_string_lossy().into_owned());
        let tmp = folder.join(format!(".{file_name}.partial-{}", std::process::id()));
        let file = File::create(&tmp).map_err(|source| Error::Write {
            path: tmp.clone(),
            source,
        })?;
        self.staged.push((tmp.clone(), target));
        Ok((tmp, file))
    }

    /// Stages `name` with `bytes`.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        let (tmp, mut file) = self.stage(name)?;
        file.write_all(bytes)
            .and_then(|_| file.sync_all())
            .map_err(|source| Error::Write { path: tmp, source })
    }

    /// Stages `name` for streaming (e.g. `trials.csv`, written as trials finish).
    pub fn add_streamed(&mut self, name: &str) -> Result<(PathBuf, BufWriter<File>), Error> {
        let (tmp, file) = self.stage(name)?;
        Ok((tmp, BufWriter::with_capacity(1 << 16, file)))
    }

    /// Renames every staged file to its final name.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, Error> {
        let staged = std::mem::take(&mut self.staged);
        let mut done = Vec::new();
        for (tmp, target) in staged {
            fs::rename(&tmp, &target).map_err(|source| Error::Write {
                path: target.clone(),
                source,
            })?;
            done.push(target);
        }
        Ok(done)
    }
}

impl Drop for OutputDir {
    /// Not committed: remove what was staged.
    fn drop(&mut self) {
        for (tmp, _) in &self.staged {
            let _ = fs::remove_file(tmp);
        }
    }
}
