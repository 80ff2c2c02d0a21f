//! Emporium's building blocks, free of business words: event store, projections,
//! outbox relay and inbox, message bus, saga engine, money, ids, clock and HTTP errors.
//!
//! Every bounded context is written against these pieces; only the `app` crate decides
//! which database and bus they run on.

pub mod aggregate;
pub mod amqp;
pub mod auth;
pub mod blobs;
pub mod bus;
pub mod cache;
pub mod clock;
pub mod db;
pub mod dead_letters;
pub mod delivery;
pub mod error;
pub mod event_store;
pub mod graphql;
pub mod group_commit;
pub mod http;
pub mod idempotency;
pub mod ids;
pub mod messaging;
pub mod module;
pub mod money;
pub mod projection;
pub mod rate_limit;
pub mod saga;
pub mod saga_operations;
mod sqlite_in_place;
pub mod telemetry;
pub mod time;

pub use aggregate::Aggregate;
pub use bus::{Envelope, Message};
pub use clock::{Clock, SharedClock};
pub use db::{Backend, Db, DbTarget};
pub use error::ApiError;
pub use event_store::{EventStore, ExpectedVersion, Metadata, NewEvent, Position, RecordedEvent, UnitOfWork};
pub use money::{Currency, Money};
