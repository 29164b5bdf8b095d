//! Reading YAML safely, and turning serde-saphyr errors into scenario errors
//! that name the key path.
//!
//! serde errors know a line and column but not the key path. So the text is
//! read twice: first into a bare tree of nodes with locations (`Node`), which
//! also checks syntax, limits and that the top is a mapping, then into the raw
//! structs. When the second read fails, the error's location is looked up in
//! the tree to name the key path.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{
    DuplicateKeyPolicy, Error, Location, MessageFormatter, NonFiniteFloatPolicy, Options, Spanned,
    UserMessageFormatter,
};

use super::error::ScenarioError;

/// Largest scenario file read, in bytes. Scenarios are a few KiB.
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// Deepest nesting accepted; a scenario needs 7 levels.
const MAX_DEPTH: usize = 32;
/// Values (nodes) in one file.
const MAX_NODES: usize = 100_000;
/// Parser events (a value, a key, the start or end of a list) in one file.
const MAX_EVENTS: usize = 200_000;
/// Aliases (`*name`) and anchors (`&name`) in one file.
const MAX_ALIASES: usize = 1_000;
const MAX_ANCHORS: usize = 1_000;

/// Parser options: strict booleans (`NO` is not `false`) and tight limits,
/// so an alias bomb or 10 000 nested `[` is refused in milliseconds.
fn options(duplicate_keys: DuplicateKeyPolicy) -> Options {
    serde_saphyr::options! {
        strict_booleans: true,
        // Scenarios have no use for tags; a `!tag` is more likely a mistake.
        reject_unsupported_tags: true,
        with_snippet: false,
        duplicate_keys: duplicate_keys,
        // The tree keeps `.nan` as text so the raw read reports it with its key.
        non_finite_float_policy: NonFiniteFloatPolicy::AsString,
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            flow_nesting_limit: MAX_DEPTH,
            max_documents: 1,
            max_nodes: MAX_NODES,
            max_events: MAX_EVENTS,
            max_aliases: MAX_ALIASES,
            max_anchors: MAX_ANCHORS,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 10_000,
            max_replay_stack_depth: 8,
        },
    }
}

/// What the top of a scenario file must be.
const SCENARIO_TOP: &str =
    "a mapping of scenario keys (name, service, cluster, traffic, strategies, ...)";

/// Deserializes `T` from `text`, with errors that name file, location and key path.
pub fn read<T: for<'de> Deserialize<'de>>(text: &str, file: &str) -> Result<T, ScenarioError> {
    read_document(text, file, SCENARIO_TOP)?.ok_or_else(|| {
        let msg = format!("expected {SCENARIO_TOP}, found an empty file");
        ScenarioError::at(file, Some((1, 1)), "", msg)
    })
}

/// Like `read`, for one YAML document whose top must be a mapping (`want`
/// says of what); an empty document (only comments, or nothing) is `None`.
pub fn read_document<T: for<'de> Deserialize<'de>>(
    text: &str,
    file: &str,
    want: &str,
) -> Result<Option<T>, ScenarioError> {
    if text.len() > MAX_FILE_BYTES {
        let msg = format!(
            "the file is {} bytes; the limit is {MAX_FILE_BYTES}",
            text.len()
        );
        return Err(ScenarioError::at(file, None, "", msg));
    }
    let tree = serde_saphyr::from_str_with_options::<Option<Spanned<Node>>>(
        text,
        options(DuplicateKeyPolicy::PassThrough),
    )
    .map_err(|e| translate(&e, text, file, None))?;
    let Some(tree) = tree else {
        return Ok(None);
    };
    check_top(&tree, text, file, want)?;
    let mut opts = options(DuplicateKeyPolicy::Error);
    opts.non_finite_float_policy = NonFiniteFloatPolicy::Reject;
    serde_saphyr::from_str_with_options(text, opts)
        .map(Some)
        .map_err(|e| translate(&e, text, file, Some(&tree)))
}

/// The document must hold one mapping.
fn check_top(
    tree: &Spanned<Node>,
    text: &str,
    file: &str,
    want: &str,
) -> Result<(), ScenarioError> {
    if matches!(tree.value, Node::Map(_)) {
        return Ok(());
    }
    let at = tree.referenced;
    let found = found(&tree.value, at, text);
    Err(ScenarioError::at(
        file,
        Some((at.line(), at.column())),
        "",
        format!("expected {want}, found {found}"),
    ))
}

/// A serde-saphyr error as a scenario error, with the key path found in `tree`.
fn translate(err: &Error, text: &str, file: &str, tree: Option<&Spanned<Node>>) -> ScenarioError {
    // An alias error's location is where the alias is used; its message is inside.
    let location = err.location();
    let err = innermost(err);
    let missing = match err {
        Error::SerdeMissingField { field, .. } => Some(*field),
        _ => None,
    };
    let hit = tree
        .zip(location)
        .and_then(|(t, at)| locate(t, at, missing));
    let found = match (&hit, location) {
        (Some(h), Some(_)) => found(h.node, h.node_at, text),
        (None, Some(at)) => quoted_source(text, at),
        (_, None) => Cow::Borrowed("something else"),
    };
    let message = message(err, found);
    match hit {
        Some(h) => ScenarioError::at_location(file, Some(h.at), &h.path, message),
        None => ScenarioError::at_location(file, location, "", message),
    }
}

/// The error inside alias and snippet wrappers, which carries the message.
fn innermost(mut err: &Error) -> &Error {
    while let Error::AliasError { error, .. } | Error::WithSnippet { error, .. } = err {
        err = error;
    }
    err
}

/// The start of errors about hostile or oversized input.
const REFUSE: &str = "refusing to read the file: ";

/// What went wrong, in the user's terms: expected this, found that.
fn message(err: &Error, found: Cow<str>) -> String {
    match err {
        Error::SerdeUnknownField {
            field, expected, ..
        } => unknown_key(field, expected),
        Error::SerdeMissingField { field, .. } => format!("missing required key `{field}`"),
        Error::DuplicateMappingKey { key, .. } => format!(
            "duplicate key `{}`: a key may appear only once in a mapping",
            key.as_deref().unwrap_or("?")
        ),
        Error::SerdeUnknownVariant { expected, .. } => {
            format!("expected one of {}, found {found}", expected.join(", "))
        }
        Error::SerdeInvalidType { expected, .. } | Error::SerdeInvalidValue { expected, .. } => {
            format!("expected {}, found {found}", type_name(expected))
        }
        Error::InvalidScalar { ty, .. } => format!("expected {}, found {found}", type_name(ty)),
        Error::Unexpected { expected, .. } => {
            format!("expected {}, found {found}", type_name(expected))
        }
        Error::InvalidBooleanStrict { .. } => format!("expected true or false, found {found}"),
        Error::NullIntoString { .. } => "expected a string, found an empty value".to_owned(),
        Error::NonFiniteFloat { value, .. } => format!("expected a finite number, found {value}"),
        Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::AliasReplayCounterOverflow { .. } => {
            format!("{REFUSE}its aliases expand to too much data (an alias bomb?)")
        }
        Error::Budget { breach, .. } => match breach {
            BudgetBreach::Documents { .. } => {
                "expected one YAML document, found several (separated by ---)".to_owned()
            }
            BudgetBreach::Depth { .. } => {
                format!("{REFUSE}it nests deeper than {MAX_DEPTH} levels")
            }
            BudgetBreach::Aliases { .. } => {
                format!("{REFUSE}it has more than {MAX_ALIASES} aliases (*name)")
            }
            BudgetBreach::Anchors { .. } => {
                format!("{REFUSE}it has more than {MAX_ANCHORS} anchors (&name)")
            }
            BudgetBreach::Nodes { .. } => {
                format!("{REFUSE}it has more than {MAX_NODES} values")
            }
            BudgetBreach::Events { .. } => {
                format!("{REFUSE}it has more than {MAX_EVENTS} YAML events (values, keys, lists)")
            }
            _ => format!("{REFUSE}it is too large or too complex for a scenario"),
        },
        _ => {
            let msg = UserMessageFormatter.format_message(err);
            if msg.contains("recursion limit") {
                format!("{REFUSE}it nests deeper than {MAX_DEPTH} levels")
            } else if msg.contains("externally tagged enum") {
                format!(
                    "expected the name of one kind, as a word or as the one key of a mapping \
                     (like {{ diurnal: {{ peakToTrough: 3 }} }}), found {found}"
                )
            } else {
                format!("invalid YAML: {msg}")
            }
        }
    }
}

/// "unknown key `maxSurg`; expected one of ... (did you mean `maxSurge`?)".
fn unknown_key(field: &str, expected: &[&str]) -> String {
    let mut msg = format!(
        "unknown key `{field}`; expected one of {}",
        expected.join(", ")
    );
    let close = expected
        .iter()
        .map(|e| (edit_distance(&field.to_lowercase(), &e.to_lowercase()), e))
        .filter(|(d, e)| *d <= 2.max(e.len() / 4))
        .min_by_key(|(d, _)| *d);
    if let Some((_, e)) = close {
        msg += &format!(" (did you mean `{e}`?)");
    }
    msg
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diag + usize::from(ca != *cb));
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// A Rust or parser type name in words.
fn type_name(ty: &str) -> Cow<'_, str> {
    Cow::Borrowed(match ty {
        "u8" => "a non-negative integer of at most 255",
        "u16" => "a non-negative integer of at most 65535",
        "u32" => "a non-negative integer of at most 4294967295",
        "u64" | "usize" => "a non-negative integer of at most 18446744073709551615",
        "i8" | "i16" | "i32" | "i64" | "isize" => "an integer",
        "f32" | "f64" | "floating point" => "a number",
        "bool" => "true or false",
        "mapping start" => "a mapping",
        "sequence start" => "a list",
        "string scalar" | "scalar" => "a plain value",
        other => return Cow::Owned(other.to_owned()),
    })
}

/// How a node reads in "found ...": a list, a mapping, or its quoted text.
fn found<'a>(node: &Node, at: Location, text: &'a str) -> Cow<'a, str> {
    match node {
        Node::Seq(_) => Cow::Borrowed("a list"),
        Node::Map(_) => Cow::Borrowed("a mapping"),
        Node::Leaf => quoted_source(text, at),
    }
}

/// The source text at `at`, quoted unless it is a number or boolean, cut to one short line.
fn quoted_source(text: &str, at: Location) -> Cow<'static, str> {
    let span = at.span();
    let slice = span
        .byte_offset()
        .zip(span.byte_len())
        .and_then(|(start, len)| text.get(start as usize..(start + len) as usize))
        .unwrap_or("");
    let line = slice.lines().next().unwrap_or("").trim();
    let short: String = line.chars().take(60).collect();
    if short.is_empty() {
        Cow::Borrowed("an empty value")
    } else if short.parse::<f64>().is_ok()
        || matches!(short.as_str(), "true" | "false")
        || short.starts_with(['"', '\''])
    {
        Cow::Owned(short)
    } else {
        Cow::Owned(format!("{short:?}"))
    }
}

/// Where an error points, and the node it points at.
struct Hit<'a> {
    path: String,
    node: &'a Node,
    /// Where the node is (an error about a value may point at its key).
    node_at: Location,
    /// Where to point: the error's location, or the mapping that lacks a key.
    at: Location,
}

/// The key path of the node at `at`. An error about a key points at the key,
/// one about a value at the value. serde-saphyr puts a missing key at the
/// last key read from its mapping (or at an empty mapping); the hit names the
/// mapping's path plus `missing`, and points at the start of the mapping.
fn locate<'a>(root: &'a Spanned<Node>, at: Location, missing: Option<&str>) -> Option<Hit<'a>> {
    let same = |l: &Location| (l.line(), l.column()) == (at.line(), at.column());
    let mut entries = Vec::new();
    flatten(root, String::new(), None, &mut entries);
    if let Some(field) = missing {
        let holds = |v: &Spanned<Node>| match &v.value {
            Node::Map(m) if m.is_empty() => same(&v.referenced),
            Node::Map(m) => m.iter().any(|(k, _)| same(&k.referenced)),
            _ => false,
        };
        let (path, _, map) = entries.iter().find(|(_, _, v)| holds(v))?;
        return Some(Hit {
            path: join(path, field),
            node: &map.value,
            node_at: map.referenced,
            at: map.referenced,
        });
    }
    let by_key = entries
        .iter()
        .rev()
        .find(|(_, key, _)| key.is_some_and(same));
    let by_value = || entries.iter().rev().find(|(_, _, v)| same(&v.referenced));
    // Inside a value (past the `{` of an empty mapping): the last value
    // that starts before the error.
    let before = |l: &Location| (l.line(), l.column()) < (at.line(), at.column());
    let around = || {
        entries
            .iter()
            .rev()
            .find(|(_, _, v)| v.referenced.line() > 0 && before(&v.referenced))
    };
    let (path, _, value) = by_key.or_else(by_value).or_else(around)?;
    Some(Hit {
        path: path.clone(),
        node: &value.value,
        node_at: value.referenced,
        at,
    })
}

/// (path, key location, value) for every node, in document order.
type Entry<'a> = (String, Option<&'a Location>, &'a Spanned<Node>);

fn flatten<'a>(
    node: &'a Spanned<Node>,
    path: String,
    key: Option<&'a Location>,
    out: &mut Vec<Entry<'a>>,
) {
    out.push((path.clone(), key, node));
    match &node.value {
        Node::Leaf => {}
        Node::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(item, format!("{path}[{i}]"), None, out);
            }
        }
        Node::Map(entries) => {
            for (k, v) in entries {
                flatten(v, join(&path, &k.value.0), Some(&k.referenced), out);
            }
        }
    }
}

/// `parent.key`, or `key` at the top.
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// A YAML node reduced to its shape; only used to name key paths.
#[derive(Debug)]
enum Node {
    Leaf,
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Key>, Spanned<Node>)>),
}

/// A mapping key as text (`?` for a key that is itself a collection).
#[derive(Debug)]
struct Key(String);

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KeyVisitor)
    }
}

struct NodeVisitor;

/// Visitor methods that map any scalar to a leaf.
macro_rules! leaves {
    ($($f:ident: $t:ty),*) => {$(
        fn $f<E: de::Error>(self, _: $t) -> Result<Node, E> { Ok(Node::Leaf) }
    )*};
}

/// Every scalar is a leaf; collections recurse (depth is bounded by the budget).
impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    leaves!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Node::Map(entries))
    }
}

/// Scalar keys keep their text; others (null, collections) read as `?`.
struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(Key(v.to_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
        Ok(Key("?".to_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Key, A::Error> {
        NodeVisitor.visit_seq(seq).map(|_| Key("?".to_owned()))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Key, A::Error> {
        NodeVisitor.visit_map(map).map(|_| Key("?".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean() {
        let msg = unknown_key("maxSurg", &["name", "type", "maxSurge", "maxUnavailable"]);
        assert!(msg.ends_with("(did you mean `maxSurge`?)"), "{msg}");
        assert!(!unknown_key("zzz", &["name", "type"]).contains("did you mean"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
