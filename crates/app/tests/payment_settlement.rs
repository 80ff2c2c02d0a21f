//! Payment settlement by intent: an outcome the card gateway did not give (a call that
//! timed out, before or after authorizing) is settled by asking the provider by
//! idempotency key, never guessed. Whatever the fault, every order ends completed with
//! exactly one authorization, or cancelled with every authorization voided; never a hold
//! without an order, never two holds.

use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use testkit::{Backend, Bus, ServerProcess, TestApp, on_every_backend};

/// Places a one-line order shipped to the US; returns its id.
async fn place(app: &TestApp, admin: &str, customer: &str, country: &str) -> String {
    let product = app.create_product(admin, 10, 4200).await;
    let card = app.add_card(customer, "4242424242424242").await;
    let (status, order) = app.place_order(customer, &[(product, 1)], card, country).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{order}");
    order["id"].as_str().unwrap().to_owned()
}

on_every_backend!(an_authorization_whose_answer_is_lost_is_settled_by_looking_it_up, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let (admin, customer) = (app.admin_token().await, app.new_customer().await);
    // The provider authorizes, but no answer to it (or to any retry) comes back.
    app.gateway_fault("authorize_answer", true).await;
    let id = place(&app, &admin, &customer, "US").await;

    let order = app.settled_order(&customer, &id).await;
    assert_eq!(order["status"], "completed", "the authorization happened, so the order goes on: {order}");
    assert_eq!(app.gateway_operations("authorization").await, 1, "authorized once");
    assert_eq!(app.gateway_operations("void").await, 0);
    app.assert_invariants().await;
});

on_every_backend!(a_gateway_outage_before_authorizing_is_waited_out_not_guessed, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let (admin, customer) = (app.admin_token().await, app.new_customer().await);
    // The provider is unreachable for a while: the authorization's outcome is unknown, not failed.
    app.gateway_fault("authorize", true).await;
    let id = place(&app, &admin, &customer, "US").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, pending) = app.get(&format!("/api/v1/orders/{id}"), Some(&customer)).await;
    assert_ne!(pending["status"], "cancelled", "an unknown outcome is not a failure: {pending}");
    app.gateway_fault("authorize", false).await;

    let order = app.settled_order(&customer, &id).await;
    assert_eq!(order["status"], "completed", "{order}");
    assert_eq!(app.gateway_operations("authorization").await, 1);
    app.assert_invariants().await;
});

on_every_backend!(undoing_a_payment_of_unknown_outcome_asks_the_provider_and_voids, |backend: Backend| async move {
    let app = TestApp::spawn_with(&backend, |settings| settings.saga_step_deadline_secs = 1).await;
    let (admin, customer) = (app.admin_token().await, app.new_customer().await);
    // Authorized, but neither the answer nor a lookup gets through: the payment step times out
    // and the saga undoes it while nobody knows whether money is held.
    app.gateway_fault("authorize_answer", true).await;
    app.gateway_fault("lookup", true).await;
    let id = place(&app, &admin, &customer, "US").await;
    app.eventually("the saga is undoing the payment", || async {
        let (_, order) = app.get(&format!("/api/v1/orders/{id}"), Some(&customer)).await;
        let steps = order["saga"]["steps"].as_array().cloned().unwrap_or_default();
        let payment = steps.iter().find(|step| step["name"] == "process_payment").cloned().unwrap_or_default();
        (payment["status"] != "in_progress" && order["saga"]["status"] != "running").then_some(())
    })
    .await;
    app.gateway_fault("lookup", false).await;

    let order = app.settled_order(&customer, &id).await;
    assert_eq!((order["status"].clone(), order["saga"]["status"].clone()), (json!("cancelled"), json!("compensated")));
    assert_eq!(app.gateway_operations("authorization").await, 1);
    assert_eq!(app.gateway_operations("void").await, 1, "the authorization nobody recorded was found and voided");
    assert_eq!(app.gateway_operations("capture").await, 0, "and nothing was charged");
    app.assert_invariants().await;
});

on_every_backend!(
    a_crash_right_after_authorizing_leaves_one_authorization_and_a_completed_order,
    |backend: Backend| async move {
        let binary = std::path::Path::new(env!("CARGO_BIN_EXE_emporium"));
        let mut server = ServerProcess::start(binary, &backend, &Bus::Embedded, |_| {}).await;
        let app = TestApp::attach(&server).await;
        let (admin, customer) = (app.admin_token().await, app.new_customer().await);
        // The real server process dies the moment the provider has authorized, before Payments
        // can record it.
        app.gateway_fault("authorize_crash", true).await;
        let product = app.create_product(&admin, 10, 4200).await;
        let card = app.add_card(&customer, "4242424242424242").await;
        // The saga may reach the gateway before the placement's answer is sent, and the
        // crash then takes the answer with it: the customer finds the order in their list.
        let _answer_may_be_lost = reqwest::Client::new()
            .post(format!("{}/api/v1/orders", app.base))
            .bearer_auth(&customer)
            .json(&json!({ "lines": [{ "product_id": product, "quantity": 1 }], "payment_method_id": card,
                           "shipping_address": { "name": "Test Customer", "line1": "1 Main St",
                                                 "city": "Springfield", "postal_code": "12345", "country": "US" } }))
            .send()
            .await;
        assert!(server.exited_within(Duration::from_secs(20)).await, "the server did not crash: {}", server.log_text());
        assert_eq!(app.gateway_operations("authorization").await, 1, "the authorization was made before the crash");
        app.gateway_fault("authorize_crash", false).await;

        server.restart().await;
        let (_, orders) = app.get("/api/v1/orders?limit=100", Some(&customer)).await;
        let orders = orders["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(orders.len(), 1, "one order was placed: {orders:?}");
        let id = orders[0]["id"].as_str().unwrap().to_owned();
        let order = app.settled_order(&customer, &id).await;
        assert_eq!(order["status"], "completed", "the recorded intent is settled after the restart: {order}");
        assert_eq!(app.gateway_operations("authorization").await, 1, "and never authorized twice");
        app.assert_invariants().await;
    }
);
