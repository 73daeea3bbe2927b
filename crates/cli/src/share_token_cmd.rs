//! `clever-kyc share-token`: one signed request to Sumsub, the token on standard output.

use std::time::Duration;

use clever_kyc_core::config::BaseUrl;
use clever_kyc_core::sumsub::{IssuedShareToken, ShareTokenRequest, SumsubConfig};
use clever_kyc_core::transport::error_chain;

use crate::api::{call_failure, settings};
use crate::args::{ShareTokenArgs, SumsubArgs};
use crate::exit::{self, Failure};
use crate::out::say;
use crate::secrets::read_secret_file;

/// Sumsub's configuration from the flags and the environment: exit 2 when incomplete.
pub(crate) fn sumsub_config(args: &SumsubArgs) -> Result<SumsubConfig, Failure> {
    let app_token = args.app_token.as_deref().ok_or_else(|| {
        Failure::usage("no Sumsub app token: set SUMSUB_APP_TOKEN or pass --app-token")
    })?;
    let secret = match &args.sumsub_secret_key_file {
        Some(path) => read_secret_file(path, "Sumsub secret key")?,
        None => std::env::var("SUMSUB_SECRET_KEY").map_err(|_| {
            Failure::usage("no Sumsub secret key: set SUMSUB_SECRET_KEY or pass --sumsub-secret-key-file PATH (- for stdin)")
        })?,
    };
    let base = BaseUrl::parse(&args.sumsub_base_url)
        .map_err(|e| Failure::usage(format!("--sumsub-base-url: {e}")))?;
    SumsubConfig::from_text(app_token, &secret)
        .map_err(|e| Failure::usage(format!("Sumsub credentials: {e}")))?
        .with_base_url(base)
        .map_err(|e| Failure::usage(format!("--sumsub-base-url: {e}")))
}

/// The share-token request from the flags: exit 2 when a value is unusable.
pub(crate) fn share_token_request(
    applicant_id: &str,
    for_client_id: &str,
    ttl_secs: Option<u64>,
) -> Result<ShareTokenRequest, Failure> {
    let mut request = ShareTokenRequest::new(applicant_id, for_client_id)
        .map_err(|e| Failure::usage(format!("{e}; nothing was sent")))?;
    if let Some(ttl) = ttl_secs {
        request = request
            .with_ttl(Duration::from_secs(ttl))
            .map_err(|e| Failure::usage(format!("--ttl-secs {ttl}: {e}; nothing was sent")))?;
    }
    Ok(request)
}

/// Asks Sumsub for a token; its outcome decides the exit status as for every API call.
pub(crate) fn issue(
    sumsub: &SumsubConfig,
    request: &ShareTokenRequest,
    timeout: u64,
    json: bool,
) -> Result<(IssuedShareToken, u32), Failure> {
    // The Hello Clever credentials play no part: only the HTTP client is shared.
    let client = clever_kyc_blocking::Client::builder(
        clever_kyc_core::Environment::Sandbox,
        clever_kyc_core::Credentials::new("unused", "unused")
            .map_err(|e| Failure::failed(error_chain(&e)))?,
    )
    .transport_settings(settings(timeout))
    .build()
    .map_err(|e| Failure::usage(error_chain(&e)))?;
    let done = client
        .run(clever_kyc_core::sumsub::GenerateShareToken::new(
            sumsub, request,
        ))
        .map_err(|e| call_failure(&e, json))?;
    let attempts = done.attempts();
    Ok((done.into_value(), attempts))
}

pub(crate) fn run(args: ShareTokenArgs) -> Result<u8, Failure> {
    let sumsub = sumsub_config(&args.sumsub)?;
    let request = share_token_request(&args.applicant_id, &args.for_client_id, args.ttl_secs)?;
    let (issued, attempts) = issue(&sumsub, &request, args.timeout, args.json)?;
    if args.json {
        say!(
            "{}",
            serde_json::json!({
                "token": issued.token.expose_secret(),
                "for_client_id": issued.for_client_id,
                "attempts": attempts,
            })
        );
    } else {
        say!("{}", issued.token.expose_secret());
    }
    Ok(exit::OK)
}
