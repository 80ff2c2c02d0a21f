//! A context's SQLite connections, whose statements run on the thread of the task that
//! sends them: the one writer, and the readers.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands it every statement over
//! a channel, and every answer back: two thread wake-ups per statement. A unit of work sends
//! ten or so statements while it holds its database's only write lane, so under load those
//! hand-offs were most of a unit's time on the lane and the largest single cost in the
//! server's profile (docs/PERFORMANCE.md). Here the connections are rusqlite's, and the
//! statements are the same sqlx queries as on PostgreSQL (the same SQL, binds and row
//! decoding through the `Any` types), executed in place.
//!
//! Running them in place is safe for the async runtime: in WAL mode with `synchronous =
//! normal` a statement or a commit touches the page cache and appends to the WAL without
//! waiting for the disk, and a read never waits for a writer. The one wait that could be
//! long, another process holding the file's write lock, happens only at `begin immediate`,
//! and is an async retry here, never a busy wait on the runtime's thread. Nor does a commit
//! ever copy the WAL back into the database file (SQLite's automatic checkpoint, which ends
//! in an fsync): a task of its own does that on a blocking thread. A statement runs without
//! yielding, so no more readers are ever open than threads run tasks.

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::ffi;
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use sqlx::Either;
use sqlx::Execute;
use sqlx::any::{Any, AnyQueryResult, AnyRow, AnyTypeInfo, AnyTypeInfoKind, AnyValue};
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx_core::any::{AnyColumn, AnyValueKind};
use sqlx_core::ext::ustr::UStr;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Prepared statements kept per connection: every distinct statement of a context's write
/// path, with room to spare (a miss only costs a prepare).
const STATEMENT_CACHE: usize = 512;

/// How long `begin` waits for another process's writer before giving up, as sqlx's
/// `busy_timeout` did.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// The columns of a statement's rows, kept per SQL text and shared by every row it returns.
#[derive(Clone)]
struct Columns {
    by_name: Arc<sqlx_core::HashMap<UStr, usize>>,
    names: Arc<[UStr]>,
}

/// A connection and what it remembers of its statements.
struct Session {
    connection: rusqlite::Connection,
    columns: HashMap<Box<str>, Columns>,
}

impl Session {
    fn open(path: &Path, busy_timeout: Duration) -> Result<Session, sqlx::Error> {
        let connection = rusqlite::Connection::open(path).map_err(to_sqlx)?;
        connection.busy_timeout(busy_timeout).map_err(to_sqlx)?;
        connection.pragma_update(None, "journal_mode", "wal").map_err(to_sqlx)?;
        connection.execute_batch("pragma synchronous = normal; pragma foreign_keys = on;").map_err(to_sqlx)?;
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Session { connection, columns: HashMap::new() })
    }

    /// Runs `query` and returns its results and rows, at most `limit` rows.
    fn execute<'q>(
        &mut self,
        mut query: impl Execute<'q, Any>,
        limit: Option<usize>,
    ) -> Result<Vec<Either<AnyQueryResult, AnyRow>>, sqlx::Error> {
        let arguments = query.take_arguments().map_err(sqlx::Error::Encode)?;
        let persistent = query.persistent();
        let sql = query.sql();
        let sql = sql.as_str();
        let connection = &self.connection;
        let mut out = Vec::new();
        match arguments {
            Some(arguments) => {
                let values = arguments.values.0;
                let run = |statement: &mut rusqlite::Statement<'_>, names: &Columns, out: &mut Vec<_>| {
                    statement.clear_bindings();
                    bind(statement, &values)?;
                    step(connection, &mut statement.raw_query(), names, limit, out)
                };
                if persistent {
                    let mut statement = connection.prepare_cached(sql).map_err(to_sqlx)?;
                    let names = columns_of_cached(&mut self.columns, sql, &statement);
                    run(&mut statement, &names, &mut out)?;
                } else {
                    let mut statement = connection.prepare(sql).map_err(to_sqlx)?;
                    let names = columns_of(&statement);
                    run(&mut statement, &names, &mut out)?;
                }
            }
            // No arguments: sqlx's "simple" protocol, which may carry several statements.
            None => {
                let mut batch = rusqlite::Batch::new(connection, sql);
                while let Some(mut statement) = batch.next().map_err(to_sqlx)? {
                    let names = columns_of(&statement);
                    step(connection, &mut statement.raw_query(), &names, limit, &mut out)?;
                }
            }
        }
        // Where sqlx logs its statements, so `RUST_LOG=sqlx::query=debug` shows these too.
        tracing::debug!(
            target: "sqlx::query",
            statement = sql,
            rows_returned = out.iter().filter(|answer| answer.is_right()).count(),
            "in place"
        );
        Ok(out)
    }
}

/// A database's one write connection (none once the database is closed).
pub(crate) struct SqliteWriter {
    session: Option<Session>,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriter").field("open", &self.session.is_some()).finish_non_exhaustive()
    }
}

impl SqliteWriter {
    /// Opens (creating when missing) the database file at `path` for writing, in WAL mode.
    /// Its commits leave checkpoints to [`spawn_checkpoints`].
    /// Blocks while another connection holds the file (up to [`LOCK_WAIT`]): call it where
    /// blocking is allowed.
    pub(crate) fn open(path: &Path) -> Result<SqliteWriter, sqlx::Error> {
        let session = Session::open(path, LOCK_WAIT)?;
        session
            .connection
            .execute_batch(&format!("pragma wal_autocheckpoint = 0; pragma journal_size_limit = {WAL_SIZE_LIMIT};"))
            .map_err(to_sqlx)?;
        // From here, waiting for another process's writer is done by `begin`, asynchronously.
        session.connection.busy_timeout(Duration::ZERO).map_err(to_sqlx)?;
        Ok(SqliteWriter { session: Some(session) })
    }

    /// Closes the connection; later transactions fail instead of writing.
    pub(crate) fn close(&mut self) {
        self.session = None;
    }

    fn connection(&self) -> Result<&rusqlite::Connection, sqlx::Error> {
        self.session.as_ref().map(|session| &session.connection).ok_or(sqlx::Error::PoolClosed)
    }

    /// Starts a write transaction, taking the file's write lock at once; while another
    /// process holds it, tries again after a short async sleep, for up to [`LOCK_WAIT`].
    pub(crate) async fn begin_immediate(&mut self) -> Result<(), sqlx::Error> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let begun = self.connection()?.execute_batch("begin immediate");
            match begun {
                Ok(()) => return Ok(()),
                Err(error) if is_busy(&error) && started.elapsed() < LOCK_WAIT => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(error) => return Err(to_sqlx(error)),
            }
        }
    }

    /// Runs a statement that needs no answer (`commit`, `rollback`).
    pub(crate) fn run(&self, sql: &str) -> Result<(), sqlx::Error> {
        self.connection()?.execute_batch(sql).map_err(to_sqlx)
    }

    /// Rolls back whatever transaction is open; used when a transaction is dropped.
    pub(crate) fn roll_back_quietly(&self) {
        if let Ok(connection) = self.connection()
            && !connection.is_autocommit()
            && let Err(error) = connection.execute_batch("rollback")
        {
            tracing::warn!(%error, "rolling back an abandoned SQLite transaction failed");
        }
    }

    fn execute<'q>(
        &mut self,
        query: impl Execute<'q, Any>,
        limit: Option<usize>,
    ) -> Result<Vec<Either<AnyQueryResult, AnyRow>>, sqlx::Error> {
        self.session.as_mut().ok_or(sqlx::Error::PoolClosed)?.execute(query, limit)
    }
}

/// A database's read connections, each taken for one statement and put back: at most as
/// many are ever open as threads run statements at once.
pub(crate) struct SqliteReaders {
    path: std::path::PathBuf,
    idle: std::sync::Mutex<Option<Vec<Session>>>,
}

impl std::fmt::Debug for SqliteReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReaders").field("path", &self.path).finish_non_exhaustive()
    }
}

/// A reader waits this long for another connection's WAL recovery (the only time a read
/// waits on SQLite's locks).
const READ_LOCK_WAIT: Duration = Duration::from_secs(5);

impl SqliteReaders {
    /// Readers of the database file at `path` (opened as they are first needed).
    pub(crate) fn new(path: &Path) -> SqliteReaders {
        SqliteReaders { path: path.to_owned(), idle: std::sync::Mutex::new(Some(Vec::new())) }
    }

    /// Closes the idle readers; later reads fail.
    pub(crate) fn close(&self) {
        self.idle.lock().expect("readers lock").take();
    }

    /// How many readers are open and idle.
    pub(crate) fn idle(&self) -> usize {
        self.idle.lock().expect("readers lock").as_ref().map_or(0, Vec::len)
    }

    fn execute<'q>(
        &self,
        query: impl Execute<'q, Any>,
        limit: Option<usize>,
    ) -> Result<Vec<Either<AnyQueryResult, AnyRow>>, sqlx::Error> {
        let taken = self.idle.lock().expect("readers lock").as_mut().ok_or(sqlx::Error::PoolClosed)?.pop();
        let mut session = match taken {
            Some(session) => session,
            None => {
                let session = Session::open(&self.path, READ_LOCK_WAIT)?;
                session.connection.execute_batch("pragma query_only = on").map_err(to_sqlx)?;
                session
            }
        };
        let answers = session.execute(query, limit);
        if let Some(idle) = self.idle.lock().expect("readers lock").as_mut() {
            idle.push(session);
        }
        answers
    }
}

/// The columns of `statement`, kept per SQL text (and taken again should a schema change
/// have given the statement another number of them).
fn columns_of_cached(
    cache: &mut HashMap<Box<str>, Columns>,
    sql: &str,
    statement: &rusqlite::Statement<'_>,
) -> Columns {
    if let Some(columns) = cache.get(sql)
        && columns.names.len() == statement.column_count()
    {
        return columns.clone();
    }
    let columns = columns_of(statement);
    cache.insert(sql.into(), columns.clone());
    columns
}

fn columns_of(statement: &rusqlite::Statement<'_>) -> Columns {
    let names: Arc<[UStr]> = statement.column_names().into_iter().map(UStr::new).collect();
    let by_name = names.iter().enumerate().map(|(i, name)| (name.clone(), i)).collect();
    Columns { by_name: Arc::new(by_name), names }
}

/// Binds `values` as sqlx's SQLite driver does: a parameter named `$N` or `?N` takes the
/// N-th value (so `$1` may appear twice, or after `$2`), an anonymous `?` the next one, and
/// parameters beyond the values given stay NULL.
fn bind(statement: &mut rusqlite::Statement<'_>, values: &[AnyValueKind]) -> Result<(), sqlx::Error> {
    let mut next = 0;
    for parameter in 1..=statement.parameter_count() {
        let number = match statement.parameter_name(parameter) {
            Some(name) => name
                .strip_prefix('$')
                .or_else(|| name.strip_prefix('?'))
                .and_then(|digits| digits.parse::<usize>().ok())
                .ok_or_else(|| sqlx::Error::Protocol(format!("unsupported SQL parameter {name}")))?,
            None => {
                next += 1;
                next
            }
        };
        let Some(value) = values.get(number.wrapping_sub(1)) else { break };
        statement.raw_bind_parameter(parameter, BoundValue(value)).map_err(to_sqlx)?;
    }
    Ok(())
}

/// An `Any` value as SQLite stores it, borrowed where it can be.
struct BoundValue<'a>(&'a AnyValueKind);

impl rusqlite::ToSql for BoundValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            AnyValueKind::Null(_) => ToSqlOutput::Owned(Value::Null),
            AnyValueKind::Bool(value) => ToSqlOutput::Owned(Value::Integer(i64::from(*value))),
            AnyValueKind::SmallInt(value) => ToSqlOutput::Owned(Value::Integer(i64::from(*value))),
            AnyValueKind::Integer(value) => ToSqlOutput::Owned(Value::Integer(i64::from(*value))),
            AnyValueKind::BigInt(value) => ToSqlOutput::Owned(Value::Integer(*value)),
            AnyValueKind::Real(value) => ToSqlOutput::Owned(Value::Real(f64::from(*value))),
            AnyValueKind::Double(value) => ToSqlOutput::Owned(Value::Real(*value)),
            AnyValueKind::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            AnyValueKind::TextSlice(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            AnyValueKind::Blob(bytes) => ToSqlOutput::Borrowed(ValueRef::Blob(bytes)),
            other => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    format!("the SQLite writer cannot bind {other:?}").into(),
                ));
            }
        })
    }
}

/// Steps `rows` to its end (or `limit` rows), pushing each row and then the statement's
/// result, as sqlx's drivers stream them.
fn step(
    connection: &rusqlite::Connection,
    rows: &mut rusqlite::Rows<'_>,
    names: &Columns,
    limit: Option<usize>,
    out: &mut Vec<Either<AnyQueryResult, AnyRow>>,
) -> Result<(), sqlx::Error> {
    let mut taken = 0;
    while limit.is_none_or(|limit| taken < limit) {
        let Some(row) = rows.next().map_err(to_sqlx)? else { break };
        out.push(Either::Right(any_row(row, names)?));
        taken += 1;
    }
    let changes = connection.changes();
    out.push(Either::Left(AnyQueryResult {
        rows_affected: changes,
        last_insert_id: Some(connection.last_insert_rowid()),
    }));
    Ok(())
}

/// A row as sqlx's SQLite driver maps it to `Any`: each value typed by what SQLite holds
/// (integers as `BigInt`, floats as `Double`), not by the column's declared type.
fn any_row(row: &rusqlite::Row<'_>, names: &Columns) -> Result<AnyRow, sqlx::Error> {
    let width = names.names.len();
    let mut columns = Vec::with_capacity(width);
    let mut values = Vec::with_capacity(width);
    for ordinal in 0..width {
        let kind = match row.get_ref(ordinal).map_err(to_sqlx)? {
            ValueRef::Null => AnyValueKind::Null(AnyTypeInfoKind::Null),
            ValueRef::Integer(value) => AnyValueKind::BigInt(value),
            ValueRef::Real(value) => AnyValueKind::Double(value),
            ValueRef::Text(bytes) => AnyValueKind::Text(Arc::new(
                String::from_utf8(bytes.to_vec()).map_err(|error| sqlx::Error::Decode(Box::new(error)))?,
            )),
            ValueRef::Blob(bytes) => AnyValueKind::Blob(Arc::new(bytes.to_vec())),
        };
        let type_info = AnyTypeInfo { kind: type_kind(&kind) };
        columns.push(AnyColumn { ordinal, name: names.names[ordinal].clone(), type_info });
        values.push(AnyValue { kind });
    }
    Ok(AnyRow { column_names: names.by_name.clone(), columns, values })
}

fn type_kind(kind: &AnyValueKind) -> AnyTypeInfoKind {
    match kind {
        AnyValueKind::BigInt(_) => AnyTypeInfoKind::BigInt,
        AnyValueKind::Double(_) => AnyTypeInfoKind::Double,
        AnyValueKind::Text(_) => AnyTypeInfoKind::Text,
        AnyValueKind::Blob(_) => AnyTypeInfoKind::Blob,
        _ => AnyTypeInfoKind::Null,
    }
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(failure, _) if failure.code == rusqlite::ErrorCode::DatabaseBusy)
}

/// A rusqlite error as the sqlx error callers already handle: SQLite's own failures become
/// [`sqlx::Error::Database`], so a unique violation still reads as one.
fn to_sqlx(error: rusqlite::Error) -> sqlx::Error {
    match error {
        rusqlite::Error::SqliteFailure(failure, message) => sqlx::Error::Database(Box::new(SqliteFailure {
            code: failure.extended_code,
            message: message.unwrap_or_else(|| failure.to_string()),
        })),
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// SQLite refused a statement: its extended result code and message.
#[derive(Debug)]
struct SqliteFailure {
    code: i32,
    message: String,
}

impl std::fmt::Display for SqliteFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for SqliteFailure {}

impl DatabaseError for SqliteFailure {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => ErrorKind::UniqueViolation,
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

/// The writer, borrowed by a transaction for as long as it is open.
pub(crate) type WriterGuard = tokio::sync::OwnedMutexGuard<SqliteWriter>;

/// How often the WAL's committed pages are copied into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// How many pages the WAL may hold before a checkpoint makes it start over (16 MiB of 4 KiB
/// pages). Below it, passive checkpoints alone keep up.
const RESTART_AFTER_PAGES: i64 = 4096;

/// The size SQLite cuts the WAL file back to when it starts over, so one burst of writes
/// does not keep its disk space for good.
const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// How long a restarting checkpoint waits for readers still on older pages of the WAL.
const RESTART_READER_WAIT: Duration = Duration::from_millis(100);

/// A passive pass this quick leaves few pages for a restart right after it to copy.
const QUICK_PASS: Duration = Duration::from_millis(20);

/// Passive passes at most before a restart, however slow each was.
const MOST_PASSES_BEFORE_RESTART: u32 = 4;

/// The most passes a restart is put off for after readers kept it from finishing (8 s).
const MOST_PASSES_PUT_OFF: u32 = 32;

/// When to try the next restart. Writes wait while one runs, up to [`RESTART_READER_WAIT`]
/// for readers; a long read (a report, a rebuild) would make every pass wait in full, so
/// after a restart readers kept from finishing, the next is put off for twice as many
/// passes as the last (1, 2, 4, … [`MOST_PASSES_PUT_OFF`]), and one that finishes ends that.
#[derive(Debug, Default)]
struct RestartPacing {
    put_off: u32,
    passes_to_skip: u32,
}

impl RestartPacing {
    /// Whether this pass, which found the WAL long enough, tries a restart.
    fn due(&mut self) -> bool {
        if self.passes_to_skip == 0 {
            return true;
        }
        self.passes_to_skip -= 1;
        false
    }

    /// Takes note of how a restart went.
    fn record(&mut self, finished: bool) {
        self.put_off = if finished { 0 } else { (self.put_off * 2).clamp(1, MOST_PASSES_PUT_OFF) };
        self.passes_to_skip = self.put_off;
    }
}

/// Copies the WAL of the database file at `path` into the file every [`CHECKPOINT_EVERY`],
/// on a blocking thread with a connection of its own, until `stop` is cancelled. SQLite's
/// automatic checkpoint would run inside the commit that crosses 1,000 pages, on the
/// runtime's thread, and end in an fsync. A passive checkpoint waits for no reader or
/// writer: it copies what no reader still needs, and the rest next time.
///
/// Passive checkpoints alone never let the WAL start over under steady writes: SQLite
/// rewinds it only when a write begins with every page copied back, and a commit always
/// lands between two passes. So when a pass finds [`RESTART_AFTER_PAGES`] or more, the
/// checkpoint takes `writer` between two transactions, copies the few pages committed since
/// its pass, waits (up to [`RESTART_READER_WAIT`]) for readers to leave the WAL, and lets
/// go: the next commit writes from the WAL's start, and the file stays bounded. Restarts
/// that readers keep from finishing are spaced out ([`RestartPacing`]).
pub(crate) fn spawn_checkpoints(
    path: &Path,
    writer: Arc<tokio::sync::Mutex<SqliteWriter>>,
    stop: tokio_util::sync::CancellationToken,
) {
    let path = path.to_owned();
    tokio::spawn(async move {
        let mut kept: Option<rusqlite::Connection> = None;
        let mut pacing = RestartPacing::default();
        loop {
            tokio::select! {
                () = tokio::time::sleep(CHECKPOINT_EVERY) => {}
                () = stop.cancelled() => return,
            }
            let (file, taken) = (path.clone(), kept.take());
            let passed = on_blocking_thread(move || {
                let connection = match taken {
                    Some(connection) => connection,
                    None => {
                        let connection = rusqlite::Connection::open(&file)?;
                        connection.busy_timeout(RESTART_READER_WAIT)?;
                        connection
                    }
                };
                let pages = passive_passes(&connection)?;
                Ok((connection, pages))
            })
            .await;
            let checkpointed = match passed {
                Ok((connection, pages)) if pages >= RESTART_AFTER_PAGES && pacing.due() => {
                    let _between_transactions = tokio::select! {
                        guard = writer.lock() => guard,
                        () = stop.cancelled() => return,
                    };
                    on_blocking_thread(move || {
                        let finished = checkpoint(&connection, "restart")?.readers_done;
                        Ok((connection, finished))
                    })
                    .await
                    .map(|(connection, finished)| {
                        pacing.record(finished);
                        connection
                    })
                }
                passed => passed.map(|(connection, _)| connection),
            };
            match checkpointed {
                Ok(connection) => kept = Some(connection),
                Err(error) => tracing::warn!(path = %path.display(), %error, "WAL checkpoint failed; trying again"),
            }
        }
    });
}

/// Runs `work` on a blocking thread; a thread that panicked or was cancelled is an error too.
async fn on_blocking_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, rusqlite::Error> + Send + 'static,
) -> Result<T, String> {
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => done.map_err(|error| error.to_string()),
        Err(error) => Err(error.to_string()),
    }
}

/// Passive checkpoints until one is quick (at most [`MOST_PASSES_BEFORE_RESTART`]); returns
/// the pages the WAL held. A restart copies, with writes waiting, what was committed during
/// the pass before it: after a slow pass (a backlog a long read held up), passing again
/// keeps that tail short.
fn passive_passes(connection: &rusqlite::Connection) -> Result<i64, rusqlite::Error> {
    let mut passes = 1;
    loop {
        let started = Instant::now();
        let pages = checkpoint(connection, "passive")?.pages;
        if started.elapsed() < QUICK_PASS || passes == MOST_PASSES_BEFORE_RESTART {
            return Ok(pages);
        }
        passes += 1;
    }
}

/// What a checkpoint reports.
struct Checkpointed {
    /// Whether no reader or writer kept it from finishing: for a restart, whether the next
    /// commit writes from the WAL's start.
    readers_done: bool,
    /// The pages the WAL held.
    pages: i64,
}

/// Runs a checkpoint in `mode`. One that could not wait out a reader is not a failure:
/// a later pass tries again.
fn checkpoint(connection: &rusqlite::Connection, mode: &str) -> Result<Checkpointed, rusqlite::Error> {
    connection.query_row(&format!("pragma wal_checkpoint({mode})"), [], |row| {
        Ok(Checkpointed { readers_done: row.get::<_, i64>(0)? == 0, pages: row.get(1)? })
    })
}

/// Where a statement runs in place: the writer in a transaction, or a reader.
pub(crate) enum Target<'a> {
    /// The writer, held by a transaction.
    Writer(&'a mut SqliteWriter),
    /// Any idle reader.
    Readers(&'a SqliteReaders),
}

impl Target<'_> {
    fn execute<'q>(
        self,
        query: impl Execute<'q, Any>,
        limit: Option<usize>,
    ) -> Result<Vec<Either<AnyQueryResult, AnyRow>>, sqlx::Error> {
        match self {
            Target::Writer(writer) => writer.execute(query, limit),
            Target::Readers(readers) => readers.execute(query, limit),
        }
    }

    /// Runs `query` in place and hands its answers back as sqlx's drivers stream them.
    pub(crate) fn fetch_many<'q>(
        self,
        query: impl Execute<'q, Any>,
    ) -> BoxStream<'static, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>> {
        let answers = match self.execute(query, None) {
            Ok(answers) => answers.into_iter().map(Ok).collect(),
            Err(error) => vec![Err(error)],
        };
        Box::pin(futures::stream::iter(answers))
    }

    /// Runs `query` in place and returns its first row, if any.
    pub(crate) fn fetch_optional<'q>(
        self,
        query: impl Execute<'q, Any>,
    ) -> BoxFuture<'static, Result<Option<AnyRow>, sqlx::Error>> {
        let first = self.execute(query, Some(1)).map(|answers| {
            answers.into_iter().find_map(|answer| match answer {
                Either::Right(row) => Some(row),
                Either::Left(_) => None,
            })
        });
        Box::pin(std::future::ready(first))
    }
}

/// What a transaction on the writer cannot do: prepare ahead (sqlx's macros do that against
/// a pool, never against a unit of work).
pub(crate) fn unsupported(what: &str) -> sqlx::Error {
    sqlx::Error::Protocol(format!("the SQLite writer does not {what}"))
}

#[cfg(test)]
mod tests {
    use crate::db::{Db, DbTarget};
    use sqlx::Row;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    async fn database(dir: &tempfile::TempDir) -> Db {
        let db = Db::open(&DbTarget::SqliteDir(dir.path().to_owned()), "in_place").await.expect("database opens");
        let mut tx = db.begin().await.expect("a transaction");
        sqlx::query("create table items (id text primary key, n integer not null, price real, note text)")
            .execute(&mut *tx)
            .await
            .expect("table");
        tx.commit().await.expect("committed");
        db
    }

    #[tokio::test]
    async fn numbered_parameters_take_their_own_value_wherever_they_appear() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = database(&dir).await;
        let mut tx = db.begin().await.expect("a transaction");
        sqlx::query("insert into items (n, id, price, note) values ($2, $1, $3, $4)")
            .bind("a")
            .bind(7_i64)
            .bind(2.5_f64)
            .bind(None::<String>)
            .execute(&mut *tx)
            .await
            .expect("inserted");
        tx.commit().await.expect("committed");
        let row = sqlx::query("select id, n, price, note, $1 as again, $1 || id as twice from items where id = $1")
            .bind("a")
            .fetch_one(db.reader())
            .await
            .expect("read back");
        assert_eq!(row.get::<String, _>("id"), "a");
        assert_eq!(row.get::<i64, _>("n"), 7);
        assert!((row.get::<f64, _>("price") - 2.5).abs() < f64::EPSILON);
        assert_eq!(row.get::<Option<String>, _>("note"), None);
        assert_eq!(row.get::<String, _>("twice"), "aa");
    }

    #[tokio::test]
    async fn a_unique_violation_reads_as_one_and_leaves_the_transaction_usable() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = database(&dir).await;
        let mut tx = db.begin().await.expect("a transaction");
        let insert = |id: &'static str| sqlx::query("insert into items (id, n) values ($1, 1)").bind(id);
        insert("a").execute(&mut *tx).await.expect("first insert");
        let error = insert("a").execute(&mut *tx).await.expect_err("a second row with the same key");
        let sqlx::Error::Database(failure) = error else { panic!("not a database error: {error}") };
        assert!(failure.is_unique_violation(), "{failure}");
        insert("b").execute(&mut *tx).await.expect("the transaction goes on");
        tx.commit().await.expect("committed");
        let count: i64 = sqlx::query_scalar("select count(*) from items").fetch_one(db.reader()).await.expect("count");
        assert_eq!(count, 2);
    }

    #[tokio::test]
    async fn a_transaction_dropped_open_is_rolled_back_and_frees_the_writer() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = database(&dir).await;
        let mut tx = db.begin().await.expect("a transaction");
        sqlx::query("insert into items (id, n) values ('lost', 1)").execute(&mut *tx).await.expect("inserted");
        drop(tx);
        let mut tx = tokio::time::timeout(Duration::from_secs(1), db.begin())
            .await
            .expect("the writer is free again")
            .expect("a transaction");
        let lost: Option<i64> =
            sqlx::query_scalar("select n from items where id = 'lost'").fetch_optional(&mut *tx).await.expect("read");
        assert_eq!(lost, None, "dropped work is not kept");
        tx.rollback().await.expect("rolled back");
    }

    #[tokio::test]
    async fn the_readers_refuse_to_write() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = database(&dir).await;
        let error = sqlx::query("insert into items (id, n) values ('x', 1)")
            .execute(db.reader())
            .await
            .expect_err("a reader does not write");
        assert!(error.to_string().contains("readonly"), "{error}");
    }

    /// The SQLite this links is built as `.cargo/config.toml` asks: with a page cache per
    /// connection and no allocation statistics, so no process-wide mutex is taken on every
    /// page fetch and allocation (the readers and the writer waited on each other there).
    #[test]
    fn sqlite_takes_no_process_wide_lock_per_page_or_allocation() {
        let connection = rusqlite::Connection::open_in_memory().expect("a connection");
        let mut statement = connection.prepare("pragma compile_options").expect("prepared");
        let options: Vec<String> =
            statement.query_map([], |row| row.get(0)).expect("ran").collect::<Result<_, _>>().expect("read");
        assert!(
            !options.iter().any(|option| option == "ENABLE_MEMORY_MANAGEMENT"),
            "one page cache shared by every connection: {options:?}"
        );
        assert!(options.iter().any(|option| option == "DEFAULT_MEMSTATUS=0"), "allocations counted: {options:?}");
    }

    /// Commits land steadily while readers keep reading, as in a shop under load: the WAL
    /// still starts over, so its file stays a fraction of all that was written instead of
    /// growing with it until the disk is full.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_starts_over_under_steady_writes_and_reads() {
        const COMMITS: usize = 1024;
        const NOTE: usize = 64 * 1024;
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = database(&dir).await;
        let writing = tokio_util::sync::CancellationToken::new();
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (db, writing) = (db.clone(), writing.clone());
                tokio::spawn(async move {
                    while !writing.is_cancelled() {
                        let _: i64 = sqlx::query_scalar("select count(*) from items")
                            .fetch_one(db.reader())
                            .await
                            .expect("counted");
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        let wal = dir.path().join("in_place.db-wal");
        let mut largest = 0;
        for commit in 0..COMMITS {
            let mut tx = db.begin().await.expect("a transaction");
            sqlx::query("insert into items (id, n, note) values ($1, $2, $3)")
                .bind(format!("item {commit}"))
                .bind(i64::try_from(commit).expect("small"))
                .bind("x".repeat(NOTE))
                .execute(&mut *tx)
                .await
                .expect("inserted");
            tx.commit().await.expect("committed");
            largest = largest.max(std::fs::metadata(&wal).expect("the WAL").len());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        writing.cancel();
        for reader in readers {
            reader.await.expect("the reader read to the end");
        }
        let written = (COMMITS * NOTE) as u64;
        assert!(largest < written / 2, "the WAL grew to {largest} bytes for {written} written");
        let count: i64 = sqlx::query_scalar("select count(*) from items").fetch_one(db.reader()).await.expect("count");
        assert_eq!(count, i64::try_from(COMMITS).expect("small"), "every commit is kept");
    }

    /// A restart that readers kept from finishing puts the next off for 1, 2, 4 … passes (at
    /// most 32), so a long read does not make every write wait; one that finishes ends it.
    #[test]
    fn restarts_readers_keep_from_finishing_are_spaced_out() {
        let mut pacing = super::RestartPacing::default();
        let tries_in = |pacing: &mut super::RestartPacing, passes: u32| (0..passes).filter(|_| pacing.due()).count();
        assert!(pacing.due(), "the first restart is tried at once");
        for put_off in [1, 2, 4, 8, 16, 32, 32] {
            pacing.record(false);
            assert_eq!(tries_in(&mut pacing, put_off), 0, "put off for {put_off} passes");
            assert!(pacing.due(), "tried after {put_off} passes");
        }
        pacing.record(true);
        assert_eq!(tries_in(&mut pacing, 3), 3, "after a restart that finished, every pass may restart");
    }

    /// A database is opened while another connection holds the file exclusively (as the
    /// last connection of a process that just stopped does while it checkpoints and
    /// removes the WAL): opening waits for it instead of failing "database is locked".
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn opening_waits_for_a_connection_that_holds_the_file() {
        let dir = tempfile::tempdir().expect("temporary folder");
        database(&dir).await.close().await;
        let holder = rusqlite::Connection::open(dir.path().join("in_place.db")).expect("a connection");
        holder
            .execute_batch("pragma locking_mode = exclusive; begin exclusive; insert into items (id, n) values ('held', 1); commit;")
            .expect("the file is held");
        let release = Duration::from_millis(300);
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(release);
            drop(holder);
        });
        let db = Db::open(&DbTarget::SqliteDir(dir.path().to_owned()), "in_place")
            .await
            .expect("opens once the file is free");
        let count: i64 = sqlx::query_scalar("select count(*) from items").fetch_one(db.reader()).await.expect("count");
        assert_eq!(count, 1);
        releaser.join().expect("releaser");
    }

    /// Commits do not checkpoint, so the background task must, or the WAL would grow
    /// without end: 6 MiB written in six commits a checkpoint apart leave a WAL of about
    /// one commit's size, and every row readable.
    #[tokio::test]
    async fn the_wal_is_checkpointed_in_the_background() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = database(&dir).await;
        let blob = vec![7_u8; 64 * 1024];
        for round in 0..6 {
            let mut tx = db.begin().await.expect("a transaction");
            for n in 0..16 {
                sqlx::query("insert into items (id, n, note) values ($1, $2, $3)")
                    .bind(format!("{round}-{n}"))
                    .bind(n)
                    .bind(String::from_utf8(blob.clone()).expect("ascii"))
                    .execute(&mut *tx)
                    .await
                    .expect("inserted");
            }
            tx.commit().await.expect("committed");
            tokio::time::sleep(super::CHECKPOINT_EVERY * 2).await;
        }
        let wal = std::fs::metadata(dir.path().join("in_place.db-wal")).expect("a WAL").len();
        assert!(wal < 3 * 1024 * 1024, "the WAL holds {wal} bytes: it was not checkpointed");
        let count: i64 = sqlx::query_scalar("select count(*) from items").fetch_one(db.reader()).await.expect("count");
        assert_eq!(count, 96);
        db.close().await;
    }

    /// Another process holding the file's write lock makes `begin` wait, and the wait
    /// leaves the runtime's thread free: on a single-threaded runtime, another task keeps
    /// running meanwhile.
    #[tokio::test(flavor = "current_thread")]
    async fn waiting_for_another_writer_does_not_block_the_runtime() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = database(&dir).await;
        let other = rusqlite::Connection::open(dir.path().join("in_place.db")).expect("a second connection");
        other.execute_batch("begin immediate; insert into items (id, n) values ('other', 1)").expect("locked");
        let (locked, release) = (std::sync::Arc::new(std::sync::Mutex::new(other)), Duration::from_millis(300));
        let holder = locked.clone();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(release);
            holder.lock().expect("connection").execute_batch("commit").expect("released");
        });
        let ticks = std::sync::Arc::new(AtomicU32::new(0));
        let ticker = {
            let ticks = ticks.clone();
            tokio::spawn(async move {
                loop {
                    ticks.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        };
        let started = std::time::Instant::now();
        let mut tx = db.begin().await.expect("the lock comes free");
        assert!(started.elapsed() >= release - Duration::from_millis(50), "begin waited for the other writer");
        assert!(ticks.load(Ordering::Relaxed) >= 10, "the runtime ran other tasks while begin waited");
        let count: i64 = sqlx::query_scalar("select count(*) from items").fetch_one(&mut *tx).await.expect("count");
        assert_eq!(count, 1, "the other writer's row is seen once its commit is");
        tx.commit().await.expect("committed");
        ticker.abort();
        releaser.join().expect("releaser");
    }
}
