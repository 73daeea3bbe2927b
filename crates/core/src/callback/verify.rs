//! Authenticating a callback: its `Authorization` header must equal, byte for byte, one of
//! the values the merchant gave in `webhook_notification.authorization_header`.

use std::collections::HashSet;

use http::{HeaderMap, Request};

use crate::callback::identity::AuthDigest;
use crate::secret::AuthorizationValue;

/// Why a callback was not authenticated. None of these texts contains a header value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackAuthError {
    /// No `Authorization` header.
    #[error("the callback has no Authorization header")]
    Missing,
    /// More than one `Authorization` header: ambiguous, so refused.
    #[error("the callback has {count} Authorization headers; exactly one is expected")]
    Repeated {
        /// How many there were.
        count: usize,
    },
    /// The header is empty or has characters no authorization value we issue can contain.
    #[error("the callback's Authorization header is empty or malformed")]
    Malformed,
    /// The header matches none of the expected values.
    #[error("the callback's Authorization header matches none of the expected values")]
    Mismatch,
}

/// Checks callback `Authorization` headers against a set of accepted values (several allow
/// rotation; for one value per submission, register each in a store and use
/// [`CallbackReceiver::receive_registered`](crate::callback::CallbackReceiver::receive_registered)).
///
/// Only SHA-256 digests of the accepted values are kept. An incoming header is hashed once
/// and looked up, so the cost does not grow with the number of values; see [`AuthDigest`]
/// for why a lookup by digest leaks nothing about any value.
///
///
/// ```
/// use clever_kyc_core::{AuthorizationValue, callback::CallbackAuthenticator, callback::CallbackAuthError};
/// let auth = CallbackAuthenticator::new([AuthorizationValue::new("Bearer s3cret")?]);
/// let mut headers = http::HeaderMap::new();
/// assert_eq!(auth.verify(&headers), Err(CallbackAuthError::Missing));
/// headers.insert("authorization", "Bearer s3cret".parse()?);
/// assert_eq!(auth.verify(&headers), Ok(()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct CallbackAuthenticator {
    accepted: HashSet<AuthDigest>,
}

impl std::fmt::Debug for CallbackAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackAuthenticator")
            .field("expected_values", &self.accepted.len())
            .finish()
    }
}

impl CallbackAuthenticator {
    /// Accepts any of `values`. With no values at all, every callback is refused.
    pub fn new(values: impl IntoIterator<Item = AuthorizationValue>) -> Self {
        Self {
            accepted: values.into_iter().map(|v| AuthDigest::of(&v)).collect(),
        }
    }

    /// Adds an accepted value (e.g. a rotated secret).
    pub fn add(&mut self, value: &AuthorizationValue) {
        self.accepted.insert(AuthDigest::of(value));
    }

    /// Stops accepting a value; whether it was accepted.
    pub fn remove(&mut self, value: &AuthorizationValue) -> bool {
        self.accepted.remove(&AuthDigest::of(value))
    }

    /// Whether the value with this digest is accepted.
    pub fn accepts(&self, digest: &AuthDigest) -> bool {
        self.accepted.contains(digest)
    }

    /// How many values are accepted.
    pub fn len(&self) -> usize {
        self.accepted.len()
    }

    /// Whether no value is accepted.
    pub fn is_empty(&self) -> bool {
        self.accepted.is_empty()
    }

    /// Verifies the headers of an incoming callback.
    ///
    /// # Errors
    /// [`CallbackAuthError`]: missing, repeated, malformed or mismatched `Authorization`.
    pub fn verify(&self, headers: &HeaderMap) -> Result<(), CallbackAuthError> {
        let digest = AuthDigest::from_headers(headers)?;
        if self.accepts(&digest) {
            Ok(())
        } else {
            Err(CallbackAuthError::Mismatch)
        }
    }

    /// Verifies the headers of an incoming callback request.
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    pub fn verify_request<B>(&self, request: &Request<B>) -> Result<(), CallbackAuthError> {
        self.verify(request.headers())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::AUTHORIZATION;

    fn auth(values: &[&str]) -> CallbackAuthenticator {
        CallbackAuthenticator::new(values.iter().map(|v| AuthorizationValue::new(*v).unwrap()))
    }

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(AUTHORIZATION, http::HeaderValue::from_bytes(v).unwrap());
        }
        map
    }

    #[test]
    fn accepts_any_of_several_values_verbatim() {
        let a = auth(&["old-secret", "new-secret"]);
        assert_eq!(a.verify(&headers(&[b"old-secret"])), Ok(()));
        assert_eq!(a.verify(&headers(&[b"new-secret"])), Ok(()));
        assert_eq!(
            a.verify(&headers(&[b"New-secret"])),
            Err(CallbackAuthError::Mismatch)
        );
        assert_eq!(
            a.verify(&headers(&[b"Bearer new-secret"])),
            Err(CallbackAuthError::Mismatch)
        );
        assert_eq!(
            a.verify(&headers(&[b"new-secre"])),
            Err(CallbackAuthError::Mismatch)
        );
    }

    #[test]
    fn distinguishes_missing_repeated_and_malformed() {
        let a = auth(&["s"]);
        assert_eq!(a.verify(&HeaderMap::new()), Err(CallbackAuthError::Missing));
        assert_eq!(
            a.verify(&headers(&[b"s", b"s"])),
            Err(CallbackAuthError::Repeated { count: 2 })
        );
        assert_eq!(
            a.verify(&headers(&[b""])),
            Err(CallbackAuthError::Malformed)
        );
        assert_eq!(
            a.verify(&headers(&[b"s\xff"])),
            Err(CallbackAuthError::Malformed)
        );
    }

    #[test]
    fn with_no_expected_values_nothing_is_accepted() {
        assert_eq!(
            auth(&[]).verify(&headers(&[b"anything"])),
            Err(CallbackAuthError::Mismatch)
        );
    }

    #[test]
    fn header_name_casing_does_not_matter() {
        let a = auth(&["s"]);
        let request = Request::builder()
            .header("AUTHORIZATION", "s")
            .body(())
            .unwrap();
        assert_eq!(a.verify_request(&request), Ok(()));
    }

    #[test]
    fn debug_shows_only_the_count() {
        assert_eq!(
            format!("{:?}", auth(&["zzz"])),
            "CallbackAuthenticator { expected_values: 1 }"
        );
    }
}
