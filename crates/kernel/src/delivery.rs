//! Embedded delivery: every consumer follows the producing context's event store directly.
//!
//! The event store already is a durable, ordered outbox, so a message is *accepted* the
//! moment the transaction that recorded its event commits; nothing waits for a consumer.
//! One [`Relay`] per producing context reads its events once, derives their messages, and
//! hands each to every subscription that wants its type. A subscription runs many
//! partitions at once (partition = the stream the event belongs to: the aggregate or saga
//! the message is about) and keeps order within each, so a slow or retried message holds
//! back only its own partition. Each subscription keeps its own checkpoint in the
//! consumer's database; it moves only past messages that were handled or dead-lettered, so
//! a crash replays (and the consumer's inbox drops the repeats), never loses.

use crate::bus::Envelope;
use crate::event_store::{EventStore, Position, RecordedEvent, StoreError};
use crate::messaging::{AppendWaiter, HandlerError, MAX_ATTEMPTS, MessageHandler, Publications, PublishError, backoff};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

/// Events a relay reads per query.
pub(crate) const READ_BATCH: i64 = 500;
/// Messages one subscription may have taken but not finished; the relay waits beyond it.
const MAX_IN_FLIGHT: usize = 1024;
/// How often a subscription's checkpoint is saved while it makes progress. A crash replays
/// at most this much work, which the consumers' inboxes then drop.
pub(crate) const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
/// A subscription whose source published nothing for it still saves its place this often,
/// so a restart does not reread a long stretch of irrelevant events.
const IDLE_CHECKPOINT_EVERY: Duration = Duration::from_secs(5);

/// What the runtime needs to stop delivery: gracefully, or at once as a crash would.
#[derive(Clone, Default)]
pub struct Lifecycle {
    /// Stop taking new work; finish what is in hand.
    pub stop: CancellationToken,
    /// Drop everything now, wherever it is.
    pub kill: CancellationToken,
    /// Every partition worker, so shutdown can wait for them.
    pub workers: TaskTracker,
}

/// A consumer's messages in hand: one FIFO queue per partition, each drained by at most one
/// worker, so partitions run concurrently and each keeps its order. Both ways of delivery
/// (following an event store, or a RabbitMQ queue) feed one of these.
pub(crate) struct Partitions {
    handler: Arc<dyn MessageHandler>,
    /// The consumer's own store: its dead letters live there.
    sink: EventStore,
    /// For redelivered messages: how many times handling may start before the message
    /// counts as one that kills its consumer.
    start_limit: Option<u32>,
    queues: Mutex<HashMap<String, VecDeque<Job>>>,
    permits: Arc<Semaphore>,
}

/// A message taken for handling, and what to do once it is finished.
pub(crate) struct Job {
    pub(crate) envelope: Envelope,
    /// Whether it came before, to a consumer that stopped without finishing it (the
    /// message may have killed it).
    pub(crate) redelivered: bool,
    pub(crate) done: Done,
    pub(crate) permit: OwnedSemaphorePermit,
}

/// What finishing a message means to where it came from.
pub(crate) enum Done {
    /// Embedded delivery: its ticket leaves the subscription's unfinished set, so the
    /// checkpoint may pass it.
    Ticket(Arc<Mutex<Progress>>, u64),
    /// RabbitMQ: the broker may forget it.
    Ack(lapin::Acker),
}

impl Done {
    /// Lets the source forget the message. A RabbitMQ ack is sent in the background: a
    /// partition's order is the order of handling, not of acks, so the next message need
    /// not wait for the wire (nor for a connection that broke meanwhile).
    pub(crate) fn finish(self, life: &Lifecycle) {
        match self {
            Done::Ticket(progress, ticket) => {
                progress.lock().expect("progress lock").unfinished.remove(&ticket);
            }
            Done::Ack(acker) => {
                // Tracked, so a stopping consumer sends its acks before the channel closes.
                life.workers.spawn(async move {
                    // A lost ack only means a redelivery, which the consumer's inbox drops.
                    let ack = acker.ack(lapin::options::BasicAckOptions::default());
                    match crate::amqp::within("an ack", ack).await {
                        Ok(_) => {}
                        Err(error @ crate::amqp::BrokerError::NoAnswer(_)) => {
                            tracing::warn!(%error, "gave up on an ack; the message will come again");
                        }
                        Err(error) => tracing::debug!(%error, "ack not delivered; the message will come again"),
                    }
                });
            }
        }
    }
}

impl Partitions {
    /// A consumer's partitions; `start_limit` as in [`Partitions::start_limit`].
    pub(crate) fn new(handler: Arc<dyn MessageHandler>, sink: EventStore, start_limit: Option<u32>) -> Arc<Partitions> {
        Arc::new(Partitions {
            handler,
            sink,
            start_limit,
            queues: Mutex::default(),
            permits: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        })
    }

    pub(crate) fn handler(&self) -> &Arc<dyn MessageHandler> {
        &self.handler
    }

    /// Room for one more message in hand; `None` when delivery stopped first.
    pub(crate) async fn permit(&self, life: &Lifecycle) -> Option<OwnedSemaphorePermit> {
        tokio::select! {
            permit = self.permits.clone().acquire_owned() => Some(permit.expect("the semaphore is never closed")),
            () = life.stop.cancelled() => None,
        }
    }

    /// Queues `job` behind the earlier messages of `partition`.
    pub(crate) fn push(self: &Arc<Self>, partition: &str, job: Job, life: &Lifecycle) {
        let mut queues = self.queues.lock().expect("partitions lock");
        if let Some(queue) = queues.get_mut(partition) {
            // Its worker is running and will come to it.
            queue.push_back(job);
            return;
        }
        queues.insert(partition.to_owned(), VecDeque::from([job]));
        let (partitions, partition, life_for_worker) = (self.clone(), partition.to_owned(), life.clone());
        let kill = life.kill.clone();
        life.workers.spawn(async move {
            tokio::select! {
                () = partitions.drain(partition, life_for_worker) => {}
                () = kill.cancelled() => {}
            }
        });
    }

    /// Handles a partition's messages in order until its queue is empty (or delivery stops:
    /// what is left is delivered again after a restart).
    async fn drain(&self, partition: String, life: Lifecycle) {
        loop {
            let job = {
                let mut queues = self.queues.lock().expect("partitions lock");
                let queue = queues.get_mut(&partition).expect("a worker's queue exists while it runs");
                match queue.pop_front() {
                    Some(job) if !life.stop.is_cancelled() => job,
                    _ => {
                        queues.remove(&partition);
                        return;
                    }
                }
            };
            let span = tracing::info_span!(
                "handle_message",
                otel.name = format!("{} {}", self.handler.consumer(), job.envelope.message_type),
                context = self.sink.db().name(),
                consumer = self.handler.consumer(),
                message_type = %job.envelope.message_type,
                message_id = %job.envelope.message_id,
                correlation_id = ?job.envelope.correlation_id,
                trace_id = tracing::field::Empty,
            );
            crate::telemetry::continue_trace(&span, job.envelope.traceparent.as_deref());
            if self.settle(&job.envelope, job.redelivered, &life.stop).instrument(span).await {
                job.done.finish(&life);
            }
            drop(job.permit);
        }
    }

    /// Handles one message, retrying transient failures, and dead-letters it when it keeps
    /// failing. Returns whether it is finished (handled or dead-lettered); `false` only when
    /// delivery stopped first.
    async fn settle(&self, envelope: &Envelope, redelivered: bool, stop: &CancellationToken) -> bool {
        let consumer = self.handler.consumer();
        if let (true, Some(limit)) = (redelivered, self.start_limit) {
            // The first start, before any redelivery, is not recorded: count it as made.
            match self.count_start(envelope).await.map(|recorded| recorded + 1) {
                Ok(starts) if starts >= limit => {
                    let error = format!(
                        "delivery limit reached: its consumer stopped {starts} times while handling it \
                         (a message that crashes or hangs its handler)"
                    );
                    let trace = crate::telemetry::current_trace_id();
                    tracing::error!(%error, tags.trace_id = trace, "message dead-lettered");
                    return record_dead_letter(&self.sink, consumer, &DeadLetter::of(envelope, error, starts), stop)
                        .await;
                }
                Ok(_) => {}
                Err(error) => {
                    // Not counted this time: the broker's own delivery limit is the backstop.
                    tracing::warn!(%error, "cannot count the start of a redelivered message");
                }
            }
        }
        // How far behind its event this consumer works: relay, queue and partition waits.
        let lag = (self.sink.clock().now() - envelope.occurred_at).to_std().unwrap_or_default();
        metrics::histogram!("emporium_message_lag_seconds", "consumer" => consumer).record(lag.as_secs_f64());
        let started = Instant::now();
        let mut attempt = 1;
        let outcome = loop {
            match self.handler.handle(envelope).await {
                Ok(()) => break Ok(()),
                Err(HandlerError::Transient(error)) if attempt < MAX_ATTEMPTS => {
                    tracing::warn!(%error, attempt, "handler failed; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(backoff(attempt)) => {}
                        () = stop.cancelled() => return false,
                    }
                    attempt += 1;
                }
                Err(error) => break Err(error),
            }
        };
        metrics::histogram!("emporium_message_handling_seconds", "consumer" => consumer)
            .record(started.elapsed().as_secs_f64());
        let Err(error) = outcome else { return true };
        let trace = crate::telemetry::current_trace_id();
        tracing::error!(%error, attempt, tags.trace_id = trace, "message dead-lettered");
        let letter = DeadLetter::of(envelope, error.to_string(), attempt);
        record_dead_letter(&self.sink, consumer, &letter, stop).await
    }
}

impl Partitions {
    /// Records that handling `envelope` starts again; returns how many recorded starts
    /// came before this one.
    async fn count_start(&self, envelope: &Envelope) -> Result<u32, StoreError> {
        let mut uow = self.sink.begin().await?;
        let starts: i32 = sqlx::query_scalar(
            "insert into delivery_starts (consumer, message_id, starts) values ($1, $2, 1) \
             on conflict (consumer, message_id) do update set starts = delivery_starts.starts + 1 \
             returning starts",
        )
        .bind(self.handler.consumer())
        .bind(envelope.message_id.to_string())
        .fetch_one(uow.conn())
        .await?;
        uow.commit().await?;
        Ok(u32::try_from(starts - 1).unwrap_or_default())
    }
}

/// A message its consumer gave up on, as the operator will see it.
pub(crate) struct DeadLetter {
    pub(crate) message_id: String,
    pub(crate) message_type: String,
    /// The whole envelope (or, when it did not decode, what arrived).
    pub(crate) envelope: serde_json::Value,
    pub(crate) error: String,
    pub(crate) attempts: u32,
}

impl DeadLetter {
    pub(crate) fn of(envelope: &Envelope, error: String, attempts: u32) -> DeadLetter {
        DeadLetter {
            message_id: envelope.message_id.to_string(),
            message_type: envelope.message_type.clone(),
            envelope: serde_json::to_value(envelope).unwrap_or_default(),
            error,
            attempts,
        }
    }
}

/// Records `letter` in `sink`'s dead letters, retrying until it is stored (never finished
/// without a record). Returns `false` only when delivery stopped first.
pub(crate) async fn record_dead_letter(
    sink: &EventStore,
    consumer: &str,
    letter: &DeadLetter,
    stop: &CancellationToken,
) -> bool {
    metrics::counter!("emporium_dead_letters_total", "consumer" => consumer.to_owned()).increment(1);
    let mut failures = 0;
    while let Err(store_error) = insert_dead_letter(sink, consumer, letter).await {
        failures += 1;
        tracing::error!(%store_error, "cannot record dead letter; retrying");
        tokio::select! {
            () = tokio::time::sleep(backoff(failures)) => {}
            () = stop.cancelled() => return false,
        }
    }
    true
}

async fn insert_dead_letter(sink: &EventStore, consumer: &str, letter: &DeadLetter) -> Result<(), StoreError> {
    let db = sink.db();
    let value = match db.backend() {
        crate::db::Backend::Sqlite => "$5",
        crate::db::Backend::Postgres => "cast($5 as jsonb)",
    };
    let sql = format!(
        "insert into dead_letters (id, consumer, message_id, message_type, envelope, error, attempts, failed_at) \
         values ($1, $2, $3, $4, {value}, $6, $7, $8)"
    );
    let mut uow = sink.begin().await?;
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(consumer)
        .bind(&letter.message_id)
        .bind(&letter.message_type)
        .bind(letter.envelope.to_string())
        .bind(&letter.error)
        .bind(i32::try_from(letter.attempts).unwrap_or(i32::MAX))
        .bind(crate::time::format(sink.clock().now()))
        .execute(uow.conn())
        .await?;
    uow.commit().await
}

/// One consumer's view of one producing context: which messages it wants and how far it
/// has got.
pub struct Subscription {
    partitions: Arc<Partitions>,
    /// The consumer's own store: its checkpoint lives there.
    sink: EventStore,
    wanted: HashSet<&'static str>,
    checkpoint_name: String,
    progress: Arc<Mutex<Progress>>,
}

/// Which messages a subscription has taken and which are finished.
#[derive(Default)]
pub(crate) struct Progress {
    next_ticket: u64,
    /// Unfinished messages by ticket (read order), each with the position a checkpoint may
    /// safely stand at while it is unfinished: that of the event read before its own.
    unfinished: BTreeMap<u64, Position>,
    /// The last event the relay has gone through for this subscription.
    read: Position,
    saved: Position,
    /// Whether a message was taken since the last save.
    busy: bool,
}

impl Progress {
    fn safe_checkpoint(&self) -> Position {
        self.unfinished.first_key_value().map_or(self.read, |(_, before)| *before)
    }
}

impl Subscription {
    /// `handler`'s subscription to the messages of context `source`, saving its checkpoint
    /// and dead letters in `sink`.
    pub fn new(handler: Arc<dyn MessageHandler>, sink: EventStore, source: &str) -> Arc<Subscription> {
        let wanted = handler.message_types().into_iter().collect();
        let checkpoint_name = format!("delivery:{}<-{source}", handler.consumer());
        Arc::new(Subscription {
            partitions: Partitions::new(handler, sink.clone(), None),
            sink,
            wanted,
            checkpoint_name,
            progress: Arc::default(),
        })
    }

    async fn load_checkpoint(&self) -> Result<Position, StoreError> {
        let position = self.sink.checkpoint(&self.checkpoint_name).await?;
        let mut progress = self.progress.lock().expect("progress lock");
        progress.read = position;
        progress.saved = position;
        Ok(position)
    }

    /// Takes `envelope` (derived from the event after `before`) into its partition; `false`
    /// when delivery stopped first, and then the event must not count as read.
    async fn take(&self, partition: &str, envelope: Envelope, before: Position, life: &Lifecycle) -> bool {
        let Some(permit) = self.partitions.permit(life).await else { return false };
        let ticket = {
            let mut progress = self.progress.lock().expect("progress lock");
            let ticket = progress.next_ticket;
            progress.next_ticket += 1;
            progress.unfinished.insert(ticket, before);
            progress.busy = true;
            ticket
        };
        let done = Done::Ticket(self.progress.clone(), ticket);
        self.partitions.push(partition, Job { envelope, redelivered: false, done, permit }, life);
        true
    }

    /// Saves the checkpoint when it moved (and, for a subscription with nothing to do,
    /// only now and then).
    async fn save_checkpoint(&self, idle_due: bool) -> Result<(), StoreError> {
        let position = {
            let progress = self.progress.lock().expect("progress lock");
            let position = progress.safe_checkpoint();
            if position == progress.saved || !(progress.busy || idle_due) {
                return Ok(());
            }
            position
        };
        let mut uow = self.sink.begin_derived().await?;
        uow.save_checkpoint(&self.checkpoint_name, position).await?;
        uow.commit().await?;
        let mut progress = self.progress.lock().expect("progress lock");
        progress.saved = position;
        progress.busy = false;
        Ok(())
    }
}

/// Reads one context's events once and delivers their messages to its subscriptions.
pub struct Relay {
    source: EventStore,
    publications: Arc<dyn Publications>,
    subscriptions: Vec<Arc<Subscription>>,
}

impl Relay {
    /// A relay for `source`'s events, which `publications` turns into messages.
    pub fn new(
        source: EventStore,
        publications: Arc<dyn Publications>,
        subscriptions: Vec<Arc<Subscription>>,
    ) -> Relay {
        Relay { source, publications, subscriptions }
    }

    /// Delivers until stopped, saving the subscriptions' checkpoints as they move.
    pub async fn run(self, life: Lifecycle) {
        let saver = save_checkpoints(self.subscriptions.clone(), life.clone());
        tokio::join!(self.deliver(&life), saver);
    }

    async fn deliver(&self, life: &Lifecycle) {
        let context = self.source.db().name().to_owned();
        let start = loop {
            match self.load_checkpoints().await {
                Ok(start) => break start,
                Err(error) => {
                    tracing::warn!(relay = %context, %error, "cannot read checkpoints; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        () = life.stop.cancelled() => return,
                    }
                }
            }
        };
        follow(&self.source, life, &mut Cursor { relay: self, after: start }).await;
    }

    /// Where reading starts: the least advanced subscription's checkpoint.
    async fn load_checkpoints(&self) -> Result<Position, StoreError> {
        let mut start: Option<Position> = None;
        for subscription in &self.subscriptions {
            let position = subscription.load_checkpoint().await?;
            start = Some(start.map_or(position, |s| s.min(position)));
        }
        Ok(start.unwrap_or_default())
    }

    /// Delivers the events after `after`, moving it along; returns how many were read.
    async fn deliver_batch(&self, after: &mut Position, life: &Lifecycle) -> Result<usize, RelayError> {
        let events = self.source.read_all(*after, READ_BATCH).await?;
        for event in &events {
            if life.stop.is_cancelled() {
                break;
            }
            let envelopes = messages_for(self.publications.as_ref(), event).map_err(|source| RelayError::Event {
                position: event.position,
                event_type: event.event_type.clone(),
                source,
            })?;
            for subscription in &self.subscriptions {
                if event.position <= subscription.progress.lock().expect("progress lock").read {
                    continue; // handled before a restart
                }
                for envelope in envelopes.iter().filter(|e| subscription.wanted.contains(e.message_type.as_str())) {
                    if !subscription.take(&event.stream_id, envelope.clone(), *after, life).await {
                        return Ok(events.len()); // stopping: this event stays unread
                    }
                }
                subscription.progress.lock().expect("progress lock").read = event.position;
            }
            *after = event.position;
        }
        Ok(events.len())
    }
}

/// What `event` publishes: the command a saga issued, or the context's own messages, each
/// marked with the event's stream (its partition) and version.
pub(crate) fn messages_for(
    publications: &dyn Publications,
    event: &RecordedEvent,
) -> Result<Vec<Envelope>, PublishError> {
    let mut messages = if event.event_type == crate::saga::COMMAND_ISSUED {
        match event.decode::<crate::saga::SagaEvent>()? {
            // A command carried out in place has had its effect already.
            crate::saga::SagaEvent::SagaCommandIssued { envelope, in_place: false, .. } => vec![envelope],
            _ => Vec::new(),
        }
    } else {
        publications.messages_for(event)?
    };
    for message in &mut messages {
        message.source_stream = Some(event.stream_id.clone());
        message.source_version = Some(event.stream_version);
    }
    Ok(messages)
}

/// A relay's reading position and what it does with each batch of events.
pub(crate) trait Batches: Send {
    /// Delivers the next events, moving the position along; returns how many were read.
    fn deliver_batch(&mut self, life: &Lifecycle) -> impl Future<Output = Result<usize, RelayError>> + Send;
}

/// An embedded relay at its reading position.
struct Cursor<'a> {
    relay: &'a Relay,
    after: Position,
}

impl Batches for Cursor<'_> {
    async fn deliver_batch(&mut self, life: &Lifecycle) -> Result<usize, RelayError> {
        self.relay.deliver_batch(&mut self.after, life).await
    }
}

/// Runs `batches` until stopped: again at once after a full batch, after the next
/// append when it reached the end, and after a growing pause when it failed. An event that
/// cannot be published stalls the relay there, loudly (`emporium_relay_stalled`).
pub(crate) async fn follow(source: &EventStore, life: &Lifecycle, batches: &mut impl Batches) {
    let context = source.db().name().to_owned();
    let stalled = metrics::gauge!("emporium_relay_stalled", "context" => context.clone());
    let mut appends = AppendWaiter::new(source);
    let mut failures = 0u32;
    while !life.stop.is_cancelled() {
        match batches.deliver_batch(life).await {
            Ok(read) => {
                if failures > 0 {
                    tracing::info!(relay = %context, "relay resumed");
                    stalled.set(0.0);
                    failures = 0;
                }
                // A short read reached the end: wait rather than ask again at once.
                if read < READ_BATCH as usize {
                    appends.wait(&life.stop).await;
                }
            }
            Err(error) => {
                failures += 1;
                if let RelayError::Event { position, event_type, .. } = &error {
                    // Never skipped: everything behind this event waits until it is mended.
                    stalled.set(1.0);
                    tracing::error!(relay = %context, ?position, %event_type, %error,
                        "relay stalled: cannot publish this event");
                } else {
                    tracing::warn!(relay = %context, %error, "relay failed; retrying");
                }
                tokio::select! {
                    () = tokio::time::sleep(backoff(failures)) => {}
                    () = life.stop.cancelled() => {}
                }
            }
        }
    }
}

/// Saves every subscription's checkpoint as it moves, and a last time on the way out.
async fn save_checkpoints(subscriptions: Vec<Arc<Subscription>>, life: Lifecycle) {
    let mut last_idle_save = Instant::now();
    loop {
        let stopping = tokio::select! {
            () = tokio::time::sleep(CHECKPOINT_EVERY) => false,
            () = life.stop.cancelled() => true,
            () = life.kill.cancelled() => return,
        };
        if stopping {
            // Finished messages of stopping workers count; unfinished ones keep their place.
            life.workers.close();
            tokio::select! {
                () = life.workers.wait() => {}
                () = life.kill.cancelled() => return,
            }
        }
        let idle_due = stopping || last_idle_save.elapsed() >= IDLE_CHECKPOINT_EVERY;
        for subscription in &subscriptions {
            if let Err(error) = subscription.save_checkpoint(idle_due).await {
                tracing::warn!(checkpoint = %subscription.checkpoint_name, %error, "cannot save checkpoint; retrying");
            }
        }
        if idle_due {
            last_idle_save = Instant::now();
        }
        if stopping {
            return;
        }
    }
}

/// Why a relay could not deliver a batch.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RelayError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The broker did not take the messages (down, restarting, refused them): retried.
    #[error("broker: {0}")]
    Broker(String),
    /// This event cannot be published; the relay must not move past it.
    #[error("event at {position:?} ({event_type}) cannot be published: {source}")]
    Event { position: Position, event_type: String, source: PublishError },
}
