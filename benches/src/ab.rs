//! Same-process A/B timing. Criterion measures one side for seconds, then the other; on a
//! shared machine the load moves between them, and per-pass ratios spread from 0.4 to 3.7.
//! Here both sides run in short batches that alternate within every round (A B A B …, the
//! order flipped each round), so whatever the machine does lands on both, and each round
//! gives its own ratio.

use std::time::{Duration, Instant};

/// How one comparison went: nanoseconds per call of each side (the median over rounds) and
/// each round's ratio, SDK / baseline.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The SDK's median time per call, in nanoseconds.
    pub sdk_ns: f64,
    /// The baseline's median time per call, in nanoseconds.
    pub baseline_ns: f64,
    /// Each round's ratio.
    pub ratios: Vec<f64>,
}

/// How long to measure.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Rounds, each giving one ratio.
    pub rounds: usize,
    /// Batches of each side per round, alternating.
    pub batches: usize,
    /// About how long one batch runs.
    pub batch: Duration,
}

impl Plan {
    /// A full run: 21 rounds of 4 batch pairs of about 3 ms (about half a second a case).
    pub const FULL: Self = Self {
        rounds: 21,
        batches: 4,
        batch: Duration::from_millis(3),
    };
    /// `--quick`: 7 rounds.
    pub const QUICK: Self = Self {
        rounds: 7,
        batches: 4,
        batch: Duration::from_millis(2),
    };
}

/// Calls per batch so that one batch of `f` lasts about `batch`.
fn calibrate(f: &mut dyn FnMut(), batch: Duration) -> u64 {
    // Warm caches, lazy statics and the allocator first.
    for _ in 0..16 {
        f();
    }
    let mut calls = 1u64;
    loop {
        let started = Instant::now();
        for _ in 0..calls {
            f();
        }
        let took = started.elapsed();
        if took >= batch / 4 || calls >= 1 << 24 {
            let per_call = took.as_secs_f64() / calls as f64;
            return ((batch.as_secs_f64() / per_call.max(1e-9)) as u64).max(1);
        }
        calls *= 2;
    }
}

fn time(f: &mut dyn FnMut(), calls: u64) -> f64 {
    let started = Instant::now();
    for _ in 0..calls {
        f();
    }
    started.elapsed().as_secs_f64() * 1e9 / calls as f64
}

/// The median of `values` (NaN when empty).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 0 => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        n => sorted[n / 2],
    }
}

/// Measures `sdk` against `baseline` under `plan`.
pub fn compare(plan: Plan, sdk: &mut dyn FnMut(), baseline: &mut dyn FnMut()) -> Comparison {
    let sdk_calls = calibrate(sdk, plan.batch);
    let baseline_calls = calibrate(baseline, plan.batch);
    let (mut sdk_rounds, mut baseline_rounds, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..plan.rounds {
        let (mut s, mut b) = (0.0, 0.0);
        for _ in 0..plan.batches {
            if round % 2 == 0 {
                s += time(sdk, sdk_calls);
                b += time(baseline, baseline_calls);
            } else {
                b += time(baseline, baseline_calls);
                s += time(sdk, sdk_calls);
            }
        }
        sdk_rounds.push(s / plan.batches as f64);
        baseline_rounds.push(b / plan.batches as f64);
        ratios.push(s / b);
    }
    Comparison {
        sdk_ns: median(&sdk_rounds),
        baseline_ns: median(&baseline_rounds),
        ratios,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_round_alternates_and_flips_which_side_starts() {
        let log = std::cell::RefCell::new(Vec::new());
        let plan = Plan {
            rounds: 3,
            batches: 2,
            batch: Duration::from_micros(50),
        };
        let result = compare(
            plan,
            &mut || {
                log.borrow_mut().push('s');
            },
            &mut || {
                log.borrow_mut().push('b');
            },
        );
        assert_eq!(result.ratios.len(), 3);
        assert!(result.sdk_ns > 0.0 && result.baseline_ns > 0.0);
        // Runs of one side's calls. Rounds go s b s b | b s b s | s b s b, so where a round
        // starts with the side the last one ended with, two batches join into a double run.
        let mut runs: Vec<(char, usize)> = Vec::new();
        for c in log.into_inner() {
            match runs.last_mut() {
                Some((last, n)) if *last == c => *n += 1,
                _ => runs.push((c, 1)),
            }
        }
        let measured = &runs[runs.len() - 10..];
        let sides: String = measured.iter().map(|(c, _)| c).collect();
        assert_eq!(sides, "sbsbsbsbsb");
        let (s, b) = (measured[0].1, measured[1].1);
        let lengths: Vec<usize> = measured.iter().map(|(_, n)| *n).collect();
        assert_eq!(lengths, [s, b, s, 2 * b, s, b, 2 * s, b, s, b]);
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }
}
