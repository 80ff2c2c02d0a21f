//! `POST /auth/refresh` and `POST /auth/logout`: a refresh token buys the next session
//! once; offering a spent one ends every session of its sign-in; signing out ends them too.

use crate::support::{PASSWORD, TestIdentity, assert_problem, invalid_fields, on_both_databases};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

fn refresh_token(session: &Value) -> &str {
    session["refresh_token"].as_str().expect("a session carries a refresh token")
}

async fn refresh(app: &TestIdentity, token: &str) -> crate::support::Reply {
    app.post("/auth/refresh", json!({ "refresh_token": token })).await
}

on_both_databases!(a_refresh_token_buys_the_next_session_once, |app| async move {
    let registered = app.register("ada@example.com", "Ada").await;
    assert_eq!(registered["refresh_expires_in"], 30 * 24 * 3600);

    let next = refresh(&app, refresh_token(&registered)).await;

    assert_eq!(next.status, StatusCode::OK, "{next:?}");
    assert_eq!(next.body["user"], registered["user"]);
    assert_eq!(next.body["expires_in"], 900);
    assert_ne!(refresh_token(&next.body), refresh_token(&registered), "the refresh token is rotated");
    let me = app.get("/me", next.body["access_token"].as_str()).await;
    assert_eq!(me.body, registered["user"]);
    // The successor works in its turn.
    assert_eq!(refresh(&app, refresh_token(&next.body)).await.status, StatusCode::OK);
});

on_both_databases!(a_spent_refresh_token_offered_again_ends_its_whole_sign_in, |app| async move {
    let signed_in = app.register("ada@example.com", "Ada").await;
    let stolen = refresh_token(&signed_in).to_owned();
    let genuine = refresh(&app, &stolen).await;
    assert_eq!(genuine.status, StatusCode::OK);

    let replayed = refresh(&app, &stolen).await;

    let problem = assert_problem(&replayed, StatusCode::UNAUTHORIZED);
    assert!(problem["detail"].as_str().unwrap().contains("used before"), "{problem}");
    // The holder of the genuine successor is signed out too: the family is revoked.
    assert_problem(&refresh(&app, refresh_token(&genuine.body)).await, StatusCode::UNAUTHORIZED);
    // Another sign-in of the same account is a family of its own and keeps working.
    let elsewhere = app.post("/auth/login", json!({ "email": "ada@example.com", "password": PASSWORD })).await;
    assert_eq!(refresh(&app, refresh_token(&elsewhere.body)).await.status, StatusCode::OK);
});

on_both_databases!(two_refreshes_racing_with_one_token_cannot_both_win, |app| async move {
    let signed_in = app.register("ada@example.com", "Ada").await;
    let token = refresh_token(&signed_in).to_owned();

    let (first, second) = tokio::join!(refresh(&app, &token), refresh(&app, &token));

    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::UNAUTHORIZED], "{first:?} {second:?}");
});

on_both_databases!(a_refresh_token_expires_after_thirty_days, |app| async move {
    let signed_in = app.register("ada@example.com", "Ada").await;
    let kept = app.post("/auth/login", json!({ "email": "ada@example.com", "password": PASSWORD })).await;
    app.clock.advance(chrono::Duration::days(30) - chrono::Duration::seconds(1));
    assert_eq!(refresh(&app, refresh_token(&kept.body)).await.status, StatusCode::OK);

    app.clock.advance(chrono::Duration::seconds(1));

    let reply = refresh(&app, refresh_token(&signed_in)).await;
    assert!(assert_problem(&reply, StatusCode::UNAUTHORIZED)["detail"].as_str().unwrap().contains("sign in again"));
});

on_both_databases!(an_unknown_refresh_token_is_refused, |app| async move {
    app.register("ada@example.com", "Ada").await;
    assert_problem(&refresh(&app, &"0".repeat(64)).await, StatusCode::UNAUTHORIZED);
});

on_both_databases!(signing_out_ends_the_sign_in_and_can_be_repeated, |app| async move {
    let signed_in = app.register("ada@example.com", "Ada").await;
    let next = refresh(&app, refresh_token(&signed_in)).await;
    let other = app.post("/auth/login", json!({ "email": "ada@example.com", "password": PASSWORD })).await;

    for _ in 0..2 {
        let out = app.post("/auth/logout", json!({ "refresh_token": refresh_token(&next.body) })).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT, "{out:?}");
    }

    assert_problem(&refresh(&app, refresh_token(&next.body)).await, StatusCode::UNAUTHORIZED);
    // Signing out on one device leaves the others signed in.
    assert_eq!(refresh(&app, refresh_token(&other.body)).await.status, StatusCode::OK);
    // An unknown token signs nothing out, and says no more than a known one.
    let unknown = app.post("/auth/logout", json!({ "refresh_token": "f".repeat(64) })).await;
    assert_eq!(unknown.status, StatusCode::NO_CONTENT);
});

on_both_databases!(malformed_refresh_and_logout_requests_are_refused_and_change_nothing, |app| async move {
    let signed_in = app.register("ada@example.com", "Ada").await;
    for path in ["/auth/refresh", "/auth/logout"] {
        for body in ["{}", "not json", "{\"refresh_token\": 7}"] {
            let reply = app.send(Method::POST, path, None, Some(body.to_owned())).await;
            assert_problem(&reply, StatusCode::BAD_REQUEST);
        }
        for token in [String::new(), "a".repeat(129)] {
            let reply = app.post(path, json!({ "refresh_token": token })).await;
            assert_eq!(invalid_fields(&reply), ["refresh_token"], "{path}");
        }
    }
    assert_eq!(refresh(&app, refresh_token(&signed_in)).await.status, StatusCode::OK, "the session is untouched");
});
