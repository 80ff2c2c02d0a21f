//! Slice: an admin reads one product's stock.

use crate::Inventory;
use crate::read_model::{self, StockLevel};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use kernel::auth::Admin;
use kernel::error::ApiError;
use kernel::http::{Json, Path};
use uuid::Uuid;

pub(crate) fn routes() -> Router<Inventory> {
    Router::new().route("/inventory/{product_id}", get(get_stock_level))
}

async fn get_stock_level(
    State(inventory): State<Inventory>,
    _: Admin,
    Path(product_id): Path<Uuid>,
) -> Result<Json<StockLevel>, ApiError> {
    read_model::stock_level(inventory.store.db(), product_id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no stock item for product {product_id}")))
}
