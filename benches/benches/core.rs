//! The CPU cases under criterion, for confidence intervals and plots (`cargo bench -p
//! clever-kyc-benches`). `cargo xtask bench` takes its ratios from the `ab` binary instead,
//! which alternates the two sides in short batches so machine noise lands on both.

use clever_kyc_benches::cases;
use criterion::{Criterion, criterion_group, criterion_main};

fn all_cases(c: &mut Criterion) {
    for (_, build) in cases::groups() {
        for mut case in build() {
            let mut group = c.benchmark_group(&case.name);
            group.bench_function("sdk", |b| b.iter(&mut case.sdk));
            group.bench_function(case.baseline_is, |b| b.iter(&mut case.baseline));
            group.finish();
        }
    }
}

criterion_group!(benches, all_cases);
criterion_main!(benches);
