//! Slice: low-stock alerts. An admin sets the level at or below which a product counts as
//! low; crossing it records `LowStockDetected` once (see `stock::with_alerts`), and the
//! alert list shows every product at or below its level, those with least left first.

use crate::Inventory;
use crate::read_model::{self, StockLevel};
use crate::stock::{InventoryEvent, StockItem, stock_stream, with_alerts};
use crate::stock_level::stock_of;
use axum::extract::State;
use kernel::auth::{Admin, Principal};
use kernel::error::{ApiError, Validation, problems};
use kernel::event_store::{Metadata, StoreError, retry_on_conflict};
use kernel::http::{Json, Path};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn routes() -> OpenApiRouter<Inventory> {
    OpenApiRouter::new().routes(routes!(set_threshold)).routes(routes!(stock_alerts))
}

/// The body of `PUT /inventory/{product_id}/threshold`.
#[derive(Debug, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
#[graphql(name = "ThresholdInput")]
pub(crate) struct Threshold {
    /// Units at or below which the product counts as low on stock (0 to 1,000,000).
    low_stock_threshold: i64,
}

/// Set a product's low-stock level (admin). If what can be promised is at or below the new
/// level and was above the old one, that is a crossing: `LowStockDetected` is recorded.
#[utoipa::path(put, path = "/inventory/{product_id}/threshold", tag = "inventory", security(("bearer" = [])),
    params(("product_id" = Uuid, Path, description = "Product id")), request_body = Threshold,
    responses((status = 200, description = "Stock level with its new threshold", body = StockLevel),
        problems::MalformedRequest, problems::NotSignedIn, problems::NotAnAdmin, problems::NotFound,
        problems::InvalidRequest))]
async fn set_threshold(
    State(inventory): State<Inventory>,
    Admin(admin): Admin,
    Path(product_id): Path<Uuid>,
    Json(input): Json<Threshold>,
) -> Result<Json<StockLevel>, ApiError> {
    set_low_stock_threshold(&inventory, admin, product_id, input).await.map(Json)
}

/// Set `product_id`'s low-stock level as `admin` (REST's and GraphQL's), recording the
/// crossing when the level rises to or above what can be promised.
pub(crate) async fn set_low_stock_threshold(
    inventory: &Inventory,
    admin: Principal,
    product_id: Uuid,
    input: Threshold,
) -> Result<StockLevel, ApiError> {
    let mut v = Validation::new();
    v.check((0..=1_000_000).contains(&input.low_stock_threshold), "low_stock_threshold", "must be 0 to 1000000");
    v.finish()?;
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let stream = stock_stream(product_id);
    let position = retry_on_conflict(|| async {
        let mut uow = inventory.store.begin().await?;
        let mut item = uow.load_aggregate::<StockItem>(&stream).await?;
        if !item.state.opened {
            return Ok(None);
        }
        let change = InventoryEvent::LowStockThresholdSet {
            product_id,
            low_stock_threshold: input.low_stock_threshold,
            available: item.state.available(),
        };
        let events = with_alerts(&item.state, product_id, change);
        let position = uow.append_decided(&stream, &mut item, &events, &metadata).await?;
        uow.commit().await?;
        Ok::<_, StoreError>(Some(position))
    })
    .await?
    .ok_or_else(|| ApiError::not_found(format!("no stock item for product {product_id}")))?;
    if let Some(position) = position {
        inventory.read_model.wait_for(position, crate::READ_YOUR_WRITES).await;
    }
    stock_of(inventory, product_id).await
}

/// Every product at or below its low-stock level (admin), those with least left first.
#[utoipa::path(get, path = "/inventory/alerts", tag = "inventory", security(("bearer" = [])),
    responses((status = 200, description = "Products low on stock", body = Vec<StockLevel>),
        problems::NotSignedIn, problems::NotAnAdmin))]
async fn stock_alerts(State(inventory): State<Inventory>, _admin: Admin) -> Result<Json<Vec<StockLevel>>, ApiError> {
    low_stock(&inventory).await.map(Json)
}

/// Every product at or below its low-stock level, least left first (REST's alerts and
/// GraphQL's `stockAlerts`).
pub(crate) async fn low_stock(inventory: &Inventory) -> Result<Vec<StockLevel>, ApiError> {
    Ok(read_model::low_levels(inventory.store.db()).await?)
}
