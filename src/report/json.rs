//! `summary.json` (DESIGN §3) and the trace's JSON form.

use crate::error::Error;
use crate::montecarlo::RunSummary;

/// The summary as pretty JSON, ending with a newline.
pub fn summary(s: &RunSummary) -> Result<String, Error> {
    let mut text = serde_json::to_string_pretty(s).map_err(anyhow::Error::from)?;
    text.push('\n');
    Ok(text)
}
