//! `clever-kyc mock` and `clever-kyc demo`.

use std::process::Stdio;

use crate::{clever_kyc, free_addr, run, wait_for_port};

#[test]
fn the_mock_command_serves_the_api_to_the_submit_command() {
    let addr = free_addr();
    let mut child = clever_kyc()
        .args([
            "mock",
            "--bind",
            &addr.to_string(),
            "--fault",
            r#"{"kind":"service_unavailable","retry_after_secs":1}"#,
            "--fault-times",
            "1",
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(addr, &mut child);
    let (code, stdout, stderr) = run(clever_kyc().args([
        "submit",
        "--json",
        "--email",
        "a@example.com",
        "--token",
        "approved-cli",
        "--base-url",
        &format!("http://{addr}"),
    ]));
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(code, 0, "{stdout} {stderr}");
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        json["attempts"], 2,
        "the 503 with Retry-After was retried once"
    );
}

#[test]
fn the_demo_runs_the_whole_flow_and_exits_0() {
    let (code, stdout, stderr) = run(clever_kyc().arg("demo"));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("demo passed"), "{stdout}");
    assert!(stdout.contains("pending then approved via async"));
}
