//! Flagger's canary, as its scheduler runs it (fluxcd/flagger,
//! `pkg/controller/scheduler.go`, `advanceCanary`).
//!
//! Flagger acts only on its ticks, one every analysis `interval` from the
//! tick that saw the new revision (the rollout's start), when it scales the
//! canary Deployment to full size beside the primary. Each later tick, in
//! Flagger's order:
//!
//! - **Promoting**: once the primary's rolling update is done, all traffic
//!   goes to the primary (Finalising); at the next tick the canary is
//!   scaled to 0 and the rollout has succeeded.
//! - The canary not ready: wait, unless its progress deadline has passed —
//!   then Flagger rolls back by itself.
//! - `threshold` failed checks reached: roll back (the count is tested
//!   before this tick's analysis, so the rollback comes at the tick after
//!   the threshold-th failure). A rollback routes all traffic to the
//!   primary and scales the canary to 0 at once.
//! - The first tick with the canary ready runs no analysis: it starts
//!   mirroring (with `mirror`) or sets the first weight.
//! - Otherwise the analysis of the last interval: a failure counts and the
//!   weight holds; a pass moves to the next weight (`stepWeight` steps may
//!   overshoot `maxWeight`, capped at 100) or, at `maxWeight` or above,
//!   promotes: the canary's spec is copied to the primary, whose own
//!   rolling update (under `maxSurge` / `maxUnavailable`) replaces its pods
//!   while traffic stays where it was.
//!
//! The primary's new pods and the canary's are pods of one version here;
//! the canary's are counted as the first `replicas` of them.

use super::rolling::{Rolling, resolve_fenceposts};
use super::{Action, Ask, Check, Cx, Phase, Routing, Specs, complete};
use crate::cluster::{Counts, Version};
use crate::detect::{Measurement, RunState, Verdict};
use crate::scenario::{Canary, Flagger, OnNoData};

/// The analysis slot Flagger's ticks run in.
const TICKS: u8 = 0;

/// Where a Flagger canary stands (Flagger's `status.phase`, with the
/// first tick's wait for the canary apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Progressing, the canary scaling up: no traffic or analysis yet.
    WaitingCanary,
    /// Progressing: checks every tick, the weight stepping up.
    Analysing,
    /// The primary rolls out the canary's spec.
    Promoting,
    /// All traffic on the primary; the canary goes at the next tick.
    Finalising,
    Succeeded,
    Failed,
}

/// The Flagger controller.
#[derive(Clone, Debug)]
pub struct FlaggerCtl {
    spec: Canary,
    flagger: Flagger,
    replicas: u32,
    stage: Stage,
    /// Index of the next weight in `flagger.step_weights`.
    step: usize,
    /// Canary weight (percent) the router has.
    weight: u32,
    /// Traffic is copied to the canary (the mirroring iteration).
    mirrored: bool,
    failed_checks: u32,
    /// The canary's progress deadline passed while it was not ready.
    deadline_exceeded: bool,
    /// The primary's rolling update at promotion.
    primary: Rolling,
    /// During the primary's rolling update: the share of its available
    /// pods that run the release (its traffic splits by endpoints).
    primary_new_share: f64,
    /// A failed analysis waits for a person (`autoRollback: false`).
    waiting_person: bool,
}

impl FlaggerCtl {
    /// A controller for `spec` (whose plan is `flagger`) on `replicas`.
    pub fn new(spec: Canary, flagger: Flagger, replicas: u32) -> Self {
        let fence = resolve_fenceposts(spec.max_surge, spec.max_unavailable, replicas);
        FlaggerCtl {
            spec,
            flagger,
            replicas,
            stage: Stage::WaitingCanary,
            step: 0,
            weight: 0,
            mirrored: false,
            failed_checks: 0,
            deadline_exceeded: false,
            primary: Rolling::new(fence),
            primary_new_share: 0.0,
            waiting_person: false,
        }
    }

    /// Back to the state before a rollout.
    pub fn reset(&mut self) {
        self.stage = Stage::WaitingCanary;
        self.step = 0;
        self.weight = 0;
        self.mirrored = false;
        self.failed_checks = 0;
        self.deadline_exceeded = false;
        self.primary_new_share = 0.0;
        self.waiting_person = false;
    }

    /// The tick that saw the new revision: the canary is scaled to full
    /// size, and the ticks begin.
    pub fn start(&mut self, cx: &mut Cx<'_>) {
        cx.note("flagger", || {
            "canary scaled to full size beside the primary".into()
        });
        let mut a = self.flagger.analysis.clone();
        a.interval = self.flagger.interval;
        a.count = None;
        a.failure_limit = u32::MAX;
        a.inconclusive_limit = u32::MAX;
        // Flagger's ticks go on whatever the checks find.
        a.consecutive_error_limit = u32::MAX;
        cx.out.push(Action::StartAnalysis(TICKS, a));
    }

    /// Sets the Deployments' sizes: canary and primary at full size until
    /// promotion; then the primary's rolling update beside the canary; the
    /// canary at 0 after success or a rollback.
    pub fn sync(&mut self, cx: &mut Cx<'_>) -> bool {
        let before = *cx.spec;
        let r = self.replicas;
        let (new, old) = match self.stage {
            Stage::WaitingCanary | Stage::Analysing => (r, r),
            Stage::Promoting | Stage::Finalising => {
                let (mut specs, counts) = self.primary_view(cx);
                self.primary.sync(r, &mut specs, &counts);
                let (n, o) = (counts[Version::New.idx()], counts[Version::Old.idx()]);
                let up = n.available + o.available;
                self.primary_new_share = if up > 0 {
                    f64::from(n.available) / f64::from(up)
                } else {
                    0.0
                };
                (specs[Version::New.idx()] + r, specs[Version::Old.idx()])
            }
            Stage::Succeeded => (r, 0),
            Stage::Failed => (0, r),
        };
        cx.spec[Version::New.idx()] = new;
        cx.spec[Version::Old.idx()] = old;
        before != *cx.spec
    }

    /// The primary Deployment alone: its sizes and pods, the canary's
    /// `replicas` pods taken out of the release's.
    fn primary_view(&self, cx: &Cx<'_>) -> (Specs, [Counts; 2]) {
        let r = self.replicas;
        let mut specs = *cx.spec;
        specs[Version::New.idx()] = specs[Version::New.idx()].saturating_sub(r);
        let mut counts = *cx.counts;
        let n = &mut counts[Version::New.idx()];
        n.active = n.active.saturating_sub(r);
        n.ready = n.ready.saturating_sub(r);
        n.available = n.available.saturating_sub(r);
        n.endpoints = n.endpoints.saturating_sub(r);
        (specs, counts)
    }

    /// Flagger's `IsPrimaryReady` at promotion: the rolling update is done.
    fn primary_ready(&self, cx: &Cx<'_>) -> bool {
        let (specs, counts) = self.primary_view(cx);
        complete(self.replicas, Version::New, &specs, &counts)
    }

    /// No timers: Flagger acts on its ticks.
    pub fn timer(&mut self, _tag: u32, _cx: &mut Cx<'_>) {}

    /// A tick, with the analysis of the interval before it.
    pub fn measured(&mut self, m: &Measurement, _state: RunState, cx: &mut Cx<'_>) -> bool {
        match self.stage {
            Stage::Succeeded | Stage::Failed => false,
            Stage::Finalising => {
                self.stage = Stage::Succeeded;
                cx.out.push(Action::StopAnalysis(TICKS));
                cx.note("promoted", || {
                    "promotion complete: canary scaled to zero".into()
                });
                true
            }
            Stage::Promoting => {
                if !self.primary_ready(cx) {
                    return false;
                }
                self.stage = Stage::Finalising;
                cx.note("set_weight", || "all traffic to the primary".into());
                true
            }
            Stage::WaitingCanary | Stage::Analysing => self.check(m.verdict, cx),
        }
    }

    /// A tick before promotion.
    fn check(&mut self, verdict: Verdict, cx: &mut Cx<'_>) -> bool {
        if self.waiting_person {
            return false;
        }
        if cx.of(Version::New).available < self.replicas {
            if self.deadline_exceeded {
                cx.note("rollback", || {
                    "progress deadline exceeded: Flagger rolls back".into()
                });
                self.roll_back(cx);
                return true;
            }
            return false;
        }
        if self.failed_checks >= self.flagger.threshold {
            cx.note("analysis_failed", || {
                format!("{} failed checks: threshold reached", self.failed_checks)
            });
            cx.out.push(Action::Caught(Check::Analysis));
            if self.spec.auto_rollback {
                self.roll_back(cx);
            } else {
                self.waiting_person = true;
                cx.out.push(Action::Ask(Ask::AnalysisFailed));
            }
            return true;
        }
        if self.stage == Stage::WaitingCanary {
            // The first tick with the canary ready runs no analysis.
            self.stage = Stage::Analysing;
            self.advance(cx);
            return true;
        }
        // A query without data is judged as `onNoData` says (Flagger: fail).
        let verdict = match (verdict, self.flagger.analysis.on_no_data) {
            (Verdict::Error, OnNoData::Fail) => Verdict::Fail,
            (Verdict::Error, OnNoData::Inconclusive) => Verdict::Inconclusive,
            (Verdict::Error, OnNoData::Pass) => Verdict::Pass,
            (v, _) => v,
        };
        match verdict {
            Verdict::Fail | Verdict::Error => {
                self.failed_checks += 1;
                false
            }
            Verdict::Inconclusive => false,
            Verdict::Pass => {
                self.advance(cx);
                true
            }
        }
    }

    /// `runCanary`: one mirroring iteration first (with `mirror`), then the
    /// next weight while below `maxWeight`, then promotion.
    fn advance(&mut self, cx: &mut Cx<'_>) {
        if let Some(share) = self.flagger.mirror_weight
            && self.weight == 0
            && !self.mirrored
        {
            self.mirrored = true;
            cx.note("mirror", || {
                format!("{share}% of traffic copied to the canary")
            });
            return;
        }
        self.mirrored = false;
        if self.weight < self.flagger.max_weight {
            let w = self
                .flagger
                .step_weights
                .get(self.step)
                .copied()
                .unwrap_or(self.flagger.max_weight);
            self.step += 1;
            self.weight = w;
            cx.note("set_weight", || format!("canary weight {w}%"));
            return;
        }
        self.stage = Stage::Promoting;
        cx.note("promote", || {
            "checks passed at max weight: the canary's spec is copied to the primary".into()
        });
    }

    /// `rollback`: all traffic to the primary, the canary scaled to 0.
    fn roll_back(&mut self, cx: &mut Cx<'_>) {
        self.stage = Stage::Failed;
        self.mirrored = false;
        self.waiting_person = false;
        cx.out.push(Action::StopAnalysis(TICKS));
    }

    /// The driver's progress deadline passed. Before the canary is ready it
    /// is the canary Deployment's deadline, which Flagger acts on itself at
    /// its next tick (true); otherwise the team hears of it (false).
    pub fn deadline_exceeded(&mut self) -> bool {
        if self.stage != Stage::WaitingCanary {
            return false;
        }
        self.deadline_exceeded = true;
        true
    }

    /// A person answered: only a failed analysis asks one (`autoRollback:
    /// false`), and Flagger has no way on but back.
    pub fn answered(&mut self, ask: Ask, _go_on: bool, cx: &mut Cx<'_>) {
        if ask == Ask::AnalysisFailed && self.waiting_person {
            self.roll_back(cx);
        }
    }

    /// A person rolls back: as Flagger's rollback, at once.
    pub fn abort(&mut self, cx: &mut Cx<'_>) {
        if self.stage != Stage::Failed {
            self.roll_back(cx);
        }
    }

    /// Where traffic goes: the canary's weight (or mirror) on the release;
    /// while the primary rolls, the primary's share splits over its old and
    /// new pods.
    pub fn routing(&self) -> Routing {
        let w = f64::from(self.weight) / 100.0;
        let weight = match self.stage {
            Stage::WaitingCanary | Stage::Failed => 0.0,
            Stage::Analysing => w,
            Stage::Promoting => w + (1.0 - w) * self.primary_new_share,
            Stage::Finalising | Stage::Succeeded => 1.0,
        };
        let mirror = match self.flagger.mirror_weight {
            Some(m) if self.mirrored && self.stage == Stage::Analysing => f64::from(m) / 100.0,
            _ => 0.0,
        };
        Routing {
            weight: Some(weight),
            mirror,
        }
    }

    /// The primary runs the release and serves everything (the canary's
    /// scale-down at the next tick comes after).
    pub fn healthy(&self) -> bool {
        matches!(self.stage, Stage::Finalising | Stage::Succeeded)
    }

    /// The rollout's phase: the progress deadline runs while a Deployment
    /// rolls (the canary scaling up, the primary at promotion).
    pub fn phase(&self) -> Phase {
        match self.stage {
            Stage::WaitingCanary | Stage::Promoting => Phase::Progressing,
            Stage::Analysing | Stage::Finalising => Phase::Paused,
            Stage::Succeeded => Phase::Completed,
            Stage::Failed => Phase::Aborted,
        }
    }
}
