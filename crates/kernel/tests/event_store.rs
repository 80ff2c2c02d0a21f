//! The event store, inbox and catch-up order on SQLite and PostgreSQL.

use kernel::bus::{Envelope, Message};
use kernel::event_store::{EventStore, ExpectedVersion, Metadata, NewEvent, Position, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use testkit::{Backend, TestStore, on_every_backend};
use uuid::Uuid;

async fn store(backend: &Backend) -> TestStore {
    TestStore::open(backend).await
}

fn event(n: u32) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "Counted".into(),
        schema_version: 1,
        payload: json!({ "n": n }),
        metadata: Metadata::default(),
    }
}

async fn append(
    store: &EventStore,
    stream: &str,
    expected: ExpectedVersion,
    n: u32,
) -> Result<Option<Position>, StoreError> {
    let mut uow = store.begin().await?;
    let position = uow.append(stream, expected, &[event(n)]).await?;
    uow.commit().await?;
    Ok(position)
}

on_every_backend!(streams_load_in_version_order, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let store = &fixture.store;
    for n in 0..3 {
        append(store, "s-1", ExpectedVersion::Exact(i64::from(n)), n).await.unwrap();
    }
    let events = store.load("s-1").await.unwrap();
    let versions: Vec<i64> = events.iter().map(|e| e.stream_version).collect();
    assert_eq!(versions, [1, 2, 3]);
    assert_eq!(events[2].payload, json!({ "n": 2 }));
    assert!(store.load("absent").await.unwrap().is_empty());
});

on_every_backend!(a_stale_expected_version_is_a_conflict_not_an_overwrite, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let store = &fixture.store;
    append(store, "s", ExpectedVersion::NoStream, 1).await.unwrap();
    let stale = append(store, "s", ExpectedVersion::NoStream, 2).await;
    assert!(matches!(stale, Err(StoreError::Conflict { actual: 1, .. })), "{stale:?}");
    assert_eq!(store.load("s").await.unwrap().len(), 1);
});

on_every_backend!(of_concurrent_appends_at_one_version_exactly_one_wins, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let store = fixture.store.clone();
    append(&store, "contended", ExpectedVersion::NoStream, 0).await.unwrap();
    let attempts = (1..=10).map(|n| {
        let store = store.clone();
        tokio::spawn(async move { append(&store, "contended", ExpectedVersion::Exact(1), n).await })
    });
    let results = futures::future::join_all(attempts).await;
    let wins = results.iter().filter(|r| r.as_ref().unwrap().is_ok()).count();
    let conflicts = results.iter().filter(|r| matches!(r.as_ref().unwrap(), Err(e) if e.is_conflict())).count();
    assert_eq!((wins, conflicts), (1, 9));
    assert_eq!(store.load("contended").await.unwrap().len(), 2);
});

/// Catches up in small batches until `count` events arrived. On PostgreSQL any transaction
/// still open in the cluster (other tests run alongside) holds readers back for a moment,
/// so an empty batch means "not yet", not "done".
async fn read_until(store: &EventStore, mut after: Position, count: usize) -> Vec<kernel::RecordedEvent> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen = Vec::new();
    while seen.len() < count {
        assert!(std::time::Instant::now() < deadline, "only {} of {count} events arrived", seen.len());
        let batch = store.read_all(after, 7).await.unwrap();
        match batch.last() {
            Some(last) => after = last.position,
            None => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
        seen.extend(batch);
    }
    assert!(store.read_all(after, 7).await.unwrap().is_empty(), "nothing beyond");
    seen
}

on_every_backend!(catch_up_reads_every_event_once_in_order, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let store = &fixture.store;
    for n in 0..25 {
        append(store, &format!("s-{}", n % 4), ExpectedVersion::Exact(i64::from(n / 4)), n).await.unwrap();
    }
    let seen: Vec<u64> =
        read_until(store, Position::default(), 25).await.iter().map(|e| e.payload["n"].as_u64().unwrap()).collect();
    assert_eq!(seen, (0..25).collect::<Vec<_>>());
});

/// Two units on PostgreSQL's two commit lanes, each appending to the stream the other has
/// just written: each waits for the other's open transaction. PostgreSQL would find the
/// deadlock only after a second, with every unit queued on both lanes stalled behind it;
/// the waits give up soon instead, as version conflicts the callers retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_crossing_on_two_lanes_give_up_soon_as_conflicts() {
    let Some(backend) = Backend::postgres() else { return };
    let fixture = store(&backend).await;
    let store = &fixture.store;
    let mut first = store.begin().await.unwrap();
    let mut second = store.begin().await.unwrap();
    first.append("left", ExpectedVersion::NoStream, &[event(1)]).await.unwrap();
    second.append("right", ExpectedVersion::NoStream, &[event(2)]).await.unwrap();

    let (third, fourth) = ([event(3)], [event(4)]);
    let crossing = async {
        tokio::join!(
            first.append("right", ExpectedVersion::NoStream, &third),
            second.append("left", ExpectedVersion::NoStream, &fourth)
        )
    };
    let (to_right, to_left) = tokio::time::timeout(std::time::Duration::from_millis(600), crossing)
        .await
        .expect("crossing units are answered well before PostgreSQL's deadlock detection");
    // Both may give up; or one does, and its rollback lets the other through.
    let answers = [to_right, to_left];
    assert!(
        answers
            .iter()
            .all(|answer| answer.as_ref().is_ok_and(Option::is_some)
                || answer.as_ref().is_err_and(StoreError::is_conflict)),
        "{answers:?}"
    );
    assert!(answers.iter().any(Result::is_err), "both cannot win: {answers:?}");
    drop((first, second));
    append(store, "right", ExpectedVersion::NoStream, 5).await.expect("the streams are free again");
}

/// A unit waiting on a row another lane's open transaction wrote (here the inbox claim of
/// the same message, as when a broker hands a redelivery to a second consumer) gives up at
/// the lock limit as a conflict its caller retries, not as a database failure (which an
/// HTTP caller would see as a 500).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_waiting_on_another_lanes_row_gives_up_as_a_conflict() {
    let Some(backend) = Backend::postgres() else { return };
    let fixture = store(&backend).await;
    let store = &fixture.store;
    let envelope = Envelope::new(Uuid::now_v7(), "test", chrono::Utc::now(), &Ping).unwrap();
    let mut first = store.begin().await.unwrap();
    let mut second = store.begin().await.unwrap();
    assert!(first.claim_message("consumer", &envelope).await.unwrap());

    let claim =
        tokio::time::timeout(std::time::Duration::from_millis(600), second.claim_message("consumer", &envelope))
            .await
            .expect("answered at the lock limit");
    let error = claim.expect_err("the claim waits on the first lane's open row");
    assert!(error.is_conflict(), "{error}");
    let answer = kernel::error::ApiError::from(error);
    assert_eq!(answer.status().as_u16(), 503, "should every retry give up too: {answer}");
    drop(second);
    first.commit().await.unwrap();
    let mut retried = store.begin().await.unwrap();
    assert!(!retried.claim_message("consumer", &envelope).await.unwrap(), "the retry finds the message handled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_commit_with_a_lower_position_is_not_skipped() {
    let Some(backend) = Backend::postgres() else { return };
    let fixture = store(&backend).await;
    let store = &fixture.store;
    // The slow transaction takes its position first but commits last. (Within one process
    // the units of a database commit in turn, so the fast writer is another process.)
    let mut slow = store.begin().await.unwrap();
    let slow_position = slow.append("slow", ExpectedVersion::NoStream, &[event(1)]).await.unwrap().unwrap();
    let other_process = fixture.open_again().await.unwrap();
    let fast_position = append(&other_process, "fast", ExpectedVersion::NoStream, 2).await.unwrap().unwrap();
    assert!(slow_position.sequence < fast_position.sequence);

    let mut checkpoint = Position::default();
    let mut seen = Vec::new();
    let visible_early = store.read_all(checkpoint, 100).await.unwrap();
    assert!(visible_early.is_empty(), "nothing past an open transaction is handed out: {visible_early:?}");
    for event in &visible_early {
        checkpoint = event.position;
        seen.push(event.stream_id.clone());
    }
    slow.commit().await.unwrap();
    seen.extend(read_until(store, checkpoint, 2).await.into_iter().map(|e| e.stream_id));
    assert_eq!(seen, ["slow", "fast"], "both events, in commit-safe order");
}

#[derive(Serialize, Deserialize)]
struct Ping;
impl Message for Ping {
    const TYPE: &'static str = "test.Ping";
}

on_every_backend!(the_inbox_drops_a_redelivered_message, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let store = &fixture.store;
    let envelope = Envelope::new(Uuid::now_v7(), "test", chrono::Utc::now(), &Ping).unwrap();
    let mut effects = 0;
    for _delivery in 0..3 {
        let mut uow = store.begin().await.unwrap();
        if uow.claim_message("consumer", &envelope).await.unwrap() {
            effects += 1;
            uow.append("effects", ExpectedVersion::Exact(effects - 1), &[event(1)]).await.unwrap();
        }
        uow.commit().await.unwrap();
    }
    assert_eq!(effects, 1);
    assert_eq!(store.load("effects").await.unwrap().len(), 1);
    let mut uow = store.begin().await.unwrap();
    assert!(uow.claim_message("another-consumer", &envelope).await.unwrap(), "inboxes are per consumer");
});

on_every_backend!(a_rolled_back_unit_of_work_leaves_nothing, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let store = &fixture.store;
    let envelope = Envelope::new(Uuid::now_v7(), "test", chrono::Utc::now(), &Ping).unwrap();
    {
        let mut uow = store.begin().await.unwrap();
        uow.claim_message("consumer", &envelope).await.unwrap();
        uow.append("s", ExpectedVersion::NoStream, &[event(1)]).await.unwrap();
        // Dropped without commit: a crash mid-handler.
    }
    assert!(store.load("s").await.unwrap().is_empty());
    let mut uow = store.begin().await.unwrap();
    assert!(uow.claim_message("consumer", &envelope).await.unwrap(), "the message is handled again after the crash");
});

on_every_backend!(old_payload_shapes_are_upcast_on_read, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let old = NewEvent { schema_version: 1, payload: json!({ "name": "Ada Lovelace" }), ..event(0) };
    let mut uow = fixture.store.begin().await.unwrap();
    uow.append("person", ExpectedVersion::NoStream, &[old]).await.unwrap();
    uow.commit().await.unwrap();
    let store = fixture.store.clone().with_upcaster("Counted", 1, |mut payload| {
        let name = payload["name"].as_str().unwrap_or_default().to_owned();
        let (first, last) = name.split_once(' ').unwrap_or((&name, ""));
        payload = json!({ "first_name": first, "last_name": last });
        payload
    });
    let loaded = store.load("person").await.unwrap();
    assert_eq!(loaded[0].schema_version, 2);
    assert_eq!(loaded[0].payload, json!({ "first_name": "Ada", "last_name": "Lovelace" }));
});

#[tokio::test]
async fn a_store_restored_into_a_cluster_with_a_lower_transaction_counter_is_refused() {
    let Some(backend) = Backend::postgres() else { return };
    let fixture = store(&backend).await;
    append(&fixture.store, "s", ExpectedVersion::NoStream, 1).await.unwrap();
    fixture.open_again().await.expect("a store from this cluster opens");
    // What a dump restored into a younger cluster looks like: a checkpoint far beyond its counter.
    let ahead: i64 = (7 << 32) + 1000;
    let mut uow = fixture.store.begin().await.unwrap();
    uow.save_checkpoint("projection:somewhere", Position { transaction: ahead, sequence: 1 }).await.unwrap();
    uow.commit().await.unwrap();
    let refused = fixture.open_again().await;
    let message = refused.expect_err("a store ahead of its cluster must not open").to_string();
    assert!(message.contains(&ahead.to_string()), "{message}");
    assert!(message.contains("pg_resetwal --epoch=8"), "the message names the fix: {message}");
}

on_every_backend!(units_that_share_a_commit_keep_their_work_apart, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let store = &fixture.store;
    // One unit holds the database's transaction while three more queue behind it; they
    // share its commit (group commit), and the two that fail must take nothing with them.
    let mut first = store.begin().await.unwrap();
    let first_position = first.append("first", ExpectedVersion::NoStream, &[event(1)]).await.unwrap().unwrap();
    // PostgreSQL has a second lane: hold it too, so the next unit queues behind `first`.
    let other_lane = match backend {
        Backend::Postgres(_) => Some(store.begin().await.unwrap()),
        Backend::Sqlite => None,
    };
    let second = tokio::spawn({
        let store = store.clone();
        async move { append(&store, "second", ExpectedVersion::NoStream, 5).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let broken = tokio::spawn({
        let store = store.clone();
        async move {
            let mut uow = store.begin().await.unwrap();
            uow.append("broken", ExpectedVersion::NoStream, &[event(2)]).await.unwrap();
            // A failed statement (which on PostgreSQL aborts the transaction it runs in).
            sqlx::query("select * from no_such_table").execute(uow.conn()).await.expect_err("no such table");
        }
    });
    let conflicted = tokio::spawn({
        let store = store.clone();
        async move {
            let mut uow = store.begin().await.unwrap();
            uow.append("conflicted", ExpectedVersion::NoStream, &[event(3)]).await.unwrap();
            uow.append("first", ExpectedVersion::NoStream, &[event(4)]).await.expect_err("first exists")
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.commit().await.unwrap();
    if let Some(other_lane) = other_lane {
        other_lane.commit().await.unwrap();
    }
    broken.await.unwrap();
    assert!(conflicted.await.unwrap().is_conflict());
    let second_position = second.await.unwrap().unwrap().unwrap();

    // Committed means readable by anyone, at once.
    let reader = fixture.open_again().await.unwrap();
    for (stream, events) in [("first", 1), ("second", 1), ("broken", 0), ("conflicted", 0)] {
        assert_eq!(reader.load(stream).await.unwrap().len(), events, "{stream}");
    }
    if matches!(backend, Backend::Postgres(_)) {
        assert_eq!(first_position.transaction, second_position.transaction, "one transaction, one commit");
    }
});

on_every_backend!(a_failed_first_unit_takes_only_its_own_work_down, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let store = &fixture.store;
    // The first unit of a transaction runs without a savepoint: when it fails with others
    // queued behind it, rolling the transaction back must take its work alone.
    let mut first = store.begin().await.unwrap();
    first.append("doomed", ExpectedVersion::NoStream, &[event(1)]).await.unwrap();
    let queued = tokio::spawn({
        let store = store.clone();
        async move { append(&store, "queued", ExpectedVersion::NoStream, 2).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.append("doomed", ExpectedVersion::NoStream, &[event(3)]).await.expect_err("doomed exists");
    drop(first);
    queued.await.unwrap().unwrap();
    // Alone and failing, with nobody queued: nothing of it stays, and the next unit works.
    let mut alone = store.begin().await.unwrap();
    alone.append("alone", ExpectedVersion::NoStream, &[event(4)]).await.unwrap();
    sqlx::query("select * from no_such_table").execute(alone.conn()).await.expect_err("no such table");
    drop(alone);
    append(store, "after", ExpectedVersion::NoStream, 5).await.unwrap();

    let reader = fixture.open_again().await.unwrap();
    for (stream, events) in [("doomed", 0), ("queued", 1), ("alone", 0), ("after", 1)] {
        assert_eq!(reader.load(stream).await.unwrap().len(), events, "{stream}");
    }
});

/// A tally whose stream grows without end, kept as snapshots of shape `SHAPE`. `replayed`
/// counts the events a load folded from the stream (never stored), so a test can see what a
/// load read.
#[derive(Default, Serialize, Deserialize)]
struct ShapedTally<const SHAPE: i32> {
    total: u64,
    #[serde(skip)]
    replayed: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
enum TallyEvent {
    Added { n: u64 },
}

impl kernel::event_store::DomainEvent for TallyEvent {
    const TYPES: &'static [&'static str] = &["Added"];
}

/// The tally as first released.
type Tally = ShapedTally<1>;

impl<const SHAPE: i32> kernel::Aggregate for ShapedTally<SHAPE> {
    type Event = TallyEvent;

    fn evolve(&mut self, TallyEvent::Added { n }: &TallyEvent) {
        self.total += n;
        self.replayed += 1;
    }

    fn snapshots() -> Option<kernel::aggregate::Snapshots<Self>> {
        Some(kernel::aggregate::Snapshots::json(SHAPE))
    }
}

/// Adds `n` to the tally in `stream` in a unit of its own and returns what the load before
/// the append saw: (total, events replayed).
async fn add_to_tally<const SHAPE: i32>(store: &EventStore, stream: &str, n: u64) -> (u64, u64) {
    let mut uow = store.begin().await.unwrap();
    let mut tally = uow.load_aggregate::<ShapedTally<SHAPE>>(stream).await.unwrap();
    let seen = (tally.state.total, tally.state.replayed);
    uow.append_decided(stream, &mut tally, &[TallyEvent::Added { n }], &Metadata::default()).await.unwrap();
    uow.commit().await.unwrap();
    seen
}

/// The tally in `stream` as a load reads it in a unit of its own: (total, events replayed,
/// stream version).
async fn stored_tally<const SHAPE: i32>(store: &EventStore, stream: &str) -> (u64, u64, i64) {
    let mut uow = store.begin().await.unwrap();
    let tally = uow.load_aggregate::<ShapedTally<SHAPE>>(stream).await.unwrap();
    (tally.state.total, tally.state.replayed, tally.version)
}

on_every_backend!(a_long_stream_loads_from_its_snapshot_and_the_events_after_it, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let store = &fixture.store;
    let every = kernel::aggregate::SNAPSHOT_EVERY;
    let appends = 3 * every + 5;
    let mut most_replayed = 0;
    for n in 1..=appends {
        let (total, replayed) = add_to_tally::<1>(store, "tally", u64::try_from(n).unwrap()).await;
        assert_eq!(total, u64::try_from((n - 1) * n / 2).unwrap(), "the state before append {n}");
        most_replayed = most_replayed.max(replayed);
    }
    assert!(most_replayed < u64::try_from(every).unwrap(), "a load replayed {most_replayed} events");

    let (total, replayed, version) = stored_tally::<1>(store, "tally").await;
    assert_eq!(total, u64::try_from(appends * (appends + 1) / 2).unwrap());
    assert_eq!((version, replayed), (appends, 5), "the snapshot at {} and 5 events", 3 * every);
    assert_eq!(store.load("tally").await.unwrap().len(), usize::try_from(appends).unwrap(), "the stream is whole");
});

on_every_backend!(a_snapshot_rolled_back_with_its_events_is_not_read, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let store = &fixture.store;
    let every = kernel::aggregate::SNAPSHOT_EVERY;
    for _ in 1..every {
        add_to_tally::<1>(store, "tally", 1).await;
    }
    // The append that makes a snapshot due, rolled back: its snapshot goes with it.
    let mut uow = store.begin().await.unwrap();
    let mut tally = uow.load_aggregate::<Tally>("tally").await.unwrap();
    uow.append_decided("tally", &mut tally, &[TallyEvent::Added { n: 100 }], &Metadata::default()).await.unwrap();
    drop(uow);

    let (total, replayed) = add_to_tally::<1>(store, "tally", 1).await;
    assert_eq!((total, replayed), (u64::try_from(every - 1).unwrap(), u64::try_from(every - 1).unwrap()));
    let (total, replayed, _) = stored_tally::<1>(store, "tally").await;
    assert_eq!((total, replayed), (u64::try_from(every).unwrap(), 0), "the snapshot at {every}");
});

on_every_backend!(a_snapshot_of_another_shape_is_replaced_not_read, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let store = &fixture.store;
    let every = kernel::aggregate::SNAPSHOT_EVERY;
    for _ in 0..every {
        add_to_tally::<1>(store, "tally", 1).await;
    }
    assert_eq!(stored_tally::<1>(store, "tally").await.1, 0, "read from the snapshot");
    // A release changes the state's shape: its first load replays the stream, and its
    // first append stores a snapshot of the new shape.
    let (total, replayed) = add_to_tally::<2>(store, "tally", 1).await;
    assert_eq!((total, replayed), (u64::try_from(every).unwrap(), u64::try_from(every).unwrap()));
    let (total, replayed, _) = stored_tally::<2>(store, "tally").await;
    assert_eq!((total, replayed), (u64::try_from(every + 1).unwrap(), 0));
});

// Derived work (a read model with its checkpoint, a delivery checkpoint) commits and rolls
// back as any unit does; on PostgreSQL its commit alone does not wait for the WAL flush,
// while an ordinary unit's still does.
on_every_backend!(derived_work_commits_without_waiting_for_the_disk, |backend: Backend| async move {
    let fixture = store(&backend).await;
    let store = &fixture.store;
    let on_postgres = matches!(backend, Backend::Postgres(_));
    let moved = Position { transaction: 0, sequence: 7 };

    let mut abandoned = store.begin_derived().await.unwrap();
    abandoned.save_checkpoint("derived", moved).await.unwrap();
    drop(abandoned);
    assert_eq!(store.checkpoint("derived").await.unwrap(), Position::default(), "a dropped unit keeps nothing");

    let mut derived = store.begin_derived().await.unwrap();
    derived.save_checkpoint("derived", moved).await.unwrap();
    if on_postgres {
        assert_eq!(synchronous_commit(&mut derived).await, "off");
    }
    derived.commit().await.unwrap();
    assert_eq!(store.checkpoint("derived").await.unwrap(), moved);

    if on_postgres {
        let mut effect = store.begin().await.unwrap();
        assert_eq!(synchronous_commit(&mut effect).await, "on", "units with effects still wait for the disk");
        effect.commit().await.unwrap();
    }
});

async fn synchronous_commit(uow: &mut kernel::event_store::UnitOfWork) -> String {
    sqlx::query_scalar("show synchronous_commit").fetch_one(uow.conn()).await.expect("the setting")
}
