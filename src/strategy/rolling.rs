//! Kubernetes' RollingUpdate, with the Deployment controller's arithmetic
//! (pkg/controller/deployment: rolling.go and util/deployment_util.go).
//!
//! One sync either scales the new ReplicaSet up or the old one down, never
//! both; syncs repeat (in the same instant) until nothing changes, as the
//! controller's watch on its ReplicaSets makes it do.

use super::Specs;
use crate::cluster::{Counts, Version};
use crate::scenario::IntOrPercent;
use crate::scenario::{StrategyKey, StrategyKeys};

/// The scenario keys a RollingUpdate entry takes beyond those of every
/// entry: how far it may surge above and fall below `replicas`.
pub const KEYS: StrategyKeys =
    StrategyKeys::new(&[StrategyKey::MaxSurge, StrategyKey::MaxUnavailable]);

/// Resolved `maxSurge` / `maxUnavailable` for a number of replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fenceposts {
    pub surge: u32,
    pub unavailable: u32,
}

/// `ResolveFenceposts`: a percentage of surge rounds up, of unavailable rounds
/// down; if both come out 0, unavailable becomes 1 so the rollout can move.
pub fn resolve_fenceposts(
    max_surge: IntOrPercent,
    max_unavailable: IntOrPercent,
    replicas: u32,
) -> Fenceposts {
    let surge = scaled(max_surge, replicas, true);
    let unavailable = scaled(max_unavailable, replicas, false);
    if surge == 0 && unavailable == 0 {
        return Fenceposts {
            surge: 0,
            unavailable: 1,
        };
    }
    Fenceposts { surge, unavailable }
}

/// `intstr.GetScaledValueFromIntOrPercent`.
pub fn scaled(v: IntOrPercent, total: u32, round_up: bool) -> u32 {
    match v {
        IntOrPercent::Int(n) => n,
        IntOrPercent::Percent(p) => {
            let x = u64::from(p) * u64::from(total);
            let q = if round_up { x.div_ceil(100) } else { x / 100 };
            q as u32
        }
    }
}

/// `MaxUnavailable` as the controller uses it: capped at replicas.
pub fn max_unavailable(f: Fenceposts, replicas: u32) -> u32 {
    f.unavailable.min(replicas)
}

/// `MinAvailable`: replicas − maxUnavailable.
pub fn min_available(f: Fenceposts, replicas: u32) -> u32 {
    replicas - max_unavailable(f, replicas)
}

/// `NewRSNewReplicas` for RollingUpdate: the new ReplicaSet grows while the
/// sum of all ReplicaSets' desired replicas stays within replicas + surge.
pub fn new_rs_new_replicas(replicas: u32, surge: u32, new_spec: u32, all_spec: u32) -> u32 {
    let max_total = replicas + surge;
    if all_spec >= max_total {
        return new_spec;
    }
    let scale_up = max_total - all_spec;
    new_spec + scale_up.min(replicas.saturating_sub(new_spec))
}

/// `reconcileNewReplicaSet`: the new ReplicaSet's next size.
pub fn reconcile_new(replicas: u32, surge: u32, new_spec: u32, old_spec: u32) -> u32 {
    match new_spec.cmp(&replicas) {
        std::cmp::Ordering::Equal => new_spec,
        std::cmp::Ordering::Greater => replicas,
        std::cmp::Ordering::Less => {
            new_rs_new_replicas(replicas, surge, new_spec, new_spec + old_spec)
        }
    }
}

/// `cleanupUnhealthyReplicas` with one old ReplicaSet: how many of its
/// unavailable pods go, at most `max_cleanup`.
pub fn cleanup_unhealthy(old_spec: u32, old_available: u32, max_cleanup: u32) -> u32 {
    old_spec.saturating_sub(old_available).min(max_cleanup)
}

/// `scaleDownOldReplicaSetsForRollingUpdate` with one old ReplicaSet: its new
/// size when `available` pods are available in all ReplicaSets.
pub fn scale_down_old(min_available: u32, available: u32, old_spec: u32) -> u32 {
    if available <= min_available {
        return old_spec;
    }
    old_spec - (available - min_available).min(old_spec)
}

/// `reconcileOldReplicaSets` with one old ReplicaSet: returns its new size.
/// First unhealthy old pods go (up to the budget), then available ones while
/// total availability stays at least replicas − maxUnavailable.
pub fn reconcile_old(
    replicas: u32,
    unavailable: u32,
    new_spec: u32,
    new_avail: u32,
    old_spec: u32,
    old_avail: u32,
) -> u32 {
    if old_spec == 0 {
        return 0;
    }
    let min_available = replicas.saturating_sub(unavailable);
    let all = new_spec + old_spec;
    let new_unavailable = new_spec.saturating_sub(new_avail);
    let max_scaled_down = i64::from(all) - i64::from(min_available) - i64::from(new_unavailable);
    if max_scaled_down <= 0 {
        return old_spec;
    }
    let old_spec = old_spec - cleanup_unhealthy(old_spec, old_avail, max_scaled_down as u32);
    scale_down_old(min_available, new_avail + old_avail.min(old_spec), old_spec)
}

/// The RollingUpdate controller.
#[derive(Clone, Debug)]
pub struct Rolling {
    pub fence: Fenceposts,
    /// The template being rolled out: the release, or the old one after undo.
    pub target: Version,
}

impl Rolling {
    /// A controller rolling out the release.
    pub fn new(fence: Fenceposts) -> Self {
        Rolling {
            fence,
            target: Version::New,
        }
    }

    /// One sync of `rolloutRolling` toward the target: scale the new
    /// ReplicaSet up, else the old one down. True if it changed one.
    pub fn sync(&self, replicas: u32, spec: &mut Specs, counts: &[Counts; 2]) -> bool {
        let (t, o) = (self.target.idx(), self.target.other().idx());
        let new_size = reconcile_new(replicas, self.fence.surge, spec[t], spec[o]);
        if new_size != spec[t] {
            spec[t] = new_size;
            return true;
        }
        let unavailable = max_unavailable(self.fence, replicas);
        let old = reconcile_old(
            replicas,
            unavailable,
            spec[t],
            counts[t].available,
            spec[o],
            counts[o].available,
        );
        let changed = old != spec[o];
        spec[o] = old;
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sync_surges_then_scales_down_by_unavailable() {
        // 10 replicas, 25%/25%: surge 3, unavailable 2.
        let f = resolve_fenceposts(IntOrPercent::Percent(25), IntOrPercent::Percent(25), 10);
        assert_eq!(
            f,
            Fenceposts {
                surge: 3,
                unavailable: 2
            }
        );
        assert_eq!(new_rs_new_replicas(10, 3, 0, 10), 3);
        assert_eq!(reconcile_old(10, 2, 3, 0, 10, 10), 8);
        // Each newly available pod frees one more old pod.
        assert_eq!(reconcile_old(10, 2, 3, 1, 8, 8), 7);
    }
}
