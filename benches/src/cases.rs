//! The CPU cases, each an SDK closure beside its baseline, defined once for both the A/B
//! harness (`ab` binary, whose ratios `cargo xtask bench` reports) and criterion
//! (`cargo bench`, for confidence intervals and plots).

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use clever_kyc_core::{
    AuthorizationValue, Email, KycSubmission, callback::AuthDigest,
    callback::CallbackAuthenticator, callback::CallbackReceiver, callback::Registration,
    callback::SubmissionId, callback::authorization_from_random_bytes, callback::callback_request,
    callback::parse_kyc_status_changed, request::build_submit_request,
    response::parse_submit_response, submission::WebhookEndpoint,
};
use clever_kyc_receive::Registrations;

use crate::{baseline, fixtures};

/// Builds a group's cases.
pub type Group = fn() -> Vec<Case>;

/// A bound on SDK / baseline.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// The ratio must be at most this.
    AtMost(f64),
    /// The ratio must be at least this.
    AtLeast(f64),
}

/// One comparison.
pub struct Case {
    /// The row's name.
    pub name: String,
    /// What the baseline is, for the report.
    pub baseline_is: &'static str,
    /// The bound, if the case has one.
    pub target: Option<Target>,
    /// One call of the SDK.
    pub sdk: Box<dyn FnMut()>,
    /// One call of the baseline.
    pub baseline: Box<dyn FnMut()>,
}

fn case(
    name: impl Into<String>,
    baseline_is: &'static str,
    target: Option<Target>,
    sdk: impl FnMut() + 'static,
    baseline: impl FnMut() + 'static,
) -> Case {
    Case {
        name: name.into(),
        baseline_is,
        target,
        sdk: Box::new(sdk),
        baseline: Box::new(baseline),
    }
}

const PREPARED: &str =
    "derived struct with &str fields, to_vec, URI and header values prepared once";
const SAME_READER: &str = "owned derived struct, the same reader (from_utf8 + from_str)";

/// Every group of CPU cases by name, each built only when asked for (the 1,000,000-value
/// registry takes a while and much memory).
pub fn groups() -> Vec<(&'static str, Group)> {
    vec![
        ("build_request", build_request),
        ("parse_response", parse_responses),
        ("parse_callback", parse_callbacks),
        ("verify_parse_callback", || vec![verify_and_parse()]),
        ("receive_registered", || vec![receive_registered()]),
        ("listener_route", || vec![listener_route()]),
    ]
}

fn hand_built(prepared: &baseline::Prepared) -> http::Request<Vec<u8>> {
    prepared.build(
        black_box("contact@example.com"),
        black_box(fixtures::TOKEN),
        black_box("https://merchant.example/kyc/callback"),
        black_box(fixtures::AUTH),
    )
}

fn build_request() -> Vec<Case> {
    let config = fixtures::config();
    // The callback URL is configuration, checked once like the API URI and headers on both
    // sides; the email, token and authorization value are checked for every submission.
    let endpoint = WebhookEndpoint::new("https://merchant.example/kyc/callback").expect("valid");
    let mut cases = Vec::new();
    let (c, p) = (config.clone(), baseline::Prepared::new());
    cases.push(case(
        "build_request (sdk_with_validation)",
        PREPARED,
        Some(Target::AtMost(1.0)),
        move || {
            let submission = KycSubmission::builder()
                .email(black_box("contact@example.com"))
                .token(black_box(fixtures::TOKEN))
                .webhook_endpoint(&endpoint, black_box(fixtures::AUTH))
                .build()
                .expect("valid");
            black_box(build_submit_request(&c, &submission));
        },
        move || {
            black_box(hand_built(&p));
        },
    ));
    let (c, p) = (config.clone(), baseline::Prepared::new());
    cases.push(case(
        "build_request (sdk_with_validation, URL checked per request)",
        PREPARED,
        None,
        move || {
            let submission = KycSubmission::builder()
                .email(black_box("contact@example.com"))
                .token(black_box(fixtures::TOKEN))
                .webhook(
                    black_box("https://merchant.example/kyc/callback"),
                    black_box(fixtures::AUTH),
                )
                .build()
                .expect("valid");
            black_box(build_submit_request(&c, &submission));
        },
        move || {
            black_box(hand_built(&p));
        },
    ));
    let (c, s, p) = (
        config.clone(),
        fixtures::submission(),
        baseline::Prepared::new(),
    );
    cases.push(case(
        "build_request (built submission)",
        PREPARED,
        None,
        move || {
            black_box(build_submit_request(&c, black_box(&s)));
        },
        move || {
            black_box(hand_built(&p));
        },
    ));
    let (c, s) = (config, fixtures::submission());
    cases.push(case(
        "build_request (built submission)",
        "naive: json! + Request::builder()",
        None,
        move || {
            black_box(build_submit_request(&c, black_box(&s)));
        },
        || {
            black_box(baseline::build_request());
        },
    ));
    cases
}

fn parse_responses() -> Vec<Case> {
    fixtures::responses()
        .into_iter()
        .map(|(status, name, body)| {
            let response = || {
                http::Response::builder()
                    .status(status)
                    .body(body.as_bytes())
                    .expect("valid")
            };
            let (a, b) = (response(), response());
            case(
                format!("parse_response_{name}"),
                "derived serde structs",
                None,
                move || {
                    let _ = black_box(parse_submit_response(black_box(&a)));
                },
                move || {
                    black_box(baseline::parse_response(black_box(&b)));
                },
            )
        })
        .collect()
}

fn parse_callbacks() -> Vec<Case> {
    let mut cases = Vec::new();
    for (name, body) in [
        ("documented", fixtures::documented_callback()),
        ("large", fixtures::large_callback(500)),
    ] {
        let (a, b) = (body.clone(), body.clone());
        cases.push(case(
            format!("parse_callback_{name}"),
            SAME_READER,
            Some(Target::AtMost(1.0)),
            move || {
                let _ = black_box(parse_kyc_status_changed(black_box(&a)));
            },
            move || {
                black_box(baseline::from_same_reader::<baseline::Callback>(black_box(
                    &b,
                )));
            },
        ));
        let (a, b) = (body.clone(), body);
        cases.push(case(
            format!("parse_callback_{name}"),
            "naive: serde_json::Value, the same reader",
            Some(Target::AtMost(0.5)),
            move || {
                let _ = black_box(parse_kyc_status_changed(black_box(&a)));
            },
            move || {
                black_box(baseline::from_same_reader::<serde_json::Value>(black_box(
                    &b,
                )));
            },
        ));
    }
    cases
}

fn verify_and_parse() -> Case {
    let auth = AuthorizationValue::new(fixtures::AUTH).expect("valid");
    let receiver = CallbackReceiver::new(CallbackAuthenticator::new([auth.clone()]));
    let event = parse_kyc_status_changed(&fixtures::documented_callback()).expect("valid");
    let request =
        callback_request("https://merchant.example/kyc/callback", &auth, &event).expect("valid");
    let copy = request.clone();
    case(
        "verify_parse_callback",
        "== on the header + derived struct",
        None,
        move || {
            let _ = black_box(receiver.receive(black_box(&request)));
        },
        move || {
            black_box(baseline::verify_and_parse(black_box(&copy)));
        },
    )
}

/// Receiving a callback whose value is one of 1,000,000 registered (one per submission)
/// against one of a single registration: the lookup must not grow with the registry.
fn receive_registered() -> Case {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let value = authorization_from_random_bytes([7; 32]);
    let registration = Registration::new(
        SubmissionId::new("sub-bench").expect("valid"),
        Email::parse("test@helloclever.co").expect("valid"),
        now,
        Registration::DEFAULT_RETENTION,
    );
    // The memory store's registrations: the registry a receiver without a durable store
    // uses.
    let registry_of = |others: u32| {
        let registry = clever_kyc_receive::MemoryStore::new();
        for i in 0..others {
            let mut bytes = [0u8; 32];
            bytes[..4].copy_from_slice(&i.to_le_bytes());
            let _ = registry.register(&AuthDigest::from_bytes(bytes), &registration);
        }
        let _ = registry.register(&AuthDigest::of(&value), &registration);
        registry
    };
    let (one, million) = (registry_of(0), registry_of(999_999));
    let event = parse_kyc_status_changed(&fixtures::documented_callback()).expect("valid");
    let request =
        callback_request("https://merchant.example/kyc/callback", &value, &event).expect("valid");
    let copy = request.clone();
    let (a, b) = (
        CallbackReceiver::new(CallbackAuthenticator::default()),
        CallbackReceiver::new(CallbackAuthenticator::default()),
    );
    case(
        "receive_registered",
        "the SDK with 1 registered value (SDK column: 1,000,000)",
        Some(Target::AtMost(1.5)),
        move || {
            let lookup = |d: &AuthDigest| million.registration(d, now).ok().flatten();
            let _ = black_box(a.receive_registered(black_box(&request), now, lookup));
        },
        move || {
            let lookup = |d: &AuthDigest| one.registration(d, now).ok().flatten();
            let _ = black_box(b.receive_registered(black_box(&copy), now, lookup));
        },
    )
}

/// The listener's own work per callback, in-process (tower, no sockets): the SDK's route
/// on a memory store against the hand-written route with its `HashSet`, each writing the
/// JSON line to a buffer.
fn listener_route() -> Case {
    let body = clever_kyc_core::documented::KYC_STATUS_CHANGED.as_bytes();
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    };
    let (sdk_runtime, hand_runtime) = (runtime(), runtime());
    let (sdk, hand) = (crate::route::sdk(), crate::route::hand_written());
    case(
        "listener_route",
        "hand-written axum route (auth ==, derived struct, HashSet of SHA-256 keys, a JSON line)",
        None,
        move || assert!(sdk_runtime.block_on(crate::route::send(&sdk, body))),
        move || assert!(hand_runtime.block_on(crate::route::send(&hand, body))),
    )
}
