//! The rule for a submission whose callbacks are traced to it: register its `Authorization`
//! value **before** sending, send, and unregister it when no callback can follow. One
//! function for every transport (a closure sends) and for the `clever-kyc submit` command.

use clever_kyc_core::CallError;
use clever_kyc_core::call::Completed;

use crate::inbox::IssuedSubmission;
use crate::store::{Registrations, StoreError};

/// What became of the registration after the submission.
#[derive(Debug)]
#[non_exhaustive]
pub enum RegistrationAfter {
    /// Kept: the submission was accepted, or may have been processed, so callbacks may come.
    Kept,
    /// Removed: the submission was refused or never sent, so no callback will come.
    Removed,
    /// It should have been removed, but the store could not be reached. It expires with its
    /// retention; nothing else depends on it.
    RemoveFailed(StoreError),
}

/// A registered submission's outcome.
#[derive(Debug)]
#[must_use]
pub struct RegisteredOutcome<T> {
    /// What the submission came to.
    pub outcome: Result<Completed<T>, CallError>,
    /// What became of its registration.
    pub registration: RegistrationAfter,
}

impl IssuedSubmission {
    /// Registers this submission's value in `store`, runs `submit` (which sends the
    /// submission built with [`IssuedSubmission::authorization`]), and unregisters the value
    /// when the outcome says no callback can follow: refused, or provably never sent (see
    /// [`Outcome::may_have_been_processed`](clever_kyc_core::Outcome::may_have_been_processed)).
    ///
    /// With a blocking client: `issued.submit_registered(&store, || client.submit(&submission))`.
    /// The async form, [`submit_registered_async`](Self::submit_registered_async), shows the
    /// whole sequence.
    ///
    /// # Errors
    /// [`StoreError`] when the registration could not be committed: nothing was sent.
    pub fn submit_registered<T>(
        &self,
        store: &(impl Registrations + ?Sized),
        submit: impl FnOnce() -> Result<Completed<T>, CallError>,
    ) -> Result<RegisteredOutcome<T>, StoreError> {
        self.register_in(store)?;
        let outcome = submit();
        let registration = self.after(store, &outcome);
        Ok(RegisteredOutcome {
            outcome,
            registration,
        })
    }

    /// [`submit_registered`](Self::submit_registered) for async code: the store is reached
    /// through an [`AsyncStore`](crate::AsyncStore) and `submit` is awaited.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::sync::Arc;
    /// use std::time::SystemTime;
    /// use clever_kyc_async::Client;
    /// use clever_kyc_core::{Credentials, Email, Environment, KycSubmission};
    /// use clever_kyc_core::callback::Registration;
    /// use clever_kyc_core::config::BaseUrl;
    /// use clever_kyc_receive::{AsyncStore, IssuedSubmission, MemoryStore, RegistrationAfter};
    /// # let credentials = Credentials::new("app-id", "secret-key")?;
    /// # let mock = clever_kyc_mock::MockServer::start(clever_kyc_mock::MockConfig::new(credentials.clone())).await?;
    /// # let base_url = BaseUrl::parse(&mock.base_url())?;
    /// let client = Client::new(Environment::Custom(base_url), credentials)?;
    /// let store = AsyncStore::new(Arc::new(MemoryStore::new()));
    ///
    /// let email = Email::parse("ana@example.com")?;
    /// let now = SystemTime::now();
    /// let issued = IssuedSubmission::generate(&email, now, Registration::DEFAULT_RETENTION)?;
    /// let submission = KycSubmission::builder()
    ///     .email(email.as_str())
    ///     .token("expired-token-1") // the simulator refuses this one
    ///     .webhook("https://merchant.example/kyc/callback", &issued.authorization)
    ///     .build()?;
    /// let done = issued.submit_registered_async(&store, || client.submit(&submission)).await?;
    /// assert!(done.outcome.is_err());
    /// // Refused: no callback will come, so the value no longer authenticates anything.
    /// assert!(matches!(done.registration, RegistrationAfter::Removed));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`StoreError`] when the registration could not be committed: nothing was sent.
    #[cfg(feature = "axum")]
    pub async fn submit_registered_async<S, T, F>(
        &self,
        store: &crate::AsyncStore<S>,
        submit: impl FnOnce() -> F,
    ) -> Result<RegisteredOutcome<T>, StoreError>
    where
        S: crate::CallbackStore + 'static,
        F: std::future::Future<Output = Result<Completed<T>, CallError>>,
    {
        let digest = clever_kyc_core::callback::AuthDigest::of(&self.authorization);
        store.register(&digest, &self.registration).await?;
        let outcome = submit().await;
        let registration = if Self::callbacks_may_follow(&outcome) {
            RegistrationAfter::Kept
        } else {
            match store.unregister(&digest).await {
                Ok(_) => RegistrationAfter::Removed,
                Err(e) => RegistrationAfter::RemoveFailed(e),
            }
        };
        Ok(RegisteredOutcome {
            outcome,
            registration,
        })
    }

    fn callbacks_may_follow<T>(outcome: &Result<Completed<T>, CallError>) -> bool {
        outcome
            .as_ref()
            .map_or_else(CallError::may_have_been_processed, |_| true)
    }

    fn after<T>(
        &self,
        store: &(impl Registrations + ?Sized),
        outcome: &Result<Completed<T>, CallError>,
    ) -> RegistrationAfter {
        if Self::callbacks_may_follow(outcome) {
            return RegistrationAfter::Kept;
        }
        match self.unregister_from(store) {
            Ok(_) => RegistrationAfter::Removed,
            Err(e) => RegistrationAfter::RemoveFailed(e),
        }
    }
}
