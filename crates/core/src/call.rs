//! One operation from first attempt to final outcome, as a sans-IO state machine.
//!
//! A transport drives it in a loop: take the request with [`Call::start_attempt`], send it
//! however it likes, hand the response (or its failure) to [`Call::finish_attempt`], and
//! sleep when told to. Every decision (classification,
//! retry, limits, logging) is made here, once, for both transports.

use std::error::Error as StdError;
use std::fmt;
use std::time::{Duration, Instant};

use http::Response;

use crate::operation::{Now, Operation, RetrySafety};
use crate::request::HttpRequest;
use crate::response::{Accepted, ResponseError};
use crate::retry::{GiveUpReason, RetryAction, RetryClass, RetryPolicy};
use crate::transport::TransportError;

/// The response bodies transports read at most, by default: 1 MiB.
pub const DEFAULT_RESPONSE_BODY_LIMIT: u64 = 1024 * 1024;

/// An operation's result, with the number of attempts it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed<T> {
    value: T,
    attempts: u32,
}

impl<T> Completed<T> {
    /// What the successful answer was read into.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// Takes the value out.
    pub fn into_value(self) -> T {
        self.value
    }

    /// How many attempts were made, the successful one included (as
    /// [`CallError::attempts`] counts them for a failure).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

/// An accepted KYC submission.
pub type Submitted = Completed<Accepted>;

/// What made an operation fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallFailure {
    /// The API (or something in front of it) answered, and not with success.
    #[error(transparent)]
    Response(ResponseError),
    /// No usable answer arrived.
    #[error(transparent)]
    Transport(TransportError),
}

/// An operation that did not succeed, with what it was and the number of attempts made.
#[derive(Debug)]
pub struct CallError {
    operation: &'static str,
    safety: RetrySafety,
    /// Boxed: errors are rare, and a small `Result` keeps every success path cheap.
    failure: Box<CallFailure>,
    attempts: u32,
    gave_up: Option<GiveUpReason>,
}

impl CallError {
    /// What failed.
    pub fn failure(&self) -> &CallFailure {
        &self.failure
    }

    /// Takes the failure out.
    pub fn into_failure(self) -> CallFailure {
        *self.failure
    }

    /// The operation's name ("KYC submission", "contact lookup", ...).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// How many attempts were made.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Why a retryable failure was reported anyway, if that is what happened.
    pub fn gave_up(&self) -> Option<GiveUpReason> {
        self.gave_up
    }

    /// The API's answer, if one arrived.
    pub fn response_error(&self) -> Option<&ResponseError> {
        match &*self.failure {
            CallFailure::Response(e) => Some(e),
            CallFailure::Transport(_) => None,
        }
    }

    /// The transport failure, if that is what happened.
    pub fn transport_error(&self) -> Option<&TransportError> {
        match &*self.failure {
            CallFailure::Transport(e) => Some(e),
            CallFailure::Response(_) => None,
        }
    }

    /// 401: the merchant's credentials were refused (see
    /// [`ResponseError::is_credentials_refused`]).
    pub fn is_credentials_refused(&self) -> bool {
        self.response_error()
            .is_some_and(ResponseError::is_credentials_refused)
    }

    /// 422: the token or a field was refused; for a submission, ask for a new token (see
    /// [`ResponseError::is_submission_refused`]).
    pub fn is_submission_refused(&self) -> bool {
        self.response_error()
            .is_some_and(ResponseError::is_submission_refused)
    }

    /// Whether the API refused the request itself (400, 401, 404, 422).
    pub fn is_rejection(&self) -> bool {
        self.response_error()
            .is_some_and(ResponseError::is_rejection)
    }

    /// Whether the request may have taken effect even though no success arrived (timeouts
    /// after sending, dropped connections, 5xx). For a submission, the token may be spent:
    /// reconcile with the contact's status before asking the user for a new token.
    pub fn may_have_been_processed(&self) -> bool {
        match &*self.failure {
            CallFailure::Transport(e) => !e.kind().request_never_sent(),
            // A 4xx, whoever sent it (the API or a proxy in front of it), refused the request
            // before processing: the token was not spent.
            CallFailure::Response(e) => match e {
                ResponseError::ServerError { .. } => true,
                ResponseError::Unexpected { status, .. } => !status.is_client_error(),
                _ => false,
            },
        }
    }

    /// Whether the operation was one that may be repeated safely.
    pub fn retry_safety(&self) -> RetrySafety {
        self.safety
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.attempts == 1 { "" } else { "s" };
        write!(
            f,
            "{} failed after {} attempt{plural}: {}",
            self.operation, self.attempts, self.failure
        )?;
        match self.gave_up {
            Some(reason) => write!(f, "; gave up: {reason}"),
            None => Ok(()),
        }
    }
}

impl StdError for CallError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        // The failure's own text is already in ours; continue the chain below it.
        match &*self.failure {
            CallFailure::Response(e) => e.source(),
            CallFailure::Transport(e) => e.source(),
        }
    }
}

/// What the transport does next.
#[derive(Debug)]
#[must_use]
pub enum Step<T> {
    /// Sleep this long, then start another attempt.
    Sleep(Duration),
    /// The outcome.
    Done(Result<Completed<T>, CallError>),
}

/// One operation from first attempt to final outcome, as a sans-IO state machine.
///
/// ```
/// use std::time::{Instant, SystemTime};
/// use clever_kyc_core::*;
///
/// let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret")?)?;
/// let submission = KycSubmission::builder().email("a@example.com").token("tok").build()?;
/// let mut call = Call::new(SubmitKyc::new(&config, &submission), RetryPolicy::default());
///
/// // Any function from request to response is a transport; here, a canned answer.
/// let send = |_request: HttpRequest| -> Result<http::Response<Vec<u8>>, TransportError> {
///     Ok(http::Response::new(br#"{"status":"Ok"}"#.to_vec()))
/// };
/// let now = || Now::new(SystemTime::now(), Instant::now());
/// let outcome = loop {
///     let request = call.start_attempt(now());
///     match call.finish_attempt(send(request), now(), 0.5) {
///         Step::Sleep(delay) => std::thread::sleep(delay),
///         Step::Done(outcome) => break outcome,
///     }
/// };
/// assert_eq!(outcome?.attempts(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Call<O> {
    operation: O,
    policy: RetryPolicy,
    attempts: u32,
    /// When the first attempt started, from the first `now` given: the deadline counts from
    /// here, so a caller cannot switch it off by passing the wrong elapsed time.
    started: Option<Instant>,
}

/// Shows which operation and how far it got; never the requests, which hold secrets.
impl<O: Operation> fmt::Debug for Call<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("operation", &O::NAME)
            .field("attempts", &self.attempts)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<O: Operation> Call<O> {
    /// A call that has made no attempt yet.
    pub fn new(operation: O, policy: RetryPolicy) -> Self {
        Self {
            operation,
            policy,
            attempts: 0,
            started: None,
        }
    }

    /// The operation being made.
    pub fn operation(&self) -> &O {
        &self.operation
    }

    /// The request for the next attempt, built at `now`.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub fn start_attempt(&mut self, now: Now) -> HttpRequest {
        self.attempts += 1;
        self.started.get_or_insert(now.monotonic);
        let request = self.operation.request(now.wall);
        log!(debug,
            operation = O::NAME,
            attempt = self.attempts,
            method = %request.method(),
            path = request.uri().path(),
            "sending"
        );
        request
    }

    /// Attempts started so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Takes the result of the attempt just made and decides the next step.
    ///
    /// `now` is read after the attempt; `jitter` is a random number in `[0, 1)`.
    // Some values exist only for the log lines, which the `tracing` feature may leave out.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub fn finish_attempt<B: AsRef<[u8]>>(
        &mut self,
        result: Result<Response<B>, TransportError>,
        now: Now,
        jitter: f64,
    ) -> Step<O::Output> {
        let elapsed = self
            .started
            .map_or(Duration::ZERO, |start| now.since(start));
        let elapsed_ms = elapsed.as_millis() as u64;
        let (failure, class) = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                match self.operation.parse(&response) {
                    Ok(value) => {
                        log!(
                            info,
                            operation = O::NAME,
                            attempt = self.attempts,
                            status,
                            elapsed_ms,
                            "succeeded"
                        );
                        return Step::Done(Ok(Completed {
                            value,
                            attempts: self.attempts,
                        }));
                    }
                    Err(error) => {
                        log!(warn, operation = O::NAME, attempt = self.attempts, status, elapsed_ms, error = %error, "refused");
                        let class = RetryClass::of_response_error(&error, now.wall);
                        (CallFailure::Response(error), class)
                    }
                }
            }
            Err(error) => {
                log!(warn, operation = O::NAME, attempt = self.attempts, elapsed_ms, error = %crate::error_chain(&error), "transport failure");
                let class = RetryClass::of_transport_error(&error);
                (CallFailure::Transport(error), class)
            }
        };
        match self
            .policy
            .decide_for(O::SAFETY, class, self.attempts, elapsed, jitter)
        {
            RetryAction::RetryIn(delay) => {
                log!(
                    info,
                    operation = O::NAME,
                    attempt = self.attempts,
                    delay_ms = delay.as_millis() as u64,
                    "retrying"
                );
                Step::Sleep(delay)
            }
            RetryAction::Stop => Step::Done(Err(self.error(failure, None))),
            RetryAction::GiveUp(reason) => {
                log!(
                    warn,
                    operation = O::NAME,
                    attempt = self.attempts,
                    ?reason,
                    "giving up"
                );
                Step::Done(Err(self.error(failure, Some(reason))))
            }
        }
    }

    fn error(&self, failure: CallFailure, gave_up: Option<GiveUpReason>) -> CallError {
        CallError {
            operation: O::NAME,
            safety: O::SAFETY,
            failure: Box::new(failure),
            attempts: self.attempts,
            gave_up,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    use crate::config::{ApiConfig, Credentials, Environment};
    use crate::ops::SubmitKyc;
    use crate::submission::KycSubmission;
    use crate::transport::TransportErrorKind;

    fn now() -> Now {
        Now::new(SystemTime::UNIX_EPOCH, Instant::now())
    }

    fn call(policy: RetryPolicy) -> Call<SubmitKyc> {
        let config = ApiConfig::new(
            Environment::Sandbox,
            Credentials::new("app", "secret").unwrap(),
        )
        .unwrap();
        let sub = KycSubmission::builder()
            .email("a@example.com")
            .token("tok")
            .build()
            .unwrap();
        Call::new(SubmitKyc::new(&config, &sub), policy)
    }

    fn status(
        code: u16,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let mut builder = Response::builder().status(code);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        Ok(builder.body(body.as_bytes().to_vec()).unwrap())
    }

    /// Runs a scripted sequence of results; returns the outcome and the delays asked for.
    fn run(
        mut call: Call<SubmitKyc>,
        script: Vec<Result<Response<Vec<u8>>, TransportError>>,
    ) -> (Result<Submitted, CallError>, Vec<Duration>) {
        let mut delays = Vec::new();
        for result in script {
            let _request = call.start_attempt(now());
            match call.finish_attempt(result, now(), 0.5) {
                Step::Sleep(d) => delays.push(d),
                Step::Done(outcome) => return (outcome, delays),
            }
        }
        panic!("script ran out after {} attempts", call.attempts());
    }

    #[test]
    fn rate_limited_then_accepted_takes_two_attempts() {
        let (outcome, delays) = run(
            call(RetryPolicy::default()),
            vec![
                status(429, &[("retry-after", "1")], ""),
                status(200, &[], r#"{"status":"Ok"}"#),
            ],
        );
        assert_eq!(outcome.unwrap().attempts(), 2);
        assert_eq!(delays, vec![Duration::from_secs(1)]);
    }

    #[test]
    fn a_500_is_reported_after_one_attempt() {
        let (outcome, _) = run(call(RetryPolicy::default()), vec![status(500, &[], "oops")]);
        let err = outcome.unwrap_err();
        assert_eq!(err.attempts(), 1);
        assert!(err.may_have_been_processed());
        assert!(
            err.to_string()
                .starts_with("KYC submission failed after 1 attempt: the server failed with 500"),
            "{err}"
        );
    }

    #[test]
    fn connection_refused_is_retried_until_the_attempts_run_out() {
        let refused = || Err(TransportError::from_kind(TransportErrorKind::Connect));
        let (outcome, delays) = run(
            call(RetryPolicy::default()),
            vec![refused(), refused(), refused()],
        );
        let err = outcome.unwrap_err();
        assert_eq!(err.attempts(), 3);
        assert_eq!(delays.len(), 2);
        assert!(!err.may_have_been_processed());
    }

    #[test]
    fn every_attempt_sends_the_same_request() {
        let mut c = call(RetryPolicy::default());
        let a = c.start_attempt(now());
        let b = c.start_attempt(now());
        assert_eq!(a.body(), b.body());
        assert_eq!(a.headers(), b.headers());
        assert_eq!(c.attempts(), 2);
    }

    #[test]
    fn credentials_and_submission_refusals_are_told_apart() {
        let (outcome, _) = run(call(RetryPolicy::default()), vec![status(401, &[], "")]);
        let err = outcome.unwrap_err();
        assert!(err.is_credentials_refused() && !err.is_submission_refused());
        let (outcome, _) = run(
            call(RetryPolicy::default()),
            vec![status(
                422,
                &[],
                r#"{"errors":{"message":"Token is invalid or expired"}}"#,
            )],
        );
        let err = outcome.unwrap_err();
        assert!(err.is_submission_refused() && !err.is_credentials_refused());
    }

    #[test]
    fn a_proxy_4xx_page_means_the_token_was_not_spent() {
        let nginx_413 = "<html><head><title>413 Request Entity Too Large</title></head></html>";
        for (code, body) in [
            (413, nginx_413),
            (401, "<html>401</html>"),
            (422, ""),
            (403, "denied"),
        ] {
            let (outcome, _) = run(call(RetryPolicy::default()), vec![status(code, &[], body)]);
            let err = outcome.unwrap_err();
            assert!(!err.may_have_been_processed(), "{code}: {err}");
            assert_eq!(err.attempts(), 1, "{code}: not retried");
        }
    }

    /// A lookup may be repeated, so its 5xx, timeouts and dropped connections are retried;
    /// a submission's are not (see `a_500_is_reported_after_one_attempt`).
    #[test]
    fn idempotent_operations_retry_ambiguous_failures() {
        let config = ApiConfig::new(
            Environment::Sandbox,
            Credentials::new("app", "secret").unwrap(),
        )
        .unwrap();
        let email = crate::email::Email::parse("a@example.com").unwrap();
        let mut call = Call::new(
            crate::ops::ContactDetails::new(&config, &email),
            RetryPolicy::default().with_max_attempts(4),
        );
        let script = vec![
            status(503, &[], "<html>busy</html>"),
            Err(TransportError::from_kind(TransportErrorKind::Timeout)),
            Err(TransportError::from_kind(TransportErrorKind::Io)),
            status(404, &[], ""),
        ];
        let mut sleeps = 0;
        for result in script {
            let _ = call.start_attempt(now());
            match call.finish_attempt(result, now(), 0.5) {
                Step::Sleep(_) => sleeps += 1,
                Step::Done(outcome) => {
                    let done = outcome.unwrap();
                    assert_eq!((done.attempts(), done.value(), sleeps), (4, &None, 3));
                    return;
                }
            }
        }
        panic!("the lookup never finished");
    }

    #[test]
    fn the_deadline_counts_from_the_first_attempt_whatever_the_caller_passes() {
        // The caller cannot switch the deadline off: it is kept from the first `now`.
        let mut c = call(RetryPolicy::default().with_max_attempts(10));
        let t0 = Instant::now();
        let _ = c.start_attempt(Now::new(SystemTime::UNIX_EPOCH, t0));
        let late = Now::new(SystemTime::UNIX_EPOCH, t0 + Duration::from_secs(61));
        let refused = Err(TransportError::from_kind(TransportErrorKind::Connect));
        match c.finish_attempt::<Vec<u8>>(refused, late, 0.5) {
            Step::Done(Err(e)) => assert_eq!(e.gave_up(), Some(GiveUpReason::DeadlineExceeded)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_retry_after_past_the_deadline_gives_up_and_says_so() {
        let (outcome, delays) = run(
            call(RetryPolicy::default()),
            vec![status(429, &[("retry-after", "99999999999999999999")], "")],
        );
        let err = outcome.unwrap_err();
        assert!(delays.is_empty());
        let text = err.to_string();
        assert!(text.contains("deadline"), "{text}");
        assert!(!text.contains("no Retry-After"), "{text}");
    }
}
