//! Slice: a customer (or an admin) reads a payment of theirs.

use crate::Payments;
use crate::read_model::{self, PaymentView};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use kernel::auth::Principal;
use kernel::error::ApiError;
use kernel::http::{Json, Path};
use uuid::Uuid;

pub(crate) fn routes() -> Router<Payments> {
    Router::new().route("/payments/{id}", get(get_payment))
}

async fn get_payment(
    State(payments): State<Payments>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<PaymentView>, ApiError> {
    read_model::payment(payments.store.db(), id)
        .await?
        .filter(|payment| payment.customer_id.is_some_and(|owner| principal.can_see(owner)))
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no payment {id}")))
}
