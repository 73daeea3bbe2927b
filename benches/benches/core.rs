//! CPU benchmarks of the core against hand-written baselines, each pair in one group so
//! `cargo xtask bench` can divide them. Run through `cargo xtask bench`.

use std::hint::black_box;

use clever_kyc_benches::{baseline, fixtures};
use clever_kyc_core::{
    AuthDigest, AuthorizationValue, CallbackAuthenticator, CallbackReceiver,
    DEFAULT_REGISTRATION_RETENTION, Email, KycSubmission, Registration, SubmissionId,
    SubmissionRegistry, authorization_from_random_bytes, build_submit_request, callback_request,
    parse_kyc_status_changed, parse_submit_response,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Whether this pass measures the baselines before the SDK (`cargo xtask bench` alternates
/// it between passes, so neither side always runs first).
fn baseline_first() -> bool {
    std::env::var_os("CLEVER_KYC_BENCH_BASELINE_FIRST").is_some()
}

/// Benchmarks `sdk` and the baselines in the order this pass asks for.
fn pair<'a>(
    group: &mut criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>,
    sdk: &mut dyn FnMut(&mut criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>),
    baselines: &mut dyn FnMut(&mut criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>),
) {
    if baseline_first() {
        baselines(group);
        sdk(group);
    } else {
        sdk(group);
        baselines(group);
    }
}

fn build_request(c: &mut Criterion) {
    let config = fixtures::config();
    let submission = fixtures::submission();
    let prepared = baseline::Prepared::new();
    let mut group = c.benchmark_group("build_request");
    pair(
        &mut group,
        &mut |g| {
            g.bench_function("sdk", |b| {
                b.iter(|| build_submit_request(black_box(&config), black_box(&submission)))
            });
            // Real use builds (and validates) a submission per request: tokens are single use.
            g.bench_function("sdk_with_validation", |b| {
                b.iter(|| {
                    let submission = KycSubmission::builder()
                        .email(black_box("contact@example.com"))
                        .token(black_box(fixtures::TOKEN))
                        .webhook(
                            black_box("https://merchant.example/kyc/callback"),
                            black_box(fixtures::AUTH),
                        )
                        .build()
                        .expect("valid");
                    build_submit_request(black_box(&config), &submission)
                })
            });
        },
        &mut |g| {
            g.bench_function("hand_written", |b| {
                b.iter(|| {
                    prepared.build(
                        black_box("contact@example.com"),
                        black_box(fixtures::TOKEN),
                        black_box("https://merchant.example/kyc/callback"),
                        black_box(fixtures::AUTH),
                    )
                })
            });
            g.bench_function("naive", |b| b.iter(baseline::build_request));
        },
    );
    group.finish();
}

fn parse_responses(c: &mut Criterion) {
    for (status, name, body) in fixtures::responses() {
        let response = http::Response::builder()
            .status(status)
            .body(body.as_bytes())
            .expect("valid");
        let mut group = c.benchmark_group(format!("parse_response_{name}"));
        group.bench_function("sdk", |b| {
            b.iter(|| parse_submit_response(black_box(&response)))
        });
        group.bench_function("hand_written", |b| {
            b.iter(|| baseline::parse_response(black_box(&response)))
        });
        group.finish();
    }
}

fn parse_callbacks(c: &mut Criterion) {
    for (name, body) in [
        ("documented", fixtures::documented_callback()),
        ("large", fixtures::large_callback(500)),
    ] {
        let mut group = c.benchmark_group(format!("parse_callback_{name}"));
        group.throughput(Throughput::Bytes(body.len() as u64));
        pair(
            &mut group,
            &mut |g| {
                g.bench_function("sdk", |b| {
                    b.iter(|| parse_kyc_status_changed(black_box(&body)))
                });
            },
            &mut |g| {
                // The same reader as the SDK: UTF-8 checked once, then parsed from the str.
                g.bench_function("value", |b| {
                    b.iter(|| baseline::from_same_reader::<serde_json::Value>(black_box(&body)))
                });
                g.bench_function("hand_written", |b| {
                    b.iter(|| baseline::from_same_reader::<baseline::Callback>(black_box(&body)))
                });
            },
        );
        group.finish();
    }
}

fn verify_and_parse(c: &mut Criterion) {
    let auth = AuthorizationValue::new(fixtures::AUTH).expect("valid");
    let receiver = CallbackReceiver::new(CallbackAuthenticator::new([auth.clone()]));
    let event = parse_kyc_status_changed(&fixtures::documented_callback()).expect("valid");
    let request =
        callback_request("https://merchant.example/kyc/callback", &auth, &event).expect("valid");
    let mut group = c.benchmark_group("verify_parse_callback");
    group.bench_function("sdk", |b| b.iter(|| receiver.receive(black_box(&request))));
    group.bench_function("hand_written", |b| {
        b.iter(|| baseline::verify_and_parse(black_box(&request)))
    });
    group.finish();
}

/// Receiving a callback whose value is one of 1,000,000 registered (one per submission)
/// against one of a single registration: the lookup must not grow with the registry.
fn receive_registered(c: &mut Criterion) {
    use std::time::{Duration, SystemTime};
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let value = authorization_from_random_bytes([7; 32]);
    let registration = Registration::new(
        SubmissionId::new("sub-bench").expect("valid"),
        Email::parse("test@helloclever.co").expect("valid"),
        now,
        DEFAULT_REGISTRATION_RETENTION,
    );
    let registry_of = |others: u32| {
        let mut registry = SubmissionRegistry::default();
        for i in 0..others {
            let mut bytes = [0u8; 32];
            bytes[..4].copy_from_slice(&i.to_le_bytes());
            registry.register(AuthDigest::from_bytes(bytes), registration.clone());
        }
        registry.register(AuthDigest::of(&value), registration.clone());
        registry
    };
    let (one, million) = (registry_of(0), registry_of(999_999));
    let receiver = CallbackReceiver::new(CallbackAuthenticator::default());
    let event = parse_kyc_status_changed(&fixtures::documented_callback()).expect("valid");
    let request =
        callback_request("https://merchant.example/kyc/callback", &value, &event).expect("valid");
    let mut group = c.benchmark_group("receive_registered");
    group.bench_function("sdk", |b| {
        b.iter(|| receiver.receive_registered(black_box(&request), &million, now))
    });
    group.bench_function("one_registered", |b| {
        b.iter(|| receiver.receive_registered(black_box(&request), &one, now))
    });
    group.finish();
}

criterion_group!(
    benches,
    build_request,
    parse_responses,
    parse_callbacks,
    verify_and_parse,
    receive_registered
);
criterion_main!(benches);
