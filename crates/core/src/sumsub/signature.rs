//! Sumsub's request signature: lowercase hex HMAC-SHA256 over `ts + METHOD + path + body`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderName, Method, Request};

use crate::secret::{SumsubAppToken, SumsubSecretKey, secrets_match};

/// `X-App-Token`: the app token.
pub(crate) const SUMSUB_APP_TOKEN_HEADER: HeaderName = HeaderName::from_static("x-app-token");
/// `X-App-Access-Ts`: the signing time, Unix seconds in decimal.
pub(crate) const SUMSUB_TIMESTAMP_HEADER: HeaderName = HeaderName::from_static("x-app-access-ts");
/// `X-App-Access-Sig`: the signature, lowercase hex.
pub(crate) const SUMSUB_SIGNATURE_HEADER: HeaderName = HeaderName::from_static("x-app-access-sig");
/// How far a request's timestamp may be from the verifier's clock.
pub(crate) const SUMSUB_SIGNATURE_WINDOW: Duration = Duration::from_secs(60);

/// The signature of a request: lowercase hex of HMAC-SHA256, keyed with the app's secret
/// key, over the decimal timestamp, the upper-case method, the path with its query exactly
/// as sent, and the body exactly as sent, with no separators.
///
/// ```
/// use clever_kyc_core::{secret::SumsubSecretKey, sumsub::sumsub_signature};
/// let key = SumsubSecretKey::new("secret")?;
/// let sig = sumsub_signature(&key, 1_700_000_000, &http::Method::GET, "/resources/status", b"");
/// assert_eq!(sig.len(), 64);
/// # Ok::<(), clever_kyc_core::secret::SecretValueError>(())
/// ```
pub fn sumsub_signature(
    secret: &SumsubSecretKey,
    timestamp: u64,
    method: &Method,
    path_and_query: &str,
    body: &[u8],
) -> String {
    crate::hex::encode(&mac(secret, timestamp, method, path_and_query, body))
}

fn mac(
    secret: &SumsubSecretKey,
    timestamp: u64,
    method: &Method,
    path_and_query: &str,
    body: &[u8],
) -> [u8; 32] {
    crate::sha256::hmac_sha256(
        secret.expose_secret().as_bytes(),
        &[
            timestamp.to_string().as_bytes(),
            method.as_str().to_ascii_uppercase().as_bytes(),
            path_and_query.as_bytes(),
            body,
        ],
    )
}

/// Unix seconds of `now`; 0 before 1970.
pub(crate) fn unix_seconds(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Why a request's Sumsub signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SumsubAuthError {
    /// A signing header is absent or not text.
    #[error("the {0} header is missing or not text")]
    MissingHeader(&'static str),
    /// The app token is not the expected one.
    #[error("the X-App-Token is not this app's")]
    UnknownAppToken,
    /// The timestamp is not decimal Unix seconds.
    #[error("X-App-Access-Ts is not a Unix time in decimal seconds")]
    BadTimestamp,
    /// The timestamp is further than the window from the verifier's clock.
    #[error(
        "X-App-Access-Ts is {skew_secs} s from this clock, more than the {} s allowed; sync the clock",
        SUMSUB_SIGNATURE_WINDOW.as_secs()
    )]
    Stale {
        /// The distance in seconds.
        skew_secs: u64,
    },
    /// The signature does not match the request.
    #[error("X-App-Access-Sig does not match the request")]
    BadSignature,
}

/// Checks a Sumsub-signed request, as Sumsub does (for simulators and tests): the app token,
/// the timestamp within [`SumsubConfig::SIGNATURE_WINDOW`](crate::sumsub::SumsubConfig::SIGNATURE_WINDOW) of `now`, and the signature over the
/// request's method, path with query, and body. Comparisons are constant-time.
///
/// # Errors
/// [`SumsubAuthError`] saying which check failed; never a secret.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use clever_kyc_core::*;
/// use clever_kyc_core::{secret::SumsubAppToken, secret::SumsubSecretKey, sumsub::GenerateShareToken, sumsub::ShareTokenRequest, sumsub::SumsubAuthError, sumsub::SumsubConfig, sumsub::verify_sumsub_request};
/// let (token, key) = (SumsubAppToken::new("sbx:app")?, SumsubSecretKey::new("key")?);
/// let config = SumsubConfig::new(token.clone(), key.clone());
/// let op = GenerateShareToken::new(&config, &ShareTokenRequest::new("applicant", "client")?);
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let request = op.request(now);
/// assert_eq!(verify_sumsub_request(&request, &token, &key, now), Ok(()));
/// let later = now + Duration::from_secs(61);
/// assert!(matches!(
///     verify_sumsub_request(&request, &token, &key, later),
///     Err(SumsubAuthError::Stale { skew_secs: 61 })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_sumsub_request<B: AsRef<[u8]>>(
    request: &Request<B>,
    app_token: &SumsubAppToken,
    secret: &SumsubSecretKey,
    now: SystemTime,
) -> Result<(), SumsubAuthError> {
    let header = |name: &HeaderName, label| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or(SumsubAuthError::MissingHeader(label))
    };
    let presented_token = header(&SUMSUB_APP_TOKEN_HEADER, "X-App-Token")?;
    let timestamp = header(&SUMSUB_TIMESTAMP_HEADER, "X-App-Access-Ts")?;
    let signature = header(&SUMSUB_SIGNATURE_HEADER, "X-App-Access-Sig")?;
    if !secrets_match(
        presented_token.as_bytes(),
        app_token.expose_secret().as_bytes(),
    ) {
        return Err(SumsubAuthError::UnknownAppToken);
    }
    if timestamp.is_empty()
        || timestamp.len() > 19
        || !timestamp.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(SumsubAuthError::BadTimestamp);
    }
    let ts: u64 = timestamp
        .parse()
        .map_err(|_| SumsubAuthError::BadTimestamp)?;
    let skew_secs = ts.abs_diff(unix_seconds(now));
    if skew_secs > SUMSUB_SIGNATURE_WINDOW.as_secs() {
        return Err(SumsubAuthError::Stale { skew_secs });
    }
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let expected = sumsub_signature(secret, ts, request.method(), path, request.body().as_ref());
    // Hex is case-insensitive on the wire; Sumsub's is lowercase, so compare lowercase.
    if secrets_match(
        signature.to_ascii_lowercase().as_bytes(),
        expected.as_bytes(),
    ) {
        Ok(())
    } else {
        Err(SumsubAuthError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sha256::hmac_sha256;

    fn signed(
        secret: &SumsubSecretKey,
        token: &SumsubAppToken,
        ts: u64,
        path: &str,
        body: &[u8],
    ) -> Request<Vec<u8>> {
        let signature = sumsub_signature(secret, ts, &Method::POST, path, body);
        Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(SUMSUB_APP_TOKEN_HEADER, token.expose_secret())
            .header(SUMSUB_TIMESTAMP_HEADER, ts.to_string())
            .header(SUMSUB_SIGNATURE_HEADER, signature)
            .body(body.to_vec())
            .unwrap()
    }

    proptest::proptest! {
        /// A request verifies as signed, and any change to its body, path or time does not.
        #[test]
        fn any_tampering_is_refused(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            flip in 0usize..200,
            query in "[a-z0-9=&]{0,20}",
            ts in 1_000_000u64..4_000_000_000,
            skew in 0u64..120,
        ) {
            let (secret, token) = (SumsubSecretKey::new("k").unwrap(), SumsubAppToken::new("sbx:t").unwrap());
            let path = format!("/resources/accessTokens/shareToken?{query}");
            let now = UNIX_EPOCH + Duration::from_secs(ts + skew);
            let request = signed(&secret, &token, ts, &path, &body);
            let verdict = verify_sumsub_request(&request, &token, &secret, now);
            if skew <= 60 {
                proptest::prop_assert_eq!(verdict, Ok(()));
            } else {
                proptest::prop_assert_eq!(verdict, Err(SumsubAuthError::Stale { skew_secs: skew }));
            }
            if !body.is_empty() && skew <= 60 {
                let mut tampered = body.clone();
                tampered[flip % body.len()] ^= 1;
                let mut request = signed(&secret, &token, ts, &path, &body);
                *request.body_mut() = tampered;
                proptest::prop_assert_eq!(
                    verify_sumsub_request(&request, &token, &secret, now),
                    Err(SumsubAuthError::BadSignature)
                );
            }
            let other = SumsubAppToken::new("sbx:other").unwrap();
            proptest::prop_assert_eq!(
                verify_sumsub_request(&request, &other, &secret, now),
                Err(SumsubAuthError::UnknownAppToken)
            );
        }
    }

    #[test]
    fn the_signed_bytes_are_ts_method_path_body_without_separators() {
        let key = SumsubSecretKey::new("k").unwrap();
        let a = sumsub_signature(&key, 1, &Method::POST, "/p?q=1", b"{}");
        assert_eq!(
            a,
            crate::hex::encode(&hmac_sha256(b"k", &[b"1POST/p?q=1{}"]))
        );
        let lower = sumsub_signature(
            &key,
            1,
            &Method::from_bytes(b"post").unwrap(),
            "/p?q=1",
            b"{}",
        );
        assert_eq!(a, lower, "the method is signed upper-case");
    }
}
