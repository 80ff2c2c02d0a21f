//! Slice: an admin reads what happened to a product's stock, newest first — every
//! restock, write-off, count and unit set aside with its reason and who made it, and every
//! unit held, given back, shipped or returned for an order. Read from the stock item's own events: the history
//! is the aggregate's stream.

use crate::Inventory;
use crate::stock::{InventoryEvent, stock_stream};
use axum::extract::State;
use kernel::auth::Admin;
use kernel::error::{ApiError, problems};
use kernel::http::{Json, Page, PageRequest, Path, Query};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn routes() -> OpenApiRouter<Inventory> {
    OpenApiRouter::new().routes(routes!(stock_history))
}

/// One change to a product's stock.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub(crate) struct StockMovement {
    /// Its place in the product's history (from 1); also the cursor of the page after it.
    pub(crate) sequence: i64,
    /// When (RFC 3339).
    at: String,
    /// `opened`, `adjusted`, `set_aside` (negative: back on sale), `reserved`, `released`,
    /// `shipped` or `returned` (back from a parcel returned to the warehouse).
    kind: &'static str,
    /// Change to the units on hand.
    on_hand_change: i64,
    /// Change to the units held for orders.
    reserved_change: i64,
    /// Change to the units set aside as unavailable.
    unavailable_change: i64,
    /// Units on hand after it.
    on_hand: i64,
    /// Units set aside as unavailable after it.
    unavailable: i64,
    /// Units that could be promised after it.
    available: i64,
    /// Why an admin adjusted: `restock`, `shrinkage`, `damage`, `correction` or `count`.
    reason: Option<String>,
    /// The admin's note on an adjustment or a setting aside.
    note: Option<String>,
    /// The order units were held, given back, shipped or returned for.
    order_id: Option<Uuid>,
    /// The admin's user id, for adjustments and settings aside.
    actor: Option<String>,
}

/// A product's stock movements, newest first (admin). `cursor` is a movement's `sequence`.
#[utoipa::path(get, path = "/inventory/{product_id}/history", tag = "inventory", security(("bearer" = [])),
    params(("product_id" = Uuid, Path, description = "Product id"), PageRequest),
    responses((status = 200, description = "A page of movements", body = Page<StockMovement>),
        problems::MalformedRequest, problems::NotSignedIn, problems::NotAnAdmin, problems::NotFound))]
async fn stock_history(
    State(inventory): State<Inventory>,
    _admin: Admin,
    Path(product_id): Path<Uuid>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<StockMovement>>, ApiError> {
    movements(&inventory, product_id, &page).await.map(Json)
}

/// A page of `product_id`'s stock movements, newest first (REST's history and GraphQL's
/// `stockHistory`); `NOT_FOUND` when it has no stock item.
pub(crate) async fn movements(
    inventory: &Inventory,
    product_id: Uuid,
    page: &PageRequest,
) -> Result<Page<StockMovement>, ApiError> {
    let limit = page.limit()?;
    let before = match page.cursor.as_deref().filter(|cursor| !cursor.is_empty()) {
        Some(cursor) => {
            Some(cursor.parse::<i64>().map_err(|_| ApiError::bad_request("cursor is not one this API issued"))?)
        }
        None => None,
    };
    let events = inventory.store.load(&stock_stream(product_id)).await?;
    if events.is_empty() {
        return Err(ApiError::not_found(format!("no stock item for product {product_id}")));
    }
    let (mut on_hand, mut reserved, mut unavailable) = (0, 0, 0);
    let mut movements = Vec::with_capacity(events.len());
    for recorded in &events {
        let Some(event) = recorded.decode_known::<InventoryEvent>()? else { continue };
        let note_of = |note: String| Some(note).filter(|n| !n.is_empty());
        let (kind, [on_hand_change, reserved_change, unavailable_change], reason, note, order_id) = match event {
            InventoryEvent::StockItemOpened { on_hand: opened, .. } => ("opened", [opened, 0, 0], None, None, None),
            InventoryEvent::StockAdjusted { delta, reason, note, unavailable_change, .. } => {
                ("adjusted", [delta, 0, unavailable_change], Some(reason), note_of(note), None)
            }
            InventoryEvent::StockSetAside { delta, note, .. } => {
                ("set_aside", [0, 0, delta], None, note_of(note), None)
            }
            InventoryEvent::StockReserved { order_id, quantity, .. } => {
                ("reserved", [0, quantity, 0], None, None, Some(order_id))
            }
            InventoryEvent::StockReleased { order_id, quantity, .. } => {
                ("released", [0, -quantity, 0], None, None, Some(order_id))
            }
            InventoryEvent::StockShipped { order_id, quantity, .. } => {
                ("shipped", [-quantity, -quantity, 0], None, None, Some(order_id))
            }
            InventoryEvent::StockReturned { order_id, quantity, .. } => {
                ("returned", [quantity, 0, 0], None, None, Some(order_id))
            }
            _ => continue,
        };
        on_hand += on_hand_change;
        reserved += reserved_change;
        unavailable += unavailable_change;
        let by_an_admin = matches!(kind, "adjusted" | "set_aside");
        movements.push(StockMovement {
            sequence: recorded.stream_version,
            at: kernel::time::format(recorded.recorded_at),
            kind,
            on_hand_change,
            reserved_change,
            unavailable_change,
            on_hand,
            unavailable,
            available: on_hand - reserved - unavailable,
            actor: if by_an_admin { recorded.metadata.actor.clone() } else { None },
            reason,
            note,
            order_id,
        });
    }
    let newest_first: Vec<StockMovement> = movements
        .into_iter()
        .rev()
        .filter(|movement| before.is_none_or(|before| movement.sequence < before))
        .take(usize::try_from(limit).unwrap_or(usize::MAX) + 1)
        .collect();
    Ok(Page::from_rows(newest_first, limit, |movement| movement.sequence.to_string()))
}
