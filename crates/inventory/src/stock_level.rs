//! Slice: an admin reads stock levels: every product's, a page at a time, or one product's.

use crate::Inventory;
use crate::read_model::{self, StockLevel};
use axum::extract::State;
use kernel::auth::Admin;
use kernel::error::{ApiError, problems};
use kernel::http::{Json, Page, PageRequest, Path, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn routes() -> OpenApiRouter<Inventory> {
    OpenApiRouter::new().routes(routes!(list_stock_levels)).routes(routes!(get_stock_level))
}

/// `?limit=&cursor=` of `GET /inventory`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StockQuery {
    /// Items per page, 1..=100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    cursor: Option<String>,
}

/// Every product's stock (admin), in product id order, a page at a time.
#[utoipa::path(get, path = "/inventory", tag = "inventory", security(("bearer" = [])), params(StockQuery),
    responses((status = 200, description = "A page of stock levels", body = Page<StockLevel>),
        problems::MalformedRequest, problems::NotSignedIn, problems::NotAnAdmin))]
async fn list_stock_levels(
    State(inventory): State<Inventory>,
    _: Admin,
    Query(query): Query<StockQuery>,
) -> Result<Json<Page<StockLevel>>, ApiError> {
    page_of_stock_levels(&inventory, &PageRequest { limit: query.limit, cursor: query.cursor }).await.map(Json)
}

/// A page of every product's stock in product id order (REST's list and GraphQL's
/// `stockLevels`).
pub(crate) async fn page_of_stock_levels(
    inventory: &Inventory,
    page: &PageRequest,
) -> Result<Page<StockLevel>, ApiError> {
    let limit = page.limit()?;
    let rows = read_model::stock_levels(inventory.store.db(), page.cursor_id()?, limit + 1).await?;
    Ok(Page::from_rows(rows, limit, |level| level.product_id.to_string()))
}

/// One product's stock (admin).
#[utoipa::path(get, path = "/inventory/{product_id}", tag = "inventory", security(("bearer" = [])),
    params(("product_id" = Uuid, Path, description = "Product id")),
    responses((status = 200, description = "Stock level", body = StockLevel), problems::MalformedRequest, problems::NotSignedIn, problems::NotAnAdmin, problems::NotFound))]
async fn get_stock_level(
    State(inventory): State<Inventory>,
    _: Admin,
    Path(product_id): Path<Uuid>,
) -> Result<Json<StockLevel>, ApiError> {
    stock_of(&inventory, product_id).await.map(Json)
}

/// `product_id`'s stock; `NOT_FOUND` when it has no stock item.
pub(crate) async fn stock_of(inventory: &Inventory, product_id: Uuid) -> Result<StockLevel, ApiError> {
    read_model::stock_level(inventory.store.db(), product_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no stock item for product {product_id}")))
}
