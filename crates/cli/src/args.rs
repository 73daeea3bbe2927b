//! The command line, as a contract: scripts rely on these flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clever_kyc_receive::StoreLocation;

/// The store `listen`, `events` and `status` use when none is named.
pub(crate) const DEFAULT_STORE: &str = "sqlite:clever-kyc.db";

/// Submit Sumsub share tokens to Hello Clever, receive KYCStatusChanged callbacks, and run
/// a local simulator of the API.
#[derive(Debug, Parser)]
#[command(name = "clever-kyc", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Submit a share token and a contact's email (exit 0 accepted, 2 invalid, 3 rejected, 4 failed).
    Submit(SubmitArgs),
    /// Receive KYCStatusChanged callbacks: commit each to the store, then answer 200 and print it.
    #[command(after_help = "Examples:
  clever-kyc listen --bind 127.0.0.1:8787 --store sqlite:clever-kyc.db --json
  clever-kyc listen --store redis://10.0.0.5:6379/0 --forward-to https://orders.internal/kyc
  clever-kyc listen --store memory --auth-file auth.txt --json")]
    Listen(ListenArgs),
    /// List the stored callback events, oldest first.
    Events(EventsArgs),
    /// The latest KYC status of each submission for an email, from the store.
    Status(StatusArgs),
    /// Create a contact, show one, or list those whose KYC was requested in a period.
    #[command(
        subcommand,
        after_help = "Examples:
  clever-kyc contact create --email ana@example.com --first-name Ana --last-name Lee --type individual --json
  clever-kyc contact get --email ana@example.com --json
  clever-kyc contact list --from-date 2026-11-01 --to-date 2026-11-30T23:59:59 --json"
    )]
    Contact(ContactCommand),
    /// Ask Sumsub for a share token for an applicant (signed with the app's secret key) and
    /// print it on standard output only: it is single use, for one `submit --token`.
    ShareToken(ShareTokenArgs),
    /// Print the OpenAPI 3.1 document (JSON) of every operation this SDK models and the
    /// callback; with --sumsub, Sumsub's share-token operation instead.
    Openapi(OpenapiArgs),
    /// Run the Hello Clever simulator (with Sumsub's share-token endpoint).
    Mock(MockArgs),
    /// Run the end-to-end demo on the embedded simulator (no network needed).
    Demo(DemoArgs),
    /// Print a shell completion script: `clever-kyc completions bash > /etc/bash_completion.d/clever-kyc`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff), as `cargo xtask man` writes it.
    #[command(hide = true)]
    Man,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: ShellArg,
}

/// The shells completions are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ShellArg {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListTotalsArg {
    TotalPage,
    Total,
    Both,
    Neither,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EnvName {
    Sandbox,
    Production,
}

/// `contact create --type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ContactTypeArg {
    Individual,
    Organization,
}

/// `contact create --gender`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GenderArg {
    Male,
    Female,
}

#[derive(Debug, Args)]
pub(crate) struct CredentialArgs {
    /// The app-id (default: $HELLO_CLEVER_APP_ID).
    #[arg(long, env = "HELLO_CLEVER_APP_ID", hide_env_values = true)]
    pub(crate) app_id: Option<String>,
    /// Read the secret-key from this file, or from standard input with `-`
    /// (default: $HELLO_CLEVER_SECRET_KEY). Never given as a flag value: `ps` would show it.
    #[arg(long, value_name = "PATH")]
    pub(crate) secret_key_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("token_source").required(true).args(["token", "applicant_id"]),
    after_help = "Examples:
  clever-kyc submit --email ana@example.com --token \"$SHARE_TOKEN\" --json
  clever-kyc submit --email ana@example.com --applicant-id 65f0... --for-client-id helloclever \\
      --webhook-url https://merchant.example/kyc --store sqlite:clever-kyc.db --json
  clever-kyc submit --email a@example.com --token approved-1 --base-url http://127.0.0.1:4010"
)]
pub(crate) struct SubmitArgs {
    /// The contact's email.
    #[arg(long)]
    pub(crate) email: String,
    /// The Sumsub share token (single use). Or let the command ask Sumsub for one with
    /// --applicant-id and --for-client-id.
    #[arg(long, conflicts_with = "applicant_id")]
    pub(crate) token: Option<String>,
    /// Generate the token with Sumsub for this applicant first, then submit it (the Sumsub
    /// credentials as for `share-token`).
    #[arg(long, requires = "for_client_id")]
    pub(crate) applicant_id: Option<String>,
    /// The client the generated token is for (Hello Clever's client id at Sumsub).
    #[arg(long, requires = "applicant_id")]
    pub(crate) for_client_id: Option<String>,
    /// Where Hello Clever should POST KYCStatusChanged callbacks (https; http only for loopback).
    #[arg(long, value_name = "URL")]
    pub(crate) webhook_url: Option<String>,
    /// The Authorization value callbacks will carry; choose a unique value per submission.
    #[arg(long, value_name = "VALUE", conflicts_with = "webhook_auth_file")]
    pub(crate) webhook_auth: Option<String>,
    /// Read the callback Authorization value from this file (`-` for standard input).
    #[arg(long, value_name = "PATH")]
    pub(crate) webhook_auth_file: Option<PathBuf>,
    /// Use the blocking (ureq) transport instead of the async (reqwest) one.
    #[arg(long)]
    pub(crate) blocking: bool,
    /// Register the callback Authorization value in this store before sending (generating a
    /// fresh one when --webhook-auth is not given): sqlite:PATH, redis://HOST:PORT[/DB].
    #[arg(long, value_name = "STORE", env = "CLEVER_KYC_STORE")]
    pub(crate) store: Option<StoreLocation>,
    /// Days the registered value stays accepted (callbacks after that are refused).
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3650))]
    pub(crate) registration_days: u64,
    /// Read the contact's record before sending and, if the outcome is unknown (a timeout
    /// or 5xx after sending), read it again and report whether the submission took effect.
    #[arg(long)]
    pub(crate) reconcile: bool,
    /// Print one JSON object on standard output.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
    #[command(flatten)]
    pub(crate) sumsub: SumsubArgs,
}

/// Sumsub's credentials and address, for `share-token` and `submit --applicant-id`.
#[derive(Debug, Args)]
pub(crate) struct SumsubArgs {
    /// The Sumsub app token (default: $SUMSUB_APP_TOKEN).
    #[arg(long, env = "SUMSUB_APP_TOKEN", hide_env_values = true)]
    pub(crate) app_token: Option<String>,
    /// Read the Sumsub secret key from this file, or standard input with `-`
    /// (default: $SUMSUB_SECRET_KEY).
    #[arg(long, value_name = "PATH")]
    pub(crate) sumsub_secret_key_file: Option<PathBuf>,
    /// Another Sumsub base URL (the simulator, a proxy).
    #[arg(long, value_name = "URL", default_value = clever_kyc_core::sumsub::SumsubConfig::BASE_URL)]
    pub(crate) sumsub_base_url: String,
}

/// The store `listen`, `events` and `status` use.
#[derive(Debug, Args)]
pub(crate) struct StoreArgs {
    /// Where events are: sqlite:PATH, redis://HOST:PORT[/DB] or (for `listen` alone)
    /// memory.
    #[arg(long, value_name = "STORE", env = "CLEVER_KYC_STORE", default_value = DEFAULT_STORE)]
    pub(crate) store: StoreLocation,
}

/// Where the Hello Clever API is and how to reach it.
#[derive(Debug, Args)]
pub(crate) struct ApiArgs {
    /// The environment.
    #[arg(
        long = "env",
        value_enum,
        default_value = "sandbox",
        conflicts_with = "base_url"
    )]
    pub(crate) environment: EnvName,
    /// A custom base URL instead of an environment (a proxy or the simulator).
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// Seconds allowed for each attempt (1 to 600).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) timeout: u64,
    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ContactCommand {
    /// Create a contact (exit 0 created, 2 invalid, 3 refused, 4 failed).
    Create(Box<ContactCreateArgs>),
    /// Print a contact's record (exit 3, outcome `not_found`, when there is no such contact).
    #[command(visible_alias = "show")]
    Get(ContactShowArgs),
    /// Print the contacts whose KYC was requested in a period, one JSON line each, walking
    /// every page.
    List(ContactListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ContactCreateArgs {
    /// The contact's email.
    #[arg(long)]
    pub(crate) email: String,
    /// First name.
    #[arg(long)]
    pub(crate) first_name: String,
    /// Last name.
    #[arg(long)]
    pub(crate) last_name: String,
    /// The kind of contact.
    #[arg(long = "type", value_enum, value_name = "TYPE", default_value_t = ContactTypeArg::Individual)]
    pub(crate) contact_type: ContactTypeArg,
    /// Date of birth, yyyy-mm-dd.
    #[arg(long)]
    pub(crate) dob: Option<String>,
    /// Registration number (required for an organization).
    #[arg(long)]
    pub(crate) reg_no: Option<String>,
    /// Phone number.
    #[arg(long)]
    pub(crate) phone: Option<String>,
    /// The contact's gender.
    #[arg(long, value_enum)]
    pub(crate) gender: Option<GenderArg>,
    /// Street.
    #[arg(long)]
    pub(crate) street: Option<String>,
    /// City.
    #[arg(long)]
    pub(crate) city: Option<String>,
    /// Postal code.
    #[arg(long)]
    pub(crate) postal_code: Option<String>,
    /// State.
    #[arg(long)]
    pub(crate) state: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[arg(long)]
    pub(crate) country: Option<String>,
    /// Print JSON for scripts (one object, or one line per record) instead of text.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ContactShowArgs {
    /// The contact's email.
    #[arg(long)]
    pub(crate) email: String,
    /// Print JSON for scripts (one object, or one line per record) instead of text.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ContactListArgs {
    /// Start of the period, UTC: YYYY-MM-DDThh:mm:ss or YYYY-MM-DD (default: the earliest
    /// the API accepts).
    #[arg(long = "from-date", visible_alias = "from", value_name = "WHEN")]
    pub(crate) from: Option<String>,
    /// End of the period, UTC: YYYY-MM-DDThh:mm:ss or YYYY-MM-DD (default: now).
    #[arg(long = "to-date", visible_alias = "to", value_name = "WHEN")]
    pub(crate) to: Option<String>,
    /// Records per page (1 to 100).
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(crate) per_page: u32,
    /// Stop after this many pages, whatever the totals say (exit 0, with a note on stderr
    /// that more pages may remain).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub(crate) max_pages: u32,
    /// Print JSON for scripts (one object, or one line per record) instead of text.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ShareTokenArgs {
    /// The Sumsub applicant whose verification is shared.
    #[arg(long)]
    pub(crate) applicant_id: String,
    /// The client the token is for (Hello Clever's client id at Sumsub).
    #[arg(long)]
    pub(crate) for_client_id: String,
    /// The token's lifetime in seconds (Sumsub's default when absent; 1 to 1200).
    #[arg(long, visible_alias = "ttl", value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=1200))]
    pub(crate) ttl_secs: Option<u64>,
    #[command(flatten)]
    pub(crate) sumsub: SumsubArgs,
    /// Seconds allowed for each attempt (1 to 600).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) timeout: u64,
    /// Print `{"token": ..., "for_client_id": ..., "attempts": N}` instead of the bare token.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ListenArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub(crate) bind: SocketAddr,
    /// Events are committed there before the 200 (with memory, standard output is the only
    /// sink); values registered there are accepted.
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// An accepted Authorization value besides the registered ones (repeat for several).
    #[arg(long = "auth", value_name = "VALUE")]
    pub(crate) auth: Vec<String>,
    /// A file of accepted Authorization values, one per line (`-` for standard input).
    #[arg(long, value_name = "PATH")]
    pub(crate) auth_file: Option<PathBuf>,
    /// The largest callback body accepted, in bytes (1 KiB to 16 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = clever_kyc_core::callback::CallbackReceiver::DEFAULT_BODY_LIMIT, value_parser = clap::value_parser!(u64).range(1024..=16 * 1024 * 1024).map(|n| n as usize))]
    pub(crate) max_body: usize,
    /// Print each event as one JSON line.
    #[arg(long)]
    pub(crate) json: bool,
    /// POST each committed event (its JSON line) to this URL. The listener owns delivery
    /// once it answered 200: events wait in the store's outbox and are retried until the
    /// target answers 2xx, in commit order per submission, across restarts. Needs a durable
    /// store (sqlite: or redis://).
    #[arg(long, value_name = "URL")]
    pub(crate) forward_to: Option<String>,
    /// Seconds allowed for the forward target to answer (1 to 300).
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub(crate) forward_timeout: u64,
    /// The longest wait between two attempts at one event, in seconds (1 to 86400). Waits
    /// double from 1 s up to this, with jitter.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub(crate) forward_max_backoff: u64,
    /// Stop retrying an event this many seconds after it was received (0, the default:
    /// never). A parked event is logged, kept in the store and shown by `events`; later
    /// events of its submission then go.
    #[arg(long, value_name = "SECS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=31_536_000))]
    pub(crate) forward_give_up_after: u64,
    /// Serve /healthz, /readyz and /metrics on this address (off by default). Use a
    /// loopback or internal address: never the public callback port.
    #[arg(long, value_name = "ADDR")]
    pub(crate) admin_bind: Option<SocketAddr>,
    /// /readyz answers 503 once this many events wait to be forwarded (1 to 10000000).
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub(crate) ready_max_backlog: u64,
    /// Log lines as text or as one JSON object per line (timestamp, level, target,
    /// message, fields). Filtering follows RUST_LOG.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,
    /// The loss window accepted from a Redis store: `always` (the default) needs
    /// `appendonly yes` with `appendfsync always`, so that no acknowledged event is lost if
    /// Redis stops; `everysec` accepts about a second of them; `none` accepts a Redis without
    /// persistence. A server weaker than this is refused at start (exit 2).
    #[arg(long, value_enum, value_name = "WINDOW", default_value_t = RedisDurabilityArg::Always)]
    pub(crate) redis_durability: RedisDurabilityArg,
    #[command(flatten)]
    pub(crate) server: ServerArgs,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    Text,
    Json,
}

/// `--redis-durability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RedisDurabilityArg {
    /// No acknowledged event lost.
    Always,
    /// About a second of acknowledged events.
    Everysec,
    /// Everything since the last snapshot.
    None,
}

impl RedisDurabilityArg {
    /// The window accepted, from none (0) to the widest (2), as `RedisDurability::rank`.
    pub(crate) fn rank(self) -> u8 {
        match self {
            Self::Always => 0,
            Self::Everysec => 1,
            Self::None => 2,
        }
    }
}

/// Limits every server of this command applies to its clients.
#[derive(Debug, Clone, Args)]
pub(crate) struct ServerArgs {
    /// Seconds a client has to send its request headers (1 to 300).
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub(crate) header_timeout: u64,
    /// Seconds a client has to send a whole request body (1 to 3600).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub(crate) body_timeout: u64,
    /// Seconds an idle keep-alive connection is kept (1 to 3600).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub(crate) idle_timeout: u64,
    /// Connections served at once; more wait in the kernel's accept queue (1 to 65536).
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=65_536).map(|n| n as usize))]
    pub(crate) max_connections: usize,
    /// Seconds in-flight requests get to finish after SIGTERM or SIGINT (0 to 3600).
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub(crate) grace: u64,
    /// Bytes a second a request body must keep up after its first second; slower is cut
    /// with 408 (0 turns the check off; at most 10485760).
    #[arg(long, value_name = "BYTES", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(0..=10_485_760))]
    pub(crate) min_body_rate: u64,
}

#[derive(Debug, Args)]
pub(crate) struct EventsArgs {
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// Only events of this email.
    #[arg(long)]
    pub(crate) email: Option<String>,
    /// Only events of this submission.
    #[arg(long, value_name = "ID")]
    pub(crate) submission: Option<String>,
    /// One JSON line per event.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The contact's email.
    #[arg(long)]
    pub(crate) email: String,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// One JSON line per submission.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct MockArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:4010")]
    pub(crate) bind: SocketAddr,
    /// Serve /healthz, /readyz and /metrics on this address (off by default).
    #[arg(long, value_name = "ADDR")]
    pub(crate) admin_bind: Option<SocketAddr>,
    /// Log lines as text or as one JSON object per line. Filtering follows RUST_LOG.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,
    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
    /// Milliseconds before the first (pending) callback (0 to 3600000, an hour).
    #[arg(long, value_name = "MS", default_value_t = 50, value_parser = clap::value_parser!(u64).range(0..=3_600_000))]
    pub(crate) first_delay_ms: u64,
    /// Milliseconds between the pending and the final callback (0 to 3600000, an hour).
    #[arg(long, value_name = "MS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=3_600_000))]
    pub(crate) final_delay_ms: u64,
    /// Comma-separated milliseconds before each retry of a failed delivery (each 0 to
    /// 3600000).
    #[arg(long, value_name = "MS,MS,...", value_delimiter = ',', default_values_t = [1000u64, 2000, 4000, 8000], value_parser = clap::value_parser!(u64).range(0..=3_600_000))]
    pub(crate) retry_delays_ms: Vec<u64>,
    /// Send each delivered callback again this many times (test receivers' deduplication).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub(crate) repeat_delivered: u32,
    /// Seconds an issued token stays valid (1 to 2592000, 30 days).
    #[arg(long, value_name = "SECS", default_value_t = 1200, value_parser = clap::value_parser!(u64).range(1..=2_592_000))]
    pub(crate) token_ttl: u64,
    /// A fault for every submit request, as JSON, e.g. '{"kind":"rate_limited","retry_after_secs":2}'.
    #[arg(long, value_name = "JSON", long_help = clever_kyc_mock::FAULT_KINDS)]
    pub(crate) fault: Option<String>,
    /// The totals the contact list sends: total_page (the schema), total (the example),
    /// both or neither.
    #[arg(long, value_enum, default_value = "total-page")]
    pub(crate) list_totals: ListTotalsArg,
    /// Apply --fault only to this many requests.
    #[arg(long, value_name = "N", requires = "fault", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) fault_times: Option<u32>,
    #[command(flatten)]
    pub(crate) server: ServerArgs,
}

#[derive(Debug, Args)]
pub(crate) struct OpenapiArgs {
    /// Sumsub's share-token document instead of Hello Clever's.
    #[arg(long)]
    pub(crate) sumsub: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Seconds to wait for the callbacks before failing (1 to 3600).
    #[arg(long, value_name = "SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub(crate) wait: u64,
}
