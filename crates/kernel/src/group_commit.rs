//! Group commit: the units of work on one database share a write transaction, each after
//! the first inside a savepoint of its own, and the transaction commits when no further unit is waiting for
//! it (or after [`MAX_MEMBERS`] units). Under load many units pay for one commit — one WAL
//! flush on PostgreSQL, one WAL append on SQLite — while a unit that comes alone commits at
//! once, so an idle platform waits for nothing.
//!
//! A unit's commit returns only once its group's commit is durable, so whatever its caller
//! does next (an ack, a checkpoint, an HTTP answer) is as safe as with a transaction of its
//! own. A unit that fails, or is dropped without committing, is rolled back to its
//! savepoint and leaves the others' work in the group untouched; the first unit of a
//! transaction needs no savepoint, since rolling the whole transaction back undoes only it.
//!
//! One connection serves a group, so its units run one after another. SQLite has one writer,
//! so one lane of groups; PostgreSQL writes on several connections at once, so several
//! lanes, each with its own open group, and a unit takes a free lane before queueing.

use crate::db::{Db, Tx};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

/// Units committed together at most; bounds a unit's wait and lets other writers of the
/// database (plain transactions) in between groups.
const MAX_MEMBERS: usize = 64;

/// How often a unit waiting for its group's commit checks that someone will make it (a
/// unit queued for the group may have given up).
const STRAGGLER_CHECK: Duration = Duration::from_millis(5);

/// How a group's transaction begins on PostgreSQL: its statements wait at most 100 ms for a
/// lock another transaction holds (set in the same round trip as `begin`). Two lanes' groups
/// each hold what their earlier units wrote, so a unit that waits on the other lane while a
/// unit there waits on its own is a deadlock PostgreSQL finds only after `deadlock_timeout`
/// (1 s), stalling every unit queued on both lanes. Such a wait would nearly always end in a
/// version conflict anyway; giving up soon makes it one.
const BEGIN_WITH_LOCK_LIMIT: &str = "begin; set local lock_timeout = '100ms'";

/// Starts the savepoint each unit runs in (one unit at a time, so one name serves).
const START_SAVEPOINT: &str = "savepoint unit_of_work";

/// Starts a unit's savepoint after releasing the one the unit before it kept its work in,
/// in one round trip: a committing unit leaves its savepoint for the next unit, or the
/// group's commit, to release.
const RELEASE_AND_START_SAVEPOINT: &str = "release savepoint unit_of_work; savepoint unit_of_work";

/// Undoes a dropped unit's work, and ends its savepoint, in one round trip.
const UNDO_SAVEPOINT: &str = "rollback to savepoint unit_of_work; release savepoint unit_of_work";

/// A group's commit failed: nothing of its units took effect.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the transaction this unit shared with others did not commit: {0}")]
pub struct GroupCommitError(Arc<str>);

/// How a group ended, as its members learn it.
type Outcome = Option<Result<(), GroupCommitError>>;

/// One database's commit groups.
pub(crate) struct CommitGroups {
    lanes: Vec<Lane>,
    /// The lane the next unit queues on when none is free.
    next_lane: AtomicUsize,
    next_group: AtomicU64,
}

/// A connection's worth of groups, one open at a time.
#[derive(Default)]
struct Lane {
    slot: Arc<Mutex<Slot>>,
    /// Units queued for the slot: while there are any, a committing unit hands the open
    /// transaction over instead of committing it.
    waiting: Arc<AtomicUsize>,
}

impl std::fmt::Debug for CommitGroups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommitGroups").field("lanes", &self.lanes.len()).finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Slot {
    open: Option<OpenGroup>,
}

struct OpenGroup {
    id: u64,
    tx: Tx,
    /// Units whose work is in the transaction and awaits its commit.
    members: usize,
    /// Whether the last unit's savepoint, which holds its kept work, is still to be
    /// released (by the next unit's, or by the commit).
    savepoint_kept: bool,
    outcome: watch::Sender<Outcome>,
}

/// Counts a unit as queued for the slot until it has it (or gives up).
struct Queued(Arc<AtomicUsize>);

impl Queued {
    fn enter(waiting: &Arc<AtomicUsize>) -> Queued {
        waiting.fetch_add(1, Ordering::AcqRel);
        Queued(waiting.clone())
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl CommitGroups {
    /// Groups over `lanes` connections at once (at least one).
    pub(crate) fn new(lanes: usize) -> CommitGroups {
        let lanes = (0..lanes.max(1)).map(|_| Lane::default()).collect();
        CommitGroups { lanes, next_lane: AtomicUsize::new(0), next_group: AtomicU64::new(0) }
    }

    /// Joins an open group of `db` (opening one when none is), inside a fresh savepoint: on
    /// a lane nobody is using if there is one, else queued on the next lane in turn.
    pub(crate) async fn join(&self, db: &Db) -> Result<Member, sqlx::Error> {
        let asked = std::time::Instant::now();
        let free = self.lanes.iter().find_map(|lane| Some((lane, lane.slot.clone().try_lock_owned().ok()?)));
        let (lane, mut guard) = match free {
            Some(found) => found,
            None => {
                let lane = &self.lanes[self.next_lane.fetch_add(1, Ordering::Relaxed) % self.lanes.len()];
                let _queued = Queued::enter(&lane.waiting);
                (lane, lane.slot.clone().lock_owned().await)
            }
        };
        if guard.open.is_none() {
            let tx = db.begin_with(BEGIN_WITH_LOCK_LIMIT).await?;
            let id = self.next_group.fetch_add(1, Ordering::Relaxed);
            guard.open = Some(OpenGroup { id, tx, members: 0, savepoint_kept: false, outcome: watch::channel(None).0 });
        }
        let open = guard.open.as_mut().expect("opened above");
        let group = open.id;
        // Only kept work needs protecting: a unit first in its transaction that fails takes
        // the whole transaction down with it, which holds nothing else (under light load, the
        // common case, a unit pays no savepoint at all).
        let savepoint = open.members > 0;
        if savepoint {
            let start = if open.savepoint_kept { RELEASE_AND_START_SAVEPOINT } else { START_SAVEPOINT };
            open.savepoint_kept = false;
            if let Err(error) = sqlx::raw_sql(start).execute(&mut *open.tx).await {
                let _ = finish(guard, Some(error.to_string())).await;
                return Err(error);
            }
        }
        metrics::histogram!("emporium_unit_of_work_queued_seconds", "database" => db.name().to_owned())
            .record(asked.elapsed().as_secs_f64());
        Ok(Member {
            guard: Some(guard),
            group,
            savepoint,
            joined: std::time::Instant::now(),
            database: db.name().to_owned(),
            slot: lane.slot.clone(),
            waiting: lane.waiting.clone(),
        })
    }
}

impl CommitGroups {
    /// Ends every open group without committing it, once no unit holds its lane: for
    /// closing the database, when a crash may have left a group open that nobody will end
    /// (its last unit handed it to a queued one, and both were taken away). Its members'
    /// commits never returned, so nothing acknowledged is lost.
    pub(crate) async fn abandon(&self) {
        for lane in &self.lanes {
            let slot = lane.slot.clone().lock_owned().await;
            let _ = finish(slot, Some("the database closed before the group committed".to_owned())).await;
        }
    }
}

/// One unit of work's place in a group: the shared transaction, while the unit runs.
pub struct Member {
    /// Held from joining until committing: no other unit uses the connection meanwhile.
    guard: Option<OwnedMutexGuard<Slot>>,
    group: u64,
    /// Whether the unit runs in a savepoint: only when earlier units' work shares the
    /// transaction. Without one, undoing the unit means rolling the transaction back.
    savepoint: bool,
    /// When the unit got its lane, and on which database: how long units hold a lane is
    /// what bounds a database's write throughput.
    joined: std::time::Instant,
    database: String,
    slot: Arc<Mutex<Slot>>,
    waiting: Arc<AtomicUsize>,
}

impl Member {
    /// The shared transaction's connection.
    pub fn conn(&mut self) -> &mut crate::db::Conn {
        let guard = self.guard.as_mut().expect("a member holds the slot until it commits");
        &mut guard.open.as_mut().expect("a member's group is open").tx
    }

    /// Keeps this unit's work and returns once the group holding it has committed.
    pub async fn commit(mut self) -> Result<(), crate::event_store::StoreError> {
        let mut guard = self.guard.take().expect("a member holds the slot until it commits");
        let open = guard.open.as_mut().expect("a member's group is open");
        // The unit's savepoint stays until the next unit starts its own or the group
        // commits, either of which releases it without a round trip of its own.
        open.savepoint_kept = self.savepoint;
        open.members += 1;
        metrics::histogram!("emporium_unit_of_work_held_seconds", "database" => self.database.clone())
            .record(self.joined.elapsed().as_secs_f64());
        let mut outcome = open.outcome.subscribe();
        if self.waiting.load(Ordering::Acquire) == 0 || open.members >= MAX_MEMBERS {
            return Ok(finish(guard, None).await?);
        }
        // Another unit is queued: it joins this transaction, and the last one commits.
        drop(guard);
        loop {
            if let Some(result) = outcome.borrow_and_update().clone() {
                return Ok(result?);
            }
            tokio::select! {
                changed = outcome.changed() => if changed.is_err() {
                    return Err(GroupCommitError("the group ended without committing".into()).into());
                },
                () = tokio::time::sleep(STRAGGLER_CHECK) => {
                    // Whoever was queued gave up before joining: nobody else will commit.
                    if let Ok(guard) = self.slot.clone().try_lock_owned()
                        && guard.open.as_ref().is_some_and(|open| open.id == self.group)
                    {
                        return Ok(finish(guard, None).await?);
                    }
                }
            }
        }
    }
}

impl Drop for Member {
    /// A unit dropped before committing (an error, a conflict, a cancelled task) is rolled
    /// back to its savepoint, and the group goes on without it; a unit without one had the
    /// transaction to itself, which is rolled back whole.
    fn drop(&mut self) {
        let Some(guard) = self.guard.take() else { return };
        let mut abandoned = Abandoned(Some(guard));
        let savepoint = self.savepoint;
        let waiting = self.waiting.clone();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        runtime.spawn(async move {
            if !savepoint {
                let guard = abandoned.0.take().expect("held until undone");
                drop(finish(guard, Some("the only unit in the transaction was abandoned".to_owned())).await);
                return;
            }
            let guard = abandoned.0.as_mut().expect("held until undone");
            let open = guard.open.as_mut().expect("a member's group is open");
            let undone = sqlx::raw_sql(UNDO_SAVEPOINT).execute(&mut *open.tx).await;
            let guard = abandoned.0.take().expect("held until undone");
            match undone {
                Err(error) => drop(finish(guard, Some(error.to_string())).await),
                Ok(_) if waiting.load(Ordering::Acquire) == 0 => drop(finish(guard, None).await),
                Ok(_) => drop(guard),
            }
        });
    }
}

/// A dropped unit's hold on the slot until its savepoint is rolled back. Should that never
/// happen (no runtime, or it stops first), the whole group is dropped instead, which rolls
/// its transaction back and tells its members it did not commit: a unit's abandoned work
/// must never ride along in a later commit.
struct Abandoned(Option<OwnedMutexGuard<Slot>>);

impl Drop for Abandoned {
    fn drop(&mut self) {
        if let Some(mut guard) = self.0.take() {
            drop(guard.open.take());
        }
    }
}

/// Ends the open group: commits it, or rolls it back when `failure` is given (or when no
/// unit's work is in it), and tells its members how it ended.
async fn finish(mut guard: OwnedMutexGuard<Slot>, failure: Option<String>) -> Result<(), GroupCommitError> {
    let Some(group) = guard.open.take() else { return Ok(()) };
    let result = match failure {
        Some(failure) => {
            let _ = group.tx.rollback().await;
            Err(failure)
        }
        None if group.members == 0 => group.tx.rollback().await.map_err(|error| error.to_string()),
        None => group.tx.commit().await.map_err(|error| error.to_string()),
    };
    drop(guard);
    #[allow(clippy::cast_precision_loss, reason = "a group holds at most MAX_MEMBERS units")]
    metrics::histogram!("emporium_commit_group_units").record(group.members as f64);
    let result = result.map_err(|error| GroupCommitError(error.into()));
    group.outcome.send_replace(Some(result.clone()));
    result
}

#[cfg(test)]
mod tests {
    use crate::db::{Db, DbTarget};
    use std::time::Duration;

    async fn rows(db: &Db) -> i64 {
        sqlx::query_scalar("select count(*) from kept").fetch_one(db.reader()).await.expect("count")
    }

    /// A crash can take a unit's work out of its hands after it handed its open group over to
    /// a queued unit and before that unit took its turn: the group stays open with nobody to
    /// end it, holding the connection (and, on PostgreSQL, a transaction every reader of the
    /// cluster's new events waits for). Closing the database must end it, not wait for it.
    async fn a_group_left_open_is_ended_by_closing(target: DbTarget) {
        let db = Db::open(&target, "groups").await.expect("database opens");
        let mut setup = db.begin().await.expect("a transaction");
        sqlx::query("create table kept (n integer)").execute(&mut *setup).await.expect("table");
        setup.commit().await.expect("committed");

        let mut unit = db.join_group().await.expect("a place in a group");
        sqlx::query("insert into kept values (1)").execute(unit.conn()).await.expect("written");
        // What `Member::commit` does when another unit is queued, then the crash: the group
        // counts the work and is left open on the slot, and the unit is gone.
        let mut slot = unit.guard.take().expect("held");
        slot.open.as_mut().expect("open").members += 1;
        drop(slot);
        drop(unit);

        tokio::time::timeout(Duration::from_secs(5), db.close())
            .await
            .expect("closing does not wait for a group nobody will end");
        let reopened = Db::open(&target, "groups").await.expect("database opens again");
        assert_eq!(rows(&reopened).await, 0, "work whose commit never returned is not kept");
        reopened.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closing_a_database_ends_a_group_a_crash_left_open() {
        let dir = tempfile::tempdir().expect("temporary folder");
        a_group_left_open_is_ended_by_closing(DbTarget::SqliteDir(dir.path().to_owned())).await;
        match std::env::var("EMPORIUM_TEST_DATABASE_URL") {
            Ok(url) => {
                let prefix = format!("g{}_", &uuid::Uuid::new_v4().simple().to_string()[..12]);
                a_group_left_open_is_ended_by_closing(DbTarget::Postgres {
                    url: url.clone(),
                    schema_prefix: prefix.clone(),
                })
                .await;
                let cleanup = sqlx::AnyPool::connect(&url).await.expect("PostgreSQL");
                let drop_schema = format!("drop schema {prefix}groups cascade");
                sqlx::query(sqlx::AssertSqlSafe(drop_schema)).execute(&cleanup).await.expect("schema dropped");
            }
            Err(_) if std::env::var("CI").is_ok() => panic!("CI needs EMPORIUM_TEST_DATABASE_URL for PostgreSQL"),
            Err(_) => eprintln!("PostgreSQL half skipped: EMPORIUM_TEST_DATABASE_URL is not set"),
        }
    }
}
