//! The resolved scenario as YAML: every key, defaults filled in, written in
//! the units a scenario file uses (`90s`, `25%`, `500m`, `1Gi`). Reading the
//! output back gives the same scenario, so `deploysim validate` shows exactly
//! what a run will use.

use super::model::*;
use super::units::{
    format_cpu, format_duration, format_int_or_percent, format_memory, format_number,
    format_percent,
};
use crate::sim::time::Duration;

/// Lines up to this width are written in flow style (`{ a: 1, b: 2 }`).
const WIDTH: usize = 100;

/// A YAML value to write: the few shapes a scenario needs.
enum Y {
    Scalar(String),
    Map(Vec<(&'static str, Y)>),
    List(Vec<Y>),
}

/// Writes a scenario as YAML that `parse` reads back to an equal scenario.
pub fn render(s: &Scenario) -> String {
    let mut root = vec![
        ("name", text(&s.name)),
        ("description", text(&s.description)),
        ("service", service(&s.service)),
        ("cluster", cluster(&s.cluster)),
        ("traffic", traffic(&s.traffic)),
        ("slo", slo(&s.slo)),
        ("release", release(&s.release)),
        ("observability", observability(&s.observability)),
    ];
    // No schema change is no block (`kind: none` reads back as the same).
    root.extend(
        s.schema_change
            .as_ref()
            .map(|c| ("schemaChange", schema_change(c))),
    );
    // No constraints section is no block: `recommend` then has no limits.
    root.extend(
        s.constraints
            .as_ref()
            .map(|c| ("constraints", constraints(c))),
    );
    root.extend([
        (
            "strategies",
            Y::List(s.strategies.iter().map(strategy).collect()),
        ),
        ("monteCarlo", monte_carlo(&s.monte_carlo)),
    ]);
    let mut out = String::new();
    block_map(&mut out, &root, 0);
    out
}

fn service(s: &Service) -> Y {
    let mut entries = vec![
        ("replicas", num(s.replicas)),
        ("baselineErrorRate", pct(s.baseline_error_rate)),
        (
            "pod",
            map([
                ("cpu", plain(format_cpu(s.pod.cpu_millis))),
                ("memory", plain(format_memory(s.pod.memory_bytes))),
                ("capacityRps", float(s.pod.capacity_rps)),
            ]),
        ),
        (
            "startup",
            map([
                ("imagePull", dist(&s.startup.image_pull, format_duration)),
                ("boot", dist(&s.startup.boot, format_duration)),
            ]),
        ),
    ];
    entries.extend(
        s.readiness_probe
            .as_ref()
            .map(|p| ("readinessProbe", probe(p))),
    );
    entries.extend(
        s.liveness_probe
            .as_ref()
            .map(|p| ("livenessProbe", probe(p))),
    );
    entries.extend([
        (
            "terminationGracePeriodSeconds",
            seconds(s.termination_grace_period),
        ),
        ("shutdown", dist(&s.shutdown, format_duration)),
        (
            "image",
            map([
                ("tag", text(&s.image.tag)),
                ("mutable", num(s.image.mutable)),
                ("oldImageCached", num(s.image.old_image_cached)),
            ]),
        ),
        ("latency", dist(&s.latency, format_number)),
    ]);
    Y::Map(entries)
}

fn probe(p: &Probe) -> Y {
    map([
        ("initialDelaySeconds", seconds(p.initial_delay)),
        ("periodSeconds", seconds(p.period)),
        ("successThreshold", num(p.success_threshold)),
        ("failureThreshold", num(p.failure_threshold)),
    ])
}

fn cluster(c: &Cluster) -> Y {
    let resources = |r: &Resources| {
        map([
            ("cpu", plain(format_cpu(r.cpu_millis))),
            ("memory", plain(format_memory(r.memory_bytes))),
        ])
    };
    let mut entries = vec![
        ("nodes", num(c.nodes)),
        ("nodeAllocatable", resources(&c.node_allocatable)),
        ("otherWorkloads", resources(&c.other_workloads)),
    ];
    entries.extend(c.autoscaler.as_ref().map(|a| {
        let provision = dist(&a.provision_time, format_duration);
        (
            "autoscaler",
            map([("maxNodes", num(a.max_nodes)), ("provisionTime", provision)]),
        )
    }));
    let pricing = map([
        ("cpuHour", float(c.pricing.cpu_hour)),
        ("memoryGiBHour", float(c.pricing.memory_gib_hour)),
    ]);
    entries.push(("pricing", pricing));
    Y::Map(entries)
}

fn traffic(t: &Traffic) -> Y {
    let pattern = match &t.pattern {
        Pattern::Constant => plain("constant".to_owned()),
        Pattern::Diurnal {
            peak_to_trough,
            peak_at,
        } => map([(
            "diurnal",
            map([
                ("peakToTrough", float(*peak_to_trough)),
                ("peakAt", duration(*peak_at)),
            ]),
        )]),
    };
    map([
        ("rps", float(t.rps)),
        ("users", float(t.users)),
        ("pattern", pattern),
        ("stickySessions", num(t.sticky_sessions)),
    ])
}

fn slo(s: &Slo) -> Y {
    map([
        ("availability", pct(s.availability)),
        ("window", duration(s.window)),
        ("latencyThreshold", duration(s.latency_threshold)),
    ])
}

fn release(r: &Release) -> Y {
    map([
        ("defectProbability", pct(r.defect_probability)),
        ("defects", Y::List(r.defects.iter().map(defect).collect())),
        ("startAt", duration(r.start_at)),
        ("rebuildTime", dist(&r.rebuild_time, format_duration)),
        ("redeployTime", dist(&r.redeploy_time, format_duration)),
    ])
}

fn defect(d: &DefectSpec) -> Y {
    let (kind, mut params) = match &d.kind {
        DefectKind::CrashOnStart => ("crashOnStart", vec![]),
        DefectKind::ErrorRate { error_rate } => (
            "errorRate",
            vec![("errorRate", dist(error_rate, format_percent))],
        ),
        DefectKind::Latency { added_ms } => {
            ("latency", vec![("addedMs", dist(added_ms, format_number))])
        }
        DefectKind::DelayedCrash { after } => (
            "delayedCrash",
            vec![("after", dist(after, format_duration))],
        ),
        DefectKind::Segment {
            affected_share,
            error_rate,
        } => (
            "segment",
            vec![
                ("affectedShare", dist(affected_share, format_percent)),
                ("errorRate", dist(error_rate, format_percent)),
            ],
        ),
    };
    let mut entries = vec![
        ("kind", plain(kind.to_owned())),
        ("weight", float(d.weight)),
    ];
    entries.append(&mut params);
    Y::Map(entries)
}

fn observability(o: &Observability) -> Y {
    let a = &o.alerting;
    map([
        ("metrics", num(o.metrics)),
        ("analysis", analysis(&o.analysis)),
        (
            "alerting",
            map([
                ("burnRateThreshold", float(a.burn_rate_threshold)),
                ("window", duration(a.window)),
                ("shortWindow", duration(a.short_window)),
                ("evaluationInterval", duration(a.evaluation_interval)),
            ]),
        ),
        (
            "humanResponse",
            map([
                ("ack", dist(&o.human_response.ack, format_duration)),
                ("decide", dist(&o.human_response.decide, format_duration)),
            ]),
        ),
        (
            "userReports",
            map([("delay", dist(&o.user_reports.delay, format_duration))]),
        ),
    ])
}

fn schema_change(c: &SchemaChange) -> Y {
    let kind = match c.kind {
        SchemaKind::Additive => "additive",
        SchemaKind::Breaking => "breaking",
        SchemaKind::ExpandContract => "expandContract",
    };
    let apply = match c.apply {
        SchemaApply::BeforeRollout => "beforeRollout",
        SchemaApply::AfterRollout => "afterRollout",
    };
    let mut entries = vec![
        ("kind", plain(kind.to_owned())),
        ("apply", plain(apply.to_owned())),
        ("duration", dist(&c.duration, format_duration)),
    ];
    entries.extend(c.lock.map(|l| {
        let lock = map([
            ("errorRate", pct(l.error_rate)),
            ("addedMs", float(l.added_ms)),
        ]);
        ("lock", lock)
    }));
    entries.extend([
        ("reversible", num(c.reversible)),
        (
            "restoreFromBackup",
            dist(&c.restore_from_backup, format_duration),
        ),
    ]);
    // Only expandContract takes a contract step (the key is refused on others).
    if c.kind == SchemaKind::ExpandContract {
        entries.push(("contractDelay", duration(c.contract_delay)));
    }
    Y::Map(entries)
}

/// The limits that are set, then what the team has.
fn constraints(c: &Constraints) -> Y {
    let mut entries = Vec::new();
    entries.extend(
        c.max_failed_requests
            .map(|n| ("maxFailedRequests", float(n))),
    );
    entries.extend(c.max_affected_users.map(|n| ("maxAffectedUsers", float(n))));
    entries.extend(
        c.max_error_budget_burn
            .map(|f| ("maxErrorBudgetBurn", pct(f))),
    );
    entries.extend(
        c.max_time_to_recover
            .map(|d| ("maxTimeToRecover", duration(d))),
    );
    entries.extend(
        c.max_extra_pod_hours
            .map(|n| ("maxExtraPodHours", float(n))),
    );
    entries.extend(c.max_cost.map(|n| ("maxCost", float(n))));
    entries.extend(c.traffic_router.map(|r| ("trafficRouter", num(r))));
    entries.extend([
        ("metrics", num(c.metrics)),
        ("fitCluster", num(c.fit_cluster)),
    ]);
    Y::Map(entries)
}

fn strategy(s: &Strategy) -> Y {
    let mut entries = vec![
        ("name", text(&s.name)),
        ("type", plain(s.kind.type_name().to_owned())),
    ];
    match &s.kind {
        StrategyKind::Recreate => {}
        StrategyKind::RollingUpdate {
            max_surge,
            max_unavailable,
        } => entries.extend(surge(*max_surge, *max_unavailable)),
        StrategyKind::BlueGreen(b) => entries.extend(blue_green(b)),
        StrategyKind::Canary(c) => entries.extend(canary(c)),
    }
    entries.push(("minReadySeconds", seconds(s.min_ready)));
    entries.push(("progressDeadlineSeconds", seconds(s.progress_deadline)));
    entries.push(("revisionHistoryLimit", num(s.revision_history_limit)));
    Y::Map(entries)
}

fn surge(max_surge: IntOrPercent, max_unavailable: IntOrPercent) -> [(&'static str, Y); 2] {
    [
        ("maxSurge", plain(format_int_or_percent(max_surge))),
        (
            "maxUnavailable",
            plain(format_int_or_percent(max_unavailable)),
        ),
    ]
}

fn blue_green(b: &BlueGreen) -> Vec<(&'static str, Y)> {
    let mut entries = Vec::new();
    entries.extend(
        b.preview_replica_count
            .map(|n| ("previewReplicaCount", num(n))),
    );
    entries.push(("autoPromotionEnabled", num(b.auto_promotion_enabled)));
    entries.extend(
        b.auto_promotion_seconds
            .map(|d| ("autoPromotionSeconds", seconds(d))),
    );
    entries.extend(b.pre_promotion_analysis.as_ref().map(|t| {
        let smoke = map([
            ("smokeTestCatchRate", pct(t.catch_rate)),
            ("duration", duration(t.duration)),
        ]);
        ("prePromotionAnalysis", smoke)
    }));
    let post = b
        .post_promotion_analysis
        .as_ref()
        .map_or_else(|| num(false), analysis);
    entries.extend([
        ("postPromotionAnalysis", post),
        ("scaleDownDelaySeconds", seconds(b.scale_down_delay)),
        (
            "abortScaleDownDelaySeconds",
            seconds(b.abort_scale_down_delay),
        ),
        ("switchDelay", duration(b.switch_delay)),
    ]);
    entries
}

fn canary(c: &Canary) -> Vec<(&'static str, Y)> {
    let mut entries = vec![("trafficRouting", num(c.traffic_routing))];
    entries.extend(surge(c.max_surge, c.max_unavailable));
    match &c.plan {
        CanaryPlan::Steps(steps) => {
            entries.push(("steps", Y::List(steps.iter().map(step).collect())));
            entries.extend(c.background_analysis.as_ref().map(|b| {
                let mut keys = vec![("startingStep", num(b.starting_step))];
                keys.extend(analysis_keys(&b.analysis));
                ("analysis", Y::Map(keys))
            }));
        }
        CanaryPlan::Flagger(f) => entries.push(("analysis", flagger(f))),
    }
    entries.extend([
        ("autoRollback", num(c.auto_rollback)),
        ("dynamicStableScale", num(c.dynamic_stable_scale)),
        ("scaleDownDelaySeconds", seconds(c.scale_down_delay)),
        (
            "abortScaleDownDelaySeconds",
            seconds(c.abort_scale_down_delay),
        ),
    ]);
    entries
}

/// One Argo step, a mapping with one key.
fn step(s: &CanaryStep) -> Y {
    let (kind, value) = match s {
        CanaryStep::SetWeight(w) => ("setWeight", num(w)),
        CanaryStep::Pause(None) => ("pause", Y::Map(vec![])),
        CanaryStep::Pause(Some(d)) => ("pause", map([("duration", duration(*d))])),
        CanaryStep::Analysis(a) => ("analysis", analysis(a)),
        CanaryStep::SetCanaryScale(scale) => ("setCanaryScale", canary_scale(*scale)),
        CanaryStep::SetMirror(p) => ("setMirrorRoute", map([("percentage", num(p))])),
    };
    map([(kind, value)])
}

fn canary_scale(scale: CanaryScale) -> Y {
    match scale {
        CanaryScale::Replicas(n) => map([("replicas", num(n))]),
        CanaryScale::Weight(w) => map([("weight", num(w))]),
        CanaryScale::MatchTrafficWeight => map([("matchTrafficWeight", num(true))]),
    }
}

/// Flagger's form of a canary's `analysis`, the weights spelled out.
fn flagger(f: &Flagger) -> Y {
    let weights = Y::List(f.step_weights.iter().map(num).collect());
    let mut entries = vec![
        ("interval", duration(f.interval)),
        ("threshold", num(f.threshold)),
        ("maxWeight", num(f.max_weight)),
        ("stepWeights", weights),
        ("mirror", num(f.mirror_weight.is_some())),
    ];
    entries.extend(f.mirror_weight.map(|w| ("mirrorWeight", num(w))));
    // `interval` is written once, above: Flagger's checks run at its pace.
    entries.extend(analysis_keys(&f.analysis).into_iter().skip(1));
    Y::Map(entries)
}

fn analysis(a: &Analysis) -> Y {
    Y::Map(analysis_keys(a))
}

/// The analysis keys, `interval` first.
fn analysis_keys(a: &Analysis) -> Vec<(&'static str, Y)> {
    let mut entries = vec![("interval", duration(a.interval))];
    entries.extend(a.count.map(|n| ("count", num(n))));
    let on_no_data = match a.on_no_data {
        OnNoData::Fail => "fail",
        OnNoData::Inconclusive => "inconclusive",
        OnNoData::Pass => "pass",
    };
    entries.extend([
        ("errorRateThreshold", pct(a.error_rate_threshold)),
        ("latencyP99Threshold", duration(a.latency_p99_threshold)),
        ("failureLimit", num(a.failure_limit)),
        ("inconclusiveLimit", num(a.inconclusive_limit)),
        ("minRequests", num(a.min_requests)),
        ("compareToBaseline", num(a.compare_to_baseline)),
        ("onNoData", plain(on_no_data.to_owned())),
    ]);
    entries
}

fn monte_carlo(m: &MonteCarlo) -> Y {
    let mut entries = vec![
        ("runs", num(m.runs)),
        ("seed", num(m.seed)),
        ("horizon", duration(m.horizon)),
    ];
    match m.sampling {
        Sampling::Stratified { bad_share } => {
            entries.push(("sampling", plain("stratified".to_owned())));
            entries.push(("badShare", pct(bad_share)));
        }
        Sampling::Natural => entries.push(("sampling", plain("natural".to_owned()))),
    }
    if let Some(p) = m.precision {
        entries.push(("precision", pct(p.target)));
        entries.push(("maxRuns", num(p.max_runs)));
    }
    Y::Map(entries)
}

/// `{ lognormal: { median: 8s, p95: 40s } }` with values written by `unit`.
fn dist(d: &Dist, unit: fn(f64) -> String) -> Y {
    let v = |x: f64| plain(unit(x));
    let (form, value) = match d {
        Dist::Fixed(x) => ("fixed", v(*x)),
        Dist::Uniform { min, max } => ("uniform", map([("min", v(*min)), ("max", v(*max))])),
        Dist::Exponential { mean } => ("exponential", map([("mean", v(*mean))])),
        Dist::LogNormal { median, p95, .. } => {
            ("lognormal", map([("median", v(*median)), ("p95", v(*p95))]))
        }
        Dist::Empirical(samples) => (
            "empirical",
            Y::List(samples.iter().map(|x| v(*x)).collect()),
        ),
    };
    map([(form, value)])
}

fn map<const N: usize>(entries: [(&'static str, Y); N]) -> Y {
    Y::Map(entries.into())
}

fn plain(s: String) -> Y {
    Y::Scalar(s)
}

fn num(n: impl ToString) -> Y {
    Y::Scalar(n.to_string())
}

fn float(x: f64) -> Y {
    Y::Scalar(format_number(x))
}

fn pct(fraction: f64) -> Y {
    Y::Scalar(format_percent(fraction))
}

fn duration(d: Duration) -> Y {
    Y::Scalar(format_duration(d.as_millis() as f64))
}

/// Whole seconds of a `*Seconds` key.
fn seconds(d: Duration) -> Y {
    Y::Scalar((d.as_millis() / 1000).to_string())
}

/// A user's text, always double-quoted so no value is mistaken for another type.
fn text(s: &str) -> Y {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            '\n' => out += "\\n",
            '\t' => out += "\\t",
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                out += &format!("\\U{:08x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Y::Scalar(out)
}

/// A value on one line: `25%`, `{ a: 1, b: 2 }`, `[1, 2]`.
fn flow(y: &Y) -> String {
    match y {
        Y::Scalar(s) => s.clone(),
        Y::Map(entries) if entries.is_empty() => "{}".to_owned(),
        Y::Map(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", flow(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        Y::List(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A mapping in block style, short values in flow style.
fn block_map(out: &mut String, entries: &[(&'static str, Y)], indent: usize) {
    let pad = " ".repeat(indent);
    for (key, value) in entries {
        let one_line = flow(value);
        if matches!(value, Y::Scalar(_)) || indent + key.len() + 2 + one_line.len() <= WIDTH {
            out.push_str(&format!("{pad}{key}: {one_line}\n"));
            continue;
        }
        out.push_str(&format!("{pad}{key}:\n"));
        match value {
            Y::Map(inner) => block_map(out, inner, indent + 2),
            Y::List(items) => block_list(out, items, indent + 2),
            Y::Scalar(_) => {}
        }
    }
}

/// A list in block style: `- item`, each item in flow style if it fits.
fn block_list(out: &mut String, items: &[Y], indent: usize) {
    let pad = " ".repeat(indent);
    for item in items {
        let one_line = flow(item);
        match item {
            Y::Map(entries) if indent + 2 + one_line.len() > WIDTH => {
                // Write the mapping indented, then turn its first indent into "- ".
                let mut inner = String::new();
                block_map(&mut inner, entries, indent + 2);
                out.push_str(&format!("{pad}- {}", inner.trim_start()));
            }
            _ => out.push_str(&format!("{pad}- {one_line}\n")),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{parse, render};

    const MINIMAL: &str = r#"
service: { replicas: 3, pod: { cpu: 1, memory: 1Gi, capacityRps: 10 } }
cluster: { nodes: 1, nodeAllocatable: { cpu: 4, memory: 8Gi } }
traffic: { rps: 10 }
strategies: [{ name: "a: b # c", type: Recreate }]
"#;

    #[test]
    fn awkward_text_round_trips() {
        // Names may hold no control characters; a description may.
        let text =
            r#"description: "quote \" backslash \\ newline \n tab \t bell \u0007 é \u2028 true""#;
        let s = parse(&format!("name: t\n{text}\n{MINIMAL}"), "t.yaml").expect("parses");
        assert!(
            s.description
                .contains("\" backslash \\ newline \n tab \t bell \u{7} é \u{2028}")
        );
        let shown = render(&s);
        assert_eq!(parse(&shown, "r.yaml"), Ok(s), "{shown}");
    }

    #[test]
    fn canary_steps_are_one_key_mappings_and_flagger_weights_are_spelled_out() {
        let text = r#"
name: canaries
service: { replicas: 3, pod: { cpu: 1, memory: 1Gi, capacityRps: 10 } }
cluster: { nodes: 1, nodeAllocatable: { cpu: 4, memory: 8Gi } }
traffic: { rps: 10 }
strategies:
  - { name: a, type: Canary, steps: [{ setWeight: 5 }, { pause: {} }, { pause: { duration: 90s } }] }
  - { name: f, type: Canary, trafficRouting: true, analysis: { stepWeight: 30, maxWeight: 70 } }
"#;
        let s = parse(text, "t.yaml").expect("parses");
        let shown = render(&s);
        for line in [
            "    steps: [{ setWeight: 5 }, { pause: {} }, { pause: { duration: 1m30s } }]",
            // Flagger steps past maxWeight: 60 < 70, so 90 is next.
            "      stepWeights: [30, 60, 90]",
            "      onNoData: fail",
        ] {
            assert!(shown.lines().any(|l| l == line), "no {line:?} in\n{shown}");
        }
        assert_eq!(parse(&shown, "r.yaml"), Ok(s), "{shown}");
    }

    #[test]
    fn schema_change_block_holds_the_keys_of_its_kind() {
        let with = |block: &str| {
            let text = format!("name: x\nschemaChange: {block}\n{MINIMAL}");
            let s = parse(&text, "t.yaml").expect("parses");
            let shown = render(&s);
            assert_eq!(parse(&shown, "r.yaml"), Ok(s), "{shown}");
            shown
        };
        let none = with("{ kind: none }");
        assert!(!none.contains("schemaChange"), "{none}");
        let breaking = with("{ kind: breaking, lock: { errorRate: 1% } }");
        let line = "schemaChange:\n  kind: breaking\n  apply: beforeRollout\n  \
                    duration: { lognormal: { median: 10m, p95: 2h } }\n  \
                    lock: { errorRate: 1%, addedMs: 0 }\n  reversible: false\n  \
                    restoreFromBackup: { lognormal: { median: 1h, p95: 8h } }\nstrategies:";
        assert!(breaking.contains(line), "{breaking}");
        let expand = with("{ kind: expandContract }");
        assert!(expand.contains("\n  contractDelay: 24h\n"), "{expand}");
    }

    #[test]
    fn constraints_block_only_when_present_and_round_trips() {
        let none = parse(&format!("name: x\n{MINIMAL}"), "t.yaml").expect("parses");
        assert_eq!(none.constraints, None);
        assert!(!render(&none).contains("constraints"));
        let text = format!(
            "name: x\nconstraints: {{ maxFailedRequests: 5000, maxErrorBudgetBurn: 250%, \
             maxTimeToRecover: 15m, trafficRouter: false }}\n{MINIMAL}"
        );
        let s = parse(&text, "t.yaml").expect("parses");
        let shown = render(&s);
        let block = "\nconstraints:\n  maxFailedRequests: 5000\n  maxErrorBudgetBurn: 250%\n  \
                     maxTimeToRecover: 15m\n  trafficRouter: false\n  metrics: true\n  \
                     fitCluster: false\nstrategies:";
        assert!(shown.contains(block), "no {block:?} in\n{shown}");
        assert_eq!(parse(&shown, "r.yaml"), Ok(s), "{shown}");
        // `metrics` follows observability unless the constraints say otherwise.
        let blind = "name: x\nobservability: { metrics: false }\nconstraints: {}\n";
        let s = parse(&format!("{blind}{MINIMAL}"), "t.yaml").expect("parses");
        assert_eq!(s.constraints.map(|c| c.metrics), Some(false));
    }

    #[test]
    fn output_uses_scenario_units() {
        let s = parse(&format!("name: x\n{MINIMAL}"), "t.yaml").expect("parses");
        let shown = render(&s);
        for line in [
            "  pod: { cpu: 1, memory: 1Gi, capacityRps: 10 }",
            "    imagePull: { lognormal: { median: 5s, p95: 15s } }",
            "  baselineErrorRate: 0.1%",
            "slo: { availability: 99.9%, window: 30d, latencyThreshold: 1s }",
            "monteCarlo: { runs: 10000, seed: 42, horizon: 24h, sampling: stratified, badShare: 50% }",
        ] {
            assert!(shown.lines().any(|l| l == line), "no {line:?} in\n{shown}");
        }
    }
}
