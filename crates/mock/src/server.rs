//! Starting, inspecting and stopping the simulator.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use clever_kyc_core::sumsub::SumsubConfig;
use clever_kyc_core::{ApiConfig, AuthorizationValue, Credentials, KycStatus};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinHandle};

use crate::config::MockConfig;
use crate::delivery::{deliver_all, delivery_client};
use crate::fault::Fault;
use crate::records::{DeliveryAttempt, RequestRecord, SubmissionRecord};
use crate::store::Store;
use crate::tokens::TokenOutcome;

/// The simulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// The address could not be bound.
    #[error("could not listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The callback delivery client could not be built.
    #[error("could not build the callback delivery client: {0}")]
    Client(String),
    /// The blocking wrapper could not start its runtime.
    #[error("could not start the simulator's runtime")]
    Runtime(#[source] std::io::Error),
}

/// Entries the fault queue holds at most.
pub const MAX_QUEUED_FAULTS: usize = 1024;
/// Bytes (of the faults' JSON) the fault queue holds at most.
pub const MAX_QUEUED_FAULT_BYTES: usize = 1024 * 1024;

/// The fault queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the fault queue is full ({MAX_QUEUED_FAULTS} entries or {MAX_QUEUED_FAULT_BYTES} bytes); clear it with DELETE /__mock/faults"
)]
pub struct FaultQueueFull;

/// A running simulator. Dropping it stops the server and every pending delivery.
///
/// ```no_run
/// use clever_kyc_mock::{MockConfig, MockServer, TokenOutcome};
/// use clever_kyc_core::Credentials;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let mock = MockServer::start(MockConfig::new(Credentials::new("app", "secret")?)).await?;
/// let token = mock.issue_token(TokenOutcome::Rejected);
/// println!("submit {token} to {}", mock.base_url());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MockServer {
    shared: Shared,
}

/// What handlers share: the store, the delivery client and the tasks to stop.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub(crate) store: Arc<Store>,
    client: reqwest::Client,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
    addr: SocketAddr,
    /// Tells the server to stop accepting and drain ([`MockServer::shutdown_gracefully`]).
    stop: Arc<watch::Sender<bool>>,
    serving: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl Shared {
    pub(crate) fn server(&self) -> MockServer {
        MockServer {
            shared: self.clone(),
        }
    }

    /// Sets a KYC instance's final status when the schedule says the KYC has finished,
    /// whether or not any callback is delivered.
    pub(crate) fn spawn_outcome(&self, email: String, index: usize, status: KycStatus) {
        let store = self.store.clone();
        let task = tokio::spawn(async move {
            let schedule = &store.config.delivery;
            tokio::time::sleep(schedule.first_delay + schedule.final_delay).await;
            store.lock().contacts.finish_instance(&email, index, status);
        });
        self.track(task.abort_handle());
    }

    fn track(&self, task: AbortHandle) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }

    pub(crate) fn spawn_delivery(
        &self,
        submission: SubmissionRecord,
        url: String,
        authorization: AuthorizationValue,
    ) {
        let task = tokio::spawn(deliver_all(
            self.store.clone(),
            self.client.clone(),
            submission,
            url,
            authorization,
        ));
        self.track(task.abort_handle());
    }
}

impl MockServer {
    /// Binds `config.bind` and serves until dropped or [`shutdown`](Self::shutdown). Needs a
    /// tokio runtime; see [`BlockingMockServer`] for code without one.
    ///
    /// # Errors
    /// [`MockError`] if the address cannot be bound.
    pub async fn start(config: MockConfig) -> Result<Self, MockError> {
        let addr = config.bind;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| MockError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| MockError::Bind { addr, source })?;
        let store = Arc::new(Store::new(config));
        let client = delivery_client(&store).map_err(MockError::Client)?;
        let (stop, mut stopped) = watch::channel(false);
        let shared = Shared {
            store,
            client,
            tasks: Arc::default(),
            addr,
            stop: Arc::new(stop),
            serving: Arc::default(),
        };
        let router = Router::new()
            .route(ApiConfig::SUBMIT_PATH, post(crate::api::submit))
            .route(ApiConfig::CONTACTS_PATH, post(crate::contacts_api::create))
            .route(
                &format!("{}/", ApiConfig::CONTACTS_PATH),
                get(crate::contacts_api::list),
            )
            .route(
                ApiConfig::CONTACT_DETAIL_PATH,
                get(crate::contacts_api::detail),
            )
            .route(
                SumsubConfig::SHARE_TOKEN_PATH,
                post(crate::sumsub_api::share_token),
            )
            .route("/__mock/openapi.json", get(crate::openapi::hello_clever))
            .route("/__mock/sumsub-openapi.json", get(crate::openapi::sumsub))
            .route("/__mock/requests", get(crate::control::requests))
            .route("/__mock/submissions", get(crate::control::submissions))
            .route("/__mock/deliveries", get(crate::control::deliveries))
            .route(
                "/__mock/faults",
                post(crate::control::add_fault).delete(crate::control::clear_faults),
            )
            .route("/__mock/tokens", post(crate::control::issue_token))
            .layer(DefaultBodyLimit::max(shared.store.config.max_body_bytes))
            .with_state(shared.clone());
        let limits = shared.store.config.limits;
        let serve = tokio::spawn(async move {
            let stop = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            let summary = clever_kyc_server::serve(listener, router, limits, stop).await;
            tracing::info!(
                connections = summary.connections,
                "simulator stopped serving"
            );
        });
        shared
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(serve.abort_handle());
        *shared.serving.lock().unwrap_or_else(|p| p.into_inner()) = Some(serve);
        tracing::info!(%addr, "Hello Clever simulator listening");
        Ok(Self { shared })
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// The base URL to configure clients with, e.g. `http://127.0.0.1:40123`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// The credentials accepted.
    pub fn credentials(&self) -> &Credentials {
        &self.shared.store.config.credentials
    }

    /// Issues a fresh single-use token that ends in `outcome`, valid for the configured TTL.
    pub fn issue_token(&self, outcome: TokenOutcome) -> String {
        self.issue_token_with_ttl(outcome, None)
    }

    /// Issues a token with its own lifetime (`None`: the configured TTL).
    pub fn issue_token_with_ttl(&self, outcome: TokenOutcome, ttl: Option<Duration>) -> String {
        let ttl = ttl.unwrap_or(self.shared.store.config.token_ttl);
        self.shared.store.lock().tokens.issue(outcome, ttl)
    }

    /// Scripts a token of your choosing.
    pub fn script_token(&self, token: impl Into<String>, outcome: TokenOutcome, ttl: Duration) {
        self.shared
            .store
            .lock()
            .tokens
            .script(token.into(), outcome, ttl);
    }

    /// Applies `fault` to the next `times` submit requests (before any default fault). One
    /// queue entry with a counter, whatever `times` is.
    ///
    /// # Errors
    /// [`FaultQueueFull`] at [`MAX_QUEUED_FAULTS`] entries or [`MAX_QUEUED_FAULT_BYTES`].
    pub fn inject_fault(&self, fault: Fault, times: usize) -> Result<(), FaultQueueFull> {
        if times == 0 {
            return Ok(());
        }
        let size = serde_json::to_vec(&fault).map_or(0, |bytes| bytes.len());
        let mut state = self.shared.store.lock();
        let queued: usize = state
            .queued_faults
            .iter()
            .map(|(f, _)| serde_json::to_vec(f).map_or(0, |bytes| bytes.len()))
            .sum();
        if state.queued_faults.len() >= MAX_QUEUED_FAULTS
            || queued.saturating_add(size) > MAX_QUEUED_FAULT_BYTES
        {
            return Err(FaultQueueFull);
        }
        state.queued_faults.push_back((fault, times as u64));
        Ok(())
    }

    /// Applies `fault` to every submit request not covered by an injected one.
    pub fn set_default_fault(&self, fault: Option<Fault>) {
        self.shared.store.lock().default_fault = fault;
    }

    /// Removes queued and default faults.
    pub fn clear_faults(&self) {
        let mut state = self.shared.store.lock();
        state.queued_faults.clear();
        state.default_fault = None;
    }

    /// Every request to the submit endpoint so far.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.store.lock().requests.snapshot()
    }

    /// Every accepted submission so far.
    pub fn submissions(&self) -> Vec<SubmissionRecord> {
        self.shared.store.lock().submissions.snapshot()
    }

    /// Every callback delivery attempt so far.
    pub fn deliveries(&self) -> Vec<DeliveryAttempt> {
        self.shared.store.lock().deliveries.snapshot()
    }

    /// How many requests carrying `token` reached the API's processing: more than one means
    /// a client presented the same token twice.
    pub fn times_processed(&self, token: &str) -> usize {
        self.shared
            .store
            .lock()
            .requests
            .iter()
            .filter(|r| r.processed && r.token.as_deref() == Some(token))
            .count()
    }

    /// Waits until `done` holds for the delivery attempts, or `timeout` passes; returns the
    /// attempts either way, and whether `done` held.
    pub async fn wait_for_deliveries(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&[DeliveryAttempt]) -> bool,
    ) -> (bool, Vec<DeliveryAttempt>) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.store.delivery_made.notified();
            let attempts = self.deliveries();
            if done(&attempts) {
                return (true, attempts);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let attempts = self.deliveries();
                return (done(&attempts), attempts);
            }
        }
    }

    /// Stops accepting, lets in-flight requests finish within the configured grace period,
    /// then cancels pending deliveries.
    pub async fn shutdown_gracefully(&self) {
        let _ = self.shared.stop.send(true);
        let serving = self
            .shared
            .serving
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(serving) = serving {
            let _ = serving.await;
        }
        self.shutdown();
    }

    /// Stops serving at once and cancels pending deliveries.
    pub fn shutdown(&self) {
        for task in self
            .shared
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            task.abort();
        }
    }
}

/// A simulator on its own runtime, for blocking code and tests without tokio. Dropping it
/// stops everything.
#[derive(Debug)]
pub struct BlockingMockServer {
    server: MockServer,
    runtime: Option<tokio::runtime::Runtime>,
}

impl BlockingMockServer {
    /// Starts a simulator on a new two-thread runtime.
    ///
    /// # Errors
    /// [`MockError`] if the runtime or the server cannot start.
    pub fn start(config: MockConfig) -> Result<Self, MockError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("clever-kyc-mock")
            .enable_all()
            .build()
            .map_err(MockError::Runtime)?;
        let server = runtime.block_on(MockServer::start(config))?;
        Ok(Self {
            server,
            runtime: Some(runtime),
        })
    }

    /// Blocks until `done` holds for the delivery attempts or `timeout` passes.
    pub fn wait_for_deliveries(
        &self,
        timeout: Duration,
        done: impl FnMut(&[DeliveryAttempt]) -> bool,
    ) -> (bool, Vec<DeliveryAttempt>) {
        match &self.runtime {
            Some(runtime) => runtime.block_on(self.server.wait_for_deliveries(timeout, done)),
            None => (false, Vec::new()),
        }
    }
}

impl std::ops::Deref for BlockingMockServer {
    type Target = MockServer;

    fn deref(&self) -> &MockServer {
        &self.server
    }
}

impl Drop for BlockingMockServer {
    fn drop(&mut self) {
        self.server.shutdown();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
