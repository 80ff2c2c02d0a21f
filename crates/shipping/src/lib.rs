//! Shipping: prices parcels by zone and weight and creates shipments for confirmed orders.
//!
//! Subscribes to the saga's `CreateShipment` and its compensation `CancelShipment`;
//! publishes `ShipmentCreated`, `ShippingUnavailable` (a destination outside every zone)
//! and `ShipmentCancelled`.

mod cancel_shipment;
mod create_shipment;
mod events;
mod get_shipment;
mod graphql;
mod publications;
mod quote;
mod read_model;
mod zones;

use kernel::event_store::EventStore;
use kernel::module::ContextModule;
use kernel::projection::ProjectionRunner;
use std::sync::Arc;

pub use events::ShippingEvent;
pub use graphql::ShippingQuery;

/// What the shipping endpoints share.
#[derive(Clone)]
pub(crate) struct Shipping {
    store: EventStore,
}

/// Builds the shipping context over its event store.
pub async fn module(store: EventStore) -> Result<ContextModule, kernel::db::DbError> {
    store.db().migrate("shipping", read_model::MIGRATIONS).await?;
    let read_model = ProjectionRunner::new(store.clone(), Arc::new(read_model::ShipmentsProjection));
    let shipping = Shipping { store: store.clone() };
    let router = utoipa_axum::router::OpenApiRouter::new()
        .merge(quote::routes())
        .merge(get_shipment::routes())
        .with_state(shipping.clone());
    Ok(ContextModule {
        graphql_data: Some(Arc::new(move |data| data.insert(shipping.clone()))),
        name: "shipping",
        store: store.clone(),
        router,
        projections: vec![read_model],
        handlers: vec![Arc::new(create_shipment::ShipmentCommands { store })],
        publications: Arc::new(publications::ShippingPublications),
        workers: Vec::new(),
        sagas: Vec::new(),
    })
}
