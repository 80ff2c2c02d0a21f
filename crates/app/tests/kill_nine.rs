//! The real server process killed with SIGKILL while 20 orders wait on a slow card gateway,
//! at three moments of their sagas, then started again on the same data: every order
//! finishes within seconds of the restart, none is cancelled for a timeout, and stock,
//! money and sagas add up. (Before delivery stopped waiting on each handler, none of the 20
//! was finished 30 s after such a restart, and two were charged, then refunded.)

use futures::future::join_all;
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use testkit::{Backend, Bus, ServerProcess, TestApp, on_every_backend_and_bus};

const ORDERS: usize = 20;
const GATEWAY_LATENCY_MS: u64 = 1500;
/// How long after the restart every order must be finished.
const SETTLE_WITHIN: Duration = Duration::from_secs(10);

/// Places the orders, kills the server `moment` later, restarts it and checks the outcome.
async fn kill_and_restart_at(backend: &Backend, bus: &Bus, moment: Duration) {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_emporium"));
    let mut server =
        ServerProcess::start(binary, backend, bus, |settings| settings.gateway_latency_ms = GATEWAY_LATENCY_MS).await;
    let app = TestApp::attach(&server).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 100, 1000).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;

    let line = [(product, 1)];
    let placed = join_all((0..ORDERS).map(|_| app.place_order(&customer, &line, card, "US"))).await;
    let ids: Vec<String> = placed
        .iter()
        .map(|(status, order)| {
            assert_eq!(*status, StatusCode::ACCEPTED, "{order}");
            order["id"].as_str().unwrap().to_owned()
        })
        .collect();
    tokio::time::sleep(moment).await;
    server.kill9();
    server.restart().await;
    let restarted = Instant::now();

    let mut unfinished = ids.clone();
    let mut outcomes = Vec::new();
    while !unfinished.is_empty() && restarted.elapsed() < SETTLE_WITHIN {
        let mut still = Vec::new();
        for id in unfinished {
            let (_, order) = app.get(&format!("/api/v1/orders/{id}"), Some(&customer)).await;
            let saga_finished = matches!(order["saga"]["status"].as_str(), Some("completed" | "compensated"));
            let order_finished = matches!(order["status"].as_str(), Some("completed" | "cancelled"));
            if saga_finished && order_finished {
                outcomes.push(order);
            } else {
                still.push(id);
            }
        }
        unfinished = still;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        unfinished.is_empty(),
        "killed {moment:?} after placing: {} of {ORDERS} orders unfinished {SETTLE_WITHIN:?} after the restart\n{}",
        unfinished.len(),
        server.log_text()
    );
    eprintln!("killed {moment:?} after placing: all {ORDERS} finished {:?} after the restart", restarted.elapsed());
    for order in &outcomes {
        assert_ne!(order["cancellation"]["code"], "timeout", "cancelled for a timeout: {order}");
        assert_eq!(order["status"], "completed", "{order}");
    }
    app.assert_invariants().await;
    server.kill9();
}

on_every_backend_and_bus!(every_order_finishes_soon_after_a_kill_9, |backend: Backend, bus: Bus| async move {
    // Reserving stock, inside the card payment, and as payments land and shipments follow.
    for moment in [200, 900, 1600] {
        kill_and_restart_at(&backend, &bus, Duration::from_millis(moment)).await;
    }
});
