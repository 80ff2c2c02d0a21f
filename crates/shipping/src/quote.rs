//! Slice: anyone asks what shipping a parcel would cost.

use crate::Shipping;
use crate::zones;
use kernel::error::{ApiError, Validation};
use kernel::http::Json;
use kernel::money::Money;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The request body (REST), or `input` of `shippingQuote` (GraphQL).
#[derive(Debug, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuoteRequest {
    country: String,
    weight_grams: i64,
}

/// The response body.
#[derive(Debug, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "ShippingQuote")]
pub(crate) struct QuoteView {
    zone: &'static str,
    cost: Money,
}

pub(crate) fn routes() -> OpenApiRouter<Shipping> {
    OpenApiRouter::new().routes(routes!(quote))
}

/// What shipping a parcel would cost; 422 `shipping_unavailable` outside every zone.
#[utoipa::path(post, path = "/shipping/quotes", tag = "shipping", request_body = QuoteRequest,
    responses((status = 200, description = "Quote", body = QuoteView), kernel::error::problems::MalformedRequest, kernel::error::problems::InvalidRequest))]
async fn quote(Json(input): Json<QuoteRequest>) -> Result<Json<QuoteView>, ApiError> {
    quote_for(&input).map(Json)
}

/// What shipping `input`'s parcel costs: what `POST /shipping/quotes` and GraphQL's
/// `shippingQuote` both answer.
pub(crate) fn quote_for(input: &QuoteRequest) -> Result<QuoteView, ApiError> {
    let country = input.country.trim().to_ascii_uppercase();
    let weight = u64::try_from(input.weight_grams).ok().filter(|w| (1..=1_000_000_000).contains(w));
    let mut v = Validation::new();
    v.check(zones::is_country_code(&country), "country", "must be a two-letter ISO 3166 country code");
    v.check(weight.is_some(), "weight_grams", "must be a positive number of grams");
    v.finish()?;
    let quote = zones::quote(&country, weight.expect("validated"))
        .ok_or_else(|| ApiError::rejected("shipping_unavailable", format!("We do not ship to {country}.")))?;
    Ok(QuoteView { zone: quote.zone, cost: quote.cost })
}
