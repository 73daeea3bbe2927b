//! When to try a submission again: a pure decision, with time and randomness passed in.
//!
//! A submission spends a single-use share token and the API has no idempotency key, so the
//! default policy retries only when the request provably never reached the server, or when
//! the server explicitly asked for a later retry (429 or 503 with `Retry-After`).

use std::time::{Duration, SystemTime};

use crate::operation::RetrySafety;
use crate::response::ResponseError;
use crate::transport::TransportError;

/// What an attempt's result means for retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Accepted, or refused in a way a retry cannot change.
    Final,
    /// The request never reached the server: safe to send again.
    NeverSent,
    /// The server asked to be retried after this long (429 or 503 with `Retry-After`).
    ServerAskedToWait(Duration),
    /// The request may have been processed (timeout after sending, dropped connection, 5xx):
    /// retrying risks submitting the token twice.
    Ambiguous,
}

impl RetryClass {
    /// Classifies a failed attempt. `now` turns an HTTP-date `Retry-After` into a delay.
    pub fn of_response_error(error: &ResponseError, now: SystemTime) -> Self {
        match error {
            ResponseError::RateLimited {
                retry_after: Some(after),
            } => Self::ServerAskedToWait(after.delay_from(now)),
            ResponseError::ServerError {
                status,
                retry_after: Some(after),
                ..
            } if status.as_u16() == 503 => Self::ServerAskedToWait(after.delay_from(now)),
            // 429 without Retry-After: the server refused to process it, but gave no pace.
            ResponseError::RateLimited { retry_after: None }
            | ResponseError::ServerError { .. } => Self::Ambiguous,
            _ => Self::Final,
        }
    }

    /// Classifies a transport failure.
    pub fn of_transport_error(error: &TransportError) -> Self {
        use crate::transport::TransportErrorKind as K;
        match error.kind() {
            kind if kind.request_never_sent() => Self::NeverSent,
            K::BodyTooLarge { .. } | K::RedirectFollowed => Self::Final,
            _ => Self::Ambiguous,
        }
    }
}

/// The next step after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAction {
    /// Send the request again after this delay.
    RetryIn(Duration),
    /// The result is final: report it.
    Stop,
    /// The result was retryable, but the policy's budget is spent: report it.
    GiveUp(GiveUpReason),
}

/// Why a retryable result is reported anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUpReason {
    /// The maximum number of attempts was made.
    AttemptsExhausted,
    /// Waiting would pass the overall deadline.
    DeadlineExceeded,
}

impl std::fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::AttemptsExhausted => "no attempts left",
            Self::DeadlineExceeded => "waiting as asked would pass the call's deadline",
        })
    }
}

/// How many times, and when, to try a submission.
///
/// ```
/// use std::time::Duration;
/// use clever_kyc_core::{retry::RetryAction, retry::RetryClass, RetryPolicy};
///
/// let policy = RetryPolicy::default();
/// // Connection refused on the first attempt: retry after a jittered backoff.
/// let action = policy.decide(RetryClass::NeverSent, 1, Duration::ZERO, 0.5);
/// assert_eq!(action, RetryAction::RetryIn(Duration::from_millis(100)));
/// // A read timeout: the token may be spent, so never retried by default.
/// assert_eq!(policy.decide(RetryClass::Ambiguous, 1, Duration::ZERO, 0.5), RetryAction::Stop);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    deadline: Option<Duration>,
    retry_ambiguous: bool,
}

impl Default for RetryPolicy {
    /// Safe for single-use tokens: 3 attempts, 200 ms initial backoff doubling up to 5 s with
    /// full jitter, `Retry-After` honoured up to 30 s, 60 s overall, never an ambiguous retry.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            deadline: Some(Duration::from_secs(60)),
            retry_ambiguous: false,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn never() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// The most attempts in all, including the first (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the first retry; it doubles each time (before jitter).
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest backoff (before jitter).
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest `Retry-After` honoured; longer requests that still end before the
    /// deadline are clamped to this, and those ending past it give up.
    pub fn with_max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// The overall time budget across attempts, or `None` for no deadline.
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Also retries timeouts, dropped connections and 5xx answers.
    ///
    /// # Security
    /// The API has no idempotency key: if the first request was processed, the retry spends
    /// the share token a second time and is answered with an error, and the outcome then
    /// reported is that error rather than the first acceptance. Opt in only if you reconcile
    /// with the contact's status afterwards.
    pub fn retrying_ambiguous_failures_risking_double_submission(mut self) -> Self {
        self.retry_ambiguous = true;
        self
    }

    /// The maximum number of attempts.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Whether ambiguous failures are retried.
    pub fn retries_ambiguous_failures(&self) -> bool {
        self.retry_ambiguous
    }

    /// Decides what follows an attempt of an operation that is not safe to repeat (a
    /// submission): [`decide_for`](Self::decide_for) with [`RetrySafety::AtMostOnce`].
    pub fn decide(
        &self,
        class: RetryClass,
        attempts_made: u32,
        elapsed: Duration,
        jitter: f64,
    ) -> RetryAction {
        self.decide_for(
            RetrySafety::AtMostOnce,
            class,
            attempts_made,
            elapsed,
            jitter,
        )
    }

    /// Decides what follows an attempt of an operation with the given safety. An
    /// [`Idempotent`](RetrySafety::Idempotent) operation's ambiguous failures are retried
    /// whatever [`retries_ambiguous_failures`](Self::retries_ambiguous_failures) says.
    ///
    /// `attempts_made` counts the attempt just finished (1 after the first); `elapsed` is the
    /// time since the first attempt started; `jitter` is a random number in `[0, 1)` (values
    /// outside are clamped), used for full jitter: the backoff is `jitter × min(max_backoff,
    /// initial_backoff × 2^(attempts_made − 1))`.
    pub fn decide_for(
        &self,
        safety: RetrySafety,
        class: RetryClass,
        attempts_made: u32,
        elapsed: Duration,
        jitter: f64,
    ) -> RetryAction {
        let retry_ambiguous = self.retry_ambiguous || safety == RetrySafety::Idempotent;
        let delay = match class {
            RetryClass::Final => return RetryAction::Stop,
            RetryClass::Ambiguous if !retry_ambiguous => return RetryAction::Stop,
            // A wait the server asks for that ends past the deadline is not shortened into an
            // early retry: the call gives up, saying the deadline would pass.
            RetryClass::ServerAskedToWait(wait)
                if self
                    .deadline
                    .is_some_and(|deadline| elapsed.saturating_add(wait) >= deadline) =>
            {
                return RetryAction::GiveUp(GiveUpReason::DeadlineExceeded);
            }
            RetryClass::ServerAskedToWait(wait) => wait.min(self.max_retry_after),
            RetryClass::NeverSent | RetryClass::Ambiguous => self.backoff(attempts_made, jitter),
        };
        if attempts_made >= self.max_attempts {
            return RetryAction::GiveUp(GiveUpReason::AttemptsExhausted);
        }
        if let Some(deadline) = self.deadline
            && elapsed.saturating_add(delay) >= deadline
        {
            return RetryAction::GiveUp(GiveUpReason::DeadlineExceeded);
        }
        RetryAction::RetryIn(delay)
    }

    fn backoff(&self, attempts_made: u32, jitter: f64) -> Duration {
        let doublings = attempts_made.saturating_sub(1).min(30);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        ceiling.mul_f64(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    use crate::response::RetryAfter;
    use crate::snippet::BodySnippet;
    use crate::transport::TransportErrorKind;

    const T0: Duration = Duration::ZERO;

    #[test]
    fn the_default_never_retries_what_may_have_been_processed() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(RetryClass::Ambiguous, 1, T0, 0.9),
            RetryAction::Stop
        );
        assert_eq!(p.decide(RetryClass::Final, 1, T0, 0.9), RetryAction::Stop);
    }

    #[test]
    fn backoff_is_full_jitter_under_a_doubling_cap() {
        let p = RetryPolicy::default().with_max_attempts(10);
        assert_eq!(
            p.decide(RetryClass::NeverSent, 1, T0, 1.0),
            RetryAction::RetryIn(Duration::from_millis(200))
        );
        assert_eq!(
            p.decide(RetryClass::NeverSent, 2, T0, 1.0),
            RetryAction::RetryIn(Duration::from_millis(400))
        );
        assert_eq!(
            p.decide(RetryClass::NeverSent, 3, T0, 0.25),
            RetryAction::RetryIn(Duration::from_millis(200))
        );
        assert_eq!(
            p.decide(RetryClass::NeverSent, 9, T0, 1.0),
            RetryAction::RetryIn(Duration::from_secs(5))
        );
        assert_eq!(
            p.decide(RetryClass::NeverSent, 1, T0, 0.0),
            RetryAction::RetryIn(Duration::ZERO)
        );
        assert_eq!(
            p.decide(RetryClass::NeverSent, 1, T0, f64::NAN),
            RetryAction::RetryIn(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_is_honoured_and_clamped() {
        let p = RetryPolicy::default();
        let wait = |s| RetryClass::ServerAskedToWait(Duration::from_secs(s));
        assert_eq!(
            p.decide(wait(2), 1, T0, 0.0),
            RetryAction::RetryIn(Duration::from_secs(2))
        );
        assert_eq!(
            p.decide(wait(45), 1, T0, 0.0),
            RetryAction::RetryIn(Duration::from_secs(30)),
            "under the deadline, clamped"
        );
        assert_eq!(
            p.decide(wait(3600), 1, T0, 0.0),
            RetryAction::GiveUp(GiveUpReason::DeadlineExceeded),
            "past the deadline: not shortened into an early retry"
        );
    }

    #[test]
    fn attempts_and_deadline_bound_the_retries() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(RetryClass::NeverSent, 3, T0, 0.5),
            RetryAction::GiveUp(GiveUpReason::AttemptsExhausted)
        );
        assert_eq!(
            p.decide(
                RetryClass::ServerAskedToWait(Duration::from_secs(10)),
                1,
                Duration::from_secs(55),
                0.5
            ),
            RetryAction::GiveUp(GiveUpReason::DeadlineExceeded)
        );
        assert_eq!(
            RetryPolicy::never().decide(RetryClass::NeverSent, 1, T0, 0.5),
            RetryAction::GiveUp(GiveUpReason::AttemptsExhausted)
        );
    }

    #[test]
    fn the_opt_in_policy_retries_ambiguous_failures() {
        let p = RetryPolicy::default().retrying_ambiguous_failures_risking_double_submission();
        assert!(matches!(
            p.decide(RetryClass::Ambiguous, 1, T0, 0.5),
            RetryAction::RetryIn(_)
        ));
    }

    #[test]
    fn classification_follows_the_single_use_rule() {
        let now = SystemTime::UNIX_EPOCH;
        let ra = Some(RetryAfter::Delay(Duration::from_secs(1)));
        let server = |code: u16, retry_after| ResponseError::ServerError {
            status: StatusCode::from_u16(code).unwrap(),
            retry_after,
            body: BodySnippet::new(b""),
        };
        assert_eq!(
            RetryClass::of_response_error(&server(503, ra), now),
            RetryClass::ServerAskedToWait(Duration::from_secs(1))
        );
        assert_eq!(
            RetryClass::of_response_error(&server(503, None), now),
            RetryClass::Ambiguous
        );
        assert_eq!(
            RetryClass::of_response_error(&server(500, ra), now),
            RetryClass::Ambiguous
        );
        assert_eq!(
            RetryClass::of_response_error(&ResponseError::RateLimited { retry_after: ra }, now),
            RetryClass::ServerAskedToWait(Duration::from_secs(1))
        );
        assert_eq!(
            RetryClass::of_response_error(
                &ResponseError::Unauthorized {
                    code: None,
                    message: None,
                    body: crate::response::BodySnippet::new(b"")
                },
                now
            ),
            RetryClass::Final
        );
        let refused = TransportError::from_kind(TransportErrorKind::Connect);
        assert_eq!(
            RetryClass::of_transport_error(&refused),
            RetryClass::NeverSent
        );
        let timeout = TransportError::from_kind(TransportErrorKind::Timeout);
        assert_eq!(
            RetryClass::of_transport_error(&timeout),
            RetryClass::Ambiguous
        );
    }
}
