//! `clever-kyc demo`: the whole flow on loopback, no network and no credentials needed.
//!
//! It starts the simulator (Hello Clever and Sumsub's share-token endpoint) and a callback
//! listener, creates two contacts, gets a signed share token for each and submits it
//! through each transport, shows that a token cannot be spent twice, waits for each
//! contact's callbacks (pending then approved, pending then rejected), then reads the
//! contacts back and walks the contact list.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use clever_kyc_core::{
    Credentials, Email, Environment, KycStatus, KycSubmission, callback::ContactType,
    callback::Registration, config::BaseUrl, contact::ContactListQuery, contact::ContactPages,
    contact::KycBaseline, contact::NewContact, submission::WebhookNotification,
    sumsub::ShareTokenRequest, sumsub::SumsubConfig, transport::error_chain, utc::UtcDateTime,
};
use clever_kyc_mock::{
    DeliverySchedule, MOCK_SUMSUB_APP_TOKEN, MOCK_SUMSUB_SECRET_KEY, MockConfig, MockServer,
};
use clever_kyc_receive::{CallbackInbox, MemoryStore, Receipt};
use clever_kyc_server::{ServerLimits, serve};
use futures_util::StreamExt;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::args::DemoArgs;
use crate::exit::Failure;
use crate::line::{EventLine, Tail};
use crate::listen::{ChannelSink, Inbox, Listener, Sink};
use crate::out::say;

struct Steps {
    number: u32,
    started: Instant,
}

impl Steps {
    fn begin(&mut self, what: &str) {
        self.number += 1;
        say!(
            "[{:>5} ms] step {}: {what}",
            self.started.elapsed().as_millis(),
            self.number
        );
    }

    fn email(&self, text: &str) -> Result<Email, Failure> {
        Email::parse(text).map_err(|e| self.fail(e))
    }

    fn fail(&self, why: impl std::fmt::Display) -> Failure {
        Failure::failed(format!("demo failed at step {}: {why}", self.number))
    }
}

fn say(line: impl std::fmt::Display) {
    say!("           {line}");
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
    say!("clever-kyc demo: the whole KYC-with-token flow on loopback\n");

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
    let inbox: Inbox = CallbackInbox::new(std::sync::Arc::new(MemoryStore::new()));
    let now = SystemTime::now();
    let retention = Registration::DEFAULT_RETENTION;
    let approved_email = "approved.contact@example.com";
    let rejected_email = "rejected.contact@example.com";
    let issued_async = inbox
        .issue_submission(&steps.email(approved_email)?, now, retention)
        .map_err(|e| steps.fail(error_chain(&e)))?;
    let issued_blocking = inbox
        .issue_submission(&steps.email(rejected_email)?, now, retention)
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

    let base = BaseUrl::parse(&mock.base_url()).map_err(|e| steps.fail(e))?;
    let environment = Environment::Custom(base.clone());
    let sumsub = SumsubConfig::from_text(MOCK_SUMSUB_APP_TOKEN, MOCK_SUMSUB_SECRET_KEY)
        .map_err(|e| steps.fail(e))?
        .with_base_url(base)
        .map_err(|e| steps.fail(e))?;
    let async_client = clever_kyc_async::Client::new(environment.clone(), credentials.clone())
        .map_err(|e| steps.fail(error_chain(&e)))?;
    let period_start = UtcDateTime::from_system_time(SystemTime::now() - Duration::from_secs(1));

    steps.begin("create the two contacts (a contact exists before its KYC is submitted)");
    let mut baselines = HashMap::new();
    for (email, first) in [(approved_email, "Ana"), (rejected_email, "Ben")] {
        let contact = NewContact::builder()
            .email(email)
            .name(first, "Example")
            .contact_type(ContactType::Individual)
            .dob("1991-12-24")
            .country("AU")
            .build()
            .map_err(|e| steps.fail(e))?;
        async_client
            .create_contact(&contact)
            .await
            .map_err(|e| steps.fail(error_chain(&e)))?;
        // What the contact looked like before its submission: reconciliation compares with it.
        let before = async_client
            .contact_details(contact.email())
            .await
            .map_err(|e| steps.fail(error_chain(&e)))?;
        baselines.insert(email, KycBaseline::of(before.as_ref()));
        say(format_args!("created {email}"));
    }

    steps.begin("get a signed Sumsub share token and submit it, with the async (reqwest) client");
    let issued = async_client
        .share_token(
            &sumsub,
            &ShareTokenRequest::new(format!("approved-{}", unique("applicant")), "helloclever")
                .map_err(|e| steps.fail(e))?,
        )
        .await
        .map_err(|e| steps.fail(error_chain(&e)))?;
    say("Sumsub issued a share token (kept out of this output: it is single use)");
    let approved = KycSubmission::builder()
        .email(approved_email)
        .share_token(issued.token)
        .webhook(callback_url.clone(), &auth_async)
        .build()
        .map_err(|e| steps.fail(e))?;
    let done = async_client
        .submit(&approved)
        .await
        .map_err(|e| steps.fail(error_chain(&e)))?;
    say(format_args!(
        "accepted: status {:?} in {} attempt(s)",
        done.value().status,
        done.attempts()
    ));

    steps
        .begin("generate a share token and submit it in one call, with the blocking (ureq) client");
    let webhook = WebhookNotification::new(&callback_url, auth_blocking.clone())
        .map_err(|e| steps.fail(e))?;
    let token_request =
        ShareTokenRequest::new(format!("rejected-{}", unique("applicant")), "helloclever")
            .map_err(|e| steps.fail(e))?;
    let blocking_environment = environment.clone();
    let blocking_credentials = credentials.clone();
    let blocking_sumsub = sumsub.clone();
    let blocking_email = steps.email(rejected_email)?;
    let outcome = tokio::task::spawn_blocking(move || {
        clever_kyc_blocking::Client::new(blocking_environment, blocking_credentials)
            .map_err(|e| error_chain(&e))
            .and_then(|client| {
                client
                    .submit_with_sumsub(
                        &blocking_sumsub,
                        &token_request,
                        blocking_email,
                        Some(webhook),
                    )
                    .map_err(|e| error_chain(&e))
            })
    })
    .await
    .map_err(|e| steps.fail(e))?;
    let done = outcome.map_err(|e| steps.fail(e))?;
    say(format_args!(
        "accepted: status {:?} in {} attempt(s)",
        done.value().status,
        done.attempts()
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
        let email = callback.event().email.clone().unwrap_or_default();
        if let Some(status) = callback.event().latest_status() {
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

    steps.begin("read each contact back and reconcile it with its baseline");
    for (email, want) in [
        (approved_email, KycStatus::Approved),
        (rejected_email, KycStatus::Rejected),
    ] {
        let email_value = steps.email(email)?;
        let contact = async_client
            .contact_details(&email_value)
            .await
            .map_err(|e| steps.fail(error_chain(&e)))?
            .ok_or_else(|| steps.fail(format_args!("{email} is gone")))?;
        let baseline = baselines
            .get(email)
            .cloned()
            .unwrap_or_else(KycBaseline::unknown);
        let reconciled = async_client
            .reconcile(&email_value, &baseline)
            .await
            .map_err(|e| steps.fail(error_chain(&e)))?;
        say(format_args!(
            "{email}: latest status {:?}; submission took effect: {}",
            contact.latest_status().map(|s| s.as_str()),
            reconciled.took_effect()
        ));
        if contact.latest_status() != Some(&want) || !reconciled.took_effect() {
            return Err(steps.fail(format_args!("{email} does not show its outcome")));
        }
    }

    steps.begin("walk the contact list for this run's period, page by page");
    let period_end = UtcDateTime::from_system_time(SystemTime::now() + Duration::from_secs(1));
    let pages = ContactPages::new(ContactListQuery::new(period_start, period_end).per_page(1));
    let listed: Vec<_> = async_client.contacts(pages).collect().await;
    let mut emails = Vec::new();
    for contact in listed {
        let contact = contact.map_err(|e| steps.fail(error_chain(&e)))?;
        emails.push(contact.email.unwrap_or_default());
    }
    say(format_args!(
        "{} contacts, one page each: {}",
        emails.len(),
        emails.join(", ")
    ));
    if emails != [approved_email, rejected_email] {
        return Err(steps.fail("the contact list does not match the contacts created"));
    }

    let _ = stop_tx.send(());
    let _ = listener_task.await;
    mock.shutdown();
    say!(
        "\ndemo passed in {} ms: contacts created, tokens from Sumsub, pending then approved via async, pending then rejected via blocking, read back and listed",
        steps.started.elapsed().as_millis()
    );
    Ok(crate::exit::OK)
}
