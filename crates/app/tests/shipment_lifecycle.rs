//! A parcel's journey on both engines: an admin hands it to the carrier, the carrier's
//! signed updates move it in transit and delivered, and the customer follows each step. Every
//! move it cannot make, and every update not signed by the carrier, fresh and new, is refused
//! and changes nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, on_every_backend};
use uuid::Uuid;

const EMPORIUM: &str = env!("CARGO_BIN_EXE_emporium");
const OLD_SECRET: &str = "carrier-secret-being-retired-0000000000";
const NEW_SECRET: &str = "carrier-secret-taking-over-11111111111111";

/// A platform whose carrier may sign with either secret (mid-rotation), and a completed
/// order's shipment: (app, admin, customer, order id, shipment id).
async fn shop_with_a_parcel(backend: &Backend) -> (TestApp, String, String, String, String) {
    let app = TestApp::spawn_with(backend, |settings| {
        settings.carrier_webhook_secrets = vec![OLD_SECRET.to_owned(), NEW_SECRET.to_owned()];
    })
    .await;
    let (admin, customer, order_id, shipment_id) = a_parcel(&app).await;
    (app, admin, customer, order_id, shipment_id)
}

/// A completed order's shipment on `app`: (admin, customer, order id, shipment id).
async fn a_parcel(app: &TestApp) -> (String, String, String, String) {
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    let product = app.create_product(&admin, 10, 1_500).await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (status, order) = app.place_order(&customer, &[(product, 1)], card, "US").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{order}");
    let order_id = order["id"].as_str().unwrap().to_owned();
    let settled = app.settled_order(&customer, &order_id).await;
    assert_eq!(settled["status"], "completed", "{settled}");
    let shipment_id = settled["shipment_id"].as_str().unwrap().to_owned();
    (admin, customer, order_id, shipment_id)
}

async fn ship(app: &TestApp, token: Option<&str>, shipment: &str, body: Value) -> (StatusCode, Value) {
    app.post(&format!("/api/v1/shipments/{shipment}/ship"), token, body).await
}

/// Sends `update` to the carrier webhook, signed with `secret` at `signed_at` (Unix seconds).
async fn carrier_says(app: &TestApp, secret: &str, signed_at: i64, update: &Value) -> (StatusCode, Value) {
    let request = emporium::carrier::signed_update(&app.base, secret, signed_at, update.to_string());
    let response = request.send().await.expect("the webhook answers");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn shipment(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, body) = app.get(&format!("/api/v1/shipments/{id}"), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn statuses(shipment: &Value) -> Vec<&str> {
    shipment["journey"].as_array().unwrap().iter().map(|step| step["status"].as_str().unwrap()).collect()
}

async fn shipment_events(app: &TestApp, order_id: &str) -> Vec<String> {
    app.event_types("shipping", &format!("shipment-{order_id}")).await
}

on_every_backend!(
    a_parcel_goes_from_hand_over_to_the_door_and_the_customer_follows_it,
    |backend: Backend| async move {
        let (app, admin, customer, order_id, shipment_id) = shop_with_a_parcel(&backend).await;
        assert_eq!(statuses(&shipment(&app, &customer, &shipment_id).await), ["created"]);

        let (status, shipped) = ship(
            &app,
            Some(&admin),
            &shipment_id,
            json!({ "carrier": "Parcelway", "tracking_number": "pw-0042-7781" }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{shipped}");
        assert_eq!(
            (shipped["status"].as_str(), shipped["tracking_number"].as_str()),
            (Some("shipped"), Some("PW-0042-7781"))
        );
        assert_eq!(shipped["carrier"], "Parcelway");

        let scan = json!({ "event_id": "pw-evt-1", "tracking_number": "PW-0042-7781", "status": "in_transit", "location": "Leeds hub" });
        let (status, ack) = carrier_says(&app, OLD_SECRET, now(), &scan).await;
        assert_eq!(status, StatusCode::OK, "{ack}");
        assert_eq!(ack, json!({ "shipment_id": shipment_id, "applied": true }));
        let (status, ack) = carrier_says(&app, NEW_SECRET, now(), &scan).await;
        assert_eq!(
            (status, ack["applied"].as_bool()),
            (StatusCode::OK, Some(false)),
            "a resent update applies once: {ack}"
        );

        let delivered = json!({ "event_id": "pw-evt-2", "tracking_number": "pw-0042-7781", "status": "delivered" });
        let (status, ack) = carrier_says(&app, NEW_SECRET, now(), &delivered).await;
        assert_eq!((status, ack["applied"].as_bool()), (StatusCode::OK, Some(true)), "{ack}");

        let seen = shipment(&app, &customer, &shipment_id).await;
        assert_eq!(seen["status"], "delivered");
        assert_eq!(statuses(&seen), ["created", "shipped", "in_transit", "delivered"]);
        assert_eq!(seen["journey"][2]["location"], "Leeds hub");
        let order = app
            .eventually("the order follows its parcel", || async {
                let (_, order) = app.get(&format!("/api/v1/orders/{order_id}"), Some(&customer)).await;
                (order["status"] == "delivered").then_some(order)
            })
            .await;
        assert_eq!(order["shipment_id"], shipment_id.as_str());
        assert_eq!(
            shipment_events(&app, &order_id).await,
            ["ShipmentCreated", "ShipmentShipped", "ShipmentInTransit", "ShipmentDelivered"]
        );
        let answer = app
            .graphql(
                Some(&customer),
                "query($id: UUID!) { shipment(id: $id) { status trackingNumber journey { status location } } }",
                json!({ "id": shipment_id }),
            )
            .await;
        assert_eq!(answer["data"]["shipment"]["trackingNumber"], "PW-0042-7781", "{answer}");
        assert_eq!(answer["data"]["shipment"]["journey"][3]["status"], "delivered", "{answer}");
    }
);

on_every_backend!(
    moves_a_parcel_cannot_make_are_refused_the_same_way_and_change_nothing,
    |backend: Backend| async move {
        let (app, admin, customer, order_id, shipment_id) = shop_with_a_parcel(&backend).await;
        // Not shipped yet: the carrier cannot report it (it has no tracking number at all).
        let early = json!({ "event_id": "e-early", "tracking_number": "NOT-SHIPPED-1", "status": "delivered" });
        let (status, body) = carrier_says(&app, NEW_SECRET, now(), &early).await;
        assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "an unknown tracking number");
        assert_eq!(body["code"], "unknown_tracking_number");

        let (status, shipped) = ship(&app, Some(&admin), &shipment_id, json!({ "carrier": "Parcelway" })).await;
        assert_eq!(status, StatusCode::OK, "{shipped}");
        let tracking = shipped["tracking_number"].as_str().unwrap().to_owned();
        assert!(
            tracking.starts_with("EMP") && tracking.len() == 19,
            "a tracking number is made when none is given: {tracking}"
        );
        for attempt in 0..2 {
            let (status, body) = ship(
                &app,
                Some(&admin),
                &shipment_id,
                json!({ "carrier": "Parcelway", "tracking_number": "OTHER-123" }),
            )
            .await;
            assert_problem(status, &body, StatusCode::CONFLICT, &format!("shipping twice, attempt {attempt}"));
            assert!(body["detail"].as_str().unwrap().contains("is shipped; it cannot be shipped now"), "{body}");
        }
        let delivered = json!({ "event_id": "e-1", "tracking_number": tracking, "status": "delivered" });
        assert_eq!(carrier_says(&app, NEW_SECRET, now(), &delivered).await.0, StatusCode::OK);
        for (event_id, status_word) in [("e-2", "in_transit"), ("e-3", "delivered")] {
            let late = json!({ "event_id": event_id, "tracking_number": tracking, "status": status_word, "location": "Leeds" });
            let (status, body) = carrier_says(&app, NEW_SECRET, now(), &late).await;
            assert_problem(status, &body, StatusCode::CONFLICT, &format!("{status_word} after delivery"));
            assert!(body["detail"].as_str().unwrap().contains("is delivered"), "{body}");
        }
        // A refused update's event id was not spent: it is still refused for the same reason.
        let (status, _) = carrier_says(
            &app,
            NEW_SECRET,
            now(),
            &json!({ "event_id": "e-2", "tracking_number": tracking, "status": "in_transit" }),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(shipment_events(&app, &order_id).await, ["ShipmentCreated", "ShipmentShipped", "ShipmentDelivered"]);
        assert_eq!(statuses(&shipment(&app, &customer, &shipment_id).await), ["created", "shipped", "delivered"]);
    }
);

on_every_backend!(a_tracking_number_belongs_to_one_parcel, |backend: Backend| async move {
    let (app, admin, customer, _, first) = shop_with_a_parcel(&backend).await;
    let product = app.create_product(&admin, 10, 1_500).await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (_, order) = app.place_order(&customer, &[(product, 1)], card, "US").await;
    let second =
        app.settled_order(&customer, order["id"].as_str().unwrap()).await["shipment_id"].as_str().unwrap().to_owned();
    let (status, body) =
        ship(&app, Some(&admin), &first, json!({ "carrier": "Parcelway", "tracking_number": "SAME-NUMBER-1" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) =
        ship(&app, Some(&admin), &second, json!({ "carrier": "Parcelway", "tracking_number": "same-number-1" })).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "a tracking number another parcel has");
    assert_eq!(shipment(&app, &customer, &second).await["status"], "created", "the refused hand-over changed nothing");
    let (status, body) =
        ship(&app, Some(&admin), &second, json!({ "carrier": "Parcelway", "tracking_number": "OTHER-NUMBER-2" })).await;
    assert_eq!(status, StatusCode::OK, "the parcel can still be shipped with its own number: {body}");
});

on_every_backend!(bad_hand_overs_and_unsigned_updates_are_refused_and_change_nothing, |backend: Backend| async move {
    let (app, admin, customer, order_id, shipment_id) = shop_with_a_parcel(&backend).await;
    let good = json!({ "carrier": "Parcelway", "tracking_number": "PW-1234567" });
    let cases: Vec<(&str, Option<&str>, String, Value, StatusCode)> = vec![
        ("anonymous", None, shipment_id.clone(), good.clone(), StatusCode::UNAUTHORIZED),
        ("a customer", Some(&customer), shipment_id.clone(), good.clone(), StatusCode::FORBIDDEN),
        ("a malformed id", Some(&admin), "not-an-id".to_owned(), good.clone(), StatusCode::BAD_REQUEST),
        ("an unknown shipment", Some(&admin), Uuid::now_v7().to_string(), good.clone(), StatusCode::NOT_FOUND),
        (
            "no carrier",
            Some(&admin),
            shipment_id.clone(),
            json!({ "tracking_number": "PW-1234567" }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "an empty carrier",
            Some(&admin),
            shipment_id.clone(),
            json!({ "carrier": "  " }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "a short tracking number",
            Some(&admin),
            shipment_id.clone(),
            json!({ "carrier": "P", "tracking_number": "AB1" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "a tracking number with spaces",
            Some(&admin),
            shipment_id.clone(),
            json!({ "carrier": "P", "tracking_number": "AB 123456" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "an unknown field",
            Some(&admin),
            shipment_id.clone(),
            json!({ "carrier": "P", "label": "x" }),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (what, token, id, body, expected) in cases {
        let (status, answer) = ship(&app, token, &id, body).await;
        assert_problem(status, &answer, expected, what);
    }
    let (status, _) = ship(&app, Some(&admin), &shipment_id, good).await;
    assert_eq!(status, StatusCode::OK);

    let update =
        json!({ "event_id": "e-1", "tracking_number": "PW-1234567", "status": "in_transit", "location": "Leeds" });
    let body = update.to_string();
    let post = |timestamp: Option<String>, signature: Option<String>, body: String| {
        let app = &app;
        async move {
            let mut request = reqwest::Client::new().post(format!("{}/api/v1/webhooks/carrier", app.base)).body(body);
            if let Some(timestamp) = timestamp {
                request = request.header(shipping::TIMESTAMP_HEADER, timestamp);
            }
            if let Some(signature) = signature {
                request = request.header(shipping::SIGNATURE_HEADER, signature);
            }
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // Seconds pass while the cases run: the future one is far enough ahead to stay refused
    // (the 300 s boundary itself is the webhook's unit tests').
    let at = now();
    let signed = |secret: &str, at: i64, body: &str| Some(shipping::sign_carrier_update(secret, at, body.as_bytes()));
    let rejections = [
        ("no headers", None, None, body.clone(), StatusCode::UNAUTHORIZED),
        ("no signature", Some(at.to_string()), None, body.clone(), StatusCode::UNAUTHORIZED),
        (
            "a wrong secret",
            Some(at.to_string()),
            signed("some-other-secret", at, &body),
            body.clone(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a stale timestamp",
            Some((at - 301).to_string()),
            signed(NEW_SECRET, at - 301, &body),
            body.clone(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a future timestamp",
            Some((at + 600).to_string()),
            signed(NEW_SECRET, at + 600, &body),
            body.clone(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a signature of another body",
            Some(at.to_string()),
            signed(NEW_SECRET, at, "{}"),
            body.clone(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a signature of another moment",
            Some((at - 1).to_string()),
            signed(NEW_SECRET, at, &body),
            body.clone(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "garbage in the signature",
            Some(at.to_string()),
            Some("v1=zz".to_owned()),
            body.clone(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "malformed JSON, signed",
            Some(at.to_string()),
            signed(NEW_SECRET, at, "{nope"),
            "{nope".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (what, timestamp, signature, body, expected) in rejections {
        let (status, answer) = post(timestamp, signature, body).await;
        assert_problem(status, &answer, expected, what);
    }
    for (what, update) in [
        ("an unknown status", json!({ "event_id": "e-9", "tracking_number": "PW-1234567", "status": "lost" })),
        ("no event id", json!({ "tracking_number": "PW-1234567", "status": "delivered" })),
    ] {
        let (status, answer) = carrier_says(&app, NEW_SECRET, now(), &update).await;
        assert_problem(status, &answer, StatusCode::BAD_REQUEST, what);
    }
    let (status, answer) = carrier_says(
        &app,
        NEW_SECRET,
        now(),
        &json!({ "event_id": "", "tracking_number": "PW-1234567", "status": "delivered" }),
    )
    .await;
    assert_problem(status, &answer, StatusCode::UNPROCESSABLE_ENTITY, "an empty event id");
    assert_eq!(
        shipment_events(&app, &order_id).await,
        ["ShipmentCreated", "ShipmentShipped"],
        "no refused update moved the parcel"
    );

    // The same update, properly signed, still applies: none of the refusals spent its id.
    let (status, ack) = carrier_says(&app, OLD_SECRET, now(), &update).await;
    assert_eq!((status, ack["applied"].as_bool()), (StatusCode::OK, Some(true)), "{ack}");
});

on_every_backend!(an_admin_lists_shipments_by_status_newest_first, |backend: Backend| async move {
    let (app, admin, customer, first_order, first) = shop_with_a_parcel(&backend).await;
    let product = app.create_product(&admin, 10, 1_500).await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (_, order) = app.place_order(&customer, &[(product, 1)], card, "US").await;
    let second_order = order["id"].as_str().unwrap().to_owned();
    let second = app.settled_order(&customer, &second_order).await["shipment_id"].as_str().unwrap().to_owned();
    let (status, _) = ship(&app, Some(&admin), &first, json!({ "carrier": "Parcelway" })).await;
    assert_eq!(status, StatusCode::OK);

    let ids = |page: &Value| {
        page["items"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    let (status, all) = app.get("/api/v1/shipments", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(ids(&all), [second.clone(), first.clone()], "newest order first");
    let (_, waiting) = app.get("/api/v1/shipments?status=created", Some(&admin)).await;
    assert_eq!(ids(&waiting), [second.as_str()]);
    let (_, shipped) = app.get("/api/v1/shipments?status=shipped", Some(&admin)).await;
    assert_eq!(ids(&shipped), [first.as_str()]);
    let (_, page_one) = app.get("/api/v1/shipments?limit=1", Some(&admin)).await;
    assert_eq!(ids(&page_one), [second.as_str()]);
    let cursor = page_one["next_cursor"].as_str().unwrap();
    assert_eq!(cursor, second_order, "pages follow the orders");
    let (_, page_two) = app.get(&format!("/api/v1/shipments?limit=1&cursor={cursor}"), Some(&admin)).await;
    assert_eq!((ids(&page_two), page_two["next_cursor"].clone()), (vec![first.clone()], Value::Null));
    assert_ne!(first_order, second_order);

    for (what, token, query, expected) in [
        ("a customer", Some(customer.as_str()), "", StatusCode::FORBIDDEN),
        ("anonymous", None, "", StatusCode::UNAUTHORIZED),
        ("an unknown status", Some(admin.as_str()), "?status=lost", StatusCode::BAD_REQUEST),
        ("a bad cursor", Some(admin.as_str()), "?cursor=nope", StatusCode::BAD_REQUEST),
        ("a zero limit", Some(admin.as_str()), "?limit=0", StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = app.get(&format!("/api/v1/shipments{query}"), token).await;
        assert_problem(status, &body, expected, what);
    }
});

on_every_backend!(
    the_simulated_carrier_moves_a_parcel_with_the_secret_kept_in_the_data_folder,
    |backend: Backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (admin, customer, _, shipment_id) = a_parcel(&app).await;
        let (_, shipped) = ship(&app, Some(&admin), &shipment_id, json!({ "carrier": "Parcelway" })).await;
        let tracking = shipped["tracking_number"].as_str().unwrap();
        let said = app
            .cli(EMPORIUM, &["carrier", tracking, "in-transit", "--location", "Leeds hub", "--api", &app.base])
            .await;
        assert!(said.contains("\"applied\":true"), "{said}");
        app.cli(EMPORIUM, &["carrier", tracking, "delivered", "--api", &app.base]).await;
        let seen = shipment(&app, &customer, &shipment_id).await;
        assert_eq!(statuses(&seen), ["created", "shipped", "in_transit", "delivered"]);
        assert_eq!(seen["journey"][2]["location"], "Leeds hub");
    }
);

on_every_backend!(stock_leaves_with_the_parcel_and_only_then, |backend: Backend| async move {
    let (app, admin, customer, order_id, shipment_id) = shop_with_a_parcel(&backend).await;
    let (_, order) = app.get(&format!("/api/v1/orders/{order_id}"), Some(&customer)).await;
    let product = order["lines"][0]["product_id"].as_str().unwrap().to_owned();
    let level = || async {
        let (status, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
        assert_eq!(status, StatusCode::OK, "{level}");
        (level["on_hand"].as_i64().unwrap(), level["reserved"].as_i64().unwrap(), level["available"].as_i64().unwrap())
    };
    assert_eq!(level().await, (10, 1, 9), "a completed order holds its unit until the parcel leaves");
    app.assert_invariants().await;

    let (_, shipped) = ship(&app, Some(&admin), &shipment_id, json!({ "carrier": "Parcelway" })).await;
    app.eventually("the held unit leaves with the parcel", || async { (level().await == (9, 0, 9)).then_some(()) })
        .await;
    app.assert_invariants().await;

    let tracking = shipped["tracking_number"].as_str().unwrap();
    let delivered = json!({ "event_id": "d-1", "tracking_number": tracking, "status": "delivered" });
    assert_eq!(carrier_says(&app, NEW_SECRET, now(), &delivered).await.0, StatusCode::OK);
    app.eventually("the order is delivered", || async {
        let (_, order) = app.get(&format!("/api/v1/orders/{order_id}"), Some(&customer)).await;
        (order["status"] == "delivered").then_some(())
    })
    .await;
    assert_eq!(level().await, (9, 0, 9), "delivery moves no stock");
    app.assert_invariants().await;
    let events = app.event_types("inventory", &format!("reservation-{order_id}")).await;
    assert_eq!(events, ["InventoryReserved", "ReservationShipped"]);

    // The product's history tells all of it, newest first, with who adjusted and why.
    let adjust = format!("/api/v1/inventory/{product}/adjustments");
    let (status, _) = app
        .post(&adjust, Some(&admin), json!({ "delta": -2, "reason": "damage", "note": "dropped in the warehouse" }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, history) = app.get(&format!("/api/v1/inventory/{product}/history"), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let moves: Vec<(&str, i64, i64, i64)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap(),
                m["on_hand_change"].as_i64().unwrap(),
                m["reserved_change"].as_i64().unwrap(),
                m["on_hand"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(moves, [("adjusted", -2, 0, 7), ("shipped", -1, -1, 9), ("reserved", 0, 1, 10), ("opened", 10, 0, 10)]);
    let adjusted = &history["items"][0];
    assert_eq!(
        (adjusted["reason"].as_str(), adjusted["note"].as_str()),
        (Some("damage"), Some("dropped in the warehouse"))
    );
    assert!(adjusted["actor"].is_string() && history["items"][1]["order_id"] == order_id.as_str(), "{history}");
    let (_, first_page) = app.get(&format!("/api/v1/inventory/{product}/history?limit=3"), Some(&admin)).await;
    let cursor = first_page["next_cursor"].as_str().unwrap();
    let (_, rest) =
        app.get(&format!("/api/v1/inventory/{product}/history?limit=3&cursor={cursor}"), Some(&admin)).await;
    assert_eq!((rest["items"][0]["kind"].as_str(), rest["next_cursor"].clone()), (Some("opened"), Value::Null));
    for (what, token, path, expected) in [
        ("a customer", Some(customer.as_str()), format!("/api/v1/inventory/{product}/history"), StatusCode::FORBIDDEN),
        (
            "an unknown product",
            Some(admin.as_str()),
            format!("/api/v1/inventory/{}/history", Uuid::now_v7()),
            StatusCode::NOT_FOUND,
        ),
        (
            "a bad cursor",
            Some(admin.as_str()),
            format!("/api/v1/inventory/{product}/history?cursor=x"),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, body) = app.get(&path, token).await;
        assert_problem(status, &body, expected, what);
    }
});
