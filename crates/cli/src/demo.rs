//! `clever-kyc demo`: the whole flow on loopback, no network and no credentials needed.
//!
//! It starts the simulator and a callback listener, submits one token through each
//! transport, shows that a token cannot be spent twice, and waits for each contact's
//! callbacks: pending then approved, pending then rejected.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use clever_kyc_core::{
    BaseUrl, Credentials, DEFAULT_REGISTRATION_RETENTION, Email, Environment, KycStatus,
    KycSubmission, error_chain,
};
use clever_kyc_mock::{DeliverySchedule, MockConfig, MockServer, TokenOutcome};
use clever_kyc_receive::{CallbackInbox, MemoryStore, Receipt};
use clever_kyc_server::{ServerLimits, serve};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::args::DemoArgs;
use crate::exit::Failure;
use crate::line::{EventLine, Tail};
use crate::listen::{ChannelSink, Inbox, Listener, Sink};

struct Steps {
    number: u32,
    started: Instant,
}

impl Steps {
    fn begin(&mut self, what: &str) {
        self.number += 1;
        println!(
            "[{:>5} ms] step {}: {what}",
            self.started.elapsed().as_millis(),
            self.number
        );
    }

    fn fail(&self, why: impl std::fmt::Display) -> Failure {
        Failure::failed(format!("demo failed at step {}: {why}", self.number))
    }
}

fn say(line: impl std::fmt::Display) {
    println!("           {line}");
}

fn unique(label: &str) -> String {
    format!("demo-{label}-{:016x}", random_u64())
}

/// A per-run random number from std's randomly keyed hasher (no extra dependency).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

pub(crate) fn run(args: DemoArgs) -> Result<u8, Failure> {
    let runtime = crate::runtime()?;
    runtime.block_on(demo(args))
}

async fn demo(args: DemoArgs) -> Result<u8, Failure> {
    let mut steps = Steps {
        number: 0,
        started: Instant::now(),
    };
    println!("clever-kyc demo: the whole KYC-with-token flow on loopback\n");

    steps.begin("start the Hello Clever simulator");
    let credentials = Credentials::new("demo-app", &unique("secret")).map_err(|e| steps.fail(e))?;
    let mut config = MockConfig::new(credentials.clone());
    config.delivery = DeliverySchedule {
        first_delay: Duration::from_millis(50),
        final_delay: Duration::from_millis(250),
        retry_delays: [100, 200, 400].map(Duration::from_millis).to_vec(),
        ..DeliverySchedule::default()
    };
    let mock = MockServer::start(config)
        .await
        .map_err(|e| steps.fail(error_chain(&e)))?;
    say(format_args!("simulator at {}", mock.base_url()));

    steps.begin("start a callback listener (registered values only; commits, then answers 200)");
    let inbox: Inbox = CallbackInbox::new(Box::new(MemoryStore::new()));
    let now = SystemTime::now();
    let retention = DEFAULT_REGISTRATION_RETENTION;
    let approved_email = "approved.contact@example.com";
    let rejected_email = "rejected.contact@example.com";
    let parse = |email: &str| Email::parse(email).map_err(|e| steps.fail(e));
    let issued_async = inbox
        .issue_submission(&parse(approved_email)?, now, retention)
        .map_err(|e| steps.fail(error_chain(&e)))?;
    let issued_blocking = inbox
        .issue_submission(&parse(rejected_email)?, now, retention)
        .map_err(|e| steps.fail(error_chain(&e)))?;
    let (auth_async, auth_blocking) = (
        issued_async.authorization.clone(),
        issued_blocking.authorization.clone(),
    );
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| steps.fail(e))?;
    let callback_url = format!(
        "http://{}/kyc/callback",
        listener.local_addr().map_err(|e| steps.fail(e))?
    );
    let (tx, mut events) = mpsc::channel::<Receipt>(64);
    let receiving = Listener::new(
        inbox,
        Sink::Channel(ChannelSink(tx)),
        None,
        false,
        Duration::from_secs(30),
    );
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let listener_task = tokio::spawn(serve(
        listener,
        receiving.router(),
        ServerLimits::default(),
        async move {
            let _ = stop_rx.await;
        },
    ));
    say(format_args!(
        "listener at {callback_url}; submissions {} and {} registered",
        issued_async.submission_id, issued_blocking.submission_id
    ));

    let environment =
        Environment::Custom(BaseUrl::parse(&mock.base_url()).map_err(|e| steps.fail(e))?);
    steps.begin("submit a token that will be approved, with the async (reqwest) client");
    let approved_token = mock.issue_token(TokenOutcome::Approved);
    let async_client = clever_kyc_async::Client::new(environment.clone(), credentials.clone())
        .map_err(|e| steps.fail(error_chain(&e)))?;
    let approved = KycSubmission::builder()
        .email(approved_email)
        .token(approved_token)
        .webhook(callback_url.clone(), auth_async.expose_secret())
        .build()
        .map_err(|e| steps.fail(e))?;
    let done = async_client
        .submit(&approved)
        .await
        .map_err(|e| steps.fail(error_chain(&e)))?;
    say(format_args!(
        "accepted: status {:?} in {} attempt(s)",
        done.value.status, done.attempts
    ));

    steps.begin("submit a token that will be rejected, with the blocking (ureq) client");
    let rejected_token = mock.issue_token(TokenOutcome::Rejected);
    let rejected = KycSubmission::builder()
        .email(rejected_email)
        .token(rejected_token)
        .webhook(callback_url.clone(), auth_blocking.expose_secret())
        .build()
        .map_err(|e| steps.fail(e))?;
    let blocking_environment = environment.clone();
    let blocking_credentials = credentials.clone();
    let blocking_submission = rejected.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        clever_kyc_blocking::Client::new(blocking_environment, blocking_credentials)
            .map_err(|e| error_chain(&e))
            .and_then(|client| {
                client
                    .submit(&blocking_submission)
                    .map_err(|e| error_chain(&e))
            })
    })
    .await
    .map_err(|e| steps.fail(e))?;
    let done = outcome.map_err(|e| steps.fail(e))?;
    say(format_args!(
        "accepted: status {:?} in {} attempt(s)",
        done.value.status, done.attempts
    ));

    steps.begin("submit the first token again: share tokens are single use");
    match async_client.submit(&approved).await {
        Ok(_) => return Err(steps.fail("the simulator accepted a token twice")),
        Err(e) if e.is_submission_refused() => say(format_args!(
            "refused as expected: {}",
            e.response_error().and_then(|r| r.message()).unwrap_or("?")
        )),
        Err(e) => return Err(steps.fail(error_chain(&e))),
    }

    steps.begin("wait for the KYCStatusChanged callbacks");
    let expected: HashMap<&str, [KycStatus; 2]> = HashMap::from([
        (approved_email, [KycStatus::Pending, KycStatus::Approved]),
        (rejected_email, [KycStatus::Pending, KycStatus::Rejected]),
    ]);
    let mut seen: HashMap<String, Vec<KycStatus>> = HashMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(args.wait);
    while !expected.iter().all(|(email, want)| {
        seen.get(*email)
            .is_some_and(|got| got.as_slice() == want.as_slice())
    }) {
        let event = match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) => event,
            Ok(None) => return Err(steps.fail("the listener stopped")),
            Err(_) => {
                return Err(steps.fail(format_args!(
                    "timed out after {} s; callbacks seen: {seen:?}",
                    args.wait
                )));
            }
        };
        let callback = &event.callback;
        say(EventLine::of_receipt(&event).text(Tail::Duplicate(event.is_duplicate())));
        if event.is_duplicate() {
            continue;
        }
        let email = callback.event.email.clone().unwrap_or_default();
        if let Some(status) = callback.event.latest_status() {
            seen.entry(email).or_default().push(status.clone());
        }
    }

    steps.begin("check what the simulator recorded");
    let submissions = mock.submissions();
    // The simulator records a delivery once the listener's 200 is back, just after the event.
    let (_, deliveries) = mock
        .wait_for_deliveries(Duration::from_secs(2), |d| {
            d.iter().filter(|d| d.delivered).count() >= 4
        })
        .await;
    let delivered = deliveries.iter().filter(|d| d.delivered).count();
    say(format_args!(
        "{} submissions accepted, {} requests seen, {delivered} of {} callback deliveries answered 200",
        submissions.len(),
        mock.requests().len(),
        deliveries.len()
    ));
    if submissions.len() != 2 || delivered != 4 {
        return Err(steps.fail("the simulator's records do not match the flow"));
    }

    let _ = stop_tx.send(());
    let _ = listener_task.await;
    mock.shutdown();
    println!(
        "\ndemo passed in {} ms: pending then approved via async, pending then rejected via blocking",
        steps.started.elapsed().as_millis()
    );
    Ok(crate::exit::OK)
}
