//! Inputs shared by every benchmark.

use clever_kyc_core::{
    ApiConfig, Credentials, Environment, KycStatus, KycStatusChanged, KycSubmission,
    callback::KycStatusEntry, documented,
};

/// The app-id used throughout.
pub const APP_ID: &str = "bench-app";
/// The secret-key used throughout.
pub const SECRET: &str = "bench-secret-key";
/// The callback authorization value used throughout.
pub const AUTH: &str = "Bearer bench-authorization";
/// The token used throughout.
pub const TOKEN: &str = "_act-sbx-jwt-eyJhbGciOiJub25lIn0.eyJqdGkiOiJfYWN0LXNieC0xMjM0NTY3ODkwIn0.";

/// A sandbox configuration.
pub fn config() -> ApiConfig {
    ApiConfig::new(
        Environment::Sandbox,
        Credentials::new(APP_ID, SECRET).expect("valid"),
    )
    .expect("valid")
}

/// A submission with a webhook.
pub fn submission() -> KycSubmission {
    KycSubmission::builder()
        .email("contact@example.com")
        .token(TOKEN)
        .webhook("https://merchant.example/kyc/callback", AUTH)
        .build()
        .expect("valid")
}

/// The documented callback record.
pub fn documented_callback() -> Vec<u8> {
    documented::KYC_STATUS_CHANGED.as_bytes().to_vec()
}

/// A large callback: the documented record with `n` status entries.
pub fn large_callback(n: usize) -> Vec<u8> {
    let mut event: KycStatusChanged =
        serde_json::from_str(documented::KYC_STATUS_CHANGED).expect("valid");
    event.kyc_statuses = (0..n)
        .map(|i| {
            let status = [
                KycStatus::Pending,
                KycStatus::Approved,
                KycStatus::Rejected,
                KycStatus::Failed,
            ][i % 4]
                .clone();
            KycStatusEntry::new(status, Some(format!("KYC instance {i} changed status.")))
        })
        .collect();
    serde_json::to_vec(&event).expect("serializable")
}

/// The documented response bodies by status.
pub fn responses() -> [(u16, &'static str, &'static str); 3] {
    [
        (200, "200", documented::SUBMIT_200_OK),
        (401, "401", documented::SUBMIT_401_NOT_AUTHORISED),
        (422, "422", documented::SUBMIT_422_EMAIL_BLANK),
    ]
}
