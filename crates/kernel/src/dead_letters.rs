//! Messages their consumers gave up on, and what an operator does with each once the cause
//! is understood: replay it through its consumer (which still handles it at most once, by
//! its inbox) or discard it. Every letter keeps its record; resolving one marks it.

use crate::bus::Envelope;
use crate::event_store::{EventStore, StoreError};
use crate::messaging::{HandlerError, MessageHandler};
use serde::{Deserialize, Serialize};

/// Where a dead letter stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub enum LetterStatus {
    /// Waiting for a person.
    Open,
    /// Handled by its consumer on an operator's request.
    Replayed,
    /// Dropped on an operator's request.
    Discarded,
}

impl LetterStatus {
    fn from_column(resolution: Option<&str>) -> LetterStatus {
        match resolution {
            Some("replayed") => LetterStatus::Replayed,
            Some(_) => LetterStatus::Discarded,
            None => LetterStatus::Open,
        }
    }
}

/// A dead letter as an operator sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "DeadLetter")]
pub struct DeadLetterView {
    /// The letter's id.
    pub id: uuid::Uuid,
    /// The context whose consumer gave up on it.
    pub context: String,
    /// The consumer (inbox) that gave up.
    pub consumer: String,
    /// The message's id (stable across redeliveries).
    pub message_id: String,
    /// The message's type, e.g. `inventory.InventoryReserved`.
    pub message_type: String,
    /// Why the consumer gave up.
    pub error: String,
    /// Attempts made before it gave up.
    pub attempts: i32,
    /// When it gave up.
    pub failed_at: String,
    /// Open, replayed or discarded.
    pub status: LetterStatus,
    /// When an operator replayed or discarded it.
    pub resolved_at: Option<String>,
}

/// Why an operator's request about a dead letter was refused.
#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    /// No letter has this id here.
    #[error("no dead letter {0}")]
    NotFound(uuid::Uuid),
    /// It was replayed or discarded already.
    #[error("dead letter {id} was {status:?} already", status = .status)]
    Resolved {
        /// The letter.
        id: uuid::Uuid,
        /// What happened to it.
        status: LetterStatus,
    },
    /// Its consumer does not run in this process.
    #[error("no consumer named {0} runs here")]
    NoConsumer(String),
    /// Handling failed again; the letter stays open.
    #[error("its consumer failed again: {0}")]
    StillFailing(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

const COLUMNS: &str = "id, consumer, message_id, message_type, error, attempts, failed_at, resolution, resolved_at";

type Row = (String, String, String, String, String, i32, String, Option<String>, Option<String>);

fn view(context: &str, row: Row) -> DeadLetterView {
    let (id, consumer, message_id, message_type, error, attempts, failed_at, resolution, resolved_at) = row;
    DeadLetterView {
        id: id.parse().unwrap_or_default(),
        context: context.to_owned(),
        consumer,
        message_id,
        message_type,
        error,
        attempts,
        failed_at,
        status: LetterStatus::from_column(resolution.as_deref()),
        resolved_at,
    }
}

/// The dead letters in `store` with `status` (every one when `None`), newest first.
pub async fn list(store: &EventStore, status: Option<LetterStatus>) -> Result<Vec<DeadLetterView>, StoreError> {
    let filter = match status {
        None => "",
        Some(LetterStatus::Open) => "where resolution is null",
        Some(LetterStatus::Replayed) => "where resolution = 'replayed'",
        Some(LetterStatus::Discarded) => "where resolution = 'discarded'",
    };
    let sql = format!("select {COLUMNS} from dead_letters {filter} order by failed_at desc, id desc limit 1000");
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(store.db().reader()).await?;
    Ok(rows.into_iter().map(|row| view(store.db().name(), row)).collect())
}

/// The letter `id` in `store`, if it is there.
pub async fn find(store: &EventStore, id: uuid::Uuid) -> Result<Option<DeadLetterView>, StoreError> {
    let sql = format!("select {COLUMNS} from dead_letters where id = $1");
    let row: Option<Row> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.to_string()).fetch_optional(store.db().reader()).await?;
    Ok(row.map(|row| view(store.db().name(), row)))
}

/// Hands the open letter `id` to `handler` again; marks it replayed when handled. The
/// handler's inbox keeps the effect single even if two operators replay at once.
pub async fn replay(
    store: &EventStore,
    handler: &dyn MessageHandler,
    id: uuid::Uuid,
) -> Result<DeadLetterView, LetterError> {
    let letter = open_letter(store, id).await?;
    let envelope: String = sqlx::query_scalar("select cast(envelope as text) from dead_letters where id = $1")
        .bind(id.to_string())
        .fetch_one(store.db().reader())
        .await
        .map_err(StoreError::from)?;
    let envelope: Envelope = serde_json::from_str(&envelope)
        .map_err(|error| LetterError::StillFailing(format!("the stored message is not an envelope: {error}")))?;
    if handler.consumer() != letter.consumer {
        return Err(LetterError::NoConsumer(letter.consumer));
    }
    match handler.handle(&envelope).await {
        Ok(()) => resolve(store, id, "replayed").await,
        Err(HandlerError::Transient(error) | HandlerError::Permanent(error)) => Err(LetterError::StillFailing(error)),
    }
}

/// Marks the open letter `id` discarded.
pub async fn discard(store: &EventStore, id: uuid::Uuid) -> Result<DeadLetterView, LetterError> {
    open_letter(store, id).await?;
    resolve(store, id, "discarded").await
}

async fn open_letter(store: &EventStore, id: uuid::Uuid) -> Result<DeadLetterView, LetterError> {
    let letter = find(store, id).await?.ok_or(LetterError::NotFound(id))?;
    match letter.status {
        LetterStatus::Open => Ok(letter),
        status => Err(LetterError::Resolved { id, status }),
    }
}

/// Marks `id` resolved unless someone resolved it meanwhile.
async fn resolve(store: &EventStore, id: uuid::Uuid, resolution: &str) -> Result<DeadLetterView, LetterError> {
    let mut uow = store.begin().await?;
    let updated =
        sqlx::query("update dead_letters set resolution = $2, resolved_at = $3 where id = $1 and resolution is null")
            .bind(id.to_string())
            .bind(resolution)
            .bind(crate::time::format(store.clock().now()))
            .execute(uow.conn())
            .await
            .map_err(StoreError::from)?;
    uow.commit().await?;
    let letter = find(store, id).await?.ok_or(LetterError::NotFound(id))?;
    if updated.rows_affected() == 0 {
        return Err(LetterError::Resolved { id, status: letter.status });
    }
    Ok(letter)
}
