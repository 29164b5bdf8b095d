//! The SLO burn-rate alert on the service's error ratio.
//!
//! The alert is the SRE Workbook's multiwindow page: it fires at a rule
//! evaluation when the error ratio over both the long and the short window
//! exceeds `burnRateThreshold × (1 − SLO)`. Rules are evaluated on a fixed
//! grid (Prometheus' evaluation interval). The trial driver evaluates it at
//! every grid point while the routing changes; once the routing has held
//! still for an interval it asks [`BurnAlert::predict`] for the first grid
//! point at which the rule would fire if nothing else changed, and checks
//! only there (exactly, from the accumulated log).

use crate::scenario::Alerting;
use crate::sim::{Duration, SimTime};
use crate::traffic::Demand;

/// Cumulative requests and errors seen by the service, with the burn-rate rule.
#[derive(Clone, Debug, Default)]
pub struct BurnAlert {
    /// (time, cumulative requests, cumulative errors), increasing in time.
    log: Vec<(SimTime, f64, f64)>,
    /// Request rate and error ratio before the rollout (the pre-history).
    rate0: f64,
    ratio0: f64,
    /// Error ratio above which the rule fires.
    threshold: f64,
    long: Duration,
    short: Duration,
    every: Duration,
    /// The log's length at which its entries too old to be read are
    /// dropped ([`BurnAlert::forget`]).
    forget_at: usize,
}

/// The shortest log that is ever pruned.
const FORGET_FROM: usize = 256;

impl BurnAlert {
    /// Resets for a trial: before t = 0 the service ran at `rate0` rps with
    /// error ratio `ratio0`.
    pub fn reset(&mut self, rule: &Alerting, availability: f64, rate0: f64, ratio0: f64) {
        self.log.clear();
        self.log.push((SimTime::ZERO, 0.0, 0.0));
        self.rate0 = rate0;
        self.ratio0 = ratio0;
        self.threshold = rule.burn_rate_threshold * (1.0 - availability);
        self.long = rule.window;
        self.short = rule.short_window;
        self.every = rule.evaluation_interval.max(Duration(1));
        self.forget_at = FORGET_FROM;
    }

    /// Error ratio above which the rule fires.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Records `requests` and `errors` served over (last logged time, `t`].
    pub fn record(&mut self, t: SimTime, requests: f64, errors: f64) {
        let &(t0, r, e) = self.log.last().expect("log starts with t = 0");
        if t == t0 {
            let last = self.log.last_mut().expect("non-empty");
            last.1 += requests;
            last.2 += errors;
        } else {
            self.log.push((t, r + requests, e + errors));
            if self.log.len() >= self.forget_at {
                self.forget(t);
            }
        }
    }

    /// Drops the entries no query can read any more. Every query is at the
    /// newest record's time or later and looks back at most the longer
    /// window, so of the entries before `t` − that window only the last is
    /// read again (to interpolate inside it). The log then stays as long as
    /// a window's records, however long the trial runs; pruning when it has
    /// doubled since the last time keeps the cost per record constant.
    fn forget(&mut self, t: SimTime) {
        let reach = self.long.max(self.short);
        if let Some(cut) = t.0.checked_sub(reach.0) {
            let first_needed = self.log.partition_point(|&(at, _, _)| at.0 < cut);
            self.log.drain(..first_needed.saturating_sub(1));
        }
        self.forget_at = (2 * self.log.len()).max(FORGET_FROM);
    }

    /// Cumulative (requests, errors) at `t` (negative seconds for the past),
    /// interpolated linearly inside a logged interval.
    fn cumulative(&self, t_ms: i64) -> (f64, f64) {
        if t_ms <= 0 {
            let s = t_ms as f64 / 1000.0;
            return (self.rate0 * s, self.rate0 * self.ratio0 * s);
        }
        let t = SimTime(t_ms as u64);
        let i = self.log.partition_point(|&(at, _, _)| at < t);
        if i >= self.log.len() {
            let &(_, r, e) = self.log.last().expect("non-empty");
            return (r, e);
        }
        let (t1, r1, e1) = self.log[i];
        if t1 == t || i == 0 {
            return (r1, e1);
        }
        let (t0, r0, e0) = self.log[i - 1];
        let f = (t.0 - t0.0) as f64 / (t1.0 - t0.0) as f64;
        (r0 + f * (r1 - r0), e0 + f * (e1 - e0))
    }

    fn ratio(&self, at: i64, window: Duration, now_cum: (f64, f64)) -> f64 {
        let (r0, e0) = self.cumulative(at - window.0 as i64);
        let (r, e) = (now_cum.0 - r0, now_cum.1 - e0);
        if r <= 0.0 { 0.0 } else { e / r }
    }

    /// The error ratio over the short window ending at `t`, or over the
    /// time since `since` if that is shorter (everything up to `t`
    /// recorded): the last minutes a person paged by the rule looks at.
    pub fn recent_ratio(&self, t: SimTime, since: SimTime) -> f64 {
        let now = self.cumulative(t.0 as i64);
        let window = self.short.min(t.since(since));
        if window == Duration::ZERO {
            return f64::NAN;
        }
        self.ratio(t.0 as i64, window, now)
    }

    /// Whether the rule fires at `t` (everything up to `t` must be recorded).
    pub fn firing(&self, t: SimTime) -> bool {
        let now = self.cumulative(t.0 as i64);
        self.ratio(t.0 as i64, self.long, now) > self.threshold
            && self.ratio(t.0 as i64, self.short, now) > self.threshold
    }

    /// The first evaluation at or after `from` (≥ `now`, everything up to
    /// `now` recorded) at which the rule would fire if the service kept
    /// serving error ratio `ratio_now` from `now` on; `None` if it would not
    /// fire within one long window.
    pub fn predict(
        &self,
        now: SimTime,
        from: SimTime,
        ratio_now: f64,
        demand: &Demand,
    ) -> Option<SimTime> {
        let current = self.cumulative(now.0 as i64);
        let short_now = self.ratio(now.0 as i64, self.short, current);
        if ratio_now <= self.threshold && short_now <= self.threshold {
            return None; // the short window cannot climb above the threshold
        }
        let every = self.every.0;
        let first = from.0.max(now.0).div_ceil(every) * every;
        let last = now.0 + self.long.0 + every;
        let mut t = first;
        while t <= last {
            let ahead = demand.requests(now, SimTime(t));
            let cum = (current.0 + ahead, current.1 + ahead * ratio_now);
            let long = self.ratio_ahead(now, t, self.long, cum, current, ratio_now, demand);
            let short = self.ratio_ahead(now, t, self.short, cum, current, ratio_now, demand);
            if long > self.threshold && short > self.threshold {
                return Some(SimTime(t));
            }
            t += every;
        }
        None
    }

    /// Window ratio at future time `t` under the constant-ratio assumption.
    #[allow(clippy::too_many_arguments)]
    fn ratio_ahead(
        &self,
        now: SimTime,
        t: u64,
        window: Duration,
        cum: (f64, f64),
        current: (f64, f64),
        ratio_now: f64,
        demand: &Demand,
    ) -> f64 {
        let start = t as i64 - window.0 as i64;
        let (r0, e0) = if start <= now.0 as i64 {
            self.cumulative(start)
        } else {
            let ahead = demand.requests(now, SimTime(start as u64));
            (current.0 + ahead, current.1 + ahead * ratio_now)
        };
        let r = cum.0 - r0;
        if r <= 0.0 { 0.0 } else { (cum.1 - e0) / r }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> Alerting {
        Alerting {
            burn_rate_threshold: 14.4,
            window: Duration::from_secs(3600),
            short_window: Duration::from_secs(300),
            evaluation_interval: Duration::from_secs(60),
        }
    }

    /// docs/calibration.md, Detection: a step to error ratio e trips the 1h rule after about
    /// 60 min × 1.44% / e (99.9% SLO): ~52 s at 100%, ~8.6 min at 10%.
    #[test]
    fn step_to_error_ratio_fires_when_the_long_window_fills() {
        for (e, expect_s) in [(1.0, 60.0), (0.10, 540.0), (0.05, 1080.0)] {
            let d = Demand::constant(100.0);
            let mut a = BurnAlert::default();
            a.reset(&rule(), 0.999, 100.0, 0.0);
            let at = a
                .predict(SimTime::ZERO, SimTime::ZERO, e, &d)
                .expect("fires");
            // Exact: long window ratio = e·t/3600 > 0.0144 → t > 51.84 s / e·… on a 60 s grid.
            let exact = (0.0144 * 3600.0 / e / 60.0).floor() * 60.0 + 60.0;
            assert_eq!(at.as_secs_f64(), exact);
            assert!((at.as_secs_f64() - expect_s).abs() <= 60.0);
            // And the exact check agrees once the traffic is recorded.
            a.record(at, 100.0 * at.as_secs_f64(), 100.0 * at.as_secs_f64() * e);
            assert!(a.firing(at));
        }
    }

    #[test]
    fn below_threshold_never_fires() {
        let d = Demand::constant(100.0);
        let mut a = BurnAlert::default();
        a.reset(&rule(), 0.999, 100.0, 0.002);
        assert_eq!(a.predict(SimTime::ZERO, SimTime::ZERO, 0.01, &d), None);
        a.record(SimTime(3_600_000), 360_000.0, 3_600.0);
        assert!(!a.firing(SimTime(3_600_000)));
    }

    #[test]
    fn short_window_resets_after_errors_stop() {
        // 10 minutes at 100% errors, then clean: the short window clears after 5 min.
        let d = Demand::constant(10.0);
        let mut a = BurnAlert::default();
        a.reset(&rule(), 0.999, 10.0, 0.0);
        a.record(SimTime(600_000), 6000.0, 6000.0);
        assert!(a.firing(SimTime(600_000)));
        a.record(SimTime(1_000_000), 4000.0, 0.0);
        assert!(!a.firing(SimTime(1_000_000)));
        assert_eq!(
            a.predict(SimTime(1_000_000), SimTime(1_000_000), 0.0, &d),
            None
        );
    }

    #[test]
    fn old_records_are_forgotten_without_changing_an_answer() {
        // A record every 10 s for 2 days (17,280 records), with the error
        // ratio swinging so that the rule fires and clears: an alert that
        // forgets (its log stays within one hour's records, 360, doubled
        // at most) answers exactly as one that keeps everything.
        let d = Demand::constant(10.0);
        let (mut kept, mut pruned) = (BurnAlert::default(), BurnAlert::default());
        kept.reset(&rule(), 0.999, 10.0, 0.0);
        pruned.reset(&rule(), 0.999, 10.0, 0.0);
        kept.forget_at = usize::MAX;
        let (mut longest, mut fired) = (0, 0);
        for i in 1..=17_280u64 {
            let t = SimTime(i * 10_000);
            let ratio = if (i / 500) % 3 == 0 { 0.2 } else { 0.0 };
            for a in [&mut kept, &mut pruned] {
                a.record(t, 100.0, 100.0 * ratio);
            }
            longest = longest.max(pruned.log.len());
            assert_eq!(kept.firing(t), pruned.firing(t), "at {i}");
            fired += usize::from(pruned.firing(t));
            let since = SimTime(t.0.saturating_sub(120_000));
            let (k, p) = (kept.recent_ratio(t, since), pruned.recent_ratio(t, since));
            assert!(k == p || (k.is_nan() && p.is_nan()), "at {i}: {k} vs {p}");
            assert_eq!(
                kept.predict(t, t, ratio, &d),
                pruned.predict(t, t, ratio, &d)
            );
        }
        assert!(
            fired > 1000 && fired < 17_280 / 2,
            "fired at {fired} records"
        );
        assert_eq!(kept.log.len(), 17_281);
        assert!(longest <= 2 * 361 + 1, "the pruned log held {longest}");
    }
}
