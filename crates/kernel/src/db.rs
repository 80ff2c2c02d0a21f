//! Database access for one bounded context: a SQLite file (embedded default) or a
//! PostgreSQL schema, behind sqlx's `Any` driver so a context's SQL is written once.
//!
//! SQLite allows one writer at a time, so writes go through a single-connection pool and
//! never wait on `SQLITE_BUSY`; reads use a separate pool and see committed data (WAL).

use sqlx::AssertSqlSafe;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Once};
use std::time::Duration;

use crate::group_commit::{CommitGroups, Member};

/// Commit groups open side by side on PostgreSQL (each holds one of the pool's
/// [`POSTGRES_CONNECTIONS`] while it is open; the others serve reads and plain transactions).
const POSTGRES_COMMIT_LANES: usize = 2;

/// Connections per PostgreSQL context database.
const POSTGRES_CONNECTIONS: u32 = 5;

/// A write transaction on a context's database.
pub type Tx = sqlx::Transaction<'static, Any>;

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
    reader: AnyPool,
    writer: AnyPool,
    name: String,
    /// Units of work share write transactions here (see [`crate::group_commit`]).
    groups: CommitGroups,
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
                .connect_with(options.clone())
        };
        let writer = pool(1).await?;
        let reader = pool(8).await?;
        Ok(Db {
            inner: Arc::new(DbInner {
                backend: Backend::Sqlite,
                reader,
                writer,
                name: name.to_owned(),
                groups: CommitGroups::new(1),
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
                reader: pool.clone(),
                writer: pool,
                name: name.to_owned(),
                groups: CommitGroups::new(POSTGRES_COMMIT_LANES),
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

    /// The pool for queries that only read.
    pub fn reader(&self) -> &AnyPool {
        &self.inner.reader
    }

    /// Sets `emporium_db_connections` to how many connections of each of its pools are in
    /// use and idle right now (called when metrics are scraped).
    pub fn record_pool_use(&self) {
        for (pool, connections) in [("reader", &self.inner.reader), ("writer", &self.inner.writer)] {
            let idle = connections.num_idle();
            let open = usize::try_from(connections.size()).unwrap_or(usize::MAX);
            for (state, count) in [("idle", idle), ("in_use", open.saturating_sub(idle))] {
                let labels =
                    [("database", self.inner.name.clone()), ("pool", pool.to_owned()), ("state", state.to_owned())];
                #[allow(clippy::cast_precision_loss, reason = "a pool holds a handful of connections")]
                metrics::gauge!("emporium_db_connections", &labels).set(count as f64);
            }
        }
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend() {
            // Take SQLite's write lock at once, waiting for another process's writer if need
            // be: a transaction that read first cannot upgrade to a write after another
            // connection wrote, and fails with "database is locked" instead of waiting.
            Backend::Sqlite => self.inner.writer.begin_with("begin immediate").await,
            Backend::Postgres => self.inner.writer.begin().await,
        }
    }

    /// A place for a unit of work in the database's open commit group (see
    /// [`crate::group_commit`]).
    pub(crate) async fn join_group(&self) -> Result<Member, sqlx::Error> {
        self.inner.groups.join(self).await
    }

    /// Checks that the database answers (readiness probe).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("select 1").execute(&self.inner.writer).await.map(|_| ())
    }

    /// Closes both pools, waiting for connections in use to be returned; a commit group a
    /// crash left open is rolled back first, since nobody else would return its connection.
    pub async fn close(&self) {
        self.inner.groups.abandon().await;
        self.inner.reader.close().await;
        self.inner.writer.close().await;
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
