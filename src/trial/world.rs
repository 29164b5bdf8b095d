//! The trial's state, its event loop, and the pods' lives.

use super::metrics::TrialResult;
use super::release::{ReleaseDraw, baseline_ratio};
use super::trace::{Trace, TraceEvent};
use crate::cluster::{self, PodFaults, Workload};
use crate::detect::{AnalysisRun, BurnAlert};
use crate::scenario::{Scenario, Strategy};
use crate::sim::{Context, Duration, EventQueue, Model, SimTime, run};
use crate::strategy::{Action, Ask, Check, Controller, Cx, Phase, Specs};
use crate::traffic::{Demand, Exposure};

pub(super) use super::flow::{Route, Tally};
pub use super::streams::TrialStreams;

/// Events of a trial.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ev {
    Start,
    /// Pods and nodes ([`cluster::Event`]).
    Cluster(cluster::Event),
    Deadline(u32),
    AlertCheck(u32),
    /// Users' reports reach the team (with the generation of its schedule).
    UserReport(u32),
    /// The schema migration (or the expand step) finished.
    MigrationDone,
    /// expandContract's contract step finished.
    ContractDone,
    /// The database is back on the old schema (down-migration or restore).
    RevertDone,
    /// The rollback can begin (after a rebuild or a pipeline redeploy).
    RollbackStart,
    /// The on-call engineer has looked at a page and decides.
    Decide,
    /// A person answers a controller's question (asked at the time given).
    Answer(Ask, SimTime),
    /// A controller's timer.
    Timer(u32),
    /// A measurement of the analysis run in a slot (with its generation).
    Measure(u8, u32),
    Horizon,
}

impl From<cluster::Event> for Ev {
    fn from(e: cluster::Event) -> Self {
        Ev::Cluster(e)
    }
}

/// How a problem came to the team's attention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Signal {
    Alert,
    CrashLoop,
    UserReport,
    ProgressDeadline,
    Check(Check),
}

/// An analysis run in progress.
#[derive(Clone, Debug)]
pub(super) struct Slot {
    pub run: AnalysisRun,
    pub generation: u32,
}

/// Everything one trial needs; reused across trials to keep allocations.
pub struct World<'s> {
    pub(super) sc: &'s Scenario,
    pub(super) strategy: &'s Strategy,
    pub(super) controller: Controller,
    pub(super) replicas: u32,
    pub(super) demand: Demand,
    pub(super) baseline: f64,
    /// The healthy latency's p99, for analysis measurements.
    pub(super) p99: crate::detect::P99,
    /// The nodes and the service's pods through their lives.
    pub(super) cluster: Workload<'s>,
    pub(super) spec: Specs,
    pub(super) release: ReleaseDraw,
    /// The release is bad; its pods crash on start. Read at every controller
    /// call, so kept at hand rather than worked out from the defect each time.
    defect_flags: (bool, bool),
    pub(super) streams: TrialStreams,
    queue: EventQueue<Ev>,
    pub(super) actions: Vec<Action>,
    pub(super) spare_actions: Vec<Action>,
    /// The time of the event being handled, up to which pod-time is
    /// integrated; traffic is integrated up to `acc_t` (when the route
    /// changes or someone reads it: see `account`).
    pub(super) now: SimTime,
    pub(super) acc_t: SimTime,
    /// `demand.angle_at(acc_t)`, carried from one interval to the next.
    pub(super) acc_angle: crate::traffic::Angle,
    pub(super) route: Route,
    pub(super) failed: f64,
    pub(super) requests: f64,
    /// Cumulative requests and errors per version, as metrics see them.
    pub(super) tally: Tally,
    /// The tally at each accounting over the last `lookback`, so that a
    /// measurement can read any window ending now (see `tally_at`).
    pub(super) tally_log: std::collections::VecDeque<(SimTime, Tally)>,
    /// The longest analysis interval of the strategy: how far back a
    /// measurement's window reaches.
    pub(super) lookback: Duration,
    pub(super) peak_bad: f64,
    pub(super) shortfall_s: f64,
    pub(super) exposure: Exposure,
    pub(super) alert: BurnAlert,
    pub(super) alert_gen: u32,
    pub(super) alert_enabled: bool,
    /// A page was stood down: the alert must resolve before it pages again.
    pub(super) alert_resolving: bool,
    /// A page was stood down: the next one is rolled back.
    pub(super) stood_down: bool,
    /// When the next rule evaluation is scheduled, if any.
    pub(super) alert_next: Option<SimTime>,
    /// The routing changed since the last evaluation.
    pub(super) alert_changed: bool,
    pub(super) slots: [Option<Slot>; 2],
    pub(super) slot_gen: u32,
    /// The controller acted on the last measurement.
    pub(super) measure_heeded: bool,
    // Timeline.
    pub(super) visible_at: Option<SimTime>,
    pub(super) detected: Option<(SimTime, Signal)>,
    pub(super) undo_at: Option<SimTime>,
    pub(super) recovered_at: Option<SimTime>,
    pub(super) complete_at: Option<SimTime>,
    /// The rollout became Healthy (before any undo).
    pub(super) healthy_at: Option<SimTime>,
    pub(super) settled_at: Option<SimTime>,
    pub(super) full_bad_before_detect: bool,
    /// People still to answer (pages, gates).
    pub(super) people_pending: u32,
    pub(super) phase: Phase,
    // Progress deadline: the last status seen and when it expires.
    pub(super) last_status: [u32; 4],
    pub(super) deadline_gen: u32,
    pub(super) deadline_at: Option<SimTime>,
    pub(super) trace: Option<Trace>,
    /// Tests: take none of the shortcuts that skip work after an event
    /// (controller syncs, route checks, settled measurements), to check
    /// that they change nothing.
    #[cfg(test)]
    pub(super) thorough: bool,
    /// Full-exposure seconds users have had of the defect, and the
    /// generation of the scheduled report.
    pub(super) report_exposure_s: f64,
    pub(super) report_gen: u32,
    /// Pod counts when the controller last synced.
    pub(super) synced_counts: [crate::cluster::Counts; 2],
    /// The shared database.
    pub(super) db: crate::schema::Db,
    /// The database had to be restored from backup.
    pub(super) data_loss: bool,
    /// The controller has begun (a migration run first may hold it back).
    pub(super) rollout_started: bool,
    /// Events handled since the world was made (a cost measure for benches).
    pub events: u64,
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
            baseline: baseline_ratio(sc),
            p99: crate::detect::P99::of(&sc.service.latency),
            cluster: Workload::new(
                &sc.service,
                &sc.cluster,
                strategy.min_ready,
                sc.observability.metrics,
            ),
            spec: [replicas, 0],
            release: ReleaseDraw { defect: None },
            defect_flags: (false, false),
            streams: TrialStreams::new(0, 0),
            queue: EventQueue::new(),
            actions: Vec::new(),
            spare_actions: Vec::new(),
            now: SimTime::ZERO,
            acc_t: SimTime::ZERO,
            acc_angle: Default::default(),
            route: Route::default(),
            failed: 0.0,
            requests: 0.0,
            tally: Tally::default(),
            tally_log: std::collections::VecDeque::new(),
            lookback: longest_analysis_interval(strategy),
            peak_bad: 0.0,
            shortfall_s: 0.0,
            exposure: Exposure::default(),
            alert: BurnAlert::default(),
            alert_gen: 0,
            alert_enabled: false,
            alert_next: None,
            alert_resolving: false,
            stood_down: false,
            alert_changed: false,
            slots: [None, None],
            slot_gen: 0,
            measure_heeded: false,
            visible_at: None,
            detected: None,
            undo_at: None,
            recovered_at: None,
            complete_at: None,
            healthy_at: None,
            settled_at: None,
            full_bad_before_detect: false,
            people_pending: 0,
            phase: Phase::Progressing,
            last_status: [0; 4],
            deadline_gen: 0,
            deadline_at: None,
            trace: None,
            #[cfg(test)]
            thorough: false,
            db: crate::schema::Db::new(sc.schema_change.as_ref()),
            data_loss: false,
            rollout_started: false,
            synced_counts: Default::default(),
            report_exposure_s: 0.0,
            report_gen: 0,
            events: 0,
        }
    }

    /// Records a trace of the next runs.
    pub fn enable_trace(&mut self) {
        self.trace = Some(Trace::default());
    }

    /// The trace of the last run (empty unless enabled).
    pub fn take_trace(&mut self) -> Vec<TraceEvent> {
        self.trace.as_mut().map(Trace::take).unwrap_or_default()
    }

    /// Simulates one rollout of `release` and returns its measurements.
    pub fn run(&mut self, release: &ReleaseDraw, streams: TrialStreams) -> TrialResult {
        self.reset(release, streams);
        let mut queue = std::mem::take(&mut self.queue);
        queue.push(SimTime::ZERO, Ev::Start);
        // A rollout still unsettled two horizons after it began is given up on.
        let hard_end = SimTime::ZERO + self.sc.monte_carlo.horizon.times(2);
        let end = run(self, &mut queue, hard_end);
        self.queue = queue;
        self.account(end);
        self.result()
    }

    fn reset(&mut self, release: &ReleaseDraw, streams: TrialStreams) {
        self.cluster.reset(PodFaults {
            bad: release.is_bad(),
            crash_on_start: release.defect.as_ref().is_some_and(|d| d.crash_on_start),
            hang_after_ms: release.defect.as_ref().and_then(|d| d.hang_after_ms),
        });
        self.queue.clear();
        self.controller.reset();
        self.release = release.clone();
        self.defect_flags = match &release.defect {
            Some(d) => (true, d.crash_on_start),
            None => (false, false),
        };
        self.streams = streams;
        self.spec = [self.replicas, 0];
        self.actions.clear();
        self.now = SimTime::ZERO;
        self.acc_t = SimTime::ZERO;
        self.acc_angle = self.demand.angle_at(SimTime::ZERO);
        self.failed = 0.0;
        self.requests = 0.0;
        self.tally = Tally::default();
        self.tally_log.clear();
        self.tally_log.push_back((SimTime::ZERO, Tally::default()));
        self.peak_bad = 0.0;
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
        self.alert_resolving = false;
        self.stood_down = false;
        self.alert_changed = false;
        // An alert already firing on the healthy service pages no one new.
        self.alert_enabled = self.sc.observability.metrics && !self.alert.firing(SimTime::ZERO);
        self.slots = [None, None];
        self.slot_gen = 0;
        self.measure_heeded = false;
        self.visible_at = None;
        self.detected = None;
        self.undo_at = None;
        self.recovered_at = None;
        self.complete_at = None;
        self.healthy_at = None;
        self.settled_at = None;
        self.full_bad_before_detect = false;
        self.people_pending = 0;
        self.db = crate::schema::Db::new(self.sc.schema_change.as_ref());
        self.data_loss = false;
        self.rollout_started = false;
        self.synced_counts = Default::default();
        self.report_exposure_s = 0.0;
        self.report_gen = 0;
        self.phase = Phase::Progressing;
        self.deadline_gen = 0;
        self.deadline_at = None;
        if let Some(t) = self.trace.as_mut() {
            t.clear();
        }
        self.route = self.current_route();
        self.last_status = self.status();
    }

    pub(super) fn streams(&mut self) -> &mut TrialStreams {
        &mut self.streams
    }

    /// Runs `f` on the controller with a context over this world.
    pub(super) fn with_controller<R>(
        &mut self,
        now: SimTime,
        f: impl FnOnce(&mut Controller, &mut Cx<'_>) -> R,
    ) -> R {
        let (bad, crash) = self.defect_flags;
        let mut cx = Cx {
            now,
            replicas: self.replicas,
            counts: self.cluster.all_counts(),
            spec: &mut self.spec,
            out: &mut self.actions,
            bad,
            crash_on_start: crash,
            draws: &mut self.streams,
            tracing: self.trace.is_some(),
        };
        f(&mut self.controller, &mut cx)
    }
}

impl Model for World<'_> {
    type Event = Ev;

    fn handle(&mut self, ev: Ev, ctx: &mut Context<'_, Ev>) {
        self.events += 1;
        let now = ctx.now();
        self.account_pods(now);
        if !self.apply(ev, ctx) {
            return; // stale event: nothing happened
        }
        self.record_trace(now, ev);
        if matches!(ev, Ev::Measure(..)) && !self.measure_heeded && !self.thorough() {
            // A measurement the controller let pass changed only the analysis
            // run: nothing the controller, the route or the milestones read.
            // Everything is as the last event left it, settled.
            return;
        }
        // The controller is woken by what it watches: its own events, and
        // changes in the pods' counts.
        let mut synced = false;
        if !self.rollout_started {
            // A migration run first holds the rollout back.
        } else if self.thorough()
            || !Self::leaves_controller_idle(ev)
            || self
                .controller
                .may_act_on(&self.synced_counts, self.cluster.all_counts())
        {
            self.reconcile(ctx);
            self.synced_counts = *self.cluster.all_counts();
            synced = true;
        }
        self.after_change(ctx, synced || !Self::keeps_route(ev) || self.thorough());
        if self.finished() {
            ctx.stop();
        }
    }
}

impl World<'_> {
    /// True if, after `ev` (handled), the controller has nothing new to act
    /// on unless the pod counts it reads changed ([`Controller::may_act_on`]):
    /// it was not called. (A measurement it let pass ends the event before
    /// this is asked; one it heeded wakes it.) Its last sync left it
    /// idle (syncs repeat until nothing changes), so another with the same
    /// counts would do nothing. (A pod gone frees room, which matters to
    /// Pending pods, not to the controller; its terminating count is a count.)
    fn leaves_controller_idle(ev: Ev) -> bool {
        matches!(
            ev,
            Ev::Cluster(
                cluster::Event::Booted(..) | cluster::Event::Gone(_) | cluster::Event::CrashLooping
            ) | Ev::AlertCheck(_)
                | Ev::UserReport(_)
                | Ev::ContractDone
                | Ev::RevertDone
                | Ev::Horizon
                | Ev::Deadline(_)
        )
    }

    /// Whether to take none of the shortcuts (tests only).
    fn thorough(&self) -> bool {
        #[cfg(test)]
        return self.thorough;
        #[cfg(not(test))]
        false
    }

    /// True if `ev` (handled, with no controller sync after it) cannot have
    /// changed the route: endpoints, weights, mirroring, the schema. A pod
    /// gone was terminating, out of the endpoints already; a page or a
    /// missed deadline only tells people.
    fn keeps_route(ev: Ev) -> bool {
        matches!(
            ev,
            Ev::Cluster(cluster::Event::Gone(_) | cluster::Event::CrashLooping)
                | Ev::AlertCheck(_)
                | Ev::UserReport(_)
                | Ev::Deadline(_)
                | Ev::Horizon
        )
    }

    /// Applies one event; false if it was stale.
    fn apply(&mut self, ev: Ev, ctx: &mut Context<'_, Ev>) -> bool {
        let now = ctx.now();
        match ev {
            Ev::Start => {
                self.on_start(now, ctx);
                true
            }
            Ev::MigrationDone => {
                self.on_migrated(now);
                true
            }
            Ev::ContractDone => {
                self.db.contracted = true;
                self.db.migrating = false;
                self.note("contract", || {
                    "the contract step removed what old code needs".into()
                });
                true
            }
            Ev::RevertDone => {
                self.db.revert();
                self.db.migrating = false;
                self.note("schema_reverted", || {
                    "the database is back on the old schema".into()
                });
                true
            }
            Ev::RollbackStart => {
                self.start_rollback(now);
                true
            }
            Ev::Cluster(cluster::Event::CrashLooping) => {
                self.note("alert_fired", || "a pod is crash-looping".into());
                self.detect(now, Signal::CrashLoop, ctx);
                true
            }
            Ev::Cluster(e) => self.cluster.on_event(now, ctx, e, &mut self.streams),
            Ev::Deadline(g) => g == self.deadline_gen && self.on_deadline(now, ctx),
            Ev::AlertCheck(g) => g == self.alert_gen && self.on_alert_check(now, ctx),
            Ev::UserReport(g) => {
                if g != self.report_gen {
                    return false;
                }
                // The schedule assumed the rate at its start; demand moves.
                if self.report_needed_s(now) > 1e-3 {
                    self.schedule_report(now, ctx);
                    return false;
                }
                self.detect(now, Signal::UserReport, ctx);
                true
            }
            Ev::Decide => {
                self.people_pending -= 1;
                self.decide(now, ctx);
                true
            }
            Ev::Answer(ask, asked) => {
                self.people_pending -= 1;
                self.on_answer(now, ask, asked);
                true
            }
            Ev::Timer(tag) => {
                self.with_controller(now, |c, cx| c.timer(tag, cx));
                true
            }
            Ev::Measure(slot, g) => self.on_measure(now, slot, g, ctx),
            Ev::Horizon => {
                ctx.stop();
                true
            }
        }
    }

    /// Lets the controller act until it is idle, realising each decision:
    /// creating pods (drawing their start-up times in creation order) or
    /// deleting the ReplicaSet's preferred victims; then carries out what
    /// it asked for.
    fn reconcile(&mut self, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let before = self.spec;
        let mut guard = 0;
        while self.with_controller(now, |c, cx| c.sync(cx)) {
            self.realise(now, ctx);
            guard += 1;
            debug_assert!(guard < 10_000, "controller does not converge");
            if guard >= 10_000 {
                break;
            }
        }
        if before != self.spec && self.trace.is_some() {
            let after = self.spec;
            self.note("scale", || {
                format!(
                    "old {}→{}, new {}→{}",
                    before[0], after[0], before[1], after[1]
                )
            });
        }
        self.carry_out(ctx);
    }

    fn realise(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        self.cluster.realise(now, ctx, self.spec, &mut self.streams);
    }
}

/// The longest interval of any analysis `strategy` runs (0 if none).
fn longest_analysis_interval(strategy: &Strategy) -> Duration {
    use crate::scenario::{CanaryPlan, CanaryStep, StrategyKind};
    let intervals: Vec<Duration> = match &strategy.kind {
        StrategyKind::Canary(c) => {
            let mut v: Vec<Duration> = match &c.plan {
                CanaryPlan::Steps(steps) => steps
                    .iter()
                    .filter_map(|s| match s {
                        CanaryStep::Analysis(a) => Some(a.interval),
                        _ => None,
                    })
                    .collect(),
                CanaryPlan::Flagger(f) => vec![f.interval],
            };
            v.extend(c.background_analysis.iter().map(|b| b.analysis.interval));
            v
        }
        StrategyKind::BlueGreen(bg) => bg
            .post_promotion_analysis
            .iter()
            .map(|a| a.interval)
            .collect(),
        StrategyKind::Recreate | StrategyKind::RollingUpdate { .. } => Vec::new(),
    };
    intervals.into_iter().max().unwrap_or(Duration::ZERO)
}
