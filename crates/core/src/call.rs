//! One operation from first attempt to final outcome, as a sans-IO state machine.
//!
//! A transport drives it in a loop: start an attempt with [`Call::start`], send its request
//! however it likes, hand the response (or its failure) to [`Attempt::finish`], and
//! sleep when told to. Every decision (classification,
//! retry, limits, logging) is made here, once, for both transports.

use std::error::Error as StdError;
use std::fmt;
use std::time::{Duration, Instant};

use http::Response;

use crate::operation::{Now, Operation, RetrySafety};
use crate::outcome::{Outcome, Refusal};
use crate::request::HttpRequest;
use crate::response::{Accepted, ResponseError};
use crate::retry::{GiveUpReason, RetryAction, RetryClass, RetryPolicy};
use crate::transport::TransportError;

/// The response bodies transports read at most, by default: 1 MiB.
pub(crate) const DEFAULT_RESPONSE_BODY_LIMIT: u64 = 1024 * 1024;

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
    spends_share_token: bool,
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

    /// What became of the operation: the one classification every predicate derives from.
    pub fn outcome(&self) -> Outcome {
        match &*self.failure {
            CallFailure::Response(e) => Outcome::of_response_error(e),
            CallFailure::Transport(e) => Outcome::of_transport_error(e),
        }
    }

    /// Why the request was refused, when it was.
    pub fn refusal(&self) -> Option<Refusal> {
        self.outcome().refusal()
    }

    /// 401: the merchant's credentials were refused. Nothing about the input is wrong.
    pub fn is_credentials_refused(&self) -> bool {
        self.refusal() == Some(Refusal::Credentials)
    }

    /// 400 or 422 in the API's words: the token or a field was refused. For a submission,
    /// the token cannot be reused: ask for a new one.
    pub fn is_submission_refused(&self) -> bool {
        self.refusal() == Some(Refusal::Invalid)
    }

    /// Whether the request may have taken effect even though no success arrived (timeouts
    /// after sending, dropped connections, 5xx). For a submission, the token may be spent:
    /// reconcile with the contact's status before asking the user for a new token.
    pub fn may_have_been_processed(&self) -> bool {
        self.outcome().may_have_been_processed()
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
        if let Some(reason) = self.gave_up {
            write!(f, "; gave up: {reason}")?;
        }
        // Advice about single-use tokens belongs to the one operation that spends them.
        if self.spends_share_token {
            match self.outcome() {
                Outcome::Refused(Refusal::Invalid) => f.write_str(
                    "; a share token that was refused cannot be reused: ask for a new one",
                )?,
                Outcome::MayHaveBeenProcessed => f.write_str(
                    "; its share token may be spent: reconcile with the contact's KYC status before asking for a new one",
                )?,
                _ => {}
            }
        }
        Ok(())
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

/// What the transport does next, after an attempt.
///
/// The call comes back only with [`Step::Sleep`]: after [`Step::Done`] there is nothing left
/// to step, so stepping again does not compile.
#[must_use]
pub enum Step<O: Operation> {
    /// Sleep `delay`, then start the next attempt on `call`.
    Sleep {
        /// How long to wait before the next attempt.
        delay: Duration,
        /// The call, ready for its next attempt.
        call: Call<O>,
    },
    /// The outcome.
    Done(Result<Completed<O::Output>, CallError>),
}

impl<O: Operation> fmt::Debug for Step<O>
where
    O::Output: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sleep { delay, call } => f
                .debug_struct("Sleep")
                .field("delay", delay)
                .field("call", call)
                .finish(),
            Self::Done(outcome) => f.debug_tuple("Done").field(outcome).finish(),
        }
    }
}

/// The random numbers a call draws its backoff jitter from, given once when the call is
/// built.
///
/// The core reads no clock and no device: by default the seed comes from the standard
/// library's per-process hash keys ([`std::hash::RandomState`]). Tests fix it with
/// [`Jitter::fixed`] or [`Jitter::seeded`].
#[derive(Debug, Clone)]
pub struct Jitter {
    source: JitterSource,
}

#[derive(Debug, Clone)]
enum JitterSource {
    Fixed(f64),
    /// SplitMix64: tiny, fast, and good enough to spread retries apart.
    Seeded(u64),
}

impl Jitter {
    /// Always `value` (clamped to `[0, 1]` when drawn): for tests and for reproducible runs.
    pub fn fixed(value: f64) -> Self {
        Self {
            source: JitterSource::Fixed(value),
        }
    }

    /// A sequence seeded from the caller's randomness (any 64 bits will do).
    pub fn seeded(seed: u64) -> Self {
        Self {
            source: JitterSource::Seeded(seed),
        }
    }

    /// Seeded from the standard library's random hash keys.
    pub fn from_std() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::hash::RandomState::new().build_hasher();
        hasher.write_u64(0x5eed);
        Self::seeded(hasher.finish())
    }

    /// The next number in `[0, 1)`.
    fn next(&mut self) -> f64 {
        match &mut self.source {
            JitterSource::Fixed(value) => *value,
            JitterSource::Seeded(state) => {
                *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = *state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                // The top 53 bits, as a fraction of 2^53.
                (z >> 11) as f64 / (1u64 << 53) as f64
            }
        }
    }
}

impl Default for Jitter {
    fn default() -> Self {
        Self::from_std()
    }
}

/// One operation from first attempt to final outcome, as a sans-IO state machine.
///
/// ```text
///            Call::new
///                │
///                ▼
///   ┌───────▶ Call<O> ── start(now) ──▶ (Attempt<O>, HttpRequest)
///   │                                        │
///   │                         finish(result, now)
///   │                                        │
///   │                  ┌─────────────────────┴───────────────┐
///   │                  ▼                                     ▼
///   └──── Step::Sleep { delay, call }          Step::Done(Result<Completed, CallError>)
/// ```
///
/// Each step takes its state by value, so the order is in the types: a call is started once
/// per attempt, an attempt is finished once, and nothing steps after `Done`.
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
///     let (attempt, request) = call.start(now());
///     match attempt.finish(send(request), now()) {
///         Step::Sleep { delay, call: next } => {
///             std::thread::sleep(delay);
///             call = next;
///         }
///         Step::Done(outcome) => break outcome,
///     }
/// };
/// assert_eq!(outcome?.attempts(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Starting twice does not compile: the call moved into the attempt.
///
/// ```compile_fail,E0382
/// # use std::time::{Instant, SystemTime};
/// # use clever_kyc_core::*;
/// # let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret").unwrap()).unwrap();
/// # let submission = KycSubmission::builder().email("a@example.com").token("tok").build().unwrap();
/// # let now = Now::new(SystemTime::now(), Instant::now());
/// let call = Call::new(SubmitKyc::new(&config, &submission), RetryPolicy::default());
/// let (_attempt, _request) = call.start(now);
/// let (_again, _request) = call.start(now); // error[E0382]: use of moved value: `call`
/// ```
///
/// Finishing without starting does not compile: only an [`Attempt`] can be finished.
///
/// ```compile_fail,E0599
/// # use std::time::{Instant, SystemTime};
/// # use clever_kyc_core::*;
/// # let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret").unwrap()).unwrap();
/// # let submission = KycSubmission::builder().email("a@example.com").token("tok").build().unwrap();
/// # let now = Now::new(SystemTime::now(), Instant::now());
/// let call = Call::new(SubmitKyc::new(&config, &submission), RetryPolicy::default());
/// let response = http::Response::new(Vec::<u8>::new());
/// let _ = call.finish(Ok(response), now); // error[E0599]: no method named `finish`
/// ```
///
/// Finishing an attempt twice does not compile either: `finish` takes the attempt.
///
/// ```compile_fail,E0382
/// # use std::time::{Instant, SystemTime};
/// # use clever_kyc_core::*;
/// # let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret").unwrap()).unwrap();
/// # let submission = KycSubmission::builder().email("a@example.com").token("tok").build().unwrap();
/// # let now = Now::new(SystemTime::now(), Instant::now());
/// let call = Call::new(SubmitKyc::new(&config, &submission), RetryPolicy::default());
/// let (attempt, _request) = call.start(now);
/// let _ = attempt.finish(Ok(http::Response::new(Vec::<u8>::new())), now);
/// let _ = attempt.finish(Ok(http::Response::new(Vec::<u8>::new())), now); // moved
/// ```
pub struct Call<O> {
    operation: O,
    policy: RetryPolicy,
    jitter: Jitter,
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

/// An attempt in flight: its request was handed out by [`Call::start`]; give its result to
/// [`Attempt::finish`].
#[must_use = "an attempt must be finished with its result to learn the outcome"]
pub struct Attempt<O> {
    call: Call<O>,
}

impl<O: Operation> fmt::Debug for Attempt<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attempt").field("call", &self.call).finish()
    }
}

impl<O: Operation> Call<O> {
    /// A call that has made no attempt yet, its jitter seeded by [`Jitter::default`].
    pub fn new(operation: O, policy: RetryPolicy) -> Self {
        Self {
            operation,
            policy,
            jitter: Jitter::default(),
            attempts: 0,
            started: None,
        }
    }

    /// The same call, drawing its backoff jitter from `jitter`.
    #[must_use]
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The operation being made.
    pub fn operation(&self) -> &O {
        &self.operation
    }

    /// Attempts started so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Starts the next attempt at `now`: the attempt to finish, and the request to send.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub fn start(mut self, now: Now) -> (Attempt<O>, HttpRequest) {
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
        (Attempt { call: self }, request)
    }

    fn error(&self, failure: CallFailure, gave_up: Option<GiveUpReason>) -> CallError {
        CallError {
            operation: O::NAME,
            safety: O::SAFETY,
            spends_share_token: O::SPENDS_SHARE_TOKEN,
            failure: Box::new(failure),
            attempts: self.attempts,
            gave_up,
        }
    }
}

impl<O: Operation> Attempt<O> {
    /// The number of this attempt, counting from 1.
    pub fn number(&self) -> u32 {
        self.call.attempts
    }

    /// Takes the attempt's result and decides the next step. `now` is read after the attempt.
    // Some values exist only for the log lines, which the `tracing` feature may leave out.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub fn finish<B: AsRef<[u8]>>(
        self,
        result: Result<Response<B>, TransportError>,
        now: Now,
    ) -> Step<O> {
        let mut call = self.call;
        let elapsed = call
            .started
            .map_or(Duration::ZERO, |start| now.since(start));
        let elapsed_ms = elapsed.as_millis() as u64;
        let attempt = call.attempts;
        let (failure, class) = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                match call.operation.parse(&response) {
                    Ok(value) => {
                        log!(
                            info,
                            operation = O::NAME,
                            attempt,
                            status,
                            elapsed_ms,
                            "succeeded"
                        );
                        return Step::Done(Ok(Completed {
                            value,
                            attempts: attempt,
                        }));
                    }
                    Err(error) => {
                        log!(warn, operation = O::NAME, attempt, status, elapsed_ms, outcome = %error.outcome(), error = %error, "refused");
                        let class = RetryClass::of_response_error(&error, now.wall);
                        (CallFailure::Response(error), class)
                    }
                }
            }
            Err(error) => {
                log!(warn, operation = O::NAME, attempt, elapsed_ms, error = %crate::transport::error_chain(&error), "transport failure");
                let class = RetryClass::of_transport_error(&error);
                (CallFailure::Transport(error), class)
            }
        };
        let jitter = call.jitter.next();
        match call
            .policy
            .decide_for(O::SAFETY, class, attempt, elapsed, jitter)
        {
            RetryAction::RetryIn(delay) => {
                log!(
                    info,
                    operation = O::NAME,
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    "retrying"
                );
                Step::Sleep { delay, call }
            }
            RetryAction::Stop => Step::Done(Err(call.error(failure, None))),
            RetryAction::GiveUp(reason) => {
                log!(warn, operation = O::NAME, attempt, ?reason, "giving up");
                Step::Done(Err(call.error(failure, Some(reason))))
            }
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
        Call::new(SubmitKyc::new(&config, &sub), policy).with_jitter(Jitter::fixed(0.5))
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
        let attempts = script.len();
        for result in script {
            let (attempt, _request) = call.start(now());
            match attempt.finish(result, now()) {
                Step::Sleep { delay, call: next } => {
                    delays.push(delay);
                    call = next;
                }
                Step::Done(outcome) => return (outcome, delays),
            }
        }
        panic!("script ran out after {attempts} attempts");
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
        let c = call(RetryPolicy::default());
        let (attempt, a) = c.start(now());
        let refused = Err(TransportError::from_kind(TransportErrorKind::Connect));
        let Step::Sleep { call: c, .. } = attempt.finish::<Vec<u8>>(refused, now()) else {
            panic!("a connect failure is retried");
        };
        let (attempt, b) = c.start(now());
        assert_eq!(a.body(), b.body());
        assert_eq!(a.headers(), b.headers());
        assert_eq!(attempt.number(), 2);
    }

    #[test]
    fn seeded_jitter_is_reproducible_and_in_range() {
        let draw = |seed| {
            let mut j = Jitter::seeded(seed);
            (0..1000).map(|_| j.next()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        assert!(draw(7).iter().all(|x| (0.0..1.0).contains(x)));
        let mean = draw(7).iter().sum::<f64>() / 1000.0;
        assert!((0.4..0.6).contains(&mean), "{mean}");
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
            status(
                404,
                &[],
                r#"{"errors":{"code":"NOT_FOUND","message":"no contact"}}"#,
            ),
        ];
        let mut sleeps = 0;
        for result in script {
            let (attempt, _) = call.start(now());
            match attempt.finish(result, now()) {
                Step::Sleep { call: next, .. } => {
                    sleeps += 1;
                    call = next;
                }
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
        let c = call(RetryPolicy::default().with_max_attempts(10));
        let t0 = Instant::now();
        let (attempt, _) = c.start(Now::new(SystemTime::UNIX_EPOCH, t0));
        let late = Now::new(SystemTime::UNIX_EPOCH, t0 + Duration::from_secs(61));
        let refused = Err(TransportError::from_kind(TransportErrorKind::Connect));
        match attempt.finish::<Vec<u8>>(refused, late) {
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
