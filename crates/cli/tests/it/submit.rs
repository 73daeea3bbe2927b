//! `clever-kyc submit`: exit statuses, JSON output, validation before sending.

use clever_kyc_core::Credentials;
use clever_kyc_mock::{BlockingMockServer, Fault, MockConfig, TokenOutcome};
use serde_json::Value;

use crate::{APP_ID, SECRET, clever_kyc, run};

fn mock() -> BlockingMockServer {
    BlockingMockServer::start(MockConfig::new(Credentials::new(APP_ID, SECRET).unwrap())).unwrap()
}

fn submit(mock: &BlockingMockServer, token: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut command = clever_kyc();
    command.args([
        "submit",
        "--json",
        "--email",
        "a@example.com",
        "--token",
        token,
        "--base-url",
        &mock.base_url(),
        "--timeout",
        "2",
    ]);
    command.args(extra);
    let (code, stdout, stderr) = run(&mut command);
    let json = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {stdout:?} {stderr}"));
    (code, json, stderr)
}

#[test]
fn an_accepted_submission_exits_0_on_both_transports() {
    let mock = mock();
    for transport in [&[][..], &["--blocking"][..]] {
        let token = mock.issue_token(TokenOutcome::Approved);
        let (code, json, _) = submit(&mock, &token, transport);
        assert_eq!(code, 0, "{json}");
        assert_eq!(json["outcome"], "accepted");
        assert_eq!(json["http_status"], 200);
        assert_eq!(json["attempts"], 1);
        assert!(json["code"].is_null() && json["message"].is_null());
    }
}

#[test]
fn a_refused_token_exits_3_with_the_api_message() {
    let mock = mock();
    let (code, json, _) = submit(&mock, "expired-token", &["--blocking"]);
    assert_eq!(code, 3);
    assert_eq!(json["outcome"], "rejected");
    assert_eq!(json["http_status"], 422);
    assert_eq!(json["message"], "Token is invalid or expired");
    assert!(json["code"].is_null());
}

#[test]
fn wrong_credentials_exit_3_with_the_api_code() {
    let mock = mock();
    let (code, json, _) = submit(&mock, "approved-x", &["--app-id", "someone-else"]);
    assert_eq!(code, 3);
    assert_eq!(
        (json["http_status"].as_u64(), json["code"].as_str()),
        (Some(401), Some("REQUIRE_LOGIN"))
    );
}

#[test]
fn server_errors_redirects_and_refused_connections_exit_4() {
    let mock = mock();
    mock.inject_fault(Fault::InternalError, 1)
        .expect("the fault queue has room");
    let (code, json, _) = submit(&mock, "approved-500", &[]);
    assert_eq!(
        (code, json["outcome"].as_str(), json["http_status"].as_u64()),
        (4, Some("may_have_been_processed"), Some(500))
    );
    assert_eq!(json["may_have_been_processed"], true);

    mock.inject_fault(
        Fault::Redirect {
            location: "http://127.0.0.1:9/elsewhere".into(),
        },
        1,
    )
    .expect("the fault queue has room");
    let (code, json, _) = submit(&mock, "approved-302", &["--blocking"]);
    assert_eq!((code, json["http_status"].as_u64()), (4, Some(302)));

    let closed = crate::free_addr();
    let (code, json, _) = {
        let mut command = clever_kyc();
        command.args([
            "submit",
            "--json",
            "--email",
            "a@example.com",
            "--token",
            "t",
            "--base-url",
            &format!("http://{closed}"),
        ]);
        let (code, stdout, stderr) = run(&mut command);
        (
            code,
            serde_json::from_str::<Value>(stdout.trim()).unwrap(),
            stderr,
        )
    };
    assert_eq!(
        (code, json["outcome"].as_str(), json["attempts"].as_u64()),
        (4, Some("not_sent"), Some(3))
    );
    assert!(json["http_status"].is_null());
    assert_eq!(json["may_have_been_processed"], false);
}

#[test]
fn validation_errors_exit_2_and_send_nothing() {
    let mock = mock();
    let cases: [&[&str]; 4] = [
        &["--email", "not-an-email", "--token", "t"],
        &["--email", "a@example.com", "--token", "has space"],
        &[
            "--email",
            "a@example.com",
            "--token",
            "t",
            "--webhook-url",
            "http://merchant.example/cb",
            "--webhook-auth",
            "x",
        ],
        &[
            "--email",
            "a@example.com",
            "--token",
            "t",
            "--webhook-url",
            "https://merchant.example/cb",
        ],
    ];
    for args in cases {
        let mut command = clever_kyc();
        command
            .arg("submit")
            .args(args)
            .args(["--base-url", &mock.base_url()]);
        let (code, stdout, stderr) = run(&mut command);
        assert_eq!(code, 2, "{args:?}: {stdout} {stderr}");
        assert!(stderr.contains("nothing was sent"), "{stderr}");
    }
    assert!(mock.requests().is_empty(), "a request was sent");
}

#[test]
fn a_validation_error_with_json_names_the_field_and_has_no_api_message() {
    let (code, stdout, _) = run(clever_kyc().args([
        "submit",
        "--json",
        "--email",
        "nope",
        "--token",
        "t",
        "--base-url",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(code, 2);
    let json: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        (
            json["outcome"].as_str(),
            json["field"].as_str(),
            json["attempts"].as_u64()
        ),
        (Some("invalid_input"), Some("email"), Some(0))
    );
    assert!(json["message"].is_null() && json["code"].is_null() && json["http_status"].is_null());
    assert!(json["error"].as_str().unwrap().starts_with("invalid email"));
}

#[test]
fn plain_http_is_refused_for_hosts_that_are_not_loopback() {
    let (code, _, stderr) = run(clever_kyc().args([
        "submit",
        "--email",
        "a@example.com",
        "--token",
        "t",
        "--base-url",
        "http://api.cleverhub.co",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("not a loopback host"), "{stderr}");
}

#[test]
fn missing_credentials_are_a_usage_error() {
    let (code, _, stderr) = run(clever_kyc().env_remove("HELLO_CLEVER_SECRET_KEY").args([
        "submit",
        "--email",
        "a@example.com",
        "--token",
        "t",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("HELLO_CLEVER_SECRET_KEY"), "{stderr}");
}

#[test]
fn the_secret_can_come_from_standard_input() {
    use std::io::Write;
    let mock = mock();
    let mut child = clever_kyc()
        .env_remove("HELLO_CLEVER_SECRET_KEY")
        .args([
            "submit",
            "--email",
            "a@example.com",
            "--token",
            "approved-stdin",
            "--secret-key-file",
            "-",
            "--base-url",
            &mock.base_url(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{SECRET}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("accepted:"));
}

#[test]
fn without_json_the_summary_is_readable() {
    let mock = mock();
    let (code, stdout, _) = run(clever_kyc().args([
        "submit",
        "--email",
        "a@example.com",
        "--token",
        "expired-y",
        "--base-url",
        &mock.base_url(),
    ]));
    assert_eq!(code, 3);
    assert!(
        stdout.starts_with("rejected: KYC submission failed after 1 attempt: 422"),
        "{stdout}"
    );
}
