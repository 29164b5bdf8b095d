//! Reading an input file within a bound. The size is never taken on trust
//! from the file's metadata: a device (`/dev/zero`), a pipe or a file that
//! grows is read only up to one byte past the limit, then refused.

use std::io::Read;
use std::path::Path;

/// Why a file could not be read as text.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// It holds more than `limit` bytes.
    TooBig {
        limit: usize,
    },
    NotUtf8,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "cannot read the file: {e}"),
            ReadError::TooBig { limit } => {
                write!(f, "the file is larger than the limit of {limit} bytes")
            }
            ReadError::NotUtf8 => write!(f, "the file is not UTF-8 text"),
        }
    }
}

/// The path that stands for standard input.
pub const STDIN: &str = "-";

/// How `path` is named in messages: `standard input` for [`STDIN`].
pub fn name(path: &Path) -> String {
    if path == Path::new(STDIN) {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    }
}

/// The text of `path` (standard input for [`STDIN`]), if it holds at most
/// `limit` bytes of UTF-8.
pub fn read_text(path: &Path, limit: usize) -> Result<String, ReadError> {
    let reader: Box<dyn Read> = if path == Path::new(STDIN) {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(ReadError::Io)?)
    };
    let mut bytes = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() > limit {
        return Err(ReadError::TooBig { limit });
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_device_is_cut_at_the_limit() {
        // /dev/zero never ends: read whole it would fill memory.
        let e = read_text(Path::new("/dev/zero"), 1 << 20).expect_err("too big");
        assert!(
            matches!(e, ReadError::TooBig { limit } if limit == 1 << 20),
            "{e}"
        );
    }

    #[test]
    fn a_file_within_the_limit_is_read_whole() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let text = read_text(&path, 1 << 20).expect("read");
        assert!(text.starts_with("[package]"), "{text}");
        let e = read_text(&path, 10).expect_err("too big");
        assert_eq!(
            e.to_string(),
            "the file is larger than the limit of 10 bytes"
        );
    }
}
