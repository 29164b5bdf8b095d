//! The one conversion from the raw file into the model: defaults filled in,
//! every value checked, and every error pointing at its key and location.

use std::fmt::Display;

use serde_saphyr::{Location, Spanned};

use super::defaults as def;
use super::error::ScenarioError;
use super::manifest;
use super::model::*;
use super::raw::*;
use super::strategy_type::{StrategyKey, StrategyType};
use super::units;
use super::yaml::join;
use crate::sim::time::Duration;

type Res<T> = Result<T, ScenarioError>;

/// Reads a scalar in a key's unit into the model's base unit (ms, fraction).
type Unit = fn(&Scalar) -> Result<f64, String>;

/// Where a value sits: the file and the key path, for its errors.
struct At<'a> {
    file: &'a str,
    path: String,
}

impl<'a> At<'a> {
    fn key(&self, key: &str) -> At<'a> {
        At {
            file: self.file,
            path: join(&self.path, key),
        }
    }

    fn index(&self, i: usize) -> At<'a> {
        At {
            file: self.file,
            path: format!("{}[{i}]", self.path),
        }
    }

    fn err(&self, location: Location, message: impl Into<String>) -> ScenarioError {
        ScenarioError::at_location(self.file, Some(location), &self.path, message)
    }

    /// Converts a present value; a failure points at it.
    fn val<R, T>(&self, v: &Spanned<R>, f: impl FnOnce(&R) -> Result<T, String>) -> Res<T> {
        f(&v.value).map_err(|m| self.err(v.referenced, m))
    }

    /// Converts an optional value, or gives `default` when it is absent.
    fn opt<R, T>(
        &self,
        v: &Option<Spanned<R>>,
        default: T,
        f: impl FnOnce(&R) -> Result<T, String>,
    ) -> Res<T> {
        v.as_ref().map_or(Ok(default), |v| self.val(v, f))
    }

    /// Converts an optional value that stays optional.
    fn some<R, T>(
        &self,
        v: &Option<Spanned<R>>,
        f: impl FnOnce(&R) -> Result<T, String>,
    ) -> Res<Option<T>> {
        v.as_ref().map(|v| self.val(v, f)).transpose()
    }

    /// A distribution whose values are read by `unit`, or `default` when absent.
    fn dist_or(&self, v: &Opt<RawDist>, unit: Unit, default: Dist) -> Res<Dist> {
        v.as_ref().map_or(Ok(default), |v| dist(self, v, unit))
    }
}

/// Checks a raw scenario and fills in its defaults.
pub fn scenario(raw: &RawScenario, file: &str) -> Res<Scenario> {
    let at = At {
        file,
        path: String::new(),
    };
    // In file order, so the first error reported is the first in the file.
    let name = at.key("name").val(&raw.name, |n| name(n))?;
    let service = service(&at.key("service"), &raw.service)?;
    let cluster = cluster(&at.key("cluster"), &raw.cluster)?;
    let traffic = traffic(&at.key("traffic"), &raw.traffic)?;
    let slo = slo(&at.key("slo"), &raw.slo)?;
    let release = release(&at.key("release"), &raw.release)?;
    let observability = observability(&at.key("observability"), &raw.observability)?;
    let schema_change = raw
        .schema_change
        .as_ref()
        .map(|c| schema_change(&at.key("schemaChange"), c))
        .transpose()?
        .flatten();
    let constraints = raw
        .constraints
        .as_ref()
        .map(|c| constraints(&at.key("constraints"), c, &observability))
        .transpose()?;
    let cx = Context {
        replicas: service.replicas,
        analysis: &observability.analysis,
        flagger_on_no_data: raw
            .observability
            .analysis
            .as_ref()
            .and_then(|a| a.on_no_data)
            .map_or(OnNoData::Fail, on_no_data),
        flagger_min_requests: raw
            .observability
            .analysis
            .as_ref()
            .and_then(|a| a.min_requests)
            .unwrap_or(1),
    };
    let strategies = strategies(&at.key("strategies"), &raw.strategies, &cx)?;
    let sc = Scenario {
        name,
        description: raw.description.clone().unwrap_or_default(),
        service,
        cluster,
        traffic,
        slo,
        release,
        observability,
        schema_change,
        strategies,
        monte_carlo: monte_carlo(&at.key("monteCarlo"), &raw.monte_carlo)?,
        constraints,
    };
    within_work_bound(&at.key("strategies"), &raw.strategies, &sc)?;
    Ok(sc)
}

/// Refuses a strategy whose trials could take more events than the work
/// bound allows ([`super::work`]), at its entry, naming the keys.
fn within_work_bound(at: &At, raw: &Spanned<Vec<Spanned<RawStrategy>>>, sc: &Scenario) -> Res<()> {
    let Some(b) = super::work::beyond(sc) else {
        return Ok(());
    };
    let location = raw
        .value
        .get(b.strategy)
        .map_or(raw.referenced, |s| s.referenced);
    Err(at.index(b.strategy).err(
        location,
        format!(
            "a trial of strategy {:?} could take {} events, beyond the bound of {} per trial: \
             {}",
            sc.strategies[b.strategy].name,
            b.events,
            super::work::MAX_EVENTS,
            b.why,
        ),
    ))
}

/// What strategies are checked against, from the rest of the scenario.
struct Context<'a> {
    /// `service.replicas`.
    replicas: u32,
    /// `observability.analysis`, which every analysis block inherits.
    analysis: &'a Analysis,
    /// `onNoData` of a Flagger analysis that sets none: fail, as Flagger
    /// counts a check without data as failed, unless `observability.analysis`
    /// says otherwise.
    flagger_on_no_data: OnNoData,
    /// `minRequests` of a Flagger analysis that sets none: Flagger has no
    /// such floor (a query with any data is judged; one without fails), so
    /// only an explicit `observability.analysis.minRequests` is inherited.
    flagger_min_requests: u64,
}

fn service(at: &At, raw: &RawService) -> Res<Service> {
    let probe = |key: &str, p: &Option<RawProbe>| p.as_ref().map(|p| probe(&at.key(key), p));
    let startup = at.key("startup");
    Ok(Service {
        replicas: at.key("replicas").val(&raw.replicas, |&r| match r {
            1..=MAX_REPLICAS => Ok(r),
            _ => Err(format!(
                "expected an integer from 1 to {MAX_REPLICAS} (a Kubernetes cluster's tested \
                 limit is 150,000 pods), found {r}"
            )),
        })?,
        baseline_error_rate: at.key("baselineErrorRate").opt(
            &raw.baseline_error_rate,
            def::BASELINE_ERROR_RATE,
            units::fraction,
        )?,
        pod: PodSpec {
            cpu_millis: at.key("pod.cpu").val(&raw.pod.cpu, units::cpu_millis)?,
            memory_bytes: at
                .key("pod.memory")
                .val(&raw.pod.memory, units::memory_bytes)?,
            capacity_rps: at
                .key("pod.capacityRps")
                .val(&raw.pod.capacity_rps, positive)?,
        },
        startup: Startup {
            image_pull: startup.key("imagePull").dist_or(
                &raw.startup.image_pull,
                DURATION,
                def::image_pull(),
            )?,
            boot: startup
                .key("boot")
                .dist_or(&raw.startup.boot, DURATION, def::boot())?,
        },
        readiness_probe: probe("readinessProbe", &raw.readiness_probe).transpose()?,
        liveness_probe: probe("livenessProbe", &raw.liveness_probe).transpose()?,
        termination_grace_period: secs(
            raw.termination_grace_period_seconds
                .unwrap_or(def::TERMINATION_GRACE_SECONDS),
        ),
        shutdown: at
            .key("shutdown")
            .dist_or(&raw.shutdown, DURATION, def::shutdown())?,
        image: Image {
            tag: raw
                .image
                .tag
                .clone()
                .unwrap_or_else(|| def::IMAGE_TAG.to_owned()),
            mutable: raw.image.mutable.unwrap_or(false),
            old_image_cached: raw.image.old_image_cached.unwrap_or(true),
        },
        latency: at
            .key("latency")
            .dist_or(&raw.latency, units::millis, def::latency())?,
    })
}

fn probe(at: &At, raw: &RawProbe) -> Res<Probe> {
    let period =
        at.key("periodSeconds")
            .opt(&raw.period_seconds, def::PROBE_PERIOD_SECONDS, int_min(1))?;
    Ok(Probe {
        initial_delay: secs(raw.initial_delay_seconds.unwrap_or(0)),
        period: secs(period),
        success_threshold: at.key("successThreshold").opt(
            &raw.success_threshold,
            def::PROBE_SUCCESS_THRESHOLD,
            int_min(1),
        )?,
        failure_threshold: at.key("failureThreshold").opt(
            &raw.failure_threshold,
            def::PROBE_FAILURE_THRESHOLD,
            int_min(1),
        )?,
    })
}

fn cluster(at: &At, raw: &RawCluster) -> Res<Cluster> {
    let nodes = at.key("nodes").val(&raw.nodes, int_min(1))?;
    let node_allocatable = resources(&at.key("nodeAllocatable"), &raw.node_allocatable, None)?;
    let capacity = Resources {
        cpu_millis: node_allocatable.cpu_millis.saturating_mul(nodes.into()),
        memory_bytes: node_allocatable.memory_bytes.saturating_mul(nodes.into()),
    };
    let other = raw.other_workloads.as_ref();
    let pricing = at.key("pricing");
    Ok(Cluster {
        nodes,
        node_allocatable,
        other_workloads: other
            .map(|o| resources(&at.key("otherWorkloads"), o, Some(capacity)))
            .transpose()?
            .unwrap_or_default(),
        autoscaler: raw
            .autoscaler
            .as_ref()
            .map(|a| autoscaler(&at.key("autoscaler"), a, nodes))
            .transpose()?,
        pricing: Pricing {
            cpu_hour: pricing.key("cpuHour").opt(
                &raw.pricing.cpu_hour,
                def::CPU_HOUR,
                num_min(0.0),
            )?,
            memory_gib_hour: pricing.key("memoryGiBHour").opt(
                &raw.pricing.memory_gi_b_hour,
                def::MEMORY_GIB_HOUR,
                num_min(0.0),
            )?,
        },
    })
}

/// CPU and memory; with `limit`, neither may exceed it (what the nodes hold).
fn resources(at: &At, raw: &RawResources, limit: Option<Resources>) -> Res<Resources> {
    let limit = limit.unwrap_or(Resources {
        cpu_millis: u64::MAX,
        memory_bytes: u64::MAX,
    });
    let fits = |total: u64, unit: &'static str, format: fn(u64) -> String| {
        move |v: u64| match v {
            v if v <= total => Ok(v),
            v => Err(format!(
                "exceeds the whole cluster: nodes × nodeAllocatable.{unit} is {}, found {}",
                format(total),
                format(v)
            )),
        }
    };
    Ok(Resources {
        cpu_millis: at.key("cpu").val(&raw.cpu, |v| {
            units::cpu_millis(v).and_then(fits(limit.cpu_millis, "cpu", units::format_cpu))
        })?,
        memory_bytes: at.key("memory").val(&raw.memory, |v| {
            units::memory_bytes(v).and_then(fits(
                limit.memory_bytes,
                "memory",
                units::format_memory,
            ))
        })?,
    })
}

fn autoscaler(at: &At, raw: &RawAutoscaler, nodes: u32) -> Res<Autoscaler> {
    let at_least_nodes = |m: &u32| match *m {
        m if m >= nodes => Ok(m),
        m => Err(format!(
            "expected at least cluster.nodes ({nodes}), found {m}"
        )),
    };
    Ok(Autoscaler {
        max_nodes: at.key("maxNodes").val(&raw.max_nodes, at_least_nodes)?,
        provision_time: at.key("provisionTime").dist_or(
            &raw.provision_time,
            DURATION,
            def::provision_time(),
        )?,
    })
}

fn traffic(at: &At, raw: &RawTraffic) -> Res<Traffic> {
    let pattern = match &raw.pattern {
        None | Some(RawPattern::Constant) => Pattern::Constant,
        Some(RawPattern::Diurnal(d)) => {
            let at = at.key("pattern.diurnal");
            Pattern::Diurnal {
                peak_to_trough: at.key("peakToTrough").opt(
                    &d.peak_to_trough,
                    def::PEAK_TO_TROUGH,
                    num_min(1.0),
                )?,
                peak_at: at
                    .key("peakAt")
                    .opt(&d.peak_at, def::PEAK_AT, time_of_day)?,
            }
        }
    };
    Ok(Traffic {
        rps: at.key("rps").val(&raw.rps, num_min(0.0))?,
        users: at.key("users").opt(&raw.users, def::USERS, num_min(1.0))?,
        pattern,
        sticky_sessions: raw.sticky_sessions.unwrap_or(false),
    })
}

fn slo(at: &At, raw: &RawSlo) -> Res<Slo> {
    let availability = |v: &Scalar| match units::fraction(v)? {
        a if a > 0.0 && a < 1.0 => Ok(a),
        _ => Err(format!(
            "expected a percent strictly between 0% and 100% like \"99.9%\", found {v}"
        )),
    };
    Ok(Slo {
        availability: at.key("availability").opt(
            &raw.availability,
            def::AVAILABILITY,
            availability,
        )?,
        window: at
            .key("window")
            .opt(&raw.window, def::SLO_WINDOW, positive_duration)?,
        latency_threshold: at.key("latencyThreshold").opt(
            &raw.latency_threshold,
            def::LATENCY_THRESHOLD,
            positive_duration,
        )?,
    })
}

fn release(at: &At, raw: &RawRelease) -> Res<Release> {
    let defect_probability = at.key("defectProbability").opt(
        &raw.defect_probability,
        def::DEFECT_PROBABILITY,
        units::fraction,
    )?;
    let defects = match &raw.defects {
        None => def::defects(),
        Some(list) if list.value.is_empty() && defect_probability > 0.0 => {
            return Err(at.key("defects").err(
                list.referenced,
                "expected at least one defect while defectProbability is above 0, found an empty list",
            ));
        }
        Some(list) => list
            .value
            .iter()
            .enumerate()
            .map(|(i, d)| defect(&at.key("defects").index(i), d))
            .collect::<Res<_>>()?,
    };
    Ok(Release {
        defect_probability,
        defects,
        start_at: at
            .key("startAt")
            .opt(&raw.start_at, def::START_AT, time_of_day)?,
        rebuild_time: at.key("rebuildTime").dist_or(
            &raw.rebuild_time,
            DURATION,
            def::rebuild_time(),
        )?,
        redeploy_time: at.key("redeployTime").dist_or(
            &raw.redeploy_time,
            DURATION,
            def::redeploy_time(),
        )?,
    })
}

/// The parameter keys of each defect kind.
const DEFECT_KINDS: [(&str, &[&str]); 5] = [
    ("crashOnStart", &[]),
    ("errorRate", &["errorRate"]),
    ("latency", &["addedMs"]),
    ("delayedCrash", &["after"]),
    ("segment", &["affectedShare", "errorRate"]),
];

fn defect(at: &At, raw: &Spanned<RawDefect>) -> Res<DefectSpec> {
    let d = &raw.value;
    let kind = d.kind.value.as_str();
    let Some((_, takes)) = DEFECT_KINDS.iter().find(|(k, _)| *k == kind) else {
        let kinds: Vec<_> = DEFECT_KINDS.iter().map(|(k, _)| *k).collect();
        let msg = format!("expected one of {}, found {kind:?}", kinds.join(", "));
        return Err(at.key("kind").err(d.kind.referenced, msg));
    };
    let params = [
        ("errorRate", &d.error_rate),
        ("addedMs", &d.added_ms),
        ("after", &d.after),
        ("affectedShare", &d.affected_share),
    ];
    for (key, value) in params {
        if let Some(v) = value
            && !takes.contains(&key)
        {
            let takes = match takes {
                [] => "no parameters".to_owned(),
                keys => format!("only {}", keys.join(", ")),
            };
            let msg = format!("`{key}` does not apply to kind {kind}, which takes {takes}");
            return Err(at.key(key).err(v.referenced, msg));
        }
    }
    let need = |key: &str, v: &Opt<RawDist>, unit: Unit| match v {
        Some(v) => dist(&at.key(key), v, unit),
        None => Err(at.key(key).err(
            raw.referenced,
            format!("missing required key `{key}` for kind {kind}"),
        )),
    };
    let kind = match kind {
        "crashOnStart" => DefectKind::CrashOnStart,
        "errorRate" => DefectKind::ErrorRate {
            error_rate: need("errorRate", &d.error_rate, units::fraction)?,
        },
        "latency" => DefectKind::Latency {
            added_ms: need("addedMs", &d.added_ms, units::millis)?,
        },
        "delayedCrash" => DefectKind::DelayedCrash {
            after: need("after", &d.after, DURATION)?,
        },
        _ => DefectKind::Segment {
            affected_share: need("affectedShare", &d.affected_share, units::fraction)?,
            error_rate: at.key("errorRate").dist_or(
                &d.error_rate,
                units::fraction,
                def::segment_error_rate(),
            )?,
        },
    };
    let weight = at.key("weight").opt(&d.weight, 1.0, positive)?;
    Ok(DefectSpec { weight, kind })
}

fn observability(at: &At, raw: &RawObservability) -> Res<Observability> {
    let (a, alerting) = (&raw.alerting, at.key("alerting"));
    let window = alerting
        .key("window")
        .opt(&a.window, def::ALERT_WINDOW, positive_duration)?;
    let at_most_window = |v: &Scalar| match positive_duration(v)? {
        d if d <= window => Ok(d),
        _ => Err(format!("expected at most window ({window}), found {v}")),
    };
    let human = at.key("humanResponse");
    Ok(Observability {
        metrics: raw.metrics.unwrap_or(true),
        alerting: Alerting {
            burn_rate_threshold: alerting.key("burnRateThreshold").opt(
                &a.burn_rate_threshold,
                def::BURN_RATE_THRESHOLD,
                positive,
            )?,
            window,
            short_window: alerting.key("shortWindow").opt(
                &a.short_window,
                Duration(window.as_millis() / def::SHORT_WINDOW_DIVISOR),
                at_most_window,
            )?,
            evaluation_interval: alerting.key("evaluationInterval").opt(
                &a.evaluation_interval,
                def::EVALUATION_INTERVAL,
                positive_duration,
            )?,
        },
        human_response: HumanResponse {
            ack: human
                .key("ack")
                .dist_or(&raw.human_response.ack, DURATION, def::ack())?,
            decide: human.key("decide").dist_or(
                &raw.human_response.decide,
                DURATION,
                def::decide(),
            )?,
        },
        user_reports: UserReports {
            delay: at.key("userReports.delay").dist_or(
                &raw.user_reports.delay,
                DURATION,
                def::user_report_delay(),
            )?,
        },
        analysis: match &raw.analysis {
            Some(a) => analysis(&at.key("analysis"), a, &def::analysis(), None)?,
            None => def::analysis(),
        },
    })
}

/// `constraints`: limits are optional and never negative; `metrics`
/// defaults to what `observability` says.
fn constraints(at: &At, raw: &RawConstraints, obs: &Observability) -> Res<Constraints> {
    let count = |key: &str, v: &Opt<f64>| at.key(key).some(v, num_min(0.0));
    Ok(Constraints {
        max_failed_requests: count("maxFailedRequests", &raw.max_failed_requests)?,
        max_affected_users: count("maxAffectedUsers", &raw.max_affected_users)?,
        max_error_budget_burn: at
            .key("maxErrorBudgetBurn")
            .some(&raw.max_error_budget_burn, units::share)?,
        max_time_to_recover: at
            .key("maxTimeToRecover")
            .some(&raw.max_time_to_recover, positive_duration)?,
        max_extra_pod_hours: count("maxExtraPodHours", &raw.max_extra_pod_hours)?,
        max_cost: count("maxCost", &raw.max_cost)?,
        traffic_router: raw.traffic_router,
        metrics: raw.metrics.unwrap_or(obs.metrics),
        fit_cluster: raw.fit_cluster.unwrap_or(false),
    })
}

/// `schemaChange`; `None` for kind none.
fn schema_change(at: &At, raw: &RawSchemaChange) -> Res<Option<SchemaChange>> {
    let (kind, name) = match raw.kind {
        RawSchemaKind::None => return no_schema_change(at, raw).map(|()| None),
        RawSchemaKind::Additive => (SchemaKind::Additive, "additive"),
        RawSchemaKind::Breaking => (SchemaKind::Breaking, "breaking"),
        RawSchemaKind::ExpandContract => (SchemaKind::ExpandContract, "expandContract"),
    };
    let apply = |a: &RawSchemaApply| match a {
        RawSchemaApply::BeforeRollout => Ok(SchemaApply::BeforeRollout),
        RawSchemaApply::AfterRollout if kind == SchemaKind::ExpandContract => Err(
            "expected beforeRollout for kind expandContract, found afterRollout: \
             expand/contract has its own timing (expand before the rollout, contract \
             `contractDelay` after it is complete)"
                .to_owned(),
        ),
        RawSchemaApply::AfterRollout => Ok(SchemaApply::AfterRollout),
    };
    let apply = at
        .key("apply")
        .opt(&raw.apply, SchemaApply::BeforeRollout, apply)?;
    let lock = |l: &Spanned<RawLock>| lock(&at.key("lock"), &l.value);
    Ok(Some(SchemaChange {
        kind,
        apply,
        duration: at.key("duration").dist_or(
            &raw.duration,
            DURATION,
            def::schema_duration(kind),
        )?,
        lock: raw.lock.as_ref().map(lock).transpose()?,
        reversible: raw.reversible.as_ref().is_some_and(|r| r.value),
        restore_from_backup: at.key("restoreFromBackup").dist_or(
            &raw.restore_from_backup,
            DURATION,
            def::restore_from_backup(),
        )?,
        contract_delay: contract_delay(&at.key("contractDelay"), raw, (kind, name))?,
    }))
}

/// Kind none is no schema change: a key beside it would be ignored, so it is refused.
fn no_schema_change(at: &At, raw: &RawSchemaChange) -> Res<()> {
    let keys = [
        ("apply", loc(&raw.apply)),
        ("duration", loc(&raw.duration)),
        ("lock", loc(&raw.lock)),
        ("reversible", loc(&raw.reversible)),
        ("restoreFromBackup", loc(&raw.restore_from_backup)),
        ("contractDelay", loc(&raw.contract_delay)),
    ];
    match keys.into_iter().find_map(|(key, l)| Some((key, l?))) {
        None => Ok(()),
        Some((key, location)) => {
            let msg = format!(
                "`{key}` does not apply to kind none (no schema change): remove it or set a kind"
            );
            Err(at.key(key).err(location, msg))
        }
    }
}

/// `contractDelay`, which only kind expandContract has; `kind` with its name.
fn contract_delay(at: &At, raw: &RawSchemaChange, kind: (SchemaKind, &str)) -> Res<Duration> {
    match &raw.contract_delay {
        None => Ok(def::CONTRACT_DELAY),
        Some(d) if kind.0 == SchemaKind::ExpandContract => at.val(d, duration),
        Some(d) => {
            let msg = format!(
                "`contractDelay` applies only to kind expandContract, not {}",
                kind.1
            );
            Err(at.err(d.referenced, msg))
        }
    }
}

/// A running migration's effect on requests; absent keys do nothing.
fn lock(at: &At, raw: &RawLock) -> Res<LockImpact> {
    Ok(LockImpact {
        error_rate: at
            .key("errorRate")
            .opt(&raw.error_rate, 0.0, units::fraction)?,
        added_ms: at.key("addedMs").opt(&raw.added_ms, 0.0, units::millis)?,
    })
}

/// The analysis keys of `raw` over `base`, the analysis it inherits from; a
/// `count` set in neither is `count`.
fn analysis(at: &At, raw: &RawAnalysis, base: &Analysis, count: Option<u32>) -> Res<Analysis> {
    let at_least_one = |c: &u32| int_min(1)(c).map(Some);
    Ok(Analysis {
        interval: at
            .key("interval")
            .opt(&raw.interval, base.interval, positive_duration)?,
        count: at
            .key("count")
            .opt(&raw.count, base.count.or(count), at_least_one)?,
        error_rate_threshold: at.key("errorRateThreshold").opt(
            &raw.error_rate_threshold,
            base.error_rate_threshold,
            units::fraction,
        )?,
        latency_p99_threshold: at.key("latencyP99Threshold").opt(
            &raw.latency_p99_threshold,
            base.latency_p99_threshold,
            positive_duration,
        )?,
        failure_limit: raw.failure_limit.unwrap_or(base.failure_limit),
        inconclusive_limit: raw.inconclusive_limit.unwrap_or(base.inconclusive_limit),
        consecutive_error_limit: base.consecutive_error_limit,
        min_requests: raw.min_requests.unwrap_or(base.min_requests),
        compare_to_baseline: raw.compare_to_baseline.unwrap_or(base.compare_to_baseline),
        on_no_data: raw.on_no_data.map_or(base.on_no_data, on_no_data),
    })
}

fn on_no_data(raw: RawOnNoData) -> OnNoData {
    match raw {
        RawOnNoData::Fail => OnNoData::Fail,
        RawOnNoData::Inconclusive => OnNoData::Inconclusive,
        RawOnNoData::Pass => OnNoData::Pass,
    }
}

fn strategies(
    at: &At,
    raw: &Spanned<Vec<Spanned<RawStrategy>>>,
    cx: &Context,
) -> Res<Vec<Strategy>> {
    if raw.value.is_empty() {
        return Err(at.err(
            raw.referenced,
            "expected at least one strategy, found an empty list",
        ));
    }
    let mut out: Vec<Strategy> = Vec::new();
    for (i, s) in raw.value.iter().enumerate() {
        let at = at.index(i);
        let strategy = match &s.value.from_manifest {
            Some(path) => from_manifest(&at, s, path, cx)?,
            None => strategy(&at, s, cx)?,
        };
        if let Some(first) = out.iter().position(|o| o.name == strategy.name) {
            let mut msg = format!(
                "duplicate strategy name {:?}, already used by strategies[{first}]",
                strategy.name
            );
            let (key, location) = match (&s.value.name, &s.value.from_manifest) {
                (Some(n), _) => ("name", n.referenced),
                (None, Some(path)) => {
                    msg += " (it is the manifest's metadata.name): give this entry a `name`";
                    ("fromManifest", path.referenced)
                }
                (None, None) => ("name", s.referenced),
            };
            return Err(at.key(key).err(location, msg));
        }
        out.push(strategy);
    }
    Ok(out)
}

/// `{ fromManifest: PATH, name: NAME }`: the strategy of a Deployment or
/// Rollout manifest, checked as the same entry written by hand would be; its
/// errors point into the manifest.
fn from_manifest(
    at: &At,
    item: &Spanned<RawStrategy>,
    path: &Spanned<String>,
    cx: &Context,
) -> Res<Strategy> {
    beside_manifest(at, item)?;
    let w = manifest::load(at.file, &at.key("fromManifest").path, path)?;
    if let Some(r) = w.replicas.as_ref().filter(|r| r.value != cx.replicas) {
        let msg = format!(
            "the manifest runs {} replicas, but service.replicas is {}: the numbers would be \
             about another service (make the two agree, or leave spec.replicas out)",
            r.value, cx.replicas
        );
        return Err(ScenarioError::at_location(
            &w.file,
            Some(r.referenced),
            "spec.replicas",
            msg,
        ));
    }
    let in_manifest = At {
        file: &w.file,
        path: String::new(),
    };
    let name = match (&item.value.name, &w.name) {
        (Some(n), _) => at.key("name").val(n, |n| name(n))?,
        (None, Some(n)) => in_manifest.key("metadata.name").val(n, |n| name(n))?,
        (None, None) => {
            let msg = "missing `name`: the manifest has no metadata.name to take it from";
            return Err(at.key("name").err(path.referenced, msg));
        }
    };
    let kind = required(&in_manifest, &w.strategy, "type", &w.strategy.value.kind)?;
    let mut strategy =
        strategy_body(&in_manifest, &w.strategy, kind, name, cx).map_err(|mut e| {
            if e.file == w.file {
                e.key_path = w.key_path(&e.key_path);
            }
            e
        })?;
    model_keys(at, item, &mut strategy)?;
    Ok(strategy)
}

/// Applies the keys given beside `fromManifest` (what no manifest can say:
/// [`StrategyKey::beside_manifest`]) to the strategy read from the manifest;
/// their errors point into the scenario.
fn model_keys(at: &At, item: &Spanned<RawStrategy>, s: &mut Strategy) -> Res<()> {
    let raw = &item.value;
    let t = s.kind.strategy_type();
    for key in StrategyKey::ALL.into_iter().filter(|k| k.beside_manifest()) {
        if let Some(l) = raw.location(key).filter(|_| !t.takes(key)) {
            let msg = format!(
                "`{}` applies to {}, but the manifest's strategy is {t}",
                key.name(),
                types_taking(key)
            );
            return Err(at.key(key.name()).err(l, msg));
        }
    }
    match &mut s.kind {
        StrategyKind::BlueGreen(bg) => {
            if let Some(p) = &raw.pre_promotion_analysis {
                let at = at.key("prePromotionAnalysis");
                if bg.pre_promotion_analysis.is_none() {
                    let msg = "the manifest's Rollout runs no prePromotionAnalysis: describe \
                               the tests only where the manifest runs them";
                    return Err(at.err(p.referenced, msg));
                }
                bg.pre_promotion_analysis = Some(smoke_test(&at, &p.value)?);
            }
            bg.switch_delay =
                at.key("switchDelay")
                    .opt(&raw.switch_delay, bg.switch_delay, duration)?;
        }
        StrategyKind::Canary(c) => {
            c.auto_rollback = raw
                .auto_rollback
                .as_ref()
                .map_or(c.auto_rollback, |a| a.value);
        }
        StrategyKind::Recreate | StrategyKind::RollingUpdate { .. } => {}
    }
    Ok(())
}

/// Beside `fromManifest` only `name` and what no manifest can say
/// ([`StrategyKey::beside_manifest`]) may be set: the rest is the manifest's.
fn beside_manifest(at: &At, item: &Spanned<RawStrategy>) -> Res<()> {
    let raw = &item.value;
    let revision_history_limit = raw.revision_history_limit.map(|_| item.referenced);
    let mut keys = vec![
        ("type", loc(&raw.kind)),
        ("minReadySeconds", loc(&raw.min_ready_seconds)),
        (
            "progressDeadlineSeconds",
            loc(&raw.progress_deadline_seconds),
        ),
        ("revisionHistoryLimit", revision_history_limit),
    ];
    let (said, not_said): (Vec<StrategyKey>, Vec<StrategyKey>) = StrategyKey::ALL
        .into_iter()
        .partition(|k| k.beside_manifest());
    keys.extend(not_said.into_iter().map(|k| (k.name(), raw.location(k))));
    match keys.into_iter().find_map(|(key, l)| Some((key, l?))) {
        None => Ok(()),
        Some((key, location)) => {
            let said = said.into_iter().map(StrategyKey::name).collect::<Vec<_>>();
            let msg = format!(
                "`{key}` cannot be set beside `fromManifest`: the strategy is read from \
                 the manifest (only `name` and what a manifest cannot say — {} — may be given)",
                said.join(", ")
            );
            Err(at.key(key).err(location, msg))
        }
    }
}

/// A key every strategy entry written by hand has.
fn required<'r, T>(
    at: &At,
    item: &Spanned<RawStrategy>,
    key: &str,
    value: &'r Opt<T>,
) -> Res<&'r Spanned<T>> {
    let mut msg = format!("missing required key `{key}`");
    if key == "type" {
        msg += " (or `fromManifest`, to read the strategy from a Deployment or Rollout manifest)";
    }
    value
        .as_ref()
        .ok_or_else(|| at.key(key).err(item.referenced, msg))
}

/// A strategy written by hand.
fn strategy(at: &At, item: &Spanned<RawStrategy>, cx: &Context) -> Res<Strategy> {
    let name = required(at, item, "name", &item.value.name)?;
    let name = at.key("name").val(name, |n| self::name(n))?;
    let kind = required(at, item, "type", &item.value.kind)?;
    strategy_body(at, item, kind, name, cx)
}

/// Everything of a strategy but its name, whose `type` is `kind`.
fn strategy_body(
    at: &At,
    item: &Spanned<RawStrategy>,
    kind: &Spanned<String>,
    name: String,
    cx: &Context,
) -> Res<Strategy> {
    let raw = &item.value;
    let t = at.key("type").val(kind, |k| StrategyType::parse(k))?;
    keys_fit_type(at, raw, t)?;
    let kind = match t {
        StrategyType::Recreate => StrategyKind::Recreate,
        StrategyType::RollingUpdate => {
            let (max_surge, max_unavailable) = surge_and_unavailable(at, raw)?;
            StrategyKind::RollingUpdate {
                max_surge,
                max_unavailable,
            }
        }
        StrategyType::BlueGreen => StrategyKind::BlueGreen(blue_green(at, raw, cx)?),
        StrategyType::Canary => StrategyKind::Canary(canary(at, item, cx)?),
    };
    // Kubernetes: progressDeadlineSeconds must be greater than minReadySeconds.
    let min_ready = raw.min_ready_seconds.as_ref().map_or(0, |m| m.value);
    let deadline = at.key("progressDeadlineSeconds").opt(
        &raw.progress_deadline_seconds,
        def::PROGRESS_DEADLINE_SECONDS,
        |d| match *d {
            d if d > min_ready => Ok(d),
            d => Err(format!(
                "expected more than minReadySeconds ({min_ready}), found {d}"
            )),
        },
    )?;
    if let Some(m) = &raw.min_ready_seconds
        && m.value >= deadline
    {
        let msg = format!(
            "expected less than progressDeadlineSeconds ({deadline}), found {}",
            m.value
        );
        return Err(at.key("minReadySeconds").err(m.referenced, msg));
    }
    Ok(Strategy {
        name,
        kind,
        min_ready: secs(min_ready),
        progress_deadline: secs(deadline),
        revision_history_limit: raw
            .revision_history_limit
            .unwrap_or(def::REVISION_HISTORY_LIMIT),
    })
}

/// Refuses, rather than ignores, a key that type `t` does not take (as its
/// strategy's `KEYS` declare).
fn keys_fit_type(at: &At, raw: &RawStrategy, t: StrategyType) -> Res<()> {
    let misplaced = StrategyKey::ALL
        .into_iter()
        .filter(|&k| !t.takes(k))
        .find_map(|k| Some((k, raw.location(k)?)));
    let Some((key, location)) = misplaced else {
        return Ok(());
    };
    let mut msg = format!(
        "`{}` applies only to type {}, not {t}",
        key.name(),
        types_taking(key)
    );
    if let Some(why) = t.keys().refusal(key) {
        msg += &format!(" ({why})");
    }
    Err(at.key(key.name()).err(location, msg))
}

/// The types that take `key`, as a message lists them ("RollingUpdate or Canary").
fn types_taking(key: StrategyKey) -> String {
    let names: Vec<&str> = StrategyType::taking(key).map(StrategyType::name).collect();
    names.join(" or ")
}

/// `maxSurge` and `maxUnavailable`, Kubernetes defaults; both 0 is refused.
fn surge_and_unavailable(at: &At, raw: &RawStrategy) -> Res<(IntOrPercent, IntOrPercent)> {
    let max_surge =
        at.key("maxSurge")
            .opt(&raw.max_surge, def::MAX_SURGE, units::int_or_percent)?;
    let at_most_all = |v: &Scalar| match units::int_or_percent(v)? {
        IntOrPercent::Percent(p) if p > 100 => {
            Err(format!("expected a percent of at most 100%, found {v}"))
        }
        ok => Ok(ok),
    };
    let max_unavailable =
        at.key("maxUnavailable")
            .opt(&raw.max_unavailable, def::MAX_UNAVAILABLE, at_most_all)?;
    let zero = |v| matches!(v, IntOrPercent::Int(0) | IntOrPercent::Percent(0));
    if let Some(u) = &raw.max_unavailable
        && zero(max_surge)
        && zero(max_unavailable)
    {
        let msg = "maxSurge and maxUnavailable cannot both be 0: the rollout could never progress";
        return Err(at.key("maxUnavailable").err(u.referenced, msg));
    }
    Ok((max_surge, max_unavailable))
}

fn blue_green(at: &At, raw: &RawStrategy, cx: &Context) -> Res<BlueGreen> {
    let replicas = cx.replicas;
    let preview = |n: &u32| match *n {
        n if (1..=replicas).contains(&n) => Ok(n),
        n => Err(format!(
            "expected an integer from 1 to service.replicas ({replicas}), found {n}"
        )),
    };
    let auto_promotion_enabled = raw.auto_promotion_enabled.as_ref().is_none_or(|a| a.value);
    if let Some(s) = &raw.auto_promotion_seconds
        && !auto_promotion_enabled
    {
        let msg = "contradicts autoPromotionEnabled: false, under which a human promotes \
                   (Argo ignores it): remove one of the two";
        return Err(at.key("autoPromotionSeconds").err(s.referenced, msg));
    }
    let smoke_test =
        |p: &Spanned<RawSmokeTest>| smoke_test(&at.key("prePromotionAnalysis"), &p.value);
    Ok(BlueGreen {
        preview_replica_count: at
            .key("previewReplicaCount")
            .some(&raw.preview_replica_count, preview)?,
        auto_promotion_enabled,
        auto_promotion_seconds: raw.auto_promotion_seconds.as_ref().map(|s| secs(s.value)),
        pre_promotion_analysis: raw
            .pre_promotion_analysis
            .as_ref()
            .map(smoke_test)
            .transpose()?,
        post_promotion_analysis: post_promotion(
            &at.key("postPromotionAnalysis"),
            &raw.post_promotion_analysis,
            cx,
        )?,
        scale_down_delay: scale_down_delay(
            &raw.scale_down_delay_seconds,
            def::SCALE_DOWN_DELAY_SECONDS,
        ),
        abort_scale_down_delay: scale_down_delay(
            &raw.abort_scale_down_delay_seconds,
            def::ABORT_SCALE_DOWN_DELAY_SECONDS,
        ),
        switch_delay: at
            .key("switchDelay")
            .opt(&raw.switch_delay, def::SWITCH_DELAY, duration)?,
    })
}

/// A `*ScaleDownDelaySeconds` key, or `default` seconds.
fn scale_down_delay(raw: &Opt<u64>, default: u64) -> Duration {
    secs(raw.as_ref().map_or(default, |s| s.value))
}

fn smoke_test(at: &At, raw: &RawSmokeTest) -> Res<SmokeTest> {
    Ok(SmokeTest {
        catch_rate: at
            .key("smokeTestCatchRate")
            .val(&raw.smoke_test_catch_rate, units::fraction)?,
        duration: at.key("duration").opt(
            &raw.duration,
            def::SMOKE_TEST_DURATION,
            positive_duration,
        )?,
    })
}

/// `true` is the inherited analysis, `false` none, a mapping overrides keys;
/// it runs `def::ANALYSIS_COUNT` times unless a count is set.
fn post_promotion(at: &At, raw: &Opt<RawAnalysisSwitch>, cx: &Context) -> Res<Option<Analysis>> {
    let count = Some(def::ANALYSIS_COUNT);
    match raw.as_ref().map(|r| &r.value) {
        None | Some(RawAnalysisSwitch::Enabled(false)) => Ok(None),
        Some(RawAnalysisSwitch::Enabled(true)) => {
            analysis(at, &RawAnalysis::default(), cx.analysis, count).map(Some)
        }
        Some(RawAnalysisSwitch::Map(m)) => analysis(at, m, cx.analysis, count).map(Some),
    }
}

fn canary(at: &At, item: &Spanned<RawStrategy>, cx: &Context) -> Res<Canary> {
    let raw = &item.value;
    let routing = raw.traffic_routing.as_ref().is_some_and(|r| r.value);
    let (max_surge, max_unavailable) = surge_and_unavailable(at, raw)?;
    if let Some(d) = raw.dynamic_stable_scale.as_ref().filter(|d| d.value) {
        let why = "without a router the stable set already shrinks as the canary grows";
        needs_router(&at.key("dynamicStableScale"), routing, d.referenced, why)?;
    }
    let (plan, background_analysis) = match (&raw.steps, &raw.analysis) {
        (Some(steps), background) => {
            let steps = canary_steps(&at.key("steps"), steps, routing, cx)?;
            let background = background
                .as_ref()
                .map(|b| background_analysis(&at.key("analysis"), &b.value, steps.len(), cx))
                .transpose()?;
            (CanaryPlan::Steps(steps), background)
        }
        (None, Some(a)) => (
            CanaryPlan::Flagger(flagger(&at.key("analysis"), a, routing, cx)?),
            None,
        ),
        (None, None) => {
            let msg = format!("missing `steps`: {NEEDS_PLAN}");
            return Err(at.key("steps").err(item.referenced, msg));
        }
    };
    Ok(Canary {
        traffic_routing: routing,
        max_surge,
        max_unavailable,
        plan,
        background_analysis,
        auto_rollback: raw.auto_rollback.as_ref().is_none_or(|a| a.value),
        dynamic_stable_scale: raw.dynamic_stable_scale.as_ref().is_some_and(|d| d.value),
        scale_down_delay: scale_down_delay(
            &raw.scale_down_delay_seconds,
            def::SCALE_DOWN_DELAY_SECONDS,
        ),
        abort_scale_down_delay: scale_down_delay(
            &raw.abort_scale_down_delay_seconds,
            def::ABORT_SCALE_DOWN_DELAY_SECONDS,
        ),
    })
}

/// What a Canary without a plan is missing.
const NEEDS_PLAN: &str = "a Canary needs `steps` or a Flagger `analysis` with stepWeight";

/// Refuses a key at `location` that only a traffic router can carry out.
fn needs_router(at: &At, routing: bool, location: Location, why: &str) -> Res<()> {
    if routing {
        return Ok(());
    }
    let msg = format!("needs `trafficRouting: true` (a mesh or ingress router): {why}");
    Err(at.err(location, msg))
}

fn canary_steps(
    at: &At,
    raw: &Spanned<Vec<Spanned<RawStep>>>,
    routing: bool,
    cx: &Context,
) -> Res<Vec<CanaryStep>> {
    if raw.value.is_empty() {
        let msg = "expected at least one step, found an empty list \
                   (a Canary without steps is a rolling update: use type RollingUpdate)";
        return Err(at.err(raw.referenced, msg));
    }
    let steps = raw.value.iter().enumerate();
    steps
        .map(|(i, s)| canary_step(&at.index(i), s, routing, cx))
        .collect()
}

/// The step kinds, in the order a step's error lists them.
const STEP_KINDS: &str = "setWeight, pause, analysis, setCanaryScale, setMirrorRoute";

fn canary_step(at: &At, raw: &Spanned<RawStep>, routing: bool, cx: &Context) -> Res<CanaryStep> {
    let s = &raw.value;
    let given: Vec<&str> = [
        ("setWeight", s.set_weight.is_some()),
        ("pause", s.pause.is_some()),
        ("analysis", s.analysis.is_some()),
        ("setCanaryScale", s.set_canary_scale.is_some()),
        ("setMirrorRoute", s.set_mirror_route.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, given)| given.then_some(k))
    .collect();
    let one_of =
        |found: &str| format!("expected exactly one of {STEP_KINDS} in a step, found {found}");
    if given.len() > 1 {
        return Err(at.err(raw.referenced, one_of(&given.join(" and "))));
    }
    if let Some(w) = &s.set_weight {
        return at
            .key("setWeight")
            .val(w, percent)
            .map(CanaryStep::SetWeight);
    }
    if let Some(p) = &s.pause {
        let at = at.key("pause").key("duration");
        return at.some(&p.value.duration, duration).map(CanaryStep::Pause);
    }
    if let Some(a) = &s.analysis {
        let count = Some(def::ANALYSIS_COUNT);
        return analysis(&at.key("analysis"), &a.value, cx.analysis, count)
            .map(CanaryStep::Analysis);
    }
    if let Some(c) = &s.set_canary_scale {
        let at = at.key("setCanaryScale");
        let why = "without a router the canary's weight is its share of pods, not set apart";
        needs_router(&at, routing, c.referenced, why)?;
        return canary_scale(&at, c).map(CanaryStep::SetCanaryScale);
    }
    if let Some(m) = &s.set_mirror_route {
        let at = at.key("setMirrorRoute");
        needs_router(
            &at,
            routing,
            m.referenced,
            "only a router can mirror requests",
        )?;
        let percentage = &m.value.percentage;
        let percentage = at
            .key("percentage")
            .opt(percentage, def::MIRROR_PERCENTAGE, percent)?;
        return Ok(CanaryStep::SetMirror(percentage));
    }
    Err(at.err(raw.referenced, one_of("none")))
}

fn canary_scale(at: &At, raw: &Spanned<RawCanaryScale>) -> Res<CanaryScale> {
    let c = &raw.value;
    match (&c.replicas, &c.weight, &c.match_traffic_weight) {
        (Some(r), None, None) => Ok(CanaryScale::Replicas(r.value)),
        (None, Some(w), None) => at.key("weight").val(w, percent).map(CanaryScale::Weight),
        (None, None, Some(m)) if m.value => Ok(CanaryScale::MatchTrafficWeight),
        (None, None, Some(m)) => Err(at.key("matchTrafficWeight").err(
            m.referenced,
            "expected true (the canary's pods follow its weight again), found false",
        )),
        _ => Err(at.err(
            raw.referenced,
            "expected exactly one of replicas, weight, matchTrafficWeight",
        )),
    }
}

/// Argo background analysis: from `startingStep` on, until the rollout ends
/// (or `count` measurements).
fn background_analysis(
    at: &At,
    raw: &RawCanaryAnalysis,
    steps: usize,
    cx: &Context,
) -> Res<BackgroundAnalysis> {
    let flagger_keys = [
        ("threshold", loc(&raw.threshold)),
        ("maxWeight", loc(&raw.max_weight)),
        ("stepWeight", loc(&raw.step_weight)),
        ("stepWeights", loc(&raw.step_weights)),
        ("mirror", loc(&raw.mirror)),
        ("mirrorWeight", loc(&raw.mirror_weight)),
    ];
    if let Some((key, Some(location))) = flagger_keys.into_iter().find(|k| k.1.is_some()) {
        let msg = format!(
            "`{key}` belongs to the Flagger form of `analysis`, which has no `steps`; \
             with `steps`, `analysis` is Argo background analysis \
             (startingStep and the analysis keys)"
        );
        return Err(at.key(key).err(location, msg));
    }
    let in_range = |s: &u32| match *s {
        s if (s as usize) < steps => Ok(s),
        s => Err(format!(
            "expected a step index from 0 to {} (there are {steps} steps), found {s}",
            steps - 1
        )),
    };
    Ok(BackgroundAnalysis {
        starting_step: at
            .key("startingStep")
            .opt(&raw.starting_step, 0, in_range)?,
        analysis: analysis(at, &raw.checks(), cx.analysis, None)?,
    })
}

/// Flagger's form: a check every `interval`, the weight stepping up on success.
fn flagger(at: &At, raw: &Spanned<RawCanaryAnalysis>, routing: bool, cx: &Context) -> Res<Flagger> {
    let a = &raw.value;
    if let Some(s) = &a.starting_step {
        let msg = "`startingStep` applies to Argo background analysis, which needs `steps`; \
                   without `steps`, `analysis` is the Flagger form (stepWeight or stepWeights)";
        return Err(at.key("startingStep").err(s.referenced, msg));
    }
    let why = "Flagger always shifts traffic through a router";
    needs_router(at, routing, raw.referenced, why)?;
    let base = Analysis {
        on_no_data: cx.flagger_on_no_data,
        min_requests: cx.flagger_min_requests,
        ..cx.analysis.clone()
    };
    let mut checks = analysis(at, &a.checks(), &base, None)?;
    // `GetAnalysisInterval`: an interval below 10 s is 10 s.
    checks.interval = checks.interval.max(def::FLAGGER_MIN_INTERVAL);
    let (max_weight, step_weights) = flagger_weights(at, raw)?;
    let mirror = a.mirror.as_ref().is_some_and(|m| m.value);
    let mirror_weight = match &a.mirror_weight {
        Some(w) if !mirror => {
            return Err(at
                .key("mirrorWeight")
                .err(w.referenced, "needs `mirror: true`"));
        }
        w if mirror => Some(
            at.key("mirrorWeight")
                .opt(w, def::FLAGGER_MIRROR_WEIGHT, percent)?,
        ),
        _ => None,
    };
    Ok(Flagger {
        interval: checks.interval,
        threshold: at
            .key("threshold")
            .opt(&a.threshold, def::FLAGGER_THRESHOLD, int_min(1))?,
        max_weight,
        step_weights,
        mirror_weight,
        analysis: checks,
    })
}

/// `maxWeight` and the weights in order, from `stepWeight` (step, 2×step, …,
/// then `maxWeight`) or `stepWeights` (whose last is the max, as in Flagger).
fn flagger_weights(at: &At, raw: &Spanned<RawCanaryAnalysis>) -> Res<(u32, Vec<u32>)> {
    let a = &raw.value;
    let from_one = |w: &u32| match *w {
        w if (1..=100).contains(&w) => Ok(w),
        w => Err(format!("expected a weight from 1 to 100, found {w}")),
    };
    match (&a.step_weight, &a.step_weights) {
        (Some(_), Some(list)) => Err(at.key("stepWeights").err(
            list.referenced,
            "expected one of stepWeight or stepWeights, found both",
        )),
        (None, None) => {
            let msg = format!("missing `stepWeight` or `stepWeights`: {NEEDS_PLAN}");
            Err(at.key("stepWeight").err(raw.referenced, msg))
        }
        (Some(step), None) => {
            let max = at
                .key("maxWeight")
                .opt(&a.max_weight, def::FLAGGER_MAX_WEIGHT, from_one)?;
            let step = at.key("stepWeight").val(step, from_one)?;
            // Flagger adds the step while the weight is below the max, so
            // the last weight may overshoot it (capped at 100).
            let below_max = (1..).map(|i| step * i).take_while(|w| *w < max);
            // That last weight is where it promotes: the effective max.
            let last = (max.div_ceil(step) * step).min(100);
            Ok((last, below_max.chain([last]).collect()))
        }
        (None, Some(list)) => {
            let weights = step_weights(&at.key("stepWeights"), list)?;
            let last = weights.last().copied().unwrap_or(0);
            let is_last = |m: &u32| match *m {
                m if m == last => Ok(m),
                m => Err(format!(
                    "expected the last of stepWeights ({last}), where Flagger stops, found {m}"
                )),
            };
            let max = at.key("maxWeight").opt(&a.max_weight, last, is_last)?;
            Ok((max, weights))
        }
    }
}

/// A non-empty, strictly increasing list of weights from 1 to 100.
fn step_weights(at: &At, list: &Spanned<Vec<Spanned<u32>>>) -> Res<Vec<u32>> {
    if list.value.is_empty() {
        return Err(at.err(
            list.referenced,
            "expected at least one weight, found an empty list",
        ));
    }
    let mut weights: Vec<u32> = Vec::with_capacity(list.value.len());
    for (i, w) in list.value.iter().enumerate() {
        let low = weights.last().map_or(1, |p| p + 1);
        let next = |w: &u32| match *w {
            w if (low..=100).contains(&w) => Ok(w),
            w => Err(format!(
                "expected a weight from {low} to 100 (stepWeights must increase), found {w}"
            )),
        };
        weights.push(at.index(i).val(w, next)?);
    }
    Ok(weights)
}

fn monte_carlo(at: &At, raw: &RawMonteCarlo) -> Res<MonteCarlo> {
    Ok(MonteCarlo {
        runs: at.key("runs").opt(&raw.runs, def::RUNS, int_min(1))?,
        seed: raw.seed.unwrap_or(def::SEED),
        horizon: at
            .key("horizon")
            .opt(&raw.horizon, def::HORIZON, positive_duration)?,
        sampling: sampling(at, raw)?,
        precision: precision(at, raw)?,
    })
}

/// `precision` and its `maxRuns`, which only a precision target has.
fn precision(at: &At, raw: &RawMonteCarlo) -> Res<Option<Precision>> {
    let Some(target) = &raw.precision else {
        return match &raw.max_runs {
            Some(v) => Err(at.key("maxRuns").err(
                v.referenced,
                "maxRuns applies with a precision target only; remove it, or set precision (e.g. 5%)",
            )),
            None => Ok(None),
        };
    };
    let target = at.key("precision").val(target, |v| {
        units::fraction(v).and_then(|f| {
            (f > 0.0 && f < 1.0).then_some(f).ok_or_else(|| {
                format!(
                    "expected a relative half-width above 0% and below 100% like \"5%\", found {}",
                    units::format_percent(f)
                )
            })
        })
    })?;
    let runs = raw.runs.as_ref().map_or(def::RUNS, |r| r.value);
    let max_runs = at
        .key("maxRuns")
        .opt(&raw.max_runs, def::MAX_RUNS.max(runs), int_min(runs))?;
    Ok(Some(Precision { target, max_runs }))
}

/// `sampling` and its `badShare`, which only a stratified run has.
fn sampling(at: &At, raw: &RawMonteCarlo) -> Res<Sampling> {
    let share = |v: &Scalar| {
        units::fraction(v).and_then(|f| {
            (f > 0.0 && f < 1.0).then_some(f).ok_or_else(|| {
                format!(
                    "expected a share above 0% and below 100% like \"50%\", found {}",
                    units::format_percent(f)
                )
            })
        })
    };
    match raw.sampling {
        Some(RawSampling::Natural) => match &raw.bad_share {
            Some(v) => Err(at.key("badShare").err(
                v.referenced,
                "badShare applies to sampling: stratified only; remove it, or set sampling: stratified",
            )),
            None => Ok(Sampling::Natural),
        },
        None | Some(RawSampling::Stratified) => Ok(Sampling::Stratified {
            bad_share: at.key("badShare").opt(&raw.bad_share, def::BAD_SHARE, share)?,
        }),
    }
}

/// Durations in ms (for distributions).
const DURATION: Unit = units::duration_ms;

/// A distribution whose values are read by `unit`.
fn dist(at: &At, v: &Spanned<RawDist>, unit: Unit) -> Res<Dist> {
    let m = match &v.value {
        RawDist::Fixed(x) => {
            return unit(x)
                .map(Dist::Fixed)
                .map_err(|e| at.err(v.referenced, e));
        }
        RawDist::Map(m) => m,
    };
    let forms = [
        ("fixed", m.fixed.is_some()),
        ("uniform", m.uniform.is_some()),
        ("exponential", m.exponential.is_some()),
        ("lognormal", m.lognormal.is_some()),
        ("empirical", m.empirical.is_some()),
    ];
    let given: Vec<&str> = forms.iter().filter(|f| f.1).map(|f| f.0).collect();
    if given.len() != 1 {
        let found = if given.is_empty() {
            "none".to_owned()
        } else {
            given.join(" and ")
        };
        let msg = format!(
            "expected exactly one of fixed, uniform, exponential, lognormal, empirical, found {found}"
        );
        return Err(at.err(v.referenced, msg));
    }
    if let Some(x) = &m.fixed {
        return at.key("fixed").val(x, unit).map(Dist::Fixed);
    }
    if let Some(u) = &m.uniform {
        let at = at.key("uniform");
        let min = at.key("min").val(&u.min, unit)?;
        let msg = format!("uniform max must be at least min ({})", u.min.value.bare());
        let max = at.key("max").val(&u.max, above(unit, min, true, msg))?;
        return Ok(Dist::Uniform { min, max });
    }
    if let Some(e) = &m.exponential {
        let msg = "exponential mean must be greater than 0".to_owned();
        let mean = at
            .key("exponential.mean")
            .val(&e.mean, above(unit, 0.0, false, msg))?;
        return Ok(Dist::Exponential { mean });
    }
    if let Some(l) = &m.lognormal {
        let at = at.key("lognormal");
        let msg = "lognormal median must be greater than 0".to_owned();
        let median = at
            .key("median")
            .val(&l.median, above(unit, 0.0, false, msg))?;
        let msg = format!(
            "lognormal p95 must be greater than median ({})",
            l.median.value.bare()
        );
        let p95 = at.key("p95").val(&l.p95, above(unit, median, false, msg))?;
        return Ok(Dist::lognormal(median, p95));
    }
    let at = at.key("empirical");
    match &m.empirical {
        Some(list) if !list.value.is_empty() => {
            let samples = list
                .value
                .iter()
                .enumerate()
                .map(|(i, s)| at.index(i).val(s, unit));
            samples.collect::<Res<_>>().map(Dist::Empirical)
        }
        _ => Err(at.err(
            v.referenced,
            "expected at least one sample, found an empty list",
        )),
    }
}

/// `unit`, then a lower bound `low` (inclusive if `or_equal`); else `message`.
fn above(
    unit: Unit,
    low: f64,
    or_equal: bool,
    message: String,
) -> impl FnOnce(&Scalar) -> Result<f64, String> {
    move |v| match unit(v)? {
        x if x > low || (or_equal && x == low) => Ok(x),
        _ => Err(format!("{message}, found {v}")),
    }
}

/// A non-empty name.
/// The longest name: a Kubernetes object name's limit (DNS-1123 subdomain).
/// Names stand in tables, plots and file contents.
const MAX_NAME: usize = 253;

fn name(s: &str) -> Result<String, String> {
    let length = s.chars().count();
    if s.trim().is_empty() {
        Err("expected a non-empty name, found an empty string".to_owned())
    } else if length > MAX_NAME {
        Err(format!(
            "expected a name of at most {MAX_NAME} characters (a Kubernetes object name's \
             limit), found one of {length}"
        ))
    } else if let Some(c) = s.chars().find(|c| c.is_control()) {
        Err(format!(
            "expected a name without control characters, found {c:?}"
        ))
    } else {
        Ok(s.to_owned())
    }
}

/// The most replicas a service may have: the pods of one cluster at
/// Kubernetes' tested scale (150,000, "Considerations for large clusters").
const MAX_REPLICAS: u32 = 150_000;

/// An integer of at least `min`.
fn int_min<T: PartialOrd + Copy + Display>(min: T) -> impl Fn(&T) -> Result<T, String> {
    move |v| {
        if *v >= min {
            Ok(*v)
        } else {
            Err(format!("expected an integer of at least {min}, found {v}"))
        }
    }
}

/// A whole percent from 0 to 100 (a canary weight).
fn percent(v: &u32) -> Result<u32, String> {
    match *v {
        v if v <= 100 => Ok(v),
        v => Err(format!("expected a percent from 0 to 100, found {v}")),
    }
}

/// Where an optional value is, if present.
fn loc<T>(v: &Opt<T>) -> Option<Location> {
    v.as_ref().map(|v| v.referenced)
}

/// A finite number of at least `min` (NaN and infinities are refused).
fn num_min(min: f64) -> impl Fn(&f64) -> Result<f64, String> {
    move |v| {
        if v.is_finite() && *v >= min {
            Ok(*v)
        } else {
            Err(format!(
                "expected a number of at least {min}, found {}",
                units::format_number(*v)
            ))
        }
    }
}

/// A finite number greater than 0.
fn positive(v: &f64) -> Result<f64, String> {
    if v.is_finite() && *v > 0.0 {
        Ok(*v)
    } else {
        Err(format!(
            "expected a number greater than 0, found {}",
            units::format_number(*v)
        ))
    }
}

/// A duration key (`90s`); the model keeps whole ms.
fn duration(v: &Scalar) -> Result<Duration, String> {
    units::duration_ms(v).map(Duration::from_millis_f64)
}

/// A duration greater than zero.
fn positive_duration(v: &Scalar) -> Result<Duration, String> {
    match duration(v)? {
        Duration::ZERO => Err(format!("expected a duration greater than 0s, found {v}")),
        d => Ok(d),
    }
}

/// A time of day, as a duration since midnight below 24h (`14h`, `9h30m`).
fn time_of_day(v: &Scalar) -> Result<Duration, String> {
    match duration(v) {
        Ok(d) if d < Duration::from_secs(24 * 3600) => Ok(d),
        _ => Err(format!(
            "expected a time of day from 0s to below 24h like \"14h\", found {v}"
        )),
    }
}

/// Whole seconds (`*Seconds` keys), saturating instead of overflowing.
fn secs(s: u64) -> Duration {
    Duration::from_millis(s.saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `yaml` as the distribution at key path `d`.
    fn read(yaml: &str, unit: Unit) -> Res<Dist> {
        let raw: Spanned<RawDist> = serde_saphyr::from_str(yaml).expect("test YAML");
        dist(
            &At {
                file: "t.yaml",
                path: "d".into(),
            },
            &raw,
            unit,
        )
    }

    /// The key path and message of a distribution error.
    fn fails(yaml: &str, unit: Unit) -> (String, String) {
        let e = read(yaml, unit).expect_err(yaml);
        assert!(e.line.is_some(), "{e}");
        (e.key_path, e.message)
    }

    #[test]
    fn distribution_forms_in_their_units() {
        assert_eq!(read("5s", DURATION), Ok(Dist::Fixed(5e3)));
        assert_eq!(
            read("{ fixed: 2% }", units::fraction),
            Ok(Dist::Fixed(0.02))
        );
        assert_eq!(read("0.5", units::fraction), Ok(Dist::Fixed(0.5)));
        assert_eq!(read("80", units::millis), Ok(Dist::Fixed(80.0)));
        assert_eq!(
            read("{ uniform: { min: 1%, max: 5% } }", units::fraction),
            Ok(Dist::Uniform {
                min: 0.01,
                max: 0.05
            })
        );
        let same = read("{ uniform: { min: 1m, max: 60s } }", DURATION);
        assert_eq!(
            same,
            Ok(Dist::Uniform {
                min: 60e3,
                max: 60e3
            })
        );
        assert_eq!(
            read("{ exponential: { mean: 30m } }", DURATION),
            Ok(Dist::Exponential { mean: 1_800e3 })
        );
        assert_eq!(
            read("{ lognormal: { median: 8s, p95: 40s } }", DURATION),
            Ok(Dist::lognormal(8e3, 40e3))
        );
        assert_eq!(
            read("{ empirical: [10, 20ms, 1s] }", units::millis),
            Ok(Dist::Empirical(vec![10.0, 20.0, 1e3]))
        );
    }

    #[test]
    fn distribution_errors_name_the_parameter() {
        let (path, msg) = fails("{ lognormal: { median: 20s, p95: 20s } }", DURATION);
        assert_eq!(path, "d.lognormal.p95");
        assert_eq!(
            msg,
            r#"lognormal p95 must be greater than median (20s), found "20s""#
        );
        let (path, msg) = fails("{ lognormal: { median: 0s, p95: 1s } }", DURATION);
        assert_eq!(
            (path.as_str(), msg.contains("median must be greater than 0")),
            ("d.lognormal.median", true)
        );
        let (path, msg) = fails("{ uniform: { min: 5%, max: 1% } }", units::fraction);
        assert_eq!(
            (path.as_str(), msg.contains("at least min (5%)")),
            ("d.uniform.max", true)
        );
        let (path, _) = fails("{ exponential: { mean: 0s } }", DURATION);
        assert_eq!(path, "d.exponential.mean");
        let (path, msg) = fails("{ empirical: [] }", DURATION);
        assert_eq!(
            (path.as_str(), msg.contains("at least one sample")),
            ("d.empirical", true)
        );
        let (path, msg) = fails("{ empirical: [1s, 2] }", DURATION);
        assert_eq!(
            (path.as_str(), msg.ends_with("found 2")),
            ("d.empirical[1]", true)
        );
        let (path, msg) = fails("{ fixed: 1s, uniform: { min: 1s, max: 2s } }", DURATION);
        assert_eq!(
            (path.as_str(), msg.ends_with("found fixed and uniform")),
            ("d", true)
        );
        let (_, msg) = fails("{}", DURATION);
        assert!(msg.ends_with("found none"), "{msg}");
        let (path, msg) = fails("{ fixed: 150% }", units::fraction);
        assert_eq!(
            (path.as_str(), msg.ends_with(r#"found "150%""#)),
            ("d.fixed", true)
        );
        let (_, msg) = fails("90", DURATION);
        assert!(msg.contains("a duration with a unit"), "{msg}");
    }
}
