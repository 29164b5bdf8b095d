//! `fromManifest`: the strategy part of a real Kubernetes `Deployment` or
//! Argo Rollouts `Rollout`, read into the very `RawStrategy` a hand-written
//! entry would be, so that every check of `validate` applies to it unchanged.
//!
//! A manifest file may hold several YAML documents; exactly one must be an
//! `apps/v1` Deployment or an `argoproj.io/v1alpha1` Rollout, the others
//! (Services, AnalysisTemplates, ...) are skipped. Outside the strategy (the
//! pod template, labels, status) nothing is read. Inside it every field is
//! mapped, or known to make no difference to the model (Service names, router
//! wiring, pod labels, the names of analysis templates), or refused as not
//! modelled: none is dropped in silence.
//!
//! Each document is read on its own, with the limits of `yaml`, from a copy of
//! the text whose lines before it are left empty: lines and columns of errors
//! are those of the file.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde_saphyr::{Location, Spanned};

use super::defaults as def;
use super::error::ScenarioError;
use super::raw::*;
use super::strategy_type::StrategyType;
use super::yaml::{self, join};

type Res<T> = Result<T, ScenarioError>;

/// Most YAML documents read from one manifest file.
const MAX_DOCUMENTS: usize = 256;

/// What the top of each document must be.
const OBJECT: &str = "a Kubernetes object (a mapping with apiVersion, kind, metadata, spec)";

/// The kinds read, with the one apiVersion each is read in.
const WORKLOADS: [(&str, &str); 2] = [
    ("Deployment", "apps/v1"),
    ("Rollout", "argoproj.io/v1alpha1"),
];

/// The strategy of a manifest's workload, as a hand-written entry says it.
#[derive(Debug)]
pub struct Workload {
    /// The manifest's path as resolved (the scenario's directory joined with
    /// `fromManifest`), as errors name it.
    pub file: String,
    /// `metadata.name`.
    pub name: Opt<String>,
    /// `spec.replicas`, when the manifest states it.
    pub replicas: Opt<u32>,
    /// The strategy entry the manifest amounts to (its `name` left out).
    pub strategy: Spanned<RawStrategy>,
    /// Key path of the block most strategy keys come from.
    block: &'static str,
}

impl Workload {
    /// The manifest's key path of a `strategy` key path (as `validate` names
    /// it): `steps[1].pause` is `spec.strategy.canary.steps[1].pause`.
    pub fn key_path(&self, path: &str) -> String {
        match path.split(['.', '[']).next().unwrap_or("") {
            "" => self.block.to_owned(),
            "minReadySeconds" | "progressDeadlineSeconds" | "revisionHistoryLimit" => {
                join("spec", path)
            }
            _ => format!("{}.{path}", self.block),
        }
    }
}

/// Reads the manifest `path` names (`fromManifest` at `key_path` of
/// `scenario_file`), relative to the scenario's directory.
pub fn load(scenario_file: &str, key_path: &str, path: &Spanned<String>) -> Res<Workload> {
    let refuse = |msg: String| {
        ScenarioError::at_location(scenario_file, Some(path.referenced), key_path, msg)
    };
    if path.value.trim().is_empty() {
        let msg = "expected the path of a Deployment or Rollout manifest, found an empty string";
        return Err(refuse(msg.to_owned()));
    }
    let dir = Path::new(scenario_file).parent().unwrap_or(Path::new(""));
    let resolved = dir.join(&path.value);
    let file = resolved.display().to_string();
    let text = crate::input::read_text(&resolved, yaml::MAX_FILE_BYTES).map_err(|e| match e {
        crate::input::ReadError::Io(e) => refuse(format!("cannot read the manifest {file}: {e}")),
        e => ScenarioError::at(&file, None, "", e.to_string()),
    })?;
    parse(&text, &file)
}

/// Reads manifest text; `file` is used in error messages.
pub fn parse(text: &str, file: &str) -> Res<Workload> {
    if text.len() > yaml::MAX_FILE_BYTES {
        let msg = format!(
            "the file is {} bytes; the limit is {}",
            text.len(),
            yaml::MAX_FILE_BYTES
        );
        return Err(ScenarioError::at(file, None, "", msg));
    }
    let mut objects = Vec::new();
    for doc in documents(&line_breaks(text), file)? {
        if let Some(header) = yaml::read_document::<Spanned<RawHeader>>(&doc, file, OBJECT)? {
            objects.push((doc, header));
        }
    }
    let (doc, header, kind) = pick(&objects, file)?;
    let object: RawObject = yaml::read_document(doc, file, OBJECT)?
        .ok_or_else(|| ScenarioError::at(file, None, "", "the workload's document is empty"))?;
    let name = header.value.metadata.name.clone();
    let here = Here::new(file);
    let ((strategy, replicas), block) = match kind {
        "Deployment" => deployment(&here, object.spec)?,
        _ => rollout(&here, object.spec)?,
    };
    Ok(Workload {
        file: file.to_owned(),
        name,
        replicas,
        strategy,
        block,
    })
}

/// The documents of `text`, each as a text of its own whose earlier lines are
/// empty, so that its lines and columns are those of the file. Document
/// markers (`---`, `...`) and directives (`%YAML`) are blanked out.
fn documents(text: &str, file: &str) -> Res<Vec<String>> {
    let mut docs: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if marker(line, "---") {
            docs.push(std::mem::replace(&mut current, "\n".repeat(i)));
            current.push_str("   ");
            current.push_str(&line[3..]);
        } else if marker(line, "...") || line.starts_with('%') {
            current.push('\n');
        } else {
            current.push_str(line);
        }
        if docs.len() > MAX_DOCUMENTS {
            let msg = format!(
                "refusing to read the file: it holds more than {MAX_DOCUMENTS} YAML documents"
            );
            return Err(ScenarioError::at(file, Some((i as u64 + 1, 1)), "", msg));
        }
    }
    docs.push(current);
    Ok(docs)
}

/// The text with every line break as `\n`: YAML also breaks lines at a
/// lone `\r` (old Mac files) and at `\r\n`, and the documents are split
/// by lines. A break stays one break, so lines keep their numbers.
fn line_breaks(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\r') {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// Whether `line` is the document marker `mark` (alone, or before a space).
fn marker(line: &str, mark: &str) -> bool {
    line.strip_prefix(mark)
        .is_some_and(|rest| rest.chars().next().is_none_or(char::is_whitespace))
}

/// The one Deployment or Rollout among `objects`, and its kind.
fn pick<'a>(
    objects: &'a [(String, Spanned<RawHeader>)],
    file: &str,
) -> Res<(&'a str, &'a Spanned<RawHeader>, &'static str)> {
    let is_workload = |h: &RawHeader| {
        let kind = h.kind.as_ref().map(|k| k.value.as_str());
        WORKLOADS.iter().find(|(k, _)| Some(*k) == kind)
    };
    let workloads: Vec<_> = objects
        .iter()
        .filter_map(|(doc, h)| is_workload(&h.value).map(|w| (doc, h, w)))
        .collect();
    let all = || {
        let found: Vec<String> = objects.iter().map(|(_, h)| describe(h)).collect();
        found.join(", ")
    };
    match workloads.as_slice() {
        [] => {
            let (pos, key, found) = match objects.first() {
                None => ((1, 1), "", "none: the file holds no object".to_owned()),
                Some((_, h)) => (
                    kind_at(h),
                    "kind",
                    format!("none: the file holds {}", all()),
                ),
            };
            let msg = format!(
                "expected an apps/v1 Deployment or an argoproj.io/v1alpha1 Rollout, found {found}"
            );
            Err(ScenarioError::at(file, Some(pos), key, msg))
        }
        [(doc, h, (kind, version))] => {
            api_version(h, kind, version, file)?;
            Ok((doc.as_str(), h, kind))
        }
        [_, (_, second, _), ..] => {
            let msg = format!(
                "expected exactly one Deployment or Rollout in the file, found {}: {}; \
                 a `fromManifest` reads the strategy of one workload (split the file)",
                workloads.len(),
                workloads
                    .iter()
                    .map(|(_, h, _)| describe(h))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Err(ScenarioError::at(file, Some(kind_at(second)), "kind", msg))
        }
    }
}

/// A workload must be in the API version whose defaults deploysim follows.
fn api_version(h: &Spanned<RawHeader>, kind: &str, version: &str, file: &str) -> Res<()> {
    let found = h.value.api_version.as_ref();
    if found.is_some_and(|v| v.value == version) {
        return Ok(());
    }
    let (pos, found) = match found {
        Some(v) => (
            (v.referenced.line(), v.referenced.column()),
            format!("{:?}", v.value),
        ),
        None => (kind_at(h), "none".to_owned()),
    };
    let msg = format!(
        "expected apiVersion {version} for a {kind}, found {found} \
         (deploysim follows the defaults of {version})"
    );
    Err(ScenarioError::at(file, Some(pos), "apiVersion", msg))
}

/// Where an object's `kind` is (or the object, without one).
fn kind_at(h: &Spanned<RawHeader>) -> (u64, u64) {
    let at = h.value.kind.as_ref().map_or(h.referenced, |k| k.referenced);
    (at.line(), at.column())
}

/// "Service checkout-api (line 3)".
fn describe(h: &Spanned<RawHeader>) -> String {
    let kind = h
        .value
        .kind
        .as_ref()
        .map_or("an object without kind", |k| k.value.as_str());
    let name = match &h.value.metadata.name {
        Some(n) => format!(" {}", n.value),
        None => String::new(),
    };
    format!("{kind}{name} (line {})", kind_at(h).0)
}

/// Where a manifest value sits, for its errors.
struct Here<'a> {
    file: &'a str,
    path: String,
}

impl<'a> Here<'a> {
    fn new(file: &'a str) -> Self {
        Here {
            file,
            path: String::new(),
        }
    }

    fn key(&self, key: &str) -> Here<'a> {
        Here {
            file: self.file,
            path: join(&self.path, key),
        }
    }

    fn index(&self, i: usize) -> Here<'a> {
        Here {
            file: self.file,
            path: format!("{}[{i}]", self.path),
        }
    }

    fn err(&self, location: Location, message: impl Into<String>) -> ScenarioError {
        ScenarioError::at_location(self.file, Some(location), &self.path, message)
    }

    /// Refuses `key`, if present, as a field deploysim does not model.
    fn not_modelled<T>(&self, key: &str, value: &Opt<T>, why: &str) -> Res<()> {
        match value {
            None => Ok(()),
            Some(v) => Err(self.key(key).err(
                v.referenced,
                format!(
                    "`{key}` is not modelled by deploysim ({why}): remove it, \
                     or write the strategy by hand"
                ),
            )),
        }
    }
}

/// The types a Deployment's `spec.strategy.type` may name: the Kubernetes
/// ones, which the scenario spells the same.
const DEPLOYMENT_TYPES: [StrategyType; 2] = [StrategyType::Recreate, StrategyType::RollingUpdate];

/// `t` as the raw entry's `type:` holds it.
fn type_name(t: StrategyType) -> String {
    t.name().to_owned()
}

/// A value deploysim made up, placed at `at` for the errors it may cause.
fn here<T>(value: T, at: Location) -> Spanned<T> {
    Spanned::new(value, at, at)
}

/// A strategy entry and `spec.replicas`.
type Converted = (Spanned<RawStrategy>, Opt<u32>);

/// The keys of `spec` shared by Deployments and Rollouts.
fn spec_keys(at: &Here, spec: &RawSpec, kind: &str) -> Res<RawStrategy> {
    if spec.paused.as_ref().is_some_and(|p| p.value) {
        let why = format!("a paused {kind} does not start its rollout");
        at.not_modelled("paused", &spec.paused, &why)?;
    }
    if spec
        .progress_deadline_abort
        .as_ref()
        .is_some_and(|p| p.value)
    {
        let why = "a rollout past its deadline pages the team, it is not aborted";
        at.not_modelled("progressDeadlineAbort", &spec.progress_deadline_abort, why)?;
    }
    let why = "a rollback inside the window skips the steps";
    at.not_modelled("rollbackWindow", &spec.rollback_window, why)?;
    Ok(RawStrategy {
        min_ready_seconds: spec.min_ready_seconds.clone(),
        progress_deadline_seconds: spec.progress_deadline_seconds.clone(),
        revision_history_limit: spec.revision_history_limit,
        ..RawStrategy::default()
    })
}

/// An `apps/v1` Deployment: `Recreate` or `RollingUpdate` (the default).
fn deployment(at: &Here, spec: Spanned<RawSpec>) -> Res<(Converted, &'static str)> {
    let (spec_at, spec) = (spec.referenced, spec.value);
    let at = at.key("spec");
    let mut raw = spec_keys(&at, &spec, "Deployment")?;
    let Some(strategy) = spec.strategy else {
        raw.kind = Some(here(type_name(StrategyType::RollingUpdate), spec_at));
        let entry = here(raw, spec_at);
        return Ok(((entry, spec.replicas), "spec.strategy.rollingUpdate"));
    };
    let (st_at, st) = (strategy.referenced, strategy.value);
    let at = at.key("strategy");
    let argo =
        "belongs to an Argo Rollout's strategy; a Deployment's has `type` and `rollingUpdate`";
    if let Some(b) = &st.blue_green {
        return Err(at
            .key("blueGreen")
            .err(b.referenced, format!("`blueGreen` {argo}")));
    }
    if let Some(c) = &st.canary {
        return Err(at
            .key("canary")
            .err(c.referenced, format!("`canary` {argo}")));
    }
    let kind = st
        .kind
        .unwrap_or_else(|| here(type_name(StrategyType::RollingUpdate), st_at));
    match StrategyType::parse(&kind.value) {
        Ok(StrategyType::RollingUpdate) => {}
        Ok(StrategyType::Recreate) => {
            if let Some(r) = &st.rolling_update {
                let msg = "may not be set when type is Recreate (Kubernetes refuses it)";
                return Err(at.key("rollingUpdate").err(r.referenced, msg));
            }
        }
        Ok(StrategyType::BlueGreen | StrategyType::Canary) | Err(_) => {
            let names = DEPLOYMENT_TYPES.map(StrategyType::name).join(", ");
            let msg = format!("expected one of {names}, found {:?}", kind.value);
            return Err(at.key("type").err(kind.referenced, msg));
        }
    }
    if let Some(r) = st.rolling_update {
        raw.max_surge = r.value.max_surge.map(int_or_percent);
        raw.max_unavailable = r.value.max_unavailable.map(int_or_percent);
    }
    raw.kind = Some(kind);
    Ok((
        (here(raw, st_at), spec.replicas),
        "spec.strategy.rollingUpdate",
    ))
}

/// An `argoproj.io/v1alpha1` Rollout: `blueGreen` or `canary`.
fn rollout(at: &Here, spec: Spanned<RawSpec>) -> Res<(Converted, &'static str)> {
    let (spec_at, spec) = (spec.referenced, spec.value);
    let at = at.key("spec");
    let raw = spec_keys(&at, &spec, "Rollout")?;
    let Some(strategy) = spec.strategy else {
        let msg = "missing required key `strategy`: a Rollout needs \
                   strategy.blueGreen or strategy.canary";
        return Err(at.key("strategy").err(spec_at, msg));
    };
    let (st_at, st) = (strategy.referenced, strategy.value);
    let at = at.key("strategy");
    let k8s = "belongs to a Deployment's strategy; a Rollout's has `blueGreen` or `canary`";
    if let Some(t) = &st.kind {
        return Err(at.key("type").err(t.referenced, format!("`type` {k8s}")));
    }
    if let Some(r) = &st.rolling_update {
        return Err(at
            .key("rollingUpdate")
            .err(r.referenced, format!("`rollingUpdate` {k8s}")));
    }
    let strategy = match (st.blue_green, st.canary) {
        (Some(b), None) => (
            blue_green(&at.key("blueGreen"), b, raw)?,
            "spec.strategy.blueGreen",
        ),
        (None, Some(c)) => (canary(&at.key("canary"), c, raw)?, "spec.strategy.canary"),
        (Some(_), Some(c)) => {
            let msg = "expected one of blueGreen or canary, found both";
            return Err(at.key("canary").err(c.referenced, msg));
        }
        (None, None) => {
            let msg = "expected one of blueGreen or canary, found neither";
            return Err(at.err(st_at, msg));
        }
    };
    Ok(((strategy.0, spec.replicas), strategy.1))
}

fn blue_green(
    at: &Here,
    b: Spanned<RawBlueGreen>,
    mut raw: RawStrategy,
) -> Res<Spanned<RawStrategy>> {
    let (b_at, b) = (b.referenced, b.value);
    let why = "it limits how many old ReplicaSets wait out the scale-down delay";
    at.not_modelled(
        "scaleDownDelayRevisionLimit",
        &b.scale_down_delay_revision_limit,
        why,
    )?;
    let why = "anti-affinity between the old and new pods changes where pods fit";
    at.not_modelled("antiAffinity", &b.anti_affinity, why)?;
    let pre = analysis_block(
        &at.key("prePromotionAnalysis"),
        b.pre_promotion_analysis,
        false,
    )?;
    let post = analysis_block(
        &at.key("postPromotionAnalysis"),
        b.post_promotion_analysis,
        false,
    )?;
    // The templates of a pre-promotion analysis are queries deploysim cannot
    // run: they count as smoke tests with the default catch rate.
    raw.pre_promotion_analysis = pre.map(|a| {
        let rate = Scalar::Num(def::SMOKE_TEST_CATCH_RATE);
        let smoke = RawSmokeTest {
            smoke_test_catch_rate: here(rate, a.referenced),
            duration: None,
        };
        here(smoke, a.referenced)
    });
    raw.post_promotion_analysis =
        post.map(|a| here(RawAnalysisSwitch::Enabled(true), a.referenced));
    raw.kind = Some(here(type_name(StrategyType::BlueGreen), b_at));
    raw.preview_replica_count = b.preview_replica_count;
    raw.auto_promotion_enabled = b.auto_promotion_enabled;
    raw.auto_promotion_seconds = b.auto_promotion_seconds;
    raw.scale_down_delay_seconds = b.scale_down_delay_seconds;
    raw.abort_scale_down_delay_seconds = b.abort_scale_down_delay_seconds;
    Ok(here(raw, b_at))
}

fn canary(at: &Here, c: Spanned<RawArgoCanary>, mut raw: RawStrategy) -> Res<Spanned<RawStrategy>> {
    let (c_at, c) = (c.referenced, c.value);
    let refused: [(&str, &Opt<IgnoredAny>, &str); 4] = [
        (
            "antiAffinity",
            &c.anti_affinity,
            "anti-affinity between the old and new pods changes where pods fit",
        ),
        (
            "scaleDownDelayRevisionLimit",
            &c.scale_down_delay_revision_limit,
            "it limits how many old ReplicaSets wait out the scale-down delay",
        ),
        (
            "pingPong",
            &c.ping_pong,
            "ping-pong Services swap at promotion instead of scaling",
        ),
        (
            "minPodsPerReplicaSet",
            &c.min_pods_per_replica_set,
            "it raises small ReplicaSets to a minimum size",
        ),
    ];
    for (key, value, why) in refused {
        at.not_modelled(key, value, why)?;
    }
    let steps = match c.steps {
        Some(s) if !s.value.is_empty() => s,
        other => {
            let location = other.map_or(c_at, |s| s.referenced);
            let msg = "a canary without steps is not modelled by deploysim (Argo then \
                       replaces the pods as a rolling update does): write the strategy by hand";
            return Err(at.key("steps").err(location, msg));
        }
    };
    let steps_at = at.key("steps");
    let converted = steps
        .value
        .into_iter()
        .enumerate()
        .map(|(i, s)| step(&steps_at.index(i), s))
        .collect::<Res<Vec<_>>>()?;
    raw.steps = Some(here(converted, steps.referenced));
    raw.traffic_routing = c
        .traffic_routing
        .map(|r| router(&at.key("trafficRouting"), r))
        .transpose()?;
    let background = analysis_block(&at.key("analysis"), c.analysis, true)?;
    raw.analysis = background.map(|a| {
        let background = RawCanaryAnalysis {
            starting_step: a.value.starting_step,
            ..RawCanaryAnalysis::default()
        };
        here(background, a.referenced)
    });
    raw.kind = Some(here(type_name(StrategyType::Canary), c_at));
    raw.max_surge = c.max_surge.map(int_or_percent);
    raw.max_unavailable = c.max_unavailable.map(int_or_percent);
    raw.dynamic_stable_scale = c.dynamic_stable_scale;
    raw.scale_down_delay_seconds = c.scale_down_delay_seconds;
    raw.abort_scale_down_delay_seconds = c.abort_scale_down_delay_seconds;
    Ok(here(raw, c_at))
}

/// `trafficRouting`: any router means exact weights (`trafficRouting: true`).
fn router(at: &Here, r: Spanned<RawTrafficRouting>) -> Res<Spanned<bool>> {
    let t = &r.value;
    if let Some(w) = t.max_traffic_weight.as_ref().filter(|w| w.value != 100) {
        let msg = format!(
            "`maxTrafficWeight` {} is not modelled by deploysim (weights are out of 100): \
             remove it, or write the strategy by hand",
            w.value
        );
        return Err(at.key("maxTrafficWeight").err(w.referenced, msg));
    }
    let routers = [
        &t.istio,
        &t.nginx,
        &t.alb,
        &t.smi,
        &t.ambassador,
        &t.app_mesh,
        &t.traefik,
        &t.apisix,
        &t.plugins,
    ];
    if routers.iter().all(|r| r.is_none()) {
        let msg = "expected a router (istio, nginx, alb, smi, ambassador, appMesh, traefik, \
                   apisix or plugins), found none";
        return Err(at.err(r.referenced, msg));
    }
    Ok(here(true, r.referenced))
}

/// A Rollout's analysis block: its templates are queries deploysim cannot
/// run, so only its presence counts; the checks are `observability.analysis`.
fn analysis_block(
    at: &Here,
    a: Opt<RawRolloutAnalysis>,
    background: bool,
) -> Res<Opt<RawRolloutAnalysis>> {
    let Some(a) = a else { return Ok(None) };
    let why = "a metric in dry-run never fails the rollout";
    at.not_modelled("dryRun", &a.value.dry_run, why)?;
    if let Some(s) = a.value.starting_step.as_ref().filter(|_| !background) {
        let msg = "`startingStep` applies only to a canary's background `analysis`";
        return Err(at.key("startingStep").err(s.referenced, msg));
    }
    Ok(Some(a))
}

/// One canary step, as `RawStep`.
fn step(at: &Here, s: Spanned<RawArgoStep>) -> Res<Spanned<RawStep>> {
    let (s_at, s) = (s.referenced, s.value);
    let why = "an experiment runs ReplicaSets of its own beside the rollout";
    at.not_modelled("experiment", &s.experiment, why)?;
    let why = "a header route sends chosen requests to the canary";
    at.not_modelled("setHeaderRoute", &s.set_header_route, why)?;
    at.not_modelled("plugin", &s.plugin, "a step plugin runs code of its own")?;
    let analysis = analysis_block(&at.key("analysis"), s.analysis, false)?;
    let pause = s.pause.map(|p| {
        let duration = p.value.duration.map(|d| {
            pause_duration(&d.value)
                .map(|text| here(Scalar::Str(text), d.referenced))
                .map_err(|m| at.key("pause.duration").err(d.referenced, m))
        });
        duration
            .transpose()
            .map(|duration| here(RawPause { duration }, p.referenced))
    });
    Ok(here(
        RawStep {
            set_weight: s.set_weight,
            pause: pause.transpose()?,
            analysis: analysis.map(|a| here(RawAnalysis::default(), a.referenced)),
            set_canary_scale: s.set_canary_scale,
            set_mirror_route: s
                .set_mirror_route
                .map(|m| mirror(&at.key("setMirrorRoute"), m))
                .transpose()?,
        },
        s_at,
    ))
}

/// `setMirrorRoute`: without `match` it removes the route (mirrors 0%); with
/// one it mirrors `percentage` of the requests that match, which deploysim
/// can model only when some match takes every request.
fn mirror(at: &Here, m: Spanned<RawArgoMirrorRoute>) -> Res<Spanned<RawMirrorRoute>> {
    let (m_at, m) = (m.referenced, m.value);
    let percentage = match &m.r#match {
        None => Some(here(0, m_at)),
        Some(list) if list.value.iter().any(RawRouteMatch::takes_all) => m.percentage,
        Some(list) => {
            let msg = "mirroring only the requests that match is not modelled by deploysim \
                       (it mirrors a share of all requests; a match of path prefix \"/\" alone \
                       takes all): remove the conditions, or write the strategy by hand";
            return Err(at.key("match").err(list.referenced, msg));
        }
    };
    Ok(here(RawMirrorRoute { percentage }, m_at))
}

/// An IntOrString surge or unavailability, as the scalar a hand-written
/// entry holds; `validate` checks it as it checks those (a string must be a
/// whole percent, as Kubernetes requires).
fn int_or_percent(v: Spanned<IntOrString>) -> Spanned<Scalar> {
    let scalar = match v.value {
        IntOrString::Int(n) => Scalar::Num(n as f64),
        IntOrString::Str(s) => Scalar::Str(s),
    };
    Spanned::new(scalar, v.referenced, v.defined)
}

/// A canary pause, as Argo reads it: an integer, or a string of digits, is
/// seconds; any other string is a Go duration (`10m`, `1h30m`, `90s`), cut
/// to whole seconds. Gives the duration as a scenario writes it (`600s`).
fn pause_duration(v: &IntOrString) -> Result<String, String> {
    let seconds = match v {
        IntOrString::Int(n) => Some(*n),
        IntOrString::Str(s) => s.parse::<i64>().ok().or_else(|| go_duration_seconds(s)),
    };
    match seconds {
        Some(s) if s >= 0 => Ok(format!("{s}s")),
        _ => {
            let found = match v {
                IntOrString::Int(n) => n.to_string(),
                IntOrString::Str(s) => format!("{s:?}"),
            };
            Err(format!(
                "expected a duration like \"10m\" or \"1h30m\", or whole seconds like 600, \
                 found {found}"
            ))
        }
    }
}

/// Go's `time.ParseDuration` (`1h30m`, `1.5h`, `300ms`, `-2s`), in whole
/// seconds toward zero as Argo counts a pause; `None` if it is not one.
fn go_duration_seconds(text: &str) -> Option<i64> {
    const UNITS: [(&str, f64); 8] = [
        ("ns", 1e-9),
        ("us", 1e-6),
        ("µs", 1e-6),
        ("μs", 1e-6),
        ("ms", 1e-3),
        ("s", 1.0),
        ("m", 60.0),
        ("h", 3600.0),
    ];
    let (sign, mut rest) = match text.strip_prefix('-') {
        Some(r) => (-1.0, r),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(end);
        let digits = number.chars().filter(char::is_ascii_digit).count();
        if digits == 0 || number.matches('.').count() > 1 {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        let (unit, scale) = UNITS
            .iter()
            .filter(|(u, _)| tail.starts_with(u))
            .max_by_key(|(u, _)| u.len())?;
        total += value * scale;
        rest = &tail[unit.len()..];
    }
    // Go refuses durations beyond int64 nanoseconds (about 292 years).
    (total < 9.2e9).then_some((sign * total).trunc() as i64)
}

/// Kubernetes IntOrString as written: an integer, or a string (`"25%"`, `"10m"`).
#[derive(Clone, Debug, PartialEq)]
pub enum IntOrString {
    Int(i64),
    Str(String),
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntOrStringVisitor)
    }
}

struct IntOrStringVisitor;

impl Visitor<'_> for IntOrStringVisitor {
    type Value = IntOrString;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"an integer or a string like "25%""#)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrString, E> {
        Ok(IntOrString::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrString, E> {
        i64::try_from(v)
            .map(IntOrString::Int)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrString, E> {
        Ok(IntOrString::Str(v.to_owned()))
    }
}

/// What every document is read as first: enough to pick the workload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHeader {
    api_version: Opt<String>,
    kind: Opt<String>,
    #[serde(default)]
    metadata: RawMetadata,
}

#[derive(Debug, Default, Deserialize)]
struct RawMetadata {
    name: Opt<String>,
}

/// The workload's document: only `spec` is read.
#[derive(Debug, Deserialize)]
struct RawObject {
    spec: Spanned<RawSpec>,
}

/// The keys of a Deployment's or Rollout's `spec` that concern the rollout;
/// the rest (selector, template, ...) is not read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSpec {
    replicas: Opt<u32>,
    min_ready_seconds: Opt<u64>,
    progress_deadline_seconds: Opt<u64>,
    revision_history_limit: Option<u32>,
    paused: Opt<bool>,
    progress_deadline_abort: Opt<bool>,
    rollback_window: Opt<IgnoredAny>,
    strategy: Opt<RawWorkloadStrategy>,
}

/// `spec.strategy` of a Deployment (`type`, `rollingUpdate`) or a Rollout
/// (`blueGreen`, `canary`); unknown keys are errors from here down.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawWorkloadStrategy {
    #[serde(rename = "type")]
    kind: Opt<String>,
    rolling_update: Opt<RawRollingUpdate>,
    blue_green: Opt<RawBlueGreen>,
    canary: Opt<RawArgoCanary>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawRollingUpdate {
    max_surge: Opt<IntOrString>,
    max_unavailable: Opt<IntOrString>,
}

/// Argo `BlueGreenStrategy`. Service names and pod metadata make no
/// difference to the model; `maxUnavailable` applies to restarts
/// (`restartAt`), not to a rollout.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawBlueGreen {
    #[serde(rename = "activeService")]
    _active_service: Option<IgnoredAny>,
    #[serde(rename = "previewService")]
    _preview_service: Option<IgnoredAny>,
    preview_replica_count: Opt<u32>,
    auto_promotion_enabled: Opt<bool>,
    auto_promotion_seconds: Opt<u64>,
    #[serde(rename = "maxUnavailable")]
    _max_unavailable: Option<IgnoredAny>,
    scale_down_delay_seconds: Opt<u64>,
    scale_down_delay_revision_limit: Opt<IgnoredAny>,
    pre_promotion_analysis: Opt<RawRolloutAnalysis>,
    anti_affinity: Opt<IgnoredAny>,
    post_promotion_analysis: Opt<RawRolloutAnalysis>,
    #[serde(rename = "previewMetadata")]
    _preview_metadata: Option<IgnoredAny>,
    #[serde(rename = "activeMetadata")]
    _active_metadata: Option<IgnoredAny>,
    abort_scale_down_delay_seconds: Opt<u64>,
}

/// Argo `CanaryStrategy`. Service names and pod metadata make no difference
/// to the model.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawArgoCanary {
    #[serde(rename = "canaryService")]
    _canary_service: Option<IgnoredAny>,
    #[serde(rename = "stableService")]
    _stable_service: Option<IgnoredAny>,
    steps: Opt<Vec<Spanned<RawArgoStep>>>,
    traffic_routing: Opt<RawTrafficRouting>,
    max_unavailable: Opt<IntOrString>,
    max_surge: Opt<IntOrString>,
    analysis: Opt<RawRolloutAnalysis>,
    anti_affinity: Opt<IgnoredAny>,
    #[serde(rename = "canaryMetadata")]
    _canary_metadata: Option<IgnoredAny>,
    #[serde(rename = "stableMetadata")]
    _stable_metadata: Option<IgnoredAny>,
    scale_down_delay_seconds: Opt<u64>,
    scale_down_delay_revision_limit: Opt<IgnoredAny>,
    abort_scale_down_delay_seconds: Opt<u64>,
    dynamic_stable_scale: Opt<bool>,
    ping_pong: Opt<IgnoredAny>,
    min_pods_per_replica_set: Opt<IgnoredAny>,
}

/// Argo `RolloutTrafficRouting`: which router, and how it is wired (not read).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawTrafficRouting {
    istio: Option<IgnoredAny>,
    nginx: Option<IgnoredAny>,
    alb: Option<IgnoredAny>,
    smi: Option<IgnoredAny>,
    ambassador: Option<IgnoredAny>,
    app_mesh: Option<IgnoredAny>,
    traefik: Option<IgnoredAny>,
    apisix: Option<IgnoredAny>,
    plugins: Option<IgnoredAny>,
    #[serde(rename = "managedRoutes")]
    _managed_routes: Option<IgnoredAny>,
    max_traffic_weight: Opt<u32>,
}

/// Argo `CanaryStep`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawArgoStep {
    set_weight: Opt<u32>,
    pause: Opt<RawArgoPause>,
    experiment: Opt<IgnoredAny>,
    analysis: Opt<RawRolloutAnalysis>,
    set_canary_scale: Opt<RawCanaryScale>,
    set_header_route: Opt<IgnoredAny>,
    set_mirror_route: Opt<RawArgoMirrorRoute>,
    plugin: Opt<IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArgoPause {
    duration: Opt<IntOrString>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArgoMirrorRoute {
    #[serde(rename = "name")]
    _name: Option<IgnoredAny>,
    r#match: Opt<Vec<RawRouteMatch>>,
    percentage: Opt<u32>,
}

/// One `match` block of `setMirrorRoute` (its conditions are ANDed).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRouteMatch {
    method: Option<IgnoredAny>,
    path: Option<RawStringMatch>,
    headers: Option<IgnoredAny>,
}

impl RawRouteMatch {
    /// Whether every request matches: no condition but a path prefix `/`.
    fn takes_all(&self) -> bool {
        let path = self.path.as_ref().is_none_or(|p| {
            p.exact.is_none() && p.regex.is_none() && p.prefix.as_deref() == Some("/")
        });
        self.method.is_none() && self.headers.is_none() && path
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStringMatch {
    exact: Option<String>,
    prefix: Option<String>,
    regex: Option<String>,
}

/// Argo `RolloutAnalysis` (and the background form, with `startingStep`).
/// Templates, their arguments and run metadata name queries deploysim
/// cannot run; only the block's presence is read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawRolloutAnalysis {
    #[serde(rename = "templates")]
    _templates: Option<IgnoredAny>,
    #[serde(rename = "args")]
    _args: Option<IgnoredAny>,
    dry_run: Opt<IgnoredAny>,
    #[serde(rename = "measurementRetention")]
    _measurement_retention: Option<IgnoredAny>,
    #[serde(rename = "analysisRunMetadata")]
    _analysis_run_metadata: Option<IgnoredAny>,
    starting_step: Opt<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::IntOrPercent;
    use crate::scenario::units;

    fn int_or_string(yaml: &str) -> Option<IntOrString> {
        serde_saphyr::from_str(yaml).ok()
    }

    #[test]
    fn int_or_string_reads_integers_and_strings_only() {
        assert_eq!(int_or_string("3"), Some(IntOrString::Int(3)));
        assert_eq!(int_or_string("-1"), Some(IntOrString::Int(-1)));
        assert_eq!(int_or_string("25%"), Some(IntOrString::Str("25%".into())));
        assert_eq!(int_or_string("\"25\""), Some(IntOrString::Str("25".into())));
        assert_eq!(int_or_string("10m"), Some(IntOrString::Str("10m".into())));
        // Kubernetes refuses a float where it wants an IntOrString.
        assert_eq!(int_or_string("2.5"), None);
        assert_eq!(int_or_string("true"), None);
        assert_eq!(int_or_string("[1]"), None);
    }

    #[test]
    fn surge_and_unavailability_are_checked_as_kubernetes_does() {
        let read = |v: IntOrString| {
            let at = Location::UNKNOWN;
            units::int_or_percent(&int_or_percent(Spanned::new(v, at, at)).value)
        };
        let s = |t: &str| IntOrString::Str(t.to_owned());
        assert_eq!(read(IntOrString::Int(3)), Ok(IntOrPercent::Int(3)));
        assert_eq!(read(s("25%")), Ok(IntOrPercent::Percent(25)));
        assert_eq!(read(s("0%")), Ok(IntOrPercent::Percent(0)));
        // A string must be a whole percent; a number may not be negative.
        for bad in [
            s("25"),
            s("2.5%"),
            s("25 %"),
            s("abc"),
            IntOrString::Int(-1),
        ] {
            assert!(read(bad.clone()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pauses_read_as_argo_reads_them() {
        let secs = |v: IntOrString| pause_duration(&v);
        let s = |t: &str| secs(IntOrString::Str(t.to_owned()));
        assert_eq!(secs(IntOrString::Int(600)), Ok("600s".into()));
        assert_eq!(s("600"), Ok("600s".into()));
        assert_eq!(s("10m"), Ok("600s".into()));
        assert_eq!(s("1h30m"), Ok("5400s".into()));
        assert_eq!(s("1.5h"), Ok("5400s".into()));
        assert_eq!(s(".5m"), Ok("30s".into()));
        assert_eq!(s("90s"), Ok("90s".into()));
        assert_eq!(s("0"), Ok("0s".into()));
        // Argo keeps whole seconds, cut toward zero.
        assert_eq!(s("1500ms"), Ok("1s".into()));
        assert_eq!(s("999ms"), Ok("0s".into()));
        assert_eq!(s("2m500000us"), Ok("120s".into()));
        for bad in ["-5s", "5d", "1h 30m", "ten minutes", "", ".", "m", "1.2.3s"] {
            let e = s(bad).expect_err(bad);
            assert!(e.starts_with("expected a duration like"), "{e}");
        }
        assert!(secs(IntOrString::Int(-1)).is_err());
    }

    #[test]
    fn documents_keep_the_files_lines_and_columns() {
        let text = "a: 1\n---\nb: 2\n...\n%YAML 1.2\n--- # next\n  c: 3\n";
        let docs = documents(text, "m.yaml").expect("documents");
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0], "a: 1\n");
        assert_eq!(docs[1], "\n   \nb: 2\n\n\n");
        assert_eq!(docs[2], "\n\n\n\n\n    # next\n  c: 3\n");
        let many = "---\n".repeat(MAX_DOCUMENTS + 1);
        let e = documents(&many, "m.yaml").expect_err("too many documents");
        assert!(e.message.contains("more than 256 YAML documents"), "{e}");
        assert!(!marker("----\n", "---") && marker("---", "---") && marker("--- x", "---"));
    }

    #[test]
    fn errors_speak_of_the_manifests_keys() {
        let text = "kind: Rollout\napiVersion: argoproj.io/v1alpha1\nmetadata: { name: w }\n\
                    spec:\n  strategy:\n    canary:\n      steps: [{ setWeight: 5 }]\n";
        let w = parse(text, "m.yaml").expect("a rollout");
        assert_eq!(w.name.as_ref().map(|n| n.value.as_str()), Some("w"));
        assert_eq!(
            w.key_path("steps[0].setWeight"),
            "spec.strategy.canary.steps[0].setWeight"
        );
        assert_eq!(w.key_path("maxSurge"), "spec.strategy.canary.maxSurge");
        assert_eq!(w.key_path("minReadySeconds"), "spec.minReadySeconds");
        assert_eq!(w.key_path(""), "spec.strategy.canary");
        let steps = w.strategy.value.steps.expect("steps");
        assert_eq!(steps.referenced.line(), 7);
        let weight = steps.value[0].value.set_weight.as_ref().expect("setWeight");
        assert_eq!((weight.referenced.line(), weight.value), (7, 5));
    }

    #[test]
    fn mirror_steps_without_match_stop_mirroring() {
        let rollout = |step: &str| {
            let text = format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{ name: w }}\n\
                 spec:\n  strategy:\n    canary:\n      steps: [{{ setMirrorRoute: {step} }}]\n"
            );
            let w = parse(&text, "m.yaml")?;
            let steps = w.strategy.value.steps.expect("steps").value;
            let m = steps[0]
                .value
                .set_mirror_route
                .as_ref()
                .expect("a mirror step");
            Ok::<_, ScenarioError>(m.value.percentage.as_ref().map(|p| p.value))
        };
        assert_eq!(rollout("{ name: m }"), Ok(Some(0)));
        let all = "{ name: m, percentage: 40, match: [{ path: { prefix: / } }] }";
        assert_eq!(rollout(all), Ok(Some(40)));
        assert_eq!(rollout("{ name: m, match: [{}] }"), Ok(None));
        let gets = "{ name: m, match: [{ method: { exact: GET } }] }";
        let e = rollout(gets).expect_err("a match of some requests");
        assert_eq!(
            e.key_path,
            "spec.strategy.canary.steps[0].setMirrorRoute.match"
        );
    }
}
