//! What moves between contexts and how a context takes part: the publications that turn
//! its events into contract messages, the handlers that react to other contexts' messages,
//! and how a handler's failure decides the message's fate. Delivery itself is in
//! [`crate::delivery`].

use crate::bus::Envelope;
use crate::event_store::{AsConflict, EventStore, RecordedEvent, StoreError, UnitOfWork};
use async_trait::async_trait;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Maps a context's recorded events to the contract messages it publishes.
pub trait Publications: Send + Sync + 'static {
    /// Messages to publish for `event` (most events publish none). An event of a type the
    /// context knows that does not decode is an error, never "no message": skipping it could
    /// leave a saga waiting for a reply that is never sent.
    fn messages_for(&self, event: &RecordedEvent) -> Result<Vec<Envelope>, PublishError>;
}

/// Why a relay cannot publish an event; it stops at that event until the cause is fixed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The stored event does not decode as its type (a bad deploy, a hand edit).
    #[error("the event does not decode: {0}")]
    Undecodable(#[from] StoreError),
    /// The message derived from it cannot be encoded.
    #[error(transparent)]
    Encode(#[from] crate::bus::BusError),
}

/// A stable message id for the `index`-th message derived from an event, so publishing the
/// same event twice produces the same ids and consumers drop the repeat.
pub fn message_id_for(event: &RecordedEvent, message_type: &str) -> uuid::Uuid {
    crate::ids::derived_id(&[&event.event_id.to_string(), message_type])
}

/// The message `context` publishes for `event`: a stable id derived from the event, and the
/// event's correlation, causation and trace data.
pub fn derived_message<M: crate::bus::Message>(
    event: &RecordedEvent,
    context: &str,
    message: &M,
) -> Result<Vec<Envelope>, PublishError> {
    Ok(vec![derived_envelope(event, context, message)?])
}

/// The envelope of [`derived_message`], for a publication that builds its one message
/// itself.
pub fn derived_envelope<M: crate::bus::Message>(
    event: &RecordedEvent,
    context: &str,
    message: &M,
) -> Result<Envelope, crate::bus::BusError> {
    let id = message_id_for(event, M::TYPE);
    Ok(stamp(Envelope::new(id, context, event.recorded_at, message)?, event))
}

/// Copies an event's correlation, causation and trace data onto a message derived from it,
/// and which saga took it in place already.
pub fn stamp(mut envelope: Envelope, event: &RecordedEvent) -> Envelope {
    envelope.correlation_id = event.metadata.correlation_id;
    envelope.causation_id = Some(event.event_id);
    envelope.traceparent.clone_from(&event.metadata.traceparent);
    envelope.answered_in_place_for = event.metadata.answered_in_place_for;
    envelope
}

/// How often catch-up loops look for new events when nothing in this process woke them
/// (other processes' appends on PostgreSQL, transactions that were still in flight).
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// The least time between two reads of one catch-up loop: under load a store commits
/// every millisecond or so, and reading once per commit costs a query per event.
const MIN_READ_GAP: Duration = Duration::from_millis(2);

/// Tells a catch-up loop when to read again: after an append in this process or the poll
/// interval, and never sooner than [`MIN_READ_GAP`] after its previous read, so a busy
/// store is read in batches while a quiet one is read at once.
pub struct AppendWaiter {
    appends: tokio::sync::watch::Receiver<u64>,
    last_read: std::time::Instant,
}

impl AppendWaiter {
    /// Waits on `store`'s appends.
    pub fn new(store: &crate::event_store::EventStore) -> AppendWaiter {
        AppendWaiter { appends: store.subscribe_appends(), last_read: std::time::Instant::now() }
    }

    /// Returns when it is time to read again (or at once when `cancel` fires).
    pub async fn wait(&mut self, cancel: &CancellationToken) {
        tokio::select! {
            _ = self.appends.changed() => {}
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = cancel.cancelled() => return,
        }
        let since = self.last_read.elapsed();
        if since < MIN_READ_GAP {
            tokio::select! {
                _ = tokio::time::sleep(MIN_READ_GAP - since) => {}
                _ = cancel.cancelled() => {}
            }
        }
        self.last_read = std::time::Instant::now();
    }
}

/// The pause before retry number `failures`: doubling from 100 ms, at most 6.4 s.
pub(crate) fn backoff(failures: u32) -> Duration {
    Duration::from_millis(50u64.saturating_mul(1 << failures.min(7)))
}

/// Why handling a message failed, which decides what happens to it next.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// May succeed later (database busy, version conflict, gateway down): retry.
    #[error("{0}")]
    Transient(String),
    /// Can never succeed (payload does not match the contract): dead-letter at once.
    #[error("{0}")]
    Permanent(String),
}

impl From<StoreError> for HandlerError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Decode(e) => HandlerError::Permanent(format!("stored event does not decode: {e}")),
            other => HandlerError::Transient(other.to_string()),
        }
    }
}

impl From<crate::bus::BusError> for HandlerError {
    fn from(error: crate::bus::BusError) -> Self {
        HandlerError::Permanent(error.to_string())
    }
}

impl From<sqlx::Error> for HandlerError {
    fn from(error: sqlx::Error) -> Self {
        HandlerError::Transient(error.to_string())
    }
}

/// Handles `envelope` at most once in effect for `consumer`: begins a unit of work, claims
/// the message in the consumer's inbox, hands the unit of work to `decide` and commits the
/// one it hands back. A version conflict starts again from the beginning (a few times, as
/// [`crate::event_store::retry_on_conflict`] does). Returns `None`, without running
/// `decide`, when the message was handled before (a redelivery).
///
/// `decide` takes the unit of work by value and returns it with its result, so its future
/// borrows nothing from the helper (closures borrowing it cannot be shown `Send`).
pub async fn handle_once<T, E, F, Fut>(
    store: &EventStore,
    consumer: &str,
    envelope: &Envelope,
    mut decide: F,
) -> Result<Option<T>, E>
where
    F: FnMut(UnitOfWork) -> Fut,
    Fut: std::future::Future<Output = Result<(UnitOfWork, T), E>>,
    E: From<StoreError> + AsConflict,
{
    let mut tries = 0;
    loop {
        let attempt = async {
            let mut uow = store.begin().await?;
            if !uow.claim_message(consumer, envelope).await? {
                return Ok(None);
            }
            let (uow, outcome) = decide(uow).await?;
            uow.commit().await?;
            Ok::<_, E>(Some(outcome))
        };
        match attempt.await {
            Err(error) if error.is_conflict() && tries < crate::event_store::MAX_CONFLICT_RETRIES => {
                tries += 1;
                crate::event_store::pause_after_conflict(tries).await;
            }
            other => return other,
        }
    }
}

/// A context's reaction to messages from other contexts (or its own saga commands).
///
/// Handlers must be idempotent per message: [`handle_once`] claims the message in the
/// inbox in the same transaction as the effects, and skips them for a redelivery.
#[async_trait]
pub trait MessageHandler: Send + Sync + 'static {
    /// The queue / inbox name, unique across the platform (e.g. `inventory`).
    fn consumer(&self) -> &'static str;
    /// The message types this handler wants.
    fn message_types(&self) -> Vec<&'static str>;
    /// Handles one message.
    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError>;
}

/// How many times a transient failure is retried before the message is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 6;
