//! Counts heap allocations, for "allocations per operation" figures. The binary that uses
//! it installs `stats_alloc::INSTRUMENTED_SYSTEM` as its global allocator.

use std::alloc::System;

use stats_alloc::{Region, StatsAlloc};

/// Allocations and bytes allocated per call of `f`, averaged over `iterations`.
pub fn per_call(
    allocator: &'static StatsAlloc<System>,
    iterations: u64,
    mut f: impl FnMut(),
) -> (f64, f64) {
    f(); // warm any lazy statics
    let region = Region::new(allocator);
    for _ in 0..iterations {
        f();
    }
    let change = region.change();
    let allocations = (change.allocations + change.reallocations) as f64;
    (
        allocations / iterations as f64,
        change.bytes_allocated as f64 / iterations as f64,
    )
}
