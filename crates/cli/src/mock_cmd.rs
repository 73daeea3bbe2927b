//! `clever-kyc mock`: the simulator as a standalone process.

use std::time::Duration;

use clever_kyc_core::{secret::SumsubAppToken, secret::SumsubSecretKey};
use clever_kyc_mock::{DeliverySchedule, Fault, ListTotals, MockConfig, MockServer};

use crate::args::{ListTotalsArg, MockArgs};
use crate::exit::Failure;
use crate::out::say;
use crate::secrets::credentials;

pub(crate) fn run(args: MockArgs) -> Result<u8, Failure> {
    let mut config = MockConfig::new(credentials(&args.credentials)?);
    config.bind = args.bind;
    if args.token_ttl > clever_kyc_mock::MAX_TOKEN_TTL.as_secs() {
        return Err(Failure::usage(format!(
            "--token-ttl {}: at most {} seconds (30 days)",
            args.token_ttl,
            clever_kyc_mock::MAX_TOKEN_TTL.as_secs()
        )));
    }
    config.token_ttl = Duration::from_secs(args.token_ttl);
    config.list_totals = match args.list_totals {
        ListTotalsArg::TotalPage => ListTotals::TotalPage,
        ListTotalsArg::Total => ListTotals::Total,
        ListTotalsArg::Both => ListTotals::Both,
        ListTotalsArg::Neither => ListTotals::Neither,
    };
    // Sumsub credentials the simulator checks signatures with: the environment's, or its own.
    if let Ok(token) = std::env::var("SUMSUB_APP_TOKEN") {
        config.sumsub_app_token = SumsubAppToken::new(token)
            .map_err(|e| Failure::usage(format!("SUMSUB_APP_TOKEN: {e}")))?;
    }
    if let Ok(secret) = std::env::var("SUMSUB_SECRET_KEY") {
        config.sumsub_secret_key = SumsubSecretKey::new(secret)
            .map_err(|e| Failure::usage(format!("SUMSUB_SECRET_KEY: {e}")))?;
    }
    config.limits = crate::listen::server_limits(&args.server);
    config.delivery = DeliverySchedule {
        first_delay: Duration::from_millis(args.first_delay_ms),
        final_delay: Duration::from_millis(args.final_delay_ms),
        retry_delays: args
            .retry_delays_ms
            .iter()
            .copied()
            .map(Duration::from_millis)
            .collect(),
        repeat_delivered: args.repeat_delivered,
        ..DeliverySchedule::default()
    };
    let fault: Option<Fault> = args
        .fault
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| Failure::usage(format!("--fault is not a fault description: {e}")))?;
    if let Some(why) = fault.as_ref().and_then(|f| f.validate().err()) {
        return Err(Failure::usage(format!("--fault: {why}")));
    }
    let mut registry = prometheus_client::registry::Registry::default();
    config.metrics.register(&mut registry);
    let _ = clever_kyc_server::raise_open_file_limit();
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let mock = MockServer::start(config)
            .await
            .map_err(|e| Failure::failed(clever_kyc_core::transport::error_chain(&e)))?;
        let (stop_admin, mut admin_stopped) = tokio::sync::watch::channel(false);
        let admin = match args.admin_bind {
            Some(bind) => {
                // Serving is all the simulator needs to be ready.
                let ready: crate::admin::Readiness = std::sync::Arc::new(|| Box::pin(async { Ok(()) }));
                let shutdown = async move {
                    let _ = admin_stopped.wait_for(|stopped| *stopped).await;
                };
                let (addr, task) = crate::admin::start(bind, registry, ready, shutdown).await?;
                clever_kyc_server::stderr_line(format!(
                    "mock: health, readiness and metrics on http://{addr} (/healthz, /readyz, /metrics)"
                ));
                Some(task)
            }
            None => None,
        };
        match (fault, args.fault_times) {
            (Some(fault), Some(times)) => mock
                .inject_fault(fault, times as usize)
                .map_err(|e| Failure::usage(format!("--fault: {e}")))?,
            (Some(fault), None) => mock.set_default_fault(Some(fault)),
            (None, _) => {}
        }
        say!("Hello Clever simulator listening on {}", mock.base_url());
        say!(
            "submit endpoint: {}{}",
            mock.base_url(),
            clever_kyc_core::config::ApiConfig::SUBMIT_PATH
        );
        say!(
            "inspect: {0}/__mock/requests {0}/__mock/submissions {0}/__mock/deliveries",
            mock.base_url()
        );
        clever_kyc_server::shutdown_signal().await;
        mock.shutdown_gracefully().await;
        let _ = stop_admin.send(true);
        if let Some(task) = admin {
            let _ = tokio::time::timeout(Duration::from_secs(1), task).await;
        }
        clever_kyc_server::flush_logs(Duration::from_secs(1));
        Ok(crate::exit::OK)
    })
}
