//! `clever-kyc events` and `clever-kyc status`: reading the store `listen` commits to.

use clever_kyc_core::{
    KycStatusChanged, callback::SubmissionId, callback::parse_kyc_status_changed,
};
use clever_kyc_receive::{EventFilter, StoreLocation, rfc3339};

use crate::args::{EventsArgs, StatusArgs};
use crate::exit::{self, Failure};
use crate::line::{EventLine, Tail};
use crate::listen::open_store;
use crate::out::say;

fn readable_store(
    location: &StoreLocation,
) -> Result<Box<dyn clever_kyc_receive::CallbackStore>, Failure> {
    if matches!(location, StoreLocation::Memory) {
        return Err(Failure::usage(
            "--store memory lives inside one `listen` process; name a sqlite: or redis:// store",
        ));
    }
    open_store(location, false)
}

/// The JSON line with what forwarding did: `forwarded_at` (null until the target answered
/// 2xx) and `forward_attempts`.
fn with_forwarding(mut line: String, stored: &clever_kyc_receive::StoredEvent) -> String {
    line.pop(); // the closing brace
    let forwarded_at = stored
        .forwarded_at
        .map_or_else(|| "null".to_owned(), |at| format!("\"{}\"", rfc3339(at)));
    line.push_str(&format!(
        ",\"forwarded_at\":{forwarded_at},\"forward_attempts\":{}}}",
        stored.forward_attempts
    ));
    line
}

/// `clever-kyc events`: every stored event, oldest first.
pub(crate) fn run_events(args: EventsArgs) -> Result<u8, Failure> {
    let mut filter = EventFilter::all();
    if let Some(email) = &args.email {
        filter = filter.email(email.clone());
    }
    if let Some(id) = &args.submission {
        let id = SubmissionId::new(id.clone())
            .map_err(|e| Failure::usage(format!("--submission: {e}")))?;
        filter = filter.submission(id);
    }
    let store = readable_store(&args.store.store)?;
    let events = store
        .events(&filter)
        .map_err(|e| Failure::failed(clever_kyc_core::transport::error_chain(&e)))?;
    let mut out = String::new();
    for stored in &events {
        // Stored JSON is the canonical form this SDK wrote; reading it back cannot fail
        // unless the store was edited by hand.
        let event: KycStatusChanged = parse_kyc_status_changed(stored.event_json.as_bytes())
            .map_err(|e| Failure::failed(format!("a stored event is unreadable: {e}")))?;
        let line = EventLine::of_stored(stored, &event);
        let tail = Tail::Deliveries(stored.deliveries);
        out.push_str(&if args.json {
            with_forwarding(line.json(tail), stored)
        } else {
            line.text(tail)
        });
        out.push('\n');
    }
    crate::out::stdout_text(&out);
    Ok(exit::OK)
}

/// `clever-kyc status`: the latest status of each submission for an email.
pub(crate) fn run_status(args: StatusArgs) -> Result<u8, Failure> {
    let email = clever_kyc_core::Email::parse(&args.email)
        .map_err(|e| Failure::usage(format!("--email {}: {e}", args.email)))?;
    let store = readable_store(&args.store.store)?;
    let statuses = store
        .statuses(&email)
        .map_err(|e| Failure::failed(clever_kyc_core::transport::error_chain(&e)))?;
    if statuses.is_empty() && !args.json {
        say!("no KYC status stored for {}", args.email);
    }
    for status in &statuses {
        let id = status.submission_id.as_ref().map(SubmissionId::as_str);
        if args.json {
            let line = serde_json::json!({
                "submission_id": id,
                "email": status.email.as_str(),
                "latest_status": status.latest_status,
                "updated_at": rfc3339(status.updated_at),
            });
            say!("{line}");
        } else {
            say!(
                "{}: {} (since {}, submission {})",
                status.email.as_str(),
                status.latest_status,
                rfc3339(status.updated_at),
                id.unwrap_or("(shared authorization value)")
            );
        }
    }
    Ok(exit::OK)
}
