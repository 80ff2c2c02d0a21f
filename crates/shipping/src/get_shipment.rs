//! Slice: a customer (or an admin) reads a shipment of theirs.

use crate::Shipping;
use crate::read_model::{self, ShipmentView};
use axum::extract::State;
use kernel::auth::Principal;
use kernel::error::ApiError;
use kernel::http::{Json, Path};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn routes() -> OpenApiRouter<Shipping> {
    OpenApiRouter::new().routes(routes!(get_shipment))
}

/// A shipment of the caller's (any, for admins).
#[utoipa::path(get, path = "/shipments/{id}", tag = "shipping", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Shipment id")),
    responses((status = 200, description = "Shipment", body = ShipmentView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotFound))]
async fn get_shipment(
    State(shipping): State<Shipping>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<ShipmentView>, ApiError> {
    visible_shipment(&shipping, principal, id).await.map(Json)
}

/// Shipment `id` if `principal` may see it (its customer, or an admin); `NOT_FOUND` for
/// another customer's, as for one that does not exist.
pub(crate) async fn visible_shipment(
    shipping: &Shipping,
    principal: Principal,
    id: Uuid,
) -> Result<ShipmentView, ApiError> {
    read_model::shipment(shipping.store.db(), id)
        .await?
        .filter(|shipment| principal.can_see(shipment.customer_id))
        .ok_or_else(|| ApiError::not_found(format!("no shipment {id}")))
}
