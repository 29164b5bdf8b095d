//! Rollout strategies: controllers that decide how many pods of each version
//! should exist, where traffic goes, and when to wait, test or give up.
//!
//! The trial driver owns pods, traffic, time and people; a controller acts
//! only through [`Cx`]: it sets ReplicaSet sizes, reads pod counts, and asks
//! for timers, analysis runs and human decisions ([`Action`]). The driver
//! realises the sizes (creates and deletes pods) and calls the controller
//! again whenever something it may care about changes.
//!
//! Adding a strategy is one file here plus one arm in [`Controller`].

pub mod argo;
pub mod blue_green;
pub mod canary;
pub mod flagger;
pub mod recreate;
pub mod rolling;

use crate::cluster::{Counts, Version};
use crate::detect::{Measurement, RunState};
use crate::scenario::{Analysis, CanaryPlan, Strategy, StrategyKind};
use crate::sim::{Duration, SimTime};

/// Desired pods per version (the ReplicaSets' `spec.replicas`), indexed by
/// [`Version::idx`].
pub type Specs = [u32; 2];

/// Where the Service sends traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Routing {
    /// Share of traffic for the new version, set by a router (Argo with
    /// trafficRouting, a blue-green active Service); `None`: spread evenly
    /// over every endpoint of both versions, as a plain Service does.
    pub weight: Option<f64>,
    /// Share of traffic copied to the version under analysis
    /// ([`Controller::analysed`]), responses discarded.
    pub mirror: f64,
}

/// Something a controller asks of the trial driver.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Call [`Controller::timer`] with `tag` after the delay.
    Timer(Duration, u32),
    /// Start (or restart) the analysis run in `slot`, measuring the new version.
    StartAnalysis(u8, Analysis),
    /// Stop the run in `slot`.
    StopAnalysis(u8),
    /// A person must act: the driver samples how long they take and calls
    /// [`Controller::answered`].
    Ask(Ask),
    /// A check caught the release (it counts as detection).
    Caught(Check),
    /// A line for the trace.
    Note(&'static str, String),
}

/// Why a person is asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    /// A manual gate (`pause: {}`, blue-green without auto-promotion).
    Promote,
    /// An inconclusive analysis paused the rollout.
    Inconclusive,
    /// An analysis failed with `autoRollback: false`.
    AnalysisFailed,
}

/// The check that caught a release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Analysis,
    SmokeTest,
}

/// A controller's view of the world and its way to act on it.
pub struct Cx<'a> {
    pub now: SimTime,
    pub replicas: u32,
    pub counts: &'a [Counts; 2],
    pub spec: &'a mut Specs,
    pub out: &'a mut Vec<Action>,
    /// The release is bad (only smoke tests, which look inside, may read it).
    pub bad: bool,
    pub crash_on_start: bool,
    /// The trial's draws a controller may read ([`Cx::smoke_draw`]).
    pub draws: &'a mut dyn Draws,
    /// A trace is being recorded (notes are wanted).
    pub tracing: bool,
}

/// Random draws of a trial that a controller may read. Each is made when
/// first read and then kept for the trial, so a controller that never reads
/// one costs nothing, and the value does not depend on when it was read.
pub trait Draws {
    /// A uniform draw in [0, 1) deciding whether smoke tests catch the defect.
    fn smoke_draw(&mut self) -> f64;
}

impl Cx<'_> {
    /// Counts of `v`.
    pub fn of(&self, v: Version) -> &Counts {
        &self.counts[v.idx()]
    }

    /// The trial's smoke-test draw (see [`Draws::smoke_draw`]).
    pub fn smoke_draw(&mut self) -> f64 {
        self.draws.smoke_draw()
    }

    /// Schedules [`Controller::timer`] with `tag`.
    pub fn timer(&mut self, after: Duration, tag: u32) {
        self.out.push(Action::Timer(after, tag));
    }

    /// Adds a trace line.
    /// The detail is built only when a trace is being recorded.
    pub fn note(&mut self, event: &'static str, detail: impl FnOnce() -> String) {
        if self.tracing {
            self.out.push(Action::Note(event, detail()));
        }
    }
}

/// Where a rollout stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Moving toward the release; the progress deadline applies.
    Progressing,
    /// Waiting on purpose (a pause, a gate, an analysis): no deadline.
    Paused,
    /// The release is fully out and the old version gone.
    Completed,
    /// Rolling back (or rolled back) to the old version.
    Aborted,
}

/// A strategy's controller.
#[derive(Clone, Debug)]
pub enum Controller {
    Recreate(recreate::Recreate),
    Rolling(rolling::Rolling),
    BlueGreen(blue_green::BlueGreenCtl),
    Canary(canary::CanaryCtl),
    /// A Canary in Flagger's form (an `analysis` with step weights).
    Flagger(flagger::FlaggerCtl),
}

impl Controller {
    /// The controller for `strategy` on a Deployment of `replicas`.
    pub fn new(strategy: &Strategy, replicas: u32) -> Self {
        match &strategy.kind {
            StrategyKind::Recreate => Controller::Recreate(recreate::Recreate::default()),
            StrategyKind::RollingUpdate {
                max_surge,
                max_unavailable,
            } => Controller::Rolling(rolling::Rolling::new(rolling::resolve_fenceposts(
                *max_surge,
                *max_unavailable,
                replicas,
            ))),
            StrategyKind::BlueGreen(bg) => {
                Controller::BlueGreen(blue_green::BlueGreenCtl::new(bg.clone()))
            }
            StrategyKind::Canary(c) => match &c.plan {
                CanaryPlan::Flagger(f) => {
                    Controller::Flagger(flagger::FlaggerCtl::new(c.clone(), f.clone(), replicas))
                }
                CanaryPlan::Steps(_) => {
                    Controller::Canary(canary::CanaryCtl::new(c.clone(), replicas))
                }
            },
        }
    }

    /// Resets for a new trial (the old version at full size, all traffic on it).
    pub fn reset(&mut self) {
        match self {
            Controller::Recreate(c) => c.target = Version::New,
            Controller::Rolling(c) => c.target = Version::New,
            Controller::BlueGreen(c) => c.reset(),
            Controller::Canary(c) => c.reset(),
            Controller::Flagger(c) => c.reset(),
        }
    }

    /// The rollout begins.
    pub fn start(&mut self, cx: &mut Cx<'_>) {
        match self {
            Controller::BlueGreen(c) => c.start(cx),
            Controller::Flagger(c) => c.start(cx),
            Controller::Recreate(_) | Controller::Rolling(_) | Controller::Canary(_) => {}
        }
    }

    /// One sync: returns whether it changed a ReplicaSet. The driver
    /// realises the change and syncs again until idle, as a controller's
    /// watch on its ReplicaSets makes it do.
    pub fn sync(&mut self, cx: &mut Cx<'_>) -> bool {
        match self {
            Controller::Recreate(c) => c.sync(cx.replicas, cx.spec, cx.counts),
            Controller::Rolling(c) => c.sync(cx.replicas, cx.spec, cx.counts),
            Controller::BlueGreen(c) => c.sync(cx),
            Controller::Canary(c) => c.sync(cx),
            Controller::Flagger(c) => c.sync(cx),
        }
    }

    /// Whether pod counts going from `before` (at its last sync, which left
    /// it idle) to `now` may give a sync something to do. RollingUpdate reads
    /// only available pods besides its own specs, and the Argo controllers
    /// only available and active (created, not terminating) ones, so pods
    /// that finish terminating or start Ready without becoming available
    /// leave them idle; Recreate waits for old pods to be gone, so any count
    /// may wake it.
    pub fn may_act_on(&self, before: &[Counts; 2], now: &[Counts; 2]) -> bool {
        let changed = |f: fn(&Counts) -> u32| (0..2).any(|v| f(&before[v]) != f(&now[v]));
        match self {
            Controller::Rolling(_) => changed(|c| c.available),
            Controller::BlueGreen(_) | Controller::Canary(_) | Controller::Flagger(_) => {
                changed(|c| c.available) || changed(|c| c.active)
            }
            Controller::Recreate(_) => before != now,
        }
    }

    /// A timer it asked for is due.
    pub fn timer(&mut self, tag: u32, cx: &mut Cx<'_>) {
        match self {
            Controller::BlueGreen(c) => c.timer(tag, cx),
            Controller::Canary(c) => c.timer(tag, cx),
            Controller::Flagger(c) => c.timer(tag, cx),
            Controller::Recreate(_) | Controller::Rolling(_) => {}
        }
    }

    /// A measurement of the run in `slot` was taken. Returns false if the
    /// controller let it pass without acting (a check of a run still going),
    /// so the driver need not sync it again.
    pub fn measured(
        &mut self,
        slot: u8,
        m: &Measurement,
        state: RunState,
        cx: &mut Cx<'_>,
    ) -> bool {
        match self {
            Controller::BlueGreen(c) => c.measured(slot, state, cx),
            Controller::Canary(c) => c.measured(slot, state, cx),
            Controller::Flagger(c) => c.measured(m, state, cx),
            Controller::Recreate(_) | Controller::Rolling(_) => false,
        }
    }

    /// A person answered `ask`; `go_on` is their judgement (resume rather
    /// than abort).
    pub fn answered(&mut self, ask: Ask, go_on: bool, cx: &mut Cx<'_>) {
        match self {
            Controller::BlueGreen(c) => c.answered(ask, go_on, cx),
            Controller::Canary(c) => c.answered(ask, go_on, cx),
            Controller::Flagger(c) => c.answered(ask, go_on, cx),
            Controller::Recreate(_) | Controller::Rolling(_) => {}
        }
    }

    /// Roll back: `kubectl rollout undo` for a Deployment, an abort for a Rollout.
    pub fn abort(&mut self, cx: &mut Cx<'_>) {
        match self {
            Controller::Recreate(c) => c.target = Version::Old,
            Controller::Rolling(c) => c.target = Version::Old,
            Controller::BlueGreen(c) => c.abort(cx),
            Controller::Canary(c) => c.abort(cx),
            Controller::Flagger(c) => c.abort(cx),
        }
    }

    /// The progress deadline passed. True if the controller acts on it
    /// itself (Flagger rolls back at its next tick); false if it only
    /// tells the team.
    pub fn deadline_exceeded(&mut self) -> bool {
        match self {
            Controller::Flagger(c) => c.deadline_exceeded(),
            Controller::Recreate(_)
            | Controller::Rolling(_)
            | Controller::BlueGreen(_)
            | Controller::Canary(_) => false,
        }
    }

    /// Whether `rollout undo` needs the ReplicaSet history: a Deployment
    /// rolls back to a ReplicaSet it kept (`revisionHistoryLimit`), and
    /// without one the previous version is redeployed through the pipeline.
    /// A Rollout aborts to its stable ReplicaSet, which it always keeps.
    pub fn undo_needs_history(&self) -> bool {
        match self {
            Controller::Recreate(_) | Controller::Rolling(_) => true,
            Controller::BlueGreen(_) | Controller::Canary(_) | Controller::Flagger(_) => false,
        }
    }

    /// Where traffic goes now.
    pub fn routing(&self) -> Routing {
        match self {
            Controller::Recreate(_) | Controller::Rolling(_) => Routing::default(),
            Controller::BlueGreen(c) => c.routing(),
            Controller::Canary(c) => c.routing(),
            Controller::Flagger(c) => c.routing(),
        }
    }

    /// The rollout is Healthy, as Argo Rollouts' status says it: all
    /// traffic on the release, fully available, every step and analysis of
    /// the promotion done. The old version's scale-down delay comes after.
    pub fn healthy(&self, replicas: u32, spec: &Specs, counts: &[Counts; 2]) -> bool {
        match self {
            Controller::Recreate(c) => {
                c.target == Version::New && complete(replicas, Version::New, spec, counts)
            }
            Controller::Rolling(c) => {
                c.target == Version::New && complete(replicas, Version::New, spec, counts)
            }
            Controller::BlueGreen(c) => c.healthy(),
            Controller::Canary(c) => c.healthy(),
            Controller::Flagger(c) => c.healthy(),
        }
    }

    /// An undo that is a rollout of its own (blue-green after blue was
    /// gone, a canary after promotion) is Healthy again: the old version active and serving. What it
    /// replaced goes after its scale-down delay, which, as for any rollout,
    /// is not part of it.
    pub fn undo_healthy(&self) -> bool {
        match self {
            Controller::BlueGreen(c) => c.undo_healthy(),
            Controller::Canary(c) => c.undo_healthy(),
            Controller::Recreate(_) | Controller::Rolling(_) | Controller::Flagger(_) => false,
        }
    }

    /// The version the rollout's analyses measure and its mirror copies
    /// to: the release, or the old version while an undo runs a canary's
    /// steps again.
    pub fn analysed(&self) -> Version {
        match self {
            Controller::Canary(c) => c.canary_version(),
            Controller::Recreate(_)
            | Controller::Rolling(_)
            | Controller::BlueGreen(_)
            | Controller::Flagger(_) => Version::New,
        }
    }

    /// Where the rollout stands, given the pods.
    pub fn phase(&self, replicas: u32, spec: &Specs, counts: &[Counts; 2]) -> Phase {
        let deployment = |target: Version| match target {
            Version::Old => Phase::Aborted,
            Version::New if complete(replicas, Version::New, spec, counts) => Phase::Completed,
            Version::New => Phase::Progressing,
        };
        match self {
            Controller::Recreate(c) => deployment(c.target),
            Controller::Rolling(c) => deployment(c.target),
            Controller::BlueGreen(c) => c.phase(),
            Controller::Canary(c) => c.phase(),
            Controller::Flagger(c) => c.phase(),
        }
    }
}

/// `DeploymentComplete`: every desired pod of `target` is available and no
/// pod of the other version is still owned by a ReplicaSet.
pub fn complete(replicas: u32, target: Version, spec: &Specs, counts: &[Counts; 2]) -> bool {
    let (t, o) = (target.idx(), target.other().idx());
    spec[t] == replicas
        && counts[t].available == replicas
        && counts[t].active == replicas
        && counts[o].active == 0
}
