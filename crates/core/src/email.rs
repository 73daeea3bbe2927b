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

/// Why an email address was refused: the address (its first 64 characters; an email is not
/// a secret) and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("email {value:?} {problem}")]
pub struct EmailError {
    value: String,
    problem: EmailProblem,
}

impl EmailError {
    fn new(raw: &str, problem: EmailProblem) -> Self {
        Self {
            value: raw.chars().take(64).collect(),
            problem,
        }
    }

    /// The address refused (its first 64 characters).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The rule it broke.
    pub fn problem(&self) -> &EmailProblem {
        &self.problem
    }
}

/// The rule an email address broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmailProblem {
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
        check(raw)?;
        Ok(Self(raw.into()))
    }

    /// Checks and wraps an address the caller already owns, keeping its allocation.
    ///
    /// # Errors
    /// [`EmailError`] naming the rule that failed.
    pub fn parse_owned(raw: String) -> Result<Self, EmailError> {
        check(&raw)?;
        Ok(Self(raw.into_boxed_str()))
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The syntax rules, shared by both constructors.
fn check(raw: &str) -> Result<(), EmailError> {
    problem(raw).map_err(|problem| EmailError::new(raw, problem))
}

fn problem(raw: &str) -> Result<(), EmailProblem> {
    if raw.trim().is_empty() {
        return Err(EmailProblem::Blank);
    }
    if raw.len() > 254 {
        return Err(EmailProblem::TooLong { len: raw.len() });
    }
    let Some((local, domain)) = raw.split_once('@').filter(|(_, d)| !d.contains('@')) else {
        return Err(EmailProblem::At);
    };
    check_local(local).map_err(|reason| EmailProblem::LocalPart { reason })?;
    check_domain(domain).map_err(|reason| EmailProblem::Domain { reason })
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
    // ASCII bytes through a table; characters only past the first non-ASCII byte.
    const ALLOWED: [bool; 128] = {
        let mut table = [false; 128];
        let mut i = 0;
        while i < 128 {
            let b = i as u8;
            table[i] = b == b'.' || b.is_ascii_alphanumeric();
            i += 1;
        }
        let mut j = 0;
        while j < ATEXT_SYMBOLS.len() {
            table[ATEXT_SYMBOLS[j] as usize] = true;
            j += 1;
        }
        table
    };
    let ascii = local
        .bytes()
        .position(|b| !b.is_ascii())
        .unwrap_or(local.len());
    let ok = local.as_bytes()[..ascii]
        .iter()
        .all(|&b| ALLOWED[usize::from(b)])
        && local[ascii..].chars().all(|c| {
            if c.is_ascii() {
                ALLOWED[c as usize]
            } else {
                c.is_alphanumeric()
            }
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
    if !domain.contains('.') {
        return Err("it needs at least two labels, like example.com");
    }
    for label in domain.split('.') {
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
    let tld = domain.rsplit('.').next().unwrap_or(domain);
    if tld.chars().all(|c| c.is_ascii_digit()) {
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
        let problem = |raw: &str| Email::parse(raw).unwrap_err().problem().clone();
        assert_eq!(problem("  "), EmailProblem::Blank);
        assert_eq!(problem("a@b@c.com"), EmailProblem::At);
        assert_eq!(
            Email::parse("nobody").unwrap_err().to_string(),
            "email \"nobody\" must contain exactly one @"
        );
        assert!(matches!(
            Email::parse("@example.com").map_err(|e| e.problem().clone()),
            Err(EmailProblem::LocalPart { .. })
        ));
        assert!(matches!(
            Email::parse("a..b@example.com").map_err(|e| e.problem().clone()),
            Err(EmailProblem::LocalPart { .. })
        ));
        assert!(matches!(
            Email::parse("a b@example.com").map_err(|e| e.problem().clone()),
            Err(EmailProblem::LocalPart { .. })
        ));
        assert!(matches!(
            Email::parse("ab@localhost").map_err(|e| e.problem().clone()),
            Err(EmailProblem::Domain { .. })
        ));
        assert!(matches!(
            Email::parse("ab@-x.com").map_err(|e| e.problem().clone()),
            Err(EmailProblem::Domain { .. })
        ));
        assert!(matches!(
            Email::parse("ab@1.2.3.4").map_err(|e| e.problem().clone()),
            Err(EmailProblem::Domain { .. })
        ));
        assert!(matches!(
            Email::parse("ab@exa_mple.com").map_err(|e| e.problem().clone()),
            Err(EmailProblem::Domain { .. })
        ));
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(matches!(
            Email::parse(&long).map_err(|e| e.problem().clone()),
            Err(EmailProblem::TooLong { .. })
        ));
    }

    /// The local-part rule written plainly, character by character.
    fn plain_local_rule(local: &str) -> bool {
        local.chars().all(|c| {
            c == '.'
                || c.is_ascii_alphanumeric()
                || (c.is_ascii() && "!#$%&'*+-/=?^_`{|}~".contains(c))
                || (!c.is_ascii() && c.is_alphanumeric())
        })
    }

    proptest::proptest! {
        #[test]
        fn the_table_agrees_with_the_plain_rule(local in "[ -~\\u{e9}\\u{a0}\\u{3000}\\u{65e5}]{1,20}") {
            let dots_ok = !local.starts_with('.') && !local.ends_with('.') && !local.contains("..");
            let expected = dots_ok && local.len() <= 64 && plain_local_rule(&local);
            proptest::prop_assert_eq!(check_local(&local).is_ok(), expected);
        }
    }
}
