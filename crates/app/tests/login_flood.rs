//! A flood of wrong-password sign-ins against the real server process, with its real
//! argon2 cost (19 MiB and two passes per check). Each check takes its memory while it runs,
//! so without a bound the process grew with the number of sign-ins in flight: 300 at 64
//! connections took it from 44 MiB to 5.5 GiB, never given back. With the bound it stays
//! small, every attempt is answered 401, and a right password still signs in afterwards.

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::json;
use testkit::{ADMIN_EMAIL, Backend, Bus, ServerProcess, TestApp};

const ATTEMPTS: usize = 300;
const CONNECTIONS: usize = 64;
/// Far above what the platform needs (about 100 MiB with demo data, 140 at the flood's
/// peak), far below what 64 unbounded checks take (1.3 GiB measured here before the bound).
const PEAK_LIMIT_MIB: u64 = 400;

/// The process's peak resident memory so far, in MiB (`VmHWM` in `/proc/{pid}/status`).
fn peak_resident_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server's status");
    let line = status.lines().find(|line| line.starts_with("VmHWM:")).expect("VmHWM in status");
    let kib: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("a number of kB");
    kib / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_wrong_passwords_does_not_grow_the_server() {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_emporium"));
    let server = ServerProcess::start(binary, &Backend::Sqlite, &Bus::Embedded, |_| {}).await;
    let app = TestApp::attach(&server).await;
    let pid = server.pid().expect("the server runs");
    let before = peak_resident_mib(pid);

    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/auth/login", server.base);
    let answers: Vec<StatusCode> = futures::stream::iter(0..ATTEMPTS)
        .map(|n| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                let body = json!({ "email": ADMIN_EMAIL, "password": format!("wrong guess {n}") });
                client.post(&url).json(&body).send().await.map_or(StatusCode::BAD_GATEWAY, |r| r.status())
            }
        })
        .buffer_unordered(CONNECTIONS)
        .collect()
        .await;

    let peak = peak_resident_mib(pid);
    assert!(answers.iter().all(|status| *status == StatusCode::UNAUTHORIZED), "every guess is refused: {answers:?}");
    assert!(
        peak <= PEAK_LIMIT_MIB,
        "{ATTEMPTS} wrong sign-ins at {CONNECTIONS} connections took the server from {before} MiB to a peak of {peak} MiB"
    );
    let admin = app.admin_token().await;
    assert!(!admin.is_empty(), "the right password still signs in");
}
