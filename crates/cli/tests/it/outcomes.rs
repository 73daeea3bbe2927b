//! One outcome, one exit status and one `outcome` word, whichever command met it: each case
//! here was answered differently by different commands before the classification moved to
//! core.

use std::io::{Read, Write};
use std::net::TcpListener;

use clever_kyc_core::Credentials;
use clever_kyc_mock::{BlockingMockServer, MockConfig};
use serde_json::Value;

use crate::{APP_ID, SECRET, clever_kyc, run};

/// A loopback server that answers every request with `status`, `content_type` and `body`.
fn canned(status: u16, content_type: &str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let content_type = content_type.to_owned();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            // Read the whole request, so that closing does not reset the connection.
            let mut request = Vec::new();
            let mut buf = [0u8; 8192];
            while let Ok(n @ 1..) = stream.read(&mut buf) {
                request.extend_from_slice(&buf[..n]);
                if request_complete(&request) {
                    break;
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Canned\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nretry-after: 0\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

/// Whether `bytes` hold a whole request: the head and `content-length` bytes of body.
fn request_complete(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let Some(end) = text.find("\r\n\r\n") else {
        return false;
    };
    let length = text[..end]
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    bytes.len() >= end + 4 + length
}

fn json_outcome(base_url: &str, args: &[&str]) -> (i32, Value) {
    let (code, out, err) =
        run(clever_kyc()
            .args(args)
            .args(["--base-url", base_url, "--timeout", "2", "--json"]));
    let line = out.lines().last().unwrap_or_default();
    let value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {out:?} {err}"));
    (code, value)
}

const CREATE: &[&str] = &[
    "contact",
    "create",
    "--email",
    "ana@example.com",
    "--first-name",
    "Ana",
    "--last-name",
    "Lee",
];
const GET: &[&str] = &["contact", "get", "--email", "ana@example.com"];
const SUBMIT: &[&str] = &["submit", "--email", "ana@example.com", "--token", "tok"];

/// 429 exited 3 from `submit` but 4 from `contact`: now `rate_limited`, 3, everywhere.
#[test]
fn rate_limiting_is_one_outcome_in_every_command() {
    let url = canned(429, "application/json", "");
    for command in [CREATE, GET, SUBMIT] {
        let (code, report) = json_outcome(&url, command);
        assert_eq!(
            (code, report["outcome"].as_str()),
            (3, Some("rate_limited")),
            "{command:?}: {report}"
        );
    }
}

/// A base URL with a wrong path reaches something that answers 404 with a page: never
/// "no such contact" (which made reconciliation say the submission cannot have happened).
#[test]
fn a_404_page_is_an_unexpected_response_not_a_missing_contact() {
    let url = canned(404, "text/html", "<html><body>404 Not Found</body></html>");
    for command in [GET, CREATE, SUBMIT] {
        let (code, report) = json_outcome(&url, command);
        assert_eq!(
            (code, report["outcome"].as_str()),
            (4, Some("unexpected_response")),
            "{command:?}: {report}"
        );
        assert_eq!(report["may_have_been_processed"], false, "{report}");
    }
    // The same through the simulator mounted under a wrong prefix.
    let mock =
        BlockingMockServer::start(MockConfig::new(Credentials::new(APP_ID, SECRET).unwrap()))
            .unwrap();
    let wrong = format!("{}/api/v2", mock.base_url());
    let (code, report) = json_outcome(&wrong, GET);
    assert_eq!(
        (code, report["outcome"].as_str()),
        (4, Some("unexpected_response")),
        "{report}"
    );
}

/// The API's own "not found" answer, in its envelope, is `not_found` with exit 3.
#[test]
fn the_apis_not_found_is_not_found() {
    let url = canned(
        404,
        "application/json",
        r#"{"errors":{"code":"NOT_FOUND","message":"Contact not found"}}"#,
    );
    let (code, report) = json_outcome(&url, GET);
    assert_eq!(
        (code, report["outcome"].as_str()),
        (3, Some("not_found")),
        "{report}"
    );
}

/// Creating a contact twice is `already_exists`, and the message gives no token advice.
#[test]
fn creating_an_existing_contact_is_already_exists() {
    let mock =
        BlockingMockServer::start(MockConfig::new(Credentials::new(APP_ID, SECRET).unwrap()))
            .unwrap();
    let (code, first) = json_outcome(&mock.base_url(), CREATE);
    assert_eq!(
        (code, first["outcome"].as_str()),
        (0, Some("accepted")),
        "{first}"
    );
    let (code, again) = json_outcome(&mock.base_url(), CREATE);
    assert_eq!(
        (code, again["outcome"].as_str()),
        (3, Some("already_exists")),
        "{again}"
    );
    let error = again["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("contact creation failed"), "{error}");
    assert!(
        !error.contains("token"),
        "token advice on a contact: {error}"
    );
}

/// 401 is `credentials_refused`, never the refusal of an input a caller may skip past.
#[test]
fn refused_credentials_are_their_own_outcome() {
    let url = canned(
        401,
        "application/json",
        r#"{"errors":{"code":"REQUIRE_LOGIN","message":"Not Authorised"}}"#,
    );
    for command in [CREATE, GET, SUBMIT] {
        let (code, report) = json_outcome(&url, command);
        assert_eq!(
            (code, report["outcome"].as_str()),
            (3, Some("credentials_refused")),
            "{command:?}: {report}"
        );
    }
}

/// A timeout on a lookup says nothing about submissions or tokens.
#[test]
fn a_lookup_that_times_out_speaks_of_the_request_not_a_submission() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts and never answers.
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(8).flatten().collect();
        std::thread::sleep(std::time::Duration::from_secs(30));
        drop(held);
    });
    let (code, out, err) = run(clever_kyc().args(GET).args([
        "--base-url",
        &format!("http://{addr}"),
        "--timeout",
        "1",
    ]));
    assert_eq!(code, 4, "{out}{err}");
    assert!(err.contains("contact lookup"), "{err}");
    assert!(
        !err.contains("submission") && !err.contains("token"),
        "{err}"
    );
}
