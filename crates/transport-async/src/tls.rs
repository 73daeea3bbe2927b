//! The TLS setup: rustls on ring with the Mozilla roots, the same provider and roots as the
//! blocking transport, so that a workspace never builds a second crypto library.

use std::sync::Arc;
use std::time::Duration;

use clever_kyc_core::{config::ApiConfig, transport::TransportSettings};

/// rustls client configuration on the ring provider with the webpki (Mozilla) roots,
/// TLS 1.2 and 1.3.
///
/// # Errors
/// A rustls error if the provider does not support the protocol versions (it does).
pub fn rustls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// A `reqwest::ClientBuilder` with this SDK's safe defaults: rustls on ring, redirects never
/// followed, the SDK's `User-Agent`, connect and total timeouts from `settings`, no proxy
/// taken from the environment (an `HTTPS_PROXY` variable should not silently re-route the
/// secret-key).
///
/// Use it to build a client for other calls that share the same policy; the simulator
/// delivers its callbacks with it.
///
/// # Errors
/// A rustls error from [`rustls_config`].
pub fn safe_reqwest_builder(
    settings: &TransportSettings,
) -> Result<reqwest::ClientBuilder, rustls::Error> {
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(rustls_config()?)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(ApiConfig::USER_AGENT)
        .no_proxy()
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        .pool_idle_timeout(Duration::from_secs(60)))
}
