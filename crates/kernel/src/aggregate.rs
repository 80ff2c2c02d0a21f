//! Aggregates as pure functions: `decide` turns a command into events or a rejection,
//! `evolve` folds events into state. Loading and appending live in the handler.
//!
//! An aggregate whose stream grows without end (a product's stock gains events with every
//! order) opts into snapshots ([`Aggregate::snapshots`]): its state is stored beside the
//! stream every [`SNAPSHOT_EVERY`] events, in the transaction of the append, and loading
//! reads the snapshot and only the events after it. Without them every reservation
//! replayed the product's whole history, so an order cost more the more had been sold.

use crate::event_store::{
    DomainEvent, ExpectedVersion, Metadata, NewEvent, Position, RecordedEvent, StoreError, UnitOfWork,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A consistency boundary whose state is the fold of its stream.
pub trait Aggregate: Default + Send {
    /// The events this aggregate records.
    type Event: DomainEvent;

    /// Applies one event to the state. Must accept every event ever recorded.
    fn evolve(&mut self, event: &Self::Event);

    /// How the state is kept as a snapshot, for an aggregate whose stream grows without
    /// end; `None` (the default) for one whose stream stays short and is replayed whole.
    fn snapshots() -> Option<Snapshots<Self>>
    where
        Self: Sized,
    {
        None
    }
}

/// How many events a snapshotted aggregate's stream gains before its state is stored again:
/// a load replays at most this many events.
pub const SNAPSHOT_EVERY: i64 = 20;

/// How an aggregate's state is written to and read from its snapshot.
pub struct Snapshots<A> {
    shape: i32,
    encode: fn(&A) -> serde_json::Result<String>,
    decode: fn(&str) -> serde_json::Result<A>,
}

impl<A: Serialize + DeserializeOwned> Snapshots<A> {
    /// Snapshots stored as JSON. `shape` names the state's layout: change it whenever the
    /// state's fields or what they mean change (an upcaster that changes what old events
    /// say included); a snapshot of another shape is ignored, the stream replayed and the
    /// snapshot written anew.
    pub fn json(shape: i32) -> Self {
        Snapshots { shape, encode: |state| serde_json::to_string(state), decode: |text| serde_json::from_str(text) }
    }
}

/// An aggregate loaded from its stream, with the version to append against.
#[derive(Debug)]
pub struct Loaded<A> {
    /// The folded state.
    pub state: A,
    /// The stream's version (0 when it does not exist).
    pub version: i64,
    /// The version of the stored snapshot the state was folded from (0 for none).
    snapshot_version: i64,
}

impl<A: Aggregate> Loaded<A> {
    /// The version to pass when appending decisions made on this state.
    pub fn expected(&self) -> ExpectedVersion {
        if self.version == 0 { ExpectedVersion::NoStream } else { ExpectedVersion::Exact(self.version) }
    }
}

/// Folds recorded events of one stream into an aggregate.
pub fn fold<A: Aggregate>(recorded: &[RecordedEvent]) -> Result<Loaded<A>, StoreError> {
    fold_onto(A::default(), 0, recorded)
}

/// Folds `recorded`, the events after `from`, onto `state`, the aggregate as of version `from`.
fn fold_onto<A: Aggregate>(mut state: A, from: i64, recorded: &[RecordedEvent]) -> Result<Loaded<A>, StoreError> {
    for event in recorded {
        state.evolve(&event.decode::<A::Event>()?);
    }
    Ok(Loaded { state, version: recorded.last().map_or(from, |e| e.stream_version), snapshot_version: from })
}

impl UnitOfWork {
    /// Loads and folds an aggregate inside this transaction: from its snapshot and the
    /// events after it when it keeps one, else from its whole stream.
    pub async fn load_aggregate<A: Aggregate>(&mut self, stream_id: &str) -> Result<Loaded<A>, StoreError> {
        let Some(snapshots) = A::snapshots() else {
            return fold(&self.load(stream_id).await?);
        };
        let (state, from) = self.load_snapshot(stream_id, &snapshots).await?.unwrap_or_default();
        let recorded = self.load_after(stream_id, from).await?;
        fold_onto(state, from, &recorded)
    }

    /// Appends decided events against the loaded version and folds them into the state;
    /// returns the position of the last one. Stores a snapshot when one is due, in this
    /// transaction, so it commits or rolls back with the events it folds.
    pub async fn append_decided<A: Aggregate>(
        &mut self,
        stream_id: &str,
        loaded: &mut Loaded<A>,
        events: &[A::Event],
        metadata: &Metadata,
    ) -> Result<Option<Position>, StoreError> {
        if events.is_empty() {
            return Ok(None);
        }
        let new_events = events.iter().map(|e| NewEvent::from_domain(e, metadata)).collect::<Result<Vec<_>, _>>()?;
        let position = self.append(stream_id, loaded.expected(), &new_events).await?;
        for event in events {
            loaded.state.evolve(event);
        }
        loaded.version += i64::try_from(events.len()).expect("event batch fits i64");
        if let Some(snapshots) = A::snapshots()
            && loaded.version - loaded.snapshot_version >= SNAPSHOT_EVERY
        {
            self.save_snapshot(stream_id, &snapshots, &loaded.state, loaded.version).await?;
            loaded.snapshot_version = loaded.version;
        }
        Ok(position)
    }

    /// The stored snapshot of `stream_id` and the version it folds up to; `None` when there
    /// is none, or it has another shape or no longer decodes (the stream is then replayed).
    async fn load_snapshot<A>(
        &mut self,
        stream_id: &str,
        snapshots: &Snapshots<A>,
    ) -> Result<Option<(A, i64)>, StoreError> {
        let row: Option<(i64, String)> =
            sqlx::query_as("select stream_version, state from aggregate_snapshots where stream_id = $1 and shape = $2")
                .bind(stream_id)
                .bind(snapshots.shape)
                .fetch_optional(self.conn())
                .await?;
        let Some((version, text)) = row else { return Ok(None) };
        match (snapshots.decode)(&text) {
            Ok(state) => Ok(Some((state, version))),
            Err(error) => {
                tracing::warn!(stream_id, %error, "aggregate snapshot does not decode; replaying its stream");
                Ok(None)
            }
        }
    }

    /// Stores `state` as `stream_id`'s snapshot at `version`, unless a later one is stored.
    async fn save_snapshot<A>(
        &mut self,
        stream_id: &str,
        snapshots: &Snapshots<A>,
        state: &A,
        version: i64,
    ) -> Result<(), StoreError> {
        let text = (snapshots.encode)(state).map_err(StoreError::Encode)?;
        sqlx::query(
            "insert into aggregate_snapshots (stream_id, stream_version, shape, state) values ($1, $2, $3, $4) \
             on conflict (stream_id) do update set \
             stream_version = excluded.stream_version, shape = excluded.shape, state = excluded.state \
             where aggregate_snapshots.stream_version < excluded.stream_version \
             or aggregate_snapshots.shape <> excluded.shape",
        )
        .bind(stream_id)
        .bind(version)
        .bind(snapshots.shape)
        .bind(text)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
