//! Turning results into bytes, and the one place that writes files.
//!
//! Exporters (`json`, `csv`, `table`, `markdown`, `html`, `plots`, `trace`,
//! `recommend`) only produce bytes: `view` says what a report says,
//! `document` lays it out once for Markdown and HTML, `recommend` words the
//! verdicts of `crate::recommend`. This is the only layer with words for
//! people; it reads the typed results of the layers below and none of them
//! reads it. [`OutputDir`] (`output`) writes every file of a command as one
//! set, swapped in whole: a failed or interrupted run leaves no partial
//! output file behind.

pub mod csv;
pub mod document;
pub mod figures;
pub mod format;
pub mod grade;
pub mod html;
pub mod json;
pub mod markdown;
mod output;
pub mod plots;
pub mod precision;
pub mod recommend;
pub mod table;
pub mod trace;
pub mod view;

pub use output::{OutputDir, SET_FILE};
