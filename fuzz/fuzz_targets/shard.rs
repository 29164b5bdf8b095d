//! `shard.json` as `merge` reads it: any bytes as a shard file, then merged
//! alone and with itself. Never a panic; every refusal is a merge error
//! (exit 2).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz/shard.json");
    let Ok(loaded) = deploysim::shard::parse(text, path) else {
        return;
    };
    for shards in [vec![loaded.clone()], vec![loaded.clone(), loaded]] {
        if let Err(e) = deploysim::shard::merge(shards) {
            assert_eq!(e.exit_code(), 2, "{e}");
        }
    }
});
