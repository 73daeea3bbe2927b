//! Reading secrets from the environment, a file, or standard input, never from argv.

use std::io::Read;
use std::path::Path;

use clever_kyc_core::Credentials;

use crate::args::CredentialArgs;
use crate::exit::Failure;

/// Reads a file (or standard input for `-`) and trims one trailing line break.
pub(crate) fn read_secret_file(path: &Path, what: &str) -> Result<String, Failure> {
    let mut text = String::new();
    let result = if path == Path::new("-") {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    result.map_err(|e| {
        Failure::usage(format!(
            "could not read the {what} from {}: {e}",
            path.display()
        ))
    })?;
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

/// The credentials from flags and the environment.
pub(crate) fn credentials(args: &CredentialArgs) -> Result<Credentials, Failure> {
    let app_id = args
        .app_id
        .clone()
        .ok_or_else(|| Failure::usage("no app-id: set HELLO_CLEVER_APP_ID or pass --app-id"))?;
    let secret = match &args.secret_key_file {
        Some(path) => read_secret_file(path, "secret-key")?,
        None => std::env::var("HELLO_CLEVER_SECRET_KEY").map_err(|_| {
            Failure::usage("no secret-key: set HELLO_CLEVER_SECRET_KEY or pass --secret-key-file PATH (- for stdin)")
        })?,
    };
    Credentials::new(&app_id, &secret).map_err(|e| Failure::usage(e.to_string()))
}
