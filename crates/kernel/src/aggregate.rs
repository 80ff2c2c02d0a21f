//! Aggregates as pure functions: `decide` turns a command into events or a rejection,
//! `evolve` folds events into state. Loading and appending live in the handler.

use crate::event_store::{
    DomainEvent, ExpectedVersion, Metadata, NewEvent, Position, RecordedEvent, StoreError, UnitOfWork,
};

/// A consistency boundary whose state is the fold of its stream.
pub trait Aggregate: Default + Send {
    /// The events this aggregate records.
    type Event: DomainEvent;

    /// Applies one event to the state. Must accept every event ever recorded.
    fn evolve(&mut self, event: &Self::Event);
}

/// An aggregate loaded from its stream, with the version to append against.
#[derive(Debug)]
pub struct Loaded<A> {
    /// The folded state.
    pub state: A,
    /// The stream's version (0 when it does not exist).
    pub version: i64,
}

impl<A: Aggregate> Loaded<A> {
    /// The version to pass when appending decisions made on this state.
    pub fn expected(&self) -> ExpectedVersion {
        if self.version == 0 { ExpectedVersion::NoStream } else { ExpectedVersion::Exact(self.version) }
    }
}

/// Folds recorded events of one stream into an aggregate.
pub fn fold<A: Aggregate>(recorded: &[RecordedEvent]) -> Result<Loaded<A>, StoreError> {
    let mut state = A::default();
    for event in recorded {
        state.evolve(&event.decode::<A::Event>()?);
    }
    Ok(Loaded { state, version: recorded.last().map_or(0, |e| e.stream_version) })
}

impl UnitOfWork {
    /// Loads and folds an aggregate inside this transaction.
    pub async fn load_aggregate<A: Aggregate>(&mut self, stream_id: &str) -> Result<Loaded<A>, StoreError> {
        let recorded = self.load(stream_id).await?;
        fold(&recorded)
    }

    /// Appends decided events against the loaded version and folds them into the state;
    /// returns the position of the last one.
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
        Ok(position)
    }
}
