//! Delivery over RabbitMQ, for contexts that run in separate processes.
//!
//! Each producing context's relay follows its own event store (still the outbox) and
//! publishes every message to one topic exchange, persistent and with publisher confirms;
//! its checkpoint moves only past confirmed messages, so a crash or a broker restart
//! republishes (consumers' inboxes drop the repeats) and never loses.
//!
//! **Order per partition.** A message's partition is the stream of the event it comes from.
//! The publisher hashes the partition to one of `shards` routing keys
//! (`<message type>.<shard>`), and every consumer has one durable quorum queue per shard,
//! declared with single-active-consumer: however many replicas of a consumer run, each shard
//! queue feeds exactly one of them, in publish order, and another takes over when it stops.
//! Inside the process the shard's messages are split by partition again and handled
//! concurrently, each partition in order, as embedded delivery does. The hashing is done by
//! the publisher (FNV-1a, fixed forever) rather than by the consistent-hash exchange plugin,
//! so a stock broker needs no plugin.
//!
//! **Failures.** Transient handler failures are retried in place while the message stays
//! unacknowledged, holding back only its partition; a message that keeps failing is
//! recorded in the consumer's dead letters and acknowledged. A message whose consumer dies
//! while holding it comes back marked redelivered. The broker's own count of returns cannot
//! tell a message that kills its consumer from the innocent ones prefetched behind it (a
//! crash returns them all), so the consumer counts *starts* of redelivered messages in its
//! own database, and past `delivery_limit` starts records the message as a dead letter
//! instead of handling it. The queue's `x-delivery-limit`, set to
//! [`BROKER_LIMIT_FACTOR`] times that, is the backstop for a message that kills its consumer
//! before it can be counted; the broker then moves it to the consumer's dead-letter queue,
//! whose watcher records it with the other dead letters. Either way the partition moves on.

use crate::bus::Envelope;
use crate::delivery::{
    Batches, CHECKPOINT_EVERY, DeadLetter, Done, Job, Lifecycle, Partitions, READ_BATCH, RelayError, follow,
    messages_for, record_dead_letter,
};
use crate::event_store::{EventStore, Position};
use crate::messaging::{MessageHandler, Publications, backoff};
use futures::StreamExt;
use lapin::options::{
    BasicCancelOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The queue's `x-delivery-limit` as a multiple of the consumer's own start limit: high
/// enough that messages returned only because they waited behind a poison one never reach it.
pub const BROKER_LIMIT_FACTOR: u32 = 10;

/// The longest the platform waits for any one answer from the broker (a connection, a
/// channel, a confirm, an ack being sent). When a connection breaks at the wrong moment
/// lapin can leave a promise unanswered; a wait without end would freeze a relay, or a
/// partition behind an ack, for good, while a wait that gives up costs only a retry (or a
/// redelivery, which the consumer's inbox drops).
pub const BROKER_WAIT: Duration = Duration::from_secs(15);

/// Why talking to the broker failed.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The broker (or the connection to it) refused or failed.
    #[error(transparent)]
    Amqp(#[from] lapin::Error),
    /// No answer came within [`BROKER_WAIT`].
    #[error("the broker did not answer {0} within {BROKER_WAIT:?}")]
    NoAnswer(&'static str),
}

/// Waits at most [`BROKER_WAIT`] for `answer`, the broker's answer to `what`.
pub(crate) async fn within<T>(
    what: &'static str,
    answer: impl Future<Output = Result<T, lapin::Error>>,
) -> Result<T, BrokerError> {
    match tokio::time::timeout(BROKER_WAIT, answer).await {
        Ok(answer) => Ok(answer?),
        Err(_elapsed) => Err(BrokerError::NoAnswer(what)),
    }
}

/// How the platform reaches RabbitMQ and names what it declares there.
#[derive(Debug, Clone)]
pub struct AmqpSettings {
    /// `amqp://user:password@host:port/vhost`.
    pub url: String,
    /// Prefix of every exchange and queue name, so installations can share a broker.
    pub namespace: String,
    /// Queues per consumer: the most replicas of one consumer that can work at once.
    /// Changing it re-routes partitions, so change it only with the queues drained.
    pub shards: u16,
    /// Times handling may start before a redelivered message counts as one that kills its
    /// consumer and is dead-lettered.
    pub delivery_limit: u32,
    /// Unacknowledged messages the broker sends one shard's consumer ahead.
    pub prefetch: u16,
}

/// Names of what the platform declares on the broker.
struct Names<'a>(&'a str);

impl Names<'_> {
    fn exchange(&self) -> String {
        format!("{}.messages", self.0)
    }
    fn dead_letter_exchange(&self) -> String {
        format!("{}.dead-letters", self.0)
    }
    fn queue(&self, consumer: &str, shard: u16) -> String {
        format!("{}.{consumer}.{shard}", self.0)
    }
    fn dead_letter_queue(&self, consumer: &str) -> String {
        format!("{}.{consumer}.dead-letters", self.0)
    }
}

/// The shard of `partition`: FNV-1a, so every build of every process agrees.
fn shard_of(partition: &str, shards: u16) -> u16 {
    let hash = partition
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3));
    u16::try_from(hash % u64::from(shards.max(1))).expect("below a u16")
}

/// A connection to RabbitMQ, opened again after it breaks; every relay and consumer takes
/// its own channels from it.
pub struct Broker {
    settings: AmqpSettings,
    connection: Mutex<Option<Connection>>,
}

impl Broker {
    /// A broker at `settings.url`; nothing connects until it is first used.
    pub fn new(settings: AmqpSettings) -> Arc<Broker> {
        Arc::new(Broker { settings, connection: Mutex::new(None) })
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &AmqpSettings {
        &self.settings
    }

    fn names(&self) -> Names<'_> {
        Names(&self.settings.namespace)
    }

    async fn channel(&self) -> Result<Channel, BrokerError> {
        let mut connection = self.connection.lock().await;
        if let Some(open) = connection.as_ref().filter(|c| c.status().connected()) {
            return within("a new channel", open.create_channel()).await;
        }
        let properties = ConnectionProperties::default().with_connection_name("emporium".into());
        let opened = within("a connection", Connection::connect(&self.settings.url, properties)).await?;
        let channel = within("a new channel", opened.create_channel()).await;
        *connection = Some(opened);
        channel
    }

    /// Declares the exchanges, and every consumer's shard queues with their bindings and
    /// its dead-letter queue. Runs before any relay publishes, so no message is routed to
    /// a queue that does not exist yet.
    pub async fn declare(&self, handlers: &[Arc<dyn MessageHandler>]) -> Result<(), BrokerError> {
        let channel = self.channel().await?;
        let names = self.names();
        let durable = ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() };
        channel.exchange_declare(names.exchange().into(), ExchangeKind::Topic, durable, FieldTable::default()).await?;
        let dead_letters = names.dead_letter_exchange();
        channel
            .exchange_declare(dead_letters.as_str().into(), ExchangeKind::Direct, durable, FieldTable::default())
            .await?;
        let queue_options = QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() };
        for handler in handlers {
            let consumer = handler.consumer();
            let dead_letter_queue = names.dead_letter_queue(consumer);
            channel.queue_declare(dead_letter_queue.as_str().into(), queue_options, quorum()).await?;
            channel
                .queue_bind(
                    dead_letter_queue.into(),
                    dead_letters.as_str().into(),
                    consumer.into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
            for shard in 0..self.settings.shards {
                let queue = names.queue(consumer, shard);
                let mut arguments = quorum();
                arguments.insert("x-single-active-consumer".into(), AMQPValue::Boolean(true));
                arguments.insert(
                    "x-delivery-limit".into(),
                    AMQPValue::LongLongInt((self.settings.delivery_limit * BROKER_LIMIT_FACTOR).into()),
                );
                arguments.insert("x-dead-letter-exchange".into(), AMQPValue::LongString(dead_letters.as_str().into()));
                arguments.insert("x-dead-letter-routing-key".into(), AMQPValue::LongString(consumer.into()));
                channel.queue_declare(queue.as_str().into(), queue_options, arguments).await?;
                for message_type in handler.message_types() {
                    channel
                        .queue_bind(
                            queue.as_str().into(),
                            names.exchange().into(),
                            format!("{message_type}.{shard}").into(),
                            QueueBindOptions::default(),
                            FieldTable::default(),
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Deletes everything [`Broker::declare`] made for `consumers`, messages included (for
    /// test installations that come and go).
    pub async fn delete(&self, consumers: &[&str]) -> Result<(), BrokerError> {
        let channel = self.channel().await?;
        let names = self.names();
        for consumer in consumers {
            for shard in 0..self.settings.shards {
                channel.queue_delete(names.queue(consumer, shard).into(), QueueDeleteOptions::default()).await?;
            }
            channel.queue_delete(names.dead_letter_queue(consumer).into(), QueueDeleteOptions::default()).await?;
        }
        channel.exchange_delete(names.exchange().into(), Default::default()).await?;
        channel.exchange_delete(names.dead_letter_exchange().into(), Default::default()).await?;
        Ok(())
    }

    /// Closes the connection: the broker returns whatever is still unacknowledged.
    pub async fn close(&self) {
        if let Some(connection) = self.connection.lock().await.take() {
            let _ = within("connection.close", connection.close(200, "shutting down".into())).await;
        }
    }
}

fn quorum() -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert("x-queue-type".into(), AMQPValue::LongString("quorum".into()));
    arguments
}

/// Publishes one context's messages to the broker, following its event store.
pub struct AmqpRelay {
    source: EventStore,
    publications: Arc<dyn Publications>,
    broker: Arc<Broker>,
}

impl AmqpRelay {
    /// A relay for `source`'s events, which `publications` turns into messages.
    pub fn new(source: EventStore, publications: Arc<dyn Publications>, broker: Arc<Broker>) -> AmqpRelay {
        AmqpRelay { source, publications, broker }
    }

    fn checkpoint_name(&self) -> String {
        format!("amqp:{}", self.broker.settings.namespace)
    }

    /// Publishes until stopped.
    pub async fn run(self, life: Lifecycle) {
        let start = loop {
            match self.source.checkpoint(&self.checkpoint_name()).await {
                Ok(start) => break start,
                Err(error) => {
                    tracing::warn!(%error, "cannot read the publisher's checkpoint; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(CHECKPOINT_EVERY * 4) => {}
                        () = life.stop.cancelled() => return,
                    }
                }
            }
        };
        let mut publisher =
            Publisher { relay: &self, channel: None, confirmed: start, saved: start, last_save: Instant::now() };
        follow(&self.source, &life, &mut publisher).await;
        if let Err(error) = publisher.save_checkpoint().await {
            tracing::warn!(%error, "cannot save the publisher's checkpoint on the way out");
        }
    }
}

/// A relay's publishing state: its channel and how far the broker has confirmed.
struct Publisher<'a> {
    relay: &'a AmqpRelay,
    channel: Option<Channel>,
    confirmed: Position,
    saved: Position,
    last_save: Instant,
}

impl Publisher<'_> {
    async fn open_channel(&mut self) -> Result<Channel, RelayError> {
        if let Some(channel) = self.channel.as_ref().filter(|c| c.status().connected()) {
            return Ok(channel.clone());
        }
        let channel = self.relay.broker.channel().await.map_err(broker_error)?;
        within("confirm.select", channel.confirm_select(ConfirmSelectOptions::default()))
            .await
            .map_err(broker_error)?;
        self.channel = Some(channel.clone());
        Ok(channel)
    }

    /// Publishes `envelopes` and waits for the broker to confirm every one of them.
    async fn publish_confirmed(&mut self, envelopes: &[Envelope]) -> Result<(), RelayError> {
        if envelopes.is_empty() {
            return Ok(());
        }
        let channel = self.open_channel().await?;
        let exchange = self.relay.broker.names().exchange();
        let shards = self.relay.broker.settings.shards;
        let mut confirms = Vec::with_capacity(envelopes.len());
        for envelope in envelopes {
            let routing_key = format!("{}.{}", envelope.message_type, shard_of(&envelope.partition(), shards));
            let body = serde_json::to_vec(envelope).map_err(|e| RelayError::Broker(e.to_string()))?;
            let publish = channel.basic_publish(
                exchange.as_str().into(),
                routing_key.into(),
                BasicPublishOptions::default(),
                &body,
                properties(envelope),
            );
            let confirm = within("a publish", publish).await.map_err(broker_error)?;
            confirms.push(confirm);
        }
        for confirm in confirms {
            match within("a publisher confirm", confirm).await.map_err(broker_error)? {
                Confirmation::Ack(_) => {}
                Confirmation::Nack(_) | Confirmation::NotRequested => {
                    return Err(RelayError::Broker("the broker did not take a message".to_owned()));
                }
            }
        }
        Ok(())
    }

    async fn save_checkpoint(&mut self) -> Result<(), crate::event_store::StoreError> {
        if self.confirmed == self.saved {
            return Ok(());
        }
        let mut uow = self.relay.source.begin_derived().await?;
        uow.save_checkpoint(&self.relay.checkpoint_name(), self.confirmed).await?;
        uow.commit().await?;
        self.saved = self.confirmed;
        self.last_save = Instant::now();
        Ok(())
    }
}

impl Batches for Publisher<'_> {
    async fn deliver_batch(&mut self, _life: &Lifecycle) -> Result<usize, RelayError> {
        let result = self.publish_batch().await;
        if let Err(RelayError::Broker(_)) = &result {
            self.channel = None; // open a fresh one next time
        }
        if self.last_save.elapsed() >= CHECKPOINT_EVERY {
            self.save_checkpoint().await?;
        }
        result
    }
}

impl Publisher<'_> {
    /// Publishes the messages of the next events. An event that cannot be published ends
    /// the batch after everything before it is confirmed, so only it holds the relay back.
    async fn publish_batch(&mut self) -> Result<usize, RelayError> {
        let events = self.relay.source.read_all(self.confirmed, READ_BATCH).await?;
        let mut envelopes = Vec::new();
        let mut last_good = self.confirmed;
        let mut stall = None;
        for event in &events {
            match messages_for(self.relay.publications.as_ref(), event) {
                Ok(messages) => {
                    envelopes.extend(messages);
                    last_good = event.position;
                }
                Err(source) => {
                    stall = Some(RelayError::Event {
                        position: event.position,
                        event_type: event.event_type.clone(),
                        source,
                    });
                    break;
                }
            }
        }
        self.publish_confirmed(&envelopes).await?;
        self.confirmed = last_good;
        match stall {
            Some(error) => Err(error),
            None => Ok(events.len()),
        }
    }
}

fn broker_error(error: BrokerError) -> RelayError {
    RelayError::Broker(error.to_string())
}

/// Persistent, typed and traceable: what a message carries besides its body.
fn properties(envelope: &Envelope) -> BasicProperties {
    let mut headers = FieldTable::default();
    headers.insert("partition".into(), AMQPValue::LongString(envelope.partition().as_ref().into()));
    if let Some(traceparent) = &envelope.traceparent {
        headers.insert("traceparent".into(), AMQPValue::LongString(traceparent.as_str().into()));
    }
    let properties = BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_message_id(envelope.message_id.to_string().into())
        .with_type(envelope.message_type.as_str().into())
        .with_app_id(envelope.source.as_str().into())
        .with_timestamp(u64::try_from(envelope.occurred_at.timestamp()).unwrap_or_default())
        .with_headers(headers);
    match envelope.correlation_id {
        Some(correlation) => properties.with_correlation_id(correlation.to_string().into()),
        None => properties,
    }
}

/// One consumer's shard queues and dead-letter queue on the broker.
pub struct AmqpConsumer {
    partitions: Arc<Partitions>,
    sink: EventStore,
    broker: Arc<Broker>,
}

impl AmqpConsumer {
    /// `handler`'s consumer, recording dead letters in `sink` (its own store).
    pub fn new(handler: Arc<dyn MessageHandler>, sink: EventStore, broker: Arc<Broker>) -> AmqpConsumer {
        let partitions = Partitions::new(handler, sink.clone(), Some(broker.settings.delivery_limit));
        AmqpConsumer { partitions, sink, broker }
    }

    fn consumer(&self) -> &'static str {
        self.partitions.handler().consumer()
    }

    /// Consumes every shard and the dead-letter queue until stopped.
    pub async fn run(self, life: Lifecycle) {
        let this = &self;
        let shards = (0..self.broker.settings.shards).map(|shard| {
            let queue = self.broker.names().queue(self.consumer(), shard);
            let life = &life;
            async move { this.keep_consuming(&queue, Role::Handle, life).await }
        });
        let dead_letters = self.broker.names().dead_letter_queue(self.consumer());
        tokio::join!(futures::future::join_all(shards), self.keep_consuming(&dead_letters, Role::Record, &life));
    }

    /// Consumes `queue`, opening a new channel whenever the old one breaks.
    async fn keep_consuming(&self, queue: &str, role: Role, life: &Lifecycle) {
        let mut failures = 0;
        while !life.stop.is_cancelled() {
            match self.consume(queue, role, life).await {
                Ok(()) => return,
                Err(error) => {
                    failures += 1;
                    tracing::warn!(%queue, %error, "consuming failed; connecting again");
                    tokio::select! {
                        () = tokio::time::sleep(backoff(failures.min(5))) => {}
                        () = life.stop.cancelled() => return,
                    }
                }
            }
        }
    }

    async fn consume(&self, queue: &str, role: Role, life: &Lifecycle) -> Result<(), String> {
        let channel = self.broker.channel().await.map_err(|e| e.to_string())?;
        within("basic.qos", channel.basic_qos(self.broker.settings.prefetch, BasicQosOptions::default()))
            .await
            .map_err(|e| e.to_string())?;
        let tag = format!("{}-{}", self.consumer(), uuid::Uuid::new_v4().simple());
        let consume = channel.basic_consume(
            queue.into(),
            tag.as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        );
        let mut deliveries = within("basic.consume", consume).await.map_err(|e| e.to_string())?;
        loop {
            let delivery = tokio::select! {
                delivery = deliveries.next() => delivery,
                () = life.stop.cancelled() => break,
            };
            let delivery = match delivery {
                Some(delivery) => delivery.map_err(|e| e.to_string())?,
                None => return Err("the broker ended the consumer".to_owned()),
            };
            let taken = match role {
                Role::Handle => self.take(delivery, life).await,
                Role::Record => self.record(delivery, life).await,
            };
            if !taken {
                break;
            }
        }
        // Stopping: hand nothing more out, and let the messages in hand finish and be
        // acknowledged on this channel before it closes.
        let _ = within("basic.cancel", channel.basic_cancel(tag.as_str().into(), BasicCancelOptions::default())).await;
        life.workers.close();
        tokio::select! {
            () = life.workers.wait() => {}
            () = life.kill.cancelled() => {}
        }
        Ok(())
    }

    /// Queues a delivery behind its partition; `false` when delivery stopped first (the
    /// broker gets it back when the channel closes).
    async fn take(&self, delivery: lapin::message::Delivery, life: &Lifecycle) -> bool {
        let envelope = match serde_json::from_slice::<Envelope>(&delivery.data) {
            Ok(envelope) => envelope,
            Err(error) => {
                // Never handled, so never retried: straight to the dead letters.
                let letter = unreadable(&delivery, format!("the message is not an envelope: {error}"));
                return self.record_and_ack(&letter, delivery.acker, life).await;
            }
        };
        let Some(permit) = self.partitions.permit(life).await else { return false };
        let partition = envelope.partition().into_owned();
        let job = Job { envelope, redelivered: delivery.redelivered, done: Done::Ack(delivery.acker), permit };
        self.partitions.push(&partition, job, life);
        true
    }

    /// Records a message the broker dead-lettered (its delivery limit was reached).
    async fn record(&self, delivery: lapin::message::Delivery, life: &Lifecycle) -> bool {
        let deliveries = self.broker.settings.delivery_limit * BROKER_LIMIT_FACTOR;
        let error = format!(
            "delivery limit reached: the broker delivered it {deliveries} times and no consumer \
             finished it (a message that crashes or hangs its consumer)"
        );
        let letter = match serde_json::from_slice::<Envelope>(&delivery.data) {
            Ok(envelope) => DeadLetter::of(&envelope, error, deliveries),
            Err(_) => unreadable(&delivery, error),
        };
        self.record_and_ack(&letter, delivery.acker, life).await
    }

    async fn record_and_ack(&self, letter: &DeadLetter, acker: lapin::Acker, life: &Lifecycle) -> bool {
        tracing::error!(consumer = self.consumer(), message_id = %letter.message_id, error = %letter.error,
            "message dead-lettered");
        if !record_dead_letter(&self.sink, self.consumer(), letter, &life.stop).await {
            return false;
        }
        Done::Ack(acker).finish(life);
        true
    }
}

/// What a consumer does with a queue's messages.
#[derive(Clone, Copy)]
enum Role {
    /// Hand them to the handler.
    Handle,
    /// Record them as dead letters.
    Record,
}

/// A dead letter for a delivery whose body is not an envelope: what arrived, as text.
fn unreadable(delivery: &lapin::message::Delivery, error: String) -> DeadLetter {
    let properties = &delivery.properties;
    DeadLetter {
        message_id: properties.message_id().as_ref().map_or_else(|| "unknown".to_owned(), ShortString::to_string),
        message_type: properties.kind().as_ref().map_or_else(|| "unknown".to_owned(), ShortString::to_string),
        envelope: serde_json::Value::String(String::from_utf8_lossy(&delivery.data).into_owned()),
        error,
        attempts: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::shard_of;

    #[test]
    fn a_partition_always_hashes_to_the_same_shard() {
        // Fixed values: publishers and consumers built at different times must agree.
        assert_eq!(shard_of("order-1", 4), shard_of("order-1", 4));
        assert_eq!(shard_of("", 4), 1);
        assert_eq!(shard_of("a", 1024), 0xaf63_dc4c_8601_ec8c_u64 as u16 % 1024);
        let used: std::collections::HashSet<u16> = (0..100).map(|i| shard_of(&format!("stream-{i}"), 4)).collect();
        assert_eq!(used.len(), 4, "partitions spread over every shard");
    }
}
