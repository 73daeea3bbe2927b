//! The blocking client.

use std::time::{Instant, SystemTime};

use clever_kyc_core::{
    ApiConfig, Call, CallError, Completed, ConfigError, Credentials, Email, Environment,
    KycSubmission, Now, Operation, RetryPolicy, Step, SubmitKyc, call::Jitter, call::Submitted,
    contact::Contact, contact::ContactDetails, contact::ContactListError, contact::ContactPages,
    contact::ContactWalk, contact::CreateContact, contact::CreatedContact, contact::KycBaseline,
    contact::NewContact, contact::Reconciliation, contact::WalkStep,
    submission::WebhookNotification, sumsub::GenerateShareToken, sumsub::IssuedShareToken,
    sumsub::ShareTokenRequest, sumsub::SumsubConfig, transport::ClientParts, transport::Transport,
    transport::TransportSettings,
};

use crate::send::send;

/// Submits KYC share tokens over ureq, on the calling thread. Cheap to clone; clones share
/// the connection pool.
///
/// ```no_run
/// use clever_kyc_blocking::{Client, clever_kyc_core::Credentials, clever_kyc_core::Environment, clever_kyc_core::KycSubmission};
///
/// let client = Client::new(Environment::Sandbox, Credentials::new("app-id", "secret-key")?)?;
/// let submission = KycSubmission::builder()
///     .email("contact@example.com")
///     .token("_act-sbx-share-token")
///     .build()?;
/// let submitted = client.submit(&submission)?;
/// println!("accepted after {} attempt(s)", submitted.attempts());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    config: ApiConfig,
    policy: RetryPolicy,
    settings: TransportSettings,
}

impl Client {
    /// A client with the safe defaults (see [`ClientBuilder`]).
    ///
    /// # Errors
    /// [`ClientBuildError`] if the configuration is unusable.
    pub fn new(
        environment: Environment,
        credentials: Credentials,
    ) -> Result<Self, ClientBuildError> {
        Self::builder(environment, credentials).build()
    }

    /// Starts a builder.
    ///
    /// A caller-supplied `ureq::Agent` ([`ClientBuilder::http_client`]) keeps its pool,
    /// proxy and TLS settings. Each request still gets the SDK's attempt timeout, and is
    /// sent with redirects off and error statuses returned as responses (so the API's error
    /// bodies are read and `secret-key` never follows a redirect), as with reqwest.
    pub fn builder(environment: Environment, credentials: Credentials) -> ClientBuilder {
        ClientBuilder::new(environment, credentials)
    }

    /// The configuration requests are built from.
    pub fn config(&self) -> &ApiConfig {
        &self.config
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Makes any operation, retrying as the policy and the operation's safety allow; blocks
    /// the thread, sleeping between attempts. Every other method is this with an operation.
    ///
    /// # Errors
    /// [`CallError`] with the API's refusal or the transport failure, and the attempts made.
    pub fn run<O: Operation>(&self, operation: O) -> Result<Completed<O::Output>, CallError> {
        let _span = tracing::info_span!("clever_kyc.call", operation = O::NAME, transport = "ureq")
            .entered();
        let mut call = Call::new(operation, self.policy.clone())
            .with_jitter(Jitter::seeded(fastrand::u64(..)));
        loop {
            let (attempt, request) = call.start(now());
            let result = send(&self.agent, request, &self.settings);
            match attempt.finish(result, now()) {
                Step::Sleep { delay, call: next } => {
                    std::thread::sleep(delay);
                    call = next;
                }
                Step::Done(outcome) => return outcome,
            }
        }
    }

    /// Submits a KYC share token. Never resent once it may have reached the API: the token
    /// is single use.
    ///
    /// # Errors
    /// [`CallError`]; check [`CallError::may_have_been_processed`] and then
    /// [`reconcile`](Self::reconcile) before asking the user for a new token.
    pub fn submit(&self, submission: &KycSubmission) -> Result<Submitted, CallError> {
        self.run(SubmitKyc::new(&self.config, submission))
    }

    /// Creates a contact (a contact must exist before its KYC is submitted).
    ///
    /// # Errors
    /// [`CallError`], e.g. a 422 naming the field refused.
    pub fn create_contact(&self, contact: &NewContact) -> Result<CreatedContact, CallError> {
        self.run(CreateContact::new(&self.config, contact))
            .map(Completed::into_value)
    }

    /// The contact's record, or `None` if there is no such contact.
    ///
    /// # Errors
    /// [`CallError`] when no answer could be had (retried first: a lookup is idempotent).
    pub fn contact_details(&self, email: &Email) -> Result<Option<Contact>, CallError> {
        self.run(ContactDetails::new(&self.config, email))
            .map(Completed::into_value)
    }

    /// The contacts whose KYC was requested in a period, record by record, fetching pages as
    /// needed. Ends after the last page, at the first error, or at the page limit.
    pub fn contacts(&self, pages: ContactPages) -> ContactIter<'_> {
        ContactIter {
            client: self,
            walk: ContactWalk::new(&self.config, pages),
        }
    }

    /// Reads the contact back and says whether a submission whose outcome was unknown took
    /// effect, compared with `baseline` (taken with [`contact_details`](Self::contact_details)
    /// before submitting).
    ///
    /// # Errors
    /// [`CallError`] when the contact could not be read.
    pub fn reconcile(
        &self,
        email: &Email,
        baseline: &KycBaseline,
    ) -> Result<Reconciliation, CallError> {
        Reconciliation::judge_lookup(baseline, self.contact_details(email))
    }

    /// Asks Sumsub for a share token (signed with `sumsub`'s secret key; retried on
    /// failures, since a spare token simply expires).
    ///
    /// # Errors
    /// [`CallError`] with Sumsub's refusal (its `errorName` as the code) or the failure.
    pub fn share_token(
        &self,
        sumsub: &SumsubConfig,
        request: &ShareTokenRequest,
    ) -> Result<IssuedShareToken, CallError> {
        self.run(GenerateShareToken::new(sumsub, request))
            .map(Completed::into_value)
    }

    /// Generates a share token at Sumsub and submits it for `email`: the whole hand-over.
    ///
    /// # Errors
    /// [`CallError`] from whichever step failed ([`CallError::operation`] says which); if
    /// the share token step failed, nothing was submitted.
    pub fn submit_with_sumsub(
        &self,
        sumsub: &SumsubConfig,
        request: &ShareTokenRequest,
        email: Email,
        webhook: Option<WebhookNotification>,
    ) -> Result<Submitted, CallError> {
        let issued = self.share_token(sumsub, request)?;
        self.submit(&KycSubmission::new(email, issued.token, webhook))
    }
}

/// The contact list, record by record: see [`Client::contacts`].
#[derive(Debug)]
pub struct ContactIter<'a> {
    client: &'a Client,
    walk: ContactWalk,
}

impl Iterator for ContactIter<'_> {
    type Item = Result<Contact, ContactListError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.walk.step() {
                WalkStep::Item(item) => return Some(item),
                WalkStep::Fetch(page) => self.walk.deliver(self.client.run(page)),
                WalkStep::End => return None,
            }
        }
    }
}

impl std::iter::FusedIterator for ContactIter<'_> {}

/// Both clocks, read now.
fn now() -> Now {
    Now::new(SystemTime::now(), Instant::now())
}

/// The `ureq::Agent` configuration this SDK needs: redirects never followed, error statuses
/// returned as responses (so their bodies are parsed), the SDK's `User-Agent`, connect and
/// whole-call timeouts from `settings`, and no proxy taken from the environment.
pub fn safe_agent(settings: &TransportSettings) -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(ApiConfig::USER_AGENT)
        .proxy(None)
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_global(Some(settings.request_timeout))
        .build()
        .into()
}

/// Configures a [`Client`]: see [`clever_kyc_core::transport::ClientBuilder`].
pub type ClientBuilder = clever_kyc_core::transport::ClientBuilder<Client>;

impl Transport for Client {
    type Http = ureq::Agent;
    type Error = ClientBuildError;

    fn assemble(parts: ClientParts<ureq::Agent>) -> Result<Self, ClientBuildError> {
        Ok(Self {
            agent: parts.http.unwrap_or_else(|| safe_agent(&parts.settings)),
            config: parts.config,
            policy: parts.policy,
            settings: parts.settings,
        })
    }
}

/// The client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientBuildError {
    /// The environment or credentials are unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
}
