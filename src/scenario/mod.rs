//! Scenario files: the YAML model, units, defaults, validation.
//!
//! Input comes in two stages: `raw` mirrors the file (serde), `validate`
//! turns it once into the types of `model`, which cannot hold an invalid
//! value. Nothing downstream sees raw YAML.

pub mod dist;
pub mod model;

pub use model::*;
