//! Helpers shared by the modules that run shipped scenarios through the library.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use deploysim::commands::{self, Format, RunOptions};
use serde_json::Value;

/// `deploysim run SCENARIO --runs N [--strategy …] --format json`, parsed;
/// `scenario` is relative to `scenarios/`.
pub fn summary(scenario: &str, runs: u64, strategies: &[&str]) -> Value {
    let opts = RunOptions {
        scenario: Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(scenario),
        runs: Some(runs),
        strategies: strategies.iter().map(|s| s.to_string()).collect(),
        format: Format::Json,
        ..RunOptions::default()
    };
    let mut out = Vec::new();
    commands::run(&opts, &mut out).expect("run succeeds");
    serde_json::from_slice(&out).expect("summary is JSON")
}

/// The summary of strategy `name`.
pub fn strategy<'a>(s: &'a Value, name: &str) -> &'a Value {
    s["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
        .unwrap()
}

/// `strategies[name][scope][metric][stat]` (0 when the metric had no value).
pub fn num(s: &Value, name: &str, scope: &str, metric: &str, stat: &str) -> f64 {
    strategy(s, name)[scope][metric][stat]
        .as_f64()
        .unwrap_or(0.0)
}

/// The count of `outcome` for strategy `name`.
pub fn outcome(s: &Value, name: &str, key: &str) -> u64 {
    strategy(s, name)["outcomes"][key].as_u64().unwrap()
}

/// A scratch directory under the system temp dir, removed on drop. It is
/// not created: `--out` must create it.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("deploysim-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `name` inside the directory, as an argument.
    pub fn join(&self, name: &str) -> String {
        self.0.join(name).to_str().expect("UTF-8 path").to_owned()
    }

    pub fn arg(&self) -> &str {
        self.0.to_str().expect("temp dir is UTF-8")
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.0.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    pub fn text(&self, name: &str) -> String {
        String::from_utf8(self.read(name)).expect("UTF-8 output file")
    }

    /// Names of the files in the directory (empty when it does not exist).
    pub fn listing(&self) -> Vec<String> {
        let Ok(entries) = fs::read_dir(&self.0) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The built binary.
pub fn deploysim() -> Command {
    Command::cargo_bin("deploysim").expect("the deploysim binary is built")
}

/// Runs `deploysim ARGS`, expects exit 0 and no panic; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let out = deploysim().args(args).output().expect("deploysim runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    String::from_utf8(out.stdout).expect("UTF-8 stdout")
}

/// Runs `deploysim ARGS`, expects exit 2, nothing on stdout and one line on
/// stderr; returns that line.
pub fn bad_input(args: &[&str]) -> String {
    bad_input_with(deploysim().args(args), args)
}

pub fn bad_input_with(cmd: &mut Command, args: &[&str]) -> String {
    let out = cmd.output().expect("deploysim runs");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8 stderr");
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: wrote to stdout");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    stderr
}
