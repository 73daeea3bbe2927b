//! Did an ambiguous submission take effect? Answered from the contact's record, read back.

use crate::call::CallError;
use crate::callback::event::{Identity, KycStatusEntry};
use crate::ops::contact::Contact;
use crate::outcome::Refusal;

/// What the contact's KYC looked like before a submission: how many KYC instances it had and
/// its latest identity document. Take it with `contact_details` just before submitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KycBaseline {
    known: bool,
    statuses: usize,
    identity: Option<Identity>,
}

impl KycBaseline {
    /// The baseline of a contact as read before submitting (`None`: it did not exist yet, so
    /// it had no KYC instance).
    pub fn of(contact: Option<&Contact>) -> Self {
        Self {
            known: true,
            statuses: contact.map_or(0, |c| c.kyc_statuses.len()),
            identity: contact.and_then(|c| c.identity.clone()),
        }
    }

    /// No baseline was taken: reconciliation can then only say what the contact shows now.
    pub fn unknown() -> Self {
        Self {
            known: false,
            statuses: 0,
            identity: None,
        }
    }
}

/// What the contact's record says about a submission whose outcome was unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reconciliation {
    /// A KYC instance appeared (or the identity document changed) since the baseline: the
    /// submission took effect and its token is spent. `latest` is what the callback carries.
    TookEffect {
        /// The newest status entry.
        latest: Option<KycStatusEntry>,
    },
    /// Nothing changed since the baseline. The submission has not taken effect so far: Hello
    /// Clever may still be processing it, so check again (or wait for the callback) before
    /// asking the user for a new token.
    NoChange {
        /// The newest status entry, from an earlier KYC instance.
        latest: Option<KycStatusEntry>,
    },
    /// No baseline was taken and the contact has KYC instances: they may predate the
    /// submission, so this cannot tell.
    Undetermined {
        /// The newest status entry.
        latest: Option<KycStatusEntry>,
    },
    /// The contact does not exist: the submission cannot have taken effect.
    NoSuchContact,
}

impl Reconciliation {
    /// Judges the result of the contact lookup made to reconcile: what both transports'
    /// `reconcile` return.
    ///
    /// A lookup answered by something other than the API (a proxy's page, a wrong base path)
    /// says nothing about the contact: that is [`Reconciliation::Undetermined`], never
    /// [`Reconciliation::NoSuchContact`]. Any other failed lookup is returned as it is.
    ///
    /// # Errors
    /// The lookup's own error when it failed for another reason (credentials, transport...).
    pub fn judge_lookup(
        baseline: &KycBaseline,
        lookup: Result<Option<Contact>, CallError>,
    ) -> Result<Self, CallError> {
        match lookup {
            Ok(contact) => Ok(Self::judge(baseline, contact.as_ref())),
            Err(e) if e.refusal() == Some(Refusal::Unrecognized) => {
                Ok(Self::Undetermined { latest: None })
            }
            Err(e) => Err(e),
        }
    }

    /// Compares the contact as read now with the baseline.
    ///
    /// ```
    /// use clever_kyc_core::*;
    /// use clever_kyc_core::{callback::parse_kyc_status_changed, contact::KycBaseline, contact::Reconciliation};
    /// let before = parse_kyc_status_changed(br#"{"email":"a@example.com","kyc_statuses":[]}"#)?;
    /// let after = parse_kyc_status_changed(
    ///     br#"{"email":"a@example.com","kyc_statuses":[{"kyc_status":"pending","message":"null"}]}"#,
    /// )?;
    /// let baseline = KycBaseline::of(Some(&before));
    /// assert!(matches!(
    ///     Reconciliation::judge(&baseline, Some(&after)),
    ///     Reconciliation::TookEffect { .. }
    /// ));
    /// assert!(Reconciliation::judge(&baseline, Some(&after)).took_effect());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn judge(baseline: &KycBaseline, current: Option<&Contact>) -> Self {
        let Some(contact) = current else {
            return Self::NoSuchContact;
        };
        // The record lists one entry per KYC instance, oldest first.
        let latest = contact.latest().cloned();
        if !baseline.known {
            return if contact.kyc_statuses.is_empty() {
                Self::NoChange { latest }
            } else {
                Self::Undetermined { latest }
            };
        }
        let grew = contact.kyc_statuses.len() > baseline.statuses;
        let identity_changed = contact.identity.is_some() && contact.identity != baseline.identity;
        if grew || identity_changed {
            Self::TookEffect { latest }
        } else {
            Self::NoChange { latest }
        }
    }

    /// Whether the submission certainly took effect (its token is spent).
    pub fn took_effect(&self) -> bool {
        matches!(self, Self::TookEffect { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::event::KycStatus;

    fn contact(statuses: &[KycStatus], document: Option<&str>) -> Contact {
        let mut c = Contact::new(
            "a@example.com",
            statuses
                .iter()
                .map(|s| KycStatusEntry::new(s.clone(), None))
                .collect(),
        );
        c.identity = document.map(|n| Identity {
            document_number: Some(n.into()),
            ..Identity::default()
        });
        c
    }

    #[test]
    fn a_new_instance_or_identity_is_an_effect_and_nothing_new_is_not() {
        let before = contact(&[KycStatus::Rejected], Some("1"));
        let baseline = KycBaseline::of(Some(&before));
        let grown = contact(&[KycStatus::Rejected, KycStatus::Pending], Some("1"));
        assert!(Reconciliation::judge(&baseline, Some(&grown)).took_effect());
        let replaced = contact(&[KycStatus::Pending], Some("2"));
        assert!(Reconciliation::judge(&baseline, Some(&replaced)).took_effect());
        assert!(matches!(
            Reconciliation::judge(&baseline, Some(&before)),
            Reconciliation::NoChange { .. }
        ));
        assert_eq!(
            Reconciliation::judge(&baseline, None),
            Reconciliation::NoSuchContact
        );
    }

    #[test]
    fn without_a_baseline_old_instances_cannot_be_told_from_new_ones() {
        let now = contact(&[KycStatus::Approved], None);
        assert!(matches!(
            Reconciliation::judge(&KycBaseline::unknown(), Some(&now)),
            Reconciliation::Undetermined { .. }
        ));
        let fresh = contact(&[], None);
        assert!(matches!(
            Reconciliation::judge(&KycBaseline::unknown(), Some(&fresh)),
            Reconciliation::NoChange { .. }
        ));
    }
}
