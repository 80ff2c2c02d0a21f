//! Low-stock alerts on both engines: a product's own threshold, one `LowStockDetected` per
//! crossing however many orders race across it, `StockDepleted` and `BackInStock` at zero,
//! the admin's alert list, and the catalog showing "low stock" by the product's threshold.

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, on_every_backend};
use uuid::Uuid;

/// How often each alert was recorded in `product`'s stock stream.
async fn alerts(app: &TestApp, product: Uuid) -> (usize, usize, usize) {
    let events = app.event_types("inventory", &format!("stock-{product}")).await;
    let count = |kind: &str| events.iter().filter(|event| *event == kind).count();
    (count("LowStockDetected"), count("StockDepleted"), count("BackInStock"))
}

async fn shown_as(app: &TestApp, product: Uuid, status: &str) {
    app.eventually(&format!("the catalog shows {status}"), || async {
        let (_, shown) = app.get(&format!("/api/v1/products/{product}"), None).await;
        (shown["stock_status"] == status).then_some(())
    })
    .await;
}

async fn alert_list(app: &TestApp, admin: &str) -> Vec<(String, i64)> {
    let (status, list) = app.get("/api/v1/inventory/alerts", Some(admin)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|level| (level["product_id"].as_str().unwrap().to_owned(), level["available"].as_i64().unwrap()))
        .collect()
}

on_every_backend!(one_alert_per_crossing_however_many_orders_race_across_it, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 60, 500).await;
    let threshold = format!("/api/v1/inventory/{product}/threshold");
    app.eventually("Inventory opens the stock item", || async {
        let (status, _) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
        (status == StatusCode::OK).then_some(())
    })
    .await;
    let (status, level) =
        app.request(Method::PUT, &threshold, Some(&admin), Some(json!({ "low_stock_threshold": 20 }))).await;
    assert_eq!((status, level["low_stock_threshold"].as_i64()), (StatusCode::OK, Some(20)), "{level}");
    assert_eq!(alerts(&app, product).await, (0, 0, 0), "60 is above 20");

    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let line = [(product, 1)];
    let placed = join_all((0..50).map(|_| app.place_order(&customer, &line, card, "US"))).await;
    for (status, order) in &placed {
        assert_eq!(*status, StatusCode::ACCEPTED, "{order}");
    }
    join_all(placed.iter().map(|(_, order)| app.settled_order(&customer, order["id"].as_str().unwrap()))).await;
    assert_eq!(alerts(&app, product).await, (1, 0, 0), "50 orders crossed 20 once");
    assert_eq!(alert_list(&app, &admin).await, [(product.to_string(), 10)]);
    shown_as(&app, product, "low_stock").await; // 10 units: low by this product's 20, not by the default 5

    let adjust = format!("/api/v1/inventory/{product}/adjustments");
    let (status, _) = app.post(&adjust, Some(&admin), json!({ "delta": -10, "reason": "damage" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(alerts(&app, product).await, (1, 1, 0), "nothing left to promise");
    shown_as(&app, product, "out_of_stock").await;
    let (status, _) = app.post(&adjust, Some(&admin), json!({ "delta": 30, "reason": "restock" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(alerts(&app, product).await, (1, 1, 1), "back, and above the threshold again");
    assert_eq!(alert_list(&app, &admin).await, [], "30 is above 20");
    shown_as(&app, product, "in_stock").await;

    let (status, _) =
        app.request(Method::PUT, &threshold, Some(&admin), Some(json!({ "low_stock_threshold": 40 }))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(alerts(&app, product).await, (2, 1, 1), "a higher threshold is a crossing too");
    assert_eq!(alert_list(&app, &admin).await, [(product.to_string(), 30)]);
    app.assert_invariants().await;
});

on_every_backend!(bad_thresholds_are_refused_and_change_nothing, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    let product = app.create_product(&admin, 10, 500).await;
    let threshold = format!("/api/v1/inventory/{product}/threshold");
    app.eventually("Inventory opens the stock item", || async {
        let (status, _) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
        (status == StatusCode::OK).then_some(())
    })
    .await;
    let before = app.event_types("inventory", &format!("stock-{product}")).await;
    let cases: Vec<(&str, Option<&str>, String, Value, StatusCode)> = vec![
        (
            "a negative threshold",
            Some(&admin),
            threshold.clone(),
            json!({ "low_stock_threshold": -1 }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "a huge threshold",
            Some(&admin),
            threshold.clone(),
            json!({ "low_stock_threshold": 1_000_001 }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "a threshold as text",
            Some(&admin),
            threshold.clone(),
            json!({ "low_stock_threshold": "ten" }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "an unknown field",
            Some(&admin),
            threshold.clone(),
            json!({ "low_stock_threshold": 3, "alert": true }),
            StatusCode::BAD_REQUEST,
        ),
        ("a customer", Some(&customer), threshold.clone(), json!({ "low_stock_threshold": 3 }), StatusCode::FORBIDDEN),
        ("anonymous", None, threshold.clone(), json!({ "low_stock_threshold": 3 }), StatusCode::UNAUTHORIZED),
        (
            "an unknown product",
            Some(&admin),
            format!("/api/v1/inventory/{}/threshold", Uuid::now_v7()),
            json!({ "low_stock_threshold": 3 }),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (what, token, path, body, expected) in cases {
        let (status, answer) = app.request(Method::PUT, &path, token, Some(body)).await;
        assert_problem(status, &answer, expected, what);
    }
    assert_eq!(app.event_types("inventory", &format!("stock-{product}")).await, before, "no refusal recorded anything");
    let (status, body) = app.get("/api/v1/inventory/alerts", Some(&customer)).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "a customer reading the alerts");
});

on_every_backend!(admins_page_through_every_products_stock, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let mut products = Vec::new();
    for stock in [3, 7, 11] {
        products.push((app.create_product(&admin, stock, 500).await, stock));
    }
    products.sort();
    app.eventually("Inventory opens every stock item", || async {
        let (_, page) = app.get("/api/v1/inventory?limit=100", Some(&admin)).await;
        (page["items"].as_array().map(Vec::len) == Some(products.len())).then_some(())
    })
    .await;

    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = app.get(&format!("/api/v1/inventory?limit=2&cursor={cursor}"), Some(&admin)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for level in page["items"].as_array().unwrap() {
            let id: Uuid = level["product_id"].as_str().unwrap().parse().unwrap();
            seen.push((id, level["available"].as_i64().unwrap()));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, products, "every product once, in id order, across pages of two");

    let customer = app.new_customer().await;
    for (what, token, query, expected) in [
        ("a customer", Some(customer.as_str()), "", StatusCode::FORBIDDEN),
        ("anonymous", None, "", StatusCode::UNAUTHORIZED),
        ("a zero limit", Some(admin.as_str()), "?limit=0", StatusCode::BAD_REQUEST),
        ("a cursor that is not one", Some(admin.as_str()), "?cursor=nope", StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = app.get(&format!("/api/v1/inventory{query}"), token).await;
        assert_problem(status, &body, expected, what);
    }
});

on_every_backend!(damaged_units_set_aside_are_never_sold_and_are_written_off_first, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 10, 500).await;
    let aside = format!("/api/v1/inventory/{product}/unavailable");
    let stock = |level: &Value| {
        ["on_hand", "reserved", "unavailable", "available"].map(|field| level[field].as_i64().unwrap_or(-1))
    };

    let (status, level) = app.post(&aside, Some(&admin), json!({ "delta": 8, "note": "water damage" })).await;
    assert_eq!((status, stock(&level)), (StatusCode::OK, [10, 0, 8, 2]), "{level}");
    app.eventually("the catalog offers only the sound units", || async {
        let (_, shown) = app.get(&format!("/api/v1/products/{product}"), None).await;
        (shown["available"] == 2 && shown["stock_status"] == "low_stock").then_some(())
    })
    .await;

    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (_, too_many) = app.place_order(&customer, &[(product, 3)], card, "US").await;
    let refused = app.settled_order(&customer, too_many["id"].as_str().unwrap()).await;
    assert_eq!(
        (refused["status"].as_str(), refused["cancellation"]["code"].as_str()),
        (Some("cancelled"), Some("out_of_stock"))
    );
    let (_, sound) = app.place_order(&customer, &[(product, 2)], card, "US").await;
    let sold = app.settled_order(&customer, sound["id"].as_str().unwrap()).await;
    assert_eq!(sold["status"], "completed", "{sold}");
    // Inventory's read model follows its own store, a moment behind the order.
    let level = app
        .eventually("the hold shows in Inventory", || async {
            let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
            (level["reserved"] == json!(2)).then_some(level)
        })
        .await;
    assert_eq!(stock(&level), [10, 2, 8, 0], "{level}");

    // Held and set-aside units are both beyond what a count may take away.
    let adjust = format!("/api/v1/inventory/{product}/adjustments");
    let (status, body) = app.post(&adjust, Some(&admin), json!({ "delta": -1, "reason": "shrinkage" })).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "below held plus set aside");
    let (status, level) =
        app.post(&adjust, Some(&admin), json!({ "delta": -5, "reason": "damage", "note": "binned" })).await;
    assert_eq!((status, stock(&level)), (StatusCode::OK, [5, 2, 3, 0]), "written off from the set-aside: {level}");
    let (status, level) = app.post(&aside, Some(&admin), json!({ "delta": -3, "note": "repaired" })).await;
    assert_eq!((status, stock(&level)), (StatusCode::OK, [5, 2, 0, 3]), "back on sale: {level}");
    assert_eq!(alerts(&app, product).await, (1, 1, 1), "low when set aside, out when sold, back when repaired");

    let (_, history) = app.get(&format!("/api/v1/inventory/{product}/history?limit=3"), Some(&admin)).await;
    let newest: Vec<(&str, i64, i64, i64)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let n = |field: &str| m[field].as_i64().unwrap();
            (m["kind"].as_str().unwrap(), n("on_hand_change"), n("unavailable_change"), n("unavailable"))
        })
        .collect();
    assert_eq!(newest, [("set_aside", 0, -3, 0), ("adjusted", -5, -5, 3), ("reserved", 0, 0, 8)], "{history}");
    assert_eq!(history["items"][0]["note"], "repaired");
    assert!(history["items"][0]["actor"].is_string(), "who did it: {history}");
    app.assert_invariants().await;
});
