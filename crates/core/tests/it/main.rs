//! Integration tests of the core, in one binary so it compiles once.

mod hostile;
mod properties;
mod secrets_audit;
mod snapshots;

use clever_kyc_core::{ApiConfig, Credentials, Environment};

/// A sandbox configuration whose secret is easy to spot if it ever leaks into output.
pub fn sandbox_config() -> ApiConfig {
    ApiConfig::new(
        Environment::Sandbox,
        Credentials::new("app-id-123", SECRET_KEY).unwrap(),
    )
    .unwrap()
}

/// The secret-key every test uses; searched for in every output.
pub const SECRET_KEY: &str = "sk_LEAK_CANARY_secret";
/// The callback authorization value every test uses.
pub const AUTH_VALUE: &str = "Bearer AUTH_LEAK_CANARY";
