//! The cluster autoscaler: for pods that fit nowhere it asks for as many
//! empty nodes as they need (up to `maxNodes`, counting those already on
//! their way); each joins after its provisioning time. It keeps the node-time
//! of what it added, for the bill.

use super::nodes::Cluster;
use super::{Draws, Event};
use crate::scenario::{Autoscaler as AutoscalerSpec, Resources};
use crate::sim::{Context, Duration, SimTime};

/// The autoscaler's state in one trial.
#[derive(Clone, Debug)]
pub struct Autoscaler<'s> {
    spec: Option<&'s AutoscalerSpec>,
    /// What a node it adds offers (it runs none of the other workloads).
    allocatable: Resources,
    /// Nodes asked for and not yet joined.
    provisioning: u32,
    /// Nodes that have joined.
    added: u32,
    /// Node-milliseconds of the added nodes so far.
    node_ms: f64,
}

impl<'s> Autoscaler<'s> {
    /// An autoscaler adding nodes of `allocatable`; `None`: there is none.
    pub fn new(spec: Option<&'s AutoscalerSpec>, allocatable: Resources) -> Self {
        Autoscaler {
            spec,
            allocatable,
            provisioning: 0,
            added: 0,
            node_ms: 0.0,
        }
    }

    /// Back to no node asked for or added.
    pub fn reset(&mut self) {
        self.provisioning = 0;
        self.added = 0;
        self.node_ms = 0.0;
    }

    /// Nodes it has added.
    pub fn added(&self) -> u32 {
        self.added
    }

    /// Node-milliseconds of the nodes it has added.
    pub fn node_ms(&self) -> f64 {
        self.node_ms
    }

    /// Integrates the added nodes' time over `dt_s` seconds.
    pub fn advance(&mut self, dt_s: f64) {
        self.node_ms += f64::from(self.added) * dt_s * 1000.0;
    }

    /// Pods may be waiting for room in `cluster`: asks for the nodes they
    /// need, each drawing its provisioning time.
    pub fn on_pending<E: From<Event>>(
        &mut self,
        now: SimTime,
        ctx: &mut Context<'_, E>,
        cluster: &Cluster,
        draws: &mut impl Draws,
    ) {
        let Some(a) = self.spec else {
            return;
        };
        let pending = cluster.pending_count();
        let per_node = cluster.pods_per_node(self.allocatable);
        if pending == 0 || per_node == 0 {
            return;
        }
        let room = a
            .max_nodes
            .saturating_sub(cluster.node_count() + self.provisioning);
        let add = pending
            .div_ceil(per_node)
            .saturating_sub(self.provisioning)
            .min(room);
        for _ in 0..add {
            let t = Duration::from_millis_f64(a.provision_time.sample(draws.nodes()));
            ctx.schedule_at(now + t, Event::NodeReady.into());
        }
        self.provisioning += add;
    }

    /// A node it asked for has joined `cluster`.
    pub fn on_node_ready(&mut self, cluster: &mut Cluster) {
        self.provisioning -= 1;
        self.added += 1;
        cluster.add_node(self.allocatable);
    }
}
