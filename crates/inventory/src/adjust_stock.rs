//! Slice: an admin restocks, counts or writes off units of a product, saying why.

use crate::Inventory;
use crate::read_model::StockLevel;
use crate::stock::{self, AdjustRejection, AdjustmentReason, StockItem, stock_stream};
use crate::stock_level::stock_of;
use axum::extract::State;
use kernel::auth::{Admin, Principal};
use kernel::error::{ApiError, Validation};
use kernel::event_store::{Metadata, StoreError, retry_on_conflict};
use kernel::http::{Json, Path};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The request body (REST), or `input` of `adjustStock` (GraphQL).
#[derive(Debug, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
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

/// Restock, count or write off units (admin); on hand may not drop below what is held.
#[utoipa::path(post, path = "/inventory/{product_id}/adjustments", tag = "inventory", security(("bearer" = [])),
    params(("product_id" = Uuid, Path, description = "Product id")), request_body = Adjustment,
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
    let note = input.note.as_deref().unwrap_or_default().trim().to_owned();
    let mut v = Validation::new();
    v.check(
        input.delta != 0 && input.delta.unsigned_abs() <= 1_000_000,
        "delta",
        "must be a non-zero number of units up to 1000000",
    );
    v.check(
        note.chars().count() <= 200 && !note.chars().any(char::is_control),
        "note",
        "must be at most 200 characters, without control characters",
    );
    v.finish()?;
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let stream = stock_stream(product_id);
    let outcome = retry_on_conflict(|| async {
        let mut uow = inventory.store.begin().await?;
        let mut item = uow.load_aggregate::<StockItem>(&stream).await?;
        let event = match stock::adjust(&item.state, product_id, input.delta, input.reason, &note) {
            Ok(event) => event,
            Err(rejection) => return Ok(Err(rejection)),
        };
        let events = stock::with_alerts(&item.state, product_id, event);
        let position = uow.append_decided(&stream, &mut item, &events, &metadata).await?;
        uow.commit().await?;
        Ok::<_, StoreError>(Ok(position))
    })
    .await?;
    match outcome {
        Ok(position) => {
            if let Some(position) = position {
                inventory.read_model.wait_for(position, crate::READ_YOUR_WRITES).await;
            }
        }
        Err(AdjustRejection::UnknownProduct) => {
            return Err(ApiError::not_found(format!("no stock item for product {product_id}")));
        }
        Err(AdjustRejection::BelowReserved { on_hand, reserved }) => {
            return Err(ApiError::conflict(format!(
                "on hand would be {on_hand}, below the {reserved} units held for orders"
            )));
        }
    }
    stock_of(inventory, product_id).await
}
