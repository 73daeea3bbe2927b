//! How the simulator behaves: accepted credentials, token lifetime, delivery schedule.

use std::net::SocketAddr;
use std::time::Duration;

use clever_kyc_core::{Credentials, secret::SumsubAppToken, secret::SumsubSecretKey};

/// The Sumsub app token the simulator accepts by default.
pub const MOCK_SUMSUB_APP_TOKEN: &str = "sbx:clever-kyc-mock-app";
/// The Sumsub secret key the simulator verifies signatures with by default.
pub const MOCK_SUMSUB_SECRET_KEY: &str = "clever-kyc-mock-sumsub-secret";

/// Which totals the contact list sends: the schema's `total_page`, the example's `total`,
/// both, or neither (clients must cope with each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListTotals {
    /// `total_page`, as the schema says.
    #[default]
    TotalPage,
    /// `total` (a record count), as the example shows.
    Total,
    /// Both.
    Both,
    /// Neither: clients must stop on a short or empty page.
    Neither,
}

/// The simulator's settings. [`MockConfig::new`] gives local-friendly defaults.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Where to listen; port 0 picks a free port. Default `127.0.0.1:0`.
    pub bind: SocketAddr,
    /// The app-id / secret-key pair accepted; anything else is answered 401.
    pub credentials: Credentials,
    /// How long issued tokens stay valid (Sumsub share tokens live minutes). Default 20 min.
    pub token_ttl: Duration,
    /// Largest request body accepted; larger ones are answered 413. Default 64 KiB.
    pub max_body_bytes: usize,
    /// When callbacks are delivered and retried.
    pub delivery: DeliverySchedule,
    /// How long a stalled response waits before answering. Default 300 s.
    pub stall: Duration,
    /// Deadlines, connection cap and grace period for clients (hostile ones included).
    pub limits: clever_kyc_server::ServerLimits,
    /// The Sumsub app token accepted at the share-token endpoint.
    pub sumsub_app_token: SumsubAppToken,
    /// The Sumsub secret key signatures are checked with.
    pub sumsub_secret_key: SumsubSecretKey,
    /// The totals the contact list sends.
    pub list_totals: ListTotals,
    /// The counters the simulator reports into (register them for `/metrics`).
    pub metrics: crate::metrics::MockMetrics,
}

impl MockConfig {
    /// Defaults for local use, accepting `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            credentials,
            token_ttl: Duration::from_secs(20 * 60),
            max_body_bytes: 64 * 1024,
            delivery: DeliverySchedule::default(),
            stall: Duration::from_secs(300),
            limits: clever_kyc_server::ServerLimits::default(),
            sumsub_app_token: literal(SumsubAppToken::new(MOCK_SUMSUB_APP_TOKEN)),
            sumsub_secret_key: literal(SumsubSecretKey::new(MOCK_SUMSUB_SECRET_KEY)),
            list_totals: ListTotals::default(),
            metrics: crate::metrics::MockMetrics::default(),
        }
    }
}

/// A secret built from one of this module's constants, which are plain header text (the
/// tests below build each), so the error branch cannot be taken.
fn literal<T>(value: Result<T, clever_kyc_core::secret::SecretValueError>) -> T {
    match value {
        Ok(value) => value,
        Err(_) => unreachable!("the simulator's constant credentials are header text"),
    }
}

/// When KYCStatusChanged callbacks go out, and how failed deliveries are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySchedule {
    /// Wait after acceptance before the `pending` callback. Default 50 ms.
    pub first_delay: Duration,
    /// Wait between the `pending` callback and the final status. Default 300 ms.
    pub final_delay: Duration,
    /// Waits before each retry of a failed delivery; their count is the number of retries.
    /// Default 1 s, 2 s, 4 s, 8 s.
    pub retry_delays: Vec<Duration>,
    /// Per-attempt timeout of a delivery. Default 10 s.
    pub attempt_timeout: Duration,
    /// After a callback is delivered, send it again this many times, as an at-least-once
    /// sender may: receivers must recognise the duplicates. Default 0.
    pub repeat_delivered: u32,
}

impl Default for DeliverySchedule {
    fn default() -> Self {
        Self {
            first_delay: Duration::from_millis(50),
            final_delay: Duration::from_millis(300),
            retry_delays: [1, 2, 4, 8].map(Duration::from_secs).to_vec(),
            attempt_timeout: Duration::from_secs(10),
            repeat_delivered: 0,
        }
    }
}

impl DeliverySchedule {
    /// A fast schedule for tests: 10 ms delays, retries after 50 ms, 100 ms, 200 ms.
    pub fn fast() -> Self {
        Self {
            first_delay: Duration::from_millis(10),
            final_delay: Duration::from_millis(10),
            retry_delays: [50, 100, 200].map(Duration::from_millis).to_vec(),
            attempt_timeout: Duration::from_secs(5),
            repeat_delivered: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_sumsub_credentials_are_valid_header_text() {
        assert!(SumsubAppToken::new(MOCK_SUMSUB_APP_TOKEN).is_ok());
        assert!(SumsubSecretKey::new(MOCK_SUMSUB_SECRET_KEY).is_ok());
    }
}
