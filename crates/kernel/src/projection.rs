//! Read models kept by projections: each consumes its context's events in global order
//! and stores its checkpoint in the same transaction as its writes, so a crash can neither
//! skip nor double-apply an event, nor can two runners (in two processes) apply one event
//! twice. `rebuild` replays from zero into shadow copies of the read model's tables and
//! swaps them in at once: queries keep answering from the old read model until then.

use crate::event_store::{EventStore, Position, RecordedEvent, StoreError};
use crate::messaging::AppendWaiter;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// A read model fed by a context's events.
#[async_trait]
pub trait Projection: Send + Sync + 'static {
    /// Unique name within the context; names the checkpoint and the CLI rebuild target.
    fn name(&self) -> &'static str;

    /// Applies one event inside the projection's transaction. Events it does not care
    /// about are ignored.
    async fn apply(&self, conn: &mut crate::db::Conn, event: &RecordedEvent) -> Result<(), StoreError>;

    /// The tables it writes (and only it): a rebuild fills shadow copies of them and swaps
    /// their contents in.
    fn tables(&self) -> &'static [&'static str];
}

/// Runs one projection and reports how far it got.
#[derive(Clone)]
pub struct ProjectionRunner {
    store: EventStore,
    projection: Arc<dyn Projection>,
    progress: Arc<watch::Sender<Position>>,
    /// Where this runner believes the checkpoint stands. Held for a whole catch-up, so this
    /// process's catch-ups take turns; a stale belief only costs a failed compare-and-set.
    cursor: Arc<tokio::sync::Mutex<Cursor>>,
}

/// A runner's belief about its checkpoint.
#[derive(Default)]
struct Cursor {
    /// Where the checkpoint stands (`None`: read it from the database).
    position: Option<Position>,
    /// When a catch-up that found nothing new last read the checkpoint to see whether a
    /// rebuild moved it back.
    rechecked: Option<Instant>,
}

/// How often, at most, a catch-up that finds nothing new reads the checkpoint again: a
/// rebuild elsewhere that swapped in a read model ending before this runner's position is
/// found this long after it, or as soon as a new event's compare-and-set fails. Under load
/// most reads find nothing new (events not yet committed), so checking on each would cost a
/// query each.
const REBUILD_RECHECK: Duration = crate::messaging::POLL_INTERVAL;

const BATCH: i64 = 200;

impl ProjectionRunner {
    /// A runner for `projection` over `store`.
    pub fn new(store: EventStore, projection: Arc<dyn Projection>) -> Self {
        let (progress, _) = watch::channel(Position::default());
        ProjectionRunner { store, projection, progress: Arc::new(progress), cursor: Arc::default() }
    }

    /// The projection's name.
    pub fn name(&self) -> &'static str {
        self.projection.name()
    }

    fn checkpoint_name(&self) -> String {
        format!("projection:{}", self.projection.name())
    }

    /// Applies every event available now; returns how many were applied (by this runner).
    ///
    /// Safe beside another runner of the same projection, in this process or another (a
    /// server and a CLI rebuild): each batch first moves the checkpoint from where this
    /// runner read it to the batch's end, in the batch's own transaction; if another runner
    /// moved it first, the batch is dropped and reading starts again from the new checkpoint.
    pub async fn catch_up(&self) -> Result<usize, StoreError> {
        let mut cursor = self.cursor.lock().await;
        let name = self.checkpoint_name();
        let mut applied = 0;
        loop {
            let after = match cursor.position {
                Some(position) => position,
                None => *cursor.position.insert(self.store.checkpoint(&name).await?),
            };
            let events = self.store.read_all(after, BATCH).await?;
            let Some(last) = events.last().map(|e| e.position) else {
                // Nothing new, unless a rebuild swapped in a read model that stops earlier.
                if applied == 0 && cursor.rechecked.is_none_or(|at| at.elapsed() >= REBUILD_RECHECK) {
                    cursor.rechecked = Some(Instant::now());
                    if self.store.checkpoint(&name).await? != after {
                        cursor.position = None;
                        continue;
                    }
                }
                self.progress.send_replace(after);
                return Ok(applied);
            };
            let mut uow = self.store.begin_derived().await?;
            if !uow.advance_checkpoint(&name, after, last).await? {
                // Another runner applied this batch first: rolled back; read where it got to.
                cursor.position = None;
                continue;
            }
            for event in &events {
                self.projection.apply(uow.conn(), event).await?;
            }
            uow.commit().await?;
            cursor.position = Some(last);
            self.progress.send_replace(last);
            applied += events.len();
            if events.len() < BATCH as usize {
                return Ok(applied); // that read reached the end
            }
        }
    }

    /// Keeps the read model up to date until cancelled.
    pub async fn run(self, cancel: CancellationToken) {
        let mut appends = AppendWaiter::new(&self.store);
        while !cancel.is_cancelled() {
            match self.catch_up().await {
                Ok(_) => appends.wait(&cancel).await,
                Err(error) => {
                    tracing::error!(projection = self.name(), %error, "projection failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = cancel.cancelled() => {}
                    }
                }
            }
        }
    }

    /// Replays every event into shadow copies of the read model's tables, then swaps their
    /// contents in, with the checkpoint, in one transaction; returns how many events it
    /// applied. Until the swap, queries answer from the old read model; afterwards, any
    /// runner of this projection (here or in a serving process) finds the checkpoint moved
    /// and applies whatever came after the rebuild's last event.
    ///
    /// The shadows are temporary tables on a connection of the rebuild's own, which shadow
    /// the real ones for that connection only (SQLite and PostgreSQL both look in the
    /// temporary schema first), so a projection's SQL runs unchanged.
    pub async fn rebuild(&self) -> Result<usize, StoreError> {
        let mut conn = crate::db::Conn::private(self.store.db()).await?;
        let rebuilt = self.rebuild_on(&mut conn).await;
        // Closing the connection drops its temporary tables (and rolls back a transaction
        // a failure left open).
        conn.close().await;
        rebuilt
    }

    async fn rebuild_on(&self, conn: &mut crate::db::Conn) -> Result<usize, StoreError> {
        let backend = self.store.db().backend();
        let tables = self.projection.tables();
        let live = create_shadows(conn, backend, tables).await?;
        let mut after = Position::default();
        let mut applied = 0;
        loop {
            let events = self.store.read_all(after, BATCH).await?;
            let Some(last) = events.last().map(|e| e.position) else { break };
            sqlx::query("begin").execute(&mut *conn).await?;
            for event in &events {
                self.projection.apply(conn, event).await?;
            }
            sqlx::query("commit").execute(&mut *conn).await?;
            after = last;
            applied += events.len();
            if events.len() < BATCH as usize {
                break;
            }
        }
        let begin = match backend {
            crate::db::Backend::Sqlite => "begin immediate",
            crate::db::Backend::Postgres => "begin",
        };
        sqlx::query(begin).execute(&mut *conn).await?;
        let swap = &mut *conn;
        // The checkpoint first, as a catching-up runner does, so the two queue on its row.
        sqlx::query(
            "insert into checkpoints (name, transaction_id, position, updated_at) values ($1, $2, $3, $4) \
             on conflict (name) do update set transaction_id = excluded.transaction_id, \
             position = excluded.position, updated_at = excluded.updated_at",
        )
        .bind(self.checkpoint_name())
        .bind(after.transaction)
        .bind(after.sequence)
        .bind(crate::time::format(self.store.clock().now()))
        .execute(&mut *swap)
        .await?;
        let shadow = match backend {
            crate::db::Backend::Sqlite => "temp",
            crate::db::Backend::Postgres => "pg_temp",
        };
        for table in tables {
            let delete = format!("delete from {live}.{table}");
            sqlx::query(sqlx::AssertSqlSafe(delete)).execute(&mut *swap).await?;
            let copy = format!("insert into {live}.{table} select * from {shadow}.{table}");
            sqlx::query(sqlx::AssertSqlSafe(copy)).execute(&mut *swap).await?;
        }
        sqlx::query("commit").execute(&mut *swap).await?;
        self.cursor.lock().await.position = None;
        Ok(applied)
    }

    /// Waits (at most `timeout`) until the read model includes the event at `position`,
    /// so a command's response can be read back at once. Returns whether it did.
    pub async fn wait_for(&self, position: Position, timeout: Duration) -> bool {
        let mut progress = self.progress.subscribe();
        tokio::time::timeout(timeout, progress.wait_for(|reached| *reached >= position)).await.is_ok_and(|r| r.is_ok())
    }
}

/// Creates, on `conn` only, an empty temporary table for each of `tables` with its columns,
/// keys and indexes; returns the schema that holds the live tables.
async fn create_shadows(
    conn: &mut crate::db::Conn,
    backend: crate::db::Backend,
    tables: &[&str],
) -> Result<String, StoreError> {
    match backend {
        crate::db::Backend::Postgres => {
            let schema: String =
                sqlx::query_scalar("select cast(current_schema() as text)").fetch_one(&mut *conn).await?;
            for table in tables {
                let create = format!("create temp table {table} (like {schema}.{table} including all)");
                sqlx::query(sqlx::AssertSqlSafe(create)).execute(&mut *conn).await?;
            }
            Ok(schema)
        }
        crate::db::Backend::Sqlite => {
            for table in tables {
                let definitions: Vec<(String, String)> = sqlx::query_as(
                    "select type, sql from main.sqlite_master where tbl_name = $1 and sql is not null \
                     order by type desc",
                )
                .bind(*table)
                .fetch_all(&mut *conn)
                .await?;
                for (kind, sql) in definitions {
                    let create = match kind.as_str() {
                        "table" => {
                            sql.find('(').map(|columns| format!("create temp table {table} {}", &sql[columns..]))
                        }
                        "index" => in_temp_schema(&sql),
                        _ => None,
                    };
                    if let Some(create) = create {
                        sqlx::query(sqlx::AssertSqlSafe(create)).execute(&mut *conn).await?;
                    }
                }
            }
            Ok("main".to_owned())
        }
    }
}

/// `create [unique] index NAME on TABLE (...)` rewritten to create the index in SQLite's
/// temporary schema, where the shadow table is.
fn in_temp_schema(create_index: &str) -> Option<String> {
    let lower = create_index.to_ascii_lowercase();
    let name_at = lower.find(" index ")? + " index ".len();
    let rest = &lower[name_at..];
    let name_at = name_at + rest.len() - rest.trim_start().len();
    let name_at =
        if lower[name_at..].starts_with("if not exists ") { name_at + "if not exists ".len() } else { name_at };
    Some(format!("{}temp.{}", &create_index[..name_at], &create_index[name_at..]))
}
