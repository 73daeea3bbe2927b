//! `cargo xtask bench`: filled in by the benchmarks issue.

use std::path::Path;

pub(crate) fn run(_root: &Path, _quick: bool) -> Result<(), String> {
    Err("benchmarks are not wired yet".into())
}
