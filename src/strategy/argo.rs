//! Argo Rollouts' replica arithmetic (argoproj/argo-rollouts utils/replicaset:
//! canary.go, bluegreen.go, replicaset.go), as pure functions named after the
//! upstream ones.
//!
//! The canary and blue-green controllers ask these how many pods each
//! ReplicaSet should have; nothing here touches the cluster. Upstream reads a
//! `Rollout` object and `*ReplicaSet`s; here [`CanaryRollout`] /
//! [`BlueGreenRollout`] carry the fields it reads and [`ReplicaSetCounts`] a
//! ReplicaSet's counts (`None` where upstream passes `nil`).
//!
//! Differences from the Kubernetes Deployment arithmetic in
//! [`super::rolling`]: an unset canary maxSurge / maxUnavailable is 25%, a
//! blue-green rollout never surges and its maxUnavailable skips the 0/0 rule,
//! and the weights are integers out of `maxWeight` (100 unless the traffic
//! router sets `maxTrafficWeight`). Weight ratios are compared exactly, in
//! integers, where upstream uses float64.

use super::rolling::{self, Fenceposts};
use crate::scenario::{CanaryScale, CanaryStep, IntOrPercent};

/// Upstream's default for an unset canary maxSurge / maxUnavailable ("25%").
pub const DEFAULT_MAX_SURGE_OR_UNAVAILABLE: IntOrPercent = IntOrPercent::Percent(25);

/// Upstream's default traffic weight scale (`maxTrafficWeight` unset).
pub const DEFAULT_MAX_WEIGHT: u32 = 100;

/// Upstream's default `abortScaleDownDelaySeconds` with traffic routing.
pub const DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS: u32 = 30;

/// One ReplicaSet's counts, as the arithmetic reads them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplicaSetCounts {
    /// `spec.replicas`: pods the ReplicaSet should have.
    pub spec: u32,
    /// `status.availableReplicas`: pods Ready for minReadySeconds.
    pub available: u32,
    /// `status.replicas`: pods that exist, in any phase.
    pub created: u32,
}

/// The weights last set on the traffic router (`status.canary.weights`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrafficWeights {
    pub canary: u32,
    pub stable: u32,
}

/// `replicaProgressThreshold`: how much of the canary must be available for
/// a step to count as done. A value below 1 means "all desired pods" (the
/// table pins this for a negative value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressThreshold {
    /// At least this many available pods.
    Pods(i32),
    /// At least this percent of the desired pods available.
    Percent(i32),
}

/// maxSurge / maxUnavailable as written in a Rollout's strategy (`None` =
/// unset), mirroring `rollout.Spec.Strategy`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RolloutStrategy {
    Canary {
        max_surge: Option<IntOrPercent>,
        max_unavailable: Option<IntOrPercent>,
    },
    BlueGreen {
        max_unavailable: Option<IntOrPercent>,
    },
}

/// A canary `Rollout` as the arithmetic reads it: `spec.strategy.canary`
/// plus the status fields.
#[derive(Clone, Copy, Debug)]
pub struct CanaryRollout<'a> {
    /// `spec.replicas`.
    pub replicas: u32,
    /// `spec.strategy.canary.steps`.
    pub steps: &'a [CanaryStep],
    /// `status.currentStepIndex` (unset = 0); `steps.len()` once all are done.
    pub current_step_index: u32,
    /// `None` = unset (25%).
    pub max_surge: Option<IntOrPercent>,
    /// `None` = unset (25%).
    pub max_unavailable: Option<IntOrPercent>,
    /// A mesh or ingress sets exact weights (`trafficRouting` is set).
    pub traffic_routing: bool,
    /// `trafficRouting.maxTrafficWeight` (default 100).
    pub max_weight: u32,
    pub dynamic_stable_scale: bool,
    pub min_pods_per_replica_set: Option<u32>,
    /// `None` = unset; `Some(0)` = leave the canary up after an abort.
    pub abort_scale_down_delay_seconds: Option<u32>,
    pub replica_progress_threshold: Option<ProgressThreshold>,
    /// `status.promoteFull`: skip the remaining steps.
    pub promote_full: bool,
    /// `status.abort`.
    pub abort: bool,
    /// `status.stableRS` is empty or equals `status.currentPodHash`: the
    /// current template is already the stable one, so there is no update to
    /// step through.
    pub stable_is_current: bool,
}

impl<'a> CanaryRollout<'a> {
    /// A rollout of `replicas` at its first step, with every other field at
    /// upstream's default (unset, false, 100).
    pub fn new(replicas: u32, steps: &'a [CanaryStep]) -> Self {
        CanaryRollout {
            replicas,
            steps,
            current_step_index: 0,
            max_surge: None,
            max_unavailable: None,
            traffic_routing: false,
            max_weight: DEFAULT_MAX_WEIGHT,
            dynamic_stable_scale: false,
            min_pods_per_replica_set: None,
            abort_scale_down_delay_seconds: None,
            replica_progress_threshold: None,
            promote_full: false,
            abort: false,
            stable_is_current: false,
        }
    }

    /// The strategy's fenceposts as written.
    pub fn strategy(&self) -> RolloutStrategy {
        RolloutStrategy::Canary {
            max_surge: self.max_surge,
            max_unavailable: self.max_unavailable,
        }
    }
}

/// The ReplicaSets of a canary rollout, as upstream passes them.
#[derive(Clone, Copy, Debug, Default)]
pub struct CanaryReplicaSets<'a> {
    /// The ReplicaSet of the current template (`newRS`); `None` before it exists.
    pub canary: Option<ReplicaSetCounts>,
    /// The ReplicaSet recorded as stable; `None` if none is recorded or found.
    pub stable: Option<ReplicaSetCounts>,
    /// Stable and canary are the same ReplicaSet (first deployment, or the
    /// template was set back to the stable one): upstream's
    /// `CheckStableRSExists` is then false.
    pub stable_is_canary: bool,
    /// Every other ReplicaSet of the rollout.
    pub older: &'a [ReplicaSetCounts],
}

/// `resolveFenceposts` (Argo's copy): unset values count as 0; a percent
/// surge rounds up, a percent unavailable down; if both are 0, unavailable is 1.
pub fn resolve_fenceposts(
    max_surge: Option<IntOrPercent>,
    max_unavailable: Option<IntOrPercent>,
    replicas: u32,
) -> Fenceposts {
    let zero = IntOrPercent::Int(0);
    rolling::resolve_fenceposts(
        max_surge.unwrap_or(zero),
        max_unavailable.unwrap_or(zero),
        replicas,
    )
}

/// `MaxSurge`: the canary's resolved maxSurge (unset = 25%); 0 for blue-green.
pub fn max_surge(strategy: &RolloutStrategy, replicas: u32) -> u32 {
    match *strategy {
        RolloutStrategy::Canary {
            max_surge,
            max_unavailable,
        } => canary_fenceposts(max_surge, max_unavailable, replicas).surge,
        RolloutStrategy::BlueGreen { .. } => 0,
    }
}

/// `MaxUnavailable`: the resolved maxUnavailable (unset = 25%), capped at
/// replicas and 0 for 0 replicas. Blue-green takes floor(percent) without
/// the 0/0 rule.
pub fn max_unavailable(strategy: &RolloutStrategy, replicas: u32) -> u32 {
    if replicas == 0 {
        return 0;
    }
    let unavailable = match *strategy {
        RolloutStrategy::Canary {
            max_surge,
            max_unavailable,
        } => canary_fenceposts(max_surge, max_unavailable, replicas).unavailable,
        RolloutStrategy::BlueGreen { max_unavailable } => rolling::scaled(
            max_unavailable.unwrap_or(DEFAULT_MAX_SURGE_OR_UNAVAILABLE),
            replicas,
            false,
        ),
    };
    unavailable.min(replicas)
}

/// Canary fenceposts with upstream's `GetMaxSurgeOrDefault` /
/// `GetMaxUnavailableOrDefault` applied.
fn canary_fenceposts(
    max_surge: Option<IntOrPercent>,
    max_unavailable: Option<IntOrPercent>,
    replicas: u32,
) -> Fenceposts {
    let d = DEFAULT_MAX_SURGE_OR_UNAVAILABLE;
    resolve_fenceposts(
        Some(max_surge.unwrap_or(d)),
        Some(max_unavailable.unwrap_or(d)),
        replicas,
    )
}

/// `approximateWeightedCanaryStableReplicaCounts`: the (canary, stable) pair
/// whose canary share is nearest `weight / max_weight`. Candidates are canary
/// = ceil or floor of replicas·weight/maxWeight over a total of replicas, or
/// replicas + 1 when `max_surge > 0`; ties go to the earlier candidate, an
/// exact .5 takes the ceiling, and for 0 < weight < maxWeight neither side
/// is 0 (unless replicas = 1 without surge).
pub fn approximate_weighted_canary_stable_replica_counts(
    replicas: u32,
    weight: u32,
    max_weight: u32,
    max_surge: u32,
) -> (u32, u32) {
    if replicas == 0 {
        return (0, 0);
    }
    let (r, w, m) = (
        u64::from(replicas),
        u64::from(weight),
        u64::from(max_weight.max(1)),
    );
    let (ceil, floor) = ((r * w).div_ceil(m), r * w / m);
    let zero_allowed = weight == max_weight || weight == 0 || (replicas == 1 && max_surge == 0);
    let floor_allowed = floor != 0 || zero_allowed;
    let surge = max_surge > 0;
    // (allowed, canary, total), in upstream's order of preference on ties.
    let candidates = [
        (ceil < r || zero_allowed, ceil, r),
        (!floor_ceiling_tied(w, r, m) && floor_allowed, floor, r),
        (surge, ceil, r + 1),
        (
            surge && !floor_ceiling_tied(w, r + 1, m) && floor_allowed,
            floor,
            r + 1,
        ),
    ];
    let mut best: Option<(u64, u64)> = None;
    for &(allowed, c, t) in &candidates {
        if allowed && best.is_none_or(|b| closer(w, m, (c, t), b)) {
            best = Some((c, t));
        }
    }
    match best {
        Some((c, t)) => (saturate(c), saturate(t - c)),
        None => (0, replicas),
    }
}

/// `floorCeilingTied`: total·weight/maxWeight has a fractional part of
/// exactly one half.
fn floor_ceiling_tied(weight: u64, total: u64, max_weight: u64) -> bool {
    2 * (total * weight % max_weight) == max_weight
}

/// `weightDelta(a) < weightDelta(b)`: canary share a = (canary, total) is
/// strictly nearer `weight / max_weight` than b. The delta of (c, t) is
/// |c·m − w·t| / (t·m); compared by cross-multiplying.
fn closer(w: u64, m: u64, a: (u64, u64), b: (u64, u64)) -> bool {
    let delta = |(c, t): (u64, u64)| u128::from((c * m).abs_diff(w * t));
    delta(a) * u128::from(b.1) < delta(b) * u128::from(a.1)
}

/// `trafficWeightToReplicas`: ceil(weight · replicas / maxWeight).
pub fn traffic_weight_to_replicas(replicas: u32, weight: u32, max_weight: u32) -> u32 {
    let x = u64::from(weight) * u64::from(replicas);
    saturate(x.div_ceil(u64::from(max_weight.max(1))))
}

fn saturate(x: u64) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// `GetReplicasForScaleDown`: the pods of one ReplicaSet counted toward
/// availability when scaling down: its spec if that is below its available
/// pods or availability is ignored, else its available pods (0 for `None`).
pub fn get_replicas_for_scale_down(rs: Option<ReplicaSetCounts>, ignore_availability: bool) -> u32 {
    match rs {
        None => 0,
        Some(rs) if rs.spec < rs.available || ignore_availability => rs.spec,
        Some(rs) => rs.available,
    }
}

/// `GetCurrentSetWeight`: the last `setWeight` at or before the current
/// step (0 if none); maxWeight once past the last step or with no steps;
/// 0 when aborted.
pub fn get_current_set_weight(ro: &CanaryRollout) -> u32 {
    if ro.abort {
        return 0;
    }
    let Some(upto) = current_steps(ro) else {
        return ro.max_weight;
    };
    upto.iter()
        .rev()
        .find_map(|s| match s {
            CanaryStep::SetWeight(w) => Some(*w),
            _ => None,
        })
        .unwrap_or(0)
}

/// `GetCurrentCanaryStep`, as the steps up to and including the current one;
/// `None` with no steps or past the last.
fn current_steps<'a>(ro: &CanaryRollout<'a>) -> Option<&'a [CanaryStep]> {
    let i = ro.current_step_index as usize;
    (i < ro.steps.len()).then(|| &ro.steps[..=i])
}

/// `GetAbortScaleDownDelaySecondsOrDefault` for a canary: `None` without
/// traffic routing or when set to 0 (leave the canary up); else the value,
/// 30 if unset.
pub fn get_abort_scale_down_delay_seconds_or_default(ro: &CanaryRollout) -> Option<u32> {
    if !ro.traffic_routing {
        return None;
    }
    match ro.abort_scale_down_delay_seconds {
        None => Some(DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS),
        Some(0) => None,
        Some(d) => Some(d),
    }
}

/// `UseSetCanaryScale`: the last `setCanaryScale` at or before the current
/// step. Only with traffic routing; `None` after a `matchTrafficWeight`, and
/// on abort unless the abort scale-down delay is explicitly 0.
pub fn use_set_canary_scale(ro: &CanaryRollout) -> Option<CanaryScale> {
    if !ro.traffic_routing {
        return None;
    }
    if ro.abort && get_abort_scale_down_delay_seconds_or_default(ro).is_some() {
        return None;
    }
    let scale = current_steps(ro)?.iter().rev().find_map(|s| match s {
        CanaryStep::SetCanaryScale(scale) => Some(*scale),
        _ => None,
    })?;
    (scale != CanaryScale::MatchTrafficWeight).then_some(scale)
}

/// `GetCanaryReplicasOrWeight`: either a fixed canary size (from
/// `setCanaryScale.replicas`, weight 0) or a weight: maxWeight under
/// promoteFull or with no update in progress, else `setCanaryScale.weight`,
/// else the current setWeight.
pub fn get_canary_replicas_or_weight(ro: &CanaryRollout) -> (Option<u32>, u32) {
    if ro.promote_full || ro.stable_is_current {
        return (None, ro.max_weight);
    }
    match use_set_canary_scale(ro) {
        Some(CanaryScale::Replicas(n)) => (Some(n), 0),
        Some(CanaryScale::Weight(w)) => (None, w),
        _ => (None, get_current_set_weight(ro)),
    }
}

/// `GetDesiredCanaryWeight` for an aborted rollout with dynamicStableScale:
/// the weight to step down to. Walking the setWeight steps from the last,
/// the first whose canary size is below max(replicas − stable available,
/// canary available) (only the first term with an explicit non-zero abort
/// delay); 0 if none, or if either ReplicaSet is missing (the tables show a
/// rollout without them stepping straight to 0).
pub fn get_desired_canary_weight(ro: &CanaryRollout, rs: &CanaryReplicaSets) -> u32 {
    let (Some(canary), Some(stable)) = (rs.canary, rs.stable) else {
        return 0;
    };
    let uncovered = ro.replicas.saturating_sub(stable.available);
    let explicit_delay = matches!(ro.abort_scale_down_delay_seconds, Some(d) if d > 0);
    let canary_pods = if explicit_delay {
        uncovered
    } else {
        uncovered.max(canary.available)
    };
    ro.steps
        .iter()
        .rev()
        .filter_map(|s| match s {
            CanaryStep::SetWeight(w) => Some(*w),
            _ => None,
        })
        .find(|&w| traffic_weight_to_replicas(ro.replicas, w, ro.max_weight) < canary_pods)
        .unwrap_or(0)
}

/// `calculateDesiredWeightOnAbortOrStableRollback`: the router weight of an
/// aborted canary. Without dynamicStableScale (or without both ReplicaSets)
/// it is 0 at once. With it the weight steps back through the setWeight
/// values as the stable set comes up: it holds while the stable's available
/// share is below what the next lower weight leaves to it, and never rises
/// (`current` is the weight the router has now; `None` if it has none).
pub fn calculate_desired_weight_on_abort(
    ro: &CanaryRollout,
    rs: &CanaryReplicaSets,
    current: Option<u32>,
) -> u32 {
    let (Some(_), Some(stable)) = (rs.canary, rs.stable) else {
        return 0;
    };
    if !ro.dynamic_stable_scale || ro.replicas == 0 {
        return 0;
    }
    let max = u64::from(ro.max_weight);
    let desired = get_desired_canary_weight(ro, rs);
    // The stable's available share of the weight scale, rounded down.
    let stable_share = max * u64::from(stable.available) / u64::from(ro.replicas);
    let expected = saturate(max.saturating_sub(stable_share));
    match current {
        None => expected.max(desired),
        Some(current) if desired == 0 => expected.min(current),
        Some(current) if stable_share < max - u64::from(desired).min(max) => current,
        Some(current) => desired.min(current),
    }
}

/// `CheckMinPodsPerReplicaSet`: with traffic routing, a non-zero count is
/// raised to minPodsPerReplicaSet (itself capped at replicas; a count already
/// above replicas, from setCanaryScale, is left alone).
pub fn check_min_pods_per_replica_set(ro: &CanaryRollout, count: u32) -> u32 {
    match ro.min_pods_per_replica_set {
        Some(min) if count > 0 && ro.traffic_routing => count.max(min.min(ro.replicas)),
        _ => count,
    }
}

/// `CalculateReplicaCountsForTrafficRoutedCanary`: (canary, stable) with a
/// router. Canary = setCanaryScale.replicas, else ceil(replicas·weight /
/// maxWeight) raised to minPodsPerReplicaSet; stable stays at replicas.
/// With dynamicStableScale, stable = the larger of the desired and the
/// current stable weight's size; an aborted rollout steps its weight down
/// ([`get_desired_canary_weight`]) and keeps the canary as large as its
/// current weight. maxSurge / maxUnavailable play no part.
pub fn calculate_replica_counts_for_traffic_routed_canary(
    ro: &CanaryRollout,
    rs: &CanaryReplicaSets,
    weights: Option<TrafficWeights>,
) -> (u32, u32) {
    let (r, max_w) = (ro.replicas, ro.max_weight);
    let (fixed, mut weight) = get_canary_replicas_or_weight(ro);
    if ro.abort && ro.dynamic_stable_scale {
        weight = get_desired_canary_weight(ro, rs);
    }
    let mut canary = fixed.unwrap_or_else(|| {
        check_min_pods_per_replica_set(ro, traffic_weight_to_replicas(r, weight, max_w))
    });
    if !ro.dynamic_stable_scale {
        return (canary, r);
    }
    let mut stable = traffic_weight_to_replicas(r, max_w.saturating_sub(weight), max_w);
    if let Some(w) = weights {
        stable = stable.max(traffic_weight_to_replicas(r, w.stable, max_w));
        if ro.abort {
            canary = canary.max(traffic_weight_to_replicas(r, w.canary, max_w));
        }
    }
    (
        check_min_pods_per_replica_set(ro, canary),
        check_min_pods_per_replica_set(ro, stable),
    )
}

/// `CalculateReplicaCountsForBasicCanary`: (canary, stable) without a
/// router, where the replica ratio is the traffic split. The target pair
/// comes from [`approximate_weighted_canary_stable_replica_counts`]
/// ((replicas, 0) with no separate stable). Within replicas + maxSurge pods in
/// all, the stable grows first, then the canary. If older ReplicaSets still
/// have pods, that is all; else the availability above replicas −
/// maxUnavailable is taken from the stable while the canary grows (from the
/// canary while it shrinks, e.g. on abort), never below its target, and the
/// pair is trimmed back within the surge limit without losing needed
/// availability.
pub fn calculate_replica_counts_for_basic_canary(
    ro: &CanaryRollout,
    rs: &CanaryReplicaSets,
) -> (u32, u32) {
    let plan = BasicCanaryPlan::new(ro, rs);
    let (canary, stable) = plan.scale_up();
    if plan.older_spec > 0 {
        // Older ReplicaSets are scaled down first.
        return (to_u32(canary), to_u32(stable));
    }
    let (canary, stable) = plan.scale_down(canary, stable);
    (to_u32(canary), to_u32(stable))
}

/// The inputs of one `CalculateReplicaCountsForBasicCanary`, in the signed
/// arithmetic upstream's int32 code uses.
struct BasicCanaryPlan {
    canary: Option<ReplicaSetCounts>,
    /// The stable ReplicaSet as passed (its availability counts even when it
    /// is the canary).
    stable: Option<ReplicaSetCounts>,
    /// `CheckStableRSExists`: a stable ReplicaSet separate from the canary.
    stable_exists: bool,
    desired_canary: i64,
    desired_stable: i64,
    older_spec: i64,
    /// replicas + maxSurge.
    max_allowed: i64,
    /// replicas − maxUnavailable.
    min_available: i64,
}

impl BasicCanaryPlan {
    fn new(ro: &CanaryRollout, rs: &CanaryReplicaSets) -> Self {
        let r = i64::from(ro.replicas);
        let (_, weight) = get_canary_replicas_or_weight(ro);
        let surge = max_surge(&ro.strategy(), ro.replicas);
        let (c, s) = approximate_weighted_canary_stable_replica_counts(
            ro.replicas,
            weight,
            ro.max_weight,
            surge,
        );
        let stable_exists = rs.stable.is_some() && !(rs.canary.is_some() && rs.stable_is_canary);
        let (desired_canary, desired_stable) = if stable_exists {
            (i64::from(c), i64::from(s))
        } else {
            (r, 0)
        };
        BasicCanaryPlan {
            canary: rs.canary,
            stable: rs.stable,
            stable_exists,
            desired_canary,
            desired_stable,
            older_spec: rs.older.iter().map(|o| i64::from(o.spec)).sum(),
            max_allowed: r + i64::from(surge),
            min_available: r - i64::from(max_unavailable(&ro.strategy(), ro.replicas)),
        }
    }

    /// The stable's spec if it is a separate ReplicaSet, else 0.
    fn stable_spec(&self) -> i64 {
        match self.stable {
            Some(s) if self.stable_exists => i64::from(s.spec),
            _ => 0,
        }
    }

    /// Stable first, then canary, grow toward their targets within
    /// replicas + maxSurge pods in all.
    fn scale_up(&self) -> (i64, i64) {
        let canary_spec = self.canary.map_or(0, |c| i64::from(c.spec));
        let mut budget = self.max_allowed - self.older_spec - canary_spec - self.stable_spec();
        let mut stable = self.stable_spec();
        if self.stable_exists {
            stable = grow(stable, self.desired_stable, &mut budget);
        }
        let mut canary = canary_spec;
        if self.canary.is_some() {
            canary = grow(canary, self.desired_canary, &mut budget);
        }
        (canary, stable)
    }

    /// Availability above replicas − maxUnavailable is taken from the side
    /// that is shrinking, then the pair is kept within the surge limit.
    fn scale_down(&self, mut canary: i64, mut stable: i64) -> (i64, i64) {
        let increasing = self
            .canary
            .is_none_or(|c| self.desired_canary >= i64::from(c.spec));
        let counted = get_replicas_for_scale_down(self.canary, !increasing)
            + get_replicas_for_scale_down(self.stable, increasing);
        let excess = i64::from(counted) - self.min_available;
        if excess <= 0 {
            return (canary, stable);
        }
        if !increasing {
            canary = calculate_scale_down_replica_count(
                self.canary,
                self.desired_canary,
                excess,
                canary,
            );
            (canary, stable) =
                self.adjust_replica_within_limits(self.canary, self.stable, canary, stable);
        } else if self.stable_exists {
            stable = calculate_scale_down_replica_count(
                self.stable,
                self.desired_stable,
                excess,
                stable,
            );
            (stable, canary) =
                self.adjust_replica_within_limits(self.stable, self.canary, stable, canary);
        }
        (canary, stable)
    }

    /// `adjustReplicaWithinLimits`: trims the `adjust` ReplicaSet so both fit
    /// in replicas + maxSurge, gives back what availability needs, and takes
    /// any excess still left from the draining one.
    fn adjust_replica_within_limits(
        &self,
        drain: Option<ReplicaSetCounts>,
        adjust: Option<ReplicaSetCounts>,
        mut drain_n: i64,
        mut adjust_n: i64,
    ) -> (i64, i64) {
        let over = |a: i64, d: i64| (a + d - self.max_allowed).max(0);
        let mut available = drain.map_or(0, |d| i64::from(d.available).min(drain_n));
        if let Some(a) = adjust {
            let a_available = i64::from(a.available);
            adjust_n -= over(adjust_n, drain_n);
            available += a_available.min(adjust_n);
            let lost = (a_available - adjust_n).max(0);
            let needed = (self.min_available - available).max(0);
            adjust_n += lost.min(needed);
            drain_n -= over(adjust_n, drain_n);
        }
        (drain_n, adjust_n)
    }
}

/// Grows `current` toward `desired` from the shared scale-up `budget`.
fn grow(current: i64, desired: i64, budget: &mut i64) -> i64 {
    if current >= desired || *budget <= 0 {
        return current;
    }
    let grown = desired.min(current + *budget);
    *budget -= grown - current;
    grown
}

/// `calculateScaleDownReplicaCount`: the draining ReplicaSet shrinks by
/// `count`, but not below its target.
fn calculate_scale_down_replica_count(
    drain: Option<ReplicaSetCounts>,
    desired: i64,
    count: i64,
    n: i64,
) -> i64 {
    match drain {
        Some(d) if i64::from(d.spec) > desired => desired.max(i64::from(d.spec) - count),
        _ => n,
    }
}

fn to_u32(x: i64) -> u32 {
    x.clamp(0, i64::from(u32::MAX)) as u32
}

/// `allDesiredAreAvailable`: the ReplicaSet exists and its spec and
/// available pods both equal `desired`.
pub fn all_desired_are_available(rs: Option<ReplicaSetCounts>, desired: u32) -> bool {
    rs.is_some_and(|rs| rs.spec == desired && rs.available == desired)
}

/// `allDesiredAreCreated`: the ReplicaSet exists and its spec and existing
/// pods (`status.replicas`) both equal `desired`.
pub fn all_desired_are_created(rs: Option<ReplicaSetCounts>, desired: u32) -> bool {
    rs.is_some_and(|rs| rs.spec == desired && rs.created == desired)
}

/// `ReplicaProgressThresholdMet`: enough of the canary is available to end
/// the step: at least n pods, or at least p% of `desired` (always met for
/// `desired` = 0). No threshold, or a value below 1, means
/// [`all_desired_are_available`]. `None` ReplicaSet: false.
pub fn replica_progress_threshold_met(
    threshold: Option<ProgressThreshold>,
    rs: Option<ReplicaSetCounts>,
    desired: u32,
) -> bool {
    let Some(c) = rs else { return false };
    let available = i64::from(c.available);
    match threshold {
        Some(ProgressThreshold::Pods(n)) if n >= 1 => available >= i64::from(n),
        Some(ProgressThreshold::Percent(p)) if p >= 1 => {
            available * 100 >= i64::from(p) * i64::from(desired)
        }
        _ => all_desired_are_available(rs, desired),
    }
}

/// `AtDesiredReplicaCountsForCanary`: the current step's scaling is done:
/// the canary meets its target (or the progress threshold); the stable has
/// exactly its target created (not checked under dynamicStableScale with a
/// router); and, without a router, no older pod is available.
pub fn at_desired_replica_counts_for_canary(
    ro: &CanaryRollout,
    rs: &CanaryReplicaSets,
    weights: Option<TrafficWeights>,
) -> bool {
    let (canary, stable) = if ro.traffic_routing {
        calculate_replica_counts_for_traffic_routed_canary(ro, rs, weights)
    } else {
        calculate_replica_counts_for_basic_canary(ro, rs)
    };
    if !replica_progress_threshold_met(ro.replica_progress_threshold, rs.canary, canary) {
        return false;
    }
    let check_stable = !ro.traffic_routing || !ro.dynamic_stable_scale;
    if check_stable && !all_desired_are_created(rs.stable, stable) {
        return false;
    }
    ro.traffic_routing || rs.older.iter().all(|o| o.available == 0)
}

/// A blue-green `Rollout` as `NewRSNewReplicas` reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlueGreenRollout {
    /// `spec.replicas`.
    pub replicas: u32,
    /// `previewReplicaCount`; `None` = the preview gets all replicas.
    pub preview_replica_count: Option<u32>,
    /// `status.promoteFull`.
    pub promote_full: bool,
    /// `spec.paused`, or any `status.pauseConditions`.
    pub paused: bool,
    /// `status.blueGreen.scaleUpPreviewCheckPoint`: the preview has already
    /// been scaled up and paused on.
    pub scale_up_preview_check_point: bool,
}

/// Which ReplicaSet the active Service selects (`status.blueGreen.activeSelector`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActiveService {
    /// No selector, or it matches no ReplicaSet.
    Unset,
    /// The new ReplicaSet: the rollout is past promotion.
    NewRs,
    /// Another (the blue) ReplicaSet.
    OtherRs,
}

/// `NewRSNewReplicas` for blue-green: the new ReplicaSet's size. It is
/// previewReplicaCount while another ReplicaSet is active and promoteFull is
/// off, if this is a fresh update (`new_is_current` false: its hash is not
/// yet status.currentPodHash) or the rollout is paused or before its
/// scale-up checkpoint; otherwise (also without a preview count) replicas.
pub fn new_rs_new_replicas(
    ro: &BlueGreenRollout,
    active: ActiveService,
    new_is_current: bool,
) -> u32 {
    let Some(preview) = ro.preview_replica_count else {
        return ro.replicas;
    };
    if active != ActiveService::OtherRs || ro.promote_full {
        return ro.replicas;
    }
    if !new_is_current {
        return preview;
    }
    if !ro.paused && ro.scale_up_preview_check_point {
        return ro.replicas;
    }
    preview
}

/// `ReadyForPause` (blue-green): the new ReplicaSet's spec and available
/// pods both equal its [`new_rs_new_replicas`] size.
pub fn ready_for_pause(
    ro: &BlueGreenRollout,
    active: ActiveService,
    new_is_current: bool,
    new_rs: ReplicaSetCounts,
) -> bool {
    let n = new_rs_new_replicas(ro, active, new_is_current);
    new_rs.spec == n && new_rs.available == n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_examples() {
        // DESIGN §1: 10 replicas at 41% without a router -> 4 canary, 6 stable.
        assert_eq!(
            approximate_weighted_canary_stable_replica_counts(10, 41, 100, 0),
            (4, 6)
        );
        // First basic-canary step: canary = min(C, S), stable = max(St, R - U).
        let steps = [CanaryStep::SetWeight(50)];
        let mut ro = CanaryRollout::new(10, &steps);
        ro.max_surge = Some(IntOrPercent::Int(2));
        ro.max_unavailable = Some(IntOrPercent::Int(1));
        let stable = ReplicaSetCounts {
            spec: 10,
            available: 10,
            created: 10,
        };
        let rs = CanaryReplicaSets {
            canary: Some(ReplicaSetCounts::default()),
            stable: Some(stable),
            ..Default::default()
        };
        assert_eq!(calculate_replica_counts_for_basic_canary(&ro, &rs), (2, 9));
    }
}
