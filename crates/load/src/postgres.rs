//! PostgreSQL's own counters for a run: WAL flushes (`pg_stat_wal.wal_sync`), committed
//! transactions (`pg_stat_database`), and transaction ids handed out, which is the number
//! of transactions that wrote anything. The WAL and transaction-id counters are
//! cluster-wide: run the driver on a cluster nothing else is writing to.

use serde::Serialize;
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::time::Duration;
use tokio::sync::Mutex;

/// Backends publish their statistics when idle, at most every 10 s (`PGSTAT_IDLE_INTERVAL`
/// in PostgreSQL 15): waiting this long after the load stops counts all of its work.
const STATISTICS_SETTLE: Duration = Duration::from_secs(11);

/// One reading of the counters.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counters {
    /// WAL flushes to disk so far.
    pub wal_flushes: i64,
    /// Committed transactions in the database so far.
    pub commits: i64,
    /// Transaction ids assigned so far: one per transaction that wrote.
    pub write_transactions: i64,
}

impl std::ops::Sub for Counters {
    type Output = Counters;
    fn sub(self, earlier: Counters) -> Counters {
        Counters {
            wal_flushes: self.wal_flushes - earlier.wal_flushes,
            commits: self.commits - earlier.commits,
            write_transactions: self.write_transactions - earlier.write_transactions,
        }
    }
}

/// A connection that reads the counters.
pub struct Stats {
    connection: Mutex<PgConnection>,
}

impl Stats {
    /// Connects to the cluster the server writes to.
    pub async fn connect(url: &str) -> anyhow::Result<Stats> {
        let connection = PgConnection::connect(url).await?;
        Ok(Stats { connection: Mutex::new(connection) })
    }

    /// The counters now (as far as backends have published them).
    pub async fn snapshot(&self) -> anyhow::Result<Counters> {
        let mut connection = self.connection.lock().await;
        // A fresh statistics snapshot per reading, not the one cached in this transaction.
        sqlx::query("select pg_stat_clear_snapshot()").execute(&mut *connection).await?;
        let (wal_flushes, commits, write_transactions): (i64, i64, i64) = sqlx::query_as(
            "select (select wal_sync from pg_stat_wal), \
                    (select xact_commit from pg_stat_database where datname = current_database()), \
                    pg_snapshot_xmax(pg_current_snapshot())::text::bigint",
        )
        .fetch_one(&mut *connection)
        .await?;
        Ok(Counters { wal_flushes, commits, write_transactions })
    }

    /// The counters once every backend has published the work it did under load.
    pub async fn settled_snapshot(&self) -> anyhow::Result<Counters> {
        eprintln!("waiting {} s for PostgreSQL to publish its statistics…", STATISTICS_SETTLE.as_secs());
        tokio::time::sleep(STATISTICS_SETTLE).await;
        self.snapshot().await
    }
}

/// Drops the schemas a started server created under `prefix`.
pub async fn drop_schemas(url: &str, prefix: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        prefix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
        "unexpected schema prefix {prefix:?}"
    );
    let mut connection = PgConnection::connect(url).await?;
    let schemas: Vec<String> =
        sqlx::query_scalar("select nspname::text from pg_namespace where starts_with(nspname, $1)")
            .bind(prefix)
            .fetch_all(&mut connection)
            .await?;
    for schema in schemas {
        sqlx::query(sqlx::AssertSqlSafe(format!("drop schema \"{schema}\" cascade"))).execute(&mut connection).await?;
    }
    Ok(())
}
