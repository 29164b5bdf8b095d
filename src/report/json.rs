//! `summary.json` (DESIGN §3) and the trace's JSON form.

use crate::error::Error;
use crate::montecarlo::RunSummary;
use crate::sweep::SweepSummary;

/// The summary as pretty JSON, ending with a newline.
pub fn summary(s: &RunSummary) -> Result<String, Error> {
    let mut text = serde_json::to_string_pretty(s).map_err(anyhow::Error::from)?;
    text.push('\n');
    Ok(text)
}

/// `sweep.json` as pretty JSON, ending with a newline.
pub fn sweep(s: &SweepSummary) -> Result<String, Error> {
    let mut text = serde_json::to_string_pretty(s).map_err(anyhow::Error::from)?;
    text.push('\n');
    Ok(text)
}
