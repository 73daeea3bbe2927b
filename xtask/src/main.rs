//! Project automation (the cargo-xtask pattern): `cargo xtask <task>`.
//!
//! - `ci`: fmt check, clippy, tests, docs, as `.ci/run` does.
//! - `fuzz-seeds`: writes each fuzz target's seed corpus from `crates/core/fixtures`.
//! - `fuzz [--seconds N] [target...]`: seeds, then runs each target (nightly + cargo-fuzz).
//! - `bench [--quick]`: runs the benchmarks and writes BENCHMARKS.md.
//! - `package-check`: packages every published crate and runs its tests from the archive.
//! - `public-api [--check]`: writes (or checks) each library's public API under `api/`.
//! - `man`: writes the command's manual page to `target/man/clever-kyc.1`.

#![forbid(unsafe_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod bench;
mod package;
mod public_api;

const FUZZ_TARGETS: &[&str] = &[
    "parse_response",
    "parse_callback",
    "verify_authorization",
    "parse_operations",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("fuzz-seeds") => fuzz_seeds().map(|_| ()),
        Some("fuzz") => fuzz(&args[1..]),
        Some("package-check") => package::check(),
        Some("public-api") => public_api::run(args[1..].iter().any(|a| a == "--check")),
        Some("man") => man(),
        Some("bench") => bench::run(&root(), args[1..].iter().any(|a| a == "--quick")),
        _ => Err("usage: cargo xtask <ci | fuzz-seeds | fuzz [--seconds N] [target...] | bench [--quick] | package-check | public-api [--check] | man>".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Writes `target/man/clever-kyc.1` from the command's own definition (clap_mangen).
fn man() -> Result<(), String> {
    let output = cargo()
        .current_dir(root())
        .args(["run", "--quiet", "-p", "clever-kyc-cli", "--", "man"])
        .output()
        .map_err(|e| format!("cargo run: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("man");
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("clever-kyc.1");
    fs::write(&path, output.stdout).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

pub(crate) fn run(cmd: &mut Command) -> Result<(), String> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd
        .current_dir(root())
        .status()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed with {status}"))
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn ci() -> Result<(), String> {
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo().args(["test", "--workspace"]))?;
    run(cargo()
        .args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings"))
}

/// Seeds come from the documented examples, the one place fixtures live.
fn fuzz_seeds() -> Result<PathBuf, String> {
    let root = root();
    let fixtures = root.join("crates/core/fixtures");
    let corpus = root.join("fuzz/corpus");
    let mut entries: Vec<_> = fs::read_dir(&fixtures)
        .map_err(|e| format!("{}: {e}", fixtures.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for target in FUZZ_TARGETS {
        fs::create_dir_all(corpus.join(target)).map_err(|e| e.to_string())?;
    }
    let write = |target: &str, name: &str, bytes: &[u8]| {
        fs::write(corpus.join(target).join(name), bytes).map_err(|e| e.to_string())
    };
    for path in entries {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("seed")
            .to_owned();
        let body = fs::read(&path).map_err(|e| e.to_string())?;
        if let Some(status) = name
            .strip_prefix("submit_")
            .and_then(|s| s.get(..3))
            .and_then(|s| s.parse::<u16>().ok())
        {
            // The target folds two bytes into 100..=599 as 100 + n % 500.
            let mut input = (status - 100).to_be_bytes().to_vec();
            input.extend_from_slice(&body);
            write("parse_response", &name, &input)?;
        }
        write("parse_callback", &name, &body)?;
        if name == "kyc_status_changed" {
            // A contact record is also Get Contact Details' 200 (operation 0).
            let mut input = vec![0u8];
            input.extend_from_slice(&100u16.to_be_bytes());
            input.extend_from_slice(&body);
            write("parse_operations", "contact_details_200", &input)?;
        }
    }
    // The documented examples of the other operations: the list page in both totals shapes,
    // Sumsub's token and error, and HTTP dates in a Retry-After.
    for (name, op, status, body) in [
        ("list_total", 1u8, 200u16, &br#"{"page":1,"per_page":20,"total":1,"records":[{"email":"test@helloclever.co","kyc_statuses":[{"kyc_status":"approved","message":"null"}]}]}"#[..]),
        ("list_total_page", 1, 200, br#"{"page":"1","per_page":"20","total_page":"null","records":[]}"#),
        ("sumsub_token", 2, 200, br#"{"token":"_act-sbx-jwt","forClientId":"helloclever"}"#),
        ("sumsub_401", 2, 401, br#"{"description":"Request signature mismatch","code":401,"correlationId":"req-1","errorCode":4003,"errorName":"app-token-invalid-signature"}"#),
        ("retry_after_date", 3, 503, b"Sun, 06 Nov 1994 08:49:37 GMT"),
        ("retry_after_asctime", 3, 429, b"Sun Nov  6 08:49:37 1994"),
    ] {
        let mut input = vec![op];
        input.extend_from_slice(&(status - 100).to_be_bytes());
        input.extend_from_slice(body);
        write("parse_operations", name, &input)?;
    }
    for (name, input) in [
        ("match", &b"Bearer s3cret\0Bearer s3cret"[..]),
        ("mismatch", b"Bearer s3cret\0Bearer s3creT"),
        ("repeated", b"secret\0secret\0secret"),
        ("missing", b"secret"),
    ] {
        write("verify_authorization", name, input)?;
    }
    Ok(corpus)
}

fn fuzz(args: &[String]) -> Result<(), String> {
    let mut seconds = 30u64;
    let mut targets = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--seconds" {
            seconds = it
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or("--seconds takes a whole number")?;
        } else {
            targets.push(arg.clone());
        }
    }
    if targets.is_empty() {
        targets = FUZZ_TARGETS.iter().map(|s| s.to_string()).collect();
    }
    let corpus = fuzz_seeds()?;
    for target in targets {
        let dir = corpus.join(&target);
        run(Command::new("cargo")
            .current_dir(root().join("fuzz"))
            .args(["+nightly", "fuzz", "run", &target])
            .arg(&dir)
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-max_len=65536",
            ]))?;
    }
    Ok(())
}
