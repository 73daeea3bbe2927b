//! Authenticating a callback: its `Authorization` header must equal, byte for byte, one of
//! the values the merchant gave in `webhook_notification.authorization_header`.

use http::header::AUTHORIZATION;
use http::{HeaderMap, Request};
use subtle::{Choice, ConstantTimeEq};

use crate::secret::{AuthorizationValue, check_header_value, digest};

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

/// Checks callback `Authorization` headers against one or more expected values (several
/// allow rotation, or one value per submission).
///
/// Only SHA-256 digests of the expected values are kept, and every comparison is made in
/// constant time against all of them, so timing reveals neither which value matched nor how
/// close a guess came.
///
/// ```
/// use clever_kyc_core::{AuthorizationValue, CallbackAuthenticator, CallbackAuthError};
/// let auth = CallbackAuthenticator::new([AuthorizationValue::new("Bearer s3cret")?]);
/// let mut headers = http::HeaderMap::new();
/// assert_eq!(auth.verify(&headers), Err(CallbackAuthError::Missing));
/// headers.insert("authorization", "Bearer s3cret".parse()?);
/// assert_eq!(auth.verify(&headers), Ok(()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CallbackAuthenticator {
    expected: Vec<[u8; 32]>,
}

impl std::fmt::Debug for CallbackAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackAuthenticator")
            .field("expected_values", &self.expected.len())
            .finish()
    }
}

impl CallbackAuthenticator {
    /// Accepts any of `values`. With no values at all, every callback is refused.
    pub fn new(values: impl IntoIterator<Item = AuthorizationValue>) -> Self {
        Self {
            expected: values
                .into_iter()
                .map(|v| digest(v.expose_secret().as_bytes()))
                .collect(),
        }
    }

    /// Adds an accepted value (e.g. for a new submission, or a rotated secret).
    pub fn add(&mut self, value: &AuthorizationValue) {
        self.expected.push(digest(value.expose_secret().as_bytes()));
    }

    /// How many values are accepted.
    pub fn len(&self) -> usize {
        self.expected.len()
    }

    /// Whether no value is accepted.
    pub fn is_empty(&self) -> bool {
        self.expected.is_empty()
    }

    /// Verifies the headers of an incoming callback.
    ///
    /// # Errors
    /// [`CallbackAuthError`]: missing, repeated, malformed or mismatched `Authorization`.
    pub fn verify(&self, headers: &HeaderMap) -> Result<(), CallbackAuthError> {
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let value = values.next().ok_or(CallbackAuthError::Missing)?;
        let extra = values.count();
        if extra > 0 {
            return Err(CallbackAuthError::Repeated { count: extra + 1 });
        }
        let text =
            std::str::from_utf8(value.as_bytes()).map_err(|_| CallbackAuthError::Malformed)?;
        check_header_value(text).map_err(|_| CallbackAuthError::Malformed)?;
        let received = digest(value.as_bytes());
        let matched = self.expected.iter().fold(Choice::from(0), |acc, expected| {
            acc | expected.ct_eq(&received)
        });
        if bool::from(matched) {
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
