//! `POST /auth/password`: a signed-in user changes their password; every other session
//! ends and the one that made the change gets a fresh one.

use crate::support::{PASSWORD, assert_problem, invalid_fields, on_both_databases};
use axum::http::{Method, StatusCode};
use serde_json::json;

const NEW_PASSWORD: &str = "a brand new passphrase";

on_both_databases!(a_password_change_ends_every_other_session, |app| async move {
    let registered = app.register("ada@example.com", "Ada").await;
    let laptop = app.post("/auth/login", json!({ "email": "ada@example.com", "password": PASSWORD })).await;
    let token = registered["access_token"].as_str().unwrap();

    let change = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });
    let changed = app.send(Method::POST, "/auth/password", Some(token), Some(change.to_string())).await;

    assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
    assert_eq!(changed.body["user"], registered["user"]);
    for old in [&registered, &laptop.body] {
        let refreshed = app.post("/auth/refresh", json!({ "refresh_token": old["refresh_token"] })).await;
        assert_problem(&refreshed, StatusCode::UNAUTHORIZED);
    }
    let fresh = app.post("/auth/refresh", json!({ "refresh_token": changed.body["refresh_token"] })).await;
    assert_eq!(fresh.status, StatusCode::OK, "the new session goes on");
    let old_password = app.post("/auth/login", json!({ "email": "ada@example.com", "password": PASSWORD })).await;
    assert_problem(&old_password, StatusCode::UNAUTHORIZED);
    let new_password = app.post("/auth/login", json!({ "email": "ada@example.com", "password": NEW_PASSWORD })).await;
    assert_eq!(new_password.status, StatusCode::OK);
});

on_both_databases!(a_wrong_current_password_or_a_bad_new_one_changes_nothing, |app| async move {
    let registered = app.register("ada@example.com", "Ada").await;
    let token = registered["access_token"].as_str().unwrap();
    let attempts = [
        (json!({ "current_password": "not my password", "new_password": NEW_PASSWORD }), "current_password"),
        (json!({ "current_password": PASSWORD, "new_password": "short" }), "new_password"),
        (json!({ "current_password": PASSWORD, "new_password": PASSWORD }), "new_password"),
    ];
    for (body, field) in attempts {
        let reply = app.send(Method::POST, "/auth/password", Some(token), Some(body.to_string())).await;
        assert_eq!(invalid_fields(&reply), [field], "{body}");
    }
    for body in ["{}", "not json", "{\"current_password\": \"x\"}"] {
        let reply = app.send(Method::POST, "/auth/password", Some(token), Some(body.to_owned())).await;
        assert_problem(&reply, StatusCode::BAD_REQUEST);
    }
    let anonymous = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });
    let reply = app.send(Method::POST, "/auth/password", None, Some(anonymous.to_string())).await;
    assert_problem(&reply, StatusCode::UNAUTHORIZED);

    let login = app.post("/auth/login", json!({ "email": "ada@example.com", "password": PASSWORD })).await;
    assert_eq!(login.status, StatusCode::OK, "the password is unchanged");
    let refreshed = app.post("/auth/refresh", json!({ "refresh_token": registered["refresh_token"] })).await;
    assert_eq!(refreshed.status, StatusCode::OK, "the session is unchanged");
});
