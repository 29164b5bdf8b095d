//! The comparison table printed on the terminal: one column per strategy,
//! one row per figure.

use std::fmt::Write;

use crate::montecarlo::{RunSummary, StrategySummary};
use crate::stats::Summary;

/// Renders the summary as a plain-text table.
pub fn render(s: &RunSummary) -> String {
    let mut out = String::new();
    let bad = s
        .strategies
        .first()
        .and_then(|st| st.given_bad.get("failed_requests"))
        .map_or(0, |m| m.count);
    let _ = writeln!(
        out,
        "{} — {} trials per strategy, seed {} ({} with a bad release)\n",
        s.scenario, s.runs, s.seed, bad
    );
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
    out
}

type Row = (&'static str, fn(&StrategySummary) -> String);

const ROWS: &[Row] = &[
    ("type", |s| s.kind.clone()),
    ("failed requests | bad release  p50 / p95", |s| {
        pair(s.given_bad.get("failed_requests"), 0)
    }),
    ("affected users | bad release   p50 / p95", |s| {
        pair(s.given_bad.get("affected_users"), 0)
    }),
    ("error budget burn | bad        p95", |s| {
        pct(s.given_bad.get("error_budget_burn").and_then(|m| m.p95))
    }),
    ("peak bad traffic share | bad   p50", |s| {
        pct(s
            .given_bad
            .get("peak_bad_traffic_share")
            .and_then(|m| m.p50))
    }),
    ("time to detect (s)             p50 / p95", |s| {
        pair(s.given_bad.get("time_to_detect_s"), 0)
    }),
    ("rollback time (s)              p50 / p95", |s| {
        pair(s.all.get("rollback_time_s"), 0)
    }),
    ("time to recover (s)            p50 / p95", |s| {
        pair(s.given_bad.get("time_to_recover_s"), 0)
    }),
    ("deploy duration (s)            p50 / p95", |s| {
        pair(s.all.get("deploy_duration_s"), 0)
    }),
    ("failed requests | all          mean", |s| {
        num(s.all.get("failed_requests").and_then(|m| m.mean), 1)
    }),
    ("capacity shortfall (s)         mean", |s| {
        num(s.all.get("capacity_shortfall_s").and_then(|m| m.mean), 1)
    }),
    ("peak pods                      max", |s| {
        num(s.all.get("peak_pods").and_then(|m| m.max), 0)
    }),
    ("extra pod-hours                mean", |s| {
        num(s.all.get("extra_pod_hours").and_then(|m| m.mean), 2)
    }),
    ("cost                           mean", |s| {
        num(s.all.get("cost").and_then(|m| m.mean), 3)
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
    ("succeeded / rolled back", |s| {
        format!(
            "{} / {}",
            outcome(s, "succeeded"),
            outcome(s, "rolled_back")
        )
    }),
    ("incident / stalled", |s| {
        format!("{} / {}", outcome(s, "incident"), outcome(s, "stalled"))
    }),
    ("false rollback / data loss", |s| {
        format!(
            "{} / {}",
            outcome(s, "false_rollback"),
            outcome(s, "data_loss")
        )
    }),
];

fn outcome(s: &StrategySummary, name: &str) -> u64 {
    s.outcomes.get(name).copied().unwrap_or(0)
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{x:.decimals$}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{:.2}%", x * 100.0))
}

fn pair(m: Option<&Summary>, decimals: usize) -> String {
    match m {
        Some(m) if m.count > 0 => format!("{} / {}", num(m.p50, decimals), num(m.p95, decimals)),
        _ => "–".to_string(),
    }
}
