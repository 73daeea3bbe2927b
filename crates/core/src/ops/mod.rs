//! The API's operations, each a small description the call machine drives.

mod contact;
mod contact_list;
mod reconcile;
mod submit;

pub use contact::{
    Contact, ContactDetails, ContactError, CreateContact, CreatedContact, NewContact,
    NewContactBuilder,
};
pub use contact_list::{
    ContactListError, ContactListQuery, ContactPage, ContactPages, ContactWalk, ListContacts,
    PageLimitReached, WalkStep,
};
pub use reconcile::{KycBaseline, Reconciliation};
pub use submit::SubmitKyc;
