//! `POST /auth/login`: the right password opens a session; a wrong password and an unknown
//! email get one and the same 401.

use crate::support::{PASSWORD, assert_problem, on_both_databases};
use axum::http::{Method, StatusCode};
use serde_json::json;

on_both_databases!(a_registered_customer_signs_in_with_any_letter_case, |app| async move {
    let registered = app.register("ada@example.com", "Ada").await;

    let reply = app.post("/auth/login", json!({ "email": " ADA@example.com", "password": PASSWORD })).await;

    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 900);
    assert_eq!(reply.body["user"], registered["user"]);
    let me = app.get("/me", reply.body["access_token"].as_str()).await;
    assert_eq!(me.body, registered["user"]);
});

on_both_databases!(a_wrong_password_and_an_unknown_email_get_the_same_401, |app| async move {
    app.register("ada@example.com", "Ada").await;

    let wrong_password =
        app.post("/auth/login", json!({ "email": "ada@example.com", "password": "not the password" })).await;
    let unknown_email = app.post("/auth/login", json!({ "email": "grace@example.com", "password": PASSWORD })).await;

    assert_eq!(assert_problem(&wrong_password, StatusCode::UNAUTHORIZED)["detail"], "wrong email or password");
    assert_eq!(wrong_password.body, unknown_email.body);
    assert_eq!(wrong_password.content_type, unknown_email.content_type);
});

on_both_databases!(a_password_is_compared_exactly, |app| async move {
    app.register("ada@example.com", "Ada").await;

    for attempt in [PASSWORD.to_uppercase(), format!(" {PASSWORD}"), PASSWORD[..PASSWORD.len() - 1].to_owned()] {
        let reply = app.post("/auth/login", json!({ "email": "ada@example.com", "password": attempt })).await;
        assert_problem(&reply, StatusCode::UNAUTHORIZED);
    }
});

on_both_databases!(a_malformed_login_is_a_400_problem, |app| async move {
    for body in ["{\"email\": ", "{\"email\": \"ada@example.com\"}", "not json"] {
        let reply = app.send(Method::POST, "/auth/login", None, Some(body.to_owned())).await;
        assert_problem(&reply, StatusCode::BAD_REQUEST);
    }
});
