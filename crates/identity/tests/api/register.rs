//! `POST /auth/register`: a new customer gets an account and a session; bad input is
//! refused field by field and a taken email is a conflict.

use crate::support::{PASSWORD, assert_problem, invalid_fields, on_both_databases};
use axum::http::{Method, StatusCode};
use serde_json::json;

on_both_databases!(registering_opens_a_customer_account_and_signs_in, |app| async move {
    let reply = app
        .post(
            "/auth/register",
            json!({ "email": "  Ada@Example.COM ", "password": PASSWORD, "name": " Ada Lovelace " }),
        )
        .await;

    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.content_type, "application/json");
    let session = reply.body;
    assert_eq!(session["token_type"], "Bearer");
    assert_eq!(session["expires_in"], 900);
    assert!(session["access_token"].as_str().is_some_and(|t| t.split('.').count() == 3));
    let user = &session["user"];
    assert_eq!(
        (&user["email"], &user["name"], &user["role"]),
        (&json!("ada@example.com"), &json!("Ada Lovelace"), &json!("customer"))
    );
    let keys: Vec<_> = user.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["email", "id", "name", "role"], "exactly the API's User");
});

on_both_databases!(a_taken_email_is_a_conflict_in_any_letter_case, |app| async move {
    app.register("ada@example.com", "Ada").await;

    for email in ["ada@example.com", "ADA@Example.com"] {
        let reply =
            app.post("/auth/register", json!({ "email": email, "password": PASSWORD, "name": "Other Ada" })).await;
        let problem = assert_problem(&reply, StatusCode::CONFLICT);
        assert_eq!(problem["detail"], "an account with this email already exists");
    }
});

on_both_databases!(invalid_fields_are_each_named_in_a_422, |app| async move {
    let cases = [
        (json!({ "email": "ada@example.com", "password": "short", "name": "Ada" }), vec!["password"]),
        (json!({ "email": "ada@example.com", "password": "x".repeat(129), "name": "Ada" }), vec!["password"]),
        (json!({ "email": "ada.example.com", "password": PASSWORD, "name": "Ada" }), vec!["email"]),
        (json!({ "email": "ada@localhost", "password": PASSWORD, "name": "Ada" }), vec!["email"]),
        (json!({ "email": "ada@example.com", "password": PASSWORD, "name": "   " }), vec!["name"]),
        (json!({ "email": "", "password": "", "name": "" }), vec!["email", "password", "name"]),
    ];
    for (body, fields) in cases {
        let reply = app.post("/auth/register", body.clone()).await;
        assert_eq!(invalid_fields(&reply), fields, "{body}");
    }
    let reply = app.post("/auth/login", json!({ "email": "ada@example.com", "password": "short" })).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "nothing was registered");
});

on_both_databases!(a_malformed_body_is_a_400_problem, |app| async move {
    for body in ["{\"email\": ", "[]", "{\"email\": \"ada@example.com\", \"password\": \"correct horse\"}"] {
        let reply = app.send(Method::POST, "/auth/register", None, Some(body.to_owned())).await;
        assert_problem(&reply, StatusCode::BAD_REQUEST);
    }
});
