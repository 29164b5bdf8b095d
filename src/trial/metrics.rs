//! What a trial measures (DESIGN §3).

use serde::Serialize;

/// How a trial ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The release went out and stayed (a good release, rolled out).
    Succeeded,
    /// A bad release was caught and undone before it served all traffic.
    RolledBack,
    /// A good release was rolled back by a noisy signal.
    FalseRollback,
    /// The rollout stopped progressing; the progress deadline paged the team.
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
    pub outcome: Outcome,
    /// Whether the release was bad.
    pub bad: bool,
    /// Every request that arrived during the trial (the denominator of
    /// `failed_requests`).
    pub requests: f64,
}

/// The numeric keys of a trial, in report order.
pub const METRIC_NAMES: [&str; 16] = [
    "failed_requests",
    "affected_users",
    "error_budget_burn",
    "peak_bad_traffic_share",
    "time_to_detect_s",
    "rollback_time_s",
    "time_to_recover_s",
    "deploy_duration_s",
    "peak_pods",
    "extra_pod_hours",
    "cost",
    "capacity_shortfall_s",
    "nodes_added",
    "extra_cpu_requested",
    "extra_memory_requested_gib",
    "pods_waited_for_room",
];

impl TrialResult {
    /// The values of [`METRIC_NAMES`], in that order.
    pub fn metrics(&self) -> [Option<f64>; 16] {
        [
            Some(self.failed_requests),
            Some(self.affected_users),
            Some(self.error_budget_burn),
            Some(self.peak_bad_traffic_share),
            self.time_to_detect_s,
            self.rollback_time_s,
            self.time_to_recover_s,
            self.deploy_duration_s,
            Some(self.peak_pods),
            Some(self.extra_pod_hours),
            Some(self.cost),
            Some(self.capacity_shortfall_s),
            Some(self.nodes_added),
            Some(self.extra_cpu_requested),
            Some(self.extra_memory_requested_gib),
            Some(self.pods_waited_for_room),
        ]
    }
}
