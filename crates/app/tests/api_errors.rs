//! Bad input on every endpoint: a 4xx problem document with a clear message, and nothing
//! changed. Also who may see what.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, on_every_backend};

on_every_backend!(malformed_json_is_a_400_problem_everywhere, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    let product = app.create_product(&admin, 1, 100).await;
    let adjust = format!("/api/v1/inventory/{product}/adjustments");
    for (path, token) in [
        ("/api/v1/auth/register", None),
        ("/api/v1/auth/login", None),
        ("/api/v1/products", Some(&admin)),
        ("/api/v1/categories", Some(&admin)),
        (adjust.as_str(), Some(&admin)),
        ("/api/v1/payment-methods", Some(&customer)),
        ("/api/v1/orders", Some(&customer)),
        ("/api/v1/shipping/quotes", None),
    ] {
        let (status, content_type, body) = app.raw(Method::POST, path, token.map(String::as_str), "{\"oops\": ").await;
        assert_problem(status, &body, StatusCode::BAD_REQUEST, path);
        assert_eq!(content_type, "application/problem+json", "{path}");
    }
});

on_every_backend!(missing_wrong_and_insufficient_credentials, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let customer = app.new_customer().await;
    let some_id = uuid::Uuid::now_v7();
    for path in ["/api/v1/orders", "/api/v1/me", "/api/v1/payment-methods", &format!("/api/v1/payments/{some_id}")] {
        let (status, body) = app.get(path, None).await;
        assert_problem(status, &body, StatusCode::UNAUTHORIZED, path);
        let (status, body) = app.get(path, Some("not-a-token")).await;
        assert_problem(status, &body, StatusCode::UNAUTHORIZED, path);
    }
    let admin_only: [(Method, String, Value); 5] = [
        (Method::POST, "/api/v1/products".into(), json!({})),
        (Method::POST, "/api/v1/categories".into(), json!({ "name": "X", "slug": "x" })),
        (Method::GET, format!("/api/v1/inventory/{some_id}"), Value::Null),
        (Method::POST, format!("/api/v1/inventory/{some_id}/adjustments"), json!({ "delta": 1, "reason": "restock" })),
        (Method::GET, format!("/api/v1/orders/{some_id}/saga"), Value::Null),
    ];
    for (method, path, body) in admin_only {
        let body = (!body.is_null()).then_some(body);
        let (status, body) = app.request(method, &path, Some(&customer), body).await;
        assert_problem(status, &body, StatusCode::FORBIDDEN, &path);
    }
});

on_every_backend!(invalid_orders_are_refused_and_place_nothing, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1000).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;

    for quantity in [0, -1, 101] {
        let (status, body) = app.place_order(&customer, &[(product, quantity)], card, "US").await;
        assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "bad quantity");
        assert_eq!(body["errors"][0]["field"], "lines[0].quantity");
    }
    let (status, body) = app.place_order(&customer, &[(uuid::Uuid::now_v7(), 1)], card, "US").await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "unknown product");
    assert_eq!(body["errors"][0]["message"], "no such product");
    let (status, body) = app.place_order(&customer, &[], card, "US").await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "no lines");
    let (status, body) = app.place_order(&customer, &[(product, 1)], card, "USA").await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "bad country");
    let (status, body) = app.post("/api/v1/orders", Some(&customer), json!({ "lines": [] })).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "missing fields");
    let (status, body) = app
        .post(
            "/api/v1/orders",
            Some(&customer),
            json!({ "lines": [{ "product_id": product, "quantity": 1, "price": 1 }],
            "payment_method_id": card, "shipping_address": {} }),
        )
        .await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "a client-sent price is not accepted");

    let (_, orders) = app.get("/api/v1/orders", Some(&customer)).await;
    assert_eq!(orders["items"], json!([]), "nothing was placed");
    let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
    assert_eq!(level["reserved"], 0);
});

on_every_backend!(a_shop_limits_the_units_of_one_product_per_order, |backend: Backend| async move {
    let app = TestApp::spawn_with(&backend, |settings| settings.max_units_per_product = 3).await;
    let admin = app.admin_token().await;
    let (scarce, other) = (app.create_product(&admin, 50, 1000).await, app.create_product(&admin, 50, 500).await);
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;

    let (status, body) = app.place_order(&customer, &[(other, 1), (scarce, 4)], card, "US").await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "four units where three is the limit");
    assert_eq!(
        (body["errors"][0]["field"].as_str(), body["errors"][0]["message"].as_str()),
        (Some("lines[1].quantity"), Some("must be 1 to 3"))
    );
    let (status, body) = app
        .post(
            "/api/v1/orders",
            Some(&customer),
            json!({ "lines": [{ "product_id": scarce, "quantity": 2 }, { "product_id": scarce, "quantity": 2 }],
                    "payment_method_id": card, "shipping_address": { "name": "T", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US" } }),
        )
        .await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "the limit split over two lines");
    let (_, orders) = app.get("/api/v1/orders", Some(&customer)).await;
    assert_eq!(orders["items"], json!([]), "nothing was placed");

    let (status, body) = app.place_order(&customer, &[(scarce, 3), (other, 3)], card, "US").await;
    assert_eq!(status, StatusCode::ACCEPTED, "up to the limit of each product is fine: {body}");
});

on_every_backend!(customers_see_only_their_own_orders_payments_and_shipments, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1000).await;
    let alice = app.new_customer().await;
    let bob = app.new_customer().await;
    let card = app.add_card(&alice, "4242424242424242").await;
    let (_, placed) = app.place_order(&alice, &[(product, 1)], card, "US").await;
    let order = app.settled_order(&alice, placed["id"].as_str().unwrap()).await;
    let order_id = order["id"].as_str().unwrap();

    for path in [
        format!("/api/v1/orders/{order_id}"),
        format!("/api/v1/payments/{}", order["payment_id"].as_str().unwrap()),
        format!("/api/v1/shipments/{}", order["shipment_id"].as_str().unwrap()),
    ] {
        // Each context's read model follows its own events: the shipment may show a moment
        // after the order completes.
        app.eventually(&format!("an admin sees {path}"), || async {
            let (status, _) = app.get(&path, Some(&admin)).await;
            (status == StatusCode::OK).then_some(())
        })
        .await;
        let (status, body) = app.get(&path, Some(&bob)).await;
        assert_problem(status, &body, StatusCode::NOT_FOUND, &path);
    }
    let (_, bobs) = app.get("/api/v1/orders", Some(&bob)).await;
    assert_eq!(bobs["items"], json!([]));
    let (_, methods) = app.get("/api/v1/payment-methods", Some(&bob)).await;
    assert_eq!(methods["items"], json!([]), "cards are private too");
    // Bob cannot pay with Alice's card: the payment fails and the order is cancelled.
    let (_, placed) = app.place_order(&bob, &[(product, 1)], card, "US").await;
    let order = app.settled_order(&bob, placed["id"].as_str().unwrap()).await;
    assert_eq!(order["cancellation"]["code"], "payment_method_invalid");
});

on_every_backend!(catalog_inventory_payment_and_shipping_inputs_are_validated, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    let product = app.create_product(&admin, 2, 1000).await;

    let (status, body) = app
        .post("/api/v1/products", Some(&admin), json!({ "sku": "bad sku", "name": "", "price": { "amount_minor": -5, "currency": "usd" }, "weight_grams": 0 }))
        .await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "bad product");
    assert!(body["errors"].as_array().unwrap().len() >= 4, "{body}");
    let (_, list) = app.get("/api/v1/products", None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "no product was added");
    let (_, existing) = app.get(&format!("/api/v1/products/{product}"), None).await;
    let (status, body) = app
        .post("/api/v1/products", Some(&admin), json!({ "sku": existing["sku"], "name": "Copy", "price": { "amount_minor": 5, "currency": "USD" }, "weight_grams": 1 }))
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "duplicate SKU");

    let (status, body) = app.get("/api/v1/products/not-a-uuid", None).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "bad id");
    assert_eq!(body["detail"], "id `not-a-uuid` is not a valid id");
    let (status, body) = app.get(&format!("/api/v1/products/{}", uuid::Uuid::now_v7()), None).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "unknown product");
    let (status, body) = app.get("/api/v1/products?limit=0", None).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "limit 0");
    let (status, body) = app.get("/api/v1/products?cursor=xyz", None).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "bad cursor");
    let (status, first) = app.get("/api/v1/products?cursor=&limit=1", None).await;
    let (_, expected) = app.get("/api/v1/products?limit=1", None).await;
    assert_eq!((status, first), (StatusCode::OK, expected), "an empty cursor is the first page");

    let adjust = format!("/api/v1/inventory/{product}/adjustments");
    let (status, body) = app.post(&adjust, Some(&admin), json!({ "delta": 0, "reason": "restock" })).await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "zero delta");
    let (status, body) = app.post(&adjust, Some(&admin), json!({ "delta": 1, "reason": "typo" })).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "a reason that is not one of the five");
    let long_note = "n".repeat(201);
    let (status, body) =
        app.post(&adjust, Some(&admin), json!({ "delta": 1, "reason": "count", "note": long_note })).await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "a long note");
    let (status, body) = app.post(&adjust, Some(&admin), json!({ "delta": -3, "reason": "shrinkage" })).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "below zero");
    // The extremes of a 64-bit delta are refused like any other out-of-range count (the
    // smallest one has no positive counterpart; found by schemathesis).
    for delta in [i64::MIN, i64::MIN + 1, i64::MAX] {
        let (status, body) = app.post(&adjust, Some(&admin), json!({ "delta": delta, "reason": "correction" })).await;
        assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, &format!("delta {delta}"));
    }
    let (status, level) = app.post(&adjust, Some(&admin), json!({ "delta": 8, "reason": "restock" })).await;
    assert_eq!((status, level["on_hand"].as_i64()), (StatusCode::OK, Some(10)), "{level}");
    let unknown = format!("/api/v1/inventory/{}/adjustments", uuid::Uuid::now_v7());
    let (status, body) = app.post(&unknown, Some(&admin), json!({ "delta": 1, "reason": "restock" })).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "unknown stock item");

    // Setting units aside: 10 on hand, none held.
    let aside = format!("/api/v1/inventory/{product}/unavailable");
    for (what, body, expected) in [
        ("zero units", json!({ "delta": 0 }), StatusCode::UNPROCESSABLE_ENTITY),
        ("too many units", json!({ "delta": 1_000_001 }), StatusCode::UNPROCESSABLE_ENTITY),
        ("the smallest delta", json!({ "delta": i64::MIN }), StatusCode::UNPROCESSABLE_ENTITY),
        ("a long note", json!({ "delta": 1, "note": "n".repeat(201) }), StatusCode::UNPROCESSABLE_ENTITY),
        ("a control character", json!({ "delta": 1, "note": "a\u{0007}b" }), StatusCode::UNPROCESSABLE_ENTITY),
        ("a fraction", json!({ "delta": 1.5 }), StatusCode::BAD_REQUEST),
        ("an unknown field", json!({ "delta": 1, "reason": "damage" }), StatusCode::BAD_REQUEST),
        ("more than can be promised", json!({ "delta": 11 }), StatusCode::CONFLICT),
        ("more put back than set aside", json!({ "delta": -1 }), StatusCode::CONFLICT),
    ] {
        let (status, problem) = app.post(&aside, Some(&admin), body).await;
        assert_problem(status, &problem, expected, what);
    }
    let unknown = format!("/api/v1/inventory/{}/unavailable", uuid::Uuid::now_v7());
    let (status, body) = app.post(&unknown, Some(&admin), json!({ "delta": 1 })).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "unknown stock item");
    let (status, body) = app.post(&aside, Some(&customer), json!({ "delta": 1 })).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "a customer");
    let (status, body) = app.post(&aside, None, json!({ "delta": 1 })).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "no one");
    let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
    assert_eq!(
        (level["on_hand"].as_i64(), level["unavailable"].as_i64(), level["available"].as_i64()),
        (Some(10), Some(0), Some(10)),
        "nothing refused changed the stock: {level}"
    );

    let card = |number: &str, month: i64, year: i64, cvc: &str| json!({ "card_number": number, "exp_month": month, "exp_year": year, "cvc": cvc, "holder_name": "A" });
    for (body, field) in [
        (card("4242424242424241", 12, 2035, "123"), "card_number"),
        (card("4242424242424242", 13, 2035, "123"), "exp_month"),
        (card("4242424242424242", 1, 2020, "123"), "exp_year"),
        (card("4242424242424242", 12, 2035, "12a"), "cvc"),
    ] {
        let (status, problem) = app.post("/api/v1/payment-methods", Some(&customer), body).await;
        assert_problem(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, field);
        assert_eq!(problem["errors"][0]["field"], field);
    }
    let (_, methods) = app.get("/api/v1/payment-methods", Some(&customer)).await;
    assert_eq!(methods["items"], json!([]), "no card was saved");

    let app = &app;
    let quote = |country: &str, lines: Value| {
        let body = json!({ "country": country, "lines": lines });
        async move { app.post("/api/v1/shipping/quotes", None, body).await }
    };
    let one = json!([{ "product_id": product, "quantity": 1 }]);
    for (what, country, lines, expected, field) in [
        ("a bad country", "Narnia", one.clone(), StatusCode::UNPROCESSABLE_ENTITY, "country"),
        ("no lines", "US", json!([]), StatusCode::UNPROCESSABLE_ENTITY, "lines"),
        (
            "a zero quantity",
            "US",
            json!([{ "product_id": product, "quantity": 0 }]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].quantity",
        ),
        (
            "an unknown product",
            "US",
            json!([{ "product_id": uuid::Uuid::now_v7(), "quantity": 1 }]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].product_id",
        ),
    ] {
        let (status, body) = quote(country, lines).await;
        assert_problem(status, &body, expected, what);
        assert_eq!(body["errors"][0]["field"], field, "{what}: {body}");
    }
    for (what, body) in [
        ("a weight instead of lines", json!({ "country": "US", "weight_grams": 10 })),
        ("a quantity as text", json!({ "country": "US", "lines": [{ "product_id": product, "quantity": "one" }] })),
    ] {
        let (status, answer) = app.post("/api/v1/shipping/quotes", None, body).await;
        assert_problem(status, &answer, StatusCode::BAD_REQUEST, what);
    }
    let (status, body) = quote("AQ", one.clone()).await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "no zone");
    assert_eq!(body["code"], "shipping_unavailable");
    let (status, options) = quote("de", one).await;
    assert_eq!((status, &options["options"][0]["zone"]), (StatusCode::OK, &json!("europe")), "{options}");

    let (status, body) = app.get("/api/v1/nowhere", None).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "unknown route");
});
