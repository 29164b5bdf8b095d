//! A generic priority queue of events and the loop that drains it.
//!
//! Events are keyed by (time, sequence number). The sequence number is the
//! insertion order: two events due at the same millisecond are handled in the
//! order they were scheduled (FIFO), so a trial is deterministic without ever
//! comparing floats or relying on the heap's internal order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::time::{Duration, SimTime};

/// The heap key of an event: (time, sequence number) packed into one
/// integer, time in the high half. Integer order on the key is exactly the
/// order on the pair, so the heap compares one number instead of two fields.
fn key(at: SimTime, seq: u64) -> u128 {
    (u128::from(at.0) << 64) | u128::from(seq)
}

/// The time half of a key.
fn time_of(key: u128) -> SimTime {
    SimTime((key >> 64) as u64)
}

/// Pending events ordered by (time, insertion order).
///
/// The heap holds only the 16-byte keys; each event waits in a slab at its
/// sequence number until it is popped. Every heap operation moves a key a
/// few levels, and a key is half the size of a key beside its event (which
/// the key's alignment pads to 32 bytes). The slab keeps every event
/// scheduled since the queue was last empty (a trial schedules a few
/// hundred), and starts again from sequence number 0 whenever it drains:
/// with nothing pending, a fresh numbering orders new events just as well.
pub struct EventQueue<E> {
    keys: BinaryHeap<Reverse<u128>>,
    events: Vec<Option<E>>,
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
        }
    }

    /// Schedules `event` at `at`.
    pub fn push(&mut self, at: SimTime, event: E) {
        let seq = self.events.len() as u64;
        self.events.push(Some(event));
        self.keys.push(Reverse(key(at, seq)));
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let Reverse(k) = self.keys.pop()?;
        let event = self.events[k as u64 as usize]
            .take()
            .expect("each key's event is taken once");
        if self.keys.is_empty() {
            self.events.clear();
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
}
