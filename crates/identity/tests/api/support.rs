//! An Identity on a fresh database (a temporary SQLite folder or a uniquely named PostgreSQL
//! schema, dropped afterwards), a manual clock, and helpers to call its router.

use axum::Extension;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Utc;
use http_body_util::BodyExt;
use identity::Identity;
use kernel::clock::ManualClock;
use kernel::db::{Db, DbTarget};
use kernel::rate_limit::ClientIp;
use serde_json::{Value, json};
use sqlx::Executor;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use tower::ServiceExt;
use uuid::Uuid;

/// The secret the identity under test signs tokens with.
pub const SECRET: &str = "identity tests sign their tokens with this secret";

/// A password every registration helper uses.
pub const PASSWORD: &str = "correct horse battery";

/// Which database a test runs on.
pub enum Database {
    /// SQLite files in a temporary folder.
    Sqlite,
    /// A fresh schema in the PostgreSQL database at this URL.
    Postgres(String),
}

impl Database {
    /// The PostgreSQL database, or `None` (saying why) outside CI when no URL is set.
    pub fn postgres() -> Option<Database> {
        match std::env::var("EMPORIUM_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Some(Database::Postgres(url)),
            _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
                panic!("PostgreSQL tests must run in CI: set EMPORIUM_TEST_DATABASE_URL")
            }
            _ => {
                eprintln!("skipping the PostgreSQL variant: EMPORIUM_TEST_DATABASE_URL is not set");
                None
            }
        }
    }
}

/// Runs an async test body, given a [`TestIdentity`], once on SQLite and once on PostgreSQL.
macro_rules! on_both_databases {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::support::run($crate::support::Database::Sqlite, $body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(database) = $crate::support::Database::postgres() {
                    $crate::support::run(database, $body).await;
                }
            }
        }
    };
}
pub(crate) use on_both_databases;

/// An identity under test and the clock its tokens are timed by.
pub struct TestIdentity {
    /// The identity, for calls that bypass HTTP.
    pub identity: Identity,
    /// Moves token time forward.
    pub clock: Arc<ManualClock>,
    /// The database it runs on.
    pub db: Db,
    router: axum::Router,
}

/// What an endpoint answered.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: StatusCode,
    /// The `Content-Type` header, empty when absent.
    pub content_type: String,
    /// The body as JSON (`Null` when empty).
    pub body: Value,
    /// The `Retry-After` header's seconds, when present.
    pub retry_after: Option<u64>,
}

impl TestIdentity {
    /// The same identity with attempt budgets of `per_minute` (see `Identity::with_auth_rate_limit`).
    pub fn with_auth_rate_limit(self, per_minute: u32) -> TestIdentity {
        let identity = self.identity.with_auth_rate_limit(per_minute);
        let router = axum::Router::from(identity.router()).layer(Extension(identity.verifier()));
        TestIdentity { identity, router, ..self }
    }

    /// Sends a request with a raw body, as a client would.
    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<String>) -> Reply {
        self.send_from(None, method, path, token, body).await
    }

    /// POSTs a JSON value as a client at `address` (what the HTTP edge names from the
    /// connection), for the per-address budgets.
    pub async fn post_from(&self, address: IpAddr, path: &str, body: Value) -> Reply {
        self.send_from(Some(address), Method::POST, path, None, Some(body.to_string())).await
    }

    /// Sends a request, from `address` when given.
    pub async fn send_from(
        &self,
        address: Option<IpAddr>,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(address) = address {
            request = request.extension(ClientIp(address));
        }
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request.body(body.map_or_else(Body::empty, Body::from)).expect("a valid request");
        let response = self.router.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok());
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response.into_body().collect().await.expect("a readable body").to_bytes();
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("a JSON body") };
        Reply { status, content_type, body, retry_after }
    }

    /// POSTs a JSON value.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, None, Some(body.to_string())).await
    }

    /// GETs with an optional bearer token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::GET, path, token, None).await
    }

    /// Registers a customer with [`PASSWORD`], expecting success; returns the session.
    pub async fn register(&self, email: &str, name: &str) -> Value {
        let reply = self.post("/auth/register", json!({ "email": email, "password": PASSWORD, "name": name })).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
        reply.body
    }
}

/// Asserts `reply` is a problem document with `status`; returns its body.
pub fn assert_problem(reply: &Reply, status: StatusCode) -> &Value {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(reply.content_type, "application/problem+json", "{reply:?}");
    assert_eq!(reply.body["status"], status.as_u16(), "{reply:?}");
    assert!(reply.body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{reply:?}");
    &reply.body
}

/// The fields a 422 problem names, in order.
pub fn invalid_fields(reply: &Reply) -> Vec<String> {
    assert_problem(reply, StatusCode::UNPROCESSABLE_ENTITY)["errors"]
        .as_array()
        .expect("field errors")
        .iter()
        .map(|error| error["field"].as_str().expect("a field name").to_owned())
        .collect()
}

/// Opens a fresh identity on `database`, runs `test`, then removes what it stored (also
/// when `test` panics, whose panic is then re-raised).
pub async fn run<F, Fut>(database: Database, test: F)
where
    F: FnOnce(TestIdentity) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let folder = tempfile::tempdir().expect("a temporary folder");
    let (target, schema) = match database {
        Database::Sqlite => (DbTarget::SqliteDir(folder.path().to_owned()), None),
        Database::Postgres(url) => {
            let prefix = format!("t{}_", &Uuid::new_v4().simple().to_string()[..12]);
            let schema = format!("{prefix}identity");
            (DbTarget::Postgres { url, schema_prefix: prefix }, Some(schema))
        }
    };
    let db = Db::open(&target, "identity").await.expect("the identity database opens");
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let identity = Identity::open(db.clone(), SECRET, clock.clone()).await.expect("identity opens").with_fast_hashing();
    let router = axum::Router::from(identity.router()).layer(Extension(identity.verifier()));
    let outcome = tokio::spawn(test(TestIdentity { identity, clock, db: db.clone(), router })).await;
    if let Some(schema) = schema {
        // The schema name is generated above from hex digits, never from input.
        let drop = format!("drop schema if exists {schema} cascade");
        db.reader().execute(sqlx::raw_sql(sqlx::AssertSqlSafe(drop))).await.expect("the test schema is dropped");
    }
    db.close().await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}
