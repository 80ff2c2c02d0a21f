//! Shipping: quotes a cart's shipping options by zone, weight band and service level (the
//! rate card in `contracts::shipping_rates`), books the chosen service for confirmed orders
//! and follows each parcel from hand-over (an admin) to delivery (the carrier's signed
//! webhook), or back to the warehouse when an admin cancels its order after it left.
//!
//! Subscribes to Catalog's product events (weights and values for quotes), the saga's
//! `CreateShipment` and its compensation `CancelShipment`;
//! publishes `ShipmentCreated`, `ShippingUnavailable` (a destination outside every zone),
//! `ShipmentCancelled`, `ShipmentShipped`, `ShipmentInTransit`, `ShipmentDelivered`,
//! `ShipmentReturnRequested` and `ShipmentReturned`.

mod cancel_shipment;
mod carrier_webhook;
mod create_shipment;
mod events;
mod get_shipment;
mod graphql;
mod lifecycle;
mod list_shipments;
mod product_weights;
mod publications;
mod quote;
mod read_model;
mod ship_shipment;

use contracts::shipping_rates::RateCard;
use kernel::event_store::EventStore;
use kernel::module::ContextModule;
use kernel::projection::ProjectionRunner;
use std::sync::Arc;

pub use carrier_webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign as sign_carrier_update};
pub use events::ShippingEvent;
pub use graphql::{ShippingMutation, ShippingQuery};

/// What the shipping endpoints share.
#[derive(Clone)]
pub(crate) struct Shipping {
    store: EventStore,
    read_model: ProjectionRunner,
    /// Secrets the carrier may sign its updates with (two while one replaces the other).
    carrier_secrets: Arc<[String]>,
    /// The prices quotes are given by.
    rate_card: RateCard,
}

impl Shipping {
    /// Waits (briefly) until the read model shows the write at `position`, so whoever made
    /// it reads it back.
    async fn settle(&self, position: Option<kernel::event_store::Position>) {
        if let Some(position) = position {
            self.read_model.wait_for(position, std::time::Duration::from_secs(2)).await;
        }
    }
}

/// Builds the shipping context over its event store; it quotes by `rate_card`, and the
/// carrier signs its updates with one of `carrier_secrets`.
pub async fn module(
    store: EventStore,
    rate_card: RateCard,
    carrier_secrets: Vec<String>,
) -> Result<ContextModule, kernel::db::DbError> {
    store.db().migrate("shipping", read_model::MIGRATIONS).await?;
    let read_model = ProjectionRunner::new(store.clone(), Arc::new(read_model::ShipmentsProjection));
    let shipping = Shipping {
        store: store.clone(),
        read_model: read_model.clone(),
        carrier_secrets: carrier_secrets.into(),
        rate_card,
    };
    let router = kernel::idempotency::guarded(ship_shipment::routes(), &store)
        .merge(quote::routes())
        .merge(get_shipment::routes())
        .merge(list_shipments::routes())
        .merge(carrier_webhook::routes())
        .with_state(shipping.clone());
    Ok(ContextModule {
        graphql_data: Some(Arc::new(move |data| data.insert(shipping.clone()))),
        name: "shipping",
        store: store.clone(),
        router,
        projections: vec![read_model],
        handlers: vec![
            Arc::new(create_shipment::ShipmentCommands { store: store.clone() }),
            Arc::new(product_weights::ProductWeights { store }),
        ],
        publications: Arc::new(publications::ShippingPublications),
        workers: Vec::new(),
        sagas: Vec::new(),
    })
}
