//! Slices: a customer reads one of their orders; an admin reads any order's saga history.

use crate::Orders;
use crate::read_model::{self, OrderView};
use axum::extract::State;
use kernel::auth::{Admin, Principal};
use kernel::error::ApiError;
use kernel::http::{Json, Path};
use kernel::saga::SagaView;
use serde::Serialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn routes() -> OpenApiRouter<Orders> {
    OpenApiRouter::new().routes(routes!(get_order)).routes(routes!(get_saga))
}

/// One of the caller's orders with its saga's progress (any order, for admins).
#[utoipa::path(get, path = "/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, description = "The order", body = OrderView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotFound))]
async fn get_order(
    State(orders): State<Orders>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<OrderView>, ApiError> {
    visible_order(&orders, principal, id).await.map(Json)
}

/// Order `id` if `principal` may see it (REST and GraphQL alike). Another customer's order
/// is "not found": its existence is not theirs to learn.
pub(crate) async fn visible_order(orders: &Orders, principal: Principal, id: Uuid) -> Result<OrderView, ApiError> {
    read_model::order(orders, id)
        .await?
        .filter(|order| principal.can_see(order.customer_id))
        .ok_or_else(|| ApiError::not_found(format!("no order {id}")))
}

/// One recorded saga transition.
#[derive(Serialize, utoipa::ToSchema)]
struct SagaEntry {
    version: i64,
    #[serde(rename = "type")]
    event_type: String,
    #[schema(value_type = Object)]
    data: Value,
    recorded_at: String,
}

/// A saga's state and full history, for support.
#[derive(Serialize, utoipa::ToSchema)]
struct SagaHistory {
    order_id: Uuid,
    #[serde(flatten)]
    view: SagaView,
    history: Vec<SagaEntry>,
}

/// An order's saga with its full history (admin).
#[utoipa::path(get, path = "/orders/{id}/saga", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, description = "Saga state and history", body = SagaHistory), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::NotFound))]
async fn get_saga(State(orders): State<Orders>, _: Admin, Path(id): Path<Uuid>) -> Result<Json<SagaHistory>, ApiError> {
    let view = orders.saga.view(id).await?.ok_or_else(|| ApiError::not_found(format!("no saga for order {id}")))?;
    let history = orders
        .store
        .load(&kernel::saga::stream_id(id))
        .await?
        .into_iter()
        .map(|e| SagaEntry {
            version: e.stream_version,
            event_type: e.event_type,
            // An event without data (SagaCompleted) is stored as null; the API promises an object.
            data: if e.payload.is_null() { Value::Object(serde_json::Map::new()) } else { e.payload },
            recorded_at: kernel::time::format(e.recorded_at),
        })
        .collect();
    Ok(Json(SagaHistory { order_id: id, view, history }))
}
