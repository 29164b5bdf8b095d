//! The one place that writes files: an output set, staged whole and then
//! swapped in, so a reader of `--out DIR` sees the old set or the new one,
//! never a mix and never a partial file.
//!
//! Every file of a command is written into a fresh folder beside the target,
//! `.DIR.deploysim-new-PID`. At the end a file naming the set
//! ([`SET_FILE`]) is written into it, and the folder takes the target's
//! place in one step: renamed to it when there is none (or an empty one), or
//! exchanged with the old set (Linux `renameat2(RENAME_EXCHANGE)`; elsewhere
//! the old set is renamed aside first), whose folder is then removed. A run
//! that fails or is stopped by SIGINT, SIGTERM or SIGHUP removes its staging
//! folder; one killed outright leaves it, and the next run writing beside it
//! removes it once its process is gone.
//!
//! A folder given to `--out` is therefore deploysim's: it must be new, empty,
//! or hold a set written before (every file in it named by its
//! [`SET_FILE`]). Any other folder is refused before anything runs, so no
//! file of the user's is ever replaced or removed.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use crate::error::Error;

/// The file in every output set that names the command that wrote it
/// (`# deploysim run`) and then its files, one a line, in the order they
/// were written.
pub const SET_FILE: &str = ".deploysim-set";

/// The start of the set file's first line, before the command.
const WRITTEN_BY: &str = "# deploysim ";

/// The staging folders of this process not yet committed or removed, for
/// the signal handler.
static STAGING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A set of output files committed together.
pub struct OutputDir {
    /// The target folder.
    dir: PathBuf,
    /// The command writing the set (`run`, `trace`, …).
    command: &'static str,
    /// The fresh folder the set is written into.
    staging: PathBuf,
    /// The files written so far, relative to the folder.
    files: Vec<String>,
}

impl OutputDir {
    /// Prepares the output set of `command` (`run`, `trace`, …) for `dir`:
    /// refuses a target that is not a folder, holds files that are not a
    /// set of deploysim's, or holds another command's set; removes staging
    /// folders that dead runs left beside it, and makes its own.
    pub fn new(dir: &Path, command: &'static str) -> Result<Self, Error> {
        let (parent, name) = place(dir)?;
        fs::create_dir_all(&parent).map_err(|source| Error::Write {
            path: parent.clone(),
            source,
        })?;
        check_owned(dir, command)?;
        remove_stale(&parent, &name);
        let staging = parent.join(format!(".{name}.deploysim-new-{}", std::process::id()));
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir(&staging).map_err(|source| Error::Write {
            path: staging.clone(),
            source,
        })?;
        watch_signals();
        lock(&STAGING).push(staging.clone());
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            command,
            staging,
            files: Vec::new(),
        })
    }

    /// Creates `name` (which may have a folder: `plots/cost.svg`) in the
    /// staging folder.
    fn stage(&mut self, name: &str) -> Result<(PathBuf, File), Error> {
        let path = self.staging.join(name);
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder).map_err(|source| Error::Write {
                path: folder.to_path_buf(),
                source,
            })?;
        }
        let file = File::create(&path).map_err(|source| Error::Write {
            path: self.dir.join(name),
            source,
        })?;
        self.files.push(name.to_owned());
        Ok((self.dir.join(name), file))
    }

    /// Stages `name` with `bytes`.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        let (path, mut file) = self.stage(name)?;
        file.write_all(bytes)
            .and_then(|_| file.sync_all())
            .map_err(|source| Error::Write { path, source })
    }

    /// Stages `name` for streaming (e.g. `trials.csv`, written as trials
    /// finish). The path returned is the file's final one, for messages.
    pub fn add_streamed(&mut self, name: &str) -> Result<(PathBuf, BufWriter<File>), Error> {
        let (path, file) = self.stage(name)?;
        Ok((path, BufWriter::with_capacity(1 << 16, file)))
    }

    /// Names the set and puts it in the target's place in one step.
    /// Returns the final paths of its files.
    pub fn commit(self) -> Result<Vec<PathBuf>, Error> {
        let mut listing = format!("{WRITTEN_BY}{}\n", self.command);
        listing.extend(self.files.iter().map(|f| format!("{f}\n")));
        let set = self.staging.join(SET_FILE);
        fs::write(&set, listing).map_err(|source| Error::Write {
            path: self.dir.join(SET_FILE),
            source,
        })?;
        swap_in(&self.staging, &self.dir).map_err(|source| Error::Write {
            path: self.dir.clone(),
            source,
        })?;
        Ok(self.files.iter().map(|f| self.dir.join(f)).collect())
    }
}

impl Drop for OutputDir {
    /// Removes the staging folder: after a commit it holds the old set (or
    /// nothing), before one the unfinished new set.
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.staging);
        lock(&STAGING).retain(|s| s != &self.staging);
    }
}

/// The target's parent folder and its own name. A path without a name of
/// its own (`.`, `..`, `/`) is resolved first.
fn place(dir: &Path) -> Result<(PathBuf, String), Error> {
    let resolved;
    let dir = match dir.file_name() {
        Some(_) => dir,
        None => {
            resolved = dir.canonicalize().map_err(|source| Error::Write {
                path: dir.to_path_buf(),
                source,
            })?;
            &resolved
        }
    };
    match (dir.parent(), dir.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            Ok((parent.to_path_buf(), name.to_string_lossy().into_owned()))
        }
        _ => Err(Error::Usage(format!(
            "--out {}: expected a folder to write the outputs into, not the file system's root",
            dir.display()
        ))),
    }
}

/// Refuses a target that is a file, or a folder holding anything but an
/// earlier output set of `command` (and nothing at all is fine).
fn check_owned(dir: &Path, command: &str) -> Result<(), Error> {
    let meta = match fs::metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(Error::Write {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "--out {}: expected a folder, found a file",
            dir.display()
        )));
    }
    let set = fs::read_to_string(dir.join(SET_FILE)).unwrap_or_default();
    if let Some(other) = set
        .lines()
        .next()
        .and_then(|l| l.strip_prefix(WRITTEN_BY))
        .filter(|&other| other != command)
    {
        return Err(Error::Usage(format!(
            "--out {}: the folder holds the outputs of `deploysim {other}`, which those of \
             `deploysim {command}` would replace; give another folder",
            dir.display()
        )));
    }
    let listed: Vec<String> = set
        .lines()
        .filter(|l| !l.starts_with(WRITTEN_BY))
        .map(str::to_owned)
        .collect();
    let read = |e: io::Error| Error::Write {
        path: dir.to_path_buf(),
        source: e,
    };
    let mut found = Vec::new();
    files_under(dir, Path::new(""), &mut found).map_err(read)?;
    let ours = |f: &String| {
        f.as_str() == SET_FILE
            || listed.contains(f)
            || (listed.is_empty() && written_before_sets(f))
            || stale_partial(f)
    };
    let foreign = found.iter().find(|f| !ours(f));
    match foreign {
        None => Ok(()),
        Some(f) => Err(Error::Usage(format!(
            "--out {}: the folder holds {f}, which is not of an output set deploysim wrote \
             there (its files are named in {SET_FILE}); give a new or empty folder, since \
             the outputs replace the folder's whole content",
            dir.display()
        ))),
    }
}

/// The files a deploysim without output sets wrote (no [`SET_FILE`]): a
/// folder of them is taken as an earlier set, so an upgrade does not refuse
/// the folder a team always wrote to.
fn written_before_sets(f: &str) -> bool {
    const NAMES: [&str; 9] = [
        "summary.json",
        "summary.csv",
        "trials.csv",
        "report.md",
        "report.html",
        "shard.json",
        "trace.json",
        "sweep.json",
        "sweep.csv",
    ];
    NAMES.contains(&f)
        || f.strip_prefix("plots/")
            .is_some_and(|p| !p.contains('/') && (p.ends_with(".svg") || p.ends_with(".png")))
}

/// A temporary file that an earlier deploysim (which renamed files one by
/// one) left when it was killed: `.trials.csv.partial-PID`. It goes with
/// the old set.
fn stale_partial(f: &str) -> bool {
    let name = f.rsplit('/').next().unwrap_or(f);
    name.starts_with('.')
        && name
            .rsplit_once(".partial-")
            .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// The files under `root/rel`, as paths relative to `root` with `/`.
fn files_under(root: &Path, rel: &Path, out: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(root.join(rel))? {
        let entry = entry?;
        let rel = rel.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            files_under(root, &rel, out)?;
        } else {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}

/// Removes the staging folders beside the target that runs no longer alive
/// left (killed before they could). Only where a process can be looked up
/// (`/proc`); elsewhere they stay until removed by hand.
fn remove_stale(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let prefix = format!(".{name}.deploysim-");
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let rest = rest.strip_suffix("-old").unwrap_or(rest);
        let pid = rest.rsplit('-').next().and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !alive(pid)
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether process `pid` still runs (true where that cannot be told).
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// Puts the folder `new` in the place of `dir`.
fn swap_in(new: &Path, dir: &Path) -> io::Result<()> {
    // A missing target, or an empty folder, is replaced by a plain rename.
    match fs::rename(new, dir) {
        Ok(()) => Ok(()),
        Err(_) if dir.is_dir() => exchange(new, dir),
        Err(e) => Err(e),
    }
}

/// Exchanges two folders in one step: afterwards `new` holds the old set.
#[cfg(target_os = "linux")]
fn exchange(new: &Path, dir: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in the path"))
    };
    let (from, to) = (c(new)?, c(dir)?);
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    // A file system without the exchange: the two-step way.
    match e.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) => aside_then_in(new, dir),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(new: &Path, dir: &Path) -> io::Result<()> {
    aside_then_in(new, dir)
}

/// Renames the old set aside, the new one in, and the old one to where the
/// new one was (so the caller removes it). For an instant the target is
/// missing, never mixed.
fn aside_then_in(new: &Path, dir: &Path) -> io::Result<()> {
    let mut old = new.as_os_str().to_owned();
    old.push("-old");
    let old = PathBuf::from(old);
    fs::rename(dir, &old)?;
    if let Err(e) = fs::rename(new, dir) {
        let _ = fs::rename(&old, dir);
        return Err(e);
    }
    fs::rename(&old, new)
}

/// The registry's lock, whatever a panicking holder left.
fn lock(m: &Mutex<Vec<PathBuf>>) -> std::sync::MutexGuard<'_, Vec<PathBuf>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// On SIGINT, SIGTERM or SIGHUP: remove every staging folder, then exit as
/// the signal would have (128 + its number). Installed once, by the first
/// output set.
fn watch_signals() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                for staging in lock(&STAGING).drain(..) {
                    let _ = fs::remove_dir_all(staging);
                }
                std::process::exit(128 + signal);
            }
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("deploysim-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch");
        dir
    }

    fn set(dir: &Path, files: &[(&str, &str)]) -> Result<Vec<PathBuf>, Error> {
        let mut out = OutputDir::new(dir, "run")?;
        for (name, text) in files {
            out.add(name, text.as_bytes())?;
        }
        out.commit()
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut found = Vec::new();
        files_under(dir, Path::new(""), &mut found).expect("list");
        found.sort();
        found
    }

    #[test]
    fn a_new_set_replaces_the_old_one_whole() {
        // The second set has no b.txt: it goes with the old set.
        let root = scratch("replace");
        let dir = root.join("out");
        set(&dir, &[("a.txt", "1"), ("plots/b.txt", "1")]).expect("first");
        set(&dir, &[("a.txt", "2")]).expect("second");
        assert_eq!(listing(&dir), vec![SET_FILE.to_owned(), "a.txt".into()]);
        assert_eq!(fs::read_to_string(dir.join("a.txt")).expect("a"), "2");
        assert_eq!(
            fs::read_to_string(dir.join(SET_FILE)).expect("set"),
            "# deploysim run\na.txt\n"
        );
        // Another command's set is not replaced.
        let e = OutputDir::new(&dir, "trace").err().expect("refused");
        assert!(
            e.to_string()
                .contains("holds the outputs of `deploysim run`"),
            "{e}"
        );
        assert_eq!(
            fs::read_dir(&root).expect("root").count(),
            1,
            "no staging left"
        );
        fs::remove_dir_all(root).expect("clean");
    }

    #[test]
    fn an_unfinished_set_leaves_nothing_and_the_old_set_stays() {
        let root = scratch("unfinished");
        let dir = root.join("out");
        set(&dir, &[("a.txt", "1")]).expect("first");
        {
            let mut out = OutputDir::new(&dir, "run").expect("second");
            out.add("a.txt", b"2").expect("add");
        } // dropped without a commit
        assert_eq!(fs::read_to_string(dir.join("a.txt")).expect("a"), "1");
        assert_eq!(fs::read_dir(&root).expect("root").count(), 1);
        fs::remove_dir_all(root).expect("clean");
    }

    #[test]
    fn a_folder_of_other_files_or_a_file_is_refused() {
        let root = scratch("foreign");
        let dir = root.join("out");
        fs::create_dir_all(&dir).expect("dir");
        fs::write(dir.join("notes.txt"), "mine").expect("write");
        let e = OutputDir::new(&dir, "run").err().expect("refused");
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("the folder holds notes.txt"), "{e}");
        let file = root.join("file");
        fs::write(&file, "x").expect("write");
        let e = OutputDir::new(&file, "run").err().expect("refused");
        assert!(
            e.to_string().contains("expected a folder, found a file"),
            "{e}"
        );
        assert_eq!(
            fs::read_to_string(dir.join("notes.txt")).expect("kept"),
            "mine"
        );
        fs::remove_dir_all(root).expect("clean");
    }

    #[test]
    fn a_folder_an_older_deploysim_wrote_is_taken_as_a_set() {
        // No .deploysim-set: its files are deploysim's names, and a partial
        // file a killed run left; all go, and the new set comes in.
        let root = scratch("older");
        let dir = root.join("out");
        fs::create_dir_all(dir.join("plots")).expect("dir");
        for f in [
            "summary.json",
            "report.md",
            "plots/cost.svg",
            ".trials.csv.partial-4242",
        ] {
            fs::write(dir.join(f), "old").expect("write");
        }
        set(&dir, &[("summary.json", "new")]).expect("replaced");
        assert_eq!(
            listing(&dir),
            vec![SET_FILE.to_owned(), "summary.json".into()]
        );
        // Without the set file, a name deploysim never writes is refused.
        fs::remove_file(dir.join(SET_FILE)).expect("rm");
        fs::create_dir_all(dir.join("plots")).expect("dir");
        fs::write(dir.join("plots/notes.txt"), "mine").expect("write");
        assert!(OutputDir::new(&dir, "run").is_err());
        fs::remove_dir_all(root).expect("clean");
    }

    #[test]
    fn staging_left_by_a_dead_run_is_removed() {
        // PID 0 never names a user process; its folder is stale.
        let root = scratch("stale");
        let stale = root.join(".out.deploysim-new-0");
        fs::create_dir_all(stale.join("plots")).expect("stale");
        fs::write(stale.join("trials.csv"), "half").expect("write");
        set(&root.join("out"), &[("a.txt", "1")]).expect("set");
        assert!(!stale.exists() || !alive_check_possible());
        fs::remove_dir_all(root).expect("clean");
    }

    fn alive_check_possible() -> bool {
        Path::new("/proc").is_dir()
    }
}
