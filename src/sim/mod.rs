//! The discrete-event core: time, the event queue and the loop that drives it.
//!
//! It knows nothing of pods or traffic: models act through [`Context`].

pub mod queue;
pub mod time;

pub use queue::{Context, EventQueue, Model, run};
pub use time::{Duration, SimTime};
