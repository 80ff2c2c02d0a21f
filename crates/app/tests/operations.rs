//! Health, readiness, metrics, the demo seed and the catalog a shopper browses.

use reqwest::StatusCode;
use testkit::{Backend, CUSTOMER_EMAIL, CUSTOMER_PASSWORD, TestApp, on_every_backend};

on_every_backend!(demo_data_seeds_once_and_pages_through, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    app.seed_demo().await;
    app.seed_demo().await;
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/products?limit=20&cursor={c}"),
            None => "/api/v1/products?limit=20".to_owned(),
        };
        let (status, page) = app.get(&path, None).await;
        assert_eq!(status, StatusCode::OK);
        for product in page["items"].as_array().unwrap() {
            let pictures = product["images"].as_array().unwrap();
            assert_eq!(pictures.len(), 1, "one picture each, however often the seed runs: {product}");
            let card =
                reqwest::get(format!("{}{}", app.base, pictures[0]["card_url"].as_str().unwrap())).await.unwrap();
            assert_eq!(card.status(), StatusCode::OK);
            assert_eq!(card.headers()["content-type"], "image/jpeg");
        }
        seen += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, 50, "every demo product once, across pages");
    let (_, categories) = app.get("/api/v1/categories", None).await;
    let categories = categories["items"].as_array().unwrap();
    assert_eq!(categories.len(), 8);
    let nested = categories.iter().filter(|c| !c["parent_id"].is_null()).count();
    assert_eq!(nested, 3, "the demo tree: {categories:?}");
    let token = app.login(CUSTOMER_EMAIL, CUSTOMER_PASSWORD).await;
    let (status, me) = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!((status, me["role"].as_str()), (StatusCode::OK, Some("customer")));
    let out_of_stock = app
        .eventually("stock status follows inventory", || async {
            let (_, page) = app.get("/api/v1/products?limit=100", None).await;
            let items = page["items"].as_array()?.clone();
            let zero: Vec<_> = items.iter().filter(|p| p["stock_status"] == "out_of_stock").cloned().collect();
            (zero.len() == 2).then_some(zero)
        })
        .await;
    assert!(out_of_stock.iter().all(|p| p["available"] == 0));
});

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let (status, _) = app.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get("/readyz", None).await;
    assert_eq!(status, StatusCode::OK);
    app.get("/api/v1/products", None).await;
    let response = reqwest::get(format!("{}/metrics", app.base)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.contains("emporium_http_requests_total"), "{text}");
}

on_every_backend!(the_audit_finds_books_that_disagree, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    let product = app.create_product(&admin, 5, 2_000).await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (_, placed) = app.place_order(&customer, &[(product, 1)], card, "US").await;
    app.settled_order(&customer, placed["id"].as_str().unwrap()).await;
    app.assert_invariants().await;
    let audited = app.cli(env!("CARGO_BIN_EXE_emporium"), &["audit", "--wait", "10"]).await;
    assert!(audited.contains("every invariant holds"), "{audited}");

    // A capture the shop's orders do not account for.
    let payments = app.platform().database("payments").expect("payments database");
    let mut tx = payments.begin().await.unwrap();
    sqlx::query(
        "insert into simulated_gateway_operations (idempotency_key, kind, reference, amount_minor, currency, result_id, created_at) \
         values ('stray', 'capture', 'auth_stray', 999, 'USD', 'ch_stray', '2026-12-04T00:00:00Z')",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let broken = emporium::audit::broken_invariant(app.platform()).await.unwrap();
    assert!(
        broken.as_deref().is_some_and(|why| why.starts_with("I3: captured 999, refunded 0 and still held 2500")),
        "{broken:?}"
    );
});
