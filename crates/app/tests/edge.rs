//! The HTTP edge as a browser meets it: which sites' pages may call the API (CORS), and
//! the headers that keep an API answer from being run or framed as a page.

use reqwest::StatusCode;
use testkit::{Backend, TestApp};

const SHOP: &str = "https://shop.example.com";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_allowed_origins_may_call_the_api_from_a_browser() {
    let app = TestApp::spawn_with(&Backend::Sqlite, |settings| settings.cors_origins = vec![SHOP.to_owned()]).await;
    let client = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, format!("{}/api/v1/orders", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type, idempotency-key")
            .send()
    };

    let allowed = preflight(SHOP).await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], SHOP);
    let methods = allowed.headers()["access-control-allow-methods"].to_str().unwrap().to_owned();
    assert!(methods.contains("POST"), "{methods}");
    assert!(allowed.headers()["access-control-allow-headers"].to_str().unwrap().contains("idempotency-key"));
    assert!(allowed.headers().get("access-control-allow-credentials").is_none(), "cookies are never invited");

    let foreign = preflight("https://evil.example").await.unwrap();
    assert!(foreign.headers().get("access-control-allow-origin").is_none());
    let read = client.get(format!("{}/api/v1/products", app.base)).header("origin", "https://evil.example").send();
    assert!(read.await.unwrap().headers().get("access-control-allow-origin").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_configured_origins_no_site_is_allowed() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let reply = reqwest::Client::new()
        .get(format!("{}/api/v1/products", app.base))
        .header("origin", SHOP)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    assert!(reply.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_cannot_be_run_sniffed_or_framed() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    for path in ["/api/v1/products", "/api/v1/no-such-thing", "/api/v1/me", "/healthz"] {
        let reply = reqwest::get(format!("{}{path}", app.base)).await.unwrap();
        let headers = reply.headers();
        assert_eq!(headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
    }
    // The bundled docs page may load its own scripts, and nothing else's.
    let docs = reqwest::get(format!("{}/api/docs/", app.base)).await.unwrap();
    let policy = docs.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.starts_with("default-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
}
