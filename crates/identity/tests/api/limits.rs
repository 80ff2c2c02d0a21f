//! Attempt budgets: sign-in, registration and refresh attempts per client address and per
//! account, answered 429 with `Retry-After` once spent, before any password is hashed.

use crate::support::{PASSWORD, Reply, assert_problem, on_both_databases};
use axum::http::StatusCode;
use serde_json::json;
use std::net::IpAddr;

const ATTACKER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 7));
const SHOPPER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 20));

fn assert_limited(reply: &Reply) {
    assert_problem(reply, StatusCode::TOO_MANY_REQUESTS);
    let wait = reply.retry_after.expect("a 429 says when to come back");
    assert!((1..=60).contains(&wait), "{wait}");
}

on_both_databases!(guessing_one_account_s_password_is_stopped_after_the_budget, |app| async move {
    let app = app.with_auth_rate_limit(5);
    app.register("ada@example.com", "Ada").await;
    app.register("grace@example.com", "Grace").await;

    // Guesses from many addresses: the account's own budget (of which registering took one)
    // stops them.
    for n in 0..4u8 {
        let from = IpAddr::from([192, 0, 2, n]);
        let guess = json!({ "email": "ADA@example.com", "password": format!("guess {n}") });
        assert_problem(&app.post_from(from, "/auth/login", guess).await, StatusCode::UNAUTHORIZED);
    }
    let right = json!({ "email": "ada@example.com", "password": PASSWORD });
    assert_limited(&app.post_from(IpAddr::from([192, 0, 2, 99]), "/auth/login", right).await);
    // Another account is not held back by it.
    let other = json!({ "email": "grace@example.com", "password": PASSWORD });
    assert_eq!(app.post_from(SHOPPER, "/auth/login", other).await.status, StatusCode::OK);
});

on_both_databases!(one_address_trying_many_accounts_is_stopped_after_the_budget, |app| async move {
    let app = app.with_auth_rate_limit(5);
    app.register("ada@example.com", "Ada").await;

    for n in 0..5 {
        let guess = json!({ "email": format!("user{n}@example.com"), "password": PASSWORD });
        assert_problem(&app.post_from(ATTACKER, "/auth/login", guess).await, StatusCode::UNAUTHORIZED);
    }
    let registration = json!({ "email": "new@example.com", "password": PASSWORD, "name": "New" });
    assert_limited(&app.post_from(ATTACKER, "/auth/register", registration).await);
    assert_limited(&app.post_from(ATTACKER, "/auth/refresh", json!({ "refresh_token": "0".repeat(64) })).await);
    // The refused registration created nothing.
    let new_login = json!({ "email": "new@example.com", "password": PASSWORD });
    assert_problem(&app.post_from(SHOPPER, "/auth/login", new_login).await, StatusCode::UNAUTHORIZED);
    // A shopper elsewhere signs in as usual.
    let shopper = json!({ "email": "ada@example.com", "password": PASSWORD });
    assert_eq!(app.post_from(SHOPPER, "/auth/login", shopper).await.status, StatusCode::OK);
});

on_both_databases!(a_budget_refills_with_time, |app| async move {
    let app = app.with_auth_rate_limit(60);
    app.register("ada@example.com", "Ada").await;
    let guess = json!({ "email": "ada@example.com", "password": "wrong guess" });
    let mut limited = None;
    for _ in 0..61 {
        let reply = app.post_from(ATTACKER, "/auth/login", guess.clone()).await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(reply);
            break;
        }
    }
    let limited = limited.expect("the 61st attempt within a minute is refused");
    assert_limited(&limited);
    // One attempt a second refills; the limiter keeps real time, not the test clock.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let right = json!({ "email": "ada@example.com", "password": PASSWORD });
    assert_eq!(app.post_from(SHOPPER, "/auth/login", right).await.status, StatusCode::OK);
});
