//! Tolerant field decoding for an API whose pages disagree with each other: `"null"` as a
//! string, empty strings, and enum words in any casing.

use serde::Deserializer;

/// `None` for JSON `null`, `""`, and the string `"null"` (any casing); the string otherwise.
/// Absent spellings are recognised on the borrowed text, so they cost no allocation. Read
/// with `deserialize_any`: one dispatch on the next token, where `deserialize_option` and
/// then `deserialize_str` look at it twice (a wrong type gets the same error either way).
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(OptStr(|s: &str| is_present(s).then(|| s.to_owned())))
}

/// Applies `f` to the text of an optional JSON string, borrowed where the input allows.
struct OptStr<F>(F);

impl<'de, R, F: FnOnce(&str) -> Option<R>> serde::de::Visitor<'de> for OptStr<F> {
    type Value = Option<R>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok((self.0)(s))
    }
}

/// Whether a string carries a value rather than one of the API's spellings of "nothing".
pub(crate) fn is_present(s: &str) -> bool {
    // Most values are neither four letters long nor padded: decided without trimming.
    let bytes = s.as_bytes();
    let plain_end = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x80);
    if s.len() != 4 && plain_end(bytes.first()) && plain_end(bytes.last()) {
        return true;
    }
    let t = s.trim();
    !(t.is_empty() || t.eq_ignore_ascii_case("null"))
}

/// Declares a string enum matched case-insensitively, with `Other(String)` keeping any
/// unknown word exactly as sent, so that a new value from the API never breaks parsing.
macro_rules! open_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $($(#[$vdoc:meta])* $variant:ident => $word:literal),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
            /// A value this SDK does not know yet, exactly as sent.
            Other(String),
        }

        impl $name {
            /// Matches a word case-insensitively; unknown words become `Other`.
            pub fn from_word(word: &str) -> Self {
                let trimmed = word.trim();
                $(if trimmed.eq_ignore_ascii_case($word) { return Self::$variant; })+
                Self::Other(word.to_owned())
            }

            /// The documented lower-case word, or the unknown value as sent.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $word,)+
                    Self::Other(word) => word,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::lenient::WordEnum for $name {
            fn from_word_owned(word: &str) -> Self {
                Self::from_word(word)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_str($crate::lenient::WordVisitor(std::marker::PhantomData))
            }
        }
    };
}
pub(crate) use open_enum;

/// Like [`opt_string`] for an open enum: absent spellings become `None`, and known words
/// are matched on the borrowed text without allocating.
pub(crate) fn opt_word<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: WordEnum,
{
    d.deserialize_any(OptStr(|s: &str| {
        is_present(s).then(|| T::from_word_owned(s))
    }))
}

/// Implemented by every [`open_enum!`] type, for [`opt_word`].
pub(crate) trait WordEnum {
    fn from_word_owned(word: &str) -> Self;
}

/// Deserializes an open enum from a string without allocating for known words.
pub(crate) struct WordVisitor<T>(pub(crate) std::marker::PhantomData<T>);

impl<'de, T: WordEnum> serde::de::Visitor<'de> for WordVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<T, E> {
        Ok(T::from_word_owned(s))
    }
}

/// A count sent as a number or as a numeric string; `None` for `null`, `""`, `"null"` and
/// anything that is not a non-negative integer (a count the SDK cannot read is no count).
pub(crate) fn opt_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct Count;

    impl<'de> serde::de::Visitor<'de> for Count {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a count")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Self::Value, E> {
            Ok(Some(n))
        }

        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Self::Value, E> {
            Ok(u64::try_from(n).ok())
        }

        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Self::Value, E> {
            Ok((n.fract() == 0.0 && n >= 0.0 && n < u64::MAX as f64).then_some(n as u64))
        }

        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(s.trim().parse().ok())
        }

        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    d.deserialize_option(Count)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn the_fast_path_agrees_with_trimming(s in "[ \t\r\nnulNUL\u{a0}\u{3000}x\u{e9}]{0,7}") {
            let t = s.trim();
            let plain = !(t.is_empty() || t.eq_ignore_ascii_case("null"));
            proptest::prop_assert_eq!(is_present(&s), plain);
        }
    }

    #[test]
    fn absent_spellings() {
        for absent in ["", " ", "null", "NULL", " Null\t", "\u{a0}null\u{3000}"] {
            assert!(!is_present(absent), "{absent:?}");
        }
        for present in ["nil", "nulls", "x", " nul l "] {
            assert!(is_present(present), "{present:?}");
        }
    }
}
