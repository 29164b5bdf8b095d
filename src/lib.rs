//! deploysim: a discrete-event Monte Carlo simulator of Kubernetes rollout
//! strategies. A scenario file describes a service, its cluster, its traffic,
//! how releases go wrong and how the team notices; deploysim runs thousands of
//! rollouts per strategy and reports blast radius, recovery time and cost.

pub mod cluster;
pub mod commands;
pub mod detect;
pub mod error;
pub mod input;
pub mod montecarlo;
pub mod recommend;
pub mod report;
pub mod scenario;
pub mod shard;
pub mod sim;
pub mod stats;
pub mod strategy;
pub mod sweep;
pub mod traffic;
pub mod trial;

pub use error::Error;
pub mod schema;
