//! Slice: anyone reads one product, cache-aside: a product page is the most-read thing in a
//! shop. Stock changes invalidate the entry (see `stock_levels`); a short TTL bounds what a
//! missed invalidation can cost.

use crate::Catalog;
use crate::read_model;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kernel::error::ApiError;
use kernel::http::Path;
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn routes() -> OpenApiRouter<Catalog> {
    OpenApiRouter::new().routes(routes!(get_product))
}

/// How long a cached product page may be served.
const TTL: Duration = Duration::from_secs(30);

/// The cache key of a product page.
pub(crate) fn cache_key(id: Uuid) -> String {
    format!("catalog:product:{id}")
}

/// One product.
#[utoipa::path(get, path = "/products/{id}", tag = "catalog", params(("id" = Uuid, Path, description = "Product id")),
    responses((status = 200, description = "The product", body = crate::read_model::ProductView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotFound))]
async fn get_product(State(catalog): State<Catalog>, Path(id): Path<Uuid>) -> Result<Response, ApiError> {
    let key = cache_key(id);
    let json = match catalog.cache.get(&key).await {
        Some(json) => json,
        None => {
            let product = read_model::product(catalog.store.db(), id)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("no product {id}")))?;
            let json = serde_json::to_string(&product).map_err(|e| ApiError::internal(&e))?;
            catalog.cache.set(&key, json.clone(), TTL).await;
            json
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}
