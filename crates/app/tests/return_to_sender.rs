//! An admin cancels an order whose parcel has already left, on both engines (the first
//! scenario also over RabbitMQ): Shipping asks the carrier to bring the parcel back, the
//! payment is given back in full (refunded once captured, its hold released before), the
//! order is cancelled at once, and the units are back on hand only when the carrier reports
//! the parcel back at the warehouse. A customer cannot do this once the parcel has left; no
//! one can once it is delivered; the carrier cannot deliver a parcel it was told to return.

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, Bus, TestApp, assert_problem, on_every_backend, on_every_backend_and_bus};
use uuid::Uuid;

const CARRIER_SECRET: &str = "carrier-secret-for-return-tests-000000000";

/// A completed order of 2 of a product's 10 units, its parcel handed to the carrier with
/// tracking number `tracking`, and Orders and Inventory told it left: (admin, customer,
/// product, order).
async fn an_order_on_its_way(app: &TestApp, tracking: &str) -> (String, String, Uuid, Value) {
    let (admin, customer, product, order) = app.a_completed_order().await;
    let shipment_id = order["shipment_id"].as_str().unwrap();
    let hand_over = json!({ "carrier": "Parcelway", "tracking_number": tracking });
    let (status, shipped) = app.post(&format!("/api/v1/shipments/{shipment_id}/ship"), Some(&admin), hand_over).await;
    assert_eq!(status, StatusCode::OK, "{shipped}");
    app.eventually("Orders hears the parcel left", || async {
        moments(app, &customer, &order).await.contains(&"shipped".to_owned()).then_some(())
    })
    .await;
    // Inventory hears of the hand-over on its own, apart from Orders and Payments.
    app.eventually("Inventory hears the units left with the parcel", || async {
        (stock(app, &admin, product).await == (8, 0)).then_some(())
    })
    .await;
    (admin, customer, product, order)
}

fn id(order: &Value) -> &str {
    order["id"].as_str().unwrap()
}

async fn cancel(app: &TestApp, token: &str, order: &Value) -> (StatusCode, Value) {
    app.post(&format!("/api/v1/orders/{}/cancel", id(order)), Some(token), json!({})).await
}

/// The carrier's signed update about parcel `tracking`.
async fn carrier_says(app: &TestApp, event_id: &str, tracking: &str, status: &str) -> (StatusCode, Value) {
    let update =
        json!({ "event_id": event_id, "tracking_number": tracking, "status": status, "location": "Leeds hub" });
    let signed =
        emporium::carrier::signed_update(&app.base, CARRIER_SECRET, chrono::Utc::now().timestamp(), update.to_string());
    let response = signed.send().await.expect("the webhook answers");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn moments(app: &TestApp, token: &str, order: &Value) -> Vec<String> {
    let (status, timeline) = app.get(&format!("/api/v1/orders/{}/timeline", id(order)), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{timeline}");
    timeline["items"].as_array().unwrap().iter().map(|item| item["moment"].as_str().unwrap().to_owned()).collect()
}

async fn shipment(app: &TestApp, admin: &str, order: &Value) -> Value {
    let (status, shipment) =
        app.get(&format!("/api/v1/shipments/{}", order["shipment_id"].as_str().unwrap()), Some(admin)).await;
    assert_eq!(status, StatusCode::OK, "{shipment}");
    shipment
}

/// (on hand, reserved) of `product`.
async fn stock(app: &TestApp, admin: &str, product: Uuid) -> (i64, i64) {
    let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(admin)).await;
    (level["on_hand"].as_i64().unwrap(), level["reserved"].as_i64().unwrap())
}

async fn payment(app: &TestApp, token: &str, order: &Value) -> Value {
    let (status, payment) =
        app.get(&format!("/api/v1/payments/{}", order["payment_id"].as_str().unwrap()), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{payment}");
    payment
}

/// The order once its cancellation has run its course.
async fn settled_cancellation(app: &TestApp, token: &str, order: &Value) -> Value {
    app.eventually("the cancellation runs its course", || async {
        let (_, read) = app.get(&format!("/api/v1/orders/{}", id(order)), Some(token)).await;
        (read["status"] != "cancelling").then_some(read)
    })
    .await
}

on_every_backend_and_bus!(
    an_admin_has_a_parcel_on_its_way_returned_and_its_units_come_back_with_it,
    |backend: Backend, bus: Bus| async move {
        let app = TestApp::spawn_with(&backend, |settings| {
            bus.apply(settings);
            settings.carrier_webhook_secrets = vec![CARRIER_SECRET.to_owned()];
        })
        .await;
        let (admin, customer, product, order) = an_order_on_its_way(&app, "PW-BACK-001").await;
        let total = order["total"]["amount_minor"].as_i64().unwrap();
        app.eventually("the card is charged as the parcel leaves", || async {
            (payment(&app, &customer, &order).await["status"] == "processed").then_some(())
        })
        .await;
        assert_eq!(stock(&app, &admin, product).await, (8, 0), "the units left with the parcel");

        // The customer can no longer cancel: answered at once, and nothing changes.
        let (status, refused) = cancel(&app, &customer, &order).await;
        assert_problem(status, &refused, StatusCode::CONFLICT, "a customer after the parcel left");
        assert!(refused["detail"].as_str().unwrap().contains("left with the carrier"), "{refused}");
        let (_, read) = app.get(&format!("/api/v1/orders/{}", id(&order)), Some(&customer)).await;
        assert_eq!(read["status"], "completed", "{read}");

        // The shop can: the parcel is called back, the money given back in full, the order cancelled.
        let (status, asked) = cancel(&app, &admin, &order).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{asked}");
        let cancelled = settled_cancellation(&app, &customer, &order).await;
        assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
        assert_eq!(cancelled["cancellation"]["code"], "cancelled_by_admin");
        let returning = shipment(&app, &admin, &order).await;
        assert_eq!(returning["status"], "returning", "{returning}");
        let paid = app
            .eventually("the payment reads refunded", || async {
                let paid = payment(&app, &customer, &order).await;
                (paid["status"] == "refunded").then_some(paid)
            })
            .await;
        assert_eq!(paid["refunded"]["amount_minor"].as_i64(), Some(total), "given back in full: {paid}");
        assert_eq!(
            (
                app.gateway_operations("capture").await,
                app.gateway_operations("refund").await,
                app.gateway_operations("void").await
            ),
            (1, 1, 0)
        );
        assert_eq!(stock(&app, &admin, product).await, (8, 0), "the units are still with the carrier");

        // The carrier was told to bring it back: it cannot deliver it, it scans it on the way back.
        let (status, body) = carrier_says(&app, "back-1", "PW-BACK-001", "delivered").await;
        assert_problem(status, &body, StatusCode::CONFLICT, "delivering a parcel being returned");
        assert!(body["detail"].as_str().unwrap().contains("is returning; it cannot be delivered now"), "{body}");
        let (status, body) = carrier_says(&app, "back-2", "PW-BACK-001", "in_transit").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(stock(&app, &admin, product).await, (8, 0));

        // Back at the warehouse: the units are on hand and on sale again.
        let (status, body) = carrier_says(&app, "back-3", "PW-BACK-001", "returned").await;
        assert_eq!((status, body["applied"].as_bool()), (StatusCode::OK, Some(true)), "{body}");
        app.eventually("the units are back on hand", || async {
            (stock(&app, &admin, product).await == (10, 0)).then_some(())
        })
        .await;
        let (status, again) = carrier_says(&app, "back-3", "PW-BACK-001", "returned").await;
        assert_eq!((status, again["applied"].as_bool()), (StatusCode::OK, Some(false)), "a resent update: {again}");
        let (status, body) = carrier_says(&app, "back-4", "PW-BACK-001", "returned").await;
        assert_problem(status, &body, StatusCode::CONFLICT, "returned twice");
        let back = shipment(&app, &admin, &order).await;
        let journey: Vec<&str> =
            back["journey"].as_array().unwrap().iter().map(|step| step["status"].as_str().unwrap()).collect();
        assert_eq!(journey, ["created", "shipped", "returning", "returning", "returned"], "{back}");
        assert_eq!(back["journey"][3]["location"], "Leeds hub");
        let (_, history) = app.get(&format!("/api/v1/inventory/{product}/history"), Some(&admin)).await;
        assert_eq!(history["items"][0]["kind"], "returned", "{history}");
        assert_eq!(history["items"][0]["on_hand_change"], 2);

        // The customer follows it all; the return is told once.
        let seen = app
            .eventually("the order's timeline shows the parcel back", || async {
                let seen = moments(&app, &customer, &order).await;
                seen.contains(&"returned".to_owned()).then_some(seen)
            })
            .await;
        let position =
            |moment: &str| seen.iter().position(|m| m == moment).unwrap_or_else(|| panic!("{moment} in {seen:?}"));
        assert!(position("shipped") < position("cancellation_requested"), "{seen:?}");
        assert!(position("cancellation_requested") < position("return_requested"), "{seen:?}");
        assert!(position("return_requested") < position("returned"), "{seen:?}");
        assert!(seen.contains(&"refunded".to_owned()) && seen.contains(&"cancelled".to_owned()), "{seen:?}");
        assert_eq!(seen.iter().filter(|m| *m == "return_requested").count(), 1, "{seen:?}");
        assert!(!seen.contains(&"stock_released".to_owned()), "nothing was released: the units came back: {seen:?}");

        // Asking again changes nothing.
        let (status, again) = cancel(&app, &admin, &order).await;
        assert_eq!((status, again["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{again}");
        assert_eq!(app.gateway_operations("refund").await, 1, "refunded once");
        app.assert_invariants().await;
    }
);

on_every_backend!(
    a_parcel_returned_before_its_capture_has_its_hold_released_and_is_never_charged_even_through_a_crash,
    |backend: Backend| async move {
        let app = TestApp::spawn_with(&backend, |settings| {
            settings.carrier_webhook_secrets = vec![CARRIER_SECRET.to_owned()]
        })
        .await;
        // The gateway cannot capture just now: the parcel leaves with the payment only held.
        app.gateway_fault("capture", true).await;
        let (admin, customer, product, order) = an_order_on_its_way(&app, "PW-BACK-002").await;
        assert_eq!(payment(&app, &customer, &order).await["status"], "authorized");

        let (status, asked) = cancel(&app, &admin, &order).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{asked}");
        // The process dies as the cancellation starts; what was accepted carries on after a restart.
        let app = app.crash_and_restart().await;
        assert_eq!(settled_cancellation(&app, &customer, &order).await["status"], "cancelled");
        let released = app
            .eventually("the hold is released", || async {
                let paid = payment(&app, &customer, &order).await;
                (paid["status"] == "released").then_some(paid)
            })
            .await;
        assert_eq!(released["captured"]["amount_minor"].as_i64(), Some(0), "{released}");
        // The outage ends; the capture that waited finds the hold released and charges nothing.
        app.gateway_fault("capture", false).await;
        let (status, body) = carrier_says(&app, "back-5", "PW-BACK-002", "returned").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        app.eventually("the units are back on hand", || async {
            (stock(&app, &admin, product).await == (10, 0)).then_some(())
        })
        .await;
        assert_eq!((app.gateway_operations("authorization").await, app.gateway_operations("void").await), (1, 1));
        assert_eq!(
            (app.gateway_operations("capture").await, app.gateway_operations("refund").await),
            (0, 0),
            "never charged"
        );
        app.assert_invariants().await;
    }
);

on_every_backend!(
    no_one_cancels_a_delivered_order_and_a_parcel_not_called_back_cannot_be_returned,
    |backend: Backend| async move {
        let app = TestApp::spawn_with(&backend, |settings| {
            settings.carrier_webhook_secrets = vec![CARRIER_SECRET.to_owned()]
        })
        .await;
        let (admin, customer, product, order) = an_order_on_its_way(&app, "PW-HOME-003").await;
        let (status, body) = carrier_says(&app, "home-1", "PW-HOME-003", "returned").await;
        assert_problem(status, &body, StatusCode::CONFLICT, "returned without a return asked for");
        assert!(body["detail"].as_str().unwrap().contains("is shipped; it cannot be returned now"), "{body}");
        let (status, body) = carrier_says(&app, "home-2", "PW-HOME-003", "delivered").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        app.eventually("the order is delivered", || async {
            let (_, read) = app.get(&format!("/api/v1/orders/{}", id(&order)), Some(&customer)).await;
            (read["status"] == "delivered").then_some(())
        })
        .await;
        for (who, token) in [("the customer", &customer), ("an admin", &admin)] {
            let (status, body) = cancel(&app, token, &order).await;
            assert_problem(status, &body, StatusCode::CONFLICT, who);
            assert!(body["detail"].as_str().unwrap().contains("was delivered"), "{who}: {body}");
        }
        assert_eq!(shipment(&app, &admin, &order).await["status"], "delivered");
        assert_eq!(stock(&app, &admin, product).await, (8, 0));
        assert_eq!((app.gateway_operations("refund").await, app.gateway_operations("void").await), (0, 0));
        app.assert_invariants().await;
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "but its opening and adjustments less the units away with parcels leave 10")]
async fn the_stock_invariant_notices_returned_units_that_never_came_back_on_hand() {
    let app = TestApp::spawn_with(&Backend::Sqlite, |settings| {
        settings.carrier_webhook_secrets = vec![CARRIER_SECRET.to_owned()];
    })
    .await;
    let (admin, _customer, product, order) = an_order_on_its_way(&app, "PW-LOST-006").await;
    let (status, asked) = cancel(&app, &admin, &order).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{asked}");
    // The carrier only brings back a parcel Shipping has called back, which happens after the answer.
    app.eventually("Shipping calls the parcel back", || async {
        (shipment(&app, &admin, &order).await["status"] == "returning").then_some(())
    })
    .await;
    let (status, body) = carrier_says(&app, "lost-1", "PW-LOST-006", "returned").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.eventually("the units are back on hand", || async {
        (stock(&app, &admin, product).await == (10, 0)).then_some(())
    })
    .await;
    // As if the restock had been lost: the parcel is back, its units are not.
    let inventory = app.platform().database("inventory").unwrap();
    let mut tx = inventory.begin().await.unwrap();
    sqlx::query("update stock_levels set on_hand = on_hand - 2").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    app.assert_invariants().await;
}
