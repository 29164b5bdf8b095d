//! Argo Rollouts' blue-green strategy.
//!
//! The release (green) comes up as a preview stack beside the running old
//! version (blue), which keeps all traffic. Once the preview is available,
//! pre-promotion smoke tests may run against it; then it is promoted —
//! automatically (after `autoPromotionSeconds`, if set) or by a person. The
//! preview is scaled to full size, the active Service switches to it (after
//! an endpoint-propagation delay), post-promotion analysis may run, and blue
//! is scaled down after `scaleDownDelaySeconds`. An abort switches back to
//! blue at once while blue is still up. Once blue is gone (the rollout is
//! complete) an undo is a new update back to the old template, as `kubectl
//! argo rollouts undo` makes it: blue comes up from cold as the preview,
//! passes the pre-promotion tests, waits for its promotion (the
//! auto-promotion delay, or a person), grows to full size and takes the
//! traffic; green goes after `scaleDownDelaySeconds`.

use super::{Action, Ask, Check, Cx, Phase, Routing};
use crate::cluster::Version;
use crate::detect::RunState;
use crate::scenario::BlueGreen;
use crate::scenario::{StrategyKey, StrategyKeys};

/// The scenario keys a BlueGreen entry takes beyond those of every entry:
/// the preview, its promotion and analyses, the switch, how long each stack
/// is kept. Beside `fromManifest`, what a Rollout cannot say: what the
/// pre-promotion tests catch and how long the switch takes.
pub const KEYS: StrategyKeys = StrategyKeys::new(&[
    StrategyKey::PreviewReplicaCount,
    StrategyKey::AutoPromotionEnabled,
    StrategyKey::AutoPromotionSeconds,
    StrategyKey::PrePromotionAnalysis,
    StrategyKey::PostPromotionAnalysis,
    StrategyKey::SwitchDelay,
    StrategyKey::ScaleDownDelaySeconds,
    StrategyKey::AbortScaleDownDelaySeconds,
])
.beside_manifest(&[StrategyKey::PrePromotionAnalysis, StrategyKey::SwitchDelay])
.refusing(&[
    (StrategyKey::MaxSurge, NO_SURGE),
    (StrategyKey::MaxUnavailable, NO_SURGE),
]);

/// Why a BlueGreen entry takes neither `maxSurge` nor `maxUnavailable`.
const NO_SURGE: &str = "its preview is a second full set of pods: there is no surge to set";

const SMOKE_DONE: u32 = 1;
const AUTO_PROMOTE: u32 = 2;
const SWITCHED: u32 = 3;
const BLUE_DOWN: u32 = 4;
const SWITCHED_BACK: u32 = 5;
const GREEN_DOWN: u32 = 6;
const REDO_SMOKE_DONE: u32 = 7;
const REDO_PROMOTE: u32 = 8;

/// Slot of the post-promotion analysis run.
const POST: u8 = 0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// The preview stack is coming up.
    Preview,
    /// Smoke tests run against the preview.
    SmokeTest,
    /// Waiting for auto-promotion or a person.
    AwaitPromotion,
    /// The preview grows to full size before the switch.
    ScaleUp,
    /// The active Service's selector changed; endpoints propagate.
    Switching,
    /// Green is active; post-promotion analysis runs.
    PostAnalysis,
    /// Promoted; blue goes after its scale-down delay.
    Promoted,
    /// Aborted: blue is (re)started if needed, then traffic switches back.
    Aborting,
}

/// An undo after blue was gone runs blue through a rollout of its own:
/// where that rollout stands (`None`: an abort, or the redo at its switch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Redo {
    /// Blue's preview is coming up.
    Preview,
    /// Pre-promotion tests run against it (blue passes them).
    SmokeTest,
    /// Waiting for auto-promotion or a person.
    AwaitPromotion,
}

/// The blue-green controller.
#[derive(Clone, Debug)]
pub struct BlueGreenCtl {
    spec: BlueGreen,
    stage: Stage,
    /// The active Service selects green.
    green_active: bool,
    blue_down: bool,
    green_down: bool,
    /// Aborting: the switch back has been started.
    switching_back: bool,
    /// Aborting after blue was gone: the redo's stage before its switch.
    redo: Option<Redo>,
    /// The switch back ends a redo: green goes after scaleDownDelaySeconds.
    redone: bool,
}

impl BlueGreenCtl {
    /// A controller for `spec`.
    pub fn new(spec: BlueGreen) -> Self {
        let mut c = BlueGreenCtl {
            spec,
            stage: Stage::Preview,
            green_active: false,
            blue_down: false,
            green_down: false,
            switching_back: false,
            redo: None,
            redone: false,
        };
        c.reset();
        c
    }

    /// Back to the state before a rollout.
    pub fn reset(&mut self) {
        self.stage = Stage::Preview;
        self.green_active = false;
        self.blue_down = false;
        self.green_down = false;
        self.switching_back = false;
        self.redo = None;
        self.redone = false;
    }

    /// The preview stack is created.
    pub fn start(&mut self, cx: &mut Cx<'_>) {
        let size = self.preview_size(cx.replicas);
        cx.note("preview", || format!("green preview of {size} pods"));
    }

    fn preview_size(&self, replicas: u32) -> u32 {
        self.spec
            .preview_replica_count
            .unwrap_or(replicas)
            .min(replicas)
    }

    /// Sets ReplicaSet sizes for the stage; moves on when pods are ready.
    pub fn sync(&mut self, cx: &mut Cx<'_>) -> bool {
        let r = cx.replicas;
        let green = match self.stage {
            _ if self.green_down => 0,
            Stage::Preview | Stage::SmokeTest | Stage::AwaitPromotion => self.preview_size(r),
            _ => r,
        };
        let blue = match (self.stage, self.redo) {
            (Stage::Aborting, Some(_)) => self.preview_size(r),
            (Stage::Aborting, None) => r,
            _ if self.blue_down => 0,
            _ => r,
        };
        let changed = cx.spec[Version::New.idx()] != green || cx.spec[Version::Old.idx()] != blue;
        cx.spec[Version::New.idx()] = green;
        cx.spec[Version::Old.idx()] = blue;
        self.advance(cx);
        changed
    }

    fn advance(&mut self, cx: &mut Cx<'_>) {
        let r = cx.replicas;
        let green_ready = cx.of(Version::New).available;
        match self.stage {
            Stage::Preview if green_ready >= self.preview_size(r) => self.preview_ready(cx),
            Stage::ScaleUp if green_ready >= r => {
                self.stage = Stage::Switching;
                cx.note("switch", || "active Service selects green".into());
                cx.timer(self.spec.switch_delay, SWITCHED);
            }
            Stage::Aborting
                if self.redo == Some(Redo::Preview)
                    && cx.of(Version::Old).available >= self.preview_size(r) =>
            {
                self.redo_preview_ready(cx);
            }
            Stage::Aborting
                if self.redo.is_none()
                    && !self.switching_back
                    && cx.of(Version::Old).available >= r =>
            {
                self.switching_back = true;
                cx.note("switch_back", || "active Service selects blue".into());
                cx.timer(self.spec.switch_delay, SWITCHED_BACK);
            }
            _ => {}
        }
    }

    /// The redo's preview (blue) is available: its tests, then its
    /// promotion, as for any preview. Blue is the version that ran before:
    /// its tests pass.
    fn redo_preview_ready(&mut self, cx: &mut Cx<'_>) {
        if self.smoke_test("blue's preview", REDO_SMOKE_DONE, cx) {
            self.redo = Some(Redo::SmokeTest);
        } else {
            self.redo_await_promotion(cx);
        }
    }

    fn redo_await_promotion(&mut self, cx: &mut Cx<'_>) {
        self.redo = Some(Redo::AwaitPromotion);
        if self.promotion_gate(REDO_PROMOTE, cx) {
            self.redo_promote(cx);
        }
    }

    /// Starts the pre-promotion tests against `preview`, done at timer
    /// `tag`; false when there are none.
    fn smoke_test(&self, preview: &'static str, tag: u32, cx: &mut Cx<'_>) -> bool {
        let Some(smoke) = &self.spec.pre_promotion_analysis else {
            return false;
        };
        cx.note("smoke_test", || {
            format!("pre-promotion tests against {preview}")
        });
        cx.timer(smoke.duration, tag);
        true
    }

    /// The promotion gate: a person is asked, or the auto-promotion delay
    /// runs (to timer `tag`); true when the preview is promoted at once.
    fn promotion_gate(&self, tag: u32, cx: &mut Cx<'_>) -> bool {
        if !self.spec.auto_promotion_enabled {
            cx.out.push(Action::Ask(Ask::Promote));
            return false;
        }
        match self.spec.auto_promotion_seconds {
            Some(d) => {
                cx.timer(d, tag);
                false
            }
            None => true,
        }
    }

    /// Blue is promoted: it grows to full size, then takes the traffic.
    fn redo_promote(&mut self, cx: &mut Cx<'_>) {
        if self.redo != Some(Redo::AwaitPromotion) {
            return;
        }
        self.redo = None;
        cx.note("promote", || {
            "blue scales to full size, then takes traffic".into()
        });
        self.advance(cx);
    }

    fn preview_ready(&mut self, cx: &mut Cx<'_>) {
        if self.smoke_test("the preview", SMOKE_DONE, cx) {
            self.stage = Stage::SmokeTest;
        } else {
            self.await_promotion(cx);
        }
    }

    fn await_promotion(&mut self, cx: &mut Cx<'_>) {
        self.stage = Stage::AwaitPromotion;
        if self.promotion_gate(AUTO_PROMOTE, cx) {
            self.promote(cx);
        }
    }

    fn promote(&mut self, cx: &mut Cx<'_>) {
        if self.stage != Stage::AwaitPromotion {
            return;
        }
        self.stage = Stage::ScaleUp;
        cx.note("promote", || {
            "green scales to full size, then takes traffic".into()
        });
        self.advance(cx);
    }

    /// A timer fired.
    pub fn timer(&mut self, tag: u32, cx: &mut Cx<'_>) {
        match tag {
            SMOKE_DONE if self.stage == Stage::SmokeTest => self.smoke_done(cx),
            AUTO_PROMOTE => self.promote(cx),
            SWITCHED if self.stage == Stage::Switching => self.switched(cx),
            BLUE_DOWN if self.stage != Stage::Aborting => self.blue_down = true,
            SWITCHED_BACK => {
                self.green_active = false;
                if self.redone {
                    cx.timer(self.spec.scale_down_delay, GREEN_DOWN);
                } else {
                    self.green_down_later(cx);
                }
            }
            GREEN_DOWN => self.green_down = true,
            REDO_SMOKE_DONE if self.redo == Some(Redo::SmokeTest) => self.redo_await_promotion(cx),
            REDO_PROMOTE => self.redo_promote(cx),
            _ => {}
        }
    }

    fn smoke_done(&mut self, cx: &mut Cx<'_>) {
        let caught = cx.bad
            && (cx.crash_on_start
                || cx.smoke_draw()
                    < self
                        .spec
                        .pre_promotion_analysis
                        .as_ref()
                        .map_or(0.0, |s| s.catch_rate));
        if caught {
            cx.note("smoke_test_failed", || "the preview fails its tests".into());
            cx.out.push(Action::Caught(Check::SmokeTest));
            self.abort(cx);
        } else {
            self.await_promotion(cx);
        }
    }

    /// Green is active. Without post-promotion analysis it is the stable
    /// set now, and blue's scale-down delay starts; with it, blue stays the
    /// stable set at full size until the analysis succeeds (Argo's
    /// `shouldFullPromote` waits for it), so a failed analysis switches back
    /// to a warm blue.
    fn switched(&mut self, cx: &mut Cx<'_>) {
        self.green_active = true;
        match &self.spec.post_promotion_analysis {
            Some(a) => {
                self.stage = Stage::PostAnalysis;
                cx.out.push(Action::StartAnalysis(POST, a.clone()));
            }
            None => self.promoted(cx),
        }
    }

    /// Green becomes the stable set; blue goes after its scale-down delay.
    fn promoted(&mut self, cx: &mut Cx<'_>) {
        self.stage = Stage::Promoted;
        cx.timer(self.spec.scale_down_delay, BLUE_DOWN);
    }

    /// The preview is scaled down after abortScaleDownDelaySeconds; 0 keeps
    /// it (Argo's `GetAbortScaleDownDelaySecondsOrDefault` is then nil: the
    /// controller never scales it down).
    fn green_down_later(&self, cx: &mut Cx<'_>) {
        if self.spec.abort_scale_down_delay != crate::sim::Duration::ZERO {
            cx.timer(self.spec.abort_scale_down_delay, GREEN_DOWN);
        }
    }

    /// A post-promotion measurement; false if it changed nothing.
    pub fn measured(&mut self, slot: u8, state: RunState, cx: &mut Cx<'_>) -> bool {
        if slot != POST || self.stage != Stage::PostAnalysis {
            return false;
        }
        match state {
            RunState::Running => return false,
            RunState::Successful => {
                cx.out.push(Action::StopAnalysis(POST));
                self.promoted(cx);
            }
            RunState::Failed => {
                cx.note("analysis_failed", || {
                    "post-promotion analysis failed".into()
                });
                cx.out.push(Action::Caught(Check::Analysis));
                self.abort(cx);
            }
            RunState::Inconclusive => cx.out.push(Action::Ask(Ask::Inconclusive)),
        }
        true
    }

    /// A person answered.
    pub fn answered(&mut self, ask: Ask, go_on: bool, cx: &mut Cx<'_>) {
        match ask {
            Ask::Promote if self.stage == Stage::Aborting => self.redo_promote(cx),
            Ask::Promote => self.promote(cx),
            Ask::Inconclusive | Ask::AnalysisFailed if self.stage == Stage::PostAnalysis => {
                if go_on {
                    cx.out.push(Action::StopAnalysis(POST));
                    self.promoted(cx);
                } else {
                    self.abort(cx);
                }
            }
            _ => {}
        }
    }

    /// Switch back to blue: at once if blue is still up, else after blue
    /// has started again from cold. A preview that never took traffic is
    /// simply scaled down.
    pub fn abort(&mut self, cx: &mut Cx<'_>) {
        if self.stage == Stage::Aborting {
            return;
        }
        cx.out.push(Action::StopAnalysis(POST));
        if self.stage == Stage::Promoted && self.blue_down {
            // Complete: the undo is a new update back to blue's template.
            self.stage = Stage::Aborting;
            self.blue_down = false;
            self.redo = Some(Redo::Preview);
            self.redone = true;
            let size = self.preview_size(cx.replicas);
            cx.note("preview", || format!("blue preview of {size} pods"));
            return;
        }
        self.stage = Stage::Aborting;
        self.blue_down = false;
        if !self.green_active {
            self.switching_back = true;
            self.green_down_later(cx);
            return;
        }
        self.advance(cx);
    }

    /// Where traffic goes: all to the active stack.
    pub fn routing(&self) -> Routing {
        Routing {
            weight: Some(if self.green_active { 1.0 } else { 0.0 }),
            mirror: 0.0,
        }
    }

    /// Promoted: green serves everything and its post-promotion analysis
    /// (if any) has succeeded.
    pub fn healthy(&self) -> bool {
        self.stage == Stage::Promoted
    }

    /// An undo after blue was gone has switched back: blue is active again.
    pub fn undo_healthy(&self) -> bool {
        self.redone && !self.green_active
    }

    /// The rollout's phase.
    pub fn phase(&self) -> Phase {
        match self.stage {
            Stage::Aborting => Phase::Aborted,
            Stage::Promoted if self.blue_down => Phase::Completed,
            Stage::SmokeTest | Stage::AwaitPromotion | Stage::PostAnalysis | Stage::Promoted => {
                Phase::Paused
            }
            Stage::Preview | Stage::ScaleUp | Stage::Switching => Phase::Progressing,
        }
    }
}
