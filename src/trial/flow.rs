//! Where the traffic goes between two events, and what it costs.
//!
//! Demand is split over the versions — evenly over every endpoint for a
//! plain Service, by weight when a router (or a blue-green active Service)
//! decides — and within a version evenly over its endpoints. Each version
//! serves up to its endpoints' capacity; the excess fails as overload, and a
//! routed share with no endpoint at all fails entirely. Everything is
//! integrated in closed form over the interval.

use super::release::Defect;
use super::world::World;
use crate::cluster::Version;
use crate::sim::SimTime;

/// Endpoints and routing: constant between events.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Route {
    pub ep: [u32; 2],
    pub failing: [u32; 2],
    /// New version's share of traffic set by a router; `None` = by endpoints.
    pub weight: Option<f64>,
    /// Share of traffic mirrored to `mirror_to`.
    pub mirror: f64,
    /// The version under analysis: the release, or the old version while an
    /// undo runs a canary's steps again.
    pub mirror_to: Version,
    /// Each version's code fails on the database's current schema.
    pub schema_fails: [bool; 2],
    /// Share of requests a running migration's locks fail (0 if none runs).
    pub lock_share: f64,
    /// Share of user traffic each version receives, worked out once from
    /// `weight` and `ep` ([`Route::with_shares`]): the accounting of every
    /// interval reads it several times.
    shares: [f64; 2],
}

impl Default for Route {
    fn default() -> Self {
        Route {
            ep: [0, 0],
            failing: [0, 0],
            weight: None,
            mirror: 0.0,
            mirror_to: Version::New,
            schema_fails: [false, false],
            lock_share: 0.0,
            shares: [0.0, 0.0],
        }
        .with_shares()
    }
}

impl Route {
    /// Share of user traffic each version receives.
    pub fn shares(&self) -> [f64; 2] {
        self.shares
    }

    /// This route with its shares set from `weight` and `ep`.
    fn with_shares(mut self) -> Self {
        self.shares = match self.weight {
            Some(w) => [1.0 - w, w],
            None => {
                let n = self.ep[0] + self.ep[1];
                if n == 0 {
                    [1.0, 0.0] // nowhere to go: it fails on the old side's empty endpoints
                } else {
                    [
                        f64::from(self.ep[0]) / f64::from(n),
                        f64::from(self.ep[1]) / f64::from(n),
                    ]
                }
            }
        };
        self
    }
}

/// Cumulative requests and errors per version as metrics see them (baseline
/// errors included, slow-but-successful requests not), plus mirrored traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    pub requests: [f64; 2],
    pub errors: [f64; 2],
    pub mirrored: f64,
    pub mirrored_errors: f64,
}

/// Failed requests of an interval (or per second), by where they happened.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Failures {
    pub overload: f64,
    pub old: f64,
    pub new_general: f64,
    pub new_segment: f64,
    /// Failed because the code does not fit the schema, or on migration locks.
    pub schema: f64,
    /// Errors as metrics see them, per version (deployment-caused only).
    pub errors: [f64; 2],
    /// Requests per version.
    pub requests: [f64; 2],
    /// Share of requests reaching each version's pods that return an error
    /// (from failing pods and the release's defect).
    pub error_share: [f64; 2],
}

/// One interval's traffic on one route, integrated.
struct Served {
    dt_s: f64,
    /// `demand.angle_at` the interval's end.
    angle: crate::traffic::Angle,
    requests: f64,
    failures: Failures,
    shortfall_s: f64,
}

impl Failures {
    pub fn total(&self) -> f64 {
        self.overload + self.old + self.new_general + self.new_segment
    }
}

/// One interval's requests being split over the versions of a route.
struct Split<'a> {
    r: &'a Route,
    requests: f64,
    /// Requests per second one pod serves.
    cap: f64,
    defect: Option<&'a Defect>,
    /// The last capacity integrated and its (overload, shortfall): spread
    /// by endpoints, both versions see the same capacity per unit of
    /// demand, and the overload is integrated once.
    memo: Option<(f64, (f64, f64))>,
    f: Failures,
}

impl Split<'_> {
    /// Adds version `V`'s requests and failures; returns its shortfall, or
    /// `None` if it receives no traffic.
    #[inline(always)]
    fn version<const V: usize>(&mut self, over: &impl Fn(f64) -> (f64, f64)) -> Option<f64> {
        let (r, f) = (self.r, &mut self.f);
        let share = r.shares()[V];
        let ep = r.ep[V];
        if share <= 0.0 {
            return None;
        }
        let demand = share * self.requests;
        f.requests[V] = demand;
        let (overload, short) = if ep == 0 {
            (demand, f64::INFINITY)
        } else {
            let k = f64::from(ep) * self.cap / share;
            let (o, s) = match self.memo {
                Some((mk, v)) if mk == k => v,
                _ => {
                    let v = over(k);
                    self.memo = Some((k, v));
                    v
                }
            };
            (share * o, s)
        };
        let served = demand - overload;
        let per_pod = if ep == 0 { 0.0 } else { served / f64::from(ep) };
        f.overload += overload;
        if r.schema_fails[V] {
            // This version's code does not fit the schema: all of it fails.
            f.schema += served;
            f.errors[V] = demand;
            if V == 0 {
                f.old = served;
            } else {
                f.new_general = served;
            }
            return Some(short);
        }
        let hard = per_pod * f64::from(r.failing[V]);
        // A running migration's locks fail a share of what still works.
        let locked = r.lock_share * (served - hard);
        f.schema += locked;
        f.errors[V] = overload + hard + locked;
        if V == 0 {
            f.old = hard + locked;
            return Some(short);
        }
        let defect = self.defect;
        let bad_ok = match defect {
            Some(_) => per_pod * f64::from(r.ep[1] - r.failing[1]),
            None => 0.0,
        };
        let (general, segment, error) = defect.map_or((0.0, 0.0, 0.0), |d| {
            (
                d.fail_share,
                d.segment_share * d.segment_fail,
                d.error_share(),
            )
        });
        let ok = 1.0 - r.lock_share;
        f.new_general = hard + locked + ok * bad_ok * general;
        f.new_segment = ok * bad_ok * segment;
        f.errors[1] += ok * bad_ok * (error + segment);
        Some(short)
    }
}

impl World<'_> {
    pub(super) fn current_route(&self) -> Route {
        let (o, n) = (
            self.cluster.counts(Version::Old),
            self.cluster.counts(Version::New),
        );
        let routing = self.controller.routing();
        let analysed = self.controller.analysed();
        let lock_share = match (&self.sc.schema_change, self.db.migrating) {
            (Some(c), true) => c.lock.map_or(0.0, |l| {
                (l.error_rate + super::release::slow_share(self.sc, l.added_ms)).min(1.0)
            }),
            _ => 0.0,
        };
        Route {
            ep: [o.endpoints, n.endpoints],
            failing: [o.failing, n.failing],
            weight: routing.weight,
            mirror: if self.cluster.counts(analysed).endpoints > 0 {
                routing.mirror
            } else {
                0.0
            },
            mirror_to: analysed,
            schema_fails: [self.db.fails(Version::Old), self.db.fails(Version::New)],
            lock_share,
            shares: [0.0, 0.0],
        }
        .with_shares()
    }

    /// Splits `requests` over the versions of route `r`; `over(k)` gives the
    /// overload and shortfall of the whole demand against capacity k.
    fn failures(
        &self,
        r: &Route,
        requests: f64,
        over: impl Fn(f64) -> (f64, f64),
    ) -> (Failures, f64) {
        let mut split = Split {
            r,
            requests,
            cap: self.sc.service.pod.capacity_rps,
            defect: self.release.defect.as_ref(),
            memo: None,
            f: Failures::default(),
        };
        // Each version on its own, the old first: with the version a
        // constant, every test of it disappears from the code.
        let mut shortfall: f64 = 0.0;
        if let Some(short) = split.version::<0>(&over) {
            shortfall = shortfall.max(short);
        }
        if let Some(short) = split.version::<1>(&over) {
            shortfall = shortfall.max(short);
        }
        let mut f = split.f;
        let error = split
            .defect
            .map_or(0.0, |d| d.error_share() + d.segment_share * d.segment_fail);
        for (v, defect) in [(0, 0.0), (1, error)] {
            if r.ep[v] > 0 {
                let failing = f64::from(r.failing[v]) / f64::from(r.ep[v]);
                f.error_share[v] = failing + (1.0 - failing) * defect;
            }
        }
        (f, shortfall)
    }

    /// Share of user traffic on which the release's defect shows (0 if none).
    pub(super) fn visible_share(&self, r: &Route) -> f64 {
        let Some(d) = &self.release.defect else {
            return 0.0;
        };
        let share = r.shares()[1];
        let serving = r.ep[1] > r.failing[1]
            && (d.fail_share > 0.0 || d.segment_share * d.segment_fail > 0.0);
        let crashing = r.failing[1] > 0 || r.ep[1] == 0;
        if share > 0.0 && (serving || crashing) {
            share
        } else {
            0.0
        }
    }

    /// Integrates pod-time from the last event to `now`, and makes `now` the
    /// current time: the pods change at almost every event, so this runs at
    /// every one (it is cheap).
    pub(super) fn account_pods(&mut self, now: SimTime) {
        let t0 = self.now;
        if now <= t0 {
            return;
        }
        self.now = now;
        self.cluster.advance_to(now);
    }

    /// Brings every account up to `now`: pod-time, and the traffic served on
    /// the route in force since `acc_t`.
    ///
    /// Traffic is integrated lazily: the route holds between its changes, so
    /// the interval since `acc_t` is integrated in one closed form when the
    /// route is about to change ([`Self::after_change`]) or when something
    /// reads what was served (a measurement, an alert evaluation, the users'
    /// reports, the result) — not at every event. A pod that is gone, for
    /// instance, changes the pod-hours but not where requests go.
    pub(super) fn account(&mut self, now: SimTime) {
        self.account_pods(now);
        let Some(i) = self.served_since(now) else {
            return;
        };
        self.acc_t = now;
        self.acc_angle = i.angle;
        let (r, f, requests) = (self.route, i.failures, i.requests);
        self.shortfall_s += i.shortfall_s;
        let total = f.total();
        self.failed += total;
        self.requests += requests;
        if requests > 0.0 {
            self.report_exposure_s += self.trouble_share(&r, total, f.schema, requests) * i.dt_s;
        }
        self.tally_add(&r, &f, requests);
        self.log_tally(now);
        self.expose(&r, &f);
        if self.alert_enabled {
            let errors = total + self.baseline * (requests - total);
            self.alert.record(now, requests, errors);
        }
    }

    /// Keeps the tally at `now`, and what is still needed of the earlier
    /// ones: the last entry at or before `now − lookback`, and all after.
    fn log_tally(&mut self, now: SimTime) {
        if self.lookback == crate::sim::Duration::ZERO {
            return;
        }
        self.tally_log.push_back((now, self.tally));
        let horizon = now.0.saturating_sub(self.lookback.0);
        while self.tally_log.len() > 2 && self.tally_log[1].0.0 <= horizon {
            self.tally_log.pop_front();
        }
    }

    /// The tally at `t` (accounted up to now, `t` within the lookback):
    /// linear between the accountings around it (the route was constant
    /// between them; the demand's change over one analysis interval is
    /// small); before the rollout, nothing had reached the release.
    pub(super) fn tally_at(&self, t: SimTime) -> Tally {
        let log = &self.tally_log;
        let i = log.partition_point(|&(at, _)| at <= t);
        if i == 0 {
            return log.front().map_or(Tally::default(), |e| e.1);
        }
        let (t0, a) = log[i - 1];
        let Some(&(t1, b)) = log.get(i) else {
            return a;
        };
        let f = (t.0 - t0.0) as f64 / (t1.0 - t0.0) as f64;
        let mix = |x: f64, y: f64| x + f * (y - x);
        Tally {
            requests: [
                mix(a.requests[0], b.requests[0]),
                mix(a.requests[1], b.requests[1]),
            ],
            errors: [mix(a.errors[0], b.errors[0]), mix(a.errors[1], b.errors[1])],
            mirrored: mix(a.mirrored, b.mirrored),
            mirrored_errors: mix(a.mirrored_errors, b.mirrored_errors),
        }
    }

    /// Failed requests so far, counting those of the interval not yet
    /// integrated (a trace line reads it without changing the accounts).
    pub(super) fn failed_so_far(&self, now: SimTime) -> f64 {
        self.failed + self.served_since(now).map_or(0.0, |i| i.failures.total())
    }

    /// What the route in force since `acc_t` served up to `now`; `None` if
    /// no time has passed.
    fn served_since(&self, now: SimTime) -> Option<Served> {
        let t0 = self.acc_t;
        if now <= t0 {
            return None;
        }
        let dt_s = (now.0 - t0.0) as f64 / 1000.0;
        let a0 = self.acc_angle;
        let (requests, a1) = self.demand.requests_from(t0, a0, now);
        let demand = self.demand;
        let (failures, short) = self.failures(&self.route, requests, |k| {
            let l = demand.load_given(t0, now, (a0, a1), requests, k);
            (l.overload, l.shortfall_s)
        });
        Some(Served {
            dt_s,
            angle: a1,
            requests,
            failures,
            shortfall_s: short.min(dt_s),
        })
    }

    fn tally_add(&mut self, r: &Route, f: &Failures, requests: f64) {
        let base = self.sc.service.baseline_error_rate;
        for v in 0..2 {
            self.tally.requests[v] += f.requests[v];
            self.tally.errors[v] += f.errors[v] + base * (f.requests[v] - f.errors[v]);
        }
        if r.mirror > 0.0 {
            let m = r.mirror * requests;
            let e = f.error_share[r.mirror_to.idx()];
            self.tally.mirrored += m;
            self.tally.mirrored_errors += m * (e + base * (1.0 - e));
        }
    }

    /// Adds the interval's failures to the users' hazards. Per-request routing
    /// spreads them over everyone; sticky routing pins the new version's share
    /// w of users (x < w) to it.
    fn expose(&mut self, r: &Route, f: &Failures) {
        let users = self.sc.traffic.users;
        let seg_share = self
            .release
            .defect
            .as_ref()
            .map_or(0.0, |d| d.segment_share);
        let seg = if seg_share > 0.0 {
            f.new_segment / (seg_share * users)
        } else {
            0.0
        };
        self.exposure.add_all(f.overload / users);
        let w = r.shares()[1];
        if !self.sc.traffic.sticky_sessions {
            self.exposure
                .add_split(1.0, (f.old + f.new_general) / users, 0.0, seg, 0.0);
            return;
        }
        let inside = if w > 0.0 {
            f.new_general / (w * users)
        } else {
            0.0
        };
        let outside = if w < 1.0 {
            f.old / ((1.0 - w) * users)
        } else {
            0.0
        };
        let seg_in = if w > 0.0 { seg / w } else { 0.0 };
        self.exposure.add_split(w, inside, outside, seg_in, 0.0);
    }

    /// The release brings trouble users could report: a defect, or a
    /// schema change that may break one version.
    pub(super) fn troubled(&self) -> bool {
        self.release.is_bad() || self.sc.schema_change.is_some()
    }

    /// How fast users meet the release's trouble: the share of traffic on a
    /// visibly broken release, or the share of all requests failing,
    /// whichever is larger (a release whose pods hang takes the service down
    /// through overload, and users notice that too); for a good release, the
    /// share failing because of the schema change.
    fn trouble_share(&self, r: &Route, failed: f64, schema: f64, requests: f64) -> f64 {
        if self.release.is_bad() {
            self.visible_share(r).max(failed / requests)
        } else {
            schema / requests
        }
    }

    /// [`Self::trouble_share`] right now.
    pub(super) fn report_rate_now(&self, now: SimTime) -> f64 {
        let rate = self.demand.rate_at(now);
        if rate <= 0.0 {
            return 0.0;
        }
        let (f, _) = self.failures(&self.route, rate, |k| ((rate - k).max(0.0), 0.0));
        self.trouble_share(&self.route, f.total(), f.schema, rate)
    }

    /// The service's error ratio right now (alerts see baseline errors too).
    pub(super) fn ratio_now(&self, now: SimTime) -> f64 {
        let rate = self.demand.rate_at(now);
        if rate <= 0.0 {
            return 0.0;
        }
        let (f, _) = self.failures(&self.route, rate, |k| ((rate - k).max(0.0), 0.0));
        let total = f.total();
        (total + self.baseline * (rate - total)) / rate
    }

    /// The true error ratio of the version under analysis right now, as a
    /// person looking at its dashboards would see it (baseline included).
    pub(super) fn canary_ratio_now(&self) -> f64 {
        let (f, _) = self.failures(&self.route, 1.0, |_| (0.0, 0.0));
        let e = f.error_share[self.route.mirror_to.idx()];
        e + self.sc.service.baseline_error_rate * (1.0 - e)
    }
}
