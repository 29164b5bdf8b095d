//! One rollout, event by event (DESIGN §5), as text or JSON.

use std::fmt::Write;

use serde::Serialize;

use crate::trial::{Outcome, TraceEvent};

/// The trace document of `deploysim trace --format json`.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    pub strategy: String,
    pub trial: u64,
    pub bad: bool,
    /// The defect's kind and drawn severity, if the release is bad.
    pub defect: Option<String>,
    pub outcome: Outcome,
    pub events: Vec<TraceEvent>,
}

/// Renders a trace as an aligned text table.
pub fn text(t: &Trace) -> String {
    let mut out = String::new();
    let defect = t.defect.as_deref().unwrap_or("none (good release)");
    let _ = writeln!(
        out,
        "strategy {} · trial {} · defect: {} · outcome: {}",
        t.strategy,
        t.trial,
        defect,
        t.outcome_name()
    );
    let _ = writeln!(
        out,
        "{:>9}  {:<26} {:>4} {:>4} {:>5} {:>5} {:>7} {:>12}  detail",
        "t (s)", "event", "old", "new", "old✓", "new✓", "new %", "failed"
    );
    for e in &t.events {
        let _ = writeln!(
            out,
            "{:>9.1}  {:<26} {:>4} {:>4} {:>5} {:>5} {:>6.1}% {:>12.0}  {}",
            e.t_s,
            e.event,
            e.old_pods,
            e.new_pods,
            e.old_ready,
            e.new_ready,
            e.new_traffic_share * 100.0,
            e.failed_requests,
            e.detail
        );
    }
    out
}

impl Trace {
    fn outcome_name(&self) -> &'static str {
        self.outcome.name()
    }
}
