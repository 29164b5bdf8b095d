//! Rollout strategies: controllers that decide how many pods of each version
//! should exist. The trial driver realises their decisions (creates and
//! deletes pods) and calls them again whenever pods change.
//!
//! Adding a strategy is one file here plus one arm in [`Controller`].

pub mod recreate;
pub mod rolling;

use crate::cluster::{Counts, Version};
use crate::scenario::{Strategy, StrategyKind};

/// Desired pods per version (the ReplicaSets' `spec.replicas`), indexed by
/// [`Version::idx`].
pub type Specs = [u32; 2];

/// A strategy's controller.
#[derive(Clone, Debug)]
pub enum Controller {
    Recreate(recreate::Recreate),
    Rolling(rolling::Rolling),
}

impl Controller {
    /// The controller for `strategy` on a Deployment of `replicas`.
    pub fn new(strategy: &Strategy, replicas: u32) -> Self {
        match &strategy.kind {
            StrategyKind::Recreate => Controller::Recreate(recreate::Recreate),
            StrategyKind::RollingUpdate {
                max_surge,
                max_unavailable,
            } => Controller::Rolling(rolling::Rolling {
                fence: rolling::resolve_fenceposts(*max_surge, *max_unavailable, replicas),
            }),
        }
    }

    /// One controller sync toward `target`; returns whether it changed a
    /// ReplicaSet. The driver realises the change and syncs again until idle,
    /// as the controller's watch on its ReplicaSets makes it do.
    pub fn sync(
        &self,
        replicas: u32,
        target: Version,
        spec: &mut Specs,
        counts: &[Counts; 2],
    ) -> bool {
        match self {
            Controller::Recreate(r) => r.sync(replicas, target, spec, counts),
            Controller::Rolling(r) => r.sync(replicas, target, spec, counts),
        }
    }
}

/// `DeploymentComplete`: every desired pod of `target` is available and no
/// pod of the other version is still owned by a ReplicaSet.
pub fn complete(replicas: u32, target: Version, spec: &Specs, counts: &[Counts; 2]) -> bool {
    let (t, o) = (target.idx(), target.other().idx());
    spec[t] == replicas
        && counts[t].available == replicas
        && counts[t].active == replicas
        && counts[o].active == 0
}
