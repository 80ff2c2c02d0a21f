//! Shipping's part of the GraphQL schema: quotes and a customer's shipments, through the
//! same functions as the REST slices (`quote`, `get_shipment`).

use crate::Shipping;
use crate::get_shipment::visible_shipment;
use crate::quote::{QuoteRequest, QuoteView, quote_for};
use crate::read_model::ShipmentView;
use async_graphql::{Context, Object, Result, ResultExt};
use kernel::graphql::{signed_in, state};
use uuid::Uuid;

/// Shipping's queries, merged into the platform's `Query`.
#[derive(Default)]
pub struct ShippingQuery;

#[Object]
impl ShippingQuery {
    /// How a cart could be shipped to a country, each service with its price and delivery
    /// estimate; `REJECTED` (`shipping_unavailable`) when nothing goes there. Anyone may ask.
    async fn shipping_quote(&self, ctx: &Context<'_>, input: QuoteRequest) -> Result<QuoteView> {
        quote_for(state::<Shipping>(ctx)?, &input).await.extend()
    }

    /// A shipment of the caller's (any, for admins); `NOT_FOUND` for another customer's.
    async fn shipment(&self, ctx: &Context<'_>, id: Uuid) -> Result<ShipmentView> {
        let principal = signed_in(ctx)?;
        visible_shipment(state::<Shipping>(ctx)?, principal, id).await.extend()
    }
}
