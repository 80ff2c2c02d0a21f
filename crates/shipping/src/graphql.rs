//! Shipping's part of the GraphQL schema: quotes, a customer's shipments, and the admin's
//! shipment list and hand-over, through the same functions as the REST slices (`quote`,
//! `get_shipment`, `list_shipments`, `ship_shipment`).

use crate::Shipping;
use crate::get_shipment::visible_shipment;
use crate::list_shipments::page_of_shipments;
use crate::quote::{QuoteRequest, QuoteView, quote_for};
use crate::read_model::ShipmentView;
use crate::ship_shipment::{HandOver, hand_to_carrier};
use async_graphql::connection::Connection;
use async_graphql::{Context, Object, Result, ResultExt};
use kernel::graphql::{admin, connection, page_request, signed_in, state};
use kernel::idempotency::{mutation_fingerprint, once};
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

    /// Every shipment (admin), newest order first, a page at a time, optionally of one
    /// `status` (`created`, `shipped`, `in_transit`, `delivered`, `cancelled`, `returning`
    /// or `returned`).
    #[graphql(complexity = "usize::try_from(first.unwrap_or(20)).unwrap_or(0).saturating_mul(child_complexity)")]
    async fn shipments(
        &self,
        ctx: &Context<'_>,
        status: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ShipmentView>> {
        admin(ctx)?;
        let after_given = after.is_some();
        let page = page_request(first, after);
        let found = page_of_shipments(state::<Shipping>(ctx)?, status.as_deref(), &page).await.extend()?;
        Ok(connection(found, after_given, |shipment| shipment.order_id.to_string()))
    }
}

/// Shipping's mutations, merged into the platform's `Mutation`.
#[derive(Default)]
pub struct ShippingMutation;

#[Object]
impl ShippingMutation {
    /// Hand a parcel waiting to ship to the carrier (admin): it becomes `shipped` with its
    /// tracking number (one is made when none is given). `CONFLICT` once it has left or
    /// was cancelled, or for a tracking number another parcel has.
    /// With `idempotencyKey`, the first answer (an error too) is given again for 24 hours.
    async fn ship_shipment(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        input: HandOver,
        idempotency_key: Option<String>,
    ) -> Result<ShipmentView> {
        let principal = admin(ctx)?;
        let shipping = state::<Shipping>(ctx)?;
        let request = mutation_fingerprint("shipShipment", &(id, &input)).extend()?;
        let shipped = hand_to_carrier(shipping, principal, id, input);
        once(&shipping.store, &principal, idempotency_key.as_deref(), &request, shipped).await.extend()
    }
}
