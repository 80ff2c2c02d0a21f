//! Moving messages between contexts: the relay (event store → bus, at least once) and the
//! consumer loop (bus → handler, with bounded retries and a dead-letter table).

use crate::bus::{Bus, Delivery, Envelope};
use crate::event_store::{EventStore, Position, RecordedEvent, StoreError};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

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
    let id = message_id_for(event, M::TYPE);
    Ok(vec![stamp(Envelope::new(id, context, event.recorded_at, message)?, event)])
}

/// Copies an event's correlation, causation and trace data onto a message derived from it.
pub fn stamp(mut envelope: Envelope, event: &RecordedEvent) -> Envelope {
    envelope.correlation_id = event.metadata.correlation_id;
    envelope.causation_id = Some(event.event_id);
    envelope.traceparent.clone_from(&event.metadata.traceparent);
    envelope
}

/// How often catch-up loops look for new events when nothing in this process woke them
/// (other processes' appends on PostgreSQL, transactions that were still in flight).
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Waits until the store reports an append or the poll interval passes.
pub async fn wait_for_appends(appends: &mut tokio::sync::watch::Receiver<u64>, cancel: &CancellationToken) {
    tokio::select! {
        _ = appends.changed() => {}
        _ = tokio::time::sleep(POLL_INTERVAL) => {}
        _ = cancel.cancelled() => {}
    }
}

/// Publishes a context's events through the bus, from a checkpoint kept in its database.
pub struct Relay {
    store: EventStore,
    bus: Arc<dyn Bus>,
    publications: Arc<dyn Publications>,
    checkpoint: String,
}

impl Relay {
    /// A relay for `store`.
    pub fn new(store: EventStore, bus: Arc<dyn Bus>, publications: Arc<dyn Publications>) -> Self {
        let checkpoint = format!("relay:{}", store.db().name());
        Relay { store, bus, publications, checkpoint }
    }

    /// Publishes until cancelled. Messages go out in event order; the checkpoint moves only
    /// after the bus took them, so a crash means republishing, never losing.
    pub async fn run(self, cancel: CancellationToken) {
        let mut appends = self.store.subscribe_appends();
        let stalled = metrics::gauge!("emporium_relay_stalled", "context" => self.store.db().name().to_owned());
        let mut failures = 0u32;
        while !cancel.is_cancelled() {
            match self.publish_batch(&cancel).await {
                Ok(published) => {
                    if failures > 0 {
                        tracing::info!(relay = %self.checkpoint, "relay resumed");
                        stalled.set(0.0);
                        failures = 0;
                    }
                    if published == 0 {
                        wait_for_appends(&mut appends, &cancel).await;
                    }
                }
                // Consumers stopping first leave the last message unacknowledged: not a failure.
                Err(_) if cancel.is_cancelled() => break,
                Err(error) => {
                    failures += 1;
                    match &error {
                        RelayError::Event { position, event_type, .. } => {
                            // Never skipped: everything behind this event waits until it is mended.
                            stalled.set(1.0);
                            tracing::error!(relay = %self.checkpoint, ?position, %event_type, %error,
                                "relay stalled: cannot publish this event");
                        }
                        RelayError::Store(_) | RelayError::Bus(_) => {
                            tracing::warn!(relay = %self.checkpoint, %error, "relay failed; retrying");
                        }
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(backoff(failures)) => {}
                        _ = cancel.cancelled() => {}
                    }
                }
            }
        }
    }

    async fn publish_batch(&self, cancel: &CancellationToken) -> Result<usize, RelayError> {
        let after = self.store.checkpoint(&self.checkpoint).await?;
        let events = self.store.read_all(after, 100).await?;
        let mut published: Option<Position> = None;
        let mut result = Ok(());
        for event in &events {
            if cancel.is_cancelled() {
                break;
            }
            if let Err(error) = self.publish_event(event).await {
                result = Err(error);
                break;
            }
            published = Some(event.position);
        }
        if let Some(position) = published {
            let mut uow = self.store.begin().await?;
            uow.save_checkpoint(&self.checkpoint, position).await?;
            uow.commit().await?;
        }
        result.map(|()| events.len())
    }

    async fn publish_event(&self, event: &RecordedEvent) -> Result<(), RelayError> {
        let envelopes = self.messages_for(event).map_err(|source| RelayError::Event {
            position: event.position,
            event_type: event.event_type.clone(),
            source,
        })?;
        for envelope in envelopes {
            let started = std::time::Instant::now();
            let message_type = envelope.message_type.clone();
            self.bus.publish(envelope).await?;
            metrics::histogram!("emporium_message_publish_seconds", "message_type" => message_type)
                .record(started.elapsed().as_secs_f64());
        }
        Ok(())
    }

    /// What `event` publishes: the command a saga issued, or the context's own messages.
    fn messages_for(&self, event: &RecordedEvent) -> Result<Vec<Envelope>, PublishError> {
        if event.event_type != crate::saga::COMMAND_ISSUED {
            return self.publications.messages_for(event);
        }
        match event.decode::<crate::saga::SagaEvent>()? {
            crate::saga::SagaEvent::SagaCommandIssued { envelope, .. } => Ok(vec![envelope]),
            _ => Ok(Vec::new()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bus(#[from] crate::bus::BusError),
    /// This event cannot be published; the relay must not move past it.
    #[error("event at {position:?} ({event_type}) cannot be published: {source}")]
    Event { position: Position, event_type: String, source: PublishError },
}

fn backoff(failures: u32) -> Duration {
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

/// A context's reaction to messages from other contexts (or its own saga commands).
///
/// Handlers must be idempotent per message: claim the message in the inbox
/// ([`crate::event_store::UnitOfWork::claim_message`]) in the same transaction as the
/// effects, and skip the effects when the claim says it was handled before.
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

/// Feeds one queue's deliveries to a handler, retrying transient failures with backoff
/// and recording messages that keep failing in the context's `dead_letters` table.
pub struct Consumer {
    handler: Arc<dyn MessageHandler>,
    store: EventStore,
}

impl Consumer {
    /// A consumer writing dead letters to `store`'s database.
    pub fn new(handler: Arc<dyn MessageHandler>, store: EventStore) -> Self {
        Consumer { handler, store }
    }

    /// Declares the queue; call for every consumer before any relay publishes.
    pub async fn subscribe(&self, bus: &dyn Bus) -> Result<Box<dyn crate::bus::Subscription>, crate::bus::BusError> {
        bus.subscribe(self.handler.consumer(), &self.handler.message_types()).await
    }

    /// Consumes until cancelled.
    pub async fn run(self, mut subscription: Box<dyn crate::bus::Subscription>, cancel: CancellationToken) {
        loop {
            let delivery = tokio::select! {
                delivery = subscription.next() => delivery,
                _ = cancel.cancelled() => None,
            };
            let Some(delivery) = delivery else { break };
            tokio::select! {
                _ = self.process(delivery) => {}
                // Dropping an unsettled delivery leaves it unacknowledged: it comes back.
                _ = cancel.cancelled() => break,
            }
        }
    }

    async fn process(&self, delivery: Delivery) {
        let consumer = self.handler.consumer();
        let span = tracing::info_span!(
            "handle_message",
            consumer,
            message_type = %delivery.envelope.message_type,
            message_id = %delivery.envelope.message_id,
            correlation_id = ?delivery.envelope.correlation_id,
            redelivered = delivery.redelivered,
        );
        // `instrument`, not `span.enter()`: an entered guard must not live across `.await`.
        self.settle(delivery).instrument(span).await;
    }

    async fn settle(&self, delivery: Delivery) {
        let consumer = self.handler.consumer();
        let envelope = &delivery.envelope;
        let started = std::time::Instant::now();
        let mut attempt = 1;
        let outcome = loop {
            match self.handler.handle(envelope).await {
                Ok(()) => break Ok(()),
                Err(HandlerError::Transient(error)) if attempt < MAX_ATTEMPTS => {
                    tracing::warn!(%error, attempt, "handler failed; retrying");
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(error) => break Err(error),
            }
        };
        metrics::histogram!("emporium_message_handling_seconds", "consumer" => consumer)
            .record(started.elapsed().as_secs_f64());
        let settled = match outcome {
            Ok(()) => delivery.ack().await,
            Err(error) => {
                tracing::error!(%error, attempt, "message dead-lettered");
                metrics::counter!("emporium_dead_letters_total", "consumer" => consumer).increment(1);
                match self.record_dead_letter(envelope, &error.to_string(), attempt).await {
                    // Recorded: the bus may drop it.
                    Ok(()) => delivery.nack(false).await,
                    // Not even recorded: keep it on the bus so it is not lost.
                    Err(store_error) => {
                        tracing::error!(%store_error, "cannot record dead letter; requeueing");
                        tokio::time::sleep(backoff(MAX_ATTEMPTS)).await;
                        delivery.nack(true).await
                    }
                }
            }
        };
        if let Err(error) = settled {
            tracing::warn!(%error, "could not settle delivery; it will be redelivered");
        }
    }

    async fn record_dead_letter(&self, envelope: &Envelope, error: &str, attempts: u32) -> Result<(), StoreError> {
        let db = self.store.db();
        let json = serde_json::to_string(envelope).map_err(StoreError::Encode)?;
        let value = match db.backend() {
            crate::db::Backend::Sqlite => "$5",
            crate::db::Backend::Postgres => "cast($5 as jsonb)",
        };
        let sql = format!(
            "insert into dead_letters (id, consumer, message_id, message_type, envelope, error, attempts, failed_at) \
             values ($1, $2, $3, $4, {value}, $6, $7, $8)"
        );
        let mut uow = self.store.begin().await?;
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(self.handler.consumer())
            .bind(envelope.message_id.to_string())
            .bind(&envelope.message_type)
            .bind(json)
            .bind(error)
            .bind(i32::try_from(attempts).unwrap_or(i32::MAX))
            .bind(crate::time::format(self.store.clock().now()))
            .execute(uow.conn())
            .await?;
        uow.commit().await
    }
}
