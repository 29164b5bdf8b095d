//! Demand, routing and closed-form accounting of requests, failures and users.
//!
//! Between two events the routing is constant, so the requests, failures and
//! user exposure of that interval follow from integrals of the demand curve:
//! a trial costs the same at 10 rps as at 10⁶ rps.
//!
//! Demand is `m·(1 + a·cos θ(t))` with θ advancing 2π a day (a = 0 for
//! constant traffic). Everything below is built from two primitives over an
//! interval: `∫ demand` and `∫ max(0, demand − K)` (the excess over a
//! capacity K, which fails as overload), plus the time spent above K.

use std::f64::consts::TAU;

use crate::scenario::{Pattern, Traffic};
use crate::sim::SimTime;

const DAY_S: f64 = 86_400.0;

/// The demand curve of one trial, anchored at the rollout's time of day.
#[derive(Clone, Copy, Debug)]
pub struct Demand {
    /// Daily mean rps.
    mean: f64,
    /// Relative amplitude a ∈ [0, 1).
    amp: f64,
    /// Phase θ at t = 0 (radians, 0 at the daily peak).
    phase0: f64,
}

/// ⌊x⌋ for the phases used here (|x| far below 2⁶³): a truncating
/// conversion, since `f64::floor` is a library call on baseline x86-64.
fn floor(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x { t - 1.0 } else { t }
}

/// sin and cos of the demand's phase at an instant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Angle {
    pub sin: f64,
    pub cos: f64,
}

impl Angle {
    /// The angle `d` radians on, by the addition formulas with sin d and
    /// cos d from their Taylor series — for the small steps between events
    /// (under 0.01 rad, 2 minutes of a day) the series' error is below
    /// 10⁻¹⁷, far under the f64 rounding; `None` for larger steps.
    fn advance(self, d: f64) -> Option<Angle> {
        if d.abs() >= 0.01 {
            return None;
        }
        let d2 = d * d;
        let sin_d = d * (1.0 - d2 / 6.0 * (1.0 - d2 / 20.0));
        let cos_d = 1.0 - d2 / 2.0 * (1.0 - d2 / 12.0 * (1.0 - d2 / 30.0));
        Some(Angle {
            sin: self.sin * cos_d + self.cos * sin_d,
            cos: self.cos * cos_d - self.sin * sin_d,
        })
    }
}

/// Totals over one interval for one capacity level.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Load {
    /// Requests arriving.
    pub requests: f64,
    /// Requests above capacity (failed as overload).
    pub overload: f64,
    /// Seconds during which demand exceeded capacity.
    pub shortfall_s: f64,
}

impl Demand {
    /// The demand of `traffic` for a rollout starting at `start_at` (time of day).
    pub fn new(traffic: &Traffic, start_at: crate::sim::Duration) -> Self {
        let (amp, phase0) = match traffic.pattern {
            Pattern::Constant => (0.0, 0.0),
            Pattern::Diurnal {
                peak_to_trough,
                peak_at,
            } => {
                let k = peak_to_trough;
                let offset = start_at.as_secs_f64() - peak_at.as_secs_f64();
                ((k - 1.0) / (k + 1.0), TAU * offset / DAY_S)
            }
        };
        Demand {
            mean: traffic.rps,
            amp,
            phase0,
        }
    }

    /// Constant demand of `rps` (tests, simple cases).
    pub fn constant(rps: f64) -> Self {
        Demand {
            mean: rps,
            amp: 0.0,
            phase0: 0.0,
        }
    }

    fn theta(&self, t: SimTime) -> f64 {
        self.phase0 + TAU * t.as_secs_f64() / DAY_S
    }

    /// Requests per second at `t`.
    pub fn rate_at(&self, t: SimTime) -> f64 {
        self.mean * (1.0 + self.amp * self.theta(t).cos())
    }

    /// Highest rate of the day.
    pub fn peak(&self) -> f64 {
        self.mean * (1.0 + self.amp)
    }

    /// Requests in [t0, t1).
    pub fn requests(&self, t0: SimTime, t1: SimTime) -> f64 {
        self.requests_from(t0, self.angle_at(t0), t1).0
    }

    /// sin θ(t) and cos θ(t), the phase terms of the demand integral.
    /// Callers that walk forward through time pass them from one interval
    /// to the next, so each interval costs one `sin_cos` instead of several.
    pub fn angle_at(&self, t: SimTime) -> Angle {
        if self.amp == 0.0 {
            return Angle { sin: 0.0, cos: 1.0 };
        }
        let (sin, cos) = self.theta(t).sin_cos();
        Angle { sin, cos }
    }

    /// Requests in [t0, t1) given `a0 = angle_at(t0)`; also returns `angle_at(t1)`.
    pub fn requests_from(&self, t0: SimTime, a0: Angle, t1: SimTime) -> (f64, Angle) {
        let dt = (t1.0 - t0.0) as f64 / 1000.0;
        if self.amp == 0.0 {
            return (self.mean * dt, a0);
        }
        let w = TAU / DAY_S;
        let a1 = a0.advance(w * dt).unwrap_or_else(|| self.angle_at(t1));
        (self.mean * (dt + self.amp / w * (a1.sin - a0.sin)), a1)
    }

    /// Requests, overload above `capacity` rps, and time above it, in [t0, t1).
    pub fn load(&self, t0: SimTime, t1: SimTime, capacity: f64) -> Load {
        let a0 = self.angle_at(t0);
        let (requests, a1) = self.requests_from(t0, a0, t1);
        self.load_given(t0, t1, (a0, a1), requests, capacity)
    }

    /// Lowest and highest rate over [t0, t1): at the ends, unless the
    /// interval holds the daily trough or peak.
    fn range(&self, t0: SimTime, t1: SimTime, (a0, a1): (Angle, Angle)) -> (f64, f64) {
        let (th0, th1) = (self.theta(t0), self.theta(t1));
        let holds = |offset: f64| floor((th0 - offset) / TAU) != floor((th1 - offset) / TAU);
        let (r0, r1) = (
            self.mean * (1.0 + self.amp * a0.cos),
            self.mean * (1.0 + self.amp * a1.cos),
        );
        let lo = if holds(std::f64::consts::PI) {
            self.mean * (1.0 - self.amp)
        } else {
            r0.min(r1)
        };
        let hi = if holds(0.0) { self.peak() } else { r0.max(r1) };
        (lo, hi)
    }

    /// [`Demand::load`] given the `requests` of [t0, t1) and the angles at
    /// both ends.
    ///
    /// Inlined: it runs for every version at every event, and capacity
    /// above the day's peak (nothing to integrate) is by far the usual case.
    #[inline]
    pub fn load_given(
        &self,
        t0: SimTime,
        t1: SimTime,
        angles: (Angle, Angle),
        requests: f64,
        capacity: f64,
    ) -> Load {
        if capacity >= self.peak() {
            return Load {
                requests,
                overload: 0.0,
                shortfall_s: 0.0,
            };
        }
        self.load_below_peak(t0, t1, angles, requests, capacity)
    }

    /// [`Demand::load_given`] for a capacity under the day's peak.
    #[inline(never)]
    fn load_below_peak(
        &self,
        t0: SimTime,
        t1: SimTime,
        angles: (Angle, Angle),
        requests: f64,
        capacity: f64,
    ) -> Load {
        let dt = (t1.0 - t0.0) as f64 / 1000.0;
        let (lo, hi) = if self.amp == 0.0 {
            (self.mean, self.mean)
        } else {
            self.range(t0, t1, angles)
        };
        if capacity >= hi {
            return Load {
                requests,
                overload: 0.0,
                shortfall_s: 0.0,
            };
        }
        if capacity <= lo {
            // Always above capacity over the interval.
            return Load {
                requests,
                overload: (requests - capacity * dt).max(0.0),
                shortfall_s: dt,
            };
        }
        // Demand crosses capacity: integrate max(0, cos θ − c) in closed form.
        let x = Crossing::new((capacity / self.mean - 1.0) / self.amp);
        let (th0, th1) = (self.theta(t0), self.theta(t1));
        let w = TAU / DAY_S;
        let over =
            self.mean * self.amp / w * (x.excess(th1, angles.1.sin) - x.excess(th0, angles.0.sin));
        let above = (x.time_above(th1) - x.time_above(th0)) / w;
        Load {
            requests,
            overload: over.max(0.0),
            shortfall_s: above.clamp(0.0, dt),
        }
    }
}

/// The capacity level of a crossing, as cos θ = c, with what every
/// primitive below needs of it computed once.
#[derive(Clone, Copy)]
struct Crossing {
    c: f64,
    /// acos c: demand is above capacity where |θ mod 2π| < α.
    alpha: f64,
    /// sin α = √(1 − c²).
    sin_alpha: f64,
}

impl Crossing {
    fn new(c: f64) -> Self {
        Crossing {
            c,
            alpha: c.acos(),
            sin_alpha: (1.0 - c * c).max(0.0).sqrt(),
        }
    }

    /// ∫₀^θ max(0, cos u − c) du, given sin θ.
    fn excess(&self, theta: f64, sin_theta: f64) -> f64 {
        let Crossing {
            c,
            alpha,
            sin_alpha,
        } = *self;
        let lobe = sin_alpha - c * alpha; // half of one period's positive area
        let k = floor(theta / TAU);
        let phi = theta - k * TAU; // sin φ = sin θ
        let partial = if phi <= alpha {
            sin_theta - c * phi
        } else if phi <= TAU - alpha {
            lobe
        } else {
            lobe + (sin_theta + sin_alpha) - c * (phi - (TAU - alpha))
        };
        k * 2.0 * lobe + partial
    }

    /// Measure of {u ∈ [0, θ] : cos u > c}.
    fn time_above(&self, theta: f64) -> f64 {
        let alpha = self.alpha;
        let k = floor(theta / TAU);
        let phi = theta - k * TAU;
        k * 2.0 * alpha + phi.min(alpha) + (phi - (TAU - alpha)).max(0.0)
    }
}

/// Cumulative per-user failure hazard, by cohort, for the expected number of
/// distinct users who saw at least one failure.
///
/// A user with request rate r exposed to a failure share f for time t escapes
/// every failure with probability e^(−r·f·t); hazards add over intervals, so
/// only their sums per cohort are kept. Users sit at a position x ∈ [0, 1):
/// with sticky routing the users x < w are pinned to the new version while its
/// share is w; with per-request routing every user sees the mix (w = 1). A
/// segment defect hurts only the segment's users, a share of every cohort.
#[derive(Clone, Debug, Default)]
pub struct Exposure {
    /// Hazard every user took (overload, downtime), whatever their cohort.
    all: f64,
    /// (w, general hazard for x < w, for x ≥ w, segment hazard for x < w, for x ≥ w).
    cohorts: Vec<[f64; 5]>,
}

impl Exposure {
    /// Forgets everything (keeps the allocation).
    pub fn clear(&mut self) {
        self.all = 0.0;
        self.cohorts.clear();
    }

    /// Adds hazard `h` to every user.
    pub fn add_all(&mut self, h: f64) {
        self.all += h;
    }

    /// Adds hazards split at cohort boundary `w`: `inside` for x < w, `outside`
    /// for x ≥ w; `seg_*` the same for segment users only.
    pub fn add_split(&mut self, w: f64, inside: f64, outside: f64, seg_in: f64, seg_out: f64) {
        if inside == 0.0 && outside == 0.0 && seg_in == 0.0 && seg_out == 0.0 {
            return;
        }
        let add = [w, inside, outside, seg_in, seg_out];
        // The same boundary recurs for long stretches: look at the last first.
        if let Some(c) = self.cohorts.iter_mut().rev().find(|c| c[0] == w) {
            for i in 1..5 {
                c[i] += add[i];
            }
        } else {
            self.cohorts.push(add);
        }
    }

    /// Expected distinct users affected, out of `users`, when `segment_share`
    /// of them belong to a defect's segment.
    pub fn affected(&self, users: f64, segment_share: f64) -> f64 {
        let mut cuts: Vec<f64> = self.cohorts.iter().map(|c| c[0].clamp(0.0, 1.0)).collect();
        cuts.push(0.0);
        cuts.push(1.0);
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        let mut share = 0.0;
        for pair in cuts.windows(2) {
            let (lo, hi) = (pair[0], pair[1]);
            let x = (lo + hi) / 2.0;
            let (mut g, mut s) = (self.all, 0.0);
            for c in &self.cohorts {
                let inside = x < c[0];
                g += if inside { c[1] } else { c[2] };
                s += if inside { c[3] } else { c[4] };
            }
            let hit_plain = -(-g).exp_m1();
            let hit_segment = -(-(g + s)).exp_m1();
            share += (hi - lo) * ((1.0 - segment_share) * hit_plain + segment_share * hit_segment);
        }
        users * share
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Duration;

    fn diurnal(rps: f64, k: f64, start_h: u64, peak_h: u64) -> Demand {
        let t = Traffic {
            rps,
            users: 1000.0,
            pattern: Pattern::Diurnal {
                peak_to_trough: k,
                peak_at: Duration::from_secs(peak_h * 3600),
            },
            sticky_sessions: false,
        };
        Demand::new(&t, Duration::from_secs(start_h * 3600))
    }

    /// Midpoint-rule reference for the closed forms (1 s steps).
    fn numeric(d: &Demand, t0: u64, t1: u64, cap: f64) -> (f64, f64, f64) {
        let (mut req, mut over, mut above) = (0.0, 0.0, 0.0);
        let mut t = t0 as f64;
        while t < t1 as f64 {
            let r = d.rate_at(SimTime(((t + 0.5) * 1000.0) as u64));
            req += r;
            over += (r - cap).max(0.0);
            above += f64::from(u8::from(r > cap));
            t += 1.0;
        }
        (req, over, above)
    }

    #[test]
    fn diurnal_mean_is_rps_over_a_day_and_peak_is_where_asked() {
        let d = diurnal(3000.0, 3.0, 14, 14);
        let day = d.requests(SimTime(0), SimTime(86_400_000));
        assert!((day / 86_400.0 - 3000.0).abs() < 1e-6);
        assert!(
            (d.rate_at(SimTime(0)) - 4500.0).abs() < 1e-9,
            "peak 1.5x mean"
        );
        assert!(
            (d.rate_at(SimTime(43_200_000)) - 1500.0).abs() < 1e-6,
            "trough"
        );
    }

    #[test]
    fn overload_matches_numeric_integration_across_crossings() {
        let d = diurnal(1000.0, 3.0, 10, 14);
        for (t0, t1, cap) in [
            (0, 3_600, 1200.0),
            (0, 86_400, 1000.0),
            (5_000, 100_000, 1400.0),
            (0, 600, 100.0),
            (0, 600, 2000.0),
        ] {
            let got = d.load(SimTime(t0 * 1000), SimTime(t1 * 1000), cap);
            let (req, over, above) = numeric(&d, t0, t1, cap);
            assert!(
                (got.requests - req).abs() / req < 1e-6,
                "requests {t0}-{t1}"
            );
            assert!(
                (got.overload - over).abs() <= 1e-4 * req + 1.0,
                "overload {t0}-{t1} {cap}: {} vs {over}",
                got.overload
            );
            assert!(
                (got.shortfall_s - above).abs() <= 2.0,
                "shortfall {t0}-{t1} {cap}"
            );
        }
    }

    #[test]
    fn small_steps_track_the_exact_angle() {
        // 10,000 steps of 0.7 s along a diurnal curve stay within 1e-12.
        let d = diurnal(1000.0, 3.0, 10, 14);
        let mut a = d.angle_at(SimTime(0));
        let mut t = SimTime(0);
        for _ in 0..10_000 {
            let t1 = SimTime(t.0 + 700);
            a = d.requests_from(t, a, t1).1;
            t = t1;
        }
        let exact = d.angle_at(t);
        assert!(
            (a.sin - exact.sin).abs() < 1e-12 && (a.cos - exact.cos).abs() < 1e-12,
            "{a:?} vs {exact:?}"
        );
    }

    #[test]
    fn constant_demand_closed_forms() {
        let d = Demand::constant(100.0);
        let l = d.load(SimTime(0), SimTime(30_000), 60.0);
        assert_eq!(l.requests, 3000.0);
        assert_eq!(l.overload, 1200.0);
        assert_eq!(l.shortfall_s, 30.0);
        assert_eq!(d.load(SimTime(0), SimTime(30_000), 100.0).overload, 0.0);
    }

    #[test]
    fn affected_users_follow_one_minus_exp() {
        // Per-request routing: 1000 users, total hazard 1 per user → 1 − e⁻¹.
        let mut e = Exposure::default();
        e.add_split(1.0, 0.4, 0.0, 0.0, 0.0);
        e.add_all(0.6);
        let a = e.affected(1000.0, 0.0);
        assert!((a - 1000.0 * (1.0 - (-1.0f64).exp())).abs() < 1e-9);
    }

    #[test]
    fn sticky_cohort_confines_exposure() {
        // 10% of users pinned to a version that fails everything for long enough.
        let mut e = Exposure::default();
        e.add_split(0.1, 50.0, 0.0, 0.0, 0.0);
        let a = e.affected(10_000.0, 0.0);
        assert!((a - 1000.0).abs() < 1e-6, "{a}");
        // Segment: only 3% of that cohort is hurt.
        let mut e = Exposure::default();
        e.add_split(1.0, 0.0, 0.0, 50.0, 0.0);
        assert!((e.affected(10_000.0, 0.03) - 300.0).abs() < 1e-6);
    }
}
