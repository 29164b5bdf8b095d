//! The cluster part of a trial: nodes, pods and scheduling (`nodes`), each
//! pod's life from creation to gone (`lifecycle`: image pull, boot,
//! readiness probe → Ready, minReadySeconds → available, a delayed crash's
//! hang, the liveness probe's restart with the kubelet's back-off,
//! CrashLoopBackOff, graceful shutdown), and the cluster autoscaler
//! (`autoscaler`: nodes asked for, provisioning, added, paid for).
//!
//! [`Workload`] is the part a trial holds. Its handlers schedule this
//! module's own [`Event`]s into the trial's queue, and draw from the
//! streams the trial lends them ([`Draws`]); it reads nothing else of the
//! trial but the ReplicaSet sizes it is asked to realise.

mod autoscaler;
mod lifecycle;
mod nodes;

pub use autoscaler::Autoscaler;
pub use lifecycle::{Draws, Event, PodFaults, Workload};
pub use nodes::{Cluster, Counts, Phase, Pod, PodId};

/// Which template a pod runs: the one before the rollout or the release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    Old = 0,
    New = 1,
}

impl Version {
    /// Index into per-version arrays.
    pub fn idx(self) -> usize {
        self as usize
    }

    /// The other version.
    pub fn other(self) -> Version {
        match self {
            Version::Old => Version::New,
            Version::New => Version::Old,
        }
    }

    /// Lower-case name for traces.
    pub fn name(self) -> &'static str {
        match self {
            Version::Old => "old",
            Version::New => "new",
        }
    }
}
