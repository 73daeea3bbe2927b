//! Values that authenticate: the merchant's `secret-key` and the callback `Authorization` value.
//!
//! Both are newtypes with a redacted `Debug`, no `Display`, and an explicit
//! `expose_secret` accessor, so that they cannot reach a log line by accident.

use std::fmt;

/// Why a secret value was refused. It names which value (`the secret-key`, `the callback
/// Authorization value`...) and what was wrong, never the value itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretValueError {
    /// The value is empty.
    #[error("the {value} is empty")]
    Empty {
        /// Which value.
        value: &'static str,
    },
    /// HTTP trims surrounding white space, so the value would not arrive verbatim.
    #[error("the {value} starts or ends with white space, which HTTP would strip")]
    SurroundingWhitespace {
        /// Which value.
        value: &'static str,
    },
    /// The byte at `position` cannot appear in an HTTP header value.
    #[error(
        "the {value} has a character at byte {position} that is not allowed in an HTTP header value"
    )]
    InvalidCharacter {
        /// Which value.
        value: &'static str,
        /// Byte offset of the first offending byte.
        position: usize,
    },
}

impl SecretValueError {
    /// Which value was refused ("secret-key", "callback Authorization value"...).
    pub fn value(&self) -> &'static str {
        match self {
            Self::Empty { value }
            | Self::SurroundingWhitespace { value }
            | Self::InvalidCharacter { value, .. } => value,
        }
    }
}

/// Checks that `value` can travel verbatim as an HTTP header value: visible ASCII and
/// inner spaces or tabs only.
pub(crate) fn check_header_value(value: &str, name: &'static str) -> Result<(), SecretValueError> {
    if value.is_empty() {
        return Err(SecretValueError::Empty { value: name });
    }
    let bytes = value.as_bytes();
    let allowed = |b: u8| b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b);
    // One vectorisable pass for the usual clean value; the position only on failure.
    if !bytes.iter().fold(true, |acc, &b| acc & allowed(b))
        && let Some(position) = bytes.iter().position(|&b| !allowed(b))
    {
        return Err(SecretValueError::InvalidCharacter {
            value: name,
            position,
        });
    }
    if bytes.first().is_some_and(u8::is_ascii_whitespace)
        || bytes.last().is_some_and(u8::is_ascii_whitespace)
    {
        return Err(SecretValueError::SurroundingWhitespace { value: name });
    }
    Ok(())
}

/// Compares two secrets without leaking, through timing, where they differ or how long
/// either is: both are hashed to fixed-size digests first, which are compared in constant time.
pub fn secrets_match(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (digest(a), digest(b));
    // Every byte is compared, whatever differs where; black_box keeps the optimizer from
    // turning the fold into an early exit.
    let difference = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    std::hint::black_box(difference) == 0
}

pub(crate) fn digest(bytes: &[u8]) -> [u8; 32] {
    crate::sha256::sha256(bytes)
}

macro_rules! secret_newtype {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(Box<str>);

        impl $name {
            /// Wraps a secret after checking that it can be sent verbatim as a header value.
            ///
            /// # Errors
            /// [`SecretValueError`] when the value is empty, has surrounding white space or a
            /// character that a header value cannot carry. The error never contains the value.
            pub fn new(value: impl Into<String>) -> Result<Self, SecretValueError> {
                let value = value.into();
                check_header_value(&value, $what)?;
                Ok(Self(value.into_boxed_str()))
            }

            /// Wraps text the caller built from characters `check_header_value` accepts.
            #[allow(dead_code)]
            pub(crate) fn from_checked(value: String) -> Self {
                debug_assert!(check_header_value(&value, $what).is_ok());
                Self(value.into_boxed_str())
            }

            /// The secret itself. Call this only where the value must leave the process
            /// (the header it belongs in).
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        /// Constant-time: see [`secrets_match`].
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                secrets_match(self.0.as_bytes(), other.0.as_bytes())
            }
        }

        impl Eq for $name {}
    };
}

secret_newtype!(
    /// A Sumsub app token (`X-App-Token`): it names the app and its environment (sandbox
    /// tokens start `sbx:`). Kept out of logs like a secret, since it is half a credential.
    ///
    /// ```
    /// let token = clever_kyc_core::secret::SumsubAppToken::new("sbx:abc").unwrap();
    /// assert_eq!(format!("{token:?}"), "SumsubAppToken(<redacted>)");
    /// ```
    SumsubAppToken,
    "Sumsub app token"
);

secret_newtype!(
    /// The Sumsub app's secret key, which signs every request (HMAC-SHA256). Never sent.
    ///
    /// ```
    /// let key = clever_kyc_core::secret::SumsubSecretKey::new("s3cr3t").unwrap();
    /// assert_eq!(format!("{key:?}"), "SumsubSecretKey(<redacted>)");
    /// ```
    SumsubSecretKey,
    "Sumsub secret key"
);

secret_newtype!(
    /// The merchant application's `secret-key`, from the Hello Clever merchant portal.
    ///
    /// ```
    /// let key = clever_kyc_core::secret::SecretKey::new("sk_live_123").unwrap();
    /// assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
    /// assert_eq!(key.expose_secret(), "sk_live_123");
    /// ```
    SecretKey,
    "secret-key"
);

secret_newtype!(
    /// The value Hello Clever echoes as the `Authorization` header of every
    /// `KYCStatusChanged` callback (`webhook_notification.authorization_header`).
    ///
    /// The API advises a unique value per submission; it is the only proof that a callback
    /// comes from Hello Clever.
    ///
    /// ```
    /// let auth = clever_kyc_core::AuthorizationValue::new("Bearer s3cr3t").unwrap();
    /// assert_eq!(format!("{auth:?}"), "AuthorizationValue(<redacted>)");
    /// ```
    AuthorizationValue,
    "callback Authorization value"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let key = SecretKey::new("very-secret").unwrap();
        let auth = AuthorizationValue::new("Bearer hunter2").unwrap();
        assert!(!format!("{key:?}{auth:?}{key:#?}").contains("secret-"));
        assert!(!format!("{auth:#?}").contains("hunter2"));
    }

    #[test]
    fn refuses_values_that_cannot_travel_verbatim() {
        assert_eq!(
            SecretKey::new("").unwrap_err(),
            SecretValueError::Empty {
                value: "secret-key"
            }
        );
        assert_eq!(
            SecretKey::new("").unwrap_err().to_string(),
            "the secret-key is empty"
        );
        assert_eq!(
            SecretKey::new(" padded").unwrap_err(),
            SecretValueError::SurroundingWhitespace {
                value: "secret-key"
            }
        );
        assert_eq!(
            AuthorizationValue::new("a\nb").unwrap_err(),
            SecretValueError::InvalidCharacter {
                value: "callback Authorization value",
                position: 1
            }
        );
        assert_eq!(
            AuthorizationValue::new("caf\u{e9}").unwrap_err(),
            SecretValueError::InvalidCharacter {
                value: "callback Authorization value",
                position: 3
            }
        );
        assert!(AuthorizationValue::new("Bearer a b\tc").is_ok());
    }

    #[test]
    fn errors_do_not_contain_the_value() {
        let err = SecretKey::new("abc\u{7f}def").unwrap_err();
        assert!(!err.to_string().contains("abc"));
    }

    #[test]
    fn equality_is_exact() {
        let a = SecretKey::new("abc").unwrap();
        assert_eq!(a, SecretKey::new("abc").unwrap());
        assert_ne!(a, SecretKey::new("abd").unwrap());
        assert_ne!(a, SecretKey::new("abcd").unwrap());
        assert!(secrets_match(b"", b""));
        assert!(!secrets_match(b"x", b"X"));
    }
}
