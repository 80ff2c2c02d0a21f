//! Slice: a customer (or an admin) reads a payment of theirs.

use crate::Payments;
use crate::read_model::{self, PaymentView};
use axum::extract::State;
use kernel::auth::Principal;
use kernel::error::ApiError;
use kernel::http::{Json, Path};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn routes() -> OpenApiRouter<Payments> {
    OpenApiRouter::new().routes(routes!(get_payment))
}

/// A payment of the caller's (any, for admins).
#[utoipa::path(get, path = "/payments/{id}", tag = "payments", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Payment id")),
    responses((status = 200, description = "Payment", body = PaymentView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotFound))]
async fn get_payment(
    State(payments): State<Payments>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<PaymentView>, ApiError> {
    visible_payment(&payments, principal, id).await.map(Json)
}

/// Payment `id` if `principal` may see it (its customer, or an admin); `NOT_FOUND` for
/// another customer's, as for one that does not exist.
pub(crate) async fn visible_payment(
    payments: &Payments,
    principal: Principal,
    id: Uuid,
) -> Result<PaymentView, ApiError> {
    read_model::payment(payments.store.db(), id)
        .await?
        .filter(|payment| payment.customer_id.is_some_and(|owner| principal.can_see(owner)))
        .ok_or_else(|| ApiError::not_found(format!("no payment {id}")))
}
