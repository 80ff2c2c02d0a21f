//! Catalog: what the shop sells. Products (draft, active, archived, or deleted, each with a
//! gallery of pictures kept in a blob store) and the category tree are event-sourced;
//! shoppers read a `products` read model of the active ones that also shows stock levels
//! reported by Inventory.
//!
//! Publishes `ProductCreated` (Inventory opens stock, Orders prices it), `ProductUpdated`,
//! `ProductPriceChanged`, `ProductStatusChanged` and `ProductDeleted` (Orders keeps its price
//! list by them); subscribes to `StockLevelChanged` (from Inventory).

mod categories;
mod create_product;
mod delete_product;
mod events;
mod get_product;
mod graphql;
mod images;
mod list_products;
mod pictures;
mod product_fields;
mod publications;
mod read_model;
mod search_index;
mod slug;
mod stock_levels;
mod update_product;

use async_graphql::dataloader::DataLoader;
use contracts::views::{PRODUCT_BATCH, ProductLoader};
use kernel::blobs::SharedBlobStore;
use kernel::cache::Cache;
use kernel::event_store::EventStore;
use kernel::module::ContextModule;
use kernel::projection::ProjectionRunner;
use std::sync::Arc;

pub use events::CatalogEvent;
pub use graphql::{CatalogMutation, CatalogQuery};
pub use pictures::demo_picture;
pub use search_index::SearchError;

/// What the catalog's endpoints and handlers share.
#[derive(Clone)]
pub(crate) struct Catalog {
    store: EventStore,
    read_model: ProjectionRunner,
    search: search_index::SearchIndex,
    cache: Arc<dyn Cache>,
    /// Where product pictures are kept.
    blobs: SharedBlobStore,
    /// Pictures being decoded and encoded at once, at most one per core.
    picture_turns: Arc<tokio::sync::Semaphore>,
}

impl Catalog {
    /// Waits until the read model and the search index both show the write at `position`,
    /// so the admin who made it (and anyone after) reads it back.
    pub(crate) async fn wait_for(&self, position: kernel::event_store::Position) {
        tokio::join!(
            self.read_model.wait_for(position, READ_YOUR_WRITES),
            self.search.wait_for(position, READ_YOUR_WRITES)
        );
    }
}

/// How long a command waits for its own write to show in the read model before answering.
pub(crate) const READ_YOUR_WRITES: std::time::Duration = std::time::Duration::from_secs(2);

/// Why the catalog could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Its database could not be migrated.
    #[error(transparent)]
    Database(#[from] kernel::db::DbError),
    /// Its search index could not be built.
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// Builds the catalog context over its event store; product pages are cached in `cache`,
/// product pictures kept in `blobs`.
pub async fn module(
    store: EventStore,
    cache: Arc<dyn Cache>,
    blobs: SharedBlobStore,
) -> Result<ContextModule, StartError> {
    store.db().migrate("catalog", read_model::MIGRATIONS).await?;
    let read_model = ProjectionRunner::new(store.clone(), Arc::new(read_model::ProductsProjection));
    // Built before the platform serves: a search must never see half a catalog.
    let search = search_index::SearchIndex::new(store.clone())?;
    search.catch_up().await?;
    search.reload_stock().await?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let catalog = Catalog {
        store: store.clone(),
        read_model: read_model.clone(),
        search: search.clone(),
        cache: cache.clone(),
        blobs,
        picture_turns: Arc::new(tokio::sync::Semaphore::new(cores)),
    };
    let router = utoipa_axum::router::OpenApiRouter::new()
        .merge(create_product::routes())
        .merge(update_product::routes())
        .merge(delete_product::routes())
        .merge(get_product::routes())
        .merge(list_products::routes())
        .merge(categories::routes())
        .merge(images::routes())
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
        handlers: vec![Arc::new(stock_levels::StockLevels { store, cache, search: search.clone() })],
        publications: Arc::new(publications::CatalogPublications),
        workers: vec![Box::new(move |cancel| Box::pin(search.run(cancel)))],
        sagas: Vec::new(),
    })
}
