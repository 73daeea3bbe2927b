//! The JSON row every benchmark binary prints, read by `cargo xtask bench`.

use serde_json::{Value, json};

use crate::cases::Target;

/// One compared figure: the SDK's, the baseline's, each round's ratio, and the bound.
pub fn row(
    case: &str,
    sdk: f64,
    baseline: f64,
    baseline_name: &str,
    unit: &str,
    ratios: &[f64],
    target: Option<Target>,
) -> Value {
    let target = match target {
        None => Value::Null,
        Some(Target::AtMost(limit)) => json!({"at_most": limit}),
        Some(Target::AtLeast(limit)) => json!({"at_least": limit}),
    };
    json!({
        "case": case,
        "sdk": sdk,
        "baseline": baseline,
        "baseline_name": baseline_name,
        "unit": unit,
        "ratios": ratios,
        "target": target,
    })
}
