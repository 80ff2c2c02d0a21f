//! Inventory's part of the GraphQL schema: an admin reads and adjusts a product's stock,
//! through the same functions as the REST slices (`stock_level`, `adjust_stock`, `set_aside`).

use crate::Inventory;
use crate::adjust_stock::{Adjustment, adjust};
use crate::read_model::StockLevel;
use crate::set_aside::{SetAside, set_aside};
use crate::stock_level::stock_of;
use async_graphql::{Context, Object, Result, ResultExt};
use kernel::graphql::{admin, state};
use uuid::Uuid;

/// Inventory's queries, merged into the platform's `Query`.
#[derive(Default)]
pub struct InventoryQuery;

#[Object]
impl InventoryQuery {
    /// A product's stock: on hand, held for orders, available (admin).
    async fn stock(&self, ctx: &Context<'_>, product_id: Uuid) -> Result<StockLevel> {
        admin(ctx)?;
        stock_of(state::<Inventory>(ctx)?, product_id).await.extend()
    }
}

/// Inventory's mutations, merged into the platform's `Mutation`.
#[derive(Default)]
pub struct InventoryMutation;

#[Object]
impl InventoryMutation {
    /// Restock (positive `delta`), count or write off (negative) units of a product (admin);
    /// `CONFLICT` when on hand would drop below what is held for orders.
    async fn adjust_stock(&self, ctx: &Context<'_>, product_id: Uuid, input: Adjustment) -> Result<StockLevel> {
        let principal = admin(ctx)?;
        adjust(state::<Inventory>(ctx)?, principal, product_id, input).await.extend()
    }

    /// Set units aside as unavailable (damaged: on hand, not for sale), or put them back on
    /// sale with a negative `delta` (admin); `CONFLICT` beyond what can be promised or is
    /// set aside.
    async fn set_stock_aside(&self, ctx: &Context<'_>, product_id: Uuid, input: SetAside) -> Result<StockLevel> {
        let principal = admin(ctx)?;
        set_aside(state::<Inventory>(ctx)?, principal, product_id, input).await.extend()
    }
}
