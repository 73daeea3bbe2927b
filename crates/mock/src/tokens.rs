//! Scripted share tokens: single use, expiring, each ending in a chosen KYC outcome.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use clever_kyc_core::KycStatus;
use serde::{Deserialize, Serialize};

/// How a token's KYC ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenOutcome {
    /// `pending`, then `approved`.
    Approved,
    /// `pending`, then `rejected`.
    Rejected,
    /// `pending`, then `failed`.
    Failed,
    /// `pending` only.
    Pending,
    /// Refused at submission as invalid or expired.
    Expired,
}

impl TokenOutcome {
    /// The outcome a token asks for by its prefix (`approved-…`, `rejected-…`, `failed-…`,
    /// `pending-…`, `expired-…`); any other unregistered token ends approved.
    pub fn from_token_prefix(token: &str) -> Self {
        let prefix = token
            .split(['-', '_', '.'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match prefix.as_str() {
            "rejected" => Self::Rejected,
            "failed" => Self::Failed,
            "pending" => Self::Pending,
            "expired" => Self::Expired,
            _ => Self::Approved,
        }
    }

    /// The final status delivered after `pending`, if any.
    pub fn final_status(self) -> Option<KycStatus> {
        match self {
            Self::Approved => Some(KycStatus::Approved),
            Self::Rejected => Some(KycStatus::Rejected),
            Self::Failed => Some(KycStatus::Failed),
            Self::Pending | Self::Expired => None,
        }
    }
}

/// Why a token cannot be spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenRefusal {
    AlreadyUsed,
    Expired,
}

/// The longest TTL a token can have: 30 days, far beyond any test.
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(30 * 86_400);

/// Tokens the book remembers at most, issued and spent together: past it, the oldest are
/// forgotten (a forgotten spent token scripted by its name could be spent again), so that
/// memory stays bounded whatever clients send.
pub const MAX_REMEMBERED_TOKENS: usize = 100_000;

#[derive(Debug, Default)]
pub(crate) struct TokenBook {
    scripted: HashMap<String, (TokenOutcome, Instant)>,
    used: HashSet<String>,
    /// Every remembered token, oldest first, for forgetting past the cap.
    order: std::collections::VecDeque<String>,
    issued: u64,
}

impl TokenBook {
    pub(crate) fn script(&mut self, token: String, outcome: TokenOutcome, ttl: Duration) {
        let now = Instant::now();
        // A TTL past what Instant can hold means "never expires" rather than a panic.
        let expires = now
            .checked_add(ttl.min(MAX_TOKEN_TTL))
            .unwrap_or(now + Duration::from_secs(86_400));
        self.remember(&token);
        self.scripted.insert(token, (outcome, expires));
    }

    /// Notes `token` in arrival order, forgetting the oldest past [`MAX_REMEMBERED_TOKENS`].
    fn remember(&mut self, token: &str) {
        self.order.push_back(token.to_owned());
        while self.order.len() > MAX_REMEMBERED_TOKENS {
            if let Some(oldest) = self.order.pop_front() {
                self.scripted.remove(&oldest);
                self.used.remove(&oldest);
            }
        }
    }

    pub(crate) fn issue(&mut self, outcome: TokenOutcome, ttl: Duration) -> String {
        self.issued += 1;
        let token = format!(
            "_act-sbx-mock-{}-{:06}-{:08x}",
            serde_name(outcome),
            self.issued,
            fastrand::u32(..)
        );
        self.script(token.clone(), outcome, ttl);
        token
    }

    /// Spends a token once: checks use and expiry and marks it used, atomically under the
    /// store's lock.
    pub(crate) fn spend(
        &mut self,
        token: &str,
        now: Instant,
    ) -> Result<TokenOutcome, TokenRefusal> {
        if self.used.contains(token) {
            return Err(TokenRefusal::AlreadyUsed);
        }
        let outcome = match self.scripted.get(token) {
            Some((_, expires)) if *expires <= now => return Err(TokenRefusal::Expired),
            Some((outcome, _)) => *outcome,
            None => TokenOutcome::from_token_prefix(token),
        };
        if outcome == TokenOutcome::Expired {
            return Err(TokenRefusal::Expired);
        }
        if !self.scripted.contains_key(token) {
            self.remember(token);
        }
        self.used.insert(token.to_owned());
        Ok(outcome)
    }
}

fn serde_name(outcome: TokenOutcome) -> &'static str {
    match outcome {
        TokenOutcome::Approved => "approved",
        TokenOutcome::Rejected => "rejected",
        TokenOutcome::Failed => "failed",
        TokenOutcome::Pending => "pending",
        TokenOutcome::Expired => "expired",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_spent_once() {
        let mut book = TokenBook::default();
        let now = Instant::now();
        assert_eq!(book.spend("approved-1", now), Ok(TokenOutcome::Approved));
        assert_eq!(
            book.spend("approved-1", now),
            Err(TokenRefusal::AlreadyUsed)
        );
    }

    #[test]
    fn prefixes_choose_the_outcome() {
        assert_eq!(
            TokenOutcome::from_token_prefix("Rejected-abc"),
            TokenOutcome::Rejected
        );
        assert_eq!(
            TokenOutcome::from_token_prefix("pending_x"),
            TokenOutcome::Pending
        );
        assert_eq!(
            TokenOutcome::from_token_prefix("whatever"),
            TokenOutcome::Approved
        );
        let mut book = TokenBook::default();
        assert_eq!(
            book.spend("expired-1", Instant::now()),
            Err(TokenRefusal::Expired)
        );
    }

    #[test]
    fn the_book_is_bounded() {
        let mut book = TokenBook::default();
        let now = Instant::now();
        for i in 0..MAX_REMEMBERED_TOKENS + 10 {
            let _ = book.spend(&format!("approved-{i}"), now);
        }
        assert_eq!(book.used.len(), MAX_REMEMBERED_TOKENS);
        assert_eq!(book.order.len(), MAX_REMEMBERED_TOKENS);
        assert_eq!(
            book.spend(&format!("approved-{}", MAX_REMEMBERED_TOKENS + 9), now),
            Err(TokenRefusal::AlreadyUsed)
        );
    }

    #[test]
    fn issued_tokens_expire() {
        let mut book = TokenBook::default();
        let token = book.issue(TokenOutcome::Failed, Duration::from_secs(60));
        assert_eq!(
            book.spend(&token, Instant::now() + Duration::from_secs(61)),
            Err(TokenRefusal::Expired)
        );
        assert_eq!(book.spend(&token, Instant::now()), Ok(TokenOutcome::Failed));
    }
}
