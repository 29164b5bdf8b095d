//! The whiteboard's grades on shipped scenarios: a strategy that does not
//! deploy is said so before anything else.

use std::path::Path;

use deploysim::montecarlo::{self, Plan};
use deploysim::recommend::{DeployVerdict, MAX_NOT_DEPLOYED};
use deploysim::report::view::{Report, StrategyView};
use deploysim::scenario;

/// The report of `file` (under `scenarios/`) at `runs` trials.
fn report(file: &str, runs: u64) -> Report {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let sc = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan {
        runs,
        seed: sc.monte_carlo.seed,
        strategies: (0..sc.strategies.len()).collect(),
    };
    let stats = montecarlo::run(&sc, &plan, None);
    Report::new(&sc, &montecarlo::summarize(&sc, &plan, &stats))
}

fn row<'a>(r: &'a Report, name: &str) -> &'a StrategyView {
    r.strategies.iter().find(|v| v.name == name).unwrap()
}

#[test]
fn a_strategy_that_does_not_deploy_is_graded_on_that_first() {
    // The batch scheduler's blue-green finds no room for its preview: no good
    // release goes out (each stalls at the progress deadline), yet its bad
    // releases fail nothing, since none is ever served. It was graded risk
    // low, rollback fast, "fits when: the blast radius matters most".
    let r = report("patterns/one-size/batch-scheduler.yaml", 600);
    let bg = row(&r, "blue-green");
    assert_eq!(bg.deploys.verdict, DeployVerdict::DoesNotDeploy);
    assert_eq!(bg.deploys.not_out, bg.deploys.good);
    assert!(bg.deploys.ci95[0] > MAX_NOT_DEPLOYED, "{:?}", bg.deploys);
    for c in [&bg.risk, &bg.rollback, &bg.cost] {
        assert_eq!((c.mark, c.word), (None, "–"), "{c:?}");
        assert_eq!(c.evidence[0], "not graded: it does not deploy");
    }
    assert!(bg.complexity.mark.is_some(), "what it needs is still so");
    assert!(
        bg.fits_when
            .starts_with("never as it stands: 100% (95% CI "),
        "{}",
        bg.fits_when
    );
    // The others deploy and are graded; blue-green takes no "best" from them.
    for name in ["rolling", "canary"] {
        let v = row(&r, name);
        assert_eq!(v.deploys.verdict, DeployVerdict::Deploys, "{name}");
        assert!(v.risk.mark.is_some() && v.cost.mark.is_some(), "{name}");
    }
    assert!(
        row(&r, "canary")
            .fits_when
            .contains("the blast radius matters most")
    );
}

#[test]
fn a_share_near_the_line_is_said_to_be_unsure() {
    // Breaking migration first, at the shipped runs: 198 of a rolling
    // update's 3,678 good releases end restored from backup (data_loss),
    // 5.4% (95% CI 4.7–6.2%): the 5% line is inside the interval. Its
    // canary's good releases end so in 80%.
    let r = report("patterns/breaking-migration-first.yaml", 4000);
    let rolling = row(&r, "rolling");
    assert_eq!(
        rolling.deploys.verdict,
        DeployVerdict::Unsure,
        "{:?}",
        rolling.deploys
    );
    assert!(
        rolling.risk.mark.is_some(),
        "an unsure row keeps its grades"
    );
    assert!(
        rolling
            .fits_when
            .ends_with("of good releases do not go out, around the 5% line"),
        "{}",
        rolling.fits_when
    );
    assert_eq!(
        row(&r, "canary").deploys.verdict,
        DeployVerdict::DoesNotDeploy
    );
}

#[test]
fn fits_when_never_names_a_column_the_row_is_graded_poor_in() {
    // breaking-migration-first's rolling update was graded rollback "slow"
    // (a restore: 53 min at p50) yet "fits when: fast rollback matters
    // most", being the least slow. Every shipped scenario, every row.
    let phrases = [
        ("the blast radius matters most", 0),
        ("fast rollback matters most", 1),
        ("capacity is tight", 2),
        ("simplicity matters most", 3),
    ];
    let mut files = Vec::new();
    for dir in ["", "patterns", "patterns/one-size"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(dir);
        for e in std::fs::read_dir(&root).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") {
                files.push(format!(
                    "{dir}/{}",
                    p.file_name().unwrap().to_str().unwrap()
                ));
            }
        }
    }
    assert!(files.len() >= 14, "{files:?}");
    let mut checked = 0;
    for file in &files {
        let r = report(file.trim_start_matches('/'), 300);
        for v in &r.strategies {
            let marks = [&v.risk, &v.rollback, &v.cost, &v.complexity].map(|c| c.mark);
            for (phrase, col) in phrases {
                if marks[col] == Some(deploysim::report::grade::Mark::Poor) {
                    checked += 1;
                    assert!(
                        !v.fits_when.contains(phrase),
                        "{file} {}: poor in column {col} yet fits when {:?}",
                        v.name,
                        v.fits_when
                    );
                }
            }
        }
    }
    assert!(checked > 10, "only {checked} poor grades seen");
    let r = report("patterns/breaking-migration-first.yaml", 4000);
    let rolling = row(&r, "rolling");
    assert_eq!(rolling.rollback.word, "slow");
    assert!(
        rolling
            .fits_when
            .starts_with("capacity is tight; simplicity matters most"),
        "{}",
        rolling.fits_when
    );
}

/// Every shipped scenario, relative to `scenarios/`, sorted.
fn shipped() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("scenarios/") {
            let p = e.expect("entry").path();
            if p.is_dir() && !p.ends_with("k8s") {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                let rel = p.strip_prefix(&root).expect("inside");
                files.push(rel.to_str().expect("UTF-8").to_owned());
            }
        }
    }
    files.sort();
    files
}

/// With the shipped settings (a 5% precision target), the grades and the
/// pick of every shipped scenario come out the same for seeds 1 to 10, or
/// are marked as uncertain where they differ: a grade that changes with the
/// seed is borderline ("medium (or high)") wherever it differs from the
/// grade most seeds give, and a pick that changes is a tie, rests on a
/// difference within the noise, or carries the borderline note.
///
/// About 20 minutes on two cores in a release build: run it with
/// `cargo test --release -- --ignored seeds_1_to_10`.
#[test]
#[ignore]
fn grades_and_picks_hold_for_seeds_1_to_10_or_say_they_are_borderline() {
    use deploysim::commands::{RunOptions, run_summary};
    use deploysim::recommend::{Note, recommend};
    use std::collections::BTreeMap;
    let mut failures = Vec::new();
    for file in shipped() {
        // (strategy, column) → per seed: the grade and whether it is borderline.
        let mut grades: BTreeMap<(String, usize), Vec<(String, bool)>> = BTreeMap::new();
        let mut picks: Vec<(Option<String>, bool)> = Vec::new();
        for seed in 1..=10 {
            let opts = RunOptions {
                scenario: Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("scenarios")
                    .join(&file),
                seed: Some(seed),
                ..RunOptions::default()
            };
            let (sc, summary) = run_summary(&opts).unwrap_or_else(|e| panic!("{file}: {e}"));
            let report = Report::new(&sc, &summary);
            for v in &report.strategies {
                for (k, c) in v.cells().iter().enumerate() {
                    grades
                        .entry((v.name.clone(), k))
                        .or_default()
                        .push((c.word.to_owned(), !c.borderline.is_empty()));
                }
            }
            let rec = recommend(&sc, &summary);
            let unsure = rec
                .pick
                .and_then(|p| p.runner_up)
                .is_some_and(|r| r.tie() || r.within_noise.is_some())
                || rec.notes.contains(&Note::BestBorderline);
            picks.push((rec.best().map(|b| b.name.clone()), unsure));
        }
        for ((name, k), seen) in &grades {
            let most = majority(seen.iter().map(|s| s.0.clone()));
            for (seed, (word, borderline)) in (1..).zip(seen) {
                if *word != most && !borderline {
                    failures.push(format!(
                        "{file} {name} column {k}: seed {seed} says {word}, most say {most}"
                    ));
                }
            }
        }
        let most = majority(picks.iter().map(|p| p.0.clone()));
        for (seed, (pick, unsure)) in (1..).zip(&picks) {
            if *pick != most && !unsure {
                failures.push(format!(
                    "{file}: seed {seed} picks {pick:?}, most pick {most:?}"
                ));
            }
        }
        eprintln!("{file}: picks {:?}", picks);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The value most often seen (the first of equals).
fn majority<T: Clone + Ord>(items: impl Iterator<Item = T>) -> T {
    let mut counts: std::collections::BTreeMap<T, (usize, usize)> = Default::default();
    for (i, x) in items.enumerate() {
        let e = counts.entry(x).or_insert((0, usize::MAX - i));
        e.0 += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(_, c)| *c)
        .map(|(x, _)| x)
        .expect("at least one")
}
