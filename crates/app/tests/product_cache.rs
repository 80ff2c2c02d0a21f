//! Product pages and shoppers' search answers are served cache-aside, in process or from
//! Redis, and a stock or catalog change retires what was cached.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use testkit::{Backend, TestApp, redis_url};
use uuid::Uuid;

/// Orders two of five units and checks the product page follows: the cached page must be
/// invalidated, since its 30 s TTL outlives the test's patience.
async fn a_stock_change_refreshes_the_cached_page<'a>(app: &'a TestApp) -> Uuid {
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1000).await;
    let path = format!("/api/v1/products/{product}");
    let page = |app: &'a TestApp| {
        let path = path.clone();
        async move { app.get(&path, None).await.1 }
    };
    app.eventually("the page shows the opened stock", || async { (page(app).await["available"] == 5).then_some(()) })
        .await;
    assert_eq!(page(app).await["available"], 5, "served again, now from the cache");

    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (_, placed) = app.place_order(&customer, &[(product, 2)], card, "US").await;
    app.settled_order(&customer, placed["id"].as_str().unwrap()).await;
    let refreshed: Value = app
        .eventually("the cached page is invalidated", || async {
            let body = page(app).await;
            (body["available"] == 3).then_some(body)
        })
        .await;
    assert_eq!(refreshed["stock_status"], "low_stock");
    product
}

/// Searches for one product twice (the second answer may come from the cache), then
/// changes its stock and its name: each change must show in the very next search.
async fn search_answers_follow_every_change(app: &TestApp) {
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 3, 1000).await;
    let (_, page) = app.get(&format!("/api/v1/products/{product}"), None).await;
    let sku = page["sku"].as_str().unwrap().to_owned();
    let in_stock = format!("/api/v1/products?q={sku}&in_stock=true");
    let total = |body: &Value| body["total"].as_u64().unwrap();
    for _ in 0..2 {
        let (_, body) = app.get(&in_stock, None).await;
        assert_eq!(total(&body), 1, "{body}");
        assert_eq!(body["items"][0]["available"], 3, "{body}");
    }
    let (status, body) = app
        .post(
            &format!("/api/v1/inventory/{product}/adjustments"),
            Some(&admin),
            json!({ "delta": -3, "reason": "damage" }),
        )
        .await;
    assert!(status.is_success(), "{body}");
    app.eventually("the search answer follows the stock", || async {
        let (_, body) = app.get(&in_stock, None).await;
        (total(&body) == 0).then_some(())
    })
    .await;
    let (_, body) = app.get(&format!("/api/v1/products?q={sku}"), None).await;
    assert_eq!(body["facets"]["availability"], json!({ "in_stock": 0, "out_of_stock": 1 }), "{body}");

    let (status, body) = app
        .request(
            Method::PATCH,
            &format!("/api/v1/products/{product}"),
            Some(&admin),
            Some(json!({ "name": "Zanzibar Teapot" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body) = app.get("/api/v1/products?q=zanzibar", None).await;
    assert_eq!(total(&body), 1, "a renamed product is found by its new name at once: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_cache() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    a_stock_change_refreshes_the_cached_page(&app).await;
    search_answers_follow_every_change(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cache() {
    let Some(url) = redis_url() else { return };
    let prefix = format!("test:{}:", Uuid::new_v4().simple());
    let app = TestApp::spawn_with(&Backend::Sqlite, |settings| {
        settings.redis_url = Some(url.clone());
        settings.redis_prefix.clone_from(&prefix);
    })
    .await;
    let product = a_stock_change_refreshes_the_cached_page(&app).await;
    search_answers_follow_every_change(&app).await;
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!("{prefix}catalog:product:{product}");
    let cached: Option<String> = redis::cmd("GET").arg(&key).query_async(&mut connection).await.unwrap();
    let cached: Value = serde_json::from_str(&cached.expect("the page is cached in Redis")).unwrap();
    assert_eq!(cached["available"], 3);
    let ttl: i64 = redis::cmd("PTTL").arg(&key).query_async(&mut connection).await.unwrap();
    assert!((1..=30_000).contains(&ttl), "entries expire: {ttl}");
    let _: () = redis::cmd("DEL").arg(&key).query_async(&mut connection).await.unwrap();
    let searches: Vec<String> =
        redis::cmd("KEYS").arg(format!("{prefix}catalog:search:*")).query_async(&mut connection).await.unwrap();
    assert!(!searches.is_empty(), "search answers are cached in Redis");
    for key in searches {
        let _: () = redis::cmd("DEL").arg(&key).query_async(&mut connection).await.unwrap();
    }
}
