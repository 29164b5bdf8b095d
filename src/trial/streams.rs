//! A trial's random streams: one ChaCha8 stream per (seed, trial, purpose),
//! created only when the trial first needs it (most trials never page a
//! person, pull a node or measure a canary).

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

use crate::scenario::Scenario;
use crate::sim::Duration;

/// Random-stream purposes (the low bits of a ChaCha stream id).
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub enum Purpose {
    Release = 0,
    Startup = 1,
    Human = 2,
    Reports = 3,
    Shutdown = 4,
    Analysis = 5,
    Checks = 6,
    Delays = 7,
    Nodes = 8,
}

/// The stream for `purpose` of trial `trial`.
pub fn stream(seed: u64, trial: u64, purpose: Purpose) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream((trial << 8) | purpose as u64);
    rng
}

/// How long the processes beside the rollout take in one trial (ms): drawn
/// together, in a fixed order, so every strategy of a trial meets the same ones.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SideDelays {
    /// The schema migration (and its contract step).
    pub migration_ms: u64,
    /// Its down-migration, if reversible.
    pub down_ms: u64,
    /// A restore from backup.
    pub restore_ms: u64,
    /// Rebuilding a fixed image (mutable tag).
    pub rebuild_ms: u64,
    /// Redeploying the previous version through the pipeline (no history).
    pub redeploy_ms: u64,
}

impl SideDelays {
    /// Draws them for `sc`.
    pub fn draw<R: rand::Rng + ?Sized>(sc: &Scenario, rng: &mut R) -> Self {
        let mut ms =
            |d: &crate::scenario::Dist| Duration::from_millis_f64(d.sample(rng)).as_millis();
        let (migration_ms, down_ms, restore_ms) = match &sc.schema_change {
            Some(c) => (ms(&c.duration), ms(&c.duration), ms(&c.restore_from_backup)),
            None => (0, 0, 0),
        };
        SideDelays {
            migration_ms,
            down_ms,
            restore_ms,
            rebuild_ms: ms(&sc.release.rebuild_time),
            redeploy_ms: ms(&sc.release.redeploy_time),
        }
    }
}

/// The random streams of one trial of one strategy. Each strategy gets a
/// fresh copy, which is what makes the numbers common: pod start-ups in
/// creation order, human delays in order of need, and so on.
#[derive(Debug)]
pub struct TrialStreams {
    seed: u64,
    trial: u64,
    startup: Option<ChaCha8Rng>,
    human: Option<ChaCha8Rng>,
    shutdown: Option<ChaCha8Rng>,
    analysis: Option<ChaCha8Rng>,
    nodes: Option<ChaCha8Rng>,
    report_delay_ms: Option<u64>,
    smoke_draw: Option<f64>,
    delays: Option<SideDelays>,
}

macro_rules! lazy_stream {
    ($name:ident, $purpose:ident, $doc:literal) => {
        #[doc = $doc]
        pub fn $name(&mut self) -> &mut ChaCha8Rng {
            let (seed, trial) = (self.seed, self.trial);
            self.$name
                .get_or_insert_with(|| stream(seed, trial, Purpose::$purpose))
        }
    };
}

impl TrialStreams {
    /// The streams of trial `trial` under `seed`, none created yet.
    pub fn new(seed: u64, trial: u64) -> Self {
        TrialStreams {
            seed,
            trial,
            startup: None,
            human: None,
            shutdown: None,
            analysis: None,
            nodes: None,
            report_delay_ms: None,
            smoke_draw: None,
            delays: None,
        }
    }

    lazy_stream!(
        startup,
        Startup,
        "Pod start-up draws (image pull, boot), in pod-creation order."
    );
    lazy_stream!(
        human,
        Human,
        "Human delays (ack, decide), in order of need."
    );
    lazy_stream!(
        shutdown,
        Shutdown,
        "Shutdown times of deleted pods, in deletion order."
    );
    lazy_stream!(
        analysis,
        Analysis,
        "Measurement noise of canary analysis, in measurement order."
    );
    lazy_stream!(
        nodes,
        Nodes,
        "Node provisioning times, in order of request."
    );

    /// How long users must meet a defect at full exposure before reporting it.
    pub fn report_delay_ms(&mut self, sc: &Scenario) -> u64 {
        let (seed, trial) = (self.seed, self.trial);
        *self.report_delay_ms.get_or_insert_with(|| {
            let d = sc.observability.user_reports.delay.sample(&mut stream(
                seed,
                trial,
                Purpose::Reports,
            ));
            Duration::from_millis_f64(d).as_millis()
        })
    }

    /// A uniform draw deciding whether smoke tests catch the defect.
    pub fn smoke_draw(&mut self) -> f64 {
        let (seed, trial) = (self.seed, self.trial);
        *self
            .smoke_draw
            .get_or_insert_with(|| stream(seed, trial, Purpose::Checks).random::<f64>())
    }

    /// The trial's side delays.
    pub fn delays(&mut self, sc: &Scenario) -> SideDelays {
        let (seed, trial) = (self.seed, self.trial);
        *self
            .delays
            .get_or_insert_with(|| SideDelays::draw(sc, &mut stream(seed, trial, Purpose::Delays)))
    }
}

/// Controllers read the smoke-test draw through [`crate::strategy::Cx`].
impl crate::strategy::Draws for TrialStreams {
    fn smoke_draw(&mut self) -> f64 {
        TrialStreams::smoke_draw(self)
    }
}

/// Pods draw their start-up and shutdown times, nodes their provisioning.
impl crate::cluster::Draws for TrialStreams {
    type Rng = ChaCha8Rng;

    fn startup(&mut self) -> &mut ChaCha8Rng {
        TrialStreams::startup(self)
    }

    fn shutdown(&mut self) -> &mut ChaCha8Rng {
        TrialStreams::shutdown(self)
    }

    fn nodes(&mut self) -> &mut ChaCha8Rng {
        TrialStreams::nodes(self)
    }
}
