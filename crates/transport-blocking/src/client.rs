//! The blocking client.

use std::time::{Instant, SystemTime};

use clever_kyc_core::{
    ApiConfig, ClientParts, ConfigError, Credentials, Environment, KycSubmission, RetryPolicy,
    Step, SubmitCall, SubmitError, Submitted, Transport, TransportSettings, USER_AGENT,
};

use crate::send::send;

/// Submits KYC share tokens over ureq, on the calling thread. Cheap to clone; clones share
/// the connection pool.
///
/// ```no_run
/// use clever_kyc_blocking::{Client, Credentials, Environment, KycSubmission};
///
/// let client = Client::new(Environment::Sandbox, Credentials::new("app-id", "secret-key")?)?;
/// let submission = KycSubmission::builder()
///     .email("contact@example.com")
///     .token("_act-sbx-share-token")
///     .build()?;
/// let submitted = client.submit(&submission)?;
/// println!("accepted after {} attempt(s)", submitted.attempts);
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
    /// proxy and TLS settings and its own timeouts; the body limit still applies.
    ///
    /// # Security
    /// Configure your own agent with `max_redirects(0)` and `http_status_as_error(false)`
    /// (or start from [`safe_agent`]): ureq forwards custom headers such as `secret-key`
    /// across redirects, and with status errors on, the API's error bodies are lost.
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

    /// Submits a KYC share token, retrying as the policy allows; blocks the thread,
    /// sleeping between attempts.
    ///
    /// # Errors
    /// [`SubmitError`] with the API's refusal or the transport failure, and the number of
    /// attempts. Check [`SubmitError::may_have_been_processed`] before asking for a new token.
    pub fn submit(&self, submission: &KycSubmission) -> Result<Submitted, SubmitError> {
        let _span = tracing::info_span!("clever_kyc.submit", transport = "ureq").entered();
        let mut call = SubmitCall::new(&self.config, submission, self.policy.clone());
        let started = Instant::now();
        loop {
            let result = send(&self.agent, call.start_attempt(), &self.settings);
            match call.finish_attempt(
                result,
                SystemTime::now(),
                started.elapsed(),
                fastrand::f64(),
            ) {
                Step::RetryAfter(delay) => std::thread::sleep(delay),
                Step::Done(outcome) => return outcome,
            }
        }
    }
}

/// The `ureq::Agent` configuration this SDK needs: redirects never followed, error statuses
/// returned as responses (so their bodies are parsed), the SDK's `User-Agent`, connect and
/// whole-call timeouts from `settings`, and no proxy taken from the environment.
pub fn safe_agent(settings: &TransportSettings) -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(USER_AGENT)
        .proxy(None)
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_global(Some(settings.request_timeout))
        .build()
        .into()
}

/// Configures a [`Client`]: see [`clever_kyc_core::ClientBuilder`].
pub type ClientBuilder = clever_kyc_core::ClientBuilder<Client>;

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
