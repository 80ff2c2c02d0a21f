//! Cancelling an order on both engines: before its parcel leaves, by its customer or an
//! admin, the cancel-order saga calls the parcel back, gives the payment back (voids its
//! authorization, or refunds it when it was captured at confirmation), puts the stock back
//! on sale and marks the order cancelled; once the parcel has left a customer's cancellation
//! is refused and the order, the money and the stock stay as they were (an admin's returns
//! the parcel to sender: `return_to_sender.rs`). Every request that cannot be taken is a
//! 4xx and changes nothing.

use payments::CaptureAt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, on_every_backend};
use uuid::Uuid;

const CARRIER_SECRET: &str = "carrier-secret-for-cancellation-tests-0000";

/// A shop with one product of 10 units and a customer with a completed order of 2 of them:
/// (admin, customer, product, order id, shipment id).
async fn a_completed_order(app: &TestApp) -> (String, String, Uuid, String, String) {
    let (admin, customer, product, order) = app.a_completed_order().await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let shipment_id = order["shipment_id"].as_str().unwrap().to_owned();
    (admin, customer, product, order_id, shipment_id)
}

async fn cancel(app: &TestApp, token: Option<&str>, order_id: &str, body: Option<Value>) -> (StatusCode, Value) {
    app.request(reqwest::Method::POST, &format!("/api/v1/orders/{order_id}/cancel"), token, body).await
}

/// The order once its cancellation has run its course.
async fn settled_cancellation(app: &TestApp, token: &str, order_id: &str) -> Value {
    app.eventually("the cancellation runs its course", || async {
        let (_, order) = app.get(&format!("/api/v1/orders/{order_id}"), Some(token)).await;
        (order["status"] != "cancelling").then_some(order)
    })
    .await
}

async fn stock(app: &TestApp, admin: &str, product: Uuid) -> (i64, i64) {
    let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(admin)).await;
    (level["on_hand"].as_i64().unwrap(), level["reserved"].as_i64().unwrap())
}

/// How the card got its money back: (voids, refunds) the gateway made.
async fn given_back(app: &TestApp) -> (i64, i64) {
    (app.gateway_operations("void").await, app.gateway_operations("refund").await)
}

on_every_backend!(a_customer_cancels_before_capture_and_the_hold_is_released, |backend: Backend| async move {
    a_customer_cancels_before_hand_over_and_gets_everything_back(backend, CaptureAt::Shipment).await;
});

on_every_backend!(a_customer_cancels_after_capture_and_is_refunded, |backend: Backend| async move {
    a_customer_cancels_before_hand_over_and_gets_everything_back(backend, CaptureAt::Confirmation).await;
});

/// A customer cancels a completed order before its parcel leaves, with payments captured
/// `capture_at`: a hold is voided, a capture refunded, and either happens once.
async fn a_customer_cancels_before_hand_over_and_gets_everything_back(backend: Backend, capture_at: CaptureAt) {
    let app = TestApp::spawn_with(&backend, |settings| settings.capture_at = capture_at).await;
    let (admin, customer, product, order_id, shipment_id) = a_completed_order(&app).await;
    let expected = match capture_at {
        CaptureAt::Shipment => (1, 0),
        CaptureAt::Confirmation => (0, 1),
    };
    assert_eq!(stock(&app, &admin, product).await, (10, 2));
    let (_, before) = app.get(&format!("/api/v1/orders/{order_id}"), Some(&customer)).await;
    assert!(before["cancellation_saga_id"].is_null(), "no cancellation asked for yet: {before}");

    let (status, asked) =
        cancel(&app, Some(&customer), &order_id, Some(json!({ "reason": "Ordered the wrong size" }))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{asked}");
    assert!(matches!(asked["status"].as_str(), Some("cancelling" | "cancelled")), "{asked}");
    let order = settled_cancellation(&app, &customer, &order_id).await;
    assert_eq!(order["status"], "cancelled", "{order}");
    assert_eq!(order["cancellation"], json!({ "code": "cancelled_by_customer", "message": "Ordered the wrong size" }));
    // Its cancellation saga's history, step by step, for the admin.
    let saga_id = order["cancellation_saga_id"].as_str().expect("the cancellation's saga is named");
    let (status, saga) = app.get(&format!("/api/v1/admin/sagas/{saga_id}"), Some(&admin)).await;
    assert_eq!((status, saga["saga"]["saga_type"].as_str()), (StatusCode::OK, Some("cancel_order")), "{saga}");
    assert_eq!(saga["saga"]["status"], "completed", "{saga}");

    let (_, shipment) = app.get(&format!("/api/v1/shipments/{shipment_id}"), Some(&customer)).await;
    assert_eq!(shipment["status"], "cancelled", "the parcel was called back: {shipment}");
    let level = app
        .eventually("the units are back on sale", || async {
            let level = stock(&app, &admin, product).await;
            (level == (10, 0)).then_some(level)
        })
        .await;
    assert_eq!(level, (10, 0));
    assert_eq!(given_back(&app).await, expected, "the card got its money back: (voids, refunds)");
    // The gateway has answered; Payments' read model shows it once it has caught up.
    let payment_id = order["payment_id"].as_str().unwrap();
    let status = if capture_at == CaptureAt::Shipment { "released" } else { "refunded" };
    app.eventually("the payment reads as given back", || async {
        let (_, payment) = app.get(&format!("/api/v1/payments/{payment_id}"), Some(&customer)).await;
        (payment["status"] == status).then_some(())
    })
    .await;

    // Asking again is a no-op; the shipment cannot be handed over any more.
    let (status, again) = cancel(&app, Some(&customer), &order_id, None).await;
    assert_eq!((status, again["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{again}");
    let hand_over = json!({ "carrier": "Parcelway", "tracking_number": "PW-TOO-LATE" });
    let (status, body) = app.post(&format!("/api/v1/shipments/{shipment_id}/ship"), Some(&admin), hand_over).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "a cancelled parcel is not handed over");
    assert_eq!(given_back(&app).await, expected, "given back once");
    app.assert_invariants().await;
}

on_every_backend!(an_admin_cancels_any_order_before_hand_over, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let (admin, customer, product, order_id, _) = a_completed_order(&app).await;
    let (status, asked) = cancel(&app, Some(&admin), &order_id, Some(json!({}))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{asked}");
    let order = settled_cancellation(&app, &customer, &order_id).await;
    assert_eq!(order["cancellation"]["code"], "cancelled_by_admin", "{order}");
    assert_eq!(order["cancellation"]["message"], "Cancelled by the shop.");
    app.eventually("the units are back on sale", || async {
        (stock(&app, &admin, product).await == (10, 0)).then_some(())
    })
    .await;
    let answer = app
        .graphql(
            Some(&customer),
            "mutation($id: UUID!) { cancelOrder(id: $id) { status cancellation { code } } }",
            json!({ "id": order_id }),
        )
        .await;
    assert_eq!(answer["data"]["cancelOrder"]["status"], "cancelled", "asking again over GraphQL: {answer}");
    app.assert_invariants().await;
});

on_every_backend!(a_customer_cannot_cancel_once_the_parcel_left_and_the_order_stands, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let (admin, customer, product, order_id, shipment_id) = a_completed_order(&app).await;
    let hand_over = json!({ "carrier": "Parcelway", "tracking_number": "PW-GONE-1" });
    let (status, shipped) = app.post(&format!("/api/v1/shipments/{shipment_id}/ship"), Some(&admin), hand_over).await;
    assert_eq!(status, StatusCode::OK, "{shipped}");
    app.eventually("Orders hears the parcel left", || async {
        let (_, timeline) = app.get(&format!("/api/v1/orders/{order_id}/timeline"), Some(&customer)).await;
        timeline["items"].as_array()?.iter().any(|item| item["moment"] == "shipped").then_some(())
    })
    .await;

    let (status, body) = cancel(&app, Some(&customer), &order_id, None).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "the parcel left");
    assert!(body["detail"].as_str().unwrap().contains("left with the carrier"), "{body}");
    let (_, order) = app.get(&format!("/api/v1/orders/{order_id}"), Some(&customer)).await;
    assert_eq!(order["status"], "completed", "{order}");
    assert!(order["cancellation"].is_null() && order["cancellation_saga_id"].is_null(), "no saga started: {order}");
    let (_, shipment) = app.get(&format!("/api/v1/shipments/{shipment_id}"), Some(&customer)).await;
    assert_eq!(shipment["status"], "shipped");
    let level = app
        .eventually("the units left with the parcel", || async {
            let level = stock(&app, &admin, product).await;
            (level == (8, 0)).then_some(level)
        })
        .await;
    assert_eq!(level, (8, 0), "nothing put back on sale");
    assert_eq!(given_back(&app).await, (0, 0), "the money is kept");
    assert_eq!(app.gateway_operations("capture").await, 1, "and was charged when the parcel left");
    app.assert_invariants().await;
});

on_every_backend!(cancellations_that_cannot_be_taken_are_refused_and_change_nothing, |backend: Backend| async move {
    let app = TestApp::spawn_with(&backend, |settings| {
        settings.carrier_webhook_secrets = vec![CARRIER_SECRET.to_owned()];
    })
    .await;
    let (admin, customer, product, order_id, _) = a_completed_order(&app).await;
    let stranger = app.new_customer().await;
    let path = format!("/api/v1/orders/{order_id}/cancel");

    let (status, body) = cancel(&app, None, &order_id, None).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "no one");
    let (status, body) = cancel(&app, Some(&stranger), &order_id, None).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "another customer's order");
    let (status, body) = cancel(&app, Some(&customer), &Uuid::now_v7().to_string(), None).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "no such order");
    let (status, body) = cancel(&app, Some(&customer), "not-an-id", None).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "a bad id");
    let long = "r".repeat(201);
    for (what, body, expected) in [
        ("a long reason", json!({ "reason": long }), StatusCode::UNPROCESSABLE_ENTITY),
        ("a control character", json!({ "reason": "a\u{0000}b" }), StatusCode::UNPROCESSABLE_ENTITY),
        ("an unknown field", json!({ "refund": false }), StatusCode::BAD_REQUEST),
        ("a reason that is not text", json!({ "reason": 5 }), StatusCode::BAD_REQUEST),
    ] {
        let (status, problem) = cancel(&app, Some(&customer), &order_id, Some(body)).await;
        assert_problem(status, &problem, expected, what);
    }
    let (status, _, body) = app.raw(reqwest::Method::POST, &path, Some(&customer), "{\"reason\": ").await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "malformed JSON");

    let (_, order) = app.get(&format!("/api/v1/orders/{order_id}"), Some(&customer)).await;
    assert_eq!(order["status"], "completed", "nothing refused changed the order: {order}");
    assert_eq!(stock(&app, &admin, product).await, (10, 2));

    // A delivered order is past cancelling.
    let (_, other_customer, _, delivered_id, shipment) = a_completed_order(&app).await;
    let hand_over = json!({ "carrier": "Parcelway", "tracking_number": "PW-HOME-1" });
    let (status, _) = app.post(&format!("/api/v1/shipments/{shipment}/ship"), Some(&admin), hand_over).await;
    assert_eq!(status, StatusCode::OK);
    let update = json!({ "event_id": "home-1", "tracking_number": "PW-HOME-1", "status": "delivered" });
    let signed =
        emporium::carrier::signed_update(&app.base, CARRIER_SECRET, chrono::Utc::now().timestamp(), update.to_string());
    assert_eq!(signed.send().await.unwrap().status(), StatusCode::OK);
    app.eventually("the order is delivered", || async {
        let (_, order) = app.get(&format!("/api/v1/orders/{delivered_id}"), Some(&other_customer)).await;
        (order["status"] == "delivered").then_some(())
    })
    .await;
    let (status, body) = cancel(&app, Some(&other_customer), &delivered_id, None).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "delivered");
    app.assert_invariants().await;
});
