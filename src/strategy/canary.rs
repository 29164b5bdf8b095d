//! Argo Rollouts' canary strategy (Flagger's form of a Canary is
//! [`super::flagger`]).
//!
//! Argo form: `steps` run in order — `setWeight` (the step ends once the
//! canary has its pods), `pause` (for a duration, or until a person
//! promotes), inline `analysis`, `setCanaryScale`, `setMirrorRoute` — with an
//! optional background analysis from a starting step. After the last step the
//! canary is promoted: scaled to full size, given all traffic, and the old
//! stable set is scaled down after `scaleDownDelaySeconds`.
//!
//! With `trafficRouting` a router sets the exact weight: the canary has
//! ceil(weight × replicas / 100) pods and the stable set stays at full size
//! (unless `dynamicStableScale`). Without a router the weight is approximated
//! by the ratio of pods under maxSurge / maxUnavailable (Argo's arithmetic).
//! An abort with a router sends all traffic to stable at once and scales the
//! canary down after `abortScaleDownDelaySeconds`; without a router it is a
//! rolling update back.
//!
//! Once the canary is promoted the release is the stable set, and an undo is
//! no abort: `kubectl argo rollouts undo` is a new update back to the old
//! template, so the old version is the canary of a rollout of its own and
//! the steps, pauses and analyses run again (Argo skips them only for a
//! rollback to a stable set before the update completed, or inside a
//! `rollbackWindow`, which deploysim does not model). A failed analysis of
//! that rollout aborts it back onto the release; the person who ran the
//! undo then promotes it in full (`promote --full`).

use super::argo;
use super::rolling::{Rolling, resolve_fenceposts};
use super::{Action, Ask, Check, Cx, Phase, Routing};
use crate::cluster::Version;
use crate::detect::RunState;
use crate::scenario::{Canary, CanaryPlan, CanaryScale, CanaryStep};
use crate::scenario::{StrategyKey, StrategyKeys};

/// The scenario keys a Canary entry takes beyond those of every entry: a
/// basic canary's surge and unavailability, the router, the plan (`steps`,
/// or Flagger's `analysis`), what a failed analysis does, what is kept after
/// promotion or abort. Beside `fromManifest`, what a Rollout cannot say:
/// whether a failed analysis aborts or pages.
pub const KEYS: StrategyKeys = StrategyKeys::new(&[
    StrategyKey::MaxSurge,
    StrategyKey::MaxUnavailable,
    StrategyKey::ScaleDownDelaySeconds,
    StrategyKey::AbortScaleDownDelaySeconds,
    StrategyKey::TrafficRouting,
    StrategyKey::Steps,
    StrategyKey::Analysis,
    StrategyKey::AutoRollback,
    StrategyKey::DynamicStableScale,
])
.beside_manifest(&[StrategyKey::AutoRollback]);

const PAUSE_DONE: u32 = 1;
const STABLE_DOWN: u32 = 2;
const CANARY_DOWN: u32 = 3;
/// Added to the tags of an undo's rollout, so that a timer the first
/// rollout left pending (its old stable's scale-down) does not act on it.
const REDO_TAGS: u32 = 16;

/// Analysis slots: inline step, background.
const STEP: u8 = 0;
const BACKGROUND: u8 = 1;

/// What the current step waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wait {
    Nothing,
    Timer,
    Person,
    Analysis,
}

/// The canary controller.
#[derive(Clone, Debug)]
pub struct CanaryCtl {
    spec: Canary,
    replicas: u32,
    step: usize,
    wait: Wait,
    /// Weight (percent) the steps ask for.
    weight: u32,
    /// Weight the router applies (set once the canary has its pods).
    routed: u32,
    scale: Option<CanaryScale>,
    mirror: u32,
    background_started: bool,
    /// All steps done: the canary goes to full size and all traffic.
    promoting: bool,
    /// The canary is the stable set now (Argo's `promoteStable`): all
    /// traffic on it, analyses stopped, the old stable set on its way out.
    promoted: bool,
    stable_down: bool,
    completed: bool,
    aborted: bool,
    canary_down: bool,
    /// Aborted, and the traffic is back on stable.
    back: bool,
    /// An undo after promotion: the steps run again with the old version
    /// as the canary and the release as the stable set.
    redo: bool,
}

impl CanaryCtl {
    /// A controller for `spec` on `replicas`.
    pub fn new(spec: Canary, replicas: u32) -> Self {
        let mut c = CanaryCtl {
            spec,
            replicas,
            step: 0,
            wait: Wait::Nothing,
            weight: 0,
            routed: 0,
            scale: None,
            mirror: 0,
            background_started: false,
            promoting: false,
            promoted: false,
            stable_down: false,
            completed: false,
            aborted: false,
            canary_down: false,
            back: false,
            redo: false,
        };
        c.reset();
        c
    }

    /// Back to the state before a rollout.
    pub fn reset(&mut self) {
        self.step = 0;
        self.wait = Wait::Nothing;
        self.weight = 0;
        self.routed = 0;
        self.scale = None;
        self.mirror = 0;
        self.background_started = false;
        self.promoting = false;
        self.promoted = false;
        self.stable_down = false;
        self.completed = false;
        self.aborted = false;
        self.canary_down = false;
        self.back = false;
        self.redo = false;
    }

    /// The version the steps roll out: the release, or the old version in
    /// an undo after promotion.
    pub fn canary_version(&self) -> Version {
        if self.redo {
            Version::Old
        } else {
            Version::New
        }
    }

    fn stable_version(&self) -> Version {
        self.canary_version().other()
    }

    /// Desired (canary, stable) pods now.
    fn desired(&self, cx: &Cx<'_>) -> (u32, u32) {
        let r = self.replicas;
        if !self.spec.traffic_routing {
            return self.basic_counts(cx);
        }
        if self.aborted {
            if self.delays_scale_down_on_abort() && !self.canary_down {
                // The canary keeps its pods until its abort scale-down
                // deadline; the stable set is (or comes back) up.
                return (
                    cx.spec[self.canary_version().idx()],
                    self.routed_counts(cx).1,
                );
            }
            return self.routed_counts(cx);
        }
        if self.promoted {
            // The old stable is an older ReplicaSet now: gone at once under
            // dynamicStableScale, else after scaleDownDelaySeconds.
            let old = if self.spec.dynamic_stable_scale || self.stable_down {
                0
            } else {
                r
            };
            return (r, old);
        }
        self.routed_counts(cx)
    }

    /// `shouldDelayScaleDownOnAbort`: an aborted routed canary keeps its
    /// pods for abortScaleDownDelaySeconds, unless that is 0 (then it is
    /// sized by its weight, 0, at once — or kept at its setCanaryScale size
    /// for good) or the stable scales dynamically with no delay set (then
    /// it shrinks as the weight steps back).
    fn delays_scale_down_on_abort(&self) -> bool {
        let ro = self.rollout(true);
        argo::get_abort_scale_down_delay_seconds_or_default(&ro).is_some()
            && !(self.spec.dynamic_stable_scale && ro.abort_scale_down_delay_seconds.is_none())
    }

    /// Argo's rollout as its replica arithmetic reads it, at the current step.
    fn rollout(&self, abort: bool) -> argo::CanaryRollout<'_> {
        let delay =
            u32::try_from(self.spec.abort_scale_down_delay.as_millis() / 1000).unwrap_or(u32::MAX);
        argo::CanaryRollout {
            current_step_index: u32::try_from(self.step).unwrap_or(u32::MAX),
            traffic_routing: self.spec.traffic_routing,
            dynamic_stable_scale: self.spec.dynamic_stable_scale,
            // The scenario does not say whether the default was written out:
            // the default reads as unset.
            abort_scale_down_delay_seconds: (delay != argo::DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS)
                .then_some(delay),
            abort,
            ..argo::CanaryRollout::new(self.replicas, self.steps())
        }
    }

    /// The two ReplicaSets as the arithmetic reads them.
    fn replica_sets(&self, cx: &Cx<'_>) -> argo::CanaryReplicaSets<'static> {
        let rs = |v: Version| argo::ReplicaSetCounts {
            spec: cx.spec[v.idx()],
            available: cx.of(v).available,
            created: cx.of(v).active,
        };
        argo::CanaryReplicaSets {
            canary: Some(rs(self.canary_version())),
            stable: Some(rs(self.stable_version())),
            stable_is_canary: false,
            older: &[],
        }
    }

    /// The weights the router has now.
    fn weights(&self) -> argo::TrafficWeights {
        argo::TrafficWeights {
            canary: self.routed,
            stable: 100 - self.routed.min(100),
        }
    }

    /// `CalculateReplicaCountsForTrafficRoutedCanary` at the current step.
    fn routed_counts(&self, cx: &Cx<'_>) -> (u32, u32) {
        argo::calculate_replica_counts_for_traffic_routed_canary(
            &self.rollout(self.aborted),
            &self.replica_sets(cx),
            Some(self.weights()),
        )
    }

    /// Without a router: Argo's basic canary arithmetic, one sync's worth
    /// of movement toward the weight under maxSurge / maxUnavailable (or back
    /// to stable on abort).
    fn basic_counts(&self, cx: &Cx<'_>) -> (u32, u32) {
        let steps = [CanaryStep::SetWeight(self.weight)];
        let mut ro = argo::CanaryRollout::new(self.replicas, &steps);
        ro.max_surge = Some(self.spec.max_surge);
        ro.max_unavailable = Some(self.spec.max_unavailable);
        ro.promote_full = self.promoting;
        argo::calculate_replica_counts_for_basic_canary(&ro, &self.replica_sets(cx))
    }

    /// Where a basic canary's pods end up for the current weight.
    fn basic_target(&self) -> (u32, u32) {
        let fence = resolve_fenceposts(
            self.spec.max_surge,
            self.spec.max_unavailable,
            self.replicas,
        );
        let w = if self.promoting { 100 } else { self.weight };
        argo::approximate_weighted_canary_stable_replica_counts(self.replicas, w, 100, fence.surge)
    }

    /// Sets ReplicaSet sizes; moves through the steps as far as it can. An
    /// aborted canary first moves its weight back, then sizes its sets for
    /// it (as Argo reconciles traffic before ReplicaSets); a weight that moved
    /// counts as a change, so the sets are sized again for the new weight.
    pub fn sync(&mut self, cx: &mut Cx<'_>) -> bool {
        let before = *cx.spec;
        let routed = self.routed;
        if self.aborted && !self.spec.traffic_routing {
            // Without a router an abort is a rolling update back to stable.
            let fence = resolve_fenceposts(
                self.spec.max_surge,
                self.spec.max_unavailable,
                self.replicas,
            );
            let mut back = Rolling::new(fence);
            back.target = self.stable_version();
            return back.sync(self.replicas, cx.spec, cx.counts);
        }
        if self.aborted {
            self.rolled_back_when_ready(cx);
        } else {
            self.advance(cx);
        }
        let (canary, stable) = self.desired(cx);
        cx.spec[self.canary_version().idx()] = canary;
        cx.spec[self.stable_version().idx()] = stable;
        before != *cx.spec || (self.aborted && routed != self.routed)
    }

    /// The canary has the pods its step asks for (Argo's
    /// `AtDesiredReplicaCountsForCanary`).
    fn at_desired(&self, cx: &Cx<'_>) -> bool {
        let (n, o) = (cx.of(self.canary_version()), cx.of(self.stable_version()));
        if !self.spec.traffic_routing {
            let (canary, stable) = self.basic_target();
            return n.available >= canary && o.active == stable;
        }
        argo::at_desired_replica_counts_for_canary(
            &self.rollout(false),
            &self.replica_sets(cx),
            Some(self.weights()),
        )
    }

    /// After an abort with a router: the weight goes back (at once, or step
    /// by step under dynamicStableScale; after a promotion, once the old
    /// version is back up), and once the stable set is fully available the
    /// canary's abort scale-down deadline starts.
    fn rolled_back_when_ready(&mut self, cx: &mut Cx<'_>) {
        if !self.spec.traffic_routing {
            return;
        }
        let stable_up = cx.of(self.stable_version()).available >= self.replicas;
        let weight = if self.promoted {
            if stable_up { 0 } else { self.routed }
        } else {
            argo::calculate_desired_weight_on_abort(
                &self.rollout(true),
                &self.replica_sets(cx),
                Some(self.routed),
            )
        };
        if weight != self.routed {
            self.routed = weight;
            if self.spec.dynamic_stable_scale {
                cx.note("set_weight", || format!("canary weight {weight}%"));
            }
        }
        if self.back || self.routed > 0 || !stable_up {
            return;
        }
        self.back = true;
        cx.note("abort", || "all traffic back to stable".into());
        if self.delays_scale_down_on_abort() {
            self.timer_in(self.spec.abort_scale_down_delay, CANARY_DOWN, cx);
        }
    }

    fn steps(&self) -> &[CanaryStep] {
        match &self.spec.plan {
            CanaryPlan::Steps(s) => s,
            CanaryPlan::Flagger(_) => &[],
        }
    }

    fn advance(&mut self, cx: &mut Cx<'_>) {
        loop {
            self.start_background(cx);
            if self.promoting {
                self.finish_promotion(cx);
                return;
            }
            if self.wait != Wait::Nothing {
                return;
            }
            let Some(step) = self.steps().get(self.step).cloned() else {
                self.promoting = true;
                self.weight = 100;
                cx.note("promote", || {
                    "all steps done: canary to full size and all traffic".into()
                });
                continue;
            };
            if !self.run_step(step, cx) {
                return;
            }
            self.step += 1;
        }
    }

    /// Starts step `s`; true if it is already done.
    fn run_step(&mut self, s: CanaryStep, cx: &mut Cx<'_>) -> bool {
        match s {
            CanaryStep::SetWeight(w) => {
                self.weight = w;
                if !self.at_desired(cx) {
                    return false;
                }
                if self.routed != w {
                    self.routed = w;
                    cx.note("set_weight", || format!("canary weight {w}%"));
                }
                true
            }
            CanaryStep::SetCanaryScale(scale) => {
                self.scale = (scale != CanaryScale::MatchTrafficWeight).then_some(scale);
                self.at_desired(cx)
            }
            CanaryStep::SetMirror(p) => {
                self.mirror = p;
                cx.note("mirror", || format!("{p}% of traffic copied to the canary"));
                true
            }
            CanaryStep::Pause(Some(d)) => {
                self.wait = Wait::Timer;
                self.timer_in(d, PAUSE_DONE, cx);
                false
            }
            CanaryStep::Pause(None) => {
                self.wait = Wait::Person;
                cx.out.push(Action::Ask(Ask::Promote));
                false
            }
            CanaryStep::Analysis(a) => {
                self.wait = Wait::Analysis;
                cx.out.push(Action::StartAnalysis(STEP, a));
                false
            }
        }
    }

    fn start_background(&mut self, cx: &mut Cx<'_>) {
        if self.background_started {
            return;
        }
        if let Some(bg) = &self.spec.background_analysis
            && self.step >= bg.starting_step as usize
        {
            self.background_started = true;
            cx.out
                .push(Action::StartAnalysis(BACKGROUND, bg.analysis.clone()));
        }
    }

    /// After the last step: once the canary is fully available it takes all
    /// traffic and becomes the stable set (Argo's `promoteStable`); the old
    /// stable goes at once under dynamicStableScale, else after
    /// `scaleDownDelaySeconds`. A final `setWeight: 100` has already moved
    /// the traffic: the promotion only makes it stable.
    fn finish_promotion(&mut self, cx: &mut Cx<'_>) {
        let (n, o) = (cx.of(self.canary_version()), cx.of(self.stable_version()));
        if !self.spec.traffic_routing {
            if n.available >= self.replicas && o.active == 0 && !self.completed {
                self.routed = 100;
                self.completed = true;
                cx.out.push(Action::StopAnalysis(STEP));
                cx.out.push(Action::StopAnalysis(BACKGROUND));
            }
            return;
        }
        if !self.promoted && n.available >= self.replicas {
            self.promoted = true;
            if self.routed < 100 {
                self.routed = 100;
                cx.note("set_weight", || "canary weight 100%".into());
            }
            self.mirror = 0;
            cx.out.push(Action::StopAnalysis(STEP));
            cx.out.push(Action::StopAnalysis(BACKGROUND));
            if self.spec.dynamic_stable_scale {
                self.stable_down = true;
            } else {
                self.timer_in(self.spec.scale_down_delay, STABLE_DOWN, cx);
            }
        }
        if self.stable_down {
            self.completed = true;
        }
    }

    fn timer_in(&self, after: crate::sim::Duration, tag: u32, cx: &mut Cx<'_>) {
        cx.timer(after, if self.redo { tag + REDO_TAGS } else { tag });
    }

    /// A timer fired.
    pub fn timer(&mut self, tag: u32, cx: &mut Cx<'_>) {
        if (tag >= REDO_TAGS) != self.redo {
            return; // set by the rollout an undo replaced
        }
        match tag % REDO_TAGS {
            PAUSE_DONE if self.wait == Wait::Timer && !self.aborted => {
                self.wait = Wait::Nothing;
                self.step += 1;
                self.advance(cx);
            }
            STABLE_DOWN if !self.aborted => {
                self.stable_down = true;
                self.advance(cx);
            }
            CANARY_DOWN => self.canary_down = true,
            _ => {}
        }
    }

    /// A measurement of an analysis run; false if it changed nothing (Argo
    /// acts only when a run ends).
    pub fn measured(&mut self, slot: u8, state: RunState, cx: &mut Cx<'_>) -> bool {
        if self.aborted || self.promoting {
            return false;
        }
        match state {
            RunState::Running => return false,
            RunState::Successful if slot == STEP && self.wait == Wait::Analysis => {
                self.wait = Wait::Nothing;
                self.step += 1;
                self.advance(cx);
            }
            RunState::Successful => {}
            RunState::Failed => self.analysis_failed(cx),
            RunState::Inconclusive => {
                self.wait = Wait::Person;
                cx.out.push(Action::Ask(Ask::Inconclusive));
            }
        }
        true
    }

    fn analysis_failed(&mut self, cx: &mut Cx<'_>) {
        cx.note("analysis_failed", || {
            "the canary failed its analysis".into()
        });
        cx.out.push(Action::Caught(Check::Analysis));
        if self.redo {
            // The undo's rollout aborts back onto the release, and the
            // person who ran the undo is told.
            self.abort(cx);
            cx.out.push(Action::Ask(Ask::AnalysisFailed));
        } else if self.spec.auto_rollback {
            self.abort(cx);
        } else {
            self.wait = Wait::Person;
            cx.out.push(Action::Ask(Ask::AnalysisFailed));
        }
    }

    /// A person answered.
    pub fn answered(&mut self, ask: Ask, go_on: bool, cx: &mut Cx<'_>) {
        if self.redo && ask == Ask::AnalysisFailed {
            self.promote_full(cx);
            return;
        }
        if self.aborted || self.wait != Wait::Person {
            return;
        }
        match ask {
            Ask::AnalysisFailed => self.abort(cx),
            Ask::Promote | Ask::Inconclusive if go_on => {
                self.wait = Wait::Nothing;
                if ask == Ask::Inconclusive {
                    cx.out.push(Action::StopAnalysis(STEP));
                }
                self.step += 1;
                self.advance(cx);
            }
            _ => self.abort(cx),
        }
    }

    /// The undo's rollout failed an analysis and was aborted back onto the
    /// release; the person who ran the undo retries it and promotes it in
    /// full: the old version to full size, then all traffic.
    fn promote_full(&mut self, cx: &mut Cx<'_>) {
        self.aborted = false;
        self.back = false;
        self.canary_down = false;
        self.wait = Wait::Nothing;
        self.step = self.steps().len();
        self.background_started = true;
        self.advance(cx);
    }

    /// Abort: with a router, all traffic to stable now and the canary down
    /// later; without, a rolling update back. Once promoted, the undo is a
    /// new rollout back to the old version instead.
    pub fn abort(&mut self, cx: &mut Cx<'_>) {
        if !self.redo && (self.promoted || self.completed) {
            self.start_redo(cx);
            return;
        }
        if self.aborted {
            return;
        }
        self.aborted = true;
        self.mirror = 0;
        self.stable_down = false;
        self.completed = false;
        cx.out.push(Action::StopAnalysis(STEP));
        cx.out.push(Action::StopAnalysis(BACKGROUND));
        self.rolled_back_when_ready(cx);
    }

    /// `rollout undo` after promotion: the old template is a new update,
    /// and the old version, with whatever pods its ReplicaSet still has,
    /// is the canary of a rollout through the same steps. The release is
    /// the stable set; the first rollout's pending timers no longer apply.
    fn start_redo(&mut self, cx: &mut Cx<'_>) {
        self.reset();
        self.redo = true;
        cx.note("undo", || {
            "a new update back to the old version: the steps run again".into()
        });
        self.advance(cx);
    }

    /// Where traffic goes: the canary's weight on the canary's version.
    pub fn routing(&self) -> Routing {
        if !self.spec.traffic_routing {
            return Routing::default();
        }
        let canary = if self.aborted && self.back {
            0.0
        } else {
            f64::from(self.routed) / 100.0
        };
        Routing {
            weight: Some(if self.redo { 1.0 - canary } else { canary }),
            mirror: f64::from(self.mirror) / 100.0,
        }
    }

    /// All steps done and the canary the stable set, serving everything
    /// (without a router: every pod updated).
    pub fn healthy(&self) -> bool {
        !self.redo && self.steps_done()
    }

    /// An undo after promotion has run its steps: the old version is the
    /// stable set again, serving everything.
    pub fn undo_healthy(&self) -> bool {
        self.redo && self.steps_done()
    }

    fn steps_done(&self) -> bool {
        !self.aborted && (self.promoted || self.completed)
    }

    /// The rollout's phase: an undo's rollout is the rollback.
    pub fn phase(&self) -> Phase {
        if self.aborted || self.redo {
            Phase::Aborted
        } else if self.completed {
            Phase::Completed
        } else if self.wait != Wait::Nothing {
            Phase::Paused
        } else {
            Phase::Progressing
        }
    }
}

/// Where a router sends traffic once the steps up to and including
/// `steps[i]` have run (e.g. while step `i` pauses or analyses), as the
/// controller sets it step by step: the weight of the last `setWeight`
/// (Argo's `GetCurrentSetWeight`) and the share of the last
/// `setMirrorRoute`. Past the last step the canary is promoted: all the
/// weight, no mirror.
pub fn routing_at_step(steps: &[CanaryStep], i: usize) -> Routing {
    let ro = argo::CanaryRollout {
        current_step_index: u32::try_from(i).unwrap_or(u32::MAX),
        ..argo::CanaryRollout::new(0, steps)
    };
    let mirror = steps.get(..=i).and_then(|done| {
        done.iter().rev().find_map(|s| match s {
            CanaryStep::SetMirror(p) => Some(*p),
            _ => None,
        })
    });
    Routing {
        weight: Some(f64::from(argo::get_current_set_weight(&ro)) / 100.0),
        mirror: f64::from(mirror.unwrap_or(0)) / 100.0,
    }
}
