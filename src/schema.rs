//! The database both versions share, and what a schema change does to them.
//!
//! During any mixed-version period old and new code read and write one
//! database. After a breaking change is applied, old code fails every
//! request it gets; new code that needs the new schema fails until it is
//! applied. An expand/contract change is additive until its contract step,
//! which runs only once the rollout is complete and the old pods are gone.
//! While a migration runs, its locks may fail or slow every request.

use crate::cluster::Version;
use crate::scenario::{SchemaChange, SchemaKind};

/// The database's state in one trial.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Db {
    kind: Option<SchemaKind>,
    /// The change (or expand step) is applied.
    pub applied: bool,
    /// expandContract: the contract step is applied.
    pub contracted: bool,
    /// A migration (or its reversal) is running and holds locks.
    pub migrating: bool,
}

impl Db {
    /// The database before the rollout: old schema, nothing running.
    pub fn new(change: Option<&SchemaChange>) -> Self {
        Db {
            kind: change.map(|c| c.kind),
            ..Db::default()
        }
    }

    /// True when code of version `v` fails every request on this schema.
    pub fn fails(&self, v: Version) -> bool {
        let Some(kind) = self.kind else { return false };
        match (v, kind) {
            (Version::Old, SchemaKind::Breaking) => self.applied,
            (Version::Old, SchemaKind::ExpandContract) => self.contracted,
            (Version::Old, SchemaKind::Additive) => false,
            (Version::New, SchemaKind::Additive | SchemaKind::Breaking) => !self.applied,
            (Version::New, SchemaKind::ExpandContract) => !self.applied,
        }
    }

    /// Going back to old code needs the database back first: the change
    /// broke the old code and must be reverted (or restored).
    pub fn blocks_old(&self) -> bool {
        self.fails(Version::Old)
    }

    /// The schema is back to what old code needs.
    pub fn revert(&mut self) {
        self.applied = false;
        self.contracted = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(kind: SchemaKind) -> Db {
        Db {
            kind: Some(kind),
            ..Db::default()
        }
    }

    #[test]
    fn breaking_changes_fail_old_code_once_applied_and_new_code_until() {
        let mut d = db(SchemaKind::Breaking);
        assert!(!d.fails(Version::Old) && d.fails(Version::New));
        d.applied = true;
        assert!(d.fails(Version::Old) && !d.fails(Version::New));
        assert!(d.blocks_old());
    }

    #[test]
    fn additive_and_expanded_schemas_serve_both_versions() {
        let mut d = db(SchemaKind::Additive);
        d.applied = true;
        assert!(!d.fails(Version::Old) && !d.fails(Version::New));
        let mut e = db(SchemaKind::ExpandContract);
        e.applied = true;
        assert!(!e.fails(Version::Old) && !e.fails(Version::New));
        e.contracted = true;
        assert!(
            e.fails(Version::Old),
            "after the contract, old code is gone for good"
        );
    }

    #[test]
    fn no_change_fails_nothing() {
        let d = Db::new(None);
        assert!(!d.fails(Version::Old) && !d.fails(Version::New));
    }
}
