//! Projections across processes: two runners of one projection over the same database (a
//! server and an `emporium projections rebuild` beside it) never apply the same events
//! twice, even for read models kept by delta updates; and while a rebuild runs, queries
//! keep answering from the whole old read model until the rebuilt one is swapped in.

use async_trait::async_trait;
use kernel::event_store::{EventStore, ExpectedVersion, Metadata, NewEvent, RecordedEvent, StoreError};
use kernel::projection::{Projection, ProjectionRunner};
use serde_json::json;
use std::sync::Arc;
use testkit::{Backend, TestStore, on_every_backend};
use uuid::Uuid;

/// Counts events per stream with `n = n + 1`: applying an event twice counts it twice.
struct Counts;

#[async_trait]
impl Projection for Counts {
    fn name(&self) -> &'static str {
        "counts"
    }

    async fn apply(&self, conn: &mut kernel::db::Conn, event: &RecordedEvent) -> Result<(), StoreError> {
        count(conn, event).await
    }

    fn tables(&self) -> &'static [&'static str] {
        &["counts"]
    }
}

async fn count(conn: &mut kernel::db::Conn, event: &RecordedEvent) -> Result<(), StoreError> {
    sqlx::query(
        "insert into counts (stream_id, n) values ($1, 1) \
         on conflict (stream_id) do update set n = counts.n + 1",
    )
    .bind(&event.stream_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// [`Counts`], slowly, so a test can look at the read model in the middle of a rebuild.
struct SlowCounts {
    applied: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl Projection for SlowCounts {
    fn name(&self) -> &'static str {
        "counts"
    }

    async fn apply(&self, conn: &mut kernel::db::Conn, event: &RecordedEvent) -> Result<(), StoreError> {
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        count(conn, event).await?;
        self.applied.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    fn tables(&self) -> &'static [&'static str] {
        &["counts"]
    }
}

async fn prepare(store: &EventStore) {
    let mut tx = store.db().begin().await.unwrap();
    sqlx::query("create table counts (stream_id text primary key, n bigint not null)").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

/// Appends `count` events spread over ten streams.
async fn append(store: &EventStore, count: usize) {
    for chunk in 0..count / 10 {
        let mut uow = store.begin().await.unwrap();
        for stream in 0..10 {
            let stream_id = format!("s-{stream}");
            let version = uow.load(&stream_id).await.unwrap().len() as i64;
            let event = NewEvent {
                event_id: Uuid::now_v7(),
                event_type: "Counted".into(),
                schema_version: 1,
                payload: json!({ "chunk": chunk }),
                metadata: Metadata::default(),
            };
            uow.append(&stream_id, ExpectedVersion::Exact(version), &[event]).await.unwrap();
        }
        uow.commit().await.unwrap();
    }
}

/// A store with 600 counted events, a second handle on it (another process) and the
/// serving process's runner, caught up.
async fn serving_600_events(backend: &Backend) -> (TestStore, EventStore, EventStore, ProjectionRunner) {
    let fixture = TestStore::open(backend).await;
    let (serving, rebuilding) = (fixture.store.clone(), fixture.open_again().await.unwrap());
    prepare(&serving).await;
    append(&serving, 600).await;
    let live = ProjectionRunner::new(serving.clone(), Arc::new(Counts));
    caught_up(&live, &serving, 600).await;
    (fixture, serving, rebuilding, live)
}

/// Catches `runner` up until the read model counts `expected` events; returns how many it
/// applied. On PostgreSQL one catch-up may stop short: it reads only events committed below
/// the oldest transaction still in flight anywhere in the cluster (this binary's other
/// tests run beside this one), and the rest come on a later look.
async fn caught_up(runner: &ProjectionRunner, store: &EventStore, expected: i64) -> usize {
    let mut applied = 0;
    for _ in 0..500 {
        applied += runner.catch_up().await.unwrap();
        if counted(store).await >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(counted(store).await, expected, "the runner caught up with every event, once");
    applied
}

async fn counted(store: &EventStore) -> i64 {
    sqlx::query_scalar("select cast(coalesce(sum(n), 0) as bigint) from counts")
        .fetch_one(store.db().reader())
        .await
        .unwrap()
}

on_every_backend!(two_processes_catching_up_apply_each_event_once, |backend: Backend| async move {
    let fixture = TestStore::open(&backend).await;
    let (one, other) = (fixture.store.clone(), fixture.open_again().await.unwrap());
    prepare(&one).await;
    append(&one, 1000).await;
    let (a, b) = (ProjectionRunner::new(one.clone(), Arc::new(Counts)), ProjectionRunner::new(other, Arc::new(Counts)));
    let (applied_a, applied_b) = tokio::join!(a.catch_up(), b.catch_up());
    let rest = caught_up(&a, &one, 1000).await;
    assert_eq!(applied_a.unwrap() + applied_b.unwrap() + rest, 1000, "together they applied every event once");
});

on_every_backend!(a_rebuild_beside_a_running_projection_applies_each_event_once, |backend: Backend| async move {
    let (_fixture, serving, rebuilding, live) = serving_600_events(&backend).await;
    let rebuild = ProjectionRunner::new(rebuilding, Arc::new(Counts));
    let more = async {
        append(&serving, 200).await;
        live.catch_up().await.unwrap();
    };
    let (rebuilt, ()) = tokio::join!(rebuild.rebuild(), more);
    rebuilt.unwrap();
    caught_up(&live, &serving, 800).await;
});

on_every_backend!(queries_answer_from_the_old_read_model_until_a_rebuild_swaps_in, |backend: Backend| async move {
    let (_fixture, serving, rebuilding, live) = serving_600_events(&backend).await;

    let slow = Arc::new(SlowCounts { applied: Default::default() });
    let rebuild = ProjectionRunner::new(rebuilding, slow.clone());
    let rebuilding = tokio::spawn(async move { rebuild.rebuild().await });
    // Throughout the rebuild the read model is the whole old one, never empty or partial,
    // and it still follows new events.
    let (mut samples, mut appended) = (0, false);
    while !rebuilding.is_finished() {
        let seen = counted(&serving).await;
        assert!(seen >= 600, "a query mid-rebuild saw {seen} of 600 counted events");
        samples += 1;
        if !appended && slow.applied.load(std::sync::atomic::Ordering::SeqCst) >= 250 {
            append(&serving, 100).await;
            live.catch_up().await.unwrap();
            appended = true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(appended && samples >= 10, "looked only {samples} times during the rebuild");
    let replayed = rebuilding.await.unwrap().unwrap();
    assert!(replayed >= 600, "replayed {replayed}");
    // The serving runner finds the checkpoint where the rebuild left it and applies the rest.
    caught_up(&live, &serving, 700).await;
    let streams: i64 = sqlx::query_scalar("select cast(count(*) as bigint) from counts")
        .fetch_one(serving.db().reader())
        .await
        .unwrap();
    assert_eq!(streams, 10);
});
