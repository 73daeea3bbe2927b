//! `listen --forward-to`: the merchant's own service as the sink.

use std::time::Duration;

use clever_kyc_core::{transport::TransportSettings, url::check_endpoint_url};
use clever_kyc_receive::{BoxError, CallbackHandler, Receipt};

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

    async fn forward(&self, receipt: &Receipt) -> Result<(), ForwardError> {
        let callback = &receipt.callback;
        let line = EventLine::of_receipt(receipt).json(Tail::Duplicate(receipt.is_duplicate()));
        let response = self
            .client
            .post(self.url.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(IDEMPOTENCY_HEADER, callback.idempotency_key().to_hex())
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

impl CallbackHandler for Forwarder {
    async fn handle(&self, receipt: Receipt) -> Result<(), BoxError> {
        self.forward(&receipt).await.map_err(Into::into)
    }
}
