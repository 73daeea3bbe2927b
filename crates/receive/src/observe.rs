//! What the receiver reports through `tracing`, so that a forged callback or a failing
//! handler leaves a trace: every refusal (its status and reason, never the `Authorization`
//! value), every store or handler failure (with its error text), and every commit.
//!
//! Events have the target `clever_kyc::receive`. Refusals are limited to
//! [`REFUSALS_PER_SECOND`] a second, with the number left out reported after, so that a
//! flood of forged callbacks does not become a flood of log lines.

use std::sync::Mutex;
use std::time::Instant;

use clever_kyc_core::budget::LogBudget;
use clever_kyc_core::transport::error_chain;

use crate::inbox::{InboxError, Receipt};
use crate::store::Recorded;

/// Refusal events logged a second at most.
pub const REFUSALS_PER_SECOND: u32 = 20;

static REFUSALS: Mutex<Option<LogBudget>> = Mutex::new(None);

/// Reports a callback that did not end in a 200; a commit was reported when it happened.
pub(crate) fn callback(result: &Result<Receipt, InboxError>) {
    if let Err(error) = result {
        failed(error);
    }
}

/// Reports a commit (or a redelivery of a committed event), as it happens: the handler may
/// still fail after it.
pub(crate) fn committed(receipt: &Receipt) {
    let submission = receipt
        .callback
        .submission_id()
        .map(ToString::to_string)
        .unwrap_or_default();
    let key = receipt.callback.idempotency_key();
    match receipt.recorded {
        Recorded::New => tracing::info!(
            target: "clever_kyc::receive",
            submission = %submission,
            key = %key,
            "callback committed"
        ),
        Recorded::Duplicate { handled } => tracing::info!(
            target: "clever_kyc::receive",
            submission = %submission,
            key = %key,
            handled,
            "duplicate callback acknowledged"
        ),
    }
}

/// Reports a callback that was not acknowledged. Its text is the error's chain, which names
/// what was wrong and never holds a header value.
pub(crate) fn failed(error: &InboxError) {
    let status = error.http_status().as_u16();
    if error.http_status().is_server_error() {
        // A store or handler failure: always logged, with the handler's own words.
        tracing::error!(
            target: "clever_kyc::receive",
            status,
            error = %error_chain(error),
            "callback failed; answered {status} so that it is delivered again"
        );
        return;
    }
    let admitted = REFUSALS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get_or_insert_with(|| LogBudget::new(REFUSALS_PER_SECOND))
        .admit(Instant::now());
    let Some(suppressed) = admitted else {
        return;
    };
    if suppressed > 0 {
        tracing::warn!(target: "clever_kyc::receive", suppressed, "refusals were not logged: too many");
    }
    tracing::warn!(
        target: "clever_kyc::receive",
        status,
        reason = %error_chain(error),
        "callback refused"
    );
}
