//! Sumsub's share-token endpoint: configuration, request signing and its verification.

mod config;
mod share_token;
mod signature;

pub use config::SumsubConfig;
pub use share_token::{
    GenerateShareToken, IssuedShareToken, ShareTokenRequest, ShareTokenRequestError,
};
pub use signature::{SumsubAuthError, sumsub_signature, verify_sumsub_request};
