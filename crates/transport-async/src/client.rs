//! The async client.

use std::time::{Instant, SystemTime};

use clever_kyc_core::{
    ApiConfig, ClientParts, ConfigError, Credentials, Environment, KycSubmission, RetryPolicy,
    Step, SubmitCall, SubmitError, Submitted, Transport, TransportSettings,
};
use tracing::Instrument;

use crate::send::send;
use crate::tls::safe_reqwest_builder;

/// Submits KYC share tokens over reqwest. Cheap to clone; clones share the connection pool.
///
/// ```no_run
/// use clever_kyc_async::{Client, Credentials, Environment, KycSubmission};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new(Environment::Sandbox, Credentials::new("app-id", "secret-key")?)?;
/// let submission = KycSubmission::builder()
///     .email("contact@example.com")
///     .token("_act-sbx-share-token")
///     .webhook("https://merchant.example/kyc/callback", "Bearer unique-per-submission")
///     .build()?;
/// let submitted = client.submit(&submission).await?;
/// println!("accepted after {} attempt(s)", submitted.attempts);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// The submit endpoint, parsed once.
    submit_url: reqwest::Url,
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

    /// Submits a KYC share token, retrying as the policy allows.
    ///
    /// # Errors
    /// [`SubmitError`] with the API's refusal or the transport failure, and the number of
    /// attempts. Check [`SubmitError::may_have_been_processed`] before asking for a new token.
    pub async fn submit(&self, submission: &KycSubmission) -> Result<Submitted, SubmitError> {
        let call = SubmitCall::new(&self.config, submission, self.policy.clone());
        self.drive(call)
            .instrument(tracing::info_span!(
                "clever_kyc.submit",
                transport = "reqwest"
            ))
            .await
    }

    async fn drive(&self, mut call: SubmitCall) -> Result<Submitted, SubmitError> {
        let started = Instant::now();
        loop {
            let result = send(
                &self.http,
                &self.submit_url,
                call.start_attempt(),
                &self.settings,
            )
            .await;
            match call.finish_attempt(
                result,
                SystemTime::now(),
                started.elapsed(),
                fastrand::f64(),
            ) {
                Step::RetryAfter(delay) => tokio::time::sleep(delay).await,
                Step::Done(outcome) => return outcome,
            }
        }
    }
}

/// Configures a [`Client`]: see [`clever_kyc_core::ClientBuilder`].
pub type ClientBuilder = clever_kyc_core::ClientBuilder<Client>;

impl Transport for Client {
    type Http = reqwest::Client;
    type Error = ClientBuildError;

    fn assemble(parts: ClientParts<reqwest::Client>) -> Result<Self, ClientBuildError> {
        let http = match parts.http {
            Some(http) => http,
            None => safe_reqwest_builder(&parts.settings)?.build()?,
        };
        let submit_url =
            reqwest::Url::parse(&parts.config.submit_url()).map_err(|e| ClientBuildError::Url {
                url: parts.config.submit_url(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            http,
            submit_url,
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
