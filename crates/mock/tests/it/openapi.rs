//! The OpenAPI documents held against the SDK's types: every example parses with core into
//! the values it stands for, what core writes validates against the schemas, the simulator
//! serves the document, and any change to it shows in a reviewed snapshot.

use clever_kyc_core::*;
use clever_kyc_core::{
    callback::ContactType, callback::Gender, callback::parse_kyc_status_changed, contact::Contact,
    contact::ContactDetails, contact::ContactListQuery, contact::CreateContact,
    contact::ListContacts, contact::NewContact, request::build_submit_request,
    response::parse_submit_response, sumsub::GenerateShareToken, sumsub::ShareTokenRequest,
    sumsub::SumsubConfig, utc::UtcDateTime,
};
use clever_kyc_mock::{HELLO_CLEVER_OPENAPI, SUMSUB_OPENAPI};
use serde_json::{Value, json};

fn doc(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// A validator for one component schema, with the document's components in scope for `$ref`.
fn validator(document: &Value, schema: &str) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": document["components"],
        "$ref": format!("#/components/schemas/{schema}"),
    });
    jsonschema::validator_for(&root).unwrap()
}

fn assert_valid(document: &Value, schema: &str, instance: &Value) {
    let errors: Vec<String> = validator(document, schema)
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema}: {errors:?}\n{instance}");
}

fn example<'a>(document: &'a Value, pointer: &str) -> &'a Value {
    document
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no example at {pointer}"))
}

fn response(status: u16, body: &Value) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .body(serde_json::to_vec(body).unwrap())
        .unwrap()
}

const SUBMIT: &str = "/paths/~1api~1v2~1contacts~1share_token/post";
const CREATE: &str = "/paths/~1api~1v2~1contacts/post";
const DETAIL: &str = "/paths/~1api~1v2~1contacts~1detail/get";
const LIST: &str = "/paths/~1api~1v2~1contacts~1/get";

fn ok(pointer: &str) -> String {
    format!("{pointer}/responses/200/content/application~1json/example")
}

#[test]
fn every_example_parses_with_core_into_the_values_it_stands_for() {
    let d = doc(HELLO_CLEVER_OPENAPI);
    let documented = parse_kyc_status_changed(documented::KYC_STATUS_CHANGED.as_bytes()).unwrap();
    for pointer in [
        ok(DETAIL),
        format!(
            "{SUBMIT}/callbacks/KYCStatusChanged/{{$request.body#~1webhook_notification~1endpoint_url}}/post/requestBody/content/application~1json/example"
        ),
        "/webhooks/KYCStatusChanged/post/requestBody/content/application~1json/example".into(),
    ] {
        let bytes = serde_json::to_vec(example(&d, &pointer)).unwrap();
        assert_eq!(
            parse_kyc_status_changed(&bytes).unwrap(),
            documented,
            "{pointer}"
        );
    }
    let accepted = parse_submit_response(&response(200, example(&d, &ok(SUBMIT)))).unwrap();
    assert_eq!(accepted.status, "Ok");
    for (status, code, message) in [
        (401, Some("REQUIRE_LOGIN"), "Not Authorised"),
        (422, None, "Email can't be blank"),
    ] {
        let body = example(
            &d,
            &format!("{SUBMIT}/responses/{status}/content/application~1json/example"),
        );
        let err = parse_submit_response(&response(status, body)).unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            (code, Some(message)),
            "{status}"
        );
    }
    let config = ApiConfig::new(Environment::Sandbox, Credentials::new("a", "s").unwrap()).unwrap();
    let created = CreateContact::new(
        &config,
        &NewContact::builder()
            .email("a@example.com")
            .name("A", "B")
            .contact_type(ContactType::Individual)
            .build()
            .unwrap(),
    )
    .parse(&response(200, example(&d, &ok(CREATE))))
    .unwrap();
    assert_eq!(created.email.as_deref(), Some("test@helloclever.co"));
    let query = ContactListQuery::new(
        UtcDateTime::from_system_time(std::time::SystemTime::UNIX_EPOCH),
        UtcDateTime::from_system_time(std::time::SystemTime::UNIX_EPOCH),
    );
    let page = ListContacts::new(&config, &query, 1)
        .parse(&response(200, example(&d, &ok(LIST))))
        .unwrap();
    assert_eq!(
        (page.total, page.total_page, page.records.len()),
        (Some(1), None, 1)
    );
    assert_eq!(
        page.records[0].identity, None,
        "list records may lack identity"
    );
    let missing = ContactDetails::new(&config, &Email::parse("a@example.com").unwrap())
        .parse(&response(
            404,
            example(
                &d,
                &format!("{DETAIL}/responses/404/content/application~1json/example"),
            ),
        ))
        .unwrap();
    assert_eq!(missing, None);
}

#[test]
fn the_sumsub_examples_parse_with_core() {
    let d = doc(SUMSUB_OPENAPI);
    let op = GenerateShareToken::new(
        &SumsubConfig::from_text("sbx:t", "k").unwrap(),
        &ShareTokenRequest::new("a", "b").unwrap(),
    );
    let path = "/paths/~1resources~1accessTokens~1shareToken/post";
    let issued = op.parse(&response(200, example(&d, &ok(path)))).unwrap();
    assert_eq!(issued.for_client_id.as_deref(), Some("helloclever"));
    let err = op
        .parse(&response(
            401,
            example(
                &d,
                "/components/responses/Error/content/application~1json/example",
            ),
        ))
        .unwrap_err();
    assert_eq!(err.code(), Some("app-token-invalid-signature"));
}

#[test]
fn what_core_writes_validates_against_the_schemas() {
    let d = doc(HELLO_CLEVER_OPENAPI);
    let config = ApiConfig::new(Environment::Sandbox, Credentials::new("a", "s").unwrap()).unwrap();
    let submission = KycSubmission::builder()
        .email("a@example.com")
        .token("tok")
        .webhook("https://m.example/cb", "Bearer x")
        .build()
        .unwrap();
    let body: Value =
        serde_json::from_slice(build_submit_request(&config, &submission).body()).unwrap();
    assert_valid(&d, "SubmitRequest", &body);

    let contact = NewContact::builder()
        .email("a@example.com")
        .name("A", "B")
        .contact_type(ContactType::Organization)
        .reg_no("123")
        .gender(Gender::Female)
        .dob("1991-12-24")
        .country("au")
        .build()
        .unwrap();
    let request = CreateContact::new(&config, &contact).request(std::time::SystemTime::UNIX_EPOCH);
    assert_valid(
        &d,
        "CreateContactRequest",
        &serde_json::from_slice(request.body()).unwrap(),
    );

    // A record as core writes it back (what a forwarder or the store holds), documented and
    // sparse alike.
    let record = parse_kyc_status_changed(documented::KYC_STATUS_CHANGED.as_bytes()).unwrap();
    assert_valid(&d, "Contact", &serde_json::to_value(&record).unwrap());
    assert_valid(
        &d,
        "Contact",
        &serde_json::to_value(Contact::new("a@example.com", vec![])).unwrap(),
    );

    // And the document's own examples against its own schemas.
    assert_valid(&d, "Contact", example(&d, &ok(DETAIL)));
    assert_valid(&d, "ContactPage", example(&d, &ok(LIST)));
    assert_valid(&d, "SubmitAccepted", &json!({"status": "OK"}));
    assert!(!validator(&d, "SubmitAccepted").is_valid(&json!({"status": "Error"})));

    let s = doc(SUMSUB_OPENAPI);
    let op = GenerateShareToken::new(
        &SumsubConfig::from_text("sbx:t", "k").unwrap(),
        &ShareTokenRequest::new("a", "b")
            .unwrap()
            .with_ttl(std::time::Duration::from_secs(600))
            .unwrap(),
    );
    let body: Value =
        serde_json::from_slice(op.request(std::time::SystemTime::UNIX_EPOCH).body()).unwrap();
    assert_valid(&s, "ShareTokenRequest", &body);
}

#[tokio::test]
async fn the_simulator_serves_the_document() {
    let mock = crate::start().await;
    for (path, text) in [
        ("/__mock/openapi.json", HELLO_CLEVER_OPENAPI),
        ("/__mock/sumsub-openapi.json", SUMSUB_OPENAPI),
    ] {
        let response = crate::http()
            .get(format!("{}{path}", mock.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.text().await.unwrap(), text);
    }
}

#[test]
fn the_documents_are_reviewed_on_every_change() {
    insta::assert_snapshot!("hello_clever_openapi", HELLO_CLEVER_OPENAPI);
    insta::assert_snapshot!("sumsub_openapi", SUMSUB_OPENAPI);
}
