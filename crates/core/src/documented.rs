//! The API reference's own example payloads, verbatim, for tests, fuzz seeds and benchmarks.
//!
//! Every test in this workspace reads the documented examples from here (the files live in
//! `crates/core/fixtures/`), so a correction to an example is made once.

/// The 200 body on the Submit KYC With Token page.
pub const SUBMIT_200_OK: &str = include_str!("../fixtures/submit_200_ok.json");
/// The 200 body as other pages of the same API spell it.
pub const SUBMIT_200_OK_UPPER: &str = include_str!("../fixtures/submit_200_ok_upper.json");
/// The 401 body on the page ("Not Authorised").
pub const SUBMIT_401_NOT_AUTHORISED: &str =
    include_str!("../fixtures/submit_401_not_authorised.json");
/// The 401 body as sibling pages spell it ("Not Authorized").
pub const SUBMIT_401_NOT_AUTHORIZED: &str =
    include_str!("../fixtures/submit_401_not_authorized.json");
/// The 422 body on the page (no `code`).
pub const SUBMIT_422_EMAIL_BLANK: &str = include_str!("../fixtures/submit_422_email_blank.json");
/// The 400 envelope sibling endpoints use (this endpoint does not document one).
pub const SUBMIT_400_BAD_REQUEST: &str = include_str!("../fixtures/submit_400_bad_request.json");
/// The seed page's example request body.
pub const SUBMIT_REQUEST: &str = include_str!("../fixtures/submit_request.json");
/// The contact record example that `KYCStatusChanged` callbacks carry.
pub const KYC_STATUS_CHANGED: &str = include_str!("../fixtures/kyc_status_changed.json");

/// Every documented response example with its status code.
pub const SUBMIT_RESPONSES: &[(u16, &str, &str)] = &[
    (200, "submit_200_ok", SUBMIT_200_OK),
    (200, "submit_200_ok_upper", SUBMIT_200_OK_UPPER),
    (401, "submit_401_not_authorised", SUBMIT_401_NOT_AUTHORISED),
    (401, "submit_401_not_authorized", SUBMIT_401_NOT_AUTHORIZED),
    (422, "submit_422_email_blank", SUBMIT_422_EMAIL_BLANK),
    (400, "submit_400_bad_request", SUBMIT_400_BAD_REQUEST),
];
