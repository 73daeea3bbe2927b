//! The stores, the inbox and the axum route, against real SQLite and a real redis-server.

mod conformance;
mod inbox;
mod observed;
mod redis_outage;
mod route;

use std::time::{Duration, SystemTime};

use clever_kyc_receive::{
    clever_kyc_core::KycStatus, clever_kyc_core::KycStatusChanged,
    clever_kyc_core::callback::KycStatusEntry,
};

/// A fixed instant, so that expiries are exact.
pub fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
}

/// An event for `email` whose statuses are `words`, in order.
pub fn event(email: &str, words: &[&str]) -> KycStatusChanged {
    KycStatusChanged::new(
        email,
        words
            .iter()
            .map(|w| KycStatusEntry::new(KycStatus::from_word(w), None))
            .collect(),
    )
}

/// A temporary SQLite path, unique per test.
pub fn sqlite_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "clever-kyc-receive-it-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("store.db")
}
