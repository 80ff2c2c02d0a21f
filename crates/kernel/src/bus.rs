//! The messages contexts exchange: contract messages ([`Message`], defined in `contracts`)
//! travel as [`Envelope`]s carrying routing, tracing and a JSON payload. How they travel is
//! [`crate::delivery`]'s business.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
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
    /// The stream (aggregate or saga) of the event this message comes from: its partition.
    /// Set on delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_stream: Option<String>,
    /// That event's version in its stream. Messages of one stream can arrive out of order on
    /// PostgreSQL (transaction ids are handed out at a transaction's first write, not at
    /// commit), so a receiver that keeps "the latest" value compares versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<i64>,
    /// The saga that took this message already, in the transaction that recorded the event
    /// it comes from (see [`crate::event_store::Metadata::answered_in_place_for`]): that
    /// saga's consumer drops it unread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_in_place_for: Option<Uuid>,
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
    /// A message cannot be built: the data it is made from lacks something it needs.
    #[error("message cannot be built: {0}")]
    MissingData(String),
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
            source_stream: None,
            source_version: None,
            answered_in_place_for: None,
            payload: serde_json::to_value(message)
                .map_err(|source| BusError::Payload { message_type: M::TYPE.to_owned(), source })?,
        })
    }

    /// The partition it belongs to, within which messages keep their order: the stream of
    /// the event it comes from (itself alone when that is unknown).
    pub fn partition(&self) -> std::borrow::Cow<'_, str> {
        match &self.source_stream {
            Some(stream) => stream.as_str().into(),
            None => self.message_id.to_string().into(),
        }
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
