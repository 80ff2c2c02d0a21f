//! The message bus between contexts, shaped after a broker such as RabbitMQ: messages are
//! routed by type to named, per-consumer queues; a consumer acknowledges each delivery,
//! or rejects it to have it redelivered or dead-lettered.
//!
//! [`InProcessBus`] is the embedded default. Its `publish` returns only once every bound
//! queue has acknowledged (or dead-lettered) the message, so a relay that advances its
//! checkpoint after `publish` never loses a message to a crash: unacknowledged messages
//! are published again on restart, and consumers' inboxes drop the repeats.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// A contract message: an integration event or a saga command, defined in `contracts`.
pub trait Message: Serialize + DeserializeOwned + Send + Sync {
    /// Routing name, `<context>.<Name>`, e.g. `inventory.InventoryReserved`.
    const TYPE: &'static str;
    /// Shape version of the payload.
    const VERSION: i32 = 1;
}

/// A message on the wire: routing data, tracing data and a JSON payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Unique and stable across redeliveries; consumers deduplicate on it.
    pub message_id: Uuid,
    /// The contract's [`Message::TYPE`].
    pub message_type: String,
    /// The contract's [`Message::VERSION`].
    pub schema_version: i32,
    /// The context that published it.
    pub source: String,
    /// When the underlying fact happened or the command was issued.
    pub occurred_at: DateTime<Utc>,
    /// The business flow (order id for the place-order saga).
    pub correlation_id: Option<Uuid>,
    /// The message or request that caused this one.
    pub causation_id: Option<Uuid>,
    /// W3C trace context, so one order's trace crosses every context.
    pub traceparent: Option<String>,
    /// The contract's fields.
    pub payload: Value,
}

/// Bus and payload failures.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The payload does not match the contract.
    #[error("payload of {message_type} does not match its contract: {source}")]
    Payload {
        /// The message type.
        message_type: String,
        /// The decoding error.
        source: serde_json::Error,
    },
    /// A consumer went away before acknowledging; publish again later.
    #[error("message {0} was not acknowledged by every consumer")]
    NotAcknowledged(Uuid),
    /// The transport failed.
    #[error("bus transport failed: {0}")]
    Transport(String),
}

impl Envelope {
    /// Wraps a contract message.
    pub fn new<M: Message>(
        message_id: Uuid,
        source: &str,
        occurred_at: DateTime<Utc>,
        message: &M,
    ) -> Result<Self, BusError> {
        Ok(Envelope {
            message_id,
            message_type: M::TYPE.to_owned(),
            schema_version: M::VERSION,
            source: source.to_owned(),
            occurred_at,
            correlation_id: None,
            causation_id: None,
            traceparent: None,
            payload: serde_json::to_value(message)
                .map_err(|source| BusError::Payload { message_type: M::TYPE.to_owned(), source })?,
        })
    }

    /// Whether this envelope carries an `M`.
    pub fn is<M: Message>(&self) -> bool {
        self.message_type == M::TYPE
    }

    /// Decodes the payload as `M` (check [`Envelope::is`] first).
    pub fn decode<M: Message>(&self) -> Result<M, BusError> {
        serde_json::from_value(self.payload.clone())
            .map_err(|source| BusError::Payload { message_type: self.message_type.clone(), source })
    }
}

/// Publishes messages and hands out per-consumer subscriptions.
#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Publishes to every queue bound to the message's type; returns once the bus has
    /// taken responsibility for it (broker confirm, or in-process acknowledgement).
    async fn publish(&self, envelope: Envelope) -> Result<(), BusError>;

    /// Declares queue `queue` bound to `message_types` and starts consuming from it.
    /// Declare every queue before the first publish, as with a broker's durable queues.
    async fn subscribe(&self, queue: &str, message_types: &[&str]) -> Result<Box<dyn Subscription>, BusError>;
}

/// A stream of deliveries from one queue.
#[async_trait]
pub trait Subscription: Send {
    /// The next delivery; `None` when the bus shuts the queue down.
    async fn next(&mut self) -> Option<Delivery>;
}

/// One delivery of a message; must be settled with [`Delivery::ack`] or [`Delivery::nack`].
pub struct Delivery {
    /// The message.
    pub envelope: Envelope,
    /// Whether an earlier delivery of it was not acknowledged.
    pub redelivered: bool,
    settle: Box<dyn Settle>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery").field("envelope", &self.envelope).field("redelivered", &self.redelivered).finish()
    }
}

/// How a bus implementation learns the fate of a delivery.
#[async_trait]
pub trait Settle: Send {
    /// Handled: remove it from the queue.
    async fn ack(self: Box<Self>) -> Result<(), BusError>;
    /// Not handled: redeliver it (`requeue`) or give it to the dead-letter route.
    async fn nack(self: Box<Self>, requeue: bool) -> Result<(), BusError>;
}

impl Delivery {
    /// A delivery settled through `settle`; for bus implementations.
    pub fn new(envelope: Envelope, redelivered: bool, settle: Box<dyn Settle>) -> Self {
        Self { envelope, redelivered, settle }
    }

    /// Acknowledges: the message was handled.
    pub async fn ack(self) -> Result<(), BusError> {
        self.settle.ack().await
    }

    /// Rejects: redeliver when `requeue`, otherwise dead-letter.
    pub async fn nack(self, requeue: bool) -> Result<(), BusError> {
        self.settle.nack(requeue).await
    }
}

struct Pending {
    envelope: Envelope,
    redelivered: bool,
    done: oneshot::Sender<()>,
}

struct Queue {
    bindings: HashSet<String>,
    sender: mpsc::UnboundedSender<Pending>,
}

/// The embedded bus: queues in memory, durability from the relays' checkpoints.
#[derive(Default)]
pub struct InProcessBus {
    queues: Mutex<HashMap<String, Queue>>,
}

impl InProcessBus {
    /// A bus with no queues yet.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Bus for InProcessBus {
    async fn publish(&self, envelope: Envelope) -> Result<(), BusError> {
        let waits: Vec<oneshot::Receiver<()>> = {
            let queues = self.queues.lock().expect("bus mutex poisoned");
            let mut waits = Vec::new();
            for queue in queues.values().filter(|q| q.bindings.contains(&envelope.message_type)) {
                let (done, wait) = oneshot::channel();
                let pending = Pending { envelope: envelope.clone(), redelivered: false, done };
                if queue.sender.send(pending).is_ok() {
                    waits.push(wait);
                } else {
                    return Err(BusError::NotAcknowledged(envelope.message_id));
                }
            }
            waits
        };
        for wait in waits {
            wait.await.map_err(|_| BusError::NotAcknowledged(envelope.message_id))?;
        }
        Ok(())
    }

    async fn subscribe(&self, queue: &str, message_types: &[&str]) -> Result<Box<dyn Subscription>, BusError> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let bindings = message_types.iter().map(|t| (*t).to_owned()).collect();
        self.queues
            .lock()
            .expect("bus mutex poisoned")
            .insert(queue.to_owned(), Queue { bindings, sender: sender.clone() });
        Ok(Box::new(InProcessSubscription { receiver, requeue: sender }))
    }
}

struct InProcessSubscription {
    receiver: mpsc::UnboundedReceiver<Pending>,
    requeue: mpsc::UnboundedSender<Pending>,
}

#[async_trait]
impl Subscription for InProcessSubscription {
    async fn next(&mut self) -> Option<Delivery> {
        let pending = self.receiver.recv().await?;
        let envelope = pending.envelope.clone();
        let redelivered = pending.redelivered;
        Some(Delivery::new(envelope, redelivered, Box::new(InProcessSettle { pending, requeue: self.requeue.clone() })))
    }
}

struct InProcessSettle {
    pending: Pending,
    requeue: mpsc::UnboundedSender<Pending>,
}

#[async_trait]
impl Settle for InProcessSettle {
    async fn ack(self: Box<Self>) -> Result<(), BusError> {
        // The publisher may have stopped waiting (shutdown); nothing is lost then, as it
        // publishes again from its checkpoint.
        let _ = self.pending.done.send(());
        Ok(())
    }

    async fn nack(self: Box<Self>, requeue: bool) -> Result<(), BusError> {
        let mut pending = self.pending;
        if requeue {
            pending.redelivered = true;
            self.requeue.send(pending).map_err(|_| BusError::Transport("queue closed".into()))
        } else {
            metrics::counter!("emporium_bus_rejected_total", "message_type" => pending.envelope.message_type.clone())
                .increment(1);
            let _ = pending.done.send(());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Serialize, Deserialize)]
    struct Ping {
        n: u32,
    }
    impl Message for Ping {
        const TYPE: &'static str = "test.Ping";
    }

    fn ping(n: u32) -> Envelope {
        Envelope::new(Uuid::now_v7(), "test", Utc::now(), &Ping { n }).unwrap()
    }

    #[tokio::test]
    async fn publish_waits_until_every_bound_queue_acknowledges() {
        let bus = Arc::new(InProcessBus::new());
        let mut first = bus.subscribe("first", &[Ping::TYPE]).await.unwrap();
        let mut second = bus.subscribe("second", &[Ping::TYPE]).await.unwrap();
        let _unbound = bus.subscribe("unbound", &["test.Other"]).await.unwrap();
        let publisher = tokio::spawn({
            let bus = bus.clone();
            async move { bus.publish(ping(1)).await }
        });
        let delivery = first.next().await.unwrap();
        assert_eq!(delivery.envelope.decode::<Ping>().unwrap().n, 1);
        delivery.ack().await.unwrap();
        tokio::task::yield_now().await;
        assert!(!publisher.is_finished(), "second queue has not acknowledged yet");
        second.next().await.unwrap().ack().await.unwrap();
        publisher.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_requeued_delivery_comes_back_marked_redelivered() {
        let bus = Arc::new(InProcessBus::new());
        let mut queue = bus.subscribe("q", &[Ping::TYPE]).await.unwrap();
        let publisher = tokio::spawn({
            let bus = bus.clone();
            async move { bus.publish(ping(7)).await }
        });
        let first = queue.next().await.unwrap();
        assert!(!first.redelivered);
        first.nack(true).await.unwrap();
        let again = queue.next().await.unwrap();
        assert!(again.redelivered);
        again.ack().await.unwrap();
        publisher.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_consumer_that_goes_away_leaves_the_message_unacknowledged() {
        let bus = Arc::new(InProcessBus::new());
        let queue = bus.subscribe("q", &[Ping::TYPE]).await.unwrap();
        let publisher = tokio::spawn({
            let bus = bus.clone();
            async move { bus.publish(ping(3)).await }
        });
        tokio::task::yield_now().await;
        drop(queue);
        assert!(matches!(publisher.await.unwrap(), Err(BusError::NotAcknowledged(_))));
    }
}
