//! Inventory's part of the GraphQL schema: an admin reads stock levels, alerts and a
//! product's movements, and adjusts, sets aside and sets the low-stock level, through the
//! same functions as the REST slices (`stock_level`, `stock_alerts`, `stock_history`,
//! `adjust_stock`, `set_aside`).

use crate::Inventory;
use crate::adjust_stock::{Adjustment, adjust};
use crate::read_model::StockLevel;
use crate::set_aside::{SetAside, set_aside};
use crate::stock_alerts::{Threshold, low_stock, set_low_stock_threshold};
use crate::stock_history::{StockMovement, movements};
use crate::stock_level::{page_of_stock_levels, stock_of};
use async_graphql::connection::Connection;
use async_graphql::{Context, Object, Result, ResultExt};
use kernel::graphql::{admin, connection, page_request, state};
use kernel::idempotency::{mutation_fingerprint, once};
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

    /// Every product's stock (admin), in product id order, a page at a time (`first`:
    /// 1..=100, default 20). Costs its fields once per level asked for.
    #[graphql(complexity = "usize::try_from(first.unwrap_or(20)).unwrap_or(0).saturating_mul(child_complexity)")]
    async fn stock_levels(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, StockLevel>> {
        admin(ctx)?;
        let after_given = after.is_some();
        let page = page_of_stock_levels(state::<Inventory>(ctx)?, &page_request(first, after)).await.extend()?;
        Ok(connection(page, after_given, |level| level.product_id.to_string()))
    }

    /// Every product at or below its low-stock level (admin), least left first.
    async fn stock_alerts(&self, ctx: &Context<'_>) -> Result<Vec<StockLevel>> {
        admin(ctx)?;
        low_stock(state::<Inventory>(ctx)?).await.extend()
    }

    /// What happened to a product's stock (admin), newest first, a page at a time:
    /// restocks, write-offs, counts, units set aside, and units held, given back or shipped
    /// for orders. `NOT_FOUND` when the product has no stock item.
    #[graphql(complexity = "usize::try_from(first.unwrap_or(20)).unwrap_or(0).saturating_mul(child_complexity)")]
    async fn stock_history(
        &self,
        ctx: &Context<'_>,
        product_id: Uuid,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, StockMovement>> {
        admin(ctx)?;
        let after_given = after.is_some();
        let page = movements(state::<Inventory>(ctx)?, product_id, &page_request(first, after)).await.extend()?;
        Ok(connection(page, after_given, |movement| movement.sequence.to_string()))
    }
}

/// Inventory's mutations, merged into the platform's `Mutation`.
#[derive(Default)]
pub struct InventoryMutation;

#[Object]
impl InventoryMutation {
    /// Restock (positive `delta`), count or write off (negative) units of a product (admin);
    /// `CONFLICT` when on hand would drop below what is held for orders.
    /// With `idempotencyKey`, the first answer (an error too) is given again for 24 hours.
    async fn adjust_stock(
        &self,
        ctx: &Context<'_>,
        product_id: Uuid,
        input: Adjustment,
        idempotency_key: Option<String>,
    ) -> Result<StockLevel> {
        let principal = admin(ctx)?;
        let inventory = state::<Inventory>(ctx)?;
        let request = mutation_fingerprint("adjustStock", &(product_id, &input)).extend()?;
        let adjusted = adjust(inventory, principal, product_id, input);
        once(&inventory.store, &principal, idempotency_key.as_deref(), &request, adjusted).await.extend()
    }

    /// Set units aside as unavailable (damaged: on hand, not for sale), or put them back on
    /// sale with a negative `delta` (admin); `CONFLICT` beyond what can be promised or is
    /// set aside.
    /// With `idempotencyKey`, the first answer (an error too) is given again for 24 hours.
    async fn set_stock_aside(
        &self,
        ctx: &Context<'_>,
        product_id: Uuid,
        input: SetAside,
        idempotency_key: Option<String>,
    ) -> Result<StockLevel> {
        let principal = admin(ctx)?;
        let inventory = state::<Inventory>(ctx)?;
        let request = mutation_fingerprint("setStockAside", &(product_id, &input)).extend()?;
        let set = set_aside(inventory, principal, product_id, input);
        once(&inventory.store, &principal, idempotency_key.as_deref(), &request, set).await.extend()
    }

    /// Set the level at or below which a product counts as low on stock (admin; 0 to
    /// 1,000,000); reaching it records a low-stock alert once.
    async fn set_low_stock_threshold(
        &self,
        ctx: &Context<'_>,
        product_id: Uuid,
        input: Threshold,
    ) -> Result<StockLevel> {
        let principal = admin(ctx)?;
        set_low_stock_threshold(state::<Inventory>(ctx)?, principal, product_id, input).await.extend()
    }
}
