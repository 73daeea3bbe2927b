//! Sumsub's share-token endpoint: configuration, request signing and its verification.

mod config;
mod share_token;
mod signature;

pub use config::{SUMSUB_BASE_URL, SUMSUB_SHARE_TOKEN_PATH, SumsubConfig};
pub use share_token::{
    GenerateShareToken, IssuedShareToken, MAX_SHARE_TOKEN_TTL, ShareTokenRequest,
    ShareTokenRequestError,
};
pub use signature::{
    SUMSUB_APP_TOKEN_HEADER, SUMSUB_SIGNATURE_HEADER, SUMSUB_SIGNATURE_WINDOW,
    SUMSUB_TIMESTAMP_HEADER, SumsubAuthError, sumsub_signature, verify_sumsub_request,
};
