//! What a trial measures (DESIGN §3): the vocabulary of metrics and
//! outcomes, and the measurements of one trial.
//!
//! [`Metric`] and [`Outcome`] are closed sets: every layer names a metric or
//! an outcome by its variant, and `name()` is the one place each is spelled
//! as JSON and CSV keys spell it. A table with one value per metric or per
//! outcome is a [`PerMetric`] / [`PerOutcome`]: an array indexed by the
//! enum, so a typo is a compile error and reading a value costs an index.

use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// How a trial ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The release went out and stayed (a good release, rolled out).
    Succeeded,
    /// A bad release was caught and undone (it may have reached all
    /// traffic after it was caught; before, it is an incident).
    RolledBack,
    /// A good release was rolled back by a noisy signal.
    FalseRollback,
    /// The rollout stopped progressing: the progress deadline paged the
    /// team, or the controller rolled back by itself (Flagger).
    Stalled,
    /// The bad version served all traffic before anyone noticed.
    Incident,
    /// An irreversible schema change had to be restored from backup.
    DataLoss,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 6] = [
        Outcome::Succeeded,
        Outcome::RolledBack,
        Outcome::FalseRollback,
        Outcome::Stalled,
        Outcome::Incident,
        Outcome::DataLoss,
    ];

    /// How many outcomes there are.
    pub const COUNT: usize = Outcome::ALL.len();

    /// The snake_case name used in JSON and CSV.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::RolledBack => "rolled_back",
            Outcome::FalseRollback => "false_rollback",
            Outcome::Stalled => "stalled",
            Outcome::Incident => "incident",
            Outcome::DataLoss => "data_loss",
        }
    }

    /// Whether a trial can end so, its release bad (`bad`) or good: a good
    /// release is neither rolled back as bad nor an incident, a bad one
    /// neither succeeds nor is rolled back falsely; either may stall or
    /// lose data.
    pub fn possible_for(self, bad: bool) -> bool {
        match self {
            Outcome::Succeeded | Outcome::FalseRollback => !bad,
            Outcome::RolledBack | Outcome::Incident => bad,
            Outcome::Stalled | Outcome::DataLoss => true,
        }
    }
}

/// The measurements of one trial. Times that did not happen are `None`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrialResult {
    /// Requests that failed because of the deployment.
    pub failed_requests: f64,
    /// Expected distinct users who saw at least one such failure.
    pub affected_users: f64,
    /// `failed_requests` as a share of the SLO window's error budget.
    pub error_budget_burn: f64,
    /// Highest share of traffic the bad version served.
    pub peak_bad_traffic_share: f64,
    /// Defect first visible (or first crash) → detection, seconds.
    pub time_to_detect_s: Option<f64>,
    /// Undo started → no traffic on the bad version and full healthy capacity.
    pub rollback_time_s: Option<f64>,
    /// Defect onset → recovery.
    pub time_to_recover_s: Option<f64>,
    /// Start → rollout complete (or rolled back).
    pub deploy_duration_s: Option<f64>,
    /// Most pods existing at once.
    pub peak_pods: f64,
    /// Pod-hours above the steady replica count.
    pub extra_pod_hours: f64,
    /// `extra_pod_hours` priced by the cluster's pricing.
    pub cost: f64,
    /// Seconds with ready capacity below demand.
    pub capacity_shortfall_s: f64,
    /// Nodes the cluster autoscaler added for the rollout.
    pub nodes_added: f64,
    /// CPU (cores) requested at the peak above the steady replicas: the
    /// headroom the strategy needs.
    pub extra_cpu_requested: f64,
    /// Memory (GiB) requested at the peak above the steady replicas.
    pub extra_memory_requested_gib: f64,
    /// Pods that found no room when created and waited Pending (0: it fit).
    pub pods_waited_for_room: f64,
    /// Most pods the ReplicaSets owned at once: Pending or running, not
    /// terminating (the pods a strategy asks for; cost is graded on them).
    pub peak_replicas: f64,
    /// How the trial ended.
    pub outcome: Outcome,
    /// Whether the release was bad.
    pub bad: bool,
    /// Every request that arrived during the trial (the denominator of
    /// `failed_requests`).
    pub requests: f64,
}

/// A numeric measurement of a trial (DESIGN §3), in report order. Each is
/// the [`TrialResult`] field of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// `failed_requests`.
    FailedRequests,
    /// `affected_users`.
    AffectedUsers,
    /// `error_budget_burn`.
    ErrorBudgetBurn,
    /// `peak_bad_traffic_share`.
    PeakBadTrafficShare,
    /// `time_to_detect_s` (only when a bad release was detected).
    TimeToDetect,
    /// `rollback_time_s` (only when something was undone).
    RollbackTime,
    /// `time_to_recover_s` (only when a bad release was recovered from).
    TimeToRecover,
    /// `deploy_duration_s` (only when the rollout completed or was undone).
    DeployDuration,
    /// `peak_pods`.
    PeakPods,
    /// `extra_pod_hours`.
    ExtraPodHours,
    /// `cost`.
    Cost,
    /// `capacity_shortfall_s`.
    CapacityShortfall,
    /// `nodes_added`.
    NodesAdded,
    /// `extra_cpu_requested`.
    ExtraCpuRequested,
    /// `extra_memory_requested_gib`.
    ExtraMemoryRequestedGib,
    /// `pods_waited_for_room`.
    PodsWaitedForRoom,
    /// `peak_replicas`.
    PeakReplicas,
}

impl Metric {
    /// Every metric, in report order (the order of `summary.json`'s keys,
    /// `summary.csv`'s rows and `trials.csv`'s columns).
    pub const ALL: [Metric; 17] = [
        Metric::FailedRequests,
        Metric::AffectedUsers,
        Metric::ErrorBudgetBurn,
        Metric::PeakBadTrafficShare,
        Metric::TimeToDetect,
        Metric::RollbackTime,
        Metric::TimeToRecover,
        Metric::DeployDuration,
        Metric::PeakPods,
        Metric::ExtraPodHours,
        Metric::Cost,
        Metric::CapacityShortfall,
        Metric::NodesAdded,
        Metric::ExtraCpuRequested,
        Metric::ExtraMemoryRequestedGib,
        Metric::PodsWaitedForRoom,
        Metric::PeakReplicas,
    ];

    /// How many metrics there are.
    pub const COUNT: usize = Metric::ALL.len();

    /// The snake_case key used in JSON and CSV.
    pub fn name(self) -> &'static str {
        match self {
            Metric::FailedRequests => "failed_requests",
            Metric::AffectedUsers => "affected_users",
            Metric::ErrorBudgetBurn => "error_budget_burn",
            Metric::PeakBadTrafficShare => "peak_bad_traffic_share",
            Metric::TimeToDetect => "time_to_detect_s",
            Metric::RollbackTime => "rollback_time_s",
            Metric::TimeToRecover => "time_to_recover_s",
            Metric::DeployDuration => "deploy_duration_s",
            Metric::PeakPods => "peak_pods",
            Metric::ExtraPodHours => "extra_pod_hours",
            Metric::Cost => "cost",
            Metric::CapacityShortfall => "capacity_shortfall_s",
            Metric::NodesAdded => "nodes_added",
            Metric::ExtraCpuRequested => "extra_cpu_requested",
            Metric::ExtraMemoryRequestedGib => "extra_memory_requested_gib",
            Metric::PodsWaitedForRoom => "pods_waited_for_room",
            Metric::PeakReplicas => "peak_replicas",
        }
    }

    /// The resolution the statistics keep of this metric: a value `v` is
    /// accumulated as the integer `round(v × scale)` (see
    /// [`Stat`](crate::stats::Stat)), so `1 / scale` is the smallest
    /// difference kept and a value below half of it counts as 0. The HDR
    /// histogram then keeps 3 significant digits of that integer: quantiles
    /// are within 0.1% for values well above `1 / scale`.
    ///
    /// Times are seconds kept to the millisecond, the simulation clock's own
    /// tick; counts (requests, users, pods, nodes, cores, GiB) to a
    /// thousandth, as the closed-form accounting gives fractional expected
    /// values; small fractions get more digits — a share of traffic,
    /// pod-hours and cost to 10⁻⁶, the error budget burn to 10⁻⁹, since a
    /// good rollout burns a tiny share of a 30-day budget.
    ///
    /// The scale is part of the output: every summary figure is rounded to
    /// it, it is written into `shard.json`, and a merge refuses a shard kept
    /// at another scale. Changing one changes results (and needs a new shard
    /// format version).
    pub fn scale(self) -> f64 {
        match self {
            Metric::ErrorBudgetBurn => 1e9,
            Metric::PeakBadTrafficShare | Metric::ExtraPodHours | Metric::Cost => 1e6,
            Metric::FailedRequests
            | Metric::AffectedUsers
            | Metric::TimeToDetect
            | Metric::RollbackTime
            | Metric::TimeToRecover
            | Metric::DeployDuration
            | Metric::PeakPods
            | Metric::CapacityShortfall
            | Metric::NodesAdded
            | Metric::ExtraCpuRequested
            | Metric::ExtraMemoryRequestedGib
            | Metric::PodsWaitedForRoom
            | Metric::PeakReplicas => 1e3,
        }
    }
}

impl Metric {
    /// The metric counts whole things (pods, nodes): its quantiles are
    /// whole numbers, read exactly from the histogram.
    pub fn whole(self) -> bool {
        matches!(
            self,
            Metric::PeakPods
                | Metric::NodesAdded
                | Metric::PodsWaitedForRoom
                | Metric::PeakReplicas
        )
    }
}

impl Metric {
    /// Every trial has a value of this metric ([`TrialResult::get`] is
    /// never `None` for it): all but the four times that may not happen.
    pub fn in_every_trial(self) -> bool {
        !matches!(
            self,
            Metric::TimeToDetect
                | Metric::RollbackTime
                | Metric::TimeToRecover
                | Metric::DeployDuration
        )
    }

    /// Only a trial of a bad release may have a value of this metric: the
    /// times to detect a defect and to recover from it.
    pub fn bad_releases_only(self) -> bool {
        matches!(self, Metric::TimeToDetect | Metric::TimeToRecover)
    }
}

impl TrialResult {
    /// The value of `metric`; `None` for a time that did not happen in this
    /// trial (e.g. no detection of a good release).
    pub fn get(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::FailedRequests => Some(self.failed_requests),
            Metric::AffectedUsers => Some(self.affected_users),
            Metric::ErrorBudgetBurn => Some(self.error_budget_burn),
            Metric::PeakBadTrafficShare => Some(self.peak_bad_traffic_share),
            Metric::TimeToDetect => self.time_to_detect_s,
            Metric::RollbackTime => self.rollback_time_s,
            Metric::TimeToRecover => self.time_to_recover_s,
            Metric::DeployDuration => self.deploy_duration_s,
            Metric::PeakPods => Some(self.peak_pods),
            Metric::ExtraPodHours => Some(self.extra_pod_hours),
            Metric::Cost => Some(self.cost),
            Metric::CapacityShortfall => Some(self.capacity_shortfall_s),
            Metric::NodesAdded => Some(self.nodes_added),
            Metric::ExtraCpuRequested => Some(self.extra_cpu_requested),
            Metric::ExtraMemoryRequestedGib => Some(self.extra_memory_requested_gib),
            Metric::PodsWaitedForRoom => Some(self.pods_waited_for_room),
            Metric::PeakReplicas => Some(self.peak_replicas),
        }
    }
}

/// A closed set of names in a fixed order: [`Metric`], [`Outcome`].
pub trait Vocabulary: Copy + 'static {
    /// Every variant, in report order.
    fn all() -> &'static [Self];
    /// The variant's position in [`Vocabulary::all`].
    fn index(self) -> usize;
    /// The key JSON and CSV use.
    fn key(self) -> &'static str;
}

impl Vocabulary for Metric {
    fn all() -> &'static [Metric] {
        &Metric::ALL
    }
    fn index(self) -> usize {
        self as usize
    }
    fn key(self) -> &'static str {
        self.name()
    }
}

impl Vocabulary for Outcome {
    fn all() -> &'static [Outcome] {
        &Outcome::ALL
    }
    fn index(self) -> usize {
        self as usize
    }
    fn key(self) -> &'static str {
        self.name()
    }
}

/// One `T` for each of the `N` variants of `K`, indexed by the variant: an
/// array, not a map. Serializes as a JSON object whose keys are the
/// variants' names, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Table<K, T, const N: usize> {
    values: [T; N],
    keys: PhantomData<K>,
}

/// One value per [`Metric`].
pub type PerMetric<T> = Table<Metric, T, { Metric::COUNT }>;
/// One value per [`Outcome`].
pub type PerOutcome<T> = Table<Outcome, T, { Outcome::COUNT }>;

impl<K: Vocabulary, T, const N: usize> Table<K, T, N> {
    /// The table with `f(k)` for every variant `k`.
    pub fn from_fn(mut f: impl FnMut(K) -> T) -> Self {
        debug_assert_eq!(K::all().len(), N);
        Table {
            values: std::array::from_fn(|i| f(K::all()[i])),
            keys: PhantomData,
        }
    }

    /// The table with `f(k)` for every variant `k`, or the first error.
    pub fn try_from_fn<E>(mut f: impl FnMut(K) -> Result<T, E>) -> Result<Self, E> {
        let mut values = Vec::with_capacity(N);
        for &k in K::all() {
            values.push(f(k)?);
        }
        let values = <[T; N]>::try_from(values)
            .unwrap_or_else(|_| unreachable!("a vocabulary of N variants has N values"));
        Ok(Table {
            values,
            keys: PhantomData,
        })
    }

    /// Every variant with its value, in order.
    pub fn iter(&self) -> impl Iterator<Item = (K, &T)> {
        K::all().iter().copied().zip(&self.values)
    }

    /// The values, in the variants' order.
    pub fn values(&self) -> &[T; N] {
        &self.values
    }

    /// A table of `f` applied to every value.
    pub fn map<U>(&self, f: impl FnMut(&T) -> U) -> Table<K, U, N> {
        Table {
            values: self.values.each_ref().map(f),
            keys: PhantomData,
        }
    }
}

impl<K: Vocabulary, T: Default, const N: usize> Default for Table<K, T, N> {
    fn default() -> Self {
        Table::from_fn(|_| T::default())
    }
}

impl<K: Vocabulary, T, const N: usize> Index<K> for Table<K, T, N> {
    type Output = T;
    fn index(&self, k: K) -> &T {
        &self.values[k.index()]
    }
}

impl<K: Vocabulary, T, const N: usize> IndexMut<K> for Table<K, T, N> {
    fn index_mut(&mut self, k: K) -> &mut T {
        &mut self.values[k.index()]
    }
}

impl<K: Vocabulary, T: Serialize, const N: usize> Serialize for Table<K, T, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(N))?;
        for (k, v) in self.iter() {
            m.serialize_entry(k.key(), v)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_sit_at_their_index() {
        for (i, m) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(m as usize, i, "{m:?}");
        }
        for (i, o) in Outcome::ALL.into_iter().enumerate() {
            assert_eq!(o as usize, i, "{o:?}");
        }
    }

    #[test]
    fn names_are_distinct_snake_case_keys() {
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), Metric::COUNT);
        let snake = |n: &&str| n.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        assert!(names.iter().all(snake), "{names:?}");
        assert_eq!(names[0], "failed_requests");
        assert_eq!(names[15], "pods_waited_for_room");
        assert_eq!(names[16], "peak_replicas");
    }

    #[test]
    fn a_table_serializes_as_an_object_in_order() {
        let t = PerOutcome::from_fn(|o| o as u64);
        assert_eq!(t[Outcome::Incident], 4);
        let json = serde_json::to_string(&t).expect("serializes");
        assert_eq!(
            json,
            r#"{"succeeded":0,"rolled_back":1,"false_rollback":2,"stalled":3,"incident":4,"data_loss":5}"#
        );
    }
}
