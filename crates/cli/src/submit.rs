//! `clever-kyc submit`: one submission, its outcome as text or JSON, and the exit status.

use std::time::{Duration, SystemTime};

use clever_kyc_core::{
    AuthorizationValue, CallError, Credentials, Email, Environment, KycSubmission, Outcome,
    call::Submitted, contact::KycBaseline, contact::Reconciliation, transport::TransportSettings,
    transport::error_chain,
};
use clever_kyc_receive::{IssuedSubmission, RegistrationAfter, StoreLocation};
use serde::Serialize;

use crate::args::SubmitArgs;
use crate::exit::{self, Failure};
use crate::listen::open_store;
use crate::out::say;
use crate::secrets::{credentials, read_secret_file};

/// What `--json` prints: one object, a stable contract for scripts.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    /// The outcome's one word ([`clever_kyc_core::Outcome::word`]): `accepted`, a refusal
    /// (`rejected`, `credentials_refused`, `rate_limited`, ...), `not_sent` or
    /// `may_have_been_processed`.
    pub(crate) outcome: &'static str,
    /// The status of the last answer, if one arrived.
    pub(crate) http_status: Option<u16>,
    /// The API's error code, as it gave it.
    pub(crate) code: Option<String>,
    /// The API's error message, as it gave it.
    pub(crate) message: Option<String>,
    /// Attempts made.
    pub(crate) attempts: u32,
    /// The `status` word of an acceptance.
    pub(crate) status: Option<String>,
    /// What went wrong, in words.
    pub(crate) error: Option<String>,
    /// Whether the token may be spent although no acceptance arrived.
    pub(crate) may_have_been_processed: bool,
    /// `async` or `blocking`.
    pub(crate) transport: &'static str,
    /// The submission callbacks will be traced to, when registered in a store.
    pub(crate) submission_id: Option<String>,
    /// Where the token came from: `given` (--token) or `sumsub` (--applicant-id).
    pub(crate) token_source: &'static str,
    /// With `--reconcile`, after an unknown outcome: `took_effect` (the token is spent),
    /// `no_change` (not so far), `no_such_contact`, `undetermined` or `unreadable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reconciled: Option<&'static str>,
}

impl Report {
    pub(crate) fn from_outcome(
        outcome: &Result<Submitted, CallError>,
        transport: &'static str,
    ) -> (Self, u8) {
        match outcome {
            Ok(done) => (
                Self {
                    outcome: Outcome::Done.word(),
                    http_status: Some(200),
                    code: None,
                    message: None,
                    attempts: done.attempts(),
                    status: Some(done.value().status.clone()),
                    error: None,
                    may_have_been_processed: true,
                    transport,
                    submission_id: None,
                    token_source: "given",
                    reconciled: None,
                },
                exit::of(Outcome::Done),
            ),
            Err(e) => {
                let response = e.response_error();
                (
                    Self {
                        outcome: e.outcome().word(),
                        http_status: response.map(|r| r.status().as_u16()),
                        code: response.and_then(|r| r.code().map(str::to_owned)),
                        message: response.and_then(|r| r.message().map(str::to_owned)),
                        attempts: e.attempts(),
                        status: None,
                        error: Some(error_chain(e)),
                        may_have_been_processed: e.may_have_been_processed(),
                        transport,
                        submission_id: None,
                        token_source: "given",
                        reconciled: None,
                    },
                    exit::of(e.outcome()),
                )
            }
        }
    }

    fn print(&self, json: bool) {
        if json {
            say!("{}", serde_json::to_string(self).unwrap_or_default());
            return;
        }
        match self.outcome {
            word if word == Outcome::Done.word() => {
                say!(
                    "accepted: Hello Clever took the submission (status {:?}, {} attempt{}, {} transport)",
                    self.status.as_deref().unwrap_or(""),
                    self.attempts,
                    plural(self.attempts),
                    self.transport
                );
                if let Some(id) = &self.submission_id {
                    say!("submission {id}: its callbacks will be traced to it");
                }
            }
            outcome => {
                say!(
                    "{outcome}: {}",
                    self.error.as_deref().unwrap_or("unknown error")
                );
                match self.reconciled {
                    Some("took_effect") => say!(
                        "reconciled: the contact shows a new KYC instance, so the submission took effect and the token is spent"
                    ),
                    Some(other) => say!(
                        "reconciled: {other}; the submission has not shown on the contact, so check again before asking for a new token"
                    ),
                    None if self.may_have_been_processed => say!(
                        "note: the token may have been spent; check the contact's KYC status (or pass --reconcile) before asking for a new one"
                    ),
                    None => {}
                }
            }
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Validates everything (exit 2 on any problem), then submits.
pub(crate) fn run(args: SubmitArgs) -> Result<u8, Failure> {
    let credentials = credentials(&args.api.credentials)?;
    let environment = crate::api::environment(args.api.environment, args.api.base_url.as_deref())?;
    // With --applicant-id the token comes from Sumsub: everything else is checked first
    // (with a stand-in token) so that a bad flag never costs a token.
    let sumsub = match (&args.token, &args.applicant_id, &args.for_client_id) {
        (Some(_), _, _) => None,
        (None, Some(applicant), Some(client)) => Some((
            crate::share_token_cmd::sumsub_config(&args.sumsub)?,
            crate::share_token_cmd::share_token_request(applicant, client, None)?,
        )),
        _ => {
            return Err(Failure::usage(
                "give --token, or --applicant-id with --for-client-id; nothing was sent",
            ));
        }
    };
    let token_source = if sumsub.is_some() { "sumsub" } else { "given" };
    let mut builder = KycSubmission::builder().email(args.email.clone()).token(
        args.token
            .clone()
            .unwrap_or_else(|| "sumsub-token-to-come".to_owned()),
    );
    if let Some(url) = &args.webhook_url {
        builder = builder.webhook_url(url.clone());
    }
    let auth = match (&args.webhook_auth, &args.webhook_auth_file) {
        (Some(value), _) => Some(value.clone()),
        (None, Some(path)) => Some(read_secret_file(path, "callback authorization value")?),
        (None, None) => None,
    };
    if matches!(args.store, Some(StoreLocation::Memory)) {
        return Err(Failure::usage(
            "--store memory lives inside one `listen` process; name a sqlite: or redis:// store",
        ));
    }
    // With a store, the value is registered (and, when not given, generated) so that the
    // listener can trace each callback to this submission.
    let issued = match (&args.store, &args.webhook_url) {
        (Some(_), Some(_)) => {
            let email = Email::parse(&args.email)
                .map_err(|e| Failure::usage(format!("{e}; nothing was sent")))?;
            let now = SystemTime::now();
            let retention = Duration::from_secs(args.registration_days * 86_400);
            let issued = match &auth {
                Some(value) => {
                    let value = AuthorizationValue::new(value.clone()).map_err(|e| {
                        Failure::usage(format!(
                            "invalid webhook authorization: {e}; nothing was sent"
                        ))
                    })?;
                    IssuedSubmission::for_value(value, &email, now, retention)
                }
                None => IssuedSubmission::generate(&email, now, retention),
            }
            .map_err(|e| Failure::failed(format!("{}; nothing was sent", error_chain(&e))))?;
            Some(issued)
        }
        _ => None,
    };
    if let Some(issued) = &issued {
        builder = builder.webhook_authorization(&issued.authorization);
    } else if let Some(auth) = auth {
        builder = builder.webhook_authorization(auth);
    }
    let submission = match builder.build() {
        Ok(submission) => submission,
        Err(e) => {
            if args.json {
                // Nothing reached the API, so there is no status, code or message from it.
                let report = serde_json::json!({
                    "outcome": "invalid_input", "http_status": null, "code": null, "message": null,
                    "attempts": 0, "status": null, "error": format!("invalid {}: {e}", e.field()),
                    "may_have_been_processed": false, "transport": null, "submission_id": null,
                    "field": e.field(),
                });
                say!("{report}");
            }
            return Err(Failure::usage(format!(
                "invalid {}: {e}; nothing was sent",
                e.field()
            )));
        }
    };
    let store = match (&args.store, &issued) {
        (Some(location), Some(_)) => {
            let store = open_store(location, true)?;
            // Expired registrations go as new ones come, so the store does not grow with
            // every submission ever made. A failure here changes nothing about this one.
            let _ = store.purge_expired(SystemTime::now());
            Some((location, store))
        }
        _ => None,
    };
    let settings = crate::api::settings(args.api.timeout);
    // Reconciling needs the contact as it was before the token could have been spent.
    let baseline_client = if args.reconcile {
        Some(
            clever_kyc_blocking::Client::builder(environment.clone(), credentials.clone())
                .transport_settings(settings)
                .build()
                .map_err(|e| Failure::usage(error_chain(&e)))?,
        )
    } else {
        None
    };
    let baseline = match &baseline_client {
        Some(client) => Some(KycBaseline::of(
            client
                .contact_details(submission.email())
                .map_err(|e| {
                    Failure::failed(format!(
                        "could not read the contact before submitting: {}; nothing was sent",
                        error_chain(&e)
                    ))
                })?
                .as_ref(),
        )),
        None => None,
    };
    let sender = Sender::new(args.blocking, environment, credentials, settings)?;
    // The token from Sumsub, last: a refusal there exits 3 and sends nothing to Hello Clever.
    let submission = match &sumsub {
        Some((config, request)) => {
            let (issued_token, _) =
                crate::share_token_cmd::issue(config, request, args.api.timeout, args.json)?;
            KycSubmission::new(
                submission.email().clone(),
                issued_token.token,
                submission.webhook().cloned(),
            )
        }
        None => submission,
    };
    let (outcome, submission_id) = match (&store, &issued) {
        // The library's rule: register before sending, unregister when no callback can come.
        (Some((location, store)), Some(issued)) => {
            let done = issued
                .submit_registered(store.as_ref(), || sender.send(&submission))
                .map_err(|e| {
                    Failure::usage(format!(
                        "--store {location}: could not register the submission: {}; nothing was sent",
                        error_chain(&e)
                    ))
                })?;
            let kept = match &done.registration {
                RegistrationAfter::Kept => true,
                RegistrationAfter::RemoveFailed(e) => {
                    tracing::warn!(
                        "could not remove the unused registration (it expires with its retention): {}",
                        error_chain(e)
                    );
                    false
                }
                _ => false,
            };
            (done.outcome, kept.then(|| issued.submission_id.to_string()))
        }
        _ => (sender.send(&submission), None),
    };
    let (mut report, status) = Report::from_outcome(&outcome, sender.name());
    report.submission_id = submission_id;
    report.token_source = token_source;
    if let (Some(client), Some(baseline), Err(error)) = (&baseline_client, &baseline, &outcome)
        && error.may_have_been_processed()
    {
        report.reconciled = Some(match client.reconcile(submission.email(), baseline) {
            Ok(Reconciliation::TookEffect { .. }) => "took_effect",
            Ok(Reconciliation::NoSuchContact) => "no_such_contact",
            Ok(Reconciliation::NoChange { .. }) => "no_change",
            Ok(_) => "undetermined",
            Err(_) => "unreadable",
        });
    }
    report.print(args.json);
    Ok(status)
}

/// The transport `--blocking` chose, built before anything is registered or sent.
enum Sender {
    Blocking(clever_kyc_blocking::Client),
    Async(clever_kyc_async::Client, tokio::runtime::Runtime),
}

impl Sender {
    fn new(
        blocking: bool,
        environment: Environment,
        credentials: Credentials,
        settings: TransportSettings,
    ) -> Result<Self, Failure> {
        if blocking {
            let client = clever_kyc_blocking::Client::builder(environment, credentials)
                .transport_settings(settings)
                .build()
                .map_err(|e| Failure::usage(error_chain(&e)))?;
            return Ok(Self::Blocking(client));
        }
        let client = clever_kyc_async::Client::builder(environment, credentials)
            .transport_settings(settings)
            .build()
            .map_err(|e| Failure::usage(error_chain(&e)))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::failed(format!("could not start the async runtime: {e}")))?;
        Ok(Self::Async(client, runtime))
    }

    fn send(&self, submission: &KycSubmission) -> Result<Submitted, CallError> {
        match self {
            Self::Blocking(client) => client.submit(submission),
            Self::Async(client, runtime) => runtime.block_on(client.submit(submission)),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Blocking(_) => "blocking",
            Self::Async(..) => "async",
        }
    }
}
