//! `create_user` and `ensure_user`, the entry points of `emporium admin create` and the
//! demo seed.

use crate::support::{PASSWORD, on_both_databases};
use axum::http::StatusCode;
use identity::{Identity, IdentityError};
use kernel::auth::Role;
use serde_json::json;
use std::sync::Arc;

on_both_databases!(create_user_makes_an_admin_who_can_sign_in, |app| async move {
    let admin = app.identity.create_user(" Root@Example.com", PASSWORD, " Root ", Role::Admin).await.unwrap();
    assert_eq!((admin.email.as_str(), admin.name.as_str(), admin.role), ("root@example.com", "Root", Role::Admin));

    let login = app.post("/auth/login", json!({ "email": "root@example.com", "password": PASSWORD })).await;
    assert_eq!(login.status, StatusCode::OK, "{login:?}");
    let me = app.get("/me", login.body["access_token"].as_str()).await;
    assert_eq!(me.body, json!({ "id": admin.id, "email": "root@example.com", "name": "Root", "role": "admin" }));
});

on_both_databases!(create_user_refuses_a_taken_email, |app| async move {
    app.identity.create_user("root@example.com", PASSWORD, "Root", Role::Admin).await.unwrap();

    let again = app.identity.create_user("ROOT@example.com", PASSWORD, "Root", Role::Admin).await;

    assert!(matches!(again, Err(IdentityError::EmailTaken)), "{again:?}");
});

on_both_databases!(create_user_names_every_invalid_field, |app| async move {
    let outcome = app.identity.create_user("root", "short", "", Role::Admin).await;

    let Err(IdentityError::Invalid(errors)) = outcome else { panic!("expected Invalid, got {outcome:?}") };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["email", "password", "name"]);
});

on_both_databases!(concurrent_registrations_of_one_email_create_one_account, |app| async move {
    let identity = Arc::new(app.identity.clone());
    let attempts: Vec<_> = (0..4)
        .map(|i| {
            let identity = identity.clone();
            tokio::spawn(async move {
                identity.create_user("ada@example.com", PASSWORD, &format!("Ada {i}"), Role::Customer).await
            })
        })
        .collect();
    let mut created = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => created += 1,
            Err(IdentityError::EmailTaken) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(created, 1);
});

on_both_databases!(ensure_user_is_idempotent, |app| async move {
    let first = app.identity.ensure_user("demo@example.com", PASSWORD, "Demo", Role::Customer).await.unwrap();

    let again =
        app.identity.ensure_user("Demo@Example.com", "a different password", "Renamed", Role::Admin).await.unwrap();
    let racing = futures_join(&app.identity).await;

    assert_eq!(again, first, "the existing account, unchanged");
    assert!(racing.iter().all(|user| user.id == first.id));
    let login = app.post("/auth/login", json!({ "email": "demo@example.com", "password": PASSWORD })).await;
    assert_eq!(login.status, StatusCode::OK, "the original password still signs in");
});

on_both_databases!(ensure_user_creates_a_missing_account_once_under_concurrency, |app| async move {
    let users = futures_join(&app.identity).await;

    assert!(users.windows(2).all(|pair| pair[0].id == pair[1].id), "{users:?}");
});

on_both_databases!(reopening_on_a_migrated_database_keeps_the_accounts, |app| async move {
    let user = app.identity.create_user("ada@example.com", PASSWORD, "Ada", Role::Customer).await.unwrap();

    let reopened = Identity::open(app.db.clone(), crate::support::SECRET, app.clock.clone()).await.unwrap();

    let found = reopened.ensure_user("ada@example.com", PASSWORD, "Ada", Role::Customer).await.unwrap();
    assert_eq!(found, user);
});

/// Three `ensure_user` calls for one email, started together.
async fn futures_join(identity: &Identity) -> Vec<identity::User> {
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let identity = identity.clone();
            tokio::spawn(
                async move { identity.ensure_user("demo@example.com", PASSWORD, "Demo", Role::Customer).await },
            )
        })
        .collect();
    let mut users = Vec::new();
    for call in calls {
        users.push(call.await.unwrap().expect("ensure_user succeeds"));
    }
    users
}
