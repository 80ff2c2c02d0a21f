//! `GET /me`: the signed-in user's account; any missing, forged, foreign or expired token
//! is a 401.

use crate::support::{SECRET, assert_problem, on_both_databases};
use axum::http::{Method, StatusCode};
use chrono::Duration;
use jsonwebtoken::{EncodingKey, Header};
use kernel::clock::Clock;
use serde_json::{Value, json};
use uuid::Uuid;

fn signed(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(&Header::default(), claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

on_both_databases!(me_shows_the_signed_in_user, |app| async move {
    let session = app.register("ada@example.com", "Ada").await;

    let reply = app.get("/me", session["access_token"].as_str()).await;

    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body, session["user"]);
});

on_both_databases!(me_without_a_valid_token_is_a_401, |app| async move {
    let session = app.register("ada@example.com", "Ada").await;
    let user_id = session["user"]["id"].as_str().unwrap();
    let now = app.clock.now().timestamp();
    let claims = json!({ "sub": user_id, "role": "customer", "iat": now, "exp": now + 900, "iss": "emporium" });

    let missing = app.get("/me", None).await;
    let garbage = app.get("/me", Some("not-a-token")).await;
    let foreign = app.get("/me", Some(&signed(&claims, "another secret entirely"))).await;
    let not_bearer = app.send(Method::GET, "/me", None, None).await;

    for reply in [&missing, &garbage, &foreign, &not_bearer] {
        assert_problem(reply, StatusCode::UNAUTHORIZED);
    }
    assert!(foreign.body["detail"].as_str().unwrap().contains("signature"), "{foreign:?}");
    let same_secret = app.get("/me", Some(&signed(&claims, SECRET))).await;
    assert_eq!(same_secret.status, StatusCode::OK, "the forged claims themselves are fine: {same_secret:?}");
});

on_both_databases!(a_token_expires_after_fifteen_minutes, |app| async move {
    let session = app.register("ada@example.com", "Ada").await;
    let token = session["access_token"].as_str();

    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.get("/me", token).await.status, StatusCode::OK);

    app.clock.advance(Duration::minutes(2));
    let expired = app.get("/me", token).await;
    assert_eq!(
        assert_problem(&expired, StatusCode::UNAUTHORIZED)["detail"],
        "the access token has expired: sign in again"
    );
});

on_both_databases!(a_token_for_an_unknown_account_is_a_401, |app| async move {
    let now = app.clock.now().timestamp();
    let claims = json!({ "sub": Uuid::now_v7(), "role": "admin", "iat": now, "exp": now + 900, "iss": "emporium" });

    let reply = app.get("/me", Some(&signed(&claims, SECRET))).await;

    assert_problem(&reply, StatusCode::UNAUTHORIZED);
});
