//! The contact's email address, checked for syntax before anything is sent.

use std::fmt;

/// A syntactically valid email address (the contact being verified).
///
/// The check is deliberately practical rather than RFC 5322 complete: one `@`, a dot-atom
/// local part of at most 64 bytes, a domain of at least two labels, at most 254 bytes in all.
///
/// ```
/// use clever_kyc_core::Email;
/// assert!(Email::parse("contact@example.com").is_ok());
/// assert!(Email::parse("not-an-email").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(Box<str>);

/// Why an email address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmailError {
    /// Empty or only white space.
    #[error("is blank")]
    Blank,
    /// Longer than 254 bytes.
    #[error("is {len} bytes long; at most 254 are allowed")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Not exactly one `@`.
    #[error("must contain exactly one @")]
    At,
    /// The part before `@` is empty, too long, or has a character outside a dot-atom.
    #[error("has an invalid local part (before @): {reason}")]
    LocalPart {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The part after `@` is not a domain name.
    #[error("has an invalid domain (after @): {reason}")]
    Domain {
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl Email {
    /// Checks and wraps an address.
    ///
    /// # Errors
    /// [`EmailError`] naming the rule that failed.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        if raw.trim().is_empty() {
            return Err(EmailError::Blank);
        }
        if raw.len() > 254 {
            return Err(EmailError::TooLong { len: raw.len() });
        }
        let mut parts = raw.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EmailError::At);
        };
        check_local(local).map_err(|reason| EmailError::LocalPart { reason })?;
        check_domain(domain).map_err(|reason| EmailError::Domain { reason })?;
        Ok(Self(raw.into()))
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_local(local: &str) -> Result<(), &'static str> {
    const ATEXT_SYMBOLS: &[u8] = b"!#$%&'*+-/=?^_`{|}~";
    if local.is_empty() {
        return Err("it is empty");
    }
    if local.len() > 64 {
        return Err("it is longer than 64 bytes");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("dots may not lead, trail or repeat");
    }
    let ok = local.chars().all(|c| {
        c == '.'
            || c.is_ascii_alphanumeric()
            || (c.is_ascii() && ATEXT_SYMBOLS.contains(&(c as u8)))
            || (!c.is_ascii() && c.is_alphanumeric())
    });
    if ok {
        Ok(())
    } else {
        Err("it has a space, control or punctuation character that is not allowed")
    }
}

fn check_domain(domain: &str) -> Result<(), &'static str> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    if domain.is_empty() {
        return Err("it is empty");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err("it needs at least two labels, like example.com");
    }
    for label in &labels {
        if label.is_empty() || label.len() > 63 {
            return Err("each label must be 1 to 63 bytes long");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label may not start or end with a hyphen");
        }
        if !label.chars().all(|c| {
            c == '-' || c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric())
        }) {
            return Err("labels may hold only letters, digits and hyphens");
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err("the top-level label may not be numeric");
    }
    Ok(())
}

/// Serializes as the address text.
impl serde::Serialize for Email {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "test@helloclever.co",
            "first.last+tag@sub.example.com.au",
            "o'brien@example.ie",
            "user@xn--bcher-kva.example",
            "jos\u{e9}@\u{e9}xample.fr",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn names_the_rule_that_failed() {
        assert_eq!(Email::parse("  "), Err(EmailError::Blank));
        assert_eq!(Email::parse("a@b@c.com"), Err(EmailError::At));
        assert_eq!(Email::parse("nobody"), Err(EmailError::At));
        assert!(matches!(
            Email::parse("@example.com"),
            Err(EmailError::LocalPart { .. })
        ));
        assert!(matches!(
            Email::parse("a..b@example.com"),
            Err(EmailError::LocalPart { .. })
        ));
        assert!(matches!(
            Email::parse("a b@example.com"),
            Err(EmailError::LocalPart { .. })
        ));
        assert!(matches!(
            Email::parse("ab@localhost"),
            Err(EmailError::Domain { .. })
        ));
        assert!(matches!(
            Email::parse("ab@-x.com"),
            Err(EmailError::Domain { .. })
        ));
        assert!(matches!(
            Email::parse("ab@1.2.3.4"),
            Err(EmailError::Domain { .. })
        ));
        assert!(matches!(
            Email::parse("ab@exa_mple.com"),
            Err(EmailError::Domain { .. })
        ));
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(matches!(
            Email::parse(&long),
            Err(EmailError::TooLong { .. })
        ));
    }
}
