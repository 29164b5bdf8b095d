//! `summary.json` (DESIGN §3) and the trace's JSON form.

use serde::Serialize;

use super::grade::{Column, Mark};
use super::view::{Cell, Report};
use crate::error::Error;
use crate::montecarlo::{PrecisionReached, RunSummary, StrategySummary};
use crate::recommend::DeployVerdict;
use crate::sweep::SweepSummary;

/// The summary as pretty JSON, ending with a newline; each strategy also
/// carries its whiteboard `grades` from `report`.
pub fn summary(s: &RunSummary, report: &Report) -> Result<String, Error> {
    let doc = SummaryJson {
        scenario: &s.scenario,
        runs: s.runs,
        seed: s.seed,
        strategies: s
            .strategies
            .iter()
            .zip(&report.strategies)
            .map(|(summary, view)| StrategyJson {
                summary,
                grades: Grades {
                    deploys: view.deploys.verdict,
                    risk: GradeJson::of(&view.risk),
                    rollback: GradeJson::of(&view.rollback),
                    cost: GradeJson::of(&view.cost),
                    complexity: GradeJson::of(&view.complexity),
                },
            })
            .collect(),
        precision: s.precision,
    };
    let mut text = serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?;
    text.push('\n');
    Ok(text)
}

/// [`RunSummary`] with the grades beside each strategy's figures.
#[derive(Serialize)]
struct SummaryJson<'a> {
    scenario: &'a str,
    runs: u64,
    seed: u64,
    strategies: Vec<StrategyJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    precision: Option<PrecisionReached>,
}

#[derive(Serialize)]
struct StrategyJson<'a> {
    #[serde(flatten)]
    summary: &'a StrategySummary,
    grades: Grades,
}

/// The whiteboard row of one strategy, as `summary.json` gives it.
#[derive(Serialize)]
struct Grades {
    /// Whether its good releases go out: when they do not, the others are
    /// withheld (`word` "–", `mark` null).
    deploys: DeployVerdict,
    risk: GradeJson,
    rollback: GradeJson,
    cost: GradeJson,
    complexity: GradeJson,
}

/// One grade: its word, its mark, the other words its interval admits, and
/// the figure graded with its 95% interval.
#[derive(Serialize)]
struct GradeJson {
    word: &'static str,
    mark: Option<Mark>,
    borderline: Vec<&'static str>,
    value: Option<f64>,
    ci95: Option<[f64; 2]>,
}

impl GradeJson {
    fn of(c: &Cell) -> Self {
        GradeJson {
            word: c.word,
            mark: c.mark,
            borderline: c.borderline.clone(),
            // Complexity's value only ranks; it is no measured figure.
            value: c.value.filter(|_| c.column != Column::Complexity),
            ci95: c.ci95,
        }
    }
}

/// `sweep.json` as pretty JSON, ending with a newline.
pub fn sweep(s: &SweepSummary) -> Result<String, Error> {
    let mut text = serde_json::to_string_pretty(s).map_err(anyhow::Error::from)?;
    text.push('\n');
    Ok(text)
}
