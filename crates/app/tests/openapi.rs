//! The OpenAPI document: served at `/api/openapi.json`, committed as `docs/openapi.json`
//! (the storefront generates its types from it), and true to the routes that exist.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use testkit::{Backend, TestApp};

fn committed() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("docs/openapi.json exists")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_is_the_committed_one() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let (status, served) = app.get("/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        served == committed(),
        "docs/openapi.json is stale: run `cargo run --bin emporium -- openapi > docs/openapi.json` \
         and `npm run gen:api` in frontend/"
    );
    let docs = reqwest::get(format!("{}/api/docs/", app.base)).await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"), "the docs UI is served from the binary");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_routed() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let document = committed();
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{id}", &uuid::Uuid::now_v7().to_string())
            .replace("{product_id}", &uuid::Uuid::now_v7().to_string())
            .replace("{image_id}", &uuid::Uuid::now_v7().to_string())
            .replace("{file}", "card.jpg");
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, body) = app.request(method.clone(), &concrete, None, None).await;
            operations += 1;
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert_ne!(body["detail"], "no such endpoint", "{method} {path} is documented but not routed");
        }
    }
    assert_eq!(operations, 50);
}

/// utoipa merges the parts' schemas by name without a word: a context naming a type as
/// another context already did would silently replace that one in the document (an order
/// timeline's `TimelineEntry` once replaced the saga operations' own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_two_parts_give_one_schema_name_to_different_schemas() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let mut seen: std::collections::HashMap<String, (&str, Value)> = std::collections::HashMap::new();
    let mut clashes = Vec::new();
    for (part, document) in app.platform().openapi_by_part() {
        let schemas = document.components.map(|components| components.schemas).unwrap_or_default();
        for (name, schema) in schemas {
            let schema = serde_json::to_value(schema).unwrap();
            match seen.get(&name) {
                Some((first, earlier)) if *earlier != schema => clashes.push(format!("{name}: {first} and {part}")),
                Some(_) => {}
                None => {
                    seen.insert(name, (part, schema));
                }
            }
        }
    }
    assert!(seen.len() > 50, "every part's schemas were read ({})", seen.len());
    assert!(clashes.is_empty(), "one name, two schemas: {clashes:?}");
}
