//! An operator's dead letters: listed across contexts (admin only), replayed through their
//! consumer once the cause is fixed (taking effect once, however often it is asked), or
//! discarded; a letter whose consumer still fails stays open. Bad requests change nothing.

use contracts::inventory::StockLevelChanged;
use futures::future::join_all;
use kernel::bus::Envelope;
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, on_every_backend};
use uuid::Uuid;

/// Records in the catalog's dead letters a message its consumer gave up on (as it would
/// after a database outage longer than its retries); returns the letter's id.
async fn give_up_on(app: &TestApp, envelope: Value, error: &str) -> Uuid {
    let db = app.platform().database("catalog").unwrap();
    let json = match db.backend() {
        kernel::Backend::Sqlite => "$5",
        kernel::Backend::Postgres => "cast($5 as jsonb)",
    };
    let sql = format!(
        "insert into dead_letters (id, consumer, message_id, message_type, envelope, error, attempts, failed_at) \
         values ($1, 'catalog', $2, $3, {json}, $4, 6, '2026-11-25T10:00:00.000000Z')"
    );
    let id = Uuid::now_v7();
    let mut tx = db.begin().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .bind(envelope["message_id"].as_str().unwrap_or("unknown").to_owned())
        .bind(envelope["message_type"].as_str().unwrap_or("unknown").to_owned())
        .bind(error)
        .bind(envelope.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

fn stock_level(product_id: Uuid, available: i64) -> Value {
    let change = StockLevelChanged { product_id, available, low_stock: false };
    let mut envelope = Envelope::new(Uuid::now_v7(), "inventory", chrono::Utc::now(), &change).unwrap();
    envelope.source_stream = Some(format!("stock-{product_id}"));
    envelope.source_version = Some(1_000);
    serde_json::to_value(envelope).unwrap()
}

on_every_backend!(an_operator_replays_or_discards_dead_letters, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    let product = app.create_product(&admin, 5, 1200).await;
    let available = async || app.get(&format!("/api/v1/products/{product}"), None).await.1["available"].clone();
    assert_eq!(available().await, json!(5));

    let fixable = give_up_on(&app, stock_level(product, 42), "database is locked").await;
    let mut broken = stock_level(product, 7);
    broken["payload"] = json!({ "product_id": "not-a-uuid" });
    let hopeless = give_up_on(&app, broken, "payload does not match").await;

    // Listing: admins only; open letters by default, newest first; a bad filter is a 400.
    assert_eq!(app.get("/api/v1/admin/dead-letters", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/admin/dead-letters", Some(&customer)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/admin/dead-letters?status=lost", Some(&admin)).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/api/v1/admin/dead-letters?limit=3", Some(&admin)).await.0, StatusCode::BAD_REQUEST);
    let (status, open) = app.get("/api/v1/admin/dead-letters", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{open}");
    let ids: Vec<&str> = open.as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{open}");
    assert!(ids.contains(&fixable.to_string().as_str()) && ids.contains(&hopeless.to_string().as_str()));
    assert_eq!(open[0]["context"], "catalog");
    assert_eq!(open[0]["status"], "open");

    // Bad requests change nothing.
    let replay = |id: &str| format!("/api/v1/admin/dead-letters/{id}/replay");
    assert_eq!(app.post(&replay("not-a-uuid"), Some(&admin), json!({})).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(app.post(&replay(&Uuid::now_v7().to_string()), Some(&admin), json!({})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&replay(&fixable.to_string()), Some(&customer), json!({})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(available().await, json!(5));

    // Two operators replay at once: one succeeds, the other is told it is done; one effect.
    let path = replay(&fixable.to_string());
    let answers = join_all((0..2).map(|_| app.post(&path, Some(&admin), json!({})))).await;
    let mut statuses: Vec<StatusCode> = answers.iter().map(|(status, _)| *status).collect();
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{answers:?}");
    assert_eq!(available().await, json!(42), "the replayed stock level took effect");
    let inbox: i64 =
        sqlx::query_scalar("select cast(count(*) as bigint) from inbox where consumer = 'catalog' and message_id = $1")
            .bind(stock_level_id(&app, fixable).await)
            .fetch_one(app.platform().database("catalog").unwrap().reader())
            .await
            .unwrap();
    assert_eq!(inbox, 1, "handled once");

    // A letter whose consumer still fails stays open; it can then be discarded, once.
    let (status, problem) = app.post(&replay(&hopeless.to_string()), Some(&admin), json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "still_failing");
    let discard = format!("/api/v1/admin/dead-letters/{hopeless}/discard");
    let (status, letter) = app.post(&discard, Some(&admin), json!({})).await;
    assert_eq!((status, letter["status"].clone()), (StatusCode::OK, json!("discarded")), "{letter}");
    assert_eq!(app.post(&discard, Some(&admin), json!({})).await.0, StatusCode::CONFLICT);

    let (_, open) = app.get("/api/v1/admin/dead-letters", Some(&admin)).await;
    assert_eq!(open, json!([]));
    let (_, all) = app.get("/api/v1/admin/dead-letters?status=all", Some(&admin)).await;
    let mut outcomes: Vec<&str> = all.as_array().unwrap().iter().map(|l| l["status"].as_str().unwrap()).collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["discarded", "replayed"]);
    assert!(all.as_array().unwrap().iter().all(|l| l["resolved_at"].is_string()));
});

/// The message id of dead letter `id`.
async fn stock_level_id(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("select message_id from dead_letters where id = $1")
        .bind(id.to_string())
        .fetch_one(app.platform().database("catalog").unwrap().reader())
        .await
        .unwrap()
}

on_every_backend!(an_operator_handles_dead_letters_over_graphql, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    let product = app.create_product(&admin, 5, 1200).await;
    let fixable = give_up_on(&app, stock_level(product, 42), "database is locked").await;
    let mut broken = stock_level(product, 7);
    broken["payload"] = json!({ "product_id": "not-a-uuid" });
    let hopeless = give_up_on(&app, broken, "payload does not match").await;

    const LIST: &str = "query($status: DeadLetterFilter!) { deadLetters(status: $status) { id status messageType } }";
    const REPLAY: &str = "mutation($id: UUID!) { replayDeadLetter(id: $id) { id status resolvedAt } }";
    const DISCARD: &str = "mutation($id: UUID!) { discardDeadLetter(id: $id) { id status } }";
    let code = |body: &Value| body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default().to_owned();
    assert_eq!(code(&app.graphql(Some(&customer), LIST, json!({ "status": "OPEN" })).await), "FORBIDDEN");
    assert_eq!(code(&app.graphql(None, LIST, json!({ "status": "OPEN" })).await), "UNAUTHENTICATED");
    let lost = app.graphql(Some(&admin), LIST, json!({ "status": "LOST" })).await;
    assert_eq!(code(&lost), "GRAPHQL_VALIDATION_FAILED", "an unknown filter: {lost}");
    let open = app.graphql(Some(&admin), "{ deadLetters { id status } }", json!({})).await;
    assert_eq!(open["data"]["deadLetters"].as_array().map(Vec::len), Some(2), "open by default: {open}");

    // Refusals change nothing: an unknown letter, a customer, a consumer that still fails.
    assert_eq!(code(&app.graphql(Some(&admin), REPLAY, json!({ "id": Uuid::now_v7() })).await), "NOT_FOUND");
    assert_eq!(code(&app.graphql(Some(&customer), REPLAY, json!({ "id": fixable })).await), "FORBIDDEN");
    let still = app.graphql(Some(&admin), REPLAY, json!({ "id": hopeless })).await;
    assert_eq!(
        (code(&still), &still["errors"][0]["extensions"]["reason"]),
        ("REJECTED".to_owned(), &json!("still_failing"))
    );
    assert_eq!(app.get(&format!("/api/v1/products/{product}"), None).await.1["available"], 5);

    let replayed = app.graphql(Some(&admin), REPLAY, json!({ "id": fixable })).await;
    assert_eq!(replayed["data"]["replayDeadLetter"]["status"], "REPLAYED", "{replayed}");
    assert_eq!(app.get(&format!("/api/v1/products/{product}"), None).await.1["available"], 42);
    assert_eq!(code(&app.graphql(Some(&admin), REPLAY, json!({ "id": fixable })).await), "CONFLICT");
    let discarded = app.graphql(Some(&admin), DISCARD, json!({ "id": hopeless })).await;
    assert_eq!(discarded["data"]["discardDeadLetter"]["status"], "DISCARDED", "{discarded}");
    assert_eq!(code(&app.graphql(Some(&admin), DISCARD, json!({ "id": hopeless })).await), "CONFLICT");
    let all = app.graphql(Some(&admin), LIST, json!({ "status": "ALL" })).await;
    let mut outcomes: Vec<&str> =
        all["data"]["deadLetters"].as_array().unwrap().iter().map(|l| l["status"].as_str().unwrap()).collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["DISCARDED", "REPLAYED"]);
});
