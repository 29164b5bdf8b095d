//! The trial's state and its event handler.

use rand::rngs::ChaCha8Rng;

use super::metrics::{Outcome, TrialResult};
use super::release::{ReleaseDraw, baseline_ratio};
use crate::cluster::{Cluster, Phase, PodId, Version};
use crate::detect::BurnAlert;
use crate::scenario::{Resources, Scenario, Strategy};
use crate::sim::{Context, Duration, EventQueue, Model, SimTime, run};
use crate::strategy::{Controller, Specs, complete};
use crate::traffic::{Demand, Exposure};

/// Events of a trial. Pod events carry the pod's incarnation: an event for an
/// incarnation that has since been deleted or restarted is stale and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ev {
    Start,
    ContainerStarted(PodId, u32),
    Booted(PodId, u32),
    Ready(PodId, u32),
    Available(PodId, u32),
    Hang(PodId, u32),
    Unready(PodId, u32),
    Restart(PodId, u32),
    Gone(PodId),
    Deadline(u32),
    AlertCheck(u32),
    UserReport,
    Undo,
    Horizon,
}

/// How a problem came to the team's attention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Signal {
    Alert,
    UserReport,
    ProgressDeadline,
}

/// The random streams of one trial (one per purpose, see `montecarlo`).
pub struct TrialStreams {
    /// Pod start-up draws (image pull, boot), in pod-creation order.
    pub startup: ChaCha8Rng,
    /// Human delays (ack, decide), in order of need.
    pub human: ChaCha8Rng,
    /// Shutdown times of deleted pods, in deletion order.
    pub shutdown: ChaCha8Rng,
    /// Onset → user report delay, drawn once.
    pub report_delay_ms: u64,
}

/// One line of a trace: an event and the state after it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TraceEvent {
    pub t_s: f64,
    pub event: &'static str,
    pub detail: String,
    pub old_pods: u32,
    pub new_pods: u32,
    pub old_ready: u32,
    pub new_ready: u32,
    pub new_traffic_share: f64,
    pub failed_requests: f64,
}

/// Endpoint composition: constant between events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Route {
    ep: [u32; 2],
    failing: [u32; 2],
}

/// Everything one trial needs; reused across trials to keep allocations.
pub struct World<'s> {
    sc: &'s Scenario,
    strategy: &'s Strategy,
    controller: Controller,
    replicas: u32,
    demand: Demand,
    request: Resources,
    baseline: f64,
    cluster: Cluster,
    spec: Specs,
    target: Version,
    release: ReleaseDraw,
    streams: Option<TrialStreams>,
    queue: EventQueue<Ev>,
    scratch_ids: Vec<PodId>,
    scratch_placed: Vec<(PodId, SimTime)>,
    // Accounting, integrated up to `acc_t`.
    acc_t: SimTime,
    /// `demand.sin_at(acc_t)`, carried from one interval to the next.
    acc_sin: f64,
    route: Route,
    failed: f64,
    requests: f64,
    peak_bad: f64,
    peak_pods: u32,
    extra_pod_ms: f64,
    shortfall_s: f64,
    exposure: Exposure,
    alert: BurnAlert,
    alert_gen: u32,
    alert_enabled: bool,
    /// When the next rule evaluation is scheduled, if any.
    alert_next: Option<SimTime>,
    /// The routing changed since the last evaluation.
    alert_changed: bool,
    // Timeline.
    visible_at: Option<SimTime>,
    crash_at: Option<SimTime>,
    detected: Option<(SimTime, Signal)>,
    undo_at: Option<SimTime>,
    recovered_at: Option<SimTime>,
    complete_at: Option<SimTime>,
    settled_at: Option<SimTime>,
    full_bad_before_detect: bool,
    human_pending: bool,
    // Progress deadline: the last status seen and its generation.
    last_status: [u32; 4],
    deadline_gen: u32,
    /// When the progress deadline expires unless progress is made first.
    deadline_at: Option<SimTime>,
    trace: Option<Vec<TraceEvent>>,
}

impl<'s> World<'s> {
    /// A world for `strategy` of `sc`; call [`World::run`] per trial.
    pub fn new(sc: &'s Scenario, strategy: &'s Strategy) -> Self {
        let replicas = sc.service.replicas;
        World {
            sc,
            strategy,
            controller: Controller::new(strategy, replicas),
            replicas,
            demand: Demand::new(&sc.traffic, sc.release.start_at),
            request: Resources {
                cpu_millis: sc.service.pod.cpu_millis,
                memory_bytes: sc.service.pod.memory_bytes,
            },
            baseline: baseline_ratio(sc),
            cluster: Cluster::default(),
            spec: [replicas, 0],
            target: Version::New,
            release: ReleaseDraw { defect: None },
            streams: None,
            queue: EventQueue::new(),
            scratch_ids: Vec::new(),
            scratch_placed: Vec::new(),
            acc_t: SimTime::ZERO,
            acc_sin: 0.0,
            route: Route::default(),
            failed: 0.0,
            requests: 0.0,
            peak_bad: 0.0,
            peak_pods: 0,
            extra_pod_ms: 0.0,
            shortfall_s: 0.0,
            exposure: Exposure::default(),
            alert: BurnAlert::default(),
            alert_gen: 0,
            alert_enabled: false,
            alert_next: None,
            alert_changed: false,
            visible_at: None,
            crash_at: None,
            detected: None,
            undo_at: None,
            recovered_at: None,
            complete_at: None,
            settled_at: None,
            full_bad_before_detect: false,
            human_pending: false,
            last_status: [0; 4],
            deadline_gen: 0,
            deadline_at: None,
            trace: None,
        }
    }

    /// Records a trace of the next runs.
    pub fn enable_trace(&mut self) {
        self.trace = Some(Vec::new());
    }

    /// The trace of the last run (empty unless enabled).
    pub fn take_trace(&mut self) -> Vec<TraceEvent> {
        self.trace.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Simulates one rollout of `release` and returns its measurements.
    pub fn run(&mut self, release: &ReleaseDraw, streams: TrialStreams) -> TrialResult {
        self.reset(release, streams);
        let mut queue = std::mem::take(&mut self.queue);
        queue.push(SimTime::ZERO, Ev::Start);
        // A hard stop well past any horizon, in case a pathological rollout never settles.
        let hard_end =
            SimTime::ZERO + self.sc.monte_carlo.horizon.times(2) + Duration::from_secs(7 * 86_400);
        let end = run(self, &mut queue, hard_end);
        self.queue = queue;
        self.account(end);
        self.result(end)
    }

    fn reset(&mut self, release: &ReleaseDraw, streams: TrialStreams) {
        self.cluster.reset(&self.sc.cluster, self.request);
        self.queue.clear();
        self.release = release.clone();
        self.streams = Some(streams);
        self.spec = [self.replicas, 0];
        self.target = Version::New;
        self.acc_t = SimTime::ZERO;
        self.acc_sin = self.demand.sin_at(SimTime::ZERO);
        self.failed = 0.0;
        self.requests = 0.0;
        self.peak_bad = 0.0;
        self.extra_pod_ms = 0.0;
        self.shortfall_s = 0.0;
        self.exposure.clear();
        let rate0 = self.demand.rate_at(SimTime::ZERO);
        self.alert.reset(
            &self.sc.observability.alerting,
            self.sc.slo.availability,
            rate0,
            self.baseline,
        );
        self.alert_gen = 0;
        self.alert_next = None;
        self.alert_changed = false;
        // An alert already firing on the healthy service pages no one new.
        self.alert_enabled = self.sc.observability.metrics && !self.alert.firing(SimTime::ZERO);
        self.visible_at = None;
        self.crash_at = None;
        self.detected = None;
        self.undo_at = None;
        self.recovered_at = None;
        self.complete_at = None;
        self.settled_at = None;
        self.full_bad_before_detect = false;
        self.human_pending = false;
        self.deadline_gen = 0;
        self.deadline_at = None;
        if let Some(t) = self.trace.as_mut() {
            t.clear();
        }
        self.start_old_pods();
        self.route = self.current_route();
        self.peak_pods = self.cluster.existing();
        self.last_status = self.status();
    }

    /// The old version has been running: its pods start Ready and available.
    fn start_old_pods(&mut self) {
        for _ in 0..self.replicas {
            self.cluster.add_pod(Version::Old, SimTime::ZERO, 0, 0);
        }
        let mut placed = std::mem::take(&mut self.scratch_placed);
        placed.clear();
        self.cluster.place_pending(SimTime::ZERO, &mut placed);
        for &(id, _) in &placed {
            self.cluster.set_serving(id, true, false, true);
            self.cluster.set_available(id);
        }
        self.scratch_placed = placed;
    }

    fn streams(&mut self) -> &mut TrialStreams {
        self.streams.as_mut().expect("streams are set for the run")
    }
}

impl Model for World<'_> {
    type Event = Ev;

    fn handle(&mut self, ev: Ev, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        self.account(now);
        if !self.apply(ev, ctx) {
            return; // stale event: nothing happened
        }
        self.record_trace(now, ev);
        self.reconcile(ctx);
        self.after_change(ctx);
        if self.finished(now) {
            ctx.stop();
        }
    }
}

impl World<'_> {
    /// Applies one event; false if it was stale.
    fn apply(&mut self, ev: Ev, ctx: &mut Context<'_, Ev>) -> bool {
        let now = ctx.now();
        match ev {
            Ev::Start => true,
            Ev::ContainerStarted(id, inc) => {
                self.live(id, inc) && self.on_container_started(id, ctx)
            }
            Ev::Booted(id, inc) => {
                if !self.live(id, inc) || self.cluster.pods[id as usize].hung {
                    return false;
                }
                self.cluster.set_serving(id, true, false, true);
                true
            }
            Ev::Ready(id, inc) => self.live(id, inc) && self.on_ready(id, ctx),
            Ev::Available(id, inc) => {
                if !self.live(id, inc) {
                    return false;
                }
                self.cluster.set_available(id);
                true
            }
            Ev::Hang(id, inc) => self.live(id, inc) && self.on_hang(id, ctx),
            Ev::Unready(id, inc) => {
                if !self.live(id, inc) {
                    return false;
                }
                self.cluster.set_serving(id, false, false, false);
                true
            }
            Ev::Restart(id, inc) => {
                if !self.live(id, inc) {
                    return false;
                }
                self.restart(id, now, ctx);
                true
            }
            Ev::Gone(id) => {
                self.cluster.remove(id);
                self.place_pending(now, ctx);
                true
            }
            Ev::Deadline(g) => g == self.deadline_gen && self.on_deadline(now, ctx),
            Ev::AlertCheck(g) => g == self.alert_gen && self.on_alert_check(now, ctx),
            Ev::UserReport => {
                self.detect(now, Signal::UserReport, ctx);
                true
            }
            Ev::Undo => {
                self.human_pending = false;
                self.decide(now);
                true
            }
            Ev::Horizon => {
                ctx.stop();
                true
            }
        }
    }

    fn live(&self, id: PodId, inc: u32) -> bool {
        let p = &self.cluster.pods[id as usize];
        p.incarnation == inc && p.phase == Phase::Placed
    }

    fn is_bad_pod(&self, id: PodId) -> bool {
        self.release.is_bad() && self.cluster.pods[id as usize].version == Version::New
    }

    /// Container started, without a readiness probe: in the endpoints at once,
    /// failing until booted. (With a probe this event is not scheduled.)
    fn on_container_started(&mut self, id: PodId, ctx: &mut Context<'_, Ev>) -> bool {
        let (boot_ms, inc) = (
            self.cluster.pods[id as usize].boot_ms,
            self.cluster.pods[id as usize].incarnation,
        );
        let crash = self.is_bad_pod(id) && self.defect_crashes();
        let booting = boot_ms > 0;
        self.cluster.set_serving(id, true, crash || booting, true);
        if crash {
            self.note_crash(ctx.now() + Duration(boot_ms));
        } else if booting {
            ctx.schedule_in(Duration(boot_ms), Ev::Booted(id, inc));
        }
        self.schedule_available(id, ctx);
        true
    }

    fn on_ready(&mut self, id: PodId, ctx: &mut Context<'_, Ev>) -> bool {
        if self.cluster.pods[id as usize].hung {
            return false;
        }
        self.cluster.set_serving(id, true, false, true);
        self.schedule_available(id, ctx);
        true
    }

    fn schedule_available(&mut self, id: PodId, ctx: &mut Context<'_, Ev>) {
        if self.strategy.min_ready == Duration::ZERO {
            self.cluster.set_available(id);
        } else {
            let inc = self.cluster.pods[id as usize].incarnation;
            ctx.schedule_in(self.strategy.min_ready, Ev::Available(id, inc));
        }
    }

    /// A delayed crash: the process hangs and fails whatever reaches it. A
    /// readiness probe takes it out after failureThreshold periods; a liveness
    /// probe restarts it after its own failureThreshold periods.
    fn on_hang(&mut self, id: PodId, ctx: &mut Context<'_, Ev>) -> bool {
        let pod = &mut self.cluster.pods[id as usize];
        pod.hung = true;
        let (inc, in_ep, ready) = (pod.incarnation, pod.in_endpoints, pod.ready);
        self.cluster.set_serving(id, in_ep, true, ready);
        self.note_crash(ctx.now());
        let svc = &self.sc.service;
        if let Some(p) = &svc.readiness_probe {
            ctx.schedule_in(
                p.period.times(u64::from(p.failure_threshold)),
                Ev::Unready(id, inc),
            );
        }
        if let Some(p) = &svc.liveness_probe {
            ctx.schedule_in(
                p.period.times(u64::from(p.failure_threshold)),
                Ev::Restart(id, inc),
            );
        }
        true
    }

    fn restart(&mut self, id: PodId, now: SimTime, ctx: &mut Context<'_, Ev>) {
        self.cluster.set_serving(id, false, false, false);
        let pod = &mut self.cluster.pods[id as usize];
        pod.incarnation += 1;
        pod.hung = false;
        self.start_container(id, now, ctx);
    }

    fn defect_crashes(&self) -> bool {
        self.release
            .defect
            .as_ref()
            .is_some_and(|d| d.crash_on_start)
    }

    fn note_crash(&mut self, at: SimTime) {
        if self.crash_at.is_none_or(|c| at < c) {
            self.crash_at = Some(at);
        }
    }

    /// Schedules a placed pod's start-up: its container starts at `started`
    /// (image on the node), boots, passes readiness, may hang later.
    fn start_container(&mut self, id: PodId, started: SimTime, ctx: &mut Context<'_, Ev>) {
        let pod = &self.cluster.pods[id as usize];
        let (inc, boot) = (pod.incarnation, Duration(pod.boot_ms));
        let bad = self.is_bad_pod(id);
        let svc = &self.sc.service;
        let Some(probe) = &svc.readiness_probe else {
            ctx.schedule_at(started, Ev::ContainerStarted(id, inc));
            self.schedule_hang(id, inc, started, bad, ctx);
            return;
        };
        if bad && self.defect_crashes() {
            self.note_crash(started + boot); // crash-loops, never Ready
            return;
        }
        // Probes run at started + initialDelay + k·period; Ready after
        // successThreshold consecutive successes once booted.
        let first = started + probe.initial_delay;
        let booted = started + boot;
        let period = probe.period.as_millis().max(1);
        let k = booted.since(first).as_millis().div_ceil(period);
        let ready = first
            + Duration(k * period)
            + probe.period.times(u64::from(probe.success_threshold - 1));
        ctx.schedule_at(ready, Ev::Ready(id, inc));
        self.schedule_hang(id, inc, started, bad, ctx);
    }

    fn schedule_hang(
        &self,
        id: PodId,
        inc: u32,
        started: SimTime,
        bad: bool,
        ctx: &mut Context<'_, Ev>,
    ) {
        if !bad {
            return;
        }
        if let Some(after) = self.release.defect.as_ref().and_then(|d| d.hang_after_ms) {
            ctx.schedule_at(started + Duration(after), Ev::Hang(id, inc));
        }
    }

    /// Places whatever Pending pods now fit and starts them.
    fn place_pending(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        let mut placed = std::mem::take(&mut self.scratch_placed);
        placed.clear();
        self.cluster.place_pending(now, &mut placed);
        for &(id, image_at) in &placed {
            self.start_container(id, image_at, ctx);
        }
        self.scratch_placed = placed;
    }

    /// Lets the controller act until it is idle, realising each decision:
    /// creating pods (drawing their start-up times in creation order) or
    /// deleting the ReplicaSet's preferred victims.
    fn reconcile(&mut self, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let before = self.spec;
        let mut guard = 0;
        loop {
            let counts = [
                *self.cluster.counts(Version::Old),
                *self.cluster.counts(Version::New),
            ];
            if !self
                .controller
                .sync(self.replicas, self.target, &mut self.spec, &counts)
            {
                break;
            }
            self.realise(now, ctx);
            guard += 1;
            debug_assert!(guard < 10_000, "controller does not converge");
        }
        if before != self.spec && self.trace.is_some() {
            self.note(
                "scale",
                format!(
                    "old {}→{}, new {}→{}",
                    before[0], self.spec[0], before[1], self.spec[1]
                ),
            );
        }
    }

    fn realise(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        for v in [Version::Old, Version::New] {
            let active = self.cluster.counts(v).active;
            let want = self.spec[v.idx()];
            if want > active {
                for _ in active..want {
                    self.create_pod(v, now);
                }
            } else if want < active {
                let mut ids = std::mem::take(&mut self.scratch_ids);
                self.cluster.victims(v, active - want, &mut ids);
                for &id in &ids {
                    if !self.cluster.delete(id) {
                        continue;
                    }
                    let exit = self.shutdown_time();
                    if exit == Duration::ZERO {
                        self.cluster.remove(id);
                    } else {
                        ctx.schedule_in(exit, Ev::Gone(id));
                    }
                }
                self.scratch_ids = ids;
            }
        }
        self.place_pending(now, ctx);
    }

    /// How long a deleted pod takes to exit: its shutdown, cut off by the
    /// kubelet at terminationGracePeriodSeconds.
    fn shutdown_time(&mut self) -> Duration {
        let svc = &self.sc.service;
        let rng = &mut self.streams.as_mut().expect("streams set").shutdown;
        Duration::from_millis_f64(svc.shutdown.sample(rng)).min(svc.termination_grace_period)
    }

    fn create_pod(&mut self, v: Version, now: SimTime) {
        let startup = &self.sc.service.startup;
        let rng = &mut self.streams.as_mut().expect("streams set").startup;
        let pull = startup.image_pull.sample(rng);
        let boot = startup.boot.sample(rng);
        let (pull, boot) = (
            Duration::from_millis_f64(pull).0,
            Duration::from_millis_f64(boot).0,
        );
        self.cluster.add_pod(v, now, pull, boot);
    }
}

/// Failed requests of one interval (or per second, for rates), by where they happened.
#[derive(Clone, Copy, Debug, Default)]
struct Failures {
    overload: f64,
    old: f64,
    new_general: f64,
    new_segment: f64,
}

impl Failures {
    fn total(&self) -> f64 {
        self.overload + self.old + self.new_general + self.new_segment
    }
}

impl World<'_> {
    fn current_route(&self) -> Route {
        let (o, n) = (
            self.cluster.counts(Version::Old),
            self.cluster.counts(Version::New),
        );
        Route {
            ep: [o.endpoints, n.endpoints],
            failing: [o.failing, n.failing],
        }
    }

    /// Splits `requests` arriving while `overload` of them exceed capacity
    /// over the endpoints of route `r`.
    fn failures(&self, r: Route, requests: f64, overload: f64) -> Failures {
        let n = r.ep[0] + r.ep[1];
        if n == 0 {
            return Failures {
                overload: requests,
                ..Failures::default()
            };
        }
        let per_pod = (requests - overload) / f64::from(n);
        let (mut general, mut segment, mut bad_ok) = (0.0, 0.0, 0.0);
        if let Some(d) = &self.release.defect {
            bad_ok = f64::from(r.ep[1] - r.failing[1]);
            general = d.fail_share;
            segment = d.segment_share * d.segment_fail;
        }
        Failures {
            overload,
            old: per_pod * f64::from(r.failing[0]),
            new_general: per_pod * (f64::from(r.failing[1]) + bad_ok * general),
            new_segment: per_pod * bad_ok * segment,
        }
    }

    /// Integrates traffic and pod-time from the last accounted instant to `now`.
    fn account(&mut self, now: SimTime) {
        let t0 = self.acc_t;
        if now <= t0 {
            return;
        }
        self.acc_t = now;
        let dt_ms = (now.0 - t0.0) as f64;
        let extra = self.cluster.existing().saturating_sub(self.replicas);
        self.extra_pod_ms += f64::from(extra) * dt_ms;
        let r = self.route;
        let n = r.ep[0] + r.ep[1];
        let cap = f64::from(n) * self.sc.service.pod.capacity_rps;
        let (load, sin1) = self.demand.load_from(t0, self.acc_sin, now, cap);
        self.acc_sin = sin1;
        let f = self.failures(r, load.requests, load.overload);
        self.shortfall_s += if n == 0 {
            dt_ms / 1000.0
        } else {
            load.shortfall_s
        };
        let total = f.total();
        self.failed += total;
        self.requests += load.requests;
        self.expose(r, &f);
        if self.alert_enabled {
            let errors = total + self.baseline * (load.requests - total);
            self.alert.record(now, load.requests, errors);
        }
    }

    /// Adds the interval's failures to the users' hazards. Per-request routing
    /// spreads them over everyone; sticky routing pins the new version's share
    /// w of users (x < w) to it.
    fn expose(&mut self, r: Route, f: &Failures) {
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
        let n = r.ep[0] + r.ep[1];
        if !self.sc.traffic.sticky_sessions || n == 0 {
            self.exposure
                .add_split(1.0, (f.old + f.new_general) / users, 0.0, seg, 0.0);
            return;
        }
        let w = f64::from(r.ep[1]) / f64::from(n);
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

    /// The service's error ratio right now (alerts see baseline errors too).
    fn ratio_now(&self, now: SimTime) -> f64 {
        let rate = self.demand.rate_at(now);
        if rate <= 0.0 {
            return 0.0;
        }
        let n = self.route.ep[0] + self.route.ep[1];
        let cap = f64::from(n) * self.sc.service.pod.capacity_rps;
        let f = self.failures(self.route, rate, (rate - cap).max(0.0));
        let total = f.total();
        (total + self.baseline * (rate - total)) / rate
    }

    /// Bookkeeping after an event changed the world.
    fn after_change(&mut self, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let route = self.current_route();
        if route != self.route {
            self.route = route;
            self.on_route_change(now, ctx);
        }
        self.peak_pods = self.peak_pods.max(self.cluster.existing());
        self.check_progress(now, ctx);
        self.check_milestones(now, ctx);
    }

    fn on_route_change(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        let r = self.route;
        let n = r.ep[0] + r.ep[1];
        if let Some(d) = &self.release.defect {
            let share = if n == 0 {
                0.0
            } else {
                f64::from(r.ep[1]) / f64::from(n)
            };
            self.peak_bad = self.peak_bad.max(share);
            if share >= 1.0 && self.detected.is_none() {
                self.full_bad_before_detect = true;
            }
            let serving = r.ep[1] > r.failing[1]
                && (d.fail_share > 0.0 || d.segment_share * d.segment_fail > 0.0);
            let crashing = r.failing[1] > 0 && (d.crash_on_start || d.hang_after_ms.is_some());
            if (serving || crashing) && self.visible_at.is_none() {
                self.visible_at = Some(now);
                let delay = self.streams().report_delay_ms;
                ctx.schedule_in(Duration(delay), Ev::UserReport);
            }
        }
        if self.alert_enabled && self.detected.is_none() {
            self.alert_changed = true;
            let next = self.next_evaluation(now);
            if self.alert_next.is_none_or(|t| t > next) {
                self.schedule_alert_check(next, ctx);
            }
        }
    }

    /// The rule's first evaluation at or after `now`.
    fn next_evaluation(&self, now: SimTime) -> SimTime {
        let every = self
            .sc
            .observability
            .alerting
            .evaluation_interval
            .as_millis()
            .max(1);
        SimTime(now.0.div_ceil(every) * every)
    }

    fn schedule_alert_check(&mut self, at: SimTime, ctx: &mut Context<'_, Ev>) {
        self.alert_gen += 1;
        self.alert_next = Some(at);
        ctx.schedule_at(at, Ev::AlertCheck(self.alert_gen));
    }

    fn on_alert_check(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) -> bool {
        if self.detected.is_some() {
            return false;
        }
        if self.alert.firing(now) {
            self.note(
                "alert_fired",
                "burn rate above threshold on both windows".into(),
            );
            self.detect(now, Signal::Alert, ctx);
            return true;
        }
        // While the routing keeps changing, evaluate at every rule evaluation;
        // once it has held still for a whole interval, jump to the predicted
        // firing (if any) instead of ticking through an unchanging hour.
        self.alert_next = None;
        let next = now + self.sc.observability.alerting.evaluation_interval;
        if std::mem::take(&mut self.alert_changed) {
            self.schedule_alert_check(next, ctx);
        } else if let Some(at) = self
            .alert
            .predict(now, next, self.ratio_now(now), &self.demand)
        {
            self.schedule_alert_check(at, ctx);
        }
        false
    }

    /// Deployment status for progress: (updated, old, ready, available).
    fn status(&self) -> [u32; 4] {
        let (o, n) = (
            self.cluster.counts(Version::Old),
            self.cluster.counts(Version::New),
        );
        [
            n.active,
            o.active,
            o.ready + n.ready,
            o.available + n.available,
        ]
    }

    /// `DeploymentProgressing`: more updated, fewer old, more ready or more
    /// available pods than at the last sync resets the progress deadline.
    fn check_progress(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        if self.target != Version::New || self.complete_at.is_some() {
            return;
        }
        let s = self.status();
        let l = self.last_status;
        let progressed =
            now == SimTime::ZERO || s[0] > l[0] || s[1] < l[1] || s[2] > l[2] || s[3] > l[3];
        self.last_status = s;
        if progressed {
            // One pending check at a time: it moves itself to the latest deadline.
            let first = self.deadline_at.is_none();
            self.deadline_at = Some(now + self.strategy.progress_deadline);
            if first {
                ctx.schedule_in(
                    self.strategy.progress_deadline,
                    Ev::Deadline(self.deadline_gen),
                );
            }
        }
    }

    fn on_deadline(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) -> bool {
        if self.target != Version::New || self.complete_at.is_some() {
            return false;
        }
        match self.deadline_at {
            Some(at) if at > now => {
                ctx.schedule_at(at, Ev::Deadline(self.deadline_gen));
                return false;
            }
            None => return false,
            Some(_) => self.deadline_at = None,
        }
        self.note(
            "progress_deadline_exceeded",
            "no progress: the team is paged".into(),
        );
        self.detect(now, Signal::ProgressDeadline, ctx);
        true
    }

    fn check_milestones(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        let counts = [
            *self.cluster.counts(Version::Old),
            *self.cluster.counts(Version::New),
        ];
        let done = complete(self.replicas, self.target, &self.spec, &counts);
        if self.target == Version::New && done && self.complete_at.is_none() {
            self.complete_at = Some(now);
            self.deadline_gen += 1;
            self.note(
                "rollout_complete",
                "every new pod available, no old pod left".into(),
            );
            ctx.schedule_in(self.sc.monte_carlo.horizon, Ev::Horizon);
        }
        if self.undo_at.is_some()
            && self.recovered_at.is_none()
            && counts[1].endpoints == 0
            && counts[0].ready >= self.replicas
        {
            self.recovered_at = Some(now);
            self.note(
                "recovered",
                "no traffic on the release, full capacity on the old version".into(),
            );
        }
        if self.target == Version::Old && done && self.settled_at.is_none() {
            self.settled_at = Some(now);
            self.note(
                "rollback_complete",
                "the old ReplicaSet is back at full size".into(),
            );
        }
    }

    /// A signal reached the team: page → acknowledge → decide → `rollout undo`.
    fn detect(&mut self, now: SimTime, signal: Signal, ctx: &mut Context<'_, Ev>) {
        if self.detected.is_some() || self.undo_at.is_some() {
            return;
        }
        self.detected = Some((now, signal));
        let h = &self.sc.observability.human_response;
        let rng = &mut self.streams.as_mut().expect("streams set").human;
        let delay = h.ack.sample(rng) + h.decide.sample(rng);
        self.human_pending = true;
        ctx.schedule_in(Duration::from_millis_f64(delay), Ev::Undo);
        let how = match signal {
            Signal::Alert => "burn-rate alert",
            Signal::UserReport => "user report",
            Signal::ProgressDeadline => "progress deadline",
        };
        self.note(
            "detected",
            format!("by {how}; human responds in {:.0}s", delay / 1000.0),
        );
    }

    /// The human has looked. A page whose cause is gone (the error ratio is
    /// back under the alert's threshold, e.g. a Recreate's downtime ended) is
    /// stood down, and the alert stays silenced for this trial (it would keep
    /// firing on the same burnt window); anything else is undone.
    fn decide(&mut self, now: SimTime) {
        let alert = matches!(self.detected, Some((_, Signal::Alert)));
        if alert && self.ratio_now(now) <= self.alert.threshold() {
            self.detected = None;
            self.alert_enabled = false;
            self.alert_gen += 1;
            self.note(
                "stand_down",
                "errors are back to normal: no rollback".into(),
            );
            return;
        }
        self.undo(now);
    }

    /// `kubectl rollout undo`: the old template becomes the target again and
    /// the strategy rolls back to it.
    fn undo(&mut self, now: SimTime) {
        if self.undo_at.is_some() {
            return;
        }
        self.undo_at = Some(now);
        self.target = Version::Old;
        self.deadline_gen += 1;
        self.note("rollout_undo", "rolling back to the old template".into());
    }

    fn finished(&self, _now: SimTime) -> bool {
        let counts = [
            *self.cluster.counts(Version::Old),
            *self.cluster.counts(Version::New),
        ];
        let settled = complete(self.replicas, self.target, &self.spec, &counts)
            && counts[0].terminating + counts[1].terminating == 0
            && counts[0].failing + counts[1].failing == 0
            && !self.human_pending;
        if !settled {
            return false;
        }
        match self.target {
            Version::Old => self.recovered_at.is_some(),
            Version::New => !self.release.is_bad(),
        }
    }

    fn note(&mut self, event: &'static str, detail: String) {
        if self.trace.is_some() {
            self.push_trace(self.acc_t, event, detail);
        }
    }

    fn record_trace(&mut self, now: SimTime, ev: Ev) {
        if self.trace.is_none() {
            return;
        }
        let (name, detail) = match ev {
            Ev::Start => (
                "rollout_start",
                format!("target: {} replicas", self.replicas),
            ),
            Ev::ContainerStarted(id, _) => ("container_started", self.pod_label(id)),
            Ev::Booted(id, _) => ("booted", self.pod_label(id)),
            Ev::Ready(id, _) => ("pod_ready", self.pod_label(id)),
            Ev::Available(id, _) => ("pod_available", self.pod_label(id)),
            Ev::Hang(id, _) => ("pod_hung", self.pod_label(id)),
            Ev::Unready(id, _) => ("pod_unready", self.pod_label(id)),
            Ev::Restart(id, _) => ("pod_restarted", self.pod_label(id)),
            Ev::Gone(id) => ("pod_gone", self.pod_label(id)),
            Ev::Deadline(_) | Ev::AlertCheck(_) => return, // noted when they matter
            Ev::UserReport => ("user_report", "users report failures".into()),
            Ev::Undo => ("human_decides", "the on-call engineer has looked".into()),
            Ev::Horizon => ("horizon", "end of the observation window".into()),
        };
        self.push_trace(now, name, detail);
    }

    fn pod_label(&self, id: PodId) -> String {
        format!(
            "pod {id} ({})",
            self.cluster.pods[id as usize].version.name()
        )
    }

    fn push_trace(&mut self, now: SimTime, event: &'static str, detail: String) {
        let (o, n) = (
            *self.cluster.counts(Version::Old),
            *self.cluster.counts(Version::New),
        );
        let ep = o.endpoints + n.endpoints;
        let share = if ep == 0 {
            0.0
        } else {
            f64::from(n.endpoints) / f64::from(ep)
        };
        let failed = self.failed;
        if let Some(t) = self.trace.as_mut() {
            t.push(TraceEvent {
                t_s: now.as_secs_f64(),
                event,
                detail,
                old_pods: o.existing(),
                new_pods: n.existing(),
                old_ready: o.ready,
                new_ready: n.ready,
                new_traffic_share: share,
                failed_requests: failed,
            });
        }
    }

    fn result(&self, end: SimTime) -> TrialResult {
        let sc = self.sc;
        let bad = self.release.is_bad();
        let onset = self.visible_at.or(self.crash_at);
        let detected = self.detected.map(|d| d.0);
        let secs = |a: SimTime, b: SimTime| b.since(a).as_secs_f64();
        let time_to_detect_s = match (bad, detected) {
            (true, Some(d)) => Some(secs(onset.unwrap_or(d).min(d), d)),
            _ => None,
        };
        let rollback_time_s = self.undo_at.zip(self.recovered_at).map(|(u, r)| secs(u, r));
        let time_to_recover_s = match (bad, self.recovered_at) {
            (true, Some(r)) => Some(secs(onset.unwrap_or(r).min(r), r)),
            _ => None,
        };
        let deploy_end = match self.target {
            Version::New => self.complete_at,
            Version::Old => self.settled_at,
        };
        let extra_pod_hours = self.extra_pod_ms / 3_600_000.0;
        let pod = &sc.service.pod;
        let pod_hour = pod.cpu_millis as f64 / 1000.0 * sc.cluster.pricing.cpu_hour
            + pod.memory_bytes as f64 / (1u64 << 30) as f64 * sc.cluster.pricing.memory_gib_hour;
        let budget = (1.0 - sc.slo.availability) * sc.traffic.rps * sc.slo.window.as_secs_f64();
        let _ = end;
        TrialResult {
            failed_requests: self.failed,
            affected_users: self.exposure.affected(
                sc.traffic.users,
                self.release
                    .defect
                    .as_ref()
                    .map_or(0.0, |d| d.segment_share),
            ),
            error_budget_burn: if budget > 0.0 {
                self.failed / budget
            } else {
                0.0
            },
            peak_bad_traffic_share: self.peak_bad,
            time_to_detect_s,
            rollback_time_s,
            time_to_recover_s,
            deploy_duration_s: deploy_end.map(|t| t.as_secs_f64()),
            peak_pods: f64::from(self.peak_pods),
            extra_pod_hours,
            cost: extra_pod_hours * pod_hour,
            capacity_shortfall_s: self.shortfall_s,
            outcome: self.outcome(),
            bad,
            requests: self.requests,
        }
    }

    fn outcome(&self) -> Outcome {
        let signal = self.detected.map(|d| d.1);
        let undone = self.undo_at.is_some();
        if !self.release.is_bad() {
            return match (undone, signal) {
                (true, Some(Signal::ProgressDeadline)) => Outcome::Stalled,
                (true, _) => Outcome::FalseRollback,
                (false, _) if self.complete_at.is_some() => Outcome::Succeeded,
                _ => Outcome::Stalled,
            };
        }
        if self.full_bad_before_detect {
            return Outcome::Incident;
        }
        match signal {
            Some(Signal::ProgressDeadline) => Outcome::Stalled,
            Some(_) => Outcome::RolledBack,
            None => Outcome::Stalled,
        }
    }
}

#[cfg(test)]
impl World<'_> {
    /// Panics if the cluster's incremental counts drifted from a recount.
    pub(crate) fn assert_counts_consistent(&self) {
        for v in [Version::Old, Version::New] {
            assert_eq!(*self.cluster.counts(v), self.cluster.recount(v), "{v:?}");
        }
    }
}
