//! Slice: anyone browses the catalog, a page at a time, optionally by category.

use crate::Catalog;
use crate::read_model::{self, ProductView};
use axum::extract::State;
use kernel::error::ApiError;
use kernel::http::{Json, Page, PageRequest, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// `?limit=&cursor=&category=` (no `serde(flatten)`: it loses query-string number parsing).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListProducts {
    /// Items per page, 1..=100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    cursor: Option<String>,
    /// Only products of this category.
    category: Option<Uuid>,
}

pub(crate) fn routes() -> OpenApiRouter<Catalog> {
    OpenApiRouter::new().routes(routes!(list_products))
}

/// Browse the catalog, a page at a time.
#[utoipa::path(get, path = "/products", tag = "catalog", params(ListProducts),
    responses((status = 200, description = "A page of products", body = Page<ProductView>), kernel::error::problems::MalformedRequest))]
async fn list_products(
    State(catalog): State<Catalog>,
    Query(query): Query<ListProducts>,
) -> Result<Json<Page<ProductView>>, ApiError> {
    let page = PageRequest { limit: query.limit, cursor: query.cursor };
    Ok(Json(page_of_products(&catalog, &page, query.category).await?))
}

/// A page of products, optionally of one category (REST and GraphQL alike).
pub(crate) async fn page_of_products(
    catalog: &Catalog,
    page: &PageRequest,
    category: Option<Uuid>,
) -> Result<Page<ProductView>, ApiError> {
    let limit = page.limit()?;
    let rows = read_model::products(catalog.store.db(), page.cursor_id()?, category, limit + 1).await?;
    Ok(Page::from_rows(rows, limit, |p| p.id.to_string()))
}
