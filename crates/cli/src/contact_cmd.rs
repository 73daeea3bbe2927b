//! `clever-kyc contact create|get|list`.

use clever_kyc_core::callback::{ContactType, Gender};
use clever_kyc_core::contact::{
    Contact, ContactListError, ContactListQuery, ContactPages, NewContact, NewContactBuilder,
};
use clever_kyc_core::utc::UtcDateTime;
use clever_kyc_core::{Email, Outcome, Refusal};

use crate::api::{call_failure, client};
use crate::args::{
    ContactCommand, ContactCreateArgs, ContactListArgs, ContactShowArgs, ContactTypeArg, GenderArg,
};
use crate::exit::{self, Failure};
use crate::out::say;

pub(crate) fn run(command: ContactCommand) -> Result<u8, Failure> {
    match command {
        ContactCommand::Create(args) => create(*args),
        ContactCommand::Get(args) => show(args),
        ContactCommand::List(args) => list(args),
    }
}

fn create(args: ContactCreateArgs) -> Result<u8, Failure> {
    let contact_type = match args.contact_type {
        ContactTypeArg::Individual => ContactType::Individual,
        ContactTypeArg::Organization => ContactType::Organization,
    };
    let mut builder = NewContact::builder()
        .email(args.email)
        .name(args.first_name, args.last_name)
        .contact_type(contact_type);
    if let Some(gender) = args.gender {
        builder = builder.gender(match gender {
            GenderArg::Male => Gender::Male,
            GenderArg::Female => Gender::Female,
        });
    }
    type Setter = fn(NewContactBuilder, String) -> NewContactBuilder;
    let optional: [(Option<String>, Setter); 8] = [
        (args.dob, NewContactBuilder::dob),
        (args.reg_no, NewContactBuilder::reg_no),
        (args.phone, NewContactBuilder::phone),
        (args.street, NewContactBuilder::street),
        (args.city, NewContactBuilder::city),
        (args.postal_code, NewContactBuilder::postal_code),
        (args.state, NewContactBuilder::state),
        (args.country, NewContactBuilder::country),
    ];
    for (value, set) in optional {
        if let Some(value) = value {
            builder = set(builder, value);
        }
    }
    let contact = builder
        .build()
        .map_err(|e| Failure::usage(format!("{e}; nothing was sent")))?;
    let created = client(&args.api)?
        .create_contact(&contact)
        .map_err(|e| call_failure(&e, args.json))?;
    let email = created.email.as_deref().unwrap_or(contact.email().as_str());
    if args.json {
        say!(
            "{}",
            serde_json::json!({"outcome": Outcome::Done.word(), "created": email})
        );
    } else {
        say!("created contact {email}");
    }
    Ok(exit::OK)
}

fn show(args: ContactShowArgs) -> Result<u8, Failure> {
    let email =
        Email::parse(&args.email).map_err(|e| Failure::usage(format!("{e}; nothing was sent")))?;
    match client(&args.api)?
        .contact_details(&email)
        .map_err(|e| call_failure(&e, args.json))?
    {
        Some(contact) => {
            if args.json {
                say!("{}", record_json(&contact)?);
            } else {
                say!("{}", record_text(&contact));
            }
            Ok(exit::OK)
        }
        None => Err(Failure::outcome(
            Outcome::Refused(Refusal::NotFound),
            format!("the API says there is no contact {}", email.as_str()),
            args.json,
        )),
    }
}

/// The earliest date the listing asks for when none is given: before any contact.
const EARLIEST: &str = "2000-01-01T00:00:00";

fn list(args: ContactListArgs) -> Result<u8, Failure> {
    let bound = |flag: &str, text: &str| {
        text.parse::<UtcDateTime>()
            .map_err(|e| Failure::usage(format!("--{flag} {text}: {e}; nothing was sent")))
    };
    let from = match &args.from {
        Some(text) => bound("from-date", text)?,
        None => {
            clever_kyc_server::stderr_line(format!(
                "contact list: no --from-date, so from {EARLIEST} (UTC)"
            ));
            bound("from-date", EARLIEST)?
        }
    };
    let to = match &args.to {
        Some(text) => bound("to-date", text)?,
        None => {
            // Dates are whole seconds: round up, so that a contact created this second is in.
            let now = UtcDateTime::from_system_time(
                std::time::SystemTime::now() + std::time::Duration::from_secs(1),
            );
            clever_kyc_server::stderr_line(format!(
                "contact list: no --to-date, so until now ({now} UTC)"
            ));
            now
        }
    };
    let query = ContactListQuery::new(from, to).per_page(args.per_page);
    let pages = ContactPages::new(query).with_max_pages(args.max_pages);
    let client = client(&args.api)?;
    for contact in client.contacts(pages) {
        match contact {
            Ok(contact) if args.json => say!("{}", record_json(&contact)?),
            Ok(contact) => say!("{}", record_text(&contact)),
            Err(ContactListError::Call(e)) => return Err(call_failure(&e, args.json)),
            Err(ContactListError::PageLimit(limit)) => {
                // Asked for: not an error, but the list may go on.
                clever_kyc_server::stderr_line(format!(
                    "contact list: stopped after --max-pages {} pages; more pages may remain",
                    limit.pages
                ));
                break;
            }
            Err(e) => return Err(Failure::with_status(exit::TRANSPORT, e.to_string())),
        }
    }
    Ok(exit::OK)
}

/// The record as JSON, with `latest_status`: the last entry of `kyc_statuses`, as
/// everywhere in the SDK, or null.
fn record_json(contact: &Contact) -> Result<String, Failure> {
    let mut value = serde_json::to_value(contact)
        .map_err(|e| Failure::failed(format!("could not print: {e}")))?;
    if let Some(fields) = value.as_object_mut() {
        fields.insert(
            "latest_status".to_owned(),
            contact
                .latest_status()
                .map_or(serde_json::Value::Null, |s| s.as_str().into()),
        );
    }
    Ok(value.to_string())
}

/// One readable line: email, name, latest status.
fn record_text(contact: &Contact) -> String {
    let name = [contact.first_name.as_deref(), contact.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "{}  {}  {}",
        contact.email.as_deref().unwrap_or("(no email)"),
        if name.is_empty() { "(no name)" } else { &name },
        contact
            .latest_status()
            .map_or("(no KYC yet)", |s| s.as_str())
    )
}
