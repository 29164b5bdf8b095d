//! The one conversion from the raw file into the model: defaults filled in,
//! every value checked, and every error pointing at its key and location.

use std::fmt::Display;

use serde_saphyr::{Location, Spanned};

use super::defaults as def;
use super::error::ScenarioError;
use super::model::*;
use super::raw::*;
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
    Ok(Scenario {
        name: at.key("name").val(&raw.name, |n| name(n))?,
        description: raw.description.clone().unwrap_or_default(),
        service: service(&at.key("service"), &raw.service)?,
        cluster: cluster(&at.key("cluster"), &raw.cluster)?,
        traffic: traffic(&at.key("traffic"), &raw.traffic)?,
        slo: slo(&at.key("slo"), &raw.slo)?,
        release: release(&at.key("release"), &raw.release)?,
        observability: observability(&at.key("observability"), &raw.observability)?,
        strategies: strategies(&at.key("strategies"), &raw.strategies)?,
        monte_carlo: monte_carlo(&at.key("monteCarlo"), &raw.monte_carlo)?,
    })
}

fn service(at: &At, raw: &RawService) -> Res<Service> {
    let probe = |key: &str, p: &Option<RawProbe>| p.as_ref().map(|p| probe(&at.key(key), p));
    let startup = at.key("startup");
    Ok(Service {
        replicas: at.key("replicas").val(&raw.replicas, int_min(1))?,
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
    })
}

fn strategies(at: &At, raw: &Spanned<Vec<Spanned<RawStrategy>>>) -> Res<Vec<Strategy>> {
    if raw.value.is_empty() {
        return Err(at.err(
            raw.referenced,
            "expected at least one strategy, found an empty list",
        ));
    }
    let mut out: Vec<Strategy> = Vec::new();
    for (i, s) in raw.value.iter().enumerate() {
        let strategy = strategy(&at.index(i), &s.value)?;
        if let Some(first) = out.iter().position(|o| o.name == strategy.name) {
            let msg = format!(
                "duplicate strategy name {:?}, already used by strategies[{first}]",
                strategy.name
            );
            return Err(at.index(i).key("name").err(s.value.name.referenced, msg));
        }
        out.push(strategy);
    }
    Ok(out)
}

fn strategy(at: &At, raw: &RawStrategy) -> Res<Strategy> {
    let kind = match raw.kind.value.as_str() {
        "Recreate" => recreate(at, raw)?,
        "RollingUpdate" => rolling_update(at, raw)?,
        other => {
            let msg = format!("expected one of Recreate, RollingUpdate, found {other:?}");
            return Err(at.key("type").err(raw.kind.referenced, msg));
        }
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
        name: at.key("name").val(&raw.name, |n| name(n))?,
        kind,
        min_ready: secs(min_ready),
        progress_deadline: secs(deadline),
    })
}

/// Recreate has no surge or unavailability: refuse them rather than ignore them.
fn recreate(at: &At, raw: &RawStrategy) -> Res<StrategyKind> {
    for (key, value) in [
        ("maxSurge", &raw.max_surge),
        ("maxUnavailable", &raw.max_unavailable),
    ] {
        if let Some(v) = value {
            let msg = format!("`{key}` applies only to type RollingUpdate, not Recreate");
            return Err(at.key(key).err(v.referenced, msg));
        }
    }
    Ok(StrategyKind::Recreate)
}

fn rolling_update(at: &At, raw: &RawStrategy) -> Res<StrategyKind> {
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
    Ok(StrategyKind::RollingUpdate {
        max_surge,
        max_unavailable,
    })
}

fn monte_carlo(at: &At, raw: &RawMonteCarlo) -> Res<MonteCarlo> {
    Ok(MonteCarlo {
        runs: at.key("runs").opt(&raw.runs, def::RUNS, int_min(1))?,
        seed: raw.seed.unwrap_or(def::SEED),
        horizon: at
            .key("horizon")
            .opt(&raw.horizon, def::HORIZON, positive_duration)?,
    })
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
fn name(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("expected a non-empty name, found an empty string".to_owned())
    } else {
        Ok(s.to_owned())
    }
}

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
