//! Slice: a customer cancels their order before its parcel leaves; an admin cancels any
//! order before its parcel is delivered. The request is recorded on the order and the
//! cancel-order saga started in one transaction, then answered with 202 while the saga
//! cancels the shipment (or, when the parcel is already with the carrier, has it returned
//! to sender), gives the payment back, releases the stock and marks the order cancelled;
//! if the parcel turns out to be delivered, it refuses and leaves the order as it was.
//! Asking again changes nothing.

pub(crate) mod saga;

use crate::get_order::visible_order;
use crate::order::{CancelRefusal, Order, order_stream};
use crate::read_model::{self, OrderView};
use crate::{Orders, READ_YOUR_WRITES};
use axum::extract::State;
use axum::http::StatusCode;
use kernel::auth::{Principal, Role};
use kernel::error::{ApiError, Validation, problems};
use kernel::event_store::{Metadata, retry_on_conflict};
use kernel::http::{Json, Path};
use kernel::saga::SagaError;
use saga::{CancelOrderData, saga_id};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The cancellation code of an order its customer cancelled.
pub(crate) const CANCELLED_BY_CUSTOMER: &str = "cancelled_by_customer";
/// The cancellation code of an order an admin cancelled.
pub(crate) const CANCELLED_BY_ADMIN: &str = "cancelled_by_admin";

/// The request body (optional).
#[derive(Debug, Default, serde::Serialize, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[graphql(name = "CancelOrderInput")]
#[serde(deny_unknown_fields)]
pub(crate) struct CancelOrderRequest {
    /// Why, in a few words (at most 200 characters); shown on the order.
    reason: Option<String>,
}

pub(crate) fn routes() -> OpenApiRouter<Orders> {
    OpenApiRouter::new().routes(routes!(cancel_order))
}

/// Cancel an order: its customer until the parcel leaves, an admin until it is delivered
/// (a parcel already with the carrier is then returned to sender, and the payment given
/// back in full). 202 while the cancellation runs (poll `GET /orders/{id}` until
/// `cancelled`, or `completed` with `cancellation_refused` when the parcel turned out to be
/// delivered), 200 when it was already asked for; 409 when it can no longer be cancelled.
#[utoipa::path(post, path = "/orders/{id}/cancel", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id"), kernel::idempotency::KeyHeader), request_body(content = Option<CancelOrderRequest>),
    responses((status = 202, description = "Cancelling", body = OrderView),
        (status = 200, description = "Already cancelled or being cancelled", body = OrderView),
        problems::MalformedRequest, problems::NotSignedIn, problems::NotFound, problems::Conflict,
        problems::InvalidRequest))]
#[tracing::instrument(skip_all, fields(order_id = %id))]
async fn cancel_order(
    State(orders): State<Orders>,
    principal: Principal,
    Path(id): Path<Uuid>,
    body: Option<Json<CancelOrderRequest>>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    let input = body.map(|Json(input)| input).unwrap_or_default();
    let (started, view) = cancel(&orders, principal, id, input).await?;
    Ok((if started { StatusCode::ACCEPTED } else { StatusCode::OK }, Json(view)))
}

/// Asks to cancel order `id` for `principal` (REST and GraphQL alike): the order as it now
/// reads, and whether this request started the cancellation.
pub(crate) async fn cancel(
    orders: &Orders,
    principal: Principal,
    id: Uuid,
    input: CancelOrderRequest,
) -> Result<(bool, OrderView), ApiError> {
    let reason = input.reason.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let mut v = Validation::new();
    v.check(
        reason.chars().count() <= 200 && !reason.chars().any(char::is_control),
        "reason",
        "must be at most 200 characters, without control characters",
    );
    v.finish()?;
    // Another customer's order is "not found", as when reading it.
    visible_order(orders, principal, id).await?;
    let (code, default_reason) = match principal.role {
        Role::Admin => (CANCELLED_BY_ADMIN, "Cancelled by the shop."),
        Role::Customer => (CANCELLED_BY_CUSTOMER, "Cancelled at your request."),
    };
    let reason = if reason.is_empty() { default_reason.to_owned() } else { reason };
    let metadata =
        Metadata { correlation_id: Some(id), actor: Some(principal.user_id.to_string()), ..Metadata::default() };
    let stream = order_stream(id);
    let outcome = retry_on_conflict(|| async {
        let mut uow = orders.store.begin().await?;
        let mut order = uow.load_aggregate::<Order>(&stream).await?;
        let by_admin = principal.role == Role::Admin;
        let event = match order.state.request_cancellation(id, code, &reason, by_admin) {
            Ok(Some(event)) => event,
            Ok(None) => return Ok(Ok(None)),
            Err(refusal) => return Ok(Err(refusal)),
        };
        let position = uow.append_decided(&stream, &mut order, &[event], &metadata).await?;
        let data = CancelOrderData { order_id: id, code: code.to_owned(), reason: reason.clone() };
        orders.cancellations.start(&mut uow, saga_id(id), &data, &metadata).await?;
        uow.commit().await?;
        Ok::<_, SagaError>(Ok(position))
    })
    .await
    .map_err(|error| match error {
        SagaError::Store(e) => ApiError::from(e),
        other => ApiError::internal(&other),
    })?;
    let started = match outcome {
        Ok(Some(position)) => {
            orders.read_model.wait_for(position, READ_YOUR_WRITES).await;
            true
        }
        Ok(None) => false,
        Err(CancelRefusal::Unknown) => return Err(ApiError::not_found(format!("no order {id}"))),
        Err(CancelRefusal::StillBeingPlaced) => {
            return Err(ApiError::conflict(format!(
                "order {id} is still being placed; it can be cancelled once it is completed"
            )));
        }
        Err(CancelRefusal::ParcelLeft) => {
            return Err(ApiError::conflict(format!(
                "order {id} has left with the carrier; it can no longer be cancelled here. Contact the shop: \
                 it can have the parcel returned"
            )));
        }
        Err(CancelRefusal::Delivered) => {
            return Err(ApiError::conflict(format!("order {id} was delivered; it can no longer be cancelled")));
        }
        Err(CancelRefusal::RefusedBefore(why)) => {
            return Err(ApiError::conflict(format!("order {id} can no longer be cancelled: {why}")));
        }
    };
    let view = read_model::order(orders, id)
        .await?
        .ok_or_else(|| ApiError::unavailable("the order is not readable yet; retry the GET"))?;
    Ok((started, view))
}
