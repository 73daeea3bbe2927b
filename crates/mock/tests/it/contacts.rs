//! The contact routes and Sumsub's share-token route, fed bad input on purpose.

use serde_json::Value;

use crate::{APP_ID, SECRET, http, start};

async fn call(
    mock: &clever_kyc_mock::MockServer,
    method: &str,
    path_and_query: &str,
    body: &str,
) -> (u16, Value) {
    let url = format!("{}{path_and_query}", mock.base_url());
    let request = match method {
        "GET" => http().get(url),
        _ => http().post(url).body(body.to_owned()),
    };
    let response = request
        .header("app-id", APP_ID)
        .header("secret-key", SECRET)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn every_bad_list_query_is_the_documented_400() {
    let mock = start().await;
    for query in [
        "",
        "?from_date=2026-01-01T00:00:00",
        "?from_date=yesterday&to_date=2026-01-01T00:00:00",
        "?from_date=2026-01-01T00:00:00&to_date=2026-02-30T00:00:00",
        "?from_date=01/01/26&to_date=02/01/26&page=0",
        "?from_date=01/01/26&to_date=02/01/26&per_page=101",
        "?from_date=01/01/26&to_date=02/01/26&page=99999999999999999999999",
        "?from_date=01/01/26&to_date=02/01/26&per_page=-1",
    ] {
        let (status, body) = call(&mock, "GET", &format!("/api/v2/contacts/{query}"), "").await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["errors"]["code"], "BAD_REQUEST", "{query}");
    }
    let (status, body) = call(
        &mock,
        "GET",
        "/api/v2/contacts/?from_date=01/01/26&to_date=02/01/26&page=18446744073709551615&per_page=100",
        "",
    )
    .await;
    assert_eq!(
        status, 200,
        "a page far past the end is empty, not a panic: {body}"
    );
    assert_eq!(body["records"], Value::Array(vec![]));
}

#[tokio::test]
async fn contact_creation_names_the_field_it_refuses() {
    let mock = start().await;
    for (body, message) in [
        (
            r#"{"first_name":"a","last_name":"b","type":"individual"}"#,
            "Email can't be blank",
        ),
        (
            r#"{"email":"a@example.com","last_name":"b","type":"individual"}"#,
            "First name can't be blank",
        ),
        (
            r#"{"email":"a@example.com","first_name":"a","last_name":"b","type":"robot"}"#,
            "Type is not included in the list",
        ),
        (
            r#"{"email":"a@example.com","first_name":"a","last_name":"b","type":"organization"}"#,
            "Reg no can't be blank",
        ),
        (
            r#"{"email":"a@example.com","first_name":"a","last_name":"b","type":"individual","dob":"1991-02-30"}"#,
            "Dob is invalid",
        ),
        (
            r#"{"email":"a@example.com","first_name":7,"last_name":"b","type":"individual"}"#,
            "First name is invalid",
        ),
    ] {
        let (status, answer) = call(&mock, "POST", "/api/v2/contacts", body).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert_eq!(answer["errors"]["message"], message, "{body}");
    }
    let (status, _) = call(&mock, "POST", "/api/v2/contacts", "[1]").await;
    assert_eq!(status, 400);
    let (status, _) = call(&mock, "GET", "/api/v2/contacts/detail", "").await;
    assert_eq!(status, 400);
    let (status, answer) = call(
        &mock,
        "GET",
        "/api/v2/contacts/detail?email=none%40example.com",
        "",
    )
    .await;
    assert_eq!(
        (status, &answer["errors"]["code"]),
        (404, &Value::from("NOT_FOUND"))
    );
}

#[tokio::test]
async fn an_unsigned_share_token_request_is_refused_in_sumsubs_envelope() {
    let mock = start().await;
    let response = http()
        .post(format!(
            "{}/resources/accessTokens/shareToken",
            mock.base_url()
        ))
        .body(r#"{"applicantId":"a","forClientId":"b"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], 401);
    assert_eq!(body["errorCode"], 4003);
    assert!(body["correlationId"].as_str().unwrap().starts_with("req-"));
}
