//! An order's timeline on both engines: every moment of a delivered order (its card charged
//! once the parcel left), of an order the
//! card declined and of one its customer cancelled, in the order they happened, each with
//! its time; and nobody but the customer and the admins reads it.

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, on_every_backend};
use uuid::Uuid;

const CARRIER_SECRET: &str = "carrier-secret-for-timeline-tests-000000";

/// The order's timeline as `(moment, detail)` pairs, once it holds `last` (the moments of
/// the other contexts' news arrive a moment after their answers), checking that the times
/// never go back.
async fn moments(app: &TestApp, token: &str, order_id: &str, last: &str) -> Vec<(String, Option<String>)> {
    moments_once(app, token, order_id, &format!("the timeline reaches {last}"), |items| {
        items.last().is_some_and(|entry| entry["moment"] == last)
    })
    .await
}

/// The order's timeline as `(moment, detail)` pairs, once it holds every one of `names`,
/// in whatever order and whatever comes after.
async fn moments_holding(app: &TestApp, token: &str, order_id: &str, names: &[&str]) -> Vec<(String, Option<String>)> {
    moments_once(app, token, order_id, &format!("the timeline holds {names:?}"), |items| {
        names.iter().all(|name| items.iter().any(|entry| entry["moment"] == *name))
    })
    .await
}

/// The order's timeline once `ready` says so, checking that the times never go back.
async fn moments_once(
    app: &TestApp,
    token: &str,
    order_id: &str,
    what: &str,
    ready: impl Fn(&[Value]) -> bool,
) -> Vec<(String, Option<String>)> {
    let items: Vec<Value> = app
        .eventually(what, || async {
            let (status, body) = app.get(&format!("/api/v1/orders/{order_id}/timeline"), Some(token)).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let items = body["items"].as_array().unwrap().clone();
            ready(&items).then_some(items)
        })
        .await;
    let times: Vec<chrono::DateTime<chrono::Utc>> =
        items.iter().map(|entry| entry["at"].as_str().unwrap().parse().expect("an RFC 3339 time")).collect();
    assert!(times.is_sorted(), "oldest first: {items:?}");
    items
        .iter()
        .map(|entry| (entry["moment"].as_str().unwrap().to_owned(), entry["detail"].as_str().map(str::to_owned)))
        .collect()
}

fn plain(moment: &str) -> (String, Option<String>) {
    (moment.to_owned(), None)
}

fn with(moment: &str, detail: &str) -> (String, Option<String>) {
    (moment.to_owned(), Some(detail.to_owned()))
}

/// A platform whose carrier signs with [`CARRIER_SECRET`], an admin, a customer with a card
/// and a product.
async fn shop(backend: &Backend) -> (TestApp, String, String, Uuid, Uuid) {
    let app = TestApp::spawn_with(backend, |settings| {
        settings.carrier_webhook_secrets = vec![CARRIER_SECRET.to_owned()];
    })
    .await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let product = app.create_product(&admin, 10, 1_500).await;
    (app, admin, customer, card, product)
}

on_every_backend!(a_delivered_order_shows_every_moment_of_its_journey, |backend: Backend| async move {
    let (app, admin, customer, card, product) = shop(&backend).await;
    let (_, placed) = app.place_order(&customer, &[(product, 1)], card, "US").await;
    let order_id = placed["id"].as_str().unwrap().to_owned();
    let order = app.settled_order(&customer, &order_id).await;
    let shipment_id = order["shipment_id"].as_str().unwrap();
    assert_eq!(
        moments(&app, &customer, &order_id, "completed").await,
        ["placed", "stock_reserved", "paid", "confirmed", "completed"].map(plain)
    );

    // The card processor cannot capture for a while, so the charge comes after the delivery.
    app.gateway_fault("capture", true).await;
    let body = json!({ "carrier": "Parcelway", "tracking_number": "pw-9001" });
    let (status, shipped) = app.post(&format!("/api/v1/shipments/{shipment_id}/ship"), Some(&admin), body).await;
    assert_eq!(status, StatusCode::OK, "{shipped}");
    for update in [
        json!({ "event_id": "tl-1", "tracking_number": "PW-9001", "status": "in_transit", "location": "Leeds hub" }),
        json!({ "event_id": "tl-2", "tracking_number": "PW-9001", "status": "delivered" }),
    ] {
        let signed = emporium::carrier::signed_update(
            &app.base,
            CARRIER_SECRET,
            chrono::Utc::now().timestamp(),
            update.to_string(),
        );
        assert_eq!(signed.send().await.unwrap().status(), StatusCode::OK);
    }
    moments(&app, &customer, &order_id, "delivered").await;
    app.gateway_fault("capture", false).await;
    // The card is charged once the parcel left: Payments' news, which may reach the order
    // before or after the carrier's (here after the delivery).
    let journey = moments_holding(&app, &customer, &order_id, &["delivered", "charged"]).await;
    let at = |name: &str| journey.iter().position(|(moment, _)| moment == name).unwrap();
    assert!(at("charged") > at("shipped"), "charged only once the parcel left: {journey:?}");
    let total = order["total"]["amount_minor"].as_i64().unwrap();
    let charged = format!("{}.{:02} USD charged to the card", total / 100, total % 100);
    assert_eq!(journey[at("charged")], with("charged", &charged));
    let carried: Vec<_> = journey.iter().filter(|(moment, _)| moment != "charged").cloned().collect();
    assert_eq!(
        carried[5..],
        [with("shipped", "Parcelway, tracking number PW-9001"), with("in_transit", "Leeds hub"), plain("delivered")]
    );
    // The admin reads any order's timeline, and GraphQL tells the same.
    assert_eq!(moments_holding(&app, &admin, &order_id, &["delivered", "charged"]).await, journey);
    let asked = app
        .graphql(
            Some(&customer),
            "query($id: UUID!) { orderTimeline(id: $id) { moment detail } }",
            json!({ "id": order_id }),
        )
        .await;
    let over_graphql: Vec<String> = asked["data"]["orderTimeline"]
        .as_array()
        .unwrap_or_else(|| panic!("{asked}"))
        .iter()
        .map(|entry| entry["moment"].as_str().unwrap().to_lowercase())
        .collect();
    assert_eq!(over_graphql, journey.iter().map(|(moment, _)| moment.clone()).collect::<Vec<_>>());
});

on_every_backend!(a_declined_order_shows_what_was_undone_and_why, |backend: Backend| async move {
    let (app, _admin, customer, _card, product) = shop(&backend).await;
    let declined = app.add_card(&customer, "4000000000000002").await;
    let (_, placed) = app.place_order(&customer, &[(product, 1)], declined, "US").await;
    let order_id = placed["id"].as_str().unwrap().to_owned();
    let order = app.settled_order(&customer, &order_id).await;
    let reason = order["cancellation"]["message"].as_str().unwrap();
    assert_eq!(
        moments(&app, &customer, &order_id, "cancelled").await,
        [plain("placed"), plain("stock_reserved"), plain("stock_released"), with("cancelled", reason)]
    );
});

on_every_backend!(
    a_cancelled_order_shows_the_request_the_payment_and_the_stock_released,
    |backend: Backend| async move {
        let (app, _admin, customer, card, product) = shop(&backend).await;
        let (_, placed) = app.place_order(&customer, &[(product, 2)], card, "US").await;
        let order_id = placed["id"].as_str().unwrap().to_owned();
        app.settled_order(&customer, &order_id).await;
        let body = json!({ "reason": "Ordered the wrong size" });
        let (status, asked) = app.post(&format!("/api/v1/orders/{order_id}/cancel"), Some(&customer), body).await;
        assert!(status.is_success(), "{asked}");
        let journey = moments(&app, &customer, &order_id, "cancelled").await;
        assert_eq!(journey[..5], ["placed", "stock_reserved", "paid", "confirmed", "completed"].map(plain));
        assert_eq!(journey[5], with("cancellation_requested", "Ordered the wrong size"));
        let mut undone: Vec<&str> = journey[6..journey.len() - 1].iter().map(|(moment, _)| moment.as_str()).collect();
        undone.sort_unstable();
        assert_eq!(undone, ["payment_released", "stock_released"], "{journey:?}");
        // Cancelled before its parcel left, the order was never charged: its hold was released.
        let released = with("payment_released", "Nothing was charged; the hold on the card was released.");
        assert!(journey.contains(&released), "{journey:?}");
    }
);

on_every_backend!(only_the_customer_and_admins_read_an_order_s_timeline, |backend: Backend| async move {
    let (app, admin, customer, card, product) = shop(&backend).await;
    let (_, placed) = app.place_order(&customer, &[(product, 1)], card, "US").await;
    let order_id = placed["id"].as_str().unwrap().to_owned();
    app.settled_order(&customer, &order_id).await;
    let stranger = app.new_customer().await;
    let unknown = Uuid::now_v7();
    for (what, token, id, expected) in [
        ("another customer", Some(stranger.as_str()), order_id.clone(), StatusCode::NOT_FOUND),
        ("anonymous", None, order_id.clone(), StatusCode::UNAUTHORIZED),
        ("an unknown order", Some(admin.as_str()), unknown.to_string(), StatusCode::NOT_FOUND),
        ("not an order id", Some(customer.as_str()), "nope".to_owned(), StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = app.get(&format!("/api/v1/orders/{id}/timeline"), token).await;
        assert_problem(status, &body, expected, what);
    }
    let refused = app
        .graphql(Some(&stranger), "query($id: UUID!) { orderTimeline(id: $id) { moment } }", json!({ "id": order_id }))
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "NOT_FOUND", "{refused}");
});
