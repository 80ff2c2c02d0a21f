//! Order lists narrowed as a shopper and an admin would, on both engines: a customer's
//! history by status and dates, page by page; the admin's by customer and order number too;
//! the admin's CSV export of the same selection; and every bad filter refused with nothing
//! listed.

use chrono::{Days, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, on_every_backend};

/// The ids a list answered, in its order.
fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

/// A day `offset` days from today (UTC), as the filters take it.
fn day(offset: i64) -> String {
    let today = Utc::now().date_naive();
    let shifted =
        if offset < 0 { today - Days::new(offset.unsigned_abs()) } else { today + Days::new(offset.unsigned_abs()) };
    shifted.format("%Y-%m-%d").to_string()
}

/// The number shoppers see for an order: its id's last 8 hex digits, upper case.
fn number(order_id: &str) -> String {
    order_id.replace('-', "")[24..].to_ascii_uppercase()
}

/// An admin, two customers and their orders: Alice's completed (older) and cancelled
/// (newer, declined card), Bob's completed. Answers (app, admin, alice, bob, alice's
/// completed, alice's cancelled, bob's completed).
async fn shop(backend: &Backend) -> (TestApp, String, String, String, String, String, String) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 20, 1_250).await;
    let (alice, bob) = (app.new_customer().await, app.new_customer().await);
    let mut placed = Vec::new();
    for (customer, number) in [(&alice, "4242424242424242"), (&alice, "4000000000000002"), (&bob, "4242424242424242")] {
        let card = app.add_card(customer, number).await;
        let (_, order) = app.place_order(customer, &[(product, 1)], card, "US").await;
        let id = order["id"].as_str().unwrap().to_owned();
        app.settled_order(customer, &id).await;
        placed.push(id);
    }
    let [kept, cancelled, bobs] = <[String; 3]>::try_from(placed).unwrap();
    (app, admin, alice, bob, kept, cancelled, bobs)
}

on_every_backend!(customers_narrow_their_history_by_status_and_dates, |backend: Backend| async move {
    let (app, _admin, alice, _bob, kept, cancelled, _bobs) = shop(&backend).await;
    let list = |query: String| {
        let app = &app;
        let alice = alice.clone();
        async move { app.get(&format!("/api/v1/orders{query}"), Some(&alice)).await }
    };
    let (_, all) = list(String::new()).await;
    assert_eq!(ids(&all), [cancelled.as_str(), kept.as_str()], "newest first, only hers");
    let (_, body) = list("?status=cancelled".into()).await;
    assert_eq!(ids(&body), [cancelled.as_str()]);
    let (_, body) = list("?status=completed".into()).await;
    assert_eq!(ids(&body), [kept.as_str()]);
    let (_, body) = list(format!("?placed_from={}&placed_to={}", day(-1), day(1))).await;
    assert_eq!(ids(&body), [cancelled.as_str(), kept.as_str()]);
    let (_, body) = list(format!("?placed_to={}", day(-2))).await;
    assert_eq!(ids(&body), Vec::<String>::new(), "none placed before the day before yesterday");
    let (_, body) = list(format!("?placed_from={}", day(2))).await;
    assert_eq!(ids(&body), Vec::<String>::new());
    // A form sends every field: empty ones narrow nothing.
    let (_, body) = list("?status=&placed_from=&placed_to=&cursor=".into()).await;
    assert_eq!(ids(&body), ids(&all));

    // Pages keep to the filter.
    let (_, first) = list(format!("?placed_from={}&limit=1", day(-1))).await;
    assert_eq!(ids(&first), [cancelled.as_str()]);
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let (_, second) = list(format!("?placed_from={}&limit=1&cursor={cursor}", day(-1))).await;
    assert_eq!(ids(&second), [kept.as_str()]);
    assert!(second["next_cursor"].is_null(), "{second}");

    for (what, query, expected, field) in [
        ("an unknown status", "?status=lost".to_owned(), StatusCode::UNPROCESSABLE_ENTITY, Some("status")),
        (
            "a day that is not one",
            "?placed_from=2026-02-30".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("placed_from"),
        ),
        (
            "a day in another format",
            "?placed_to=04/12/2026".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("placed_to"),
        ),
        (
            "dates the wrong way round",
            format!("?placed_from={}&placed_to={}", day(1), day(-1)),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("placed_to"),
        ),
        ("another customer's orders", format!("?customer_id={}", uuid::Uuid::now_v7()), StatusCode::FORBIDDEN, None),
        ("an order number", format!("?number={}", number(&kept)), StatusCode::FORBIDDEN, None),
    ] {
        let (status, body) = list(query).await;
        assert_problem(status, &body, expected, what);
        if let Some(field) = field {
            assert_eq!(body["errors"][0]["field"], field, "{what}: {body}");
        }
    }
    let asked = app
        .graphql(Some(&alice), r#"{ orders(filter: { status: "cancelled" }) { edges { node { id } } } }"#, json!({}))
        .await;
    assert_eq!(asked["data"]["orders"]["edges"], json!([{ "node": { "id": cancelled } }]), "{asked}");
    let refused = app
        .graphql(Some(&alice), r#"{ orders(filter: { status: "lost" }) { edges { node { id } } } }"#, json!({}))
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{refused}");
});

on_every_backend!(admins_find_orders_by_customer_and_number_and_export_them, |backend: Backend| async move {
    let (app, admin, alice, bob, kept, cancelled, bobs) = shop(&backend).await;
    let (_, bob_profile) = app.get("/api/v1/me", Some(&bob)).await;
    let bob_id = bob_profile["id"].as_str().unwrap();
    let (_, body) = app.get(&format!("/api/v1/orders?customer_id={bob_id}"), Some(&admin)).await;
    assert_eq!(ids(&body), [bobs.as_str()]);
    let (_, body) = app.get(&format!("/api/v1/orders?number={}", number(&kept).to_lowercase()), Some(&admin)).await;
    assert_eq!(ids(&body), [kept.as_str()], "any case");
    let (_, body) = app.get(&format!("/api/v1/orders?status=cancelled&placed_from={}", day(-1)), Some(&admin)).await;
    assert!(ids(&body).contains(&cancelled) && !ids(&body).contains(&kept), "{body}");
    for bad in ["12345", "XYZXYZXY", "0123456789"] {
        let (status, body) = app.get(&format!("/api/v1/orders?number={bad}"), Some(&admin)).await;
        assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, bad);
    }

    // The export holds the same selection, one row per order, amounts in major units.
    let export = |token: Option<String>, query: String| {
        let base = app.base.clone();
        async move {
            let mut request = reqwest::Client::new().get(format!("{base}/api/v1/orders/export{query}"));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let content_type =
                response.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap_or_default().to_owned();
            (status, content_type, response.text().await.unwrap())
        }
    };
    let (_, alice_profile) = app.get("/api/v1/me", Some(&alice)).await;
    let alice_id = alice_profile["id"].as_str().unwrap();
    let (status, content_type, csv) = export(Some(admin.clone()), format!("?customer_id={alice_id}")).await;
    assert_eq!((status, content_type.as_str()), (StatusCode::OK, "text/csv; charset=utf-8"), "{csv}");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "number,id,placed_at,updated_at,status,customer_id,items,subtotal,shipping,total,currency,cancellation_code,cancellation_message"
    );
    assert_eq!(rows.len(), 3, "a header and Alice's two orders: {csv}");
    assert!(rows[1].starts_with(&format!("{},{cancelled},", number(&cancelled))), "newest first: {csv}");
    assert!(rows[1].contains(",cancelled,") && rows[1].contains(",payment_declined,"), "{csv}");
    assert!(rows[2].starts_with(&format!("{},{kept},", number(&kept))) && rows[2].contains(",12.50,"), "{csv}");
    let (_, _, none) = export(Some(admin.clone()), format!("?placed_to={}", day(-2))).await;
    assert_eq!(none.lines().count(), 1, "only the header: {none}");

    for (what, token, query, expected) in [
        ("a customer", Some(alice.clone()), String::new(), StatusCode::FORBIDDEN),
        ("anonymous", None, String::new(), StatusCode::UNAUTHORIZED),
        ("a bad status", Some(admin.clone()), "?status=lost".to_owned(), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, _, body) = export(token, query).await;
        assert_problem(status, &serde_json::from_str(&body).unwrap(), expected, what);
    }
});

on_every_backend!(an_admin_finds_a_customer_by_email_and_lists_their_orders, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let (admin, customer, _, order) = app.a_completed_order().await;
    let (_, me) = app.get("/api/v1/me", Some(&customer)).await;
    let email = me["email"].as_str().unwrap().to_owned();

    let (status, found) = app.get(&format!("/api/v1/users?email=%20{}", email.to_uppercase()), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "any case, spaces around: {found}");
    assert_eq!(found["id"], me["id"]);
    let (_, theirs) =
        app.get(&format!("/api/v1/orders?customer_id={}", found["id"].as_str().unwrap()), Some(&admin)).await;
    assert_eq!(ids(&theirs), [order["id"].as_str().unwrap()]);
    let over_graphql = app
        .graphql(
            Some(&admin),
            "query($email: String!) { userByEmail(email: $email) { id } }",
            json!({ "email": email }),
        )
        .await;
    assert_eq!(over_graphql["data"]["userByEmail"]["id"], me["id"], "{over_graphql}");

    let (status, body) = app.get(&format!("/api/v1/users?email={email}"), Some(&customer)).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "a customer looking people up");
    let (status, body) = app.get(&format!("/api/v1/users?email={email}"), None).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "no token");
    let (status, body) = app.get("/api/v1/users?email=nobody%40example.test", Some(&admin)).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "no such account");
    let (status, body) = app.get("/api/v1/users?email=not-an-email", Some(&admin)).await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "not an email");
    assert_eq!(body["errors"][0]["field"], "email", "{body}");
    let (status, body) = app.get("/api/v1/users", Some(&admin)).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "no email asked for");
});
