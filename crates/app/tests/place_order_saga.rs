//! The place-order saga end to end over HTTP: the happy path and the three failure
//! scenarios, each checked for what a customer and an admin can see afterwards.

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, Bus, TestApp, on_every_backend, on_every_backend_and_bus};
use uuid::Uuid;

const APPROVED: &str = "4242424242424242";
const DECLINED: &str = "4000000000000002";
const INSUFFICIENT_FUNDS: &str = "4000000000009995";

async fn stock(app: &TestApp, admin: &str, product: Uuid) -> Value {
    let (status, body) = app.get(&format!("/api/v1/inventory/{product}"), Some(admin)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The commands the saga carried out in place (Orders' own), in the order it issued them,
/// as its history shows them (checking on the way that every entry has its data as the
/// API document says).
async fn carried_out_in_place(app: &TestApp, admin: &str, order_id: &str) -> Vec<String> {
    let (status, history) = app.get(&format!("/api/v1/orders/{order_id}/saga"), Some(admin)).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let entries = history["history"].as_array().unwrap();
    // The API document promises an object; an event without data (SagaCompleted) once sent null.
    assert!(entries.iter().all(|e| e["data"].is_object()), "every entry's data is an object: {history}");
    let issued = entries.iter().filter(|e| e["type"] == "SagaCommandIssued");
    issued
        .filter(|e| e["data"]["in_place"] == true)
        .map(|e| e["data"]["envelope"]["message_type"].to_string())
        .collect()
}

fn step_status<'a>(order: &'a Value, step: &str) -> &'a str {
    order["saga"]["steps"].as_array().unwrap().iter().find(|s| s["name"] == step).unwrap()["status"].as_str().unwrap()
}

/// Stock reservations show up in Inventory's read model a moment after the saga moves on.
async fn stock_settles(app: &TestApp, admin: &str, product: Uuid, reserved: i64) -> Value {
    app.eventually("stock settles", || async {
        let level = stock(app, admin, product).await;
        (level["reserved"] == json!(reserved)).then_some(level)
    })
    .await
}

on_every_backend_and_bus!(happy_path_completes_with_a_shipment, |backend: Backend, bus: Bus| async move {
    let app = TestApp::spawn_on(&backend, &bus).await;
    let admin = app.admin_token().await;
    let mug = app.create_product(&admin, 5, 1250).await;
    let lamp = app.create_product(&admin, 3, 8900).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, APPROVED).await;

    let (status, placed) = app.place_order(&customer, &[(mug, 2), (lamp, 1)], card, "US").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{placed}");
    assert_eq!(placed["total"], json!({ "amount_minor": 11400, "currency": "USD" }), "priced by the shop");
    let order = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;

    assert_eq!(order["status"], "completed");
    assert_eq!(order["saga"]["status"], "completed");
    assert!(order["cancellation"].is_null());
    let shipment_id = order["shipment_id"].as_str().expect("a shipment");
    let (status, shipment) = app.get(&format!("/api/v1/shipments/{shipment_id}"), Some(&customer)).await;
    assert_eq!(status, StatusCode::OK, "{shipment}");
    assert_eq!(shipment["order_id"], order["id"]);
    let payment_id = order["payment_id"].as_str().expect("a payment");
    let (_, payment) = app.get(&format!("/api/v1/payments/{payment_id}"), Some(&customer)).await;
    assert_eq!(payment["status"], "authorized", "held on the card until the parcel leaves: {payment}");
    assert_eq!(payment["amount"]["amount_minor"], 11400);
    assert_eq!(payment["authorized"]["amount_minor"], 11400);
    assert_eq!(payment["captured"]["amount_minor"], 0, "nothing charged before shipping");
    let level = stock_settles(&app, &admin, mug, 2).await;
    assert_eq!((level["on_hand"].as_i64(), level["available"].as_i64()), (Some(5), Some(3)));
    let (_, history) = app.get("/api/v1/orders", Some(&customer)).await;
    assert_eq!(history["items"][0]["id"], order["id"]);
    assert_eq!(history["items"][0]["saga"]["status"], "completed", "order history shows each saga");
    assert_eq!(
        carried_out_in_place(&app, &admin, order["id"].as_str().unwrap()).await,
        [r#""orders.ConfirmOrder""#, r#""orders.CompleteOrder""#],
        "Orders' own steps run inside the saga's transitions, not as messages"
    );
    app.assert_invariants().await;
});

on_every_backend_and_bus!(out_of_stock_cancels_and_changes_no_stock, |backend: Backend, bus: Bus| async move {
    let app = TestApp::spawn_on(&backend, &bus).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1000).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, APPROVED).await;

    let (_, placed) = app.place_order(&customer, &[(product, 6)], card, "US").await;
    let order = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;

    assert_eq!(order["status"], "cancelled");
    assert_eq!(order["cancellation"]["code"], "out_of_stock");
    assert!(order["cancellation"]["message"].as_str().unwrap().contains("6 requested, 5 available"));
    assert_eq!(step_status(&order, "reserve_inventory"), "failed");
    assert_eq!(step_status(&order, "process_payment"), "pending", "no payment was attempted");
    assert!(order["payment_id"].is_null() && order["shipment_id"].is_null());
    let level = stock(&app, &admin, product).await;
    assert_eq!((level["reserved"].as_i64(), level["available"].as_i64()), (Some(0), Some(5)));
    app.assert_invariants().await;
});

on_every_backend_and_bus!(a_declined_payment_releases_stock_and_cancels, |backend: Backend, bus: Bus| async move {
    let app = TestApp::spawn_on(&backend, &bus).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1000).await;
    let customer = app.new_customer().await;

    for (card_number, code) in [(DECLINED, "payment_declined"), (INSUFFICIENT_FUNDS, "insufficient_funds")] {
        let card = app.add_card(&customer, card_number).await;
        let (_, placed) = app.place_order(&customer, &[(product, 2)], card, "US").await;
        let order = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;

        assert_eq!(order["status"], "cancelled");
        assert_eq!(order["cancellation"]["code"], code);
        assert_eq!(step_status(&order, "reserve_inventory"), "compensated", "stock released");
        assert_eq!(step_status(&order, "process_payment"), "failed");
        assert!(order["shipment_id"].is_null());
        let level = stock_settles(&app, &admin, product, 0).await;
        assert_eq!(level["available"], 5, "stock is back to available");
    }
    app.assert_invariants().await;
});

on_every_backend_and_bus!(an_unshippable_address_voids_releases_and_cancels, |backend: Backend, bus: Bus| async move {
    let app = TestApp::spawn_on(&backend, &bus).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 2500).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, APPROVED).await;

    let (_, placed) = app.place_order(&customer, &[(product, 1)], card, "AQ").await;
    let order = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;

    assert_eq!(order["status"], "cancelled");
    assert_eq!(order["cancellation"]["code"], "shipping_unavailable");
    assert_eq!(step_status(&order, "create_shipment"), "failed");
    assert_eq!(step_status(&order, "process_payment"), "compensated", "authorization voided");
    assert_eq!(step_status(&order, "reserve_inventory"), "compensated", "stock released");
    assert!(order["shipment_id"].is_null(), "no shipment after a failure");
    let payment_id = order["payment_id"].as_str().expect("the payment was taken first");
    // Payments' read model follows its own store, apart from the reply that settled the saga.
    let payment = app
        .eventually("the payment reads released", || async {
            let (_, payment) = app.get(&format!("/api/v1/payments/{payment_id}"), Some(&customer)).await;
            (payment["status"] == "released").then_some(payment)
        })
        .await;
    assert_eq!(payment["captured"]["amount_minor"], 0, "never charged");
    let level = stock_settles(&app, &admin, product, 0).await;
    assert_eq!(level["available"], 5);

    let (status, history) =
        app.get(&format!("/api/v1/orders/{}/saga", order["id"].as_str().unwrap()), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    let types: Vec<&str> = history["history"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    let compensations: Vec<&str> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["data"]["phase"] == "compensation")
        .map(|e| e["data"]["step"].as_str().unwrap())
        .collect();
    assert_eq!(compensations, ["process_payment", "reserve_inventory", "place_order"], "undone in reverse order");
    assert_eq!(types.last(), Some(&"SagaCompensated"));
    assert_eq!(
        carried_out_in_place(&app, &admin, order["id"].as_str().unwrap()).await,
        [r#""orders.ConfirmOrder""#, r#""orders.CancelOrder""#],
        "the cancellation, too, is carried out in place"
    );
    app.assert_invariants().await;
});

on_every_backend_and_bus!(a_repeated_idempotency_key_returns_the_same_order, |backend: Backend, bus: Bus| async move {
    let app = TestApp::spawn_on(&backend, &bus).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1000).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, APPROVED).await;
    let body = json!({ "lines": [{ "product_id": product, "quantity": 1 }], "payment_method_id": card,
        "shipping_address": { "name": "A", "line1": "1 Main St", "city": "X", "postal_code": "1", "country": "US" } });
    let send = || {
        reqwest::Client::new()
            .post(format!("{}/api/v1/orders", app.base))
            .bearer_auth(&customer)
            .header("idempotency-key", "checkout-42")
            .json(&body)
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let second = send().await.unwrap();
    assert_eq!(second.status(), StatusCode::ACCEPTED, "the first answer again");
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second: Value = second.json().await.unwrap();
    assert_eq!(first, second);
    let (_, list) = app.get("/api/v1/orders", Some(&customer)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "one order per key");
    app.assert_invariants().await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "I3: captured 0, refunded 0 and still held 2000, but completed orders keep 0")]
async fn the_money_invariant_notices_a_void_that_never_happened() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1000).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (_, placed) = app.place_order(&customer, &[(product, 2)], card, "AQ").await;
    app.settled_order(&customer, placed["id"].as_str().unwrap()).await;
    // As if the gateway had lost the void: the money held is no longer released.
    let payments = app.platform().database("payments").unwrap();
    let mut tx = payments.begin().await.unwrap();
    sqlx::query("delete from simulated_gateway_operations where kind = 'void'").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    app.assert_invariants().await;
}

on_every_backend!(a_saga_whose_snapshot_cannot_be_trusted_goes_on_from_its_stream, |backend: Backend| async move {
    // Each transition reads the saga's state from a snapshot row instead of replaying its
    // stream. A snapshot missing (a row from before snapshots), behind its stream or no
    // longer decoding must never be acted on: the saga replays its stream and finishes.
    let app = TestApp::spawn_with(&backend, |settings| settings.gateway_latency_ms = 1500).await;
    let admin = app.admin_token().await;
    let mug = app.create_product(&admin, 5, 1250).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, APPROVED).await;
    let mut orders = Vec::new();
    for _ in 0..3 {
        let (status, placed) = app.place_order(&customer, &[(mug, 1)], card, "US").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{placed}");
        orders.push(placed["id"].as_str().unwrap().to_owned());
    }
    // While each waits for its slow payment, spoil its snapshot: gone, a completed saga's
    // state one version behind the stream (acting on it would stop the saga), unreadable.
    let db = app.platform().database("orders").unwrap().clone();
    let completed_state = json!({ "status": "completed", "data": null, "awaiting": null, "steps": {},
        "results": {}, "succeeded": [], "failed_with_effects": null, "failure": null });
    let spoilers = [
        ("update sagas set state = null, state_version = null where saga_id = $1", None),
        ("update sagas set state = $2, state_version = state_version - 1 where saga_id = $1", Some(completed_state)),
        ("update sagas set state = '{\"not\": \"a saga\"}' where saga_id = $1", None),
    ];
    for (order, (sql, state)) in orders.iter().zip(spoilers) {
        let mut query = sqlx::query(sql).bind(order);
        if let Some(state) = state {
            query = query.bind(state.to_string());
        }
        let mut tx = db.begin().await.unwrap();
        assert_eq!(query.execute(&mut *tx).await.unwrap().rows_affected(), 1, "{sql}");
        tx.commit().await.unwrap();
    }
    for order in &orders {
        let settled = app.settled_order(&customer, order).await;
        assert_eq!(settled["status"], "completed", "{settled}");
        assert_eq!(settled["saga"]["status"], "completed", "{settled}");
    }
    app.assert_invariants().await;
});
