//! Slice: an admin restocks, counts or writes off units of a product, saying why. Writing
//! off damaged units takes those set aside as unavailable first (see `set_aside`).

use crate::Inventory;
use crate::admin_change::{change_stock, checked_change};
use crate::read_model::StockLevel;
use crate::stock::{self, AdjustRejection, AdjustmentReason, StockItem};
use axum::extract::State;
use kernel::auth::{Admin, Principal};
use kernel::error::ApiError;
use kernel::http::{Json, Path};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The request body (REST), or `input` of `adjustStock` (GraphQL).
#[derive(Debug, serde::Serialize, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub(crate) struct Adjustment {
    /// Units to add (negative: to take away).
    delta: i64,
    reason: AdjustmentReason,
    /// What happened, in a few words (at most 200 characters).
    note: Option<String>,
}

pub(crate) fn routes() -> OpenApiRouter<Inventory> {
    OpenApiRouter::new().routes(routes!(adjust_stock))
}

/// Restock, count or write off units (admin); on hand may not drop below what is held for
/// orders plus what is set aside. A `damage` write-off takes set-aside units first.
#[utoipa::path(post, path = "/inventory/{product_id}/adjustments", tag = "inventory", security(("bearer" = [])),
    params(("product_id" = Uuid, Path, description = "Product id"), kernel::idempotency::KeyHeader), request_body = Adjustment,
    responses((status = 200, description = "Stock level after the adjustment", body = StockLevel), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::NotFound, kernel::error::problems::Conflict, kernel::error::problems::InvalidRequest))]
async fn adjust_stock(
    State(inventory): State<Inventory>,
    Admin(admin): Admin,
    Path(product_id): Path<Uuid>,
    Json(input): Json<Adjustment>,
) -> Result<Json<StockLevel>, ApiError> {
    adjust(&inventory, admin, product_id, input).await.map(Json)
}

/// Applies `input` to `product_id`'s stock on `admin`'s behalf and answers the stock after
/// it: what `POST /inventory/{id}/adjustments` and GraphQL's `adjustStock` both do.
pub(crate) async fn adjust(
    inventory: &Inventory,
    admin: Principal,
    product_id: Uuid,
    input: Adjustment,
) -> Result<StockLevel, ApiError> {
    let note = checked_change(input.delta, input.note.as_deref())?;
    let decide = |item: &StockItem| stock::adjust(item, product_id, input.delta, input.reason, &note);
    match change_stock(inventory, admin, product_id, decide).await? {
        Ok(level) => Ok(level),
        Err(AdjustRejection::UnknownProduct) => {
            Err(ApiError::not_found(format!("no stock item for product {product_id}")))
        }
        Err(AdjustRejection::BelowCommitted { on_hand, reserved, unavailable }) => Err(ApiError::conflict(format!(
            "on hand would be {on_hand}, below the {reserved} units held for orders and {unavailable} set aside"
        ))),
    }
}
