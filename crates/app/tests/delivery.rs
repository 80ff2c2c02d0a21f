//! Delivery that never blocks: a slow receiver holds back only the messages about the same
//! saga or aggregate, never every other order's traffic; and a receiver keeping "the latest"
//! value is not fooled by messages of one stream arriving out of order.

use contracts::inventory::StockLevelChanged;
use futures::future::join_all;
use kernel::bus::{Envelope, Message};
use kernel::cache::InProcessCache;
use std::sync::Arc;
use std::time::{Duration, Instant};
use testkit::{Backend, Bus, TestApp, TestStore, on_every_backend, on_every_backend_and_bus};
use uuid::Uuid;

/// The simulated card gateway's delay in these tests.
const GATEWAY_LATENCY_MS: u64 = 1500;
/// Orders placed at once.
const ORDERS: usize = 20;

on_every_backend_and_bus!(slow_payments_for_many_orders_run_side_by_side, |backend: Backend, bus: Bus| async move {
    let app = TestApp::spawn_with(&backend, |settings| {
        bus.apply(settings);
        settings.gateway_latency_ms = GATEWAY_LATENCY_MS;
    })
    .await;
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
    app.assert_invariants().await;
});

on_every_backend!(an_older_stock_level_never_replaces_a_newer_one, |backend: Backend| async move {
    let fixture = TestStore::open(&backend).await;
    let pictures = tempfile::tempdir().unwrap();
    let blobs = Arc::new(kernel::blobs::FsBlobStore::new(pictures.path()));
    let module = catalog::module(fixture.store.clone(), Arc::new(InProcessCache::new(10)), blobs).await.unwrap();
    let handler = module.handlers.iter().find(|h| h.message_types().contains(&StockLevelChanged::TYPE)).unwrap();
    let product_id = Uuid::now_v7();
    let level = |version: i64, available: i64| {
        let change = StockLevelChanged { product_id, available, low_stock: false };
        let mut envelope = Envelope::new(Uuid::now_v7(), "inventory", chrono::Utc::now(), &change).unwrap();
        envelope.source_stream = Some(format!("stock-{product_id}"));
        envelope.source_version = Some(version);
        envelope
    };
    // PostgreSQL's catch-up order can hand out a stream's version 2 before its version 1.
    handler.handle(&level(2, 7)).await.unwrap();
    handler.handle(&level(1, 10)).await.unwrap();
    let available: i64 = sqlx::query_scalar("select available from stock_levels where product_id = $1")
        .bind(product_id.to_string())
        .fetch_one(fixture.store.db().reader())
        .await
        .unwrap();
    assert_eq!(available, 7, "the older level must not overwrite the newer one");
});
