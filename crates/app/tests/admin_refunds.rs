//! Admins' refunds on both engines: part of a capture given back with a reason, then more,
//! never above what is still captured; each one shown on the order. A cancellation
//! afterwards gives back only the rest, a refund the gateway cannot make at once is made
//! when it can, and every request that cannot be taken is a 4xx that changes nothing.
//!
//! Payments are captured at confirmation here, so that an order can be refunded in part
//! and still be cancelled (its parcel has not left); `payment_capture.rs` refunds orders
//! captured when they ship.

use payments::CaptureAt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use testkit::{Backend, Bus, ServerProcess, TestApp, assert_problem, on_every_backend};

/// A platform capturing payments as soon as orders are confirmed.
async fn at_confirmation(backend: &Backend) -> TestApp {
    TestApp::spawn_with(backend, |settings| settings.capture_at = CaptureAt::Confirmation).await
}

/// A customer's completed order of 2 units at 15.00: (admin, customer, order, payment id, total).
async fn a_paid_order(app: &TestApp) -> (String, String, String, String, i64) {
    let (admin, customer, _, order) = app.a_completed_order().await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let payment_id = order["payment_id"].as_str().unwrap().to_owned();
    let total = order["total"]["amount_minor"].as_i64().unwrap();
    // Captured a moment after the confirmation, by Payments' own subscriber.
    app.eventually("the payment is captured", || async {
        let (_, payment) = app.get(&format!("/api/v1/payments/{payment_id}"), Some(&admin)).await;
        (payment["captured"]["amount_minor"] == total).then_some(())
    })
    .await;
    (admin, customer, order_id, payment_id, total)
}

/// POSTs a refund of `payment_id` as `token`, with an idempotency key when given:
/// (status, replayed, body).
async fn refund(
    app: &TestApp,
    token: &str,
    payment_id: &str,
    key: Option<&str>,
    body: Value,
) -> (StatusCode, bool, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/v1/payments/{payment_id}/refunds", app.base))
        .bearer_auth(token)
        .json(&body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let replayed = response.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
    (status, replayed, response.json().await.unwrap_or(Value::Null))
}

async fn payment(app: &TestApp, token: &str, payment_id: &str) -> Value {
    let (status, payment) = app.get(&format!("/api/v1/payments/{payment_id}"), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{payment}");
    payment
}

/// The order once it shows `count` refunds.
async fn order_with_refunds(app: &TestApp, token: &str, order_id: &str, count: usize) -> Value {
    app.eventually(&format!("the order shows {count} refunds"), || async {
        let (_, order) = app.get(&format!("/api/v1/orders/{order_id}"), Some(token)).await;
        (order["refunds"].as_array().map(Vec::len) == Some(count)).then_some(order)
    })
    .await
}

on_every_backend!(an_admin_refunds_twice_and_a_third_above_the_rest_is_refused, |backend: Backend| async move {
    let app = at_confirmation(&backend).await;
    let (admin, customer, order_id, payment_id, total) = a_paid_order(&app).await;

    let first_body = json!({ "amount_minor": 1_000, "reason": "The box arrived dented" });
    let (status, replayed, first) = refund(&app, &admin, &payment_id, Some("refund-1"), first_body.clone()).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, false), "{first}");
    assert_eq!(first["status"], "succeeded", "{first}");
    assert_eq!(first["amount"], json!({ "amount_minor": 1_000, "currency": "USD" }));
    assert_eq!(first["reason"], "The box arrived dented");

    // The same request again is the first answer; the same key for another is refused.
    let (status, replayed, again) = refund(&app, &admin, &payment_id, Some("refund-1"), first_body).await;
    assert_eq!((status, replayed, &again), (StatusCode::CREATED, true, &first));
    let other = json!({ "amount_minor": 999, "reason": "The box arrived dented" });
    let (status, _, body) = refund(&app, &admin, &payment_id, Some("refund-1"), other).await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "a key reused for another refund");

    let (status, _, second) =
        refund(&app, &admin, &payment_id, None, json!({ "amount_minor": 500, "reason": "Late delivery" })).await;
    assert_eq!((status, second["status"].as_str()), (StatusCode::CREATED, Some("succeeded")), "{second}");

    let rest = total - 1_500;
    let too_much = json!({ "amount_minor": rest + 1, "reason": "One cent too many" });
    let (status, _, body) = refund(&app, &admin, &payment_id, None, too_much).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "above what is still charged");
    assert!(body["detail"].as_str().unwrap().contains("can still be refunded"), "{body}");
    assert_eq!(app.gateway_operations("refund").await, 2, "two refunds made, the third not asked");

    let seen = payment(&app, &admin, &payment_id).await;
    assert_eq!(seen["status"], "processed", "{seen}");
    assert_eq!(seen["refunded"]["amount_minor"], 1_500, "{seen}");
    assert_eq!(seen["refundable"]["amount_minor"], rest, "{seen}");
    let reasons: Vec<&str> =
        seen["refunds"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["The box arrived dented", "Late delivery"]);

    // The customer sees both on the order and in its timeline, with the admin's reasons.
    let order = order_with_refunds(&app, &customer, &order_id, 2).await;
    assert_eq!(order["refunded"]["amount_minor"], 1_500, "{order}");
    assert_eq!(order["status"], "completed", "a refund leaves the order standing");
    let (_, timeline) = app.get(&format!("/api/v1/orders/{order_id}/timeline"), Some(&customer)).await;
    let details: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["moment"] == "refunded")
        .map(|entry| entry["detail"].as_str().unwrap())
        .collect();
    assert_eq!(details, ["10.00 USD given back: The box arrived dented", "5.00 USD given back: Late delivery"]);

    // "All that is left" gives back the rest, after which nothing more can be.
    let (status, _, last) = refund(&app, &admin, &payment_id, None, json!({ "reason": "Goodwill" })).await;
    assert_eq!((status, last["amount"]["amount_minor"].as_i64()), (StatusCode::CREATED, Some(rest)), "{last}");
    let (status, _, body) =
        refund(&app, &admin, &payment_id, None, json!({ "amount_minor": 1, "reason": "More" })).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "nothing left to refund");
    order_with_refunds(&app, &customer, &order_id, 3).await;
    app.assert_invariants().await;
});

on_every_backend!(refunds_that_cannot_be_taken_change_nothing, |backend: Backend| async move {
    let app = at_confirmation(&backend).await;
    let (admin, customer, _, payment_id, _) = a_paid_order(&app).await;
    let fine = json!({ "amount_minor": 100, "reason": "Goodwill" });

    let (status, _, body) = refund(&app, &customer, &payment_id, None, fine.clone()).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "a customer refunding themselves");
    let (status, body) = app.post(&format!("/api/v1/payments/{payment_id}/refunds"), None, fine.clone()).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "no token");
    let unknown = uuid::Uuid::now_v7();
    let (status, _, body) = refund(&app, &admin, &unknown.to_string(), None, fine.clone()).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "an unknown payment");
    let (status, _, body) = refund(&app, &admin, "not-a-uuid", None, fine.clone()).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "a malformed payment id");
    for (bad, field) in [
        (json!({ "amount_minor": 0, "reason": "Goodwill" }), "amount_minor"),
        (json!({ "amount_minor": -500, "reason": "Goodwill" }), "amount_minor"),
        (json!({ "amount_minor": 100, "reason": "   " }), "reason"),
        (json!({ "amount_minor": 100, "reason": "x".repeat(501) }), "reason"),
    ] {
        let (status, _, body) = refund(&app, &admin, &payment_id, None, bad.clone()).await;
        assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, &bad.to_string());
        assert!(body["errors"].to_string().contains(field), "{field} is named: {body}");
    }
    for malformed in [json!({ "reason": "Goodwill", "currency": "EUR" }), json!({ "amount_minor": "ten" })] {
        let (status, _, body) = refund(&app, &admin, &payment_id, None, malformed.clone()).await;
        assert!(status.is_client_error(), "{malformed}: {status} {body}");
    }

    // A payment that never charged anything has nothing to give back.
    let product = app.create_product(&admin, 5, 900).await;
    let declined = app.add_card(&customer, "4000000000000002").await;
    let (_, placed) = app.place_order(&customer, &[(product, 1)], declined, "US").await;
    let failed = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;
    assert_eq!(failed["status"], "cancelled", "{failed}");
    let failed_payment = payment_id_of(&app, failed["id"].as_str().unwrap()).await;
    let (status, _, body) = refund(&app, &admin, &failed_payment, None, fine.clone()).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "a failed payment");

    assert_eq!(app.gateway_operations("refund").await, 0, "no refund was asked of the gateway");
    assert_eq!(payment(&app, &admin, &payment_id).await["refunds"], json!([]));
    app.assert_invariants().await;
});

/// The payment of an order whose saga never confirmed it (the order does not name it).
async fn payment_id_of(app: &TestApp, order_id: &str) -> String {
    let payments = app.platform().database("payments").unwrap();
    sqlx::query_scalar("select id from payments where order_id = $1")
        .bind(order_id)
        .fetch_one(payments.reader())
        .await
        .expect("the order has a payment")
}

on_every_backend!(a_cancellation_after_a_partial_refund_gives_back_only_the_rest, |backend: Backend| async move {
    let app = at_confirmation(&backend).await;
    let (admin, customer, order_id, payment_id, total) = a_paid_order(&app).await;
    let (status, _, _) =
        refund(&app, &admin, &payment_id, None, json!({ "amount_minor": 700, "reason": "Price match" })).await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, asked) = app
        .post(&format!("/api/v1/orders/{order_id}/cancel"), Some(&customer), json!({ "reason": "Changed my mind" }))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{asked}");
    let seen = app
        .eventually("the payment is refunded in full", || async {
            let seen = payment(&app, &admin, &payment_id).await;
            (seen["status"] == "refunded").then_some(seen)
        })
        .await;
    assert_eq!(seen["refunded"]["amount_minor"], total, "the admin's 7.00 and the rest: {seen}");
    let order = app
        .eventually("the order is cancelled", || async {
            let (_, order) = app.get(&format!("/api/v1/orders/{order_id}"), Some(&customer)).await;
            (order["status"] == "cancelled").then_some(order)
        })
        .await;
    assert_eq!(order["refunded"]["amount_minor"], 700, "{order}");
    let (_, timeline) = app.get(&format!("/api/v1/orders/{order_id}/timeline"), Some(&customer)).await;
    let refunds: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["moment"] == "refunded")
        .map(|entry| entry["detail"].as_str().unwrap_or_default())
        .collect();
    let rest = total - 700;
    let rest = format!("{}.{:02} USD given back", rest / 100, rest % 100);
    assert_eq!(refunds, ["7.00 USD given back: Price match", rest.as_str()], "the admin's, then the rest");
    let (status, _, body) = refund(&app, &admin, &payment_id, None, json!({ "reason": "Once more" })).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "a payment refunded by its cancellation");
    assert_eq!(app.gateway_operations("refund").await, 2);
    app.assert_invariants().await;
});

on_every_backend!(a_refund_the_gateway_cannot_make_now_is_made_when_it_can, |backend: Backend| async move {
    let app = at_confirmation(&backend).await;
    let (admin, customer, order_id, payment_id, total) = a_paid_order(&app).await;
    app.gateway_fault("refund", true).await;
    let (status, _, pending) =
        refund(&app, &admin, &payment_id, None, json!({ "amount_minor": 250, "reason": "Missing leaflet" })).await;
    assert_eq!((status, pending["status"].as_str()), (StatusCode::CREATED, Some("pending")), "{pending}");
    let seen = payment(&app, &admin, &payment_id).await;
    assert_eq!(seen["refundable"]["amount_minor"], total - 250, "a pending refund is held back: {seen}");
    assert_eq!(seen["refunded"]["amount_minor"], 0);

    // The customer cancels meanwhile: the rest is refunded only after the admin's refund.
    let (status, _) =
        app.post(&format!("/api/v1/orders/{order_id}/cancel"), Some(&customer), json!({ "reason": "Too slow" })).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(app.gateway_operations("refund").await, 0, "nothing is given back while the gateway is down");

    app.gateway_fault("refund", false).await;
    let made = app
        .eventually("both refunds are made once the gateway answers", || async {
            let seen = payment(&app, &admin, &payment_id).await;
            (seen["refunds"][0]["status"] == "succeeded" && seen["status"] == "refunded").then_some(seen)
        })
        .await;
    assert_eq!(made["refunded"]["amount_minor"], total, "the admin's 2.50 and the rest, once each: {made}");
    let order = order_with_refunds(&app, &customer, &order_id, 1).await;
    assert_eq!(order["refunds"][0]["reason"], "Missing leaflet");
    app.eventually("the order is cancelled", || async {
        let (_, order) = app.get(&format!("/api/v1/orders/{order_id}"), Some(&customer)).await;
        (order["status"] == "cancelled").then_some(())
    })
    .await;
    assert_eq!(app.gateway_operations("refund").await, 2, "each made once");
    app.assert_invariants().await;
});

on_every_backend!(admins_refunding_at_once_never_give_back_more_than_was_charged, |backend: Backend| async move {
    let app = at_confirmation(&backend).await;
    let (admin, _, _, payment_id, total) = a_paid_order(&app).await;
    let share = total * 2 / 5;
    let attempts = (0..6).map(|i| {
        let (app, admin, payment_id) = (&app, &admin, &payment_id);
        async move {
            let body = json!({ "amount_minor": share, "reason": format!("Goodwill {i}") });
            refund(app, admin, payment_id, None, body).await.0
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let made = statuses.iter().filter(|status| **status == StatusCode::CREATED).count();
    assert_eq!(made, 2, "two shares of 40% fit, the others are refused: {statuses:?}");
    assert!(statuses.iter().all(|s| [StatusCode::CREATED, StatusCode::CONFLICT].contains(s)), "{statuses:?}");
    let seen = payment(&app, &admin, &payment_id).await;
    assert_eq!(seen["refunded"]["amount_minor"], share * 2, "{seen}");
    assert_eq!(app.gateway_operations("refund").await, 2);
    app.assert_invariants().await;
});

on_every_backend!(graphql_refunds_are_admins_and_keyed_requests_answer_once, |backend: Backend| async move {
    let app = at_confirmation(&backend).await;
    let (admin, customer, _, payment_id, _) = a_paid_order(&app).await;
    let mutation = "mutation($id: UUID!, $key: String) { refundPayment(paymentId: $id, idempotencyKey: $key, \
                    input: { amountMinor: 300, reason: \"Scratched lid\" }) { id status amount { amountMinor } } }";
    let variables = json!({ "id": payment_id, "key": "gql-refund-1" });
    let refused = app.graphql(Some(&customer), mutation, variables.clone()).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused}");
    let first = app.graphql(Some(&admin), mutation, variables.clone()).await;
    assert_eq!(first["data"]["refundPayment"]["status"], "succeeded", "{first}");
    let again = app.graphql(Some(&admin), mutation, variables).await;
    assert_eq!(again["data"], first["data"], "the same refund, not a second");
    assert_eq!(app.gateway_operations("refund").await, 1);
    let seen = app
        .graphql(
            Some(&admin),
            "query($id: UUID!) { payment(id: $id) { refunded { amountMinor } refunds { reason } } }",
            json!({ "id": payment_id }),
        )
        .await;
    assert_eq!(seen["data"]["payment"]["refunded"]["amountMinor"], 300, "{seen}");
    assert_eq!(seen["data"]["payment"]["refunds"][0]["reason"], "Scratched lid");
    app.assert_invariants().await;
});

on_every_backend!(
    a_refund_whose_process_dies_after_the_gateway_made_it_is_recorded_once_after_a_restart,
    |backend: Backend| async move {
        let binary = std::path::Path::new(env!("CARGO_BIN_EXE_emporium"));
        let mut server = ServerProcess::start(binary, &backend, &Bus::Embedded, |settings| {
            settings.capture_at = CaptureAt::Confirmation;
        })
        .await;
        let app = TestApp::attach(&server).await;
        let (admin, customer, order_id, payment_id, _) = a_paid_order(&app).await;
        // The real server process dies the moment the provider has refunded, before Payments
        // can record it: the admin gets no answer.
        app.gateway_fault("refund_crash", true).await;
        let request = reqwest::Client::new()
            .post(format!("{}/api/v1/payments/{payment_id}/refunds", app.base))
            .bearer_auth(&admin)
            .json(&json!({ "amount_minor": 400, "reason": "Crushed corner" }))
            .send()
            .await;
        assert!(request.is_err() || !request.unwrap().status().is_success(), "no answer from a dead process");
        assert!(server.exited_within(Duration::from_secs(20)).await, "the server did not crash: {}", server.log_text());
        assert_eq!(app.gateway_operations("refund").await, 1, "the refund was made before the crash");
        app.gateway_fault("refund_crash", false).await;

        server.restart().await;
        let made = app
            .eventually("the refund is recorded after the restart", || async {
                let (_, seen) = app.get(&format!("/api/v1/payments/{payment_id}"), Some(&admin)).await;
                (seen["refunds"][0]["status"] == "succeeded").then_some(seen)
            })
            .await;
        assert_eq!(made["refunded"]["amount_minor"], 400, "{made}");
        order_with_refunds(&app, &customer, &order_id, 1).await;
        assert_eq!(app.gateway_operations("refund").await, 1, "and never refunded twice");
        app.assert_invariants().await;
    }
);
