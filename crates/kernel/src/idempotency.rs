//! Stripe's idempotency keys for the requests that create or move money or goods: a client
//! that sends `Idempotency-Key` may send the same request again (after a timeout, a dropped
//! connection, a crash of its own) and gets the first answer back instead of a second order,
//! card or stock movement.
//!
//! - A key is 1 to 255 visible ASCII characters, and belongs to the signed-in user who sent
//!   it: two users may use the same key for different things.
//! - The first answer the handler gives, an error included, is stored with the key and
//!   replayed for [`KEPT_FOR`] (24 hours), marked `Idempotent-Replayed: true`. Only a 503
//!   ("not now, try again") is not kept: the retry it asks for runs.
//! - The same key with a different request (method, path or body) is refused with 422
//!   `idempotency_key_reused`, and nothing runs.
//! - While the first request is still being handled, the same key is refused with 409: the
//!   client retries later and then gets the stored answer. A request whose process died
//!   while handling it leaves its claim behind; after [`ABANDONED_AFTER`] the key may be
//!   used again.
//!
//! The claim and the stored answer live in the context's own database (`idempotency_keys`),
//! so each context keeps its keys when it runs as its own service. A claim is a short plain
//! transaction, not a unit of work in a commit group: a claim waiting on another request's
//! claim of the same key must never sit in a group that other units wait on. Storing the
//! answer (a write to the request's own claimed row) joins the database's commit group,
//! after the handler's unit of work has committed: a crash between the two leaves the effect without
//! its answer, and a retry after [`ABANDONED_AFTER`] runs the handler again. Handlers whose
//! effect must never repeat claim the key in their own unit of work too (order placement
//! does), so the retry finds the effect instead of repeating it.
//!
//! On PostgreSQL the claim's commit does not wait for the WAL flush; storing the answer
//! does. Every later durable commit on the database (the handler's effect, the stored
//! answer) flushes the WAL past the claim, since the WAL is one sequence, so by the time the
//! client has an answer the claim is on disk. A crash of the cluster can lose only a claim
//! that nothing durable followed yet: the request it belonged to died with the crash, and
//! its retry runs as a first request. A request pays one WAL flush for its key, not two.

use crate::auth::{SharedTokenVerifier, bearer_principal};
use crate::error::ApiError;
use crate::event_store::{EventStore, StoreError};
use axum::body::{Body, to_bytes};
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use utoipa_axum::router::OpenApiRouter;

/// The request header that carries the key.
pub const KEY_HEADER: HeaderName = HeaderName::from_static("idempotency-key");
/// The response header that marks a stored answer given again.
pub const REPLAYED_HEADER: HeaderName = HeaderName::from_static("idempotent-replayed");
/// The longest key accepted, in characters.
pub const MAX_KEY_CHARS: usize = 255;
/// How long a key and its answer are kept.
pub const KEPT_FOR: Duration = Duration::hours(24);
/// How long a claim may stay unanswered before it counts as abandoned by a process that
/// died: longer than any request may take.
pub const ABANDONED_AFTER: Duration = Duration::seconds(60);
/// The largest request or answer body this layer reads (the API's own body limit is lower).
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Expired keys are swept once every this many claims.
const SWEEP_EVERY: u64 = 256;
/// What an idempotency key must look like.
const KEY_SHAPE: &str = "Idempotency-Key must be 1 to 255 visible ASCII characters";

/// An idempotency key as given (header or GraphQL argument): 1 to [`MAX_KEY_CHARS`] visible
/// ASCII characters, else a bad request.
pub fn checked_key(key: &str) -> Result<String, ApiError> {
    let visible = (1..=MAX_KEY_CHARS).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
    if visible { Ok(key.to_owned()) } else { Err(ApiError::bad_request(KEY_SHAPE)) }
}

/// The `Idempotency-Key` header of a request, checked; `None` when not sent.
pub fn key_of(headers: &axum::http::HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(KEY_HEADER) else { return Ok(None) };
    let key = value.to_str().map_err(|_| ApiError::bad_request(KEY_SHAPE))?;
    checked_key(key).map(Some)
}

/// The `Idempotency-Key` header as the OpenAPI document shows it on the operations
/// [`guarded`] covers (`params(kernel::idempotency::KeyHeader)`).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct KeyHeader {
    /// Makes the request safe to send again: the first answer to this key (yours only;
    /// an error too) is kept for 24 hours and given again, marked `Idempotent-Replayed:
    /// true`. The same key with a different request is a 422 (`idempotency_key_reused`);
    /// while the first is still being handled, a 409. 1 to 255 visible ASCII characters.
    #[serde(rename = "Idempotency-Key")]
    #[param(min_length = 1, max_length = 255, pattern = "^[!-~]+$")]
    pub idempotency_key: Option<String>,
}

/// The state of [`idempotent`]: the context's event store (its database and clock).
#[derive(Clone)]
struct Idempotency {
    store: EventStore,
    claims: Arc<AtomicU64>,
}

impl Idempotency {
    /// Keys kept in `store`'s database.
    fn new(store: EventStore) -> Idempotency {
        Idempotency { store, claims: Arc::new(AtomicU64::new(0)) }
    }

    /// For one GraphQL mutation's claim, which leaves sweeping expired keys to the REST
    /// requests' claims on the same table.
    fn without_sweeping(store: EventStore) -> Idempotency {
        Idempotency { store, claims: Arc::new(AtomicU64::new(1)) }
    }
}

/// What became of a claim on a key.
enum Claim {
    /// The key is this request's now: run it and store the answer.
    Run,
    /// The answer stored for the same request.
    Replay(StoredAnswer),
    /// The key was used for a different request.
    Reused,
    /// The first request with this key is still being handled.
    InProgress,
}

/// An answer as stored: status, content type and body.
struct StoredAnswer {
    status: u16,
    content_type: Option<String>,
    body: String,
}

/// `routes` with each `POST` among them made idempotent under `Idempotency-Key`, the keys
/// kept in `store`'s database: for the slices that create or move money or goods.
pub fn guarded<S: Clone + Send + Sync + 'static>(routes: OpenApiRouter<S>, store: &EventStore) -> OpenApiRouter<S> {
    routes.route_layer(axum::middleware::from_fn_with_state(Idempotency::new(store.clone()), idempotent))
}

/// The middleware [`guarded`] installs: a `POST` with an `Idempotency-Key` from a signed-in
/// caller runs at most once per key, and every repeat gets the first answer. Other methods,
/// requests without a key, and requests without a caller (which the handler refuses) run
/// as they are.
async fn idempotent(State(idempotency): State<Idempotency>, request: Request, next: Next) -> Response {
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let key = match key_of(request.headers()) {
        Ok(Some(key)) => key,
        Ok(None) => return next.run(request).await,
        Err(refused) => return refused.into_response(),
    };
    let verifier = request.extensions().get::<SharedTokenVerifier>().cloned();
    let Some(Ok(Some(principal))) = verifier.map(|verifier| bearer_principal(request.headers(), verifier.as_ref()))
    else {
        return next.run(request).await;
    };
    let user = principal.user_id.to_string();
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError::too_large("the request body is too large").into_response();
    };
    // The address as the client sent it, before any router nesting stripped a prefix.
    let uri = parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.to_string(), |o| o.0.to_string());
    let fingerprint = fingerprint(parts.method.as_str(), &uri, &body);
    let claimed = match idempotency.claim(&user, &key, &fingerprint).await {
        Ok(claimed) => claimed,
        Err(error) => return error.into_response(),
    };
    match claimed {
        Claim::Run => {}
        Claim::Replay(answer) => return answer.into_response(),
        Claim::Reused => return reused().into_response(),
        Claim::InProgress => return in_progress().into_response(),
    }
    let answer = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (answer_parts, answer_body) = answer.into_parts();
    let Ok(answer_body) = to_bytes(answer_body, MAX_BODY_BYTES).await else {
        idempotency.release(&user, &key).await;
        return ApiError::internal(&std::io::Error::other("answer too large to keep for an idempotency key"))
            .into_response();
    };
    let content_type = answer_parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    match std::str::from_utf8(&answer_body) {
        // "Try again" is not an answer to keep: the retry it asks for must run.
        Ok(text) if answer_parts.status != axum::http::StatusCode::SERVICE_UNAVAILABLE => {
            idempotency.keep(&user, &key, answer_parts.status.as_u16(), content_type, text).await;
        }
        _ => idempotency.release(&user, &key).await,
    }
    Response::from_parts(answer_parts, Body::from(answer_body))
}

/// What makes two GraphQL mutations the same, for [`once`]: the operation and its input.
pub fn mutation_fingerprint(operation: &str, input: &impl serde::Serialize) -> Result<String, ApiError> {
    let input = serde_json::to_vec(input).map_err(|e| ApiError::internal(&e))?;
    Ok(fingerprint("GRAPHQL", operation, &input))
}

/// Runs a GraphQL mutation of `principal`'s under its `idempotencyKey` argument with the
/// semantics the REST header has: the first answer, an error included, is kept and given
/// again; the key with another request (`fingerprint`, from [`mutation_fingerprint`]) is
/// refused (`idempotency_key_reused`); a repeat while the first still runs is a 409; a 503
/// is not kept. Without a key, `run` just runs. Keys live in `store`'s database, beside its
/// REST requests' keys.
pub async fn once<T, Fut>(
    store: &EventStore,
    principal: &crate::auth::Principal,
    key: Option<&str>,
    fingerprint: &str,
    run: Fut,
) -> Result<T, ApiError>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let Some(key) = key else { return run.await };
    let key = checked_key(key)?;
    let idempotency = Idempotency::without_sweeping(store.clone());
    let user = principal.user_id.to_string();
    match idempotency.claim(&user, &key, fingerprint).await? {
        Claim::Run => {}
        Claim::Replay(answer) => return answer.replayed(),
        Claim::Reused => return Err(reused()),
        Claim::InProgress => return Err(in_progress()),
    }
    let answer = run.await;
    let kept = match &answer {
        Ok(value) => serde_json::to_string(value).ok().map(|json| (200, "application/json", json)),
        Err(error) if error.status() == axum::http::StatusCode::SERVICE_UNAVAILABLE => None,
        Err(error) => Some((error.status().as_u16(), "application/problem+json", error.problem_json())),
    };
    match kept {
        Some((status, content_type, body)) => idempotency.keep(&user, &key, status, Some(content_type), &body).await,
        None => idempotency.release(&user, &key).await,
    }
    answer
}

fn reused() -> ApiError {
    ApiError::rejected(
        "idempotency_key_reused",
        "this Idempotency-Key was used with a different request; send a new key for a new request",
    )
}

fn in_progress() -> ApiError {
    ApiError::conflict("a request with this Idempotency-Key is still being handled; send it again in a moment")
}

/// What makes two requests the same: method, path with query, and body bytes.
pub fn fingerprint(method: &str, uri: &str, body: &[u8]) -> String {
    let mut digest = Sha256::new();
    digest.update(method.as_bytes());
    digest.update([0]);
    digest.update(uri.as_bytes());
    digest.update([0]);
    digest.update(body);
    digest.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

impl StoredAnswer {
    /// The stored answer of a GraphQL mutation: its value, or the error it gave.
    fn replayed<T: serde::de::DeserializeOwned>(self) -> Result<T, ApiError> {
        let unreadable = || ApiError::internal(&std::io::Error::other("a kept answer does not read back"));
        if self.status == 200 {
            serde_json::from_str(&self.body).map_err(|_| unreadable())
        } else {
            Err(ApiError::from_problem_json(&self.body).unwrap_or_else(unreadable))
        }
    }

    fn into_response(self) -> Response {
        let status = axum::http::StatusCode::from_u16(self.status).unwrap_or(axum::http::StatusCode::OK);
        let mut response = (status, self.body).into_response();
        let headers = response.headers_mut();
        headers.remove(header::CONTENT_TYPE);
        if let Some(content_type) = self.content_type.and_then(|value| HeaderValue::from_str(&value).ok()) {
            headers.insert(header::CONTENT_TYPE, content_type);
        }
        headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
        response
    }
}

impl Idempotency {
    /// Claims `key` for `user`'s request `fingerprint`, or finds what an earlier request
    /// with it left.
    async fn claim(&self, user: &str, key: &str, fingerprint: &str) -> Result<Claim, ApiError> {
        let now = self.store.clock().now();
        let stamp = crate::time::format(now);
        // The claim does not wait for the disk (see the module's notes).
        let begin = self.store.db().begin_with(crate::db::BEGIN_WITHOUT_WAITING_FOR_DISK);
        let mut tx = begin.await.map_err(StoreError::from)?;
        if self.claims.fetch_add(1, Ordering::Relaxed).is_multiple_of(SWEEP_EVERY) {
            sqlx::query("delete from idempotency_keys where created_at < $1")
                .bind(crate::time::format(now - KEPT_FOR))
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
        }
        let inserted = sqlx::query(
            "insert into idempotency_keys (user_id, idempotency_key, fingerprint, created_at, status) \
             values ($1, $2, $3, $4, null) on conflict (user_id, idempotency_key) do nothing",
        )
        .bind(user)
        .bind(key)
        .bind(fingerprint)
        .bind(&stamp)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        let claim = if inserted.rows_affected() == 1 {
            Claim::Run
        } else {
            let row = sqlx::query(
                "select fingerprint, created_at, status, content_type, body from idempotency_keys \
                 where user_id = $1 and idempotency_key = $2",
            )
            .bind(user)
            .bind(key)
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::from)?;
            let created_at: String = row.get("created_at");
            let created = crate::time::parse(&created_at).unwrap_or(DateTime::<Utc>::MIN_UTC);
            let status: Option<i32> = row.get("status");
            let expired = created < now - KEPT_FOR;
            let abandoned = status.is_none() && created < now - ABANDONED_AFTER;
            if expired || abandoned {
                // Taken over only if nobody else took it over first.
                let taken = sqlx::query(
                    "update idempotency_keys set fingerprint = $1, created_at = $2, status = null, \
                     content_type = null, body = null where user_id = $3 and idempotency_key = $4 and created_at = $5",
                )
                .bind(fingerprint)
                .bind(&stamp)
                .bind(user)
                .bind(key)
                .bind(&created_at)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
                if taken.rows_affected() == 1 { Claim::Run } else { Claim::InProgress }
            } else if row.get::<String, _>("fingerprint") != fingerprint {
                Claim::Reused
            } else {
                match status {
                    Some(status) => Claim::Replay(StoredAnswer {
                        status: u16::try_from(status).unwrap_or(500),
                        content_type: row.get("content_type"),
                        body: row.get::<Option<String>, _>("body").unwrap_or_default(),
                    }),
                    None => Claim::InProgress,
                }
            }
        };
        tx.commit().await.map_err(StoreError::from)?;
        Ok(claim)
    }

    /// Stores the answer to `user`'s request with `key`; a failure only costs the replay
    /// (the key then counts as abandoned after [`ABANDONED_AFTER`]).
    async fn keep(&self, user: &str, key: &str, status: u16, content_type: Option<&str>, body: &str) {
        // In the commit group: the answer shares its WAL flush with the units around it.
        let stored = async {
            let mut member = self.store.db().join_group().await?;
            sqlx::query(
                "update idempotency_keys set status = $1, content_type = $2, body = $3 \
                 where user_id = $4 and idempotency_key = $5",
            )
            .bind(i32::from(status))
            .bind(content_type)
            .bind(body)
            .bind(user)
            .bind(key)
            .execute(member.conn())
            .await?;
            member.commit().await
        };
        if let Err(error) = stored.await {
            tracing::warn!(%error, "the answer to an idempotent request could not be stored");
        }
    }

    /// Gives `key` up when its answer cannot be stored, so a retry runs instead of waiting
    /// for a claim that will never be answered.
    async fn release(&self, user: &str, key: &str) {
        let released = async {
            let mut tx = self.store.db().begin().await?;
            sqlx::query("delete from idempotency_keys where user_id = $1 and idempotency_key = $2 and status is null")
                .bind(user)
                .bind(key)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        };
        if let Err(error) = released.await {
            tracing::warn!(%error, "an idempotency key could not be released");
        }
    }
}

/// The table, in every context's database (kernel migration 6).
pub(crate) const IDEMPOTENCY_KEYS: &str = "
    create table idempotency_keys (
        user_id text not null,
        idempotency_key text not null,
        fingerprint text not null,
        created_at text not null,
        status integer,
        content_type text,
        body text,
        primary key (user_id, idempotency_key)
    );
    create index idempotency_keys_created on idempotency_keys (created_at);
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_1_to_255_visible_ascii_characters() {
        assert_eq!(checked_key("checkout-1").unwrap(), "checkout-1");
        assert!(checked_key(&"k".repeat(255)).is_ok());
        for bad in [String::new(), "k".repeat(256), "has space".into(), "tab\t".into(), "ünï".into()] {
            assert!(checked_key(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_same_request_has_the_same_fingerprint_and_any_change_another() {
        let body = b"{\"a\":1}";
        let one = fingerprint("POST", "/api/v1/orders", body);
        assert_eq!(one, fingerprint("POST", "/api/v1/orders", body));
        assert_ne!(one, fingerprint("POST", "/api/v1/orders", b"{\"a\":2}"));
        assert_ne!(one, fingerprint("POST", "/api/v1/payment-methods", body));
        assert_ne!(one, fingerprint("PUT", "/api/v1/orders", body));
    }
}
