//! The trial's state, its event loop, and the pods' lives.

use super::metrics::TrialResult;
use super::release::{ReleaseDraw, baseline_ratio};
use crate::cluster::{Cluster, Phase as PodPhase, PodId, Version};
use crate::detect::{AnalysisRun, BurnAlert};
use crate::scenario::{Resources, Scenario, Strategy};
use crate::sim::{Context, Duration, EventQueue, Model, SimTime, run};
use crate::strategy::{Action, Ask, Check, Controller, Cx, Phase, Specs};
use crate::traffic::{Demand, Exposure};

pub(super) use super::flow::{Route, Tally};
pub use super::streams::TrialStreams;

/// Restarts after which a pod shows as CrashLoopBackOff.
const CRASH_LOOP_RESTARTS: u32 = 3;
/// How long a pod must crash-loop before the alert pages (kube-prometheus'
/// KubePodCrashLooping uses `for: 15m`).
const CRASH_LOOP_FOR: Duration = Duration::from_secs(15 * 60);

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
    /// Users' reports reach the team (with the generation of its schedule).
    UserReport(u32),
    /// A pod has crash-looped long enough to page.
    CrashLoopAlert,
    /// The schema migration (or the expand step) finished.
    MigrationDone,
    /// expandContract's contract step finished.
    ContractDone,
    /// The database is back on the old schema (down-migration or restore).
    RevertDone,
    /// The rollback can begin (after a rebuild or a pipeline redeploy).
    RollbackStart,
    /// A node the autoscaler asked for joins the cluster.
    NodeReady,
    /// The on-call engineer has looked at a page and decides.
    Decide,
    /// A person answers a controller's question.
    Answer(Ask),
    /// A controller's timer.
    Timer(u32),
    /// A measurement of the analysis run in a slot (with its generation).
    Measure(u8, u32),
    Horizon,
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

/// An analysis run in progress, with the traffic tally at its last measurement.
#[derive(Clone, Debug)]
pub(super) struct Slot {
    pub run: AnalysisRun,
    pub generation: u32,
    pub since: Tally,
}

/// Everything one trial needs; reused across trials to keep allocations.
pub struct World<'s> {
    pub(super) sc: &'s Scenario,
    pub(super) strategy: &'s Strategy,
    pub(super) controller: Controller,
    pub(super) replicas: u32,
    pub(super) demand: Demand,
    request: Resources,
    pub(super) baseline: f64,
    /// The healthy latency's p99, for analysis measurements.
    pub(super) p99: crate::detect::P99,
    pub(super) cluster: Cluster,
    /// The cluster at the start of every trial.
    initial_cluster: Option<Cluster>,
    pub(super) spec: Specs,
    pub(super) release: ReleaseDraw,
    /// The release is bad; its pods crash on start. Read at every controller
    /// call, so kept at hand rather than worked out from the defect each time.
    defect_flags: (bool, bool),
    pub(super) streams: Option<TrialStreams>,
    queue: EventQueue<Ev>,
    scratch_ids: Vec<PodId>,
    scratch_placed: Vec<(PodId, SimTime)>,
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
    pub(super) peak_bad: f64,
    pub(super) peak_pods: u32,
    pub(super) extra_pod_ms: f64,
    pub(super) shortfall_s: f64,
    pub(super) exposure: Exposure,
    pub(super) alert: BurnAlert,
    pub(super) alert_gen: u32,
    pub(super) alert_enabled: bool,
    /// A page was stood down: the alert must resolve before it pages again.
    pub(super) alert_resolving: bool,
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
    /// First time the defect was present in a running pod (or crashed).
    pub(super) latent_at: Option<SimTime>,
    pub(super) detected: Option<(SimTime, Signal)>,
    pub(super) undo_at: Option<SimTime>,
    pub(super) recovered_at: Option<SimTime>,
    pub(super) complete_at: Option<SimTime>,
    pub(super) settled_at: Option<SimTime>,
    pub(super) full_bad_before_detect: bool,
    /// People still to answer (pages, gates).
    pub(super) people_pending: u32,
    pub(super) phase: Phase,
    // Progress deadline: the last status seen and when it expires.
    pub(super) last_status: [u32; 4],
    pub(super) deadline_gen: u32,
    pub(super) deadline_at: Option<SimTime>,
    pub(super) trace: Option<Vec<TraceEvent>>,
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
    /// Nodes the autoscaler is provisioning, has added, and their node-time.
    pub(super) nodes_provisioning: u32,
    pub(super) nodes_added: u32,
    pub(super) added_node_ms: f64,
    /// The shared database.
    pub(super) db: crate::schema::Db,
    /// The database had to be restored from backup.
    pub(super) data_loss: bool,
    /// The controller has begun (a migration run first may hold it back).
    pub(super) rollout_started: bool,
    /// The crash-loop alert has been scheduled this trial.
    pub(super) crash_loop_paged: bool,
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
            request: Resources {
                cpu_millis: sc.service.pod.cpu_millis,
                memory_bytes: sc.service.pod.memory_bytes,
            },
            baseline: baseline_ratio(sc),
            p99: crate::detect::P99::of(&sc.service.latency),
            cluster: Cluster::default(),
            initial_cluster: None,
            spec: [replicas, 0],
            release: ReleaseDraw { defect: None },
            defect_flags: (false, false),
            streams: None,
            queue: EventQueue::new(),
            scratch_ids: Vec::new(),
            scratch_placed: Vec::new(),
            actions: Vec::new(),
            spare_actions: Vec::new(),
            now: SimTime::ZERO,
            acc_t: SimTime::ZERO,
            acc_angle: Default::default(),
            route: Route::default(),
            failed: 0.0,
            requests: 0.0,
            tally: Tally::default(),
            peak_bad: 0.0,
            peak_pods: 0,
            extra_pod_ms: 0.0,
            shortfall_s: 0.0,
            exposure: Exposure::default(),
            alert: BurnAlert::default(),
            alert_gen: 0,
            alert_enabled: false,
            alert_next: None,
            alert_resolving: false,
            alert_changed: false,
            slots: [None, None],
            slot_gen: 0,
            measure_heeded: false,
            visible_at: None,
            latent_at: None,
            detected: None,
            undo_at: None,
            recovered_at: None,
            complete_at: None,
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
            crash_loop_paged: false,
            nodes_provisioning: 0,
            nodes_added: 0,
            added_node_ms: 0.0,
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
        // A rollout still unsettled two horizons after it began is given up on.
        let hard_end = SimTime::ZERO + self.sc.monte_carlo.horizon.times(2);
        let end = run(self, &mut queue, hard_end);
        self.queue = queue;
        self.account(end);
        self.result()
    }

    fn reset(&mut self, release: &ReleaseDraw, streams: TrialStreams) {
        self.reset_cluster();
        self.queue.clear();
        self.controller.reset();
        self.release = release.clone();
        self.defect_flags = match &release.defect {
            Some(d) => (true, d.crash_on_start),
            None => (false, false),
        };
        self.streams = Some(streams);
        self.spec = [self.replicas, 0];
        self.actions.clear();
        self.now = SimTime::ZERO;
        self.acc_t = SimTime::ZERO;
        self.acc_angle = self.demand.angle_at(SimTime::ZERO);
        self.failed = 0.0;
        self.requests = 0.0;
        self.tally = Tally::default();
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
        self.alert_resolving = false;
        self.alert_changed = false;
        // An alert already firing on the healthy service pages no one new.
        self.alert_enabled = self.sc.observability.metrics && !self.alert.firing(SimTime::ZERO);
        self.slots = [None, None];
        self.slot_gen = 0;
        self.measure_heeded = false;
        self.visible_at = None;
        self.latent_at = None;
        self.detected = None;
        self.undo_at = None;
        self.recovered_at = None;
        self.complete_at = None;
        self.settled_at = None;
        self.full_bad_before_detect = false;
        self.people_pending = 0;
        self.crash_loop_paged = false;
        self.nodes_provisioning = 0;
        self.nodes_added = 0;
        self.added_node_ms = 0.0;
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
        self.peak_pods = self.cluster.existing();
        self.last_status = self.status();
    }

    /// Every trial starts from the same cluster: the old version running on
    /// the scenario's nodes. It is built once and copied afterwards.
    fn reset_cluster(&mut self) {
        if let Some(initial) = &self.initial_cluster {
            self.cluster.clone_from(initial);
            return;
        }
        self.cluster.reset(&self.sc.cluster, self.request);
        self.start_old_pods();
        if !self.sc.service.image.old_image_cached {
            self.cluster.evict_image(Version::Old);
        }
        self.initial_cluster = Some(self.cluster.clone());
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

    pub(super) fn streams(&mut self) -> &mut TrialStreams {
        self.streams.as_mut().expect("streams are set for the run")
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
            draws: self.streams.as_mut().expect("streams are set for the run"),
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
            Ev::Booted(..)
                | Ev::Gone(_)
                | Ev::AlertCheck(_)
                | Ev::UserReport(_)
                | Ev::CrashLoopAlert
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
            Ev::Gone(_)
                | Ev::AlertCheck(_)
                | Ev::UserReport(_)
                | Ev::CrashLoopAlert
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
            Ev::NodeReady => {
                self.nodes_provisioning -= 1;
                self.nodes_added += 1;
                self.cluster.add_node(self.sc.cluster.node_allocatable);
                self.place_pending(now, ctx);
                true
            }
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
            Ev::CrashLoopAlert => {
                self.note("alert_fired", || "a pod is crash-looping".into());
                self.detect(now, Signal::CrashLoop, ctx);
                true
            }
            Ev::Decide => {
                self.people_pending -= 1;
                self.decide(now, ctx);
                true
            }
            Ev::Answer(ask) => {
                self.people_pending -= 1;
                self.on_answer(now, ask);
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

    fn live(&self, id: PodId, inc: u32) -> bool {
        let p = &self.cluster.pods[id as usize];
        p.incarnation == inc && p.phase == PodPhase::Placed
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
            self.note_latent(ctx.now() + Duration(boot_ms));
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
        self.note_latent(ctx.now());
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

    /// The liveness probe failed: the kubelet kills the container and starts
    /// it again after its back-off (10 s, doubling, at most 5 min). Past a
    /// few restarts the pod shows as CrashLoopBackOff, which a
    /// KubePodCrashLooping-style alert pages on after 15 minutes.
    fn restart(&mut self, id: PodId, now: SimTime, ctx: &mut Context<'_, Ev>) {
        self.cluster.set_serving(id, false, false, false);
        let pod = &mut self.cluster.pods[id as usize];
        pod.incarnation += 1;
        pod.hung = false;
        let backoff = Duration::from_secs((10u64 << pod.restarts.min(5)).min(300));
        pod.restarts += 1;
        if pod.restarts == CRASH_LOOP_RESTARTS
            && self.sc.observability.metrics
            && !self.crash_loop_paged
        {
            self.crash_loop_paged = true;
            ctx.schedule_in(CRASH_LOOP_FOR, Ev::CrashLoopAlert);
        }
        self.start_container(id, now + backoff, ctx);
    }

    fn defect_crashes(&self) -> bool {
        self.release
            .defect
            .as_ref()
            .is_some_and(|d| d.crash_on_start)
    }

    fn note_latent(&mut self, at: SimTime) {
        if self.latent_at.is_none_or(|c| at < c) {
            self.latent_at = Some(at);
        }
    }

    /// Schedules a placed pod's start-up: its container starts at `started`
    /// (image on the node), boots, passes readiness, may hang later.
    fn start_container(&mut self, id: PodId, started: SimTime, ctx: &mut Context<'_, Ev>) {
        let pod = &self.cluster.pods[id as usize];
        let (inc, boot) = (pod.incarnation, Duration(pod.boot_ms));
        let bad = self.is_bad_pod(id);
        if bad {
            self.note_latent(started); // the defect now runs in a pod
        }
        let svc = &self.sc.service;
        let Some(probe) = &svc.readiness_probe else {
            ctx.schedule_at(started, Ev::ContainerStarted(id, inc));
            self.schedule_hang(id, inc, started, bad, ctx);
            return;
        };
        if bad && self.defect_crashes() {
            return; // crash-loops, never Ready
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
        if self.cluster.pending_queue_empty() {
            // The usual case (after every sync, every pod gone): nothing to
            // place, and with nothing Pending the autoscaler has nothing to do.
            return;
        }
        let mut placed = std::mem::take(&mut self.scratch_placed);
        placed.clear();
        self.cluster.place_pending(now, &mut placed);
        for &(id, image_at) in &placed {
            self.start_container(id, image_at, ctx);
        }
        self.scratch_placed = placed;
        self.autoscale(now, ctx);
    }

    /// The cluster autoscaler: for pods that fit nowhere, it asks for as many
    /// empty nodes as they need (up to `maxNodes`, counting those already on
    /// their way); each joins after its provisioning time.
    fn autoscale(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        let Some(a) = &self.sc.cluster.autoscaler else {
            return;
        };
        let pending = self.cluster.pending_count();
        let per_node = self.cluster.pods_per_node(self.sc.cluster.node_allocatable);
        if pending == 0 || per_node == 0 {
            return;
        }
        let room = a
            .max_nodes
            .saturating_sub(self.cluster.node_count() + self.nodes_provisioning);
        let add = pending
            .div_ceil(per_node)
            .saturating_sub(self.nodes_provisioning)
            .min(room);
        for _ in 0..add {
            let rng = self.streams.as_mut().expect("streams set").nodes();
            let t = Duration::from_millis_f64(a.provision_time.sample(rng));
            ctx.schedule_at(now + t, Ev::NodeReady);
        }
        self.nodes_provisioning += add;
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
        let rng = self.streams.as_mut().expect("streams set").shutdown();
        Duration::from_millis_f64(svc.shutdown.sample(rng)).min(svc.termination_grace_period)
    }

    fn create_pod(&mut self, v: Version, now: SimTime) {
        let startup = &self.sc.service.startup;
        let rng = self.streams.as_mut().expect("streams set").startup();
        let pull = startup.image_pull.sample(rng);
        let boot = startup.boot.sample(rng);
        let (pull, boot) = (
            Duration::from_millis_f64(pull).0,
            Duration::from_millis_f64(boot).0,
        );
        self.cluster.add_pod(v, now, pull, boot);
    }
}
