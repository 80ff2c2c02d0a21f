//! Slice: anyone reads one product, cache-aside: a product page is the most-read thing in a
//! shop. Stock changes and the admin's changes invalidate the entry (see `stock_levels`,
//! `update_product`); a short TTL bounds what a missed invalidation can cost (another
//! process's in-memory cache).

use crate::Catalog;
use crate::read_model::{self, Shown};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kernel::auth::{Principal, Role};
use kernel::cache::Lookup;
use kernel::error::ApiError;
use kernel::http::{Json, Path};
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

/// One product. Shoppers see it while it is active; admins see drafts and archived ones too.
#[utoipa::path(get, path = "/products/{id}", tag = "catalog", params(("id" = Uuid, Path, description = "Product id")), security((), ("bearer" = [])),
    responses((status = 200, description = "The product", body = crate::read_model::ProductView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotFound))]
async fn get_product(
    State(catalog): State<Catalog>,
    principal: Option<Principal>,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found(format!("no product {id}"));
    if principal.is_some_and(|p| p.role == Role::Admin) {
        // Admins read past the cache: it holds only what shoppers may see.
        let product =
            read_model::product(catalog.store.db(), id, Shown::NotDeleted(None)).await?.ok_or_else(not_found)?;
        return Ok(Json(product).into_response());
    }
    let key = cache_key(id);
    let json = match catalog.cache.get(&key).await {
        Lookup::Hit(json) => json,
        Lookup::Miss(ticket) => {
            let product = read_model::product(catalog.store.db(), id, Shown::OnSale).await?.ok_or_else(not_found)?;
            let json = serde_json::to_string(&product).map_err(|e| ApiError::internal(&e))?;
            catalog.cache.fill(&key, ticket, json.clone(), TTL).await;
            json
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}
