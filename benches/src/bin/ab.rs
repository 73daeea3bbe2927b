//! The CPU cases as JSON rows on stdout: each SDK closure against its baseline in
//! alternating batches (see `clever_kyc_benches::ab`). `--quick` for fewer rounds,
//! `--only TEXT` for the cases whose group and name contain TEXT.

use clever_kyc_benches::ab::{Plan, compare};
use clever_kyc_benches::{cases, report};

fn main() {
    let plan = if std::env::args().any(|a| a == "--quick") {
        Plan::QUICK
    } else {
        Plan::FULL
    };
    // `--only TEXT` keeps the cases whose group and name contain TEXT (to profile one).
    let args: Vec<String> = std::env::args().collect();
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1));
    let mut rows = Vec::new();
    for (group, build) in cases::groups() {
        // A group is built when TEXT names it or one of its cases (case names start with
        // their group's).
        let group_wanted =
            only.is_none_or(|text| group.contains(text.as_str()) || text.starts_with(group));
        if !group_wanted {
            continue;
        }
        let wanted = |name: &str| {
            only.is_none_or(|text| group.contains(text.as_str()) || name.contains(text.as_str()))
        };
        for mut case in build().into_iter().filter(|case| wanted(&case.name)) {
            eprintln!("ab: {} vs {}", case.name, case.baseline_is);
            let result = compare(plan, &mut case.sdk, &mut case.baseline);
            rows.push(report::row(
                &case.name,
                result.sdk_ns,
                result.baseline_ns,
                case.baseline_is,
                "ns",
                &result.ratios,
                case.target,
            ));
        }
    }
    println!("{}", serde_json::Value::from(rows));
}
