//! `clever-kyc contact create|show|list`.

use clever_kyc_core::{
    Email, Outcome, Refusal, callback::ContactType, callback::Gender, contact::ContactListQuery,
    contact::ContactPages, contact::NewContact, contact::NewContactBuilder, utc::UtcDateTime,
};

use crate::api::{call_failure, client};
use crate::args::{ContactCommand, ContactCreateArgs, ContactListArgs, ContactShowArgs};
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
    let contact_type = match args.contact_type.as_str() {
        "individual" => ContactType::Individual,
        "organization" => ContactType::Organization,
        other => {
            return Err(Failure::usage(format!(
                "--type {other}: use individual or organization; nothing was sent"
            )));
        }
    };
    let mut builder = NewContact::builder()
        .email(args.email)
        .name(args.first_name, args.last_name)
        .contact_type(contact_type);
    if let Some(gender) = args.gender {
        builder = builder.gender(match gender.as_str() {
            "male" => Gender::Male,
            "female" => Gender::Female,
            other => {
                return Err(Failure::usage(format!(
                    "--gender {other}: use male or female; nothing was sent"
                )));
            }
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
            say!("{}", to_json(&contact)?);
            Ok(exit::OK)
        }
        None => Err(Failure::outcome(
            Outcome::Refused(Refusal::NotFound),
            format!("the API says there is no contact {}", email.as_str()),
            args.json,
        )),
    }
}

fn list(args: ContactListArgs) -> Result<u8, Failure> {
    let bound = |flag: &str, text: &str| {
        text.parse::<UtcDateTime>()
            .map_err(|e| Failure::usage(format!("--{flag} {text}: {e}")))
    };
    let query = ContactListQuery::new(bound("from", &args.from)?, bound("to", &args.to)?)
        .per_page(args.per_page);
    let pages = ContactPages::new(query).with_max_pages(args.max_pages);
    let client = client(&args.api)?;
    for contact in client.contacts(pages) {
        match contact {
            Ok(contact) => say!("{}", to_json(&contact)?),
            Err(clever_kyc_core::contact::ContactListError::Call(e)) => {
                return Err(call_failure(&e, args.json));
            }
            Err(e) => return Err(Failure::with_status(exit::TRANSPORT, e.to_string())),
        }
    }
    Ok(exit::OK)
}

fn to_json(contact: &clever_kyc_core::contact::Contact) -> Result<String, Failure> {
    serde_json::to_string(contact).map_err(|e| Failure::failed(format!("could not print: {e}")))
}
