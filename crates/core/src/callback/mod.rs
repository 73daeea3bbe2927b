//! The `KYCStatusChanged` callback: authenticate, then parse, then deduplicate.

pub(crate) mod event;
pub(crate) mod identity;
pub(crate) mod parse;
pub(crate) mod receive;
pub(crate) mod testing;
pub(crate) mod verify;

pub use event::{
    ContactType, Gender, IdDocType, IdempotencyKey, Identity, KycStatus, KycStatusChanged,
    KycStatusEntry,
};
pub use identity::{
    AuthDigest, Registration, SubmissionId, SubmissionIdError, authorization_from_random_bytes,
};
pub use parse::{
    CallbackParseError, parse_kyc_status_changed, parse_kyc_status_changed_with_limit,
};
pub use receive::{
    Authenticated, CallbackHead, CallbackReceiver, CallbackRejection, CallbackSource,
    ReceivedCallback,
};
pub use testing::callback_request;
pub use verify::{CallbackAuthError, CallbackAuthenticator};

#[cfg(test)]
mod tests;
