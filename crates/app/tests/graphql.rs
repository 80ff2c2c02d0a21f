//! GraphQL at `/graphql`: the same data, rules and errors as REST (with stable
//! `extensions.code`s), and the limits that keep one query from costing the server dear.

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, on_every_backend};
use uuid::Uuid;

async fn graphql(app: &TestApp, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().post(format!("{}/graphql", app.base)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let reply = request.send().await.expect("the server answers");
    let status = reply.status();
    (status, reply.json().await.unwrap_or(Value::Null))
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

    let first = app.graphql(None, PRODUCTS, json!({ "first": 2 })).await;
    let page = &first["data"]["products"];
    assert_eq!(page["edges"].as_array().unwrap().len(), 2, "{first}");
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let after = page["pageInfo"]["endCursor"].clone();
    let second = app.graphql(None, PRODUCTS, json!({ "first": 2, "after": after })).await;
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

    let one = app.graphql(None, "query($id: UUID!) { product(id: $id) { name } }", json!({ "id": node["id"] })).await;
    assert_eq!(one["data"]["product"]["name"], node["name"]);
});

on_every_backend!(bad_arguments_and_missing_things_have_stable_codes, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let missing = uuid::Uuid::now_v7();
    let unknown = app.graphql(None, "query($id: UUID!) { product(id: $id) { name } }", json!({ "id": missing })).await;
    assert_eq!(error_code(&unknown), "NOT_FOUND", "{unknown}");
    assert!(unknown["data"].is_null(), "{unknown}");
    let light = "query($first: Int, $after: String) { products(first: $first, after: $after) { edges { cursor } } }";
    for variables in [json!({ "first": 0 }), json!({ "first": 101 }), json!({ "after": "not-a-cursor" })] {
        let refused = app.graphql(None, light, variables.clone()).await;
        assert_eq!(error_code(&refused), "BAD_REQUEST", "{variables}: {refused}");
    }
    let mistyped = app.graphql(None, "{ product(id: \"not-a-uuid\") { name } }", json!({})).await;
    assert!(mistyped["errors"][0]["message"].as_str().unwrap().contains("UUID"), "{mistyped}");
    assert_eq!(error_code(&mistyped), "BAD_USER_INPUT");
    let unparsable = app.graphql(None, "{ product(", json!({})).await;
    assert_eq!(error_code(&unparsable), "GRAPHQL_VALIDATION_FAILED");
});

on_every_backend!(me_needs_a_valid_token, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let customer = app.new_customer().await;

    let anonymous = app.graphql(None, "{ me { email } }", json!({})).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let forged = app.graphql(Some("not.a.token"), "{ me { email } }", json!({})).await;
    assert_eq!(error_code(&forged), "UNAUTHENTICATED");
    // A refused token fails only what needs a caller.
    let mixed = app.graphql(Some("not.a.token"), "{ me { email } categories { name } }", json!({})).await;
    assert!(mixed["data"].is_null() || mixed["data"]["categories"].is_array(), "{mixed}");

    let me = app.graphql(Some(&customer), "{ me { id email role } }", json!({})).await;
    let (_, rest) = app.get("/api/v1/me", Some(&customer)).await;
    assert_eq!(me["data"]["me"]["email"], rest["email"]);
    assert_eq!(me["data"]["me"]["role"], "CUSTOMER");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_too_deep_too_costly_or_too_many_are_refused() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let deep = format!("{{ {}__typename{} }}", "products { edges { node { price { ".repeat(3), " } } } }".repeat(3));
    let refused = app.graphql(None, &deep, json!({})).await;
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("nested too deep"), "{refused}");
    assert_eq!(error_code(&refused), "GRAPHQL_VALIDATION_FAILED");

    let aliases = (0..12).map(|n| format!("p{n}: products(first: 100) {{ edges {{ node {{ id name }} }} }}"));
    let costly = format!("{{ {} }}", aliases.collect::<Vec<_>>().join(" "));
    let refused = app.graphql(None, &costly, json!({})).await;
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("too complex"), "{refused}");

    let batch: Vec<Value> = (0..6).map(|_| json!({ "query": "{ categories { name } }" })).collect();
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
    let open = development.graphql(None, introspect, json!({})).await;
    assert_eq!(open["data"]["__schema"]["queryType"]["name"], "Query", "{open}");
    let typo = development.graphql(None, "{ categorie { name } }", json!({})).await;
    assert!(typo["errors"][0]["message"].as_str().unwrap().contains("Did you mean"), "{typo}");

    let production = TestApp::spawn_with(&Backend::Sqlite, |settings| {
        settings.environment = emporium::settings::Environment::Production;
    })
    .await;
    let closed = production.graphql(None, introspect, json!({})).await;
    assert!(closed["data"]["__schema"].is_null(), "{closed}");
    let typo = production.graphql(None, "{ categorie { name } }", json!({})).await;
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

const REGISTER: &str =
    "mutation($email: String!) { register(email: $email, password: \"graphql-shopper-1\", name: \"Ada\") {
    accessToken refreshToken user { id } } }";
const ADD_CARD: &str = "mutation($number: String!) { addPaymentMethod(input: { cardNumber: $number, expMonth: 12,
    expYear: 2040, cvc: \"123\", holderName: \"Ada\" }) { id brand last4 } }";
const PLACE: &str =
    "mutation($input: PlaceOrderInput!, $key: String) { placeOrder(input: $input, idempotencyKey: $key) {
    id status total { amountMinor currency } } }";
const ORDER: &str = "query($id: UUID!) { order(id: $id) { id status cancellation { code message }
    saga { status steps { name status } } lines { quantity lineTotal { amountMinor } } } }";

/// A new customer, signed up through GraphQL, with a saved card `number`: its access token
/// and the card's id.
async fn shopper(app: &TestApp, number: &str) -> (String, Value) {
    let email = format!("g{}@example.com", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    let session = app.graphql(None, REGISTER, json!({ "email": email })).await;
    let token = session["data"]["register"]["accessToken"].as_str().unwrap_or_else(|| panic!("{session}")).to_owned();
    let card = app.graphql(Some(&token), ADD_CARD, json!({ "number": number })).await;
    let card_id = card["data"]["addPaymentMethod"]["id"].clone();
    assert!(card_id.is_string(), "{card}");
    (token, card_id)
}

/// Places an order through GraphQL and follows it through `order(id)` until it settles.
async fn order_through_graphql(app: &TestApp, token: &str, input: Value) -> Value {
    let placed = app.graphql(Some(token), PLACE, json!({ "input": input })).await;
    let id = placed["data"]["placeOrder"]["id"].clone();
    assert!(id.is_string(), "{placed}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let order = app.graphql(Some(token), ORDER, json!({ "id": id })).await;
        let order = order["data"]["order"].clone();
        if order["status"] == "completed" || order["status"] == "cancelled" {
            return order;
        }
        assert!(std::time::Instant::now() < deadline, "order never settled: {order}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn order_input(product: uuid::Uuid, quantity: i64, card: &Value, country: &str) -> Value {
    json!({
        "lines": [{ "productId": product, "quantity": quantity }],
        "paymentMethodId": card,
        "shippingAddress": { "name": "Ada", "line1": "1 Graph Lane", "city": "Springfield", "postalCode": "12345", "country": country },
    })
}

on_every_backend!(the_saga_and_its_three_failures_driven_entirely_through_graphql, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1250).await;

    let (token, card) = shopper(&app, "4242424242424242").await;
    let completed = order_through_graphql(&app, &token, order_input(product, 2, &card, "US")).await;
    assert_eq!(completed["status"], "completed", "{completed}");
    assert_eq!(completed["saga"]["status"], "COMPLETED");
    assert!(completed["saga"]["steps"].as_array().unwrap().iter().all(|s| s["status"] == "SUCCEEDED"), "{completed}");
    assert_eq!(completed["lines"][0]["lineTotal"]["amountMinor"], 2500);

    let out_of_stock = order_through_graphql(&app, &token, order_input(product, 4, &card, "US")).await;
    assert_eq!(
        (&out_of_stock["status"], &out_of_stock["cancellation"]["code"]),
        (&json!("cancelled"), &json!("out_of_stock"))
    );

    let (declined_token, declined_card) = shopper(&app, "4000000000000002").await;
    let declined = order_through_graphql(&app, &declined_token, order_input(product, 1, &declined_card, "US")).await;
    assert_eq!(declined["cancellation"]["code"], "payment_declined", "{declined}");

    let nowhere = order_through_graphql(&app, &token, order_input(product, 1, &card, "AQ")).await;
    assert_eq!(nowhere["cancellation"]["code"], "shipping_unavailable", "{nowhere}");
    assert_eq!(nowhere["saga"]["status"], "COMPENSATED");

    // Stock: 5, less the 2 sold (held for the parcel); every failed order gave back what it
    // held (the saga ends on the release's reply, which may reach it before the stock's read
    // model has the release).
    let stock = format!("/api/v1/inventory/{product}");
    let level = async || app.get(&stock, Some(&admin)).await.1;
    let settled = app.try_eventually(async || Some(level().await).filter(|l| l["reserved"] == 2)).await;
    let level = settled.unwrap_or(level().await);
    assert_eq!((level["available"].as_i64(), level["reserved"].as_i64()), (Some(3), Some(2)), "{level}");

    // Orders are the caller's own: another customer's is NOT_FOUND, and the list shows only theirs.
    let stranger = app.graphql(Some(&declined_token), ORDER, json!({ "id": completed["id"] })).await;
    assert_eq!(error_code(&stranger), "NOT_FOUND");
    let mine = app.graphql(Some(&declined_token), "{ orders { edges { node { id } } } }", json!({})).await;
    assert_eq!(mine["data"]["orders"]["edges"].as_array().map(Vec::len), Some(1), "{mine}");
});

on_every_backend!(graphql_mutations_refuse_bad_input_and_change_nothing, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1000).await;
    let (token, card) = shopper(&app, "4242424242424242").await;

    let refused = app.graphql(Some(&token), PLACE, json!({ "input": order_input(product, 0, &card, "USA") })).await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    let fields = refused["errors"][0]["extensions"]["fields"].to_string();
    assert!(fields.contains("lines[0].quantity") && fields.contains("shipping_address.country"), "{fields}");
    let anonymous = app.graphql(None, PLACE, json!({ "input": order_input(product, 1, &card, "US") })).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let bad_card = app.graphql(Some(&token), ADD_CARD, json!({ "number": "4242424242424241" })).await;
    assert_eq!(error_code(&bad_card), "BAD_USER_INPUT", "{bad_card}");
    let wrong = app
        .graphql(
            None,
            "mutation { login(email: \"nobody@example.com\", password: \"wrong-password\") { accessToken } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");

    let mine =
        app.graphql(Some(&token), "{ orders { edges { node { id } } } paymentMethods { last4 } }", json!({})).await;
    assert_eq!(mine["data"]["orders"]["edges"], json!([]), "no order was placed: {mine}");
    assert_eq!(mine["data"]["paymentMethods"], json!([{ "last4": "4242" }]), "no card was added: {mine}");

    // The same idempotency key places one order.
    let key = json!({ "input": order_input(product, 1, &card, "US"), "key": "graphql-key-1" });
    let first = app.graphql(Some(&token), PLACE, key.clone()).await;
    let again = app.graphql(Some(&token), PLACE, key).await;
    assert_eq!(first["data"]["placeOrder"]["id"], again["data"]["placeOrder"]["id"], "{first} {again}");
});

const FOLLOW: &str = "subscription($id: UUID!) { orderUpdated(id: $id) {
    event version order { status saga { status steps { name status } } } } }";

/// Subscribes to `orderUpdated(id)` over `graphql-transport-ws` as `token`; returns every
/// update, then the errors if the subscription failed.
async fn follow_order(app: &TestApp, token: Option<&str>, id: &Value) -> (Vec<Value>, Option<Value>) {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("{}/graphql/ws", app.base.replacen("http", "ws", 1)).into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("the WebSocket opens");
    let payload = token.map_or_else(|| json!({}), |token| json!({ "Authorization": format!("Bearer {token}") }));
    socket.send(Message::text(json!({ "type": "connection_init", "payload": payload }).to_string())).await.unwrap();
    let subscribe =
        json!({ "id": "1", "type": "subscribe", "payload": { "query": FOLLOW, "variables": { "id": id } } });
    let mut updates = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next()).await.expect("the subscription settles in time");
        let Some(Ok(Message::Text(text))) = message else { panic!("unexpected frame: {message:?}") };
        let message: Value = serde_json::from_str(&text).unwrap();
        match message["type"].as_str() {
            Some("connection_ack") => socket.send(Message::text(subscribe.to_string())).await.unwrap(),
            Some("next") => {
                if message["payload"]["errors"].is_array() {
                    return (updates, Some(message["payload"]["errors"].clone()));
                }
                updates.push(message["payload"]["data"]["orderUpdated"].clone());
            }
            Some("error") => return (updates, Some(message["payload"].clone())),
            Some("complete") => return (updates, None),
            Some("ping") => socket.send(Message::text(json!({ "type": "pong" }).to_string())).await.unwrap(),
            _ => panic!("unexpected message: {message}"),
        }
    }
}

on_every_backend!(a_subscriber_sees_every_step_of_the_saga_live_and_in_order, |backend: Backend| async move {
    let app = TestApp::spawn_with(&backend, |settings| settings.gateway_latency_ms = 300).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 900).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (_, placed) = app.place_order(&customer, &[(product, 1)], card, "US").await;

    let (updates, failure) = follow_order(&app, Some(&customer), &placed["id"]).await;

    assert!(failure.is_none(), "{failure:?}");
    let versions: Vec<i64> = updates.iter().map(|u| u["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, (1..=versions.len() as i64).collect::<Vec<_>>(), "every step, in order: {updates:#?}");
    assert!(updates.len() >= 6, "{updates:#?}");
    assert_ne!(updates[0]["order"]["status"], "completed", "updates arrive while the saga runs: {updates:#?}");
    let last = updates.last().unwrap();
    assert_eq!(
        (&last["order"]["status"], &last["order"]["saga"]["status"]),
        (&json!("completed"), &json!("COMPLETED"))
    );
    // An admin may follow it too, from the start, and the stream ends with the saga.
    let (replayed, failure) = follow_order(&app, Some(&admin), &placed["id"]).await;
    assert!(failure.is_none(), "{failure:?}");
    assert_eq!(replayed.len(), updates.len());
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_customer_or_an_admin_may_follow_an_order() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 900).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (_, placed) = app.place_order(&customer, &[(product, 1)], card, "US").await;

    let stranger = app.new_customer().await;
    let (updates, failure) = follow_order(&app, Some(&stranger), &placed["id"]).await;
    assert!(updates.is_empty());
    assert_eq!(failure.expect("refused")[0]["extensions"]["code"], "NOT_FOUND");
    let (updates, failure) = follow_order(&app, None, &placed["id"]).await;
    assert!(updates.is_empty());
    assert_eq!(failure.expect("refused")[0]["extensions"]["code"], "UNAUTHENTICATED");
}

on_every_backend!(admins_run_the_shop_through_graphql, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    const CATEGORY: &str =
        "mutation($name: String!, $slug: String!) { createCategory(input: { name: $name, slug: $slug }) { id slug } }";
    const PRODUCT: &str = "mutation($input: NewProduct!) { createProduct(input: $input) {
        id sku available stockStatus categoryId price { amountMinor currency } } }";
    let product_input = |sku: &str, amount: i64, category: &Value| {
        json!({ "sku": sku, "name": "Graph mug", "categoryId": category, "weightGrams": 350, "initialStock": 10,
                "price": { "amountMinor": amount, "currency": "USD" } })
    };

    // Admins only; bad input names its fields; a taken slug or SKU is a conflict.
    let kitchen = json!({ "name": "Kitchen", "slug": "kitchen" });
    assert_eq!(error_code(&app.graphql(Some(&customer), CATEGORY, kitchen.clone()).await), "FORBIDDEN");
    assert_eq!(error_code(&app.graphql(None, CATEGORY, kitchen.clone()).await), "UNAUTHENTICATED");
    let bad = app.graphql(Some(&admin), CATEGORY, json!({ "name": " ", "slug": "Not A Slug" })).await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT", "{bad}");
    let fields = bad["errors"][0]["extensions"]["fields"].to_string();
    assert!(fields.contains("\"name\"") && fields.contains("\"slug\""), "{fields}");
    let created = app.graphql(Some(&admin), CATEGORY, kitchen.clone()).await;
    let category = created["data"]["createCategory"]["id"].clone();
    assert!(category.is_string(), "{created}");
    assert_eq!(error_code(&app.graphql(Some(&admin), CATEGORY, kitchen).await), "CONFLICT");

    let bad = app.graphql(Some(&admin), PRODUCT, json!({ "input": product_input("has spaces", 0, &category) })).await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT", "{bad}");
    let forbidden =
        app.graphql(Some(&customer), PRODUCT, json!({ "input": product_input("GQL-1", 900, &category) })).await;
    assert_eq!(error_code(&forbidden), "FORBIDDEN");
    let made = app.graphql(Some(&admin), PRODUCT, json!({ "input": product_input("gql-1", 900, &category) })).await;
    let product = &made["data"]["createProduct"];
    assert_eq!(
        (&product["sku"], &product["available"], &product["categoryId"]),
        (&json!("GQL-1"), &json!(10), &category)
    );
    let again = app.graphql(Some(&admin), PRODUCT, json!({ "input": product_input("GQL-1", 900, &category) })).await;
    assert_eq!(error_code(&again), "CONFLICT", "{again}");
    let listed = app.graphql(None, "{ products { edges { node { sku } } } }", json!({})).await;
    assert_eq!(listed["data"]["products"]["edges"], json!([{ "node": { "sku": "GQL-1" } }]), "one product: {listed}");

    // Stock: read and adjusted by admins only; a bad delta or reason changes nothing.
    const STOCK: &str = "query($id: UUID!) { stock(productId: $id) { onHand reserved available } }";
    const ADJUST: &str = "mutation($id: UUID!, $delta: Int!, $reason: AdjustmentReason!) {
        adjustStock(productId: $id, input: { delta: $delta, reason: $reason }) { onHand available } }";
    let id = product["id"].clone();
    assert_eq!(error_code(&app.graphql(Some(&customer), STOCK, json!({ "id": id })).await), "FORBIDDEN");
    let missing = app.graphql(Some(&admin), STOCK, json!({ "id": uuid::Uuid::now_v7() })).await;
    assert_eq!(error_code(&missing), "NOT_FOUND");
    // Inventory opens the stock item from Catalog's ProductCreated, a moment after it.
    let level = app
        .eventually("Inventory opens the stock item", || async {
            let level = app.graphql(Some(&admin), STOCK, json!({ "id": id })).await;
            level["data"]["stock"].is_object().then_some(level)
        })
        .await;
    assert_eq!(level["data"]["stock"], json!({ "onHand": 10, "reserved": 0, "available": 10 }), "{level}");
    let zero = app.graphql(Some(&admin), ADJUST, json!({ "id": id, "delta": 0, "reason": "RESTOCK" })).await;
    assert_eq!(error_code(&zero), "BAD_USER_INPUT", "{zero}");
    let below = app.graphql(Some(&admin), ADJUST, json!({ "id": id, "delta": -11, "reason": "SHRINKAGE" })).await;
    assert_eq!(error_code(&below), "CONFLICT", "{below}");
    let restocked = app.graphql(Some(&admin), ADJUST, json!({ "id": id, "delta": 5, "reason": "RESTOCK" })).await;
    assert_eq!(restocked["data"]["adjustStock"], json!({ "onHand": 15, "available": 15 }), "{restocked}");

    // Shipping quotes: anyone; outside every zone is a refusal with its reason.
    const QUOTE: &str = "query($country: String!, $lines: [QuoteLine!]!) {
        shippingQuote(input: { country: $country, lines: $lines }) {
            weightGrams options { service zone price { amountMinor currency } minDays maxDays } } }";
    let lines = json!([{ "productId": id, "quantity": 2 }]);
    let quote = app
        .eventually("Shipping knows what the product weighs", || async {
            let quote = app.graphql(None, QUOTE, json!({ "country": "us", "lines": lines })).await;
            quote["data"]["shippingQuote"].is_object().then_some(quote)
        })
        .await;
    let rest_lines = json!([{ "product_id": id, "quantity": 2 }]);
    let (_, rest) = app.post("/api/v1/shipping/quotes", None, json!({ "country": "US", "lines": rest_lines })).await;
    let options = &quote["data"]["shippingQuote"]["options"];
    assert_eq!(options.as_array().map(Vec::len), Some(2), "{quote}");
    assert_eq!((&options[0]["service"], &options[1]["service"]), (&json!("STANDARD"), &json!("EXPRESS")));
    assert_eq!(options[1]["price"]["amountMinor"], rest["options"][1]["price"]["amount_minor"], "{quote} {rest}");
    let nowhere = app.graphql(None, QUOTE, json!({ "country": "AQ", "lines": lines })).await;
    assert_eq!(
        (error_code(&nowhere), &nowhere["errors"][0]["extensions"]["reason"]),
        ("REJECTED", &json!("shipping_unavailable"))
    );
    let zero = json!([{ "productId": id, "quantity": 0 }]);
    assert_eq!(
        error_code(&app.graphql(None, QUOTE, json!({ "country": "US", "lines": zero })).await),
        "BAD_USER_INPUT"
    );
});

on_every_backend!(a_customer_follows_payment_and_shipment_and_changes_password, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1500).await;
    let (token, card) = shopper(&app, "4242424242424242").await;
    let order = order_through_graphql(&app, &token, order_input(product, 1, &card, "US")).await;
    assert_eq!(order["status"], "completed", "{order}");
    let ids = app
        .graphql(
            Some(&token),
            "query($id: UUID!) { order(id: $id) { paymentId shipmentId total { amountMinor } } }",
            json!({ "id": order["id"] }),
        )
        .await;
    let (payment, shipment) = (&ids["data"]["order"]["paymentId"], &ids["data"]["order"]["shipmentId"]);

    const PAYMENT: &str = "query($id: UUID!) { payment(id: $id) { orderId status amount { amountMinor } } }";
    const SHIPMENT: &str = "query($id: UUID!) { shipment(id: $id) { orderId status zone destination { country } } }";
    let paid = app.graphql(Some(&token), PAYMENT, json!({ "id": payment })).await;
    assert_eq!(paid["data"]["payment"]["orderId"], order["id"], "{paid}");
    assert_eq!(paid["data"]["payment"]["amount"]["amountMinor"], ids["data"]["order"]["total"]["amountMinor"]);
    let shipped = app.graphql(Some(&token), SHIPMENT, json!({ "id": shipment })).await;
    assert_eq!(shipped["data"]["shipment"]["destination"]["country"], "US", "{shipped}");
    // Another customer's payment or shipment does not exist for them; an admin sees both.
    let stranger = app.new_customer().await;
    assert_eq!(error_code(&app.graphql(Some(&stranger), PAYMENT, json!({ "id": payment })).await), "NOT_FOUND");
    assert_eq!(error_code(&app.graphql(Some(&stranger), SHIPMENT, json!({ "id": shipment })).await), "NOT_FOUND");
    assert_eq!(error_code(&app.graphql(None, SHIPMENT, json!({ "id": shipment })).await), "UNAUTHENTICATED");
    assert!(app.graphql(Some(&admin), SHIPMENT, json!({ "id": shipment })).await["data"]["shipment"].is_object());

    // The saga as an operator sees it: admins only; a completed saga has nothing to retry.
    const SAGA: &str = "query($id: UUID!) { saga(id: $id) { saga { status sagaType } timeline { event } } }";
    let saga = app.graphql(Some(&admin), SAGA, json!({ "id": order["id"] })).await;
    assert_eq!(saga["data"]["saga"]["saga"]["status"], "COMPLETED", "{saga}");
    assert!(saga["data"]["saga"]["timeline"].as_array().is_some_and(|t| t.len() > 4), "{saga}");
    assert_eq!(error_code(&app.graphql(Some(&token), SAGA, json!({ "id": order["id"] })).await), "FORBIDDEN");
    let unknown = app.graphql(Some(&admin), SAGA, json!({ "id": uuid::Uuid::now_v7() })).await;
    assert_eq!(error_code(&unknown), "NOT_FOUND");
    let retry = "mutation($id: UUID!) { retrySaga(id: $id) { saga { status } } }";
    assert_eq!(error_code(&app.graphql(Some(&admin), retry, json!({ "id": order["id"] })).await), "CONFLICT");
    let listed =
        app.graphql(Some(&admin), "{ sagas(status: ALL) { sagaId } parked: sagas { sagaId } }", json!({})).await;
    assert_eq!(listed["data"]["sagas"], json!([{ "sagaId": order["id"] }]), "{listed}");
    assert_eq!(listed["data"]["parked"], json!([]));

    // A password change needs the current password, ends the other sessions, and answers a new one.
    let email = app.graphql(Some(&token), "{ me { email } }", json!({})).await["data"]["me"]["email"].clone();
    const LOGIN: &str =
        "mutation($email: String!) { login(email: $email, password: \"graphql-shopper-1\") { refreshToken } }";
    let other_device =
        app.graphql(None, LOGIN, json!({ "email": email })).await["data"]["login"]["refreshToken"].clone();
    const CHANGE: &str = "mutation($current: String!, $new: String!) {
        changePassword(input: { currentPassword: $current, newPassword: $new }) { accessToken refreshToken } }";
    let wrong =
        app.graphql(Some(&token), CHANGE, json!({ "current": "not-my-password", "new": "a-new-password-2" })).await;
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT");
    assert_eq!(wrong["errors"][0]["extensions"]["fields"][0]["field"], "current_password", "{wrong}");
    let weak = app.graphql(Some(&token), CHANGE, json!({ "current": "graphql-shopper-1", "new": "short" })).await;
    assert_eq!(weak["errors"][0]["extensions"]["fields"][0]["field"], "new_password", "{weak}");
    let anonymous =
        app.graphql(None, CHANGE, json!({ "current": "graphql-shopper-1", "new": "a-new-password-2" })).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let changed =
        app.graphql(Some(&token), CHANGE, json!({ "current": "graphql-shopper-1", "new": "a-new-password-2" })).await;
    assert!(changed["data"]["changePassword"]["accessToken"].is_string(), "{changed}");
    let refresh = "mutation($token: String!) { refresh(refreshToken: $token) { accessToken } }";
    let revoked = app.graphql(None, refresh, json!({ "token": other_device })).await;
    assert_eq!(error_code(&revoked), "UNAUTHENTICATED", "the other device's session ended: {revoked}");
    assert_eq!(error_code(&app.graphql(None, LOGIN, json!({ "email": email })).await), "UNAUTHENTICATED");
});

/// The lookups Catalog has answered in this process (`emporium_view_lookups_total`).
async fn product_lookups(app: &TestApp) -> u64 {
    let text = reqwest::get(format!("{}/metrics", app.base)).await.unwrap().text().await.unwrap();
    text.lines()
        .find(|line| line.starts_with("emporium_view_lookups_total{view=\"product\"}"))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0)
}

// One test for both engines, run one after the other: the lookups are counted per process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_list_reads_every_line_s_product_in_one_lookup() {
    for backend in Backend::all() {
        let app = TestApp::spawn(&backend).await;
        let admin = app.admin_token().await;
        let mut products = Vec::new();
        for price in [700, 800, 900] {
            products.push(app.create_product(&admin, 100, price).await);
        }
        let customer = app.new_customer().await;
        let card = app.add_card(&customer, "4242424242424242").await;
        for n in 0..6 {
            let lines = [(products[n % 3], 1), (products[(n + 1) % 3], 2)];
            let (status, placed) = app.place_order(&customer, &lines, card, "US").await;
            assert!(status.is_success(), "{placed}");
        }

        let before = product_lookups(&app).await;
        let list =
            "{ orders(first: 20) { edges { node { lines { productId name product { id name stockStatus } } } } } }";
        let answer = app.graphql(Some(&customer), list, json!({})).await;
        let after = product_lookups(&app).await;
        let lines: Vec<&Value> = answer["data"]["orders"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .flat_map(|edge| edge["node"]["lines"].as_array().unwrap())
            .collect();
        assert_eq!(lines.len(), 12, "{answer}");
        for line in lines {
            assert_eq!(line["product"]["id"], line["productId"], "{line}");
            assert_eq!(line["product"]["name"], line["name"], "{line}");
        }
        assert_eq!(after - before, 1, "12 lines of 6 orders, 3 products: one lookup ({backend:?})");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_s_checks_all_pass() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let refused = |body: &Value, what: &str| {
        assert!(body["data"].is_null(), "{what}: {body}");
        assert_eq!(error_code(body), "GRAPHQL_VALIDATION_FAILED", "{what}: {body}");
    };
    // Alias overloading: 101 aliases.
    let aliases = (0..101).map(|n| format!("a{n}: __typename")).collect::<Vec<_>>().join(" ");
    refused(&app.graphql(None, &format!("query cop {{ {aliases} }}"), json!({})).await, "alias overloading");
    // Field duplication: one field 500 times.
    let fields = "__typename ".repeat(500);
    refused(&app.graphql(None, &format!("query cop {{ {fields} }}"), json!({})).await, "field duplication");
    // Directive overloading: a pile of (unknown) directives costs one refusal, not one error each.
    let piled = app.graphql(None, &format!("query cop {{ __typename {} }}", "@aa".repeat(10)), json!({})).await;
    refused(&piled, "directive overloading");
    assert_eq!(piled["errors"].as_array().map(Vec::len), Some(1));
    // Circular introspection: nested past the depth limit.
    let circular = "query cop { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }";
    refused(&app.graphql(None, circular, json!({})).await, "circular introspection");
    // Array-based batching: ten operations at once are refused whole.
    let batch: Vec<Value> = (0..10).map(|_| json!({ "query": "query cop { __typename }" })).collect();
    assert_eq!(graphql(&app, None, Value::Array(batch)).await.0, StatusCode::BAD_REQUEST, "array batching");
    // Trace mode: no tracing data in answers.
    let plain = app.graphql(None, "query cop { __typename }", json!({})).await;
    assert_eq!(plain, json!({ "data": { "__typename": "Query" } }), "trace mode");
    // Unhandled errors: a mistake is answered in words, with no exception or stack trace.
    let typo = app.graphql(None, "query cop { __typenam }", json!({})).await.to_string().to_lowercase();
    assert!(!typo.contains("exception") && !typo.contains("stack") && !typo.contains("panicked"), "{typo}");
    // GET queries and mutations, and url-encoded POSTs (CSRF): never served.
    let client = reqwest::Client::new();
    for path in ["/graphql?query=query%20cop%20%7B__typename%7D", "/graphql?query=mutation%20cop%20%7B__typename%7D"] {
        let reply = client.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(reply.status(), StatusCode::METHOD_NOT_ALLOWED, "GET {path}");
    }
    let form = client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("query=query%20cop%20%7B__typename%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "POST-based CSRF");
    // Introspection, field suggestions and GraphiQL in production:
    // `introspection_and_suggestions_are_off_in_production_only` and tests/graphiql.rs.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliased_sign_ins_and_batched_operations_spend_the_same_budgets_as_requests() {
    let app = TestApp::spawn_with(&Backend::Sqlite, |settings| {
        settings.auth_rate_limit = 5;
        settings.rate_limit = 3;
    })
    .await;
    // Eight guesses in one request, as aliases: five reach a password check, the rest are
    // refused with the time to come back, as eight requests would be.
    let guesses = (0..8)
        .map(|n| {
            format!("g{n}: login(email: \"nobody@example.com\", password: \"guess-number-{n}\") {{ accessToken }}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    let answer = app.graphql(None, &format!("mutation {{ {guesses} }}"), json!({})).await;
    let codes: Vec<&str> =
        answer["errors"].as_array().unwrap().iter().map(|e| e["extensions"]["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        ["UNAUTHENTICATED"; 5].iter().chain(&["RATE_LIMITED"; 3]).copied().collect::<Vec<_>>(),
        "{answer}"
    );
    let limited = answer["errors"].as_array().unwrap().iter().find(|e| e["extensions"]["code"] == "RATE_LIMITED");
    assert!(limited.unwrap()["extensions"]["retryAfter"].as_u64().is_some_and(|s| s > 0), "{answer}");

    // A batch spends one request of the budget per operation: four operations (three a
    // second allowed) are refused whole.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let batch: Vec<Value> = (0..4).map(|_| json!({ "query": "{ categories { name } }" })).collect();
    let (status, body) = graphql(&app, None, Value::Array(batch)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

const SEARCH: &str = "query($first: Int, $after: String, $query: String, $sort: ProductSort, $priceMin: Int,
    $priceMax: Int, $inStock: Boolean, $status: ListedStatus) {
    products(first: $first, after: $after, query: $query, sort: $sort, priceMin: $priceMin, priceMax: $priceMax,
             inStock: $inStock, status: $status) {
        total edges { cursor node { id } } pageInfo { hasNextPage endCursor }
        facets { categories { id count } priceBands { minMinor count } availability { inStock outOfStock } } } }";

on_every_backend!(shoppers_search_and_narrow_as_over_rest, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    app.seed_demo().await;
    let ids = |list: &Value, key: &str| -> Vec<Value> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|item| if key.is_empty() { item["id"].clone() } else { item[key]["id"].clone() })
            .collect()
    };
    // Each search asked both ways, page after page: the same products, totals and facets.
    let searches = [
        ("q=chef%20knif&sort=price_desc", json!({ "query": "chef knif", "sort": "PRICE_DESC" })),
        (
            "price_min=1000&price_max=5000&in_stock=true&sort=name",
            json!({ "priceMin": 1000, "priceMax": 5000, "inStock": true, "sort": "NAME" }),
        ),
        ("q=ketle", json!({ "query": "ketle" })),
        ("sort=newest", json!({ "sort": "NEWEST" })),
    ];
    for (rest_query, variables) in searches {
        let (status, rest) = app
            .eventually("the search index has the demo catalog", || async {
                let (status, rest) = app.get(&format!("/api/v1/products?{rest_query}&limit=4"), None).await;
                (rest["total"].as_u64() > Some(0)).then_some((status, rest))
            })
            .await;
        assert_eq!(status, StatusCode::OK, "{rest}");
        let mut asked = variables.clone();
        asked["first"] = json!(4);
        let first = app.graphql(None, SEARCH, asked.clone()).await;
        let page = &first["data"]["products"];
        assert_eq!(ids(&page["edges"], "node"), ids(&rest["items"], ""), "{rest_query}: {first}");
        assert_eq!(page["total"], rest["total"], "{rest_query}");
        let facets = &page["facets"];
        assert_eq!(facets["availability"]["inStock"], rest["facets"]["availability"]["in_stock"], "{rest_query}");
        assert_eq!(ids(&facets["categories"], ""), ids(&rest["facets"]["categories"], ""), "{rest_query}");
        let counts = |list: &Value| list.as_array().unwrap().iter().map(|c| c["count"].clone()).collect::<Vec<_>>();
        assert_eq!(counts(&facets["categories"]), counts(&rest["facets"]["categories"]), "{rest_query}");
        assert_eq!(counts(&facets["priceBands"]), counts(&rest["facets"]["price_bands"]), "{rest_query}");
        assert_eq!(page["pageInfo"]["hasNextPage"], rest["next_cursor"].is_string(), "{rest_query}");
        if let Some(next) = rest["next_cursor"].as_str() {
            // Any edge's cursor continues after it, in the same order; the last one as REST's next page.
            let (_, rest_next) = app.get(&format!("/api/v1/products?{rest_query}&limit=4&cursor={next}"), None).await;
            asked["after"] = page["edges"][3]["cursor"].clone();
            let second = app.graphql(None, SEARCH, asked.clone()).await;
            assert_eq!(ids(&second["data"]["products"]["edges"], "node"), ids(&rest_next["items"], ""), "{rest_query}");
            asked["after"] = page["edges"][1]["cursor"].clone();
            let from_second = app.graphql(None, SEARCH, asked).await;
            assert_eq!(
                ids(&from_second["data"]["products"]["edges"], "node")[..2],
                ids(&page["edges"], "node")[2..],
                "{rest_query}"
            );
        }
    }

    // The search box's suggestions, as over REST.
    const SUGGEST: &str =
        "query($typed: String!) { productSuggestions(typed: $typed) { products { id name } categories { slug } } }";
    let suggested = app.graphql(None, SUGGEST, json!({ "typed": "kni" })).await;
    let (_, rest) = app.get("/api/v1/products/suggestions?q=kni", None).await;
    assert_eq!(ids(&suggested["data"]["productSuggestions"]["products"], ""), ids(&rest["products"], ""));
    assert!(rest["products"].as_array().is_some_and(|found| !found.is_empty()), "{rest}");

    // Bad searches are refused as over REST, and only admins list by status.
    for (variables, code) in [
        (json!({ "priceMin": -1 }), "BAD_USER_INPUT"),
        (json!({ "priceMin": 500, "priceMax": 100 }), "BAD_USER_INPUT"),
        (json!({ "query": "x".repeat(201) }), "BAD_USER_INPUT"),
        (json!({ "sort": "NAME", "after": "r~0~not-a-cursor" }), "BAD_REQUEST"),
        (json!({ "status": "ARCHIVED" }), "FORBIDDEN"),
    ] {
        let refused = app.graphql(None, SEARCH, variables.clone()).await;
        assert_eq!(error_code(&refused), code, "{variables}: {refused}");
    }
    let long = app.graphql(None, SUGGEST, json!({ "typed": "x".repeat(201) })).await;
    assert_eq!(error_code(&long), "BAD_USER_INPUT", "{long}");
    let admin = app.admin_token().await;
    let archived = app.graphql(Some(&admin), SEARCH, json!({ "status": "ARCHIVED" })).await;
    assert_eq!(archived["data"]["products"]["total"], 0, "{archived}");
});

on_every_backend!(admins_follow_stock_and_hand_parcels_over_through_graphql, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 20, 1200).await;
    let (token, card) = shopper(&app, "4242424242424242").await;
    let order = order_through_graphql(&app, &token, order_input(product, 2, &card, "US")).await;
    assert_eq!(order["status"], "completed", "{order}");

    // Stock levels, a page at a time, as over REST.
    const LEVELS: &str = "query($first: Int, $after: String) { stockLevels(first: $first, after: $after) {
        edges { cursor node { productId onHand reserved available lowStockThreshold } } pageInfo { hasNextPage } } }";
    let other = app.create_product(&admin, 30, 800).await;
    let levels = app.graphql(Some(&admin), LEVELS, json!({ "first": 1 })).await;
    let (_, rest) = app.get("/api/v1/inventory?limit=1", Some(&admin)).await;
    let edge = &levels["data"]["stockLevels"]["edges"][0];
    assert_eq!(edge["node"]["productId"], rest["items"][0]["product_id"], "{levels}");
    assert_eq!(edge["node"]["onHand"], rest["items"][0]["on_hand"]);
    assert_eq!(levels["data"]["stockLevels"]["pageInfo"]["hasNextPage"], true);
    let rest_next = rest["next_cursor"].as_str().unwrap();
    let next = app.graphql(Some(&admin), LEVELS, json!({ "first": 1, "after": edge["cursor"] })).await;
    let (_, rest) = app.get(&format!("/api/v1/inventory?limit=1&cursor={rest_next}"), Some(&admin)).await;
    assert_eq!(next["data"]["stockLevels"]["edges"][0]["node"]["productId"], rest["items"][0]["product_id"]);
    let mine = |levels: &Value, id: Uuid| levels.as_array().unwrap().iter().any(|l| l["productId"] == id.to_string());
    let both = app.graphql(Some(&admin), LEVELS, json!({ "first": 10 })).await;
    let edges: Vec<Value> =
        both["data"]["stockLevels"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect();
    assert!(mine(&json!(edges), product) && mine(&json!(edges), other), "{both}");

    // A low-stock level: bad ones refused and changing nothing; a crossing puts it on the alert list.
    const THRESHOLD: &str = "mutation($id: UUID!, $level: Int!) {
        setLowStockThreshold(productId: $id, input: { lowStockThreshold: $level }) { available lowStockThreshold } }";
    const ALERTS: &str = "{ stockAlerts { productId available } }";
    for (variables, code, token) in [
        (json!({ "id": product, "level": -1 }), "BAD_USER_INPUT", &admin),
        (json!({ "id": product, "level": 1_000_001 }), "BAD_USER_INPUT", &admin),
        (json!({ "id": Uuid::now_v7(), "level": 5 }), "NOT_FOUND", &admin),
        (json!({ "id": product, "level": 5 }), "FORBIDDEN", &token),
    ] {
        let refused = app.graphql(Some(token), THRESHOLD, variables.clone()).await;
        assert_eq!(error_code(&refused), code, "{variables}: {refused}");
    }
    assert_eq!(app.graphql(Some(&admin), ALERTS, json!({})).await["data"]["stockAlerts"], json!([]));
    assert_eq!(error_code(&app.graphql(Some(&token), ALERTS, json!({})).await), "FORBIDDEN");
    let set = app.graphql(Some(&admin), THRESHOLD, json!({ "id": product, "level": 18 })).await;
    assert_eq!(set["data"]["setLowStockThreshold"], json!({ "available": 18, "lowStockThreshold": 18 }), "{set}");
    let alerts = app.graphql(Some(&admin), ALERTS, json!({})).await;
    assert_eq!(alerts["data"]["stockAlerts"], json!([{ "productId": product, "available": 18 }]), "{alerts}");

    // The product's movements, newest first, as over REST.
    const HISTORY: &str = "query($id: UUID!, $first: Int, $after: String) {
        stockHistory(productId: $id, first: $first, after: $after) {
            edges { cursor node { sequence kind onHandChange reservedChange available orderId } } pageInfo { hasNextPage } } }";
    let history = app.graphql(Some(&admin), HISTORY, json!({ "id": product, "first": 1 })).await;
    let newest = &history["data"]["stockHistory"]["edges"][0];
    let (_, rest) = app.get(&format!("/api/v1/inventory/{product}/history?limit=1"), Some(&admin)).await;
    assert_eq!(newest["node"]["sequence"], rest["items"][0]["sequence"], "{history}");
    assert_eq!(newest["node"]["kind"], "reserved");
    assert_eq!(newest["node"]["orderId"], order["id"]);
    let older =
        app.graphql(Some(&admin), HISTORY, json!({ "id": product, "first": 5, "after": newest["cursor"] })).await;
    let kinds: Vec<&Value> =
        older["data"]["stockHistory"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]["kind"]).collect();
    assert_eq!(kinds, [&json!("opened")], "{older}");
    let unknown = app.graphql(Some(&admin), HISTORY, json!({ "id": Uuid::now_v7() })).await;
    assert_eq!(error_code(&unknown), "NOT_FOUND");
    let bad_cursor = app.graphql(Some(&admin), HISTORY, json!({ "id": product, "after": "later" })).await;
    assert_eq!(error_code(&bad_cursor), "BAD_REQUEST");

    // The parcel waiting to ship, listed and handed over; the same hand-over again is refused.
    const SHIPMENTS: &str =
        "query($status: String) { shipments(status: $status) { edges { node { id orderId status } } } }";
    let waiting = app
        .eventually("Shipping lists the parcel", || async {
            let waiting = app.graphql(Some(&admin), SHIPMENTS, json!({ "status": "created" })).await;
            waiting["data"]["shipments"]["edges"][0].is_object().then_some(waiting)
        })
        .await;
    let parcel = waiting["data"]["shipments"]["edges"][0]["node"].clone();
    assert_eq!(parcel["orderId"], order["id"], "{waiting}");
    let wrong = app.graphql(Some(&admin), SHIPMENTS, json!({ "status": "lost" })).await;
    assert_eq!(error_code(&wrong), "BAD_REQUEST", "{wrong}");
    assert_eq!(error_code(&app.graphql(Some(&token), SHIPMENTS, json!({})).await), "FORBIDDEN");
    const SHIP: &str = "mutation($id: UUID!, $carrier: String!, $tracking: String) {
        shipShipment(id: $id, input: { carrier: $carrier, trackingNumber: $tracking }) { status carrier trackingNumber } }";
    for (variables, code, token) in [
        (json!({ "id": parcel["id"], "carrier": "" }), "BAD_USER_INPUT", &admin),
        (json!({ "id": parcel["id"], "carrier": "Post", "tracking": "no spaces!" }), "BAD_USER_INPUT", &admin),
        (json!({ "id": Uuid::now_v7(), "carrier": "Post" }), "NOT_FOUND", &admin),
        (json!({ "id": parcel["id"], "carrier": "Post" }), "FORBIDDEN", &token),
    ] {
        let refused = app.graphql(Some(token), SHIP, variables.clone()).await;
        assert_eq!(error_code(&refused), code, "{variables}: {refused}");
    }
    let still = app.graphql(Some(&admin), SHIPMENTS, json!({ "status": "created" })).await;
    assert_eq!(still["data"]["shipments"]["edges"][0]["node"], parcel, "refusals hand nothing over");
    let shipped = app
        .graphql(Some(&admin), SHIP, json!({ "id": parcel["id"], "carrier": "Post", "tracking": "ab-123456" }))
        .await;
    assert_eq!(
        shipped["data"]["shipShipment"],
        json!({ "status": "shipped", "carrier": "Post", "trackingNumber": "AB-123456" }),
        "{shipped}"
    );
    let again = app.graphql(Some(&admin), SHIP, json!({ "id": parcel["id"], "carrier": "Post" })).await;
    assert_eq!(error_code(&again), "CONFLICT", "{again}");
    let listed = app.graphql(Some(&admin), SHIPMENTS, json!({ "status": "shipped" })).await;
    assert_eq!(listed["data"]["shipments"]["edges"][0]["node"]["id"], parcel["id"]);
});

/// Every REST operation and the GraphQL field that does the same, so neither API can grow
/// alone. `METHOD path` → `Query.field` or `Mutation.field`.
const COUNTERPARTS: &[(&str, &str)] = &[
    ("GET /api/v1/admin/dead-letters", "Query.deadLetters"),
    ("POST /api/v1/admin/dead-letters/{id}/discard", "Mutation.discardDeadLetter"),
    ("POST /api/v1/admin/dead-letters/{id}/replay", "Mutation.replayDeadLetter"),
    ("GET /api/v1/admin/sagas", "Query.sagas"),
    ("GET /api/v1/admin/sagas/{id}", "Query.saga"),
    ("POST /api/v1/admin/sagas/{id}/retry", "Mutation.retrySaga"),
    ("POST /api/v1/auth/login", "Mutation.login"),
    ("POST /api/v1/auth/logout", "Mutation.logout"),
    ("POST /api/v1/auth/password", "Mutation.changePassword"),
    ("POST /api/v1/auth/refresh", "Mutation.refresh"),
    ("POST /api/v1/auth/register", "Mutation.register"),
    ("GET /api/v1/categories", "Query.categories"),
    ("POST /api/v1/categories", "Mutation.createCategory"),
    ("PATCH /api/v1/categories/{id}", "Mutation.updateCategory"),
    ("GET /api/v1/inventory", "Query.stockLevels"),
    ("GET /api/v1/inventory/alerts", "Query.stockAlerts"),
    ("GET /api/v1/inventory/{product_id}", "Query.stock"),
    ("POST /api/v1/inventory/{product_id}/adjustments", "Mutation.adjustStock"),
    ("GET /api/v1/inventory/{product_id}/history", "Query.stockHistory"),
    ("PUT /api/v1/inventory/{product_id}/threshold", "Mutation.setLowStockThreshold"),
    ("POST /api/v1/inventory/{product_id}/unavailable", "Mutation.setStockAside"),
    ("GET /api/v1/me", "Query.me"),
    ("GET /api/v1/orders", "Query.orders"),
    ("POST /api/v1/orders", "Mutation.placeOrder"),
    ("GET /api/v1/orders/{id}", "Query.order"),
    ("GET /api/v1/orders/{id}/timeline", "Query.orderTimeline"),
    ("POST /api/v1/orders/{id}/cancel", "Mutation.cancelOrder"),
    ("GET /api/v1/orders/{id}/saga", "Query.saga"),
    ("GET /api/v1/payment-methods", "Query.paymentMethods"),
    ("POST /api/v1/payment-methods", "Mutation.addPaymentMethod"),
    ("DELETE /api/v1/payment-methods/{id}", "Mutation.removePaymentMethod"),
    ("POST /api/v1/payment-methods/{id}/default", "Mutation.makeDefaultPaymentMethod"),
    ("GET /api/v1/payments/{id}", "Query.payment"),
    ("GET /api/v1/users", "Query.userByEmail"),
    ("POST /api/v1/payments/{id}/refunds", "Mutation.refundPayment"),
    ("GET /api/v1/products", "Query.products"),
    ("POST /api/v1/products", "Mutation.createProduct"),
    ("GET /api/v1/products/suggestions", "Query.productSuggestions"),
    ("GET /api/v1/products/{id}", "Query.product"),
    ("DELETE /api/v1/products/{id}", "Mutation.deleteProduct"),
    ("PATCH /api/v1/products/{id}", "Mutation.updateProduct"),
    ("DELETE /api/v1/products/{id}/images/{image_id}", "Mutation.removeProductImage"),
    ("GET /api/v1/shipments", "Query.shipments"),
    ("GET /api/v1/shipments/{id}", "Query.shipment"),
    ("POST /api/v1/shipments/{id}/ship", "Mutation.shipShipment"),
    ("POST /api/v1/shipping/quotes", "Query.shippingQuote"),
];

/// The REST operations GraphQL leaves to REST, and why.
const REST_ONLY: &[(&str, &str)] = &[
    (
        "POST /api/v1/products/{id}/images",
        "a picture is bytes sent as multipart; /graphql takes only JSON, which is what keeps other sites from sending it operations",
    ),
    ("GET /api/v1/images/{image_id}/{file}", "a picture's bytes, cached by browsers and CDNs under its address"),
    ("POST /api/v1/webhooks/carrier", "the carrier's signed callback, not a shopper's or an admin's operation"),
    ("GET /api/v1/orders/export", "a CSV file to download; `orders(filter:)` pages through the same selection"),
];

#[test]
fn every_rest_operation_has_a_graphql_counterpart() {
    let document: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json")).unwrap(),
    )
    .unwrap();
    let schema = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema.graphql")).unwrap();
    let fields_of = |kind: &str| -> Vec<String> {
        let body = schema.split(&format!("\ntype {kind} {{\n")).nth(1).expect(kind).split("\n}").next().unwrap();
        body.lines()
            .filter(|line| line.starts_with('\t') && !line.starts_with("\t\t"))
            .filter_map(|line| line.trim().split(['(', ':']).next().map(str::to_owned))
            .filter(|name| name.chars().next().is_some_and(char::is_lowercase))
            .collect()
    };
    let (queries, mutations) = (fields_of("Query"), fields_of("Mutation"));
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    for operation in &operations {
        let counterpart = COUNTERPARTS.iter().find(|(rest, _)| rest == operation).map(|(_, field)| *field);
        let left_to_rest = REST_ONLY.iter().any(|(rest, _)| rest == operation);
        assert!(
            counterpart.is_some() != left_to_rest,
            "{operation}: name its GraphQL field in COUNTERPARTS, or say in REST_ONLY why it has none"
        );
        if let Some(field) = counterpart {
            let (kind, name) = field.split_once('.').unwrap();
            let fields = if kind == "Query" { &queries } else { &mutations };
            assert!(fields.iter().any(|f| f == name), "{operation}: the schema has no {field}");
        }
    }
    for (rest, _) in COUNTERPARTS.iter().chain(REST_ONLY) {
        assert!(operations.iter().any(|operation| operation == rest), "{rest} is not in the OpenAPI document");
    }
}
