//! Slice: an admin reads one product's stock.

use crate::Inventory;
use crate::read_model::{self, StockLevel};
use axum::extract::State;
use kernel::auth::Admin;
use kernel::error::ApiError;
use kernel::http::{Json, Path};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn routes() -> OpenApiRouter<Inventory> {
    OpenApiRouter::new().routes(routes!(get_stock_level))
}

/// One product's stock (admin).
#[utoipa::path(get, path = "/inventory/{product_id}", tag = "inventory", security(("bearer" = [])),
    params(("product_id" = Uuid, Path, description = "Product id")),
    responses((status = 200, description = "Stock level", body = StockLevel), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::NotFound))]
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
