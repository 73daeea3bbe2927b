//! Allocations per operation, SDK and baseline, as JSON on stdout.

use std::alloc::System;
use std::hint::black_box;

use clever_kyc_benches::alloc_counter::per_call;
use clever_kyc_benches::{baseline, fixtures, route};
use clever_kyc_core::{callback::parse_kyc_status_changed, request::build_submit_request};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn main() {
    let config = fixtures::config();
    let submission = fixtures::submission();
    let documented = fixtures::documented_callback();
    let large = fixtures::large_callback(500);
    let n = 2_000;
    let mut rows = Vec::new();
    let mut row = |case: &str, variant: &str, (allocs, bytes): (f64, f64)| {
        rows.push(
            serde_json::json!({"case": case, "variant": variant, "allocs": allocs, "bytes": bytes}),
        );
    };
    row(
        "build_request",
        "sdk",
        per_call(GLOBAL, n, || {
            drop(black_box(build_submit_request(&config, &submission)))
        }),
    );
    let endpoint =
        clever_kyc_core::submission::WebhookEndpoint::new("https://merchant.example/kyc/callback")
            .expect("valid");
    row(
        "build_request",
        "sdk_with_validation",
        per_call(GLOBAL, n, || {
            let submission = clever_kyc_core::KycSubmission::builder()
                .email(black_box("contact@example.com"))
                .token(black_box(fixtures::TOKEN))
                .webhook_endpoint(&endpoint, black_box(fixtures::AUTH))
                .build()
                .expect("valid");
            drop(black_box(build_submit_request(&config, &submission)))
        }),
    );
    let prepared = baseline::Prepared::new();
    row(
        "build_request",
        "hand_written (prepared)",
        per_call(GLOBAL, n, || drop(black_box(prepared.build_fixture()))),
    );
    row(
        "build_request",
        "naive",
        per_call(GLOBAL, n, || drop(black_box(baseline::build_request()))),
    );
    for (name, body) in [
        ("parse_callback_documented", &documented),
        ("parse_callback_large", &large),
    ] {
        row(
            name,
            "sdk",
            per_call(GLOBAL, n / 10, || {
                drop(black_box(parse_kyc_status_changed(body)))
            }),
        );
        row(
            name,
            "value",
            per_call(GLOBAL, n / 10, || {
                drop(black_box(serde_json::from_slice::<serde_json::Value>(body)))
            }),
        );
        row(
            name,
            "hand_written",
            per_call(GLOBAL, n / 10, || {
                drop(black_box(serde_json::from_slice::<baseline::Callback>(
                    body,
                )))
            }),
        );
    }
    // The listener's route per request, in-process (no sockets): the SDK's and the
    // hand-written one, each answering the documented callback (a redelivery after the
    // first, on both).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let body = clever_kyc_core::documented::KYC_STATUS_CHANGED.as_bytes();
    for (variant, router) in [
        ("sdk", route::sdk()),
        ("hand_written", route::hand_written()),
    ] {
        row(
            "listener_route",
            variant,
            per_call(GLOBAL, n / 10, || {
                assert!(runtime.block_on(route::send(&router, body)));
            }),
        );
    }
    println!("{}", serde_json::Value::from(rows));
}
