//! The baseline for the submit cold start: a one-shot program a competent engineer writes
//! with reqwest (the same rustls setup as the SDK's), posting one submission and checking
//! for `{"status": "Ok"}`. Usage: `raw_submit BASE_URL TOKEN [EMAIL [WEBHOOK_URL AUTH]]`;
//! exits 0 when accepted.

use clever_kyc_benches::baseline::{Status, SubmitBody, Webhook};
use clever_kyc_benches::fixtures::{APP_ID, SECRET};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(base), Some(token)) = (args.first(), args.get(1)) else {
        return std::process::ExitCode::from(2);
    };
    let email = args.get(2).map_or("bench@example.com", String::as_str);
    let webhook = match (args.get(3), args.get(4)) {
        (Some(url), Some(auth)) => Some(Webhook {
            endpoint_url: url,
            authorization_header: auth,
        }),
        _ => None,
    };
    let client = clever_kyc_async::safe_reqwest_builder(&Default::default())
        .expect("tls")
        .build()
        .expect("client");
    let accepted = async {
        let response = client
            .post(format!(
                "{base}{}",
                clever_kyc_core::config::ApiConfig::SUBMIT_PATH
            ))
            .header("accept", "application/json")
            .header("app-id", APP_ID)
            .header("secret-key", SECRET)
            .header("content-type", "application/json")
            .body(
                serde_json::to_vec(&SubmitBody {
                    email,
                    token,
                    webhook_notification: webhook,
                })
                .ok()?,
            )
            .send()
            .await
            .ok()?;
        let status: Status = serde_json::from_slice(&response.bytes().await.ok()?).ok()?;
        Some(status.status.eq_ignore_ascii_case("ok"))
    }
    .await;
    if accepted == Some(true) {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
