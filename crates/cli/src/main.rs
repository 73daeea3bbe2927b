//! The `clever-kyc` command: submit KYC share tokens, listen for KYCStatusChanged
//! callbacks, run the simulator, and run the end-to-end demo.

#![forbid(unsafe_code)]

mod admin;
mod api;
mod args;
mod contact_cmd;
mod demo;
mod events;
mod exit;
mod forward;
mod line;
mod listen;
mod mock_cmd;
mod out;
mod outbox;
mod printer;
mod secrets;
mod share_token_cmd;
mod submit;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::exit::Failure;

/// What is logged when RUST_LOG says nothing.
const DEFAULT_LOG_FILTER: &str = "warn,clever_kyc_core=error";

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One logging system: `tracing`, to stderr through a writer that never blocks (a stuck
    // stderr drops and counts lines rather than stall a request). Warnings by default (the
    // call machine's own are the command's error messages already); RUST_LOG overrides.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER));
    // Colour only on a terminal, and never with NO_COLOR set (clap honours it too).
    let colour = {
        use std::io::IsTerminal;
        std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
    };
    let json_logs = matches!(
        &cli.command,
        Command::Listen(args::ListenArgs {
            log_format: args::LogFormat::Json,
            ..
        }) | Command::Mock(args::MockArgs {
            log_format: args::LogFormat::Json,
            ..
        })
    );
    let logs = tracing_subscriber::fmt()
        .with_writer(clever_kyc_server::NonBlockingStderr)
        .with_env_filter(filter);
    if json_logs {
        // One object per line: timestamp, level, target, message (under "fields") and fields.
        logs.json()
            .flatten_event(true)
            .with_current_span(true)
            .init();
    } else {
        logs.with_ansi(colour).init();
    }
    let result = match cli.command {
        Command::Submit(args) => submit::run(args),
        Command::Listen(args) => listen::run(args),
        Command::Events(args) => events::run_events(args),
        Command::Status(args) => events::run_status(args),
        Command::Contact(command) => contact_cmd::run(command),
        Command::ShareToken(args) => share_token_cmd::run(args),
        Command::Openapi(args) => {
            out::stdout_text(if args.sumsub {
                clever_kyc_mock::SUMSUB_OPENAPI
            } else {
                clever_kyc_mock::HELLO_CLEVER_OPENAPI
            });
            Ok(exit::OK)
        }
        Command::Mock(args) => mock_cmd::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Completions(args) => {
            use clap::CommandFactory;
            let shell = match args.shell {
                args::ShellArg::Bash => clap_complete::Shell::Bash,
                args::ShellArg::Zsh => clap_complete::Shell::Zsh,
                args::ShellArg::Fish => clap_complete::Shell::Fish,
            };
            let mut buffer = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "clever-kyc", &mut buffer);
            out::stdout_text(&String::from_utf8_lossy(&buffer));
            Ok(exit::OK)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut buffer = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut buffer) {
                Ok(()) => {
                    out::stdout_text(&String::from_utf8_lossy(&buffer));
                    Ok(exit::OK)
                }
                Err(e) => Err(Failure::failed(format!(
                    "could not write the manual page: {e}"
                ))),
            }
        }
    };
    match result {
        Ok(status) => {
            // Lines still queued for stderr get a moment; a stuck stderr does not hold the exit.
            clever_kyc_server::flush_logs(std::time::Duration::from_millis(500));
            ExitCode::from(status)
        }
        Err(failure) => {
            // A closed or full pipe must not turn a clean failure into a panic or a hang.
            if let Some(json) = &failure.json {
                out::stdout_line(format_args!("{json}"));
            }
            clever_kyc_server::stderr_line(format!("clever-kyc: {}", failure.message));
            clever_kyc_server::flush_logs(std::time::Duration::from_millis(500));
            failure.code()
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("could not start the async runtime: {e}")))
}
