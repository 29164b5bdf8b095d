//! `summary.csv` (one row per strategy × scope × metric) and `trials.csv`
//! (one row per trial and strategy).

use std::io::Write;

use crate::error::Error;
use crate::montecarlo::{RunSummary, TrialRow};
use crate::scenario::Scenario;
use crate::sweep::SweepSummary;
use crate::trial::{Metric, Outcome};

/// The summary as CSV text.
pub fn summary(s: &RunSummary) -> Result<String, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "strategy",
        "type",
        "scope",
        "metric",
        "count",
        "mean",
        "p50",
        "p95",
        "p99",
        "max",
        "ci95_low",
        "ci95_high",
    ];
    w.write_record(header).map_err(anyhow::Error::from)?;
    let cell = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for st in &s.strategies {
        for (scope, map) in [("all", &st.all), ("given_bad", &st.given_bad)] {
            for (metric, m) in map.iter() {
                let ci = m
                    .ci95
                    .map(|[a, b]| (Some(a), Some(b)))
                    .unwrap_or((None, None));
                w.write_record([
                    st.name.clone(),
                    st.kind.clone(),
                    scope.to_string(),
                    metric.name().to_string(),
                    m.count.to_string(),
                    cell(m.mean),
                    cell(m.p50),
                    cell(m.p95),
                    cell(m.p99),
                    cell(m.max),
                    cell(ci.0),
                    cell(ci.1),
                ])
                .map_err(anyhow::Error::from)?;
            }
        }
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    Ok(String::from_utf8(bytes).map_err(anyhow::Error::from)?)
}

/// `sweep.csv`: one row per point and strategy, the swept keys first (their
/// values as given), then the headline numbers and each outcome's share.
pub fn sweep(s: &SweepSummary) -> Result<String, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = s.keys.clone();
    header.extend(
        [
            "strategy",
            "type",
            "bad_trials",
            "failed_requests_bad_mean",
            "failed_requests_bad_p50",
            "failed_requests_bad_p95",
            "time_to_recover_s_bad_mean",
            "time_to_recover_s_bad_p50",
            "time_to_recover_s_bad_p95",
            "extra_pod_hours_mean",
            "cost_mean",
        ]
        .map(String::from),
    );
    header.extend(Outcome::ALL.iter().map(|o| format!("share_{}", o.name())));
    w.write_record(&header).map_err(anyhow::Error::from)?;
    let cell = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for r in &s.rows {
        let mut rec: Vec<String> = r.set.0.iter().map(|(_, v)| v.clone()).collect();
        let (f, t) = (&r.failed_requests_given_bad, &r.time_to_recover_s_given_bad);
        rec.extend([r.strategy.clone(), r.kind.clone(), r.bad_trials.to_string()]);
        rec.extend([f.mean, f.p50, f.p95, t.mean, t.p50, t.p95].map(cell));
        rec.extend([r.extra_pod_hours_mean, r.cost_mean].map(cell));
        rec.extend(r.outcome_shares.values().iter().map(|x| x.to_string()));
        w.write_record(&rec).map_err(anyhow::Error::from)?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    Ok(String::from_utf8(bytes).map_err(anyhow::Error::from)?)
}

/// Streams per-trial rows as CSV.
pub struct TrialsWriter<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> TrialsWriter<W> {
    /// Writes the header.
    pub fn new(out: W) -> Result<Self, csv::Error> {
        let mut w = csv::Writer::from_writer(out);
        let mut header = vec!["trial", "strategy", "bad", "defect", "outcome"];
        header.extend(Metric::ALL.map(Metric::name));
        w.write_record(&header)?;
        Ok(TrialsWriter { w })
    }

    /// Writes rows (in the order given).
    pub fn write(&mut self, sc: &Scenario, rows: &[TrialRow]) -> Result<(), csv::Error> {
        let mut rec: Vec<String> = Vec::with_capacity(5 + Metric::COUNT);
        for r in rows {
            rec.clear();
            rec.push(r.trial.to_string());
            rec.push(sc.strategies[r.strategy].name.clone());
            rec.push(r.result.bad.to_string());
            rec.push(r.defect.unwrap_or("").to_string());
            rec.push(r.result.outcome.name().to_string());
            for m in Metric::ALL {
                let v = r.result.get(m);
                rec.push(
                    v.map(|x| crate::stats::sig6(x).to_string())
                        .unwrap_or_default(),
                );
            }
            self.w.write_record(&rec)?;
        }
        Ok(())
    }

    /// Flushes and returns the inner writer.
    pub fn finish(self) -> Result<W, Error> {
        self.w
            .into_inner()
            .map_err(|e| Error::Internal(anyhow::anyhow!("trials.csv: {}", e.error())))
    }
}
