//! Slice: anyone asks how a cart could be shipped to a country: every service level with
//! its price and delivery estimate, from the same rate card the order will be charged by.

use crate::Shipping;
use crate::product_weights;
use axum::extract::State;
use contracts::shipping_rates::ShippingOption;
use kernel::error::{ApiError, Validation, problems};
use kernel::http::Json;
use kernel::money::Money;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Most lines one quote may have (as many as one order).
const MAX_LINES: usize = 50;

/// Most units of one line.
const MAX_QUANTITY: i64 = 1_000;

/// The request body (REST), or `input` of `shippingQuote` (GraphQL).
#[derive(Debug, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuoteRequest {
    /// ISO 3166-1 alpha-2 code of the destination.
    country: String,
    /// The cart's lines.
    lines: Vec<QuoteLine>,
}

/// One line of the cart.
#[derive(Debug, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuoteLine {
    product_id: Uuid,
    quantity: i64,
}

/// The response body.
#[derive(Debug, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "ShippingQuote")]
pub(crate) struct QuoteView {
    /// The parcel's weight.
    weight_grams: u64,
    /// What the items are worth (it decides free shipping).
    items_value: Money,
    /// Every way to ship it, cheapest first.
    options: Vec<ShippingOption>,
}

pub(crate) fn routes() -> OpenApiRouter<Shipping> {
    OpenApiRouter::new().routes(routes!(quote))
}

/// How a cart could be shipped; 422 `shipping_unavailable` when nothing goes there.
#[utoipa::path(post, path = "/shipping/quotes", tag = "shipping", request_body = QuoteRequest,
    responses((status = 200, description = "Shipping options", body = QuoteView), problems::MalformedRequest, problems::InvalidRequest))]
async fn quote(State(shipping): State<Shipping>, Json(input): Json<QuoteRequest>) -> Result<Json<QuoteView>, ApiError> {
    quote_for(&shipping, &input).await.map(Json)
}

/// The options for `input`'s cart: what `POST /shipping/quotes` and GraphQL's
/// `shippingQuote` both answer.
pub(crate) async fn quote_for(shipping: &Shipping, input: &QuoteRequest) -> Result<QuoteView, ApiError> {
    let country = input.country.trim().to_ascii_uppercase();
    let mut v = Validation::new();
    v.check(
        country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase()),
        "country",
        "must be a two-letter ISO 3166 country code",
    );
    v.check((1..=MAX_LINES).contains(&input.lines.len()), "lines", format!("must have 1 to {MAX_LINES} lines"));
    for (i, line) in input.lines.iter().enumerate() {
        v.check(
            (1..=MAX_QUANTITY).contains(&line.quantity),
            format!("lines[{i}].quantity"),
            format!("must be 1 to {MAX_QUANTITY}"),
        );
    }
    v.finish()?;

    let ids: Vec<Uuid> = input.lines.iter().map(|line| line.product_id).collect();
    let known = product_weights::weights(shipping.store.db(), &ids).await?;
    let mut v = Validation::new();
    let (mut weight_grams, mut items_value) = (0u64, None::<Money>);
    for (i, line) in input.lines.iter().enumerate() {
        let Some(product) = known.get(&line.product_id) else {
            v.fail(format!("lines[{i}].product_id"), "no such product");
            continue;
        };
        let quantity = u64::try_from(line.quantity).unwrap_or(0);
        weight_grams = weight_grams.saturating_add(product.weight_grams.saturating_mul(quantity));
        let value = product.price.checked_mul(line.quantity).and_then(|value| match items_value {
            Some(sum) => sum.checked_add(value),
            None => Ok(value),
        });
        match value {
            Ok(value) => items_value = Some(value),
            Err(e) => {
                v.fail(format!("lines[{i}].product_id"), e.to_string());
            }
        }
    }
    v.finish()?;
    let items_value = items_value.expect("at least one line, each known");
    let options = shipping.rate_card.options(&country, weight_grams, items_value);
    if options.is_empty() {
        return Err(ApiError::rejected("shipping_unavailable", format!("We do not ship this cart to {country}.")));
    }
    Ok(QuoteView { weight_grams, items_value, options })
}
