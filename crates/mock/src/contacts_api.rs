//! Create Contact, Get Contact Details and the contact list, answered as the API documents.

use std::time::SystemTime;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use clever_kyc_core::{
    Email, callback::ContactType, callback::Gender, contact::Contact, utc::UtcDateTime,
};
use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use crate::api::{authorised, not_authorised};
use crate::config::ListTotals;
use crate::contacts::ContactRefusal;
use crate::fault::error_json;
use crate::server::Shared;

/// The most records a page may ask for.
const MAX_PER_PAGE: u64 = 100;

fn unprocessable(message: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"errors": {"message": message}})),
    )
        .into_response()
}

fn bad_query() -> Response {
    error_json(
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        "Invalid query parameters.",
    )
}

/// `POST /api/v2/contacts`.
pub(crate) async fn create(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorised(&shared.store, &headers) {
        return not_authorised();
    }
    let Some(Value::Object(body)) = serde_json::from_slice::<Value>(&body).ok() else {
        return error_json(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "The request body must be a JSON object",
        );
    };
    let record = match contact_from(&body) {
        Ok(record) => record,
        Err(message) => return unprocessable(&message),
    };
    let email = record.email.clone().unwrap_or_default();
    let created = shared
        .store
        .lock()
        .contacts
        .create(record, SystemTime::now());
    match created {
        Ok(()) => Json(json!({"email": email})).into_response(),
        Err(ContactRefusal::Exists) => unprocessable("Email has already been taken"),
        Err(ContactRefusal::Full) => unprocessable("The simulator holds no more contacts"),
    }
}

/// Reads and checks Create Contact's fields; the message names the first bad one.
fn contact_from(body: &Map<String, Value>) -> Result<Contact, String> {
    // Every field is a string when present; `null` counts as absent.
    let field = |name: &str, label: &str| -> Result<Option<String>, String> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) if s.len() <= 255 && !s.chars().any(char::is_control) => {
                Ok(Some(s.trim().to_owned()))
            }
            Some(_) => Err(format!("{label} is invalid")),
        }
    };
    let required = |name: &str, label: &str| {
        field(name, label)?.ok_or_else(|| format!("{label} can't be blank"))
    };
    let email = required("email", "Email")?;
    if Email::parse(&email).is_err() {
        return Err("Email is invalid".into());
    }
    let mut record = Contact::new(email, Vec::new());
    record.first_name = Some(required("first_name", "First name")?);
    record.last_name = Some(required("last_name", "Last name")?);
    record.contact_type = Some(match required("type", "Type")?.as_str() {
        "individual" => ContactType::Individual,
        "organization" => ContactType::Organization,
        _ => return Err("Type is not included in the list".into()),
    });
    record.dob = field("dob", "Dob")?;
    if record.dob.as_deref().is_some_and(|d| !is_date(d)) {
        return Err("Dob is invalid".into());
    }
    record.reg_no = field("reg_no", "Reg no")?;
    if record.contact_type == Some(ContactType::Organization) && record.reg_no.is_none() {
        return Err("Reg no can't be blank".into());
    }
    record.gender = match field("gender", "Gender")?.as_deref() {
        None => None,
        Some("male") => Some(Gender::Male),
        Some("female") => Some(Gender::Female),
        Some(_) => return Err("Gender is not included in the list".into()),
    };
    record.country = field("country", "Country")?;
    if record
        .country
        .as_deref()
        .is_some_and(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err("Country is invalid".into());
    }
    record.phone = field("phone", "Phone")?;
    record.street = field("street", "Street")?;
    record.city = field("city", "City")?;
    record.postal_code = field("postal_code", "Postal code")?;
    record.state = field("state", "State")?;
    Ok(record)
}

/// A `yyyy-mm-dd` calendar date (the simulator's own check, apart from the SDK's).
fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts[..] else { return false };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (1..=12).contains(&m) && d >= 1 && d <= days[m as usize - 1]
}

/// The query's parameters, decoded as a form (`+` is a space: an email's `+` must come
/// percent-encoded, as the SDK sends it).
fn params(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .take(32)
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `GET /api/v2/contacts/detail?email=...`: the record, 400 without an email, 404 for an
/// unknown contact (undocumented; the real API's answer is not known).
pub(crate) async fn detail(
    State(shared): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if !authorised(&shared.store, &headers) {
        return not_authorised();
    }
    let params = params(query.as_deref());
    let Some(email) = param(&params, "email").filter(|e| !e.trim().is_empty()) else {
        return bad_query();
    };
    let record = shared
        .store
        .lock()
        .contacts
        .get(email)
        .map(|e| e.record.clone());
    match record {
        Some(record) => Json(record).into_response(),
        None => error_json(StatusCode::NOT_FOUND, "NOT_FOUND", "Contact not found"),
    }
}

/// A list bound: `YYYY-MM-DDThh:mm:ss` (UTC) or `DD/MM/YY`.
fn bound(text: &str) -> Option<SystemTime> {
    if let Some((d, rest)) = text.split_once('/') {
        let (m, y) = rest.split_once('/')?;
        if d.len() != 2 || m.len() != 2 || y.len() != 2 {
            return None;
        }
        return format!("20{y}-{m}-{d}")
            .parse::<UtcDateTime>()
            .ok()
            .map(UtcDateTime::to_system_time);
    }
    if !text.contains('T') {
        return None;
    }
    text.parse::<UtcDateTime>()
        .ok()
        .map(UtcDateTime::to_system_time)
}

fn count(params: &[(String, String)], name: &str, default: u64) -> Option<u64> {
    match param(params, name) {
        None => Some(default),
        Some(text) => text.parse().ok().filter(|&n| n >= 1),
    }
}

/// `GET /api/v2/contacts/?from_date=...&to_date=...&page=N&per_page=M`.
pub(crate) async fn list(
    State(shared): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if !authorised(&shared.store, &headers) {
        return not_authorised();
    }
    let params = params(query.as_deref());
    let (Some(from), Some(to)) = (
        param(&params, "from_date").and_then(bound),
        param(&params, "to_date").and_then(bound),
    ) else {
        return bad_query();
    };
    let (Some(page), Some(per_page)) = (
        count(&params, "page", 1),
        count(&params, "per_page", 20).filter(|&n| n <= MAX_PER_PAGE),
    ) else {
        return bad_query();
    };
    let (records, total) = {
        let state = shared.store.lock();
        let all = state.contacts.in_period(from, to);
        let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
        let records: Vec<Contact> = all
            .iter()
            .skip(start)
            .take(per_page as usize)
            .map(|e| {
                let mut record = e.record.clone();
                // List records may lack `identity`; the simulator's never have one.
                record.identity = None;
                record
            })
            .collect();
        (records, all.len() as u64)
    };
    let mut body = json!({"page": page, "per_page": per_page, "records": records});
    let total_page = total.div_ceil(per_page);
    match shared.store.config.list_totals {
        ListTotals::TotalPage => body["total_page"] = json!(total_page),
        ListTotals::Total => body["total"] = json!(total),
        ListTotals::Both => {
            body["total_page"] = json!(total_page);
            body["total"] = json!(total);
        }
        ListTotals::Neither => {}
    }
    Json(body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_take_both_documented_forms() {
        assert!(bound("2026-11-27T06:25:11").is_some());
        assert_eq!(bound("27/11/26"), bound("2026-11-27T00:00:00"));
        assert!(bound("2026-11-27").is_none());
        assert!(bound("31/02/26").is_none());
    }

    #[test]
    fn dates_are_calendar_dates() {
        assert!(is_date("2000-02-29"));
        assert!(!is_date("1900-02-29"));
        assert!(!is_date("2000-13-01"));
    }
}
