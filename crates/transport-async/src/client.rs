//! The async client.

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
use futures_util::Stream;
use tracing::Instrument;

use crate::send::send;
use crate::tls::safe_reqwest_builder;

/// Submits KYC share tokens over reqwest. Cheap to clone; clones share the connection pool.
///
/// ```no_run
/// use clever_kyc_async::{Client, clever_kyc_core::Credentials, clever_kyc_core::Environment, clever_kyc_core::KycSubmission};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new(Environment::Sandbox, Credentials::new("app-id", "secret-key")?)?;
/// let submission = KycSubmission::builder()
///     .email("contact@example.com")
///     .token("_act-sbx-share-token")
///     .webhook("https://merchant.example/kyc/callback", "Bearer unique-per-submission")
///     .build()?;
/// let submitted = client.submit(&submission).await?;
/// println!("accepted after {} attempt(s)", submitted.attempts());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ApiConfig,
    policy: RetryPolicy,
    settings: TransportSettings,
}

impl Client {
    /// A client with the safe defaults (see [`ClientBuilder`]).
    ///
    /// # Errors
    /// [`ClientBuildError`] if the configuration is unusable or TLS cannot be set up.
    pub fn new(
        environment: Environment,
        credentials: Credentials,
    ) -> Result<Self, ClientBuildError> {
        Self::builder(environment, credentials).build()
    }

    /// Starts a builder.
    ///
    /// A caller-supplied `reqwest::Client` ([`ClientBuilder::http_client`]) keeps its pool,
    /// proxy and TLS settings; the attempt timeout and body limit still apply. This
    /// workspace builds reqwest with `rustls-no-provider` (so aws-lc-rs is never compiled),
    /// so `reqwest::Client::new()` panics for want of a crypto provider: start from
    /// [`safe_reqwest_builder`](crate::safe_reqwest_builder) or pass
    /// [`rustls_config`](crate::rustls_config) to `tls_backend_preconfigured`.
    ///
    /// # Security
    /// Build your own client with `redirect::Policy::none()`: reqwest forwards custom
    /// headers such as `secret-key` across redirects. A response that arrives after a
    /// redirect is reported as `TransportErrorKind::RedirectFollowed` and never retried, but
    /// by then the secret has been sent.
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

    /// Makes any operation, retrying as the policy and the operation's safety allow. Every
    /// other method is this with an operation.
    ///
    /// # Errors
    /// [`CallError`] with the API's refusal or the transport failure, and the attempts made.
    pub async fn run<O: Operation>(&self, operation: O) -> Result<Completed<O::Output>, CallError> {
        let span = tracing::info_span!(
            "clever_kyc.call",
            operation = O::NAME,
            transport = "reqwest"
        );
        let mut call = Call::new(operation, self.policy.clone())
            .with_jitter(Jitter::seeded(fastrand::u64(..)));
        async move {
            loop {
                let (attempt, request) = call.start(now());
                let result = send(&self.http, request, &self.settings).await;
                match attempt.finish(result, now()) {
                    Step::Sleep { delay, call: next } => {
                        tokio::time::sleep(delay).await;
                        call = next;
                    }
                    Step::Done(outcome) => return outcome,
                }
            }
        }
        .instrument(span)
        .await
    }

    /// Submits a KYC share token. Never resent once it may have reached the API: the token
    /// is single use.
    ///
    /// # Errors
    /// [`CallError`]; check [`CallError::may_have_been_processed`] and then
    /// [`reconcile`](Self::reconcile) before asking the user for a new token.
    pub async fn submit(&self, submission: &KycSubmission) -> Result<Submitted, CallError> {
        self.run(SubmitKyc::new(&self.config, submission)).await
    }

    /// Creates a contact (a contact must exist before its KYC is submitted).
    ///
    /// # Errors
    /// [`CallError`], e.g. a 422 naming the field refused.
    pub async fn create_contact(&self, contact: &NewContact) -> Result<CreatedContact, CallError> {
        let done = self.run(CreateContact::new(&self.config, contact)).await?;
        Ok(done.into_value())
    }

    /// The contact's record, or `None` if there is no such contact.
    ///
    /// # Errors
    /// [`CallError`] when no answer could be had (retried first: a lookup is idempotent).
    pub async fn contact_details(&self, email: &Email) -> Result<Option<Contact>, CallError> {
        let done = self.run(ContactDetails::new(&self.config, email)).await?;
        Ok(done.into_value())
    }

    /// The contacts whose KYC was requested in a period, record by record, fetching pages as
    /// needed. Ends after the last page, at the first error, or at the page limit.
    pub fn contacts(
        &self,
        pages: ContactPages,
    ) -> impl Stream<Item = Result<Contact, ContactListError>> + Send + '_ {
        let walk = ContactWalk::new(&self.config, pages);
        futures_util::stream::unfold(walk, move |mut walk| async move {
            loop {
                match walk.step() {
                    WalkStep::Item(item) => return Some((item, walk)),
                    WalkStep::Fetch(page) => walk.deliver(self.run(page).await),
                    WalkStep::End => return None,
                }
            }
        })
    }

    /// Reads the contact back and says whether a submission whose outcome was unknown took
    /// effect, compared with `baseline` (taken with [`contact_details`](Self::contact_details)
    /// before submitting).
    ///
    /// # Errors
    /// [`CallError`] when the contact could not be read.
    pub async fn reconcile(
        &self,
        email: &Email,
        baseline: &KycBaseline,
    ) -> Result<Reconciliation, CallError> {
        Reconciliation::judge_lookup(baseline, self.contact_details(email).await)
    }

    /// Asks Sumsub for a share token (signed with `sumsub`'s secret key; retried on
    /// failures, since a spare token simply expires).
    ///
    /// # Errors
    /// [`CallError`] with Sumsub's refusal (its `errorName` as the code) or the failure.
    pub async fn share_token(
        &self,
        sumsub: &SumsubConfig,
        request: &ShareTokenRequest,
    ) -> Result<IssuedShareToken, CallError> {
        let done = self.run(GenerateShareToken::new(sumsub, request)).await?;
        Ok(done.into_value())
    }

    /// Generates a share token at Sumsub and submits it for `email`: the whole hand-over.
    ///
    /// # Errors
    /// [`CallError`] from whichever step failed ([`CallError::operation`] says which); if
    /// the share token step failed, nothing was submitted.
    pub async fn submit_with_sumsub(
        &self,
        sumsub: &SumsubConfig,
        request: &ShareTokenRequest,
        email: Email,
        webhook: Option<WebhookNotification>,
    ) -> Result<Submitted, CallError> {
        let issued = self.share_token(sumsub, request).await?;
        self.submit(&KycSubmission::new(email, issued.token, webhook))
            .await
    }
}

/// Both clocks, read now.
fn now() -> Now {
    Now::new(SystemTime::now(), Instant::now())
}

/// Configures a [`Client`]: see [`clever_kyc_core::transport::ClientBuilder`].
pub type ClientBuilder = clever_kyc_core::transport::ClientBuilder<Client>;

impl Transport for Client {
    type Http = reqwest::Client;
    type Error = ClientBuildError;

    fn assemble(parts: ClientParts<reqwest::Client>) -> Result<Self, ClientBuildError> {
        let http = match parts.http {
            Some(http) => http,
            None => safe_reqwest_builder(&parts.settings)?.build()?,
        };
        // Checked once here, so a base URL reqwest cannot parse fails the build, not a call.
        reqwest::Url::parse(&parts.config.submit_url()).map_err(|e| ClientBuildError::Url {
            url: parts.config.submit_url(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            http,
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
    /// TLS could not be configured.
    #[error("TLS could not be configured")]
    Tls(#[from] rustls::Error),
    /// The endpoint URL could not be parsed by reqwest's URL parser.
    #[error("reqwest cannot parse the endpoint URL {url}: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// reqwest refused the configuration.
    #[error("the HTTP client could not be built")]
    Http(#[from] reqwest::Error),
}
