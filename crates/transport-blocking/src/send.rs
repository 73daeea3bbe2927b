//! One attempt over ureq: send, read the body under the limit, classify failures.

use std::io::ErrorKind;

use clever_kyc_core::{
    HttpRequest, HttpResponse, TransportError, transport::TransportErrorKind,
    transport::TransportSettings,
};
use ureq::Timeout;

/// Sends one request and reads its whole response under the body limit.
pub(crate) fn send(
    agent: &ureq::Agent,
    request: HttpRequest,
    settings: &TransportSettings,
) -> Result<HttpResponse, TransportError> {
    // The same per-attempt rules as for a caller-supplied reqwest client: the attempt
    // timeout, no redirects (they would carry the secret-key), error statuses as responses.
    let request = agent
        .configure_request(request)
        .timeout_global(Some(settings.request_timeout))
        .max_redirects(0)
        .http_status_as_error(false)
        .build();
    let response = agent.run(request).map_err(classify)?;
    let (parts, mut body) = response.into_parts();
    settings.check_announced_length(body.content_length())?;
    let bytes = body
        .with_config()
        .limit(settings.response_body_limit)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => settings.too_large(),
            other => classify(other),
        })?;
    Ok(http::Response::from_parts(parts, bytes))
}

/// Maps ureq's error to the core's classification, keeping it as the source.
fn classify(error: ureq::Error) -> TransportError {
    let kind = match &error {
        // Resolution, connection and TLS handshake all happen before the request is written.
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_) => TransportErrorKind::Connect,
        ureq::Error::Io(io) if is_connect_refusal(io.kind()) => TransportErrorKind::Connect,
        // ureq runs the TLS handshake while connecting and hands rustls's errors back inside
        // an IO error; the request is written only after the handshake.
        ureq::Error::Io(io) if io.get_ref().is_some_and(is_handshake_failure) => {
            TransportErrorKind::Connect
        }
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => {
            TransportErrorKind::ConnectTimeout
        }
        ureq::Error::Timeout(_) => TransportErrorKind::Timeout,
        ureq::Error::BodyExceedsLimit(limit) => TransportErrorKind::BodyTooLarge { limit: *limit },
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => {
            TransportErrorKind::Protocol
        }
        ureq::Error::Http(_) | ureq::Error::BadUri(_) | ureq::Error::RequireHttpsOnly(_) => {
            TransportErrorKind::Client
        }
        // Anything else failed while the request was being sent or answered.
        _ => TransportErrorKind::Io,
    };
    TransportError::new(kind, error)
}

/// Whether an IO error's cause is a TLS failure that only a handshake can produce (the
/// certificate refused, no common protocol, a handshake alert): the request never left.
fn is_handshake_failure(cause: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    use rustls::{AlertDescription as Alert, Error as Tls};
    match cause.downcast_ref::<Tls>() {
        Some(
            Tls::InvalidCertificate(_)
            | Tls::NoCertificatesPresented
            | Tls::UnsupportedNameType
            | Tls::PeerIncompatible(_)
            | Tls::HandshakeNotComplete
            | Tls::InappropriateHandshakeMessage { .. },
        ) => true,
        Some(Tls::AlertReceived(alert)) => matches!(
            alert,
            Alert::HandshakeFailure
                | Alert::BadCertificate
                | Alert::UnsupportedCertificate
                | Alert::CertificateRevoked
                | Alert::CertificateExpired
                | Alert::CertificateUnknown
                | Alert::UnknownCA
                | Alert::ProtocolVersion
                | Alert::InsufficientSecurity
                | Alert::CertificateRequired
                | Alert::NoApplicationProtocol
        ),
        _ => false,
    }
}

/// The kinds an operating system reports when a connection attempt is refused outright.
fn is_connect_refusal(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::ConnectionRefused
            | ErrorKind::AddrNotAvailable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::HostUnreachable
    )
}
