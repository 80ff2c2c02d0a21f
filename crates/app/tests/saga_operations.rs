//! A saga parked by a compensation that keeps failing: the card gateway refuses voids
//! (an outage switched on in the simulator), so an order that cannot ship holds money on
//! the card that cannot be released. Its saga keeps retrying, is flagged `needs_attention`,
//! and shows up in the operator's listing with its timeline. When the outage ends it
//! resumes by itself at its next scheduled retry, or at once when an operator runs
//! `emporium sagas retry`; either way the order ends cancelled with its hold voided once. Bad requests to the
//! saga endpoints change nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, on_every_backend};
use uuid::Uuid;

const EMPORIUM: &str = env!("CARGO_BIN_EXE_emporium");

/// Places an order that is authorized and then cannot ship (Antarctica), so its payment
/// must be voided; returns the order's id, which is its saga's id.
async fn order_needing_a_void(app: &TestApp, admin: &str, customer: &str) -> String {
    let product = app.create_product(admin, 10, 2500).await;
    let card = app.add_card(customer, "4242424242424242").await;
    let (status, order) = app.place_order(customer, &[(product, 1)], card, "AQ").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{order}");
    order["id"].as_str().unwrap().to_owned()
}

/// Waits until saga `id` is listed as needing attention, and returns the listing.
async fn parked(app: &TestApp, admin: &str, id: &str) -> Value {
    app.eventually("the saga is parked", || async {
        let (status, listed) = app.get("/api/v1/admin/sagas", Some(admin)).await;
        assert_eq!(status, StatusCode::OK, "{listed}");
        listed.as_array().unwrap().iter().any(|saga| saga["saga_id"] == id).then_some(listed)
    })
    .await
}

/// How many times a saga's detail shows the payment's undoing sent (each attempt a new message).
fn refunds_sent(detail: &Value) -> usize {
    let timeline = detail["timeline"].as_array().unwrap();
    timeline
        .iter()
        .filter(|e| e["step"] == "process_payment" && e["detail"].as_str().unwrap().contains("to undo"))
        .count()
}

on_every_backend!(an_operator_retries_a_parked_saga_once_the_void_outage_ends, |backend: Backend| async move {
    // Retries a minute apart (doubling): without the operator it would wait half an hour.
    let app = TestApp::spawn_with(&backend, |settings| {
        settings.saga_step_deadline_secs = 1;
        settings.saga_retry_pause_ms = 60_000;
    })
    .await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    app.gateway_fault("void", true).await;
    let id = order_needing_a_void(&app, &admin, &customer).await;

    let listed = parked(&app, &admin, &id).await;
    let saga = listed.as_array().unwrap().iter().find(|saga| saga["saga_id"] == id.as_str()).unwrap();
    assert_eq!((saga["status"].clone(), saga["saga_type"].clone()), (json!("needs_attention"), json!("place_order")));
    assert_eq!(saga["context"], "orders");
    let cli_listing = app.cli(EMPORIUM, &["sagas", "list"]).await;
    assert!(cli_listing.contains(&id) && cli_listing.contains("needs_attention"), "{cli_listing}");

    let (status, detail) = app.get(&format!("/api/v1/admin/sagas/{id}"), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    let timeline: Vec<&str> =
        detail["timeline"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(timeline.first(), Some(&"SagaStarted"), "{detail}");
    assert!(timeline.contains(&"SagaNeedsAttention"), "{detail}");
    assert!(refunds_sent(&detail) >= 5, "the void was sent again and again: {detail}");

    // Bad requests change nothing.
    assert_eq!(app.get("/api/v1/admin/sagas", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/admin/sagas", Some(&customer)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/admin/sagas?status=lost", Some(&admin)).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/api/v1/admin/sagas/not-a-uuid", Some(&admin)).await.0, StatusCode::BAD_REQUEST);
    let unknown = Uuid::now_v7();
    assert_eq!(app.get(&format!("/api/v1/admin/sagas/{unknown}"), Some(&admin)).await.0, StatusCode::NOT_FOUND);
    let retry = |id: &str| format!("/api/v1/admin/sagas/{id}/retry");
    assert_eq!(app.post(&retry(&unknown.to_string()), Some(&admin), json!({})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&retry(&id), Some(&customer), json!({})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.post(&retry(&id), None, json!({})).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.gateway_operations("void").await, 0, "nothing voided while the outage lasts");

    // The operator's retry sends the void again at once, not at the next scheduled
    // retry half an hour away. It is taken while the saga is parked, so nothing else can
    // have moved it first: Payments may still be retrying earlier attempts in line, and one
    // of those could finish the saga by itself as soon as the outage ends.
    let sent_before = refunds_sent(&app.get(&format!("/api/v1/admin/sagas/{id}"), Some(&admin)).await.1);
    let retried = app.cli(EMPORIUM, &["sagas", "retry", &id]).await;
    assert!(retried.contains(&format!("retried {id}")), "{retried}");
    let (_, detail) = app.get(&format!("/api/v1/admin/sagas/{id}"), Some(&admin)).await;
    assert_eq!(refunds_sent(&detail), sent_before + 1, "the retry sent the void again: {detail}");

    app.gateway_fault("void", false).await;
    let order = app.settled_order(&customer, &id).await;
    assert_eq!((order["status"].clone(), order["saga"]["status"].clone()), (json!("cancelled"), json!("compensated")));
    assert_eq!(app.gateway_operations("void").await, 1, "voided exactly once");
    app.assert_invariants().await;

    // A finished saga has nothing to retry; the listing of parked sagas is empty again.
    let (status, problem) = app.post(&retry(&id), Some(&admin), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(app.get("/api/v1/admin/sagas", Some(&admin)).await.1, json!([]));
    let (_, compensated) = app.get("/api/v1/admin/sagas?status=compensated", Some(&admin)).await;
    assert_eq!(compensated.as_array().unwrap().len(), 1, "{compensated}");
});

on_every_backend!(a_parked_saga_resumes_by_itself_when_the_outage_ends, |backend: Backend| async move {
    let app = TestApp::spawn_with(&backend, |settings| {
        settings.saga_step_deadline_secs = 1;
        settings.saga_retry_pause_ms = 100;
    })
    .await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    app.gateway_fault("void", true).await;
    let id = order_needing_a_void(&app, &admin, &customer).await;
    parked(&app, &admin, &id).await;

    app.gateway_fault("void", false).await;
    let order = app.settled_order(&customer, &id).await;
    assert_eq!((order["status"].clone(), order["saga"]["status"].clone()), (json!("cancelled"), json!("compensated")));
    assert_eq!(app.gateway_operations("void").await, 1, "voided exactly once");
    app.assert_invariants().await;
});
