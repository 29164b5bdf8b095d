//! The comparison on the terminal: the whiteboard table (strategy · risk ·
//! rollback speed · cost · complexity · fits when) graded from the numbers,
//! the evidence behind each grade, then every figure side by side.

use std::fmt::Write;

use super::grade::{self, Mark};
use super::view::{Cell, Report, deploys_evidence};
use crate::montecarlo::{RunSummary, StrategySummary};
use crate::stats::Summary;
use crate::trial::{Metric, Outcome};

/// Renders the report of `s`; `color` adds ANSI colours to the grades
/// (green good, yellow fair, red poor) — for a terminal only.
pub fn render(s: &RunSummary, report: &Report, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} trials per strategy, seed {} ({} with a bad release)",
        s.scenario, s.runs, s.seed, report.bad_trials
    );
    if let Some(p) = s.precision {
        let widest = if p.widest.is_finite() {
            format!("± {}", super::format::percent(p.widest))
        } else {
            "a figure without an interval".to_owned()
        };
        let _ = writeln!(
            out,
            "precision target ± {}: {} (widest {widest})",
            super::format::percent(p.target),
            if p.reached {
                format!("reached after {} runs", s.runs)
            } else {
                format!("not reached within maxRuns {}", p.max_runs)
            }
        );
    }
    out.push('\n');
    whiteboard(&mut out, report, color);
    out.push('\n');
    evidence(&mut out, report, color);
    out.push('\n');
    figures(&mut out, s);
    out
}

/// The whiteboard table, one row per strategy, a grade per column.
fn whiteboard(out: &mut String, r: &Report, color: bool) {
    let name_w = r
        .strategies
        .iter()
        .map(|v| v.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    let heads = ["risk", "rollback speed", "cost", "complexity"];
    let text = |c: &Cell| match &c.beside {
        Some(b) => format!("{}, {b}", c.shown()),
        None => c.shown(),
    };
    let rows: Vec<[String; 4]> = r.strategies.iter().map(|v| v.cells().map(text)).collect();
    let widths: [usize; 4] = std::array::from_fn(|i| {
        rows.iter()
            .map(|row| row[i].chars().count())
            .max()
            .unwrap_or(0)
            .max(14)
    });
    let _ = write!(out, "{:name_w$}", "strategy");
    for (h, w) in heads.iter().zip(widths) {
        let _ = write!(out, "  {h:<w$}");
    }
    let _ = writeln!(out, "  fits when");
    for (v, row) in r.strategies.iter().zip(&rows) {
        let _ = write!(out, "{:name_w$}", v.name);
        for ((t, c), w) in row.iter().zip(v.cells()).zip(widths) {
            let _ = write!(out, "  {}", paint(&format!("{t:<w$}"), c.mark, color));
        }
        let _ = writeln!(out, "  {}", v.fits_when);
    }
}

/// Per strategy, each grade with the numbers it rests on.
fn evidence(out: &mut String, r: &Report, color: bool) {
    for v in &r.strategies {
        let _ = writeln!(out, "{} ({})", v.name, v.kind);
        for c in v.cells() {
            let _ = writeln!(out, "  {}", evidence_line(c, color));
        }
        if let Some(line) = deploys_evidence(&v.deploys) {
            let (word, mark) = grade::deploy_word(v.deploys.verdict);
            let _ = writeln!(
                out,
                "  {:<15}{} {line}",
                "deploys",
                paint(&format!("{word:<7}"), Some(mark), color)
            );
        }
    }
    let _ = writeln!(
        out,
        "(p50 / p95 over bad releases; rollback over trials that rolled back; \
         grades as in the README, \"Reading the report\")"
    );
}

fn evidence_line(c: &Cell, color: bool) -> String {
    format!(
        "{:<15}{} {}",
        c.column.heading(),
        paint(&format!("{:<7}", c.shown()), c.mark, color),
        c.evidence.join(" · ")
    )
}

fn paint(text: &str, mark: Option<Mark>, color: bool) -> String {
    let code = match (color, mark) {
        (true, Some(Mark::Good)) => "32",
        (true, Some(Mark::Fair)) => "33",
        (true, Some(Mark::Poor)) => "31",
        _ => return text.to_owned(),
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Every figure as a header (an empty corner, then the strategies) and
/// labelled rows, for documents.
pub fn figure_rows(s: &RunSummary) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let head = std::iter::once(String::new())
        .chain(s.strategies.iter().map(|st| st.name.clone()))
        .collect();
    let rows = ROWS
        .iter()
        .map(|(label, f)| {
            let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
            (label, s.strategies.iter().map(f).collect())
        })
        .collect();
    (head, rows)
}

/// Every figure, one column per strategy.
fn figures(out: &mut String, s: &RunSummary) {
    let rows: Vec<(String, Vec<String>)> = ROWS
        .iter()
        .map(|(label, f)| (label.to_string(), s.strategies.iter().map(f).collect()))
        .collect();
    let label_w = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let col_w: Vec<usize> = s
        .strategies
        .iter()
        .enumerate()
        .map(|(i, st)| {
            rows.iter()
                .map(|r| r.1[i].chars().count())
                .max()
                .unwrap_or(0)
                .max(st.name.chars().count())
        })
        .collect();
    let _ = write!(out, "{:label_w$}", "");
    for (st, w) in s.strategies.iter().zip(&col_w) {
        let _ = write!(out, "  {:>w$}", st.name);
    }
    out.push('\n');
    for (label, cells) in rows {
        let _ = write!(out, "{label:label_w$}");
        for (c, w) in cells.iter().zip(&col_w) {
            let _ = write!(out, "  {c:>w$}");
        }
        out.push('\n');
    }
}

type Row = (&'static str, fn(&StrategySummary) -> String);

const ROWS: &[Row] = &[
    ("type", |s| s.kind.clone()),
    ("failed requests | bad release  p50 / p95", |s| {
        pair(&s.given_bad[Metric::FailedRequests], 0)
    }),
    ("affected users | bad release   p50 / p95", |s| {
        pair(&s.given_bad[Metric::AffectedUsers], 0)
    }),
    ("error budget burn | bad        p95", |s| {
        pct(s.given_bad[Metric::ErrorBudgetBurn].p95)
    }),
    ("peak bad traffic share | bad   p50", |s| {
        pct(s.given_bad[Metric::PeakBadTrafficShare].p50)
    }),
    ("time to detect (s)             p50 / p95", |s| {
        pair(&s.given_bad[Metric::TimeToDetect], 0)
    }),
    ("rollback time (s)              p50 / p95", |s| {
        pair(&s.all[Metric::RollbackTime], 0)
    }),
    ("time to recover (s)            p50 / p95", |s| {
        pair(&s.given_bad[Metric::TimeToRecover], 0)
    }),
    ("deploy duration (s)            p50 / p95", |s| {
        pair(&s.all[Metric::DeployDuration], 0)
    }),
    ("failed requests | all          mean", |s| {
        num(s.all[Metric::FailedRequests].mean, 1)
    }),
    ("capacity shortfall (s)         mean", |s| {
        num(s.all[Metric::CapacityShortfall].mean, 1)
    }),
    ("peak pods                      max", |s| {
        num(s.all[Metric::PeakPods].max, 0)
    }),
    ("pods asked for (not shutting)  p95", |s| {
        num(s.all[Metric::PeakReplicas].p95, 0)
    }),
    ("extra pod-hours                mean", |s| {
        num(s.all[Metric::ExtraPodHours].mean, 2)
    }),
    ("cost                           mean", |s| {
        num(s.all[Metric::Cost].mean, 3)
    }),
    ("CPU / memory headroom needed   p95", |s| {
        format!(
            "{:.1} / {:.1} GiB",
            s.capacity.cpu_headroom_p95, s.capacity.memory_headroom_gib_p95
        )
    }),
    ("fits the cluster / nodes added p95", |s| {
        format!(
            "{} / {:.0}",
            if s.capacity.fits_p95 { "yes" } else { "no" },
            s.capacity.nodes_added_p95
        )
    }),
    ("succeeded / rolled back        share", |s| {
        shares(s, Outcome::Succeeded, Outcome::RolledBack)
    }),
    ("incident / stalled             share", |s| {
        shares(s, Outcome::Incident, Outcome::Stalled)
    }),
    ("false rollback / data loss     share", |s| {
        shares(s, Outcome::FalseRollback, Outcome::DataLoss)
    }),
];

/// Two outcomes' shares of all releases, "90.12% / 1.30%".
fn shares(s: &StrategySummary, a: Outcome, b: Outcome) -> String {
    let share = |o: Outcome| pct(Some(s.outcome_shares[o]));
    format!("{} / {}", share(a), share(b))
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{x:.decimals$}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{:.2}%", x * 100.0))
}

fn pair(m: &Summary, decimals: usize) -> String {
    if m.count == 0 {
        return "–".to_string();
    }
    format!("{} / {}", num(m.p50, decimals), num(m.p95, decimals))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::grade::Column;
    use crate::report::view::Cell;

    fn cell(mark: Option<Mark>) -> Cell {
        Cell {
            column: Column::Risk,
            mark,
            word: mark.map_or("–", |m| Column::Risk.word(m)),
            borderline: Vec::new(),
            value: None,
            ci95: None,
            evidence: vec!["failed requests 1 / 2".into()],
            beside: None,
        }
    }

    #[test]
    fn grades_are_coloured_only_when_asked() {
        let plain = evidence_line(&cell(Some(Mark::Poor)), false);
        assert_eq!(plain, "risk           high    failed requests 1 / 2");
        let red = evidence_line(&cell(Some(Mark::Poor)), true);
        assert_eq!(
            red,
            "risk           \x1b[31mhigh   \x1b[0m failed requests 1 / 2"
        );
        assert!(evidence_line(&cell(Some(Mark::Good)), true).contains("\x1b[32m"));
        assert!(!evidence_line(&cell(None), true).contains('\x1b'));
    }
}
