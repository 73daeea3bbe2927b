//! How values are written in stores and lines: milliseconds since the epoch, hex keys,
//! RFC 3339 times.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clever_kyc_core::callback::SubmissionId;

/// Milliseconds since the Unix epoch, saturating (before 1970 is 0).
pub(crate) fn millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The inverse of [`millis`]; negative values are the epoch.
#[cfg_attr(not(any(feature = "sqlite", feature = "redis")), allow(dead_code))]
pub(crate) fn system_time(millis: i64) -> SystemTime {
    let millis = u64::try_from(millis).unwrap_or(0);
    UNIX_EPOCH
        .checked_add(Duration::from_millis(millis))
        .unwrap_or(UNIX_EPOCH)
}

#[cfg_attr(not(any(feature = "sqlite", feature = "redis")), allow(dead_code))]
pub(crate) fn from_hex_32(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg_attr(not(any(feature = "sqlite", feature = "redis")), allow(dead_code))]
pub(crate) fn parse_submission_id(text: &str) -> Option<SubmissionId> {
    SubmissionId::new(text).ok()
}

/// A store URL with any user information replaced by `***`, for messages and logs.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// `time` as RFC 3339 in UTC with milliseconds, e.g. `2026-11-27T06:25:11.042Z`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_millis(1_795_760_711_042);
/// assert_eq!(clever_kyc_receive::rfc3339(t), "2026-11-27T06:25:11.042Z");
/// ```
pub fn rfc3339(time: SystemTime) -> String {
    let total_ms = u64::try_from(millis(time)).unwrap_or(0);
    let whole = UNIX_EPOCH + Duration::from_secs(total_ms / 1000);
    format!(
        "{}.{:03}Z",
        clever_kyc_core::utc::UtcDateTime::from_system_time(whole),
        total_ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000Z");
        let end = UNIX_EPOCH + Duration::from_secs(4_102_444_799); // 2099-12-31T23:59:59
        assert_eq!(rfc3339(end), "2099-12-31T23:59:59.000Z");
    }

    #[test]
    fn millis_round_trip_and_saturate() {
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        assert_eq!(system_time(millis(t)), t);
        assert_eq!(system_time(-5), UNIX_EPOCH);
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("redis://:hunter2@127.0.0.1:6379/0"),
            "redis://***@127.0.0.1:6379/0"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }

    #[test]
    fn hex_keys_round_trip() {
        let hex = "ab".repeat(32);
        assert_eq!(from_hex_32(&hex), Some([0xab; 32]));
        assert_eq!(from_hex_32("ab"), None);
        assert_eq!(from_hex_32(&"zz".repeat(32)), None);
    }
}
