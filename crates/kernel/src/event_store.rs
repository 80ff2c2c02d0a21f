//! The event store: every context's source of truth and its outbox.
//!
//! Each aggregate is a stream of events with consecutive versions; appending names the
//! version the writer decided on, and a mismatch is a [`StoreError::Conflict`], never an
//! overwrite. Readers catch up in a global order that never skips an event committed late
//! (see [`Position`]). The same table doubles as the outbox: the relay publishes from it.

use crate::bus::Envelope;
use crate::clock::SharedClock;
use crate::db::{Backend, Db, Migration};
use crate::group_commit::Member;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::watch;
use uuid::Uuid;

/// PostgreSQL's `lock_not_available`: a lock wait gave up at `lock_timeout`.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// A place in the global order of a context's events.
///
/// On PostgreSQL, identity values are handed out before commit, so a lower `sequence` can
/// become visible after a higher one. Readers therefore order by the appending
/// transaction's id first and only read transactions older than every one still in flight
/// (`pg_snapshot_xmin`); everything below that frontier is final. SQLite serialises writers,
/// so there `transaction` is always 0 and `sequence` alone is commit order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Position {
    /// The appending transaction (0 on SQLite).
    pub transaction: i64,
    /// The event's row number.
    pub sequence: i64,
}

/// Why and by whom an event was written; travels with it into messages and traces.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The business flow this belongs to (the order id for the place-order saga).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<Uuid>,
    /// The message or request that caused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<Uuid>,
    /// W3C trace context of the span that wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// Who asked (a user id), when a person did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// When the fact it records happened, where that was another context: news arrives
    /// after things this context recorded meanwhile, and this dates it where it belongs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The saga that carried out, in the transaction recording this, the command this is an
    /// effect of (see [`crate::saga::LocalReceiver`]): it took its answer there, so it drops
    /// the message the relay later derives from this event. Only the saga's own transition
    /// sets it; [`Metadata::caused_by`] never passes it on to the effects of a message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_in_place_for: Option<Uuid>,
}

impl Metadata {
    /// Metadata for effects of handling `envelope`: same correlation, caused by it.
    pub fn caused_by(envelope: &Envelope) -> Self {
        Metadata {
            correlation_id: envelope.correlation_id,
            causation_id: Some(envelope.message_id),
            traceparent: envelope.traceparent.clone(),
            actor: None,
            occurred_at: None,
            answered_in_place_for: None,
        }
    }

    /// Metadata for recording `envelope`'s news: as [`Metadata::caused_by`], dated when the
    /// news happened at its source.
    pub fn news_from(envelope: &Envelope) -> Self {
        Metadata { occurred_at: Some(envelope.occurred_at), ..Metadata::caused_by(envelope) }
    }
}

/// An event about to be appended.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Unique id of this event.
    pub event_id: Uuid,
    /// Type name, e.g. `ProductCreated`.
    pub event_type: String,
    /// Version of the payload's shape for this type.
    pub schema_version: i32,
    /// The event's data.
    pub payload: Value,
    /// Correlation, causation, trace and actor.
    pub metadata: Metadata,
}

/// A domain event enum stored as `{"type": ..., "data": ...}` (serde adjacently tagged).
pub trait DomainEvent: Serialize + DeserializeOwned + Send + Sync {
    /// Every event type name of the enum, so readers can skip other types in the store.
    const TYPES: &'static [&'static str];

    /// Current schema version of the given event type; bump it with an upcaster.
    fn schema_version(_event_type: &str) -> i32 {
        1
    }
}

impl NewEvent {
    /// Encodes a domain event.
    pub fn from_domain<E: DomainEvent>(event: &E, metadata: &Metadata) -> Result<Self, StoreError> {
        let tagged = serde_json::to_value(event).map_err(StoreError::Encode)?;
        let event_type = tagged
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| StoreError::Encode(serde::ser::Error::custom("events must be adjacently tagged")))?
            .to_owned();
        let payload = tagged.get("data").cloned().unwrap_or(Value::Null);
        Ok(NewEvent {
            event_id: Uuid::now_v7(),
            schema_version: E::schema_version(&event_type),
            event_type,
            payload,
            metadata: metadata.clone(),
        })
    }
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// Where it sits in the context's global order.
    pub position: Position,
    /// The stream (aggregate) it belongs to.
    pub stream_id: String,
    /// Its version within the stream, from 1.
    pub stream_version: i64,
    /// Unique id.
    pub event_id: Uuid,
    /// Type name.
    pub event_type: String,
    /// Payload shape version, after upcasting.
    pub schema_version: i32,
    /// The data.
    pub payload: Value,
    /// Correlation, causation, trace and actor.
    pub metadata: Metadata,
    /// When it was appended.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

impl RecordedEvent {
    /// Decodes into `E` when the event is one of `E`'s types, `None` otherwise.
    pub fn decode_known<E: DomainEvent>(&self) -> Result<Option<E>, StoreError> {
        if E::TYPES.contains(&self.event_type.as_str()) { self.decode().map(Some) } else { Ok(None) }
    }

    /// Decodes into a domain event enum.
    pub fn decode<E: DomainEvent>(&self) -> Result<E, StoreError> {
        let tagged = serde_json::json!({ "type": self.event_type, "data": self.payload });
        serde_json::from_value(tagged).map_err(StoreError::Decode)
    }
}

/// What the writer believes the stream's version is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// The stream must not exist yet.
    NoStream,
    /// The stream must be exactly at this version (0 = empty).
    Exact(i64),
}

/// Event store failures; [`StoreError::Conflict`] is the one worth retrying.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else appended to the stream first.
    #[error("stream {stream_id} is at version {actual}, expected {expected}")]
    Conflict {
        /// The stream.
        stream_id: String,
        /// The version the writer expected.
        expected: i64,
        /// The version found.
        actual: i64,
    },
    /// The database failed.
    #[error(transparent)]
    Database(sqlx::Error),
    /// Another open transaction held a row this unit needed past the lock limit (on
    /// PostgreSQL, another commit lane's group: see `group_commit`); the whole unit may be
    /// tried again.
    #[error("another transaction held what this one needed: {0}")]
    Busy(sqlx::Error),
    /// An event could not be serialised.
    #[error("cannot encode event: {0}")]
    Encode(serde_json::Error),
    /// A stored payload does not match the event type.
    #[error("cannot decode event: {0}")]
    Decode(serde_json::Error),
    /// The write transaction this unit shared with others did not commit.
    #[error(transparent)]
    GroupCommit(#[from] crate::group_commit::GroupCommitError),
}

impl StoreError {
    /// Whether trying the whole command again may succeed.
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. } | StoreError::Busy(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.code().as_deref() == Some(LOCK_NOT_AVAILABLE) => StoreError::Busy(error),
            _ => StoreError::Database(error),
        }
    }
}

impl From<StoreError> for crate::error::ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { .. } => {
                crate::error::ApiError::conflict("the resource changed meanwhile; try again")
            }
            StoreError::Busy(_) => crate::error::ApiError::unavailable("too busy to answer just now; try again"),
            other => crate::error::ApiError::internal(&other),
        }
    }
}

/// Rewrites an old payload shape into the next version's.
pub type Upcaster = fn(Value) -> Value;

/// A context's event store.
#[derive(Clone)]
pub struct EventStore {
    db: Db,
    clock: SharedClock,
    appended: Arc<watch::Sender<u64>>,
    upcasters: Arc<HashMap<(String, i32), Upcaster>>,
}

impl std::fmt::Debug for EventStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStore").field("context", &self.db.name()).finish_non_exhaustive()
    }
}

/// Tables every context database has: events and dead letters (their JSON columns differ
/// by engine), then checkpoints, inbox and the saga index (the same on both).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "event store and dead letters",
        sqlite: r#"
            create table events (
                position integer primary key autoincrement,
                stream_id text not null,
                stream_version bigint not null,
                event_id text not null unique,
                event_type text not null,
                schema_version integer not null,
                payload text not null,
                metadata text not null,
                recorded_at text not null,
                unique (stream_id, stream_version)
            );
            create table dead_letters (
                id text primary key,
                consumer text not null,
                message_id text not null,
                message_type text not null,
                envelope text not null,
                error text not null,
                attempts integer not null,
                failed_at text not null
            );
        "#,
        // transaction_id records the appending transaction so catch-up readers can stop at
        // the oldest transaction still in flight (see Position).
        postgres: r#"
            create table events (
                position bigint generated always as identity primary key,
                transaction_id xid8 not null default pg_current_xact_id(),
                stream_id text not null,
                stream_version bigint not null,
                event_id text not null unique,
                event_type text not null,
                schema_version integer not null,
                payload jsonb not null,
                metadata jsonb not null,
                recorded_at text not null,
                unique (stream_id, stream_version)
            );
            create index events_catch_up on events (transaction_id, position);
            create table dead_letters (
                id text primary key,
                consumer text not null,
                message_id text not null,
                message_type text not null,
                envelope jsonb not null,
                error text not null,
                attempts integer not null,
                failed_at text not null
            );
        "#,
    },
    Migration {
        version: 2,
        description: "checkpoints, inbox and saga index",
        sqlite: PORTABLE_TABLES,
        postgres: PORTABLE_TABLES,
    },
    Migration {
        version: 3,
        description: "handling starts of redelivered messages",
        sqlite: DELIVERY_STARTS,
        postgres: DELIVERY_STARTS,
    },
    Migration {
        version: 4,
        description: "dead letters an operator replayed or discarded",
        sqlite: LETTER_RESOLUTION,
        postgres: LETTER_RESOLUTION,
    },
    Migration { version: 5, description: "saga state snapshots", sqlite: SAGA_SNAPSHOTS, postgres: SAGA_SNAPSHOTS },
    Migration {
        version: 6,
        description: "idempotency keys and their first answers",
        sqlite: crate::idempotency::IDEMPOTENCY_KEYS,
        postgres: crate::idempotency::IDEMPOTENCY_KEYS,
    },
    Migration {
        version: 7,
        description: "aggregate snapshots",
        sqlite: AGGREGATE_SNAPSHOTS,
        postgres: AGGREGATE_SNAPSHOTS,
    },
];

/// The state of an aggregate whose stream grows without end, as of a stream version, so a
/// load reads it and the events after it (`kernel::aggregate`). `shape` names the state's
/// layout; a snapshot of another is ignored.
const AGGREGATE_SNAPSHOTS: &str = "
    create table aggregate_snapshots (
        stream_id text primary key,
        stream_version bigint not null,
        shape integer not null,
        state text not null
    );
";

/// Each saga's state as of a stream version, written with every transition, so the next
/// one reads a row instead of replaying the stream. Rows from before it have none, and
/// their sagas replay once.
const SAGA_SNAPSHOTS: &str = "
    alter table sagas add column state text;
    alter table sagas add column state_version bigint;
";

/// What an operator did with a dead letter (`replayed`, `discarded`) and when; open ones
/// have neither.
const LETTER_RESOLUTION: &str = "
    alter table dead_letters add column resolution text;
    alter table dead_letters add column resolved_at text;
";

/// How many times a consumer started handling a message the broker delivered again: a
/// message that kills its consumer is known by its starts, not by its redeliveries (which
/// also count the messages that only waited behind it).
const DELIVERY_STARTS: &str = "
    create table delivery_starts (
        consumer text not null,
        message_id text not null,
        starts integer not null,
        primary key (consumer, message_id)
    );
";

const PORTABLE_TABLES: &str = "
    create table checkpoints (
        name text primary key,
        transaction_id bigint not null,
        position bigint not null,
        updated_at text not null
    );
    create table inbox (
        consumer text not null,
        message_id text not null,
        message_type text not null,
        handled_at text not null,
        primary key (consumer, message_id)
    );
    create table sagas (
        saga_id text primary key,
        saga_type text not null,
        status text not null,
        deadline_at text,
        view text not null,
        updated_at text not null
    );
    create index sagas_due on sagas (status, deadline_at);
";

const SELECT_COLUMNS_SQLITE: &str = "select 0 as transaction_id, position, stream_id, stream_version, event_id, \
     event_type, schema_version, payload, metadata, recorded_at from events";
const SELECT_COLUMNS_POSTGRES: &str = "select cast(cast(transaction_id as text) as bigint) as transaction_id, position, \
     stream_id, stream_version, event_id, event_type, schema_version, cast(payload as text) as payload, \
     cast(metadata as text) as metadata, recorded_at from events";

impl EventStore {
    /// Opens the store over `db`, creating its tables when missing.
    /// On PostgreSQL, refuses a database whose stored transaction ids are ahead of the
    /// cluster's counter ([`crate::db::DbError::AheadOfCluster`]).
    pub async fn open(db: Db, clock: SharedClock) -> Result<Self, crate::db::DbError> {
        db.migrate("kernel", MIGRATIONS).await?;
        if db.backend() == Backend::Postgres {
            refuse_if_ahead_of_cluster(&db).await?;
        }
        let (appended, _) = watch::channel(0);
        Ok(EventStore { db, clock, appended: Arc::new(appended), upcasters: Arc::new(HashMap::new()) })
    }

    /// Registers an upcaster from `from_version` of `event_type` to the next version.
    pub fn with_upcaster(mut self, event_type: &str, from_version: i32, upcaster: Upcaster) -> Self {
        Arc::make_mut(&mut self.upcasters).insert((event_type.to_owned(), from_version), upcaster);
        self
    }

    /// The database behind the store (read models live beside the events).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The clock events are stamped with.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// A receiver that changes whenever a unit of work that appended commits in this
    /// process; catch-up readers wait on it instead of polling hard.
    pub fn subscribe_appends(&self) -> watch::Receiver<u64> {
        self.appended.subscribe()
    }

    /// Starts a unit of work: one database transaction for appends, inbox and read models.
    pub async fn begin(&self) -> Result<UnitOfWork, StoreError> {
        Ok(UnitOfWork {
            work: Work::Grouped(self.db.join_group().await?),
            store: self.clone(),
            appended: false,
            after_commit: Vec::new(),
        })
    }

    /// Starts a unit of work whose writes a crash may lose because they are made again
    /// from durable events afterwards: a read model moved together with its checkpoint, or
    /// a delivery checkpoint, whose loss only means the same messages are delivered again
    /// (and the inbox drops them). It must append no events and take no effect of its own.
    ///
    /// On PostgreSQL it commits in a transaction of its own without waiting for the WAL
    /// flush (`synchronous_commit = off`): what it wrote is visible at once, and reaches the
    /// disk with the next flush, at the latest PostgreSQL's WAL writer's (200 ms). The WAL is
    /// one sequence, so whatever a later durable commit read from it is on disk before that
    /// commit is. A crash in between undoes the read model and its checkpoint together, and
    /// the reader applies the same events again. Units whose effects must be durable before
    /// they are acknowledged keep their commit groups, and their flushes, to themselves. On
    /// SQLite, whose commits never wait for the disk (`synchronous = normal`), it is an
    /// ordinary unit in the commit group.
    pub async fn begin_derived(&self) -> Result<UnitOfWork, StoreError> {
        let work = match self.db.backend() {
            Backend::Postgres => Work::Alone(self.db.begin_with(crate::db::BEGIN_WITHOUT_WAITING_FOR_DISK).await?),
            Backend::Sqlite => Work::Grouped(self.db.join_group().await?),
        };
        Ok(UnitOfWork { work, store: self.clone(), appended: false, after_commit: Vec::new() })
    }

    /// Loads a whole stream in version order (empty when it does not exist).
    pub async fn load(&self, stream_id: &str) -> Result<Vec<RecordedEvent>, StoreError> {
        let sql = format!("{} where stream_id = $1 order by stream_version", self.select_columns());
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(stream_id).fetch_all(self.db.reader()).await?;
        rows.iter().map(|row| self.decode_row(row)).collect()
    }

    /// Reads up to `limit` events after `after` in the global catch-up order, never past
    /// an event that a still-open transaction could yet commit before.
    pub async fn read_all(&self, after: Position, limit: i64) -> Result<Vec<RecordedEvent>, StoreError> {
        let rows = match self.db.backend() {
            Backend::Sqlite => {
                let sql = format!("{SELECT_COLUMNS_SQLITE} where position > $1 order by position limit $2");
                sqlx::query(AssertSqlSafe(sql)).bind(after.sequence).bind(limit).fetch_all(self.db.reader()).await?
            }
            Backend::Postgres => {
                let sql = format!(
                    "{SELECT_COLUMNS_POSTGRES} where (transaction_id, position) > (cast(cast($1 as bigint) as text)::xid8, $2) \
                     and transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
                     order by transaction_id, position limit $3"
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(after.transaction)
                    .bind(after.sequence)
                    .bind(limit)
                    .fetch_all(self.db.reader())
                    .await?
            }
        };
        rows.iter().map(|row| self.decode_row(row)).collect()
    }

    fn select_columns(&self) -> &'static str {
        match self.db.backend() {
            Backend::Sqlite => SELECT_COLUMNS_SQLITE,
            Backend::Postgres => SELECT_COLUMNS_POSTGRES,
        }
    }

    fn decode_row(&self, row: &AnyRow) -> Result<RecordedEvent, StoreError> {
        let text = |name: &str| -> Result<String, StoreError> { Ok(row.try_get::<String, _>(name)?) };
        let mut payload: Value = serde_json::from_str(&text("payload")?).map_err(StoreError::Decode)?;
        let event_type = text("event_type")?;
        let mut schema_version: i32 = row.try_get("schema_version")?;
        while let Some(upcast) = self.upcasters.get(&(event_type.clone(), schema_version)) {
            payload = upcast(payload);
            schema_version += 1;
        }
        let recorded_at =
            crate::time::parse(&text("recorded_at")?).map_err(|e| StoreError::Decode(serde::de::Error::custom(e)))?;
        Ok(RecordedEvent {
            position: Position { transaction: row.try_get("transaction_id")?, sequence: row.try_get("position")? },
            stream_id: text("stream_id")?,
            stream_version: row.try_get("stream_version")?,
            event_id: Uuid::parse_str(&text("event_id")?)
                .map_err(|e| StoreError::Decode(serde::de::Error::custom(e)))?,
            event_type,
            schema_version,
            payload,
            metadata: serde_json::from_str(&text("metadata")?).map_err(StoreError::Decode)?,
            recorded_at,
        })
    }

    /// Reads a stored checkpoint (the start when none is stored).
    pub async fn checkpoint(&self, name: &str) -> Result<Position, StoreError> {
        let row = sqlx::query("select transaction_id, position from checkpoints where name = $1")
            .bind(name)
            .fetch_optional(self.db.reader())
            .await?;
        Ok(match row {
            Some(row) => Position { transaction: row.try_get(0)?, sequence: row.try_get(1)? },
            None => Position::default(),
        })
    }
}

/// Catch-up order on PostgreSQL is by transaction id: ids stored from a cluster whose counter
/// was further on would put every new event before them.
async fn refuse_if_ahead_of_cluster(db: &Db) -> Result<(), crate::db::DbError> {
    let (next, saved): (i64, i64) = sqlx::query_as(
        "select cast(cast(pg_snapshot_xmax(pg_current_snapshot()) as text) as bigint), \
         greatest(coalesce((select max(transaction_id) from checkpoints), 0), \
                  coalesce((select cast(cast(max(transaction_id) as text) as bigint) from events), 0))",
    )
    .fetch_one(db.reader())
    .await?;
    if saved < next {
        return Ok(());
    }
    Err(crate::db::DbError::AheadOfCluster { context: db.name().to_owned(), saved, next, epoch: (saved >> 32) + 1 })
}

/// Where a unit of work's statements run.
enum Work {
    /// In the database's open commit group, beside other units.
    Grouped(Member),
    /// In a transaction of its own.
    Alone(crate::db::Tx),
}

impl Work {
    fn conn(&mut self) -> &mut crate::db::Conn {
        match self {
            Work::Grouped(member) => member.conn(),
            Work::Alone(tx) => tx,
        }
    }
}

/// One transaction over a context's database: appends, inbox marks, read-model and
/// checkpoint writes commit or roll back together. Dropping it without
/// [`UnitOfWork::commit`] rolls back.
pub struct UnitOfWork {
    work: Work,
    store: EventStore,
    appended: bool,
    after_commit: Vec<Box<dyn FnOnce() + Send>>,
}

impl UnitOfWork {
    /// Runs `remember` once this unit has committed, and never if it rolls back: for
    /// in-memory copies of what it wrote, which must not get ahead of the database.
    pub fn on_commit(&mut self, remember: impl FnOnce() + Send + 'static) {
        self.after_commit.push(Box::new(remember));
    }

    /// The connection, for a slice's own SQL inside this transaction.
    pub fn conn(&mut self) -> &mut crate::db::Conn {
        self.work.conn()
    }

    /// Loads a stream inside this transaction (sees this transaction's own appends).
    pub async fn load(&mut self, stream_id: &str) -> Result<Vec<RecordedEvent>, StoreError> {
        self.load_after(stream_id, 0).await
    }

    /// The events of `stream_id` after version `after`, in version order (the rest of a
    /// stream whose state up to `after` is known: a snapshot's).
    pub async fn load_after(&mut self, stream_id: &str, after: i64) -> Result<Vec<RecordedEvent>, StoreError> {
        let sql = format!(
            "{} where stream_id = $1 and stream_version > $2 order by stream_version",
            self.store.select_columns()
        );
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(stream_id).bind(after).fetch_all(self.work.conn()).await?;
        rows.iter().map(|row| self.store.decode_row(row)).collect()
    }

    /// Appends `events` to `stream_id` if the stream is at `expected`; returns the
    /// position of the last appended event.
    pub async fn append(
        &mut self,
        stream_id: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<Option<Position>, StoreError> {
        let expected = match expected {
            ExpectedVersion::NoStream => 0,
            ExpectedVersion::Exact(version) => version,
        };
        if events.is_empty() {
            return Ok(None);
        }
        let (json, returning) = match self.store.db.backend() {
            Backend::Sqlite => ("", "0"),
            Backend::Postgres => ("::jsonb", "cast(cast(transaction_id as text) as bigint)"),
        };
        // One statement for the whole batch, which goes in only if the stream is at the
        // expected version: the check and the insert cannot be split by another writer in
        // between, and the unique (stream_id, stream_version) catches one that commits first.
        // $1 is the stream and $2 the expected version; each event binds seven more.
        let rows: Vec<String> = (0..events.len())
            .map(|row| {
                let n = 3 + 7 * row;
                format!(
                    "($1, ${}, ${}, ${}, ${}, ${}{json}, ${}{json}, ${})",
                    n,
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6
                )
            })
            .collect();
        let sql = format!(
            "insert into events (stream_id, stream_version, event_id, event_type, schema_version, payload, \
             metadata, recorded_at) \
             select v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8 \
             from (values {}) as v \
             where coalesce((select max(stream_version) from events where stream_id = $1), 0) = $2 \
             order by v.column2 \
             returning {returning}, position",
            rows.join(", ")
        );
        let now = crate::time::format(self.store.clock.now());
        // The span writing the events is where their trace goes on (see `telemetry`).
        let traceparent = crate::telemetry::current_traceparent();
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(stream_id).bind(expected);
        for (offset, event) in (1..).zip(events) {
            let payload = serde_json::to_string(&event.payload).map_err(StoreError::Encode)?;
            let metadata = match &traceparent {
                Some(current) if event.metadata.traceparent.as_ref() != Some(current) => {
                    let metadata = Metadata { traceparent: Some(current.clone()), ..event.metadata.clone() };
                    serde_json::to_string(&metadata)
                }
                _ => serde_json::to_string(&event.metadata),
            }
            .map_err(StoreError::Encode)?;
            query = query
                .bind(expected + offset)
                .bind(event.event_id.to_string())
                .bind(&event.event_type)
                .bind(event.schema_version)
                .bind(payload)
                .bind(metadata)
                .bind(now.clone());
        }
        let conflict = |actual| StoreError::Conflict { stream_id: stream_id.to_owned(), expected, actual };
        let inserted = query.fetch_all(self.work.conn()).await.map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => conflict(expected + 1),
            _ => error.into(),
        })?;
        if inserted.is_empty() {
            let actual: i64 =
                sqlx::query_scalar("select coalesce(max(stream_version), 0) from events where stream_id = $1")
                    .bind(stream_id)
                    .fetch_one(self.work.conn())
                    .await?;
            return Err(conflict(actual));
        }
        self.appended = true;
        let mut last = Position::default();
        for row in &inserted {
            last = last.max(Position { transaction: row.try_get(0)?, sequence: row.try_get(1)? });
        }
        Ok(Some(last))
    }

    /// Marks `envelope` as handled by `consumer`; `false` means it already was, and the
    /// caller must skip its effects (a redelivery).
    pub async fn claim_message(&mut self, consumer: &str, envelope: &Envelope) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "insert into inbox (consumer, message_id, message_type, handled_at) values ($1, $2, $3, $4) \
             on conflict (consumer, message_id) do nothing",
        )
        .bind(consumer)
        .bind(envelope.message_id.to_string())
        .bind(&envelope.message_type)
        .bind(crate::time::format(self.store.clock.now()))
        .execute(self.work.conn())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Claims `value` of `kind` (a SKU, a slug) for `owner` through the stream
    /// `unique-{kind}-{value}`, so uniqueness holds on the write side without a read model.
    /// Returns the current owner when the value is already taken.
    pub async fn claim_unique(&mut self, kind: &str, value: &str, owner: Uuid) -> Result<Result<(), Uuid>, StoreError> {
        if let Some(existing) = self.unique_owner(kind, value).await? {
            return Ok(Err(existing));
        }
        let stream = format!("unique-{kind}-{value}");
        let event = NewEvent {
            event_id: Uuid::now_v7(),
            event_type: "UniqueValueClaimed".to_owned(),
            schema_version: 1,
            payload: serde_json::json!({ "kind": kind, "value": value, "owner": owner }),
            metadata: Metadata::default(),
        };
        self.append(&stream, ExpectedVersion::NoStream, &[event]).await?;
        Ok(Ok(()))
    }

    /// Who claimed `value` of `kind` with [`UnitOfWork::claim_unique`], if anyone did: a
    /// lookup by a unique value (a tracking number) on the write side.
    pub async fn unique_owner(&mut self, kind: &str, value: &str) -> Result<Option<Uuid>, StoreError> {
        let stream = format!("unique-{kind}-{value}");
        Ok(self.load(&stream).await?.first().map(|claim| {
            let owner = claim.payload.get("owner").and_then(Value::as_str).and_then(|o| Uuid::parse_str(o).ok());
            owner.unwrap_or_default()
        }))
    }

    /// Stores a checkpoint inside this transaction.
    pub async fn save_checkpoint(&mut self, name: &str, position: Position) -> Result<(), StoreError> {
        sqlx::query(
            "insert into checkpoints (name, transaction_id, position, updated_at) values ($1, $2, $3, $4) \
             on conflict (name) do update set transaction_id = excluded.transaction_id, \
             position = excluded.position, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(position.transaction)
        .bind(position.sequence)
        .bind(crate::time::format(self.store.clock.now()))
        .execute(self.work.conn())
        .await?;
        Ok(())
    }

    /// Moves checkpoint `name` from `from` to `to` if it still stands at `from` (absent
    /// counts as the start); `false` means another writer moved it first, and the caller
    /// must not apply what it read. The first statement of its transaction, so on SQLite it
    /// takes the write lock and sees the latest commit, and on PostgreSQL a concurrent mover
    /// waits on the row and then finds it moved.
    pub async fn advance_checkpoint(&mut self, name: &str, from: Position, to: Position) -> Result<bool, StoreError> {
        let now = crate::time::format(self.store.clock.now());
        let moved = sqlx::query(
            "update checkpoints set transaction_id = $2, position = $3, updated_at = $4 \
             where name = $1 and transaction_id = $5 and position = $6",
        )
        .bind(name)
        .bind(to.transaction)
        .bind(to.sequence)
        .bind(&now)
        .bind(from.transaction)
        .bind(from.sequence)
        .execute(self.work.conn())
        .await?;
        if moved.rows_affected() == 1 {
            return Ok(true);
        }
        if from != Position::default() {
            return Ok(false);
        }
        let inserted = sqlx::query(
            "insert into checkpoints (name, transaction_id, position, updated_at) values ($1, $2, $3, $4) \
             on conflict (name) do nothing",
        )
        .bind(name)
        .bind(to.transaction)
        .bind(to.sequence)
        .bind(&now)
        .execute(self.work.conn())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Holds `name`'s lock until this unit of work ends, so every unit of work taking the
    /// same name runs one after another: for an invariant that spans aggregates (a category
    /// tree without cycles) and so cannot rest on one stream's version. SQLite's writer is
    /// already exclusive; PostgreSQL takes a transaction-scoped advisory lock.
    pub async fn lock_exclusive(&mut self, name: &str) -> Result<(), StoreError> {
        if self.store.db.backend() == Backend::Postgres {
            sqlx::query("select pg_advisory_xact_lock(hashtext($1))::text")
                .bind(name)
                .execute(self.work.conn())
                .await?;
        }
        Ok(())
    }

    /// Commits, then wakes this process's catch-up readers if anything was appended and runs
    /// what waited on the commit ([`UnitOfWork::on_commit`]).
    pub async fn commit(self) -> Result<(), StoreError> {
        let UnitOfWork { work, store, appended, after_commit } = self;
        match work {
            Work::Grouped(member) => member.commit().await?,
            Work::Alone(tx) => tx.commit().await?,
        }
        if appended {
            store.appended.send_modify(|generation| *generation = generation.wrapping_add(1));
        }
        after_commit.into_iter().for_each(|remember| remember());
        Ok(())
    }
}

/// Runs `attempt` until it does not fail with a version conflict (at most 10 times):
/// the standard loop around load–decide–append.
pub async fn retry_on_conflict<T, E, F, Fut>(mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    E: AsConflict,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(error) if error.is_conflict() && tries < MAX_CONFLICT_RETRIES => {
                tries += 1;
                pause_after_conflict(tries).await;
            }
            other => return other,
        }
    }
}

/// How many times a conflicting attempt is retried before the conflict is reported.
pub(crate) const MAX_CONFLICT_RETRIES: u64 = 9;

/// A short, growing, jittered pause before retry number `tries`, so racers spread out.
pub(crate) async fn pause_after_conflict(tries: u64) {
    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) % 10;
    tokio::time::sleep(std::time::Duration::from_millis(5 * tries + jitter)).await;
}

/// Errors that can say whether they are a version conflict worth retrying.
pub trait AsConflict {
    /// True for an optimistic-concurrency conflict.
    fn is_conflict(&self) -> bool;
}

impl AsConflict for StoreError {
    fn is_conflict(&self) -> bool {
        StoreError::is_conflict(self)
    }
}
