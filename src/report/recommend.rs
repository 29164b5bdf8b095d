//! `recommend`'s verdicts in words: the plain text for a team lead, the one
//! line per strategy the run report quotes, and the JSON form (the typed
//! verdicts with their sentences beside them).
//!
//! `recommend` computes; everything a person reads about its answer is
//! written here, from the numbers and enums of a [`Recommendation`].

use std::fmt::Write;

use serde::Serialize;

use super::format::{number, percent, seconds, times};
use super::view::not_out_words;
use crate::error::Error;
use crate::montecarlo::Capacity;
use crate::recommend::{
    Basis, Check, Criterion, Grade, Item, MIN_BAD, Needs, Note, Recommendation, Status,
    StrategyVerdict, Value, measured, worst_ratio,
};
use crate::scenario::{SchemaApply, SchemaChange, SchemaKind};

/// Plain text for a team lead: the recommendation, then each strategy (the
/// best first), then the caveats.
pub fn text(rec: &Recommendation) -> String {
    let mut out = String::new();
    intro(&mut out, rec);
    let best = rec.strategies.iter().filter(|s| rec.is_best(s));
    let others = rec.strategies.iter().filter(|s| !rec.is_best(s));
    let width = rec
        .strategies
        .iter()
        .flat_map(|s| s.checks.iter().map(|c| measure(c.item).chars().count()))
        .max()
        .unwrap_or(0);
    for s in best.chain(others) {
        out.push('\n');
        block(&mut out, s, rec, width);
    }
    let notes = notes(rec);
    if !notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in &notes {
            let _ = writeln!(out, "- {n}");
        }
    }
    out
}

/// The run, the recommendation and why, and the schema change.
fn intro(out: &mut String, rec: &Recommendation) {
    let _ = writeln!(
        out,
        "{} — {} trials per strategy, seed {}, {} with a bad release\n",
        rec.scenario,
        number(rec.runs as f64),
        rec.seed,
        number(rec.bad_trials as f64)
    );
    let _ = writeln!(out, "{}", headline(rec));
    let reason = reason(rec);
    if !reason.is_empty() {
        let _ = writeln!(out, "{reason}");
    }
    let schema = rec.schema_change.as_ref().map(schema_words);
    let _ = writeln!(
        out,
        "Schema change: {}.",
        schema.as_deref().unwrap_or("none")
    );
}

/// One strategy: its verdict, needs and checklist.
fn block(out: &mut String, s: &StrategyVerdict, rec: &Recommendation, width: usize) {
    let marks = rec.constrained || rec.strategies.iter().any(|s| !s.breaks_nothing());
    let _ = writeln!(out, "{} ({}) — {}", s.name, s.kind, verdict(s, rec));
    let _ = writeln!(
        out,
        "  complexity {}: {}",
        s.complexity.name(),
        needs_words(&s.needs)
    );
    for c in &s.checks {
        let mark = match c.status {
            Status::Met => "met",
            Status::Broken => "BROKEN",
            Status::NoLimit => "",
            Status::NotMeasured => "n/a",
        };
        // Without any limit there is no verdict to show.
        let mark = if marks {
            format!("{mark:<6}  ")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {mark}{:<width$}  {}",
            measure(c.item),
            check_words(c, &s.capacity)
        );
    }
    if rec.schema_change.is_some() && s.data_loss > 0 {
        let _ = writeln!(out, "  {}", data_loss_words(s));
    }
}

/// One line on how `s` fares: best fit, meets everything, or what it breaks.
pub fn verdict(s: &StrategyVerdict, rec: &Recommendation) -> String {
    match (rec.is_best(s), s.breaks_nothing(), rec.constrained) {
        (true, true, true) => "best fit: meets every constraint".to_owned(),
        (true, false, _) => format!("closest fit: breaks {}", broken_list(s)),
        (true, true, false) => "best fit: least harm".to_owned(),
        (false, true, true) => "meets every constraint".to_owned(),
        (false, true, false) => "breaks nothing (no constraints set)".to_owned(),
        (false, false, _) => format!("breaks {}", broken_list(s)),
    }
}

/// The needs in words: "traffic router, metrics, 2× capacity, 1 human step".
pub fn needs_words(n: &Needs) -> String {
    let mut parts: Vec<String> = Vec::new();
    let flags = [
        (n.traffic_router, "traffic router"),
        (n.metrics, "metrics"),
        (n.second_environment, "2× capacity"),
    ];
    parts.extend(flags.iter().filter(|f| f.0).map(|f| f.1.to_owned()));
    match n.human_steps {
        0 => {}
        1 => parts.push("1 human step".to_owned()),
        k => parts.push(format!("{k} human steps")),
    }
    match (parts.is_empty(), n.rollout_controller) {
        (false, _) => parts.join(", "),
        (true, true) => "a rollout controller, nothing else".to_owned(),
        (true, false) => "nothing beyond a Deployment".to_owned(),
    }
}

/// The recommendation in one line.
pub fn headline(rec: &Recommendation) -> String {
    let Some((pick, r)) = rec.pick.zip(rec.best()) else {
        return if rec.notes.contains(&Note::TooFewToPick) {
            format!(
                "No pick: only {} trials had a bad release, fewer than the {MIN_BAD} a \
                 comparison of blast radius needs; run more (--runs or --precision).",
                number(rec.bad_trials as f64)
            )
        } else {
            "No strategies were run.".to_owned()
        };
    };
    match pick.basis {
        Basis::MeetsAll { .. } => format!(
            "Recommended: {} ({}) — it meets every constraint.",
            r.name, r.kind
        ),
        Basis::Closest => format!(
            "No strategy meets every constraint. Closest: {} ({}), which breaks {}.",
            r.name,
            r.kind,
            broken_list(r)
        ),
        Basis::LeastBurn => format!(
            "Recommended: {} ({}) — it does the least harm: the least data loss, then the least \
             error budget burnt when a release is bad (the scenario sets no constraints).",
            r.name, r.kind
        ),
    }
}

/// Why, in a sentence or two (empty without a pick): what set the pick
/// apart from the runner-up, with both figures and their 95% intervals (the
/// margin), or that nothing did beyond the noise; then how often the same
/// pick won on batches of the trials.
pub fn reason(rec: &Recommendation) -> String {
    let Some(pick) = rec.pick else {
        return String::new();
    };
    let best = &rec.strategies[pick.best];
    let mut why = match pick.runner_up {
        None => alone(rec, pick.basis),
        Some(r) => {
            let o = &rec.strategies[r.index];
            let lead = match pick.basis {
                Basis::MeetsAll { count } => {
                    format!("Of the {count} strategies that break no constraint, ")
                }
                Basis::Closest | Basis::LeastBurn => String::new(),
            };
            let decided = match r.by {
                Some(c) => apart_words(c, best, o),
                None => format!(
                    "it and {} tie: no figure sets them apart beyond the noise (95% intervals)",
                    o.name
                ),
            };
            let noise = match (r.within_noise, r.by) {
                (Some(c), Some(_)) => format!(
                    " Only the noise separates them on {} ({}).",
                    criterion_words(c),
                    pair_words(c, best, o)
                ),
                (Some(c), None) => format!(
                    "; it is named first on its estimate of {} ({}), within the noise",
                    criterion_words(c),
                    pair_words(c, best, o)
                ),
                // Equal estimates on every criterion: the scenario's order.
                (None, None) => "; it comes first in the scenario".to_owned(),
                (None, Some(_)) => String::new(),
            };
            let sentence = capitalize(&format!("{lead}{decided}"));
            match r.by {
                Some(_) => format!("{sentence}.{noise}"),
                None => format!("{sentence}{noise}; more runs may part them."),
            }
        }
    };
    if let Some(st) = rec.stability {
        let _ = write!(
            why,
            " The same pick wins {} of {} batches of {} trials ({}).",
            st.same,
            st.batches,
            number(st.batch_runs as f64),
            percent(st.share())
        );
    }
    why
}

/// Why a strategy with no runner-up was picked.
fn alone(rec: &Recommendation, basis: Basis) -> String {
    match basis {
        Basis::MeetsAll { .. } => format!(
            "It is the only one of the {} strategies that breaks no constraint.",
            rec.strategies.len()
        ),
        Basis::LeastBurn if rec.strategies.len() > 1 => {
            "It is the only strategy that deploys.".to_owned()
        }
        Basis::Closest | Basis::LeastBurn => "It is the only strategy in the run.".to_owned(),
    }
}

/// What set `r` apart from `o` on `c`, beyond the noise.
fn apart_words(c: Criterion, r: &StrategyVerdict, o: &StrategyVerdict) -> String {
    let pair = || pair_words(c, r, o);
    match c {
        Criterion::Complexity => format!(
            "it is the simplest to run ({} complexity: {}; {} is {})",
            r.complexity.name(),
            needs_words(&r.needs),
            o.name,
            o.complexity.name()
        ),
        Criterion::Breaks if r.broken().count() < o.broken().count() => format!(
            "it breaks the fewest constraints: {}, against {} for {}",
            r.broken().count(),
            o.broken().count(),
            o.name
        ),
        Criterion::Breaks => format!(
            "like {} it breaks {}, but fewer of them are a missing capability",
            o.name,
            r.broken().count()
        ),
        Criterion::WorstRatio => format!(
            "like {} it breaks {}, but by less: at worst {} the limit, against {}",
            o.name,
            r.broken().count(),
            ratio_words(worst_ratio(r)),
            ratio_words(worst_ratio(o))
        ),
        Criterion::DataLoss => format!("it loses data in fewer releases ({})", pair()),
        Criterion::FailedRequests => {
            format!("it fails fewer requests when a release is bad ({})", pair())
        }
        Criterion::MeanFailedRequests => format!(
            "it fails fewer requests per release, good and bad ({})",
            pair()
        ),
        Criterion::ExtraPodHours => format!("it takes fewer extra pod-hours ({})", pair()),
        Criterion::Burn => format!(
            "a bad release burns less of the error budget under it ({})",
            pair()
        ),
    }
}

/// A criterion in a few words.
fn criterion_words(c: Criterion) -> &'static str {
    match c {
        Criterion::DataLoss => "data loss",
        Criterion::Complexity => "complexity",
        Criterion::FailedRequests => "failed requests given a bad release",
        Criterion::MeanFailedRequests => "failed requests per release",
        Criterion::ExtraPodHours => "extra pod-hours",
        Criterion::Burn => "error budget burn",
        Criterion::Breaks => "broken constraints",
        Criterion::WorstRatio => "how far it breaks them",
    }
}

/// Both strategies' figures on `c` with their intervals: "p95 1,000 (95% CI
/// 900–1,100) against 3,000 (2,700–3,300) under rolling".
fn pair_words(c: Criterion, r: &StrategyVerdict, o: &StrategyVerdict) -> String {
    let show = |x: f64| match c {
        Criterion::DataLoss | Criterion::Burn => percent(x),
        _ => number(x),
    };
    let one = |s: &StrategyVerdict, label: &str| match measured(c, s) {
        None => "not measured".to_owned(),
        Some(m) => match m.ci95 {
            Some([lo, hi]) if lo < hi => {
                format!("{}{label}{}–{})", show(m.value), show(lo), show(hi))
            }
            _ => show(m.value),
        },
    };
    let stat = match c {
        Criterion::DataLoss => "of releases ",
        Criterion::MeanFailedRequests => "mean ",
        _ => "p95 ",
    };
    format!(
        "{stat}{} against {} under {}",
        one(r, " (95% CI "),
        one(o, " ("),
        o.name
    )
}

/// `text` with its first letter in upper case.
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `maxTimeToRecover (2.4×) and trafficRouter`.
fn broken_list(r: &StrategyVerdict) -> String {
    let items: Vec<String> = r
        .broken()
        .map(|c| match (c.ratio, c.measured) {
            (Some(x), _) => format!("{} ({})", c.item.key(), times(x)),
            (None, Some(Value::Number(share))) if c.item == Item::Deploys => {
                format!(
                    "{} ({} of good releases stay out)",
                    c.item.key(),
                    percent(share)
                )
            }
            (None, None) if c.item == Item::MaxTimeToRecover => {
                format!("{} (beyond the horizon)", c.item.key())
            }
            _ => c.item.key().to_owned(),
        })
        .collect();
    match items.split_last() {
        None => "nothing".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A worst ratio in words (`far beyond` for an unbounded one).
fn ratio_words(r: f64) -> String {
    if r.is_finite() {
        times(r)
    } else {
        "far beyond".to_owned()
    }
}

/// The caveats in words, in order.
pub fn notes(rec: &Recommendation) -> Vec<String> {
    rec.notes.iter().map(|n| note_words(*n, rec)).collect()
}

fn note_words(n: Note, rec: &Recommendation) -> String {
    match n {
        Note::NoConstraints => {
            "The scenario has no `constraints` section. Add one to check the strategies against \
             your own limits, e.g. `constraints: { maxFailedRequests: 50000, maxTimeToRecover: 15m, \
             maxErrorBudgetBurn: 10%, trafficRouter: true, metrics: true }`."
                .to_owned()
        }
        Note::MeasuredWithoutMetrics => {
            "The constraints say there are metrics, but observability.metrics is false: the \
             figures were measured without them (blind analysis, no alerts)."
                .to_owned()
        }
        Note::MeasuredWithMetrics => {
            "The constraints say there are no metrics, but observability.metrics is true: the \
             figures assume alerts and analysis; set observability.metrics: false to measure \
             without them."
                .to_owned()
        }
        Note::NoBadRelease => {
            "No trial had a bad release: blast radius and recovery are not measured.".to_owned()
        }
        Note::FewBadReleases => format!(
            "Only {} trials had a bad release: blast radius and recovery at p95 are rough; \
             run more (--runs).",
            number(rec.bad_trials as f64)
        ),
        Note::TooFewToPick => format!(
            "Only {} trials had a bad release: at fewer than {MIN_BAD} the blast-radius figures \
             are too rough to name a winner.",
            number(rec.bad_trials as f64)
        ),
        Note::BestLosesData => data_loss_note(rec),
        Note::BestBorderline => borderline_note(rec),
    }
}

fn borderline_note(rec: &Recommendation) -> String {
    let Some(r) = rec.best() else {
        return String::new();
    };
    let keys: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| c.borderline)
        .map(|c| c.item.key())
        .collect();
    format!(
        "Under {} the verdict on {} is borderline: the p95's 95% interval holds the limit, so \
         the pick may turn with more runs (--runs).",
        r.name,
        keys.join(", ")
    )
}

/// "data loss (restore from backup) in 52% of releases (95% CI 50–54%)".
fn data_loss_words(s: &StrategyVerdict) -> String {
    let [lo, hi] = s.harm.data_loss_ci95;
    format!(
        "data loss (restore from backup) in {} of releases (95% CI {}–{})",
        percent(s.harm.data_loss_share),
        percent(lo),
        percent(hi)
    )
}

fn data_loss_note(rec: &Recommendation) -> String {
    let Some(r) = rec.best() else {
        return String::new();
    };
    format!(
        "Under {} the schema change ends in {}.",
        r.name,
        data_loss_words(r)
    )
}

/// What an item measures, in words.
pub fn measure(item: Item) -> &'static str {
    match item {
        Item::MaxFailedRequests => "failed requests, bad release, p95",
        Item::MaxAffectedUsers => "affected users, bad release, p95",
        Item::MaxErrorBudgetBurn => "error budget burn, bad release, p95",
        Item::MaxTimeToRecover => "time to recover, bad release, p95",
        Item::TrafficRouter => "traffic router",
        Item::Metrics => "metrics",
        Item::MaxExtraPodHours => "extra pod-hours, p95",
        Item::MaxCost => "cost, p95",
        Item::FitCluster => "resource headroom, p95",
        Item::Deploys => "good releases that do not go out",
    }
}

/// A numeric item's figure as written: a share as a percent, a time in
/// the unit that fits, a count or an amount of money as a number.
pub(super) fn show(item: Item, x: f64) -> String {
    match item {
        Item::MaxErrorBudgetBurn => percent(x),
        Item::MaxTimeToRecover => seconds(x),
        // The flags, the fit and the deploy share are worded by their own
        // functions and never shown here.
        Item::MaxFailedRequests
        | Item::MaxAffectedUsers
        | Item::MaxExtraPodHours
        | Item::MaxCost
        | Item::TrafficRouter
        | Item::Metrics
        | Item::FitCluster
        | Item::Deploys => number(x),
    }
}

/// The figure and the verdict of a check in words; `capacity` is the
/// strategy's, which the fit check describes.
pub fn check_words(c: &Check, capacity: &Capacity) -> String {
    match c.item {
        Item::TrafficRouter => capability_words(c, &ROUTER),
        Item::Metrics => capability_words(c, &METRICS),
        Item::FitCluster => fit_words(c, capacity),
        Item::Deploys => deploys_words(c),
        Item::MaxTimeToRecover => recovery_words(c),
        Item::MaxFailedRequests
        | Item::MaxAffectedUsers
        | Item::MaxErrorBudgetBurn
        | Item::MaxExtraPodHours
        | Item::MaxCost => numeric_words(c),
    }
}

fn numeric_words(c: &Check) -> String {
    let show = |x| show(c.item, x);
    let number = |v: Option<Value>| match v {
        Some(Value::Number(x)) => Some(x),
        _ => None,
    };
    let verdict = match (number(c.measured), number(c.limit), c.status) {
        (None, _, _) => return "not measured: no trial had it".to_owned(),
        (Some(m), None, _) => show(m),
        (Some(m), Some(l), Status::Broken) => {
            let excess = c.excess.unwrap_or(m - l);
            let by = match c.ratio {
                Some(r) => format!("{}, +{}", times(r), show(excess)),
                None => format!("+{}", show(excess)),
            };
            format!("{} > {} ({by})", show(m), show(l))
        }
        (Some(m), Some(l), _) => format!("{} ≤ {}", show(m), show(l)),
    };
    match c.ci95 {
        Some([lo, hi]) if c.borderline => format!(
            "{verdict}; borderline: the p95's 95% CI {}–{} holds the limit",
            show(lo),
            show(hi)
        ),
        _ => verdict,
    }
}

fn recovery_words(c: &Check) -> String {
    let Some(u) = c.unrecovered else {
        return numeric_words(c);
    };
    let horizon = seconds(u.horizon.as_secs_f64());
    if u.beyond_p95() {
        return format!(
            "beyond the {horizon} horizon: {} of bad releases not recovered within it",
            percent(u.share())
        );
    }
    format!(
        "{} ({} of {} bad releases not recovered within {horizon})",
        numeric_words(c),
        u.trials,
        u.bad
    )
}

/// How a capability check reads.
struct CapabilityWords {
    /// The strategy needs it.
    needed: &'static str,
    /// The team has it.
    has: &'static str,
    /// The team lacks it.
    lacks: &'static str,
    /// The strategy does not need it.
    not_needed: &'static str,
}

const ROUTER: CapabilityWords = CapabilityWords {
    needed: "needs a traffic router",
    has: "there is one",
    lacks: "constraints say there is none",
    not_needed: "needs none",
};

const METRICS: CapabilityWords = CapabilityWords {
    needed: "metric analysis decides promotion or rollback",
    has: "there are metrics",
    lacks: "constraints say there are no metrics",
    not_needed: "no metric analysis in the rollout",
};

fn capability_words(c: &Check, w: &CapabilityWords) -> String {
    match (c.measured, c.limit) {
        (Some(Value::Flag(true)), None) => w.needed.to_owned(),
        (Some(Value::Flag(true)), Some(Value::Flag(true))) => format!("{}: {}", w.needed, w.has),
        (Some(Value::Flag(true)), Some(_)) => format!("{}; {}", w.needed, w.lacks),
        _ => w.not_needed.to_owned(),
    }
}

fn fit_words(c: &Check, cap: &Capacity) -> String {
    let headroom = format!(
        "+{} CPU, +{} GiB",
        number(cap.cpu_headroom_p95),
        number(cap.memory_headroom_gib_p95)
    );
    let none = cap.cpu_headroom_p95 == 0.0 && cap.memory_headroom_gib_p95 == 0.0;
    let mut text = if cap.fits_p95 && none {
        "fits: no headroom needed".to_owned()
    } else if cap.fits_p95 {
        format!("fits: {headroom} at the peak")
    } else {
        let nodes = match cap.nodes_added_p95 {
            n if n > 0.0 => format!(", {} nodes added", number(n)),
            _ => String::new(),
        };
        format!("pods wait for room: {headroom} at the peak{nodes}")
    };
    if c.status == Status::Broken {
        text += "; constraints say it must fit";
    }
    text
}

fn deploys_words(c: &Check) -> String {
    let Some(d) = &c.deploys else {
        return "–".to_owned();
    };
    let words = not_out_words(d);
    if c.status == Status::Broken {
        format!("{words}: it does not deploy")
    } else {
        words
    }
}

/// The schema change in words: kind, timing and what it does to each version.
fn schema_words(c: &SchemaChange) -> String {
    let mut text = match (c.kind, c.apply) {
        (SchemaKind::Breaking, SchemaApply::BeforeRollout) => {
            "breaking change before the rollout: every request still reaching the old version \
             fails"
                .to_owned()
        }
        (SchemaKind::Breaking, SchemaApply::AfterRollout) => {
            "breaking change after the rollout: the new version, which needs it, fails until it \
             is applied"
                .to_owned()
        }
        (SchemaKind::Additive, SchemaApply::BeforeRollout) => {
            "additive change before the rollout: old and new versions both work on it".to_owned()
        }
        (SchemaKind::Additive, SchemaApply::AfterRollout) => {
            "additive change after the rollout: the new version, which needs it, fails until it \
             is applied"
                .to_owned()
        }
        (SchemaKind::ExpandContract, _) => format!(
            "expand/contract: an additive expand before the rollout, the breaking contract {} \
             after it is complete, so no version meets a schema it cannot use",
            seconds(c.contract_delay.as_secs_f64())
        ),
    };
    if let Some(l) = c.lock {
        let _ = write!(
            text,
            "; while it runs its lock fails {} of requests and adds {} ms",
            percent(l.error_rate),
            number(l.added_ms)
        );
    }
    let breaks_old = c.kind == SchemaKind::Breaking;
    match (breaks_old, c.reversible) {
        (true, false) => {
            text += "; not reversible: rolling back means a restore from backup (data loss)"
        }
        (true, true) => text += "; reversible: rolling back runs the down-migration first",
        (false, _) => {}
    }
    text
}

/// `deploysim recommend --format json`: the verdicts with their words, as
/// pretty JSON ending with a newline.
pub fn json(rec: &Recommendation) -> Result<String, Error> {
    let mut text =
        serde_json::to_string_pretty(&RecommendationJson::of(rec)).map_err(anyhow::Error::from)?;
    text.push('\n');
    Ok(text)
}

/// The JSON document of a recommendation (keys in this order).
#[derive(Serialize)]
struct RecommendationJson<'a> {
    scenario: &'a str,
    runs: u64,
    seed: u64,
    bad_trials: u64,
    constrained: bool,
    best: Option<&'a str>,
    meets_all: bool,
    /// The pick and the runner-up are apart on no criterion beyond the noise.
    tie: bool,
    /// What decided between the pick and the runner-up, with both figures.
    margin: Option<MarginJson<'a>>,
    stability: Option<StabilityJson>,
    headline: String,
    reason: String,
    schema_change: Option<String>,
    notes: Vec<String>,
    strategies: Vec<StrategyJson<'a>>,
}

#[derive(Serialize)]
struct StrategyJson<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    needs: Needs,
    complexity: Grade,
    checks: Vec<CheckJson>,
    broken: Vec<&'static str>,
    capacity: &'a Capacity,
    data_loss: u64,
    data_loss_share: f64,
    data_loss_share_ci95: [f64; 2],
    mean_failed_requests: Option<f64>,
    mean_failed_requests_ci95: Option<[f64; 2]>,
}

#[derive(Serialize)]
struct MarginJson<'a> {
    runner_up: &'a str,
    /// The criterion that decided (`null`: a tie).
    by: Option<&'static str>,
    /// The criterion the estimates differ on within the noise, if any.
    within_noise: Option<&'static str>,
    best_figure: Option<f64>,
    best_ci95: Option<[f64; 2]>,
    runner_up_figure: Option<f64>,
    runner_up_ci95: Option<[f64; 2]>,
}

#[derive(Serialize)]
struct StabilityJson {
    batches: u64,
    batch_runs: u64,
    same: u64,
    share: f64,
}

#[derive(Serialize)]
struct CheckJson {
    key: &'static str,
    measure: &'static str,
    measured: Option<Value>,
    limit: Option<Value>,
    status: Status,
    ci95: Option<[f64; 2]>,
    borderline: bool,
    ratio: Option<f64>,
    excess: Option<f64>,
    text: String,
}

impl<'a> RecommendationJson<'a> {
    fn of(rec: &'a Recommendation) -> Self {
        RecommendationJson {
            scenario: &rec.scenario,
            runs: rec.runs,
            seed: rec.seed,
            bad_trials: rec.bad_trials,
            constrained: rec.constrained,
            best: rec.best().map(|s| s.name.as_str()),
            meets_all: rec.meets_all(),
            tie: rec.pick.and_then(|p| p.runner_up).is_some_and(|r| r.tie()),
            margin: MarginJson::of(rec),
            stability: rec.stability.map(|s| StabilityJson {
                batches: s.batches,
                batch_runs: s.batch_runs,
                same: s.same,
                share: s.share(),
            }),
            headline: headline(rec),
            reason: reason(rec),
            schema_change: rec.schema_change.as_ref().map(schema_words),
            notes: notes(rec),
            strategies: rec.strategies.iter().map(StrategyJson::of).collect(),
        }
    }
}

impl<'a> StrategyJson<'a> {
    fn of(s: &'a StrategyVerdict) -> Self {
        StrategyJson {
            name: &s.name,
            kind: &s.kind,
            needs: s.needs,
            complexity: s.complexity,
            checks: s
                .checks
                .iter()
                .map(|c| CheckJson {
                    key: c.item.key(),
                    measure: measure(c.item),
                    measured: c.measured,
                    limit: c.limit,
                    status: c.status,
                    ci95: c.ci95,
                    borderline: c.borderline,
                    ratio: c.ratio,
                    excess: c.excess,
                    text: check_words(c, &s.capacity),
                })
                .collect(),
            broken: s.broken().map(|c| c.item.key()).collect(),
            capacity: &s.capacity,
            data_loss: s.data_loss,
            data_loss_share: s.harm.data_loss_share,
            data_loss_share_ci95: s.harm.data_loss_ci95,
            mean_failed_requests: s.harm.mean_failed_requests,
            mean_failed_requests_ci95: s.harm.mean_failed_requests_ci95,
        }
    }
}

impl<'a> MarginJson<'a> {
    fn of(rec: &'a Recommendation) -> Option<Self> {
        let pick = rec.pick?;
        let r = pick.runner_up?;
        let (best, other) = (&rec.strategies[pick.best], &rec.strategies[r.index]);
        let figure = r.by.or(r.within_noise);
        let of = |s| figure.and_then(|c| measured(c, s));
        Some(MarginJson {
            runner_up: &other.name,
            by: r.by.map(criterion_key),
            within_noise: r.within_noise.map(criterion_key),
            best_figure: of(best).map(|m| m.value),
            best_ci95: of(best).and_then(|m| m.ci95),
            runner_up_figure: of(other).map(|m| m.value),
            runner_up_ci95: of(other).and_then(|m| m.ci95),
        })
    }
}

/// A criterion's key in JSON.
fn criterion_key(c: Criterion) -> &'static str {
    match c {
        Criterion::DataLoss => "data_loss_share",
        Criterion::Complexity => "complexity",
        Criterion::FailedRequests => "failed_requests_given_bad_p95",
        Criterion::MeanFailedRequests => "failed_requests_mean",
        Criterion::ExtraPodHours => "extra_pod_hours_p95",
        Criterion::Burn => "error_budget_burn_given_bad_p95",
        Criterion::Breaks => "broken_constraints",
        Criterion::WorstRatio => "worst_ratio",
    }
}

#[cfg(test)]
mod tests;
