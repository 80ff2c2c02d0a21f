//! Idempotency keys with Stripe's semantics on every POST that creates or moves money or
//! goods: the first answer (an error too) is kept and given again, a key reused for another
//! request is refused, keys are each user's own, and they outlive a crash.

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, on_every_backend};
use uuid::Uuid;

/// One keyed POST's answer: status, whether it was a replay, and its body.
struct Answer {
    status: StatusCode,
    replayed: bool,
    body: Value,
}

async fn keyed(app: &TestApp, path: &str, token: &str, key: &str, body: &Value) -> Answer {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .expect("the server answers");
    let status = response.status();
    let replayed = response.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
    let body = response.json().await.unwrap_or(Value::Null);
    Answer { status, replayed, body }
}

fn order_body(product: Uuid, quantity: i64, card: Uuid) -> Value {
    json!({ "lines": [{ "product_id": product, "quantity": quantity }], "payment_method_id": card,
            "shipping_address": { "name": "Ada", "line1": "1 Main St", "city": "Springfield",
                                  "postal_code": "12345", "country": "US" } })
}

async fn orders_of(app: &TestApp, token: &str) -> usize {
    let (_, list) = app.get("/api/v1/orders?limit=100", Some(token)).await;
    list["items"].as_array().map_or(0, Vec::len)
}

on_every_backend!(a_retried_order_gets_its_first_answer_and_places_nothing_more, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 10, 1500).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let body = order_body(product, 1, card);

    let first = keyed(&app, "/api/v1/orders", &customer, "checkout-1", &body).await;
    assert_eq!((first.status, first.replayed), (StatusCode::ACCEPTED, false), "{}", first.body);
    let again = keyed(&app, "/api/v1/orders", &customer, "checkout-1", &body).await;
    assert_eq!((again.status, again.replayed), (StatusCode::ACCEPTED, true), "{}", again.body);
    assert_eq!(again.body, first.body, "the first answer, word for word");
    assert_eq!(orders_of(&app, &customer).await, 1);

    // The same key for another request is refused, and nothing runs.
    let other = keyed(&app, "/api/v1/orders", &customer, "checkout-1", &order_body(product, 2, card)).await;
    assert_problem(other.status, &other.body, StatusCode::UNPROCESSABLE_ENTITY, "a key reused for another order");
    assert_eq!(other.body["code"], "idempotency_key_reused", "{}", other.body);
    assert_eq!(orders_of(&app, &customer).await, 1);

    // A key is its user's own: another customer's "checkout-1" is another order.
    let someone = app.new_customer().await;
    let their_card = app.add_card(&someone, "4242424242424242").await;
    let theirs = keyed(&app, "/api/v1/orders", &someone, "checkout-1", &order_body(product, 1, their_card)).await;
    assert_eq!((theirs.status, theirs.replayed), (StatusCode::ACCEPTED, false), "{}", theirs.body);
    assert_ne!(theirs.body["id"], first.body["id"]);

    // An error is an answer too: kept and given again, and the key stays spent on it.
    let unknown = order_body(Uuid::now_v7(), 1, card);
    let refused = keyed(&app, "/api/v1/orders", &customer, "checkout-2", &unknown).await;
    assert_eq!((refused.status, refused.replayed), (StatusCode::UNPROCESSABLE_ENTITY, false), "{}", refused.body);
    let refused_again = keyed(&app, "/api/v1/orders", &customer, "checkout-2", &unknown).await;
    assert_eq!((refused_again.status, refused_again.replayed), (StatusCode::UNPROCESSABLE_ENTITY, true));
    assert_eq!(refused_again.body, refused.body);
    let mended = keyed(&app, "/api/v1/orders", &customer, "checkout-2", &body).await;
    assert_eq!(mended.body["code"], "idempotency_key_reused", "a new request needs a new key: {}", mended.body);

    // Keys the API does not take are refused before anything runs.
    for bad in ["k".repeat(256), "has space".to_owned()] {
        let response = keyed(&app, "/api/v1/orders", &customer, &bad, &body).await;
        assert_problem(response.status, &response.body, StatusCode::BAD_REQUEST, "a bad key");
    }
    let longest = keyed(&app, "/api/v1/orders", &customer, &"k".repeat(255), &body).await;
    assert_eq!(longest.status, StatusCode::ACCEPTED, "{}", longest.body);
    assert_eq!(orders_of(&app, &customer).await, 2);

    // The kept answers outlive a crash.
    let app = app.crash_and_restart().await;
    let after = keyed(&app, "/api/v1/orders", &customer, "checkout-1", &body).await;
    assert_eq!((after.status, after.replayed), (StatusCode::ACCEPTED, true));
    assert_eq!(after.body["id"], first.body["id"]);
    assert_eq!(orders_of(&app, &customer).await, 2);
    for id in [&first.body["id"], &longest.body["id"]] {
        app.settled_order(&customer, id.as_str().unwrap()).await;
    }
    app.assert_invariants().await;
});

on_every_backend!(cards_cancellations_and_stock_moves_happen_once_per_key, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 10, 1500).await;
    let customer = app.new_customer().await;

    // A card saved once, however often the request is sent.
    let card = json!({ "card_number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123",
                       "holder_name": "Ada" });
    let saved = keyed(&app, "/api/v1/payment-methods", &customer, "card-1", &card).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let again = keyed(&app, "/api/v1/payment-methods", &customer, "card-1", &card).await;
    assert_eq!((again.status, again.replayed, &again.body), (StatusCode::CREATED, true, &saved.body));
    let (_, cards) = app.get("/api/v1/payment-methods", Some(&customer)).await;
    assert_eq!(cards["items"].as_array().map(Vec::len), Some(1), "{cards}");

    // A restock counted once.
    let restock = json!({ "delta": 5, "reason": "restock" });
    let adjustments = format!("/api/v1/inventory/{product}/adjustments");
    let first = keyed(&app, &adjustments, &admin, "restock-1", &restock).await;
    assert_eq!((first.status, &first.body["on_hand"]), (StatusCode::OK, &json!(15)), "{}", first.body);
    let repeated = keyed(&app, &adjustments, &admin, "restock-1", &restock).await;
    assert!(repeated.replayed);
    let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
    assert_eq!(level["on_hand"], 15, "one restock: {level}");
    let set_aside =
        keyed(&app, &format!("/api/v1/inventory/{product}/unavailable"), &admin, "damaged-1", &json!({ "delta": 2 }))
            .await;
    let set_aside_again =
        keyed(&app, &format!("/api/v1/inventory/{product}/unavailable"), &admin, "damaged-1", &json!({ "delta": 2 }))
            .await;
    assert_eq!((set_aside.status, set_aside_again.replayed), (StatusCode::OK, true), "{}", set_aside.body);
    let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
    assert_eq!((&level["unavailable"], &level["available"]), (&json!(2), &json!(13)), "{level}");

    // An order handed over once, and cancelled once: the repeat gets the first answer, not
    // "already shipped" or "already cancelling".
    let card_id: Uuid = saved.body["id"].as_str().unwrap().parse().unwrap();
    let (_, placed) = app.place_order(&customer, &[(product, 1)], card_id, "US").await;
    let shipped_order = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;
    let shipment = shipped_order["shipment_id"].as_str().unwrap().to_owned();
    let hand_over = json!({ "carrier": "Post" });
    let ship = format!("/api/v1/shipments/{shipment}/ship");
    let shipped = keyed(&app, &ship, &admin, "ship-1", &hand_over).await;
    let shipped_again = keyed(&app, &ship, &admin, "ship-1", &hand_over).await;
    assert_eq!((shipped.status, shipped_again.status, shipped_again.replayed), (StatusCode::OK, StatusCode::OK, true));
    assert_eq!(shipped_again.body["tracking_number"], shipped.body["tracking_number"], "one tracking number");

    let (_, placed) = app.place_order(&customer, &[(product, 1)], card_id, "US").await;
    let order = placed["id"].as_str().unwrap().to_owned();
    app.settled_order(&customer, &order).await;
    let cancel = format!("/api/v1/orders/{order}/cancel");
    let reason = json!({ "reason": "changed my mind" });
    let cancelled = keyed(&app, &cancel, &customer, "cancel-1", &reason).await;
    let cancelled_again = keyed(&app, &cancel, &customer, "cancel-1", &reason).await;
    assert_eq!(
        (cancelled.status, cancelled_again.status),
        (StatusCode::ACCEPTED, StatusCode::ACCEPTED),
        "{}",
        cancelled.body
    );
    assert!(cancelled_again.replayed);
    app.eventually("the order is cancelled", || async {
        let (_, order) = app.get(&format!("/api/v1/orders/{order}"), Some(&customer)).await;
        (order["status"] == "cancelled").then_some(())
    })
    .await;
    app.assert_invariants().await;
});

on_every_backend!(a_key_in_use_waits_and_an_old_or_abandoned_one_is_free_again, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 20, 1500).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let customer_id = app.get("/api/v1/me", Some(&customer)).await.1["id"].as_str().unwrap().to_owned();
    let orders = app.platform().database("orders").expect("orders database").clone();
    let body = order_body(product, 1, card);
    // A claim on `key` as an earlier request of the same body left it, `age` ago.
    let claim = |key: &'static str, age: chrono::Duration, answered: bool| {
        let orders = orders.clone();
        let customer_id = customer_id.clone();
        let fingerprint =
            kernel::idempotency::fingerprint("POST", "/api/v1/orders", &serde_json::to_vec(&body).unwrap());
        async move {
            let created = kernel::time::format(chrono::Utc::now() - age);
            let mut tx = orders.begin().await.expect("a transaction");
            sqlx::query(
                "insert into idempotency_keys (user_id, idempotency_key, fingerprint, created_at, status, content_type, body) \
                 values ($1, $2, $3, $4, $5, 'application/json', '{\"kept\":true}')",
            )
            .bind(customer_id)
            .bind(key)
            .bind(fingerprint)
            .bind(created)
            .bind(answered.then_some(201))
            .execute(&mut *tx)
            .await
            .expect("a claim is written");
            tx.commit().await.expect("the claim is kept");
        }
    };

    // Being handled right now: 409, and nothing runs.
    claim("busy", chrono::Duration::seconds(1), false).await;
    let busy = keyed(&app, "/api/v1/orders", &customer, "busy", &body).await;
    assert_problem(busy.status, &busy.body, StatusCode::CONFLICT, "a key still being handled");
    assert_eq!(orders_of(&app, &customer).await, 0);
    // Claimed by a process that died two minutes ago: the key is free again.
    claim("abandoned", chrono::Duration::minutes(2), false).await;
    let taken_over = keyed(&app, "/api/v1/orders", &customer, "abandoned", &body).await;
    assert_eq!((taken_over.status, taken_over.replayed), (StatusCode::ACCEPTED, false), "{}", taken_over.body);
    // Answered 23 hours ago: still kept. Answered 25 hours ago: forgotten.
    claim("yesterday", chrono::Duration::hours(23), true).await;
    let kept = keyed(&app, "/api/v1/orders", &customer, "yesterday", &body).await;
    assert_eq!((kept.status, kept.replayed, &kept.body), (StatusCode::CREATED, true, &json!({ "kept": true })));
    claim("day-before", chrono::Duration::hours(25), true).await;
    let fresh = keyed(&app, "/api/v1/orders", &customer, "day-before", &body).await;
    assert_eq!((fresh.status, fresh.replayed), (StatusCode::ACCEPTED, false), "{}", fresh.body);
    assert_eq!(orders_of(&app, &customer).await, 2);

    // Sent five times at once: one order; every other answer is its replay or a 409.
    let same = order_body(product, 2, card);
    let racing =
        futures::future::join_all((0..5).map(|_| keyed(&app, "/api/v1/orders", &customer, "race", &same))).await;
    let ran: Vec<&Answer> = racing.iter().filter(|a| a.status == StatusCode::ACCEPTED && !a.replayed).collect();
    assert_eq!(ran.len(), 1, "{:?}", racing.iter().map(|a| (a.status, a.replayed)).collect::<Vec<_>>());
    for answer in &racing {
        assert!(
            answer.status == StatusCode::CONFLICT || answer.body["id"] == ran[0].body["id"],
            "{}: {}",
            answer.status,
            answer.body
        );
    }
    assert_eq!(orders_of(&app, &customer).await, 3);
    for id in [&taken_over.body["id"], &fresh.body["id"], &ran[0].body["id"]] {
        app.settled_order(&customer, id.as_str().unwrap()).await;
    }
    app.assert_invariants().await;
});

on_every_backend!(graphql_mutations_answer_a_keyed_request_once, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 10, 1500).await;
    let adjust = "mutation($id: UUID!, $delta: Int!, $key: String) { adjustStock(productId: $id, \
                  input: { delta: $delta, reason: RESTOCK }, idempotencyKey: $key) { onHand } }";
    let restock = json!({ "id": product, "delta": 5, "key": "restock-1" });
    let first = app.graphql(Some(&admin), adjust, restock.clone()).await;
    assert_eq!(first["data"]["adjustStock"]["onHand"], 15, "{first}");
    let again = app.graphql(Some(&admin), adjust, restock).await;
    assert_eq!(again, first, "the first answer, and no second restock");
    let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
    assert_eq!(level["on_hand"], 15, "{level}");

    // The same key for another request is refused, and nothing runs.
    let other = app.graphql(Some(&admin), adjust, json!({ "id": product, "delta": 6, "key": "restock-1" })).await;
    assert_eq!(other["errors"][0]["extensions"]["code"], "REJECTED", "{other}");
    assert_eq!(other["errors"][0]["extensions"]["reason"], "idempotency_key_reused", "{other}");

    // A refusal is an answer too: given again even once the request would now succeed.
    let too_many = json!({ "id": product, "delta": -20, "key": "write-off-1" });
    let refused = app.graphql(Some(&admin), adjust, too_many.clone()).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "CONFLICT", "{refused}");
    app.graphql(Some(&admin), adjust, json!({ "id": product, "delta": 10, "key": null })).await;
    let replayed = app.graphql(Some(&admin), adjust, too_many).await;
    assert_eq!(replayed["errors"], refused["errors"], "the first refusal, word for word");
    let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
    assert_eq!(level["on_hand"], 25, "{level}");

    // A customer's saved card and cancellation, keyed, happen once too.
    let customer = app.new_customer().await;
    let add = "mutation($key: String) { addPaymentMethod(idempotencyKey: $key, input: { cardNumber: \"4242424242424242\", \
               expMonth: 12, expYear: 2035, cvc: \"123\", holderName: \"Ada\" }) { id last4 } }";
    let card = app.graphql(Some(&customer), add, json!({ "key": "card-1" })).await;
    assert_eq!(app.graphql(Some(&customer), add, json!({ "key": "card-1" })).await, card);
    let (_, cards) = app.get("/api/v1/payment-methods", Some(&customer)).await;
    assert_eq!(cards["items"].as_array().map(Vec::len), Some(1), "{cards}");
    let bad_key = app.graphql(Some(&customer), add, json!({ "key": "has space" })).await;
    assert_eq!(bad_key["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{bad_key}");

    // An order's key used again for a different order is refused, not answered with the first.
    let card_id = card["data"]["addPaymentMethod"]["id"].clone();
    let place =
        "mutation($input: PlaceOrderInput!, $key: String) { placeOrder(input: $input, idempotencyKey: $key) { id } }";
    let order = |quantity: i64| {
        json!({ "key": "checkout-gql", "input": { "lines": [{ "productId": product, "quantity": quantity }],
            "paymentMethodId": card_id, "shippingAddress": { "name": "Ada", "line1": "1 Main St",
            "city": "Springfield", "postalCode": "12345", "country": "US" } } })
    };
    let placed = app.graphql(Some(&customer), place, order(1)).await;
    assert!(placed["data"]["placeOrder"]["id"].is_string(), "{placed}");
    assert_eq!(app.graphql(Some(&customer), place, order(1)).await, placed, "the same order again");
    let other = app.graphql(Some(&customer), place, order(2)).await;
    assert_eq!(other["errors"][0]["extensions"]["reason"], "idempotency_key_reused", "{other}");
    assert_eq!(orders_of(&app, &customer).await, 1);
    app.settled_order(&customer, placed["data"]["placeOrder"]["id"].as_str().unwrap()).await;
    app.assert_invariants().await;
});
