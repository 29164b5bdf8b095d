//! Defaults for every optional scenario key: the Kubernetes controllers' own
//! defaults where one exists, else the sourced figures of
//! `docs/calibration.md` (its section noted per item; "est." means an
//! estimate, not a measurement).
//!
//! Durations are ms, shares are fractions.

use super::model::{Analysis, DefectKind, DefectSpec, Dist, IntOrPercent, OnNoData, SchemaKind};
use crate::sim::time::Duration;

const SECOND: f64 = 1e3;
const MINUTE: f64 = 60e3;
const HOUR: f64 = 3_600e3;

/// Healthy share of failed requests (0.1%).
pub const BASELINE_ERROR_RATE: f64 = 0.001;
/// Kubernetes `terminationGracePeriodSeconds`.
pub const TERMINATION_GRACE_SECONDS: u64 = 30;
/// Image tag when none is given.
pub const IMAGE_TAG: &str = "v1";
/// Kubernetes probe defaults: period, success and failure thresholds (docs/calibration.md, Pods).
pub const PROBE_PERIOD_SECONDS: u64 = 10;
pub const PROBE_SUCCESS_THRESHOLD: u32 = 1;
pub const PROBE_FAILURE_THRESHOLD: u32 = 3;
/// GCE N2 us-central1 prices, USD per vCPU-hour and GiB-hour (docs/calibration.md, Pods).
pub const CPU_HOUR: f64 = 0.0316;
pub const MEMORY_GIB_HOUR: f64 = 0.00424;
/// Distinct active users.
pub const USERS: f64 = 10_000.0;
/// Diurnal peak-to-trough ratio and peak time (afternoon).
pub const PEAK_TO_TROUGH: f64 = 3.0;
pub const PEAK_AT: Duration = Duration::from_secs(14 * 3600);
/// 99.9% over 30 days (docs/calibration.md, Detection).
pub const AVAILABILITY: f64 = 0.999;
pub const SLO_WINDOW: Duration = Duration::from_secs(30 * 86_400);
pub const LATENCY_THRESHOLD: Duration = Duration::from_secs(1);
/// DORA 2024 change failure rate between elite and low (docs/calibration.md, Releases).
pub const DEFECT_PROBABILITY: f64 = 0.10;
/// Rollouts start mid-morning.
pub const START_AT: Duration = Duration::from_secs(10 * 3600);
/// SRE Workbook fast-burn page: 14.4 over 1h (docs/calibration.md, Detection).
pub const BURN_RATE_THRESHOLD: f64 = 14.4;
pub const ALERT_WINDOW: Duration = Duration::from_secs(3600);
/// The short window is the long one / 12 (1h → 5m), as in the Workbook.
pub const SHORT_WINDOW_DIVISOR: u64 = 12;
/// Prometheus rule evaluation interval.
pub const EVALUATION_INTERVAL: Duration = Duration::from_secs(60);
/// Kubernetes Deployment rolling-update defaults.
pub const MAX_SURGE: IntOrPercent = IntOrPercent::Percent(25);
pub const MAX_UNAVAILABLE: IntOrPercent = IntOrPercent::Percent(25);
pub const PROGRESS_DEADLINE_SECONDS: u64 = 600;
/// Old ReplicaSets kept for `rollout undo` (Kubernetes and Argo Rollouts).
pub const REVISION_HISTORY_LIMIT: u32 = 10;
/// Argo Rollouts: the old stack (blue-green) or stable set (canary) is kept
/// this long after promotion, and the new one this long after an abort.
pub const SCALE_DOWN_DELAY_SECONDS: u64 = 30;
pub const ABORT_SCALE_DOWN_DELAY_SECONDS: u64 = 30;
/// Blue-green: endpoints follow the active Service's new selector (est.).
pub const SWITCH_DELAY: Duration = Duration::from_secs(2);
/// Blue-green pre-promotion smoke tests run this long (est.).
pub const SMOKE_TEST_DURATION: Duration = Duration::from_secs(120);
/// Share of defects a pre-promotion analysis read from a Rollout manifest
/// catches: its templates are queries deploysim cannot run (est.: even odds).
pub const SMOKE_TEST_CATCH_RATE: f64 = 0.5;
/// Measurements of a step or post-promotion analysis that sets no `count`
/// anywhere: such an analysis must end for the rollout to go on.
/// Argo's `consecutiveErrorLimit`: measurements in a row without data
/// before the run is in Error.
pub const CONSECUTIVE_ERROR_LIMIT: u32 = 4;
pub const ANALYSIS_COUNT: u32 = 5;
/// Argo `setMirrorRoute.percentage` when left out.
pub const MIRROR_PERCENTAGE: u32 = 100;
/// Flagger: failed checks before rollback (`GetAnalysisThreshold`: 1),
/// highest canary weight (`maxWeight`: the total weight, 100), the share of
/// traffic mirrored with `mirror: true`, and the shortest check interval
/// (`GetAnalysisInterval`: 10 s).
pub const FLAGGER_THRESHOLD: u32 = 1;
pub const FLAGGER_MAX_WEIGHT: u32 = 100;
pub const FLAGGER_MIRROR_WEIGHT: u32 = 100;
pub const FLAGGER_MIN_INTERVAL: Duration = Duration::from_secs(10);
/// expandContract: the contract step runs a day after the rollout is
/// complete (est.).
pub const CONTRACT_DELAY: Duration = Duration::from_secs(24 * 3600);
/// Monte Carlo trials per strategy, seed and horizon.
pub const RUNS: u64 = 10_000;
pub const SEED: u64 = 42;
pub const HORIZON: Duration = Duration::from_secs(24 * 3600);
/// Stratified sampling: the share of trials that carry a bad release.
pub const BAD_SHARE: f64 = 0.5;
/// With a precision target: the most trials per strategy it may take.
pub const MAX_RUNS: u64 = 1_000_000;

/// Image pull on a cold node: ~100 MB image (docs/calibration.md, Pods, est.).
pub fn image_pull() -> Dist {
    Dist::lognormal(5.0 * SECOND, 15.0 * SECOND)
}

/// SIGTERM → exit: a preStop pause plus draining in-flight requests
/// (docs/calibration.md, Pods, est.).
pub fn shutdown() -> Dist {
    Dist::lognormal(5.0 * SECOND, 20.0 * SECOND)
}

/// JVM-style boot at ≤ 1 vCPU (docs/calibration.md, Pods, est.).
pub fn boot() -> Dist {
    Dist::lognormal(20.0 * SECOND, 60.0 * SECOND)
}

/// Healthy request latency, ms.
pub fn latency() -> Dist {
    // p99 ≈ 350 ms: under the default 500 ms analysis threshold with room
    // for sampling noise (est.).
    Dist::lognormal(50.0, 200.0)
}

/// Cluster-autoscaler node provisioning.
pub fn provision_time() -> Dist {
    Dist::lognormal(3.0 * MINUTE, 6.0 * MINUTE)
}

/// Rebuild and push a fixed image.
pub fn rebuild_time() -> Dist {
    Dist::lognormal(30.0 * MINUTE, HOUR)
}

/// Redeploy the previous version through the pipeline when no ReplicaSet is
/// left to undo to (est.).
pub fn redeploy_time() -> Dist {
    Dist::lognormal(15.0 * MINUTE, 45.0 * MINUTE)
}

/// How long a schema migration runs (docs/calibration.md, Schema changes, est.): an additive
/// change is catalog-only (PostgreSQL ≥ 11, non-volatile default); a breaking
/// one rewrites the table and its indexes, which scales with table size.
pub fn schema_duration(kind: SchemaKind) -> Dist {
    match kind {
        SchemaKind::Additive => Dist::Fixed(2.0 * SECOND),
        SchemaKind::Breaking | SchemaKind::ExpandContract => {
            Dist::lognormal(10.0 * MINUTE, 2.0 * HOUR)
        }
    }
}

/// Restore the database from backup (docs/calibration.md, Schema changes, est.; GitLab 2017 took ~18 h).
pub fn restore_from_backup() -> Dist {
    Dist::lognormal(HOUR, 8.0 * HOUR)
}

/// Page → acknowledged (docs/calibration.md, Detection, est.).
pub fn ack() -> Dist {
    Dist::lognormal(4.0 * MINUTE, 20.0 * MINUTE)
}

/// Acknowledged → decision to roll back (docs/calibration.md, Detection, est.).
pub fn decide() -> Dist {
    Dist::lognormal(5.0 * MINUTE, 30.0 * MINUTE)
}

/// Defect onset → a user report reaches the team (docs/calibration.md, Detection, est.).
pub fn user_report_delay() -> Dist {
    Dist::lognormal(30.0 * MINUTE, 4.0 * HOUR)
}

/// A segment defect fails every request on its path.
pub fn segment_error_rate() -> Dist {
    Dist::Fixed(1.0)
}

/// The defect mixture of docs/calibration.md, Releases (weights and shapes are estimates).
pub fn defects() -> Vec<DefectSpec> {
    let spec = |weight, kind| DefectSpec { weight, kind };
    vec![
        spec(0.20, DefectKind::CrashOnStart),
        spec(
            0.40,
            DefectKind::ErrorRate {
                error_rate: Dist::lognormal(0.02, 0.40),
            },
        ),
        spec(
            0.15,
            DefectKind::Latency {
                added_ms: Dist::lognormal(100.0, 1000.0),
            },
        ),
        spec(
            0.10,
            DefectKind::DelayedCrash {
                after: Dist::Exponential {
                    mean: 30.0 * MINUTE,
                },
            },
        ),
        spec(
            0.15,
            DefectKind::Segment {
                affected_share: Dist::Uniform {
                    min: 0.01,
                    max: 0.05,
                },
                error_rate: segment_error_rate(),
            },
        ),
    ]
}

/// `observability.analysis` defaults: Flagger's 1m interval and its 99% success /
/// 500ms thresholds (docs/calibration.md, Detection), Argo's failureLimit 0, inconclusive on no data.
pub fn analysis() -> Analysis {
    Analysis {
        interval: Duration::from_secs(60),
        count: None,
        error_rate_threshold: 0.01,
        latency_p99_threshold: Duration::from_millis(500),
        failure_limit: 0,
        inconclusive_limit: 0,
        consecutive_error_limit: CONSECUTIVE_ERROR_LIMIT,
        min_requests: 100,
        compare_to_baseline: false,
        on_no_data: OnNoData::Inconclusive,
    }
}
