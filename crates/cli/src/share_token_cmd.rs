//! `clever-kyc share-token`: one signed request to Sumsub, the token on standard output.

use std::time::Duration;

use clever_kyc_core::{
    config::BaseUrl, sumsub::ShareTokenRequest, sumsub::SumsubConfig, transport::error_chain,
};

use crate::api::{call_failure, settings};
use crate::args::ShareTokenArgs;
use crate::exit::{self, Failure};
use crate::out::say;
use crate::secrets::read_secret_file;

pub(crate) fn run(args: ShareTokenArgs) -> Result<u8, Failure> {
    let app_token = args.app_token.ok_or_else(|| {
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
    let sumsub = SumsubConfig::from_text(&app_token, &secret)
        .map_err(|e| Failure::usage(format!("Sumsub credentials: {e}")))?
        .with_base_url(base)
        .map_err(|e| Failure::usage(format!("--sumsub-base-url: {e}")))?;
    let mut request = ShareTokenRequest::new(args.applicant_id, args.for_client_id)
        .map_err(|e| Failure::usage(format!("{e}; nothing was sent")))?;
    if let Some(ttl) = args.ttl {
        request = request
            .with_ttl(Duration::from_secs(ttl))
            .map_err(|e| Failure::usage(format!("--ttl {ttl}: {e}; nothing was sent")))?;
    }
    // The Hello Clever credentials play no part: only the HTTP client is shared.
    let client = clever_kyc_blocking::Client::builder(
        clever_kyc_core::Environment::Sandbox,
        clever_kyc_core::Credentials::new("unused", "unused")
            .map_err(|e| Failure::failed(error_chain(&e)))?,
    )
    .transport_settings(settings(args.timeout))
    .build()
    .map_err(|e| Failure::usage(error_chain(&e)))?;
    let issued = client
        .share_token(&sumsub, &request)
        .map_err(|e| call_failure(&e, args.json))?;
    if args.json {
        say!(
            "{}",
            serde_json::json!({"token": issued.token.expose_secret(), "for_client_id": issued.for_client_id})
        );
    } else {
        say!("{}", issued.token.expose_secret());
    }
    Ok(exit::OK)
}
