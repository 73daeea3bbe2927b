//! A budget of log lines per second, with time as an argument: a flood of refused requests
//! must not become a flood of log lines, and what was left out is still counted.

use std::time::{Duration, Instant};

/// Admits at most `per_second` events a second and counts the rest, to be reported with the
/// next event admitted. The caller passes the time (the core reads no clock).
///
/// ```
/// use std::time::{Duration, Instant};
/// use clever_kyc_core::budget::LogBudget;
///
/// let mut budget = LogBudget::new(2);
/// let t0 = Instant::now();
/// assert_eq!(budget.admit(t0), Some(0));
/// assert_eq!(budget.admit(t0), Some(0));
/// assert_eq!(budget.admit(t0), None); // over budget: counted
/// assert_eq!(budget.admit(t0 + Duration::from_secs(1)), Some(1)); // one was left out
/// ```
#[derive(Debug, Clone)]
pub struct LogBudget {
    per_second: u32,
    window_start: Option<Instant>,
    admitted: u32,
    suppressed: u64,
}

impl LogBudget {
    /// A budget of `per_second` events a second.
    pub fn new(per_second: u32) -> Self {
        Self {
            per_second,
            window_start: None,
            admitted: 0,
            suppressed: 0,
        }
    }

    /// Whether an event at `now` may be logged: `Some(n)` with the number left out since the
    /// last one admitted, or `None` when it is over budget (and counted).
    pub fn admit(&mut self, now: Instant) -> Option<u64> {
        let fresh = self
            .window_start
            .is_none_or(|start| now.saturating_duration_since(start) >= Duration::from_secs(1));
        if fresh {
            self.window_start = Some(now);
            self.admitted = 0;
        }
        if self.admitted >= self.per_second {
            self.suppressed += 1;
            return None;
        }
        self.admitted += 1;
        Some(std::mem::take(&mut self.suppressed))
    }
}
