//! The lines `listen` prints and forwards and `events` prints: one format, one place.

use std::fmt::Write as _;
use std::time::SystemTime;

use clever_kyc_core::{
    KycStatus, KycStatusChanged, callback::IdempotencyKey, callback::SubmissionId,
};
use clever_kyc_receive::{Receipt, StoredEvent, rfc3339};

/// One event with what the receiver knows around it.
#[derive(Debug)]
pub(crate) struct EventLine<'a> {
    pub(crate) event: &'a KycStatusChanged,
    /// The event's canonical JSON, serialized once when it was received.
    pub(crate) canonical: &'a str,
    pub(crate) key: &'a IdempotencyKey,
    pub(crate) submission_id: Option<&'a SubmissionId>,
    pub(crate) received_at: SystemTime,
}

/// The field that differs between `listen` and `events` lines.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tail {
    /// `listen`: whether this delivery repeats a committed event.
    Duplicate(bool),
    /// `events`: how many times the event arrived.
    Deliveries(u64),
}

impl<'a> EventLine<'a> {
    /// The line of a received callback.
    pub(crate) fn of_receipt(receipt: &'a Receipt) -> Self {
        let callback = &receipt.callback;
        Self {
            event: callback.event(),
            canonical: callback.canonical_json(),
            key: callback.idempotency_key(),
            submission_id: callback.submission_id(),
            received_at: receipt.received_at,
        }
    }

    /// The line of a stored event, read back with `event` (its parsed `event_json`).
    pub(crate) fn of_stored(stored: &'a StoredEvent, event: &'a KycStatusChanged) -> Self {
        Self {
            event,
            canonical: &stored.event_json,
            key: &stored.idempotency_key,
            submission_id: stored.submission_id.as_ref(),
            received_at: stored.received_at,
        }
    }

    /// The event's JSON with `kyc_statuses` lower-cased, then `latest_status`,
    /// `idempotency_key`, `submission_id`, `received_at` and the tail field.
    pub(crate) fn json(&self, tail: Tail) -> String {
        let needs_lowering = self
            .event
            .kyc_statuses
            .iter()
            .filter_map(|e| e.kyc_status.as_ref())
            .any(|s| s.as_str().chars().any(char::is_uppercase));
        let lowered;
        let (event, canonical) = if needs_lowering {
            let mut copy = self.event.clone();
            for entry in &mut copy.kyc_statuses {
                if let Some(status) = &entry.kyc_status {
                    entry.kyc_status = Some(KycStatus::from_word(&status.as_str().to_lowercase()));
                }
            }
            let json = copy.canonical_json();
            lowered = (copy, json);
            (&lowered.0, lowered.1.as_str())
        } else {
            (self.event, self.canonical)
        };
        // Splice the extra fields in before the closing brace of the JSON already made for
        // the idempotency key, rather than serializing again.
        let mut line = String::with_capacity(canonical.len() + 256);
        line.push_str(canonical.strip_suffix('}').unwrap_or(canonical));
        if line.len() > 1 {
            line.push(',');
        }
        line.push_str("\"latest_status\":");
        push_json_string(&mut line, event.latest_status().map(KycStatus::as_str));
        let _ = write!(
            line,
            ",\"idempotency_key\":\"{}\",\"submission_id\":",
            self.key
        );
        push_json_string(&mut line, self.submission_id.map(SubmissionId::as_str));
        let _ = write!(line, ",\"received_at\":\"{}\"", rfc3339(self.received_at));
        let _ = match tail {
            Tail::Duplicate(duplicate) => write!(line, ",\"duplicate\":{duplicate}}}"),
            Tail::Deliveries(count) => write!(line, ",\"deliveries\":{count}}}"),
        };
        line
    }

    /// One readable line.
    pub(crate) fn text(&self, tail: Tail) -> String {
        let email = self.event.email.as_deref().unwrap_or("(no email)");
        let latest = self.event.latest();
        let status = latest
            .and_then(|e| e.kyc_status.as_ref())
            .map_or("(no status)", |s| s.as_str());
        let message = latest
            .and_then(|e| e.message.as_deref())
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        let submission = self
            .submission_id
            .map(|id| format!(" [submission {id}]"))
            .unwrap_or_default();
        let tail = match tail {
            Tail::Duplicate(true) => " [duplicate delivery]".to_owned(),
            Tail::Duplicate(false) => String::new(),
            Tail::Deliveries(1) => String::new(),
            Tail::Deliveries(n) => format!(" [{n} deliveries]"),
        };
        format!("KYCStatusChanged {email}: {status}{message}{submission}{tail}")
    }
}

fn push_json_string(line: &mut String, value: Option<&str>) {
    match value.and_then(|v| serde_json::to_string(v).ok()) {
        Some(quoted) => line.push_str(&quoted),
        None => line.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clever_kyc_core::{
        callback::KycStatusEntry, callback::parse_kyc_status_changed, documented,
    };

    #[test]
    fn a_json_line_is_the_event_plus_the_receiver_fields() {
        let event = parse_kyc_status_changed(documented::KYC_STATUS_CHANGED.as_bytes()).unwrap();
        let canonical = event.canonical_json();
        let key = IdempotencyKey::of_canonical_json(&canonical);
        let id = SubmissionId::new("sub-1").unwrap();
        let line = EventLine {
            event: &event,
            canonical: &canonical,
            key: &key,
            submission_id: Some(&id),
            received_at: SystemTime::UNIX_EPOCH,
        }
        .json(Tail::Duplicate(false));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["latest_status"], "rejected");
        assert_eq!(value["submission_id"], "sub-1");
        assert_eq!(value["received_at"], "1970-01-01T00:00:00.000Z");
        assert_eq!(value["duplicate"], false);
        assert_eq!(value["email"], "test@helloclever.co");
    }

    #[test]
    fn unknown_status_words_are_lower_cased() {
        let event = KycStatusChanged::new(
            "a@example.com",
            vec![KycStatusEntry::new(
                KycStatus::from_word("UNDER_REVIEW"),
                None,
            )],
        );
        let canonical = event.canonical_json();
        let key = IdempotencyKey::of_canonical_json(&canonical);
        let line = EventLine {
            event: &event,
            canonical: &canonical,
            key: &key,
            submission_id: None,
            received_at: SystemTime::UNIX_EPOCH,
        }
        .json(Tail::Deliveries(2));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["kyc_statuses"][0]["kyc_status"], "under_review");
        assert_eq!(value["submission_id"], serde_json::Value::Null);
        assert_eq!(value["deliveries"], 2);
    }
}
