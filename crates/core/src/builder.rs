//! The client builder both transports share: environment, credentials, retry policy,
//! transport settings and an optional HTTP client of the transport's own kind.

use std::fmt;
use std::marker::PhantomData;

use crate::config::{ApiConfig, ConfigError, Credentials, Environment};
use crate::retry::RetryPolicy;
use crate::settings::TransportSettings;

/// What a transport's client is assembled from.
#[derive(Debug)]
pub struct ClientParts<H> {
    /// The environment and credentials, checked.
    pub config: ApiConfig,
    /// The retry policy.
    pub policy: RetryPolicy,
    /// Timeouts and the response body limit.
    pub settings: TransportSettings,
    /// The caller's own HTTP client, if one was given.
    pub http: Option<H>,
}

/// Implemented by each transport's client so that [`ClientBuilder`] can build it.
pub trait Transport: Sized {
    /// The HTTP client type a caller may supply (e.g. `reqwest::Client`, `ureq::Agent`).
    type Http;
    /// Why building can fail.
    type Error: From<ConfigError>;

    /// Makes the client; builds a safe default HTTP client when `parts.http` is `None`.
    ///
    /// # Errors
    /// The transport's own setup failures.
    fn assemble(parts: ClientParts<Self::Http>) -> Result<Self, Self::Error>;
}

/// Configures a transport client `C`.
///
/// Defaults: [`RetryPolicy::default`] (safe for single-use tokens) and
/// [`TransportSettings::default`] (10 s connect, 30 s per attempt, 1 MiB response body);
/// the transport's own safe HTTP client.
#[must_use]
pub struct ClientBuilder<C: Transport> {
    environment: Environment,
    credentials: Credentials,
    policy: RetryPolicy,
    settings: TransportSettings,
    http: Option<C::Http>,
    client: PhantomData<fn() -> C>,
}

impl<C: Transport> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("credentials", &self.credentials)
            .field("policy", &self.policy)
            .field("settings", &self.settings)
            .field("custom_http_client", &self.http.is_some())
            .finish()
    }
}

impl<C: Transport> ClientBuilder<C> {
    /// Starts from the defaults.
    pub fn new(environment: Environment, credentials: Credentials) -> Self {
        Self {
            environment,
            credentials,
            policy: RetryPolicy::default(),
            settings: TransportSettings::default(),
            http: None,
            client: PhantomData,
        }
    }

    /// The retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Timeouts and the response body limit.
    pub fn transport_settings(mut self, settings: TransportSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Uses your own HTTP client (its pool, proxy and TLS settings are kept). See the
    /// transport's documentation for what it must be configured with: above all, never to
    /// follow redirects.
    pub fn http_client(mut self, http: C::Http) -> Self {
        self.http = Some(http);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// The transport's error: an unusable configuration, or its own setup failure.
    pub fn build(self) -> Result<C, C::Error> {
        let config = ApiConfig::new(self.environment, self.credentials)?;
        C::assemble(ClientParts {
            config,
            policy: self.policy,
            settings: self.settings,
            http: self.http,
        })
    }
}
