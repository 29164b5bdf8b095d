//! The validated scenario: what the simulator reads.
//!
//! These types are built once from the YAML file (see `raw.rs` and
//! `validate.rs`) and cannot hold an invalid value: every probability is in
//! [0, 1], every count is at least 1 where it must be, every distribution has
//! sensible parameters. The engine never sees raw YAML.
//!
//! Units inside: durations are [`Duration`] (integer ms) or, inside a
//! [`Dist`], float milliseconds; percents are fractions (25% = 0.25); CPU is
//! millicores; memory is bytes.

use super::strategy_type::StrategyType;
use crate::sim::time::Duration;

/// One scenario file, resolved and validated, every default filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub service: Service,
    pub cluster: Cluster,
    pub traffic: Traffic,
    pub slo: Slo,
    pub release: Release,
    pub observability: Observability,
    /// The database change that ships with the release (`None`: none).
    pub schema_change: Option<SchemaChange>,
    pub strategies: Vec<Strategy>,
    pub monte_carlo: MonteCarlo,
    /// What the team tolerates and has, for `deploysim recommend` (`None`:
    /// no `constraints` section). The simulation never reads it.
    pub constraints: Option<Constraints>,
}

/// The `constraints` section: the limits a strategy must keep and what the
/// team has, checked by `deploysim recommend` against the measured figures.
///
/// Every limit is optional (`None`: no limit). Blast radius and recovery are
/// read over the trials whose release was bad (`given_bad`) at the 95th
/// percentile; resources over all trials (`all`) at the 95th percentile:
///
/// | limit | compared with |
/// |---|---|
/// | `max_failed_requests` | `given_bad.failed_requests.p95` |
/// | `max_affected_users` | `given_bad.affected_users.p95` |
/// | `max_error_budget_burn` | `given_bad.error_budget_burn.p95` |
/// | `max_time_to_recover` | `given_bad.time_to_recover_s.p95` |
/// | `max_extra_pod_hours` | `all.extra_pod_hours.p95` |
/// | `max_cost` | `all.cost.p95` |
/// | `fit_cluster` | `capacity.fits_p95` |
///
/// A measured value equal to its limit meets it.
#[derive(Clone, Debug, PartialEq)]
pub struct Constraints {
    /// Failed requests one bad release may cost (≥ 0).
    pub max_failed_requests: Option<f64>,
    /// Distinct users one bad release may hurt (≥ 0).
    pub max_affected_users: Option<f64>,
    /// Share of the SLO window's error budget one bad release may burn, as a
    /// fraction (≥ 0; above 1 is more than the whole budget).
    pub max_error_budget_burn: Option<f64>,
    /// Defect onset → recovery.
    pub max_time_to_recover: Option<Duration>,
    /// Pod-hours above the steady replicas one rollout may take (≥ 0).
    pub max_extra_pod_hours: Option<f64>,
    /// What one rollout's extra resources may cost, in the pricing's currency (≥ 0).
    pub max_cost: Option<f64>,
    /// The team has a traffic router (a mesh or ingress that splits by
    /// weight); `None`: not said, not checked.
    pub traffic_router: Option<bool>,
    /// The team has metrics to drive analysis (default: `observability.metrics`).
    pub metrics: bool,
    /// The rollout must fit the cluster without any pod waiting for room.
    pub fit_cluster: bool,
}

/// A database schema change shipped with the release (DESIGN §4). Both
/// versions share one database during any mixed-version period.
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaChange {
    pub kind: SchemaKind,
    pub apply: SchemaApply,
    /// How long the migration runs, in ms.
    pub duration: Dist,
    /// What the migration does to every request while it runs (locks).
    pub lock: Option<LockImpact>,
    /// A down-migration exists: undoing the change takes `duration` again.
    pub reversible: bool,
    /// Time to restore the database from backup when the change cannot be
    /// undone, in ms (the trial then ends `data_loss`).
    pub restore_from_backup: Dist,
    /// expandContract: the contract step runs this long after the rollout
    /// is complete and the old pods are gone (default 24h).
    pub contract_delay: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaKind {
    /// Old and new code both work on the new schema; new code needs it.
    Additive,
    /// Old code fails on the new schema (a dropped or renamed column); new
    /// code needs it.
    Breaking,
    /// An additive expand before the rollout; the breaking contract only
    /// after the rollout is complete and the old version gone.
    ExpandContract,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaApply {
    BeforeRollout,
    AfterRollout,
}

/// The effect of a running migration on requests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LockImpact {
    /// Share of requests that fail (lock timeouts).
    pub error_rate: f64,
    /// Milliseconds added to every request.
    pub added_ms: f64,
}

/// The deployed service: its pods and how they start, probe and stop.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    /// `spec.replicas` (≥ 1).
    pub replicas: u32,
    /// Share of requests a healthy version fails anyway (noise for checks).
    pub baseline_error_rate: f64,
    pub pod: PodSpec,
    pub startup: Startup,
    /// `None`: the pod is in the endpoints as soon as its container starts.
    pub readiness_probe: Option<Probe>,
    /// `None`: a hung pod is never restarted.
    pub liveness_probe: Option<Probe>,
    pub termination_grace_period: Duration,
    /// SIGTERM → the process exits, in ms (capped at the grace period): how
    /// long a deleted pod holds its resources.
    pub shutdown: Dist,
    pub image: Image,
    /// Latency of a healthy request, in ms (default lognormal median 50ms, p95 250ms).
    pub latency: Dist,
}

/// Per-pod resource requests and serving capacity.
#[derive(Clone, Debug, PartialEq)]
pub struct PodSpec {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    /// Requests per second one Ready pod serves before it overloads (> 0).
    pub capacity_rps: f64,
}

/// Start-up time distributions, in ms.
#[derive(Clone, Debug, PartialEq)]
pub struct Startup {
    /// Image pull on a node that does not have the image yet.
    pub image_pull: Dist,
    /// Container start → the application can serve.
    pub boot: Dist,
}

/// A Kubernetes probe (readiness or liveness), Kubernetes defaults applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    pub initial_delay: Duration,
    pub period: Duration,
    pub success_threshold: u32,
    pub failure_threshold: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    pub tag: String,
    /// A mutable tag (e.g. `latest`): a rollback re-pulls the same bad build,
    /// so undo cannot help; recovery needs a rebuild (`release.rebuildTime`).
    pub mutable: bool,
    /// The old version's image is still cached on the nodes (default true):
    /// a rollback skips the pull. false: it was evicted.
    pub old_image_cached: bool,
}

/// Requests of cpu (millicores) and memory (bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
}

/// The nodes the service runs on.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// Nodes at the start (≥ 1).
    pub nodes: u32,
    pub node_allocatable: Resources,
    /// Already requested by everything else, spread evenly over the nodes.
    pub other_workloads: Resources,
    pub autoscaler: Option<Autoscaler>,
    pub pricing: Pricing,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Autoscaler {
    pub max_nodes: u32,
    /// Time to provision a node, in ms.
    pub provision_time: Dist,
}

/// Prices per hour (default: GCE N2 us-central1, docs/calibration.md, Pods).
#[derive(Clone, Debug, PartialEq)]
pub struct Pricing {
    pub cpu_hour: f64,
    pub memory_gib_hour: f64,
}

/// Demand on the service.
#[derive(Clone, Debug, PartialEq)]
pub struct Traffic {
    /// Mean requests per second over a day (≥ 0).
    pub rps: f64,
    /// Distinct active users (≥ 1).
    pub users: f64,
    pub pattern: Pattern,
    /// Per-user (cookie/header) routing instead of per-request routing.
    pub sticky_sessions: bool,
}

/// How demand varies over the day.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    Constant,
    /// rps(t) = rps·(1 + a·cos(2π(t − peakAt)/24h)), a = (k − 1)/(k + 1),
    /// k = `peak_to_trough` (≥ 1), so the daily mean stays `rps`.
    Diurnal {
        peak_to_trough: f64,
        peak_at: Duration,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// Target availability, e.g. 0.999.
    pub availability: f64,
    /// SLO window (error budget period), e.g. 30d.
    pub window: Duration,
    /// Requests slower than this count as failed (default 1s).
    pub latency_threshold: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Release {
    /// Probability that a release carries a defect.
    pub defect_probability: f64,
    /// Mixture of defects, by weight (non-empty when `defect_probability > 0`).
    pub defects: Vec<DefectSpec>,
    /// Time of day the rollout starts (matters for diurnal traffic; default 10h).
    pub start_at: Duration,
    /// Time to rebuild and push a fixed image when undo cannot help (default 30m).
    pub rebuild_time: Dist,
    /// Time to redeploy the previous version through the pipeline when there
    /// is no ReplicaSet history to undo to (default lognormal 15m / 45m).
    pub redeploy_time: Dist,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DefectSpec {
    /// Relative weight in the mixture (> 0).
    pub weight: f64,
    pub kind: DefectKind,
}

/// What is wrong with a bad release; severities are drawn per trial.
#[derive(Clone, Debug, PartialEq)]
pub enum DefectKind {
    /// New pods never pass readiness (crash loop).
    CrashOnStart,
    /// New pods fail this share of requests (fraction).
    ErrorRate { error_rate: Dist },
    /// New pods add this many ms to every request.
    Latency { added_ms: Dist },
    /// Each new pod hangs this long (ms) after its container starts.
    DelayedCrash { after: Dist },
    /// Only a share of users (fraction) hit the broken path, which fails at `error_rate`.
    Segment {
        affected_share: Dist,
        error_rate: Dist,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Observability {
    /// Metrics and alerts exist.
    pub metrics: bool,
    pub alerting: Alerting,
    pub human_response: HumanResponse,
    pub user_reports: UserReports,
    /// Defaults for every canary / blue-green analysis.
    pub analysis: Analysis,
}

/// SRE Workbook multiwindow burn-rate page.
#[derive(Clone, Debug, PartialEq)]
pub struct Alerting {
    /// Burn rate both windows must exceed (default 14.4).
    pub burn_rate_threshold: f64,
    /// Long window (default 1h).
    pub window: Duration,
    /// Short window (default window / 12).
    pub short_window: Duration,
    /// How often the rule is evaluated (default 1m, as Prometheus rules).
    pub evaluation_interval: Duration,
}

/// Time from a page to action, in ms.
#[derive(Clone, Debug, PartialEq)]
pub struct HumanResponse {
    pub ack: Dist,
    pub decide: Dist,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UserReports {
    /// Defect onset → a user report reaches the team, in ms.
    pub delay: Dist,
}

/// One strategy to compare.
#[derive(Clone, Debug, PartialEq)]
pub struct Strategy {
    /// Unique name within the scenario.
    pub name: String,
    pub kind: StrategyKind,
    /// `minReadySeconds` (default 0).
    pub min_ready: Duration,
    /// `progressDeadlineSeconds` (default 600s).
    pub progress_deadline: Duration,
    /// `revisionHistoryLimit` (default 10): with 0 there is no ReplicaSet to
    /// undo to, and going back means a redeploy through the pipeline.
    pub revision_history_limit: u32,
}

/// A strategy's type with its validated settings ([`StrategyType`] is the
/// type alone).
#[derive(Clone, Debug, PartialEq)]
pub enum StrategyKind {
    Recreate,
    RollingUpdate {
        max_surge: IntOrPercent,
        max_unavailable: IntOrPercent,
    },
    BlueGreen(BlueGreen),
    Canary(Canary),
}

/// Argo Rollouts' blue-green strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct BlueGreen {
    /// Pods of the preview (green) stack before promotion; `None` = replicas.
    pub preview_replica_count: Option<u32>,
    /// false: the switch waits for a human to promote (default true).
    pub auto_promotion_enabled: bool,
    /// With auto-promotion: wait this long after the preview is ready
    /// (`None`: promote as soon as it is ready and pre-promotion checks pass).
    pub auto_promotion_seconds: Option<Duration>,
    /// Smoke tests against the preview, which serves no users.
    pub pre_promotion_analysis: Option<SmokeTest>,
    /// Metric analysis after the switch; failure switches back to blue.
    pub post_promotion_analysis: Option<Analysis>,
    /// Old (blue) stack kept after the switch (default 30s).
    pub scale_down_delay: Duration,
    /// On abort, the preview stack is scaled down after this (default 30s).
    pub abort_scale_down_delay: Duration,
    /// Endpoint propagation after the active Service's selector changes (default 2s).
    pub switch_delay: Duration,
}

/// Pre-promotion smoke tests.
#[derive(Clone, Debug, PartialEq)]
pub struct SmokeTest {
    /// Probability that a defect (other than crashOnStart, which always
    /// shows) is caught.
    pub catch_rate: f64,
    /// How long the tests run (default 2m).
    pub duration: Duration,
}

/// Argo Rollouts' canary strategy (or Flagger's form of it).
#[derive(Clone, Debug, PartialEq)]
pub struct Canary {
    /// A mesh or ingress sets exact weights; false: weight ≈ replica ratio.
    pub traffic_routing: bool,
    /// Basic canary (no router): Argo's maxSurge / maxUnavailable (25% / 25%).
    pub max_surge: IntOrPercent,
    pub max_unavailable: IntOrPercent,
    pub plan: CanaryPlan,
    /// Background analysis (Argo form only) from a step on.
    pub background_analysis: Option<BackgroundAnalysis>,
    /// false: a failed analysis pages a human instead of aborting (default true).
    pub auto_rollback: bool,
    /// With a router: scale the stable set down as the canary's weight grows.
    pub dynamic_stable_scale: bool,
    /// Old stable pods kept after promotion (default 30s).
    pub scale_down_delay: Duration,
    /// On abort with a router, the canary is scaled down after this (default 30s).
    pub abort_scale_down_delay: Duration,
}

/// Steps (Argo) or Flagger's interval-driven weight schedule.
#[derive(Clone, Debug, PartialEq)]
pub enum CanaryPlan {
    Steps(Vec<CanaryStep>),
    Flagger(Flagger),
}

/// One Argo canary step.
#[derive(Clone, Debug, PartialEq)]
pub enum CanaryStep {
    /// Canary traffic weight, percent (0–100).
    SetWeight(u32),
    /// `pause: {duration}`; `None` = wait for a human to promote.
    Pause(Option<Duration>),
    /// Inline analysis: the step ends when it succeeds.
    Analysis(Analysis),
    /// Canary pod count independent of the weight (with a router).
    SetCanaryScale(CanaryScale),
    /// Copy this percent of traffic to the canary; responses are discarded.
    SetMirror(u32),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CanaryScale {
    Replicas(u32),
    /// Percent of replicas.
    Weight(u32),
    MatchTrafficWeight,
}

/// Flagger's analysis: every `interval` a check; on success the weight steps
/// up until `max_weight`, then promotion; `threshold` failed checks roll back.
#[derive(Clone, Debug, PartialEq)]
pub struct Flagger {
    pub interval: Duration,
    pub threshold: u32,
    /// The weight at which a passed check promotes (the last of `step_weights`).
    pub max_weight: u32,
    /// The weights in order (from `stepWeight` or `stepWeights`), ending at
    /// `max_weight`: with `stepWeight` the first multiple of the step at or
    /// above `maxWeight` (capped at 100), where Flagger promotes.
    pub step_weights: Vec<u32>,
    /// Mirror traffic to the canary before shifting any (Flagger `mirror`).
    pub mirror_weight: Option<u32>,
    /// Checks: thresholds, noise handling.
    pub analysis: Analysis,
}

/// Argo background analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct BackgroundAnalysis {
    /// Index of the step from which it runs (default 0).
    pub starting_step: u32,
    pub analysis: Analysis,
}

/// How a canary's metrics are judged (defaults from `observability.analysis`,
/// overridden per use).
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    pub interval: Duration,
    /// Measurements before the analysis succeeds; `None`: until the rollout ends.
    pub count: Option<u32>,
    /// Canary error ratio above this fails a measurement.
    pub error_rate_threshold: f64,
    /// Canary p99 latency above this fails a measurement.
    pub latency_p99_threshold: Duration,
    /// The analysis fails when failed measurements exceed this (Argo, default 0).
    pub failure_limit: u32,
    /// …and is inconclusive (pauses for a human) when inconclusive ones exceed this.
    pub inconclusive_limit: u32,
    /// …and fails when more measurements than this in a row find no data
    /// at all (Argo's `consecutiveErrorLimit`, default 4).
    pub consecutive_error_limit: u32,
    /// Fewer canary requests in an interval than this is "no data".
    pub min_requests: u64,
    /// Also test canary against stable (two-proportion z-test).
    pub compare_to_baseline: bool,
    pub on_no_data: OnNoData,
}

/// What a measurement with too few requests counts as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnNoData {
    Fail,
    Inconclusive,
    Pass,
}

impl StrategyKind {
    /// The type, without its settings.
    pub fn strategy_type(&self) -> StrategyType {
        match self {
            StrategyKind::Recreate => StrategyType::Recreate,
            StrategyKind::RollingUpdate { .. } => StrategyType::RollingUpdate,
            StrategyKind::BlueGreen(_) => StrategyType::BlueGreen,
            StrategyKind::Canary(_) => StrategyType::Canary,
        }
    }

    /// The `type:` string as written in a scenario.
    pub fn type_name(&self) -> &'static str {
        self.strategy_type().name()
    }
}

/// Kubernetes `IntOrString` for maxSurge / maxUnavailable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum IntOrPercent {
    Int(u32),
    /// Whole percent, e.g. 25 for "25%".
    Percent(u32),
}

#[derive(Clone, Debug, PartialEq)]
pub struct MonteCarlo {
    /// Trials per strategy (≥ 1).
    pub runs: u64,
    pub seed: u64,
    /// How long after the rollout a defect can still be found (default 24h).
    pub horizon: Duration,
    /// How trials draw their release.
    pub sampling: Sampling,
    /// Run batches of `runs` until the deciding figures are this precise
    /// (`None`: run `runs` trials).
    pub precision: Option<Precision>,
}

/// A precision target (`monteCarlo.precision`, `monteCarlo.maxRuns`): batch
/// after batch until the relative half-width of every 95% interval a grade
/// or constraint reads is at most `target`, or `max_runs` trials have run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Precision {
    /// The relative half-width aimed at, in (0, 1): 0.05 for "5%".
    pub target: f64,
    /// The most trials per strategy (at least `runs`).
    pub max_runs: u64,
}

/// How a run's trials draw their release (`monteCarlo.sampling`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sampling {
    /// A fixed share of trials, `bad_share` (in (0, 1)), carry a bad release
    /// and the rest a good one; `all` figures weigh the two strata by
    /// `release.defectProbability`.
    Stratified { bad_share: f64 },
    /// Each trial draws bad with `release.defectProbability`.
    Natural,
}

/// A distribution of a non-negative quantity, in the unit of its key
/// (ms for durations, fraction for percents).
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    Fixed(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Exponential {
        mean: f64,
    },
    /// Parameterised by what people estimate; `mu`/`sigma` derived once.
    LogNormal {
        median: f64,
        p95: f64,
        mu: f64,
        sigma: f64,
    },
    Empirical(Vec<f64>),
}
