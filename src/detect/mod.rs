//! How a bad release is noticed: SLO burn-rate alerts on the service's error
//! ratio (`alert`), canary analysis on noisy metrics (`analysis`), and — in
//! the trial driver — user reports, smoke tests and the progress deadline.

pub mod alert;
pub mod analysis;

pub use alert::BurnAlert;
pub use analysis::{AnalysisRun, Measurement, P99, RunState, Verdict, Window};
