//! `deploysim sweep`: a grid over scenario keys.
//!
//! `--set KEY=V1,V2,...` names a key by its path in the file's own spelling
//! (`service.replicas`, `traffic.pattern.diurnal.peakToTrough`); a list
//! element is picked by index (`release.defects[1].weight`) or, in a list of
//! named items, by name (`strategies.canary.steps[0].setWeight`). Each point
//! of the grid is the scenario file's YAML tree with the point's values put
//! in, written back as YAML text and read by `scenario::parse`: every point
//! goes through the normal validation. All of them are built, so every bad
//! key or value is reported, before anything runs.
//!
//! Only the last key of a path may be absent from the file (an optional key
//! such as `service.livenessProbe`); validation decides whether it exists.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use crate::error::Error;
use crate::montecarlo::RunSummary;
use crate::scenario::{self, Scenario, ScenarioError};
use crate::shard::Fnv1a64;
use crate::stats::Summary;
use crate::trial::{Metric, Outcome, PerOutcome};

/// Most grid points a sweep accepts.
pub const MAX_POINTS: usize = 10_000;

/// One `--set KEY=V1,V2,...`.
#[derive(Clone, Debug, PartialEq)]
pub struct SetArg {
    /// The key path as written.
    pub key: String,
    path: Vec<Segment>,
    /// The values as written, in order.
    pub values: Vec<String>,
}

/// One step of a key path.
#[derive(Clone, Debug, PartialEq)]
enum Segment {
    /// A mapping key, or in a list, the item whose `name` is this.
    Key(String),
    /// A list index.
    Index(usize),
}

/// Parses `KEY=V1,V2,...`. Commas inside `[...]`, `{...}` or quotes do not
/// split values, so a value may be a flow collection.
pub fn parse_set(arg: &str) -> Result<SetArg, Error> {
    let usage = |why: String| Error::Usage(format!("--set {arg}: {why}"));
    let Some((key, values)) = arg.split_once('=') else {
        return Err(usage(
            "expected KEY=V1,V2,... (e.g. service.replicas=3,6)".into(),
        ));
    };
    let key = key.trim();
    let path = parse_path(key).map_err(usage)?;
    if let [Segment::Key(a), Segment::Key(b)] = path.as_slice()
        && a == "monteCarlo"
        && (b == "runs" || b == "seed")
    {
        return Err(usage(format!(
            "{key} is not a sweep key: every point runs with the same runs and seed (use --runs, --seed)"
        )));
    }
    let values = split_values(values);
    if let Some(empty) = values.iter().position(|v| v.is_empty()) {
        return Err(usage(format!("value {} is empty", empty + 1)));
    }
    Ok(SetArg {
        key: key.to_owned(),
        path,
        values,
    })
}

fn parse_path(key: &str) -> Result<Vec<Segment>, String> {
    let bad = |why: &str| format!("key path {key:?}: {why}");
    let mut path = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if name.is_empty() || name.contains(']') {
            return Err(bad(
                "expected names joined by dots, e.g. service.replicas or strategies.canary.steps[0].setWeight",
            ));
        }
        path.push(Segment::Key(name.to_owned()));
        while !rest.is_empty() {
            let close = rest.find(']').ok_or_else(|| bad("a [ without ]"))?;
            let index = rest[1..close]
                .parse::<usize>()
                .map_err(|_| bad(&format!("{} is not a list index", &rest[..=close])))?;
            path.push(Segment::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(bad(&format!("unexpected {rest:?} after an index")));
            }
        }
    }
    Ok(path)
}

/// Splits on commas outside brackets, braces and quotes; trims each value.
fn split_values(text: &str) -> Vec<String> {
    let (mut values, mut current) = (Vec::new(), String::new());
    let (mut depth, mut quote) = (0i32, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                values.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    values.push(current.trim().to_owned());
    values
}

/// One grid point: its values (one per key) and its scenario.
#[derive(Clone, Debug)]
pub struct Point {
    pub set: Vec<String>,
    pub scenario: Scenario,
}

/// The grid: every combination of the keys' values, the first key
/// varying slowest.
#[derive(Clone, Debug)]
pub struct Grid {
    pub keys: Vec<String>,
    pub points: Vec<Point>,
}

impl Grid {
    /// A fingerprint of every point's resolved scenario, for shard files.
    pub fn fingerprint(&self) -> String {
        let mut h = Fnv1a64::default();
        for k in &self.keys {
            h.write(k.as_bytes()).write(b"\n");
        }
        for p in &self.points {
            for v in &p.set {
                h.write(v.as_bytes()).write(b"\n");
            }
            h.write(scenario::render(&p.scenario).as_bytes());
        }
        h.fingerprint()
    }
}

/// Builds and validates every point of the grid over the scenario `text`
/// (read from `file`, already valid). Each value is first tried alone, so a
/// bad value is named by itself; then every combination.
pub fn grid(text: &str, file: &str, sets: &[SetArg]) -> Result<Grid, Error> {
    if sets.is_empty() {
        return Err(Error::Usage(
            "sweep needs at least one --set KEY=V1,V2,...".into(),
        ));
    }
    for (k, s) in sets.iter().enumerate() {
        if sets[..k].iter().any(|o| o.path == s.path) {
            return Err(Error::Usage(format!(
                "--set {}: the key is given twice",
                s.key
            )));
        }
    }
    let size = sets
        .iter()
        .try_fold(1usize, |n, s| n.checked_mul(s.values.len()))
        .filter(|&n| n <= MAX_POINTS)
        .ok_or_else(|| Error::Usage(format!("the grid has more than {MAX_POINTS} points")))?;
    let base = read_tree(text, file)?;
    let parsed: Vec<Vec<Value>> = sets
        .iter()
        .map(|s| s.values.iter().map(|v| parse_value(s, v)).collect())
        .collect::<Result<_, _>>()?;
    for (s, values) in sets.iter().zip(&parsed) {
        for (text, value) in s.values.iter().zip(values) {
            point(&base, file, &[(s, text, value)])?;
        }
    }
    let points = (0..size)
        .map(|n| {
            let choice = digits(n, sets);
            let edits: Vec<(&SetArg, &String, &Value)> = sets
                .iter()
                .zip(&choice)
                .zip(&parsed)
                .map(|((s, &i), vals)| (s, &s.values[i], &vals[i]))
                .collect();
            point(&base, file, &edits)
        })
        .collect::<Result<_, _>>()?;
    Ok(Grid {
        keys: sets.iter().map(|s| s.key.clone()).collect(),
        points,
    })
}

/// The value index of each key at point `n` (the last key varies fastest).
fn digits(mut n: usize, sets: &[SetArg]) -> Vec<usize> {
    let mut d = vec![0; sets.len()];
    for (k, s) in sets.iter().enumerate().rev() {
        d[k] = n % s.values.len();
        n /= s.values.len();
    }
    d
}

/// The scenario with `edits` applied, validated.
fn point(base: &Value, file: &str, edits: &[(&SetArg, &String, &Value)]) -> Result<Point, Error> {
    let mut tree = base.clone();
    for (s, _, value) in edits {
        set_path(&mut tree, &s.path, (*value).clone())
            .map_err(|why| Error::Usage(format!("{file}: --set {}: {why}", s.key)))?;
    }
    let assignment: Vec<String> = edits
        .iter()
        .map(|(s, v, _)| format!("--set {}={v}", s.key))
        .collect();
    let yaml = serde_saphyr::to_string(&tree)
        .map_err(|e| anyhow::anyhow!("writing the swept scenario: {e}"))?;
    let sc = scenario::parse(&yaml, file).map_err(|e| invalid_point(file, &assignment, &e))?;
    Ok(Point {
        set: edits.iter().map(|(_, v, _)| (*v).clone()).collect(),
        scenario: sc,
    })
}

/// A validation error of a point. Its line and column are those of the
/// generated text, not of the file, so they are left out.
fn invalid_point(file: &str, assignment: &[String], e: &ScenarioError) -> Error {
    let key = if e.key_path.is_empty() {
        String::new()
    } else {
        format!("{}: ", e.key_path)
    };
    Error::Usage(format!(
        "{file} with {}: {key}{}",
        assignment.join(" "),
        e.message
    ))
}

/// The scenario text as a generic tree (already validated by `scenario::load`).
fn read_tree(text: &str, file: &str) -> Result<Value, Error> {
    serde_saphyr::from_str_with_options(text, yaml_options())
        .map_err(|e| Error::Usage(format!("{file}: cannot be edited for a sweep: {e}")))
}

/// Strict booleans, as the scenario reader: `NO` stays the string "NO".
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! { strict_booleans: true, reject_unsupported_tags: true }
}

/// A value from the command line, read as YAML: `3` is a number, `25%` a
/// string, `{ fixed: 3s }` a mapping.
fn parse_value(s: &SetArg, text: &str) -> Result<Value, Error> {
    serde_saphyr::from_str_with_options::<Value>(text, yaml_options())
        .map_err(|e| Error::Usage(format!("--set {}={text}: not a YAML value: {e}", s.key)))
}

/// The JSON form of a value given on the command line (its YAML reading).
pub fn json_value(text: &str) -> Value {
    serde_saphyr::from_str_with_options::<Value>(text, yaml_options())
        .unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// Puts `value` at `path`: every step but the last must exist.
fn set_path(tree: &mut Value, path: &[Segment], value: Value) -> Result<(), String> {
    let (last, parents) = path.split_last().ok_or("empty key path")?;
    let mut node = tree;
    let mut at = String::new();
    for seg in parents {
        node = step(node, seg, &at)?;
        at = join(&at, seg);
    }
    if let (Value::Object(m), Segment::Key(k)) = (&mut *node, last) {
        m.insert(k.clone(), value);
        return Ok(());
    }
    if node.is_array() {
        *step(node, last, &at)? = value;
        return Ok(());
    }
    let what = if node.is_object() {
        "a mapping"
    } else {
        "a plain value"
    };
    Err(format!(
        "{} is {what}, so it has no {}",
        where_(&at),
        join(&at, last)
    ))
}

/// The child `seg` of `node`, which must exist.
fn step<'a>(node: &'a mut Value, seg: &Segment, at: &str) -> Result<&'a mut Value, String> {
    let path = join(at, seg);
    let absent = || format!("{path} is not in the file (only the last key of a path may be added)");
    match (node, seg) {
        (Value::Object(m), Segment::Key(k)) => m.get_mut(k).ok_or_else(absent),
        (Value::Array(items), Segment::Index(i)) => {
            let len = items.len();
            items
                .get_mut(*i)
                .ok_or_else(|| format!("{path}: {} has {len} items", where_(at)))
        }
        (Value::Array(items), Segment::Key(name)) => {
            let names: Vec<String> = items
                .iter()
                .filter_map(|v| v.get("name")?.as_str().map(str::to_owned))
                .collect();
            items
                .iter_mut()
                .find(|v| v.get("name").and_then(Value::as_str) == Some(name))
                .ok_or_else(|| {
                    format!(
                        "{} has no item named {name:?} (it has: {})",
                        where_(at),
                        names.join(", ")
                    )
                })
        }
        (Value::Object(_), Segment::Index(i)) => {
            Err(format!("{} is a mapping, not a list: [{i}]", where_(at)))
        }
        (_, _) => Err(format!(
            "{} is a plain value, so {path} cannot be in it",
            where_(at)
        )),
    }
}

fn join(at: &str, seg: &Segment) -> String {
    match seg {
        Segment::Key(k) if at.is_empty() => k.clone(),
        Segment::Key(k) => format!("{at}.{k}"),
        Segment::Index(i) => format!("{at}[{i}]"),
    }
}

fn where_(at: &str) -> String {
    if at.is_empty() {
        "the file".into()
    } else {
        at.to_owned()
    }
}

// ---------------------------------------------------------------------------
// Results: one row per point and strategy.

/// `sweep.json`: the grid's headline numbers.
#[derive(Clone, Debug, Serialize)]
pub struct SweepSummary {
    pub scenario: String,
    pub runs: u64,
    pub seed: u64,
    /// The swept keys, in the order given.
    pub keys: Vec<String>,
    pub rows: Vec<SweepRow>,
}

/// One point × strategy.
#[derive(Clone, Debug, Serialize)]
pub struct SweepRow {
    /// The point's value of each key (as YAML reads it: `3` is a number).
    pub set: SetValues,
    pub strategy: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Trials whose release was bad.
    pub bad_trials: u64,
    pub failed_requests_given_bad: Headline,
    pub time_to_recover_s_given_bad: Headline,
    pub extra_pod_hours_mean: Option<f64>,
    pub cost_mean: Option<f64>,
    /// Each outcome's share of the trials.
    pub outcome_shares: PerOutcome<f64>,
}

/// Mean and quantiles of one metric (`null` when no trial had it).
#[derive(Clone, Debug, Serialize)]
pub struct Headline {
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
}

/// Key → value pairs, serialized as an object in the keys' order.
#[derive(Clone, Debug)]
pub struct SetValues(pub Vec<(String, String)>);

impl Serialize for SetValues {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, &json_value(v))?;
        }
        m.end()
    }
}

/// The sweep's rows from each point's values and run summary.
pub fn summarize(
    scenario: &str,
    keys: &[String],
    points: &[(Vec<String>, RunSummary)],
) -> SweepSummary {
    let first = points.first().map(|p| &p.1);
    let rows = points
        .iter()
        .flat_map(|(set, s)| s.strategies.iter().map(move |st| (set, st)))
        .map(|(set, st)| {
            let headline = |m: &Summary| Headline {
                mean: m.mean,
                p50: m.p50,
                p95: m.p95,
            };
            let bad = &st.given_bad[Metric::FailedRequests];
            SweepRow {
                set: SetValues(keys.iter().cloned().zip(set.iter().cloned()).collect()),
                strategy: st.name.clone(),
                kind: st.kind.clone(),
                bad_trials: bad.count,
                failed_requests_given_bad: headline(bad),
                time_to_recover_s_given_bad: headline(&st.given_bad[Metric::TimeToRecover]),
                extra_pod_hours_mean: st.all[Metric::ExtraPodHours].mean,
                cost_mean: st.all[Metric::Cost].mean,
                outcome_shares: st.outcome_shares.clone(),
            }
        })
        .collect();
    SweepSummary {
        scenario: scenario.to_owned(),
        runs: first.map_or(0, |s| s.runs),
        seed: first.map_or(0, |s| s.seed),
        keys: keys.to_vec(),
        rows,
    }
}

/// The sweep as a compact text table: one line per point and strategy.
pub fn table(s: &SweepSummary) -> String {
    let mut header: Vec<String> = s.keys.clone();
    header.extend(
        [
            "strategy",
            "bad",
            "failed|bad mean",
            "failed|bad p95",
            "recover|bad p50 s",
            "recover|bad p95 s",
            "extra pod-h",
            "cost",
            "rolled back",
            "incident",
        ]
        .map(String::from),
    );
    let cell = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |x| x.to_string());
    let pct = |r: &SweepRow, o: Outcome| format!("{:.1}%", r.outcome_shares[o] * 100.0);
    let rows: Vec<Vec<String>> = s
        .rows
        .iter()
        .map(|r| {
            let mut row: Vec<String> = r.set.0.iter().map(|(_, v)| v.clone()).collect();
            row.extend([
                r.strategy.clone(),
                r.bad_trials.to_string(),
                cell(r.failed_requests_given_bad.mean),
                cell(r.failed_requests_given_bad.p95),
                cell(r.time_to_recover_s_given_bad.p50),
                cell(r.time_to_recover_s_given_bad.p95),
                cell(r.extra_pod_hours_mean),
                cell(r.cost_mean),
                pct(r, Outcome::RolledBack),
                pct(r, Outcome::Incident),
            ]);
            row
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!(
        "{} — sweep, {} trials per point and strategy, seed {}\n\n",
        s.scenario, s.runs, s.seed
    );
    for line in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(arg: &str) -> SetArg {
        parse_set(arg).unwrap_or_else(|e| panic!("{arg}: {e}"))
    }

    #[test]
    fn set_arguments_split_on_top_level_commas() {
        let s = set("service.startup.boot={ fixed: 1s },{ uniform: { min: 1s, max: 3s } }, '2s,3'");
        assert_eq!(
            s.values,
            [
                "{ fixed: 1s }",
                "{ uniform: { min: 1s, max: 3s } }",
                "'2s,3'"
            ]
        );
        let s = set("strategies.canary.steps[0].setWeight=5");
        use Segment::*;
        assert_eq!(
            s.path,
            [
                Key("strategies".into()),
                Key("canary".into()),
                Key("steps".into()),
                Index(0),
                Key("setWeight".into())
            ]
        );
        for bad in [
            "service.replicas",
            "a..b=1",
            "a[x]=1",
            "a[0=1",
            "a=1,,2",
            "monteCarlo.seed=1,2",
            "a[0]b=1",
        ] {
            assert!(parse_set(bad).is_err(), "{bad}");
        }
    }

    /// The `.yaml` files under `dir`, at any depth.
    fn yaml_files(dir: &std::path::Path, into: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                yaml_files(&path, into);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                into.push(path);
            }
        }
    }

    #[test]
    fn every_shipped_scenario_survives_the_tree_round_trip() {
        let mut files = Vec::new();
        yaml_files("scenarios".as_ref(), &mut files);
        yaml_files("tests/data/good".as_ref(), &mut files);
        assert!(files.len() >= 5, "{files:?}");
        for path in files {
            let text = std::fs::read_to_string(&path).expect("readable");
            let file = path.display().to_string();
            let Ok(sc) = scenario::parse(&text, &file) else {
                continue; // not a scenario (e.g. a manifest beside one)
            };
            let tree = read_tree(&text, &file).expect("tree");
            let back = serde_saphyr::to_string(&tree).expect("yaml");
            let again = scenario::parse(&back, &file).unwrap_or_else(|e| panic!("{e}\n{back}"));
            assert_eq!(scenario::render(&again), scenario::render(&sc), "{file}");
        }
    }

    #[test]
    fn grid_order_and_named_list_items() {
        let text = std::fs::read_to_string("scenarios/internal-api.yaml").expect("readable");
        let sets = [
            set("service.replicas=3,6"),
            set("strategies.rolling-surge-only.maxSurge=1,50%"),
        ];
        let g = grid(&text, "internal-api.yaml", &sets).expect("grid");
        let got: Vec<Vec<String>> = g.points.iter().map(|p| p.set.clone()).collect();
        assert_eq!(got, [["3", "1"], ["3", "50%"], ["6", "1"], ["6", "50%"]]);
        assert_eq!(g.points[3].scenario.service.replicas, 6);
        let rendered = scenario::render(&g.points[3].scenario);
        assert!(rendered.contains("maxSurge: 50%"), "{rendered}");
    }
}
