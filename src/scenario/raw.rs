//! The scenario file as written: serde structs that mirror the YAML.
//!
//! Nothing here is checked beyond its YAML type; `validate` turns these into
//! the model once. Values that are checked later are `Spanned`, so a range
//! error can still point at its line and column. Unknown keys are errors.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use serde_saphyr::{Location, Spanned};

use super::strategy_type::StrategyKey;
use super::units::format_number;

/// A present value with its location.
pub type S<T> = Spanned<T>;
/// An optional value with its location.
pub type Opt<T> = Option<Spanned<T>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawScenario {
    pub name: S<String>,
    pub description: Option<String>,
    pub service: RawService,
    pub cluster: RawCluster,
    pub traffic: RawTraffic,
    #[serde(default)]
    pub slo: RawSlo,
    #[serde(default)]
    pub release: RawRelease,
    #[serde(default)]
    pub observability: RawObservability,
    pub schema_change: Option<RawSchemaChange>,
    pub strategies: S<Vec<S<RawStrategy>>>,
    #[serde(default)]
    pub monte_carlo: RawMonteCarlo,
    pub constraints: Option<RawConstraints>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawService {
    pub replicas: S<u32>,
    pub baseline_error_rate: Opt<Scalar>,
    pub pod: RawPod,
    #[serde(default)]
    pub startup: RawStartup,
    pub readiness_probe: Option<RawProbe>,
    pub liveness_probe: Option<RawProbe>,
    pub termination_grace_period_seconds: Option<u64>,
    pub shutdown: Opt<RawDist>,
    #[serde(default)]
    pub image: RawImage,
    pub latency: Opt<RawDist>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawPod {
    pub cpu: S<Scalar>,
    pub memory: S<Scalar>,
    pub capacity_rps: S<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawStartup {
    pub image_pull: Opt<RawDist>,
    pub boot: Opt<RawDist>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawProbe {
    pub initial_delay_seconds: Option<u64>,
    pub period_seconds: Opt<u64>,
    pub success_threshold: Opt<u32>,
    pub failure_threshold: Opt<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawImage {
    pub tag: Option<String>,
    pub mutable: Option<bool>,
    pub old_image_cached: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCluster {
    pub nodes: S<u32>,
    pub node_allocatable: RawResources,
    pub other_workloads: Option<RawResources>,
    pub autoscaler: Option<RawAutoscaler>,
    #[serde(default)]
    pub pricing: RawPricing,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawResources {
    pub cpu: S<Scalar>,
    pub memory: S<Scalar>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawAutoscaler {
    pub max_nodes: S<u32>,
    pub provision_time: Opt<RawDist>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawPricing {
    pub cpu_hour: Opt<f64>,
    pub memory_gi_b_hour: Opt<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawTraffic {
    pub rps: S<f64>,
    pub users: Opt<f64>,
    pub pattern: Option<RawPattern>,
    pub sticky_sessions: Option<bool>,
}

/// `constant`, or `{ diurnal: { ... } }`: an externally tagged enum, which
/// keeps line/column in errors (untagged and internally tagged enums lose it).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RawPattern {
    Constant,
    Diurnal(RawDiurnal),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawDiurnal {
    pub peak_to_trough: Opt<f64>,
    pub peak_at: Opt<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSlo {
    pub availability: Opt<Scalar>,
    pub window: Opt<Scalar>,
    pub latency_threshold: Opt<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawRelease {
    pub defect_probability: Opt<Scalar>,
    pub defects: Opt<Vec<S<RawDefect>>>,
    pub start_at: Opt<Scalar>,
    pub rebuild_time: Opt<RawDist>,
    pub redeploy_time: Opt<RawDist>,
}

/// One defect: `kind` says which of the optional parameters belong to it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawDefect {
    pub kind: S<String>,
    pub weight: Opt<f64>,
    pub error_rate: Opt<RawDist>,
    pub added_ms: Opt<RawDist>,
    pub after: Opt<RawDist>,
    pub affected_share: Opt<RawDist>,
}

/// `schemaChange`: every key but `kind` is located, so that `validate` can
/// refuse the keys a kind does not take.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSchemaChange {
    pub kind: RawSchemaKind,
    pub apply: Opt<RawSchemaApply>,
    pub duration: Opt<RawDist>,
    pub lock: Opt<RawLock>,
    pub reversible: Opt<bool>,
    pub restore_from_backup: Opt<RawDist>,
    pub contract_delay: Opt<Scalar>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RawSchemaKind {
    None,
    Additive,
    Breaking,
    ExpandContract,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RawSchemaApply {
    BeforeRollout,
    AfterRollout,
}

/// `schemaChange.lock`: what a running migration does to every request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawLock {
    pub error_rate: Opt<Scalar>,
    pub added_ms: Opt<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawObservability {
    pub metrics: Option<bool>,
    #[serde(default)]
    pub alerting: RawAlerting,
    #[serde(default)]
    pub human_response: RawHumanResponse,
    #[serde(default)]
    pub user_reports: RawUserReports,
    pub analysis: Option<RawAnalysis>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawAlerting {
    pub burn_rate_threshold: Opt<f64>,
    pub window: Opt<Scalar>,
    pub short_window: Opt<Scalar>,
    pub evaluation_interval: Opt<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawHumanResponse {
    pub ack: Opt<RawDist>,
    pub decide: Opt<RawDist>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawUserReports {
    pub delay: Opt<RawDist>,
}

/// One strategy: a `type` plus the keys of every type, checked against the
/// type in `validate` (a tagged enum would lose error locations): the keys
/// only some types take are [`StrategyKey`]s, found by
/// [`RawStrategy::location`], and each type declares which it takes. Or
/// `fromManifest` (with an optional `name`): the rest is read from a
/// Deployment or Rollout manifest (`manifest` builds the same struct).
/// `name` and `type` are optional here so that `validate` can tell the two
/// forms apart; it requires them when there is no `fromManifest`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawStrategy {
    pub name: Opt<String>,
    #[serde(rename = "type")]
    pub kind: Opt<String>,
    pub from_manifest: Opt<String>,
    pub max_surge: Opt<Scalar>,
    pub max_unavailable: Opt<Scalar>,
    pub min_ready_seconds: Opt<u64>,
    pub progress_deadline_seconds: Opt<u64>,
    pub revision_history_limit: Option<u32>,
    pub preview_replica_count: Opt<u32>,
    pub auto_promotion_enabled: Opt<bool>,
    pub auto_promotion_seconds: Opt<u64>,
    pub pre_promotion_analysis: Opt<RawSmokeTest>,
    pub post_promotion_analysis: Opt<RawAnalysisSwitch>,
    pub switch_delay: Opt<Scalar>,
    pub scale_down_delay_seconds: Opt<u64>,
    pub abort_scale_down_delay_seconds: Opt<u64>,
    pub traffic_routing: Opt<bool>,
    pub steps: Opt<Vec<S<RawStep>>>,
    pub analysis: Opt<RawCanaryAnalysis>,
    pub auto_rollback: Opt<bool>,
    pub dynamic_stable_scale: Opt<bool>,
}

impl RawStrategy {
    /// Where `key` is set in this entry, if it is.
    pub fn location(&self, key: StrategyKey) -> Option<Location> {
        fn at<T>(v: &Opt<T>) -> Option<Location> {
            v.as_ref().map(|v| v.referenced)
        }
        match key {
            StrategyKey::MaxSurge => at(&self.max_surge),
            StrategyKey::MaxUnavailable => at(&self.max_unavailable),
            StrategyKey::PreviewReplicaCount => at(&self.preview_replica_count),
            StrategyKey::AutoPromotionEnabled => at(&self.auto_promotion_enabled),
            StrategyKey::AutoPromotionSeconds => at(&self.auto_promotion_seconds),
            StrategyKey::PrePromotionAnalysis => at(&self.pre_promotion_analysis),
            StrategyKey::PostPromotionAnalysis => at(&self.post_promotion_analysis),
            StrategyKey::SwitchDelay => at(&self.switch_delay),
            StrategyKey::ScaleDownDelaySeconds => at(&self.scale_down_delay_seconds),
            StrategyKey::AbortScaleDownDelaySeconds => at(&self.abort_scale_down_delay_seconds),
            StrategyKey::TrafficRouting => at(&self.traffic_routing),
            StrategyKey::Steps => at(&self.steps),
            StrategyKey::Analysis => at(&self.analysis),
            StrategyKey::AutoRollback => at(&self.auto_rollback),
            StrategyKey::DynamicStableScale => at(&self.dynamic_stable_scale),
        }
    }
}

/// The analysis keys, shared by `observability.analysis` and every analysis
/// block of a strategy (which inherit the keys they leave out).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawAnalysis {
    pub interval: Opt<Scalar>,
    pub count: Opt<u32>,
    pub error_rate_threshold: Opt<Scalar>,
    pub latency_p99_threshold: Opt<Scalar>,
    pub failure_limit: Option<u32>,
    pub inconclusive_limit: Option<u32>,
    pub min_requests: Option<u64>,
    pub compare_to_baseline: Option<bool>,
    pub on_no_data: Option<RawOnNoData>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RawOnNoData {
    Fail,
    Inconclusive,
    Pass,
}

/// A Canary's strategy-level `analysis`: Argo background analysis (with
/// `steps`) or Flagger's form (without). Both forms' keys are accepted here
/// so that `validate` can say which form a misplaced key belongs to.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCanaryAnalysis {
    // Argo background analysis
    pub starting_step: Opt<u32>,
    // Flagger
    pub threshold: Opt<u32>,
    pub max_weight: Opt<u32>,
    pub step_weight: Opt<u32>,
    pub step_weights: Opt<Vec<S<u32>>>,
    pub mirror: Opt<bool>,
    pub mirror_weight: Opt<u32>,
    // The analysis keys, as in `RawAnalysis`
    pub interval: Opt<Scalar>,
    pub count: Opt<u32>,
    pub error_rate_threshold: Opt<Scalar>,
    pub latency_p99_threshold: Opt<Scalar>,
    pub failure_limit: Option<u32>,
    pub inconclusive_limit: Option<u32>,
    pub min_requests: Option<u64>,
    pub compare_to_baseline: Option<bool>,
    pub on_no_data: Option<RawOnNoData>,
}

impl RawCanaryAnalysis {
    /// The analysis keys alone.
    pub fn checks(&self) -> RawAnalysis {
        RawAnalysis {
            interval: self.interval.clone(),
            count: self.count.clone(),
            error_rate_threshold: self.error_rate_threshold.clone(),
            latency_p99_threshold: self.latency_p99_threshold.clone(),
            failure_limit: self.failure_limit,
            inconclusive_limit: self.inconclusive_limit,
            min_requests: self.min_requests,
            compare_to_baseline: self.compare_to_baseline,
            on_no_data: self.on_no_data,
        }
    }
}

/// Blue-green `prePromotionAnalysis`: smoke tests against the preview.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSmokeTest {
    pub smoke_test_catch_rate: S<Scalar>,
    pub duration: Opt<Scalar>,
}

/// `postPromotionAnalysis`: `true` / `false`, or a mapping of analysis keys.
#[derive(Debug)]
pub enum RawAnalysisSwitch {
    Enabled(bool),
    Map(Box<RawAnalysis>),
}

/// One Argo canary step: a mapping that should hold exactly one of these
/// (checked in `validate`, which can then name both when there are two).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawStep {
    pub set_weight: Opt<u32>,
    pub pause: Opt<RawPause>,
    pub analysis: Opt<RawAnalysis>,
    pub set_canary_scale: Opt<RawCanaryScale>,
    pub set_mirror_route: Opt<RawMirrorRoute>,
}

/// `pause: {}` (wait for a human) or `pause: { duration: 10m }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPause {
    pub duration: Opt<Scalar>,
}

/// Exactly one of the three, checked in `validate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCanaryScale {
    pub replicas: Opt<u32>,
    pub weight: Opt<u32>,
    pub match_traffic_weight: Opt<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMirrorRoute {
    pub percentage: Opt<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawMonteCarlo {
    pub runs: Opt<u64>,
    pub seed: Option<u64>,
    pub horizon: Opt<Scalar>,
    pub sampling: Option<RawSampling>,
    pub bad_share: Opt<Scalar>,
    pub precision: Opt<Scalar>,
    pub max_runs: Opt<u64>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RawSampling {
    Stratified,
    Natural,
}

/// `constraints`: the limits `deploysim recommend` checks, all optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawConstraints {
    pub max_failed_requests: Opt<f64>,
    pub max_affected_users: Opt<f64>,
    pub max_error_budget_burn: Opt<Scalar>,
    pub max_time_to_recover: Opt<Scalar>,
    pub max_extra_pod_hours: Opt<f64>,
    pub max_cost: Opt<f64>,
    pub traffic_router: Option<bool>,
    pub metrics: Option<bool>,
    pub fit_cluster: Option<bool>,
}

/// A scalar whose unit `validate` interprets: a number (`0.02`, `90`) or a
/// string (`25%`, `90s`, `500m`, `1Gi`).
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Num(f64),
    Str(String),
}

impl Scalar {
    /// The value as written, without quotes: `20s`, `0.5`.
    pub fn bare(&self) -> String {
        match self {
            Scalar::Num(x) => format_number(*x),
            Scalar::Str(s) => s.clone(),
        }
    }
}

impl fmt::Display for Scalar {
    /// As an error message quotes it: numbers bare, strings in quotes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Num(x) => f.write_str(&format_number(*x)),
            Scalar::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// A distribution as written: a plain scalar (shorthand for `fixed`) or a
/// mapping with one of `fixed`, `uniform`, `exponential`, `lognormal`, `empirical`.
#[derive(Debug)]
pub enum RawDist {
    Fixed(Scalar),
    Map(Box<RawDistMap>),
}

/// All forms are optional so that `validate` can say "exactly one of" with
/// the location; serde still rejects unknown forms such as `lognormel`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDistMap {
    pub fixed: Opt<Scalar>,
    pub uniform: Option<RawUniform>,
    pub exponential: Option<RawExponential>,
    pub lognormal: Option<RawLogNormal>,
    pub empirical: Opt<Vec<S<Scalar>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUniform {
    pub min: S<Scalar>,
    pub max: S<Scalar>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExponential {
    pub mean: S<Scalar>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLogNormal {
    pub median: S<Scalar>,
    pub p95: S<Scalar>,
}

/// What a plain scalar of unit-bearing keys may be; used in type errors.
const SCALAR_EXPECTED: &str = r#"a number or a string like "25%", "90s" or "500m""#;

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DistVisitor)
    }
}

struct ScalarVisitor;

impl Visitor<'_> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SCALAR_EXPECTED)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v as f64))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }
}

impl<'de> Deserialize<'de> for RawAnalysisSwitch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnalysisSwitchVisitor)
    }
}

/// Booleans switch the inherited analysis on or off; mappings go to `RawAnalysis`.
struct AnalysisSwitchVisitor;

impl<'de> Visitor<'de> for AnalysisSwitchVisitor {
    type Value = RawAnalysisSwitch;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("true, false or a mapping of analysis keys like { count: 5 }")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawAnalysisSwitch, E> {
        Ok(RawAnalysisSwitch::Enabled(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawAnalysisSwitch, A::Error> {
        let m = RawAnalysis::deserialize(MapAccessDeserializer::new(map))?;
        Ok(RawAnalysisSwitch::Map(Box::new(m)))
    }
}

/// Scalars become `fixed`; mappings go to the derived `RawDistMap`.
struct DistVisitor;

impl<'de> Visitor<'de> for DistVisitor {
    type Value = RawDist;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a distribution like { lognormal: { median: 8s, p95: 40s } } or a fixed value")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawDist, E> {
        ScalarVisitor.visit_u64(v).map(RawDist::Fixed)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawDist, E> {
        ScalarVisitor.visit_i64(v).map(RawDist::Fixed)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawDist, E> {
        ScalarVisitor.visit_f64(v).map(RawDist::Fixed)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDist, E> {
        ScalarVisitor.visit_str(v).map(RawDist::Fixed)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDist, A::Error> {
        let m = RawDistMap::deserialize(MapAccessDeserializer::new(map))?;
        Ok(RawDist::Map(Box::new(m)))
    }
}
