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
mod yaml;

use std::path::Path;

pub use error::ScenarioError;
pub use model::*;
pub use strategy_type::{StrategyKey, StrategyKeys, StrategyType};

/// Reads and validates the scenario file at `path`.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    // Check the size before reading, so a huge file is not pulled into memory.
    let too_big = std::fs::metadata(path).is_ok_and(|m| m.len() > yaml::MAX_FILE_BYTES as u64);
    if too_big {
        let msg = format!(
            "the file is larger than the limit of {} bytes",
            yaml::MAX_FILE_BYTES
        );
        return Err(ScenarioError::at(&file, None, "", msg));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::at(&file, None, "", format!("cannot read the file: {e}")))?;
    parse(&text, &file)
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
