//! Authorize, then capture, on both engines: the saga's payment step only holds the order's
//! total on the card; the card is charged when the parcel leaves with the carrier (or at
//! confirmation, where configured), exactly once even through a gateway outage or a
//! `kill -9`; an order undone before its capture has its hold voided and is never charged;
//! and only what was captured can be refunded. The capture's path is also run over RabbitMQ,
//! where Payments hears Shipping through the broker.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use testkit::{Backend, Bus, ServerProcess, TestApp, assert_problem, on_every_backend, on_every_backend_and_bus};

/// A completed order of 2 units at 15.00 (its parcel booked, not handed over):
/// (admin, customer, order).
async fn a_completed_order(app: &TestApp) -> (String, String, Value) {
    let (admin, customer, _, order) = app.a_completed_order().await;
    (admin, customer, order)
}

async fn payment_of(app: &TestApp, token: &str, order: &Value) -> Value {
    let (status, payment) =
        app.get(&format!("/api/v1/payments/{}", order["payment_id"].as_str().unwrap()), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{payment}");
    payment
}

/// Hands the order's parcel to the carrier, as an admin does at the packing table.
async fn ship(app: &TestApp, admin: &str, order: &Value) {
    let shipment_id = order["shipment_id"].as_str().unwrap();
    let hand_over = json!({ "carrier": "Parcelway", "tracking_number": format!("PW-{shipment_id}") });
    let (status, shipped) = app.post(&format!("/api/v1/shipments/{shipment_id}/ship"), Some(admin), hand_over).await;
    assert_eq!(status, StatusCode::OK, "{shipped}");
}

/// The payment once its capture is recorded.
async fn captured(app: &TestApp, token: &str, order: &Value) -> Value {
    app.eventually("the payment is captured", || async {
        let payment = payment_of(app, token, order).await;
        (payment["status"] == "processed").then_some(payment)
    })
    .await
}

async fn refund(app: &TestApp, admin: &str, order: &Value, amount_minor: i64) -> (StatusCode, Value) {
    let path = format!("/api/v1/payments/{}/refunds", order["payment_id"].as_str().unwrap());
    app.post(&path, Some(admin), json!({ "amount_minor": amount_minor, "reason": "Scratched on arrival" })).await
}

on_every_backend_and_bus!(the_card_is_charged_when_the_parcel_leaves, |backend: Backend, bus: Bus| async move {
    let app = TestApp::spawn_on(&backend, &bus).await;
    let (admin, customer, order) = a_completed_order(&app).await;
    let total = order["total"]["amount_minor"].as_i64().unwrap();

    // Confirmed and booked, but still at the warehouse: held, not charged.
    let held = payment_of(&app, &customer, &order).await;
    assert_eq!(held["status"], "authorized", "{held}");
    assert_eq!(
        (held["authorized"]["amount_minor"].as_i64(), held["captured"]["amount_minor"].as_i64()),
        (Some(total), Some(0))
    );
    assert_eq!(held["refundable"]["amount_minor"], 0, "nothing charged, nothing to refund: {held}");
    app.assert_invariants().await;
    // So nothing can be refunded yet, and asking changes nothing.
    let (status, body) = refund(&app, &admin, &order, 500).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "a refund before the capture");
    assert!(body["detail"].as_str().unwrap().contains("not captured yet"), "{body}");
    assert_eq!(app.gateway_operations("refund").await, 0);

    ship(&app, &admin, &order).await;
    let charged = captured(&app, &customer, &order).await;
    assert_eq!(
        (charged["authorized"]["amount_minor"].as_i64(), charged["captured"]["amount_minor"].as_i64()),
        (Some(0), Some(total))
    );
    assert_eq!(charged["refundable"]["amount_minor"], total, "{charged}");
    assert_eq!(app.gateway_operations("capture").await, 1);
    app.assert_invariants().await;
    // The customer's history says when the card was charged, and how much.
    let order_id = order["id"].as_str().unwrap();
    let charged_moment = app
        .eventually("the charge is on the order's timeline", || async {
            let (_, timeline) = app.get(&format!("/api/v1/orders/{order_id}/timeline"), Some(&customer)).await;
            timeline["items"].as_array().unwrap().iter().find(|entry| entry["moment"] == "charged").cloned()
        })
        .await;
    let expected = format!("{}.{:02} USD charged to the card", total / 100, total % 100);
    assert_eq!(charged_moment["detail"], expected.as_str(), "{charged_moment}");

    // Captured money can be given back in part.
    let (status, made) = refund(&app, &admin, &order, 500).await;
    assert_eq!((status, made["status"].as_str()), (StatusCode::CREATED, Some("succeeded")), "{made}");
    let seen = payment_of(&app, &admin, &order).await;
    assert_eq!(seen["refundable"]["amount_minor"], total - 500, "{seen}");
    assert_eq!(app.gateway_operations("void").await, 0, "a captured payment is never voided");
    app.assert_invariants().await;
});

on_every_backend!(a_failure_before_the_capture_voids_the_hold_and_charges_nothing, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 2_500).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    // Authorized, then no carrier serves the address: the saga undoes the payment.
    let (_, placed) = app.place_order(&customer, &[(product, 1)], card, "AQ").await;
    let order = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;
    assert_eq!(order["status"], "cancelled", "{order}");

    let payment = payment_of(&app, &customer, &order).await;
    assert_eq!(payment["status"], "released", "{payment}");
    assert_eq!(
        (payment["authorized"]["amount_minor"].as_i64(), payment["captured"]["amount_minor"].as_i64()),
        (Some(0), Some(0))
    );
    let operations = ["authorization", "void", "capture", "refund"];
    let mut counts = Vec::new();
    for kind in operations {
        counts.push(app.gateway_operations(kind).await);
    }
    assert_eq!(counts, [1, 1, 0, 0], "held once, released once, never charged: {operations:?}");
    app.assert_invariants().await;
});

on_every_backend!(confirmation_captures_at_once_where_configured, |backend: Backend| async move {
    let app = TestApp::spawn_with(&backend, |settings| settings.capture_at = payments::CaptureAt::Confirmation).await;
    let (_, customer, order) = a_completed_order(&app).await;
    let charged = captured(&app, &customer, &order).await;
    assert_eq!(charged["captured"], order["total"], "{charged}");
    assert_eq!(app.gateway_operations("capture").await, 1);
    app.assert_invariants().await;
});

on_every_backend!(a_capture_the_gateway_cannot_make_now_is_made_once_when_it_can, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let (admin, customer, order) = a_completed_order(&app).await;
    app.gateway_fault("capture", true).await;
    ship(&app, &admin, &order).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let waiting = payment_of(&app, &customer, &order).await;
    assert_eq!(waiting["status"], "authorized", "still held while the gateway cannot capture: {waiting}");
    assert_eq!(app.gateway_operations("capture").await, 0);

    app.gateway_fault("capture", false).await;
    captured(&app, &customer, &order).await;
    assert_eq!(app.gateway_operations("capture").await, 1, "captured once");
    app.assert_invariants().await;
});

on_every_backend!(
    a_capture_whose_process_dies_after_the_gateway_made_it_is_recorded_once_after_a_restart,
    |backend: Backend| async move {
        let binary = std::path::Path::new(env!("CARGO_BIN_EXE_emporium"));
        let mut server = ServerProcess::start(binary, &backend, &Bus::Embedded, |_| {}).await;
        let app = TestApp::attach(&server).await;
        let (admin, customer, order) = a_completed_order(&app).await;
        // The real server process dies the moment the gateway has captured, before Payments
        // can record it.
        app.gateway_fault("capture_crash", true).await;
        // The hand-over commits before the capture it sets off, whose crash may take the
        // answer with it.
        let shipment_id = order["shipment_id"].as_str().unwrap();
        let _answer_may_be_lost = reqwest::Client::new()
            .post(format!("{}/api/v1/shipments/{shipment_id}/ship", app.base))
            .bearer_auth(&admin)
            .json(&json!({ "carrier": "Parcelway", "tracking_number": "PW-CRASH-1" }))
            .send()
            .await;
        assert!(server.exited_within(Duration::from_secs(20)).await, "the server did not crash: {}", server.log_text());
        assert_eq!(app.gateway_operations("capture").await, 1, "the capture was made before the crash");
        app.gateway_fault("capture_crash", false).await;

        server.restart().await;
        let charged = captured(&app, &customer, &order).await;
        assert_eq!(charged["captured"], order["total"], "{charged}");
        assert_eq!(app.gateway_operations("capture").await, 1, "and never captured twice");
        let (_, shipment) = app.get(&format!("/api/v1/shipments/{shipment_id}"), Some(&admin)).await;
        assert_eq!(shipment["status"], "shipped", "{shipment}");
        app.assert_invariants().await;
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "I3: 3500 is held by authorizations not captured, but the orders not captured yet")]
async fn the_money_invariant_notices_a_shipped_order_that_was_never_charged() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let (admin, customer, order) = a_completed_order(&app).await;
    ship(&app, &admin, &order).await;
    captured(&app, &customer, &order).await;
    // As if the gateway had lost the capture: the parcel left, and the money is only held.
    let payments = app.platform().database("payments").unwrap();
    let mut tx = payments.begin().await.unwrap();
    sqlx::query("delete from simulated_gateway_operations where kind = 'capture'").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    app.assert_invariants().await;
}
