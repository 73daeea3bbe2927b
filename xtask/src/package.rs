//! `cargo xtask package-check`: package every published crate, unpack the archives side by
//! side, and run each crate's own tests and doctests from what was packaged, so a file left
//! out of a package or a path reaching outside one fails here rather than on crates.io.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::{cargo, root, run};

/// The crates that are published, in dependency order.
const PUBLISHED: &[&str] = &[
    "clever-kyc-core",
    "clever-kyc-server",
    "clever-kyc-mock",
    "clever-kyc-async",
    "clever-kyc-blocking",
    "clever-kyc-receive",
    "clever-kyc-cli",
];

pub(crate) fn check() -> Result<(), String> {
    let root = root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    // Packaging verifies that each crate builds from its archive alone.
    run(cargo().args([
        "package",
        "--workspace",
        "--locked",
        "--exclude",
        "xtask",
        "--exclude",
        "clever-kyc-benches",
    ]))?;
    let version = workspace_version(&root)?;
    let version = version.as_str();
    let unpacked = target.join("package-check");
    if unpacked.exists() {
        fs::remove_dir_all(&unpacked).map_err(|e| format!("{}: {e}", unpacked.display()))?;
    }
    fs::create_dir_all(&unpacked).map_err(|e| format!("{}: {e}", unpacked.display()))?;
    let mut members = Vec::new();
    let mut patches = Vec::new();
    for name in PUBLISHED {
        let archive = target
            .join("package")
            .join(format!("{name}-{version}.crate"));
        run(Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&unpacked))?;
        members.push(format!("\"{name}-{version}\""));
        patches.push(format!("{name} = {{ path = \"{name}-{version}\" }}"));
    }
    // The unpacked crates refer to each other by version, as on crates.io: the patch table
    // points those versions at the archives' contents, never at the workspace's sources.
    let manifest = format!(
        "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n[patch.crates-io]\n{}\n",
        members.join(", "),
        patches.join("\n")
    );
    write(&unpacked.join("Cargo.toml"), &manifest)?;
    fs::copy(root.join("Cargo.lock"), unpacked.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    run(cargo()
        .current_dir(&unpacked)
        // The workspace's own target directory: the registry crates built for its tests are
        // reused, and only the unpacked crates themselves are compiled again.
        .env("CARGO_TARGET_DIR", &target)
        .args(["test", "--workspace", "--offline"])
        .arg("--manifest-path")
        .arg(unpacked.join("Cargo.toml")))
}

/// `[workspace.package] version` from the root manifest: every published crate has it.
fn workspace_version(root: &Path) -> Result<String, String> {
    let manifest =
        fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    let section = manifest
        .split("[workspace.package]")
        .nth(1)
        .ok_or("Cargo.toml has no [workspace.package]")?;
    section
        .lines()
        .take_while(|line| !line.starts_with('['))
        .find_map(|line| {
            let value = line
                .strip_prefix("version")?
                .trim_start()
                .strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_owned())
        })
        .ok_or_else(|| "[workspace.package] has no version".to_owned())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
