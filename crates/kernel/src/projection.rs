//! Read models kept by projections: each consumes its context's events in global order
//! and stores its checkpoint in the same transaction as its writes, so a crash can neither
//! skip nor double-apply an event, nor can two runners (in two processes) apply one event twice. `rebuild` replays from zero into an emptied read model.

use crate::event_store::{EventStore, Position, RecordedEvent, StoreError};
use crate::messaging::AppendWaiter;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// A read model fed by a context's events.
#[async_trait]
pub trait Projection: Send + Sync + 'static {
    /// Unique name within the context; names the checkpoint and the CLI rebuild target.
    fn name(&self) -> &'static str;

    /// Applies one event inside the projection's transaction. Events it does not care
    /// about are ignored.
    async fn apply(&self, conn: &mut sqlx::AnyConnection, event: &RecordedEvent) -> Result<(), StoreError>;

    /// Empties the read model before a rebuild.
    async fn reset(&self, conn: &mut sqlx::AnyConnection) -> Result<(), StoreError>;
}

/// Runs one projection and reports how far it got.
#[derive(Clone)]
pub struct ProjectionRunner {
    store: EventStore,
    projection: Arc<dyn Projection>,
    progress: Arc<watch::Sender<Position>>,
    /// Where this runner believes the checkpoint stands (`None`: read it from the database).
    /// Held for a whole catch-up, so this process's catch-ups take turns; a stale belief
    /// only costs a failed compare-and-set.
    cursor: Arc<tokio::sync::Mutex<Option<Position>>>,
}

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
            let after = match *cursor {
                Some(position) => position,
                None => *cursor.insert(self.store.checkpoint(&name).await?),
            };
            let events = self.store.read_all(after, BATCH).await?;
            let Some(last) = events.last().map(|e| e.position) else {
                self.progress.send_replace(after);
                return Ok(applied);
            };
            let mut uow = self.store.begin().await?;
            if !uow.advance_checkpoint(&name, after, last).await? {
                // Another runner applied this batch first: rolled back; read where it got to.
                *cursor = None;
                continue;
            }
            for event in &events {
                self.projection.apply(uow.conn(), event).await?;
            }
            uow.commit().await?;
            *cursor = Some(last);
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

    /// Empties the read model and replays every event into it.
    pub async fn rebuild(&self) -> Result<usize, StoreError> {
        let mut cursor = self.cursor.lock().await;
        *cursor = None;
        let mut uow = self.store.begin().await?;
        self.projection.reset(uow.conn()).await?;
        sqlx::query("delete from checkpoints where name = $1").bind(self.checkpoint_name()).execute(uow.conn()).await?;
        uow.commit().await?;
        drop(cursor);
        self.catch_up().await
    }

    /// Waits (at most `timeout`) until the read model includes the event at `position`,
    /// so a command's response can be read back at once. Returns whether it did.
    pub async fn wait_for(&self, position: Position, timeout: Duration) -> bool {
        let mut progress = self.progress.subscribe();
        tokio::time::timeout(timeout, progress.wait_for(|reached| *reached >= position)).await.is_ok_and(|r| r.is_ok())
    }
}
