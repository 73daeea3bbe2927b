//! Loopback measurements: the SDK's clients against raw reqwest and raw ureq sending the same
//! request to the simulator, and the callback listener against a bare handler.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clever_kyc_core::{
    Credentials, Environment, KycSubmission, config::ApiConfig, config::BaseUrl,
    transport::TransportSettings,
};

use crate::baseline::Status;
use crate::fixtures::{APP_ID, SECRET};

static TOKEN_SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A token the simulator has not seen (tokens are single use).
pub fn fresh_token() -> String {
    format!(
        "approved-bench-{}",
        TOKEN_SEQUENCE.fetch_add(1, Ordering::Relaxed)
    )
}

fn body(token: &str) -> Vec<u8> {
    format!(r#"{{"email":"bench@example.com","token":"{token}"}}"#).into_bytes()
}

/// The four ways of submitting being compared.
pub struct Submitters {
    base_url: String,
    sdk_async: clever_kyc_async::Client,
    sdk_blocking: clever_kyc_blocking::Client,
    raw_reqwest: reqwest::Client,
    raw_ureq: ureq::Agent,
}

impl Submitters {
    /// Clients for the simulator at `base_url`, all with the same TLS, pool and timeouts.
    pub fn new(base_url: &str) -> Self {
        let env = Environment::Custom(BaseUrl::parse(base_url).expect("loopback URL"));
        let credentials = Credentials::new(APP_ID, SECRET).expect("valid");
        let settings = TransportSettings::default();
        Self {
            base_url: base_url.to_owned(),
            sdk_async: clever_kyc_async::Client::new(env.clone(), credentials.clone())
                .expect("client"),
            sdk_blocking: clever_kyc_blocking::Client::new(env, credentials).expect("client"),
            raw_reqwest: clever_kyc_async::safe_reqwest_builder(&settings)
                .expect("tls")
                .build()
                .expect("client"),
            raw_ureq: clever_kyc_blocking::safe_agent(&settings),
        }
    }

    /// One submission with the async SDK client.
    pub async fn sdk_async(&self) -> bool {
        let submission = KycSubmission::builder()
            .email("bench@example.com")
            .token(fresh_token())
            .build()
            .expect("valid");
        self.sdk_async.submit(&submission).await.is_ok()
    }

    /// The same request with reqwest by hand.
    pub async fn raw_reqwest(&self) -> bool {
        let response = self
            .raw_reqwest
            .post(format!("{}{}", self.base_url, ApiConfig::SUBMIT_PATH))
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .header("app-id", APP_ID)
            .header("secret-key", SECRET)
            .body(body(&fresh_token()))
            .send()
            .await;
        match response {
            Ok(r) if r.status() == 200 => match r.bytes().await {
                Ok(bytes) => serde_json::from_slice::<Status>(&bytes)
                    .is_ok_and(|s| s.status.eq_ignore_ascii_case("ok")),
                Err(_) => false,
            },
            _ => false,
        }
    }

    /// One submission with the blocking SDK client.
    pub fn sdk_blocking(&self) -> bool {
        let submission = KycSubmission::builder()
            .email("bench@example.com")
            .token(fresh_token())
            .build()
            .expect("valid");
        self.sdk_blocking.submit(&submission).is_ok()
    }

    /// The same request with ureq by hand.
    pub fn raw_ureq(&self) -> bool {
        let response = self
            .raw_ureq
            .post(format!("{}{}", self.base_url, ApiConfig::SUBMIT_PATH))
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .header("app-id", APP_ID)
            .header("secret-key", SECRET)
            .send(&body(&fresh_token())[..]);
        match response {
            Ok(mut r) if r.status() == 200 => r.body_mut().read_to_vec().is_ok_and(|bytes| {
                serde_json::from_slice::<Status>(&bytes)
                    .is_ok_and(|s| s.status.eq_ignore_ascii_case("ok"))
            }),
            _ => false,
        }
    }
}

/// The median of per-call durations, in microseconds.
pub fn median_us(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples
        .get(samples.len() / 2)
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1e6)
}

/// Sequential latency of two alternatives, alternating call by call and swapping which
/// goes first in each pair, so every sample of one sits beside a sample of the other.
pub fn interleaved<A: FnMut() -> bool, B: FnMut() -> bool>(
    calls: usize,
    mut a: A,
    mut b: B,
) -> (f64, f64) {
    let (mut ta, mut tb) = (Vec::with_capacity(calls), Vec::with_capacity(calls));
    let timed = |f: &mut dyn FnMut() -> bool, into: &mut Vec<Duration>| {
        let t = Instant::now();
        assert!(f(), "a submission failed during the benchmark");
        into.push(t.elapsed());
    };
    for i in 0..calls {
        if i % 2 == 0 {
            timed(&mut a, &mut ta);
            timed(&mut b, &mut tb);
        } else {
            timed(&mut b, &mut tb);
            timed(&mut a, &mut ta);
        }
    }
    (median_us(ta), median_us(tb))
}

/// Requests per second of `total` calls made by `concurrency` workers.
pub async fn throughput<F, Fut>(total: usize, concurrency: usize, call: F) -> f64
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let per_worker = total / concurrency;
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                for _ in 0..per_worker {
                    assert!(call().await, "a request failed during the benchmark");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker");
    }
    (per_worker * concurrency) as f64 / started.elapsed().as_secs_f64()
}

/// Peak resident memory of a process, in KiB, from `/proc/PID/status` (Linux).
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
