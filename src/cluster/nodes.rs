//! The cluster's bookkeeping: nodes and what is free on them, every pod of
//! the trial, the Pending queue, and counts per version.
//!
//! A node offers its allocatable resources minus its share of
//! `otherWorkloads`. A pod is placed only where its requests fit (on the node
//! with the most free CPU, as the default scheduler's LeastAllocated scoring
//! spreads pods); otherwise it waits, Pending, in creation order until room
//! appears. A terminating pod leaves the endpoints at once but holds its
//! resources until it is gone. Counts per version are kept incrementally so
//! controllers read them in O(1). Every write to a pod is here; the rest of
//! the crate sees pods through shared references.

use super::Version;
use crate::scenario::{Cluster as ClusterSpec, Resources};
use crate::sim::SimTime;

/// Where a pod is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a node with room.
    Pending,
    /// Placed: pulling its image, starting or running.
    Placed,
    /// Deleted: out of the endpoints, still holding its resources.
    Terminating,
    /// Gone for good.
    Gone,
}

/// Index of a pod in the cluster ([`Cluster::pod`]).
pub type PodId = u32;

/// One pod.
#[derive(Clone, Copy, Debug)]
pub struct Pod {
    pub version: Version,
    pub phase: Phase,
    pub node: u32,
    pub created: SimTime,
    /// Bumped whenever the pod is deleted or its container restarts, so that
    /// events scheduled for an earlier incarnation are recognised as stale.
    pub incarnation: u32,
    /// In the Service's endpoints (receives traffic).
    pub in_endpoints: bool,
    /// In the endpoints but failing every request (booting without a
    /// readiness probe, hung, crash-looping).
    pub failing: bool,
    /// Ready (readiness passed, or container running without a probe).
    pub ready: bool,
    /// Ready for minReadySeconds.
    pub available: bool,
    /// Its process hangs (a delayed crash): it fails whatever reaches it.
    pub hung: bool,
    /// Container restarts so far (for the kubelet's back-off).
    pub restarts: u32,
    /// It found no room at some point and waited Pending.
    pub waited: bool,
    /// Its start-up draw: image pull, boot (ms).
    pub pull_ms: u64,
    pub boot_ms: u64,
}

/// Pod counts of one version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Not terminating, not gone (Pending or Placed): what a ReplicaSet owns.
    pub active: u32,
    /// Terminating.
    pub terminating: u32,
    pub ready: u32,
    pub available: u32,
    /// In the endpoints.
    pub endpoints: u32,
    /// In the endpoints and failing everything.
    pub failing: u32,
}

impl Counts {
    /// Pods that exist in any phase (they count toward peak pods and cost).
    pub fn existing(&self) -> u32 {
        self.active + self.terminating
    }
}

#[derive(Clone, Copy, Debug)]
struct Node {
    free: Resources,
    /// When each version's image is (or will be) on this node; NEVER if not.
    image_at: [SimTime; 2],
}

/// The cluster: nodes, every pod ever created in this trial, the Pending queue.
#[derive(Debug, Default)]
pub struct Cluster {
    nodes: Vec<Node>,
    pods: Vec<Pod>,
    pending: std::collections::VecDeque<PodId>,
    request: Resources,
    counts: [Counts; 2],
    /// Pods that had to wait for room.
    waited: u32,
    /// Ids of each version's active (Pending or placed) pods, oldest first.
    active: [Vec<PodId>; 2],
}

/// Written out for `clone_from`: every trial starts from a copy of the same
/// cluster, and the derived `clone_from` would drop the vectors and allocate
/// (then grow) them afresh each time instead of reusing their capacity.
impl Clone for Cluster {
    fn clone(&self) -> Self {
        Cluster {
            nodes: self.nodes.clone(),
            pods: self.pods.clone(),
            pending: self.pending.clone(),
            request: self.request,
            counts: self.counts,
            waited: self.waited,
            active: self.active.clone(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.nodes.clone_from(&source.nodes);
        self.pods.clone_from(&source.pods);
        self.pending.clone_from(&source.pending);
        self.request = source.request;
        self.counts = source.counts;
        self.waited = source.waited;
        for (mine, theirs) in self.active.iter_mut().zip(&source.active) {
            mine.clone_from(theirs);
        }
    }
}

impl Cluster {
    /// Resets to the scenario's nodes with no pods; the old image is cached on
    /// every node (the old version has been running there).
    pub fn reset(&mut self, spec: &ClusterSpec, request: Resources) {
        let n = u64::from(spec.nodes);
        let per_node = Resources {
            cpu_millis: spec
                .node_allocatable
                .cpu_millis
                .saturating_sub(spec.other_workloads.cpu_millis / n),
            memory_bytes: spec
                .node_allocatable
                .memory_bytes
                .saturating_sub(spec.other_workloads.memory_bytes / n),
        };
        self.nodes.clear();
        for _ in 0..spec.nodes {
            self.nodes.push(Node {
                free: per_node,
                image_at: [SimTime::ZERO, SimTime::NEVER],
            });
        }
        self.pods.clear();
        self.pending.clear();
        self.request = request;
        self.counts = [Counts::default(); 2];
        self.active.iter_mut().for_each(Vec::clear);
        self.waited = 0;
    }

    /// The pod `id`.
    pub fn pod(&self, id: PodId) -> &Pod {
        &self.pods[id as usize]
    }

    /// A placed pod's process hangs: it stays where it is in the endpoints
    /// and readiness, and fails whatever reaches it.
    pub fn hang(&mut self, id: PodId) {
        self.pods[id as usize].hung = true;
        let pod = self.pods[id as usize];
        self.set_serving(id, pod.in_endpoints, true, pod.ready);
    }

    /// The kubelet kills a pod's container to start it again: out of the
    /// endpoints, a new incarnation, no longer hung. Returns the restarts
    /// before this one.
    pub fn restart(&mut self, id: PodId) -> u32 {
        self.set_serving(id, false, false, false);
        let pod = &mut self.pods[id as usize];
        pod.incarnation += 1;
        pod.hung = false;
        pod.restarts += 1;
        pod.restarts - 1
    }

    /// Pods that had to wait for room.
    pub fn waited_for_room(&self) -> u32 {
        self.waited
    }

    /// Counts the Pending pods that found no room (each once).
    fn mark_waiting(&mut self) {
        for &id in &self.pending {
            let pod = &mut self.pods[id as usize];
            if pod.phase == Phase::Pending && !pod.waited {
                pod.waited = true;
                self.waited += 1;
            }
        }
    }

    /// Counts of both versions, indexed by [`Version::idx`].
    pub fn all_counts(&self) -> &[Counts; 2] {
        &self.counts
    }

    /// Counts of `v`'s pods.
    pub fn counts(&self, v: Version) -> &Counts {
        &self.counts[v.idx()]
    }

    /// Pods existing in any phase, both versions.
    pub fn existing(&self) -> u32 {
        self.counts[0].existing() + self.counts[1].existing()
    }

    /// Pods the ReplicaSets own (not terminating), both versions.
    pub fn active(&self) -> u32 {
        self.counts[0].active + self.counts[1].active
    }

    /// Adds a pod of `v`, Pending (call [`Cluster::place`] to schedule it).
    pub fn add_pod(&mut self, v: Version, now: SimTime, pull_ms: u64, boot_ms: u64) -> PodId {
        let id = self.pods.len() as PodId;
        self.pods.push(Pod {
            version: v,
            phase: Phase::Pending,
            node: u32::MAX,
            created: now,
            incarnation: 0,
            in_endpoints: false,
            failing: false,
            ready: false,
            available: false,
            hung: false,
            restarts: 0,
            waited: false,
            pull_ms,
            boot_ms,
        });
        self.counts[v.idx()].active += 1;
        self.active[v.idx()].push(id);
        self.pending.push_back(id);
        id
    }

    /// Places the oldest Pending pods that fit; returns them (in order) with
    /// the time each one's image is on its node.
    pub fn place_pending(&mut self, now: SimTime, out: &mut Vec<(PodId, SimTime)>) {
        while let Some(&id) = self.pending.front() {
            if self.pods[id as usize].phase != Phase::Pending {
                self.pending.pop_front(); // deleted while Pending
                continue;
            }
            let Some(node) = self.best_node() else {
                self.mark_waiting();
                break;
            };
            self.pending.pop_front();
            let pod = &mut self.pods[id as usize];
            pod.phase = Phase::Placed;
            pod.node = node as u32;
            let n = &mut self.nodes[node];
            n.free.cpu_millis -= self.request.cpu_millis;
            n.free.memory_bytes -= self.request.memory_bytes;
            // The kubelet pulls an image once per node; later pods wait for it.
            let v = pod.version.idx();
            if n.image_at[v] == SimTime::NEVER {
                n.image_at[v] = now + crate::sim::Duration(pod.pull_ms);
            }
            out.push((id, n.image_at[v].max(now)));
        }
    }

    /// The first node, in order, with the most free CPU among those the
    /// pod fits on.
    fn best_node(&self) -> Option<usize> {
        let r = self.request;
        // This runs for every pod placed, over every node: one key per node
        // (its free CPU + 1 if the pod fits, 0 if not) and one comparison,
        // instead of a test and a branch per condition. Strict `>` keeps the
        // first of equals.
        let (mut best, mut best_key) = (0, 0);
        for (i, n) in self.nodes.iter().enumerate() {
            let fits = n.free.cpu_millis >= r.cpu_millis && n.free.memory_bytes >= r.memory_bytes;
            let key = if fits {
                n.free.cpu_millis.saturating_add(1)
            } else {
                0
            };
            if key > best_key {
                (best, best_key) = (i, key);
            }
        }
        (best_key > 0).then_some(best)
    }

    /// True when the Pending queue holds no pod at all (not even one deleted
    /// while Pending): placing would do nothing.
    pub fn pending_queue_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// True when some pod is waiting for room.
    pub fn has_pending(&self) -> bool {
        self.pending_count() > 0
    }

    /// Pods waiting for room.
    pub fn pending_count(&self) -> u32 {
        self.pending
            .iter()
            .filter(|&&id| self.pods[id as usize].phase == Phase::Pending)
            .count() as u32
    }

    /// Nodes now.
    pub fn node_count(&self) -> u32 {
        self.nodes.len() as u32
    }

    /// Adds an empty node offering `allocatable` (an autoscaler's new node
    /// runs none of the other workloads).
    pub fn add_node(&mut self, allocatable: Resources) {
        self.nodes.push(Node {
            free: allocatable,
            image_at: [SimTime::NEVER, SimTime::NEVER],
        });
    }

    /// How many of this service's pods fit on an empty node.
    pub fn pods_per_node(&self, allocatable: Resources) -> u32 {
        let r = self.request;
        let by_cpu = allocatable
            .cpu_millis
            .checked_div(r.cpu_millis)
            .unwrap_or(u64::MAX);
        let by_mem = allocatable
            .memory_bytes
            .checked_div(r.memory_bytes)
            .unwrap_or(u64::MAX);
        by_cpu.min(by_mem).min(u64::from(u32::MAX)) as u32
    }

    /// Forgets that `v`'s image is on any node (e.g. the cache was evicted).
    pub fn evict_image(&mut self, v: Version) {
        for n in &mut self.nodes {
            n.image_at[v.idx()] = SimTime::NEVER;
        }
    }

    /// Sets a placed pod's serving state; keeps the counts in step.
    pub fn set_serving(&mut self, id: PodId, in_endpoints: bool, failing: bool, ready: bool) {
        let pod = &mut self.pods[id as usize];
        let c = &mut self.counts[pod.version.idx()];
        c.endpoints = c.endpoints - u32::from(pod.in_endpoints) + u32::from(in_endpoints);
        c.failing = c.failing - u32::from(pod.in_endpoints && pod.failing)
            + u32::from(in_endpoints && failing);
        c.ready = c.ready - u32::from(pod.ready) + u32::from(ready);
        if !ready && pod.available {
            c.available -= 1;
            pod.available = false;
        }
        pod.in_endpoints = in_endpoints;
        pod.failing = failing;
        pod.ready = ready;
    }

    /// Marks a ready pod available.
    pub fn set_available(&mut self, id: PodId) {
        let pod = &mut self.pods[id as usize];
        if pod.ready && !pod.available {
            pod.available = true;
            self.counts[pod.version.idx()].available += 1;
        }
    }

    /// Deletes a pod: out of the endpoints now; it holds its resources until
    /// [`Cluster::remove`]. Returns false if it was already deleted.
    pub fn delete(&mut self, id: PodId) -> bool {
        let phase = self.pods[id as usize].phase;
        if matches!(phase, Phase::Terminating | Phase::Gone) {
            return false;
        }
        self.set_serving(id, false, false, false);
        let pod = &mut self.pods[id as usize];
        pod.incarnation += 1;
        let v = pod.version.idx();
        let c = &mut self.counts[v];
        c.active -= 1;
        if let Some(i) = self.active[v].iter().rposition(|&p| p == id) {
            self.active[v].remove(i); // keeps ids in creation order
        }
        if phase == Phase::Pending {
            pod.phase = Phase::Gone; // never placed: nothing to release
        } else {
            pod.phase = Phase::Terminating;
            c.terminating += 1;
        }
        true
    }

    /// A terminating pod is gone: its resources are free again.
    pub fn remove(&mut self, id: PodId) {
        let pod = &mut self.pods[id as usize];
        if pod.phase != Phase::Terminating {
            return;
        }
        pod.phase = Phase::Gone;
        self.counts[pod.version.idx()].terminating -= 1;
        let n = &mut self.nodes[pod.node as usize];
        n.free.cpu_millis += self.request.cpu_millis;
        n.free.memory_bytes += self.request.memory_bytes;
    }

    /// The `n` pods of `v` a ReplicaSet deletes first when scaled down:
    /// Pending before placed, not-ready before ready, not-available before
    /// available, newest first (ReplicaSet's ActivePods ranking, simplified).
    pub fn victims(&self, v: Version, n: u32, out: &mut Vec<PodId>) {
        out.clear();
        let active = &self.active[v.idx()];
        let n = (n as usize).min(active.len());
        if self.counts[v.idx()].available as usize == active.len() {
            // All available (one rank): simply the newest.
            out.extend(active[active.len() - n..].iter().rev());
            return;
        }
        out.extend_from_slice(active);
        let key = |id: &PodId| {
            (
                delete_rank(&self.pods[*id as usize]),
                std::cmp::Reverse(*id),
            )
        };
        if n < out.len() && n > 0 {
            out.select_nth_unstable_by_key(n - 1, key);
        }
        out.truncate(n);
        out.sort_unstable_by_key(key);
    }

    /// Recounts from scratch (tests check the incremental counts against it).
    pub fn recount(&self, v: Version) -> Counts {
        let mut c = Counts::default();
        for p in self.pods.iter().filter(|p| p.version == v) {
            match p.phase {
                Phase::Pending | Phase::Placed => c.active += 1,
                Phase::Terminating => c.terminating += 1,
                Phase::Gone => continue,
            }
            c.ready += u32::from(p.ready);
            c.available += u32::from(p.available);
            c.endpoints += u32::from(p.in_endpoints);
            c.failing += u32::from(p.in_endpoints && p.failing);
        }
        c
    }
}

fn delete_rank(p: &Pod) -> u8 {
    if p.phase == Phase::Pending {
        0
    } else if !p.ready {
        1
    } else if !p.available {
        2
    } else {
        3
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Pricing;

    fn spec(nodes: u32, cpu: u64) -> ClusterSpec {
        ClusterSpec {
            nodes,
            node_allocatable: Resources {
                cpu_millis: cpu,
                memory_bytes: 1 << 34,
            },
            other_workloads: Resources::default(),
            autoscaler: None,
            pricing: Pricing {
                cpu_hour: 0.0,
                memory_gib_hour: 0.0,
            },
        }
    }

    #[test]
    fn pods_wait_pending_until_room_appears() {
        let mut c = Cluster::default();
        let req = Resources {
            cpu_millis: 500,
            memory_bytes: 1 << 30,
        };
        c.reset(&spec(2, 1000), req); // room for 4 pods
        let mut placed = vec![];
        for _ in 0..5 {
            c.add_pod(Version::New, SimTime(0), 8000, 0);
        }
        c.place_pending(SimTime(0), &mut placed);
        assert_eq!(placed.len(), 4);
        assert!(c.has_pending());
        // Image pulled once per node: the second pod on a node waits for the same pull.
        assert!(placed.iter().all(|&(_, at)| at == SimTime(8000)));
        assert!(c.delete(placed[0].0));
        placed.clear();
        c.place_pending(SimTime(100), &mut placed);
        assert!(placed.is_empty(), "terminating pod still holds its room");
        c.remove(0);
        c.place_pending(SimTime(200), &mut placed);
        assert_eq!(placed.len(), 1);
        assert_eq!(*c.counts(Version::New), c.recount(Version::New));
    }

    #[test]
    fn other_workloads_take_their_share_of_every_node() {
        let mut c = Cluster::default();
        let mut s = spec(2, 2000);
        s.other_workloads.cpu_millis = 2000; // 1 CPU per node left
        c.reset(
            &s,
            Resources {
                cpu_millis: 500,
                memory_bytes: 1,
            },
        );
        let mut placed = vec![];
        for _ in 0..6 {
            c.add_pod(Version::Old, SimTime(0), 0, 0);
        }
        c.place_pending(SimTime(0), &mut placed);
        assert_eq!(placed.len(), 4);
        // The old image is cached everywhere: no pull.
        assert!(placed.iter().all(|&(_, at)| at == SimTime(0)));
    }

    #[test]
    fn victims_prefer_unready_and_newest() {
        let mut c = Cluster::default();
        c.reset(
            &spec(4, 8000),
            Resources {
                cpu_millis: 100,
                memory_bytes: 1,
            },
        );
        let mut placed = vec![];
        for _ in 0..4 {
            c.add_pod(Version::Old, SimTime(0), 0, 0);
        }
        c.place_pending(SimTime(0), &mut placed);
        for id in [0, 1, 3] {
            c.set_serving(id, true, false, true);
            c.set_available(id);
        }
        let mut v = vec![];
        c.victims(Version::Old, 2, &mut v);
        assert_eq!(v, vec![2, 3]);
    }
}
