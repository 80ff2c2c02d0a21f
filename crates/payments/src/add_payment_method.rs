//! Slice: a customer saves a card. The number goes to the gateway to be tokenised and is
//! then dropped (the request type has no `Debug`, so it cannot reach a log); the token is
//! verified with a zero-amount authorisation before the card is kept.

use crate::card::{CardNumber, not_expired};
use crate::gateway::GatewayError;
use crate::payment::{PaymentsEvent, method_stream};
use crate::read_model::{self, PaymentMethodView};
use crate::{Payments, READ_YOUR_WRITES};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Datelike;
use kernel::auth::Principal;
use kernel::error::{ApiError, Validation};
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent};
use kernel::http::Json;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The request body (deliberately without `Debug`).
#[derive(serde::Serialize, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[graphql(name = "NewPaymentMethodInput")]
#[serde(deny_unknown_fields)]
pub(crate) struct NewPaymentMethod {
    card_number: String,
    exp_month: i64,
    exp_year: i64,
    cvc: String,
    holder_name: String,
}

pub(crate) fn routes() -> OpenApiRouter<Payments> {
    OpenApiRouter::new().routes(routes!(add_payment_method, crate::list_payment_methods::list))
}

/// Save a card: it is tokenised by the gateway and verified with a zero-amount
/// authorisation (422 `card_rejected` when the issuer refuses it); only token, brand, last
/// four digits and expiry are kept.
#[utoipa::path(post, path = "/payment-methods", tag = "payments", request_body = NewPaymentMethod, security(("bearer" = [])),
    params(kernel::idempotency::KeyHeader),
    responses((status = 201, description = "Saved", body = PaymentMethodView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::Conflict, kernel::error::problems::InvalidRequest, (status = 503, description = "A dependency is unavailable", body = kernel::error::ProblemDocument, content_type = "application/problem+json")))]
async fn add_payment_method(
    State(payments): State<Payments>,
    principal: Principal,
    Json(input): Json<NewPaymentMethod>,
) -> Result<(StatusCode, Json<PaymentMethodView>), ApiError> {
    Ok((StatusCode::CREATED, Json(add(&payments, principal, input).await?)))
}

/// Saves `input` as a card of `principal` (REST and GraphQL alike).
pub(crate) async fn add(
    payments: &Payments,
    principal: Principal,
    input: NewPaymentMethod,
) -> Result<PaymentMethodView, ApiError> {
    let now = payments.store.clock().now();
    let mut v = Validation::new();
    let card = CardNumber::parse(&input.card_number);
    if let Err(problem) = &card {
        v.fail("card_number", *problem);
    }
    let month = u32::try_from(input.exp_month).ok().filter(|m| (1..=12).contains(m));
    v.check(month.is_some(), "exp_month", "must be 1 to 12");
    let year = i32::try_from(input.exp_year).ok().filter(|y| (now.year()..=now.year() + 20).contains(y));
    v.check(year.is_some(), "exp_year", "must be a four-digit year, this year or up to 20 ahead");
    if let (Some(month), Some(year)) = (month, year) {
        v.check(not_expired(month, year, now), "exp_month", "the card has expired");
    }
    v.check(
        (3..=4).contains(&input.cvc.len()) && input.cvc.chars().all(|c| c.is_ascii_digit()),
        "cvc",
        "must be 3 or 4 digits",
    );
    let holder_name = input.holder_name.trim().to_owned();
    v.check((1..=100).contains(&holder_name.chars().count()), "holder_name", "must be 1 to 100 characters");
    v.finish()?;
    let (card, month, year) = (card.expect("validated"), month.expect("validated"), year.expect("validated"));

    let refused = |error| match error {
        GatewayError::Transient(_) => ApiError::unavailable("the card processor is unavailable; try again"),
        other => ApiError::rejected("card_rejected", other.to_string()),
    };
    let token = payments.gateway.tokenize(card.digits(), month, year).await.map_err(refused)?;
    // A zero-amount authorisation: a card its issuer refuses is not saved to fail at checkout.
    payments.gateway.verify(&token.token).await.map_err(refused)?;
    let payment_method_id = Uuid::now_v7();
    let event = PaymentsEvent::PaymentMethodAdded {
        payment_method_id,
        customer_id: principal.user_id,
        token: token.token,
        brand: card.brand().to_owned(),
        last4: card.last4().to_owned(),
        exp_month: month,
        exp_year: year,
        holder_name,
    };
    let metadata = Metadata { actor: Some(principal.user_id.to_string()), ..Metadata::default() };
    let mut uow = payments.store.begin().await?;
    let position = uow
        .append(
            &method_stream(payment_method_id),
            ExpectedVersion::NoStream,
            &[NewEvent::from_domain(&event, &metadata)?],
        )
        .await?;
    uow.commit().await?;
    if let Some(position) = position {
        payments.read_model.wait_for(position, READ_YOUR_WRITES).await;
    }
    read_model::payment_method(payments.store.db(), payment_method_id)
        .await?
        .ok_or_else(|| ApiError::unavailable("the card was saved but is not readable yet"))
}
