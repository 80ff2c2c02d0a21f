//! A customer's saved cards: the first is the default, another can be made the default, a
//! removed card is neither listed nor charged, and nobody else can touch them.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, on_every_backend};
use uuid::Uuid;

/// The caller's cards as `(last four, brand, default)`, in the order listed.
async fn cards(app: &TestApp, token: &str) -> Vec<(String, String, bool)> {
    let (status, body) = app.get("/api/v1/payment-methods", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|card| {
            let text = |field: &str| card[field].as_str().unwrap().to_owned();
            (text("last4"), text("brand"), card["is_default"].as_bool().unwrap())
        })
        .collect()
}

fn row(last4: &str, brand: &str, default: bool) -> (String, String, bool) {
    (last4.to_owned(), brand.to_owned(), default)
}

on_every_backend!(customers_choose_their_default_card_and_remove_cards, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let alice = app.new_customer().await;
    let visa = app.add_card(&alice, "4242424242424242").await;
    let mastercard = app.add_card(&alice, "2223003122003222").await;
    assert_eq!(cards(&app, &alice).await, [row("4242", "visa", true), row("3222", "mastercard", false)]);

    let (status, chosen) =
        app.post(&format!("/api/v1/payment-methods/{mastercard}/default"), Some(&alice), json!({})).await;
    assert_eq!((status, chosen["is_default"].as_bool()), (StatusCode::OK, Some(true)), "{chosen}");
    assert_eq!(cards(&app, &alice).await, [row("4242", "visa", false), row("3222", "mastercard", true)]);
    let (status, _) = app.post(&format!("/api/v1/payment-methods/{mastercard}/default"), Some(&alice), json!({})).await;
    assert_eq!(status, StatusCode::OK, "choosing the default again changes nothing");
    assert_eq!(cards(&app, &alice).await, [row("4242", "visa", false), row("3222", "mastercard", true)]);

    // Removing the default makes the newest remaining card the default.
    let third = app.add_card(&alice, "5555555555554444").await;
    let removed = format!("/api/v1/payment-methods/{mastercard}");
    let (status, body) = app.request(Method::DELETE, &removed, Some(&alice), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(cards(&app, &alice).await, [row("4242", "visa", false), row("4444", "mastercard", true)]);
    let (status, _) = app.request(Method::DELETE, &removed, Some(&alice), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "removing it again changes nothing");
    let (status, body) = app.post(&format!("{removed}/default"), Some(&alice), json!({})).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "a removed card cannot be the default");
    assert_eq!(cards(&app, &alice).await, [row("4242", "visa", false), row("4444", "mastercard", true)]);

    // A removed card is charged for no new order; the remaining ones are.
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1500).await;
    let (_, placed) = app.place_order(&alice, &[(product, 1)], mastercard, "US").await;
    let refused = app.settled_order(&alice, placed["id"].as_str().unwrap()).await;
    assert_eq!(
        (refused["status"].as_str(), refused["cancellation"]["code"].as_str()),
        (Some("cancelled"), Some("payment_method_invalid")),
        "{refused}"
    );
    let (_, placed) = app.place_order(&alice, &[(product, 1)], third, "US").await;
    let paid = app.settled_order(&alice, placed["id"].as_str().unwrap()).await;
    assert_eq!(paid["status"], "completed", "{paid}");

    // Removing the last cards leaves none, and a new card is the default again.
    for id in [visa, third] {
        let (status, _) =
            app.request(Method::DELETE, &format!("/api/v1/payment-methods/{id}"), Some(&alice), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    assert_eq!(cards(&app, &alice).await, []);
    app.add_card(&alice, "378282246310005").await;
    assert_eq!(cards(&app, &alice).await, [row("0005", "amex", true)]);
    app.assert_invariants().await;
});

on_every_backend!(nobody_else_can_remove_or_choose_a_customer_s_card, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let alice = app.new_customer().await;
    let bob = app.new_customer().await;
    let admin = app.admin_token().await;
    app.add_card(&alice, "4242424242424242").await;
    let second = app.add_card(&alice, "5555555555554444").await;
    let before = cards(&app, &alice).await;
    let unknown = Uuid::now_v7();
    for (what, token, method, path, expected) in [
        ("another customer removing", Some(bob.as_str()), Method::DELETE, format!("/{second}"), StatusCode::NOT_FOUND),
        (
            "another customer choosing",
            Some(bob.as_str()),
            Method::POST,
            format!("/{second}/default"),
            StatusCode::NOT_FOUND,
        ),
        ("an admin removing", Some(admin.as_str()), Method::DELETE, format!("/{second}"), StatusCode::NOT_FOUND),
        ("an unknown card", Some(alice.as_str()), Method::DELETE, format!("/{unknown}"), StatusCode::NOT_FOUND),
        (
            "choosing an unknown card",
            Some(alice.as_str()),
            Method::POST,
            format!("/{unknown}/default"),
            StatusCode::NOT_FOUND,
        ),
        ("not a card id", Some(alice.as_str()), Method::DELETE, "/nope".to_owned(), StatusCode::BAD_REQUEST),
        (
            "choosing not a card id",
            Some(alice.as_str()),
            Method::POST,
            "/nope/default".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        ("anonymous removing", None, Method::DELETE, format!("/{second}"), StatusCode::UNAUTHORIZED),
        ("anonymous choosing", None, Method::POST, format!("/{second}/default"), StatusCode::UNAUTHORIZED),
    ] {
        let body = (method == Method::POST).then(|| json!({}));
        let (status, problem) = app.request(method, &format!("/api/v1/payment-methods{path}"), token, body).await;
        assert_problem(status, &problem, expected, what);
    }
    assert_eq!(cards(&app, &alice).await, before, "nothing changed");

    // A removal and choices of the same card racing: whatever wins, one card is the default.
    let app = &app;
    let alice = alice.as_str();
    let racers = (0..8).map(|i| async move {
        if i == 3 {
            app.request(Method::DELETE, &format!("/api/v1/payment-methods/{second}"), Some(alice), None).await.0
        } else {
            app.post(&format!("/api/v1/payment-methods/{second}/default"), Some(alice), json!({})).await.0
        }
    });
    let answers = futures::future::join_all(racers).await;
    assert!(
        answers.iter().all(|s| [StatusCode::OK, StatusCode::NO_CONTENT, StatusCode::NOT_FOUND].contains(s)),
        "{answers:?}"
    );
    let left = cards(app, alice).await;
    assert_eq!(left, [row("4242", "visa", true)], "the removal stands and the other card is the default");
});

on_every_backend!(saved_cards_are_managed_over_graphql, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let alice = app.new_customer().await;
    let bob = app.new_customer().await;
    let visa = app.add_card(&alice, "4242424242424242").await;
    let discover = app.add_card(&alice, "6011111111111117").await;
    let chosen = app
        .graphql(
            Some(&alice),
            "mutation($id: UUID!) { makeDefaultPaymentMethod(id: $id) { brand isDefault } }",
            json!({ "id": discover }),
        )
        .await;
    assert_eq!(
        chosen["data"]["makeDefaultPaymentMethod"],
        json!({ "brand": "discover", "isDefault": true }),
        "{chosen}"
    );
    let refused =
        app.graphql(Some(&bob), "mutation($id: UUID!) { removePaymentMethod(id: $id) }", json!({ "id": visa })).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "NOT_FOUND", "{refused}");
    let removed = app
        .graphql(Some(&alice), "mutation($id: UUID!) { removePaymentMethod(id: $id) }", json!({ "id": discover }))
        .await;
    assert_eq!(removed["data"]["removePaymentMethod"], json!(discover.to_string()), "{removed}");
    let listed: Value =
        app.graphql(Some(&alice), "{ paymentMethods { last4 isDefault } }", json!({})).await["data"]["paymentMethods"]
            .clone();
    assert_eq!(listed, json!([{ "last4": "4242", "isDefault": true }]));
});

on_every_backend!(a_card_its_issuer_refuses_is_not_saved, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let alice = app.new_customer().await;
    let card = |number: &str| json!({ "card_number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123", "holder_name": "Alice" });
    let (status, problem) = app.post("/api/v1/payment-methods", Some(&alice), card("4000000000000069")).await;
    assert_problem(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, "refused at verification");
    assert_eq!(problem["code"], "card_rejected", "{problem}");

    // While verification cannot be asked, nothing is saved and the customer may try again.
    app.gateway_fault("verify", true).await;
    let (status, problem) = app.post("/api/v1/payment-methods", Some(&alice), card("4242424242424242")).await;
    assert_problem(status, &problem, StatusCode::SERVICE_UNAVAILABLE, "verification unavailable");
    assert_eq!(cards(&app, &alice).await, [], "no card was saved");
    app.gateway_fault("verify", false).await;
    app.add_card(&alice, "4242424242424242").await;
    // A card that verifies but is declined when charged is saved: the charge is where it fails.
    app.add_card(&alice, "4000000000000002").await;
    assert_eq!(cards(&app, &alice).await, [row("4242", "visa", true), row("0002", "visa", false)]);
});
