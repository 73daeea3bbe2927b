//! URL rules shared by the API base URL and the webhook `endpoint_url`: absolute, no user
//! info, and `https` unless the host is loopback (a local simulator or tunnel).

use std::net::{Ipv4Addr, Ipv6Addr};

use http::Uri;

/// Why a URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// The text is not a URL at all.
    #[error("is not a valid URL ({reason})")]
    Invalid {
        /// What the URL parser objected to.
        reason: String,
    },
    /// A scheme and host are required.
    #[error("must be an absolute URL with a scheme and a host, like https://example.com/path")]
    NotAbsolute,
    /// Only `https` (and `http` for loopback hosts) are accepted.
    #[error("uses the scheme `{scheme}`; only https is accepted (http only for loopback hosts)")]
    UnsupportedScheme {
        /// The scheme found.
        scheme: String,
    },
    /// Plain `http` to a host that is not loopback would expose secrets on the network.
    #[error(
        "uses http to `{host}`, which is not a loopback host; use https (http is allowed only for 127.0.0.0/8, ::1 and localhost)"
    )]
    InsecureScheme {
        /// The host found.
        host: String,
    },
    /// Credentials embedded in a URL end up in logs and proxies.
    #[error("contains user information (user:password@); put credentials in headers instead")]
    UserInfo,
    /// A query string is not meaningful here.
    #[error("must not contain a query string")]
    Query,
}

/// Parses and checks an absolute URL under the rules above.
pub(crate) fn parse_checked(raw: &str, allow_query: bool) -> Result<Uri, UrlError> {
    if raw.contains('#') {
        return Err(UrlError::Invalid {
            reason: "fragments (#...) are not allowed".into(),
        });
    }
    let uri: Uri = raw
        .parse()
        .map_err(|e: http::uri::InvalidUri| UrlError::Invalid {
            reason: e.to_string(),
        })?;
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return Err(UrlError::NotAbsolute);
    };
    if authority.as_str().contains('@') {
        return Err(UrlError::UserInfo);
    }
    let host = authority.host();
    if host.is_empty() {
        return Err(UrlError::NotAbsolute);
    }
    // `Authority::port` hides a port that does not fit a u16; read the text after the host.
    if let Some(port) = authority
        .as_str()
        .strip_prefix(host)
        .and_then(|rest| rest.strip_prefix(':'))
        && !matches!(port.parse::<u16>(), Ok(1..))
    {
        return Err(UrlError::Invalid {
            reason: format!("port {port} is not between 1 and 65535"),
        });
    }
    if !allow_query && uri.query().is_some() {
        return Err(UrlError::Query);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(uri),
        "http" if is_loopback_host(host) => Ok(uri),
        "http" => Err(UrlError::InsecureScheme { host: host.into() }),
        other => Err(UrlError::UnsupportedScheme {
            scheme: other.into(),
        }),
    }
}

/// Checks a callback `endpoint_url` under the SDK's rules: absolute, no user info, `https`
/// (or `http` to a loopback host).
///
/// # Errors
/// [`UrlError`] naming the rule that failed.
///
/// ```
/// assert!(clever_kyc_core::url::check_endpoint_url("https://merchant.example/kyc?x=1").is_ok());
/// assert!(clever_kyc_core::url::check_endpoint_url("http://merchant.example/kyc").is_err());
/// ```
pub fn check_endpoint_url(raw: &str) -> Result<Uri, UrlError> {
    parse_checked(raw, true)
}

/// `localhost`, an IPv4 address in 127.0.0.0/8, or `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    // `localhost.` (with the root dot) is resolved through DNS, not /etc/hosts: it is a
    // remote name as far as this check can know.
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
    }
    host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_ports_out_of_range_and_a_fully_qualified_localhost() {
        for url in [
            "http://127.0.0.1:9999999/",
            "http://127.0.0.1:0/",
            "https://a.example:65536/",
        ] {
            assert!(
                matches!(parse_checked(url, true), Err(UrlError::Invalid { .. })),
                "{url}"
            );
        }
        assert!(parse_checked("http://127.0.0.1:65535/", true).is_ok());
        assert!(matches!(
            parse_checked("http://localhost./cb", true),
            Err(UrlError::InsecureScheme { .. })
        ));
    }

    #[test]
    fn accepts_https_anywhere_and_http_only_on_loopback() {
        assert!(parse_checked("https://merchant.example/kyc", true).is_ok());
        assert!(parse_checked("http://127.0.0.1:8080/cb", true).is_ok());
        assert!(parse_checked("http://127.9.9.9/cb", true).is_ok());
        assert!(parse_checked("http://localhost:3000", true).is_ok());
        assert!(parse_checked("http://[::1]:3000/x", true).is_ok());
        assert_eq!(
            parse_checked("http://merchant.example/cb", true),
            Err(UrlError::InsecureScheme {
                host: "merchant.example".into()
            })
        );
        assert_eq!(
            parse_checked("http://10.0.0.1/cb", true),
            Err(UrlError::InsecureScheme {
                host: "10.0.0.1".into()
            })
        );
    }

    #[test]
    fn rejects_relative_odd_and_credentialed_urls() {
        assert_eq!(
            parse_checked("/just/a/path", true),
            Err(UrlError::NotAbsolute)
        );
        assert!(matches!(
            parse_checked("ftp://example.com/", true),
            Err(UrlError::UnsupportedScheme { .. })
        ));
        assert_eq!(
            parse_checked("https://u:p@example.com/", true),
            Err(UrlError::UserInfo)
        );
        assert!(matches!(
            parse_checked("https://exa mple.com", true),
            Err(UrlError::Invalid { .. })
        ));
        assert!(matches!(
            parse_checked("https://e.com/#frag", true),
            Err(UrlError::Invalid { .. })
        ));
        assert_eq!(
            parse_checked("https://e.com/?a=1", false),
            Err(UrlError::Query)
        );
        assert!(matches!(
            parse_checked("", true),
            Err(UrlError::Invalid { .. })
        ));
    }

    #[test]
    fn loopback_detection_is_exact() {
        assert!(is_loopback_host("LOCALHOST"));
        assert!(!is_loopback_host("localhost.evil.example"));
        assert!(!is_loopback_host("128.0.0.1"));
        assert!(!is_loopback_host("[::2]"));
        assert!(!is_loopback_host("::1"));
    }
}
