//! Shipping options at checkout, on both engines: a cart is quoted Standard and Express
//! with prices and estimates; the chosen one is in the order's total, charged by the
//! payment and booked by Shipping; Standard is free above the shop's threshold; a service
//! a zone cannot give is refused before anything is recorded; an address no zone covers
//! still ends in the saga's `shipping_unavailable`.

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, on_every_backend};
use uuid::Uuid;

async fn quote(app: &TestApp, country: &str, lines: &[(Uuid, i64)]) -> (StatusCode, Value) {
    let lines: Vec<Value> = lines.iter().map(|(id, q)| json!({ "product_id": id, "quantity": q })).collect();
    app.post("/api/v1/shipping/quotes", None, json!({ "country": country, "lines": lines })).await
}

/// The option for `service` in a quote.
fn option<'a>(quote: &'a Value, service: &str) -> &'a Value {
    quote["options"].as_array().unwrap().iter().find(|o| o["service"] == service).unwrap()
}

async fn order_with(
    app: &TestApp,
    customer: &str,
    lines: &[(Uuid, i64)],
    card: Uuid,
    country: &str,
    service: &str,
) -> (StatusCode, Value) {
    let lines: Vec<Value> = lines.iter().map(|(id, q)| json!({ "product_id": id, "quantity": q })).collect();
    app.post(
        "/api/v1/orders",
        Some(customer),
        json!({ "lines": lines, "payment_method_id": card, "shipping_service": service,
                "shipping_address": { "name": "Test Customer", "line1": "1 Main St", "city": "Springfield",
                                      "postal_code": "12345", "country": country } }),
    )
    .await
}

on_every_backend!(express_is_quoted_charged_and_booked, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 20, 1_250).await; // 500 g each
    let (status, quoted) = quote(&app, "us", &[(product, 3)]).await;
    assert_eq!(status, StatusCode::OK, "{quoted}");
    assert_eq!((quoted["weight_grams"].as_i64(), &quoted["items_value"]["amount_minor"]), (Some(1_500), &json!(3_750)));
    let (standard, express) = (option(&quoted, "standard"), option(&quoted, "express"));
    assert_eq!((&standard["price"]["amount_minor"], &express["price"]["amount_minor"]), (&json!(800), &json!(2_200)));
    assert_eq!(
        (&express["min_days"], &express["max_days"], &express["zone"]),
        (&json!(1), &json!(2), &json!("domestic"))
    );

    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (status, placed) = order_with(&app, &customer, &[(product, 3)], card, "US", "express").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{placed}");
    assert_eq!(placed["subtotal"]["amount_minor"], 3_750);
    assert_eq!(placed["shipping"]["service"], "express");
    assert_eq!(placed["total"]["amount_minor"], 3_750 + 2_200, "the quoted Express price is in the total");

    let order = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;
    assert_eq!(order["status"], "completed", "{order}");
    let (_, payment) =
        app.get(&format!("/api/v1/payments/{}", order["payment_id"].as_str().unwrap()), Some(&customer)).await;
    assert_eq!(payment["amount"]["amount_minor"], 5_950, "the payment charged items and shipping: {payment}");
    let (_, shipment) =
        app.get(&format!("/api/v1/shipments/{}", order["shipment_id"].as_str().unwrap()), Some(&customer)).await;
    assert_eq!(shipment["service"], "express", "{shipment}");
    assert_eq!(shipment["cost"]["amount_minor"], 2_200, "the carrier's price for Express");
    app.assert_invariants().await;
});

on_every_backend!(standard_is_free_from_the_threshold_and_otherwise_the_default, |backend: Backend| async move {
    let app = TestApp::spawn_with(&backend, |settings| settings.free_shipping_over = 5_000).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 20, 2_500).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;

    let (_, below) = quote(&app, "DE", &[(product, 1)]).await;
    assert_eq!(option(&below, "standard")["free"], false, "{below}");
    let (_, at) = quote(&app, "DE", &[(product, 2)]).await;
    assert_eq!(
        (&option(&at, "standard")["free"], &option(&at, "standard")["price"]["amount_minor"]),
        (&json!(true), &json!(0))
    );
    assert_ne!(option(&at, "express")["price"]["amount_minor"], 0, "Express is never free");

    // No service named: Standard, at its price below the threshold, free from it.
    let (status, paid) = app.place_order(&customer, &[(product, 1)], card, "DE").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{paid}");
    assert_eq!(
        (&paid["shipping"]["service"], &paid["shipping"]["price"]["amount_minor"]),
        (&json!("standard"), &json!(1_500))
    );
    assert_eq!(paid["total"]["amount_minor"], 2_500 + 1_500);
    let (_, free) = app.place_order(&customer, &[(product, 2)], card, "DE").await;
    assert_eq!((&free["shipping"]["free"], &free["total"]["amount_minor"]), (&json!(true), &json!(5_000)));
    for placed in [&paid, &free] {
        let order = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;
        assert_eq!(order["status"], "completed", "{order}");
    }
    app.assert_invariants().await;
});

on_every_backend!(a_service_that_cannot_go_is_refused_and_nowhere_is_left_to_the_saga, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 100, 100).await; // 500 g each
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;

    // 61 × 500 g is over Express's 30 kg: only Standard is offered, and Express is refused.
    let (_, heavy) = quote(&app, "US", &[(product, 61)]).await;
    let services: Vec<&Value> = heavy["options"].as_array().unwrap().iter().map(|o| &o["service"]).collect();
    assert_eq!(services, [&json!("standard")], "{heavy}");
    let (status, refused) = order_with(&app, &customer, &[(product, 61)], card, "US", "express").await;
    assert_problem(status, &refused, StatusCode::UNPROCESSABLE_ENTITY, "Express over its weight limit");
    assert_eq!(refused["errors"][0]["field"], "shipping_service", "{refused}");
    let (status, unknown) = order_with(&app, &customer, &[(product, 1)], card, "US", "overnight").await;
    assert_problem(status, &unknown, StatusCode::BAD_REQUEST, "a service that does not exist");
    let (_, orders) = app.get("/api/v1/orders", Some(&customer)).await;
    assert_eq!(orders["items"], json!([]), "no refusal placed an order");

    // No zone: placed without shipping, then refunded and cancelled by the saga.
    let (status, placed) = order_with(&app, &customer, &[(product, 1)], card, "AQ", "express").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{placed}");
    assert_eq!((&placed["shipping"], &placed["total"]["amount_minor"]), (&Value::Null, &json!(100)));
    let order = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;
    assert_eq!(order["cancellation"]["code"], "shipping_unavailable", "{order}");
    app.assert_invariants().await;
});
