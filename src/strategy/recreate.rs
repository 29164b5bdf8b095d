//! Kubernetes' Recreate: every old pod gone before any new pod is created.

use super::Specs;
use crate::cluster::{Counts, Version};
use crate::scenario::StrategyKeys;

/// The scenario keys a Recreate entry takes beyond those of every entry:
/// none (there is no surge, no second stack, no step to set).
pub const KEYS: StrategyKeys = StrategyKeys::new(&[]);

/// The Recreate controller (`rolloutRecreate`).
#[derive(Clone, Debug)]
pub struct Recreate {
    /// The template being rolled out: the release, or the old one after undo.
    pub target: Version,
}

impl Default for Recreate {
    fn default() -> Self {
        Recreate {
            target: Version::New,
        }
    }
}

impl Recreate {
    /// Scales the other version to 0; once none of its pods runs (terminating
    /// ones included), scales the target to `replicas`. True if it changed.
    pub fn sync(&self, replicas: u32, spec: &mut Specs, counts: &[Counts; 2]) -> bool {
        let (t, o) = (self.target.idx(), self.target.other().idx());
        if spec[o] > 0 {
            spec[o] = 0;
            return true;
        }
        if counts[o].existing() > 0 || spec[t] == replicas {
            return false;
        }
        spec[t] = replicas;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_old_pods_to_be_gone() {
        let r = Recreate::default();
        let mut spec = [4, 0];
        let mut counts = [
            Counts {
                active: 4,
                ..Counts::default()
            },
            Counts::default(),
        ];
        assert!(r.sync(4, &mut spec, &counts));
        assert_eq!(spec, [0, 0]);
        counts[0] = Counts {
            terminating: 4,
            ..Counts::default()
        };
        assert!(!r.sync(4, &mut spec, &counts), "old pods still terminating");
        counts[0] = Counts::default();
        assert!(r.sync(4, &mut spec, &counts));
        assert_eq!(spec, [0, 4]);
    }
}
