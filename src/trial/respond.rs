//! What follows an event: the controller's requests carried out, detection
//! and the people who respond, analysis measurements, milestones, the trace,
//! and the trial's measurements at the end.

use super::metrics::{Outcome, TrialResult};
use super::world::{Ev, Signal, Slot, World};
use crate::cluster::{self, PodId, Version};
use crate::detect::{AnalysisRun, Measurement, RunState, Verdict, Window, analysis};
use crate::scenario::{SchemaApply, SchemaKind};
use crate::sim::{Context, Duration, SimTime};
use crate::strategy::{Action, Ask, Check, Phase};

impl World<'_> {
    /// The trial's side delays (drawn on first use).
    fn delays(&mut self) -> crate::trial::SideDelays {
        let sc = self.sc;
        self.streams().delays(sc)
    }

    /// Carries out what the controller asked for.
    pub(super) fn carry_out(&mut self, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        // Two buffers swapped back and forth keep their allocations.
        let mut batch = std::mem::take(&mut self.spare_actions);
        while !self.actions.is_empty() {
            std::mem::swap(&mut batch, &mut self.actions);
            for a in batch.drain(..) {
                self.act(a, now, ctx);
            }
        }
        self.spare_actions = batch;
    }

    fn act(&mut self, a: Action, now: SimTime, ctx: &mut Context<'_, Ev>) {
        match a {
            Action::Timer(after, tag) => ctx.schedule_in(after, Ev::Timer(tag)),
            Action::StartAnalysis(slot, analysis) => {
                self.account(now);
                self.slot_gen += 1;
                let interval = analysis.interval;
                self.slots[slot as usize] = Some(Slot {
                    run: AnalysisRun::new(analysis),
                    generation: self.slot_gen,
                });
                // The first measurement is taken as the run starts.
                ctx.schedule_in(Duration::ZERO, Ev::Measure(slot, self.slot_gen));
                self.note("analysis_start", || format!("measuring every {interval}"));
            }
            Action::StopAnalysis(slot) => self.slots[slot as usize] = None,
            Action::Ask(ask) => self.page(ask, ctx),
            Action::Caught(check) => {
                if self.detected.is_none() {
                    self.detected = Some((now, Signal::Check(check)));
                }
            }
            Action::Note(event, detail) => self.note(event, || detail),
        }
    }

    /// A person is asked: they answer after acknowledging and deciding.
    fn page(&mut self, ask: Ask, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        self.send_person(Ev::Answer(ask, now), ctx);
    }

    /// Someone is on their way: `ev` happens once they have acknowledged
    /// and decided. Returns how long that takes.
    fn send_person(&mut self, ev: Ev, ctx: &mut Context<'_, Ev>) -> Duration {
        let delay = self.human_delay();
        self.people_pending += 1;
        ctx.schedule_in(delay, ev);
        delay
    }

    fn human_delay(&mut self) -> Duration {
        let h = &self.sc.observability.human_response;
        let rng = self.streams.human();
        Duration::from_millis_f64(h.ack.sample(rng) + h.decide.sample(rng))
    }

    /// A person answers a controller: a gate is promoted; an inconclusive
    /// analysis resumes if the canary looks healthy to them (errors and p99
    /// within the thresholds), else is aborted — the analysis that asked
    /// them (at `asked`) detected the release; a failed one is aborted.
    pub(super) fn on_answer(&mut self, now: SimTime, ask: Ask, asked: SimTime) {
        let a = &self.sc.observability.analysis;
        let p99 = self.sc.service.latency.quantile(0.99) + self.analysed_added_ms();
        let healthy = self.canary_ratio_now() <= a.error_rate_threshold
            && p99 <= a.latency_p99_threshold.as_millis() as f64;
        let go_on = match ask {
            Ask::Promote => true,
            Ask::Inconclusive => healthy,
            Ask::AnalysisFailed => false,
        };
        if ask == Ask::Inconclusive && !go_on && self.detected.is_none() {
            self.detected = Some((asked, Signal::Check(Check::Analysis)));
        }
        self.with_controller(now, |c, cx| c.answered(ask, go_on, cx));
    }

    /// One measurement of the run in `slot`: the traffic of the last
    /// interval (the query's range), with noise, judged; the controller
    /// hears the verdict.
    pub(super) fn on_measure(
        &mut self,
        now: SimTime,
        slot: u8,
        generation: u32,
        ctx: &mut Context<'_, Ev>,
    ) -> bool {
        let Some(s) = self.slots[slot as usize].as_ref() else {
            return false;
        };
        if s.generation != generation {
            return false;
        }
        self.account(now);
        let s = self.slots[slot as usize].as_ref().expect("checked above");
        let a = s.run.analysis.clone();
        let since = now.0.saturating_sub(a.interval.0);
        let w = self.window(&self.tally_at(SimTime(since)));
        let latency = &self.sc.service.latency;
        let m = if self.sc.observability.metrics {
            let rng = self.streams.analysis();
            analysis::measure(&a, &w, latency, self.p99, rng)
        } else {
            // No metrics: the analysis is blind and never objects.
            Measurement {
                requests: 0,
                errors: 0,
                p99_ms: 0.0,
                verdict: Verdict::Pass,
            }
        };
        let s = self.slots[slot as usize].as_mut().expect("checked above");
        let state = s.run.record(m.verdict);
        if state == RunState::Running {
            ctx.schedule_in(a.interval, Ev::Measure(slot, generation));
        } else {
            self.slots[slot as usize] = None;
        }
        if self.trace.is_some() {
            let d = format!(
                "{} requests, {} errors, p99 {:.0}ms: {:?}",
                m.requests, m.errors, m.p99_ms, m.verdict
            );
            self.note("measurement", || d);
        }
        self.measure_heeded = self.with_controller(now, |c, cx| c.measured(slot, &m, state, cx));
        true
    }

    /// The true traffic since `since`: the canary is the version under
    /// analysis, with the copies mirrored to it.
    fn window(&self, since: &super::world::Tally) -> Window {
        let t = &self.tally;
        let (c, s) = (
            self.route.mirror_to.idx(),
            self.route.mirror_to.other().idx(),
        );
        let canary = t.requests[c] - since.requests[c] + t.mirrored - since.mirrored;
        let canary_err = t.errors[c] - since.errors[c] + t.mirrored_errors - since.mirrored_errors;
        let stable = t.requests[s] - since.requests[s];
        let stable_err = t.errors[s] - since.errors[s];
        let share = |e: f64, n: f64| {
            if n > 0.0 {
                (e / n).clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        Window {
            canary_requests: canary,
            canary_fail_share: share(canary_err, canary),
            canary_added_ms: self.analysed_added_ms(),
            stable_requests: stable,
            stable_fail_share: share(stable_err, stable),
        }
    }

    /// Latency the release's defect adds to the version under analysis.
    fn analysed_added_ms(&self) -> f64 {
        match (self.route.mirror_to, &self.release.defect) {
            (Version::New, Some(d)) => d.added_ms,
            _ => 0.0,
        }
    }

    /// Bookkeeping after an event changed the world.
    pub(super) fn after_change(&mut self, ctx: &mut Context<'_, Ev>, route_may_change: bool) {
        let now = ctx.now();
        if route_may_change {
            let route = self.current_route();
            if route != self.route {
                self.account(now); // the old route served until now
                self.route = route;
                self.on_route_change(now, ctx);
            }
        }
        self.cluster.note_peak();
        let mut phase = self
            .controller
            .phase(self.replicas, &self.spec, self.cluster.all_counts());
        if phase == Phase::Progressing && self.complete_at.is_some() {
            // Kubernetes keeps NewReplicaSetAvailable once a rollout has
            // completed: pods failing later do not reopen the progress deadline.
            phase = Phase::Completed;
        }
        if phase == Phase::Aborted && self.undo_at.is_none() {
            self.undo_at = Some(now); // a controller aborted by itself
            if self.db.blocks_old() {
                self.rollback_made_it_worse(ctx);
            }
        }
        let resumed = phase == Phase::Progressing && self.phase != Phase::Progressing;
        self.phase = phase;
        self.check_progress(now, resumed, ctx);
        self.check_milestones(now, ctx);
    }

    fn on_route_change(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        let r = self.route;
        if self.troubled() {
            let share = if self.release.is_bad() {
                r.shares()[1]
            } else {
                0.0
            };
            self.peak_bad = self.peak_bad.max(share);
            if share >= 1.0 && self.detected.is_none() {
                self.full_bad_before_detect = true;
            }
            if self.visible_share(&r) > 0.0 && self.visible_at.is_none() {
                self.visible_at = Some(now);
                self.note("defect_visible", || "users start to meet the defect".into());
            }
            self.schedule_report(now, ctx);
        }
        if self.alert_enabled && self.detected.is_none() {
            self.alert_changed = true;
            let next = self.next_evaluation(now);
            if self.alert_next.is_none_or(|t| t > next) {
                self.schedule_alert_check(next, ctx);
            }
        }
    }

    /// Users report a defect once they have met it for `userReports.delay`
    /// of full exposure: a 5% canary takes twenty times as long to be
    /// reported as the whole service serving the release.
    pub(super) fn schedule_report(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        self.report_gen += 1;
        let rate = self.report_rate_now(now);
        if rate <= 0.0 || self.detected.is_some() {
            return;
        }
        let needed = self.report_needed_s(now);
        let at = now + Duration::from_millis_f64((needed * 1000.0 / rate).max(1.0));
        ctx.schedule_at(at, Ev::UserReport(self.report_gen));
    }

    /// Full-exposure seconds still missing before users report.
    pub(super) fn report_needed_s(&mut self, now: SimTime) -> f64 {
        self.account(now);
        let sc = self.sc;
        (self.streams().report_delay_ms(sc) as f64 / 1000.0 - self.report_exposure_s).max(0.0)
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

    pub(super) fn on_alert_check(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) -> bool {
        if self.detected.is_some() {
            return false;
        }
        self.account(now);
        let firing = self.alert.firing(now);
        if self.alert_resolving {
            if firing {
                let next = now + self.sc.observability.alerting.evaluation_interval;
                self.schedule_alert_check(next, ctx);
                return false;
            }
            self.alert_resolving = false;
        }
        if firing {
            self.note("alert_fired", || {
                "burn rate above threshold on both windows".into()
            });
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
    pub(super) fn status(&self) -> [u32; 4] {
        let [o, n] = self.cluster.all_counts();
        [
            n.active,
            o.active,
            o.ready + n.ready,
            o.available + n.available,
        ]
    }

    /// `DeploymentProgressing`: more updated, fewer old, more ready or more
    /// available pods than at the last sync resets the progress deadline;
    /// so does resuming after a pause. It runs only while progressing.
    fn check_progress(&mut self, now: SimTime, resumed: bool, ctx: &mut Context<'_, Ev>) {
        let s = self.status();
        let l = self.last_status;
        self.last_status = s;
        if self.phase != Phase::Progressing {
            self.deadline_at = None;
            return;
        }
        let progressed = resumed
            || now == SimTime::ZERO
            || s[0] > l[0]
            || s[1] < l[1]
            || s[2] > l[2]
            || s[3] > l[3];
        if progressed || self.deadline_at.is_none() {
            // One pending check at a time: it moves itself to the latest deadline.
            let first = self.deadline_at.is_none();
            self.deadline_at = Some(now + self.strategy.progress_deadline);
            if first {
                self.deadline_gen += 1;
                ctx.schedule_in(
                    self.strategy.progress_deadline,
                    Ev::Deadline(self.deadline_gen),
                );
            }
        }
    }

    pub(super) fn on_deadline(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) -> bool {
        if self.phase != Phase::Progressing {
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
        if self.controller.deadline_exceeded() {
            // The controller rolls back by itself (Flagger): nobody is paged.
            self.note("progress_deadline_exceeded", || {
                "no progress: the controller rolls back".into()
            });
            if self.detected.is_none() && self.undo_at.is_none() {
                self.detected = Some((now, Signal::ProgressDeadline));
            }
            return true;
        }
        self.note("progress_deadline_exceeded", || {
            "no progress: the team is paged".into()
        });
        self.detect(now, Signal::ProgressDeadline, ctx);
        true
    }

    fn check_milestones(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        let [o, n] = *self.cluster.all_counts();
        if self.healthy_at.is_none()
            && self.undo_at.is_none()
            && self
                .controller
                .healthy(self.replicas, &self.spec, self.cluster.all_counts())
        {
            self.healthy_at = Some(now);
            self.note("healthy", || {
                "all traffic on the release, fully available".into()
            });
        }
        if self.phase == Phase::Completed && self.complete_at.is_none() {
            self.complete_at = Some(now);
            self.after_complete(ctx);
            self.note("rollout_complete", || {
                "every new pod available, no old pod left".into()
            });
            ctx.schedule_in(self.sc.monte_carlo.horizon, Ev::Horizon);
        }
        let mirrored_new = self.route.mirror > 0.0 && self.route.mirror_to == Version::New;
        let no_new_traffic = self.route.shares()[1] == 0.0 && !mirrored_new;
        if self.undo_at.is_some()
            && self.recovered_at.is_none()
            && no_new_traffic
            && o.ready >= self.replicas
            && !self.db.blocks_old()
        {
            self.recovered_at = Some(now);
            self.note("recovered", || {
                "no traffic on the release, full capacity on the old version".into()
            });
            // A controller may keep the release's pods after an abort (an
            // abort scale-down delay of 0): they are paid for until the
            // horizon, unless the trial settles first.
            ctx.schedule_in(self.sc.monte_carlo.horizon, Ev::Horizon);
        }
        let rolled_back =
            (n.active == 0 || self.controller.undo_healthy()) && o.available >= self.replicas;
        if self.phase == Phase::Aborted && rolled_back && self.settled_at.is_none() {
            self.settled_at = Some(now);
            self.note("rollback_complete", || {
                "the old version is back at full size".into()
            });
        }
    }

    /// A signal reached the team: page → acknowledge → decide.
    pub(super) fn detect(&mut self, now: SimTime, signal: Signal, ctx: &mut Context<'_, Ev>) {
        if self.detected.is_some() || self.undo_at.is_some() {
            return;
        }
        self.detected = Some((now, signal));
        let delay = self.send_person(Ev::Decide, ctx);
        let how = match signal {
            Signal::Alert => "burn-rate alert",
            Signal::CrashLoop => "crash-loop alert",
            Signal::UserReport => "user report",
            Signal::ProgressDeadline => "progress deadline",
            Signal::Check(_) => "a rollout check",
        };
        self.note("detected", || {
            format!("by {how}; human responds in {:.0}s", delay.as_secs_f64())
        });
    }

    /// A controller rolled back by itself onto old code that fails on the
    /// new schema: every request now fails. The abort notifies the team and
    /// the outage pages them; whoever of the on-call arrives first (one
    /// already on the way, or this page) must fix the database, as their
    /// own undo would (see [`World::decide`]).
    fn rollback_made_it_worse(&mut self, ctx: &mut Context<'_, Ev>) {
        self.note("rollback_broke_old", || {
            "the old code fails on the new schema: the team is paged".into()
        });
        self.send_person(Ev::Decide, ctx);
    }

    /// The human has looked. A first page whose cause is gone is stood
    /// down: the error ratio is under the alert's threshold — while the
    /// rollout is under way, now (its own transient, e.g. a Recreate's
    /// downtime, may be what paged); once it is Healthy, over the last
    /// minutes since then (the alert's short window at most), so
    /// failures that come and go are seen. The alert must resolve before it
    /// pages again, and a release that pages a second time, like anything
    /// else, is rolled back.
    pub(super) fn decide(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        if self.undo_at.is_some() {
            if self.db.blocks_old() && !self.db.migrating {
                // The controller's rollback left the old code failing on
                // the new schema: the database must go back too.
                self.revert_schema(ctx);
                return;
            }
            // A controller rolled back while they were on their way: the
            // page stands as the detection, and there is nothing to undo.
            self.note("already_rolled_back", || {
                "the rollout was already rolled back".into()
            });
            return;
        }
        let alert = matches!(self.detected, Some((_, Signal::Alert)));
        self.account(now);
        let done = self.healthy_at.or(self.complete_at);
        let recent = match done.map(|c| self.alert.recent_ratio(now, c)) {
            Some(r) if !r.is_nan() => r,
            _ => self.ratio_now(now),
        };
        if alert && !self.stood_down && recent <= self.alert.threshold() {
            // The alert keeps firing on the burst it paged for; once it
            // resolves it can page again.
            self.detected = None;
            self.alert_resolving = true;
            self.stood_down = true;
            self.note("stand_down", || {
                "errors are back to normal: no rollback".into()
            });
            let next = self.next_evaluation(now);
            self.schedule_alert_check(next, ctx);
            // Nobody is looking any more: a defect still in traffic goes on
            // to be reported by its users, and if it already served all
            // traffic, it did so before anyone noticed.
            if self.troubled() {
                self.full_bad_before_detect |= self.peak_bad >= 1.0;
                self.schedule_report(now, ctx);
            }
            return;
        }
        self.undo(now, ctx);
    }

    /// The rollout begins — after the migration, if it runs first (a
    /// breaking or additive change applied beforeRollout, or the expand step
    /// of expand/contract).
    pub(super) fn on_start(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        let first = self.sc.schema_change.as_ref().is_some_and(|c| {
            c.apply == SchemaApply::BeforeRollout || c.kind == SchemaKind::ExpandContract
        });
        if first {
            self.migrate(ctx);
        } else {
            self.start_rollout(now);
        }
    }

    fn migrate(&mut self, ctx: &mut Context<'_, Ev>) {
        self.db.migrating = true;
        self.note("migration_start", || "schema migration running".into());
        ctx.schedule_in(Duration(self.delays().migration_ms), Ev::MigrationDone);
    }

    pub(super) fn on_migrated(&mut self, now: SimTime) {
        self.db.migrating = false;
        self.db.applied = true;
        self.note("migration_done", || "the new schema is live".into());
        if !self.rollout_started {
            self.start_rollout(now);
        }
    }

    fn start_rollout(&mut self, now: SimTime) {
        self.rollout_started = true;
        self.with_controller(now, |c, cx| c.start(cx));
    }

    /// After the rollout: a migration applied afterRollout runs now; an
    /// expand/contract change contracts after its delay.
    fn after_complete(&mut self, ctx: &mut Context<'_, Ev>) {
        let Some(c) = self.sc.schema_change.as_ref() else {
            return;
        };
        if c.kind == SchemaKind::ExpandContract {
            let at = c.contract_delay + Duration(self.delays().migration_ms);
            ctx.schedule_in(at, Ev::ContractDone);
        } else if !self.db.applied && !self.db.migrating {
            self.migrate(ctx);
        }
    }

    /// `kubectl rollout undo` (or an abort of a Rollout). It may not be able
    /// to start at once: with a mutable image tag the old template pulls the
    /// same bad build, so a fixed image must be built first; with no
    /// ReplicaSet history the previous version is redeployed through the
    /// pipeline. A schema change that broke the old code is reverted beside
    /// it — by its down-migration, or by a restore from backup.
    fn undo(&mut self, now: SimTime, ctx: &mut Context<'_, Ev>) {
        if self.undo_at.is_some() {
            return;
        }
        self.undo_at = Some(now);
        if self.db.blocks_old() {
            self.revert_schema(ctx);
        }
        let delay = self.rollback_delay();
        if delay == Duration::ZERO {
            self.start_rollback(now);
        } else {
            self.note("rollback_blocked", || {
                format!("no quick way back: rollback starts in {delay}")
            });
            ctx.schedule_in(delay, Ev::RollbackStart);
        }
    }

    fn rollback_delay(&mut self) -> Duration {
        let old = self.cluster.counts(Version::Old);
        let needs_old_pods = old.ready < self.replicas;
        let d = self.delays();
        let mut delay = 0;
        if self.sc.service.image.mutable && needs_old_pods {
            delay = delay.max(d.rebuild_ms);
        }
        if self.controller.undo_needs_history() && self.strategy.revision_history_limit == 0 {
            delay = delay.max(d.redeploy_ms);
        }
        Duration(delay)
    }

    pub(super) fn start_rollback(&mut self, now: SimTime) {
        if self.sc.service.image.mutable {
            // The fixed build is a new image: every node pulls it.
            self.cluster.evict_image(Version::Old);
        }
        self.note("rollout_undo", || "rolling back to the old version".into());
        self.with_controller(now, |c, cx| c.abort(cx));
    }

    fn revert_schema(&mut self, ctx: &mut Context<'_, Ev>) {
        let Some(c) = self.sc.schema_change.as_ref() else {
            return;
        };
        let d = self.delays();
        let (ms, how) = if c.reversible {
            (d.down_ms, "down-migration")
        } else {
            self.data_loss = true;
            (d.restore_ms, "restore from backup")
        };
        self.db.migrating = true;
        self.note("schema_revert", || {
            format!("old code fails on the new schema: {how}")
        });
        ctx.schedule_in(Duration(ms), Ev::RevertDone);
    }

    /// Nothing left to happen that matters: the rollout (or its rollback) is
    /// done and quiet, nobody is still to act, and a bad release is gone.
    pub(super) fn finished(&self) -> bool {
        let [o, n] = self.cluster.all_counts();
        let quiet = o.terminating + n.terminating == 0
            && o.failing + n.failing == 0
            && self.people_pending == 0
            && !self.db.migrating;
        if !quiet {
            return false;
        }
        match self.phase {
            // The release's pods count until they are gone (an undo that
            // is a rollout of its own settles before its scale-down delay).
            Phase::Aborted => {
                self.settled_at.is_some() && self.recovered_at.is_some() && n.active == 0
            }
            Phase::Completed => !self.release.is_bad(),
            Phase::Progressing | Phase::Paused => false,
        }
    }

    /// Adds a line to the trace. The detail is built only when a trace is
    /// being recorded: most trials are not traced, and a `format!` costs
    /// more than the rest of the event.
    pub(super) fn note(&mut self, event: &'static str, detail: impl FnOnce() -> String) {
        if self.trace.is_some() {
            self.push_trace(self.now, event, detail());
        }
    }

    pub(super) fn record_trace(&mut self, now: SimTime, ev: Ev) {
        if self.trace.is_none() {
            return;
        }
        let (name, detail) = match ev {
            Ev::Start => (
                "rollout_start",
                format!("target: {} replicas", self.replicas),
            ),
            Ev::Cluster(e) => match e {
                cluster::Event::ContainerStarted(id, _) => {
                    ("container_started", self.pod_label(id))
                }
                cluster::Event::Booted(id, _) => ("booted", self.pod_label(id)),
                cluster::Event::Ready(id, _) => ("pod_ready", self.pod_label(id)),
                cluster::Event::Available(id, _) => ("pod_available", self.pod_label(id)),
                cluster::Event::Hang(id, _) => ("pod_hung", self.pod_label(id)),
                cluster::Event::Unready(id, _) => ("pod_unready", self.pod_label(id)),
                cluster::Event::Restart(id, _) => ("pod_restarted", self.pod_label(id)),
                cluster::Event::Gone(id) => ("pod_gone", self.pod_label(id)),
                cluster::Event::NodeReady => (
                    "node_ready",
                    format!(
                        "the autoscaler added a node ({} now)",
                        self.cluster.node_count()
                    ),
                ),
                // Noted when it happens.
                cluster::Event::CrashLooping => return,
            },
            // Noted when they matter.
            Ev::Deadline(_) | Ev::AlertCheck(_) | Ev::Timer(_) | Ev::Measure(..) => return,
            Ev::UserReport(_) => ("user_report", "users report failures".into()),
            // Noted when they happen.
            Ev::MigrationDone | Ev::ContractDone | Ev::RevertDone | Ev::RollbackStart => return,
            Ev::Decide => ("human_decides", "the on-call engineer has looked".into()),
            Ev::Answer(ask, _) => ("human_answers", format!("{ask:?}")),
            Ev::Horizon => ("horizon", "end of the observation window".into()),
        };
        self.push_trace(now, name, detail);
    }

    fn pod_label(&self, id: PodId) -> String {
        format!("pod {id} ({})", self.cluster.version_of(id).name())
    }

    fn push_trace(&mut self, now: SimTime, event: &'static str, detail: String) {
        let [o, n] = self.cluster.all_counts();
        let share = self.current_route().shares()[1];
        let failed = self.failed_so_far(now);
        if let Some(t) = self.trace.as_mut() {
            t.push(super::trace::TraceEvent {
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

    pub(super) fn result(&self) -> TrialResult {
        let sc = self.sc;
        let bad = self.release.is_bad();
        let detected = self.detected.map(|d| d.0);
        // A defect that only shows after it was detected (a page for
        // something else led to the undo) counts from the detection.
        let onset = match (self.visible_at.or(self.cluster.latent_at()), detected) {
            (Some(o), Some(d)) => Some(o.min(d)),
            (o, d) => o.or(d),
        };
        let secs = |a: SimTime, b: SimTime| b.since(a).as_secs_f64();
        let time_to_detect_s = match (bad, detected) {
            (true, Some(d)) => Some(secs(onset.unwrap_or(d), d)),
            _ => None,
        };
        let rollback_time_s = self.undo_at.zip(self.recovered_at).map(|(u, r)| secs(u, r));
        let time_to_recover_s = match (bad, self.recovered_at) {
            (true, Some(r)) => Some(secs(onset.unwrap_or(r).min(r), r)),
            _ => None,
        };
        let deploy_end = if self.undo_at.is_some() {
            self.settled_at
        } else {
            self.healthy_at.or(self.complete_at)
        };
        let extra_pod_hours = self.cluster.extra_pod_ms() / 3_600_000.0;
        let (nodes_added, added_node_ms) = self.cluster.nodes_added();
        let peak_pods = self.cluster.peak_pods();
        let pod = &sc.service.pod;
        let pod_hour = pod.cpu_millis as f64 / 1000.0 * sc.cluster.pricing.cpu_hour
            + pod.memory_bytes as f64 / (1u64 << 30) as f64 * sc.cluster.pricing.memory_gib_hour;
        let budget = (1.0 - sc.slo.availability) * sc.traffic.rps * sc.slo.window.as_secs_f64();
        let extra_peak = peak_pods.saturating_sub(self.replicas);
        // Added nodes are paid for until the autoscaler removes them, ten
        // minutes after they are no longer needed (its default
        // scale-down-unneeded-time).
        let node = &sc.cluster.node_allocatable;
        let node_hour = node.cpu_millis as f64 / 1000.0 * sc.cluster.pricing.cpu_hour
            + node.memory_bytes as f64 / (1u64 << 30) as f64 * sc.cluster.pricing.memory_gib_hour;
        let node_hours = (added_node_ms + f64::from(nodes_added) * 600_000.0) / 3_600_000.0;
        let segment_share = self
            .release
            .defect
            .as_ref()
            .map_or(0.0, |d| d.segment_share);
        TrialResult {
            failed_requests: self.failed,
            affected_users: self.exposure.affected(sc.traffic.users, segment_share),
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
            peak_pods: f64::from(peak_pods),
            extra_pod_hours,
            cost: extra_pod_hours * pod_hour + node_hours * node_hour,
            capacity_shortfall_s: self.shortfall_s,
            nodes_added: f64::from(nodes_added),
            extra_cpu_requested: f64::from(extra_peak) * pod.cpu_millis as f64 / 1000.0,
            extra_memory_requested_gib: f64::from(extra_peak) * pod.memory_bytes as f64
                / (1u64 << 30) as f64,
            pods_waited_for_room: f64::from(self.cluster.waited_for_room()),
            peak_replicas: f64::from(self.cluster.peak_active()),
            outcome: self.outcome(),
            bad,
            requests: self.requests,
        }
    }

    fn outcome(&self) -> Outcome {
        if self.data_loss {
            return Outcome::DataLoss;
        }
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
            Some(Signal::ProgressDeadline) | None => Outcome::Stalled,
            Some(_) => Outcome::RolledBack,
        }
    }
}

#[cfg(test)]
impl World<'_> {
    /// Panics if the cluster's incremental counts drifted from a recount.
    pub(crate) fn assert_counts_consistent(&self) {
        for v in [Version::Old, Version::New] {
            let c = self.cluster.cluster();
            assert_eq!(*c.counts(v), c.recount(v), "{v:?}");
        }
    }
}
