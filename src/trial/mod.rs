//! One trial: one rollout of one strategy for one drawn release, simulated
//! event by event.
//!
//! The [`World`] owns the cluster, the strategy's controller, the traffic
//! accounting and detection. Events are pod transitions (container started,
//! booted, Ready, available, hung, restarted, gone), the progress deadline,
//! the predicted alert, a user report, the human's `rollout undo`, and the
//! horizon. Traffic is integrated in closed form between events, just before
//! anything changes.

mod flow;
mod metrics;
pub mod release;
mod respond;
pub mod streams;
mod trace;
mod world;

pub use metrics::{Metric, Outcome, PerMetric, PerOutcome, Table, TrialResult, Vocabulary};
pub use release::{Defect, ReleaseDraw};
pub use streams::{SideDelays, TrialStreams};
pub use trace::{REPEATED, TraceEvent};
pub use world::World;

#[cfg(test)]
mod tests;
