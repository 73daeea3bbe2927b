//! Which submission a callback belongs to.
//!
//! Hello Clever advises one `Authorization` value per submission, so the value a callback
//! echoes is what identifies the submission. A receiver keeps only the SHA-256 digest of each
//! value it issued ([`AuthDigest`]), mapped to the submission's [`Registration`]; an incoming
//! header is hashed once and looked up, whatever the number of registered values.

use std::fmt;
use std::time::{Duration, SystemTime};

use http::HeaderMap;
use http::header::AUTHORIZATION;

use crate::callback::verify::CallbackAuthError;
use crate::email::Email;
use crate::hex::encode as hex;
use crate::secret::{AuthorizationValue, check_header_value, digest};

/// How long a registration stays valid when nothing else is said: 30 days, longer than any
/// KYC review plus Hello Clever's delivery retries.
pub(crate) const DEFAULT_REGISTRATION_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The SHA-256 digest of an `Authorization` value: what a receiver stores instead of the
/// value itself.
///
/// # Security
/// Digests are looked up in hash tables, not compared in constant time. That is safe because
/// timing can reveal at most how a guess's *digest* relates to a stored digest, which says
/// nothing about any value (SHA-256 is preimage-resistant). A stolen store reveals no value.
///
/// ```
/// use clever_kyc_core::{callback::AuthDigest, AuthorizationValue};
/// let value = AuthorizationValue::new("Bearer per-submission")?;
/// let mut headers = http::HeaderMap::new();
/// headers.insert("authorization", "Bearer per-submission".parse()?);
/// assert_eq!(AuthDigest::from_headers(&headers)?, AuthDigest::of(&value));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AuthDigest([u8; 32]);

impl AuthDigest {
    /// The digest of a value the merchant issued.
    pub fn of(value: &AuthorizationValue) -> Self {
        Self(digest(value.expose_secret().as_bytes()))
    }

    /// The digest of a callback's one `Authorization` header.
    ///
    /// # Errors
    /// [`CallbackAuthError::Missing`], [`Repeated`](CallbackAuthError::Repeated) or
    /// [`Malformed`](CallbackAuthError::Malformed): the refusals that need no lookup.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, CallbackAuthError> {
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let value = values.next().ok_or(CallbackAuthError::Missing)?;
        let extra = values.count();
        if extra > 0 {
            return Err(CallbackAuthError::Repeated { count: extra + 1 });
        }
        let text =
            std::str::from_utf8(value.as_bytes()).map_err(|_| CallbackAuthError::Malformed)?;
        check_header_value(text, "callback Authorization value")
            .map_err(|_| CallbackAuthError::Malformed)?;
        Ok(Self(digest(value.as_bytes())))
    }

    /// A digest from its 32 bytes (as stored).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lower-case hex digits, for storage keys.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

/// Only a prefix: enough to tell digests apart in a log, nothing to look one up with.
impl fmt::Debug for AuthDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthDigest({}…)", hex(&self.0[..4]))
    }
}

/// Why a submission id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubmissionIdError {
    /// Empty, or longer than [`SubmissionId::MAX_LEN`] bytes.
    #[error("a submission id has 1 to {max} bytes; this one has {len}")]
    Length {
        /// The length given.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// Only ASCII letters, digits, `-`, `_` and `.` are allowed, so that an id is safe in
    /// file names, Redis keys and log lines.
    #[error(
        "a submission id has a character at byte {position} other than A-Z, a-z, 0-9, '-', '_' or '.'"
    )]
    InvalidCharacter {
        /// Byte offset of the first offending byte.
        position: usize,
    },
}

/// The merchant's name for one submission of a share token: what a callback is traced back
/// to. Not a secret.
///
/// ```
/// use clever_kyc_core::callback::SubmissionId;
/// let id = SubmissionId::from_random_bytes([7; 16]);
/// assert_eq!(id.as_str(), "sub_07070707070707070707070707070707");
/// assert!(SubmissionId::new("order-1234").is_ok());
/// assert!(SubmissionId::new("has space").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubmissionId(Box<str>);

impl SubmissionId {
    /// The longest id accepted, in bytes.
    pub const MAX_LEN: usize = 128;

    /// Checks and wraps a merchant-chosen id.
    ///
    /// # Errors
    /// [`SubmissionIdError`] naming what was wrong.
    pub fn new(id: impl Into<String>) -> Result<Self, SubmissionIdError> {
        let id = id.into();
        if id.is_empty() || id.len() > Self::MAX_LEN {
            return Err(SubmissionIdError::Length {
                len: id.len(),
                max: Self::MAX_LEN,
            });
        }
        if let Some(position) = id
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
        {
            return Err(SubmissionIdError::InvalidCharacter { position });
        }
        Ok(Self(id.into_boxed_str()))
    }

    /// A fresh id, `sub_` and 32 hex digits, from 16 random bytes the caller drew (the core
    /// has no random source of its own).
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        Self(format!("sub_{}", hex(&bytes)).into_boxed_str())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SubmissionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A fresh `Authorization` value for one submission: `Bearer ` and the 32 random bytes the
/// caller drew, base64url without padding (43 characters).
///
/// ```
/// let value = clever_kyc_core::callback::authorization_from_random_bytes([0xfb; 32]);
/// assert!(value.expose_secret().starts_with("Bearer -_v7"));
/// assert_eq!(value.expose_secret().len(), "Bearer ".len() + 43);
/// ```
pub fn authorization_from_random_bytes(bytes: [u8; 32]) -> AuthorizationValue {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut text = String::with_capacity(7 + 43);
    text.push_str("Bearer ");
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        let symbols = chunk.len() + 1;
        for i in 0..symbols {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            text.push(char::from(ALPHABET[index as usize]));
        }
    }
    // Only "Bearer " and base64url symbols: always a valid header value.
    AuthorizationValue::from_checked(text)
}

/// What a receiver knows about one registered `Authorization` value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Registration {
    /// The submission the value was issued for.
    pub submission_id: SubmissionId,
    /// The contact's email, as submitted.
    pub email: Email,
    /// When it was registered.
    pub created_at: SystemTime,
    /// When it stops being accepted.
    pub expires_at: SystemTime,
}

impl Registration {
    /// A registration made at `now` that expires after `retention` (saturating at the end
    /// of representable time).
    pub fn new(
        submission_id: SubmissionId,
        email: Email,
        now: SystemTime,
        retention: Duration,
    ) -> Self {
        let expires_at = now.checked_add(retention).unwrap_or_else(far_future);
        Self {
            submission_id,
            email,
            created_at: now,
            expires_at,
        }
    }

    /// A registration as stored: every field given.
    pub fn from_parts(
        submission_id: SubmissionId,
        email: Email,
        created_at: SystemTime,
        expires_at: SystemTime,
    ) -> Self {
        Self {
            submission_id,
            email,
            created_at,
            expires_at,
        }
    }

    /// Whether it is still accepted at `now`.
    pub fn is_live_at(&self, now: SystemTime) -> bool {
        now < self.expires_at
    }
}

fn far_future() -> SystemTime {
    // About 10,000 years ahead: representable on every platform std supports.
    SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_799)
}

/// Constants that belong to [`Registration`].
impl Registration {
    /// How long a registration stays valid when nothing else is said: 30 days, longer than any
    /// KYC review plus Hello Clever's delivery retries.
    pub const DEFAULT_RETENTION: Duration = DEFAULT_REGISTRATION_RETENTION;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn registration(id: &str, now: SystemTime, retention: Duration) -> Registration {
        Registration::new(
            SubmissionId::new(id).unwrap(),
            Email::parse("a@example.com").unwrap(),
            now,
            retention,
        )
    }

    #[test]
    fn base64url_matches_the_rfc_4648_test_vectors_shape() {
        // 32 zero bytes are 43 'A's; the last symbol carries 2 bits of the last byte.
        let zeros = authorization_from_random_bytes([0; 32]);
        assert_eq!(zeros.expose_secret(), format!("Bearer {}", "A".repeat(43)));
        let mut bytes = [0u8; 32];
        bytes[..3].copy_from_slice(b"Man");
        bytes[31] = 0xff;
        let value = authorization_from_random_bytes(bytes);
        assert!(value.expose_secret().starts_with("Bearer TWFu"));
        // The last two bytes (0x00, 0xff) are the final 3 symbols: 000000 001111 111100.
        assert!(value.expose_secret().ends_with("AP8"));
    }

    #[test]
    fn submission_ids_are_checked_and_named() {
        assert_eq!(
            SubmissionId::new("").unwrap_err(),
            SubmissionIdError::Length { len: 0, max: 128 }
        );
        assert_eq!(
            SubmissionId::new("a".repeat(129)).unwrap_err(),
            SubmissionIdError::Length { len: 129, max: 128 }
        );
        assert_eq!(
            SubmissionId::new("ok-id/../x").unwrap_err(),
            SubmissionIdError::InvalidCharacter { position: 5 }
        );
        assert_eq!(SubmissionId::new("A.b_c-9").unwrap().to_string(), "A.b_c-9");
    }

    #[test]
    fn an_endless_retention_saturates_instead_of_overflowing() {
        let r = registration("s1", at(5), Duration::MAX);
        assert!(r.is_live_at(at(4_000_000_000)));
    }

    #[test]
    fn digest_debug_shows_a_prefix_only() {
        let digest = AuthDigest::from_bytes([0xab; 32]);
        assert_eq!(format!("{digest:?}"), "AuthDigest(abababab…)");
        assert_eq!(digest.to_hex().len(), 64);
    }
}
