//! Slice: a customer lists their saved cards.

use crate::Payments;
use crate::read_model::{self, PaymentMethodView};
use axum::extract::State;
use kernel::auth::Principal;
use kernel::error::ApiError;
use kernel::http::Json;
use serde::Serialize;

/// The response body.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct PaymentMethods {
    items: Vec<PaymentMethodView>,
}

/// The caller's saved cards.
#[utoipa::path(get, path = "/payment-methods", tag = "payments", security(("bearer" = [])),
    responses((status = 200, description = "Saved cards", body = PaymentMethods), kernel::error::problems::NotSignedIn))]
pub(crate) async fn list(
    State(payments): State<Payments>,
    principal: Principal,
) -> Result<Json<PaymentMethods>, ApiError> {
    let items = read_model::payment_methods(payments.store.db(), principal.user_id).await?;
    Ok(Json(PaymentMethods { items }))
}
