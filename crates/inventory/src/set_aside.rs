//! Slice: an admin sets units aside as unavailable — damaged, or held back for inspection:
//! still on hand, no longer for sale — or puts them back on sale. Only units that could be
//! promised can be set aside; a `damage` write-off (`adjust_stock`) then takes them first.

use crate::Inventory;
use crate::admin_change::{change_stock, checked_change};
use crate::read_model::StockLevel;
use crate::stock::{self, SetAsideRejection, StockItem};
use axum::extract::State;
use kernel::auth::{Admin, Principal};
use kernel::error::{ApiError, problems};
use kernel::http::{Json, Path};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The request body (REST), or `input` of `setStockAside` (GraphQL).
#[derive(Debug, serde::Serialize, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[graphql(name = "SetAsideInput")]
#[serde(deny_unknown_fields)]
pub(crate) struct SetAside {
    /// Units to take off sale (negative: to put back on sale).
    delta: i64,
    /// Why, in a few words (at most 200 characters), e.g. "water damage, awaiting inspection".
    note: Option<String>,
}

pub(crate) fn routes() -> OpenApiRouter<Inventory> {
    OpenApiRouter::new().routes(routes!(set_stock_aside))
}

/// Set units aside as unavailable, or put them back on sale (admin). 409 when more are set
/// aside than can be promised, or more put back than are set aside.
#[utoipa::path(post, path = "/inventory/{product_id}/unavailable", tag = "inventory", security(("bearer" = [])),
    params(("product_id" = Uuid, Path, description = "Product id"), kernel::idempotency::KeyHeader), request_body = SetAside,
    responses((status = 200, description = "Stock level after it", body = StockLevel), problems::MalformedRequest,
        problems::NotSignedIn, problems::NotAnAdmin, problems::NotFound, problems::Conflict, problems::InvalidRequest))]
async fn set_stock_aside(
    State(inventory): State<Inventory>,
    Admin(admin): Admin,
    Path(product_id): Path<Uuid>,
    Json(input): Json<SetAside>,
) -> Result<Json<StockLevel>, ApiError> {
    set_aside(&inventory, admin, product_id, input).await.map(Json)
}

/// Applies `input` to `product_id`'s stock on `admin`'s behalf and answers the stock after
/// it: what `POST /inventory/{id}/unavailable` and GraphQL's `setStockAside` both do.
pub(crate) async fn set_aside(
    inventory: &Inventory,
    admin: Principal,
    product_id: Uuid,
    input: SetAside,
) -> Result<StockLevel, ApiError> {
    let note = checked_change(input.delta, input.note.as_deref())?;
    let decide = |item: &StockItem| stock::set_aside(item, product_id, input.delta, &note);
    match change_stock(inventory, admin, product_id, decide).await? {
        Ok(level) => Ok(level),
        Err(SetAsideRejection::UnknownProduct) => {
            Err(ApiError::not_found(format!("no stock item for product {product_id}")))
        }
        Err(SetAsideRejection::MoreThanAvailable { available }) => Err(ApiError::conflict(format!(
            "only {available} units can be set aside: the rest are held for orders or set aside already"
        ))),
        Err(SetAsideRejection::MoreThanSetAside { unavailable }) => {
            Err(ApiError::conflict(format!("only {unavailable} units are set aside to put back on sale")))
        }
    }
}
