//! The one error a scenario file can produce: where it is and what is wrong.

use serde_saphyr::Location;

/// A scenario that could not be read or is invalid.
///
/// Displays as one line, `FILE:LINE:COLUMN: KEY.PATH: MESSAGE`, e.g.
/// `scenarios/x.yaml:12:5: strategies[1].maxSurge: expected an integer or a
/// percent like "25%", found "abc"`. Parts that are unknown (no location for an
/// unreadable file, no key path for a syntax error) are left out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{}", self.prefix(), self.message)]
pub struct ScenarioError {
    /// The file name as given to `load` or `parse`.
    pub file: String,
    /// 1-based line of the offending key or value, when known.
    pub line: Option<u64>,
    /// 1-based column of the offending key or value, when known.
    pub column: Option<u64>,
    /// Key path such as `strategies[1].maxSurge`; empty when the error is not about one key.
    pub key_path: String,
    /// What was expected and what was found.
    pub message: String,
}

impl ScenarioError {
    /// An error at `pos` (line, column), if known.
    pub(crate) fn at(
        file: &str,
        pos: Option<(u64, u64)>,
        key_path: &str,
        message: impl Into<String>,
    ) -> Self {
        ScenarioError {
            file: file.to_owned(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            key_path: key_path.to_owned(),
            message: shorten(message.into()),
        }
    }

    /// An error at a serde-saphyr location (line 0 means unknown).
    pub(crate) fn at_location(
        file: &str,
        location: Option<Location>,
        key_path: &str,
        message: impl Into<String>,
    ) -> Self {
        let pos = location
            .filter(|l| l.line() > 0)
            .map(|l| (l.line(), l.column()));
        Self::at(file, pos, key_path, message)
    }

    /// `file:line:col: path: ` with the unknown parts left out.
    fn prefix(&self) -> String {
        let mut p = self.file.clone();
        if let (Some(line), Some(col)) = (self.line, self.column) {
            p += &format!(":{line}:{col}");
        }
        p += ": ";
        if !self.key_path.is_empty() {
            p += &self.key_path;
            p += ": ";
        }
        p
    }
}

/// Words of a message past this many characters are cut.
const LONGEST_WORD: usize = 80;

/// The message with every word longer than [`LONGEST_WORD`] characters
/// (a value echoed back, however long it was) cut to its start and its
/// length: `"99999…" (100000 characters)`.
fn shorten(message: String) -> String {
    if message
        .split(' ')
        .all(|w| w.chars().count() <= LONGEST_WORD)
    {
        return message;
    }
    let words: Vec<String> = message
        .split(' ')
        .map(|w| {
            let n = w.chars().count();
            if n <= LONGEST_WORD {
                w.to_owned()
            } else {
                let start: String = w.chars().take(40).collect();
                format!("{start}… ({n} characters)")
            }
        })
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_leaves_out_unknown_parts() {
        let mut e = ScenarioError {
            file: "x.yaml".into(),
            line: Some(12),
            column: Some(5),
            key_path: "strategies[1].maxSurge".into(),
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "x.yaml:12:5: strategies[1].maxSurge: bad");
        e.key_path.clear();
        assert_eq!(e.to_string(), "x.yaml:12:5: bad");
        e.line = None;
        assert_eq!(e.to_string(), "x.yaml: bad");
    }

    #[test]
    fn a_long_value_in_a_message_is_cut_to_its_start_and_length() {
        let e = ScenarioError::at(
            "f.yaml",
            Some((3, 4)),
            "a.b",
            format!("expected x, found {}", "9".repeat(100_000)),
        );
        assert_eq!(
            e.message,
            format!("expected x, found {}… (100000 characters)", "9".repeat(40))
        );
        let short = ScenarioError::at("f.yaml", None, "", "expected x, found 12");
        assert_eq!(short.message, "expected x, found 12");
    }
}
