//! Orders' part of the GraphQL schema: placing an order and reading one's orders, through
//! the same functions as the REST slices (`place_order`, `get_order`, `list_orders`).

use crate::Orders;
use crate::get_order::visible_order;
use crate::list_orders::page_of_orders;
use crate::place_order::{PlaceOrder, checked_idempotency_key, place};
use crate::read_model::OrderView;
use async_graphql::connection::Connection;
use async_graphql::{Context, Object, Result, ResultExt};
use kernel::graphql::{connection, page_request, signed_in, state};
use uuid::Uuid;

/// Orders' queries, merged into the platform's `Query`.
#[derive(Default)]
pub struct OrdersQuery;

#[Object]
impl OrdersQuery {
    /// One of the caller's orders with its saga's progress (any order, for admins);
    /// `NOT_FOUND` for another customer's.
    async fn order(&self, ctx: &Context<'_>, id: Uuid) -> Result<OrderView> {
        let principal = signed_in(ctx)?;
        visible_order(state::<Orders>(ctx)?, principal, id).await.extend()
    }

    /// The caller's orders, newest first (every order, for admins), a page at a time.
    #[graphql(complexity = "usize::try_from(first.unwrap_or(20)).unwrap_or(0).saturating_mul(child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, OrderView>> {
        let principal = signed_in(ctx)?;
        let after_given = after.is_some();
        let page = page_of_orders(state::<Orders>(ctx)?, principal, &page_request(first, after)).await.extend()?;
        Ok(connection(page, after_given, |order| order.id.to_string()))
    }
}

/// Orders' mutations, merged into the platform's `Mutation`.
#[derive(Default)]
pub struct OrdersMutation;

#[Object]
impl OrdersMutation {
    /// Place an order; the saga then runs (watch `order(id)` until it is completed or
    /// cancelled). The same `idempotencyKey` again returns the same order.
    async fn place_order(
        &self,
        ctx: &Context<'_>,
        input: PlaceOrder,
        idempotency_key: Option<String>,
    ) -> Result<OrderView> {
        let principal = signed_in(ctx)?;
        let key = idempotency_key.as_deref().map(checked_idempotency_key).transpose().extend()?;
        let (_, order) = place(state::<Orders>(ctx)?, principal, key, input).await.extend()?;
        Ok(order)
    }
}
