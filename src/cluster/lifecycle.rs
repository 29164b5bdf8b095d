//! The service's pods through their lives, and the part a trial holds.
//!
//! A pod is created with its start-up draw (image pull, boot), placed when
//! it fits, starts its container once the image is on its node, and with a
//! readiness probe turns Ready at the first probe after it has booted
//! (successThreshold consecutive successes). Without a probe it is in the
//! endpoints at once and fails until booted. minReadySeconds later it is
//! available. A bad release's pod may never pass readiness (crash on start)
//! or hang later (a delayed crash): the readiness probe takes a hung pod out
//! after failureThreshold periods, the liveness probe restarts it after its
//! own, with the kubelet's back-off; past a few restarts it shows as
//! CrashLoopBackOff. A deleted pod leaves the endpoints at once and is gone
//! after its shutdown, cut off at terminationGracePeriodSeconds.

use rand::Rng;

use super::Version;
use super::autoscaler::Autoscaler;
use super::nodes::{Cluster, Counts, Phase, PodId};
use crate::scenario::{Cluster as ClusterSpec, Resources, Service};
use crate::sim::{Context, Duration, SimTime};

/// Restarts after which a pod shows as CrashLoopBackOff.
const CRASH_LOOP_RESTARTS: u32 = 3;
/// How long a pod must crash-loop before the alert pages (kube-prometheus'
/// KubePodCrashLooping uses `for: 15m`).
const CRASH_LOOP_FOR: Duration = Duration::from_secs(15 * 60);

/// What happens to pods and nodes. Pod events carry the pod's incarnation:
/// an event for an incarnation that has since been deleted or restarted is
/// stale and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The container started (only without a readiness probe).
    ContainerStarted(PodId, u32),
    /// The application can serve (only without a readiness probe).
    Booted(PodId, u32),
    Ready(PodId, u32),
    /// Ready for minReadySeconds.
    Available(PodId, u32),
    /// The process hangs (a delayed crash).
    Hang(PodId, u32),
    /// The readiness probe failed on a hung pod.
    Unready(PodId, u32),
    /// The liveness probe failed: the kubelet restarts the container.
    Restart(PodId, u32),
    /// A deleted pod has exited.
    Gone(PodId),
    /// A node the autoscaler asked for joins the cluster.
    NodeReady,
    /// A pod has been in CrashLoopBackOff long enough for the
    /// KubePodCrashLooping alert to page (only when metrics are scraped).
    CrashLooping,
}

/// The random draws pods need, each stream in the order of need.
pub trait Draws {
    type Rng: Rng;
    /// Start-up draws (image pull, boot), in pod-creation order.
    fn startup(&mut self) -> &mut Self::Rng;
    /// Shutdown times of deleted pods, in deletion order.
    fn shutdown(&mut self) -> &mut Self::Rng;
    /// Node provisioning times, in order of request.
    fn nodes(&mut self) -> &mut Self::Rng;
}

/// What the release does to the pods that run it (the new version's).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PodFaults {
    /// The release is bad: its defect runs in every new pod.
    pub bad: bool,
    /// New pods never pass readiness.
    pub crash_on_start: bool,
    /// New pods hang this long after their container starts.
    pub hang_after_ms: Option<u64>,
}

/// The cluster part of a trial: the nodes and the service's pods, their
/// lives, the autoscaler, and the pod-time they cost. Reused across trials.
pub struct Workload<'s> {
    svc: &'s Service,
    nodes: &'s ClusterSpec,
    replicas: u32,
    /// minReadySeconds of the strategy.
    min_ready: Duration,
    /// Pod metrics are scraped: a crash-looping pod raises an alert.
    watched: bool,
    cluster: Cluster,
    /// The cluster at the start of every trial, built once.
    initial: Option<Cluster>,
    autoscaler: Autoscaler<'s>,
    faults: PodFaults,
    /// The crash-loop alert has been scheduled this trial.
    crash_loop_paged: bool,
    /// First time the defect ran in a pod (or crashed one).
    latent_at: Option<SimTime>,
    /// Pod-time is integrated up to here.
    t: SimTime,
    /// Pod-milliseconds above the steady `replicas`.
    extra_pod_ms: f64,
    /// Most pods existing at once, as seen after each event.
    peak_pods: u32,
    /// Most pods the ReplicaSets owned at once (not terminating).
    peak_active: u32,
    scratch_ids: Vec<PodId>,
    scratch_placed: Vec<(PodId, SimTime)>,
}

impl<'s> Workload<'s> {
    /// The pods of `svc` (`replicas` of them, old version) on `nodes`;
    /// `min_ready` is the strategy's minReadySeconds, `watched` whether pod
    /// metrics are scraped. Call [`Workload::reset`] before each trial.
    pub fn new(
        svc: &'s Service,
        nodes: &'s ClusterSpec,
        min_ready: Duration,
        watched: bool,
    ) -> Self {
        Workload {
            svc,
            nodes,
            replicas: svc.replicas,
            min_ready,
            watched,
            cluster: Cluster::default(),
            initial: None,
            autoscaler: Autoscaler::new(nodes.autoscaler.as_ref(), nodes.node_allocatable),
            faults: PodFaults::default(),
            crash_loop_paged: false,
            latent_at: None,
            t: SimTime::ZERO,
            extra_pod_ms: 0.0,
            peak_pods: 0,
            peak_active: 0,
            scratch_ids: Vec::new(),
            scratch_placed: Vec::new(),
        }
    }

    /// Back to the start of a trial whose release does `faults` to new pods:
    /// the old version running on the scenario's nodes, nothing added.
    pub fn reset(&mut self, faults: PodFaults) {
        self.reset_cluster();
        self.autoscaler.reset();
        self.faults = faults;
        self.crash_loop_paged = false;
        self.latent_at = None;
        self.t = SimTime::ZERO;
        self.extra_pod_ms = 0.0;
        self.peak_pods = self.cluster.existing();
        self.peak_active = self.cluster.active();
    }

    /// Every trial starts from the same cluster; it is built once and
    /// copied afterwards.
    fn reset_cluster(&mut self) {
        if let Some(initial) = &self.initial {
            self.cluster.clone_from(initial);
            return;
        }
        let request = Resources {
            cpu_millis: self.svc.pod.cpu_millis,
            memory_bytes: self.svc.pod.memory_bytes,
        };
        self.cluster.reset(self.nodes, request);
        self.start_old_pods();
        if !self.svc.image.old_image_cached {
            self.cluster.evict_image(Version::Old);
        }
        self.initial = Some(self.cluster.clone());
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

    // Reading.

    /// Counts of both versions, indexed by [`Version::idx`].
    pub fn all_counts(&self) -> &[Counts; 2] {
        self.cluster.all_counts()
    }

    /// Counts of `v`'s pods.
    pub fn counts(&self, v: Version) -> &Counts {
        self.cluster.counts(v)
    }

    /// Pods existing in any phase, both versions.
    pub fn existing(&self) -> u32 {
        self.cluster.existing()
    }

    /// Nodes now.
    pub fn node_count(&self) -> u32 {
        self.cluster.node_count()
    }

    /// The version pod `id` runs.
    pub fn version_of(&self, id: PodId) -> Version {
        self.cluster.pod(id).version
    }

    /// First time the release's defect ran in a pod, if it has.
    pub fn latent_at(&self) -> Option<SimTime> {
        self.latent_at
    }

    /// Pod-milliseconds above the steady `replicas` so far.
    pub fn extra_pod_ms(&self) -> f64 {
        self.extra_pod_ms
    }

    /// Most pods existing at once.
    pub fn peak_pods(&self) -> u32 {
        self.peak_pods
    }

    /// Most pods the ReplicaSets owned at once (terminating ones left out).
    pub fn peak_active(&self) -> u32 {
        self.peak_active
    }

    /// Nodes the autoscaler added, and their node-milliseconds so far.
    pub fn nodes_added(&self) -> (u32, f64) {
        (self.autoscaler.added(), self.autoscaler.node_ms())
    }

    /// Pods that had to wait for room.
    pub fn waited_for_room(&self) -> u32 {
        self.cluster.waited_for_room()
    }

    /// The cluster's bookkeeping (tests check its counts).
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    // Time.

    /// Integrates pod-time and node-time up to `now`: the pods change at
    /// almost every event, so this runs at every one (it is cheap).
    pub fn advance_to(&mut self, now: SimTime) {
        let t0 = self.t;
        if now <= t0 {
            return;
        }
        self.t = now;
        let dt_s = (now.0 - t0.0) as f64 / 1000.0;
        let extra = self.cluster.existing().saturating_sub(self.replicas);
        self.extra_pod_ms += f64::from(extra) * dt_s * 1000.0;
        self.autoscaler.advance(dt_s);
    }

    /// An event has been handled: the pods as they now are count toward
    /// the peak.
    pub fn note_peak(&mut self) {
        self.peak_pods = self.peak_pods.max(self.cluster.existing());
        self.peak_active = self.peak_active.max(self.cluster.active());
    }

    // Handlers.

    /// Brings each version's ReplicaSet to `want` pods: creates pods
    /// (drawing their start-up times in creation order) or deletes the
    /// ReplicaSet's preferred victims; then places what fits.
    pub fn realise<E: From<Event>>(
        &mut self,
        now: SimTime,
        ctx: &mut Context<'_, E>,
        want: [u32; 2],
        draws: &mut impl Draws,
    ) {
        for v in [Version::Old, Version::New] {
            let active = self.cluster.counts(v).active;
            let want = want[v.idx()];
            if want > active {
                for _ in active..want {
                    self.create_pod(v, now, draws);
                }
            } else if want < active {
                self.delete_pods(v, active - want, ctx, draws);
            }
        }
        self.place_pending(now, ctx, draws);
    }

    fn create_pod(&mut self, v: Version, now: SimTime, draws: &mut impl Draws) {
        let startup = &self.svc.startup;
        let rng = draws.startup();
        let pull = startup.image_pull.sample(rng);
        let boot = startup.boot.sample(rng);
        let (pull, boot) = (
            Duration::from_millis_f64(pull).0,
            Duration::from_millis_f64(boot).0,
        );
        self.cluster.add_pod(v, now, pull, boot);
    }

    fn delete_pods<E: From<Event>>(
        &mut self,
        v: Version,
        n: u32,
        ctx: &mut Context<'_, E>,
        draws: &mut impl Draws,
    ) {
        let mut ids = std::mem::take(&mut self.scratch_ids);
        self.cluster.victims(v, n, &mut ids);
        for &id in &ids {
            if !self.cluster.delete(id) {
                continue;
            }
            let exit = self.shutdown_time(draws);
            if exit == Duration::ZERO {
                self.cluster.remove(id);
            } else {
                ctx.schedule_in(exit, Event::Gone(id).into());
            }
        }
        self.scratch_ids = ids;
    }

    /// How long a deleted pod takes to exit: its shutdown, cut off by the
    /// kubelet at terminationGracePeriodSeconds.
    fn shutdown_time(&self, draws: &mut impl Draws) -> Duration {
        let svc = self.svc;
        Duration::from_millis_f64(svc.shutdown.sample(draws.shutdown()))
            .min(svc.termination_grace_period)
    }

    /// Forgets that `v`'s image is on any node (a fixed build is a new image).
    pub fn evict_image(&mut self, v: Version) {
        self.cluster.evict_image(v);
    }

    /// Handles one of this module's events; false if it was stale.
    /// ([`Event::CrashLooping`] changes nothing here: it is for people.)
    pub fn on_event<E: From<Event>>(
        &mut self,
        now: SimTime,
        ctx: &mut Context<'_, E>,
        ev: Event,
        draws: &mut impl Draws,
    ) -> bool {
        match ev {
            Event::ContainerStarted(id, inc) => {
                self.live(id, inc) && self.on_container_started(id, ctx)
            }
            Event::Booted(id, inc) => {
                if !self.live(id, inc) || self.cluster.pod(id).hung {
                    return false;
                }
                self.cluster.set_serving(id, true, false, true);
                true
            }
            Event::Ready(id, inc) => self.live(id, inc) && self.on_ready(id, ctx),
            Event::Available(id, inc) => {
                if !self.live(id, inc) {
                    return false;
                }
                self.cluster.set_available(id);
                true
            }
            Event::Hang(id, inc) => self.live(id, inc) && self.on_hang(id, ctx),
            Event::Unready(id, inc) => {
                if !self.live(id, inc) {
                    return false;
                }
                self.cluster.set_serving(id, false, false, false);
                true
            }
            Event::Restart(id, inc) => {
                if !self.live(id, inc) {
                    return false;
                }
                self.restart(id, now, ctx);
                true
            }
            Event::Gone(id) => {
                self.cluster.remove(id);
                self.place_pending(now, ctx, draws);
                true
            }
            Event::NodeReady => {
                self.autoscaler.on_node_ready(&mut self.cluster);
                self.place_pending(now, ctx, draws);
                true
            }
            Event::CrashLooping => true,
        }
    }

    fn live(&self, id: PodId, inc: u32) -> bool {
        let p = self.cluster.pod(id);
        p.incarnation == inc && p.phase == Phase::Placed
    }

    fn is_bad_pod(&self, id: PodId) -> bool {
        self.faults.bad && self.cluster.pod(id).version == Version::New
    }

    /// Container started, without a readiness probe: in the endpoints at once,
    /// failing until booted. (With a probe this event is not scheduled.)
    fn on_container_started<E: From<Event>>(
        &mut self,
        id: PodId,
        ctx: &mut Context<'_, E>,
    ) -> bool {
        let pod = self.cluster.pod(id);
        let (boot_ms, inc) = (pod.boot_ms, pod.incarnation);
        let crash = self.is_bad_pod(id) && self.faults.crash_on_start;
        let booting = boot_ms > 0;
        self.cluster.set_serving(id, true, crash || booting, true);
        if crash {
            self.note_latent(ctx.now() + Duration(boot_ms));
        } else if booting {
            ctx.schedule_in(Duration(boot_ms), Event::Booted(id, inc).into());
        }
        self.schedule_available(id, ctx);
        true
    }

    fn on_ready<E: From<Event>>(&mut self, id: PodId, ctx: &mut Context<'_, E>) -> bool {
        if self.cluster.pod(id).hung {
            return false;
        }
        self.cluster.set_serving(id, true, false, true);
        self.schedule_available(id, ctx);
        true
    }

    fn schedule_available<E: From<Event>>(&mut self, id: PodId, ctx: &mut Context<'_, E>) {
        if self.min_ready == Duration::ZERO {
            self.cluster.set_available(id);
        } else {
            let inc = self.cluster.pod(id).incarnation;
            ctx.schedule_in(self.min_ready, Event::Available(id, inc).into());
        }
    }

    /// A delayed crash: the process hangs and fails whatever reaches it. A
    /// readiness probe takes it out after failureThreshold periods; a liveness
    /// probe restarts it after its own failureThreshold periods.
    fn on_hang<E: From<Event>>(&mut self, id: PodId, ctx: &mut Context<'_, E>) -> bool {
        self.cluster.hang(id);
        let inc = self.cluster.pod(id).incarnation;
        self.note_latent(ctx.now());
        let svc = self.svc;
        if let Some(p) = &svc.readiness_probe {
            ctx.schedule_in(
                p.period.times(u64::from(p.failure_threshold)),
                Event::Unready(id, inc).into(),
            );
        }
        if let Some(p) = &svc.liveness_probe {
            ctx.schedule_in(
                p.period.times(u64::from(p.failure_threshold)),
                Event::Restart(id, inc).into(),
            );
        }
        true
    }

    /// The liveness probe failed: the kubelet kills the container and starts
    /// it again after its back-off (10 s, doubling, at most 5 min). Past a
    /// few restarts the pod shows as CrashLoopBackOff, which a
    /// KubePodCrashLooping-style alert pages on after 15 minutes.
    fn restart<E: From<Event>>(&mut self, id: PodId, now: SimTime, ctx: &mut Context<'_, E>) {
        let before = self.cluster.restart(id);
        let backoff = Duration::from_secs((10u64 << before.min(5)).min(300));
        if before + 1 == CRASH_LOOP_RESTARTS && self.watched && !self.crash_loop_paged {
            self.crash_loop_paged = true;
            ctx.schedule_in(CRASH_LOOP_FOR, Event::CrashLooping.into());
        }
        self.start_container(id, now + backoff, ctx);
    }

    fn note_latent(&mut self, at: SimTime) {
        if self.latent_at.is_none_or(|c| at < c) {
            self.latent_at = Some(at);
        }
    }

    /// Schedules a placed pod's start-up: its container starts at `started`
    /// (image on the node), boots, passes readiness, may hang later.
    fn start_container<E: From<Event>>(
        &mut self,
        id: PodId,
        started: SimTime,
        ctx: &mut Context<'_, E>,
    ) {
        let pod = self.cluster.pod(id);
        let (inc, boot) = (pod.incarnation, Duration(pod.boot_ms));
        let bad = self.is_bad_pod(id);
        if bad {
            self.note_latent(started); // the defect now runs in a pod
        }
        let svc = self.svc;
        let Some(probe) = &svc.readiness_probe else {
            ctx.schedule_at(started, Event::ContainerStarted(id, inc).into());
            self.schedule_hang(id, inc, started, bad, ctx);
            return;
        };
        if bad && self.faults.crash_on_start {
            return; // crash-loops, never Ready
        }
        ctx.schedule_at(ready_at(probe, started, boot), Event::Ready(id, inc).into());
        self.schedule_hang(id, inc, started, bad, ctx);
    }

    fn schedule_hang<E: From<Event>>(
        &self,
        id: PodId,
        inc: u32,
        started: SimTime,
        bad: bool,
        ctx: &mut Context<'_, E>,
    ) {
        if !bad {
            return;
        }
        if let Some(after) = self.faults.hang_after_ms {
            ctx.schedule_at(started + Duration(after), Event::Hang(id, inc).into());
        }
    }

    /// Places whatever Pending pods now fit and starts them.
    fn place_pending<E: From<Event>>(
        &mut self,
        now: SimTime,
        ctx: &mut Context<'_, E>,
        draws: &mut impl Draws,
    ) {
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
        self.autoscaler.on_pending(now, ctx, &self.cluster, draws);
    }
}

/// When a container started at `started` that boots in `boot` passes
/// readiness: probes run at started + initialDelay + k·period, and it is
/// Ready after successThreshold consecutive successes once booted.
pub fn ready_at(probe: &crate::scenario::Probe, started: SimTime, boot: Duration) -> SimTime {
    let first = started + probe.initial_delay;
    let booted = started + boot;
    let period = probe.period.as_millis().max(1);
    let k = booted.since(first).as_millis().div_ceil(period);
    first + Duration(k * period) + probe.period.times(u64::from(probe.success_threshold - 1))
}
