//! The simulator's contacts: created by Create Contact or by a first submission, each with
//! one KYC instance per accepted submission, bounded in number.

use std::collections::HashMap;
use std::time::SystemTime;

use clever_kyc_core::{KycStatus, callback::KycStatusEntry, contact::Contact};

/// The most contacts the simulator holds; past it, creating one is refused.
pub const MAX_CONTACTS: usize = 10_000;

/// One contact and when it was created (the contact list filters on it).
#[derive(Debug, Clone)]
pub(crate) struct ContactEntry {
    pub(crate) record: Contact,
    pub(crate) created_at: SystemTime,
}

/// Why a contact was not created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContactRefusal {
    Exists,
    Full,
}

#[derive(Debug, Default)]
pub(crate) struct ContactBook {
    index: HashMap<String, usize>,
    entries: Vec<ContactEntry>,
}

/// Emails are matched without regard to case, as mail systems treat domains.
fn key(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

impl ContactBook {
    pub(crate) fn create(
        &mut self,
        record: Contact,
        now: SystemTime,
    ) -> Result<(), ContactRefusal> {
        let email = record.email.as_deref().map(key).unwrap_or_default();
        if self.index.contains_key(&email) {
            return Err(ContactRefusal::Exists);
        }
        if self.entries.len() >= MAX_CONTACTS {
            return Err(ContactRefusal::Full);
        }
        self.index.insert(email, self.entries.len());
        self.entries.push(ContactEntry {
            record,
            created_at: now,
        });
        Ok(())
    }

    pub(crate) fn get(&self, email: &str) -> Option<&ContactEntry> {
        self.index.get(&key(email)).map(|&i| &self.entries[i])
    }

    fn get_mut(&mut self, email: &str) -> Option<&mut ContactEntry> {
        self.index
            .get(&key(email))
            .copied()
            .map(|i| &mut self.entries[i])
    }

    /// Starts a KYC instance (`pending`) for an accepted submission, creating the contact if
    /// the submission came first; returns the instance's index, or `None` when the book is
    /// full and the contact did not exist.
    pub(crate) fn start_instance(&mut self, email: &str, now: SystemTime) -> Option<usize> {
        if self.get(email).is_none() {
            self.create(Contact::new(email, Vec::new()), now).ok()?;
        }
        let entry = self.get_mut(email)?;
        entry
            .record
            .kyc_statuses
            .push(KycStatusEntry::new(KycStatus::Pending, Some("null".into())));
        Some(entry.record.kyc_statuses.len() - 1)
    }

    /// Sets a KYC instance's final status.
    pub(crate) fn finish_instance(&mut self, email: &str, index: usize, status: KycStatus) {
        let message = match status {
            KycStatus::Rejected => "KYC is rejected.",
            KycStatus::Failed => "KYC has failed.",
            _ => "null",
        };
        if let Some(slot) = self
            .get_mut(email)
            .and_then(|e| e.record.kyc_statuses.get_mut(index))
        {
            *slot = KycStatusEntry::new(status, Some(message.into()));
        }
    }

    /// The contacts created in `[from, to]`, oldest first.
    pub(crate) fn in_period(&self, from: SystemTime, to: SystemTime) -> Vec<&ContactEntry> {
        self.entries
            .iter()
            .filter(|e| e.created_at >= from && e.created_at <= to)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_submission_adds_an_instance_and_its_outcome_finishes_it() {
        let mut book = ContactBook::default();
        let now = SystemTime::now();
        let first = book.start_instance("A@example.com", now).unwrap();
        let second = book.start_instance("a@example.com", now).unwrap();
        book.finish_instance("a@example.com", first, KycStatus::Rejected);
        let statuses = &book.get("a@EXAMPLE.com").unwrap().record.kyc_statuses;
        assert_eq!((first, second, statuses.len()), (0, 1, 2));
        assert_eq!(statuses[0].kyc_status, Some(KycStatus::Rejected));
        assert_eq!(statuses[1].kyc_status, Some(KycStatus::Pending));
        assert_eq!(
            book.create(Contact::new("a@example.com", vec![]), now),
            Err(ContactRefusal::Exists)
        );
    }
}
