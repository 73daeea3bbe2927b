//! The simulator's shared state.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::Notify;

use crate::config::MockConfig;
use crate::contacts::ContactBook;
use crate::fault::Fault;
use crate::history::History;
use crate::records::{DeliveryAttempt, RequestRecord, SubmissionRecord};
use crate::tokens::TokenBook;

#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) tokens: TokenBook,
    pub(crate) contacts: ContactBook,
    pub(crate) requests: History<RequestRecord>,
    pub(crate) submissions: History<SubmissionRecord>,
    pub(crate) deliveries: History<DeliveryAttempt>,
    /// Injected faults, each with how many more requests it applies to.
    pub(crate) queued_faults: VecDeque<(Fault, u64)>,
    pub(crate) default_fault: Option<Fault>,
}

/// Shared by every handler and delivery task.
#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) config: MockConfig,
    pub(crate) started: Instant,
    state: Mutex<State>,
    /// Woken on every new delivery attempt, for waiters.
    pub(crate) delivery_made: Notify,
}

impl Store {
    pub(crate) fn new(config: MockConfig) -> Self {
        Self {
            config,
            started: Instant::now(),
            state: Mutex::new(State::default()),
            delivery_made: Notify::new(),
        }
    }

    /// The state, even if a panicking thread poisoned the lock: every update leaves it
    /// consistent, so the simulator keeps serving.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The fault for the next request: a queued one first, else the default.
    pub(crate) fn next_fault(&self) -> Option<Fault> {
        let mut state = self.lock();
        if let Some((fault, remaining)) = state.queued_faults.front_mut() {
            let fault = fault.clone();
            *remaining -= 1;
            if *remaining == 0 {
                state.queued_faults.pop_front();
            }
            return Some(fault);
        }
        state.default_fault.clone()
    }

    pub(crate) fn record_delivery(&self, attempt: DeliveryAttempt) {
        self.config
            .metrics
            .delivery(attempt.http_status.is_some_and(|s| (200..300).contains(&s)));
        self.lock().deliveries.push(attempt);
        self.delivery_made.notify_waiters();
    }
}
