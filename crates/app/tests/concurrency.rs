//! Many customers racing for little stock: exactly as many orders complete as there are
//! units, the rest are cancelled as out of stock, and stock never goes negative.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;
use testkit::{Backend, Bus, TestApp, on_every_backend_and_bus};

on_every_backend_and_bus!(fifty_orders_for_ten_units_complete_exactly_ten, |backend: Backend, bus: Bus| async move {
    let app = TestApp::spawn_on(&backend, &bus).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 10, 1500).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;

    let lines = [(product, 1)];
    let placed = join_all((0..50).map(|_| app.place_order(&customer, &lines, card, "US"))).await;
    let ids: Vec<String> = placed
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::ACCEPTED, "{body}");
            body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let mut completed = 0;
    let mut out_of_stock = 0;
    for id in &ids {
        let order = app.settled_order(&customer, id).await;
        match (order["status"].as_str(), order["cancellation"]["code"].as_str()) {
            (Some("completed"), _) => completed += 1,
            (Some("cancelled"), Some("out_of_stock")) => out_of_stock += 1,
            other => panic!("unexpected outcome {other:?}: {order}"),
        }
    }
    assert_eq!((completed, out_of_stock), (10, 40));
    // Inventory's read model follows its own store: it may show the last holds a moment
    // after the orders they belong to settle.
    let level = app
        .eventually("the holds show in Inventory", || async {
            let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
            (level["reserved"] == json!(10)).then_some(level)
        })
        .await;
    assert_eq!(level["on_hand"], json!(10));
    assert_eq!(level["reserved"], json!(10));
    assert_eq!(level["available"], json!(0), "never negative");
    app.assert_invariants().await;
});
