//! Delivering KYCStatusChanged callbacks: pending first, then the final status, each retried
//! with backoff until the receiver answers 200, the same payload every time.

use std::sync::Arc;
use std::time::Duration;

use clever_kyc_core::{
    AuthorizationValue, KycStatus, callback::callback_request, transport::error_chain,
};

use crate::contact::status_changed;
use crate::records::{DeliveryAttempt, SubmissionRecord};
use crate::store::Store;

/// The simulator's own HTTP client setup, written apart from the SDK's transports on
/// purpose: a bug in the client under test must not hide in the simulator too. rustls on
/// ring with the Mozilla roots (https to loopback works), redirects never followed, no proxy
/// from the environment.
fn delivery_builder(attempt_timeout: Duration) -> Result<reqwest::ClientBuilder, String> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent("clever-kyc-mock")
        .connect_timeout(attempt_timeout)
        .timeout(attempt_timeout))
}

/// The HTTP client deliveries use.
pub(crate) fn delivery_client(store: &Store) -> Result<reqwest::Client, String> {
    delivery_builder(store.config.delivery.attempt_timeout)?
        .build()
        .map_err(|e| error_chain(&e))
}

/// Whether `url` reaches only this machine, and the client to deliver with. An IP literal is
/// checked as it is; a host name is resolved once here, and only when every address it
/// resolves to is loopback is it delivered to, with the client pinned to those addresses (a
/// second resolution cannot point it elsewhere).
async fn pin_to_loopback(
    url: &str,
    client: &reqwest::Client,
    store: &Store,
) -> Option<reqwest::Client> {
    let uri = clever_kyc_core::url::check_endpoint_url(url).ok()?;
    let host = uri.host()?;
    if !clever_kyc_core::url::is_loopback_host(host) {
        return None;
    }
    let literal = host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[');
    if literal {
        return Some(client.clone());
    }
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    let addrs: Vec<std::net::SocketAddr> =
        tokio::net::lookup_host((host, port)).await.ok()?.collect();
    if addrs.is_empty() || !addrs.iter().all(|a| a.ip().is_loopback()) {
        return None;
    }
    delivery_builder(store.config.delivery.attempt_timeout)
        .ok()?
        .resolve_to_addrs(host, &addrs)
        .build()
        .ok()
}

pub(crate) async fn deliver_all(
    store: Arc<Store>,
    client: reqwest::Client,
    submission: SubmissionRecord,
    endpoint_url: String,
    authorization: AuthorizationValue,
) {
    let schedule = store.config.delivery.clone();
    let (loopback, client) = match pin_to_loopback(&endpoint_url, &client, &store).await {
        Some(pinned) => (true, pinned),
        None => (false, client),
    };
    let mut statuses = vec![KycStatus::Pending];
    statuses.extend(submission.outcome.final_status());
    for (index, status) in statuses.into_iter().enumerate() {
        let wait = if index == 0 {
            schedule.first_delay
        } else {
            schedule.final_delay
        };
        tokio::time::sleep(wait).await;
        let event = status_changed(&submission.email, status.clone());
        if !loopback {
            // A local simulator must never reach out to the internet.
            store.record_delivery(DeliveryAttempt {
                submission_id: submission.id,
                email: submission.email.clone(),
                kyc_status: status.as_str().to_owned(),
                attempt: 1,
                at_ms: store.now_ms(),
                http_status: None,
                error: Some("not delivered: the simulator delivers only to loopback hosts".into()),
                delivered: false,
                repeat: false,
            });
            continue;
        }
        let mut attempt = 0u32;
        let mut repeats_left = schedule.repeat_delivered;
        let mut delivered_once = false;
        loop {
            attempt += 1;
            // Rebuilt per attempt from the same event: the same bytes every time.
            let Ok(request) = callback_request(&endpoint_url, &authorization, &event) else {
                tracing::warn!(
                    submission = submission.id,
                    "callback URL is unusable; not delivering"
                );
                return;
            };
            let (http_status, error) = match reqwest::Request::try_from(request) {
                Ok(req) => match client.execute(req).await {
                    Ok(response) => (Some(response.status().as_u16()), None),
                    Err(e) => (None, Some(error_chain(&e.without_url()))),
                },
                Err(e) => (None, Some(error_chain(&e))),
            };
            let delivered = http_status == Some(200);
            store.record_delivery(DeliveryAttempt {
                submission_id: submission.id,
                email: submission.email.clone(),
                kyc_status: status.as_str().to_owned(),
                attempt,
                at_ms: store.now_ms(),
                http_status,
                error,
                delivered,
                repeat: delivered_once,
            });
            if delivered || delivered_once {
                delivered_once = true;
                if repeats_left == 0 {
                    break;
                }
                repeats_left -= 1;
                continue;
            }
            match schedule.retry_delays.get(attempt as usize - 1) {
                Some(delay) => tokio::time::sleep(*delay).await,
                None => {
                    tracing::warn!(
                        submission = submission.id,
                        status = status.as_str(),
                        attempt,
                        "giving up delivering a callback"
                    );
                    break;
                }
            }
        }
    }
}
