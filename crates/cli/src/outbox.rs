//! `listen --forward-to`: delivering the store's outbox to the merchant's service.
//!
//! Once a callback is committed and answered 200, its delivery is the listener's job: a
//! loop claims waiting events from the store (leases, so replicas never post one event at
//! once), posts each, and settles it: delivered on 2xx, due again after a capped, jittered
//! exponential backoff otherwise, parked past `--forward-give-up-after`. It resumes whatever
//! is waiting when the listener starts.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clever_kyc_core::callback::IdempotencyKey;
use clever_kyc_core::transport::error_chain;
use clever_kyc_receive::{AsyncStore, CallbackStore, OutboxClaim, PendingEvent};
use futures_util::future::join_all;
use tokio::sync::{Notify, watch};

use crate::forward::Forwarder;

/// Events claimed per round.
const BATCH: usize = 32;
/// How often the loop looks for events that became due, when nothing wakes it.
const POLL: Duration = Duration::from_millis(500);
/// The first wait after a failure; it doubles up to the configured maximum.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// The listener's store, reached from async code.
pub(crate) type Store = AsyncStore<dyn CallbackStore>;

/// `clever_kyc_forward_backlog` and `clever_kyc_forwards_total{result}`.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutboxMetrics {
    backlog: prometheus_client::metrics::gauge::Gauge,
    forwards: prometheus_client::metrics::family::Family<
        Vec<(&'static str, &'static str)>,
        prometheus_client::metrics::counter::Counter,
    >,
}

impl OutboxMetrics {
    pub(crate) fn register(&self, registry: &mut prometheus_client::registry::Registry) {
        // Every series from the start, at 0: dashboards and alerts see them before traffic.
        for result in ["delivered", "failed"] {
            drop(self.forwards.get_or_create(&vec![("result", result)]));
        }
        registry.register(
            "clever_kyc_forward_backlog",
            "Committed events waiting to be forwarded",
            self.backlog.clone(),
        );
        registry.register(
            "clever_kyc_forwards",
            "Forward attempts, by result: delivered (2xx) or failed",
            self.forwards.clone(),
        );
    }

    fn forwarded(&self, delivered: bool) {
        let result = if delivered { "delivered" } else { "failed" };
        self.forwards.get_or_create(&vec![("result", result)]).inc();
    }
}

/// How the outbox is delivered.
#[derive(Debug, Clone)]
pub(crate) struct OutboxPolicy {
    pub(crate) max_backoff: Duration,
    /// `None`: retry for ever.
    pub(crate) give_up_after: Option<Duration>,
    /// How long a claim holds: past it, another replica may deliver the event.
    pub(crate) lease: Duration,
    pub(crate) metrics: OutboxMetrics,
}

impl OutboxPolicy {
    /// The wait before attempt `attempts + 1`: full jitter under a doubling cap.
    fn backoff(&self, attempts: u32, jitter: f64) -> Duration {
        let doubled =
            FIRST_BACKOFF.saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1).min(30)));
        let ceiling = doubled.min(self.max_backoff);
        // At least half the ceiling: a failing target is not hammered.
        ceiling.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
    }
}

/// The outbox loop's handle: wakes it when an event is committed, stops it at shutdown.
#[derive(Debug, Clone)]
pub(crate) struct OutboxWaker {
    wake: Arc<Notify>,
}

impl OutboxWaker {
    /// An event was committed: look now rather than at the next poll.
    pub(crate) fn committed(&self) {
        self.wake.notify_one();
    }
}

/// Starts the loop on the current runtime; it runs until `stop` turns true.
pub(crate) fn start(
    store: Store,
    forwarder: Forwarder,
    policy: OutboxPolicy,
    stop: watch::Receiver<bool>,
) -> (OutboxWaker, tokio::task::JoinHandle<()>) {
    let wake = Arc::new(Notify::new());
    let waker = OutboxWaker {
        wake: Arc::clone(&wake),
    };
    let owner = format!(
        "listen-{}-{:x}",
        std::process::id(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let task = tokio::spawn(run(store, forwarder, policy, owner, wake, stop));
    (waker, task)
}

async fn run(
    store: Store,
    forwarder: Forwarder,
    policy: OutboxPolicy,
    owner: String,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        if let Ok(waiting) = store.backlog().await {
            policy
                .metrics
                .backlog
                .set(i64::try_from(waiting).unwrap_or(i64::MAX));
        }
        let claim = OutboxClaim::new(owner.clone(), SystemTime::now(), policy.lease, BATCH);
        let claimed = store.claim(&claim).await;
        let pause = match claimed {
            Ok(events) if !events.is_empty() => {
                let deliveries = events
                    .into_iter()
                    .map(|pending| deliver(&store, &forwarder, &policy, pending));
                join_all(deliveries).await;
                continue;
            }
            Ok(_) => POLL,
            Err(e) => {
                tracing::warn!(
                    "could not read the outbox: {}; trying again",
                    error_chain(&e)
                );
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Posts one event and settles it in the store.
async fn deliver(
    store: &Store,
    forwarder: &Forwarder,
    policy: &OutboxPolicy,
    pending: PendingEvent,
) {
    let key = pending.event.idempotency_key;
    let attempt = pending.attempts + 1;
    let result = forwarder.post_stored(&pending.event).await;
    let now = SystemTime::now();
    let settled = match result {
        Ok(()) => {
            policy.metrics.forwarded(true);
            tracing::info!(key = %key, attempt, "event forwarded");
            store.delivered(&key, now).await
        }
        Err(error) => {
            policy.metrics.forwarded(false);
            let age = now
                .duration_since(pending.event.received_at)
                .unwrap_or_default();
            let park = policy.give_up_after.is_some_and(|limit| age >= limit);
            let retry_at = now + policy.backoff(attempt, fastrand_like(&key, attempt));
            if park {
                tracing::error!(
                    key = %key,
                    attempt,
                    "giving up forwarding an event after {}s: {}; it stays in the store (see `clever-kyc events`)",
                    age.as_secs(),
                    error_chain(&error)
                );
            } else {
                tracing::warn!(
                    key = %key,
                    attempt,
                    "could not forward an event: {}; trying again in {}s",
                    error_chain(&error),
                    retry_at.duration_since(now).unwrap_or_default().as_secs()
                );
            }
            store.failed(&key, retry_at, park).await
        }
    };
    if let Err(e) = settled {
        // The lease ends and the event is delivered again: at least once, never lost.
        tracing::warn!(key = %key, "could not record a delivery: {}", error_chain(&e));
    }
}

/// A jitter in [0, 1) from the key and the attempt: spread without a random source.
fn fastrand_like(key: &IdempotencyKey, attempt: u32) -> f64 {
    let bytes = key.to_hex();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes.bytes().chain(attempt.to_le_bytes()) {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_under_its_cap_with_jitter() {
        let policy = OutboxPolicy {
            max_backoff: Duration::from_secs(300),
            give_up_after: None,
            lease: Duration::from_secs(60),
            metrics: OutboxMetrics::default(),
        };
        assert_eq!(policy.backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(policy.backoff(3, 1.0), Duration::from_secs(4));
        assert_eq!(policy.backoff(3, 0.0), Duration::from_secs(2));
        assert_eq!(policy.backoff(40, 1.0), Duration::from_secs(300));
        assert_eq!(policy.backoff(u32::MAX, 0.0), Duration::from_secs(150));
    }
}
