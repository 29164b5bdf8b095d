//! The report as a small document — headings, paragraphs, lists, tables and
//! figures — built once from a [`Report`]; `markdown` and `html` only lay it
//! out, so both files always say the same thing.

use super::format;
use super::grade::{self, Mark};
use super::precision;
use super::recommend::{headline, notes, reason, verdict};
use super::table;
use super::view::{Cell, Report, deploys_evidence};
use crate::montecarlo::RunSummary;
use crate::recommend::Recommendation;
use crate::trial::Metric;

/// A document: a title and its blocks, in order.
#[derive(Clone, Debug)]
pub struct Doc {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// One block of a document.
#[derive(Clone, Debug)]
pub enum Block {
    /// A section heading.
    Heading(String),
    /// A heading inside a section.
    Subheading(String),
    Para(Vec<Span>),
    List(Vec<Vec<Span>>),
    /// A table: header cells, then rows of cells made of spans.
    Table {
        head: Vec<String>,
        rows: Vec<Vec<Vec<Span>>>,
    },
    /// A plot, by file stem (`plots/{file}.svg`).
    Figure {
        file: String,
        title: String,
    },
}

/// A run of text with one style.
#[derive(Clone, Debug)]
pub struct Span {
    pub text: String,
    pub style: Style,
}

/// How a span is set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Style {
    Plain,
    Strong,
    Code,
    /// A grade word, coloured by its mark.
    Grade(Option<Mark>),
}

/// A plain span.
pub fn plain(text: impl Into<String>) -> Span {
    Span {
        text: text.into(),
        style: Style::Plain,
    }
}

fn styled(text: impl Into<String>, style: Style) -> Span {
    Span {
        text: text.into(),
        style,
    }
}

/// The figures of a run report, by file stem and title, in report order.
pub const FIGURES: [(&str, &str); 6] = [
    (
        "failed_requests_cdf",
        "Failed requests given a bad release (CDF)",
    ),
    (
        "affected_users_cdf",
        "Affected users given a bad release (CDF)",
    ),
    ("time_to_detect", "Time to detect a bad release"),
    ("time_to_recover", "Time to recover from a bad release"),
    ("outcomes", "Outcomes as shares of all releases"),
    ("cost", "Cost: peak pods and extra pod-hours"),
];

/// The report of one run as a document, with the answer of `recommend`.
/// `command` is how to reproduce it.
pub fn build(r: &Report, s: &RunSummary, rec: &Recommendation, command: &str) -> Doc {
    let mut b = vec![Block::Para(vec![plain(intro(r))])];
    if !r.description.is_empty() {
        b.insert(0, Block::Para(vec![plain(r.description.clone())]));
    }
    if let Some(schema) = &r.schema_change {
        b.push(Block::Para(vec![
            styled("Schema change", Style::Strong),
            plain(format!(": {schema}.")),
        ]));
    }
    b.push(Block::Heading("The whiteboard, measured".into()));
    b.push(whiteboard(r));
    b.extend(recommendation(rec));
    b.push(Block::Heading("The evidence behind each grade".into()));
    b.extend(evidence(r));
    b.push(Block::Heading("Capacity".into()));
    b.push(capacity(s));
    b.push(Block::Heading("Figures".into()));
    b.extend(FIGURES.iter().map(|(file, title)| Block::Figure {
        file: (*file).into(),
        title: (*title).into(),
    }));
    b.push(Block::Heading("Every figure".into()));
    b.push(figures_table(s));
    b.push(Block::Heading("Precision".into()));
    b.extend(precision_section(r, s, rec));
    b.push(Block::Heading("How to read the grades".into()));
    b.push(grades_legend());
    b.push(Block::Para(vec![
        plain("Reproduce this report with "),
        styled(command, Style::Code),
        plain("."),
    ]));
    Doc {
        title: format!("Rollout strategies for {}", r.scenario),
        blocks: b,
    }
}

fn intro(r: &Report) -> String {
    format!(
        "{} trials per strategy (seed {}), {} of them with a bad release; {} replicas. \
         Failed requests, affected users and budget burn are over bad releases (p50 / p95).",
        r.runs, r.seed, r.bad_trials, r.replicas
    )
}

fn grade_span(c: &Cell) -> Span {
    styled(c.shown(), Style::Grade(c.mark))
}

fn whiteboard(r: &Report) -> Block {
    let head = [
        "strategy",
        "risk",
        "rollback speed",
        "cost",
        "complexity",
        "fits when",
    ];
    let rows = r
        .strategies
        .iter()
        .map(|v| {
            let mut row = vec![vec![
                styled(v.name.clone(), Style::Strong),
                plain(format!(" ({})", v.kind)),
            ]];
            for c in v.cells() {
                row.push(vec![
                    grade_span(c),
                    plain(format!(
                        " — {}",
                        c.evidence.first().cloned().unwrap_or_default()
                    )),
                ]);
            }
            row.push(vec![plain(v.fits_when.clone())]);
            row
        })
        .collect();
    Block::Table {
        head: head.map(String::from).to_vec(),
        rows,
    }
}

/// `recommend`'s answer: the pick, why, and each strategy's verdict
/// against the scenario's `constraints`.
fn recommendation(rec: &Recommendation) -> Vec<Block> {
    let mut out = vec![
        Block::Heading("Recommendation".into()),
        Block::Para(vec![styled(headline(rec), Style::Strong)]),
    ];
    let reason = reason(rec);
    if !reason.is_empty() {
        out.push(Block::Para(vec![plain(reason)]));
    }
    let verdicts = rec
        .strategies
        .iter()
        .map(|s| {
            vec![
                styled(s.name.clone(), Style::Strong),
                plain(format!(": {}", verdict(s, rec))),
            ]
        })
        .collect();
    out.push(Block::List(verdicts));
    for note in &notes(rec) {
        out.push(Block::Para(vec![
            styled("Note", Style::Strong),
            plain(format!(": {note}")),
        ]));
    }
    out
}

fn evidence(r: &Report) -> Vec<Block> {
    let mut out = Vec::new();
    for v in &r.strategies {
        out.push(Block::Subheading(format!("{} ({})", v.name, v.kind)));
        let items = v
            .cells()
            .iter()
            .map(|c| {
                vec![
                    styled(c.column.heading(), Style::Strong),
                    plain(": "),
                    grade_span(c),
                    plain(format!(" — {}", c.evidence.join("; "))),
                ]
            })
            .chain(deploys_evidence(&v.deploys).map(|line| {
                let (word, mark) = grade::deploy_word(v.deploys.verdict);
                vec![
                    styled("deploys", Style::Strong),
                    plain(": "),
                    styled(word, Style::Grade(Some(mark))),
                    plain(format!(" — {line}")),
                ]
            }))
            .chain(std::iter::once(vec![
                styled("fits when", Style::Strong),
                plain(format!(": {}", v.fits_when)),
            ]))
            .collect();
        out.push(Block::List(items));
    }
    out
}

/// What each strategy asks of the cluster at p95 (the summary's
/// `capacity` block) and what it costs.
fn capacity(s: &RunSummary) -> Block {
    let head = [
        "strategy",
        "CPU headroom p95",
        "memory headroom p95",
        "nodes added p95",
        "fits the cluster",
        "peak pods p95",
        "extra pod-hours mean",
        "cost mean",
    ];
    let rows = s
        .strategies
        .iter()
        .map(|st| {
            let c = &st.capacity;
            let stat = |m: Metric, f: fn(&crate::stats::Summary) -> Option<f64>| {
                f(&st.all[m]).map_or("–".to_owned(), format::number)
            };
            [
                st.name.clone(),
                format!("{} cores", format::number(c.cpu_headroom_p95)),
                format!("{} GiB", format::number(c.memory_headroom_gib_p95)),
                format::number(c.nodes_added_p95),
                if c.fits_p95 {
                    "yes"
                } else {
                    "no: pods wait for room"
                }
                .to_owned(),
                stat(Metric::PeakPods, |m| m.p95),
                stat(Metric::ExtraPodHours, |m| m.mean),
                stat(Metric::Cost, |m| m.mean),
            ]
            .into_iter()
            .map(|t| vec![plain(t)])
            .collect()
        })
        .collect();
    Block::Table {
        head: head.map(String::from).to_vec(),
        rows,
    }
}

fn figures_table(s: &RunSummary) -> Block {
    let (head, rows) = table::figure_rows(s);
    Block::Table {
        head,
        rows: rows
            .into_iter()
            .map(|(label, cells)| {
                std::iter::once(vec![plain(label)])
                    .chain(cells.into_iter().map(|c| vec![plain(c)]))
                    .collect()
            })
            .collect(),
    }
}

/// How many runs, how many bad releases, and how wide the intervals of the
/// figures that grades and constraints read are, borderline verdicts marked.
fn precision_section(r: &Report, s: &RunSummary, rec: &Recommendation) -> Vec<Block> {
    let figures = precision::deciding(r.replicas, s, rec);
    let widest = precision::widest(&figures);
    let pm = |w: f64| {
        if w.is_finite() {
            format!("± {}", format::percent(w))
        } else {
            "no interval yet".to_owned()
        }
    };
    let target = match s.precision {
        Some(p) if p.reached => format!(
            "The precision target, ± {} on every figure below, was reached after {} runs.",
            format::percent(p.target),
            format::number(s.runs as f64)
        ),
        Some(p) => format!(
            "The precision target, ± {} on every figure below, was not reached within the \
             {} runs allowed (maxRuns): the widest is {}.",
            format::percent(p.target),
            format::number(p.max_runs as f64),
            pm(widest)
        ),
        None => format!(
            "No precision target was set (monteCarlo.precision): the widest interval below is {}.",
            pm(widest)
        ),
    };
    let intro = format!(
        "{} trials per strategy, {} of them with a bad release. The figures that grades and \
         constraints read, each with its 95% interval and that interval's half-width over the \
         figure. {target}",
        format::number(s.runs as f64),
        format::number(r.bad_trials as f64)
    );
    let rows = figures
        .iter()
        .map(|f| {
            let ci = f.ci95.map_or_else(
                || "–".to_owned(),
                |[lo, hi]| format!("{}–{}", f.reads.show(lo), f.reads.show(hi)),
            );
            let cells = [
                f.strategy.clone(),
                f.reads.words(),
                f.reads.show(f.value),
                ci,
                pm(f.half_width),
                match (f.borderline, f.clear) {
                    (true, _) => "borderline",
                    (false, true) => "clear of the line",
                    (false, false) => "",
                }
                .to_owned(),
            ];
            cells.into_iter().map(|c| vec![plain(c)]).collect()
        })
        .collect();
    let head = [
        "strategy",
        "figure",
        "value",
        "95% CI",
        "half-width",
        "verdict",
    ]
    .map(str::to_owned)
    .to_vec();
    vec![Block::Para(vec![plain(intro)]), Block::Table { head, rows }]
}

fn grades_legend() -> Block {
    let pct = |x: f64| format!("{}%", x * 100.0);
    let [r1, r2] = grade::RISK_BUDGET_BURN;
    let [t1, t2] = grade::ROLLBACK_SECONDS;
    let [c1, c2] = grade::PEAK_PODS_RATIO;
    let items = [
        format!(
            "risk — the error budget a bad release burns at p95: low ≤ {}, medium ≤ {}, high above \
             (the SRE Workbook's fast page spends 2% before it fires, its ticket 10%)",
            pct(r1),
            pct(r2)
        ),
        format!(
            "rollback speed — how fast the way back is once someone acts, the median time from \
             rollout undo to healthy again: fast ≤ {t1} s, medium ≤ {} min, slow above; the p95 \
             shows the tail, and the time to recover (onset → healthy) stands beside it",
            t2 / 60.0
        ),
        format!(
            "cost — the most pods the ReplicaSets own at once (p95; pods shutting down are not \
             asked for) over the steady replicas: low ≤ {c1}×, medium ≤ {c2}×, high above (a \
             second environment is 2×)"
        ),
        "complexity — what a strategy needs beyond a Deployment (a traffic router, \
         metrics-driven analysis, twice the capacity, a person's steps): none is low, one or \
         two (or none, under a rollout controller) medium, three or more high"
            .to_owned(),
        format!(
            "deploys — first of all: when more than {} of good releases do not go out (the \
             whole 95% interval above the band of ± 5% around it), risk, rollback speed and cost are not graded",
            pct(crate::recommend::MAX_NOT_DEPLOYED)
        ),
        "borderline — a grade whose figure's 95% interval reaches past a bound names the \
         other grades it admits, as \"medium (or high)\": the runs do not settle it"
            .to_owned(),
    ];
    Block::List(items.into_iter().map(|t| vec![plain(t)]).collect())
}
