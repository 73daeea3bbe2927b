//! One submission from first attempt to final outcome, as a sans-IO state machine.
//!
//! A transport drives it in a loop: take the request with [`SubmitCall::start_attempt`],
//! send it however it likes, hand the response (or its failure) to
//! [`SubmitCall::finish_attempt`], and sleep when told to. Every decision (classification,
//! retry, limits, logging) is made here, once, for both transports.

use std::error::Error as StdError;
use std::fmt;
use std::time::{Duration, SystemTime};

use http::Response;

use crate::config::ApiConfig;
use crate::request::{HttpRequest, build_submit_request, copy_request};
use crate::response::{Accepted, ResponseError, parse_submit_response};
use crate::retry::{GiveUpReason, RetryAction, RetryClass, RetryPolicy};
use crate::submission::KycSubmission;
use crate::transport::TransportError;

/// The response bodies transports read at most, by default: 1 MiB.
pub const DEFAULT_RESPONSE_BODY_LIMIT: u64 = 1024 * 1024;

/// The submission was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// The `status` word as the API sent it ("Ok" or "OK").
    pub status: String,
    /// How many attempts were made, the successful one included.
    pub attempts: u32,
}

/// What made a submission fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitFailure {
    /// The API (or something in front of it) answered, and not with acceptance.
    #[error(transparent)]
    Response(ResponseError),
    /// No usable answer arrived.
    #[error(transparent)]
    Transport(TransportError),
}

/// A submission that was not accepted, with the number of attempts made.
#[derive(Debug)]
pub struct SubmitError {
    failure: SubmitFailure,
    attempts: u32,
    gave_up: Option<GiveUpReason>,
}

impl SubmitError {
    /// What failed.
    pub fn failure(&self) -> &SubmitFailure {
        &self.failure
    }

    /// Takes the failure out.
    pub fn into_failure(self) -> SubmitFailure {
        self.failure
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
        match &self.failure {
            SubmitFailure::Response(e) => Some(e),
            SubmitFailure::Transport(_) => None,
        }
    }

    /// The transport failure, if that is what happened.
    pub fn transport_error(&self) -> Option<&TransportError> {
        match &self.failure {
            SubmitFailure::Transport(e) => Some(e),
            SubmitFailure::Response(_) => None,
        }
    }

    /// 401: the merchant's credentials were refused (see
    /// [`ResponseError::is_credentials_refused`]).
    pub fn is_credentials_refused(&self) -> bool {
        self.response_error()
            .is_some_and(ResponseError::is_credentials_refused)
    }

    /// 422: the token or a field was refused; ask for a new token (see
    /// [`ResponseError::is_submission_refused`]).
    pub fn is_submission_refused(&self) -> bool {
        self.response_error()
            .is_some_and(ResponseError::is_submission_refused)
    }

    /// Whether the API refused the submission itself (400, 401, 422).
    pub fn is_rejection(&self) -> bool {
        self.response_error()
            .is_some_and(ResponseError::is_rejection)
    }

    /// Whether the token may have been spent even though no acceptance arrived (timeouts
    /// after sending, dropped connections, 5xx): check the contact's KYC status before
    /// asking the user for a new token.
    pub fn may_have_been_processed(&self) -> bool {
        match &self.failure {
            SubmitFailure::Transport(e) => !e.kind().request_never_sent(),
            // A 4xx, whoever sent it (the API or a proxy in front of it), refused the request
            // before processing: the token was not spent.
            SubmitFailure::Response(e) => match e {
                ResponseError::ServerError { .. } => true,
                ResponseError::Unexpected { status, .. } => !status.is_client_error(),
                _ => false,
            },
        }
    }
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.attempts == 1 { "" } else { "s" };
        write!(
            f,
            "KYC submission failed after {} attempt{plural}: {}",
            self.attempts, self.failure
        )?;
        match self.gave_up {
            Some(reason) => write!(f, "; gave up: {reason}"),
            None => Ok(()),
        }
    }
}

impl StdError for SubmitError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        // The failure's own text is already in ours; continue the chain below it.
        match &self.failure {
            SubmitFailure::Response(e) => e.source(),
            SubmitFailure::Transport(e) => e.source(),
        }
    }
}

/// What the transport does next.
#[derive(Debug)]
pub enum Step {
    /// Sleep this long, then start another attempt.
    RetryAfter(Duration),
    /// The outcome.
    Done(Result<Submitted, SubmitError>),
}

/// The state of one submission across its attempts.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use clever_kyc_core::*;
///
/// let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret")?)?;
/// let submission = KycSubmission::builder().email("a@example.com").token("tok").build()?;
/// let mut call = SubmitCall::new(&config, &submission, RetryPolicy::default());
///
/// // Any function from request to response is a transport; here, a canned answer.
/// let send = |_request: HttpRequest| -> Result<http::Response<Vec<u8>>, TransportError> {
///     Ok(http::Response::new(br#"{"status":"Ok"}"#.to_vec()))
/// };
/// let outcome = loop {
///     let request = call.start_attempt();
///     match call.finish_attempt(send(request), SystemTime::now(), Duration::ZERO, 0.5) {
///         Step::RetryAfter(delay) => std::thread::sleep(delay),
///         Step::Done(outcome) => break outcome,
///     }
/// };
/// assert_eq!(outcome?.attempts, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SubmitCall {
    request: HttpRequest,
    policy: RetryPolicy,
    attempts: u32,
}

/// Shows where the call goes and how far it got; never the headers or body, which hold the
/// secret-key, the token and the callback authorization value.
impl fmt::Debug for SubmitCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubmitCall")
            .field("method", self.request.method())
            .field("uri", self.request.uri())
            .field("attempts", &self.attempts)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl SubmitCall {
    /// Builds the request once; every attempt sends the same bytes.
    pub fn new(config: &ApiConfig, submission: &KycSubmission, policy: RetryPolicy) -> Self {
        Self::from_request(build_submit_request(config, submission), policy)
    }

    /// Drives an already-built request (for callers that add headers, e.g. tracing ids).
    pub fn from_request(request: HttpRequest, policy: RetryPolicy) -> Self {
        Self {
            request,
            policy,
            attempts: 0,
        }
    }

    /// The request for the next attempt.
    pub fn start_attempt(&mut self) -> HttpRequest {
        self.attempts += 1;
        tracing::debug!(
            attempt = self.attempts,
            method = %self.request.method(),
            path = self.request.uri().path(),
            "sending KYC submission"
        );
        copy_request(&self.request)
    }

    /// Attempts started so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Takes the result of the attempt just made and decides the next step.
    ///
    /// `now` is the wall clock (for HTTP-date `Retry-After`), `elapsed` the time since the
    /// first attempt started, and `jitter` a random number in `[0, 1)`.
    pub fn finish_attempt<B: AsRef<[u8]>>(
        &mut self,
        result: Result<Response<B>, TransportError>,
        now: SystemTime,
        elapsed: Duration,
        jitter: f64,
    ) -> Step {
        let (outcome, class) = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                match parse_submit_response(&response) {
                    Ok(Accepted { status: word }) => {
                        tracing::info!(
                            attempt = self.attempts,
                            status,
                            elapsed_ms = elapsed.as_millis() as u64,
                            "KYC submission accepted"
                        );
                        return Step::Done(Ok(Submitted {
                            status: word,
                            attempts: self.attempts,
                        }));
                    }
                    Err(error) => {
                        tracing::warn!(attempt = self.attempts, status, elapsed_ms = elapsed.as_millis() as u64, error = %error, "KYC submission not accepted");
                        let class = RetryClass::of_response_error(&error, now);
                        (SubmitFailure::Response(error), class)
                    }
                }
            }
            Err(error) => {
                tracing::warn!(attempt = self.attempts, elapsed_ms = elapsed.as_millis() as u64, error = %crate::error_chain(&error), "KYC submission transport failure");
                let class = RetryClass::of_transport_error(&error);
                (SubmitFailure::Transport(error), class)
            }
        };
        match self.policy.decide(class, self.attempts, elapsed, jitter) {
            RetryAction::RetryAfter(delay) => {
                tracing::info!(
                    attempt = self.attempts,
                    delay_ms = delay.as_millis() as u64,
                    "retrying KYC submission"
                );
                Step::RetryAfter(delay)
            }
            RetryAction::Stop => Step::Done(Err(self.error(outcome, None))),
            RetryAction::GiveUp(reason) => {
                tracing::warn!(
                    attempt = self.attempts,
                    ?reason,
                    "giving up on KYC submission"
                );
                Step::Done(Err(self.error(outcome, Some(reason))))
            }
        }
    }

    fn error(&self, failure: SubmitFailure, gave_up: Option<GiveUpReason>) -> SubmitError {
        SubmitError {
            failure,
            attempts: self.attempts,
            gave_up,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Credentials, Environment};
    use crate::transport::TransportErrorKind;

    fn call(policy: RetryPolicy) -> SubmitCall {
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
        SubmitCall::new(&config, &sub, policy)
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
        mut call: SubmitCall,
        script: Vec<Result<Response<Vec<u8>>, TransportError>>,
    ) -> (Result<Submitted, SubmitError>, Vec<Duration>) {
        let mut delays = Vec::new();
        for result in script {
            let _request = call.start_attempt();
            match call.finish_attempt(result, SystemTime::UNIX_EPOCH, Duration::ZERO, 0.5) {
                Step::RetryAfter(d) => delays.push(d),
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
        assert_eq!(outcome.unwrap().attempts, 2);
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
                .starts_with("KYC submission failed after 1 attempt: 500"),
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
        let a = c.start_attempt();
        let b = c.start_attempt();
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
