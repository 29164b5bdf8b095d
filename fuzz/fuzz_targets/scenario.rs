//! The scenario loader: any bytes as YAML, through validation. An error
//! must name the file; a scenario that loads must survive render and parse.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match deploysim::scenario::parse(text, "fuzz.yaml") {
        Ok(sc) => {
            let again = deploysim::scenario::parse(&deploysim::scenario::render(&sc), "again.yaml");
            assert_eq!(again.as_ref(), Ok(&sc), "render and parse changed the scenario");
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz.yaml"), "{e}"),
    }
});
