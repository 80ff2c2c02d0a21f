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
    let session = query(app, None, REGISTER, json!({ "email": email })).await;
    let token = session["data"]["register"]["accessToken"].as_str().unwrap_or_else(|| panic!("{session}")).to_owned();
    let card = query(app, Some(&token), ADD_CARD, json!({ "number": number })).await;
    let card_id = card["data"]["addPaymentMethod"]["id"].clone();
    assert!(card_id.is_string(), "{card}");
    (token, card_id)
}

/// Places an order through GraphQL and follows it through `order(id)` until it settles.
async fn order_through_graphql(app: &TestApp, token: &str, input: Value) -> Value {
    let placed = query(app, Some(token), PLACE, json!({ "input": input })).await;
    let id = placed["data"]["placeOrder"]["id"].clone();
    assert!(id.is_string(), "{placed}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let order = query(app, Some(token), ORDER, json!({ "id": id })).await;
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

    // Stock: 5, less the 2 sold (held for the parcel); every failed order gave back what it held.
    let (_, level) = app.get(&format!("/api/v1/inventory/{product}"), Some(&admin)).await;
    assert_eq!((level["available"].as_i64(), level["reserved"].as_i64()), (Some(3), Some(2)), "{level}");

    // Orders are the caller's own: another customer's is NOT_FOUND, and the list shows only theirs.
    let stranger = query(&app, Some(&declined_token), ORDER, json!({ "id": completed["id"] })).await;
    assert_eq!(error_code(&stranger), "NOT_FOUND");
    let mine = query(&app, Some(&declined_token), "{ orders { edges { node { id } } } }", json!({})).await;
    assert_eq!(mine["data"]["orders"]["edges"].as_array().map(Vec::len), Some(1), "{mine}");
});

on_every_backend!(graphql_mutations_refuse_bad_input_and_change_nothing, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1000).await;
    let (token, card) = shopper(&app, "4242424242424242").await;

    let refused = query(&app, Some(&token), PLACE, json!({ "input": order_input(product, 0, &card, "USA") })).await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    let fields = refused["errors"][0]["extensions"]["fields"].to_string();
    assert!(fields.contains("lines[0].quantity") && fields.contains("shipping_address.country"), "{fields}");
    let anonymous = query(&app, None, PLACE, json!({ "input": order_input(product, 1, &card, "US") })).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let bad_card = query(&app, Some(&token), ADD_CARD, json!({ "number": "4242424242424241" })).await;
    assert_eq!(error_code(&bad_card), "BAD_USER_INPUT", "{bad_card}");
    let wrong = query(
        &app,
        None,
        "mutation { login(email: \"nobody@example.com\", password: \"wrong-password\") { accessToken } }",
        json!({}),
    )
    .await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");

    let mine =
        query(&app, Some(&token), "{ orders { edges { node { id } } } paymentMethods { last4 } }", json!({})).await;
    assert_eq!(mine["data"]["orders"]["edges"], json!([]), "no order was placed: {mine}");
    assert_eq!(mine["data"]["paymentMethods"], json!([{ "last4": "4242" }]), "no card was added: {mine}");

    // The same idempotency key places one order.
    let key = json!({ "input": order_input(product, 1, &card, "US"), "key": "graphql-key-1" });
    let first = query(&app, Some(&token), PLACE, key.clone()).await;
    let again = query(&app, Some(&token), PLACE, key).await;
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
