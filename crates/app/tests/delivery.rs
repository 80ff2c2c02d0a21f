//! Delivery that never blocks: a slow receiver holds back only the messages about the same
//! saga or aggregate, never every other order's traffic.

use futures::future::join_all;
use std::time::{Duration, Instant};
use testkit::{Backend, TestApp, on_every_backend};

/// The simulated card gateway's delay in these tests.
const GATEWAY_LATENCY_MS: u64 = 1500;
/// Orders placed at once.
const ORDERS: usize = 20;

on_every_backend!(slow_payments_for_many_orders_run_side_by_side, |backend: Backend| async move {
    let app = TestApp::spawn_with(&backend, |settings| settings.gateway_latency_ms = GATEWAY_LATENCY_MS).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 100, 1000).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;

    let line = [(product, 1)];
    let started = Instant::now();
    let placed = join_all((0..ORDERS).map(|_| app.place_order(&customer, &line, card, "US"))).await;
    let settled =
        join_all(placed.iter().map(|(_, order)| app.settled_order(&customer, order["id"].as_str().unwrap()))).await;
    let elapsed = started.elapsed();

    assert!(settled.iter().all(|order| order["status"] == "completed"), "{settled:#?}");
    // One payment after another would take ORDERS × 1.5 s = 30 s; side by side, about one
    // gateway delay plus the other steps. The bound leaves room for a slow CI machine.
    let serial = Duration::from_millis(GATEWAY_LATENCY_MS) * ORDERS as u32;
    eprintln!("{ORDERS} orders with a {GATEWAY_LATENCY_MS} ms gateway settled in {elapsed:?}");
    assert!(elapsed < serial / 5, "{ORDERS} orders took {elapsed:?}: payments were handled one after another");
});
