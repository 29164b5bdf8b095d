//! Scenario files: the YAML model, units, defaults, validation.
//!
//! Input comes in two stages: `raw` mirrors the file (serde), `validate`
//! turns it once into the types of `model`, which cannot hold an invalid
//! value. Nothing downstream sees raw YAML. `yaml` reads the text safely and
//! names the key path of every error; `render` writes a scenario back.

pub mod defaults;
pub mod dist;
mod error;
mod manifest;
pub mod model;
mod raw;
mod render;
mod strategy_type;
mod units;
mod validate;
pub mod work;
mod yaml;

use std::path::Path;

pub use error::ScenarioError;
pub use model::*;
pub use strategy_type::{StrategyKey, StrategyKeys, StrategyType};

/// Reads and validates the scenario file at `path` (`-`: standard input).
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    parse(&read(path)?, &crate::input::name(path))
}

/// The text of a scenario or manifest file (`-`: standard input), within
/// the size limit ([`yaml::MAX_FILE_BYTES`]): never more is read, whatever
/// the file is.
pub fn read(path: &Path) -> Result<String, ScenarioError> {
    crate::input::read_text(path, yaml::MAX_FILE_BYTES)
        .map_err(|e| ScenarioError::at(&crate::input::name(path), None, "", e.to_string()))
}

/// Reads the text of a Deployment or Rollout manifest as `fromManifest`
/// does, up to the strategy entry it makes (which a scenario then checks
/// as one written by hand); `file_name` is used in error messages.
pub fn read_manifest(text: &str, file_name: &str) -> Result<(), ScenarioError> {
    manifest::parse(text, file_name).map(|_| ())
}

/// Parses and validates scenario YAML; `file_name` is used in error messages.
pub fn parse(text: &str, file_name: &str) -> Result<Scenario, ScenarioError> {
    let raw: raw::RawScenario = yaml::read(text, file_name)?;
    validate::scenario(&raw, file_name)
}

/// The resolved scenario as YAML, every default filled in, in the units a
/// scenario file uses. `parse(&render(s), _)` gives back `s`.
pub fn render(s: &Scenario) -> String {
    render::render(s)
}
