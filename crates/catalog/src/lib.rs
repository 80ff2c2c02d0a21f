//! Catalog: what the shop sells. Products and categories are event-sourced; shoppers
//! read a `products` read model that also shows stock levels reported by Inventory.
//!
//! Publishes `ProductCreated` (Inventory opens stock, Orders prices it);
//! subscribes to `StockLevelChanged` (from Inventory).

mod categories;
mod create_product;
mod events;
mod get_product;
mod graphql;
mod list_products;
mod publications;
mod read_model;
mod stock_levels;

use async_graphql::dataloader::DataLoader;
use contracts::views::{PRODUCT_BATCH, ProductLoader};
use kernel::cache::Cache;
use kernel::event_store::EventStore;
use kernel::module::ContextModule;
use kernel::projection::ProjectionRunner;
use std::sync::Arc;

pub use events::CatalogEvent;
pub use graphql::{CatalogMutation, CatalogQuery};

/// What the catalog's endpoints and handlers share.
#[derive(Clone)]
pub(crate) struct Catalog {
    store: EventStore,
    read_model: ProjectionRunner,
    cache: Arc<dyn Cache>,
}

/// How long a command waits for its own write to show in the read model before answering.
pub(crate) const READ_YOUR_WRITES: std::time::Duration = std::time::Duration::from_secs(2);

/// Builds the catalog context over its event store; product pages are cached in `cache`.
pub async fn module(store: EventStore, cache: Arc<dyn Cache>) -> Result<ContextModule, kernel::db::DbError> {
    store.db().migrate("catalog", read_model::MIGRATIONS).await?;
    let read_model = ProjectionRunner::new(store.clone(), Arc::new(read_model::ProductsProjection));
    let catalog = Catalog { store: store.clone(), read_model: read_model.clone(), cache: cache.clone() };
    let router = utoipa_axum::router::OpenApiRouter::new()
        .merge(create_product::routes())
        .merge(get_product::routes())
        .merge(list_products::routes())
        .merge(categories::routes())
        .with_state(catalog.clone());
    Ok(ContextModule {
        graphql_data: Some(Arc::new(move |data| {
            // A loader per request: what one answer shows of a product is read once, and
            // never served from another request's reads.
            let lookup = graphql::CatalogProducts(catalog.store.db().clone());
            let loader = DataLoader::new(ProductLoader(Arc::new(lookup)), tokio::spawn).max_batch_size(PRODUCT_BATCH);
            data.insert(loader);
            data.insert(catalog.clone());
        })),
        name: "catalog",
        store: store.clone(),
        router,
        projections: vec![read_model],
        handlers: vec![Arc::new(stock_levels::StockLevels { store, cache })],
        publications: Arc::new(publications::CatalogPublications),
        workers: Vec::new(),
        sagas: Vec::new(),
    })
}
