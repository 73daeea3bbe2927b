//! End to end through the real binaries: a submission process posts to the simulator, the
//! simulator delivers the `pending` callback, and the listener commits it to SQLite and
//! prints its line. The SDK pair is `clever-kyc submit` and `clever-kyc listen --store
//! sqlite:…`; the hand-written pair is `raw_submit` (reqwest) and `bare_listener --sqlite`
//! (axum, the same INSERT). Each sample runs from spawning the submitter to the listener's
//! line for that contact; the two pairs alternate sample by sample, through one simulator.
//! The same runs again with long-lived clients in this process instead of a submitting
//! process, as a service submits.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use crate::baseline::{Status, SubmitBody, Webhook};
use crate::fixtures::{APP_ID, AUTH, SECRET};

/// The programs each pair runs.
#[derive(Debug, Clone)]
pub struct Programs {
    /// `clever-kyc`.
    pub cli: String,
    /// `bare_listener`.
    pub bare_listener: String,
    /// `raw_submit`.
    pub raw_submit: String,
}

/// A listener process and the contacts of the lines it printed, with when they appeared.
struct Listener {
    child: Child,
    lines: Receiver<(String, Instant)>,
    url: String,
}

impl Listener {
    fn start(programs: &Programs, is_sdk: bool, sqlite: &std::path::Path) -> Self {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port");
        let mut command = if is_sdk {
            let mut command = Command::new(&programs.cli);
            command
                .args([
                    "listen",
                    "--bind",
                    &addr.to_string(),
                    "--json",
                    "--auth",
                    AUTH,
                ])
                .arg("--store")
                .arg(format!("sqlite:{}", sqlite.display()));
            command
        } else {
            let mut command = Command::new(&programs.bare_listener);
            command
                .args([addr.to_string().as_str(), AUTH, "--sqlite"])
                .arg(sqlite);
            command
        };
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the listener");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let at = Instant::now();
                let email = serde_json::from_str::<serde_json::Value>(&line)
                    .ok()
                    .and_then(|v| v["email"].as_str().map(str::to_owned));
                if let Some(email) = email
                    && tx.send((email, at)).is_err()
                {
                    break;
                }
            }
        });
        while std::net::TcpStream::connect(addr).is_err() {
            std::thread::sleep(Duration::from_millis(10));
        }
        Self {
            child,
            lines,
            url: format!("http://{addr}/kyc/callback"),
        }
    }

    /// When the line for `email` appeared (earlier lines, e.g. final statuses of earlier
    /// samples, are passed over).
    fn line_for(&self, email: &str) -> Instant {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((seen, at)) if seen.eq_ignore_ascii_case(email) => return at,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    panic!("no callback line for {email} within 20 s")
                }
            }
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How submissions are made.
pub enum Submitter {
    /// A process per submission: `clever-kyc submit` against `raw_submit`.
    Process,
    /// A long-lived client in this process, as a service submits: the SDK's async client
    /// against raw reqwest (the same rustls setup), on one current-thread runtime.
    InProcess(Box<Clients>),
}

/// The clients of [`Submitter::InProcess`].
pub struct Clients {
    /// The runtime both clients run on.
    runtime: tokio::runtime::Runtime,
    /// The SDK's client for the simulator.
    sdk: clever_kyc_async::Client,
    /// reqwest, set up as the SDK sets it up.
    raw: reqwest::Client,
}

impl Submitter {
    /// In-process clients for the simulator at `base_url`.
    pub fn in_process(base_url: &str) -> Self {
        let env = clever_kyc_core::Environment::Custom(
            clever_kyc_core::config::BaseUrl::parse(base_url).expect("loopback URL"),
        );
        let credentials = clever_kyc_core::Credentials::new(APP_ID, SECRET).expect("valid");
        Self::InProcess(Box::new(Clients {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            sdk: clever_kyc_async::Client::new(env, credentials).expect("client"),
            raw: clever_kyc_async::safe_reqwest_builder(&Default::default())
                .expect("tls")
                .build()
                .expect("client"),
        }))
    }

    /// Submits `email` with `token` and a callback to `webhook`; whether it was accepted.
    fn submit(&self, programs: &Programs, is_sdk: bool, to: &Submission<'_>) -> bool {
        let Self::InProcess(clients) = self else {
            return submit_process(programs, is_sdk, to);
        };
        let Clients { runtime, sdk, raw } = clients.as_ref();
        let base_url = to.base_url;
        if is_sdk {
            let submission = clever_kyc_core::KycSubmission::builder()
                .email(to.email)
                .token(to.token)
                .webhook(to.webhook, AUTH)
                .build()
                .expect("valid");
            return runtime.block_on(sdk.submit(&submission)).is_ok();
        }
        let body = serde_json::to_vec(&SubmitBody {
            email: to.email,
            token: to.token,
            webhook_notification: Some(Webhook {
                endpoint_url: to.webhook,
                authorization_header: AUTH,
            }),
        })
        .expect("serializable");
        runtime.block_on(async {
            let Ok(response) = raw
                .post(format!(
                    "{base_url}{}",
                    clever_kyc_core::config::ApiConfig::SUBMIT_PATH
                ))
                .header("accept", "application/json")
                .header("app-id", APP_ID)
                .header("secret-key", SECRET)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
            else {
                return false;
            };
            let ok = response.status() == 200;
            ok && response.bytes().await.is_ok_and(|b| {
                serde_json::from_slice::<Status>(&b)
                    .is_ok_and(|s| s.status.eq_ignore_ascii_case("ok"))
            })
        })
    }
}

/// One sample: submit, wait for the listener's line; milliseconds.
fn sample(
    programs: &Programs,
    submitter: &Submitter,
    is_sdk: bool,
    listener: &Listener,
    base_url: &str,
    n: usize,
) -> f64 {
    let side = if is_sdk { "sdk" } else { "hand" };
    let how = if matches!(submitter, Submitter::Process) {
        "p"
    } else {
        "i"
    };
    let email = format!("e2e-{how}-{side}-{n}@example.com");
    let token = format!("approved-e2e-{how}-{side}-{n}");
    let started = Instant::now();
    let to = Submission {
        base_url,
        email: &email,
        token: &token,
        webhook: &listener.url,
    };
    let accepted = submitter.submit(programs, is_sdk, &to);
    assert!(accepted, "{side}: the submission was not accepted");
    listener
        .line_for(&email)
        .duration_since(started)
        .as_secs_f64()
        * 1000.0
}

/// One submission: where to, for whom, and where its callbacks go.
#[derive(Clone, Copy)]
struct Submission<'a> {
    base_url: &'a str,
    email: &'a str,
    token: &'a str,
    webhook: &'a str,
}

/// Runs the submitting program; whether it exited 0.
fn submit_process(programs: &Programs, is_sdk: bool, to: &Submission<'_>) -> bool {
    let Submission {
        base_url,
        email,
        token,
        webhook,
    } = *to;
    let mut command = if is_sdk {
        let mut command = Command::new(&programs.cli);
        command
            .args(["submit", "--email", email, "--token", token])
            .args(["--base-url", base_url, "--webhook-url", webhook])
            .args(["--webhook-auth", AUTH])
            .env("HELLO_CLEVER_APP_ID", APP_ID)
            .env("HELLO_CLEVER_SECRET_KEY", SECRET);
        command
    } else {
        let mut command = Command::new(&programs.raw_submit);
        command.args([base_url, token, email, webhook, AUTH]);
        command
    };
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// `samples` latencies of each pair, in milliseconds, alternating which goes first.
pub fn measure(
    programs: &Programs,
    submitter: &Submitter,
    base_url: &str,
    samples: usize,
) -> (Vec<f64>, Vec<f64>) {
    let dir = std::env::temp_dir().join(format!("clever-kyc-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sdk_listener = Listener::start(programs, true, &dir.join("sdk.db"));
    let hand_listener = Listener::start(programs, false, &dir.join("hand.db"));
    let (mut sdk, mut hand) = (Vec::new(), Vec::new());
    for n in 0..samples {
        if n % 2 == 0 {
            sdk.push(sample(
                programs,
                submitter,
                true,
                &sdk_listener,
                base_url,
                n,
            ));
            hand.push(sample(
                programs,
                submitter,
                false,
                &hand_listener,
                base_url,
                n,
            ));
        } else {
            hand.push(sample(
                programs,
                submitter,
                false,
                &hand_listener,
                base_url,
                n,
            ));
            sdk.push(sample(
                programs,
                submitter,
                true,
                &sdk_listener,
                base_url,
                n,
            ));
        }
    }
    drop((sdk_listener, hand_listener));
    let _ = std::fs::remove_dir_all(&dir);
    (sdk, hand)
}

/// The `q` quantile (0 to 1) of `values`, nearest rank.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&values, 0.5), 50.0);
        assert_eq!(quantile(&values, 0.99), 99.0);
        assert_eq!(quantile(&values, 1.0), 100.0);
        assert_eq!(quantile(&[3.0], 0.99), 3.0);
        assert!(quantile(&[], 0.5).is_nan());
    }
}
