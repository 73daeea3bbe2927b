//! `listen --forward-to`: the merchant's own service as the sink.

use std::time::Duration;

use clever_kyc_core::callback::parse_kyc_status_changed;
use clever_kyc_core::{transport::TransportSettings, url::check_endpoint_url};
use clever_kyc_receive::StoredEvent;

use crate::exit::Failure;
use crate::line::{EventLine, Tail};

/// The header carrying the event's idempotency key, so the target can deduplicate too.
pub(crate) const IDEMPOTENCY_HEADER: &str = "Clever-Kyc-Idempotency-Key";

/// Why the forward target did not take an event.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ForwardError {
    #[error("the forward target answered {0}")]
    Status(u16),
    #[error("the forward target could not be reached")]
    Unreachable(#[source] reqwest::Error),
    #[error("the stored event could not be read back ({0}); it was edited by hand")]
    Unreadable(String),
}

/// POSTs each event's JSON line; 2xx means taken.
#[derive(Debug, Clone)]
pub(crate) struct Forwarder {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl Forwarder {
    /// Checks the URL (absolute; https, or http to loopback) before anything is served.
    pub(crate) fn new(url: &str, timeout: Duration) -> Result<Self, Failure> {
        check_endpoint_url(url).map_err(|e| Failure::usage(format!("--forward-to: {e}")))?;
        let url =
            reqwest::Url::parse(url).map_err(|e| Failure::usage(format!("--forward-to: {e}")))?;
        let settings = TransportSettings {
            connect_timeout: timeout.min(Duration::from_secs(5)),
            request_timeout: timeout,
            ..TransportSettings::default()
        };
        let client = clever_kyc_async::safe_reqwest_builder(&settings)
            .map(reqwest::ClientBuilder::build)
            .map_err(|e| Failure::failed(format!("could not set up TLS for --forward-to: {e}")))?
            .map_err(|e| Failure::failed(format!("could not build the forward client: {e}")))?;
        Ok(Self { client, url })
    }

    /// Posts a stored event's JSON line with its idempotency key; 2xx means taken.
    pub(crate) async fn post_stored(&self, stored: &StoredEvent) -> Result<(), ForwardError> {
        let event = parse_kyc_status_changed(stored.event_json.as_bytes())
            .map_err(|e| ForwardError::Unreadable(e.to_string()))?;
        let line = EventLine::of_stored(stored, &event).json(Tail::Duplicate(false));
        let response = self
            .client
            .post(self.url.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(IDEMPOTENCY_HEADER, stored.idempotency_key.to_hex())
            .body(line)
            .send()
            .await
            .map_err(ForwardError::Unreachable)?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(ForwardError::Status(status.as_u16()))
        }
    }
}
