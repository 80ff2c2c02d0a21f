//! Product pages are served cache-aside, in process or from Redis, and a stock change
//! invalidates the cached page.

use serde_json::Value;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_cache() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    a_stock_change_refreshes_the_cached_page(&app).await;
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
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!("{prefix}catalog:product:{product}");
    let cached: Option<String> = redis::cmd("GET").arg(&key).query_async(&mut connection).await.unwrap();
    let cached: Value = serde_json::from_str(&cached.expect("the page is cached in Redis")).unwrap();
    assert_eq!(cached["available"], 3);
    let ttl: i64 = redis::cmd("PTTL").arg(&key).query_async(&mut connection).await.unwrap();
    assert!((1..=30_000).contains(&ttl), "entries expire: {ttl}");
    let _: () = redis::cmd("DEL").arg(&key).query_async(&mut connection).await.unwrap();
}
