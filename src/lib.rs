//! deploysim: a discrete-event Monte Carlo simulator of Kubernetes rollout
//! strategies. A scenario file describes a service, its cluster, its traffic,
//! how releases go wrong and how the team notices; deploysim runs thousands of
//! rollouts per strategy and reports blast radius, recovery time and cost.

pub mod scenario;
pub mod sim;
