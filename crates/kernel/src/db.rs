//! Database access for one bounded context: a SQLite file (embedded default) or a
//! PostgreSQL schema, through sqlx's `Any` queries so a context's SQL is written once.
//!
//! SQLite allows one writer at a time, so writes go through the database's one write
//! connection and never wait on `SQLITE_BUSY`; reads see committed data (WAL). Both run
//! their statements in place (see [`crate::sqlite_in_place`]); PostgreSQL's run on sqlx's
//! pool.

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::{Any, AnyPool, AssertSqlSafe, Either, Execute, Executor, SqlStr};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Once};
use std::time::Duration;

use crate::group_commit::{CommitGroups, Member};
use crate::sqlite_in_place::{SqliteReaders, SqliteWriter, Target, WriterGuard, spawn_checkpoints};

/// Commit groups open side by side on PostgreSQL (each holds one of the pool's
/// [`POSTGRES_CONNECTIONS`] while it is open; the others serve reads and plain transactions).
const POSTGRES_COMMIT_LANES: usize = 2;

/// How a PostgreSQL transaction begins whose commit need not wait for the WAL flush: one
/// whose loss in a crash of the cluster is made good afterwards (see
/// [`crate::event_store::EventStore::begin_derived`]).
pub(crate) const BEGIN_WITHOUT_WAITING_FOR_DISK: &str = "begin; set local synchronous_commit = off";

/// Connections per PostgreSQL context database.
const POSTGRES_CONNECTIONS: u32 = 5;

/// A write transaction on a context's database. Its statements run on the [`Conn`] it
/// dereferences to; dropped without [`Tx::commit`], it is rolled back.
pub struct Tx {
    conn: Conn,
}

/// A connection inside a write transaction: what a unit of work's statements run on, as
/// `query.execute(&mut *conn)`, whichever the engine.
pub struct Conn {
    inner: ConnInner,
}

enum ConnInner {
    /// A pooled PostgreSQL connection, through sqlx.
    Postgres(sqlx::Transaction<'static, Any>),
    /// The SQLite database's one writer, its statements run in place.
    Sqlite(SqliteTx),
    /// A connection taken out of the reader pool for work of its own, which runs its own
    /// `begin` and `commit` (a projection's rebuild into temporary tables).
    Private(sqlx::pool::PoolConnection<Any>),
}

/// The SQLite writer while a transaction is open on it; rolled back if dropped open (the
/// connection itself knows whether one is).
struct SqliteTx {
    writer: WriterGuard,
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        self.writer.roll_back_quietly();
    }
}

impl Tx {
    /// Makes the transaction's work durable.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.conn.inner {
            ConnInner::Postgres(tx) => tx.commit().await,
            ConnInner::Sqlite(tx) => tx.writer.run("commit"),
            ConnInner::Private(_) => unreachable!("a transaction never holds a private connection"),
        }
    }

    /// Undoes the transaction's work.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.conn.inner {
            ConnInner::Postgres(tx) => tx.rollback().await,
            ConnInner::Sqlite(tx) => tx.writer.run("rollback"),
            ConnInner::Private(_) => unreachable!("a transaction never holds a private connection"),
        }
    }
}

impl Conn {
    /// A connection of `db`'s reader pool for work of its own: it is closed, not returned
    /// to the pool, by [`Conn::close`], so whatever it changed for itself alone (temporary
    /// tables) never reaches another reader.
    pub(crate) async fn private(db: &Db) -> Result<Conn, sqlx::Error> {
        Ok(Conn { inner: ConnInner::Private(db.reader().pool().acquire().await?) })
    }

    /// Closes a [`Conn::private`] connection; a transaction's connection ends with its
    /// transaction instead.
    pub(crate) async fn close(self) {
        if let ConnInner::Private(conn) = self.inner {
            let _ = conn.close().await;
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let engine = match self.inner {
            ConnInner::Postgres(_) => "postgres",
            ConnInner::Sqlite(_) => "sqlite",
            ConnInner::Private(_) => "private",
        };
        f.debug_struct("Conn").field("engine", &engine).finish()
    }
}

impl<'c> Executor<'c> for &'c mut Conn {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match &mut self.inner {
            ConnInner::Postgres(tx) => (&mut **tx).fetch_many(query),
            ConnInner::Private(conn) => (&mut **conn).fetch_many(query),
            ConnInner::Sqlite(tx) => Target::Writer(&mut tx.writer).fetch_many(query),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match &mut self.inner {
            ConnInner::Postgres(tx) => (&mut **tx).fetch_optional(query),
            ConnInner::Private(conn) => (&mut **conn).fetch_optional(query),
            ConnInner::Sqlite(tx) => Target::Writer(&mut tx.writer).fetch_optional(query),
        }
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement, sqlx::Error>>
    where
        'c: 'e,
    {
        match &mut self.inner {
            ConnInner::Postgres(tx) => (&mut **tx).prepare_with(sql, parameters),
            ConnInner::Private(conn) => (&mut **conn).prepare_with(sql, parameters),
            ConnInner::Sqlite(_) => {
                Box::pin(std::future::ready(Err(crate::sqlite_in_place::unsupported("prepare statements ahead"))))
            }
        }
    }
}

/// Which database engine a [`Db`] talks to; the few statements that differ branch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file per context.
    Sqlite,
    /// One schema per context in a PostgreSQL database.
    Postgres,
}

/// Where every context keeps its data.
#[derive(Clone, Debug)]
pub enum DbTarget {
    /// A folder holding `<context>.db` SQLite files.
    SqliteDir(PathBuf),
    /// A PostgreSQL database; each context gets schema `<schema_prefix><context>`.
    Postgres {
        /// `postgres://` connection URL.
        url: String,
        /// Prepended to every schema name (tests use it to isolate runs).
        schema_prefix: String,
    },
}

/// Problems opening or migrating a database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The driver failed.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// A schema or context name that cannot be used as an SQL identifier.
    #[error("invalid schema name {0:?}: use lower-case letters, digits and underscores")]
    InvalidSchemaName(String),
    /// The data folder could not be created.
    #[error("cannot create data folder {path}: {source}")]
    DataDir {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The stored events or checkpoints carry PostgreSQL transaction ids beyond this
    /// cluster's counter (a dump restored into another cluster): new events would sort
    /// before them and catch-up readers would never see them.
    #[error(
        "the {context} database holds transaction ids up to {saved}, but this PostgreSQL cluster's next \
         transaction id is {next}: it was restored into another cluster, and new events would sort \
         before the saved ones and never be read. Fix: stop PostgreSQL and raise its transaction id \
         epoch above the saved one with `pg_resetwal --epoch={epoch} <data directory>`, then start again"
    )]
    AheadOfCluster {
        /// The context.
        context: String,
        /// The highest transaction id stored in events or checkpoints.
        saved: i64,
        /// The cluster's next transaction id.
        next: i64,
        /// An epoch that puts new transaction ids above `saved`.
        epoch: i64,
    },
}

/// A context's connection pools.
#[derive(Clone, Debug)]
pub struct Db {
    inner: Arc<DbInner>,
}

#[derive(Debug)]
struct DbInner {
    backend: Backend,
    reader: Reader,
    writer: Writer,
    name: String,
    /// Units of work share write transactions here (see [`crate::group_commit`]).
    groups: CommitGroups,
    /// Stops the background work tied to this database (SQLite's WAL checkpoints) when it
    /// is closed or dropped.
    background: tokio_util::sync::CancellationToken,
}

impl Drop for DbInner {
    fn drop(&mut self) {
        self.background.cancel();
    }
}

/// The reads of a context's database, outside any transaction: `query.fetch_all(db.reader())`.
/// On SQLite they run in place on a reader connection (see [`crate::sqlite_in_place`]), on
/// PostgreSQL on the pool.
#[derive(Clone, Debug)]
pub struct Reader {
    pool: AnyPool,
    in_place: Option<Arc<SqliteReaders>>,
}

impl Reader {
    /// The sqlx pool behind the reader, for what needs a connection of its own.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

impl<'c> Executor<'c> for &'c Reader {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match &self.in_place {
            Some(readers) => Target::Readers(readers).fetch_many(query),
            None => self.pool.fetch_many(query),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match &self.in_place {
            Some(readers) => Target::Readers(readers).fetch_optional(query),
            None => self.pool.fetch_optional(query),
        }
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement, sqlx::Error>>
    where
        'c: 'e,
    {
        self.pool.prepare_with(sql, parameters)
    }
}

/// Where a database's write transactions run.
#[derive(Debug)]
enum Writer {
    /// PostgreSQL: the pool's connections, several transactions at once.
    Pool(AnyPool),
    /// SQLite: the one write connection, a transaction at a time.
    Sqlite(Arc<tokio::sync::Mutex<SqliteWriter>>),
}

/// One schema change, written for both engines.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Increasing number within its component.
    pub version: i64,
    /// What the change is for.
    pub description: &'static str,
    /// The statements for SQLite.
    pub sqlite: &'static str,
    /// The statements for PostgreSQL.
    pub postgres: &'static str,
}

fn install_drivers() {
    static DRIVERS: Once = Once::new();
    DRIVERS.call_once(sqlx::any::install_default_drivers);
}

fn valid_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 60
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Db {
    /// Opens (creating when missing) the database of context `name` at `target`.
    pub async fn open(target: &DbTarget, name: &str) -> Result<Db, DbError> {
        install_drivers();
        if !valid_identifier(name) {
            return Err(DbError::InvalidSchemaName(name.to_owned()));
        }
        match target {
            DbTarget::SqliteDir(dir) => Self::open_sqlite(dir, name).await,
            DbTarget::Postgres { url, schema_prefix } => {
                let schema = format!("{schema_prefix}{name}");
                if !valid_identifier(&schema) {
                    return Err(DbError::InvalidSchemaName(schema));
                }
                Self::open_postgres(url, &schema, name).await
            }
        }
    }

    async fn open_sqlite(dir: &std::path::Path, name: &str) -> Result<Db, DbError> {
        std::fs::create_dir_all(dir).map_err(|source| DbError::DataDir { path: dir.to_owned(), source })?;
        let path = dir.join(format!("{name}.db"));
        let options = AnyConnectOptions::from_str(&format!("sqlite://{}?mode=rwc", path.display()))?;
        // sqlx's pool serves only what needs a connection of its own (a projection's
        // rebuild), so it opens one only when asked.
        let pool = |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(30))
                // A connection to a local file cannot go stale, and sqlx's check before each
                // acquire is a round trip to the connection's worker thread: on a busy
                // platform it doubled the cost of every read.
                .test_before_acquire(false)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(sqlx::raw_sql(
                            "pragma journal_mode = wal; pragma synchronous = normal; \
                             pragma busy_timeout = 10000; pragma foreign_keys = on;",
                        ))
                        .await?;
                        Ok(())
                    })
                })
                .connect_lazy_with(options.clone())
        };
        let writer = {
            let path = path.clone();
            // Opening may wait for another connection that holds the file (a stopping
            // process checkpointing its WAL), so not on the runtime's thread.
            match tokio::task::spawn_blocking(move || SqliteWriter::open(&path)).await {
                Ok(opened) => opened?,
                Err(error) => return Err(DbError::Sqlx(sqlx::Error::Protocol(format!("opening the writer: {error}")))),
            }
        };
        let reader = Reader { pool: pool(2), in_place: Some(Arc::new(SqliteReaders::new(&path))) };
        let writer = Arc::new(tokio::sync::Mutex::new(writer));
        let background = tokio_util::sync::CancellationToken::new();
        spawn_checkpoints(&path, writer.clone(), background.clone());
        Ok(Db {
            inner: Arc::new(DbInner {
                backend: Backend::Sqlite,
                reader,
                writer: Writer::Sqlite(writer),
                name: name.to_owned(),
                groups: CommitGroups::new(1),
                background,
            }),
        })
    }

    async fn open_postgres(url: &str, schema: &str, name: &str) -> Result<Db, DbError> {
        let options = AnyConnectOptions::from_str(url)?;
        {
            let setup = AnyPoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
            setup.execute(sqlx::raw_sql(AssertSqlSafe(format!("create schema if not exists {schema}")))).await?;
            setup.close().await;
        }
        // The schema name was checked to be a plain identifier above.
        let search_path: Arc<str> = format!("set search_path to {schema}").into();
        let pool = AnyPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                let search_path = search_path.clone();
                Box::pin(async move {
                    conn.execute(sqlx::raw_sql(AssertSqlSafe(search_path))).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db {
            inner: Arc::new(DbInner {
                backend: Backend::Postgres,
                reader: Reader { pool: pool.clone(), in_place: None },
                writer: Writer::Pool(pool),
                name: name.to_owned(),
                groups: CommitGroups::new(POSTGRES_COMMIT_LANES),
                background: tokio_util::sync::CancellationToken::new(),
            }),
        })
    }

    /// The engine behind this database.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The context this database belongs to.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Where queries that only read run.
    pub fn reader(&self) -> &Reader {
        &self.inner.reader
    }

    /// Sets `emporium_db_connections` to how many connections of each of its pools are in
    /// use and idle right now (called when metrics are scraped).
    pub fn record_pool_use(&self) {
        let pool_use = |pool: &AnyPool| {
            let idle = pool.num_idle();
            (idle, usize::try_from(pool.size()).unwrap_or(usize::MAX).saturating_sub(idle))
        };
        let writer_use = match &self.inner.writer {
            Writer::Pool(pool) => pool_use(pool),
            Writer::Sqlite(writer) => match writer.try_lock() {
                Ok(_) => (1, 0),
                Err(_) => (0, 1),
            },
        };
        let reader_use = match &self.inner.reader.in_place {
            // A reader in place is in use only while a statement runs, never across an await.
            Some(readers) => (readers.idle(), 0),
            None => pool_use(&self.inner.reader.pool),
        };
        for (pool, (idle, in_use)) in [("reader", reader_use), ("writer", writer_use)] {
            for (state, count) in [("idle", idle), ("in_use", in_use)] {
                let labels =
                    [("database", self.inner.name.clone()), ("pool", pool.to_owned()), ("state", state.to_owned())];
                #[allow(clippy::cast_precision_loss, reason = "a pool holds a handful of connections")]
                metrics::gauge!("emporium_db_connections", &labels).set(count as f64);
            }
        }
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let inner = match &self.inner.writer {
            Writer::Pool(pool) => ConnInner::Postgres(pool.begin().await?),
            Writer::Sqlite(writer) => {
                let mut writer = writer.clone().lock_owned().await;
                // Take SQLite's write lock at once, waiting for another process's writer if
                // need be: a transaction that read first cannot upgrade to a write after
                // another connection wrote, and fails with "database is locked" instead.
                writer.begin_immediate().await?;
                ConnInner::Sqlite(SqliteTx { writer })
            }
        };
        Ok(Tx { conn: Conn { inner } })
    }

    /// Starts a write transaction as [`Db::begin`] does, but on PostgreSQL with
    /// `postgres_begin` as its opening statement: `begin` and `set local` settings in one
    /// round trip.
    pub(crate) async fn begin_with(&self, postgres_begin: &'static str) -> Result<Tx, sqlx::Error> {
        match &self.inner.writer {
            Writer::Pool(pool) => {
                let inner = ConnInner::Postgres(pool.begin_with(postgres_begin).await?);
                Ok(Tx { conn: Conn { inner } })
            }
            Writer::Sqlite(_) => self.begin().await,
        }
    }

    /// A place in the database's open commit group (see [`crate::group_commit`]): for a
    /// unit of work, or for a short write of one's own that may share its commit, and its
    /// WAL flush, with the units around it. Its commit returns once the group's is durable.
    pub async fn join_group(&self) -> Result<Member, sqlx::Error> {
        self.inner.groups.join(self).await
    }

    /// Checks that the database answers (readiness probe).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("select 1").execute(&self.inner.reader).await.map(|_| ())
    }

    /// Closes both pools, waiting for connections in use to be returned; a commit group a
    /// crash left open is rolled back first, since nobody else would return its connection.
    pub async fn close(&self) {
        self.inner.groups.abandon().await;
        self.inner.background.cancel();
        self.inner.reader.pool.close().await;
        if let Some(readers) = &self.inner.reader.in_place {
            readers.close();
        }
        match &self.inner.writer {
            Writer::Pool(pool) => pool.close().await,
            Writer::Sqlite(writer) => writer.lock().await.close(),
        }
    }

    /// Applies, in order and once each, the migrations of `component` not yet applied.
    pub async fn migrate(&self, component: &str, migrations: &[Migration]) -> Result<(), DbError> {
        let mut tx = self.begin().await?;
        if self.backend() == Backend::Postgres {
            // Two processes starting together must not apply the same migration twice.
            sqlx::query("select pg_advisory_xact_lock(7205759403792793)").execute(&mut *tx).await?;
        }
        tx.execute(sqlx::raw_sql(
            "create table if not exists schema_migrations (
                component text not null,
                version bigint not null,
                description text not null,
                applied_at text not null,
                primary key (component, version))",
        ))
        .await?;
        for migration in migrations {
            let applied: Option<i64> =
                sqlx::query_scalar("select version from schema_migrations where component = $1 and version = $2")
                    .bind(component)
                    .bind(migration.version)
                    .fetch_optional(&mut *tx)
                    .await?;
            if applied.is_some() {
                continue;
            }
            let sql = match self.backend() {
                Backend::Sqlite => migration.sqlite,
                Backend::Postgres => migration.postgres,
            };
            tx.execute(sqlx::raw_sql(sql)).await?;
            sqlx::query(
                "insert into schema_migrations (component, version, description, applied_at) values ($1, $2, $3, $4)",
            )
            .bind(component)
            .bind(migration.version)
            .bind(migration.description)
            .bind(crate::time::format(chrono::Utc::now()))
            .execute(&mut *tx)
            .await?;
            tracing::info!(context = self.name(), component, version = migration.version, "applied migration");
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_must_be_plain_identifiers() {
        assert!(valid_identifier("t0_orders"));
        assert!(!valid_identifier("orders; drop table x"));
        assert!(!valid_identifier("Orders"));
        assert!(!valid_identifier(""));
    }
}
