//! Reaching the API from the command line: environment, timeouts and the client, shared by
//! every command that calls it.

use std::time::Duration;

use clever_kyc_core::{
    CallError, Environment, config::BaseUrl, transport::TransportSettings, transport::error_chain,
};

use crate::args::{ApiArgs, EnvName};
use crate::exit::Failure;
use crate::secrets::credentials;

/// The environment named by `--env` or `--base-url`.
pub(crate) fn environment(name: EnvName, base_url: Option<&str>) -> Result<Environment, Failure> {
    Ok(match base_url {
        Some(url) => Environment::Custom(
            BaseUrl::parse(url).map_err(|e| Failure::usage(format!("--base-url: {e}")))?,
        ),
        None => match name {
            EnvName::Sandbox => Environment::Sandbox,
            EnvName::Production => Environment::Production,
        },
    })
}

/// Timeouts from `--timeout` seconds: connecting takes at most 10 of them.
pub(crate) fn settings(timeout_secs: u64) -> TransportSettings {
    TransportSettings {
        connect_timeout: Duration::from_secs(timeout_secs.clamp(1, 10)),
        request_timeout: Duration::from_secs(timeout_secs.max(1)),
        ..TransportSettings::default()
    }
}

/// The blocking client these one-shot commands use (no runtime to start).
pub(crate) fn client(args: &ApiArgs) -> Result<clever_kyc_blocking::Client, Failure> {
    clever_kyc_blocking::Client::builder(
        environment(args.environment, args.base_url.as_deref())?,
        credentials(&args.credentials)?,
    )
    .transport_settings(settings(args.timeout))
    .build()
    .map_err(|e| Failure::usage(error_chain(&e)))
}

/// A failed call as the command's failure: its exit status and `outcome` word derive from
/// core's one classification ([`crate::exit::of`]).
pub(crate) fn call_failure(error: &CallError, json: bool) -> Failure {
    Failure::call(error, json)
}
