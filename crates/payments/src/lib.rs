//! Payments: customers' tokenised cards and the authorizations, captures and refunds of orders.
//!
//! A card number reaches the platform once, on its way to the gateway to be tokenised; the
//! platform keeps the token, brand, last four digits and expiry, and orders name a payment
//! method by id. Subscribes to the saga's `ProcessPayment` (an authorization) and
//! `RefundPayment` (a void, or a refund once captured); publishes `PaymentProcessed`,
//! `PaymentFailed` and `PaymentRefunded`. Captures when Shipping's `ShipmentShipped` comes
//! (or Orders' `OrderConfirmed`, as configured). Admins give back part of a capture
//! (`refund_by_admin`), told to Orders as `RefundIssued`.

mod add_payment_method;
mod capture_payment;
mod card;
pub mod gateway;
mod get_payment;
mod graphql;
mod list_payment_methods;
mod payment;
mod process_payment;
mod publications;
mod read_model;
mod refund_by_admin;
mod refund_payment;
mod remove_payment_method;

use kernel::event_store::EventStore;
use kernel::module::ContextModule;
use kernel::projection::ProjectionRunner;
use std::sync::Arc;

pub use capture_payment::CaptureAt;
pub use gateway::{CardGateway, SimulatedGateway, SimulatedGatewayConfig};
pub use graphql::{PaymentsMutation, PaymentsQuery};
pub use payment::PaymentsEvent;

/// What the payments endpoints and handlers share.
#[derive(Clone)]
pub(crate) struct Payments {
    store: EventStore,
    gateway: Arc<dyn CardGateway>,
    read_model: ProjectionRunner,
}

/// How long a command waits for its own write to show in the read model before answering.
pub(crate) const READ_YOUR_WRITES: std::time::Duration = std::time::Duration::from_secs(2);

/// Builds the payments context over its event store and a card gateway, capturing
/// authorized payments at `capture_at`.
pub async fn module(
    store: EventStore,
    gateway: Arc<dyn CardGateway>,
    capture_at: CaptureAt,
) -> Result<ContextModule, kernel::db::DbError> {
    store.db().migrate("payments", read_model::MIGRATIONS).await?;
    let read_model = ProjectionRunner::new(store.clone(), Arc::new(read_model::PaymentsProjection));
    let payments = Payments { store: store.clone(), gateway, read_model: read_model.clone() };
    let router = kernel::idempotency::guarded(add_payment_method::routes().merge(refund_by_admin::routes()), &store)
        .merge(get_payment::routes())
        .merge(remove_payment_method::routes())
        .with_state(payments.clone());
    let for_graphql = payments.clone();
    Ok(ContextModule {
        graphql_data: Some(Arc::new(move |data| data.insert(for_graphql.clone()))),
        name: "payments",
        store,
        router,
        projections: vec![read_model],
        handlers: vec![
            Arc::new(process_payment::PaymentCommands { payments: payments.clone() }),
            Arc::new(capture_payment::CapturePayments { payments, at: capture_at }),
        ],
        publications: Arc::new(publications::PaymentsPublications),
        workers: Vec::new(),
        sagas: Vec::new(),
    })
}
