//! `report.html` in a real browser: Debian's Chromium, headless and offline,
//! renders a fresh report; the DOM must hold every figure as inline SVG and
//! the screenshot must show them (not a blank page). `.ci/run` installs
//! Chromium; set `CHROMIUM` to use another binary.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use deploysim::report::document::FIGURES;

use crate::common::Scratch;

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!(
            "this test needs Debian's chromium (`apt-get install chromium`; .ci/run installs it) \
             or CHROMIUM=/path/to/chrome"
        )
    })
}

/// Runs headless Chromium on `page` with the flags that keep it offline.
fn headless(profile: &Path, page: &Path, action: &[String]) -> Vec<u8> {
    let out = Process::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,4000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(action)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn chromium_shows_every_figure_of_the_html_report() {
    let dir = Scratch::new("browser");
    let out = Command::cargo_bin("deploysim")
        .expect("binary built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "scenarios/patterns/fast-rollback-path.yaml"])
        .args([
            "--runs",
            "300",
            "--quiet",
            "--no-trials",
            "--out",
            dir.arg(),
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let page = dir.path().join("report.html");
    let profile = dir.path().join("chromium-profile");

    let dom =
        String::from_utf8(headless(&profile, &page, &["--dump-dom".into()])).expect("UTF-8 DOM");
    for (id, _) in FIGURES {
        let at = dom
            .find(&format!("<figure id=\"{id}\">"))
            .unwrap_or_else(|| panic!("figure {id} missing from the DOM"));
        assert!(
            dom[at..]
                .trim_start_matches(|c| c != '\n')
                .trim_start()
                .starts_with("<svg")
        );
    }
    assert!(dom.matches("<svg").count() >= FIGURES.len());

    let shot = dir.path().join("page.png");
    headless(
        &profile,
        &page,
        &[format!("--screenshot={}", shot.display())],
    );
    let (width, height, pixels) = decode_rgb(&shot);
    assert_eq!((width, height), (1280, 4000));
    let ink = pixels
        .chunks(3)
        .filter(|p| p.iter().any(|&c| c < 200))
        .count();
    let coloured = pixels
        .chunks(3)
        .filter(|p| p.iter().max().unwrap_or(&0) - p.iter().min().unwrap_or(&0) > 60)
        .count();
    let total = (width * height) as usize;
    // Text and axes alone ink well under 1% of a page; plots with coloured
    // series put colour on the page.
    assert!(ink * 100 > total, "ink on {ink} of {total} pixels");
    assert!(
        coloured * 1000 > total,
        "colour on {coloured} of {total} pixels"
    );
}

/// The screenshot as 8-bit RGB.
fn decode_rgb(path: &Path) -> (u32, u32, Vec<u8>) {
    let bytes = std::fs::read(path).expect("screenshot written");
    let image = image::load_from_memory(&bytes).expect("a PNG").to_rgb8();
    (image.width(), image.height(), image.into_raw())
}
