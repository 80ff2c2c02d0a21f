//! A step that does not answer in time fails the saga, and because it may still take
//! effect, it is compensated too: a payment that completes after its deadline is refunded.
//! But time a command spends waiting for its receiver to begin is not the receiver's work:
//! a payment held up before Payments can begin is not failed at its step deadline.

use serde_json::json;
use testkit::{Backend, TestApp, on_every_backend};

on_every_backend!(a_payment_slower_than_its_deadline_is_refunded_when_it_lands, |backend: Backend| async move {
    // Only the payment step is given a short deadline; the others keep the default.
    let app = TestApp::spawn_with(&backend, |settings| {
        settings.saga_step_deadlines = Some("process_payment=1".to_owned());
        settings.gateway_latency_ms = 2500;
    })
    .await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 4, 1000).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (_, placed) = app.place_order(&customer, &[(product, 1)], card, "US").await;
    let order = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;

    assert_eq!(order["status"], "cancelled", "{order}");
    assert_eq!(order["cancellation"]["code"], "timeout");
    let steps = order["saga"]["steps"].as_array().unwrap();
    let status = |name: &str| steps.iter().find(|s| s["name"] == name).unwrap()["status"].clone();
    assert_eq!(status("process_payment"), json!("compensated"), "the timed-out payment is undone too");
    assert_eq!(status("reserve_inventory"), json!("compensated"));

    // The authorization went through after the deadline; the void followed it.
    let payments = app.platform().database("payments").unwrap();
    let operations: Vec<String> = app
        .eventually("the late authorization is voided", || async {
            let kinds: Vec<String> =
                sqlx::query_scalar("select kind from simulated_gateway_operations order by created_at")
                    .fetch_all(payments.reader())
                    .await
                    .unwrap();
            (kinds.len() == 2).then_some(kinds)
        })
        .await;
    assert_eq!(operations, ["authorization", "void"]);
    // The saga ends on the release's reply, which may reach it before the stock's read model
    // has the release.
    let stock = format!("/api/v1/inventory/{product}");
    let level = async || app.get(&stock, Some(&admin)).await.1;
    let released = app.try_eventually(async || Some(level().await).filter(|l| l["available"] == 4)).await;
    let level = released.unwrap_or(level().await);
    assert_eq!(level["available"], 4);
    app.assert_invariants().await;
});

on_every_backend!(a_saga_that_cannot_be_processed_does_not_freeze_other_deadlines, |backend: Backend| async move {
    let app = TestApp::spawn_with(&backend, |settings| {
        settings.saga_step_deadline_secs = 1;
        settings.gateway_latency_ms = 2500;
    })
    .await;
    // A saga due long ago whose stored start no longer decodes (a bad deploy, a hand edit):
    // it fails every time the timer picks it up, and it is always picked first.
    let orders = app.platform().database("orders").unwrap().clone();
    let store =
        kernel::EventStore::open(orders.clone(), std::sync::Arc::new(kernel::clock::SystemClock)).await.unwrap();
    let broken = uuid::Uuid::now_v7();
    let mut uow = store.begin().await.unwrap();
    let start = kernel::NewEvent {
        event_id: uuid::Uuid::now_v7(),
        event_type: "SagaStarted".into(),
        schema_version: 1,
        payload: json!({ "not": "a saga start" }),
        metadata: kernel::Metadata::default(),
    };
    uow.append(&format!("saga-{broken}"), kernel::ExpectedVersion::NoStream, &[start]).await.unwrap();
    sqlx::query(
        "insert into sagas (saga_id, saga_type, status, deadline_at, view, updated_at) \
         values ($1, 'place_order', 'running', '2000-01-01T00:00:00.000000Z', '{}', '2000-01-01T00:00:00.000000Z')",
    )
    .bind(broken.to_string())
    .execute(uow.conn())
    .await
    .unwrap();
    uow.commit().await.unwrap();

    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 4, 1000).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (_, placed) = app.place_order(&customer, &[(product, 1)], card, "US").await;
    let order = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;
    assert_eq!(order["status"], "cancelled", "the payment's deadline still fired: {order}");
    assert_eq!(order["cancellation"]["code"], "timeout");
});

on_every_backend!(a_payment_waiting_for_payments_to_begin_is_not_timed_out, |backend: Backend| async move {
    let app = TestApp::spawn_with(&backend, |settings| settings.saga_step_deadline_secs = 1).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 4, 1000).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;

    // Payments cannot begin for three step deadlines: another writer holds its event table
    // (as a backlog, or Payments restarting, would hold the command back).
    let payments = app.platform().database("payments").unwrap();
    let mut held = payments.begin().await.unwrap();
    if matches!(backend, Backend::Postgres(_)) {
        sqlx::query("lock table events in exclusive mode").execute(&mut *held).await.unwrap();
    }
    let (_, placed) = app.place_order(&customer, &[(product, 1)], card, "US").await;
    let id = placed["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let (_, waiting) = app.get(&format!("/api/v1/orders/{id}"), Some(&customer)).await;
    assert_eq!(waiting["saga"]["status"], "running", "still waiting, not failed: {waiting}");
    held.rollback().await.unwrap();

    let order = app.settled_order(&customer, &id).await;
    assert_eq!(order["status"], "completed", "{order}");
    assert_eq!(app.gateway_operations("authorization").await, 1);
    app.assert_invariants().await;
});

#[tokio::test]
async fn a_bad_per_step_deadline_stops_the_platform_at_start_saying_why() {
    let data = std::env::temp_dir().join(format!("emporium-deadlines-{}", uuid::Uuid::now_v7()));
    let mut settings = emporium::Settings::embedded(data.clone());
    settings.saga_step_deadlines = Some("pay=5".to_owned());
    let clock: kernel::SharedClock = std::sync::Arc::new(kernel::clock::SystemClock);
    let refused = emporium::Platform::open(&settings, clock).await.err().expect("refused");
    let why = format!("{refused:#}");
    assert!(why.contains("EMPORIUM_SAGA_STEP_DEADLINES") && why.contains("\"pay\" is not a step"), "{why}");
    let _ = std::fs::remove_dir_all(data);
}
