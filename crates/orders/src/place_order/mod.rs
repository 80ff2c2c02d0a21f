//! Slice: a customer places an order. Prices come from Orders' price list; the order is
//! recorded and the place-order saga started in one transaction, then answered with 202
//! while the saga runs. An `Idempotency-Key` makes a retried request get the first answer
//! again (`kernel::idempotency`); the key is also claimed in the order's own unit of work,
//! so a retry whose first answer was lost (a crash between placing and keeping the answer)
//! finds the order instead of placing another.
//! Shipping is charged by the service the customer chose, from the rate card Shipping
//! quotes by; an address no zone covers is left to the saga's `shipping_unavailable`.

pub(crate) mod saga;

use crate::order::{OrderLine, OrdersEvent, order_stream};
use crate::read_model::{self, OrderView};
use crate::{Orders, READ_YOUR_WRITES, price_list};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use contracts::shipping_rates::{RateCard, ServiceLevel, ShippingOption};
use contracts::{Address, ProductQuantity};
use kernel::auth::Principal;
use kernel::error::{ApiError, Validation};
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent, retry_on_conflict};
use kernel::http::Json;
use kernel::money::Money;
use kernel::saga::SagaError;
use saga::PlaceOrderData;
use serde::Deserialize;
use std::collections::HashSet;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The request body.
#[derive(Debug, serde::Serialize, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[graphql(name = "PlaceOrderInput")]
#[serde(deny_unknown_fields)]
pub(crate) struct PlaceOrder {
    lines: Vec<LineInput>,
    payment_method_id: Uuid,
    shipping_address: AddressInput,
    /// How to ship: `standard` (the default) or `express`, as `POST /shipping/quotes` offers.
    #[serde(default)]
    shipping_service: Option<ServiceLevel>,
}

/// One line as ordered.
#[derive(Debug, serde::Serialize, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[graphql(name = "OrderLineInput")]
#[serde(deny_unknown_fields)]
struct LineInput {
    product_id: Uuid,
    quantity: i64,
}

/// Where to ship, as entered.
#[derive(Debug, serde::Serialize, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
struct AddressInput {
    name: String,
    line1: String,
    line2: Option<String>,
    city: String,
    postal_code: String,
    country: String,
}

/// Most lines one order may have.
const MAX_LINES: usize = 50;

fn text_field(v: &mut Validation, field: &str, value: &str, max: usize) -> String {
    let value = value.trim().to_owned();
    v.check((1..=max).contains(&value.chars().count()), field, format!("must be 1 to {max} characters"));
    value
}

impl PlaceOrder {
    /// Checks the shape of the request, with at most `max_units` of one product (the shop's
    /// limit against hoarding); prices are looked up afterwards.
    fn validate(self, max_units: u32) -> Result<(Vec<ProductQuantity>, Uuid, Address, ServiceLevel), ApiError> {
        let mut v = Validation::new();
        v.check((1..=MAX_LINES).contains(&self.lines.len()), "lines", format!("must have 1 to {MAX_LINES} lines"));
        let mut seen = HashSet::new();
        let mut lines = Vec::with_capacity(self.lines.len());
        for (i, line) in self.lines.iter().enumerate() {
            let quantity = u32::try_from(line.quantity).ok().filter(|q| (1..=max_units).contains(q));
            v.check(quantity.is_some(), format!("lines[{i}].quantity"), format!("must be 1 to {max_units}"));
            v.check(
                seen.insert(line.product_id),
                format!("lines[{i}].product_id"),
                "appears twice; add up the quantities",
            );
            lines.push(ProductQuantity { product_id: line.product_id, quantity: quantity.unwrap_or(0) });
        }
        let a = &self.shipping_address;
        let line2 = a.line2.as_deref().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned);
        v.check(
            line2.as_ref().is_none_or(|l| l.chars().count() <= 200),
            "shipping_address.line2",
            "must be at most 200 characters",
        );
        let country = a.country.trim().to_ascii_uppercase();
        v.check(
            country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase()),
            "shipping_address.country",
            "must be a two-letter ISO 3166 country code",
        );
        let address = Address {
            name: text_field(&mut v, "shipping_address.name", &a.name, 100),
            line1: text_field(&mut v, "shipping_address.line1", &a.line1, 200),
            line2,
            city: text_field(&mut v, "shipping_address.city", &a.city, 100),
            postal_code: text_field(&mut v, "shipping_address.postal_code", &a.postal_code, 20),
            country,
        };
        v.finish()?;
        Ok((lines, self.payment_method_id, address, self.shipping_service.unwrap_or(ServiceLevel::Standard)))
    }
}

pub(crate) fn routes() -> OpenApiRouter<Orders> {
    OpenApiRouter::new().routes(routes!(place_order, crate::list_orders::list_orders))
}

enum Placed {
    New(Option<kernel::event_store::Position>),
    Existing(Uuid),
}

/// Place an order: 202 while the saga runs; a repeated `Idempotency-Key` gets the first
/// answer again (200 with the order as it now reads when that answer was lost). Poll
/// `GET /orders/{id}` until it is completed or cancelled.
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = PlaceOrder, security(("bearer" = [])),
    params(kernel::idempotency::KeyHeader),
    responses((status = 202, description = "Accepted; the saga runs", body = OrderView),
        (status = 200, description = "Placed before with this key, its answer no longer kept", body = OrderView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::Conflict, kernel::error::problems::InvalidRequest, (status = 503, description = "Not readable yet", body = kernel::error::ProblemDocument, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(customer_id = %principal.user_id, order_id))]
async fn place_order(
    State(orders): State<Orders>,
    principal: Principal,
    headers: HeaderMap,
    Json(input): Json<PlaceOrder>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    let key = kernel::idempotency::key_of(&headers)?;
    let (new, view) = place(&orders, principal, key, input).await?;
    Ok((if new { StatusCode::ACCEPTED } else { StatusCode::OK }, Json(view)))
}

/// Places `input` for `principal` (REST and GraphQL alike): the order as it now reads, and
/// whether it is new (`false`: placed before under the same idempotency `key`).
pub(crate) async fn place(
    orders: &Orders,
    principal: Principal,
    key: Option<String>,
    input: PlaceOrder,
) -> Result<(bool, OrderView), ApiError> {
    let (lines, payment_method_id, shipping_address, service) = input.validate(orders.max_units_per_product)?;
    let product_ids: Vec<Uuid> = lines.iter().map(|l| l.product_id).collect();
    let prices = price_list::prices(orders.store.db(), &product_ids).await?;
    let mut v = Validation::new();
    let mut priced = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        match prices.get(&line.product_id) {
            Some(entry) if !entry.on_sale => {
                v.fail(format!("lines[{i}].product_id"), "is not for sale");
            }
            Some(entry) => priced.push(OrderLine {
                product_id: line.product_id,
                name: entry.name.clone(),
                unit_price: entry.price,
                quantity: line.quantity,
                weight_grams: entry.weight_grams,
            }),
            None => {
                v.fail(format!("lines[{i}].product_id"), "no such product");
            }
        }
    }
    v.finish()?;
    let subtotal = priced
        .iter()
        .try_fold(Money::zero(priced[0].unit_price.currency), |sum, line| {
            sum.checked_add(line.unit_price.checked_mul(i64::from(line.quantity))?)
        })
        .map_err(|e| ApiError::rejected("invalid_total", e.to_string()))?;
    let weight_grams = priced.iter().map(|l| u64::from(l.weight_grams) * u64::from(l.quantity)).sum();
    let shipping = chosen_shipping(&orders.rate_card, &shipping_address.country, weight_grams, subtotal, service)?;
    let total = match &shipping {
        Some(option) => {
            subtotal.checked_add(option.price).map_err(|e| ApiError::rejected("invalid_total", e.to_string()))?
        }
        None => subtotal,
    };

    let order_id = Uuid::now_v7();
    tracing::Span::current().record("order_id", tracing::field::display(order_id));
    let customer_id = principal.user_id;
    let metadata =
        Metadata { correlation_id: Some(order_id), actor: Some(customer_id.to_string()), ..Metadata::default() };
    let placed = OrdersEvent::OrderPlaced {
        order_id,
        customer_id,
        lines: priced,
        total,
        payment_method_id,
        shipping_address: shipping_address.clone(),
        shipping: shipping.map(Box::new),
    };
    let data = PlaceOrderData { customer_id, lines, total, payment_method_id, shipping_address, weight_grams, service };
    let outcome = retry_on_conflict(|| async {
        let mut uow = orders.store.begin().await?;
        if let Some(key) = &key
            && let Some(existing) = read_model::claim_idempotency_key(uow.conn(), customer_id, key, order_id).await?
        {
            return Ok(Placed::Existing(existing));
        }
        let event = NewEvent::from_domain(&placed, &metadata)?;
        let position = uow.append(&order_stream(order_id), ExpectedVersion::NoStream, &[event]).await?;
        orders.saga.start(&mut uow, order_id, &data, &metadata).await?;
        uow.commit().await?;
        Ok::<_, SagaError>(Placed::New(position))
    })
    .await
    .map_err(|error| match error {
        SagaError::Store(e) => ApiError::from(e),
        other => ApiError::internal(&other),
    })?;
    let (new, order_id) = match outcome {
        Placed::New(position) => {
            if let Some(position) = position {
                orders.read_model.wait_for(position, READ_YOUR_WRITES).await;
            }
            (true, order_id)
        }
        Placed::Existing(existing) => (false, existing),
    };
    let view = read_model::order(orders, order_id)
        .await?
        .ok_or_else(|| ApiError::unavailable("the order was placed but is not readable yet; retry the GET"))?;
    Ok((new, view))
}

/// The option `service` is for this parcel, to be charged with the order. `None` when no
/// zone covers `country`: the order goes ahead and Shipping answers `shipping_unavailable`,
/// refunding it (the outline's third failure). A zone that has no such service for this
/// parcel (too heavy for Express, or items priced in another currency) is a 422 now, since
/// nothing could make it ship.
fn chosen_shipping(
    card: &RateCard,
    country: &str,
    weight_grams: u64,
    subtotal: Money,
    service: ServiceLevel,
) -> Result<Option<ShippingOption>, ApiError> {
    if RateCard::zone_of(country).is_none() {
        return Ok(None);
    }
    let option = card.options(country, weight_grams, subtotal).into_iter().find(|option| option.service == service);
    match option {
        Some(option) => Ok(Some(option)),
        None => {
            let mut v = Validation::new();
            v.fail(
                "shipping_service",
                format!("{} shipping is not offered for this order to {country}", service.as_str()),
            );
            v.finish().map(|()| None)
        }
    }
}

#[cfg(test)]
mod tests;
