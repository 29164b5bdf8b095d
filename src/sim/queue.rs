//! A generic priority queue of events and the loop that drains it.
//!
//! Events are keyed by (time, sequence number). The sequence number is the
//! insertion order: two events due at the same millisecond are handled in the
//! order they were scheduled (FIFO), so a trial is deterministic without ever
//! comparing floats or relying on the heap's internal order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::time::{Duration, SimTime};

/// Bits of a key that name the event's slot in the slab.
const SLOT_BITS: u32 = 24;

/// Events that may be pending at once (16.7 million): a slot number must
/// fit its bits of the key.
pub const MAX_PENDING: usize = 1 << SLOT_BITS;

/// Events that may be scheduled without the queue draining (1.1 × 10¹²):
/// a sequence number must fit the key's bits above the slot.
const MAX_SEQ: u64 = 1 << (64 - SLOT_BITS);

/// The heap key of an event: (time, sequence number, slot) packed into one
/// integer, time in the high half, the sequence number above the slot in
/// the low half. Sequence numbers are unique, so integer order on the key
/// is exactly the order on (time, sequence number), and the heap compares
/// one number instead of fields.
fn key(at: SimTime, seq: u64, slot: usize) -> u128 {
    (u128::from(at.0) << 64) | u128::from(seq << SLOT_BITS) | slot as u128
}

/// The time half of a key.
fn time_of(key: u128) -> SimTime {
    SimTime((key >> 64) as u64)
}

/// The slot bits of a key.
fn slot_of(key: u128) -> usize {
    (key as u64 & (MAX_PENDING as u64 - 1)) as usize
}

/// Pending events ordered by (time, insertion order).
///
/// The heap holds only the 16-byte keys; each event waits in a slab slot
/// until it is popped, and a popped event's slot is reused by the next
/// push, so the slab is as large as the most events ever pending at once,
/// however long a trial runs. Every heap operation moves a key a few
/// levels, and a key is half the size of a key beside its event (which the
/// key's alignment pads to 32 bytes). Sequence numbers start again from 0
/// whenever the queue drains: with nothing pending, a fresh numbering
/// orders new events just as well.
pub struct EventQueue<E> {
    keys: BinaryHeap<Reverse<u128>>,
    events: Vec<Option<E>>,
    /// Slots whose events have been popped.
    free: Vec<usize>,
    /// The next sequence number.
    seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            keys: BinaryHeap::with_capacity(64),
            events: Vec::with_capacity(256),
            free: Vec::with_capacity(64),
            seq: 0,
        }
    }

    /// Schedules `event` at `at`.
    ///
    /// # Panics
    ///
    /// With [`MAX_PENDING`] events pending, or after 2⁴⁰ pushes without the
    /// queue draining: the scenario's work bound (`scenario::work`) keeps a
    /// trial far below both.
    pub fn push(&mut self, at: SimTime, event: E) {
        assert!(self.seq < MAX_SEQ, "event sequence numbers exhausted");
        let slot = match self.free.pop() {
            Some(slot) => {
                self.events[slot] = Some(event);
                slot
            }
            None => {
                assert!(self.events.len() < MAX_PENDING, "too many pending events");
                self.events.push(Some(event));
                self.events.len() - 1
            }
        };
        self.keys.push(Reverse(key(at, self.seq, slot)));
        self.seq += 1;
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let Reverse(k) = self.keys.pop()?;
        let slot = slot_of(k);
        let event = self.events[slot]
            .take()
            .expect("each key's event is taken once");
        if self.keys.is_empty() {
            self.clear();
        } else {
            self.free.push(slot);
        }
        Some((time_of(k), event))
    }

    /// Time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.keys.peek().map(|&Reverse(k)| time_of(k))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Drops every pending event, keeping the allocations.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.events.clear();
        self.free.clear();
        self.seq = 0;
    }
}

/// What a model may do while it handles an event: read the clock, schedule
/// more events, stop the run. Models never touch the queue directly.
pub struct Context<'q, E> {
    now: SimTime,
    queue: &'q mut EventQueue<E>,
    stop: bool,
}

impl<E> Context<'_, E> {
    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` after `delay`.
    pub fn schedule_in(&mut self, delay: Duration, event: E) {
        self.queue.push(self.now + delay, event);
    }

    /// Schedules `event` at `at` (clamped to now: the past cannot be scheduled).
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        self.queue.push(at.max(self.now), event);
    }

    /// Ends the run after this event.
    pub fn stop(&mut self) {
        self.stop = true;
    }
}

/// A model driven by the event loop.
pub trait Model {
    /// The model's event type.
    type Event;
    /// Reacts to one event at `ctx.now()`.
    fn handle(&mut self, event: Self::Event, ctx: &mut Context<'_, Self::Event>);
}

/// Runs `model` until the queue is empty, the model stops, or `until` passes.
/// Returns the time of the last event handled (or `until` if the queue still
/// held later events).
pub fn run<M: Model>(model: &mut M, queue: &mut EventQueue<M::Event>, until: SimTime) -> SimTime {
    let mut now = SimTime::ZERO;
    while let Some(at) = queue.peek_time() {
        if at > until {
            return until;
        }
        let Some((at, event)) = queue.pop() else {
            break;
        };
        now = at;
        let mut ctx = Context {
            now,
            queue,
            stop: false,
        };
        model.handle(event, &mut ctx);
        if ctx.stop {
            break;
        }
    }
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Recorder {
        seen: Vec<(u64, u32)>,
    }

    impl Model for Recorder {
        type Event = u32;
        fn handle(&mut self, event: u32, ctx: &mut Context<'_, u32>) {
            self.seen.push((ctx.now().0, event));
            if event == 1 {
                // Scheduled now, due now: runs after the events already due now.
                ctx.schedule_in(Duration::ZERO, 10);
                ctx.schedule_at(SimTime(1), 11); // the past is clamped to now
            }
            if event == 99 {
                ctx.stop();
            }
        }
    }

    #[test]
    fn ties_are_fifo_and_time_orders_the_rest() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), 3);
        q.push(SimTime(2), 1);
        q.push(SimTime(2), 2);
        q.push(SimTime(7), 99);
        q.push(SimTime(8), 100);
        let mut m = Recorder { seen: vec![] };
        let end = run(&mut m, &mut q, SimTime(1000));
        assert_eq!(
            m.seen,
            vec![(2, 1), (2, 2), (2, 10), (2, 11), (5, 3), (7, 99)]
        );
        assert_eq!(end, SimTime(7));
        assert_eq!(q.len(), 1, "stop leaves later events pending");
    }

    #[test]
    fn run_stops_at_the_horizon() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), 3);
        q.push(SimTime(50), 4);
        let mut m = Recorder { seen: vec![] };
        assert_eq!(run(&mut m, &mut q, SimTime(10)), SimTime(10));
        assert_eq!(m.seen, vec![(5, 3)]);
    }

    /// A tick that schedules itself again, beside one event far ahead.
    struct Ticker {
        ticks: u64,
    }

    impl Model for Ticker {
        type Event = u32;
        fn handle(&mut self, event: u32, ctx: &mut Context<'_, u32>) {
            if event == 0 {
                self.ticks += 1;
                ctx.schedule_in(Duration(10), 0);
            }
        }
    }

    #[test]
    fn a_queue_that_never_drains_reuses_its_slots() {
        // A tick every 10 ms for 1,000 s is 100,000 events, with never
        // more than two pending (the tick and the far event): the slab
        // holds two slots, not one per event scheduled.
        let mut q = EventQueue::new();
        q.push(SimTime::ZERO, 0);
        q.push(SimTime(u64::MAX), 1);
        let mut m = Ticker { ticks: 0 };
        run(&mut m, &mut q, SimTime(1_000_000));
        assert_eq!(m.ticks, 100_001, "ticks at 0, 10, …, 1,000,000 ms");
        assert_eq!(q.events.len(), 2);
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn reused_slots_keep_insertion_order_among_ties() {
        // Slots are handed back in the reverse of their order, but ties
        // still come out in the order they were pushed.
        let mut q = EventQueue::new();
        for e in 0..4 {
            q.push(SimTime(1), e);
        }
        q.push(SimTime(9), 99);
        for e in 0..4 {
            assert_eq!(q.pop(), Some((SimTime(1), e)));
        }
        for e in 10..14 {
            q.push(SimTime(5), e);
        }
        let order: Vec<u32> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec![10, 11, 12, 13, 99]);
        assert_eq!(q.events.len(), 0, "drained: the slab is emptied");
    }
}
