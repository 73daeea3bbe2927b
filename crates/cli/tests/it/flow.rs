//! `contact`, `share-token` and `submit --reconcile`: the merchant flow from the shell.

use clever_kyc_core::Credentials;
use clever_kyc_mock::{
    BlockingMockServer, Fault, MOCK_SUMSUB_APP_TOKEN, MOCK_SUMSUB_SECRET_KEY, MockConfig,
};
use serde_json::Value;

use crate::{APP_ID, SECRET, clever_kyc, run};

fn mock() -> BlockingMockServer {
    BlockingMockServer::start(MockConfig::new(Credentials::new(APP_ID, SECRET).unwrap())).unwrap()
}

fn api(mock: &BlockingMockServer, args: &[&str]) -> (i32, String, String) {
    run(clever_kyc()
        .args(args)
        .args(["--base-url", &mock.base_url(), "--timeout", "2"]))
}

fn share_token(mock: &BlockingMockServer, secret: &str, applicant: &str) -> (i32, String, String) {
    run(clever_kyc()
        .args([
            "share-token",
            "--applicant-id",
            applicant,
            "--for-client-id",
            "helloclever",
        ])
        .args(["--sumsub-base-url", &mock.base_url(), "--ttl", "600"])
        .env("SUMSUB_APP_TOKEN", MOCK_SUMSUB_APP_TOKEN)
        .env("SUMSUB_SECRET_KEY", secret))
}

#[test]
fn create_show_token_submit_and_list_from_the_shell() {
    let mock = mock();
    let email = "shell+kyc@example.com";
    let (code, out, err) = api(
        &mock,
        &[
            "contact",
            "create",
            "--email",
            email,
            "--first-name",
            "Ana",
            "--last-name",
            "Lee",
            "--dob",
            "1990-01-31",
            "--country",
            "au",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = api(
        &mock,
        &[
            "contact",
            "create",
            "--email",
            email,
            "--first-name",
            "Ana",
            "--last-name",
            "Lee",
        ],
    );
    assert_eq!(code, 3, "a second create is refused by the API: {err}");
    assert!(err.contains("Email has already been taken"), "{err}");

    let (code, out, err) = api(&mock, &["contact", "show", "--email", email, "--json"]);
    assert_eq!(code, 0, "{err}");
    let contact: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (contact["email"].as_str(), contact["country"].as_str()),
        (Some(email), Some("AU"))
    );

    let (code, token, err) = share_token(&mock, MOCK_SUMSUB_SECRET_KEY, "approved-shell");
    assert_eq!(code, 0, "{err}");
    let token = token.trim();
    assert!(token.starts_with("_act-"), "{token}");

    // The answer is lost after the submission was processed: --reconcile tells the caller
    // the token is spent.
    mock.inject_fault(Fault::DropConnection, 1)
        .expect("the fault queue has room");
    let (code, out, err) = api(
        &mock,
        &[
            "submit",
            "--json",
            "--reconcile",
            "--email",
            email,
            "--token",
            token,
        ],
    );
    assert_eq!(code, 4, "{out}{err}");
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["may_have_been_processed"], true);
    assert_eq!(report["reconciled"], "took_effect", "{report}");

    let (code, out, err) = api(
        &mock,
        &[
            "contact",
            "list",
            "--from",
            "2000-01-01",
            "--to",
            "2999-12-31T23:59:59",
            "--per-page",
            "1",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let listed: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["kyc_statuses"].as_array().map(Vec::len), Some(1));
}

#[test]
fn bad_input_and_refusals_have_their_exit_statuses() {
    let mock = mock();
    let (code, _, err) = api(&mock, &["contact", "show", "--email", "nobody@example.com"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("no contact nobody@example.com"), "{err}");
    let (code, _, err) = api(&mock, &["contact", "show", "--email", "not-an-email"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = api(
        &mock,
        &[
            "contact",
            "create",
            "--email",
            "o@example.com",
            "--first-name",
            "A",
            "--last-name",
            "B",
            "--type",
            "organization",
        ],
    );
    assert_eq!(code, 2, "reg_no is checked before sending: {err}");
    let (code, _, err) = api(
        &mock,
        &[
            "contact",
            "list",
            "--from",
            "yesterday",
            "--to",
            "2026-01-01",
        ],
    );
    assert_eq!(code, 2, "{err}");

    let (code, out, err) = share_token(&mock, "the-wrong-key", "applicant");
    assert_eq!(code, 3, "{out}{err}");
    assert!(err.contains("app-token-invalid-signature"), "{err}");
    assert!(
        !err.contains("the-wrong-key") && !out.contains("the-wrong-key"),
        "{err}"
    );
}

#[test]
fn openapi_prints_both_documents() {
    for (args, title) in [
        (vec!["openapi"], "Hello Clever"),
        (vec!["openapi", "--sumsub"], "Sumsub"),
    ] {
        let (code, out, err) = run(clever_kyc().args(&args));
        assert_eq!(code, 0, "{err}");
        let document: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(document["openapi"], "3.1.0");
        assert!(
            document["info"]["title"]
                .as_str()
                .unwrap()
                .starts_with(title)
        );
    }
}
