//! The manifest reader of `fromManifest`: any bytes as a Deployment or
//! Rollout manifest (one document or several). Never a panic; an error names
//! the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = deploysim::scenario::read_manifest(text, "fuzz-manifest.yaml") {
        assert!(e.to_string().starts_with("fuzz-manifest.yaml"), "{e}");
    }
});
