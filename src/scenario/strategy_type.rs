//! The strategy types a scenario's `type:` names, and the keys of a strategy
//! entry that only some types take.
//!
//! [`StrategyType`] is the one list of types. `type:` is parsed into it once
//! (an unknown name is refused with the list of [`StrategyType::ALL`]), and
//! every decision by type is an exhaustive `match` on it or on
//! [`StrategyKind`](super::StrategyKind): a new type does not compile until
//! each of them handles it.
//!
//! Which keys a type takes is declared beside its controller, as `KEYS` in
//! `src/strategy/<type>.rs`; [`StrategyType::keys`] is where the two meet.
//! That is all this layer reads from `strategy/`: plain declarations of its
//! own input, none of the code that runs a rollout.

use crate::strategy::{blue_green, canary, recreate, rolling};

/// A strategy's type, as `type:` names it. [`StrategyKind`](super::StrategyKind)
/// is the same with the type's validated settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrategyType {
    Recreate,
    RollingUpdate,
    BlueGreen,
    Canary,
}

impl StrategyType {
    /// Every type, in the order messages list them.
    pub const ALL: [StrategyType; 4] = [
        StrategyType::Recreate,
        StrategyType::RollingUpdate,
        StrategyType::BlueGreen,
        StrategyType::Canary,
    ];

    /// The `type:` string, as a scenario and `summary.json` spell it.
    pub fn name(self) -> &'static str {
        match self {
            StrategyType::Recreate => "Recreate",
            StrategyType::RollingUpdate => "RollingUpdate",
            StrategyType::BlueGreen => "BlueGreen",
            StrategyType::Canary => "Canary",
        }
    }

    /// The type `name` spells; an unknown name is refused with the list of
    /// valid ones.
    pub fn parse(name: &str) -> Result<StrategyType, String> {
        StrategyType::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| {
                let names = StrategyType::ALL.map(StrategyType::name);
                format!("expected one of {}, found {name:?}", names.join(", "))
            })
    }

    /// The keys this type takes beyond those of every entry, as its
    /// controller's file declares them.
    pub fn keys(self) -> &'static StrategyKeys {
        match self {
            StrategyType::Recreate => &recreate::KEYS,
            StrategyType::RollingUpdate => &rolling::KEYS,
            StrategyType::BlueGreen => &blue_green::KEYS,
            StrategyType::Canary => &canary::KEYS,
        }
    }

    /// Whether this type takes `key`.
    pub fn takes(self, key: StrategyKey) -> bool {
        self.keys().takes.contains(&key)
    }

    /// The types that take `key`, in [`StrategyType::ALL`] order.
    pub fn taking(key: StrategyKey) -> impl Iterator<Item = StrategyType> {
        StrategyType::ALL.into_iter().filter(move |t| t.takes(key))
    }
}

impl std::fmt::Display for StrategyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A key of a strategy entry that only some types take. Every entry also has
/// `name`, `type` (or `fromManifest`), `minReadySeconds`,
/// `progressDeadlineSeconds` and `revisionHistoryLimit`, whatever its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrategyKey {
    MaxSurge,
    MaxUnavailable,
    PreviewReplicaCount,
    AutoPromotionEnabled,
    AutoPromotionSeconds,
    PrePromotionAnalysis,
    PostPromotionAnalysis,
    SwitchDelay,
    ScaleDownDelaySeconds,
    AbortScaleDownDelaySeconds,
    TrafficRouting,
    Steps,
    Analysis,
    AutoRollback,
    DynamicStableScale,
}

impl StrategyKey {
    /// Every key, in the order an entry's keys are checked: of two misplaced
    /// keys, the one earlier here is reported.
    pub const ALL: [StrategyKey; 15] = [
        StrategyKey::MaxSurge,
        StrategyKey::MaxUnavailable,
        StrategyKey::PreviewReplicaCount,
        StrategyKey::AutoPromotionEnabled,
        StrategyKey::AutoPromotionSeconds,
        StrategyKey::PrePromotionAnalysis,
        StrategyKey::PostPromotionAnalysis,
        StrategyKey::SwitchDelay,
        StrategyKey::ScaleDownDelaySeconds,
        StrategyKey::AbortScaleDownDelaySeconds,
        StrategyKey::TrafficRouting,
        StrategyKey::Steps,
        StrategyKey::Analysis,
        StrategyKey::AutoRollback,
        StrategyKey::DynamicStableScale,
    ];

    /// The key as a scenario spells it.
    pub fn name(self) -> &'static str {
        match self {
            StrategyKey::MaxSurge => "maxSurge",
            StrategyKey::MaxUnavailable => "maxUnavailable",
            StrategyKey::PreviewReplicaCount => "previewReplicaCount",
            StrategyKey::AutoPromotionEnabled => "autoPromotionEnabled",
            StrategyKey::AutoPromotionSeconds => "autoPromotionSeconds",
            StrategyKey::PrePromotionAnalysis => "prePromotionAnalysis",
            StrategyKey::PostPromotionAnalysis => "postPromotionAnalysis",
            StrategyKey::SwitchDelay => "switchDelay",
            StrategyKey::ScaleDownDelaySeconds => "scaleDownDelaySeconds",
            StrategyKey::AbortScaleDownDelaySeconds => "abortScaleDownDelaySeconds",
            StrategyKey::TrafficRouting => "trafficRouting",
            StrategyKey::Steps => "steps",
            StrategyKey::Analysis => "analysis",
            StrategyKey::AutoRollback => "autoRollback",
            StrategyKey::DynamicStableScale => "dynamicStableScale",
        }
    }

    /// Whether the key may stand beside `fromManifest`, because it says what
    /// no manifest can (what pre-promotion tests catch, how long a switch
    /// takes to reach every endpoint, whether a failed analysis aborts or
    /// pages): some type declares it so.
    pub fn beside_manifest(self) -> bool {
        StrategyType::ALL
            .into_iter()
            .any(|t| t.keys().beside_manifest.contains(&self))
    }
}

/// The keys one strategy type takes beyond those of every entry, declared
/// beside its controller as a `const`.
#[derive(Debug)]
pub struct StrategyKeys {
    takes: &'static [StrategyKey],
    beside_manifest: &'static [StrategyKey],
    refusals: &'static [(StrategyKey, &'static str)],
}

impl StrategyKeys {
    /// A type that takes `keys`; every other type refuses them.
    pub const fn new(keys: &'static [StrategyKey]) -> StrategyKeys {
        StrategyKeys {
            takes: keys,
            beside_manifest: &[],
            refusals: &[],
        }
    }

    /// Of the keys it takes, those that may also stand beside
    /// `fromManifest`, because no manifest can say them.
    pub const fn beside_manifest(self, keys: &'static [StrategyKey]) -> StrategyKeys {
        StrategyKeys {
            beside_manifest: keys,
            ..self
        }
    }

    /// Why the type refuses some keys of other types, where "applies only
    /// to" does not say enough.
    pub const fn refusing(self, why: &'static [(StrategyKey, &'static str)]) -> StrategyKeys {
        StrategyKeys {
            refusals: why,
            ..self
        }
    }

    /// Why the type refuses `key`, when it says more than "applies only to".
    pub fn refusal(&self, key: StrategyKey) -> Option<&'static str> {
        self.refusals
            .iter()
            .find_map(|&(k, why)| (k == key).then_some(why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_sit_at_their_index() {
        for (i, t) in StrategyType::ALL.into_iter().enumerate() {
            assert_eq!(t as usize, i, "{t:?}");
        }
        for (i, k) in StrategyKey::ALL.into_iter().enumerate() {
            assert_eq!(k as usize, i, "{k:?}");
        }
    }

    #[test]
    fn every_type_parses_from_its_name_and_nothing_else_does() {
        for t in StrategyType::ALL {
            assert_eq!(StrategyType::parse(t.name()), Ok(t));
        }
        assert_eq!(
            StrategyType::parse("canary"),
            Err(
                r#"expected one of Recreate, RollingUpdate, BlueGreen, Canary, found "canary""#
                    .to_owned()
            )
        );
    }

    #[test]
    fn every_key_is_taken_by_some_type_and_named_once() {
        for (i, k) in StrategyKey::ALL.iter().enumerate() {
            assert!(StrategyType::taking(*k).next().is_some(), "{k:?}");
            assert!(k.name().starts_with(|c: char| c.is_ascii_lowercase()));
            assert!(
                StrategyKey::ALL[i + 1..]
                    .iter()
                    .all(|o| o.name() != k.name())
            );
        }
    }

    /// A type lets a key stand beside a manifest only if it takes it, and
    /// explains refusing only keys it refuses.
    #[test]
    fn each_type_declares_its_keys_consistently() {
        for t in StrategyType::ALL {
            let keys = t.keys();
            for k in keys.beside_manifest {
                assert!(t.takes(*k), "{t}: {k:?} beside a manifest, but not taken");
            }
            for (k, _) in keys.refusals {
                assert!(!t.takes(*k), "{t}: {k:?} both taken and refused");
            }
        }
    }

    /// Each key's name is the one serde reads into the field
    /// [`RawStrategy::location`](crate::scenario::raw::RawStrategy::location)
    /// finds it by.
    #[test]
    fn every_key_name_is_read_into_its_own_field() {
        use crate::scenario::raw::RawStrategy;
        for k in StrategyKey::ALL {
            let text = format!("{}: {}", k.name(), sample(k));
            let raw: RawStrategy = crate::scenario::yaml::read(&text, "t.yaml")
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            for other in StrategyKey::ALL {
                let found = raw.location(other).is_some();
                assert_eq!(found, other == k, "{text}: {other:?}");
            }
        }
    }

    /// A value the key reads.
    fn sample(k: StrategyKey) -> &'static str {
        match k {
            StrategyKey::MaxSurge | StrategyKey::MaxUnavailable => "25%",
            StrategyKey::PreviewReplicaCount
            | StrategyKey::AutoPromotionSeconds
            | StrategyKey::ScaleDownDelaySeconds
            | StrategyKey::AbortScaleDownDelaySeconds => "3",
            StrategyKey::AutoPromotionEnabled
            | StrategyKey::PostPromotionAnalysis
            | StrategyKey::TrafficRouting
            | StrategyKey::AutoRollback
            | StrategyKey::DynamicStableScale => "true",
            StrategyKey::PrePromotionAnalysis => "{ smokeTestCatchRate: 50% }",
            StrategyKey::SwitchDelay => "2s",
            StrategyKey::Steps => "[{ setWeight: 5 }]",
            StrategyKey::Analysis => "{ stepWeight: 10 }",
        }
    }
}
