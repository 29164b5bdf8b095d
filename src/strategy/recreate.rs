//! Kubernetes' Recreate: every old pod gone before any new pod is created.

use super::Specs;
use crate::cluster::{Counts, Version};

/// The Recreate controller (`rolloutRecreate`).
#[derive(Clone, Debug, Default)]
pub struct Recreate;

impl Recreate {
    /// Scales the other version to 0; once none of its pods runs (terminating
    /// ones included), scales `target` to `replicas`. True if it changed.
    pub fn sync(
        &self,
        replicas: u32,
        target: Version,
        spec: &mut Specs,
        counts: &[Counts; 2],
    ) -> bool {
        let (t, o) = (target.idx(), target.other().idx());
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
        let r = Recreate;
        let mut spec = [4, 0];
        let mut counts = [
            Counts {
                active: 4,
                ..Counts::default()
            },
            Counts::default(),
        ];
        assert!(r.sync(4, Version::New, &mut spec, &counts));
        assert_eq!(spec, [0, 0]);
        counts[0] = Counts {
            terminating: 4,
            ..Counts::default()
        };
        assert!(
            !r.sync(4, Version::New, &mut spec, &counts),
            "old pods still terminating"
        );
        counts[0] = Counts::default();
        assert!(r.sync(4, Version::New, &mut spec, &counts));
        assert_eq!(spec, [0, 4]);
    }
}
