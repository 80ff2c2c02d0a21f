//! Slice: anyone reads one product.

use crate::Catalog;
use crate::read_model::{self, ProductView};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use kernel::error::ApiError;
use kernel::http::{Json, Path};
use uuid::Uuid;

pub(crate) fn routes() -> Router<Catalog> {
    Router::new().route("/products/{id}", get(get_product))
}

async fn get_product(State(catalog): State<Catalog>, Path(id): Path<Uuid>) -> Result<Json<ProductView>, ApiError> {
    read_model::product(catalog.store.db(), id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no product {id}")))
}
