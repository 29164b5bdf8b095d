//! What a trial's release is: good or bad, and if bad, which defect and how
//! severe. Drawn once per trial index from its own stream, so every strategy
//! of trial i meets exactly the same release.

use rand::{Rng, RngExt};

use crate::scenario::{DefectKind, Scenario};

/// The defect of a bad release, with its drawn severity resolved into what
/// the simulator needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Defect {
    /// The defect's `kind` as written in the scenario.
    pub kind: &'static str,
    /// Share of requests a serving bad pod fails, for every user.
    pub fail_share: f64,
    /// Share of users in the broken segment (0 if none) and the share of
    /// their requests a serving bad pod fails.
    pub segment_share: f64,
    pub segment_fail: f64,
    /// Bad pods never pass readiness.
    pub crash_on_start: bool,
    /// Bad pods hang this long after their container starts.
    pub hang_after_ms: Option<u64>,
    /// The drawn severity, for traces: error rate, added ms, minutes to hang…
    pub severity: f64,
    /// Milliseconds added to every request (latency defects): slow requests
    /// fail the SLO but are not errors to a canary's error-rate check.
    pub added_ms: f64,
}

impl Defect {
    /// Share of a serving bad pod's requests that return errors (for metrics).
    pub fn error_share(&self) -> f64 {
        if self.added_ms > 0.0 {
            0.0
        } else {
            self.fail_share
        }
    }
}

/// One trial's release.
#[derive(Clone, Debug, PartialEq)]
pub struct ReleaseDraw {
    pub defect: Option<Defect>,
}

impl ReleaseDraw {
    /// True when the release carries a defect.
    pub fn is_bad(&self) -> bool {
        self.defect.is_some()
    }

    /// Draws the release of one trial: bad with `release.defectProbability`,
    /// or as `stratum` says when the sampling fixes it. Consumes the stream
    /// in a fixed order either way: bad?, which defect, its severity.
    pub fn draw<R: Rng + ?Sized>(sc: &Scenario, stratum: Option<bool>, rng: &mut R) -> Self {
        let rel = &sc.release;
        let drawn = rng.random::<f64>() < rel.defect_probability;
        let bad = stratum.unwrap_or(drawn);
        if !bad || rel.defects.is_empty() {
            return ReleaseDraw { defect: None };
        }
        let total: f64 = rel.defects.iter().map(|d| d.weight).sum();
        let mut pick = rng.random::<f64>() * total;
        let mut chosen = &rel.defects[rel.defects.len() - 1];
        for d in &rel.defects {
            if pick < d.weight {
                chosen = d;
                break;
            }
            pick -= d.weight;
        }
        ReleaseDraw {
            defect: Some(resolve(&chosen.kind, sc, rng)),
        }
    }
}

fn resolve<R: Rng + ?Sized>(kind: &DefectKind, sc: &Scenario, rng: &mut R) -> Defect {
    let none = Defect {
        kind: "",
        fail_share: 0.0,
        segment_share: 0.0,
        segment_fail: 0.0,
        crash_on_start: false,
        hang_after_ms: None,
        severity: 0.0,
        added_ms: 0.0,
    };
    match kind {
        DefectKind::CrashOnStart => Defect {
            kind: "crashOnStart",
            crash_on_start: true,
            ..none
        },
        DefectKind::ErrorRate { error_rate } => {
            let e = error_rate.sample(rng).clamp(0.0, 1.0);
            Defect {
                kind: "errorRate",
                fail_share: e,
                severity: e,
                ..none
            }
        }
        DefectKind::Latency { added_ms } => {
            let added = added_ms.sample(rng).max(0.0);
            Defect {
                kind: "latency",
                fail_share: slow_share(sc, added),
                severity: added,
                added_ms: added,
                ..none
            }
        }
        DefectKind::DelayedCrash { after } => {
            let ms = after.sample(rng).max(0.0);
            Defect {
                kind: "delayedCrash",
                hang_after_ms: Some(ms.round() as u64),
                severity: ms,
                ..none
            }
        }
        DefectKind::Segment {
            affected_share,
            error_rate,
        } => {
            let share = affected_share.sample(rng).clamp(0.0, 1.0);
            let e = error_rate.sample(rng).clamp(0.0, 1.0);
            Defect {
                kind: "segment",
                segment_share: share,
                segment_fail: e,
                severity: share,
                ..none
            }
        }
    }
}

/// Extra share of requests slower than the SLO's latency threshold when every
/// request takes `added` ms more: F(th) − F(th − added) of the healthy
/// latency distribution (what was already slow is baseline, not the release's).
pub fn slow_share(sc: &Scenario, added: f64) -> f64 {
    let th = sc.slo.latency_threshold.as_millis() as f64;
    let base = &sc.service.latency;
    (base.cdf(th) - base.cdf(th - added)).clamp(0.0, 1.0)
}

/// Error ratio a healthy service shows its alerts: baseline errors plus
/// requests already slower than the latency threshold.
pub fn baseline_ratio(sc: &Scenario) -> f64 {
    let th = sc.slo.latency_threshold.as_millis() as f64;
    let slow = 1.0 - sc.service.latency.cdf(th);
    (sc.service.baseline_error_rate + slow).min(1.0)
}
