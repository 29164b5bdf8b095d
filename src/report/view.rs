//! What a report says, built once from the scenario and the Monte Carlo
//! summary as plain `Serialize` structs: the terminal table, `report.md` and
//! `report.html` only lay it out.

use serde::Serialize;

use super::format::{self, percent, seconds};
use super::grade::{self, Column, Graded, Mark};
use super::recommend::needs_words;
use crate::montecarlo::{RunSummary, StrategySummary};
use crate::recommend::{self, DeployVerdict, Deploys, Grade, Needs};
use crate::scenario::{Scenario, SchemaApply, SchemaKind};
use crate::stats::Summary;
use crate::trial::{Metric, Outcome};

/// The whole report of one run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub scenario: String,
    pub description: String,
    pub runs: u64,
    pub seed: u64,
    /// Steady replicas of the service.
    pub replicas: u32,
    /// Trials whose release was bad (the same for every strategy).
    pub bad_trials: u64,
    /// The schema change that ships with the release, in words.
    pub schema_change: Option<String>,
    pub strategies: Vec<StrategyView>,
}

/// One row of the whiteboard table.
#[derive(Clone, Debug, Serialize)]
pub struct StrategyView {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub risk: Cell,
    pub rollback: Cell,
    pub cost: Cell,
    pub complexity: Cell,
    /// Whether its good releases go out; when they mostly do not, risk,
    /// rollback speed and cost are withheld.
    pub deploys: Deploys,
    /// When to choose it, from where it measured best.
    pub fits_when: String,
    pub needs: Needs,
}

/// A graded figure: the whiteboard's word and the numbers behind it.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub column: Column,
    /// `None` when the figure does not exist (e.g. no bad release drawn).
    pub mark: Option<Mark>,
    /// The grade in the column's words, or "–".
    pub word: &'static str,
    /// The other grades the figure's 95% interval reaches, in the column's
    /// words: empty when the grade is clear of its bounds.
    pub borderline: Vec<&'static str>,
    /// The value graded, for ranking (lower is better).
    #[serde(skip)]
    pub value: Option<f64>,
    /// The 95% interval of the figure graded (`None` for complexity, or
    /// without one).
    pub ci95: Option<[f64; 2]>,
    /// Lines of evidence, most important first.
    pub evidence: Vec<String>,
    /// A figure the whiteboard shows beside the word, not graded (rollback
    /// speed: the median time to recover).
    pub beside: Option<String>,
}

impl Cell {
    /// The grade as the whiteboard shows it: "high", or "high (or medium)"
    /// when the interval reaches another grade.
    pub fn shown(&self) -> String {
        if self.borderline.is_empty() {
            self.word.to_owned()
        } else {
            format!("{} (or {})", self.word, self.borderline.join(", "))
        }
    }
}

impl StrategyView {
    /// The four graded cells, in the whiteboard's column order.
    pub fn cells(&self) -> [&Cell; 4] {
        [&self.risk, &self.rollback, &self.cost, &self.complexity]
    }
}

impl Report {
    /// Builds the report of `summary`, a run of `sc`.
    pub fn new(sc: &Scenario, summary: &RunSummary) -> Report {
        let bad_trials = summary
            .strategies
            .first()
            .map_or(0, |s| s.given_bad[Metric::FailedRequests].count);
        let mut strategies: Vec<StrategyView> = summary
            .strategies
            .iter()
            .map(|s| view(sc, s, bad_trials))
            .collect();
        let fits = fits_when(&strategies);
        for (v, f) in strategies.iter_mut().zip(fits) {
            v.fits_when = f;
        }
        Report {
            scenario: summary.scenario.clone(),
            description: sc.description.trim().to_owned(),
            runs: summary.runs,
            seed: summary.seed,
            replicas: sc.service.replicas,
            bad_trials,
            schema_change: schema_words(sc),
            strategies,
        }
    }
}

fn view(sc: &Scenario, s: &StrategySummary, bad_trials: u64) -> StrategyView {
    let strategy = sc.strategies.iter().find(|st| st.name == s.name);
    let needs = strategy.map_or_else(Needs::default, |st| recommend::needs(sc, st));
    let deploys = recommend::deploys(s);
    let mut measured = [
        risk_cell(s, bad_trials),
        rollback_cell(s),
        cost_cell(s, sc.service.replicas),
    ];
    if deploys.verdict == DeployVerdict::DoesNotDeploy {
        for c in &mut measured {
            withhold(c);
        }
    }
    let [risk, rollback, cost] = measured;
    StrategyView {
        name: s.name.clone(),
        kind: s.kind.clone(),
        risk,
        rollback,
        cost,
        complexity: complexity_cell(&needs),
        deploys,
        fits_when: String::new(),
        needs,
    }
}

/// A grade that means nothing for a strategy that does not deploy: no
/// word, no rank; the figures stay as evidence, after the reason.
fn withhold(c: &mut Cell) {
    c.mark = None;
    c.word = "–";
    c.borderline.clear();
    c.value = None;
    c.ci95 = None;
    c.evidence
        .insert(0, "not graded: it does not deploy".to_owned());
}

/// The evidence of [`Deploys`] when some good release did not go out
/// (`None`: every one did, nothing to say).
pub fn deploys_evidence(d: &Deploys) -> Option<String> {
    (d.not_out > 0).then(|| {
        format!(
            "{} of {} good releases went out: {} do not",
            count((d.good - d.not_out) as f64),
            count(d.good as f64),
            format::share_ci(d.share, d.ci95)
        )
    })
}

/// "80.3% (95% CI 79–81.6%) of good releases do not go out".
pub fn not_out_words(d: &Deploys) -> String {
    format!(
        "{} of good releases do not go out",
        format::share_ci(d.share, d.ci95)
    )
}

fn cell(column: Column, graded: Option<Graded>, evidence: Vec<String>) -> Cell {
    Cell {
        column,
        mark: graded.map(|g| g.mark),
        word: graded.map_or("–", |g| column.word(g.mark)),
        borderline: graded.map_or(Vec::new(), |g| {
            g.also().into_iter().map(|m| column.word(m)).collect()
        }),
        value: graded.map(|g| g.value),
        ci95: graded.and_then(|g| g.ci95),
        evidence,
        beside: None,
    }
}

/// " (95% CI a–b)" after a figure (`of` names it when several stand
/// before), when the interval is not a point.
fn ci_words(of: &str, ci: Option<[f64; 2]>, f: impl Fn(f64) -> String) -> String {
    match ci {
        Some([lo, hi]) if f(lo) != f(hi) => format!(" ({of}95% CI {}–{})", f(lo), f(hi)),
        _ => String::new(),
    }
}

fn risk_cell(s: &StrategySummary, bad_trials: u64) -> Cell {
    let incidents = s.outcomes[Outcome::Incident];
    let bad = &s.given_bad;
    let mut evidence = vec![
        format!(
            "failed requests {}",
            p50_p95(&bad[Metric::FailedRequests], count)
        ),
        format!(
            "affected users {}",
            p50_p95(&bad[Metric::AffectedUsers], count)
        ),
        format!(
            "budget burn p95 {}{}",
            opt(bad[Metric::ErrorBudgetBurn].p95, percent),
            ci_words("", bad[Metric::ErrorBudgetBurn].p95_ci95, percent)
        ),
    ];
    if bad_trials > 0 {
        evidence.push(format!(
            "incident in {} of bad releases",
            percent(incidents as f64 / bad_trials as f64)
        ));
    }
    cell(Column::Risk, grade::risk(s), evidence)
}

fn rollback_cell(s: &StrategySummary) -> Cell {
    let evidence = vec![
        format!(
            "undo → healthy {}{}, time to recover {}",
            p50_p95(&s.all[Metric::RollbackTime], seconds),
            ci_words("p50 ", s.all[Metric::RollbackTime].p50_ci95, seconds),
            p50_p95(&s.given_bad[Metric::TimeToRecover], seconds)
        ),
        format!(
            "detect {}",
            p50_p95(&s.given_bad[Metric::TimeToDetect], seconds)
        ),
    ];
    let mut c = cell(Column::Rollback, grade::rollback(s), evidence);
    c.beside = s.given_bad[Metric::TimeToRecover]
        .p50
        .map(|t| format!("recover {}", seconds(t)));
    c
}

fn cost_cell(s: &StrategySummary, replicas: u32) -> Cell {
    let graded = grade::cost(s, replicas);
    let asked = s.all[Metric::PeakReplicas].p95;
    let existing = s.all[Metric::PeakPods].p95;
    let mut evidence = vec![
        format!(
            "pods asked for p95 {}{}{}{}",
            opt(asked, count),
            graded.map_or(String::new(), |g| format!(" ({:.2}×)", g.value)),
            ci_words("", s.all[Metric::PeakReplicas].p95_ci95, count),
            match (existing, asked) {
                (Some(e), Some(a)) if count(e) != count(a) => {
                    format!(", {} with those shutting down", count(e))
                }
                _ => String::new(),
            }
        ),
        format!(
            "extra pod-hours {}",
            opt(s.all[Metric::ExtraPodHours].mean, decimal)
        ),
        format!("money per deploy {}", opt(s.all[Metric::Cost].mean, money)),
    ];
    if s.capacity.nodes_added_p95 > 0.0 || !s.capacity.fits_p95 {
        evidence.push(format!(
            "{} · nodes added p95 {}",
            if s.capacity.fits_p95 {
                "fits"
            } else {
                "does not fit"
            },
            count(s.capacity.nodes_added_p95)
        ));
    }
    cell(Column::Cost, graded, evidence)
}

fn complexity_cell(needs: &Needs) -> Cell {
    let mark = match needs.complexity() {
        Grade::Low => Mark::Good,
        Grade::Medium => Mark::Fair,
        Grade::High => Mark::Poor,
    };
    Cell {
        column: Column::Complexity,
        mark: Some(mark),
        word: Column::Complexity.word(mark),
        borderline: Vec::new(),
        // Ranks by grade, then by how many needs.
        value: Some(mark as u8 as f64 * 10.0 + needs.count() as f64),
        ci95: None,
        evidence: vec![format!("needs {}", needs_words(needs))],
        beside: None,
    }
}

/// "Fits when": the columns in which a strategy measured best (ties share
/// it), save those it is graded poor in (the least bad of poor options
/// fits nothing); a strategy best at nothing either has a rival at least as
/// good on every count, or sits between the others. A strategy that does not deploy
/// fits nothing; one that may not says so after its fit.
fn fits_when(views: &[StrategyView]) -> Vec<String> {
    let values = |v: &StrategyView| v.cells().map(|c| c.value.unwrap_or(f64::INFINITY));
    let all: Vec<[f64; 4]> = views.iter().map(values).collect();
    let best: Vec<f64> = (0..4)
        .map(|c| all.iter().map(|v| v[c]).fold(f64::INFINITY, f64::min))
        .collect();
    views
        .iter()
        .enumerate()
        .map(|(i, v)| match v.deploys.verdict {
            DeployVerdict::DoesNotDeploy => {
                format!("never as it stands: {}", not_out_words(&v.deploys))
            }
            DeployVerdict::Unsure => format!(
                "{}; but {}, around the {} line",
                compared(views, &all, &best, i),
                not_out_words(&v.deploys),
                percent(recommend::MAX_NOT_DEPLOYED)
            ),
            DeployVerdict::Deploys => compared(views, &all, &best, i),
        })
        .collect()
}

/// Where strategy `i` measured best, or the rival that deploys and does as
/// well on every count.
fn compared(views: &[StrategyView], all: &[[f64; 4]], best: &[f64], i: usize) -> String {
    const WHEN: [&str; 4] = [
        "the blast radius matters most",
        "fast rollback matters most",
        "capacity is tight",
        "simplicity matters most",
    ];
    let marks = views[i].cells().map(|c| c.mark);
    let wins: Vec<&str> = (0..4)
        .filter(|&c| all[i][c].is_finite() && all[i][c] <= best[c])
        .filter(|&c| marks[c] != Some(Mark::Poor))
        .map(|c| WHEN[c])
        .collect();
    if !wins.is_empty() {
        return join_and(&wins);
    }
    let rival = (0..views.len()).find(|&j| {
        j != i
            && views[j].deploys.verdict != DeployVerdict::DoesNotDeploy
            && (0..4).all(|c| all[j][c] <= all[i][c])
    });
    match rival {
        Some(j) => format!(
            "rarely: {} does as well or better on every count",
            views[j].name
        ),
        None => "a compromise: not the best on any count, and nothing beats it on all".to_owned(),
    }
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{}; {last}", rest.join("; ")),
    }
}

fn schema_words(sc: &Scenario) -> Option<String> {
    let c = sc.schema_change.as_ref()?;
    let kind = match c.kind {
        SchemaKind::Additive => "an additive change",
        SchemaKind::Breaking => "a breaking change",
        SchemaKind::ExpandContract => "an expand/contract change",
    };
    let when = match c.apply {
        SchemaApply::BeforeRollout => "applied before the rollout",
        SchemaApply::AfterRollout => "applied after the rollout",
    };
    let undo = if c.reversible {
        "reversible by a down-migration"
    } else {
        "not reversible: undoing it means a restore from backup"
    };
    Some(format!("{kind}, {when}, {undo}"))
}

fn opt(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.map_or_else(|| "–".to_owned(), f)
}

/// "p50 / p95" of a metric, each formatted by `f`; "–" when no trial had it.
pub fn p50_p95(m: &Summary, f: fn(f64) -> String) -> String {
    if m.count == 0 {
        return "–".to_owned();
    }
    format!("{} / {}", opt(m.p50, f), opt(m.p95, f))
}

/// A count, compact: 950, 12,400, 1.24M.
pub fn count(x: f64) -> String {
    let r = x.round();
    if r.abs() >= 1e6 {
        format!("{:.2}M", r / 1e6)
    } else if r.abs() >= 1e3 {
        format::thousands(r)
    } else if x != 0.0 && x.abs() < 10.0 {
        format!("{:.1}", x)
    } else {
        format!("{r:.0}")
    }
}

/// A small quantity with two decimals.
pub fn decimal(x: f64) -> String {
    format!("{x:.2}")
}

/// Money, in the pricing's currency.
pub fn money(x: f64) -> String {
    if x < 1.0 {
        format!("{x:.3}")
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_speed_is_undo_to_healthy_with_the_time_to_recover_beside_it() {
        use crate::recommend::fixtures::{FIGURES, run, sc, stat};
        // Every strategy recovers in 600 s (p50, onset → healthy) and is
        // undone in 30 s: a traffic switch, fast (≤ 60 s). Graded on
        // detection → healthy it would be medium (≤ 600 s) at best.
        let mut summary = run([FIGURES; 4]);
        for st in &mut summary.strategies {
            st.all[Metric::RollbackTime] = stat(100, 30.0);
        }
        summary.strategies[3].all[Metric::RollbackTime] = stat(100, 90.0);
        let r = Report::new(&sc(""), &summary);
        let rb = &r.strategies[0].rollback;
        assert_eq!((rb.word, rb.value), ("fast", Some(30.0)));
        assert_eq!(rb.beside.as_deref(), Some("recover 10 min"));
        assert_eq!(
            rb.evidence[0],
            "undo → healthy 30 s / 30 s, time to recover 10 min / 10 min"
        );
        // 90 s of pods starting is medium, whatever the recovery.
        assert_eq!(r.strategies[3].rollback.word, "medium");
    }

    #[test]
    fn numbers_read_like_a_person_writes_them() {
        assert_eq!(count(0.0), "0");
        assert_eq!(count(2.5), "2.5");
        assert_eq!(count(950.4), "950");
        assert_eq!(count(12_400.0), "12,400");
        assert_eq!(count(1_240_000.0), "1.24M");
        assert_eq!(join_and(&["a", "b", "c"]), "a; b; c");
    }
}
