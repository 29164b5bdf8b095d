//! The trace of one trial: its events in order, each with the state after
//! it, and the rule that keeps it bounded: a long run of lines of one event
//! with nothing else changing (a check every interval that finds nothing,
//! hour after hour) is shown for its first [`SHOWN_ALIKE`] lines, then
//! summarised in one. A trial's events are then at most a few lines per
//! change of its pods or traffic, whatever the horizon.

use serde::Serialize;

/// One line of a trace: an event and the state after it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEvent {
    pub t_s: f64,
    pub event: &'static str,
    pub detail: String,
    pub old_pods: u32,
    pub new_pods: u32,
    pub old_ready: u32,
    pub new_ready: u32,
    pub new_traffic_share: f64,
    pub failed_requests: f64,
}

/// The event name of a line that stands for a run of identical lines.
pub const REPEATED: &str = "repeated";

/// Lines alike in a row shown in full before the rest are summarised.
pub const SHOWN_ALIKE: u32 = 10;

impl TraceEvent {
    /// The same event with the same pods and traffic after it: only the
    /// time, the detail and the failed requests may differ.
    fn alike(&self, other: &TraceEvent) -> bool {
        self.event == other.event
            && (self.old_pods, self.new_pods, self.old_ready, self.new_ready)
                == (
                    other.old_pods,
                    other.new_pods,
                    other.old_ready,
                    other.new_ready,
                )
            && self.new_traffic_share == other.new_traffic_share
    }
}

/// A trace being recorded.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    events: Vec<TraceEvent>,
    /// The first line of the current run of lines alike.
    first: Option<TraceEvent>,
    /// Lines in the current run after its first.
    alike: u32,
}

impl Trace {
    /// Empties the trace, keeping its allocation.
    pub fn clear(&mut self) {
        self.events.clear();
        self.first = None;
        self.alike = 0;
    }

    /// Adds a line. The first [`SHOWN_ALIKE`] lines of a run of lines alike
    /// are kept; the rest become one [`REPEATED`] line that counts them and
    /// carries the last one's time, detail, failed requests and state.
    pub fn push(&mut self, e: TraceEvent) {
        if !self.first.as_ref().is_some_and(|f| f.alike(&e)) {
            self.first = Some(e.clone());
            self.alike = 0;
            self.events.push(e);
            return;
        }
        self.alike += 1;
        if self.alike < SHOWN_ALIKE {
            self.events.push(e);
            return;
        }
        let more = self.alike + 1 - SHOWN_ALIKE;
        let line = TraceEvent {
            event: REPEATED,
            detail: format!(
                "{more} more {} with the pods and traffic unchanged; the last: {}",
                e.event, e.detail
            ),
            ..e
        };
        if more == 1 {
            self.events.push(line);
        } else if let Some(last) = self.events.last_mut() {
            *last = line;
        }
    }

    /// The recorded lines, leaving the trace empty.
    pub fn take(&mut self) -> Vec<TraceEvent> {
        self.first = None;
        self.alike = 0;
        std::mem::take(&mut self.events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t_s: f64, event: &'static str, failed: f64) -> TraceEvent {
        TraceEvent {
            t_s,
            event,
            detail: format!("{failed} requests"),
            old_pods: 4,
            new_pods: 4,
            old_ready: 4,
            new_ready: 4,
            new_traffic_share: 0.1,
            failed_requests: failed,
        }
    }

    #[test]
    fn a_long_run_of_lines_alike_keeps_ten_and_one_summary() {
        // 1,000 checks alike (their details differ), then another event:
        // 10 shown, one line for the other 990 (with the 1,000th's time,
        // detail and failures), then the event: 12 lines.
        let mut t = Trace::default();
        for i in 0..1000 {
            t.push(line(f64::from(i) * 10.0, "measurement", f64::from(i)));
        }
        t.push(line(10_000.0, "set_weight", 1000.0));
        let v = t.take();
        assert_eq!(v.len(), 12);
        assert!(v[..10].iter().all(|e| e.event == "measurement"));
        assert_eq!(v[9].t_s, 90.0);
        assert_eq!(v[10].event, REPEATED);
        assert_eq!(
            v[10].detail,
            "990 more measurement with the pods and traffic unchanged; the last: 999 requests"
        );
        assert_eq!((v[10].t_s, v[10].failed_requests), (9990.0, 999.0));
        assert_eq!(v[10].new_traffic_share, 0.1);
        assert_eq!(v[11].event, "set_weight");
    }

    #[test]
    fn short_runs_and_changed_state_are_kept_whole() {
        // Ten lines alike are all shown; one whose state differs starts a
        // run of its own, and so does another event.
        let mut t = Trace::default();
        for i in 0..10 {
            t.push(line(f64::from(i), "measurement", 0.0));
        }
        let mut other = line(10.0, "measurement", 0.0);
        other.new_ready = 3;
        t.push(other);
        t.push(line(11.0, "measurement", 0.0));
        t.push(line(12.0, "booted", 0.0));
        let v = t.take();
        assert_eq!(v.len(), 13);
        assert!(v.iter().all(|e| e.event != REPEATED));
        assert!(t.take().is_empty());
    }
}
