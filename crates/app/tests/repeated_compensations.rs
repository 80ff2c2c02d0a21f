//! A compensation asked for again is answered again. The saga retries a compensation whose
//! answer did not come in time (lost, or late behind a backlog); a receiver that had
//! already undone the step used to record nothing and so answer nothing, leaving the saga
//! waiting until it parked in `needs_attention`.
//!
//! And the fences compensations set: a forward command that comes after its step was undone
//! changes nothing, and its receiver says so in a reply (it used to say nothing).

use contracts::ProductQuantity;
use contracts::inventory::{
    InventoryReleased, InventoryReserved, ReleaseInventory, ReservationRefused, ReserveInventory,
};
use contracts::orders::{CancelOrder, OrderCancelled};
use contracts::payments::{PaymentFailed, PaymentProcessed, PaymentRefunded, ProcessPayment, RefundPayment};
use contracts::shipping::{
    CancelShipment, CreateShipment, ShipmentCancellationRefused, ShipmentCancelled, ShipmentCreated, ShipmentRefused,
};
use kernel::bus::{Envelope, Message};
use kernel::clock::SystemClock;
use kernel::event_store::{EventStore, Position};
use kernel::messaging::HandlerError;
use kernel::module::ContextModule;
use payments::CardGateway;
use std::sync::Arc;
use testkit::{Backend, TestApp, on_every_backend};
use uuid::Uuid;

/// The context `name` of `app` as a second process would open it: its own store handle
/// and module over the same database.
async fn open_context(app: &TestApp, name: &str) -> (EventStore, ContextModule) {
    let db = app.platform().database(name).expect("context database").clone();
    let store = EventStore::open(db.clone(), Arc::new(SystemClock)).await.unwrap();
    let module = match name {
        "inventory" => inventory::module(store.clone()).await.unwrap(),
        "payments" => {
            let gateway = payments::SimulatedGateway::open(
                db,
                payments::SimulatedGatewayConfig { latency: std::time::Duration::ZERO, transient_failure_rate: 0.0 },
            )
            .await
            .unwrap();
            payments::module(store.clone(), Arc::new(gateway), payments::CaptureAt::Shipment).await.unwrap()
        }
        "orders" => orders::module(store.clone(), orders::OrdersConfig::default()).await.unwrap(),
        "shipping" => {
            shipping::module(store.clone(), contracts::shipping_rates::RateCard::new(None), Vec::new()).await.unwrap()
        }
        other => panic!("no such context {other}"),
    };
    (store, module)
}

/// `command` as the saga sends it, under a fresh message id (as a retry is).
fn command_envelope<M: Message>(command: &M) -> Envelope {
    Envelope::new(Uuid::now_v7(), "orders", chrono::Utc::now(), command).unwrap()
}

/// Hands `envelope` to the handler that wants it.
async fn try_deliver(module: &ContextModule, envelope: &Envelope) -> Result<(), HandlerError> {
    let handler = module
        .handlers
        .iter()
        .find(|h| h.message_types().contains(&envelope.message_type.as_str()))
        .expect("a handler");
    handler.handle(envelope).await
}

/// Delivers `command` (under a fresh message id, as a retry is) to the handler that wants it.
async fn deliver<M: Message>(module: &ContextModule, command: &M) {
    try_deliver(module, &command_envelope(command)).await.expect("handled");
}

/// Every event of the store, once catch-up reading sees all that is committed (on
/// PostgreSQL it waits for other transactions on the cluster, other tests' included).
async fn all_events(store: &EventStore) -> Vec<kernel::event_store::RecordedEvent> {
    let newest: Option<i64> =
        sqlx::query_scalar("select max(position) from events").fetch_one(store.db().reader()).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let events = store.read_all(Position::default(), 100_000).await.unwrap();
        let seen = events.iter().map(|e| e.position.sequence).max();
        if seen >= newest || std::time::Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The `R` replies the context's events would publish for `order_id`.
async fn published<R: Message>(store: &EventStore, module: &ContextModule, order_id: Uuid) -> Vec<R> {
    let events = all_events(store).await;
    events
        .iter()
        .flat_map(|event| module.publications.messages_for(event).unwrap())
        .filter(|message| message.is::<R>() && message.payload["order_id"] == order_id.to_string())
        .map(|message| message.decode().unwrap())
        .collect()
}

/// How many `R` replies the context's events would publish for `order_id`.
async fn replies<R: Message>(store: &EventStore, module: &ContextModule, order_id: Uuid) -> usize {
    published::<R>(store, module, order_id).await.len()
}

on_every_backend!(each_compensation_asked_again_is_answered_again, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1000).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    // No shipping zone: void, release and cancel each ran once.
    let (_, placed) = app.place_order(&customer, &[(product, 2)], card, "AQ").await;
    let order_id: Uuid = placed["id"].as_str().unwrap().parse().unwrap();
    let order = app.settled_order(&customer, &order_id.to_string()).await;
    assert_eq!(order["status"], "cancelled", "{order}");

    let (store, module) = open_context(&app, "inventory").await;
    assert_eq!(replies::<InventoryReleased>(&store, &module, order_id).await, 1);
    deliver(&module, &ReleaseInventory { order_id }).await;
    assert_eq!(replies::<InventoryReleased>(&store, &module, order_id).await, 2, "release answered again");

    let (store, module) = open_context(&app, "payments").await;
    assert_eq!(replies::<PaymentRefunded>(&store, &module, order_id).await, 1);
    deliver(&module, &RefundPayment { order_id }).await;
    assert_eq!(replies::<PaymentRefunded>(&store, &module, order_id).await, 2, "refund answered again");

    let (store, module) = open_context(&app, "orders").await;
    assert_eq!(replies::<OrderCancelled>(&store, &module, order_id).await, 1);
    let cancel = CancelOrder { order_id, code: "shipping_unavailable".into(), message: "again".into() };
    deliver(&module, &cancel).await;
    assert_eq!(replies::<OrderCancelled>(&store, &module, order_id).await, 2, "cancellation answered again");

    // Answering again undid nothing twice: the stock and the money are as after the first time.
    let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
    assert_eq!((level["on_hand"].as_i64(), level["reserved"].as_i64()), (Some(5), Some(0)), "{level}");
    let payments = app.platform().database("payments").unwrap();
    let voids: i64 =
        sqlx::query_scalar("select cast(count(*) as bigint) from simulated_gateway_operations where kind = 'void'")
            .fetch_one(payments.reader())
            .await
            .unwrap();
    assert_eq!(voids, 1, "the card's hold was released once");
    app.assert_invariants().await;
});

on_every_backend!(a_cancelled_booking_bars_a_late_one_and_each_cancel_is_answered, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let (store, module) = open_context(&app, "shipping").await;
    let destination = contracts::Address {
        name: "Ada".into(),
        line1: "1 Main St".into(),
        line2: None,
        city: "Springfield".into(),
        postal_code: "12345".into(),
        country: "US".into(),
    };
    let create = |order_id| CreateShipment {
        order_id,
        customer_id: Uuid::now_v7(),
        destination: destination.clone(),
        weight_grams: 500,
        service: contracts::shipping_rates::ServiceLevel::Standard,
    };

    // Booking timed out and was cancelled before the booking itself was handled.
    let late = Uuid::now_v7();
    deliver(&module, &CancelShipment { order_id: late, return_to_sender: false }).await;
    deliver(&module, &create(late)).await;
    assert_eq!(replies::<ShipmentCancelled>(&store, &module, late).await, 1);
    assert_eq!(replies::<ShipmentCreated>(&store, &module, late).await, 0, "no parcel after its undo");
    let refused = published::<ShipmentRefused>(&store, &module, late).await;
    assert_eq!(refused.len(), 1, "the late booking is refused in a reply");
    assert!(refused[0].message.contains("cancelled"), "{:?}", refused[0]);

    // Booked, then cancelled, then cancelled again (the first answer lost).
    let booked = Uuid::now_v7();
    deliver(&module, &create(booked)).await;
    deliver(&module, &CancelShipment { order_id: booked, return_to_sender: false }).await;
    deliver(&module, &CancelShipment { order_id: booked, return_to_sender: false }).await;
    assert_eq!(replies::<ShipmentCreated>(&store, &module, booked).await, 1);
    assert_eq!(replies::<ShipmentCancelled>(&store, &module, booked).await, 2, "each cancel answered");
    let shipping = app.platform().database("shipping").unwrap();
    let status = app
        .eventually("the shipment shows cancelled", || async {
            let status: Option<String> = sqlx::query_scalar("select status from shipments where order_id = $1")
                .bind(booked.to_string())
                .fetch_optional(shipping.reader())
                .await
                .unwrap();
            status.filter(|s| s == "cancelled")
        })
        .await;
    assert_eq!(status, "cancelled");
});

on_every_backend!(
    a_parcel_that_left_is_not_cancelled_and_each_cancel_is_refused_in_a_reply,
    |backend: Backend| async move {
        let app = TestApp::spawn(&backend).await;
        let admin = app.admin_token().await;
        let product = app.create_product(&admin, 10, 1500).await;
        let customer = app.new_customer().await;
        let card = app.add_card(&customer, "4242424242424242").await;
        let (_, placed) = app.place_order(&customer, &[(product, 1)], card, "US").await;
        let order_id: Uuid = placed["id"].as_str().unwrap().parse().unwrap();
        let order = app.settled_order(&customer, &order_id.to_string()).await;
        assert_eq!(order["status"], "completed", "{order}");
        let shipment_id = order["shipment_id"].as_str().unwrap().to_owned();
        let hand_over = serde_json::json!({ "carrier": "Parcelway", "tracking_number": "PW-LEFT-1" });
        let (status, shipped) =
            app.post(&format!("/api/v1/shipments/{shipment_id}/ship"), Some(&admin), hand_over).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{shipped}");

        // A cancellation that comes now (a saga's booking answer was late) cancels nothing, and
        // says so each time it is asked.
        let (store, module) = open_context(&app, "shipping").await;
        deliver(&module, &CancelShipment { order_id, return_to_sender: false }).await;
        deliver(&module, &CancelShipment { order_id, return_to_sender: false }).await;
        assert_eq!(replies::<ShipmentCancelled>(&store, &module, order_id).await, 0, "nothing cancelled");
        let refused = published::<ShipmentCancellationRefused>(&store, &module, order_id).await;
        assert_eq!(refused.len(), 2, "each cancel is answered");
        assert_eq!((refused[0].shipment_id.to_string(), refused[0].stage.as_str()), (shipment_id.clone(), "shipped"));
        assert!(refused[0].message.contains("left with the carrier"), "{:?}", refused[0]);

        let (_, seen) = app.get(&format!("/api/v1/shipments/{shipment_id}"), Some(&customer)).await;
        assert_eq!(seen["status"], "shipped", "the parcel is still on its way: {seen}");
        let (_, order) = app.get(&format!("/api/v1/orders/{order_id}"), Some(&customer)).await;
        assert_eq!(order["status"], "completed", "the order stands: {order}");
        let level = app
            .eventually("the shipped unit has left the stock", || async {
                let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
                (level["on_hand"] == 9).then_some(level)
            })
            .await;
        assert_eq!(level["reserved"], 0, "nothing released back: {level}");
        app.assert_invariants().await;
    }
);

on_every_backend!(a_reservation_after_its_release_is_refused_in_a_reply, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1000).await;
    let (store, module) = open_context(&app, "inventory").await;
    let order_id = Uuid::now_v7();
    deliver(&module, &ReleaseInventory { order_id }).await;
    deliver(&module, &ReserveInventory { order_id, lines: vec![ProductQuantity { product_id: product, quantity: 2 }] })
        .await;

    let refused = published::<ReservationRefused>(&store, &module, order_id).await;
    assert_eq!(refused.len(), 1, "the late reservation is refused in a reply");
    assert!(refused[0].message.contains("released"), "{:?}", refused[0]);
    assert_eq!(replies::<InventoryReserved>(&store, &module, order_id).await, 0, "nothing held after the release");
    // A later, unfenced order can still have all five units: the refusal held none.
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (_, placed) = app.place_order(&customer, &[(product, 5)], card, "US").await;
    let order = app.settled_order(&customer, placed["id"].as_str().unwrap()).await;
    assert_eq!(order["status"], "completed", "{order}");
});

on_every_backend!(an_authorization_after_its_void_is_refused_in_a_reply, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (_, me) = app.get("/api/v1/me", Some(&customer)).await;
    let customer_id: Uuid = me["id"].as_str().unwrap().parse().unwrap();
    let amount = kernel::money::Money::new(2500, kernel::money::Currency::parse("USD").unwrap());
    let charge = |order_id| ProcessPayment { order_id, customer_id, payment_method_id: card, amount };
    let (store, module) = open_context(&app, "payments").await;
    let cancelled_answer = |failed: &[PaymentFailed]| failed.iter().filter(|f| f.code == "payment_cancelled").count();

    // Voided before the payment step arrived: nothing is held, and the step is answered.
    let voided = Uuid::now_v7();
    deliver(&module, &RefundPayment { order_id: voided }).await;
    deliver(&module, &charge(voided)).await;
    assert_eq!(cancelled_answer(&published::<PaymentFailed>(&store, &module, voided).await), 1, "refused in a reply");
    assert_eq!(app.gateway_operations("authorization").await, 0, "nothing held after the void");

    // Voided while the authorization was in flight, and the provider authorized after all:
    // the hold is released, and the late command is answered the same way.
    let late = Uuid::now_v7();
    app.gateway_fault("authorize", true).await;
    let in_flight = command_envelope(&charge(late));
    try_deliver(&module, &in_flight).await.expect_err("no answer from the provider: outcome unknown, asked later");
    deliver(&module, &RefundPayment { order_id: late }).await;
    app.gateway_fault("authorize", false).await;
    let payment_id = published::<PaymentRefunded>(&store, &module, late).await[0].payment_id;
    let db = app.platform().database("payments").unwrap().clone();
    let token: String =
        sqlx::query_scalar("select token from simulated_gateway_cards").fetch_one(db.reader()).await.unwrap();
    let gateway = payments::SimulatedGateway::open(
        db,
        payments::SimulatedGatewayConfig { latency: std::time::Duration::ZERO, transient_failure_rate: 0.0 },
    )
    .await
    .unwrap();
    gateway.authorize(&token, amount, &payment_id.to_string()).await.expect("the request in flight lands");
    try_deliver(&module, &in_flight).await.expect("asked again, the payment settles");

    assert_eq!(cancelled_answer(&published::<PaymentFailed>(&store, &module, late).await), 1, "refused in a reply");
    assert!(published::<PaymentProcessed>(&store, &module, late).await.is_empty(), "never answered as paid");
    assert_eq!(app.gateway_operations("void").await, 1, "the late authorization was released");
    assert_eq!(app.gateway_operations("capture").await + app.gateway_operations("refund").await, 0, "nothing charged");
});
