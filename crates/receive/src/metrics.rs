//! What receiving reports to Prometheus, into a registry the embedding service owns, so that
//! its callbacks show on its own `/metrics` under the same names as `clever-kyc listen`'s.

use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::inbox::{InboxError, Receipt};
use crate::store::Recorded;

/// How a callback ended, as the `outcome` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types)]
enum CallbackOutcome {
    /// Committed, first delivery.
    accepted,
    /// A redelivery of a committed event.
    duplicate,
    /// Answered 4xx.
    refused,
    /// Answered 5xx.
    failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: CallbackOutcome,
}

/// The receiver's metrics: `clever_kyc_callbacks_total{outcome}` and
/// `clever_kyc_callback_commit_seconds`. Cheap to clone; every clone counts into the same
/// series.
///
/// ```
/// use prometheus_client::registry::Registry;
/// use clever_kyc_receive::{CallbackInbox, MemoryStore, ReceiveMetrics};
///
/// let mut registry = Registry::default(); // the service's own
/// let metrics = ReceiveMetrics::default();
/// metrics.register(&mut registry);
/// let inbox = CallbackInbox::new(MemoryStore::new()).with_metrics(metrics);
/// # drop(inbox);
/// ```
#[derive(Debug, Clone)]
pub struct ReceiveMetrics {
    callbacks: Family<OutcomeLabel, Counter>,
    /// The family's four series, taken once: counting a callback then costs one atomic add,
    /// no label hashing or lock.
    by_outcome: [Counter; 4],
    commit_seconds: Histogram,
}

impl Default for ReceiveMetrics {
    fn default() -> Self {
        let callbacks = Family::<OutcomeLabel, Counter>::default();
        let by_outcome =
            OUTCOMES.map(|outcome| callbacks.get_or_create(&OutcomeLabel { outcome }).clone());
        Self {
            callbacks,
            by_outcome,
            // 0.5 ms to about 16 s.
            commit_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 16)),
        }
    }
}

/// Every outcome, in the order of [`ReceiveMetrics::by_outcome`].
const OUTCOMES: [CallbackOutcome; 4] = [
    CallbackOutcome::accepted,
    CallbackOutcome::duplicate,
    CallbackOutcome::refused,
    CallbackOutcome::failed,
];

impl ReceiveMetrics {
    /// Adds the metrics to `registry` under their fixed names.
    pub fn register(&self, registry: &mut Registry) {
        // Every series exists from the start (made in `default`), at 0: dashboards and
        // alerts see them before traffic.
        registry.register(
            "clever_kyc_callbacks",
            "Callbacks answered, by outcome: accepted, duplicate, refused (4xx), failed (5xx)",
            self.callbacks.clone(),
        );
        registry.register(
            "clever_kyc_callback_commit_seconds",
            "Seconds from a callback's body received to its commit in the store",
            self.commit_seconds.clone(),
        );
    }

    /// Counts one callback's outcome.
    pub(crate) fn callback(&self, result: &Result<Receipt, InboxError>) {
        let index = match result {
            Ok(receipt) if matches!(receipt.recorded, Recorded::New) => 0,
            Ok(_) => 1,
            Err(error) if error.http_status().is_server_error() => 3,
            Err(_) => 2,
        };
        self.by_outcome[index].inc();
    }

    /// Notes how long a commit took.
    pub(crate) fn committed_in(&self, took: Duration) {
        self.commit_seconds.observe(took.as_secs_f64());
    }
}
