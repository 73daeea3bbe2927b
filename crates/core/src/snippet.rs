//! A bounded, printable excerpt of a body, for errors and logs.

use std::fmt;

/// At most this many bytes of a body are kept in an error.
pub(crate) const MAX_SNIPPET_BYTES: usize = 512;

/// The first bytes of a body (at most [`crate::response::BodySnippet::MAX_BYTES`], cut on a UTF-8 boundary), with
/// the body's full length, so errors can show what arrived without holding all of it.
#[derive(Clone, PartialEq, Eq)]
pub struct BodySnippet {
    text: String,
    total_len: usize,
}

impl BodySnippet {
    /// Keeps the start of `body`. Invalid UTF-8 is replaced with U+FFFD.
    pub fn new(body: &[u8]) -> Self {
        let mut end = body.len().min(MAX_SNIPPET_BYTES);
        let text = match std::str::from_utf8(&body[..end]) {
            Ok(text) => text.to_owned(),
            Err(e) if e.error_len().is_none() => {
                // The cut fell inside a character: back up to its start.
                end = e.valid_up_to();
                String::from_utf8_lossy(&body[..end]).into_owned()
            }
            Err(_) => String::from_utf8_lossy(&body[..end]).into_owned(),
        };
        Self {
            text,
            total_len: body.len(),
        }
    }

    /// The kept text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The length of the whole body in bytes.
    pub fn total_len(&self) -> usize {
        self.total_len
    }

    /// Whether the body was empty.
    pub fn is_empty(&self) -> bool {
        self.total_len == 0
    }

    /// Whether bytes were left out.
    pub fn is_truncated(&self) -> bool {
        self.text.len() < self.total_len
    }
}

impl fmt::Debug for BodySnippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BodySnippet({:?}, {} bytes)", self.text, self.total_len)
    }
}

/// Shown escaped and on one line, with a note when it was cut.
impl fmt::Display for BodySnippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.total_len == 0 {
            return f.write_str("(empty body)");
        }
        write!(f, "\"{}\"", self.text.escape_debug())?;
        if self.is_truncated() {
            write!(
                f,
                " (first {} of {} bytes)",
                self.text.len(),
                self.total_len
            )?;
        }
        Ok(())
    }
}

/// Constants that belong to [`BodySnippet`].
impl BodySnippet {
    /// At most this many bytes of a body are kept in an error.
    pub const MAX_BYTES: usize = MAX_SNIPPET_BYTES;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_on_a_character_boundary() {
        let body = "é".repeat(400); // 800 bytes, two per character
        let snippet = BodySnippet::new(body.as_bytes());
        assert_eq!(snippet.as_str().len(), 512);
        let odd = format!("x{body}");
        let snippet = BodySnippet::new(odd.as_bytes());
        assert_eq!(snippet.as_str().len(), 511);
        assert!(snippet.is_truncated());
        assert_eq!(snippet.total_len(), 801);
    }

    #[test]
    fn displays_on_one_line_and_escapes_control_characters() {
        let snippet = BodySnippet::new(b"<html>\n<h1>502</h1>");
        assert_eq!(snippet.to_string(), r#""<html>\n<h1>502</h1>""#);
        assert_eq!(BodySnippet::new(b"").to_string(), "(empty body)");
    }

    #[test]
    fn replaces_invalid_utf8() {
        let snippet = BodySnippet::new(b"ok\xff\xfeok");
        assert_eq!(snippet.as_str(), "ok\u{fffd}\u{fffd}ok");
    }
}
