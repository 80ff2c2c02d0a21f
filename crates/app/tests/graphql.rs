//! GraphQL at `/graphql`: the same data, rules and errors as REST (with stable
//! `extensions.code`s), and the limits that keep one query from costing the server dear.

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, on_every_backend};

async fn graphql(app: &TestApp, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().post(format!("{}/graphql", app.base)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let reply = request.send().await.expect("the server answers");
    let status = reply.status();
    (status, reply.json().await.unwrap_or(Value::Null))
}

async fn query(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    let (status, body) = graphql(app, token, json!({ "query": query, "variables": variables })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("an error with a code: {body}"))
}

const PRODUCTS: &str = "query($first: Int, $after: String) { products(first: $first, after: $after) {
    edges { cursor node { id name price { amountMinor currency } stockStatus available } }
    pageInfo { hasNextPage endCursor } } }";

on_every_backend!(products_page_through_as_over_rest, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    for n in 0..3 {
        app.create_product(&admin, 50 + n, 10).await;
    }

    let first = query(&app, None, PRODUCTS, json!({ "first": 2 })).await;
    let page = &first["data"]["products"];
    assert_eq!(page["edges"].as_array().unwrap().len(), 2, "{first}");
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let after = page["pageInfo"]["endCursor"].clone();
    let second = query(&app, None, PRODUCTS, json!({ "first": 2, "after": after })).await;
    assert_eq!(second["data"]["products"]["pageInfo"]["hasNextPage"], false);

    let (_, rest) = app.get("/api/v1/products?limit=3", None).await;
    let ids = |edges: &Value| edges.as_array().unwrap().iter().map(|e| e["node"]["id"].clone()).collect::<Vec<_>>();
    let mut seen = ids(&page["edges"]);
    seen.extend(ids(&second["data"]["products"]["edges"]));
    let rest_ids: Vec<_> = rest["items"].as_array().unwrap().iter().map(|p| p["id"].clone()).collect();
    assert_eq!(seen, rest_ids, "the same products in the same order as REST");
    let node = &page["edges"][0]["node"];
    assert_eq!(node["price"]["amountMinor"], rest["items"][0]["price"]["amount_minor"]);
    assert_eq!(node["price"]["currency"], "USD");
    assert_eq!(node["stockStatus"], "IN_STOCK");

    let one = query(&app, None, "query($id: UUID!) { product(id: $id) { name } }", json!({ "id": node["id"] })).await;
    assert_eq!(one["data"]["product"]["name"], node["name"]);
});

on_every_backend!(bad_arguments_and_missing_things_have_stable_codes, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let missing = uuid::Uuid::now_v7();
    let unknown = query(&app, None, "query($id: UUID!) { product(id: $id) { name } }", json!({ "id": missing })).await;
    assert_eq!(error_code(&unknown), "NOT_FOUND", "{unknown}");
    assert!(unknown["data"].is_null(), "{unknown}");
    let light = "query($first: Int, $after: String) { products(first: $first, after: $after) { edges { cursor } } }";
    for variables in [json!({ "first": 0 }), json!({ "first": 101 }), json!({ "after": "not-a-cursor" })] {
        let refused = query(&app, None, light, variables.clone()).await;
        assert_eq!(error_code(&refused), "BAD_REQUEST", "{variables}: {refused}");
    }
    let mistyped = query(&app, None, "{ product(id: \"not-a-uuid\") { name } }", json!({})).await;
    assert!(mistyped["errors"][0]["message"].as_str().unwrap().contains("UUID"), "{mistyped}");
    assert_eq!(error_code(&mistyped), "BAD_USER_INPUT");
    let unparsable = query(&app, None, "{ product(", json!({})).await;
    assert_eq!(error_code(&unparsable), "GRAPHQL_VALIDATION_FAILED");
});

on_every_backend!(me_needs_a_valid_token, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let customer = app.new_customer().await;

    let anonymous = query(&app, None, "{ me { email } }", json!({})).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let forged = query(&app, Some("not.a.token"), "{ me { email } }", json!({})).await;
    assert_eq!(error_code(&forged), "UNAUTHENTICATED");
    // A refused token fails only what needs a caller.
    let mixed = query(&app, Some("not.a.token"), "{ me { email } categories { name } }", json!({})).await;
    assert!(mixed["data"].is_null() || mixed["data"]["categories"].is_array(), "{mixed}");

    let me = query(&app, Some(&customer), "{ me { id email role } }", json!({})).await;
    let (_, rest) = app.get("/api/v1/me", Some(&customer)).await;
    assert_eq!(me["data"]["me"]["email"], rest["email"]);
    assert_eq!(me["data"]["me"]["role"], "CUSTOMER");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_too_deep_too_costly_or_too_many_are_refused() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let deep = format!("{{ {}__typename{} }}", "products { edges { node { price { ".repeat(3), " } } } }".repeat(3));
    let refused = query(&app, None, &deep, json!({})).await;
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("nested too deep"), "{refused}");
    assert_eq!(error_code(&refused), "GRAPHQL_VALIDATION_FAILED");

    let aliases = (0..12).map(|n| format!("p{n}: products(first: 100) {{ edges {{ node {{ id name }} }} }}"));
    let costly = format!("{{ {} }}", aliases.collect::<Vec<_>>().join(" "));
    let refused = query(&app, None, &costly, json!({})).await;
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("too complex"), "{refused}");

    let batch: Vec<Value> = (0..11).map(|_| json!({ "query": "{ categories { name } }" })).collect();
    let (status, _) = graphql(&app, None, Value::Array(batch.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, answers) = graphql(&app, None, Value::Array(batch[..2].to_vec())).await;
    assert_eq!((status, answers.as_array().map(Vec::len)), (StatusCode::OK, Some(2)), "{answers}");

    let long = format!("{{ categories {{ name }} }} # {}", "x".repeat(20_000));
    assert_eq!(graphql(&app, None, json!({ "query": long })).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_json_posts_are_served_so_no_other_site_can_send_an_operation() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", app.base);
    let over_get = client.get(format!("{url}?query={{categories{{name}}}}")).send().await.unwrap();
    assert_eq!(over_get.status(), StatusCode::METHOD_NOT_ALLOWED);
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let reply = client
            .post(&url)
            .header("content-type", content_type)
            .body(r#"{"query":"{ categories { name } }"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
    }
    let (status, body) = graphql(&app, None, json!({ "nope": 1 })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_and_suggestions_are_off_in_production_only() {
    let introspect = "{ __schema { queryType { name } } }";
    let development = TestApp::spawn(&Backend::Sqlite).await;
    let open = query(&development, None, introspect, json!({})).await;
    assert_eq!(open["data"]["__schema"]["queryType"]["name"], "Query", "{open}");
    let typo = query(&development, None, "{ categorie { name } }", json!({})).await;
    assert!(typo["errors"][0]["message"].as_str().unwrap().contains("Did you mean"), "{typo}");

    let production = TestApp::spawn_with(&Backend::Sqlite, |settings| {
        settings.environment = emporium::settings::Environment::Production;
    })
    .await;
    let closed = query(&production, None, introspect, json!({})).await;
    assert!(closed["data"]["__schema"].is_null(), "{closed}");
    let typo = query(&production, None, "{ categorie { name } }", json!({})).await;
    assert!(!typo["errors"][0]["message"].as_str().unwrap().contains("Did you mean"), "{typo}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committed_schema_is_the_served_one() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema.graphql"))
        .expect("docs/schema.graphql");
    assert_eq!(
        app.platform().graphql_sdl(),
        committed,
        "docs/schema.graphql is stale: run `cargo run --bin emporium -- graphql-schema > docs/schema.graphql`"
    );
}
