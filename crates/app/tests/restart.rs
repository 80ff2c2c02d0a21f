//! Crashes and restarts: a saga stopped between two steps resumes from its stream and
//! finishes with every effect exactly once; read models rebuilt from zero equal live ones.

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;
use testkit::{Backend, Bus, TestApp, on_every_backend, on_every_backend_and_bus};

on_every_backend_and_bus!(
    a_saga_resumes_after_a_crash_with_each_effect_once,
    |backend: Backend, bus: Bus| async move {
        // A slow card gateway keeps the saga inside the payment step long enough to crash there.
        let app = TestApp::spawn_with(&backend, |settings| {
            bus.apply(settings);
            settings.gateway_latency_ms = 1500;
        })
        .await;
        let admin = app.admin_token().await;
        let product = app.create_product(&admin, 5, 1000).await;
        let customer = app.new_customer().await;
        let card = app.add_card(&customer, "4242424242424242").await;
        let (_, placed) = app.place_order(&customer, &[(product, 2)], card, "US").await;
        let order_id = placed["id"].as_str().unwrap().to_owned();
        app.eventually("the saga is waiting for the payment", || async {
            let (_, order) = app.get(&format!("/api/v1/orders/{order_id}"), Some(&customer)).await;
            let steps = order["saga"]["steps"].as_array()?.clone();
            steps.iter().any(|s| s["name"] == "process_payment" && s["status"] == "in_progress").then_some(())
        })
        .await;

        let mut app = app;
        app.settings.gateway_latency_ms = 0;
        let app = app.crash_and_restart().await;

        let order = app.settled_order(&customer, &order_id).await;
        assert_eq!(order["status"], "completed", "{order}");
        // Inventory's read model follows its own store, a moment behind the order.
        app.eventually("the stock is held once", || async {
            let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
            (level["reserved"] == json!(2)).then_some(())
        })
        .await;
        let payments = app.platform().database("payments").unwrap();
        let authorizations: i64 = sqlx::query(
            "select cast(count(*) as bigint) from simulated_gateway_operations where kind = 'authorization'",
        )
        .fetch_one(payments.reader())
        .await
        .unwrap()
        .get(0);
        assert_eq!(authorizations, 1, "authorized once");
        let orders = app.platform().database("orders").unwrap();
        let completions: i64 = sqlx::query(
            "select cast(count(*) as bigint) from events where event_type = 'OrderCompleted' and stream_id = $1",
        )
        .bind(format!("order-{order_id}"))
        .fetch_one(orders.reader())
        .await
        .unwrap()
        .get(0);
        assert_eq!(completions, 1, "completed once");
        let shipping = app.platform().database("shipping").unwrap();
        let shipments: i64 =
            sqlx::query("select cast(count(*) as bigint) from events where event_type = 'ShipmentCreated'")
                .fetch_one(shipping.reader())
                .await
                .unwrap()
                .get(0);
        assert_eq!(shipments, 1, "shipped once");
        app.assert_invariants().await;
    }
);

/// Every row of `table` as text, in key order.
async fn snapshot(db: &kernel::Db, table: &str) -> Vec<Vec<String>> {
    let sql = format!("select * from {table} order by 1");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.reader()).await.unwrap();
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| match row.try_get::<Option<String>, _>(i) {
                    Ok(text) => format!("{text:?}"),
                    Err(_) => format!("{:?}", row.try_get::<Option<i64>, _>(i).unwrap()),
                })
                .collect()
        })
        .collect()
}

on_every_backend!(rebuilt_read_models_equal_live_ones, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 3, 1000).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    for (quantity, country) in [(1, "US"), (5, "US"), (1, "AQ")] {
        let (_, placed) = app.place_order(&customer, &[(product, quantity)], card, country).await;
        app.settled_order(&customer, placed["id"].as_str().unwrap()).await;
    }
    for (projection, table, context) in [
        ("orders", "orders", "orders"),
        ("inventory_stock_levels", "stock_levels", "inventory"),
        ("payments", "payments", "payments"),
        ("catalog_products", "products", "catalog"),
        ("shipments", "shipments", "shipping"),
    ] {
        let db = app.platform().database(context).unwrap();
        let live = snapshot(db, table).await;
        assert!(!live.is_empty(), "{table} has rows");
        let applied = app.platform().rebuild_projection(projection).await.unwrap();
        assert!(applied > 0);
        assert_eq!(snapshot(db, table).await, live, "{projection} rebuilt differs");
    }
    let (status, _) = app.get("/api/v1/orders", Some(&customer)).await;
    assert_eq!(status, StatusCode::OK);
});
