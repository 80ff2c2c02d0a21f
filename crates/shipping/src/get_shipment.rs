//! Slice: a customer (or an admin) reads a shipment of theirs.

use crate::Shipping;
use crate::read_model::{self, ShipmentView};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use kernel::auth::Principal;
use kernel::error::ApiError;
use kernel::http::{Json, Path};
use uuid::Uuid;

pub(crate) fn routes() -> Router<Shipping> {
    Router::new().route("/shipments/{id}", get(get_shipment))
}

async fn get_shipment(
    State(shipping): State<Shipping>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<ShipmentView>, ApiError> {
    read_model::shipment(shipping.store.db(), id)
        .await?
        .filter(|shipment| principal.can_see(shipment.customer_id))
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no shipment {id}")))
}
