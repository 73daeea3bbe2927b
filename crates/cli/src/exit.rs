//! Exit statuses and `outcome` words, part of the command's contract. Every command that
//! calls an API derives both from core's one classification, [`Outcome`], through [`of`].

use std::process::ExitCode;

use clever_kyc_core::{CallError, Outcome, transport::error_chain};

/// 0: accepted / finished normally.
pub(crate) const OK: u8 = 0;
/// 1: the demo or a server failed.
pub(crate) const FAILED: u8 = 1;
/// 2: usage or validation error; nothing was sent.
pub(crate) const USAGE: u8 = 2;
/// 3: the API refused the request in its own words (credentials, invalid input, already
/// exists, not found, rate limited).
pub(crate) const REJECTED: u8 = 3;
/// 4: not sent, may have been processed, or an answer that is not the API's (a proxy's page,
/// a redirect).
pub(crate) const TRANSPORT: u8 = 4;

/// The exit status of an outcome. The `outcome` word is [`Outcome::word`].
pub(crate) fn of(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Done => OK,
        Outcome::Refused(refusal) if refusal.is_by_the_api() => REJECTED,
        _ => TRANSPORT,
    }
}

/// A reason to stop, with its exit status.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: u8,
    pub(crate) message: String,
    /// With `--json`: the object printed on stdout, so scripts read the outcome there too.
    pub(crate) json: Option<serde_json::Value>,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::with_status(USAGE, message)
    }

    pub(crate) fn failed(message: impl Into<String>) -> Self {
        Self::with_status(FAILED, message)
    }

    pub(crate) fn with_status(status: u8, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            json: None,
        }
    }

    /// A definite outcome that is not success, e.g. "not found" from a lookup that answered.
    pub(crate) fn outcome(outcome: Outcome, message: impl Into<String>, json: bool) -> Self {
        let message = message.into();
        Self {
            status: of(outcome),
            json: json
                .then(|| serde_json::json!({"outcome": outcome.word(), "error": message.clone()})),
            message,
        }
    }

    /// A failed call: its status and word from its outcome, its message from its chain.
    pub(crate) fn call(error: &CallError, json: bool) -> Self {
        let outcome = error.outcome();
        let response = error.response_error();
        let message = error_chain(error);
        Self {
            status: of(outcome),
            json: json.then(|| {
                serde_json::json!({
                    "outcome": outcome.word(),
                    "http_status": response.map(|r| r.status().as_u16()),
                    "code": response.and_then(|r| r.code()),
                    "message": response.and_then(|r| r.message()),
                    "attempts": error.attempts(),
                    "may_have_been_processed": error.may_have_been_processed(),
                    "error": message.clone(),
                })
            }),
            message,
        }
    }

    pub(crate) fn code(&self) -> ExitCode {
        ExitCode::from(self.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's table of outcomes is the contract: every outcome is in it once, with the
    /// status and word this module gives.
    #[test]
    fn the_readme_table_lists_every_outcome_with_its_status_and_word() {
        let readme = include_str!("../README.md");
        let rows: Vec<(String, u8)> = readme
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let word = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                let status = cells.get(2)?.parse().ok()?;
                Some((word.to_owned(), status))
            })
            .collect();
        let expected: Vec<(String, u8)> = Outcome::ALL
            .iter()
            .map(|o| (o.word().to_owned(), of(*o)))
            .collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn credentials_and_rate_limits_are_the_apis_refusals_and_proxies_are_not() {
        use clever_kyc_core::Refusal;
        assert_eq!(of(Outcome::Refused(Refusal::Credentials)), REJECTED);
        assert_eq!(of(Outcome::Refused(Refusal::RateLimited)), REJECTED);
        assert_eq!(of(Outcome::Refused(Refusal::Unrecognized)), TRANSPORT);
        assert_eq!(of(Outcome::NotSent), TRANSPORT);
        assert_eq!(of(Outcome::MayHaveBeenProcessed), TRANSPORT);
    }
}
