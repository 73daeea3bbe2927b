//! The table of wire outcomes every transport must handle identically, with the attempts
//! each must take. Both SDK transports run it; so can a transport of your own on the core.

use std::time::Duration;

use clever_kyc_core::{
    CallError, Credentials, Environment, KycSubmission, RetryPolicy, call::Submitted,
    config::BaseUrl, transport::TransportErrorKind, transport::TransportSettings,
};

use crate::fault::Fault;
use crate::server::MockServer;
use crate::tokens::TokenOutcome;

/// The outcome a case must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Accepted.
    Accepted,
    /// A `ResponseError` with this status.
    Status(u16),
    /// A transport error of this kind.
    Transport(TransportErrorKind),
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Case {
    /// What is being tested, as a phrase.
    pub name: &'static str,
    /// Faults injected on the simulator, in order, one request each.
    pub faults: Vec<Fault>,
    /// Submit with credentials the simulator does not accept.
    pub wrong_credentials: bool,
    /// Submit a token that has expired.
    pub expired_token: bool,
    /// Point the client at a port where nothing listens.
    pub refused: bool,
    /// The outcome.
    pub expected: Expected,
    /// The number of attempts the transport must report.
    pub attempts: u32,
}

impl Case {
    fn new(name: &'static str, faults: Vec<Fault>, expected: Expected, attempts: u32) -> Self {
        Self {
            name,
            faults,
            wrong_credentials: false,
            expired_token: false,
            refused: false,
            expected,
            attempts,
        }
    }
}

const TEST_APP_ID: &str = "conformance-app";
const TEST_SECRET: &str = "conformance-secret-SECRET_CANARY";
/// The authorization value the conformance submissions use, to search output for leaks.
pub const TEST_AUTHORIZATION: &str = "Bearer AUTHORIZATION_CANARY";
/// The secret-key the conformance clients use, to search output for leaks.
pub const TEST_SECRET_KEY: &str = TEST_SECRET;

/// The credentials the conformance simulator accepts.
pub fn credentials() -> Credentials {
    Credentials::new(TEST_APP_ID, TEST_SECRET).unwrap_or_else(|_| unreachable_credentials())
}

#[allow(clippy::panic)]
fn unreachable_credentials() -> Credentials {
    panic!("the conformance credentials are valid")
}

/// The retry policy of the conformance clients: the default, with short backoffs.
pub fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(50))
}

/// The transport settings of the conformance clients: a 1 s attempt timeout so the stall
/// case is quick, the default 1 MiB body limit.
pub fn settings() -> TransportSettings {
    TransportSettings {
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(1),
        ..TransportSettings::default()
    }
}

/// Every case.
pub fn cases() -> Vec<Case> {
    use Expected::*;
    let respond = |status: u16, body: &str, content_type: Option<&str>| Fault::Respond {
        status,
        body: body.into(),
        content_type: content_type.map(Into::into),
    };
    vec![
        Case::new("200 accepted", vec![], Accepted, 1),
        Case {
            wrong_credentials: true,
            ..Case::new("401 wrong credentials", vec![], Status(401), 1)
        },
        Case {
            expired_token: true,
            ..Case::new("422 expired token", vec![], Status(422), 1)
        },
        Case::new(
            "400 empty body",
            vec![respond(400, "", None)],
            Status(400),
            1,
        ),
        Case::new(
            "400 JSON body",
            vec![respond(
                400,
                r#"{"errors":{"code":"BAD_REQUEST","message":"Bad Request"}}"#,
                Some("application/json"),
            )],
            Status(400),
            1,
        ),
        Case::new(
            "429 with Retry-After, then 200",
            vec![Fault::RateLimited {
                retry_after_secs: Some(1),
            }],
            Accepted,
            2,
        ),
        Case::new(
            "503 with Retry-After, then 200",
            vec![Fault::ServiceUnavailable {
                retry_after_secs: Some(1),
            }],
            Accepted,
            2,
        ),
        Case::new("500", vec![Fault::InternalError], Status(500), 1),
        Case::new(
            "503 without Retry-After",
            vec![Fault::ServiceUnavailable {
                retry_after_secs: None,
            }],
            Status(503),
            1,
        ),
        Case::new(
            "502 HTML from a proxy",
            vec![Fault::BadGatewayHtml],
            Status(502),
            1,
        ),
        Case::new("302 to another server", vec![], Status(302), 1),
        Case::new(
            "stalled server",
            vec![Fault::Stall],
            Transport(TransportErrorKind::Timeout),
            1,
        ),
        Case::new(
            "oversized body (5 MiB)",
            vec![Fault::OversizedBody {
                bytes: 5 * 1024 * 1024,
            }],
            Transport(TransportErrorKind::BodyTooLarge { limit: 1024 * 1024 }),
            1,
        ),
        Case::new(
            "dropped connection",
            vec![Fault::DropConnection],
            Transport(TransportErrorKind::Io),
            1,
        ),
        Case {
            refused: true,
            ..Case::new(
                "connection refused",
                vec![],
                Transport(TransportErrorKind::Connect),
                3,
            )
        },
    ]
}

/// A case made ready on a simulator: what to build the client from and what to submit.
#[derive(Debug)]
pub struct Prepared {
    /// Where the client points.
    pub environment: Environment,
    /// The client's credentials.
    pub credentials: Credentials,
    /// What it submits.
    pub submission: KycSubmission,
    token: String,
}

impl Case {
    /// Injects the case's faults into `mock`; `elsewhere` is a second simulator that the
    /// redirect case points at.
    ///
    /// # Errors
    /// A description of what could not be set up.
    pub fn prepare(&self, mock: &MockServer, elsewhere: &MockServer) -> Result<Prepared, String> {
        let mut faults = self.faults.clone();
        if self.name.starts_with("302") {
            faults.push(Fault::Redirect {
                location: format!(
                    "{}{}",
                    elsewhere.base_url(),
                    clever_kyc_core::config::ApiConfig::SUBMIT_PATH
                ),
            });
        }
        for fault in faults {
            mock.inject_fault(fault, 1).map_err(|e| e.to_string())?;
        }
        let base = if self.refused {
            refused_base_url()?
        } else {
            mock.base_url()
        };
        let environment = Environment::Custom(BaseUrl::parse(&base).map_err(|e| e.to_string())?);
        let credentials = if self.wrong_credentials {
            Credentials::new(TEST_APP_ID, "not-the-secret").map_err(|e| e.to_string())?
        } else {
            credentials()
        };
        let outcome = if self.expired_token {
            TokenOutcome::Expired
        } else {
            TokenOutcome::Approved
        };
        let token = mock.issue_token(outcome);
        let submission = KycSubmission::builder()
            .email("conformance@example.com")
            .token(token.clone())
            .webhook(
                format!("{}/unused-callback", elsewhere.base_url()),
                TEST_AUTHORIZATION,
            )
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Prepared {
            environment,
            credentials,
            submission,
            token,
        })
    }

    /// Checks a transport's outcome against the row, and that the token was processed at
    /// most once and the redirect target received nothing.
    ///
    /// # Errors
    /// What differed.
    pub fn check(
        &self,
        outcome: &Result<Submitted, CallError>,
        prepared: &Prepared,
        mock: &MockServer,
        elsewhere: &MockServer,
    ) -> Result<(), String> {
        let (found, attempts) = match outcome {
            Ok(done) => (Expected::Accepted, done.attempts()),
            Err(e) => {
                let found = match (e.response_error(), e.transport_error()) {
                    (Some(r), _) => Expected::Status(r.status().as_u16()),
                    (None, Some(t)) => Expected::Transport(t.kind()),
                    (None, None) => {
                        return Err(format!(
                            "{}: an error that is neither response nor transport: {e}",
                            self.name
                        ));
                    }
                };
                (found, e.attempts())
            }
        };
        if found != self.expected || attempts != self.attempts {
            return Err(format!(
                "{}: expected {:?} in {} attempt(s), got {found:?} in {attempts}: {outcome:?}",
                self.name, self.expected, self.attempts
            ));
        }
        let processed = mock.times_processed(&prepared.token);
        if processed > 1 {
            return Err(format!(
                "{}: the token was processed {processed} times",
                self.name
            ));
        }
        if !elsewhere.requests().is_empty() {
            return Err(format!(
                "{}: the redirect target received a request",
                self.name
            ));
        }
        Ok(())
    }
}

fn refused_base_url() -> Result<String, String> {
    // Bind a free port and close it: connecting there is refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    drop(listener);
    Ok(format!("http://{addr}"))
}

/// Collects a transport's results over the table: the printed table, the failures, and
/// everything the run logged or printed, searched for secrets at the end.
#[derive(Debug)]
pub struct Run {
    logs: crate::audit::LogCapture,
    table: String,
    failures: Vec<String>,
    printed: String,
}

impl Run {
    /// Starts a run, capturing all tracing output of the process.
    pub fn start() -> Self {
        Self {
            logs: crate::audit::LogCapture::install(),
            table: format!(
                "| {:<32} | {:<50} | attempts | requests with the token that reached the API |\n|---|---|---:|---:|\n",
                "case", "outcome"
            ),
            failures: Vec::new(),
            printed: String::new(),
        }
    }

    /// Records one case's outcome; `client` is the transport's client, whose `Debug` output
    /// joins the leak search.
    pub fn record(
        &mut self,
        case: &Case,
        outcome: &Result<Submitted, CallError>,
        prepared: &Prepared,
        mock: &MockServer,
        elsewhere: &MockServer,
        client: &dyn std::fmt::Debug,
    ) {
        let (summary, attempts) = match outcome {
            Ok(done) => (
                format!("accepted ({})", done.value().status),
                done.attempts(),
            ),
            Err(e) => (
                e.to_string()
                    .chars()
                    .skip_while(|c| *c != ':')
                    .skip(2)
                    .take(50)
                    .collect(),
                e.attempts(),
            ),
        };
        let processed = mock.times_processed(&prepared.token);
        self.table.push_str(&format!(
            "| {:<32} | {:<50} | {attempts} | {processed} |\n",
            case.name, summary
        ));
        self.printed
            .push_str(&format!("{outcome:?}\n{client:?}\n{prepared:?}\n"));
        if let Err(e) = outcome {
            self.printed
                .push_str(&clever_kyc_core::transport::error_chain(e));
        }
        if let Err(problem) = case.check(outcome, prepared, mock, elsewhere) {
            self.failures.push(problem);
        }
    }

    /// The table of outcomes and attempts.
    ///
    /// # Errors
    /// Every case that differed from the table, and any secret found in the tracing output
    /// or in the Debug and Display texts.
    pub fn finish(mut self) -> Result<String, String> {
        let logged = self.logs.contents();
        if !logged.contains("KYC submission") {
            self.failures
                .push("the log capture saw no tracing output".into());
        }
        let texts = [
            ("tracing output", logged.as_str()),
            ("Debug and Display output", self.printed.as_str()),
        ];
        if let Some((place, secret)) =
            crate::audit::find_leak(&texts, &[TEST_SECRET_KEY, TEST_AUTHORIZATION])
        {
            self.failures
                .push(format!("{secret:?} appeared in the {place}"));
        }
        if self.failures.is_empty() {
            Ok(self.table)
        } else {
            Err(format!("{}\n{}", self.table, self.failures.join("\n")))
        }
    }
}
