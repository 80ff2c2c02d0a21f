//! Inventory: how many units of each product are on hand and held for orders.
//!
//! Each product's stock is an event-sourced stock item (on hand = available + reserved +
//! unavailable, the last being units set aside as damaged); each order's hold is a
//! reservation that covers every line or none, until the order's parcel leaves and takes
//! the held units with it (and brings them back on hand if the parcel is returned).
//! Subscribes to `ProductCreated`, the saga's `ReserveInventory` / `ReleaseInventory` and
//! Shipping's `ShipmentShipped` and `ShipmentReturned`; publishes `InventoryReserved`,
//! `OutOfStock`, `InventoryReleased` and `StockLevelChanged`.

mod adjust_stock;
mod admin_change;
mod graphql;
mod open_stock;
mod publications;
mod read_model;
mod release_inventory;
mod reserve_inventory;
mod set_aside;
mod ship_stock;
mod stock;
mod stock_alerts;
mod stock_history;
mod stock_level;

use kernel::event_store::EventStore;
use kernel::module::ContextModule;
use kernel::projection::ProjectionRunner;
use std::sync::Arc;

pub use graphql::{InventoryMutation, InventoryQuery};
pub use stock::InventoryEvent;

/// What the inventory's endpoints share.
#[derive(Clone)]
pub(crate) struct Inventory {
    store: EventStore,
    read_model: ProjectionRunner,
}

/// How long a command waits for its own write to show in the read model before answering.
pub(crate) const READ_YOUR_WRITES: std::time::Duration = std::time::Duration::from_secs(2);

/// Builds the inventory context over its event store.
pub async fn module(store: EventStore) -> Result<ContextModule, kernel::db::DbError> {
    store.db().migrate("inventory", read_model::MIGRATIONS).await?;
    let read_model = ProjectionRunner::new(store.clone(), Arc::new(read_model::StockLevelsProjection));
    let inventory = Inventory { store: store.clone(), read_model: read_model.clone() };
    let moves_goods =
        utoipa_axum::router::OpenApiRouter::new().merge(adjust_stock::routes()).merge(set_aside::routes());
    let router = kernel::idempotency::guarded(moves_goods, &store)
        .merge(stock_level::routes())
        .merge(stock_history::routes())
        .merge(stock_alerts::routes())
        .with_state(inventory.clone());
    Ok(ContextModule {
        graphql_data: Some(Arc::new(move |data| data.insert(inventory.clone()))),
        name: "inventory",
        store: store.clone(),
        router,
        projections: vec![read_model],
        handlers: vec![
            Arc::new(open_stock::OpenStock { store: store.clone() }),
            Arc::new(reserve_inventory::ReservationCommands { store: store.clone() }),
            Arc::new(ship_stock::ShippedStock { store }),
        ],
        publications: Arc::new(publications::InventoryPublications),
        workers: Vec::new(),
        sagas: Vec::new(),
    })
}
