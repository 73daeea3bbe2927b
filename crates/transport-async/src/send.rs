//! One attempt over reqwest: send, read the body under the limit, classify failures.

use clever_kyc_core::{
    HttpRequest, HttpResponse, TransportError, transport::TransportErrorKind,
    transport::TransportSettings,
};

/// Sends one request and reads its whole response under the body limit.
pub(crate) async fn send(
    http: &reqwest::Client,
    request: HttpRequest,
    settings: &TransportSettings,
) -> Result<HttpResponse, TransportError> {
    let (parts, body) = request.into_parts();
    let url = reqwest::Url::parse(&parts.uri.to_string())
        .map_err(|e| TransportError::new(TransportErrorKind::Client, e))?;
    let mut request = reqwest::Request::new(parts.method, url.clone());
    *request.headers_mut() = parts.headers;
    *request.body_mut() = Some(body.into());
    // Applies even to a caller-supplied client built without a timeout.
    *request.timeout_mut() = Some(settings.request_timeout);
    let mut response = http.execute(request).await.map_err(classify)?;
    if *response.url() != url {
        // Only a caller-supplied client can follow redirects; by then the secret-key has been
        // sent to the redirect target. Report it rather than trusting that answer.
        return Err(TransportError::from_kind(
            TransportErrorKind::RedirectFollowed,
        ));
    }
    settings.check_announced_length(response.content_length())?;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if (body.len() + chunk.len()) as u64 > settings.response_body_limit {
            return Err(settings.too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let mut out = http::Response::new(body);
    *out.status_mut() = response.status();
    *out.version_mut() = response.version();
    *out.headers_mut() = std::mem::take(response.headers_mut());
    Ok(out)
}

/// Maps reqwest's error to the core's classification, keeping it as the source.
fn classify(error: reqwest::Error) -> TransportError {
    let kind = if error.is_connect() {
        // reqwest reports connect timeouts as connect errors whose cause is a timeout.
        if error.is_timeout() {
            TransportErrorKind::ConnectTimeout
        } else {
            TransportErrorKind::Connect
        }
    } else if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_redirect() {
        // A caller-supplied client followed redirects until its limit: the request was sent,
        // and the secret-key with it. Never "not sent", so never retried.
        TransportErrorKind::RedirectFollowed
    } else if error.is_builder() {
        TransportErrorKind::Client
    } else {
        // Failed while sending or receiving: the request may have reached the server.
        TransportErrorKind::Io
    };
    TransportError::new(kind, error.without_url())
}
